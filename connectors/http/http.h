/* HttpSinkConnector: records to an HTTP endpoint, batched, with retries and back-off. */
#ifndef SL_CONNECTOR_HTTP_H
#define SL_CONNECTOR_HTTP_H

#include <stdbool.h>

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_http_sink_plugin;

/* retry.on.status.codes: comma-separated codes and inclusive ranges
 * ("404,408,500-", "400-499", "-299"). At most HTTP_MAX_RANGES items. */
#define HTTP_MAX_RANGES 32

typedef struct http_status_ranges {
        int n;
        int lo[HTTP_MAX_RANGES], hi[HTTP_MAX_RANGES];
} http_status_ranges_t;

/* 0, or SL_ERR_CONFIG with a message naming the bad item. */
int http_parse_status_ranges(const char *spec, http_status_ranges_t *out, char *errstr,
                             size_t errstr_size);
bool http_status_in(const http_status_ranges_t *r, int status);

#endif
