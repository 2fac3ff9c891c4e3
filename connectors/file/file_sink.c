/*
 * FileStreamSink: appends each record value's toString() and a newline to
 * a file (or stdout).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file/file.h"

#define FILE_SINK_VERSION "1.0.0"
#define FILE_SINK_LOGGER "FileStreamSinkTask"
/* A put buffer grown past this is freed rather than kept for reuse. */
#define KEEP_BUF_MAX ((size_t)4 << 20)

static const sl_config_def_t file_sink_config[] = {
        {.name = "file", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "Destination filename. If not specified, the "
                          "standard output will be used",
         .order = 1},
        {.name = NULL},
};

typedef struct file_sink {
        char *path; /* NULL: stdout */
        int fd;
        bool syncable; /* fdatasync only means something on regular files */
        sl_buf_t buf;
} file_sink_t;

static const char *sink_name(const file_sink_t *s)
{
        return s->path ? s->path : "stdout";
}

static int sink_flush(void *state, char *errstr, size_t errstr_size)
{
        file_sink_t *s = state;
        if (!s->syncable)
                return 0;
        if (fdatasync(s->fd) < 0) {
                int err = errno;
                return sl_seterr(errstr, errstr_size, -err,
                                 "Cannot sync %s: %s", sink_name(s),
                                 strerror(err));
        }
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
        free(s->path);
        free(s);
}

static int sink_task_start(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                           void **statep, char *errstr, size_t errstr_size)
{
        const char *path = sl_config_str(config, "file");
        file_sink_t *s = calloc(1, sizeof(*s));
        struct stat st;

        (void)ctx;
        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
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

static int write_all(file_sink_t *s, const char *p, size_t n, char *errstr,
                     size_t errstr_size)
{
        while (n > 0) {
                ssize_t w = write(s->fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0) {
                        int err = errno;
                        return sl_seterr(errstr, errstr_size, -err,
                                         "Error writing to %s: %s",
                                         sink_name(s), strerror(err));
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

static int sink_put(void *state, const sl_sink_record_t *records, size_t cnt,
                    char *errstr, size_t errstr_size)
{
        file_sink_t *s = state;
        int r = 0;

        sl_buf_reset(&s->buf);
        for (size_t i = 0; i < cnt && r >= 0; i++) {
                if ((r = sl_data_to_string(&records[i].value, &s->buf)) >= 0)
                        r = sl_buf_putc(&s->buf, '\n');
                if (r < 0)
                        sl_seterr(errstr, errstr_size, r,
                                  "Cannot format record %s-%d@%lld: %s",
                                  records[i].topic, (int)records[i].partition,
                                  (long long)records[i].offset,
                                  sl_err2str(r));
        }
        /* One write per put so the lines show up promptly; on a format
         * error nothing is written and the task fails. */
        if (r >= 0)
                r = write_all(s, s->buf.data, s->buf.len, errstr, errstr_size);
        if (s->buf.cap > KEEP_BUF_MAX)
                sl_buf_free(&s->buf);
        return r < 0 ? r : 0;
}

const sl_connector_plugin_t sl_file_sink_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SINK,
        .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
        .version = FILE_SINK_VERSION,
        .config = file_sink_config,
        .task_configs = sl_file_task_configs,
        .task_start = sink_task_start,
        .task_stop = sink_task_stop,
        .sink_put = sink_put,
        .sink_flush = sink_flush,
};
