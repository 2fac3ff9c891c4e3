/* Starting and stopping a distributed worker: internal topics, their
 * logs, group membership and the control-plane thread. */
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "distributed/dist_int.h"
#include "rest/rest_client.h"

#define LOGGER "dist"

typedef struct internal_topic {
        const char *key;        /* config.storage / offset.storage / status.storage */
        int partitions;         /* wanted when created; config: exactly 1 */
} internal_topic_t;

static int ensure_topic(sl_dist_t *d, const char *prefix, int partitions, char *errstr,
                        size_t errstr_size) {
        const sl_strmap_t *cfg = sl_worker_config(d->w);
        char key[128];
        const char *topic;
        int n, rf;

        snprintf(key, sizeof(key), "%s.topic", prefix);
        topic = sl_strmap_get(cfg, key);
        snprintf(key, sizeof(key), "%s.replication.factor", prefix);
        rf = (int)sl_config_long(cfg, key, 3);
        n = sl_worker_topic_ensure(d->w, d->client_conf, topic, partitions, rf, true, 30000,
                                   errstr, errstr_size);
        if (n < 0) {
                char inner[512];
                snprintf(inner, sizeof(inner), "%s", errstr ? errstr : "");
                return sl_seterr(errstr, errstr_size, n,
                                 "Internal topic %s (%s.topic) %s: create it with %d "
                                 "partition(s) and cleanup.policy=compact",
                                 topic, prefix, inner, partitions);
        }
        if (!strcmp(prefix, "config.storage") && n != 1)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Topic '%s' supplied via the 'config.storage.topic' property is "
                                 "required to have a single partition in order to guarantee "
                                 "consistency of connector configurations, but found %d "
                                 "partitions.",
                                 topic, n);
        if (!strcmp(prefix, "offset.storage"))
                d->offset_partitions = n;
        return 0;
}

static int offset_write(void *opaque, const char *key, size_t key_len, const char *value,
                        size_t value_len, char *errstr, size_t errstr_size) {
        sl_dist_t *d = opaque;
        if (!key)
                return sl_klog_flush(d->offset_log, 30000, errstr, errstr_size);
        return sl_klog_send(d->offset_log, key, key_len, value, value_len, -1, NULL, NULL,
                            errstr, errstr_size);
}

static int open_log(sl_dist_t *d, sl_klog_t **lp, const char *topic, const char *client,
                    sl_klog_cb_t *cb, char *errstr, size_t errstr_size) {
        *lp = sl_klog_new(topic, d->client_conf, client, cb, d, errstr, errstr_size);
        if (!*lp)
                return SL_ERR_KAFKA;
        return sl_klog_start(*lp, 60000, errstr, errstr_size);
}

static void dist_free(sl_dist_t *d) {
        sl_offset_store_set_writer(sl_worker_offsets(d->w), NULL, NULL);
        sl_klog_destroy(d->config_log);
        sl_klog_destroy(d->status_log);
        sl_klog_destroy(d->offset_log);
        sl_member_destroy(d->member);
        sl_strmap_destroy(d->client_conf);
        sl_rest_client_destroy(d->rest_client);
        sl_json_free(d->pending_tasks);
        sl_json_free(d->joins);
        sl_json_free(d->assignment);
        sl_json_free(d->assignment_prev);
        sl_json_free(d->restarts);
        sl_json_free(d->task_restarts);
        sl_json_free(d->statuses);
        pthread_mutex_destroy(&d->write_lock);
        pthread_mutex_destroy(&d->status_lock);
        free(d);
}

int sl_herder_start_distributed(sl_herder_t *h, char *errstr, size_t errstr_size) {
        const sl_strmap_t *cfg = sl_worker_config(h->worker);
        sl_dist_t *d = calloc(1, sizeof(*d));
        int rc;

        if (!d)
                return SL_ERR_NOMEM;
        d->h = h;
        d->w = h->worker;
        d->group_id = sl_strmap_get(cfg, "group.id");
        d->config_topic = sl_strmap_get(cfg, "config.storage.topic");
        d->offset_topic = sl_strmap_get(cfg, "offset.storage.topic");
        d->status_topic = sl_strmap_get(cfg, "status.storage.topic");
        d->sync_timeout_ms = (int)sl_config_long(cfg, "worker.sync.timeout.ms", 3000);
        d->shutdown_timeout_ms = sl_worker_shutdown_timeout_ms(d->w);
        d->client_conf = sl_strmap_new();
        sl_strmap_set(d->client_conf, "bootstrap.servers", sl_worker_bootstrap(d->w));
        d->pending_tasks = sl_json_object();
        d->joins = sl_json_object();
        d->join_gen = -1;
        d->restarts = sl_json_array();
        d->task_restarts = sl_json_array();
        d->statuses = sl_json_object();
        pthread_mutex_init(&d->write_lock, NULL);
        pthread_mutex_init(&d->status_lock, NULL);
        atomic_init(&d->stopping, false);
        d->rest_client = sl_rest_client_new(cfg, errstr, errstr_size);
        if (!d->rest_client) {
                rc = SL_ERR_CONFIG;
                goto fail;
        }
        if (sl_config_long(cfg, "scheduled.rebalance.max.delay.ms", 0) != 0)
                sl_warn(LOGGER, "scheduled.rebalance.max.delay.ms is not supported: the work of "
                                "a departed worker moves at once");

        if ((rc = ensure_topic(d, "config.storage", 1, errstr, errstr_size)) != 0 ||
            (rc = ensure_topic(d, "offset.storage",
                               (int)sl_config_long(cfg, "offset.storage.partitions", 25), errstr,
                               errstr_size)) != 0 ||
            (rc = ensure_topic(d, "status.storage",
                               (int)sl_config_long(cfg, "status.storage.partitions", 5), errstr,
                               errstr_size)) != 0)
                goto fail;
        /* REST calls see the view from now on (empty until the logs are read) */
        pthread_mutex_lock(&h->lock);
        h->dist = d;
        pthread_mutex_unlock(&h->lock);
        if ((rc = open_log(d, &d->status_log, d->status_topic, "sluice-status", sl_dist_on_status,
                           errstr, errstr_size)) != 0 ||
            (rc = open_log(d, &d->offset_log, d->offset_topic, "sluice-offsets", sl_dist_on_offset,
                           errstr, errstr_size)) != 0)
                goto fail;
        sl_offset_store_set_writer(sl_worker_offsets(d->w), offset_write, d);
        if ((rc = open_log(d, &d->config_log, d->config_topic, "sluice-configs", sl_dist_on_config,
                           errstr, errstr_size)) != 0)
                goto fail;
        pthread_mutex_lock(&h->lock);
        d->started = true;
        sl_info(LOGGER, "Read the config topic %s: %zu connector(s)", d->config_topic, h->n);
        pthread_mutex_unlock(&h->lock);
        d->member = sl_member_new(d->client_conf, d->group_id, d->offset_topic,
                                  (int)sl_config_long(cfg, "session.timeout.ms", 10000),
                                  (int)sl_config_long(cfg, "heartbeat.interval.ms", 3000),
                                  (int)sl_config_long(cfg, "rebalance.timeout.ms", 60000), errstr,
                                  errstr_size);
        if (!d->member) {
                rc = SL_ERR_KAFKA;
                goto fail;
        }
        if ((rc = sl_dist_control_start(d, errstr, errstr_size)) != 0)
                goto fail;
        sl_info(LOGGER, "Joining Connect cluster %s as %s (%s)", d->group_id, sl_worker_id(d->w),
                sl_worker_url(d->w));
        return 0;
fail:
        pthread_mutex_lock(&h->lock);
        h->dist = NULL;
        pthread_mutex_unlock(&h->lock);
        dist_free(d);
        return rc;
}

void sl_herder_stop_distributed(sl_herder_t *h) {
        sl_dist_t *d = h->dist;

        if (!d)
                return;
        sl_dist_control_stop(d);
        /* offsets of the stopped tasks are written; nothing else will be */
        sl_klog_flush(d->offset_log, 10000, NULL, 0);
        sl_klog_flush(d->status_log, 10000, NULL, 0);
        pthread_mutex_lock(&h->lock);
        h->dist = NULL;
        pthread_mutex_unlock(&h->lock);
        dist_free(d);
}

bool sl_herder_distributed_joined(sl_herder_t *h) {
        bool joined = false;
        pthread_mutex_lock(&h->lock);
        if (h->dist && h->dist->assignment) {
                const sl_json_t *ws = sl_json_object_get(h->dist->assignment, "workers");
                joined = ws && sl_json_object_get(ws, sl_worker_id(h->worker));
        }
        pthread_mutex_unlock(&h->lock);
        return joined;
}
