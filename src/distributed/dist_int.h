/* Distributed herder internals (dist*.c).
 *
 * Every worker reads the three internal topics to their end and keeps:
 * connectors, target states and committed task configs (config topic,
 * mirrored into the herder's sl_conn_t list so REST reads work as in
 * standalone), source offsets (the worker's offset store) and states
 * (status topic). The config topic also carries sluice's membership
 * records, so every worker sees joins, assignments and config changes in
 * one total order:
 *   sluice-join        {"generation","member_id","worker_id","url","partitions"}
 *   sluice-assignment  {"generation","leader","leader_url","workers":{id:url},
 *                       "connectors":{name:id},"tasks":{"name-i":id}}
 * A control-plane thread keeps the group membership, writes assignments
 * when it leads, and starts/stops the connectors and tasks assigned to its
 * worker. Lock order: write_lock, then the herder lock; nobody holds the
 * herder lock while waiting for a log (the config reader takes it). */
#ifndef SL_DIST_INT_H
#define SL_DIST_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "distributed/klog.h"
#include "distributed/member.h"
#include "herder/herder_int.h"

typedef struct local_task local_task_t;
typedef struct local_conn local_conn_t;

typedef struct sl_dist {
        sl_herder_t *h;
        sl_worker_t *w;
        sl_strmap_t *client_conf;
        struct sl_rest_client *rest_client; /* forwarding to other workers */
        const char *group_id, *config_topic, *offset_topic, *status_topic;
        int offset_partitions;
        sl_klog_t *config_log, *offset_log, *status_log;
        sl_member_t *member;
        pthread_t thread;
        bool thread_started;
        atomic_bool stopping;
        pthread_mutex_t write_lock; /* one config-topic write sequence at a time */
        int sync_timeout_ms;
        int64_t shutdown_timeout_ms;

        /* under the herder lock, fed by the config log */
        bool started;             /* initial read done: restart requests act */
        sl_json_t *pending_tasks; /* {"conn": {"i": {props}}} until commit-<conn> */
        int32_t join_gen;         /* the newest generation joined */
        sl_json_t *joins;         /* member_id -> its newest join record */
        sl_json_t *assignment;    /* the newest, or NULL */
        sl_json_t *assignment_prev;
        sl_json_t *restarts;      /* [{"connector","include_tasks","only_failed"}] */
        sl_json_t *task_restarts; /* ["name-i"] asked over REST */

        pthread_mutex_t status_lock;
        sl_json_t *statuses; /* status topic: key -> value */

        /* control thread only */
        bool join_due;
        local_conn_t *lconns;
        local_task_t *ltasks;
} sl_dist_t;

/* dist_fence.c: with exactly-once source support, fence the transactional
 * producers of task ids >= new_count a source connector had before its new
 * task configs are written (KIP-618). 0 or an error with errstr. */
int sl_dist_fence_dropped_tasks(sl_dist_t *d, const char *name, int new_count, char *errstr,
                                size_t errstr_size);

/* dist_store.c: applying internal topic records */
void sl_dist_on_config(void *opaque, const char *key, size_t key_len, const char *value,
                       size_t value_len, int32_t partition, int64_t offset);
void sl_dist_on_status(void *opaque, const char *key, size_t key_len, const char *value,
                       size_t value_len, int32_t partition, int64_t offset);
void sl_dist_on_offset(void *opaque, const char *key, size_t key_len, const char *value,
                       size_t value_len, int32_t partition, int64_t offset);

/* dist_write.c: config topic writes (then read back). value NULL =
 * tombstone. 0 or an error with errstr. */
int sl_dist_write(sl_dist_t *d, const char *key, const sl_json_t *value, char *errstr,
                  size_t errstr_size);
int sl_dist_sync(sl_dist_t *d, char *errstr, size_t errstr_size);
int sl_dist_write_tasks(sl_dist_t *d, const char *name, const sl_json_t *configs,
                        char *errstr, size_t errstr_size);
const char *sl_dist_target_name(sl_target_t t);
/* {"state":...,"trace":...,"worker_id":...,"generation":...} to the status
 * topic (value NULL = tombstone); sync waits for delivery. */
void sl_dist_put_status(sl_dist_t *d, const char *key, const char *state, const char *trace,
                        bool sync);

/* dist_control.c */
int sl_dist_control_start(sl_dist_t *d, char *errstr, size_t errstr_size);
void sl_dist_control_stop(sl_dist_t *d);

#endif
