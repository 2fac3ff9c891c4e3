/*
 * The sluice connector ABI. A connector plugin is one statically
 * initialised sl_connector_plugin_t: its config table drives parsing,
 * defaults, validation and the REST documentation, and its callbacks run
 * the connector and its tasks.
 *
 * Built-in connectors are linked into sluice. External ones are shared
 * objects found under plugin.path that export
 *
 *     const sl_connector_plugin_t *const sl_plugins[];   (NULL-terminated)
 *
 * and were built against the same SL_PLUGIN_ABI_VERSION.
 */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include <sys/types.h>

#include "sluice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SL_PLUGIN_ABI_VERSION 3
#define SL_PLUGINS_SYMBOL "sl_plugins"

/* ------------------------------------------------------ config tables */

typedef enum sl_cfg_type {
        SL_CFG_BOOLEAN = 0,
        SL_CFG_STRING,
        SL_CFG_INT,
        SL_CFG_SHORT,
        SL_CFG_LONG,
        SL_CFG_DOUBLE,
        SL_CFG_LIST,
        SL_CFG_CLASS,
        SL_CFG_PASSWORD,
} sl_cfg_type_t;

typedef enum sl_cfg_importance {
        SL_CFG_HIGH = 0,
        SL_CFG_MEDIUM,
        SL_CFG_LOW,
} sl_cfg_importance_t;

typedef enum sl_cfg_width {
        SL_CFG_WIDTH_NONE = 0,
        SL_CFG_WIDTH_SHORT,
        SL_CFG_WIDTH_MEDIUM,
        SL_CFG_WIDTH_LONG,
} sl_cfg_width_t;

/* flags */
#define SL_CFG_REQUIRED 0x1  /* no default value: must be given */
#define SL_CFG_MIN 0x2       /* numeric value >= min */
#define SL_CFG_MAX 0x4       /* numeric value <= max */
#define SL_CFG_NONEMPTY 0x8  /* string/list must not be empty */

typedef struct sl_config_def {
        const char *name;          /* NULL terminates a table */
        sl_cfg_type_t type;
        const char *default_value; /* NULL: default null (unless REQUIRED) */
        sl_cfg_importance_t importance;
        const char *documentation;
        const char *group;
        int order;
        sl_cfg_width_t width;
        const char *display_name;
        unsigned flags;
        double min, max;
        /* NULL-terminated; value must equal one (case-insensitively) */
        const char *const *valid_values;
        /* Extra check; return 0 or write a message (without the
         * "Invalid value ..." prefix) and return SL_ERR_CONFIG. */
        int (*validator)(const char *name, const char *value, char *errstr,
                         size_t errstr_size);
} sl_config_def_t;

/* Typed readers over a validated config (defaults already applied).
 * Missing or unparsable values yield def. */
const char *sl_config_str(const sl_strmap_t *cfg, const char *key);
int64_t sl_config_long(const sl_strmap_t *cfg, const char *key, int64_t def);
bool sl_config_bool(const sl_strmap_t *cfg, const char *key, bool def);
double sl_config_double(const sl_strmap_t *cfg, const char *key, double def);
/* Split a LIST value at commas, trimming whitespace; empty items dropped.
 * Returns count; *itemsp is a malloc'd array of malloc'd strings, free with
 * sl_config_list_free. */
int sl_config_list(const char *value, char ***itemsp);
void sl_config_list_free(char **items, int n);

/* A task_configs callback for connectors whose tasks all run the
 * connector's config (sinks, whose partitions the consumer group shares
 * out): max_tasks copies of config. */
int sl_task_configs_copy(const sl_strmap_t *config, int max_tasks, sl_strmap_t **task_configs,
                         char *errstr, size_t errstr_size);

/* Collected validation errors for a connector's own cross-field checks. */
typedef struct sl_config_errors sl_config_errors_t;
void sl_config_error_add(sl_config_errors_t *errs, const char *key,
                         const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* -------------------------------------------------------------- records */

typedef struct sl_data {
        const sl_json_t *schema; /* Connect schema JSON; NULL = schemaless */
        const sl_json_t *value;  /* NULL = Kafka null */
} sl_data_t;

typedef struct sl_header {
        const char *key;
        const void *value; /* NULL = null header value */
        size_t value_len;
} sl_header_t;

typedef struct sl_source_record {
        const char *topic;
        int32_t partition; /* -1: let the producer's partitioner choose */
        sl_data_t key;
        sl_data_t value;
        int64_t timestamp; /* ms since epoch; 0: now */
        const sl_header_t *headers;
        size_t header_cnt;
} sl_source_record_t;

/* A source task's poll() fills one host-owned batch. The host converts
 * each record when it is added; the batch's offset is committed only once
 * every record of this and all earlier batches has been delivered. */
typedef struct sl_source_batch sl_source_batch_t;

int sl_source_batch_add(sl_source_batch_t *b, const sl_source_record_t *rec);
/* The source partition and offset reached once this batch is delivered
 * (both JSON objects with primitive values; copied). */
int sl_source_batch_set_offset(sl_source_batch_t *b,
                               const sl_json_t *source_partition,
                               const sl_json_t *source_offset);
/* Memory that string/bytes values of added records point into stays valid
 * until release(opaque) is called after the batch's last delivery report.
 * With a hold the host hands that memory to Kafka without copying it;
 * without one it copies. One hold per batch, set BEFORE adding the records
 * that point into it (records added earlier were already copied). release
 * may run on another thread. */
void sl_source_batch_hold(sl_source_batch_t *b, void (*release)(void *opaque),
                          void *opaque);
size_t sl_source_batch_count(const sl_source_batch_t *b);
/* Room left before the host wants the batch back (records). */
size_t sl_source_batch_room(const sl_source_batch_t *b);

typedef struct sl_sink_record {
        const char *topic;
        int32_t partition;
        int64_t offset;
        int64_t timestamp; /* -1 when none */
        sl_data_t key;
        sl_data_t value;
        const sl_header_t *headers;
        size_t header_cnt;
} sl_sink_record_t;

typedef struct sl_topic_partition {
        const char *topic;
        int32_t partition;
        int64_t offset; /* next offset to consume; -1 when unknown */
} sl_topic_partition_t;

/* Kafka Connect's Object.toString() of a value, as FileStreamSink writes
 * it: strings verbatim, null "null", structs "Struct{a=1,b=x}", maps
 * "{a=1, b=x}", arrays "[1, 2]". BYTES are written raw (Java would print a
 * useless "[B@hash"), so a ByteArray pipeline copies files byte for byte.
 * Appends to out. */
int sl_data_to_string(const sl_data_t *d, sl_buf_t *out);

/* ----------------------------------------------------------- task context */

/* A setting of the worker the plugin runs in (worker.properties, config
 * providers resolved), or NULL when it is not set. Callable from every
 * callback, validate and task_configs included; the string stays valid
 * while the worker runs. For worker-wide policies a connector must honour,
 * e.g. the FileStream connectors' file.allowed.paths. */
const char *sl_host_config_get(const char *key);

typedef struct sl_task_ctx sl_task_ctx_t;

const char *sl_task_connector(const sl_task_ctx_t *ctx);
int sl_task_id(const sl_task_ctx_t *ctx);
/* Source tasks: the committed offset for a source partition, as a new JSON
 * object the caller frees, or NULL when none is stored. */
sl_json_t *sl_task_offset(sl_task_ctx_t *ctx, const sl_json_t *source_partition);
/* One numeric field of the committed offset (an integer, or a number
 * stored as a double), or def when there is none. */
int64_t sl_task_offset_long(sl_task_ctx_t *ctx, const sl_json_t *source_partition,
                            const char *key, int64_t def);
/* True when the task should return from a blocking poll soon (false for a
 * NULL ctx: helpers shared with task_configs or validate). */
bool sl_task_stopping(const sl_task_ctx_t *ctx);
/* Waits ms in short slices (this blocks the calling shard: for short
 * waits only); true as soon as the task is asked to stop, else false. */
bool sl_task_sleep(sl_task_ctx_t *ctx, int64_t ms);
/* Sinks, from sink_open: start consuming tp at offset instead of the
 * group's committed offset (Kafka's SinkTaskContext.offset()), for sinks
 * that keep their own offsets next to the data they write. 0, or
 * SL_ERR_STATE outside sink_open / SL_ERR_NOT_FOUND for a partition the
 * open did not name. */
int sl_task_sink_seek(sl_task_ctx_t *ctx, const char *topic, int32_t partition,
                      int64_t offset);
/* Sinks, from sink_put before it returns SL_ERR_RETRIABLE (Kafka's
 * RetriableException with SinkTaskContext.timeout()): the host puts the
 * same records again after ms (default 1000) instead of failing the task,
 * consuming nothing more and committing no offset past them meanwhile, and
 * without holding the shard while it waits. Records the plugin had already
 * delivered before the failure come again too: skip them by their offsets.
 * The plugin decides when to give up (return another error). */
void sl_task_sink_retry_after(sl_task_ctx_t *ctx, int64_t ms);

/* ------------------------------------------------------------------- IO */

/* IO buffers belong to the shard running the task: they are registered
 * with its io_uring, and a buffer goes back to that shard's pool when its
 * last reference is dropped, from any thread. Hold one in a source batch
 * (sl_iobuf_ref, then sl_source_batch_hold with sl_iobuf_unref) and its
 * bytes reach Kafka without a copy. */
typedef struct sl_iobuf sl_iobuf_t;
struct iovec;

/* A free buffer of the calling shard (one reference), or NULL when all
 * are in use (back-pressure: return 0 from poll and try again later) or
 * when not called from a shard (e.g. in task_start). */
sl_iobuf_t *sl_task_iobuf(sl_task_ctx_t *ctx);
char *sl_iobuf_data(sl_iobuf_t *buf);
size_t sl_iobuf_size(const sl_iobuf_t *buf);
void sl_iobuf_ref(sl_iobuf_t *buf);
void sl_iobuf_unref(sl_iobuf_t *buf);
/* Read len bytes at file_off into buf at buf_off: an io_uring fixed-buffer
 * read on the shard's ring. Bytes read, 0 at end of file, or -errno. */
ssize_t sl_task_read(sl_task_ctx_t *ctx, int fd, sl_iobuf_t *buf, size_t buf_off,
                     size_t len, int64_t file_off);
/* Write all of iov at the file position (io_uring writev on a shard,
 * writev(2) elsewhere). Bytes written or -errno (e.g. -ENOSPC). */
ssize_t sl_task_writev(sl_task_ctx_t *ctx, int fd, const struct iovec *iov, int iovcnt);
/* fdatasync through the shard's ring. 0 or -errno. */
int sl_task_fdatasync(sl_task_ctx_t *ctx, int fd);

/* TCP sockets. On a shard, connect/send/recv are io_uring operations on
 * its ring; elsewhere (task_start, tests with ctx NULL) system calls. Each
 * call is bounded by timeout_ms (<= 0: no bound) and returns -ETIMEDOUT
 * when it runs out. Close the fd with close(2). */
/* A connected, non-blocking TCP socket to host:port (a numeric address or
 * a name resolved with getaddrinfo), or -errno. */
int sl_task_connect(sl_task_ctx_t *ctx, const char *host, int port, int timeout_ms);
/* Send all of iov: the total length or -errno (-EPIPE, -ECONNRESET...). */
ssize_t sl_task_send(sl_task_ctx_t *ctx, int fd, const struct iovec *iov, int iovcnt,
                     int timeout_ms);
/* Receive up to len bytes: a count > 0, 0 when the peer closed, or -errno. */
ssize_t sl_task_recv(sl_task_ctx_t *ctx, int fd, void *buf, size_t len, int timeout_ms);

/* ---------------------------------------------------------- the plugin */

typedef enum sl_connector_type {
        SL_CONNECTOR_SOURCE = 1,
        SL_CONNECTOR_SINK = 2,
} sl_connector_type_t;

typedef struct sl_connector_plugin {
        int abi_version;            /* SL_PLUGIN_ABI_VERSION */
        sl_connector_type_t type;
        /* Kafka Connect class name; REST also accepts the simple name and
         * the simple name without a trailing "Connector". */
        const char *class_name;
        const char *version;
        const sl_config_def_t *config; /* connector keys; NULL-name ends */

        /* Optional cross-field validation after per-key checks. */
        void (*validate)(const sl_strmap_t *config, sl_config_errors_t *errs);

        /* Split the connector into at most max_tasks task configs: fill
         * task_configs[0..n-1] (empty maps provided) and return n >= 0, or
         * return < 0 with errstr set. */
        int (*task_configs)(const sl_strmap_t *config, int max_tasks,
                            sl_strmap_t **task_configs, char *errstr,
                            size_t errstr_size);

        /* Task lifecycle. start receives the task config merged over the
         * connector config; state is the task's private pointer. */
        int (*task_start)(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                          void **statep, char *errstr, size_t errstr_size);
        void (*task_stop)(void *state);

        /* Source: add up to sl_source_batch_room() records; return the
         * number added (0 when nothing is ready: the host waits a little
         * and polls again) or < 0 with errstr set to fail the task. */
        int (*source_poll)(void *state, sl_source_batch_t *batch,
                           char *errstr, size_t errstr_size);

        /* Sink: deliver records; < 0 fails the task. */
        int (*sink_put)(void *state, const sl_sink_record_t *records,
                        size_t cnt, char *errstr, size_t errstr_size);
        /* Sink: make everything put so far durable; the host commits the
         * consumed offsets only after this returns 0. */
        int (*sink_flush)(void *state, char *errstr, size_t errstr_size);
        /* Sink, optional: partitions assigned / about to be revoked. */
        int (*sink_open)(void *state, const sl_topic_partition_t *tps,
                         size_t cnt);
        int (*sink_close)(void *state, const sl_topic_partition_t *tps,
                          size_t cnt);
        /* Sink, optional (Kafka's preCommit): after a successful flush the
         * host offers the offsets it is about to commit (next offset to
         * consume per partition); the plugin may lower an offset to what
         * it has really made durable, or set it to -1 to commit nothing
         * for that partition. Sinks that buffer past a flush (object
         * stores rotating files by size or time) use this. */
        void (*sink_precommit)(void *state, sl_topic_partition_t *tps, size_t cnt);
        /* Source, optional (Kafka's commitRecord, per batch): called on the
         * task's thread once every record of a batch has been delivered,
         * before its offset is committed, with the batch's source
         * partition/offset and, for each topic-partition the batch wrote
         * to, the Kafka offset of the last record written there. Mirrors
         * use it to record upstream->downstream offset pairs. */
        void (*source_delivered)(void *state, const sl_json_t *source_partition,
                                 const sl_json_t *source_offset,
                                 const sl_topic_partition_t *written, size_t cnt);
        /* Optional (Kafka's requestTaskReconfiguration from a connector's
         * monitoring thread): how often (ms; <= 0: never) the host should
         * call task_configs again while the connector runs with this
         * config; it restarts the tasks with the new configs when they
         * differ (new topics to mirror, new tables to read), so
         * task_configs must give the same configs for an unchanged source. */
        int64_t (*reconfigure_interval_ms)(const sl_strmap_t *config);
        /* Source, optional (Kafka's SourceConnector.exactlyOnceSupport):
         * SL_EOS_SUPPORTED when the plugin's tasks resume exactly from the
         * offsets the host stores with each transaction (KIP-618) for this
         * config, SL_EOS_UNSUPPORTED otherwise. Without it a connector with
         * exactly.once.support=required is refused. */
        int (*exactly_once_support)(const sl_strmap_t *config);
} sl_connector_plugin_t;

enum { SL_EOS_UNSUPPORTED = 0, SL_EOS_SUPPORTED = 1 };

#ifdef __cplusplus
}
#endif
#endif
