/* GET /metrics (Prometheus text format 0.0.4) and GET /metrics/throughput
 * (the dashboard's JSON history, metrics_throughput.c). Per-task series
 * come from the registry of tasks this worker runs (task_metrics.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/metrics_int.h"
#include "ops/ops.h"
#include "worker/committer.h"
#include "worker/task_metrics.h"

#define LOGGER "metrics"

typedef struct metrics {
        sl_worker_t *w;
        sl_herder_t *h;
        sl_throughput_t *tp;
} metrics_t;

/* sl_metrics_stop takes no handle: main.c has one REST server */
static metrics_t *the_metrics;

static const char *const metrics_prefixes[] = {"metrics", NULL};

/* One family over every task: value(snap) for tasks of the given kind. */
typedef double(task_value_fn)(const sl_tm_snap_t *s, int arg);

static double counter_value(const sl_tm_snap_t *s, int arg) {
        return (double)s->c[arg];
}

static double active_value(const sl_tm_snap_t *s, int arg) {
        (void)arg;
        return (double)s->active;
}

static void task_family(sl_buf_t *out, const sl_tm_snap_t *snap, size_t n, bool sink,
                        const char *name, sl_prom_type_t type, const char *help,
                        task_value_fn *fn, int arg) {
        sl_prom_family(out, name, type, help);
        for (size_t i = 0; i < n; i++) {
                char task[16];
                if (snap[i].sink != sink)
                        continue;
                snprintf(task, sizeof(task), "%d", snap[i].task);
                sl_prom_sample(out, name,
                               (const char *const[]){"connector", snap[i].connector, "task",
                                                     task, NULL},
                               fn(&snap[i], arg));
        }
}

static const sl_state_t states[] = {SL_STATE_UNASSIGNED, SL_STATE_RUNNING, SL_STATE_PAUSED,
                                    SL_STATE_STOPPED,    SL_STATE_FAILED,  SL_STATE_RESTARTING};

static void render_tasks(sl_buf_t *out, const sl_tm_snap_t *snap, size_t n) {
        const char *name;

        task_family(out, snap, n, false, "sluice_source_records_polled_total", SL_PROM_COUNTER,
                    "Records the source task polled from its connector.", counter_value,
                    SL_TM_SOURCE_POLLED);
        task_family(out, snap, n, false, "sluice_source_records_written_total", SL_PROM_COUNTER,
                    "Records the source task wrote to Kafka (acknowledged by the broker).",
                    counter_value, SL_TM_SOURCE_WRITTEN);
        task_family(out, snap, n, false, "sluice_source_bytes_written_total", SL_PROM_COUNTER,
                    "Key and value bytes of the records the source task wrote to Kafka.",
                    counter_value, SL_TM_SOURCE_BYTES);
        task_family(out, snap, n, false, "sluice_source_records_active", SL_PROM_GAUGE,
                    "Records sent to Kafka and not acknowledged yet.", active_value, 0);
        task_family(out, snap, n, true, "sluice_sink_records_read_total", SL_PROM_COUNTER,
                    "Records the sink task consumed from Kafka.", counter_value,
                    SL_TM_SINK_READ);
        task_family(out, snap, n, true, "sluice_sink_records_put_total", SL_PROM_COUNTER,
                    "Records the sink task handed to its connector's put.", counter_value,
                    SL_TM_SINK_PUT);
        task_family(out, snap, n, true, "sluice_sink_bytes_read_total", SL_PROM_COUNTER,
                    "Key and value bytes the sink task consumed from Kafka.", counter_value,
                    SL_TM_SINK_BYTES);
        task_family(out, snap, n, true, "sluice_sink_offset_commits_total", SL_PROM_COUNTER,
                    "Successful offset commits of the sink task.", counter_value,
                    SL_TM_SINK_COMMITS);

        name = "sluice_sink_partition_lag";
        sl_prom_family(out, name, SL_PROM_GAUGE,
                       "High watermark minus the sink task's position, per assigned "
                       "partition.");
        for (size_t i = 0; i < n; i++) {
                char task[16], part[16];
                snprintf(task, sizeof(task), "%d", snap[i].task);
                for (size_t k = 0; k < snap[i].nlags; k++) {
                        snprintf(part, sizeof(part), "%d", (int)snap[i].lags[k].partition);
                        sl_prom_sample(out, name,
                                       (const char *const[]){"connector", snap[i].connector,
                                                             "task", task, "topic",
                                                             snap[i].lags[k].topic,
                                                             "partition", part, NULL},
                                       (double)snap[i].lags[k].lag);
                }
        }

        name = "sluice_task_errors_total";
        sl_prom_family(out, name, SL_PROM_COUNTER,
                       "Connect task error metrics (errors.*), by kind.");
        for (size_t i = 0; i < n; i++) {
                char task[16];
                snprintf(task, sizeof(task), "%d", snap[i].task);
                for (int c = SL_TM_ERR_FIRST; c < SL_TM__COUNT; c++)
                        sl_prom_sample(out, name,
                                       (const char *const[]){"connector", snap[i].connector,
                                                             "task", task, "kind",
                                                             sl_tm_error_kind(c), NULL},
                                       (double)snap[i].c[c]);
        }

        name = "sluice_task_state";
        sl_prom_family(out, name, SL_PROM_GAUGE,
                       "1 for the task's current state (RUNNING, PAUSED, FAILED, ...).");
        for (size_t i = 0; i < n; i++) {
                char task[16];
                snprintf(task, sizeof(task), "%d", snap[i].task);
                for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++)
                        if (states[s] == snap[i].state)
                                sl_prom_sample(out, name,
                                               (const char *const[]){
                                                       "connector", snap[i].connector, "task",
                                                       task, "state", sl_state_name(states[s]),
                                                       NULL},
                                               1);
        }
}

/* One gauge per committer ring (one ring a shard). */
static void ring_family(sl_buf_t *out, const char *name, const char *help, const size_t *v,
                        int n) {
        sl_prom_family(out, name, SL_PROM_GAUGE, help);
        for (int i = 0; i < n; i++) {
                char shard[16];
                snprintf(shard, sizeof(shard), "%d", i);
                sl_prom_sample(out, name,
                               (const char *const[]){"ring", "committer", "shard", shard, NULL},
                               (double)v[i]);
        }
}

static void render_rings(sl_buf_t *out, const sl_committer_t *c) {
        int n = sl_committer_rings(c);
        size_t *count = calloc((size_t)n + 1, sizeof(*count));
        size_t *cap = calloc((size_t)n + 1, sizeof(*cap));

        if (!count || !cap) {
                free(count);
                free(cap);
                return;
        }
        /* one read per ring, so occupancy and capacity agree */
        for (int i = 0; i < n; i++)
                sl_committer_ring_usage(c, i, &count[i], &cap[i]);
        ring_family(out, "sluice_ring_occupancy", "Items queued in a lock-free shard ring.",
                    count, n);
        ring_family(out, "sluice_ring_capacity", "Capacity of a lock-free shard ring.", cap, n);
        free(count);
        free(cap);
}

/* The connector count, and from {name: {"status": {"connector": {"state",
 * "worker_id"}}}} the state of each connector instance this worker runs (a connector failing to generate task configs has no task to show
 * it). */
static void render_connectors(sl_buf_t *out, metrics_t *m) {
        sl_reply_t r = {0};
        const sl_json_t *all;
        size_t n = 0;

        /* the plain list counts only connectors with a config */
        sl_herder_connectors(m->h, false, false, &r);
        if (r.body && r.body->type == SL_JSON_ARRAY)
                n = r.body->u.arr.len;
        sl_reply_clear(&r);
        sl_prom_family(out, "sluice_connectors", SL_PROM_GAUGE,
                       "Connectors configured in this worker's cluster.");
        sl_prom_sample(out, "sluice_connectors", NULL, (double)n);
        sl_herder_connectors(m->h, true, false, &r);
        all = r.body && r.body->type == SL_JSON_OBJECT ? r.body : NULL;
        n = all ? all->u.obj.len : 0;
        sl_prom_family(out, "sluice_connector_state", SL_PROM_GAUGE,
                       "1 for the state of each connector instance this worker runs.");
        for (size_t i = 0; i < n; i++) {
                const sl_json_t *st = sl_json_object_get(all->u.obj.vals[i], "status");
                const sl_json_t *c = st ? sl_json_object_get(st, "connector") : NULL;
                const char *state = c ? sl_json_object_get_str(c, "state") : NULL;
                const char *wid = c ? sl_json_object_get_str(c, "worker_id") : NULL;

                if (!state || !wid || strcmp(wid, sl_worker_id(m->w)) != 0)
                        continue;
                sl_prom_sample(out, "sluice_connector_state",
                               (const char *const[]){"connector", all->u.obj.keys[i], "state",
                                                     state, NULL},
                               1);
        }
        sl_reply_clear(&r);
}

static void render_worker(sl_buf_t *out, metrics_t *m) {
        render_connectors(out, m);
        sl_prom_family(out, "sluice_worker_info", SL_PROM_GAUGE,
                       "Worker build and identity (always 1).");
        sl_prom_sample(out, "sluice_worker_info",
                       (const char *const[]){"version", SLUICE_VERSION, "commit", SLUICE_COMMIT,
                                             "mode",
                                             sl_worker_distributed(m->w) ? "distributed"
                                                                         : "standalone",
                                             "worker_id", sl_worker_id(m->w), NULL},
                       1);
}

static void handle_metrics(metrics_t *m, sl_rest_response_t *resp) {
        sl_buf_t b = SL_BUF_INIT;
        sl_tm_snap_t *snap;
        int n = sl_task_metrics_snapshot(&snap, true);

        if (n < 0) {
                sl_rest_response_error(resp, 500, "Out of memory");
                return;
        }
        render_worker(&b, m);
        render_tasks(&b, snap, (size_t)n);
        render_rings(&b, sl_worker_committer(m->w));
        sl_task_metrics_snapshot_free(snap, (size_t)n);
        resp->status = 200;
        resp->body = sl_buf_detach(&b, NULL);
        resp->content_type = SL_PROM_CONTENT_TYPE;
}

static void handle_throughput(metrics_t *m, const sl_rest_request_t *req,
                              sl_rest_response_t *resp) {
        size_t seconds = 0;
        sl_buf_t b = SL_BUF_INIT;

        for (size_t i = 0; i < req->nquery; i++) {
                const char *v = req->qval[i];
                char *end;
                long long s;

                if (strcmp(req->qkey[i], "seconds") != 0)
                        continue;
                errno = 0;
                s = v ? strtoll(v, &end, 10) : 0;
                if (!v || !*v || *end || errno || s < 1) {
                        sl_rest_response_error(resp, 400,
                                    "Invalid value for query parameter 'seconds': expected a "
                                    "positive integer");
                        return;
                }
                seconds = s > SL_THROUGHPUT_SAMPLES ? SL_THROUGHPUT_SAMPLES : (size_t)s;
        }
        sl_throughput_render(m->tp, seconds, &b);
        resp->status = 200;
        resp->body = sl_buf_detach(&b, NULL);
        resp->content_type = NULL;
}

static void metrics_handle(void *opaque, const sl_rest_request_t *req,
                           sl_rest_response_t *resp) {
        metrics_t *m = opaque;
        bool root = !strcmp(req->path, "/metrics");
        bool tput = !strcmp(req->path, "/metrics/throughput");

        if (!root && !tput) {
                sl_rest_response_error(resp, 404, "Unknown metrics path %.200s", req->path);
                return;
        }
        if (strcmp(req->method, "GET") != 0) {
                sl_rest_response_error(resp, 405, "HTTP 405 Method Not Allowed");
                return;
        }
        if (root)
                handle_metrics(m, resp);
        else
                handle_throughput(m, req, resp);
}

int sl_metrics_rest_attach(sl_rest_t *rest, sl_worker_t *w, sl_herder_t *h, char *errstr,
                           size_t errstr_size) {
        metrics_t *m;
        int rc;

        if (the_metrics)
                return sl_seterr(errstr, errstr_size, SL_ERR_STATE,
                                 "Metrics endpoints already attached");
        if (!(m = calloc(1, sizeof(*m))))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        m->w = w;
        m->h = h;
        if (!(m->tp = sl_throughput_start(w, errstr, errstr_size))) {
                free(m);
                return SL_ERR_STATE;
        }
        if ((rc = sl_rest_add_handler(rest, metrics_prefixes, metrics_handle, m)) != 0) {
                sl_throughput_stop(m->tp);
                free(m);
                return sl_seterr(errstr, errstr_size, SL_ERR_STATE,
                                 "Cannot add the /metrics handler: %s", strerror(-rc));
        }
        the_metrics = m;
        return 0;
}

void sl_metrics_stop(void) {
        metrics_t *m = the_metrics;

        if (!m)
                return;
        the_metrics = NULL;
        sl_throughput_stop(m->tp);
        free(m);
}
