/* Converters: Kafka bytes <-> Connect data (schema + value). */
#ifndef SL_CONVERTER_H
#define SL_CONVERTER_H

#include "sluice/plugin.h"

typedef struct sl_converter sl_converter_t;

/* class_name: the Kafka Connect class or its simple name:
 *   org.apache.kafka.connect.json.JsonConverter          (JsonConverter)
 *   org.apache.kafka.connect.storage.StringConverter     (StringConverter)
 *   org.apache.kafka.connect.converters.ByteArrayConverter (ByteArrayConverter)
 *   io.confluent.connect.avro.AvroConverter              (AvroConverter)
 * config: the converter's own keys with the "key.converter."/
 * "value.converter." prefix already stripped (schemas.enable,
 * converter.encoding, ...). NULL and errstr set for an unknown class or a
 * bad setting. */
sl_converter_t *sl_converter_new(const char *class_name,
                                 const sl_strmap_t *config, bool is_key,
                                 char *errstr, size_t errstr_size);
void sl_converter_destroy(sl_converter_t *c);
/* true if class_name names a known converter */
bool sl_converter_known(const char *class_name);
/* NULL-terminated list of full class names (for /connector-plugins). */
const char *const *sl_converter_classes(void);

/* Serialise: Connect data -> bytes. On success *ptr and *len are the bytes
 * and *borrowed says whether *ptr points into d's own memory (zero copy,
 * e.g. a STRING value under StringConverter) rather than into scratch,
 * which the caller resets between calls. A null value gives *ptr NULL
 * (tombstone). Returns 0 or SL_ERR_CONVERT with errstr, or
 * SL_ERR_RETRIABLE when a service the converter needs could not be
 * reached (AvroConverter's schema registry down, answering 5xx or timing
 * out): the same call may succeed later, so errors.retry.timeout applies. */
int sl_converter_from_data(sl_converter_t *c, const char *topic,
                           const sl_data_t *d, sl_buf_t *scratch,
                           const void **ptr, size_t *len, bool *borrowed,
                           char *errstr, size_t errstr_size);

/* Deserialise: bytes -> Connect data. *schemap and *valuep are new nodes
 * the caller frees with sl_json_free (either may be NULL: schemaless or
 * null). A STRING/BYTES result may borrow data (node->borrowed = 1), so
 * data must outlive it. NULL data (tombstone) gives a NULL value.
 * Returns 0 or SL_ERR_CONVERT with a message like Kafka's
 * ("Converting byte[] to Kafka Connect data failed due to serialization
 * error: ..."), or SL_ERR_RETRIABLE as for sl_converter_from_data. */
int sl_converter_to_data(sl_converter_t *c, const char *topic,
                         const void *data, size_t len, sl_json_t **schemap,
                         sl_json_t **valuep, char *errstr, size_t errstr_size);

#endif
