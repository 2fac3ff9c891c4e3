/* CPU/NUMA topology discovery, shard placement, pinning, node memory. */
#include "numa/placement.h"
#include "numa/topology.h"
#include "sluice/common.h"
#include "sl_test.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_discover_matches_affinity(void)
{
        char err[256] = "";
        sl_topology_t *t = sl_topology_discover(err, sizeof(err));
        CHECK(t != NULL);
        if (!t) {
                fprintf(stderr, "discover: %s\n", err);
                return;
        }
        cpu_set_t set;
        CPU_ZERO(&set);
        CHECK_INT(sched_getaffinity(0, sizeof(set), &set), 0);
        size_t n = sl_topology_cpu_count(t);
        CHECK(n >= 1);
        CHECK_INT(n, CPU_COUNT(&set));
        cpu_set_t seen;
        CPU_ZERO(&seen);
        for (size_t i = 0; i < n; i++) {
                int cpu = sl_topology_cpu(t, i);
                CHECK(cpu >= 0 && cpu < CPU_SETSIZE);
                if (cpu < 0 || cpu >= CPU_SETSIZE)
                        continue;
                CHECK(CPU_ISSET(cpu, &set));
                CHECK(!CPU_ISSET(cpu, &seen));
                CPU_SET(cpu, &seen);
                CHECK(sl_topology_node(t, i) >= 0);
                /* Node by node: node ids never decrease along the list. */
                if (i > 0)
                        CHECK(sl_topology_node(t, i) >=
                              sl_topology_node(t, i - 1));
        }
        CHECK(sl_topology_node_count(t) >= 1);
        CHECK(sl_topology_node_count(t) <= (int)n);
        CHECK_INT(sl_topology_cpu(t, n), -1);
        CHECK_INT(sl_topology_node(t, n), -1);
        sl_topology_destroy(t);
}

static void test_new_orders_node_by_node(void)
{
        int cpus[] = {3, 0, 2, 1, 5, 4};
        int nodes[] = {1, 0, 1, 0, 2, 2};
        sl_topology_t *t = sl_topology_new(cpus, nodes, 6, NULL, 0);
        CHECK(t != NULL);
        if (!t)
                return;
        int want_cpu[] = {0, 1, 2, 3, 4, 5};
        int want_node[] = {0, 0, 1, 1, 2, 2};
        for (size_t i = 0; i < 6; i++) {
                CHECK_INT(sl_topology_cpu(t, i), want_cpu[i]);
                CHECK_INT(sl_topology_node(t, i), want_node[i]);
        }
        CHECK_INT(sl_topology_node_count(t), 3);
        sl_topology_destroy(t);
}

static void test_new_rejects_bad_input(void)
{
        char err[128] = "";
        int cpus[] = {0, 1, 0};
        int nodes[] = {0, 1, 1};
        CHECK(sl_topology_new(cpus, nodes, 3, err, sizeof(err)) == NULL);
        CHECK(strstr(err, "CPU 0 listed twice") != NULL);
        int neg[] = {-1};
        CHECK(sl_topology_new(neg, nodes, 1, NULL, 0) == NULL);
        CHECK(sl_topology_new(cpus, nodes, 0, NULL, 0) == NULL);
}

static void test_shard_placement_wraps(void)
{
        int cpus[] = {8, 9, 2, 3};
        int nodes[] = {1, 1, 0, 0};
        sl_topology_t *t = sl_topology_new(cpus, nodes, 4, NULL, 0);
        CHECK(t != NULL);
        if (!t)
                return;
        int want_cpu[] = {2, 3, 8, 9};
        int want_node[] = {0, 0, 1, 1};
        for (size_t s = 0; s < 10; s++) {
                int cpu = -1, node = -1;
                CHECK_INT(sl_topology_shard_cpu(t, s, &cpu, &node), 0);
                CHECK_INT(cpu, want_cpu[s % 4]);
                CHECK_INT(node, want_node[s % 4]);
        }
        CHECK_INT(sl_topology_shard_cpu(t, 5, NULL, NULL), 0);
        CHECK_INT(sl_topology_shard_cpu(NULL, 0, NULL, NULL), SL_ERR_INVALID);
        sl_topology_destroy(t);
}

static void test_describe(void)
{
        int cpus[] = {0, 1};
        int nodes[] = {0, 0};
        sl_topology_t *t = sl_topology_new(cpus, nodes, 2, NULL, 0);
        char *s = sl_topology_describe(t);
        CHECK_STR(s, "2 CPUs on 1 NUMA node: node0=[0,1]");
        free(s);
        sl_topology_destroy(t);

        int cpus2[] = {4, 0, 5, 1};
        int nodes2[] = {1, 0, 1, 0};
        t = sl_topology_new(cpus2, nodes2, 4, NULL, 0);
        s = sl_topology_describe(t);
        CHECK_STR(s, "4 CPUs on 2 NUMA nodes: node0=[0,1] node1=[4,5]");
        free(s);
        sl_topology_destroy(t);

        int one = 7, node = 3;
        t = sl_topology_new(&one, &node, 1, NULL, 0);
        s = sl_topology_describe(t);
        CHECK_STR(s, "1 CPU on 1 NUMA node: node3=[7]");
        free(s);
        sl_topology_destroy(t);

        t = sl_topology_discover(NULL, 0);
        s = sl_topology_describe(t);
        CHECK(s != NULL && strstr(s, "NUMA node") != NULL);
        printf("     this machine: %s\n", s ? s : "(null)");
        free(s);
        sl_topology_destroy(t);
}

static void test_pin_each_cpu(void)
{
        cpu_set_t orig;
        CHECK_INT(sched_getaffinity(0, sizeof(orig), &orig), 0);
        sl_topology_t *t = sl_topology_discover(NULL, 0);
        CHECK(t != NULL);
        for (size_t i = 0; t && i < sl_topology_cpu_count(t); i++) {
                int cpu = sl_topology_cpu(t, i);
                CHECK_INT(sl_thread_pin(cpu), 0);
                CHECK_INT(sched_getcpu(), cpu);
                cpu_set_t now;
                CHECK_INT(sched_getaffinity(0, sizeof(now), &now), 0);
                CHECK_INT(CPU_COUNT(&now), 1);
                CHECK(CPU_ISSET(cpu, &now));
        }
        sl_topology_destroy(t);
        CHECK_INT(sched_setaffinity(0, sizeof(orig), &orig), 0);
}

static void test_pin_invalid_cpu(void)
{
        cpu_set_t orig;
        CHECK_INT(sched_getaffinity(0, sizeof(orig), &orig), 0);
        /* Past every configured CPU, so the kernel cannot accept it whatever
         * cpuset we run in. */
        long conf = sysconf(_SC_NPROCESSORS_CONF);
        int beyond = (int)(conf > 0 ? conf : 1) + 64;
        CHECK_INT(sl_thread_pin(beyond), -EINVAL);
        CHECK_INT(sl_thread_pin(-1), -EINVAL);
        CHECK_INT(sl_thread_pin(INT_MAX), -EINVAL);
        /* A failed pin leaves the old affinity in place. */
        cpu_set_t now;
        CHECK_INT(sched_getaffinity(0, sizeof(now), &now), 0);
        CHECK(CPU_EQUAL(&now, &orig));
}

static void test_prefer_node(void)
{
        sl_topology_t *t = sl_topology_discover(NULL, 0);
        CHECK(t != NULL);
        int node = sl_topology_node(t, 0);
        CHECK_INT(sl_thread_prefer_node(node), 0);
        sl_topology_destroy(t);
}

static void test_numa_alloc_round_trip(void)
{
        long page = sysconf(_SC_PAGESIZE);
        size_t sizes[] = {1, 4096, 3 * 1024 * 1024 + 17};
        int nodes[] = {-1, 0};
        for (size_t n = 0; n < 2; n++) {
                for (size_t i = 0; i < 3; i++) {
                        size_t sz = sizes[i];
                        unsigned char *p = sl_numa_alloc(sz, nodes[n]);
                        CHECK(p != NULL);
                        if (!p)
                                continue;
                        CHECK((uintptr_t)p % (uintptr_t)page == 0);
                        CHECK(p[0] == 0 && p[sz - 1] == 0);
                        memset(p, 0xab, sz);
                        CHECK(p[0] == 0xab && p[sz / 2] == 0xab &&
                              p[sz - 1] == 0xab);
                        sl_numa_free(p, sz);
                }
        }
        CHECK(sl_numa_alloc(0, 0) == NULL);
        sl_numa_free(NULL, 0);
}

int main(void)
{
        RUN(test_discover_matches_affinity);
        RUN(test_new_orders_node_by_node);
        RUN(test_new_rejects_bad_input);
        RUN(test_shard_placement_wraps);
        RUN(test_describe);
        RUN(test_pin_each_cpu);
        RUN(test_pin_invalid_cpu);
        RUN(test_prefer_node);
        RUN(test_numa_alloc_round_trip);
        TEST_MAIN_END();
}
