/* The plugin-facing IO API: the running shard's registered buffers and
 * io_uring, or plain system calls where no shard ring is available. */
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io/iobuf.h"
#include "io/uring.h"
#include "worker/task_int.h"

static int shard_io(sl_uring_t **u, sl_iobuf_pool_t **p) {
        return sl_shard_io(sl_shard_current(), u, p);
}

sl_iobuf_t *sl_task_iobuf(sl_task_ctx_t *ctx) {
        sl_uring_t *u;
        sl_iobuf_pool_t *p;

        (void)ctx;
        if (shard_io(&u, &p) != 0)
                return NULL;
        return sl_iobuf_get(p);
}

char *sl_iobuf_data(sl_iobuf_t *buf) {
        return buf->data;
}

size_t sl_iobuf_size(const sl_iobuf_t *buf) {
        return buf->cap;
}

ssize_t sl_task_read(sl_task_ctx_t *ctx, int fd, sl_iobuf_t *buf, size_t buf_off, size_t len,
                     int64_t file_off) {
        sl_uring_t *u;
        sl_iobuf_pool_t *p;
        ssize_t n;

        (void)ctx;
        if (buf_off > buf->cap || len > buf->cap - buf_off)
                return -EINVAL;
        /* a buffer of this shard's pool is registered with its ring */
        if (shard_io(&u, &p) == 0 && u && buf->pool == p)
                return sl_uring_read_fixed(u, fd, buf, buf_off, len, (off_t)file_off);
        do
                n = pread(fd, buf->data + buf_off, len, (off_t)file_off);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : n;
}

ssize_t sl_task_writev(sl_task_ctx_t *ctx, int fd, const struct iovec *iov, int iovcnt) {
        sl_uring_t *u;
        sl_iobuf_pool_t *p;
        ssize_t total = 0;

        (void)ctx;
        if (shard_io(&u, &p) == 0 && u)
                return sl_uring_writev(u, fd, iov, iovcnt, -1);
        /* off the shards (rare): plain writes, resuming short ones */
        for (int i = 0; i < iovcnt; i++) {
                const char *at = iov[i].iov_base;
                size_t left = iov[i].iov_len;
                while (left > 0) {
                        ssize_t w = write(fd, at, left);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return -errno;
                        at += w;
                        left -= (size_t)w;
                        total += w;
                }
        }
        return total;
}

int sl_task_fdatasync(sl_task_ctx_t *ctx, int fd) {
        sl_uring_t *u;
        sl_iobuf_pool_t *p;

        (void)ctx;
        if (shard_io(&u, &p) == 0 && u)
                return sl_uring_fsync(u, fd, true);
        return fdatasync(fd) == 0 ? 0 : -errno;
}
