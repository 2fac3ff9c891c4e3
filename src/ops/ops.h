/* Operations endpoints served next to Connect's REST API: Prometheus
 * metrics (/metrics), logger levels (/admin/loggers) and the dashboard
 * (/ui). Each attaches a handler to the REST server (sl_rest_add_handler). */
#ifndef SL_OPS_H
#define SL_OPS_H

#include "herder/herder.h"
#include "rest/rest.h"
#include "worker/worker.h"

/* GET /metrics (Prometheus text format) and GET /metrics/throughput. */
int sl_metrics_rest_attach(sl_rest_t *rest, sl_worker_t *w, sl_herder_t *h, char *errstr,
                           size_t errstr_size);
/* Stops the metrics sampler thread and frees what attach allocated (after
 * sl_rest_stop: no request may be running). */
void sl_metrics_stop(void);
/* GET/PUT /admin/loggers (KIP-495, KIP-976). */
int sl_loggers_rest_attach(sl_rest_t *rest, sl_worker_t *w, sl_herder_t *h, char *errstr,
                           size_t errstr_size);
/* GET /ui: the dashboard. */
int sl_ui_rest_attach(sl_rest_t *rest, char *errstr, size_t errstr_size);

#endif
