/* sl_reply_t helpers shared by the herder and the REST layer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "herder/herder.h"
#include "util/redact.h"

void sl_reply_clear(sl_reply_t *r)
{
        if (!r)
                return;
        if (r->body)
                sl_json_free(r->body);
        free(r->message);
        free(r->location);
        r->status = 0;
        r->body = NULL;
        r->message = NULL;
        r->location = NULL;
}

int sl_reply_error(sl_reply_t *r, int status, const char *fmt, ...)
{
        va_list ap;
        char *msg = NULL;
        int n;

        /* An error replaces any success body prepared before the failure
         * was found, so REST never renders a half-built result. */
        if (r->body)
                sl_json_free(r->body);
        r->body = NULL;
        free(r->location);
        r->location = NULL;
        free(r->message);
        r->message = NULL;
        r->status = status;

        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        /* Out of memory: leave message NULL; REST falls back to the
         * status reason phrase. */
        if (n >= 0)
                r->message = msg;
        /* REST errors echo config values (a bad value, a URL): a resolved
         * secret in them shows as its placeholder */
        if (r->message && sl_redact_active()) {
                r->message = sl_redact_dup(msg);
                free(msg);
        }
        return status;
}
