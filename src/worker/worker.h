/* The worker: its configuration, Kafka connection (or embedded mock
 * cluster), plugins, offsets and the client configs its tasks use. */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <librdkafka/rdkafka.h>

#include "config/props.h"
#include "shard/shard.h"
#include "convert/converter.h"
#include "worker/committer.h"
#include "worker/offset_store.h"
#include "worker/plugins.h"

typedef struct sl_worker sl_worker_t;

/* raw: worker.properties as read; placeholders are resolved here. NULL
 * and every problem listed in errstr on failure. */
sl_worker_t *sl_worker_new(const sl_strmap_t *raw, bool distributed, char *errstr,
                           size_t errstr_size);
bool sl_worker_distributed(const sl_worker_t *w);
/* Distributed with exactly.once.source.support=enabled (KIP-618): source
 * tasks produce and store offsets in transactions. */
bool sl_worker_exactly_once(const sl_worker_t *w);
/* http://host:port other workers use to reach this one (after
 * sl_worker_set_rest_port). */
const char *sl_worker_url(const sl_worker_t *w);
void sl_worker_destroy(sl_worker_t *w);

const sl_strmap_t *sl_worker_config(const sl_worker_t *w);
sl_plugins_t *sl_worker_plugins(const sl_worker_t *w);
const sl_providers_t *sl_worker_providers(const sl_worker_t *w);
sl_offset_store_t *sl_worker_offsets(const sl_worker_t *w);
const char *sl_worker_bootstrap(const sl_worker_t *w);
bool sl_worker_embedded(const sl_worker_t *w);
/* "" until known */
const char *sl_worker_cluster_id(sl_worker_t *w);
const char *sl_worker_id(const sl_worker_t *w);
void sl_worker_set_rest_port(sl_worker_t *w, int port);
int64_t sl_worker_flush_interval_ms(const sl_worker_t *w);
/* The shards tasks run on. */
sl_shards_t *sl_worker_shards(const sl_worker_t *w);
/* Takes delivered source offsets from the shards (see committer.h). */
sl_committer_t *sl_worker_committer(const sl_worker_t *w);
int64_t sl_worker_shutdown_timeout_ms(const sl_worker_t *w);

/* Client configs for a task of connector `name` (config resolved):
 * worker producer.* / consumer.* settings, then the connector's
 * producer.override.* / consumer.override.*. NULL and errstr on a bad
 * setting. */
rd_kafka_conf_t *sl_worker_producer_conf(sl_worker_t *w, const char *name, int task,
                                         const sl_strmap_t *config, char *errstr,
                                         size_t errstr_size);
rd_kafka_conf_t *sl_worker_consumer_conf(sl_worker_t *w, const char *name, int task,
                                         const sl_strmap_t *config, char *errstr,
                                         size_t errstr_size);
/* A short-lived admin/metadata client (producer type). */
rd_kafka_t *sl_worker_admin_client(sl_worker_t *w, char *errstr, size_t errstr_size);

/* On the embedded mock, create topic with one partition (as a default
 * Kafka broker would auto-create it) unless it exists; no-op otherwise. */
void sl_worker_embedded_topic(sl_worker_t *w, const char *topic);
/* Same with a partition count (internal topics). */
void sl_worker_embedded_topic_n(sl_worker_t *w, const char *topic, int partitions);
/* Makes sure topic exists: on the embedded mock it is created directly;
 * elsewhere, when metadata says it is missing, with the Admin API
 * (replication factor -1: the broker's default; cleanup.policy=compact
 * when compact), so a worker without CREATE rights still uses a topic
 * made beforehand. client_conf: the Kafka client settings to use, NULL
 * for the worker's bootstrap.servers alone. Returns the partition count,
 * or a negative error with the cause in errstr (callers say what the
 * topic is for). */
int sl_worker_topic_ensure(sl_worker_t *w, const sl_strmap_t *client_conf, const char *topic,
                           int partitions, int replication_factor, bool compact,
                           int timeout_ms, char *errstr, size_t errstr_size);

/* The connector's key/value converters: its own key.converter /
 * value.converter (with its key.converter.* settings) or the worker's. */
int sl_worker_converters(const sl_worker_t *w, const sl_strmap_t *config,
                         sl_converter_t **keyp, sl_converter_t **valuep,
                         char *errstr, size_t errstr_size);

#endif
