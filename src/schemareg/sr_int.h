/* Registry internals shared by sr.c (operations), sr_store.c (the state
 * built from the log) and sr_compat.c (Avro schema resolution). Nothing here
 * locks: sr.c holds the registry's mutex around every store access. */
#ifndef SL_SR_INT_H
#define SL_SR_INT_H

#include <stdbool.h>

#include "schemareg/sr.h"

/* Compatibility levels, in Confluent's names (sr_compat_name). */
enum {
        SR_NONE = 0,
        SR_BACKWARD,
        SR_BACKWARD_TRANSITIVE,
        SR_FORWARD,
        SR_FORWARD_TRANSITIVE,
        SR_FULL,
        SR_FULL_TRANSITIVE,
};

/* One distinct schema (by canonical form) and its global id. */
typedef struct sr_schema {
        int32_t id;
        int refs;        /* versions naming this id, soft-deleted ones too */
        char *text;      /* as the first record carrying the id had it */
        char *canon;     /* canonical form: two schemas are equal iff these are */
        sl_json_t *json; /* parsed, for compatibility checks */
} sr_schema_t;

typedef struct sr_version {
        int32_t version;
        int32_t id;
        bool deleted;
} sr_version_t;

typedef struct sr_subject {
        char *name;
        sr_version_t *v; /* ascending version numbers */
        size_t nv, cap;
        int compat; /* -1: follows the global level */
} sr_subject_t;

typedef struct sr_store {
        sr_schema_t **schemas; /* ascending id */
        size_t nschemas, cap;
        sr_subject_t **subjects; /* ascending name (strcmp) */
        size_t nsubjects, subj_cap;
        int compat;     /* global level */
        int32_t max_id; /* highest id ever applied: new ids go above it */
} sr_store_t;

/* A schema text checked and reduced: compact text for the log, canonical
 * text for equality, the parsed JSON for compatibility. */
typedef struct sr_parsed {
        char *text;
        char *canon;
        sl_json_t *json;
} sr_parsed_t;

/* ---- sr_store.c */

void sr_store_init(sr_store_t *st);
void sr_store_fini(sr_store_t *st);
/* Applies one log record; a record that conflicts with the state is
 * ignored (returns SL_ERR_STATE, or SL_ERR_PARSE for garbage) so every
 * reader of the same log ends in the same state. */
int sr_store_apply(sr_store_t *st, const char *key, size_t key_len, const char *value,
                   size_t value_len);
sr_subject_t *sr_store_subject(const sr_store_t *st, const char *name);
sr_schema_t *sr_store_by_id(const sr_store_t *st, int32_t id);
sr_schema_t *sr_store_by_canon(const sr_store_t *st, const char *canon);
/* The subject's level (its own or the global one). */
int sr_store_level(const sr_store_t *st, const sr_subject_t *s);
/* Whether the subject's level allows schema as its next version; when not,
 * why gets the reasons (why may be NULL). s NULL = a new subject. */
bool sr_store_compat_ok(const sr_store_t *st, const sr_subject_t *s, int level,
                        const sl_json_t *schema, sl_buf_t *why);
/* Newest not-deleted version, or NULL. */
sr_version_t *sr_subject_latest(const sr_subject_t *s);
/* Highest version number present, deleted or not (0 when none). */
int32_t sr_subject_max_version(const sr_subject_t *s);
sr_version_t *sr_subject_version(const sr_subject_t *s, int32_t version);
/* Whether some version is not deleted. */
bool sr_subject_live(const sr_subject_t *s);

/* Parses and validates an Avro schema text (42201 codes are the caller's
 * business: this returns SL_ERR_PARSE / SL_ERR_INVALID with errstr). */
int sr_parse(const char *schema, sr_parsed_t *out, char *errstr, size_t errstr_size);
void sr_parsed_fini(sr_parsed_t *p);

/* The record texts the registry writes (malloc'd). */
char *sr_key_schema(const char *subject, int32_t version);
char *sr_value_schema(const char *subject, int32_t version, int32_t id, const char *schema,
                      bool deleted);
char *sr_key_config(const char *subject);
char *sr_value_config(int level);

/* ---- sr_compat.c */

/* Level of a Confluent name (case-insensitive), or -1. */
int sr_compat_level(const char *name);
const char *sr_compat_name(int level);
/* Avro schema resolution: can data written with writer be read with
 * reader? When not, appends the reasons to why (may be NULL). */
bool sr_compat_can_read(const sl_json_t *reader, const sl_json_t *writer, sl_buf_t *why);
/* What Avro Java refuses beyond libavro's checks (duplicate fields, bad
 * unions, defaults that do not fit): false with errstr. */
bool sr_compat_validate(const sl_json_t *schema, char *errstr, size_t errstr_size);
/* Checks schema against the earlier versions prev (oldest first) under
 * level: non-transitive levels look at the last one only. */
bool sr_compat_check(int level, const sl_json_t *schema, const sl_json_t *const *prev,
                     size_t nprev, sl_buf_t *why);

#endif
