/* Shards: one pinned thread per core, each running many tasks
 * cooperatively. A job's step() does a bounded amount of non-blocking
 * work; blocking work (client setup, draining, closing) stays on the
 * control plane. */
#ifndef SL_SHARD_H
#define SL_SHARD_H

#include "sluice/common.h"

typedef struct sl_shards sl_shards_t;
typedef struct sl_shard sl_shard_t;

/* step returns > 0 when it made progress; a shard whose jobs all return 0
 * sleeps a little (up to ~10 ms) before stepping them again. */
typedef int (*sl_shard_step_fn)(void *arg);

/* count shards, placed on the CPUs this process may use (node by node);
 * count <= 0 means one per CPU. use_uring false: IO by system calls. */
sl_shards_t *sl_shards_start(int count, bool use_uring, char *errstr, size_t errstr_size);
void sl_shards_stop(sl_shards_t *s);
int sl_shards_count(const sl_shards_t *s);

/* Run step(arg) on the shard with the fewest jobs. */
sl_shard_t *sl_shards_attach(sl_shards_t *s, sl_shard_step_fn step, void *arg);
/* Stop running arg's job; returns once the shard will not call it again. */
void sl_shard_detach(sl_shard_t *shard, void *arg);
int sl_shard_id(const sl_shard_t *shard);
/* The shard the calling thread is, or NULL off the shards. */
sl_shard_t *sl_shard_current(void);
/* The calling shard's buffer pool and io_uring, created on first use so a
 * worker without IO-heavy tasks pins no buffer memory. *uring is NULL when
 * io_uring could not be set up (seccomp, RLIMIT_MEMLOCK...): the buffers
 * still work, with plain system calls. 0 or a negative error. Shard
 * thread only. */
struct sl_uring;
struct sl_iobuf_pool;
int sl_shard_io(sl_shard_t *shard, struct sl_uring **uring, struct sl_iobuf_pool **pool);
/* Wake an idle shard early (e.g. data arrived for one of its jobs). */
void sl_shard_wake(sl_shard_t *shard);

#endif
