#include "worker/worker.h"

#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/configdef.h"
#include "distributed/klog.h"
#include "util/log.h"
#include "worker/worker_config.h"

#define LOGGER "worker"

/* The settings sl_host_config_get answers from (the last worker made). */
static _Atomic(const sl_strmap_t *) host_config;

struct sl_worker {
        sl_strmap_t *config; /* resolved */
        sl_providers_t *providers;
        sl_plugins_t *plugins;
        sl_offset_store_t *offsets;
        sl_shards_t *shards;
        sl_committer_t *committer;
        char *bootstrap;
        rd_kafka_t *mock_rk; /* hosts the embedded mock cluster */
        rd_kafka_mock_cluster_t *mock;
        pthread_mutex_t lock; /* cluster_id: held across a metadata request */
        char *cluster_id;
        pthread_mutex_t topics_lock; /* embedded_topics: on tasks' record path */
        sl_strmap_t *embedded_topics; /* created on the mock so far */
        char *worker_id;
        int64_t flush_interval_ms;
        int64_t shutdown_timeout_ms;
        bool distributed;
        char *url; /* how other workers reach this one's REST API */
};

static void rdkafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
        sl_log_level_t l = level <= 3 ? SL_LOG_ERROR : level <= 4 ? SL_LOG_WARN
                           : level <= 6 ? SL_LOG_INFO : SL_LOG_DEBUG;
        sl_log(l, "rdkafka", "[%s] %s: %s", rd_kafka_name(rk), fac, buf);
}

/* Collect ConfigDef errors into one multi-line message. */
static int check_config(const sl_strmap_t *cfg, bool distributed, char *errstr,
                        size_t errstr_size) {
        sl_configdef_set_t set = {0};
        sl_config_errors_t *errs = sl_config_errors_new();
        sl_buf_t b = SL_BUF_INIT;
        int rc = 0;

        sl_configdef_set_add(&set, sl_worker_config_defs);
        sl_configdef_set_add(&set, distributed ? sl_worker_distributed_defs
                                               : sl_worker_standalone_defs);
        sl_configdef_validate(&set, cfg, errs);
        for (size_t k = 0; k < sl_config_errors_nkeys(errs); k++) {
                const char *key = sl_config_errors_key(errs, k);
                for (size_t i = 0; i < sl_config_errors_key_count(errs, key); i++)
                        sl_buf_printf(&b, "%s%s", b.len ? "\n" : "",
                                      sl_config_errors_key_at(errs, key, i));
        }
        for (const char *const *c = (const char *const[]){"key.converter", "value.converter", NULL};
             *c; c++) {
                const char *cls = sl_strmap_get(cfg, *c);
                if (cls && !sl_converter_known(cls))
                        sl_buf_printf(&b, "%sInvalid value %s for configuration %s: Class %s could not be found.",
                                      b.len ? "\n" : "", cls, *c, cls);
        }
        if (b.len)
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "Invalid worker configuration:\n%s",
                               b.data);
        sl_buf_free(&b);
        sl_config_errors_destroy(errs);
        return rc;
}

static int start_embedded(sl_worker_t *w, char *errstr, size_t errstr_size) {
        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_mock_cluster_t *mc;

        rd_kafka_conf_set(conf, "client.id", "sluice-embedded-mock", NULL, 0);
        /* it never connects anywhere: its "no bootstrap.servers" notice is noise */
        rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
        rd_kafka_conf_set_log_cb(conf, rdkafka_log);
        w->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!w->mock_rk) {
                rd_kafka_conf_destroy(conf);
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot start the embedded mock cluster: %s", err);
        }
        mc = w->mock = rd_kafka_mock_cluster_new(w->mock_rk, 1);
        if (!mc)
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot start the embedded mock cluster");
        w->bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(mc));
        sl_info(LOGGER,
                "No bootstrap.servers configured: started an embedded mock Kafka cluster "
                "(librdkafka mock, 1 broker) at %s; its data lives in memory only and is "
                "lost when the worker exits",
                w->bootstrap);
        sl_warn(LOGGER,
                "The embedded mock cluster keeps only the newest 5 MiB of (zstd-compressed) "
                "records per partition and drops older ones without notice: a consumer "
                "further behind than that loses records. Use bootstrap.servers with a real "
                "Kafka cluster for anything but trials.");
        return 0;
}

sl_worker_t *sl_worker_new(const sl_strmap_t *raw, bool distributed, char *errstr,
                           size_t errstr_size) {
        sl_worker_t *w = calloc(1, sizeof(*w));

        if (!w)
                return NULL;
        pthread_mutex_init(&w->lock, NULL);
        pthread_mutex_init(&w->topics_lock, NULL);
        w->providers = sl_providers_new(raw, errstr, errstr_size);
        if (!w->providers)
                goto fail;
        w->config = sl_strmap_new();
        if (sl_providers_resolve(w->providers, raw, w->config, errstr, errstr_size) != 0)
                goto fail;
        w->distributed = distributed;
        if (check_config(w->config, distributed, errstr, errstr_size) != 0)
                goto fail;
        /* unset: SLUICE_LOG_FORMAT (or text) stays in force */
        if (sl_log_format_parse(sl_strmap_get(w->config, "log.format")) >= 0)
                sl_log_set_format(sl_log_format_parse(sl_strmap_get(w->config, "log.format")));
        w->flush_interval_ms = sl_config_long(w->config, "offset.flush.interval.ms", 60000);
        w->shutdown_timeout_ms =
                sl_config_long(w->config, "task.shutdown.graceful.timeout.ms", 5000);
        /* distributed: filled from the offsets topic once it is open */
        w->offsets = distributed ? sl_offset_store_new_topic()
                                 : sl_offset_store_open(sl_strmap_get(w->config,
                                                                      "offset.storage.file.filename"),
                                                        errstr, errstr_size);
        if (!w->offsets)
                goto fail;
        if (sl_strmap_get(w->config, "bootstrap.servers") &&
            *sl_strmap_get(w->config, "bootstrap.servers"))
                w->bootstrap = strdup(sl_strmap_get(w->config, "bootstrap.servers"));
        else if (start_embedded(w, errstr, errstr_size) != 0)
                goto fail;
        w->plugins = sl_plugins_new(sl_strmap_get(w->config, "plugin.path"));
        w->shards = sl_shards_start((int)sl_config_long(w->config, "shard.count", 0),
                                    sl_config_bool(w->config, "io.uring.enable", true), errstr,
                                    errstr_size);
        if (!w->shards)
                goto fail;
        w->committer = sl_committer_start(w->offsets, sl_shards_count(w->shards),
                                          w->flush_interval_ms, errstr, errstr_size);
        if (!w->committer)
                goto fail;
        w->cluster_id = strdup("");
        w->worker_id = strdup("");
        atomic_store(&host_config, w->config);
        return w;
fail:
        sl_worker_destroy(w);
        return NULL;
}

void sl_worker_destroy(sl_worker_t *w) {
        if (!w)
                return;
        if (atomic_load(&host_config) == w->config)
                atomic_store(&host_config, NULL);
        sl_shards_stop(w->shards);
        sl_committer_stop(w->committer);
        if (w->offsets)
                sl_offset_store_flush(w->offsets, NULL, 0);
        sl_offset_store_close(w->offsets);
        sl_plugins_destroy(w->plugins);
        sl_providers_destroy(w->providers);
        sl_strmap_destroy(w->config);
        if (w->mock)
                rd_kafka_mock_cluster_destroy(w->mock);
        if (w->mock_rk)
                rd_kafka_destroy(w->mock_rk);
        free(w->bootstrap);
        free(w->cluster_id);
        free(w->worker_id);
        free(w->url);
        sl_strmap_destroy(w->embedded_topics);
        pthread_mutex_destroy(&w->topics_lock);
        pthread_mutex_destroy(&w->lock);
        free(w);
}

const sl_strmap_t *sl_worker_config(const sl_worker_t *w) { return w->config; }

/* One worker per process: plugins read its settings without a handle,
 * in validate and task_configs too, which have no task context. */
const char *sl_host_config_get(const char *key) {
        const sl_strmap_t *cfg = atomic_load(&host_config);
        return cfg && key ? sl_strmap_get(cfg, key) : NULL;
}
sl_plugins_t *sl_worker_plugins(const sl_worker_t *w) { return w->plugins; }
sl_shards_t *sl_worker_shards(const sl_worker_t *w) { return w->shards; }
sl_committer_t *sl_worker_committer(const sl_worker_t *w) { return w->committer; }
const sl_providers_t *sl_worker_providers(const sl_worker_t *w) { return w->providers; }
sl_offset_store_t *sl_worker_offsets(const sl_worker_t *w) { return w->offsets; }
const char *sl_worker_bootstrap(const sl_worker_t *w) { return w->bootstrap; }
bool sl_worker_embedded(const sl_worker_t *w) { return w->mock_rk != NULL; }
const char *sl_worker_id(const sl_worker_t *w) { return w->worker_id; }
const char *sl_worker_url(const sl_worker_t *w) { return w->url ? w->url : ""; }
bool sl_worker_distributed(const sl_worker_t *w) { return w->distributed; }

bool sl_worker_exactly_once(const sl_worker_t *w) {
        const char *v = w->distributed ? sl_strmap_get(w->config, "exactly.once.source.support")
                                       : NULL;
        return v && !strcasecmp(v, "enabled");
}
int64_t sl_worker_flush_interval_ms(const sl_worker_t *w) { return w->flush_interval_ms; }
int64_t sl_worker_shutdown_timeout_ms(const sl_worker_t *w) { return w->shutdown_timeout_ms; }

void sl_worker_set_rest_port(sl_worker_t *w, int port) {
        const char *host = sl_strmap_get(w->config, "rest.advertised.host.name");
        const char *aport = sl_strmap_get(w->config, "rest.advertised.port");
        char hostname[256] = "localhost", id[512];

        if (!host || !*host) {
                if (gethostname(hostname, sizeof(hostname) - 1) != 0)
                        strcpy(hostname, "localhost");
                host = hostname;
        }
        snprintf(id, sizeof(id), "%s:%d", host, aport && *aport ? atoi(aport) : port);
        free(w->worker_id);
        w->worker_id = strdup(id);
        free(w->url);
        {
                /* the REST server serves the first listener only */
                const char *ls = sl_strmap_get(w->config, "listeners");
                bool v6 = strchr(host, ':') != NULL;
                while (ls && (*ls == ' ' || *ls == '\t'))
                        ls++;
                if (asprintf(&w->url, "%s://%s%s%s:%d",
                             ls && !strncasecmp(ls, "https://", 8) ? "https" : "http",
                             v6 ? "[" : "", host, v6 ? "]" : "",
                             aport && *aport ? atoi(aport) : port) < 0)
                        w->url = NULL;
        }
}

void sl_worker_embedded_topic(sl_worker_t *w, const char *topic) {
        sl_worker_embedded_topic_n(w, topic, 1);
}

void sl_worker_embedded_topic_n(sl_worker_t *w, const char *topic, int partitions) {
        rd_kafka_resp_err_t err;

        if (!w->mock || !topic || !*topic)
                return;
        pthread_mutex_lock(&w->topics_lock);
        if (!w->embedded_topics)
                w->embedded_topics = sl_strmap_new();
        if (!sl_strmap_has(w->embedded_topics, topic)) {
                /* the mock would otherwise auto-create 4 partitions, which
                 * reorders a single file's lines */
                err = rd_kafka_mock_topic_create(w->mock, topic, partitions, 1);
                if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                        sl_warn(LOGGER, "Embedded mock: cannot create topic %s: %s", topic,
                                rd_kafka_err2str(err));
                sl_strmap_set(w->embedded_topics, topic, "");
        }
        pthread_mutex_unlock(&w->topics_lock);
}

int sl_worker_topic_ensure(sl_worker_t *w, const sl_strmap_t *client_conf, const char *topic,
                           int partitions, int replication_factor, bool compact,
                           int timeout_ms, char *errstr, size_t errstr_size) {
        sl_strmap_t *own = NULL, *tc;
        char inner[512] = "";
        int n, rc;

        sl_worker_embedded_topic_n(w, topic, partitions);
        if (!client_conf) {
                own = sl_strmap_new();
                sl_strmap_set(own, "bootstrap.servers", sl_worker_bootstrap(w));
                client_conf = own;
        }
        n = sl_kafka_topic_partitions(client_conf, topic, timeout_ms, inner, sizeof(inner));
        if (n == SL_ERR_NOT_FOUND) {
                tc = sl_strmap_new();
                if (compact)
                        sl_strmap_set(tc, "cleanup.policy", "compact");
                sl_info(LOGGER, "Creating topic %s with %d partition(s)%s", topic, partitions,
                        compact ? ", compacted" : "");
                rc = sl_kafka_topic_create(client_conf, topic, partitions, replication_factor, tc,
                                           timeout_ms, inner, sizeof(inner));
                sl_strmap_destroy(tc);
                n = rc != 0 ? sl_seterr(errstr, errstr_size, rc,
                                        "does not exist and cannot be created (%s)", inner)
                            : sl_kafka_topic_partitions(client_conf, topic, timeout_ms, inner,
                                                        sizeof(inner));
                if (rc != 0) {
                        sl_strmap_destroy(own);
                        return n;
                }
        }
        sl_strmap_destroy(own);
        if (n < 0)
                return sl_seterr(errstr, errstr_size, n, "%s", inner);
        return n;
}

const char *sl_worker_cluster_id(sl_worker_t *w) {
        char err[256];
        rd_kafka_t *rk;
        char *id;

        pthread_mutex_lock(&w->lock);
        if (!*w->cluster_id && (rk = sl_worker_admin_client(w, err, sizeof(err)))) {
                id = rd_kafka_clusterid(rk, 3000);
                if (id) {
                        free(w->cluster_id);
                        w->cluster_id = strdup(id);
                        rd_kafka_mem_free(rk, id);
                }
                rd_kafka_destroy(rk);
        }
        pthread_mutex_unlock(&w->lock);
        return w->cluster_id;
}

/* Apply k=v settings; librdkafka lacks some Java client keys (e.g.
 * max.poll.records), which are skipped with a warning rather than making
 * Kafka Connect configs unusable. */
static int apply_settings(rd_kafka_conf_t *conf, const sl_strmap_t *settings,
                          const char *origin, char *errstr, size_t errstr_size) {
        for (size_t i = 0; i < sl_strmap_count(settings); i++) {
                const char *k = sl_strmap_key_at(settings, i);
                const char *v = sl_strmap_value_at(settings, i);
                char err[512];
                rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, k, v, err, sizeof(err));

                if (res == RD_KAFKA_CONF_UNKNOWN)
                        sl_warn(LOGGER, "Ignoring %s%s: not a librdkafka client setting", origin, k);
                else if (res != RD_KAFKA_CONF_OK)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Invalid value %s for configuration %s%s: %s", v, origin, k,
                                         err);
        }
        return 0;
}

static rd_kafka_conf_t *client_conf(sl_worker_t *w, const char *client_id,
                                    const char *const *defaults, const sl_strmap_t *more,
                                    const char *worker_prefix,
                                    const char *override_prefix, const sl_strmap_t *config,
                                    char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        sl_strmap_t *ws = sl_strmap_with_prefix(w->config, worker_prefix);
        sl_strmap_t *os = config ? sl_strmap_with_prefix(config, override_prefix) : NULL;
        int rc = 0;

        rd_kafka_conf_set(conf, "bootstrap.servers", w->bootstrap, NULL, 0);
        rd_kafka_conf_set(conf, "client.id", client_id, NULL, 0);
        rd_kafka_conf_set(conf, "log.connection.close", "false", NULL, 0);
        rd_kafka_conf_set_log_cb(conf, rdkafka_log);
        for (int i = 0; defaults && defaults[i]; i += 2)
                rd_kafka_conf_set(conf, defaults[i], defaults[i + 1], NULL, 0);
        for (size_t i = 0; more && i < sl_strmap_count(more); i++)
                rd_kafka_conf_set(conf, sl_strmap_key_at(more, i), sl_strmap_value_at(more, i),
                                  NULL, 0);
        rc = apply_settings(conf, ws, worker_prefix, errstr, errstr_size);
        if (rc == 0 && os)
                rc = apply_settings(conf, os, override_prefix, errstr, errstr_size);
        sl_strmap_destroy(ws);
        sl_strmap_destroy(os);
        if (rc != 0) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        return conf;
}

rd_kafka_conf_t *sl_worker_producer_conf(sl_worker_t *w, const char *name, int task,
                                         const sl_strmap_t *config, char *errstr,
                                         size_t errstr_size) {
        /* Connect retries sends forever and never reorders: idempotence keeps
         * order across retries on a real broker. */
        static const char *const defaults[] = {
                "acks", "all", "enable.idempotence", "true", "message.timeout.ms", "0",
                "linger.ms", "5", NULL};
        /* The mock keeps only the newest 5 MiB of stored batches per
         * partition: compressing stretches that window about tenfold. */
        static const char *const embedded_defaults[] = {
                "acks", "all", "enable.idempotence", "true", "message.timeout.ms", "0",
                "linger.ms", "5", "compression.type", "zstd", NULL};
        char id[512];

        snprintf(id, sizeof(id), "connector-producer-%s-%d", name, task);
        return client_conf(w, id, w->mock_rk ? embedded_defaults : defaults, NULL, "producer.",
                           "producer.override.", config, errstr, errstr_size);
}

rd_kafka_conf_t *sl_worker_consumer_conf(sl_worker_t *w, const char *name, int task,
                                         const sl_strmap_t *config, char *errstr,
                                         size_t errstr_size) {
        /* librdkafka 2.0 backs a partition's fetching off for a whole
         * second once its prefetch passes queued.min.messages, stalling a
         * fast sink; the byte bound (queued.max.messages.kbytes) still
         * caps memory. The mock broker never wakes a waiting fetch and
         * makes every join wait a whole session timeout, so the embedded
         * cluster also gets short ones (all overridable). */
        static const char *const defaults[] = {
                "enable.auto.commit", "false", "auto.offset.reset", "earliest",
                "queued.min.messages", "1000000", NULL};
        static const char *const embedded_defaults[] = {
                "enable.auto.commit", "false", "auto.offset.reset", "earliest",
                "queued.min.messages", "1000000", "session.timeout.ms", "6000",
                "heartbeat.interval.ms", "2000", "fetch.wait.max.ms", "10", NULL};
        char id[512], group[512];
        rd_kafka_conf_t *conf;
        sl_strmap_t *more = sl_strmap_new();

        /* distributed: a sink task's group notices a dead worker as fast as
         * the cluster does (consumer.* still overrides) */
        if (w->distributed) {
                char num[32];
                snprintf(num, sizeof(num), "%ld",
                         (long)sl_config_long(w->config, "session.timeout.ms", 10000));
                sl_strmap_set(more, "session.timeout.ms", num);
                snprintf(num, sizeof(num), "%ld",
                         (long)sl_config_long(w->config, "heartbeat.interval.ms", 3000));
                sl_strmap_set(more, "heartbeat.interval.ms", num);
        }
        snprintf(id, sizeof(id), "connector-consumer-%s-%d", name, task);
        snprintf(group, sizeof(group), "connect-%s", name);
        conf = client_conf(w, id, w->mock_rk ? embedded_defaults : defaults, more, "consumer.",
                           "consumer.override.", config, errstr, errstr_size);
        sl_strmap_destroy(more);
        if (conf)
                rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
        return conf;
}

rd_kafka_t *sl_worker_admin_client(sl_worker_t *w, char *errstr, size_t errstr_size) {
        char err[512];
        rd_kafka_conf_t *conf =
                client_conf(w, "sluice-admin", NULL, NULL, "admin.", "", NULL, errstr, errstr_size);
        rd_kafka_t *rk;

        if (!conf)
                return NULL;
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot create admin client: %s", err);
        }
        return rk;
}

static sl_converter_t *make_converter(const sl_worker_t *w, const sl_strmap_t *config,
                                      const char *key, bool is_key, char *errstr,
                                      size_t errstr_size) {
        const sl_strmap_t *src = sl_strmap_get(config, key) ? config : w->config;
        char prefix[64];
        sl_strmap_t *settings;
        sl_converter_t *c;

        snprintf(prefix, sizeof(prefix), "%s.", key);
        settings = sl_strmap_with_prefix(src, prefix);
        c = sl_converter_new(sl_strmap_get(src, key), settings, is_key, errstr, errstr_size);
        sl_strmap_destroy(settings);
        return c;
}

int sl_worker_converters(const sl_worker_t *w, const sl_strmap_t *config,
                         sl_converter_t **keyp, sl_converter_t **valuep, char *errstr,
                         size_t errstr_size) {
        *keyp = make_converter(w, config, "key.converter", true, errstr, errstr_size);
        if (!*keyp)
                return SL_ERR_CONFIG;
        *valuep = make_converter(w, config, "value.converter", false, errstr, errstr_size);
        if (!*valuep) {
                sl_converter_destroy(*keyp);
                *keyp = NULL;
                return SL_ERR_CONFIG;
        }
        return 0;
}
