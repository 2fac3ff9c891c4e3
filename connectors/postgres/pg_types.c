/*
 * PostgreSQL <-> Kafka Connect types, as Confluent's JDBC connectors map
 * them for PostgreSQL. Values travel in PostgreSQL's text format (ISO
 * DateStyle, session TimeZone set by pg_connect); Connect logical types
 * are represented as the converters expect: Decimal = BYTES of the
 * unscaled big-endian two's complement, Date = int32 days, Time = int32 ms
 * of the day, Timestamp = int64 ms since the epoch.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/converter_int.h"
#include "postgres/pg_common.h"

#define US_PER_DAY INT64_C(86400000000)

int pg_numeric_mapping_parse(const char *s, pg_numeric_mapping_t *out)
{
        *out = PG_NUMERIC_NONE;
        if (!s || !*s || !strcasecmp(s, "none"))
                return 0;
        if (!strcasecmp(s, "best_fit"))
                *out = PG_NUMERIC_BEST_FIT;
        else if (!strcasecmp(s, "precision_only"))
                *out = PG_NUMERIC_PRECISION_ONLY;
        else
                return SL_ERR_CONFIG;
        return 0;
}

/* --------------------------------------------------------- schemas */

static sl_json_t *schema_new(const char *type, bool optional,
                             const char *name)
{
        sl_json_t *s = sl_json_object();
        if (!s || sl_json_object_set(s, "type", sl_json_string(type)) < 0 ||
            sl_json_object_set(s, "optional", sl_json_bool(optional)) < 0 ||
            (name && sl_json_object_set(s, "name", sl_json_string(name)) < 0)) {
                sl_json_free(s);
                return NULL;
        }
        if (name && sl_json_object_set(s, "version", sl_json_int(1)) < 0) {
                sl_json_free(s);
                return NULL;
        }
        return s;
}

static sl_json_t *decimal_schema(bool optional, int precision, int scale)
{
        sl_json_t *s = schema_new("bytes", optional, PG_DECIMAL);
        sl_json_t *p = sl_json_object();
        char buf[16];

        snprintf(buf, sizeof(buf), "%d", scale);
        if (!s || !p || sl_json_object_set(p, "scale", sl_json_string(buf)) < 0)
                goto fail;
        snprintf(buf, sizeof(buf), "%d", precision);
        if (sl_json_object_set(p, "connect.decimal.precision",
                               sl_json_string(buf)) < 0)
                goto fail;
        if (sl_json_object_set(s, "parameters", p) < 0) {
                p = NULL;
                goto fail;
        }
        return s;
fail:
        sl_json_free(p);
        sl_json_free(s);
        return NULL;
}

/* Confluent's numeric.mapping for NUMERIC(precision, scale). */
static sl_json_t *numeric_schema(int typmod, bool optional,
                                 pg_numeric_mapping_t mapping)
{
        int precision, scale;

        /* An unconstrained NUMERIC has no fixed scale: a Decimal schema
         * would have to round, so its exact text is kept instead. */
        if (typmod < 4)
                return schema_new("string", optional, NULL);
        precision = ((typmod - 4) >> 16) & 0xffff;
        scale = (typmod - 4) & 0x7ff;
        if (scale & 0x400) /* PostgreSQL 15 allows negative scales */
                scale -= 0x800;
        if (mapping != PG_NUMERIC_NONE && precision < 19) {
                if (scale <= 0) {
                        const char *t = precision > 9   ? "int64"
                                        : precision > 4 ? "int32"
                                        : precision > 2 ? "int16"
                                                        : "int8";
                        return schema_new(t, optional, NULL);
                }
                if (mapping == PG_NUMERIC_BEST_FIT)
                        return schema_new("float64", optional, NULL);
        }
        return decimal_schema(optional, precision, scale);
}

sl_json_t *pg_column_schema(unsigned oid, int typmod, bool optional,
                            pg_numeric_mapping_t mapping)
{
        switch (oid) {
        case PG_OID_BOOL:
                return schema_new("boolean", optional, NULL);
        case PG_OID_INT2:
                return schema_new("int16", optional, NULL);
        case PG_OID_INT4:
                return schema_new("int32", optional, NULL);
        case PG_OID_INT8:
        case PG_OID_OID:
                return schema_new("int64", optional, NULL);
        case PG_OID_FLOAT4:
                return schema_new("float32", optional, NULL);
        case PG_OID_FLOAT8:
                return schema_new("float64", optional, NULL);
        case PG_OID_NUMERIC:
                return numeric_schema(typmod, optional, mapping);
        case PG_OID_BYTEA:
                return schema_new("bytes", optional, NULL);
        case PG_OID_DATE:
                return schema_new("int32", optional, PG_DATE);
        case PG_OID_TIME:
                return schema_new("int32", optional, PG_TIME);
        case PG_OID_TIMESTAMP:
        case PG_OID_TIMESTAMPTZ:
                return schema_new("int64", optional, PG_TIMESTAMP);
        default:
                /* text, varchar, char, json(b), uuid, intervals, arrays,
                 * enums ...: their text form */
                return schema_new("string", optional, NULL);
        }
}

/* --------------------------------------------------------- calendar */

/* Howard Hinnant's days_from_civil. */
int64_t pg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        const int64_t era = (y >= 0 ? y : y - 399) / 400;
        const unsigned yoe = (unsigned)(y - era * 400);
        const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
        z += 719468;
        const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        const unsigned doe = (unsigned)(z - era * 146097);
        const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Read up to max digits at *p (at least min); -1 when fewer. */
static int64_t digits(const char **p, const char *end, int min, int max)
{
        int64_t v = 0;
        int n = 0;
        while (*p < end && n < max && isdigit((unsigned char)**p)) {
                v = v * 10 + (**p - '0');
                (*p)++;
                n++;
        }
        return n < min ? -1 : v;
}

/* "HH:MM:SS[.ffffff]" -> microseconds of the day */
static int parse_time_us(const char **p, const char *end, int64_t *us)
{
        int64_t h, mi, s, frac = 0;
        int fd = 0;
        if ((h = digits(p, end, 2, 2)) < 0 || *p >= end || *(*p)++ != ':' ||
            (mi = digits(p, end, 2, 2)) < 0 || *p >= end || *(*p)++ != ':' ||
            (s = digits(p, end, 2, 2)) < 0)
                return SL_ERR_PARSE;
        if (*p < end && **p == '.') {
                (*p)++;
                while (*p < end && isdigit((unsigned char)**p)) {
                        if (fd < 6) {
                                frac = frac * 10 + (**p - '0');
                                fd++;
                        }
                        (*p)++;
                }
                for (; fd < 6; fd++)
                        frac *= 10;
        }
        *us = ((h * 60 + mi) * 60 + s) * 1000000 + frac;
        return 0;
}

static int parse_date_days(const char **p, const char *end, int64_t *days)
{
        int64_t y, m, d;
        if ((y = digits(p, end, 4, 9)) < 0 || *p >= end || *(*p)++ != '-' ||
            (m = digits(p, end, 2, 2)) < 0 || *p >= end || *(*p)++ != '-' ||
            (d = digits(p, end, 2, 2)) < 0 || m < 1 || m > 12 || d < 1 ||
            d > 31)
                return SL_ERR_PARSE;
        *days = pg_days_from_civil(y, (unsigned)m, (unsigned)d);
        return 0;
}

/* A trailing " BC" turns year Y into the proleptic year 1 - Y. */
static bool strip_bc(const char *s, const char **end)
{
        if (*end - s >= 3 && !memcmp(*end - 3, " BC", 3)) {
                *end -= 3;
                return true;
        }
        return false;
}

static int parse_date(const char *s, size_t len, int64_t *days)
{
        const char *p = s, *end = s + len;
        bool bc = strip_bc(s, &end);
        int64_t y;
        const char *q = p;
        if ((y = digits(&q, end, 4, 9)) < 0)
                return SL_ERR_PARSE;
        if (parse_date_days(&p, end, days) < 0 || p != end)
                return SL_ERR_PARSE;
        if (bc)
                *days -= pg_days_from_civil(y, 1, 1) -
                         pg_days_from_civil(1 - y, 1, 1);
        return 0;
}

int pg_parse_timestamp_us(const char *s, size_t len, int64_t *us)
{
        const char *p = s, *end = s + len, *q = s;
        bool bc = strip_bc(s, &end);
        int64_t days, tod = 0, y;

        if ((y = digits(&q, end, 4, 9)) < 0 ||
            parse_date_days(&p, end, &days) < 0)
                return SL_ERR_PARSE;
        if (bc)
                days -= pg_days_from_civil(y, 1, 1) -
                        pg_days_from_civil(1 - y, 1, 1);
        if (p < end && (*p == ' ' || *p == 'T')) {
                p++;
                if (parse_time_us(&p, end, &tod) < 0)
                        return SL_ERR_PARSE;
        }
        *us = days * US_PER_DAY + tod;
        if (p < end && (*p == '+' || *p == '-')) {
                int sign = *p++ == '-' ? -1 : 1;
                int64_t oh, om = 0, os = 0;
                if ((oh = digits(&p, end, 2, 2)) < 0)
                        return SL_ERR_PARSE;
                if (p < end && *p == ':') {
                        p++;
                        if ((om = digits(&p, end, 2, 2)) < 0)
                                return SL_ERR_PARSE;
                }
                if (p < end && *p == ':') {
                        p++;
                        if ((os = digits(&p, end, 2, 2)) < 0)
                                return SL_ERR_PARSE;
                }
                *us -= sign * ((oh * 60 + om) * 60 + os) * 1000000;
        }
        return p == end ? 0 : SL_ERR_PARSE;
}

static int64_t floor_div(int64_t a, int64_t b)
{
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int pg_format_timestamp_us(int64_t us, sl_buf_t *out)
{
        int64_t days = floor_div(us, US_PER_DAY), y;
        int64_t tod = us - days * US_PER_DAY;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        if (y <= 0)
                return sl_buf_printf(out,
                                     "%04" PRId64 "-%02u-%02u %02d:%02d:%02d."
                                     "%06d+00 BC",
                                     1 - y, m, d, (int)(tod / 3600000000),
                                     (int)(tod / 60000000 % 60),
                                     (int)(tod / 1000000 % 60),
                                     (int)(tod % 1000000));
        return sl_buf_printf(out,
                             "%04" PRId64 "-%02u-%02u %02d:%02d:%02d.%06d+00",
                             y, m, d, (int)(tod / 3600000000),
                             (int)(tod / 60000000 % 60),
                             (int)(tod / 1000000 % 60), (int)(tod % 1000000));
}

static int format_date(int64_t days, sl_buf_t *out)
{
        int64_t y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        if (y <= 0)
                return sl_buf_printf(out, "%04" PRId64 "-%02u-%02u BC", 1 - y,
                                     m, d);
        return sl_buf_printf(out, "%04" PRId64 "-%02u-%02u", y, m, d);
}

/* ---------------------------------------------------------- decimals */

int pg_decimal_to_bytes(const char *text, size_t len, int32_t scale,
                        sl_buf_t *out, char *errstr, size_t errstr_size)
{
        int32_t sc = scale;
        int r;

        if (scale < 0 || scale > 1000)
                goto bad;
        /* numeric text has no exponent; the schema's scale, exactly */
        r = sl_parse_decimal(text, len, SL_DECIMAL_RESCALE, out, &sc);
        if (r == SL_ERR_INVALID)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "Decimal %.*s has more than %d fraction "
                                 "digits",
                                 (int)len, text, (int)scale);
        if (r != SL_ERR_PARSE)
                return r;
bad:
        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                         "Invalid decimal value '%.*s'", (int)len, text);
}

int pg_bytes_to_decimal(const unsigned char *b, size_t n, int32_t scale,
                        sl_buf_t *out)
{
        /* PostgreSQL reads numerics in BigDecimal.toPlainString() form */
        return sl_format_decimal(b, n, scale, true, out);
}

/* ------------------------------------------------- text -> Connect */

static const char *schema_name(const sl_json_t *schema)
{
        return sl_json_object_get_str(schema, "name");
}

static int schema_scale(const sl_json_t *schema)
{
        const sl_json_t *p = sl_json_object_get(schema, "parameters");
        const char *s = sl_json_object_get_str(p, "scale");
        return s ? atoi(s) : 0;
}

static int bad_value(const char *what, const char *text, size_t len,
                     char *errstr, size_t errstr_size)
{
        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                         "Cannot convert PostgreSQL %s value '%.*s'", what,
                         (int)(len > 200 ? 200 : len), text);
}

static int parse_int(const char *text, size_t len, int64_t *v)
{
        char buf[32], *end;
        if (len == 0 || len >= sizeof(buf))
                return SL_ERR_PARSE;
        memcpy(buf, text, len);
        buf[len] = '\0';
        errno = 0;
        *v = strtoll(buf, &end, 10);
        return errno || *end ? SL_ERR_PARSE : 0;
}

/* NUMERIC text for an integer or float64 schema (numeric.mapping). */
static int numeric_to_number(const char *type, const char *text, size_t len,
                             sl_json_t **out)
{
        char buf[128], *end;
        if (len >= sizeof(buf))
                return SL_ERR_PARSE;
        memcpy(buf, text, len);
        buf[len] = '\0';
        if (!strcmp(type, "float64")) {
                double d = strtod(buf, &end);
                if (*end)
                        return SL_ERR_PARSE;
                *out = sl_json_double(d);
        } else {
                int64_t v;
                if (parse_int(text, len, &v) < 0)
                        return SL_ERR_PARSE;
                *out = sl_json_int(v);
        }
        return *out ? 0 : SL_ERR_NOMEM;
}

int pg_text_to_value(unsigned oid, const sl_json_t *schema, const char *text,
                     size_t len, sl_json_t **out, char *errstr,
                     size_t errstr_size)
{
        const char *type = sl_json_object_get_str(schema, "type");
        const char *name = schema_name(schema);
        int64_t v;

        *out = NULL;
        if (!type)
                return SL_ERR_INVALID;
        if (!strcmp(type, "string")) {
                *out = sl_json_stringn(text, len);
        } else if (name && !strcmp(name, PG_DECIMAL)) {
                sl_buf_t b = SL_BUF_INIT;
                int r = pg_decimal_to_bytes(text, len, schema_scale(schema),
                                            &b, errstr, errstr_size);
                if (r < 0) {
                        sl_buf_free(&b);
                        return r;
                }
                *out = sl_json_bytes(b.data, b.len);
                sl_buf_free(&b);
        } else if (name && !strcmp(name, PG_DATE)) {
                if (parse_date(text, len, &v) < 0)
                        return bad_value("date", text, len, errstr,
                                         errstr_size);
                *out = sl_json_int(v);
        } else if (name && !strcmp(name, PG_TIME)) {
                const char *p = text;
                if (parse_time_us(&p, text + len, &v) < 0 ||
                    p != text + len)
                        return bad_value("time", text, len, errstr,
                                         errstr_size);
                *out = sl_json_int(v / 1000);
        } else if (name && !strcmp(name, PG_TIMESTAMP)) {
                if (pg_parse_timestamp_us(text, len, &v) < 0)
                        return bad_value("timestamp", text, len, errstr,
                                         errstr_size);
                *out = sl_json_int(floor_div(v, 1000));
        } else if (oid == PG_OID_NUMERIC) {
                if (numeric_to_number(type, text, len, out) < 0)
                        return bad_value("numeric", text, len, errstr,
                                         errstr_size);
        } else if (!strcmp(type, "boolean")) {
                if (len != 1 || (*text != 't' && *text != 'f'))
                        return bad_value("boolean", text, len, errstr,
                                         errstr_size);
                *out = sl_json_bool(*text == 't');
        } else if (!strncmp(type, "int", 3)) {
                if (parse_int(text, len, &v) < 0)
                        return bad_value("integer", text, len, errstr,
                                         errstr_size);
                *out = sl_json_int(v);
        } else if (!strncmp(type, "float", 5)) {
                char buf[64], *end;
                if (len >= sizeof(buf))
                        return bad_value("float", text, len, errstr,
                                         errstr_size);
                memcpy(buf, text, len);
                buf[len] = '\0';
                double d = strtod(buf, &end);
                if (*end || end == buf)
                        return bad_value("float", text, len, errstr,
                                         errstr_size);
                *out = sl_json_double(d);
        } else if (!strcmp(type, "bytes")) {
                size_t n = 0;
                unsigned char *raw = PQunescapeBytea(
                        (const unsigned char *)text, &n);
                if (!raw)
                        return bad_value("bytea", text, len, errstr,
                                         errstr_size);
                *out = sl_json_bytes(raw, n);
                PQfreemem(raw);
        } else {
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "No conversion to Connect type %s", type);
        }
        return *out ? 0 : sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                    "Out of memory");
}

/* ------------------------------------------------- Connect -> SQL */

const char *pg_sql_type(const sl_json_t *schema)
{
        const char *type = sl_json_object_get_str(schema, "type");
        const char *name = schema_name(schema);

        if (!type)
                return NULL;
        if (name && !strcmp(name, PG_DECIMAL))
                return "DECIMAL";
        if (name && !strcmp(name, PG_DATE))
                return "DATE";
        if (name && !strcmp(name, PG_TIME))
                return "TIME";
        if (name && !strcmp(name, PG_TIMESTAMP))
                return "TIMESTAMP";
        if (!strcmp(type, "int8") || !strcmp(type, "int16"))
                return "SMALLINT";
        if (!strcmp(type, "int32"))
                return "INT";
        if (!strcmp(type, "int64"))
                return "BIGINT";
        if (!strcmp(type, "float32"))
                return "REAL";
        if (!strcmp(type, "float64"))
                return "DOUBLE PRECISION";
        if (!strcmp(type, "boolean"))
                return "BOOLEAN";
        if (!strcmp(type, "string"))
                return "TEXT";
        if (!strcmp(type, "bytes"))
                return "BYTEA";
        return NULL;
}

static int number_of(const sl_json_t *v, int64_t *i)
{
        if (v->type == SL_JSON_INT)
                *i = v->u.i;
        else if (v->type == SL_JSON_DOUBLE && v->u.d >= -9.2e18 &&
                 v->u.d <= 9.2e18 && (double)(int64_t)v->u.d == v->u.d)
                *i = (int64_t)v->u.d; /* integral (no libm needed) */
        else
                return SL_ERR_CONVERT;
        return 0;
}

static int format_double(double d, sl_buf_t *out)
{
        if (isnan(d))
                return sl_buf_puts(out, "NaN");
        if (isinf(d))
                return sl_buf_puts(out, d > 0 ? "Infinity" : "-Infinity");
        return sl_buf_printf(out, "%.17g", d);
}

int pg_value_to_text(const sl_json_t *schema, const sl_json_t *v,
                     sl_buf_t *out, char *errstr, size_t errstr_size)
{
        const char *type = sl_json_object_get_str(schema, "type");
        const char *name = schema_name(schema);
        int64_t i;

        if (!type)
                type = "";
        if (name && !strcmp(name, PG_DECIMAL) && v->type == SL_JSON_BYTES)
                return pg_bytes_to_decimal((const unsigned char *)v->u.str.ptr,
                                           v->u.str.len, schema_scale(schema),
                                           out);
        switch (v->type) {
        case SL_JSON_BOOL:
                return sl_buf_puts(out, v->u.b ? "true" : "false");
        case SL_JSON_INT:
        case SL_JSON_DOUBLE:
                if (name && !strcmp(name, PG_DATE) && number_of(v, &i) == 0)
                        return format_date(i, out);
                if (name && !strcmp(name, PG_TIME) && number_of(v, &i) == 0)
                        return sl_buf_printf(out, "%02d:%02d:%02d.%03d",
                                             (int)(i / 3600000),
                                             (int)(i / 60000 % 60),
                                             (int)(i / 1000 % 60),
                                             (int)(i % 1000));
                if (name && !strcmp(name, PG_TIMESTAMP) &&
                    number_of(v, &i) == 0)
                        return pg_format_timestamp_us(i * 1000, out);
                if (v->type == SL_JSON_DOUBLE)
                        return format_double(v->u.d, out);
                return sl_buf_printf(out, "%" PRId64, v->u.i);
        case SL_JSON_STRING:
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        case SL_JSON_BYTES: {
                static const char hex[] = "0123456789abcdef";
                int r = sl_buf_puts(out, "\\x");
                for (size_t k = 0; r == 0 && k < v->u.str.len; k++) {
                        unsigned char c = (unsigned char)v->u.str.ptr[k];
                        r = sl_buf_putc(out, hex[c >> 4]);
                        if (r == 0)
                                r = sl_buf_putc(out, hex[c & 15]);
                }
                return r;
        }
        default:
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "Unsupported value of Connect type %s for "
                                 "a PostgreSQL column",
                                 *type ? type : "(none)");
        }
}
