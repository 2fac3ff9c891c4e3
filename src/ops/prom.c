/* Prometheus text exposition format, version 0.0.4. */
#include <math.h>
#include <stdio.h>

#include "ops/metrics_int.h"

void sl_prom_escape(sl_buf_t *out, const char *v) {
        for (; *v; v++) {
                if (*v == '\\')
                        sl_buf_puts(out, "\\\\");
                else if (*v == '"')
                        sl_buf_puts(out, "\\\"");
                else if (*v == '\n')
                        sl_buf_puts(out, "\\n");
                else
                        sl_buf_putc(out, *v);
        }
}

/* HELP text escapes only backslash and newline. */
static void help_escape(sl_buf_t *out, const char *v) {
        for (; *v; v++) {
                if (*v == '\\')
                        sl_buf_puts(out, "\\\\");
                else if (*v == '\n')
                        sl_buf_puts(out, "\\n");
                else
                        sl_buf_putc(out, *v);
        }
}

void sl_prom_family(sl_buf_t *out, const char *name, sl_prom_type_t type, const char *help) {
        sl_buf_printf(out, "# HELP %s ", name);
        help_escape(out, help);
        sl_buf_printf(out, "\n# TYPE %s %s\n", name,
                      type == SL_PROM_COUNTER ? "counter" : "gauge");
}

void sl_prom_sample(sl_buf_t *out, const char *name, const char *const *labels, double value) {
        sl_buf_puts(out, name);
        if (labels && labels[0]) {
                sl_buf_putc(out, '{');
                for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
                        sl_buf_printf(out, "%s%s=\"", i ? "," : "", labels[i]);
                        sl_prom_escape(out, labels[i + 1]);
                        sl_buf_putc(out, '"');
                }
                sl_buf_putc(out, '}');
        }
        if (isnan(value))
                sl_buf_puts(out, " NaN\n");
        else if (isinf(value))
                sl_buf_puts(out, value > 0 ? " +Inf\n" : " -Inf\n");
        else if (value == (double)(int64_t)value && fabs(value) < 9.0e15)
                sl_buf_printf(out, " %lld\n", (long long)value);
        else
                sl_buf_printf(out, " %.17g\n", value);
}
