/* Schema-shaping SMTs after org.apache.kafka.connect.transforms: ValueToKey,
 * Cast, Flatten, SetSchemaMetadata and TimestampConverter.
 *
 * Where Kafka names a Java class in a message (DataException texts) we name
 * the class Kafka would see for the equivalent Connect value: a schemaless
 * integer is a java.lang.Long, an int32 field a java.lang.Integer, a struct
 * an org.apache.kafka.connect.data.Struct, bytes "[B", and so on.
 *
 * No per-schema cache: rebuilding the (small) updated schema costs about
 * what hashing the input schema would. */
#include <inttypes.h>
#include <math.h> /* isnan, isinf, signbit: macros, no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "transform/datefmt.h"
#include "transform/transform.h"

#define DERR(e, n, ...) sl_seterr(e, n, SL_ERR_INVALID, __VA_ARGS__)
#define CERR(e, n, ...) sl_seterr(e, n, SL_ERR_CONFIG, __VA_ARGS__)
#define NOMEM(e, n) sl_seterr(e, n, SL_ERR_NOMEM, "out of memory")

#define LN_DATE "org.apache.kafka.connect.data.Date"
#define LN_TIME "org.apache.kafka.connect.data.Time"
#define LN_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define LN_DECIMAL "org.apache.kafka.connect.data.Decimal"

#define MS_PER_DAY INT64_C(86400000)

__extension__ typedef __int128 i128_t;
__extension__ typedef unsigned __int128 u128_t;

#define RNWD_DOC                                                               \
        "Whether to replace fields that have a default value and that are "   \
        "null to the default value. When set to true, the default value is "  \
        "used, otherwise null is used."

/* ------------------------------------------------------------ helpers */

/* Connect's Schema.Type; JsonConverter spells FLOAT32/FLOAT64 as
 * "float"/"double" in schema JSON. */
enum {
        CT_INT8, CT_INT16, CT_INT32, CT_INT64, CT_FLOAT32, CT_FLOAT64,
        CT_BOOLEAN, CT_STRING, CT_BYTES, CT_ARRAY, CT_MAP, CT_STRUCT, CT_COUNT
};
static const char *const ct_upper[CT_COUNT] = {
        "INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64",
        "BOOLEAN", "STRING", "BYTES", "ARRAY", "MAP", "STRUCT"};
static const char *const ct_json[CT_COUNT] = {
        "int8", "int16", "int32", "int64", "float", "double",
        "boolean", "string", "bytes", "array", "map", "struct"};

static bool is_null(const sl_json_t *v)
{
        return !v || v->type == SL_JSON_NULL;
}

static int ct_of_schema(const sl_json_t *s)
{
        const char *t = s && s->type == SL_JSON_OBJECT ? sl_schema_type(s) : NULL;
        if (!t)
                return -1;
        for (int i = 0; i < CT_COUNT; i++)
                if (!strcmp(t, ct_json[i]))
                        return i;
        if (!strcmp(t, "float32"))
                return CT_FLOAT32;
        if (!strcmp(t, "float64"))
                return CT_FLOAT64;
        return -1;
}

/* ConnectSchema.schemaType(value.getClass()) for schemaless values. */
static int ct_of_value(const sl_json_t *v)
{
        switch (v ? v->type : SL_JSON_NULL) {
        case SL_JSON_BOOL: return CT_BOOLEAN;
        case SL_JSON_INT: return CT_INT64;
        case SL_JSON_DOUBLE: return CT_FLOAT64;
        case SL_JSON_STRING: return CT_STRING;
        case SL_JSON_BYTES: return CT_BYTES;
        case SL_JSON_ARRAY: return CT_ARRAY;
        case SL_JSON_OBJECT: return CT_MAP;
        default: return -1;
        }
}

static bool named(const sl_json_t *s, const char *name)
{
        const char *n = s && s->type == SL_JSON_OBJECT ? sl_json_object_get_str(s, "name")
                                                       : NULL;
        return n && !strcmp(n, name);
}

static bool is_date_logical(const sl_json_t *s)
{
        return named(s, LN_DATE) || named(s, LN_TIME) || named(s, LN_TIMESTAMP);
}

/* The Java class Kafka would report for v (with schema s, or schemaless). */
static const char *java_class(const sl_json_t *s, const sl_json_t *v)
{
        int t = ct_of_schema(s);

        if (is_null(v))
                return "null";
        switch (v->type) {
        case SL_JSON_BOOL:
                return "java.lang.Boolean";
        case SL_JSON_INT:
                if (is_date_logical(s))
                        return "java.util.Date";
                return t == CT_INT8    ? "java.lang.Byte"
                       : t == CT_INT16 ? "java.lang.Short"
                       : t == CT_INT32 ? "java.lang.Integer"
                                       : "java.lang.Long";
        case SL_JSON_DOUBLE:
                return t == CT_FLOAT32 ? "java.lang.Float" : "java.lang.Double";
        case SL_JSON_STRING:
                return "java.lang.String";
        case SL_JSON_BYTES:
                return named(s, LN_DECIMAL) ? "java.math.BigDecimal" : "[B";
        case SL_JSON_ARRAY:
                return "java.util.ArrayList";
        case SL_JSON_OBJECT:
                return t == CT_STRUCT ? "org.apache.kafka.connect.data.Struct"
                                      : "java.util.HashMap";
        default:
                return "null";
        }
}

/* Requirements.requireMap / requireStruct */
static int need_map(const sl_json_t *v, const char *purpose, char *e, size_t n)
{
        if (v && v->type == SL_JSON_OBJECT)
                return 0;
        return DERR(e, n,
                    "Only Map objects supported in absence of schema for [%s], "
                    "found: %s",
                    purpose, java_class(NULL, v));
}

static bool is_struct(const sl_json_t *s, const sl_json_t *v)
{
        return v && v->type == SL_JSON_OBJECT && ct_of_schema(s) == CT_STRUCT;
}

static int need_struct(const sl_json_t *s, const sl_json_t *v, const char *purpose,
                       char *e, size_t n)
{
        if (is_struct(s, v))
                return 0;
        return DERR(e, n, "Only Struct objects supported for [%s], found: %s",
                    purpose, java_class(s, v));
}

static sl_json_t **part_schema(sl_xrecord_t *r, sl_xpart_t p)
{
        return p == SL_XPART_KEY ? &r->key_schema : &r->value_schema;
}

static sl_json_t **part_value(sl_xrecord_t *r, sl_xpart_t p)
{
        return p == SL_XPART_KEY ? &r->key : &r->value;
}

static void replace_json(sl_json_t **slot, sl_json_t *v)
{
        if (*slot != v) {
                sl_json_free(*slot);
                *slot = v;
        }
}

static size_t nfields(const sl_json_t *s)
{
        const sl_json_t *f = s ? sl_json_object_get(s, "fields") : NULL;
        return f && f->type == SL_JSON_ARRAY ? f->u.arr.len : 0;
}

static const sl_json_t *field_at(const sl_json_t *s, size_t i)
{
        return sl_json_object_get(s, "fields")->u.arr.items[i];
}

static const char *fname(const sl_json_t *fs)
{
        const char *n = sl_json_object_get_str(fs, "field");
        return n ? n : "";
}

/* Struct.get (replace: a null field reads as its schema's default) or
 * Struct.getWithoutDefault. NULL for null. */
static const sl_json_t *field_value(const sl_json_t *v, const sl_json_t *fs, bool replace)
{
        const sl_json_t *x = sl_json_object_get(v, fname(fs));
        if (!is_null(x))
                return x;
        if (replace) {
                const sl_json_t *d = sl_json_object_get(fs, "default");
                if (!is_null(d))
                        return d;
        }
        return NULL;
}

static sl_json_t *dup_or_null(const sl_json_t *x)
{
        return x ? sl_json_dup(x) : sl_json_null();
}

/* SchemaUtil.copySchemaBasics(source, <builder of type>) */
static sl_json_t *schema_basics(const sl_json_t *src, const char *type, bool optional)
{
        static const char *const keys[] = {"name", "version", "doc", "parameters", NULL};
        sl_json_t *s = sl_schema_new(type, optional);

        for (int i = 0; s && keys[i]; i++) {
                const sl_json_t *x = sl_json_object_get(src, keys[i]);
                if (!is_null(x) && sl_json_object_set(s, keys[i], sl_json_dup(x)) < 0) {
                        sl_json_free(s);
                        return NULL;
                }
        }
        return s;
}

static sl_json_t *struct_schema(const sl_json_t *src, bool optional)
{
        sl_json_t *s = src ? schema_basics(src, "struct", optional)
                           : sl_schema_new("struct", optional);
        if (s && sl_json_object_set(s, "fields", sl_json_array()) < 0) {
                sl_json_free(s);
                return NULL;
        }
        return s;
}

static int set_optional(sl_json_t *s, bool optional)
{
        return sl_json_object_set(s, "optional", sl_json_bool(optional));
}

/* ConfigDef trims STRING values. */
static char *trim_dup(const char *s)
{
        const char *b = s ? s : "", *end;

        while (*b && (unsigned char)*b <= ' ')
                b++;
        end = b + strlen(b);
        while (end > b && (unsigned char)end[-1] <= ' ')
                end--;
        return strndup(b, (size_t)(end - b));
}

static int one_of(const char *value, const char *const *vals, char *e, size_t n)
{
        char *v = trim_dup(value), list[256];
        size_t o = 0;
        int found = 0;

        for (int i = 0; v && vals[i]; i++)
                found |= !strcmp(v, vals[i]);
        free(v);
        if (found)
                return 0;
        list[0] = '\0';
        for (int i = 0; vals[i] && o < sizeof(list); i++)
                o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
                                      vals[i]);
        return CERR(e, n, "String must be one of: %s", list);
}

static int index_of(const char *value, const char *const *vals)
{
        char *v = trim_dup(value);
        int r = -1;

        for (int i = 0; v && vals[i] && r < 0; i++)
                if (!strcmp(v, vals[i]))
                        r = i;
        free(v);
        return r;
}


static int put_zeros(sl_buf_t *b, int64_t count)
{
        for (int64_t i = 0; i < count; i++)
                if (sl_buf_putc(b, '0') < 0)
                        return SL_ERR_NOMEM;
        return 0;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* Values.dateFormatFor(date).format(date) in UTC. */
static int format_java_date(int64_t ms, sl_buf_t *out)
{
        const char *p = ms < MS_PER_DAY            ? "HH:mm:ss.SSS'Z'"
                        : ms % MS_PER_DAY == 0     ? "yyyy-MM-dd"
                                                   : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
        char why[64];
        sl_datefmt_t *f = sl_datefmt_compile(p, why, sizeof(why));
        int rc = f ? sl_datefmt_format(f, ms, out) : SL_ERR_NOMEM;
        sl_datefmt_free(f);
        return rc;
}

/* ------------------------------------------------------------ ValueToKey */

typedef struct v2k {
        char **fields;
        int n;
        bool replace;
} v2k_t;

static int nonempty_list(const char *name, const char *value, char *e, size_t n)
{
        char **items;
        int c = sl_config_list(value, &items);

        (void)name;
        if (c < 0)
                return CERR(e, n, "out of memory");
        sl_config_list_free(items, c);
        return c == 0 ? CERR(e, n, "Empty list") : 0;
}

static const sl_config_def_t v2k_config[] = {
        {.name = "fields", .type = SL_CFG_LIST, .importance = SL_CFG_HIGH,
         .documentation = "Field names on the record value to extract as the record key.",
         .flags = SL_CFG_REQUIRED, .validator = nonempty_list},
        {.name = "replace.null.with.default", .type = SL_CFG_BOOLEAN,
         .default_value = "true", .importance = SL_CFG_MEDIUM, .documentation = RNWD_DOC},
        {0},
};

static void v2k_destroy(void *st)
{
        v2k_t *c = st;
        if (c)
                sl_config_list_free(c->fields, c->n);
        free(c);
}

static int v2k_init(void **st, sl_xpart_t part, const sl_strmap_t *cfg, char *e, size_t n)
{
        v2k_t *c = calloc(1, sizeof(*c));
        const char *f = sl_config_str(cfg, "fields");

        (void)part;
        if (!c)
                return NOMEM(e, n);
        c->n = sl_config_list(f, &c->fields);
        if (c->n <= 0) {
                int rc = c->n < 0 ? NOMEM(e, n)
                                  : CERR(e, n, "Invalid value %s for configuration fields: "
                                               "Empty list", f ? f : "");
                c->n = 0;
                v2k_destroy(c);
                return rc;
        }
        c->replace = sl_config_bool(cfg, "replace.null.with.default", true);
        *st = c;
        return 0;
}

static int v2k_apply(void *st, sl_xrecord_t *rec, char *e, size_t n)
{
        static const char P[] = "copying fields from value to key";
        const v2k_t *c = st;
        const sl_json_t *v = rec->value, *vs = rec->value_schema;
        sl_json_t *key = NULL, *ks = NULL;
        int rc;

        if (!vs) {
                if ((rc = need_map(v, P, e, n)) < 0)
                        return rc;
                if (!(key = sl_json_object()))
                        return NOMEM(e, n);
                for (int i = 0; i < c->n; i++)
                        if (sl_json_object_set(key, c->fields[i],
                                               dup_or_null(sl_json_object_get(v, c->fields[i]))) < 0)
                                goto nomem;
        } else {
                if ((rc = need_struct(vs, v, P, e, n)) < 0)
                        return rc;
                if (!(ks = struct_schema(NULL, false)) || !(key = sl_json_object()))
                        goto nomem;
                for (int i = 0; i < c->n; i++) {
                        const sl_json_t *fs = sl_schema_field(vs, c->fields[i]);
                        if (!fs) {
                                rc = DERR(e, n, "Field does not exist: %s", c->fields[i]);
                                goto fail;
                        }
                        if ((rc = sl_schema_add_field(ks, c->fields[i], sl_json_dup(fs), e, n)) < 0)
                                goto fail;
                        if (sl_json_object_set(key, c->fields[i],
                                               dup_or_null(field_value(v, fs, c->replace))) < 0)
                                goto nomem;
                }
        }
        replace_json(&rec->key_schema, ks);
        replace_json(&rec->key, key);
        return 0;
nomem:
        rc = NOMEM(e, n);
fail:
        sl_json_free(ks);
        sl_json_free(key);
        return rc;
}

const sl_transform_def_t sl_xf_value_to_key = {
        .class_name = "org.apache.kafka.connect.transforms.ValueToKey",
        .part = SL_XPART_NONE,
        .config = v2k_config,
        .init = v2k_init,
        .apply = v2k_apply,
        .destroy = v2k_destroy,
        .doc = "Replace the record key with a new key formed from a subset of fields in the "
               "record value.",
};

/* ------------------------------------------------------------------ Cast */

#define CAST_IN_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
#define CAST_OUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"

typedef struct cast_spec {
        char *field;
        int type;
} cast_spec_t;

typedef struct cast {
        cast_spec_t *specs;
        int n;
        int whole; /* target type of a whole-value cast, or -1 */
        bool replace;
        sl_xpart_t part;
} cast_t;

static void cast_specs_free(cast_spec_t *s, int n)
{
        for (int i = 0; s && i < n; i++)
                free(s[i].field);
        free(s);
}

/* Schema.Type.valueOf(s.trim().toUpperCase()) */
static int ct_by_upper(const char *s, size_t len)
{
        while (len && (unsigned char)*s <= ' ')
                s++, len--;
        while (len && (unsigned char)s[len - 1] <= ' ')
                len--;
        for (int i = 0; i < CT_COUNT; i++)
                if (strlen(ct_upper[i]) == len && !strncasecmp(s, ct_upper[i], len))
                        return i;
        return -1;
}

/* Cast.parseFieldTypes. Messages are ConfigException texts. */
static int cast_parse(const char *spec, cast_spec_t **specsp, int *np, int *wholep, char *e,
                      size_t n)
{
        char **items = NULL;
        int cnt = sl_config_list(spec, &items), rc = 0, whole = -1, ns = 0;
        cast_spec_t *specs = NULL;

        if (cnt < 0)
                return NOMEM(e, n);
        if (cnt == 0)
                rc = CERR(e, n, "Must specify at least one field to cast.");
        if (cnt > 0 && !(specs = calloc((size_t)cnt, sizeof(*specs))))
                rc = NOMEM(e, n);
        for (int i = 0; rc == 0 && i < cnt; i++) {
                const char *m = items[i], *parts[2] = {"", ""};
                size_t plen[2] = {0, 0}, l = strlen(m);
                int nparts = 0;

                /* String.split(":") drops trailing empty parts */
                while (l > 0 && m[l - 1] == ':')
                        l--;
                for (size_t b = 0, j = 0; l > 0 && j <= l; j++) {
                        if (j < l && m[j] != ':')
                                continue;
                        if (nparts < 2) {
                                parts[nparts] = m + b;
                                plen[nparts] = j - b;
                        }
                        nparts++;
                        b = j + 1;
                }
                if (nparts > 2) {
                        rc = CERR(e, n, "Invalid rename mapping: %s", m);
                        break;
                }
                const char *tp = nparts ? parts[nparts - 1] : "";
                size_t tl = nparts ? plen[nparts - 1] : 0;
                int t = ct_by_upper(tp, tl);
                if (t < 0 || nparts == 0) {
                        char *tt = strndup(tp, tl), *tr = trim_dup(tt);
                        rc = CERR(e, n, "Invalid type found in casting spec: %s", tr ? tr : "");
                        free(tt);
                        free(tr);
                        break;
                }
                if (t > CT_STRING) {
                        rc = CERR(e, n,
                                  "Cast transformation does not support casting to %s; "
                                  "supported types are " CAST_OUT_TYPES,
                                  ct_upper[t]);
                        break;
                }
                if (nparts == 1) {
                        whole = t;
                        continue;
                }
                char *raw = strndup(parts[0], plen[0]), *field = trim_dup(raw);
                free(raw);
                if (!field) {
                        rc = NOMEM(e, n);
                        break;
                }
                int j = 0;
                while (j < ns && strcmp(specs[j].field, field)) /* HashMap.put */
                        j++;
                if (j < ns)
                        free(specs[j].field);
                else
                        ns++;
                specs[j] = (cast_spec_t){field, t};
        }
        if (rc == 0 && whole >= 0 && cnt > 1)
                rc = CERR(e, n, "Cast transformations that specify a type to cast the entire "
                                "value to may ony specify a single cast in their spec");
        sl_config_list_free(items, cnt);
        if (rc < 0 || !specsp) {
                cast_specs_free(specs, ns);
                return rc;
        }
        *specsp = specs;
        *np = ns;
        *wholep = whole;
        return 0;
}

static int cast_spec_validator(const char *name, const char *value, char *e, size_t n)
{
        (void)name;
        return cast_parse(value, NULL, NULL, NULL, e, n);
}

/* Java's (int)/(long) of a double: saturating, NaN is 0. */
static int32_t d2i(double d)
{
        if (isnan(d))
                return 0;
        if (d >= 2147483647.0)
                return INT32_MAX;
        if (d <= -2147483648.0)
                return INT32_MIN;
        return (int32_t)d;
}

static int64_t d2l(double d)
{
        if (isnan(d))
                return 0;
        if (d >= 9223372036854775807.0)
                return INT64_MAX;
        if (d <= -9223372036854775808.0)
                return INT64_MIN;
        return (int64_t)d;
}

/* (float)d with IEEE overflow to infinity (C leaves it undefined). */
static float d2f(double d)
{
        if (d >= 0x1.ffffffp127)
                return (float)INFINITY;
        if (d <= -0x1.ffffffp127)
                return -(float)INFINITY;
        if (d > 0x1.fffffep127)
                return 0x1.fffffep127f;
        if (d < -0x1.fffffep127)
                return -0x1.fffffep127f;
        return (float)d;
}

/* Double.toString / Float.toString */
static int java_fp(double d, bool as_float, sl_buf_t *out)
{
        char e[48], digits[24];
        int p, exp, nd = 0;
        const char *c;
        double mag = d < 0 ? -d : d;

        if (isnan(d))
                return sl_buf_puts(out, "NaN");
        if (isinf(d))
                return sl_buf_puts(out, d < 0 ? "-Infinity" : "Infinity");
        if (d == 0)
                return sl_buf_puts(out, signbit(d) ? "-0.0" : "0.0");
        for (p = 1; p < 17; p++) {
                snprintf(e, sizeof(e), "%.*e", p - 1, d);
                if (as_float ? strtof(e, NULL) == (float)d : strtod(e, NULL) == d)
                        break;
        }
        snprintf(e, sizeof(e), "%.*e", p - 1, d);
        for (c = e; *c && *c != 'e'; c++)
                if (is_digit(*c))
                        digits[nd++] = *c;
        exp = atoi(c + 1);
        while (nd > 1 && digits[nd - 1] == '0')
                nd--;
        digits[nd] = '\0';
        if (d < 0 && sl_buf_putc(out, '-') < 0)
                return SL_ERR_NOMEM;
        if (mag >= 1e-3 && mag < 1e7) {
                if (exp < 0) {
                        if (sl_buf_puts(out, "0.") < 0 || put_zeros(out, -exp - 1) < 0)
                                return SL_ERR_NOMEM;
                        return sl_buf_puts(out, digits);
                }
                for (int k = 0; k <= exp; k++)
                        if (sl_buf_putc(out, k < nd ? digits[k] : '0') < 0)
                                return SL_ERR_NOMEM;
                if (sl_buf_putc(out, '.') < 0)
                        return SL_ERR_NOMEM;
                return sl_buf_puts(out, nd > exp + 1 ? digits + exp + 1 : "0");
        }
        return sl_buf_printf(out, "%c.%sE%d", digits[0], nd > 1 ? digits + 1 : "0", exp);
}

/* ---- Decimal (BigDecimal) values: unscaled two's complement, <= 16 bytes */

static int dec_decode(const sl_json_t *s, const sl_json_t *v, i128_t *unscaled,
                      int32_t *scale, char *e, size_t n)
{
        const unsigned char *b = (const unsigned char *)v->u.str.ptr;
        const char *sc = sl_json_object_get_str(sl_json_object_get(s, "parameters"), "scale");
        u128_t u;

        /* set on every path: -O3 cannot see that DERR is negative */
        *unscaled = 0;
        *scale = 0;
        if (v->u.str.len > 16)
                return DERR(e, n, "Decimal values wider than 16 bytes are not supported "
                                  "by Cast");
        u = v->u.str.len && (b[0] & 0x80) ? ~(u128_t)0 : 0;
        for (size_t i = 0; i < v->u.str.len; i++)
                u = (u << 8) | b[i];
        *unscaled = (i128_t)u;
        *scale = sc ? (int32_t)strtol(sc, NULL, 10) : 0;
        return 0;
}

/* BigDecimal.toString() */
static int dec_to_string(i128_t x, int32_t scale, sl_buf_t *out)
{
        char d[48];
        int nd = 0;
        u128_t mag = x < 0 ? -(u128_t)x : (u128_t)x;
        int64_t adjusted;
        int rc = 0;

        do {
                d[nd++] = (char)('0' + (int)(mag % 10));
                mag /= 10;
        } while (mag);
        for (int i = 0; i < nd / 2; i++) {
                char t = d[i];
                d[i] = d[nd - 1 - i];
                d[nd - 1 - i] = t;
        }
        d[nd] = '\0';
        adjusted = -(int64_t)scale + (nd - 1);
        if (x < 0)
                rc = sl_buf_putc(out, '-');
        if (rc < 0)
                return rc;
        if (scale >= 0 && adjusted >= -6) {
                if (scale == 0)
                        return sl_buf_puts(out, d);
                if (nd > scale)
                        return sl_buf_printf(out, "%.*s.%s", nd - scale, d, d + nd - scale);
                if (sl_buf_puts(out, "0.") < 0 || put_zeros(out, scale - nd) < 0)
                        return SL_ERR_NOMEM;
                return sl_buf_puts(out, d);
        }
        rc = sl_buf_printf(out, "%c%s%s", d[0], nd > 1 ? "." : "", d + 1);
        if (rc == 0)
                rc = sl_buf_printf(out, "E%s%" PRId64, adjusted > 0 ? "+" : "", adjusted);
        return rc;
}

/* BigDecimal.longValue(): truncated toward zero, low 64 bits. */
static int64_t dec_long(i128_t x, int32_t scale)
{
        if (scale > 0) {
                i128_t p = 1;
                if (scale > 38)
                        return 0;
                for (int32_t k = 0; k < scale; k++)
                        p *= 10;
                x /= p;
        } else if (scale < 0) {
                uint64_t r = (uint64_t)(u128_t)x;
                if (scale <= -64)
                        return 0;
                for (int32_t k = 0; k < -scale; k++)
                        r *= 10;
                return (int64_t)r;
        }
        return (int64_t)(uint64_t)(u128_t)x;
}

/* Integer.parseInt and friends: [+-]digits within [lo, hi]. */
static bool java_parse_long(const char *s, size_t len, int64_t lo, int64_t hi, int64_t *out)
{
        size_t i = 0;
        bool neg = false;
        uint64_t acc = 0, lim;

        if (len && (s[0] == '+' || s[0] == '-')) {
                neg = s[0] == '-';
                i = 1;
        }
        if (i == len)
                return false;
        lim = neg ? (uint64_t)(-(lo + 1)) + 1 : (uint64_t)hi;
        for (; i < len; i++) {
                if (!is_digit(s[i]))
                        return false;
                unsigned dg = (unsigned)(s[i] - '0');
                if (acc > (lim - dg) / 10)
                        return false;
                acc = acc * 10 + dg;
        }
        *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
        return true;
}

/* Float.parseFloat / Double.parseDouble */
static bool java_parse_fp(const char *s, size_t len, bool as_float, double *out)
{
        char *buf = strndup(s, len), *b, *q, *end;
        size_t l;
        bool ok = false, neg;

        if (!buf)
                return false;
        b = buf;
        while (*b && (unsigned char)*b <= ' ')
                b++;
        l = strlen(b);
        while (l && (unsigned char)b[l - 1] <= ' ')
                b[--l] = '\0';
        q = b + (*b == '+' || *b == '-');
        neg = *b == '-';
        if (!strcmp(q, "NaN") || !strcmp(q, "Infinity")) {
                *out = *q == 'N' ? (double)NAN : neg ? -(double)INFINITY : (double)INFINITY;
                free(buf);
                return true;
        }
        bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
        if ((is_digit(*q) || *q == '.') && (!hex || strpbrk(q, "pP"))) {
                if (l > 1 && strchr("fFdD", b[l - 1]) && !(hex && !strpbrk(q, "pP")))
                        b[--l] = '\0';
                *out = as_float ? (double)strtof(b, &end) : strtod(b, &end);
                ok = end != b && *end == '\0';
        }
        free(buf);
        return ok;
}

static int cast_to_string(const sl_json_t *s, const sl_json_t *v, sl_json_t **out, char *e,
                          size_t n)
{
        sl_buf_t b = SL_BUF_INIT;
        int rc = 0;

        switch (v->type) {
        case SL_JSON_STRING:
                *out = sl_json_stringn(v->u.str.ptr, v->u.str.len);
                return *out ? 0 : NOMEM(e, n);
        case SL_JSON_INT:
                if (is_date_logical(s))
                        rc = format_java_date(named(s, LN_DATE) ? v->u.i * MS_PER_DAY : v->u.i,
                                              &b);
                else
                        rc = sl_buf_printf(&b, "%" PRId64, v->u.i);
                break;
        case SL_JSON_DOUBLE:
                rc = java_fp(v->u.d, ct_of_schema(s) == CT_FLOAT32, &b);
                break;
        case SL_JSON_BOOL:
                rc = sl_buf_puts(&b, v->u.b ? "true" : "false");
                break;
        case SL_JSON_BYTES:
                if (named(s, LN_DECIMAL)) {
                        i128_t x;
                        int32_t scale;
                        if ((rc = dec_decode(s, v, &x, &scale, e, n)) < 0)
                                return rc;
                        rc = dec_to_string(x, scale, &b);
                } else {
                        rc = sl_base64_encode(v->u.str.ptr, v->u.str.len, &b);
                }
                break;
        default:
                return DERR(e, n, "Unexpected type in Cast transformation: class %s",
                            java_class(s, v));
        }
        if (rc == 0)
                *out = sl_json_stringn(b.data ? b.data : "", b.len);
        sl_buf_free(&b);
        return rc < 0 || !*out ? NOMEM(e, n) : 0;
}

/* A Java Number seen through intValue/longValue/doubleValue... */
typedef struct jnum {
        bool integral;
        int64_t l;
        double d;
} jnum_t;

static sl_json_t *from_number(const jnum_t *x, int target)
{
        int64_t l = x->integral ? x->l : target == CT_INT64 ? d2l(x->d) : d2i(x->d);

        switch (target) {
        case CT_INT8: return sl_json_int((int8_t)(uint8_t)(uint64_t)l);
        case CT_INT16: return sl_json_int((int16_t)(uint16_t)(uint64_t)l);
        case CT_INT32: return sl_json_int((int32_t)(uint32_t)(uint64_t)l);
        case CT_INT64: return sl_json_int(l);
        case CT_FLOAT32: return sl_json_double(x->integral ? (double)(float)x->l : (double)d2f(x->d));
        case CT_FLOAT64: return sl_json_double(x->integral ? (double)x->l : x->d);
        default: return sl_json_bool(x->integral ? x->l != 0 : d2l(x->d) != 0);
        }
}

static int cast_from_string(const sl_json_t *v, int target, sl_json_t **out, char *e, size_t n)
{
        static const int64_t lo[] = {INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN};
        static const int64_t hi[] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};
        const char *s = v->u.str.ptr;
        size_t len = v->u.str.len;
        int64_t l;
        double d;

        if (target <= CT_INT64) {
                if (!java_parse_long(s, len, lo[target], hi[target], &l))
                        goto range;
                *out = sl_json_int(l);
        } else if (target <= CT_FLOAT64) {
                if (!java_parse_fp(s, len, target == CT_FLOAT32, &d))
                        goto range;
                *out = sl_json_double(d);
        } else {
                *out = sl_json_bool(len == 4 && !strncasecmp(s, "true", 4));
        }
        return *out ? 0 : NOMEM(e, n);
range:
        return DERR(e, n, "Value (%.*s) was out of range for requested data type", (int)len, s);
}

/* Cast.castValueToType. *out is NULL for a null value. */
static int cast_value(const sl_json_t *s, const sl_json_t *v, int target, sl_json_t **out,
                      char *e, size_t n)
{
        int in;
        jnum_t x = {0};

        *out = NULL;
        if (is_null(v))
                return 0;
        in = s ? ct_of_schema(s) : ct_of_value(v);
        if (in < 0 || in > CT_BYTES)
                return DERR(e, n,
                            "Cast transformation does not support casting from %s; "
                            "supported types are " CAST_IN_TYPES,
                            in < 0 ? (s ? sl_schema_type(s) : "null") : ct_upper[in]);
        if (target == CT_STRING)
                return cast_to_string(s, v, out, e, n);
        switch (v->type) {
        case SL_JSON_INT:
                x.integral = true;
                x.l = v->u.i;
                break;
        case SL_JSON_DOUBLE:
                x.d = v->u.d;
                break;
        case SL_JSON_BOOL:
                x.integral = true;
                x.l = v->u.b;
                break;
        case SL_JSON_STRING:
                return cast_from_string(v, target, out, e, n);
        case SL_JSON_BYTES:
                if (named(s, LN_DECIMAL)) {
                        i128_t u;
                        int32_t scale;
                        sl_buf_t b = SL_BUF_INIT;
                        int rc = dec_decode(s, v, &u, &scale, e, n);
                        if (rc < 0)
                                return rc;
                        if (target == CT_FLOAT32 || target == CT_FLOAT64) {
                                if (dec_to_string(u, scale, &b) < 0) {
                                        sl_buf_free(&b);
                                        return NOMEM(e, n);
                                }
                                x.d = target == CT_FLOAT32 ? (double)strtof(b.data, NULL)
                                                           : strtod(b.data, NULL);
                                sl_buf_free(&b);
                        } else {
                                x.integral = true;
                                x.l = dec_long(u, scale);
                        }
                        break;
                }
                /* fall through */
        default:
                return DERR(e, n, "Unexpected type in Cast transformation: class %s",
                            java_class(s, v));
        }
        *out = from_number(&x, target);
        return *out ? 0 : NOMEM(e, n);
}

static const cast_spec_t *cast_find(const cast_t *c, const char *field)
{
        for (int i = 0; i < c->n; i++)
                if (!strcmp(c->specs[i].field, field))
                        return &c->specs[i];
        return NULL;
}

static int set_default(sl_json_t *schema, sl_json_t *d)
{
        return d ? sl_json_object_set(schema, "default", d) : 0;
}

/* Cast.getOrBuildSchema */
static int cast_schema(const cast_t *c, const sl_json_t *s, sl_json_t **outp, char *e, size_t n)
{
        sl_json_t *ns, *d;
        int rc = 0;

        if (c->whole >= 0) {
                ns = schema_basics(s, ct_json[c->whole], false);
        } else {
                if (ct_of_schema(s) != CT_STRUCT)
                        return DERR(e, n, "Cannot list fields on non-struct type");
                ns = struct_schema(s, false);
                for (size_t i = 0; ns && rc == 0 && i < nfields(s); i++) {
                        const sl_json_t *fs = field_at(s, i);
                        const cast_spec_t *sp = cast_find(c, fname(fs));
                        sl_json_t *f;
                        if (!sp) {
                                rc = sl_schema_add_field(ns, fname(fs), sl_json_dup(fs), e, n);
                                continue;
                        }
                        f = sl_schema_new(ct_json[sp->type], sl_schema_optional(fs));
                        rc = cast_value(fs, sl_json_object_get(fs, "default"), sp->type, &d, e,
                                        n);
                        if (rc == 0 && !f)
                                sl_json_free(d);
                        if (rc == 0 && (!f || set_default(f, d) < 0))
                                rc = NOMEM(e, n);
                        if (rc == 0)
                                rc = sl_schema_add_field(ns, fname(fs), f, e, n);
                        else
                                sl_json_free(f);
                }
        }
        if (!ns)
                return NOMEM(e, n);
        if (rc == 0 && sl_schema_optional(s) && set_optional(ns, true) < 0)
                rc = NOMEM(e, n);
        if (rc == 0)
                rc = cast_value(s, sl_json_object_get(s, "default"), ct_of_schema(ns), &d, e, n);
        if (rc == 0 && set_default(ns, d) < 0)
                rc = NOMEM(e, n);
        if (rc < 0) {
                sl_json_free(ns);
                return rc;
        }
        *outp = ns;
        return 0;
}

static int cast_apply(void *st, sl_xrecord_t *rec, char *e, size_t n)
{
        static const char P[] = "cast types";
        const cast_t *c = st;
        sl_json_t **sp = part_schema(rec, c->part), **vp = part_value(rec, c->part);
        const sl_json_t *s = *sp, *v = *vp;
        sl_json_t *ns = NULL, *nv = NULL, *x;
        int rc;

        if (is_null(v))
                return 0;
        if (!s && c->whole >= 0) {
                if ((rc = cast_value(NULL, v, c->whole, &nv, e, n)) < 0)
                        return rc;
        } else if (!s) {
                if ((rc = need_map(v, P, e, n)) < 0)
                        return rc;
                if (!(nv = sl_json_dup(v)))
                        return NOMEM(e, n);
                for (int i = 0; i < c->n; i++) {
                        rc = cast_value(NULL, sl_json_object_get(v, c->specs[i].field),
                                        c->specs[i].type, &x, e, n);
                        if (rc < 0)
                                goto fail;
                        if (sl_json_object_set(nv, c->specs[i].field, x ? x : sl_json_null()) < 0)
                                goto nomem;
                }
        } else {
                if ((rc = cast_schema(c, s, &ns, e, n)) < 0)
                        return rc;
                if (c->whole >= 0) {
                        if ((rc = cast_value(s, v, c->whole, &nv, e, n)) < 0)
                                goto fail;
                } else {
                        if ((rc = need_struct(s, v, P, e, n)) < 0)
                                goto fail;
                        if (!(nv = sl_json_object()))
                                goto nomem;
                        for (size_t i = 0; i < nfields(s); i++) {
                                const sl_json_t *fs = field_at(s, i);
                                const sl_json_t *orig = field_value(v, fs, c->replace);
                                const cast_spec_t *spec = cast_find(c, fname(fs));
                                x = NULL;
                                if (spec && (rc = cast_value(fs, orig, spec->type, &x, e, n)) < 0)
                                        goto fail;
                                if (!spec && orig && !(x = sl_json_dup(orig)))
                                        goto nomem;
                                if (sl_json_object_set(nv, fname(fs), x ? x : sl_json_null()) < 0)
                                        goto nomem;
                        }
                }
                replace_json(sp, ns);
        }
        replace_json(vp, nv);
        return 0;
nomem:
        rc = NOMEM(e, n);
fail:
        sl_json_free(ns);
        sl_json_free(nv);
        return rc;
}

static int cast_init(void **st, sl_xpart_t part, const sl_strmap_t *cfg, char *e, size_t n)
{
        cast_t *c = calloc(1, sizeof(*c));
        const char *spec = sl_config_str(cfg, "spec");
        char why[512];
        int rc;

        if (!c)
                return NOMEM(e, n);
        rc = cast_parse(spec, &c->specs, &c->n, &c->whole, why, sizeof(why));
        if (rc < 0) {
                free(c);
                return rc == SL_ERR_NOMEM
                               ? NOMEM(e, n)
                               : CERR(e, n, "Invalid value %s for configuration spec: %s",
                                      spec ? spec : "", why);
        }
        c->replace = sl_config_bool(cfg, "replace.null.with.default", true);
        c->part = part;
        *st = c;
        return 0;
}

static void cast_destroy(void *st)
{
        cast_t *c = st;
        if (c)
                cast_specs_free(c->specs, c->n);
        free(c);
}

static const sl_config_def_t cast_config[] = {
        {.name = "spec", .type = SL_CFG_LIST, .importance = SL_CFG_HIGH,
         .documentation = "List of fields and the type to cast them to of the form "
                          "field1:type,field2:type to cast fields of Maps or Structs. A "
                          "single type to cast the entire value. Valid types are int8, "
                          "int16, int32, int64, float32, float64, boolean, and string. Note "
                          "that binary fields can only be cast to string.",
         .flags = SL_CFG_REQUIRED, .validator = cast_spec_validator},
        {.name = "replace.null.with.default", .type = SL_CFG_BOOLEAN,
         .default_value = "true", .importance = SL_CFG_MEDIUM, .documentation = RNWD_DOC},
        {0},
};

#define CAST_DOC(k, v)                                                          \
        "Cast fields or the entire key or value to a specific type, e.g. to "  \
        "force an integer field to a smaller width. Cast from integers, "      \
        "floats, boolean and string to any other type, and cast binary to "    \
        "string (base64 encoded).<p/>Use the concrete transformation type "    \
        "designed for the record key (<code>" k "</code>) or value (<code>" v  \
        "</code>)."
#define XF_NAME(n) "org.apache.kafka.connect.transforms." n

const sl_transform_def_t sl_xf_cast_key = {
        .class_name = XF_NAME("Cast$Key"), .part = SL_XPART_KEY, .config = cast_config,
        .init = cast_init, .apply = cast_apply, .destroy = cast_destroy,
        .doc = CAST_DOC(XF_NAME("Cast$Key"), XF_NAME("Cast$Value")),
};

const sl_transform_def_t sl_xf_cast_value = {
        .class_name = XF_NAME("Cast$Value"), .part = SL_XPART_VALUE, .config = cast_config,
        .init = cast_init, .apply = cast_apply, .destroy = cast_destroy,
        .doc = CAST_DOC(XF_NAME("Cast$Key"), XF_NAME("Cast$Value")),
};

/* --------------------------------------------------------------- Flatten */

typedef struct flat {
        char *delim;
        sl_xpart_t part;
} flat_t;

static char *flat_name(const flat_t *c, const char *prefix, const char *name)
{
        char *r;
        if (!*prefix)
                return strdup(name);
        return asprintf(&r, "%s%s%s", prefix, c->delim, name) < 0 ? NULL : r;
}

static int flat_map(const flat_t *c, const sl_json_t *m, const char *prefix, sl_json_t *out,
                    char *e, size_t n)
{
        int rc = 0;

        for (size_t i = 0; rc == 0 && i < m->u.obj.len; i++) {
                const sl_json_t *x = m->u.obj.vals[i];
                char *name = flat_name(c, prefix, m->u.obj.keys[i]);
                if (!name)
                        return NOMEM(e, n);
                if (!is_null(x) && x->type == SL_JSON_OBJECT)
                        rc = flat_map(c, x, name, out, e, n);
                else if (sl_json_object_set(out, name, dup_or_null(is_null(x) ? NULL : x)) < 0)
                        rc = NOMEM(e, n);
                free(name);
        }
        return rc;
}

/* Flatten.buildUpdatedSchema: optional-ness and defaults flow down from
 * the ancestors. */
static int flat_schema(const flat_t *c, const sl_json_t *s, const char *prefix, sl_json_t *ns,
                       bool optional, const sl_json_t *pdef, char *e, size_t n)
{
        int rc = 0;

        for (size_t i = 0; rc == 0 && i < nfields(s); i++) {
                const sl_json_t *fs = field_at(s, i), *def;
                char *name = flat_name(c, prefix, fname(fs));
                bool fopt = optional || sl_schema_optional(fs);
                int t = ct_of_schema(fs);

                if (!name)
                        return NOMEM(e, n);
                def = sl_json_object_get(fs, "default");
                if (is_null(def))
                        def = pdef && pdef->type == SL_JSON_OBJECT
                                      ? sl_json_object_get(pdef, fname(fs))
                                      : NULL;
                if (is_null(def))
                        def = NULL;
                if (t == CT_STRUCT) {
                        rc = flat_schema(c, fs, name, ns, fopt, def, e, n);
                } else if (t >= 0) {
                        sl_json_t *f = sl_json_dup(fs);
                        if (f) {
                                sl_json_object_del(f, "field");
                                sl_json_object_del(f, "default");
                        }
                        if (!f || set_optional(f, fopt) < 0 ||
                            (def && sl_json_object_set(f, "default", sl_json_dup(def)) < 0)) {
                                sl_json_free(f);
                                rc = NOMEM(e, n);
                        } else {
                                rc = sl_schema_add_field(ns, name, f, e, n);
                        }
                } else {
                        const char *ty = sl_schema_type(fs);
                        rc = DERR(e, n,
                                  "Flatten transformation does not support %s for record "
                                  "with schemas (for field %s).",
                                  ty ? ty : "null", name);
                }
                free(name);
        }
        return rc;
}

static int flat_value(const flat_t *c, const sl_json_t *s, const sl_json_t *v,
                      const char *prefix, sl_json_t *out, char *e, size_t n)
{
        int rc = 0;

        if (is_null(v) || v->type != SL_JSON_OBJECT)
                return 0;
        for (size_t i = 0; rc == 0 && i < nfields(s); i++) {
                const sl_json_t *fs = field_at(s, i), *x = field_value(v, fs, true);
                char *name = flat_name(c, prefix, fname(fs));
                if (!name)
                        return NOMEM(e, n);
                if (ct_of_schema(fs) == CT_STRUCT)
                        rc = flat_value(c, fs, x, name, out, e, n);
                else if (sl_json_object_set(out, name, dup_or_null(x)) < 0)
                        rc = NOMEM(e, n);
                free(name);
        }
        return rc;
}

static int flat_apply(void *st, sl_xrecord_t *rec, char *e, size_t n)
{
        static const char P[] = "flattening";
        const flat_t *c = st;
        sl_json_t **sp = part_schema(rec, c->part), **vp = part_value(rec, c->part);
        const sl_json_t *s = *sp, *v = *vp;
        sl_json_t *ns = NULL, *nv;
        int rc;

        if (is_null(v))
                return 0;
        if (!s) {
                if ((rc = need_map(v, P, e, n)) < 0)
                        return rc;
                if (!(nv = sl_json_object()))
                        return NOMEM(e, n);
                rc = flat_map(c, v, "", nv, e, n);
        } else {
                if ((rc = need_struct(s, v, P, e, n)) < 0)
                        return rc;
                ns = struct_schema(s, false);
                nv = sl_json_object();
                if (!ns || !nv)
                        rc = NOMEM(e, n);
                if (rc == 0)
                        rc = flat_schema(c, s, "", ns, sl_schema_optional(s),
                                         sl_json_object_get(s, "default"), e, n);
                if (rc == 0)
                        rc = flat_value(c, s, v, "", nv, e, n);
        }
        if (rc < 0) {
                sl_json_free(ns);
                sl_json_free(nv);
                return rc;
        }
        if (s)
                replace_json(sp, ns);
        replace_json(vp, nv);
        return 0;
}

static int flat_init(void **st, sl_xpart_t part, const sl_strmap_t *cfg, char *e, size_t n)
{
        flat_t *c = calloc(1, sizeof(*c));
        const char *d = sl_config_str(cfg, "delimiter");

        if (!c || !(c->delim = trim_dup(d ? d : "."))) {
                free(c);
                return NOMEM(e, n);
        }
        c->part = part;
        *st = c;
        return 0;
}

static void flat_destroy(void *st)
{
        flat_t *c = st;
        if (c)
                free(c->delim);
        free(c);
}

static const sl_config_def_t flat_config[] = {
        {.name = "delimiter", .type = SL_CFG_STRING, .default_value = ".",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Delimiter to insert between field names from the input record "
                          "when generating field names for the output record"},
        {0},
};

#define FLAT_DOC                                                                       \
        "Flatten a nested data structure, generating names for each field by "         \
        "concatenating the field names at each level with a configurable delimiter "   \
        "character. Applies to Struct when schema present, or a Map in the case of "   \
        "schemaless data. The default delimiter is '.'.<p/>Use the concrete transformation type designed "  \
        "for the record key (<code>" XF_NAME("Flatten$Key") "</code>) or value "       \
        "(<code>" XF_NAME("Flatten$Value") "</code>)."

const sl_transform_def_t sl_xf_flatten_key = {
        .class_name = XF_NAME("Flatten$Key"), .part = SL_XPART_KEY, .config = flat_config,
        .init = flat_init, .apply = flat_apply, .destroy = flat_destroy, .doc = FLAT_DOC,
};

const sl_transform_def_t sl_xf_flatten_value = {
        .class_name = XF_NAME("Flatten$Value"), .part = SL_XPART_VALUE, .config = flat_config,
        .init = flat_init, .apply = flat_apply, .destroy = flat_destroy, .doc = FLAT_DOC,
};

/* ----------------------------------------------------- SetSchemaMetadata */

typedef struct ssm {
        char *name; /* NULL: keep */
        bool has_version;
        int32_t version;
        bool replace;
        sl_xpart_t part;
} ssm_t;

static int ssm_init(void **st, sl_xpart_t part, const sl_strmap_t *cfg, char *e, size_t n)
{
        ssm_t *c = calloc(1, sizeof(*c));
        const char *name = sl_config_str(cfg, "schema.name");

        if (!c)
                return NOMEM(e, n);
        if (name && !(c->name = trim_dup(name))) {
                free(c);
                return NOMEM(e, n);
        }
        c->has_version = sl_config_str(cfg, "schema.version") != NULL;
        c->version = (int32_t)sl_config_long(cfg, "schema.version", 0);
        if (!c->name && !c->has_version) {
                free(c);
                return CERR(e, n, "Neither schema name nor version configured");
        }
        c->replace = sl_config_bool(cfg, "replace.null.with.default", true);
        c->part = part;
        *st = c;
        return 0;
}

static int ssm_apply(void *st, sl_xrecord_t *rec, char *e, size_t n)
{
        const ssm_t *c = st;
        sl_json_t **sp = part_schema(rec, c->part), **vp = part_value(rec, c->part);
        const sl_json_t *s = *sp, *v = *vp;
        sl_json_t *ns, *nv = NULL;

        if (is_null(v) && !s)
                return 0;
        if (!s)
                return DERR(e, n, "Schema required for [updating schema metadata]");
        if (!(ns = sl_json_dup(s)) ||
            (c->name && sl_json_object_set(ns, "name", sl_json_string(c->name)) < 0) ||
            (c->has_version && sl_json_object_set(ns, "version", sl_json_int(c->version)) < 0))
                goto nomem;
        /* updateSchemaIn: a Struct is copied field by field (Struct.get or
         * getWithoutDefault); other values are kept */
        if (is_struct(s, v)) {
                if (!(nv = sl_json_object()))
                        goto nomem;
                for (size_t i = 0; i < nfields(s); i++) {
                        const sl_json_t *fs = field_at(s, i);
                        if (sl_json_object_set(nv, fname(fs),
                                               dup_or_null(field_value(v, fs, c->replace))) < 0)
                                goto nomem;
                }
                replace_json(vp, nv);
        }
        replace_json(sp, ns);
        return 0;
nomem:
        sl_json_free(ns);
        sl_json_free(nv);
        return NOMEM(e, n);
}

static void ssm_destroy(void *st)
{
        ssm_t *c = st;
        if (c)
                free(c->name);
        free(c);
}

static const sl_config_def_t ssm_config[] = {
        {.name = "schema.name", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "Schema name to set."},
        {.name = "schema.version", .type = SL_CFG_INT, .importance = SL_CFG_HIGH,
         .documentation = "Schema version to set."},
        {.name = "replace.null.with.default", .type = SL_CFG_BOOLEAN,
         .default_value = "true", .importance = SL_CFG_MEDIUM, .documentation = RNWD_DOC},
        {0},
};

#define SSM_DOC                                                                      \
        "Set the schema name, version or both on the record's key (<code>"           \
        XF_NAME("SetSchemaMetadata$Key") "</code>) or value (<code>"                 \
        XF_NAME("SetSchemaMetadata$Value") "</code>) schema."

const sl_transform_def_t sl_xf_set_schema_metadata_key = {
        .class_name = XF_NAME("SetSchemaMetadata$Key"), .part = SL_XPART_KEY,
        .config = ssm_config, .init = ssm_init, .apply = ssm_apply, .destroy = ssm_destroy,
        .doc = SSM_DOC,
};

const sl_transform_def_t sl_xf_set_schema_metadata_value = {
        .class_name = XF_NAME("SetSchemaMetadata$Value"), .part = SL_XPART_VALUE,
        .config = ssm_config, .init = ssm_init, .apply = ssm_apply, .destroy = ssm_destroy,
        .doc = SSM_DOC,
};

/* ---------------------------------------------------- TimestampConverter */

enum { TT_STRING, TT_UNIX, TT_DATE, TT_TIME, TT_TIMESTAMP };
static const char *const TT_NAMES[] = {"string", "unix", "Date", "Time", "Timestamp", NULL};
/* Kafka's order, which its "must be one of" message shows */
enum { UP_NANOS, UP_MICROS, UP_MILLIS, UP_SECONDS };
static const char *const UP_NAMES[] = {"nanoseconds", "microseconds", "milliseconds",
                                       "seconds", NULL};

typedef struct tsc {
        char *field; /* "": the whole value */
        int type;
        sl_datefmt_t *fmt; /* NULL when format is blank */
        int precision;
        bool replace;
        sl_xpart_t part;
} tsc_t;

static int tt_validator(const char *name, const char *value, char *e, size_t n)
{
        (void)name;
        return one_of(value, TT_NAMES, e, n);
}

static int up_validator(const char *name, const char *value, char *e, size_t n)
{
        (void)name;
        return one_of(value, UP_NAMES, e, n);
}

static int64_t sat_mul(int64_t a, int64_t b)
{
        int64_t r;
        if (__builtin_mul_overflow(a, b, &r))
                return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
        return r;
}

/* TimestampTranslator.toRaw: the instant (java.util.Date) in ms. */
static int tsc_to_raw(const tsc_t *c, int from, const sl_json_t *s, const sl_json_t *v,
                      int64_t *ms, char *e, size_t n)
{
        switch (from) {
        case TT_STRING:
                if (v->type != SL_JSON_STRING)
                        return DERR(e, n,
                                    "Expected string timestamp to be a String, but found "
                                    "class %s",
                                    java_class(s, v));
                if (!c->fmt)
                        return DERR(e, n, "TimestampConverter requires format option to be "
                                          "specified when using string timestamps");
                if (!sl_datefmt_parse(c->fmt, v->u.str.ptr, v->u.str.len, ms))
                        return DERR(e, n,
                                    "Could not parse timestamp: value (%.*s) does not match "
                                    "pattern (%s)",
                                    (int)v->u.str.len, v->u.str.ptr, sl_datefmt_pattern(c->fmt));
                return 0;
        case TT_UNIX:
                if (v->type != SL_JSON_INT)
                        return DERR(e, n,
                                    "Expected Unix timestamp to be a Long, but found class %s",
                                    java_class(s, v));
                *ms = c->precision == UP_SECONDS  ? sat_mul(v->u.i, 1000)
                      : c->precision == UP_MICROS ? v->u.i / 1000
                      : c->precision == UP_NANOS  ? v->u.i / 1000000
                                                  : v->u.i;
                return 0;
        default:
                /* Connect's logical Date/Time/Timestamp: days, ms of day, ms */
                if (v->type != SL_JSON_INT)
                        return DERR(e, n, "Expected %s to be a java.util.Date, but found class %s",
                                    TT_NAMES[from], java_class(s, v));
                *ms = from == TT_DATE ? sat_mul(v->u.i, MS_PER_DAY) : v->u.i;
                return 0;
        }
}

/* TimestampTranslator.toType. Schemaless Date/Time/Timestamp results are
 * java.util.Date objects in Kafka; we hold their epoch millis. */
static sl_json_t *tsc_to_type(const tsc_t *c, int64_t ms, bool schemaful)
{
        sl_buf_t b = SL_BUF_INIT;
        sl_json_t *r = NULL;

        switch (c->type) {
        case TT_STRING:
                if (sl_datefmt_format(c->fmt, ms, &b) == 0)
                        r = sl_json_stringn(b.data ? b.data : "", b.len);
                sl_buf_free(&b);
                return r;
        case TT_UNIX:
                return sl_json_int(c->precision == UP_SECONDS  ? ms / 1000
                                   : c->precision == UP_MICROS ? sat_mul(ms, 1000)
                                   : c->precision == UP_NANOS  ? sat_mul(ms, 1000000)
                                                               : ms);
        case TT_DATE:
                return sl_json_int(schemaful ? sl_floordiv(ms, MS_PER_DAY)
                                             : sl_floordiv(ms, MS_PER_DAY) * MS_PER_DAY);
        case TT_TIME:
                return sl_json_int(sl_floormod(ms, MS_PER_DAY));
        default:
                return sl_json_int(ms);
        }
}

static sl_json_t *tsc_type_schema(int type, bool optional)
{
        static const char *const base[] = {"string", "int64", "int32", "int32", "int64"};
        static const char *const name[] = {NULL, NULL, LN_DATE, LN_TIME, LN_TIMESTAMP};
        sl_json_t *s = sl_schema_new(base[type], optional);

        if (s && name[type] &&
            (sl_json_object_set(s, "name", sl_json_string(name[type])) < 0 ||
             sl_json_object_set(s, "version", sl_json_int(1)) < 0)) {
                sl_json_free(s);
                return NULL;
        }
        return s;
}

/* timestampTypeFromSchema (a ConnectException in Kafka) */
static int tsc_type_of_schema(const sl_json_t *s, int *type, char *e, size_t n)
{
        int t = ct_of_schema(s);
        const char *name = sl_json_object_get_str(s, "name");

        *type = named(s, LN_TIMESTAMP) ? TT_TIMESTAMP
                : named(s, LN_DATE)    ? TT_DATE
                : named(s, LN_TIME)    ? TT_TIME
                : t == CT_STRING       ? TT_STRING
                : t == CT_INT64        ? TT_UNIX
                                       : -1;
        if (*type >= 0)
                return 0;
        return DERR(e, n, "Schema Schema{%s%s%s} does not correspond to a known timestamp type "
                          "format",
                    name ? name : "", name ? ":" : "", t >= 0 ? ct_upper[t] : "null");
}

/* convertTimestamp; from < 0 infers the type from the value. */
static int tsc_convert(const tsc_t *c, int from, const sl_json_t *s, const sl_json_t *v,
                       bool schemaful, sl_json_t **out, char *e, size_t n)
{
        int64_t ms = 0;
        int rc;

        *out = NULL;
        if (is_null(v))
                return 0;
        if (from < 0) {
                if (v->type == SL_JSON_INT)
                        from = TT_UNIX;
                else if (v->type == SL_JSON_STRING)
                        from = TT_STRING;
                else
                        return DERR(e, n, "TimestampConverter does not support class %s "
                                          "objects as timestamps",
                                    java_class(s, v));
        }
        if ((rc = tsc_to_raw(c, from, s, v, &ms, e, n)) < 0)
                return rc;
        return (*out = tsc_to_type(c, ms, schemaful)) ? 0 : NOMEM(e, n);
}

/* applyValueWithSchema */
static int tsc_struct(const tsc_t *c, const sl_json_t *s, const sl_json_t *v, sl_json_t **out,
                      char *e, size_t n)
{
        sl_json_t *nv = sl_json_object(), *x;
        int rc = 0, from;

        for (size_t i = 0; nv && rc == 0 && i < nfields(s); i++) {
                const sl_json_t *fs = field_at(s, i), *orig = field_value(v, fs, c->replace);
                x = NULL;
                if (!strcmp(fname(fs), c->field)) {
                        rc = tsc_type_of_schema(fs, &from, e, n);
                        if (rc == 0)
                                rc = tsc_convert(c, from, fs, orig, true, &x, e, n);
                } else if (orig && !(x = sl_json_dup(orig))) {
                        rc = NOMEM(e, n);
                }
                if (rc == 0 && sl_json_object_set(nv, fname(fs), x ? x : sl_json_null()) < 0)
                        rc = NOMEM(e, n);
        }
        if (!nv)
                rc = NOMEM(e, n);
        if (rc < 0) {
                sl_json_free(nv);
                return rc;
        }
        *out = nv;
        return 0;
}

static int tsc_apply(void *st, sl_xrecord_t *rec, char *e, size_t n)
{
        static const char P[] = "converting timestamp formats";
        const tsc_t *c = st;
        sl_json_t **sp = part_schema(rec, c->part), **vp = part_value(rec, c->part);
        const sl_json_t *s = *sp, *v = *vp, *def;
        sl_json_t *ns = NULL, *nv = NULL, *x;
        int rc, from;

        if (!s) {
                if (is_null(v))
                        return 0;
                if (!*c->field) {
                        if ((rc = tsc_convert(c, -1, NULL, v, false, &nv, e, n)) < 0)
                                return rc;
                } else {
                        if ((rc = need_map(v, P, e, n)) < 0)
                                return rc;
                        rc = tsc_convert(c, -1, NULL, sl_json_object_get(v, c->field), false,
                                         &x, e, n);
                        if (rc < 0)
                                return rc;
                        if (!(nv = sl_json_dup(v)) ||
                            sl_json_object_set(nv, c->field, x ? x : sl_json_null()) < 0) {
                                if (!nv)
                                        sl_json_free(x);
                                sl_json_free(nv);
                                return NOMEM(e, n);
                        }
                }
                replace_json(vp, nv);
                return 0;
        }
        if (!*c->field) {
                if ((rc = tsc_type_of_schema(s, &from, e, n)) < 0)
                        return rc;
                if (!(ns = tsc_type_schema(c->type, sl_schema_optional(s))))
                        return NOMEM(e, n);
                if ((rc = tsc_convert(c, from, s, v, true, &nv, e, n)) < 0)
                        goto fail;
        } else {
                if (!is_null(v) && (rc = need_struct(s, v, P, e, n)) < 0)
                        return rc;
                if (ct_of_schema(s) != CT_STRUCT)
                        return DERR(e, n, "Cannot list fields on non-struct type");
                if (!(ns = struct_schema(s, sl_schema_optional(s))))
                        return NOMEM(e, n);
                for (size_t i = 0; i < nfields(s); i++) {
                        const sl_json_t *fs = field_at(s, i);
                        x = !strcmp(fname(fs), c->field)
                                    ? tsc_type_schema(c->type, sl_schema_optional(fs))
                                    : sl_json_dup(fs);
                        if ((rc = sl_schema_add_field(ns, fname(fs), x, e, n)) < 0)
                                goto fail;
                }
                def = sl_json_object_get(s, "default");
                if (!is_null(def) && def->type == SL_JSON_OBJECT) {
                        if ((rc = tsc_struct(c, s, def, &x, e, n)) < 0)
                                goto fail;
                        if (sl_json_object_set(ns, "default", x) < 0)
                                goto nomem;
                }
                if (!is_null(v) && (rc = tsc_struct(c, s, v, &nv, e, n)) < 0)
                        goto fail;
        }
        replace_json(sp, ns);
        if (nv)
                replace_json(vp, nv);
        return 0;
nomem:
        rc = NOMEM(e, n);
fail:
        sl_json_free(ns);
        sl_json_free(nv);
        return rc;
}

static void tsc_destroy(void *st)
{
        tsc_t *c = st;
        if (c) {
                free(c->field);
                sl_datefmt_free(c->fmt);
        }
        free(c);
}

static int tsc_init(void **st, sl_xpart_t part, const sl_strmap_t *cfg, char *e, size_t n)
{
        tsc_t *c = calloc(1, sizeof(*c));
        const char *tt = sl_config_str(cfg, "target.type");
        const char *up = sl_config_str(cfg, "unix.precision");
        char *pattern = NULL, why[128];
        int rc = 0;

        if (!c || !(c->field = trim_dup(sl_config_str(cfg, "field"))) ||
            !(pattern = trim_dup(sl_config_str(cfg, "format")))) {
                rc = NOMEM(e, n);
                goto out;
        }
        c->type = index_of(tt ? tt : "", TT_NAMES);
        c->precision = up ? index_of(up, UP_NAMES) : UP_MILLIS;
        c->replace = sl_config_bool(cfg, "replace.null.with.default", true);
        c->part = part;
        if (c->type < 0 || c->precision < 0) {
                rc = c->type < 0 ? tt_validator(NULL, tt ? tt : "", why, sizeof(why))
                                 : up_validator(NULL, up, why, sizeof(why));
                rc = CERR(e, n, "Invalid value %s for configuration %s: %s",
                          c->type < 0 ? (tt ? tt : "") : up,
                          c->type < 0 ? "target.type" : "unix.precision", why);
                goto out;
        }
        if (c->type == TT_STRING && !*pattern) {
                rc = CERR(e, n, "TimestampConverter requires format option to be specified "
                                "when using string timestamps");
                goto out;
        }
        if (*pattern && !(c->fmt = sl_datefmt_compile(pattern, why, sizeof(why)))) {
                rc = CERR(e, n, "TimestampConverter requires a SimpleDateFormat-compatible "
                                "pattern for string timestamps: %s",
                          pattern);
                goto out;
        }
out:
        free(pattern);
        if (rc < 0) {
                tsc_destroy(c);
                return rc;
        }
        *st = c;
        return 0;
}

static const sl_config_def_t tsc_config[] = {
        {.name = "field", .type = SL_CFG_STRING, .default_value = "",
         .importance = SL_CFG_HIGH,
         .documentation = "The field containing the timestamp, or empty if the entire value "
                          "is a timestamp"},
        {.name = "target.type", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "The desired timestamp representation: string, unix, Date, Time, "
                          "or Timestamp",
         .flags = SL_CFG_REQUIRED, .validator = tt_validator},
        {.name = "format", .type = SL_CFG_STRING, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "A SimpleDateFormat-compatible format for the timestamp. Used to "
                          "generate the output when type=string or used to parse the input "
                          "if the input is a string."},
        {.name = "unix.precision", .type = SL_CFG_STRING, .default_value = "milliseconds",
         .importance = SL_CFG_LOW,
         .documentation = "The desired Unix precision for the timestamp: seconds, "
                          "milliseconds, microseconds, or nanoseconds. Used to generate the "
                          "output when type=unix or used to parse the input if the input is "
                          "a Long.Note: This SMT will cause precision loss during "
                          "conversions from, and to, values with sub-millisecond components.",
         .validator = up_validator},
        {.name = "replace.null.with.default", .type = SL_CFG_BOOLEAN,
         .default_value = "true", .importance = SL_CFG_MEDIUM, .documentation = RNWD_DOC},
        {0},
};

#define TSC_DOC                                                                        \
        "Convert timestamps between different formats such as Unix epoch, strings, "   \
        "and Connect Date/Timestamp types.Applies to individual fields or to the "      \
        "entire value.<p/>Use the concrete transformation type designed for the "      \
        "record key (<code>" XF_NAME("TimestampConverter$Key") "</code>) or value "    \
        "(<code>" XF_NAME("TimestampConverter$Value") "</code>)."

const sl_transform_def_t sl_xf_timestamp_converter_key = {
        .class_name = XF_NAME("TimestampConverter$Key"), .part = SL_XPART_KEY,
        .config = tsc_config, .init = tsc_init, .apply = tsc_apply, .destroy = tsc_destroy,
        .doc = TSC_DOC,
};

const sl_transform_def_t sl_xf_timestamp_converter_value = {
        .class_name = XF_NAME("TimestampConverter$Value"), .part = SL_XPART_VALUE,
        .config = tsc_config, .init = tsc_init, .apply = tsc_apply, .destroy = tsc_destroy,
        .doc = TSC_DOC,
};
