/* sluicectl's table renderer (tools/sluicectl/table.c). */
#include "sluice/common.h"
#include "tools/sluicectl/table.h"
#include "sl_test.h"

#include <stdlib.h>

static char *render(sl_table_t *t)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_table_render(t, &b), 0);
        sl_table_destroy(t);
        return sl_buf_detach(&b, NULL);
}

static sl_table_t *table3(void)
{
        static const char *const hdr[] = {"NAME", "STATE", "TASKS"};
        return sl_table_new(3, hdr);
}

static void add3(sl_table_t *t, const char *a, const char *b, const char *c)
{
        const char *row[] = {a, b, c};
        CHECK_INT(sl_table_add(t, row), 0);
}

static void test_columns_aligned_to_widest_cell(void)
{
        sl_table_t *t = table3();
        add3(t, "orders-sink", "RUNNING", "2/2");
        add3(t, "a", "FAILED", "0/1");
        char *s = render(t);
        CHECK_STR(s, "NAME         STATE    TASKS\n"
                     "orders-sink  RUNNING  2/2\n"
                     "a            FAILED   0/1\n");
        free(s);
}

static void test_header_only_when_no_rows(void)
{
        sl_table_t *t = table3();
        CHECK_INT(sl_table_rows(t), 0);
        char *s = render(t);
        CHECK_STR(s, "NAME  STATE  TASKS\n");
        free(s);
}

static void test_no_trailing_spaces_for_empty_last_cells(void)
{
        sl_table_t *t = table3();
        add3(t, "x", NULL, "");
        add3(t, "y", "RUNNING", "long value");
        char *s = render(t);
        CHECK_STR(s, "NAME  STATE    TASKS\n"
                     "x\n"
                     "y     RUNNING  long value\n");
        free(s);
}

static void test_without_header(void)
{
        sl_table_t *t = sl_table_new(2, NULL);
        const char *r1[] = {"Name:", "src"};
        const char *r2[] = {"Worker:", "127.0.0.1:8083"};
        sl_table_add(t, r1);
        sl_table_add(t, r2);
        CHECK_INT(sl_table_rows(t), 2);
        char *s = render(t);
        CHECK_STR(s, "Name:    src\nWorker:  127.0.0.1:8083\n");
        free(s);
}

static void test_control_characters_escaped(void)
{
        sl_table_t *t = sl_table_new(2, NULL);
        const char *row[] = {"a\nb\tc\r\x01", "z"};
        sl_table_add(t, row);
        char *s = render(t);
        CHECK_STR(s, "a\\nb\\tc\\r\\x01  z\n");
        free(s);
}

static void test_utf8_counts_characters(void)
{
        static const char *const hdr[] = {"K", "V"};
        sl_table_t *t = sl_table_new(2, hdr);
        const char *r1[] = {"caf\xc3\xa9", "1"}; /* café: 4 characters */
        const char *r2[] = {"abcd", "2"};
        sl_table_add(t, r1);
        sl_table_add(t, r2);
        char *s = render(t);
        CHECK_STR(s, "K     V\ncaf\xc3\xa9  1\nabcd  2\n");
        free(s);
}

static void test_max_width_cuts_with_dots(void)
{
        static const char *const hdr[] = {"ID", "TRACE"};
        sl_table_t *t = sl_table_new(2, hdr);
        sl_table_set_max_width(t, 1, 8);
        const char *r1[] = {"0", "org.apache.kafka.ConnectException"};
        const char *r2[] = {"1", "short"};
        const char *r3[] = {"2", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"};
        sl_table_add(t, r1);
        sl_table_add(t, r2);
        sl_table_add(t, r3);
        char *s = render(t);
        CHECK_STR(s, "ID  TRACE\n0   org.a...\n1   short\n"
                     "2   \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...\n");
        free(s);
}

static void test_right_aligned_column(void)
{
        static const char *const hdr[] = {"PARTITION", "OFFSET"};
        sl_table_t *t = sl_table_new(2, hdr);
        sl_table_set_right(t, 0);
        sl_table_set_right(t, 1);
        const char *r1[] = {"0", "12345"};
        const char *r2[] = {"10", "7"};
        sl_table_add(t, r1);
        sl_table_add(t, r2);
        char *s = render(t);
        CHECK_STR(s, "PARTITION  OFFSET\n        0   12345\n       10       7\n");
        free(s);
}

static void test_appends_to_buffer(void)
{
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_puts(&b, "Tasks:\n");
        sl_table_t *t = sl_table_new(1, NULL);
        const char *row[] = {"x"};
        sl_table_add(t, row);
        CHECK_INT(sl_table_render(t, &b), 0);
        CHECK_STR(b.data, "Tasks:\nx\n");
        sl_table_destroy(t);
        sl_buf_free(&b);
}

static char *fmt(const char *json)
{
        sl_json_t *j = sl_json_parse(json, strlen(json), NULL, 0);
        sl_buf_t b = SL_BUF_INIT;
        CHECK(j != NULL);
        CHECK_INT(sl_table_fmt_value(j, &b), 0);
        sl_json_free(j);
        return sl_buf_detach(&b, NULL);
}

static void test_fmt_value(void)
{
        struct {
                const char *in, *want;
        } cases[] = {
                {"\"plain text\"", "plain text"},
                {"42", "42"},
                {"true", "true"},
                {"null", "null"},
                {"{}", "{}"},
                {"{\"position\":30}", "position=30"},
                {"{\"z\":1,\"a\":\"x\",\"m\":null}", "a=x, m=null, z=1"},
                {"{\"a\":{\"b\":1}}", "{\"a\":{\"b\":1}}"},
                {"[1,\"two\"]", "[1,\"two\"]"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *s = fmt(cases[i].in);
                CHECK_STR(s, cases[i].want);
                free(s);
        }
}

int main(void)
{
        RUN(test_columns_aligned_to_widest_cell);
        RUN(test_header_only_when_no_rows);
        RUN(test_no_trailing_spaces_for_empty_last_cells);
        RUN(test_without_header);
        RUN(test_control_characters_escaped);
        RUN(test_utf8_counts_characters);
        RUN(test_max_width_cuts_with_dots);
        RUN(test_right_aligned_column);
        RUN(test_appends_to_buffer);
        RUN(test_fmt_value);
        TEST_MAIN_END();
}
