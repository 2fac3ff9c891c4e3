/* FileStreamSource / FileStreamSink: the Kafka Connect quickstart
 * connectors. */
#ifndef SL_CONNECTOR_FILE_H
#define SL_CONNECTOR_FILE_H

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_file_source_plugin, sl_file_sink_plugin;

/* task_configs of both: one task with the connector's whole config. A
 * source file has one reader position, so more tasks would duplicate it;
 * Kafka's sink returns tasks.max copies, but several tasks appending to
 * one file interleave their lines. Inline because each connector's unit
 * test links only that connector's file. */
static inline int sl_file_task_configs(const sl_strmap_t *config,
                                       int max_tasks,
                                       sl_strmap_t **task_configs,
                                       char *errstr, size_t errstr_size)
{
        (void)errstr;
        (void)errstr_size;
        if (max_tasks < 1)
                return 0;
        if (sl_strmap_merge(task_configs[0], config) < 0)
                return SL_ERR_NOMEM;
        return 1;
}

#endif
