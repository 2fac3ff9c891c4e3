/* MirrorMaker 2 internals shared by the source and checkpoint connectors:
 * MM2's wire formats (OffsetSync, Checkpoint), the replication policy,
 * topic filters (Java regexes), offset translation and client configs. */
#ifndef SL_CONNECTORS_MIRROR_MIRROR_INT_H
#define SL_CONNECTORS_MIRROR_MIRROR_INT_H

#include <regex.h>

#include <librdkafka/rdkafka.h>

#include "mirror/mirror.h"

#define MM2_VERSION "1.0.0"
#define MM2_DEFAULT_POLICY "org.apache.kafka.connect.mirror.DefaultReplicationPolicy"
#define MM2_IDENTITY_POLICY "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"
#define MM2_TOPICS_EXCLUDE_DEFAULT ".*[\\-\\.]internal, .*\\.replica, __.*"
#define MM2_GROUPS_EXCLUDE_DEFAULT "console-consumer-.*, connect-.*, __.*"
/* task config keys, as MM2's TaskConfig names them */
#define MM2_TASK_PARTITIONS "task.assigned.partitions"
#define MM2_TASK_GROUPS "task.assigned.groups"

/* ------------------------------------------------------------ encodings */

/* Kafka Struct binary serialisation (big-endian ints, STRING as int16
 * length + UTF-8), as MM2's OffsetSync and Checkpoint classes write it. */
int mm2_offset_sync_encode(sl_buf_t *key, sl_buf_t *value, const char *topic,
                           int32_t partition, int64_t upstream, int64_t downstream);

typedef struct mm2_offset_sync {
        char *topic; /* malloc'd */
        int32_t partition;
        int64_t upstream, downstream;
} mm2_offset_sync_t;

/* 0 or SL_ERR_PARSE (truncated or malformed); free out->topic. */
int mm2_offset_sync_decode(const void *key, size_t key_len, const void *value,
                           size_t value_len, mm2_offset_sync_t *out);

typedef struct mm2_checkpoint {
        char *group, *topic, *metadata; /* malloc'd */
        int32_t partition;
        int64_t upstream, downstream;
} mm2_checkpoint_t;

/* Value: int16 version (0), then upstreamOffset, offset, metadata. */
int mm2_checkpoint_encode(sl_buf_t *key, sl_buf_t *value, const mm2_checkpoint_t *c);
int mm2_checkpoint_decode(const void *key, size_t key_len, const void *value,
                          size_t value_len, mm2_checkpoint_t *out);
void mm2_checkpoint_clear(mm2_checkpoint_t *c);

/* ------------------------------------------------- replication policy */

typedef struct mm2_policy {
        bool identity;
        char sep[32];
        char source_alias[128], target_alias[128];
} mm2_policy_t;

int mm2_policy_init(mm2_policy_t *p, const sl_strmap_t *cfg, char *errstr, size_t errstr_size);
/* The topic's name on the target (malloc'd). */
char *mm2_remote_topic(const mm2_policy_t *p, const char *topic);
/* mm2-offset-syncs.<target>.internal and <source>.checkpoints.internal */
char *mm2_offset_syncs_topic(const mm2_policy_t *p);
char *mm2_checkpoints_topic(const mm2_policy_t *p);
/* MM2's internal topics and topics that came from the target (cycles). */
bool mm2_skip_topic(const mm2_policy_t *p, const char *topic);

/* ------------------------------------------------------------ filters */


typedef struct mm2_filter {
        regex_t *inc, *exc;
        int ninc, nexc;
} mm2_filter_t;

int mm2_filter_init(mm2_filter_t *f, const char *include, const char *exclude, char *errstr,
                    size_t errstr_size);
bool mm2_filter_match(const mm2_filter_t *f, const char *name);
void mm2_filter_free(mm2_filter_t *f);

/* -------------------------------------------------------- translation */

typedef struct mm2_sync_point {
        int64_t upstream, downstream;
} mm2_sync_point_t;

/* The offset syncs of one upstream topic-partition, oldest first. */
typedef struct mm2_tp_syncs {
        char *topic;
        int32_t partition;
        mm2_sync_point_t *pts;
        size_t n;
} mm2_tp_syncs_t;

typedef struct mm2_sync_store {
        mm2_tp_syncs_t *tps;
        size_t n, cap;
} mm2_sync_store_t;

#define MM2_SYNCS_KEPT 64

int mm2_store_add(mm2_sync_store_t *s, const char *topic, int32_t partition,
                  int64_t upstream, int64_t downstream);
const mm2_tp_syncs_t *mm2_store_get(const mm2_sync_store_t *s, const char *topic,
                                    int32_t partition);
void mm2_store_free(mm2_sync_store_t *s);
/* MM2's rule: the latest sync with upstream <= committed gives its
 * downstream offset, +1 when the group is past that record. -1 when no
 * sync is old enough. */
int64_t mm2_translate(const mm2_tp_syncs_t *t, int64_t committed);

/* ------------------------------------------------------------ clients */

/* librdkafka config for one side ("source"/"target"): <side>.cluster.*
 * (client properties, not alias), then <side>.<client>.* when client is
 * given ("consumer", "producer"). NULL with errstr on a bad property. */
rd_kafka_conf_t *mm2_client_conf(const sl_strmap_t *cfg, const char *side, const char *client,
                                 char *errstr, size_t errstr_size);
/* Cross-field checks shared by both connectors. */
void mm2_validate_common(const sl_strmap_t *cfg, sl_config_errors_t *errs);
int mm2_config_validator_regexes(const char *name, const char *value, char *errstr,
                                 size_t errstr_size);

/* Config table entries both connectors have. */
#define MM2_COMMON_CONFIG                                                                          \
        {.name = "source.cluster.alias", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,         \
         .documentation = "Alias of the source cluster; prefixes replicated topic names",          \
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .order = 1},                                  \
        {.name = "target.cluster.alias", .type = SL_CFG_STRING, .default_value = "target",         \
         .importance = SL_CFG_HIGH, .flags = SL_CFG_NONEMPTY, .order = 2,                          \
         .documentation = "Alias of the target cluster (the worker's own Kafka cluster)"},         \
        {.name = "source.cluster.bootstrap.servers", .type = SL_CFG_LIST,                          \
         .importance = SL_CFG_HIGH, .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .order = 3,        \
         .documentation = "Bootstrap servers of the source cluster. Other source.cluster.* keys "  \
                          "(and source.consumer.* / source.producer.*) are passed to the "         \
                          "source clients as librdkafka properties"},                              \
        {.name = "target.cluster.bootstrap.servers", .type = SL_CFG_LIST,                          \
         .importance = SL_CFG_MEDIUM, .order = 4,                                                  \
         .documentation = "Bootstrap servers of the target cluster, needed when "                  \
                          "offset-syncs.topic.location=target or sync.group.offsets.enabled=true; " \
                          "other target.cluster.* keys are passed to those clients"},              \
        {.name = "topics", .type = SL_CFG_LIST, .default_value = ".*", .importance = SL_CFG_HIGH,  \
         .order = 5, .validator = mm2_config_validator_regexes,                                    \
         .documentation = "Topics to replicate: comma-separated Java regexes matching whole names"}, \
        {.name = "topics.exclude", .type = SL_CFG_LIST,                                            \
         .default_value = MM2_TOPICS_EXCLUDE_DEFAULT, .importance = SL_CFG_HIGH, .order = 6,       \
         .validator = mm2_config_validator_regexes,                                                \
         .documentation = "Topics never replicated, as Java regexes (MM2's internal topics, "      \
                          "topics that came from the target and __* are always skipped)"},         \
        {.name = "replication.policy.class", .type = SL_CFG_CLASS,                                 \
         .default_value = MM2_DEFAULT_POLICY, .importance = SL_CFG_LOW, .order = 7,                \
         .valid_values = mm2_policies,                                                             \
         .documentation = "DefaultReplicationPolicy names remote topics "                          \
                          "<source alias><separator><topic>; IdentityReplicationPolicy keeps "     \
                          "the name"},                                                             \
        {.name = "replication.policy.separator", .type = SL_CFG_STRING, .default_value = ".",      \
         .importance = SL_CFG_LOW, .order = 8, .flags = SL_CFG_NONEMPTY,                           \
         .documentation = "Separator between the cluster alias and the topic name"},               \
        {.name = "offset-syncs.topic.location", .type = SL_CFG_STRING, .default_value = "source",  \
         .importance = SL_CFG_LOW, .order = 9, .valid_values = mm2_locations,                      \
         .documentation = "Cluster holding the mm2-offset-syncs.<target alias>.internal topic"}

extern const char *const mm2_policies[];
extern const char *const mm2_locations[];

#endif
