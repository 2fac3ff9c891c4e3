/* TCP sockets for tasks. With a ring, each operation is an io_uring SQE
 * linked to a timeout; without one, non-blocking system calls and poll(2).
 * Both paths share one deadline per call, so a send made of several
 * partial writes is bounded by timeout_ms as a whole. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io/uring.h"
#include "sluice/common.h"


/* Wait for events on fd until deadline (< 0: none). 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                struct pollfd p = {.fd = fd, .events = events};
                int left = -1, r;
                if (deadline >= 0) {
                        int64_t d = deadline - sl_now_ms();
                        if (d <= 0)
                                return -ETIMEDOUT;
                        left = d > 1000000 ? 1000000 : (int)d;
                }
                r = poll(&p, 1, left);
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
        }
}

static int64_t deadline_of(int timeout_ms)
{
        return timeout_ms > 0 ? sl_now_ms() + timeout_ms : -1;
}

/* Milliseconds left before deadline for one ring op: 0 for no bound,
 * -ETIMEDOUT once it has passed. */
static int left_ms(int64_t deadline)
{
        int64_t d;
        if (deadline < 0)
                return 0;
        d = deadline - sl_now_ms();
        if (d <= 0)
                return -ETIMEDOUT;
        return d > 1000000000 ? 1000000000 : (int)d;
}

/* Wait on the ring for events on fd (used when a socket op says EAGAIN). */
static int uring_wait_fd(sl_uring_t *u, int fd, unsigned events, int64_t deadline)
{
        sl_uring_netop_t op = {.kind = SL_URING_POLL, .fd = fd, .poll_events = events};
        int left = left_ms(deadline), r;
        if (left < 0)
                return left;
        r = sl_uring_net_op(u, &op, left);
        return r < 0 ? r : 0;
}

/* Connect fd through the ring. The socket is blocking until connected so
 * the kernel completes the connect itself instead of reporting
 * EINPROGRESS; the poll fallback covers kernels that still do. */
static int uring_connect(sl_uring_t *u, int fd, const struct sockaddr *addr,
                         socklen_t addrlen, int64_t deadline)
{
        sl_uring_netop_t op = {.kind = SL_URING_CONNECT, .fd = fd, .addr = addr,
                               .addrlen = addrlen};
        int left = left_ms(deadline), r, soerr = 0;
        socklen_t sl = sizeof(soerr);

        if (left < 0)
                return left;
        r = sl_uring_net_op(u, &op, left);
        if (r == -EINPROGRESS || r == -EALREADY || r == -EAGAIN) {
                if ((r = uring_wait_fd(u, fd, POLLOUT, deadline)) < 0)
                        return r;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
                        return -errno;
                r = soerr ? -soerr : 0;
        }
        return r;
}

static int sys_connect(int fd, const struct sockaddr *addr, socklen_t addrlen,
                       int64_t deadline)
{
        int soerr = 0, err;
        socklen_t sl = sizeof(soerr);

        if (connect(fd, addr, addrlen) == 0)
                return 0;
        if (errno != EINPROGRESS)
                return -errno;
        if ((err = wait_fd(fd, POLLOUT, deadline)) < 0)
                return err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
                return -errno;
        return soerr ? -soerr : 0;
}

int sl_net_connect(sl_uring_t *u, const char *host, int port, int timeout_ms)
{
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        char portstr[16];
        int64_t deadline = deadline_of(timeout_ms);
        int err = -ECONNREFUSED;

        snprintf(portstr, sizeof(portstr), "%d", port);
        if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res)
                return -EHOSTUNREACH;
        for (struct addrinfo *a = res; a; a = a->ai_next) {
                int fd = socket(a->ai_family,
                                a->ai_socktype | SOCK_CLOEXEC | (u ? 0 : SOCK_NONBLOCK),
                                a->ai_protocol);
                int one = 1;
                if (fd < 0) {
                        err = -errno;
                        continue;
                }
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                err = u ? uring_connect(u, fd, a->ai_addr, a->ai_addrlen, deadline)
                        : sys_connect(fd, a->ai_addr, a->ai_addrlen, deadline);
                if (err == 0 && u && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
                        err = -errno;
                if (err == 0) {
                        freeaddrinfo(res);
                        return fd;
                }
                close(fd);
                if (err == -ETIMEDOUT)
                        break;
        }
        freeaddrinfo(res);
        return err;
}

#define NET_IOV_STACK 16

static ssize_t uring_send(sl_uring_t *u, int fd, const struct iovec *iov, int iovcnt,
                          int64_t deadline)
{
        struct iovec stack[NET_IOV_STACK], *copy;
        struct msghdr msg = {0};
        sl_uring_netop_t op = {.kind = SL_URING_SENDMSG, .fd = fd, .msg = &msg,
                               .flags = MSG_NOSIGNAL};
        size_t total = 0;
        ssize_t ret = 0;
        int cnt = iovcnt;

        if (iovcnt < 0)
                return -EINVAL;
        for (int i = 0; i < iovcnt; i++)
                total += iov[i].iov_len;
        if (total == 0)
                return 0;
        /* sendmsg may send part: the copy is advanced past what went. */
        copy = iovcnt <= NET_IOV_STACK ? stack : malloc((size_t)iovcnt * sizeof(*copy));
        if (!copy)
                return -ENOMEM;
        memcpy(copy, iov, (size_t)iovcnt * sizeof(*copy));
        cnt = sl_iov_advance(copy, cnt, 0);
        while (cnt > 0) {
                int left = left_ms(deadline), r;
                if (left < 0) {
                        ret = left;
                        break;
                }
                msg.msg_iov = copy;
                msg.msg_iovlen = (size_t)(cnt > IOV_MAX ? IOV_MAX : cnt);
                r = sl_uring_net_op(u, &op, left);
                if (r == -EAGAIN) {
                        if ((r = uring_wait_fd(u, fd, POLLOUT, deadline)) < 0) {
                                ret = r;
                                break;
                        }
                        continue;
                }
                if (r == -EINTR)
                        continue;
                if (r <= 0) {
                        ret = r < 0 ? r : -EIO;
                        break;
                }
                cnt = sl_iov_advance(copy, cnt, (size_t)r);
        }
        if (copy != stack)
                free(copy);
        return ret < 0 ? ret : (ssize_t)total;
}

ssize_t sl_net_send(sl_uring_t *u, int fd, const struct iovec *iov, int iovcnt, int timeout_ms)
{
        int64_t deadline = deadline_of(timeout_ms);
        ssize_t total = 0;
        int i = 0;
        size_t done = 0; /* of iov[i] */

        if (u)
                return uring_send(u, fd, iov, iovcnt, deadline);
        while (i < iovcnt) {
                ssize_t w;
                if (iov[i].iov_len == done) {
                        i++;
                        done = 0;
                        continue;
                }
                w = send(fd, (const char *)iov[i].iov_base + done, iov[i].iov_len - done,
                         MSG_NOSIGNAL);
                if (w > 0) {
                        done += (size_t)w;
                        total += w;
                        continue;
                }
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                        int r = wait_fd(fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                return w < 0 ? -errno : -EIO;
        }
        return total;
}

static ssize_t uring_recv(sl_uring_t *u, int fd, void *buf, size_t len, int64_t deadline)
{
        sl_uring_netop_t op = {.kind = SL_URING_RECV, .fd = fd, .buf = buf,
                               .len = len > UINT32_MAX ? UINT32_MAX : len};
        for (;;) {
                int left = left_ms(deadline), r;
                if (left < 0)
                        return left;
                r = sl_uring_net_op(u, &op, left);
                if (r == -EINTR)
                        continue;
                if (r == -EAGAIN) {
                        if ((r = uring_wait_fd(u, fd, POLLIN, deadline)) < 0)
                                return r;
                        continue;
                }
                return r;
        }
}

ssize_t sl_net_recv(sl_uring_t *u, int fd, void *buf, size_t len, int timeout_ms)
{
        int64_t deadline = deadline_of(timeout_ms);

        if (u)
                return uring_recv(u, fd, buf, len, deadline);
        for (;;) {
                ssize_t n = recv(fd, buf, len, 0);
                if (n >= 0)
                        return n;
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                        int r = wait_fd(fd, POLLIN, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                return -errno;
        }
}
