/* Pool of fixed-size IO buffers owned by one thread (a shard). The pool is
 * one page-aligned mapping so io_uring can register it: buffer i is
 * registered buffer i. Buffers are reference counted because records are
 * slices of them handed to librdkafka without copying; the last reference
 * may be dropped on any thread (a delivery report), and the buffer then
 * finds its way back to the owner without locks. */
#ifndef SL_IO_IOBUF_H
#define SL_IO_IOBUF_H

#include <stdatomic.h>
#include <stddef.h>
#include <sys/uio.h>

typedef struct sl_iobuf_pool sl_iobuf_pool_t;

typedef struct sl_iobuf {
        char *data;
        size_t cap; /* usable bytes at data: the pool's bufsize */
        size_t len; /* caller's fill level; get() resets it to 0 */
        int index;  /* io_uring registered-buffer index */
        struct sl_iobuf_pool *pool;
        atomic_int refs;
        struct sl_iobuf *next_; /* private: free-list / return-stack link */
} sl_iobuf_t;

/* nbufs buffers of bufsize bytes each. Buffers of a page or more start on
 * a page boundary (O_DIRECT-friendly), smaller ones on a cache line. The
 * calling thread becomes the owner. NULL with a message on error. */
sl_iobuf_pool_t *sl_iobuf_pool_new(size_t nbufs, size_t bufsize, char *errstr,
                                   size_t errstr_size);
/* After the owner has stopped using it and every buffer has been released
 * (outstanding references are reported and the memory is freed anyway;
 * a later unref of such a buffer is a use-after-free). Unregister it from
 * any io_uring first. */
void sl_iobuf_pool_destroy(sl_iobuf_pool_t *pool);

/* Owner thread only. refs = 1, len = 0. Reclaims buffers released on other
 * threads first. NULL when every buffer is in use: back-pressure, not an
 * error. */
sl_iobuf_t *sl_iobuf_get(sl_iobuf_pool_t *pool);
/* Any thread holding a reference. */
void sl_iobuf_ref(sl_iobuf_t *buf);
/* Any thread. The last unref returns the buffer to its pool. */
void sl_iobuf_unref(sl_iobuf_t *buf);

/* Owner only: move buffers released on other threads to the free list;
 * returns how many. */
size_t sl_iobuf_pool_reclaim(sl_iobuf_pool_t *pool);
/* Owner only: buffers on the free list (not counting ones released on
 * other threads and not yet reclaimed). */
size_t sl_iobuf_pool_free_count(const sl_iobuf_pool_t *pool);
size_t sl_iobuf_pool_size(const sl_iobuf_pool_t *pool);
/* One iovec per buffer, for io_uring_register_buffers. */
const struct iovec *sl_iobuf_pool_iovecs(const sl_iobuf_pool_t *pool,
                                         size_t *n);

#endif
