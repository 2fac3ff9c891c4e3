/* sl_data_to_string: Java toString() of Connect values. */
#include <math.h>
#include <stdlib.h>

#include "convert/converter_int.h"
#include "sl_test.h"

static char out_text[4096];

/* toString of value under schema (JSON texts; schema may be NULL). */
static const char *str_of(const char *schema, const sl_json_t *value)
{
        sl_json_t *s = schema ? sl_json_parse(schema, strlen(schema), NULL, 0)
                              : NULL;
        CHECK(!schema || s);
        sl_data_t d = {s, value};
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_data_to_string(&d, &b), 0);
        snprintf(out_text, sizeof(out_text), "%s", b.data ? b.data : "");
        sl_buf_free(&b);
        sl_json_free(s);
        return out_text;
}

static const char *str_json(const char *schema, const char *value)
{
        sl_json_t *v = sl_json_parse(value, strlen(value), NULL, 0);
        CHECK(v);
        str_of(schema, v);
        sl_json_free(v);
        return out_text;
}

static const char *dbl(double d, bool as_float)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_format_java_double(d, as_float, &b), 0);
        snprintf(out_text, sizeof(out_text), "%s", b.data);
        sl_buf_free(&b);
        return out_text;
}

static void test_primitives(void)
{
        sl_json_t s = SL_JSON_STRING_REF("hello world", 5);
        CHECK_STR(str_of(NULL, &s), "hello");
        CHECK_STR(str_of(NULL, NULL), "null");
        CHECK_STR(str_json(NULL, "null"), "null");
        CHECK_STR(str_json(NULL, "true"), "true");
        CHECK_STR(str_json("{\"type\":\"boolean\"}", "false"), "false");
        CHECK_STR(str_json(NULL, "-9223372036854775808"),
                  "-9223372036854775808");
        CHECK_STR(str_json("{\"type\":\"int32\"}", "42"), "42");
        /* Integral values under a floating schema print like Java doubles. */
        CHECK_STR(str_json("{\"type\":\"double\"}", "5"), "5.0");
}

static void test_double_format(void)
{
        CHECK_STR(dbl(1.0, false), "1.0");
        CHECK_STR(dbl(0.5, false), "0.5");
        CHECK_STR(dbl(100.0, false), "100.0");
        CHECK_STR(dbl(123.456, false), "123.456");
        CHECK_STR(dbl(0.1, false), "0.1");
        CHECK_STR(dbl(0.001, false), "0.001");
        CHECK_STR(dbl(0.0001, false), "1.0E-4");
        CHECK_STR(dbl(9999999.0, false), "9999999.0");
        CHECK_STR(dbl(1e7, false), "1.0E7");
        CHECK_STR(dbl(1e10, false), "1.0E10");
        CHECK_STR(dbl(1.234e-5, false), "1.234E-5");
        CHECK_STR(dbl(-2.5e300, false), "-2.5E300");
        CHECK_STR(dbl(0.0, false), "0.0");
        CHECK_STR(dbl(-0.0, false), "-0.0");
        CHECK_STR(dbl(NAN, false), "NaN");
        CHECK_STR(dbl(-INFINITY, false), "-Infinity");
        CHECK_STR(dbl(4.9e-324, false), "4.9E-324");
        CHECK_STR(dbl(1.7976931348623157e308, false),
                  "1.7976931348623157E308");
}

static void test_float_format(void)
{
        /* A float32 widened to double keeps its float digits only when
         * printed as Float.toString. */
        CHECK_STR(dbl((float)0.1, true), "0.1");
        CHECK_STR(dbl((float)0.1, false), "0.10000000149011612");
        CHECK_STR(dbl(3.4028235e38f, true), "3.4028235E38");
        CHECK_STR(dbl(1e10f, true), "1.0E10");
        CHECK_STR(dbl(1.5f, true), "1.5");
        sl_json_t v = {.type = SL_JSON_DOUBLE, .u.d = (float)3.14};
        CHECK_STR(str_of("{\"type\":\"float\"}", &v), "3.14");
        CHECK_STR(str_of("{\"type\":\"double\"}", &v), "3.140000104904175");
}

static void test_bytes_raw(void)
{
        sl_json_t b = SL_JSON_BYTES_REF("a\0b", 3);
        sl_data_t d = {NULL, &b};
        sl_buf_t out = SL_BUF_INIT;
        CHECK_INT(sl_data_to_string(&d, &out), 0);
        CHECK_INT(out.len, 3);
        CHECK(memcmp(out.data, "a\0b", 3) == 0);
        sl_buf_free(&out);
}

static void test_array(void)
{
        CHECK_STR(str_json(NULL, "[1,2]"), "[1, 2]");
        CHECK_STR(str_json(NULL, "[]"), "[]");
        CHECK_STR(str_json("{\"type\":\"array\",\"items\":{\"type\":\"string\"}}",
                           "[\"a\",\"b\",null]"),
                  "[a, b, null]");
        CHECK_STR(str_json("{\"type\":\"array\",\"items\":{\"type\":\"float\"}}",
                           "[1,2.5]"),
                  "[1.0, 2.5]");
}

static void test_map(void)
{
        CHECK_STR(str_json(NULL, "{\"k1\":1,\"k2\":\"x\",\"k3\":null}"),
                  "{k1=1, k2=x, k3=null}");
        CHECK_STR(str_json(NULL, "{}"), "{}");
        CHECK_STR(str_json("{\"type\":\"map\",\"keys\":{\"type\":\"string\"},"
                           "\"values\":{\"type\":\"double\"}}",
                           "{\"a\":1}"),
                  "{a=1.0}");
        /* Non-string keys travel as [key, value] pairs. */
        CHECK_STR(str_json("{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},"
                           "\"values\":{\"type\":\"string\"}}",
                           "[[1,\"a\"],[2,\"b\"]]"),
                  "{1=a, 2=b}");
}

static const char *user_schema =
        "{\"type\":\"struct\",\"name\":\"User\",\"fields\":["
        "{\"field\":\"id\",\"type\":\"int32\"},"
        "{\"field\":\"name\",\"type\":\"string\",\"optional\":true},"
        "{\"field\":\"score\",\"type\":\"float\",\"optional\":true},"
        "{\"field\":\"tags\",\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
        "{\"field\":\"addr\",\"type\":\"struct\",\"optional\":true,\"fields\":["
        "{\"field\":\"city\",\"type\":\"string\"}]}]}";

static void test_struct(void)
{
        /* Schema order, no spaces, null and missing fields omitted,
         * members not in the schema ignored. */
        CHECK_STR(str_json(user_schema,
                           "{\"tags\":[\"a\",\"b\"],\"name\":null,\"id\":7,"
                           "\"score\":0.5,\"extra\":1,"
                           "\"addr\":{\"city\":\"Oslo\"}}"),
                  "Struct{id=7,score=0.5,tags=[a, b],addr=Struct{city=Oslo}}");
        CHECK_STR(str_json(user_schema, "{}"), "Struct{}");
        /* Without a struct schema an object is a map. */
        CHECK_STR(str_json(NULL, "{\"id\":7}"), "{id=7}");
}

static sl_json_t *decimal_bytes(const char *hex)
{
        unsigned char b[64];
        size_t n = strlen(hex) / 2;
        for (size_t i = 0; i < n; i++) {
                unsigned x;
                sscanf(hex + 2 * i, "%2x", &x);
                b[i] = (unsigned char)x;
        }
        return sl_json_bytes(b, n);
}

static const char *dec(const char *hex, const char *scale)
{
        char schema[256];
        snprintf(schema, sizeof(schema),
                 "{\"type\":\"bytes\",\"name\":\"%s\",\"version\":1,"
                 "\"parameters\":{\"scale\":\"%s\"}}",
                 SL_DECIMAL_LOGICAL, scale);
        sl_json_t *v = decimal_bytes(hex);
        str_of(schema, v);
        sl_json_free(v);
        return out_text;
}

static void test_decimal(void)
{
        CHECK_STR(dec("3039", "2"), "123.45");       /* 12345 */
        CHECK_STR(dec("3039", "0"), "12345");
        CHECK_STR(dec("3039", "5"), "0.12345");
        CHECK_STR(dec("3039", "7"), "0.0012345");
        CHECK_STR(dec("3039", "10"), "0.0000012345");
        CHECK_STR(dec("3039", "11"), "1.2345E-7");   /* adjusted < -6 */
        CHECK_STR(dec("3039", "-2"), "1.2345E+6");
        CHECK_STR(dec("CFC7", "2"), "-123.45");      /* -12345 */
        CHECK_STR(dec("FF", "0"), "-1");
        CHECK_STR(dec("80", "0"), "-128");
        CHECK_STR(dec("00", "3"), "0.000");
        CHECK_STR(dec("", "0"), "0");
        /* 2^64 + 1 needs more than one 9-digit chunk and a 9th byte. */
        CHECK_STR(dec("010000000000000001", "0"), "18446744073709551617");
        CHECK_STR(dec("010000000000000001", "4"), "1844674407370955.1617");
        /* 10^18 spans exactly two 1e9 chunks: inner zeros padded. */
        CHECK_STR(dec("0DE0B6B3A7640000", "0"), "1000000000000000000");

        sl_buf_t b = SL_BUF_INIT;
        const unsigned char v[] = {0x30, 0x39};
        CHECK_INT(sl_format_decimal(v, 2, 11, true, &b), 0);
        CHECK_STR(b.data, "0.00000012345");
        sl_buf_reset(&b);
        CHECK_INT(sl_format_decimal(v, 2, -2, true, &b), 0);
        CHECK_STR(b.data, "1234500");
        sl_buf_free(&b);
}

/* sl_parse_decimal of text: "hex/scale", "PARSE", "INVALID" or "NOMEM". */
static const char *pdec(const char *text, unsigned flags, int32_t scale)
{
        static const char hx[] = "0123456789abcdef";
        sl_buf_t b = SL_BUF_INIT;
        int rc = sl_parse_decimal(text, strlen(text), flags, &b, &scale);
        size_t o = 0;
        if (rc == SL_ERR_PARSE || rc == SL_ERR_INVALID || rc < 0) {
                CHECK(b.len == 0);
                snprintf(out_text, sizeof(out_text), "%s",
                         rc == SL_ERR_PARSE     ? "PARSE"
                         : rc == SL_ERR_INVALID ? "INVALID"
                                                : "NOMEM");
                sl_buf_free(&b);
                return out_text;
        }
        CHECK_INT(rc, 0);
        for (size_t i = 0; i < b.len && o + 3 < sizeof(out_text) - 16; i++) {
                out_text[o++] = hx[(unsigned char)b.data[i] >> 4];
                out_text[o++] = hx[(unsigned char)b.data[i] & 15];
        }
        snprintf(out_text + o, sizeof(out_text) - o, "/%d", (int)scale);
        sl_buf_free(&b);
        return out_text;
}

/* text -> bytes -> sl_format_decimal (plain) gives expect back. */
static void round_trip(const char *text, const char *expect)
{
        sl_buf_t u = SL_BUF_INIT, t = SL_BUF_INIT;
        int32_t scale = 0;
        CHECK_INT(sl_parse_decimal(text, strlen(text), SL_DECIMAL_EXPONENT,
                                   &u, &scale),
                  0);
        CHECK_INT(sl_format_decimal((const unsigned char *)u.data, u.len,
                                    scale, true, &t),
                  0);
        CHECK_STR(t.data, expect);
        sl_buf_free(&u);
        sl_buf_free(&t);
}

static void test_parse_decimal(void)
{
        const unsigned X = SL_DECIMAL_EXPONENT, R = SL_DECIMAL_RESCALE;

        /* zero in its spellings; the scale is the fraction's length */
        CHECK_STR(pdec("0", 0, 0), "00/0");
        CHECK_STR(pdec("-0", 0, 0), "00/0");
        CHECK_STR(pdec("+0.000", 0, 0), "00/3");
        CHECK_STR(pdec("000", 0, 0), "00/0");
        CHECK_STR(pdec(".0", 0, 0), "00/1");
        CHECK_STR(pdec("0.", 0, 0), "00/0");
        /* minimal two's complement around the byte boundaries */
        CHECK_STR(pdec("1", 0, 0), "01/0");
        CHECK_STR(pdec("-1", 0, 0), "ff/0");
        CHECK_STR(pdec("127", 0, 0), "7f/0");
        CHECK_STR(pdec("128", 0, 0), "0080/0");
        CHECK_STR(pdec("-128", 0, 0), "80/0");
        CHECK_STR(pdec("-129", 0, 0), "ff7f/0");
        CHECK_STR(pdec("255", 0, 0), "00ff/0");
        CHECK_STR(pdec("256", 0, 0), "0100/0");
        CHECK_STR(pdec("-256", 0, 0), "ff00/0");
        CHECK_STR(pdec("-257", 0, 0), "feff/0");
        CHECK_STR(pdec("32767", 0, 0), "7fff/0");
        CHECK_STR(pdec("32768", 0, 0), "008000/0");
        CHECK_STR(pdec("-32768", 0, 0), "8000/0");
        CHECK_STR(pdec("-32769", 0, 0), "ff7fff/0");
        /* fractions, signs */
        CHECK_STR(pdec("-0.5", 0, 0), "fb/1");
        CHECK_STR(pdec("-.5", 0, 0), "fb/1");
        CHECK_STR(pdec("+12.5", 0, 0), "7d/1");
        CHECK_STR(pdec("-123.4500", 0, 0), "ed29bc/4"); /* -1234500 */
        CHECK_STR(pdec("123.45", 0, 0), "3039/2");
        CHECK_STR(pdec("-123.45", 0, 0), "cfc7/2");
        CHECK_STR(pdec("0.001", 0, 0), "01/3");
        /* beyond 64 bits: 2^63, -2^63, 2^64, 2^64 + 1, -(2^64) */
        CHECK_STR(pdec("9223372036854775807", 0, 0), "7fffffffffffffff/0");
        CHECK_STR(pdec("9223372036854775808", 0, 0),
                  "008000000000000000/0");
        CHECK_STR(pdec("-9223372036854775808", 0, 0), "8000000000000000/0");
        CHECK_STR(pdec("-9223372036854775809", 0, 0),
                  "ff7fffffffffffffff/0");
        CHECK_STR(pdec("18446744073709551616", 0, 0),
                  "010000000000000000/0");
        CHECK_STR(pdec("1844674407370955.1617", 0, 0),
                  "010000000000000001/4");
        CHECK_STR(pdec("-18446744073709551616", 0, 0),
                  "ff0000000000000000/0");
        /* 10^38 - 1 (the largest 38-digit value, NUMERIC(38)) */
        CHECK_STR(pdec("99999999999999999999999999999999999999", 0, 0),
                  "4b3b4ca85a86c47a098a223fffffffff/0");
        /* exponents, only when asked for; scale = fraction - exponent */
        CHECK_STR(pdec("1e5", 0, 0), "PARSE");
        CHECK_STR(pdec("1e5", X, 0), "01/-5");
        CHECK_STR(pdec("1.5E-3", X, 0), "0f/4");
        CHECK_STR(pdec("-2.50e+2", X, 0), "ff06/0");
        CHECK_STR(pdec("1e2147483648", X, 0), "01/-2147483648");
        CHECK_STR(pdec("1e2147483649", X, 0), "PARSE"); /* scale < int32 */
        CHECK_STR(pdec("1e-2147483647", X, 0), "01/2147483647");
        CHECK_STR(pdec("1.0e-2147483647", X, 0), "PARSE");
        CHECK_STR(pdec("1e99999999999999999999", X, 0), "PARSE");
        /* malformed */
        CHECK_STR(pdec("", 0, 0), "PARSE");
        CHECK_STR(pdec("-", 0, 0), "PARSE");
        CHECK_STR(pdec("+", 0, 0), "PARSE");
        CHECK_STR(pdec(".", 0, 0), "PARSE");
        CHECK_STR(pdec("-.", 0, 0), "PARSE");
        CHECK_STR(pdec("1.2.3", 0, 0), "PARSE");
        CHECK_STR(pdec("--1", 0, 0), "PARSE");
        CHECK_STR(pdec(" 1", 0, 0), "PARSE");
        CHECK_STR(pdec("1 ", 0, 0), "PARSE");
        CHECK_STR(pdec("1x", 0, 0), "PARSE");
        CHECK_STR(pdec("0x10", 0, 0), "PARSE");
        CHECK_STR(pdec("NaN", X, 0), "PARSE");
        CHECK_STR(pdec("Infinity", X, 0), "PARSE");
        CHECK_STR(pdec("1e", X, 0), "PARSE");
        CHECK_STR(pdec("1e+", X, 0), "PARSE");
        CHECK_STR(pdec("e5", X, 0), "PARSE");
        CHECK_STR(pdec(".e5", X, 0), "PARSE");
        CHECK_STR(pdec("1e5.0", X, 0), "PARSE");
        /* len bounds the text: "12" of "123" */
        {
                sl_buf_t b = SL_BUF_INIT;
                int32_t sc = 0;
                CHECK_INT(sl_parse_decimal("123", 2, 0, &b, &sc), 0);
                CHECK_INT((int)b.len, 1);
                CHECK_INT(b.data[0], 12);
                /* appends to what the buffer holds */
                CHECK_INT(sl_parse_decimal("-1", 2, 0, &b, &sc), 0);
                CHECK_INT((int)b.len, 2);
                CHECK_INT((unsigned char)b.data[1], 0xff);
                sl_buf_free(&b);
        }

        /* rescaling to a given scale: zeros added, or dropped if zeros */
        CHECK_STR(pdec("5", R, 3), "1388/3");            /* 5000 */
        CHECK_STR(pdec("1.2300", R, 2), "7b/2");
        CHECK_STR(pdec("1.234", R, 2), "INVALID");
        CHECK_STR(pdec("-0.5", R, 0), "INVALID");
        CHECK_STR(pdec("0.000", R, 0), "00/0");
        CHECK_STR(pdec("0", R, 1000), "00/1000");
        CHECK_STR(pdec("1200", R, -2), "0c/-2");
        CHECK_STR(pdec("1250", R, -2), "INVALID");
        CHECK_STR(pdec("1.5e3", X | R, 0), "05dc/0");
        CHECK_STR(pdec("15e-1", X | R, 2), "0096/2");
        CHECK_STR(pdec("1e-5", X | R, 2), "INVALID");
        CHECK_STR(pdec("0e-999999999", X | R, 0), "00/0");
        CHECK_STR(pdec("1", R, 2000000000), "PARSE");     /* too many digits */
        CHECK_STR(pdec("1x", R, 2), "PARSE");
        /* 2^64 at scale 2 */
        CHECK_STR(pdec("18446744073709551616", R, 2),
                  "640000000000000000/2");

        /* round trips through sl_format_decimal */
        round_trip("0", "0");
        round_trip("-0.5", "-0.5");
        round_trip("-123.4500", "-123.4500");
        round_trip("127", "127");
        round_trip("-128", "-128");
        round_trip("-129", "-129");
        round_trip("0.000001", "0.000001");
        round_trip("1.5e3", "1500");
        round_trip("-12345678901234567890123456789012345678901234567890."
                   "0000000001",
                   "-12345678901234567890123456789012345678901234567890."
                   "0000000001");
        round_trip("340282366920938463463374607431768211456",
                   "340282366920938463463374607431768211456"); /* 2^128 */
        round_trip("-340282366920938463463374607431768211456",
                   "-340282366920938463463374607431768211456");

        /* a 1000-digit value and its negation survive the round trip */
        {
                char big[1003], want[1003];
                for (int i = 0; i < 1000; i++)
                        big[i] = (char)('1' + (i * 7) % 9);
                big[1000] = '\0';
                round_trip(big, big);
                want[0] = '-';
                memcpy(want + 1, big, 1001);
                round_trip(want, want);
        }
        /* the digit limit */
        {
                size_t n = SL_DECIMAL_MAX_DIGITS + 1;
                char *t = malloc(n + 1);
                CHECK(t);
                memset(t, '9', n);
                t[n] = '\0';
                CHECK_STR(pdec(t, 0, 0), "PARSE");
                CHECK_STR(pdec(t + n - 30, 0, 0),
                          "0c9f2c9cd04674edea3fffffff/0");
                /* leading zeros do not count: the limit itself is fine */
                t[0] = '0';
                {
                        sl_buf_t b = SL_BUF_INIT;
                        int32_t sc = 0;
                        CHECK_INT(sl_parse_decimal(t, n, 0, &b, &sc), 0);
                        /* (10^262144 - 1) needs 108854 bytes with the sign */
                        CHECK_INT((int)b.len, 108854);
                        CHECK_INT((unsigned char)b.data[0] < 0x80, 1);
                        sl_buf_free(&b);
                }
                free(t);
        }
}

static void test_logical_time_prints_number(void)
{
        CHECK_STR(str_json("{\"type\":\"int64\",\"name\":"
                           "\"org.apache.kafka.connect.data.Timestamp\"}",
                           "1700000000000"),
                  "1700000000000");
}

int main(void)
{
        RUN(test_primitives);
        RUN(test_double_format);
        RUN(test_float_format);
        RUN(test_bytes_raw);
        RUN(test_array);
        RUN(test_map);
        RUN(test_struct);
        RUN(test_decimal);
        RUN(test_parse_decimal);
        RUN(test_logical_time_prints_number);
        TEST_MAIN_END();
}
