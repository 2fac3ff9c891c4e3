/* Buffers come back two ways. On the owner thread the last unref pushes
 * straight onto the owner-private free list. Elsewhere it pushes onto a
 * Treiber stack; the owner never pops single entries from it but takes the
 * whole stack with one exchange, so no node can be popped and re-pushed
 * under a concurrent CAS, which is what makes Treiber stacks ABA-prone. */
#include "io/iobuf.h"

#include "sluice/common.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LOGGER "iobuf"
#define CACHE_LINE 64

struct sl_iobuf_pool {
        /* Read-only after creation. */
        char *mem;
        size_t mem_size;
        size_t nbufs;
        size_t bufsize;
        sl_iobuf_t *bufs;
        struct iovec *iov;
        pthread_t owner;

        /* Owner-private. */
        sl_iobuf_t *free_list;
        size_t nfree;

        /* Pushed by every thread that drops a last reference; kept off the
         * owner's lines so those pushes do not slow the owner's get(). */
        alignas(CACHE_LINE) _Atomic(sl_iobuf_t *) returned;
};

static size_t round_up(size_t n, size_t align)
{
        return (n + align - 1) & ~(align - 1);
}

static bool on_owner(const sl_iobuf_pool_t *pool)
{
        return pthread_equal(pthread_self(), pool->owner);
}

sl_iobuf_pool_t *sl_iobuf_pool_new(size_t nbufs, size_t bufsize, char *errstr,
                                   size_t errstr_size)
{
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        if (nbufs == 0 || bufsize == 0 || nbufs > INT_MAX) {
                sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                          "iobuf pool: invalid size %zu x %zu bytes", nbufs,
                          bufsize);
                return NULL;
        }
        if (bufsize > SIZE_MAX / 2) {
                sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                          "iobuf pool: buffer size %zu too large", bufsize);
                return NULL;
        }
        size_t stride = round_up(bufsize, bufsize >= page ? page : CACHE_LINE);
        if (stride > (SIZE_MAX - page) / nbufs) {
                sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                          "iobuf pool: %zu x %zu bytes overflows", nbufs,
                          bufsize);
                return NULL;
        }

        sl_iobuf_pool_t *pool = aligned_alloc(CACHE_LINE, sizeof(*pool));
        if (!pool)
                goto nomem;
        memset(pool, 0, sizeof(*pool));
        pool->bufs = calloc(nbufs, sizeof(*pool->bufs));
        pool->iov = calloc(nbufs, sizeof(*pool->iov));
        if (!pool->bufs || !pool->iov)
                goto nomem;

        /* mmap rather than malloc: page-aligned, returned to the kernel on
         * destroy, and lazily faulted until io_uring pins it. */
        pool->mem_size = round_up(stride * nbufs, page);
        pool->mem = mmap(NULL, pool->mem_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (pool->mem == MAP_FAILED) {
                pool->mem = NULL;
                goto nomem;
        }

        pool->nbufs = nbufs;
        pool->bufsize = bufsize;
        pool->owner = pthread_self();
        atomic_init(&pool->returned, NULL);
        /* Built back to front so get() hands out buffer 0 first. */
        for (size_t i = nbufs; i-- > 0;) {
                sl_iobuf_t *b = &pool->bufs[i];
                b->data = pool->mem + i * stride;
                b->cap = bufsize;
                b->index = (int)i;
                b->pool = pool;
                atomic_init(&b->refs, 0);
                b->next_ = pool->free_list;
                pool->free_list = b;
                pool->iov[i].iov_base = b->data;
                pool->iov[i].iov_len = bufsize;
        }
        pool->nfree = nbufs;
        return pool;

nomem:
        sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                  "iobuf pool: cannot allocate %zu x %zu bytes", nbufs,
                  bufsize);
        if (pool) {
                free(pool->bufs);
                free(pool->iov);
                free(pool);
        }
        return NULL;
}

/* Owner-side reclaim without the owner check, so destroy can use it from
 * whichever thread tears the shard down. */
static size_t pool_reclaim(sl_iobuf_pool_t *pool)
{
        /* Cheap relaxed peek first: most calls find nothing and must not
         * pull the contended line into exclusive state. */
        if (!atomic_load_explicit(&pool->returned, memory_order_relaxed))
                return 0;
        sl_iobuf_t *b = atomic_exchange_explicit(&pool->returned, NULL,
                                                 memory_order_acquire);
        size_t n = 0;
        while (b) {
                sl_iobuf_t *next = b->next_;
                b->next_ = pool->free_list;
                pool->free_list = b;
                b = next;
                n++;
        }
        pool->nfree += n;
        return n;
}

void sl_iobuf_pool_destroy(sl_iobuf_pool_t *pool)
{
        if (!pool)
                return;
        pool_reclaim(pool);
        if (pool->nfree != pool->nbufs)
                sl_warn(LOGGER,
                        "destroying pool with %zu of %zu buffers still "
                        "referenced",
                        pool->nbufs - pool->nfree, pool->nbufs);
        munmap(pool->mem, pool->mem_size);
        free(pool->bufs);
        free(pool->iov);
        free(pool);
}

sl_iobuf_t *sl_iobuf_get(sl_iobuf_pool_t *pool)
{
        assert(on_owner(pool));
        pool_reclaim(pool);
        sl_iobuf_t *b = pool->free_list;
        if (!b)
                return NULL;
        pool->free_list = b->next_;
        pool->nfree--;
        b->next_ = NULL;
        b->len = 0;
        atomic_store_explicit(&b->refs, 1, memory_order_relaxed);
        return b;
}

void sl_iobuf_ref(sl_iobuf_t *buf)
{
        /* Relaxed: the caller already holds a reference, so the buffer
         * cannot be released concurrently; whoever receives the new
         * reference gets it through some synchronising hand-off. */
        int old = atomic_fetch_add_explicit(&buf->refs, 1,
                                            memory_order_relaxed);
        assert(old > 0);
        (void)old;
}

void sl_iobuf_unref(sl_iobuf_t *buf)
{
        /* acq_rel rather than release plus an acquire fence: the last
         * dropper must see every other holder's accesses before the buffer
         * is reused, and ThreadSanitizer does not model standalone fences. */
        int old = atomic_fetch_sub_explicit(&buf->refs, 1,
                                            memory_order_acq_rel);
        assert(old > 0);
        if (old != 1)
                return;

        sl_iobuf_pool_t *pool = buf->pool;
        if (on_owner(pool)) {
                buf->next_ = pool->free_list;
                pool->free_list = buf;
                pool->nfree++;
                return;
        }
        sl_iobuf_t *head =
                atomic_load_explicit(&pool->returned, memory_order_relaxed);
        do {
                buf->next_ = head;
        } while (!atomic_compare_exchange_weak_explicit(
                &pool->returned, &head, buf, memory_order_release,
                memory_order_relaxed));
}

size_t sl_iobuf_pool_reclaim(sl_iobuf_pool_t *pool)
{
        assert(on_owner(pool));
        return pool_reclaim(pool);
}

size_t sl_iobuf_pool_free_count(const sl_iobuf_pool_t *pool)
{
        return pool->nfree;
}

size_t sl_iobuf_pool_size(const sl_iobuf_pool_t *pool)
{
        return pool->nbufs;
}

const struct iovec *sl_iobuf_pool_iovecs(const sl_iobuf_pool_t *pool,
                                         size_t *n)
{
        if (n)
                *n = pool->nbufs;
        return pool->iov;
}
