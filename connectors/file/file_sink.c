/*
 * FileStreamSink: appends each record value's toString() and a newline to
 * a file (or stdout).
 *
 * A put is written with gathering writes: string and bytes values are
 * written straight from the consumed messages, which stay valid during
 * put, so only values that need formatting are copied (into a scratch
 * buffer).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
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

        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        s->ctx = ctx;
        sl_buf_init(&s->buf);
        s->fd = -1;
        if (!path || !*path) {
                s->fd = STDOUT_FILENO;
        } else {
                if (!(s->path = strdup(path))) {
                        sink_task_stop(s);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "Out of memory");
                }
                s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                             0644);
                if (s->fd < 0) {
                        int err = errno;
                        sink_task_stop(s);
                        return sl_seterr(errstr, errstr_size, -err,
                                         "Couldn't open %s for writing: %s",
                                         path, strerror(err));
                }
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
                r = write_all(s, s->iov, n, errstr, errstr_size);
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

const sl_connector_plugin_t sl_file_sink_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SINK,
        .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
        .version = FILE_SINK_VERSION,
        .config = file_sink_config,
        .task_configs = sl_task_configs_copy, /* tasks share partitions via the group */
        .task_start = sink_task_start,
        .task_stop = sink_task_stop,
        .sink_put = sink_put,
        .sink_flush = sink_flush,
};
