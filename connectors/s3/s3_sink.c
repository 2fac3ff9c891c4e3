/*
 * S3 sink (Confluent's io.confluent.connect.s3.S3SinkConnector layout and
 * keys): records of each topic-partition go into objects named after the
 * offset of their first record,
 *
 *   <topics.dir>/<topic>/partition=<p>/<topic>+<p>+<start offset>.<ext>
 *
 * Exactly-once comes from deterministic names: where an object ends
 * depends only on the records (flush.size, and record-time
 * rotate.interval.ms), so records consumed again after a crash rebuild
 * the same objects and overwrite them. For that the consumer offsets must
 * never pass an object that is not in S3 yet: flush uploads nothing by
 * itself, and preCommit lowers each partition's offset to the start of
 * its open object. An open object's bytes go up as multipart parts once
 * they exceed s3.part.size; dropped partitions and a stopping task abort
 * their uploads (the next owner starts again from the committed offset).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "s3/s3.h"
#include "s3/s3_client.h"
#include "s3/s3_int.h"

#define S3_SINK_VERSION "1.0.0"
#define LOGGER "S3SinkTask"

/* ------------------------------------------------------------- config */

static int compression_validator(const char *name, const char *value, char *errstr,
                                 size_t errstr_size)
{
        (void)name;
        if (!strcasecmp(value, "none") || !strcasecmp(value, "zstd"))
                return 0;
        if (!strcasecmp(value, "gzip"))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "gzip is not supported, use zstd (or none)");
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "String must be one of: none, zstd");
}

static int partitioner_validator(const char *name, const char *value, char *errstr,
                                 size_t errstr_size)
{
        (void)name;
        if (!strcmp(value, S3_DEFAULT_PARTITIONER))
                return 0;
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "only " S3_DEFAULT_PARTITIONER " is supported");
}

static int storage_validator(const char *name, const char *value, char *errstr,
                             size_t errstr_size)
{
        (void)name;
        if (!strcmp(value, S3_STORAGE_CLASS))
                return 0;
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "only " S3_STORAGE_CLASS " is supported");
}

static const char *const extractor_values[] = {"Wallclock", "Record", "RecordField", NULL};
static const char *const null_values[] = {"fail", "ignore", NULL};

#define G_S3 S3_GROUP_S3
#define G_STORAGE S3_GROUP_STORAGE
#define G_PART "Partitioner"
#define G_CONN S3_GROUP_CONN

static const sl_config_def_t s3_sink_config[] = {
        S3_CONFIG_CONNECTION_DEFS,
        {.name = "flush.size", .type = SL_CFG_INT, .importance = SL_CFG_HIGH,
         .documentation = "Number of records written to store before invoking file commits.",
         .group = G_CONN, .order = 7, .flags = SL_CFG_REQUIRED | SL_CFG_MIN, .min = 1,
         .display_name = "Flush Size"},
        {.name = "rotate.interval.ms", .type = SL_CFG_LONG, .default_value = "-1",
         .importance = SL_CFG_HIGH,
         .documentation = "The time interval in milliseconds to invoke file commits. The "
                          "interval is measured in the timestamps timestamp.extractor "
                          "gives, from the first record of an object; -1 disables it.",
         .group = G_CONN, .order = 8, .flags = SL_CFG_MIN, .min = -1,
         .display_name = "Rotate Interval (ms)"},
        {.name = "rotate.schedule.interval.ms", .type = SL_CFG_LONG, .default_value = "-1",
         .importance = SL_CFG_MEDIUM,
         .documentation = "The time interval in milliseconds to periodically invoke file "
                          "commits, by the wall clock (objects then depend on timing); "
                          "-1 disables it.",
         .group = G_CONN, .order = 9, .flags = SL_CFG_MIN, .min = -1,
         .display_name = "Rotate Schedule Interval (ms)"},
        {.name = "timestamp.extractor", .type = SL_CFG_STRING, .default_value = "Wallclock",
         .importance = SL_CFG_MEDIUM,
         .documentation = "The time rotate.interval.ms measures: Wallclock (system time), "
                          "Record (the Kafka record timestamp) or RecordField (a numeric "
                          "epoch-ms field of the value, see timestamp.field).",
         .group = G_PART, .order = 10, .valid_values = extractor_values,
         .display_name = "Timestamp Extractor"},
        {.name = "timestamp.field", .type = SL_CFG_STRING, .default_value = "timestamp",
         .importance = SL_CFG_MEDIUM,
         .documentation = "The value field holding the timestamp for "
                          "timestamp.extractor=RecordField.",
         .group = G_PART, .order = 11, .display_name = "Record Field for Timestamp"},
        S3_CONFIG_FORMAT_DEFS(12, s3_separator_validator),
        {.name = "s3.compression.type", .type = SL_CFG_STRING, .default_value = "none",
         .importance = SL_CFG_LOW,
         .documentation = "Compression type for objects written to S3: none or zstd (one "
                          "zstd frame per object, extension .zst).",
         .group = G_S3, .order = 14, .validator = compression_validator,
         .display_name = "Compression type"},
        {.name = "s3.compression.level", .type = SL_CFG_INT, .default_value = "-1",
         .importance = SL_CFG_LOW,
         .documentation = "zstd compression level (1-22); -1 uses zstd's default.",
         .group = G_S3, .order = 15, .flags = SL_CFG_MIN | SL_CFG_MAX, .min = -1,
         .max = 22, .display_name = "Compression Level"},
        {.name = "s3.part.size", .type = SL_CFG_INT, .default_value = "26214400",
         .importance = SL_CFG_HIGH,
         .documentation = "The Part Size in S3 Multi-part Uploads.", .group = G_S3,
         .order = 16, .flags = SL_CFG_MIN | SL_CFG_MAX, .min = S3_MIN_PART_SIZE,
         .max = 2147483647.0, .display_name = "S3 Part Size"},
        {.name = "partitioner.class", .type = SL_CFG_CLASS,
         .default_value = S3_DEFAULT_PARTITIONER, .importance = SL_CFG_HIGH,
         .documentation = "The partitioner to use when writing data to the store.",
         .group = G_PART, .order = 17, .validator = partitioner_validator,
         .display_name = "Partitioner Class"},
        {.name = "storage.class", .type = SL_CFG_CLASS, .default_value = S3_STORAGE_CLASS,
         .importance = SL_CFG_HIGH, .documentation = "The underlying storage layer.",
         .group = G_STORAGE, .order = 18, .validator = storage_validator,
         .display_name = "Storage Class"},
        S3_CONFIG_DELIM_DEFS(19),
        {.name = "filename.offset.zero.pad.width", .type = SL_CFG_INT, .default_value = "10",
         .importance = SL_CFG_LOW,
         .documentation = "Width to zero-pad offsets in store's filenames if offsets are "
                          "too short in order to provide fixed-width filenames that can be "
                          "ordered by simple lexicographic sorting.",
         .group = G_CONN, .order = 21, .flags = SL_CFG_MIN | SL_CFG_MAX, .min = 0, .max = 19,
         .display_name = "Filename Offset Zero Pad Width"},
        {.name = "behavior.on.null.values", .type = SL_CFG_STRING, .default_value = "fail",
         .importance = SL_CFG_LOW,
         .documentation = "How to handle records with a null value: fail (the task "
                          "fails) or ignore (the record is skipped).",
         .group = G_CONN, .order = 22, .valid_values = null_values,
         .display_name = "Behavior for null-valued records"},
        S3_CONFIG_RETRY_DEFS(23),
        {.name = NULL},
};

static void s3_sink_validate(const sl_strmap_t *config, sl_config_errors_t *errs)
{
        const char *ex = sl_config_str(config, "timestamp.extractor");
        const char *field = sl_config_str(config, "timestamp.field");

        if (ex && !strcasecmp(ex, "RecordField") && (!field || !*field))
                sl_config_error_add(errs, "timestamp.field",
                                    "timestamp.extractor=RecordField needs the name of "
                                    "the value field holding the timestamp");
}

/* -------------------------------------------------------------- state */

/* One topic-partition's open object. */
typedef struct s3_writer {
        char *topic;
        int32_t partition;
        s3_rot_state_t rot;  /* rot.count 0: no object open */
        int64_t start_offset;
        int64_t last_offset; /* of the last record added */
        char *key;           /* the open object's name */
        s3_enc_t enc;
        sl_buf_t buf;        /* encoded bytes not uploaded yet */
        char *upload_id;     /* multipart upload in progress, or NULL */
        char **etags;
        int nparts, cap_parts;
} s3_writer_t;

typedef struct s3_sink {
        sl_task_ctx_t *ctx;
        sl_strmap_t *cfg; /* owns the strings below */
        s3_client_t *client;
        const char *bucket;
        s3_layout_t layout;
        s3_format_t fmt;
        sl_buf_t sep;
        s3_rotation_t rot;
        bool zstd;
        int zlevel;
        int64_t part_size;
        s3_retry_t retry;
        const char *content_type;
        s3_writer_t **ws;
        size_t nws, cap_ws;
        s3_writer_t *last; /* the writer of the previous record */
        sl_buf_t line;     /* the record being rendered */
        bool warned_unmapped;
} s3_sink_t;

/* ------------------------------------------------------------ retries */

/* Runs op (an S3 request) with s3.part.retries retries of transient
 * failures; the last error stays in errstr. */
static int with_retries(s3_sink_t *s, const char *what, int (*op)(void *, char *, size_t),
                        void *arg, char *errstr, size_t errstr_size)
{
        return s3_retry(s->ctx, &s->retry, LOGGER, what, op, arg, errstr, errstr_size);
}

typedef struct op_put {
        s3_client_t *client;
        const char *key;
        struct iovec iov;
        const char *ctype;
        char **upload_id; /* create */
        const char *id;   /* part / complete / abort */
        int part;
        char **etag;      /* part */
        char *const *etags;
        int nparts;
        const char *prefix; /* list */
        s3_upload_t **ups;
        size_t *nups;
} op_args_t;

static int op_put(void *arg, char *errstr, size_t errstr_size)
{
        op_args_t *a = arg;
        return s3_put_object(a->client, a->key, &a->iov, 1, a->ctype, errstr, errstr_size);
}

static int op_create(void *arg, char *errstr, size_t errstr_size)
{
        op_args_t *a = arg;
        return s3_mpu_create(a->client, a->key, a->ctype, a->upload_id, errstr, errstr_size);
}

static int op_part(void *arg, char *errstr, size_t errstr_size)
{
        op_args_t *a = arg;
        return s3_mpu_upload_part(a->client, a->key, a->id, a->part, &a->iov, 1, a->etag,
                                  errstr, errstr_size);
}

static int op_abort(void *arg, char *errstr, size_t errstr_size)
{
        op_args_t *a = arg;
        int r = s3_mpu_abort(a->client, a->key, a->id, errstr, errstr_size);
        return r == SL_ERR_NOT_FOUND ? 0 : r; /* already gone */
}

static int op_list_uploads(void *arg, char *errstr, size_t errstr_size)
{
        op_args_t *a = arg;
        return s3_mpu_list(a->client, a->prefix, a->ups, a->nups, errstr, errstr_size);
}

static int op_check_bucket(void *arg, char *errstr, size_t errstr_size)
{
        op_args_t *a = arg;
        s3_object_t *objs = NULL;
        size_t n = 0;
        char *token = NULL;
        int r = s3_list_objects(a->client, a->prefix, NULL, &token, 1, &objs, &n, errstr,
                                errstr_size);

        s3_objects_free(objs, n);
        free(token);
        return r;
}

/* CompleteMultipartUpload; when a retry finds the upload gone, the
 * earlier attempt may have completed it after all: the object tells. */
typedef struct op_complete_state {
        op_args_t *a;
        bool retried;
} op_complete_t;

static int op_complete(void *arg, char *errstr, size_t errstr_size)
{
        op_complete_t *c = arg;
        int64_t size;
        int r = s3_mpu_complete(c->a->client, c->a->key, c->a->id, c->a->etags,
                                c->a->nparts, errstr, errstr_size);

        if (r == SL_ERR_NOT_FOUND && c->retried &&
            s3_head_object(c->a->client, c->a->key, &size, NULL, 0) == 0)
                return 0;
        if (r == SL_ERR_RETRIABLE)
                c->retried = true;
        return r;
}

/* ------------------------------------------------------------ writers */

static void writer_reset(s3_writer_t *w)
{
        for (int i = 0; i < w->nparts; i++)
                free(w->etags[i]);
        w->nparts = 0;
        free(w->upload_id);
        w->upload_id = NULL;
        free(w->key);
        w->key = NULL;
        w->rot.count = 0;
        w->start_offset = -1;
        s3_enc_reset(&w->enc);
        sl_buf_reset(&w->buf);
        /* a writer idles between objects: give back a part-sized buffer */
        if (w->buf.cap > ((size_t)1 << 20))
                sl_buf_free(&w->buf);
}

static void writer_free(s3_writer_t *w)
{
        if (!w)
                return;
        writer_reset(w);
        free(w->etags);
        s3_enc_free(&w->enc);
        sl_buf_free(&w->buf);
        free(w->topic);
        free(w);
}

static s3_writer_t *writer_find(s3_sink_t *s, const char *topic, int32_t partition)
{
        if (s->last && s->last->partition == partition && !strcmp(s->last->topic, topic))
                return s->last;
        for (size_t i = 0; i < s->nws; i++)
                if (s->ws[i]->partition == partition && !strcmp(s->ws[i]->topic, topic))
                        return s->last = s->ws[i];
        return NULL;
}

static s3_writer_t *writer_get(s3_sink_t *s, const char *topic, int32_t partition,
                               char *errstr, size_t errstr_size)
{
        s3_writer_t *w = writer_find(s, topic, partition);

        if (w)
                return w;
        if (s->nws == s->cap_ws) {
                size_t cap = s->cap_ws ? 2 * s->cap_ws : 8;
                s3_writer_t **ws = realloc(s->ws, cap * sizeof(*ws));
                if (!ws)
                        goto oom;
                s->ws = ws;
                s->cap_ws = cap;
        }
        if (!(w = calloc(1, sizeof(*w))) || !(w->topic = strdup(topic))) {
                free(w);
                goto oom;
        }
        w->partition = partition;
        w->start_offset = -1;
        sl_buf_init(&w->buf);
        if (s3_enc_init(&w->enc, s->zstd, s->zlevel, errstr, errstr_size) < 0) {
                writer_free(w);
                return NULL;
        }
        s->ws[s->nws++] = w;
        return s->last = w;
oom:
        sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        return NULL;
}

static void writer_remove(s3_sink_t *s, s3_writer_t *w)
{
        for (size_t i = 0; i < s->nws; i++) {
                if (s->ws[i] != w)
                        continue;
                s->ws[i] = s->ws[--s->nws];
                break;
        }
        if (s->last == w)
                s->last = NULL;
        writer_free(w);
}

/* Uploads the buffered bytes as the next part, starting the multipart
 * upload with the first one. */
static int upload_part(s3_sink_t *s, s3_writer_t *w, char *errstr, size_t errstr_size)
{
        op_args_t a = {.client = s->client, .key = w->key, .ctype = s->content_type};
        char *etag = NULL;
        char what[64];
        int r;

        if (!w->upload_id) {
                a.upload_id = &w->upload_id;
                if ((r = with_retries(s, "Starting a multipart upload", op_create, &a, errstr,
                                      errstr_size)) < 0)
                        return r;
        }
        if (w->nparts == w->cap_parts) {
                int cap = w->cap_parts ? 2 * w->cap_parts : 8;
                char **e = realloc(w->etags, (size_t)cap * sizeof(*e));
                if (!e)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                w->etags = e;
                w->cap_parts = cap;
        }
        a.id = w->upload_id;
        a.part = w->nparts + 1;
        a.iov = (struct iovec){w->buf.data, w->buf.len};
        a.etag = &etag;
        snprintf(what, sizeof(what), "Uploading part %d", a.part);
        if ((r = with_retries(s, what, op_part, &a, errstr, errstr_size)) < 0)
                return r;
        w->etags[w->nparts++] = etag;
        sl_debug(LOGGER, "%s: part %d uploaded (%zu bytes)", w->key, a.part, w->buf.len);
        sl_buf_reset(&w->buf);
        return 0;
}

/* Finishes the open object: one PUT, or the last part and the completion
 * of its multipart upload. */
static int commit_object(s3_sink_t *s, s3_writer_t *w, char *errstr, size_t errstr_size)
{
        op_args_t a = {.client = s->client, .key = w->key, .ctype = s->content_type};
        int64_t records = w->rot.count;
        int r;

        if ((r = s3_enc_end(&w->enc, &w->buf, errstr, errstr_size)) < 0)
                return r;
        if (w->upload_id) {
                op_complete_t c = {&a, false};
                if (w->buf.len > 0 && (r = upload_part(s, w, errstr, errstr_size)) < 0)
                        return r;
                a.id = w->upload_id;
                a.etags = w->etags;
                a.nparts = w->nparts;
                r = with_retries(s, "Completing a multipart upload", op_complete, &c, errstr,
                                 errstr_size);
        } else {
                a.iov = (struct iovec){w->buf.data, w->buf.len};
                r = with_retries(s, "Uploading an object", op_put, &a, errstr, errstr_size);
        }
        if (r < 0)
                return r;
        sl_info(LOGGER, "Committed s3://%s/%s (%" PRId64 " records, offsets %" PRId64
                "..%" PRId64 ")", s->bucket, w->key, records, w->start_offset,
                w->last_offset);
        writer_reset(w);
        return 0;
}

/* Drops the open object (partition revoked, task stopping): the records
 * come again from the committed offset, to whoever owns them then. */
static void discard_object(s3_sink_t *s, s3_writer_t *w)
{
        char err[1024] = "";

        if (w->upload_id) {
                op_args_t a = {.client = s->client, .key = w->key, .id = w->upload_id};
                if (with_retries(s, "Aborting a multipart upload", op_abort, &a, err,
                                 sizeof(err)) < 0)
                        sl_warn(LOGGER, "Cannot abort the upload of %s (the next owner of "
                                "%s-%" PRId32 " aborts it): %s", w->key, w->topic,
                                w->partition, err);
        }
        if (w->rot.count > 0)
                sl_debug(LOGGER, "%s-%" PRId32 ": dropped %" PRId64 " buffered records "
                         "from offset %" PRId64, w->topic, w->partition, w->rot.count,
                         w->start_offset);
        writer_reset(w);
}

/* Multipart uploads a crashed task left under the partition's prefix
 * would otherwise linger (and be billed) forever. */
static void abort_stale(s3_sink_t *s, s3_writer_t *w)
{
        sl_buf_t prefix = SL_BUF_INIT;
        s3_upload_t *ups = NULL;
        size_t n = 0;
        char err[1024] = "";
        op_args_t a = {.client = s->client, .ups = &ups, .nups = &n};

        if (s3_partition_prefix(&s->layout, w->topic, w->partition, &prefix) < 0)
                goto out;
        a.prefix = prefix.data;
        if (with_retries(s, "Listing multipart uploads", op_list_uploads, &a, err,
                         sizeof(err)) < 0) {
                sl_warn(LOGGER, "Cannot list stale multipart uploads under %s: %s",
                        prefix.data, err);
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                op_args_t ab = {.client = s->client, .key = ups[i].key,
                                 .id = ups[i].upload_id};
                if (w->upload_id && !strcmp(w->upload_id, ups[i].upload_id))
                        continue;
                if (with_retries(s, "Aborting a stale multipart upload", op_abort, &ab, err,
                                 sizeof(err)) < 0)
                        sl_warn(LOGGER, "Cannot abort stale upload of %s: %s", ups[i].key,
                                err);
                else
                        sl_info(LOGGER, "Aborted stale multipart upload of %s", ups[i].key);
        }
out:
        s3_uploads_free(ups, n);
        sl_buf_free(&prefix);
}

static int open_object(s3_sink_t *s, s3_writer_t *w, int64_t offset, char *errstr,
                       size_t errstr_size)
{
        sl_buf_t key = SL_BUF_INIT;

        if (s3_object_key(&s->layout, w->topic, w->partition, offset, &key) < 0) {
                sl_buf_free(&key);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        }
        free(w->key);
        w->key = sl_buf_detach(&key, NULL);
        w->start_offset = offset;
        return 0;
}

/* --------------------------------------------------------------- task */

static int s3_sink_put(void *state, const sl_sink_record_t *records, size_t cnt,
                       char *errstr, size_t errstr_size)
{
        s3_sink_t *s = state;
        int r;

        for (size_t i = 0; i < cnt; i++) {
                const sl_sink_record_t *rec = &records[i];
                int64_t now = sl_epoch_ms(), ts;
                s3_writer_t *w;

                sl_buf_reset(&s->line);
                if ((r = s3_format_record(&s->fmt, rec, &s->line, errstr, errstr_size)) < 0)
                        return r;
                if (r == 1)
                        continue;
                if ((r = s3_record_ts(&s->rot, rec, now, &ts, errstr, errstr_size)) < 0)
                        return r;
                if (!(w = writer_get(s, rec->topic, rec->partition, errstr, errstr_size)))
                        return SL_ERR_NOMEM;
                if (s3_rot_before(&s->rot, &w->rot, ts, now) &&
                    (r = commit_object(s, w, errstr, errstr_size)) < 0)
                        return r;
                if (w->rot.count == 0 &&
                    (r = open_object(s, w, rec->offset, errstr, errstr_size)) < 0)
                        return r;
                if ((r = s3_enc_write(&w->enc, s->line.data, s->line.len, &w->buf, errstr,
                                      errstr_size)) < 0)
                        return r;
                s3_rot_add(&s->rot, &w->rot, ts, now);
                w->last_offset = rec->offset;
                if (w->buf.len >= (size_t)s->part_size &&
                    (r = upload_part(s, w, errstr, errstr_size)) < 0)
                        return r;
                if (s3_rot_full(&s->rot, &w->rot) &&
                    (r = commit_object(s, w, errstr, errstr_size)) < 0)
                        return r;
        }
        return 0;
}

/* Flush makes nothing durable by itself (preCommit tells the host what
 * is); it only rotates objects whose wall-clock time is up, which must
 * happen even when no records arrive. */
static int s3_sink_flush(void *state, char *errstr, size_t errstr_size)
{
        s3_sink_t *s = state;
        int64_t now = sl_epoch_ms();
        int r;

        for (size_t i = 0; i < s->nws; i++)
                if (s3_rot_idle(&s->rot, &s->ws[i]->rot, now) &&
                    (r = commit_object(s, s->ws[i], errstr, errstr_size)) < 0)
                        return r;
        return 0;
}

static bool offered(const sl_topic_partition_t *tps, size_t cnt, const s3_writer_t *w)
{
        for (size_t i = 0; i < cnt; i++)
                if (tps[i].partition == w->partition && !strcmp(tps[i].topic, w->topic))
                        return true;
        return false;
}

static void s3_sink_precommit(void *state, sl_topic_partition_t *tps, size_t cnt)
{
        s3_sink_t *s = state;

        for (size_t i = 0; i < cnt; i++) {
                s3_writer_t *w = writer_find(s, tps[i].topic, tps[i].partition);
                if (w && w->rot.count > 0 && w->start_offset < tps[i].offset)
                        tps[i].offset = w->start_offset;
        }
        /* An open object of a topic-partition the host does not know (a
         * transform renamed the topic) could hold records of any consumed
         * partition: commit nothing until it is in S3. */
        for (size_t i = 0; i < s->nws; i++) {
                if (s->ws[i]->rot.count == 0 || offered(tps, cnt, s->ws[i]))
                        continue;
                if (!s->warned_unmapped)
                        sl_warn(LOGGER, "Records for %s-%" PRId32 " do not come from a "
                                "consumed partition (renamed by a transform?): offsets are "
                                "committed only when no such object is open",
                                s->ws[i]->topic, s->ws[i]->partition);
                s->warned_unmapped = true;
                for (size_t j = 0; j < cnt; j++)
                        tps[j].offset = -1;
                return;
        }
}

static int s3_sink_open(void *state, const sl_topic_partition_t *tps, size_t cnt)
{
        s3_sink_t *s = state;
        char err[512];

        for (size_t i = 0; i < cnt; i++) {
                s3_writer_t *w = writer_get(s, tps[i].topic, tps[i].partition, err,
                                            sizeof(err));
                if (!w) {
                        sl_error(LOGGER, "%s", err);
                        return SL_ERR_NOMEM;
                }
                abort_stale(s, w);
        }
        return 0;
}

static int s3_sink_close(void *state, const sl_topic_partition_t *tps, size_t cnt)
{
        s3_sink_t *s = state;

        for (size_t i = 0; i < cnt; i++) {
                s3_writer_t *w = writer_find(s, tps[i].topic, tps[i].partition);
                if (!w)
                        continue;
                discard_object(s, w);
                writer_remove(s, w);
        }
        return 0;
}

static void s3_sink_stop(void *state)
{
        s3_sink_t *s = state;

        if (!s)
                return;
        for (size_t i = 0; i < s->nws; i++) {
                if (s->client)
                        discard_object(s, s->ws[i]);
                writer_free(s->ws[i]);
        }
        free(s->ws);
        s3_client_destroy(s->client);
        sl_buf_free(&s->line);
        sl_buf_free(&s->sep);
        sl_strmap_destroy(s->cfg);
        free(s);
}

static s3_ts_kind_t ts_kind(const char *v)
{
        if (v && !strcasecmp(v, "Record"))
                return S3_TS_RECORD;
        if (v && !strcasecmp(v, "RecordField"))
                return S3_TS_FIELD;
        return S3_TS_WALLCLOCK;
}

static const char *cfg_str(const sl_strmap_t *cfg, const char *key, const char *def)
{
        const char *v = sl_config_str(cfg, key);
        return v ? v : def;
}

static int parse_config(s3_sink_t *s, char *errstr, size_t errstr_size)
{
        const sl_strmap_t *c = s->cfg;
        const char *comp = cfg_str(c, "s3.compression.type", "none");

        s->bucket = cfg_str(c, "s3.bucket.name", "");
        s->zstd = !strcasecmp(comp, "zstd");
        s->zlevel = (int)sl_config_long(c, "s3.compression.level", -1);
        s->part_size = sl_config_long(c, "s3.part.size", 26214400);
        s3_retry_init(&s->retry, c);
        s->fmt.kind = s3_format_kind_of(c);
        s->fmt.ignore_nulls = !strcasecmp(cfg_str(c, "behavior.on.null.values", "fail"),
                                          "ignore");
        if (s3_separator_of(c, true, &s->sep, errstr, errstr_size) < 0)
                return SL_ERR_CONFIG;
        s->fmt.sep = s->sep.data ? s->sep.data : "";
        s->fmt.sep_len = s->sep.len;
        s->layout = (s3_layout_t){
                .topics_dir = cfg_str(c, "topics.dir", "topics"),
                .dir_delim = cfg_str(c, "directory.delim", "/"),
                .file_delim = cfg_str(c, "file.delim", "+"),
                .pad_width = (int)sl_config_long(c, "filename.offset.zero.pad.width", 10),
                .kind = s->fmt.kind,
                .zstd = s->zstd,
        };
        s->rot = (s3_rotation_t){
                .flush_size = sl_config_long(c, "flush.size", 1),
                .interval_ms = sl_config_long(c, "rotate.interval.ms", -1),
                .schedule_ms = sl_config_long(c, "rotate.schedule.interval.ms", -1),
                .ts_kind = ts_kind(sl_config_str(c, "timestamp.extractor")),
                .ts_field = cfg_str(c, "timestamp.field", "timestamp"),
        };
        s->content_type = s->fmt.kind == S3_FMT_JSON ? "application/json"
                                                     : "application/octet-stream";
        if (s->rot.flush_size < 1 || s->part_size < S3_MIN_PART_SIZE)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "flush.size must be >= 1 and s3.part.size >= %d",
                                 S3_MIN_PART_SIZE);
        return 0;
}

static int s3_sink_start(sl_task_ctx_t *ctx, const sl_strmap_t *config, void **statep,
                         char *errstr, size_t errstr_size)
{
        s3_sink_t *s = calloc(1, sizeof(*s));
        int r;

        if (!s || !(s->cfg = sl_strmap_dup(config))) {
                free(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        }
        s->ctx = ctx;
        sl_buf_init(&s->line);
        sl_buf_init(&s->sep);
        if ((r = parse_config(s, errstr, errstr_size)) < 0)
                goto fail;
        if (!(s->client = s3_client_from_config(ctx, s->cfg, errstr, errstr_size))) {
                r = SL_ERR_CONFIG;
                goto fail;
        }
        /* a wrong bucket, endpoint or key shows at once, not at the first
         * upload */
        op_args_t a = {.client = s->client, .prefix = s->layout.topics_dir};
        if ((r = with_retries(s, "Checking the bucket", op_check_bucket, &a, errstr,
                              errstr_size)) < 0) {
                char why[768];
                snprintf(why, sizeof(why), "%s", errstr);
                sl_seterr(errstr, errstr_size, r, "Cannot access S3 bucket '%s' at %s: %s",
                          s->bucket, cfg_str(s->cfg, "store.url", ""), why);
                goto fail;
        }
        *statep = s;
        return 0;
fail:
        s3_sink_stop(s);
        return r;
}

const sl_connector_plugin_t sl_s3_sink_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SINK,
        .class_name = "io.confluent.connect.s3.S3SinkConnector",
        .version = S3_SINK_VERSION,
        .config = s3_sink_config,
        .validate = s3_sink_validate,
        .task_configs = sl_task_configs_copy,
        .task_start = s3_sink_start,
        .task_stop = s3_sink_stop,
        .sink_put = s3_sink_put,
        .sink_flush = s3_sink_flush,
        .sink_open = s3_sink_open,
        .sink_close = s3_sink_close,
        .sink_precommit = s3_sink_precommit,
};
