/* Per-thread io_uring wrapper: one ring per shard, with that shard's IO
 * buffer pool registered so file reads land in it without a copy or a
 * per-IO page pin. Operations submit and wait for their own completion:
 * page-cache IO takes microseconds and the shard runs it between other
 * work. Not thread-safe: one thread uses a given sl_uring_t. */
#ifndef SL_IO_URING_H
#define SL_IO_URING_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "io/iobuf.h"

typedef struct sl_uring sl_uring_t;

/* entries: submission queue size (0: a small default). pool: its buffers
 * are registered (buffer i as index i), or NULL for none; the pool must
 * outlive the ring. NULL with a message on error. */
sl_uring_t *sl_uring_new(unsigned entries, sl_iobuf_pool_t *pool,
                         char *errstr, size_t errstr_size);
void sl_uring_destroy(sl_uring_t *u);

/* Read up to len bytes at file_off (-1: the current file position) into
 * buf->data + off_in_buf, using the registered buffer (buf must come from
 * the ring's pool). Like pread(2): a count, possibly short, 0 at EOF, or
 * -errno (-EINVAL when the range leaves the buffer or buf is not from the
 * registered pool). */
ssize_t sl_uring_read_fixed(sl_uring_t *u, int fd, sl_iobuf_t *buf,
                            size_t off_in_buf, size_t len, off_t file_off);

/* Write all of iov at off (-1: the current file position, which also
 * suits O_APPEND). Short writes are continued, so the result is the total
 * length or -errno; after an error part of the data may have been written. */
ssize_t sl_uring_writev(sl_uring_t *u, int fd, const struct iovec *iov,
                        int iovcnt, off_t off);

/* Drop the first done bytes of iov (the caller's private copy) by moving
 * the rest to its front; returns how many entries are left. */
int sl_iov_advance(struct iovec *iov, int cnt, size_t done);

/* fsync(2), or fdatasync(2) when datasync. 0 or -errno. */
int sl_uring_fsync(sl_uring_t *u, int fd, bool datasync);

/* One socket operation for sl_uring_net_op. */
typedef enum sl_uring_netop_kind {
        SL_URING_CONNECT = 1, /* addr/addrlen */
        SL_URING_SENDMSG,     /* msg, flags */
        SL_URING_RECV,        /* buf/len, flags */
        SL_URING_POLL,        /* poll_events (POLLIN/POLLOUT) */
} sl_uring_netop_kind_t;

struct sockaddr;
struct msghdr;

typedef struct sl_uring_netop {
        sl_uring_netop_kind_t kind;
        int fd;
        const struct sockaddr *addr;
        unsigned addrlen;
        const struct msghdr *msg;
        void *buf;
        size_t len;
        int flags;
        unsigned poll_events;
} sl_uring_netop_t;

/* Run op on u, linked to an IORING_OP_LINK_TIMEOUT of timeout_ms when
 * > 0, and wait for it: the operation's result (>= 0 or -errno), or
 * -ETIMEDOUT when the timeout cancelled it. */
int sl_uring_net_op(sl_uring_t *u, const sl_uring_netop_t *op, int timeout_ms);

/* TCP sockets (uring_net.c), the engine of sl_task_connect/send/recv:
 * IORING_OP_CONNECT/SEND(MSG)/RECV linked to a timeout on u, or system
 * calls with poll(2) when u is NULL. Same results as those. */
int sl_net_connect(sl_uring_t *u, const char *host, int port, int timeout_ms);
ssize_t sl_net_send(sl_uring_t *u, int fd, const struct iovec *iov, int iovcnt,
                    int timeout_ms);
ssize_t sl_net_recv(sl_uring_t *u, int fd, void *buf, size_t len, int timeout_ms);

#endif
