/* Topology discovery: allowed CPUs from the scheduler, nodes from libnuma. */
#include "numa/topology.h"
#include "sluice/common.h"

#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Upper bound for the affinity mask we are willing to grow to; Linux
 * currently caps NR_CPUS at 8192, this leaves room without trusting an
 * endless EINVAL loop. */
#define SL_TOPO_MAX_CPUS (1 << 20)

typedef struct sl_topo_cpu {
        int cpu;
        int node;
} sl_topo_cpu_t;

struct sl_topology {
        sl_topo_cpu_t *cpus;
        size_t n;
        int nnodes;
};

static int sl_topo_cpu_cmp(const void *a, const void *b)
{
        const sl_topo_cpu_t *x = a, *y = b;
        if (x->node != y->node)
                return x->node < y->node ? -1 : 1;
        return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* Takes ownership of cpus. */
static sl_topology_t *sl_topology_build(sl_topo_cpu_t *cpus, size_t n,
                                        char *errstr, size_t errstr_size)
{
        sl_topology_t *t = calloc(1, sizeof(*t));
        if (!t) {
                free(cpus);
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        qsort(cpus, n, sizeof(*cpus), sl_topo_cpu_cmp);
        t->cpus = cpus;
        t->n = n;
        for (size_t i = 0; i < n; i++)
                if (i == 0 || cpus[i].node != cpus[i - 1].node)
                        t->nnodes++;
        return t;
}

sl_topology_t *sl_topology_new(const int *cpus, const int *nodes, size_t n,
                               char *errstr, size_t errstr_size)
{
        if (!cpus || !nodes || n == 0) {
                sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                          "a topology needs at least one CPU");
                return NULL;
        }
        sl_topo_cpu_t *v = calloc(n, sizeof(*v));
        if (!v) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                if (cpus[i] < 0 || nodes[i] < 0) {
                        sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                  "negative CPU or node id at index %zu", i);
                        free(v);
                        return NULL;
                }
                v[i].cpu = cpus[i];
                v[i].node = nodes[i];
        }
        /* A CPU on two nodes would not sort adjacently; check exhaustively
         * (n is the CPU count of one machine, so quadratic is fine). */
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (v[i].cpu == v[j].cpu) {
                                sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                          "CPU %d listed twice", v[i].cpu);
                                free(v);
                                return NULL;
                        }
        return sl_topology_build(v, n, errstr, errstr_size);
}

/* The allowed mask can be larger than glibc's fixed cpu_set_t on big
 * machines, so grow until the kernel accepts the size. */
static cpu_set_t *sl_topo_affinity(size_t *setsize, int *ncpus, char *errstr,
                                   size_t errstr_size)
{
        long conf = sysconf(_SC_NPROCESSORS_CONF);
        int cap = conf > 0 && conf < SL_TOPO_MAX_CPUS ? (int)conf : 1024;
        if (cap < 1024)
                cap = 1024;
        for (;;) {
                cpu_set_t *set = CPU_ALLOC(cap);
                if (!set) {
                        sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                  "out of memory");
                        return NULL;
                }
                size_t sz = CPU_ALLOC_SIZE(cap);
                CPU_ZERO_S(sz, set);
                if (sched_getaffinity(0, sz, set) == 0) {
                        *setsize = sz;
                        *ncpus = cap;
                        return set;
                }
                int err = errno;
                CPU_FREE(set);
                if (err != EINVAL || cap >= SL_TOPO_MAX_CPUS) {
                        sl_seterr(errstr, errstr_size, -err,
                                  "sched_getaffinity: %s", strerror(err));
                        return NULL;
                }
                cap *= 2;
        }
}

sl_topology_t *sl_topology_discover(char *errstr, size_t errstr_size)
{
        size_t sz;
        int cap;
        cpu_set_t *set = sl_topo_affinity(&sz, &cap, errstr, errstr_size);
        if (!set)
                return NULL;

        size_t n = (size_t)CPU_COUNT_S(sz, set);
        sl_topo_cpu_t *v = n ? calloc(n, sizeof(*v)) : NULL;
        if (!v) {
                CPU_FREE(set);
                if (n == 0)
                        sl_seterr(errstr, errstr_size, SL_ERR_STATE,
                                  "no CPUs in the affinity mask");
                else
                        sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                  "out of memory");
                return NULL;
        }

        /* libnuma's other calls are undefined when numa_available() fails;
         * a missing /sys makes libnuma report everything on node 0, which
         * is also what we assume without it. */
        bool numa = numa_available() >= 0;
        if (!numa)
                sl_debug("numa", "NUMA not available; all CPUs on node 0");
        size_t k = 0;
        for (int c = 0; c < cap && k < n; c++) {
                if (!CPU_ISSET_S(c, sz, set))
                        continue;
                int node = numa ? numa_node_of_cpu(c) : 0;
                v[k].cpu = c;
                v[k].node = node < 0 ? 0 : node;
                k++;
        }
        CPU_FREE(set);
        return sl_topology_build(v, k, errstr, errstr_size);
}

void sl_topology_destroy(sl_topology_t *t)
{
        if (!t)
                return;
        free(t->cpus);
        free(t);
}

size_t sl_topology_cpu_count(const sl_topology_t *t)
{
        return t ? t->n : 0;
}

int sl_topology_cpu(const sl_topology_t *t, size_t i)
{
        return t && i < t->n ? t->cpus[i].cpu : -1;
}

int sl_topology_node(const sl_topology_t *t, size_t i)
{
        return t && i < t->n ? t->cpus[i].node : -1;
}

int sl_topology_node_count(const sl_topology_t *t)
{
        return t ? t->nnodes : 0;
}

int sl_topology_shard_cpu(const sl_topology_t *t, size_t shard, int *cpu,
                          int *node)
{
        if (!t || t->n == 0)
                return SL_ERR_INVALID;
        const sl_topo_cpu_t *c = &t->cpus[shard % t->n];
        if (cpu)
                *cpu = c->cpu;
        if (node)
                *node = c->node;
        return 0;
}

char *sl_topology_describe(const sl_topology_t *t)
{
        sl_buf_t b = SL_BUF_INIT;
        if (!t)
                return NULL;
        int r = sl_buf_printf(&b, "%zu CPU%s on %d NUMA node%s:", t->n,
                              t->n == 1 ? "" : "s", t->nnodes,
                              t->nnodes == 1 ? "" : "s");
        for (size_t i = 0; r == 0 && i < t->n; i++) {
                bool first = i == 0 || t->cpus[i].node != t->cpus[i - 1].node;
                if (first)
                        r = sl_buf_printf(&b, "%s node%d=[%d", i ? "]" : "",
                                          t->cpus[i].node, t->cpus[i].cpu);
                else
                        r = sl_buf_printf(&b, ",%d", t->cpus[i].cpu);
        }
        if (r == 0)
                r = sl_buf_putc(&b, ']');
        if (r != 0) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}
