/*
 * FileStreamSource: one record per line of a file (or stdin).
 *
 * Lines are never copied on their way to Kafka: each record value points
 * into the buffer the file was read into. A poll emits records from one
 * buffer only and hands the batch a reference, so the buffer lives until
 * the last record of every batch that uses it has been delivered.
 *
 * Regular files are read with io_uring straight into the shard's
 * registered IO buffers, which return to the shard after delivery. The
 * pool is small and shared by the shard's tasks, so a line longer than an
 * IO buffer moves to a heap chunk of its own instead of limiting line
 * length, and stdin or a pipe, which cannot be read at an offset, keeps
 * to read(2) into heap chunks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file/file.h"

#define FILE_SOURCE_VERSION "1.0.0"
#define FILE_SOURCE_LOGGER "FileStreamSourceTask"
#define CHUNK_SIZE ((size_t)1 << 20)

static int topic_validator(const char *name, const char *value, char *errstr,
                           size_t errstr_size)
{
        (void)name;
        if (value && strchr(value, ','))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Only a single topic is allowed");
        return 0;
}

static const char *const mode_values[] = {"tail", "bulk", NULL};

static const sl_config_def_t file_source_config[] = {
        {.name = "file", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "Source filename. If not specified, the standard "
                          "input will be used",
         .order = 1},
        {.name = "topic", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "The topic to publish data to",
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,
         .validator = topic_validator, .order = 2},
        {.name = "batch.size", .type = SL_CFG_INT, .default_value = "2000",
         .importance = SL_CFG_LOW,
         .documentation = "The maximum number of records the source task "
                          "can read from the file each time it is polled",
         .flags = SL_CFG_MIN, .min = 1, .order = 3},
        {.name = "mode", .type = SL_CFG_STRING, .default_value = "tail",
         .importance = SL_CFG_MEDIUM,
         .documentation = "tail: keep reading the file as it grows (like "
                          "Kafka's FileStreamSource); bulk: read it to the "
                          "end once, then stay idle",
         .valid_values = mode_values, .order = 4},
        {.name = NULL},
};

/* ------------------------------------------------------------ chunks */

typedef struct chunk {
        atomic_int refs;
        char data[];
} chunk_t;

static chunk_t *chunk_new(size_t cap)
{
        chunk_t *c = malloc(sizeof(*c) + cap);
        if (!c)
                return NULL;
        atomic_init(&c->refs, 1);
        return c;
}

/* Runs on whichever thread delivers the batch's last record. */
static void chunk_unref(void *opaque)
{
        chunk_t *c = opaque;
        if (c && atomic_fetch_sub_explicit(&c->refs, 1,
                                           memory_order_acq_rel) == 1)
                free(c);
}

/* True when no batch references c, so its bytes may be overwritten; the
 * acquire pairs with the release in chunk_unref so delivery's reads are
 * finished. */
static bool chunk_exclusive(chunk_t *c)
{
        return atomic_load_explicit(&c->refs, memory_order_acquire) == 1;
}

/* A wrapper rather than casting sl_iobuf_unref to the hold's type: calling
 * a function through a pointer of another type is undefined behaviour. */
static void iobuf_release(void *opaque)
{
        sl_iobuf_unref(opaque);
}

/* -------------------------------------------------------------- task */

typedef struct file_source {
        sl_task_ctx_t *ctx;
        char *path; /* NULL: stdin */
        char *topic;
        size_t batch_size;
        bool bulk;
        int fd;            /* -1 until the file exists */
        bool seekable;
        bool warned_missing;
        bool eof;  /* bulk: end of file reached, nothing more will be read */
        bool done; /* bulk: everything emitted */
        int64_t start_pos; /* stored offset to resume from */
        /* The current buffer: a shard IO buffer or a heap chunk (at most one
         * is set), data its bytes, of which len of cap hold file data. */
        sl_iobuf_t *iobuf;
        chunk_t *chunk;
        char *data;
        size_t cap, len;
        size_t iosize; /* the shard's IO buffer size; 0 until one was seen */
        size_t pos;   /* first unconsumed byte in data */
        size_t scan;  /* bytes in [pos, scan) hold no line terminator */
        int64_t base; /* file position of data[0] */
        sl_json_t *schema;
        sl_json_t *partition, *offset;
        sl_json_t *offset_pos; /* node inside offset, updated per batch */
} file_source_t;

static void resume_position(file_source_t *t)
{
        struct stat st;
        t->base = 0;
        if (fstat(t->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                t->seekable = false;
                return;
        }
        t->seekable = true;
        if (t->start_pos <= 0)
                return;
        if (st.st_size < t->start_pos) {
                sl_warn(FILE_SOURCE_LOGGER,
                        "File %s is shorter (%lld bytes) than the stored "
                        "position %lld; reading it from the start",
                        t->path, (long long)st.st_size,
                        (long long)t->start_pos);
                return;
        }
        if (lseek(t->fd, (off_t)t->start_pos, SEEK_SET) < 0) {
                sl_warn(FILE_SOURCE_LOGGER,
                        "Cannot seek %s to %lld (%s); reading it from the "
                        "start", t->path, (long long)t->start_pos,
                        strerror(errno));
                return;
        }
        t->base = t->start_pos;
}

/* 0 with t->fd >= 0 once open, 0 with t->fd < 0 while a tailed file does
 * not exist yet, < 0 on other errors. */
static int try_open(file_source_t *t, char *errstr, size_t errstr_size)
{
        char msg[1024];

        t->fd = sl_file_open(t->path, O_RDONLY, 0, msg, sizeof(msg));
        if (t->fd < 0) {
                int err = -t->fd;
                t->fd = -1;
                if (err == ENOENT && !t->bulk) {
                        if (!t->warned_missing)
                                sl_warn(FILE_SOURCE_LOGGER,
                                        "Couldn't find file %s for "
                                        "FileStreamSourceTask, sleeping to "
                                        "wait for it to be created",
                                        t->path);
                        t->warned_missing = true;
                        return 0;
                }
                if (err == ENOENT)
                        return sl_seterr(errstr, errstr_size, -err,
                                         "File not found: %s", t->path);
                return sl_seterr(errstr, errstr_size, -err,
                                 "Cannot open %s: %s", t->path, msg);
        }
        if (t->warned_missing)
                sl_info(FILE_SOURCE_LOGGER, "Found file %s", t->path);
        resume_position(t);
        return 0;
}

/* Drop the task's own reference to the current buffer; batches still in
 * flight keep theirs. The caller fixes up base and pos. */
static void buffer_drop(file_source_t *t)
{
        if (t->iobuf)
                sl_iobuf_unref(t->iobuf);
        chunk_unref(t->chunk);
        t->iobuf = NULL;
        t->chunk = NULL;
        t->data = NULL;
        t->cap = t->len = 0;
}

/* The partial unconsumed bytes now start the buffer. */
static void rebase(file_source_t *t, size_t partial)
{
        t->len = partial;
        t->base += (int64_t)t->pos;
        t->scan = t->scan > t->pos ? t->scan - t->pos : 0;
        t->pos = 0;
}

/* Continue in a fresh buffer (iobuf or chunk, with cap bytes at data),
 * starting with the unconsumed bytes (a partial line) of the current one. */
static void buffer_switch(file_source_t *t, sl_iobuf_t *iobuf, chunk_t *chunk,
                          char *data, size_t cap)
{
        size_t partial = t->len - t->pos;

        if (partial > 0)
                memcpy(data, t->data + t->pos, partial);
        buffer_drop(t);
        t->iobuf = iobuf;
        t->chunk = chunk;
        t->data = data;
        t->cap = cap;
        rebase(t, partial);
}

static void source_task_stop(void *state)
{
        file_source_t *t = state;
        if (!t)
                return;
        if (t->fd > STDERR_FILENO)
                close(t->fd);
        buffer_drop(t);
        sl_json_free(t->schema);
        sl_json_free(t->partition);
        sl_json_free(t->offset);
        free(t->path);
        free(t->topic);
        free(t);
}

static int source_task_start(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                             void **statep, char *errstr, size_t errstr_size)
{
        static const char schema_json[] =
                "{\"type\":\"string\",\"optional\":false}";
        file_source_t *t = calloc(1, sizeof(*t));
        const char *path = sl_config_str(config, "file");
        const char *topic = sl_config_str(config, "topic");
        const char *mode = sl_config_str(config, "mode");
        sl_json_t *name;
        int r;

        if (!t)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        t->ctx = ctx;
        t->fd = -1;
        if (!topic || !*topic) {
                source_task_stop(t);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Missing required configuration \"topic\"");
        }
        t->batch_size = (size_t)sl_config_long(config, "batch.size", 2000);
        if (t->batch_size < 1)
                t->batch_size = 1;
        t->bulk = mode && !strcasecmp(mode, "bulk");
        t->topic = strdup(topic);
        t->path = path && *path ? strdup(path) : NULL;
        t->schema = sl_json_parse(schema_json, sizeof(schema_json) - 1,
                                  NULL, 0);
        if (!t->topic || (path && *path && !t->path) || !t->schema)
                goto nomem;

        if (!t->path) {
                char msg[1024];
                if ((r = sl_file_open(NULL, O_RDONLY, 0, msg, sizeof(msg))) !=
                    -ENOENT) {
                        source_task_stop(t);
                        return sl_seterr(errstr, errstr_size, r < 0 ? r : SL_ERR_CONFIG,
                                         "Cannot read standard input: %s", msg);
                }
                t->fd = STDIN_FILENO;
                *statep = t;
                return 0;
        }

        t->partition = sl_json_object();
        t->offset = sl_json_object();
        t->offset_pos = sl_json_int(0);
        name = sl_json_string(t->path);
        if (!t->partition || !t->offset || !t->offset_pos || !name) {
                sl_json_free(t->offset_pos);
                sl_json_free(name);
                t->offset_pos = NULL;
                goto nomem;
        }
        if (sl_json_object_set(t->partition, "filename", name) < 0) {
                sl_json_free(t->offset_pos);
                t->offset_pos = NULL;
                goto nomem;
        }
        if (sl_json_object_set(t->offset, "position", t->offset_pos) < 0) {
                t->offset_pos = NULL;
                goto nomem;
        }
        t->start_pos = sl_task_offset_long(ctx, t->partition, "position", 0);

        if ((r = try_open(t, errstr, errstr_size)) < 0) {
                source_task_stop(t);
                return r;
        }
        *statep = t;
        return 0;

nomem:
        source_task_stop(t);
        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
}

/* The next complete line in the current buffer: its bytes [*startp,
 * +*lenp) and the buffer index just past its terminator. At the end of a
 * bulk read the rest of the data is the last line, terminated or not. */
static bool next_line(file_source_t *t, size_t *startp, size_t *lenp,
                      size_t *nextp)
{
        const char *data = t->data;
        size_t end = t->len, i;

        /* Resume where the last scan stopped: a long line arriving in many
         * reads must not be rescanned from its start each time. */
        for (i = t->scan > t->pos ? t->scan : t->pos; i < end; i++) {
                if (data[i] == '\n') {
                        *nextp = i + 1;
                } else if (data[i] == '\r') {
                        /* Only the next byte tells whether \n follows. */
                        if (i + 1 == end && !t->eof)
                                break;
                        *nextp = i + 1 < end && data[i + 1] == '\n' ? i + 2
                                                                     : i + 1;
                } else {
                        continue;
                }
                *startp = t->pos;
                *lenp = i - t->pos;
                t->scan = *nextp;
                return true;
        }
        t->scan = i;
        if (!t->eof || t->pos == end)
                return false;
        *startp = t->pos;
        *lenp = end - t->pos;
        *nextp = end;
        return true;
}

static int emit_lines(file_source_t *t, sl_source_batch_t *batch, size_t max,
                      char *errstr, size_t errstr_size)
{
        sl_json_t value;
        sl_source_record_t rec = {
                .topic = t->topic,
                .partition = -1,
                .value = {.schema = t->schema, .value = &value},
        };
        size_t start, len, next, cnt = 0;
        int r;

        while (cnt < max && next_line(t, &start, &len, &next)) {
                if (cnt == 0 && t->iobuf) {
                        sl_iobuf_ref(t->iobuf);
                        sl_source_batch_hold(batch, iobuf_release, t->iobuf);
                } else if (cnt == 0) {
                        atomic_fetch_add_explicit(&t->chunk->refs, 1,
                                                  memory_order_relaxed);
                        sl_source_batch_hold(batch, chunk_unref, t->chunk);
                }
                value = SL_JSON_STRING_REF(t->data + start, len);
                if ((r = sl_source_batch_add(batch, &rec)) < 0)
                        return sl_seterr(errstr, errstr_size, r,
                                         "Cannot add record from %s: %s",
                                         t->path ? t->path : "stdin",
                                         sl_err2str(r));
                t->pos = next;
                cnt++;
        }
        if (cnt > 0 && t->offset_pos) {
                t->offset_pos->u.i = t->base + (int64_t)t->pos;
                if ((r = sl_source_batch_set_offset(batch, t->partition,
                                                    t->offset)) < 0)
                        return sl_seterr(errstr, errstr_size, r,
                                         "Cannot set offset for %s: %s",
                                         t->path, sl_err2str(r));
        }
        return (int)cnt;
}

/* Continue in a heap chunk. A chunk still referenced by batches is never
 * written below its len, so the unconsumed bytes (a partial line) move to
 * a fresh chunk, doubled while the line would fill most of it; an
 * unreferenced chunk is reused. */
static int to_chunk(file_source_t *t)
{
        chunk_t *c = t->chunk, *n;
        size_t partial = t->len - t->pos, cap = CHUNK_SIZE;

        while (cap < 2 * partial)
                cap *= 2;
        if (c && chunk_exclusive(c) && cap <= t->cap) {
                memmove(c->data, c->data + t->pos, partial);
                rebase(t, partial);
                return 0;
        }
        if (!(n = chunk_new(cap)))
                return SL_ERR_NOMEM;
        buffer_switch(t, NULL, n, n->data, cap);
        return 0;
}

/* Stdin and pipes: make room at the end of the current chunk for the next
 * read. */
static int make_room_stream(file_source_t *t)
{
        if (t->chunk && t->len < t->cap &&
            !(t->pos == t->len && t->pos > 0 && chunk_exclusive(t->chunk)))
                return 0;
        return to_chunk(t);
}

/* Regular files: make room at the end of the current buffer for the next
 * read. As with chunks, a buffer is never written below its len once
 * batches may hold it (and who holds an IO buffer cannot be seen), so a
 * partial line moves to the start of a fresh IO buffer. One that would
 * not fit goes to a heap chunk until the line is complete. 0, -EAGAIN
 * when the shard has no IO buffer free, or SL_ERR_NOMEM. */
static int make_room_file(file_source_t *t)
{
        size_t partial = t->len - t->pos;
        bool fits = t->iosize == 0 || partial < t->iosize;

        /* A chunk only serves its long line: the next buffer is an IO
         * buffer again, so heap memory is not held longer than needed. */
        if (t->data && t->len < t->cap && (t->iobuf || !fits))
                return 0;
        if (fits) {
                sl_iobuf_t *io = sl_task_iobuf(t->ctx);
                if (!io)
                        return -EAGAIN;
                t->iosize = sl_iobuf_size(io);
                if (partial < t->iosize) {
                        buffer_switch(t, io, NULL, sl_iobuf_data(io),
                                      t->iosize);
                        return 0;
                }
                sl_iobuf_unref(io); /* smaller than the last shard's */
        }
        return to_chunk(t);
}

/* Bytes read, 0 at end of file, -EAGAIN when a pipe/tty has nothing yet or
 * the shard has no IO buffer free, other negatives on errors. */
static ssize_t fill(file_source_t *t, char *errstr, size_t errstr_size)
{
        const char *name = t->path ? t->path : "stdin";
        ssize_t n;
        int r;

        r = t->seekable ? make_room_file(t) : make_room_stream(t);
        if (r == -EAGAIN)
                return r;
        if (r < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory reading %s", name);
        if (t->seekable) {
                int64_t at = t->base + (int64_t)t->len;
                if (t->iobuf) {
                        n = sl_task_read(t->ctx, t->fd, t->iobuf, t->len,
                                         t->cap - t->len, at);
                } else {
                        do
                                n = pread(t->fd, t->data + t->len,
                                          t->cap - t->len, (off_t)at);
                        while (n < 0 && errno == EINTR);
                        if (n < 0)
                                n = -errno;
                }
        } else {
                /* Unlike a regular file, a pipe would block the poll
                 * thread. */
                struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
                if (poll(&pfd, 1, 0) == 0)
                        return -EAGAIN;
                do
                        n = read(t->fd, t->data + t->len, t->cap - t->len);
                while (n < 0 && errno == EINTR);
                if (n < 0)
                        n = -errno;
        }
        if (n < 0) {
                if (n == -EAGAIN || n == -EWOULDBLOCK)
                        return -EAGAIN;
                return sl_seterr(errstr, errstr_size, (int)n,
                                 "Error reading %s: %s", name,
                                 strerror((int)-n));
        }
        t->len += (size_t)n;
        return n;
}

/* A tailed file that has been read up to its end gives its IO buffer
 * back: the shard's pool is shared, and a task waiting for more lines must
 * not keep it from tasks that have data. */
static void idle(file_source_t *t)
{
        if (!t->iobuf || t->pos != t->len)
                return;
        t->base += (int64_t)t->len;
        t->pos = t->scan = 0;
        buffer_drop(t);
}

static int source_poll(void *state, sl_source_batch_t *batch, char *errstr,
                       size_t errstr_size)
{
        file_source_t *t = state;
        size_t max = sl_source_batch_room(batch);
        int r;

        if (t->done)
                return 0;
        if (t->fd < 0) {
                if ((r = try_open(t, errstr, errstr_size)) < 0 || t->fd < 0)
                        return r;
        }
        if (max > t->batch_size)
                max = t->batch_size;
        if (max == 0)
                return 0;
        for (;;) {
                ssize_t n;
                if ((r = emit_lines(t, batch, max, errstr, errstr_size)) != 0)
                        return r;
                if (t->eof) {
                        t->done = true;
                        buffer_drop(t);
                        sl_info(FILE_SOURCE_LOGGER, "Finished reading %s",
                                t->path ? t->path : "stdin");
                        return 0;
                }
                n = fill(t, errstr, errstr_size);
                if (n == -EAGAIN)
                        return 0;
                if (n < 0)
                        return (int)n;
                if (n == 0) {
                        if (!t->bulk) {
                                idle(t);
                                return 0;
                        }
                        t->eof = true;
                }
        }
}

/* Kafka's FileStreamSourceConnector: a file can be re-read from a stored
 * position, stdin cannot. */
static int source_eos_support(const sl_strmap_t *config) {
        const char *file = sl_strmap_get(config, "file");
        return file && *file ? SL_EOS_SUPPORTED : SL_EOS_UNSUPPORTED;
}

static void source_validate(const sl_strmap_t *config, sl_config_errors_t *errs)
{
        sl_file_validate(config, errs, "standard input");
}

const sl_connector_plugin_t sl_file_source_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "org.apache.kafka.connect.file.FileStreamSourceConnector",
        .version = FILE_SOURCE_VERSION,
        .config = file_source_config,
        .validate = source_validate,
        .task_configs = sl_file_task_configs,
        .task_start = source_task_start,
        .task_stop = source_task_stop,
        .source_poll = source_poll,
        .exactly_once_support = source_eos_support,
};
