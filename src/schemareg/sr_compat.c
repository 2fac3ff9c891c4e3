/* Avro schema resolution (the specification's "Schema Resolution" rules,
 * as Avro Java's SchemaCompatibility applies them) over schema JSON.
 * libavro's resolver is not used: it ignores field defaults, and defaults
 * are what most compatibility questions are about. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schemareg/sr_int.h"

static const char *const LEVELS[] = {
        [SR_NONE] = "NONE",
        [SR_BACKWARD] = "BACKWARD",
        [SR_BACKWARD_TRANSITIVE] = "BACKWARD_TRANSITIVE",
        [SR_FORWARD] = "FORWARD",
        [SR_FORWARD_TRANSITIVE] = "FORWARD_TRANSITIVE",
        [SR_FULL] = "FULL",
        [SR_FULL_TRANSITIVE] = "FULL_TRANSITIVE",
};

int sr_compat_level(const char *name) {
        for (int i = 0; name && i < (int)(sizeof(LEVELS) / sizeof(*LEVELS)); i++)
                if (!strcasecmp(name, LEVELS[i]))
                        return i;
        return -1;
}

const char *sr_compat_name(int level) {
        if (level < 0 || level >= (int)(sizeof(LEVELS) / sizeof(*LEVELS)))
                return "BACKWARD";
        return LEVELS[level];
}

/* ------------------------------------------------------------ names */

enum {
        K_BAD = 0,
        K_NULL,
        K_BOOLEAN,
        K_INT,
        K_LONG,
        K_FLOAT,
        K_DOUBLE,
        K_BYTES,
        K_STRING,
        K_RECORD,
        K_ENUM,
        K_FIXED,
        K_ARRAY,
        K_MAP,
        K_UNION,
};

static const char *const KIND_NAMES[] = {
        "unknown", "null",   "boolean", "int",   "long",  "float", "double", "bytes",
        "string",  "record", "enum",    "fixed", "array", "map",   "union",
};

static int primitive_kind(const char *s) {
        for (int k = K_NULL; k <= K_STRING; k++)
                if (!strcmp(s, KIND_NAMES[k]))
                        return k;
        return K_BAD;
}

#define FULLNAME_MAX 512

/* The named types one schema defines, by full name. */
typedef struct names {
        char **full;
        const sl_json_t **def;
        size_t n, cap;
} names_t;

/* A namespace: a prefix of some full name (no terminating NUL needed). */
typedef struct ns {
        const char *p;
        size_t n;
} ns_t;

static void fullname_of(const sl_json_t *def, ns_t enclosing, char *out) {
        const char *name = sl_json_object_get_str(def, "name");
        const char *space = sl_json_object_get_str(def, "namespace");

        if (!name)
                name = "";
        if (strchr(name, '.') || (space && !*space) || (!space && !enclosing.n))
                snprintf(out, FULLNAME_MAX, "%s", name);
        else if (space)
                snprintf(out, FULLNAME_MAX, "%s.%s", space, name);
        else
                snprintf(out, FULLNAME_MAX, "%.*s.%s", (int)enclosing.n, enclosing.p, name);
}

static ns_t ns_of(const char *full) {
        const char *dot = strrchr(full, '.');
        return (ns_t){full, dot ? (size_t)(dot - full) : 0};
}

static const char *short_name(const char *full) {
        const char *dot = strrchr(full, '.');
        return dot ? dot + 1 : full;
}

static void names_add(names_t *nm, const char *full, const sl_json_t *def) {
        for (size_t i = 0; i < nm->n; i++)
                if (!strcmp(nm->full[i], full))
                        return;
        if (nm->n == nm->cap) {
                size_t cap = nm->cap ? nm->cap * 2 : 8;
                char **f = realloc(nm->full, cap * sizeof(*f));
                const sl_json_t **d;
                if (!f)
                        return;
                nm->full = f;
                d = realloc(nm->def, cap * sizeof(*d));
                if (!d)
                        return;
                nm->def = d;
                nm->cap = cap;
        }
        if ((nm->full[nm->n] = strdup(full)) == NULL)
                return;
        nm->def[nm->n++] = def;
}

static void names_collect(names_t *nm, const sl_json_t *j, ns_t ns) {
        const sl_json_t *t, *fields;
        char full[FULLNAME_MAX];

        if (!j)
                return;
        if (j->type == SL_JSON_ARRAY) {
                for (size_t i = 0; i < j->u.arr.len; i++)
                        names_collect(nm, j->u.arr.items[i], ns);
                return;
        }
        if (j->type != SL_JSON_OBJECT || !(t = sl_json_object_get(j, "type")))
                return;
        if (t->type != SL_JSON_STRING) {
                names_collect(nm, t, ns);
                return;
        }
        if (!strcmp(t->u.str.ptr, "record") || !strcmp(t->u.str.ptr, "error") ||
            !strcmp(t->u.str.ptr, "enum") || !strcmp(t->u.str.ptr, "fixed")) {
                fullname_of(j, ns, full);
                names_add(nm, full, j);
                if (!(fields = sl_json_object_get(j, "fields")) || fields->type != SL_JSON_ARRAY)
                        return;
                /* the table's copy of the name outlives this frame */
                ns = ns_of(full);
                for (size_t i = 0; i < nm->n; i++)
                        if (!strcmp(nm->full[i], full))
                                ns = ns_of(nm->full[i]);
                for (size_t i = 0; i < fields->u.arr.len; i++)
                        names_collect(nm, sl_json_object_get(fields->u.arr.items[i], "type"), ns);
        } else if (!strcmp(t->u.str.ptr, "array")) {
                names_collect(nm, sl_json_object_get(j, "items"), ns);
        } else if (!strcmp(t->u.str.ptr, "map")) {
                names_collect(nm, sl_json_object_get(j, "values"), ns);
        }
}

static void names_free(names_t *nm) {
        for (size_t i = 0; i < nm->n; i++)
                free(nm->full[i]);
        free(nm->full);
        free(nm->def);
}

static const names_t *names_find(const names_t *nm, const char *full, size_t *idx) {
        for (size_t i = 0; i < nm->n; i++) {
                if (!strcmp(nm->full[i], full)) {
                        *idx = i;
                        return nm;
                }
        }
        return NULL;
}

/* A schema node resolved to what it stands for. */
typedef struct rtype {
        int kind;
        const sl_json_t *node; /* the definition (object) or union (array) */
        const char *full;      /* named types: full name */
        ns_t ns;               /* namespace for names inside node */
} rtype_t;

static rtype_t resolve(const names_t *nm, const sl_json_t *j, ns_t ns, int depth) {
        rtype_t r = {.kind = K_BAD, .node = j, .full = NULL, .ns = ns};
        const sl_json_t *t;
        char full[FULLNAME_MAX];
        size_t idx;

        if (!j || depth > 32)
                return r;
        if (j->type == SL_JSON_ARRAY) {
                r.kind = K_UNION;
                return r;
        }
        if (j->type == SL_JSON_STRING) {
                if ((r.kind = primitive_kind(j->u.str.ptr)) != K_BAD)
                        return r;
                if (strchr(j->u.str.ptr, '.') || !ns.n)
                        snprintf(full, sizeof(full), "%s", j->u.str.ptr);
                else
                        snprintf(full, sizeof(full), "%.*s.%s", (int)ns.n, ns.p, j->u.str.ptr);
                if (!names_find(nm, full, &idx) && !names_find(nm, j->u.str.ptr, &idx))
                        return r;
                j = nm->def[idx];
        }
        if (j->type != SL_JSON_OBJECT || !(t = sl_json_object_get(j, "type")))
                return r;
        if (t->type != SL_JSON_STRING)
                return resolve(nm, t, ns, depth + 1);
        r.node = j;
        if (!strcmp(t->u.str.ptr, "record") || !strcmp(t->u.str.ptr, "error"))
                r.kind = K_RECORD;
        else if (!strcmp(t->u.str.ptr, "enum"))
                r.kind = K_ENUM;
        else if (!strcmp(t->u.str.ptr, "fixed"))
                r.kind = K_FIXED;
        else if (!strcmp(t->u.str.ptr, "array"))
                r.kind = K_ARRAY;
        else if (!strcmp(t->u.str.ptr, "map"))
                r.kind = K_MAP;
        else if ((r.kind = primitive_kind(t->u.str.ptr)) == K_BAD)
                return resolve(nm, t, ns, depth + 1); /* {"type": "SomeName"} */
        if (r.kind == K_RECORD || r.kind == K_ENUM || r.kind == K_FIXED) {
                /* the table's copy of the full name outlives this frame */
                fullname_of(j, ns, full);
                for (size_t i = 0; i < nm->n; i++) {
                        if (nm->def[i] == j) {
                                r.full = nm->full[i];
                                break;
                        }
                }
                if (!r.full && names_find(nm, full, &idx))
                        r.full = nm->full[idx];
                if (!r.full)
                        r.full = "";
                r.ns = ns_of(r.full);
        }
        return r;
}

/* ------------------------------------------------------------ checking */

typedef struct pair {
        const sl_json_t *r, *w;
} pair_t;

typedef struct ctx {
        names_t rn, wn;
        pair_t *stack; /* record pairs being checked: recursion ends here */
        size_t nstack, cap;
        sl_buf_t *why; /* NULL while trying union branches */
        char path[1024];
} ctx_t;

static bool fail(ctx_t *c, const char *type, const char *fmt, const char *a, const char *b) {
        if (!c->why)
                return false;
        if (c->why->len)
                sl_buf_putc(c->why, '\n');
        sl_buf_printf(c->why, "Incompatibility{type:%s, location:%s, message:", type,
                      c->path[0] ? c->path : "/");
        sl_buf_printf(c->why, fmt, a ? a : "", b ? b : "");
        sl_buf_puts(c->why, "}");
        return false;
}

static size_t path_push(ctx_t *c, const char *seg, size_t i, bool index) {
        size_t len = strlen(c->path);
        if (index)
                snprintf(c->path + len, sizeof(c->path) - len, "/%s/%zu", seg, i);
        else
                snprintf(c->path + len, sizeof(c->path) - len, "/%s", seg);
        return len;
}

static bool can_read(ctx_t *c, const sl_json_t *r, ns_t rns, const sl_json_t *w, ns_t wns);

static bool names_match(const rtype_t *R, const rtype_t *W) {
        const sl_json_t *aliases = sl_json_object_get(R->node, "aliases");

        if (!strcmp(short_name(R->full), short_name(W->full)))
                return true;
        for (size_t i = 0; aliases && aliases->type == SL_JSON_ARRAY && i < aliases->u.arr.len; i++) {
                const sl_json_t *a = aliases->u.arr.items[i];
                if (a->type == SL_JSON_STRING &&
                    (!strcmp(a->u.str.ptr, W->full) || !strcmp(a->u.str.ptr, short_name(W->full))))
                        return true;
        }
        return false;
}

static const sl_json_t *writer_field(const sl_json_t *wfields, const sl_json_t *rf) {
        const char *name = sl_json_object_get_str(rf, "name");
        const sl_json_t *aliases = sl_json_object_get(rf, "aliases");

        for (size_t i = 0; name && i < wfields->u.arr.len; i++) {
                const char *wn = sl_json_object_get_str(wfields->u.arr.items[i], "name");
                if (wn && !strcmp(wn, name))
                        return wfields->u.arr.items[i];
        }
        for (size_t a = 0; aliases && aliases->type == SL_JSON_ARRAY && a < aliases->u.arr.len; a++) {
                const sl_json_t *al = aliases->u.arr.items[a];
                for (size_t i = 0; al->type == SL_JSON_STRING && i < wfields->u.arr.len; i++) {
                        const char *wn = sl_json_object_get_str(wfields->u.arr.items[i], "name");
                        if (wn && !strcmp(wn, al->u.str.ptr))
                                return wfields->u.arr.items[i];
                }
        }
        return NULL;
}

static bool check_record(ctx_t *c, const rtype_t *R, const rtype_t *W) {
        const sl_json_t *rfields = sl_json_object_get(R->node, "fields");
        const sl_json_t *wfields = sl_json_object_get(W->node, "fields");
        bool ok = true;

        for (size_t i = 0; i < c->nstack; i++)
                if (c->stack[i].r == R->node && c->stack[i].w == W->node)
                        return true; /* already being checked further up */
        if (!rfields || rfields->type != SL_JSON_ARRAY || !wfields ||
            wfields->type != SL_JSON_ARRAY)
                return fail(c, "TYPE_MISMATCH", "record without fields%s%s", NULL, NULL);
        if (c->nstack == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 8;
                pair_t *p = realloc(c->stack, cap * sizeof(*p));
                if (!p)
                        return fail(c, "TYPE_MISMATCH", "out of memory%s%s", NULL, NULL);
                c->stack = p;
                c->cap = cap;
        }
        c->stack[c->nstack++] = (pair_t){R->node, W->node};
        for (size_t i = 0; i < rfields->u.arr.len; i++) {
                const sl_json_t *rf = rfields->u.arr.items[i];
                const sl_json_t *wf = writer_field(wfields, rf);
                size_t len = path_push(c, "fields", i, true);

                if (!wf) {
                        if (!sl_json_object_get(rf, "default"))
                                ok = fail(c, "READER_FIELD_MISSING_DEFAULT_VALUE", "%s%s",
                                          sl_json_object_get_str(rf, "name"), NULL);
                } else {
                        size_t l2 = path_push(c, "type", 0, false);
                        if (!can_read(c, sl_json_object_get(rf, "type"), R->ns,
                                      sl_json_object_get(wf, "type"), W->ns))
                                ok = false;
                        c->path[l2] = '\0';
                }
                c->path[len] = '\0';
                if (!ok && !c->why)
                        break;
        }
        c->nstack--;
        return ok;
}

static bool check_enum(ctx_t *c, const rtype_t *R, const rtype_t *W) {
        const sl_json_t *rs = sl_json_object_get(R->node, "symbols");
        const sl_json_t *ws = sl_json_object_get(W->node, "symbols");
        const sl_json_t *def = sl_json_object_get(R->node, "default");
        bool ok = true;

        if (!rs || rs->type != SL_JSON_ARRAY || !ws || ws->type != SL_JSON_ARRAY)
                return fail(c, "TYPE_MISMATCH", "enum without symbols%s%s", NULL, NULL);
        if (def && def->type == SL_JSON_STRING)
                return true; /* unknown symbols read as the default */
        for (size_t i = 0; i < ws->u.arr.len; i++) {
                bool found = false;
                for (size_t k = 0; k < rs->u.arr.len && !found; k++)
                        found = sl_json_equal(ws->u.arr.items[i], rs->u.arr.items[k]);
                if (!found) {
                        size_t len = path_push(c, "symbols", 0, false);
                        ok = fail(c, "MISSING_ENUM_SYMBOLS", "[%s]%s",
                                  ws->u.arr.items[i]->type == SL_JSON_STRING
                                          ? ws->u.arr.items[i]->u.str.ptr
                                          : "?",
                                  NULL);
                        c->path[len] = '\0';
                }
        }
        return ok;
}

static bool promotes(int w, int r) {
        switch (w) {
        case K_INT:
                return r == K_LONG || r == K_FLOAT || r == K_DOUBLE;
        case K_LONG:
                return r == K_FLOAT || r == K_DOUBLE;
        case K_FLOAT:
                return r == K_DOUBLE;
        case K_STRING:
                return r == K_BYTES;
        case K_BYTES:
                return r == K_STRING;
        default:
                return false;
        }
}

static bool can_read(ctx_t *c, const sl_json_t *r, ns_t rns, const sl_json_t *w, ns_t wns) {
        rtype_t R = resolve(&c->rn, r, rns, 0), W = resolve(&c->wn, w, wns, 0);
        bool ok = true;

        if (R.kind == K_BAD || W.kind == K_BAD)
                return fail(c, "TYPE_MISMATCH", "unknown type in %s schema%s",
                            R.kind == K_BAD ? "reader" : "writer", NULL);
        if (W.kind == K_UNION) {
                /* every branch the writer may have used must be readable */
                for (size_t i = 0; i < W.node->u.arr.len; i++) {
                        if (R.kind != K_UNION) {
                                rtype_t b = resolve(&c->wn, W.node->u.arr.items[i], W.ns, 0);
                                if (b.kind == K_UNION)
                                        return fail(c, "TYPE_MISMATCH", "nested union%s%s", NULL, NULL);
                        }
                        if (!can_read(c, r, rns, W.node->u.arr.items[i], W.ns)) {
                                ok = false;
                                if (!c->why)
                                        break;
                        }
                }
                return ok;
        }
        if (R.kind == K_UNION) {
                sl_buf_t *why = c->why;
                c->why = NULL; /* a branch that does not fit is no error */
                ok = false;
                for (size_t i = 0; i < R.node->u.arr.len && !ok; i++)
                        ok = can_read(c, R.node->u.arr.items[i], R.ns, w, wns);
                c->why = why;
                return ok ? true
                          : fail(c, "MISSING_UNION_BRANCH", "reader union lacking writer type: %s%s",
                                 KIND_NAMES[W.kind], NULL);
        }
        if (R.kind != W.kind) {
                if (promotes(W.kind, R.kind))
                        return true;
                return fail(c, "TYPE_MISMATCH", "reader type: %s not compatible with writer type: %s",
                            KIND_NAMES[R.kind], KIND_NAMES[W.kind]);
        }
        switch (R.kind) {
        case K_RECORD:
        case K_ENUM:
        case K_FIXED:
                if (!names_match(&R, &W)) {
                        size_t len = path_push(c, "name", 0, false);
                        fail(c, "NAME_MISMATCH", "expected: %s%s", W.full, NULL);
                        c->path[len] = '\0';
                        return false;
                }
                if (R.kind == K_RECORD)
                        return check_record(c, &R, &W);
                if (R.kind == K_ENUM)
                        return check_enum(c, &R, &W);
                if (!sl_json_equal(sl_json_object_get(R.node, "size"),
                                   sl_json_object_get(W.node, "size"))) {
                        size_t len = path_push(c, "size", 0, false);
                        fail(c, "FIXED_SIZE_MISMATCH", "expected: %s%s", "writer's size", NULL);
                        c->path[len] = '\0';
                        return false;
                }
                return true;
        case K_ARRAY: {
                size_t len = path_push(c, "items", 0, false);
                ok = can_read(c, sl_json_object_get(R.node, "items"), R.ns,
                              sl_json_object_get(W.node, "items"), W.ns);
                c->path[len] = '\0';
                return ok;
        }
        case K_MAP: {
                size_t len = path_push(c, "values", 0, false);
                ok = can_read(c, sl_json_object_get(R.node, "values"), R.ns,
                              sl_json_object_get(W.node, "values"), W.ns);
                c->path[len] = '\0';
                return ok;
        }
        default:
                return true; /* the same primitive */
        }
}

/* ------------------------------------------------------------ validation */

/* What libavro does not check but Avro Java (and so Confluent) refuses:
 * duplicate field names, unions holding a union or one type twice, and
 * field defaults that do not fit their type. */
typedef struct vctx {
        names_t nm;
        const sl_json_t **seen; /* record definitions walked */
        size_t nseen, cap;
        char *err;
        size_t err_size;
} vctx_t;

static bool verr(vctx_t *v, const char *fmt, const char *a, const char *b) {
        snprintf(v->err, v->err_size, fmt, a ? a : "", b ? b : "");
        return false;
}

static bool default_fits(vctx_t *v, const sl_json_t *type, ns_t ns, const sl_json_t *d,
                         int depth) {
        rtype_t R = resolve(&v->nm, type, ns, 0);
        const sl_json_t *x;

        if (depth > 64)
                return true;
        switch (R.kind) {
        case K_NULL:
                return d->type == SL_JSON_NULL;
        case K_BOOLEAN:
                return d->type == SL_JSON_BOOL;
        case K_INT:
                return d->type == SL_JSON_INT && d->u.i >= INT32_MIN && d->u.i <= INT32_MAX;
        case K_LONG:
                return d->type == SL_JSON_INT;
        case K_FLOAT:
        case K_DOUBLE:
                return d->type == SL_JSON_INT || d->type == SL_JSON_DOUBLE;
        case K_BYTES:
        case K_STRING:
        case K_FIXED:
                return d->type == SL_JSON_STRING;
        case K_ENUM:
                x = sl_json_object_get(R.node, "symbols");
                for (size_t i = 0; d->type == SL_JSON_STRING && x && x->type == SL_JSON_ARRAY &&
                                   i < x->u.arr.len;
                     i++)
                        if (sl_json_equal(d, x->u.arr.items[i]))
                                return true;
                return false;
        case K_ARRAY:
                if (d->type != SL_JSON_ARRAY)
                        return false;
                x = sl_json_object_get(R.node, "items");
                for (size_t i = 0; i < d->u.arr.len; i++)
                        if (!default_fits(v, x, R.ns, d->u.arr.items[i], depth + 1))
                                return false;
                return true;
        case K_MAP:
                if (d->type != SL_JSON_OBJECT)
                        return false;
                x = sl_json_object_get(R.node, "values");
                for (size_t i = 0; i < d->u.obj.len; i++)
                        if (!default_fits(v, x, R.ns, d->u.obj.vals[i], depth + 1))
                                return false;
                return true;
        case K_RECORD:
                if (d->type != SL_JSON_OBJECT)
                        return false;
                x = sl_json_object_get(R.node, "fields");
                for (size_t i = 0; x && x->type == SL_JSON_ARRAY && i < x->u.arr.len; i++) {
                        const sl_json_t *f = x->u.arr.items[i];
                        const char *name = sl_json_object_get_str(f, "name");
                        const sl_json_t *fv = name ? sl_json_object_get(d, name) : NULL;
                        if (!fv)
                                fv = sl_json_object_get(f, "default");
                        if (!fv || !default_fits(v, sl_json_object_get(f, "type"), R.ns, fv,
                                                 depth + 1))
                                return false;
                }
                return true;
        case K_UNION:
                /* the specification says the first branch; Java accepts any */
                for (size_t i = 0; i < R.node->u.arr.len; i++)
                        if (default_fits(v, R.node->u.arr.items[i], R.ns, d, depth + 1))
                                return true;
                return false;
        default:
                return false;
        }
}

static bool validate(vctx_t *v, const sl_json_t *j, ns_t ns, int depth) {
        rtype_t R = resolve(&v->nm, j, ns, 0);
        const sl_json_t *fields;

        if (depth > 64)
                return verr(v, "schema nested too deeply%s%s", NULL, NULL);
        switch (R.kind) {
        case K_BAD:
                return verr(v, "unknown type%s%s", NULL, NULL);
        case K_UNION:
                for (size_t i = 0; i < R.node->u.arr.len; i++) {
                        rtype_t b = resolve(&v->nm, R.node->u.arr.items[i], ns, 0);
                        if (b.kind == K_UNION)
                                return verr(v, "Nested union: %s%s", "a union cannot hold a union",
                                            NULL);
                        for (size_t k = 0; k < i; k++) {
                                rtype_t o = resolve(&v->nm, R.node->u.arr.items[k], ns, 0);
                                bool named = b.kind == K_RECORD || b.kind == K_ENUM ||
                                             b.kind == K_FIXED;
                                if (o.kind == b.kind && (!named || !strcmp(o.full, b.full)))
                                        return verr(v, "Duplicate in union: %s%s",
                                                    named ? b.full : KIND_NAMES[b.kind], NULL);
                        }
                        if (!validate(v, R.node->u.arr.items[i], ns, depth + 1))
                                return false;
                }
                return true;
        case K_ARRAY:
                return validate(v, sl_json_object_get(R.node, "items"), R.ns, depth + 1);
        case K_MAP:
                return validate(v, sl_json_object_get(R.node, "values"), R.ns, depth + 1);
        case K_RECORD:
                break;
        default:
                return true;
        }
        for (size_t i = 0; i < v->nseen; i++)
                if (v->seen[i] == R.node)
                        return true; /* a recursive reference: walked already */
        if (v->nseen == v->cap) {
                size_t cap = v->cap ? v->cap * 2 : 8;
                const sl_json_t **p = realloc(v->seen, cap * sizeof(*p));
                if (!p)
                        return verr(v, "out of memory%s%s", NULL, NULL);
                v->seen = p;
                v->cap = cap;
        }
        v->seen[v->nseen++] = R.node;
        fields = sl_json_object_get(R.node, "fields");
        for (size_t i = 0; fields && fields->type == SL_JSON_ARRAY && i < fields->u.arr.len; i++) {
                const sl_json_t *f = fields->u.arr.items[i];
                const char *name = sl_json_object_get_str(f, "name");
                const sl_json_t *type = sl_json_object_get(f, "type");
                const sl_json_t *d = sl_json_object_get(f, "default");

                for (size_t k = 0; name && k < i; k++) {
                        const char *other = sl_json_object_get_str(fields->u.arr.items[k], "name");
                        if (other && !strcmp(other, name))
                                return verr(v, "Duplicate field %s in record %s", name, R.full);
                }
                if (!validate(v, type, R.ns, depth + 1))
                        return false;
                if (d && !default_fits(v, type, R.ns, d, 0))
                        return verr(v, "Invalid default for field %s in record %s", name, R.full);
        }
        return true;
}

bool sr_compat_validate(const sl_json_t *schema, char *errstr, size_t errstr_size) {
        vctx_t v;
        char dummy[8];
        bool ok;

        memset(&v, 0, sizeof(v));
        v.err = errstr ? errstr : dummy;
        v.err_size = errstr ? errstr_size : sizeof(dummy);
        names_collect(&v.nm, schema, (ns_t){"", 0});
        ok = validate(&v, schema, (ns_t){"", 0}, 0);
        names_free(&v.nm);
        free(v.seen);
        return ok;
}

bool sr_compat_can_read(const sl_json_t *reader, const sl_json_t *writer, sl_buf_t *why) {
        ctx_t c;
        bool ok;

        memset(&c, 0, sizeof(c));
        c.why = why;
        names_collect(&c.rn, reader, (ns_t){"", 0});
        names_collect(&c.wn, writer, (ns_t){"", 0});
        ok = can_read(&c, reader, (ns_t){"", 0}, writer, (ns_t){"", 0});
        names_free(&c.rn);
        names_free(&c.wn);
        free(c.stack);
        return ok;
}

bool sr_compat_check(int level, const sl_json_t *schema, const sl_json_t *const *prev,
                     size_t nprev, sl_buf_t *why) {
        bool backward = level == SR_BACKWARD || level == SR_BACKWARD_TRANSITIVE ||
                        level == SR_FULL || level == SR_FULL_TRANSITIVE;
        bool forward = level == SR_FORWARD || level == SR_FORWARD_TRANSITIVE ||
                       level == SR_FULL || level == SR_FULL_TRANSITIVE;
        bool transitive = level == SR_BACKWARD_TRANSITIVE || level == SR_FORWARD_TRANSITIVE ||
                          level == SR_FULL_TRANSITIVE;
        bool ok = true;

        /* newest first, like Confluent, so messages name the latest first */
        for (size_t i = nprev; i > 0; i--) {
                if (backward && !sr_compat_can_read(schema, prev[i - 1], why))
                        ok = false;
                if (forward && !sr_compat_can_read(prev[i - 1], schema, why))
                        ok = false;
                if (!transitive || (!ok && !why))
                        break;
        }
        return ok;
}
