/* The throughput history behind GET /metrics/throughput: a thread samples
 * every connector's task counters once a second. Rates come from each task
 * instance's own previous sample (matched by its registry serial), so a
 * restarted task (counters back at zero) never yields a negative rate. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/metrics_int.h"
#include "worker/task_metrics.h"

#define LOGGER "metrics"

/* a connector without tasks here for this many samples leaves the history */
#define GONE_SAMPLES 10
/* watermark queries of paused sink partitions, per sample */
#define WM_MAX_PER_ROUND 32
#define WM_TIMEOUT_MS 500

typedef struct conn_hist {
        char *name;
        bool sink;
        uint64_t last_seen; /* sample sequence */
        double rec[SL_THROUGHPUT_SAMPLES], bytes[SL_THROUGHPUT_SAMPLES];
} conn_hist_t;

typedef struct prev_task {
        uint64_t serial, rec, bytes;
} prev_task_t;

struct sl_throughput {
        sl_worker_t *w;
        rd_kafka_t *admin; /* sampler thread only: watermarks of paused sinks */
        uint64_t wm_round;
        bool paused_sinks; /* the last sample saw one: watermarks to refresh */
        atomic_bool stopping; /* ends a watermark round early */
        pthread_t thread;
        pthread_mutex_t lock; /* everything below */
        pthread_cond_t wake;
        bool stop;
        size_t nsamples, head; /* head: the slot the next sample fills */
        uint64_t seq;
        int64_t end_ms, last_mono_ms;
        conn_hist_t **conns;
        size_t nconns;
        prev_task_t *prev; /* serials ascending */
        size_t nprev;
};

static void task_totals(const sl_tm_snap_t *s, uint64_t *rec, uint64_t *bytes) {
        *rec = s->c[s->sink ? SL_TM_SINK_PUT : SL_TM_SOURCE_WRITTEN];
        *bytes = s->c[s->sink ? SL_TM_SINK_BYTES : SL_TM_SOURCE_BYTES];
}

static conn_hist_t *conn_get(sl_throughput_t *tp, const char *name, bool sink) {
        conn_hist_t *c, **nc;

        for (size_t i = 0; i < tp->nconns; i++)
                if (!strcmp(tp->conns[i]->name, name))
                        return tp->conns[i];
        if (!(nc = realloc(tp->conns, (tp->nconns + 1) * sizeof(*nc))))
                return NULL;
        tp->conns = nc;
        if (!(c = calloc(1, sizeof(*c))) || !(c->name = strdup(name))) {
                free(c);
                return NULL;
        }
        c->sink = sink;
        tp->conns[tp->nconns++] = c;
        return c;
}

static void conn_free(conn_hist_t *c) {
        free(c->name);
        free(c);
}

/* Whole-history baseline: the first pass only records each task's
 * totals (what moved before the sampler started is no rate). */
static void sample(sl_throughput_t *tp, bool baseline) {
        sl_tm_snap_t *snap;
        int n = sl_task_metrics_snapshot(&snap, false);
        prev_task_t *now;
        size_t k = 0, slot = tp->head;
        int64_t mono = sl_now_ms();
        double secs;
        bool paused = false;

        if (n < 0)
                return;
        if (!(now = calloc((size_t)n + 1, sizeof(*now)))) {
                sl_task_metrics_snapshot_free(snap, (size_t)n);
                return;
        }
        secs = (double)(mono - tp->last_mono_ms) / 1000.0;
        if (secs <= 0)
                secs = SL_THROUGHPUT_INTERVAL_MS / 1000.0;
        tp->last_mono_ms = mono;
        if (!baseline) {
                tp->seq++;
                for (size_t i = 0; i < tp->nconns; i++)
                        tp->conns[i]->rec[slot] = tp->conns[i]->bytes[slot] = 0;
        }
        for (int i = 0; i < n; i++) {
                uint64_t rec, bytes, drec = 0, dbytes = 0;
                conn_hist_t *c;

                if (snap[i].sink && snap[i].state == SL_STATE_PAUSED)
                        paused = true;
                task_totals(&snap[i], &rec, &bytes);
                now[i] = (prev_task_t){snap[i].serial, rec, bytes};
                if (baseline)
                        continue;
                /* both lists are in serial order: merge */
                while (k < tp->nprev && tp->prev[k].serial < snap[i].serial)
                        k++;
                if (k < tp->nprev && tp->prev[k].serial == snap[i].serial) {
                        drec = rec >= tp->prev[k].rec ? rec - tp->prev[k].rec : 0;
                        dbytes = bytes >= tp->prev[k].bytes ? bytes - tp->prev[k].bytes : 0;
                } else { /* started since the last sample */
                        drec = rec;
                        dbytes = bytes;
                }
                if (!(c = conn_get(tp, snap[i].connector, snap[i].sink)))
                        continue;
                c->sink = snap[i].sink;
                c->last_seen = tp->seq;
                c->rec[slot] += (double)drec / secs;
                c->bytes[slot] += (double)dbytes / secs;
        }
        tp->paused_sinks = paused;
        free(tp->prev);
        tp->prev = now;
        tp->nprev = (size_t)n;
        sl_task_metrics_snapshot_free(snap, (size_t)n);
        if (baseline)
                return;
        for (size_t i = 0; i < tp->nconns;) {
                if (tp->seq - tp->conns[i]->last_seen >= GONE_SAMPLES) {
                        conn_free(tp->conns[i]);
                        tp->conns[i] = tp->conns[--tp->nconns];
                } else {
                        i++;
                }
        }
        tp->head = (tp->head + 1) % SL_THROUGHPUT_SAMPLES;
        if (tp->nsamples < SL_THROUGHPUT_SAMPLES)
                tp->nsamples++;
        tp->end_ms = sl_epoch_ms();
}

/* Paused partitions are not fetched, so their cached high watermark
 * stops moving: ask the broker (own client, no lock held) so the lag of a
 * paused sink still grows with its topic. */
static void refresh_paused_watermarks(sl_throughput_t *tp) {
        sl_tm_snap_t *snap;
        int n = sl_task_metrics_snapshot(&snap, true);
        uint64_t round = ++tp->wm_round;
        size_t queried = 0;
        bool failed = false;

        if (n < 0)
                return;
        for (int i = 0; i < n && !failed; i++) {
                if (!snap[i].sink || snap[i].state != SL_STATE_PAUSED)
                        continue;
                for (size_t k = 0; k < snap[i].nlags && !failed; k++) {
                        int64_t lo, hi;
                        char err[512];

                        if (queried++ >= WM_MAX_PER_ROUND || atomic_load(&tp->stopping)) {
                                failed = true;
                                break;
                        }
                        if (!tp->admin && !(tp->admin = sl_worker_admin_client(tp->w, err,
                                                                               sizeof(err)))) {
                                sl_debug(LOGGER, "no watermark client: %s", err);
                                failed = true;
                                break;
                        }
                        if (rd_kafka_query_watermark_offsets(tp->admin, snap[i].lags[k].topic,
                                                             snap[i].lags[k].partition, &lo, &hi,
                                                             WM_TIMEOUT_MS) != 0) {
                                failed = true;
                                break;
                        }
                        sl_task_metrics_note_watermark(snap[i].lags[k].topic,
                                                       snap[i].lags[k].partition, hi, round);
                }
        }
        /* keep what an unfinished round could not refresh */
        if (!failed)
                sl_task_metrics_forget_watermarks(round);
        /* none paused any more: rounds resume with the next pause */
        if (!failed && queried == 0)
                tp->wm_round = 0;
        sl_task_metrics_snapshot_free(snap, (size_t)n);
}

static void *sampler_main(void *arg) {
        sl_throughput_t *tp = arg;
        struct timespec next;

        clock_gettime(CLOCK_MONOTONIC, &next);
        pthread_mutex_lock(&tp->lock);
        sample(tp, true);
        while (!tp->stop) {
                struct timespec now;

                next.tv_sec += SL_THROUGHPUT_INTERVAL_MS / 1000;
                /* a stalled process resumes on a fresh beat, not in a burst */
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec > next.tv_sec)
                        next = now;
                while (!tp->stop &&
                       pthread_cond_timedwait(&tp->wake, &tp->lock, &next) != ETIMEDOUT)
                        ;
                if (tp->stop)
                        break;
                sample(tp, false);
                if (tp->paused_sinks || tp->wm_round) {
                        pthread_mutex_unlock(&tp->lock);
                        refresh_paused_watermarks(tp);
                        pthread_mutex_lock(&tp->lock);
                }
        }
        pthread_mutex_unlock(&tp->lock);
        return NULL;
}

sl_throughput_t *sl_throughput_start(sl_worker_t *w, char *errstr, size_t errstr_size) {
        sl_throughput_t *tp = calloc(1, sizeof(*tp));
        pthread_condattr_t ca;

        if (!tp) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                return NULL;
        }
        tp->w = w;
        atomic_init(&tp->stopping, false);
        pthread_mutex_init(&tp->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&tp->wake, &ca);
        pthread_condattr_destroy(&ca);
        tp->last_mono_ms = sl_now_ms();
        tp->end_ms = sl_epoch_ms();
        if (pthread_create(&tp->thread, NULL, sampler_main, tp) != 0) {
                pthread_cond_destroy(&tp->wake);
                pthread_mutex_destroy(&tp->lock);
                free(tp);
                sl_seterr(errstr, errstr_size, SL_ERR_STATE,
                          "Cannot start the metrics sampler thread");
                return NULL;
        }
        return tp;
}

void sl_throughput_stop(sl_throughput_t *tp) {
        if (!tp)
                return;
        atomic_store(&tp->stopping, true);
        pthread_mutex_lock(&tp->lock);
        tp->stop = true;
        pthread_cond_signal(&tp->wake);
        pthread_mutex_unlock(&tp->lock);
        pthread_join(tp->thread, NULL);
        if (tp->admin)
                rd_kafka_destroy(tp->admin);
        sl_task_metrics_forget_watermarks(0);
        for (size_t i = 0; i < tp->nconns; i++)
                conn_free(tp->conns[i]);
        free(tp->conns);
        free(tp->prev);
        pthread_cond_destroy(&tp->wake);
        pthread_mutex_destroy(&tp->lock);
        free(tp);
}

static void write_rates(sl_buf_t *out, const double *v, size_t first, size_t n) {
        sl_buf_putc(out, '[');
        for (size_t i = 0; i < n; i++) {
                double r = v[(first + i) % SL_THROUGHPUT_SAMPLES];
                /* whole numbers stay integers; the rest keep 3 decimals */
                if (r == (double)(int64_t)r)
                        sl_buf_printf(out, "%s%lld", i ? "," : "", (long long)r);
                else
                        sl_buf_printf(out, "%s%.3f", i ? "," : "", r);
        }
        sl_buf_putc(out, ']');
}

int sl_throughput_render(sl_throughput_t *tp, size_t seconds, sl_buf_t *out) {
        size_t n, first;

        pthread_mutex_lock(&tp->lock);
        n = seconds > 0 && seconds < tp->nsamples ? seconds : tp->nsamples;
        first = (tp->head + SL_THROUGHPUT_SAMPLES - n) % SL_THROUGHPUT_SAMPLES;
        sl_buf_printf(out, "{\"interval_ms\":%d,\"end_ms\":%lld,\"connectors\":{",
                      SL_THROUGHPUT_INTERVAL_MS, (long long)tp->end_ms);
        for (size_t i = 0; i < tp->nconns; i++) {
                const conn_hist_t *c = tp->conns[i];
                if (i)
                        sl_buf_putc(out, ',');
                sl_json_write_string(out, c->name, strlen(c->name));
                sl_buf_printf(out, ":{\"type\":\"%s\",\"records_per_sec\":",
                              c->sink ? "sink" : "source");
                write_rates(out, c->rec, first, n);
                sl_buf_puts(out, ",\"bytes_per_sec\":");
                write_rates(out, c->bytes, first, n);
                sl_buf_putc(out, '}');
        }
        sl_buf_puts(out, "}}");
        pthread_mutex_unlock(&tp->lock);
        return 0;
}
