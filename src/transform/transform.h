/* Single message transforms and predicates (Kafka Connect's SMTs).
 *
 * Each transform is one statically initialised sl_transform_def_t (the
 * fluent-bit shape): a config table (same keys as Kafka's, which drives
 * validation, defaults and docs) and callbacks. The host hands it a
 * validated config (defaults applied), so init only parses values.
 *
 * Records are Connect data: a schema in JsonConverter's schema JSON
 * ({"type":"struct","fields":[{"field":"a","type":"int32","optional":false}],
 * "optional":false,"name":...,"version":...}; NULL = schemaless) and a value
 * as sl_json_t (STRUCT and MAP values are OBJECTs, INT holds int8..int64,
 * DOUBLE float32/64, BYTES bytes; logical types keep their base value with
 * the schema's "name", e.g. org.apache.kafka.connect.data.Timestamp on an
 * int64). A record owns everything it points to; a transform may replace
 * any part (free what it replaces).
 */
#ifndef SL_TRANSFORM_H
#define SL_TRANSFORM_H

#include "sluice/plugin.h"

typedef struct sl_xheader {
        char *key;
        sl_json_t *schema; /* NULL: schemaless */
        sl_json_t *value;  /* NULL: null */
} sl_xheader_t;

typedef struct sl_xrecord {
        char *topic;
        int32_t partition;       /* -1: none/unknown */
        sl_json_t *key_schema;   /* NULL: schemaless */
        sl_json_t *key;          /* NULL: Kafka null */
        sl_json_t *value_schema;
        sl_json_t *value;        /* NULL: null (a tombstone) */
        int64_t timestamp;       /* ms since epoch, -1: none */
        sl_xheader_t *headers;
        size_t header_cnt, header_cap;
} sl_xrecord_t;

void sl_xrecord_clear(sl_xrecord_t *r); /* frees everything, zeroes */
/* Appends a header (takes ownership of schema and value). */
int sl_xrecord_add_header(sl_xrecord_t *r, const char *key, sl_json_t *schema,
                          sl_json_t *value);
/* Removes every header named key; returns how many. */
size_t sl_xrecord_remove_headers(sl_xrecord_t *r, const char *key);

/* Kafka's Key/Value flavours ("InsertField$Key", "InsertField$Value"). */
typedef enum sl_xpart {
        SL_XPART_NONE = 0, /* transforms without flavours (RegexRouter, ...) */
        SL_XPART_KEY,
        SL_XPART_VALUE,
} sl_xpart_t;

typedef struct sl_transform_def {
        /* full Kafka class name, e.g.
         * "org.apache.kafka.connect.transforms.InsertField$Value" */
        const char *class_name;
        sl_xpart_t part;
        const sl_config_def_t *config; /* NULL-terminated; may be empty */
        /* config: this transform's keys only (prefix stripped), validated
         * against config with defaults applied. 0 or an error with errstr
         * ("Invalid value ... for configuration ...", Kafka's wording). */
        int (*init)(void **state, sl_xpart_t part, const sl_strmap_t *config,
                    char *errstr, size_t errstr_size);
        /* 0: rec (possibly changed) goes on; 1: drop rec; < 0: a data error
         * (wrong type, missing field) with errstr naming the cause as
         * Kafka's DataException message does. */
        int (*apply)(void *state, sl_xrecord_t *rec, char *errstr, size_t errstr_size);
        void (*destroy)(void *state);
        const char *doc;
} sl_transform_def_t;

typedef struct sl_predicate_def {
        const char *class_name; /* "org.apache.kafka.connect.transforms.predicates.HasHeaderKey" */
        const sl_config_def_t *config;
        int (*init)(void **state, const sl_strmap_t *config, char *errstr,
                    size_t errstr_size);
        /* true when the predicate matches (before negate, which the host
         * applies) */
        bool (*test)(void *state, const sl_xrecord_t *rec);
        void (*destroy)(void *state);
        const char *doc;
} sl_predicate_def_t;

/* Every built-in transform and predicate (NULL-terminated). */
extern const sl_transform_def_t *const sl_transform_defs[];
extern const sl_predicate_def_t *const sl_predicate_defs[];

/* ------------------------------------------------ helpers for transforms */

/* A Connect schema's type ("struct", "int32", ...) or NULL. */
const char *sl_schema_type(const sl_json_t *schema);
bool sl_schema_optional(const sl_json_t *schema);
/* The schema of field name in a struct schema, or NULL. */
const sl_json_t *sl_schema_field(const sl_json_t *struct_schema, const char *name);
/* Appends field_schema (taken over) to a struct schema's fields under
 * name; Kafka's DataException text when the name is taken. */
int sl_schema_add_field(sl_json_t *struct_schema, const char *name, sl_json_t *field_schema,
                        char *errstr, size_t errstr_size);
/* {"type":type,"optional":optional} */
sl_json_t *sl_schema_new(const char *type, bool optional);

/* Java's Pattern.matches() for yes/no matching (topic and group filters
 * elsewhere, e.g. MirrorMaker's), with the translation RegexRouter uses
 * (xf_routing.c lists what it supports): re gets a POSIX ERE anchored to the
 * whole input, freed with regfree. 0, or SL_ERR_CONFIG with a Java-like
 * message in errstr. */
#include <regex.h>
int sl_java_regex_compile(regex_t *re, const char *pattern, char *errstr, size_t errstr_size);

#endif
