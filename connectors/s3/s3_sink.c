/* placeholder: being written (issue 6) */
#include "s3/s3.h"

static const sl_config_def_t placeholder_config[] = {{.name = NULL}};

const sl_connector_plugin_t sl_s3_sink_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SINK,
        .class_name = "io.confluent.connect.s3.S3SinkConnector",
        .version = "0.0.0",
        .config = placeholder_config,
};
