/* Sink task loop: consume, convert, put, and commit consumed offsets only
 * after the plugin's flush made them durable. */
#include <stdlib.h>
#include <string.h>

#include "worker/task_int.h"
#include "worker/task_xform.h"

#define LOGGER "sink-task"
#define MAX_BATCH 4096

struct sink_run {
        sl_task_t *t;
        /* next offset to commit per assigned partition (offset -1001 when
         * nothing consumed yet) */
        rd_kafka_topic_partition_list_t *positions;
        bool paused_applied;
        bool failed;
        bool closing; /* shutting down: never block on the coordinator */
        /* consumed messages; msgs[next..n) are not put yet (waiting to
         * retry a retriable failure at retry_at) */
        rd_kafka_message_t **msgs;
        /* msgs[i] was skipped or filtered: a put retried after
         * SL_ERR_RETRIABLE must not report or dead-letter it again */
        bool *dropped;
        size_t n, next;
        sl_retry_t retry;
        /* during sink_open: the partitions being assigned, whose start
         * offsets sl_task_sink_seek may set */
        rd_kafka_topic_partition_list_t *opening;
        int64_t put_retry_ms; /* sl_task_sink_retry_after, for this put */
};

static void tps_from_list(const rd_kafka_topic_partition_list_t *l, sl_topic_partition_t **out) {
        *out = calloc((size_t)l->cnt + 1, sizeof(**out));
        for (int i = 0; *out && i < l->cnt; i++) {
                (*out)[i].topic = l->elems[i].topic;
                (*out)[i].partition = l->elems[i].partition;
                (*out)[i].offset = l->elems[i].offset;
        }
}

/* The plugin's say on what is durable (preCommit): offsets it lowers are
 * committed lower, those it sets below 0 not at all. */
static void precommit(sl_task_t *t, rd_kafka_topic_partition_list_t *commit) {
        sl_topic_partition_t *tps = NULL;

        tps_from_list(commit, &tps);
        if (!tps)
                return;
        t->plugin->sink_precommit(t->state, tps, (size_t)commit->cnt);
        for (int i = commit->cnt - 1; i >= 0; i--) {
                if (tps[i].offset < 0)
                        rd_kafka_topic_partition_list_del_by_idx(commit, i);
                else if (tps[i].offset < commit->elems[i].offset)
                        commit->elems[i].offset = tps[i].offset;
        }
        free(tps);
}

/* Flush the plugin, then commit what it has made durable. A sync commit
 * (rebalance) makes sure the next owner starts after it; otherwise the
 * commit is async as in Kafka Connect, so an unreachable coordinator never
 * stalls the task: a commit that fails only means redelivery. */
static int flush_and_commit(sink_run_t *s, bool sync) {
        sl_task_t *t = s->t;
        char err[1024] = "";
        rd_kafka_topic_partition_list_t *commit;
        rd_kafka_resp_err_t kerr;

        if (s->failed)
                return -1;
        if (t->plugin->sink_flush && t->plugin->sink_flush(t->state, err, sizeof(err)) != 0) {
                sl_task_fail(t, "Flush failed, offsets not committed: %s", err);
                s->failed = true;
                return -1;
        }
        /* records sent to the dead letter queue must be there before the
         * offsets move past them */
        switch (sl_errh_flush(t->errh, sync ? (int)sl_worker_shutdown_timeout_ms(t->worker) : 0,
                              err, sizeof(err))) {
        case 0:
                break;
        case SL_ERR_TIMEOUT:
                sl_debug(LOGGER, "%s-%d: commit deferred: %s", t->connector, t->id, err);
                return 0;
        default:
                sl_task_fail(t, "%s", err);
                s->failed = true;
                return -1;
        }
        commit = rd_kafka_topic_partition_list_new(s->positions->cnt);
        for (int i = 0; i < s->positions->cnt; i++)
                if (s->positions->elems[i].offset >= 0)
                        rd_kafka_topic_partition_list_add(commit, s->positions->elems[i].topic,
                                                          s->positions->elems[i].partition)
                                ->offset = s->positions->elems[i].offset;
        if (t->plugin->sink_precommit && commit->cnt > 0)
                precommit(t, commit);
        if (commit->cnt > 0) {
                kerr = rd_kafka_commit(t->rk, commit, !(sync && !s->closing));
                if (kerr && kerr != RD_KAFKA_RESP_ERR__NO_OFFSET)
                        sl_warn(LOGGER, "%s-%d: offset commit failed (will retry): %s",
                                t->connector, t->id, rd_kafka_err2str(kerr));
        }
        rd_kafka_topic_partition_list_destroy(commit);
        return 0;
}

static void positions_remove(sink_run_t *s, const rd_kafka_topic_partition_list_t *parts) {
        for (int i = 0; i < parts->cnt; i++)
                rd_kafka_topic_partition_list_del(s->positions, parts->elems[i].topic,
                                                  parts->elems[i].partition);
}

static void drop_pending(sink_run_t *s) {
        for (size_t i = s->next; i < s->n; i++)
                rd_kafka_message_destroy(s->msgs[i]);
        s->n = s->next = 0;
        memset(&s->retry, 0, sizeof(s->retry));
}

/* Messages still waiting to be put when partitions go: those of revoked
 * partitions belong to the next owner; the others are read again from
 * the first one not put (the consumer's position is past them). */
static void forget_pending(sink_run_t *s, rd_kafka_t *rk,
                           const rd_kafka_topic_partition_list_t *revoked) {
        rd_kafka_topic_partition_list_t *seek;

        if (s->next == s->n)
                return;
        seek = rd_kafka_topic_partition_list_new(4);
        for (size_t i = s->next; i < s->n; i++) {
                rd_kafka_message_t *m = s->msgs[i];
                const char *topic = rd_kafka_topic_name(m->rkt);
                if (!rd_kafka_topic_partition_list_find(revoked, topic, m->partition) &&
                    !rd_kafka_topic_partition_list_find(seek, topic, m->partition))
                        rd_kafka_topic_partition_list_add(seek, topic, m->partition)->offset =
                                m->offset;
        }
        if (seek->cnt > 0) {
                rd_kafka_error_t *e = rd_kafka_seek_partitions(rk, seek, 5000);
                if (e) {
                        sl_warn(LOGGER, "%s-%d: cannot rewind to messages not put yet: %s",
                                s->t->connector, s->t->id, rd_kafka_error_string(e));
                        rd_kafka_error_destroy(e);
                }
        }
        rd_kafka_topic_partition_list_destroy(seek);
        drop_pending(s);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        sink_run_t *s = opaque;
        sl_task_t *t = s->t;
        bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
        sl_topic_partition_t *tps = NULL;

        tps_from_list(parts, &tps);
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                for (int i = 0; i < parts->cnt; i++)
                        rd_kafka_topic_partition_list_add(s->positions, parts->elems[i].topic,
                                                          parts->elems[i].partition)
                                ->offset = RD_KAFKA_OFFSET_INVALID;
                if (t->plugin->sink_open && tps) {
                        s->opening = parts;
                        t->plugin->sink_open(t->state, tps, (size_t)parts->cnt);
                        s->opening = NULL;
                }
                if (cooperative)
                        rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
                else
                        rd_kafka_assign(rk, parts);
                if (atomic_load(&t->paused))
                        rd_kafka_pause_partitions(rk, parts);
                sl_info(LOGGER, "%s-%d: assigned %d partition(s)", t->connector, t->id,
                        parts->cnt);
        } else {
                forget_pending(s, rk, parts);
                flush_and_commit(s, true);
                if (t->plugin->sink_close && tps)
                        t->plugin->sink_close(t->state, tps, (size_t)parts->cnt);
                positions_remove(s, parts);
                if (cooperative)
                        rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
                else
                        rd_kafka_assign(rk, NULL);
        }
        free(tps);
}

int sl_task_sink_seek(sl_task_ctx_t *ctx, const char *topic, int32_t partition, int64_t offset) {
        rd_kafka_topic_partition_t *p;

        if (!ctx || !ctx->sink || !ctx->sink->opening)
                return SL_ERR_STATE;
        if (!(p = rd_kafka_topic_partition_list_find(ctx->sink->opening, topic, partition)))
                return SL_ERR_NOT_FOUND;
        p->offset = offset;
        sl_debug(LOGGER, "%s-%d: %s-%d starts at offset %lld (set by the connector)",
                 ctx->connector, ctx->id, topic, (int)partition, (long long)offset);
        return 0;
}

void sl_task_sink_retry_after(sl_task_ctx_t *ctx, int64_t ms) {
        if (ctx && ctx->sink)
                ctx->sink->put_retry_ms = ms < 0 ? 0 : ms;
}

static void position_set(sink_run_t *s, const char *topic, int32_t partition, int64_t next) {
        rd_kafka_topic_partition_t *p =
                rd_kafka_topic_partition_list_find(s->positions, topic, partition);
        if (p)
                p->offset = next;
}

static int subscribe(sl_task_t *t, char *err, size_t errlen) {
        const char *topics = sl_strmap_get(t->config, "topics");
        const char *regex = sl_strmap_get(t->config, "topics.regex");
        rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(4);
        rd_kafka_resp_err_t kerr;

        if (regex && *regex) {
                /* librdkafka treats a leading ^ as a regex; Java matches the
                 * whole name */
                char *re = NULL;
                if (asprintf(&re, "^(%s)$", regex) < 0)
                        re = NULL;
                if (re)
                        rd_kafka_topic_partition_list_add(sub, re, RD_KAFKA_PARTITION_UA);
                free(re);
        } else {
                char **items = NULL;
                int n = sl_config_list(topics, &items);
                for (int i = 0; i < n; i++)
                        rd_kafka_topic_partition_list_add(sub, items[i], RD_KAFKA_PARTITION_UA);
                sl_config_list_free(items, n);
        }
        kerr = rd_kafka_subscribe(t->rk, sub);
        rd_kafka_topic_partition_list_destroy(sub);
        if (kerr)
                return sl_seterr(err, errlen, SL_ERR_KAFKA, "Cannot subscribe: %s",
                                 rd_kafka_err2str(kerr));
        return 0;
}

static void apply_pause(sink_run_t *s) {
        bool want = atomic_load(&s->t->paused);
        rd_kafka_topic_partition_list_t *a = NULL;

        if (want == s->paused_applied)
                return;
        if (rd_kafka_assignment(s->t->rk, &a) == 0 && a) {
                if (want)
                        rd_kafka_pause_partitions(s->t->rk, a);
                else
                        rd_kafka_resume_partitions(s->t->rk, a);
                rd_kafka_topic_partition_list_destroy(a);
        }
        s->paused_applied = want;
}

/* Headers of m as sl_header_t views into the message (valid while m is). */
static size_t message_headers(rd_kafka_message_t *m, sl_header_t **out) {
        rd_kafka_headers_t *hdrs = NULL;
        size_t n;

        *out = NULL;
        if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs)
                return 0;
        n = rd_kafka_header_cnt(hdrs);
        *out = calloc(n ? n : 1, sizeof(**out));
        for (size_t i = 0; *out && i < n; i++) {
                const void *v;
                size_t len;
                rd_kafka_header_get_all(hdrs, i, &(*out)[i].key, &v, &len);
                (*out)[i].value = v;
                (*out)[i].value_len = len;
        }
        return *out ? n : 0;
}

/* A failed stage on message m: 1 to retry it later (retriable, budget
 * left), 0 when the error handler skipped it (logged, maybe sent to the
 * dead letter queue), < 0 when the task failed. */
static int stage_failed(sink_run_t *s, rd_kafka_message_t *m, sl_stage_t stage,
                        const char *cls, int rc, const char *msg) {
        sl_errctx_t ctx = {.stage = stage, .class_name = cls, .err = rc, .message = msg,
                           .consumed = m};

        return sl_errh_handle(s->t->errh, &s->retry, &ctx);
}

/* What one put holds per message: converted data, the transformed copy
 * and header views; freed after the put. */
typedef struct put_slot {
        sl_json_t *nodes[4];
        sl_header_t *headers;
        sl_xrecord_t x;
        sl_xheaders_t xh;
        bool transformed;
} put_slot_t;

static void slot_clear(put_slot_t *p) {
        for (int k = 0; k < 4; k++)
                sl_json_free(p->nodes[k]);
        free(p->headers);
        if (p->transformed) {
                sl_xheaders_free(&p->xh);
                sl_xrecord_clear(&p->x);
        }
        memset(p, 0, sizeof(*p));
}

/* Converts (and transforms) message m into rec: 0 (rec ready), 2 (the
 * record is skipped or filtered: nothing to put), 1 (retry later), < 0
 * (the task failed). */
static int build_record(sink_run_t *s, rd_kafka_message_t *m, put_slot_t *p,
                        sl_sink_record_t *rec) {
        sl_task_t *t = s->t;
        const char *topic = rd_kafka_topic_name(m->rkt);
        rd_kafka_timestamp_type_t tstype;
        char err[1024] = "";
        int rc;

        rec->topic = topic;
        rec->partition = m->partition;
        rec->offset = m->offset;
        rec->timestamp = rd_kafka_message_timestamp(m, &tstype);
        rec->header_cnt = message_headers(m, &p->headers);
        rec->headers = p->headers;
        rc = sl_converter_to_data(t->key_conv, topic, m->key, m->key_len, &p->nodes[0],
                                  &p->nodes[1], err, sizeof(err));
        if (rc != 0) {
                rc = stage_failed(s, m, SL_STAGE_KEY_CONVERTER,
                                  sl_errh_converter_class(t->errh, true), rc, err);
                return rc == 0 ? 2 : rc;
        }
        rc = sl_converter_to_data(t->value_conv, topic, m->payload, m->len, &p->nodes[2],
                                  &p->nodes[3], err, sizeof(err));
        if (rc != 0) {
                rc = stage_failed(s, m, SL_STAGE_VALUE_CONVERTER,
                                  sl_errh_converter_class(t->errh, false), rc, err);
                return rc == 0 ? 2 : rc;
        }
        rec->key = (sl_data_t){p->nodes[0], p->nodes[1]};
        rec->value = (sl_data_t){p->nodes[2], p->nodes[3]};
        if (t->chain) {
                sl_recview_t v = {topic, m->partition, &rec->key, &rec->value,
                                  rec->timestamp, rec->headers, rec->header_cnt};
                if (!sl_task_chain_touches(t->chain, &v))
                        return 0;
                p->transformed = true;
                if (sl_task_xrecord_fill(&p->x, &v) != 0) {
                        sl_task_fail(t, "Out of memory");
                        return -1;
                }
                rc = sl_xchain_apply(t->chain, &p->x, err, sizeof(err));
                if (rc == 1)
                        return 2;
                if (rc < 0) {
                        rc = stage_failed(s, m, SL_STAGE_TRANSFORMATION,
                                          sl_xchain_failed_class(t->chain), rc, err);
                        return rc == 0 ? 2 : rc;
                }
                if (sl_xheaders_view(&p->xh, &p->x) != 0) {
                        sl_task_fail(t, "Out of memory");
                        return -1;
                }
                /* the consumed position stays the message's own */
                rec->topic = p->x.topic;
                rec->partition = p->x.partition < 0 ? m->partition : p->x.partition;
                rec->timestamp = p->x.timestamp;
                rec->key = (sl_data_t){p->x.key_schema, p->x.key};
                rec->value = (sl_data_t){p->x.value_schema, p->x.value};
                rec->headers = p->xh.hs;
                rec->header_cnt = p->xh.n;
        }
        memset(&s->retry, 0, sizeof(s->retry));
        return 0;
}

/* Converts and puts the messages not put yet (s->msgs[next..n)). Stops
 * early at a message whose conversion is to be retried; returns false
 * when the task failed. */
static bool put_batch(sink_run_t *s) {
        sl_task_t *t = s->t;
        rd_kafka_message_t **msgs = s->msgs + s->next;
        size_t n = s->n - s->next, nrec = 0, done = 0;
        sl_sink_record_t *recs = calloc(n, sizeof(*recs));
        put_slot_t *slots = calloc(n, sizeof(*slots));
        char err[1024] = "";
        bool ok = recs && slots;

        if (!ok)
                sl_task_fail(t, "Out of memory");
        for (size_t i = 0; ok && i < n; i++) {
                int rc;

                if (s->dropped[s->next + i]) {
                        done++;
                        continue;
                }
                sl_task_track_topic(t, rd_kafka_topic_name(msgs[i]->rkt));
                rc = build_record(s, msgs[i], &slots[nrec], &recs[nrec]);
                if (rc == 1)
                        break;
                if (rc < 0) {
                        ok = false;
                        break;
                }
                done++;
                if (rc == 2) {
                        slot_clear(&slots[nrec]);
                        s->dropped[s->next + i] = true;
                } else
                        nrec++;
        }
        if (ok && nrec > 0) {
                int rc;
                s->put_retry_ms = -1;
                rc = t->plugin->sink_put(t->state, recs, nrec, err, sizeof(err));
                if (rc == 0)
                        sl_tm_add(&t->metrics, SL_TM_SINK_PUT, nrec);
                if (rc == SL_ERR_RETRIABLE) {
                        /* the whole batch again later; the shard moves on */
                        int64_t delay = s->put_retry_ms >= 0 ? s->put_retry_ms : 1000;
                        sl_debug(LOGGER, "%s-%d: put to be retried in %lld ms: %s", t->connector,
                                 t->id, (long long)delay, err);
                        s->retry.retry_at = sl_now_ms() + delay;
                        done = 0;
                } else if (rc != 0) {
                        sl_task_fail(t, "%s", *err ? err : "sink put failed");
                        ok = false;
                }
        }
        if (ok) {
                /* skipped and filtered records are done with too */
                for (size_t i = 0; i < done; i++)
                        position_set(s, rd_kafka_topic_name(msgs[i]->rkt), msgs[i]->partition,
                                     msgs[i]->offset + 1);
                s->next += done;
        }
        for (size_t i = 0; slots && i < n; i++)
                slot_clear(&slots[i]);
        free(slots);
        free(recs);
        return ok;
}

/* Gather up to MAX_BATCH messages: wait for the first, then take what is
 * already fetched. */
static size_t consume_some(sink_run_t *s, rd_kafka_message_t **msgs) {
        size_t n = 0, bytes = 0;

        while (n < MAX_BATCH) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(s->t->rk, 0);
                if (!m)
                        break;
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                sl_warn(LOGGER, "%s-%d: consumer: %s", s->t->connector, s->t->id,
                                        rd_kafka_message_errstr(m));
                        rd_kafka_message_destroy(m);
                        continue;
                }
                bytes += m->len + m->key_len;
                msgs[n++] = m;
        }
        if (n > 0) {
                sl_tm_add(&s->t->metrics, SL_TM_SINK_READ, n);
                sl_tm_add(&s->t->metrics, SL_TM_SINK_BYTES, bytes);
        }
        return n;
}

int sl_sink_task_step(void *task) {
        sl_task_t *t = task;
        sink_run_t *s = t->sink;
        bool ok = true;
        int did = 0;

        if (t->finished)
                return 0;
        apply_pause(s);
        atomic_store(&t->status, s->paused_applied ? SL_STATE_PAUSED : SL_STATE_RUNNING);
        if (s->next < s->n) {
                /* a retriable failure holds the rest of the batch back */
                if (sl_now_ms() >= s->retry.retry_at) {
                        ok = put_batch(s);
                        did = 1;
                }
        } else {
                s->n = consume_some(s, s->msgs);
                memset(s->dropped, 0, s->n * sizeof(*s->dropped));
                s->next = 0;
                if (s->n > 0) {
                        ok = put_batch(s);
                        did = 1;
                }
        }
        if (s->next == s->n) {
                for (size_t i = 0; i < s->n; i++)
                        rd_kafka_message_destroy(s->msgs[i]);
                s->n = s->next = 0;
        }
        if (!ok || s->failed) {
                s->failed = true;
                t->finished = true;
                return 1;
        }
        if (sl_now_ms() - t->last_commit >= sl_worker_flush_interval_ms(t->worker)) {
                flush_and_commit(s, false);
                t->last_commit = sl_now_ms();
        }
        return did;
}

static void commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque) {
        sink_run_t *s = opaque;
        (void)rk;
        (void)offsets;
        if (!err)
                sl_tm_add(&s->t->metrics, SL_TM_SINK_COMMITS, 1);
        if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
                sl_warn(LOGGER, "%s-%d: offset commit failed (will retry): %s", s->t->connector,
                        s->t->id, rd_kafka_err2str(err));
}

/* Leave the group within the graceful shutdown timeout; past it the group
 * notices through the session timeout instead. */
static bool close_consumer(sink_run_t *s) {
        sl_task_t *t = s->t;
        int64_t deadline = sl_now_ms() + sl_worker_shutdown_timeout_ms(t->worker);
        rd_kafka_queue_t *q = rd_kafka_queue_new(t->rk);
        rd_kafka_error_t *err = rd_kafka_consumer_close_queue(t->rk, q);
        bool closed = false;

        if (err) {
                sl_warn(LOGGER, "%s-%d: consumer close: %s", t->connector, t->id,
                        rd_kafka_error_string(err));
                rd_kafka_error_destroy(err);
        } else {
                /* Served as events, the way librdkafka's own blocking close
                 * serves them: poll_callback asserts (rd_kafka_q_serve: res
                 * != RD_KAFKA_OP_RES_PASS) on an op that has no callback,
                 * and the event API hands the revocation back instead of
                 * calling the rebalance callback, so it is called here. */
                while (!(closed = rd_kafka_consumer_closed(t->rk)) && sl_now_ms() < deadline) {
                        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);

                        if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
                                rebalance_cb(t->rk, rd_kafka_event_error(ev),
                                             rd_kafka_event_topic_partition_list(ev), s);
                        if (ev)
                                rd_kafka_event_destroy(ev);
                }
                if (!closed)
                        sl_warn(LOGGER, "%s-%d: consumer did not leave its group within the "
                                        "graceful shutdown timeout",
                                t->connector, t->id);
        }
        rd_kafka_queue_destroy(q);
        return closed;
}

int sl_sink_task_open(sl_task_t *t) {
        char err[1024];
        sink_run_t *s = calloc(1, sizeof(*s));
        rd_kafka_conf_t *conf = sl_worker_consumer_conf(t->worker, t->connector, t->id,
                                                        t->config, err, sizeof(err));

        if (!s || !conf || !(s->msgs = malloc(MAX_BATCH * sizeof(*s->msgs))) ||
            !(s->dropped = calloc(MAX_BATCH, sizeof(*s->dropped)))) {
                sl_task_fail(t, "%s", conf ? "Out of memory" : err);
                if (conf)
                        rd_kafka_conf_destroy(conf);
                if (s) {
                        free(s->msgs);
                        free(s->dropped);
                }
                free(s);
                return -1;
        }
        s->t = t;
        t->sink = s;
        s->positions = rd_kafka_topic_partition_list_new(8);
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
        rd_kafka_conf_set_offset_commit_cb(conf, commit_cb);
        rd_kafka_conf_set_opaque(conf, s);
        t->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
        if (!t->rk) {
                rd_kafka_conf_destroy(conf);
                sl_task_fail(t, "Cannot create consumer: %s", err);
                goto fail;
        }
        rd_kafka_poll_set_consumer(t->rk);
        if (t->plugin->task_start(t, t->config, &t->state, err, sizeof(err)) != 0) {
                sl_task_fail(t, "Task failed to start: %s", err);
                goto fail;
        }
        if (subscribe(t, err, sizeof(err)) != 0) {
                sl_task_fail(t, "%s", err);
                goto fail;
        }
        t->last_commit = sl_now_ms();
        sl_info(LOGGER, "%s-%d started", t->connector, t->id);
        return 0;
fail:
        sl_sink_task_close(t);
        return -1;
}

void sl_sink_task_close(sl_task_t *t) {
        sink_run_t *s = t->sink;
        bool closed = true;

        if (!s)
                return;
        drop_pending(s);
        if (t->rk) {
                /* commit what was put before leaving the group */
                s->closing = true;
                if (t->state)
                        flush_and_commit(s, false);
                /* close runs the revoke callback, which needs the plugin state */
                closed = close_consumer(s);
        }
        if (t->state && t->plugin->task_stop)
                t->plugin->task_stop(t->state);
        t->state = NULL;
        if (t->rk)
                rd_kafka_destroy_flags(t->rk, closed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        t->rk = NULL;
        rd_kafka_topic_partition_list_destroy(s->positions);
        free(s->msgs);
        free(s->dropped);
        free(s);
        t->sink = NULL;
        sl_info(LOGGER, "%s-%d stopped", t->connector, t->id);
}
