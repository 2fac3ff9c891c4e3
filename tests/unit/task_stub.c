/* See task_stub.h. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <string.h>

#include "io/iobuf.h"
#include "io/uring.h"
#include "task_stub.h"

#define MAX_SEEKS 64

struct sl_task_ctx {
        char *connector;
        int id;
        bool stopping;
        sl_json_t *offsets; /* array of [partition, offset] */
        bool in_open;
        stub_seek_t seeks[MAX_SEEKS];
        size_t nseeks;
        sl_iobuf_pool_t *pool;
        int64_t retry_after; /* -1: not asked */
};

sl_task_ctx_t *stub_ctx_new(const char *connector, int id, const char *offsets_json)
{
        sl_task_ctx_t *c = calloc(1, sizeof(*c));
        char err[256];

        c->connector = strdup(connector ? connector : "test");
        c->id = id;
        if (offsets_json)
                c->offsets = sl_json_parse(offsets_json, strlen(offsets_json), err, sizeof(err));
        c->in_open = true; /* tests call sink_open directly */
        c->retry_after = -1;
        return c;
}

void stub_ctx_free(sl_task_ctx_t *ctx)
{
        if (!ctx)
                return;
        free(ctx->connector);
        sl_json_free(ctx->offsets);
        if (ctx->pool)
                sl_iobuf_pool_destroy(ctx->pool);
        free(ctx);
}

void stub_ctx_stop(sl_task_ctx_t *ctx)
{
        ctx->stopping = true;
}

size_t stub_seeks(const sl_task_ctx_t *ctx, const stub_seek_t **seeks)
{
        *seeks = ctx->seeks;
        return ctx->nseeks;
}

const char *sl_task_connector(const sl_task_ctx_t *ctx)
{
        return ctx ? ctx->connector : "test";
}

int sl_task_id(const sl_task_ctx_t *ctx)
{
        return ctx ? ctx->id : 0;
}

bool sl_task_stopping(const sl_task_ctx_t *ctx)
{
        return ctx && ctx->stopping;
}

sl_json_t *sl_task_offset(sl_task_ctx_t *ctx, const sl_json_t *source_partition)
{
        if (!ctx || !ctx->offsets || ctx->offsets->type != SL_JSON_ARRAY)
                return NULL;
        for (size_t i = 0; i < ctx->offsets->u.arr.len; i++) {
                const sl_json_t *pair = ctx->offsets->u.arr.items[i];
                if (pair->type == SL_JSON_ARRAY && pair->u.arr.len == 2 &&
                    sl_json_equal(pair->u.arr.items[0], source_partition))
                        return sl_json_dup(pair->u.arr.items[1]);
        }
        return NULL;
}

int sl_task_sink_seek(sl_task_ctx_t *ctx, const char *topic, int32_t partition, int64_t offset)
{
        stub_seek_t *s;

        if (!ctx || !ctx->in_open)
                return SL_ERR_STATE;
        if (ctx->nseeks == MAX_SEEKS)
                return SL_ERR_NOMEM;
        s = &ctx->seeks[ctx->nseeks++];
        snprintf(s->topic, sizeof(s->topic), "%s", topic);
        s->partition = partition;
        s->offset = offset;
        return 0;
}

void sl_task_sink_retry_after(sl_task_ctx_t *ctx, int64_t ms)
{
        if (ctx)
                ctx->retry_after = ms;
}

int64_t stub_retry_after(const sl_task_ctx_t *ctx)
{
        return ctx->retry_after;
}

/* ------------------------------------------------------------- IO */

sl_iobuf_t *sl_task_iobuf(sl_task_ctx_t *ctx)
{
        char err[128];
        if (!ctx)
                return NULL;
        if (!ctx->pool && !(ctx->pool = sl_iobuf_pool_new(8, 1 << 20, err, sizeof(err))))
                return NULL;
        return sl_iobuf_get(ctx->pool);
}

char *sl_iobuf_data(sl_iobuf_t *buf)
{
        return buf->data;
}

size_t sl_iobuf_size(const sl_iobuf_t *buf)
{
        return buf->cap;
}

ssize_t sl_task_read(sl_task_ctx_t *ctx, int fd, sl_iobuf_t *buf, size_t buf_off, size_t len,
                     int64_t file_off)
{
        ssize_t n;
        (void)ctx;
        if (buf_off > buf->cap || len > buf->cap - buf_off)
                return -EINVAL;
        n = pread(fd, buf->data + buf_off, len, (off_t)file_off);
        return n < 0 ? -errno : n;
}

ssize_t sl_task_writev(sl_task_ctx_t *ctx, int fd, const struct iovec *iov, int iovcnt)
{
        ssize_t n;
        (void)ctx;
        n = writev(fd, iov, iovcnt);
        return n < 0 ? -errno : n;
}

int sl_task_fdatasync(sl_task_ctx_t *ctx, int fd)
{
        (void)ctx;
        return fdatasync(fd) == 0 ? 0 : -errno;
}

int sl_task_connect(sl_task_ctx_t *ctx, const char *host, int port, int timeout_ms)
{
        (void)ctx;
        return sl_net_connect(NULL, host, port, timeout_ms);
}

ssize_t sl_task_send(sl_task_ctx_t *ctx, int fd, const struct iovec *iov, int iovcnt,
                     int timeout_ms)
{
        (void)ctx;
        return sl_net_send(NULL, fd, iov, iovcnt, timeout_ms);
}

ssize_t sl_task_recv(sl_task_ctx_t *ctx, int fd, void *buf, size_t len, int timeout_ms)
{
        (void)ctx;
        return sl_net_recv(NULL, fd, buf, len, timeout_ms);
}

/* ---------------------------------------------------- source batches */

struct sl_source_batch {
        size_t room;
        stub_record_t *recs;
        size_t n;
        sl_json_t *partition, *offset;
        void (*release)(void *);
        void *opaque;
};

sl_source_batch_t *stub_batch_new(size_t room)
{
        sl_source_batch_t *b = calloc(1, sizeof(*b));
        b->room = room;
        b->recs = calloc(room ? room : 1, sizeof(*b->recs));
        return b;
}

void stub_batch_release(sl_source_batch_t *b)
{
        if (b->release)
                b->release(b->opaque);
        b->release = NULL;
}

void stub_batch_free(sl_source_batch_t *b)
{
        if (!b)
                return;
        stub_batch_release(b);
        for (size_t i = 0; i < b->n; i++) {
                stub_record_t *r = &b->recs[i];
                free(r->topic);
                free(r->key);
                free(r->value);
                sl_json_free(r->key_schema);
                sl_json_free(r->value_schema);
                sl_json_free(r->value_json);
        }
        free(b->recs);
        sl_json_free(b->partition);
        sl_json_free(b->offset);
        free(b);
}

size_t stub_batch_records(const sl_source_batch_t *b, const stub_record_t **recs)
{
        *recs = b->recs;
        return b->n;
}

const sl_json_t *stub_batch_partition(const sl_source_batch_t *b)
{
        return b->partition;
}

const sl_json_t *stub_batch_offset(const sl_source_batch_t *b)
{
        return b->offset;
}

static char *render(const sl_data_t *d)
{
        sl_buf_t buf;
        sl_buf_init(&buf);
        if (sl_data_to_string(d, &buf) < 0 || sl_buf_putc(&buf, '\0') < 0) {
                sl_buf_free(&buf);
                return strdup("<unprintable>");
        }
        return sl_buf_detach(&buf, NULL);
}

int sl_source_batch_add(sl_source_batch_t *b, const sl_source_record_t *rec)
{
        stub_record_t *r;

        if (b->n == b->room)
                return SL_ERR_STATE;
        r = &b->recs[b->n++];
        r->topic = strdup(rec->topic ? rec->topic : "");
        r->partition = rec->partition;
        r->timestamp = rec->timestamp;
        r->key = render(&rec->key);
        r->value = render(&rec->value);
        r->key_schema = rec->key.schema ? sl_json_dup(rec->key.schema) : NULL;
        r->value_schema = rec->value.schema ? sl_json_dup(rec->value.schema) : NULL;
        r->value_json = rec->value.value ? sl_json_dup(rec->value.value) : NULL;
        return 0;
}

int sl_source_batch_set_offset(sl_source_batch_t *b, const sl_json_t *source_partition,
                               const sl_json_t *source_offset)
{
        sl_json_free(b->partition);
        sl_json_free(b->offset);
        b->partition = sl_json_dup(source_partition);
        b->offset = sl_json_dup(source_offset);
        return 0;
}

void sl_source_batch_hold(sl_source_batch_t *b, void (*release)(void *opaque), void *opaque)
{
        b->release = release;
        b->opaque = opaque;
}

size_t sl_source_batch_count(const sl_source_batch_t *b)
{
        return b->n;
}

size_t sl_source_batch_room(const sl_source_batch_t *b)
{
        return b->room - b->n;
}
