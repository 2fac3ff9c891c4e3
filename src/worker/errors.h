/* A task's error handling, configured by Kafka Connect's errors.* keys
 * (KIP-298): retries of retriable failures (errors.retry.timeout,
 * errors.retry.delay.max.ms), tolerance (none: the task fails; all: the
 * record is skipped), logging (errors.log.*) and, for sink tasks, the dead
 * letter queue (errors.deadletterqueue.*) that keeps the skipped record's
 * original bytes. A record is never dropped without one of these. */
#ifndef SL_ERRORS_H
#define SL_ERRORS_H

#include <librdkafka/rdkafka.h>

#include "sluice/plugin.h"

typedef struct sl_task_ctx sl_task_t;
typedef struct sl_errh sl_errh_t;

/* Kafka Connect's Stage names, in its order. */
typedef enum sl_stage {
        SL_STAGE_KEY_CONVERTER,
        SL_STAGE_VALUE_CONVERTER,
        SL_STAGE_HEADER_CONVERTER,
        SL_STAGE_TRANSFORMATION,
        SL_STAGE_TASK_PUT,
        SL_STAGE_TASK_POLL,
        SL_STAGE_KAFKA_PRODUCE,
        SL_STAGE_KAFKA_CONSUME,
} sl_stage_t;

const char *sl_stage_name(sl_stage_t s);

/* What failed, and on which record (consumed for sinks, source for
 * sources; either may be NULL). */
typedef struct sl_errctx {
        sl_stage_t stage;
        const char *class_name; /* the executing class */
        int err;                /* sl_err_t: SL_ERR_RETRIABLE, SL_ERR_CONVERT, ... */
        const char *message;
        const rd_kafka_message_t *consumed;
        const sl_source_record_t *source;
        const char *topic; /* KAFKA_PRODUCE: where the record was going */
        int32_t partition;
} sl_errctx_t;

/* Control plane (task open): config is the task's (validated) config. The
 * dead letter queue's topic is created if missing and its producer
 * started here. NULL with errstr when that fails. */
sl_errh_t *sl_errh_new(sl_task_t *t, const sl_strmap_t *config, bool sink, char *errstr,
                       size_t errstr_size);
void sl_errh_destroy(sl_errh_t *h);

/* Where a task stands in retrying the record it is stuck on (zeroed: no
 * failure yet). */
typedef struct sl_retry {
        int64_t first_ms, retry_at;
        int attempts;
} sl_retry_t;

/* A failed operation on one record: 1 when it is to be retried at
 * r->retry_at (retriable, and the errors.retry.timeout budget started by
 * its first failure lasts; back-off from 300 ms, doubling, capped at
 * errors.retry.delay.max.ms), else what sl_errh_report decides: 0 (the
 * record is skipped) or -1 (the task failed). r is reset unless retrying. */
int sl_errh_handle(sl_errh_t *h, sl_retry_t *r, const sl_errctx_t *ctx);

/* A failure that retries did not cure: logs it when errors.log.enable,
 * sends the consumed record to the dead letter queue when configured and
 * returns true when errors.tolerance=all lets the task skip the record.
 * Otherwise fails the task with Kafka's "Tolerance exceeded in error
 * handler" trace and returns false. */
bool sl_errh_report(sl_errh_t *h, const sl_errctx_t *ctx);

/* Sink: waits (up to timeout_ms, 0 = just poll) for dead letter queue
 * deliveries so offsets are committed only past records that reached it.
 * 0, SL_ERR_TIMEOUT (some still in flight: do not commit yet) or
 * SL_ERR_KAFKA with errstr (a record could not be written). */
int sl_errh_flush(sl_errh_t *h, int timeout_ms, char *errstr, size_t errstr_size);

bool sl_errh_tolerates_all(const sl_errh_t *h);
/* The class of the task's key or value converter (for error context). */
const char *sl_errh_converter_class(const sl_errh_t *h, bool key);

/* Errors tolerated so far (for tests and metrics). */
int64_t sl_errh_skipped(const sl_errh_t *h);

#endif
