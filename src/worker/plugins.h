/* Connector plugin registry: built-ins plus shared objects on plugin.path. */
#ifndef SL_PLUGINS_H
#define SL_PLUGINS_H

#include "sluice/plugin.h"

typedef struct sl_plugins sl_plugins_t;

/* Registers the built-in connectors, then loads every *.so found in the
 * comma-separated plugin_path dirs (and their direct subdirs). A plugin
 * that fails to load, has the wrong ABI version or clashes with a loaded
 * class is skipped with a warning, as a bad jar is in Kafka Connect. */
sl_plugins_t *sl_plugins_new(const char *plugin_path);
void sl_plugins_destroy(sl_plugins_t *p);
/* By class name, simple name, or simple name without "Connector". */
const sl_connector_plugin_t *sl_plugins_find(const sl_plugins_t *p,
                                             const char *name);
size_t sl_plugins_count(const sl_plugins_t *p);
const sl_connector_plugin_t *sl_plugins_at(const sl_plugins_t *p, size_t i);
/* Comma-separated class names, for "available connectors are: ..." */
char *sl_plugins_names(const sl_plugins_t *p);
/* true if name matches plugin under the alias rules */
bool sl_plugin_matches(const sl_connector_plugin_t *plugin, const char *name);

#endif
