/* Internal topic records into the worker's view of the cluster. Record
 * formats are Kafka Connect's (KafkaConfigBackingStore,
 * KafkaStatusBackingStore, KafkaOffsetBackingStore). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "distributed/dist_int.h"
#include "util/log_levels.h"
#include "worker/plugins.h"

#define LOGGER "config-log"

static bool has_prefix(const char *s, const char *p, const char **rest) {
        size_t n = strlen(p);
        if (strncmp(s, p, n) != 0)
                return false;
        *rest = s + n;
        return true;
}

static sl_conn_t *conn_get_or_add(sl_dist_t *d, const char *name) {
        sl_conn_t *c = sl_herder_find(d->h, name);
        if (c)
                return c;
        c = calloc(1, sizeof(*c));
        c->name = strdup(name);
        c->config = sl_strmap_new();
        c->tasks = calloc(1, sizeof(*c->tasks));
        sl_herder_conn_add(d->h, c);
        return c;
}

static void set_connector(sl_dist_t *d, const char *name, const sl_json_t *v) {
        const sl_json_t *props = v ? sl_json_object_get(v, "properties") : NULL;
        sl_strmap_t *cfg;
        sl_conn_t *c;
        char err[256];

        if (!v) {
                c = sl_herder_find(d->h, name);
                if (c) {
                        sl_herder_conn_remove(d->h, c);
                        sl_conn_free(c);
                        sl_info(LOGGER, "Connector %s removed", name);
                }
                sl_json_object_del(d->pending_tasks, name);
                return;
        }
        cfg = sl_strmap_new();
        if (!props || sl_json_to_strmap(props, cfg, err, sizeof(err)) != 0) {
                sl_warn(LOGGER, "Ignoring a malformed config record for connector %s", name);
                sl_strmap_destroy(cfg);
                return;
        }
        c = conn_get_or_add(d, name);
        sl_strmap_destroy(c->config);
        c->config = cfg;
        c->plugin = sl_plugins_find(sl_worker_plugins(d->w),
                                    sl_strmap_get(cfg, "connector.class"));
        c->version++;
}

/* task-<name>-<i>: the name itself may contain dashes */
static void buffer_task(sl_dist_t *d, const char *rest, const sl_json_t *v) {
        const char *dash = strrchr(rest, '-');
        const sl_json_t *props = v ? sl_json_object_get(v, "properties") : NULL;
        char *name;
        sl_json_t *per;

        if (!dash || dash == rest || !dash[1] || !props || props->type != SL_JSON_OBJECT)
                return; /* tombstones of old tasks carry nothing to apply */
        name = strndup(rest, (size_t)(dash - rest));
        per = sl_json_object_get(d->pending_tasks, name);
        if (!per) {
                per = sl_json_object();
                sl_json_object_set(d->pending_tasks, name, per);
        }
        sl_json_object_set(per, dash + 1, sl_json_dup(props));
        free(name);
}

static void commit_tasks(sl_dist_t *d, const char *name, const sl_json_t *v) {
        const sl_json_t *n = v ? sl_json_object_get(v, "tasks") : NULL;
        sl_json_t *per = sl_json_object_get(d->pending_tasks, name);
        sl_conn_t *c = sl_herder_find(d->h, name);
        sl_strmap_t **cfgs;
        int count;

        if (!c || !n || n->type != SL_JSON_INT || n->u.i < 0 || n->u.i > 100000)
                return;
        count = (int)n->u.i;
        cfgs = calloc((size_t)(count ? count : 1), sizeof(*cfgs));
        for (int i = 0; i < count; i++) {
                char idx[16];
                const sl_json_t *p;

                snprintf(idx, sizeof(idx), "%d", i);
                p = per ? sl_json_object_get(per, idx) : NULL;
                cfgs[i] = sl_strmap_new();
                if (!p || sl_json_to_strmap(p, cfgs[i], NULL, 0) != 0) {
                        sl_warn(LOGGER, "Commit of %d task config(s) for %s misses task %d; "
                                        "keeping the previous ones", count, name, i);
                        for (int k = 0; k <= i; k++)
                                sl_strmap_destroy(cfgs[k]);
                        free(cfgs);
                        return;
                }
        }
        for (int i = 0; i < c->ntasks; i++)
                sl_strmap_destroy(c->task_configs[i]);
        free(c->task_configs);
        free(c->tasks);
        c->task_configs = cfgs;
        c->ntasks = count;
        c->tasks = calloc((size_t)(count ? count : 1), sizeof(*c->tasks));
        sl_json_object_del(d->pending_tasks, name);
}

static void set_target(sl_dist_t *d, const char *name, const sl_json_t *v) {
        const char *s;
        sl_conn_t *c;

        if (!v)
                return; /* deletion: the connector record's tombstone decides */
        s = sl_json_object_get_str(v, "state.v2");
        if (!s)
                s = sl_json_object_get_str(v, "state");
        c = conn_get_or_add(d, name);
        if (s && !strcasecmp(s, "PAUSED"))
                c->target = SL_TARGET_PAUSED;
        else if (s && !strcasecmp(s, "STOPPED"))
                c->target = SL_TARGET_STOPPED;
        else
                c->target = SL_TARGET_STARTED;
        c->version++;
}

static void add_restart(sl_dist_t *d, const char *name, const sl_json_t *v) {
        sl_json_t *req;
        const sl_json_t *inc = v ? sl_json_object_get(v, "include-tasks") : NULL;
        const sl_json_t *only = v ? sl_json_object_get(v, "only-failed") : NULL;

        /* requests older than this worker's start were served already */
        if (!v || !d->started)
                return;
        req = sl_json_object();
        sl_json_object_set(req, "connector", sl_json_string(name));
        sl_json_object_set(req, "include_tasks",
                           sl_json_bool(inc && inc->type == SL_JSON_BOOL && inc->u.b));
        sl_json_object_set(req, "only_failed",
                           sl_json_bool(only && only->type == SL_JSON_BOOL && only->u.b));
        sl_json_array_append(d->restarts, req);
}

static int64_t json_int(const sl_json_t *o, const char *k, int64_t dflt) {
        const sl_json_t *v = o ? sl_json_object_get(o, k) : NULL;
        return v && v->type == SL_JSON_INT ? v->u.i : dflt;
}

/* The newest join of each member; the leader counts those of its own
 * generation, so a join written late for an older one changes nothing. */
static void add_join(sl_dist_t *d, sl_json_t *v) {
        int64_t gen = json_int(v, "generation", -1);
        const char *mid = sl_json_object_get_str(v, "member_id");

        if (gen < 0 || !mid)
                return;
        sl_json_object_set(d->joins, mid, sl_json_dup(v));
        if (gen > d->join_gen)
                d->join_gen = (int32_t)gen;
        for (size_t i = 0; i < d->joins->u.obj.len;) {
                if (json_int(d->joins->u.obj.vals[i], "generation", -1) < d->join_gen - 20)
                        sl_json_object_del(d->joins, d->joins->u.obj.keys[i]);
                else
                        i++;
        }
}

static void set_assignment(sl_dist_t *d, sl_json_t *v) {
        int64_t gen = json_int(v, "generation", -1);

        if (gen < 0 || !sl_json_object_get(v, "tasks") || !sl_json_object_get(v, "connectors"))
                return;
        /* a leader of an older generation may write late: ignore it */
        if (d->assignment && gen < json_int(d->assignment, "generation", -1))
                return;
        sl_json_free(d->assignment_prev);
        d->assignment_prev = d->assignment;
        d->assignment = sl_json_dup(v);
}

/* KIP-976: every worker applies a cluster-scoped level when it reads it,
 * a worker joining later too (it reads the whole topic). */
static void set_cluster_logger(const char *ns, const sl_json_t *v) {
        int level = sl_log_level_parse(sl_json_object_get_str(v, "level"));

        if (!*ns || level < 0) {
                sl_warn(LOGGER, "Ignoring the malformed cluster logger level for %s", ns);
                return;
        }
        sl_json_free(sl_log_levels_set(ns, level, sl_epoch_ms()));
        sl_info(LOGGER, "Logger level of %s set to %s (cluster scope)", ns,
                sl_log_level_name(level));
}

void sl_dist_on_config(void *opaque, const char *key, size_t key_len, const char *value,
                       size_t value_len, int32_t partition, int64_t offset) {
        sl_dist_t *d = opaque;
        char *k = strndup(key ? key : "", key ? key_len : 0);
        sl_json_t *v = value ? sl_json_parse(value, value_len, NULL, 0) : NULL;
        const char *rest;
        (void)partition;
        (void)offset;

        if (value && (!v || v->type != SL_JSON_OBJECT)) {
                sl_warn(LOGGER, "Ignoring config topic record %s with a malformed value", k);
                goto out;
        }
        pthread_mutex_lock(&d->h->lock);
        if (has_prefix(k, "connector-", &rest))
                set_connector(d, rest, v);
        else if (has_prefix(k, "task-", &rest))
                buffer_task(d, rest, v);
        else if (has_prefix(k, "commit-", &rest))
                commit_tasks(d, rest, v);
        else if (has_prefix(k, "target-state-", &rest))
                set_target(d, rest, v);
        else if (has_prefix(k, "restart-connector-", &rest))
                add_restart(d, rest, v);
        else if (!strcmp(k, "sluice-join") && v)
                add_join(d, v);
        else if (!strcmp(k, "sluice-assignment") && v)
                set_assignment(d, v);
        else if (has_prefix(k, "logger-cluster-", &rest) && v)
                set_cluster_logger(rest, v);
        /* session-key, tasks-fencing-*: nothing to do */
        pthread_mutex_unlock(&d->h->lock);
out:
        sl_json_free(v);
        free(k);
}

void sl_dist_on_status(void *opaque, const char *key, size_t key_len, const char *value,
                       size_t value_len, int32_t partition, int64_t offset) {
        sl_dist_t *d = opaque;
        char *k = strndup(key ? key : "", key ? key_len : 0);
        sl_json_t *v = value ? sl_json_parse(value, value_len, NULL, 0) : NULL;
        (void)partition;
        (void)offset;

        pthread_mutex_lock(&d->status_lock);
        if (v && v->type == SL_JSON_OBJECT) {
                sl_json_object_set(d->statuses, k, v);
                v = NULL;
        } else if (!value) {
                sl_json_object_del(d->statuses, k);
        }
        pthread_mutex_unlock(&d->status_lock);
        sl_json_free(v);
        free(k);
}

void sl_dist_on_offset(void *opaque, const char *key, size_t key_len, const char *value,
                       size_t value_len, int32_t partition, int64_t offset) {
        sl_dist_t *d = opaque;
        (void)partition;
        (void)offset;
        if (key)
                sl_offset_store_apply(sl_worker_offsets(d->w), key, key_len, value, value_len);
}
