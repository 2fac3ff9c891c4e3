/* FileStreamSink task: one value per line, errors reported, not dropped;
 * a full disk retried without partial lines; files confined to the
 * worker's file.allowed.paths. The host's IO functions are faked; the fake
 * writev records what it was given and can run out of space. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "file/file.h"
#include "sl_test.h"

/* ------------------------------------------------------------- fakes */

/* Weak so the real implementations win when linked in. Booleans fail, so
 * a format error can be tested; named bytes stand for a Decimal. */
__attribute__((weak)) int sl_data_to_string(const sl_data_t *d, sl_buf_t *out)
{
        const sl_json_t *v = d->value;
        if (!v || v->type == SL_JSON_NULL)
                return sl_buf_puts(out, "null");
        if (v->type == SL_JSON_STRING)
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        if (v->type == SL_JSON_INT)
                return sl_buf_printf(out, "%lld", (long long)v->u.i);
        if (v->type == SL_JSON_BYTES && sl_json_object_get(d->schema, "name"))
                return sl_buf_printf(out, "decimal(%zu bytes)", v->u.str.len);
        if (v->type == SL_JSON_BYTES)
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        return SL_ERR_CONVERT;
}

#define MAX_IOVS 16384

static struct iovec written[MAX_IOVS]; /* every iovec given to writev */
static size_t nwritten;
static int writev_calls, max_iovcnt, syncs;
static size_t short_writes; /* > 0: write at most this many bytes a call */
/* A disk that fills: writes stop after space_left bytes, then fail with
 * full_errno (as a kernel writes what fits, then reports the error). */
static size_t space_left = SIZE_MAX;
static int full_errno = ENOSPC;
static int64_t retry_ms = -1;   /* last sl_task_sink_retry_after */
static const char *allowed_paths; /* the worker's file.allowed.paths */

static void fake_reset(void)
{
        nwritten = 0;
        writev_calls = max_iovcnt = syncs = 0;
        short_writes = 0;
        space_left = SIZE_MAX;
        full_errno = ENOSPC;
        retry_ms = -1;
}

const char *sl_host_config_get(const char *key)
{
        return !strcmp(key, "file.allowed.paths") ? allowed_paths : NULL;
}

const char *sl_task_connector(const sl_task_ctx_t *ctx)
{
        (void)ctx;
        return "sink-test";
}

int sl_task_id(const sl_task_ctx_t *ctx)
{
        (void)ctx;
        return 0;
}

void sl_task_sink_retry_after(sl_task_ctx_t *ctx, int64_t ms)
{
        (void)ctx;
        retry_ms = ms;
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

/* writev of at most space_left bytes of iov: bytes written, or -errno
 * when nothing fits. */
static ssize_t writev_limited(int fd, const struct iovec *iov, int iovcnt)
{
        struct iovec part[IOV_MAX];
        size_t left = space_left;
        int n = 0;
        ssize_t w;

        if (space_left == 0)
                return -full_errno;
        for (int i = 0; i < iovcnt && left > 0; i++, n++) {
                part[n] = iov[i];
                if (part[n].iov_len > left)
                        part[n].iov_len = left;
                left -= part[n].iov_len;
        }
        w = writev(fd, part, n);
        if (w < 0)
                return -errno;
        space_left -= (size_t)w;
        return w;
}

ssize_t sl_task_writev(sl_task_ctx_t *ctx, int fd, const struct iovec *iov,
                       int iovcnt)
{
        struct iovec part[IOV_MAX];
        size_t left = short_writes;
        int n = 0;
        ssize_t w;

        (void)ctx;
        CHECK(iovcnt > 0 && iovcnt <= IOV_MAX);
        if (iovcnt <= 0 || iovcnt > IOV_MAX)
                return -EINVAL;
        writev_calls++;
        if (iovcnt > max_iovcnt)
                max_iovcnt = iovcnt;
        for (int i = 0; i < iovcnt && nwritten < MAX_IOVS; i++)
                written[nwritten++] = iov[i];
        if (space_left != SIZE_MAX) {
                /* the host's writev resumes short writes until an error */
                size_t total = 0, done = 0;
                for (int i = 0; i < iovcnt; i++)
                        total += iov[i].iov_len;
                while (done < total) {
                        struct iovec rest[IOV_MAX];
                        size_t skip = done;
                        int m = 0;
                        for (int i = 0; i < iovcnt; i++) {
                                if (skip >= iov[i].iov_len) {
                                        skip -= iov[i].iov_len;
                                        continue;
                                }
                                rest[m].iov_base = (char *)iov[i].iov_base + skip;
                                rest[m++].iov_len = iov[i].iov_len - skip;
                                skip = 0;
                        }
                        w = writev_limited(fd, rest, m);
                        if (w < 0)
                                return w;
                        done += (size_t)w;
                }
                return (ssize_t)total;
        }
        if (!short_writes) {
                w = writev(fd, iov, iovcnt);
                return w < 0 ? -errno : w;
        }
        for (int i = 0; i < iovcnt && left > 0; i++, n++) {
                part[n] = iov[i];
                if (part[n].iov_len > left)
                        part[n].iov_len = left;
                left -= part[n].iov_len;
        }
        w = writev(fd, part, n);
        return w < 0 ? -errno : w;
}

int sl_task_fdatasync(sl_task_ctx_t *ctx, int fd)
{
        (void)ctx;
        syncs++;
        return fdatasync(fd) == 0 ? 0 : -errno;
}

/* The iovec given to writev that starts at p, or NULL. */
static const struct iovec *written_at(const void *p)
{
        for (size_t i = 0; i < nwritten; i++)
                if (written[i].iov_base == p)
                        return &written[i];
        return NULL;
}

__attribute__((weak)) const char *sl_config_str(const sl_strmap_t *cfg,
                                                const char *key)
{
        return sl_strmap_get(cfg, key);
}

/* --------------------------------------------------------- harness */

static const sl_connector_plugin_t *P = &sl_file_sink_plugin;
static char tmpdir[64];

static char *path_of(const char *name)
{
        static char buf[128];
        snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
        return buf;
}

static void *start(const char *path, char *errstr, int *rp)
{
        sl_strmap_t *cfg = sl_strmap_new();
        void *state = NULL;
        if (path)
                sl_strmap_set(cfg, "file", path);
        sl_strmap_set(cfg, "topics", "t");
        errstr[0] = '\0';
        *rp = P->task_start(NULL, cfg, &state, errstr, 512);
        sl_strmap_destroy(cfg);
        return state;
}

static char *slurp_n(const char *path, size_t cap, size_t *lenp)
{
        FILE *f = fopen(path, "r");
        char *buf = calloc(1, cap);
        size_t n = 0;
        if (f) {
                n = fread(buf, 1, cap - 1, f);
                buf[n] = '\0';
                fclose(f);
        }
        if (lenp)
                *lenp = n;
        return buf;
}

static char *slurp(const char *path)
{
        return slurp_n(path, 4096, NULL);
}

static sl_sink_record_t rec_of(const sl_json_t *v)
{
        return (sl_sink_record_t){.topic = "t", .offset = 7, .timestamp = -1,
                                  .value = {.value = v}};
}

/* ----------------------------------------------------------- tests */

static void test_writes_value_and_newline(void)
{
        const char *path = path_of("out");
        sl_json_t a = SL_JSON_STRING_REF("alpha", 5);
        sl_json_t empty = SL_JSON_STRING_REF("", 0);
        sl_json_t jnull = {.type = SL_JSON_NULL};
        sl_sink_record_t recs[4] = {rec_of(&a), rec_of(NULL), rec_of(&empty),
                                    rec_of(&jnull)};
        char errstr[512];
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        CHECK_INT(P->sink_put(s, recs, 4, errstr, sizeof(errstr)), 0);
        /* Visible before flush: one write per put. */
        got = slurp(path);
        CHECK_STR(got, "alpha\nnull\n\nnull\n");
        free(got);
        CHECK_INT(P->sink_put(s, recs, 1, errstr, sizeof(errstr)), 0);
        CHECK_INT(P->sink_put(s, recs, 0, errstr, sizeof(errstr)), 0);
        CHECK_INT(P->sink_flush(s, errstr, sizeof(errstr)), 0);
        P->task_stop(s);
        got = slurp(path);
        CHECK_STR(got, "alpha\nnull\n\nnull\nalpha\n");
        free(got);
}

static void test_appends_to_existing_file(void)
{
        const char *path = path_of("existing");
        sl_json_t v = SL_JSON_STRING_REF("new", 3);
        sl_sink_record_t rec = rec_of(&v);
        FILE *f = fopen(path, "w");
        char errstr[512], *got;
        void *s;
        int r;

        fputs("old\n", f);
        fclose(f);
        s = start(path, errstr, &r);
        CHECK_INT(r, 0);
        CHECK_INT(P->sink_put(s, &rec, 1, errstr, sizeof(errstr)), 0);
        P->task_stop(s);
        got = slurp(path);
        CHECK_STR(got, "old\nnew\n");
        free(got);
}

static void test_write_error_reported(void)
{
        sl_json_t v = SL_JSON_STRING_REF("lost?", 5);
        sl_sink_record_t rec = rec_of(&v);
        char errstr[512] = "";
        int r;
        void *s = start("/dev/full", errstr, &r);
        char want[256];

        fake_reset();
        CHECK_INT(r, 0);
        r = P->sink_put(s, &rec, 1, errstr, sizeof(errstr));
        CHECK_INT(r, -ENOSPC);
        CHECK(strstr(errstr, "/dev/full") != NULL);
        CHECK(strstr(errstr, strerror(ENOSPC)) != NULL);
        snprintf(want, sizeof(want), "Error writing to /dev/full: %s",
                 strerror(ENOSPC));
        CHECK_STR(errstr, want);
        CHECK_INT(writev_calls, 1);
        CHECK_INT(P->sink_flush(s, errstr, sizeof(errstr)), 0);
        CHECK_INT(syncs, 0); /* not a regular file: nothing to sync */
        P->task_stop(s);
}

static void test_format_error_reported(void)
{
        const char *path = path_of("fmt");
        sl_json_t bad = {.type = SL_JSON_BOOL, .u.b = true};
        sl_sink_record_t rec = rec_of(&bad);
        char errstr[512] = "";
        sl_buf_t probe = SL_BUF_INIT;
        void *s = start(path, errstr, &(int){0});
        int r = sl_data_to_string(&rec.value, &probe);

        sl_json_t ok = SL_JSON_STRING_REF("ok", 2);
        sl_sink_record_t recs[2] = {rec_of(&ok), rec};
        char *got;

        sl_buf_free(&probe);
        if (r >= 0) { /* the real sl_data_to_string formats booleans */
                P->task_stop(s);
                return;
        }
        fake_reset();
        r = P->sink_put(s, recs, 2, errstr, sizeof(errstr));
        CHECK(r < 0);
        CHECK(strstr(errstr, "t-0@7") != NULL);
        CHECK_INT(writev_calls, 0); /* nothing of the put is written */
        P->task_stop(s);
        got = slurp(path);
        CHECK_STR(got, "");
        free(got);
}

/* STRING and BYTES values go to writev as they are, followed by the shared
 * newline; nothing is copied. */
static void test_strings_not_copied(void)
{
        const char *path = path_of("zc");
        static const char text[] = "hello world", raw[] = {'b', 0, 'y'};
        sl_json_t a = SL_JSON_STRING_REF(text, 11);
        sl_json_t b = SL_JSON_BYTES_REF(raw, 3);
        sl_json_t e = SL_JSON_STRING_REF("", 0);
        sl_sink_record_t recs[3] = {rec_of(&a), rec_of(&b), rec_of(&e)};
        const struct iovec *io;
        char errstr[512];
        size_t len;
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        fake_reset();
        CHECK_INT(P->sink_put(s, recs, 3, errstr, sizeof(errstr)), 0);
        CHECK_INT(writev_calls, 1);
        io = written_at(text);
        CHECK(io != NULL && io->iov_len == 11);
        io = written_at(raw);
        CHECK(io != NULL && io->iov_len == 3);
        for (size_t i = 0; i < nwritten; i++) /* the rest: newlines */
                if (written[i].iov_base != text && written[i].iov_base != raw)
                        CHECK(written[i].iov_len == 1 &&
                              *(const char *)written[i].iov_base == '\n');
        CHECK_INT(nwritten, 5); /* an empty value adds only its newline */
        CHECK_INT(P->sink_flush(s, errstr, sizeof(errstr)), 0);
        CHECK_INT(syncs, 1);
        P->task_stop(s);
        got = slurp_n(path, 4096, &len);
        CHECK_INT(len, 17);
        CHECK(memcmp(got, "hello world\nb\0y\n\n", 17) == 0);
        free(got);
}

/* Other values are formatted into a scratch buffer that grows (and moves)
 * during the put; their iovecs must point at its final place. */
static void test_formatted_values(void)
{
        enum { N = 3000 };
        const char *path = path_of("fmtd");
        static const char dec_bytes[] = {0x01, 0x02};
        sl_json_t *ints = calloc(N, sizeof(*ints));
        sl_json_t str = SL_JSON_STRING_REF("s", 1);
        sl_json_t dec = SL_JSON_BYTES_REF(dec_bytes, 2);
        static const char dec_json[] =
                "{\"type\":\"bytes\",\"name\":"
                "\"org.apache.kafka.connect.data.Decimal\"}";
        sl_json_t *dec_schema = sl_json_parse(dec_json, sizeof(dec_json) - 1,
                                              NULL, 0);
        sl_sink_record_t *recs = calloc(N, sizeof(*recs));
        sl_buf_t want = SL_BUF_INIT;
        char errstr[512];
        size_t len;
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        CHECK(dec_schema != NULL);
        for (int i = 0; i < N; i++) {
                ints[i] = (sl_json_t){.type = SL_JSON_INT,
                                      .u.i = 1000000000LL * i};
                if (i % 3 == 2) {
                        recs[i] = rec_of(&str);
                        sl_buf_puts(&want, "s\n");
                } else if (i == 1) {
                        recs[i] = rec_of(&dec);
                        recs[i].value.schema = dec_schema;
                        sl_buf_puts(&want, "decimal(2 bytes)\n");
                } else if (i == 4) {
                        recs[i] = rec_of(NULL);
                        sl_buf_puts(&want, "null\n");
                } else {
                        recs[i] = rec_of(&ints[i]);
                        sl_buf_printf(&want, "%lld\n",
                                      (long long)ints[i].u.i);
                }
        }
        fake_reset();
        CHECK_INT(P->sink_put(s, recs, N, errstr, sizeof(errstr)), 0);
        CHECK(written_at(dec_bytes) == NULL); /* a Decimal is formatted */
        CHECK(written_at(str.u.str.ptr) != NULL);
        P->task_stop(s);
        got = slurp_n(path, want.len + 16, &len);
        CHECK_INT(len, want.len);
        CHECK(len == want.len && memcmp(got, want.data, len) == 0);
        free(got);
        sl_buf_free(&want);
        sl_json_free(dec_schema);
        free(recs);
        free(ints);
}

/* A put of more lines than one writev takes is written in several calls,
 * none above IOV_MAX, in order. */
static void test_large_put_batched(void)
{
        enum { N = 5000 };
        const char *path = path_of("large");
        sl_json_t *vals = calloc(N, sizeof(*vals));
        sl_sink_record_t *recs = calloc(N, sizeof(*recs));
        char (*text)[8] = calloc(N, sizeof(*text));
        sl_buf_t want = SL_BUF_INIT;
        char errstr[512];
        size_t len;
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        for (int i = 0; i < N; i++) {
                int n = snprintf(text[i], sizeof(text[i]), "%d", i);
                vals[i] = SL_JSON_STRING_REF(text[i], (size_t)n);
                recs[i] = rec_of(&vals[i]);
                sl_buf_printf(&want, "%d\n", i);
        }
        fake_reset();
        CHECK_INT(P->sink_put(s, recs, N, errstr, sizeof(errstr)), 0);
        CHECK(writev_calls >= (2 * N + IOV_MAX - 1) / IOV_MAX);
        CHECK(max_iovcnt <= IOV_MAX);
        CHECK(written_at(text[N - 1]) != NULL);
        P->task_stop(s);
        got = slurp_n(path, want.len + 16, &len);
        CHECK_INT(len, want.len);
        CHECK(len == want.len && memcmp(got, want.data, len) == 0);
        free(got);
        sl_buf_free(&want);
        free(text);
        free(recs);
        free(vals);
}

/* A short count from writev is resumed, never dropped. */
static void test_short_writes_resumed(void)
{
        const char *path = path_of("short");
        sl_json_t a = SL_JSON_STRING_REF("abcdefghij", 10);
        sl_json_t n = {.type = SL_JSON_INT, .u.i = 123456};
        sl_json_t c = SL_JSON_STRING_REF("xy", 2);
        sl_sink_record_t recs[4] = {rec_of(&a), rec_of(&n), rec_of(NULL),
                                    rec_of(&c)};
        char errstr[512];
        char *got;
        int r;
        void *s = start(path, errstr, &r);

        CHECK_INT(r, 0);
        fake_reset();
        short_writes = 3;
        CHECK_INT(P->sink_put(s, recs, 4, errstr, sizeof(errstr)), 0);
        CHECK_INT(writev_calls, 9); /* 26 bytes, 3 at a time */
        short_writes = 0;
        P->task_stop(s);
        got = slurp(path);
        CHECK_STR(got, "abcdefghij\n123456\nnull\nxy\n");
        free(got);
}

static void test_open_error(void)
{
        char errstr[512];
        int r;
        void *s = start("/nonexistent-dir/x/out.txt", errstr, &r);

        CHECK_INT(r, -ENOENT);
        CHECK(s == NULL);
        CHECK(strstr(errstr, "/nonexistent-dir/x/out.txt") != NULL);
        CHECK(strstr(errstr, strerror(ENOENT)) != NULL);
}

/* ------------------------------------------------------ disk full */

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (!f)
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

/* The disk fills in the middle of a put: the file is cut back to where
 * the put began (no partial line), the put is retriable with a growing
 * back-off, and once there is room the same records are written once. */
static void test_disk_full_retried_without_partial_line(void)
{
        const char *path = path_of("full");
        sl_json_t a = SL_JSON_STRING_REF("alpha", 5);
        sl_json_t b = SL_JSON_STRING_REF("beta", 4);
        sl_json_t n = {.type = SL_JSON_INT, .u.i = 42};
        sl_sink_record_t recs[3] = {rec_of(&a), rec_of(&b), rec_of(&n)};
        char errstr[512], *got;
        int64_t first;
        void *s;
        int r;

        write_text(path, "old\n");
        s = start(path, errstr, &r);
        CHECK_INT(r, 0);
        fake_reset();
        space_left = 8; /* "alpha
be" fits, the rest does not */
        r = P->sink_put(s, recs, 3, errstr, sizeof(errstr));
        CHECK_INT(r, SL_ERR_RETRIABLE);
        CHECK(strstr(errstr, strerror(ENOSPC)) != NULL);
        CHECK(strstr(errstr, path) != NULL);
        got = slurp(path);
        CHECK_STR(got, "old\n"); /* not "old\nalpha\nbe" */
        free(got);
        first = retry_ms;
        CHECK(first > 0);

        /* still full: longer wait, still nothing half-written */
        space_left = 3;
        CHECK_INT(P->sink_put(s, recs, 3, errstr, sizeof(errstr)),
                  SL_ERR_RETRIABLE);
        CHECK(retry_ms > first);
        got = slurp(path);
        CHECK_STR(got, "old\n");
        free(got);

        /* space freed: the retried put lands whole, once */
        space_left = SIZE_MAX;
        CHECK_INT(P->sink_put(s, recs, 3, errstr, sizeof(errstr)), 0);
        CHECK_INT(P->sink_flush(s, errstr, sizeof(errstr)), 0);
        got = slurp(path);
        CHECK_STR(got, "old\nalpha\nbeta\n42\n");
        free(got);

        /* the back-off starts over for the next full disk */
        space_left = 0;
        CHECK_INT(P->sink_put(s, recs, 1, errstr, sizeof(errstr)),
                  SL_ERR_RETRIABLE);
        CHECK_INT(retry_ms, first);
        space_left = SIZE_MAX;
        P->task_stop(s);
}

/* A quota or the file size limit is retried like a full disk. */
static void test_quota_and_file_size_limit_retried(void)
{
        const int errs[] = {EDQUOT, EFBIG};
        sl_json_t a = SL_JSON_STRING_REF("alpha", 5);
        sl_sink_record_t rec = rec_of(&a);
        char errstr[512], *got;

        for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
                const char *path = path_of(i ? "efbig" : "edquot");
                void *s;
                int r;

                unlink(path);
                s = start(path, errstr, &r);
                CHECK_INT(r, 0);
                fake_reset();
                space_left = 2;
                full_errno = errs[i];
                CHECK_INT(P->sink_put(s, &rec, 1, errstr, sizeof(errstr)),
                          SL_ERR_RETRIABLE);
                CHECK(strstr(errstr, strerror(errs[i])) != NULL);
                got = slurp(path);
                CHECK_STR(got, "");
                free(got);
                fake_reset();
                P->task_stop(s);
        }
}

/* Other write errors fail the task, but leave no partial line either. */
static void test_io_error_fails_without_partial_line(void)
{
        const char *path = path_of("eio");
        sl_json_t a = SL_JSON_STRING_REF("alpha", 5);
        sl_sink_record_t rec = rec_of(&a);
        char errstr[512], *got;
        void *s;
        int r;

        write_text(path, "old\n");
        s = start(path, errstr, &r);
        CHECK_INT(r, 0);
        fake_reset();
        space_left = 3;
        full_errno = EIO;
        CHECK_INT(P->sink_put(s, &rec, 1, errstr, sizeof(errstr)), -EIO);
        CHECK_INT(retry_ms, -1);
        got = slurp(path);
        CHECK_STR(got, "old\n");
        free(got);
        fake_reset();
        P->task_stop(s);
}

/* ------------------------------------------------- file.allowed.paths */

static sl_config_errors_t validate_file(const char *file)
{
        sl_config_errors_t errs = {0};
        sl_strmap_t *cfg = sl_strmap_new();

        if (file)
                sl_strmap_set(cfg, "file", file);
        sl_strmap_set(cfg, "topics", "t");
        CHECK(P->validate != NULL);
        if (P->validate)
                P->validate(cfg, &errs);
        sl_strmap_destroy(cfg);
        return errs;
}

static void check_refused(const char *file, const char *why)
{
        sl_config_errors_t errs = validate_file(file);
        char errstr[512];
        void *s;
        int r;

        CHECK_INT(errs.n, 1);
        CHECK_STR(errs.key[0], "file");
        CHECK(strstr(errs.msg[0], "file.allowed.paths") != NULL);
        CHECK(strstr(errs.msg[0], allowed_paths) != NULL);
        if (!strstr(errs.msg[0], why))
                fprintf(stderr, "message: %s\n", errs.msg[0]);
        CHECK(strstr(errs.msg[0], why) != NULL);
        s = start(file, errstr, &r);
        CHECK(r < 0);
        CHECK(s == NULL);
        if (!strstr(errstr, "file.allowed.paths"))
                fprintf(stderr, "start: %s\n", errstr);
        CHECK(strstr(errstr, "file.allowed.paths") != NULL);
        if (s)
                P->task_stop(s);
}

static void test_allowed_paths(void)
{
        char in[96], out[96], file[256], esc[256], link[256], target[256];
        sl_config_errors_t errs;
        struct stat st;
        char errstr[512];
        void *s;
        int r;

        snprintf(in, sizeof(in), "%s/allowed", tmpdir);
        snprintf(out, sizeof(out), "%s/elsewhere", tmpdir);
        mkdir(in, 0755);
        mkdir(out, 0755);
        allowed_paths = in;

        /* inside: fine, at validation and when opened */
        snprintf(file, sizeof(file), "%s/sink.txt", in);
        errs = validate_file(file);
        CHECK_INT(errs.n, 0);
        s = start(file, errstr, &r);
        CHECK_INT(r, 0);
        CHECK(stat(file, &st) == 0);
        P->task_stop(s);
        /* a relative path resolves from the working directory */
        CHECK(chdir(in) == 0);
        errs = validate_file("rel.txt");
        CHECK_INT(errs.n, 0);
        CHECK(chdir("/") == 0);

        /* outside, a ../ escape, a link out (to a directory, to a file,
         * and one whose target does not exist yet) */
        snprintf(file, sizeof(file), "%s/sink.txt", out);
        check_refused(file, "is outside the allowed paths");
        CHECK(stat(file, &st) < 0); /* nothing created outside */
        snprintf(esc, sizeof(esc), "%s/../elsewhere/esc.txt", in);
        check_refused(esc, "is outside the allowed paths");
        snprintf(link, sizeof(link), "%s/dirlink", in);
        CHECK(symlink(out, link) == 0);
        snprintf(file, sizeof(file), "%s/dirlink/x.txt", in);
        check_refused(file, "is outside the allowed paths");
        snprintf(target, sizeof(target), "%s/victim.txt", out);
        write_text(target, "keep\n");
        snprintf(link, sizeof(link), "%s/filelink", in);
        CHECK(symlink(target, link) == 0);
        check_refused(link, "is outside the allowed paths");
        snprintf(target, sizeof(target), "%s/new.txt", out);
        snprintf(link, sizeof(link), "%s/dangling", in);
        CHECK(symlink(target, link) == 0);
        check_refused(link, "symbolic link");
        CHECK(stat(target, &st) < 0);

        /* stdout is the worker's own output: refused while restricted */
        errs = validate_file(NULL);
        CHECK_INT(errs.n, 1);
        CHECK(strstr(errs.msg[0], "standard output") != NULL);
        s = start(NULL, errstr, &r);
        CHECK(r < 0);
        CHECK(strstr(errstr, "file.allowed.paths") != NULL);

        /* several directories; a relative one is a configuration error */
        snprintf(file, sizeof(file), "%s, %s", in, out);
        allowed_paths = file;
        snprintf(target, sizeof(target), "%s/ok.txt", out);
        errs = validate_file(target);
        CHECK_INT(errs.n, 0);
        allowed_paths = "relative/dir";
        errs = validate_file(target);
        CHECK_INT(errs.n, 1);
        CHECK(strstr(errs.msg[0], "not an absolute path") != NULL);

        /* unset or empty: anything goes, stdout too (Kafka's behaviour) */
        allowed_paths = "";
        errs = validate_file(NULL);
        CHECK_INT(errs.n, 0);
        allowed_paths = NULL;
        errs = validate_file("/tmp/anything");
        CHECK_INT(errs.n, 0);
}

static void test_task_configs(void)
{
        sl_strmap_t *cfg = sl_strmap_new(), *tc[4];
        char errstr[64];

        CHECK_STR(P->class_name,
                  "org.apache.kafka.connect.file.FileStreamSinkConnector");
        CHECK(P->type == SL_CONNECTOR_SINK);
        CHECK_STR(P->config[0].name, "file");
        CHECK(P->config[0].default_value == NULL);
        CHECK(P->config[1].name == NULL);
        sl_strmap_set(cfg, "file", "/tmp/x");
        sl_strmap_set(cfg, "topics", "a,b");
        for (int i = 0; i < 4; i++)
                tc[i] = sl_strmap_new();
        /* like Kafka's: tasks.max identical tasks sharing the partitions */
        CHECK_INT(P->task_configs(cfg, 4, tc, errstr, sizeof(errstr)), 4);
        for (int i = 0; i < 4; i++)
                CHECK(sl_strmap_equal(cfg, tc[i]));
        for (int i = 0; i < 4; i++)
                sl_strmap_destroy(tc[i]);
        sl_strmap_destroy(cfg);
}

int main(void)
{
        char cmd[128];
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl_fsink_XXXXXX");
        if (!mkdtemp(tmpdir))
                return 2;
        sl_log_set_level(SL_LOG_ERROR);
        RUN(test_writes_value_and_newline);
        RUN(test_appends_to_existing_file);
        RUN(test_write_error_reported);
        RUN(test_format_error_reported);
        RUN(test_strings_not_copied);
        RUN(test_formatted_values);
        RUN(test_large_put_batched);
        RUN(test_short_writes_resumed);
        RUN(test_open_error);
        RUN(test_disk_full_retried_without_partial_line);
        RUN(test_quota_and_file_size_limit_retried);
        RUN(test_io_error_fails_without_partial_line);
        RUN(test_allowed_paths);
        RUN(test_task_configs);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
                return 2;
        TEST_MAIN_END();
}
