/* java.util.Properties parsing: separators, comments, continuation lines,
 * escapes and errors. */
#include "config/props.h"
#include "sl_test.h"

#include <stdlib.h>
#include <unistd.h>

static char err[512];

/* Parse text; the map is returned (NULL on error, err holds the message). */
static sl_strmap_t *parse(const char *text)
{
        sl_strmap_t *m = sl_strmap_new();
        err[0] = '\0';
        if (sl_props_parse(text, strlen(text), m, err, sizeof(err)) != 0) {
                sl_strmap_destroy(m);
                return NULL;
        }
        return m;
}

static void test_separators(void)
{
        sl_strmap_t *m = parse("a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf  =  = 6\n"
                               "g=\nh\n  i=9");
        CHECK(m != NULL);
        CHECK_STR(sl_strmap_get(m, "a"), "1");
        CHECK_STR(sl_strmap_get(m, "b"), "2");
        CHECK_STR(sl_strmap_get(m, "c"), "3");
        CHECK_STR(sl_strmap_get(m, "d"), "4");
        CHECK_STR(sl_strmap_get(m, "e"), "5");
        /* only one '=' is a separator; the second belongs to the value */
        CHECK_STR(sl_strmap_get(m, "f"), "= 6");
        CHECK_STR(sl_strmap_get(m, "g"), "");
        CHECK_STR(sl_strmap_get(m, "h"), "");
        CHECK_STR(sl_strmap_get(m, "i"), "9");
        CHECK_INT(sl_strmap_count(m), 9);
        sl_strmap_destroy(m);
}

static void test_value_keeps_separators_and_trailing_space(void)
{
        sl_strmap_t *m = parse("url=http://h:80/x=y \nk v w");
        CHECK_STR(sl_strmap_get(m, "url"), "http://h:80/x=y ");
        CHECK_STR(sl_strmap_get(m, "k"), "v w");
        sl_strmap_destroy(m);
}

static void test_comments_and_blank_lines(void)
{
        sl_strmap_t *m = parse("# comment\n! also\n   # indented\n\n  \t\n"
                               "a=1 # not a comment\n#x=2\n");
        CHECK_INT(sl_strmap_count(m), 1);
        CHECK_STR(sl_strmap_get(m, "a"), "1 # not a comment");
        sl_strmap_destroy(m);
}

static void test_comment_not_continued(void)
{
        sl_strmap_t *m = parse("# comment \\\nb=2\n");
        CHECK_INT(sl_strmap_count(m), 1);
        CHECK_STR(sl_strmap_get(m, "b"), "2");
        sl_strmap_destroy(m);
}

static void test_later_keys_win(void)
{
        sl_strmap_t *m = parse("a=1\na=2\n");
        CHECK_INT(sl_strmap_count(m), 1);
        CHECK_STR(sl_strmap_get(m, "a"), "2");
        sl_strmap_destroy(m);
}

static void test_continuation(void)
{
        sl_strmap_t *m = parse("list=a,\\\n    b,\\\n\t c\n"
                               "next=1\n");
        CHECK_STR(sl_strmap_get(m, "list"), "a,b,c");
        CHECK_STR(sl_strmap_get(m, "next"), "1");
        sl_strmap_destroy(m);
}

static void test_continuation_even_backslashes(void)
{
        /* two backslashes are an escaped backslash: no continuation */
        sl_strmap_t *m = parse("path=c:\\\\\nb=2\n");
        CHECK_STR(sl_strmap_get(m, "path"), "c:\\");
        CHECK_STR(sl_strmap_get(m, "b"), "2");
        sl_strmap_destroy(m);
        /* three: escaped backslash, then continuation */
        m = parse("p=x\\\\\\\n  y\n");
        CHECK_STR(sl_strmap_get(m, "p"), "x\\y");
        sl_strmap_destroy(m);
}

static void test_continuation_of_key_and_hash(void)
{
        /* a continued line starting with '#' is not a comment */
        sl_strmap_t *m = parse("ke\\\n  y=v\\\n  #w\n");
        CHECK_STR(sl_strmap_get(m, "key"), "v#w");
        sl_strmap_destroy(m);
}

static void test_continuation_then_blank_and_eof(void)
{
        sl_strmap_t *m = parse("a=1\\\n\nb=2\\");
        CHECK_STR(sl_strmap_get(m, "a"), "1");
        CHECK_STR(sl_strmap_get(m, "b"), "2");
        CHECK_INT(sl_strmap_count(m), 2);
        sl_strmap_destroy(m);
}

static void test_crlf(void)
{
        sl_strmap_t *m = parse("a=1\r\nb=x\\\r\n   y\r\n\r\nc=3\rd=4");
        CHECK_STR(sl_strmap_get(m, "a"), "1");
        CHECK_STR(sl_strmap_get(m, "b"), "xy");
        CHECK_STR(sl_strmap_get(m, "c"), "3");
        CHECK_STR(sl_strmap_get(m, "d"), "4");
        CHECK_INT(sl_strmap_count(m), 4);
        sl_strmap_destroy(m);
}

static void test_escapes(void)
{
        sl_strmap_t *m = parse("t=a\\tb\\nc\\rd\\fe\nx=\\q\\\\\\=\\:\\#\n"
                               "key\\ with\\=sep\\:s = v\n");
        CHECK_STR(sl_strmap_get(m, "t"), "a\tb\nc\rd\fe");
        CHECK_STR(sl_strmap_get(m, "x"), "q\\=:#");
        CHECK_STR(sl_strmap_get(m, "key with=sep:s"), "v");
        sl_strmap_destroy(m);
}

static void test_escaped_leading_space(void)
{
        sl_strmap_t *m = parse("a=\\  two spaces\n");
        CHECK_STR(sl_strmap_get(m, "a"), "  two spaces");
        sl_strmap_destroy(m);
}

static void test_unicode_escapes(void)
{
        sl_strmap_t *m = parse("a=\\u0041\\u00e9\\u20AC\nb=\\uD83D\\uDE00\n"
                               "c=\\uD800x\n\\u006b=k\n");
        CHECK_STR(sl_strmap_get(m, "a"), "A\xc3\xa9\xe2\x82\xac");
        CHECK_STR(sl_strmap_get(m, "b"), "\xf0\x9f\x98\x80");
        CHECK_STR(sl_strmap_get(m, "c"), "\xef\xbf\xbdx"); /* lone surrogate */
        CHECK_STR(sl_strmap_get(m, "k"), "k");
        sl_strmap_destroy(m);
}

static void test_malformed_unicode(void)
{
        CHECK(parse("a=1\n\nb=\\u12G4\n") == NULL);
        CHECK_STR(err, "line 3: malformed \\uXXXX encoding");
        CHECK(parse("a=\\u12") == NULL);
        CHECK_STR(err, "line 1: malformed \\uXXXX encoding");
        /* a continued line reports the line it starts on */
        CHECK(parse("x=1\nk\\\n  \\uZZZZ=v\n") == NULL);
        CHECK_STR(err, "line 2: malformed \\uXXXX encoding");
}

static void test_empty_input(void)
{
        sl_strmap_t *m = parse("");
        CHECK(m != NULL);
        CHECK_INT(sl_strmap_count(m), 0);
        sl_strmap_destroy(m);
}

static void test_load_file(void)
{
        char path[] = "/tmp/sl_test_props_XXXXXX";
        int fd = mkstemp(path);
        const char *text = "# worker\nbootstrap.servers=localhost:9092\n"
                           "plugin.path=/a,\\\n  /b\n";
        sl_strmap_t *m = sl_strmap_new();

        CHECK(fd >= 0);
        CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        CHECK_INT(sl_props_load(path, m, err, sizeof(err)), 0);
        CHECK_STR(sl_strmap_get(m, "bootstrap.servers"), "localhost:9092");
        CHECK_STR(sl_strmap_get(m, "plugin.path"), "/a,/b");
        unlink(path);
        sl_strmap_destroy(m);
}

static void test_load_errors(void)
{
        char path[] = "/tmp/sl_test_props_XXXXXX";
        int fd = mkstemp(path);
        sl_strmap_t *m = sl_strmap_new();
        char want[600];

        CHECK(sl_props_load("/nonexistent/x.properties", m, err,
                            sizeof(err)) < 0);
        CHECK_STR(err, "/nonexistent/x.properties: No such file or directory");

        CHECK(write(fd, "a=\\u00", 6) == 6);
        close(fd);
        CHECK_INT(sl_props_load(path, m, err, sizeof(err)), SL_ERR_PARSE);
        snprintf(want, sizeof(want), "%s: line 1: malformed \\uXXXX encoding",
                 path);
        CHECK_STR(err, want);
        unlink(path);
        sl_strmap_destroy(m);
}

int main(void)
{
        RUN(test_separators);
        RUN(test_value_keeps_separators_and_trailing_space);
        RUN(test_comments_and_blank_lines);
        RUN(test_comment_not_continued);
        RUN(test_later_keys_win);
        RUN(test_continuation);
        RUN(test_continuation_even_backslashes);
        RUN(test_continuation_of_key_and_hash);
        RUN(test_continuation_then_blank_and_eof);
        RUN(test_crlf);
        RUN(test_escapes);
        RUN(test_escaped_leading_space);
        RUN(test_unicode_escapes);
        RUN(test_malformed_unicode);
        RUN(test_empty_input);
        RUN(test_load_file);
        RUN(test_load_errors);
        TEST_MAIN_END();
}
