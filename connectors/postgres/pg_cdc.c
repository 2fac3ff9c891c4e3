/* placeholder: being written (issue 6) */
#include "postgres/postgres.h"

static const sl_config_def_t placeholder_config[] = {{.name = NULL}};

const sl_connector_plugin_t sl_pg_cdc_source_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "io.debezium.connector.postgresql.PostgresConnector",
        .version = "0.0.0",
        .config = placeholder_config,
};
