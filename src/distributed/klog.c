#include "distributed/klog.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOGGER "klog"

/* A synchronous send's rendezvous with its delivery report. Heap-allocated
 * and shared (refs) because a sender that times out returns while the
 * report may still come. */
typedef struct waiter {
        int refs;
        bool done;
        rd_kafka_resp_err_t err;
        int32_t partition;
        int64_t offset;
} waiter_t;

struct sl_klog {
        char *topic;
        sl_klog_cb_t *cb;
        void *opaque;
        /* Templates, duplicated for each start so a failed start can be
         * retried (rd_kafka_new consumes its conf). */
        rd_kafka_conf_t *pconf, *cconf;
        rd_kafka_t *producer, *consumer;
        rd_kafka_topic_t *rkt; /* producer's handle */
        pthread_t reader, poller;
        bool reader_running, poller_running;
        atomic_bool stop_reader, stop_poller;
        int nparts;
        rd_kafka_topic_partition_list_t *positions; /* reader thread only */

        pthread_mutex_t lock;
        pthread_cond_t progress;  /* next[] advanced */
        pthread_cond_t delivered; /* a delivery report was handled */
        int64_t *next;            /* per partition: offset after the last record cb saw */
        long async_pending;
        rd_kafka_resp_err_t async_err; /* first async failure since the last flush */
        char async_errstr[512];
};

/* ------------------------------------------------------------- helpers */

/* Negative timeouts mean "no limit" for the waiting calls. */
static int64_t deadline_after(int timeout_ms) {
        return timeout_ms < 0 ? INT64_MAX / 2 : sl_now_ms() + timeout_ms;
}


/* ETIMEDOUT once deadline (CLOCK_MONOTONIC, as the condvars use) passed. */
static int wait_until(pthread_cond_t *c, pthread_mutex_t *m, int64_t deadline) {
        struct timespec ts = {.tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000};
        return pthread_cond_timedwait(c, m, &ts);
}

static void sleep_ms(int ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

static void rdkafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
        sl_log_level_t l = level <= 3 ? SL_LOG_ERROR : level <= 4 ? SL_LOG_WARN
                           : level <= 6 ? SL_LOG_INFO : SL_LOG_DEBUG;
        sl_log(l, "rdkafka", "[%s] %s: %s", rd_kafka_name(rk), fac, buf);
}

/* defaults, then client_conf, then forced: the caller tunes everything
 * except what the log's correctness depends on. Unknown keys are skipped
 * with a warning (Java-only client settings are common in Connect
 * configs); invalid values are errors. */
static rd_kafka_conf_t *make_conf(const sl_strmap_t *client_conf, const char *client_id,
                                  const char *const *defaults, const char *const *forced,
                                  char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char err[512];

        rd_kafka_conf_set(conf, "client.id", client_id, NULL, 0);
        rd_kafka_conf_set(conf, "log.connection.close", "false", NULL, 0);
        rd_kafka_conf_set_log_cb(conf, rdkafka_log);
        for (int i = 0; defaults && defaults[i]; i += 2)
                rd_kafka_conf_set(conf, defaults[i], defaults[i + 1], NULL, 0);
        for (size_t i = 0; client_conf && i < sl_strmap_count(client_conf); i++) {
                const char *k = sl_strmap_key_at(client_conf, i);
                const char *v = sl_strmap_value_at(client_conf, i);
                rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, k, v, err, sizeof(err));

                if (res == RD_KAFKA_CONF_UNKNOWN) {
                        sl_warn(LOGGER, "Ignoring %s: not a librdkafka client setting", k);
                } else if (res != RD_KAFKA_CONF_OK) {
                        sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                  "Invalid value %s for configuration %s: %s", v, k, err);
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        }
        for (int i = 0; forced && forced[i]; i += 2)
                rd_kafka_conf_set(conf, forced[i], forced[i + 1], NULL, 0);
        return conf;
}

/* Metadata for all topics: a Metadata request naming the topic would
 * auto-create it on brokers with auto.create.topics.enable (and always on
 * the librdkafka mock). */
static int topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr,
                            size_t errstr_size) {
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
        int rc = SL_ERR_NOT_FOUND;

        if (err)
                return sl_seterr(errstr, errstr_size,
                                 err == RD_KAFKA_RESP_ERR__TIMED_OUT ? SL_ERR_TIMEOUT : SL_ERR_KAFKA,
                                 "Cannot get metadata for topic %s: %s", topic,
                                 rd_kafka_err2str(err));
        for (int i = 0; i < md->topic_cnt; i++) {
                const struct rd_kafka_metadata_topic *t = &md->topics[i];

                if (strcmp(t->topic, topic) != 0)
                        continue;
                if (t->partition_cnt > 0)
                        rc = t->partition_cnt;
                else if (t->err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                       "Cannot get partitions of topic %s: %s", topic,
                                       rd_kafka_err2str(t->err));
                break;
        }
        rd_kafka_metadata_destroy(md);
        if (rc == SL_ERR_NOT_FOUND)
                sl_seterr(errstr, errstr_size, rc, "Topic %s does not exist", topic);
        return rc;
}

/* A short-lived handle for metadata and admin requests. */
static rd_kafka_t *admin_client(const sl_strmap_t *client_conf, char *errstr,
                                size_t errstr_size) {
        char err[512];
        rd_kafka_conf_t *conf =
                make_conf(client_conf, "sluice-klog-admin", NULL, NULL, errstr, errstr_size);
        rd_kafka_t *rk;

        if (!conf)
                return NULL;
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot create Kafka client: %s", err);
        }
        return rk;
}

/* ------------------------------------------------------------- producer */

/* Runs on whichever thread polls the producer (poller, or a flusher). */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        sl_klog_t *l = opaque;
        waiter_t *w = m->_private;

        (void)rk;
        pthread_mutex_lock(&l->lock);
        if (w) {
                w->done = true;
                w->err = m->err;
                w->partition = m->partition;
                w->offset = m->offset;
                if (--w->refs == 0)
                        free(w);
        } else {
                l->async_pending--;
                if (m->err && !l->async_err) {
                        l->async_err = m->err;
                        snprintf(l->async_errstr, sizeof(l->async_errstr),
                                 "Failed to send record to topic %s: %s", l->topic,
                                 rd_kafka_err2str(m->err));
                }
        }
        pthread_cond_broadcast(&l->delivered);
        pthread_mutex_unlock(&l->lock);
}

/* Delivery reports are only served by rd_kafka_poll; nobody else polls
 * the producer while callers block on them. */
static void *poller_main(void *arg) {
        sl_klog_t *l = arg;

        while (!atomic_load(&l->stop_poller))
                rd_kafka_poll(l->producer, 100);
        return NULL;
}

int sl_klog_send(sl_klog_t *l, const void *key, size_t key_len, const void *value,
                 size_t value_len, int timeout_ms, int32_t *partitionp, int64_t *offsetp,
                 char *errstr, size_t errstr_size) {
        int64_t deadline = deadline_after(timeout_ms);
        waiter_t *w = NULL;
        rd_kafka_resp_err_t err;
        bool done;

        if (!l->producer)
                return sl_seterr(errstr, errstr_size, SL_ERR_STATE, "Log %s is not started",
                                 l->topic);
        if (timeout_ms >= 0) {
                if (!(w = calloc(1, sizeof(*w))))
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                w->refs = 2; /* sender + delivery report */
        } else {
                pthread_mutex_lock(&l->lock);
                l->async_pending++;
                pthread_mutex_unlock(&l->lock);
        }
        /* A full local queue drains as the broker acknowledges: asynchronous
         * sends block like Java's send(); synchronous ones give up at their
         * deadline. */
        for (;;) {
                err = rd_kafka_producev(
                        l->producer, RD_KAFKA_V_RKT(l->rkt),
                        RD_KAFKA_V_KEY((void *)key, key ? key_len : 0),
                        RD_KAFKA_V_VALUE((void *)value, value ? value_len : 0),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY | (w ? 0 : RD_KAFKA_MSG_F_BLOCK)),
                        RD_KAFKA_V_OPAQUE(w), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || sl_now_ms() >= deadline)
                        break;
                sleep_ms(5);
        }
        if (err) {
                if (w) {
                        free(w);
                } else {
                        pthread_mutex_lock(&l->lock);
                        l->async_pending--;
                        pthread_cond_broadcast(&l->delivered);
                        pthread_mutex_unlock(&l->lock);
                }
                return sl_seterr(errstr, errstr_size,
                                 err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? SL_ERR_TIMEOUT : SL_ERR_KAFKA,
                                 "Failed to send record to topic %s: %s", l->topic,
                                 rd_kafka_err2str(err));
        }
        if (!w)
                return 0;

        pthread_mutex_lock(&l->lock);
        while (!w->done && wait_until(&l->delivered, &l->lock, deadline) != ETIMEDOUT)
                ;
        done = w->done;
        err = w->err;
        if (done && !err) {
                if (partitionp)
                        *partitionp = w->partition;
                if (offsetp)
                        *offsetp = w->offset;
        }
        if (--w->refs == 0)
                free(w);
        pthread_mutex_unlock(&l->lock);
        if (!done)
                return sl_seterr(errstr, errstr_size, SL_ERR_TIMEOUT,
                                 "Timed out after %d ms waiting for a record to be written to topic %s",
                                 timeout_ms, l->topic);
        if (err)
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Failed to send record to topic %s: %s", l->topic,
                                 rd_kafka_err2str(err));
        return 0;
}

int sl_klog_flush(sl_klog_t *l, int timeout_ms, char *errstr, size_t errstr_size) {
        int64_t deadline = deadline_after(timeout_ms);
        int rc = 0;

        if (!l->producer)
                return 0;
        /* rd_kafka_flush also sends lingering batches right away. It waits
         * for concurrent synchronous sends too, which only costs time. */
        rd_kafka_flush(l->producer, sl_ms_until(deadline));
        pthread_mutex_lock(&l->lock);
        /* the poller may still be running the last delivery callbacks */
        while (l->async_pending > 0 && wait_until(&l->delivered, &l->lock, deadline) != ETIMEDOUT)
                ;
        if (l->async_err) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "%s", l->async_errstr);
                l->async_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        } else if (l->async_pending > 0) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_TIMEOUT,
                               "Timed out after %d ms flushing %ld records to topic %s",
                               timeout_ms, l->async_pending, l->topic);
        }
        pthread_mutex_unlock(&l->lock);
        return rc;
}

/* --------------------------------------------------------------- reader */

/* Advance next[] to the consumer's position: it also moves past records the
 * consumer never hands out (transaction markers), which would otherwise
 * keep read_to_end short of the high watermark forever. */
static void sync_positions(sl_klog_t *l) {
        bool moved = false;

        for (int i = 0; i < l->positions->cnt; i++)
                l->positions->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
        if (rd_kafka_position(l->consumer, l->positions))
                return;
        pthread_mutex_lock(&l->lock);
        for (int i = 0; i < l->positions->cnt; i++) {
                const rd_kafka_topic_partition_t *p = &l->positions->elems[i];

                if (p->offset > l->next[p->partition]) {
                        l->next[p->partition] = p->offset;
                        moved = true;
                }
        }
        if (moved)
                pthread_cond_broadcast(&l->progress);
        pthread_mutex_unlock(&l->lock);
}

static void *reader_main(void *arg) {
        sl_klog_t *l = arg;

        while (!atomic_load(&l->stop_reader)) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(l->consumer, 100);

                if (!m) {
                        sync_positions(l);
                        continue;
                }
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                sl_warn(LOGGER, "Error reading topic %s: %s", l->topic,
                                        rd_kafka_message_errstr(m));
                } else if (m->partition >= 0 && m->partition < l->nparts) {
                        l->cb(l->opaque, m->key, m->key_len, m->payload, m->payload ? m->len : 0,
                              m->partition, m->offset);
                        /* only after cb: read_to_end promises cb has seen it */
                        pthread_mutex_lock(&l->lock);
                        if (m->offset + 1 > l->next[m->partition])
                                l->next[m->partition] = m->offset + 1;
                        pthread_cond_broadcast(&l->progress);
                        pthread_mutex_unlock(&l->lock);
                }
                rd_kafka_message_destroy(m);
        }
        return NULL;
}

/* The offset read_to_end must reach on partition p, 0 when there is
 * nothing to read (empty, or retention removed everything). Retries
 * transient errors (leader moving) until the deadline. */
static int partition_end(sl_klog_t *l, int32_t p, int64_t deadline, int64_t *endp) {
        for (;;) {
                int64_t lo, hi;
                rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
                        l->consumer, l->topic, p, &lo, &hi, sl_ms_until(deadline));

                if (!err) {
                        *endp = hi > lo ? hi : 0;
                        return 0;
                }
                if (sl_now_ms() >= deadline)
                        return SL_ERR_TIMEOUT;
                sl_debug(LOGGER, "Cannot get the end offset of %s [%d], retrying: %s", l->topic,
                         (int)p, rd_kafka_err2str(err));
                sleep_ms(100);
        }
}

int sl_klog_read_to_end(sl_klog_t *l, int timeout_ms) {
        int64_t deadline = deadline_after(timeout_ms), recheck;
        int64_t *end;
        int rc = 0;

        if (!l->reader_running)
                return SL_ERR_STATE;
        if (!(end = calloc(l->nparts, sizeof(*end))))
                return SL_ERR_NOMEM;
        for (int p = 0; p < l->nparts && rc == 0; p++)
                rc = partition_end(l, p, deadline, &end[p]);
        recheck = sl_now_ms() + 1000;

        pthread_mutex_lock(&l->lock);
        while (rc == 0) {
                int64_t now = sl_now_ms();
                int lagging = -1;

                for (int p = 0; p < l->nparts && lagging < 0; p++)
                        if (l->next[p] < end[p])
                                lagging = p;
                if (lagging < 0)
                        break;
                if (now >= deadline) {
                        rc = SL_ERR_TIMEOUT;
                        break;
                }
                /* Retention may delete what we wait for (the consumer then
                 * jumps to the new start, maybe the end): recheck a stalled
                 * partition's low watermark every second. */
                if (now >= recheck) {
                        int64_t lo, hi;

                        pthread_mutex_unlock(&l->lock);
                        if (!rd_kafka_query_watermark_offsets(l->consumer, l->topic, lagging, &lo,
                                                              &hi, sl_ms_until(deadline)) &&
                            lo >= end[lagging])
                                end[lagging] = 0;
                        pthread_mutex_lock(&l->lock);
                        recheck = sl_now_ms() + 1000;
                        continue;
                }
                wait_until(&l->progress, &l->lock, recheck < deadline ? recheck : deadline);
        }
        pthread_mutex_unlock(&l->lock);
        free(end);
        return rc;
}

/* ------------------------------------------------------------ lifecycle */

sl_klog_t *sl_klog_new(const char *topic, const sl_strmap_t *client_conf,
                       const char *client_id, sl_klog_cb_t *cb, void *opaque,
                       char *errstr, size_t errstr_size) {
        /* linger.ms=1: config/status writes are latency-bound, not volume */
        static const char *const pdefaults[] = {"linger.ms", "1", NULL};
        /* murmur2_random: keys on the partition a Java client would pick,
         * so Java and sluice workers agree on where a key's history is */
        static const char *const pforced[] = {"acks", "all", "enable.idempotence", "true",
                                              "partitioner", "murmur2_random", NULL};
        /* The mock broker never wakes a waiting fetch: a long wait would
         * delay every read_to_end by that much. */
        static const char *const cdefaults[] = {"fetch.wait.max.ms", "10", NULL};
        /* read_committed: exactly-once source tasks write offsets inside
         * their transactions; an aborted one's must never be applied */
        static const char *const cforced[] = {"enable.auto.commit", "false",
                                              "auto.offset.reset", "earliest",
                                              "isolation.level", "read_committed", NULL};
        static atomic_int seq;
        char id[256], group[512];
        pthread_condattr_t ca;
        sl_klog_t *l;

        if (!topic || !*topic || !cb) {
                sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "A log needs a topic and a callback");
                return NULL;
        }
        if (!(l = calloc(1, sizeof(*l))) || !(l->topic = strdup(topic))) {
                free(l);
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                return NULL;
        }
        l->cb = cb;
        l->opaque = opaque;
        snprintf(id, sizeof(id), "%s", client_id && *client_id ? client_id : "sluice-klog");
        l->pconf = make_conf(client_conf, id, pdefaults, pforced, errstr, errstr_size);
        l->cconf = l->pconf ? make_conf(client_conf, id, cdefaults, cforced, errstr, errstr_size)
                            : NULL;
        if (!l->cconf) {
                if (l->pconf)
                        rd_kafka_conf_destroy(l->pconf);
                free(l->topic);
                free(l);
                return NULL;
        }
        rd_kafka_conf_set_dr_msg_cb(l->pconf, on_delivery);
        rd_kafka_conf_set_opaque(l->pconf, l);
        /* librdkafka's assign() needs a consumer group handle; a private
         * group id that never joins or commits keeps it out of every real
         * group (the worker's own group.id included). */
        snprintf(group, sizeof(group), "%s-%s-%d-%d", id, topic, (int)getpid(),
                 atomic_fetch_add(&seq, 1));
        rd_kafka_conf_set(l->cconf, "group.id", group, NULL, 0);

        pthread_mutex_init(&l->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&l->progress, &ca);
        pthread_cond_init(&l->delivered, &ca);
        pthread_condattr_destroy(&ca);
        return l;
}

/* Ends a thread's current poll on q now rather than at its timeout. */
static void wake(rd_kafka_queue_t *q) {
        if (q) {
                rd_kafka_queue_yield(q);
                rd_kafka_queue_destroy(q);
        }
}

/* Undoes start (also a partial one). */
static void stop_clients(sl_klog_t *l) {
        if (l->reader_running) {
                atomic_store(&l->stop_reader, true);
                wake(rd_kafka_queue_get_consumer(l->consumer));
                pthread_join(l->reader, NULL);
                l->reader_running = false;
        }
        if (l->consumer) {
                rd_kafka_consumer_close(l->consumer);
                rd_kafka_destroy(l->consumer);
                l->consumer = NULL;
        }
        if (l->producer) {
                if (rd_kafka_flush(l->producer, 5000) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
                        sl_warn(LOGGER, "Dropping %d records not yet written to topic %s",
                                rd_kafka_outq_len(l->producer), l->topic);
                        /* their delivery reports (errors) free sync waiters */
                        rd_kafka_purge(l->producer,
                                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                        rd_kafka_flush(l->producer, 1000);
                }
                if (l->poller_running) {
                        atomic_store(&l->stop_poller, true);
                        wake(rd_kafka_queue_get_main(l->producer));
                        pthread_join(l->poller, NULL);
                        l->poller_running = false;
                }
                if (l->async_err)
                        sl_warn(LOGGER, "%s", l->async_errstr);
                if (l->rkt)
                        rd_kafka_topic_destroy(l->rkt);
                l->rkt = NULL;
                rd_kafka_destroy(l->producer);
                l->producer = NULL;
        }
        if (l->positions)
                rd_kafka_topic_partition_list_destroy(l->positions);
        l->positions = NULL;
        free(l->next);
        l->next = NULL;
        l->nparts = 0;
        atomic_store(&l->stop_reader, false);
        atomic_store(&l->stop_poller, false);
}

int sl_klog_start(sl_klog_t *l, int timeout_ms, char *errstr, size_t errstr_size) {
        int64_t deadline = deadline_after(timeout_ms);
        rd_kafka_topic_partition_list_t *assign;
        const struct rd_kafka_metadata *md;
        rd_kafka_topic_t *crkt;
        rd_kafka_resp_err_t kerr;
        rd_kafka_conf_t *conf;
        char err[512];
        int n, rc;

        if (l->consumer)
                return sl_seterr(errstr, errstr_size, SL_ERR_STATE, "Log %s is already started",
                                 l->topic);
        conf = rd_kafka_conf_dup(l->cconf);
        if (!(l->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err)))) {
                rd_kafka_conf_destroy(conf);
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot create consumer for topic %s: %s", l->topic, err);
        }
        /* errors and events reach the reader's consumer_poll */
        rd_kafka_poll_set_consumer(l->consumer);

        /* Like KafkaBasedLog, wait for a topic created just before to show
         * up in metadata (brokers learn about new topics asynchronously). */
        while ((n = topic_partitions(l->consumer, l->topic, sl_ms_until(deadline), errstr,
                                     errstr_size)) == SL_ERR_NOT_FOUND &&
               sl_now_ms() + 250 < deadline)
                sleep_ms(250);
        if (n < 0) {
                rc = n;
                goto fail;
        }
        l->nparts = n;

        /* Only now that the topic is known to exist may a client name it.
         * Asking for its metadata up front spares the first send the
         * producer's lazy lookup (up to a second). */
        conf = rd_kafka_conf_dup(l->pconf);
        if (!(l->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)))) {
                rd_kafka_conf_destroy(conf);
                rc = sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                               "Cannot create producer for topic %s: %s", l->topic, err);
                goto fail;
        }
        if (!(l->rkt = rd_kafka_topic_new(l->producer, l->topic, NULL))) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot use topic %s: %s",
                               l->topic, rd_kafka_err2str(rd_kafka_last_error()));
                goto fail;
        }
        if (!rd_kafka_metadata(l->producer, 0, l->rkt, &md, sl_ms_until(deadline)))
                rd_kafka_metadata_destroy(md);

        l->next = calloc(n, sizeof(*l->next));
        l->positions = rd_kafka_topic_partition_list_new(n);
        assign = rd_kafka_topic_partition_list_new(n);
        for (int p = 0; p < n; p++) {
                rd_kafka_topic_partition_list_add(l->positions, l->topic, p);
                rd_kafka_topic_partition_list_add(assign, l->topic, p)->offset =
                        RD_KAFKA_OFFSET_BEGINNING;
        }
        /* Same for the consumer: assigned before it knows the leaders, it
         * retries its first offset lookup only after 500 ms. */
        crkt = rd_kafka_topic_new(l->consumer, l->topic, NULL);
        if (crkt && !rd_kafka_metadata(l->consumer, 0, crkt, &md, sl_ms_until(deadline)))
                rd_kafka_metadata_destroy(md);
        kerr = rd_kafka_assign(l->consumer, assign);
        if (crkt)
                rd_kafka_topic_destroy(crkt);
        rd_kafka_topic_partition_list_destroy(assign);
        if (kerr) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot assign topic %s: %s",
                               l->topic, rd_kafka_err2str(kerr));
                goto fail;
        }

        if ((rc = pthread_create(&l->poller, NULL, poller_main, l)) != 0) {
                rc = sl_seterr(errstr, errstr_size, -rc, "Cannot start a thread: %s", strerror(rc));
                goto fail;
        }
        l->poller_running = true;
        if ((rc = pthread_create(&l->reader, NULL, reader_main, l)) != 0) {
                rc = sl_seterr(errstr, errstr_size, -rc, "Cannot start a thread: %s", strerror(rc));
                goto fail;
        }
        l->reader_running = true;

        rc = sl_klog_read_to_end(l, sl_ms_until(deadline));
        if (rc != 0) {
                sl_seterr(errstr, errstr_size, rc, "Cannot read topic %s to its end within %d ms: %s",
                          l->topic, timeout_ms, sl_err2str(rc));
                goto fail;
        }
        sl_info(LOGGER, "Read topic %s (%d partitions) to its end", l->topic, n);
        return 0;
fail:
        stop_clients(l);
        return rc;
}

int sl_klog_partition_count(const sl_klog_t *l) { return l->nparts; }

void sl_klog_destroy(sl_klog_t *l) {
        if (!l)
                return;
        stop_clients(l);
        rd_kafka_conf_destroy(l->pconf);
        rd_kafka_conf_destroy(l->cconf);
        pthread_cond_destroy(&l->progress);
        pthread_cond_destroy(&l->delivered);
        pthread_mutex_destroy(&l->lock);
        free(l->topic);
        free(l);
}

/* --------------------------------------------------------------- topics */

int sl_kafka_topic_partitions(const sl_strmap_t *client_conf, const char *topic,
                              int timeout_ms, char *errstr, size_t errstr_size) {
        rd_kafka_t *rk = admin_client(client_conf, errstr, errstr_size);
        int rc;

        if (!rk)
                return SL_ERR_KAFKA;
        rc = topic_partitions(rk, topic, timeout_ms, errstr, errstr_size);
        rd_kafka_destroy(rk);
        return rc;
}

static int create_topic(rd_kafka_t *rk, const char *topic, int partitions,
                        int replication_factor, const sl_strmap_t *configs, int64_t deadline,
                        char *errstr, size_t errstr_size) {
        char err[512];
        rd_kafka_NewTopic_t *nt =
                rd_kafka_NewTopic_new(topic, partitions, replication_factor, err, sizeof(err));
        rd_kafka_AdminOptions_t *opts;
        rd_kafka_queue_t *q;
        rd_kafka_event_t *ev;
        int ms = sl_ms_until(deadline), rc = 0;

        if (!nt)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "Cannot create topic %s: %s",
                                 topic, err);
        for (size_t i = 0; configs && i < sl_strmap_count(configs); i++)
                if (rd_kafka_NewTopic_set_config(nt, sl_strmap_key_at(configs, i),
                                                 sl_strmap_value_at(configs, i))) {
                        rd_kafka_NewTopic_destroy(nt);
                        return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                         "Invalid config %s for topic %s",
                                         sl_strmap_key_at(configs, i), topic);
                }
        opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        /* the broker's own wait must end before our request gives up */
        rd_kafka_AdminOptions_set_request_timeout(opts, ms > 0 ? ms : 1, NULL, 0);
        rd_kafka_AdminOptions_set_operation_timeout(opts, ms / 2, NULL, 0);
        q = rd_kafka_queue_new(rk);
        rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
        ev = rd_kafka_queue_poll(q, ms > INT_MAX - 1000 ? -1 : ms + 1000);
        if (!ev) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_TIMEOUT,
                               "Timed out creating topic %s", topic);
        } else if (rd_kafka_event_error(ev)) {
                rd_kafka_resp_err_t e = rd_kafka_event_error(ev);

                rc = sl_seterr(errstr, errstr_size,
                               e == RD_KAFKA_RESP_ERR__TIMED_OUT ? SL_ERR_TIMEOUT : SL_ERR_KAFKA,
                               "Cannot create topic %s: %s", topic,
                               rd_kafka_event_error_string(ev));
        } else {
                size_t cnt = 0;
                const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(
                        rd_kafka_event_CreateTopics_result(ev), &cnt);

                for (size_t i = 0; i < cnt; i++) {
                        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);

                        /* lost a race with another worker: as good as ours */
                        if (e == RD_KAFKA_RESP_ERR_NO_ERROR ||
                            e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                                continue;
                        rc = sl_seterr(errstr, errstr_size,
                                       e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT ? SL_ERR_TIMEOUT
                                                                                : SL_ERR_KAFKA,
                                       "Cannot create topic %s: %s", topic,
                                       rd_kafka_topic_result_error_string(res[i])
                                               ? rd_kafka_topic_result_error_string(res[i])
                                               : rd_kafka_err2str(e));
                }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(q);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_NewTopic_destroy(nt);
        return rc;
}

int sl_kafka_topic_create(const sl_strmap_t *client_conf, const char *topic, int partitions,
                          int replication_factor, const sl_strmap_t *configs, int timeout_ms,
                          char *errstr, size_t errstr_size) {
        int64_t deadline = deadline_after(timeout_ms);
        rd_kafka_t *rk = admin_client(client_conf, errstr, errstr_size);
        int rc;

        if (!rk)
                return SL_ERR_KAFKA;
        rc = topic_partitions(rk, topic, sl_ms_until(deadline), errstr, errstr_size);
        if (rc == SL_ERR_NOT_FOUND) {
                rc = create_topic(rk, topic, partitions, replication_factor, configs, deadline,
                                  errstr, errstr_size);
                if (rc == 0)
                        sl_info(LOGGER, "Created topic %s", topic);
        }
        rd_kafka_destroy(rk);
        return rc > 0 ? 0 : rc;
}
