/* A connector's transformation chain: `transforms` (aliases, each with
 * transforms.<alias>.type and its own keys, optionally .predicate and
 * .negate) and the `predicates` they name, as Kafka Connect configures
 * them. */
#ifndef SL_CHAIN_H
#define SL_CHAIN_H

#include "config/configdef.h"
#include "transform/transform.h"

typedef struct sl_xchain sl_xchain_t;

/* Full class names, or the simple names people write ("InsertField$Value",
 * "HasHeaderKey"). NULL when unknown. */
const sl_transform_def_t *sl_transform_find(const char *cls);
const sl_predicate_def_t *sl_predicate_find(const char *cls);

/* Builds the chain of a connector config. Every problem is added to errs
 * under the key it concerns (transforms.<alias>.<key>, Kafka's wording);
 * returns NULL when there was any. A config without transforms yields an
 * empty chain. */
sl_xchain_t *sl_xchain_new(const sl_strmap_t *config, sl_config_errors_t *errs);
bool sl_xchain_empty(const sl_xchain_t *c);
/* Whether any step would act on rec (a step without predicate always
 * does): records no step touches can skip the copy the chain needs. */
bool sl_xchain_touches(const sl_xchain_t *c, const sl_xrecord_t *rec);
/* Runs rec through the chain: 0 (rec transformed), 1 (dropped) or < 0
 * with errstr naming the transform that failed. */
int sl_xchain_apply(sl_xchain_t *c, sl_xrecord_t *rec, char *errstr, size_t errstr_size);
/* The class of the step whose failure the last apply reported (error
 * context), or NULL. */
const char *sl_xchain_failed_class(const sl_xchain_t *c);
void sl_xchain_destroy(sl_xchain_t *c);

#endif
