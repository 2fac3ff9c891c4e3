/* Typed readers over a validated config, for connectors and the worker. */
#include "sluice/plugin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
               c == '\v';
}

/* [*bp, *bp + return) is s without surrounding whitespace. */
static size_t trimmed(const char *s, size_t n, const char **bp)
{
        while (n > 0 && is_space(*s)) {
                s++;
                n--;
        }
        while (n > 0 && is_space(s[n - 1]))
                n--;
        *bp = s;
        return n;
}

/* strtoll/strtod need a terminated copy of the trimmed text; false when
 * that is empty or does not fit in buf. */
static bool trimmed_copy(const char *v, char *buf, size_t size)
{
        const char *b;
        size_t n = trimmed(v, strlen(v), &b);

        if (n == 0 || n >= size)
                return false;
        memcpy(buf, b, n);
        buf[n] = '\0';
        return true;
}

const char *sl_config_str(const sl_strmap_t *cfg, const char *key)
{
        return cfg ? sl_strmap_get(cfg, key) : NULL;
}

int64_t sl_config_long(const sl_strmap_t *cfg, const char *key, int64_t def)
{
        const char *v = sl_config_str(cfg, key);
        char buf[32], *end;
        long long l;

        if (!v || !trimmed_copy(v, buf, sizeof(buf)))
                return def;
        errno = 0;
        l = strtoll(buf, &end, 10);
        if (errno || *end)
                return def;
        return (int64_t)l;
}

bool sl_config_bool(const sl_strmap_t *cfg, const char *key, bool def)
{
        const char *v = sl_config_str(cfg, key), *b;
        size_t n;

        if (!v)
                return def;
        n = trimmed(v, strlen(v), &b);
        if (n == 4 && !strncasecmp(b, "true", 4))
                return true;
        if (n == 5 && !strncasecmp(b, "false", 5))
                return false;
        return def;
}

double sl_config_double(const sl_strmap_t *cfg, const char *key, double def)
{
        const char *v = sl_config_str(cfg, key);
        char buf[128], *end;
        double d;

        if (!v || !trimmed_copy(v, buf, sizeof(buf)))
                return def;
        errno = 0;
        d = strtod(buf, &end);
        if (*end || errno == ERANGE)
                return def;
        return d;
}

int sl_config_list(const char *value, char ***itemsp)
{
        char **items = NULL;
        int n = 0, cap = 0;
        const char *s = value;

        *itemsp = NULL;
        while (s && *s) {
                const char *start = s, *b;
                size_t len;

                while (*s && *s != ',')
                        s++;
                len = trimmed(start, (size_t)(s - start), &b);
                if (*s == ',')
                        s++;
                if (len == 0)
                        continue;
                if (n == cap) {
                        int ncap = cap ? cap * 2 : 4;
                        char **v = realloc(items, (size_t)ncap * sizeof(*v));
                        if (!v)
                                goto nomem;
                        items = v;
                        cap = ncap;
                }
                if (!(items[n] = strndup(b, len)))
                        goto nomem;
                n++;
        }
        *itemsp = items;
        return n;
nomem:
        sl_config_list_free(items, n);
        return SL_ERR_NOMEM;
}

void sl_config_list_free(char **items, int n)
{
        for (int i = 0; items && i < n; i++)
                free(items[i]);
        free(items);
}

int sl_task_configs_copy(const sl_strmap_t *config, int max_tasks, sl_strmap_t **task_configs,
                         char *errstr, size_t errstr_size)
{
        for (int i = 0; i < max_tasks; i++)
                if (sl_strmap_merge(task_configs[i], config) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        return max_tasks < 0 ? 0 : max_tasks;
}
