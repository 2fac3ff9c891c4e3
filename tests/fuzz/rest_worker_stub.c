/*
 * What the herder needs from a worker, for fuzzing REST bodies without
 * Kafka. The herder, connector-config validation, configdef, providers,
 * transforms, converters and the offset store are the real code; only
 * the worker's outside world is replaced:
 *  - plugins: FuzzSource and FuzzSink, whose config tables use every
 *    config type. Built-in connectors are not registered: their task
 *    configs and validation reach files, Kafka clusters and databases
 *    named in the (fuzzed) config.
 *  - tasks: sl_task_start records a task that never runs.
 *  - Kafka clients: none (sink offset requests fail with 500 after their
 *    bodies are checked).
 *  - config providers: env only (a fuzzed ${file:...} must not read
 *    arbitrary paths).
 *  - distributed mode: never entered (the herder has no dist).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rest_worker_stub.h"
#include "herder/herder_int.h"

#define LOGGER "fuzz"

struct sl_worker {
        sl_providers_t *providers;
        sl_offset_store_t *offsets;
        sl_plugins_t *plugins;
};

struct sl_plugins {
        int unused;
};

struct sl_task_ctx {
        sl_state_t state;
        sl_strmap_t *topics;
};

/* ------------------------------------------------------------ plugins */

static const char *const modes[] = {"bulk", "incrementing", NULL};

static const sl_config_def_t fuzz_defs[] = {
        {.name = "topic", .type = SL_CFG_STRING, .default_value = "fz-topic",
         .flags = SL_CFG_NONEMPTY, .documentation = "Topic."},
        {.name = "batch.size", .type = SL_CFG_INT, .default_value = "100",
         .flags = SL_CFG_MIN | SL_CFG_MAX, .min = 1, .max = 100000},
        {.name = "poll.ms", .type = SL_CFG_LONG, .default_value = "1000"},
        {.name = "ratio", .type = SL_CFG_DOUBLE, .default_value = "0.5",
         .flags = SL_CFG_MIN | SL_CFG_MAX, .min = 0, .max = 1},
        {.name = "port", .type = SL_CFG_SHORT, .default_value = "80"},
        {.name = "enabled", .type = SL_CFG_BOOLEAN, .default_value = "true"},
        {.name = "fields", .type = SL_CFG_LIST, .default_value = ""},
        {.name = "secret", .type = SL_CFG_PASSWORD},
        {.name = "codec.class", .type = SL_CFG_CLASS},
        {.name = "mode", .type = SL_CFG_STRING, .default_value = "bulk", .valid_values = modes},
        {.name = "required.key", .type = SL_CFG_STRING, .flags = SL_CFG_REQUIRED},
        {.name = NULL},
};

/* a cross-field check, as real connectors have */
static void fuzz_validate(const sl_strmap_t *cfg, sl_config_errors_t *errs)
{
        const char *mode = sl_config_str(cfg, "mode");
        char **items = NULL;
        int n = sl_config_list(sl_config_str(cfg, "fields"), &items);

        if (mode && !strcmp(mode, "incrementing") && n == 0)
                sl_config_error_add(errs, "fields", "mode %s needs fields", mode);
        sl_config_list_free(items, n);
}

/* up to 3 tasks, each with its own slice of fields */
static int source_task_configs(const sl_strmap_t *config, int max_tasks,
                               sl_strmap_t **task_configs, char *errstr, size_t errstr_size)
{
        int n = max_tasks < 3 ? max_tasks : 3;

        (void)errstr;
        (void)errstr_size;
        for (int i = 0; i < n; i++) {
                char id[16];
                snprintf(id, sizeof(id), "%d", i);
                sl_strmap_merge(task_configs[i], config);
                sl_strmap_set(task_configs[i], "task.id", id);
        }
        return n;
}

static int no_start(sl_task_ctx_t *ctx, const sl_strmap_t *config, void **statep, char *errstr,
                    size_t errstr_size)
{
        (void)ctx;
        (void)config;
        (void)statep;
        return sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "fuzz tasks never run");
}

static const sl_connector_plugin_t fuzz_plugins[] = {
        {.abi_version = SL_PLUGIN_ABI_VERSION, .type = SL_CONNECTOR_SOURCE,
         .class_name = "org.example.fuzz.FuzzSourceConnector", .version = "1",
         .config = fuzz_defs, .validate = fuzz_validate,
         .task_configs = source_task_configs, .task_start = no_start},
        {.abi_version = SL_PLUGIN_ABI_VERSION, .type = SL_CONNECTOR_SINK,
         .class_name = "org.example.fuzz.FuzzSinkConnector", .version = "1",
         .config = fuzz_defs, .validate = fuzz_validate,
         .task_configs = sl_task_configs_copy, .task_start = no_start},
};
#define NPLUGINS (sizeof(fuzz_plugins) / sizeof(fuzz_plugins[0]))

bool sl_plugin_matches(const sl_connector_plugin_t *plugin, const char *name)
{
        const char *simple = strrchr(plugin->class_name, '.') + 1;
        size_t sl = strlen(simple) - strlen("Connector");

        return !strcmp(name, plugin->class_name) || !strcmp(name, simple) ||
               (strlen(name) == sl && !strncmp(name, simple, sl));
}

const sl_connector_plugin_t *sl_plugins_find(const sl_plugins_t *p, const char *name)
{
        (void)p;
        for (size_t i = 0; i < NPLUGINS; i++)
                if (sl_plugin_matches(&fuzz_plugins[i], name))
                        return &fuzz_plugins[i];
        return NULL;
}

size_t sl_plugins_count(const sl_plugins_t *p)
{
        (void)p;
        return NPLUGINS;
}

const sl_connector_plugin_t *sl_plugins_at(const sl_plugins_t *p, size_t i)
{
        (void)p;
        return i < NPLUGINS ? &fuzz_plugins[i] : NULL;
}

char *sl_plugins_names(const sl_plugins_t *p)
{
        (void)p;
        return strdup("org.example.fuzz.FuzzSourceConnector, "
                      "org.example.fuzz.FuzzSinkConnector");
}

/* ------------------------------------------------------------- worker */

/* Offsets as the distributed store writes them: what reaches the topic
 * must be JSON. */
static int write_offset(void *opaque, const char *key, size_t key_len, const char *value,
                        size_t value_len, char *errstr, size_t errstr_size)
{
        char err[256];
        sl_json_t *j;

        (void)opaque;
        (void)errstr;
        (void)errstr_size;
        if (!key)
                return 0;
        j = sl_json_parse(key, key_len, err, sizeof(err));
        FUZZ_CHECK(j, "offset key is not JSON: %s", err);
        sl_json_free(j);
        if (value) {
                j = sl_json_parse(value, value_len, err, sizeof(err));
                FUZZ_CHECK(j, "offset value is not JSON: %s", err);
                sl_json_free(j);
        }
        return 0;
}

sl_worker_t *fuzz_worker_new(void)
{
        static sl_plugins_t plugins;
        sl_worker_t *w = calloc(1, sizeof(*w));
        sl_strmap_t *wc = sl_strmap_new();
        char err[256];

        sl_strmap_set(wc, "config.providers", "env");
        sl_strmap_set(wc, "config.providers.env.class", "EnvVarConfigProvider");
        w->providers = sl_providers_new(wc, err, sizeof(err));
        FUZZ_CHECK(w->providers, "%s", err);
        sl_strmap_destroy(wc);
        w->offsets = sl_offset_store_new_topic();
        sl_offset_store_set_writer(w->offsets, write_offset, NULL);
        w->plugins = &plugins;
        return w;
}

void fuzz_worker_destroy(sl_worker_t *w)
{
        sl_providers_destroy(w->providers);
        sl_offset_store_close(w->offsets);
        free(w);
}

sl_plugins_t *sl_worker_plugins(const sl_worker_t *w)
{
        return w->plugins;
}

const sl_providers_t *sl_worker_providers(const sl_worker_t *w)
{
        return w->providers;
}

sl_offset_store_t *sl_worker_offsets(const sl_worker_t *w)
{
        return w->offsets;
}

const char *sl_worker_id(const sl_worker_t *w)
{
        (void)w;
        return "fuzz:8083";
}

const char *sl_worker_cluster_id(sl_worker_t *w)
{
        (void)w;
        return "fuzz-cluster";
}

/* a standalone worker never has exactly-once source support */
bool sl_worker_exactly_once(const sl_worker_t *w)
{
        (void)w;
        return false;
}

bool sl_worker_embedded(const sl_worker_t *w)
{
        (void)w;
        return false;
}

void sl_worker_embedded_topic(sl_worker_t *w, const char *topic)
{
        (void)w;
        (void)topic;
}

rd_kafka_conf_t *sl_worker_consumer_conf(sl_worker_t *w, const char *name, int task,
                                         const sl_strmap_t *config, char *errstr,
                                         size_t errstr_size)
{
        (void)w;
        (void)name;
        (void)task;
        (void)config;
        sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "no Kafka in the fuzz harness");
        return NULL;
}

rd_kafka_t *sl_worker_admin_client(sl_worker_t *w, char *errstr, size_t errstr_size)
{
        (void)w;
        sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "no Kafka in the fuzz harness");
        return NULL;
}

/* -------------------------------------------------------------- tasks */

const char *sl_state_name(sl_state_t s)
{
        static const char *const names[] = {"UNASSIGNED", "RUNNING", "PAUSED",
                                            "STOPPED",    "FAILED",  "RESTARTING"};
        return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

sl_task_t *sl_task_start(sl_worker_t *w, const sl_connector_plugin_t *plugin,
                         const char *connector, int id, const sl_strmap_t *config, bool paused)
{
        sl_task_t *t = calloc(1, sizeof(*t));

        (void)w;
        (void)plugin;
        (void)connector;
        (void)id;
        t->state = paused ? SL_STATE_PAUSED : SL_STATE_RUNNING;
        t->topics = sl_strmap_new();
        /* what a running task would report as its topics */
        if (sl_strmap_get(config, "topic"))
                sl_strmap_set(t->topics, sl_strmap_get(config, "topic"), "");
        return t;
}

void sl_task_set_paused(sl_task_t *t, bool paused)
{
        t->state = paused ? SL_STATE_PAUSED : SL_STATE_RUNNING;
}

void sl_task_stop(sl_task_t *t)
{
        if (!t)
                return;
        sl_strmap_destroy(t->topics);
        free(t);
}

sl_state_t sl_task_state(sl_task_t *t)
{
        return t->state;
}

char *sl_task_trace(sl_task_t *t)
{
        (void)t;
        return NULL;
}

void sl_task_topics(sl_task_t *t, sl_strmap_t *into, bool clear)
{
        for (size_t i = 0; i < sl_strmap_count(t->topics); i++)
                sl_strmap_set(into, sl_strmap_key_at(t->topics, i), "");
        if (clear)
                sl_strmap_clear(t->topics);
}

/* ------------------------------------------------- distributed (unused) */

#define UNREACHABLE() FUZZ_CHECK(0, "%s called on a standalone herder", __func__)

void sl_dist_put_connector(sl_herder_t *h, const char *name, const sl_strmap_t *config,
                           sl_target_t initial, bool allow_update, sl_reply_t *r)
{
        (void)h, (void)name, (void)config, (void)initial, (void)allow_update, (void)r;
        UNREACHABLE();
}

sl_json_t *sl_dist_conn_status(sl_herder_t *h, sl_conn_t *c)
{
        (void)h, (void)c;
        UNREACHABLE();
        return NULL;
}

#define DIST_NAME_STUB(fn)                                                     \
        void fn(sl_herder_t *h, const char *name, sl_reply_t *r)               \
        {                                                                      \
                (void)h, (void)name, (void)r;                                  \
                UNREACHABLE();                                                 \
        }
DIST_NAME_STUB(sl_dist_status)
DIST_NAME_STUB(sl_dist_delete)
DIST_NAME_STUB(sl_dist_topics)
DIST_NAME_STUB(sl_dist_topics_reset)

#define DIST_TASK_STUB(fn)                                                     \
        void fn(sl_herder_t *h, const char *name, int task, sl_reply_t *r)     \
        {                                                                      \
                (void)h, (void)name, (void)task, (void)r;                      \
                UNREACHABLE();                                                 \
        }
DIST_TASK_STUB(sl_dist_task_status)
DIST_TASK_STUB(sl_dist_task_restart)

void sl_dist_restart(sl_herder_t *h, const char *name, bool include_tasks, bool only_failed,
                     sl_reply_t *r)
{
        (void)h, (void)name, (void)include_tasks, (void)only_failed, (void)r;
        UNREACHABLE();
}

void sl_dist_target(sl_herder_t *h, const char *name, sl_target_t target, sl_reply_t *r)
{
        (void)h, (void)name, (void)target, (void)r;
        UNREACHABLE();
}

void sl_dist_put_tasks(sl_herder_t *h, const char *name, const sl_json_t *body, sl_reply_t *r)
{
        (void)h, (void)name, (void)body, (void)r;
        UNREACHABLE();
}

bool sl_dist_forward(sl_herder_t *h, const char *method, const char *path_fmt,
                     const char *name, const sl_json_t *body, sl_reply_t *r)
{
        (void)h, (void)method, (void)path_fmt, (void)name, (void)body, (void)r;
        UNREACHABLE();
        return false;
}

void sl_dist_offsets_sync(sl_herder_t *h)
{
        (void)h;
        UNREACHABLE();
}
