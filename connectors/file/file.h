/* FileStreamSource / FileStreamSink: the Kafka Connect quickstart
 * connectors. */
#ifndef SL_CONNECTOR_FILE_H
#define SL_CONNECTOR_FILE_H

#include <sys/types.h>

#include "sluice/plugin.h"

extern const sl_connector_plugin_t sl_file_source_plugin, sl_file_sink_plugin;

/* The worker's file.allowed.paths (file_confine.c). Empty or unset, as in
 * Kafka, any file the worker can reach is allowed. Set, `file` must lie
 * under one of its directories once "..", and symbolic links are resolved,
 * and stdin/stdout (no `file`) are refused: a connector created over REST
 * must not read the worker's input or write into its output either.
 * validate adds errors under "file" (stream: "standard input" or
 * "standard output"). */
void sl_file_validate(const sl_strmap_t *config, sl_config_errors_t *errs,
                      const char *stream);
/* Opens path beneath its allowed directory (a plain open when nothing is
 * restricted). The fd, or < 0 with the reason in errstr; a NULL or empty
 * path gives -ENOENT when stdin/stdout may be used instead, else an error
 * saying why not. */
int sl_file_open(const char *path, int flags, mode_t mode, char *errstr,
                 size_t errstr_size);

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
