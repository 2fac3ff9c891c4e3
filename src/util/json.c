/* JSON documents: node API, strict RFC 8259 parser and compact writer.
 * Nodes double as Kafka Connect values (see common.h). */
#include "sluice/common.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Deep enough for any real document, shallow enough that the recursive
 * parser can never exhaust a thread stack. */
#define JSON_MAX_DEPTH 512

/* ------------------------------------------------------------------ nodes */

static sl_json_t *node_new(sl_json_type_t type)
{
        sl_json_t *j = calloc(1, sizeof(*j));
        if (j)
                j->type = type;
        return j;
}

void sl_json_free(sl_json_t *j)
{
        if (!j)
                return;
        switch (j->type) {
        case SL_JSON_STRING:
        case SL_JSON_BYTES:
                if (!j->borrowed)
                        free(j->u.str.ptr);
                break;
        case SL_JSON_ARRAY:
                for (size_t i = 0; i < j->u.arr.len; i++)
                        sl_json_free(j->u.arr.items[i]);
                free(j->u.arr.items);
                break;
        case SL_JSON_OBJECT:
                for (size_t i = 0; i < j->u.obj.len; i++) {
                        free(j->u.obj.keys[i]);
                        sl_json_free(j->u.obj.vals[i]);
                }
                free(j->u.obj.keys);
                free(j->u.obj.vals);
                break;
        default:
                break;
        }
        free(j);
}

sl_json_t *sl_json_null(void)
{
        return node_new(SL_JSON_NULL);
}

sl_json_t *sl_json_bool(bool b)
{
        sl_json_t *j = node_new(SL_JSON_BOOL);
        if (j)
                j->u.b = b;
        return j;
}

sl_json_t *sl_json_int(int64_t i)
{
        sl_json_t *j = node_new(SL_JSON_INT);
        if (j)
                j->u.i = i;
        return j;
}

sl_json_t *sl_json_double(double d)
{
        sl_json_t *j = node_new(SL_JSON_DOUBLE);
        if (j)
                j->u.d = d;
        return j;
}

/* Owned string/bytes payloads are always NUL-terminated, even BYTES, so
 * callers may treat either as a C string when they know it has no NULs. */
static sl_json_t *str_node(sl_json_type_t type, const void *p, size_t n)
{
        if (!p && n)
                return NULL;
        sl_json_t *j = node_new(type);
        if (!j)
                return NULL;
        j->u.str.ptr = malloc(n + 1);
        if (!j->u.str.ptr) {
                free(j);
                return NULL;
        }
        if (n)
                memcpy(j->u.str.ptr, p, n);
        j->u.str.ptr[n] = '\0';
        j->u.str.len = n;
        return j;
}

sl_json_t *sl_json_string(const char *s)
{
        return s ? str_node(SL_JSON_STRING, s, strlen(s)) : NULL;
}

sl_json_t *sl_json_stringn(const char *s, size_t n)
{
        return str_node(SL_JSON_STRING, s, n);
}

sl_json_t *sl_json_bytes(const void *p, size_t n)
{
        return str_node(SL_JSON_BYTES, p, n);
}

sl_json_t *sl_json_array(void)
{
        return node_new(SL_JSON_ARRAY);
}

sl_json_t *sl_json_object(void)
{
        return node_new(SL_JSON_OBJECT);
}

/* A NULL v is reported as SL_ERR_NOMEM so that
 * `sl_json_array_append(a, sl_json_int(1))` propagates allocation failure. */
int sl_json_array_append(sl_json_t *arr, sl_json_t *v)
{
        if (!v)
                return SL_ERR_NOMEM;
        if (!arr || arr->type != SL_JSON_ARRAY) {
                sl_json_free(v);
                return SL_ERR_INVALID;
        }
        if (arr->u.arr.len == arr->u.arr.cap) {
                size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
                sl_json_t **items =
                        realloc(arr->u.arr.items, cap * sizeof(*items));
                if (!items) {
                        sl_json_free(v);
                        return SL_ERR_NOMEM;
                }
                arr->u.arr.items = items;
                arr->u.arr.cap = cap;
        }
        arr->u.arr.items[arr->u.arr.len++] = v;
        return 0;
}

static ssize_t obj_find(const sl_json_t *obj, const char *key)
{
        for (size_t i = 0; i < obj->u.obj.len; i++)
                if (strcmp(obj->u.obj.keys[i], key) == 0)
                        return (ssize_t)i;
        return -1;
}

/* Appends without checking for duplicates; takes ownership of key and v. */
static int obj_push(sl_json_t *obj, char *key, sl_json_t *v)
{
        if (obj->u.obj.len == obj->u.obj.cap) {
                size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 4;
                char **keys = realloc(obj->u.obj.keys, cap * sizeof(*keys));
                if (!keys)
                        goto fail;
                obj->u.obj.keys = keys;
                sl_json_t **vals = realloc(obj->u.obj.vals, cap * sizeof(*vals));
                if (!vals)
                        goto fail;
                obj->u.obj.vals = vals;
                obj->u.obj.cap = cap;
        }
        obj->u.obj.keys[obj->u.obj.len] = key;
        obj->u.obj.vals[obj->u.obj.len] = v;
        obj->u.obj.len++;
        return 0;
fail:
        free(key);
        sl_json_free(v);
        return SL_ERR_NOMEM;
}

int sl_json_object_set(sl_json_t *obj, const char *key, sl_json_t *v)
{
        if (!v)
                return SL_ERR_NOMEM;
        if (!obj || obj->type != SL_JSON_OBJECT || !key) {
                sl_json_free(v);
                return SL_ERR_INVALID;
        }
        ssize_t i = obj_find(obj, key);
        if (i >= 0) {
                sl_json_free(obj->u.obj.vals[i]);
                obj->u.obj.vals[i] = v;
                return 0;
        }
        char *k = strdup(key);
        if (!k) {
                sl_json_free(v);
                return SL_ERR_NOMEM;
        }
        return obj_push(obj, k, v);
}

sl_json_t *sl_json_object_get(const sl_json_t *obj, const char *key)
{
        if (!obj || obj->type != SL_JSON_OBJECT || !key)
                return NULL;
        ssize_t i = obj_find(obj, key);
        return i >= 0 ? obj->u.obj.vals[i] : NULL;
}

int sl_json_object_del(sl_json_t *obj, const char *key)
{
        if (!obj || obj->type != SL_JSON_OBJECT || !key)
                return SL_ERR_INVALID;
        ssize_t i = obj_find(obj, key);
        if (i < 0)
                return SL_ERR_NOT_FOUND;
        free(obj->u.obj.keys[i]);
        sl_json_free(obj->u.obj.vals[i]);
        size_t tail = obj->u.obj.len - (size_t)i - 1;
        memmove(&obj->u.obj.keys[i], &obj->u.obj.keys[i + 1],
                tail * sizeof(char *));
        memmove(&obj->u.obj.vals[i], &obj->u.obj.vals[i + 1],
                tail * sizeof(sl_json_t *));
        obj->u.obj.len--;
        return 0;
}

/* A borrowed string need not be NUL-terminated; callers that store
 * borrowed values in objects must only use this when they know it is. */
const char *sl_json_object_get_str(const sl_json_t *obj, const char *key)
{
        const sl_json_t *v = sl_json_object_get(obj, key);
        return v && v->type == SL_JSON_STRING ? v->u.str.ptr : NULL;
}

sl_json_t *sl_json_dup(const sl_json_t *j)
{
        if (!j)
                return NULL;
        sl_json_t *c;
        switch (j->type) {
        case SL_JSON_STRING:
        case SL_JSON_BYTES:
                return str_node(j->type, j->u.str.ptr, j->u.str.len);
        case SL_JSON_ARRAY:
                if (!(c = sl_json_array()))
                        return NULL;
                for (size_t i = 0; i < j->u.arr.len; i++) {
                        sl_json_t *item = sl_json_dup(j->u.arr.items[i]);
                        if (!item || sl_json_array_append(c, item)) {
                                sl_json_free(c);
                                return NULL;
                        }
                }
                return c;
        case SL_JSON_OBJECT:
                if (!(c = sl_json_object()))
                        return NULL;
                for (size_t i = 0; i < j->u.obj.len; i++) {
                        sl_json_t *v = sl_json_dup(j->u.obj.vals[i]);
                        char *k = v ? strdup(j->u.obj.keys[i]) : NULL;
                        if (!k) {
                                sl_json_free(v);
                                sl_json_free(c);
                                return NULL;
                        }
                        if (obj_push(c, k, v)) {
                                sl_json_free(c);
                                return NULL;
                        }
                }
                return c;
        default:
                if (!(c = node_new(j->type)))
                        return NULL;
                c->u = j->u;
                return c;
        }
}

/* Type-strict: INT 1 and DOUBLE 1.0 differ, as do STRING and BYTES with
 * the same content, because they are different Connect types. NaN equals
 * NaN so that a value always equals its own copy. Objects compare as
 * unordered key sets. */
bool sl_json_equal(const sl_json_t *a, const sl_json_t *b)
{
        if (a == b)
                return true;
        if (!a || !b || a->type != b->type)
                return false;
        switch (a->type) {
        case SL_JSON_NULL:
                return true;
        case SL_JSON_BOOL:
                return a->u.b == b->u.b;
        case SL_JSON_INT:
                return a->u.i == b->u.i;
        case SL_JSON_DOUBLE:
                return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
        case SL_JSON_STRING:
        case SL_JSON_BYTES:
                return a->u.str.len == b->u.str.len &&
                       (a->u.str.len == 0 ||
                        memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0);
        case SL_JSON_ARRAY:
                if (a->u.arr.len != b->u.arr.len)
                        return false;
                for (size_t i = 0; i < a->u.arr.len; i++)
                        if (!sl_json_equal(a->u.arr.items[i], b->u.arr.items[i]))
                                return false;
                return true;
        case SL_JSON_OBJECT:
                if (a->u.obj.len != b->u.obj.len)
                        return false;
                for (size_t i = 0; i < a->u.obj.len; i++) {
                        const sl_json_t *bv;
                        /* Same order is the common case: skip the search. */
                        if (strcmp(a->u.obj.keys[i], b->u.obj.keys[i]) == 0)
                                bv = b->u.obj.vals[i];
                        else
                                bv = sl_json_object_get(b, a->u.obj.keys[i]);
                        if (!bv || !sl_json_equal(a->u.obj.vals[i], bv))
                                return false;
                }
                return true;
        }
        return false;
}

/* ----------------------------------------------------------------- parser */

typedef struct parser {
        const unsigned char *p;
        size_t len, pos;
        int depth;
        sl_buf_t scratch; /* reused for every string token */
        char *errstr;
        size_t errstr_size;
} parser_t;

static void perr_unexpected(parser_t *ps)
{
        if (ps->pos >= ps->len) {
                sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_PARSE,
                          "Unexpected end of input at offset %zu", ps->pos);
                return;
        }
        unsigned char c = ps->p[ps->pos];
        if (c >= 0x20 && c < 0x7f)
                sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_PARSE,
                          "Unexpected character '%c' at offset %zu", c,
                          ps->pos);
        else
                sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_PARSE,
                          "Unexpected character 0x%02X at offset %zu", c,
                          ps->pos);
}

static void perr_at(parser_t *ps, size_t at, const char *what)
{
        sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_PARSE, "%s at offset %zu",
                  what, at);
}

static void skip_ws(parser_t *ps)
{
        while (ps->pos < ps->len) {
                unsigned char c = ps->p[ps->pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                        break;
                ps->pos++;
        }
}

/* Consumes c or reports what was found instead. */
static int expect(parser_t *ps, char c)
{
        if (ps->pos < ps->len && ps->p[ps->pos] == (unsigned char)c) {
                ps->pos++;
                return 0;
        }
        perr_unexpected(ps);
        return SL_ERR_PARSE;
}

static int hexval(unsigned char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Reads the four hex digits after "\u" at pos; -1 when malformed. */
static long read_hex4(parser_t *ps, size_t pos)
{
        if (ps->len - pos < 4)
                return -1;
        long v = 0;
        for (int i = 0; i < 4; i++) {
                int h = hexval(ps->p[pos + i]);
                if (h < 0)
                        return -1;
                v = v * 16 + h;
        }
        return v;
}

static int put_utf8(sl_buf_t *b, unsigned long cp)
{
        char u[4];
        size_t n;
        if (cp < 0x80) {
                u[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (char)(0xC0 | (cp >> 6));
                u[1] = (char)(0x80 | (cp & 0x3F));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (char)(0xE0 | (cp >> 12));
                u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                u[2] = (char)(0x80 | (cp & 0x3F));
                n = 3;
        } else {
                u[0] = (char)(0xF0 | (cp >> 18));
                u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
                u[3] = (char)(0x80 | (cp & 0x3F));
                n = 4;
        }
        return sl_buf_append(b, u, n);
}

/* Length of the well-formed UTF-8 sequence at s (max n bytes), or 0.
 * Rejects overlong forms, encoded surrogates and code points > U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
        unsigned char c = s[0];
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                if (c == 0xE0)
                        lo = 0xA0;
                else if (c == 0xED)
                        hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                if (c == 0xF0)
                        lo = 0x90;
                else if (c == 0xF4)
                        hi = 0x8F;
        } else {
                return 0;
        }
        if (n < need + 1)
                return 0;
        if (s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i <= need; i++)
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
        return need + 1;
}

/* Handles the escape whose backslash is at ps->pos. */
static int parse_escape(parser_t *ps)
{
        size_t at = ps->pos;
        if (at + 1 >= ps->len) {
                ps->pos = ps->len;
                perr_unexpected(ps);
                return SL_ERR_PARSE;
        }
        unsigned char e = ps->p[at + 1];
        char c;
        switch (e) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '/': c = '/'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
                long cp = read_hex4(ps, at + 2);
                if (cp < 0) {
                        perr_at(ps, at, "Invalid \\u escape");
                        return SL_ERR_PARSE;
                }
                ps->pos = at + 6;
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        perr_at(ps, at, "Lone low surrogate in \\u escape");
                        return SL_ERR_PARSE;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                        long lo = -1;
                        if (ps->len - ps->pos >= 2 && ps->p[ps->pos] == '\\' &&
                            ps->p[ps->pos + 1] == 'u')
                                lo = read_hex4(ps, ps->pos + 2);
                        if (lo < 0xDC00 || lo > 0xDFFF) {
                                perr_at(ps, at,
                                        "Lone high surrogate in \\u escape");
                                return SL_ERR_PARSE;
                        }
                        ps->pos += 6;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                return put_utf8(&ps->scratch, (unsigned long)cp);
        }
        default:
                if (e >= 0x20 && e < 0x7f)
                        sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_PARSE,
                                  "Invalid escape '\\%c' at offset %zu", e, at);
                else
                        perr_at(ps, at, "Invalid escape");
                return SL_ERR_PARSE;
        }
        ps->pos = at + 2;
        return sl_buf_putc(&ps->scratch, c);
}

/* Parses the string starting at the opening quote into ps->scratch. */
static int parse_string_raw(parser_t *ps)
{
        int r;
        if ((r = expect(ps, '"')))
                return r;
        sl_buf_reset(&ps->scratch);
        /* Make sure scratch.data exists even for "". */
        if ((r = sl_buf_reserve(&ps->scratch, 0)))
                goto nomem;
        for (;;) {
                size_t start = ps->pos;
                while (ps->pos < ps->len) {
                        unsigned char c = ps->p[ps->pos];
                        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
                                break;
                        ps->pos++;
                }
                if ((r = sl_buf_append(&ps->scratch, ps->p + start,
                                       ps->pos - start)))
                        goto nomem;
                if (ps->pos >= ps->len) {
                        perr_unexpected(ps);
                        return SL_ERR_PARSE;
                }
                unsigned char c = ps->p[ps->pos];
                if (c == '"') {
                        ps->pos++;
                        return 0;
                } else if (c == '\\') {
                        if ((r = parse_escape(ps)) == SL_ERR_NOMEM)
                                goto nomem;
                        if (r)
                                return SL_ERR_PARSE;
                } else if (c < 0x20) {
                        sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_PARSE,
                                  "Unescaped control character 0x%02X in "
                                  "string at offset %zu",
                                  c, ps->pos);
                        return SL_ERR_PARSE;
                } else {
                        size_t n = utf8_seq_len(ps->p + ps->pos,
                                                ps->len - ps->pos);
                        if (!n) {
                                perr_at(ps, ps->pos, "Invalid UTF-8 in string");
                                return SL_ERR_PARSE;
                        }
                        if ((r = sl_buf_append(&ps->scratch, ps->p + ps->pos,
                                               n)))
                                goto nomem;
                        ps->pos += n;
                }
        }
nomem:
        sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_NOMEM, "Out of memory");
        return SL_ERR_NOMEM;
}

static sl_json_t *oom(parser_t *ps)
{
        sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_NOMEM, "Out of memory");
        return NULL;
}

static bool is_digit(parser_t *ps)
{
        return ps->pos < ps->len && ps->p[ps->pos] >= '0' &&
               ps->p[ps->pos] <= '9';
}

static sl_json_t *parse_number(parser_t *ps)
{
        size_t start = ps->pos;
        bool integral = true;

        if (ps->p[ps->pos] == '-')
                ps->pos++;
        if (!is_digit(ps)) {
                perr_unexpected(ps);
                return NULL;
        }
        if (ps->p[ps->pos] == '0') {
                ps->pos++;
                if (is_digit(ps)) {
                        perr_at(ps, start, "Leading zero in number");
                        return NULL;
                }
        } else {
                while (is_digit(ps))
                        ps->pos++;
        }
        if (ps->pos < ps->len && ps->p[ps->pos] == '.') {
                integral = false;
                ps->pos++;
                if (!is_digit(ps)) {
                        perr_unexpected(ps);
                        return NULL;
                }
                while (is_digit(ps))
                        ps->pos++;
        }
        if (ps->pos < ps->len && (ps->p[ps->pos] | 0x20) == 'e') {
                integral = false;
                ps->pos++;
                if (ps->pos < ps->len &&
                    (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-'))
                        ps->pos++;
                if (!is_digit(ps)) {
                        perr_unexpected(ps);
                        return NULL;
                }
                while (is_digit(ps))
                        ps->pos++;
        }

        /* strtoll/strtod need a NUL-terminated copy; the input is not. */
        size_t n = ps->pos - start;
        char small[64];
        char *tok = n < sizeof(small) ? small : malloc(n + 1);
        if (!tok)
                return oom(ps);
        memcpy(tok, ps->p + start, n);
        tok[n] = '\0';

        sl_json_t *j = NULL;
        if (integral) {
                errno = 0;
                long long v = strtoll(tok, NULL, 10);
                if (errno != ERANGE)
                        j = sl_json_int((int64_t)v);
                else
                        integral = false;
        }
        if (!integral)
                /* Overflow to +-inf is accepted; the writer emits null. */
                j = sl_json_double(strtod(tok, NULL));
        if (tok != small)
                free(tok);
        return j ? j : oom(ps);
}

static sl_json_t *parse_literal(parser_t *ps, const char *word, sl_json_t *v)
{
        if (!v)
                return oom(ps);
        for (const char *w = word; *w; w++) {
                if (ps->pos >= ps->len || ps->p[ps->pos] != (unsigned char)*w) {
                        perr_unexpected(ps);
                        sl_json_free(v);
                        return NULL;
                }
                ps->pos++;
        }
        return v;
}

static sl_json_t *parse_value(parser_t *ps);

static sl_json_t *parse_array(parser_t *ps)
{
        sl_json_t *arr = sl_json_array();
        if (!arr)
                return oom(ps);
        ps->pos++; /* '[' */
        skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == ']') {
                ps->pos++;
                return arr;
        }
        for (;;) {
                sl_json_t *v = parse_value(ps);
                if (!v)
                        goto fail;
                if (sl_json_array_append(arr, v)) {
                        oom(ps);
                        goto fail;
                }
                skip_ws(ps);
                if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
                        ps->pos++;
                        continue;
                }
                if (expect(ps, ']'))
                        goto fail;
                return arr;
        }
fail:
        sl_json_free(arr);
        return NULL;
}

/* Later duplicates replace the value of the first occurrence, which keeps
 * its position (as a LinkedHashMap put would). Large objects are sorted
 * by key to stay O(n log n) against hostile input. */
struct key_idx {
        const char *key;
        size_t idx;
};

static int cmp_key_idx(const void *a, const void *b)
{
        const struct key_idx *x = a, *y = b;
        int c = strcmp(x->key, y->key);
        if (c)
                return c;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void obj_merge_dup(sl_json_t *o, size_t first, size_t later)
{
        sl_json_free(o->u.obj.vals[first]);
        o->u.obj.vals[first] = o->u.obj.vals[later];
        o->u.obj.vals[later] = NULL;
        free(o->u.obj.keys[later]);
        o->u.obj.keys[later] = NULL;
}

static int obj_dedup(sl_json_t *o)
{
        size_t n = o->u.obj.len;
        bool any = false;
        if (n < 2)
                return 0;
        if (n <= 16) {
                for (size_t i = 1; i < n; i++)
                        for (size_t k = 0; k < i; k++)
                                if (o->u.obj.keys[k] &&
                                    strcmp(o->u.obj.keys[k],
                                           o->u.obj.keys[i]) == 0) {
                                        obj_merge_dup(o, k, i);
                                        any = true;
                                        break;
                                }
        } else {
                struct key_idx *e = malloc(n * sizeof(*e));
                if (!e)
                        return SL_ERR_NOMEM;
                for (size_t i = 0; i < n; i++)
                        e[i] = (struct key_idx){o->u.obj.keys[i], i};
                qsort(e, n, sizeof(*e), cmp_key_idx);
                for (size_t i = 0; i < n;) {
                        size_t k = i + 1;
                        for (; k < n && strcmp(e[i].key, e[k].key) == 0; k++) {
                                obj_merge_dup(o, e[i].idx, e[k].idx);
                                any = true;
                        }
                        i = k;
                }
                free(e);
        }
        if (!any)
                return 0;
        size_t w = 0;
        for (size_t i = 0; i < n; i++) {
                if (!o->u.obj.keys[i])
                        continue;
                o->u.obj.keys[w] = o->u.obj.keys[i];
                o->u.obj.vals[w] = o->u.obj.vals[i];
                w++;
        }
        o->u.obj.len = w;
        return 0;
}

static sl_json_t *parse_object(parser_t *ps)
{
        sl_json_t *obj = sl_json_object();
        if (!obj)
                return oom(ps);
        ps->pos++; /* '{' */
        skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == '}') {
                ps->pos++;
                return obj;
        }
        for (;;) {
                size_t key_at = ps->pos;
                if (parse_string_raw(ps))
                        goto fail;
                /* Keys are C strings in the node layout. */
                if (memchr(ps->scratch.data, '\0', ps->scratch.len)) {
                        perr_at(ps, key_at, "Object key contains \\u0000");
                        goto fail;
                }
                char *key = strdup(ps->scratch.data);
                if (!key) {
                        oom(ps);
                        goto fail;
                }
                skip_ws(ps);
                if (expect(ps, ':')) {
                        free(key);
                        goto fail;
                }
                sl_json_t *v = parse_value(ps);
                if (!v) {
                        free(key);
                        goto fail;
                }
                if (obj_push(obj, key, v)) {
                        oom(ps);
                        goto fail;
                }
                skip_ws(ps);
                if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
                        ps->pos++;
                        skip_ws(ps);
                        continue;
                }
                if (expect(ps, '}'))
                        goto fail;
                if (obj_dedup(obj)) {
                        oom(ps);
                        goto fail;
                }
                return obj;
        }
fail:
        sl_json_free(obj);
        return NULL;
}

static sl_json_t *parse_value(parser_t *ps)
{
        sl_json_t *v;
        skip_ws(ps);
        if (ps->pos >= ps->len) {
                perr_unexpected(ps);
                return NULL;
        }
        switch (ps->p[ps->pos]) {
        case '{':
        case '[':
                if (ps->depth >= JSON_MAX_DEPTH) {
                        sl_seterr(ps->errstr, ps->errstr_size, SL_ERR_PARSE,
                                  "Nesting deeper than %d levels at offset %zu",
                                  JSON_MAX_DEPTH, ps->pos);
                        return NULL;
                }
                ps->depth++;
                v = ps->p[ps->pos] == '{' ? parse_object(ps) : parse_array(ps);
                ps->depth--;
                return v;
        case '"':
                if (parse_string_raw(ps))
                        return NULL;
                v = sl_json_stringn(ps->scratch.data, ps->scratch.len);
                return v ? v : oom(ps);
        case 't':
                return parse_literal(ps, "true", sl_json_bool(true));
        case 'f':
                return parse_literal(ps, "false", sl_json_bool(false));
        case 'n':
                return parse_literal(ps, "null", sl_json_null());
        case '-':
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
                return parse_number(ps);
        default:
                perr_unexpected(ps);
                return NULL;
        }
}

sl_json_t *sl_json_parse(const char *text, size_t len, char *errstr,
                         size_t errstr_size)
{
        parser_t ps = {
                .p = (const unsigned char *)text,
                .len = text ? len : 0,
                .errstr = errstr,
                .errstr_size = errstr_size,
        };
        sl_buf_init(&ps.scratch);
        sl_json_t *j = parse_value(&ps);
        if (j) {
                skip_ws(&ps);
                if (ps.pos < ps.len) {
                        perr_at(&ps, ps.pos, "Trailing data after JSON value");
                        sl_json_free(j);
                        j = NULL;
                }
        }
        sl_buf_free(&ps.scratch);
        return j;
}

/* ----------------------------------------------------------------- writer */

int sl_json_write_string(sl_buf_t *out, const char *s, size_t n)
{
        static const char hex[] = "0123456789ABCDEF";
        const unsigned char *p = (const unsigned char *)s;
        int r;

        if ((r = sl_buf_reserve(out, n + 2)) || (r = sl_buf_putc(out, '"')))
                return r;
        size_t start = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = p[i];
                if (c >= 0x20 && c != '"' && c != '\\')
                        continue;
                if (i > start && (r = sl_buf_append(out, p + start, i - start)))
                        return r;
                start = i + 1;
                char esc[7] = {'\\', 0};
                size_t elen = 2;
                switch (c) {
                case '"': esc[1] = '"'; break;
                case '\\': esc[1] = '\\'; break;
                case '\n': esc[1] = 'n'; break;
                case '\r': esc[1] = 'r'; break;
                case '\t': esc[1] = 't'; break;
                case '\b': esc[1] = 'b'; break;
                case '\f': esc[1] = 'f'; break;
                default:
                        memcpy(esc + 1, "u00", 3);
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 0xF];
                        elen = 6;
                }
                if ((r = sl_buf_append(out, esc, elen)))
                        return r;
        }
        if (n > start && (r = sl_buf_append(out, p + start, n - start)))
                return r;
        return sl_buf_putc(out, '"');
}

/* Shortest %g form that reads back as the same double. Any 15-digit
 * decimal survives a round trip through a normal double (DBL_DIG), so
 * %.15g already yields the shortest form when one that short exists;
 * subnormals carry fewer digits and need the full search. Assumes the C
 * locale's '.' decimal point (sluice never calls setlocale). */
static int write_double(sl_buf_t *out, double d)
{
        if (!isfinite(d))
                return sl_buf_puts(out, "null");
        char tmp[40];
        int prec = fpclassify(d) == FP_SUBNORMAL ? 1 : DBL_DIG;
        for (; prec <= 17; prec++) {
                snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
                if (strtod(tmp, NULL) == d)
                        break;
        }
        /* Keep it recognisably floating point, as Java prints 1.0. */
        if (strspn(tmp, "-0123456789") == strlen(tmp))
                strcat(tmp, ".0");
        return sl_buf_puts(out, tmp);
}

int sl_json_write(const sl_json_t *j, sl_buf_t *out)
{
        int r = 0;
        if (!j)
                return sl_buf_puts(out, "null");
        switch (j->type) {
        case SL_JSON_NULL:
                return sl_buf_puts(out, "null");
        case SL_JSON_BOOL:
                return sl_buf_puts(out, j->u.b ? "true" : "false");
        case SL_JSON_INT:
                return sl_buf_printf(out, "%" PRId64, j->u.i);
        case SL_JSON_DOUBLE:
                return write_double(out, j->u.d);
        case SL_JSON_STRING:
                return sl_json_write_string(out, j->u.str.ptr, j->u.str.len);
        case SL_JSON_BYTES:
                if ((r = sl_buf_putc(out, '"')) ||
                    (r = sl_base64_encode(j->u.str.ptr, j->u.str.len, out)))
                        return r;
                return sl_buf_putc(out, '"');
        case SL_JSON_ARRAY:
                if ((r = sl_buf_putc(out, '[')))
                        return r;
                for (size_t i = 0; i < j->u.arr.len; i++) {
                        if (i && (r = sl_buf_putc(out, ',')))
                                return r;
                        if ((r = sl_json_write(j->u.arr.items[i], out)))
                                return r;
                }
                return sl_buf_putc(out, ']');
        case SL_JSON_OBJECT:
                if ((r = sl_buf_putc(out, '{')))
                        return r;
                for (size_t i = 0; i < j->u.obj.len; i++) {
                        const char *k = j->u.obj.keys[i];
                        if ((i && (r = sl_buf_putc(out, ','))) ||
                            (r = sl_json_write_string(out, k, strlen(k))) ||
                            (r = sl_buf_putc(out, ':')) ||
                            (r = sl_json_write(j->u.obj.vals[i], out)))
                                return r;
                }
                return sl_buf_putc(out, '}');
        }
        return SL_ERR_INVALID;
}

char *sl_json_to_string(const sl_json_t *j)
{
        sl_buf_t b = SL_BUF_INIT;
        if (sl_json_write(j, &b)) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

/* ------------------------------------------------------- string maps */

sl_json_t *sl_json_from_strmap(const sl_strmap_t *m)
{
        sl_json_t *obj = sl_json_object();
        if (!obj)
                return NULL;
        for (size_t i = 0; i < sl_strmap_count(m); i++) {
                if (sl_json_object_set(obj, sl_strmap_key_at(m, i),
                                       sl_json_string(sl_strmap_value_at(m, i)))) {
                        sl_json_free(obj);
                        return NULL;
                }
        }
        return obj;
}

/* Validates every member before touching out, so a rejected document
 * leaves out unchanged. */
int sl_json_to_strmap(const sl_json_t *obj, sl_strmap_t *out, char *errstr,
                      size_t errstr_size)
{
        if (!obj || obj->type != SL_JSON_OBJECT)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "Expected a JSON object");
        for (size_t i = 0; i < obj->u.obj.len; i++) {
                const sl_json_t *v = obj->u.obj.vals[i];
                if (v && v->type == SL_JSON_STRING)
                        continue;
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "Value of key \"%s\" must be a string%s",
                                 obj->u.obj.keys[i],
                                 !v || v->type == SL_JSON_NULL ? ", not null"
                                                               : "");
        }
        for (size_t i = 0; i < obj->u.obj.len; i++) {
                const sl_json_t *v = obj->u.obj.vals[i];
                int r = sl_strmap_setn(out, obj->u.obj.keys[i], v->u.str.ptr,
                                       v->u.str.len);
                if (r)
                        return sl_seterr(errstr, errstr_size, r,
                                         "Out of memory");
        }
        return 0;
}
