/* JsonConverter payloads: schema checks and the schema-driven conversion
 * of Connect data to JSON text and of parsed JSON to Connect data. */
#include <inttypes.h>
#include <math.h> /* isfinite, NAN, INFINITY: macros, no libm */
#include <stdlib.h>
#include <string.h>

#include "convert/conv_json.h"

/* ------------------------------------------------------- schema helpers */

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

int sl_conv_json_check_schema(sl_jctx_t *c, const sl_json_t *s)
{
        const char *t = sl_conv_schema_type(s);
        if (!s || s->type != SL_JSON_OBJECT)
                return CERR(c, "Schema must be a JSON object");
        if (!t)
                return CERR(c, "Schema must contain 'type' field");
        if (!known_type(t))
                return CERR(c, "Unknown schema type: %s", t);
        if (sl_conv_type_is(t, "array")) {
                const sl_json_t *items = sl_json_object_get(s, "items");
                if (!items)
                        return CERR(c, "Array schema did not specify the "
                                       "element type");
                return sl_conv_json_check_schema(c, items);
        }
        if (sl_conv_type_is(t, "map")) {
                const sl_json_t *ks = sl_json_object_get(s, "keys");
                const sl_json_t *vs = sl_json_object_get(s, "values");
                if (!ks || !vs)
                        return CERR(c, "Map schema did not specify the %s "
                                       "type",
                                    ks ? "value" : "key");
                TRY(sl_conv_json_check_schema(c, ks));
                return sl_conv_json_check_schema(c, vs);
        }
        if (sl_conv_type_is(t, "struct")) {
                const sl_json_t *f = sl_json_object_get(s, "fields");
                if (!f || f->type != SL_JSON_ARRAY)
                        return CERR(c, "Struct schema's \"fields\" argument "
                                       "is not an array.");
                for (size_t i = 0; i < f->u.arr.len; i++) {
                        const char *name = sl_json_object_get_str(
                                f->u.arr.items[i], "field");
                        if (!name)
                                return CERR(c, "Struct schema's field name "
                                               "not specified properly");
                        /* a value has one member per name: a second field
                         * of that name could never be written */
                        for (size_t k = 0; k < i; k++)
                                if (!strcmp(name, sl_json_object_get_str(
                                                          f->u.arr.items[k],
                                                          "field")))
                                        return CERR(c, "Cannot create field "
                                                       "because of field "
                                                       "name duplication %s",
                                                    name);
                        TRY(sl_conv_json_check_schema(c, f->u.arr.items[i]));
                }
        }
        int32_t scale;
        if (sl_conv_schema_is_decimal(s) &&
            sl_conv_decimal_scale(s, &scale) < 0)
                return CERR(c, "Invalid scale parameter for Decimal schema");
        return 0;
}

/* ------------------------------------------------ Connect data -> JSON */

static int write_number(double d, bool as_float, sl_buf_t *out);

int sl_conv_json_write_schema(const sl_json_t *s, sl_buf_t *out)
{
        const char *t = sl_conv_schema_type(s);
        TRY(sl_buf_puts(out, "{\"type\":"));
        TRY(sl_json_write_string(out, t, strlen(t)));
        if (sl_conv_type_is(t, "array")) {
                TRY(sl_buf_puts(out, ",\"items\":"));
                TRY(sl_conv_json_write_schema(sl_json_object_get(s, "items"),
                                              out));
        } else if (sl_conv_type_is(t, "map")) {
                TRY(sl_buf_puts(out, ",\"keys\":"));
                TRY(sl_conv_json_write_schema(sl_json_object_get(s, "keys"),
                                              out));
                TRY(sl_buf_puts(out, ",\"values\":"));
                TRY(sl_conv_json_write_schema(sl_json_object_get(s, "values"),
                                              out));
        } else if (sl_conv_type_is(t, "struct")) {
                const sl_json_t *f = sl_json_object_get(s, "fields");
                TRY(sl_buf_puts(out, ",\"fields\":["));
                for (size_t i = 0; i < f->u.arr.len; i++) {
                        const sl_json_t *fs = f->u.arr.items[i];
                        const char *name = sl_json_object_get_str(fs, "field");
                        if (i)
                                TRY(sl_buf_putc(out, ','));
                        TRY(sl_conv_json_write_schema(fs, out));
                        out->len--; /* reopen the object to add "field" */
                        TRY(sl_buf_puts(out, ",\"field\":"));
                        TRY(sl_json_write_string(out, name, strlen(name)));
                        TRY(sl_buf_putc(out, '}'));
                }
                TRY(sl_buf_putc(out, ']'));
        }
        TRY(sl_buf_printf(out, ",\"optional\":%s",
                          sl_conv_schema_optional(s) ? "true" : "false"));
        /* What Kafka reads back: a name or doc that is no string, a version
         * that is no integer, parameters that are no object are dropped
         * here, and a non-finite default is quoted as in a payload (written
         * as null it would read back as no default). Found by fuzzing. */
        static const struct {
                const char *key;
                int type; /* -1: any */
        } extra[] = {{"name", SL_JSON_STRING},
                     {"version", SL_JSON_INT},
                     {"doc", SL_JSON_STRING},
                     {"parameters", SL_JSON_OBJECT},
                     {"default", -1}};
        for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
                const sl_json_t *x = sl_json_object_get(s, extra[i].key);
                if (!x || x->type == SL_JSON_NULL ||
                    (extra[i].type >= 0 && (int)x->type != extra[i].type))
                        continue;
                TRY(sl_buf_printf(out, ",\"%s\":", extra[i].key));
                if (x->type == SL_JSON_DOUBLE && !isfinite(x->u.d))
                        TRY(write_number(x->u.d, false, out));
                else
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

static int write_bytes(sl_jctx_t *c, const sl_json_t *schema,
                       const sl_json_t *v, sl_buf_t *out)
{
        int32_t scale;
        if (c->cfg->decimal_numeric && sl_conv_schema_is_decimal(schema) &&
            sl_conv_decimal_scale(schema, &scale) == 0)
                return sl_format_decimal((const unsigned char *)v->u.str.ptr,
                                         v->u.str.len, scale, true, out);
        TRY(sl_buf_putc(out, '"'));
        TRY(sl_base64_encode(v->u.str.ptr, v->u.str.len, out));
        return sl_buf_putc(out, '"');
}

/* A map whose keys are not strings is written as [[k,v],...]; our OBJECT
 * keys hold the keys' JSON text. */
static int write_map_pairs(sl_jctx_t *c, const sl_json_t *schema,
                           const sl_json_t *v, sl_buf_t *out)
{
        const sl_json_t *ks = sl_json_object_get(schema, "keys");
        const sl_json_t *vs = sl_json_object_get(schema, "values");
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
                        rc = sl_conv_json_write_value(c, ks, k, out);
                if (rc == 0)
                        rc = sl_buf_putc(out, ',');
                if (rc == 0)
                        rc = sl_conv_json_write_value(c, vs, val, out);
                sl_json_free(parsed);
                TRY(rc);
                TRY(sl_buf_putc(out, ']'));
        }
        return sl_buf_putc(out, ']');
}

/* Member i of an object being written: "key":value after a ',' when it
 * is not the first. */
static int write_member(sl_jctx_t *c, size_t i, const char *key,
                        const sl_json_t *schema, const sl_json_t *v,
                        sl_buf_t *out)
{
        if (i)
                TRY(sl_buf_putc(out, ','));
        TRY(sl_json_write_string(out, key, strlen(key)));
        TRY(sl_buf_putc(out, ':'));
        return sl_conv_json_write_value(c, schema, v, out);
}

static int write_object(sl_jctx_t *c, const sl_json_t *schema,
                        const sl_json_t *v, sl_buf_t *out)
{
        const sl_json_t *vs = sl_json_object_get(schema, "values");
        TRY(sl_buf_putc(out, '{'));
        for (size_t i = 0; i < v->u.obj.len; i++)
                TRY(write_member(c, i, v->u.obj.keys[i], vs, v->u.obj.vals[i],
                                 out));
        return sl_buf_putc(out, '}');
}

static int write_struct(sl_jctx_t *c, const sl_json_t *schema,
                        const sl_json_t *v, sl_buf_t *out)
{
        const sl_json_t *f = sl_json_object_get(schema, "fields");
        TRY(sl_buf_putc(out, '{'));
        for (size_t i = 0; i < f->u.arr.len; i++) {
                const sl_json_t *fs = f->u.arr.items[i];
                const char *name = sl_json_object_get_str(fs, "field");
                TRY(write_member(c, i, name, fs, sl_json_object_get(v, name),
                                 out));
        }
        return sl_buf_putc(out, '}');
}

static int write_array(sl_jctx_t *c, const sl_json_t *schema,
                       const sl_json_t *v, sl_buf_t *out)
{
        const sl_json_t *items = sl_json_object_get(schema, "items");
        TRY(sl_buf_putc(out, '['));
        for (size_t i = 0; i < v->u.arr.len; i++) {
                if (i)
                        TRY(sl_buf_putc(out, ','));
                TRY(sl_conv_json_write_value(c, items, v->u.arr.items[i], out));
        }
        return sl_buf_putc(out, ']');
}

static int write_null(sl_jctx_t *c, const sl_json_t *schema, sl_buf_t *out)
{
        const sl_json_t *def = sl_json_object_get(schema, "default");
        /* Schema defaults are kept in their JSON (payload) form. */
        if (def && def->type != SL_JSON_NULL && c->cfg->replace_null)
                return sl_json_write(def, out);
        if (!schema || sl_conv_schema_optional(schema))
                return sl_buf_puts(out, "null");
        return CERR(c, "Conversion error: null value for field that is "
                       "required and has no default value");
}

int sl_conv_json_write_value(sl_jctx_t *c, const sl_json_t *schema,
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
        else if (sl_conv_type_is(t, "float") || sl_conv_type_is(t, "double"))
                ok = v->type == SL_JSON_INT || v->type == SL_JSON_DOUBLE;
        else if (sl_conv_type_is(t, "boolean"))
                ok = v->type == SL_JSON_BOOL;
        else if (sl_conv_type_is(t, "string"))
                ok = v->type == SL_JSON_STRING;
        else if (sl_conv_type_is(t, "bytes"))
                ok = v->type == SL_JSON_BYTES || v->type == SL_JSON_STRING;
        else if (sl_conv_type_is(t, "array"))
                ok = v->type == SL_JSON_ARRAY;
        else if (sl_conv_type_is(t, "map"))
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
                if (sl_conv_type_is(t, "float") ||
                    sl_conv_type_is(t, "double"))
                        return write_number((double)v->u.i,
                                            sl_conv_type_is(t, "float"), out);
                return sl_buf_printf(out, "%" PRId64, v->u.i);
        case SL_JSON_DOUBLE:
                return write_number(v->u.d, sl_conv_type_is(t, "float"), out);
        case SL_JSON_STRING:
                if (sl_conv_type_is(t, "bytes"))
                        return write_bytes(c, schema, v, out);
                return sl_json_write_string(out, v->u.str.ptr, v->u.str.len);
        case SL_JSON_BYTES:
                return write_bytes(c, schema, v, out);
        case SL_JSON_ARRAY:
                if (sl_conv_type_is(t, "map"))
                        return write_map_pairs(c, schema, v, out);
                return write_array(c, schema, v, out);
        case SL_JSON_OBJECT: {
                if (sl_conv_type_is(t, "struct"))
                        return write_struct(c, schema, v, out);
                const char *kt =
                        sl_conv_schema_type(sl_json_object_get(schema, "keys"));
                if (kt && strcmp(kt, "string"))
                        return write_map_pairs(c, schema, v, out);
                return write_object(c, schema, v, out);
        }
        default:
                return sl_json_write(v, out);
        }
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
static int decimal_from_number(sl_jctx_t *c, const sl_json_t *schema,
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

static int bytes_to_connect(sl_jctx_t *c, const sl_json_t *schema, sl_json_t *v)
{
        if (sl_conv_schema_is_decimal(schema) &&
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

static int struct_to_connect(sl_jctx_t *c, const sl_json_t *schema,
                             sl_json_t *in, sl_json_t **out)
{
        const sl_json_t *f = sl_json_object_get(schema, "fields");
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
                int rc = sl_conv_json_to_connect(c, fs, fv, &fv);
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

static int map_to_connect(sl_jctx_t *c, const sl_json_t *schema, sl_json_t *in)
{
        const sl_json_t *ks = sl_json_object_get(schema, "keys");
        const sl_json_t *vs = sl_json_object_get(schema, "values");
        if (sl_conv_type_is(sl_conv_schema_type(ks), "string")) {
                if (in->type != SL_JSON_OBJECT)
                        return CERR(c, "Maps with string fields should be "
                                       "encoded as JSON objects, but found %s",
                                    jackson_kind(in));
                for (size_t i = 0; i < in->u.obj.len; i++) {
                        sl_json_t **slot = &in->u.obj.vals[i];
                        sl_json_t *v = *slot;
                        *slot = NULL;
                        TRY(sl_conv_json_to_connect(c, vs, v, slot));
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
                        TRY(sl_conv_json_to_connect(c, k ? vs : ks, x,
                                                    &e->u.arr.items[k]));
                }
        }
        return 0;
}

static int null_to_connect(sl_jctx_t *c, const sl_json_t *schema, sl_json_t *in,
                           sl_json_t **out)
{
        const sl_json_t *def = sl_json_object_get(schema, "default");
        if (def && def->type != SL_JSON_NULL && c->cfg->replace_null) {
                sl_json_t *dv = sl_json_dup(def);
                sl_json_free(in);
                if (!dv)
                        return CERR(c, "out of memory");
                return sl_conv_json_to_connect(c, schema, dv, out);
        }
        if (!sl_conv_schema_optional(schema)) {
                sl_json_free(in);
                return CERR(c, "Invalid null value for required %s field",
                            sl_conv_type_upper(sl_conv_schema_type(schema)));
        }
        *out = in ? in : sl_json_null();
        return *out ? 0 : CERR(c, "out of memory");
}

/* NaN, Infinity or -Infinity for those strings, else 0. */
static double non_finite(const sl_json_t *in)
{
        static const struct {
                const char *text;
                double d;
        } nf[] = {{"NaN", NAN}, {"Infinity", INFINITY}, {"-Infinity", -INFINITY}};
        for (size_t i = 0; in->type == SL_JSON_STRING && i < 3; i++)
                if (in->u.str.len == strlen(nf[i].text) &&
                    !memcmp(in->u.str.ptr, nf[i].text, in->u.str.len))
                        return nf[i].d;
        return 0;
}

int sl_conv_json_to_connect(sl_jctx_t *c, const sl_json_t *schema,
                            sl_json_t *in, sl_json_t **out)
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
        } else if (sl_conv_type_is(t, "float") ||
                   sl_conv_type_is(t, "double")) {
                if (in->type == SL_JSON_INT) {
                        in->type = SL_JSON_DOUBLE;
                        in->u.d = (double)in->u.i;
                }
                /* the quoted non-finite numbers write_number (as Jackson)
                 * writes, so a converter reads its own output */
                double nf = non_finite(in);
                if (nf != 0) {
                        if (!in->borrowed)
                                free(in->u.str.ptr);
                        in->type = SL_JSON_DOUBLE;
                        in->u.d = nf;
                }
                if (in->type != SL_JSON_DOUBLE)
                        rc = CERR(c, "Invalid JSON for %s field: expected a "
                                     "number, found %s",
                                  sl_conv_type_upper(t), jackson_kind(in));
                else if (sl_conv_type_is(t, "float"))
                        in->u.d = (float)in->u.d;
        } else if (sl_conv_type_is(t, "boolean") ||
                   sl_conv_type_is(t, "string")) {
                sl_json_type_t want = sl_conv_type_is(t, "boolean")
                                              ? SL_JSON_BOOL
                                              : SL_JSON_STRING;
                if (in->type != want)
                        rc = CERR(c, "Invalid JSON for %s field: expected %s, "
                                     "found %s",
                                  sl_conv_type_upper(t),
                                  want == SL_JSON_BOOL ? "a boolean"
                                                       : "a string",
                                  jackson_kind(in));
        } else if (sl_conv_type_is(t, "bytes")) {
                rc = bytes_to_connect(c, schema, in);
        } else if (sl_conv_type_is(t, "array")) {
                const sl_json_t *items = sl_json_object_get(schema, "items");
                if (in->type != SL_JSON_ARRAY)
                        rc = CERR(c, "Arrays should be encoded as JSON "
                                     "arrays, but found %s",
                                  jackson_kind(in));
                for (size_t i = 0; rc == 0 && i < in->u.arr.len; i++) {
                        sl_json_t *x = in->u.arr.items[i];
                        in->u.arr.items[i] = NULL;
                        rc = sl_conv_json_to_connect(c, items, x,
                                                     &in->u.arr.items[i]);
                }
        } else if (sl_conv_type_is(t, "map")) {
                rc = map_to_connect(c, schema, in);
        } else if (sl_conv_type_is(t, "struct")) {
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
