/*
 * Per-shard jemalloc arenas: each shard thread allocates from its own
 * arena so shards never contend on allocator locks and, with the thread's
 * NUMA preference set first, the arena's pages come from the shard's node.
 */
#ifndef SL_SHARD_ARENA_H
#define SL_SHARD_ARENA_H

#include <limits.h>

/* sl_arena_current() when the allocator is not jemalloc. */
#define SL_ARENA_NONE UINT_MAX

/* Create a new arena and make it the calling thread's. Memory allocated
 * before stays valid and may be freed from any thread. 0, -errno from
 * mallctl, or SL_ERR_STATE when malloc is not jemalloc (callers log and
 * carry on with the default arenas). */
int sl_arena_bind_new(unsigned *arena_out);

/* The calling thread's arena index, or SL_ARENA_NONE. */
unsigned sl_arena_current(void);

#endif
