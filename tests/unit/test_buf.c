/* sl_buf_t, base64, error strings and log levels. */
#include "sluice/common.h"
#include "sl_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void test_buf_empty_init(void)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK(b.data == NULL);
        CHECK_INT(sl_buf_append(&b, "", 0), 0);
        CHECK(b.data != NULL);
        CHECK_STR(b.data, "");
        CHECK_INT(b.len, 0);
        sl_buf_free(&b);
        CHECK(b.data == NULL);
        CHECK_INT(b.cap, 0);
}

static void test_buf_append_nul_terminated(void)
{
        sl_buf_t b;
        sl_buf_init(&b);
        CHECK_INT(sl_buf_puts(&b, "abc"), 0);
        CHECK_INT(sl_buf_putc(&b, 'd'), 0);
        CHECK_INT(sl_buf_append(&b, "efgh", 2), 0);
        CHECK_STR(b.data, "abcdef");
        CHECK_INT(b.len, 6);
        CHECK(b.cap > b.len);
        sl_buf_free(&b);
}

static void test_buf_growth(void)
{
        sl_buf_t b = SL_BUF_INIT;
        size_t reallocs = 0, last_cap = 0;
        for (int i = 0; i < 100000; i++) {
                CHECK_INT(sl_buf_putc(&b, (char)('a' + i % 26)), 0);
                if (b.cap != last_cap) {
                        reallocs++;
                        last_cap = b.cap;
                }
        }
        CHECK_INT(b.len, 100000);
        CHECK(b.data[100000] == '\0');
        CHECK(b.data[99999] == (char)('a' + 99999 % 26));
        /* Geometric growth: a handful of reallocations, not thousands. */
        CHECK(reallocs < 20);
        sl_buf_free(&b);
}

static void test_buf_reserve(void)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_buf_reserve(&b, 1000), 0);
        CHECK(b.cap >= 1001);
        CHECK_INT(b.len, 0);
        CHECK_STR(b.data, "");
        char *before = b.data;
        CHECK_INT(sl_buf_append(&b, "x", 1), 0);
        CHECK(b.data == before);
        CHECK_INT(sl_buf_reserve(&b, SIZE_MAX), SL_ERR_NOMEM);
        CHECK_STR(b.data, "x");
        sl_buf_free(&b);
}

static void test_array_reserve(void)
{
        struct pair {
                int a, b;
        } *v = NULL;
        size_t cap = 0;

        CHECK_INT(sl_array_reserve(&v, &cap, 0, sizeof(*v), 4), 0);
        CHECK(v == NULL && cap == 0); /* nothing needed, nothing allocated */
        CHECK_INT(sl_array_reserve(&v, &cap, 1, sizeof(*v), 4), 0);
        CHECK(v != NULL && cap == 4);
        for (int i = 0; i < 4; i++)
                v[i] = (struct pair){i, -i};
        CHECK_INT(sl_array_reserve(&v, &cap, 4, sizeof(*v), 4), 0);
        CHECK(cap == 4);
        CHECK_INT(sl_array_reserve(&v, &cap, 9, sizeof(*v), 4), 0);
        CHECK(cap == 16); /* doubled until it fits */
        for (int i = 0; i < 4; i++)
                CHECK(v[i].a == i && v[i].b == -i); /* contents kept */
        /* a size that cannot be allocated leaves the array as it was */
        struct pair *before = v;
        CHECK_INT(sl_array_reserve(&v, &cap, SIZE_MAX / 2, sizeof(*v), 4), SL_ERR_NOMEM);
        CHECK(v == before && cap == 16);
        free(v);
}

static void test_buf_printf(void)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_buf_printf(&b, "%d-%s", 42, "x"), 0);
        CHECK_INT(sl_buf_printf(&b, "/%05.1f", 2.25), 0);
        CHECK_STR(b.data, "42-x/002.2");
        sl_buf_free(&b);
}

static void test_buf_printf_long(void)
{
        sl_buf_t b = SL_BUF_INIT;
        char big[3000];
        memset(big, 'z', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        CHECK_INT(sl_buf_puts(&b, "<"), 0);
        CHECK_INT(sl_buf_printf(&b, "%s>%d", big, 7), 0);
        CHECK_INT(b.len, 1 + 2999 + 2);
        CHECK(b.data[0] == '<' && b.data[1] == 'z' && b.data[2999] == 'z');
        CHECK_STR(b.data + 3000, ">7");
        sl_buf_free(&b);
}

static void test_buf_reset_keeps_memory(void)
{
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_puts(&b, "hello");
        size_t cap = b.cap;
        sl_buf_reset(&b);
        CHECK_INT(b.len, 0);
        CHECK_INT(b.cap, cap);
        CHECK_STR(b.data, "");
        sl_buf_puts(&b, "x");
        CHECK_STR(b.data, "x");
        sl_buf_free(&b);
}

static void test_buf_detach(void)
{
        sl_buf_t b = SL_BUF_INIT;
        size_t len = 99;
        sl_buf_puts(&b, "owned");
        char *s = sl_buf_detach(&b, &len);
        CHECK_STR(s, "owned");
        CHECK_INT(len, 5);
        CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
        free(s);

        s = sl_buf_detach(&b, &len);
        CHECK_STR(s, "");
        CHECK_INT(len, 0);
        free(s);
}

static void check_b64(const char *raw, const char *enc)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_base64_encode(raw, strlen(raw), &b), 0);
        CHECK_STR(b.data ? b.data : "", enc);
        sl_buf_free(&b);
        CHECK_INT(sl_base64_decode(enc, strlen(enc), &b), 0);
        CHECK_STR(b.data, raw);
        CHECK_INT(b.len, strlen(raw));
        sl_buf_free(&b);
}

static void test_base64_rfc4648_vectors(void)
{
        check_b64("", "");
        check_b64("f", "Zg==");
        check_b64("fo", "Zm8=");
        check_b64("foo", "Zm9v");
        check_b64("foob", "Zm9vYg==");
        check_b64("fooba", "Zm9vYmE=");
        check_b64("foobar", "Zm9vYmFy");
}

static void test_base64_binary_and_append(void)
{
        unsigned char raw[256];
        for (int i = 0; i < 256; i++)
                raw[i] = (unsigned char)i;
        sl_buf_t enc = SL_BUF_INIT, dec = SL_BUF_INIT;
        sl_buf_puts(&enc, "pre:");
        CHECK_INT(sl_base64_encode(raw, sizeof(raw), &enc), 0);
        CHECK_INT(enc.len, 4 + 344);
        CHECK(strncmp(enc.data, "pre:AAECAwQF", 12) == 0);
        CHECK_STR(enc.data + enc.len - 8, "/P3+/w==");
        CHECK_INT(sl_base64_decode(enc.data + 4, enc.len - 4, &dec), 0);
        CHECK_INT(dec.len, 256);
        CHECK(memcmp(dec.data, raw, 256) == 0);
        sl_buf_free(&enc);
        sl_buf_free(&dec);
}

static void test_base64_decode_rejects(void)
{
        static const char *bad[] = {"Zg=",  "Zg",   "Z===", "Zm9v!A==",
                                    "Zm 9", "=Zm9", "Zg==Zg==", "Zm=v",
                                    "Zm9\n"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                sl_buf_t b = SL_BUF_INIT;
                sl_buf_puts(&b, "keep");
                int r = sl_base64_decode(bad[i], strlen(bad[i]), &b);
                if (r != SL_ERR_PARSE)
                        fprintf(stderr, "accepted bad base64 \"%s\"\n", bad[i]);
                CHECK_INT(r, SL_ERR_PARSE);
                CHECK_STR(b.data, "keep");
                sl_buf_free(&b);
        }
}

static void test_err2str(void)
{
        for (int e = SL_ERR_CONVERT; e <= SL_ERR_INVALID; e++) {
                const char *s = sl_err2str(e);
                CHECK(s && *s && strcmp(s, "Unknown error") != 0);
        }
        CHECK_STR(sl_err2str(SL_ERR_NOMEM), "Out of memory");
        CHECK_STR(sl_err2str(-ENOENT), strerror(ENOENT));
        CHECK_STR(sl_err2str(0), "Success");
}

static void test_seterr(void)
{
        char e[16] = "untouched";
        CHECK_INT(sl_seterr(NULL, 0, SL_ERR_CONFIG, "x %d", 1), SL_ERR_CONFIG);
        CHECK_INT(sl_seterr(e, sizeof(e), SL_ERR_INVALID, "bad %s", "thing"),
                  SL_ERR_INVALID);
        CHECK_STR(e, "bad thing");
        sl_seterr(e, sizeof(e), SL_ERR_INVALID, "%s", "a very long message");
        CHECK_INT(strlen(e), 15);
}

/* Must run before anything logs: the variable is read on first use. */
static void test_log_env_initial_level(void)
{
        setenv("SLUICE_LOG_LEVEL", "wArN", 1);
        CHECK_INT(sl_log_get_level(), SL_LOG_WARN);
        unsetenv("SLUICE_LOG_LEVEL");
}

static void test_log_line_format(void)
{
        char path[] = "/tmp/sl_test_logXXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        int saved = dup(STDERR_FILENO);
        dup2(fd, STDERR_FILENO);
        sl_log_set_level(SL_LOG_INFO);
        sl_debug("t.logger", "hidden");
        sl_info("t.logger", "hello %d", 42);
        sl_log(SL_LOG_ERROR, "other", "%s", "bad");
        dup2(saved, STDERR_FILENO);
        close(saved);

        char text[512] = "";
        ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
        close(fd);
        unlink(path);
        CHECK(n > 0);
        text[n > 0 ? n : 0] = '\0';
        /* [YYYY-MM-DD HH:MM:SS,mmm] LEVEL logger: message */
        CHECK(n > 0 && text[0] == '[' && text[5] == '-' && text[8] == '-' &&
              text[11] == ' ' && text[14] == ':' && text[20] == ',' &&
              text[24] == ']');
        char *second = strchr(text, '\n');
        CHECK(second != NULL);
        if (!second)
                return;
        *second++ = '\0';
        CHECK_STR(text + 25, " INFO t.logger: hello 42");
        CHECK(strlen(second) > 25);
        CHECK_STR(second + 25, " ERROR sluice.other: bad\n");
        CHECK(strstr(second, "hidden") == NULL);
}

static void test_log_level(void)
{
        sl_log_set_level(SL_LOG_ERROR);
        CHECK_INT(sl_log_get_level(), SL_LOG_ERROR);
        sl_info("test", "suppressed %d", 1);
        sl_log_set_level(SL_LOG_DEBUG);
        CHECK_INT(sl_log_get_level(), SL_LOG_DEBUG);
        sl_log_set_level((sl_log_level_t)99);
        CHECK_INT(sl_log_get_level(), SL_LOG_DEBUG);
        sl_log_set_level(SL_LOG_INFO);
}

int main(void)
{
        RUN(test_log_env_initial_level);
        RUN(test_buf_empty_init);
        RUN(test_buf_append_nul_terminated);
        RUN(test_buf_growth);
        RUN(test_buf_reserve);
        RUN(test_array_reserve);
        RUN(test_buf_printf);
        RUN(test_buf_printf_long);
        RUN(test_buf_reset_keeps_memory);
        RUN(test_buf_detach);
        RUN(test_base64_rfc4648_vectors);
        RUN(test_base64_binary_and_append);
        RUN(test_base64_decode_rejects);
        RUN(test_err2str);
        RUN(test_seterr);
        RUN(test_log_level);
        RUN(test_log_line_format);
        TEST_MAIN_END();
}
