/* Group membership of a distributed worker, kept by librdkafka.
 *
 * librdkafka has no public API for a custom group protocol (Kafka Connect's
 * "connect" protocol type), so workers join a consumer group (group.id)
 * subscribed to the offsets topic with the range assignor: the coordinator
 * then detects joins, departures and dead workers (session timeout), and
 * every member learns the generation and its share of the topic's
 * partitions. Partitions are assigned and immediately paused at their end:
 * nothing is fetched. A member announces its share on the config topic;
 * once the shares of one generation cover every partition the member set is
 * known, and the member owning partition 0 acts as leader. */
#ifndef SL_MEMBER_H
#define SL_MEMBER_H

#include "sluice/common.h"

typedef struct sl_member sl_member_t;

sl_member_t *sl_member_new(const sl_strmap_t *client_conf, const char *group_id,
                           const char *topic, int session_timeout_ms, int heartbeat_ms,
                           int rebalance_timeout_ms, char *errstr, size_t errstr_size);
/* Serves heartbeats and rebalances; call at least every heartbeat interval
 * from one thread. Returns true when the membership changed since the last
 * call. */
bool sl_member_poll(sl_member_t *m, int timeout_ms);
/* -1 while not in a generation (rebalancing or not joined yet). */
int32_t sl_member_generation(const sl_member_t *m);
const char *sl_member_id(const sl_member_t *m);
/* This member's partitions in the current generation. */
int sl_member_partitions(const sl_member_t *m, const int32_t **parts);
/* Leaves the group at once (others rebalance without waiting for the
 * session timeout) and frees. */
void sl_member_destroy(sl_member_t *m);

#endif
