/* The plugin-facing socket API: the running shard's io_uring, or system
 * calls off the shards. */
#include "io/uring.h"
#include "worker/task_int.h"

static sl_uring_t *ring(void)
{
        sl_uring_t *u = NULL;
        sl_iobuf_pool_t *p;
        sl_shard_t *shard = sl_shard_current();
        if (!shard || sl_shard_io(shard, &u, &p) != 0)
                return NULL;
        return u;
}

int sl_task_connect(sl_task_ctx_t *ctx, const char *host, int port, int timeout_ms)
{
        (void)ctx;
        return sl_net_connect(ring(), host, port, timeout_ms);
}

ssize_t sl_task_send(sl_task_ctx_t *ctx, int fd, const struct iovec *iov, int iovcnt,
                     int timeout_ms)
{
        (void)ctx;
        return sl_net_send(ring(), fd, iov, iovcnt, timeout_ms);
}

ssize_t sl_task_recv(sl_task_ctx_t *ctx, int fd, void *buf, size_t len, int timeout_ms)
{
        (void)ctx;
        return sl_net_recv(ring(), fd, buf, len, timeout_ms);
}
