/* Kafka Connect compatible REST API over libmicrohttpd. */
#ifndef SL_REST_H
#define SL_REST_H

#include "herder/herder.h"

typedef struct sl_rest sl_rest_t;

/* listeners: Kafka Connect syntax, a comma list of http://host:port
 * ("http://:8083" = all interfaces; port 0 = any free port). Only the
 * first listener is served. NULL and errstr on failure (bad syntax,
 * https, port in use). */
sl_rest_t *sl_rest_start(sl_herder_t *h, const char *listeners, char *errstr,
                         size_t errstr_size);
int sl_rest_port(const sl_rest_t *r); /* the bound port */
void sl_rest_stop(sl_rest_t *r);

#endif
