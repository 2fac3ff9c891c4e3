/* org.apache.kafka.connect.storage.StringConverter: value.toString(). */
#include <strings.h>

#include "convert/converter_int.h"

static int str_init(const sl_strmap_t *config, bool is_key, void **statep,
                    char *errstr, size_t errstr_size)
{
        (void)is_key;
        const char *enc = config ? sl_strmap_get(config, "converter.encoding")
                                 : NULL;
        /* Only UTF-8 is supported: our values are UTF-8 already, so the
         * converter never transcodes. */
        if (enc && strcasecmp(enc, "UTF-8") && strcasecmp(enc, "UTF8"))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Unsupported encoding: %s", enc);
        *statep = NULL;
        return 0;
}

static int str_from_data(void *state, const char *topic, const sl_data_t *d,
                         sl_buf_t *scratch, const void **ptr, size_t *len,
                         bool *borrowed, char *errstr, size_t errstr_size)
{
        (void)state;
        (void)topic;
        const sl_json_t *v = d->value;
        if (!v || v->type == SL_JSON_NULL)
                return 0;
        /* toString() of a string (and our raw-bytes toString of BYTES) is
         * the value itself: hand it over without copying. */
        if ((v->type == SL_JSON_STRING || v->type == SL_JSON_BYTES) &&
            v->u.str.ptr) {
                *ptr = v->u.str.ptr;
                *len = v->u.str.len;
                *borrowed = true;
                return 0;
        }
        size_t start = scratch->len;
        if (sl_data_to_string(d, scratch) < 0 || sl_buf_reserve(scratch, 1) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "StringConverter: out of memory");
        *ptr = scratch->data + start;
        *len = scratch->len - start;
        *borrowed = false;
        return 0;
}

static int str_to_data(void *state, const char *topic, const void *data,
                       size_t len, sl_json_t **schemap, sl_json_t **valuep,
                       char *errstr, size_t errstr_size)
{
        (void)state;
        (void)topic;
        return sl_conv_raw_to_data("StringConverter", SL_JSON_STRING, data,
                                   len, schemap, valuep, errstr, errstr_size);
}

const sl_converter_ops_t sl_conv_string_ops = {
        .class_name = "org.apache.kafka.connect.storage.StringConverter",
        .init = str_init,
        .from_data = str_from_data,
        .to_data = str_to_data,
};
