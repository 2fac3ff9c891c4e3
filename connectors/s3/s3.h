/* S3 sink and source connectors (Confluent-compatible object layout). */
#ifndef SL_CONNECTOR_S3_H
#define SL_CONNECTOR_S3_H

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_s3_sink_plugin;
extern const sl_connector_plugin_t sl_s3_source_plugin;

#endif
