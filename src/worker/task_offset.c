/* Offset helpers for plugins, on top of sl_task_offset. */
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
