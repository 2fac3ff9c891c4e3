/* Field SMTs: InsertField, ReplaceField, MaskField, HoistField and
 * ExtractField, each in Kafka's $Key and $Value flavours.
 *
 * Values follow transform.h: a STRUCT is an OBJECT whose schema has type
 * "struct", a MAP an OBJECT (schemaless values are maps). Error texts are
 * Kafka's DataException messages, with the Java class a value would have
 * in Connect ("java.lang.String", "org.apache.kafka.connect.data.Struct").
 *
 * Kafka caches updated schemas per input schema; building one here is a
 * dup plus a few edits, about what a lookup keyed by the schema's text
 * would cost, so there is no cache. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/converter_int.h"
#include "transform/transform.h"

#define LOGGER "transforms"
#define KT "org.apache.kafka.connect.transforms."
#define FLAVOURS(n)                                                            \
        "<p/>Use the concrete transformation type designed for the record "   \
        "key (<code>" KT n "$Key</code>) or value (<code>" KT n               \
        "$Value</code>)."
#define REPLACE_NULL_DOC                                                       \
        "Whether to replace fields that have a default value and that are "   \
        "null to the default value. When set to true, the default value is "  \
        "used, otherwise null is used."
#define REPLACE_NULL_DEF                                                       \
        {.name = "replace.null.with.default", .type = SL_CFG_BOOLEAN,         \
         .default_value = "true", .importance = SL_CFG_MEDIUM,                 \
         .documentation = REPLACE_NULL_DOC}

/* ================================================================ helpers */

static int oom(char *e, size_t n)
{
        return sl_seterr(e, n, SL_ERR_NOMEM, "out of memory");
}

static sl_json_t **op_schema(sl_xrecord_t *r, sl_xpart_t p)
{
        return p == SL_XPART_KEY ? &r->key_schema : &r->value_schema;
}

static sl_json_t **op_value(sl_xrecord_t *r, sl_xpart_t p)
{
        return p == SL_XPART_KEY ? &r->key : &r->value;
}

static bool is_null(const sl_json_t *v)
{
        return !v || v->type == SL_JSON_NULL;
}

static bool type_is(const char *t, const char *want)
{
        return t && !strcmp(t, want);
}

/* JsonConverter names them float/double; Connect float32/float64. */
static bool is_float_type(const char *t)
{
        return type_is(t, "float") || type_is(t, "double") ||
               type_is(t, "float32") || type_is(t, "float64");
}

static bool str_in(char **list, int n, const char *s)
{
        for (int i = 0; i < n; i++)
                if (!strcmp(list[i], s))
                        return true;
        return false;
}

/* What a value is in Connect's Java terms: drives masking and the class
 * names in error messages. */
typedef enum vkind {
        VK_NULL = 0,
        VK_BOOL,
        VK_INT8,
        VK_INT16,
        VK_INT32,
        VK_INT64,
        VK_FLOAT32,
        VK_FLOAT64,
        VK_STRING,
        VK_BYTES,
        VK_DECIMAL,
        VK_DATE, /* Date, Time and Timestamp logical types */
        VK_ARRAY,
        VK_MAP,
        VK_STRUCT,
} vkind_t;

static const char *const vk_class[] = {
        [VK_NULL] = "null",
        [VK_BOOL] = "java.lang.Boolean",
        [VK_INT8] = "java.lang.Byte",
        [VK_INT16] = "java.lang.Short",
        [VK_INT32] = "java.lang.Integer",
        [VK_INT64] = "java.lang.Long",
        [VK_FLOAT32] = "java.lang.Float",
        [VK_FLOAT64] = "java.lang.Double",
        [VK_STRING] = "java.lang.String",
        [VK_BYTES] = "[B",
        [VK_DECIMAL] = "java.math.BigDecimal",
        [VK_DATE] = "java.util.Date",
        [VK_ARRAY] = "java.util.ArrayList",
        [VK_MAP] = "java.util.HashMap",
        [VK_STRUCT] = "org.apache.kafka.connect.data.Struct",
};

/* Schemaless numbers are what JsonConverter makes of them: Long, Double. */
static vkind_t kind_of_json(const sl_json_t *v)
{
        switch (v ? v->type : SL_JSON_NULL) {
        case SL_JSON_BOOL: return VK_BOOL;
        case SL_JSON_INT: return VK_INT64;
        case SL_JSON_DOUBLE: return VK_FLOAT64;
        case SL_JSON_STRING: return VK_STRING;
        case SL_JSON_BYTES: return VK_BYTES;
        case SL_JSON_ARRAY: return VK_ARRAY;
        case SL_JSON_OBJECT: return VK_MAP;
        default: return VK_NULL;
        }
}

static vkind_t kind_of(const sl_json_t *schema, const sl_json_t *v)
{
        const char *t = sl_schema_type(schema);
        const char *name = sl_json_object_get_str(schema, "name");
        vkind_t jk = kind_of_json(v), sk;
        sl_json_type_t want;

        if (jk == VK_NULL || !t)
                return jk;
        if (type_is(t, "int8") || type_is(t, "int16") || type_is(t, "int32") ||
            type_is(t, "int64")) {
                want = SL_JSON_INT;
                if (name && (!strcmp(name, "org.apache.kafka.connect.data.Date") ||
                             !strcmp(name, "org.apache.kafka.connect.data.Time") ||
                             !strcmp(name, "org.apache.kafka.connect.data.Timestamp")))
                        sk = VK_DATE;
                else
                        sk = t[3] == '8' ? VK_INT8 : t[3] == '1' ? VK_INT16
                             : t[3] == '3' ? VK_INT32 : VK_INT64;
        } else if (is_float_type(t)) {
                want = v->type == SL_JSON_INT ? SL_JSON_INT : SL_JSON_DOUBLE;
                sk = type_is(t, "float") || type_is(t, "float32") ? VK_FLOAT32
                                                                   : VK_FLOAT64;
        } else if (type_is(t, "boolean")) {
                want = SL_JSON_BOOL, sk = VK_BOOL;
        } else if (type_is(t, "string")) {
                want = SL_JSON_STRING, sk = VK_STRING;
        } else if (type_is(t, "bytes")) {
                want = SL_JSON_BYTES;
                sk = name && !strcmp(name, "org.apache.kafka.connect.data.Decimal")
                             ? VK_DECIMAL : VK_BYTES;
        } else if (type_is(t, "array")) {
                want = SL_JSON_ARRAY, sk = VK_ARRAY;
        } else if (type_is(t, "map")) {
                /* maps with non-string keys may still be [[k,v],...] */
                want = v->type == SL_JSON_ARRAY ? SL_JSON_ARRAY : SL_JSON_OBJECT;
                sk = VK_MAP;
        } else if (type_is(t, "struct")) {
                want = SL_JSON_OBJECT, sk = VK_STRUCT;
        } else {
                return jk;
        }
        /* the schema decides only for a value of the matching shape */
        return v->type == want ? sk : jk;
}

static int require_map_err(char *e, size_t n, const char *purpose,
                           const sl_json_t *v)
{
        return sl_seterr(e, n, SL_ERR_INVALID,
                         "Only Map objects supported in absence of schema for "
                         "[%s], found: %s",
                         purpose, vk_class[kind_of(NULL, v)]);
}

static int require_struct_err(char *e, size_t n, const char *purpose,
                              const sl_json_t *schema, const sl_json_t *v)
{
        return sl_seterr(e, n, SL_ERR_INVALID,
                         "Only Struct objects supported for [%s], found: %s",
                         purpose, vk_class[kind_of(schema, v)]);
}

static bool is_struct(const sl_json_t *schema, const sl_json_t *v)
{
        return type_is(sl_schema_type(schema), "struct") && v &&
               v->type == SL_JSON_OBJECT;
}

/* Connect's Schema.Type name, as DataException texts print it. */
static const char *type_upper(const char *t)
{
        static const char *const map[][2] = {
                {"int8", "INT8"},       {"int16", "INT16"},
                {"int32", "INT32"},     {"int64", "INT64"},
                {"float", "FLOAT32"},   {"float32", "FLOAT32"},
                {"double", "FLOAT64"},  {"float64", "FLOAT64"},
                {"boolean", "BOOLEAN"}, {"string", "STRING"},
                {"bytes", "BYTES"},     {"array", "ARRAY"},
                {"map", "MAP"},         {"struct", "STRUCT"},
        };
        for (size_t i = 0; t && i < sizeof(map) / sizeof(map[0]); i++)
                if (!strcmp(map[i][0], t))
                        return map[i][1];
        return t ? t : "null";
}

/* ------------------------------------------------------------ schemas */

static const sl_json_t *schema_fields(const sl_json_t *s)
{
        const sl_json_t *f = sl_json_object_get(s, "fields");
        return f && f->type == SL_JSON_ARRAY ? f : NULL;
}

static const char *field_name(const sl_json_t *fs)
{
        return sl_json_object_get_str(fs, "field");
}

/* A new required struct with SchemaUtil.copySchemaBasics of src: name,
 * version, doc and parameters carry over; optional and default do not. */
static sl_json_t *struct_basics(const sl_json_t *src)
{
        static const char *const keep[] = {"name", "version", "doc",
                                           "parameters", NULL};
        sl_json_t *s = sl_schema_new("struct", false);
        int rc = s ? sl_json_object_set(s, "fields", sl_json_array()) : -1;

        for (size_t i = 0; rc == 0 && keep[i]; i++) {
                const sl_json_t *x = sl_json_object_get(src, keep[i]);
                if (x && x->type != SL_JSON_NULL)
                        rc = sl_json_object_set(s, keep[i], sl_json_dup(x));
        }
        if (rc < 0) {
                sl_json_free(s);
                return NULL;
        }
        return s;
}

/* A field's schema standing alone as a record schema. */
static sl_json_t *field_schema_dup(const sl_json_t *fs)
{
        sl_json_t *s = sl_json_dup(fs);
        if (s)
                sl_json_object_del(s, "field");
        return s;
}

static const sl_json_t *default_json(const sl_json_t *fs)
{
        const sl_json_t *d = sl_json_object_get(fs, "default");
        return d && d->type != SL_JSON_NULL ? d : NULL;
}

/* The default as a Connect value: schemas keep it in JsonConverter's form,
 * BYTES as base64 text and floats perhaps as integers. */
static sl_json_t *default_value(const sl_json_t *fs)
{
        const sl_json_t *d = default_json(fs);
        const char *t = sl_schema_type(fs);

        if (type_is(t, "bytes") && d->type == SL_JSON_STRING) {
                sl_buf_t b = SL_BUF_INIT;
                sl_json_t *v = NULL;
                if (sl_base64_decode(d->u.str.ptr, d->u.str.len, &b) == 0)
                        v = sl_json_bytes(b.data ? b.data : "", b.len);
                sl_buf_free(&b);
                if (v)
                        return v;
        }
        if (is_float_type(t) && d->type == SL_JSON_INT)
                return sl_json_double((double)d->u.i);
        return sl_json_dup(d);
}

/* Struct.get() reads a null field as its default; with
 * replace.null.with.default (KIP-1040) the copy gets that default too. */
static int apply_defaults(sl_json_t *obj, const sl_json_t *schema, bool on)
{
        const sl_json_t *fields = schema_fields(schema);

        for (size_t i = 0; on && fields && i < fields->u.arr.len; i++) {
                const sl_json_t *fs = fields->u.arr.items[i];
                const char *name = field_name(fs);
                if (name && default_json(fs) &&
                    is_null(sl_json_object_get(obj, name)) &&
                    sl_json_object_set(obj, name, default_value(fs)) < 0)
                        return SL_ERR_NOMEM;
        }
        return 0;
}

/* Take obj's value for key, leaving a hole only sl_json_free may see. */
static sl_json_t *steal(sl_json_t *obj, const char *key)
{
        for (size_t i = 0; i < obj->u.obj.len; i++)
                if (!strcmp(obj->u.obj.keys[i], key)) {
                        sl_json_t *v = obj->u.obj.vals[i];
                        obj->u.obj.vals[i] = NULL;
                        return v;
                }
        return NULL;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

/* ============================================================ InsertField */

typedef struct ins_spec {
        char *name; /* NULL: not configured */
        bool optional;
} ins_spec_t;

typedef struct insert_field {
        sl_xpart_t part;
        ins_spec_t topic, partition, offset, timestamp, stat;
        char *static_value;
        bool replace_null;
} insert_field_t;

#define OPTIONALITY_DOC                                                        \
        "Suffix with <code>!</code> to make this a required field, or "       \
        "<code>?</code> to keep it optional (the default)."

static const sl_config_def_t insert_field_config[] = {
        {.name = "topic.field", .type = SL_CFG_STRING,
         .importance = SL_CFG_MEDIUM,
         .documentation = "Field name for Kafka topic. " OPTIONALITY_DOC},
        {.name = "partition.field", .type = SL_CFG_STRING,
         .importance = SL_CFG_MEDIUM,
         .documentation = "Field name for Kafka partition. " OPTIONALITY_DOC},
        {.name = "offset.field", .type = SL_CFG_STRING,
         .importance = SL_CFG_MEDIUM,
         .documentation = "Field name for Kafka offset - only applicable to "
                          "sink connectors.<br/>" OPTIONALITY_DOC},
        {.name = "timestamp.field", .type = SL_CFG_STRING,
         .importance = SL_CFG_MEDIUM,
         .documentation = "Field name for record timestamp. " OPTIONALITY_DOC},
        {.name = "static.field", .type = SL_CFG_STRING,
         .importance = SL_CFG_MEDIUM,
         .documentation = "Field name for static data field. " OPTIONALITY_DOC},
        {.name = "static.value", .type = SL_CFG_STRING,
         .importance = SL_CFG_MEDIUM,
         .documentation = "Static field value, if field name configured."},
        REPLACE_NULL_DEF,
        {.name = NULL},
};

static int ins_spec_parse(ins_spec_t *sp, const char *spec)
{
        size_t len;

        sp->name = NULL;
        sp->optional = true;
        if (!spec)
                return 0;
        len = strlen(spec);
        if (len && (spec[len - 1] == '?' || spec[len - 1] == '!')) {
                sp->optional = spec[len - 1] == '?';
                len--;
        }
        sp->name = strndup(spec, len);
        return sp->name ? 0 : SL_ERR_NOMEM;
}

static void insert_destroy(void *state)
{
        insert_field_t *x = state;
        if (!x)
                return;
        free(x->topic.name);
        free(x->partition.name);
        free(x->offset.name);
        free(x->timestamp.name);
        free(x->stat.name);
        free(x->static_value);
        free(x);
}

static int insert_init(void **state, sl_xpart_t part, const sl_strmap_t *cfg,
                       char *e, size_t n)
{
        insert_field_t *x = calloc(1, sizeof(*x));
        int rc = 0;

        if (!x)
                return oom(e, n);
        x->part = part;
        if (ins_spec_parse(&x->topic, sl_config_str(cfg, "topic.field")) < 0 ||
            ins_spec_parse(&x->partition, sl_config_str(cfg, "partition.field")) < 0 ||
            ins_spec_parse(&x->offset, sl_config_str(cfg, "offset.field")) < 0 ||
            ins_spec_parse(&x->timestamp, sl_config_str(cfg, "timestamp.field")) < 0 ||
            ins_spec_parse(&x->stat, sl_config_str(cfg, "static.field")) < 0)
                rc = oom(e, n);
        x->static_value = dup_or_null(sl_config_str(cfg, "static.value"));
        x->replace_null = sl_config_bool(cfg, "replace.null.with.default", true);
        if (rc == 0 && !x->topic.name && !x->partition.name && !x->offset.name &&
            !x->timestamp.name && !x->stat.name)
                rc = sl_seterr(e, n, SL_ERR_CONFIG, "No field insertion configured");
        /* Kafka prints its InsertionSpec object here; the name says more. */
        if (rc == 0 && x->stat.name && !x->static_value)
                rc = sl_seterr(e, n, SL_ERR_CONFIG,
                               "Invalid value null for configuration "
                               "static.value: No value specified for static "
                               "field: %s",
                               x->stat.name);
        if (rc < 0) {
                insert_destroy(x);
                return rc;
        }
        *state = x;
        return 0;
}

static sl_json_t *prim_schema(const char *type, bool optional, const char *name)
{
        sl_json_t *s = sl_schema_new(type, optional);
        if (s && name &&
            (sl_json_object_set(s, "name", sl_json_string(name)) < 0 ||
             sl_json_object_set(s, "version", sl_json_int(1)) < 0)) {
                sl_json_free(s);
                return NULL;
        }
        return s;
}

/* offset.field: sl_xrecord_t carries no Kafka offset, so the offset is
 * treated as absent and neither a field nor a value is inserted. (Kafka
 * fails source records with "Only SinkRecord supported for [field
 * insertion]"; sink offsets are not available to transforms here.) */
static int insert_schema(const insert_field_t *x, const sl_json_t *src,
                         sl_json_t **out, char *e, size_t n)
{
        const sl_json_t *fields = schema_fields(src);
        sl_json_t *s = struct_basics(src);
        int rc = s ? 0 : oom(e, n);

        for (size_t i = 0; rc == 0 && fields && i < fields->u.arr.len; i++) {
                const sl_json_t *fs = fields->u.arr.items[i];
                rc = sl_schema_add_field(s, field_name(fs) ? field_name(fs) : "",
                               sl_json_dup(fs), e, n);
        }
        if (rc == 0 && x->topic.name)
                rc = sl_schema_add_field(s, x->topic.name,
                               prim_schema("string", x->topic.optional, NULL), e, n);
        if (rc == 0 && x->partition.name)
                rc = sl_schema_add_field(s, x->partition.name,
                               prim_schema("int32", x->partition.optional, NULL), e, n);
        if (rc == 0 && x->timestamp.name)
                rc = sl_schema_add_field(s, x->timestamp.name,
                               prim_schema("int64", x->timestamp.optional,
                                           "org.apache.kafka.connect.data.Timestamp"),
                               e, n);
        if (rc == 0 && x->stat.name)
                rc = sl_schema_add_field(s, x->stat.name,
                               prim_schema("string", x->stat.optional, NULL), e, n);
        if (rc < 0) {
                sl_json_free(s);
                return rc;
        }
        *out = s;
        return 0;
}

/* A struct value keeps every field of its schema, null when unset. */
static int insert_values(const insert_field_t *x, const sl_xrecord_t *rec,
                         sl_json_t *obj, bool schemaful)
{
        int rc = 0;

        if (x->topic.name)
                rc = sl_json_object_set(obj, x->topic.name,
                                        rec->topic ? sl_json_string(rec->topic)
                                                   : sl_json_null());
        if (rc == 0 && x->partition.name && (rec->partition >= 0 || schemaful))
                rc = sl_json_object_set(obj, x->partition.name,
                                        rec->partition >= 0
                                                ? sl_json_int(rec->partition)
                                                : sl_json_null());
        if (rc == 0 && x->timestamp.name && (rec->timestamp >= 0 || schemaful))
                rc = sl_json_object_set(obj, x->timestamp.name,
                                        rec->timestamp >= 0
                                                ? sl_json_int(rec->timestamp)
                                                : sl_json_null());
        if (rc == 0 && x->stat.name && x->static_value)
                rc = sl_json_object_set(obj, x->stat.name,
                                        sl_json_string(x->static_value));
        return rc;
}

static int insert_apply(void *state, sl_xrecord_t *rec, char *e, size_t n)
{
        const insert_field_t *x = state;
        sl_json_t **sp = op_schema(rec, x->part), **vp = op_value(rec, x->part);
        sl_json_t *ns = NULL;
        int rc;

        if (is_null(*vp))
                return 0; /* tombstones pass through */
        if (!*sp) {
                if ((*vp)->type != SL_JSON_OBJECT)
                        return require_map_err(e, n, "field insertion", *vp);
                return insert_values(x, rec, *vp, false) < 0 ? oom(e, n) : 0;
        }
        if (!is_struct(*sp, *vp))
                return require_struct_err(e, n, "field insertion", *sp, *vp);
        if ((rc = insert_schema(x, *sp, &ns, e, n)) < 0)
                return rc;
        if (apply_defaults(*vp, *sp, x->replace_null) < 0 ||
            insert_values(x, rec, *vp, true) < 0) {
                sl_json_free(ns);
                return oom(e, n);
        }
        sl_json_free(*sp);
        *sp = ns;
        return 0;
}

#define INSERT_DOC                                                             \
        "Insert field(s) using attributes from the record metadata or a "     \
        "configured static value." FLAVOURS("InsertField")

const sl_transform_def_t sl_xf_insert_field_key = {
        .class_name = KT "InsertField$Key", .part = SL_XPART_KEY,
        .config = insert_field_config, .init = insert_init,
        .apply = insert_apply, .destroy = insert_destroy, .doc = INSERT_DOC,
};

const sl_transform_def_t sl_xf_insert_field_value = {
        .class_name = KT "InsertField$Value", .part = SL_XPART_VALUE,
        .config = insert_field_config, .init = insert_init,
        .apply = insert_apply, .destroy = insert_destroy, .doc = INSERT_DOC,
};

/* =========================================================== ReplaceField */

typedef struct replace_field {
        sl_xpart_t part;
        char **exclude, **include, **renames; /* renames: "from\0to" pairs */
        int nexclude, ninclude, nrenames;
        char **ren_to; /* into renames' buffers */
        bool replace_null;
} replace_field_t;

/* Java's mapping.split(":") drops trailing empty strings and must leave
 * exactly two parts; *colon is where from ends. */
static bool rename_split(const char *m, size_t *from_len, size_t *to_off,
                         size_t *to_len)
{
        size_t len = strlen(m);
        const char *c;

        while (len && m[len - 1] == ':')
                len--;
        c = memchr(m, ':', len);
        if (!c || memchr(c + 1, ':', len - (size_t)(c - m) - 1))
                return false;
        *from_len = (size_t)(c - m);
        *to_off = *from_len + 1;
        *to_len = len - *to_off;
        return true;
}

static int renames_validator(const char *name, const char *value, char *e,
                             size_t n)
{
        char **items = NULL;
        int cnt = sl_config_list(value, &items), rc = 0;
        size_t a, b, c;

        (void)name;
        if (cnt < 0)
                return sl_seterr(e, n, SL_ERR_CONFIG, "out of memory");
        for (int i = 0; rc == 0 && i < cnt; i++)
                if (!rename_split(items[i], &a, &b, &c))
                        rc = sl_seterr(e, n, SL_ERR_CONFIG,
                                       "Invalid rename mapping: %s", items[i]);
        sl_config_list_free(items, cnt);
        return rc;
}

static const sl_config_def_t replace_field_config[] = {
        {.name = "exclude", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Fields to exclude. This takes precedence over the "
                          "fields to include."},
        {.name = "blacklist", .type = SL_CFG_LIST, .importance = SL_CFG_LOW,
         .documentation = "Deprecated. Use exclude instead."},
        {.name = "include", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Fields to include. If specified, only these "
                          "fields will be used."},
        {.name = "whitelist", .type = SL_CFG_LIST, .importance = SL_CFG_LOW,
         .documentation = "Deprecated. Use include instead."},
        {.name = "renames", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Field rename mappings.",
         .validator = renames_validator},
        REPLACE_NULL_DEF,
        {.name = NULL},
};

static void replace_destroy(void *state)
{
        replace_field_t *x = state;
        if (!x)
                return;
        sl_config_list_free(x->exclude, x->nexclude);
        sl_config_list_free(x->include, x->ninclude);
        sl_config_list_free(x->renames, x->nrenames);
        free(x->ren_to);
        free(x);
}

/* Kafka translates the deprecated alias when the new key is not set. The
 * host has applied defaults (the new key always reads as set), so an
 * empty new list defers to a given alias. */
static const char *aliased(const sl_strmap_t *cfg, const char *key,
                           const char *alias)
{
        const char *v = sl_config_str(cfg, key), *a = sl_config_str(cfg, alias);
        char **items = NULL;
        int cnt;

        if (!a)
                return v;
        cnt = v ? sl_config_list(v, &items) : 0;
        sl_config_list_free(items, cnt);
        if (cnt > 0) {
                sl_error(LOGGER, "%s was configured, as well as the deprecated "
                                 "alias(es) %s.  Using the value of %s",
                         key, alias, key);
                return v;
        }
        sl_warn(LOGGER, "Configuration key %s is deprecated and may be removed "
                        "in the future.  Please update your configuration to "
                        "use %s instead.",
                alias, key);
        return a;
}

static int replace_init(void **state, sl_xpart_t part, const sl_strmap_t *cfg,
                        char *e, size_t n)
{
        replace_field_t *x = calloc(1, sizeof(*x));
        size_t a, b, c;

        if (!x)
                return oom(e, n);
        x->part = part;
        x->replace_null = sl_config_bool(cfg, "replace.null.with.default", true);
        x->nexclude = sl_config_list(aliased(cfg, "exclude", "blacklist"), &x->exclude);
        x->ninclude = sl_config_list(aliased(cfg, "include", "whitelist"), &x->include);
        x->nrenames = sl_config_list(sl_config_str(cfg, "renames"), &x->renames);
        if (x->nexclude < 0 || x->ninclude < 0 || x->nrenames < 0 ||
            !(x->ren_to = calloc((size_t)x->nrenames + 1, sizeof(char *)))) {
                x->nexclude = x->nexclude < 0 ? 0 : x->nexclude;
                x->ninclude = x->ninclude < 0 ? 0 : x->ninclude;
                x->nrenames = x->nrenames < 0 ? 0 : x->nrenames;
                replace_destroy(x);
                return oom(e, n);
        }
        for (int i = 0; i < x->nrenames; i++) {
                if (!rename_split(x->renames[i], &a, &b, &c)) {
                        sl_seterr(e, n, SL_ERR_CONFIG,
                                  "Invalid value %s for configuration renames: "
                                  "Invalid rename mapping: %s",
                                  sl_config_str(cfg, "renames"), x->renames[i]);
                        replace_destroy(x);
                        return SL_ERR_CONFIG;
                }
                x->renames[i][a] = '\0';
                x->renames[i][b + c] = '\0';
                x->ren_to[i] = x->renames[i] + b;
        }
        *state = x;
        return 0;
}

static bool replace_keeps(const replace_field_t *x, const char *name)
{
        return !str_in(x->exclude, x->nexclude, name) &&
               (x->ninclude == 0 || str_in(x->include, x->ninclude, name));
}

/* A later mapping of the same field wins, as in Kafka's HashMap. */
static const char *replace_renamed(const replace_field_t *x, const char *name)
{
        for (int i = x->nrenames - 1; i >= 0; i--)
                if (!strcmp(x->renames[i], name))
                        return x->ren_to[i];
        return name;
}

static int replace_apply(void *state, sl_xrecord_t *rec, char *e, size_t n)
{
        const replace_field_t *x = state;
        sl_json_t **sp = op_schema(rec, x->part), **vp = op_value(rec, x->part);
        sl_json_t *old = *vp, *nv = NULL, *ns = NULL;
        const sl_json_t *fields;
        int rc = 0;

        if (is_null(old))
                return 0;
        if (!*sp) {
                if (old->type != SL_JSON_OBJECT)
                        return require_map_err(e, n, "field replacement", old);
                if (!(nv = sl_json_object()))
                        return oom(e, n);
                for (size_t i = 0; rc == 0 && i < old->u.obj.len; i++) {
                        const char *k = old->u.obj.keys[i];
                        if (!replace_keeps(x, k))
                                continue;
                        sl_json_t *v = old->u.obj.vals[i];
                        old->u.obj.vals[i] = NULL;
                        rc = sl_json_object_set(nv, replace_renamed(x, k),
                                                v ? v : sl_json_null());
                }
        } else {
                if (!is_struct(*sp, old))
                        return require_struct_err(e, n, "field replacement", *sp, old);
                if (!(ns = struct_basics(*sp)))
                        return oom(e, n);
                fields = schema_fields(*sp);
                for (size_t i = 0; rc == 0 && fields && i < fields->u.arr.len; i++) {
                        const sl_json_t *fs = fields->u.arr.items[i];
                        const char *name = field_name(fs);
                        if (name && replace_keeps(x, name))
                                rc = sl_schema_add_field(ns, replace_renamed(x, name),
                                               sl_json_dup(fs), e, n);
                }
                if (rc < 0) {
                        sl_json_free(ns);
                        return rc;
                }
                if (apply_defaults(old, *sp, x->replace_null) < 0 ||
                    !(nv = sl_json_object())) {
                        sl_json_free(ns);
                        return oom(e, n);
                }
                for (size_t i = 0; rc == 0 && fields && i < fields->u.arr.len; i++) {
                        const char *name = field_name(fields->u.arr.items[i]);
                        if (!name || !replace_keeps(x, name))
                                continue;
                        sl_json_t *v = steal(old, name);
                        rc = sl_json_object_set(nv, replace_renamed(x, name),
                                                v ? v : sl_json_null());
                }
        }
        /* values were moved out of old: it can only be freed now */
        sl_json_free(old);
        if (rc < 0) {
                sl_json_free(nv);
                sl_json_free(ns);
                *vp = NULL;
                return oom(e, n);
        }
        *vp = nv;
        if (ns) {
                sl_json_free(*sp);
                *sp = ns;
        }
        return 0;
}

#define REPLACE_DOC "Filter or rename fields." FLAVOURS("ReplaceField")

const sl_transform_def_t sl_xf_replace_field_key = {
        .class_name = KT "ReplaceField$Key", .part = SL_XPART_KEY,
        .config = replace_field_config, .init = replace_init,
        .apply = replace_apply, .destroy = replace_destroy, .doc = REPLACE_DOC,
};

const sl_transform_def_t sl_xf_replace_field_value = {
        .class_name = KT "ReplaceField$Value", .part = SL_XPART_VALUE,
        .config = replace_field_config, .init = replace_init,
        .apply = replace_apply, .destroy = replace_destroy, .doc = REPLACE_DOC,
};

/* ============================================================== MaskField */

typedef struct mask_field {
        sl_xpart_t part;
        char **fields;
        int nfields;
        char *replacement; /* NULL: type-appropriate null-equivalents */
        bool replace_null;
} mask_field_t;

static int nonempty_list_validator(const char *name, const char *value,
                                   char *e, size_t n)
{
        char **items = NULL;
        int cnt = sl_config_list(value, &items);

        (void)name;
        sl_config_list_free(items, cnt);
        return cnt == 0 ? sl_seterr(e, n, SL_ERR_CONFIG, "Empty list") : 0;
}

static const sl_config_def_t mask_field_config[] = {
        {.name = "fields", .type = SL_CFG_LIST, .importance = SL_CFG_HIGH,
         .documentation = "Names of fields to mask.",
         .flags = SL_CFG_REQUIRED, .validator = nonempty_list_validator},
        {.name = "replacement", .type = SL_CFG_STRING, .importance = SL_CFG_LOW,
         .documentation = "Custom value replacement, that will be applied to "
                          "all 'fields' values (numeric or non-empty string "
                          "values only).",
         .flags = SL_CFG_NONEMPTY},
        REPLACE_NULL_DEF,
        {.name = NULL},
};

static void mask_destroy(void *state)
{
        mask_field_t *x = state;
        if (!x)
                return;
        sl_config_list_free(x->fields, x->nfields);
        free(x->replacement);
        free(x);
}

static int mask_init(void **state, sl_xpart_t part, const sl_strmap_t *cfg,
                     char *e, size_t n)
{
        mask_field_t *x = calloc(1, sizeof(*x));
        const char *r = sl_config_str(cfg, "replacement");
        int cnt;

        if (!x)
                return oom(e, n);
        x->part = part;
        x->replace_null = sl_config_bool(cfg, "replace.null.with.default", true);
        if ((cnt = sl_config_list(sl_config_str(cfg, "fields"), &x->fields)) < 0 ||
            (r && !(x->replacement = strdup(r)))) {
                x->nfields = cnt < 0 ? 0 : cnt;
                mask_destroy(x);
                return oom(e, n);
        }
        x->nfields = cnt;
        if (cnt == 0) {
                mask_destroy(x);
                return sl_seterr(e, n, SL_ERR_CONFIG,
                                 "Invalid value [] for configuration fields: "
                                 "Empty list");
        }
        /* Kafka keeps a set */
        for (int i = cnt - 1; i > 0; i--)
                if (str_in(x->fields, i, x->fields[i])) {
                        free(x->fields[i]);
                        memmove(&x->fields[i], &x->fields[i + 1],
                                (size_t)(x->nfields - i - 1) * sizeof(char *));
                        x->nfields--;
                }
        *state = x;
        return 0;
}

/* java.math.BigDecimal's grammar: [+-]digits[.digits][(e|E)[+-]digits].
 * *digits gets the significant digits (leading zeros dropped), *exp the
 * power of ten they are scaled by. */
static bool parse_bigdecimal(const char *s, bool *neg, char *digits,
                             int64_t *exp)
{
        size_t nd = 0, seen = 0;
        int64_t e10 = 0;

        *neg = *s == '-';
        if (*s == '-' || *s == '+')
                s++;
        for (bool frac = false;; s++) {
                if (*s == '.' && !frac) {
                        frac = true;
                } else if (*s >= '0' && *s <= '9') {
                        seen++;
                        if (nd || *s != '0')
                                digits[nd++] = *s;
                        e10 -= frac;
                } else {
                        break;
                }
        }
        digits[nd] = '\0';
        if (!seen)
                return false;
        if (*s == 'e' || *s == 'E') {
                char *end;
                long long x;
                s++;
                if (!(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
                        return false;
                errno = 0;
                x = strtoll(s, &end, 10);
                if (errno || end == s || x < -1000000000LL || x > 1000000000LL)
                        return false;
                e10 += x;
                s = end;
        }
        *exp = e10;
        return *s == '\0';
}

/* digits * 10^scale10 into an int64, truncating toward zero when scale10
 * is negative unless exact is asked for. */
static bool digits_to_long(const char *digits, bool neg, int64_t scale10,
                           bool exact, int64_t *out)
{
        size_t nd = strlen(digits);
        uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

        if (scale10 < 0) {
                size_t drop = (uint64_t)-scale10 > nd ? nd : (size_t)-scale10;
                for (size_t i = nd - drop; exact && i < nd; i++)
                        if (digits[i] != '0')
                                return false;
                nd -= drop;
                scale10 = 0;
        }
        for (size_t i = 0; i < nd; i++) {
                unsigned d = (unsigned)(digits[i] - '0');
                if (u > (lim - d) / 10)
                        return false;
                u = u * 10 + d;
        }
        for (; u && scale10 > 0; scale10--) {
                if (u > lim / 10)
                        return false;
                u *= 10;
        }
        *out = neg ? (int64_t)(0 - u) : (int64_t)u;
        return true;
}

static int32_t decimal_scale(const sl_json_t *schema)
{
        const sl_json_t *p = sl_json_object_get(schema, "parameters");
        const sl_json_t *s = sl_json_object_get(p, "scale");

        if (s && s->type == SL_JSON_INT)
                return (int32_t)s->u.i;
        return s && s->type == SL_JSON_STRING ? (int32_t)atoi(s->u.str.ptr) : 0;
}

static int mask_null_equivalent(vkind_t k, sl_json_t **out, char *e, size_t n)
{
        switch (k) {
        case VK_BOOL: *out = sl_json_bool(false); break;
        case VK_INT8:
        case VK_INT16:
        case VK_INT32:
        case VK_INT64:
        case VK_DATE: *out = sl_json_int(0); break;
        case VK_FLOAT32:
        case VK_FLOAT64: *out = sl_json_double(0); break;
        case VK_STRING: *out = sl_json_string(""); break;
        case VK_DECIMAL: *out = sl_json_bytes("", 1); break; /* 0 */
        case VK_ARRAY: *out = sl_json_array(); break;
        case VK_MAP: *out = sl_json_object(); break;
        default:
                return sl_seterr(e, n, SL_ERR_INVALID,
                                 "Cannot mask value of type: class %s",
                                 vk_class[k]);
        }
        return *out ? 0 : oom(e, n);
}

/* Kafka converts the replacement with Values.convertTo<Type> (numbers go
 * through BigDecimal, then narrow like a Java cast) or new BigDecimal();
 * a Decimal replacement is rescaled to the schema's scale when exact,
 * where Kafka would fail later on a scale mismatch. Integers beyond int64
 * are rejected rather than wrapped. */
static int mask_replace(vkind_t k, const sl_json_t *schema, const char *r,
                        sl_json_t **out, char *e, size_t n)
{
        char *digits;
        bool neg, ok;
        int64_t exp = 0, l = 0;

        switch (k) {
        case VK_STRING:
                *out = sl_json_string(r);
                return *out ? 0 : oom(e, n);
        case VK_INT8: case VK_INT16: case VK_INT32: case VK_INT64:
        case VK_FLOAT32: case VK_FLOAT64: case VK_DECIMAL:
                break;
        default:
                return sl_seterr(e, n, SL_ERR_INVALID,
                                 "Cannot mask value of type class %s with "
                                 "custom replacement.",
                                 vk_class[k]);
        }
        if (!(digits = malloc(strlen(r) + 1)))
                return oom(e, n);
        ok = parse_bigdecimal(r, &neg, digits, &exp);
        if (ok && k == VK_DECIMAL) {
                /* the unscaled value at the schema's scale, exactly */
                sl_buf_t u = SL_BUF_INIT;
                int32_t scale = decimal_scale(schema);
                int rc = sl_parse_decimal(r, strlen(r), SL_DECIMAL_EXPONENT | SL_DECIMAL_RESCALE,
                                          &u, &scale);
                if (rc == SL_ERR_NOMEM) {
                        free(digits);
                        return oom(e, n);
                }
                ok = rc == 0;
                *out = ok ? sl_json_bytes(u.data, u.len) : NULL;
                sl_buf_free(&u);
        } else if (ok && (k == VK_FLOAT32 || k == VK_FLOAT64)) {
                double d = strtod(r, NULL);
                *out = sl_json_double(k == VK_FLOAT32 ? (double)(float)d : d);
        } else if (ok && (ok = digits_to_long(digits, neg, exp, false, &l))) {
                if (k == VK_INT8)
                        l = (int8_t)(uint8_t)(uint64_t)l;
                else if (k == VK_INT16)
                        l = (int16_t)(uint16_t)(uint64_t)l;
                else if (k == VK_INT32)
                        l = (int32_t)(uint32_t)(uint64_t)l;
                *out = sl_json_int(l);
        }
        free(digits);
        if (!ok)
                return sl_seterr(e, n, SL_ERR_INVALID,
                                 "Unable to convert %s (class java.lang.String) "
                                 "to number",
                                 r);
        return *out ? 0 : oom(e, n);
}

static int mask_one(const mask_field_t *x, const sl_json_t *schema,
                    const sl_json_t *v, sl_json_t **out, char *e, size_t n)
{
        vkind_t k = kind_of(schema, v);

        *out = NULL;
        if (k == VK_NULL) {
                *out = sl_json_null();
                return *out ? 0 : oom(e, n);
        }
        return x->replacement ? mask_replace(k, schema, x->replacement, out, e, n)
                              : mask_null_equivalent(k, out, e, n);
}

static int mask_apply(void *state, sl_xrecord_t *rec, char *e, size_t n)
{
        const mask_field_t *x = state;
        sl_json_t **sp = op_schema(rec, x->part), **vp = op_value(rec, x->part);
        sl_json_t *obj = *vp, **masked;
        const char **names;
        const sl_json_t *fields = NULL;
        size_t cnt = 0, cap;
        int rc = 0;

        if (is_null(obj))
                return 0; /* tombstones pass through */
        if (!*sp && obj->type != SL_JSON_OBJECT)
                return require_map_err(e, n, "mask fields", obj);
        if (*sp && !is_struct(*sp, obj))
                return require_struct_err(e, n, "mask fields", *sp, obj);
        if (*sp) {
                fields = schema_fields(*sp);
                if (apply_defaults(obj, *sp, x->replace_null) < 0)
                        return oom(e, n);
        }
        cap = fields ? fields->u.arr.len : (size_t)x->nfields;
        masked = calloc(cap + 1, sizeof(*masked));
        names = calloc(cap + 1, sizeof(*names));
        if (!masked || !names) {
                free(masked);
                free(names);
                return oom(e, n);
        }
        /* every replacement is made before any is stored, so a failure
         * leaves the record as it was */
        if (fields) {
                for (size_t i = 0; rc == 0 && i < fields->u.arr.len; i++) {
                        const sl_json_t *fs = fields->u.arr.items[i];
                        const char *name = field_name(fs);
                        if (!name || !str_in(x->fields, x->nfields, name))
                                continue;
                        names[cnt] = name;
                        rc = mask_one(x, fs, sl_json_object_get(obj, name),
                                      &masked[cnt++], e, n);
                }
        } else {
                /* a field the map lacks is put as null, as Kafka does */
                for (int i = 0; rc == 0 && i < x->nfields; i++) {
                        names[cnt] = x->fields[i];
                        rc = mask_one(x, NULL, sl_json_object_get(obj, x->fields[i]),
                                      &masked[cnt++], e, n);
                }
        }
        for (size_t i = 0; i < cnt; i++) {
                if (rc == 0)
                        rc = sl_json_object_set(obj, names[i], masked[i]) < 0
                                     ? oom(e, n) : 0;
                else
                        sl_json_free(masked[i]);
        }
        free(masked);
        free(names);
        return rc;
}

#define MASK_DOC                                                               \
        "Mask specified fields with a valid null value for the field type "   \
        "(i.e. 0, false, empty string, and so on).<p/>For numeric and "       \
        "string fields, an optional replacement value can be specified that " \
        "is converted to the correct type." FLAVOURS("MaskField")

const sl_transform_def_t sl_xf_mask_field_key = {
        .class_name = KT "MaskField$Key", .part = SL_XPART_KEY,
        .config = mask_field_config, .init = mask_init,
        .apply = mask_apply, .destroy = mask_destroy, .doc = MASK_DOC,
};

const sl_transform_def_t sl_xf_mask_field_value = {
        .class_name = KT "MaskField$Value", .part = SL_XPART_VALUE,
        .config = mask_field_config, .init = mask_init,
        .apply = mask_apply, .destroy = mask_destroy, .doc = MASK_DOC,
};

/* ============================================================= HoistField */

typedef struct hoist_field {
        sl_xpart_t part;
        char *field;
} hoist_field_t;

static const sl_config_def_t hoist_field_config[] = {
        {.name = "field", .type = SL_CFG_STRING, .importance = SL_CFG_MEDIUM,
         .documentation = "Field name for the single field that will be "
                          "created in the resulting Struct or Map.",
         .flags = SL_CFG_REQUIRED},
        {.name = NULL},
};

static void hoist_destroy(void *state)
{
        hoist_field_t *x = state;
        if (x)
                free(x->field);
        free(x);
}

static int hoist_init(void **state, sl_xpart_t part, const sl_strmap_t *cfg,
                      char *e, size_t n)
{
        hoist_field_t *x = calloc(1, sizeof(*x));
        const char *f = sl_config_str(cfg, "field");

        if (!x)
                return oom(e, n);
        if (!f) {
                free(x);
                return sl_seterr(e, n, SL_ERR_CONFIG,
                                 "Missing required configuration \"field\" "
                                 "which has no default value.");
        }
        x->part = part;
        if (!(x->field = strdup(f))) {
                free(x);
                return oom(e, n);
        }
        *state = x;
        return 0;
}

static int hoist_apply(void *state, sl_xrecord_t *rec, char *e, size_t n)
{
        const hoist_field_t *x = state;
        sl_json_t **sp = op_schema(rec, x->part), **vp = op_value(rec, x->part);
        sl_json_t *nv, *ns;

        /* Struct.put validates the one value against its schema */
        if (*sp && is_null(*vp) && !sl_schema_optional(*sp))
                return sl_seterr(e, n, SL_ERR_INVALID,
                                 "Invalid value: null used for required field: "
                                 "\"%s\", schema type: %s",
                                 x->field, type_upper(sl_schema_type(*sp)));
        if (!(nv = sl_json_object()))
                return oom(e, n);
        if (*sp) {
                sl_json_t *inner = *sp;
                ns = sl_schema_new("struct", false);
                if (!ns || sl_json_object_set(ns, "fields", sl_json_array()) < 0 ||
                    sl_json_object_set(inner, "field", sl_json_string(x->field)) < 0) {
                        sl_json_free(nv);
                        sl_json_free(ns);
                        return oom(e, n);
                }
                /* the old schema becomes the field's: moved, not copied */
                *sp = ns;
                if (sl_json_array_append(sl_json_object_get(ns, "fields"), inner) < 0) {
                        sl_json_free(nv);
                        return oom(e, n);
                }
        }
        if (sl_json_object_set(nv, x->field, *vp ? *vp : sl_json_null()) < 0) {
                *vp = NULL; /* freed by the failed set */
                sl_json_free(nv);
                return oom(e, n);
        }
        *vp = nv;
        return 0;
}

#define HOIST_DOC                                                              \
        "Wrap data using the specified field name in a Struct when schema "   \
        "present, or a Map in the case of schemaless data." FLAVOURS("HoistField")

const sl_transform_def_t sl_xf_hoist_field_key = {
        .class_name = KT "HoistField$Key", .part = SL_XPART_KEY,
        .config = hoist_field_config, .init = hoist_init,
        .apply = hoist_apply, .destroy = hoist_destroy, .doc = HOIST_DOC,
};

const sl_transform_def_t sl_xf_hoist_field_value = {
        .class_name = KT "HoistField$Value", .part = SL_XPART_VALUE,
        .config = hoist_field_config, .init = hoist_init,
        .apply = hoist_apply, .destroy = hoist_destroy, .doc = HOIST_DOC,
};

/* =========================================================== ExtractField */

typedef struct extract_field {
        sl_xpart_t part;
        char *path;   /* as configured, for messages */
        char **steps; /* V1: the whole path; V2: its dotted steps */
        int nsteps;
        bool replace_null;
} extract_field_t;

static int syntax_version_validator(const char *name, const char *value,
                                    char *e, size_t n)
{
        (void)name;
        if (!strcasecmp(value, "V1") || !strcasecmp(value, "V2"))
                return 0;
        return sl_seterr(e, n, SL_ERR_CONFIG,
                         "String must be one of (case insensitive): V1, V2");
}

static const sl_config_def_t extract_field_config[] = {
        {.name = "field", .type = SL_CFG_STRING, .importance = SL_CFG_MEDIUM,
         .documentation = "Field name to extract.", .flags = SL_CFG_REQUIRED},
        {.name = "field.syntax.version", .type = SL_CFG_STRING,
         .default_value = "V1", .importance = SL_CFG_HIGH,
         .documentation =
                 "Defines the version of the syntax to access fields. If set "
                 "to `V1`, then the field paths are limited to access the "
                 "elements at the root level of the struct or map. If set to "
                 "`V2`, the syntax will support accessing nested elements. To "
                 "access nested elements, dotted notation is used. If dots are "
                 "already included in the field name, then backtick pairs can "
                 "be used to wrap field names containing dots. E.g. to access "
                 "the subfield `baz` from a field named \"foo.bar\" in a "
                 "struct/map the following format can be used to access its "
                 "elements: \"`foo.bar`.baz\".",
         .validator = syntax_version_validator},
        REPLACE_NULL_DEF,
        {.name = NULL},
};

static void extract_destroy(void *state)
{
        extract_field_t *x = state;
        if (!x)
                return;
        sl_config_list_free(x->steps, x->nsteps);
        free(x->path);
        free(x);
}

static int add_step(extract_field_t *x, sl_buf_t *b)
{
        char **s = realloc(x->steps, (size_t)(x->nsteps + 1) * sizeof(*s));

        if (!s)
                return SL_ERR_NOMEM;
        x->steps = s;
        if (!(s[x->nsteps] = strdup(b->data ? b->data : "")))
                return SL_ERR_NOMEM;
        x->nsteps++;
        sl_buf_reset(b);
        return 0;
}

/* KIP-821's V2 path: steps split at dots; a step starting with a backtick
 * runs to the next backtick followed by a dot (or ending the path), and
 * \` before such a backtick keeps it in the name. */
static int parse_path_v2(extract_field_t *x, const char *p, char *e, size_t n)
{
        size_t len = strlen(p), i = 0;
        sl_buf_t b = SL_BUF_INIT;
        int rc = 0;

        while (rc == 0 && i < len) {
                if (p[i] != '`') {
                        const char *dot = strchr(p + i, '.');
                        size_t end = dot ? (size_t)(dot - p) : len;
                        rc = sl_buf_append(&b, p + i, end - i);
                        if (rc == 0)
                                rc = add_step(x, &b);
                        i = dot ? end + 1 : len;
                        continue;
                }
                size_t tick_at = i, start = ++i;
                for (;;) {
                        const char *t = strchr(p + i, '`');
                        bool escaped;
                        if (!t)
                                goto incomplete;
                        i = (size_t)(t - p);
                        escaped = p[i - 1] == '\\';
                        if (i >= len - 1) {
                                if (escaped)
                                        goto incomplete;
                                rc = sl_buf_append(&b, p + start, i - start);
                                if (rc == 0)
                                        rc = add_step(x, &b);
                                i++;
                                break;
                        }
                        if (p[i + 1] != '.') {
                                i++;
                                continue;
                        }
                        if (escaped) {
                                rc = sl_buf_append(&b, p + start, i - 1 - start);
                                if (rc == 0)
                                        rc = sl_buf_putc(&b, '`');
                                if (rc < 0)
                                        break;
                                start = ++i;
                                continue;
                        }
                        rc = sl_buf_append(&b, p + start, i - start);
                        if (rc == 0)
                                rc = add_step(x, &b);
                        i += 2;
                        break;
                }
                continue;
incomplete:
                sl_buf_free(&b);
                return sl_seterr(e, n, SL_ERR_CONFIG,
                                 "Incomplete backtick pair in path: [%s], "
                                 "consider adding a backslash before backtick "
                                 "at position %zu to escape it",
                                 p, tick_at);
        }
        /* a trailing dot ends in an empty step; "" is the one empty step */
        if (rc == 0 && (len == 0 || p[len - 1] == '.'))
                rc = add_step(x, &b);
        sl_buf_free(&b);
        return rc < 0 ? oom(e, n) : 0;
}

static int extract_init(void **state, sl_xpart_t part, const sl_strmap_t *cfg,
                        char *e, size_t n)
{
        extract_field_t *x = calloc(1, sizeof(*x));
        const char *f = sl_config_str(cfg, "field");
        const char *ver = sl_config_str(cfg, "field.syntax.version");
        sl_buf_t b = SL_BUF_INIT;
        int rc;

        if (!x)
                return oom(e, n);
        x->part = part;
        x->replace_null = sl_config_bool(cfg, "replace.null.with.default", true);
        if (!f)
                rc = sl_seterr(e, n, SL_ERR_CONFIG,
                               "Missing required configuration \"field\" which "
                               "has no default value.");
        else if (ver && strcasecmp(ver, "V1") && strcasecmp(ver, "V2"))
                rc = sl_seterr(e, n, SL_ERR_CONFIG,
                               "Invalid value %s for configuration "
                               "field.syntax.version: Unrecognized field "
                               "syntax version",
                               ver);
        else if (!(x->path = strdup(f)))
                rc = oom(e, n);
        else if (ver && !strcasecmp(ver, "V2"))
                rc = parse_path_v2(x, f, e, n);
        else
                rc = sl_buf_puts(&b, f) < 0 || add_step(x, &b) < 0 ? oom(e, n) : 0;
        sl_buf_free(&b);
        if (rc < 0) {
                extract_destroy(x);
                return rc;
        }
        *state = x;
        return 0;
}

/* SingleFieldPath.fieldFrom: NULL (with e set) when the path leaves the
 * schema. */
static const sl_json_t *extract_field_schema(const extract_field_t *x,
                                             const sl_json_t *schema, char *e,
                                             size_t n)
{
        const sl_json_t *cur = schema;

        for (int i = 0; i < x->nsteps; i++) {
                if (!type_is(sl_schema_type(cur), "struct")) {
                        sl_seterr(e, n, SL_ERR_INVALID,
                                  "Cannot look up fields on non-struct type");
                        return NULL;
                }
                if (!(cur = sl_schema_field(cur, x->steps[i]))) {
                        sl_seterr(e, n, SL_ERR_INVALID, "Unknown field: %s", x->path);
                        return NULL;
                }
        }
        return cur;
}

static int extract_apply(void *state, sl_xrecord_t *rec, char *e, size_t n)
{
        const extract_field_t *x = state;
        sl_json_t **sp = op_schema(rec, x->part), **vp = op_value(rec, x->part);
        const sl_json_t *fs = NULL, *cur = *vp, *cur_s = *sp;
        sl_json_t *ns = NULL, *result = NULL, **owned;
        int nowned = 0, rc = 0;

        if (!*sp && !is_null(*vp) && (*vp)->type != SL_JSON_OBJECT)
                return require_map_err(e, n, "field extraction", *vp);
        if (*sp) {
                if (!is_null(*vp) && !is_struct(*sp, *vp))
                        return require_struct_err(e, n, "field extraction", *sp, *vp);
                if (!(fs = extract_field_schema(x, *sp, e, n)))
                        return SL_ERR_INVALID;
                if (!(ns = field_schema_dup(fs)))
                        return oom(e, n);
        }
        /* defaults read in along the path are owned here until the end */
        if (!(owned = calloc((size_t)x->nsteps, sizeof(*owned)))) {
                sl_json_free(ns);
                return oom(e, n);
        }
        for (int i = 0; rc == 0 && !is_null(cur) && i < x->nsteps; i++) {
                const char *step = x->steps[i];
                const sl_json_t *step_s = cur_s ? sl_schema_field(cur_s, step) : NULL;
                const sl_json_t *v = sl_json_object_get(cur, step);
                if (is_null(v) && step_s && x->replace_null && default_json(step_s)) {
                        if (!(owned[nowned] = default_value(step_s))) {
                                rc = oom(e, n);
                                break;
                        }
                        v = owned[nowned++];
                }
                if (i == x->nsteps - 1) {
                        if (!is_null(v) && !(result = sl_json_dup(v)))
                                rc = oom(e, n);
                } else if (!is_null(v) && v->type != SL_JSON_OBJECT) {
                        /* the schema path was checked: only data can differ */
                        rc = cur_s ? require_struct_err(e, n, "nested field access",
                                                        step_s, v)
                                   : require_map_err(e, n, "nested field access", v);
                }
                cur = v;
                cur_s = step_s;
        }
        for (int i = 0; i < nowned; i++)
                sl_json_free(owned[i]);
        free(owned);
        if (rc < 0) {
                sl_json_free(ns);
                sl_json_free(result);
                return rc;
        }
        sl_json_free(*vp);
        *vp = result;
        if (*sp) {
                sl_json_free(*sp);
                *sp = ns;
        }
        return 0;
}

#define EXTRACT_DOC                                                            \
        "Extract the specified field from a Struct when schema present, or a " \
        "Map in the case of schemaless data. Any null values are passed "     \
        "through unmodified." FLAVOURS("ExtractField")

const sl_transform_def_t sl_xf_extract_field_key = {
        .class_name = KT "ExtractField$Key", .part = SL_XPART_KEY,
        .config = extract_field_config, .init = extract_init,
        .apply = extract_apply, .destroy = extract_destroy, .doc = EXTRACT_DOC,
};

const sl_transform_def_t sl_xf_extract_field_value = {
        .class_name = KT "ExtractField$Value", .part = SL_XPART_VALUE,
        .config = extract_field_config, .init = extract_init,
        .apply = extract_apply, .destroy = extract_destroy, .doc = EXTRACT_DOC,
};
