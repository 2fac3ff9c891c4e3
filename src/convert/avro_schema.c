/* Connect schema -> Avro schema JSON, as Confluent's AvroData builds it
 * and Avro's Java Schema.toString writes it (so subjects registered by
 * Java converters and by sluice hold the same text): optional types as
 * unions with null, Connect names split into Avro namespace and name and
 * checked against Avro's naming rules, each named type written once and
 * referenced after, ConnectDefault names for unnamed records and fixeds,
 * maps with non-string keys as arrays of MapEntry records, defaults as
 * Avro JSON, and the connect.* properties (connect.meta.data). Also the
 * Connect schema inferred for a schemaless primitive. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/avro_int.h"

/* ------------------------------------------------------------ helpers */

static const char *cs_param(const sl_json_t *s, const char *key)
{
        const sl_json_t *p = s ? sl_json_object_get(s, "parameters") : NULL;
        return p ? sl_json_object_get_str(p, key) : NULL;
}

static int parse_int_param(const char *s, long *out)
{
        char *end;
        if (!s || !*s)
                return -1;
        *out = strtol(s, &end, 10);
        return *end ? -1 : 0;
}

static int put_str(sl_buf_t *out, const char *s)
{
        return sl_json_write_string(out, s, strlen(s));
}

/* Splits a full name at its last dot; *spacep is malloc'd or NULL. */
static int split_name(const char *full, char **spacep, const char **simplep)
{
        const char *dot = strrchr(full, '.');
        *spacep = NULL;
        *simplep = full;
        if (!dot)
                return 0;
        *spacep = strndup(full, (size_t)(dot - full));
        *simplep = dot + 1;
        return *spacep ? 0 : SL_ERR_NOMEM;
}

/* ======================================== Connect schema -> Avro schema */

typedef struct named_def {
        char *full;
        const sl_json_t *cs; /* the Connect schema it was written from */
        bool entry;          /* a MapEntry record (compared by keys/values) */
} named_def_t;

typedef struct gen {
        const sl_avro_opts_t *o;
        int defaults; /* ConnectDefault names handed out */
        named_def_t *named;
        size_t n_named, cap_named;
        int depth;
        char *errstr;
        size_t errstr_size;
} gen_t;

#define GERR(g, ...) ERR((g)->errstr, (g)->errstr_size, __VA_ARGS__)

static int gen_schema(gen_t *g, const sl_json_t *cs, const char *ns,
                      bool ignore_optional, sl_buf_t *out);

static bool same_json(const sl_json_t *a, const sl_json_t *b)
{
        return (!a && !b) || (a && b && sl_json_equal(a, b));
}

/* Two Connect schemas define the same named Avro type: a MapEntry record
 * depends on the map's key and value schemas only. */
static bool same_def(const sl_json_t *a, const sl_json_t *b, bool entry)
{
        static const char *const all[] = {"type",   "fields",  "items",
                                          "keys",   "values",  "version",
                                          "doc",    "parameters", NULL};
        static const char *const kv[] = {"keys", "values", NULL};
        for (const char *const *k = entry ? kv : all; *k; k++)
                if (!same_json(sl_json_object_get(a, *k),
                               sl_json_object_get(b, *k)))
                        return false;
        return true;
}

/* Records that full is being written from cs: 0 for a new name, 1 when
 * an equal definition was written already (write a reference), 2 when the
 * name is taken by a different one. */
static int claim_name(gen_t *g, const char *full, const sl_json_t *cs,
                      bool entry)
{
        for (size_t i = 0; i < g->n_named; i++)
                if (!strcmp(g->named[i].full, full))
                        return g->named[i].entry == entry &&
                                               same_def(g->named[i].cs, cs,
                                                        entry)
                                       ? 1
                                       : 2;
        if (g->n_named == g->cap_named) {
                size_t cap = g->cap_named ? g->cap_named * 2 : 8;
                named_def_t *n = realloc(g->named, cap * sizeof(*n));
                if (!n)
                        return SL_ERR_NOMEM;
                g->named = n;
                g->cap_named = cap;
        }
        char *copy = strdup(full);
        if (!copy)
                return SL_ERR_NOMEM;
        g->named[g->n_named++] = (named_def_t){copy, cs, entry};
        return 0;
}

/* A reference to an already written named type, relative to ns as Avro's
 * Java writer does. */
static int put_ref(sl_buf_t *out, const char *space, const char *simple,
                   const char *ns)
{
        if (space && ns && !strcmp(space, ns))
                return put_str(out, simple);
        char *full = sl_avro_join_name(space, simple);
        int rc = full ? put_str(out, full) : SL_ERR_NOMEM;
        free(full);
        return rc;
}

/* ,"name":..[,"namespace":..]: the namespace only when it differs from
 * the enclosing one. */
static int put_name(sl_buf_t *out, const char *space, const char *simple,
                    const char *ns)
{
        TRY(sl_buf_puts(out, ",\"name\":"));
        TRY(put_str(out, simple));
        if (space ? (!ns || strcmp(space, ns)) : ns != NULL) {
                TRY(sl_buf_puts(out, ",\"namespace\":"));
                TRY(put_str(out, space ? space : ""));
        }
        return 0;
}

/* Avro names: [A-Za-z_][A-Za-z0-9_]*, with Avro Java's messages (libavro
 * would only say "Invalid Avro identifier"). n = -1: NUL-terminated. */
static int check_name(gen_t *g, const char *name, size_t n)
{
        if (n == (size_t)-1)
                n = strlen(name);
        if (!n)
                return GERR(g, "Empty name");
        for (size_t i = 0; i < n; i++) {
                char ch = name[i];
                bool alpha = (ch >= 'A' && ch <= 'Z') ||
                             (ch >= 'a' && ch <= 'z') || ch == '_';
                if (!alpha && (i == 0 || ch < '0' || ch > '9'))
                        return GERR(g, i ? "Illegal character in: %.*s"
                                         : "Illegal initial character: %.*s",
                                    (int)n, name);
        }
        return 0;
}

static int check_full_name(gen_t *g, const char *space, const char *simple)
{
        for (const char *p = space; p && *p;) {
                const char *dot = strchr(p, '.');
                size_t n = dot ? (size_t)(dot - p) : strlen(p);
                TRY(check_name(g, p, n));
                p = dot ? dot + 1 : p + n;
        }
        return check_name(g, simple, (size_t)-1);
}

/* Connect value v (of schema cs) as Avro JSON: default values. Bytes are
 * Latin-1 strings in field defaults, base64 in connect.default (as
 * Jackson writes Confluent's binary nodes). */
static int put_avro_json(gen_t *g, const sl_json_t *cs, const sl_json_t *v,
                         bool latin1, sl_buf_t *out)
{
        if (!v || v->type == SL_JSON_NULL)
                return sl_buf_puts(out, "null");
        if (++g->depth > MAX_DEPTH)
                return GERR(g, "Schema nested too deeply");
        const char *t = sl_conv_schema_type(cs);
        int rc = 0;
        if (sl_conv_type_is(t, "float") || sl_conv_type_is(t, "double")) {
                sl_json_t d = {.type = SL_JSON_DOUBLE};
                d.u.d = v->type == SL_JSON_INT ? (double)v->u.i : v->u.d;
                rc = sl_json_write(&d, out);
        } else if (v->type == SL_JSON_BYTES ||
                   (sl_conv_type_is(t, "bytes") && v->type == SL_JSON_STRING)) {
                if (latin1)
                        rc = sl_avro_put_latin1(
                                out, (const unsigned char *)v->u.str.ptr,
                                v->u.str.len);
                else
                        rc = sl_json_write(&SL_JSON_BYTES_REF(v->u.str.ptr,
                                                              v->u.str.len),
                                           out);
        } else if (sl_conv_type_is(t, "array") && v->type == SL_JSON_ARRAY) {
                const sl_json_t *items = sl_json_object_get(cs, "items");
                rc = sl_buf_putc(out, '[');
                for (size_t i = 0; rc == 0 && i < v->u.arr.len; i++) {
                        if (i)
                                rc = sl_buf_putc(out, ',');
                        if (rc == 0)
                                rc = put_avro_json(g, items, v->u.arr.items[i],
                                                   latin1, out);
                }
                if (rc == 0)
                        rc = sl_buf_putc(out, ']');
        } else if (sl_conv_type_is(t, "map")) {
                const sl_json_t *ks = sl_json_object_get(cs, "keys");
                const sl_json_t *vs = sl_json_object_get(cs, "values");
                if (v->type == SL_JSON_OBJECT && sl_avro_cs_is(ks, "string") &&
                    !sl_conv_schema_optional(ks)) {
                        rc = sl_buf_putc(out, '{');
                        for (size_t i = 0; rc == 0 && i < v->u.obj.len; i++) {
                                if (i)
                                        rc = sl_buf_putc(out, ',');
                                if (rc == 0)
                                        rc = put_str(out, v->u.obj.keys[i]);
                                if (rc == 0)
                                        rc = sl_buf_putc(out, ':');
                                if (rc == 0)
                                        rc = put_avro_json(g, vs,
                                                           v->u.obj.vals[i],
                                                           latin1, out);
                        }
                        if (rc == 0)
                                rc = sl_buf_putc(out, '}');
                } else {
                        /* JsonConverter gives non-string keyed maps as
                         * [[k,v],...] and string keyed ones as objects. */
                        size_t n = v->type == SL_JSON_OBJECT ? v->u.obj.len
                                                             : v->u.arr.len;
                        rc = sl_buf_putc(out, '[');
                        for (size_t i = 0; rc == 0 && i < n; i++) {
                                sl_json_t key, *kp = &key;
                                const sl_json_t *val;
                                if (v->type == SL_JSON_OBJECT) {
                                        key = SL_JSON_STRING_REF(
                                                v->u.obj.keys[i],
                                                strlen(v->u.obj.keys[i]));
                                        val = v->u.obj.vals[i];
                                } else {
                                        const sl_json_t *p = v->u.arr.items[i];
                                        if (!p || p->type != SL_JSON_ARRAY ||
                                            p->u.arr.len != 2)
                                                return GERR(g, "Invalid map "
                                                               "default");
                                        kp = p->u.arr.items[0];
                                        val = p->u.arr.items[1];
                                }
                                rc = sl_buf_puts(out,
                                                 i ? ",{\"key\":" : "{\"key\":");
                                if (rc == 0)
                                        rc = put_avro_json(g, ks, kp, latin1,
                                                           out);
                                if (rc == 0)
                                        rc = sl_buf_puts(out, ",\"value\":");
                                if (rc == 0)
                                        rc = put_avro_json(g, vs, val, latin1,
                                                           out);
                                if (rc == 0)
                                        rc = sl_buf_putc(out, '}');
                        }
                        if (rc == 0)
                                rc = sl_buf_putc(out, ']');
                }
        } else if (sl_conv_type_is(t, "struct") && v->type == SL_JSON_OBJECT) {
                const sl_json_t *f = sl_avro_cs_fields(cs);
                bool uni = sl_avro_cs_is_union(cs);
                if (!uni)
                        rc = sl_buf_putc(out, '{');
                bool done = false;
                for (size_t i = 0; rc == 0 && f && i < f->u.arr.len; i++) {
                        const sl_json_t *fs = f->u.arr.items[i];
                        const char *name = sl_json_object_get_str(fs, "field");
                        const sl_json_t *fv =
                                sl_avro_member(v, i, name ? name : "");
                        if (uni) {
                                /* the branch that is set stands alone */
                                if (!done && fv && fv->type != SL_JSON_NULL) {
                                        rc = put_avro_json(g, fs, fv, latin1,
                                                           out);
                                        done = true;
                                }
                                continue;
                        }
                        if (i)
                                rc = sl_buf_putc(out, ',');
                        if (rc == 0)
                                rc = put_str(out, name ? name : "");
                        if (rc == 0)
                                rc = sl_buf_putc(out, ':');
                        if (rc == 0)
                                rc = put_avro_json(g, fs, fv, latin1, out);
                }
                if (rc == 0)
                        rc = uni ? (done ? 0 : sl_buf_puts(out, "null"))
                                 : sl_buf_putc(out, '}');
        } else {
                rc = sl_json_write(v, out);
        }
        g->depth--;
        return rc;
}

/* The default of cs (JsonConverter form) written as Avro JSON. */
static int put_default(gen_t *g, const sl_json_t *cs, bool latin1,
                       sl_buf_t *out)
{
        sl_json_t *v = NULL;
        int rc = sl_avro_default_value(cs, &v, g->errstr, g->errstr_size);
        if (rc == 0)
                rc = put_avro_json(g, cs, v, latin1, out);
        sl_json_free(v);
        return rc;
}

/* The connect.* properties Confluent puts on every non-union type, in
 * Confluent's order, then connect.type for int8/int16. */
static int put_meta(gen_t *g, const sl_json_t *cs, const char *ctype,
                    sl_buf_t *out)
{
        if (!g->o->connect_meta)
                return 0;
        const char *doc = sl_json_object_get_str(cs, "doc");
        const sl_json_t *ver = sl_json_object_get(cs, "version");
        const sl_json_t *params = sl_json_object_get(cs, "parameters");
        const char *name = sl_avro_cs_name(cs);
        if (doc) {
                TRY(sl_buf_puts(out, ",\"connect.doc\":"));
                TRY(put_str(out, doc));
        }
        if (ver && ver->type == SL_JSON_INT)
                TRY(sl_buf_printf(out, ",\"connect.version\":%" PRId64,
                                  ver->u.i));
        if (params && params->type == SL_JSON_OBJECT && params->u.obj.len) {
                TRY(sl_buf_puts(out, ",\"connect.parameters\":"));
                TRY(sl_json_write(params, out));
        }
        if (sl_avro_cs_default(cs)) {
                TRY(sl_buf_puts(out, ",\"connect.default\":"));
                TRY(put_default(g, cs, false, out));
        }
        if (name) {
                TRY(sl_buf_puts(out, ",\"connect.name\":"));
                TRY(put_str(out, name));
        }
        if (ctype)
                TRY(sl_buf_printf(out, ",\"connect.type\":\"%s\"", ctype));
        return 0;
}

/* {"name":..,"type":..[,"doc":..][,"default":..]}: optional fields get a
 * null default unless the Connect schema has its own. */
static int gen_field(gen_t *g, const char *name, const sl_json_t *fs,
                     const char *ns, sl_buf_t *out)
{
        TRY(check_name(g, name, (size_t)-1));
        TRY(sl_buf_puts(out, "{\"name\":"));
        TRY(put_str(out, name));
        TRY(sl_buf_puts(out, ",\"type\":"));
        TRY(gen_schema(g, fs, ns, false, out));
        const char *doc = sl_json_object_get_str(fs, "doc");
        if (doc) {
                TRY(sl_buf_puts(out, ",\"doc\":"));
                TRY(put_str(out, doc));
        }
        if (sl_avro_cs_default(fs)) {
                TRY(sl_buf_puts(out, ",\"default\":"));
                TRY(put_default(g, fs, true, out));
        } else if (sl_conv_schema_optional(fs)) {
                TRY(sl_buf_puts(out, ",\"default\":null"));
        }
        return sl_buf_putc(out, '}');
}

/* Name of a named type made from cs: its Connect name split, or a fresh
 * ConnectDefault name. *spacep is malloc'd (or NULL), *simplep points
 * into cs or into buf. */
static int type_name(gen_t *g, const sl_json_t *cs, char **spacep,
                     const char **simplep, char *buf, size_t bufsize)
{
        const char *name = sl_avro_cs_name(cs);
        if (name)
                return split_name(name, spacep, simplep);
        int n = ++g->defaults;
        if (n == 1)
                snprintf(buf, bufsize, "ConnectDefault");
        else
                snprintf(buf, bufsize, "ConnectDefault%d", n);
        *simplep = buf;
        *spacep = strdup(SL_AVRO_NAMESPACE);
        return *spacep ? 0 : SL_ERR_NOMEM;
}

/* Claims space.simple for cs. 1: a reference was written instead. */
static int claim_or_ref(gen_t *g, const char *space, const char *simple,
                        const sl_json_t *cs, bool entry, const char *ns,
                        sl_buf_t *out)
{
        TRY(check_full_name(g, space, simple));
        char *full = sl_avro_join_name(space, simple);
        if (!full)
                return SL_ERR_NOMEM;
        int c = claim_name(g, full, cs, entry);
        if (c == 2)
                c = GERR(g, "Can't redefine: %s", full);
        free(full);
        if (c == 1)
                TRY(put_ref(out, space, simple, ns));
        return c;
}

static int gen_record(gen_t *g, const sl_json_t *cs, const char *ns,
                      sl_buf_t *out)
{
        char *space, buf[32];
        const char *simple;
        TRY(type_name(g, cs, &space, &simple, buf, sizeof(buf)));
        int rc = claim_or_ref(g, space, simple, cs, false, ns, out);
        if (rc != 0) {
                free(space);
                return rc < 0 ? rc : 0;
        }
        const char *rdoc = cs_param(cs, RECORD_DOC_PARAM);
        const sl_json_t *f = sl_avro_cs_fields(cs);
        rc = sl_buf_puts(out, "{\"type\":\"record\"");
        if (rc == 0)
                rc = put_name(out, space, simple, ns);
        if (rc == 0 && rdoc) {
                rc = sl_buf_puts(out, ",\"doc\":");
                if (rc == 0)
                        rc = put_str(out, rdoc);
        }
        if (rc == 0)
                rc = sl_buf_puts(out, ",\"fields\":[");
        for (size_t i = 0; rc == 0 && f && i < f->u.arr.len; i++) {
                const sl_json_t *fs = f->u.arr.items[i];
                const char *name = sl_json_object_get_str(fs, "field");
                if (!name) {
                        rc = GERR(g, "Struct schema's field name not "
                                     "specified properly");
                        break;
                }
                if (i)
                        rc = sl_buf_putc(out, ',');
                if (rc == 0)
                        rc = gen_field(g, name, fs, space, out);
        }
        if (rc == 0)
                rc = sl_buf_putc(out, ']');
        if (rc == 0)
                rc = put_meta(g, cs, NULL, out);
        if (rc == 0)
                rc = sl_buf_putc(out, '}');
        free(space);
        return rc;
}

/* Maps with string keys are Avro maps; any other key type becomes an
 * array of key/value records (io.confluent.connect.avro.MapEntry). */
static int gen_map(gen_t *g, const sl_json_t *cs, const char *ns,
                   sl_buf_t *out)
{
        const sl_json_t *ks = sl_json_object_get(cs, "keys");
        const sl_json_t *vs = sl_json_object_get(cs, "values");
        if (!ks || !vs)
                return GERR(g, "Map schema did not specify the %s type",
                            ks ? "value" : "key");
        if (sl_avro_cs_is(ks, "string") && !sl_conv_schema_optional(ks)) {
                TRY(sl_buf_puts(out, "{\"type\":\"map\",\"values\":"));
                TRY(gen_schema(g, vs, ns, false, out));
                TRY(put_meta(g, cs, NULL, out));
                return sl_buf_putc(out, '}');
        }
        TRY(sl_buf_puts(out, "{\"type\":\"array\",\"items\":"));
        char *space = NULL, buf[32];
        const char *simple = "MapEntry";
        bool internal = sl_avro_cs_name(cs) != NULL;
        if (internal)
                TRY(split_name(sl_avro_cs_name(cs), &space, &simple));
        else if (!(space = strdup(SL_AVRO_NAMESPACE)))
                return SL_ERR_NOMEM;
        int rc;
        if (internal) {
                rc = claim_or_ref(g, space, simple, cs, true, ns, out);
        } else {
                /* Avro's Java writer would silently reuse the first
                 * MapEntry for a second map of other types; a fresh name
                 * (marked as a map entry) keeps both correct. */
                for (int n = 1;; n++) {
                        if (n > 1) {
                                snprintf(buf, sizeof(buf), "MapEntry%d", n);
                                simple = buf;
                                internal = true;
                        }
                        char *full = sl_avro_join_name(space, simple);
                        rc = full ? claim_name(g, full, cs, true)
                                  : SL_ERR_NOMEM;
                        free(full);
                        if (rc != 2)
                                break;
                }
                if (rc == 1 && (rc = put_ref(out, space, simple, ns)) == 0)
                        rc = 1;
        }
        if (rc == 0) {
                rc = sl_buf_puts(out, "{\"type\":\"record\"");
                if (rc == 0)
                        rc = put_name(out, space, simple, ns);
                if (rc == 0)
                        rc = sl_buf_puts(out, ",\"fields\":[");
                if (rc == 0)
                        rc = gen_field(g, "key", ks, space, out);
                if (rc == 0)
                        rc = sl_buf_putc(out, ',');
                if (rc == 0)
                        rc = gen_field(g, "value", vs, space, out);
                if (rc == 0)
                        rc = sl_buf_putc(out, ']');
                if (rc == 0 && internal)
                        rc = sl_buf_puts(out, ",\"connect.internal.type\":"
                                              "\"MapEntry\"");
                if (rc == 0)
                        rc = sl_buf_putc(out, '}');
        }
        free(space);
        if (rc < 0)
                return rc;
        TRY(put_meta(g, cs, NULL, out));
        return sl_buf_putc(out, '}');
}

/* A string schema carrying Confluent's enum parameters, as an Avro enum
 * (enhanced.avro.schema.support). */
static int gen_enum(gen_t *g, const sl_json_t *cs, const char *full,
                    const char *ns, sl_buf_t *out)
{
        char *space;
        const char *simple;
        TRY(split_name(full, &space, &simple));
        int rc = claim_or_ref(g, space, simple, cs, false, ns, out);
        if (rc != 0) {
                free(space);
                return rc < 0 ? rc : 0;
        }
        const sl_json_t *p = sl_json_object_get(cs, "parameters");
        size_t plen = strlen(SL_AVRO_ENUM) + 1;
        rc = sl_buf_puts(out, "{\"type\":\"enum\"");
        if (rc == 0)
                rc = put_name(out, space, simple, ns);
        if (rc == 0)
                rc = sl_buf_puts(out, ",\"symbols\":[");
        bool first = true;
        for (size_t i = 0; rc == 0 && i < p->u.obj.len; i++) {
                const char *k = p->u.obj.keys[i];
                if (strncmp(k, SL_AVRO_ENUM ".", plen) ||
                    p->u.obj.vals[i]->type != SL_JSON_STRING)
                        continue;
                if (!first)
                        rc = sl_buf_putc(out, ',');
                first = false;
                if (rc == 0)
                        rc = put_str(out, k + plen);
        }
        if (rc == 0)
                rc = sl_buf_putc(out, ']');
        if (rc == 0)
                rc = put_meta(g, cs, NULL, out);
        if (rc == 0)
                rc = sl_buf_putc(out, '}');
        free(space);
        return rc;
}

/* Primitive types, as a bare name when nothing annotates them. */
static int gen_primitive(gen_t *g, const sl_json_t *cs, const char *t,
                         const char *ns, sl_buf_t *out)
{
        static const char *const map[][3] = {
                {"int8", "int", "int8"},    {"int16", "int", "int16"},
                {"int32", "int", NULL},     {"int64", "long", NULL},
                {"float", "float", NULL},   {"double", "double", NULL},
                {"boolean", "boolean", NULL}, {"string", "string", NULL},
                {"bytes", "bytes", NULL},
        };
        const char *avro = NULL, *ctype = NULL, *logical = NULL;
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (!strcmp(t, map[i][0])) {
                        avro = map[i][1];
                        ctype = map[i][2];
                }
        if (!avro)
                return GERR(g, "Unknown schema type: %s", t);
        const char *fixed = cs_param(cs, FIXED_SIZE_PARAM);
        long size = 0;
        if (!strcmp(avro, "bytes") && fixed &&
            (parse_int_param(fixed, &size) < 0 || size < 0))
                return GERR(g, "Invalid %s parameter: %s", FIXED_SIZE_PARAM,
                            fixed);
        sl_buf_t props = SL_BUF_INIT;
        int rc = 0;
        if (!strcmp(avro, "bytes") &&
            sl_avro_cs_named(cs, SL_DECIMAL_LOGICAL)) {
                long precision = DEFAULT_PRECISION, scale = 0;
                const char *ps = cs_param(cs, PRECISION_PARAM);
                const char *ss = cs_param(cs, "scale");
                if ((ps && parse_int_param(ps, &precision) < 0) ||
                    (ss && parse_int_param(ss, &scale) < 0))
                        return GERR(g, "Invalid Decimal parameters");
                rc = sl_buf_printf(&props, ",\"scale\":%ld,\"precision\":%ld",
                                   scale, precision);
                /* Avro cannot express these; Confluent keeps the legacy
                 * parameters only. */
                if (scale >= 0 && scale <= precision)
                        logical = "decimal";
        } else if (sl_avro_cs_named(cs, LOGICAL_DATE)) {
                logical = "date";
        } else if (sl_avro_cs_named(cs, LOGICAL_TIME)) {
                logical = "time-millis";
        } else if (sl_avro_cs_named(cs, LOGICAL_TIMESTAMP)) {
                logical = "timestamp-millis";
        }
        if (rc == 0)
                rc = put_meta(g, cs, g->o->connect_meta ? ctype : NULL, &props);
        if (rc == 0 && logical)
                rc = sl_buf_printf(&props, ",\"logicalType\":\"%s\"", logical);
        if (rc < 0) {
                sl_buf_free(&props);
                return rc;
        }
        if (fixed) {
                char *space, buf[32];
                const char *simple;
                rc = type_name(g, cs, &space, &simple, buf, sizeof(buf));
                if (rc == 0)
                        rc = claim_or_ref(g, space, simple, cs, false, ns, out);
                if (rc == 0)
                        rc = sl_buf_puts(out, "{\"type\":\"fixed\"");
                if (rc == 0)
                        rc = put_name(out, space, simple, ns);
                if (rc == 0)
                        rc = sl_buf_printf(out, ",\"size\":%ld", size);
                if (rc == 0 && props.len)
                        rc = sl_buf_append(out, props.data, props.len);
                if (rc == 0)
                        rc = sl_buf_putc(out, '}');
                free(space);
                sl_buf_free(&props);
                return rc < 0 ? rc : 0;
        }
        if (props.len == 0) {
                rc = put_str(out, avro);
        } else {
                rc = sl_buf_printf(out, "{\"type\":\"%s\"", avro);
                if (rc == 0)
                        rc = sl_buf_append(out, props.data, props.len);
                if (rc == 0)
                        rc = sl_buf_putc(out, '}');
        }
        sl_buf_free(&props);
        return rc;
}

/* Confluent's Union struct: one Avro union, a branch per field. */
static int gen_union(gen_t *g, const sl_json_t *cs, const char *ns,
                     bool ignore_optional, sl_buf_t *out)
{
        const sl_json_t *f = sl_avro_cs_fields(cs);
        bool first = true;
        TRY(sl_buf_putc(out, '['));
        if (!ignore_optional && sl_conv_schema_optional(cs)) {
                TRY(sl_buf_puts(out, "\"null\""));
                first = false;
        }
        for (size_t i = 0; f && i < f->u.arr.len; i++) {
                if (!first)
                        TRY(sl_buf_putc(out, ','));
                first = false;
                TRY(gen_schema(g, f->u.arr.items[i], ns, true, out));
        }
        return sl_buf_putc(out, ']');
}

static int gen_base(gen_t *g, const sl_json_t *cs, const char *t,
                    const char *ns, sl_buf_t *out)
{
        if (!strcmp(t, "struct"))
                return gen_record(g, cs, ns, out);
        if (!strcmp(t, "map"))
                return gen_map(g, cs, ns, out);
        if (!strcmp(t, "array")) {
                const sl_json_t *items = sl_json_object_get(cs, "items");
                if (!items)
                        return GERR(g, "Array schema did not specify the "
                                       "element type");
                TRY(sl_buf_puts(out, "{\"type\":\"array\",\"items\":"));
                TRY(gen_schema(g, items, ns, false, out));
                TRY(put_meta(g, cs, NULL, out));
                return sl_buf_putc(out, '}');
        }
        const char *en = cs_param(cs, SL_AVRO_ENUM);
        if (!strcmp(t, "string") && g->o->enhanced && en)
                return gen_enum(g, cs, en, ns, out);
        return gen_primitive(g, cs, t, ns, out);
}

/* Optional types are unions with null: null first, unless the schema has
 * a default, which Avro requires to match the first branch. */
static int gen_schema(gen_t *g, const sl_json_t *cs, const char *ns,
                      bool ignore_optional, sl_buf_t *out)
{
        const char *t = sl_conv_schema_type(cs);
        if (!cs || cs->type != SL_JSON_OBJECT)
                return GERR(g, "Schema must be a JSON object");
        if (!t)
                return GERR(g, "Schema must contain 'type' field");
        if (++g->depth > MAX_DEPTH)
                return GERR(g, "Schema nested too deeply");
        int rc;
        if (sl_avro_cs_is_union(cs)) {
                rc = gen_union(g, cs, ns, ignore_optional, out);
        } else {
                bool opt = !ignore_optional && sl_conv_schema_optional(cs);
                bool def_first = opt && sl_avro_cs_default(cs);
                rc = !opt ? 0
                          : sl_buf_puts(out, def_first ? "[" : "[\"null\",");
                if (rc == 0)
                        rc = gen_base(g, cs, t, ns, out);
                if (rc == 0 && opt)
                        rc = sl_buf_puts(out, def_first ? ",\"null\"]" : "]");
        }
        g->depth--;
        return rc;
}

int sl_avro_schema_from_connect(const sl_json_t *schema,
                                const sl_avro_opts_t *o, sl_buf_t *out,
                                char *errstr, size_t errstr_size)
{
        if (!schema)
                return ERR(errstr, errstr_size,
                           "Schemaless data has no Avro schema");
        gen_t g = {.o = o, .errstr = errstr, .errstr_size = errstr_size};
        size_t start = out->len;
        int rc = gen_schema(&g, schema, NULL, false, out);
        for (size_t i = 0; i < g.n_named; i++)
                free(g.named[i].full);
        free(g.named);
        if (rc < 0) {
                out->len = start;
                if (out->data)
                        out->data[start] = '\0';
                if (rc != SL_ERR_CONVERT)
                        return ERR(errstr, errstr_size, "%s",
                                   sl_err2str(rc));
        }
        return rc;
}

int sl_avro_infer_schema(const sl_json_t *v, sl_json_t **out, char *errstr,
                         size_t errstr_size)
{
        static const char *const types[] = {
                [SL_JSON_BOOL] = "boolean", [SL_JSON_INT] = "int64",
                [SL_JSON_DOUBLE] = "double", [SL_JSON_STRING] = "string",
                [SL_JSON_BYTES] = "bytes",
        };
        *out = NULL;
        if (!v || v->type == SL_JSON_NULL || v->type == SL_JSON_ARRAY ||
            v->type == SL_JSON_OBJECT)
                return ERR(errstr, errstr_size,
                           "Cannot write schemaless %s data as Avro: Avro "
                           "needs a schema (use a connector or converter "
                           "that supplies one, e.g. JsonConverter with "
                           "schemas.enable=true)",
                           v && v->type == SL_JSON_ARRAY ? "array" : "map");
        sl_json_t *s = sl_json_object();
        if (!s || sl_json_object_set(s, "type",
                                     sl_json_string(types[v->type])) < 0 ||
            sl_json_object_set(s, "optional", sl_json_bool(true)) < 0) {
                sl_json_free(s);
                return ERR(errstr, errstr_size, "out of memory");
        }
        *out = s;
        return 0;
}
