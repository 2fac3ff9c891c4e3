/* Java toString() of Connect values (what FileStreamSink and
 * StringConverter emit), and Java-compatible number text. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter_int.h"

/* Shortest decimal digits that read back as the same double (or float),
 * which is what Java's Double/Float.toString print since JDK 19. Java
 * always shows two digits ("d.d"), and picks the closest two-digit value
 * when one digit would do (Double.MIN_VALUE is 4.9E-324, not 5.0E-324),
 * so the search starts at two. */
static void shortest_digits(double d, bool as_float, char *digits,
                            int *exp10)
{
        char tmp[40];
        int maxp = as_float ? 9 : 17;
        for (int p = 2; p <= maxp; p++) {
                snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
                if (as_float ? strtof(tmp, NULL) == (float)d
                             : strtod(tmp, NULL) == d)
                        break;
        }
        /* tmp is "D[.DDD]e[+-]XX" for a positive finite d. */
        size_t n = 0;
        const char *p = tmp;
        for (; *p && *p != 'e'; p++)
                if (*p != '.')
                        digits[n++] = *p;
        while (n > 1 && digits[n - 1] == '0')
                n--;
        digits[n] = '\0';
        *exp10 = atoi(p + 1);
}

int sl_format_java_double(double d, bool as_float, sl_buf_t *out)
{
        if (as_float)
                d = (float)d;
        if (isnan(d))
                return sl_buf_puts(out, "NaN");
        if (isinf(d))
                return sl_buf_puts(out, d < 0 ? "-Infinity" : "Infinity");
        if (signbit(d)) {
                TRY(sl_buf_putc(out, '-'));
                d = -d;
        }
        if (d == 0)
                return sl_buf_puts(out, "0.0");

        char digits[24];
        int e;
        shortest_digits(d, as_float, digits, &e);
        int n = (int)strlen(digits);

        if (e >= 7 || e < -3) {
                TRY(sl_buf_putc(out, digits[0]));
                TRY(sl_buf_putc(out, '.'));
                TRY(sl_buf_puts(out, n > 1 ? digits + 1 : "0"));
                return sl_buf_printf(out, "E%d", e);
        }
        if (e < 0) {
                TRY(sl_buf_puts(out, "0."));
                for (int i = 0; i < -e - 1; i++)
                        TRY(sl_buf_putc(out, '0'));
                return sl_buf_puts(out, digits);
        }
        for (int i = 0; i <= e; i++)
                TRY(sl_buf_putc(out, i < n ? digits[i] : '0'));
        TRY(sl_buf_putc(out, '.'));
        return sl_buf_puts(out, n > e + 1 ? digits + e + 1 : "0");
}

/* Decimal digits of the magnitude of a big-endian two's complement
 * integer, appended to out; *neg set for negative values. */
static int bigint_digits(const unsigned char *b, size_t n, bool *neg,
                         sl_buf_t *out)
{
        *neg = n > 0 && (b[0] & 0x80);
        unsigned char *mag = malloc(n ? n : 1);
        if (!mag)
                return SL_ERR_NOMEM;
        unsigned carry = 1;
        for (size_t i = n; i-- > 0;) {
                unsigned v = *neg ? (unsigned)(~b[i] & 0xff) + carry : b[i];
                if (*neg)
                        carry = v >> 8;
                mag[i] = (unsigned char)v;
        }
        /* Repeated division by 1e9: chunks come out least significant
         * first, so collect them and print in reverse. */
        size_t nchunks = 0, cap = n / 4 + 2;
        uint32_t *chunks = malloc(cap * sizeof(*chunks));
        if (!chunks) {
                free(mag);
                return SL_ERR_NOMEM;
        }
        size_t start = 0;
        while (start < n && mag[start] == 0)
                start++;
        while (start < n) {
                uint64_t rem = 0;
                for (size_t i = start; i < n; i++) {
                        uint64_t cur = (rem << 8) | mag[i];
                        mag[i] = (unsigned char)(cur / 1000000000u);
                        rem = cur % 1000000000u;
                }
                chunks[nchunks++] = (uint32_t)rem;
                while (start < n && mag[start] == 0)
                        start++;
        }
        free(mag);
        int rc = sl_buf_printf(out, "%" PRIu32,
                               nchunks ? chunks[nchunks - 1] : 0);
        for (size_t i = nchunks > 1 ? nchunks - 1 : 0; rc == 0 && i > 0; i--)
                rc = sl_buf_printf(out, "%09" PRIu32, chunks[i - 1]);
        free(chunks);
        return rc;
}

int sl_format_decimal(const unsigned char *b, size_t n, int32_t scale,
                      bool plain, sl_buf_t *out)
{
        sl_buf_t c = SL_BUF_INIT;
        bool neg;
        int rc = bigint_digits(b, n, &neg, &c);
        if (rc < 0)
                goto done;
        const char *coeff = c.data;
        int64_t len = (int64_t)c.len;
        int64_t adjusted = -(int64_t)scale + (len - 1);
        if (neg && (rc = sl_buf_putc(out, '-')) < 0)
                goto done;

        if (scale == 0) {
                rc = sl_buf_puts(out, coeff);
        } else if (plain && scale < 0) {
                rc = sl_buf_puts(out, coeff);
                for (int64_t i = 0; rc == 0 && strcmp(coeff, "0") &&
                                    i < -(int64_t)scale;
                     i++)
                        rc = sl_buf_putc(out, '0');
        } else if (plain || (scale > 0 && adjusted >= -6)) {
                int64_t pad = (int64_t)scale - len;
                if (pad >= 0) {
                        rc = sl_buf_puts(out, "0.");
                        for (int64_t i = 0; rc == 0 && i < pad; i++)
                                rc = sl_buf_putc(out, '0');
                        if (rc == 0)
                                rc = sl_buf_puts(out, coeff);
                } else {
                        rc = sl_buf_append(out, coeff, (size_t)(len - scale));
                        if (rc == 0)
                                rc = sl_buf_putc(out, '.');
                        if (rc == 0)
                                rc = sl_buf_puts(out, coeff + (len - scale));
                }
        } else {
                rc = sl_buf_putc(out, coeff[0]);
                if (rc == 0 && len > 1)
                        rc = sl_buf_printf(out, ".%s", coeff + 1);
                if (rc == 0 && adjusted != 0)
                        rc = sl_buf_printf(out, "E%s%" PRId64,
                                           adjusted > 0 ? "+" : "", adjusted);
        }
done:
        sl_buf_free(&c);
        return rc;
}

/* ----------------------------------------------------------- toString */

static int to_str(const sl_json_t *schema, const sl_json_t *v, sl_buf_t *out);

static int map_entry(const sl_json_t *schema, const sl_json_t *k,
                     const char *kstr, const sl_json_t *v, bool first,
                     sl_buf_t *out)
{
        if (!first)
                TRY(sl_buf_puts(out, ", "));
        if (k)
                TRY(to_str(sl_json_object_get(schema, "keys"), k, out));
        else
                TRY(sl_buf_puts(out, kstr));
        TRY(sl_buf_putc(out, '='));
        return to_str(sl_json_object_get(schema, "values"), v, out);
}

static int struct_str(const sl_json_t *schema, const sl_json_t *v,
                      sl_buf_t *out)
{
        const sl_json_t *fields = sl_json_object_get(schema, "fields");
        bool first = true;
        TRY(sl_buf_puts(out, "Struct{"));
        for (size_t i = 0; fields && fields->type == SL_JSON_ARRAY &&
                           i < fields->u.arr.len;
             i++) {
                const sl_json_t *f = fields->u.arr.items[i];
                const char *name = sl_json_object_get_str(f, "field");
                const sl_json_t *fv = name ? sl_json_object_get(v, name) : NULL;
                /* Struct.toString() skips null fields. */
                if (!fv || fv->type == SL_JSON_NULL)
                        continue;
                if (!first)
                        TRY(sl_buf_putc(out, ','));
                first = false;
                TRY(sl_buf_printf(out, "%s=", name));
                TRY(to_str(f, fv, out));
        }
        return sl_buf_putc(out, '}');
}

static int array_str(const sl_json_t *schema, const sl_json_t *v,
                     sl_buf_t *out)
{
        const char *t = sl_conv_schema_type(schema);
        size_t n = v->u.arr.len;
        if (sl_conv_type_is(t, "map")) {
                /* Non-string-keyed maps travel as [key, value] pairs. */
                TRY(sl_buf_putc(out, '{'));
                for (size_t i = 0; i < n; i++) {
                        const sl_json_t *p = v->u.arr.items[i];
                        bool pair = p && p->type == SL_JSON_ARRAY &&
                                    p->u.arr.len == 2;
                        TRY(map_entry(schema, pair ? p->u.arr.items[0] : p,
                                      NULL, pair ? p->u.arr.items[1] : NULL,
                                      i == 0, out));
                }
                return sl_buf_putc(out, '}');
        }
        TRY(sl_buf_putc(out, '['));
        for (size_t i = 0; i < n; i++) {
                if (i)
                        TRY(sl_buf_puts(out, ", "));
                TRY(to_str(sl_json_object_get(schema, "items"),
                           v->u.arr.items[i], out));
        }
        return sl_buf_putc(out, ']');
}

static int to_str(const sl_json_t *schema, const sl_json_t *v, sl_buf_t *out)
{
        const char *t = sl_conv_schema_type(schema);
        if (!v)
                return sl_buf_puts(out, "null");
        switch (v->type) {
        case SL_JSON_NULL:
                return sl_buf_puts(out, "null");
        case SL_JSON_BOOL:
                return sl_buf_puts(out, v->u.b ? "true" : "false");
        case SL_JSON_INT:
                if (sl_conv_type_is(t, "float") ||
                    sl_conv_type_is(t, "double"))
                        return sl_format_java_double(
                                (double)v->u.i, sl_conv_type_is(t, "float"),
                                out);
                return sl_buf_printf(out, "%" PRId64, v->u.i);
        case SL_JSON_DOUBLE:
                return sl_format_java_double(v->u.d,
                                             sl_conv_type_is(t, "float"), out);
        case SL_JSON_STRING:
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        case SL_JSON_BYTES: {
                int32_t scale;
                if (sl_conv_schema_is_decimal(schema) &&
                    sl_conv_decimal_scale(schema, &scale) == 0)
                        return sl_format_decimal(
                                (const unsigned char *)v->u.str.ptr,
                                v->u.str.len, scale, false, out);
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        }
        case SL_JSON_ARRAY:
                return array_str(schema, v, out);
        case SL_JSON_OBJECT:
                if (sl_conv_type_is(t, "struct"))
                        return struct_str(schema, v, out);
                TRY(sl_buf_putc(out, '{'));
                for (size_t i = 0; i < v->u.obj.len; i++)
                        TRY(map_entry(schema, NULL, v->u.obj.keys[i],
                                      v->u.obj.vals[i], i == 0, out));
                return sl_buf_putc(out, '}');
        }
        return SL_ERR_INVALID;
}

int sl_data_to_string(const sl_data_t *d, sl_buf_t *out)
{
        return to_str(d->schema, d->value, out);
}
