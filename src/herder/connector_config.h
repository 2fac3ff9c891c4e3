/* Framework connector keys (ConnectorConfig, SinkConnectorConfig,
 * SourceConnectorConfig) and whole-config validation. */
#ifndef SL_CONNECTOR_CONFIG_H
#define SL_CONNECTOR_CONFIG_H

#include "config/configdef.h"
#include "herder/herder.h"
#include "worker/worker.h"

typedef struct sl_validation {
        const sl_connector_plugin_t *plugin;
        sl_configdef_set_t defs;
        sl_config_errors_t *errs;
        sl_strmap_t *resolved; /* placeholders resolved, defaults applied */
} sl_validation_t;

/* The definition set (framework + plugin) for a connector plugin. */
void sl_connector_defs(const sl_connector_plugin_t *plugin, sl_configdef_set_t *set);

/* Validates raw (a connector config as given). Returns 0 with v filled
 * (v->errs may hold errors) or fills r with the request error (400 no
 * connector.class, 500 unknown class) and returns -1. */
int sl_connector_validate(sl_worker_t *w, const sl_strmap_t *raw, sl_validation_t *v,
                          sl_reply_t *r);
void sl_validation_clear(sl_validation_t *v);
/* 400 "Connector configuration is invalid and contains the following N
 * error(s):..." when v has errors; returns the error count. */
int sl_validation_reply_errors(const sl_validation_t *v, sl_reply_t *r);

#endif
