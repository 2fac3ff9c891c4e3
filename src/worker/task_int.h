/* Task internals shared by task.c, source_task.c, source_batch.c and
 * sink_task.c. */
#ifndef SL_TASK_INT_H
#define SL_TASK_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "shard/shard.h"
#include "worker/task.h"
#include "worker/errors.h"
#include "worker/task_metrics.h"

typedef struct sl_source_batch sl_source_batch_t;
typedef struct sink_run sink_run_t;

struct sl_task_ctx {
        sl_worker_t *worker;
        const sl_connector_plugin_t *plugin;
        char *connector;
        int id;
        sl_strmap_t *config;
        void *state; /* the plugin's */
        sl_shard_t *shard; /* runs step() while attached */
        bool opened;       /* open() succeeded: close() owes the cleanup */
        bool finished;     /* failed: step() has nothing left to do */
        int64_t idle_until, last_commit;
        atomic_bool stop;
        atomic_bool paused;
        atomic_int status; /* sl_state_t */
        pthread_mutex_t lock; /* trace */
        char *trace;
        sl_converter_t *key_conv, *value_conv;
        struct sl_xchain *chain; /* transforms, NULL when none */
        struct sl_errh *errh;    /* errors.* handling */
        pthread_mutex_t topics_lock;
        sl_strmap_t *topics; /* active topics */
        char *last_topic;    /* task thread only: skips the lock */
        atomic_bool topics_cleared; /* tells the task thread to forget last_topic */
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt; /* source: handle of the last topic produced to */

        /* source: batches in poll order, oldest first; pending is the
         * newest one while the producer queue is full */
        sl_source_batch_t *fifo_head, *fifo_tail, *pending;
        atomic_bool delivery_failed;
        char delivery_err[512];
        char convert_err[512];
        bool convert_failed;
        sink_run_t *sink;
        /* source, exactly-once mode only (source_txn.c) */
        struct sl_source_txn *txn;
        sl_task_metrics_t metrics; /* task_metrics.h */
};

/* Marks the task FAILED with a Connect-style trace. */
void sl_task_fail(sl_task_t *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Frees what a task holds once its clients are gone (stop, or a harness
 * that built the task itself). */
void sl_task_release(sl_task_t *t);
/* Source: the producer's handle for topic, cached for the next record. */
rd_kafka_topic_t *sl_task_topic(sl_task_t *t, const char *topic);
/* Record a topic as active (task thread). */
void sl_task_track_topic(sl_task_t *t, const char *topic);

/* Per type: open (control plane: clients, plugin start), step (shard:
 * bounded non-blocking work) and close (control plane: deliver, commit,
 * tear down). open returns 0 or fails the task. */
int sl_source_task_open(sl_task_t *t);
int sl_source_task_step(void *task);
void sl_source_task_close(sl_task_t *t);
int sl_sink_task_open(sl_task_t *t);
int sl_sink_task_step(void *task);
void sl_sink_task_close(sl_task_t *t);

/* Source: poll the plugin once into a new batch (queued, and pending
 * until produced); records added, or -1 when the task failed. */
int sl_source_task_poll(sl_task_t *t);
/* Source: produce what the pending batch still holds (stops at a full
 * producer queue): 1 when records went out, 0 when none did, -1 when a
 * deferred record failed for good (batch abandoned, task finished). */
int sl_source_task_produce_pending(sl_task_t *t);

/* Exactly-once source tasks (source_txn.c, KIP-618): the producer is
 * transactional and each transaction carries its batches' offsets to the
 * offsets topic, so records and offsets commit or vanish together.
 * configure sets the transactional.id before the producer exists; open
 * runs init_transactions (control plane, blocking, fences an older
 * instance of the same task); step replaces the plain step; close commits
 * what was fully produced (bounded) or aborts. */
int sl_source_txn_configure(sl_task_t *t, rd_kafka_conf_t *conf, char *errstr,
                            size_t errstr_size);
int sl_source_txn_open(sl_task_t *t, char *errstr, size_t errstr_size);
int sl_source_txn_step(sl_task_t *t);
void sl_source_txn_close(sl_task_t *t);

/* Source batches (source_batch.c) */
sl_source_batch_t *sl_source_batch_new(sl_task_t *t, size_t max_records);
/* Produce the records not produced yet, stopping early when the producer
 * queue is full (back-pressure: call again later). Returns the number
 * produced by this call. */
size_t sl_source_batch_produce(sl_source_batch_t *b);
bool sl_source_batch_produced_all(const sl_source_batch_t *b);
/* Give up on records never produced (shutdown): the batch completes as
 * failed, so its offset is never committed. */
void sl_source_batch_abandon(sl_source_batch_t *b);
bool sl_source_batch_empty(const sl_source_batch_t *b);
bool sl_source_batch_done(const sl_source_batch_t *b);
bool sl_source_batch_failed(const sl_source_batch_t *b);
const sl_json_t *sl_source_batch_partition(const sl_source_batch_t *b);
const sl_json_t *sl_source_batch_offset(const sl_source_batch_t *b);
void sl_source_batch_destroy(sl_source_batch_t *b);
/* Once per delivered batch, before its offset is committed: the plugin's
 * source_delivered, if it has one (task thread). */
void sl_source_batch_notify(sl_source_batch_t *b);
void sl_source_batch_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);
sl_source_batch_t *sl_source_batch_next(sl_source_batch_t *b);
void sl_source_batch_set_next(sl_source_batch_t *b, sl_source_batch_t *next);

#endif
