/* Connect values <-> libavro generic values. Writing fits a Connect value
 * to any Avro schema whose shape matches: record fields by name, union
 * branches by the value (a Union struct's set field names its branch),
 * maps with non-string keys as arrays of MapEntry records, a missing
 * value read as its schema's default, and Connect's DataException texts
 * for values that do not fit. Reading gives the values JsonConverter and
 * the transforms expect under the schema's Connect schema. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "convert/avro_int.h"
#include "util/json_int.h"

/* ============================================ Connect value -> libavro */

typedef struct vctx {
        int depth;
        sl_buf_t tmp; /* NUL-terminated copies for libavro's string calls */
        char *errstr;
        size_t errstr_size;
} vctx_t;

#define VERR(c, ...) ERR((c)->errstr, (c)->errstr_size, __VA_ARGS__)

static const char *avro_kind(avro_type_t t)
{
        static const char *const names[] = {
                [AVRO_STRING] = "STRING", [AVRO_BYTES] = "BYTES",
                [AVRO_INT32] = "INT32",   [AVRO_INT64] = "INT64",
                [AVRO_FLOAT] = "FLOAT32", [AVRO_DOUBLE] = "FLOAT64",
                [AVRO_BOOLEAN] = "BOOLEAN", [AVRO_NULL] = "NULL",
                [AVRO_RECORD] = "STRUCT", [AVRO_ENUM] = "STRING",
                [AVRO_FIXED] = "BYTES",   [AVRO_MAP] = "MAP",
                [AVRO_ARRAY] = "ARRAY",   [AVRO_UNION] = "UNION",
                [AVRO_LINK] = "LINK",
        };
        return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t]
                                                              : "UNKNOWN";
}

/* Connect's DataException texts (ConnectSchema.validateValue). */
static int bad_value(vctx_t *c, const sl_json_t *cs, avro_type_t at,
                     const sl_json_t *v, const char *field)
{
        const char *t = cs ? sl_conv_type_upper(sl_conv_schema_type(cs))
                           : avro_kind(at);
        if (!v || v->type == SL_JSON_NULL)
                return VERR(c, "Invalid value: null used for required field: "
                               "\"%s\", schema type: %s",
                            field ? field : "null", t);
        return VERR(c, "Invalid value for schema with type %s: %s for "
                       "field: \"%s\"",
                    t, sl_conv_value_kind(v), field ? field : "null");
}

static const char *avro_branch_name(avro_schema_t s)
{
        s = sl_avro_real_schema(s);
        switch (avro_typeof(s)) {
        case AVRO_RECORD:
        case AVRO_ENUM:
        case AVRO_FIXED:
                return avro_schema_name(s);
        case AVRO_INT32:
                return "int";
        case AVRO_INT64:
                return "long";
        default:
                return avro_schema_type_name(s);
        }
}

/* Does a Connect schema (or, schemaless, a value) fit an Avro type? */
static bool fits(const sl_json_t *cs, const sl_json_t *v, avro_schema_t bs)
{
        avro_type_t bt = avro_typeof(sl_avro_real_schema(bs));
        const char *t = sl_conv_schema_type(cs);
        if (!t) {
                switch (v->type) {
                case SL_JSON_BOOL:
                        return bt == AVRO_BOOLEAN;
                case SL_JSON_INT:
                        return bt == AVRO_INT64 || bt == AVRO_INT32;
                case SL_JSON_DOUBLE:
                        return bt == AVRO_DOUBLE || bt == AVRO_FLOAT;
                case SL_JSON_STRING:
                        return bt == AVRO_STRING;
                case SL_JSON_BYTES:
                        return bt == AVRO_BYTES;
                case SL_JSON_ARRAY:
                        return bt == AVRO_ARRAY;
                default:
                        return bt == AVRO_MAP || bt == AVRO_RECORD;
                }
        }
        if (!strcmp(t, "int8") || !strcmp(t, "int16") || !strcmp(t, "int32"))
                return bt == AVRO_INT32;
        if (!strcmp(t, "int64"))
                return bt == AVRO_INT64;
        if (!strcmp(t, "float"))
                return bt == AVRO_FLOAT;
        if (!strcmp(t, "double"))
                return bt == AVRO_DOUBLE;
        if (!strcmp(t, "boolean"))
                return bt == AVRO_BOOLEAN;
        if (!strcmp(t, "string"))
                return bt == AVRO_STRING || bt == AVRO_ENUM;
        if (!strcmp(t, "bytes"))
                return bt == AVRO_BYTES || bt == AVRO_FIXED;
        if (!strcmp(t, "array"))
                return bt == AVRO_ARRAY;
        if (!strcmp(t, "map")) {
                const sl_json_t *ks = sl_json_object_get(cs, "keys");
                return sl_avro_cs_is(ks, "string") &&
                                       !sl_conv_schema_optional(ks)
                               ? bt == AVRO_MAP
                               : bt == AVRO_ARRAY;
        }
        if (bt != AVRO_RECORD)
                return false;
        const char *name = sl_avro_cs_name(cs);
        const char *dot = name ? strrchr(name, '.') : NULL;
        /* named structs pick the record of that name */
        return !name || !strcmp(dot ? dot + 1 : name,
                                avro_schema_name(sl_avro_real_schema(bs)));
}

static int vfrom(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                 avro_value_t *dst, const char *field);

static int union_from(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                      avro_value_t *dst, const char *field)
{
        avro_schema_t us = sl_avro_real_schema(avro_value_get_schema(dst));
        size_t n = avro_schema_union_size(us);
        const sl_json_t *mcs = cs, *mv = v;
        int pick = -1, null_branch = -1;
        for (size_t i = 0; i < n; i++)
                if (is_avro_null(sl_avro_real_schema(
                            avro_schema_union_branch(us, (int)i))))
                        null_branch = (int)i;
        if (sl_avro_cs_is_union(cs) && v && v->type == SL_JSON_OBJECT) {
                /* the Union struct's one set field names the branch */
                const sl_json_t *f = sl_avro_cs_fields(cs);
                mv = NULL;
                for (size_t i = 0; f && i < f->u.arr.len && !mv; i++) {
                        const char *name = sl_json_object_get_str(
                                f->u.arr.items[i], "field");
                        const sl_json_t *fv =
                                sl_avro_member(v, i, name ? name : "");
                        if (!name || !fv || fv->type == SL_JSON_NULL)
                                continue;
                        mcs = f->u.arr.items[i];
                        mv = fv;
                        for (size_t k = 0; k < n && pick < 0; k++)
                                if (!strcmp(avro_branch_name(
                                                    avro_schema_union_branch(
                                                            us, (int)k)),
                                            name))
                                        pick = (int)k;
                        if (pick < 0)
                                return VERR(c, "No Avro union branch for "
                                               "field \"%s\" of %s",
                                            name, field ? field : "union");
                }
        }
        if (!mv || mv->type == SL_JSON_NULL) {
                if (null_branch < 0)
                        return bad_value(c, cs, AVRO_UNION, NULL, field);
                pick = null_branch;
                mcs = NULL;
                mv = NULL;
        }
        for (size_t i = 0; i < n && pick < 0; i++)
                if ((int)i != null_branch &&
                    fits(mcs, mv, avro_schema_union_branch(us, (int)i)))
                        pick = (int)i;
        for (size_t i = 0; i < n && pick < 0; i++)
                if ((int)i != null_branch)
                        pick = (int)i;
        if (pick < 0)
                return bad_value(c, cs, AVRO_UNION, v, field);
        avro_value_t branch;
        if (avro_value_set_branch(dst, pick, &branch))
                return VERR(c, "%s", avro_strerror());
        return vfrom(c, mcs, mv, &branch, field);
}

/* NUL-terminated copy of a STRING node for libavro (which takes string
 * sizes with the NUL and reads it). */
static const char *cstr(vctx_t *c, const sl_json_t *v)
{
        if (!v->borrowed)
                return v->u.str.ptr;
        sl_buf_reset(&c->tmp);
        if (sl_buf_append(&c->tmp, v->u.str.ptr, v->u.str.len) < 0)
                return NULL;
        return c->tmp.data;
}

/* Fixed: exact size; a decimal is sign-extended to it. */
static int fixed_from(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                      avro_value_t *dst, avro_schema_t as, const char *field)
{
        size_t size = (size_t)avro_schema_fixed_size(as), n = v->u.str.len;
        const unsigned char *p = (const unsigned char *)v->u.str.ptr;
        if (n == size)
                return avro_value_set_fixed(dst, (void *)p, n)
                               ? VERR(c, "%s", avro_strerror())
                               : 0;
        if (!sl_avro_cs_named(cs, SL_DECIMAL_LOGICAL) || n > size || n == 0)
                return VERR(c, "Invalid value for fixed field \"%s\": %zu "
                               "bytes, the fixed size is %zu",
                            field ? field : "null", n, size);
        unsigned char *b = malloc(size);
        if (!b)
                return VERR(c, "out of memory");
        memset(b, (p[0] & 0x80) ? 0xff : 0x00, size - n);
        memcpy(b + size - n, p, n);
        int rc = avro_value_set_fixed(dst, b, size);
        free(b);
        return rc ? VERR(c, "%s", avro_strerror()) : 0;
}

/* A Connect map whose keys are not plain strings: array of MapEntry. */
static int entries_from(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                        avro_value_t *dst, const char *field)
{
        const sl_json_t *ks = sl_json_object_get(cs, "keys");
        const sl_json_t *vs = sl_json_object_get(cs, "values");
        bool string_keys = sl_avro_cs_is(ks, "string");
        size_t n = v->type == SL_JSON_OBJECT ? v->u.obj.len : v->u.arr.len;
        for (size_t i = 0; i < n; i++) {
                sl_json_t *parsed = NULL, key;
                const sl_json_t *k, *val;
                if (v->type == SL_JSON_OBJECT) {
                        /* object keys hold the key's JSON text unless the
                         * keys are strings */
                        const char *text = v->u.obj.keys[i];
                        if (string_keys) {
                                key = SL_JSON_STRING_REF(text, strlen(text));
                                k = &key;
                        } else if (!(k = parsed = sl_json_parse(
                                             text, strlen(text), NULL, 0))) {
                                return VERR(c, "Invalid key for %s map: %s",
                                            sl_conv_type_upper(
                                                    sl_conv_schema_type(ks)),
                                            text);
                        }
                        val = v->u.obj.vals[i];
                } else {
                        const sl_json_t *p = v->u.arr.items[i];
                        if (!p || p->type != SL_JSON_ARRAY || p->u.arr.len != 2)
                                return VERR(c, "Map entries of a map with "
                                               "non-string keys must be "
                                               "[key, value] pairs");
                        k = p->u.arr.items[0];
                        val = p->u.arr.items[1];
                }
                avro_value_t rec, kf, vf;
                int rc = avro_value_append(dst, &rec, NULL) ||
                                         avro_value_get_by_name(&rec, "key",
                                                                &kf, NULL) ||
                                         avro_value_get_by_name(&rec, "value",
                                                                &vf, NULL)
                                 ? VERR(c, "Map field \"%s\": %s",
                                        field ? field : "null",
                                        avro_strerror())
                                 : 0;
                if (rc == 0)
                        rc = vfrom(c, ks, k, &kf, "key");
                if (rc == 0)
                        rc = vfrom(c, vs, val, &vf, "value");
                sl_json_free(parsed);
                TRY(rc);
        }
        return 0;
}

static int record_from(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                       avro_value_t *dst, avro_schema_t as)
{
        size_t n = avro_schema_record_size(as);
        for (size_t i = 0; i < n; i++) {
                avro_value_t child;
                const char *name;
                if (avro_value_get_by_index(dst, i, &child, &name))
                        return VERR(c, "%s", avro_strerror());
                const sl_json_t *fs = sl_avro_field_schema(cs, name, i);
                TRY(vfrom(c, fs, fs ? sl_avro_member(v, i, name) : NULL, &child,
                          name));
        }
        return 0;
}

static int primitive_from(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                          avro_value_t *dst, avro_type_t at, avro_schema_t as,
                          const char *field)
{
        int rc;
        switch (at) {
        case AVRO_BOOLEAN:
                if (v->type != SL_JSON_BOOL)
                        return bad_value(c, cs, at, v, field);
                rc = avro_value_set_boolean(dst, v->u.b);
                break;
        case AVRO_INT32: {
                const char *t = sl_conv_schema_type(cs);
                int64_t lo = INT32_MIN, hi = INT32_MAX;
                if (sl_conv_type_is(t, "int8"))
                        lo = INT8_MIN, hi = INT8_MAX;
                else if (sl_conv_type_is(t, "int16"))
                        lo = INT16_MIN, hi = INT16_MAX;
                if (v->type != SL_JSON_INT)
                        return bad_value(c, cs, at, v, field);
                if (v->u.i < lo || v->u.i > hi)
                        return VERR(c, "Invalid value for %s field \"%s\": "
                                       "%" PRId64 " is out of range",
                                    cs ? sl_conv_type_upper(
                                                 sl_conv_schema_type(cs))
                                       : "INT32",
                                    field ? field : "null", v->u.i);
                rc = avro_value_set_int(dst, (int32_t)v->u.i);
                break;
        }
        case AVRO_INT64:
                if (v->type != SL_JSON_INT)
                        return bad_value(c, cs, at, v, field);
                rc = avro_value_set_long(dst, v->u.i);
                break;
        case AVRO_FLOAT:
        case AVRO_DOUBLE: {
                if (v->type != SL_JSON_INT && v->type != SL_JSON_DOUBLE)
                        return bad_value(c, cs, at, v, field);
                double d = v->type == SL_JSON_INT ? (double)v->u.i : v->u.d;
                rc = at == AVRO_FLOAT ? avro_value_set_float(dst, (float)d)
                                      : avro_value_set_double(dst, d);
                break;
        }
        case AVRO_STRING: {
                if (v->type != SL_JSON_STRING)
                        return bad_value(c, cs, at, v, field);
                const char *s = cstr(c, v);
                if (!s)
                        return VERR(c, "out of memory");
                rc = avro_value_set_string_len(dst, s, v->u.str.len + 1);
                break;
        }
        case AVRO_BYTES:
                if (v->type != SL_JSON_BYTES && v->type != SL_JSON_STRING)
                        return bad_value(c, cs, at, v, field);
                rc = avro_value_set_bytes(dst, v->u.str.ptr, v->u.str.len);
                break;
        case AVRO_FIXED:
                if (v->type != SL_JSON_BYTES && v->type != SL_JSON_STRING)
                        return bad_value(c, cs, at, v, field);
                return fixed_from(c, cs, v, dst, as, field);
        case AVRO_ENUM: {
                if (v->type != SL_JSON_STRING)
                        return bad_value(c, cs, at, v, field);
                const char *s = cstr(c, v);
                if (!s)
                        return VERR(c, "out of memory");
                int sym = avro_schema_enum_get_by_name(as, s);
                if (sym < 0)
                        return VERR(c, "Invalid value for enum %s: %s is not "
                                       "one of its symbols",
                                    avro_schema_name(as), s);
                rc = avro_value_set_enum(dst, sym);
                break;
        }
        default:
                return bad_value(c, cs, at, v, field);
        }
        return rc ? VERR(c, "%s", avro_strerror()) : 0;
}

static int vfrom_inner(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                       avro_value_t *dst, const char *field)
{
        avro_type_t at = avro_value_get_type(dst);
        avro_schema_t as = sl_avro_real_schema(avro_value_get_schema(dst));
        if (at == AVRO_UNION)
                return union_from(c, cs, v, dst, field);
        if (!v || v->type == SL_JSON_NULL) {
                if (at != AVRO_NULL)
                        return bad_value(c, cs, at, NULL, field);
                return avro_value_set_null(dst) ? VERR(c, "%s", avro_strerror())
                                                : 0;
        }
        switch (at) {
        case AVRO_RECORD:
                if (v->type != SL_JSON_OBJECT ||
                    (cs && !sl_avro_cs_is(cs, "struct")))
                        return bad_value(c, cs, at, v, field);
                return record_from(c, cs, v, dst, as);
        case AVRO_MAP: {
                if (v->type != SL_JSON_OBJECT ||
                    (cs && !sl_avro_cs_is(cs, "map")))
                        return bad_value(c, cs, at, v, field);
                const sl_json_t *vs = sl_json_object_get(cs, "values");
                for (size_t i = 0; i < v->u.obj.len; i++) {
                        avro_value_t child;
                        if (avro_value_add(dst, v->u.obj.keys[i], &child, NULL,
                                           NULL))
                                return VERR(c, "%s", avro_strerror());
                        TRY(vfrom(c, vs, v->u.obj.vals[i], &child,
                                  v->u.obj.keys[i]));
                }
                return 0;
        }
        case AVRO_ARRAY: {
                if (sl_avro_cs_is(cs, "map") &&
                    (v->type == SL_JSON_OBJECT || v->type == SL_JSON_ARRAY))
                        return entries_from(c, cs, v, dst, field);
                if (v->type != SL_JSON_ARRAY ||
                    (cs && !sl_avro_cs_is(cs, "array")))
                        return bad_value(c, cs, at, v, field);
                const sl_json_t *is = sl_json_object_get(cs, "items");
                for (size_t i = 0; i < v->u.arr.len; i++) {
                        avro_value_t child;
                        if (avro_value_append(dst, &child, NULL))
                                return VERR(c, "%s", avro_strerror());
                        TRY(vfrom(c, is, v->u.arr.items[i], &child, field));
                }
                return 0;
        }
        default:
                return primitive_from(c, cs, v, dst, at, as, field);
        }
}

static int vfrom(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                 avro_value_t *dst, const char *field)
{
        if (++c->depth > MAX_DEPTH)
                return VERR(c, "Value nested too deeply");
        sl_json_t *def = NULL;
        int rc = 0;
        /* Connect reads a missing value as the schema's default */
        if ((!v || v->type == SL_JSON_NULL) && sl_avro_cs_default(cs)) {
                rc = sl_avro_default_value(cs, &def, c->errstr, c->errstr_size);
                v = def;
        }
        if (rc == 0)
                rc = vfrom_inner(c, cs, v, dst, field);
        sl_json_free(def);
        c->depth--;
        return rc;
}

int sl_avro_value_from_connect(const sl_json_t *schema, const sl_json_t *value,
                               avro_value_t *dst, char *errstr,
                               size_t errstr_size)
{
        vctx_t c = {.errstr = errstr, .errstr_size = errstr_size};
        int rc = vfrom(&c, schema, value, dst, NULL);
        sl_buf_free(&c.tmp);
        return rc;
}

/* ============================================ libavro -> Connect value */

static int vto(vctx_t *c, const sl_json_t *cs, avro_value_t *src,
               sl_json_t **out);

static int union_to(vctx_t *c, const sl_json_t *cs, avro_value_t *src,
                    sl_json_t **out)
{
        avro_value_t branch;
        int disc;
        if (avro_value_get_discriminant(src, &disc) ||
            avro_value_get_current_branch(src, &branch))
                return VERR(c, "%s", avro_strerror());
        bool is_null = avro_value_get_type(&branch) == AVRO_NULL;
        if (!sl_avro_cs_is_union(cs)) {
                if (is_null)
                        return (*out = sl_json_null()) ? 0 : SL_ERR_NOMEM;
                return vto(c, cs, &branch, out);
        }
        if (is_null)
                return (*out = sl_json_null()) ? 0 : SL_ERR_NOMEM;
        avro_schema_t us = sl_avro_real_schema(avro_value_get_schema(src));
        const char *bname = avro_branch_name(avro_schema_union_branch(us, disc));
        const sl_json_t *f = sl_avro_cs_fields(cs);
        sl_json_t *res = sl_json_object();
        if (!res)
                return SL_ERR_NOMEM;
        int rc = 0;
        for (size_t i = 0; rc == 0 && f && i < f->u.arr.len; i++) {
                const sl_json_t *fs = f->u.arr.items[i];
                const char *name = sl_json_object_get_str(fs, "field");
                sl_json_t *fv = NULL;
                if (name && bname && !strcmp(name, bname))
                        rc = vto(c, fs, &branch, &fv);
                else
                        fv = sl_json_null();
                if (rc == 0)
                        rc = sl_json_object_set(res, name ? name : "", fv);
        }
        if (rc < 0) {
                sl_json_free(res);
                return rc;
        }
        *out = res;
        return 0;
}

static int entries_to(vctx_t *c, const sl_json_t *cs, avro_value_t *src,
                      sl_json_t **out)
{
        const sl_json_t *ks = sl_json_object_get(cs, "keys");
        const sl_json_t *vs = sl_json_object_get(cs, "values");
        size_t n;
        if (avro_value_get_size(src, &n))
                return VERR(c, "%s", avro_strerror());
        sl_json_t *res = sl_json_array();
        int rc = res ? 0 : SL_ERR_NOMEM;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                avro_value_t rec, kf, vf;
                sl_json_t *pair = NULL, *k = NULL, *v = NULL;
                if (avro_value_get_by_index(src, i, &rec, NULL) ||
                    avro_value_get_by_name(&rec, "key", &kf, NULL) ||
                    avro_value_get_by_name(&rec, "value", &vf, NULL)) {
                        rc = VERR(c, "%s", avro_strerror());
                        break;
                }
                rc = vto(c, ks, &kf, &k);
                if (rc == 0)
                        rc = vto(c, vs, &vf, &v);
                if (rc == 0 && !(pair = sl_json_array()))
                        rc = SL_ERR_NOMEM;
                if (rc == 0) {
                        rc = sl_json_array_append(pair, k);
                        k = NULL;
                }
                if (rc == 0) {
                        rc = sl_json_array_append(pair, v);
                        v = NULL;
                }
                if (rc == 0) {
                        rc = sl_json_array_append(res, pair);
                        pair = NULL;
                }
                sl_json_free(k);
                sl_json_free(v);
                sl_json_free(pair);
        }
        if (rc < 0) {
                sl_json_free(res);
                return rc;
        }
        *out = res;
        /* string keys (optional ones send maps here too) make an object,
         * as JsonConverter and the transforms expect, when none is null */
        if (!sl_avro_cs_is(ks, "string"))
                return 0;
        for (size_t i = 0; i < res->u.arr.len; i++)
                if (res->u.arr.items[i]->u.arr.items[0]->type != SL_JSON_STRING)
                        return 0;
        sl_json_t *obj = sl_json_object();
        if (!obj) {
                sl_json_free(res);
                *out = NULL;
                return SL_ERR_NOMEM;
        }
        for (size_t i = 0; rc == 0 && i < res->u.arr.len; i++) {
                sl_json_t *pair = res->u.arr.items[i];
                rc = sl_json_object_set(obj, pair->u.arr.items[0]->u.str.ptr,
                                        pair->u.arr.items[1]);
                pair->u.arr.items[1] = NULL;
        }
        sl_json_free(res);
        *out = rc < 0 ? (sl_json_free(obj), NULL) : obj;
        return rc;
}

static int container_to(vctx_t *c, const sl_json_t *cs, avro_value_t *src,
                        avro_type_t at, sl_json_t **out)
{
        size_t n;
        if (avro_value_get_size(src, &n))
                return VERR(c, "%s", avro_strerror());
        const sl_json_t *kid = at == AVRO_ARRAY ? sl_json_object_get(cs, "items")
                               : at == AVRO_MAP ? sl_json_object_get(cs, "values")
                                                : NULL;
        sl_json_t *res = at == AVRO_ARRAY ? sl_json_array() : sl_json_object();
        int rc = res ? 0 : SL_ERR_NOMEM;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                avro_value_t child;
                const char *name = NULL;
                sl_json_t *v = NULL;
                if (avro_value_get_by_index(src, i, &child, &name)) {
                        rc = VERR(c, "%s", avro_strerror());
                        break;
                }
                const sl_json_t *vs =
                        at == AVRO_RECORD ? sl_avro_field_schema(cs, name, i)
                                          : kid;
                rc = vto(c, vs, &child, &v);
                if (rc < 0)
                        break;
                if (at == AVRO_ARRAY) {
                        rc = sl_json_array_append(res, v);
                } else {
                        /* Avro names map keys and record fields uniquely */
                        char *k = strdup(name);
                        rc = k ? sl_json_object_push(res, k, v)
                               : (sl_json_free(v), SL_ERR_NOMEM);
                }
        }
        if (rc < 0) {
                sl_json_free(res);
                return rc;
        }
        *out = res;
        return 0;
}

static int vto_inner(vctx_t *c, const sl_json_t *cs, avro_value_t *src,
                     sl_json_t **out)
{
        avro_type_t at = avro_value_get_type(src);
        int rc = 0;
        switch (at) {
        case AVRO_UNION:
                return union_to(c, cs, src, out);
        case AVRO_NULL:
                *out = sl_json_null();
                break;
        case AVRO_BOOLEAN: {
                int b;
                rc = avro_value_get_boolean(src, &b);
                *out = rc ? NULL : sl_json_bool(b != 0);
                break;
        }
        case AVRO_INT32: {
                const char *t = sl_conv_schema_type(cs);
                int32_t i;
                rc = avro_value_get_int(src, &i);
                /* an Avro int under connect.type int8/int16 may not fit:
                 * refused as JsonConverter refuses it, not wrapped */
                if (rc == 0 &&
                    ((sl_conv_type_is(t, "int8") &&
                      (i < INT8_MIN || i > INT8_MAX)) ||
                     (sl_conv_type_is(t, "int16") &&
                      (i < INT16_MIN || i > INT16_MAX))))
                        return VERR(c, "Invalid value for %s field: %" PRId32
                                       " is out of range",
                                    sl_conv_type_upper(t), i);
                *out = rc ? NULL : sl_json_int(i);
                break;
        }
        case AVRO_INT64: {
                int64_t i;
                rc = avro_value_get_long(src, &i);
                *out = rc ? NULL : sl_json_int(i);
                break;
        }
        case AVRO_FLOAT: {
                float f;
                rc = avro_value_get_float(src, &f);
                *out = rc ? NULL : sl_json_double(f);
                break;
        }
        case AVRO_DOUBLE: {
                double d;
                rc = avro_value_get_double(src, &d);
                *out = rc ? NULL : sl_json_double(d);
                break;
        }
        case AVRO_STRING: {
                const char *s;
                size_t n;
                rc = avro_value_get_string(src, &s, &n);
                /* libavro counts the NUL */
                *out = rc ? NULL : sl_json_stringn(s, n ? n - 1 : 0);
                break;
        }
        case AVRO_BYTES:
        case AVRO_FIXED: {
                const void *p;
                size_t n;
                rc = at == AVRO_BYTES ? avro_value_get_bytes(src, &p, &n)
                                      : avro_value_get_fixed(src, &p, &n);
                *out = rc ? NULL : sl_json_bytes(p, n);
                break;
        }
        case AVRO_ENUM: {
                int sym;
                rc = avro_value_get_enum(src, &sym);
                const char *s =
                        rc ? NULL
                           : avro_schema_enum_get(
                                     sl_avro_real_schema(
                                             avro_value_get_schema(src)),
                                     sym);
                if (rc == 0 && !s)
                        return VERR(c, "Enum symbol %d out of range", sym);
                *out = rc ? NULL : sl_json_string(s);
                break;
        }
        case AVRO_ARRAY:
                if (sl_avro_cs_is(cs, "map"))
                        return entries_to(c, cs, src, out);
                return container_to(c, cs, src, at, out);
        case AVRO_MAP:
        case AVRO_RECORD:
                return container_to(c, cs, src, at, out);
        default:
                return VERR(c, "Unsupported Avro type %s", avro_kind(at));
        }
        if (rc)
                return VERR(c, "%s", avro_strerror());
        return *out ? 0 : SL_ERR_NOMEM;
}

static int vto(vctx_t *c, const sl_json_t *cs, avro_value_t *src,
               sl_json_t **out)
{
        *out = NULL;
        if (++c->depth > MAX_DEPTH)
                return VERR(c, "Value nested too deeply");
        int rc = vto_inner(c, cs, src, out);
        c->depth--;
        return rc;
}

int sl_avro_value_to_connect(const sl_json_t *schema, avro_value_t *src,
                             sl_json_t **out, char *errstr,
                             size_t errstr_size)
{
        vctx_t c = {.errstr = errstr, .errstr_size = errstr_size};
        int rc = vto(&c, schema, src, out);
        if (rc < 0 && rc != SL_ERR_CONVERT)
                return ERR(errstr, errstr_size, "%s", sl_err2str(rc));
        return rc;
}
