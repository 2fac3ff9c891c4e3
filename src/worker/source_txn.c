/* Exactly-once source tasks (KIP-618). The task's producer is
 * transactional (transactional.id <group.id>-<connector>-<task>); each
 * transaction holds whole poll batches plus one offsets-topic record per
 * source partition they advanced, so after a crash either both the
 * records and their offsets are visible to read_committed readers or
 * neither is. The worker's store learns the offsets by reading the
 * offsets topic back, like every other worker, never from the task.
 * The shard never blocks: once the transaction's records and offsets are
 * all acknowledged, the task's own commit thread runs the blocking
 * commit_transaction while the shard leaves the producer alone (librdkafka
 * 2.0's resumable zero-timeout commit can assert on a state transition, so
 * it is not used). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "worker/task_int.h"

#define LOGGER "source-task"
#define INIT_TIMEOUT_MS 60000

enum commit_state { COMMIT_IDLE, COMMIT_RUNNING, COMMIT_DONE, COMMIT_EXIT };

typedef struct sl_source_txn {
        sl_task_t *task;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        enum commit_state state; /* under lock */
        rd_kafka_error_t *result;  /* COMMIT_DONE: NULL when committed */
        int64_t interval_ms;  /* 0: a transaction per poll batch */
        bool open;            /* begin_transaction called */
        bool offsets_written; /* the open transaction's offset records queued */
        bool committed;       /* committed; batches still to be released */
        int64_t first_batch_at;
        rd_kafka_topic_t *offsets_rkt;
        int32_t offsets_partitions;
        uint64_t commits;
} sl_source_txn_t;

static const char *group_id(const sl_task_t *t) {
        return sl_strmap_get(sl_worker_config(t->worker), "group.id");
}

int sl_source_txn_configure(sl_task_t *t, rd_kafka_conf_t *conf, char *errstr,
                            size_t errstr_size) {
        char id[1024], err[256];

        snprintf(id, sizeof(id), "%s-%s-%d", group_id(t), t->connector, t->id);
        if (rd_kafka_conf_set(conf, "transactional.id", id, err, sizeof(err)) != RD_KAFKA_CONF_OK)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "transactional.id: %s", err);
        return 0;
}

static int64_t boundary_interval(const sl_task_t *t) {
        const char *b = sl_strmap_get(t->config, "transaction.boundary");

        if (!b || strcasecmp(b, "interval"))
                return 0;
        return sl_config_long(t->config, "transaction.boundary.interval.ms",
                              sl_worker_flush_interval_ms(t->worker));
}

/* Offset records must land on the partition the worker's offsets-topic
 * writer (murmur2, like Java) uses for the same key, or a later plain
 * write and this one could be applied out of order. */
static int offsets_partitions(sl_task_t *t, sl_source_txn_t *x, char *errstr,
                              size_t errstr_size) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err =
                rd_kafka_metadata(t->rk, 0, x->offsets_rkt, &md, INIT_TIMEOUT_MS / 2);

        if (err)
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot read metadata of the offsets topic %s: %s",
                                 rd_kafka_topic_name(x->offsets_rkt), rd_kafka_err2str(err));
        if (md->topic_cnt == 1 && !md->topics[0].err)
                x->offsets_partitions = md->topics[0].partition_cnt;
        else
                err = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
        rd_kafka_metadata_destroy(md);
        if (x->offsets_partitions <= 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot read metadata of the offsets topic %s: %s",
                                 rd_kafka_topic_name(x->offsets_rkt), rd_kafka_err2str(err));
        return 0;
}

/* Runs each commit the shard asks for, blocking for as long as librdkafka
 * needs (bounded by transaction.timeout.ms). */
static void *commit_thread(void *arg) {
        sl_source_txn_t *x = arg;

        pthread_mutex_lock(&x->lock);
        for (;;) {
                while (x->state != COMMIT_RUNNING && x->state != COMMIT_EXIT)
                        pthread_cond_wait(&x->cond, &x->lock);
                if (x->state == COMMIT_EXIT)
                        break;
                pthread_mutex_unlock(&x->lock);
                rd_kafka_error_t *e = rd_kafka_commit_transaction(x->task->rk, -1);
                pthread_mutex_lock(&x->lock);
                x->result = e;
                x->state = COMMIT_DONE;
                if (x->task->shard)
                        sl_shard_wake(x->task->shard);
                pthread_cond_broadcast(&x->cond);
        }
        pthread_mutex_unlock(&x->lock);
        return NULL;
}

static void txn_free(sl_source_txn_t *x) {
        pthread_mutex_lock(&x->lock);
        while (x->state == COMMIT_RUNNING)
                pthread_cond_wait(&x->cond, &x->lock);
        if (x->result)
                rd_kafka_error_destroy(x->result);
        x->state = COMMIT_EXIT;
        pthread_cond_broadcast(&x->cond);
        pthread_mutex_unlock(&x->lock);
        pthread_join(x->thread, NULL);
        pthread_mutex_destroy(&x->lock);
        pthread_cond_destroy(&x->cond);
        rd_kafka_topic_destroy(x->offsets_rkt);
        free(x);
}

int sl_source_txn_open(sl_task_t *t, char *errstr, size_t errstr_size) {
        sl_source_txn_t *x = calloc(1, sizeof(*x));
        const char *topic = sl_strmap_get(sl_worker_config(t->worker), "offset.storage.topic");
        rd_kafka_error_t *e;

        if (!x)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        x->interval_ms = boundary_interval(t);
        x->offsets_rkt = rd_kafka_topic_new(t->rk, topic, NULL);
        if (!x->offsets_rkt || offsets_partitions(t, x, errstr, errstr_size) != 0) {
                if (x->offsets_rkt)
                        rd_kafka_topic_destroy(x->offsets_rkt);
                else
                        sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot use topic %s",
                                  topic);
                free(x);
                return SL_ERR_KAFKA;
        }
        /* also fences an older producer of the same task still running
         * somewhere (a zombie worker) on a real broker */
        if ((e = rd_kafka_init_transactions(t->rk, INIT_TIMEOUT_MS))) {
                sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                          "Cannot initialize the transactional producer: %s",
                          rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
                rd_kafka_topic_destroy(x->offsets_rkt);
                free(x);
                return SL_ERR_KAFKA;
        }
        x->task = t;
        pthread_mutex_init(&x->lock, NULL);
        pthread_cond_init(&x->cond, NULL);
        if (pthread_create(&x->thread, NULL, commit_thread, x) != 0) {
                pthread_mutex_destroy(&x->lock);
                pthread_cond_destroy(&x->cond);
                rd_kafka_topic_destroy(x->offsets_rkt);
                free(x);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Cannot start the transaction commit thread");
        }
        t->txn = x;
        sl_info(LOGGER, "%s-%d: exactly-once source task, transaction boundary %s", t->connector,
                t->id, x->interval_ms ? "interval" : "poll");
        return 0;
}

/* Queue one offset record per source partition the transaction's batches
 * advanced (the newest offset wins). -1 when the producer queue is full:
 * everything is retried on the next step, duplicates of a key in one
 * transaction being harmless. */
static int write_offsets(sl_task_t *t, sl_source_txn_t *x) {
        sl_json_t *latest = sl_json_object();
        int rc = 0;

        if (!latest)
                return -1;
        for (sl_source_batch_t *b = t->fifo_head; b; b = sl_source_batch_next(b)) {
                char *key;

                if (!sl_source_batch_offset(b))
                        continue;
                if (!(key = sl_offset_store_key(t->connector, sl_source_batch_partition(b))) ||
                    sl_json_object_set(latest, key, sl_json_dup(sl_source_batch_offset(b)))) {
                        free(key);
                        sl_json_free(latest);
                        return -1;
                }
                free(key);
        }
        for (size_t i = 0; i < latest->u.obj.len && rc == 0; i++) {
                const char *key = latest->u.obj.keys[i];
                char *value = sl_json_to_string(latest->u.obj.vals[i]);
                int32_t p = rd_kafka_msg_partitioner_murmur2_random(
                        x->offsets_rkt, key, strlen(key), x->offsets_partitions, NULL, NULL);
                rd_kafka_resp_err_t err;

                if (!value) {
                        rc = -1;
                        break;
                }
                err = rd_kafka_producev(t->rk, RD_KAFKA_V_RKT(x->offsets_rkt),
                                        RD_KAFKA_V_PARTITION(p),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_KEY(key, strlen(key)),
                                        RD_KAFKA_V_VALUE(value, strlen(value)),
                                        RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
                free(value);
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        rc = -1;
                } else if (err) {
                        if (!atomic_exchange(&t->delivery_failed, true))
                                snprintf(t->delivery_err, sizeof(t->delivery_err),
                                         "Cannot write source offsets: %s", rd_kafka_err2str(err));
                        rc = -1;
                }
        }
        sl_json_free(latest);
        return rc;
}

/* The transaction's batches are delivered and committed: hand them to
 * source_delivered and free them. Their delivery reports were served by
 * the commit's flush; one still missing is waited for on a later step. */
static int release_committed(sl_task_t *t, sl_source_txn_t *x) {
        int did = 0;

        while (t->fifo_head && sl_source_batch_done(t->fifo_head)) {
                sl_source_batch_t *b = t->fifo_head;

                sl_source_batch_notify(b);
                t->fifo_head = sl_source_batch_next(b);
                sl_source_batch_destroy(b);
                did = 1;
        }
        if (!t->fifo_head) {
                t->fifo_tail = NULL;
                x->committed = false;
        }
        return did;
}

static void committed(sl_task_t *t, sl_source_txn_t *x) {
        x->open = x->offsets_written = false;
        x->first_batch_at = 0;
        x->committed = true;
        if (++x->commits == 1)
                sl_info(LOGGER, "%s-%d: first transaction committed", t->connector, t->id);
        release_committed(t, x);
}

/* Fails the task; close() aborts the open transaction (it may block). */
static int txn_failed(sl_task_t *t, const char *what, rd_kafka_error_t *e) {
        sl_task_fail(t, "%s: %s%s", what, rd_kafka_error_string(e),
                     rd_kafka_error_txn_requires_abort(e)
                             ? " (the transaction is aborted: neither its records nor their "
                               "offsets are committed)"
                             : "");
        rd_kafka_error_destroy(e);
        t->finished = true;
        return 1;
}

/* Non-blocking: queue the offsets, wait (on later steps) until every
 * record of the transaction is acknowledged, then hand the commit to the
 * commit thread and pick its result up on a later step. 1 when something
 * happened. */
static int try_commit(sl_task_t *t, sl_source_txn_t *x) {
        rd_kafka_error_t *e;
        enum commit_state st;

        pthread_mutex_lock(&x->lock);
        st = x->state;
        e = x->result;
        if (st == COMMIT_DONE) {
                x->state = COMMIT_IDLE;
                x->result = NULL;
        }
        pthread_mutex_unlock(&x->lock);
        if (st == COMMIT_RUNNING)
                return 0;
        if (st == COMMIT_DONE) {
                if (!e) {
                        committed(t, x);
                        return 1;
                }
                if (rd_kafka_error_is_retriable(e)) {
                        rd_kafka_error_destroy(e);
                        return 0; /* asked again below on the next step */
                }
                return txn_failed(t, "Cannot commit the transaction", e);
        }
        if (!x->offsets_written) {
                if (write_offsets(t, x) != 0)
                        return atomic_load(&t->delivery_failed) ? 1 : 0;
                x->offsets_written = true;
        }
        /* every delivery report served: the commit thread's flush will
         * not run callbacks concurrently with this shard */
        if (rd_kafka_outq_len(t->rk) > 0)
                return 0;
        pthread_mutex_lock(&x->lock);
        x->state = COMMIT_RUNNING;
        pthread_cond_broadcast(&x->cond);
        pthread_mutex_unlock(&x->lock);
        return 1;
}

static bool commit_running(sl_source_txn_t *x) {
        bool running;

        pthread_mutex_lock(&x->lock);
        running = x->state == COMMIT_RUNNING;
        pthread_mutex_unlock(&x->lock);
        return running;
}

static bool boundary_reached(sl_task_t *t, sl_source_txn_t *x) {
        if (!x->open || !t->fifo_head || t->pending)
                return false;
        if (x->offsets_written || !x->interval_ms || atomic_load(&t->paused) ||
            atomic_load(&t->stop))
                return true;
        return sl_now_ms() - x->first_batch_at >= x->interval_ms;
}

int sl_source_txn_step(sl_task_t *t) {
        sl_source_txn_t *x = t->txn;
        int did = 0, n;

        if (t->finished || commit_running(x))
                return 0;
        did += rd_kafka_poll(t->rk, 0) > 0;
        if (atomic_load(&t->delivery_failed)) {
                sl_task_fail(t, "%s (the transaction is aborted)", t->delivery_err);
                t->finished = true;
                return 1;
        }
        if (x->committed)
                return did + release_committed(t, x);
        if ((n = sl_source_task_produce_pending(t)) < 0)
                return 1;
        did += n;
        if (boundary_reached(t, x))
                return did + try_commit(t, x);
        if (atomic_load(&t->paused)) {
                atomic_store(&t->status, SL_STATE_PAUSED);
                return did;
        }
        atomic_store(&t->status, SL_STATE_RUNNING);
        if (t->pending || sl_now_ms() < t->idle_until)
                return did;
        if (!x->open) {
                rd_kafka_error_t *e = rd_kafka_begin_transaction(t->rk);
                if (e)
                        return txn_failed(t, "Cannot begin a transaction", e);
                x->open = true;
        }
        if ((n = sl_source_task_poll(t)) < 0) {
                t->finished = true;
                return 1;
        }
        did += n > 0;
        if (t->fifo_head && !x->first_batch_at)
                x->first_batch_at = sl_now_ms();
        if (sl_source_task_produce_pending(t) < 0)
                return 1;
        return did;
}

void sl_source_txn_close(sl_task_t *t) {
        sl_source_txn_t *x = t->txn;
        int timeout = (int)sl_worker_shutdown_timeout_ms(t->worker);
        rd_kafka_error_t *e = NULL;

        if (!x)
                return;
        pthread_mutex_lock(&x->lock);
        while (x->state == COMMIT_RUNNING)
                pthread_cond_wait(&x->cond, &x->lock);
        if (x->state == COMMIT_DONE) {
                x->state = COMMIT_IDLE;
                pthread_mutex_unlock(&x->lock);
                if (!x->result) {
                        committed(t, x);
                } else {
                        e = x->result;
                        x->result = NULL;
                }
        } else {
                pthread_mutex_unlock(&x->lock);
        }
        /* a half-produced batch has no offset to commit with its records */
        if (t->pending) {
                sl_source_batch_abandon(t->pending);
                t->pending = NULL;
        }
        if (e) {
                /* the last commit failed: abort below */
        } else if (x->open && !t->finished && t->fifo_head && !atomic_load(&t->delivery_failed) &&
            !sl_source_batch_failed(t->fifo_tail)) {
                if (x->offsets_written || write_offsets(t, x) == 0)
                        e = rd_kafka_commit_transaction(t->rk, timeout);
                else
                        e = rd_kafka_error_new(RD_KAFKA_RESP_ERR__QUEUE_FULL,
                                               "offset records could not be queued");
                if (!e)
                        committed(t, x);
        } else if (x->open && t->fifo_head) {
                e = rd_kafka_error_new(RD_KAFKA_RESP_ERR__STATE, "the task failed");
        } else if (x->open) {
                x->open = false; /* nothing produced: nothing to abort */
        }
        if (e) {
                rd_kafka_error_t *ae;

                sl_warn(LOGGER, "%s-%d: aborting the open transaction (%s); its records will be "
                                "produced again from the last committed offsets",
                        t->connector, t->id, rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
                if ((ae = rd_kafka_abort_transaction(t->rk, timeout))) {
                        sl_warn(LOGGER, "%s-%d: abort failed: %s", t->connector, t->id,
                                rd_kafka_error_string(ae));
                        rd_kafka_error_destroy(ae);
                }
        }
        txn_free(x);
        t->txn = NULL;
}
