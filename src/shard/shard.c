#include "shard/shard.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/iobuf.h"
#include "io/uring.h"
#include "numa/placement.h"
#include "numa/topology.h"
#include "shard/arena.h"

#define LOGGER "shard"
#define IDLE_MAX_US 10000
/* Registered (pinned) memory per shard: small enough for the idle RSS
 * budget, large enough that a poll covers thousands of short lines. */
#define IO_BUFFERS 64
#define IO_BUFFER_BYTES (128 * 1024)
#define IO_RING_ENTRIES 64

static __thread sl_shard_t *current_shard;

typedef struct job {
        sl_shard_step_fn step;
        void *arg;
} job_t;

/* Control requests are rare (task start/stop), so a mutex-guarded list
 * is enough; the data path never takes this lock unless one is pending. */
typedef struct request {
        bool attach; /* else detach */
        job_t job;
        bool done;
        struct request *next;
} request_t;

struct sl_shard {
        sl_shards_t *set;
        int id, cpu, node;
        pthread_t thread;
        atomic_bool stop;
        atomic_int njobs;
        atomic_bool has_requests;
        pthread_mutex_t lock;
        pthread_cond_t cond;      /* requests completed */
        pthread_cond_t wakeup;    /* idle sleep */
        request_t *requests;
        job_t *jobs;              /* shard thread only */
        size_t n, cap;
        struct sl_uring *uring;   /* shard thread only, lazily created */
        struct sl_iobuf_pool *pool;
        bool io_failed;
};

struct sl_shards {
        sl_shard_t *shards;
        int count;
        bool use_uring;
        pthread_mutex_t attach_lock;
};

static void apply_requests(sl_shard_t *sh) {
        pthread_mutex_lock(&sh->lock);
        for (request_t *r = sh->requests; r; r = r->next) {
                if (r->attach) {
                        if (sh->n == sh->cap) {
                                size_t cap = sh->cap ? sh->cap * 2 : 8;
                                job_t *j = realloc(sh->jobs, cap * sizeof(*j));
                                if (!j) /* leave it queued; retried next loop */
                                        break;
                                sh->jobs = j;
                                sh->cap = cap;
                        }
                        sh->jobs[sh->n++] = r->job;
                } else {
                        for (size_t i = 0; i < sh->n; i++) {
                                if (sh->jobs[i].arg == r->job.arg) {
                                        sh->jobs[i] = sh->jobs[--sh->n];
                                        break;
                                }
                        }
                }
                r->done = true;
                sh->requests = r->next;
        }
        atomic_store(&sh->has_requests, sh->requests != NULL);
        pthread_cond_broadcast(&sh->cond);
        pthread_mutex_unlock(&sh->lock);
}

static void idle_wait(sl_shard_t *sh, long us) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += us * 1000;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_mutex_lock(&sh->lock);
        if (!sh->requests && !atomic_load(&sh->stop))
                pthread_cond_timedwait(&sh->wakeup, &sh->lock, &ts);
        pthread_mutex_unlock(&sh->lock);
}

static void *shard_main(void *arg) {
        sl_shard_t *sh = arg;
        unsigned arena;
        long idle_us = 100;
        int rc;

        if ((rc = sl_thread_pin(sh->cpu)) != 0)
                sl_warn(LOGGER, "shard %d: cannot pin to CPU %d: %s", sh->id, sh->cpu,
                        sl_err2str(rc));
        sl_thread_prefer_node(sh->node);
        if (sl_arena_bind_new(&arena) != 0)
                arena = 0; /* not jemalloc: the default arenas serve */
        current_shard = sh;
        sl_info(LOGGER, "shard %d running on CPU %d (NUMA node %d, arena %u)", sh->id, sh->cpu,
                sh->node, arena);
        while (!atomic_load(&sh->stop)) {
                int did = 0;

                if (atomic_load(&sh->has_requests))
                        apply_requests(sh);
                for (size_t i = 0; i < sh->n; i++)
                        did += sh->jobs[i].step(sh->jobs[i].arg) > 0;
                if (did) {
                        idle_us = 100;
                        continue;
                }
                idle_wait(sh, idle_us);
                if (idle_us < IDLE_MAX_US)
                        idle_us *= 2;
        }
        apply_requests(sh); /* release anyone waiting on a detach */
        sl_uring_destroy(sh->uring);
        if (sh->pool)
                sl_iobuf_pool_reclaim(sh->pool);
        /* buffers still referenced elsewhere keep the pool alive */
        if (sh->pool && sl_iobuf_pool_free_count(sh->pool) == sl_iobuf_pool_size(sh->pool))
                sl_iobuf_pool_destroy(sh->pool);
        else if (sh->pool)
                sl_warn(LOGGER, "shard %d: IO buffers still in use at exit", sh->id);
        return NULL;
}

sl_shard_t *sl_shard_current(void) {
        return current_shard;
}

int sl_shard_io(sl_shard_t *sh, struct sl_uring **uring, struct sl_iobuf_pool **pool) {
        char err[256];

        if (!sh || sh != current_shard)
                return SL_ERR_STATE;
        if (!sh->pool && !sh->io_failed) {
                sh->pool = sl_iobuf_pool_new(IO_BUFFERS, IO_BUFFER_BYTES, err, sizeof(err));
                if (!sh->pool) {
                        sl_error(LOGGER, "shard %d: no IO buffers: %s", sh->id, err);
                        sh->io_failed = true;
                } else if (!sh->set->use_uring) {
                        sl_info(LOGGER, "shard %d: io_uring disabled (io.uring.enable=false)",
                                sh->id);
                } else if (!(sh->uring = sl_uring_new(IO_RING_ENTRIES, sh->pool, err,
                                                      sizeof(err)))) {
                        /* the buffers still serve, through plain system calls */
                        sl_warn(LOGGER, "shard %d: io_uring unavailable, using system calls: %s",
                                sh->id, err);
                }
        }
        if (!sh->pool)
                return SL_ERR_STATE;
        *uring = sh->uring;
        *pool = sh->pool;
        return 0;
}

sl_shards_t *sl_shards_start(int count, bool use_uring, char *errstr, size_t errstr_size) {
        sl_topology_t *topo = sl_topology_discover(errstr, errstr_size);
        sl_shards_t *s;
        char *desc;

        if (!topo)
                return NULL;
        if (count <= 0)
                count = (int)sl_topology_cpu_count(topo);
        desc = sl_topology_describe(topo);
        sl_info(LOGGER, "Starting %d shard(s); topology: %s", count, desc ? desc : "?");
        free(desc);
        s = calloc(1, sizeof(*s));
        s->shards = calloc((size_t)count, sizeof(*s->shards));
        s->use_uring = use_uring;
        pthread_mutex_init(&s->attach_lock, NULL);
        for (int i = 0; i < count; i++) {
                sl_shard_t *sh = &s->shards[i];
                sh->set = s;
                sh->id = i;
                sl_topology_shard_cpu(topo, (size_t)i, &sh->cpu, &sh->node);
                pthread_mutex_init(&sh->lock, NULL);
                pthread_cond_init(&sh->cond, NULL);
                pthread_cond_init(&sh->wakeup, NULL);
                if (pthread_create(&sh->thread, NULL, shard_main, sh) != 0) {
                        sl_seterr(errstr, errstr_size, -errno, "Cannot start shard %d", i);
                        s->count = i;
                        sl_shards_stop(s);
                        sl_topology_destroy(topo);
                        return NULL;
                }
                s->count = i + 1;
        }
        sl_topology_destroy(topo);
        return s;
}

void sl_shards_stop(sl_shards_t *s) {
        if (!s)
                return;
        for (int i = 0; i < s->count; i++) {
                sl_shard_t *sh = &s->shards[i];
                atomic_store(&sh->stop, true);
                sl_shard_wake(sh);
                pthread_join(sh->thread, NULL);
                pthread_mutex_destroy(&sh->lock);
                pthread_cond_destroy(&sh->cond);
                pthread_cond_destroy(&sh->wakeup);
                free(sh->jobs);
        }
        pthread_mutex_destroy(&s->attach_lock);
        free(s->shards);
        free(s);
}

int sl_shards_count(const sl_shards_t *s) {
        return s->count;
}

int sl_shard_id(const sl_shard_t *shard) {
        return shard->id;
}

void sl_shard_wake(sl_shard_t *sh) {
        pthread_mutex_lock(&sh->lock);
        pthread_cond_signal(&sh->wakeup);
        pthread_mutex_unlock(&sh->lock);
}

/* Queue a request and wait until the shard thread applied it. */
static void request(sl_shard_t *sh, request_t *r) {
        pthread_mutex_lock(&sh->lock);
        request_t **tail = &sh->requests;
        while (*tail)
                tail = &(*tail)->next;
        *tail = r;
        atomic_store(&sh->has_requests, true);
        pthread_cond_signal(&sh->wakeup);
        while (!r->done && !atomic_load(&sh->stop))
                pthread_cond_wait(&sh->cond, &sh->lock);
        pthread_mutex_unlock(&sh->lock);
}

sl_shard_t *sl_shards_attach(sl_shards_t *s, sl_shard_step_fn step, void *arg) {
        sl_shard_t *best;
        request_t r = {.attach = true, .job = {step, arg}};

        /* pick and count under one lock so concurrent attaches spread out */
        pthread_mutex_lock(&s->attach_lock);
        best = &s->shards[0];
        for (int i = 1; i < s->count; i++)
                if (atomic_load(&s->shards[i].njobs) < atomic_load(&best->njobs))
                        best = &s->shards[i];
        atomic_fetch_add(&best->njobs, 1);
        pthread_mutex_unlock(&s->attach_lock);
        request(best, &r);
        return best;
}

void sl_shard_detach(sl_shard_t *sh, void *arg) {
        request_t r = {.attach = false, .job = {NULL, arg}};
        request(sh, &r);
        atomic_fetch_sub(&sh->njobs, 1);
}
