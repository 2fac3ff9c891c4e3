/* IO buffer pool: exhaustion, owner and cross-thread release, reference
 * counting, and the iovecs handed to io_uring. */
#include "io/iobuf.h"
#include "sl_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define PAGE ((uintptr_t)sysconf(_SC_PAGESIZE))

static sl_iobuf_pool_t *new_pool(size_t n, size_t size)
{
        char err[256] = "";
        sl_iobuf_pool_t *p = sl_iobuf_pool_new(n, size, err, sizeof(err));
        if (!p)
                fprintf(stderr, "pool: %s\n", err);
        return p;
}

static void test_iobuf_invalid_sizes(void)
{
        char err[256] = "";
        CHECK(sl_iobuf_pool_new(0, 4096, err, sizeof(err)) == NULL);
        CHECK(err[0] != '\0');
        err[0] = '\0';
        CHECK(sl_iobuf_pool_new(4, 0, err, sizeof(err)) == NULL);
        CHECK(err[0] != '\0');
        CHECK(sl_iobuf_pool_new(SIZE_MAX / 2, SIZE_MAX / 4, NULL, 0) == NULL);
        sl_iobuf_pool_destroy(NULL);
}

static void test_iobuf_get_until_exhausted(void)
{
        sl_iobuf_pool_t *p = new_pool(4, 8192);
        sl_iobuf_t *b[4];
        CHECK_INT(sl_iobuf_pool_free_count(p), 4);
        for (int i = 0; i < 4; i++) {
                b[i] = sl_iobuf_get(p);
                CHECK(b[i] != NULL);
                CHECK_INT(atomic_load(&b[i]->refs), 1);
                CHECK_INT(b[i]->len, 0);
                CHECK_INT(b[i]->cap, 8192);
                CHECK(b[i]->pool == p);
                for (int j = 0; j < i; j++)
                        CHECK(b[j]->index != b[i]->index);
                CHECK_INT(sl_iobuf_pool_free_count(p), 3 - i);
        }
        CHECK(sl_iobuf_get(p) == NULL);
        CHECK(sl_iobuf_get(p) == NULL);
        for (int i = 0; i < 4; i++)
                sl_iobuf_unref(b[i]);
        sl_iobuf_pool_destroy(p);
}

static void test_iobuf_unref_on_owner_returns_at_once(void)
{
        sl_iobuf_pool_t *p = new_pool(2, 1024);
        sl_iobuf_t *a = sl_iobuf_get(p);
        a->len = 100;
        CHECK_INT(sl_iobuf_pool_free_count(p), 1);
        sl_iobuf_unref(a);
        CHECK_INT(sl_iobuf_pool_free_count(p), 2);
        CHECK_INT(sl_iobuf_pool_reclaim(p), 0);
        /* The most recently released (cache-warm) buffer comes back first,
         * reset. */
        sl_iobuf_t *again = sl_iobuf_get(p);
        CHECK(again == a);
        CHECK_INT(again->len, 0);
        CHECK_INT(atomic_load(&again->refs), 1);
        sl_iobuf_unref(again);
        sl_iobuf_pool_destroy(p);
}

struct unref_job {
        sl_iobuf_t **bufs;
        size_t n;
};

static void *unref_thread(void *arg)
{
        struct unref_job *j = arg;
        for (size_t i = 0; i < j->n; i++)
                sl_iobuf_unref(j->bufs[i]);
        return NULL;
}

static void unref_elsewhere(sl_iobuf_t **bufs, size_t n)
{
        struct unref_job j = {bufs, n};
        pthread_t t;
        CHECK_INT(pthread_create(&t, NULL, unref_thread, &j), 0);
        pthread_join(t, NULL);
}

static void test_iobuf_unref_on_other_thread_is_reclaimed(void)
{
        sl_iobuf_pool_t *p = new_pool(3, 4096);
        sl_iobuf_t *b[3];
        for (int i = 0; i < 3; i++)
                b[i] = sl_iobuf_get(p);
        unref_elsewhere(b, 2);
        /* Parked on the return stack until the owner collects it. */
        CHECK_INT(sl_iobuf_pool_free_count(p), 0);
        CHECK_INT(sl_iobuf_pool_reclaim(p), 2);
        CHECK_INT(sl_iobuf_pool_free_count(p), 2);
        CHECK_INT(sl_iobuf_pool_reclaim(p), 0);

        /* get() reclaims on its own when the free list is empty. */
        sl_iobuf_t *x = sl_iobuf_get(p), *y = sl_iobuf_get(p);
        CHECK(x && y);
        CHECK(sl_iobuf_get(p) == NULL);
        sl_iobuf_t *back[] = {b[2]};
        unref_elsewhere(back, 1);
        sl_iobuf_t *z = sl_iobuf_get(p);
        CHECK(z == b[2]);
        sl_iobuf_unref(x);
        sl_iobuf_unref(y);
        sl_iobuf_unref(z);
        CHECK_INT(sl_iobuf_pool_free_count(p), 3);
        sl_iobuf_pool_destroy(p);
}

static void test_iobuf_refs_keep_buffer_out(void)
{
        sl_iobuf_pool_t *p = new_pool(1, 4096);
        sl_iobuf_t *b = sl_iobuf_get(p);
        sl_iobuf_ref(b); /* e.g. two records sliced from it */
        sl_iobuf_ref(b);
        CHECK_INT(atomic_load(&b->refs), 3);
        sl_iobuf_unref(b); /* the reader is done with it */
        CHECK(sl_iobuf_get(p) == NULL);
        sl_iobuf_t *one[] = {b};
        unref_elsewhere(one, 1); /* first delivery report */
        CHECK(sl_iobuf_get(p) == NULL);
        unref_elsewhere(one, 1); /* last delivery report */
        CHECK(sl_iobuf_get(p) == b);
        sl_iobuf_unref(b);
        sl_iobuf_pool_destroy(p);
}

static void check_iovecs(size_t n, size_t size, uintptr_t align)
{
        sl_iobuf_pool_t *p = new_pool(n, size);
        size_t count = 0;
        const struct iovec *iov = sl_iobuf_pool_iovecs(p, &count);
        CHECK_INT(count, n);
        CHECK_INT(sl_iobuf_pool_size(p), n);
        CHECK_INT((uintptr_t)iov[0].iov_base % PAGE, 0);
        sl_iobuf_t **bufs = calloc(n, sizeof(*bufs));
        for (size_t i = 0; i < n; i++) {
                sl_iobuf_t *b = sl_iobuf_get(p);
                bufs[i] = b;
                CHECK(b->data == iov[b->index].iov_base);
                CHECK_INT(iov[i].iov_len, size);
                CHECK_INT((uintptr_t)iov[i].iov_base % align, 0);
                if (i > 0) /* ascending, no overlap */
                        CHECK((char *)iov[i].iov_base >=
                              (char *)iov[i - 1].iov_base + size);
                /* Every byte is usable. */
                memset(b->data, (int)i, b->cap);
        }
        for (size_t i = 0; i < n; i++) {
                CHECK(bufs[i]->data[0] == (char)i);
                CHECK(bufs[i]->data[size - 1] == (char)i);
                sl_iobuf_unref(bufs[i]);
        }
        free(bufs);
        sl_iobuf_pool_destroy(p);
}

static void test_iobuf_iovecs_count_and_alignment(void)
{
        check_iovecs(8, 65536, PAGE);
        check_iovecs(5, 5000, PAGE); /* a page or more: page-aligned */
        check_iovecs(7, 100, 64);    /* smaller: cache-line aligned */
}

/* Owner keeps taking buffers and handing them to consumers, which drop
 * them concurrently: every buffer must come back exactly once. */
#define STRESS_THREADS 3
#define STRESS_ROUNDS 100000

struct stress {
        sl_iobuf_t *_Atomic slot[STRESS_THREADS];
        atomic_bool stop;
};

struct stress_arg {
        struct stress *s;
        int id;
};

static void *stress_consumer(void *arg)
{
        struct stress_arg *a = arg;
        for (;;) {
                /* stop is read before the slot, so a buffer handed over
                 * before stop was set is still collected on the way out. */
                bool stop = atomic_load(&a->s->stop);
                sl_iobuf_t *b = atomic_exchange(&a->s->slot[a->id], NULL);
                if (b) {
                        CHECK(b->data[0] == (char)b->index);
                        sl_iobuf_unref(b);
                } else if (stop) {
                        return NULL;
                } else {
                        sched_yield(); /* the sandbox may have 2 CPUs */
                }
        }
}

static void test_iobuf_cross_thread_stress(void)
{
        sl_iobuf_pool_t *p = new_pool(8, 256);
        struct stress s = {.stop = false};
        struct stress_arg args[STRESS_THREADS];
        pthread_t t[STRESS_THREADS];
        for (int i = 0; i < STRESS_THREADS; i++) {
                atomic_init(&s.slot[i], NULL);
                args[i] = (struct stress_arg){&s, i};
                pthread_create(&t[i], NULL, stress_consumer, &args[i]);
        }
        long handed = 0;
        while (handed < STRESS_ROUNDS) {
                sl_iobuf_t *b = sl_iobuf_get(p);
                if (!b) {
                        sched_yield();
                        continue;
                }
                b->data[0] = (char)b->index;
                /* Sometimes keep an extra reference and drop it here, so
                 * owner-side and remote releases race on the count. */
                bool extra = handed % 4 == 0;
                if (extra)
                        sl_iobuf_ref(b);
                sl_iobuf_t *expected = NULL;
                int to = (int)(handed % STRESS_THREADS);
                while (!atomic_compare_exchange_weak(&s.slot[to], &expected,
                                                     b)) {
                        expected = NULL;
                        sched_yield();
                }
                if (extra)
                        sl_iobuf_unref(b);
                handed++;
        }
        atomic_store(&s.stop, true);
        for (int i = 0; i < STRESS_THREADS; i++)
                pthread_join(t[i], NULL);
        sl_iobuf_pool_reclaim(p);
        CHECK_INT(sl_iobuf_pool_free_count(p), 8);
        /* Each buffer is on the free list exactly once. */
        sl_iobuf_t *all[8];
        for (int i = 0; i < 8; i++)
                all[i] = sl_iobuf_get(p);
        CHECK(sl_iobuf_get(p) == NULL);
        for (int i = 0; i < 8; i++) {
                CHECK(all[i] != NULL);
                for (int j = 0; j < i; j++)
                        CHECK(all[i] != all[j]);
        }
        for (int i = 0; i < 8; i++)
                sl_iobuf_unref(all[i]);
        sl_iobuf_pool_destroy(p);
}

int main(void)
{
        RUN(test_iobuf_invalid_sizes);
        RUN(test_iobuf_get_until_exhausted);
        RUN(test_iobuf_unref_on_owner_returns_at_once);
        RUN(test_iobuf_unref_on_other_thread_is_reclaimed);
        RUN(test_iobuf_refs_keep_buffer_out);
        RUN(test_iobuf_iovecs_count_and_alignment);
        RUN(test_iobuf_cross_thread_stress);
        TEST_MAIN_END();
}
