/* org.apache.kafka.connect.json.JsonConverter: the {"schema","payload"}
 * envelope, or plain JSON with schemas.enable=false. */
#include <inttypes.h>
#include <math.h> /* isfinite: a macro, no libm */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/converter_int.h"

typedef struct json_conv {
        bool schemas_enable;
        bool decimal_numeric;
        bool replace_null;
} json_conv_t;

/* Per-call context so the recursive walkers can report errors. */
typedef struct jctx {
        const json_conv_t *cfg;
        char *errstr;
        size_t errstr_size;
} jctx_t;

#define TRY(x)                                                                 \
        do {                                                                   \
                int _rc = (x);                                                 \
                if (_rc < 0)                                                   \
                        return _rc;                                            \
        } while (0)

#define CERR(c, ...) sl_seterr((c)->errstr, (c)->errstr_size, SL_ERR_CONVERT, \
                               __VA_ARGS__)

static const char *const envelope_msg =
        "JsonConverter with schemas.enable requires \"schema\" and "
        "\"payload\" fields and may not contain additional fields. If you are "
        "trying to deserialize plain JSON data, set schemas.enable=false in "
        "your converter configuration.";

static int json_init(const sl_strmap_t *config, bool is_key, void **statep,
                     char *errstr, size_t errstr_size)
{
        (void)is_key;
        json_conv_t cfg;
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
        json_conv_t *st = malloc(sizeof(*st));
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

/* ------------------------------------------------------- schema helpers */

static const sl_json_t *sub(const sl_json_t *schema, const char *key)
{
        return schema && schema->type == SL_JSON_OBJECT
                       ? sl_json_object_get(schema, key)
                       : NULL;
}

static bool is_type(const char *t, const char *want)
{
        return t && !strcmp(t, want);
}

static bool is_decimal(const sl_json_t *schema)
{
        const sl_json_t *n = sub(schema, "name");
        return n && n->type == SL_JSON_STRING &&
               !strcmp(n->u.str.ptr, SL_DECIMAL_LOGICAL);
}

static bool int_range(const char *t, int64_t *lo, int64_t *hi)
{
        static const struct {
                const char *t;
                int64_t lo, hi;
        } r[] = {
                {"int8", INT8_MIN, INT8_MAX},
                {"int16", INT16_MIN, INT16_MAX},
                {"int32", INT32_MIN, INT32_MAX},
                {"int64", INT64_MIN, INT64_MAX},
        };
        for (size_t i = 0; t && i < sizeof(r) / sizeof(r[0]); i++)
                if (!strcmp(t, r[i].t)) {
                        *lo = r[i].lo;
                        *hi = r[i].hi;
                        return true;
                }
        return false;
}

static bool known_type(const char *t)
{
        static const char *const types[] = {
                "int8",  "int16",  "int32",   "int64",  "float",
                "double", "boolean", "string", "bytes", "array",
                "map",   "struct", NULL,
        };
        for (size_t i = 0; t && types[i]; i++)
                if (!strcmp(t, types[i]))
                        return true;
        return false;
}

/* Structural checks shared by both directions, so a bad schema fails
 * even when the payload never reaches the offending part. */
static int check_schema(jctx_t *c, const sl_json_t *s)
{
        const char *t = sl_conv_schema_type(s);
        if (!s || s->type != SL_JSON_OBJECT)
                return CERR(c, "Schema must be a JSON object");
        if (!t)
                return CERR(c, "Schema must contain 'type' field");
        if (!known_type(t))
                return CERR(c, "Unknown schema type: %s", t);
        if (is_type(t, "array")) {
                if (!sub(s, "items"))
                        return CERR(c, "Array schema did not specify the "
                                       "element type");
                return check_schema(c, sub(s, "items"));
        }
        if (is_type(t, "map")) {
                if (!sub(s, "keys") || !sub(s, "values"))
                        return CERR(c, "Map schema did not specify the %s "
                                       "type",
                                    sub(s, "keys") ? "value" : "key");
                TRY(check_schema(c, sub(s, "keys")));
                return check_schema(c, sub(s, "values"));
        }
        if (is_type(t, "struct")) {
                const sl_json_t *f = sub(s, "fields");
                if (!f || f->type != SL_JSON_ARRAY)
                        return CERR(c, "Struct schema's \"fields\" argument "
                                       "is not an array.");
                for (size_t i = 0; i < f->u.arr.len; i++) {
                        if (!sl_json_object_get_str(f->u.arr.items[i],
                                                    "field"))
                                return CERR(c, "Struct schema's field name "
                                               "not specified properly");
                        TRY(check_schema(c, f->u.arr.items[i]));
                }
        }
        int32_t scale;
        if (is_decimal(s) && sl_conv_decimal_scale(s, &scale) < 0)
                return CERR(c, "Invalid scale parameter for Decimal schema");
        return 0;
}

/* ------------------------------------------------ Connect data -> JSON */

static int write_value(jctx_t *c, const sl_json_t *schema,
                       const sl_json_t *v, sl_buf_t *out);

/* Kafka's asJsonSchema() field order, so envelopes match byte for byte. */
static int write_schema(const sl_json_t *s, sl_buf_t *out)
{
        const char *t = sl_conv_schema_type(s);
        TRY(sl_buf_puts(out, "{\"type\":"));
        TRY(sl_json_write_string(out, t, strlen(t)));
        if (is_type(t, "array")) {
                TRY(sl_buf_puts(out, ",\"items\":"));
                TRY(write_schema(sub(s, "items"), out));
        } else if (is_type(t, "map")) {
                TRY(sl_buf_puts(out, ",\"keys\":"));
                TRY(write_schema(sub(s, "keys"), out));
                TRY(sl_buf_puts(out, ",\"values\":"));
                TRY(write_schema(sub(s, "values"), out));
        } else if (is_type(t, "struct")) {
                const sl_json_t *f = sub(s, "fields");
                TRY(sl_buf_puts(out, ",\"fields\":["));
                for (size_t i = 0; i < f->u.arr.len; i++) {
                        const sl_json_t *fs = f->u.arr.items[i];
                        const char *name = sl_json_object_get_str(fs, "field");
                        if (i)
                                TRY(sl_buf_putc(out, ','));
                        TRY(write_schema(fs, out));
                        out->len--; /* reopen the object to add "field" */
                        TRY(sl_buf_puts(out, ",\"field\":"));
                        TRY(sl_json_write_string(out, name, strlen(name)));
                        TRY(sl_buf_putc(out, '}'));
                }
                TRY(sl_buf_putc(out, ']'));
        }
        TRY(sl_buf_printf(out, ",\"optional\":%s",
                          sl_conv_schema_optional(s) ? "true" : "false"));
        static const char *const extra[] = {"name", "version", "doc",
                                            "parameters", "default", NULL};
        for (size_t i = 0; extra[i]; i++) {
                const sl_json_t *x = sub(s, extra[i]);
                if (!x || x->type == SL_JSON_NULL)
                        continue;
                TRY(sl_buf_printf(out, ",\"%s\":", extra[i]));
                TRY(sl_json_write(x, out));
        }
        return sl_buf_putc(out, '}');
}

static int write_number(double d, bool as_float, sl_buf_t *out)
{
        /* Jackson quotes non-finite numbers rather than emit bad JSON. */
        if (!isfinite(d)) {
                TRY(sl_buf_putc(out, '"'));
                TRY(sl_format_java_double(d, as_float, out));
                return sl_buf_putc(out, '"');
        }
        return sl_format_java_double(d, as_float, out);
}

static int write_bytes(jctx_t *c, const sl_json_t *schema,
                       const sl_json_t *v, sl_buf_t *out)
{
        int32_t scale;
        if (c->cfg->decimal_numeric && is_decimal(schema) &&
            sl_conv_decimal_scale(schema, &scale) == 0)
                return sl_format_decimal((const unsigned char *)v->u.str.ptr,
                                         v->u.str.len, scale, true, out);
        TRY(sl_buf_putc(out, '"'));
        TRY(sl_base64_encode(v->u.str.ptr, v->u.str.len, out));
        return sl_buf_putc(out, '"');
}

/* A map whose keys are not strings is written as [[k,v],...]; our OBJECT
 * keys hold the keys' JSON text. */
static int write_map_pairs(jctx_t *c, const sl_json_t *schema,
                           const sl_json_t *v, sl_buf_t *out)
{
        const sl_json_t *ks = sub(schema, "keys"), *vs = sub(schema, "values");
        TRY(sl_buf_putc(out, '['));
        size_t n = v->type == SL_JSON_OBJECT ? v->u.obj.len : v->u.arr.len;
        for (size_t i = 0; i < n; i++) {
                const sl_json_t *k, *val;
                sl_json_t *parsed = NULL;
                if (v->type == SL_JSON_OBJECT) {
                        const char *key = v->u.obj.keys[i];
                        parsed = sl_json_parse(key, strlen(key), NULL, 0);
                        if (!parsed)
                                return CERR(c, "Invalid key for %s map: %s",
                                            sl_conv_type_upper(
                                                    sl_conv_schema_type(ks)),
                                            key);
                        k = parsed;
                        val = v->u.obj.vals[i];
                } else {
                        const sl_json_t *p = v->u.arr.items[i];
                        if (!p || p->type != SL_JSON_ARRAY || p->u.arr.len != 2)
                                return CERR(c, "Map entries of a map with "
                                               "non-string keys must be "
                                               "[key, value] pairs");
                        k = p->u.arr.items[0];
                        val = p->u.arr.items[1];
                }
                int rc = sl_buf_puts(out, i ? ",[" : "[");
                if (rc == 0)
                        rc = write_value(c, ks, k, out);
                if (rc == 0)
                        rc = sl_buf_putc(out, ',');
                if (rc == 0)
                        rc = write_value(c, vs, val, out);
                sl_json_free(parsed);
                TRY(rc);
                TRY(sl_buf_putc(out, ']'));
        }
        return sl_buf_putc(out, ']');
}

static int write_object(jctx_t *c, const sl_json_t *schema,
                        const sl_json_t *v, sl_buf_t *out)
{
        const sl_json_t *vs = sub(schema, "values");
        TRY(sl_buf_putc(out, '{'));
        for (size_t i = 0; i < v->u.obj.len; i++) {
                const char *k = v->u.obj.keys[i];
                if (i)
                        TRY(sl_buf_putc(out, ','));
                TRY(sl_json_write_string(out, k, strlen(k)));
                TRY(sl_buf_putc(out, ':'));
                TRY(write_value(c, vs, v->u.obj.vals[i], out));
        }
        return sl_buf_putc(out, '}');
}

static int write_struct(jctx_t *c, const sl_json_t *schema,
                        const sl_json_t *v, sl_buf_t *out)
{
        const sl_json_t *f = sub(schema, "fields");
        TRY(sl_buf_putc(out, '{'));
        for (size_t i = 0; i < f->u.arr.len; i++) {
                const sl_json_t *fs = f->u.arr.items[i];
                const char *name = sl_json_object_get_str(fs, "field");
                if (i)
                        TRY(sl_buf_putc(out, ','));
                TRY(sl_json_write_string(out, name, strlen(name)));
                TRY(sl_buf_putc(out, ':'));
                TRY(write_value(c, fs, sl_json_object_get(v, name), out));
        }
        return sl_buf_putc(out, '}');
}

static int write_array(jctx_t *c, const sl_json_t *schema,
                       const sl_json_t *v, sl_buf_t *out)
{
        TRY(sl_buf_putc(out, '['));
        for (size_t i = 0; i < v->u.arr.len; i++) {
                if (i)
                        TRY(sl_buf_putc(out, ','));
                TRY(write_value(c, sub(schema, "items"), v->u.arr.items[i],
                                out));
        }
        return sl_buf_putc(out, ']');
}

static int write_null(jctx_t *c, const sl_json_t *schema, sl_buf_t *out)
{
        const sl_json_t *def = sub(schema, "default");
        /* Schema defaults are kept in their JSON (payload) form. */
        if (def && def->type != SL_JSON_NULL && c->cfg->replace_null)
                return sl_json_write(def, out);
        if (!schema || sl_conv_schema_optional(schema))
                return sl_buf_puts(out, "null");
        return CERR(c, "Conversion error: null value for field that is "
                       "required and has no default value");
}

static int write_value(jctx_t *c, const sl_json_t *schema,
                       const sl_json_t *v, sl_buf_t *out)
{
        if (!v || v->type == SL_JSON_NULL)
                return write_null(c, schema, out);
        const char *t = sl_conv_schema_type(schema);
        int64_t lo, hi;
        bool ok;
        if (!t) /* schemaless: the value's own shape decides */
                ok = true;
        else if (int_range(t, &lo, &hi))
                ok = v->type == SL_JSON_INT && v->u.i >= lo && v->u.i <= hi;
        else if (is_type(t, "float") || is_type(t, "double"))
                ok = v->type == SL_JSON_INT || v->type == SL_JSON_DOUBLE;
        else if (is_type(t, "boolean"))
                ok = v->type == SL_JSON_BOOL;
        else if (is_type(t, "string"))
                ok = v->type == SL_JSON_STRING;
        else if (is_type(t, "bytes"))
                ok = v->type == SL_JSON_BYTES || v->type == SL_JSON_STRING;
        else if (is_type(t, "array"))
                ok = v->type == SL_JSON_ARRAY;
        else if (is_type(t, "map"))
                ok = v->type == SL_JSON_OBJECT || v->type == SL_JSON_ARRAY;
        else
                ok = v->type == SL_JSON_OBJECT; /* struct */
        if (!ok) {
                if (v->type == SL_JSON_INT && int_range(t, &lo, &hi))
                        return CERR(c, "Invalid value for %s: %" PRId64
                                       " is out of range",
                                    sl_conv_type_upper(t), v->u.i);
                return CERR(c, "Invalid type for %s: %s",
                            sl_conv_type_upper(t), sl_conv_value_kind(v));
        }

        switch (v->type) {
        case SL_JSON_INT:
                if (is_type(t, "float") || is_type(t, "double"))
                        return write_number((double)v->u.i,
                                            is_type(t, "float"), out);
                return sl_buf_printf(out, "%" PRId64, v->u.i);
        case SL_JSON_DOUBLE:
                return write_number(v->u.d, is_type(t, "float"), out);
        case SL_JSON_STRING:
                if (is_type(t, "bytes"))
                        return write_bytes(c, schema, v, out);
                return sl_json_write_string(out, v->u.str.ptr, v->u.str.len);
        case SL_JSON_BYTES:
                return write_bytes(c, schema, v, out);
        case SL_JSON_ARRAY:
                if (is_type(t, "map"))
                        return write_map_pairs(c, schema, v, out);
                return write_array(c, schema, v, out);
        case SL_JSON_OBJECT: {
                if (is_type(t, "struct"))
                        return write_struct(c, schema, v, out);
                const char *kt = sl_conv_schema_type(sub(schema, "keys"));
                if (kt && strcmp(kt, "string"))
                        return write_map_pairs(c, schema, v, out);
                return write_object(c, schema, v, out);
        }
        default:
                return sl_json_write(v, out);
        }
}

static int json_from_data(void *state, const char *topic, const sl_data_t *d,
                          sl_buf_t *scratch, const void **ptr, size_t *len,
                          bool *borrowed, char *errstr, size_t errstr_size)
{
        (void)topic;
        jctx_t c = {state, errstr, errstr_size};
        bool null_value = !d->value || d->value->type == SL_JSON_NULL;
        if (!d->schema && null_value)
                return 0; /* tombstone */
        if (d->schema)
                TRY(check_schema(&c, d->schema));
        size_t start = scratch->len;
        int rc = 0;
        if (c.cfg->schemas_enable) {
                rc = sl_buf_puts(scratch, "{\"schema\":");
                if (rc == 0)
                        rc = d->schema ? write_schema(d->schema, scratch)
                                       : sl_buf_puts(scratch, "null");
                if (rc == 0)
                        rc = sl_buf_puts(scratch, ",\"payload\":");
        }
        if (rc == 0)
                rc = write_value(&c, d->schema, d->value, scratch);
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

/* ------------------------------------------------ JSON -> Connect data */

static const char *jackson_kind(const sl_json_t *v)
{
        switch (v ? v->type : SL_JSON_NULL) {
        case SL_JSON_BOOL:
                return "BOOLEAN";
        case SL_JSON_INT:
        case SL_JSON_DOUBLE:
                return "NUMBER";
        case SL_JSON_STRING:
                return "STRING";
        case SL_JSON_BYTES:
                return "BINARY";
        case SL_JSON_ARRAY:
                return "ARRAY";
        case SL_JSON_OBJECT:
                return "OBJECT";
        default:
                return "NULL";
        }
}

static int to_connect(jctx_t *c, const sl_json_t *schema, sl_json_t *in,
                      sl_json_t **out);

/* Replace a STRING/BYTES node's text with new owned bytes. */
static void set_bytes(sl_json_t *v, sl_buf_t *b)
{
        if (!v->borrowed)
                free(v->u.str.ptr);
        v->type = SL_JSON_BYTES;
        v->borrowed = 0;
        v->u.str.ptr = sl_buf_detach(b, &v->u.str.len);
}

/* Decimal sent as a JSON number (decimal.format=NUMERIC): rescale to the
 * schema's scale and store the unscaled value as Connect does. */
static int decimal_from_number(jctx_t *c, const sl_json_t *schema,
                               sl_json_t *v)
{
        int32_t scale;
        sl_conv_decimal_scale(schema, &scale);
        long double x = v->type == SL_JSON_INT ? (long double)v->u.i
                                               : (long double)v->u.d;
        for (int32_t i = 0; i < scale && x == x && x < 1e300L && x > -1e300L;
             i++)
                x *= 10;
        for (int32_t i = 0; i > scale && x != 0; i--)
                x /= 10;
        x += x < 0 ? -0.5L : 0.5L;
        if (!(x > -9223372036854775809.0L && x < 9223372036854775808.0L))
                return CERR(c, "Decimal value out of the supported range");
        int64_t u = (int64_t)x; /* truncation completes the rounding */
        unsigned char b[8];
        for (int i = 0; i < 8; i++)
                b[7 - i] = (unsigned char)((uint64_t)u >> (8 * i));
        /* Minimal two's complement, as BigInteger.toByteArray(). */
        int s = 0;
        while (s < 7 && ((b[s] == 0x00 && !(b[s + 1] & 0x80)) ||
                         (b[s] == 0xff && (b[s + 1] & 0x80))))
                s++;
        sl_buf_t buf = SL_BUF_INIT;
        if (sl_buf_append(&buf, b + s, (size_t)(8 - s)) < 0)
                return CERR(c, "out of memory");
        v->type = SL_JSON_BYTES;
        v->borrowed = 0;
        v->u.str.ptr = sl_buf_detach(&buf, &v->u.str.len);
        return 0;
}

static int bytes_to_connect(jctx_t *c, const sl_json_t *schema, sl_json_t *v)
{
        if (is_decimal(schema) &&
            (v->type == SL_JSON_INT || v->type == SL_JSON_DOUBLE))
                return decimal_from_number(c, schema, v);
        if (v->type != SL_JSON_STRING)
                return CERR(c, "Invalid JSON for BYTES field: expected a "
                               "base64 string, found %s",
                            jackson_kind(v));
        sl_buf_t b = SL_BUF_INIT;
        if (sl_base64_decode(v->u.str.ptr, v->u.str.len, &b) < 0) {
                sl_buf_free(&b);
                return CERR(c, "Invalid bytes field: not valid base64");
        }
        set_bytes(v, &b);
        return 0;
}

static int struct_to_connect(jctx_t *c, const sl_json_t *schema,
                             sl_json_t *in, sl_json_t **out)
{
        const sl_json_t *f = sub(schema, "fields");
        sl_json_t *res = sl_json_object();
        if (!res)
                return CERR(c, "out of memory");
        /* Rebuilt in schema order; fields not in the schema are dropped,
         * as Struct has no room for them. */
        for (size_t i = 0; i < f->u.arr.len; i++) {
                const sl_json_t *fs = f->u.arr.items[i];
                const char *name = sl_json_object_get_str(fs, "field");
                sl_json_t *fv = NULL;
                for (size_t k = 0; k < in->u.obj.len; k++)
                        if (!strcmp(in->u.obj.keys[k], name)) {
                                fv = in->u.obj.vals[k];
                                in->u.obj.vals[k] = NULL; /* stolen */
                                break;
                        }
                int rc = to_connect(c, fs, fv, &fv);
                if (rc == 0 && sl_json_object_set(res, name, fv) < 0)
                        rc = CERR(c, "out of memory");
                if (rc < 0) {
                        sl_json_free(res);
                        sl_json_free(in);
                        return rc;
                }
        }
        sl_json_free(in);
        *out = res;
        return 0;
}

static int map_to_connect(jctx_t *c, const sl_json_t *schema, sl_json_t *in)
{
        const sl_json_t *ks = sub(schema, "keys"), *vs = sub(schema, "values");
        if (is_type(sl_conv_schema_type(ks), "string")) {
                if (in->type != SL_JSON_OBJECT)
                        return CERR(c, "Maps with string fields should be "
                                       "encoded as JSON objects, but found %s",
                                    jackson_kind(in));
                for (size_t i = 0; i < in->u.obj.len; i++) {
                        sl_json_t **slot = &in->u.obj.vals[i];
                        sl_json_t *v = *slot;
                        *slot = NULL;
                        TRY(to_connect(c, vs, v, slot));
                }
                return 0;
        }
        if (in->type != SL_JSON_ARRAY)
                return CERR(c, "Maps with non-string fields should be encoded "
                               "as JSON array of tuples, but found %s",
                            jackson_kind(in));
        for (size_t i = 0; i < in->u.arr.len; i++) {
                sl_json_t *e = in->u.arr.items[i];
                if (e->type != SL_JSON_ARRAY)
                        return CERR(c, "Found invalid map entry instead of "
                                       "array tuple: %s",
                                    jackson_kind(e));
                if (e->u.arr.len != 2)
                        return CERR(c, "Found invalid map entry, expected "
                                       "length 2 but found :%zu",
                                    e->u.arr.len);
                for (size_t k = 0; k < 2; k++) {
                        sl_json_t *x = e->u.arr.items[k];
                        e->u.arr.items[k] = NULL;
                        TRY(to_connect(c, k ? vs : ks, x, &e->u.arr.items[k]));
                }
        }
        return 0;
}

static int null_to_connect(jctx_t *c, const sl_json_t *schema, sl_json_t *in,
                           sl_json_t **out)
{
        const sl_json_t *def = sub(schema, "default");
        if (def && def->type != SL_JSON_NULL && c->cfg->replace_null) {
                sl_json_t *dv = sl_json_dup(def);
                sl_json_free(in);
                if (!dv)
                        return CERR(c, "out of memory");
                return to_connect(c, schema, dv, out);
        }
        if (!sl_conv_schema_optional(schema)) {
                sl_json_free(in);
                return CERR(c, "Invalid null value for required %s field",
                            sl_conv_type_upper(sl_conv_schema_type(schema)));
        }
        *out = in ? in : sl_json_null();
        return *out ? 0 : CERR(c, "out of memory");
}

/* Convert in (owned; NULL = absent) by schema into *out. The node is
 * reused where its shape already fits, so most payloads convert in place.
 * On error whatever was not yet handed to *out is freed. */
static int to_connect(jctx_t *c, const sl_json_t *schema, sl_json_t *in,
                      sl_json_t **out)
{
        *out = NULL;
        if (!in || in->type == SL_JSON_NULL)
                return null_to_connect(c, schema, in, out);
        const char *t = sl_conv_schema_type(schema);
        int64_t lo, hi;
        int rc = 0;
        if (int_range(t, &lo, &hi)) {
                if (in->type != SL_JSON_INT)
                        rc = CERR(c, "Invalid JSON for %s field: expected an "
                                     "integer, found %s",
                                  sl_conv_type_upper(t), jackson_kind(in));
                else if (in->u.i < lo || in->u.i > hi)
                        rc = CERR(c, "Invalid value for %s field: %" PRId64
                                     " is out of range",
                                  sl_conv_type_upper(t), in->u.i);
        } else if (is_type(t, "float") || is_type(t, "double")) {
                if (in->type == SL_JSON_INT) {
                        in->type = SL_JSON_DOUBLE;
                        in->u.d = (double)in->u.i;
                }
                if (in->type != SL_JSON_DOUBLE)
                        rc = CERR(c, "Invalid JSON for %s field: expected a "
                                     "number, found %s",
                                  sl_conv_type_upper(t), jackson_kind(in));
                else if (is_type(t, "float"))
                        in->u.d = (float)in->u.d;
        } else if (is_type(t, "boolean") || is_type(t, "string")) {
                sl_json_type_t want = is_type(t, "boolean") ? SL_JSON_BOOL
                                                            : SL_JSON_STRING;
                if (in->type != want)
                        rc = CERR(c, "Invalid JSON for %s field: expected %s, "
                                     "found %s",
                                  sl_conv_type_upper(t),
                                  want == SL_JSON_BOOL ? "a boolean"
                                                       : "a string",
                                  jackson_kind(in));
        } else if (is_type(t, "bytes")) {
                rc = bytes_to_connect(c, schema, in);
        } else if (is_type(t, "array")) {
                if (in->type != SL_JSON_ARRAY)
                        rc = CERR(c, "Arrays should be encoded as JSON "
                                     "arrays, but found %s",
                                  jackson_kind(in));
                for (size_t i = 0; rc == 0 && i < in->u.arr.len; i++) {
                        sl_json_t *x = in->u.arr.items[i];
                        in->u.arr.items[i] = NULL;
                        rc = to_connect(c, sub(schema, "items"), x,
                                        &in->u.arr.items[i]);
                }
        } else if (is_type(t, "map")) {
                rc = map_to_connect(c, schema, in);
        } else if (is_type(t, "struct")) {
                if (in->type != SL_JSON_OBJECT)
                        rc = CERR(c, "Structs should be encoded as JSON "
                                     "objects, but found %s",
                                  jackson_kind(in));
                else
                        return struct_to_connect(c, schema, in, out);
        }
        if (rc < 0) {
                sl_json_free(in);
                return rc;
        }
        *out = in;
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
        jctx_t c = {state, errstr, errstr_size};
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
                rc = check_schema(&c, schema);
                if (rc == 0)
                        rc = to_connect(&c, schema, payload, &payload);
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
