/*
 * REST server lifecycle on libmicrohttpd: listener parsing, TLS and basic
 * auth gates, request body accumulation and JSON response rendering.
 * Routing lives in rest_routes.c.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "rest/rest.h"
#include "rest/rest_auth.h"
#include "rest/rest_tls.h"

#define REST_LOGGER "rest"
#define REST_BODY_LIMIT ((size_t)16 << 20)
/* Herder calls may block for seconds; the timeout only bounds idle
 * clients, not request processing. */
#define REST_CONN_TIMEOUT_S 120u

/* Defined in rest_routes.c: maps method + raw path to one herder call and
 * always leaves a status in r. */
void sl_rest_dispatch(sl_herder_t *h, struct MHD_Connection *conn,
                      const char *method, const char *path, const char *body,
                      size_t body_len, sl_reply_t *r);

struct sl_rest {
        sl_herder_t *h;
        struct MHD_Daemon *d;
        int port;
        bool https;
        sl_rest_tls_t tls;    /* https: key and chain stay alive for MHD */
        sl_rest_auth_t *auth; /* NULL: no basic auth */
        /* other APIs (sl_rest_add_handler): a slot is filled before the
         * count that publishes it */
        struct rest_handler {
                const char *const *prefixes;
                sl_rest_handler_t *fn;
                void *opaque;
        } handlers[SL_REST_MAX_HANDLERS];
        atomic_int nhandlers;
        pthread_mutex_t handlers_lock; /* writers only */
        /* MHD only reports why it failed to start through its logger. */
        pthread_mutex_t log_lock;
        char start_err[256];
};

typedef struct rest_req {
        struct timespec start;
        sl_buf_t body;
        bool too_large;
        bool nomem;
        bool unauthorized; /* answered 401; the body is drained unread */
} rest_req_t;

/* ------------------------------------------------------------ listeners */

typedef struct listener {
        struct sockaddr_storage sa;
        bool ipv6;
        bool https;
        int port;
} listener_t;

static int resolve_host(const char *host, bool bracketed, listener_t *l,
                        char *errstr, size_t errstr_size)
{
        struct addrinfo hints, *res = NULL, *ai, *pick = NULL;
        int rc;

        memset(&l->sa, 0, sizeof(l->sa));
        if (!*host) {
                struct sockaddr_in *sin = (struct sockaddr_in *)&l->sa;
                sin->sin_family = AF_INET;
                sin->sin_addr.s_addr = htonl(INADDR_ANY);
                l->ipv6 = false;
                return 0;
        }

        memset(&hints, 0, sizeof(hints));
        hints.ai_family = bracketed ? AF_INET6 : AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        rc = getaddrinfo(host, NULL, &hints, &res);
        if (rc != 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Cannot resolve listener host '%s': %s",
                                 host, gai_strerror(rc));
        /* Prefer IPv4 so "localhost" binds where most clients connect. */
        for (ai = res; ai; ai = ai->ai_next) {
                if (ai->ai_family == AF_INET && !pick)
                        pick = ai;
        }
        for (ai = res; ai && !pick; ai = ai->ai_next) {
                if (ai->ai_family == AF_INET6)
                        pick = ai;
        }
        if (!pick) {
                freeaddrinfo(res);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "No IPv4 or IPv6 address for listener host "
                                 "'%s'", host);
        }
        memcpy(&l->sa, pick->ai_addr, pick->ai_addrlen);
        l->ipv6 = pick->ai_family == AF_INET6;
        freeaddrinfo(res);
        return 0;
}

/* First entry of a Kafka Connect "listeners" list: http://host:port or
 * https://host:port with an optional [IPv6] host. Later entries are not
 * served (logged). */
static int parse_listener(const char *listeners, listener_t *l, char *errstr,
                          size_t errstr_size)
{
        char entry[512], host[256];
        const char *p, *end, *hs, *he, *ps, *comma;
        size_t n, hl;
        bool bracketed = false;
        long port = 0;

        if (!listeners)
                listeners = "";
        p = listeners;
        while (*p == ' ' || *p == '\t')
                p++;
        end = comma = strchr(p, ',');
        if (!end)
                end = p + strlen(p);
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        n = (size_t)(end - p);
        if (n == 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "No REST listener configured (expected "
                                 "http://host:port)");
        if (n >= sizeof(entry))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "REST listener is too long");
        memcpy(entry, p, n);
        entry[n] = '\0';

        l->https = strncasecmp(entry, "https://", 8) == 0;
        if (!l->https && strncasecmp(entry, "http://", 7) != 0)
                goto bad;
        if (comma) {
                const char *rest = comma + 1;
                while (*rest == ' ' || *rest == '\t' || *rest == ',')
                        rest++;
                if (*rest)
                        sl_warn(REST_LOGGER,
                                "listeners: only the first listener (%s) is "
                                "served; not serving %s",
                                entry, rest);
        }

        hs = entry + (l->https ? 8 : 7);
        if (*hs == '[') {
                bracketed = true;
                hs++;
                he = strchr(hs, ']');
                if (!he || he[1] != ':')
                        goto bad;
                ps = he + 2;
        } else {
                he = strrchr(hs, ':');
                if (!he)
                        goto bad;
                ps = he + 1;
                if (memchr(hs, ':', (size_t)(he - hs)) ||
                    memchr(hs, '/', (size_t)(he - hs)))
                        goto bad;
        }
        hl = (size_t)(he - hs);
        if (hl >= sizeof(host))
                goto bad;
        memcpy(host, hs, hl);
        host[hl] = '\0';

        if (!*ps || strlen(ps) > 5)
                goto bad;
        for (const char *c = ps; *c; c++) {
                if (*c < '0' || *c > '9')
                        goto bad;
                port = port * 10 + (*c - '0');
        }
        if (port > 65535)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid port %ld in REST listener '%s'",
                                 port, entry);
        l->port = (int)port;

        if (resolve_host(host, bracketed, l, errstr, errstr_size))
                return SL_ERR_CONFIG;
        if (l->ipv6)
                ((struct sockaddr_in6 *)&l->sa)->sin6_port =
                        htons((uint16_t)port);
        else
                ((struct sockaddr_in *)&l->sa)->sin_port =
                        htons((uint16_t)port);
        return 0;

bad:
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "Invalid REST listener '%s': expected "
                         "http://host:port or https://host:port",
                         entry);
}

/* ------------------------------------------------------------ responses */

static int render_reply(struct MHD_Connection *conn, const sl_reply_t *r)
{
        sl_buf_t out = SL_BUF_INIT;
        struct MHD_Response *resp;
        bool has_body = r->body != NULL || r->status >= 400;
        int ret;

        if (r->body) {
                if (sl_json_write(r->body, &out))
                        goto oom;
        } else if (r->status >= 400) {
                char fallback[96];
                const char *msg = r->message;

                if (!msg) {
                        snprintf(fallback, sizeof(fallback), "HTTP %d %s",
                                 r->status,
                                 MHD_get_reason_phrase_for(
                                         (unsigned)r->status));
                        msg = fallback;
                }
                if (sl_buf_printf(&out, "{\"error_code\":%d,\"message\":",
                                  r->status) ||
                    sl_json_write_string(&out, msg, strlen(msg)) ||
                    sl_buf_putc(&out, '}'))
                        goto oom;
        }

        resp = MHD_create_response_from_buffer(
                out.len, out.len ? out.data : (void *)"",
                out.len ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
        sl_buf_free(&out);
        if (!resp)
                return MHD_NO;
        if (has_body)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                        "application/json");
        if (r->status == 201 && r->location)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
                                        r->location);
        ret = MHD_queue_response(conn, (unsigned)r->status, resp);
        MHD_destroy_response(resp);
        return ret;

oom:
        sl_buf_free(&out);
        sl_error(REST_LOGGER, "Out of memory rendering a %d response",
                 r->status);
        return MHD_NO;
}

static double elapsed_ms(const struct timespec *start)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double)(now.tv_sec - start->tv_sec) * 1e3 +
               (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* ------------------------------------------------------------ handler */

void sl_rest_response_error(sl_rest_response_t *resp, int status, const char *fmt, ...)
{
        sl_buf_t msg = SL_BUF_INIT, b = SL_BUF_INIT;
        va_list ap;
        int rc;

        va_start(ap, fmt);
        rc = sl_buf_vprintf(&msg, fmt, ap);
        va_end(ap);
        resp->status = status;
        resp->content_type = NULL;
        free(resp->body);
        resp->body = NULL;
        if (rc || sl_buf_printf(&b, "{\"error_code\":%d,\"message\":", status) ||
            sl_json_write_string(&b, msg.data ? msg.data : "", msg.len) ||
            sl_buf_putc(&b, '}')) {
                resp->status = 500;
                sl_buf_free(&b);
        } else {
                resp->body = sl_buf_detach(&b, NULL);
        }
        sl_buf_free(&msg);
}

int sl_rest_add_handler(sl_rest_t *r, const char *const *prefixes, sl_rest_handler_t *fn,
                        void *opaque)
{
        int rc = 0;

        pthread_mutex_lock(&r->handlers_lock);
        int n = atomic_load(&r->nhandlers);
        if (n < SL_REST_MAX_HANDLERS) {
                r->handlers[n] = (struct rest_handler){prefixes, fn, opaque};
                atomic_store(&r->nhandlers, n + 1);
        } else {
                rc = -ENOSPC;
        }
        pthread_mutex_unlock(&r->handlers_lock);
        return rc;
}

/* The handler whose prefix is the path's first segment, NULL for Connect's
 * own routes. */
static const struct rest_handler *handler_for(const sl_rest_t *rest, const char *url)
{
        size_t n;
        int count = atomic_load(&rest->nhandlers);

        while (*url == '/')
                url++;
        n = strcspn(url, "/");
        for (int i = 0; i < count; i++) {
                for (const char *const *p = rest->handlers[i].prefixes; p && *p; p++) {
                        if (strlen(*p) == n && strncmp(url, *p, n) == 0)
                                return &rest->handlers[i];
                }
        }
        return NULL;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
        sl_rest_request_t *q = cls;

        (void)kind;
        if (key && q->nquery < SL_REST_MAX_QUERY) {
                q->qkey[q->nquery] = key;
                q->qval[q->nquery++] = value;
        }
        return MHD_YES;
}

static enum MHD_Result respond_handler(const struct rest_handler *hd,
                                       struct MHD_Connection *conn,
                                       const char *method, const char *url,
                                       rest_req_t *req)
{
        sl_rest_request_t q = {0};
        sl_rest_response_t resp = {0};
        struct MHD_Response *mr;
        size_t len;
        int ret;

        q.method = strcmp(method, "HEAD") == 0 ? "GET" : method;
        q.path = url;
        q.body = req->body.data ? req->body.data : "";
        q.body_len = req->body.len;
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, &q);
        if (req->too_large || req->nomem) {
                resp.status = req->too_large ? 413 : 500;
                resp.body = strdup(req->too_large
                                   ? "{\"error_code\":413,\"message\":\"Request body too large\"}"
                                   : "{\"error_code\":500,\"message\":\"Out of memory\"}");
        } else {
                hd->fn(hd->opaque, &q, &resp);
        }
        if (resp.status < 100 || resp.status > 599)
                resp.status = 500;
        len = resp.body ? strlen(resp.body) : 0;
        mr = MHD_create_response_from_buffer(len, len ? resp.body : (void *)"",
                                             len ? MHD_RESPMEM_MUST_COPY
                                                 : MHD_RESPMEM_PERSISTENT);
        free(resp.body);
        if (!mr)
                return MHD_NO;
        if (len)
                MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                                        resp.content_type ? resp.content_type
                                                          : "application/json");
        for (const char *const *hp = resp.headers; hp && hp[0] && hp[1]; hp += 2)
                MHD_add_response_header(mr, hp[0], hp[1]);
        ret = MHD_queue_response(conn, (unsigned)resp.status, mr);
        MHD_destroy_response(mr);
        sl_debug(REST_LOGGER, "%s %s %d %.3f ms", method, url, resp.status,
                 elapsed_ms(&req->start));
        return ret == MHD_YES ? MHD_YES : MHD_NO;
}

static enum MHD_Result respond(sl_rest_t *rest, struct MHD_Connection *conn,
                               const char *method, const char *url,
                               rest_req_t *req)
{
        const struct rest_handler *hd = handler_for(rest, url);
        sl_reply_t r = {0};
        int ret;

        if (hd)
                return respond_handler(hd, conn, method, url, req);
        if (req->too_large)
                sl_reply_error(&r, 413, "Request body too large");
        else if (req->nomem)
                sl_reply_error(&r, 500, "Out of memory reading request body");
        else
                sl_rest_dispatch(rest->h, conn, method, url,
                                 req->body.data ? req->body.data : "",
                                 req->body.len, &r);
        if (r.status < 100 || r.status > 599) {
                if (r.status != 0)
                        sl_warn(REST_LOGGER, "%s %s: invalid status %d",
                                method, url, r.status);
                sl_reply_error(&r, 500, "Internal error");
        }

        ret = render_reply(conn, &r);
        sl_debug(REST_LOGGER, "%s %s %d %.3f ms", method, url, r.status,
                 elapsed_ms(&req->start));
        sl_reply_clear(&r);
        return ret == MHD_YES ? MHD_YES : MHD_NO;
}

/* ---------------------------------------------------------------- gates */

static void *tls_session(struct MHD_Connection *conn)
{
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
                conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        return ci ? ci->tls_session : NULL;
}

/* Before the handshake: with ssl.client.auth=required the handshake asks
 * for a client certificate and verifies it, so a client without a valid
 * one fails there, as with Kafka Connect's Jetty. */
static void on_connection(void *cls, struct MHD_Connection *conn,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
        sl_rest_t *rest = cls;

        (void)socket_context;
        if (toe == MHD_CONNECTION_NOTIFY_STARTED && rest->https)
                sl_rest_tls_session_setup(tls_session(conn),
                                          rest->tls.client_auth);
}

static enum MHD_Result respond_unauthorized(struct MHD_Connection *conn,
                                            const char *method, const char *url,
                                            rest_req_t *req)
{
        static const char body[] =
                "{\"error_code\":401,\"message\":\"" SL_REST_AUTH_DENIED "\"}";
        struct MHD_Response *mr;
        int ret;

        mr = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
                                             MHD_RESPMEM_PERSISTENT);
        if (!mr)
                return MHD_NO;
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/json");
        MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                SL_REST_AUTH_CHALLENGE);
        ret = MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, mr);
        MHD_destroy_response(mr);
        sl_debug(REST_LOGGER, "%s %s 401 %.3f ms", method, url,
                 elapsed_ms(&req->start));
        return ret == MHD_YES ? MHD_YES : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        sl_rest_t *rest = cls;
        rest_req_t *req = *con_cls;

        (void)version;
        if (!req) {
                /* requested: a certificate sent must verify (required
                 * ones were checked in the handshake already) */
                if (rest->https &&
                    !sl_rest_tls_session_ok(tls_session(conn),
                                            rest->tls.client_auth)) {
                        sl_debug(REST_LOGGER,
                                 "%s %s: client certificate not trusted, "
                                 "closing the connection",
                                 method, url);
                        return MHD_NO;
                }
                req = calloc(1, sizeof(*req));
                if (!req)
                        return MHD_NO;
                clock_gettime(CLOCK_MONOTONIC, &req->start);
                sl_buf_init(&req->body);
                req->unauthorized =
                        rest->auth &&
                        !sl_rest_auth_check(rest->auth,
                                            MHD_lookup_connection_value(
                                                    conn, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_AUTHORIZATION));
                *con_cls = req;
                return MHD_YES;
        }

        if (*upload_data_size) {
                size_t n = *upload_data_size;

                /* Oversized bodies are drained rather than cut off: closing
                 * with unread input makes the kernel reset the connection
                 * and the client would never see the 413. */
                if (!req->too_large && !req->nomem && !req->unauthorized) {
                        if (req->body.len + n > REST_BODY_LIMIT) {
                                req->too_large = true;
                                sl_buf_free(&req->body);
                        } else if (sl_buf_append(&req->body, upload_data, n)) {
                                req->nomem = true;
                                sl_buf_free(&req->body);
                        }
                }
                *upload_data_size = 0;
                return MHD_YES;
        }

        if (req->unauthorized)
                return respond_unauthorized(conn, method, url, req);
        return respond(rest, conn, method, url, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
                         void **con_cls, enum MHD_RequestTerminationCode toe)
{
        rest_req_t *req = *con_cls;

        (void)cls;
        (void)conn;
        (void)toe;
        if (!req)
                return;
        sl_buf_free(&req->body);
        free(req);
        *con_cls = NULL;
}

/* Leave the path escaped so rest_routes.c can split on '/' before
 * decoding (a name containing %2F stays one segment). MHD has already
 * turned '+' into ' ' in query arguments. */
static size_t keep_escaped(void *cls, struct MHD_Connection *conn, char *s)
{
        (void)cls;
        (void)conn;
        return strlen(s);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
        sl_rest_t *rest = cls;
        char msg[256];
        size_t n;

        vsnprintf(msg, sizeof(msg), fmt, ap);
        n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
                msg[--n] = '\0';
        /* Client disconnects and the like are routine: keep them at DEBUG;
         * start-up failures surface through errstr instead. */
        sl_debug(REST_LOGGER, "libmicrohttpd: %s", msg);
        pthread_mutex_lock(&rest->log_lock);
        if (!rest->start_err[0])
                snprintf(rest->start_err, sizeof(rest->start_err), "%s", msg);
        pthread_mutex_unlock(&rest->log_lock);
}

/* -------------------------------------------------------------- lifecycle */

static void rest_free(sl_rest_t *rest)
{
        sl_rest_tls_clear(&rest->tls);
        sl_rest_auth_destroy(rest->auth);
        pthread_mutex_destroy(&rest->log_lock);
        pthread_mutex_destroy(&rest->handlers_lock);
        free(rest);
}

sl_rest_t *sl_rest_start(sl_herder_t *h, const char *listeners, char *errstr,
                         size_t errstr_size)
{
        sl_strmap_t *cfg = sl_strmap_new();
        sl_rest_t *rest;

        if (!cfg || (listeners && sl_strmap_set(cfg, "listeners", listeners))) {
                sl_strmap_destroy(cfg);
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                return NULL;
        }
        rest = sl_rest_start_config(h, cfg, errstr, errstr_size);
        sl_strmap_destroy(cfg);
        return rest;
}

sl_rest_t *sl_rest_start_config(sl_herder_t *h, const sl_strmap_t *config,
                                char *errstr, size_t errstr_size)
{
        const char *listeners = sl_strmap_get(config, "listeners");
        listener_t l;
        sl_rest_t *rest;
        unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
                             MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
        const union MHD_DaemonInfo *info;
        struct MHD_OptionItem tls_opts[4];
        size_t nopt = 0;

        if (parse_listener(listeners, &l, errstr, errstr_size))
                return NULL;
        if (l.https && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
                sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                          "https listener '%s': this libmicrohttpd was built "
                          "without TLS support (it needs one built with GnuTLS)",
                          listeners);
                return NULL;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_POLL) == MHD_YES)
                flags |= MHD_USE_POLL; /* no FD_SETSIZE cap on sockets */
        if (l.ipv6)
                flags |= MHD_USE_IPv6;

        rest = calloc(1, sizeof(*rest));
        if (!rest) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                return NULL;
        }
        rest->h = h;
        rest->https = l.https;
        pthread_mutex_init(&rest->log_lock, NULL);
        pthread_mutex_init(&rest->handlers_lock, NULL);
        if (sl_rest_auth_new(config, &rest->auth, errstr, errstr_size)) {
                rest_free(rest);
                return NULL;
        }
        if (l.https) {
                if (sl_rest_tls_load(config, true, &rest->tls, errstr,
                                     errstr_size)) {
                        rest_free(rest);
                        return NULL;
                }
                flags |= MHD_USE_TLS;
                tls_opts[nopt++] = (struct MHD_OptionItem){
                        MHD_OPTION_HTTPS_MEM_KEY, 0, rest->tls.key_pem};
                tls_opts[nopt++] = (struct MHD_OptionItem){
                        MHD_OPTION_HTTPS_MEM_CERT, 0, rest->tls.cert_pem};
                /* the CAs client certificates must lead to; with it MHD
                 * asks clients for one */
                if (rest->tls.client_auth != SL_CLIENT_AUTH_NONE)
                        tls_opts[nopt++] = (struct MHD_OptionItem){
                                MHD_OPTION_HTTPS_MEM_TRUST, 0,
                                rest->tls.trust_pem};
        }
        tls_opts[nopt] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

        rest->d = MHD_start_daemon(
                flags, (uint16_t)l.port, NULL, NULL, on_request, rest,
                /* First, or MHD prints earlier messages itself. */
                MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, rest,
                MHD_OPTION_ARRAY, tls_opts,
                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&l.sa,
                MHD_OPTION_CONNECTION_TIMEOUT, REST_CONN_TIMEOUT_S,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, rest,
                MHD_OPTION_NOTIFY_CONNECTION, on_connection, rest,
                MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, rest,
                MHD_OPTION_END);
        if (!rest->d) {
                /* No daemon threads remain, so start_err is stable. */
                sl_seterr(errstr, errstr_size, SL_ERR_IO,
                          "Failed to start REST server on '%s': %s",
                          listeners ? listeners : "",
                          rest->start_err[0] ? rest->start_err
                                             : "libmicrohttpd refused to "
                                               "start");
                rest_free(rest);
                return NULL;
        }

        info = MHD_get_daemon_info(rest->d, MHD_DAEMON_INFO_BIND_PORT);
        rest->port = info ? (int)info->port : l.port;
        sl_info(REST_LOGGER, "REST server listening on port %d (%s%s%s)",
                rest->port, l.https ? "https" : "http",
                l.https && rest->tls.client_auth == SL_CLIENT_AUTH_REQUIRED
                        ? ", client certificates required"
                : l.https && rest->tls.client_auth == SL_CLIENT_AUTH_REQUESTED
                        ? ", client certificates requested"
                        : "",
                rest->auth ? ", basic auth" : "");
        return rest;
}

int sl_rest_port(const sl_rest_t *r)
{
        return r ? r->port : -1;
}

void sl_rest_stop(sl_rest_t *r)
{
        if (!r)
                return;
        /* Joins every connection thread, so in-flight herder calls finish
         * before the herder can be torn down. */
        MHD_stop_daemon(r->d);
        rest_free(r);
}
