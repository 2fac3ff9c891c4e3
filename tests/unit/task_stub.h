/* The plugin-facing host API for connector unit tests (task_stub.c): no
 * worker, no shard. Sockets use system calls; source batches record what
 * a task adds so tests can look at it. */
#ifndef SL_TEST_TASK_STUB_H
#define SL_TEST_TASK_STUB_H

#include "sluice/plugin.h"

/* A context for task_start; free with stub_ctx_free. offsets: committed
 * source offsets the task sees, as a JSON array of
 * [partition-object, offset-object] pairs (NULL: none). */
sl_task_ctx_t *stub_ctx_new(const char *connector, int id, const char *offsets_json);
void stub_ctx_free(sl_task_ctx_t *ctx);
void stub_ctx_stop(sl_task_ctx_t *ctx); /* sl_task_stopping() -> true */

/* Seeks a sink asked for in sink_open, in order. */
typedef struct stub_seek {
        char topic[256];
        int32_t partition;
        int64_t offset;
} stub_seek_t;
size_t stub_seeks(const sl_task_ctx_t *ctx, const stub_seek_t **seeks);
/* What sl_task_sink_retry_after was last given (-1: never). */
int64_t stub_retry_after(const sl_task_ctx_t *ctx);

/* A source batch of at most room records. Records added are kept as
 * strings: the key and value rendered with sl_data_to_string ("null" for
 * null), plus topic, partition and timestamp. */
typedef struct stub_record {
        char *topic;
        int32_t partition;
        int64_t timestamp;
        char *key, *value;
        sl_json_t *key_schema, *value_schema; /* copies or NULL */
        sl_json_t *value_json;                /* copy of the value or NULL */
} stub_record_t;
sl_source_batch_t *stub_batch_new(size_t room);
void stub_batch_free(sl_source_batch_t *b);
size_t stub_batch_records(const sl_source_batch_t *b, const stub_record_t **recs);
/* What set_offset was given last (NULL when never called). */
const sl_json_t *stub_batch_partition(const sl_source_batch_t *b);
const sl_json_t *stub_batch_offset(const sl_source_batch_t *b);
/* Runs the hold's release, as the host does after the last delivery. */
void stub_batch_release(sl_source_batch_t *b);

#endif
