/* JsonConverter internals shared by its converter ops (conv_json.c) and
 * the schema-driven payload conversion (conv_json_payload.c). */
#ifndef SL_CONV_JSON_H
#define SL_CONV_JSON_H

#include "convert/converter_int.h"

typedef struct sl_json_conv {
        bool schemas_enable;
        bool decimal_numeric;
        bool replace_null;
} sl_json_conv_t;

/* Per-call context so the recursive walkers can report errors. */
typedef struct sl_jctx {
        const sl_json_conv_t *cfg;
        char *errstr;
        size_t errstr_size;
} sl_jctx_t;

#define CERR(c, ...) sl_seterr((c)->errstr, (c)->errstr_size, SL_ERR_CONVERT, \
                               __VA_ARGS__)

/* Structural checks shared by both directions, so a bad schema fails
 * even when the payload never reaches the offending part. */
int sl_conv_json_check_schema(sl_jctx_t *c, const sl_json_t *s);

/* Kafka's asJsonSchema() field order, so envelopes match byte for byte. */
int sl_conv_json_write_schema(const sl_json_t *s, sl_buf_t *out);

/* The JSON payload of v under schema (NULL: schemaless). */
int sl_conv_json_write_value(sl_jctx_t *c, const sl_json_t *schema,
                             const sl_json_t *v, sl_buf_t *out);

/* Convert in (owned; NULL = absent) by schema into *out. The node is
 * reused where its shape already fits, so most payloads convert in place.
 * On error whatever was not yet handed to *out is freed. */
int sl_conv_json_to_connect(sl_jctx_t *c, const sl_json_t *schema,
                            sl_json_t *in, sl_json_t **out);

#endif
