/* MirrorMaker 2 connectors: topic replication between Kafka clusters with offset translation. */
#ifndef SL_CONNECTOR_MIRROR_H
#define SL_CONNECTOR_MIRROR_H

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_mirror_source_plugin;
extern const sl_connector_plugin_t sl_mirror_checkpoint_plugin;

#endif
