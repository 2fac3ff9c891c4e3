/*
 * CPU/NUMA topology of the CPUs this process may run on, and the placement
 * of shards on them. Shards are pinned one per CPU; CPUs are ordered node
 * by node so that consecutive shards fill one node before the next, which
 * keeps small deployments on a single node's memory.
 */
#ifndef SL_NUMA_TOPOLOGY_H
#define SL_NUMA_TOPOLOGY_H

#include <stddef.h>

typedef struct sl_topology sl_topology_t;

/* The process's allowed CPUs (sched_getaffinity), each with its NUMA node.
 * Without NUMA support (no libnuma kernel support, no /sys) every CPU is
 * on node 0. NULL with a message in errstr on failure. */
sl_topology_t *sl_topology_discover(char *errstr, size_t errstr_size);

/* A topology from explicit (cpu, node) pairs, ordered like discover's;
 * for tests and for callers that restrict the CPU set themselves. CPUs
 * must be distinct and ids non-negative. */
sl_topology_t *sl_topology_new(const int *cpus, const int *nodes, size_t n,
                               char *errstr, size_t errstr_size);

void sl_topology_destroy(sl_topology_t *t);

size_t sl_topology_cpu_count(const sl_topology_t *t);
/* CPU id / node id at index i (node order), -1 when i is out of range. */
int sl_topology_cpu(const sl_topology_t *t, size_t i);
int sl_topology_node(const sl_topology_t *t, size_t i);
/* Number of distinct nodes among the allowed CPUs. */
int sl_topology_node_count(const sl_topology_t *t);

/* Placement of shard number `shard`: CPU index shard % cpu_count, so with
 * more shards than CPUs the extra shards share cores (round robin) rather
 * than failing. Either out pointer may be NULL. 0 or SL_ERR_INVALID. */
int sl_topology_shard_cpu(const sl_topology_t *t, size_t shard, int *cpu,
                          int *node);

/* One log line, e.g. "2 CPUs on 1 NUMA node: node0=[0,1]". Malloc'd;
 * NULL when out of memory. */
char *sl_topology_describe(const sl_topology_t *t);

#endif
