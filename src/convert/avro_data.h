/* Connect data <-> Avro, as Confluent's AvroData maps them.
 *
 * Connect schemas are JsonConverter's schema JSON (sl_json_t); Avro schemas
 * are Avro's JSON text, written the way Avro's Java Schema.toString writes
 * the schema Confluent builds (so subjects registered by Java converters and
 * by sluice hold the same text). Avro values go through libavro's generic
 * values; binary is Avro's binary encoding. */
#ifndef SL_AVRO_DATA_H
#define SL_AVRO_DATA_H

#include <avro.h>

#include "sluice/common.h"

#define SL_AVRO_NAMESPACE "io.confluent.connect.avro"
#define SL_AVRO_UNION SL_AVRO_NAMESPACE ".Union"
#define SL_AVRO_ENUM SL_AVRO_NAMESPACE ".Enum"
#define SL_AVRO_MAP_ENTRY SL_AVRO_NAMESPACE ".MapEntry"
#define SL_AVRO_DEFAULT_NAME SL_AVRO_NAMESPACE ".ConnectDefault"

typedef struct sl_avro_opts {
        bool connect_meta; /* connect.meta.data: connect.* properties */
        bool enhanced;     /* enhanced.avro.schema.support: Avro enums */
} sl_avro_opts_t;

/* Avro schema JSON text of a Connect schema, appended to out. A NULL
 * schema is refused (schemaless data has no Avro schema; see
 * sl_avro_infer_schema). 0 or SL_ERR_CONVERT with errstr. */
int sl_avro_schema_from_connect(const sl_json_t *schema,
                                const sl_avro_opts_t *o, sl_buf_t *out,
                                char *errstr, size_t errstr_size);

/* The Connect schema of a parsed Avro schema JSON document (*out is new).
 * 0 or SL_ERR_CONVERT (recursive records, standalone null, malformed). */
int sl_avro_schema_to_connect(const sl_json_t *avro, const sl_avro_opts_t *o,
                              sl_json_t **out, char *errstr,
                              size_t errstr_size);

/* A Connect schema for a schemaless primitive value (BOOL, INT as int64,
 * DOUBLE as float64, STRING, BYTES) as a new node; SL_ERR_CONVERT for
 * arrays and objects, whose element types cannot be known. */
int sl_avro_infer_schema(const sl_json_t *value, sl_json_t **out,
                         char *errstr, size_t errstr_size);

/* Connect value (under schema) into dst, a libavro value of any Avro
 * schema whose shape fits: fields are matched by name, union branches by
 * the value. dst must be freshly made or reset. */
int sl_avro_value_from_connect(const sl_json_t *schema, const sl_json_t *value,
                               avro_value_t *dst, char *errstr,
                               size_t errstr_size);

/* Connect value of src under schema, which must be the Connect schema of
 * src's Avro schema (sl_avro_schema_to_connect). *out is a new node (a
 * NULL node for an Avro null). */
int sl_avro_value_to_connect(const sl_json_t *schema, avro_value_t *src,
                             sl_json_t **out, char *errstr,
                             size_t errstr_size);

/* Checks that p[0..len) is a well-formed Avro binary datum of schema
 * before libavro reads it: libavro trusts lengths and block counts from
 * the wire and can crash on a corrupt one. */
int sl_avro_check_binary(avro_schema_t schema, const void *p, size_t len,
                         char *errstr, size_t errstr_size);

/* One Avro schema ready for encoding and decoding: parsed by libavro once,
 * its Connect schema derived once, one generic value reused per record
 * (so a schema serves one thread at a time). */
typedef struct sl_avro_schema {
        avro_schema_t schema;
        avro_value_iface_t *iface;
        avro_value_t value;
        avro_writer_t writer;
        avro_reader_t reader;
        sl_json_t *connect; /* NULL when it has none: see connect_err */
        char *connect_err;
        char *full_name; /* record/enum/fixed full name, else NULL */
} sl_avro_schema_t;

/* Parses Avro schema JSON text (SL_ERR_CONVERT for bad text). */
sl_avro_schema_t *sl_avro_schema_new(const char *text, size_t len,
                                     const sl_avro_opts_t *o, char *errstr,
                                     size_t errstr_size);
void sl_avro_schema_free(sl_avro_schema_t *s);

/* Appends the Avro binary of value (under Connect schema cschema) to out. */
int sl_avro_encode(sl_avro_schema_t *s, const sl_json_t *cschema,
                   const sl_json_t *value, sl_buf_t *out, char *errstr,
                   size_t errstr_size);
/* Decodes p[0..len) into a new Connect value under s->connect. */
int sl_avro_decode(sl_avro_schema_t *s, const void *p, size_t len,
                   sl_json_t **valuep, char *errstr, size_t errstr_size);

#endif
