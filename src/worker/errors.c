/* Kafka Connect's error handling for a task (errors.* keys): see errors.h.
 * The dead letter queue producer is the task's own (Kafka Connect's
 * DeadLetterQueueReporter), so its deliveries can be awaited before the
 * sink commits offsets past the records it carries. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "distributed/klog.h"
#include "worker/errors.h"
#include "worker/task_int.h"

#define LOGGER "LogReporter"
#define RETRY_DELAY_MIN_MS 300
#define DLQ_CREATE_TIMEOUT_MS 30000

struct sl_errh {
        sl_task_t *t;
        bool tolerate_all;
        bool log_enable, log_messages;
        int64_t retry_timeout_ms; /* -1: forever */
        int64_t retry_delay_max_ms;
        char *dlq_topic;
        bool dlq_headers;
        rd_kafka_t *dlq; /* producer, NULL without a dead letter queue */
        atomic_bool dlq_failed;
        char dlq_err[512];
        atomic_int_fast64_t skipped;
        char *key_class, *value_class;
};

static const char *const stage_names[] = {
        "KEY_CONVERTER", "VALUE_CONVERTER", "HEADER_CONVERTER", "TRANSFORMATION",
        "TASK_PUT",      "TASK_POLL",       "KAFKA_PRODUCE",    "KAFKA_CONSUME",
};

const char *sl_stage_name(sl_stage_t s) {
        return (unsigned)s < sizeof(stage_names) / sizeof(stage_names[0]) ? stage_names[s]
                                                                            : "UNKNOWN";
}

static void dlq_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        sl_errh_t *h = opaque;
        (void)rk;
        if (m->err)
                sl_tm_add(&h->t->metrics, SL_TM_ERR_DLQ_FAILURES, 1);
        if (m->err && !atomic_exchange(&h->dlq_failed, true))
                snprintf(h->dlq_err, sizeof(h->dlq_err),
                         "Could not produce message to dead letter queue. topic=%s: %s",
                         h->dlq_topic, rd_kafka_err2str(m->err));
}

/* Kafka Connect creates the queue's topic (one partition) at task start;
 * a worker without the right to create topics can still use an existing
 * one. */
static int dlq_start(sl_errh_t *h, const sl_strmap_t *config, char *errstr, size_t errstr_size) {
        sl_task_t *t = h->t;
        char err[512];
        rd_kafka_conf_t *conf;

        if (sl_worker_topic_ensure(
                    t->worker, NULL, h->dlq_topic, 1,
                    (int)sl_config_long(config, "errors.deadletterqueue.topic.replication.factor",
                                        3),
                    false, DLQ_CREATE_TIMEOUT_MS, err, sizeof(err)) < 0)
                sl_warn(LOGGER, "%s-%d: dead letter queue topic %s %s (the producer may still "
                                "reach it)",
                        t->connector, t->id, h->dlq_topic, err);
        conf = sl_worker_producer_conf(t->worker, t->connector, t->id, config, errstr,
                                       errstr_size);
        if (!conf)
                return SL_ERR_CONFIG;
        snprintf(err, sizeof(err), "connector-dlq-producer-%s-%d", t->connector, t->id);
        rd_kafka_conf_set(conf, "client.id", err, NULL, 0);
        rd_kafka_conf_set_dr_msg_cb(conf, dlq_dr_cb);
        rd_kafka_conf_set_opaque(conf, h);
        h->dlq = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!h->dlq) {
                rd_kafka_conf_destroy(conf);
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot create the dead letter queue producer: %s", err);
        }
        return 0;
}

static const char *converter_class(sl_task_t *t, const sl_strmap_t *config, const char *key) {
        const char *c = sl_strmap_get(config, key);
        if (!c || !*c)
                c = sl_strmap_get(sl_worker_config(t->worker), key);
        return c && *c ? c : "null";
}

sl_errh_t *sl_errh_new(sl_task_t *t, const sl_strmap_t *config, bool sink, char *errstr,
                       size_t errstr_size) {
        sl_errh_t *h = calloc(1, sizeof(*h));
        const char *tol = sl_strmap_get(config, "errors.tolerance");
        const char *dlq = sl_strmap_get(config, "errors.deadletterqueue.topic.name");

        if (!h) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                return NULL;
        }
        h->t = t;
        h->tolerate_all = tol && !strcasecmp(tol, "all");
        h->log_enable = sl_config_bool(config, "errors.log.enable", false);
        h->log_messages = sl_config_bool(config, "errors.log.include.messages", false);
        h->retry_timeout_ms = sl_config_long(config, "errors.retry.timeout", 0);
        h->retry_delay_max_ms = sl_config_long(config, "errors.retry.delay.max.ms", 60000);
        h->dlq_headers =
                sl_config_bool(config, "errors.deadletterqueue.context.headers.enable", false);
        h->key_class = strdup(converter_class(t, config, "key.converter"));
        h->value_class = strdup(converter_class(t, config, "value.converter"));
        atomic_init(&h->dlq_failed, false);
        atomic_init(&h->skipped, 0);
        if (sink && dlq && *dlq) {
                h->dlq_topic = strdup(dlq);
                if (dlq_start(h, config, errstr, errstr_size) != 0) {
                        sl_errh_destroy(h);
                        return NULL;
                }
        }
        return h;
}

void sl_errh_destroy(sl_errh_t *h) {
        if (!h)
                return;
        if (h->dlq) {
                char err[512];
                if (sl_errh_flush(h, 5000, err, sizeof(err)) != 0)
                        sl_error(LOGGER, "%s-%d: %s", h->t->connector, h->t->id,
                                 rd_kafka_outq_len(h->dlq) > 0
                                         ? "records for the dead letter queue were still "
                                           "in flight at shutdown"
                                         : err);
                rd_kafka_destroy(h->dlq);
        }
        free(h->dlq_topic);
        free(h->key_class);
        free(h->value_class);
        free(h);
}

static bool should_retry(const sl_errh_t *h, sl_retry_t *r, int64_t now) {
        int64_t delay = RETRY_DELAY_MIN_MS;

        if (h->retry_timeout_ms == 0)
                return false;
        if (h->retry_timeout_ms > 0 && now >= r->first_ms + h->retry_timeout_ms)
                return false;
        for (int i = 1; i < r->attempts && delay < h->retry_delay_max_ms; i++)
                delay *= 2;
        if (delay > h->retry_delay_max_ms)
                delay = h->retry_delay_max_ms;
        r->retry_at = now + delay;
        if (h->retry_timeout_ms > 0 && r->retry_at > r->first_ms + h->retry_timeout_ms)
                r->retry_at = r->first_ms + h->retry_timeout_ms;
        return true;
}

int sl_errh_handle(sl_errh_t *h, sl_retry_t *r, const sl_errctx_t *ctx) {
        if (ctx->err == SL_ERR_RETRIABLE) {
                int64_t now = sl_now_ms();
                if (!r->first_ms)
                        r->first_ms = now;
                r->attempts++;
                if (should_retry(h, r, now)) {
                        sl_tm_add(&h->t->metrics, SL_TM_ERR_RECORD_FAILURES, 1);
                        sl_debug(LOGGER, "%s-%d: %s failed (retrying, attempt %d): %s",
                                 h->t->connector, h->t->id, sl_stage_name(ctx->stage),
                                 r->attempts, ctx->message ? ctx->message : "");
                        return 1;
                }
        }
        memset(r, 0, sizeof(*r));
        return sl_errh_report(h, ctx) ? 0 : -1;
}

static const char *exception_class(const sl_errctx_t *c) {
        if (c->err == SL_ERR_RETRIABLE)
                return "org.apache.kafka.connect.errors.RetriableException";
        if (c->stage == SL_STAGE_KAFKA_PRODUCE)
                return "org.apache.kafka.common.KafkaException";
        return "org.apache.kafka.connect.errors.DataException";
}

/* Kafka's ProcessingContext.toString(includeMessage). */
static void describe(const sl_errctx_t *c, bool with_record, sl_buf_t *out) {
        sl_buf_printf(out, "Executing stage '%s' with class '%s'", sl_stage_name(c->stage),
                      c->class_name ? c->class_name : "null");
        if (with_record && c->consumed) {
                const rd_kafka_message_t *m = c->consumed;
                rd_kafka_timestamp_type_t tt;
                int64_t ts = rd_kafka_message_timestamp(m, &tt);

                sl_buf_printf(out, ", where consumed record is {topic='%s', partition=%d, offset=%" PRId64,
                              rd_kafka_topic_name(m->rkt), (int)m->partition, m->offset);
                if (tt != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE)
                        sl_buf_printf(out, ", timestamp=%" PRId64 ", timestampType=%s", ts,
                                      tt == RD_KAFKA_TIMESTAMP_CREATE_TIME ? "CreateTime"
                                                                           : "LogAppendTime");
                sl_buf_puts(out, "}");
        } else if (with_record && c->source) {
                const sl_source_record_t *r = c->source;
                sl_buf_printf(out, ", where source record is = SourceRecord{topic='%s', "
                                   "kafkaPartition=",
                              r->topic ? r->topic : "null");
                if (r->partition >= 0)
                        sl_buf_printf(out, "%d", (int)r->partition);
                else
                        sl_buf_puts(out, "null");
                sl_buf_puts(out, ", key=");
                sl_data_to_string(&r->key, out);
                sl_buf_puts(out, ", value=");
                sl_data_to_string(&r->value, out);
                sl_buf_printf(out, ", headers=%zu}", r->header_cnt);
        } else if (with_record && c->topic) {
                sl_buf_printf(out, ", where the record was sent to topic '%s'", c->topic);
        }
        sl_buf_putc(out, '.');
}

static void add_header(rd_kafka_headers_t *hs, const char *name, const char *value) {
        rd_kafka_header_add(hs, name, -1, value, -1);
}

/* The original key, value, timestamp and headers, plus the context
 * headers when enabled. */
static int dlq_send(sl_errh_t *h, const sl_errctx_t *c) {
        const rd_kafka_message_t *m = c->consumed;
        rd_kafka_headers_t *orig = NULL, *hs;
        rd_kafka_timestamp_type_t tt;
        int64_t ts = rd_kafka_message_timestamp(m, &tt);
        rd_kafka_resp_err_t err;
        char num[32];

        if (rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR && orig)
                hs = rd_kafka_headers_copy(orig);
        else
                hs = rd_kafka_headers_new(h->dlq_headers ? 10 : 0);
        if (h->dlq_headers) {
                sl_buf_t trace = SL_BUF_INIT;

                add_header(hs, "__connect.errors.topic", rd_kafka_topic_name(m->rkt));
                snprintf(num, sizeof(num), "%d", (int)m->partition);
                add_header(hs, "__connect.errors.partition", num);
                snprintf(num, sizeof(num), "%" PRId64, m->offset);
                add_header(hs, "__connect.errors.offset", num);
                add_header(hs, "__connect.errors.connector.name", h->t->connector);
                snprintf(num, sizeof(num), "%d", h->t->id);
                add_header(hs, "__connect.errors.task.id", num);
                add_header(hs, "__connect.errors.stage", sl_stage_name(c->stage));
                add_header(hs, "__connect.errors.class.name",
                           c->class_name ? c->class_name : "null");
                add_header(hs, "__connect.errors.exception.class.name", exception_class(c));
                add_header(hs, "__connect.errors.exception.message",
                           c->message ? c->message : "");
                sl_buf_printf(&trace, "%s: %s\n\tat ", exception_class(c),
                              c->message ? c->message : "");
                describe(c, false, &trace);
                add_header(hs, "__connect.errors.exception.stacktrace",
                           trace.data ? trace.data : "");
                sl_buf_free(&trace);
        }
        for (int tries = 0;; tries++) {
                err = rd_kafka_producev(
                        h->dlq, RD_KAFKA_V_TOPIC(h->dlq_topic),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_KEY(m->key, m->key_len),
                        RD_KAFKA_V_VALUE(m->payload, m->len),
                        RD_KAFKA_V_TIMESTAMP(tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? 0 : ts),
                        RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_END);
                /* a full queue drains in well under the retries' wait */
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || tries >= 100)
                        break;
                rd_kafka_poll(h->dlq, 10);
        }
        rd_kafka_poll(h->dlq, 0);
        sl_tm_add(&h->t->metrics, SL_TM_ERR_DLQ_REQUESTS, 1);
        if (err) {
                sl_tm_add(&h->t->metrics, SL_TM_ERR_DLQ_FAILURES, 1);
                rd_kafka_headers_destroy(hs);
                if (!atomic_exchange(&h->dlq_failed, true))
                        snprintf(h->dlq_err, sizeof(h->dlq_err),
                                 "Could not produce message to dead letter queue. topic=%s: %s",
                                 h->dlq_topic, rd_kafka_err2str(err));
                return SL_ERR_KAFKA;
        }
        return 0;
}

bool sl_errh_report(sl_errh_t *h, const sl_errctx_t *c) {
        sl_task_t *t = h->t;
        sl_buf_t ctx = SL_BUF_INIT;
        bool ok;

        sl_tm_add(&t->metrics, SL_TM_ERR_RECORD_FAILURES, 1);
        sl_tm_add(&t->metrics, SL_TM_ERR_RECORD_ERRORS, 1);
        if (h->log_enable) {
                sl_tm_add(&t->metrics, SL_TM_ERR_ERRORS_LOGGED, 1);
                describe(c, h->log_messages, &ctx);
                sl_error(LOGGER, "Error encountered in task %s-%d. %s %s: %s", t->connector, t->id,
                         ctx.data, exception_class(c), c->message ? c->message : "");
                sl_buf_reset(&ctx);
        }
        ok = h->tolerate_all;
        if (ok && h->dlq && c->consumed && dlq_send(h, c) != 0) {
                sl_task_fail(t, "%s", h->dlq_err);
                ok = false;
        } else if (!ok) {
                describe(c, true, &ctx);
                sl_task_fail(t, "Tolerance exceeded in error handler. %s\nCaused by: %s: %s",
                             ctx.data, exception_class(c), c->message ? c->message : "");
        }
        if (ok) {
                atomic_fetch_add(&h->skipped, 1);
                sl_tm_add(&t->metrics, SL_TM_ERR_RECORDS_SKIPPED, 1);
        }
        sl_buf_free(&ctx);
        return ok;
}

int sl_errh_flush(sl_errh_t *h, int timeout_ms, char *errstr, size_t errstr_size) {
        if (!h || !h->dlq)
                return 0;
        rd_kafka_flush(h->dlq, timeout_ms);
        if (atomic_load(&h->dlq_failed))
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "%s", h->dlq_err);
        if (rd_kafka_outq_len(h->dlq) > 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_TIMEOUT,
                                 "%d record(s) for the dead letter queue still in flight",
                                 rd_kafka_outq_len(h->dlq));
        return 0;
}

int64_t sl_errh_skipped(const sl_errh_t *h) {
        return h ? atomic_load(&h->skipped) : 0;
}

bool sl_errh_tolerates_all(const sl_errh_t *h) {
        return h && h->tolerate_all;
}

const char *sl_errh_converter_class(const sl_errh_t *h, bool key) {
        return !h ? "null" : key ? h->key_class : h->value_class;
}
