/* KIP-618 zombie fencing. A task id that a new generation of task
 * configs drops has no successor whose init_transactions would fence an
 * old instance still running on a lost worker, so before such configs are
 * written the leader initialises a producer with each dropped task's
 * transactional.id: the broker bumps the epoch and the zombie can no
 * longer commit (Kafka's Admin.fenceProducers does the same request). */
#include <stdio.h>
#include <stdlib.h>

#include "distributed/dist_int.h"
#include "herder/herder_int.h"

#define LOGGER "config-log"
#define FENCE_TIMEOUT_MS 30000

static int fence_one(sl_dist_t *d, const char *txn_id, char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_error_t *e;
        rd_kafka_t *rk;
        char err[512];

        for (size_t i = 0; i < sl_strmap_count(d->client_conf); i++)
                rd_kafka_conf_set(conf, sl_strmap_key_at(d->client_conf, i),
                                  sl_strmap_value_at(d->client_conf, i), NULL, 0);
        rd_kafka_conf_set(conf, "client.id", "sluice-fencer", NULL, 0);
        if (rd_kafka_conf_set(conf, "transactional.id", txn_id, err, sizeof(err)) ||
            !(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)))) {
                rd_kafka_conf_destroy(conf);
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot create a producer to fence %s: %s", txn_id, err);
        }
        e = rd_kafka_init_transactions(rk, FENCE_TIMEOUT_MS);
        if (e)
                sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot fence %s: %s", txn_id,
                          rd_kafka_error_string(e));
        rd_kafka_destroy(rk);
        if (!e)
                return 0;
        rd_kafka_error_destroy(e);
        return SL_ERR_KAFKA;
}

int sl_dist_fence_dropped_tasks(sl_dist_t *d, const char *name, int new_count, char *errstr,
                                size_t errstr_size) {
        int old_count = 0;
        bool source = false;
        sl_conn_t *c;

        if (!sl_worker_exactly_once(d->w))
                return 0;
        pthread_mutex_lock(&d->h->lock);
        if ((c = sl_herder_find(d->h, name))) {
                old_count = c->ntasks;
                source = c->plugin && c->plugin->type == SL_CONNECTOR_SOURCE;
        }
        pthread_mutex_unlock(&d->h->lock);
        if (!source)
                return 0;
        for (int i = new_count; i < old_count; i++) {
                char id[1024];
                int rc;

                snprintf(id, sizeof(id), "%s-%s-%d", d->group_id, name, i);
                if ((rc = fence_one(d, id, errstr, errstr_size)) != 0)
                        return rc;
                sl_info(LOGGER, "Fenced the transactional producer %s of a removed task", id);
        }
        return 0;
}
