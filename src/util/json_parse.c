/* Strict RFC 8259 parser into node trees. */
#include "sluice/common.h"
#include "util/json_int.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Deep enough for any real document, shallow enough that the recursive
 * parser can never exhaust a thread stack. */
#define JSON_MAX_DEPTH 512

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

/* Consumes c when it comes next; finding something else is no error. */
static bool consume(parser_t *ps, char c)
{
        if (ps->pos < ps->len && ps->p[ps->pos] == (unsigned char)c) {
                ps->pos++;
                return true;
        }
        return false;
}

/* Consumes c or reports what was found instead. */
static int expect(parser_t *ps, char c)
{
        if (consume(ps, c))
                return 0;
        perr_unexpected(ps);
        return SL_ERR_PARSE;
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
                long cp = sl_hex4_read((const char *)ps->p + at + 2,
                                       ps->len - at - 2);
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
                                lo = sl_hex4_read(
                                        (const char *)ps->p + ps->pos + 2,
                                        ps->len - ps->pos - 2);
                        if (lo < 0xDC00 || lo > 0xDFFF) {
                                perr_at(ps, at,
                                        "Lone high surrogate in \\u escape");
                                return SL_ERR_PARSE;
                        }
                        ps->pos += 6;
                        cp = sl_utf16_join((uint32_t)cp, (uint32_t)lo);
                }
                return sl_utf8_put(&ps->scratch, (uint32_t)cp);
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
                        size_t n = sl_utf8_seq_len(ps->p + ps->pos,
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

/* Steps over the opening bracket at ps->pos and the whitespace after it;
 * true for an empty container, whose closing bracket is then consumed. */
static bool open_empty(parser_t *ps, char close)
{
        ps->pos++;
        skip_ws(ps);
        return consume(ps, close);
}

static sl_json_t *parse_array(parser_t *ps)
{
        sl_json_t *arr = sl_json_array();
        if (!arr)
                return oom(ps);
        if (open_empty(ps, ']'))
                return arr;
        do {
                sl_json_t *v = parse_value(ps);
                if (!v)
                        goto fail;
                if (sl_json_array_append(arr, v)) {
                        oom(ps);
                        goto fail;
                }
                skip_ws(ps);
        } while (consume(ps, ','));
        if (expect(ps, ']'))
                goto fail;
        return arr;
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
        if (open_empty(ps, '}'))
                return obj;
        do {
                /* Unlike parse_value, parse_string_raw skips no
                 * whitespace. */
                skip_ws(ps);
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
                if (sl_json_object_push(obj, key, v)) {
                        oom(ps);
                        goto fail;
                }
                skip_ws(ps);
        } while (consume(ps, ','));
        if (expect(ps, '}'))
                goto fail;
        if (obj_dedup(obj)) {
                oom(ps);
                goto fail;
        }
        return obj;
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
