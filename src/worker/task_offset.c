/* Helpers for plugins on top of the task API: offsets, interruptible
 * waits. */
#include <time.h>

#include "sluice/plugin.h"

int64_t sl_task_offset_long(sl_task_ctx_t *ctx, const sl_json_t *source_partition,
                            const char *key, int64_t def) {
        sl_json_t *off = sl_task_offset(ctx, source_partition);
        const sl_json_t *v = sl_json_object_get(off, key);
        int64_t r = def;

        if (v && v->type == SL_JSON_INT)
                r = v->u.i;
        else if (v && v->type == SL_JSON_DOUBLE)
                r = (int64_t)v->u.d;
        sl_json_free(off);
        return r;
}

bool sl_task_sleep(sl_task_ctx_t *ctx, int64_t ms) {
        int64_t end = sl_now_ms() + ms;

        while (!sl_task_stopping(ctx)) {
                int64_t left = end - sl_now_ms();
                struct timespec ts;
                if (left <= 0)
                        return false;
                if (left > 50)
                        left = 50; /* a stop request is noticed within 50 ms */
                ts.tv_sec = 0;
                ts.tv_nsec = left * 1000000L;
                nanosleep(&ts, NULL);
        }
        return true;
}
