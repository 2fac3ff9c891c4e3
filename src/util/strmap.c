/* Insertion-ordered string -> string map. Configs hold tens of entries,
 * so a flat array with linear lookup is simpler and fast enough. */
#include "sluice/common.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct sl_strmap {
        char **keys;
        char **vals;
        size_t len, cap;
};

sl_strmap_t *sl_strmap_new(void)
{
        return calloc(1, sizeof(sl_strmap_t));
}

void sl_strmap_clear(sl_strmap_t *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->len; i++) {
                free(m->keys[i]);
                free(m->vals[i]);
        }
        m->len = 0;
}

void sl_strmap_destroy(sl_strmap_t *m)
{
        if (!m)
                return;
        sl_strmap_clear(m);
        free(m->keys);
        free(m->vals);
        free(m);
}

static ssize_t find(const sl_strmap_t *m, const char *key)
{
        if (!m || !key)
                return -1;
        for (size_t i = 0; i < m->len; i++)
                if (strcmp(m->keys[i], key) == 0)
                        return (ssize_t)i;
        return -1;
}

static char *copy(const char *s, size_t n)
{
        char *p = malloc(n + 1);
        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

static int grow(sl_strmap_t *m)
{
        if (m->len < m->cap)
                return 0;
        size_t cap = m->cap ? m->cap * 2 : 8;
        char **k = realloc(m->keys, cap * sizeof(*k));
        if (!k)
                return SL_ERR_NOMEM;
        m->keys = k;
        char **v = realloc(m->vals, cap * sizeof(*v));
        if (!v)
                return SL_ERR_NOMEM;
        m->vals = v;
        m->cap = cap;
        return 0;
}

int sl_strmap_setn(sl_strmap_t *m, const char *key, const char *value,
                   size_t value_len)
{
        if (!m || !key || (!value && value_len))
                return SL_ERR_INVALID;
        char *v = copy(value ? value : "", value_len);
        if (!v)
                return SL_ERR_NOMEM;
        ssize_t i = find(m, key);
        if (i >= 0) {
                free(m->vals[i]);
                m->vals[i] = v;
                return 0;
        }
        char *k = copy(key, strlen(key));
        if (!k || grow(m)) {
                free(k);
                free(v);
                return SL_ERR_NOMEM;
        }
        m->keys[m->len] = k;
        m->vals[m->len] = v;
        m->len++;
        return 0;
}

int sl_strmap_set(sl_strmap_t *m, const char *key, const char *value)
{
        if (!value)
                return SL_ERR_INVALID;
        return sl_strmap_setn(m, key, value, strlen(value));
}

const char *sl_strmap_get(const sl_strmap_t *m, const char *key)
{
        ssize_t i = find(m, key);
        return i >= 0 ? m->vals[i] : NULL;
}

bool sl_strmap_has(const sl_strmap_t *m, const char *key)
{
        return find(m, key) >= 0;
}

int sl_strmap_del(sl_strmap_t *m, const char *key)
{
        ssize_t i = find(m, key);
        if (i < 0)
                return SL_ERR_NOT_FOUND;
        free(m->keys[i]);
        free(m->vals[i]);
        size_t tail = m->len - (size_t)i - 1;
        memmove(&m->keys[i], &m->keys[i + 1], tail * sizeof(char *));
        memmove(&m->vals[i], &m->vals[i + 1], tail * sizeof(char *));
        m->len--;
        return 0;
}

size_t sl_strmap_count(const sl_strmap_t *m)
{
        return m ? m->len : 0;
}

const char *sl_strmap_key_at(const sl_strmap_t *m, size_t i)
{
        return m && i < m->len ? m->keys[i] : NULL;
}

const char *sl_strmap_value_at(const sl_strmap_t *m, size_t i)
{
        return m && i < m->len ? m->vals[i] : NULL;
}

int sl_strmap_merge(sl_strmap_t *dst, const sl_strmap_t *src)
{
        if (!dst)
                return SL_ERR_INVALID;
        for (size_t i = 0; i < sl_strmap_count(src); i++) {
                int r = sl_strmap_set(dst, src->keys[i], src->vals[i]);
                if (r)
                        return r;
        }
        return 0;
}

sl_strmap_t *sl_strmap_dup(const sl_strmap_t *m)
{
        return sl_strmap_with_prefix(m, "");
}

sl_strmap_t *sl_strmap_with_prefix(const sl_strmap_t *m, const char *prefix)
{
        sl_strmap_t *out = sl_strmap_new();
        if (!out || !m)
                return out;
        size_t plen = strlen(prefix);
        for (size_t i = 0; i < m->len; i++) {
                if (strncmp(m->keys[i], prefix, plen) != 0)
                        continue;
                if (sl_strmap_set(out, m->keys[i] + plen, m->vals[i])) {
                        sl_strmap_destroy(out);
                        return NULL;
                }
        }
        return out;
}

/* Keys are unique, so equal counts plus a one-way match means set equality. */
bool sl_strmap_equal(const sl_strmap_t *a, const sl_strmap_t *b)
{
        if (sl_strmap_count(a) != sl_strmap_count(b))
                return false;
        for (size_t i = 0; i < sl_strmap_count(a); i++) {
                const char *v = sl_strmap_get(b, a->keys[i]);
                if (!v || strcmp(v, a->vals[i]) != 0)
                        return false;
        }
        return true;
}
