/* A running connector task: one thread driving a plugin's source or sink
 * callbacks against its own librdkafka producer or consumer. */
#ifndef SL_TASK_H
#define SL_TASK_H

#include "worker/worker.h"

typedef enum sl_state {
        SL_STATE_UNASSIGNED = 0,
        SL_STATE_RUNNING,
        SL_STATE_PAUSED,
        SL_STATE_STOPPED,
        SL_STATE_FAILED,
        SL_STATE_RESTARTING,
} sl_state_t;

const char *sl_state_name(sl_state_t s);

typedef struct sl_task_ctx sl_task_t;

/* config: the task config (resolved) merged over the connector config.
 * Starts the thread; the task reports UNASSIGNED until the plugin's start
 * returned, then RUNNING/PAUSED, or FAILED with a trace. */
sl_task_t *sl_task_start(sl_worker_t *w, const sl_connector_plugin_t *plugin,
                         const char *connector, int id, const sl_strmap_t *config,
                         bool paused);
void sl_task_set_paused(sl_task_t *t, bool paused);
/* Stops the thread (delivering or flushing what it holds, committing
 * offsets) and frees the task. */
void sl_task_stop(sl_task_t *t);
sl_state_t sl_task_state(sl_task_t *t);
/* malloc'd failure trace or NULL */
char *sl_task_trace(sl_task_t *t);
/* Topics the task produced to or consumed from (KIP-558): copies them
 * into into, optionally clearing the task's set. */
void sl_task_topics(sl_task_t *t, sl_strmap_t *into, bool clear);

#endif
