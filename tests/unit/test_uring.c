/* io_uring wrapper: fixed-buffer reads, whole writev, fsync, errors, and
 * the task sockets (sl_net_*) over a ring and over system calls. */
#include "io/uring.h"
#include "sl_test.h"
#include "sluice/common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define BUFSZ 65536
#define FILE_SIZE (3 * BUFSZ + 12345) /* the last buffer is part-filled */

static char tmpl[] = "/tmp/sl_test_uring_XXXXXX";

static unsigned char pattern(size_t i)
{
        return (unsigned char)((i * 2654435761u) >> 13);
}

/* A temp file holding FILE_SIZE pattern bytes, already unlinked. */
static int make_file(void)
{
        char path[sizeof(tmpl)];
        memcpy(path, tmpl, sizeof(tmpl));
        int fd = mkstemp(path);
        if (fd < 0)
                return -1;
        unlink(path);
        unsigned char *data = malloc(FILE_SIZE);
        for (size_t i = 0; i < FILE_SIZE; i++)
                data[i] = pattern(i);
        ssize_t n = pwrite(fd, data, FILE_SIZE, 0);
        free(data);
        if (n != FILE_SIZE) {
                close(fd);
                return -1;
        }
        return fd;
}

static bool matches(const char *p, size_t file_off, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)p[i] != pattern(file_off + i))
                        return false;
        return true;
}

struct fixture {
        sl_iobuf_pool_t *pool;
        sl_uring_t *u;
        int fd;
};

static bool setup(struct fixture *f)
{
        char err[256] = "";
        f->pool = sl_iobuf_pool_new(4, BUFSZ, err, sizeof(err));
        f->u = f->pool ? sl_uring_new(8, f->pool, err, sizeof(err)) : NULL;
        f->fd = make_file();
        if (!f->u)
                fprintf(stderr, "setup: %s\n", err);
        CHECK(f->u != NULL);
        CHECK(f->fd >= 0);
        return f->u && f->fd >= 0;
}

static void teardown(struct fixture *f)
{
        sl_uring_destroy(f->u);
        sl_iobuf_pool_destroy(f->pool);
        if (f->fd >= 0)
                close(f->fd);
}

static void test_uring_read_fixed_across_buffers(void)
{
        struct fixture f;
        if (!setup(&f)) {
                teardown(&f);
                return;
        }
        sl_iobuf_t *b[4];
        off_t off = 0;
        for (int i = 0; i < 4; i++) {
                b[i] = sl_iobuf_get(f.pool);
                ssize_t n = sl_uring_read_fixed(f.u, f.fd, b[i], 0, b[i]->cap,
                                                off);
                CHECK_INT(n, i < 3 ? BUFSZ : FILE_SIZE - 3 * BUFSZ);
                if (n > 0) {
                        b[i]->len = (size_t)n;
                        CHECK(matches(b[i]->data, (size_t)off, (size_t)n));
                        off += n;
                }
        }
        CHECK_INT(off, FILE_SIZE);
        /* Earlier buffers are untouched by later reads. */
        for (int i = 0; i < 4; i++)
                CHECK(matches(b[i]->data, (size_t)i * BUFSZ, b[i]->len));
        for (int i = 0; i < 4; i++)
                sl_iobuf_unref(b[i]);
        teardown(&f);
}

static void test_uring_read_fixed_at_offsets(void)
{
        struct fixture f;
        if (!setup(&f)) {
                teardown(&f);
                return;
        }
        sl_iobuf_t *b = sl_iobuf_get(f.pool);
        memset(b->data, 0x5a, b->cap);
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, 100, 1000, 12345), 1000);
        CHECK(matches(b->data + 100, 12345, 1000));
        /* Bytes around the target range are not written. */
        CHECK(b->data[99] == 0x5a);
        CHECK(b->data[1100] == 0x5a);

        /* Filling the tail of the buffer exactly. */
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, BUFSZ - 7, 7, 70000), 7);
        CHECK(matches(b->data + BUFSZ - 7, 70000, 7));

        /* Straddling EOF gives a short count. */
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, 0, 100, FILE_SIZE - 40),
                  40);
        CHECK(matches(b->data, FILE_SIZE - 40, 40));

        /* -1 reads at, and advances, the file position. */
        CHECK_INT(lseek(f.fd, 500, SEEK_SET), 500);
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, 0, 10, -1), 10);
        CHECK(matches(b->data, 500, 10));
        CHECK_INT(lseek(f.fd, 0, SEEK_CUR), 510);
        sl_iobuf_unref(b);
        teardown(&f);
}

static void test_uring_read_fixed_eof(void)
{
        struct fixture f;
        if (!setup(&f)) {
                teardown(&f);
                return;
        }
        sl_iobuf_t *b = sl_iobuf_get(f.pool);
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, 0, 4096, FILE_SIZE), 0);
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, 0, 4096, FILE_SIZE + 9999),
                  0);
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, 0, 0, 0), 0);
        sl_iobuf_unref(b);
        teardown(&f);
}

static void test_uring_read_fixed_invalid(void)
{
        struct fixture f;
        if (!setup(&f)) {
                teardown(&f);
                return;
        }
        sl_iobuf_t *b = sl_iobuf_get(f.pool);
        /* The range must stay inside the registered buffer. */
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, 1, BUFSZ, 0), -EINVAL);
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, b, BUFSZ + 1, 0, 0), -EINVAL);

        /* A buffer from a pool the ring did not register. */
        sl_iobuf_pool_t *other = sl_iobuf_pool_new(1, BUFSZ, NULL, 0);
        sl_iobuf_t *ob = sl_iobuf_get(other);
        CHECK_INT(sl_uring_read_fixed(f.u, f.fd, ob, 0, 10, 0), -EINVAL);
        sl_uring_t *bare = sl_uring_new(4, NULL, NULL, 0);
        CHECK(bare != NULL);
        CHECK_INT(sl_uring_read_fixed(bare, f.fd, ob, 0, 10, 0), -EINVAL);
        sl_uring_destroy(bare);
        sl_iobuf_unref(ob);
        sl_iobuf_pool_destroy(other);
        sl_iobuf_unref(b);
        teardown(&f);
}

static void test_uring_read_bad_fd(void)
{
        struct fixture f;
        if (!setup(&f)) {
                teardown(&f);
                return;
        }
        sl_iobuf_t *b = sl_iobuf_get(f.pool);
        CHECK_INT(sl_uring_read_fixed(f.u, -1, b, 0, 10, 0), -EBADF);
        int fd = dup(f.fd);
        close(fd);
        CHECK_INT(sl_uring_read_fixed(f.u, fd, b, 0, 10, 0), -EBADF);
        sl_iobuf_unref(b);
        teardown(&f);
}

/* n iovecs of varying sizes (some empty) over one contiguous source, so
 * the expected file content is just src[0 .. total). */
static size_t build_iov(struct iovec *iov, int n, char *src)
{
        size_t off = 0;
        for (int i = 0; i < n; i++) {
                size_t len = i % 11 == 5 ? 0 : (size_t)(i * 37 % 1500 + 1);
                iov[i].iov_base = src + off;
                iov[i].iov_len = len;
                off += len;
        }
        return off;
}

static bool file_equals(int fd, const char *want, size_t len)
{
        char *got = malloc(len + 1);
        ssize_t n = pread(fd, got, len + 1, 0);
        bool ok = n == (ssize_t)len && memcmp(got, want, len) == 0;
        free(got);
        return ok;
}

static void test_uring_writev_many_iovecs(void)
{
        sl_uring_t *u = sl_uring_new(0, NULL, NULL, 0);
        char path[sizeof(tmpl)];
        memcpy(path, tmpl, sizeof(tmpl));
        int fd = mkstemp(path);
        unlink(path);
        char *src = malloc(1024 * 1500);
        for (size_t i = 0; i < 1024 * 1500; i++)
                src[i] = (char)pattern(i);

        struct iovec iov[1000];
        size_t total = build_iov(iov, 1000, src);
        CHECK_INT(sl_uring_writev(u, fd, iov, 1000, 0), total);
        CHECK(file_equals(fd, src, total));

        /* At an offset, overwriting the start of the previous content. */
        struct iovec two[] = {{src + 5, 3}, {src + 100, 4}};
        CHECK_INT(sl_uring_writev(u, fd, two, 2, 10), 7);
        char back[7];
        CHECK_INT(pread(fd, back, 7, 10), 7);
        CHECK(memcmp(back, src + 5, 3) == 0 && memcmp(back + 3, src + 100, 4) == 0);

        CHECK_INT(sl_uring_writev(u, fd, iov, 0, 0), 0);
        CHECK_INT(sl_uring_writev(u, fd, iov, -1, 0), -EINVAL);
        free(src);
        close(fd);
        sl_uring_destroy(u);
}

static void test_uring_writev_append(void)
{
        sl_uring_t *u = sl_uring_new(0, NULL, NULL, 0);
        char path[sizeof(tmpl)];
        memcpy(path, tmpl, sizeof(tmpl));
        int fd = mkstemp(path);
        int afd = open(path, O_WRONLY | O_APPEND);
        unlink(path);
        char src[4096];
        for (size_t i = 0; i < sizeof(src); i++)
                src[i] = (char)pattern(i);
        struct iovec iov[40];
        size_t total = 0;
        for (int i = 0; i < 40; i++) {
                iov[i].iov_base = src + total;
                iov[i].iov_len = (size_t)i + 1;
                total += (size_t)i + 1;
        }
        /* Two writes at "the current position" land one after the other. */
        CHECK_INT(sl_uring_writev(u, afd, iov, 20, -1), 210);
        CHECK_INT(sl_uring_writev(u, afd, iov + 20, 20, -1), total - 210);
        CHECK(file_equals(fd, src, total));
        close(afd);
        close(fd);
        sl_uring_destroy(u);
}

struct drain {
        int fd;
        char *out;
        size_t len;
};

static void *drain_pipe(void *arg)
{
        struct drain *d = arg;
        for (;;) {
                /* Small reads keep the pipe near full, so the writer sees
                 * short writes. */
                ssize_t n = read(d->fd, d->out + d->len, 3000);
                if (n <= 0)
                        return NULL;
                d->len += (size_t)n;
        }
}

/* A non-blocking pipe with a slow reader forces short writes; both the
 * stack-copy (<= 16 iovecs) and heap-copy paths must finish the write. */
static void check_pipe_writev(int iovcnt)
{
        sl_uring_t *u = sl_uring_new(0, NULL, NULL, 0);
        int p[2];
        CHECK_INT(pipe2(p, O_NONBLOCK), 0);
        fcntl(p[0], F_SETFL, 0); /* the reader blocks */
        fcntl(p[1], F_SETPIPE_SZ, 4096);
        size_t size = 800 * 1000;
        char *src = malloc(size);
        for (size_t i = 0; i < size; i++)
                src[i] = (char)pattern(i);
        struct iovec *iov = calloc((size_t)iovcnt, sizeof(*iov));
        size_t per = size / (size_t)iovcnt;
        for (int i = 0; i < iovcnt; i++) {
                iov[i].iov_base = src + (size_t)i * per;
                iov[i].iov_len = per;
        }
        size_t total = per * (size_t)iovcnt;

        struct drain d = {p[0], malloc(size + 3000), 0};
        pthread_t t;
        pthread_create(&t, NULL, drain_pipe, &d);
        CHECK_INT(sl_uring_writev(u, p[1], iov, iovcnt, -1), total);
        close(p[1]);
        pthread_join(t, NULL);
        CHECK_INT(d.len, total);
        CHECK(memcmp(d.out, src, total) == 0);
        close(p[0]);
        free(d.out);
        free(iov);
        free(src);
        sl_uring_destroy(u);
}

static void test_uring_writev_short_writes_continue(void)
{
        check_pipe_writev(8);
        check_pipe_writev(500);
}

static void test_uring_writev_enospc(void)
{
        sl_uring_t *u = sl_uring_new(0, NULL, NULL, 0);
        int fd = open("/dev/full", O_WRONLY);
        CHECK(fd >= 0);
        struct iovec iov[] = {{"abc", 3}, {"defg", 4}};
        CHECK_INT(sl_uring_writev(u, fd, iov, 2, -1), -ENOSPC);
        close(fd);
        CHECK_INT(sl_uring_writev(u, -1, iov, 2, 0), -EBADF);
        sl_uring_destroy(u);
}

static void test_uring_fsync(void)
{
        struct fixture f;
        if (!setup(&f)) {
                teardown(&f);
                return;
        }
        CHECK_INT(sl_uring_fsync(f.u, f.fd, false), 0);
        CHECK_INT(sl_uring_fsync(f.u, f.fd, true), 0);
        CHECK_INT(sl_uring_fsync(f.u, -1, false), -EBADF);
        teardown(&f);
}

/* ------------------------------------------------------------- sockets */


/* A listening socket on 127.0.0.1; *port gets its port. */
static int listener(int backlog, int *port)
{
        struct sockaddr_in a = {.sin_family = AF_INET};
        socklen_t al = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
            listen(fd, backlog) != 0 ||
            getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        *port = ntohs(a.sin_port);
        return fd;
}

/* A port nothing listens on (bound then closed). */
static int dead_port(void)
{
        int port = 0, fd = listener(1, &port);
        close(fd);
        return port;
}

struct reader {
        int fd;
        char *out;
        size_t cap, len;
};

static void *read_all(void *arg)
{
        struct reader *r = arg;
        for (;;) {
                ssize_t n = read(r->fd, r->out + r->len,
                                 r->cap - r->len < 7000 ? r->cap - r->len : 7000);
                if (n <= 0)
                        return NULL;
                r->len += (size_t)n;
        }
}

static void check_net_roundtrip(sl_uring_t *u)
{
        int port, lfd = listener(8, &port);
        CHECK(lfd >= 0);
        int fd = sl_net_connect(u, "127.0.0.1", port, 2000);
        CHECK(fd >= 0);
        if (fd < 0) {
                close(lfd);
                return;
        }
        /* The contract: a connected, non-blocking socket. */
        CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
        int peer = accept(lfd, NULL, NULL);
        CHECK(peer >= 0);

        /* More than the socket buffers hold, over many iovecs: the sender
         * must continue after partial sends while the peer drains. */
        size_t size = 6 * 1000 * 1000;
        char *src = malloc(size);
        for (size_t i = 0; i < size; i++)
                src[i] = (char)pattern(i);
        struct iovec iov[300];
        size_t per = size / 300;
        for (int i = 0; i < 300; i++) {
                iov[i].iov_base = src + (size_t)i * per;
                iov[i].iov_len = per;
        }
        struct reader r = {peer, malloc(size), size, 0};
        pthread_t t;
        pthread_create(&t, NULL, read_all, &r);
        CHECK_INT(sl_net_send(u, fd, iov, 300, 10000), per * 300);
        shutdown(fd, SHUT_WR);
        pthread_join(t, NULL);
        CHECK_INT(r.len, per * 300);
        CHECK(memcmp(r.out, src, per * 300) == 0);

        /* recv: data, then a timeout while the peer is quiet, then 0 once
         * the peer closes. */
        char buf[64];
        CHECK_INT(write(peer, "hello", 5), 5);
        CHECK_INT(sl_net_recv(u, fd, buf, sizeof(buf), 2000), 5);
        CHECK(memcmp(buf, "hello", 5) == 0);
        int64_t t0 = sl_now_ms();
        CHECK_INT(sl_net_recv(u, fd, buf, sizeof(buf), 150), -ETIMEDOUT);
        int64_t took = sl_now_ms() - t0;
        CHECK(took >= 140 && took < 2000);
        CHECK_INT(write(peer, "x", 1), 1);
        CHECK_INT(sl_net_recv(u, fd, buf, sizeof(buf), 2000), 1);
        close(peer);
        CHECK_INT(sl_net_recv(u, fd, buf, sizeof(buf), 2000), 0);
        CHECK_INT(sl_net_send(u, fd, iov, 0, 100), 0);
        close(fd);
        close(lfd);
        free(r.out);
        free(src);
}

static void test_net_roundtrip_ring(void)
{
        sl_uring_t *u = sl_uring_new(8, NULL, NULL, 0);
        CHECK(u != NULL);
        check_net_roundtrip(u);
        /* No completion of the socket ops (or their timeouts) is left
         * behind for the next file operation to mistake for its own. */
        CHECK_INT(sl_uring_fsync(u, -1, false), -EBADF);
        sl_uring_destroy(u);
}

static void test_net_roundtrip_syscalls(void)
{
        check_net_roundtrip(NULL);
}

static void check_net_refused(sl_uring_t *u)
{
        int port = dead_port();
        CHECK_INT(sl_net_connect(u, "127.0.0.1", port, 1000), -ECONNREFUSED);
        CHECK_INT(sl_net_connect(u, "localhost", port, 1000), -ECONNREFUSED);
        CHECK_INT(sl_net_connect(u, "no-such-host.invalid", port, 1000), -EHOSTUNREACH);
}

static void test_net_refused(void)
{
        sl_uring_t *u = sl_uring_new(8, NULL, NULL, 0);
        check_net_refused(u);
        check_net_refused(NULL);
        sl_uring_destroy(u);
}

/* A listener with a full accept queue drops further SYNs, so a connect
 * hangs until its timeout. */
static void check_net_connect_timeout(sl_uring_t *u)
{
        int port, lfd = listener(0, &port);
        int fill = sl_net_connect(NULL, "127.0.0.1", port, 1000);
        CHECK(fill >= 0);
        int64_t t0 = sl_now_ms();
        int fd = sl_net_connect(u, "127.0.0.1", port, 200);
        int64_t took = sl_now_ms() - t0;
        CHECK_INT(fd, -ETIMEDOUT);
        CHECK(took >= 190 && took < 3000);
        if (fd >= 0)
                close(fd);
        close(fill);
        close(lfd);
}

static void test_net_connect_timeout(void)
{
        sl_uring_t *u = sl_uring_new(8, NULL, NULL, 0);
        check_net_connect_timeout(u);
        check_net_connect_timeout(NULL);
        CHECK_INT(sl_uring_fsync(u, -1, true), -EBADF);
        sl_uring_destroy(u);
}

/* A peer that never reads: the send fills the buffers and times out. */
static void check_net_send_timeout(sl_uring_t *u)
{
        int port, lfd = listener(8, &port);
        int fd = sl_net_connect(u, "127.0.0.1", port, 1000);
        int peer = accept(lfd, NULL, NULL);
        size_t size = 64 * 1000 * 1000;
        char *src = calloc(1, size);
        struct iovec iov = {src, size};
        CHECK(fd >= 0 && peer >= 0);
        int64_t t0 = sl_now_ms();
        CHECK_INT(sl_net_send(u, fd, &iov, 1, 200), -ETIMEDOUT);
        CHECK(sl_now_ms() - t0 < 3000);
        /* A reset connection is an error, not a hang. */
        struct linger lg = {1, 0};
        setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(peer);
        ssize_t r = sl_net_send(u, fd, &iov, 1, 2000);
        CHECK(r == -ECONNRESET || r == -EPIPE);
        free(src);
        close(fd);
        close(lfd);
}

static void test_net_send_timeout(void)
{
        sl_uring_t *u = sl_uring_new(8, NULL, NULL, 0);
        check_net_send_timeout(u);
        check_net_send_timeout(NULL);
        sl_uring_destroy(u);
}

int main(void)
{
        RUN(test_uring_read_fixed_across_buffers);
        RUN(test_uring_read_fixed_at_offsets);
        RUN(test_uring_read_fixed_eof);
        RUN(test_uring_read_fixed_invalid);
        RUN(test_uring_read_bad_fd);
        RUN(test_uring_writev_many_iovecs);
        RUN(test_uring_writev_append);
        RUN(test_uring_writev_short_writes_continue);
        RUN(test_uring_writev_enospc);
        RUN(test_uring_fsync);
        RUN(test_net_roundtrip_ring);
        RUN(test_net_roundtrip_syscalls);
        RUN(test_net_refused);
        RUN(test_net_connect_timeout);
        RUN(test_net_send_timeout);
        TEST_MAIN_END();
}
