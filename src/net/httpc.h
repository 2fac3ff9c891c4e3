/* HTTP/1.1 client for connectors: one keep-alive connection to one
 * endpoint over the task's sockets (sl_task_connect/send/recv, so io_uring
 * on a shard). A request on a connection the server has closed is retried
 * once on a new connection when nothing of its response arrived. Plain
 * http only. Not thread-safe: one task uses a given client. */
#ifndef SL_NET_HTTPC_H
#define SL_NET_HTTPC_H

#include <stddef.h>
#include <sys/uio.h>

#include "sluice/plugin.h"

typedef struct sl_httpc sl_httpc_t;

typedef struct sl_httpc_resp {
        int status;
        /* response headers, names lower-cased; NULL-terminated pairs
         * name,value,name,value,...,NULL (malloc'd) */
        char **headers;
        sl_buf_t body; /* NUL-terminated (not counted in len) */
} sl_httpc_resp_t;

/* url: "http://host[:port][/prefix]" (IPv6 as [::1]); every request path
 * is appended to prefix. timeout_ms bounds each connect/send/recv. ctx may
 * be NULL (system calls). NULL with errstr set for a bad URL
 * ("https is not supported") or no memory. Connects lazily. */
sl_httpc_t *sl_httpc_new(sl_task_ctx_t *ctx, const char *url, int timeout_ms,
                         char *errstr, size_t errstr_size);
void sl_httpc_destroy(sl_httpc_t *c);
/* "host:port" as sent in Host (and signed by SigV4). */
const char *sl_httpc_host(const sl_httpc_t *c);
/* The URL's path prefix ("" when none). */
const char *sl_httpc_prefix(const sl_httpc_t *c);

/* One request. target: path plus query ("/bkt/key?uploads="), appended to
 * the prefix. headers: NULL or NULL-terminated "Name: value" strings
 * (Host, Content-Length and Connection are added here). body: iovcnt
 * iovecs sent as they are (Content-Length is their sum; no body when 0).
 * HEAD responses have no body. Returns 0 with resp filled for any status
 * (free with sl_httpc_resp_clear), or SL_ERR_TIMEOUT / SL_ERR_IO
 * (connection failed, closed mid-response, malformed response, body over
 * max_body) with errstr naming method and URL. After an error the
 * connection is closed and the next request reconnects. */
int sl_httpc_request(sl_httpc_t *c, const char *method, const char *target,
                     const char *const *headers, const struct iovec *body,
                     int iovcnt, sl_httpc_resp_t *resp, char *errstr,
                     size_t errstr_size);
/* A header of resp by lower-case name, or NULL. */
const char *sl_httpc_resp_header(const sl_httpc_resp_t *resp, const char *name);
void sl_httpc_resp_clear(sl_httpc_resp_t *resp);

/* Largest response body accepted (default 256 MiB). */
void sl_httpc_set_max_body(sl_httpc_t *c, size_t max_body);

/* Bound for connecting alone (default: the timeout_ms given to new). */
void sl_httpc_set_connect_timeout(sl_httpc_t *c, int timeout_ms);
/* Bound for each send/recv from now on. */
void sl_httpc_set_timeout(sl_httpc_t *c, int timeout_ms);
/* Drop the kept-alive connection (if any); the next request reconnects. */
void sl_httpc_close(sl_httpc_t *c);

#endif
