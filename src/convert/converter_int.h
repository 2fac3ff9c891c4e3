/* Converter internals shared by the registry and the per-format files. */
#ifndef SL_CONVERTER_INT_H
#define SL_CONVERTER_INT_H

#include "convert/converter.h"

/* Writers chain many appends; any failure ends the call with its code. */
#define TRY(x)                                                                 \
        do {                                                                   \
                int _rc = (x);                                                 \
                if (_rc < 0)                                                   \
                        return _rc;                                            \
        } while (0)

/* One statically initialised table entry per converter class. */
typedef struct sl_converter_ops {
        const char *class_name;
        int (*init)(const sl_strmap_t *config, bool is_key, void **statep,
                    char *errstr, size_t errstr_size);
        void (*destroy)(void *state); /* optional */
        int (*from_data)(void *state, const char *topic, const sl_data_t *d,
                         sl_buf_t *scratch, const void **ptr, size_t *len,
                         bool *borrowed, char *errstr, size_t errstr_size);
        int (*to_data)(void *state, const char *topic, const void *data,
                       size_t len, sl_json_t **schemap, sl_json_t **valuep,
                       char *errstr, size_t errstr_size);
} sl_converter_ops_t;

extern const sl_converter_ops_t sl_conv_json_ops;
extern const sl_converter_ops_t sl_conv_string_ops;
extern const sl_converter_ops_t sl_conv_bytearray_ops;
extern const sl_converter_ops_t sl_conv_avro_ops;

/* ---- schema helpers (converter.c) */

/* The schema's "type" string, or NULL (schemaless / malformed). */
const char *sl_conv_schema_type(const sl_json_t *schema);
/* t (a schema type string, or NULL) is the type named want. */
bool sl_conv_type_is(const char *t, const char *want);
/* Connect's Schema.Type name for a JSON type name ("float" -> FLOAT32). */
const char *sl_conv_type_upper(const char *json_type);
bool sl_conv_schema_optional(const sl_json_t *schema);
/* Human name of a value node's kind, for messages (INT, STRING, ...). */
const char *sl_conv_value_kind(const sl_json_t *v);
/* Boolean setting: true/false case-insensitively, def when unset. */
int sl_conv_cfg_bool(const sl_strmap_t *cfg, const char *key, bool def,
                     bool *out, char *errstr, size_t errstr_size);

/* {"type":<type>,"optional":true}, or NULL on allocation failure. */
sl_json_t *sl_conv_optional_schema(const char *type);
/* A heap STRING/BYTES node borrowing p (not copied, not freed). */
sl_json_t *sl_conv_ref_node(sl_json_type_t type, const void *p, size_t n);
/* to_data of the pass-through converters: an optional "string" or "bytes"
 * schema (by type, SL_JSON_STRING or SL_JSON_BYTES) and a value borrowing
 * data, NULL for NULL data. who names the converter in errors. */
int sl_conv_raw_to_data(const char *who, sl_json_type_t type,
                        const void *data, size_t len, sl_json_t **schemap,
                        sl_json_t **valuep, char *errstr, size_t errstr_size);

#define SL_DECIMAL_LOGICAL "org.apache.kafka.connect.data.Decimal"

/* Decimal logical type: the "scale" parameter; 0 when absent. */
int sl_conv_decimal_scale(const sl_json_t *schema, int32_t *scale);
/* The schema is named as the Decimal logical type. */
bool sl_conv_schema_is_decimal(const sl_json_t *schema);

/* ---- value text (values.c) */

/* Java Double.toString / Float.toString of d. */
int sl_format_java_double(double d, bool as_float, sl_buf_t *out);
/* BigDecimal of a big-endian two's complement unscaled value; plain is
 * BigDecimal.toPlainString(), else BigDecimal.toString(). */
int sl_format_decimal(const unsigned char *b, size_t n, int32_t scale,
                      bool plain, sl_buf_t *out);

/* sl_parse_decimal flags. */
#define SL_DECIMAL_EXPONENT 0x1u /* accept an exponent part */
#define SL_DECIMAL_RESCALE 0x2u  /* *scale is the wanted scale on input */
/* Most digits an unscaled value may have (after leading zeros are dropped
 * and any SL_DECIMAL_RESCALE padding is added); PostgreSQL's numeric has
 * at most 147455. */
#define SL_DECIMAL_MAX_DIGITS 262144

/* Decimal text -> the unscaled value and scale of a Connect Decimal, the
 * inverse of sl_format_decimal. The text (len bytes, no NUL needed) is
 *
 *     [+-] digits [ "." [digits] ] [ (e|E) [+-] digits ]
 *   | [+-] "." digits [ (e|E) [+-] digits ]
 *
 * with ASCII digits, no spaces and at least one mantissa digit; the
 * exponent only with SL_DECIMAL_EXPONENT. The scale is the number of
 * fraction digits minus the exponent (new BigDecimal(text).scale()), and
 * must fit an int32. With SL_DECIMAL_RESCALE the value is instead given at
 * exactly the scale *scale holds on input (any int32): trailing zeros are
 * added, or dropped when they are zeros. The unscaled value is appended to
 * unscaled as minimal big-endian two's complement (BigInteger.toByteArray:
 * 0 -> 00, 127 -> 7f, 128 -> 00 80, -128 -> 80, -129 -> ff 7f; "-0" is 0).
 * Returns 0; SL_ERR_PARSE for text outside the grammar, a scale beyond
 * int32 or more than SL_DECIMAL_MAX_DIGITS digits; SL_ERR_INVALID when
 * rescaling would drop a non-zero digit; SL_ERR_NOMEM. unscaled is left
 * as it was on error. */
int sl_parse_decimal(const char *text, size_t len, unsigned flags,
                     sl_buf_t *unscaled, int32_t *scale);

#endif
