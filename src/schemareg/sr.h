/* A small Confluent Schema Registry compatible registry (Avro schemas).
 *
 * The registry's state is a pure function of a log of records in the
 * format Confluent's registry keeps in its _schemas topic (SCHEMA, CONFIG,
 * DELETE_SUBJECT keys), applied in order: workers that read the same topic
 * agree on every id and version without electing a leader. A write sends a
 * record, reads the log to its end and then looks at the result (a lost
 * race simply shows up as "not registered" and is retried).
 *
 * All functions are thread-safe. Operations return 0 or one of the
 * Confluent error codes below with errstr set to Confluent's message.
 */
#ifndef SL_SR_H
#define SL_SR_H

#include "sluice/common.h"

typedef struct sl_sr sl_sr_t;

/* Confluent's error_code values (HTTP status = code / 100 for the
 * five-digit ones). */
enum {
        SL_SR_INCOMPATIBLE = 409,
        SL_SR_SUBJECT_NOT_FOUND = 40401,
        SL_SR_VERSION_NOT_FOUND = 40402,
        SL_SR_SCHEMA_NOT_FOUND = 40403,
        SL_SR_SUBJECT_SOFT_DELETED = 40404,     /* soft delete of a deleted subject */
        SL_SR_SUBJECT_NOT_SOFT_DELETED = 40405, /* permanent delete of a live one */
        SL_SR_VERSION_SOFT_DELETED = 40406,
        SL_SR_VERSION_NOT_SOFT_DELETED = 40407,
        SL_SR_SUBJECT_NO_CONFIG = 40408, /* no subject-level compatibility */
        SL_SR_UNPROCESSABLE = 422,       /* a request body that makes no sense */
        SL_SR_INVALID_SCHEMA = 42201,
        SL_SR_INVALID_VERSION = 42202,
        SL_SR_INVALID_COMPAT = 42203,
        SL_SR_STORE_ERROR = 50001,
        SL_SR_TIMEOUT = 50002,
};

/* Where records go. send appends one record (value NULL = tombstone);
 * read_to_end returns once every record sent before the call has been
 * given to sl_sr_apply. Both return 0 or a negative sl_err_t with errstr. */
typedef struct sl_sr_backend {
        int (*send)(void *opaque, const char *key, const char *value, char *errstr,
                    size_t errstr_size);
        int (*read_to_end)(void *opaque, int timeout_ms, char *errstr, size_t errstr_size);
        void (*destroy)(void *opaque); /* optional */
        void *opaque;
} sl_sr_backend_t;

/* backend NULL: an in-memory log (applied at once). */
sl_sr_t *sl_sr_new(const sl_sr_backend_t *backend);
void sl_sr_destroy(sl_sr_t *sr);
/* Feeds one log record (the backend's reader calls this in log order). */
void sl_sr_apply(sl_sr_t *sr, const char *key, size_t key_len, const char *value,
                 size_t value_len);

/* The process-wide in-memory registry of a "mock://<scope>" URL
 * (Confluent's MockSchemaRegistry): one per scope name, created on first
 * use, never freed. */
sl_sr_t *sl_sr_mock_scope(const char *scope);

/* Registers schema (Avro schema JSON text) under subject, or finds it
 * there already; *idp = its global id. SL_SR_INCOMPATIBLE when the
 * subject's compatibility level refuses it, SL_SR_INVALID_SCHEMA when it
 * does not parse. */
int sl_sr_register(sl_sr_t *sr, const char *subject, const char *schema, int32_t *idp,
                   char *errstr, size_t errstr_size);
/* The schema text of a global id (malloc'd into *schemap). */
int sl_sr_schema_by_id(sl_sr_t *sr, int32_t id, char **schemap, char *errstr,
                       size_t errstr_size);
/* The subject's latest (not deleted) version. */
int sl_sr_latest(sl_sr_t *sr, const char *subject, int32_t *idp, int32_t *versionp,
                 char **schemap, char *errstr, size_t errstr_size);

/* ---- For the REST layer (Confluent's routes; every call below answers
 * from the state read so far, writes read the log to its end first). */

/* version arguments: a version number, or this for the latest. */
#define SL_SR_LATEST (-1)

/* Sets how long a write waits for the log to come back (default 10000). */
void sl_sr_set_timeout(sl_sr_t *sr, int timeout_ms);

/* Makes sure the log has been read once (a lazily started backend starts
 * here): 0, or SL_SR_STORE_ERROR / SL_SR_TIMEOUT when it cannot, in which
 * case the next call tries again. */
int sl_sr_ready(sl_sr_t *sr, char *errstr, size_t errstr_size);
/* The same, but always reads up to the log's current end, so a read sees
 * what other workers wrote before it (one watermark query per call). */
int sl_sr_sync(sl_sr_t *sr, char *errstr, size_t errstr_size);

/* Subject names, ascending; deleted: also subjects whose versions are all
 * soft-deleted. *outp = JSON array of strings. */
int sl_sr_subjects(sl_sr_t *sr, bool deleted, sl_json_t **outp, char *errstr,
                   size_t errstr_size);
/* The subject's version numbers (JSON array, ascending); deleted: soft
 * deleted ones too. SL_SR_SUBJECT_NOT_FOUND when there are none. */
int sl_sr_versions(sl_sr_t *sr, const char *subject, bool deleted, sl_json_t **outp,
                   char *errstr, size_t errstr_size);
/* Where a global id is used: JSON array of {"subject":..,"version":..}. */
int sl_sr_id_versions(sl_sr_t *sr, int32_t id, bool deleted, sl_json_t **outp, char *errstr,
                      size_t errstr_size);
/* One version (SL_SR_LATEST: the newest live one); deleted: a soft-deleted
 * version may be named. Any of idp, versionp, schemap may be NULL. */
int sl_sr_get_version(sl_sr_t *sr, const char *subject, int32_t version, bool deleted,
                      int32_t *idp, int32_t *versionp, char **schemap, char *errstr,
                      size_t errstr_size);
/* The version of subject holding schema (compared in canonical form);
 * SL_SR_SCHEMA_NOT_FOUND when it has none, SL_SR_INVALID_SCHEMA. */
int sl_sr_lookup(sl_sr_t *sr, const char *subject, const char *schema, bool deleted,
                 int32_t *idp, int32_t *versionp, char **schemap, char *errstr,
                 size_t errstr_size);
/* Soft delete (every live version marked deleted) or, permanent, removal of
 * a soft-deleted subject. *versionsp = JSON array of the versions hit. */
int sl_sr_delete_subject(sl_sr_t *sr, const char *subject, bool permanent,
                         sl_json_t **versionsp, char *errstr, size_t errstr_size);
/* The same for one version (SL_SR_LATEST allowed); *deletedp = its number. */
int sl_sr_delete_version(sl_sr_t *sr, const char *subject, int32_t version, bool permanent,
                         int32_t *deletedp, char *errstr, size_t errstr_size);
/* Compatibility level of subject (NULL: the global one); subject-level
 * only unless default_to_global. *levelp is a static string. */
int sl_sr_config_get(sl_sr_t *sr, const char *subject, bool default_to_global,
                     const char **levelp, char *errstr, size_t errstr_size);
/* Sets the level (case-insensitive name; SL_SR_INVALID_COMPAT otherwise)
 * of subject, NULL = global. */
int sl_sr_config_set(sl_sr_t *sr, const char *subject, const char *level, char *errstr,
                     size_t errstr_size);
/* Drops subject's own level (NULL: the global one goes back to BACKWARD);
 * *levelp = the level it had. */
int sl_sr_config_delete(sl_sr_t *sr, const char *subject, const char **levelp, char *errstr,
                        size_t errstr_size);
/* Would schema be accepted after version (SL_SR_LATEST: against what the
 * subject's level checks at registration, transitive levels included; a
 * number: against that version alone, in the level's directions)?
 * messagesp (may be NULL) gets a JSON array of reasons. */
int sl_sr_test_compat(sl_sr_t *sr, const char *subject, int32_t version, const char *schema,
                      bool *compatiblep, sl_json_t **messagesp, char *errstr,
                      size_t errstr_size);

/* ---- In the sluice binary only (sr_topic.c, sr_rest.c). */

struct sl_worker;
struct sl_rest;

/* A registry over the worker's schema.registry.topic. Nothing touches
 * Kafka until the first operation: then the topic is created when missing
 * (one partition, compacted) and read; a failed start is retried on the
 * next operation. NULL and errstr on failure. */
sl_sr_t *sl_sr_topic_new(struct sl_worker *w, char *errstr, size_t errstr_size);

/* Serves Confluent's REST API for sr on rest's listener (/subjects,
 * /schemas, /config, /compatibility, /mode). sr must outlive rest. */
void sl_sr_rest_attach(sl_sr_t *sr, struct sl_rest *rest);

#endif
