/*
 * MirrorSourceConnector: replicates topic-partitions of a source cluster
 * into renamed topics of the worker's cluster, as MirrorMaker 2 does.
 *
 * task_configs lists the source cluster's topics (metadata) and deals the
 * matching topic-partitions out to the tasks round-robin. Each task reads
 * its partitions with its own consumer (assign, no group membership and no
 * commits) from the committed source offset + 1. Consumed messages wait in
 * a queue per partition; a poll hands the host the messages of ONE
 * partition, pointing into the consumed rd_kafka_message_t buffers (held
 * until delivered), so the source_delivered report of a batch is one
 * upstream -> downstream offset pair. From those pairs the task writes
 * MM2 OffsetSync records for MirrorCheckpointConnector.
 *
 * Source partition {"cluster", "topic", "partition"} and offset
 * {"offset": last replicated upstream offset}, as MM2 stores them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mirror/mirror_int.h"

#define LOGGER "MirrorSourceTask"
#define FETCH_MAX 4096
#define STASH_MAX 20000
#define METADATA_TIMEOUT_MS 10000

static const sl_config_def_t source_config[] = {
        MM2_COMMON_CONFIG,
        {.name = "emit.offset-syncs.enabled", .type = SL_CFG_BOOLEAN, .default_value = "true",
         .importance = SL_CFG_LOW, .order = 20,
         .documentation = "Write offset syncs (upstream -> downstream offset pairs) for "
                          "MirrorCheckpointConnector"},
        {.name = "offset.lag.max", .type = SL_CFG_LONG, .default_value = "100",
         .importance = SL_CFG_LOW, .order = 21, .flags = SL_CFG_MIN, .min = 0,
         .documentation = "How far the replica may get past the last offset sync before a new "
                          "one is written (a sync is also written whenever the upstream/"
                          "downstream gap changes)"},
        {.name = "refresh.topics.enabled", .type = SL_CFG_BOOLEAN, .default_value = "true",
         .importance = SL_CFG_LOW, .order = 22,
         .documentation = "Whether to look for new topics and partitions to replicate on the "
                          "source cluster every refresh.topics.interval.ms (tasks restart with "
                          "the new assignment when it changed)"},
        {.name = "refresh.topics.interval.ms", .type = SL_CFG_LONG, .default_value = "600000",
         .importance = SL_CFG_LOW, .order = 23, .flags = SL_CFG_MIN, .min = 0,
         .documentation = "How often to look for new topics and partitions (ms)"},
        {.name = "sync.topic.configs.enabled", .type = SL_CFG_BOOLEAN, .default_value = "true",
         .importance = SL_CFG_LOW, .order = 24,
         .documentation = "Accepted and ignored: sluice uses no admin API, so topic configs are "
                          "not copied; create remote topics with enough partitions beforehand"},
        {.name = "sync.topic.acls.enabled", .type = SL_CFG_BOOLEAN, .default_value = "false",
         .importance = SL_CFG_LOW, .order = 25,
         .documentation = "Accepted and ignored (no admin API)"},
        {.name = "replication.factor", .type = SL_CFG_INT, .default_value = "-1",
         .importance = SL_CFG_LOW, .order = 26,
         .documentation = "Accepted and ignored (remote topics are not created by sluice)"},
        {.name = NULL},
};

/* ----------------------------------------------------------- connector */

typedef struct tp {
        char *topic;
        int32_t partition;
} tp_t;

static int tp_cmp(const void *a, const void *b) {
        const tp_t *x = a, *y = b;
        int c = strcmp(x->topic, y->topic);

        return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* The source cluster's topic-partitions to replicate, sorted. */
static int list_partitions(const sl_strmap_t *cfg, tp_t **out, size_t *nout, char *errstr,
                           size_t errstr_size) {
        mm2_policy_t pol;
        mm2_filter_t filter;
        char why[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err;
        tp_t *tps = NULL;
        size_t n = 0;
        int rc;

        *out = NULL;
        *nout = 0;
        if ((rc = mm2_policy_init(&pol, cfg, errstr, errstr_size)) != 0)
                return rc;
        if ((rc = mm2_filter_init(&filter, sl_config_str(cfg, "topics"),
                                  sl_config_str(cfg, "topics.exclude"), errstr, errstr_size)) != 0)
                return rc;
        if (!(conf = mm2_client_conf(cfg, "source", NULL, errstr, errstr_size))) {
                mm2_filter_free(&filter);
                return SL_ERR_CONFIG;
        }
        if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why)))) {
                rd_kafka_conf_destroy(conf);
                mm2_filter_free(&filter);
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot create a client for source cluster %s: %s",
                                 pol.source_alias, why);
        }
        err = rd_kafka_metadata(rk, 1, NULL, &md, METADATA_TIMEOUT_MS);
        if (err) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                               "Cannot list the topics of source cluster %s (%s): %s",
                               pol.source_alias, sl_config_str(cfg, "source.cluster.bootstrap.servers"),
                               rd_kafka_err2str(err));
                goto out;
        }
        for (int i = 0; i < md->topic_cnt; i++) {
                const struct rd_kafka_metadata_topic *t = &md->topics[i];
                tp_t *grown;

                if (t->err || mm2_skip_topic(&pol, t->topic) ||
                    !mm2_filter_match(&filter, t->topic))
                        continue;
                if (!(grown = realloc(tps, (n + (size_t)t->partition_cnt) * sizeof(*tps)))) {
                        rc = SL_ERR_NOMEM;
                        goto out;
                }
                tps = grown;
                for (int j = 0; j < t->partition_cnt; j++) {
                        tps[n].topic = strdup(t->topic);
                        tps[n].partition = t->partitions[j].id;
                        if (!tps[n].topic) {
                                rc = SL_ERR_NOMEM;
                                goto out;
                        }
                        n++;
                }
        }
        qsort(tps, n, sizeof(*tps), tp_cmp);
        *out = tps;
        *nout = n;
        tps = NULL;
out:
        for (size_t i = 0; tps && i < n; i++)
                free(tps[i].topic);
        free(tps);
        if (md)
                rd_kafka_metadata_destroy(md);
        rd_kafka_destroy(rk);
        mm2_filter_free(&filter);
        return rc;
}

static int source_task_configs(const sl_strmap_t *cfg, int max_tasks, sl_strmap_t **task_configs,
                               char *errstr, size_t errstr_size) {
        tp_t *tps;
        size_t n;
        int ntasks, rc = list_partitions(cfg, &tps, &n, errstr, errstr_size);
        sl_buf_t *lists;

        if (rc != 0)
                return rc;
        if (n == 0) {
                sl_warn(LOGGER, "No topic of source cluster %s matches topics=%s: no tasks",
                        sl_config_str(cfg, "source.cluster.alias"), sl_config_str(cfg, "topics"));
                return 0;
        }
        ntasks = max_tasks < (int)n ? max_tasks : (int)n;
        if (!(lists = calloc((size_t)ntasks, sizeof(*lists)))) {
                rc = SL_ERR_NOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                sl_buf_t *b = &lists[i % (size_t)ntasks];
                sl_buf_printf(b, "%s%s-%d", b->len ? "," : "", tps[i].topic, tps[i].partition);
        }
        for (int i = 0; i < ntasks; i++)
                if (sl_strmap_set(task_configs[i], MM2_TASK_PARTITIONS, lists[i].data) != 0)
                        rc = SL_ERR_NOMEM;
        for (int i = 0; i < ntasks; i++)
                sl_buf_free(&lists[i]);
        free(lists);
out:
        for (size_t i = 0; i < n; i++)
                free(tps[i].topic);
        free(tps);
        return rc < 0 ? sl_seterr(errstr, errstr_size, rc, "Out of memory") : ntasks;
}

static void source_validate(const sl_strmap_t *cfg, sl_config_errors_t *errs) {
        mm2_validate_common(cfg, errs);
}

/* ---------------------------------------------------------------- task */

typedef struct part {
        char *topic; /* upstream */
        int32_t partition;
        char *remote;     /* the target topic */
        sl_json_t *spart; /* MM2's source partition */
        /* consumed, not handed to a batch yet: q[head..head+n) */
        rd_kafka_message_t **q;
        size_t head, n, cap;
        /* offset syncs (MM2's PartitionState): the previous delivered pair
         * and the last pair written as a sync; -1 when none */
        int64_t prev_up, prev_down, sync_up, sync_down;
        /* the first batch holds one record, so the first sync is exact
         * (MM2 syncs a partition's first record) */
        bool anchor;
} part_t;

/* One batch handed to the host, in poll (= delivery report) order. */
typedef struct inflight {
        size_t part;
        int64_t first, last;
        size_t n;
} inflight_t;

typedef struct held {
        size_t n;
        rd_kafka_message_t *m[];
} held_t;

typedef struct src_task {
        sl_task_ctx_t *ctx;
        char name[128];
        rd_kafka_t *consumer;
        rd_kafka_queue_t *queue;
        part_t *parts;
        size_t nparts, rr, stashed;
        inflight_t *fl;
        size_t fl_head, fl_n, fl_cap;
        sl_header_t *hdrs;
        size_t hdr_cap;
        int64_t lag_max;
        rd_kafka_t *syncs; /* NULL: emit.offset-syncs.enabled=false */
        char *syncs_topic;
        sl_buf_t k, v;
        bool warned_syncs;
} src_task_t;

static void held_release(void *opaque) {
        held_t *h = opaque;

        for (size_t i = 0; i < h->n; i++)
                rd_kafka_message_destroy(h->m[i]);
        free(h);
}

static void part_clear(part_t *p) {
        for (size_t i = 0; i < p->n; i++)
                rd_kafka_message_destroy(p->q[p->head + i]);
        free(p->q);
        free(p->topic);
        free(p->remote);
        sl_json_free(p->spart);
}

static void src_stop(void *state) {
        src_task_t *t = state;

        if (!t)
                return;
        for (size_t i = 0; i < t->nparts; i++)
                part_clear(&t->parts[i]);
        free(t->parts);
        if (t->queue)
                rd_kafka_queue_destroy(t->queue);
        if (t->consumer) {
                rd_kafka_consumer_close(t->consumer);
                rd_kafka_destroy(t->consumer);
        }
        if (t->syncs) {
                if (rd_kafka_flush(t->syncs, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
                        sl_warn(LOGGER, "%s: %d offset syncs not written at shutdown", t->name,
                                rd_kafka_outq_len(t->syncs));
                rd_kafka_destroy(t->syncs);
        }
        free(t->syncs_topic);
        free(t->fl);
        free(t->hdrs);
        sl_buf_free(&t->k);
        sl_buf_free(&t->v);
        free(t);
}

static part_t *find_part(src_task_t *t, const char *topic, int32_t partition) {
        part_t key = {.topic = (char *)topic, .partition = partition};

        /* part_t starts like tp_t: the same order */
        return bsearch(&key, t->parts, t->nparts, sizeof(part_t), tp_cmp);
}

/* "topic-3,other-0" into t->parts, sorted. */
static int parse_assignment(src_task_t *t, const char *list, const mm2_policy_t *pol,
                            char *errstr, size_t errstr_size) {
        char **items = NULL;
        int n = sl_config_list(list ? list : "", &items);

        if (n <= 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "No %s in the task config: the connector assigned this task "
                                 "no topic-partitions",
                                 MM2_TASK_PARTITIONS);
        if (!(t->parts = calloc((size_t)n, sizeof(*t->parts)))) {
                sl_config_list_free(items, n);
                return SL_ERR_NOMEM;
        }
        for (int i = 0; i < n; i++) {
                char *dash = strrchr(items[i], '-'), *end = "";
                part_t *p = &t->parts[t->nparts];
                long pn;

                pn = dash ? strtol(dash + 1, &end, 10) : -1;
                if (!dash || dash == items[i] || !dash[1] || *end || pn < 0 || pn > INT32_MAX) {
                        sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                  "Invalid topic-partition '%s' in %s", items[i],
                                  MM2_TASK_PARTITIONS);
                        sl_config_list_free(items, n);
                        return SL_ERR_CONFIG;
                }
                p->topic = strndup(items[i], (size_t)(dash - items[i]));
                p->partition = (int32_t)pn;
                p->prev_up = p->prev_down = p->sync_up = p->sync_down = -1;
                p->anchor = true;
                t->nparts++;
                if (!p->topic || !(p->remote = mm2_remote_topic(pol, p->topic)) ||
                    !(p->spart = sl_json_object()) ||
                    sl_json_object_set(p->spart, "cluster", sl_json_string(pol->source_alias)) ||
                    sl_json_object_set(p->spart, "partition", sl_json_int(p->partition)) ||
                    sl_json_object_set(p->spart, "topic", sl_json_string(p->topic))) {
                        sl_config_list_free(items, n);
                        return SL_ERR_NOMEM;
                }
        }
        sl_config_list_free(items, n);
        qsort(t->parts, t->nparts, sizeof(part_t), tp_cmp);
        return 0;
}

static void syncs_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        (void)rk;
        (void)opaque;
        if (m->err)
                sl_warn(LOGGER, "Offset sync to %s not written: %s", rd_kafka_topic_name(m->rkt),
                        rd_kafka_err2str(m->err));
}

static int start_syncs_producer(src_task_t *t, const sl_strmap_t *cfg, const mm2_policy_t *pol,
                                char *errstr, size_t errstr_size) {
        const char *loc = sl_config_str(cfg, "offset-syncs.topic.location");
        const char *side = loc && !strcasecmp(loc, "target") ? "target" : "source";
        rd_kafka_conf_t *conf = mm2_client_conf(cfg, side, "producer", errstr, errstr_size);
        char why[512];

        if (!conf)
                return SL_ERR_CONFIG;
        rd_kafka_conf_set(conf, "linger.ms", "5", NULL, 0);
        rd_kafka_conf_set_dr_msg_cb(conf, syncs_dr);
        if (!(t->syncs = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why)))) {
                rd_kafka_conf_destroy(conf);
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot create the offset-syncs producer: %s", why);
        }
        if (!(t->syncs_topic = mm2_offset_syncs_topic(pol)))
                return SL_ERR_NOMEM;
        return 0;
}

static int start_consumer(src_task_t *t, const sl_strmap_t *cfg, char *errstr,
                          size_t errstr_size) {
        rd_kafka_conf_t *conf = mm2_client_conf(cfg, "source", "consumer", errstr, errstr_size);
        rd_kafka_topic_partition_list_t *tpl;
        rd_kafka_resp_err_t err;
        char why[512], group[300];

        if (!conf)
                return SL_ERR_CONFIG;
        /* librdkafka's assign() needs a group id; nothing is ever committed
         * to it, the offsets live in Connect's offset storage */
        if (rd_kafka_conf_get(conf, "group.id", why, &(size_t){sizeof(why)}) != RD_KAFKA_CONF_OK ||
            !*why) {
                snprintf(group, sizeof(group), "sluice-mirror-%s", sl_task_connector(t->ctx));
                rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
        }
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", NULL, 0);
        rd_kafka_conf_set(conf, "enable.partition.eof", "false", NULL, 0);
        /* as MM2: an offset gone from the source (retention) restarts at
         * the oldest record left rather than skipping to the end */
        if (!sl_strmap_has(cfg, "source.cluster.auto.offset.reset") &&
            !sl_strmap_has(cfg, "source.consumer.auto.offset.reset"))
                rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", NULL, 0);
        if (!(t->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why)))) {
                rd_kafka_conf_destroy(conf);
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot create the source consumer: %s", why);
        }
        tpl = rd_kafka_topic_partition_list_new((int)t->nparts);
        for (size_t i = 0; i < t->nparts; i++) {
                part_t *p = &t->parts[i];
                int64_t done = sl_task_offset_long(t->ctx, p->spart, "offset", -1);
                rd_kafka_topic_partition_list_add(tpl, p->topic, p->partition)->offset =
                        done >= 0 ? done + 1 : RD_KAFKA_OFFSET_BEGINNING;
                p->prev_up = done;
        }
        err = rd_kafka_assign(t->consumer, tpl);
        rd_kafka_topic_partition_list_destroy(tpl);
        if (err)
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot assign the source partitions: %s", rd_kafka_err2str(err));
        t->queue = rd_kafka_queue_get_consumer(t->consumer);
        return 0;
}

static int src_start(sl_task_ctx_t *ctx, const sl_strmap_t *cfg, void **statep, char *errstr,
                     size_t errstr_size) {
        src_task_t *t = calloc(1, sizeof(*t));
        mm2_policy_t pol;
        int rc;

        if (!t)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        t->ctx = ctx;
        snprintf(t->name, sizeof(t->name), "%s-%d", sl_task_connector(ctx), sl_task_id(ctx));
        t->lag_max = sl_config_long(cfg, "offset.lag.max", 100);
        if ((rc = mm2_policy_init(&pol, cfg, errstr, errstr_size)) != 0 ||
            (rc = parse_assignment(t, sl_config_str(cfg, MM2_TASK_PARTITIONS), &pol, errstr,
                                   errstr_size)) != 0 ||
            (rc = start_consumer(t, cfg, errstr, errstr_size)) != 0 ||
            (sl_config_bool(cfg, "emit.offset-syncs.enabled", true) &&
             (rc = start_syncs_producer(t, cfg, &pol, errstr, errstr_size)) != 0)) {
                if (rc == SL_ERR_NOMEM)
                        sl_seterr(errstr, errstr_size, rc, "Out of memory");
                src_stop(t);
                return rc;
        }
        sl_info(LOGGER, "%s: replicating %zu partitions of %s (first %s-%d -> %s)", t->name,
                t->nparts, pol.source_alias, t->parts[0].topic, t->parts[0].partition,
                t->parts[0].remote);
        *statep = t;
        return 0;
}

static int stash(part_t *p, rd_kafka_message_t *m) {
        if (p->head + p->n == p->cap) {
                if (p->head > 0) {
                        memmove(p->q, p->q + p->head, p->n * sizeof(*p->q));
                        p->head = 0;
                } else {
                        size_t cap = p->cap ? 2 * p->cap : 256;
                        rd_kafka_message_t **q = realloc(p->q, cap * sizeof(*q));
                        if (!q)
                                return SL_ERR_NOMEM;
                        p->q = q;
                        p->cap = cap;
                }
        }
        p->q[p->head + p->n++] = m;
        return 0;
}

/* Moves what the consumer has fetched into the partition queues. */
static int fetch(src_task_t *t, char *errstr, size_t errstr_size) {
        rd_kafka_message_t *msgs[FETCH_MAX];
        ssize_t n;

        rd_kafka_poll(t->consumer, 0); /* logs and errors of the main queue */
        if (t->stashed >= STASH_MAX)
                return 0;
        n = rd_kafka_consume_batch_queue(t->queue, 0, msgs, FETCH_MAX);
        for (ssize_t i = 0; i < n; i++) {
                rd_kafka_message_t *m = msgs[i];
                part_t *p;

                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                sl_warn(LOGGER, "%s: source consumer: %s", t->name,
                                        rd_kafka_message_errstr(m));
                        rd_kafka_message_destroy(m);
                        continue;
                }
                p = find_part(t, rd_kafka_topic_name(m->rkt), m->partition);
                if (!p) {
                        rd_kafka_message_destroy(m);
                        continue;
                }
                if (stash(p, m) != 0) {
                        for (; i < n; i++)
                                rd_kafka_message_destroy(msgs[i]);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                }
                t->stashed++;
        }
        return 0;
}

static int push_inflight(src_task_t *t, inflight_t e) {
        if (t->fl_n == t->fl_cap) {
                size_t cap = t->fl_cap ? 2 * t->fl_cap : 64;
                inflight_t *fl = malloc(cap * sizeof(*fl));
                if (!fl)
                        return SL_ERR_NOMEM;
                for (size_t i = 0; i < t->fl_n; i++)
                        fl[i] = t->fl[(t->fl_head + i) % t->fl_cap];
                free(t->fl);
                t->fl = fl;
                t->fl_cap = cap;
                t->fl_head = 0;
        }
        t->fl[(t->fl_head + t->fl_n++) % t->fl_cap] = e;
        return 0;
}

static int add_message(src_task_t *t, sl_source_batch_t *b, const part_t *p,
                       rd_kafka_message_t *m) {
        sl_json_t key = SL_JSON_BYTES_REF(m->key, m->key_len);
        sl_json_t value = SL_JSON_BYTES_REF(m->payload, m->len);
        rd_kafka_headers_t *hs = NULL;
        rd_kafka_timestamp_type_t tstype;
        int64_t ts = rd_kafka_message_timestamp(m, &tstype);
        sl_source_record_t rec = {
                .topic = p->remote,
                .partition = m->partition,
                .key = {NULL, m->key ? &key : NULL},
                .value = {NULL, m->payload ? &value : NULL},
                .timestamp = ts > 0 ? ts : 0,
        };

        if (rd_kafka_message_headers(m, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR && hs) {
                size_t cnt = rd_kafka_header_cnt(hs);
                const char *name;
                const void *val;
                size_t size;

                if (cnt > t->hdr_cap) {
                        sl_header_t *h = realloc(t->hdrs, cnt * sizeof(*h));
                        if (!h)
                                return SL_ERR_NOMEM;
                        t->hdrs = h;
                        t->hdr_cap = cnt;
                }
                for (size_t i = 0; i < cnt; i++) {
                        rd_kafka_header_get_all(hs, i, &name, &val, &size);
                        t->hdrs[i] = (sl_header_t){name, val, size};
                }
                rec.headers = t->hdrs;
                rec.header_cnt = cnt;
        }
        return sl_source_batch_add(b, &rec);
}

/* The next partition with consumed messages, round-robin. */
static part_t *next_ready(src_task_t *t) {
        for (size_t i = 0; i < t->nparts; i++) {
                part_t *p = &t->parts[(t->rr + i) % t->nparts];
                if (p->n > 0) {
                        t->rr = (t->rr + i + 1) % t->nparts;
                        return p;
                }
        }
        return NULL;
}

static int src_poll(void *state, sl_source_batch_t *b, char *errstr, size_t errstr_size) {
        src_task_t *t = state;
        part_t *p;
        held_t *h;
        size_t cnt, room = sl_source_batch_room(b);
        sl_json_t *off;
        int rc;

        if (t->syncs)
                rd_kafka_poll(t->syncs, 0);
        if ((rc = fetch(t, errstr, errstr_size)) != 0)
                return rc;
        if (room == 0 || !(p = next_ready(t)))
                return 0;
        cnt = p->n < room ? p->n : room;
        if (p->anchor && t->syncs)
                cnt = 1;
        p->anchor = false;
        if (!(h = malloc(sizeof(*h) + cnt * sizeof(h->m[0]))))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        memcpy(h->m, p->q + p->head, cnt * sizeof(h->m[0]));
        h->n = cnt;
        p->head += cnt;
        p->n -= cnt;
        t->stashed -= cnt;
        if (p->n == 0)
                p->head = 0;
        /* from here the host owns the messages: released after delivery */
        sl_source_batch_hold(b, held_release, h);
        for (size_t i = 0; i < cnt; i++)
                if ((rc = add_message(t, b, p, h->m[i])) != 0)
                        return sl_seterr(errstr, errstr_size, rc,
                                         "Cannot add the record at %s-%d offset %lld: %s",
                                         p->topic, p->partition, (long long)h->m[i]->offset,
                                         sl_err2str(rc));
        off = sl_json_object();
        if (!off || sl_json_object_set(off, "offset", sl_json_int(h->m[cnt - 1]->offset)) != 0 ||
            sl_source_batch_set_offset(b, p->spart, off) != 0 ||
            push_inflight(t, (inflight_t){(size_t)(p - t->parts), h->m[0]->offset,
                                          h->m[cnt - 1]->offset, cnt}) != 0) {
                sl_json_free(off);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        }
        sl_json_free(off);
        return (int)cnt;
}

/* The batch's downstream offset: the last record written to the remote
 * partition (a transform may have renamed the topic: a lone entry is it). */
static int64_t downstream_of(const part_t *p, const sl_topic_partition_t *w, size_t cnt) {
        for (size_t i = 0; i < cnt; i++)
                if (w[i].partition == p->partition && !strcmp(w[i].topic, p->remote))
                        return w[i].offset;
        return cnt == 1 ? w[0].offset : -1;
}

static void emit_sync(src_task_t *t, part_t *p, int64_t up, int64_t down) {
        rd_kafka_resp_err_t err;

        if (mm2_offset_sync_encode(&t->k, &t->v, p->topic, p->partition, up, down) != 0)
                return;
        err = rd_kafka_producev(t->syncs, RD_KAFKA_V_TOPIC(t->syncs_topic), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(t->k.data, t->k.len),
                                RD_KAFKA_V_VALUE(t->v.data, t->v.len), RD_KAFKA_V_END);
        if (err) {
                /* the next batch tries again: the sync state is unchanged */
                if (!t->warned_syncs)
                        sl_warn(LOGGER, "%s: cannot queue an offset sync: %s", t->name,
                                rd_kafka_err2str(err));
                t->warned_syncs = true;
                return;
        }
        p->sync_up = up;
        p->sync_down = down;
}

static bool same_partition(const part_t *p, const sl_json_t *sp) {
        const sl_json_t *n = sl_json_object_get(sp, "partition");
        const char *topic = sl_json_object_get_str(sp, "topic");

        return n && n->type == SL_JSON_INT && n->u.i == p->partition && topic &&
               !strcmp(topic, p->topic);
}

/* MM2's rule, per batch: a sync when there is none yet, when the replica's
 * offsets stop running in step with the source's (gaps from compaction or
 * transaction markers upstream, other writers or a reset downstream), or
 * when offset.lag.max records passed since the last one. */
static void src_delivered(void *state, const sl_json_t *sp, const sl_json_t *so,
                          const sl_topic_partition_t *written, size_t cnt) {
        src_task_t *t = state;
        inflight_t e;
        part_t *p;
        const sl_json_t *o = so ? sl_json_object_get(so, "offset") : NULL;
        int64_t last = o && o->type == SL_JSON_INT ? o->u.i : -1;
        int64_t down;
        bool steady;

        /* batches complete in poll order; skip any the host dropped */
        for (;;) {
                if (t->fl_n == 0)
                        return;
                e = t->fl[t->fl_head];
                t->fl_head = (t->fl_head + 1) % t->fl_cap;
                t->fl_n--;
                p = &t->parts[e.part];
                if (e.last == last && same_partition(p, sp))
                        break;
        }
        down = downstream_of(p, written, cnt);
        if (down < 0)
                return;
        steady = p->prev_up >= 0 && p->prev_down >= 0 && e.first == p->prev_up + 1 &&
                 e.last - e.first + 1 == (int64_t)e.n && down - p->prev_down == (int64_t)e.n;
        if (t->syncs && (p->sync_up < 0 || !steady ||
                         down - e.last != p->sync_down - p->sync_up ||
                         e.last - p->sync_up >= t->lag_max))
                emit_sync(t, p, e.last, down);
        p->prev_up = e.last;
        p->prev_down = down;
}

static int64_t source_refresh_ms(const sl_strmap_t *config)
{
        if (!sl_config_bool(config, "refresh.topics.enabled", true))
                return 0;
        return sl_config_long(config, "refresh.topics.interval.ms", 600000);
}

const sl_connector_plugin_t sl_mirror_source_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        .version = MM2_VERSION,
        .config = source_config,
        .validate = source_validate,
        .task_configs = source_task_configs,
        .task_start = src_start,
        .task_stop = src_stop,
        .source_poll = src_poll,
        .source_delivered = src_delivered,
        .reconfigure_interval_ms = source_refresh_ms,
};
