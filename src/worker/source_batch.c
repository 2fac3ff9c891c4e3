/* A source poll's records, converted at add time and produced without
 * copying: borrowed bytes stay in the plugin's held memory, converted
 * bytes in the batch arena, until the batch's last delivery report. */
#include <stdlib.h>
#include <string.h>

#include "worker/task_int.h"
#include "transform/chain.h"

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
        sl_json_free(b->partition);
        sl_json_free(b->offset);
        free(b);
}

static void batch_unref(sl_source_batch_t *b) {
        if (atomic_fetch_sub(&b->refs, 1) == 1) {
                release_memory(b);
                atomic_store(&b->done, true);
        }
}

static int convert(sl_source_batch_t *b, sl_converter_t *c, const char *topic,
                   const sl_data_t *d, slice_t *out) {
        const void *ptr;
        size_t len;
        bool borrowed;
        sl_task_t *t = b->task;

        sl_buf_reset(&b->scratch);
        if (sl_converter_from_data(c, topic, d, &b->scratch, &ptr, &len, &borrowed,
                                   t->convert_err, sizeof(t->convert_err)) != 0) {
                t->convert_failed = true;
                return SL_ERR_CONVERT;
        }
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

static int add_record(sl_source_batch_t *b, const sl_source_record_t *rec);

/* Header values as Connect data: the plugin's bytes, or whatever a
 * transform made of them. */
static int transformed_add(sl_source_batch_t *b, const sl_source_record_t *rec) {
        sl_xrecord_t x = {0};
        sl_source_record_t out;
        sl_header_t *hs = NULL;
        sl_buf_t *bufs = NULL;
        char err[sizeof(b->task->convert_err)];
        int rc;

        x.topic = strdup(rec->topic);
        x.partition = rec->partition;
        x.key_schema = rec->key.schema ? sl_json_dup(rec->key.schema) : NULL;
        x.key = rec->key.value ? sl_json_dup(rec->key.value) : NULL;
        x.value_schema = rec->value.schema ? sl_json_dup(rec->value.schema) : NULL;
        x.value = rec->value.value ? sl_json_dup(rec->value.value) : NULL;
        x.timestamp = rec->timestamp > 0 ? rec->timestamp : -1;
        for (size_t i = 0; i < rec->header_cnt; i++)
                sl_xrecord_add_header(&x, rec->headers[i].key, NULL,
                                      rec->headers[i].value
                                              ? sl_json_bytes(rec->headers[i].value,
                                                              rec->headers[i].value_len)
                                              : NULL);
        rc = sl_xchain_apply(b->task->chain, &x, err, sizeof(err));
        if (rc == 1) { /* filtered out: nothing to produce */
                rc = 0;
                goto out;
        }
        if (rc < 0) {
                snprintf(b->task->convert_err, sizeof(b->task->convert_err), "%s", err);
                b->task->convert_failed = true;
                rc = SL_ERR_CONVERT;
                goto out;
        }
        memset(&out, 0, sizeof(out));
        out.topic = x.topic;
        out.partition = x.partition;
        out.key = (sl_data_t){x.key_schema, x.key};
        out.value = (sl_data_t){x.value_schema, x.value};
        out.timestamp = x.timestamp < 0 ? 0 : x.timestamp;
        hs = calloc(x.header_cnt + 1, sizeof(*hs));
        bufs = calloc(x.header_cnt + 1, sizeof(*bufs));
        for (size_t i = 0; i < x.header_cnt; i++) {
                const sl_json_t *v = x.headers[i].value;
                hs[i].key = x.headers[i].key;
                if (!v || v->type == SL_JSON_NULL)
                        continue;
                if (v->type == SL_JSON_BYTES || v->type == SL_JSON_STRING) {
                        hs[i].value = v->u.str.ptr;
                        hs[i].value_len = v->u.str.len;
                } else { /* SimpleHeaderConverter writes other values as text */
                        sl_data_t d = {x.headers[i].schema, v};
                        sl_data_to_string(&d, &bufs[i]);
                        hs[i].value = bufs[i].data ? bufs[i].data : "";
                        hs[i].value_len = bufs[i].len;
                }
        }
        out.headers = hs;
        out.header_cnt = x.header_cnt;
        b->force_copy = true;
        rc = add_record(b, &out);
        b->force_copy = false;
out:
        for (size_t i = 0; bufs && i < x.header_cnt; i++)
                sl_buf_free(&bufs[i]);
        free(bufs);
        free(hs);
        sl_xrecord_clear(&x);
        return rc;
}

int sl_source_batch_add(sl_source_batch_t *b, const sl_source_record_t *rec) {
        if (b->task->chain && rec->topic && b->n < b->max) {
                /* a read-only view for the predicates: records no step
                 * touches keep the zero-copy path */
                sl_xheader_t hv[16];
                sl_json_t bv[16];
                sl_xrecord_t view = {
                        .topic = (char *)rec->topic,
                        .partition = rec->partition,
                        .key_schema = (sl_json_t *)rec->key.schema,
                        .key = (sl_json_t *)rec->key.value,
                        .value_schema = (sl_json_t *)rec->value.schema,
                        .value = (sl_json_t *)rec->value.value,
                        .timestamp = rec->timestamp > 0 ? rec->timestamp : -1,
                };
                bool touched;

                if (rec->header_cnt > 16)
                        return transformed_add(b, rec);
                for (size_t i = 0; i < rec->header_cnt; i++) {
                        bv[i] = SL_JSON_BYTES_REF(rec->headers[i].value,
                                                  rec->headers[i].value_len);
                        hv[i] = (sl_xheader_t){(char *)rec->headers[i].key, NULL,
                                               rec->headers[i].value ? &bv[i] : NULL};
                }
                view.headers = hv;
                view.header_cnt = rec->header_cnt;
                touched = sl_xchain_touches(b->task->chain, &view);
                if (touched)
                        return transformed_add(b, rec);
        }
        return add_record(b, rec);
}

static int add_record(sl_source_batch_t *b, const sl_source_record_t *rec) {
        rec_t *r;

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
        if (convert(b, b->task->key_conv, rec->topic, &rec->key, &r->key) != 0 ||
            convert(b, b->task->value_conv, rec->topic, &rec->value, &r->value) != 0)
                return SL_ERR_CONVERT;
        if (rec->header_cnt > 0) {
                r->headers = rd_kafka_headers_new(rec->header_cnt);
                for (size_t i = 0; i < rec->header_cnt; i++)
                        rd_kafka_header_add(r->headers, rec->headers[i].key, -1,
                                            rec->headers[i].value,
                                            (ssize_t)rec->headers[i].value_len);
        }
        b->n++;
        return 0;
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
        return b->max - b->n;
}

bool sl_source_batch_empty(const sl_source_batch_t *b) {
        return b->n == 0 && !b->offset;
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
        if (!atomic_exchange(&t->delivery_failed, true))
                snprintf(t->delivery_err, sizeof(t->delivery_err), fmt, detail);
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

        if (b->handed_over)
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

void sl_source_batch_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        sl_source_batch_t *b = m->_private;
        (void)rk;
        (void)opaque;

        if (m->err)
                fail_batch(b, "Unrecoverable exception from producer send callback: %s",
                           rd_kafka_err2str(m->err));
        batch_unref(b);
}
