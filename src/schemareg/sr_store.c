/* The registry's state as a function of its log. Records are Confluent's
 * _schemas records; every rule that refuses a record looks only at the
 * state built from earlier records, so workers reading the same log agree
 * even when their writes raced. */
#include <stdlib.h>
#include <string.h>

#include <avro.h>

#include "convert/avro_int.h"
#include "schemareg/sr_int.h"

#define LOGGER "schema-registry"

void sr_store_init(sr_store_t *st) {
        memset(st, 0, sizeof(*st));
        st->compat = SR_BACKWARD;
}

static void schema_free(sr_schema_t *s) {
        if (!s)
                return;
        free(s->text);
        free(s->canon);
        sl_json_free(s->json);
        free(s);
}

static void subject_free(sr_subject_t *s) {
        if (!s)
                return;
        free(s->name);
        free(s->v);
        free(s);
}

void sr_store_fini(sr_store_t *st) {
        for (size_t i = 0; i < st->nschemas; i++)
                schema_free(st->schemas[i]);
        for (size_t i = 0; i < st->nsubjects; i++)
                subject_free(st->subjects[i]);
        free(st->schemas);
        free(st->subjects);
        memset(st, 0, sizeof(*st));
}

/* ------------------------------------------------------------ lookups */

static size_t subject_pos(const sr_store_t *st, const char *name, bool *found) {
        size_t lo = 0, hi = st->nsubjects;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(st->subjects[mid]->name, name);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

sr_subject_t *sr_store_subject(const sr_store_t *st, const char *name) {
        bool found;
        size_t i = subject_pos(st, name, &found);
        return found ? st->subjects[i] : NULL;
}

static sr_subject_t *subject_get_or_add(sr_store_t *st, const char *name) {
        bool found;
        size_t i = subject_pos(st, name, &found);
        sr_subject_t *s;

        if (found)
                return st->subjects[i];
        if (st->nsubjects == st->subj_cap) {
                size_t cap = st->subj_cap ? st->subj_cap * 2 : 16;
                sr_subject_t **p = realloc(st->subjects, cap * sizeof(*p));
                if (!p)
                        return NULL;
                st->subjects = p;
                st->subj_cap = cap;
        }
        s = calloc(1, sizeof(*s));
        if (!s || !(s->name = strdup(name))) {
                free(s);
                return NULL;
        }
        s->compat = -1;
        memmove(st->subjects + i + 1, st->subjects + i,
                (st->nsubjects - i) * sizeof(*st->subjects));
        st->subjects[i] = s;
        st->nsubjects++;
        return s;
}

/* A subject with neither versions nor a config of its own is forgotten, so
 * a permanently deleted subject looks like one that never existed. */
static void subject_gc(sr_store_t *st, sr_subject_t *s) {
        bool found;
        size_t i;

        if (s->nv || s->compat >= 0)
                return;
        i = subject_pos(st, s->name, &found);
        if (!found)
                return;
        memmove(st->subjects + i, st->subjects + i + 1,
                (st->nsubjects - i - 1) * sizeof(*st->subjects));
        st->nsubjects--;
        subject_free(s);
}

static size_t schema_pos(const sr_store_t *st, int32_t id, bool *found) {
        size_t lo = 0, hi = st->nschemas;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (st->schemas[mid]->id == id) {
                        *found = true;
                        return mid;
                }
                if (st->schemas[mid]->id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

sr_schema_t *sr_store_by_id(const sr_store_t *st, int32_t id) {
        bool found;
        size_t i = schema_pos(st, id, &found);
        return found ? st->schemas[i] : NULL;
}

sr_schema_t *sr_store_by_canon(const sr_store_t *st, const char *canon) {
        for (size_t i = 0; i < st->nschemas; i++)
                if (!strcmp(st->schemas[i]->canon, canon))
                        return st->schemas[i];
        return NULL;
}

static void schema_unref(sr_store_t *st, int32_t id) {
        bool found;
        size_t i = schema_pos(st, id, &found);

        if (!found || --st->schemas[i]->refs > 0)
                return;
        /* Nothing names it any more: forget it like a reader of the
         * compacted log would, so both propose the same ids. */
        schema_free(st->schemas[i]);
        memmove(st->schemas + i, st->schemas + i + 1,
                (st->nschemas - i - 1) * sizeof(*st->schemas));
        st->nschemas--;
}

sr_version_t *sr_subject_version(const sr_subject_t *s, int32_t version) {
        for (size_t i = 0; s && i < s->nv; i++)
                if (s->v[i].version == version)
                        return &s->v[i];
        return NULL;
}

sr_version_t *sr_subject_latest(const sr_subject_t *s) {
        for (size_t i = s ? s->nv : 0; i > 0; i--)
                if (!s->v[i - 1].deleted)
                        return &s->v[i - 1];
        return NULL;
}

int32_t sr_subject_max_version(const sr_subject_t *s) {
        return s && s->nv ? s->v[s->nv - 1].version : 0;
}

bool sr_subject_live(const sr_subject_t *s) {
        return sr_subject_latest(s) != NULL;
}

int sr_store_level(const sr_store_t *st, const sr_subject_t *s) {
        return s && s->compat >= 0 ? s->compat : st->compat;
}

bool sr_store_compat_ok(const sr_store_t *st, const sr_subject_t *s, int level,
                        const sl_json_t *schema, sl_buf_t *why) {
        const sl_json_t **prev;
        size_t n = 0;
        bool ok;

        if (level == SR_NONE || !s || !s->nv)
                return true;
        prev = malloc(s->nv * sizeof(*prev));
        if (!prev)
                return false;
        for (size_t i = 0; i < s->nv; i++) {
                sr_schema_t *sc;
                if (s->v[i].deleted)
                        continue;
                sc = sr_store_by_id(st, s->v[i].id);
                if (sc)
                        prev[n++] = sc->json;
        }
        ok = sr_compat_check(level, schema, prev, n, why);
        free(prev);
        return ok;
}

/* ------------------------------------------------------------ parsing */

static const char *const PRIMITIVES[] = {"null", "boolean", "int", "long",
                                         "float", "double", "bytes", "string"};

static bool is_primitive(const char *s) {
        for (size_t i = 0; i < sizeof(PRIMITIVES) / sizeof(*PRIMITIVES); i++)
                if (!strcmp(s, PRIMITIVES[i]))
                        return true;
        return false;
}

/* Canonical text: object keys sorted, no whitespace, and {"type":"int"}
 * written as "int" (the two mean the same schema). */
static int canon_write(const sl_json_t *j, sl_buf_t *out) {
        size_t n, *order;
        int err = 0;

        switch (j->type) {
        case SL_JSON_ARRAY:
                sl_buf_putc(out, '[');
                for (size_t i = 0; i < j->u.arr.len && !err; i++) {
                        if (i)
                                sl_buf_putc(out, ',');
                        err = canon_write(j->u.arr.items[i], out);
                }
                return err ? err : sl_buf_putc(out, ']');
        case SL_JSON_OBJECT:
                n = j->u.obj.len;
                if (n == 1 && !strcmp(j->u.obj.keys[0], "type") &&
                    j->u.obj.vals[0]->type == SL_JSON_STRING &&
                    is_primitive(j->u.obj.vals[0]->u.str.ptr))
                        return sl_json_write(j->u.obj.vals[0], out);
                order = malloc((n ? n : 1) * sizeof(*order));
                if (!order)
                        return SL_ERR_NOMEM;
                for (size_t i = 0; i < n; i++)
                        order[i] = i;
                /* insertion sort: schema objects have a handful of keys */
                for (size_t i = 1; i < n; i++) {
                        size_t k = order[i], p = i;
                        while (p > 0 && strcmp(j->u.obj.keys[order[p - 1]], j->u.obj.keys[k]) > 0) {
                                order[p] = order[p - 1];
                                p--;
                        }
                        order[p] = k;
                }
                sl_buf_putc(out, '{');
                for (size_t i = 0; i < n && !err; i++) {
                        if (i)
                                sl_buf_putc(out, ',');
                        sl_json_write_string(out, j->u.obj.keys[order[i]],
                                             strlen(j->u.obj.keys[order[i]]));
                        sl_buf_putc(out, ':');
                        err = canon_write(j->u.obj.vals[order[i]], out);
                }
                free(order);
                return err ? err : sl_buf_putc(out, '}');
        default:
                return sl_json_write(j, out);
        }
}

void sr_parsed_fini(sr_parsed_t *p) {
        free(p->text);
        free(p->canon);
        sl_json_free(p->json);
        memset(p, 0, sizeof(*p));
}

int sr_parse(const char *schema, sr_parsed_t *out, char *errstr, size_t errstr_size) {
        sl_buf_t b = SL_BUF_INIT;
        avro_schema_t as = NULL;
        char err[256];

        memset(out, 0, sizeof(*out));
        if (!schema)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "no schema");
        out->json = sl_json_parse(schema, strlen(schema), err, sizeof(err));
        if (!out->json)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE, "%s", err);
        out->text = sl_json_to_string(out->json);
        if (!out->text) {
                sr_parsed_fini(out);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        /* libavro leaks the first of two definitions of one name */
        if (sl_avro_check_names(out->json, err, sizeof(err)) < 0) {
                sr_parsed_fini(out);
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "%s", err);
        }
        /* libavro knows the rules for names, fields, symbols and sizes. */
        if (avro_schema_from_json_length(out->text, strlen(out->text), &as) != 0) {
                sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "%s", avro_strerror());
                sr_parsed_fini(out);
                return SL_ERR_INVALID;
        }
        avro_schema_decref(as);
        if (!sr_compat_validate(out->json, err, sizeof(err))) {
                sr_parsed_fini(out);
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "%s", err);
        }
        if (canon_write(out->json, &b) != 0) {
                sl_buf_free(&b);
                sr_parsed_fini(out);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        out->canon = sl_buf_detach(&b, NULL);
        return 0;
}

/* ------------------------------------------------------------ records */

char *sr_key_schema(const char *subject, int32_t version) {
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_puts(&b, "{\"keytype\":\"SCHEMA\",\"subject\":");
        sl_json_write_string(&b, subject, strlen(subject));
        sl_buf_printf(&b, ",\"version\":%d,\"magic\":1}", (int)version);
        return sl_buf_detach(&b, NULL);
}

char *sr_value_schema(const char *subject, int32_t version, int32_t id, const char *schema,
                      bool deleted) {
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_puts(&b, "{\"subject\":");
        sl_json_write_string(&b, subject, strlen(subject));
        sl_buf_printf(&b, ",\"version\":%d,\"id\":%d,\"schema\":", (int)version, (int)id);
        sl_json_write_string(&b, schema, strlen(schema));
        sl_buf_printf(&b, ",\"deleted\":%s}", deleted ? "true" : "false");
        return sl_buf_detach(&b, NULL);
}

char *sr_key_config(const char *subject) {
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_puts(&b, "{\"keytype\":\"CONFIG\",\"subject\":");
        if (subject)
                sl_json_write_string(&b, subject, strlen(subject));
        else
                sl_buf_puts(&b, "null");
        sl_buf_puts(&b, ",\"magic\":0}");
        return sl_buf_detach(&b, NULL);
}

char *sr_value_config(int level) {
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_printf(&b, "{\"compatibilityLevel\":\"%s\"}", sr_compat_name(level));
        return sl_buf_detach(&b, NULL);
}

/* ------------------------------------------------------------ apply */

static bool int_member(const sl_json_t *o, const char *k, int32_t *out) {
        const sl_json_t *v = sl_json_object_get(o, k);
        if (!v || v->type != SL_JSON_INT || v->u.i < 0 || v->u.i > INT32_MAX)
                return false;
        *out = (int32_t)v->u.i;
        return true;
}

static int version_insert(sr_subject_t *s, int32_t version, int32_t id) {
        if (s->nv == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 4;
                sr_version_t *p = realloc(s->v, cap * sizeof(*p));
                if (!p)
                        return SL_ERR_NOMEM;
                s->v = p;
                s->cap = cap;
        }
        s->v[s->nv++] = (sr_version_t){.version = version, .id = id, .deleted = false};
        return 0;
}

static int schema_add(sr_store_t *st, int32_t id, sr_parsed_t *p) {
        bool found;
        size_t i = schema_pos(st, id, &found);
        sr_schema_t *s;

        if (st->nschemas == st->cap) {
                size_t cap = st->cap ? st->cap * 2 : 16;
                sr_schema_t **q = realloc(st->schemas, cap * sizeof(*q));
                if (!q)
                        return SL_ERR_NOMEM;
                st->schemas = q;
                st->cap = cap;
        }
        s = calloc(1, sizeof(*s));
        if (!s)
                return SL_ERR_NOMEM;
        s->id = id;
        s->text = p->text;
        s->canon = p->canon;
        s->json = p->json;
        memset(p, 0, sizeof(*p));
        memmove(st->schemas + i + 1, st->schemas + i, (st->nschemas - i) * sizeof(*st->schemas));
        st->schemas[i] = s;
        st->nschemas++;
        if (id > st->max_id)
                st->max_id = id;
        return 0;
}

static int ignore(const char *subject, int32_t version, const char *why) {
        sl_debug(LOGGER, "ignoring schema record %s/%d: %s", subject, (int)version, why);
        return SL_ERR_STATE;
}

/* A new live version: the rules that make racing writers agree. */
static int apply_register(sr_store_t *st, const char *subject, int32_t version, int32_t id,
                          const char *text) {
        sr_subject_t *s = sr_store_subject(st, subject);
        sr_schema_t *by_id = sr_store_by_id(st, id), *by_canon;
        sr_parsed_t p;
        int err;

        if (version != sr_subject_max_version(s) + 1)
                return ignore(subject, version, "not the next version");
        if (id <= 0)
                return ignore(subject, version, "bad id");
        if (sr_parse(text, &p, NULL, 0) != 0)
                return ignore(subject, version, "invalid schema");
        by_canon = sr_store_by_canon(st, p.canon);
        if ((by_id && by_id != by_canon) || (by_canon && by_canon->id != id)) {
                sr_parsed_fini(&p);
                return ignore(subject, version, "id and schema disagree with earlier records");
        }
        for (size_t i = 0; s && i < s->nv; i++) {
                if (!s->v[i].deleted && s->v[i].id == id) {
                        sr_parsed_fini(&p);
                        return ignore(subject, version, "schema already registered");
                }
        }
        if (!sr_store_compat_ok(st, s, sr_store_level(st, s), p.json, NULL)) {
                sr_parsed_fini(&p);
                return ignore(subject, version, "incompatible");
        }
        if (!s && !(s = subject_get_or_add(st, subject))) {
                sr_parsed_fini(&p);
                return SL_ERR_NOMEM;
        }
        if (!by_id && (err = schema_add(st, id, &p)) != 0) {
                sr_parsed_fini(&p);
                subject_gc(st, s);
                return err;
        }
        sr_parsed_fini(&p);
        if ((err = version_insert(s, version, id)) != 0)
                return err;
        sr_store_by_id(st, id)->refs++;
        return 0;
}

static int apply_schema(sr_store_t *st, const sl_json_t *key, const sl_json_t *val) {
        const char *subject = sl_json_object_get_str(key, "subject");
        const sl_json_t *del;
        const char *type;
        sr_subject_t *s;
        sr_version_t *v;
        int32_t version, id;

        if (!subject || !int_member(key, "version", &version))
                return SL_ERR_PARSE;
        s = sr_store_subject(st, subject);
        v = sr_subject_version(s, version);
        if (!val || val->type == SL_JSON_NULL) {
                /* Permanent delete: only of a soft-deleted version. */
                if (!v || !v->deleted)
                        return ignore(subject, version, "tombstone of a live version");
                id = v->id;
                memmove(v, v + 1, (size_t)(s->v + s->nv - (v + 1)) * sizeof(*v));
                s->nv--;
                schema_unref(st, id);
                subject_gc(st, s);
                return 0;
        }
        if (val->type != SL_JSON_OBJECT || !int_member(val, "id", &id))
                return SL_ERR_PARSE;
        type = sl_json_object_get_str(val, "schemaType");
        if (type && strcmp(type, "AVRO") != 0)
                return ignore(subject, version, "not an Avro schema");
        del = sl_json_object_get(val, "deleted");
        if (del && del->type == SL_JSON_BOOL && del->u.b) {
                if (!v || v->id != id)
                        return ignore(subject, version, "delete of an unknown version");
                v->deleted = true;
                return 0;
        }
        if (v) {
                /* A replay of what is there (or an undelete, which
                 * Confluent never writes): nothing to do. */
                return v->id == id && !v->deleted ? 0 : ignore(subject, version, "version exists");
        }
        return apply_register(st, subject, version, id, sl_json_object_get_str(val, "schema"));
}

static int apply_config(sr_store_t *st, const sl_json_t *key, const sl_json_t *val) {
        const sl_json_t *sj = sl_json_object_get(key, "subject");
        const char *subject = sj && sj->type == SL_JSON_STRING ? sj->u.str.ptr : NULL;
        int level = -1;
        sr_subject_t *s;

        if (val && val->type == SL_JSON_OBJECT) {
                const char *name = sl_json_object_get_str(val, "compatibilityLevel");
                if (!name)
                        name = sl_json_object_get_str(val, "compatibility");
                if (name && (level = sr_compat_level(name)) < 0)
                        return SL_ERR_PARSE;
        }
        if (!subject) {
                st->compat = level >= 0 ? level : SR_BACKWARD;
                return 0;
        }
        if (level < 0) {
                if ((s = sr_store_subject(st, subject)) != NULL) {
                        s->compat = -1;
                        subject_gc(st, s);
                }
                return 0;
        }
        if (!(s = subject_get_or_add(st, subject)))
                return SL_ERR_NOMEM;
        s->compat = level;
        return 0;
}

/* Confluent writes DELETE_SUBJECT before rewriting the versions as
 * deleted; the rewrites alone carry the state, this only helps logs whose
 * rewrites were cut short. */
static int apply_delete_subject(sr_store_t *st, const sl_json_t *key, const sl_json_t *val) {
        const char *subject = sl_json_object_get_str(key, "subject");
        sr_subject_t *s = subject ? sr_store_subject(st, subject) : NULL;
        int32_t upto;

        if (!s || !val || !int_member(val, "version", &upto))
                return 0;
        for (size_t i = 0; i < s->nv; i++)
                if (s->v[i].version <= upto)
                        s->v[i].deleted = true;
        return 0;
}

int sr_store_apply(sr_store_t *st, const char *key, size_t key_len, const char *value,
                   size_t value_len) {
        sl_json_t *k, *v = NULL;
        const char *type;
        int err;

        if (!key)
                return SL_ERR_PARSE;
        k = sl_json_parse(key, key_len, NULL, 0);
        if (!k || k->type != SL_JSON_OBJECT || !(type = sl_json_object_get_str(k, "keytype"))) {
                sl_json_free(k);
                return SL_ERR_PARSE;
        }
        if (value && !(v = sl_json_parse(value, value_len, NULL, 0))) {
                sl_json_free(k);
                return SL_ERR_PARSE;
        }
        if (!strcmp(type, "SCHEMA"))
                err = apply_schema(st, k, v);
        else if (!strcmp(type, "CONFIG"))
                err = apply_config(st, k, v);
        else if (!strcmp(type, "DELETE_SUBJECT"))
                err = apply_delete_subject(st, k, v);
        else
                err = 0; /* NOOP, MODE, CLEAR_SUBJECT...: nothing we keep */
        sl_json_free(k);
        sl_json_free(v);
        return err;
}
