/* The control-plane thread of a distributed worker: keeps the group
 * membership, leads when it owns partition 0 of the membership topic, and
 * runs the connectors and tasks the newest assignment gives this worker.
 * Only this thread touches the local instance lists. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "distributed/assign.h"
#include "distributed/dist_int.h"
#include "util/log.h"
#include "worker/plugins.h"

#define LOGGER "dist"

struct local_task {
        local_task_t *next;
        char *conn;
        int id;
        char *inst; /* "<conn>-<id>" */
        sl_task_t *task; /* NULL when it could not start */
        sl_strmap_t *cfg; /* the committed task config it runs */
        char *fail_trace;
        bool paused;
        char *last_state, *last_trace; /* as last written to the status topic */
        sl_strmap_t *topics_written; /* KIP-558 records this task wrote */
};

struct local_conn {
        local_conn_t *next;
        char *name;
        uint64_t version; /* of the config it generated task configs from */
        int64_t retry_at_ms;
        int64_t refresh_every, refresh_at; /* ms: reconfigure_interval_ms */
        char *trace;
        const char *state;
        char *last_state, *last_trace;
};

/* What the assignment asks of this worker, copied under the lock. */
typedef struct want_task {
        char *conn, *inst;
        int id;
        sl_strmap_t *cfg;
        sl_target_t target;
        char *prev_owner; /* of the previous assignment, when still a member */
} want_task_t;

typedef struct want_conn {
        char *name;
        uint64_t version;
        sl_target_t target;
        sl_strmap_t *config;
        sl_strmap_t **committed;
        int ncommitted;
} want_conn_t;

typedef struct wants {
        want_task_t *tasks;
        int ntasks;
        want_conn_t *conns;
        int nconns;
        sl_json_t *existing; /* connector names -> true */
        sl_json_t *restarts, *task_restarts;
} wants_t;


static bool str_eq(const char *a, const char *b) {
        return (!a && !b) || (a && b && !strcmp(a, b));
}

/* ------------------------------------------------------------- joining */

static void send_join(sl_dist_t *d) {
        const int32_t *parts;
        int n = sl_member_partitions(d->member, &parts);
        sl_json_t *v = sl_json_object(), *arr = sl_json_array();
        char err[512];

        for (int i = 0; i < n; i++)
                sl_json_array_append(arr, sl_json_int(parts[i]));
        sl_json_object_set(v, "generation", sl_json_int(sl_member_generation(d->member)));
        sl_json_object_set(v, "member_id", sl_json_string(sl_member_id(d->member)));
        sl_json_object_set(v, "worker_id", sl_json_string(sl_worker_id(d->w)));
        sl_json_object_set(v, "url", sl_json_string(sl_worker_url(d->w)));
        sl_json_object_set(v, "partitions", arr);
        if (sl_dist_write(d, "sluice-join", v, err, sizeof(err)) == 0)
                d->join_due = false;
        else
                sl_warn(LOGGER, "Cannot announce group membership (will retry): %s", err);
        sl_json_free(v);
}

static bool owns_partition0(sl_dist_t *d) {
        const int32_t *parts;
        int n = sl_member_partitions(d->member, &parts);
        for (int i = 0; i < n; i++)
                if (parts[i] == 0)
                        return true;
        return false;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Leader: once the joins of the current generation cover every partition
 * the member set is complete; assign and write when anything changed. */
static void lead(sl_dist_t *d) {
        int32_t gen = sl_member_generation(d->member);
        int nparts = sl_klog_partition_count(d->offset_log);
        sl_herder_t *h = d->h;
        sl_json_t *rec = NULL, *workers = sl_json_object();
        bool *covered = calloc((size_t)nparts + 1, sizeof(bool));
        const char **ids = NULL, **conns = NULL, **tasks = NULL;
        char **task_names = NULL;
        int nids = 0, nconns = 0, ntasks = 0, total = 0;
        char err[512];

        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < d->joins->u.obj.len; i++) {
                const sl_json_t *j = d->joins->u.obj.vals[i];
                const sl_json_t *p = sl_json_object_get(j, "partitions");
                const sl_json_t *g = sl_json_object_get(j, "generation");
                if (!g || g->type != SL_JSON_INT || g->u.i != gen)
                        continue;
                const char *id = sl_json_object_get_str(j, "worker_id");
                const char *url = sl_json_object_get_str(j, "url");
                for (size_t k = 0; p && p->type == SL_JSON_ARRAY && k < p->u.arr.len; k++)
                        if (p->u.arr.items[k]->type == SL_JSON_INT &&
                            p->u.arr.items[k]->u.i >= 0 && p->u.arr.items[k]->u.i < nparts)
                                covered[p->u.arr.items[k]->u.i] = true;
                if (id && url)
                        sl_json_object_set(workers, id, sl_json_string(url));
        }
        for (int i = 0; i < nparts; i++)
                if (!covered[i])
                        goto unlock; /* some member's join is still on its way */
        if (!sl_json_object_get(workers, sl_worker_id(d->w)))
                goto unlock;
        nids = (int)workers->u.obj.len;
        ids = calloc((size_t)nids, sizeof(*ids));
        for (int i = 0; i < nids; i++)
                ids[i] = workers->u.obj.keys[i];
        qsort(ids, (size_t)nids, sizeof(*ids), cmp_str);
        conns = calloc(h->n + 1, sizeof(*conns));
        for (size_t i = 0; i < h->n; i++) {
                /* a target state may arrive just before its connector */
                if (!sl_strmap_count(h->conns[i]->config))
                        continue;
                conns[nconns++] = h->conns[i]->name;
                total += h->conns[i]->ntasks;
        }
        tasks = calloc((size_t)total + 1, sizeof(*tasks));
        task_names = calloc((size_t)total + 1, sizeof(*task_names));
        for (size_t i = 0; i < h->n; i++)
                for (int t = 0; sl_strmap_count(h->conns[i]->config) && t < h->conns[i]->ntasks;
                     t++) {
                        if (asprintf(&task_names[ntasks], "%s-%d", h->conns[i]->name, t) < 0)
                                goto unlock;
                        tasks[ntasks] = task_names[ntasks];
                        ntasks++;
                }
        {
                const sl_json_t *prev = d->assignment;
                sl_json_t *ac = sl_assign(prev ? sl_json_object_get(prev, "connectors") : NULL,
                                          ids, nids, conns, nconns);
                sl_json_t *at = sl_assign(prev ? sl_json_object_get(prev, "tasks") : NULL, ids,
                                          nids, tasks, ntasks);
                bool same = prev && sl_json_object_get(prev, "generation")->u.i == gen &&
                            str_eq(sl_json_object_get_str(prev, "leader"), sl_worker_id(d->w)) &&
                            sl_json_equal(sl_json_object_get(prev, "workers"), workers) &&
                            sl_json_equal(sl_json_object_get(prev, "connectors"), ac) &&
                            sl_json_equal(sl_json_object_get(prev, "tasks"), at);
                if (same) {
                        sl_json_free(ac);
                        sl_json_free(at);
                } else {
                        rec = sl_json_object();
                        sl_json_object_set(rec, "generation", sl_json_int(gen));
                        sl_json_object_set(rec, "leader", sl_json_string(sl_worker_id(d->w)));
                        sl_json_object_set(rec, "leader_url", sl_json_string(sl_worker_url(d->w)));
                        sl_json_object_set(rec, "workers", workers);
                        workers = NULL;
                        sl_json_object_set(rec, "connectors", ac);
                        sl_json_object_set(rec, "tasks", at);
                }
        }
unlock:
        pthread_mutex_unlock(&h->lock);
        if (rec) {
                sl_info(LOGGER, "Leader of generation %d: assigning %d connector(s) and %d "
                                "task(s) to %d worker(s)", gen, nconns, ntasks, nids);
                if (sl_dist_write(d, "sluice-assignment", rec, err, sizeof(err)) != 0 ||
                    sl_dist_sync(d, err, sizeof(err)) != 0)
                        sl_warn(LOGGER, "Cannot write the assignment (will retry): %s", err);
        }
        for (int i = 0; i < ntasks; i++)
                free(task_names[i]);
        free(task_names);
        free(tasks);
        free(conns);
        free(ids);
        free(covered);
        sl_json_free(workers);
        sl_json_free(rec);
}

/* --------------------------------------------------------- snapshots */

static void wants_clear(wants_t *w) {
        for (int i = 0; i < w->ntasks; i++) {
                free(w->tasks[i].conn);
                free(w->tasks[i].inst);
                free(w->tasks[i].prev_owner);
                sl_strmap_destroy(w->tasks[i].cfg);
        }
        for (int i = 0; i < w->nconns; i++) {
                free(w->conns[i].name);
                sl_strmap_destroy(w->conns[i].config);
                for (int k = 0; k < w->conns[i].ncommitted; k++)
                        sl_strmap_destroy(w->conns[i].committed[k]);
                free(w->conns[i].committed);
        }
        free(w->tasks);
        free(w->conns);
        sl_json_free(w->existing);
        sl_json_free(w->restarts);
        sl_json_free(w->task_restarts);
        memset(w, 0, sizeof(*w));
}

static void snapshot(sl_dist_t *d, wants_t *w) {
        sl_herder_t *h = d->h;
        const char *me = sl_worker_id(d->w);
        const sl_json_t *a, *at, *ac, *prev_t, *members;

        memset(w, 0, sizeof(*w));
        w->existing = sl_json_object();
        pthread_mutex_lock(&h->lock);
        a = d->assignment;
        at = a ? sl_json_object_get(a, "tasks") : NULL;
        ac = a ? sl_json_object_get(a, "connectors") : NULL;
        members = a ? sl_json_object_get(a, "workers") : NULL;
        prev_t = d->assignment_prev ? sl_json_object_get(d->assignment_prev, "tasks") : NULL;
        w->tasks = calloc(64, sizeof(*w->tasks));
        w->conns = calloc(h->n + 1, sizeof(*w->conns));
        for (size_t i = 0, cap = 64; i < h->n; i++) {
                sl_conn_t *c = h->conns[i];
                sl_json_object_set(w->existing, c->name, sl_json_bool(true));
                if (!sl_strmap_count(c->config))
                        continue;
                if (ac && str_eq(sl_json_object_get_str(ac, c->name), me)) {
                        want_conn_t *wc = &w->conns[w->nconns++];
                        wc->name = strdup(c->name);
                        wc->version = c->version;
                        wc->target = c->target;
                        wc->config = sl_strmap_dup(c->config);
                        wc->committed = calloc((size_t)c->ntasks + 1, sizeof(*wc->committed));
                        for (int k = 0; k < c->ntasks; k++)
                                wc->committed[wc->ncommitted++] = sl_strmap_dup(c->task_configs[k]);
                }
                for (int t = 0; at && t < c->ntasks; t++) {
                        char inst[1024];
                        const char *prev;
                        want_task_t *wt;

                        snprintf(inst, sizeof(inst), "%s-%d", c->name, t);
                        if (!str_eq(sl_json_object_get_str(at, inst), me))
                                continue;
                        if ((size_t)w->ntasks == cap) {
                                cap *= 2;
                                w->tasks = realloc(w->tasks, cap * sizeof(*w->tasks));
                        }
                        wt = &w->tasks[w->ntasks++];
                        memset(wt, 0, sizeof(*wt));
                        wt->conn = strdup(c->name);
                        wt->inst = strdup(inst);
                        wt->id = t;
                        wt->cfg = sl_strmap_dup(c->task_configs[t]);
                        wt->target = c->target;
                        prev = prev_t ? sl_json_object_get_str(prev_t, inst) : NULL;
                        if (prev && strcmp(prev, me) && members &&
                            sl_json_object_get(members, prev))
                                wt->prev_owner = strdup(prev);
                }
        }
        w->restarts = d->restarts;
        d->restarts = sl_json_array();
        w->task_restarts = d->task_restarts;
        d->task_restarts = sl_json_array();
        pthread_mutex_unlock(&h->lock);
}

/* --------------------------------------------------------------- tasks */

static void set_str(char **dst, const char *src) {
        free(*dst);
        *dst = src ? strdup(src) : NULL;
}

static void lt_free(local_task_t *lt) {
        free(lt->conn);
        free(lt->inst);
        free(lt->fail_trace);
        free(lt->last_state);
        free(lt->last_trace);
        sl_strmap_destroy(lt->cfg);
        sl_strmap_destroy(lt->topics_written);
        free(lt);
}

static void status_key(char *buf, size_t n, const char *kind, const char *name) {
        snprintf(buf, n, "status-%s-%s", kind, name);
}

/* Stops and forgets a local task; its status says UNASSIGNED (the next
 * owner waits for that) or disappears with its connector. */
static void stop_task(sl_dist_t *d, local_task_t *lt, bool gone) {
        char key[1100];

        if (lt->task)
                sl_task_stop(lt->task);
        lt->task = NULL;
        status_key(key, sizeof(key), "task", lt->inst);
        sl_dist_put_status(d, key, gone ? NULL : "UNASSIGNED", NULL, true);
        sl_info(LOGGER, "Task %s stopped on this worker", lt->inst);
}

static void create_topics(sl_dist_t *d, const sl_strmap_t *cfg) {
        if (!sl_worker_embedded(d->w))
                return;
        for (const char *const *k = (const char *const[]){"topic", "topics", NULL}; *k; k++) {
                char **items = NULL;
                int nt = sl_config_list(sl_strmap_get(cfg, *k), &items);
                for (int i = 0; i < nt; i++)
                        sl_worker_embedded_topic(d->w, items[i]);
                sl_config_list_free(items, nt);
        }
}

static local_task_t *start_task(sl_dist_t *d, const want_task_t *wt) {
        local_task_t *lt = calloc(1, sizeof(*lt));
        sl_validation_t v;
        sl_reply_t r = {0};

        lt->conn = strdup(wt->conn);
        lt->inst = strdup(wt->inst);
        lt->id = wt->id;
        lt->cfg = sl_strmap_dup(wt->cfg);
        lt->paused = wt->target == SL_TARGET_PAUSED;
        if (sl_connector_validate(d->w, wt->cfg, &v, &r) != 0 ||
            sl_validation_reply_errors(&v, &r) > 0) {
                if (asprintf(&lt->fail_trace,
                             "org.apache.kafka.connect.errors.ConnectException: %s",
                             r.message ? r.message : "invalid task config") < 0)
                        lt->fail_trace = NULL;
                sl_reply_clear(&r);
                if (v.errs)
                        sl_validation_clear(&v);
                sl_error(LOGGER, "Task %s cannot start: %s", wt->inst, lt->fail_trace);
                return lt;
        }
        /* resume from every offset committed so far, wherever it ran */
        if (v.plugin->type == SL_CONNECTOR_SOURCE &&
            sl_klog_read_to_end(d->offset_log, d->sync_timeout_ms) != 0)
                sl_warn(LOGGER, "Task %s starts without having read the offsets topic to its end",
                        wt->inst);
        create_topics(d, v.resolved);
        lt->task = sl_task_start(d->w, v.plugin, wt->conn, wt->id, v.resolved, lt->paused);
        sl_validation_clear(&v);
        sl_info(LOGGER, "Task %s started on this worker", wt->inst);
        return lt;
}

/* The previous owner still in the group must have stopped it first (its
 * UNASSIGNED status), so a task never runs twice; bounded by a deadline. */
static bool handed_over(sl_dist_t *d, const want_task_t *wt, sl_json_t *deadlines) {
        char key[1100];
        const sl_json_t *st, *dl;
        bool busy;
        int64_t now = sl_now_ms();

        if (!wt->prev_owner)
                return true;
        status_key(key, sizeof(key), "task", wt->inst);
        pthread_mutex_lock(&d->status_lock);
        st = sl_json_object_get(d->statuses, key);
        busy = st && str_eq(sl_json_object_get_str(st, "worker_id"), wt->prev_owner) &&
               !str_eq(sl_json_object_get_str(st, "state"), "UNASSIGNED");
        pthread_mutex_unlock(&d->status_lock);
        if (!busy) {
                sl_json_object_del(deadlines, wt->inst);
                return true;
        }
        dl = sl_json_object_get(deadlines, wt->inst);
        if (!dl) {
                sl_json_object_set(deadlines, wt->inst,
                                   sl_json_int(now + d->shutdown_timeout_ms + 5000));
                return false;
        }
        if (now < dl->u.i)
                return false;
        sl_warn(LOGGER, "Task %s: %s did not report it stopped; starting it anyway", wt->inst,
                wt->prev_owner);
        sl_json_object_del(deadlines, wt->inst);
        return true;
}

static bool json_has_str(const sl_json_t *arr, const char *s) {
        for (size_t i = 0; arr && i < arr->u.arr.len; i++)
                if (arr->u.arr.items[i]->type == SL_JSON_STRING &&
                    !strcmp(arr->u.arr.items[i]->u.str.ptr, s))
                        return true;
        return false;
}

/* KIP-745 restart requests naming this task */
static bool restart_asked(const wants_t *w, const local_task_t *lt) {
        if (json_has_str(w->task_restarts, lt->inst))
                return true;
        for (size_t i = 0; w->restarts && i < w->restarts->u.arr.len; i++) {
                const sl_json_t *q = w->restarts->u.arr.items[i];
                const sl_json_t *inc = sl_json_object_get(q, "include_tasks");
                const sl_json_t *only = sl_json_object_get(q, "only_failed");
                bool failed = !lt->task || sl_task_state(lt->task) == SL_STATE_FAILED;
                if (str_eq(sl_json_object_get_str(q, "connector"), lt->conn) && inc && inc->u.b &&
                    (!only->u.b || failed))
                        return true;
        }
        return false;
}

static void apply_tasks(sl_dist_t *d, const wants_t *w, sl_json_t *deadlines) {
        local_task_t **pp = &d->ltasks;

        while (*pp) {
                local_task_t *lt = *pp;
                const want_task_t *wt = NULL;
                for (int i = 0; i < w->ntasks && !wt; i++)
                        if (!strcmp(w->tasks[i].inst, lt->inst) && !strcmp(w->tasks[i].conn, lt->conn))
                                wt = &w->tasks[i];
                if (!wt || !sl_strmap_equal(wt->cfg, lt->cfg) || restart_asked(w, lt)) {
                        stop_task(d, lt, !sl_json_object_get(w->existing, lt->conn));
                        *pp = lt->next;
                        lt_free(lt);
                        continue;
                }
                if (lt->task && lt->paused != (wt->target == SL_TARGET_PAUSED)) {
                        lt->paused = wt->target == SL_TARGET_PAUSED;
                        sl_task_set_paused(lt->task, lt->paused);
                }
                pp = &lt->next;
        }
        for (int i = 0; i < w->ntasks; i++) {
                const want_task_t *wt = &w->tasks[i];
                local_task_t *lt;
                bool have = false;
                for (lt = d->ltasks; lt && !have; lt = lt->next)
                        have = !strcmp(lt->inst, wt->inst) && !strcmp(lt->conn, wt->conn);
                if (have || atomic_load(&d->stopping) || !handed_over(d, wt, deadlines))
                        continue;
                lt = start_task(d, wt);
                lt->next = d->ltasks;
                d->ltasks = lt;
        }
}

/* ---------------------------------------------------------- connectors */

static void lc_free(local_conn_t *lc) {
        free(lc->name);
        free(lc->trace);
        free(lc->last_state);
        free(lc->last_trace);
        free(lc);
}

/* The task configs as stored: the raw connector config (placeholders
 * unresolved, so secrets stay out of the topic) plus what the plugin set
 * differently for the task. */
static sl_json_t *task_configs_json(const sl_strmap_t *raw, const sl_strmap_t *resolved,
                                    sl_strmap_t **cfgs, int n) {
        sl_json_t *arr = sl_json_array();
        for (int i = 0; i < n; i++) {
                sl_strmap_t *m = sl_strmap_dup(raw);
                for (size_t k = 0; k < sl_strmap_count(cfgs[i]); k++) {
                        const char *key = sl_strmap_key_at(cfgs[i], k);
                        const char *val = sl_strmap_value_at(cfgs[i], k);
                        if (!str_eq(sl_strmap_get(resolved, key), val))
                                sl_strmap_set(m, key, val);
                }
                sl_json_array_append(arr, sl_json_from_strmap(m));
                sl_strmap_destroy(m);
        }
        return arr;
}

static bool same_configs(const sl_json_t *arr, const want_conn_t *wc) {
        if ((int)arr->u.arr.len != wc->ncommitted)
                return false;
        for (int i = 0; i < wc->ncommitted; i++) {
                sl_strmap_t *m = sl_strmap_new();
                bool eq = sl_json_to_strmap(arr->u.arr.items[i], m, NULL, 0) == 0 &&
                          sl_strmap_equal(m, wc->committed[i]);
                sl_strmap_destroy(m);
                if (!eq)
                        return false;
        }
        return true;
}

/* The leader writes task configs: this worker when it leads, else they
 * go to the leader as POST /connectors/{name}/tasks. */
static int submit_tasks(sl_dist_t *d, const char *name, const sl_json_t *arr, char *err,
                        size_t errsize) {
        sl_reply_t r = {0};
        int rc;

        if (sl_dist_forward(d->h, "POST", "/connectors/%s/tasks", name, arr, &r)) {
                rc = r.status >= 300 ? sl_seterr(err, errsize, SL_ERR_STATE,
                                                 "leader answered %d: %s", r.status,
                                                 r.message ? r.message : "")
                                     : 0;
                sl_reply_clear(&r);
                return rc;
        }
        pthread_mutex_lock(&d->write_lock);
        rc = sl_dist_write_tasks(d, name, arr, err, errsize);
        if (rc == 0)
                rc = sl_dist_sync(d, err, errsize);
        pthread_mutex_unlock(&d->write_lock);
        return rc;
}

static void set_trace(local_conn_t *lc, const char *msg) {
        free(lc->trace);
        lc->trace = NULL;
        if (msg && asprintf(&lc->trace, "org.apache.kafka.connect.errors.ConnectException: %s",
                            msg) < 0)
                lc->trace = NULL;
}

/* Runs the Connector instance: task configs from its config, handed to
 * the leader when they differ from the committed ones. */
static void generate(sl_dist_t *d, local_conn_t *lc, const want_conn_t *wc) {
        sl_validation_t v;
        sl_reply_t r = {0};
        char err[1024] = "";
        sl_strmap_t **cfgs = NULL;
        sl_json_t *arr = NULL;
        int max, n;

        if (sl_now_ms() < lc->retry_at_ms)
                return;
        set_trace(lc, NULL);
        lc->state = wc->target == SL_TARGET_STOPPED  ? "STOPPED"
                    : wc->target == SL_TARGET_PAUSED ? "PAUSED"
                                                     : "RUNNING";
        if (wc->target == SL_TARGET_STOPPED) {
                lc->version = wc->version;
                return;
        }
        if (sl_connector_validate(d->w, wc->config, &v, &r) != 0 ||
            sl_validation_reply_errors(&v, &r) > 0) {
                set_trace(lc, r.message);
                sl_reply_clear(&r);
                if (v.errs)
                        sl_validation_clear(&v);
                lc->state = "FAILED";
                lc->version = wc->version;
                return;
        }
        lc->refresh_every = sl_conn_refresh_interval(v.plugin, v.resolved);
        lc->refresh_at = sl_now_ms() + lc->refresh_every;
        max = (int)sl_config_long(v.resolved, "tasks.max", 1);
        cfgs = calloc((size_t)max + 1, sizeof(*cfgs));
        for (int i = 0; i < max; i++)
                cfgs[i] = sl_strmap_new();
        /* the connector's own code logs as [name|worker] (Kafka's MDC) */
        sl_log_ctx_t prev = sl_log_ctx_set(wc->name, -1, NULL);
        n = v.plugin->task_configs(v.resolved, max, cfgs, err, sizeof(err));
        sl_log_ctx_restore(prev);
        if (n < 0) {
                set_trace(lc, *err ? err : "Connector failed to generate task configs");
                lc->state = "FAILED";
                lc->version = wc->version;
        } else {
                arr = task_configs_json(wc->config, v.resolved, cfgs, n > max ? max : n);
                if (same_configs(arr, wc) || submit_tasks(d, wc->name, arr, err, sizeof(err)) == 0) {
                        lc->version = wc->version;
                } else {
                        sl_warn(LOGGER, "Connector %s: cannot hand task configs to the leader "
                                        "(will retry): %s", wc->name, err);
                        lc->retry_at_ms = sl_now_ms() + 1000;
                }
        }
        for (int i = 0; i < max; i++)
                sl_strmap_destroy(cfgs[i]);
        free(cfgs);
        sl_json_free(arr);
        sl_validation_clear(&v);
}

static bool conn_restart_asked(const wants_t *w, const local_conn_t *lc) {
        for (size_t i = 0; w->restarts && i < w->restarts->u.arr.len; i++) {
                const sl_json_t *q = w->restarts->u.arr.items[i];
                const sl_json_t *only = sl_json_object_get(q, "only_failed");
                if (str_eq(sl_json_object_get_str(q, "connector"), lc->name) &&
                    (!only->u.b || str_eq(lc->state, "FAILED")))
                        return true;
        }
        return false;
}

static void apply_conns(sl_dist_t *d, const wants_t *w) {
        local_conn_t **pp = &d->lconns;
        char key[1100];

        while (*pp) {
                local_conn_t *lc = *pp;
                bool want = false;
                for (int i = 0; i < w->nconns && !want; i++)
                        want = !strcmp(w->conns[i].name, lc->name);
                if (!want) {
                        status_key(key, sizeof(key), "connector", lc->name);
                        sl_dist_put_status(d, key,
                                           sl_json_object_get(w->existing, lc->name) ? "UNASSIGNED"
                                                                                      : NULL,
                                           NULL, false);
                        *pp = lc->next;
                        lc_free(lc);
                        continue;
                }
                pp = &lc->next;
        }
        for (int i = 0; i < w->nconns; i++) {
                const want_conn_t *wc = &w->conns[i];
                local_conn_t *lc;
                for (lc = d->lconns; lc && strcmp(lc->name, wc->name); lc = lc->next)
                        ;
                if (!lc) {
                        lc = calloc(1, sizeof(*lc));
                        lc->name = strdup(wc->name);
                        lc->next = d->lconns;
                        d->lconns = lc;
                }
                if (conn_restart_asked(w, lc))
                        lc->version = 0;
                if (lc->version != wc->version ||
                    (lc->refresh_every > 0 && wc->target != SL_TARGET_STOPPED &&
                     sl_now_ms() >= lc->refresh_at))
                        generate(d, lc, wc);
                else if (!str_eq(lc->state, "FAILED"))
                        lc->state = wc->target == SL_TARGET_STOPPED  ? "STOPPED"
                                    : wc->target == SL_TARGET_PAUSED ? "PAUSED"
                                                                     : "RUNNING";
        }
}

/* ------------------------------------------------------------- status */

static void publish_topics(sl_dist_t *d, local_task_t *lt);

static void publish(sl_dist_t *d) {
        char key[1100];

        for (local_task_t *lt = d->ltasks; lt; lt = lt->next) {
                sl_state_t st = lt->task ? sl_task_state(lt->task) : SL_STATE_FAILED;
                char *trace = lt->task ? sl_task_trace(lt->task)
                                       : (lt->fail_trace ? strdup(lt->fail_trace) : NULL);
                const char *name = sl_state_name(st);
                if (st != SL_STATE_FAILED) {
                        free(trace);
                        trace = NULL;
                }
                if (!str_eq(name, lt->last_state) || !str_eq(trace, lt->last_trace)) {
                        status_key(key, sizeof(key), "task", lt->inst);
                        sl_dist_put_status(d, key, name, trace, false);
                        set_str(&lt->last_state, name);
                        set_str(&lt->last_trace, trace);
                }
                free(trace);
                publish_topics(d, lt);
        }
        for (local_conn_t *lc = d->lconns; lc; lc = lc->next) {
                const char *name = lc->state ? lc->state : "UNASSIGNED";
                if (!str_eq(name, lc->last_state) || !str_eq(lc->trace, lc->last_trace)) {
                        status_key(key, sizeof(key), "connector", lc->name);
                        sl_dist_put_status(d, key, name, lc->trace, false);
                        set_str(&lc->last_state, name);
                        set_str(&lc->last_trace, lc->trace);
                }
        }
}

/* KIP-558: each topic a task used gets a status-topic-<topic>:connector-<n>
 * record once; after a reset (the record's tombstone) the task's set starts
 * over, so only topics used since then come back. */
static void publish_topics(sl_dist_t *d, local_task_t *lt) {
        sl_strmap_t *now;
        char key[2048];

        if (!lt->task)
                return;
        if (!lt->topics_written)
                lt->topics_written = sl_strmap_new();
        pthread_mutex_lock(&d->status_lock);
        for (size_t i = 0; i < sl_strmap_count(lt->topics_written);) {
                const char *k = sl_strmap_key_at(lt->topics_written, i);
                if (!strcmp(sl_strmap_value_at(lt->topics_written, i), "seen") &&
                    !sl_json_object_get(d->statuses, k)) {
                        sl_strmap_t *scratch = sl_strmap_new();
                        sl_task_topics(lt->task, scratch, true);
                        sl_strmap_destroy(scratch);
                        sl_strmap_clear(lt->topics_written);
                        break;
                }
                if (sl_json_object_get(d->statuses, k))
                        sl_strmap_set(lt->topics_written, k, "seen");
                i++;
        }
        pthread_mutex_unlock(&d->status_lock);
        now = sl_strmap_new();
        sl_task_topics(lt->task, now, false);
        for (size_t i = 0; i < sl_strmap_count(now); i++) {
                const char *topic = sl_strmap_key_at(now, i);
                snprintf(key, sizeof(key), "status-topic-%s:connector-%s", topic, lt->conn);
                if (!sl_strmap_has(lt->topics_written, key)) {
                        sl_json_t *v = sl_json_object(), *t = sl_json_object();
                        char *text, err[256];

                        sl_json_object_set(t, "name", sl_json_string(topic));
                        sl_json_object_set(t, "connector", sl_json_string(lt->conn));
                        sl_json_object_set(t, "task", sl_json_int(lt->id));
                        sl_json_object_set(t, "discoverTimestamp",
                                           sl_json_int(sl_epoch_ms()));
                        sl_json_object_set(v, "topic", t);
                        text = sl_json_to_string(v);
                        if (sl_klog_send(d->status_log, key, strlen(key), text, strlen(text), -1,
                                         NULL, NULL, err, sizeof(err)) == 0)
                                sl_strmap_set(lt->topics_written, key, "sent");
                        free(text);
                        sl_json_free(v);
                }
        }
        sl_strmap_destroy(now);
}

/* -------------------------------------------------------------- thread */

static void *control_main(void *arg) {
        sl_dist_t *d = arg;
        sl_json_t *deadlines = sl_json_object();

        while (!atomic_load(&d->stopping)) {
                wants_t w;

                if (sl_member_poll(d->member, 100))
                        d->join_due = sl_member_generation(d->member) >= 0;
                if (d->join_due)
                        send_join(d);
                if (sl_member_generation(d->member) >= 0 && owns_partition0(d))
                        lead(d);
                snapshot(d, &w);
                apply_conns(d, &w);
                apply_tasks(d, &w, deadlines);
                wants_clear(&w);
                publish(d);
        }
        /* hand everything over: stop (committing offsets), say so, leave */
        while (d->ltasks) {
                local_task_t *lt = d->ltasks;
                d->ltasks = lt->next;
                stop_task(d, lt, false);
                lt_free(lt);
        }
        while (d->lconns) {
                local_conn_t *lc = d->lconns;
                char key[1100];
                d->lconns = lc->next;
                status_key(key, sizeof(key), "connector", lc->name);
                sl_dist_put_status(d, key, "UNASSIGNED", NULL, true);
                lc_free(lc);
        }
        sl_member_destroy(d->member);
        d->member = NULL;
        sl_json_free(deadlines);
        return NULL;
}

int sl_dist_control_start(sl_dist_t *d, char *errstr, size_t errstr_size) {
        if (pthread_create(&d->thread, NULL, control_main, d) != 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_STATE,
                                 "Cannot start the control-plane thread");
        d->thread_started = true;
        return 0;
}

void sl_dist_control_stop(sl_dist_t *d) {
        atomic_store(&d->stopping, true);
        if (d->thread_started)
                pthread_join(d->thread, NULL);
        d->thread_started = false;
}
