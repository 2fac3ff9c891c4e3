/* FileStreamSink task: one value per line, errors reported, not dropped.
 * The host's IO functions are faked; the fake writev records what it was
 * given. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "file/file.h"
#include "sl_test.h"

/* ------------------------------------------------------------- fakes */

/* Weak so the real implementations win when linked in. Booleans fail, so
 * a format error can be tested; named bytes stand for a Decimal. */
__attribute__((weak)) int sl_data_to_string(const sl_data_t *d, sl_buf_t *out)
{
        const sl_json_t *v = d->value;
        if (!v || v->type == SL_JSON_NULL)
                return sl_buf_puts(out, "null");
        if (v->type == SL_JSON_STRING)
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        if (v->type == SL_JSON_INT)
                return sl_buf_printf(out, "%lld", (long long)v->u.i);
        if (v->type == SL_JSON_BYTES && sl_json_object_get(d->schema, "name"))
                return sl_buf_printf(out, "decimal(%zu bytes)", v->u.str.len);
        if (v->type == SL_JSON_BYTES)
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        return SL_ERR_CONVERT;
}

#define MAX_IOVS 16384

static struct iovec written[MAX_IOVS]; /* every iovec given to writev */
static size_t nwritten;
static int writev_calls, max_iovcnt, syncs;
static size_t short_writes; /* > 0: write at most this many bytes a call */

static void fake_reset(void)
{
        nwritten = 0;
        writev_calls = max_iovcnt = syncs = 0;
        short_writes = 0;
}

ssize_t sl_task_writev(sl_task_ctx_t *ctx, int fd, const struct iovec *iov,
                       int iovcnt)
{
        struct iovec part[IOV_MAX];
        size_t left = short_writes;
        int n = 0;
        ssize_t w;

        (void)ctx;
        CHECK(iovcnt > 0 && iovcnt <= IOV_MAX);
        if (iovcnt <= 0 || iovcnt > IOV_MAX)
                return -EINVAL;
        writev_calls++;
        if (iovcnt > max_iovcnt)
                max_iovcnt = iovcnt;
        for (int i = 0; i < iovcnt && nwritten < MAX_IOVS; i++)
                written[nwritten++] = iov[i];
        if (!short_writes) {
                w = writev(fd, iov, iovcnt);
                return w < 0 ? -errno : w;
        }
        for (int i = 0; i < iovcnt && left > 0; i++, n++) {
                part[n] = iov[i];
                if (part[n].iov_len > left)
                        part[n].iov_len = left;
                left -= part[n].iov_len;
        }
        w = writev(fd, part, n);
        return w < 0 ? -errno : w;
}

int sl_task_fdatasync(sl_task_ctx_t *ctx, int fd)
{
        (void)ctx;
        syncs++;
        return fdatasync(fd) == 0 ? 0 : -errno;
}

/* The iovec given to writev that starts at p, or NULL. */
static const struct iovec *written_at(const void *p)
{
        for (size_t i = 0; i < nwritten; i++)
                if (written[i].iov_base == p)
                        return &written[i];
        return NULL;
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

static char *slurp_n(const char *path, size_t cap, size_t *lenp)
{
        FILE *f = fopen(path, "r");
        char *buf = calloc(1, cap);
        size_t n = 0;
        if (f) {
                n = fread(buf, 1, cap - 1, f);
                buf[n] = '\0';
                fclose(f);
        }
        if (lenp)
                *lenp = n;
        return buf;
}

static char *slurp(const char *path)
{
        return slurp_n(path, 4096, NULL);
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
        char want[256];

        fake_reset();
        CHECK_INT(r, 0);
        r = P->sink_put(s, &rec, 1, errstr, sizeof(errstr));
        CHECK_INT(r, -ENOSPC);
        CHECK(strstr(errstr, "/dev/full") != NULL);
        CHECK(strstr(errstr, strerror(ENOSPC)) != NULL);
        snprintf(want, sizeof(want), "Error writing to /dev/full: %s",
                 strerror(ENOSPC));
        CHECK_STR(errstr, want);
        CHECK_INT(writev_calls, 1);
        CHECK_INT(P->sink_flush(s, errstr, sizeof(errstr)), 0);
        CHECK_INT(syncs, 0); /* not a regular file: nothing to sync */
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

        sl_json_t ok = SL_JSON_STRING_REF("ok", 2);
        sl_sink_record_t recs[2] = {rec_of(&ok), rec};
        char *got;

        sl_buf_free(&probe);
        if (r >= 0) { /* the real sl_data_to_string formats booleans */
                P->task_stop(s);
                return;
        }
        fake_reset();
        r = P->sink_put(s, recs, 2, errstr, sizeof(errstr));
        CHECK(r < 0);
        CHECK(strstr(errstr, "t-0@7") != NULL);
        CHECK_INT(writev_calls, 0); /* nothing of the put is written */
        P->task_stop(s);
        got = slurp(path);
        CHECK_STR(got, "");
        free(got);
}

/* STRING and BYTES values go to writev as they are, followed by the shared
 * newline; nothing is copied. */
static void test_strings_not_copied(void)
{
        const char *path = path_of("zc");
        static const char text[] = "hello world", raw[] = {'b', 0, 'y'};
        sl_json_t a = SL_JSON_STRING_REF(text, 11);
        sl_json_t b = SL_JSON_BYTES_REF(raw, 3);
        sl_json_t e = SL_JSON_STRING_REF("", 0);
        sl_sink_record_t recs[3] = {rec_of(&a), rec_of(&b), rec_of(&e)};
        const struct iovec *io;
        char errstr[256];
        size_t len;
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        fake_reset();
        CHECK_INT(P->sink_put(s, recs, 3, errstr, sizeof(errstr)), 0);
        CHECK_INT(writev_calls, 1);
        io = written_at(text);
        CHECK(io != NULL && io->iov_len == 11);
        io = written_at(raw);
        CHECK(io != NULL && io->iov_len == 3);
        for (size_t i = 0; i < nwritten; i++) /* the rest: newlines */
                if (written[i].iov_base != text && written[i].iov_base != raw)
                        CHECK(written[i].iov_len == 1 &&
                              *(const char *)written[i].iov_base == '\n');
        CHECK_INT(nwritten, 5); /* an empty value adds only its newline */
        CHECK_INT(P->sink_flush(s, errstr, sizeof(errstr)), 0);
        CHECK_INT(syncs, 1);
        P->task_stop(s);
        got = slurp_n(path, 4096, &len);
        CHECK_INT(len, 17);
        CHECK(memcmp(got, "hello world\nb\0y\n\n", 17) == 0);
        free(got);
}

/* Other values are formatted into a scratch buffer that grows (and moves)
 * during the put; their iovecs must point at its final place. */
static void test_formatted_values(void)
{
        enum { N = 3000 };
        const char *path = path_of("fmtd");
        static const char dec_bytes[] = {0x01, 0x02};
        sl_json_t *ints = calloc(N, sizeof(*ints));
        sl_json_t str = SL_JSON_STRING_REF("s", 1);
        sl_json_t dec = SL_JSON_BYTES_REF(dec_bytes, 2);
        static const char dec_json[] =
                "{\"type\":\"bytes\",\"name\":"
                "\"org.apache.kafka.connect.data.Decimal\"}";
        sl_json_t *dec_schema = sl_json_parse(dec_json, sizeof(dec_json) - 1,
                                              NULL, 0);
        sl_sink_record_t *recs = calloc(N, sizeof(*recs));
        sl_buf_t want = SL_BUF_INIT;
        char errstr[256];
        size_t len;
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        CHECK(dec_schema != NULL);
        for (int i = 0; i < N; i++) {
                ints[i] = (sl_json_t){.type = SL_JSON_INT,
                                      .u.i = 1000000000LL * i};
                if (i % 3 == 2) {
                        recs[i] = rec_of(&str);
                        sl_buf_puts(&want, "s\n");
                } else if (i == 1) {
                        recs[i] = rec_of(&dec);
                        recs[i].value.schema = dec_schema;
                        sl_buf_puts(&want, "decimal(2 bytes)\n");
                } else if (i == 4) {
                        recs[i] = rec_of(NULL);
                        sl_buf_puts(&want, "null\n");
                } else {
                        recs[i] = rec_of(&ints[i]);
                        sl_buf_printf(&want, "%lld\n",
                                      (long long)ints[i].u.i);
                }
        }
        fake_reset();
        CHECK_INT(P->sink_put(s, recs, N, errstr, sizeof(errstr)), 0);
        CHECK(written_at(dec_bytes) == NULL); /* a Decimal is formatted */
        CHECK(written_at(str.u.str.ptr) != NULL);
        P->task_stop(s);
        got = slurp_n(path, want.len + 16, &len);
        CHECK_INT(len, want.len);
        CHECK(len == want.len && memcmp(got, want.data, len) == 0);
        free(got);
        sl_buf_free(&want);
        sl_json_free(dec_schema);
        free(recs);
        free(ints);
}

/* A put of more lines than one writev takes is written in several calls,
 * none above IOV_MAX, in order. */
static void test_large_put_batched(void)
{
        enum { N = 5000 };
        const char *path = path_of("large");
        sl_json_t *vals = calloc(N, sizeof(*vals));
        sl_sink_record_t *recs = calloc(N, sizeof(*recs));
        char (*text)[8] = calloc(N, sizeof(*text));
        sl_buf_t want = SL_BUF_INIT;
        char errstr[256];
        size_t len;
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        for (int i = 0; i < N; i++) {
                int n = snprintf(text[i], sizeof(text[i]), "%d", i);
                vals[i] = SL_JSON_STRING_REF(text[i], (size_t)n);
                recs[i] = rec_of(&vals[i]);
                sl_buf_printf(&want, "%d\n", i);
        }
        fake_reset();
        CHECK_INT(P->sink_put(s, recs, N, errstr, sizeof(errstr)), 0);
        CHECK(writev_calls >= (2 * N + IOV_MAX - 1) / IOV_MAX);
        CHECK(max_iovcnt <= IOV_MAX);
        CHECK(written_at(text[N - 1]) != NULL);
        P->task_stop(s);
        got = slurp_n(path, want.len + 16, &len);
        CHECK_INT(len, want.len);
        CHECK(len == want.len && memcmp(got, want.data, len) == 0);
        free(got);
        sl_buf_free(&want);
        free(text);
        free(recs);
        free(vals);
}

/* A short count from writev is resumed, never dropped. */
static void test_short_writes_resumed(void)
{
        const char *path = path_of("short");
        sl_json_t a = SL_JSON_STRING_REF("abcdefghij", 10);
        sl_json_t n = {.type = SL_JSON_INT, .u.i = 123456};
        sl_json_t c = SL_JSON_STRING_REF("xy", 2);
        sl_sink_record_t recs[4] = {rec_of(&a), rec_of(&n), rec_of(NULL),
                                    rec_of(&c)};
        char errstr[256];
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        fake_reset();
        short_writes = 3;
        CHECK_INT(P->sink_put(s, recs, 4, errstr, sizeof(errstr)), 0);
        CHECK_INT(writev_calls, 9); /* 26 bytes, 3 at a time */
        short_writes = 0;
        P->task_stop(s);
        got = slurp(path);
        CHECK_STR(got, "abcdefghij\n123456\nnull\nxy\n");
        free(got);
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
        /* like Kafka's: tasks.max identical tasks sharing the partitions */
        CHECK_INT(P->task_configs(cfg, 4, tc, errstr, sizeof(errstr)), 4);
        for (int i = 0; i < 4; i++)
                CHECK(sl_strmap_equal(cfg, tc[i]));
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
        RUN(test_strings_not_copied);
        RUN(test_formatted_values);
        RUN(test_large_put_batched);
        RUN(test_short_writes_resumed);
        RUN(test_open_error);
        RUN(test_task_configs);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
                return 2;
        TEST_MAIN_END();
}
