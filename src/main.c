/* sluice: Kafka Connect rebuilt in C. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/props.h"
#include "herder/herder.h"
#include "rest/rest.h"
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

static int run_standalone(int argc, char **argv) {
        char err[4096];
        sl_strmap_t *props = sl_strmap_new();
        sl_worker_t *w = NULL;
        sl_herder_t *h = NULL;
        sl_rest_t *rest = NULL;
        struct sigaction sa = {.sa_handler = on_signal};
        int rc = 1;

        if (sl_props_load(argv[0], props, err, sizeof(err)) != 0) {
                fprintf(stderr, "sluice: %s\n", err);
                goto out;
        }
        w = sl_worker_new(props, false, err, sizeof(err));
        if (!w) {
                fprintf(stderr, "sluice: %s\n", err);
                goto out;
        }
        h = sl_herder_new(w);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        rest = sl_rest_start(h, sl_config_str(sl_worker_config(w), "listeners"), err,
                             sizeof(err));
        if (!rest) {
                fprintf(stderr, "sluice: REST server: %s\n", err);
                goto out;
        }
        sl_worker_set_rest_port(w, sl_rest_port(rest));
        sl_info(LOGGER, "REST server listening on port %d (worker id %s)", sl_rest_port(rest),
                sl_worker_id(w));
        for (int i = 1; i < argc; i++) {
                if (sl_herder_create_from_file(h, argv[i], err, sizeof(err)) != 0) {
                        fprintf(stderr, "sluice: %s\n", err);
                        goto out;
                }
        }
        sl_herder_set_ready(h);
        sl_info(LOGGER, "sluice %s standalone worker started", SLUICE_VERSION);
        while (!stop_requested)
                pause();
        sl_info(LOGGER, "Shutting down: stopping connectors and committing offsets");
        rc = 0;
out:
        if (rest)
                sl_rest_stop(rest);
        sl_herder_destroy(h);
        sl_worker_destroy(w);
        sl_strmap_destroy(props);
        if (rc == 0)
                sl_info(LOGGER, "sluice stopped");
        return rc;
}

static int run_distributed(const char *props_path) {
        char err[4096];
        sl_strmap_t *props = sl_strmap_new();
        sl_worker_t *w = NULL;
        sl_herder_t *h = NULL;
        sl_rest_t *rest = NULL;
        struct sigaction sa = {.sa_handler = on_signal};
        bool joined = false;
        int rc = 1;

        if (sl_props_load(props_path, props, err, sizeof(err)) != 0) {
                fprintf(stderr, "sluice: %s\n", err);
                goto out;
        }
        w = sl_worker_new(props, true, err, sizeof(err));
        if (!w) {
                fprintf(stderr, "sluice: %s\n", err);
                goto out;
        }
        h = sl_herder_new(w);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        rest = sl_rest_start(h, sl_config_str(sl_worker_config(w), "listeners"), err,
                             sizeof(err));
        if (!rest) {
                fprintf(stderr, "sluice: REST server: %s\n", err);
                goto out;
        }
        /* the worker id and URL must be known before joining the group */
        sl_worker_set_rest_port(w, sl_rest_port(rest));
        sl_info(LOGGER, "REST server listening on port %d (worker id %s)", sl_rest_port(rest),
                sl_worker_id(w));
        if (sl_herder_start_distributed(h, err, sizeof(err)) != 0) {
                fprintf(stderr, "sluice: %s\n", err);
                goto out;
        }
        joined = true;
        /* like Kafka Connect, ready once the first rebalance took this worker in */
        while (!stop_requested && !sl_herder_distributed_joined(h))
                usleep(50 * 1000);
        sl_herder_set_ready(h);
        sl_info(LOGGER, "sluice %s distributed worker started", SLUICE_VERSION);
        while (!stop_requested)
                pause();
        sl_info(LOGGER, "Shutting down: handing connectors and tasks over");
        rc = 0;
out:
        if (rest)
                sl_rest_stop(rest);
        if (joined)
                sl_herder_stop_distributed(h);
        sl_herder_destroy(h);
        sl_worker_destroy(w);
        sl_strmap_destroy(props);
        if (rc == 0)
                sl_info(LOGGER, "sluice stopped");
        return rc;
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
