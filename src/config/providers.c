/* Config providers: ${provider:[path:]key} placeholders resolved the way
 * Kafka's ConfigTransformer does, with the env and file providers built in. */
#include "config/props.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { PROV_ENV, PROV_FILE } prov_kind_t;

typedef struct prov {
        char *name;
        prov_kind_t kind;
} prov_t;

struct sl_providers {
        prov_t *v;
        size_t n;
};

/* One match of \$\{([^}]*?):(([^}]*?):)?([^}]*?)\} */
typedef struct placeholder {
        size_t start, end; /* [start, end) of the whole "${...}" */
        const char *prov;
        size_t prov_len;
        const char *path; /* NULL when the placeholder has no path */
        size_t path_len;
        const char *key;
        size_t key_len;
} placeholder_t;

/* Find the next placeholder in s at or after from. The lazy groups stop at
 * the first and second ':' before the first '}', so the key keeps any
 * further colons; a "${" without a ':' before its '}' is no match and the
 * search goes on at the next character, as Matcher.find() does. */
static bool next_placeholder(const char *s, size_t len, size_t from,
                             placeholder_t *ph)
{
        for (size_t i = from; i + 1 < len; i++) {
                size_t close, c1, c2;

                if (s[i] != '$' || s[i + 1] != '{')
                        continue;
                for (close = i + 2; close < len && s[close] != '}'; close++)
                        ;
                if (close >= len)
                        return false; /* no '}' anywhere further on */
                for (c1 = i + 2; c1 < close && s[c1] != ':'; c1++)
                        ;
                if (c1 >= close)
                        continue;
                for (c2 = c1 + 1; c2 < close && s[c2] != ':'; c2++)
                        ;
                ph->start = i;
                ph->end = close + 1;
                ph->prov = s + i + 2;
                ph->prov_len = c1 - (i + 2);
                if (c2 < close) {
                        ph->path = s + c1 + 1;
                        ph->path_len = c2 - (c1 + 1);
                        ph->key = s + c2 + 1;
                        ph->key_len = close - (c2 + 1);
                } else {
                        ph->path = NULL;
                        ph->path_len = 0;
                        ph->key = s + c1 + 1;
                        ph->key_len = close - (c1 + 1);
                }
                return true;
        }
        return false;
}

bool sl_providers_has_placeholder(const char *value)
{
        placeholder_t ph;
        return value && next_placeholder(value, strlen(value), 0, &ph);
}

static int kind_of_class(const char *cls, prov_kind_t *kind)
{
        static const struct {
                const char *cls;
                prov_kind_t kind;
        } classes[] = {
                {"org.apache.kafka.common.config.provider.FileConfigProvider",
                 PROV_FILE},
                {"FileConfigProvider", PROV_FILE},
                {"file", PROV_FILE},
                {"org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                 PROV_ENV},
                {"EnvVarConfigProvider", PROV_ENV},
                {"env", PROV_ENV},
        };
        for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
                if (!strcmp(cls, classes[i].cls)) {
                        *kind = classes[i].kind;
                        return 0;
                }
        }
        return SL_ERR_CONFIG;
}

static int add_provider(sl_providers_t *p, const char *name, size_t len,
                        prov_kind_t kind)
{
        prov_t *v = realloc(p->v, (p->n + 1) * sizeof(*v));
        if (!v)
                return SL_ERR_NOMEM;
        p->v = v;
        if (!(v[p->n].name = strndup(name, len)))
                return SL_ERR_NOMEM;
        v[p->n].kind = kind;
        p->n++;
        return 0;
}

static const prov_t *find_provider(const sl_providers_t *p, const char *name,
                                   size_t len)
{
        /* a name listed twice: the later class wins, as in a Java map */
        for (size_t i = p ? p->n : 0; i-- > 0;) {
                if (strlen(p->v[i].name) == len &&
                    !memcmp(p->v[i].name, name, len))
                        return &p->v[i];
        }
        return NULL;
}

static int parse_config_providers(sl_providers_t *p, const char *list,
                                  const sl_strmap_t *wc, char *errstr,
                                  size_t errstr_size)
{
        const char *s = list;

        while (*s) {
                const char *b, *e;
                char key[512];
                const char *cls;
                prov_kind_t kind;
                int r;

                while (*s == ' ' || *s == '\t')
                        s++;
                b = s;
                while (*s && *s != ',')
                        s++;
                e = s;
                if (*s == ',')
                        s++;
                while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
                        e--;
                if (e == b)
                        continue;
                snprintf(key, sizeof(key), "config.providers.%.*s.class",
                         (int)(e - b), b);
                cls = sl_strmap_get(wc, key);
                if (!cls) /* Kafka skips a listed name without a class */
                        continue;
                if (kind_of_class(cls, &kind) < 0)
                        return sl_seterr(
                                errstr, errstr_size, SL_ERR_CONFIG,
                                "Invalid value %s for configuration %s: "
                                "unsupported config provider class (use "
                                "FileConfigProvider or EnvVarConfigProvider)",
                                cls, key);
                if ((r = add_provider(p, b, (size_t)(e - b), kind)) < 0)
                        return sl_seterr(errstr, errstr_size, r,
                                         "out of memory");
        }
        return 0;
}

sl_providers_t *sl_providers_new(const sl_strmap_t *worker_config,
                                 char *errstr, size_t errstr_size)
{
        sl_providers_t *p = calloc(1, sizeof(*p));
        const char *list =
                worker_config ? sl_strmap_get(worker_config, "config.providers")
                              : NULL;
        int r;

        if (!p) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        if (list) {
                r = parse_config_providers(p, list, worker_config, errstr,
                                           errstr_size);
        } else {
                r = add_provider(p, "env", 3, PROV_ENV);
                if (r == 0)
                        r = add_provider(p, "file", 4, PROV_FILE);
                if (r < 0)
                        sl_seterr(errstr, errstr_size, r, "out of memory");
        }
        if (r < 0) {
                sl_providers_destroy(p);
                return NULL;
        }
        return p;
}

void sl_providers_destroy(sl_providers_t *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n; i++)
                free(p->v[i].name);
        free(p->v);
        free(p);
}

/* Files read during one resolve call, so a file named by several
 * placeholders is read once and gives one consistent view. */
typedef struct file_cache {
        char **paths;
        sl_strmap_t **maps;
        size_t n;
} file_cache_t;

static void file_cache_free(file_cache_t *fc)
{
        for (size_t i = 0; i < fc->n; i++) {
                free(fc->paths[i]);
                sl_strmap_destroy(fc->maps[i]);
        }
        free(fc->paths);
        free(fc->maps);
}

static int file_cache_get(file_cache_t *fc, const char *pname,
                          const char *path, const char *key,
                          const sl_strmap_t **mp,
                          char *errstr, size_t errstr_size)
{
        char msg[512];
        char **paths;
        sl_strmap_t **maps, *m;
        int r;

        for (size_t i = 0; i < fc->n; i++) {
                if (!strcmp(fc->paths[i], path)) {
                        *mp = fc->maps[i];
                        return 0;
                }
        }
        if (!(m = sl_strmap_new()))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        if ((r = sl_props_load(path, m, msg, sizeof(msg))) < 0) {
                sl_strmap_destroy(m);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Config provider %s: cannot read key "
                                 "\"%s\" from file %s",
                                 pname, key, msg);
        }
        paths = realloc(fc->paths, (fc->n + 1) * sizeof(*paths));
        if (paths)
                fc->paths = paths;
        maps = paths ? realloc(fc->maps, (fc->n + 1) * sizeof(*maps)) : NULL;
        if (maps)
                fc->maps = maps;
        if (!paths || !maps || !(fc->paths[fc->n] = strdup(path))) {
                sl_strmap_destroy(m);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        }
        fc->maps[fc->n++] = m;
        *mp = m;
        return 0;
}

/* The replacement text for one placeholder of an enabled provider. */
static int lookup(const prov_t *pv, const placeholder_t *ph, file_cache_t *fc,
                  const char **outp, char *errstr, size_t errstr_size)
{
        char *key = strndup(ph->key, ph->key_len);
        char *path = ph->path ? strndup(ph->path, ph->path_len) : NULL;
        const sl_strmap_t *m = NULL;
        int r = 0;

        if (!key || (ph->path && !path)) {
                r = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                              "out of memory");
        } else if (pv->kind == PROV_ENV) {
                if (path && *path)
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Config provider %s: path is not "
                                      "supported, invalid value '%s'",
                                      pv->name, path);
                else if (!(*outp = getenv(key)))
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Config provider %s: environment "
                                      "variable \"%s\" is not set",
                                      pv->name, key);
        } else if (!path || !*path) {
                r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                              "Config provider %s: no file path given for "
                              "key \"%s\" (use ${%s:/path/file.properties:%s})",
                              pv->name, key, pv->name, key);
        } else if ((r = file_cache_get(fc, pv->name, path, key, &m, errstr,
                                       errstr_size)) == 0) {
                if (!(*outp = sl_strmap_get(m, key)))
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Config provider %s: key \"%s\" not "
                                      "found in file \"%s\"",
                                      pv->name, key, path);
        }
        free(key);
        free(path);
        return r;
}

static int resolve_value(const sl_providers_t *p, const char *v,
                         file_cache_t *fc, sl_buf_t *out, char *errstr,
                         size_t errstr_size)
{
        size_t len = strlen(v), pos = 0, done = 0;
        placeholder_t ph;
        int r;

        sl_buf_reset(out);
        while (next_placeholder(v, len, pos, &ph)) {
                const prov_t *pv = find_provider(p, ph.prov, ph.prov_len);
                const char *rep = NULL;

                pos = ph.end;
                if (!pv) /* not enabled: left as written */
                        continue;
                if ((r = lookup(pv, &ph, fc, &rep, errstr, errstr_size)) < 0)
                        return r;
                if (sl_buf_append(out, v + done, ph.start - done) < 0 ||
                    sl_buf_puts(out, rep) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "out of memory");
                done = ph.end;
        }
        if (sl_buf_append(out, v + done, len - done) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        return 0;
}

int sl_providers_resolve(const sl_providers_t *p, const sl_strmap_t *in,
                         sl_strmap_t *out, char *errstr, size_t errstr_size)
{
        file_cache_t fc = {NULL, NULL, 0};
        sl_buf_t b = SL_BUF_INIT;
        size_t n = sl_strmap_count(in);
        int r = 0;

        for (size_t i = 0; i < n && r == 0; i++) {
                const char *k = sl_strmap_key_at(in, i);
                const char *v = sl_strmap_value_at(in, i);

                r = resolve_value(p, v ? v : "", &fc, &b, errstr, errstr_size);
                if (r == 0 && (r = sl_strmap_setn(out, k, b.data ? b.data : "",
                                                  b.len)) < 0)
                        sl_seterr(errstr, errstr_size, r, "out of memory");
        }
        sl_buf_free(&b);
        file_cache_free(&fc);
        return r;
}
