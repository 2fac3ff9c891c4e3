/* Source task: poll the plugin, produce its batch, and advance the stored
 * offsets only past batches whose every record was delivered. step() never
 * blocks: a full producer queue leaves the batch pending for the next
 * step, which is the back-pressure that pauses the source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/task_int.h"

#define LOGGER "source-task"
#define BATCH_MAX_RECORDS 8192
#define IDLE_WAIT_MS 50

static void enqueue(sl_task_t *t, sl_source_batch_t *b) {
        if (t->fifo_tail)
                sl_source_batch_set_next(t->fifo_tail, b);
        else
                t->fifo_head = b;
        t->fifo_tail = b;
}

/* Pop delivered batches in poll order and hand their offsets on: from the
 * shard over its ring to the committer (a full ring leaves the batch at
 * the head for the next step), from the control plane straight into the
 * store. A failed batch stays at the head so nothing after it is ever
 * committed. Returns false when the committer's ring was full. */
static bool collect_delivered(sl_task_t *t, bool on_shard) {
        sl_offset_store_t *store = sl_worker_offsets(t->worker);
        sl_committer_t *committer = sl_worker_committer(t->worker);

        while (t->fifo_head && sl_source_batch_done(t->fifo_head) &&
               !sl_source_batch_failed(t->fifo_head)) {
                sl_source_batch_t *b = t->fifo_head;

                sl_source_batch_notify(b);
                if (sl_source_batch_offset(b)) {
                        if (!on_shard)
                                sl_offset_store_put(store, t->connector,
                                                    sl_source_batch_partition(b),
                                                    sl_source_batch_offset(b));
                        else if (!sl_committer_submit(committer, sl_shard_id(sl_shard_current()),
                                                      t->connector, sl_source_batch_partition(b),
                                                      sl_source_batch_offset(b)))
                                return false;
                }
                t->fifo_head = sl_source_batch_next(b);
                if (!t->fifo_head)
                        t->fifo_tail = NULL;
                sl_source_batch_destroy(b);
        }
        return true;
}

rd_kafka_topic_t *sl_task_topic(sl_task_t *t, const char *topic) {
        if (t->rkt && !strcmp(rd_kafka_topic_name(t->rkt), topic))
                return t->rkt;
        if (t->rkt)
                rd_kafka_topic_destroy(t->rkt);
        t->rkt = rd_kafka_topic_new(t->rk, topic, NULL);
        return t->rkt;
}

/* Control plane: commit everything delivered so far. */
static void commit_offsets(sl_task_t *t) {
        char err[512];

        /* what the shard queued is older than what we put now */
        sl_committer_sync(sl_worker_committer(t->worker));
        collect_delivered(t, false);
        if (sl_offset_store_flush(sl_worker_offsets(t->worker), err, sizeof(err)) != 0)
                sl_error(LOGGER, "%s-%d: offset commit failed (will retry): %s", t->connector,
                         t->id, err);
}

/* librdkafka's first produce to a topic it has no metadata for can wait
 * about a second for the next metadata refresh; asking for the topics the
 * config names up front (here, off the shards) avoids that stall. */
static void warm_topic_metadata(sl_task_t *t) {
        char **items = NULL;
        int n = sl_config_list(sl_strmap_get(t->config, "topic"), &items);

        for (int i = 0; i < n; i++) {
                rd_kafka_topic_t *rkt = rd_kafka_topic_new(t->rk, items[i], NULL);
                const struct rd_kafka_metadata *md = NULL;
                rd_kafka_resp_err_t err;

                if (!rkt)
                        continue;
                err = rd_kafka_metadata(t->rk, 0, rkt, &md, 2000);
                if (err)
                        sl_debug(LOGGER, "%s-%d: metadata for %s: %s", t->connector, t->id,
                                 items[i], rd_kafka_err2str(err));
                else
                        rd_kafka_metadata_destroy(md);
                rd_kafka_topic_destroy(rkt);
        }
        sl_config_list_free(items, n);
}

int sl_source_task_open(sl_task_t *t) {
        char err[1024];
        rd_kafka_conf_t *conf = sl_worker_producer_conf(t->worker, t->connector, t->id,
                                                        t->config, err, sizeof(err));
        bool eos = sl_worker_exactly_once(t->worker);

        if (!conf) {
                sl_task_fail(t, "%s", err);
                return -1;
        }
        rd_kafka_conf_set_dr_msg_cb(conf, sl_source_batch_dr_cb);
        rd_kafka_conf_set_opaque(conf, t);
        if (eos && sl_source_txn_configure(t, conf, err, sizeof(err)) != 0) {
                rd_kafka_conf_destroy(conf);
                sl_task_fail(t, "%s", err);
                return -1;
        }
        t->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!t->rk) {
                rd_kafka_conf_destroy(conf);
                sl_task_fail(t, "Cannot create producer: %s", err);
                return -1;
        }
        if (eos && sl_source_txn_open(t, err, sizeof(err)) != 0) {
                sl_task_fail(t, "%s", err);
                rd_kafka_destroy(t->rk);
                t->rk = NULL;
                return -1;
        }
        if (t->plugin->task_start(t, t->config, &t->state, err, sizeof(err)) != 0) {
                sl_task_fail(t, "Task failed to start: %s", err);
                sl_source_txn_close(t);
                rd_kafka_destroy(t->rk);
                t->rk = NULL;
                return -1;
        }
        warm_topic_metadata(t);
        sl_info(LOGGER, "%s-%d started", t->connector, t->id);
        return 0;
}

int sl_source_task_poll(sl_task_t *t) {
        char err[1024] = "";
        sl_source_batch_t *b = sl_source_batch_new(t, BATCH_MAX_RECORDS);
        int n;

        if (!b) {
                sl_task_fail(t, "Out of memory");
                return -1;
        }
        n = t->plugin->source_poll(t->state, b, err, sizeof(err));
        if (t->convert_failed) { /* the error handler failed the task */
                sl_source_batch_destroy(b);
                return -1;
        }
        if (n < 0) {
                sl_source_batch_destroy(b);
                sl_task_fail(t, "%s", *err ? err : "source poll failed");
                return -1;
        }
        if (sl_source_batch_empty(b)) {
                sl_source_batch_destroy(b);
                /* With batches in flight an empty poll is usually
                 * back-pressure (the plugin's buffers are all held): poll
                 * again as soon as deliveries come back. Otherwise the
                 * source is idle: wait a while, as Kafka Connect does. */
                if (!t->fifo_head)
                        t->idle_until = sl_now_ms() + IDLE_WAIT_MS;
                return 0;
        }
        enqueue(t, b);
        t->pending = b;
        return n > 0 ? n : 1;
}

int sl_source_task_produce_pending(sl_task_t *t) {
        int did;

        if (!t->pending)
                return 0;
        did = sl_source_batch_produce(t->pending) > 0;
        if (t->convert_failed) { /* a deferred record failed for good */
                sl_source_batch_abandon(t->pending);
                t->pending = NULL;
                t->finished = true;
                return -1;
        }
        if (sl_source_batch_produced_all(t->pending))
                t->pending = NULL;
        return did;
}

int sl_source_task_step(void *task) {
        sl_task_t *t = task;
        int did = 0, n;

        if (t->txn)
                return sl_source_txn_step(t);
        if (t->finished)
                return 0;
        did += rd_kafka_poll(t->rk, 0) > 0; /* delivery reports */
        if (atomic_load(&t->delivery_failed)) {
                sl_task_fail(t, "%s", t->delivery_err);
                t->finished = true;
                return 1;
        }
        if ((n = sl_source_task_produce_pending(t)) < 0)
                return 1;
        did += n;
        /* a full ring to the committer pauses the source: never drop */
        if (!collect_delivered(t, true))
                return did;
        if (atomic_load(&t->paused)) {
                atomic_store(&t->status, SL_STATE_PAUSED);
        } else {
                atomic_store(&t->status, SL_STATE_RUNNING);
                if (!t->pending && sl_now_ms() >= t->idle_until) {
                        int n = sl_source_task_poll(t);
                        if (n < 0) {
                                t->finished = true;
                                return 1;
                        }
                        did += n > 0;
                        if (sl_source_task_produce_pending(t) < 0)
                                return 1;
                }
        }
        collect_delivered(t, true);
        return did;
}

/* Deliver what is in flight (bounded by the graceful timeout), commit, and
 * purge the rest so every batch's memory is released. */
void sl_source_task_close(sl_task_t *t) {
        int64_t deadline = sl_now_ms() + sl_worker_shutdown_timeout_ms(t->worker);

        if (t->txn) {
                sl_source_txn_close(t);
        } else {
                if (t->pending) {
                        sl_source_batch_abandon(t->pending);
                        t->pending = NULL;
                }
                while (rd_kafka_outq_len(t->rk) > 0 && sl_now_ms() < deadline)
                        rd_kafka_poll(t->rk, 20);
                commit_offsets(t);
        }
        if (rd_kafka_outq_len(t->rk) > 0) {
                sl_warn(LOGGER, "%s-%d: %d records undelivered at shutdown; their offsets are "
                                "not committed and they will be read again",
                        t->connector, t->id, rd_kafka_outq_len(t->rk));
                rd_kafka_purge(t->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                for (int i = 0; i < 100 && rd_kafka_outq_len(t->rk) > 0; i++)
                        rd_kafka_poll(t->rk, 10);
        }
        while (t->fifo_head) {
                sl_source_batch_t *b = t->fifo_head;
                t->fifo_head = sl_source_batch_next(b);
                sl_source_batch_destroy(b);
        }
        t->fifo_tail = NULL;
        if (t->plugin->task_stop)
                t->plugin->task_stop(t->state);
        t->state = NULL;
        if (t->rkt)
                rd_kafka_topic_destroy(t->rkt);
        t->rkt = NULL;
        rd_kafka_destroy(t->rk);
        t->rk = NULL;
        sl_info(LOGGER, "%s-%d stopped", t->connector, t->id);
}
