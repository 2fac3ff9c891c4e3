/* The offset committer: a control-plane thread that takes delivered
 * source offsets from the shards over one lock-free SPSC ring per shard
 * and writes the offset store, so file writes and fsyncs never stall a
 * shard. */
#ifndef SL_COMMITTER_H
#define SL_COMMITTER_H

#include "worker/offset_store.h"

typedef struct sl_committer sl_committer_t;

sl_committer_t *sl_committer_start(sl_offset_store_t *store, int nshards,
                                   int64_t flush_interval_ms, char *errstr,
                                   size_t errstr_size);
/* Applies what is queued, flushes, and stops the thread. */
void sl_committer_stop(sl_committer_t *c);

/* Shard `shard` only: queue connector's offset for partition (copied).
 * false when the shard's ring is full: keep it and retry later. */
bool sl_committer_submit(sl_committer_t *c, int shard, const char *connector,
                         const sl_json_t *partition, const sl_json_t *offset);
/* Control plane: apply everything queued so far, so that offsets put
 * directly afterwards are the newest. */
void sl_committer_sync(sl_committer_t *c);

/* Metrics (any thread): the number of per-shard rings, and ring i's
 * occupancy (approximate) and capacity. */
int sl_committer_rings(const sl_committer_t *c);
void sl_committer_ring_usage(const sl_committer_t *c, int i, size_t *count, size_t *capacity);

#endif
