/* FileStreamSource / FileStreamSink: the Kafka Connect quickstart
 * connectors. */
#ifndef SL_CONNECTOR_FILE_H
#define SL_CONNECTOR_FILE_H

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_file_source_plugin, sl_file_sink_plugin;

#endif
