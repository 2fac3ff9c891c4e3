/* Schema Registry client of the Avro converter (Confluent's
 * CachedSchemaRegistryClient): Confluent's REST API on http:// base URLs,
 * or the in-process registry of a mock://<scope> URL, with bounded caches
 * in front of either.
 *
 * A client serves one converter and is not locked: calls must not
 * overlap (Kafka Connect runs a converter on its task's thread).
 *
 * Every operation returns 0, SL_ERR_CONVERT when the registry refused the
 * request (errstr holds the registry's message and error code, e.g.
 * "Schema 7 not found; error code: 40403"), or SL_ERR_RETRIABLE when no
 * registry answered (connection refused, timeout, 5xx), which a later
 * retry may cure. */
#ifndef SL_SR_CLIENT_H
#define SL_SR_CLIENT_H

#include "sluice/common.h"

typedef struct sl_sr_client sl_sr_client_t;

/* How the client turns schema text into the form its user keeps per id
 * (parsed once, freed on eviction). parse returns NULL with errstr set
 * for text it cannot use. */
typedef struct sl_sr_parser {
        void *(*parse)(void *opaque, const char *schema, size_t len,
                       char *errstr, size_t errstr_size);
        void (*free)(void *opaque, void *parsed);
        void *opaque;
} sl_sr_parser_t;

/* config: the converter's settings. Keys read:
 *   schema.registry.url           required: comma-separated http:// URLs
 *                                 (the next is tried when one cannot be
 *                                 reached) or mock://<scope>
 *   basic.auth.credentials.source URL (default: user:pass@ in the URL) or
 *                                 USER_INFO
 *   basic.auth.user.info          user:pass for USER_INFO
 *   schemas.cache.config          entries per cache (default 1000)
 *   latest.cache.ttl.sec          how long a latest version is kept
 *                                 (default -1: until evicted)
 *   http.connect.timeout.ms, http.read.timeout.ms   (default 60000 each;
 *                                 their sum bounds one request)
 * NULL with SL_ERR_CONFIG's message in errstr for a bad setting. */
sl_sr_client_t *sl_sr_client_new(const sl_strmap_t *config,
                                 const sl_sr_parser_t *parser, char *errstr,
                                 size_t errstr_size);
void sl_sr_client_destroy(sl_sr_client_t *c);

/* Registers schema under subject (or finds it registered): *idp. */
int sl_sr_client_register(sl_sr_client_t *c, const char *subject,
                          const char *schema, int32_t *idp, char *errstr,
                          size_t errstr_size);
/* The id of schema if subject already has it, without registering
 * (auto.register.schemas=false). */
int sl_sr_client_lookup(sl_sr_client_t *c, const char *subject,
                        const char *schema, int32_t *idp, char *errstr,
                        size_t errstr_size);
/* The parsed schema of a global id; valid until the next call on c. */
int sl_sr_client_schema_by_id(sl_sr_client_t *c, int32_t id, void **parsedp,
                              char *errstr, size_t errstr_size);
/* The latest version of subject: its id and parsed schema (valid until
 * the next call on c). */
int sl_sr_client_latest(sl_sr_client_t *c, const char *subject, int32_t *idp,
                        void **parsedp, char *errstr, size_t errstr_size);

/* ---- a small bounded cache (FIFO eviction), also used by the Avro
 * converter for its Connect schema -> Avro schema map */

typedef struct sl_sr_cache sl_sr_cache_t;

/* free_value (may be NULL) releases values on eviction and destroy. */
sl_sr_cache_t *sl_sr_cache_new(size_t max_entries,
                               void (*free_value)(void *opaque, void *value),
                               void *opaque);
void sl_sr_cache_destroy(sl_sr_cache_t *c);
/* The value stored under key, or NULL. */
void *sl_sr_cache_get(sl_sr_cache_t *c, const void *key, size_t key_len);
/* Stores value under key (replacing and freeing an older value), evicting
 * the oldest entry when full. 0, or SL_ERR_NOMEM after which value has
 * been freed. */
int sl_sr_cache_put(sl_sr_cache_t *c, const void *key, size_t key_len,
                    void *value);

#endif
