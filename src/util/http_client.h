/* Small blocking HTTP/1.1 client (http and https). Workers use it to
 * forward REST requests to the leader, like Kafka Connect's
 * RestClient/RestServer forwarding. One request per connection
 * ("Connection: close"); no redirects, no keep-alive. */
#ifndef SL_UTIL_HTTP_CLIENT_H
#define SL_UTIL_HTTP_CLIENT_H

#include <stddef.h>

#include "sluice/common.h"
#include "util/tls.h"

/* Largest response body accepted; bigger bodies fail with SL_ERR_IO. */
#define SL_HTTP_MAX_BODY ((size_t)64 * 1024 * 1024)

typedef struct sl_http_response {
        int status;         /* HTTP status code */
        char *content_type; /* malloc'd or NULL */
        char *body;         /* malloc'd, NUL-terminated, may contain NULs */
        size_t body_len;
} sl_http_response_t;

/* base_url: "http://host:port" or "https://host:port" (optionally with a
 * trailing slash; IPv6 as http://[::1]:8083; port defaults to 80 / 443; a
 * path after the authority is used as a prefix of path). https verifies
 * the server's certificate and host name against the system CA store (see
 * sl_http_request_tls for other CAs). path: "/connectors?forward=false" etc.
 * headers: NULL or a NULL-terminated array of "Name: value" strings
 * (Content-Length, Connection and Transfer-Encoding are managed here and
 * ignored when passed; a Host header replaces the default one).
 * body may be NULL (no body; Content-Length: 0 is sent). A body without a
 * Content-Type header is sent as application/json.
 * The whole exchange (connect, send, receive) is bounded by timeout_ms
 * (<= 0: no limit); name resolution is not, so use numeric hosts or names
 * that resolve locally when the bound matters.
 * Returns 0 with resp filled (any status code, including 4xx/5xx), or
 * SL_ERR_TIMEOUT / SL_ERR_IO (connect failure, TLS handshake or
 * certificate rejected, malformed or oversized response) / SL_ERR_INVALID
 * (bad arguments or URL) / SL_ERR_NOMEM with errstr naming the method and
 * URL. On error resp is left empty (zeroed). */
int sl_http_request(const char *base_url, const char *method, const char *path,
                    const char *const *headers, const char *body,
                    size_t body_len, int timeout_ms, sl_http_response_t *resp,
                    char *errstr, size_t errstr_size);
/* The same with https:// URLs using tls's CAs and client certificate
 * (NULL: the system CA store, no client certificate). */
int sl_http_request_tls(const sl_tls_client_t *tls, const char *base_url,
                        const char *method, const char *path,
                        const char *const *headers, const char *body,
                        size_t body_len, int timeout_ms,
                        sl_http_response_t *resp, char *errstr,
                        size_t errstr_size);

/* Frees what a response holds and zeroes it; NULL is fine. */
void sl_http_response_clear(sl_http_response_t *r);

#endif
