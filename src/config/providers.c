/* Config providers: ${provider:[path:]key} placeholders resolved the way
 * Kafka's ConfigTransformer does, with the env, file and directory
 * providers built in and restricted like Kafka's (allowed.paths, KIP-993;
 * allowlist.pattern, KIP-887). Every substituted value is registered for
 * masking (util/redact.h), so it never shows in logs or error messages. */
#include "config/props.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/path.h"
#include "util/redact.h"

/* A directory provider's file is a secret, not a data set. */
#define DIR_FILE_MAX ((size_t)1 << 20)

typedef enum { PROV_ENV, PROV_FILE, PROV_DIR } prov_kind_t;

typedef struct prov {
        char *name;
        prov_kind_t kind;
        sl_allowed_paths_t *allowed; /* file, dir: NULL = every path */
        bool has_allowlist;          /* env: allowlist.pattern given */
        regex_t allowlist;
        char *allowlist_text;
} prov_t;

/* Java's Pattern.matches() through the transform module's translation when
 * it is linked in (always in sluice); a unit test of the config module
 * alone gets POSIX extended syntax, which common patterns share. */
int sl_java_regex_compile(regex_t *re, const char *pattern, char *errstr,
                          size_t errstr_size) __attribute__((weak));

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
                {"org.apache.kafka.common.config.provider."
                 "DirectoryConfigProvider",
                 PROV_DIR},
                {"DirectoryConfigProvider", PROV_DIR},
                {"dir", PROV_DIR},
        };
        for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
                if (!strcmp(cls, classes[i].cls)) {
                        *kind = classes[i].kind;
                        return 0;
                }
        }
        return SL_ERR_CONFIG;
}

static int compile_allowlist(prov_t *pv, const char *pattern, const char *key,
                             char *errstr, size_t errstr_size)
{
        char msg[256] = "";
        char *anchored = NULL;
        int rc;

        if (sl_java_regex_compile) {
                rc = sl_java_regex_compile(&pv->allowlist, pattern, msg,
                                           sizeof(msg));
        } else {
                rc = asprintf(&anchored, "^(%s)$", pattern) < 0
                             ? SL_ERR_NOMEM
                             : regcomp(&pv->allowlist, anchored,
                                       REG_EXTENDED | REG_NOSUB);
                if (rc > 0)
                        regerror(rc, &pv->allowlist, msg, sizeof(msg));
                free(anchored);
        }
        if (rc != 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration %s: %s",
                                 pattern, key, msg);
        pv->has_allowlist = true;
        if (!(pv->allowlist_text = strdup(pattern)))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        return 0;
}

/* The provider's own settings, config.providers.<name>.param.<param>. */
static int configure(prov_t *pv, const sl_strmap_t *wc, char *errstr,
                     size_t errstr_size)
{
        char key[600];
        const char *v;

        if (pv->kind == PROV_ENV) {
                snprintf(key, sizeof(key),
                         "config.providers.%s.param.allowlist.pattern",
                         pv->name);
                v = wc ? sl_strmap_get(wc, key) : NULL;
                return v ? compile_allowlist(pv, v, key, errstr, errstr_size)
                         : 0;
        }
        snprintf(key, sizeof(key), "config.providers.%s.param.allowed.paths",
                 pv->name);
        v = wc ? sl_strmap_get(wc, key) : NULL;
        return sl_allowed_paths_new(v, key, &pv->allowed, errstr,
                                    errstr_size);
}

static void prov_clear(prov_t *pv)
{
        free(pv->name);
        sl_allowed_paths_destroy(pv->allowed);
        if (pv->has_allowlist)
                regfree(&pv->allowlist);
        free(pv->allowlist_text);
}

static int add_provider(sl_providers_t *p, const char *name, size_t len,
                        prov_kind_t kind, const sl_strmap_t *wc, char *errstr,
                        size_t errstr_size)
{
        prov_t *v = realloc(p->v, (p->n + 1) * sizeof(*v));
        if (!v)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        p->v = v;
        memset(&v[p->n], 0, sizeof(v[p->n]));
        v[p->n].kind = kind;
        /* counted before configuring, so a failure frees what was set */
        if (!(v[p->n++].name = strndup(name, len)))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        return configure(&v[p->n - 1], wc, errstr, errstr_size);
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
                                "FileConfigProvider, EnvVarConfigProvider or "
                                "DirectoryConfigProvider)",
                                cls, key);
                if ((r = add_provider(p, b, (size_t)(e - b), kind, wc, errstr,
                                      errstr_size)) < 0)
                        return r;
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
                r = add_provider(p, "env", 3, PROV_ENV, worker_config, errstr,
                                 errstr_size);
                if (r == 0)
                        r = add_provider(p, "file", 4, PROV_FILE,
                                         worker_config, errstr, errstr_size);
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
                prov_clear(&p->v[i]);
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

/* Reads a whole regular file opened under the provider's allowed
 * paths into b (at most max bytes). 0, or an error with "path: reason". */
static int read_confined(const prov_t *pv, const char *path, size_t max,
                         sl_buf_t *b, char *errstr, size_t errstr_size)
{
        char msg[512], chunk[8192];
        struct stat st;
        ssize_t n;
        int fd = sl_allowed_paths_open(pv->allowed, path, O_RDONLY, 0, msg,
                                       sizeof(msg));

        if (fd < 0)
                return sl_seterr(errstr, errstr_size, fd, "%s", msg);
        if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
                close(fd);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "not a regular file");
        }
        while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 || b->len + (size_t)n > max ||
                    sl_buf_append(b, chunk, (size_t)n) < 0) {
                        int err = n < 0 ? errno : 0;
                        close(fd);
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO, "%s",
                                         err ? strerror(err)
                                             : "too large or out of memory");
                }
        }
        close(fd);
        return 0;
}

static int file_cache_get(file_cache_t *fc, const prov_t *pv,
                          const char *path, const char *key,
                          const sl_strmap_t **mp,
                          char *errstr, size_t errstr_size)
{
        const char *pname = pv->name;
        char msg[512];
        char **paths;
        sl_strmap_t **maps, *m;
        sl_buf_t text = SL_BUF_INIT;
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
        r = read_confined(pv, path, SIZE_MAX / 2, &text, msg, sizeof(msg));
        if (r == 0)
                r = sl_props_parse(text.data ? text.data : "", text.len, m,
                                   msg, sizeof(msg));
        sl_buf_free(&text);
        if (r < 0) {
                sl_strmap_destroy(m);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Config provider %s: cannot read key "
                                 "\"%s\" from file %s: %s",
                                 pname, key, path, msg);
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

/* DirectoryConfigProvider: ${dir:/path/to/dir:name} is the content of
 * the regular file name directly in that directory (Kafka reads neither
 * subdirectories nor hidden files). */
static int dir_lookup(const prov_t *pv, const char *dir, const char *key,
                      sl_buf_t *out, char *errstr, size_t errstr_size)
{
        char msg[512];
        char *path = NULL;
        int r;

        if (!*key || *key == '.' || strchr(key, '/'))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Config provider %s: invalid file name "
                                 "\"%s\" (a file directly in the "
                                 "directory, not hidden)",
                                 pv->name, key);
        if (asprintf(&path, "%s/%s", dir, key) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        sl_buf_reset(out);
        r = read_confined(pv, path, DIR_FILE_MAX, out, msg, sizeof(msg));
        if (r < 0)
                sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                          "Config provider %s: cannot read \"%s\" in "
                          "directory %s: %s",
                          pv->name, key, dir, msg);
        free(path);
        return r < 0 ? SL_ERR_CONFIG : 0;
}

/* The replacement text for one placeholder of an enabled provider; dirbuf
 * holds a directory provider's file. */
static int lookup(const prov_t *pv, const placeholder_t *ph, file_cache_t *fc,
                  sl_buf_t *dirbuf, const char **outp, char *errstr,
                  size_t errstr_size)
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
                else if (pv->has_allowlist &&
                         regexec(&pv->allowlist, key, 0, NULL, 0) != 0)
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Config provider %s: environment "
                                      "variable \"%s\" does not match "
                                      "allowlist.pattern %s",
                                      pv->name, key, pv->allowlist_text);
                else if (!(*outp = getenv(key)))
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Config provider %s: environment "
                                      "variable \"%s\" is not set",
                                      pv->name, key);
        } else if (pv->kind == PROV_DIR) {
                if (!path || !*path)
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Config provider %s: no directory given "
                                      "for \"%s\" (use ${%s:/path/dir:%s})",
                                      pv->name, key, pv->name, key);
                else if ((r = dir_lookup(pv, path, key, dirbuf, errstr,
                                         errstr_size)) == 0)
                        *outp = dirbuf->data ? dirbuf->data : "";
        } else if (!path || !*path) {
                r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                              "Config provider %s: no file path given for "
                              "key \"%s\" (use ${%s:/path/file.properties:%s})",
                              pv->name, key, pv->name, key);
        } else if ((r = file_cache_get(fc, pv, path, key, &m, errstr,
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

/* Logs and messages show the placeholder wherever its value would be. */
static void mask(const char *rep, const char *v, const placeholder_t *ph)
{
        char *shown = strndup(v + ph->start, ph->end - ph->start);
        const char *b = rep, *e = rep + strlen(rep);

        /* out of memory: masked all the same */
        sl_redact_add(rep, strlen(rep), shown ? shown : "[hidden]");
        /* a file's content usually ends with a newline that a message
         * quoting the value would not show */
        while (b < e && strchr(" \t\r\n", *b))
                b++;
        while (e > b && strchr(" \t\r\n", e[-1]))
                e--;
        if ((size_t)(e - b) != strlen(rep))
                sl_redact_add(b, (size_t)(e - b), shown ? shown : "[hidden]");
        free(shown);
}

static int resolve_value(const sl_providers_t *p, const char *v,
                         file_cache_t *fc, sl_buf_t *out, char *errstr,
                         size_t errstr_size)
{
        size_t len = strlen(v), pos = 0, done = 0;
        sl_buf_t dirbuf = SL_BUF_INIT;
        placeholder_t ph;
        int r = 0;

        sl_buf_reset(out);
        while (r == 0 && next_placeholder(v, len, pos, &ph)) {
                const prov_t *pv = find_provider(p, ph.prov, ph.prov_len);
                const char *rep = NULL;

                pos = ph.end;
                if (!pv) /* not enabled: left as written */
                        continue;
                if ((r = lookup(pv, &ph, fc, &dirbuf, &rep, errstr,
                                errstr_size)) < 0)
                        break;
                mask(rep, v, &ph);
                if (sl_buf_append(out, v + done, ph.start - done) < 0 ||
                    sl_buf_puts(out, rep) < 0)
                        r = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                      "out of memory");
                done = ph.end;
        }
        sl_buf_free(&dirbuf);
        if (r < 0)
                return r;
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
