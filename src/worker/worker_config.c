#include "worker/worker_config.h"

#include <string.h>

#define G_COMMON "Common"
#define G_REST "REST"
#define G_STANDALONE "Standalone"
#define G_DISTRIBUTED "Distributed"

static const char *const store_types[] = {"PEM", "JKS", "PKCS12", NULL};
static const char *const client_auth_values[] = {"required", "requested", "none", NULL};

static int check_absolute_paths(const char *name, const char *value, char *errstr,
                                size_t errstr_size) {
        char **items = NULL;
        int n = sl_config_list(value, &items), r = 0;

        (void)name;
        for (int i = 0; i < n && r == 0; i++)
                if (items[i][0] != '/')
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "%s is not an absolute path", items[i]);
        sl_config_list_free(items, n);
        return r;
}

static const char *const log_formats[] = {"text", "json", NULL};

static int check_admin_listeners(const char *name, const char *value, char *errstr,
                                 size_t errstr_size) {
        (void)name;
        if (strspn(value, " ,") == strlen(value))
                return 0;
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "a separate admin listener is not supported: leave admin.listeners "
                         "unset to serve /admin on the REST listener, or set it to an empty "
                         "string to disable /admin");
}

const sl_config_def_t sl_worker_config_defs[] = {
        {.name = "bootstrap.servers", .type = SL_CFG_LIST, .importance = SL_CFG_HIGH,
         .group = G_COMMON,
         .documentation = "Kafka brokers (host:port,...). When unset the worker starts an "
                          "embedded in-memory mock Kafka cluster (data is not persisted)."},
        {.name = "key.converter", .type = SL_CFG_CLASS, .flags = SL_CFG_REQUIRED,
         .importance = SL_CFG_HIGH, .group = G_COMMON,
         .documentation = "Converter class for record keys (JsonConverter, StringConverter, "
                          "ByteArrayConverter)."},
        {.name = "value.converter", .type = SL_CFG_CLASS, .flags = SL_CFG_REQUIRED,
         .importance = SL_CFG_HIGH, .group = G_COMMON,
         .documentation = "Converter class for record values."},
        {.name = "offset.flush.interval.ms", .type = SL_CFG_LONG, .default_value = "60000",
         .flags = SL_CFG_MIN, .min = 1, .importance = SL_CFG_LOW, .group = G_COMMON,
         .documentation = "Interval at which tasks commit offsets."},
        {.name = "task.shutdown.graceful.timeout.ms", .type = SL_CFG_LONG,
         .default_value = "5000", .flags = SL_CFG_MIN, .min = 0, .importance = SL_CFG_LOW,
         .group = G_COMMON,
         .documentation = "Time a task gets to deliver outstanding records when stopping."},
        {.name = "shard.count", .type = SL_CFG_INT, .default_value = "0", .flags = SL_CFG_MIN,
         .min = 0, .importance = SL_CFG_MEDIUM, .group = G_COMMON,
         .documentation = "Pinned shard threads that run tasks; 0 = one per CPU the "
                          "process may use. More shards than CPUs share cores."},
        {.name = "io.uring.enable", .type = SL_CFG_BOOLEAN, .default_value = "true",
         .importance = SL_CFG_LOW, .group = G_COMMON,
         .documentation = "Shards do file IO through io_uring with registered buffers; "
                          "false uses plain system calls (e.g. where seccomp blocks "
                          "io_uring)."},
        {.name = "listeners", .type = SL_CFG_LIST, .default_value = "http://:8083",
         .importance = SL_CFG_LOW, .group = G_REST,
         .documentation = "REST listener, http://host:port or https://host:port (port 0 "
                          "picks a free port). Only the first listener listed is served."},
        /* TLS of an https listener and of requests to other workers; each key
         * may also be given as listeners.https.<key>, which wins. */
        {.name = "ssl.keystore.type", .type = SL_CFG_STRING, .valid_values = store_types,
         .importance = SL_CFG_MEDIUM, .group = G_REST,
         .documentation = "Only PEM is read (the default; Kafka's default is JKS)."},
        {.name = "ssl.keystore.location", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .group = G_REST,
         .documentation = "PEM file holding the private key and its certificate chain."},
        {.name = "ssl.keystore.key", .type = SL_CFG_PASSWORD, .importance = SL_CFG_HIGH,
         .group = G_REST,
         .documentation = "The private key as PEM text (instead of ssl.keystore.location)."},
        {.name = "ssl.keystore.certificate.chain", .type = SL_CFG_PASSWORD,
         .importance = SL_CFG_HIGH, .group = G_REST,
         .documentation = "The certificate chain as PEM text, with ssl.keystore.key."},
        {.name = "ssl.keystore.password", .type = SL_CFG_PASSWORD, .importance = SL_CFG_LOW,
         .group = G_REST, .documentation = "Accepted; PEM keystores have none."},
        {.name = "ssl.key.password", .type = SL_CFG_PASSWORD, .importance = SL_CFG_HIGH,
         .group = G_REST, .documentation = "Password of an encrypted private key."},
        {.name = "ssl.truststore.type", .type = SL_CFG_STRING, .valid_values = store_types,
         .importance = SL_CFG_MEDIUM, .group = G_REST,
         .documentation = "Only PEM is read (the default)."},
        {.name = "ssl.truststore.location", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .group = G_REST,
         .documentation = "PEM file of trusted CA certificates: verifies client certificates "
                          "and other workers' https listeners (system CAs when unset)."},
        {.name = "ssl.truststore.certificates", .type = SL_CFG_PASSWORD,
         .importance = SL_CFG_HIGH, .group = G_REST,
         .documentation = "Trusted CA certificates as PEM text."},
        {.name = "ssl.truststore.password", .type = SL_CFG_PASSWORD, .importance = SL_CFG_LOW,
         .group = G_REST, .documentation = "Accepted; PEM truststores have none."},
        {.name = "ssl.client.auth", .type = SL_CFG_STRING, .default_value = "none",
         .valid_values = client_auth_values, .importance = SL_CFG_MEDIUM, .group = G_REST,
         .documentation = "Client certificates on the https listener: required, requested "
                          "or none."},
        {.name = "rest.extension.classes", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_LOW, .group = G_REST,
         .documentation = "BasicAuthSecurityRestExtension enables HTTP basic auth on the REST "
                          "API (org.apache.kafka.connect.rest.basic.auth.extension.*)."},
        {.name = "java.security.auth.login.config", .type = SL_CFG_STRING,
         .importance = SL_CFG_MEDIUM, .group = G_REST,
         .documentation = "JAAS file for BasicAuthSecurityRestExtension (a JVM system property "
                          "in Kafka Connect): its KafkaConnect entry's PropertyFileLoginModule "
                          "names the user=password file."},
        {.name = "rest.advertised.host.name", .type = SL_CFG_STRING,
         .importance = SL_CFG_LOW, .group = G_REST,
         .documentation = "Host name used in worker_id."},
        {.name = "rest.advertised.port", .type = SL_CFG_INT, .importance = SL_CFG_LOW,
         .group = G_REST, .documentation = "Port used in worker_id."},
        {.name = "plugin.path", .type = SL_CFG_LIST, .importance = SL_CFG_LOW,
         .group = G_COMMON,
         .documentation = "Directories (or .so files) holding connector plugins."},
        {.name = "config.providers", .type = SL_CFG_LIST, .importance = SL_CFG_LOW,
         .group = G_COMMON,
         .documentation = "Config providers (env, file, dir); env and file are enabled "
                          "when unset."},
        {.name = "file.allowed.paths", .type = SL_CFG_LIST, .default_value = "",
         .validator = check_absolute_paths, .importance = SL_CFG_MEDIUM, .group = G_COMMON,
         .documentation = "Directories (absolute paths, comma-separated) the FileStream "
                          "connectors may read and write files in; any other file, and "
                          "stdin/stdout, is refused. Empty: no restriction."},
        {.name = "schema.registry.enable", .type = SL_CFG_BOOLEAN, .default_value = "true",
         .importance = SL_CFG_LOW, .group = G_REST,
         .documentation = "Serve a Confluent Schema Registry compatible API (Avro) on the "
                          "REST listener (/subjects, /schemas, /config, /compatibility, "
                          "/mode). Its Kafka topic is only touched on the first request."},
        {.name = "schema.registry.topic", .type = SL_CFG_STRING, .default_value = "_schemas",
         .flags = SL_CFG_NONEMPTY, .importance = SL_CFG_LOW, .group = G_REST,
         .documentation = "Compacted single-partition topic holding the registry's schemas "
                          "and configs (Confluent's record format; created when missing)."},
        {.name = "log.format", .type = SL_CFG_STRING, .default_value = "text",
         .valid_values = log_formats, .importance = SL_CFG_LOW, .group = G_COMMON,
         .documentation = "Worker log lines on stderr: text (log4j-like) or json (one JSON "
                          "object per line). SLUICE_LOG_FORMAT sets it for the lines "
                          "logged before the worker config is read."},
        {.name = "admin.listeners", .type = SL_CFG_LIST, .validator = check_admin_listeners,
         .importance = SL_CFG_LOW, .group = G_REST,
         .documentation = "Unset: /admin/loggers is served on the REST listener. An empty "
                          "string disables /admin. A separate admin listener is not "
                          "supported."},
        {.name = NULL},
};

const sl_config_def_t sl_worker_standalone_defs[] = {
        {.name = "offset.storage.file.filename", .type = SL_CFG_STRING,
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .importance = SL_CFG_HIGH,
         .group = G_STANDALONE,
         .documentation = "File that keeps source connector offsets (written atomically)."},
        {.name = NULL},
};

/* DistributedConfig. session.timeout.ms and heartbeat.interval.ms drive the
 * membership group; its members are spread over offset.storage.partitions,
 * which therefore caps the cluster size. */
static const char *const eos_support_values[] = {"disabled", "preparing", "enabled", NULL};

const sl_config_def_t sl_worker_distributed_defs[] = {
        {.name = "group.id", .type = SL_CFG_STRING, .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,
         .importance = SL_CFG_HIGH, .group = G_DISTRIBUTED,
         .documentation = "The Connect cluster this worker belongs to (a Kafka group id; "
                          "must not clash with consumer groups)."},
        {.name = "config.storage.topic", .type = SL_CFG_STRING,
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .importance = SL_CFG_HIGH,
         .group = G_DISTRIBUTED,
         .documentation = "Topic of connector configs, task configs and target states "
                          "(exactly one partition, compacted)."},
        {.name = "offset.storage.topic", .type = SL_CFG_STRING,
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .importance = SL_CFG_HIGH,
         .group = G_DISTRIBUTED, .documentation = "Topic of source connector offsets (compacted)."},
        {.name = "status.storage.topic", .type = SL_CFG_STRING,
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .importance = SL_CFG_HIGH,
         .group = G_DISTRIBUTED,
         .documentation = "Topic of connector and task states (compacted)."},
        {.name = "config.storage.replication.factor", .type = SL_CFG_SHORT, .default_value = "3",
         .importance = SL_CFG_LOW, .group = G_DISTRIBUTED,
         .documentation = "Replication factor when the worker creates the config topic; -1 "
                          "uses the broker default."},
        {.name = "offset.storage.partitions", .type = SL_CFG_INT, .default_value = "25",
         .flags = SL_CFG_MIN, .min = 1, .importance = SL_CFG_LOW, .group = G_DISTRIBUTED,
         .documentation = "Partitions of the offsets topic when the worker creates it; also "
                          "the largest number of workers in the cluster."},
        {.name = "offset.storage.replication.factor", .type = SL_CFG_SHORT, .default_value = "3",
         .importance = SL_CFG_LOW, .group = G_DISTRIBUTED,
         .documentation = "Replication factor of the offsets topic when created."},
        {.name = "status.storage.partitions", .type = SL_CFG_INT, .default_value = "5",
         .flags = SL_CFG_MIN, .min = 1, .importance = SL_CFG_LOW, .group = G_DISTRIBUTED,
         .documentation = "Partitions of the status topic when the worker creates it."},
        {.name = "status.storage.replication.factor", .type = SL_CFG_SHORT, .default_value = "3",
         .importance = SL_CFG_LOW, .group = G_DISTRIBUTED,
         .documentation = "Replication factor of the status topic when created."},
        {.name = "session.timeout.ms", .type = SL_CFG_INT, .default_value = "10000",
         .flags = SL_CFG_MIN, .min = 1, .importance = SL_CFG_HIGH, .group = G_DISTRIBUTED,
         .documentation = "A worker that stops heartbeating for this long leaves the group "
                          "and its connectors and tasks move to the others."},
        {.name = "heartbeat.interval.ms", .type = SL_CFG_INT, .default_value = "3000",
         .flags = SL_CFG_MIN, .min = 1, .importance = SL_CFG_HIGH, .group = G_DISTRIBUTED,
         .documentation = "Expected time between heartbeats to the group coordinator."},
        {.name = "rebalance.timeout.ms", .type = SL_CFG_INT, .default_value = "60000",
         .flags = SL_CFG_MIN, .min = 1, .importance = SL_CFG_MEDIUM, .group = G_DISTRIBUTED,
         .documentation = "Longest time a member may take to rejoin during a rebalance."},
        {.name = "worker.sync.timeout.ms", .type = SL_CFG_INT, .default_value = "3000",
         .flags = SL_CFG_MIN, .min = 1, .importance = SL_CFG_MEDIUM, .group = G_DISTRIBUTED,
         .documentation = "How long a worker waits to read the config topic to its end before "
                          "acting on it."},
        {.name = "scheduled.rebalance.max.delay.ms", .type = SL_CFG_INT, .default_value = "0",
         .flags = SL_CFG_MIN, .min = 0, .importance = SL_CFG_LOW, .group = G_DISTRIBUTED,
         .documentation = "How long the work of a departed worker stays unassigned waiting "
                          "for it to return (Kafka Connect defaults to 300000; sluice to 0, "
                          "moving it at once)."},
        {.name = "exactly.once.source.support", .type = SL_CFG_STRING,
         .default_value = "disabled", .valid_values = eos_support_values,
         .importance = SL_CFG_HIGH, .group = G_DISTRIBUTED,
         .documentation = "KIP-618: enabled gives every source task a transactional producer "
                          "(transactional.id <group.id>-<connector>-<task>) that writes its "
                          "records and their offsets in one transaction; preparing is "
                          "accepted for rolling upgrades and behaves as disabled."},
        {.name = "connect.protocol", .type = SL_CFG_STRING, .default_value = "compatible",
         .importance = SL_CFG_LOW, .group = G_DISTRIBUTED,
         .documentation = "Accepted for compatibility; sluice always rebalances "
                          "incrementally (tasks on surviving workers keep running)."},
        {.name = NULL},
};
