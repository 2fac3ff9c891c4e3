/* Connect data <-> Avro (Confluent's AvroData): schemas both ways, Connect
 * values to and from libavro generic values, and the wire checks done
 * before libavro reads untrusted bytes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/avro_data.h"
#include "convert/conv_json.h"
#include "util/json_int.h"

/* Nesting bound for every walk here: keeps a hostile schema or datum from
 * exhausting the stack (Connect data is nowhere near this deep). */
#define MAX_DEPTH 128

#define LOGICAL_DATE "org.apache.kafka.connect.data.Date"
#define LOGICAL_TIME "org.apache.kafka.connect.data.Time"
#define LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define PRECISION_PARAM "connect.decimal.precision"
#define FIXED_SIZE_PARAM "connect.fixed.size"
#define RECORD_DOC_PARAM "connect.record.doc"
#define ENUM_DOC_PREFIX "io.confluent.connect.avro.enum.doc."
#define DEFAULT_PRECISION 64

#define ERR(e, n, ...) sl_seterr((e), (n), SL_ERR_CONVERT, __VA_ARGS__)

/* ------------------------------------------------------------ helpers */

static const char *cs_name(const sl_json_t *s)
{
        return s ? sl_json_object_get_str(s, "name") : NULL;
}

static const char *cs_param(const sl_json_t *s, const char *key)
{
        const sl_json_t *p = s ? sl_json_object_get(s, "parameters") : NULL;
        return p ? sl_json_object_get_str(p, key) : NULL;
}

/* The schema's default, NULL when it has none (or a JSON null one). */
static const sl_json_t *cs_default(const sl_json_t *s)
{
        const sl_json_t *d = s ? sl_json_object_get(s, "default") : NULL;
        return d && d->type != SL_JSON_NULL ? d : NULL;
}

static const sl_json_t *cs_fields(const sl_json_t *s)
{
        const sl_json_t *f = s ? sl_json_object_get(s, "fields") : NULL;
        return f && f->type == SL_JSON_ARRAY ? f : NULL;
}

static bool cs_is(const sl_json_t *s, const char *type)
{
        return sl_conv_type_is(sl_conv_schema_type(s), type);
}

static bool cs_named(const sl_json_t *s, const char *name)
{
        const char *n = cs_name(s);
        return n && !strcasecmp(n, name);
}

static bool cs_is_union(const sl_json_t *s)
{
        const char *n = cs_name(s);
        return cs_is(s, "struct") && n && !strcmp(n, SL_AVRO_UNION);
}

/* A member of a struct value: the field usually sits at its schema
 * position, so look there before searching. */
static const sl_json_t *member(const sl_json_t *v, size_t i, const char *name)
{
        if (!v || v->type != SL_JSON_OBJECT)
                return NULL;
        if (i < v->u.obj.len && !strcmp(v->u.obj.keys[i], name))
                return v->u.obj.vals[i];
        return sl_json_object_get(v, name);
}

static const sl_json_t *field_schema(const sl_json_t *cs, const char *name,
                                     size_t hint)
{
        const sl_json_t *f = cs_fields(cs);
        if (!f)
                return NULL;
        if (hint < f->u.arr.len) {
                const char *n =
                        sl_json_object_get_str(f->u.arr.items[hint], "field");
                if (n && !strcmp(n, name))
                        return f->u.arr.items[hint];
        }
        for (size_t i = 0; i < f->u.arr.len; i++) {
                const char *n =
                        sl_json_object_get_str(f->u.arr.items[i], "field");
                if (n && !strcmp(n, name))
                        return f->u.arr.items[i];
        }
        return NULL;
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

/* Avro JSON encodes bytes as a string of the code points 0-255. */
static int put_latin1(sl_buf_t *out, const unsigned char *p, size_t n)
{
        sl_buf_t tmp = SL_BUF_INIT;
        int rc = sl_buf_reserve(&tmp, n * 2);
        for (size_t i = 0; rc == 0 && i < n; i++) {
                if (p[i] < 0x80) {
                        rc = sl_buf_putc(&tmp, (char)p[i]);
                } else {
                        char two[2] = {(char)(0xc0 | (p[i] >> 6)),
                                       (char)(0x80 | (p[i] & 0x3f))};
                        rc = sl_buf_append(&tmp, two, 2);
                }
        }
        if (rc == 0)
                rc = sl_json_write_string(out, tmp.data ? tmp.data : "",
                                          tmp.len);
        sl_buf_free(&tmp);
        return rc;
}

/* Inverse of put_latin1; -1 for a code point above 255. */
static int get_latin1(const sl_json_t *s, sl_buf_t *out)
{
        const unsigned char *p = (const unsigned char *)s->u.str.ptr;
        size_t n = s->u.str.len;
        for (size_t i = 0; i < n; i++) {
                unsigned c = p[i];
                if (c >= 0x80) {
                        if ((c & 0xe0) != 0xc0 || i + 1 >= n ||
                            (p[i + 1] & 0xc0) != 0x80)
                                return -1;
                        c = ((c & 0x1f) << 6) | (p[++i] & 0x3f);
                        if (c > 0xff)
                                return -1;
                }
                if (sl_buf_putc(out, (char)c) < 0)
                        return -1;
        }
        return 0;
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

static char *join_name(const char *space, const char *simple)
{
        size_t a = space && *space ? strlen(space) : 0, b = strlen(simple);
        char *s = malloc(a + b + 2);
        if (!s)
                return NULL;
        if (a) {
                memcpy(s, space, a);
                s[a++] = '.';
        }
        memcpy(s + a, simple, b + 1);
        return s;
}

/* Default value of a Connect schema as Connect data (defaults are kept in
 * their JsonConverter payload form, e.g. bytes as base64). */
static int default_value(const sl_json_t *cs, sl_json_t **out, char *errstr,
                         size_t errstr_size)
{
        static const sl_json_conv_t cfg = {.schemas_enable = true};
        sl_jctx_t jc = {&cfg, errstr, errstr_size};
        sl_json_t *d = sl_json_dup(cs_default(cs));
        if (!d)
                return ERR(errstr, errstr_size, "out of memory");
        return sl_conv_json_to_connect(&jc, cs, d, out);
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
        char *full = join_name(space, simple);
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
                        rc = put_latin1(out, (const unsigned char *)v->u.str.ptr,
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
                if (v->type == SL_JSON_OBJECT && cs_is(ks, "string") &&
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
                const sl_json_t *f = cs_fields(cs);
                bool uni = cs_is_union(cs);
                if (!uni)
                        rc = sl_buf_putc(out, '{');
                bool done = false;
                for (size_t i = 0; rc == 0 && f && i < f->u.arr.len; i++) {
                        const sl_json_t *fs = f->u.arr.items[i];
                        const char *name = sl_json_object_get_str(fs, "field");
                        const sl_json_t *fv = member(v, i, name ? name : "");
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
        int rc = default_value(cs, &v, g->errstr, g->errstr_size);
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
        const char *name = cs_name(cs);
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
        if (cs_default(cs)) {
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
        if (cs_default(fs)) {
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
        const char *name = cs_name(cs);
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
        char *full = join_name(space, simple);
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
        const sl_json_t *f = cs_fields(cs);
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
        if (cs_is(ks, "string") && !sl_conv_schema_optional(ks)) {
                TRY(sl_buf_puts(out, "{\"type\":\"map\",\"values\":"));
                TRY(gen_schema(g, vs, ns, false, out));
                TRY(put_meta(g, cs, NULL, out));
                return sl_buf_putc(out, '}');
        }
        TRY(sl_buf_puts(out, "{\"type\":\"array\",\"items\":"));
        char *space = NULL, buf[32];
        const char *simple = "MapEntry";
        bool internal = cs_name(cs) != NULL;
        if (internal)
                TRY(split_name(cs_name(cs), &space, &simple));
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
                        char *full = join_name(space, simple);
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
        if (!strcmp(avro, "bytes") && cs_named(cs, SL_DECIMAL_LOGICAL)) {
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
        } else if (cs_named(cs, LOGICAL_DATE)) {
                logical = "date";
        } else if (cs_named(cs, LOGICAL_TIME)) {
                logical = "time-millis";
        } else if (cs_named(cs, LOGICAL_TIMESTAMP)) {
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
        const sl_json_t *f = cs_fields(cs);
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
        if (cs_is_union(cs)) {
                rc = gen_union(g, cs, ns, ignore_optional, out);
        } else {
                bool opt = !ignore_optional && sl_conv_schema_optional(cs);
                bool def_first = opt && cs_default(cs);
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

/* ======================================== Avro schema -> Connect schema */

typedef struct tnamed {
        char *full;
        const sl_json_t *def;
        char *space; /* the definition's namespace: its children's context */
        bool busy;   /* being converted: a reference now is a cycle */
} tnamed_t;

typedef struct tctx {
        const sl_avro_opts_t *o;
        tnamed_t *named;
        size_t n_named, cap_named;
        int depth;
        char *errstr;
        size_t errstr_size;
} tctx_t;

#define TERR(c, ...) ERR((c)->errstr, (c)->errstr_size, __VA_ARGS__)

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
static int def_names(tctx_t *c, const sl_json_t *def, const char *ns,
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
        *fullp = join_name(space, name);
        *spacep = space ? strdup(space) : NULL;
        free(owned);
        if (!*fullp || (space && !*spacep)) {
                free(*fullp);
                free(*spacep);
                return SL_ERR_NOMEM;
        }
        return 0;
}

/* Registers a named definition met in document order; the same node met
 * again (a reference being expanded) is fine, another node is not. */
static int add_named(tctx_t *c, const sl_json_t *def, const char *ns,
                     tnamed_t **out)
{
        char *full, *space;
        TRY(def_names(c, def, ns, &full, &space));
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
                char *full = join_name(ns, name);
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
static int resolve(tctx_t *c, const sl_json_t *as, const char *ns,
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

static int avro_to_connect(tctx_t *c, const sl_json_t *as, const char *ns,
                           bool force_optional, const sl_json_t *fdefault,
                           const char *fdoc, sl_json_t **out);

/* ---- Avro JSON default values -> Connect defaults (JsonConverter form) */

static int default_from_avro(tctx_t *c, const sl_json_t *as, const char *ns,
                             const sl_json_t *d, bool latin1,
                             sl_json_t **out);

static int record_default(tctx_t *c, const sl_json_t *node, const char *ns,
                          const sl_json_t *d, bool latin1, sl_json_t **out)
{
        const sl_json_t *f = sl_json_object_get(node, "fields");
        if (d->type != SL_JSON_OBJECT || !f || f->type != SL_JSON_ARRAY)
                return SL_ERR_CONVERT;
        sl_json_t *res = sl_json_object();
        if (!res)
                return SL_ERR_NOMEM;
        for (size_t i = 0; i < f->u.arr.len; i++) {
                const sl_json_t *fd = f->u.arr.items[i];
                const char *name = sl_json_object_get_str(fd, "name");
                const sl_json_t *fv = name ? sl_json_object_get(d, name)
                                           : NULL;
                if (!fv)
                        fv = sl_json_object_get(fd, "default");
                sl_json_t *cv = NULL;
                int rc = !name || !fv ? SL_ERR_CONVERT
                                      : default_from_avro(
                                                c, sl_json_object_get(fd,
                                                                      "type"),
                                                ns, fv, latin1, &cv);
                if (rc == 0)
                        rc = sl_json_object_set(res, name, cv);
                if (rc < 0) {
                        sl_json_free(res);
                        return rc;
                }
        }
        *out = res;
        return 0;
}

/* Is this Avro array's item type Confluent's map entry record? */
static bool is_map_entry(tctx_t *c, const sl_json_t *items, const char *ns,
                         const sl_json_t **nodep, const char **nsp)
{
        const char *t;
        char err[8];
        char *saved = c->errstr;
        size_t saved_n = c->errstr_size;
        c->errstr = err;
        c->errstr_size = sizeof(err);
        int rc = resolve(c, items, ns, nodep, &t, nsp);
        c->errstr = saved;
        c->errstr_size = saved_n;
        if (rc < 0 || (strcmp(t, "record") && strcmp(t, "error")))
                return false;
        const char *it = sl_json_object_get_str(*nodep, "connect.internal.type");
        if (it && !strcmp(it, "MapEntry"))
                return true;
        char *full, *space;
        if (def_names(c, *nodep, *nsp, &full, &space) < 0)
                return false;
        bool yes = !strcmp(full, SL_AVRO_MAP_ENTRY);
        free(full);
        free(space);
        return yes;
}

static const sl_json_t *entry_field(const sl_json_t *entry, const char *name)
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

static bool avro_is_string(tctx_t *c, const sl_json_t *as, const char *ns)
{
        const sl_json_t *node;
        const char *t, *nns;
        char err[8];
        char *saved = c->errstr;
        size_t saved_n = c->errstr_size;
        c->errstr = err;
        c->errstr_size = sizeof(err);
        int rc = resolve(c, as, ns, &node, &t, &nns);
        c->errstr = saved;
        c->errstr_size = saved_n;
        return rc == 0 && !strcmp(t, "string");
}

static int map_entries_default(tctx_t *c, const sl_json_t *entry,
                               const char *ens, const sl_json_t *d,
                               bool latin1, sl_json_t **out)
{
        const sl_json_t *kf = entry_field(entry, "key");
        const sl_json_t *vf = entry_field(entry, "value");
        const sl_json_t *kt = kf ? sl_json_object_get(kf, "type") : NULL;
        const sl_json_t *vt = vf ? sl_json_object_get(vf, "type") : NULL;
        if (!kt || !vt || d->type != SL_JSON_ARRAY)
                return SL_ERR_CONVERT;
        /* JsonConverter's form: an object for string keys, else pairs */
        bool obj = avro_is_string(c, kt, ens);
        sl_json_t *res = obj ? sl_json_object() : sl_json_array();
        if (!res)
                return SL_ERR_NOMEM;
        for (size_t i = 0; i < d->u.arr.len; i++) {
                const sl_json_t *e = d->u.arr.items[i];
                const sl_json_t *k = sl_json_object_get(e, "key");
                const sl_json_t *v = sl_json_object_get(e, "value");
                sl_json_t *ck = NULL, *cv = NULL, *pair = NULL;
                int rc = k && v ? 0 : SL_ERR_CONVERT;
                if (rc == 0)
                        rc = default_from_avro(c, kt, ens, k, latin1, &ck);
                if (rc == 0)
                        rc = default_from_avro(c, vt, ens, v, latin1, &cv);
                if (rc == 0 && obj) {
                        rc = ck->type == SL_JSON_STRING
                                     ? sl_json_object_set(res, ck->u.str.ptr,
                                                          cv)
                                     : SL_ERR_CONVERT;
                        cv = NULL;
                } else if (rc == 0) {
                        pair = sl_json_array();
                        rc = pair ? 0 : SL_ERR_NOMEM;
                        if (rc == 0) {
                                rc = sl_json_array_append(pair, ck);
                                ck = NULL;
                        }
                        if (rc == 0) {
                                rc = sl_json_array_append(pair, cv);
                                cv = NULL;
                        }
                        if (rc == 0) {
                                rc = sl_json_array_append(res, pair);
                                pair = NULL;
                        }
                }
                sl_json_free(ck);
                sl_json_free(cv);
                sl_json_free(pair);
                if (rc < 0) {
                        sl_json_free(res);
                        return rc;
                }
        }
        *out = res;
        return 0;
}

static int default_from_avro(tctx_t *c, const sl_json_t *as, const char *ns,
                             const sl_json_t *d, bool latin1, sl_json_t **out)
{
        const sl_json_t *node;
        const char *t, *nns;
        *out = NULL;
        if (++c->depth > MAX_DEPTH)
                return SL_ERR_CONVERT;
        int rc = resolve(c, as, ns, &node, &t, &nns);
        if (rc < 0)
                goto done;
        if (!strcmp(t, "union")) {
                /* null when null is allowed, else the first other branch */
                const sl_json_t *pick = NULL;
                for (size_t i = 0; i < node->u.arr.len; i++) {
                        const sl_json_t *m = node->u.arr.items[i];
                        bool is_null = m->type == SL_JSON_STRING &&
                                       !strcmp(m->u.str.ptr, "null");
                        if (is_null && d->type == SL_JSON_NULL) {
                                pick = NULL;
                                break;
                        }
                        if (!is_null && !pick)
                                pick = m;
                }
                if (!pick || d->type == SL_JSON_NULL)
                        *out = d->type == SL_JSON_NULL ? sl_json_null() : NULL;
                else
                        rc = default_from_avro(c, pick, nns, d, latin1, out);
                if (rc == 0 && !*out)
                        rc = SL_ERR_CONVERT;
                goto done;
        }
        if (!strcmp(t, "record") || !strcmp(t, "error")) {
                char *full, *space;
                rc = def_names(c, node, nns, &full, &space);
                if (rc == 0)
                        rc = record_default(c, node, space, d, latin1, out);
                free(full);
                free(space);
                goto done;
        }
        if (!strcmp(t, "array")) {
                const sl_json_t *items = sl_json_object_get(node, "items");
                const sl_json_t *entry;
                const char *ens;
                if (!items || d->type != SL_JSON_ARRAY) {
                        rc = SL_ERR_CONVERT;
                } else if (is_map_entry(c, items, nns, &entry, &ens)) {
                        char *full, *space;
                        rc = def_names(c, entry, ens, &full, &space);
                        if (rc == 0)
                                rc = map_entries_default(c, entry, space, d,
                                                         latin1, out);
                        free(full);
                        free(space);
                } else {
                        sl_json_t *res = sl_json_array();
                        rc = res ? 0 : SL_ERR_NOMEM;
                        for (size_t i = 0; rc == 0 && i < d->u.arr.len; i++) {
                                sl_json_t *cv;
                                rc = default_from_avro(c, items, nns,
                                                       d->u.arr.items[i],
                                                       latin1, &cv);
                                if (rc == 0)
                                        rc = sl_json_array_append(res, cv);
                        }
                        if (rc < 0)
                                sl_json_free(res);
                        else
                                *out = res;
                }
                goto done;
        }
        if (!strcmp(t, "map")) {
                const sl_json_t *values = sl_json_object_get(node, "values");
                sl_json_t *res = NULL;
                rc = values && d->type == SL_JSON_OBJECT ? 0 : SL_ERR_CONVERT;
                if (rc == 0 && !(res = sl_json_object()))
                        rc = SL_ERR_NOMEM;
                for (size_t i = 0; rc == 0 && i < d->u.obj.len; i++) {
                        sl_json_t *cv;
                        rc = default_from_avro(c, values, nns,
                                               d->u.obj.vals[i], latin1, &cv);
                        if (rc == 0)
                                rc = sl_json_object_set(res, d->u.obj.keys[i],
                                                        cv);
                }
                if (rc < 0)
                        sl_json_free(res);
                else
                        *out = res;
                goto done;
        }
        if (!strcmp(t, "bytes") || !strcmp(t, "fixed")) {
                if (d->type != SL_JSON_STRING) {
                        rc = SL_ERR_CONVERT;
                } else if (!latin1) {
                        *out = sl_json_dup(d);
                } else {
                        sl_buf_t raw = SL_BUF_INIT, b64 = SL_BUF_INIT;
                        rc = get_latin1(d, &raw) < 0 ? SL_ERR_CONVERT : 0;
                        if (rc == 0)
                                rc = sl_base64_encode(raw.data, raw.len, &b64);
                        if (rc == 0)
                                *out = sl_json_stringn(b64.data ? b64.data : "",
                                                       b64.len);
                        sl_buf_free(&raw);
                        sl_buf_free(&b64);
                }
                goto done;
        }
        bool ok;
        if (!strcmp(t, "null"))
                ok = d->type == SL_JSON_NULL;
        else if (!strcmp(t, "boolean"))
                ok = d->type == SL_JSON_BOOL;
        else if (!strcmp(t, "int") || !strcmp(t, "long"))
                ok = d->type == SL_JSON_INT;
        else if (!strcmp(t, "float") || !strcmp(t, "double"))
                ok = d->type == SL_JSON_INT || d->type == SL_JSON_DOUBLE;
        else
                ok = d->type == SL_JSON_STRING; /* string, enum */
        if (!ok)
                rc = SL_ERR_CONVERT;
        else
                *out = sl_json_dup(d);
done:
        if (rc == 0 && !*out)
                rc = SL_ERR_NOMEM;
        c->depth--;
        return rc;
}

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
                TRY(resolve(c, m, ns, &mnode, &mt, &mns));
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
                if (!is_map_entry(c, items, space, &entry, &ens)) {
                        b->type = "array";
                        return avro_to_connect(c, items, space, false, NULL,
                                               NULL, &b->items);
                }
                const sl_json_t *f = sl_json_object_get(entry, "fields");
                const sl_json_t *kf = entry_field(entry, "key");
                const sl_json_t *vf = entry_field(entry, "value");
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

/* The connect.* properties back into b (see put_meta). */
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
        int rc = resolve(c, as, ns, &node, &t, &dns);
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
                        default_from_avro(c, as, ns, fdefault, true, &b.def);
                else if (cdef)
                        default_from_avro(c, as, ns, cdef, false, &b.def);
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

int sl_avro_schema_to_connect(const sl_json_t *avro, const sl_avro_opts_t *o,
                              sl_json_t **out, char *errstr,
                              size_t errstr_size)
{
        tctx_t c = {.o = o, .errstr = errstr, .errstr_size = errstr_size};
        int rc = avro_to_connect(&c, avro, NULL, false, NULL, NULL, out);
        for (size_t i = 0; i < c.n_named; i++) {
                free(c.named[i].full);
                free(c.named[i].space);
        }
        free(c.named);
        if (rc < 0 && rc != SL_ERR_CONVERT)
                return ERR(errstr, errstr_size, "%s", sl_err2str(rc));
        return rc;
}

/* ============================================ Connect value -> libavro */

typedef struct vctx {
        int depth;
        sl_buf_t tmp; /* NUL-terminated copies for libavro's string calls */
        char *errstr;
        size_t errstr_size;
} vctx_t;

#define VERR(c, ...) ERR((c)->errstr, (c)->errstr_size, __VA_ARGS__)

static avro_schema_t real_schema(avro_schema_t s)
{
        while (s && is_avro_link(s))
                s = avro_schema_link_target(s);
        return s;
}

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
        s = real_schema(s);
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
        avro_type_t bt = avro_typeof(real_schema(bs));
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
                return cs_is(ks, "string") && !sl_conv_schema_optional(ks)
                               ? bt == AVRO_MAP
                               : bt == AVRO_ARRAY;
        }
        if (bt != AVRO_RECORD)
                return false;
        const char *name = cs_name(cs);
        const char *dot = name ? strrchr(name, '.') : NULL;
        /* named structs pick the record of that name */
        return !name || !strcmp(dot ? dot + 1 : name,
                                avro_schema_name(real_schema(bs)));
}

static int vfrom(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                 avro_value_t *dst, const char *field);

static int union_from(vctx_t *c, const sl_json_t *cs, const sl_json_t *v,
                      avro_value_t *dst, const char *field)
{
        avro_schema_t us = real_schema(avro_value_get_schema(dst));
        size_t n = avro_schema_union_size(us);
        const sl_json_t *mcs = cs, *mv = v;
        int pick = -1, null_branch = -1;
        for (size_t i = 0; i < n; i++)
                if (is_avro_null(real_schema(avro_schema_union_branch(us, (int)i))))
                        null_branch = (int)i;
        if (cs_is_union(cs) && v && v->type == SL_JSON_OBJECT) {
                /* the Union struct's one set field names the branch */
                const sl_json_t *f = cs_fields(cs);
                mv = NULL;
                for (size_t i = 0; f && i < f->u.arr.len && !mv; i++) {
                        const char *name = sl_json_object_get_str(
                                f->u.arr.items[i], "field");
                        const sl_json_t *fv = member(v, i, name ? name : "");
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
        if (!cs_named(cs, SL_DECIMAL_LOGICAL) || n > size || n == 0)
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
        bool string_keys = cs_is(ks, "string");
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
                const sl_json_t *fs = field_schema(cs, name, i);
                TRY(vfrom(c, fs, fs ? member(v, i, name) : NULL, &child,
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
        avro_schema_t as = real_schema(avro_value_get_schema(dst));
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
                if (v->type != SL_JSON_OBJECT || (cs && !cs_is(cs, "struct")))
                        return bad_value(c, cs, at, v, field);
                return record_from(c, cs, v, dst, as);
        case AVRO_MAP: {
                if (v->type != SL_JSON_OBJECT || (cs && !cs_is(cs, "map")))
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
                if (cs_is(cs, "map") &&
                    (v->type == SL_JSON_OBJECT || v->type == SL_JSON_ARRAY))
                        return entries_from(c, cs, v, dst, field);
                if (v->type != SL_JSON_ARRAY || (cs && !cs_is(cs, "array")))
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
        if ((!v || v->type == SL_JSON_NULL) && cs_default(cs)) {
                rc = default_value(cs, &def, c->errstr, c->errstr_size);
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
        if (!cs_is_union(cs)) {
                if (is_null)
                        return (*out = sl_json_null()) ? 0 : SL_ERR_NOMEM;
                return vto(c, cs, &branch, out);
        }
        if (is_null)
                return (*out = sl_json_null()) ? 0 : SL_ERR_NOMEM;
        avro_schema_t us = real_schema(avro_value_get_schema(src));
        const char *bname = avro_branch_name(avro_schema_union_branch(us, disc));
        const sl_json_t *f = cs_fields(cs);
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
        if (!cs_is(ks, "string"))
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
                const sl_json_t *vs = at == AVRO_RECORD
                                              ? field_schema(cs, name, i)
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
                int32_t i;
                rc = avro_value_get_int(src, &i);
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
                const char *s = rc ? NULL
                                   : avro_schema_enum_get(real_schema(
                                                 avro_value_get_schema(src)),
                                                          sym);
                if (rc == 0 && !s)
                        return VERR(c, "Enum symbol %d out of range", sym);
                *out = rc ? NULL : sl_json_string(s);
                break;
        }
        case AVRO_ARRAY:
                if (cs_is(cs, "map"))
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

/* ================================================== wire-format checks */

/* Collections of items that take no bytes (null, empty records) could
 * claim billions of elements in a few bytes; no real datum has this many. */
#define MAX_EMPTY_ITEMS 1000000

typedef struct wire {
        const unsigned char *p;
        size_t len, off;
        int depth;
} wire_t;

static int read_varint(wire_t *w, int64_t *out)
{
        uint64_t u = 0;
        for (int shift = 0; shift < 64; shift += 7) {
                if (w->off >= w->len)
                        return -1;
                unsigned char b = w->p[w->off++];
                u |= (uint64_t)(b & 0x7f) << shift;
                if (!(b & 0x80)) {
                        *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
                        return 0;
                }
        }
        return -1;
}

static int skip(wire_t *w, int64_t n)
{
        if (n < 0 || (uint64_t)n > w->len - w->off)
                return -1;
        w->off += (size_t)n;
        return 0;
}

/* Fewest bytes a datum of s takes (0 for null and empty records). */
static size_t min_size(avro_schema_t s, int depth)
{
        s = real_schema(s);
        if (depth > MAX_DEPTH)
                return 1;
        switch (avro_typeof(s)) {
        case AVRO_NULL:
                return 0;
        case AVRO_FIXED:
                return (size_t)avro_schema_fixed_size(s);
        case AVRO_RECORD: {
                size_t n = 0;
                for (size_t i = 0; i < avro_schema_record_size(s) && !n; i++)
                        n += min_size(avro_schema_record_field_get_by_index(
                                              s, (int)i),
                                      depth + 1);
                return n;
        }
        default:
                return 1;
        }
}

static int check(wire_t *w, avro_schema_t s);

static int check_blocks(wire_t *w, avro_schema_t items, bool map)
{
        size_t per = min_size(items, 0) + (map ? 1 : 0);
        int64_t total = 0, count;
        for (;;) {
                if (read_varint(w, &count) < 0)
                        return -1;
                if (count == 0)
                        return 0;
                if (count < 0) {
                        int64_t bytes;
                        if (count == INT64_MIN || read_varint(w, &bytes) < 0 ||
                            bytes < 0)
                                return -1;
                        count = -count;
                }
                if (per ? (uint64_t)count > (w->len - w->off) / per
                        : (total += count) > MAX_EMPTY_ITEMS)
                        return -1;
                for (int64_t i = 0; i < count; i++) {
                        if (map) {
                                int64_t klen;
                                if (read_varint(w, &klen) < 0 ||
                                    skip(w, klen) < 0)
                                        return -1;
                        }
                        TRY(check(w, items));
                }
        }
}

static int check(wire_t *w, avro_schema_t s)
{
        s = real_schema(s);
        int64_t v;
        int rc = 0;
        if (++w->depth > MAX_DEPTH)
                return -1;
        switch (avro_typeof(s)) {
        case AVRO_NULL:
                break;
        case AVRO_BOOLEAN:
                rc = skip(w, 1);
                break;
        case AVRO_INT32:
                rc = read_varint(w, &v) < 0 || v < INT32_MIN || v > INT32_MAX
                             ? -1
                             : 0;
                break;
        case AVRO_INT64:
                rc = read_varint(w, &v);
                break;
        case AVRO_FLOAT:
                rc = skip(w, 4);
                break;
        case AVRO_DOUBLE:
                rc = skip(w, 8);
                break;
        case AVRO_STRING:
        case AVRO_BYTES:
                rc = read_varint(w, &v) < 0 ? -1 : skip(w, v);
                break;
        case AVRO_FIXED:
                rc = skip(w, avro_schema_fixed_size(s));
                break;
        case AVRO_ENUM:
                rc = read_varint(w, &v) < 0 || v < 0 ||
                                     v >= avro_schema_enum_number_of_symbols(s)
                             ? -1
                             : 0;
                break;
        case AVRO_UNION:
                if (read_varint(w, &v) < 0 || v < 0 ||
                    (uint64_t)v >= avro_schema_union_size(s))
                        rc = -1;
                else
                        rc = check(w, avro_schema_union_branch(s, (int)v));
                break;
        case AVRO_RECORD:
                for (size_t i = 0; rc == 0 && i < avro_schema_record_size(s);
                     i++)
                        rc = check(w, avro_schema_record_field_get_by_index(
                                              s, (int)i));
                break;
        case AVRO_ARRAY:
                rc = check_blocks(w, avro_schema_array_items(s), false);
                break;
        case AVRO_MAP:
                rc = check_blocks(w, avro_schema_map_values(s), true);
                break;
        default:
                rc = -1;
        }
        w->depth--;
        return rc;
}

int sl_avro_check_binary(avro_schema_t schema, const void *p, size_t len,
                         char *errstr, size_t errstr_size)
{
        wire_t w = {p, len, 0, 0};
        if (check(&w, schema) < 0)
                return ERR(errstr, errstr_size,
                           w.depth > MAX_DEPTH
                                   ? "Avro data nested too deeply"
                                   : "Malformed Avro data: invalid length, "
                                     "count or index, or data ends early");
        return 0;
}

/* =========================================== schemas ready for records */

void sl_avro_schema_free(sl_avro_schema_t *s)
{
        if (!s)
                return;
        if (s->writer)
                avro_writer_free(s->writer);
        if (s->reader)
                avro_reader_free(s->reader);
        if (s->iface) {
                avro_value_decref(&s->value);
                avro_value_iface_decref(s->iface);
        }
        if (s->schema)
                avro_schema_decref(s->schema);
        sl_json_free(s->connect);
        free(s->connect_err);
        free(s->full_name);
        free(s);
}

/* libavro's JSON parser refuses \u0000, which Latin-1 bytes defaults may
 * hold; it ignores defaults and docs, so blanking NULs changes nothing
 * it uses (names cannot contain them). */
static void blank_nuls(sl_json_t *j)
{
        switch (j->type) {
        case SL_JSON_STRING:
                for (size_t i = 0; i < j->u.str.len; i++)
                        if (!j->u.str.ptr[i])
                                j->u.str.ptr[i] = ' ';
                break;
        case SL_JSON_ARRAY:
                for (size_t i = 0; i < j->u.arr.len; i++)
                        blank_nuls(j->u.arr.items[i]);
                break;
        case SL_JSON_OBJECT:
                for (size_t i = 0; i < j->u.obj.len; i++)
                        blank_nuls(j->u.obj.vals[i]);
                break;
        default:
                break;
        }
}

static int libavro_parse(const char *text, size_t len, sl_json_t *doc,
                         avro_schema_t *out)
{
        if (!memmem(text, len, "\\u0000", 6))
                return avro_schema_from_json_length(text, len, out);
        sl_json_t *copy = sl_json_dup(doc);
        char *clean = NULL;
        if (copy) {
                blank_nuls(copy);
                clean = sl_json_to_string(copy);
        }
        sl_json_free(copy);
        if (!clean) {
                avro_set_error("out of memory");
                return ENOMEM;
        }
        int rc = avro_schema_from_json_length(clean, strlen(clean), out);
        free(clean);
        return rc;
}

sl_avro_schema_t *sl_avro_schema_new(const char *text, size_t len,
                                     const sl_avro_opts_t *o, char *errstr,
                                     size_t errstr_size)
{
        char perr[256];
        sl_json_t *doc = sl_json_parse(text, len, perr, sizeof(perr));
        if (!doc) {
                ERR(errstr, errstr_size, "Invalid Avro schema: %s", perr);
                return NULL;
        }
        sl_avro_schema_t *s = calloc(1, sizeof(*s));
        if (!s)
                goto nomem;
        if (libavro_parse(text, len, doc, &s->schema)) {
                ERR(errstr, errstr_size, "Invalid Avro schema: %s",
                    avro_strerror());
                s->schema = NULL;
                goto fail;
        }
        s->iface = avro_generic_class_from_schema(s->schema);
        if (!s->iface) {
                ERR(errstr, errstr_size, "Avro schema: %s", avro_strerror());
                goto fail;
        }
        if (avro_generic_value_new(s->iface, &s->value)) {
                avro_value_iface_decref(s->iface);
                s->iface = NULL;
                ERR(errstr, errstr_size, "Avro value: %s", avro_strerror());
                goto fail;
        }
        /* the named type of the schema, or of an optional one */
        avro_schema_t top = s->schema;
        if (is_avro_union(top) && avro_schema_union_size(top) == 2) {
                avro_schema_t a = avro_schema_union_branch(top, 0);
                avro_schema_t b = avro_schema_union_branch(top, 1);
                top = is_avro_null(a) ? b : is_avro_null(b) ? a : top;
        }
        if (is_avro_named_type(top)) {
                s->full_name = join_name(avro_schema_namespace(top),
                                         avro_schema_name(top));
                if (!s->full_name)
                        goto nomem;
        }
        /* A schema libavro takes but Connect cannot (a recursive record)
         * still serves writers; readers get its reason. */
        char cerr[512];
        if (sl_avro_schema_to_connect(doc, o, &s->connect, cerr,
                                      sizeof(cerr)) < 0 &&
            !(s->connect_err = strdup(cerr)))
                goto nomem;
        sl_json_free(doc);
        return s;
nomem:
        ERR(errstr, errstr_size, "out of memory");
fail:
        sl_json_free(doc);
        sl_avro_schema_free(s);
        return NULL;
}

int sl_avro_encode(sl_avro_schema_t *s, const sl_json_t *cschema,
                   const sl_json_t *value, sl_buf_t *out, char *errstr,
                   size_t errstr_size)
{
        size_t size;
        avro_value_reset(&s->value);
        TRY(sl_avro_value_from_connect(cschema, value, &s->value, errstr,
                                       errstr_size));
        if (avro_value_sizeof(&s->value, &size))
                return ERR(errstr, errstr_size, "%s", avro_strerror());
        if (sl_buf_reserve(out, size) < 0)
                return ERR(errstr, errstr_size, "out of memory");
        char *dst = out->data + out->len;
        if (!s->writer)
                s->writer = avro_writer_memory(dst, (int64_t)size);
        else
                avro_writer_memory_set_dest(s->writer, dst, (int64_t)size);
        if (!s->writer)
                return ERR(errstr, errstr_size, "out of memory");
        if (avro_value_write(s->writer, &s->value))
                return ERR(errstr, errstr_size, "%s", avro_strerror());
        out->len += size;
        out->data[out->len] = '\0';
        return 0;
}

int sl_avro_decode(sl_avro_schema_t *s, const void *p, size_t len,
                   sl_json_t **valuep, char *errstr, size_t errstr_size)
{
        *valuep = NULL;
        if (!s->connect)
                return ERR(errstr, errstr_size, "%s",
                           s->connect_err ? s->connect_err
                                          : "no Connect schema");
        TRY(sl_avro_check_binary(s->schema, p, len, errstr, errstr_size));
        if (!s->reader)
                s->reader = avro_reader_memory(p, (int64_t)len);
        else
                avro_reader_memory_set_source(s->reader, p, (int64_t)len);
        if (!s->reader)
                return ERR(errstr, errstr_size, "out of memory");
        avro_value_reset(&s->value);
        if (avro_value_read(s->reader, &s->value))
                return ERR(errstr, errstr_size, "%s", avro_strerror());
        return sl_avro_value_to_connect(s->connect, &s->value, valuep, errstr,
                                        errstr_size);
}
