/* The connector HTTP client against an in-process server thread: keep-alive
 * reuse, chunked and EOF-delimited bodies, HEAD, error statuses, servers
 * closing connections, timeouts and malformed responses. */
#include "net/httpc.h"
#include "sl_test.h"
#include "task_stub.h"

/* The HTTP sink's retry and batching logic is tested here too, against
 * the same server; its target has no unit test of its own. */
#include "http/http_sink.c"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------- server */

typedef struct server {
        int lfd, port;
        pthread_t thr;
        atomic_int conns;    /* connections accepted */
        atomic_int requests; /* requests read */
        atomic_int drop_next; /* close a reused connection on its next request */
        atomic_int flaky_ok;    /* /flaky: accept this many requests, */
        atomic_int flaky_fail;  /* then answer 503 to this many */
        pthread_mutex_t mu;
        char last_req[8192]; /* head + body of the last request */
        char accepted[4096]; /* /flaky: bodies answered 200, each + ";" */
} server_t;

typedef struct conn {
        server_t *s;
        int fd;
} conn_t;

static void send_str(int fd, const char *s)
{
        size_t n = strlen(s);
        while (n > 0) {
                ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
                if (w <= 0)
                        return;
                s += w;
                n -= (size_t)w;
        }
}

/* One request (head and Content-Length body) into buf. Length or -1. */
static int read_request(int fd, char *buf, size_t cap)
{
        size_t len = 0;
        char *end;
        while (!(buf[len] = '\0') && !(end = strstr(buf, "\r\n\r\n"))) {
                ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
                if (n <= 0)
                        return -1;
                len += (size_t)n;
        }
        size_t head = (size_t)(end + 4 - buf), body = 0;
        const char *cl = strcasestr(buf, "\r\ncontent-length:");
        if (cl && cl < end)
                body = strtoul(cl + 17, NULL, 10);
        while (len < head + body) {
                ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
                if (n <= 0)
                        return -1;
                len += (size_t)n;
        }
        buf[len] = '\0';
        return (int)len;
}

static void *serve_conn(void *arg)
{
        conn_t *cn = arg;
        server_t *s = cn->s;
        char *req = malloc(65536), path[256], method[16];
        int served = 0;

        for (;;) {
                char resp[1024];
                if (read_request(cn->fd, req, 65536) < 0)
                        break;
                atomic_fetch_add(&s->requests, 1);
                pthread_mutex_lock(&s->mu);
                snprintf(s->last_req, sizeof(s->last_req), "%s", req);
                pthread_mutex_unlock(&s->mu);
                if (sscanf(req, "%15s %255s", method, path) != 2)
                        break;
                if (served > 0 && atomic_exchange(&s->drop_next, 0))
                        break; /* as if it had timed the idle connection out */
                served++;
                if (!strcmp(path, "/chunked")) {
                        send_str(cn->fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                         "\r\n5;ext=1\r\nhello\r\n1\r\n,\r\n"
                                         "6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
                } else if (!strcmp(path, "/404")) {
                        send_str(cn->fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n"
                                         "Content-Type: text/plain\r\n\r\nnot found");
                } else if (!strcmp(path, "/close")) {
                        send_str(cn->fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
                                         "Content-Length: 3\r\n\r\nbye");
                        break;
                } else if (!strcmp(path, "/eof")) {
                        send_str(cn->fd, "HTTP/1.1 200 OK\r\n\r\nuntil the end");
                        break;
                } else if (!strcmp(path, "/closeidle")) {
                        send_str(cn->fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                        usleep(20000);
                        break;
                } else if (!strcmp(path, "/idle408")) {
                        send_str(cn->fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                        usleep(20000);
                        send_str(cn->fd, "HTTP/1.1 408 Request Timeout\r\n"
                                         "Content-Length: 0\r\nConnection: close\r\n\r\n");
                        usleep(20000);
                        break;
                } else if (!strcmp(path, "/slow")) {
                        usleep(600000);
                        break;
                } else if (!strcmp(path, "/drop")) {
                        break;
                } else if (!strcmp(path, "/garbage")) {
                        send_str(cn->fd, "SMTP ready\r\n\r\n");
                        break;
                } else if (!strcmp(path, "/continue")) {
                        send_str(cn->fd, "HTTP/1.1 100 Continue\r\n\r\n"
                                         "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
                } else if (!strcmp(path, "/flaky")) {
                        bool ok = true;
                        if (atomic_load(&s->flaky_ok) > 0)
                                atomic_fetch_sub(&s->flaky_ok, 1);
                        else if (atomic_load(&s->flaky_fail) > 0)
                                ok = atomic_fetch_sub(&s->flaky_fail, 1) <= 0;
                        if (ok) {
                                pthread_mutex_lock(&s->mu);
                                size_t l = strlen(s->accepted);
                                snprintf(s->accepted + l, sizeof(s->accepted) - l, "%s;",
                                         strstr(req, "\r\n\r\n") + 4);
                                pthread_mutex_unlock(&s->mu);
                                send_str(cn->fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                        } else {
                                send_str(cn->fd, "HTTP/1.1 503 Service Unavailable\r\n"
                                                 "Content-Length: 5\r\n\r\nflaky");
                        }
                } else if (!strcmp(path, "/always503")) {
                        send_str(cn->fd, "HTTP/1.1 503 Service Unavailable\r\n"
                                         "Content-Length: 4\r\n\r\nbusy");
                } else if (!strcmp(path, "/big")) {
                        send_str(cn->fd, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
                        char *big = malloc(5001);
                        memset(big, 'b', 5000);
                        big[5000] = '\0';
                        send_str(cn->fd, big);
                        free(big);
                } else {
                        /* echo: the method, path and body length */
                        const char *body = strstr(req, "\r\n\r\n") + 4;
                        char text[400];
                        int n = snprintf(text, sizeof(text), "%s %s %zu", method, path,
                                         strlen(body));
                        snprintf(resp, sizeof(resp),
                                 "HTTP/1.1 200 OK\r\nX-Custom-Header:  Value Here \r\n"
                                 "Content-Length: %d\r\n\r\n%s",
                                 n, strcmp(method, "HEAD") ? text : "");
                        send_str(cn->fd, resp);
                }
        }
        close(cn->fd);
        free(req);
        free(cn);
        return NULL;
}

static void *serve(void *arg)
{
        server_t *s = arg;
        for (;;) {
                int fd = accept(s->lfd, NULL, NULL);
                if (fd < 0)
                        return NULL;
                atomic_fetch_add(&s->conns, 1);
                conn_t *cn = malloc(sizeof(*cn));
                cn->s = s;
                cn->fd = fd;
                pthread_t t;
                pthread_create(&t, NULL, serve_conn, cn);
                pthread_detach(t);
        }
}

static server_t *server_start(void)
{
        server_t *s = calloc(1, sizeof(*s));
        struct sockaddr_in a = {.sin_family = AF_INET};
        socklen_t al = sizeof(a);
        int one = 1;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        s->lfd = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        bind(s->lfd, (struct sockaddr *)&a, sizeof(a));
        listen(s->lfd, 16);
        getsockname(s->lfd, (struct sockaddr *)&a, &al);
        s->port = ntohs(a.sin_port);
        pthread_mutex_init(&s->mu, NULL);
        pthread_create(&s->thr, NULL, serve, s);
        return s;
}

static void server_stop(server_t *s)
{
        shutdown(s->lfd, SHUT_RDWR);
        close(s->lfd);
        pthread_join(s->thr, NULL);
        usleep(50000); /* let connection threads notice their peers went */
        free(s);
}

static sl_httpc_t *client(server_t *s, const char *prefix, int timeout_ms)
{
        char url[128], err[256] = "";
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, prefix);
        sl_httpc_t *c = sl_httpc_new(NULL, url, timeout_ms, err, sizeof(err));
        if (!c)
                fprintf(stderr, "sl_httpc_new: %s\n", err);
        CHECK(c != NULL);
        return c;
}

/* -------------------------------------------------------------- tests */

static void test_httpc_keepalive_reuse(void)
{
        server_t *s = server_start();
        sl_httpc_t *c = client(s, "/api/", 2000);
        sl_httpc_resp_t resp;
        char err[256] = "";
        const char *hdrs[] = {"Content-Type: application/json", "X-Req: 1", NULL};
        struct iovec body[] = {{"{\"a\":", 5}, {"1}", 2}};

        char hp[64];
        snprintf(hp, sizeof(hp), "127.0.0.1:%d", s->port);
        CHECK_STR(sl_httpc_host(c), hp);
        CHECK_STR(sl_httpc_prefix(c), "/api");
        for (int i = 0; i < 5; i++) {
                CHECK_INT(sl_httpc_request(c, "POST", "/things?x=1", hdrs, body, 2, &resp,
                                           err, sizeof(err)), 0);
                CHECK_INT(resp.status, 200);
                CHECK_STR(resp.body.data, "POST /api/things?x=1 7");
                CHECK_INT(resp.body.len, strlen("POST /api/things?x=1 7"));
                /* names lower-cased, values trimmed */
                CHECK_STR(sl_httpc_resp_header(&resp, "x-custom-header"), "Value Here");
                CHECK_STR(sl_httpc_resp_header(&resp, "X-Custom-Header"), "Value Here");
                CHECK_STR(resp.headers[0], "x-custom-header");
                CHECK(sl_httpc_resp_header(&resp, "x-none") == NULL);
                sl_httpc_resp_clear(&resp);
        }
        CHECK_INT(atomic_load(&s->conns), 1);
        CHECK_INT(atomic_load(&s->requests), 5);
        pthread_mutex_lock(&s->mu);
        char host[64];
        snprintf(host, sizeof(host), "Host: 127.0.0.1:%d\r\n", s->port);
        CHECK_CONTAINS(s->last_req, host);
        CHECK_CONTAINS(s->last_req, "Content-Length: 7\r\n");
        CHECK_CONTAINS(s->last_req, "X-Req: 1\r\n");
        CHECK_CONTAINS(s->last_req, "\r\n\r\n{\"a\":1}");
        pthread_mutex_unlock(&s->mu);

        /* GET without a body sends no Content-Length; POST without one
         * sends 0. */
        CHECK_INT(sl_httpc_request(c, "GET", "/x", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_STR(resp.body.data, "GET /api/x 0");
        pthread_mutex_lock(&s->mu);
        CHECK(strcasestr(s->last_req, "content-length") == NULL);
        pthread_mutex_unlock(&s->mu);
        sl_httpc_resp_clear(&resp);
        CHECK_INT(sl_httpc_request(c, "POST", "", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_STR(resp.body.data, "POST /api 0");
        sl_httpc_resp_clear(&resp);
        CHECK_INT(atomic_load(&s->conns), 1);
        sl_httpc_destroy(c);
        server_stop(s);
}

static void test_httpc_chunked_head_continue(void)
{
        server_t *s = server_start();
        sl_httpc_t *c = client(s, "", 2000);
        sl_httpc_resp_t resp;
        char err[256] = "";

        CHECK_INT(sl_httpc_request(c, "GET", "/chunked", NULL, NULL, 0, &resp, err,
                                   sizeof(err)), 0);
        CHECK_INT(resp.status, 200);
        CHECK_STR(resp.body.data, "hello, world");
        sl_httpc_resp_clear(&resp);
        /* HEAD: Content-Length describes a body that is not sent. */
        CHECK_INT(sl_httpc_request(c, "HEAD", "/h", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_INT(resp.status, 200);
        CHECK_INT(resp.body.len, 0);
        CHECK(resp.body.data && resp.body.data[0] == '\0');
        sl_httpc_resp_clear(&resp);
        CHECK_INT(sl_httpc_request(c, "PUT", "/continue", NULL, NULL, 0, &resp, err,
                                   sizeof(err)), 0);
        CHECK_INT(resp.status, 201);
        sl_httpc_resp_clear(&resp);
        CHECK_INT(sl_httpc_request(c, "GET", "/big", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_INT(resp.body.len, 5000);
        sl_httpc_resp_clear(&resp);
        /* all on one connection */
        CHECK_INT(atomic_load(&s->conns), 1);

        sl_httpc_set_max_body(c, 4000);
        CHECK_INT(sl_httpc_request(c, "GET", "/big", NULL, NULL, 0, &resp, err, sizeof(err)),
                  SL_ERR_IO);
        CHECK_CONTAINS(err, "4000");
        sl_httpc_destroy(c);
        server_stop(s);
}

static void test_httpc_error_status_body(void)
{
        server_t *s = server_start();
        sl_httpc_t *c = client(s, "", 2000);
        sl_httpc_resp_t resp;
        char err[256] = "";

        CHECK_INT(sl_httpc_request(c, "GET", "/404", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_INT(resp.status, 404);
        CHECK_STR(resp.body.data, "not found");
        CHECK_STR(sl_httpc_resp_header(&resp, "content-type"), "text/plain");
        sl_httpc_resp_clear(&resp);
        CHECK_INT(sl_httpc_request(c, "GET", "/after", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_INT(resp.status, 200);
        sl_httpc_resp_clear(&resp);
        CHECK_INT(atomic_load(&s->conns), 1);
        sl_httpc_destroy(c);
        server_stop(s);
}

static void test_httpc_server_closes(void)
{
        server_t *s = server_start();
        sl_httpc_t *c = client(s, "", 2000);
        sl_httpc_resp_t resp;
        char err[256] = "";

        /* Connection: close is honoured: the next request reconnects. */
        CHECK_INT(sl_httpc_request(c, "GET", "/close", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_STR(resp.body.data, "bye");
        sl_httpc_resp_clear(&resp);
        CHECK_INT(sl_httpc_request(c, "GET", "/eof", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_STR(resp.body.data, "until the end");
        sl_httpc_resp_clear(&resp);
        CHECK_INT(atomic_load(&s->conns), 2);

        /* A server that closed the idle connection after answering. */
        CHECK_INT(sl_httpc_request(c, "GET", "/closeidle", NULL, NULL, 0, &resp, err,
                                   sizeof(err)), 0);
        sl_httpc_resp_clear(&resp);
        usleep(100000);
        CHECK_INT(sl_httpc_request(c, "GET", "/x", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_STR(resp.body.data, "GET /x 0");
        sl_httpc_resp_clear(&resp);
        CHECK_INT(atomic_load(&s->conns), 4);

        /* ...or said 408 first: that is no answer to the next request. */
        CHECK_INT(sl_httpc_request(c, "GET", "/idle408", NULL, NULL, 0, &resp, err,
                                   sizeof(err)), 0);
        sl_httpc_resp_clear(&resp);
        usleep(100000);
        CHECK_INT(sl_httpc_request(c, "GET", "/y", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_INT(resp.status, 200);
        CHECK_STR(resp.body.data, "GET /y 0");
        sl_httpc_resp_clear(&resp);
        CHECK_INT(atomic_load(&s->conns), 5);

        /* It closes the kept-alive connection as the request arrives: the
         * request is sent again, once, on a new connection. */
        atomic_store(&s->drop_next, 1);
        int before = atomic_load(&s->requests);
        struct iovec body = {"payload", 7};
        CHECK_INT(sl_httpc_request(c, "POST", "/retry", NULL, &body, 1, &resp, err,
                                   sizeof(err)), 0);
        CHECK_INT(resp.status, 200);
        CHECK_STR(resp.body.data, "POST /retry 7");
        sl_httpc_resp_clear(&resp);
        CHECK_INT(atomic_load(&s->requests) - before, 2);
        CHECK_INT(atomic_load(&s->conns), 6);

        /* On a fresh connection the same failure is not retried. */
        sl_httpc_close(c);
        before = atomic_load(&s->requests);
        CHECK_INT(sl_httpc_request(c, "POST", "/drop", NULL, &body, 1, &resp, err, sizeof(err)),
                  SL_ERR_IO);
        CHECK_CONTAINS(err, "POST http://127.0.0.1:");
        CHECK_CONTAINS(err, "/drop: connection closed");
        CHECK_INT(atomic_load(&s->requests) - before, 1);
        /* and the client recovers */
        CHECK_INT(sl_httpc_request(c, "GET", "/ok", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        sl_httpc_resp_clear(&resp);
        sl_httpc_destroy(c);
        server_stop(s);
}

static void test_httpc_timeout(void)
{
        server_t *s = server_start();
        sl_httpc_t *c = client(s, "", 200);
        sl_httpc_resp_t resp;
        char err[256] = "";
        struct timespec t0, t1;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        CHECK_INT(sl_httpc_request(c, "GET", "/slow", NULL, NULL, 0, &resp, err, sizeof(err)),
                  SL_ERR_TIMEOUT);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        CHECK(ms >= 190 && ms < 550);
        CHECK_CONTAINS(err, "GET http://127.0.0.1:");
        CHECK_CONTAINS(err, "/slow: timed out");
        /* The timed-out connection is not reused. */
        CHECK_INT(sl_httpc_request(c, "GET", "/x", NULL, NULL, 0, &resp, err, sizeof(err)), 0);
        CHECK_INT(resp.status, 200);
        sl_httpc_resp_clear(&resp);
        CHECK_INT(atomic_load(&s->conns), 2);
        sl_httpc_destroy(c);
        server_stop(s);
}

static void test_httpc_bad_responses_and_urls(void)
{
        server_t *s = server_start();
        sl_httpc_t *c = client(s, "", 2000);
        sl_httpc_resp_t resp;
        char err[256] = "";
        int port = s->port;

        CHECK_INT(sl_httpc_request(c, "GET", "/garbage", NULL, NULL, 0, &resp, err, sizeof(err)),
                  SL_ERR_IO);
        CHECK_CONTAINS(err, "malformed status line");
        sl_httpc_destroy(c);
        server_stop(s);

        /* Nothing listens any more. */
        char url[64];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
        c = sl_httpc_new(NULL, url, 1000, err, sizeof(err));
        CHECK(c != NULL);
        CHECK_INT(sl_httpc_request(c, "POST", "/p", NULL, NULL, 0, &resp, err, sizeof(err)),
                  SL_ERR_IO);
        CHECK_CONTAINS(err, "connecting: Connection refused");
        sl_httpc_destroy(c);

        CHECK(sl_httpc_new(NULL, "https://example.com", 1000, err, sizeof(err)) == NULL);
        CHECK_CONTAINS(err, "https is not supported");
        CHECK(sl_httpc_new(NULL, "ftp://x", 1000, err, sizeof(err)) == NULL);
        CHECK(sl_httpc_new(NULL, "http://h:99999/", 1000, err, sizeof(err)) == NULL);
        CHECK_CONTAINS(err, "bad port");
        CHECK(sl_httpc_new(NULL, "http:///x", 1000, err, sizeof(err)) == NULL);
        c = sl_httpc_new(NULL, "http://[::1]:8080/p/q", 1000, err, sizeof(err));
        CHECK(c != NULL);
        CHECK_STR(sl_httpc_host(c), "[::1]:8080");
        CHECK_STR(sl_httpc_prefix(c), "/p/q");
        sl_httpc_destroy(c);
        c = sl_httpc_new(NULL, "http://example.com", 1000, err, sizeof(err));
        CHECK_STR(sl_httpc_host(c), "example.com:80");
        CHECK_STR(sl_httpc_prefix(c), "");
        sl_httpc_destroy(c);
}

/* ---------------------------------------------------------- HTTP sink */

static void test_sink_status_ranges(void)
{
        http_status_ranges_t r;
        char err[256] = "";
        CHECK_INT(http_parse_status_ranges("404, 408 ,500-", &r, err, sizeof(err)), 0);
        CHECK(http_status_in(&r, 404) && http_status_in(&r, 408));
        CHECK(!http_status_in(&r, 409) && !http_status_in(&r, 499));
        CHECK(http_status_in(&r, 500) && http_status_in(&r, 599));
        CHECK_INT(http_parse_status_ranges("400-499", &r, err, sizeof(err)), 0);
        CHECK(http_status_in(&r, 400) && http_status_in(&r, 499) && !http_status_in(&r, 500));
        CHECK_INT(http_parse_status_ranges("-299", &r, err, sizeof(err)), 0);
        CHECK(http_status_in(&r, 100) && !http_status_in(&r, 300));
        CHECK_INT(http_parse_status_ranges("", &r, err, sizeof(err)), 0);
        CHECK(!http_status_in(&r, 500));
        CHECK_INT(http_parse_status_ranges("500,abc", &r, err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "'abc'");
        CHECK_INT(http_parse_status_ranges("600", &r, err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_INT(http_parse_status_ranges("500-400", &r, err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_INT(http_parse_status_ranges("-", &r, err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_INT(http_parse_status_ranges("5000-", &r, err, sizeof(err)), SL_ERR_CONFIG);
}

static void test_sink_headers(void)
{
        char **h = NULL, err[256] = "";
        CHECK_INT(parse_headers(" A: 1 |B:two words||", "|", &h, err, sizeof(err)), 2);
        CHECK_STR(h[0], "A: 1");
        CHECK_STR(h[1], "B: two words");
        CHECK(h[2] == NULL);
        for (int i = 0; h[i]; i++)
                free(h[i]);
        free(h);
        CHECK_INT(parse_headers("A:1;;B:2", ";;", &h, err, sizeof(err)), 2);
        CHECK_STR(h[1], "B: 2");
        free(h[0]);
        free(h[1]);
        free(h);
        CHECK_INT(parse_headers("A=1", "|", &h, err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "'A=1' is not name:value");
        CHECK_INT(parse_headers("Bad Name:1", "|", &h, err, sizeof(err)), SL_ERR_CONFIG);
}

typedef struct sink_fixture {
        sl_task_ctx_t *ctx;
        void *state;
        sl_strmap_t *cfg;
} sink_fixture_t;

static bool sink_open_with(server_t *srv, sink_fixture_t *f, const char *path,
                           const char *const *kv)
{
        char url[128], err[512] = "";
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv->port, path);
        f->ctx = stub_ctx_new("hs", 0, NULL);
        f->cfg = sl_strmap_new();
        sl_strmap_set(f->cfg, "http.api.url", url);
        for (int i = 0; kv[i]; i += 2)
                sl_strmap_set(f->cfg, kv[i], kv[i + 1]);
        f->state = NULL;
        int rc = sl_http_sink_plugin.task_start(f->ctx, f->cfg, &f->state, err, sizeof(err));
        if (rc != 0)
                fprintf(stderr, "task_start: %s\n", err);
        CHECK_INT(rc, 0);
        return rc == 0;
}

static void sink_close(sink_fixture_t *f)
{
        sl_http_sink_plugin.task_stop(f->state);
        stub_ctx_free(f->ctx);
        sl_strmap_destroy(f->cfg);
}

#define NRECS 5
static sl_json_t rec_vals[NRECS];
static sl_sink_record_t recs[NRECS];

static void make_records(void)
{
        static const char *v[NRECS] = {"r0", "r1", "r2", "r3", "r4"};
        for (int i = 0; i < NRECS; i++) {
                rec_vals[i] = SL_JSON_STRING_REF(v[i], 2);
                recs[i] = (sl_sink_record_t){.topic = "t", .partition = 0, .offset = 10 + i,
                                             .timestamp = -1,
                                             .value = {NULL, &rec_vals[i]}};
        }
}

static void test_sink_put_batches(void)
{
        server_t *srv = server_start();
        sink_fixture_t f;
        char err[512] = "";
        const char *kv[] = {"batch.max.size", "2", "batch.prefix", "[", "batch.suffix", "]",
                            "batch.separator", "|", "headers", "X-A:1", NULL};
        make_records();
        if (sink_open_with(srv, &f, "/in", kv)) {
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, NRECS, err, sizeof(err)), 0);
                CHECK_INT(atomic_load(&srv->requests), 3);
                CHECK_INT(atomic_load(&srv->conns), 1);
                pthread_mutex_lock(&srv->mu);
                CHECK_CONTAINS(srv->last_req, "POST /in HTTP/1.1\r\n");
                CHECK_CONTAINS(srv->last_req, "X-A: 1\r\n");
                CHECK_CONTAINS(srv->last_req, "Content-Type: text/plain");
                CHECK_CONTAINS(srv->last_req, "\r\n\r\n[r4]");
                pthread_mutex_unlock(&srv->mu);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 2, err, sizeof(err)), 0);
                pthread_mutex_lock(&srv->mu);
                CHECK_CONTAINS(srv->last_req, "\r\n\r\n[r0|r1]");
                pthread_mutex_unlock(&srv->mu);
                sink_close(&f);
        }
        server_stop(srv);
}

static void test_sink_put_exhausted_fail_and_ignore(void)
{
        server_t *srv = server_start();
        sink_fixture_t f;
        char err[512] = "";
        const char *fail_kv[] = {"batch.max.size", "10", "max.retries", "2",
                                 "retry.backoff.ms", "100", "retry.backoff.policy",
                                 "CONSTANT_VALUE", NULL};
        make_records();
        if (sink_open_with(srv, &f, "/always503", fail_kv)) {
                /* one request a put; the host puts again after the back-off */
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 3, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK_INT(stub_retry_after(f.ctx), 100);
                CHECK_CONTAINS(err, "3 records (t-0@10 .. t-0@12)");
                CHECK_CONTAINS(err, "retry 1/2 in 100 ms");
                CHECK_CONTAINS(err, "returned HTTP 503: busy");
                CHECK_INT(atomic_load(&srv->requests), 1);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 3, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK_CONTAINS(err, "retry 2/2 in 100 ms");
                CHECK_INT(atomic_load(&srv->requests), 2);
                /* the attempt budget is spent: the task fails */
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 3, err, sizeof(err)),
                          SL_ERR_IO);
                CHECK_CONTAINS(err, "Exhausted retries sending 3 records (t-0@10 .. t-0@12)");
                CHECK_CONTAINS(err, "returned HTTP 503: busy");
                CHECK_INT(atomic_load(&srv->requests), 3);
                sink_close(&f);
        }
        /* Not in retry.on.status.codes: one attempt only. */
        const char *noretry_kv[] = {"retry.on.status.codes", "400-499", "max.retries", "5",
                                    NULL};
        if (sink_open_with(srv, &f, "/always503", noretry_kv)) {
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 1, err, sizeof(err)),
                          SL_ERR_IO);
                CHECK_CONTAINS(err, "Non-retriable response sending 1 record (t-0@10)");
                CHECK_INT(atomic_load(&srv->requests), 4);
                CHECK_INT(stub_retry_after(f.ctx), -1);
                sink_close(&f);
        }
        const char *ignore_kv[] = {"behavior.on.error", "ignore", "max.retries", "1",
                                   "retry.backoff.ms", "1", NULL};
        if (sink_open_with(srv, &f, "/always503", ignore_kv)) {
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 1, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 1, err, sizeof(err)), 0);
                CHECK_INT(atomic_load(&srv->requests), 6);
                sink_close(&f);
        }
        /* max.retries=0: the first failure is final */
        const char *none_kv[] = {"max.retries", "0", NULL};
        if (sink_open_with(srv, &f, "/always503", none_kv)) {
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 1, err, sizeof(err)),
                          SL_ERR_IO);
                CHECK_CONTAINS(err, "Exhausted retries sending 1 record (t-0@10)");
                CHECK_INT(atomic_load(&srv->requests), 7);
                sink_close(&f);
        }
        server_stop(srv);
}

/* A long back-off no longer holds put: it returns at once and hands the
 * (exponential, jittered) wait to the host. */
static void test_sink_put_does_not_sleep_during_backoff(void)
{
        server_t *srv = server_start();
        sink_fixture_t f;
        char err[512] = "";
        const char *kv[] = {"retry.backoff.ms", "20000", "max.retries", "10", NULL};
        make_records();
        if (sink_open_with(srv, &f, "/always503", kv)) {
                struct timespec t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 1, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                clock_gettime(CLOCK_MONOTONIC, &t1);
                CHECK((t1.tv_sec - t0.tv_sec) < 2);
                CHECK(stub_retry_after(f.ctx) >= 10000 && stub_retry_after(f.ctx) <= 20000);
                CHECK_CONTAINS(err, "retry 1/10");
                CHECK_INT(atomic_load(&srv->requests), 1);
                /* doubling per attempt */
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 1, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK(stub_retry_after(f.ctx) >= 20000 && stub_retry_after(f.ctx) <= 40000);
                CHECK_CONTAINS(err, "retry 2/10");
                /* capped */
                for (int i = 0; i < 5; i++)
                        CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 1, err,
                                                               sizeof(err)),
                                  SL_ERR_RETRIABLE);
                CHECK(stub_retry_after(f.ctx) >= BACKOFF_CAP_MS / 2 &&
                      stub_retry_after(f.ctx) <= BACKOFF_CAP_MS);
                CHECK_INT(atomic_load(&srv->requests), 7);
                sink_close(&f);
        }
        server_stop(srv);
}

static void accepted_is(server_t *srv, const char *want)
{
        pthread_mutex_lock(&srv->mu);
        CHECK_STR(srv->accepted, want);
        pthread_mutex_unlock(&srv->mu);
}

/* After a failure part-way through a put, the repeated put sends only the
 * records not delivered yet, per topic-partition. */
static void test_sink_retry_skips_delivered(void)
{
        server_t *srv = server_start();
        sink_fixture_t f;
        char err[512] = "";
        const char *kv[] = {"batch.max.size", "2", "max.retries", "2", "retry.backoff.ms",
                            "250", "retry.backoff.policy", "CONSTANT_VALUE", NULL};
        make_records();
        if (sink_open_with(srv, &f, "/flaky", kv)) {
                http_sink_t *hs = f.state;
                atomic_store(&srv->flaky_ok, 1);
                atomic_store(&srv->flaky_fail, 1);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, NRECS, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK_INT(stub_retry_after(f.ctx), 250);
                CHECK_CONTAINS(err, "2 records (t-0@12 .. t-0@13)");
                CHECK_CONTAINS(err, "HTTP 503: flaky");
                CHECK_INT(atomic_load(&srv->requests), 2);
                accepted_is(srv, "r0,r1;");
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, NRECS, err, sizeof(err)),
                          0);
                CHECK_INT(atomic_load(&srv->requests), 4);
                accepted_is(srv, "r0,r1;r2,r3;r4;");
                CHECK_INT(hs->ntps, 1); /* one entry per partition */
                CHECK_INT(hs->attempt, 0);

                /* The attempt count restarts after a success: two failures
                 * use up max.retries=2 and the third try gets through... */
                recs[0].offset = 20;
                recs[1].offset = 21;
                atomic_store(&srv->flaky_fail, 2);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 2, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 2, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK_CONTAINS(err, "retry 2/2");
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 2, err, sizeof(err)), 0);
                accepted_is(srv, "r0,r1;r2,r3;r4;r0,r1;");
                /* ...and the next failure starts at retry 1 again. */
                recs[2].offset = 22;
                atomic_store(&srv->flaky_fail, 1);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, &recs[2], 1, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK_CONTAINS(err, "retry 1/2");
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, &recs[2], 1, err, sizeof(err)),
                          0);
                accepted_is(srv, "r0,r1;r2,r3;r4;r0,r1;r2;");
                sink_close(&f);
        }
        server_stop(srv);
}

static void test_sink_retry_skips_per_partition_and_close(void)
{
        server_t *srv = server_start();
        sink_fixture_t f;
        char err[512] = "";
        const char *kv[] = {"max.retries", "3", "retry.backoff.ms", "10", NULL};
        make_records();
        /* p0@10, p1@20, p0@11, p1@21 */
        recs[1].partition = 1;
        recs[1].offset = 20;
        recs[2].offset = 11;
        recs[3].partition = 1;
        recs[3].offset = 21;
        if (sink_open_with(srv, &f, "/flaky", kv)) {
                http_sink_t *hs = f.state;
                atomic_store(&srv->flaky_ok, 2);
                atomic_store(&srv->flaky_fail, 1);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 4, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                CHECK_CONTAINS(err, "1 record (t-0@11)");
                CHECK(stub_retry_after(f.ctx) >= 5 && stub_retry_after(f.ctx) <= 10);
                accepted_is(srv, "r0;r1;");
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 4, err, sizeof(err)), 0);
                accepted_is(srv, "r0;r1;r2;r3;");
                CHECK_INT(atomic_load(&srv->requests), 5);
                CHECK_INT(hs->ntps, 2);
                /* a new put (no retry pending) sends everything it is given */
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 1, err, sizeof(err)), 0);
                accepted_is(srv, "r0;r1;r2;r3;r0;");

                /* Revoked partitions are forgotten. */
                atomic_store(&srv->flaky_fail, 1);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 4, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                accepted_is(srv, "r0;r1;r2;r3;r0;");
                atomic_store(&srv->flaky_ok, 2);
                atomic_store(&srv->flaky_fail, 1);
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 4, err, sizeof(err)),
                          SL_ERR_RETRIABLE);
                accepted_is(srv, "r0;r1;r2;r3;r0;r0;r1;");
                CHECK_INT(hs->ntps, 2);
                sl_topic_partition_t tp = {.topic = "t", .partition = 1, .offset = -1};
                CHECK_INT(sl_http_sink_plugin.sink_close(f.state, &tp, 1), 0);
                CHECK_INT(hs->ntps, 1);
                CHECK_INT(hs->attempt, 0);
                /* p0@10 was delivered; what p1 had delivered is forgotten */
                CHECK_INT(sl_http_sink_plugin.sink_put(f.state, recs, 4, err, sizeof(err)), 0);
                accepted_is(srv, "r0;r1;r2;r3;r0;r0;r1;r1;r2;r3;");
                tp.partition = 0;
                CHECK_INT(sl_http_sink_plugin.sink_close(f.state, &tp, 1), 0);
                tp.partition = 1;
                CHECK_INT(sl_http_sink_plugin.sink_close(f.state, &tp, 1), 0);
                CHECK_INT(hs->ntps, 0);
                sink_close(&f);
        }
        server_stop(srv);
}

static void test_sink_backoff_grows_with_cap(void)
{
        http_sink_t s = {.backoff_ms = 1000, .exponential = true, .rand_state = 1};
        for (int i = 0; i < 40; i++) {
                int64_t b = backoff_for(&s, i);
                int64_t full = i < 6 ? (int64_t)1000 << i : BACKOFF_CAP_MS;
                if (full > BACKOFF_CAP_MS)
                        full = BACKOFF_CAP_MS;
                CHECK(b >= full / 2 && b <= full);
        }
        s.exponential = false;
        CHECK_INT(backoff_for(&s, 7), 1000);
}

int main(void)
{
        RUN(test_httpc_keepalive_reuse);
        RUN(test_httpc_chunked_head_continue);
        RUN(test_httpc_error_status_body);
        RUN(test_httpc_server_closes);
        RUN(test_httpc_timeout);
        RUN(test_httpc_bad_responses_and_urls);
        RUN(test_sink_status_ranges);
        RUN(test_sink_headers);
        RUN(test_sink_put_batches);
        RUN(test_sink_put_exhausted_fail_and_ignore);
        RUN(test_sink_put_does_not_sleep_during_backoff);
        RUN(test_sink_retry_skips_delivered);
        RUN(test_sink_retry_skips_per_partition_and_close);
        RUN(test_sink_backoff_grows_with_cap);
        TEST_MAIN_END();
}
