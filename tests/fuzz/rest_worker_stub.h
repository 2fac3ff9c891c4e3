/* The worker the REST body fuzzer's herder runs on (rest_worker_stub.c). */
#ifndef SL_FUZZ_REST_WORKER_STUB_H
#define SL_FUZZ_REST_WORKER_STUB_H

#include "worker/worker.h"

/* A worker with the two fuzz connector plugins, the env config provider
 * and offsets kept in memory; no Kafka. */
sl_worker_t *fuzz_worker_new(void);
void fuzz_worker_destroy(sl_worker_t *w);

#endif
