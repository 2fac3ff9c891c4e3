/* The process-wide set of secrets masked in free text (see redact.h). */
#include "util/redact.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct secret {
        char *value;
        size_t len;
        char *shown;
} secret_t;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static secret_t *secrets; /* longest first */
static size_t nsecrets;
static atomic_size_t count;
/* bytes some secret starts with: most positions of a text are ruled out
 * with one lookup */
static uint8_t first[256 / 8];

int sl_redact_add(const char *secret, size_t len, const char *shown)
{
        secret_t *v, s;
        size_t at;

        if (!secret || len < SL_REDACT_MIN_LEN)
                return 0;
        pthread_rwlock_wrlock(&lock);
        for (size_t i = 0; i < nsecrets; i++) {
                if (secrets[i].len == len &&
                    !memcmp(secrets[i].value, secret, len)) {
                        pthread_rwlock_unlock(&lock);
                        return 0;
                }
        }
        s.value = malloc(len);
        s.len = len;
        s.shown = strdup(shown ? shown : "[hidden]");
        v = s.value && s.shown
                    ? realloc(secrets, (nsecrets + 1) * sizeof(*v))
                    : NULL;
        if (!v) {
                pthread_rwlock_unlock(&lock);
                free(s.value);
                free(s.shown);
                return SL_ERR_NOMEM;
        }
        memcpy(s.value, secret, len);
        secrets = v;
        for (at = 0; at < nsecrets && secrets[at].len >= len; at++)
                ;
        memmove(&secrets[at + 1], &secrets[at],
                (nsecrets - at) * sizeof(*secrets));
        secrets[at] = s;
        nsecrets++;
        first[(unsigned char)secret[0] / 8] |=
                (uint8_t)(1u << ((unsigned char)secret[0] % 8));
        atomic_store(&count, nsecrets);
        pthread_rwlock_unlock(&lock);
        return 0;
}

bool sl_redact_active(void)
{
        return atomic_load_explicit(&count, memory_order_relaxed) > 0;
}

/* The secret starting at s[0..left), or NULL (read lock held). */
static const secret_t *match_at(const char *s, size_t left)
{
        unsigned char c = (unsigned char)s[0];

        if (!(first[c / 8] & (1u << (c % 8))))
                return NULL;
        for (size_t i = 0; i < nsecrets; i++)
                if (secrets[i].len <= left &&
                    !memcmp(secrets[i].value, s, secrets[i].len))
                        return &secrets[i];
        return NULL;
}

int sl_redact_append(sl_buf_t *out, const char *s, size_t len)
{
        size_t i = 0, done = 0;
        int r = 0;

        if (!sl_redact_active())
                return sl_buf_append(out, s, len);
        pthread_rwlock_rdlock(&lock);
        while (i < len && r == 0) {
                const secret_t *m = match_at(s + i, len - i);
                if (!m) {
                        i++;
                        continue;
                }
                r = sl_buf_append(out, s + done, i - done);
                if (r == 0)
                        r = sl_buf_puts(out, m->shown);
                i += m->len;
                done = i;
        }
        if (r == 0)
                r = sl_buf_append(out, s + done, len - done);
        pthread_rwlock_unlock(&lock);
        return r;
}

char *sl_redact_dup(const char *s)
{
        sl_buf_t b = SL_BUF_INIT;

        if (!s)
                return NULL;
        if (sl_redact_append(&b, s, strlen(s)) < 0) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

void sl_redact_inplace(char *s, size_t size)
{
        sl_buf_t b = SL_BUF_INIT;
        size_t n;

        if (!s || size == 0 || !sl_redact_active())
                return;
        n = strnlen(s, size - 1);
        if (sl_redact_append(&b, s, n) == 0) {
                n = b.len < size - 1 ? b.len : size - 1;
                memcpy(s, b.data, n);
                s[n] = '\0';
        } else {
                /* out of memory: better no message than the secret */
                s[0] = '\0';
        }
        sl_buf_free(&b);
}
