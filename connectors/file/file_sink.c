/*
 * FileStreamSink: appends each record value's toString() and a newline to
 * a file (or stdout).
 *
 * A put is written with gathering writes: string and bytes values are
 * written straight from the consumed messages, which stay valid during
 * put, so only values that need formatting are copied (into a scratch
 * buffer).
 *
 * A put lands whole or not at all: when the disk fills (ENOSPC, EDQUOT,
 * EFBIG) the file is cut back to its size before the put, so no partial
 * line is left to be completed twice, and the put is retried with back-off
 * (SL_ERR_RETRIABLE) until space is freed; the host commits no offset past
 * what was written meanwhile. Tasks of one connector append to the same
 * file, so a put holds an exclusive flock(2) on it while it writes and
 * cuts back, and no other task's lines are cut.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "file/file.h"

#define FILE_SINK_VERSION "1.0.0"
#define FILE_SINK_LOGGER "FileStreamSinkTask"
/* A put buffer grown past this is freed rather than kept for reuse. */
#define KEEP_BUF_MAX ((size_t)4 << 20)
#ifndef IOV_MAX
#define IOV_MAX 1024
#endif
/* Retries of a put that found the disk full: the first after this long,
 * doubling up to the cap; a reminder is logged at most this often. */
#define FULL_RETRY_FIRST_MS 500
#define FULL_RETRY_MAX_MS 10000
#define FULL_WARN_EVERY_MS 60000

static const sl_config_def_t file_sink_config[] = {
        {.name = "file", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "Destination filename. If not specified, the "
                          "standard output will be used",
         .order = 1},
        {.name = NULL},
};

typedef struct file_sink {
        sl_task_ctx_t *ctx;
        char *path; /* NULL: stdout */
        int fd;
        bool syncable; /* fdatasync only means something on regular files */
        sl_buf_t buf;  /* formatted values of the current put */
        struct iovec *iov;
        size_t iov_cap;
        /* puts failed in a row for lack of space, since full_since (ms) */
        int full_retries;
        int64_t full_since, full_warned, full_delay;
} file_sink_t;

static const char newline[] = "\n";

static const char *sink_name(const file_sink_t *s)
{
        return s->path ? s->path : "stdout";
}

static int sink_flush(void *state, char *errstr, size_t errstr_size)
{
        file_sink_t *s = state;
        int r;

        if (!s->syncable)
                return 0;
        if ((r = sl_task_fdatasync(s->ctx, s->fd)) < 0)
                return sl_seterr(errstr, errstr_size, r, "Cannot sync %s: %s",
                                 sink_name(s), strerror(-r));
        return 0;
}

static void sink_task_stop(void *state)
{
        file_sink_t *s = state;
        char errstr[512];
        if (!s)
                return;
        if (s->fd >= 0 && sink_flush(s, errstr, sizeof(errstr)) < 0)
                sl_error(FILE_SINK_LOGGER, "%s", errstr);
        if (s->fd > STDERR_FILENO)
                close(s->fd);
        sl_buf_free(&s->buf);
        free(s->iov);
        free(s->path);
        free(s);
}

static int sink_task_start(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                           void **statep, char *errstr, size_t errstr_size)
{
        const char *path = sl_config_str(config, "file");
        file_sink_t *s = calloc(1, sizeof(*s));
        struct stat st;
        char msg[1024];
        int fd;

        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        s->ctx = ctx;
        sl_buf_init(&s->buf);
        s->fd = -1;
        if (path && *path && !(s->path = strdup(path))) {
                sink_task_stop(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        }
        fd = sl_file_open(path, O_WRONLY | O_CREAT | O_APPEND, 0644, msg,
                          sizeof(msg));
        if (fd == -ENOENT && !s->path) {
                s->fd = STDOUT_FILENO;
        } else if (fd < 0) {
                sink_task_stop(s);
                return sl_seterr(errstr, errstr_size, fd,
                                 "Couldn't open %s for writing: %s",
                                 path && *path ? path : "standard output",
                                 msg);
        } else {
                s->fd = fd;
        }
        s->syncable = s->path && fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
        *statep = s;
        return 0;
}

/* Write iov[0..cnt) completely, at most IOV_MAX entries per call. The
 * host's writev already resumes short writes; resuming here too keeps a
 * short count from ever dropping lines. Consumes iov. */
static int write_all(file_sink_t *s, struct iovec *iov, size_t cnt,
                     char *errstr, size_t errstr_size)
{
        while (cnt > 0) {
                int n = cnt > IOV_MAX ? IOV_MAX : (int)cnt;
                size_t want = 0, done;
                ssize_t w;

                for (int i = 0; i < n; i++)
                        want += iov[i].iov_len;
                w = sl_task_writev(s->ctx, s->fd, iov, n);
                if (w == 0 && want > 0)
                        w = -EIO; /* no progress and no error: do not spin */
                if (w < 0)
                        return sl_seterr(errstr, errstr_size, (int)w,
                                         "Error writing to %s: %s",
                                         sink_name(s), strerror((int)-w));
                for (done = (size_t)w; cnt > 0 && done >= iov->iov_len; cnt--)
                        done -= (iov++)->iov_len;
                if (cnt > 0 && done > 0) {
                        iov->iov_base = (char *)iov->iov_base + done;
                        iov->iov_len -= done;
                }
        }
        return 0;
}

static bool no_space(int err)
{
        return err == -ENOSPC || err == -EDQUOT || err == -EFBIG;
}

/* A full disk: the put is retried after a growing delay, logged when it
 * starts and then now and again so a stuck task is visible. */
static int retry_full(file_sink_t *s, int err, char *errstr, size_t errstr_size)
{
        int64_t now = sl_now_ms();

        if (s->full_retries++ == 0) {
                s->full_since = s->full_warned = now;
                s->full_delay = FULL_RETRY_FIRST_MS;
                sl_warn(FILE_SINK_LOGGER,
                        "%s-%d: cannot write to %s: %s; the unfinished write "
                        "was removed, nothing is committed past the last "
                        "complete write, and the write is retried until "
                        "there is room",
                        sl_task_connector(s->ctx), sl_task_id(s->ctx),
                        sink_name(s), strerror(-err));
        } else {
                if (now - s->full_warned >= FULL_WARN_EVERY_MS) {
                        s->full_warned = now;
                        sl_warn(FILE_SINK_LOGGER,
                                "%s-%d: still cannot write to %s (%s) "
                                "after %lld s and %d attempts",
                                sl_task_connector(s->ctx), sl_task_id(s->ctx),
                                sink_name(s), strerror(-err),
                                (long long)((now - s->full_since) / 1000),
                                s->full_retries);
                }
                s->full_delay = s->full_delay * 2 > FULL_RETRY_MAX_MS
                                        ? FULL_RETRY_MAX_MS
                                        : s->full_delay * 2;
        }
        sl_task_sink_retry_after(s->ctx, s->full_delay);
        return sl_seterr(errstr, errstr_size, SL_ERR_RETRIABLE,
                         "Error writing to %s: %s (retrying in %lld ms)",
                         sink_name(s), strerror(-err),
                         (long long)s->full_delay);
}

/* One put's bytes: all of them or, on error, none. On a regular file the
 * put holds the file's lock, so the size it cuts back to is where its
 * own bytes began. */
static int write_put(file_sink_t *s, struct iovec *iov, size_t n, char *errstr,
                     size_t errstr_size)
{
        struct stat st;
        off_t before = -1;
        int r;

        if (s->syncable) {
                while (flock(s->fd, LOCK_EX) < 0 && errno == EINTR)
                        ;
                if (fstat(s->fd, &st) == 0)
                        before = st.st_size;
        }
        r = write_all(s, iov, n, errstr, errstr_size);
        if (r < 0 && before >= 0 && fstat(s->fd, &st) == 0 &&
            st.st_size != before &&
            ftruncate(s->fd, before) < 0) {
                /* a partial line stays: writing after it would corrupt
                 * the next record, so the task stops here */
                int err = errno;
                flock(s->fd, LOCK_UN);
                return sl_seterr(errstr, errstr_size, -err,
                                 "Error writing to %s: %s; and cannot remove "
                                 "the unfinished write (truncate to %lld "
                                 "bytes: %s)",
                                 sink_name(s), strerror(-r), (long long)before,
                                 strerror(err));
        }
        if (s->syncable)
                flock(s->fd, LOCK_UN);
        if (r < 0 && no_space(r) && before >= 0)
                return retry_full(s, r, errstr, errstr_size);
        if (r == 0 && s->full_retries > 0) {
                sl_info(FILE_SINK_LOGGER,
                        "%s-%d: writing to %s again after %d attempts over "
                        "%lld s",
                        sl_task_connector(s->ctx), sl_task_id(s->ctx),
                        sink_name(s), s->full_retries,
                        (long long)((sl_now_ms() - s->full_since) / 1000));
                s->full_retries = 0;
        }
        return r;
}

/* Values written as they are: strings, and bytes that are no logical type
 * (a Decimal's bytes print as a number). */
static bool verbatim(const sl_data_t *d)
{
        const sl_json_t *v = d->value;
        return v && (v->type == SL_JSON_STRING ||
                     (v->type == SL_JSON_BYTES &&
                      !sl_json_object_get(d->schema, "name")));
}

static int sink_put(void *state, const sl_sink_record_t *records, size_t cnt,
                    char *errstr, size_t errstr_size)
{
        file_sink_t *s = state;
        size_t n = 0, off = 0;
        int r = 0;

        /* At most a value and a newline per record. */
        if (cnt > s->iov_cap / 2) {
                struct iovec *iov = NULL;
                if (cnt <= SIZE_MAX / (2 * sizeof(*iov)))
                        iov = realloc(s->iov, 2 * cnt * sizeof(*iov));
                if (!iov)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "Out of memory writing to %s",
                                         sink_name(s));
                s->iov = iov;
                s->iov_cap = 2 * cnt;
        }
        sl_buf_reset(&s->buf);
        for (size_t i = 0; i < cnt; i++) {
                const sl_json_t *v = records[i].value.value;
                size_t start = s->buf.len;

                if (verbatim(&records[i].value)) {
                        if (v->u.str.len > 0)
                                s->iov[n++] = (struct iovec){
                                        .iov_base = v->u.str.ptr,
                                        .iov_len = v->u.str.len};
                        s->iov[n++] = (struct iovec){
                                .iov_base = (void *)newline, .iov_len = 1};
                        continue;
                }
                if ((r = sl_data_to_string(&records[i].value, &s->buf)) >= 0)
                        r = sl_buf_putc(&s->buf, '\n');
                if (r < 0) {
                        /* Nothing is written: the task fails. */
                        sl_seterr(errstr, errstr_size, r,
                                  "Cannot format record %s-%d@%lld: %s",
                                  records[i].topic, (int)records[i].partition,
                                  (long long)records[i].offset,
                                  sl_err2str(r));
                        break;
                }
                /* The scratch buffer may still move as it grows: a NULL
                 * base marks bytes at the next scratch offset, filled in
                 * below. Consecutive formatted values share one entry. */
                if (n > 0 && s->iov[n - 1].iov_base == NULL)
                        s->iov[n - 1].iov_len += s->buf.len - start;
                else
                        s->iov[n++] = (struct iovec){
                                .iov_base = NULL,
                                .iov_len = s->buf.len - start};
        }
        if (r >= 0) {
                for (size_t i = 0; i < n; i++) {
                        if (s->iov[i].iov_base)
                                continue;
                        s->iov[i].iov_base = s->buf.data + off;
                        off += s->iov[i].iov_len;
                }
                /* All of a put in as few writes as possible, so the lines
                 * show up promptly. */
                r = write_put(s, s->iov, n, errstr, errstr_size);
        }
        if (s->buf.cap > KEEP_BUF_MAX)
                sl_buf_free(&s->buf);
        if (s->iov_cap * sizeof(*s->iov) > KEEP_BUF_MAX) {
                free(s->iov);
                s->iov = NULL;
                s->iov_cap = 0;
        }
        return r < 0 ? r : 0;
}

static void sink_validate(const sl_strmap_t *config, sl_config_errors_t *errs)
{
        sl_file_validate(config, errs, "standard output");
}

const sl_connector_plugin_t sl_file_sink_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SINK,
        .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
        .version = FILE_SINK_VERSION,
        .config = file_sink_config,
        .validate = sink_validate,
        .task_configs = sl_task_configs_copy, /* tasks share partitions via the group */
        .task_start = sink_task_start,
        .task_stop = sink_task_stop,
        .sink_put = sink_put,
        .sink_flush = sink_flush,
};
