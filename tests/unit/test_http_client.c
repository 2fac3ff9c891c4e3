/* sl_http_request against a one-shot server thread on 127.0.0.1:0 that
 * records the request and writes a canned reply. */
#include "sluice/common.h"
#include "util/http_client.h"
#include "sl_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------- server */

typedef enum srv_mode {
        SRV_CLOSE,    /* write the reply, then close */
        SRV_HOLD,     /* write the reply, keep open until the client closes */
        SRV_DRIP,     /* like HOLD, one byte per write */
        SRV_NO_REPLY, /* read the request, never answer */
} srv_mode_t;

typedef struct srv {
        int lfd;
        int port;
        srv_mode_t mode;
        const char *reply;
        size_t reply_len;
        char req[16384]; /* the request as received, NUL-terminated */
        size_t req_len;
        pthread_t th;
} srv_t;

static void set_timeout(int fd, int ms)
{
        struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Is the request in s->req complete (head plus Content-Length bytes)? */
static int request_complete(const srv_t *s)
{
        const char *end = strstr(s->req, "\r\n\r\n");
        if (!end)
                return 0;
        size_t head = (size_t)(end - s->req) + 4, cl = 0;
        for (const char *p = s->req; p < end; p++)
                if ((p == s->req || p[-1] == '\n') &&
                    strncasecmp(p, "Content-Length:", 15) == 0)
                        cl = strtoul(p + 15, NULL, 10);
        return s->req_len >= head + cl;
}

static void *srv_main(void *arg)
{
        srv_t *s = arg;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
                return NULL;
        set_timeout(fd, 2000);
        while (!request_complete(s) && s->req_len < sizeof(s->req) - 1) {
                ssize_t n = recv(fd, s->req + s->req_len,
                                 sizeof(s->req) - 1 - s->req_len, 0);
                if (n <= 0)
                        break;
                s->req_len += (size_t)n;
                s->req[s->req_len] = '\0';
        }
        if (s->mode == SRV_DRIP) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                for (size_t i = 0; i < s->reply_len; i++)
                        if (send(fd, s->reply + i, 1, MSG_NOSIGNAL) != 1)
                                break;
        } else if (s->mode != SRV_NO_REPLY) {
                (void)send(fd, s->reply, s->reply_len, MSG_NOSIGNAL);
        }
        if (s->mode != SRV_CLOSE) {
                char tmp[256];
                while (recv(fd, tmp, sizeof(tmp), 0) > 0)
                        ; /* until the client closes (or 2 s pass) */
        }
        close(fd);
        return NULL;
}

static int srv_start_af(srv_t *s, int family, const char *reply,
                        size_t reply_len, srv_mode_t mode)
{
        memset(s, 0, sizeof(*s));
        s->mode = mode;
        s->reply = reply;
        s->reply_len = reply_len;
        s->lfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->lfd < 0)
                return -1;
        struct sockaddr_storage ss = {0};
        socklen_t len;
        if (family == AF_INET6) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
                a->sin6_family = AF_INET6;
                a->sin6_addr = in6addr_loopback;
                len = sizeof(*a);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *)&ss;
                a->sin_family = AF_INET;
                a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                len = sizeof(*a);
        }
        if (bind(s->lfd, (struct sockaddr *)&ss, len) != 0 ||
            listen(s->lfd, 4) != 0 ||
            getsockname(s->lfd, (struct sockaddr *)&ss, &len) != 0) {
                close(s->lfd);
                return -1;
        }
        s->port = ntohs(family == AF_INET6
                                ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                : ((struct sockaddr_in *)&ss)->sin_port);
        set_timeout(s->lfd, 2000); /* accept gives up after 2 s */
        if (pthread_create(&s->th, NULL, srv_main, s) != 0) {
                close(s->lfd);
                return -1;
        }
        return 0;
}

static int srv_start(srv_t *s, const char *reply, srv_mode_t mode)
{
        int rc = srv_start_af(s, AF_INET, reply, reply ? strlen(reply) : 0,
                              mode);
        if (rc)
                fprintf(stderr, "cannot start the test server\n");
        return rc;
}

static void srv_stop(srv_t *s)
{
        pthread_join(s->th, NULL);
        close(s->lfd);
}

static char *base_url(const srv_t *s, char *buf, size_t n)
{
        snprintf(buf, n, "http://127.0.0.1:%d", s->port);
        return buf;
}

static long long elapsed_ms(const struct timespec *t0)
{
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (long long)(t1.tv_sec - t0->tv_sec) * 1000 +
               (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* -------------------------------------------------------------- tests */

static void test_get_content_length_reply(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        /* The server keeps the connection open: the client must stop at
         * Content-Length rather than wait for EOF. */
        if (srv_start(&s, "HTTP/1.1 200 OK\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: 12\r\n\r\n"
                          "{\"name\":\"x\"}",
                      SRV_HOLD))
                return (void)sl_test_failures++;
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "GET",
                                 "/connectors?forward=false", NULL, NULL, 0,
                                 2000, &r, err, sizeof(err));
        CHECK_INT(rc, 0);
        if (rc)
                fprintf(stderr, "  error: %s\n", err);
        CHECK_INT(r.status, 200);
        CHECK_STR(r.content_type, "application/json");
        CHECK_STR(r.body, "{\"name\":\"x\"}");
        CHECK_INT(r.body_len, 12);
        sl_http_response_clear(&r);
        srv_stop(&s);

        char host[64];
        snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", s.port);
        CHECK(strncmp(s.req, "GET /connectors?forward=false HTTP/1.1\r\n",
                      40) == 0);
        CHECK_CONTAINS(s.req, host);
        CHECK_CONTAINS(s.req, "\r\nConnection: close\r\n");
        CHECK_CONTAINS(s.req, "\r\nContent-Length: 0\r\n");
        CHECK(strstr(s.req, "Content-Type") == NULL);
}

static void test_post_sends_body_and_headers(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        const char *hdrs[] = {"X-Forwarded-By: worker-1",
                              "Accept: application/json", NULL};
        const char *body = "{\"name\":\"c1\",\"config\":{}}";
        /* lower-case header name: parsed case-insensitively */
        if (srv_start(&s, "HTTP/1.1 201 Created\r\ncontent-length: 2\r\n"
                          "CONTENT-TYPE: application/json\r\n\r\n{}",
                      SRV_HOLD))
                return (void)sl_test_failures++;
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "POST",
                                 "/connectors", hdrs, body, strlen(body),
                                 2000, &r, err, sizeof(err));
        CHECK_INT(rc, 0);
        CHECK_INT(r.status, 201);
        CHECK_STR(r.body, "{}");
        CHECK_STR(r.content_type, "application/json");
        sl_http_response_clear(&r);
        srv_stop(&s);

        CHECK(strncmp(s.req, "POST /connectors HTTP/1.1\r\n", 27) == 0);
        CHECK_CONTAINS(s.req, "\r\nContent-Length: 25\r\n");
        CHECK_CONTAINS(s.req, "\r\nContent-Type: application/json\r\n");
        CHECK_CONTAINS(s.req, "\r\nX-Forwarded-By: worker-1\r\n");
        CHECK_CONTAINS(s.req, "\r\nAccept: application/json\r\n");
        const char *sep = strstr(s.req, "\r\n\r\n");
        CHECK(sep != NULL);
        if (sep)
                CHECK_STR(sep + 4, body);
}

static void test_post_keeps_given_content_type(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        const char *hdrs[] = {"content-type: text/plain", NULL};
        if (srv_start(&s, "HTTP/1.1 204 No Content\r\n\r\n", SRV_HOLD))
                return (void)sl_test_failures++;
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "PUT", "/x",
                                 hdrs, "abc", 3, 2000, &r, err, sizeof(err));
        CHECK_INT(rc, 0);
        CHECK_INT(r.status, 204);
        CHECK_INT(r.body_len, 0);
        CHECK_STR(r.body, "");
        sl_http_response_clear(&r);
        srv_stop(&s);
        CHECK_CONTAINS(s.req, "\r\ncontent-type: text/plain\r\n");
        CHECK(strstr(s.req, "application/json") == NULL);
}

static const char chunked_reply[] = "HTTP/1.1 200 OK\r\n"
                                    "Transfer-Encoding: chunked\r\n"
                                    "Content-Type: text/plain\r\n\r\n"
                                    "5\r\nhello\r\n"
                                    "7;ext=1\r\n, world\r\n"
                                    "A\r\n 012345678\r\n"
                                    "0\r\nX-Trailer: t\r\n\r\n";

static void check_chunked(srv_mode_t mode)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        if (srv_start(&s, chunked_reply, mode))
                return (void)sl_test_failures++;
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "GET", "/",
                                 NULL, NULL, 0, 2000, &r, err, sizeof(err));
        CHECK_INT(rc, 0);
        if (rc)
                fprintf(stderr, "  error: %s\n", err);
        CHECK_INT(r.status, 200);
        CHECK_STR(r.content_type, "text/plain");
        CHECK_STR(r.body, "hello, world 012345678");
        CHECK_INT(r.body_len, 22);
        sl_http_response_clear(&r);
        srv_stop(&s);
}

static void test_chunked_reply_decoded(void)
{
        check_chunked(SRV_HOLD);
}

static void test_chunked_reply_one_byte_per_write(void)
{
        check_chunked(SRV_DRIP);
}

static void test_reply_without_length_read_to_eof(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        if (srv_start(&s, "HTTP/1.0 500 Internal Server Error\r\n\r\n"
                          "until the server closes",
                      SRV_CLOSE))
                return (void)sl_test_failures++;
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "DELETE",
                                 "/connectors/c1", NULL, NULL, 0, 2000, &r,
                                 err, sizeof(err));
        CHECK_INT(rc, 0);
        CHECK_INT(r.status, 500);
        CHECK(r.content_type == NULL);
        CHECK_STR(r.body, "until the server closes");
        sl_http_response_clear(&r);
        srv_stop(&s);
}

static void test_body_may_contain_nul(void)
{
        static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                    "\r\na\0b";
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        if (srv_start_af(&s, AF_INET, reply, sizeof(reply) - 1, SRV_HOLD))
                return (void)sl_test_failures++;
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "GET", "/",
                                 NULL, NULL, 0, 2000, &r, err, sizeof(err));
        CHECK_INT(rc, 0);
        CHECK_INT(r.body_len, 3);
        CHECK(r.body && memcmp(r.body, "a\0b", 4) == 0);
        sl_http_response_clear(&r);
        srv_stop(&s);
}

static void test_trailing_slash_in_base_url(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        if (srv_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                      SRV_HOLD))
                return (void)sl_test_failures++;
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
        int rc = sl_http_request(url, "GET", "/connectors", NULL, NULL, 0,
                                 2000, &r, err, sizeof(err));
        CHECK_INT(rc, 0);
        CHECK_STR(r.body, "");
        sl_http_response_clear(&r);
        srv_stop(&s);
        CHECK(strncmp(s.req, "GET /connectors HTTP/1.1\r\n", 26) == 0);
}

static void test_ipv6_url(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                    "\r\nv6";
        if (srv_start_af(&s, AF_INET6, reply, sizeof(reply) - 1, SRV_HOLD)) {
                printf("     (no IPv6 loopback, skipped)\n");
                return;
        }
        snprintf(url, sizeof(url), "http://[::1]:%d", s.port);
        int rc = sl_http_request(url, "GET", "/", NULL, NULL, 0, 2000, &r,
                                 err, sizeof(err));
        CHECK_INT(rc, 0);
        CHECK_STR(r.body, "v6");
        sl_http_response_clear(&r);
        srv_stop(&s);
        char host[64];
        snprintf(host, sizeof(host), "\r\nHost: [::1]:%d\r\n", s.port);
        CHECK_CONTAINS(s.req, host);
}

static void test_connection_refused_is_io_error(void)
{
        /* A bound socket that does not listen: connecting is refused. */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        CHECK(fd >= 0);
        CHECK_INT(bind(fd, (struct sockaddr *)&a, len), 0);
        CHECK_INT(getsockname(fd, (struct sockaddr *)&a, &len), 0);
        char url[64], err[256] = "", where[128];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
        snprintf(where, sizeof(where), "GET %s/connectors", url);
        sl_http_response_t r;
        int rc = sl_http_request(url, "GET", "/connectors", NULL, NULL, 0,
                                 2000, &r, err, sizeof(err));
        close(fd);
        CHECK_INT(rc, SL_ERR_IO);
        CHECK_CONTAINS(err, where);
        CHECK_CONTAINS(err, "Connection refused");
        CHECK(r.body == NULL && r.status == 0);
}

static void test_server_never_answers_times_out(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        if (srv_start(&s, NULL, SRV_NO_REPLY))
                return (void)sl_test_failures++;
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "GET", "/",
                                 NULL, NULL, 0, 300, &r, err, sizeof(err));
        long long ms = elapsed_ms(&t0);
        CHECK_INT(rc, SL_ERR_TIMEOUT);
        CHECK_CONTAINS(err, "timed out after 300 ms");
        CHECK_CONTAINS(err, url);
        if (ms < 250 || ms > 1000) {
                fprintf(stderr, "%s:%d: timed out after %lld ms, expected "
                        "about 300\n", __FILE__, __LINE__, ms);
                sl_test_failures++;
        }
        srv_stop(&s);
}

static void test_truncated_body_is_io_error(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        if (srv_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
                      SRV_CLOSE))
                return (void)sl_test_failures++;
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "GET", "/",
                                 NULL, NULL, 0, 2000, &r, err, sizeof(err));
        CHECK_INT(rc, SL_ERR_IO);
        CHECK_CONTAINS(err, "3 of 10");
        CHECK(r.body == NULL);
        srv_stop(&s);
}

static void test_body_over_64mib_rejected(void)
{
        srv_t s;
        char url[64], err[256] = "";
        sl_http_response_t r;
        if (srv_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 67108865\r\n\r\n",
                      SRV_HOLD))
                return (void)sl_test_failures++;
        int rc = sl_http_request(base_url(&s, url, sizeof(url)), "GET", "/",
                                 NULL, NULL, 0, 2000, &r, err, sizeof(err));
        CHECK_INT(rc, SL_ERR_IO);
        CHECK_CONTAINS(err, "64 MiB");
        srv_stop(&s);
}

/* https URLs are taken (the TLS exchange itself is in test_tls.c). */
static void test_https_url_accepted(void)
{
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        char url[64], err[256] = "";
        sl_http_response_t r;

        CHECK(fd >= 0);
        CHECK_INT(bind(fd, (struct sockaddr *)&a, len), 0);
        CHECK_INT(getsockname(fd, (struct sockaddr *)&a, &len), 0);
        snprintf(url, sizeof(url), "HTTPS://127.0.0.1:%d", ntohs(a.sin_port));
        int rc = sl_http_request(url, "GET", "/x", NULL, NULL, 0, 2000, &r,
                                 err, sizeof(err));
        close(fd);
        CHECK_INT(rc, SL_ERR_IO);
        CHECK_CONTAINS(err, "cannot connect");
        CHECK_CONTAINS(err, "GET https://127.0.0.1:");
}

static void test_garbage_urls_rejected(void)
{
        static const char *const bad[] = {
                "",                 "not a url",       "127.0.0.1:8083",
                "ftp://host:21",    "http://",         "http://:8083",
                "http://host:",     "http://host:0",   "http://host:65536",
                "http://host:80x",  "http://[::1",     "http://[zz]:1",
                "http://u@host:1",  "http://host:1?q", "http://host:1/a b",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char err[256] = "";
                sl_http_response_t r;
                int rc = sl_http_request(bad[i], "GET", "/", NULL, NULL, 0,
                                         300, &r, err, sizeof(err));
                if (rc != SL_ERR_INVALID || !err[0]) {
                        fprintf(stderr, "%s:%d: URL \"%s\": rc %d (%s), "
                                "expected SL_ERR_INVALID\n", __FILE__,
                                __LINE__, bad[i], rc, err);
                        sl_test_failures++;
                }
        }
}

static void test_bad_arguments_rejected(void)
{
        const char *crlf[] = {"X-Evil: a\r\nInjected: b", NULL};
        const char *noname[] = {"no colon here", NULL};
        char err[256] = "";
        sl_http_response_t r;
        CHECK_INT(sl_http_request("http://127.0.0.1:1", "GET", "/", crlf, NULL,
                                  0, 300, &r, err, sizeof(err)),
                  SL_ERR_INVALID);
        CHECK_INT(sl_http_request("http://127.0.0.1:1", "GET", "/", noname,
                                  NULL, 0, 300, &r, err, sizeof(err)),
                  SL_ERR_INVALID);
        CHECK_INT(sl_http_request("http://127.0.0.1:1", "GET", "no-slash",
                                  NULL, NULL, 0, 300, &r, err, sizeof(err)),
                  SL_ERR_INVALID);
        CHECK_INT(sl_http_request("http://127.0.0.1:1", "G T", "/", NULL, NULL,
                                  0, 300, &r, err, sizeof(err)),
                  SL_ERR_INVALID);
}

int main(void)
{
        RUN(test_get_content_length_reply);
        RUN(test_post_sends_body_and_headers);
        RUN(test_post_keeps_given_content_type);
        RUN(test_chunked_reply_decoded);
        RUN(test_chunked_reply_one_byte_per_write);
        RUN(test_reply_without_length_read_to_eof);
        RUN(test_body_may_contain_nul);
        RUN(test_trailing_slash_in_base_url);
        RUN(test_ipv6_url);
        RUN(test_connection_refused_is_io_error);
        RUN(test_server_never_answers_times_out);
        RUN(test_truncated_body_is_io_error);
        RUN(test_body_over_64mib_rejected);
        RUN(test_https_url_accepted);
        RUN(test_garbage_urls_rejected);
        RUN(test_bad_arguments_rejected);
        TEST_MAIN_END();
}
