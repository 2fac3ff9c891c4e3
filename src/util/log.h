/* Host-side logging controls: line format and the connector context
 * (Kafka's MDC connector.context) of the calling thread. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include "sluice/common.h"

typedef enum sl_log_format {
        SL_LOG_FORMAT_TEXT = 0, /* [ts] LEVEL [conn|task-N] logger: message */
        SL_LOG_FORMAT_JSON,     /* one JSON object per line */
} sl_log_format_t;

/* "text" or "json" (case-insensitive); -1 for anything else. */
int sl_log_format_parse(const char *s);
/* Until set, SLUICE_LOG_FORMAT decides (text when unset or unknown). */
void sl_log_set_format(sl_log_format_t f);
sl_log_format_t sl_log_get_format(void);

/* What this thread is working for; connector NULL = no context. task < 0
 * is the connector itself; scope is an optional third part ("offsets"). */
typedef struct sl_log_ctx {
        const char *connector;
        int task;
        const char *scope;
} sl_log_ctx_t;

/* Sets this thread's context and returns the previous one, to hand back
 * to sl_log_ctx_restore when the work is done. The strings are borrowed:
 * they must outlive the context. */
sl_log_ctx_t sl_log_ctx_set(const char *connector, int task, const char *scope);
void sl_log_ctx_restore(sl_log_ctx_t prev);

#endif
