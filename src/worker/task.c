#include "worker/task_int.h"
#include "transform/chain.h"
#include "util/log.h"
#include "util/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOGGER "task"

static const char *const state_names[] = {
        [SL_STATE_UNASSIGNED] = "UNASSIGNED", [SL_STATE_RUNNING] = "RUNNING",
        [SL_STATE_PAUSED] = "PAUSED",         [SL_STATE_STOPPED] = "STOPPED",
        [SL_STATE_FAILED] = "FAILED",         [SL_STATE_RESTARTING] = "RESTARTING",
};

const char *sl_state_name(sl_state_t s) {
        return s <= SL_STATE_RESTARTING ? state_names[s] : "UNKNOWN";
}

void sl_task_fail(sl_task_t *t, const char *fmt, ...) {
        char msg[2048];
        char *trace = NULL;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (asprintf(&trace, "org.apache.kafka.connect.errors.ConnectException: %s\n"
                             "\tat %s task %d (%s)",
                     msg, t->connector, t->id, t->plugin->class_name) < 0)
                trace = NULL;
        /* a plugin's message may quote its config (a URL, a bad value):
         * the status shows a resolved secret as its placeholder */
        if (trace && sl_redact_active()) {
                char *masked = sl_redact_dup(trace);
                free(trace);
                trace = masked;
        }
        pthread_mutex_lock(&t->lock);
        free(t->trace);
        t->trace = trace;
        pthread_mutex_unlock(&t->lock);
        atomic_store(&t->status, SL_STATE_FAILED);
        sl_error(LOGGER, "%s-%d failed: %s", t->connector, t->id, msg);
}

/* librdkafka calls this from its own threads when the task's queue turns
 * non-empty (messages fetched, deliveries reported): wake the shard
 * instead of letting it sleep out its idle back-off. */
static void queue_wakeup(rd_kafka_t *rk, void *opaque) {
        sl_task_t *t = opaque;
        (void)rk;
        sl_shard_wake(t->shard);
}

static void wakeups_enable(sl_task_t *t, bool on) {
        rd_kafka_queue_t *q = t->plugin->type == SL_CONNECTOR_SINK
                                      ? rd_kafka_queue_get_consumer(t->rk)
                                      : rd_kafka_queue_get_main(t->rk);
        if (!q)
                return;
        rd_kafka_queue_cb_event_enable(q, on ? queue_wakeup : NULL, t);
        rd_kafka_queue_destroy(q);
}

/* Lines the task's code logs carry its connector context ([name|task-N]). */
static int step_in_ctx(void *task) {
        sl_task_t *t = task;
        sl_log_ctx_t prev = sl_log_ctx_set(t->connector, t->id, NULL);
        int did = t->plugin->type == SL_CONNECTOR_SOURCE ? sl_source_task_step(t)
                                                         : sl_sink_task_step(t);
        sl_log_ctx_restore(prev);
        return did;
}

/* Open on the calling (control-plane) thread, then run on a shard. */
sl_task_t *sl_task_start(sl_worker_t *w, const sl_connector_plugin_t *plugin,
                         const char *connector, int id, const sl_strmap_t *config,
                         bool paused) {
        sl_task_t *t = calloc(1, sizeof(*t));
        char err[1024];
        int rc;

        if (!t)
                return NULL;
        t->worker = w;
        t->plugin = plugin;
        t->connector = strdup(connector);
        t->id = id;
        t->config = sl_strmap_dup(config);
        atomic_init(&t->stop, false);
        atomic_init(&t->paused, paused);
        atomic_init(&t->status, SL_STATE_UNASSIGNED);
        atomic_init(&t->delivery_failed, false);
        atomic_init(&t->topics_cleared, false);
        pthread_mutex_init(&t->lock, NULL);
        pthread_mutex_init(&t->topics_lock, NULL);
        t->topics = sl_strmap_new();
        sl_task_metrics_register(t);
        if (sl_worker_converters(w, t->config, &t->key_conv, &t->value_conv, err,
                                 sizeof(err)) != 0) {
                sl_task_fail(t, "%s", err);
                return t;
        }
        if (sl_strmap_get(t->config, "transforms") &&
            strspn(sl_strmap_get(t->config, "transforms"), " ,") !=
                    strlen(sl_strmap_get(t->config, "transforms"))) {
                sl_config_errors_t *errs = sl_config_errors_new();
                t->chain = sl_xchain_new(t->config, errs);
                if (!t->chain) {
                        const char *k = sl_config_errors_key(errs, 0);
                        sl_task_fail(t, "Invalid transformation config %s: %s", k,
                                     sl_config_errors_key_at(errs, k, 0));
                        sl_config_errors_destroy(errs);
                        return t;
                }
                sl_config_errors_destroy(errs);
        }
        t->errh = sl_errh_new(t, t->config, plugin->type == SL_CONNECTOR_SINK, err, sizeof(err));
        if (!t->errh) {
                sl_task_fail(t, "%s", err);
                return t;
        }
        sl_log_ctx_t prev = sl_log_ctx_set(t->connector, t->id, NULL);
        rc = plugin->type == SL_CONNECTOR_SOURCE ? sl_source_task_open(t) : sl_sink_task_open(t);
        sl_log_ctx_restore(prev);
        if (rc != 0)
                return t;
        t->opened = true;
        sl_task_metrics_clients_ready(t);
        t->shard = sl_shards_attach(sl_worker_shards(w), step_in_ctx, t);
        wakeups_enable(t, true);
        sl_debug(LOGGER, "%s-%d runs on shard %d", connector, id, sl_shard_id(t->shard));
        return t;
}

void sl_task_set_paused(sl_task_t *t, bool paused) {
        atomic_store(&t->paused, paused);
        if (t->shard)
                sl_shard_wake(t->shard);
}

void sl_task_stop(sl_task_t *t) {
        if (!t)
                return;
        /* before close destroys the clients a scrape may be reading */
        sl_task_metrics_unregister(t);
        atomic_store(&t->stop, true);
        if (t->shard) {
                wakeups_enable(t, false);
                sl_shard_detach(t->shard, t);
        }
        if (t->opened) {
                sl_log_ctx_t prev = sl_log_ctx_set(t->connector, t->id, NULL);
                if (t->plugin->type == SL_CONNECTOR_SOURCE)
                        sl_source_task_close(t);
                else
                        sl_sink_task_close(t);
                sl_log_ctx_restore(prev);
        }
        sl_task_release(t);
}

void sl_task_release(sl_task_t *t) {
        sl_task_metrics_unregister(t);
        sl_converter_destroy(t->key_conv);
        sl_converter_destroy(t->value_conv);
        sl_xchain_destroy(t->chain);
        sl_errh_destroy(t->errh);
        sl_strmap_destroy(t->config);
        free(t->connector);
        free(t->trace);
        free(t->last_topic);
        sl_strmap_destroy(t->topics);
        pthread_mutex_destroy(&t->topics_lock);
        pthread_mutex_destroy(&t->lock);
        free(t);
}

sl_state_t sl_task_state(sl_task_t *t) {
        return (sl_state_t)atomic_load(&t->status);
}

char *sl_task_trace(sl_task_t *t) {
        char *s;
        pthread_mutex_lock(&t->lock);
        s = t->trace ? strdup(t->trace) : NULL;
        pthread_mutex_unlock(&t->lock);
        return s;
}

void sl_task_track_topic(sl_task_t *t, const char *topic) {
        if (atomic_load(&t->topics_cleared) && atomic_exchange(&t->topics_cleared, false)) {
                free(t->last_topic);
                t->last_topic = NULL;
        }
        if (t->last_topic && !strcmp(t->last_topic, topic))
                return;
        sl_worker_embedded_topic(t->worker, topic);
        pthread_mutex_lock(&t->topics_lock);
        sl_strmap_set(t->topics, topic, "");
        pthread_mutex_unlock(&t->topics_lock);
        free(t->last_topic);
        t->last_topic = strdup(topic);
}

void sl_task_topics(sl_task_t *t, sl_strmap_t *into, bool clear) {
        pthread_mutex_lock(&t->topics_lock);
        for (size_t i = 0; i < sl_strmap_count(t->topics); i++)
                sl_strmap_set(into, sl_strmap_key_at(t->topics, i), "");
        if (clear) {
                sl_strmap_clear(t->topics);
                atomic_store(&t->topics_cleared, true);
        }
        pthread_mutex_unlock(&t->topics_lock);
}

/* ------------------------------------------------ plugin-facing context */

/* NULL ctx (helpers shared with task_configs/validate, which have none) is
 * answered as "no task". */
const char *sl_task_connector(const sl_task_ctx_t *ctx) {
        return ctx ? ctx->connector : "";
}

int sl_task_id(const sl_task_ctx_t *ctx) {
        return ctx ? ctx->id : -1;
}

bool sl_task_stopping(const sl_task_ctx_t *ctx) {
        return ctx && atomic_load(&((sl_task_ctx_t *)ctx)->stop);
}

sl_json_t *sl_task_offset(sl_task_ctx_t *ctx, const sl_json_t *source_partition) {
        if (!ctx)
                return NULL;
        return sl_offset_store_get(sl_worker_offsets(ctx->worker), ctx->connector,
                                   source_partition);
}
