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
        /* log2(1e9) > 29: at most 8n/29 + 1 chunks */
        size_t nchunks = 0, cap = n * 8 / 29 + 2;
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

static bool dec_digit(char c)
{
        return c >= '0' && c <= '9';
}

int sl_parse_decimal(const char *text, size_t len, unsigned flags,
                     sl_buf_t *unscaled, int32_t *scale)
{
        const char *p = text, *end = text + len, *ip, *fp = NULL;
        size_t ni, nf = 0, nd = 0, keep, total, nl = 0;
        bool neg = false;
        int64_t exp = 0, sc, shift = 0;
        char *dig;
        uint32_t *limb;
        unsigned char *be;
        int rc = 0;

        if (p < end && (*p == '+' || *p == '-'))
                neg = *p++ == '-';
        for (ip = p; p < end && dec_digit(*p); p++)
                ;
        ni = (size_t)(p - ip);
        if (p < end && *p == '.') {
                for (fp = ++p; p < end && dec_digit(*p); p++)
                        ;
                nf = (size_t)(p - fp);
        }
        if (ni + nf == 0)
                return SL_ERR_PARSE;
        if (p < end && (*p == 'e' || *p == 'E') &&
            (flags & SL_DECIMAL_EXPONENT)) {
                bool eneg = false;
                const char *es;
                if (++p < end && (*p == '+' || *p == '-'))
                        eneg = *p++ == '-';
                for (es = p; p < end && dec_digit(*p); p++)
                        if (exp < 100000000000LL) /* saturate */
                                exp = exp * 10 + (*p - '0');
                if (p == es)
                        return SL_ERR_PARSE;
                if (eneg)
                        exp = -exp;
        }
        if (p != end || ni + nf > (size_t)INT64_MAX / 2)
                return SL_ERR_PARSE;
        sc = (int64_t)nf - exp;
        if (sc < INT32_MIN || sc > INT32_MAX)
                return SL_ERR_PARSE;

        /* the significant digits, leading zeros dropped */
        if (!(dig = malloc(ni + nf + 1)))
                return SL_ERR_NOMEM;
        for (size_t i = 0; i < ni + nf; i++) {
                char c = i < ni ? ip[i] : fp[i - ni];
                if (nd || c != '0')
                        dig[nd++] = c;
        }
        keep = nd;
        if (flags & SL_DECIMAL_RESCALE) {
                shift = (int64_t)*scale - sc;
                if (shift < 0) {
                        /* dropping -shift digits: all must be zeros */
                        size_t drop = (uint64_t)-shift > nd ? nd
                                                            : (size_t)-shift;
                        for (size_t i = nd - drop; i < nd; i++)
                                if (dig[i] != '0') {
                                        free(dig);
                                        return SL_ERR_INVALID;
                                }
                        keep = nd - drop;
                        shift = 0;
                } else if (!nd) {
                        shift = 0; /* zero stays zero */
                }
                sc = *scale;
        }
        if ((uint64_t)shift > SL_DECIMAL_MAX_DIGITS ||
            keep + (size_t)shift > SL_DECIMAL_MAX_DIGITS) {
                free(dig);
                return SL_ERR_PARSE;
        }
        total = keep + (size_t)shift; /* digits, then shift zeros */

        /* magnitude in little-endian base 2^32, 9 decimal digits a step */
        limb = malloc((total / 9 + 2) * sizeof(*limb));
        if (!limb) {
                free(dig);
                return SL_ERR_NOMEM;
        }
        for (size_t i = 0; i < total;) {
                size_t k = i == 0 && total % 9 ? total % 9 : 9;
                uint64_t mul = 1, carry = 0;
                for (size_t j = 0; j < k; j++, i++) {
                        mul *= 10;
                        carry = carry * 10 +
                                (uint64_t)(i < keep ? dig[i] - '0' : 0);
                }
                for (size_t j = 0; j < nl; j++) {
                        uint64_t t = (uint64_t)limb[j] * mul + carry;
                        limb[j] = (uint32_t)t;
                        carry = t >> 32;
                }
                if (carry)
                        limb[nl++] = (uint32_t)carry;
        }
        free(dig);

        /* big-endian with a spare leading byte for the sign, negated when
         * negative, then without the sign bytes the next byte implies */
        size_t n = nl * 4 + 1, start = 0;
        if (!(be = malloc(n))) {
                free(limb);
                return SL_ERR_NOMEM;
        }
        be[0] = 0;
        for (size_t j = 0; j < nl; j++)
                for (int s = 0; s < 4; s++)
                        be[n - 1 - j * 4 - (size_t)s] =
                                (unsigned char)(limb[j] >> (8 * s));
        free(limb);
        if (neg) {
                unsigned carry = 1;
                for (size_t i = n; i-- > 0;) {
                        unsigned v = (unsigned char)~be[i] + carry;
                        be[i] = (unsigned char)v;
                        carry = v >> 8;
                }
        }
        while (start + 1 < n &&
               ((be[start] == 0x00 && !(be[start + 1] & 0x80)) ||
                (be[start] == 0xff && (be[start + 1] & 0x80))))
                start++;
        rc = sl_buf_append(unscaled, be + start, n - start);
        free(be);
        if (rc < 0)
                return SL_ERR_NOMEM;
        *scale = (int32_t)sc;
        return 0;
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
