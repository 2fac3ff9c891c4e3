/* sl_json_t: strict parser, compact writer, node API, strmap bridge. */
#include "sluice/common.h"
#include "sl_test.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static sl_json_t *parse(const char *text)
{
        char err[256] = "";
        sl_json_t *j = sl_json_parse(text, strlen(text), err, sizeof(err));
        if (!j)
                fprintf(stderr, "parse of '%s' failed: %s\n", text, err);
        return j;
}

/* Parses text and checks the compact serialisation. */
static void check_rt(const char *text, const char *expect)
{
        sl_json_t *j = parse(text);
        CHECK(j != NULL);
        if (!j)
                return;
        char *out = sl_json_to_string(j);
        CHECK_STR(out, expect);
        /* The output must parse back to an equal document. */
        sl_json_t *again = parse(out);
        CHECK(sl_json_equal(j, again));
        free(out);
        sl_json_free(again);
        sl_json_free(j);
}

/* Expects failure with a message containing want (which names the offset). */
static void check_err_len(const char *text, size_t len, const char *want)
{
        char err[256] = "";
        sl_json_t *j = sl_json_parse(text, len, err, sizeof(err));
        CHECK(j == NULL);
        sl_json_free(j);
        if (!strstr(err, want)) {
                fprintf(stderr, "input '%s': got error \"%s\", want \"%s\"\n",
                        text, err, want);
                sl_test_failures++;
        }
}

static void check_err(const char *text, const char *want)
{
        check_err_len(text, strlen(text), want);
}

static void test_scalars(void)
{
        sl_json_t *j = parse(" \t\r\n true \n");
        CHECK(j && j->type == SL_JSON_BOOL && j->u.b);
        sl_json_free(j);
        j = parse("false");
        CHECK(j && j->type == SL_JSON_BOOL && !j->u.b);
        sl_json_free(j);
        j = parse("null");
        CHECK(j && j->type == SL_JSON_NULL);
        sl_json_free(j);
        j = parse("\"s\"");
        CHECK(j && j->type == SL_JSON_STRING && j->u.str.len == 1 &&
              !j->borrowed);
        sl_json_free(j);
}

static void test_numbers_int(void)
{
        sl_json_t *j = parse("-9223372036854775808");
        CHECK(j && j->type == SL_JSON_INT && j->u.i == INT64_MIN);
        sl_json_free(j);
        j = parse("9223372036854775807");
        CHECK(j && j->type == SL_JSON_INT && j->u.i == INT64_MAX);
        sl_json_free(j);
        j = parse("-0");
        CHECK(j && j->type == SL_JSON_INT && j->u.i == 0);
        sl_json_free(j);
        check_rt("[0,1,-1,42,1234567890123]", "[0,1,-1,42,1234567890123]");
}

static void test_numbers_big_int_becomes_double(void)
{
        sl_json_t *j = parse("9223372036854775808");
        CHECK(j && j->type == SL_JSON_DOUBLE && j->u.d == 9223372036854775808.0);
        sl_json_free(j);
        j = parse("-9223372036854775809");
        CHECK(j && j->type == SL_JSON_DOUBLE);
        sl_json_free(j);
        j = parse("123456789012345678901234567890");
        CHECK(j && j->type == SL_JSON_DOUBLE && j->u.d > 1.2e29);
        sl_json_free(j);
}

static void test_numbers_double(void)
{
        sl_json_t *j = parse("1.0");
        CHECK(j && j->type == SL_JSON_DOUBLE && j->u.d == 1.0);
        sl_json_free(j);
        j = parse("1e2");
        CHECK(j && j->type == SL_JSON_DOUBLE && j->u.d == 100.0);
        sl_json_free(j);
        j = parse("-2.5E-3");
        CHECK(j && j->type == SL_JSON_DOUBLE && j->u.d == -0.0025);
        sl_json_free(j);
        j = parse("1E+2");
        CHECK(j && j->type == SL_JSON_DOUBLE && j->u.d == 100.0);
        sl_json_free(j);
}

static void check_double_out(double d, const char *expect)
{
        sl_json_t *j = sl_json_double(d);
        char *s = sl_json_to_string(j);
        CHECK_STR(s, expect);
        if (isfinite(d)) {
                sl_json_t *back = parse(s);
                CHECK(back && back->type == SL_JSON_DOUBLE && back->u.d == d);
                sl_json_free(back);
        }
        free(s);
        sl_json_free(j);
}

static void test_write_double(void)
{
        check_double_out(1.0, "1.0");
        check_double_out(0.5, "0.5");
        check_double_out(-3.0, "-3.0");
        check_double_out(0.1, "0.1");
        check_double_out(100.0, "100.0");
        check_double_out(-0.0, "-0.0");
        check_double_out(1e20, "1e+20");
        check_double_out(1.5e-7, "1.5e-07");
        check_double_out(0.1 + 0.2, "0.30000000000000004");
        check_double_out(1.7976931348623157e308, "1.7976931348623157e+308");
        check_double_out(5e-324, "5e-324");
        check_double_out(2.5e-320, "2.5e-320");
        check_double_out(NAN, "null");
        check_double_out(INFINITY, "null");
        check_double_out(-INFINITY, "null");
}

static void test_double_overflow_parses(void)
{
        sl_json_t *j = parse("[1e400,-1e400,1e-400]");
        CHECK(j && j->u.arr.len == 3);
        if (j) {
                CHECK(isinf(j->u.arr.items[0]->u.d));
                CHECK(j->u.arr.items[2]->u.d == 0.0);
        }
        char *s = sl_json_to_string(j);
        CHECK_STR(s, "[null,null,0.0]");
        free(s);
        sl_json_free(j);
}

static void test_roundtrip_compact(void)
{
        check_rt(" { \"a\" : [ 1 , 2.5 , true , false , null , \"x\" ] ,"
                 " \"b\" : { } , \"c\" : [ ] } ",
                 "{\"a\":[1,2.5,true,false,null,\"x\"],\"b\":{},\"c\":[]}");
        check_rt("{\"name\":\"s1\",\"config\":{\"tasks.max\":\"3\"}}",
                 "{\"name\":\"s1\",\"config\":{\"tasks.max\":\"3\"}}");
        check_rt("[[[[]]],{\"\":{\"\":\"\"}}]", "[[[[]]],{\"\":{\"\":\"\"}}]");
        check_rt("\"\"", "\"\"");
        check_rt("0", "0");
}

static void test_object_order_preserved(void)
{
        check_rt("{\"z\":1,\"a\":2,\"m\":3}", "{\"z\":1,\"a\":2,\"m\":3}");
}

static void test_parse_escapes(void)
{
        sl_json_t *j = parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041\\u00e9\"");
        CHECK(j && j->type == SL_JSON_STRING);
        if (j)
                CHECK_STR(j->u.str.ptr, "\" \\ / \b \f \n \r \t A\xc3\xa9");
        sl_json_free(j);
        j = parse("\"\\u20AC\\u20ac\"");
        CHECK(j && strcmp(j->u.str.ptr, "\xe2\x82\xac\xe2\x82\xac") == 0);
        sl_json_free(j);
}

static void test_parse_nul_escape_in_value(void)
{
        sl_json_t *j = parse("\"a\\u0000b\"");
        CHECK(j && j->u.str.len == 3 && memcmp(j->u.str.ptr, "a\0b", 4) == 0);
        char *s = sl_json_to_string(j);
        CHECK_STR(s, "\"a\\u0000b\"");
        free(s);
        sl_json_free(j);
}

static void test_surrogate_pairs(void)
{
        sl_json_t *j = parse("\"\\ud83d\\ude00|\\uD834\\uDD1E\"");
        CHECK(j != NULL);
        if (j)
                CHECK_STR(j->u.str.ptr, "\xf0\x9f\x98\x80|\xf0\x9d\x84\x9e");
        sl_json_free(j);
        j = parse("\"\\udbff\\udfff\"");
        CHECK(j && strcmp(j->u.str.ptr, "\xf4\x8f\xbf\xbf") == 0);
        sl_json_free(j);
}

static void test_lone_surrogates_rejected(void)
{
        check_err("\"\\ud83d\"", "surrogate in \\u escape at offset 1");
        check_err("\"ab\\ud83dx\"", "at offset 3");
        check_err("\"\\ud83d\\u0041\"", "surrogate in \\u escape at offset 1");
        check_err("\"\\ud83d\\ud83d\"", "surrogate");
        check_err("\"\\ude00\"", "surrogate in \\u escape at offset 1");
        check_err("\"\\ud83d\\", "offset");
}

static void test_utf8_passthrough(void)
{
        check_rt("\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"",
                 "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
        check_rt("{\"\xc3\xa9\":\"\xe6\x97\xa5\"}",
                 "{\"\xc3\xa9\":\"\xe6\x97\xa5\"}");
}

static void test_invalid_utf8_rejected(void)
{
        check_err("\"\xff\"", "Invalid UTF-8 in string at offset 1");
        check_err("\"a\xc3\"", "Invalid UTF-8 in string at offset 2");
        check_err("\"\xc0\xaf\"", "at offset 1");         /* overlong */
        check_err("\"\xed\xa0\x80\"", "at offset 1");     /* surrogate */
        check_err("\"\xf4\x90\x80\x80\"", "at offset 1"); /* > U+10FFFF */
}

static void test_write_escapes(void)
{
        sl_buf_t b = SL_BUF_INIT;
        const char in[] = "q\" b\\ n\n r\r t\t b\b f\f \x01\x1f\x7f/\xc3\xa9";
        CHECK_INT(sl_json_write_string(&b, in, sizeof(in) - 1), 0);
        CHECK_STR(b.data, "\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f "
                          "\\u0001\\u001F\x7f/\xc3\xa9\"");
        sl_buf_free(&b);
        /* Every control character survives a round trip. */
        char all[32];
        for (int i = 0; i < 32; i++)
                all[i] = (char)i;
        sl_json_t *j = sl_json_stringn(all, 32);
        char *s = sl_json_to_string(j);
        sl_json_t *back = parse(s);
        CHECK(sl_json_equal(j, back));
        free(s);
        sl_json_free(back);
        sl_json_free(j);
}

static void test_error_unexpected_character(void)
{
        check_err("{\"a\":1,\"b\":x}", "Unexpected character 'x' at offset 11");
        check_err("[1,]", "Unexpected character ']' at offset 3");
        check_err("{\"a\":1,}", "Unexpected character '}' at offset 7");
        check_err("{,}", "Unexpected character ',' at offset 1");
        check_err("{\"a\" 1}", "Unexpected character '1' at offset 5");
        check_err("{a:1}", "Unexpected character 'a' at offset 1");
        check_err("['x']", "Unexpected character ''' at offset 1");
        check_err("[1 2]", "Unexpected character '2' at offset 3");
        check_err("tRue", "Unexpected character 'R' at offset 1");
        check_err("\x01", "Unexpected character 0x01 at offset 0");
        check_err_len("[\0]", 3, "Unexpected character 0x00 at offset 1");
}

static void test_error_unexpected_end(void)
{
        check_err("", "Unexpected end of input at offset 0");
        check_err("   ", "Unexpected end of input at offset 3");
        check_err("{\"a\":", "Unexpected end of input at offset 5");
        check_err("[1,2", "Unexpected end of input at offset 4");
        check_err("\"abc", "Unexpected end of input at offset 4");
        check_err("tru", "Unexpected end of input at offset 3");
        check_err("-", "Unexpected end of input at offset 1");
        check_err("1.", "Unexpected end of input at offset 2");
        check_err("1e+", "Unexpected end of input at offset 3");
        /* len, not the NUL, bounds the input. */
        check_err_len("[1,2]", 3, "Unexpected end of input at offset 3");
}

static void test_error_trailing_data(void)
{
        check_err("{} x", "Trailing data after JSON value at offset 3");
        check_err("1 2", "Trailing data after JSON value at offset 2");
        check_err("truex", "Trailing data after JSON value at offset 4");
        check_err("[]]", "Trailing data after JSON value at offset 2");
}

static void test_error_numbers(void)
{
        check_err("01", "Leading zero in number at offset 0");
        check_err("[-012]", "Leading zero in number at offset 1");
        check_err("+1", "Unexpected character '+' at offset 0");
        check_err(".5", "Unexpected character '.' at offset 0");
        check_err("1.e5", "Unexpected character 'e' at offset 2");
        check_err("1e", "Unexpected end of input at offset 2");
        check_err("-a", "Unexpected character 'a' at offset 1");
        check_err("NaN", "Unexpected character 'N' at offset 0");
        check_err("Infinity", "Unexpected character 'I' at offset 0");
        check_err("-Infinity", "Unexpected character 'I' at offset 1");
        check_err("0x10", "Trailing data after JSON value at offset 1");
}

static void test_error_no_comments(void)
{
        check_err("// c\n1", "Unexpected character '/' at offset 0");
        check_err("[1 /* c */]", "Unexpected character '/' at offset 3");
        check_err("1 # c", "Trailing data after JSON value at offset 2");
}

static void test_error_strings(void)
{
        check_err("\"a\nb\"", "control character 0x0A in string at offset 2");
        check_err("\"\t\"", "at offset 1");
        check_err("\"\\x\"", "Invalid escape '\\x' at offset 1");
        check_err("\"\\u12G4\"", "Invalid \\u escape at offset 1");
        check_err("\"\\u12\"", "Invalid \\u escape at offset 1");
        check_err("\"\\", "Unexpected end of input at offset 2");
        check_err("{\"k\\u0000\":1}", "at offset 1");
}

static char *nested(int depth, int with_value)
{
        char *s = malloc((size_t)depth * 2 + 2);
        int n = 0;
        for (int i = 0; i < depth; i++)
                s[n++] = '[';
        if (with_value)
                s[n++] = '1';
        for (int i = 0; i < depth; i++)
                s[n++] = ']';
        s[n] = '\0';
        return s;
}

static void test_depth_limit(void)
{
        char *ok = nested(512, 1);
        sl_json_t *j = parse(ok);
        CHECK(j != NULL);
        sl_json_free(j);
        free(ok);

        char *deep = nested(513, 1);
        check_err(deep, "at offset 512");
        free(deep);

        /* Far beyond the limit must fail cleanly, not overflow the stack. */
        char *huge = nested(1000000, 0);
        check_err(huge, "Nesting deeper than 512 levels at offset 512");
        free(huge);

        char obj[600 * 5 + 1];
        int n = 0;
        for (int i = 0; i < 600; i++)
                n += sprintf(obj + n, "{\"a\":");
        check_err(obj, "Nesting deeper than 512 levels");
}

static void test_duplicate_keys_last_wins(void)
{
        check_rt("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}");
        check_rt("{\"a\":{\"x\":1},\"a\":\"s\",\"a\":[true]}", "{\"a\":[true]}");

        /* Large objects take the sorting path. */
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_putc(&b, '{');
        for (int i = 0; i < 100; i++)
                sl_buf_printf(&b, "\"k%d\":%d,", i % 40, i);
        b.data[b.len - 1] = '}';
        sl_json_t *j = parse(b.data);
        CHECK(j && j->type == SL_JSON_OBJECT && j->u.obj.len == 40);
        if (j) {
                for (int i = 0; i < 40; i++) {
                        char k[8];
                        snprintf(k, sizeof(k), "k%d", i);
                        CHECK_STR(j->u.obj.keys[i], k);
                        sl_json_t *v = sl_json_object_get(j, k);
                        CHECK(v && v->type == SL_JSON_INT);
                        CHECK_INT(v ? v->u.i : -1, i < 20 ? 80 + i : 40 + i);
                }
        }
        sl_json_free(j);
        sl_buf_free(&b);
}

static void test_parse_error_frees_partial(void)
{
        /* ASan's leak checker proves the partially built tree is freed. */
        check_err("{\"a\":[1,{\"b\":\"x\"},\"y\"],\"c\":[tru]}", "offset");
        check_err("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",{\"k\":\"v\"} 1]",
                  "offset");
}

static void test_null_errstr(void)
{
        CHECK(sl_json_parse("[", 1, NULL, 0) == NULL);
        char tiny[8] = "zzzzzzz";
        CHECK(sl_json_parse("[", 1, tiny, sizeof(tiny)) == NULL);
        CHECK_INT(strlen(tiny), 7);
}

static void test_builders_and_object_api(void)
{
        sl_json_t *o = sl_json_object();
        CHECK_INT(sl_json_object_set(o, "s", sl_json_string("v")), 0);
        CHECK_INT(sl_json_object_set(o, "i", sl_json_int(-5)), 0);
        CHECK_INT(sl_json_object_set(o, "d", sl_json_double(2.5)), 0);
        CHECK_INT(sl_json_object_set(o, "b", sl_json_bool(true)), 0);
        CHECK_INT(sl_json_object_set(o, "n", sl_json_null()), 0);
        sl_json_t *a = sl_json_array();
        CHECK_INT(sl_json_array_append(a, sl_json_stringn("xyz", 2)), 0);
        CHECK_INT(sl_json_array_append(a, sl_json_int(7)), 0);
        CHECK_INT(sl_json_object_set(o, "a", a), 0);
        char *s = sl_json_to_string(o);
        CHECK_STR(s, "{\"s\":\"v\",\"i\":-5,\"d\":2.5,\"b\":true,\"n\":null,"
                     "\"a\":[\"xy\",7]}");
        free(s);

        CHECK_STR(sl_json_object_get_str(o, "s"), "v");
        CHECK(sl_json_object_get_str(o, "i") == NULL);
        CHECK(sl_json_object_get_str(o, "missing") == NULL);
        CHECK(sl_json_object_get(o, "n") != NULL);
        CHECK(sl_json_object_get(a, "n") == NULL);

        /* Replacing keeps the position and frees the old value. */
        CHECK_INT(sl_json_object_set(o, "i", sl_json_string("replaced")), 0);
        CHECK_INT(sl_json_object_del(o, "d"), 0);
        CHECK_INT(sl_json_object_del(o, "d"), SL_ERR_NOT_FOUND);
        s = sl_json_to_string(o);
        CHECK_STR(s, "{\"s\":\"v\",\"i\":\"replaced\",\"b\":true,\"n\":null,"
                     "\"a\":[\"xy\",7]}");
        free(s);

        /* Ownership is taken even on error. */
        CHECK_INT(sl_json_array_append(o, sl_json_int(1)), SL_ERR_INVALID);
        CHECK_INT(sl_json_object_set(a, "k", sl_json_int(1)), SL_ERR_INVALID);
        CHECK_INT(sl_json_object_set(o, "k", NULL), SL_ERR_NOMEM);
        sl_json_free(o);
        sl_json_free(NULL);
}

static void test_bytes_written_as_base64(void)
{
        sl_json_t *a = sl_json_array();
        sl_json_array_append(a, sl_json_bytes("foobar", 6));
        sl_json_array_append(a, sl_json_bytes("\0\xff", 2));
        sl_json_array_append(a, sl_json_bytes(NULL, 0));
        char *s = sl_json_to_string(a);
        CHECK_STR(s, "[\"Zm9vYmFy\",\"AP8=\",\"\"]");
        free(s);
        sl_json_free(a);
}

static void test_borrowed_not_freed(void)
{
        static const char text[] = "borrowed text";
        char stackbuf[] = "\x01\x02\x03";

        /* On the stack: written but never passed to free. */
        sl_json_t sv = SL_JSON_STRING_REF(text, 8);
        char *s = sl_json_to_string(&sv);
        CHECK_STR(s, "\"borrowed\"");
        free(s);

        /* Heap nodes with borrowed payloads inside a tree: sl_json_free
         * must free the nodes but not the static/stack memory (ASan would
         * report an invalid free). */
        sl_json_t *arr = sl_json_array();
        sl_json_t *n1 = malloc(sizeof(*n1));
        *n1 = SL_JSON_STRING_REF(text, strlen(text));
        sl_json_t *n2 = malloc(sizeof(*n2));
        *n2 = SL_JSON_BYTES_REF(stackbuf, 3);
        sl_json_array_append(arr, n1);
        sl_json_array_append(arr, n2);
        s = sl_json_to_string(arr);
        CHECK_STR(s, "[\"borrowed text\",\"AQID\"]");
        free(s);

        sl_json_t *copy = sl_json_dup(arr);
        CHECK(copy != NULL && sl_json_equal(arr, copy));
        if (copy) {
                CHECK(!copy->u.arr.items[0]->borrowed);
                CHECK(copy->u.arr.items[0]->u.str.ptr != text);
                CHECK(copy->u.arr.items[1]->u.str.ptr != stackbuf);
        }
        sl_json_free(arr);
        CHECK_STR(text, "borrowed text");
        CHECK(stackbuf[0] == 1);
        sl_json_free(copy);

        sl_json_t empty = SL_JSON_STRING_REF(NULL, 0);
        s = sl_json_to_string(&empty);
        CHECK_STR(s, "\"\"");
        free(s);

        /* A borrowed string need not be NUL-terminated. */
        sl_json_t part = SL_JSON_STRING_REF(text + 9, 2);
        sl_json_t *d = sl_json_dup(&part);
        CHECK(d && !d->borrowed);
        if (d)
                CHECK_STR(d->u.str.ptr, "te");
        sl_json_free(d);
}

static void test_dup_deep(void)
{
        sl_json_t *j = parse("{\"a\":[1,2.5,{\"b\":null}],\"c\":\"s\",\"t\":true}");
        sl_json_t *d = sl_json_dup(j);
        CHECK(sl_json_equal(j, d));
        sl_json_object_set(sl_json_object_get(d, "a")->u.arr.items[2], "b",
                           sl_json_int(1));
        CHECK(!sl_json_equal(j, d));
        sl_json_free(j);
        char *s = sl_json_to_string(d);
        CHECK_STR(s, "{\"a\":[1,2.5,{\"b\":1}],\"c\":\"s\",\"t\":true}");
        free(s);
        sl_json_free(d);
        CHECK(sl_json_dup(NULL) == NULL);
}

static int json_eq(const char *a, const char *b)
{
        sl_json_t *x = parse(a), *y = parse(b);
        int r = sl_json_equal(x, y);
        sl_json_free(x);
        sl_json_free(y);
        return r;
}

static void test_equal(void)
{
        CHECK(json_eq("{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2],\"a\":1}"));
        CHECK(!json_eq("[1,2]", "[2,1]"));
        CHECK(!json_eq("{\"a\":1}", "{\"a\":1,\"b\":2}"));
        CHECK(!json_eq("{\"a\":1,\"c\":2}", "{\"a\":1,\"b\":2}"));
        CHECK(!json_eq("\"ab\"", "\"abc\""));
        CHECK(json_eq("null", "null"));
        CHECK(!json_eq("null", "false"));
        /* Documented choice: INT and DOUBLE never compare equal. */
        CHECK(!json_eq("1", "1.0"));
        CHECK(json_eq("1.0", "1e0"));
        sl_json_t *s = sl_json_string("Zm9v"), *b = sl_json_bytes("foo", 3);
        CHECK(!sl_json_equal(s, b));
        sl_json_free(s);
        sl_json_free(b);
        sl_json_t *n1 = sl_json_double(NAN), *n2 = sl_json_double(NAN);
        CHECK(sl_json_equal(n1, n2));
        sl_json_free(n1);
        sl_json_free(n2);
}

static void test_strmap_bridge(void)
{
        sl_strmap_t *m = sl_strmap_new();
        sl_strmap_set(m, "connector.class", "FileStreamSource");
        sl_strmap_set(m, "tasks.max", "1");
        sl_strmap_set(m, "quote", "a\"b");
        sl_json_t *j = sl_json_from_strmap(m);
        char *s = sl_json_to_string(j);
        CHECK_STR(s, "{\"connector.class\":\"FileStreamSource\","
                     "\"tasks.max\":\"1\",\"quote\":\"a\\\"b\"}");
        free(s);

        sl_strmap_t *back = sl_strmap_new();
        char err[128] = "";
        CHECK_INT(sl_json_to_strmap(j, back, err, sizeof(err)), 0);
        CHECK(sl_strmap_equal(m, back));
        CHECK_STR(sl_strmap_key_at(back, 0), "connector.class");
        sl_json_free(j);
        sl_strmap_destroy(back);
        sl_strmap_destroy(m);
}

static void check_to_strmap_err(const char *text, const char *want)
{
        sl_json_t *j = parse(text);
        sl_strmap_t *m = sl_strmap_new();
        sl_strmap_set(m, "pre", "existing");
        char err[128] = "";
        CHECK_INT(sl_json_to_strmap(j, m, err, sizeof(err)), SL_ERR_INVALID);
        CHECK_STR(err, want);
        /* Rejected documents leave the map untouched. */
        CHECK_INT(sl_strmap_count(m), 1);
        sl_strmap_destroy(m);
        sl_json_free(j);
}

static void test_to_strmap_rejects(void)
{
        check_to_strmap_err("{\"a\":\"1\",\"tasks.max\":1}",
                            "Value of key \"tasks.max\" must be a string");
        check_to_strmap_err("{\"a\":\"1\",\"x\":null}",
                            "Value of key \"x\" must be a string, not null");
        check_to_strmap_err("{\"o\":{}}", "Value of key \"o\" must be a string");
        check_to_strmap_err("{\"b\":true}", "Value of key \"b\" must be a string");
        check_to_strmap_err("[\"a\"]", "Expected a JSON object");
        check_to_strmap_err("\"s\"", "Expected a JSON object");
}

int main(void)
{
        RUN(test_scalars);
        RUN(test_numbers_int);
        RUN(test_numbers_big_int_becomes_double);
        RUN(test_numbers_double);
        RUN(test_write_double);
        RUN(test_double_overflow_parses);
        RUN(test_roundtrip_compact);
        RUN(test_object_order_preserved);
        RUN(test_parse_escapes);
        RUN(test_parse_nul_escape_in_value);
        RUN(test_surrogate_pairs);
        RUN(test_lone_surrogates_rejected);
        RUN(test_utf8_passthrough);
        RUN(test_invalid_utf8_rejected);
        RUN(test_write_escapes);
        RUN(test_error_unexpected_character);
        RUN(test_error_unexpected_end);
        RUN(test_error_trailing_data);
        RUN(test_error_numbers);
        RUN(test_error_no_comments);
        RUN(test_error_strings);
        RUN(test_depth_limit);
        RUN(test_duplicate_keys_last_wins);
        RUN(test_parse_error_frees_partial);
        RUN(test_null_errstr);
        RUN(test_builders_and_object_api);
        RUN(test_bytes_written_as_base64);
        RUN(test_borrowed_not_freed);
        RUN(test_dup_deep);
        RUN(test_equal);
        RUN(test_strmap_bridge);
        RUN(test_to_strmap_rejects);
        TEST_MAIN_END();
}
