/* A Kafka topic read as a log, like Kafka Connect's KafkaBasedLog: the
 * distributed herder keeps its config, offset and status state in topics,
 * and every worker rebuilds that state by reading them from the beginning
 * and then following them. One producer appends, one consumer (manual
 * assignment, never a group member, never commits) delivers every record to
 * a callback. */
#ifndef SL_KLOG_H
#define SL_KLOG_H

#include "sluice/common.h"

typedef struct sl_klog sl_klog_t;

/* Called on the log's reader thread, in offset order per partition. value
 * NULL = tombstone (key NULL = record without key). Must not call
 * sl_klog_read_to_end (deadlock: the reader is busy in the callback). */
typedef void(sl_klog_cb_t)(void *opaque, const char *key, size_t key_len,
                           const char *value, size_t value_len,
                           int32_t partition, int64_t offset);

/* client_conf: librdkafka properties for both the producer and the consumer
 * (bootstrap.servers at least; anything else passed through, unknown keys
 * skipped with a warning so Java-only settings do not break a worker).
 * Settings the log relies on for correctness win over client_conf: acks=all,
 * enable.idempotence=true, partitioner=murmur2_random (keys land where Java
 * clients put them), enable.auto.commit=false, auto.offset.reset=earliest
 * and a private group.id. Nothing is started yet; bad properties fail here.
 * client_id may be NULL. */
sl_klog_t *sl_klog_new(const char *topic, const sl_strmap_t *client_conf,
                       const char *client_id, sl_klog_cb_t *cb, void *opaque,
                       char *errstr, size_t errstr_size);

/* Finds the topic's partitions (SL_ERR_NOT_FOUND if it doesn't exist -
 * never auto-creates: the caller decides partitions and cleanup.policy; a
 * topic created just before gets until timeout_ms to show up in metadata),
 * assigns all from the beginning, starts the reader thread and returns once
 * everything up to the current end has been delivered to cb. A failed start
 * leaves the log stopped; it may be retried or destroyed. */
int sl_klog_start(sl_klog_t *l, int timeout_ms, char *errstr, size_t errstr_size);

/* 0 before a successful start. */
int sl_klog_partition_count(const sl_klog_t *l);

/* Waits until cb has seen every record written before the call (queries
 * high watermarks, waits for the reader to pass them). 0 or SL_ERR_TIMEOUT
 * (SL_ERR_STATE when not started). Negative timeout_ms: no limit. */
int sl_klog_read_to_end(sl_klog_t *l, int timeout_ms);

/* Produces one record (value NULL = tombstone, key NULL = no key).
 * timeout_ms >= 0: waits for the delivery report and fills partition/offset
 * when non-NULL; timeout_ms < 0: asynchronous, failures surface in
 * sl_klog_flush. Returns 0, SL_ERR_TIMEOUT (the record may still be written
 * later), SL_ERR_KAFKA with errstr, or SL_ERR_STATE when not started. */
int sl_klog_send(sl_klog_t *l, const void *key, size_t key_len, const void *value,
                 size_t value_len, int timeout_ms, int32_t *partitionp, int64_t *offsetp,
                 char *errstr, size_t errstr_size);

/* Waits for every asynchronous send; returns the first failure among them
 * since the last flush (SL_ERR_KAFKA with errstr), else SL_ERR_TIMEOUT when
 * some are still pending, else 0. Negative timeout_ms: no limit. */
int sl_klog_flush(sl_klog_t *l, int timeout_ms, char *errstr, size_t errstr_size);

/* Stops the reader and frees (pending async sends are flushed up to 5 s,
 * then dropped; an unreported async failure is logged). NULL is a no-op. */
void sl_klog_destroy(sl_klog_t *l);

/* Partition count of topic without creating it (asks for metadata of all
 * topics: naming the topic would auto-create it on many brokers), or
 * SL_ERR_NOT_FOUND / SL_ERR_KAFKA / SL_ERR_TIMEOUT with errstr. */
int sl_kafka_topic_partitions(const sl_strmap_t *client_conf, const char *topic,
                              int timeout_ms, char *errstr, size_t errstr_size);

/* Creates topic with the Admin API (partitions and replication factor -1 =
 * broker default, topic configs such as cleanup.policy=compact from
 * configs, may be NULL). An existing topic is success, checked first via
 * metadata so workers without CREATE permission (or brokers without the
 * Admin API) can still use pre-created topics. */
int sl_kafka_topic_create(const sl_strmap_t *client_conf, const char *topic, int partitions,
                          int replication_factor, const sl_strmap_t *configs, int timeout_ms,
                          char *errstr, size_t errstr_size);

#endif
