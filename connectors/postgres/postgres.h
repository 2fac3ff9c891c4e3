/* PostgreSQL connectors: JDBC-style query source and upsert sink, and a logical-replication (pgoutput) CDC source. */
#ifndef SL_CONNECTOR_POSTGRES_H
#define SL_CONNECTOR_POSTGRES_H

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_jdbc_source_plugin;
extern const sl_connector_plugin_t sl_jdbc_sink_plugin;
extern const sl_connector_plugin_t sl_pg_cdc_source_plugin;

#endif
