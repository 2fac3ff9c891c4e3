/* Only one operation is ever in flight on a ring, so the completion we
 * wait for is always ours and the queues never overflow. */
#include "io/uring.h"

#include "sluice/common.h"

#include <errno.h>
#include <limits.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ENTRIES 64
#define IOV_STACK 16

struct sl_uring {
        struct io_uring ring;
        sl_iobuf_pool_t *pool; /* registered, or NULL */
};

sl_uring_t *sl_uring_new(unsigned entries, sl_iobuf_pool_t *pool,
                         char *errstr, size_t errstr_size)
{
        sl_uring_t *u = calloc(1, sizeof(*u));
        if (!u) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        int ret = io_uring_queue_init(entries ? entries : DEFAULT_ENTRIES,
                                      &u->ring, 0);
        if (ret < 0) {
                sl_seterr(errstr, errstr_size, ret,
                          "io_uring_queue_init(%u): %s", entries,
                          strerror(-ret));
                free(u);
                return NULL;
        }
        if (pool) {
                size_t n;
                const struct iovec *iov = sl_iobuf_pool_iovecs(pool, &n);
                ret = io_uring_register_buffers(&u->ring, iov, (unsigned)n);
                if (ret < 0) {
                        /* Registration pins the pages and is charged to
                         * RLIMIT_MEMLOCK for unprivileged users: the usual
                         * cause of ENOMEM here. */
                        sl_seterr(errstr, errstr_size, ret,
                                  "io_uring_register_buffers(%zu buffers): "
                                  "%s%s",
                                  n, strerror(-ret),
                                  ret == -ENOMEM ? " (check ulimit -l)" : "");
                        io_uring_queue_exit(&u->ring);
                        free(u);
                        return NULL;
                }
                u->pool = pool;
        }
        return u;
}

void sl_uring_destroy(sl_uring_t *u)
{
        if (!u)
                return;
        /* queue_exit drops the registration (and the page pins) too. */
        io_uring_queue_exit(&u->ring);
        free(u);
}

/* The caller has prepared exactly one SQE; submit it and return its
 * result. A signal can interrupt io_uring_enter after the SQE is already
 * in the kernel's queue, so the retry re-enters rather than re-preparing. */
static int uring_run(sl_uring_t *u)
{
        int ret;
        do {
                ret = io_uring_submit_and_wait(&u->ring, 1);
        } while (ret == -EINTR || ret == -EAGAIN);
        if (ret < 0)
                return ret;

        struct io_uring_cqe *cqe;
        do {
                ret = io_uring_wait_cqe(&u->ring, &cqe);
        } while (ret == -EINTR);
        if (ret < 0)
                return ret;
        int res = cqe->res;
        io_uring_cqe_seen(&u->ring, cqe);
        return res;
}

static struct io_uring_sqe *uring_sqe(sl_uring_t *u)
{
        /* With one operation at a time the queue always has room; the
         * fallback only matters if that invariant is ever broken. */
        struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
        if (!sqe) {
                io_uring_submit(&u->ring);
                sqe = io_uring_get_sqe(&u->ring);
        }
        return sqe;
}

ssize_t sl_uring_read_fixed(sl_uring_t *u, int fd, sl_iobuf_t *buf,
                            size_t off_in_buf, size_t len, off_t file_off)
{
        if (!u->pool || buf->pool != u->pool || off_in_buf > buf->cap ||
            len > buf->cap - off_in_buf || len > UINT_MAX || file_off < -1)
                return -EINVAL;
        for (;;) {
                struct io_uring_sqe *sqe = uring_sqe(u);
                if (!sqe)
                        return -EBUSY;
                io_uring_prep_read_fixed(sqe, fd, buf->data + off_in_buf,
                                         (unsigned)len,
                                         file_off < 0 ? (uint64_t)-1
                                                      : (uint64_t)file_off,
                                         buf->index);
                int res = uring_run(u);
                if (res == -EINTR || res == -EAGAIN)
                        continue;
                return res;
        }
}

int sl_iov_advance(struct iovec *iov, int cnt, size_t done)
{
        int i = 0;
        while (i < cnt && done >= iov[i].iov_len)
                done -= iov[i++].iov_len;
        if (i < cnt) {
                iov[i].iov_base = (char *)iov[i].iov_base + done;
                iov[i].iov_len -= done;
        }
        memmove(iov, iov + i, (size_t)(cnt - i) * sizeof(*iov));
        return cnt - i;
}

ssize_t sl_uring_writev(sl_uring_t *u, int fd, const struct iovec *iov,
                        int iovcnt, off_t off)
{
        if (iovcnt < 0 || iovcnt > IOV_MAX || off < -1)
                return -EINVAL;
        size_t total = 0;
        for (int i = 0; i < iovcnt; i++) {
                if (iov[i].iov_len > SSIZE_MAX - total)
                        return -EINVAL;
                total += iov[i].iov_len;
        }
        if (total == 0)
                return 0;

        /* The caller's array is used as is until a short write forces a
         * private, advanceable copy. */
        struct iovec stack[IOV_STACK];
        struct iovec *copy = NULL;
        const struct iovec *cur = iov;
        int cnt = iovcnt;
        size_t done = 0;
        ssize_t ret;

        while (done < total) {
                struct io_uring_sqe *sqe = uring_sqe(u);
                if (!sqe) {
                        ret = -EBUSY;
                        goto out;
                }
                io_uring_prep_writev(sqe, fd, cur, (unsigned)cnt,
                                     off < 0 ? (uint64_t)-1
                                             : (uint64_t)(off + (off_t)done));
                int res = uring_run(u);
                if (res == -EINTR || res == -EAGAIN)
                        continue;
                if (res < 0) {
                        ret = res;
                        goto out;
                }
                if (res == 0) {
                        /* No progress and no error: retrying would spin. */
                        ret = -EIO;
                        goto out;
                }
                done += (size_t)res;
                if (done >= total)
                        break;
                if (!copy) {
                        copy = iovcnt <= IOV_STACK
                                       ? stack
                                       : malloc((size_t)iovcnt * sizeof(*copy));
                        if (!copy) {
                                ret = -ENOMEM;
                                goto out;
                        }
                        memcpy(copy, iov, (size_t)iovcnt * sizeof(*copy));
                        cnt = sl_iov_advance(copy, iovcnt, done);
                } else {
                        cnt = sl_iov_advance(copy, cnt, (size_t)res);
                }
                cur = copy;
        }
        ret = (ssize_t)total;
out:
        if (copy && copy != stack)
                free(copy);
        return ret;
}

int sl_uring_fsync(sl_uring_t *u, int fd, bool datasync)
{
        for (;;) {
                struct io_uring_sqe *sqe = uring_sqe(u);
                if (!sqe)
                        return -EBUSY;
                io_uring_prep_fsync(sqe, fd,
                                    datasync ? IORING_FSYNC_DATASYNC : 0);
                int res = uring_run(u);
                if (res == -EINTR || res == -EAGAIN)
                        continue;
                return res;
        }
}

#define TAG_OP 1
#define TAG_TIMEOUT 2

static int netop_prep(struct io_uring_sqe *sqe, const sl_uring_netop_t *op)
{
        switch (op->kind) {
        case SL_URING_CONNECT:
                io_uring_prep_connect(sqe, op->fd, op->addr, op->addrlen);
                return 0;
        case SL_URING_SENDMSG:
                io_uring_prep_sendmsg(sqe, op->fd, op->msg, (unsigned)op->flags);
                return 0;
        case SL_URING_RECV:
                if (op->len > UINT_MAX)
                        return -EINVAL;
                io_uring_prep_recv(sqe, op->fd, op->buf, op->len, op->flags);
                return 0;
        case SL_URING_POLL:
                io_uring_prep_poll_add(sqe, op->fd, op->poll_events);
                return 0;
        }
        return -EINVAL;
}

int sl_uring_net_op(sl_uring_t *u, const sl_uring_netop_t *op, int timeout_ms)
{
        struct __kernel_timespec ts;
        struct io_uring_sqe *sqe, *tsqe = NULL;
        unsigned want = 1, got = 0;
        int op_res = -EIO, t_res = 0, ret;

        /* Both SQEs are taken before either is prepared, so a linked op
         * never goes to the kernel without its timeout. */
        if (io_uring_sq_space_left(&u->ring) < 2)
                io_uring_submit(&u->ring);
        sqe = io_uring_get_sqe(&u->ring);
        if (!sqe)
                return -EBUSY;
        if (timeout_ms > 0) {
                tsqe = io_uring_get_sqe(&u->ring);
                if (!tsqe) {
                        io_uring_prep_nop(sqe);
                        return -EBUSY;
                }
        }
        ret = netop_prep(sqe, op);
        if (ret < 0) {
                io_uring_prep_nop(sqe);
                if (tsqe)
                        io_uring_prep_nop(tsqe);
                return ret;
        }
        io_uring_sqe_set_data64(sqe, TAG_OP);
        if (tsqe) {
                ts.tv_sec = timeout_ms / 1000;
                ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
                sqe->flags |= IOSQE_IO_LINK;
                io_uring_prep_link_timeout(tsqe, &ts, 0);
                io_uring_sqe_set_data64(tsqe, TAG_TIMEOUT);
                want = 2;
        }
        do {
                ret = io_uring_submit(&u->ring);
        } while (ret == -EINTR || ret == -EAGAIN);
        if (ret < 0)
                return ret;

        /* Reap both completions (the op's and the timeout's) so nothing of
         * this call is left for the next one. */
        while (got < want) {
                struct io_uring_cqe *cqe;
                do {
                        ret = io_uring_wait_cqe(&u->ring, &cqe);
                } while (ret == -EINTR);
                if (ret < 0)
                        return ret;
                if (io_uring_cqe_get_data64(cqe) == TAG_TIMEOUT)
                        t_res = cqe->res;
                else if (io_uring_cqe_get_data64(cqe) == TAG_OP)
                        op_res = cqe->res;
                io_uring_cqe_seen(&u->ring, cqe);
                got++;
        }
        /* A fired timeout cancels the op: -ECANCELED, or -EINTR when it
         * had been punted to a worker thread. */
        if (tsqe && t_res == -ETIME && (op_res == -ECANCELED || op_res == -EINTR))
                return -ETIMEDOUT;
        return op_res;
}
