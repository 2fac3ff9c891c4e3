/*
 * Test plugin: com.example.RecordSinkConnector, an external sink that
 * writes every field a sink task receives, one record per line:
 *
 *   <topic>|<partition>|<offset>|key=<key>|value=<value>|h:<k>=<v>,...
 *
 * (key and value through sl_data_to_string; a null header value prints
 * as <null>). Config: file (required). flush fsyncs the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/plugin.h"

typedef struct rec_sink {
        int fd;
        sl_buf_t line;
} rec_sink_t;

static const sl_config_def_t rec_config[] = {
        {.name = "file", .type = SL_CFG_STRING, .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,
         .importance = SL_CFG_HIGH, .documentation = "Output file"},
        {.name = NULL},
};

static int rec_task_configs(const sl_strmap_t *config, int max_tasks,
                            sl_strmap_t **task_configs, char *errstr, size_t errstr_size) {
        (void)max_tasks;
        (void)errstr;
        (void)errstr_size;
        return sl_strmap_set(task_configs[0], "file", sl_config_str(config, "file")) ? -1 : 1;
}

static int rec_start(sl_task_ctx_t *ctx, const sl_strmap_t *config, void **statep,
                     char *errstr, size_t errstr_size) {
        rec_sink_t *s = calloc(1, sizeof(*s));
        (void)ctx;
        if (!s)
                return SL_ERR_NOMEM;
        s->fd = open(sl_config_str(config, "file"), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (s->fd < 0) {
                free(s);
                return sl_seterr(errstr, errstr_size, -errno, "cannot open output: %s",
                                 strerror(errno));
        }
        *statep = s;
        return 0;
}

static void rec_stop(void *state) {
        rec_sink_t *s = state;
        close(s->fd);
        sl_buf_free(&s->line);
        free(s);
}

static int rec_put(void *state, const sl_sink_record_t *recs, size_t n, char *errstr,
                   size_t errstr_size) {
        rec_sink_t *s = state;

        sl_buf_reset(&s->line);
        for (size_t i = 0; i < n; i++) {
                const sl_sink_record_t *r = &recs[i];
                sl_buf_printf(&s->line, "%s|%d|%lld|key=", r->topic, (int)r->partition,
                              (long long)r->offset);
                sl_data_to_string(&r->key, &s->line);
                sl_buf_puts(&s->line, "|value=");
                sl_data_to_string(&r->value, &s->line);
                sl_buf_puts(&s->line, "|h:");
                for (size_t h = 0; h < r->header_cnt; h++) {
                        sl_buf_printf(&s->line, "%s%s=", h ? "," : "", r->headers[h].key);
                        if (r->headers[h].value)
                                sl_buf_append(&s->line, r->headers[h].value,
                                              r->headers[h].value_len);
                        else
                                sl_buf_puts(&s->line, "<null>");
                }
                sl_buf_putc(&s->line, '\n');
        }
        if (write(s->fd, s->line.data, s->line.len) != (ssize_t)s->line.len)
                return sl_seterr(errstr, errstr_size, SL_ERR_IO, "short write");
        return 0;
}

static int rec_flush(void *state, char *errstr, size_t errstr_size) {
        rec_sink_t *s = state;
        if (fsync(s->fd) != 0)
                return sl_seterr(errstr, errstr_size, -errno, "fsync: %s", strerror(errno));
        return 0;
}

static const sl_connector_plugin_t rec_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SINK,
        .class_name = "com.example.RecordSinkConnector",
        .version = "0.0.1",
        .config = rec_config,
        .task_configs = rec_task_configs,
        .task_start = rec_start,
        .task_stop = rec_stop,
        .sink_put = rec_put,
        .sink_flush = rec_flush,
};

const sl_connector_plugin_t *const sl_plugins[] = {&rec_plugin, NULL};
