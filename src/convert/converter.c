/* Converter registry and dispatch. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/converter_int.h"

struct sl_converter {
        const sl_converter_ops_t *ops;
        void *state;
};

static const sl_converter_ops_t *const converters[] = {
        &sl_conv_json_ops,
        &sl_conv_string_ops,
        &sl_conv_bytearray_ops,
        &sl_conv_avro_ops,
        NULL,
};

/* Kept in step with converters[] so the REST layer can list them. */
static const char *const class_names[] = {
        "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.storage.StringConverter",
        "org.apache.kafka.connect.converters.ByteArrayConverter",
        "io.confluent.connect.avro.AvroConverter",
        NULL,
};

static const sl_converter_ops_t *find_ops(const char *name)
{
        if (!name)
                return NULL;
        for (size_t i = 0; converters[i]; i++) {
                const char *full = converters[i]->class_name;
                const char *simple = strrchr(full, '.');
                if (!strcmp(name, full) || !strcmp(name, simple + 1))
                        return converters[i];
        }
        return NULL;
}

bool sl_converter_known(const char *class_name)
{
        return find_ops(class_name) != NULL;
}

const char *const *sl_converter_classes(void)
{
        return class_names;
}

sl_converter_t *sl_converter_new(const char *class_name,
                                 const sl_strmap_t *config, bool is_key,
                                 char *errstr, size_t errstr_size)
{
        const sl_converter_ops_t *ops = find_ops(class_name);
        if (!ops) {
                /* Kafka's ClassNotFoundException wording in ConfigDef. */
                sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                          "Class %s could not be found.",
                          class_name ? class_name : "null");
                return NULL;
        }
        sl_converter_t *c = calloc(1, sizeof(*c));
        if (!c) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        c->ops = ops;
        if (ops->init &&
            ops->init(config, is_key, &c->state, errstr, errstr_size) < 0) {
                free(c);
                return NULL;
        }
        return c;
}

void sl_converter_destroy(sl_converter_t *c)
{
        if (!c)
                return;
        if (c->ops->destroy)
                c->ops->destroy(c->state);
        free(c);
}

int sl_converter_from_data(sl_converter_t *c, const char *topic,
                           const sl_data_t *d, sl_buf_t *scratch,
                           const void **ptr, size_t *len, bool *borrowed,
                           char *errstr, size_t errstr_size)
{
        *ptr = NULL;
        *len = 0;
        *borrowed = false;
        return c->ops->from_data(c->state, topic, d, scratch, ptr, len,
                                 borrowed, errstr, errstr_size);
}

int sl_converter_to_data(sl_converter_t *c, const char *topic,
                         const void *data, size_t len, sl_json_t **schemap,
                         sl_json_t **valuep, char *errstr, size_t errstr_size)
{
        *schemap = NULL;
        *valuep = NULL;
        return c->ops->to_data(c->state, topic, data, len, schemap, valuep,
                               errstr, errstr_size);
}

/* ------------------------------------------------------------ helpers */

const char *sl_conv_schema_type(const sl_json_t *schema)
{
        return schema && schema->type == SL_JSON_OBJECT
                       ? sl_json_object_get_str(schema, "type")
                       : NULL;
}

bool sl_conv_type_is(const char *t, const char *want)
{
        return t && !strcmp(t, want);
}

const char *sl_conv_type_upper(const char *t)
{
        static const char *const map[][2] = {
                {"int8", "INT8"},       {"int16", "INT16"},
                {"int32", "INT32"},     {"int64", "INT64"},
                {"float", "FLOAT32"},   {"double", "FLOAT64"},
                {"boolean", "BOOLEAN"}, {"string", "STRING"},
                {"bytes", "BYTES"},     {"array", "ARRAY"},
                {"map", "MAP"},         {"struct", "STRUCT"},
        };
        if (!t)
                return "null";
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (!strcmp(t, map[i][0]))
                        return map[i][1];
        return t;
}

bool sl_conv_schema_optional(const sl_json_t *schema)
{
        const sl_json_t *o =
                schema ? sl_json_object_get(schema, "optional") : NULL;
        return o && o->type == SL_JSON_BOOL && o->u.b;
}

const char *sl_conv_value_kind(const sl_json_t *v)
{
        static const char *const names[] = {
                [SL_JSON_NULL] = "NULL",     [SL_JSON_BOOL] = "BOOLEAN",
                [SL_JSON_INT] = "INT",       [SL_JSON_DOUBLE] = "DOUBLE",
                [SL_JSON_STRING] = "STRING", [SL_JSON_BYTES] = "BYTES",
                [SL_JSON_ARRAY] = "ARRAY",   [SL_JSON_OBJECT] = "OBJECT",
        };
        if (!v)
                return "NULL";
        if ((unsigned)v->type >= sizeof(names) / sizeof(names[0]))
                return "UNKNOWN";
        return names[v->type];
}

int sl_conv_cfg_bool(const sl_strmap_t *cfg, const char *key, bool def,
                     bool *out, char *errstr, size_t errstr_size)
{
        const char *v = cfg ? sl_strmap_get(cfg, key) : NULL;
        *out = def;
        if (!v)
                return 0;
        if (!strcasecmp(v, "true"))
                *out = true;
        else if (!strcasecmp(v, "false"))
                *out = false;
        else
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration %s: "
                                 "Expected value to be either true or false",
                                 v, key);
        return 0;
}

int sl_conv_decimal_scale(const sl_json_t *schema, int32_t *scale)
{
        const sl_json_t *params =
                schema ? sl_json_object_get(schema, "parameters") : NULL;
        const sl_json_t *s = params ? sl_json_object_get(params, "scale")
                                    : NULL;
        *scale = 0;
        if (!s)
                return 0;
        if (s->type == SL_JSON_INT && s->u.i >= INT32_MIN &&
            s->u.i <= INT32_MAX) {
                *scale = (int32_t)s->u.i;
                return 0;
        }
        /* Connect schema parameters are strings. */
        if (s->type == SL_JSON_STRING && s->u.str.len > 0 &&
            s->u.str.len < 16) {
                char tmp[16], *end;
                memcpy(tmp, s->u.str.ptr, s->u.str.len);
                tmp[s->u.str.len] = '\0';
                long long v = strtoll(tmp, &end, 10);
                if (*end == '\0' && v >= INT32_MIN && v <= INT32_MAX) {
                        *scale = (int32_t)v;
                        return 0;
                }
        }
        return SL_ERR_CONVERT;
}

bool sl_conv_schema_is_decimal(const sl_json_t *schema)
{
        const sl_json_t *n = sl_json_object_get(schema, "name");
        return n && n->type == SL_JSON_STRING &&
               !strcmp(n->u.str.ptr, SL_DECIMAL_LOGICAL);
}

sl_json_t *sl_conv_optional_schema(const char *type)
{
        sl_json_t *s = sl_json_object();
        if (!s || sl_json_object_set(s, "type", sl_json_string(type)) < 0 ||
            sl_json_object_set(s, "optional", sl_json_bool(true)) < 0) {
                sl_json_free(s);
                return NULL;
        }
        return s;
}

sl_json_t *sl_conv_ref_node(sl_json_type_t type, const void *p, size_t n)
{
        /* Allocated by the JSON module so sl_json_free can release it; the
         * borrowed flag keeps it away from p. */
        sl_json_t *v = sl_json_null();
        if (!v)
                return NULL;
        v->type = type;
        v->borrowed = 1;
        v->u.str.ptr = (char *)p;
        v->u.str.len = n;
        return v;
}

int sl_conv_raw_to_data(const char *who, sl_json_type_t type,
                        const void *data, size_t len, sl_json_t **schemap,
                        sl_json_t **valuep, char *errstr, size_t errstr_size)
{
        sl_json_t *schema = sl_conv_optional_schema(
                type == SL_JSON_STRING ? "string" : "bytes");
        sl_json_t *v = data ? sl_conv_ref_node(type, data, len) : NULL;
        if (!schema || (data && !v)) {
                sl_json_free(schema);
                sl_json_free(v);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "%s: out of memory", who);
        }
        *schemap = schema;
        *valuep = v;
        return 0;
}
