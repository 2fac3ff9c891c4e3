/* sluice: Kafka Connect rebuilt in C. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/props.h"
#include "herder/herder.h"
#include "ops/ops.h"
#include "rest/rest.h"
#include "schemareg/sr.h"
#include "worker/worker.h"

#define LOGGER "main"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

static void usage(FILE *f) {
        fprintf(f, "usage: sluice standalone worker.properties [connector.properties|connector.json ...]\n"
                   "       sluice distributed worker.properties\n"
                   "       sluice --version\n");
}

/* What both modes run: a worker, its herder and the REST server. */
typedef struct runtime {
        sl_strmap_t *props;
        sl_worker_t *w;
        sl_herder_t *h;
        sl_rest_t *rest;
        sl_sr_t *sr; /* the schema registry, when enabled */
        bool joined; /* distributed: the herder joined the cluster */
} runtime_t;

static int runtime_start(runtime_t *rt, const char *props_path, bool distributed) {
        char err[4096];
        struct sigaction sa = {.sa_handler = on_signal};

        rt->props = sl_strmap_new();
        if (sl_props_load(props_path, rt->props, err, sizeof(err)) != 0) {
                fprintf(stderr, "sluice: %s\n", err);
                return -1;
        }
        rt->w = sl_worker_new(rt->props, distributed, err, sizeof(err));
        if (!rt->w) {
                fprintf(stderr, "sluice: %s\n", err);
                return -1;
        }
        rt->h = sl_herder_new(rt->w);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        /* a sink past RLIMIT_FSIZE gets EFBIG (retried) instead of dying */
        signal(SIGXFSZ, SIG_IGN);
        rt->rest = sl_rest_start_config(rt->h, sl_worker_config(rt->w), err, sizeof(err));
        if (!rt->rest) {
                fprintf(stderr, "sluice: REST server: %s\n", err);
                return -1;
        }
        if (sl_config_bool(sl_worker_config(rt->w), "schema.registry.enable", true)) {
                rt->sr = sl_sr_topic_new(rt->w, err, sizeof(err));
                if (!rt->sr) {
                        fprintf(stderr, "sluice: schema registry: %s\n", err);
                        return -1;
                }
                sl_sr_rest_attach(rt->sr, rt->rest);
        }
        if (sl_metrics_rest_attach(rt->rest, rt->w, rt->h, err, sizeof(err)) != 0 ||
            sl_loggers_rest_attach(rt->rest, rt->w, rt->h, err, sizeof(err)) != 0 ||
            sl_ui_rest_attach(rt->rest, err, sizeof(err)) != 0) {
                fprintf(stderr, "sluice: %s\n", err);
                return -1;
        }
        /* the worker id (and, distributed, the URL others use) needs the port */
        sl_worker_set_rest_port(rt->w, sl_rest_port(rt->rest));
        sl_info(LOGGER, "REST server listening on port %d (worker id %s)", sl_rest_port(rt->rest),
                sl_worker_id(rt->w));
        return 0;
}

/* rc 0: a requested shutdown (logged as such). */
static int runtime_stop(runtime_t *rt, int rc) {
        if (rt->rest)
                sl_rest_stop(rt->rest);
        sl_metrics_stop();
        sl_sr_destroy(rt->sr); /* after REST: no request is using it */
        if (rt->joined)
                sl_herder_stop_distributed(rt->h);
        sl_herder_destroy(rt->h);
        sl_worker_destroy(rt->w);
        sl_strmap_destroy(rt->props);
        if (rc == 0)
                sl_info(LOGGER, "sluice stopped");
        return rc;
}

static int run_standalone(int argc, char **argv) {
        char err[4096];
        runtime_t rt = {0};

        if (runtime_start(&rt, argv[0], false) != 0)
                return runtime_stop(&rt, 1);
        for (int i = 1; i < argc; i++) {
                if (sl_herder_create_from_file(rt.h, argv[i], err, sizeof(err)) != 0) {
                        fprintf(stderr, "sluice: %s\n", err);
                        return runtime_stop(&rt, 1);
                }
        }
        sl_herder_set_ready(rt.h);
        sl_info(LOGGER, "sluice %s standalone worker started", SLUICE_VERSION);
        while (!stop_requested) {
                sleep(1); /* a signal ends it early */
                if (!stop_requested)
                        sl_herder_refresh(rt.h);
        }
        sl_info(LOGGER, "Shutting down: stopping connectors and committing offsets");
        return runtime_stop(&rt, 0);
}

static int run_distributed(const char *props_path) {
        char err[4096];
        runtime_t rt = {0};

        if (runtime_start(&rt, props_path, true) != 0)
                return runtime_stop(&rt, 1);
        if (sl_herder_start_distributed(rt.h, err, sizeof(err)) != 0) {
                fprintf(stderr, "sluice: %s\n", err);
                return runtime_stop(&rt, 1);
        }
        rt.joined = true;
        /* like Kafka Connect, ready once the first rebalance took this worker in */
        while (!stop_requested && !sl_herder_distributed_joined(rt.h))
                usleep(50 * 1000);
        sl_herder_set_ready(rt.h);
        sl_info(LOGGER, "sluice %s distributed worker started", SLUICE_VERSION);
        while (!stop_requested)
                pause();
        sl_info(LOGGER, "Shutting down: handing connectors and tasks over");
        return runtime_stop(&rt, 0);
}

int main(int argc, char **argv) {
        if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
                printf("sluice %s (%s)\n", SLUICE_VERSION, SLUICE_COMMIT);
                return 0;
        }
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                usage(stdout);
                return 0;
        }
        if (argc >= 3 && !strcmp(argv[1], "standalone"))
                return run_standalone(argc - 2, argv + 2);
        if (argc == 3 && !strcmp(argv[1], "distributed"))
                return run_distributed(argv[2]);
        usage(stderr);
        return 2;
}
