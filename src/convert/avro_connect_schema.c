/* Avro schema JSON -> Connect schema (JsonConverter's schema JSON), as
 * Confluent's AvroData reads it: named types are registered in document
 * order and references resolved by Avro's namespace rules (a recursive
 * record is refused: a Connect schema cannot hold one), unions become
 * optional types or Confluent's Union struct, arrays of MapEntry records
 * become maps, and the connect.* properties avro_schema.c writes come back
 * as names, docs, versions and parameters. Default values are converted
 * by avro_defaults.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/avro_int.h"

/* ---- Avro names: definitions registered in document order, references
 * resolved in their namespace */

static bool is_primitive(const char *t)
{
        static const char *const p[] = {"null",  "boolean", "int",
                                        "long",  "float",   "double",
                                        "bytes", "string",  NULL};
        for (size_t i = 0; p[i]; i++)
                if (!strcmp(t, p[i]))
                        return true;
        return false;
}

static bool is_named_kind(const char *t)
{
        return !strcmp(t, "record") || !strcmp(t, "error") ||
               !strcmp(t, "enum") || !strcmp(t, "fixed");
}

static tnamed_t *find_named(tctx_t *c, const char *full)
{
        for (size_t i = 0; i < c->n_named; i++)
                if (!strcmp(c->named[i].full, full))
                        return &c->named[i];
        return NULL;
}

/* Full name and children's namespace of a named definition in context
 * ns (Avro's rules: a dotted name is full, else "namespace", else the
 * enclosing namespace). Both malloc'd. */
int sl_avro_def_names(tctx_t *c, const sl_json_t *def, const char *ns,
                      char **fullp, char **spacep)
{
        const char *name = sl_json_object_get_str(def, "name");
        *fullp = *spacep = NULL;
        if (!name || !*name)
                return TERR(c, "No name in schema: %s",
                            sl_json_object_get_str(def, "type"));
        const char *space = ns;
        const char *dot = strrchr(name, '.');
        const sl_json_t *nsn = sl_json_object_get(def, "namespace");
        char *owned = NULL;
        if (dot) {
                owned = strndup(name, (size_t)(dot - name));
                if (!owned)
                        return SL_ERR_NOMEM;
                space = owned;
                name = dot + 1;
        } else if (nsn && nsn->type == SL_JSON_STRING) {
                space = nsn->u.str.len ? nsn->u.str.ptr : NULL;
        }
        *fullp = sl_avro_join_name(space, name);
        *spacep = space ? strdup(space) : NULL;
        free(owned);
        if (!*fullp || (space && !*spacep)) {
                free(*fullp);
                free(*spacep);
                return SL_ERR_NOMEM;
        }
        /* libavro_parse shows libavro a NUL as a blank, and the name here
         * would end at it: the two would name different types */
        const sl_json_t *nn = sl_json_object_get(def, "name");
        if (memchr(nn->u.str.ptr, '\0', nn->u.str.len) ||
            (nsn && nsn->type == SL_JSON_STRING &&
             memchr(nsn->u.str.ptr, '\0', nsn->u.str.len))) {
                TERR(c, "Illegal character in: %s", *fullp);
                free(*fullp);
                free(*spacep);
                *fullp = *spacep = NULL;
                return SL_ERR_CONVERT;
        }
        return 0;
}

/* Registers a named definition met in document order; the same node met
 * again (a reference being expanded) is fine, another node is not. */
static int add_named(tctx_t *c, const sl_json_t *def, const char *ns,
                     tnamed_t **out)
{
        char *full, *space;
        TRY(sl_avro_def_names(c, def, ns, &full, &space));
        tnamed_t *n = find_named(c, full);
        if (n) {
                free(full);
                free(space);
                if (n->def != def)
                        return TERR(c, "Can't redefine: %s", n->full);
                *out = n;
                return 0;
        }
        if (c->n_named == c->cap_named) {
                size_t cap = c->cap_named ? c->cap_named * 2 : 8;
                tnamed_t *a = realloc(c->named, cap * sizeof(*a));
                if (!a) {
                        free(full);
                        free(space);
                        return SL_ERR_NOMEM;
                }
                c->named = a;
                c->cap_named = cap;
        }
        n = &c->named[c->n_named++];
        *n = (tnamed_t){full, def, space, false};
        *out = n;
        return 0;
}

/* A type reference by name, resolved in namespace ns. */
static tnamed_t *lookup_ref(tctx_t *c, const char *name, const char *ns)
{
        if (!strchr(name, '.') && ns) {
                char *full = sl_avro_join_name(ns, name);
                tnamed_t *n = full ? find_named(c, full) : NULL;
                free(full);
                if (n)
                        return n;
        }
        return find_named(c, name);
}

/* What an Avro schema node is: *typep is a primitive name, a complex
 * type name or "union"; *nodep the defining node (references followed),
 * *nsp the namespace it was defined in. */
int sl_avro_resolve(tctx_t *c, const sl_json_t *as, const char *ns,
                    const sl_json_t **nodep, const char **typep,
                    const char **nsp)
{
        *nsp = ns;
        *nodep = as;
        if (as && as->type == SL_JSON_ARRAY) {
                *typep = "union";
                return 0;
        }
        if (as && as->type == SL_JSON_STRING) {
                if (is_primitive(as->u.str.ptr)) {
                        *typep = as->u.str.ptr;
                        return 0;
                }
                tnamed_t *n = lookup_ref(c, as->u.str.ptr, ns);
                if (!n)
                        return TERR(c, "Undefined name: \"%s\"",
                                    as->u.str.ptr);
                if (n->busy)
                        return TERR(c, "Recursive Avro schemas are not "
                                       "supported (%s refers to itself)",
                                    n->full);
                *nodep = n->def;
                *typep = sl_json_object_get_str(n->def, "type");
                /* a named type's own node resolves names in its space's
                 * parent, which add_named recomputes from this context */
                *nsp = n->space;
                return 0;
        }
        const char *t = as ? sl_json_object_get_str(as, "type") : NULL;
        if (!t) {
                char *text = as ? sl_json_to_string(as) : NULL;
                int rc = TERR(c, "No type: %s", text ? text : "null");
                free(text);
                return rc;
        }
        *typep = t;
        return 0;
}

/* The field name Confluent gives a union branch: a named type's simple
 * name, else the type name. */
static const char *branch_field_name(const sl_json_t *node, const char *t)
{
        if (is_named_kind(t)) {
                const char *n = sl_json_object_get_str(node, "name");
                const char *dot = n ? strrchr(n, '.') : NULL;
                return dot ? dot + 1 : n;
        }
        return t;
}

/* Is this Avro array's item type Confluent's map entry record? */
bool sl_avro_is_map_entry(tctx_t *c, const sl_json_t *items, const char *ns,
                          const sl_json_t **nodep, const char **nsp)
{
        const char *t;
        char err[8];
        char *saved = c->errstr;
        size_t saved_n = c->errstr_size;
        c->errstr = err;
        c->errstr_size = sizeof(err);
        int rc = sl_avro_resolve(c, items, ns, nodep, &t, nsp);
        c->errstr = saved;
        c->errstr_size = saved_n;
        if (rc < 0 || (strcmp(t, "record") && strcmp(t, "error")))
                return false;
        const char *it = sl_json_object_get_str(*nodep, "connect.internal.type");
        if (it && !strcmp(it, "MapEntry"))
                return true;
        char *full, *space;
        if (sl_avro_def_names(c, *nodep, *nsp, &full, &space) < 0)
                return false;
        bool yes = !strcmp(full, SL_AVRO_MAP_ENTRY);
        free(full);
        free(space);
        return yes;
}

const sl_json_t *sl_avro_entry_field(const sl_json_t *entry, const char *name)
{
        const sl_json_t *f = sl_json_object_get(entry, "fields");
        for (size_t i = 0; f && f->type == SL_JSON_ARRAY && i < f->u.arr.len;
             i++) {
                const char *n = sl_json_object_get_str(f->u.arr.items[i],
                                                       "name");
                if (n && !strcmp(n, name))
                        return f->u.arr.items[i];
        }
        return NULL;
}

static int avro_to_connect(tctx_t *c, const sl_json_t *as, const char *ns,
                           bool force_optional, const sl_json_t *fdefault,
                           const char *fdoc, sl_json_t **out);

/* ---- the Connect schema being built, assembled in JsonConverter's
 * member order */

typedef struct cbuild {
        const char *type;
        sl_json_t *items, *keys, *values, *fields;
        bool optional;
        char *name;
        bool has_version;
        int64_t version;
        const char *doc;
        sl_json_t *params;
        sl_json_t *def;
} cbuild_t;

static void cb_free(cbuild_t *b)
{
        sl_json_free(b->items);
        sl_json_free(b->keys);
        sl_json_free(b->values);
        sl_json_free(b->fields);
        free(b->name);
        sl_json_free(b->params);
        sl_json_free(b->def);
        *b = (cbuild_t){0};
}

static int cb_param(cbuild_t *b, const char *key, const char *value)
{
        if (!b->params && !(b->params = sl_json_object()))
                return SL_ERR_NOMEM;
        return sl_json_object_set(b->params, key, sl_json_string(value));
}

static int cb_name(tctx_t *c, cbuild_t *b, const char *name)
{
        if (b->name) {
                if (strcmp(b->name, name))
                        return TERR(c, "Mismatched names: name already added "
                                       "to SchemaBuilder (%s) differs from "
                                       "name in source schema (%s)",
                                    b->name, name);
                return 0;
        }
        b->name = strdup(name);
        return b->name ? 0 : SL_ERR_NOMEM;
}

static int cb_logical(cbuild_t *b, const char *type, const char *name)
{
        b->type = type;
        b->has_version = true;
        b->version = 1;
        b->name = strdup(name);
        return b->name ? 0 : SL_ERR_NOMEM;
}

static sl_json_t *cb_take(cbuild_t *b)
{
        sl_json_t *s = sl_json_object();
        int rc = s ? sl_json_object_set(s, "type", sl_json_string(b->type))
                   : SL_ERR_NOMEM;
        static const char *const kids[] = {"items", "keys", "values",
                                           "fields"};
        sl_json_t **slots[] = {&b->items, &b->keys, &b->values, &b->fields};
        for (size_t i = 0; rc == 0 && i < 4; i++)
                if (*slots[i]) {
                        rc = sl_json_object_set(s, kids[i], *slots[i]);
                        *slots[i] = NULL;
                }
        if (rc == 0)
                rc = sl_json_object_set(s, "optional",
                                        sl_json_bool(b->optional));
        if (rc == 0 && b->name)
                rc = sl_json_object_set(s, "name", sl_json_string(b->name));
        if (rc == 0 && b->has_version)
                rc = sl_json_object_set(s, "version", sl_json_int(b->version));
        if (rc == 0 && b->doc)
                rc = sl_json_object_set(s, "doc", sl_json_string(b->doc));
        if (rc == 0 && b->params) {
                rc = sl_json_object_set(s, "parameters", b->params);
                b->params = NULL;
        }
        if (rc == 0 && b->def) {
                rc = sl_json_object_set(s, "default", b->def);
                b->def = NULL;
        }
        cb_free(b);
        if (rc < 0) {
                sl_json_free(s);
                return NULL;
        }
        return s;
}

static int set_field_name(sl_json_t *fs, const char *name)
{
        return sl_json_object_set(fs, "field", sl_json_string(name));
}

static int union_to_connect(tctx_t *c, const sl_json_t *node, const char *ns,
                            bool force_optional, const sl_json_t *fdefault,
                            const char *fdoc, cbuild_t *b, bool *donep,
                            sl_json_t **out)
{
        size_t n = node->u.arr.len, nulls = 0;
        const sl_json_t *other = NULL;
        for (size_t i = 0; i < n; i++) {
                const sl_json_t *m = node->u.arr.items[i];
                if (m->type == SL_JSON_STRING && !strcmp(m->u.str.ptr, "null"))
                        nulls++;
                else
                        other = m;
        }
        if (n == 2 && nulls == 1) {
                *donep = true;
                return avro_to_connect(c, other, ns, true, fdefault, fdoc,
                                       out);
        }
        b->type = "struct";
        b->name = strdup(SL_AVRO_UNION);
        b->fields = sl_json_array();
        if (!b->name || !b->fields)
                return SL_ERR_NOMEM;
        b->optional = force_optional || nulls > 0;
        for (size_t i = 0; i < n; i++) {
                const sl_json_t *m = node->u.arr.items[i], *mnode;
                const char *mt, *mns;
                if (m->type == SL_JSON_STRING && !strcmp(m->u.str.ptr, "null"))
                        continue;
                TRY(sl_avro_resolve(c, m, ns, &mnode, &mt, &mns));
                if (!strcmp(mt, "union"))
                        return TERR(c, "Unions may not immediately contain "
                                       "other unions");
                const char *fname = branch_field_name(mnode, mt);
                if (!fname)
                        return TERR(c, "No name in schema: %s", mt);
                for (size_t k = 0; k < b->fields->u.arr.len; k++)
                        if (!strcmp(sl_json_object_get_str(
                                            b->fields->u.arr.items[k], "field"),
                                    fname))
                                return TERR(c, "Multiple union schemas map "
                                               "to the Connect union field "
                                               "name");
                sl_json_t *fs;
                TRY(avro_to_connect(c, m, ns, true, NULL, NULL, &fs));
                int rc = set_field_name(fs, fname);
                if (rc < 0) {
                        sl_json_free(fs);
                        return rc;
                }
                TRY(sl_json_array_append(b->fields, fs));
        }
        b->doc = fdoc;
        return 0;
}

static int record_to_connect(tctx_t *c, const sl_json_t *node,
                             const char *space, cbuild_t *b)
{
        const sl_json_t *f = sl_json_object_get(node, "fields");
        if (!f || f->type != SL_JSON_ARRAY)
                return TERR(c, "Record has no fields: %s",
                            sl_json_object_get_str(node, "name"));
        b->type = "struct";
        if (!(b->fields = sl_json_array()))
                return SL_ERR_NOMEM;
        for (size_t i = 0; i < f->u.arr.len; i++) {
                const sl_json_t *fd = f->u.arr.items[i];
                const char *name = sl_json_object_get_str(fd, "name");
                const sl_json_t *ft = sl_json_object_get(fd, "type");
                if (!name || !ft)
                        return TERR(c, "Record field without %s",
                                    name ? "type" : "name");
                sl_json_t *fs;
                TRY(avro_to_connect(c, ft, space, false,
                                    sl_json_object_get(fd, "default"),
                                    sl_json_object_get_str(fd, "doc"), &fs));
                int rc = set_field_name(fs, name);
                if (rc < 0) {
                        sl_json_free(fs);
                        return rc;
                }
                TRY(sl_json_array_append(b->fields, fs));
        }
        const char *doc = sl_json_object_get_str(node, "doc");
        if (c->o->connect_meta && doc)
                TRY(cb_param(b, RECORD_DOC_PARAM, doc));
        return 0;
}

static int enum_to_connect(tctx_t *c, const sl_json_t *node, const char *full,
                           cbuild_t *b)
{
        const sl_json_t *syms = sl_json_object_get(node, "symbols");
        if (!syms || syms->type != SL_JSON_ARRAY)
                return TERR(c, "Enum has no symbols: %s", full);
        b->type = "string";
        const char *doc = sl_json_object_get_str(node, "doc");
        const char *simple = strrchr(full, '.');
        simple = simple ? simple + 1 : full;
        if (c->o->connect_meta && doc) {
                size_t need = strlen(ENUM_DOC_PREFIX) + strlen(simple) + 1;
                char *key = malloc(need);
                if (!key)
                        return SL_ERR_NOMEM;
                snprintf(key, need, "%s%s", ENUM_DOC_PREFIX, simple);
                int rc = cb_param(b, key, doc);
                free(key);
                TRY(rc);
        }
        TRY(cb_param(b, SL_AVRO_ENUM, full));
        for (size_t i = 0; i < syms->u.arr.len; i++) {
                const sl_json_t *s = syms->u.arr.items[i];
                if (s->type != SL_JSON_STRING)
                        return TERR(c, "Enum symbols must be strings");
                size_t need = strlen(SL_AVRO_ENUM) + s->u.str.len + 2;
                char *key = malloc(need);
                if (!key)
                        return SL_ERR_NOMEM;
                snprintf(key, need, "%s.%s", SL_AVRO_ENUM, s->u.str.ptr);
                int rc = cb_param(b, key, s->u.str.ptr);
                free(key);
                TRY(rc);
        }
        return 0;
}

static int bytes_to_connect(tctx_t *c, const sl_json_t *node, const char *t,
                            const char *logical, cbuild_t *b, bool *named)
{
        b->type = "bytes";
        if (logical && !strcasecmp(logical, "decimal")) {
                const sl_json_t *sn = sl_json_object_get(node, "scale");
                const sl_json_t *pn = sl_json_object_get(node, "precision");
                int64_t scale = sn && sn->type == SL_JSON_INT ? sn->u.i : 0;
                char tmp[32];
                TRY(cb_logical(b, "bytes", SL_DECIMAL_LOGICAL));
                *named = false; /* the logical name wins over a fixed's */
                snprintf(tmp, sizeof(tmp), "%" PRId64, scale);
                TRY(cb_param(b, "scale", tmp));
                if (pn) {
                        if (pn->type != SL_JSON_INT)
                                return TERR(c, "precision property must be a "
                                               "JSON Integer. "
                                               "https://avro.apache.org/docs/"
                                               "1.9.1/spec.html#Decimal");
                        if (pn->u.i != DEFAULT_PRECISION) {
                                snprintf(tmp, sizeof(tmp), "%" PRId64,
                                         pn->u.i);
                                TRY(cb_param(b, PRECISION_PARAM, tmp));
                        }
                }
        } else if (!strcmp(t, "fixed")) {
                const sl_json_t *sz = sl_json_object_get(node, "size");
                char tmp[32];
                if (!sz || sz->type != SL_JSON_INT)
                        return TERR(c, "Invalid \"size\" in fixed schema");
                snprintf(tmp, sizeof(tmp), "%" PRId64, sz->u.i);
                TRY(cb_param(b, FIXED_SIZE_PARAM, tmp));
        }
        return 0;
}

/* Base type of a non-union node into b. */
static int type_to_connect(tctx_t *c, const sl_json_t *node, const char *t,
                           const char *space, const char *full, cbuild_t *b,
                           bool *named)
{
        const char *logical = node->type == SL_JSON_OBJECT
                                      ? sl_json_object_get_str(node,
                                                               "logicalType")
                                      : NULL;
        const char *ctype = node->type == SL_JSON_OBJECT
                                    ? sl_json_object_get_str(node,
                                                             "connect.type")
                                    : NULL;
        if (!strcmp(t, "boolean") || !strcmp(t, "float") ||
            !strcmp(t, "double") || !strcmp(t, "string")) {
                b->type = t;
                return 0;
        }
        if (!strcmp(t, "int")) {
                if (logical && !strcasecmp(logical, "date"))
                        return cb_logical(b, "int32", LOGICAL_DATE);
                if (logical && !strcasecmp(logical, "time-millis"))
                        return cb_logical(b, "int32", LOGICAL_TIME);
                b->type = ctype && !logical && !strcmp(ctype, "int8")    ? "int8"
                          : ctype && !logical && !strcmp(ctype, "int16") ? "int16"
                                                                         : "int32";
                return 0;
        }
        if (!strcmp(t, "long")) {
                if (logical && !strcasecmp(logical, "timestamp-millis"))
                        return cb_logical(b, "int64", LOGICAL_TIMESTAMP);
                b->type = "int64";
                return 0;
        }
        if (!strcmp(t, "bytes") || !strcmp(t, "fixed"))
                return bytes_to_connect(c, node, t, logical, b, named);
        if (!strcmp(t, "null"))
                return TERR(c, "Standalone null schemas are not supported by "
                               "this converter");
        if (!strcmp(t, "enum"))
                return enum_to_connect(c, node, full, b);
        if (!strcmp(t, "record") || !strcmp(t, "error"))
                return record_to_connect(c, node, space, b);
        if (!strcmp(t, "map")) {
                const sl_json_t *values = sl_json_object_get(node, "values");
                if (!values)
                        return TERR(c, "Map has no values type");
                b->type = "map";
                b->keys = sl_json_object();
                if (!b->keys ||
                    sl_json_object_set(b->keys, "type",
                                       sl_json_string("string")) < 0 ||
                    sl_json_object_set(b->keys, "optional",
                                       sl_json_bool(false)) < 0)
                        return SL_ERR_NOMEM;
                return avro_to_connect(c, values, space, false, NULL, NULL,
                                       &b->values);
        }
        if (!strcmp(t, "array")) {
                const sl_json_t *items = sl_json_object_get(node, "items");
                const sl_json_t *entry;
                const char *ens;
                if (!items)
                        return TERR(c, "Array has no items type");
                if (!sl_avro_is_map_entry(c, items, space, &entry, &ens)) {
                        b->type = "array";
                        return avro_to_connect(c, items, space, false, NULL,
                                               NULL, &b->items);
                }
                const sl_json_t *f = sl_json_object_get(entry, "fields");
                const sl_json_t *kf = sl_avro_entry_field(entry, "key");
                const sl_json_t *vf = sl_avro_entry_field(entry, "value");
                if (!f || f->type != SL_JSON_ARRAY || f->u.arr.len != 2 ||
                    !kf || !vf)
                        return TERR(c, "Found map encoded as array of "
                                       "key-value pairs, but array elements "
                                       "do not match the expected format.");
                /* later references to the entry record need its name */
                tnamed_t *n;
                TRY(add_named(c, entry, ens, &n));
                b->type = "map";
                TRY(avro_to_connect(c, sl_json_object_get(kf, "type"),
                                    n->space, false, NULL, NULL, &b->keys));
                return avro_to_connect(c, sl_json_object_get(vf, "type"),
                                       n->space, false, NULL, NULL,
                                       &b->values);
        }
        return TERR(c, "Couldn't translate unsupported schema type %s.", t);
}

/* The connect.* properties back into b (see put_meta, avro_schema.c). */
static int meta_to_connect(tctx_t *c, const sl_json_t *node, cbuild_t *b,
                           const char *fdoc)
{
        bool obj = node->type == SL_JSON_OBJECT;
        const char *cdoc = obj ? sl_json_object_get_str(node, "connect.doc")
                               : NULL;
        const char *adoc = obj && node->type == SL_JSON_OBJECT
                                   ? sl_json_object_get_str(node, "doc")
                                   : NULL;
        b->doc = fdoc ? fdoc : cdoc ? cdoc : adoc;
        const sl_json_t *ver = obj ? sl_json_object_get(node, "connect.version")
                                   : NULL;
        if (ver) {
                if (ver->type != SL_JSON_INT) {
                        char *text = sl_json_to_string(ver);
                        int rc = TERR(c, "Invalid Connect version found: %s",
                                      text ? text : "?");
                        free(text);
                        return rc;
                }
                b->has_version = true;
                b->version = ver->u.i;
        }
        const sl_json_t *params =
                obj ? sl_json_object_get(node, "connect.parameters") : NULL;
        if (c->o->connect_meta && params) {
                if (params->type != SL_JSON_OBJECT)
                        return TERR(c, "Expected JSON object for schema "
                                       "parameters but found: %s",
                                    sl_conv_value_kind(params));
                for (size_t i = 0; i < params->u.obj.len; i++) {
                        const sl_json_t *v = params->u.obj.vals[i];
                        if (v->type != SL_JSON_STRING)
                                return TERR(c, "Expected schema parameter "
                                               "values to be strings but "
                                               "found: %s",
                                            sl_conv_value_kind(v));
                        TRY(cb_param(b, params->u.obj.keys[i], v->u.str.ptr));
                }
        }
        return 0;
}

static int avro_to_connect(tctx_t *c, const sl_json_t *as, const char *ns,
                           bool force_optional, const sl_json_t *fdefault,
                           const char *fdoc, sl_json_t **out)
{
        const sl_json_t *node;
        const char *t, *dns;
        cbuild_t b = {0};
        tnamed_t *n = NULL;
        char *full = NULL;
        bool named = false, done = false;
        *out = NULL;
        if (++c->depth > MAX_DEPTH)
                return TERR(c, "Schema nested too deeply");
        int rc = sl_avro_resolve(c, as, ns, &node, &t, &dns);
        if (rc == 0 && !strcmp(t, "union")) {
                rc = union_to_connect(c, node, dns, force_optional, fdefault,
                                      fdoc, &b, &done, out);
                if (rc == 0 && done) {
                        c->depth--;
                        return 0;
                }
        } else if (rc == 0) {
                const char *space = dns;
                if (is_named_kind(t)) {
                        rc = add_named(c, node, dns, &n);
                        if (rc == 0) {
                                space = n->space;
                                full = strdup(n->full);
                                named = true;
                                n->busy = true;
                                rc = full ? 0 : SL_ERR_NOMEM;
                        }
                }
                if (rc == 0)
                        rc = type_to_connect(c, node, t, space, full, &b,
                                             &named);
                if (n && full)
                        n = find_named(c, full); /* the array may have moved */
                if (n)
                        n->busy = false;
                if (rc == 0)
                        rc = meta_to_connect(c, node, &b, fdoc);
        }
        if (rc == 0) {
                const sl_json_t *cdef =
                        node->type == SL_JSON_OBJECT
                                ? sl_json_object_get(node, "connect.default")
                                : NULL;
                /* A default that does not fit is dropped, as Confluent
                 * does (with a warning there). */
                if (!strcmp(t, "union"))
                        ; /* a Union struct keeps no default */
                else if (fdefault && fdefault->type != SL_JSON_NULL)
                        sl_avro_default_from_avro(c, as, ns, fdefault, true,
                                                  &b.def);
                else if (cdef)
                        sl_avro_default_from_avro(c, as, ns, cdef, false,
                                                  &b.def);
                const char *cname =
                        node->type == SL_JSON_OBJECT
                                ? sl_json_object_get_str(node, "connect.name")
                                : NULL;
                const char *name = cname ? cname : named ? full : NULL;
                if (name && strncmp(name, SL_AVRO_DEFAULT_NAME,
                                    strlen(SL_AVRO_DEFAULT_NAME)))
                        rc = cb_name(c, &b, name);
                b.optional = b.optional || force_optional;
        }
        free(full);
        if (rc == 0 && !(*out = cb_take(&b)))
                rc = SL_ERR_NOMEM;
        if (rc < 0)
                cb_free(&b);
        c->depth--;
        return rc;
}

/* Every named definition in the document, registered by add_named (which
 * refuses a second definition of a name). */
static int walk_names(tctx_t *c, const sl_json_t *as, const char *ns, int depth)
{
        const sl_json_t *x;
        const char *t;
        tnamed_t *n;
        int rc = 0;
        if (depth > MAX_DEPTH)
                return TERR(c, "Schema nested too deeply");
        if (as && as->type == SL_JSON_ARRAY) {
                for (size_t i = 0; rc == 0 && i < as->u.arr.len; i++)
                        rc = walk_names(c, as->u.arr.items[i], ns, depth + 1);
                return rc;
        }
        if (!as || as->type != SL_JSON_OBJECT)
                return 0;
        if (!(t = sl_json_object_get_str(as, "type")))
                return walk_names(c, sl_json_object_get(as, "type"), ns,
                                  depth + 1);
        if (!strcmp(t, "array"))
                return walk_names(c, sl_json_object_get(as, "items"), ns,
                                  depth + 1);
        if (!strcmp(t, "map"))
                return walk_names(c, sl_json_object_get(as, "values"), ns,
                                  depth + 1);
        if (!is_named_kind(t))
                return 0;
        TRY(add_named(c, as, ns, &n));
        ns = n->space; /* the string stays put when the table grows */
        x = sl_json_object_get(as, "fields");
        for (size_t i = 0; rc == 0 && x && x->type == SL_JSON_ARRAY &&
                           i < x->u.arr.len;
             i++)
                rc = walk_names(c, sl_json_object_get(x->u.arr.items[i], "type"),
                                ns, depth + 1);
        return rc;
}

static void free_names(tctx_t *c)
{
        for (size_t i = 0; i < c->n_named; i++) {
                free(c->named[i].full);
                free(c->named[i].space);
        }
        free(c->named);
}

int sl_avro_check_names(const sl_json_t *avro, char *errstr, size_t errstr_size)
{
        tctx_t c = {.errstr = errstr, .errstr_size = errstr_size};
        int rc = walk_names(&c, avro, NULL, 0);
        free_names(&c);
        if (rc < 0 && rc != SL_ERR_CONVERT)
                return ERR(errstr, errstr_size, "%s", sl_err2str(rc));
        return rc;
}

int sl_avro_schema_to_connect(const sl_json_t *avro, const sl_avro_opts_t *o,
                              sl_json_t **out, char *errstr,
                              size_t errstr_size)
{
        tctx_t c = {.o = o, .errstr = errstr, .errstr_size = errstr_size};
        int rc = avro_to_connect(&c, avro, NULL, false, NULL, NULL, out);
        free_names(&c);
        if (rc < 0 && rc != SL_ERR_CONVERT)
                return ERR(errstr, errstr_size, "%s", sl_err2str(rc));
        return rc;
}
