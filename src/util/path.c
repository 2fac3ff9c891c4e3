/* Paths confined to allowed directories (see path.h). */
#include "util/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sl_allowed_paths {
        char **dirs; /* absolute, as configured */
        int n;
        char *text;
};

/* Appends component c to the absolute path in b, applying "." and "..". */
static int push_component(sl_buf_t *b, const char *c, size_t n)
{
        if (n == 0 || (n == 1 && c[0] == '.'))
                return 0;
        if (n == 2 && c[0] == '.' && c[1] == '.') {
                while (b->len > 1 && b->data[b->len - 1] != '/')
                        b->len--;
                if (b->len > 1)
                        b->len--; /* the '/' too, unless it is the root */
                b->data[b->len] = '\0';
                return 0;
        }
        if (b->len > 1 && sl_buf_putc(b, '/') < 0)
                return SL_ERR_NOMEM;
        return sl_buf_append(b, c, n);
}

static char *absolute(const char *path)
{
        char cwd[PATH_MAX];
        char *abs = NULL;

        if (path[0] == '/')
                return strdup(path);
        if (!getcwd(cwd, sizeof(cwd)))
                return NULL;
        if (asprintf(&abs, "%s/%s", cwd, path) < 0)
                return NULL;
        return abs;
}

char *sl_path_canonical(const char *path)
{
        char *abs, *real, *prefix;
        size_t cut;
        sl_buf_t b = SL_BUF_INIT;
        struct stat st;
        int err;

        if (!path || !*path) {
                errno = EINVAL;
                return NULL;
        }
        if (!(abs = absolute(path)))
                return NULL;
        if ((real = realpath(abs, NULL)) || (errno != ENOENT && errno != ENOTDIR)) {
                err = errno;
                free(abs);
                errno = err;
                return real;
        }
        /* The longest prefix that exists: cut at each '/' from the end. */
        if (!(prefix = strdup(abs))) {
                free(abs);
                return NULL;
        }
        for (cut = strlen(prefix); cut > 0;) {
                while (cut > 0 && prefix[cut - 1] != '/')
                        cut--;
                while (cut > 1 && prefix[cut - 1] == '/')
                        cut--;
                prefix[cut] = '\0';
                if ((real = realpath(cut ? prefix : "/", NULL)))
                        break;
                if (errno != ENOENT && errno != ENOTDIR) {
                        err = errno;
                        free(prefix);
                        free(abs);
                        errno = err;
                        return NULL;
                }
                if (cut <= 1)
                        break;
        }
        free(prefix);
        if (!real)
                real = strdup("/");
        err = real && sl_buf_puts(&b, real) == 0 ? 0 : ENOMEM;
        free(real);
        /* the rest, lexically; its first component does not exist, unless
         * it is a link to nowhere */
        for (const char *p = abs + cut, *e; !err && *p; p = e) {
                while (*p == '/')
                        p++;
                for (e = p; *e && *e != '/'; e++)
                        ;
                if (e == p)
                        break;
                if (push_component(&b, p, (size_t)(e - p)) < 0) {
                        err = ENOMEM;
                        break;
                }
                if (p == abs + cut + strspn(abs + cut, "/") &&
                    lstat(b.data, &st) == 0 && S_ISLNK(st.st_mode))
                        err = ELOOP; /* dangling: where it leads is unknown */
        }
        free(abs);
        if (err) {
                sl_buf_free(&b);
                errno = err;
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

bool sl_path_under(const char *p, const char *dir)
{
        size_t n = strlen(dir);

        if (!p || p[0] != '/')
                return false;
        if (n == 1 && dir[0] == '/')
                return true;
        return !strncmp(p, dir, n) && (p[n] == '\0' || p[n] == '/');
}

void sl_allowed_paths_destroy(sl_allowed_paths_t *ap)
{
        if (!ap)
                return;
        for (int i = 0; i < ap->n; i++)
                free(ap->dirs[i]);
        free(ap->dirs);
        free(ap->text);
        free(ap);
}

/* Splits list at commas into trimmed, non-empty items (util cannot use
 * the config module's list reader). Count, or -1 out of memory. */
static int split_list(const char *list, char ***itemsp)
{
        char **items = NULL;
        int n = 0;

        for (const char *p = list; *p;) {
                const char *b = p, *e;
                char **v;

                while (*p && *p != ',')
                        p++;
                e = p;
                if (*p)
                        p++;
                while (b < e && (*b == ' ' || *b == '\t'))
                        b++;
                while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
                        e--;
                if (e == b)
                        continue;
                if (!(v = realloc(items, (size_t)(n + 1) * sizeof(*v))) ||
                    !(v[n] = strndup(b, (size_t)(e - b)))) {
                        items = v ? v : items;
                        while (n-- > 0)
                                free(items[n]);
                        free(items);
                        return -1;
                }
                items = v;
                n++;
        }
        *itemsp = items;
        return n;
}

int sl_allowed_paths_new(const char *list, const char *key, sl_allowed_paths_t **out,
                         char *errstr, size_t errstr_size)
{
        sl_allowed_paths_t *ap;
        sl_buf_t b = SL_BUF_INIT;
        char **items = NULL;
        int n;

        *out = NULL;
        if (!list || (n = split_list(list, &items)) == 0)
                return 0;
        if (n < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        if (!(ap = calloc(1, sizeof(*ap)))) {
                for (int i = 0; i < n; i++)
                        free(items[i]);
                free(items);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        ap->dirs = items;
        ap->n = n;
        for (int i = 0; i < n; i++) {
                if (items[i][0] != '/') {
                        sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                  "Invalid value %s for configuration %s: %s is not an "
                                  "absolute path",
                                  list, key, items[i]);
                        sl_buf_free(&b);
                        sl_allowed_paths_destroy(ap);
                        return SL_ERR_CONFIG;
                }
                sl_buf_printf(&b, "%s%s", i ? "," : "", items[i]);
        }
        ap->text = sl_buf_detach(&b, NULL);
        if (!ap->text) {
                sl_allowed_paths_destroy(ap);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        *out = ap;
        return 0;
}

const char *sl_allowed_paths_text(const sl_allowed_paths_t *ap)
{
        return ap ? ap->text : "";
}

/* The canonical allowed directory holding canonical path p, or NULL.
 * Resolved at each use: a directory may be created, or be a link moved to
 * another volume, after the worker started. */
static char *holder(const sl_allowed_paths_t *ap, const char *p)
{
        for (int i = 0; i < ap->n; i++) {
                char *d = sl_path_canonical(ap->dirs[i]);
                if (d && sl_path_under(p, d))
                        return d;
                free(d);
        }
        return NULL;
}

static int outside(const sl_allowed_paths_t *ap, const char *path, const char *canon,
                   char *errstr, size_t errstr_size)
{
        bool same = !strcmp(path, canon);

        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "%s%s%s%s is outside the allowed paths %s", path,
                         same ? "" : " (", same ? "" : canon, same ? "" : ")",
                         ap->text);
}

int sl_allowed_paths_check(const sl_allowed_paths_t *ap, const char *path, char *errstr,
                           size_t errstr_size)
{
        char *canon, *d;
        int r = 0;

        if (!ap)
                return 0;
        if (!(canon = sl_path_canonical(path))) {
                int err = errno;
                return sl_seterr(errstr, errstr_size, -err, "Cannot resolve %s: %s", path,
                                 err == ELOOP ? "a symbolic link leads nowhere or loops"
                                              : strerror(err));
        }
        if (!(d = holder(ap, canon)))
                r = outside(ap, path, canon, errstr, errstr_size);
        free(d);
        free(canon);
        return r;
}

static int open_beneath(int dfd, const char *rel, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        do
                fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
        while (fd < 0 && (errno == EINTR || errno == EAGAIN));
        return (int)fd;
}

/* Without openat2 (Linux < 5.6, or a seccomp filter): open, then check
 * where the file really is. */
static int open_checked(int dfd, const char *rel, int flags, mode_t mode, const char *dir)
{
        char proc[64], real[PATH_MAX];
        ssize_t n;
        int fd = openat(dfd, rel, flags | O_CLOEXEC, mode);

        if (fd < 0)
                return -1;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = readlink(proc, real, sizeof(real) - 1);
        if (n > 0) {
                real[n] = '\0';
                if (sl_path_under(real, dir))
                        return fd;
        }
        close(fd);
        errno = n > 0 ? EXDEV : EACCES;
        return -1;
}

int sl_allowed_paths_open(const sl_allowed_paths_t *ap, const char *path, int flags,
                          mode_t mode, char *errstr, size_t errstr_size)
{
        char *canon, *d;
        const char *rel;
        int fd, dfd, err;

        if (!ap) {
                fd = open(path, flags | O_CLOEXEC, mode);
                if (fd < 0) {
                        err = errno;
                        return sl_seterr(errstr, errstr_size, -err, "%s", strerror(err));
                }
                return fd;
        }
        if (!(canon = sl_path_canonical(path))) {
                err = errno;
                return sl_seterr(errstr, errstr_size, -err, "cannot resolve %s: %s", path,
                                 err == ELOOP ? "a symbolic link leads nowhere or loops"
                                              : strerror(err));
        }
        if (!(d = holder(ap, canon))) {
                outside(ap, path, canon, errstr, errstr_size);
                free(canon);
                return SL_ERR_CONFIG;
        }
        rel = canon + strlen(d);
        while (*rel == '/')
                rel++;
        if (!*rel)
                rel = ".";
        dfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        fd = dfd < 0 ? -1 : open_beneath(dfd, rel, flags, mode);
        if (dfd >= 0 && fd < 0 && errno == ENOSYS)
                fd = open_checked(dfd, rel, flags, mode, d);
        err = errno;
        if (dfd >= 0)
                close(dfd);
        if (fd < 0) {
                if (err == EXDEV)
                        sl_seterr(errstr, errstr_size, -err,
                                  "a symbolic link in %s leads outside the allowed path %s",
                                  path, d);
                else
                        sl_seterr(errstr, errstr_size, -err, "%s", strerror(err));
                fd = -err;
        }
        free(d);
        free(canon);
        return fd;
}
