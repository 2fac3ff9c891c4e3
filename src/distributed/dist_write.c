/* Writes to the config and status topics. */
#include <stdlib.h>
#include <string.h>

#include "distributed/dist_int.h"
#include "distributed/member.h"
#include "util/redact.h"

#define LOGGER "config-log"

int sl_dist_write(sl_dist_t *d, const char *key, const sl_json_t *value, char *errstr,
                  size_t errstr_size) {
        char *v = value ? sl_json_to_string(value) : NULL;
        int rc = sl_klog_send(d->config_log, key, strlen(key), v, v ? strlen(v) : 0,
                              d->sync_timeout_ms > 10000 ? d->sync_timeout_ms : 10000, NULL,
                              NULL, errstr, errstr_size);
        free(v);
        return rc;
}

int sl_herder_put_cluster_logger(sl_herder_t *h, const char *ns, const char *level,
                                 char *errstr, size_t errstr_size) {
        pthread_mutex_lock(&h->lock);
        sl_dist_t *d = h->dist;
        bool started = d && d->started;
        pthread_mutex_unlock(&h->lock);
        if (!d)
                return sl_seterr(errstr, errstr_size, SL_ERR_STATE,
                                 "Cluster-scoped logger levels need distributed mode");
        if (!started)
                return sl_seterr(errstr, errstr_size, SL_ERR_RETRIABLE,
                                 "The worker has not read the config topic yet");
        sl_json_t *v = sl_json_object();
        char *key = malloc(strlen(ns) + sizeof("logger-cluster-"));
        int rc = SL_ERR_NOMEM;
        if (v && key && sl_json_object_set(v, "level", sl_json_string(level)) == 0) {
                strcpy(key, "logger-cluster-");
                strcat(key, ns);
                rc = sl_dist_write(d, key, v, errstr, errstr_size);
        } else {
                sl_seterr(errstr, errstr_size, rc, "out of memory");
        }
        sl_json_free(v);
        free(key);
        return rc;
}

/* Our own writes are visible to this worker once this returns. */
int sl_dist_sync(sl_dist_t *d, char *errstr, size_t errstr_size) {
        int rc = sl_klog_read_to_end(d->config_log, d->sync_timeout_ms > 10000
                                                            ? d->sync_timeout_ms
                                                            : 10000);
        if (rc != 0)
                return sl_seterr(errstr, errstr_size, rc,
                                 "Timed out reading the config topic %s back", d->config_topic);
        return 0;
}

const char *sl_dist_target_name(sl_target_t t) {
        return t == SL_TARGET_PAUSED ? "PAUSED" : t == SL_TARGET_STOPPED ? "STOPPED" : "STARTED";
}

/* As Kafka Connect: task-<name>-<i> for each, then commit-<name> makes
 * them current together. */
int sl_dist_write_tasks(sl_dist_t *d, const char *name, const sl_json_t *configs, char *errstr,
                        size_t errstr_size) {
        char key[1024];
        sl_json_t *v;
        int rc = sl_dist_fence_dropped_tasks(d, name, (int)configs->u.arr.len, errstr,
                                             errstr_size);

        for (size_t i = 0; rc == 0 && i < configs->u.arr.len; i++) {
                v = sl_json_object();
                sl_json_object_set(v, "properties", sl_json_dup(configs->u.arr.items[i]));
                snprintf(key, sizeof(key), "task-%s-%zu", name, i);
                rc = sl_dist_write(d, key, v, errstr, errstr_size);
                sl_json_free(v);
        }
        if (rc != 0)
                return rc;
        v = sl_json_object();
        sl_json_object_set(v, "tasks", sl_json_int((int64_t)configs->u.arr.len));
        snprintf(key, sizeof(key), "commit-%s", name);
        rc = sl_dist_write(d, key, v, errstr, errstr_size);
        sl_json_free(v);
        if (rc == 0)
                sl_info(LOGGER, "Wrote %zu task config(s) for connector %s", configs->u.arr.len,
                        name);
        return rc;
}

void sl_dist_put_status(sl_dist_t *d, const char *key, const char *state, const char *trace,
                        bool sync) {
        char err[512];
        char *v = NULL;
        int rc;

        if (state) {
                sl_json_t *o = sl_json_object();
                sl_json_object_set(o, "state", sl_json_string(state));
                /* every worker's REST shows this trace: no secret in it */
                char *masked = trace ? sl_redact_dup(trace) : NULL;
                sl_json_object_set(o, "trace", masked ? sl_json_string(masked) : sl_json_null());
                free(masked);
                sl_json_object_set(o, "worker_id", sl_json_string(sl_worker_id(d->w)));
                sl_json_object_set(o, "generation",
                                   sl_json_int(d->member ? sl_member_generation(d->member) : -1));
                v = sl_json_to_string(o);
                sl_json_free(o);
        }
        rc = sl_klog_send(d->status_log, key, strlen(key), v, v ? strlen(v) : 0,
                          sync ? 10000 : -1, NULL, NULL, err, sizeof(err));
        if (rc != 0)
                sl_warn("status-log", "Cannot write status %s: %s", key, err);
        free(v);
}
