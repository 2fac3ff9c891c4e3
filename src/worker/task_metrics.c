#include "worker/task_metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "worker/task_int.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_task_t *reg_head, *reg_tail;
static uint64_t reg_serial;

const char *sl_tm_error_kind(sl_tm_counter_t c) {
        switch (c) {
        case SL_TM_ERR_RECORD_ERRORS:
                return "total-record-errors";
        case SL_TM_ERR_RECORD_FAILURES:
                return "total-record-failures";
        case SL_TM_ERR_RECORDS_SKIPPED:
                return "total-records-skipped";
        case SL_TM_ERR_DLQ_REQUESTS:
                return "deadletterqueue-produce-requests";
        case SL_TM_ERR_DLQ_FAILURES:
                return "deadletterqueue-produce-failures";
        case SL_TM_ERR_ERRORS_LOGGED:
                return "total-errors-logged";
        default:
                return NULL;
        }
}

void sl_task_metrics_register(sl_task_t *t) {
        sl_task_metrics_t *m = &t->metrics;

        pthread_mutex_lock(&reg_lock);
        if (!m->registered) {
                m->serial = ++reg_serial;
                m->prev = reg_tail;
                m->next = NULL;
                if (reg_tail)
                        reg_tail->metrics.next = t;
                else
                        reg_head = t;
                reg_tail = t;
                m->registered = true;
        }
        pthread_mutex_unlock(&reg_lock);
}

void sl_task_metrics_clients_ready(sl_task_t *t) {
        pthread_mutex_lock(&reg_lock);
        t->metrics.clients = t->metrics.registered;
        pthread_mutex_unlock(&reg_lock);
}

void sl_task_metrics_unregister(sl_task_t *t) {
        sl_task_metrics_t *m = &t->metrics;

        pthread_mutex_lock(&reg_lock);
        if (m->registered) {
                if (m->prev)
                        m->prev->metrics.next = m->next;
                else
                        reg_head = m->next;
                if (m->next)
                        m->next->metrics.prev = m->prev;
                else
                        reg_tail = m->prev;
                m->prev = m->next = NULL;
                m->registered = false;
        }
        m->clients = false;
        pthread_mutex_unlock(&reg_lock);
}

/* noted watermarks: few (partitions of paused sinks), searched linearly */
typedef struct noted_wm {
        char *topic;
        int32_t partition;
        int64_t high;
        uint64_t round;
} noted_wm_t;

static noted_wm_t *noted;
static size_t nnoted;

void sl_task_metrics_note_watermark(const char *topic, int32_t partition, int64_t high,
                                    uint64_t round) {
        noted_wm_t *n;

        pthread_mutex_lock(&reg_lock);
        for (size_t i = 0; i < nnoted; i++) {
                if (noted[i].partition == partition && !strcmp(noted[i].topic, topic)) {
                        noted[i].high = high;
                        noted[i].round = round;
                        pthread_mutex_unlock(&reg_lock);
                        return;
                }
        }
        if ((n = realloc(noted, (nnoted + 1) * sizeof(*n)))) {
                noted = n;
                if ((noted[nnoted].topic = strdup(topic))) {
                        noted[nnoted].partition = partition;
                        noted[nnoted].high = high;
                        noted[nnoted].round = round;
                        nnoted++;
                }
        }
        pthread_mutex_unlock(&reg_lock);
}

void sl_task_metrics_forget_watermarks(uint64_t keep) {
        size_t k = 0;

        pthread_mutex_lock(&reg_lock);
        for (size_t i = 0; i < nnoted; i++) {
                if (keep && noted[i].round == keep)
                        noted[k++] = noted[i];
                else
                        free(noted[i].topic);
        }
        nnoted = k;
        if (!nnoted) {
                free(noted);
                noted = NULL;
        }
        pthread_mutex_unlock(&reg_lock);
}

static int64_t noted_high(const char *topic, int32_t partition) {
        for (size_t i = 0; i < nnoted; i++)
                if (noted[i].partition == partition && !strcmp(noted[i].topic, topic))
                        return noted[i].high;
        return -1;
}

/* Lag per assigned partition from cached state only: the assignment and
 * positions are local, and the watermarks are what fetches (or the
 * consumer-lag timer of paused partitions) last brought back. */
static int snap_lag(sl_task_t *t, sl_tm_snap_t *s) {
        rd_kafka_topic_partition_list_t *a = NULL;

        if (rd_kafka_assignment(t->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
                return 0;
        if (a->cnt > 0 && rd_kafka_position(t->rk, a) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            (s->lags = calloc((size_t)a->cnt, sizeof(*s->lags)))) {
                for (int i = 0; i < a->cnt; i++) {
                        rd_kafka_topic_partition_t *p = &a->elems[i];
                        int64_t lo = -1, hi = -1, lag = 0;

                        rd_kafka_get_watermark_offsets(t->rk, p->topic, p->partition, &lo, &hi);
                        if (noted_high(p->topic, p->partition) > hi)
                                hi = noted_high(p->topic, p->partition);
                        if (hi >= 0 && p->offset >= 0)
                                lag = hi - p->offset;
                        else if (hi >= 0 && lo >= 0)
                                lag = hi - lo; /* nothing consumed yet */
                        if (!(s->lags[s->nlags].topic = strdup(p->topic)))
                                break;
                        s->lags[s->nlags].partition = p->partition;
                        s->lags[s->nlags].lag = lag < 0 ? 0 : lag;
                        s->nlags++;
                }
        }
        rd_kafka_topic_partition_list_destroy(a);
        return 0;
}

int sl_task_metrics_snapshot(sl_tm_snap_t **out, bool with_lag) {
        sl_tm_snap_t *s = NULL;
        size_t n = 0, cap = 0;
        int rc = 0;

        *out = NULL;
        pthread_mutex_lock(&reg_lock);
        for (sl_task_t *t = reg_head; t; t = t->metrics.next) {
                sl_tm_snap_t *e;

                if (sl_array_reserve(&s, &cap, n + 1, sizeof(*s), 16) != 0) {
                        rc = -ENOMEM;
                        break;
                }
                e = &s[n];
                memset(e, 0, sizeof(*e));
                if (!(e->connector = strdup(t->connector))) {
                        rc = -ENOMEM;
                        break;
                }
                n++;
                e->task = t->id;
                e->sink = t->plugin->type == SL_CONNECTOR_SINK;
                e->state = (sl_state_t)atomic_load(&t->status);
                e->serial = t->metrics.serial;
                for (int i = 0; i < SL_TM__COUNT; i++)
                        e->c[i] = atomic_load_explicit(&t->metrics.c[i], memory_order_relaxed);
                e->active = atomic_load_explicit(&t->metrics.active, memory_order_relaxed);
                if (e->active < 0)
                        e->active = 0;
                if (with_lag && e->sink && t->metrics.clients && t->rk)
                        snap_lag(t, e);
        }
        pthread_mutex_unlock(&reg_lock);
        if (rc < 0) {
                sl_task_metrics_snapshot_free(s, n);
                return rc;
        }
        *out = s;
        return (int)n;
}

void sl_task_metrics_snapshot_free(sl_tm_snap_t *s, size_t n) {
        for (size_t i = 0; s && i < n; i++) {
                free(s[i].connector);
                for (size_t k = 0; k < s[i].nlags; k++)
                        free(s[i].lags[k].topic);
                free(s[i].lags);
        }
        free(s);
}
