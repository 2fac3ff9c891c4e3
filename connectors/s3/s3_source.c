/*
 * S3 source (Confluent's io.confluent.connect.s3.source.S3SourceConnector
 * in backup-and-restore mode): reads back what the S3 sink wrote,
 *
 *   <topics.dir>/<topic>/partition=<p>/<topic>+<p>+<start offset>.<ext>[.zst]
 *   (with directory.delim for "/" and file.delim for "+")
 *
 * and produces every record to the topic and partition it came from, the
 * objects of a partition in start-offset order. Only objects of the
 * configured format.class are read (json for JsonFormat, bin for
 * ByteArrayFormat); a ".zst" suffix means the object is one zstd stream.
 *
 * Partition folders are spread over the tasks by a stable hash of the
 * folder name, so every task can list the bucket by itself and a folder
 * that appears later still has exactly one owner. The listing is repeated
 * every s3.poll.interval.ms to pick up new objects and folders.
 *
 * Source partition {"folder": "<topics.dir>/<topic>/partition=<p>/"},
 * offset {"filename": <key>, "line": <records of that object produced>,
 * "eof": <all of them>}: a restart skips the objects before filename and
 * the first `line` records of it, so nothing is produced twice.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zstd.h>

#include "s3/s3.h"
#include "s3/s3_client.h"
#include "s3/s3_int.h"

#define S3_SOURCE_VERSION "1.0.0"
#define LOGGER "S3SourceTask"
#define S3_SRC_LIST_PAGE 1000
#define TASK_INDEX_KEY "s3.source.task.index"
#define TASK_COUNT_KEY "s3.source.task.count"

/* ------------------------------------------------------------- config */

static int regex_validator(const char *name, const char *value, char *errstr,
                           size_t errstr_size)
{
        regex_t re;
        (void)name;
        int r = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
                char msg[128];
                regerror(r, &re, msg, sizeof(msg));
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "not a valid regular expression: %s", msg);
        }
        regfree(&re);
        return 0;
}

static const sl_config_def_t s3_source_config[] = {
        S3_CONFIG_CONNECTION_DEFS,
        S3_CONFIG_FORMAT_DEFS(7, s3_separator_nonempty_validator),
        {.name = "topics.regex", .type = SL_CFG_STRING, .importance = SL_CFG_MEDIUM,
         .documentation = "Restore only the topics whose whole name matches this POSIX "
                          "extended regular expression; all topics when not set.",
         .group = S3_GROUP_CONN, .order = 9, .validator = regex_validator,
         .display_name = "Topics regex"},
        {.name = "s3.poll.interval.ms", .type = SL_CFG_LONG, .default_value = "60000",
         .importance = SL_CFG_MEDIUM,
         .documentation = "How often to list the bucket for new objects once everything "
                          "listed has been produced.",
         .group = S3_GROUP_CONN, .order = 10, .flags = SL_CFG_MIN, .min = 1,
         .display_name = "S3 poll interval (ms)"},
        {.name = "record.batch.max.size", .type = SL_CFG_INT, .default_value = "200",
         .importance = SL_CFG_LOW,
         .documentation = "The most records one poll of a task returns.",
         .group = S3_GROUP_CONN, .order = 11, .flags = SL_CFG_MIN, .min = 1,
         .display_name = "Record batch max size"},
        S3_CONFIG_RETRY_DEFS(12),
        S3_CONFIG_DELIM_DEFS(14),
        {.name = NULL},
};

static void s3_source_validate(const sl_strmap_t *config, sl_config_errors_t *errs)
{
        const char *dir = sl_config_str(config, "topics.dir");
        const char *fdelim = sl_config_str(config, "file.delim");
        /* the objects are read below <topics.dir><directory.delim> */
        if (dir && !*dir)
                sl_config_error_add(errs, "topics.dir", "String must be non-empty");
        else if (dir && fdelim && *fdelim && strstr(dir, fdelim))
                sl_config_error_add(errs, "topics.dir",
                                    "'%s' (file.delim) separates the parts of object names "
                                    "and cannot appear in topics.dir", fdelim);
}

static int s3_source_task_configs(const sl_strmap_t *config, int max_tasks,
                                  sl_strmap_t **task_configs, char *errstr,
                                  size_t errstr_size)
{
        (void)config;
        for (int i = 0; i < max_tasks; i++) {
                char idx[16], cnt[16];
                snprintf(idx, sizeof(idx), "%d", i);
                snprintf(cnt, sizeof(cnt), "%d", max_tasks);
                if (sl_strmap_set(task_configs[i], TASK_INDEX_KEY, idx) < 0 ||
                    sl_strmap_set(task_configs[i], TASK_COUNT_KEY, cnt) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
        }
        return max_tasks < 0 ? 0 : max_tasks;
}

/* -------------------------------------------------------------- state */

typedef struct s3_pending {
        char *key;
        int64_t start; /* the start offset in its name */
} s3_pending_t;

/* One topic-partition folder this task restores. */
typedef struct s3_folder {
        char *topic;
        int32_t partition;
        char *prefix;           /* "<topics.dir>/<topic>/partition=<p>/" */
        sl_json_t *spart;       /* {"folder": prefix} */
        int64_t last_start;     /* objects starting at or before this are done */
        int64_t skip_start;     /* the object to resume mid-way, or -1 */
        int64_t skip_records;   /* records of it already produced */
        s3_pending_t *pend;     /* sorted by start, all > last_start */
        size_t npend, cap_pend;
        /* the object being produced */
        char *key;
        sl_buf_t data;          /* its decoded bytes */
        size_t *rec_off, *rec_len;
        size_t nrec, cap_rec, next_rec;
        bool loaded;
} s3_folder_t;

typedef struct s3_source {
        sl_task_ctx_t *ctx;
        s3_client_t *client;
        char *bucket;
        char *dir;   /* topics.dir without a trailing directory.delim */
        char *dd, *fd; /* directory.delim, file.delim */
        const char *ext; /* "json" or "bin" */
        bool json;
        sl_buf_t sep;
        bool has_regex;
        regex_t regex;
        int task_index, task_count;
        int64_t poll_interval_ms;
        size_t batch_max;
        /* transient failures in a row, and when to try again */
        s3_retry_t retry;
        int64_t retry_at;
        int64_t next_list; /* ms; 0: list now */
        s3_folder_t **fs;
        size_t nfs, cap_fs;
        size_t rr; /* round-robin start among folders */
        sl_json_t *bytes_schema;
        ZSTD_DCtx *zctx;
} s3_source_t;


static void folder_unload(s3_folder_t *f)
{
        free(f->key);
        f->key = NULL;
        sl_buf_free(&f->data);
        f->nrec = f->next_rec = 0;
        f->loaded = false;
}

static void folder_free(s3_folder_t *f)
{
        if (!f)
                return;
        folder_unload(f);
        free(f->rec_off);
        free(f->rec_len);
        for (size_t i = 0; i < f->npend; i++)
                free(f->pend[i].key);
        free(f->pend);
        sl_json_free(f->spart);
        free(f->topic);
        free(f->prefix);
        free(f);
}

static void s3_source_stop(void *state)
{
        s3_source_t *s = state;
        if (!s)
                return;
        for (size_t i = 0; i < s->nfs; i++)
                folder_free(s->fs[i]);
        free(s->fs);
        s3_client_destroy(s->client);
        free(s->bucket);
        free(s->dir);
        free(s->dd);
        free(s->fd);
        sl_buf_free(&s->sep);
        if (s->has_regex)
                regfree(&s->regex);
        sl_json_free(s->bytes_schema);
        ZSTD_freeDCtx(s->zctx);
        free(s);
}

static int s3_source_start(sl_task_ctx_t *ctx, const sl_strmap_t *config, void **statep,
                           char *errstr, size_t errstr_size)
{
        static const char bytes_schema[] = "{\"type\":\"bytes\",\"optional\":true}";
        s3_source_t *s = calloc(1, sizeof(*s));
        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
        s->ctx = ctx;
        const char *dir = sl_config_str(config, "topics.dir");
        const char *re = sl_config_str(config, "topics.regex");
        int rc = SL_ERR_NOMEM;

        s->json = s3_format_kind_of(config) == S3_FMT_JSON;
        s->ext = s->json ? "json" : "bin";
        s->task_index = (int)sl_config_long(config, TASK_INDEX_KEY, 0);
        s->task_count = (int)sl_config_long(config, TASK_COUNT_KEY, 1);
        if (s->task_count < 1 || s->task_index < 0 || s->task_index >= s->task_count) {
                s->task_count = 1;
                s->task_index = 0;
        }
        s->poll_interval_ms = sl_config_long(config, "s3.poll.interval.ms", 60000);
        s->batch_max = (size_t)sl_config_long(config, "record.batch.max.size", 200);
        s3_retry_init(&s->retry, config);
        if (s->batch_max < 1)
                s->batch_max = 1;
        const char *bucket = sl_config_str(config, "s3.bucket.name");
        s->bucket = strdup(bucket ? bucket : "");
        s->dir = strdup(dir && *dir ? dir : "topics");
        const char *dd = sl_config_str(config, "directory.delim");
        const char *fd = sl_config_str(config, "file.delim");
        s->dd = strdup(dd && *dd ? dd : "/");
        s->fd = strdup(fd && *fd ? fd : "+");
        s->bytes_schema = sl_json_parse(bytes_schema, sizeof(bytes_schema) - 1, NULL, 0);
        s->zctx = ZSTD_createDCtx();
        if (!s->bucket || !s->dir || !s->dd || !s->fd || !s->bytes_schema || !s->zctx)
                goto fail;
        for (size_t n = strlen(s->dir), dl = strlen(s->dd);
             n >= dl && !strcmp(s->dir + n - dl, s->dd); n -= dl)
                s->dir[n - dl] = '\0';
        if (s3_separator_of(config, false, &s->sep, errstr, errstr_size) < 0) {
                rc = SL_ERR_CONFIG;
                goto fail;
        }
        if (re && *re) {
                if (regcomp(&s->regex, re, REG_EXTENDED) != 0) {
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                       "Invalid regular expression in topics.regex: %s", re);
                        goto fail;
                }
                s->has_regex = true;
        }
        s->client = s3_client_from_config(ctx, config, errstr, errstr_size);
        if (!s->client) {
                rc = SL_ERR_CONFIG;
                goto fail;
        }
        sl_info(LOGGER, "S3 source task %d/%d restoring s3://%s/%s/ (%s objects)",
                s->task_index, s->task_count, s->bucket, s->dir, s->ext);
        *statep = s;
        return 0;
fail:
        if (rc == SL_ERR_NOMEM)
                sl_seterr(errstr, errstr_size, rc, "no memory");
        s3_source_stop(s);
        return rc;
}

/* --------------------------------------------------------- discovery */

/* FNV-1a: a hash that stays the same across processes and versions, so a
 * folder keeps its task through restarts. */
static uint32_t fnv1a(const char *s, size_t n)
{
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= 16777619u;
        }
        return h;
}

static bool parse_int(const char *p, size_t n, int64_t *out)
{
        if (n == 0 || n > 18)
                return false;
        int64_t v = 0;
        for (size_t i = 0; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return false;
                v = v * 10 + (p[i] - '0');
        }
        *out = v;
        return true;
}

typedef struct s3_name {
        const char *topic;
        size_t topic_len;
        int32_t partition;
        int64_t start;
        size_t prefix_len; /* the folder part of the key */
} s3_name_t;

/* Split key into the layout's parts; false for anything else in the
 * bucket (other formats, stray objects), which the source leaves alone. */
static bool parse_key(const s3_source_t *s, const char *key, s3_name_t *nm)
{
        const char *dd = s->dd, *fd = s->fd;
        size_t dl = strlen(s->dir), ddl = strlen(dd), fdl = strlen(fd);
        if (strncmp(key, s->dir, dl) != 0 || strncmp(key + dl, dd, ddl) != 0)
                return false;
        const char *topic = key + dl + ddl;
        const char *slash = strstr(topic, dd);
        if (!slash || slash == topic || strncmp(slash + ddl, "partition=", 10) != 0)
                return false;
        const char *pnum = slash + ddl + 10, *pend = strstr(pnum, dd);
        int64_t p, start;
        if (!pend || !parse_int(pnum, (size_t)(pend - pnum), &p) || p > INT32_MAX)
                return false;
        const char *name = pend + ddl;
        size_t tl = (size_t)(slash - topic), pl = (size_t)(pend - pnum);
        if (strstr(name, dd) || strncmp(name, topic, tl) != 0 ||
            strncmp(name + tl, fd, fdl) != 0 || strncmp(name + tl + fdl, pnum, pl) != 0 ||
            strncmp(name + tl + fdl + pl, fd, fdl) != 0)
                return false;
        const char *off = name + tl + fdl + pl + fdl, *dot = strchr(off, '.');
        if (!dot || !parse_int(off, (size_t)(dot - off), &start))
                return false;
        size_t el = strlen(s->ext);
        if (strncmp(dot + 1, s->ext, el) != 0 ||
            (dot[1 + el] != '\0' && strcmp(dot + 1 + el, ".zst") != 0))
                return false;
        nm->topic = topic;
        nm->topic_len = tl;
        nm->partition = (int32_t)p;
        nm->start = start;
        nm->prefix_len = (size_t)(name - key);
        return true;
}

static bool topic_wanted(s3_source_t *s, const char *topic, size_t len)
{
        if (!s->has_regex)
                return true;
        char *t = strndup(topic, len);
        regmatch_t m;
        bool ok = t && regexec(&s->regex, t, 1, &m, 0) == 0 && m.rm_so == 0 &&
                  (size_t)m.rm_eo == len;
        free(t);
        return ok;
}

/* Where the committed offset says this folder's restore stands. */
static void folder_resume(s3_source_t *s, s3_folder_t *f)
{
        sl_json_t *off = sl_task_offset(s->ctx, f->spart);
        const char *fn = sl_json_object_get_str(off, "filename");
        s3_name_t nm;
        if (fn && parse_key(s, fn, &nm)) {
                sl_json_t *line = sl_json_object_get(off, "line");
                sl_json_t *eof = sl_json_object_get(off, "eof");
                bool done = eof && eof->type == SL_JSON_BOOL && eof->u.b;
                int64_t n = line && line->type == SL_JSON_INT ? line->u.i : 0;
                if (done) {
                        f->last_start = nm.start;
                } else {
                        f->last_start = nm.start - 1;
                        f->skip_start = nm.start;
                        f->skip_records = n;
                }
                sl_info(LOGGER, "Resuming %s after %s (%lld records%s)", f->prefix, fn,
                        (long long)n, done ? ", whole object" : "");
        } else if (off) {
                sl_warn(LOGGER, "Ignoring the stored offset of %s: no usable filename",
                        f->prefix);
        }
        sl_json_free(off);
}

static s3_folder_t *folder_get(s3_source_t *s, const char *key, const s3_name_t *nm)
{
        for (size_t i = 0; i < s->nfs; i++) {
                s3_folder_t *f = s->fs[i];
                if (f->partition == nm->partition && strlen(f->prefix) == nm->prefix_len &&
                    !strncmp(f->prefix, key, nm->prefix_len))
                        return f;
        }
        if (s->nfs == s->cap_fs) {
                size_t cap = s->cap_fs ? s->cap_fs * 2 : 8;
                s3_folder_t **fs = realloc(s->fs, cap * sizeof(*fs));
                if (!fs)
                        return NULL;
                s->fs = fs;
                s->cap_fs = cap;
        }
        s3_folder_t *f = calloc(1, sizeof(*f));
        if (!f)
                return NULL;
        f->topic = strndup(nm->topic, nm->topic_len);
        f->prefix = strndup(key, nm->prefix_len);
        f->partition = nm->partition;
        f->last_start = -1;
        f->skip_start = -1;
        f->spart = sl_json_object();
        if (!f->topic || !f->prefix || !f->spart ||
            sl_json_object_set(f->spart, "folder", sl_json_string(f->prefix)) < 0) {
                folder_free(f);
                return NULL;
        }
        folder_resume(s, f);
        s->fs[s->nfs++] = f;
        sl_info(LOGGER, "Restoring %s into %s partition %d", f->prefix, f->topic,
                (int)f->partition);
        return f;
}

static int folder_add(s3_folder_t *f, const char *key, int64_t start)
{
        if (start <= f->last_start)
                return 0;
        size_t i = f->npend;
        while (i > 0 && f->pend[i - 1].start > start)
                i--;
        if (i > 0 && f->pend[i - 1].start == start) {
                if (strcmp(f->pend[i - 1].key, key) != 0)
                        sl_warn(LOGGER, "Both %s and %s start at offset %lld; reading only "
                                "the first", f->pend[i - 1].key, key, (long long)start);
                return 0;
        }
        if (f->npend == f->cap_pend) {
                size_t cap = f->cap_pend ? f->cap_pend * 2 : 16;
                s3_pending_t *p = realloc(f->pend, cap * sizeof(*p));
                if (!p)
                        return SL_ERR_NOMEM;
                f->pend = p;
                f->cap_pend = cap;
        }
        char *k = strdup(key);
        if (!k)
                return SL_ERR_NOMEM;
        memmove(f->pend + i + 1, f->pend + i, (f->npend - i) * sizeof(*f->pend));
        f->pend[i] = (s3_pending_t){k, start};
        f->npend++;
        return 0;
}

/* List the whole topics.dir and queue the objects of this task's folders
 * not produced yet. */
static int discover(s3_source_t *s, char *errstr, size_t errstr_size)
{
        char *token = NULL, *prefix = NULL;
        int rc = 0;
        if (asprintf(&prefix, "%s%s", s->dir, s->dd) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
        do {
                s3_object_t *objs;
                size_t n;
                rc = s3_list_objects(s->client, prefix, NULL, &token, S3_SRC_LIST_PAGE, &objs,
                                     &n, errstr, errstr_size);
                if (rc < 0)
                        break;
                for (size_t i = 0; i < n && rc == 0; i++) {
                        s3_name_t nm;
                        if (!parse_key(s, objs[i].key, &nm) ||
                            !topic_wanted(s, nm.topic, nm.topic_len))
                                continue;
                        if ((int)(fnv1a(objs[i].key, nm.prefix_len) %
                                  (uint32_t)s->task_count) != s->task_index)
                                continue;
                        s3_folder_t *f = folder_get(s, objs[i].key, &nm);
                        rc = f ? folder_add(f, objs[i].key, nm.start) : SL_ERR_NOMEM;
                }
                s3_objects_free(objs, n);
                if (rc == SL_ERR_NOMEM)
                        sl_seterr(errstr, errstr_size, rc, "no memory");
        } while (rc == 0 && token);
        free(token);
        free(prefix);
        return rc;
}

/* ----------------------------------------------------------- objects */

static int zstd_decode(s3_source_t *s, const char *key, const sl_buf_t *in, sl_buf_t *out,
                       char *errstr, size_t errstr_size)
{
        ZSTD_DCtx_reset(s->zctx, ZSTD_reset_session_only);
        ZSTD_inBuffer zin = {in->data, in->len, 0};
        size_t ret = 1;
        /* all the input (concatenated frames decode as one stream), then
         * what the decoder still holds */
        for (;;) {
                bool flushing = zin.pos >= zin.size;
                if (flushing && (ret == 0 || in->len == 0))
                        return 0;
                size_t chunk = ZSTD_DStreamOutSize();
                if (sl_buf_reserve(out, chunk) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "no memory to decompress %s", key);
                ZSTD_outBuffer zout = {out->data + out->len, chunk, 0};
                ret = ZSTD_decompressStream(s->zctx, &zout, &zin);
                if (ZSTD_isError(ret))
                        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                         "Corrupt zstd object s3://%s/%s: %s", s->bucket, key,
                                         ZSTD_getErrorName(ret));
                out->len += zout.pos;
                out->data[out->len] = '\0';
                if (flushing && zout.pos == 0 && ret != 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                         "Truncated zstd object s3://%s/%s", s->bucket, key);
        }
}

static int rec_push(s3_folder_t *f, size_t off, size_t len)
{
        if (f->nrec == f->cap_rec) {
                size_t cap = f->cap_rec ? f->cap_rec * 2 : 256;
                size_t *o = realloc(f->rec_off, cap * sizeof(*o));
                if (!o)
                        return SL_ERR_NOMEM;
                f->rec_off = o;
                size_t *l = realloc(f->rec_len, cap * sizeof(*l));
                if (!l)
                        return SL_ERR_NOMEM;
                f->rec_len = l;
                f->cap_rec = cap;
        }
        f->rec_off[f->nrec] = off;
        f->rec_len[f->nrec] = len;
        f->nrec++;
        return 0;
}

/* Cut the decoded object into records: JSON lines, or values between
 * separators. The writer ends every record with its terminator, so only a
 * non-empty tail counts as one more record. */
static int split_records(s3_source_t *s, s3_folder_t *f, char *errstr, size_t errstr_size)
{
        const char *d = f->data.data;
        size_t n = f->data.len, pos = 0;
        const char *sep = s->json ? "\n" : s->sep.data;
        size_t sl = s->json ? 1 : s->sep.len;
        f->nrec = f->next_rec = 0;
        while (pos < n) {
                const char *hit = memmem(d + pos, n - pos, sep, sl);
                size_t end = hit ? (size_t)(hit - d) : n;
                size_t len = end - pos;
                if (s->json && len > 0 && d[end - 1] == '\r')
                        len--;
                if (s->json && len == 0 && hit)
                        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                         "Corrupt object s3://%s/%s: empty line %zu where a "
                                         "JSON value was expected", s->bucket, f->key,
                                         f->nrec + 1);
                if (rec_push(f, pos, len) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
                pos = hit ? end + sl : n;
        }
        return 0;
}


/* Transient S3 failures leave poll with 0 and are tried again after a
 * doubling back-off; the task fails after s3.part.retries of them in a
 * row. 1 when the caller should return 0 from poll now. */
static int transient(s3_source_t *s, int rc, char *errstr, size_t errstr_size)
{
        if (rc != SL_ERR_RETRIABLE)
                return rc;
        int64_t wait = s3_retry_next(&s->retry);
        if (wait < 0) {
                char msg[1024];
                snprintf(msg, sizeof(msg), "%s", errstr ? errstr : "");
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "S3 request still failing after %d retries: %s",
                                 s->retry.retries, msg);
        }
        s->retry_at = sl_now_ms() + wait;
        sl_warn(LOGGER, "%s; retry %d of %d in %lld ms", errstr ? errstr : "S3 error",
                s->retry.failures, s->retry.retries, (long long)wait);
        return 1;
}

/* Fetch, decode and split the folder's next pending object. */
static int folder_load(s3_source_t *s, s3_folder_t *f, char *errstr, size_t errstr_size)
{
        s3_pending_t p = f->pend[0];
        sl_buf_t raw = SL_BUF_INIT;
        int rc = s3_get_object(s->client, p.key, 0, -1, &raw, errstr, errstr_size);
        if (rc < 0) {
                sl_buf_free(&raw);
                if (rc == SL_ERR_NOT_FOUND)
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                         "Object s3://%s/%s was listed but is gone: it "
                                         "cannot be restored", s->bucket, p.key);
                return rc;
        }
        s->retry.failures = 0;
        folder_unload(f);
        size_t kl = strlen(p.key);
        if (kl > 4 && !strcmp(p.key + kl - 4, ".zst")) {
                f->key = p.key; /* named in errors */
                rc = zstd_decode(s, p.key, &raw, &f->data, errstr, errstr_size);
                f->key = NULL;
                sl_buf_free(&raw);
        } else {
                f->data = raw;
        }
        if (rc < 0) {
                sl_buf_free(&f->data);
                return rc;
        }
        f->key = p.key;
        memmove(f->pend, f->pend + 1, (f->npend - 1) * sizeof(*f->pend));
        f->npend--;
        f->last_start = p.start;
        f->loaded = true;
        rc = split_records(s, f, errstr, errstr_size);
        if (rc < 0)
                return rc;
        if (p.start == f->skip_start) {
                if ((size_t)f->skip_records > f->nrec)
                        sl_warn(LOGGER, "%s has %zu records, fewer than the %lld already "
                                "restored; skipping it", f->key, f->nrec,
                                (long long)f->skip_records);
                f->next_rec = (size_t)f->skip_records < f->nrec ? (size_t)f->skip_records
                                                                : f->nrec;
                f->skip_start = -1;
        }
        sl_debug(LOGGER, "Reading %s: %zu records from %zu", f->key, f->nrec, f->next_rec);
        return 0;
}

static int add_record(s3_source_t *s, s3_folder_t *f, sl_source_batch_t *b, char *errstr,
                      size_t errstr_size)
{
        const char *p = f->data.data + f->rec_off[f->next_rec];
        size_t len = f->rec_len[f->next_rec];
        sl_source_record_t rec = {.topic = f->topic, .partition = f->partition};
        sl_json_t *v = NULL, bytes;
        if (s->json) {
                char perr[256];
                v = sl_json_parse(p, len, perr, sizeof(perr));
                if (!v)
                        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                         "Corrupt object s3://%s/%s: line %zu is not JSON: %s",
                                         s->bucket, f->key, f->next_rec + 1, perr);
                rec.value.value = v->type == SL_JSON_NULL ? NULL : v;
        } else {
                bytes = SL_JSON_BYTES_REF(p, len);
                rec.value.schema = s->bytes_schema;
                rec.value.value = &bytes;
        }
        int rc = sl_source_batch_add(b, &rec);
        sl_json_free(v);
        if (rc < 0)
                return sl_seterr(errstr, errstr_size, rc,
                                 "Could not add record %zu of s3://%s/%s to the batch: %s",
                                 f->next_rec + 1, s->bucket, f->key, sl_err2str(rc));
        f->next_rec++;
        return 0;
}

static int set_offset(s3_folder_t *f, sl_source_batch_t *b)
{
        sl_json_t *off = sl_json_object();
        if (!off || sl_json_object_set(off, "filename", sl_json_string(f->key)) < 0 ||
            sl_json_object_set(off, "line", sl_json_int((int64_t)f->next_rec)) < 0 ||
            sl_json_object_set(off, "eof", sl_json_bool(f->next_rec >= f->nrec)) < 0) {
                sl_json_free(off);
                return SL_ERR_NOMEM;
        }
        int rc = sl_source_batch_set_offset(b, f->spart, off);
        sl_json_free(off);
        return rc;
}

static bool folder_ready(const s3_folder_t *f)
{
        return (f->loaded && f->next_rec < f->nrec) || f->npend > 0;
}

/* Produce from one folder, the rest of its current object or, at the
 * start of a batch, its next object: a batch never spans two objects, so
 * its offset (one per batch) names exactly what it holds, and an object
 * that cannot be read fails the task before any of its records are
 * added. */
static int produce(s3_source_t *s, s3_folder_t *f, sl_source_batch_t *b, char *errstr,
                   size_t errstr_size)
{
        size_t room = sl_source_batch_room(b), added = 0;
        if (room > s->batch_max)
                room = s->batch_max;
        while (f->loaded && f->next_rec < f->nrec && added < room) {
                int rc = add_record(s, f, b, errstr, errstr_size);
                if (rc < 0)
                        return rc;
                added++;
        }
        /* empty objects are passed over in the same poll */
        while (added == 0 && f->npend > 0 && (!f->loaded || f->next_rec >= f->nrec)) {
                int rc = folder_load(s, f, errstr, errstr_size);
                if (rc < 0)
                        return rc;
                while (f->next_rec < f->nrec && added < room) {
                        rc = add_record(s, f, b, errstr, errstr_size);
                        if (rc < 0)
                                return rc;
                        added++;
                }
        }
        if (added > 0 && set_offset(f, b) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
        if (f->loaded && f->next_rec >= f->nrec && f->npend == 0)
                folder_unload(f);
        return (int)added;
}

static int s3_source_poll(void *state, sl_source_batch_t *batch, char *errstr,
                          size_t errstr_size)
{
        s3_source_t *s = state;
        int64_t now = sl_now_ms();
        if (now < s->retry_at)
                return 0;
        if (now >= s->next_list) {
                int rc = discover(s, errstr, errstr_size);
                if (rc < 0) {
                        rc = transient(s, rc, errstr, errstr_size);
                        return rc > 0 ? 0 : rc;
                }
                s->retry.failures = 0;
                s->next_list = now + s->poll_interval_ms;
        }
        for (size_t i = 0; i < s->nfs; i++) {
                s3_folder_t *f = s->fs[(s->rr + i) % s->nfs];
                if (!folder_ready(f))
                        continue;
                s->rr = (s->rr + i + 1) % s->nfs;
                int rc = produce(s, f, batch, errstr, errstr_size);
                if (rc < 0) {
                        rc = transient(s, rc, errstr, errstr_size);
                        return rc > 0 ? 0 : rc;
                }
                return rc;
        }
        return 0;
}

/* Objects are immutable and resumed at the stored line. */
static int s3_source_eos_support(const sl_strmap_t *config) {
        (void)config;
        return SL_EOS_SUPPORTED;
}

const sl_connector_plugin_t sl_s3_source_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "io.confluent.connect.s3.source.S3SourceConnector",
        .version = S3_SOURCE_VERSION,
        .config = s3_source_config,
        .validate = s3_source_validate,
        .task_configs = s3_source_task_configs,
        .task_start = s3_source_start,
        .task_stop = s3_source_stop,
        .source_poll = s3_source_poll,
        .exactly_once_support = s3_source_eos_support,
};
