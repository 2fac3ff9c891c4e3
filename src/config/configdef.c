/* ConfigDef: per-key validation with Kafka's exact messages, defaults, and
 * the ConfigKeyInfo / ConfigInfos JSON the REST API returns. */
#include "config/configdef.h"
#include "util/redact.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_MAX 4096

/* ------------------------------------------------------------ errors */

typedef struct key_errs {
        char *key;
        char **msgs;
        size_t n;
} key_errs_t;

struct sl_config_errors {
        key_errs_t *keys;
        size_t n;
        size_t total;
};

sl_config_errors_t *sl_config_errors_new(void)
{
        return calloc(1, sizeof(sl_config_errors_t));
}

void sl_config_errors_destroy(sl_config_errors_t *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++) {
                for (size_t j = 0; j < e->keys[i].n; j++)
                        free(e->keys[i].msgs[j]);
                free(e->keys[i].msgs);
                free(e->keys[i].key);
        }
        free(e->keys);
        free(e);
}

static key_errs_t *errs_find(const sl_config_errors_t *e, const char *key)
{
        for (size_t i = 0; e && i < e->n; i++)
                if (!strcmp(e->keys[i].key, key))
                        return &e->keys[i];
        return NULL;
}

static key_errs_t *errs_find_or_add(sl_config_errors_t *e, const char *key)
{
        key_errs_t *k = errs_find(e, key), *v;

        if (k)
                return k;
        if (!(v = realloc(e->keys, (e->n + 1) * sizeof(*v))))
                return NULL;
        e->keys = v;
        k = &v[e->n];
        memset(k, 0, sizeof(*k));
        if (!(k->key = strdup(key)))
                return NULL;
        e->n++;
        return k;
}

void sl_config_error_add(sl_config_errors_t *errs, const char *key,
                         const char *fmt, ...)
{
        va_list ap;
        key_errs_t *k;
        char **msgs, *msg;
        int len;

        if (!errs)
                return;
        va_start(ap, fmt);
        len = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (len < 0)
                return;
        /* a message echoing a resolved secret shows its placeholder */
        if (sl_redact_active()) {
                char *masked = sl_redact_dup(msg);
                free(msg);
                if (!(msg = masked))
                        return;
        }
        /* a connector's cross-field error may not belong to one key */
        k = errs_find_or_add(errs, key ? key : "");
        if (!k || !(msgs = realloc(k->msgs, (k->n + 1) * sizeof(*msgs)))) {
                free(msg);
                return;
        }
        k->msgs = msgs;
        k->msgs[k->n++] = msg;
        errs->total++;
}

size_t sl_config_errors_count(const sl_config_errors_t *e)
{
        return e ? e->total : 0;
}

size_t sl_config_errors_nkeys(const sl_config_errors_t *e)
{
        return e ? e->n : 0;
}

const char *sl_config_errors_key(const sl_config_errors_t *e, size_t i)
{
        return e && i < e->n ? e->keys[i].key : NULL;
}

size_t sl_config_errors_key_count(const sl_config_errors_t *e, const char *key)
{
        key_errs_t *k = errs_find(e, key);
        return k ? k->n : 0;
}

const char *sl_config_errors_key_at(const sl_config_errors_t *e,
                                    const char *key, size_t i)
{
        key_errs_t *k = errs_find(e, key);
        return k && i < k->n ? k->msgs[i] : NULL;
}

/* ------------------------------------------------------------- tables */

void sl_configdef_set_add(sl_configdef_set_t *s, const sl_config_def_t *table)
{
        int cap = (int)(sizeof(s->tables) / sizeof(s->tables[0]));

        if (!table)
                return;
        if (s->n >= cap) {
                sl_error("configdef", "too many config tables (max %d)", cap);
                return;
        }
        s->tables[s->n++] = table;
}

const sl_config_def_t *sl_configdef_find(const sl_configdef_set_t *s,
                                         const char *name)
{
        for (int t = s->n; t-- > 0;)
                for (const sl_config_def_t *d = s->tables[t]; d->name; d++)
                        if (!strcmp(d->name, name))
                                return d;
        return NULL;
}

/* Keys keep the position of their first definition while a later table's
 * definition replaces it, like LinkedHashMap.putAll in Kafka's herder. */
static bool is_first_definition(const sl_configdef_set_t *s, int t,
                                const sl_config_def_t *d)
{
        for (int u = 0; u <= t; u++)
                for (const sl_config_def_t *e = s->tables[u];
                     e->name && e != d; e++)
                        if (!strcmp(e->name, d->name))
                                return false;
        return true;
}

#define FOR_EACH_DEF(s, def)                                                   \
        for (int _t = 0; _t < (s)->n; _t++)                                    \
                for (const sl_config_def_t *_d = (s)->tables[_t]; _d->name;    \
                     _d++)                                                     \
                        if (is_first_definition((s), _t, _d) &&                \
                            ((def) = sl_configdef_find((s), _d->name)))

const char *sl_cfg_type_name(sl_cfg_type_t t)
{
        static const char *const names[] = {
                "BOOLEAN", "STRING", "INT",  "SHORT",   "LONG",
                "DOUBLE",  "LIST",   "CLASS", "PASSWORD",
        };
        if ((unsigned)t < sizeof(names) / sizeof(names[0]))
                return names[t];
        return "UNKNOWN";
}

/* ---------------------------------------------------------- checking */

/* String.trim(): Java drops every char <= ' ' at both ends. */
static void trim(const char *s, const char **bp, size_t *lenp)
{
        size_t n = strlen(s);
        while (n > 0 && (unsigned char)*s <= ' ') {
                s++;
                n--;
        }
        while (n > 0 && (unsigned char)s[n - 1] <= ' ')
                n--;
        *bp = s;
        *lenp = n;
}

/* Long.parseLong: optional sign, decimal digits only, no overflow. */
static bool parse_long(const char *s, size_t n, int64_t *out)
{
        size_t i = 0;
        bool neg = false;
        uint64_t v = 0, lim;

        if (n > 0 && (s[0] == '-' || s[0] == '+')) {
                neg = s[0] == '-';
                i = 1;
        }
        if (i >= n)
                return false;
        lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                if (v > (lim - (uint64_t)(s[i] - '0')) / 10)
                        return false;
                v = v * 10 + (uint64_t)(s[i] - '0');
        }
        *out = neg ? (int64_t)(0 - v) : (int64_t)v;
        return true;
}

/* Double.parseDouble, near enough: what strtod takes (decimal, exponent,
 * hex, inf/nan) plus Java's optional d/D/f/F suffix. */
static bool parse_double(const char *s, size_t n, double *out)
{
        char buf[128], *end;

        if (n == 0 || n >= sizeof(buf))
                return false;
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (strchr("dDfF", buf[n - 1]) && n > 1 &&
            strchr("0123456789.", buf[n - 2]))
                buf[--n] = '\0';
        errno = 0;
        *out = strtod(buf, &end);
        return end == buf + n && (unsigned char)buf[0] > ' ';
}

/* Double.toString: plain decimal in [1e-3, 1e7), else d.dddE<exp>;
 * always the shortest digits that read back to the same double. */
static void java_double_str(double d, char *out, size_t size)
{
        char e[40], digits[24];
        int p, exp, nd = 0;
        size_t o = 0;
        const char *c;

        if (isnan(d)) {
                snprintf(out, size, "NaN");
                return;
        }
        if (isinf(d)) {
                snprintf(out, size, "%sInfinity", d < 0 ? "-" : "");
                return;
        }
        if (d == 0) {
                snprintf(out, size, "%s0.0", signbit(d) ? "-" : "");
                return;
        }
        for (p = 1; p < 17; p++) {
                snprintf(e, sizeof(e), "%.*e", p - 1, d);
                if (strtod(e, NULL) == d)
                        break;
        }
        snprintf(e, sizeof(e), "%.*e", p - 1, d);
        for (c = e; *c && *c != 'e'; c++)
                if (*c >= '0' && *c <= '9')
                        digits[nd++] = *c;
        digits[nd] = '\0';
        exp = atoi(c + 1);
        while (nd > 1 && digits[nd - 1] == '0')
                digits[--nd] = '\0';

        char tmp[64];
        double mag = d < 0 ? -d : d;
        if (d < 0)
                tmp[o++] = '-';
        if (mag >= 1e-3 && mag < 1e7) {
                if (exp < 0) {
                        tmp[o++] = '0';
                        tmp[o++] = '.';
                        for (int z = 0; z < -exp - 1; z++)
                                tmp[o++] = '0';
                        for (int k = 0; k < nd; k++)
                                tmp[o++] = digits[k];
                } else {
                        for (int k = 0; k <= exp; k++)
                                tmp[o++] = k < nd ? digits[k] : '0';
                        tmp[o++] = '.';
                        if (nd > exp + 1)
                                for (int k = exp + 1; k < nd; k++)
                                        tmp[o++] = digits[k];
                        else
                                tmp[o++] = '0';
                }
                tmp[o] = '\0';
        } else {
                tmp[o++] = digits[0];
                tmp[o++] = '.';
                if (nd > 1)
                        for (int k = 1; k < nd; k++)
                                tmp[o++] = digits[k];
                else
                        tmp[o++] = '0';
                snprintf(tmp + o, sizeof(tmp) - o, "E%d", exp);
        }
        snprintf(out, size, "%s", tmp);
}

/* A bound prints as an integer when it is one ("at least 1", not "1.0"). */
static void bound_str(double b, char *out, size_t size)
{
        if (b > -9e15 && b < 9e15 && b == (double)(long long)b)
                snprintf(out, size, "%lld", (long long)b);
        else
                java_double_str(b, out, size);
}

static int invalid(char *errstr, size_t errstr_size, const char *name,
                   const char *value, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

static int invalid(char *errstr, size_t errstr_size, const char *name,
                   const char *value, const char *fmt, ...)
{
        char why[MSG_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "Invalid value %s for configuration %s: %s", value,
                         name, why);
}

static bool is_numeric(sl_cfg_type_t t)
{
        return t == SL_CFG_INT || t == SL_CFG_SHORT || t == SL_CFG_LONG ||
               t == SL_CFG_DOUBLE;
}

/* Parse per type; for numbers also give the value as Java would print the
 * parsed object, since range messages show that and not the input. */
static int check_type(const sl_config_def_t *def, const char *value,
                      double *num, char *numstr, size_t numstr_size,
                      char *errstr, size_t errstr_size)
{
        const char *b;
        size_t n;
        int64_t l;

        trim(value, &b, &n);
        switch (def->type) {
        case SL_CFG_BOOLEAN:
                if ((n == 4 && !strncasecmp(b, "true", 4)) ||
                    (n == 5 && !strncasecmp(b, "false", 5)))
                        return 0;
                return invalid(errstr, errstr_size, def->name, value,
                               "Expected value to be either true or false");
        case SL_CFG_INT:
        case SL_CFG_SHORT:
        case SL_CFG_LONG:
                if (!parse_long(b, n, &l) ||
                    (def->type == SL_CFG_INT &&
                     (l < INT32_MIN || l > INT32_MAX)) ||
                    (def->type == SL_CFG_SHORT &&
                     (l < INT16_MIN || l > INT16_MAX)))
                        return invalid(errstr, errstr_size, def->name, value,
                                       "Not a number of type %s",
                                       sl_cfg_type_name(def->type));
                *num = (double)l;
                snprintf(numstr, numstr_size, "%" PRId64, l);
                return 0;
        case SL_CFG_DOUBLE:
                if (!parse_double(b, n, num))
                        return invalid(errstr, errstr_size, def->name, value,
                                       "Not a number of type DOUBLE");
                java_double_str(*num, numstr, numstr_size);
                return 0;
        case SL_CFG_CLASS:
                /* no class loading here; only an empty name is surely bad */
                if (n == 0)
                        return invalid(errstr, errstr_size, def->name, value,
                                       "Class %s could not be found.", value);
                return 0;
        default:
                return 0;
        }
}

static int check_valid_values(const sl_config_def_t *def, const char *value,
                              char *errstr, size_t errstr_size)
{
        const char *const *vv;
        char list[MSG_MAX];
        size_t o = 0;

        for (vv = def->valid_values; *vv; vv++)
                if (!strcasecmp(*vv, value))
                        return 0;
        list[0] = '\0';
        for (vv = def->valid_values; *vv && o < sizeof(list); vv++)
                o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
                                      vv == def->valid_values ? "" : ", ",
                                      *vv);
        return invalid(errstr, errstr_size, def->name, value,
                       "String must be one of: %s", list);
}

static int check_value(const sl_config_def_t *def, const char *value,
                       char *errstr, size_t errstr_size)
{
        char numstr[64], bound[64], why[MSG_MAX];
        double num = 0;
        int r;

        if ((r = check_type(def, value, &num, numstr, sizeof(numstr), errstr,
                            errstr_size)) < 0)
                return r;

        if (is_numeric(def->type) && (def->flags & SL_CFG_MIN) &&
            num < def->min) {
                bound_str(def->min, bound, sizeof(bound));
                return invalid(errstr, errstr_size, def->name, numstr,
                               "Value must be at least %s", bound);
        }
        if (is_numeric(def->type) && (def->flags & SL_CFG_MAX) &&
            num > def->max) {
                bound_str(def->max, bound, sizeof(bound));
                return invalid(errstr, errstr_size, def->name, numstr,
                               "Value must be no more than %s", bound);
        }

        if (def->type == SL_CFG_LIST) {
                char **items = NULL;
                int n = sl_config_list(value, &items);

                if (n < 0)
                        return sl_seterr(errstr, errstr_size, n,
                                         "out of memory");
                r = 0;
                /* an empty list is written as "" in Kafka's messages */
                if (n == 0 && (def->flags & SL_CFG_NONEMPTY))
                        r = invalid(errstr, errstr_size, def->name, value,
                                    "String must be non-empty");
                for (int i = 0; r == 0 && def->valid_values && i < n; i++)
                        r = check_valid_values(def, items[i], errstr,
                                               errstr_size);
                sl_config_list_free(items, n);
                if (r < 0)
                        return r;
        } else {
                if ((def->flags & SL_CFG_NONEMPTY) && !*value)
                        return invalid(errstr, errstr_size, def->name, value,
                                       "String must be non-empty");
                if (def->valid_values &&
                    (r = check_valid_values(def, value, errstr,
                                            errstr_size)) < 0)
                        return r;
        }

        if (def->validator) {
                why[0] = '\0';
                if (def->validator(def->name, value, why, sizeof(why)) < 0)
                        return invalid(errstr, errstr_size, def->name, value,
                                       "%s", why);
        }
        return 0;
}

/* Kafka prints a Password as "[hidden]" in "Invalid value ..." too; a
 * validator's reason may quote it as well. */
static void hide_password(const char *value, char *errstr, size_t errstr_size)
{
        size_t vl = strlen(value), o = 0;
        char out[MSG_MAX + 256];
        const char *p, *at;

        if (!errstr || vl == 0)
                return;
        for (p = errstr; (at = strstr(p, value)) && o < sizeof(out); p = at + vl)
                o += (size_t)snprintf(out + o, sizeof(out) - o, "%.*s[hidden]",
                                      (int)(at - p), p);
        if (p == errstr)
                return;
        if (o < sizeof(out))
                snprintf(out + o, sizeof(out) - o, "%s", p);
        snprintf(errstr, errstr_size, "%s", out);
}

int sl_configdef_check(const sl_config_def_t *def, const char *value,
                       char *errstr, size_t errstr_size)
{
        int r;

        if (!value) {
                if (def->flags & SL_CFG_REQUIRED)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Missing required configuration "
                                         "\"%s\" which has no default value.",
                                         def->name);
                value = def->default_value;
                if (!value)
                        return 0;
        }
        r = check_value(def, value, errstr, errstr_size);
        if (r < 0 && def->type == SL_CFG_PASSWORD)
                hide_password(value, errstr, errstr_size);
        return r;
}

void sl_configdef_validate(const sl_configdef_set_t *s,
                           const sl_strmap_t *config, sl_config_errors_t *errs)
{
        const sl_config_def_t *def;
        char msg[MSG_MAX + 256];

        FOR_EACH_DEF(s, def)
        {
                const char *v =
                        config ? sl_strmap_get(config, def->name) : NULL;
                if (sl_configdef_check(def, v, msg, sizeof(msg)) < 0)
                        sl_config_error_add(errs, def->name, "%s", msg);
        }
}

sl_strmap_t *sl_configdef_apply_defaults(const sl_configdef_set_t *s,
                                         const sl_strmap_t *config)
{
        const sl_config_def_t *def;
        sl_strmap_t *m = config ? sl_strmap_dup(config) : sl_strmap_new();

        if (!m)
                return NULL;
        FOR_EACH_DEF(s, def)
        {
                if ((def->flags & SL_CFG_REQUIRED) || !def->default_value ||
                    sl_strmap_has(m, def->name))
                        continue;
                if (sl_strmap_set(m, def->name, def->default_value) < 0) {
                        sl_strmap_destroy(m);
                        return NULL;
                }
        }
        return m;
}

/* --------------------------------------------------------------- JSON */

static sl_json_t *str_or_null(const char *s)
{
        return s ? sl_json_string(s) : sl_json_null();
}

/* Set key on obj; a NULL v (failed allocation) fails the whole build. */
static int put(sl_json_t *obj, const char *key, sl_json_t *v)
{
        if (!v)
                return SL_ERR_NOMEM;
        return sl_json_object_set(obj, key, v);
}

static const char *importance_name(sl_cfg_importance_t i)
{
        switch (i) {
        case SL_CFG_HIGH:
                return "HIGH";
        case SL_CFG_MEDIUM:
                return "MEDIUM";
        default:
                return "LOW";
        }
}

static const char *width_name(sl_cfg_width_t w)
{
        switch (w) {
        case SL_CFG_WIDTH_SHORT:
                return "SHORT";
        case SL_CFG_WIDTH_MEDIUM:
                return "MEDIUM";
        case SL_CFG_WIDTH_LONG:
                return "LONG";
        default:
                return "NONE";
        }
}

sl_json_t *sl_configdef_key_info(const sl_config_def_t *def)
{
        sl_json_t *o = sl_json_object();
        bool required = (def->flags & SL_CFG_REQUIRED) != 0;
        const char *dflt = required ? NULL : def->default_value;

        /* Kafka renders a password default through Password.toString() */
        if (dflt && def->type == SL_CFG_PASSWORD)
                dflt = "[hidden]";
        if (!o || put(o, "name", sl_json_string(def->name)) ||
            put(o, "type", sl_json_string(sl_cfg_type_name(def->type))) ||
            put(o, "required", sl_json_bool(required)) ||
            put(o, "default_value", str_or_null(dflt)) ||
            put(o, "importance",
                sl_json_string(importance_name(def->importance))) ||
            put(o, "documentation", str_or_null(def->documentation)) ||
            put(o, "group", str_or_null(def->group)) ||
            put(o, "width", sl_json_string(width_name(def->width))) ||
            put(o, "display_name",
                sl_json_string(def->display_name ? def->display_name
                                                 : def->name)) ||
            put(o, "dependents", sl_json_array()) ||
            put(o, "order", sl_json_int(def->order))) {
                sl_json_free(o);
                return NULL;
        }
        return o;
}

static sl_json_t *errors_array(const sl_config_errors_t *errs, const char *key)
{
        sl_json_t *a = sl_json_array();
        size_t n = sl_config_errors_key_count(errs, key);

        for (size_t i = 0; a && i < n; i++) {
                sl_json_t *m =
                        sl_json_string(sl_config_errors_key_at(errs, key, i));
                if (!m || sl_json_array_append(a, m) < 0) {
                        sl_json_free(a);
                        return NULL;
                }
        }
        return a;
}

static sl_json_t *recommended(const sl_config_def_t *def)
{
        sl_json_t *a = sl_json_array();

        for (const char *const *vv = def ? def->valid_values : NULL;
             a && vv && *vv; vv++) {
                sl_json_t *v = sl_json_string(*vv);
                if (!v || sl_json_array_append(a, v) < 0) {
                        sl_json_free(a);
                        return NULL;
                }
        }
        return a;
}

/* {"definition":..., "value":{...}} for one key; def NULL for a key that
 * only has errors. */
static sl_json_t *config_info(const sl_config_def_t *def, const char *name,
                              const sl_strmap_t *config,
                              const sl_config_errors_t *errs)
{
        sl_json_t *ci = sl_json_object(), *val = sl_json_object();
        const char *v = config ? sl_strmap_get(config, name) : NULL;

        if (!v && def && !(def->flags & SL_CFG_REQUIRED))
                v = def->default_value;
        if (v && def && def->type == SL_CFG_PASSWORD)
                v = "[hidden]";
        if (!ci || !val || put(val, "name", sl_json_string(name)) ||
            put(val, "value", str_or_null(v)) ||
            put(val, "recommended_values", recommended(def)) ||
            put(val, "errors", errors_array(errs, name)) ||
            put(val, "visible", sl_json_bool(true))) {
                sl_json_free(ci);
                sl_json_free(val);
                return NULL;
        }
        if (put(ci, "definition",
                def ? sl_configdef_key_info(def) : sl_json_null()) ||
            put(ci, "value", val)) {
                sl_json_free(ci);
                return NULL;
        }
        return ci;
}

static bool json_array_has_str(const sl_json_t *a, const char *s)
{
        for (size_t i = 0; i < a->u.arr.len; i++)
                if (!strcmp(a->u.arr.items[i]->u.str.ptr, s))
                        return true;
        return false;
}

sl_json_t *sl_configdef_config_infos(const sl_configdef_set_t *s,
                                     const char *connector_class,
                                     const sl_strmap_t *config,
                                     const sl_config_errors_t *errs)
{
        sl_json_t *o = sl_json_object(), *groups = sl_json_array(),
                  *configs = sl_json_array();
        const sl_config_def_t *def;
        int r = (o && groups && configs) ? 0 : SL_ERR_NOMEM;

        FOR_EACH_DEF(s, def)
        {
                if (r)
                        break;
                if (def->group && !json_array_has_str(groups, def->group)) {
                        sl_json_t *g = sl_json_string(def->group);
                        r = g ? sl_json_array_append(groups, g) : SL_ERR_NOMEM;
                }
                if (r == 0) {
                        sl_json_t *ci = config_info(def, def->name, config,
                                                    errs);
                        r = ci ? sl_json_array_append(configs, ci)
                               : SL_ERR_NOMEM;
                }
        }
        for (size_t i = 0; r == 0 && i < sl_config_errors_nkeys(errs); i++) {
                const char *key = sl_config_errors_key(errs, i);
                sl_json_t *ci;

                if (sl_configdef_find(s, key))
                        continue;
                ci = config_info(NULL, key, config, errs);
                r = ci ? sl_json_array_append(configs, ci) : SL_ERR_NOMEM;
        }
        if (r == 0 &&
            (put(o, "name", str_or_null(connector_class)) ||
             put(o, "error_count",
                 sl_json_int((int64_t)sl_config_errors_count(errs))))) {
                r = SL_ERR_NOMEM;
        }
        if (r == 0) {
                r = put(o, "groups", groups);
                groups = NULL;
        }
        if (r == 0) {
                r = put(o, "configs", configs);
                configs = NULL;
        }
        if (r) {
                sl_json_free(o);
                sl_json_free(groups);
                sl_json_free(configs);
                return NULL;
        }
        return o;
}
