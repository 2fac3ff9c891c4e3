/* Per-task counters and the registry of live tasks that metrics scrapes
 * walk. Counters live inside the task and are bumped on the shard hot path
 * with relaxed atomic adds: no lock, no allocation. A scrape copies them
 * (and, for sinks, the per-partition lag) under the registry lock; a task
 * leaves the registry before its Kafka clients are destroyed or it is
 * freed, so a scrape never touches either. */
#ifndef SL_TASK_METRICS_H
#define SL_TASK_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/task.h"

typedef enum sl_tm_counter {
        SL_TM_SOURCE_POLLED,  /* records the plugin returned from poll */
        SL_TM_SOURCE_WRITTEN, /* records acknowledged by the broker */
        SL_TM_SOURCE_BYTES,   /* key + value bytes of those */
        SL_TM_SINK_READ,      /* records consumed */
        SL_TM_SINK_PUT,       /* records handed to the plugin's put */
        SL_TM_SINK_BYTES,     /* key + value bytes consumed */
        SL_TM_SINK_COMMITS,   /* successful offset commits */
        /* Connect's task-error-metrics */
        SL_TM_ERR_RECORD_ERRORS,
        SL_TM_ERR_RECORD_FAILURES,
        SL_TM_ERR_RECORDS_SKIPPED,
        SL_TM_ERR_DLQ_REQUESTS,
        SL_TM_ERR_DLQ_FAILURES,
        SL_TM_ERR_ERRORS_LOGGED,
        SL_TM__COUNT
} sl_tm_counter_t;

#define SL_TM_ERR_FIRST SL_TM_ERR_RECORD_ERRORS

typedef struct sl_task_metrics {
        _Atomic uint64_t c[SL_TM__COUNT];
        _Atomic int64_t active; /* source: produced, not yet acknowledged */
        /* the rest: under the registry lock */
        struct sl_task_ctx *prev, *next;
        uint64_t serial;
        bool registered;
        bool clients; /* the task's rk may be used by a scrape */
} sl_task_metrics_t;

static inline void sl_tm_add(sl_task_metrics_t *m, sl_tm_counter_t c, uint64_t n) {
        atomic_fetch_add_explicit(&m->c[c], n, memory_order_relaxed);
}

static inline void sl_tm_active_add(sl_task_metrics_t *m, int64_t n) {
        atomic_fetch_add_explicit(&m->active, n, memory_order_relaxed);
}

/* The Connect kind label of an error counter (total-record-errors, ...). */
const char *sl_tm_error_kind(sl_tm_counter_t c);

/* Task lifecycle (control plane). register: as soon as the task exists;
 * clients_ready: once its Kafka client is up (opened); unregister: before
 * the clients are destroyed (idempotent, blocks while a scrape reads the
 * task). */
void sl_task_metrics_register(sl_task_t *t);
void sl_task_metrics_clients_ready(sl_task_t *t);
void sl_task_metrics_unregister(sl_task_t *t);

/* Paused partitions are not fetched, so the consumer's cached high
 * watermark goes stale while the topic grows: a watermark fetched another
 * way (the metrics sampler's own client) is noted here, tagged with the
 * sampler's round, and the lag uses the higher of the two. forget drops
 * the watermarks not noted in round keep (all for 0). */
void sl_task_metrics_note_watermark(const char *topic, int32_t partition, int64_t high,
                                    uint64_t round);
void sl_task_metrics_forget_watermarks(uint64_t keep);

typedef struct sl_tm_lag {
        char *topic;
        int32_t partition;
        int64_t lag;
} sl_tm_lag_t;

typedef struct sl_tm_snap {
        char *connector;
        int task;
        bool sink;
        sl_state_t state;
        uint64_t serial; /* unique per task instance: a restart gets a new one */
        uint64_t c[SL_TM__COUNT];
        int64_t active;
        sl_tm_lag_t *lags; /* sink, when asked for */
        size_t nlags;
} sl_tm_snap_t;

/* Copies every live task's metrics, in registration order (serials
 * ascending). with_lag: also each sink's lag per assigned partition (high
 * watermark minus position, from librdkafka's cached values: never a
 * broker round trip). Returns the count, or -ENOMEM. */
int sl_task_metrics_snapshot(sl_tm_snap_t **out, bool with_lag);
void sl_task_metrics_snapshot_free(sl_tm_snap_t *s, size_t n);

#endif
