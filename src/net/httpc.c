/* HTTP/1.1 keep-alive client over the task socket API. See httpc.h.
 *
 * Responses are read through one receive buffer per client; bytes the
 * server sends past the end of a response (it should send none, as no
 * request is pipelined) are discarded with the next request. */
#include "net/httpc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTPC_MAX_HEAD (64 * 1024) /* status line + headers */
#define HTTPC_MAX_LINE (8 * 1024)  /* chunk-size or trailer line */
#define HTTPC_RECV (16 * 1024)
#define HTTPC_DEFAULT_MAX_BODY ((size_t)256 << 20)
#define HTTPC_MAX_IOV 64

struct sl_httpc {
        sl_task_ctx_t *ctx;
        char *host;     /* for connect: no brackets */
        int port;
        char *hostport; /* Host header */
        char *prefix;
        char *base;     /* "http://host:port" for messages */
        int timeout_ms;
        int connect_timeout_ms;
        size_t max_body;
        int fd;         /* -1: not connected */
        bool reused;    /* fd already carried a complete exchange */
        char *rbuf;     /* received, not yet consumed: rbuf[rpos..rlen) */
        size_t rpos, rlen, rcap;
};

/* One request in flight, for messages and parsing state. */
typedef struct req {
        sl_httpc_t *c;
        const char *method;
        const char *target;
        char *errstr;
        size_t errstr_size;
        bool got_bytes; /* some response byte arrived */
} req_t;

__attribute__((format(printf, 3, 4))) static int
req_fail(const req_t *r, int err, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return sl_seterr(r->errstr, r->errstr_size, err, "%s %s%s%s: %s", r->method,
                         r->c->base, r->c->prefix, r->target, msg);
}

/* ---------------------------------------------------------------- URL */

static int parse_url(sl_httpc_t *c, const char *url, char *errstr, size_t errstr_size)
{
        const char *p, *hs, *he, *ps;
        char *end;
        long port = 80;

        if (!url || !*url)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "empty URL");
        if (strncasecmp(url, "https://", 8) == 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "%s: https is not supported", url);
        if (strncasecmp(url, "http://", 7) != 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "%s: not an http:// URL", url);
        p = url + 7;
        if (*p == '[') {
                hs = p + 1;
                he = strchr(hs, ']');
                if (!he)
                        return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                         "%s: unterminated IPv6 address", url);
                p = he + 1;
        } else {
                hs = p;
                p += strcspn(p, ":/?#");
                he = p;
        }
        if (he == hs)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "%s: no host", url);
        if (*p == ':') {
                errno = 0;
                port = strtol(p + 1, &end, 10);
                if (end == p + 1 || errno || port < 1 || port > 65535 ||
                    (*end && *end != '/' && *end != '?'))
                        return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                         "%s: bad port", url);
                p = end;
        } else if (*p && *p != '/' && *p != '?') {
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "%s: bad character after host", url);
        }
        ps = p;
        c->host = strndup(hs, (size_t)(he - hs));
        c->port = (int)port;
        c->prefix = strdup(ps);
        if (!c->host || !c->prefix)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        /* "/api/" + "/x" would double the slash. */
        size_t pl = strlen(c->prefix);
        if (pl > 0 && c->prefix[pl - 1] == '/')
                c->prefix[pl - 1] = '\0';
        bool v6 = strchr(c->host, ':') != NULL;
        size_t n = strlen(c->host) + 16;
        c->hostport = malloc(n);
        c->base = malloc(n + 8);
        if (!c->hostport || !c->base)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        snprintf(c->hostport, n, v6 ? "[%s]:%d" : "%s:%d", c->host, c->port);
        snprintf(c->base, n + 8, "http://%s", c->hostport);
        return 0;
}

sl_httpc_t *sl_httpc_new(sl_task_ctx_t *ctx, const char *url, int timeout_ms,
                         char *errstr, size_t errstr_size)
{
        sl_httpc_t *c = calloc(1, sizeof(*c));
        if (!c) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        c->ctx = ctx;
        c->fd = -1;
        c->timeout_ms = timeout_ms;
        c->connect_timeout_ms = timeout_ms;
        c->max_body = HTTPC_DEFAULT_MAX_BODY;
        if (parse_url(c, url, errstr, errstr_size) < 0) {
                sl_httpc_destroy(c);
                return NULL;
        }
        return c;
}

void sl_httpc_close(sl_httpc_t *c)
{
        if (c && c->fd >= 0) {
                close(c->fd);
                c->fd = -1;
        }
        if (c) {
                c->reused = false;
                c->rpos = c->rlen = 0;
        }
}

void sl_httpc_destroy(sl_httpc_t *c)
{
        if (!c)
                return;
        sl_httpc_close(c);
        free(c->host);
        free(c->hostport);
        free(c->prefix);
        free(c->base);
        free(c->rbuf);
        free(c);
}

const char *sl_httpc_host(const sl_httpc_t *c)
{
        return c->hostport;
}

const char *sl_httpc_prefix(const sl_httpc_t *c)
{
        return c->prefix;
}

void sl_httpc_set_max_body(sl_httpc_t *c, size_t max_body)
{
        c->max_body = max_body;
}

void sl_httpc_set_connect_timeout(sl_httpc_t *c, int timeout_ms)
{
        c->connect_timeout_ms = timeout_ms;
}

void sl_httpc_set_timeout(sl_httpc_t *c, int timeout_ms)
{
        c->timeout_ms = timeout_ms;
}

/* ------------------------------------------------------------ sending */

static bool is_body_method(const char *m)
{
        return !strcasecmp(m, "POST") || !strcasecmp(m, "PUT") || !strcasecmp(m, "PATCH");
}

static int build_head(const sl_httpc_t *c, const char *method, const char *target,
                      const char *const *headers, size_t body_len, sl_buf_t *b)
{
        const char *path = *c->prefix || *target ? "" : "/";
        int rc = sl_buf_printf(b, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n", method,
                               c->prefix, target, path, c->hostport);
        for (size_t i = 0; rc == 0 && headers && headers[i]; i++)
                rc = sl_buf_printf(b, "%s\r\n", headers[i]);
        if (rc == 0 && (body_len > 0 || is_body_method(method)))
                rc = sl_buf_printf(b, "Content-Length: %zu\r\n", body_len);
        if (rc == 0)
                rc = sl_buf_puts(b, "\r\n");
        return rc;
}

/* A kept-alive connection the server has already closed shows EOF (or a
 * reset) without blocking; finding that out before sending saves a
 * request that would fail halfway. Bytes nobody asked for (some servers
 * send a 408 before closing an idle connection) would be taken for the
 * next response, so such a connection is not reused either. */
static bool idle_conn_dead(int fd)
{
        char ch;
        ssize_t n = recv(fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n >= 0)
                return true;
        return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

static int errno_fail(const req_t *r, int err, const char *what)
{
        if (err == -ETIMEDOUT)
                return req_fail(r, SL_ERR_TIMEOUT, "timed out %s", what);
        return req_fail(r, SL_ERR_IO, "%s: %s", what, strerror(-err));
}

static int send_request(req_t *r, const sl_buf_t *head, const struct iovec *body,
                        int iovcnt)
{
        sl_httpc_t *c = r->c;
        struct iovec stack[HTTPC_MAX_IOV + 1], *iov = stack;
        ssize_t n;
        size_t total = head->len;

        if (iovcnt + 1 > (int)(sizeof(stack) / sizeof(stack[0]))) {
                iov = malloc((size_t)(iovcnt + 1) * sizeof(*iov));
                if (!iov)
                        return req_fail(r, SL_ERR_NOMEM, "out of memory");
        }
        iov[0].iov_base = head->data;
        iov[0].iov_len = head->len;
        for (int i = 0; i < iovcnt; i++) {
                iov[i + 1] = body[i];
                total += body[i].iov_len;
        }
        n = sl_task_send(c->ctx, c->fd, iov, iovcnt + 1, c->timeout_ms);
        if (iov != stack)
                free(iov);
        if (n < 0)
                return errno_fail(r, (int)n, "sending the request");
        if ((size_t)n != total)
                return req_fail(r, SL_ERR_IO, "short send");
        return 0;
}

/* ---------------------------------------------------------- receiving */

/* Receive more bytes into rbuf. 0, or an error; EOF is an error
 * ("connection closed") unless eof is given, where it sets *eof. */
static int fill_eof(req_t *r, bool *eof)
{
        sl_httpc_t *c = r->c;
        ssize_t n;

        if (c->rpos > 0 && c->rpos == c->rlen)
                c->rpos = c->rlen = 0;
        if (c->rcap - c->rlen < HTTPC_RECV / 2) {
                if (c->rpos > 0) {
                        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
                        c->rlen -= c->rpos;
                        c->rpos = 0;
                }
                if (c->rcap - c->rlen < HTTPC_RECV / 2) {
                        size_t ncap = c->rcap ? c->rcap * 2 : HTTPC_RECV;
                        char *nb = realloc(c->rbuf, ncap);
                        if (!nb)
                                return req_fail(r, SL_ERR_NOMEM, "out of memory");
                        c->rbuf = nb;
                        c->rcap = ncap;
                }
        }
        n = sl_task_recv(c->ctx, c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, c->timeout_ms);
        if (n == 0 && eof) {
                *eof = true;
                return 0;
        }
        if (n == 0)
                return req_fail(r, SL_ERR_IO, "connection closed by the server%s",
                                r->got_bytes ? " mid-response" : "");
        if (n < 0)
                return errno_fail(r, (int)n, "receiving the response");
        r->got_bytes = true;
        c->rlen += (size_t)n;
        return 0;
}

static int fill(req_t *r)
{
        return fill_eof(r, NULL);
}

/* One CRLF-terminated line starting at rpos (max bytes); *len excludes
 * the CRLF, which is consumed. */
static int read_line(req_t *r, size_t max, const char **line, size_t *len)
{
        sl_httpc_t *c = r->c;
        size_t scan = 0;
        for (;;) {
                char *s = c->rbuf ? c->rbuf + c->rpos : NULL;
                size_t avail = c->rlen - c->rpos;
                char *nl = s && avail > scan ? memchr(s + scan, '\n', avail - scan) : NULL;
                if (nl) {
                        *line = s;
                        *len = (size_t)(nl - s);
                        if (*len > 0 && s[*len - 1] == '\r')
                                (*len)--;
                        c->rpos += (size_t)(nl - s) + 1;
                        return 0;
                }
                if (avail > max)
                        return req_fail(r, SL_ERR_IO, "malformed response: line too long");
                scan = avail;
                int rc = fill(r);
                if (rc < 0)
                        return rc;
        }
}

static int add_header(sl_httpc_resp_t *resp, size_t *n, const char *name, size_t nl,
                      const char *val, size_t vl)
{
        char **h = realloc(resp->headers, (*n + 3) * sizeof(*h));
        if (!h)
                return SL_ERR_NOMEM;
        resp->headers = h;
        h[*n] = strndup(name, nl);
        h[*n + 1] = strndup(val, vl);
        h[*n + 2] = NULL;
        if (!h[*n] || !h[*n + 1]) {
                free(h[*n]);
                free(h[*n + 1]);
                h[*n] = NULL;
                return SL_ERR_NOMEM;
        }
        for (char *p = h[*n]; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        *n += 2;
        return 0;
}

static void free_headers(sl_httpc_resp_t *resp)
{
        for (size_t i = 0; resp->headers && resp->headers[i]; i++)
                free(resp->headers[i]);
        free(resp->headers);
        resp->headers = NULL;
}

/* Status line and headers. *http10 for an HTTP/1.0 response. */
static int read_head(req_t *r, sl_httpc_resp_t *resp, bool *http10)
{
        const char *line;
        size_t len, total = 0, n = 0;
        int rc = read_line(r, HTTPC_MAX_HEAD, &line, &len);

        if (rc < 0)
                return rc;
        if (len < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
            !isdigit((unsigned char)line[9]) || !isdigit((unsigned char)line[10]) ||
            !isdigit((unsigned char)line[11]) || (len > 12 && line[12] != ' '))
                return req_fail(r, SL_ERR_IO, "malformed status line \"%.*s\"",
                                (int)(len > 80 ? 80 : len), line);
        *http10 = line[7] == '0';
        resp->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        free_headers(resp);
        for (;;) {
                const char *colon, *v, *ve;
                if ((rc = read_line(r, HTTPC_MAX_HEAD, &line, &len)) < 0)
                        return rc;
                total += len;
                if (total > HTTPC_MAX_HEAD)
                        return req_fail(r, SL_ERR_IO, "response headers too large");
                if (len == 0)
                        return 0;
                colon = memchr(line, ':', len);
                if (!colon || colon == line)
                        return req_fail(r, SL_ERR_IO, "malformed header line \"%.*s\"",
                                        (int)(len > 80 ? 80 : len), line);
                v = colon + 1;
                ve = line + len;
                while (v < ve && (*v == ' ' || *v == '\t'))
                        v++;
                while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                        ve--;
                if (add_header(resp, &n, line, (size_t)(colon - line), v, (size_t)(ve - v)) < 0)
                        return req_fail(r, SL_ERR_NOMEM, "out of memory");
        }
}

/* Move up to want bytes of received data into the body. */
static int take_body(req_t *r, sl_httpc_resp_t *resp, size_t want, size_t *took)
{
        sl_httpc_t *c = r->c;
        size_t avail = c->rlen - c->rpos, n = avail < want ? avail : want;
        if (resp->body.len + n > c->max_body)
                return req_fail(r, SL_ERR_IO, "response body over %zu bytes", c->max_body);
        if (n && sl_buf_append(&resp->body, c->rbuf + c->rpos, n) < 0)
                return req_fail(r, SL_ERR_NOMEM, "out of memory");
        c->rpos += n;
        *took = n;
        return 0;
}

static int read_fixed(req_t *r, sl_httpc_resp_t *resp, size_t len)
{
        if (len > r->c->max_body)
                return req_fail(r, SL_ERR_IO, "response body of %zu bytes over %zu", len,
                                r->c->max_body);
        if (sl_buf_reserve(&resp->body, len) < 0)
                return req_fail(r, SL_ERR_NOMEM, "out of memory");
        while (len > 0) {
                size_t took = 0;
                int rc = take_body(r, resp, len, &took);
                if (rc < 0)
                        return rc;
                len -= took;
                if (len > 0 && (rc = fill(r)) < 0)
                        return rc;
        }
        return 0;
}

static int read_chunked(req_t *r, sl_httpc_resp_t *resp)
{
        const char *line;
        size_t len;
        int rc;

        for (;;) {
                char *end;
                unsigned long long size;
                char hex[32];
                if ((rc = read_line(r, HTTPC_MAX_LINE, &line, &len)) < 0)
                        return rc;
                size_t hl = strcspn(line, ";");
                if (hl > len)
                        hl = len;
                while (hl > 0 && (line[hl - 1] == ' ' || line[hl - 1] == '\t'))
                        hl--;
                if (hl == 0 || hl >= sizeof(hex))
                        return req_fail(r, SL_ERR_IO, "malformed chunk size line");
                memcpy(hex, line, hl);
                hex[hl] = '\0';
                errno = 0;
                size = strtoull(hex, &end, 16);
                if (*end || errno)
                        return req_fail(r, SL_ERR_IO, "malformed chunk size \"%s\"", hex);
                if (size == 0)
                        break;
                if (size > r->c->max_body - resp->body.len)
                        return req_fail(r, SL_ERR_IO, "response body over %zu bytes",
                                        r->c->max_body);
                if ((rc = read_fixed(r, resp, (size_t)size)) < 0)
                        return rc;
                if ((rc = read_line(r, HTTPC_MAX_LINE, &line, &len)) < 0)
                        return rc;
                if (len != 0)
                        return req_fail(r, SL_ERR_IO, "malformed chunk: no CRLF after data");
        }
        /* Trailers, up to the empty line. */
        do {
                if ((rc = read_line(r, HTTPC_MAX_LINE, &line, &len)) < 0)
                        return rc;
        } while (len > 0);
        return 0;
}

static int read_to_eof(req_t *r, sl_httpc_resp_t *resp)
{
        bool eof = false;
        for (;;) {
                size_t took = 0;
                int rc = take_body(r, resp, SIZE_MAX, &took);
                if (rc < 0)
                        return rc;
                if (eof)
                        return 0;
                if ((rc = fill_eof(r, &eof)) < 0)
                        return rc;
        }
}

static bool has_token(const char *v, const char *token)
{
        size_t tl = strlen(token);
        while (v && *v) {
                while (*v == ' ' || *v == ',' || *v == '\t')
                        v++;
                size_t n = strcspn(v, ",");
                size_t t = n;
                while (t > 0 && (v[t - 1] == ' ' || v[t - 1] == '\t'))
                        t--;
                if (t == tl && strncasecmp(v, token, tl) == 0)
                        return true;
                v += n;
        }
        return false;
}

/* The whole response; *keep says whether the connection may be reused. */
static int read_response(req_t *r, sl_httpc_resp_t *resp, bool *keep)
{
        bool http10 = false;
        const char *te, *cl, *conn;
        int rc;

        /* Interim 1xx responses (100 Continue) precede the real one. */
        do {
                if ((rc = read_head(r, resp, &http10)) < 0)
                        return rc;
        } while (resp->status >= 100 && resp->status < 200 && resp->status != 101);

        conn = sl_httpc_resp_header(resp, "connection");
        *keep = http10 ? has_token(conn, "keep-alive") : !has_token(conn, "close");
        if (!strcasecmp(r->method, "HEAD") || resp->status == 204 || resp->status == 304)
                return 0;
        te = sl_httpc_resp_header(resp, "transfer-encoding");
        cl = sl_httpc_resp_header(resp, "content-length");
        if (te && strcasecmp(te, "identity") != 0) {
                if (!has_token(te, "chunked"))
                        return req_fail(r, SL_ERR_IO, "unsupported transfer-encoding \"%s\"", te);
                return read_chunked(r, resp);
        }
        if (cl) {
                char *end;
                errno = 0;
                unsigned long long n = strtoull(cl, &end, 10);
                if (end == cl || *end || errno || *cl == '-')
                        return req_fail(r, SL_ERR_IO, "malformed content-length \"%s\"", cl);
                return read_fixed(r, resp, (size_t)n);
        }
        *keep = false;
        return read_to_eof(r, resp);
}

/* ------------------------------------------------------------ request */

static int connect_fresh(req_t *r)
{
        sl_httpc_t *c = r->c;
        int fd;

        sl_httpc_close(c);
        fd = sl_task_connect(c->ctx, c->host, c->port, c->connect_timeout_ms);
        if (fd < 0)
                return errno_fail(r, fd, "connecting");
        c->fd = fd;
        return 0;
}

/* One attempt on the current (or a new) connection. *retry is set when
 * the attempt failed on a reused connection before any response byte: the
 * server closed it while idle, and a fresh connection may well work. */
static int attempt(req_t *r, const sl_buf_t *head, const struct iovec *body, int iovcnt,
                   sl_httpc_resp_t *resp, bool *retry)
{
        sl_httpc_t *c = r->c;
        bool keep = false, reused;
        int rc;

        *retry = false;
        if (c->fd >= 0 && idle_conn_dead(c->fd))
                sl_httpc_close(c);
        if (c->fd < 0 && (rc = connect_fresh(r)) < 0)
                return rc;
        reused = c->reused;
        c->rpos = c->rlen = 0;
        r->got_bytes = false;
        rc = send_request(r, head, body, iovcnt);
        if (rc == 0)
                rc = read_response(r, resp, &keep);
        if (rc < 0) {
                *retry = reused && !r->got_bytes && rc != SL_ERR_TIMEOUT && rc != SL_ERR_NOMEM;
                sl_httpc_close(c);
                return rc;
        }
        /* The body is documented NUL-terminated even when empty. */
        if (sl_buf_append(&resp->body, "", 0) < 0) {
                sl_httpc_close(c);
                return req_fail(r, SL_ERR_NOMEM, "out of memory");
        }
        if (keep)
                c->reused = true;
        else
                sl_httpc_close(c);
        return 0;
}

int sl_httpc_request(sl_httpc_t *c, const char *method, const char *target,
                     const char *const *headers, const struct iovec *body,
                     int iovcnt, sl_httpc_resp_t *resp, char *errstr,
                     size_t errstr_size)
{
        req_t r = {c, method, target ? target : "", errstr, errstr_size, false};
        sl_buf_t head = SL_BUF_INIT;
        size_t body_len = 0;
        bool retry;
        int rc;

        memset(resp, 0, sizeof(*resp));
        sl_buf_init(&resp->body);
        if (iovcnt < 0 || (iovcnt > 0 && !body))
                return req_fail(&r, SL_ERR_INVALID, "bad body");
        for (int i = 0; i < iovcnt; i++)
                body_len += body[i].iov_len;
        if (build_head(c, method, r.target, headers, body_len, &head) < 0) {
                sl_buf_free(&head);
                return req_fail(&r, SL_ERR_NOMEM, "out of memory");
        }
        rc = attempt(&r, &head, body, iovcnt, resp, &retry);
        if (rc < 0 && retry) {
                sl_debug("httpc", "%s %s%s%s: kept-alive connection was closed; retrying "
                         "on a new one", method, c->base, c->prefix, r.target);
                sl_httpc_resp_clear(resp);
                sl_buf_init(&resp->body);
                rc = attempt(&r, &head, body, iovcnt, resp, &retry);
        }
        sl_buf_free(&head);
        if (rc < 0)
                sl_httpc_resp_clear(resp);
        return rc;
}

const char *sl_httpc_resp_header(const sl_httpc_resp_t *resp, const char *name)
{
        for (size_t i = 0; resp->headers && resp->headers[i]; i += 2)
                if (strcasecmp(resp->headers[i], name) == 0)
                        return resp->headers[i + 1];
        return NULL;
}

void sl_httpc_resp_clear(sl_httpc_resp_t *resp)
{
        if (!resp)
                return;
        free_headers(resp);
        sl_buf_free(&resp->body);
        resp->status = 0;
}
