/* Small blocking HTTP/1.1 client: one request per connection, a deadline
 * over connect + send + receive, Content-Length / chunked / read-to-EOF
 * response bodies, http or https (util/tls.c). Used by workers to forward
 * REST requests. */
#include "util/http_client.h"
#include "util/tls.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTP_MAX_HEAD (64 * 1024)   /* status line + headers */
#define HTTP_MAX_LINE (8 * 1024)    /* one chunk-size or trailer line */
#define HTTP_RECV_CHUNK (16 * 1024)

/* ----------------------------------------------------------- messages */

typedef struct http_ctx {
        int fd;
        sl_tls_conn_t *tls; /* https: everything goes through it */
        const char *method;
        const char *url; /* base_url + path, for messages */
        char *errstr;
        size_t errstr_size;
        int timeout_ms;
        int64_t deadline; /* CLOCK_MONOTONIC ms, or -1 for none */
} http_ctx_t;

__attribute__((format(printf, 3, 4))) static int
fail(const http_ctx_t *c, int err, const char *fmt, ...)
{
        char msg[768];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return sl_seterr(c->errstr, c->errstr_size, err, "%s %s: %s",
                         c->method, c->url, msg);
}

/* Message for a failed step: timeout, no memory or a system error. */
static int fail_step(const http_ctx_t *c, int rc, const char *what)
{
        if (rc == SL_ERR_TIMEOUT)
                return fail(c, SL_ERR_TIMEOUT, "timed out after %d ms %s",
                            c->timeout_ms, what);
        if (rc == SL_ERR_NOMEM)
                return fail(c, SL_ERR_NOMEM, "out of memory %s", what);
        if (c->tls && rc == SL_ERR_IO)
                return fail(c, SL_ERR_IO, "%s: %s", what,
                            sl_tls_conn_error(c->tls));
        return fail(c, SL_ERR_IO, "%s: %s", what, sl_err2str(rc));
}

/* ---------------------------------------------------------------- URL */

typedef struct http_url {
        bool https;
        char host[256];      /* without IPv6 brackets, for getaddrinfo */
        char port[6];        /* decimal */
        const char *auth;    /* authority as written, for the Host header */
        size_t auth_len;
        const char *prefix;  /* path after the authority, no trailing '/' */
        size_t prefix_len;
} http_url_t;

static int parse_url(const char *url, http_url_t *u, const char *method,
                     char *errstr, size_t errstr_size)
{
#define BAD(...)                                                               \
        sl_seterr(errstr, errstr_size, SL_ERR_INVALID, __VA_ARGS__)
        memset(u, 0, sizeof(*u));
        u->https = strncasecmp(url, "https://", 8) == 0;
        if (!u->https && strncasecmp(url, "http://", 7) != 0)
                return BAD("%s %s: invalid URL (expected http://host:port or "
                           "https://host:port)",
                           method, url);
        const char *p = url + (u->https ? 8 : 7), *host, *host_end;
        u->auth = p;
        if (*p == '[') {
                host = ++p;
                while (*p && *p != ']') {
                        if (!isxdigit((unsigned char)*p) && *p != ':' &&
                            *p != '.' && *p != '%')
                                return BAD("%s %s: invalid URL (bad IPv6 "
                                           "address)", method, url);
                        p++;
                }
                if (*p != ']')
                        return BAD("%s %s: invalid URL (missing ']')",
                                   method, url);
                host_end = p++;
        } else {
                host = p;
                while (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
                       *p == '_')
                        p++;
                host_end = p;
        }
        size_t hlen = (size_t)(host_end - host);
        if (hlen == 0 || hlen >= sizeof(u->host))
                return BAD("%s %s: invalid URL (bad host)", method, url);
        memcpy(u->host, host, hlen);
        u->host[hlen] = '\0';
        long port = u->https ? 443 : 80;
        if (*p == ':') {
                p++;
                const char *ds = p;
                port = 0;
                while (isdigit((unsigned char)*p) && p - ds < 6)
                        port = port * 10 + (*p++ - '0');
                if (p == ds || isdigit((unsigned char)*p) || port < 1 ||
                    port > 65535)
                        return BAD("%s %s: invalid URL (bad port)", method,
                                   url);
        }
        snprintf(u->port, sizeof(u->port), "%ld", port);
        u->auth_len = (size_t)(p - u->auth);
        if (*p != '\0' && *p != '/')
                return BAD("%s %s: invalid URL (unexpected '%c' after the "
                           "host)", method, url, *p);
        u->prefix = p;
        u->prefix_len = strlen(p);
        for (size_t i = 0; i < u->prefix_len; i++) {
                unsigned char c = (unsigned char)p[i];
                if (c <= ' ' || c == 0x7f || c == '?' || c == '#')
                        return BAD("%s %s: invalid URL (bad character in "
                                   "path)", method, url);
        }
        while (u->prefix_len > 0 && p[u->prefix_len - 1] == '/')
                u->prefix_len--;
        return 0;
#undef BAD
}

/* ------------------------------------------------------------ request */

static bool is_tchar(unsigned char c)
{
        return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool header_is(const char *h, const char *name)
{
        size_t n = strlen(name);
        return strncasecmp(h, name, n) == 0 && h[n] == ':';
}

static int check_args(const char *method, const char *path,
                      const char *const *headers, const char *body,
                      size_t body_len, const char **bad)
{
        if (!*method)
                return (*bad = "empty method"), -1;
        for (const char *m = method; *m; m++)
                if (!is_tchar((unsigned char)*m))
                        return (*bad = "invalid method"), -1;
        if (path[0] != '/')
                return (*bad = "path must start with '/'"), -1;
        for (const char *q = path; *q; q++)
                if ((unsigned char)*q <= ' ' || *q == 0x7f)
                        return (*bad = "invalid character in path"), -1;
        for (size_t i = 0; headers && headers[i]; i++) {
                const char *h = headers[i], *c = h;
                while (is_tchar((unsigned char)*c))
                        c++;
                if (c == h || *c != ':')
                        return (*bad = "header not in \"Name: value\" form"), -1;
                if (strpbrk(c, "\r\n"))
                        return (*bad = "line break in a header value"), -1;
        }
        if (!body && body_len)
                return (*bad = "body_len without a body"), -1;
        return 0;
}

static int build_head(sl_buf_t *b, const http_url_t *u, const char *method,
                      const char *path, const char *const *headers,
                      const char *body, size_t body_len)
{
        bool have_host = false, have_ctype = false;
        for (size_t i = 0; headers && headers[i]; i++) {
                have_host |= header_is(headers[i], "Host");
                have_ctype |= header_is(headers[i], "Content-Type");
        }
        int rc = sl_buf_printf(b, "%s %.*s%s HTTP/1.1\r\n", method,
                               (int)u->prefix_len, u->prefix, path);
        if (!rc && !have_host)
                rc = sl_buf_printf(b, "Host: %.*s\r\n", (int)u->auth_len,
                                   u->auth);
        if (!rc)
                rc = sl_buf_printf(b,
                                   "Connection: close\r\n"
                                   "Content-Length: %zu\r\n",
                                   body_len);
        if (!rc && body && !have_ctype)
                rc = sl_buf_puts(b, "Content-Type: application/json\r\n");
        for (size_t i = 0; !rc && headers && headers[i]; i++) {
                const char *h = headers[i];
                if (header_is(h, "Content-Length") ||
                    header_is(h, "Connection") ||
                    header_is(h, "Transfer-Encoding"))
                        continue;
                rc = sl_buf_printf(b, "%s\r\n", h);
        }
        if (!rc)
                rc = sl_buf_puts(b, "\r\n");
        return rc;
}

static int send_all(const http_ctx_t *c, const char *p, size_t n, int flags)
{
        int fd = c->fd;
        int64_t deadline = c->deadline;

        if (c->tls)
                return sl_tls_conn_send(c->tls, p, n, deadline);
        while (n > 0) {
                ssize_t w = send(fd, p, n, flags | MSG_NOSIGNAL);
                if (w >= 0) {
                        p += w;
                        n -= (size_t)w;
                        continue;
                }
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                        return -errno;
                int rc = sl_fd_wait(fd, POLLOUT, deadline);
                if (rc)
                        return rc;
        }
        return 0;
}

/* Connected non-blocking socket, or a negative error with errstr set. */
static int connect_to(const http_ctx_t *c, const http_url_t *u)
{
        struct addrinfo hints = {.ai_family = AF_UNSPEC,
                                 .ai_socktype = SOCK_STREAM,
                                 .ai_flags = AI_NUMERICSERV};
        struct addrinfo *res = NULL;
        int g = getaddrinfo(u->host, u->port, &hints, &res);
        if (g != 0)
                return fail(c, SL_ERR_IO, "cannot resolve %s: %s", u->host,
                            g == EAI_SYSTEM ? strerror(errno)
                                            : gai_strerror(g));
        int last = -ECONNREFUSED;
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                int fd = socket(ai->ai_family,
                                ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                ai->ai_protocol);
                if (fd < 0) {
                        last = -errno;
                        continue;
                }
                int one = 1;
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
                                 sizeof(one));
                int rc = 0;
                if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
                        rc = -errno;
                        if (rc == -EINPROGRESS || rc == -EINTR) {
                                rc = sl_fd_wait(fd, POLLOUT, c->deadline);
                                if (rc == 0) {
                                        int soerr = 0;
                                        socklen_t sl = sizeof(soerr);
                                        if (getsockopt(fd, SOL_SOCKET,
                                                       SO_ERROR, &soerr,
                                                       &sl) != 0)
                                                soerr = errno;
                                        rc = -soerr;
                                }
                        }
                }
                if (rc == 0) {
                        freeaddrinfo(res);
                        return fd;
                }
                close(fd);
                if (rc == SL_ERR_TIMEOUT) {
                        freeaddrinfo(res);
                        return fail(c, SL_ERR_TIMEOUT,
                                    "timed out after %d ms connecting to %s "
                                    "port %s",
                                    c->timeout_ms, u->host, u->port);
                }
                last = rc;
        }
        freeaddrinfo(res);
        return fail(c, SL_ERR_IO, "cannot connect to %s port %s: %s",
                    u->host, u->port, sl_err2str(last));
}

/* ----------------------------------------------------------- response */

/* Reads what is available into b (waiting up to the deadline). *got is 0
 * at EOF. 0, SL_ERR_TIMEOUT, SL_ERR_NOMEM or -errno. */
static int recv_some(const http_ctx_t *c, sl_buf_t *b, size_t *got)
{
        int fd = c->fd;
        int64_t deadline = c->deadline;

        if (sl_buf_reserve(b, HTTP_RECV_CHUNK))
                return SL_ERR_NOMEM;
        if (c->tls) {
                ssize_t r = sl_tls_conn_recv(c->tls, b->data + b->len,
                                             b->cap - b->len - 1, deadline);
                if (r < 0)
                        return (int)r;
                b->len += (size_t)r;
                b->data[b->len] = '\0';
                *got = (size_t)r;
                return 0;
        }
        for (;;) {
                ssize_t r = recv(fd, b->data + b->len, b->cap - b->len - 1, 0);
                if (r >= 0) {
                        b->len += (size_t)r;
                        b->data[b->len] = '\0';
                        *got = (size_t)r;
                        return 0;
                }
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                        return -errno;
                int rc = sl_fd_wait(fd, POLLIN, deadline);
                if (rc)
                        return rc;
        }
}

typedef struct http_head {
        int status;
        long long content_length; /* -1 when absent */
        bool chunked;
        bool has_te;
        char *content_type;
} http_head_t;

static const char *trim(const char *s, const char *e, const char **end)
{
        while (s < e && (*s == ' ' || *s == '\t'))
                s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                e--;
        *end = e;
        return s;
}

/* Does the comma-separated list [v, e) end with "chunked"? */
static bool last_coding_is_chunked(const char *v, const char *e)
{
        const char *c = e;
        while (c > v && c[-1] != ',')
                c--;
        const char *ce;
        c = trim(c, e, &ce);
        return ce - c == 7 && strncasecmp(c, "chunked", 7) == 0;
}

/* Parses the head [p, p+n) (without the blank line). 0, SL_ERR_PARSE with
 * *bad set, or SL_ERR_NOMEM. */
static int parse_head(const char *p, size_t n, http_head_t *h,
                      const char **bad)
{
        const char *end = p + n;
        h->status = 0;
        h->content_length = -1;
        h->chunked = h->has_te = false;
        free(h->content_type);
        h->content_type = NULL;

        const char *eol = memchr(p, '\n', n);
        if (!eol)
                eol = end;
        const char *le;
        const char *line = trim(p, eol, &le);
        /* HTTP/1.1 200 OK */
        if (le - line < 12 || strncmp(line, "HTTP/", 5) != 0)
                return (*bad = "bad status line"), SL_ERR_PARSE;
        const char *sp = memchr(line, ' ', (size_t)(le - line));
        if (!sp || le - sp < 4 || !isdigit((unsigned char)sp[1]) ||
            !isdigit((unsigned char)sp[2]) || !isdigit((unsigned char)sp[3]) ||
            (le - sp > 4 && sp[4] != ' '))
                return (*bad = "bad status line"), SL_ERR_PARSE;
        h->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
        if (h->status < 100)
                return (*bad = "bad status code"), SL_ERR_PARSE;

        for (p = eol < end ? eol + 1 : end; p < end; p = eol + 1) {
                eol = memchr(p, '\n', (size_t)(end - p));
                if (!eol)
                        eol = end;
                if (*p == ' ' || *p == '\t')
                        continue; /* obsolete line folding: ignored */
                const char *colon = memchr(p, ':', (size_t)(eol - p));
                if (!colon)
                        continue;
                const char *name = p, *ne;
                name = trim(name, colon, &ne);
                const char *ve, *v = trim(colon + 1, eol, &ve);
                size_t nl = (size_t)(ne - name);
                if (nl == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
                        long long cl = 0;
                        if (v == ve)
                                return (*bad = "bad Content-Length"),
                                       SL_ERR_PARSE;
                        for (const char *d = v; d < ve; d++) {
                                if (!isdigit((unsigned char)*d) ||
                                    cl > (LLONG_MAX - 9) / 10)
                                        return (*bad = "bad Content-Length"),
                                               SL_ERR_PARSE;
                                cl = cl * 10 + (*d - '0');
                        }
                        if (h->content_length >= 0 && h->content_length != cl)
                                return (*bad = "conflicting Content-Length "
                                               "headers"),
                                       SL_ERR_PARSE;
                        h->content_length = cl;
                } else if (nl == 17 && strncasecmp(name, "Transfer-Encoding",
                                                   17) == 0) {
                        h->has_te = true;
                        h->chunked = last_coding_is_chunked(v, ve);
                } else if (nl == 12 &&
                           strncasecmp(name, "Content-Type", 12) == 0) {
                        free(h->content_type);
                        h->content_type = strndup(v, (size_t)(ve - v));
                        if (!h->content_type)
                                return SL_ERR_NOMEM;
                }
                if (eol == end)
                        break;
        }
        return 0;
}

/* End of the head in b (index after the blank line), head length without
 * it in *head_len; 0 when not complete yet. Searches from *scan on. */
static size_t find_head_end(const sl_buf_t *b, size_t *scan, size_t *head_len)
{
        for (size_t i = *scan; i < b->len; i++) {
                if (b->data[i] != '\n')
                        continue;
                /* "\n\n" or "\n\r\n" ends the head */
                if (i + 1 < b->len && b->data[i + 1] == '\n') {
                        *head_len = i;
                        return i + 2;
                }
                if (i + 2 < b->len && b->data[i + 1] == '\r' &&
                    b->data[i + 2] == '\n') {
                        *head_len = i;
                        return i + 3;
                }
                if (i + 2 >= b->len) {
                        *scan = i; /* look again when more arrived */
                        return 0;
                }
        }
        *scan = b->len;
        return 0;
}

enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER, CH_DONE };

typedef struct chunked {
        int state;
        size_t left; /* of the current chunk */
} chunked_t;

/* Decodes as much of [p, p+n) as is complete into out; *used is what was
 * consumed. 0, SL_ERR_PARSE / SL_ERR_IO (too big) with *bad, or NOMEM. */
static int chunked_feed(chunked_t *c, const char *p, size_t n, size_t *used,
                        sl_buf_t *out, const char **bad)
{
        size_t i = 0;
        int rc = 0;
        while (i < n && c->state != CH_DONE) {
                if (c->state == CH_DATA) {
                        size_t take = n - i < c->left ? n - i : c->left;
                        if ((rc = sl_buf_append(out, p + i, take)))
                                break;
                        i += take;
                        c->left -= take;
                        if (c->left == 0)
                                c->state = CH_DATA_END;
                        continue;
                }
                const char *nl = memchr(p + i, '\n', n - i);
                if (!nl) {
                        if (n - i > HTTP_MAX_LINE) {
                                *bad = "chunked body: line too long";
                                rc = SL_ERR_PARSE;
                        }
                        break;
                }
                const char *line = p + i;
                size_t ll = (size_t)(nl - line);
                if (ll > 0 && line[ll - 1] == '\r')
                        ll--;
                i = (size_t)(nl - p) + 1;
                if (c->state == CH_DATA_END) {
                        if (ll != 0) {
                                *bad = "chunked body: missing CRLF after "
                                       "chunk data";
                                rc = SL_ERR_PARSE;
                                break;
                        }
                        c->state = CH_SIZE;
                } else if (c->state == CH_TRAILER) {
                        if (ll == 0)
                                c->state = CH_DONE;
                } else { /* CH_SIZE: hex size [; extensions] */
                        size_t size = 0, k = 0;
                        for (; k < ll && isxdigit((unsigned char)line[k]); k++) {
                                int d = isdigit((unsigned char)line[k])
                                                ? line[k] - '0'
                                                : (tolower((unsigned char)line[k]) -
                                                   'a' + 10);
                                size = size * 16 + (size_t)d;
                                if (size > SL_HTTP_MAX_BODY)
                                        break;
                        }
                        if (size > SL_HTTP_MAX_BODY ||
                            out->len + size > SL_HTTP_MAX_BODY) {
                                *bad = "response body exceeds 64 MiB";
                                rc = SL_ERR_IO;
                                break;
                        }
                        if (k == 0 || (k < ll && line[k] != ';' &&
                                       line[k] != ' ' && line[k] != '\t')) {
                                *bad = "chunked body: bad chunk size";
                                rc = SL_ERR_PARSE;
                                break;
                        }
                        if (size == 0) {
                                c->state = CH_TRAILER;
                        } else {
                                c->left = size;
                                c->state = CH_DATA;
                        }
                }
        }
        *used = i;
        return rc;
}

static void buf_consume(sl_buf_t *b, size_t n)
{
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        b->data[b->len] = '\0';
}

/* Reads the whole response from fd into resp. */
static int read_response(const http_ctx_t *c, bool head_request,
                         sl_http_response_t *resp)
{
        sl_buf_t raw = SL_BUF_INIT, body = SL_BUF_INIT;
        http_head_t h = {0};
        const char *bad = NULL;
        size_t got = 0, scan = 0, head_len = 0, body_start = 0;
        int rc = 0;

        /* Head; 1xx interim responses (100 Continue) are skipped. */
        for (;;) {
                while (!(body_start = find_head_end(&raw, &scan, &head_len))) {
                        if (raw.len > HTTP_MAX_HEAD) {
                                rc = fail(c, SL_ERR_IO,
                                          "response head exceeds %d bytes",
                                          HTTP_MAX_HEAD);
                                goto out;
                        }
                        if ((rc = recv_some(c, &raw, &got))) {
                                rc = fail_step(c, rc,
                                               "waiting for the response");
                                goto out;
                        }
                        if (got == 0) {
                                rc = fail(c, SL_ERR_IO,
                                          raw.len ? "connection closed in "
                                                    "the response head"
                                                  : "connection closed "
                                                    "without a response");
                                goto out;
                        }
                }
                if ((rc = parse_head(raw.data, head_len, &h, &bad))) {
                        rc = rc == SL_ERR_NOMEM
                                     ? fail_step(c, rc, "parsing the response")
                                     : fail(c, SL_ERR_IO,
                                            "malformed response: %s", bad);
                        goto out;
                }
                buf_consume(&raw, body_start);
                scan = 0;
                if (h.status >= 200 || h.status == 101)
                        break;
        }

        if (head_request || h.status < 200 || h.status == 204 ||
            h.status == 304) {
                /* no body */
        } else if (h.chunked) {
                chunked_t ch = {CH_SIZE, 0};
                for (;;) {
                        size_t used = 0;
                        rc = chunked_feed(&ch, raw.data ? raw.data : "",
                                          raw.len, &used, &body, &bad);
                        if (rc == SL_ERR_NOMEM) {
                                rc = fail_step(c, rc, "reading the body");
                                goto out;
                        }
                        if (rc) {
                                rc = fail(c, SL_ERR_IO, "%s%s",
                                          rc == SL_ERR_PARSE
                                                  ? "malformed response: "
                                                  : "",
                                          bad);
                                goto out;
                        }
                        if (raw.len)
                                buf_consume(&raw, used);
                        if (ch.state == CH_DONE)
                                break;
                        if ((rc = recv_some(c, &raw, &got))) {
                                rc = fail_step(c, rc, "reading the body");
                                goto out;
                        }
                        if (got == 0) {
                                rc = fail(c, SL_ERR_IO,
                                          "connection closed before the end "
                                          "of the chunked body");
                                goto out;
                        }
                }
        } else if (h.content_length >= 0 && !h.has_te) {
                if ((unsigned long long)h.content_length > SL_HTTP_MAX_BODY) {
                        rc = fail(c, SL_ERR_IO,
                                  "response body of %lld bytes exceeds "
                                  "64 MiB",
                                  h.content_length);
                        goto out;
                }
                size_t want = (size_t)h.content_length;
                body = raw;
                sl_buf_init(&raw);
                while (body.len < want) {
                        if ((rc = recv_some(c, &body, &got))) {
                                rc = fail_step(c, rc, "reading the body");
                                goto out;
                        }
                        if (got == 0) {
                                rc = fail(c, SL_ERR_IO,
                                          "connection closed after %zu of "
                                          "%zu body bytes",
                                          body.len, want);
                                goto out;
                        }
                }
                if (body.len > want) {
                        body.len = want;
                        body.data[want] = '\0';
                }
        } else { /* read until the server closes */
                body = raw;
                sl_buf_init(&raw);
                for (;;) {
                        if (body.len > SL_HTTP_MAX_BODY) {
                                rc = fail(c, SL_ERR_IO,
                                          "response body exceeds 64 MiB");
                                goto out;
                        }
                        if ((rc = recv_some(c, &body, &got))) {
                                rc = fail_step(c, rc, "reading the body");
                                goto out;
                        }
                        if (got == 0 && body.len <= SL_HTTP_MAX_BODY)
                                break;
                }
        }

        resp->body = sl_buf_detach(&body, &resp->body_len);
        if (!resp->body) {
                rc = fail_step(c, SL_ERR_NOMEM, "reading the body");
                goto out;
        }
        resp->status = h.status;
        resp->content_type = h.content_type;
        h.content_type = NULL;
out:
        free(h.content_type);
        sl_buf_free(&raw);
        sl_buf_free(&body);
        return rc;
}

/* ---------------------------------------------------------------- API */

int sl_http_request(const char *base_url, const char *method, const char *path,
                    const char *const *headers, const char *body,
                    size_t body_len, int timeout_ms, sl_http_response_t *resp,
                    char *errstr, size_t errstr_size)
{
        return sl_http_request_tls(NULL, base_url, method, path, headers, body,
                                   body_len, timeout_ms, resp, errstr,
                                   errstr_size);
}

int sl_http_request_tls(const sl_tls_client_t *tls, const char *base_url,
                        const char *method, const char *path,
                        const char *const *headers, const char *body,
                        size_t body_len, int timeout_ms,
                        sl_http_response_t *resp, char *errstr,
                        size_t errstr_size)
{
        if (resp)
                memset(resp, 0, sizeof(*resp));
        if (!base_url || !resp)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "http request: %s is NULL",
                                 !base_url ? "base_url" : "resp");
        if (!method)
                method = "GET";
        if (!path)
                path = "/";
        if (!body)
                body_len = 0;

        http_url_t u;
        int rc = parse_url(base_url, &u, method, errstr, errstr_size);
        if (rc)
                return rc;

        sl_buf_t url = SL_BUF_INIT, req = SL_BUF_INIT;
        sl_tls_client_t *own_tls = NULL;
        if (sl_buf_printf(&url, "%s://%.*s%.*s%s", u.https ? "https" : "http",
                          (int)u.auth_len, u.auth, (int)u.prefix_len, u.prefix,
                          path))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "%s %s: out of memory", method, base_url);
        http_ctx_t c = {.fd = -1,
                        .method = method,
                        .url = url.data,
                        .errstr = errstr,
                        .errstr_size = errstr_size,
                        .timeout_ms = timeout_ms,
                        .deadline = timeout_ms > 0 ? sl_now_ms() + timeout_ms
                                                   : -1};
        const char *bad = NULL;
        if (check_args(method, path, headers, body, body_len, &bad)) {
                rc = fail(&c, SL_ERR_INVALID, "%s", bad);
                goto out;
        }
        if (build_head(&req, &u, method, path, headers, body, body_len)) {
                rc = fail_step(&c, SL_ERR_NOMEM, "building the request");
                goto out;
        }

        if (u.https && !tls) {
                char terr[256];
                tls = own_tls = sl_tls_client_new(NULL, NULL, NULL, NULL, terr,
                                                  sizeof(terr));
                if (!tls) {
                        rc = fail(&c, SL_ERR_IO, "%s", terr);
                        goto out;
                }
        }
        c.fd = connect_to(&c, &u);
        if (c.fd < 0) {
                rc = c.fd;
                goto out;
        }
        if (u.https) {
                char terr[768];
                rc = sl_tls_conn_open(tls, c.fd, u.host, c.deadline, &c.tls,
                                      terr, sizeof(terr));
                if (rc) {
                        rc = fail(&c, rc, "%s", terr);
                        goto out;
                }
        }
        rc = send_all(&c, req.data, req.len, body_len ? MSG_MORE : 0);
        if (!rc && body_len)
                rc = send_all(&c, body, body_len, 0);
        if (rc == SL_ERR_TIMEOUT) {
                rc = fail_step(&c, rc, "sending the request");
                goto out;
        }
        if (rc) {
                /* The server may have answered early (413, 400) and closed:
                 * prefer its response when one can be read. */
                int send_rc = rc;
                (void)shutdown(c.fd, SHUT_WR);
                if (read_response(&c, false, resp) == 0) {
                        rc = 0;
                        goto out;
                }
                rc = fail_step(&c, send_rc, "sending the request");
                goto out;
        }
        rc = read_response(&c, strcasecmp(method, "HEAD") == 0, resp);
out:
        sl_tls_conn_close(c.tls);
        if (c.fd >= 0)
                close(c.fd);
        sl_tls_client_destroy(own_tls);
        if (rc)
                sl_http_response_clear(resp);
        sl_buf_free(&req);
        sl_buf_free(&url);
        return rc;
}

void sl_http_response_clear(sl_http_response_t *r)
{
        if (!r)
                return;
        free(r->content_type);
        free(r->body);
        memset(r, 0, sizeof(*r));
}
