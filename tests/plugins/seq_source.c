/*
 * Test plugin: com.example.SeqSourceConnector, an external source
 * connector loaded from plugin.path.
 *
 * Configs: topic (required), count (LONG, default 100). The single task
 * emits the string values "seq-0" .. "seq-<count-1>" to topic and then
 * idles. Its source partition is {"seq":"<topic>"} with offset
 * {"next":N}, so a restarted task resumes after the last committed record.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/plugin.h"

#define LOGGER "com.example.SeqSourceTask"

typedef struct seq_state {
        char *topic;
        int64_t count;
        int64_t next;
        sl_json_t *partition; /* {"seq": topic} */
        sl_json_t *schema;    /* {"type":"string","optional":false} */
} seq_state_t;

static const sl_config_def_t seq_config[] = {
        {
                .name = "topic",
                .type = SL_CFG_STRING,
                .default_value = NULL,
                .importance = SL_CFG_HIGH,
                .documentation = "The topic to publish the sequence to",
                .group = NULL,
                .order = -1,
                .width = SL_CFG_WIDTH_NONE,
                .display_name = "topic",
                .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,
        },
        {
                .name = "count",
                .type = SL_CFG_LONG,
                .default_value = "100",
                .importance = SL_CFG_MEDIUM,
                .documentation = "How many records to emit (seq-0 .. "
                                 "seq-<count-1>) before idling",
                .group = NULL,
                .order = -1,
                .width = SL_CFG_WIDTH_NONE,
                .display_name = "count",
                .flags = SL_CFG_MIN,
                .min = 0,
        },
        {.name = NULL},
};

static int seq_task_configs(const sl_strmap_t *config, int max_tasks,
                            sl_strmap_t **task_configs, char *errstr,
                            size_t errstr_size) {
        const char *topic = sl_config_str(config, "topic");
        const char *count = sl_config_str(config, "count");

        if (max_tasks < 1)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "tasks.max must be at least 1");
        if (!topic || !*topic)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Missing required configuration \"topic\"");
        /* One task: a sequence has a single source partition. */
        if (sl_strmap_set(task_configs[0], "topic", topic) ||
            (count && sl_strmap_set(task_configs[0], "count", count)))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        return 1;
}

static void seq_state_free(seq_state_t *st) {
        if (!st)
                return;
        sl_json_free(st->partition);
        sl_json_free(st->schema);
        free(st->topic);
        free(st);
}

static int seq_task_start(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                          void **statep, char *errstr, size_t errstr_size) {
        const char *topic = sl_config_str(config, "topic");
        seq_state_t *st;
        int64_t next;

        if (!topic || !*topic)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Missing required configuration \"topic\"");

        st = calloc(1, sizeof(*st));
        if (!st)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        st->topic = strdup(topic);
        st->count = sl_config_long(config, "count", 100);
        if (st->count < 0)
                st->count = 0;
        st->partition = sl_json_object();
        st->schema = sl_json_object();
        if (!st->topic || !st->partition || !st->schema ||
            sl_json_object_set(st->partition, "seq", sl_json_string(topic)) ||
            sl_json_object_set(st->schema, "type", sl_json_string("string")) ||
            sl_json_object_set(st->schema, "optional", sl_json_bool(false))) {
                seq_state_free(st);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        }

        /* Resume from the committed offset, if any. */
        next = sl_task_offset_long(ctx, st->partition, "next", 0);
        if (next >= 0)
                st->next = next;
        sl_info(LOGGER,
                "%s task %d: emitting seq-%" PRId64 "..seq-%" PRId64
                " to topic %s",
                sl_task_connector(ctx), sl_task_id(ctx), st->next,
                st->count - 1, st->topic);

        *statep = st;
        return 0;
}

static void seq_task_stop(void *state) {
        seq_state_free(state);
}

static int seq_source_poll(void *state, sl_source_batch_t *batch,
                           char *errstr, size_t errstr_size) {
        seq_state_t *st = state;
        size_t room = sl_source_batch_room(batch);
        int added = 0;
        sl_json_t *offset;
        int err;

        if (st->next >= st->count || room == 0)
                return 0; /* done: idle */

        while (room-- > 0 && st->next < st->count) {
                char val[48];
                int n = snprintf(val, sizeof(val), "seq-%" PRId64, st->next);
                sl_json_t v = SL_JSON_STRING_REF(val, (size_t)n);
                sl_source_record_t rec = {
                        .topic = st->topic,
                        .partition = -1,
                        .key = {.schema = NULL, .value = NULL},
                        .value = {.schema = st->schema, .value = &v},
                        .timestamp = 0,
                        .headers = NULL,
                        .header_cnt = 0,
                };
                /* No hold: the host copies the value when it is added. */
                err = sl_source_batch_add(batch, &rec);
                if (err)
                        return sl_seterr(errstr, errstr_size, err,
                                         "failed to add record seq-%" PRId64
                                         ": %s",
                                         st->next, sl_err2str(err));
                st->next++;
                added++;
        }

        offset = sl_json_object();
        if (!offset ||
            sl_json_object_set(offset, "next", sl_json_int(st->next))) {
                sl_json_free(offset);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        }
        err = sl_source_batch_set_offset(batch, st->partition, offset);
        sl_json_free(offset);
        if (err)
                return sl_seterr(errstr, errstr_size, err,
                                 "failed to set offset: %s", sl_err2str(err));
        return added;
}

static const sl_connector_plugin_t seq_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "com.example.SeqSourceConnector",
        .version = "1.0.0",
        .config = seq_config,
        .validate = NULL,
        .task_configs = seq_task_configs,
        .task_start = seq_task_start,
        .task_stop = seq_task_stop,
        .source_poll = seq_source_poll,
        .sink_put = NULL,
        .sink_flush = NULL,
        .sink_open = NULL,
        .sink_close = NULL,
};

const sl_connector_plugin_t *const sl_plugins[] = {&seq_plugin, NULL};
