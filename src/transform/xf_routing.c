/* Routing and header SMTs (RegexRouter, TimestampRouter, Filter,
 * InsertHeader, DropHeaders, HeaderFrom) and the predicates
 * TopicNameMatches, HasHeaderKey and RecordIsTombstone.
 *
 * Java regular expressions are translated to POSIX EREs (see the
 * "Java regex" section for what cannot be), SimpleDateFormat patterns are
 * formatted by hand in UTC, and InsertHeader's literal is typed the way
 * Kafka's Values.parseString types it. */
#include "convert/converter_int.h"
#include "transform/datefmt.h"
#include "transform/transform.h"
#include "util/utf8.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PKG "org.apache.kafka.connect.transforms."

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(int c) { return is_digit(c) || is_alpha(c); }

/* The Java class Kafka's messages name for a value ("found: ..."). */
static const char *java_class(const sl_json_t *schema, const sl_json_t *v) {
        static const char *const types[][2] = {
                {"int8", "java.lang.Byte"},      {"int16", "java.lang.Short"},
                {"int32", "java.lang.Integer"},  {"int64", "java.lang.Long"},
                {"float32", "java.lang.Float"},  {"float64", "java.lang.Double"},
                {"boolean", "java.lang.Boolean"}, {"string", "java.lang.String"},
                {"bytes", "[B"},                 {"array", "java.util.ArrayList"},
                {"map", "java.util.HashMap"},    {"struct", "org.apache.kafka.connect.data.Struct"},
        };
        const char *t = sl_schema_type(schema);
        const char *name = schema ? sl_json_object_get_str(schema, "name") : NULL;

        if (!v || v->type == SL_JSON_NULL)
                return "null";
        if (name && !strncmp(name, "org.apache.kafka.connect.data.", 30)) {
                if (!strcmp(name + 30, "Decimal"))
                        return "java.math.BigDecimal";
                if (!strcmp(name + 30, "Date") || !strcmp(name + 30, "Time") ||
                    !strcmp(name + 30, "Timestamp"))
                        return "java.util.Date";
        }
        for (size_t i = 0; t && i < NELEM(types); i++)
                if (!strcmp(t, types[i][0]))
                        return types[i][1];
        switch (v->type) {
        case SL_JSON_BOOL: return "java.lang.Boolean";
        case SL_JSON_INT: return "java.lang.Long";
        case SL_JSON_DOUBLE: return "java.lang.Double";
        case SL_JSON_STRING: return "java.lang.String";
        case SL_JSON_BYTES: return "[B";
        case SL_JSON_ARRAY: return "java.util.ArrayList";
        case SL_JSON_OBJECT: return "java.util.HashMap";
        default: return "null";
        }
}

/* Kafka's NonEmptyListValidator. */
static int validate_nonempty_list(const char *name, const char *value, char *errstr,
                                  size_t errstr_size) {
        char **items = NULL;
        int n = sl_config_list(value, &items);
        (void)name;
        sl_config_list_free(items, n);
        return n > 0 ? 0 : sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "Empty list");
}

static const sl_config_def_t no_config[] = {{.name = NULL}};

/* ------------------------------------------------------------ Java regex
 *
 * Java's Matcher.matches() over a topic, done with a POSIX ERE: the pattern
 * is translated and wrapped as ^(...)$. What translates: literals and
 * escapes (\t \n \x41 \u0041 \0101 \cA \Q..\E, quoted punctuation), . (not
 * matching \n or \r), classes with ranges, \d \w \s (and \D \W \S outside
 * classes), \p{Lower}-style POSIX properties, \b \B \A \z \Z, groups
 * (capturing, (?:...) and (?<name>...)), back references, greedy and lazy
 * quantifiers, and a leading (?i). Rejected as unsupported: lookaround,
 * atomic groups, possessive quantifiers, other inline flags, nested classes
 * and intersections (&&), Unicode properties and non-ASCII characters
 * inside classes. Differences that remain: whether a topic matches is the
 * same, but POSIX picks group captures leftmost-longest, so a lazy
 * quantifier or an ambiguous alternation may capture differently than
 * Java's backtracking; matching is byte-wise (topics are ASCII anyway). */

typedef struct jre {
        regex_t re;
        bool compiled;
        int ngroups;       /* Java's capturing groups */
        int *gmap;         /* Java group -> POSIX subexpression; gmap[0] = 0 */
        char **names;      /* named groups */
        int *name_group;
        int nnames;
} jre_t;

/* Records of a batch nearly always share a topic, and POSIX regexec costs
 * ~100 ns a call: topic-regex steps remember the last topic's outcome. */
typedef struct topic_memo {
        char *topic;  /* NULL: nothing remembered */
        char *result; /* RegexRouter: the new topic, NULL when no match */
        bool matched;
} topic_memo_t;

static void topic_memo_clear(topic_memo_t *m) {
        free(m->topic);
        free(m->result);
        memset(m, 0, sizeof(*m));
}

static bool topic_memo_hit(const topic_memo_t *m, const char *topic) {
        return m->topic && !strcmp(m->topic, topic);
}

/* Takes result over; a failed copy only means no memo. */
static void topic_memo_set(topic_memo_t *m, const char *topic, bool matched, char *result) {
        topic_memo_clear(m);
        if (!(m->topic = strdup(topic))) {
                free(result);
                return;
        }
        m->matched = matched;
        m->result = result;
}

typedef struct jtr {
        const char *p;
        size_t i, n;
        sl_buf_t out;
        int depth;
        int psub; /* subexpressions the translation opened (wrapper excluded) */
        int cflags;
        jre_t *r;
        char *err;
        size_t errsz;
} jtr_t;

static const char *const posix_props[][2] = {
        {"Lower", "lower"}, {"Upper", "upper"}, {"Alpha", "alpha"}, {"Digit", "digit"},
        {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"}, {"Print", "print"},
        {"Blank", "blank"}, {"Cntrl", "cntrl"}, {"XDigit", "xdigit"}, {"Space", "space"},
};

#define SET_DIGIT "0123456789"
#define SET_WORD "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
#define SET_SPACE " \t\n\v\f\r"

static int tr_fail(jtr_t *t, const char *what) {
        snprintf(t->err, t->errsz, "%s near index %zu", what, t->i ? t->i - 1 : 0);
        return -1;
}

static void put_lit(sl_buf_t *b, int c) {
        if (strchr(".[\\()*+?{|^$", c))
                sl_buf_putc(b, '\\');
        sl_buf_putc(b, (char)c);
}

static int put_cp(jtr_t *t, uint32_t cp) {
        if (cp == 0)
                return tr_fail(t, "NUL characters are not supported");
        if (cp < 0x80) {
                put_lit(&t->out, (int)cp);
        } else if (cp < 0x800) {
                sl_buf_putc(&t->out, (char)(0xC0 | (cp >> 6)));
                sl_buf_putc(&t->out, (char)(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
                sl_buf_putc(&t->out, (char)(0xE0 | (cp >> 12)));
                sl_buf_putc(&t->out, (char)(0x80 | ((cp >> 6) & 0x3F)));
                sl_buf_putc(&t->out, (char)(0x80 | (cp & 0x3F)));
        } else {
                sl_buf_putc(&t->out, (char)(0xF0 | (cp >> 18)));
                sl_buf_putc(&t->out, (char)(0x80 | ((cp >> 12) & 0x3F)));
                sl_buf_putc(&t->out, (char)(0x80 | ((cp >> 6) & 0x3F)));
                sl_buf_putc(&t->out, (char)(0x80 | (cp & 0x3F)));
        }
        return 0;
}

static int hex_digits(jtr_t *t, int k, uint32_t *v) {
        for (int j = 0; j < k; j++) {
                if (t->i >= t->n || sl_hex_digit((unsigned char)t->p[t->i]) < 0)
                        return -1;
                *v = *v * 16 + (uint32_t)sl_hex_digit((unsigned char)t->p[t->i++]);
        }
        return 0;
}

/* After a backslash and c: a character escape. 1 with *cp, 0 when c does
 * not start one, -1 on bad syntax. */
static int tr_char_escape(jtr_t *t, int c, uint32_t *cp) {
        const char *p = t->p;
        uint32_t v = 0;

        switch (c) {
        case 't': *cp = '\t'; return 1;
        case 'n': *cp = '\n'; return 1;
        case 'r': *cp = '\r'; return 1;
        case 'f': *cp = '\f'; return 1;
        case 'a': *cp = 7; return 1;
        case 'e': *cp = 27; return 1;
        case '0': {
                int k = 0, max = t->i < t->n && p[t->i] >= '0' && p[t->i] <= '3' ? 3 : 2;
                for (; k < max && t->i < t->n && p[t->i] >= '0' && p[t->i] <= '7'; k++)
                        v = v * 8 + (uint32_t)(p[t->i++] - '0');
                if (!k)
                        return tr_fail(t, "Illegal octal escape sequence");
                *cp = v;
                return 1;
        }
        case 'x':
                if (t->i < t->n && p[t->i] == '{') {
                        int k = 0;
                        t->i++;
                        for (; t->i < t->n && sl_hex_digit((unsigned char)p[t->i]) >= 0 && v <= 0x10FFFF; k++)
                                v = v * 16 + (uint32_t)sl_hex_digit((unsigned char)p[t->i++]);
                        if (!k || v > 0x10FFFF || t->i >= t->n || p[t->i] != '}')
                                return tr_fail(t, "Illegal hexadecimal escape sequence");
                        t->i++;
                } else if (hex_digits(t, 2, &v) < 0) {
                        return tr_fail(t, "Illegal hexadecimal escape sequence");
                }
                *cp = v;
                return 1;
        case 'u':
                if (hex_digits(t, 4, &v) < 0)
                        return tr_fail(t, "Illegal Unicode escape sequence");
                *cp = v;
                return 1;
        case 'c':
                if (t->i >= t->n)
                        return tr_fail(t, "Illegal control escape sequence");
                *cp = (uint32_t)((unsigned char)p[t->i++] ^ 64);
                return 1;
        default:
                if (c < 0x80 && !is_alnum(c)) {
                        *cp = (uint32_t)c;
                        return 1;
                }
                return 0;
        }
}

/* \p{Name} after the 'p': the posix_props index, or -1. */
static int tr_prop(jtr_t *t) {
        size_t s;
        if (t->i >= t->n || t->p[t->i] != '{')
                return tr_fail(t, "Unsupported character property (only \\p{Name} "
                                  "POSIX classes are)");
        s = ++t->i;
        while (t->i < t->n && t->p[t->i] != '}')
                t->i++;
        if (t->i >= t->n)
                return tr_fail(t, "Unclosed character family");
        for (size_t k = 0; k < NELEM(posix_props); k++)
                if (strlen(posix_props[k][0]) == t->i - s &&
                    !memcmp(posix_props[k][0], t->p + s, t->i - s)) {
                        t->i++;
                        return (int)k;
                }
        return tr_fail(t, "Unsupported character property");
}

static int tr_backref(jtr_t *t, int g) {
        if (g < 1 || g > t->r->ngroups)
                return tr_fail(t, "Back reference to an undefined group");
        if (t->r->gmap[g] > 9)
                return tr_fail(t, "Back references beyond the ninth POSIX group are not "
                                  "supported");
        sl_buf_printf(&t->out, "\\%d", t->r->gmap[g]);
        return 0;
}

/* One class member after c (already consumed): 1 with a character in *cp,
 * 0 when it added a set (\d, \w, \s, \p{..}) to set/props, -1 on error.
 * set is NULL at a range's upper end, where sets are not allowed. */
static int tr_class_atom(jtr_t *t, int c, uint32_t *cp, bool *set, unsigned *props) {
        const char *add = NULL;
        int e, r, k;

        if (c >= 0x80)
                return tr_fail(t, "Non-ASCII characters in a character class are not "
                                  "supported");
        if (c != '\\') {
                *cp = (uint32_t)c;
                return 1;
        }
        if (t->i >= t->n)
                return tr_fail(t, "Unclosed character class");
        e = (unsigned char)t->p[t->i++];
        switch (e) {
        case 'd': add = SET_DIGIT; break;
        case 'w': add = SET_WORD; break;
        case 's': add = SET_SPACE; break;
        case 'p':
                if (!set)
                        return tr_fail(t, "Illegal character range");
                if ((k = tr_prop(t)) < 0)
                        return -1;
                *props |= 1u << k;
                return 0;
        case 'D': case 'W': case 'S': case 'P': case 'Q':
                return tr_fail(t, "Negated classes and quoting inside a character class "
                                  "are not supported");
        }
        if (add) {
                if (!set)
                        return tr_fail(t, "Illegal character range");
                for (; *add; add++)
                        set[(unsigned char)*add] = true;
                return 0;
        }
        if ((r = tr_char_escape(t, e, cp)) < 0)
                return -1;
        if (r == 0)
                return tr_fail(t, "Illegal/unsupported escape sequence");
        if (*cp == 0 || *cp >= 0x80)
                return tr_fail(t, "Non-ASCII characters in a character class are not "
                                  "supported");
        return 1;
}

/* A POSIX bracket expression for the set: ']' must come first, '-' last
 * and '^' anywhere but first; '[' goes late so it never starts "[:". */
static void tr_emit_class(jtr_t *t, const bool *set, unsigned props, bool neg) {
        sl_buf_t *b = &t->out;
        size_t mark;
        bool dash = set['-'];

        sl_buf_putc(b, '[');
        if (neg)
                sl_buf_putc(b, '^');
        mark = b->len;
        if (set[']'])
                sl_buf_putc(b, ']');
        for (int c = 1; c < 128; c++) {
                int e = c;
                if (!set[c] || strchr("]^-[", c))
                        continue;
                while (e + 1 < 128 && set[e + 1] && !strchr("]^-[", e + 1))
                        e++;
                sl_buf_putc(b, (char)c);
                if (e > c + 1)
                        sl_buf_putc(b, '-');
                if (e > c)
                        sl_buf_putc(b, (char)e);
                c = e;
        }
        for (size_t k = 0; k < NELEM(posix_props); k++)
                if (props & (1u << k))
                        sl_buf_printf(b, "[:%s:]", posix_props[k][1]);
        if (set['['])
                sl_buf_putc(b, '[');
        if (set['^']) {
                if (b->len == mark && !neg) {
                        if (!dash) { /* just '^' */
                                b->len = mark - 1;
                                sl_buf_puts(b, "\\^");
                                return;
                        }
                        sl_buf_putc(b, '-');
                        dash = false;
                }
                sl_buf_putc(b, '^');
        }
        if (dash)
                sl_buf_putc(b, '-');
        sl_buf_putc(b, ']');
}

static int tr_class(jtr_t *t) {
        bool set[128] = {false}, neg = false, first = true;
        unsigned props = 0;
        const char *p = t->p;

        if (t->i < t->n && p[t->i] == '^') {
                neg = true;
                t->i++;
        }
        for (;;) {
                uint32_t lo, hi;
                int c, r;

                if (t->i >= t->n)
                        return tr_fail(t, "Unclosed character class");
                c = (unsigned char)p[t->i++];
                if (c == ']' && !first)
                        break;
                first = false;
                if (c == '[')
                        return tr_fail(t, "Nested character classes are not supported");
                if (c == '&' && t->i < t->n && p[t->i] == '&')
                        return tr_fail(t, "Character class intersections are not supported");
                if ((r = tr_class_atom(t, c, &lo, set, &props)) < 0)
                        return -1;
                if (r == 0)
                        continue;
                if (t->i + 1 < t->n && p[t->i] == '-' && p[t->i + 1] != ']') {
                        t->i++;
                        c = (unsigned char)p[t->i++];
                        if (c == '[')
                                return tr_fail(t, "Nested character classes are not supported");
                        if ((r = tr_class_atom(t, c, &hi, NULL, NULL)) < 0)
                                return -1;
                        if (hi < lo)
                                return tr_fail(t, "Illegal character range");
                        for (uint32_t k = lo; k <= hi; k++)
                                set[k] = true;
                } else {
                        set[lo] = true;
                }
        }
        tr_emit_class(t, set, props, neg);
        return 0;
}

static int tr_escape(jtr_t *t) {
        static const char *const shorthand[][2] = {
                {"d", "[0-9]"},          {"D", "[^0-9]"},
                {"w", "[A-Za-z0-9_]"},   {"W", "[^A-Za-z0-9_]"},
                {"s", "[ \t\n\v\f\r]"},  {"S", "[^ \t\n\v\f\r]"},
                {"b", "\\b"},            {"B", "\\B"},
                {"A", "^"},              {"z", "$"},
                {"Z", "$"},
        };
        uint32_t cp;
        int c, r, k;

        if (t->i >= t->n)
                return tr_fail(t, "Unexpected internal error");
        c = (unsigned char)t->p[t->i++];
        for (size_t j = 0; j < NELEM(shorthand); j++)
                if (c == shorthand[j][0][0]) {
                        sl_buf_puts(&t->out, shorthand[j][1]);
                        return 0;
                }
        if (c == 'p' || c == 'P') {
                if ((k = tr_prop(t)) < 0)
                        return -1;
                sl_buf_printf(&t->out, "[%s[:%s:]]", c == 'P' ? "^" : "", posix_props[k][1]);
                return 0;
        }
        if (c == 'Q') {
                const char *end = strstr(t->p + t->i, "\\E");
                size_t stop = end ? (size_t)(end - t->p) : t->n;
                for (; t->i < stop; t->i++)
                        if (put_cp(t, (unsigned char)t->p[t->i]) < 0)
                                return -1;
                t->i = end ? stop + 2 : t->n;
                return 0;
        }
        if (c == 'k') {
                size_t s;
                if (t->i >= t->n || t->p[t->i] != '<')
                        return tr_fail(t, "\\k is not followed by '<' for named capturing group");
                s = ++t->i;
                while (t->i < t->n && t->p[t->i] != '>')
                        t->i++;
                for (int j = 0; t->i < t->n && j < t->r->nnames; j++)
                        if (strlen(t->r->names[j]) == t->i - s &&
                            !memcmp(t->r->names[j], t->p + s, t->i - s)) {
                                t->i++;
                                return tr_backref(t, t->r->name_group[j]);
                        }
                return tr_fail(t, "named capturing group has not been defined");
        }
        if (c >= '1' && c <= '9') {
                int g = c - '0';
                while (t->i < t->n && is_digit(t->p[t->i]) &&
                       g * 10 + (t->p[t->i] - '0') <= t->r->ngroups)
                        g = g * 10 + (t->p[t->i++] - '0');
                return tr_backref(t, g);
        }
        if ((r = tr_char_escape(t, c, &cp)) < 0)
                return -1;
        if (r == 0)
                return tr_fail(t, "Illegal/unsupported escape sequence");
        return put_cp(t, cp);
}

static int tr_add_group(jtr_t *t, const char *name, size_t name_len) {
        jre_t *r = t->r;
        int *gm = realloc(r->gmap, (size_t)(r->ngroups + 2) * sizeof(*gm));

        if (!gm)
                return tr_fail(t, "out of memory");
        r->gmap = gm;
        r->ngroups++;
        gm[0] = 0;
        /* the wrapper is POSIX subexpression 1 */
        gm[r->ngroups] = t->psub + 1;
        if (name) {
                char **nm = realloc(r->names, (size_t)(r->nnames + 1) * sizeof(*nm));
                int *ng;
                if (!nm)
                        return tr_fail(t, "out of memory");
                r->names = nm;
                ng = realloc(r->name_group, (size_t)(r->nnames + 1) * sizeof(*ng));
                if (!ng)
                        return tr_fail(t, "out of memory");
                r->name_group = ng;
                if (!(nm[r->nnames] = strndup(name, name_len)))
                        return tr_fail(t, "out of memory");
                ng[r->nnames++] = r->ngroups;
        }
        return 0;
}

/* After '(': the group's kind. */
static int tr_group(jtr_t *t) {
        const char *p = t->p;
        size_t at = t->i - 1;

        if (t->i < t->n && p[t->i] == '?') {
                t->i++;
                if (t->i < t->n && p[t->i] == ':') {
                        t->i++;
                } else if (t->i + 1 < t->n && p[t->i] == '<' && p[t->i + 1] != '=' &&
                           p[t->i + 1] != '!') {
                        size_t s = ++t->i;
                        if (t->i >= t->n || !is_alpha(p[t->i]))
                                return tr_fail(t, "capturing group name does not start "
                                                  "with a Latin letter");
                        while (t->i < t->n && is_alnum(p[t->i]))
                                t->i++;
                        if (t->i >= t->n || p[t->i] != '>')
                                return tr_fail(t, "named capturing group is missing "
                                                  "trailing '>'");
                        for (int j = 0; j < t->r->nnames; j++)
                                if (strlen(t->r->names[j]) == t->i - s &&
                                    !memcmp(t->r->names[j], p + s, t->i - s))
                                        return tr_fail(t, "Named capturing group is already "
                                                          "defined");
                        t->psub++;
                        if (tr_add_group(t, p + s, t->i - s) < 0)
                                return -1;
                        t->i++;
                        t->depth++;
                        sl_buf_putc(&t->out, '(');
                        return 0;
                } else if (at == 0 && t->i + 1 < t->n && p[t->i] == 'i' && p[t->i + 1] == ')') {
                        /* Java's CASE_INSENSITIVE is ASCII-only, as REG_ICASE is in C */
                        t->cflags |= REG_ICASE;
                        t->i += 2;
                        return 0;
                } else {
                        return tr_fail(t, "Unsupported group construct (lookaround, atomic "
                                          "group or inline flags)");
                }
                t->psub++;
        } else {
                t->psub++;
                if (tr_add_group(t, NULL, 0) < 0)
                        return -1;
        }
        t->depth++;
        sl_buf_putc(&t->out, '(');
        return 0;
}

/* After a quantifier: Java's lazy form keeps the same overall match (only
 * captures may differ), the possessive one can fail where greedy matches. */
static int tr_quant_suffix(jtr_t *t) {
        if (t->i < t->n && t->p[t->i] == '?')
                t->i++;
        else if (t->i < t->n && t->p[t->i] == '+')
                return tr_fail(t, "Possessive quantifiers are not supported");
        return 0;
}

static int tr_brace(jtr_t *t) {
        size_t s = t->i, d1 = 0;

        while (t->i < t->n && is_digit(t->p[t->i]))
                t->i++, d1++;
        if (t->i < t->n && t->p[t->i] == ',')
                for (t->i++; t->i < t->n && is_digit(t->p[t->i]);)
                        t->i++;
        if (!d1 || t->i >= t->n || t->p[t->i] != '}')
                return tr_fail(t, "Illegal repetition");
        t->i++;
        sl_buf_putc(&t->out, '{');
        sl_buf_append(&t->out, t->p + s, t->i - s);
        return tr_quant_suffix(t);
}

static int tr_pattern(jtr_t *t) {
        while (t->i < t->n) {
                int c = (unsigned char)t->p[t->i++], r = 0;
                switch (c) {
                case '\\': r = tr_escape(t); break;
                case '[': r = tr_class(t); break;
                case '(': r = tr_group(t); break;
                case ')':
                        /* an unmatched ')' would close the ^(...)$ wrapper */
                        if (t->depth == 0)
                                return tr_fail(t, "Unmatched closing ')'");
                        t->depth--;
                        sl_buf_putc(&t->out, ')');
                        break;
                case '*': case '+': case '?':
                        sl_buf_putc(&t->out, (char)c);
                        r = tr_quant_suffix(t);
                        break;
                case '{': r = tr_brace(t); break;
                case '.': sl_buf_puts(&t->out, "[^\n\r]"); break;
                case '^': case '$': case '|': sl_buf_putc(&t->out, (char)c); break;
                default: sl_buf_putc(&t->out, (char)c); break;
                }
                if (r < 0)
                        return -1;
        }
        if (t->depth > 0)
                return tr_fail(t, "Unclosed group");
        return 0;
}

static void jre_free(jre_t *r) {
        if (r->compiled)
                regfree(&r->re);
        for (int i = 0; i < r->nnames; i++)
                free(r->names[i]);
        free(r->names);
        free(r->name_group);
        free(r->gmap);
        memset(r, 0, sizeof(*r));
}

/* Compiles a Java pattern for matches(); nosub when only the yes/no is
 * wanted. 0, or -1 with Java-like text in err. */
static int jre_compile(jre_t *r, const char *pattern, bool nosub, char *err, size_t errsz) {
        jtr_t t = {.p = pattern, .n = strlen(pattern), .r = r, .err = err, .errsz = errsz};
        int rc;

        memset(r, 0, sizeof(*r));
        if (!(r->gmap = calloc(1, sizeof(int)))) {
                snprintf(err, errsz, "out of memory");
                return -1;
        }
        sl_buf_puts(&t.out, "^(");
        if (tr_pattern(&t) < 0) {
                sl_buf_free(&t.out);
                jre_free(r);
                return -1;
        }
        sl_buf_puts(&t.out, ")$");
        rc = regcomp(&r->re, t.out.data, REG_EXTENDED | t.cflags | (nosub ? REG_NOSUB : 0));
        sl_buf_free(&t.out);
        if (rc != 0) {
                regerror(rc, &r->re, err, errsz);
                jre_free(r);
                return -1;
        }
        r->compiled = true;
        return 0;
}

int sl_java_regex_compile(regex_t *re, const char *pattern, char *errstr, size_t errstr_size) {
        jre_t r;

        if (jre_compile(&r, pattern, true, errstr, errstr_size) != 0)
                return SL_ERR_CONFIG;
        /* the compiled pattern moves to the caller; the group maps go */
        *re = r.re;
        r.compiled = false;
        jre_free(&r);
        return 0;
}

static bool jre_matches(const jre_t *r, const char *s) {
        return s && regexec(&r->re, s, 0, NULL, 0) == 0;
}

/* Matcher.replaceFirst() after a whole-input match: the replacement with
 * $n, ${name} and \x expanded, with Java's messages for bad references. */
static int jre_expand(const jre_t *r, const char *rep, const char *s, const regmatch_t *m,
                      sl_buf_t *out, char *err, size_t errsz) {
        size_t i = 0, n = strlen(rep);

        while (i < n) {
                int c = (unsigned char)rep[i++], g = -1;
                const regmatch_t *gm;

                if (c == '\\') {
                        if (i >= n)
                                return sl_seterr(err, errsz, SL_ERR_INVALID,
                                                 "character to be escaped is missing");
                        sl_buf_putc(out, rep[i++]);
                        continue;
                }
                if (c != '$') {
                        sl_buf_putc(out, (char)c);
                        continue;
                }
                if (i >= n)
                        return sl_seterr(err, errsz, SL_ERR_INVALID,
                                         "Illegal group reference: group index is missing");
                if (rep[i] == '{') {
                        size_t s0 = ++i;
                        int len;
                        while (i < n && is_alnum(rep[i]))
                                i++;
                        len = (int)(i - s0);
                        if (!len)
                                return sl_seterr(err, errsz, SL_ERR_INVALID,
                                                 "named capturing group has 0 length name");
                        if (i >= n || rep[i] != '}')
                                return sl_seterr(err, errsz, SL_ERR_INVALID,
                                                 "named capturing group is missing trailing '}'");
                        if (is_digit(rep[s0]))
                                return sl_seterr(err, errsz, SL_ERR_INVALID,
                                                 "capturing group name {%.*s} starts with digit "
                                                 "character", len, rep + s0);
                        for (int j = 0; j < r->nnames; j++)
                                if ((int)strlen(r->names[j]) == len &&
                                    !memcmp(r->names[j], rep + s0, (size_t)len))
                                        g = r->name_group[j];
                        if (g < 0)
                                return sl_seterr(err, errsz, SL_ERR_INVALID,
                                                 "No group with name {%.*s}", len, rep + s0);
                        i++;
                } else {
                        if (!is_digit(rep[i]))
                                return sl_seterr(err, errsz, SL_ERR_INVALID,
                                                 "Illegal group reference");
                        g = rep[i++] - '0';
                        /* more digits only while they name an existing group */
                        while (i < n && is_digit(rep[i]) && g * 10 + (rep[i] - '0') <= r->ngroups)
                                g = g * 10 + (rep[i++] - '0');
                        if (g > r->ngroups)
                                return sl_seterr(err, errsz, SL_ERR_INVALID, "No group %d", g);
                }
                gm = &m[r->gmap[g]];
                if (gm->rm_so >= 0 && gm->rm_eo >= gm->rm_so)
                        sl_buf_append(out, s + gm->rm_so, (size_t)(gm->rm_eo - gm->rm_so));
        }
        return 0;
}

static int validate_regex(const char *name, const char *value, char *errstr,
                          size_t errstr_size) {
        jre_t r;
        char why[256];
        (void)name;
        if (jre_compile(&r, value, true, why, sizeof(why)) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "Invalid regex: %s", why);
        jre_free(&r);
        return 0;
}

/* ------------------------------------------------------------ RegexRouter */

typedef struct regex_router {
        jre_t re;
        char *replacement;
        topic_memo_t memo;
} regex_router_t;

static const sl_config_def_t regex_router_config[] = {
        {.name = "regex", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "Regular expression to use for matching.",
         .flags = SL_CFG_REQUIRED, .validator = validate_regex},
        {.name = "replacement", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "Replacement string.", .flags = SL_CFG_REQUIRED},
        {.name = NULL},
};

static void regex_router_destroy(void *state) {
        regex_router_t *s = state;
        if (!s)
                return;
        jre_free(&s->re);
        free(s->replacement);
        topic_memo_clear(&s->memo);
        free(s);
}

static int regex_router_init(void **state, sl_xpart_t part, const sl_strmap_t *config,
                             char *errstr, size_t errstr_size) {
        regex_router_t *s = calloc(1, sizeof(*s));
        const char *regex = sl_config_str(config, "regex");
        const char *rep = sl_config_str(config, "replacement");
        char why[256];

        (void)part;
        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        if (jre_compile(&s->re, regex ? regex : "", false, why, sizeof(why)) < 0) {
                free(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration regex: Invalid regex: %s",
                                 regex ? regex : "null", why);
        }
        if (!(s->replacement = strdup(rep ? rep : ""))) {
                regex_router_destroy(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        *state = s;
        return 0;
}

static int regex_router_apply(void *state, sl_xrecord_t *rec, char *errstr,
                              size_t errstr_size) {
        regex_router_t *s = state;
        regmatch_t stackm[16], *m = stackm;
        size_t nm = s->re.re.re_nsub + 1;
        sl_buf_t topic = SL_BUF_INIT;
        int rc = 0;

        if (!rec->topic)
                return 0;
        if (topic_memo_hit(&s->memo, rec->topic)) {
                char *t;
                if (!s->memo.matched)
                        return 0;
                if (!(t = strdup(s->memo.result)))
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                free(rec->topic);
                rec->topic = t;
                return 0;
        }
        if (nm > NELEM(stackm) && !(m = malloc(nm * sizeof(*m))))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        if (regexec(&s->re.re, rec->topic, nm, m, 0) == 0) {
                /* Java's replacement errors surface here, on the first matching
                 * record, as Matcher.replaceFirst throws them */
                rc = jre_expand(&s->re, s->replacement, rec->topic, m, &topic, errstr,
                                errstr_size);
                if (rc == 0) {
                        char *t = sl_buf_detach(&topic, NULL);
                        if (!t) {
                                rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                        } else {
                                topic_memo_set(&s->memo, rec->topic, true, strdup(t));
                                free(rec->topic);
                                rec->topic = t;
                        }
                }
        } else {
                topic_memo_set(&s->memo, rec->topic, false, NULL);
        }
        sl_buf_free(&topic);
        if (m != stackm)
                free(m);
        return rc;
}

const sl_transform_def_t sl_xf_regex_router = {
        .class_name = PKG "RegexRouter",
        .part = SL_XPART_NONE,
        .config = regex_router_config,
        .init = regex_router_init,
        .apply = regex_router_apply,
        .destroy = regex_router_destroy,
        .doc = "Update the record topic using the configured regular expression and "
               "replacement string.<p/>Under the hood, the regex is compiled to a "
               "<code>java.util.regex.Pattern</code>. If the pattern matches the input topic, "
               "<code>java.util.regex.Matcher#replaceFirst()</code> is used with the "
               "replacement string to obtain the new topic.",
};

/* -------------------------------------------------------- TimestampRouter */

typedef struct ts_router {
        char *topic_format;
        sl_datefmt_t *fmt;
} ts_router_t;

static const sl_config_def_t ts_router_config[] = {
        {.name = "topic.format", .type = SL_CFG_STRING, .default_value = "${topic}-${timestamp}",
         .importance = SL_CFG_HIGH,
         .documentation = "Format string which can contain <code>${topic}</code> and "
                          "<code>${timestamp}</code> as placeholders for the topic and "
                          "timestamp, respectively."},
        {.name = "timestamp.format", .type = SL_CFG_STRING, .default_value = "yyyyMMdd",
         .importance = SL_CFG_HIGH,
         .documentation = "Format string for the timestamp that is compatible with "
                          "<code>java.text.SimpleDateFormat</code>."},
        {.name = NULL},
};

static void ts_router_destroy(void *state) {
        ts_router_t *s = state;
        if (!s)
                return;
        free(s->topic_format);
        sl_datefmt_free(s->fmt);
        free(s);
}

/* Kafka builds the SimpleDateFormat lazily, so a bad pattern fails the
 * first record; rejecting it here is the earlier, clearer equivalent. */
static int ts_router_init(void **state, sl_xpart_t part, const sl_strmap_t *config,
                          char *errstr, size_t errstr_size) {
        ts_router_t *s = calloc(1, sizeof(*s));
        const char *tf = sl_config_str(config, "topic.format");
        const char *df = sl_config_str(config, "timestamp.format");
        char why[256];

        (void)part;
        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        if (!(s->fmt = sl_datefmt_compile(df ? df : "yyyyMMdd", why, sizeof(why)))) {
                free(s);
                return sl_seterr(errstr, errstr_size,
                                 strcmp(why, "out of memory") ? SL_ERR_CONFIG : SL_ERR_NOMEM,
                                 "%s", why);
        }
        if (!(s->topic_format = strdup(tf ? tf : "${topic}-${timestamp}"))) {
                ts_router_destroy(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        *state = s;
        return 0;
}

/* Every occurrence of what in s replaced with with. */
static char *replace_all(const char *s, const char *what, const char *with) {
        sl_buf_t b = SL_BUF_INIT;
        size_t wl = strlen(what);
        const char *hit;
        char *r;

        while ((hit = strstr(s, what))) {
                sl_buf_append(&b, s, (size_t)(hit - s));
                sl_buf_puts(&b, with);
                s = hit + wl;
        }
        sl_buf_puts(&b, s);
        r = sl_buf_detach(&b, NULL);
        sl_buf_free(&b);
        return r;
}

static int ts_router_apply(void *state, sl_xrecord_t *rec, char *errstr, size_t errstr_size) {
        ts_router_t *s = state;
        sl_buf_t ts = SL_BUF_INIT;
        char *t1, *t2;

        if (rec->timestamp == -1) {
                char part[16] = "null";
                if (rec->partition >= 0)
                        snprintf(part, sizeof(part), "%d", (int)rec->partition);
                /* Kafka prints the whole record; its identity is enough here */
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "Timestamp missing on record: ConnectRecord{topic='%s', "
                                 "kafkaPartition=%s, timestamp=null}",
                                 rec->topic ? rec->topic : "null", part);
        }
        if (sl_datefmt_format(s->fmt, rec->timestamp, &ts) < 0) {
                sl_buf_free(&ts);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        t1 = replace_all(s->topic_format, "${topic}", rec->topic ? rec->topic : "null");
        t2 = t1 ? replace_all(t1, "${timestamp}", ts.data ? ts.data : "") : NULL;
        free(t1);
        sl_buf_free(&ts);
        if (!t2)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        free(rec->topic);
        rec->topic = t2;
        return 0;
}

const sl_transform_def_t sl_xf_timestamp_router = {
        .class_name = PKG "TimestampRouter",
        .part = SL_XPART_NONE,
        .config = ts_router_config,
        .init = ts_router_init,
        .apply = ts_router_apply,
        .destroy = ts_router_destroy,
        .doc = "Update the record's topic field as a function of the original topic value "
               "and the record timestamp.<p/>This is mainly useful for sink connectors, "
               "since the topic field is often used to determine the equivalent entity name "
               "in the destination system(e.g. database table or search index name).",
};

/* ----------------------------------------------------------------- Filter */

static int filter_init(void **state, sl_xpart_t part, const sl_strmap_t *config,
                       char *errstr, size_t errstr_size) {
        (void)part;
        (void)config;
        (void)errstr;
        (void)errstr_size;
        *state = NULL;
        return 0;
}

static int filter_apply(void *state, sl_xrecord_t *rec, char *errstr, size_t errstr_size) {
        (void)state;
        (void)rec;
        (void)errstr;
        (void)errstr_size;
        return 1;
}

static void noop_destroy(void *state) { (void)state; }

const sl_transform_def_t sl_xf_filter = {
        .class_name = PKG "Filter",
        .part = SL_XPART_NONE,
        .config = no_config,
        .init = filter_init,
        .apply = filter_apply,
        .destroy = noop_destroy,
        .doc = "Drops all records, filtering them from subsequent transformations in the "
               "chain. This is intended to be used conditionally to filter out records "
               "matching (or not matching) a particular Predicate.",
};

/* ------------------------------------------- Values.parseString (literal)
 *
 * Kafka types a literal by its text: true/false are BOOLEAN, ISO dates,
 * times and timestamps ("2024-01-31", "12:30:00.000Z",
 * "2024-01-31T12:30:00.000Z") the Date/Time/Timestamp logical types,
 * numbers the smallest fitting INT8..INT64, else FLOAT32 when finite as a
 * float, else FLOAT64, else a Decimal; anything else a STRING. Differences:
 * array and map literals ("[1,2]", "{a:1}") stay strings, and the whole
 * text must be the literal (Kafka's tokenizer would take "1,2" as INT8 1). */

static sl_json_t *schema_named(const char *type, const char *name) {
        sl_json_t *s = sl_schema_new(type, false);
        if (s && name) {
                sl_json_object_set(s, "name", sl_json_string(name));
                sl_json_object_set(s, "version", sl_json_int(1));
        }
        return s;
}

static bool digits_at(const char *s, const char *layout) {
        for (; *layout; s++, layout++)
                if (*layout == 'd' ? !is_digit(*s) : *s != *layout)
                        return false;
        return true;
}

static int num_at(const char *s, int n) {
        int v = 0;
        while (n--)
                v = v * 10 + (*s++ - '0');
        return v;
}

/* The three ISO forms Kafka tries. SimpleDateFormat parses leniently, so an
 * out-of-range month or day rolls over into the next. */
static bool parse_temporal(const char *tok, size_t len, sl_json_t **schema, sl_json_t **value) {
        int64_t days = 0;
        int64_t msday = 0;
        const char *time = NULL;

        if ((len == 10 || len == 24) && digits_at(tok, "dddd-dd-dd")) {
                int64_t y = num_at(tok, 4), mo = num_at(tok + 5, 2) - 1;
                if (mo < 0) {
                        y--;
                        mo += 12;
                }
                y += mo / 12;
                mo %= 12;
                days = sl_days_from_civil(y, (int)mo + 1, 1) + num_at(tok + 8, 2) - 1;
                if (len == 24) {
                        if (tok[10] != 'T')
                                return false;
                        time = tok + 11;
                }
        } else if (len == 13) {
                time = tok;
        } else {
                return false;
        }
        if (time) {
                if (!digits_at(time, "dd:dd:dd.dddZ"))
                        return false;
                msday = (int64_t)num_at(time, 2) * 3600000 + (int64_t)num_at(time + 3, 2) * 60000 +
                        (int64_t)num_at(time + 6, 2) * 1000 + num_at(time + 9, 3);
        }
        if (len == 10) {
                *schema = schema_named("int32", "org.apache.kafka.connect.data.Date");
                *value = sl_json_int(days);
        } else if (len == 13) {
                /* Time may not spill into another day */
                if (msday >= 86400000)
                        return false;
                *schema = schema_named("int32", "org.apache.kafka.connect.data.Time");
                *value = sl_json_int(msday);
        } else {
                *schema = schema_named("int64", "org.apache.kafka.connect.data.Timestamp");
                *value = sl_json_int(days * 86400000 + msday);
        }
        return true;
}

/* new BigDecimal(tok) and Values' choice of type for it. false: not a
 * number. */
static bool parse_number(const char *tok, size_t len, sl_json_t **schema, sl_json_t **value) {
        sl_buf_t mant = SL_BUF_INIT;
        size_t i = 0, frac = 0, sig;
        bool neg = false, dot = false, ok = false;
        long long exp = 0, scale;
        char *text = NULL;
        const char *md;

        if (i < len && (tok[i] == '+' || tok[i] == '-'))
                neg = tok[i++] == '-';
        for (; i < len; i++) {
                if (is_digit(tok[i])) {
                        sl_buf_putc(&mant, tok[i]);
                        frac += dot;
                } else if (tok[i] == '.' && !dot) {
                        dot = true;
                } else {
                        break;
                }
        }
        if (!mant.len)
                goto out;
        if (i < len && (tok[i] == 'e' || tok[i] == 'E')) {
                bool eneg = false;
                size_t s;
                i++;
                if (i < len && (tok[i] == '+' || tok[i] == '-'))
                        eneg = tok[i++] == '-';
                s = i;
                for (; i < len && is_digit(tok[i]); i++)
                        if (exp < 10000000000LL)
                                exp = exp * 10 + (tok[i] - '0');
                if (i == s)
                        goto out;
                if (eneg)
                        exp = -exp;
        }
        if (i != len)
                goto out;
        scale = (long long)frac - exp;
        if (scale > INT32_MAX || scale < INT32_MIN)
                goto out; /* BigDecimal: "Scale out of range" */
        ok = true;
        md = mant.data;
        sig = mant.len;
        while (sig > 1 && *md == '0')
                md++, sig--;

        /* integral (scale 0 after rounding either way)? then a long that
         * fits, narrowest type first */
        {
                bool zero = sig == 1 && md[0] == '0', integral = true;
                long long ndig = zero ? 1 : (long long)sig - scale;

                for (long long k = 0; scale > 0 && k < scale && k < (long long)sig; k++)
                        if (md[sig - 1 - (size_t)k] != '0')
                                integral = false;
                if (integral && ndig <= 19) {
                        char buf[24];
                        for (long long k = 0; k < ndig; k++)
                                buf[k] = k < (long long)sig ? md[k] : '0';
                        buf[ndig] = '\0';
                        if (ndig < 19 ||
                            strcmp(buf, neg ? "9223372036854775808" : "9223372036854775807") <= 0) {
                                uint64_t u = strtoull(buf, NULL, 10);
                                int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
                                *schema = sl_schema_new(v >= INT8_MIN && v <= INT8_MAX     ? "int8"
                                                        : v >= INT16_MIN && v <= INT16_MAX ? "int16"
                                                        : v >= INT32_MIN && v <= INT32_MAX ? "int32"
                                                                                           : "int64",
                                                        false);
                                *value = sl_json_int(v);
                                goto out;
                        }
                }
        }
        text = strndup(tok, len);
        if (!text) {
                ok = false;
                goto out;
        }
        if (scale != 0) {
                float f = strtof(text, NULL);
                double d;
                if (!isinf(f)) {
                        *schema = sl_schema_new("float32", false);
                        *value = sl_json_double((double)f);
                        goto out;
                }
                d = strtod(text, NULL);
                if (!isinf(d)) {
                        *schema = sl_schema_new("float64", false);
                        *value = sl_json_double(d);
                        goto out;
                }
        }
        {
                char sc[24];
                sl_json_t *params = sl_json_object();
                snprintf(sc, sizeof(sc), "%lld", scale);
                *schema = schema_named("bytes", "org.apache.kafka.connect.data.Decimal");
                sl_json_object_set(params, "scale", sl_json_string(sc));
                sl_json_object_set(*schema, "parameters", params);
                sl_buf_t u = SL_BUF_INIT;
                int32_t usc = 0;
                /* tok is valid BigDecimal text: scale == usc */
                if (sl_parse_decimal(tok, len, SL_DECIMAL_EXPONENT, &u, &usc) == 0)
                        *value = sl_json_bytes(u.data, u.len);
                sl_buf_free(&u);
        }
out:
        free(text);
        sl_buf_free(&mant);
        return ok;
}

static int parse_literal(const char *s, sl_json_t **schema, sl_json_t **value) {
        size_t n = strlen(s), b = 0, e = n;

        *schema = *value = NULL;
        /* String.trim(): everything up to ' ' is whitespace */
        while (b < e && (unsigned char)s[b] <= ' ')
                b++;
        while (e > b && (unsigned char)s[e - 1] <= ' ')
                e--;
        if (e > b) {
                const char *tok = s + b;
                size_t len = e - b;
                if ((len == 4 && !memcmp(tok, "true", 4)) || (len == 5 && !memcmp(tok, "false", 5))) {
                        *schema = sl_schema_new("boolean", false);
                        *value = sl_json_bool(len == 4);
                } else if (!(is_digit(tok[0]) && parse_temporal(tok, len, schema, value)) &&
                           (is_digit(tok[0]) || tok[0] == '+' || tok[0] == '-')) {
                        parse_number(tok, len, schema, value);
                }
        }
        if (!*schema && !*value) {
                *schema = sl_schema_new("string", false);
                *value = sl_json_string(s);
        }
        if (!*schema || !*value) {
                sl_json_free(*schema);
                sl_json_free(*value);
                *schema = *value = NULL;
                return SL_ERR_NOMEM;
        }
        return 0;
}

/* ----------------------------------------------------------- InsertHeader */

typedef struct insert_header {
        char *header;
        sl_json_t *schema, *value;
} insert_header_t;

static const sl_config_def_t insert_header_config[] = {
        {.name = "header", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "The name of the header.", .flags = SL_CFG_REQUIRED},
        {.name = "value.literal", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "The literal value that is to be set as the header value on all "
                          "records.",
         .flags = SL_CFG_REQUIRED},
        {.name = NULL},
};

static void insert_header_destroy(void *state) {
        insert_header_t *s = state;
        if (!s)
                return;
        free(s->header);
        sl_json_free(s->schema);
        sl_json_free(s->value);
        free(s);
}

static int insert_header_init(void **state, sl_xpart_t part, const sl_strmap_t *config,
                              char *errstr, size_t errstr_size) {
        insert_header_t *s = calloc(1, sizeof(*s));
        const char *h = sl_config_str(config, "header");
        const char *lit = sl_config_str(config, "value.literal");

        (void)part;
        if (!h || !lit) {
                free(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Missing required configuration \"%s\" which has no default "
                                 "value.", !h ? "header" : "value.literal");
        }
        if (!s || !(s->header = strdup(h)) || parse_literal(lit, &s->schema, &s->value) < 0) {
                insert_header_destroy(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        *state = s;
        return 0;
}

static int insert_header_apply(void *state, sl_xrecord_t *rec, char *errstr,
                               size_t errstr_size) {
        insert_header_t *s = state;
        sl_json_t *schema = sl_json_dup(s->schema), *value = sl_json_dup(s->value);

        if (!schema || !value) {
                sl_json_free(schema);
                sl_json_free(value);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        if (sl_xrecord_add_header(rec, s->header, schema, value) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        return 0;
}

const sl_transform_def_t sl_xf_insert_header = {
        .class_name = PKG "InsertHeader",
        .part = SL_XPART_NONE,
        .config = insert_header_config,
        .init = insert_header_init,
        .apply = insert_header_apply,
        .destroy = insert_header_destroy,
        .doc = "Add a header to each record.",
};

/* ------------------------------------------------------------ DropHeaders */

typedef struct names {
        char **items;
        int n;
} names_t;

static void names_destroy(void *state) {
        names_t *s = state;
        if (!s)
                return;
        sl_config_list_free(s->items, s->n);
        free(s);
}

static const sl_config_def_t drop_headers_config[] = {
        {.name = "headers", .type = SL_CFG_LIST, .importance = SL_CFG_HIGH,
         .documentation = "The name of the headers to be removed.", .flags = SL_CFG_REQUIRED,
         .validator = validate_nonempty_list},
        {.name = NULL},
};

static int drop_headers_init(void **state, sl_xpart_t part, const sl_strmap_t *config,
                             char *errstr, size_t errstr_size) {
        names_t *s = calloc(1, sizeof(*s));

        (void)part;
        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        s->n = sl_config_list(sl_config_str(config, "headers"), &s->items);
        if (s->n <= 0) {
                int n = s->n;
                s->n = 0;
                names_destroy(s);
                return n < 0 ? sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory")
                             : sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Invalid value [] for configuration headers: Empty list");
        }
        *state = s;
        return 0;
}

static int drop_headers_apply(void *state, sl_xrecord_t *rec, char *errstr,
                              size_t errstr_size) {
        names_t *s = state;
        (void)errstr;
        (void)errstr_size;
        for (int i = 0; i < s->n && rec->header_cnt; i++)
                sl_xrecord_remove_headers(rec, s->items[i]);
        return 0;
}

const sl_transform_def_t sl_xf_drop_headers = {
        .class_name = PKG "DropHeaders",
        .part = SL_XPART_NONE,
        .config = drop_headers_config,
        .init = drop_headers_init,
        .apply = drop_headers_apply,
        .destroy = names_destroy,
        .doc = "Removes one or more headers from each record.",
};

/* ------------------------------------------------------------- HeaderFrom */

typedef struct header_from {
        sl_xpart_t part;
        bool move;
        char **fields, **headers;
        int n;
} header_from_t;

static const char *const header_from_ops[] = {"move", "copy", NULL};

/* ValidString.in() compares case-sensitively, the host's valid_values
 * check does not */
static int validate_operation(const char *name, const char *value, char *errstr,
                              size_t errstr_size) {
        (void)name;
        if (!strcmp(value, "move") || !strcmp(value, "copy"))
                return 0;
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "String must be one of: move, copy");
}

static const sl_config_def_t header_from_config[] = {
        {.name = "fields", .type = SL_CFG_LIST, .importance = SL_CFG_HIGH,
         .documentation = "Field names in the record whose values are to be copied or moved "
                          "to headers.",
         .flags = SL_CFG_REQUIRED, .validator = validate_nonempty_list},
        {.name = "headers", .type = SL_CFG_LIST, .importance = SL_CFG_HIGH,
         .documentation = "Header names, in the same order as the field names listed in the "
                          "fields configuration property.",
         .flags = SL_CFG_REQUIRED, .validator = validate_nonempty_list},
        {.name = "operation", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "Either <code>move</code> if the fields are to be moved to the "
                          "headers (removed from the key/value), or <code>copy</code> if the "
                          "fields are to be copied to the headers (retained in the key/value).",
         .flags = SL_CFG_REQUIRED, .valid_values = header_from_ops,
         .validator = validate_operation},
        {.name = NULL},
};

static void header_from_destroy(void *state) {
        header_from_t *s = state;
        if (!s)
                return;
        sl_config_list_free(s->fields, s->n);
        sl_config_list_free(s->headers, s->n);
        free(s);
}

static int header_from_init(void **state, sl_xpart_t part, const sl_strmap_t *config,
                            char *errstr, size_t errstr_size) {
        header_from_t *s = calloc(1, sizeof(*s));
        const char *op = sl_config_str(config, "operation");
        char **f = NULL, **h = NULL;
        int nf, nh;

        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        nf = sl_config_list(sl_config_str(config, "fields"), &f);
        nh = sl_config_list(sl_config_str(config, "headers"), &h);
        if (nf < 0 || nh < 0) {
                sl_config_list_free(f, nf < 0 ? 0 : nf);
                sl_config_list_free(h, nh < 0 ? 0 : nh);
                free(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        if (nf != nh) {
                sl_config_list_free(f, nf);
                sl_config_list_free(h, nh);
                free(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "'fields' config must have the same number of elements as "
                                 "'headers' config.");
        }
        s->part = part;
        s->fields = f;
        s->headers = h;
        s->n = nf;
        s->move = op && !strcmp(op, "move");
        if (!op || (!s->move && strcmp(op, "copy"))) {
                header_from_destroy(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration operation: String must be "
                                 "one of: move, copy", op ? op : "null");
        }
        *state = s;
        return 0;
}

static bool header_from_listed(const header_from_t *s, const char *field) {
        for (int i = 0; i < s->n; i++)
                if (!strcmp(s->fields[i], field))
                        return true;
        return false;
}

/* The struct schema without the moved fields. Like SchemaUtil's
 * copySchemaBasics, it keeps name, version, doc and parameters but not
 * optional or the default. */
static sl_json_t *header_from_move_schema(const header_from_t *s, const sl_json_t *schema) {
        sl_json_t *out = sl_json_dup(schema), *fields;
        size_t keep = 0;

        if (!out)
                return NULL;
        fields = sl_json_object_get(out, "fields");
        for (size_t i = 0; fields && fields->type == SL_JSON_ARRAY && i < fields->u.arr.len; i++) {
                sl_json_t *f = fields->u.arr.items[i];
                const char *name = sl_json_object_get_str(f, "field");
                if (name && header_from_listed(s, name))
                        sl_json_free(f);
                else
                        fields->u.arr.items[keep++] = f;
        }
        if (fields && fields->type == SL_JSON_ARRAY)
                fields->u.arr.len = keep;
        sl_json_object_del(out, "default");
        if (sl_json_object_set(out, "optional", sl_json_bool(false)) < 0) {
                sl_json_free(out);
                return NULL;
        }
        return out;
}

static bool is_null(const sl_json_t *v) { return !v || v->type == SL_JSON_NULL; }

static sl_json_t *header_value(const sl_json_t *v) {
        return is_null(v) ? NULL : sl_json_dup(v);
}

/* Struct.get(): a null field reads as its schema's default, if any. */
static const sl_json_t *struct_get(const sl_json_t *v, const sl_json_t *field_schema,
                                   const char *name) {
        const sl_json_t *fv = sl_json_object_get(v, name);
        return is_null(fv) && field_schema ? sl_json_object_get(field_schema, "default") : fv;
}

static int header_from_apply(void *state, sl_xrecord_t *rec, char *errstr,
                             size_t errstr_size) {
        header_from_t *s = state;
        bool key = s->part == SL_XPART_KEY;
        sl_json_t **schemap = key ? &rec->key_schema : &rec->value_schema;
        sl_json_t *v = key ? rec->key : rec->value;
        const sl_json_t *schema = *schemap;
        const char *op = s->move ? "move" : "copy";
        sl_json_t *moved = NULL;

        if (!schema) {
                if (!v || v->type != SL_JSON_OBJECT)
                        return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                         "Only Map objects supported in absence of schema for "
                                         "[header %s], found: %s",
                                         op, java_class(NULL, v));
        } else {
                const char *t = sl_schema_type(schema);
                if (!t || strcmp(t, "struct") || !v || v->type != SL_JSON_OBJECT)
                        return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                         "Only Struct objects supported for [header %s], "
                                         "found: %s",
                                         op, java_class(schema, v));
                /* Kafka would throw a NullPointerException here */
                for (int i = 0; i < s->n; i++)
                        if (!sl_schema_field(schema, s->fields[i]))
                                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                                 "%s is not a valid field name", s->fields[i]);
                if (s->move && !(moved = header_from_move_schema(s, schema)))
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        for (int i = 0; i < s->n; i++) {
                const sl_json_t *fs = schema ? sl_schema_field(schema, s->fields[i]) : NULL;
                const sl_json_t *fv = struct_get(v, fs, s->fields[i]);
                sl_json_t *hs = NULL;
                if (fs) {
                        /* the field's schema, without its "field" name */
                        hs = sl_json_dup(fs);
                        sl_json_object_del(hs, "field");
                }
                if (sl_xrecord_add_header(rec, s->headers[i], hs, header_value(fv)) < 0) {
                        sl_json_free(moved);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                }
        }
        if (s->move) {
                for (int i = 0; i < s->n; i++)
                        sl_json_object_del(v, s->fields[i]);
                if (moved) {
                        /* the rebuilt Struct takes what get() returns: defaults
                         * fill the remaining null fields */
                        const sl_json_t *fields = sl_json_object_get(moved, "fields");
                        for (size_t i = 0; fields && fields->type == SL_JSON_ARRAY &&
                                           i < fields->u.arr.len; i++) {
                                const sl_json_t *f = fields->u.arr.items[i];
                                const char *name = sl_json_object_get_str(f, "field");
                                const sl_json_t *def = sl_json_object_get(f, "default");
                                if (name && def && is_null(sl_json_object_get(v, name)))
                                        sl_json_object_set(v, name, sl_json_dup(def));
                        }
                        sl_json_free(*schemap);
                        *schemap = moved;
                }
        }
        return 0;
}

#define HEADER_FROM_DOC                                                                       \
        "Moves or copies fields in the key/value of a record into that record's headers. "   \
        "Corresponding elements of <code>fields</code> and <code>headers</code> together "   \
        "identify a field and the header it should be moved or copied to. Use the concrete " \
        "transformation type designed for the record key "                                   \
        "(<code>org.apache.kafka.connect.transforms.HeaderFrom$Key</code>) or value "         \
        "(<code>org.apache.kafka.connect.transforms.HeaderFrom$Value</code>)."

const sl_transform_def_t sl_xf_header_from_key = {
        .class_name = PKG "HeaderFrom$Key",
        .part = SL_XPART_KEY,
        .config = header_from_config,
        .init = header_from_init,
        .apply = header_from_apply,
        .destroy = header_from_destroy,
        .doc = HEADER_FROM_DOC,
};

const sl_transform_def_t sl_xf_header_from_value = {
        .class_name = PKG "HeaderFrom$Value",
        .part = SL_XPART_VALUE,
        .config = header_from_config,
        .init = header_from_init,
        .apply = header_from_apply,
        .destroy = header_from_destroy,
        .doc = HEADER_FROM_DOC,
};

/* ------------------------------------------------------------- predicates */

static const sl_config_def_t topic_name_matches_config[] = {
        {.name = "pattern", .type = SL_CFG_STRING, .importance = SL_CFG_MEDIUM,
         .documentation = "A Java regular expression for matching against the name of a "
                          "record's topic.",
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .validator = validate_regex},
        {.name = NULL},
};

typedef struct topic_name_matches {
        jre_t re; /* first: init hands it to jre_compile */
        topic_memo_t memo;
} topic_name_matches_t;

static int topic_name_matches_init(void **state, const sl_strmap_t *config, char *errstr,
                                   size_t errstr_size) {
        topic_name_matches_t *r = calloc(1, sizeof(*r));
        const char *pat = sl_config_str(config, "pattern");
        char why[256];

        if (!r)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        if (!pat || !*pat) {
                free(r);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration pattern: String must be "
                                 "non-empty", pat ? pat : "null");
        }
        if (jre_compile(&r->re, pat, true, why, sizeof(why)) < 0) {
                free(r);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration pattern: Invalid regex: %s",
                                 pat, why);
        }
        *state = r;
        return 0;
}

static bool topic_name_matches_test(void *state, const sl_xrecord_t *rec) {
        topic_name_matches_t *r = state;
        bool m;

        if (!rec->topic)
                return false;
        if (topic_memo_hit(&r->memo, rec->topic))
                return r->memo.matched;
        m = jre_matches(&r->re, rec->topic);
        topic_memo_set(&r->memo, rec->topic, m, NULL);
        return m;
}

static void topic_name_matches_destroy(void *state) {
        topic_name_matches_t *r = state;
        if (!r)
                return;
        jre_free(&r->re);
        topic_memo_clear(&r->memo);
        free(r);
}

const sl_predicate_def_t sl_xp_topic_name_matches = {
        .class_name = PKG "predicates.TopicNameMatches",
        .config = topic_name_matches_config,
        .init = topic_name_matches_init,
        .test = topic_name_matches_test,
        .destroy = topic_name_matches_destroy,
        .doc = "A predicate which is true for records with a topic name that matches the "
               "configured regular expression.",
};

static const sl_config_def_t has_header_key_config[] = {
        {.name = "name", .type = SL_CFG_STRING, .importance = SL_CFG_MEDIUM,
         .documentation = "The header name.", .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY},
        {.name = NULL},
};

static int has_header_key_init(void **state, const sl_strmap_t *config, char *errstr,
                               size_t errstr_size) {
        const char *name = sl_config_str(config, "name");

        if (!name || !*name)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration name: String must be "
                                 "non-empty", name ? name : "null");
        if (!(*state = strdup(name)))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        return 0;
}

static bool has_header_key_test(void *state, const sl_xrecord_t *rec) {
        for (size_t i = 0; i < rec->header_cnt; i++)
                if (!strcmp(rec->headers[i].key, state))
                        return true;
        return false;
}

const sl_predicate_def_t sl_xp_has_header_key = {
        .class_name = PKG "predicates.HasHeaderKey",
        .config = has_header_key_config,
        .init = has_header_key_init,
        .test = has_header_key_test,
        .destroy = free,
        .doc = "A predicate which is true for records with at least one header with the "
               "configured name.",
};

static int tombstone_init(void **state, const sl_strmap_t *config, char *errstr,
                          size_t errstr_size) {
        (void)config;
        (void)errstr;
        (void)errstr_size;
        *state = NULL;
        return 0;
}

static bool tombstone_test(void *state, const sl_xrecord_t *rec) {
        (void)state;
        return !rec->value || rec->value->type == SL_JSON_NULL;
}

const sl_predicate_def_t sl_xp_record_is_tombstone = {
        .class_name = PKG "predicates.RecordIsTombstone",
        .config = no_config,
        .init = tombstone_init,
        .test = tombstone_test,
        .destroy = noop_destroy,
        .doc = "A predicate which is true for records which are tombstones (i.e. have null "
               "value).",
};
