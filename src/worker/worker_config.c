#include "worker/worker_config.h"

#define G_COMMON "Common"
#define G_REST "REST"
#define G_STANDALONE "Standalone"

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
        {.name = "offset.storage.file.filename", .type = SL_CFG_STRING,
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .importance = SL_CFG_HIGH,
         .group = G_STANDALONE,
         .documentation = "File that keeps source connector offsets (written atomically)."},
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
         .documentation = "REST listener, http://host:port (port 0 picks a free port)."},
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
         .documentation = "Config providers (env, file); both are enabled when unset."},
        {.name = NULL},
};
