/* Connect data <-> Avro (Confluent's AvroData): schemas both ways, Connect
 * values to and from libavro generic values, and the wire checks done
 * before libavro reads untrusted bytes. The work is split by concern:
 *   avro_schema.c          Connect schema -> Avro schema JSON, inference
 *   avro_connect_schema.c  Avro schema JSON -> Connect schema
 *   avro_defaults.c        Avro JSON default values -> Connect defaults
 *   avro_value.c           Connect values <-> libavro generic values
 *   avro_wire.c            checks of Avro binary before libavro reads it
 * This file holds the helpers they share (declared in avro_int.h) and the
 * sl_avro_schema_t glue: a schema parsed once, then records encoded and
 * decoded with it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/avro_int.h"
#include "convert/conv_json.h"

/* ------------------------------------------------------------ helpers */

const char *sl_avro_cs_name(const sl_json_t *s)
{
        return s ? sl_json_object_get_str(s, "name") : NULL;
}

/* The schema's default, NULL when it has none (or a JSON null one). */
const sl_json_t *sl_avro_cs_default(const sl_json_t *s)
{
        const sl_json_t *d = s ? sl_json_object_get(s, "default") : NULL;
        return d && d->type != SL_JSON_NULL ? d : NULL;
}

const sl_json_t *sl_avro_cs_fields(const sl_json_t *s)
{
        const sl_json_t *f = s ? sl_json_object_get(s, "fields") : NULL;
        return f && f->type == SL_JSON_ARRAY ? f : NULL;
}

bool sl_avro_cs_is(const sl_json_t *s, const char *type)
{
        return sl_conv_type_is(sl_conv_schema_type(s), type);
}

bool sl_avro_cs_named(const sl_json_t *s, const char *name)
{
        const char *n = sl_avro_cs_name(s);
        return n && !strcasecmp(n, name);
}

bool sl_avro_cs_is_union(const sl_json_t *s)
{
        const char *n = sl_avro_cs_name(s);
        return sl_avro_cs_is(s, "struct") && n && !strcmp(n, SL_AVRO_UNION);
}

/* A member of a struct value: the field usually sits at its schema
 * position, so look there before searching. */
const sl_json_t *sl_avro_member(const sl_json_t *v, size_t i, const char *name)
{
        if (!v || v->type != SL_JSON_OBJECT)
                return NULL;
        if (i < v->u.obj.len && !strcmp(v->u.obj.keys[i], name))
                return v->u.obj.vals[i];
        return sl_json_object_get(v, name);
}

const sl_json_t *sl_avro_field_schema(const sl_json_t *cs, const char *name,
                                      size_t hint)
{
        const sl_json_t *f = sl_avro_cs_fields(cs);
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

/* Avro JSON encodes bytes as a string of the code points 0-255. */
int sl_avro_put_latin1(sl_buf_t *out, const unsigned char *p, size_t n)
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

/* Inverse of sl_avro_put_latin1; -1 for a code point above 255. */
int sl_avro_get_latin1(const sl_json_t *s, sl_buf_t *out)
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

char *sl_avro_join_name(const char *space, const char *simple)
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
int sl_avro_default_value(const sl_json_t *cs, sl_json_t **out, char *errstr,
                          size_t errstr_size)
{
        static const sl_json_conv_t cfg = {.schemas_enable = true};
        sl_jctx_t jc = {&cfg, errstr, errstr_size};
        sl_json_t *d = sl_json_dup(sl_avro_cs_default(cs));
        if (!d)
                return ERR(errstr, errstr_size, "out of memory");
        return sl_conv_json_to_connect(&jc, cs, d, out);
}

avro_schema_t sl_avro_real_schema(avro_schema_t s)
{
        while (s && is_avro_link(s))
                s = avro_schema_link_target(s);
        return s;
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

/* libavro makes every record field of a generic value at once (unions,
 * arrays and maps start empty): a record that holds itself through record
 * fields alone never finishes (the stack overflows), and records holding
 * records by name can multiply into more nodes than memory holds. */
#define MAX_VALUE_NODES 100000

typedef struct rec_nodes {
        avro_schema_t rec;
        size_t n; /* 0 while its fields are being counted */
} rec_nodes_t;

typedef struct node_count {
        rec_nodes_t *v;
        size_t len, cap;
} node_count_t;

/* Nodes of a generic value of s, or more than MAX_VALUE_NODES. */
static size_t value_nodes(avro_schema_t s, node_count_t *z, int depth)
{
        s = sl_avro_real_schema(s);
        if (!s || !is_avro_record(s))
                return 1;
        for (size_t i = 0; i < z->len; i++)
                if (z->v[i].rec == s)
                        return z->v[i].n ? z->v[i].n : SIZE_MAX;
        if (depth > MAX_DEPTH)
                return SIZE_MAX;
        if (sl_array_reserve(&z->v, &z->cap, z->len + 1, sizeof(*z->v), 16) != 0)
                return SIZE_MAX;
        size_t at = z->len++, n = 1;
        z->v[at] = (rec_nodes_t){s, 0};
        for (size_t i = 0; n <= MAX_VALUE_NODES && i < avro_schema_record_size(s);
             i++) {
                size_t k = value_nodes(
                        avro_schema_record_field_get_by_index(s, (int)i), z,
                        depth + 1);
                n = k > MAX_VALUE_NODES - n ? MAX_VALUE_NODES + 1 : n + k;
        }
        z->v[at].n = n;
        return n;
}

/* The largest value_nodes of any record in s: unions, arrays and maps make
 * theirs when a datum reaches them. walked: records already looked into. */
static size_t max_value_nodes(avro_schema_t s, node_count_t *z,
                              node_count_t *walked, int depth)
{
        size_t most = 0, k;
        s = sl_avro_real_schema(s);
        if (!s || depth > MAX_DEPTH)
                return s ? SIZE_MAX : 0;
        if (is_avro_union(s)) {
                for (size_t i = 0; i < avro_schema_union_size(s); i++)
                        if ((k = max_value_nodes(avro_schema_union_branch(s, (int)i),
                                                 z, walked, depth + 1)) > most)
                                most = k;
                return most;
        }
        if (is_avro_array(s))
                return max_value_nodes(avro_schema_array_items(s), z, walked,
                                       depth + 1);
        if (is_avro_map(s))
                return max_value_nodes(avro_schema_map_values(s), z, walked,
                                       depth + 1);
        if (!is_avro_record(s))
                return 0;
        for (size_t i = 0; i < walked->len; i++)
                if (walked->v[i].rec == s)
                        return 0;
        if (sl_array_reserve(&walked->v, &walked->cap, walked->len + 1, sizeof(*walked->v),
                             16) != 0)
                return SIZE_MAX;
        walked->v[walked->len++] = (rec_nodes_t){s, 0};
        most = value_nodes(s, z, 0);
        for (size_t i = 0; most <= MAX_VALUE_NODES && i < avro_schema_record_size(s);
             i++)
                if ((k = max_value_nodes(
                             avro_schema_record_field_get_by_index(s, (int)i), z,
                             walked, depth + 1)) > most)
                        most = k;
        return most;
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
        if (sl_avro_check_names(doc, perr, sizeof(perr)) < 0) {
                ERR(errstr, errstr_size, "Invalid Avro schema: %s", perr);
                goto fail;
        }
        if (libavro_parse(text, len, doc, &s->schema)) {
                ERR(errstr, errstr_size, "Invalid Avro schema: %s",
                    avro_strerror());
                s->schema = NULL;
                goto fail;
        }
        node_count_t z = {0}, walked = {0};
        size_t nodes = max_value_nodes(s->schema, &z, &walked, 0);
        free(z.v);
        free(walked.v);
        if (nodes > MAX_VALUE_NODES) {
                ERR(errstr, errstr_size,
                    "Invalid Avro schema: a record holds itself (not through "
                    "a union, array or map) or more than %d fields in all",
                    MAX_VALUE_NODES);
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
                s->full_name = sl_avro_join_name(avro_schema_namespace(top),
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
