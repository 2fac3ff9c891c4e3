/* Thread pinning and node-local memory. */
#include "numa/placement.h"

#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

/* Same sanity bound as topology.c: keeps CPU_ALLOC from overflowing on
 * absurd ids; the kernel rejects anything past nr_cpu_ids anyway. */
#define SL_PIN_MAX_CPUS (1 << 20)

int sl_thread_pin(int cpu)
{
        if (cpu < 0 || cpu >= SL_PIN_MAX_CPUS)
                return -EINVAL;
        cpu_set_t *set = CPU_ALLOC(cpu + 1);
        if (!set)
                return -ENOMEM;
        size_t sz = CPU_ALLOC_SIZE(cpu + 1);
        CPU_ZERO_S(sz, set);
        CPU_SET_S(cpu, sz, set);
        int r = pthread_setaffinity_np(pthread_self(), sz, set);
        CPU_FREE(set);
        return -r;
}

int sl_thread_prefer_node(int node)
{
        if (numa_available() < 0)
                return 0;
        if (node < 0 || node > numa_max_possible_node())
                return -EINVAL;
        /* set_mempolicy rather than numa_set_preferred: the latter returns
         * nothing and only prints failures to stderr. */
        struct bitmask *mask = numa_allocate_nodemask();
        if (!mask)
                return -ENOMEM;
        numa_bitmask_setbit(mask, (unsigned)node);
        long r = set_mempolicy(MPOL_PREFERRED, mask->maskp, mask->size + 1);
        int err = errno;
        numa_bitmask_free(mask);
        return r < 0 ? -err : 0;
}

void *sl_numa_alloc(size_t size, int node)
{
        if (size == 0) {
                errno = EINVAL;
                return NULL;
        }
        if (node >= 0 && numa_available() >= 0) {
                /* Checked here because libnuma would print a warning for an
                 * unknown node and still hand back unbound memory. */
                if (node > numa_max_node()) {
                        errno = EINVAL;
                        return NULL;
                }
                return numa_alloc_onnode(size, node);
        }
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
}

void sl_numa_free(void *p, size_t size)
{
        /* numa_alloc_onnode memory is a plain mapping too (numa_free is
         * munmap), so one release path serves both allocators. */
        if (p)
                munmap(p, size);
}
