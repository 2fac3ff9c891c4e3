/* FileStreamSource task: line splitting, chunking, offsets, modes, IO
 * buffers. The host's batch, task-context and IO functions are faked
 * here. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file/file.h"
#include "sl_test.h"

#define MIB ((size_t)1 << 20)
#define MAX_RECS 64
/* The host's pool: 16 registered buffers of 256 KiB per shard. */
#define POOL_BUFS 16
#define POOL_BUF_SIZE ((size_t)256 << 10)

/* ------------------------------------------------------------- fakes */

struct sl_source_batch {
        size_t cap;
        size_t n;
        char *val[MAX_RECS];
        size_t len[MAX_RECS];
        const char *ptr[MAX_RECS];
        void (*release)(void *);
        void *opaque;
        int holds;
        bool added_without_hold;
        sl_json_t *part, *off;
};

struct sl_task_ctx {
        sl_json_t *stored; /* offset returned for any partition */
        sl_json_t *asked;  /* last partition asked for */
};

static int releases_pending; /* holds not yet released */

/* A shard's IO buffer pool: a few buffers with reference counts. Released
 * buffers are poisoned so bytes read after their release show up. */
#define POOL_MAX 16

struct sl_iobuf {
        char *data;
        size_t size;
        int refs;
};

static struct sl_iobuf pool[POOL_MAX];
static size_t pool_n;
static bool pool_on_shard = true; /* false: sl_task_iobuf always NULL */
static int pool_reads;            /* sl_task_read calls */
static int pool_read_error;       /* errno sl_task_read fails with, or 0 */

static void pool_setup(size_t n, size_t size)
{
        for (size_t i = 0; i < POOL_MAX; i++) {
                free(pool[i].data);
                pool[i] = (struct sl_iobuf){0};
        }
        for (size_t i = 0; i < n; i++) {
                pool[i].data = malloc(size);
                pool[i].size = size;
                memset(pool[i].data, '#', size);
        }
        pool_n = n;
        pool_on_shard = true;
        pool_reads = 0;
        pool_read_error = 0;
}

static size_t pool_free_count(void)
{
        size_t n = 0;
        for (size_t i = 0; i < pool_n; i++)
                n += pool[i].refs == 0;
        return n;
}

static bool pool_full(void)
{
        return pool_free_count() == pool_n;
}

static bool is_iobuf(const void *p)
{
        for (size_t i = 0; i < pool_n; i++)
                if (p == &pool[i])
                        return true;
        return false;
}

sl_iobuf_t *sl_task_iobuf(sl_task_ctx_t *ctx)
{
        CHECK(ctx != NULL);
        if (!pool_on_shard)
                return NULL;
        for (size_t i = 0; i < pool_n; i++) {
                if (pool[i].refs == 0) {
                        pool[i].refs = 1;
                        return &pool[i];
                }
        }
        return NULL;
}

char *sl_iobuf_data(sl_iobuf_t *buf)
{
        CHECK(buf->refs > 0);
        return buf->data;
}

size_t sl_iobuf_size(const sl_iobuf_t *buf)
{
        return buf->size;
}

void sl_iobuf_ref(sl_iobuf_t *buf)
{
        CHECK(buf->refs > 0);
        buf->refs++;
}

void sl_iobuf_unref(sl_iobuf_t *buf)
{
        CHECK(buf->refs > 0);
        if (--buf->refs == 0)
                memset(buf->data, '#', buf->size);
}

ssize_t sl_task_read(sl_task_ctx_t *ctx, int fd, sl_iobuf_t *buf,
                     size_t buf_off, size_t len, int64_t file_off)
{
        ssize_t n;
        CHECK(ctx != NULL);
        CHECK(is_iobuf(buf) && buf->refs > 0);
        CHECK(len > 0);
        pool_reads++;
        if (buf_off > buf->size || len > buf->size - buf_off)
                return -EINVAL;
        if (pool_read_error)
                return -pool_read_error;
        n = pread(fd, buf->data + buf_off, len, (off_t)file_off);
        return n < 0 ? -errno : n;
}

int sl_source_batch_add(sl_source_batch_t *b, const sl_source_record_t *rec)
{
        const sl_json_t *v = rec->value.value;
        if (b->n >= MAX_RECS || b->n >= b->cap)
                return SL_ERR_STATE;
        CHECK_STR(rec->topic, "lines");
        CHECK_INT(rec->partition, -1);
        CHECK(rec->key.value == NULL && rec->key.schema == NULL);
        CHECK_INT(rec->timestamp, 0);
        CHECK_STR(sl_json_object_get_str(rec->value.schema, "type"),
                  "string");
        CHECK(v && v->type == SL_JSON_STRING);
        if (!b->release)
                b->added_without_hold = true;
        b->val[b->n] = strndup(v->u.str.ptr, v->u.str.len);
        b->len[b->n] = v->u.str.len;
        b->ptr[b->n] = v->u.str.ptr;
        b->n++;
        return 0;
}

int sl_source_batch_set_offset(sl_source_batch_t *b, const sl_json_t *part,
                               const sl_json_t *off)
{
        sl_json_free(b->part);
        sl_json_free(b->off);
        b->part = sl_json_dup(part);
        b->off = sl_json_dup(off);
        return 0;
}

void sl_source_batch_hold(sl_source_batch_t *b, void (*release)(void *),
                          void *opaque)
{
        b->release = release;
        b->opaque = opaque;
        b->holds++;
        releases_pending++;
}

size_t sl_source_batch_count(const sl_source_batch_t *b)
{
        return b->n;
}

size_t sl_source_batch_room(const sl_source_batch_t *b)
{
        return b->cap - b->n;
}

const char *sl_task_connector(const sl_task_ctx_t *ctx)
{
        (void)ctx;
        return "file-test";
}

int sl_task_id(const sl_task_ctx_t *ctx)
{
        (void)ctx;
        return 0;
}

sl_json_t *sl_task_offset(sl_task_ctx_t *ctx, const sl_json_t *part)
{
        sl_json_free(ctx->asked);
        ctx->asked = sl_json_dup(part);
        return ctx->stored ? sl_json_dup(ctx->stored) : NULL;
}

bool sl_task_stopping(const sl_task_ctx_t *ctx)
{
        (void)ctx;
        return false;
}

static const char *allowed_paths; /* the worker's file.allowed.paths */

const char *sl_host_config_get(const char *key)
{
        return !strcmp(key, "file.allowed.paths") ? allowed_paths : NULL;
}

/* Validation errors, as the host collects them. */
struct sl_config_errors {
        int n;
        char key[8][64];
        char msg[8][1024];
};

__attribute__((weak)) void sl_config_error_add(sl_config_errors_t *errs,
                                               const char *key,
                                               const char *fmt, ...)
{
        va_list ap;
        if (errs->n == 8)
                return;
        snprintf(errs->key[errs->n], sizeof(errs->key[0]), "%s", key);
        va_start(ap, fmt);
        vsnprintf(errs->msg[errs->n], sizeof(errs->msg[0]), fmt, ap);
        va_end(ap);
        errs->n++;
}

/* Weak so the real readers win when src/config is linked in. */
__attribute__((weak)) const char *sl_config_str(const sl_strmap_t *cfg,
                                                const char *key)
{
        return sl_strmap_get(cfg, key);
}

__attribute__((weak)) int64_t sl_config_long(const sl_strmap_t *cfg,
                                             const char *key, int64_t def)
{
        const char *v = sl_strmap_get(cfg, key);
        return v ? strtoll(v, NULL, 10) : def;
}

/* --------------------------------------------------------- harness */

static const sl_connector_plugin_t *P = &sl_file_source_plugin;
static char tmpdir[64];

static void batch_init(sl_source_batch_t *b, size_t cap)
{
        memset(b, 0, sizeof(*b));
        b->cap = cap;
}

/* The records were produced: drop the copies and release the hold. The
 * held bytes must not have changed since the records were added. */
static void deliver(sl_source_batch_t *b)
{
        for (size_t i = 0; i < b->n; i++) {
                CHECK(memcmp(b->ptr[i], b->val[i], b->len[i]) == 0);
                free(b->val[i]);
        }
        if (b->release) {
                b->release(b->opaque);
                releases_pending--;
        }
        sl_json_free(b->part);
        sl_json_free(b->off);
        batch_init(b, b->cap);
}

static int64_t batch_position(const sl_source_batch_t *b)
{
        const sl_json_t *p = sl_json_object_get(b->off, "position");
        return p && p->type == SL_JSON_INT ? p->u.i : -1;
}

static char *path_of(const char *name)
{
        static char buf[128];
        snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
        return buf;
}

static void write_file(const char *path, const char *mode, const void *data,
                       size_t n)
{
        FILE *f = fopen(path, mode);
        CHECK(f != NULL);
        if (!f)
                return;
        CHECK_INT(fwrite(data, 1, n, f), n);
        fclose(f);
}

static void *start(sl_task_ctx_t *ctx, const char *path, const char *mode,
                   const char *batch_size, char *errstr, int *rp)
{
        sl_strmap_t *cfg = sl_strmap_new();
        void *state = NULL;
        if (path)
                sl_strmap_set(cfg, "file", path);
        sl_strmap_set(cfg, "topic", "lines");
        sl_strmap_set(cfg, "mode", mode);
        sl_strmap_set(cfg, "batch.size", batch_size ? batch_size : "2000");
        errstr[0] = '\0';
        *rp = P->task_start(ctx, cfg, &state, errstr, 256);
        sl_strmap_destroy(cfg);
        return state;
}

static void *start_ok(sl_task_ctx_t *ctx, const char *path, const char *mode,
                      const char *batch_size)
{
        char errstr[256];
        int r;
        void *s = start(ctx, path, mode, batch_size, errstr, &r);
        CHECK_INT(r, 0);
        if (r)
                fprintf(stderr, "start: %s\n", errstr);
        return s;
}

static int poll_once(void *s, sl_source_batch_t *b)
{
        char errstr[256] = "";
        int r = P->source_poll(s, b, errstr, sizeof(errstr));
        if (r < 0)
                fprintf(stderr, "poll: %s\n", errstr);
        CHECK_INT(r, (int)b->n);
        return r;
}

static void ctx_free(sl_task_ctx_t *ctx)
{
        sl_json_free(ctx->stored);
        sl_json_free(ctx->asked);
        ctx->stored = ctx->asked = NULL;
}

/* ----------------------------------------------------------- tests */

static void test_line_terminators(void)
{
        const char *path = path_of("term");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        write_file(path, "w", "a\nbb\r\nccc\r\rd\n", 13);
        s = start_ok(&ctx, path, "bulk", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 5);
        CHECK_STR(b.val[0], "a");
        CHECK_STR(b.val[1], "bb");
        CHECK_STR(b.val[2], "ccc");
        CHECK_STR(b.val[3], "");
        CHECK_STR(b.val[4], "d");
        CHECK_INT(batch_position(&b), 13);
        CHECK_STR(sl_json_object_get_str(b.part, "filename"), path);
        CHECK_STR(sl_json_object_get_str(ctx.asked, "filename"), path);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

/* In tail mode a trailing \r may still become \r\n. */
static void test_cr_at_end_waits(void)
{
        const char *path = path_of("cr");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        write_file(path, "w", "x\r", 2);
        s = start_ok(&ctx, path, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 0);
        write_file(path, "a", "\ny\r", 3);
        CHECK_INT(poll_once(s, &b), 1);
        CHECK_STR(b.val[0], "x");
        CHECK_INT(batch_position(&b), 3);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        write_file(path, "a", "z\n", 2);
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[0], "y");
        CHECK_STR(b.val[1], "z");
        CHECK_INT(batch_position(&b), 7);
        deliver(&b);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

/* Poll until n records were collected into vals (copied); returns count. */
static size_t drain(void *s, size_t cap, char **vals, size_t n,
                    int64_t *last_pos)
{
        sl_source_batch_t b;
        size_t got = 0;
        batch_init(&b, cap);
        for (int guard = 0; guard < 1000 && got < n; guard++) {
                int r = poll_once(s, &b);
                if (r <= 0)
                        break;
                for (size_t i = 0; i < b.n && got < n; i++)
                        vals[got++] = strdup(b.val[i]);
                *last_pos = batch_position(&b);
                deliver(&b);
        }
        return got;
}

static void test_line_across_chunk_boundary(void)
{
        const char *path = path_of("boundary");
        size_t first = MIB - 5, total;
        char *data = malloc(MIB + 64), *vals[3] = {0};
        sl_task_ctx_t ctx = {0};
        int64_t pos = 0;
        void *s;

        memset(data, 'a', first - 1);
        data[first - 1] = '\n';
        total = first + (size_t)sprintf(data + first, "0123456789\nend\n");
        write_file(path, "w", data, total);

        s = start_ok(&ctx, path, "bulk", NULL);
        CHECK_INT(drain(s, 100, vals, 3, &pos), 3);
        CHECK_INT(vals[0] ? strlen(vals[0]) : 0, first - 1);
        CHECK_STR(vals[1], "0123456789");
        CHECK_STR(vals[2], "end");
        CHECK_INT(pos, total);
        P->task_stop(s);
        for (int i = 0; i < 3; i++)
                free(vals[i]);
        free(data);
        ctx_free(&ctx);
}

static void test_line_longer_than_chunk(void)
{
        const char *path = path_of("long");
        size_t big = 5 * MIB / 2;
        char *data = malloc(big + 16), *vals[3] = {0};
        sl_task_ctx_t ctx = {0};
        int64_t pos = 0;
        void *s;

        memcpy(data, "x\n", 2);
        memset(data + 2, 'L', big);
        memcpy(data + 2 + big, "\r\ny\n", 4);
        write_file(path, "w", data, big + 6);

        s = start_ok(&ctx, path, "tail", NULL);
        CHECK_INT(drain(s, 100, vals, 3, &pos), 3);
        CHECK_STR(vals[0], "x");
        CHECK_INT(vals[1] ? strlen(vals[1]) : 0, big);
        CHECK(vals[1] && vals[1][0] == 'L' && vals[1][big - 1] == 'L');
        CHECK_STR(vals[2], "y");
        CHECK_INT(pos, big + 6);
        P->task_stop(s);
        for (int i = 0; i < 3; i++)
                free(vals[i]);
        free(data);
        ctx_free(&ctx);
}

static sl_json_t *position_json(int64_t pos)
{
        sl_json_t *o = sl_json_object();
        sl_json_object_set(o, "position", sl_json_int(pos));
        return o;
}

static void test_resume_from_offset(void)
{
        const char *path = path_of("resume");
        sl_task_ctx_t ctx = {.stored = position_json(6)};
        sl_source_batch_t b;
        void *s;

        write_file(path, "w", "one\r\ntwo\nthree\n", 15);
        s = start_ok(&ctx, path, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[0], "wo");
        deliver(&b);
        P->task_stop(s);
        ctx_free(&ctx);

        ctx = (sl_task_ctx_t){.stored = position_json(5)};
        s = start_ok(&ctx, path, "tail", NULL);
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[0], "two");
        CHECK_STR(b.val[1], "three");
        CHECK_INT(batch_position(&b), 15);
        deliver(&b);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

static void test_file_shorter_than_offset(void)
{
        const char *path = path_of("short");
        sl_task_ctx_t ctx = {.stored = position_json(1000)};
        sl_source_batch_t b;
        void *s;

        write_file(path, "w", "a\nb\n", 4);
        s = start_ok(&ctx, path, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[0], "a");
        CHECK_INT(batch_position(&b), 4);
        deliver(&b);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

static void test_batch_size_and_room(void)
{
        const char *path = path_of("batch");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        write_file(path, "w", "0\n1\n2\n3\n4\n5\n6\n", 14);
        s = start_ok(&ctx, path, "tail", "3");
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 3);
        CHECK_STR(b.val[2], "2");
        CHECK_INT(batch_position(&b), 6);
        deliver(&b);
        b.cap = 2; /* the host's room is the tighter limit now */
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[0], "3");
        CHECK_INT(batch_position(&b), 10);
        deliver(&b);
        b.cap = 100;
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[1], "6");
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

static void test_bulk_final_unterminated_line(void)
{
        const char *path = path_of("bulk");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        write_file(path, "w", "a\nlast", 6);
        s = start_ok(&ctx, path, "bulk", "1");
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 1);
        CHECK_STR(b.val[0], "a");
        CHECK_INT(batch_position(&b), 2);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 1);
        CHECK_STR(b.val[0], "last");
        CHECK_INT(batch_position(&b), 6);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        write_file(path, "a", "more\n", 5); /* bulk never reads again */
        CHECK_INT(poll_once(s, &b), 0);
        P->task_stop(s);

        /* A final \r is a terminator once the end is known. */
        write_file(path, "w", "cr\r", 3);
        s = start_ok(&ctx, path, "bulk", NULL);
        CHECK_INT(poll_once(s, &b), 1);
        CHECK_STR(b.val[0], "cr");
        CHECK_INT(batch_position(&b), 3);
        deliver(&b);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

static void test_tail_picks_up_appends(void)
{
        const char *path = path_of("tail");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        write_file(path, "w", "a\npart", 6);
        s = start_ok(&ctx, path, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 1);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        write_file(path, "a", "ial\nb\n", 6);
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[0], "partial");
        CHECK_STR(b.val[1], "b");
        CHECK_INT(batch_position(&b), 12);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

/* p..p+n lies in the held memory: an IO buffer's data, or a heap chunk. */
static bool inside(const void *opaque, const char *p, size_t n)
{
        const char *base = opaque;
        size_t size;
        if (is_iobuf(opaque)) {
                base = ((const struct sl_iobuf *)opaque)->data;
                size = ((const struct sl_iobuf *)opaque)->size;
        } else {
                size = malloc_usable_size((void *)opaque);
        }
        return p >= base && p + n <= base + size;
}

/* Values point into the held buffer, batches released after the task stops
 * still free their chunk (LeakSanitizer checks nothing is left) or return
 * their IO buffer. */
static void test_zero_copy_and_release(void)
{
        const char *path = path_of("zc");
        size_t n = 3 * MIB + 100, line = 1000;
        char *data = malloc(n);
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b[8];
        int nb = 0, total = 0, chunks = 0;
        void *s, *last = NULL;

        memset(data, 'z', n);
        for (size_t i = line - 1; i < n; i += line)
                data[i] = '\n';
        write_file(path, "w", data, n);

        s = start_ok(&ctx, path, "bulk", "50");
        /* Keep several batches undelivered while polling on. */
        for (int guard = 0; guard < 100000; guard++) {
                sl_source_batch_t *cur = &b[nb];
                int r;
                batch_init(cur, MAX_RECS);
                r = poll_once(s, cur);
                if (r <= 0)
                        break;
                total += r;
                CHECK(!cur->added_without_hold);
                CHECK_INT(cur->holds, 1);
                chunks += cur->opaque != last;
                last = cur->opaque;
                for (size_t i = 0; i < cur->n; i++)
                        CHECK(inside(cur->opaque, cur->ptr[i], cur->len[i]));
                if (++nb == 8) {
                        for (int i = 0; i < 7; i++)
                                deliver(&b[i]);
                        b[0] = b[7];
                        nb = 1;
                }
        }
        CHECK_INT(total, n / line + 1);
        CHECK(chunks >= 4); /* held chunks are not reused */
        P->task_stop(s);
        for (int i = 0; i < nb; i++)
                deliver(&b[i]);
        CHECK_INT(releases_pending, 0);
        CHECK(pool_full());
        free(data);
        ctx_free(&ctx);
}

static void test_missing_file(void)
{
        const char *path = path_of("missing");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        char errstr[256], want[200];
        int r;
        void *s;

        unlink(path);
        s = start(&ctx, path, "bulk", NULL, errstr, &r);
        CHECK(r < 0);
        CHECK(s == NULL);
        snprintf(want, sizeof(want), "File not found: %s", path);
        CHECK_STR(errstr, want);

        s = start_ok(&ctx, path, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 0);
        CHECK_INT(poll_once(s, &b), 0);
        write_file(path, "w", "now\n", 4);
        CHECK_INT(poll_once(s, &b), 1);
        CHECK_STR(b.val[0], "now");
        deliver(&b);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

static void test_read_error(void)
{
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        char errstr[256] = "";
        void *s = start_ok(&ctx, tmpdir, "tail", NULL);
        int r;

        batch_init(&b, 100);
        r = P->source_poll(s, &b, errstr, sizeof(errstr));
        CHECK(r < 0);
        CHECK(strstr(errstr, tmpdir) != NULL);
        CHECK(strstr(errstr, strerror(EISDIR)) != NULL);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

/* stdin: lines as usual, but no source offsets. */
static void test_stdin(void)
{
        int saved = dup(STDIN_FILENO), fds[2];
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        CHECK(pipe(fds) == 0);
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        s = start_ok(&ctx, NULL, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 0); /* nothing yet: must not block */
        CHECK_INT(write(fds[1], "in1\nin2\n", 8), 8);
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[1], "in2");
        CHECK(b.off == NULL);
        CHECK(ctx.asked == NULL);
        deliver(&b);
        close(fds[1]);
        CHECK_INT(poll_once(s, &b), 0);
        P->task_stop(s);
        dup2(saved, STDIN_FILENO);
        close(saved);
        ctx_free(&ctx);
}

/* ------------------------------------------------------ IO buffers */

/* Regular files are read with sl_task_read into a shard IO buffer that
 * the batch holds: values point into it, and it returns to the pool. */
static void test_iobuf_zero_copy(void)
{
        const char *path = path_of("iobuf");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        sl_iobuf_t *held;
        void *s;

        write_file(path, "w", "one\ntwo\r\nthree\n", 15);
        s = start_ok(&ctx, path, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 3);
        CHECK(pool_reads > 0);
        CHECK(!b.added_without_hold);
        CHECK_INT(b.holds, 1);
        CHECK(is_iobuf(b.opaque));
        held = b.opaque;
        CHECK_INT(held->refs, 2); /* the task's and the batch's */
        for (size_t i = 0; i < b.n; i++)
                CHECK(inside(held, b.ptr[i], b.len[i]));
        CHECK(b.ptr[0] == held->data);
        CHECK_STR(b.val[1], "two");
        CHECK_INT(batch_position(&b), 15);
        P->task_stop(s); /* the batch outlives the task */
        CHECK_INT(held->refs, 1);
        CHECK_STR(b.val[2], "three");
        deliver(&b);
        CHECK(pool_full());
        ctx_free(&ctx);
}

/* No free IO buffer: poll returns 0 without reading or holding, and picks
 * up where it stopped once a delivered batch gives a buffer back. */
static void test_backpressure(void)
{
        const char *path = path_of("pressure");
        char data[1001], want[16];
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b[3];
        int reads, next = 0;
        void *s;

        /* 100 lines of 10 bytes; buffers of 64 bytes hold 6 and a bit. */
        for (int i = 0; i < 100; i++)
                sprintf(data + 10 * i, "line%05d\n", i);
        write_file(path, "w", data, 1000);
        pool_setup(2, 64);
        s = start_ok(&ctx, path, "bulk", NULL);
        batch_init(&b[0], 100);
        batch_init(&b[1], 100);
        batch_init(&b[2], 100);
        CHECK_INT(poll_once(s, &b[0]), 6);
        CHECK_INT(poll_once(s, &b[1]), 6); /* second buffer */
        CHECK(b[0].opaque != b[1].opaque);
        CHECK_INT(pool_free_count(), 0);
        reads = pool_reads;
        for (int i = 0; i < 3; i++) {
                CHECK_INT(poll_once(s, &b[2]), 0);
                CHECK_INT(b[2].holds, 0);
        }
        CHECK_INT(pool_reads, reads);
        deliver(&b[0]);
        CHECK_INT(poll_once(s, &b[2]), 6);
        CHECK_INT(batch_position(&b[2]), 180);
        for (int i = 0; i < 6; i++) {
                snprintf(want, sizeof(want), "line%05d", 12 + i);
                CHECK_STR(b[2].val[i], want);
        }
        /* Hold at most one batch at a time from here on. */
        deliver(&b[1]);
        deliver(&b[2]);
        next = 18;
        for (int guard = 0; guard < 100 && next < 100; guard++) {
                int r = poll_once(s, &b[0]);
                CHECK(r > 0);
                for (size_t i = 0; i < b[0].n; i++) {
                        snprintf(want, sizeof(want), "line%05d", next++);
                        CHECK_STR(b[0].val[i], want);
                        CHECK(inside(b[0].opaque, b[0].ptr[i], b[0].len[i]));
                }
                CHECK(is_iobuf(b[0].opaque));
                if (next == 100)
                        CHECK_INT(batch_position(&b[0]), 1000);
                deliver(&b[0]);
        }
        CHECK_INT(next, 100);
        CHECK_INT(poll_once(s, &b[0]), 0);
        CHECK(pool_full()); /* finished: the task gave its buffer back */
        P->task_stop(s);
        CHECK(pool_full());
        pool_setup(POOL_BUFS, POOL_BUF_SIZE);
        ctx_free(&ctx);
}

/* Outside a shard (or with its IO unavailable) there is no buffer: that is
 * back-pressure too, not an error. */
static void test_no_iobuf_outside_shard(void)
{
        const char *path = path_of("noshard");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        write_file(path, "w", "a\nb\n", 4);
        s = start_ok(&ctx, path, "tail", NULL);
        pool_on_shard = false;
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 0);
        CHECK_INT(pool_reads, 0);
        pool_on_shard = true;
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[1], "b");
        deliver(&b);
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

/* A line cut by the end of a buffer continues at the start of the next
 * buffer; values stay inside IO buffers, offsets count file bytes. */
static void test_partial_line_across_iobufs(void)
{
        const char *path = path_of("partial");
        static const char data[] =
                "abcdefghij\n0123456789abc\r\nxy\n\npqrstuvwxyz0\nlast";
        static const char *const want[] = {"abcdefghij", "0123456789abc",
                                           "xy", "", "pqrstuvwxyz0", "last"};
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        size_t got = 0;
        void *s;

        pool_setup(3, 16);
        write_file(path, "w", data, sizeof(data) - 1);
        s = start_ok(&ctx, path, "bulk", NULL);
        batch_init(&b, 100);
        for (int guard = 0; guard < 100 && got < 6; guard++) {
                int r = poll_once(s, &b);
                CHECK(r > 0);
                if (r <= 0)
                        break;
                CHECK(is_iobuf(b.opaque));
                for (size_t i = 0; i < b.n && got < 6; i++) {
                        CHECK_STR(b.val[i], want[got]);
                        CHECK(inside(b.opaque, b.ptr[i], b.len[i]));
                        got++;
                }
                if (got == 2)
                        CHECK_INT(batch_position(&b), 26);
                deliver(&b);
        }
        CHECK_INT(got, 6);
        CHECK_INT(poll_once(s, &b), 0);
        P->task_stop(s);
        CHECK(pool_full());
        pool_setup(POOL_BUFS, POOL_BUF_SIZE);
        ctx_free(&ctx);
}

/* A line longer than an IO buffer goes to a heap chunk filled with pread,
 * also while it is still being written; the lines after it are back in
 * IO buffers. */
static void test_line_longer_than_iobuf(void)
{
        const char *path = path_of("longio");
        char longline[100];
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        memset(longline, 'L', sizeof(longline));
        pool_setup(2, 16);
        write_file(path, "w", "short\n", 6);
        write_file(path, "a", longline, 40); /* still being written */
        s = start_ok(&ctx, path, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 1);
        CHECK_STR(b.val[0], "short");
        CHECK(is_iobuf(b.opaque));
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        CHECK_INT(poll_once(s, &b), 0);
        write_file(path, "a", longline + 40, 60);
        write_file(path, "a", "\nafter\n", 7);
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_INT(b.len[0], 100);
        CHECK(b.val[0] && strspn(b.val[0], "L") == 100);
        CHECK_STR(b.val[1], "after");
        CHECK(!is_iobuf(b.opaque)); /* a heap chunk */
        CHECK(inside(b.opaque, b.ptr[0], b.len[0]));
        CHECK_INT(batch_position(&b), 113);
        deliver(&b);
        write_file(path, "a", "x\ny\n", 4);
        CHECK_INT(poll_once(s, &b), 2);
        CHECK_STR(b.val[1], "y");
        CHECK(is_iobuf(b.opaque));
        CHECK_INT(batch_position(&b), 117);
        deliver(&b);
        P->task_stop(s);
        CHECK(pool_full());
        pool_setup(POOL_BUFS, POOL_BUF_SIZE);
        ctx_free(&ctx);
}

/* A tailed file read to its end gives its buffer back while waiting, so
 * idle tasks do not starve the shard's other tasks; a pending partial line
 * keeps it. */
static void test_idle_tail_returns_iobuf(void)
{
        const char *path = path_of("idle");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        void *s;

        pool_setup(1, 64);
        write_file(path, "w", "a\nb\n", 4);
        s = start_ok(&ctx, path, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 2);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        CHECK(pool_full());
        write_file(path, "a", "c\npart", 6);
        CHECK_INT(poll_once(s, &b), 1);
        CHECK_STR(b.val[0], "c");
        CHECK_INT(batch_position(&b), 6);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        CHECK_INT(pool_free_count(), 0); /* "part" waits in it */
        write_file(path, "a", "ial\n", 4);
        CHECK_INT(poll_once(s, &b), 1);
        CHECK_STR(b.val[0], "partial");
        CHECK_INT(batch_position(&b), 14);
        deliver(&b);
        CHECK_INT(poll_once(s, &b), 0);
        CHECK(pool_full());
        P->task_stop(s);
        CHECK(pool_full());
        pool_setup(POOL_BUFS, POOL_BUF_SIZE);
        ctx_free(&ctx);
}

static void test_iobuf_read_error(void)
{
        const char *path = path_of("eio");
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        char errstr[256] = "", want[300];
        void *s;

        write_file(path, "w", "a\n", 2);
        s = start_ok(&ctx, path, "tail", NULL);
        pool_read_error = EIO;
        batch_init(&b, 100);
        CHECK_INT(P->source_poll(s, &b, errstr, sizeof(errstr)), -EIO);
        snprintf(want, sizeof(want), "Error reading %s: %s", path,
                 strerror(EIO));
        CHECK_STR(errstr, want);
        CHECK_INT(b.n, 0);
        pool_read_error = 0;
        P->task_stop(s);
        CHECK(pool_full());
        ctx_free(&ctx);
}

/* ------------------------------------------------- file.allowed.paths */

static sl_config_errors_t validate_file(const char *file)
{
        sl_config_errors_t errs = {0};
        sl_strmap_t *cfg = sl_strmap_new();

        if (file)
                sl_strmap_set(cfg, "file", file);
        sl_strmap_set(cfg, "topic", "t");
        CHECK(P->validate != NULL);
        if (P->validate)
                P->validate(cfg, &errs);
        sl_strmap_destroy(cfg);
        return errs;
}

/* Refused at validation (naming the key and the paths) and by the task,
 * which never reads a byte of it. */
static void check_refused(const char *file, const char *why)
{
        sl_config_errors_t errs = validate_file(file);
        sl_task_ctx_t ctx = {0};
        char errstr[256];
        void *s;
        int r;

        CHECK_INT(errs.n, 1);
        CHECK_STR(errs.key[0], "file");
        CHECK(strstr(errs.msg[0], "file.allowed.paths") != NULL);
        CHECK(strstr(errs.msg[0], allowed_paths) != NULL);
        CHECK(strstr(errs.msg[0], why) != NULL);
        s = start(&ctx, file, "bulk", NULL, errstr, &r);
        CHECK(r < 0);
        CHECK(s == NULL);
        CHECK(strstr(errstr, why) != NULL);
        if (s)
                P->task_stop(s);
        ctx_free(&ctx);
}

static void test_allowed_paths(void)
{
        char in[96], out[96], file[256], link[256], secret[256];
        sl_config_errors_t errs;
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t b;
        char errstr[256];
        void *s;
        int r;

        snprintf(in, sizeof(in), "%s/allowed", tmpdir);
        snprintf(out, sizeof(out), "%s/elsewhere", tmpdir);
        mkdir(in, 0755);
        mkdir(out, 0755);
        snprintf(secret, sizeof(secret), "%s/secret.txt", out);
        write_file(secret, "w", "secret\n", 7);
        allowed_paths = in;

        /* inside */
        snprintf(file, sizeof(file), "%s/lines.txt", in);
        write_file(file, "w", "a\nb\n", 4);
        errs = validate_file(file);
        CHECK_INT(errs.n, 0);
        s = start_ok(&ctx, file, "bulk", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 2);
        deliver(&b);
        P->task_stop(s);

        /* outside, ../, a link to a file outside, a directory link */
        check_refused(secret, "is outside the allowed paths");
        snprintf(file, sizeof(file), "%s/../elsewhere/secret.txt", in);
        check_refused(file, "is outside the allowed paths");
        snprintf(link, sizeof(link), "%s/link.txt", in);
        CHECK(symlink(secret, link) == 0);
        check_refused(link, "is outside the allowed paths");
        snprintf(link, sizeof(link), "%s/dir", in);
        CHECK(symlink(out, link) == 0);
        snprintf(file, sizeof(file), "%s/dir/secret.txt", in);
        check_refused(file, "is outside the allowed paths");

        /* tailing a file that does not exist yet: accepted, and when a
         * link to a file outside shows up there, the task fails instead
         * of reading it */
        snprintf(file, sizeof(file), "%s/later.txt", in);
        errs = validate_file(file);
        CHECK_INT(errs.n, 0);
        s = start_ok(&ctx, file, "tail", NULL);
        batch_init(&b, 100);
        CHECK_INT(poll_once(s, &b), 0);
        CHECK(symlink(secret, file) == 0);
        r = P->source_poll(s, &b, errstr, sizeof(errstr));
        CHECK(r < 0);
        CHECK_INT(b.n, 0);
        CHECK(strstr(errstr, "file.allowed.paths") != NULL);
        P->task_stop(s);
        ctx_free(&ctx);

        /* stdin is the worker's own input: refused while restricted */
        errs = validate_file(NULL);
        CHECK_INT(errs.n, 1);
        CHECK(strstr(errs.msg[0], "standard input") != NULL);
        s = start(&ctx, NULL, "tail", NULL, errstr, &r);
        CHECK(r < 0);
        CHECK(s == NULL);
        CHECK(strstr(errstr, "file.allowed.paths") != NULL);

        allowed_paths = NULL;
        errs = validate_file(secret);
        CHECK_INT(errs.n, 0);
        errs = validate_file(NULL);
        CHECK_INT(errs.n, 0);
        ctx_free(&ctx);
}

static const sl_config_def_t *find_def(const char *name)
{
        for (const sl_config_def_t *d = P->config; d->name; d++)
                if (!strcmp(d->name, name))
                        return d;
        return NULL;
}

static void test_config_and_task_configs(void)
{
        const sl_config_def_t *topic = find_def("topic");
        const sl_config_def_t *bs = find_def("batch.size");
        const sl_config_def_t *mode = find_def("mode");
        sl_strmap_t *cfg = sl_strmap_new(), *tc[3];
        char errstr[128] = "";

        CHECK_STR(P->class_name,
                  "org.apache.kafka.connect.file.FileStreamSourceConnector");
        CHECK(P->type == SL_CONNECTOR_SOURCE);
        CHECK(find_def("file") && find_def("file")->default_value == NULL);
        CHECK(topic && (topic->flags & SL_CFG_REQUIRED));
        CHECK(topic && topic->validator("topic", "a,b", errstr, 128) < 0);
        CHECK_STR(errstr, "Only a single topic is allowed");
        CHECK(topic && topic->validator("topic", "ab", errstr, 128) == 0);
        CHECK(bs && !strcmp(bs->default_value, "2000") && bs->min == 1);
        CHECK(mode && !strcmp(mode->default_value, "tail"));

        sl_strmap_set(cfg, "topic", "t");
        sl_strmap_set(cfg, "file", "/x");
        for (int i = 0; i < 3; i++)
                tc[i] = sl_strmap_new();
        CHECK_INT(P->task_configs(cfg, 3, tc, errstr, 128), 1);
        CHECK(sl_strmap_equal(cfg, tc[0]));
        for (int i = 0; i < 3; i++)
                sl_strmap_destroy(tc[i]);
        sl_strmap_destroy(cfg);
}

int main(void)
{
        char cmd[128];
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl_fsrc_XXXXXX");
        if (!mkdtemp(tmpdir))
                return 2;
        sl_log_set_level(SL_LOG_ERROR);
        pool_setup(POOL_BUFS, POOL_BUF_SIZE);
        RUN(test_line_terminators);
        RUN(test_cr_at_end_waits);
        RUN(test_line_across_chunk_boundary);
        RUN(test_line_longer_than_chunk);
        RUN(test_resume_from_offset);
        RUN(test_file_shorter_than_offset);
        RUN(test_batch_size_and_room);
        RUN(test_bulk_final_unterminated_line);
        RUN(test_tail_picks_up_appends);
        RUN(test_zero_copy_and_release);
        RUN(test_missing_file);
        RUN(test_read_error);
        RUN(test_stdin);
        RUN(test_iobuf_zero_copy);
        RUN(test_backpressure);
        RUN(test_no_iobuf_outside_shard);
        RUN(test_partial_line_across_iobufs);
        RUN(test_line_longer_than_iobuf);
        RUN(test_idle_tail_returns_iobuf);
        RUN(test_iobuf_read_error);
        RUN(test_allowed_paths);
        RUN(test_config_and_task_configs);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        pool_setup(0, 0);
        if (system(cmd) != 0)
                return 2;
        TEST_MAIN_END();
}
