/* A source poll's records, converted at add time and produced without
 * copying: borrowed bytes stay in the plugin's held memory, converted
 * bytes in the batch arena, until the batch's last delivery report. */
#include <stdlib.h>
#include <string.h>

#include "worker/task_int.h"
#include "worker/errors.h"
#include "worker/task_xform.h"

enum slice_kind { SLICE_NULL = 0, SLICE_BORROWED, SLICE_ARENA };

typedef struct slice {
        const char *ptr; /* SLICE_BORROWED */
        size_t off;      /* SLICE_ARENA: offset into the arena */
        size_t len;
        uint8_t kind;
} slice_t;

typedef struct rec {
        size_t topic_off;
        int32_t partition;
        slice_t key, value;
        int64_t timestamp;
        rd_kafka_headers_t *headers;
} rec_t;

typedef struct hold {
        void (*release)(void *opaque);
        void *opaque;
} hold_t;

/* The last offset delivered to one topic-partition (source_delivered). */
typedef struct written {
        char *topic;
        int32_t partition;
        int64_t offset;
} written_t;

struct sl_source_batch {
        sl_task_t *task;
        rec_t *recs;
        size_t n, max;
        size_t next_rec; /* first record not produced yet */
        bool handed_over; /* every record produced or abandoned */
        sl_buf_t arena;
        sl_buf_t scratch;
        bool force_copy; /* the record's memory dies with this add (transformed) */
        hold_t *holds;
        size_t nholds;
        sl_json_t *partition, *offset;
        atomic_int refs;
        atomic_bool failed;
        atomic_bool done;
        sl_source_batch_t *next;
        /* records waiting for a retriable failure to pass, in order */
        sl_xrecord_t *deferred;
        size_t ndeferred, deferred_next, deferred_cap;
        sl_retry_t retry;
        /* only for plugins with source_delivered: the hot path of the
         * others pays one branch per delivery report */
        bool track_written;
        bool notified;
        written_t *written;
        size_t nwritten;
};

sl_source_batch_t *sl_source_batch_new(sl_task_t *t, size_t max_records) {
        sl_source_batch_t *b = calloc(1, sizeof(*b));

        if (!b)
                return NULL;
        b->task = t;
        b->max = max_records;
        b->recs = malloc(max_records * sizeof(*b->recs));
        if (!b->recs) {
                free(b);
                return NULL;
        }
        b->track_written = t->plugin && t->plugin->source_delivered;
        atomic_init(&b->refs, 1);
        atomic_init(&b->failed, false);
        atomic_init(&b->done, false);
        return b;
}

static void release_memory(sl_source_batch_t *b) {
        for (size_t i = 0; i < b->nholds; i++)
                b->holds[i].release(b->holds[i].opaque);
        free(b->holds);
        b->holds = NULL;
        b->nholds = 0;
        sl_buf_free(&b->arena);
        sl_buf_free(&b->scratch);
        free(b->recs);
        b->recs = NULL;
}

void sl_source_batch_destroy(sl_source_batch_t *b) {
        if (!b)
                return;
        /* Records never handed to the producer still own their headers. */
        for (size_t i = 0; b->recs && i < b->n; i++)
                if (b->recs[i].headers)
                        rd_kafka_headers_destroy(b->recs[i].headers);
        release_memory(b);
        for (size_t i = b->deferred_next; i < b->ndeferred; i++)
                sl_xrecord_clear(&b->deferred[i]);
        free(b->deferred);
        sl_json_free(b->partition);
        sl_json_free(b->offset);
        for (size_t i = 0; i < b->nwritten; i++)
                free(b->written[i].topic);
        free(b->written);
        free(b);
}

static void batch_unref(sl_source_batch_t *b) {
        if (atomic_fetch_sub(&b->refs, 1) == 1) {
                release_memory(b);
                atomic_store(&b->done, true);
        }
}

/* Converts d into out: 0, or the converter's error (errstr in
 * t->convert_err). */
static int convert(sl_source_batch_t *b, sl_converter_t *c, const char *topic,
                   const sl_data_t *d, slice_t *out) {
        const void *ptr;
        size_t len;
        bool borrowed;
        sl_task_t *t = b->task;
        int rc;

        sl_buf_reset(&b->scratch);
        rc = sl_converter_from_data(c, topic, d, &b->scratch, &ptr, &len, &borrowed,
                                    t->convert_err, sizeof(t->convert_err));
        if (rc != 0)
                return rc;
        memset(out, 0, sizeof(*out));
        if (!ptr)
                return 0;
        out->len = len;
        if (borrowed && b->nholds > 0 && !b->force_copy) {
                out->kind = SLICE_BORROWED;
                out->ptr = ptr;
                return 0;
        }
        out->kind = SLICE_ARENA;
        out->off = b->arena.len;
        return sl_buf_append(&b->arena, ptr, len);
}

/* A failed stage: 1 to retry the record later (retriable, budget left),
 * 0 when the error handler skipped it, < 0 when the task failed. */
static int stage_failed(sl_source_batch_t *b, const sl_source_record_t *rec, sl_stage_t stage,
                        const char *cls, int rc) {
        sl_task_t *t = b->task;
        sl_errctx_t ctx = {.stage = stage, .class_name = cls, .err = rc,
                           .message = t->convert_err, .source = rec};

        rc = sl_errh_handle(t->errh, &b->retry, &ctx);
        if (rc < 0) {
                t->convert_failed = true;
                return SL_ERR_CONVERT;
        }
        return rc;
}

/* Converts and stores one record: 0 (stored), 1 (retry later), < 0. */
static int add_record(sl_source_batch_t *b, const sl_source_record_t *rec) {
        rec_t *r;
        int rc;
        size_t arena_len = b->arena.len;

        if (b->n >= b->max)
                return SL_ERR_STATE;
        if (!rec->topic || !*rec->topic)
                return SL_ERR_INVALID;
        r = &b->recs[b->n];
        memset(r, 0, sizeof(*r));
        /* records of a batch nearly always share a topic: store it once */
        if (b->n > 0 && !strcmp(b->arena.data + b->recs[b->n - 1].topic_off, rec->topic)) {
                r->topic_off = b->recs[b->n - 1].topic_off;
        } else {
                /* a topic new to this batch: the only time it needs tracking */
                sl_task_track_topic(b->task, rec->topic);
                r->topic_off = b->arena.len;
                if (sl_buf_append(&b->arena, rec->topic, strlen(rec->topic) + 1) != 0)
                        return SL_ERR_NOMEM;
        }
        r->partition = rec->partition < 0 ? RD_KAFKA_PARTITION_UA : rec->partition;
        r->timestamp = rec->timestamp;
        if ((rc = convert(b, b->task->key_conv, rec->topic, &rec->key, &r->key)) != 0) {
                b->arena.len = arena_len;
                return rc == SL_ERR_NOMEM ? rc
                                          : stage_failed(b, rec, SL_STAGE_KEY_CONVERTER,
                                                         sl_errh_converter_class(b->task->errh, true),
                                                         rc);
        }
        if ((rc = convert(b, b->task->value_conv, rec->topic, &rec->value, &r->value)) != 0) {
                b->arena.len = arena_len;
                return rc == SL_ERR_NOMEM ? rc
                                          : stage_failed(b, rec, SL_STAGE_VALUE_CONVERTER,
                                                         sl_errh_converter_class(b->task->errh, false),
                                                         rc);
        }
        if (rec->header_cnt > 0) {
                r->headers = rd_kafka_headers_new(rec->header_cnt);
                for (size_t i = 0; i < rec->header_cnt; i++)
                        rd_kafka_header_add(r->headers, rec->headers[i].key, -1,
                                            rec->headers[i].value,
                                            (ssize_t)rec->headers[i].value_len);
        }
        memset(&b->retry, 0, sizeof(b->retry));
        b->n++;
        return 0;
}

/* Runs the chain on a copy of rec, then stores the result (copied: the
 * transformed record dies here). */
static int transformed_add(sl_source_batch_t *b, const sl_source_record_t *rec,
                           const sl_recview_t *view) {
        sl_xrecord_t x;
        sl_source_record_t out;
        sl_xheaders_t xh = {0};
        char err[sizeof(b->task->convert_err)];
        int rc;

        if (sl_task_xrecord_fill(&x, view) != 0) {
                rc = SL_ERR_NOMEM;
                goto out;
        }
        rc = sl_xchain_apply(b->task->chain, &x, err, sizeof(err));
        if (rc == 1) { /* filtered out: nothing to produce */
                rc = 0;
                goto out;
        }
        if (rc < 0) {
                snprintf(b->task->convert_err, sizeof(b->task->convert_err), "%s", err);
                rc = stage_failed(b, rec, SL_STAGE_TRANSFORMATION,
                                  sl_xchain_failed_class(b->task->chain), rc);
                goto out;
        }
        if ((rc = sl_xheaders_view(&xh, &x)) != 0)
                goto out;
        memset(&out, 0, sizeof(out));
        out.topic = x.topic;
        out.partition = x.partition;
        out.key = (sl_data_t){x.key_schema, x.key};
        out.value = (sl_data_t){x.value_schema, x.value};
        out.timestamp = x.timestamp < 0 ? 0 : x.timestamp;
        out.headers = xh.hs;
        out.header_cnt = xh.n;
        b->force_copy = true;
        rc = add_record(b, &out);
        b->force_copy = false;
out:
        sl_xheaders_free(&xh);
        sl_xrecord_clear(&x);
        return rc;
}

/* 0 (stored or skipped), 1 (retry later), < 0 (the task failed). */
static int add_one(sl_source_batch_t *b, const sl_source_record_t *rec) {
        if (b->task->chain && rec->topic) {
                sl_recview_t v = {rec->topic, rec->partition, &rec->key, &rec->value,
                                  rec->timestamp, rec->headers, rec->header_cnt};
                if (sl_task_chain_touches(b->task->chain, &v))
                        return transformed_add(b, rec, &v);
        }
        return add_record(b, rec);
}

/* Keeps a copy of rec to add once the failing service is back; records
 * after it wait behind it so their order holds. */
static int defer(sl_source_batch_t *b, const sl_source_record_t *rec) {
        sl_recview_t v = {rec->topic, rec->partition, &rec->key, &rec->value,
                          rec->timestamp, rec->headers, rec->header_cnt};
        sl_xrecord_t *d;

        if (b->ndeferred == b->deferred_cap) {
                size_t cap = b->deferred_cap ? 2 * b->deferred_cap : 16;
                d = realloc(b->deferred, cap * sizeof(*d));
                if (!d)
                        return SL_ERR_NOMEM;
                b->deferred = d;
                b->deferred_cap = cap;
        }
        d = &b->deferred[b->ndeferred];
        if (sl_task_xrecord_fill(d, &v) != 0) {
                sl_xrecord_clear(d);
                return SL_ERR_NOMEM;
        }
        b->ndeferred++;
        return 0;
}

int sl_source_batch_add(sl_source_batch_t *b, const sl_source_record_t *rec) {
        int rc;

        if (b->task->convert_failed)
                return SL_ERR_CONVERT;
        if (b->n + (b->ndeferred - b->deferred_next) >= b->max)
                return SL_ERR_STATE;
        sl_tm_add(&b->task->metrics, SL_TM_SOURCE_POLLED, 1);
        if (b->ndeferred > b->deferred_next)
                return defer(b, rec);
        rc = add_one(b, rec);
        if (rc == 1)
                return defer(b, rec);
        return rc;
}

/* Adds the deferred records once their retry is due: true when none is
 * left (the batch may be produced), false while one still waits or the
 * task failed. */
static bool resolve_deferred(sl_source_batch_t *b) {
        if (b->deferred_next == b->ndeferred)
                return true;
        if (b->task->convert_failed || sl_now_ms() < b->retry.retry_at)
                return false;
        while (b->deferred_next < b->ndeferred) {
                sl_xrecord_t *x = &b->deferred[b->deferred_next];
                sl_xheaders_t xh = {0};
                sl_source_record_t rec = {
                        .topic = x->topic,
                        .partition = x->partition,
                        .key = {x->key_schema, x->key},
                        .value = {x->value_schema, x->value},
                        .timestamp = x->timestamp < 0 ? 0 : x->timestamp,
                };
                int rc;

                if (sl_xheaders_view(&xh, x) != 0)
                        return false;
                rec.headers = xh.hs;
                rec.header_cnt = xh.n;
                b->force_copy = true;
                rc = add_one(b, &rec);
                b->force_copy = false;
                sl_xheaders_free(&xh);
                if (rc == 1)
                        return false;
                if (rc < 0) {
                        if (!b->task->convert_failed)
                                sl_task_fail(b->task, "Cannot add a record: %s", sl_err2str(rc));
                        b->task->convert_failed = true;
                        return false;
                }
                sl_xrecord_clear(x);
                b->deferred_next++;
        }
        return true;
}

int sl_source_batch_set_offset(sl_source_batch_t *b, const sl_json_t *source_partition,
                               const sl_json_t *source_offset) {
        if (!source_partition || source_partition->type != SL_JSON_OBJECT || !source_offset ||
            source_offset->type != SL_JSON_OBJECT)
                return SL_ERR_INVALID;
        sl_json_free(b->partition);
        sl_json_free(b->offset);
        b->partition = sl_json_dup(source_partition);
        b->offset = sl_json_dup(source_offset);
        return 0;
}

void sl_source_batch_hold(sl_source_batch_t *b, void (*release)(void *opaque), void *opaque) {
        hold_t *h = realloc(b->holds, (b->nholds + 1) * sizeof(*h));

        if (!h) {
                /* Without the hold the memory may not outlive this call:
                 * give it back now; later adds copy. */
                release(opaque);
                return;
        }
        b->holds = h;
        b->holds[b->nholds].release = release;
        b->holds[b->nholds].opaque = opaque;
        b->nholds++;
}

size_t sl_source_batch_count(const sl_source_batch_t *b) {
        return b->n;
}

size_t sl_source_batch_room(const sl_source_batch_t *b) {
        return b->max - b->n - (b->ndeferred - b->deferred_next);
}

bool sl_source_batch_empty(const sl_source_batch_t *b) {
        return b->n == 0 && b->ndeferred == 0 && !b->offset;
}

bool sl_source_batch_done(const sl_source_batch_t *b) {
        return atomic_load(&b->done);
}

bool sl_source_batch_failed(const sl_source_batch_t *b) {
        return atomic_load(&b->failed);
}

const sl_json_t *sl_source_batch_partition(const sl_source_batch_t *b) {
        return b->partition;
}

const sl_json_t *sl_source_batch_offset(const sl_source_batch_t *b) {
        return b->offset;
}

sl_source_batch_t *sl_source_batch_next(sl_source_batch_t *b) {
        return b->next;
}

void sl_source_batch_set_next(sl_source_batch_t *b, sl_source_batch_t *next) {
        b->next = next;
}

static const void *slice_ptr(const sl_source_batch_t *b, const slice_t *s) {
        switch (s->kind) {
        case SLICE_BORROWED:
                return s->ptr;
        case SLICE_ARENA:
                return b->arena.data + s->off;
        default:
                return NULL;
        }
}

static void fail_batch(sl_source_batch_t *b, const char *fmt, const char *detail) {
        sl_task_t *t = b->task;
        atomic_store(&b->failed, true);
        if (!atomic_exchange(&t->delivery_failed, true)) {
                int n = snprintf(t->delivery_err, sizeof(t->delivery_err), fmt, detail);
                if (n >= (int)sizeof(t->delivery_err)) /* a long broker message: mark the cut */
                        memcpy(t->delivery_err + sizeof(t->delivery_err) - 4, "...", 4);
                /* The task fails and a restart resends everything past its
                 * committed offset: records still queued in the producer
                 * would be written now only to be written again then (one
                 * rejected request duplicated up to the whole queue). What
                 * is already sent cannot be recalled. */
                if (t->rk)
                        rd_kafka_purge(t->rk, RD_KAFKA_PURGE_F_QUEUE |
                                                      RD_KAFKA_PURGE_F_NON_BLOCKING);
        }
}

static void destroy_unproduced_headers(sl_source_batch_t *b) {
        for (size_t j = b->next_rec; j < b->n; j++)
                if (b->recs[j].headers)
                        rd_kafka_headers_destroy(b->recs[j].headers);
}

size_t sl_source_batch_produce(sl_source_batch_t *b) {
        rd_kafka_t *rk = b->task->rk;
        size_t produced = 0;
        /* records of one topic share topic_off: look the handle up once */
        size_t handle_off = SIZE_MAX;
        rd_kafka_topic_t *handle = NULL;

        if (b->handed_over || !resolve_deferred(b))
                return 0;
        while (b->next_rec < b->n) {
                rec_t *r = &b->recs[b->next_rec];
                rd_kafka_topic_t *rkt;
                rd_kafka_resp_err_t err;

                atomic_fetch_add(&b->refs, 1);
                /* No RD_KAFKA_MSG_F_COPY: the bytes live until the batch's
                 * last delivery report. The common record (no headers, no
                 * timestamp) skips producev's argument parsing. */
                if (!r->headers && !r->timestamp && r->topic_off != handle_off) {
                        handle = sl_task_topic(b->task, b->arena.data + r->topic_off);
                        handle_off = r->topic_off;
                }
                rkt = !r->headers && !r->timestamp ? handle : NULL;
                if (rkt)
                        err = rd_kafka_produce(rkt, r->partition, 0,
                                               (void *)slice_ptr(b, &r->value), r->value.len,
                                               slice_ptr(b, &r->key), r->key.len, b) == -1
                                      ? rd_kafka_last_error()
                                      : RD_KAFKA_RESP_ERR_NO_ERROR;
                else
                        err = rd_kafka_producev(
                                rk, RD_KAFKA_V_TOPIC(b->arena.data + r->topic_off),
                                RD_KAFKA_V_PARTITION(r->partition),
                                RD_KAFKA_V_KEY(slice_ptr(b, &r->key), r->key.len),
                                RD_KAFKA_V_VALUE((void *)slice_ptr(b, &r->value), r->value.len),
                                RD_KAFKA_V_TIMESTAMP(r->timestamp),
                                RD_KAFKA_V_HEADERS(r->headers), RD_KAFKA_V_OPAQUE(b),
                                RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        /* back-pressure: the caller retries after deliveries */
                        atomic_fetch_sub(&b->refs, 1);
                        sl_tm_active_add(&b->task->metrics, (int64_t)produced);
                        return produced;
                }
                if (err) {
                        atomic_fetch_sub(&b->refs, 1);
                        fail_batch(b, "Failed to send record to Kafka: %s", rd_kafka_err2str(err));
                        destroy_unproduced_headers(b);
                        b->next_rec = b->n;
                        break;
                }
                r->headers = NULL; /* owned by librdkafka now */
                b->next_rec++;
                produced++;
        }
        sl_tm_active_add(&b->task->metrics, (int64_t)produced);
        /* all handed over: drop the producing guard taken at creation */
        b->handed_over = true;
        batch_unref(b);
        return produced;
}

bool sl_source_batch_produced_all(const sl_source_batch_t *b) {
        return b->handed_over;
}

void sl_source_batch_abandon(sl_source_batch_t *b) {
        if (b->handed_over)
                return;
        atomic_store(&b->failed, true);
        destroy_unproduced_headers(b);
        b->next_rec = b->n;
        b->handed_over = true;
        batch_unref(b);
}

/* Remembers the highest offset written to m's topic-partition. Records of
 * a batch nearly always go to one partition: the last entry is checked
 * first. An allocation failure leaves that partition out of the report. */
static void note_written(sl_source_batch_t *b, const rd_kafka_message_t *m) {
        const char *topic = rd_kafka_topic_name(m->rkt);
        written_t *w;

        for (size_t i = b->nwritten; i-- > 0;) {
                w = &b->written[i];
                if (w->partition == m->partition && !strcmp(w->topic, topic)) {
                        if (m->offset > w->offset)
                                w->offset = m->offset;
                        return;
                }
        }
        w = realloc(b->written, (b->nwritten + 1) * sizeof(*w));
        if (!w)
                return;
        b->written = w;
        w = &b->written[b->nwritten];
        if (!(w->topic = strdup(topic)))
                return;
        w->partition = m->partition;
        w->offset = m->offset;
        b->nwritten++;
}

void sl_source_batch_notify(sl_source_batch_t *b) {
        sl_task_t *t = b->task;
        sl_topic_partition_t stack[4] = {{0}}, *tps = stack;

        if (!b->track_written || b->notified)
                return;
        b->notified = true;
        if (b->nwritten > 4 && !(tps = malloc(b->nwritten * sizeof(*tps))))
                return;
        for (size_t i = 0; i < b->nwritten; i++)
                tps[i] = (sl_topic_partition_t){b->written[i].topic, b->written[i].partition,
                                                b->written[i].offset};
        t->plugin->source_delivered(t->state, b->partition, b->offset, tps, b->nwritten);
        if (tps != stack)
                free(tps);
}

void sl_source_batch_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        sl_source_batch_t *b = m->_private;

        if (!b) { /* an exactly-once task's offset record (source_txn.c) */
                sl_task_t *t = opaque;
                if (m->err && !atomic_exchange(&t->delivery_failed, true))
                        snprintf(t->delivery_err, sizeof(t->delivery_err),
                                 "Cannot write source offsets to %s: %s",
                                 rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
                return;
        }
        sl_tm_active_add(&b->task->metrics, -1);
        if (!m->err) {
                sl_tm_add(&b->task->metrics, SL_TM_SOURCE_WRITTEN, 1);
                sl_tm_add(&b->task->metrics, SL_TM_SOURCE_BYTES, m->len + m->key_len);
        }
        if (m->err) {
                /* KIP-779: errors.tolerance=all skips records the producer
                 * could not send (logged, offsets still advance) */
                sl_task_t *t = b->task;
                sl_errctx_t ctx = {.stage = SL_STAGE_KAFKA_PRODUCE,
                                   .class_name = "org.apache.kafka.clients.producer.KafkaProducer",
                                   .err = SL_ERR_KAFKA,
                                   .message = rd_kafka_err2str(m->err),
                                   .topic = rd_kafka_topic_name(m->rkt),
                                   .partition = m->partition};
                char why[400], detail[512];
                rd_kafka_resp_err_t ferr = rd_kafka_fatal_error(rk, why, sizeof(why));

                /* A fatal error (e.g. the idempotent producer lost its
                 * sequence) leaves the producer unable to send anything:
                 * tolerating it would skip every later record, so the
                 * task fails whatever errors.tolerance says (a new
                 * producer after a restart resends them). */
                if (ferr) {
                        snprintf(detail, sizeof(detail), "%s: %s", rd_kafka_err2str(ferr), why);
                        fail_batch(b, "Unrecoverable exception from producer send callback: "
                                      "Fatal error: %s", detail);
                }
                /* in a transaction a lost record dooms the whole
                 * transaction: skipping it is not possible */
                else if (t->txn || !sl_errh_tolerates_all(t->errh) ||
                         !sl_errh_report(t->errh, &ctx)) {
                        /* where it went, and for a timeout which setting
                         * decided it: the bare librdkafka text says neither */
                        snprintf(detail, sizeof(detail), "%s (topic %s, partition %d)%s",
                                 rd_kafka_err2str(m->err), rd_kafka_topic_name(m->rkt),
                                 (int)m->partition,
                                 m->err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT
                                         ? ": not delivered within delivery.timeout.ms"
                                         : "");
                        fail_batch(b, "Unrecoverable exception from producer send callback: %s",
                                   detail);
                }
        } else if (b->track_written) {
                note_written(b, m);
        }
        batch_unref(b);
}
