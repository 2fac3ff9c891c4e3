/* Compact JSON text of a node tree. */
#include "sluice/common.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sl_json_write_string(sl_buf_t *out, const char *s, size_t n)
{
        static const char hex[] = "0123456789ABCDEF";
        const unsigned char *p = (const unsigned char *)s;
        int r;

        if ((r = sl_buf_reserve(out, n + 2)) || (r = sl_buf_putc(out, '"')))
                return r;
        size_t start = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = p[i];
                if (c >= 0x20 && c != '"' && c != '\\')
                        continue;
                if (i > start && (r = sl_buf_append(out, p + start, i - start)))
                        return r;
                start = i + 1;
                char esc[7] = {'\\', 0};
                size_t elen = 2;
                switch (c) {
                case '"': esc[1] = '"'; break;
                case '\\': esc[1] = '\\'; break;
                case '\n': esc[1] = 'n'; break;
                case '\r': esc[1] = 'r'; break;
                case '\t': esc[1] = 't'; break;
                case '\b': esc[1] = 'b'; break;
                case '\f': esc[1] = 'f'; break;
                default:
                        memcpy(esc + 1, "u00", 3);
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 0xF];
                        elen = 6;
                }
                if ((r = sl_buf_append(out, esc, elen)))
                        return r;
        }
        if (n > start && (r = sl_buf_append(out, p + start, n - start)))
                return r;
        return sl_buf_putc(out, '"');
}

/* Shortest %g form that reads back as the same double. Any 15-digit
 * decimal survives a round trip through a normal double (DBL_DIG), so
 * %.15g already yields the shortest form when one that short exists;
 * subnormals carry fewer digits and need the full search. Assumes the C
 * locale's '.' decimal point (sluice never calls setlocale). */
static int write_double(sl_buf_t *out, double d)
{
        if (!isfinite(d))
                return sl_buf_puts(out, "null");
        char tmp[40];
        int prec = fpclassify(d) == FP_SUBNORMAL ? 1 : DBL_DIG;
        for (; prec <= 17; prec++) {
                snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
                if (strtod(tmp, NULL) == d)
                        break;
        }
        /* Keep it recognisably floating point, as Java prints 1.0. */
        if (strspn(tmp, "-0123456789") == strlen(tmp))
                strcat(tmp, ".0");
        return sl_buf_puts(out, tmp);
}

int sl_json_write(const sl_json_t *j, sl_buf_t *out)
{
        int r = 0;
        if (!j)
                return sl_buf_puts(out, "null");
        switch (j->type) {
        case SL_JSON_NULL:
                return sl_buf_puts(out, "null");
        case SL_JSON_BOOL:
                return sl_buf_puts(out, j->u.b ? "true" : "false");
        case SL_JSON_INT:
                return sl_buf_printf(out, "%" PRId64, j->u.i);
        case SL_JSON_DOUBLE:
                return write_double(out, j->u.d);
        case SL_JSON_STRING:
                return sl_json_write_string(out, j->u.str.ptr, j->u.str.len);
        case SL_JSON_BYTES:
                if ((r = sl_buf_putc(out, '"')) ||
                    (r = sl_base64_encode(j->u.str.ptr, j->u.str.len, out)))
                        return r;
                return sl_buf_putc(out, '"');
        case SL_JSON_ARRAY:
                if ((r = sl_buf_putc(out, '[')))
                        return r;
                for (size_t i = 0; i < j->u.arr.len; i++) {
                        if (i && (r = sl_buf_putc(out, ',')))
                                return r;
                        if ((r = sl_json_write(j->u.arr.items[i], out)))
                                return r;
                }
                return sl_buf_putc(out, ']');
        case SL_JSON_OBJECT:
                if ((r = sl_buf_putc(out, '{')))
                        return r;
                for (size_t i = 0; i < j->u.obj.len; i++) {
                        const char *k = j->u.obj.keys[i];
                        if ((i && (r = sl_buf_putc(out, ','))) ||
                            (r = sl_json_write_string(out, k, strlen(k))) ||
                            (r = sl_buf_putc(out, ':')) ||
                            (r = sl_json_write(j->u.obj.vals[i], out)))
                                return r;
                }
                return sl_buf_putc(out, '}');
        }
        return SL_ERR_INVALID;
}

char *sl_json_to_string(const sl_json_t *j)
{
        sl_buf_t b = SL_BUF_INIT;
        if (sl_json_write(j, &b)) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}
