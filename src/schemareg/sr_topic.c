/* The registry's log in a Kafka topic (Confluent's _schemas), read with
 * the same KafkaBasedLog-like reader the distributed herder uses. Started
 * on first use so workers that never see a schema never touch the topic. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "distributed/klog.h"
#include "schemareg/sr.h"
#include "worker/worker.h"

#define LOGGER "schema-registry"
#define START_TIMEOUT_MS 30000
#define SEND_TIMEOUT_MS 10000

typedef struct sr_topic {
        sl_worker_t *w;
        sl_sr_t *sr;
        char *topic;
        sl_strmap_t *client_conf;
        pthread_mutex_t lock; /* log's start */
        sl_klog_t *log;       /* NULL until started */
} sr_topic_t;

static void on_record(void *opaque, const char *key, size_t key_len, const char *value,
                      size_t value_len, int32_t partition, int64_t offset) {
        sr_topic_t *t = opaque;

        (void)partition;
        (void)offset;
        if (key)
                sl_sr_apply(t->sr, key, key_len, value, value_len);
}

static int ensure_topic(sr_topic_t *t, char *errstr, size_t errstr_size) {
        char inner[512] = "";
        int n = sl_worker_topic_ensure(t->w, t->client_conf, t->topic, 1, -1, true, 10000, inner,
                                       sizeof(inner));

        if (n < 0)
                return sl_seterr(errstr, errstr_size, n,
                                 "Schema registry topic %s (schema.registry.topic) %s: create it "
                                 "with 1 partition and cleanup.policy=compact",
                                 t->topic, inner);
        if (n != 1)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Schema registry topic %s has %d partitions: it must have "
                                 "exactly one so every worker reads the same order",
                                 t->topic, n);
        return 0;
}

/* Caller holds t->lock. */
static int start(sr_topic_t *t, char *errstr, size_t errstr_size) {
        sl_klog_t *log;
        int rc;

        if (t->log)
                return 0;
        if ((rc = ensure_topic(t, errstr, errstr_size)) != 0)
                return rc;
        log = sl_klog_new(t->topic, t->client_conf, "sluice-schema-registry", on_record, t,
                          errstr, errstr_size);
        if (!log)
                return SL_ERR_KAFKA;
        if ((rc = sl_klog_start(log, START_TIMEOUT_MS, errstr, errstr_size)) != 0) {
                sl_klog_destroy(log);
                return rc;
        }
        sl_info(LOGGER, "Schema registry reading topic %s", t->topic);
        t->log = log;
        return 0;
}

static sl_klog_t *started(sr_topic_t *t, int *rcp, char *errstr, size_t errstr_size) {
        sl_klog_t *log;

        pthread_mutex_lock(&t->lock);
        *rcp = start(t, errstr, errstr_size);
        log = t->log;
        pthread_mutex_unlock(&t->lock);
        if (*rcp != 0) {
                sl_warn(LOGGER, "Schema registry not available: %s", errstr ? errstr : "");
                /* a store that cannot start is a store error, even when
                 * the cause was a timeout; SL_ERR_TIMEOUT is kept for reads
                 * of a started log */
                *rcp = SL_ERR_KAFKA;
        }
        return log;
}

static int topic_send(void *opaque, const char *key, const char *value, char *errstr,
                      size_t errstr_size) {
        sr_topic_t *t = opaque;
        sl_klog_t *log;
        int rc;

        if (!(log = started(t, &rc, errstr, errstr_size)))
                return rc;
        return sl_klog_send(log, key, strlen(key), value, value ? strlen(value) : 0,
                            SEND_TIMEOUT_MS, NULL, NULL, errstr, errstr_size);
}

static int topic_read_to_end(void *opaque, int timeout_ms, char *errstr, size_t errstr_size) {
        sr_topic_t *t = opaque;
        sl_klog_t *log;
        int rc;

        if (!(log = started(t, &rc, errstr, errstr_size)))
                return rc;
        rc = sl_klog_read_to_end(log, timeout_ms);
        if (rc == SL_ERR_TIMEOUT)
                sl_seterr(errstr, errstr_size, rc, "the topic was not read to its end within %d ms",
                          timeout_ms);
        return rc;
}

static void topic_destroy(void *opaque) {
        sr_topic_t *t = opaque;

        sl_klog_destroy(t->log);
        sl_strmap_destroy(t->client_conf);
        pthread_mutex_destroy(&t->lock);
        free(t->topic);
        free(t);
}

sl_sr_t *sl_sr_topic_new(struct sl_worker *w, char *errstr, size_t errstr_size) {
        const char *topic = sl_strmap_get(sl_worker_config(w), "schema.registry.topic");
        sr_topic_t *t = calloc(1, sizeof(*t));
        sl_sr_backend_t be = {topic_send, topic_read_to_end, topic_destroy, t};

        if (!t) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        t->w = w;
        t->topic = strdup(topic && *topic ? topic : "_schemas");
        t->client_conf = sl_strmap_new();
        pthread_mutex_init(&t->lock, NULL);
        /* the same connection settings as the distributed herder's logs */
        sl_strmap_set(t->client_conf, "bootstrap.servers", sl_worker_bootstrap(w));
        if (!(t->sr = sl_sr_new(&be))) {
                topic_destroy(t);
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        return t->sr;
}
