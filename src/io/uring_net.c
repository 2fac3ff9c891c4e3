/* TCP sockets for tasks. With a ring, each operation is an io_uring SQE
 * linked to a timeout; without one, non-blocking system calls and poll(2).
 * (The io_uring path is being written; for now both paths use system
 * calls.) */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io/uring.h"

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline (< 0: none). 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                struct pollfd p = {.fd = fd, .events = events};
                int left = -1, r;
                if (deadline >= 0) {
                        int64_t d = deadline - now_ms();
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
        return timeout_ms > 0 ? now_ms() + timeout_ms : -1;
}

int sl_net_connect(sl_uring_t *u, const char *host, int port, int timeout_ms)
{
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        char portstr[16];
        int64_t deadline = deadline_of(timeout_ms);
        int err = -ECONNREFUSED;

        (void)u;
        snprintf(portstr, sizeof(portstr), "%d", port);
        if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res)
                return -EHOSTUNREACH;
        for (struct addrinfo *a = res; a; a = a->ai_next) {
                int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                a->ai_protocol);
                int one = 1, soerr = 0;
                socklen_t sl = sizeof(soerr);
                if (fd < 0) {
                        err = -errno;
                        continue;
                }
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
                        freeaddrinfo(res);
                        return fd;
                }
                if (errno != EINPROGRESS) {
                        err = -errno;
                        close(fd);
                        continue;
                }
                if ((err = wait_fd(fd, POLLOUT, deadline)) == 0 &&
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
                        freeaddrinfo(res);
                        return fd;
                }
                if (err == 0)
                        err = soerr ? -soerr : -ECONNREFUSED;
                close(fd);
                if (err == -ETIMEDOUT)
                        break;
        }
        freeaddrinfo(res);
        return err;
}

ssize_t sl_net_send(sl_uring_t *u, int fd, const struct iovec *iov, int iovcnt, int timeout_ms)
{
        int64_t deadline = deadline_of(timeout_ms);
        ssize_t total = 0;
        int i = 0;
        size_t done = 0; /* of iov[i] */

        (void)u;
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

ssize_t sl_net_recv(sl_uring_t *u, int fd, void *buf, size_t len, int timeout_ms)
{
        int64_t deadline = deadline_of(timeout_ms);

        (void)u;
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
