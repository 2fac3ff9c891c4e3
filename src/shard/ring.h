/* Bounded lock-free single-producer single-consumer ring of pointers.
 * Batches move between a shard and another thread over these; a full ring
 * is back-pressure, so push never overwrites and never blocks. */
#ifndef SL_SHARD_RING_H
#define SL_SHARD_RING_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sl_ring sl_ring_t;

/* capacity is rounded up to a power of two (at least 2). NULL with errno
 * set (ENOMEM, or EINVAL when the capacity cannot be represented). */
sl_ring_t *sl_ring_new(size_t capacity);
/* Neither side may be using the ring; items still queued are not freed. */
void sl_ring_destroy(sl_ring_t *r);

/* Producer thread only. false when full. item must not be NULL: NULL is
 * what pop returns for "empty". */
bool sl_ring_push(sl_ring_t *r, void *item);
/* Consumer thread only. NULL when empty. */
void *sl_ring_pop(sl_ring_t *r);

/* Batch variants: move as many as fit / as are queued, in order, with one
 * index publication; return the count moved (0 when full / empty). */
size_t sl_ring_push_n(sl_ring_t *r, void *const *items, size_t n);
size_t sl_ring_pop_n(sl_ring_t *r, void **items, size_t max);

/* Exact from the producer or consumer between its own operations;
 * approximate (but within [0, capacity]) from any other thread. */
size_t sl_ring_count(const sl_ring_t *r);
size_t sl_ring_capacity(const sl_ring_t *r);

#endif
