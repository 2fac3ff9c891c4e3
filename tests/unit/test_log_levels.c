/* Logger registry (dotted names, hierarchical levels) and the log line
 * formats: text with the connector context, JSON one object per line. */
#include "sluice/common.h"
#include "sl_test.h"
#include "util/log.h"
#include "util/log_levels.h"
#include "util/redact.h"

#include <stdlib.h>
#include <unistd.h>

#define FSINK "org.apache.kafka.connect.file.FileStreamSinkTask"

/* Lines logged by fn() while stderr goes to a file; malloc'd. */
static char *capture(void (*fn)(void))
{
        char path[] = "/tmp/sl_test_loglevelsXXXXXX";
        int fd = mkstemp(path);
        if (fd < 0)
                return NULL;
        int saved = dup(STDERR_FILENO);
        dup2(fd, STDERR_FILENO);
        fn();
        dup2(saved, STDERR_FILENO);
        close(saved);
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_read_file(&b, path, 1 << 20);
        close(fd);
        unlink(path);
        return sl_buf_detach(&b, NULL);
}

static void test_names(void)
{
        sl_log_levels_reset();
        CHECK_STR(sl_log_logger_name("FileStreamSinkTask"), FSINK);
        CHECK_STR(sl_log_logger_name("source-task"), "sluice.worker.SourceTask");
        CHECK_STR(sl_log_logger_name("com.example.Seq"), "com.example.Seq");
        CHECK_STR(sl_log_logger_name("newthing"), "sluice.newthing");
        CHECK_STR(sl_log_logger_name(NULL), "sluice");
        /* the same name each time, not a new registration */
        CHECK(sl_log_logger_name("newthing") == sl_log_logger_name("newthing"));
        sl_log_levels_reset();
}

static void test_parse_levels(void)
{
        CHECK_INT(sl_log_level_parse("debug"), SL_LOG_DEBUG);
        CHECK_INT(sl_log_level_parse("FaTaL"), SL_LOG_FATAL);
        CHECK_INT(sl_log_level_parse("off"), SL_LOG_OFF);
        CHECK_INT(sl_log_level_parse("verbose"), -1);
        CHECK_INT(sl_log_level_parse(NULL), -1);
        CHECK_STR(sl_log_level_name(SL_LOG_OFF), "OFF");
}

static void test_nearest_ancestor_wins(void)
{
        sl_log_levels_reset();
        sl_log_levels_set_root(SL_LOG_INFO);
        sl_json_free(sl_log_levels_set("org.apache.kafka.connect", SL_LOG_WARN, 1));
        sl_json_free(sl_log_levels_set("org.apache.kafka.connect.file", SL_LOG_DEBUG, 2));
        CHECK_INT(sl_log_levels_effective(FSINK), SL_LOG_DEBUG);
        CHECK_INT(sl_log_levels_effective("org.apache.kafka.connect.mirror.MirrorSourceTask"),
                  SL_LOG_WARN);
        /* a dotted prefix, not a string prefix */
        CHECK_INT(sl_log_levels_effective("org.apache.kafka.connect.filex.A"), SL_LOG_WARN);
        CHECK_INT(sl_log_levels_effective("sluice.rest.RestServer"), SL_LOG_INFO);
        sl_log_levels_reset();
}

static void test_set_returns_known_descendants(void)
{
        sl_log_levels_reset();
        sl_json_t *a = sl_log_levels_set("org.apache.kafka.connect.file", SL_LOG_TRACE, 5);
        CHECK(a != NULL);
        char *s = a ? sl_json_to_string(a) : NULL;
        CHECK_STR(s, "[\"org.apache.kafka.connect.file\","
                     "\"org.apache.kafka.connect.file.FileStreamSinkTask\","
                     "\"org.apache.kafka.connect.file.FileStreamSourceTask\"]");
        free(s);
        sl_json_free(a);
        int level;
        int64_t at;
        CHECK_INT(sl_log_levels_get(FSINK, &level, &at), 0);
        CHECK_INT(level, SL_LOG_TRACE);
        CHECK_INT(at, 5);
        sl_log_levels_reset();
}

static void test_get_unknown_and_unset(void)
{
        int level;
        int64_t at;

        sl_log_levels_reset();
        sl_log_levels_set_root(SL_LOG_WARN);
        CHECK_INT(sl_log_levels_get("no.such.Logger", &level, &at), SL_ERR_NOT_FOUND);
        CHECK_INT(sl_log_levels_get("sluice.herder.Herder", &level, &at), 0);
        CHECK_INT(level, SL_LOG_WARN);
        CHECK_INT(at, -1);
        CHECK_INT(sl_log_levels_get("root", &level, &at), 0);
        CHECK_INT(level, SL_LOG_WARN);
        sl_log_levels_reset();
}

static void test_list_has_root_and_set_only(void)
{
        sl_log_levels_reset();
        sl_log_levels_set_root(SL_LOG_INFO);
        sl_json_free(sl_log_levels_set("sluice.rest.RestServer", SL_LOG_DEBUG, 7));
        sl_json_t *l = sl_log_levels_list();
        char *s = l ? sl_json_to_string(l) : NULL;
        CHECK_STR(s, "{\"root\":{\"level\":\"INFO\",\"last_modified\":null},"
                     "\"sluice.rest.RestServer\":{\"level\":\"DEBUG\",\"last_modified\":7}}");
        free(s);
        sl_json_free(l);
        sl_log_levels_reset();
}

static void test_root_sets_everything(void)
{
        sl_log_levels_reset();
        sl_json_free(sl_log_levels_set("sluice.rest", SL_LOG_DEBUG, 1));
        sl_json_t *a = sl_log_levels_set("root", SL_LOG_ERROR, 2);
        CHECK(a && a->u.arr.len > 10);
        sl_json_free(a);
        CHECK_INT(sl_log_levels_root(), SL_LOG_ERROR);
        CHECK_INT(sl_log_levels_effective("sluice.rest.RestServer"), SL_LOG_ERROR);
        sl_log_levels_reset();
}

static void test_cheap_reject_and_enabled(void)
{
        sl_log_levels_reset();
        sl_log_levels_set_root(SL_LOG_INFO);
        CHECK(!sl_log_levels_maybe(SL_LOG_DEBUG));
        CHECK(sl_log_levels_maybe(SL_LOG_INFO));
        sl_json_free(sl_log_levels_set("sluice.rest", SL_LOG_TRACE, 1));
        CHECK(sl_log_levels_maybe(SL_LOG_TRACE));
        CHECK(sl_log_levels_enabled(SL_LOG_TRACE, "sluice.rest.RestServer"));
        CHECK(!sl_log_levels_enabled(SL_LOG_DEBUG, "sluice.herder.Herder"));
        sl_log_levels_reset();
}

static void test_fatal_and_off(void)
{
        sl_log_levels_reset();
        sl_log_levels_set_root(SL_LOG_FATAL);
        CHECK(sl_log_levels_enabled(SL_LOG_ERROR, "sluice.Main"));
        CHECK(!sl_log_levels_enabled(SL_LOG_WARN, "sluice.Main"));
        sl_json_free(sl_log_levels_set("sluice", SL_LOG_OFF, 1));
        CHECK(!sl_log_levels_enabled(SL_LOG_ERROR, "sluice.Main"));
        CHECK(sl_log_levels_enabled(SL_LOG_ERROR, FSINK));
        sl_log_levels_set_root(SL_LOG_OFF);
        CHECK(!sl_log_levels_maybe(SL_LOG_ERROR));
        sl_log_levels_reset();
}

static void log_some_text(void)
{
        sl_log_set_format(SL_LOG_FORMAT_TEXT);
        sl_log_set_level(SL_LOG_INFO);
        sl_json_free(sl_log_levels_set("sluice.rest", SL_LOG_DEBUG, 1));
        sl_debug("rest", "rest debug");
        sl_debug("herder", "herder debug");
        sl_log_ctx_t prev = sl_log_ctx_set("conn", 3, NULL);
        sl_info("FileStreamSinkTask", "in task");
        sl_log_ctx_restore(prev);
        sl_info("FileStreamSinkTask", "outside");
}

static void test_text_format_levels_and_context(void)
{
        sl_log_levels_reset();
        char *out = capture(log_some_text);
        CHECK_CONTAINS(out, " DEBUG sluice.rest.RestServer: rest debug\n");
        CHECK(out && !strstr(out, "herder debug"));
        CHECK_CONTAINS(out, " INFO [conn|task-3] " FSINK ": in task\n");
        CHECK_CONTAINS(out, " INFO " FSINK ": outside\n");
        free(out);
        sl_log_levels_reset();
}

static char long_msg[20000];

static void log_some_json(void)
{
        sl_log_set_format(SL_LOG_FORMAT_JSON);
        sl_log_set_level(SL_LOG_INFO);
        sl_log_ctx_t prev = sl_log_ctx_set("my\"conn", 0, NULL);
        sl_info("FileStreamSinkTask", "quote \" back \\ nl \n bad \xff utf8 \xc3\xa9 pw=se\"cret1");
        sl_log_ctx_restore(prev);
        memset(long_msg, 'x', sizeof(long_msg) - 1);
        memset(long_msg + 4000, '"', 200);
        long_msg[4090] = '\xe2'; /* a cut multi-byte character */
        sl_info("rest", "%s", long_msg);
        sl_log_set_format(SL_LOG_FORMAT_TEXT);
}

static void test_json_lines_parse(void)
{
        sl_log_levels_reset();
        sl_redact_add("se\"cret1", 8, "[hidden]");
        char *out = capture(log_some_json);
        CHECK(out != NULL);
        if (!out)
                return;
        char *nl = strchr(out, '\n');
        CHECK(nl != NULL);
        if (!nl) {
                free(out);
                return;
        }
        *nl = '\0';
        sl_json_t *j = sl_json_parse(out, strlen(out), NULL, 0);
        CHECK(j != NULL);
        CHECK_STR(sl_json_object_get_str(j, "level"), "INFO");
        CHECK_STR(sl_json_object_get_str(j, "logger"), FSINK);
        CHECK_STR(sl_json_object_get_str(j, "connector"), "my\"conn");
        sl_json_t *task = sl_json_object_get(j, "task");
        CHECK(task && task->type == SL_JSON_INT && task->u.i == 0);
        CHECK_STR(sl_json_object_get_str(j, "message"),
                  "quote \" back \\ nl \n bad \xef\xbf\xbd utf8 \xc3\xa9 pw=[hidden]");
        const char *ts = sl_json_object_get_str(j, "timestamp");
        CHECK(ts && strlen(ts) == 24 && ts[10] == 'T' && ts[19] == '.' && ts[23] == 'Z');
        sl_json_free(j);

        char *second = nl + 1;
        char *end = strchr(second, '\n');
        CHECK(end != NULL && end[1] == '\0');
        CHECK(end && end - second < 8192);
        if (end)
                *end = '\0';
        j = sl_json_parse(second, strlen(second), NULL, 0);
        CHECK(j != NULL);
        CHECK(sl_json_object_get(j, "connector") == NULL);
        const char *m = sl_json_object_get_str(j, "message");
        CHECK(m && strlen(m) > 1000 && strncmp(m, "xxxx", 4) == 0);
        sl_json_free(j);
        free(out);
        sl_log_levels_reset();
}

int main(void)
{
        RUN(test_names);
        RUN(test_parse_levels);
        RUN(test_nearest_ancestor_wins);
        RUN(test_set_returns_known_descendants);
        RUN(test_get_unknown_and_unset);
        RUN(test_list_has_root_and_set_only);
        RUN(test_root_sets_everything);
        RUN(test_cheap_reject_and_enabled);
        RUN(test_fatal_and_off);
        RUN(test_text_format_levels_and_context);
        RUN(test_json_lines_parse);
        TEST_MAIN_END();
}
