/* HttpSinkConnector: records to an HTTP endpoint, batched, with retries and back-off. */
#ifndef SL_CONNECTOR_HTTP_H
#define SL_CONNECTOR_HTTP_H

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_http_sink_plugin;

#endif
