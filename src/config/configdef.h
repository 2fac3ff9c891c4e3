/* ConfigDef: validation, defaults and REST rendering of config tables. */
#ifndef SL_CONFIGDEF_H
#define SL_CONFIGDEF_H

#include "sluice/plugin.h"

/* A set of tables checked together (framework keys + connector keys). A
 * key defined in a later table overrides an earlier one with that name. */
typedef struct sl_configdef_set {
        const sl_config_def_t *tables[8];
        int n;
} sl_configdef_set_t;

void sl_configdef_set_add(sl_configdef_set_t *s, const sl_config_def_t *table);
/* The effective definition of name, or NULL. */
const sl_config_def_t *sl_configdef_find(const sl_configdef_set_t *s,
                                         const char *name);

/* sl_config_errors_t (declared in plugin.h) is defined in configdef.c. */
sl_config_errors_t *sl_config_errors_new(void);
void sl_config_errors_destroy(sl_config_errors_t *e);
size_t sl_config_errors_count(const sl_config_errors_t *e); /* all messages */
/* Keys that have errors, in the order their first error was added. */
size_t sl_config_errors_nkeys(const sl_config_errors_t *e);
const char *sl_config_errors_key(const sl_config_errors_t *e, size_t i);
/* Messages for one key. */
size_t sl_config_errors_key_count(const sl_config_errors_t *e, const char *key);
const char *sl_config_errors_key_at(const sl_config_errors_t *e,
                                    const char *key, size_t i);

/* Check one value against its definition; message as Kafka's ConfigDef:
 *   Invalid value abc for configuration tasks.max: Not a number of type INT
 *   Invalid value 0 for configuration tasks.max: Value must be at least 1
 *   Invalid value x for configuration mode: String must be one of: bulk, tail
 * Returns 0 or SL_ERR_CONFIG. value NULL means "not set". */
int sl_configdef_check(const sl_config_def_t *def, const char *value,
                       char *errstr, size_t errstr_size);

/* Validate every defined key of config (missing required keys give
 * `Missing required configuration "file" which has no default value.`),
 * adding messages to errs. Keys without a definition are not errors. */
void sl_configdef_validate(const sl_configdef_set_t *s,
                           const sl_strmap_t *config, sl_config_errors_t *errs);

/* config plus the default of every defined key that is not set and has a
 * non-NULL default. */
sl_strmap_t *sl_configdef_apply_defaults(const sl_configdef_set_t *s,
                                         const sl_strmap_t *config);

/* ConfigKeyInfo JSON of a definition (GET /connector-plugins/x/config):
 * {"name","type","required","default_value","importance","documentation",
 *  "group","width","display_name","dependents":[],"order"} */
sl_json_t *sl_configdef_key_info(const sl_config_def_t *def);

/* ConfigInfos JSON (PUT .../config/validate): {"name":connector_class,
 * "error_count":N,"groups":[...in first-seen order...],"configs":[{"definition":
 * ConfigKeyInfo,"value":{"name","value","recommended_values":[],"errors":[..],
 * "visible":true}} ...]} covering every defined key, then keys of config
 * with errors but no definition ("definition":null). PASSWORD values are
 * rendered as "[hidden]". */
sl_json_t *sl_configdef_config_infos(const sl_configdef_set_t *s,
                                     const char *connector_class,
                                     const sl_strmap_t *config,
                                     const sl_config_errors_t *errs);

/* Type name as Kafka prints it: "BOOLEAN", "STRING", ... */
const char *sl_cfg_type_name(sl_cfg_type_t t);

#endif
