/* DataGenSource: a built-in source connector that generates records of a
 * fixed size as fast as the host takes them, for benchmarks and load
 * tests. */
#ifndef SL_CONNECTOR_DATAGEN_H
#define SL_CONNECTOR_DATAGEN_H

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_datagen_source_plugin;

#endif
