/* Internals of the metrics endpoints (metrics_rest.c, metrics_throughput.c,
 * prom.c). */
#ifndef SL_METRICS_INT_H
#define SL_METRICS_INT_H

#include <stddef.h>

#include "sluice/common.h"
#include "worker/worker.h"

/* ---- throughput history (metrics_throughput.c) */
#define SL_THROUGHPUT_SAMPLES 300
#define SL_THROUGHPUT_INTERVAL_MS 1000

typedef struct sl_throughput sl_throughput_t;

/* Starts the sampler thread: every second it sums each connector's task
 * counters (source: records and bytes written; sink: records put, bytes
 * read) into a history of the last SL_THROUGHPUT_SAMPLES rates, and
 * refreshes the high watermarks of paused sink partitions (their lag).
 * NULL with
 * errstr when the thread cannot start. */
sl_throughput_t *sl_throughput_start(sl_worker_t *w, char *errstr, size_t errstr_size);
/* Stops the thread and frees the history. */
void sl_throughput_stop(sl_throughput_t *tp);
/* The JSON body of GET /metrics/throughput, last `seconds` samples
 * (0 = all). 0 or SL_ERR_NOMEM. */
int sl_throughput_render(sl_throughput_t *tp, size_t seconds, sl_buf_t *out);

/* ---- Prometheus text exposition format 0.0.4 (prom.c) */
#define SL_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef enum sl_prom_type { SL_PROM_COUNTER, SL_PROM_GAUGE } sl_prom_type_t;

/* # HELP and # TYPE lines of a metric family. */
void sl_prom_family(sl_buf_t *out, const char *name, sl_prom_type_t type, const char *help);
/* One sample: name{k1="v1",...} value. labels: NULL-terminated key, value
 * pairs (values escaped: backslash, double quote, newline); NULL or empty
 * for none. */
void sl_prom_sample(sl_buf_t *out, const char *name, const char *const *labels, double value);
/* label value escaping alone (appended to out) */
void sl_prom_escape(sl_buf_t *out, const char *value);

#endif
