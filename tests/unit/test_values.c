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
        RUN(test_logical_time_prints_number);
        TEST_MAIN_END();
}
