/* ConnectorInfo, ConnectorStateInfo and TaskInfo JSON. */
#include <stdlib.h>
#include <string.h>

#include "config/props.h"
#include "herder/herder_int.h"
#include "util/redact.h"

const char *sl_conn_type(const sl_conn_t *c) {
        if (!c->plugin)
                return "unknown";
        return c->plugin->type == SL_CONNECTOR_SOURCE ? "source" : "sink";
}

const char *sl_conn_state(const sl_conn_t *c) {
        if (c->trace)
                return "FAILED";
        switch (c->target) {
        case SL_TARGET_PAUSED:
                return "PAUSED";
        case SL_TARGET_STOPPED:
                return "STOPPED";
        default:
                return "RUNNING";
        }
}

/* Task configs show the raw placeholder wherever the connector config had
 * one (Kafka's reverse transform), so secrets never reach REST output. A
 * value the plugin derived from a secret (a URL built around a password)
 * shows the placeholder in place of the secret. */
sl_json_t *sl_conn_task_config(const sl_conn_t *c, int task) {
        const sl_strmap_t *tc = c->task_configs[task];
        sl_json_t *o = sl_json_object();

        for (size_t i = 0; i < sl_strmap_count(tc); i++) {
                const char *k = sl_strmap_key_at(tc, i);
                const char *v = sl_strmap_value_at(tc, i);
                const char *raw = sl_strmap_get(c->config, k);
                const char *resolved = c->resolved ? sl_strmap_get(c->resolved, k) : NULL;
                char *masked = NULL;

                if (raw && sl_providers_has_placeholder(raw) && resolved && !strcmp(resolved, v))
                        v = raw;
                else if (sl_redact_active() && (masked = sl_redact_dup(v)))
                        v = masked;
                sl_json_object_set(o, k, sl_json_string(v));
                free(masked);
        }
        return o;
}

static sl_json_t *task_id(const sl_conn_t *c, int task) {
        sl_json_t *id = sl_json_object();
        sl_json_object_set(id, "connector", sl_json_string(c->name));
        sl_json_object_set(id, "task", sl_json_int(task));
        return id;
}

sl_json_t *sl_conn_info(sl_herder_t *h, const sl_conn_t *c) {
        sl_json_t *o = sl_json_object();
        sl_json_t *tasks = sl_json_array();
        (void)h;

        sl_json_object_set(o, "name", sl_json_string(c->name));
        sl_json_object_set(o, "config", sl_json_from_strmap(c->config));
        for (int i = 0; i < c->ntasks; i++)
                sl_json_array_append(tasks, task_id(c, i));
        sl_json_object_set(o, "tasks", tasks);
        sl_json_object_set(o, "type", sl_json_string(sl_conn_type(c)));
        return o;
}

sl_json_t *sl_task_status_json(sl_herder_t *h, sl_conn_t *c, int task) {
        sl_json_t *o = sl_json_object();
        sl_task_t *t = c->tasks[task];
        sl_state_t st = t ? sl_task_state(t) : SL_STATE_UNASSIGNED;
        char *trace = t ? sl_task_trace(t) : NULL;

        sl_json_object_set(o, "id", sl_json_int(task));
        sl_json_object_set(o, "state", sl_json_string(sl_state_name(st)));
        sl_json_object_set(o, "worker_id", sl_json_string(sl_worker_id(h->worker)));
        if (st == SL_STATE_FAILED && trace)
                sl_json_object_set(o, "trace", sl_json_string(trace));
        free(trace);
        return o;
}

sl_json_t *sl_conn_status(sl_herder_t *h, sl_conn_t *c) {
        sl_json_t *o = sl_json_object();
        sl_json_t *conn = sl_json_object();
        sl_json_t *tasks = sl_json_array();

        sl_json_object_set(o, "name", sl_json_string(c->name));
        sl_json_object_set(conn, "state", sl_json_string(sl_conn_state(c)));
        sl_json_object_set(conn, "worker_id", sl_json_string(sl_worker_id(h->worker)));
        if (c->trace)
                sl_json_object_set(conn, "trace", sl_json_string(c->trace));
        sl_json_object_set(o, "connector", conn);
        for (int i = 0; i < c->ntasks; i++)
                sl_json_array_append(tasks, sl_task_status_json(h, c, i));
        sl_json_object_set(o, "tasks", tasks);
        sl_json_object_set(o, "type", sl_json_string(sl_conn_type(c)));
        return o;
}

sl_json_t *sl_conn_task_infos(const sl_conn_t *c) {
        sl_json_t *arr = sl_json_array();
        for (int i = 0; i < c->ntasks; i++) {
                sl_json_t *t = sl_json_object();
                sl_json_object_set(t, "id", task_id(c, i));
                sl_json_object_set(t, "config", sl_conn_task_config(c, i));
                sl_json_array_append(arr, t);
        }
        return arr;
}
