/* JSON helpers for unit tests that link sluice's JSON code. */
#ifndef SL_TEST_JSON_H
#define SL_TEST_JSON_H

#include <stdio.h>
#include <string.h>

#include "sluice/common.h"

/* Parses test JSON text (NULL and a message when it is malformed). */
static sl_json_t *js(const char *text)
{
        char perr[256];
        sl_json_t *j = sl_json_parse(text, strlen(text), perr, sizeof(perr));
        if (!j)
                fprintf(stderr, "bad test JSON %s: %s\n", text, perr);
        return j;
}

#endif
