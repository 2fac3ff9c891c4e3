/* org.apache.kafka.connect.converters.ByteArrayConverter: raw passthrough. */
#include <string.h>

#include "convert/converter_int.h"

static int ba_from_data(void *state, const char *topic, const sl_data_t *d,
                        sl_buf_t *scratch, const void **ptr, size_t *len,
                        bool *borrowed, char *errstr, size_t errstr_size)
{
        (void)state;
        (void)topic;
        (void)scratch;
        const char *t = sl_conv_schema_type(d->schema);
        /* STRING is tolerated so text sources can feed raw files through
         * this converter without a Cast. */
        if (d->schema && (!t || (strcmp(t, "bytes") && strcmp(t, "string"))))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "Invalid schema type for "
                                 "ByteArrayConverter: %s",
                                 sl_conv_type_upper(t));
        const sl_json_t *v = d->value;
        if (!v || v->type == SL_JSON_NULL)
                return 0;
        if (v->type != SL_JSON_BYTES && v->type != SL_JSON_STRING)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "ByteArrayConverter is not compatible with "
                                 "objects of type %s",
                                 sl_conv_value_kind(v));
        /* An empty value must not look like a tombstone. */
        *ptr = v->u.str.ptr ? v->u.str.ptr : "";
        *len = v->u.str.len;
        *borrowed = v->u.str.ptr != NULL;
        return 0;
}

static int ba_to_data(void *state, const char *topic, const void *data,
                      size_t len, sl_json_t **schemap, sl_json_t **valuep,
                      char *errstr, size_t errstr_size)
{
        (void)state;
        (void)topic;
        return sl_conv_raw_to_data("ByteArrayConverter", SL_JSON_BYTES, data,
                                   len, schemap, valuep, errstr, errstr_size);
}

const sl_converter_ops_t sl_conv_bytearray_ops = {
        .class_name = "org.apache.kafka.connect.converters.ByteArrayConverter",
        .from_data = ba_from_data,
        .to_data = ba_to_data,
};
