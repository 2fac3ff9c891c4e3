/* SPSC ring: edges, wrap-around, batches, and a two-thread stress run. */
#include "shard/ring.h"
#include "sl_test.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* Items are small integers disguised as pointers; 0 is not allowed. */
#define ITEM(i) ((void *)(uintptr_t)(i))
#define VAL(p) ((uintptr_t)(p))

static void test_ring_capacity_rounding(void)
{
        static const size_t in[] = {0, 1, 2, 3, 4, 5, 1000, 1024, 1025};
        static const size_t want[] = {2, 2, 2, 4, 4, 8, 1024, 1024, 2048};
        for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
                sl_ring_t *r = sl_ring_new(in[i]);
                CHECK(r != NULL);
                if (!r)
                        continue;
                CHECK_INT(sl_ring_capacity(r), want[i]);
                CHECK_INT(sl_ring_count(r), 0);
                sl_ring_destroy(r);
        }
        CHECK(sl_ring_new(SIZE_MAX) == NULL);
        sl_ring_destroy(NULL);
}

static void test_ring_empty_pop(void)
{
        sl_ring_t *r = sl_ring_new(4);
        void *out[4];
        CHECK(sl_ring_pop(r) == NULL);
        CHECK_INT(sl_ring_pop_n(r, out, 4), 0);
        CHECK(sl_ring_push(r, ITEM(1)));
        CHECK(sl_ring_pop(r) == ITEM(1));
        CHECK(sl_ring_pop(r) == NULL);
        CHECK_INT(sl_ring_count(r), 0);
        sl_ring_destroy(r);
}

static void test_ring_full_push(void)
{
        sl_ring_t *r = sl_ring_new(4);
        for (uintptr_t i = 1; i <= 4; i++)
                CHECK(sl_ring_push(r, ITEM(i)));
        CHECK_INT(sl_ring_count(r), 4);
        CHECK(!sl_ring_push(r, ITEM(5)));
        void *more[] = {ITEM(5), ITEM(6)};
        CHECK_INT(sl_ring_push_n(r, more, 2), 0);
        /* One slot freed: exactly one more fits. */
        CHECK(sl_ring_pop(r) == ITEM(1));
        CHECK_INT(sl_ring_push_n(r, more, 2), 1);
        CHECK(!sl_ring_push(r, ITEM(6)));
        for (uintptr_t i = 2; i <= 5; i++)
                CHECK(sl_ring_pop(r) == ITEM(i));
        CHECK(sl_ring_pop(r) == NULL);
        sl_ring_destroy(r);
}

static void test_ring_wrap_around(void)
{
        /* Offset the indices by 3 so pushes and pops keep crossing the end
         * of the slot array, many times over. */
        sl_ring_t *r = sl_ring_new(8);
        uintptr_t next_in = 1, next_out = 1;
        for (int i = 0; i < 3; i++)
                CHECK(sl_ring_push(r, ITEM(next_in++)));
        for (int round = 0; round < 1000; round++) {
                for (int i = 0; i < 5; i++)
                        CHECK(sl_ring_push(r, ITEM(next_in++)));
                CHECK_INT(sl_ring_count(r), 8);
                for (int i = 0; i < 5; i++)
                        CHECK_INT(VAL(sl_ring_pop(r)), next_out++);
                CHECK_INT(sl_ring_count(r), 3);
        }
        sl_ring_destroy(r);
}

static void test_ring_batch_ops(void)
{
        sl_ring_t *r = sl_ring_new(8);
        void *in[20], *out[20];
        for (uintptr_t i = 0; i < 20; i++)
                in[i] = ITEM(i + 1);

        /* More than fits: only capacity moves, in order. */
        CHECK_INT(sl_ring_push_n(r, in, 20), 8);
        CHECK_INT(sl_ring_pop_n(r, out, 3), 3);
        CHECK(out[0] == ITEM(1) && out[2] == ITEM(3));
        /* This batch wraps around the end of the slot array. */
        CHECK_INT(sl_ring_push_n(r, in + 8, 5), 3);
        CHECK_INT(sl_ring_count(r), 8);
        CHECK_INT(sl_ring_pop_n(r, out, 20), 8);
        for (int i = 0; i < 8; i++)
                CHECK(out[i] == ITEM(i + 4));
        CHECK_INT(sl_ring_pop_n(r, out, 20), 0);
        CHECK_INT(sl_ring_push_n(r, in, 0), 0);
        CHECK_INT(sl_ring_pop_n(r, out, 0), 0);

        /* Batch and single operations interleave. */
        CHECK(sl_ring_push(r, ITEM(100)));
        CHECK_INT(sl_ring_push_n(r, in, 2), 2);
        CHECK(sl_ring_pop(r) == ITEM(100));
        CHECK_INT(sl_ring_pop_n(r, out, 1), 1);
        CHECK(out[0] == ITEM(1));
        CHECK(sl_ring_pop(r) == ITEM(2));
        sl_ring_destroy(r);
}

#define STRESS_N 10000000u

struct stress {
        sl_ring_t *r;
        uintptr_t bad; /* first out-of-order value seen, 0 if none */
        uintptr_t received;
};

/* Alternates single and batch operations so both paths race with the
 * other side; spinning on full/empty is the back-pressure path. */
static void *stress_producer(void *arg)
{
        struct stress *s = arg;
        void *batch[7];
        uintptr_t next = 1;
        while (next <= STRESS_N) {
                if (next % 3 == 0) {
                        size_t n = 0;
                        while (n < 7 && next + n <= STRESS_N) {
                                batch[n] = ITEM(next + n);
                                n++;
                        }
                        next += sl_ring_push_n(s->r, batch, n);
                } else if (sl_ring_push(s->r, ITEM(next))) {
                        next++;
                }
        }
        return NULL;
}

static void *stress_consumer(void *arg)
{
        struct stress *s = arg;
        void *batch[5];
        uintptr_t expect = 1;
        while (expect <= STRESS_N) {
                size_t n;
                if (expect & 1) {
                        n = sl_ring_pop_n(s->r, batch, 5);
                } else {
                        batch[0] = sl_ring_pop(s->r);
                        n = batch[0] != NULL;
                }
                for (size_t i = 0; i < n; i++) {
                        if (VAL(batch[i]) != expect && !s->bad)
                                s->bad = VAL(batch[i]);
                        expect++;
                }
        }
        s->received = expect - 1;
        return NULL;
}

static void test_ring_two_thread_stress(void)
{
        struct stress s = {.r = sl_ring_new(16)};
        pthread_t p, c;
        CHECK_INT(pthread_create(&c, NULL, stress_consumer, &s), 0);
        CHECK_INT(pthread_create(&p, NULL, stress_producer, &s), 0);
        pthread_join(p, NULL);
        pthread_join(c, NULL);
        CHECK_INT(s.bad, 0);
        CHECK_INT(s.received, STRESS_N);
        CHECK(sl_ring_pop(s.r) == NULL);
        CHECK_INT(sl_ring_count(s.r), 0);
        sl_ring_destroy(s.r);
}

int main(void)
{
        RUN(test_ring_capacity_rounding);
        RUN(test_ring_empty_pop);
        RUN(test_ring_full_push);
        RUN(test_ring_wrap_around);
        RUN(test_ring_batch_ops);
        RUN(test_ring_two_thread_stress);
        TEST_MAIN_END();
}
