/* org.apache.kafka.connect.json.JsonConverter: the {"schema","payload"}
 * envelope, or plain JSON with schemas.enable=false. The payload inside
 * it is converted by conv_json_payload.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/conv_json.h"

static const char *const envelope_msg =
        "JsonConverter with schemas.enable requires \"schema\" and "
        "\"payload\" fields and may not contain additional fields. If you are "
        "trying to deserialize plain JSON data, set schemas.enable=false in "
        "your converter configuration.";

static int json_init(const sl_strmap_t *config, bool is_key, void **statep,
                     char *errstr, size_t errstr_size)
{
        (void)is_key;
        sl_json_conv_t cfg;
        TRY(sl_conv_cfg_bool(config, "schemas.enable", true,
                             &cfg.schemas_enable, errstr, errstr_size));
        TRY(sl_conv_cfg_bool(config, "replace.null.with.default", true,
                             &cfg.replace_null, errstr, errstr_size));
        const char *df = config ? sl_strmap_get(config, "decimal.format")
                                : NULL;
        if (df && strcasecmp(df, "BASE64") && strcasecmp(df, "NUMERIC"))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration "
                                 "decimal.format: String must be one of "
                                 "(case insensitive): BASE64, NUMERIC",
                                 df);
        cfg.decimal_numeric = df && !strcasecmp(df, "NUMERIC");
        sl_json_conv_t *st = malloc(sizeof(*st));
        if (!st)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        *st = cfg;
        *statep = st;
        return 0;
}

static void json_destroy(void *state)
{
        free(state);
}

static int json_from_data(void *state, const char *topic, const sl_data_t *d,
                          sl_buf_t *scratch, const void **ptr, size_t *len,
                          bool *borrowed, char *errstr, size_t errstr_size)
{
        (void)topic;
        sl_jctx_t c = {state, errstr, errstr_size};
        bool null_value = !d->value || d->value->type == SL_JSON_NULL;
        if (!d->schema && null_value)
                return 0; /* tombstone */
        if (d->schema)
                TRY(sl_conv_json_check_schema(&c, d->schema));
        size_t start = scratch->len;
        int rc = 0;
        if (c.cfg->schemas_enable) {
                rc = sl_buf_puts(scratch, "{\"schema\":");
                if (rc == 0 && d->schema)
                        rc = sl_conv_json_write_schema(d->schema, scratch);
                else if (rc == 0)
                        rc = sl_buf_puts(scratch, "null");
                if (rc == 0)
                        rc = sl_buf_puts(scratch, ",\"payload\":");
        }
        if (rc == 0)
                rc = sl_conv_json_write_value(&c, d->schema, d->value, scratch);
        if (rc == 0 && c.cfg->schemas_enable)
                rc = sl_buf_putc(scratch, '}');
        if (rc < 0) {
                scratch->len = start;
                if (scratch->data)
                        scratch->data[start] = '\0';
                if (rc != SL_ERR_CONVERT)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                         "JsonConverter: %s",
                                         sl_err2str(rc));
                return rc;
        }
        *ptr = scratch->data + start;
        *len = scratch->len - start;
        *borrowed = false;
        return 0;
}

static int steal_member(sl_json_t *obj, const char *key, sl_json_t **out)
{
        for (size_t i = 0; i < obj->u.obj.len; i++)
                if (!strcmp(obj->u.obj.keys[i], key)) {
                        *out = obj->u.obj.vals[i];
                        obj->u.obj.vals[i] = NULL;
                        return 0;
                }
        return SL_ERR_NOT_FOUND;
}

static int json_to_data(void *state, const char *topic, const void *data,
                        size_t len, sl_json_t **schemap, sl_json_t **valuep,
                        char *errstr, size_t errstr_size)
{
        (void)topic;
        sl_jctx_t c = {state, errstr, errstr_size};
        if (!data || len == 0)
                return 0;
        char perr[256] = "";
        sl_json_t *doc = sl_json_parse(data, len, perr, sizeof(perr));
        if (!doc)
                return CERR(&c, "Converting byte[] to Kafka Connect data "
                                "failed due to serialization error: %s",
                            perr);
        sl_json_t *schema = NULL, *payload = doc;
        if (c.cfg->schemas_enable) {
                if (doc->type != SL_JSON_OBJECT || doc->u.obj.len != 2 ||
                    steal_member(doc, "schema", &schema) < 0 ||
                    steal_member(doc, "payload", &payload) < 0) {
                        sl_json_free(schema);
                        sl_json_free(doc);
                        return CERR(&c, "%s", envelope_msg);
                }
                sl_json_free(doc);
                if (schema && schema->type == SL_JSON_NULL) {
                        sl_json_free(schema);
                        schema = NULL;
                }
        }
        int rc = 0;
        if (schema) {
                rc = sl_conv_json_check_schema(&c, schema);
                if (rc == 0)
                        rc = sl_conv_json_to_connect(&c, schema, payload,
                                                     &payload);
                else
                        sl_json_free(payload);
                if (rc < 0) {
                        sl_json_free(schema);
                        return rc;
                }
        }
        /* A null payload is a Kafka null, not a NULL node. */
        if (payload && payload->type == SL_JSON_NULL) {
                sl_json_free(payload);
                payload = NULL;
        }
        *schemap = schema;
        *valuep = payload;
        return 0;
}

const sl_converter_ops_t sl_conv_json_ops = {
        .class_name = "org.apache.kafka.connect.json.JsonConverter",
        .init = json_init,
        .destroy = json_destroy,
        .from_data = json_from_data,
        .to_data = json_to_data,
};
