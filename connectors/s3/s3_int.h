/*
 * S3 connector internals shared by s3_sink.c, s3_source.c and s3_format.c
 * (and unit tests): the config both connectors have, object naming, record
 * rendering, the per-object zstd stream and the rotation rules. Nothing
 * here talks to S3, so all of it is testable without a server.
 */
#ifndef SL_CONNECTORS_S3_S3_INT_H
#define SL_CONNECTORS_S3_S3_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/plugin.h"

#define S3_JSON_FORMAT "io.confluent.connect.s3.format.json.JsonFormat"
#define S3_BYTEARRAY_FORMAT "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"
#define S3_DEFAULT_PARTITIONER "io.confluent.connect.storage.partitioner.DefaultPartitioner"
#define S3_STORAGE_CLASS "io.confluent.connect.s3.storage.S3Storage"
/* S3's minimum size of every multipart part but the last */
#define S3_MIN_PART_SIZE 5242880
/* the longest single wait between retries of an S3 request */
#define S3_MAX_BACKOFF_MS 10000

typedef enum s3_format_kind {
        S3_FMT_JSON = 0,
        S3_FMT_BYTES,
} s3_format_kind_t;

typedef enum s3_ts_kind {
        S3_TS_WALLCLOCK = 0,
        S3_TS_RECORD,
        S3_TS_FIELD,
} s3_ts_kind_t;

/* ------------------------------------------------------------ config */

/* The config both connectors have, one definition for the sink and the
 * source (Confluent's keys and defaults). The tables take the entries in
 * the blocks below, each at the order the connector gives its first one. */

#define S3_GROUP_S3 "S3"
#define S3_GROUP_STORAGE "Storage"
#define S3_GROUP_CONN "Connector"

/* store.url: an http:// endpoint (the client speaks no TLS). */
int s3_url_validator(const char *name, const char *value, char *errstr,
                     size_t errstr_size);
/* topics.dir: a relative key prefix (no leading or double '/'). */
int s3_topics_dir_validator(const char *name, const char *value, char *errstr,
                            size_t errstr_size);
/* format.class: JsonFormat or ByteArrayFormat. */
int s3_format_validator(const char *name, const char *value, char *errstr,
                        size_t errstr_size);
/* format.bytearray.separator: valid Java escapes; the writer accepts an
 * empty separator, the reader (which must split objects) does not. */
int s3_separator_validator(const char *name, const char *value, char *errstr,
                           size_t errstr_size);
int s3_separator_nonempty_validator(const char *name, const char *value, char *errstr,
                                    size_t errstr_size);

/* s3.bucket.name, s3.region, store.url, aws.access.key.id,
 * aws.secret.access.key, topics.dir at orders 1 to 6. */
#define S3_CONFIG_CONNECTION_DEFS                                                      \
        {.name = "s3.bucket.name", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,   \
         .documentation = "The S3 bucket holding the objects.",                        \
         .group = S3_GROUP_S3, .order = 1, .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, \
         .display_name = "S3 Bucket"},                                                 \
        {.name = "s3.region", .type = SL_CFG_STRING, .default_value = "us-west-2",     \
         .importance = SL_CFG_MEDIUM,                                                  \
         .documentation = "The AWS region to be used by the connector (signed into "   \
                          "every request).",                                           \
         .group = S3_GROUP_S3, .order = 2, .flags = SL_CFG_NONEMPTY,                   \
         .display_name = "AWS region"},                                                \
        {.name = "store.url", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,        \
         .documentation = "Store's connection URL: the http:// S3 endpoint, used with " \
                          "path-style access, e.g. http://127.0.0.1:8080.",            \
         .group = S3_GROUP_STORAGE, .order = 3,                                        \
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .validator = s3_url_validator,    \
         .display_name = "Store URL"},                                                 \
        {.name = "aws.access.key.id", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH, \
         .documentation = "The AWS access key ID.", .group = S3_GROUP_S3, .order = 4,  \
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,                                   \
         .display_name = "AWS Access Key ID"},                                         \
        {.name = "aws.secret.access.key", .type = SL_CFG_PASSWORD,                     \
         .importance = SL_CFG_HIGH, .documentation = "The secret access key.",         \
         .group = S3_GROUP_S3, .order = 5, .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, \
         .display_name = "AWS Secret Access Key"},                                     \
        {.name = "topics.dir", .type = SL_CFG_STRING, .default_value = "topics",       \
         .importance = SL_CFG_HIGH,                                                    \
         .documentation = "Top level directory (key prefix) of the data ingested from " \
                          "Kafka: the sink writes below it (empty: the topic "         \
                          "directories at the top), the source restores from it.",     \
         .group = S3_GROUP_CONN, .order = 6,                                           \
         .validator = s3_topics_dir_validator, .display_name = "Topics directory"}

/* format.class and format.bytearray.separator at orders o and o + 1; the
 * separator's validator is s3_separator_validator or the _nonempty one. */
#define S3_CONFIG_FORMAT_DEFS(o, sep_validator)                                        \
        {.name = "format.class", .type = SL_CFG_CLASS, .importance = SL_CFG_HIGH,      \
         .documentation = "The format of the objects: " S3_JSON_FORMAT " (one JSON "   \
                          "value per line, .json; restored schemaless) or "            \
                          S3_BYTEARRAY_FORMAT " (the raw values between separators, "  \
                          ".bin; restored as bytes). Objects compressed with zstd "    \
                          "(s3.compression.type) end in .zst.",                        \
         .group = S3_GROUP_CONN, .order = (o), .flags = SL_CFG_REQUIRED,               \
         .validator = s3_format_validator, .display_name = "Format class"},            \
        {.name = "format.bytearray.separator", .type = SL_CFG_STRING,                  \
         .importance = SL_CFG_LOW,                                                     \
         .documentation = "String between the records of ByteArrayFormat objects "     \
                          "(Java escapes such as \\n or \\u0001 allowed). Defaults "  \
                          "to \\n.",                                                   \
         .group = S3_GROUP_CONN, .order = (o) + 1, .validator = (sep_validator),       \
         .display_name = "Line separator ByteArrayFormat"}

/* directory.delim and file.delim at orders o and o + 1: object names are
 * <topics.dir><d><topic><d>partition=<p><d><topic><f><p><f><offset>.<ext> */
#define S3_CONFIG_DELIM_DEFS(o)                                                        \
        {.name = "directory.delim", .type = SL_CFG_STRING, .default_value = "/",       \
         .importance = SL_CFG_MEDIUM, .documentation = "Directory delimiter pattern",  \
         .group = S3_GROUP_STORAGE, .order = (o), .flags = SL_CFG_NONEMPTY,            \
         .display_name = "Directory Delimiter"},                                       \
        {.name = "file.delim", .type = SL_CFG_STRING, .default_value = "+",            \
         .importance = SL_CFG_MEDIUM, .documentation = "File delimiter pattern",       \
         .group = S3_GROUP_STORAGE, .order = (o) + 1, .flags = SL_CFG_NONEMPTY,        \
         .display_name = "File Delimiter"}

/* s3.part.retries and s3.retry.backoff.ms at orders o and o + 1. */
#define S3_CONFIG_RETRY_DEFS(o)                                                        \
        {.name = "s3.part.retries", .type = SL_CFG_INT, .default_value = "3",          \
         .importance = SL_CFG_MEDIUM,                                                  \
         .documentation = "Maximum number of retries of an S3 request (part uploads "  \
                          "and every other request) that failed with a transient "     \
                          "error (connection error, timeout, 5xx) before the task "    \
                          "fails.",                                                    \
         .group = S3_GROUP_S3, .order = (o), .flags = SL_CFG_MIN, .min = 0,            \
         .display_name = "S3 Part Upload Retries"},                                    \
        {.name = "s3.retry.backoff.ms", .type = SL_CFG_LONG, .default_value = "200",   \
         .importance = SL_CFG_LOW,                                                     \
         .documentation = "How long to wait in milliseconds before attempting the "    \
                          "first retry of a failed S3 request; the wait doubles with " \
                          "every retry, up to 10 seconds.",                            \
         .group = S3_GROUP_S3, .order = (o) + 1, .flags = SL_CFG_MIN, .min = 0,        \
         .display_name = "Retry Backoff (ms)"}

/* format.class as the kind of objects (JsonFormat when not set). */
s3_format_kind_t s3_format_kind_of(const sl_strmap_t *config);
/* format.bytearray.separator unescaped into out (\n when not set);
 * SL_ERR_CONFIG with errstr set when it is invalid, or empty and
 * !allow_empty. */
int s3_separator_of(const sl_strmap_t *config, bool allow_empty, sl_buf_t *out,
                    char *errstr, size_t errstr_size);

/* ------------------------------------------------------------ naming */

typedef struct s3_layout {
        const char *topics_dir;  /* topics.dir */
        const char *dir_delim;   /* directory.delim */
        const char *file_delim;  /* file.delim */
        int pad_width;           /* filename.offset.zero.pad.width */
        s3_format_kind_t kind;   /* extension json / bin */
        bool zstd;               /* extension gets .zst */
} s3_layout_t;

/* "<topics.dir>/<topic>/partition=<p>/" appended to out: every object of
 * the partition, and nothing of partition 10 when p is 1. */
int s3_partition_prefix(const s3_layout_t *l, const char *topic, int32_t partition,
                        sl_buf_t *out);
/* The object of the records from start_offset on:
 * <prefix><topic>+<p>+<start zero-padded>.<ext>[.zst] appended to out. */
int s3_object_key(const s3_layout_t *l, const char *topic, int32_t partition,
                  int64_t start_offset, sl_buf_t *out);

/* --------------------------------------------------------- rendering */

typedef struct s3_format {
        s3_format_kind_t kind;
        const char *sep; /* ByteArrayFormat separator (unescaped) */
        size_t sep_len;
        bool ignore_nulls; /* behavior.on.null.values=ignore */
} s3_format_t;

/* Java string escapes (\n \r \t \b \f \0 \\ \" \' \uXXXX) resolved, as
 * Confluent does for format.bytearray.separator. SL_ERR_PARSE on a bad
 * escape. */
int s3_unescape(const char *s, sl_buf_t *out);
/* The record's value as one object line, appended to out: JsonFormat
 * writes schemaless JSON plus "\n", ByteArrayFormat the raw bytes/string
 * plus the separator. 0, 1 when the record is skipped (a null value with
 * ignore_nulls), or < 0 with errstr set (null value with fail, a value
 * ByteArrayFormat cannot write). out is unchanged unless 0 is returned. */
int s3_format_record(const s3_format_t *f, const sl_sink_record_t *rec, sl_buf_t *out,
                     char *errstr, size_t errstr_size);

/* ---------------------------------------------------- object encoder */

/* The bytes of one object as they are produced: copied as they are, or
 * one zstd frame (ZSTD_compressStream2) spanning the whole object. */
typedef struct s3_enc {
        void *zctx; /* ZSTD_CCtx, NULL: no compression */
        int level;
} s3_enc_t;

/* level < 0: zstd's default level. */
int s3_enc_init(s3_enc_t *e, bool zstd, int level, char *errstr, size_t errstr_size);
int s3_enc_write(s3_enc_t *e, const void *p, size_t n, sl_buf_t *out, char *errstr,
                 size_t errstr_size);
/* Ends the object (the frame's epilogue goes to out); the encoder is ready
 * for the next object. */
int s3_enc_end(s3_enc_t *e, sl_buf_t *out, char *errstr, size_t errstr_size);
/* Drops a half-written object. */
void s3_enc_reset(s3_enc_t *e);
void s3_enc_free(s3_enc_t *e);

/* ----------------------------------------------------------- rotation */

typedef struct s3_rotation {
        int64_t flush_size;  /* records per object */
        int64_t interval_ms; /* rotate.interval.ms, <= 0 off */
        int64_t schedule_ms; /* rotate.schedule.interval.ms, <= 0 off */
        s3_ts_kind_t ts_kind;
        const char *ts_field; /* timestamp.field for RecordField */
} s3_rotation_t;

/* The open object's rotation state. */
typedef struct s3_rot_state {
        int64_t count;      /* records in the object; 0: none open */
        int64_t base_ts;    /* timestamp of its first record */
        int64_t next_sched; /* wall clock of the scheduled rotation */
} s3_rot_state_t;

/* The timestamp rotate.interval.ms compares: now for Wallclock, the
 * record's timestamp for Record, a numeric value field (epoch ms) for
 * RecordField. < 0 with errstr when the record has none. */
int s3_record_ts(const s3_rotation_t *r, const sl_sink_record_t *rec, int64_t now,
                 int64_t *ts, char *errstr, size_t errstr_size);
/* Must the open object be finished before a record with ts is added? */
bool s3_rot_before(const s3_rotation_t *r, const s3_rot_state_t *st, int64_t ts,
                   int64_t now);
/* Account a record added to the object (opening it when count is 0). */
void s3_rot_add(const s3_rotation_t *r, s3_rot_state_t *st, int64_t ts, int64_t now);
/* Is the object full (flush.size records)? */
bool s3_rot_full(const s3_rotation_t *r, const s3_rot_state_t *st);
/* Must an open object be finished now although no record arrived?
 * Only wall-clock rules can say so: record-time rotation waits for the
 * next record, which keeps object boundaries deterministic. */
bool s3_rot_idle(const s3_rotation_t *r, const s3_rot_state_t *st, int64_t now);

#endif
