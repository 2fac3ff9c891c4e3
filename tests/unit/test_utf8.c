/* Hex digits, UTF-8 encoding and validation, UTF-16 surrogate pairs. */
#include <stdlib.h>

#include "util/utf8.h"
#include "sl_test.h"

static void test_hex_digit(void)
{
        CHECK_INT(sl_hex_digit('0'), 0);
        CHECK_INT(sl_hex_digit('9'), 9);
        CHECK_INT(sl_hex_digit('a'), 10);
        CHECK_INT(sl_hex_digit('F'), 15);
        CHECK_INT(sl_hex_digit('g'), -1);
        CHECK_INT(sl_hex_digit('/'), -1);
        CHECK_INT(sl_hex_digit(':'), -1);
        CHECK_INT(sl_hex_digit('@'), -1);
        CHECK_INT(sl_hex_digit('`'), -1);
        CHECK_INT(sl_hex_digit(0xE9), -1);
        CHECK_INT(sl_hex_digit(-1), -1);
}

static void test_hex4_read(void)
{
        CHECK_INT(sl_hex4_read("00e9", 4), 0xE9);
        CHECK_INT(sl_hex4_read("FFFFxyz", 7), 0xFFFF);
        CHECK_INT(sl_hex4_read("D83D", 4), 0xD83D);
        /* Only n bytes may be read, whatever follows them. */
        CHECK_INT(sl_hex4_read("1234", 3), -1);
        CHECK_INT(sl_hex4_read("", 0), -1);
        CHECK_INT(sl_hex4_read("12G4", 4), -1);
        CHECK_INT(sl_hex4_read("-123", 4), -1);
}

static void test_utf16_join(void)
{
        CHECK_INT(sl_utf16_join(0xD83D, 0xDE00), 0x1F600);
        CHECK_INT(sl_utf16_join(0xD800, 0xDC00), 0x10000);
        CHECK_INT(sl_utf16_join(0xDBFF, 0xDFFF), 0x10FFFF);
}

static void check_put(uint32_t cp, const char *want)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_utf8_put(&b, cp), 0);
        CHECK_INT(b.len, strlen(want));
        CHECK_STR(b.data, want);
        sl_buf_free(&b);
}

static void test_utf8_put(void)
{
        check_put(0x41, "A");
        check_put(0x7F, "\x7f");
        check_put(0x80, "\xc2\x80");
        check_put(0xE9, "\xc3\xa9");
        check_put(0x7FF, "\xdf\xbf");
        check_put(0x800, "\xe0\xa0\x80");
        check_put(0x20AC, "\xe2\x82\xac");
        check_put(0xFFFD, "\xef\xbf\xbd");
        check_put(0xFFFF, "\xef\xbf\xbf");
        check_put(0x10000, "\xf0\x90\x80\x80");
        check_put(0x1F600, "\xf0\x9f\x98\x80");
        check_put(0x10FFFF, "\xf4\x8f\xbf\xbf");

        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_utf8_put(&b, 0), 0);
        CHECK_INT(b.len, 1);
        CHECK_INT(b.data[0], 0);
        sl_buf_free(&b);
}

static size_t seq_len(const char *s, size_t n)
{
        return sl_utf8_seq_len((const unsigned char *)s, n);
}

static void test_utf8_seq_len(void)
{
        CHECK_INT(seq_len("\xc3\xa9", 2), 2);
        CHECK_INT(seq_len("\xe2\x82\xac", 3), 3);
        CHECK_INT(seq_len("\xf0\x9f\x98\x80", 4), 4);
        CHECK_INT(seq_len("\xf4\x8f\xbf\xbf", 4), 4);
        CHECK_INT(seq_len("\xed\x9f\xbf", 3), 3);  /* U+D7FF */
        CHECK_INT(seq_len("\xc3\xa9rest", 6), 2);
        /* Truncated, overlong, surrogate, past U+10FFFF, stray bytes. */
        CHECK_INT(seq_len("\xe2\x82\xac", 2), 0);
        CHECK_INT(seq_len("\xc0\x80", 2), 0);
        CHECK_INT(seq_len("\xc1\xbf", 2), 0);
        CHECK_INT(seq_len("\xe0\x9f\xbf", 3), 0);
        CHECK_INT(seq_len("\xf0\x8f\xbf\xbf", 4), 0);
        CHECK_INT(seq_len("\xed\xa0\x80", 3), 0);
        CHECK_INT(seq_len("\xf4\x90\x80\x80", 4), 0);
        CHECK_INT(seq_len("\xf5\x80\x80\x80", 4), 0);
        CHECK_INT(seq_len("\x80", 1), 0);
        CHECK_INT(seq_len("\xff", 1), 0);
        CHECK_INT(seq_len("\xe2\x28\xac", 3), 0);
        CHECK_INT(seq_len("\xf0\x9f\x98\x28", 4), 0);
}

static void test_pct_decode(void)
{
        char *s;

        s = sl_pct_decode("a%2Fb%20c", 9, 0);
        CHECK_STR(s, "a/b c");
        free(s);
        /* malformed escapes: literal, or NULL when strict */
        s = sl_pct_decode("x%zz%4", 6, 0);
        CHECK_STR(s, "x%zz%4");
        free(s);
        CHECK(sl_pct_decode("x%zz", 4, SL_PCT_STRICT) == NULL);
        CHECK(sl_pct_decode("x%4", 3, SL_PCT_STRICT) == NULL);
        /* %00 fails unless kept literal */
        CHECK(sl_pct_decode("a%00b", 5, 0) == NULL);
        CHECK(sl_pct_decode("a%00b", 5, SL_PCT_STRICT) == NULL);
        s = sl_pct_decode("a%00b", 5, SL_PCT_NUL_LITERAL);
        CHECK_STR(s, "a%00b");
        free(s);
        /* only the first n bytes count */
        s = sl_pct_decode("ab%41", 3, 0);
        CHECK_STR(s, "ab%");
        free(s);
}

int main(void)
{
        RUN(test_hex_digit);
        RUN(test_hex4_read);
        RUN(test_utf16_join);
        RUN(test_utf8_put);
        RUN(test_utf8_seq_len);
        RUN(test_pct_decode);
        TEST_MAIN_END();
}
