/* How a worker calls other workers' REST APIs (distributed mode): https
 * with the worker's truststore (system CAs when none) and its keystore as
 * client certificate, and with basic auth enabled an Authorization header
 * on every request: the one of the request being forwarded (as Kafka
 * Connect does, KAFKA-8404), else the worker's own (the first user of its
 * credentials file). */
#ifndef SL_REST_CLIENT_H
#define SL_REST_CLIENT_H

#include "util/http_client.h"

typedef struct sl_rest_client sl_rest_client_t;

/* From the worker config (ssl.*, rest.extension.classes,
 * java.security.auth.login.config). NULL with errstr. */
sl_rest_client_t *sl_rest_client_new(const sl_strmap_t *config, char *errstr,
                                     size_t errstr_size);
void sl_rest_client_destroy(sl_rest_client_t *c);

/* sl_http_request to url + path; authorization: the forwarded request's
 * Authorization header value, NULL for a request of the worker's own. */
int sl_rest_client_request(sl_rest_client_t *c, const char *url,
                           const char *method, const char *path,
                           const char *authorization, const char *body,
                           size_t body_len, int timeout_ms,
                           sl_http_response_t *resp, char *errstr,
                           size_t errstr_size);

#endif
