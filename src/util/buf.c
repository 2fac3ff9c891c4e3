/* Growable, always NUL-terminated byte buffer. */
#include "sluice/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sl_buf_init(sl_buf_t *b)
{
        b->data = NULL;
        b->len = 0;
        b->cap = 0;
}

void sl_buf_free(sl_buf_t *b)
{
        free(b->data);
        sl_buf_init(b);
}

void sl_buf_reset(sl_buf_t *b)
{
        b->len = 0;
        if (b->data)
                b->data[0] = '\0';
}

/* cap counts the NUL byte, so len + extra + 1 must fit. */
int sl_array_reserve(void *arrayp, size_t *cap, size_t need, size_t elem, size_t first)
{
        void *items;

        if (need <= *cap)
                return 0;
        size_t n = *cap ? *cap : first;
        while (n < need)
                n = n > SIZE_MAX / 2 ? need : n * 2;
        if (elem && n > SIZE_MAX / elem)
                return SL_ERR_NOMEM;
        /* arrayp is a T **: copied through memcpy, whatever T is */
        memcpy(&items, arrayp, sizeof(items));
        items = realloc(items, n * elem);
        if (!items)
                return SL_ERR_NOMEM;
        memcpy(arrayp, &items, sizeof(items));
        *cap = n;
        return 0;
}

int sl_buf_reserve(sl_buf_t *b, size_t extra)
{
        if (extra > SIZE_MAX - b->len - 1)
                return SL_ERR_NOMEM;
        bool fresh = !b->data;
        int rc = sl_array_reserve(&b->data, &b->cap, b->len + extra + 1, 1, 64);
        if (rc == 0 && fresh)
                b->data[0] = '\0';
        return rc;
}

int sl_buf_append(sl_buf_t *b, const void *p, size_t n)
{
        int r = sl_buf_reserve(b, n);
        if (r)
                return r;
        if (n)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
}

int sl_buf_puts(sl_buf_t *b, const char *s)
{
        return sl_buf_append(b, s, strlen(s));
}

int sl_buf_putc(sl_buf_t *b, char c)
{
        return sl_buf_append(b, &c, 1);
}

int sl_buf_vprintf(sl_buf_t *b, const char *fmt, va_list ap)
{
        va_list again;
        char tmp[256];

        /* Format once into a scratch buffer; most lines fit, saving a pass. */
        va_copy(again, ap);
        int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        if (n < 0 || (size_t)n < sizeof(tmp)) {
                va_end(again);
                return n < 0 ? SL_ERR_INVALID : sl_buf_append(b, tmp, (size_t)n);
        }
        int r = sl_buf_reserve(b, (size_t)n);
        if (r == 0) {
                vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
                b->len += (size_t)n;
        }
        va_end(again);
        return r;
}

int sl_buf_printf(sl_buf_t *b, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        int r = sl_buf_vprintf(b, fmt, ap);
        va_end(ap);
        return r;
}

char *sl_buf_detach(sl_buf_t *b, size_t *lenp)
{
        char *p = b->data;
        size_t len = b->len;
        /* Callers always get a string, even from a never-used buffer. */
        if (!p) {
                p = malloc(1);
                if (p)
                        p[0] = '\0';
                len = 0;
        }
        if (lenp)
                *lenp = len;
        sl_buf_init(b);
        return p;
}

int sl_buf_read_file(sl_buf_t *b, const char *path, size_t max)
{
        struct stat st;
        size_t start = b->len;
        int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

        if (fd < 0)
                return -errno;
        /* a regular file's size is known: one allocation; others (pipes,
         * /proc) grow as they are read */
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= max)
                rc = sl_buf_reserve(b, (size_t)st.st_size + 1);
        else
                rc = sl_buf_reserve(b, 4096);
        while (rc == 0) {
                ssize_t n;

                if (b->cap - b->len <= 1 && (rc = sl_buf_reserve(b, b->cap)))
                        break;
                n = read(fd, b->data + b->len, b->cap - b->len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        rc = -errno;
                } else if (n == 0) {
                        break;
                } else if (b->len + (size_t)n - start > max) {
                        rc = -EFBIG;
                } else {
                        b->len += (size_t)n;
                        b->data[b->len] = '\0';
                }
        }
        close(fd);
        return rc;
}
