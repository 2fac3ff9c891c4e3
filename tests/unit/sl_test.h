/* Minimal unit-test helpers: one executable per file, one function per
 * behaviour. A failed CHECK prints file:line and marks the test failed. */
#ifndef SL_TEST_H
#define SL_TEST_H

#include <stdio.h>
#include <string.h>

static int sl_test_failures;
static int sl_test_count;

#define CHECK(cond)                                                            \
        do {                                                                   \
                if (!(cond)) {                                                 \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
                                __LINE__, #cond);                              \
                        sl_test_failures++;                                    \
                }                                                              \
        } while (0)

#define CHECK_STR(a, b)                                                        \
        do {                                                                   \
                const char *_a = (a), *_b = (b);                               \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                       \
                        fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, \
                                __LINE__, _a ? _a : "(null)",                  \
                                _b ? _b : "(null)");                           \
                        sl_test_failures++;                                    \
                }                                                              \
        } while (0)

#define CHECK_CONTAINS(hay, needle)                                            \
        do {                                                                   \
                const char *_h = (hay), *_n = (needle);                        \
                if (!_h || !strstr(_h, _n)) {                                  \
                        fprintf(stderr, "%s:%d: \"%s\" does not contain "      \
                                "\"%s\"\n", __FILE__, __LINE__,                \
                                _h ? _h : "(null)", _n);                       \
                        sl_test_failures++;                                    \
                }                                                              \
        } while (0)

#define CHECK_INT(a, b)                                                        \
        do {                                                                   \
                long long _a = (long long)(a), _b = (long long)(b);            \
                if (_a != _b) {                                                \
                        fprintf(stderr, "%s:%d: %s = %lld, expected %lld\n",   \
                                __FILE__, __LINE__, #a, _a, _b);               \
                        sl_test_failures++;                                    \
                }                                                              \
        } while (0)

#define RUN(fn)                                                                \
        do {                                                                   \
                int _before = sl_test_failures;                                \
                sl_test_count++;                                               \
                fn();                                                          \
                printf("%s %s\n", sl_test_failures == _before ? "ok  " : "FAIL", \
                       #fn);                                                   \
        } while (0)

#define TEST_MAIN_END()                                                        \
        do {                                                                   \
                printf("%d tests, %d failed checks\n", sl_test_count,          \
                       sl_test_failures);                                      \
                return sl_test_failures ? 1 : 0;                               \
        } while (0)

#endif
