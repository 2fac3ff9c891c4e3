/* SPSC ring: free-running indices (only their difference matters, so
 * wrap-around of size_t is harmless), a power-of-two slot array, and each
 * side's index on its own cache line. Each side also keeps a private copy
 * of the other side's index and re-reads the shared one only when the copy
 * says full/empty, so in steady state a push or pop touches no cache line
 * the other thread writes. Release on publishing an index pairs with the
 * other side's acquire: the consumer sees the slot contents the producer
 * wrote, and the producer never overwrites a slot before the consumer has
 * read it. */
#include "shard/ring.h"

#include <assert.h>
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64

struct sl_ring {
        /* Written by the producer, read by the consumer. */
        alignas(CACHE_LINE) atomic_size_t tail;
        size_t head_cache; /* producer-private: last head seen */

        /* Written by the consumer, read by the producer. */
        alignas(CACHE_LINE) atomic_size_t head;
        size_t tail_cache; /* consumer-private: last tail seen */

        /* Read-only after creation, so sharing this line costs nothing. */
        alignas(CACHE_LINE) size_t mask;
        void **slots;
};

sl_ring_t *sl_ring_new(size_t capacity)
{
        size_t cap = 2;
        while (cap < capacity) {
                if (cap > SIZE_MAX / 2 / sizeof(void *)) {
                        errno = EINVAL;
                        return NULL;
                }
                cap <<= 1;
        }

        sl_ring_t *r = aligned_alloc(CACHE_LINE, sizeof(*r));
        if (!r) {
                errno = ENOMEM;
                return NULL;
        }
        memset(r, 0, sizeof(*r));
        /* Slots on their own lines too, so the first slots do not share a
         * line with the read-only fields. */
        size_t bytes = cap * sizeof(void *);
        bytes = (bytes + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
        r->slots = aligned_alloc(CACHE_LINE, bytes);
        if (!r->slots) {
                free(r);
                errno = ENOMEM;
                return NULL;
        }
        atomic_init(&r->tail, 0);
        atomic_init(&r->head, 0);
        r->head_cache = 0;
        r->tail_cache = 0;
        r->mask = cap - 1;
        return r;
}

void sl_ring_destroy(sl_ring_t *r)
{
        if (!r)
                return;
        free(r->slots);
        free(r);
}

/* Room for the producer, refreshing its view of head only when the cached
 * one would not give `want` slots. */
static size_t ring_room(sl_ring_t *r, size_t tail, size_t want)
{
        size_t cap = r->mask + 1;
        size_t room = cap - (tail - r->head_cache);
        if (room < want) {
                r->head_cache =
                        atomic_load_explicit(&r->head, memory_order_acquire);
                room = cap - (tail - r->head_cache);
        }
        return room;
}

/* Items available to the consumer, refreshing its view of tail likewise. */
static size_t ring_avail(sl_ring_t *r, size_t head, size_t want)
{
        size_t avail = r->tail_cache - head;
        if (avail < want) {
                r->tail_cache =
                        atomic_load_explicit(&r->tail, memory_order_acquire);
                avail = r->tail_cache - head;
        }
        return avail;
}

bool sl_ring_push(sl_ring_t *r, void *item)
{
        assert(item != NULL);
        size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (ring_room(r, tail, 1) == 0)
                return false;
        r->slots[tail & r->mask] = item;
        atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
        return true;
}

void *sl_ring_pop(sl_ring_t *r)
{
        size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
        if (ring_avail(r, head, 1) == 0)
                return NULL;
        void *item = r->slots[head & r->mask];
        atomic_store_explicit(&r->head, head + 1, memory_order_release);
        return item;
}

size_t sl_ring_push_n(sl_ring_t *r, void *const *items, size_t n)
{
        if (n == 0)
                return 0;
        size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        size_t room = ring_room(r, tail, n);
        if (n > room)
                n = room;
        if (n == 0)
                return 0;
        size_t cap = r->mask + 1;
        size_t at = tail & r->mask;
        size_t first = cap - at < n ? cap - at : n;
        for (size_t i = 0; i < n; i++)
                assert(items[i] != NULL);
        memcpy(&r->slots[at], items, first * sizeof(void *));
        memcpy(&r->slots[0], items + first, (n - first) * sizeof(void *));
        atomic_store_explicit(&r->tail, tail + n, memory_order_release);
        return n;
}

size_t sl_ring_pop_n(sl_ring_t *r, void **items, size_t max)
{
        if (max == 0)
                return 0;
        size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
        size_t n = ring_avail(r, head, max);
        if (n > max)
                n = max;
        if (n == 0)
                return 0;
        size_t cap = r->mask + 1;
        size_t at = head & r->mask;
        size_t first = cap - at < n ? cap - at : n;
        memcpy(items, &r->slots[at], first * sizeof(void *));
        memcpy(items + first, &r->slots[0], (n - first) * sizeof(void *));
        atomic_store_explicit(&r->head, head + n, memory_order_release);
        return n;
}

size_t sl_ring_count(const sl_ring_t *r)
{
        /* head first: tail only grows and never passes head + capacity, so
         * the difference cannot go negative; it can exceed capacity only
         * when both moved between the loads, hence the clamp. */
        size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        size_t n = tail - head;
        return n > r->mask + 1 ? r->mask + 1 : n;
}

size_t sl_ring_capacity(const sl_ring_t *r)
{
        return r->mask + 1;
}
