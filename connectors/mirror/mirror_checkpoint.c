/* placeholder: being written (issue 6) */
#include "mirror/mirror.h"

static const sl_config_def_t placeholder_config[] = {{.name = NULL}};

const sl_connector_plugin_t sl_mirror_checkpoint_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
        .version = "0.0.0",
        .config = placeholder_config,
};
