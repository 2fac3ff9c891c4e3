/* FileStreamSink task: one value per line, errors reported, not dropped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file/file.h"
#include "sl_test.h"

/* ------------------------------------------------------------- fakes */

/* Weak so the real implementations win when linked in. */
__attribute__((weak)) int sl_data_to_string(const sl_data_t *d, sl_buf_t *out)
{
        const sl_json_t *v = d->value;
        if (!v || v->type == SL_JSON_NULL)
                return sl_buf_puts(out, "null");
        if (v->type == SL_JSON_STRING)
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        return SL_ERR_CONVERT;
}

__attribute__((weak)) const char *sl_config_str(const sl_strmap_t *cfg,
                                                const char *key)
{
        return sl_strmap_get(cfg, key);
}

/* --------------------------------------------------------- harness */

static const sl_connector_plugin_t *P = &sl_file_sink_plugin;
static char tmpdir[64];

static char *path_of(const char *name)
{
        static char buf[128];
        snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
        return buf;
}

static void *start(const char *path, char *errstr, int *rp)
{
        sl_strmap_t *cfg = sl_strmap_new();
        void *state = NULL;
        if (path)
                sl_strmap_set(cfg, "file", path);
        sl_strmap_set(cfg, "topics", "t");
        errstr[0] = '\0';
        *rp = P->task_start(NULL, cfg, &state, errstr, 256);
        sl_strmap_destroy(cfg);
        return state;
}

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "r");
        char *buf = calloc(1, 4096);
        if (f) {
                size_t n = fread(buf, 1, 4095, f);
                buf[n] = '\0';
                fclose(f);
        }
        return buf;
}

static sl_sink_record_t rec_of(const sl_json_t *v)
{
        return (sl_sink_record_t){.topic = "t", .offset = 7, .timestamp = -1,
                                  .value = {.value = v}};
}

/* ----------------------------------------------------------- tests */

static void test_writes_value_and_newline(void)
{
        const char *path = path_of("out");
        sl_json_t a = SL_JSON_STRING_REF("alpha", 5);
        sl_json_t empty = SL_JSON_STRING_REF("", 0);
        sl_json_t jnull = {.type = SL_JSON_NULL};
        sl_sink_record_t recs[4] = {rec_of(&a), rec_of(NULL), rec_of(&empty),
                                    rec_of(&jnull)};
        char errstr[256];
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        CHECK_INT(P->sink_put(s, recs, 4, errstr, sizeof(errstr)), 0);
        /* Visible before flush: one write per put. */
        got = slurp(path);
        CHECK_STR(got, "alpha\nnull\n\nnull\n");
        free(got);
        CHECK_INT(P->sink_put(s, recs, 1, errstr, sizeof(errstr)), 0);
        CHECK_INT(P->sink_put(s, recs, 0, errstr, sizeof(errstr)), 0);
        CHECK_INT(P->sink_flush(s, errstr, sizeof(errstr)), 0);
        P->task_stop(s);
        got = slurp(path);
        CHECK_STR(got, "alpha\nnull\n\nnull\nalpha\n");
        free(got);
}

static void test_appends_to_existing_file(void)
{
        const char *path = path_of("existing");
        sl_json_t v = SL_JSON_STRING_REF("new", 3);
        sl_sink_record_t rec = rec_of(&v);
        FILE *f = fopen(path, "w");
        char errstr[256], *got;
        void *s;
        int r;

        fputs("old\n", f);
        fclose(f);
        s = start(path, errstr, &r);
        CHECK_INT(r, 0);
        CHECK_INT(P->sink_put(s, &rec, 1, errstr, sizeof(errstr)), 0);
        P->task_stop(s);
        got = slurp(path);
        CHECK_STR(got, "old\nnew\n");
        free(got);
}

static void test_write_error_reported(void)
{
        sl_json_t v = SL_JSON_STRING_REF("lost?", 5);
        sl_sink_record_t rec = rec_of(&v);
        char errstr[256] = "";
        int r;
        void *s = start("/dev/full", errstr, &r);

        CHECK_INT(r, 0);
        r = P->sink_put(s, &rec, 1, errstr, sizeof(errstr));
        CHECK_INT(r, -ENOSPC);
        CHECK(strstr(errstr, "/dev/full") != NULL);
        CHECK(strstr(errstr, strerror(ENOSPC)) != NULL);
        CHECK_INT(P->sink_flush(s, errstr, sizeof(errstr)), 0);
        P->task_stop(s);
}

static void test_format_error_reported(void)
{
        const char *path = path_of("fmt");
        sl_json_t bad = {.type = SL_JSON_BOOL, .u.b = true};
        sl_sink_record_t rec = rec_of(&bad);
        char errstr[256] = "";
        sl_buf_t probe = SL_BUF_INIT;
        void *s = start(path, errstr, &(int){0});
        int r = sl_data_to_string(&rec.value, &probe);

        sl_buf_free(&probe);
        if (r >= 0) { /* the real sl_data_to_string formats booleans */
                P->task_stop(s);
                return;
        }
        r = P->sink_put(s, &rec, 1, errstr, sizeof(errstr));
        CHECK(r < 0);
        CHECK(strstr(errstr, "t-0@7") != NULL);
        P->task_stop(s);
}

static void test_open_error(void)
{
        char errstr[256];
        int r;
        void *s = start("/nonexistent-dir/x/out.txt", errstr, &r);

        CHECK_INT(r, -ENOENT);
        CHECK(s == NULL);
        CHECK(strstr(errstr, "/nonexistent-dir/x/out.txt") != NULL);
        CHECK(strstr(errstr, strerror(ENOENT)) != NULL);
}

static void test_task_configs(void)
{
        sl_strmap_t *cfg = sl_strmap_new(), *tc[4];
        char errstr[64];

        CHECK_STR(P->class_name,
                  "org.apache.kafka.connect.file.FileStreamSinkConnector");
        CHECK(P->type == SL_CONNECTOR_SINK);
        CHECK_STR(P->config[0].name, "file");
        CHECK(P->config[0].default_value == NULL);
        CHECK(P->config[1].name == NULL);
        sl_strmap_set(cfg, "file", "/tmp/x");
        sl_strmap_set(cfg, "topics", "a,b");
        for (int i = 0; i < 4; i++)
                tc[i] = sl_strmap_new();
        CHECK_INT(P->task_configs(cfg, 4, tc, errstr, sizeof(errstr)), 1);
        CHECK(sl_strmap_equal(cfg, tc[0]));
        for (int i = 0; i < 4; i++)
                sl_strmap_destroy(tc[i]);
        sl_strmap_destroy(cfg);
}

int main(void)
{
        char cmd[128];
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl_fsink_XXXXXX");
        if (!mkdtemp(tmpdir))
                return 2;
        sl_log_set_level(SL_LOG_ERROR);
        RUN(test_writes_value_and_newline);
        RUN(test_appends_to_existing_file);
        RUN(test_write_error_reported);
        RUN(test_format_error_reported);
        RUN(test_open_error);
        RUN(test_task_configs);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
                return 2;
        TEST_MAIN_END();
}
