/*
 * Placing the calling thread and its memory: pin a shard thread to its CPU,
 * make its new pages come from the CPU's node, and allocate node-local
 * page-aligned blocks for IO buffer pools.
 */
#ifndef SL_NUMA_PLACEMENT_H
#define SL_NUMA_PLACEMENT_H

#include <stddef.h>

/* Pin the calling thread to one CPU. 0, or -errno (-EINVAL for a CPU the
 * kernel will not run us on: negative, nonexistent or outside our cpuset). */
int sl_thread_pin(int cpu);

/* Prefer `node` for the calling thread's future page allocations. It is a
 * preference, not a binding: when the node is full the kernel falls back
 * to other nodes rather than failing. 0 (also when NUMA is unavailable,
 * where it does nothing), or -errno. */
int sl_thread_prefer_node(int node);

/* size bytes of zeroed, page-aligned memory placed on `node` (any node when
 * node < 0 or NUMA is unavailable). NULL with errno set on failure. Release
 * with sl_numa_free and the same size. */
void *sl_numa_alloc(size_t size, int node);
void sl_numa_free(void *p, size_t size);

#endif
