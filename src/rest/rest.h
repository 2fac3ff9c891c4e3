/* Kafka Connect compatible REST API over libmicrohttpd. */
#ifndef SL_REST_H
#define SL_REST_H

#include "herder/herder.h"

typedef struct sl_rest sl_rest_t;

/* listeners: Kafka Connect syntax, a comma list of http://host:port or
 * https://host:port ("http://:8083" = all interfaces; port 0 = any free
 * port). Only the first listener is served. NULL and errstr on failure
 * (bad syntax, port in use, https without a keystore). */
sl_rest_t *sl_rest_start(sl_herder_t *h, const char *listeners, char *errstr,
                         size_t errstr_size);
/* The same from a worker config: listeners, the TLS keys of an https
 * listener (ssl.*, see rest_tls.h) and basic auth (rest.extension.classes,
 * java.security.auth.login.config, see rest_auth.h). Bad or unreadable key,
 * certificate, JAAS or credentials files fail here with errstr naming the
 * key and file. */
sl_rest_t *sl_rest_start_config(sl_herder_t *h, const sl_strmap_t *config,
                                char *errstr, size_t errstr_size);
int sl_rest_port(const sl_rest_t *r); /* the bound port */
void sl_rest_stop(sl_rest_t *r);

/* A second API on the same listener (the schema registry): requests whose
 * first path segment is one of a handler's prefixes go to it instead of
 * Connect's routes, and it renders its own bodies and error codes. */
#define SL_REST_MAX_QUERY 32

typedef struct sl_rest_request {
        const char *method; /* HEAD arrives as GET */
        const char *path;   /* still percent-encoded, without the query */
        const char *body;
        size_t body_len;
        size_t nquery; /* query arguments as sent (MHD made '+' a space) */
        const char *qkey[SL_REST_MAX_QUERY];
        const char *qval[SL_REST_MAX_QUERY]; /* NULL for "?key" */
} sl_rest_request_t;

typedef struct sl_rest_response {
        int status;
        char *body;               /* malloc'd, sent as is; NULL = empty */
        const char *content_type; /* static; NULL = application/json */
        /* static name, value, name, value, ..., NULL; NULL = none */
        const char *const *headers;
} sl_rest_response_t;

/* Sets resp to status with Connect's {"error_code","message"} body
 * (the message formatted from fmt); 500 without a body when out of memory. */
void sl_rest_response_error(sl_rest_response_t *resp, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

typedef void(sl_rest_handler_t)(void *opaque, const sl_rest_request_t *req,
                                sl_rest_response_t *resp);

/* prefixes: NULL-terminated, must outlive r. Add handlers right after
 * sl_rest_start (requests before that see Connect's 404); the first added
 * whose prefix matches wins. -ENOSPC past SL_REST_MAX_HANDLERS. */
#define SL_REST_MAX_HANDLERS 8
int sl_rest_add_handler(sl_rest_t *r, const char *const *prefixes, sl_rest_handler_t *fn,
                        void *opaque);

#endif
