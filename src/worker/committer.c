#include "worker/committer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shard/ring.h"

#define LOGGER "committer"
#define RING_SLOTS 4096
#define WAKE_MS 10

typedef struct commit {
        char *connector;
        sl_json_t *partition, *offset;
} commit_t;

struct sl_committer {
        sl_offset_store_t *store;
        sl_ring_t **rings;
        int nrings;
        int64_t interval_ms;
        pthread_t thread;
        atomic_bool stop;
        /* one consumer at a time: the thread, or a sync caller */
        pthread_mutex_t drain_lock;
};


static void commit_free(commit_t *m) {
        free(m->connector);
        sl_json_free(m->partition);
        sl_json_free(m->offset);
        free(m);
}

static void drain(sl_committer_t *c) {
        void *items[256];

        pthread_mutex_lock(&c->drain_lock);
        for (int i = 0; i < c->nrings; i++) {
                size_t n;
                while ((n = sl_ring_pop_n(c->rings[i], items, 256)) > 0) {
                        for (size_t k = 0; k < n; k++) {
                                commit_t *m = items[k];
                                sl_offset_store_put(c->store, m->connector, m->partition,
                                                    m->offset);
                                commit_free(m);
                        }
                }
        }
        pthread_mutex_unlock(&c->drain_lock);
}

static void flush(sl_committer_t *c) {
        char err[512];
        if (sl_offset_store_flush(c->store, err, sizeof(err)) != 0)
                sl_error(LOGGER, "offset commit failed (will retry): %s", err);
}

static void *committer_main(void *arg) {
        sl_committer_t *c = arg;
        int64_t last_flush = sl_now_ms();
        struct timespec wake = {0, WAKE_MS * 1000000L};

        while (!atomic_load(&c->stop)) {
                drain(c);
                if (sl_now_ms() - last_flush >= c->interval_ms) {
                        flush(c);
                        last_flush = sl_now_ms();
                }
                nanosleep(&wake, NULL);
        }
        drain(c);
        flush(c);
        return NULL;
}

sl_committer_t *sl_committer_start(sl_offset_store_t *store, int nshards,
                                   int64_t flush_interval_ms, char *errstr,
                                   size_t errstr_size) {
        sl_committer_t *c = calloc(1, sizeof(*c));

        if (!c || !(c->rings = calloc((size_t)nshards, sizeof(*c->rings)))) {
                free(c);
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                return NULL;
        }
        c->store = store;
        c->interval_ms = flush_interval_ms;
        pthread_mutex_init(&c->drain_lock, NULL);
        atomic_init(&c->stop, false);
        for (int i = 0; i < nshards; i++) {
                if (!(c->rings[i] = sl_ring_new(RING_SLOTS))) {
                        c->nrings = i;
                        sl_committer_stop(c);
                        sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                        return NULL;
                }
        }
        c->nrings = nshards;
        if (pthread_create(&c->thread, NULL, committer_main, c) != 0) {
                sl_seterr(errstr, errstr_size, SL_ERR_STATE, "Cannot start the committer");
                for (int i = 0; i < c->nrings; i++)
                        sl_ring_destroy(c->rings[i]);
                free(c->rings);
                pthread_mutex_destroy(&c->drain_lock);
                free(c);
                return NULL;
        }
        return c;
}

void sl_committer_stop(sl_committer_t *c) {
        if (!c)
                return;
        if (c->thread) {
                atomic_store(&c->stop, true);
                pthread_join(c->thread, NULL);
        }
        for (int i = 0; i < c->nrings; i++)
                sl_ring_destroy(c->rings[i]);
        free(c->rings);
        pthread_mutex_destroy(&c->drain_lock);
        free(c);
}

bool sl_committer_submit(sl_committer_t *c, int shard, const char *connector,
                         const sl_json_t *partition, const sl_json_t *offset) {
        commit_t *m;

        if (shard < 0 || shard >= c->nrings || sl_ring_count(c->rings[shard]) >=
                                                       sl_ring_capacity(c->rings[shard]))
                return false;
        m = malloc(sizeof(*m));
        if (!m)
                return false;
        m->connector = strdup(connector);
        m->partition = sl_json_dup(partition);
        m->offset = sl_json_dup(offset);
        if (!m->connector || !m->partition || !m->offset || !sl_ring_push(c->rings[shard], m)) {
                commit_free(m);
                return false;
        }
        return true;
}

void sl_committer_sync(sl_committer_t *c) {
        drain(c);
}

int sl_committer_rings(const sl_committer_t *c) {
        return c ? c->nrings : 0;
}

void sl_committer_ring_usage(const sl_committer_t *c, int i, size_t *count, size_t *capacity) {
        *count = sl_ring_count(c->rings[i]);
        *capacity = sl_ring_capacity(c->rings[i]);
}
