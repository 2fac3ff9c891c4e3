/* Records of either direction as transform records (sl_xrecord_t), and
 * back: what source batches and sink puts share to run the chain. */
#ifndef SL_TASK_XFORM_H
#define SL_TASK_XFORM_H

#include "transform/chain.h"

/* A record's fields as the host holds them (timestamp < 0 or 0: none). */
typedef struct sl_recview {
        const char *topic;
        int32_t partition;
        const sl_data_t *key, *value;
        int64_t timestamp;
        const sl_header_t *headers;
        size_t header_cnt;
} sl_recview_t;

/* Whether any step of c acts on the record, judged on a read-only view
 * (no copy): records no step touches keep the zero-copy path. */
bool sl_task_chain_touches(const sl_xchain_t *c, const sl_recview_t *r);
/* A deep copy of r the chain may change (header values become BYTES). */
int sl_task_xrecord_fill(sl_xrecord_t *x, const sl_recview_t *r);

/* Header views of a transformed record: BYTES and STRING values point into
 * it, others are written out as text (SimpleHeaderConverter). */
typedef struct sl_xheaders {
        sl_header_t *hs;
        sl_buf_t *bufs;
        size_t n;
} sl_xheaders_t;

int sl_xheaders_view(sl_xheaders_t *v, const sl_xrecord_t *x);
void sl_xheaders_free(sl_xheaders_t *v);

#endif
