/* The Prometheus text exposition writer (src/ops/prom.c). */
#include "ops/metrics_int.h"
#include "sl_test.h"

#include <math.h>

static void test_prom_family_lines(void)
{
        sl_buf_t b = SL_BUF_INIT;
        sl_prom_family(&b, "x_total", SL_PROM_COUNTER, "Records\\moved\nsince start.");
        sl_prom_family(&b, "y", SL_PROM_GAUGE, "A gauge.");
        CHECK_STR(b.data, "# HELP x_total Records\\\\moved\\nsince start.\n"
                          "# TYPE x_total counter\n"
                          "# HELP y A gauge.\n"
                          "# TYPE y gauge\n");
        sl_buf_free(&b);
}

static void test_prom_sample_without_labels(void)
{
        sl_buf_t b = SL_BUF_INIT;
        sl_prom_sample(&b, "a", NULL, 3);
        sl_prom_sample(&b, "b", (const char *const[]){NULL}, 0);
        CHECK_STR(b.data, "a 3\nb 0\n");
        sl_buf_free(&b);
}

static void test_prom_label_escaping(void)
{
        sl_buf_t b = SL_BUF_INIT;
        sl_prom_sample(&b, "m",
                       (const char *const[]){"connector", "q\"b\\s\nn", "task", "0", NULL}, 1);
        CHECK_STR(b.data, "m{connector=\"q\\\"b\\\\s\\nn\",task=\"0\"} 1\n");
        sl_buf_reset(&b);
        sl_prom_escape(&b, "plain é");
        CHECK_STR(b.data, "plain é");
        sl_buf_free(&b);
}

static void test_prom_values(void)
{
        sl_buf_t b = SL_BUF_INIT;
        sl_prom_sample(&b, "v", NULL, 9007199254740992.0);
        sl_prom_sample(&b, "v", NULL, 0.25);
        sl_prom_sample(&b, "v", NULL, -2);
        sl_prom_sample(&b, "v", NULL, NAN);
        sl_prom_sample(&b, "v", NULL, INFINITY);
        sl_prom_sample(&b, "v", NULL, -INFINITY);
        CHECK_STR(b.data, "v 9007199254740992\nv 0.25\nv -2\nv NaN\nv +Inf\nv -Inf\n");
        sl_buf_free(&b);
}

int main(void)
{
        RUN(test_prom_family_lines);
        RUN(test_prom_sample_without_labels);
        RUN(test_prom_label_escaping);
        RUN(test_prom_values);
        TEST_MAIN_END();
}
