/* Shared by the libFuzzer targets: an invariant that does not hold is a
 * bug, reported like a crash so libFuzzer saves the input. */
#ifndef SL_FUZZ_H
#define SL_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                  \
        do {                                                                   \
                if (!(cond)) {                                                 \
                        fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s: ",      \
                                __FILE__, __LINE__, #cond);                    \
                        fprintf(stderr, __VA_ARGS__);                          \
                        fputc('\n', stderr);                                   \
                        abort();                                               \
                }                                                              \
        } while (0)

#endif
