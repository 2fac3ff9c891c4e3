/* Avro internals shared by the avro_*.c files (see avro_data.c for which
 * holds what): the Connect names and parameters of Confluent's mapping,
 * the helpers more than one file uses, and the context of the Avro ->
 * Connect schema walk, which avro_defaults.c shares. */
#ifndef SL_AVRO_INT_H
#define SL_AVRO_INT_H

#include "convert/avro_data.h"
#include "convert/converter_int.h"

/* Nesting bound for every walk here: keeps a hostile schema or datum from
 * exhausting the stack (Connect data is nowhere near this deep). */
#define MAX_DEPTH 128

#define LOGICAL_DATE "org.apache.kafka.connect.data.Date"
#define LOGICAL_TIME "org.apache.kafka.connect.data.Time"
#define LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define PRECISION_PARAM "connect.decimal.precision"
#define FIXED_SIZE_PARAM "connect.fixed.size"
#define RECORD_DOC_PARAM "connect.record.doc"
#define ENUM_DOC_PREFIX "io.confluent.connect.avro.enum.doc."
#define DEFAULT_PRECISION 64

#define ERR(e, n, ...) sl_seterr((e), (n), SL_ERR_CONVERT, __VA_ARGS__)

/* ---- helpers (avro_data.c) */

/* Connect schema members; each takes NULL (schemaless). */
const char *sl_avro_cs_name(const sl_json_t *s);
/* The schema's default, NULL when it has none (or a JSON null one). */
const sl_json_t *sl_avro_cs_default(const sl_json_t *s);
const sl_json_t *sl_avro_cs_fields(const sl_json_t *s);
bool sl_avro_cs_is(const sl_json_t *s, const char *type);
/* The schema's name is name, ignoring case. */
bool sl_avro_cs_named(const sl_json_t *s, const char *name);
/* Confluent's Union struct (SL_AVRO_UNION). */
bool sl_avro_cs_is_union(const sl_json_t *s);

/* Member name of struct value v, looked for at position i first. */
const sl_json_t *sl_avro_member(const sl_json_t *v, size_t i,
                                const char *name);
/* The field of struct schema cs called name, looked for at hint first. */
const sl_json_t *sl_avro_field_schema(const sl_json_t *cs, const char *name,
                                      size_t hint);

/* Bytes in Avro JSON: a string of the code points 0-255. get is -1 for a
 * code point above 255. */
int sl_avro_put_latin1(sl_buf_t *out, const unsigned char *p, size_t n);
int sl_avro_get_latin1(const sl_json_t *s, sl_buf_t *out);

/* "space.simple", or simple alone for a NULL or empty space; malloc'd,
 * NULL when out of memory. */
char *sl_avro_join_name(const char *space, const char *simple);

/* Default value of a Connect schema as Connect data (*out is new). */
int sl_avro_default_value(const sl_json_t *cs, sl_json_t **out, char *errstr,
                          size_t errstr_size);

/* s with libavro's links (references to named types) followed. */
avro_schema_t sl_avro_real_schema(avro_schema_t s);

/* ---- Avro schema -> Connect schema (avro_connect_schema.c, with its
 * default values in avro_defaults.c) */

/* Refuses a document that defines a name twice ("Can't redefine: x", as
 * Avro Java says): libavro takes it, letting the second definition replace
 * the first, and leaks the first. 0 or SL_ERR_CONVERT with errstr. */
int sl_avro_check_names(const sl_json_t *avro, char *errstr,
                        size_t errstr_size);

typedef struct tnamed {
        char *full;
        const sl_json_t *def;
        char *space; /* the definition's namespace: its children's context */
        bool busy;   /* being converted: a reference now is a cycle */
} tnamed_t;

typedef struct tctx {
        const sl_avro_opts_t *o;
        tnamed_t *named;
        size_t n_named, cap_named;
        int depth;
        char *errstr;
        size_t errstr_size;
} tctx_t;

#define TERR(c, ...) ERR((c)->errstr, (c)->errstr_size, __VA_ARGS__)

/* What an Avro schema node is: *typep is a primitive name, a complex type
 * name or "union"; *nodep the defining node (references followed), *nsp
 * the namespace it was defined in. */
int sl_avro_resolve(tctx_t *c, const sl_json_t *as, const char *ns,
                    const sl_json_t **nodep, const char **typep,
                    const char **nsp);
/* Full name and children's namespace of a named definition in context
 * ns; both malloc'd. */
int sl_avro_def_names(tctx_t *c, const sl_json_t *def, const char *ns,
                      char **fullp, char **spacep);
/* Is this Avro array's item type Confluent's map entry record? If so
 * *nodep is the record and *nsp the namespace it was defined in. */
bool sl_avro_is_map_entry(tctx_t *c, const sl_json_t *items, const char *ns,
                          const sl_json_t **nodep, const char **nsp);
/* The field called name of a record definition, or NULL. */
const sl_json_t *sl_avro_entry_field(const sl_json_t *entry,
                                     const char *name);

/* An Avro JSON default d of Avro schema as (in namespace ns) as a Connect
 * default in JsonConverter's form (*out is new). latin1: bytes are
 * Latin-1 strings (a field's "default"), else base64 (connect.default).
 * SL_ERR_CONVERT, with no message, when d does not fit. */
int sl_avro_default_from_avro(tctx_t *c, const sl_json_t *as, const char *ns,
                              const sl_json_t *d, bool latin1,
                              sl_json_t **out);

#endif
