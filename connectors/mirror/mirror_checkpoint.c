/*
 * MirrorCheckpointConnector: translates the committed offsets of consumer
 * groups on the source cluster into offsets of the replicated topics, as
 * MirrorMaker 2 does, and writes them as Checkpoint records to
 * <source alias>.checkpoints.internal on the worker's cluster (the
 * target). With sync.group.offsets.enabled it also commits them for the
 * group on the target, so consumers can fail over.
 *
 * Reading the offset syncs and the groups' offsets blocks on the network,
 * which a shard must never do: each task runs that on a thread of its own
 * and its poll only hands the host the checkpoints the thread queued.
 *
 * Groups must be named: sluice has no ListGroups (the mock broker lacks
 * it too), so MM2's regex default ".*" cannot be honoured.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mirror/mirror_int.h"

#define LOGGER "MirrorCheckpointTask"
#define READ_WAIT_MS 100
#define CLIENT_TIMEOUT_MS 5000

static int groups_validator(const char *name, const char *value, char *errstr,
                            size_t errstr_size) {
        char **items = NULL;
        int n = sl_config_list(value ? value : "", &items), rc = 0;

        (void)name;
        for (int i = 0; i < n && rc == 0; i++)
                if (strpbrk(items[i], "*+?[](){}|^$\\"))
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                       "'%s' is a pattern, but sluice cannot list consumer "
                                       "groups (no ListGroups support): name each group id",
                                       items[i]);
        sl_config_list_free(items, n);
        return rc;
}

static const sl_config_def_t checkpoint_config[] = {
        MM2_COMMON_CONFIG,
        {.name = "groups", .type = SL_CFG_LIST, .importance = SL_CFG_HIGH, .order = 20,
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .validator = groups_validator,
         .documentation = "Consumer group ids to checkpoint, comma-separated. Unlike MM2 these "
                          "are names, not regexes: sluice cannot list consumer groups"},
        {.name = "groups.exclude", .type = SL_CFG_LIST, .default_value = MM2_GROUPS_EXCLUDE_DEFAULT,
         .importance = SL_CFG_LOW, .order = 21, .validator = mm2_config_validator_regexes,
         .documentation = "Groups never checkpointed, as Java regexes"},
        {.name = "emit.checkpoints.enabled", .type = SL_CFG_BOOLEAN, .default_value = "true",
         .importance = SL_CFG_LOW, .order = 22,
         .documentation = "Write Checkpoint records to <source alias>.checkpoints.internal"},
        {.name = "emit.checkpoints.interval.ms", .type = SL_CFG_LONG, .default_value = "60000",
         .importance = SL_CFG_LOW, .order = 23, .flags = SL_CFG_MIN, .min = 1,
         .documentation = "How often the groups' offsets are read and translated"},
        {.name = "sync.group.offsets.enabled", .type = SL_CFG_BOOLEAN, .default_value = "false",
         .importance = SL_CFG_LOW, .order = 24,
         .documentation = "Also commit the translated offsets for each group on the target "
                          "cluster (needs target.cluster.bootstrap.servers). A group's offset "
                          "is only moved forward, and not while the group has members there"},
        {.name = "sync.group.offsets.interval.ms", .type = SL_CFG_LONG, .default_value = "60000",
         .importance = SL_CFG_LOW, .order = 25, .flags = SL_CFG_MIN, .min = 1,
         .documentation = "How often translated offsets are committed on the target"},
        {.name = "checkpoints.topic.replication.factor", .type = SL_CFG_SHORT,
         .default_value = "3", .importance = SL_CFG_LOW, .order = 26,
         .documentation = "Accepted and ignored: sluice creates no topics (no admin API)"},
        {.name = "refresh.groups.enabled", .type = SL_CFG_BOOLEAN, .default_value = "true",
         .importance = SL_CFG_LOW, .order = 27,
         .documentation = "Accepted and ignored: groups are the listed ids"},
        {.name = "refresh.groups.interval.ms", .type = SL_CFG_LONG, .default_value = "600000",
         .importance = SL_CFG_LOW, .order = 28,
         .documentation = "Accepted and ignored: groups are the listed ids"},
        {.name = NULL},
};

/* ----------------------------------------------------------- connector */

static void checkpoint_validate(const sl_strmap_t *cfg, sl_config_errors_t *errs) {
        const char *tbs = sl_config_str(cfg, "target.cluster.bootstrap.servers");

        mm2_validate_common(cfg, errs);
        if (sl_config_bool(cfg, "sync.group.offsets.enabled", false) && (!tbs || !*tbs))
                sl_config_error_add(errs, "target.cluster.bootstrap.servers",
                                    "target.cluster.bootstrap.servers is required with "
                                    "sync.group.offsets.enabled=true");
}

static int checkpoint_task_configs(const sl_strmap_t *cfg, int max_tasks,
                                   sl_strmap_t **task_configs, char *errstr, size_t errstr_size) {
        char **items = NULL;
        int n = sl_config_list(sl_config_str(cfg, "groups"), &items), kept = 0, ntasks, rc;
        mm2_filter_t excl;
        sl_buf_t *lists = NULL;

        if ((rc = mm2_filter_init(&excl, sl_config_str(cfg, "groups.exclude"), NULL, errstr,
                                  errstr_size)) != 0) {
                sl_config_list_free(items, n);
                return rc;
        }
        for (int i = 0; i < n; i++) {
                /* excl.inc holds the exclude patterns */
                if (mm2_filter_match(&excl, items[i])) {
                        sl_info(LOGGER, "Group %s matches groups.exclude: not checkpointed",
                                items[i]);
                        free(items[i]);
                        continue;
                }
                items[kept++] = items[i];
        }
        mm2_filter_free(&excl);
        ntasks = kept < max_tasks ? kept : max_tasks;
        if (ntasks > 0 && !(lists = calloc((size_t)ntasks, sizeof(*lists))))
                rc = SL_ERR_NOMEM;
        for (int i = 0; rc == 0 && i < kept; i++) {
                sl_buf_t *b = &lists[i % ntasks];
                sl_buf_printf(b, "%s%s", b->len ? "," : "", items[i]);
        }
        for (int i = 0; rc == 0 && i < ntasks; i++)
                if (sl_strmap_set(task_configs[i], MM2_TASK_GROUPS, lists[i].data) != 0)
                        rc = SL_ERR_NOMEM;
        for (int i = 0; lists && i < ntasks; i++)
                sl_buf_free(&lists[i]);
        free(lists);
        sl_config_list_free(items, kept);
        if (rc != 0)
                return sl_seterr(errstr, errstr_size, rc, "Out of memory");
        if (ntasks == 0)
                sl_warn(LOGGER, "Every group is excluded by groups.exclude: no tasks");
        return ntasks;
}

/* ---------------------------------------------------------------- task */

typedef struct group {
        char *id;
        rd_kafka_t *src, *tgt; /* tgt: sync.group.offsets.enabled only */
        bool warned_active;
} group_t;

typedef struct pending {
        sl_buf_t key, value;
} pending_t;

/* The last checkpoint queued per group and remote partition. */
typedef struct last {
        size_t group;
        char *topic;
        int32_t partition;
        int64_t upstream, downstream;
} last_t;

typedef struct ck_task {
        sl_task_ctx_t *ctx;
        char name[128];
        mm2_policy_t pol;
        mm2_filter_t topics;
        char *ckpt_topic;
        group_t *groups;
        size_t ngroups;
        rd_kafka_t *syncs;
        rd_kafka_queue_t *syncs_q;
        int64_t emit_interval, sync_interval;
        bool emit, sync;
        /* thread only */
        mm2_sync_store_t store;
        last_t *last;
        size_t nlast, last_cap;
        pthread_t thr;
        bool thr_started;
        atomic_bool stop;
        /* thread -> poll */
        pthread_mutex_t lock;
        pending_t *pend;
        size_t npend, pend_cap;
} ck_task_t;


static void destroy_consumer(rd_kafka_t *rk) {
        if (!rk)
                return;
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
}

static void ck_stop(void *state) {
        ck_task_t *t = state;

        if (!t)
                return;
        atomic_store(&t->stop, true);
        if (t->thr_started)
                pthread_join(t->thr, NULL);
        if (t->syncs_q)
                rd_kafka_queue_destroy(t->syncs_q);
        destroy_consumer(t->syncs);
        for (size_t i = 0; i < t->ngroups; i++) {
                destroy_consumer(t->groups[i].src);
                destroy_consumer(t->groups[i].tgt);
                free(t->groups[i].id);
        }
        free(t->groups);
        for (size_t i = 0; i < t->npend; i++) {
                sl_buf_free(&t->pend[i].key);
                sl_buf_free(&t->pend[i].value);
        }
        free(t->pend);
        for (size_t i = 0; i < t->nlast; i++)
                free(t->last[i].topic);
        free(t->last);
        mm2_store_free(&t->store);
        mm2_filter_free(&t->topics);
        free(t->ckpt_topic);
        pthread_mutex_destroy(&t->lock);
        free(t);
}

/* A consumer handle on one side; group NULL: a reader with a private
 * group id that never commits. */
static rd_kafka_t *new_consumer(const sl_strmap_t *cfg, const char *side, const char *group,
                                const char *connector, char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf = mm2_client_conf(cfg, side, "consumer", errstr, errstr_size);
        char why[512], gid[300];
        rd_kafka_t *rk;

        if (!conf)
                return NULL;
        snprintf(gid, sizeof(gid), "sluice-mirror-checkpoint-%s", connector);
        rd_kafka_conf_set(conf, "group.id", group ? group : gid, NULL, 0);
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", NULL, 0);
        if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why)))) {
                rd_kafka_conf_destroy(conf);
                sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot create a %s consumer: %s",
                          side, why);
        }
        return rk;
}

static int start_syncs_reader(ck_task_t *t, const sl_strmap_t *cfg, char *errstr,
                              size_t errstr_size) {
        const char *loc = sl_config_str(cfg, "offset-syncs.topic.location");
        char *topic = mm2_offset_syncs_topic(&t->pol);
        rd_kafka_topic_partition_list_t *tpl;
        rd_kafka_resp_err_t err;

        if (!topic)
                return SL_ERR_NOMEM;
        t->syncs = new_consumer(cfg, loc && !strcasecmp(loc, "target") ? "target" : "source",
                                NULL, sl_task_connector(t->ctx), errstr, errstr_size);
        if (!t->syncs) {
                free(topic);
                return SL_ERR_KAFKA;
        }
        /* MM2 writes every sync to partition 0 */
        tpl = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(tpl, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
        err = rd_kafka_assign(t->syncs, tpl);
        rd_kafka_topic_partition_list_destroy(tpl);
        free(topic);
        if (err)
                return sl_seterr(errstr, errstr_size, SL_ERR_KAFKA,
                                 "Cannot read the offset syncs: %s", rd_kafka_err2str(err));
        t->syncs_q = rd_kafka_queue_get_consumer(t->syncs);
        return 0;
}

static int start_groups(ck_task_t *t, const sl_strmap_t *cfg, char *errstr, size_t errstr_size) {
        char **items = NULL;
        int n = sl_config_list(sl_config_str(cfg, MM2_TASK_GROUPS), &items);

        if (n <= 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "No %s in the task config: the connector assigned this task "
                                 "no groups",
                                 MM2_TASK_GROUPS);
        if (!(t->groups = calloc((size_t)n, sizeof(*t->groups)))) {
                sl_config_list_free(items, n);
                return SL_ERR_NOMEM;
        }
        for (int i = 0; i < n; i++) {
                group_t *g = &t->groups[t->ngroups++];
                g->id = items[i];
                items[i] = NULL;
                if (!(g->src = new_consumer(cfg, "source", g->id, sl_task_connector(t->ctx), errstr, errstr_size)) ||
                    (t->sync &&
                     !(g->tgt = new_consumer(cfg, "target", g->id, sl_task_connector(t->ctx), errstr, errstr_size)))) {
                        sl_config_list_free(items, n);
                        return SL_ERR_KAFKA;
                }
        }
        sl_config_list_free(items, n);
        return 0;
}

static void read_syncs(ck_task_t *t, int wait_ms) {
        rd_kafka_message_t *msgs[1000];
        ssize_t n;

        rd_kafka_poll(t->syncs, 0);
        n = rd_kafka_consume_batch_queue(t->syncs_q, wait_ms, msgs, 1000);
        for (ssize_t i = 0; i < n; i++) {
                rd_kafka_message_t *m = msgs[i];
                mm2_offset_sync_t s;

                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                sl_warn(LOGGER, "%s: reading offset syncs: %s", t->name,
                                        rd_kafka_message_errstr(m));
                } else if (mm2_offset_sync_decode(m->key, m->key_len, m->payload, m->len, &s) != 0) {
                        sl_warn(LOGGER, "%s: skipping a malformed offset sync at %s-%d offset %lld",
                                t->name, rd_kafka_topic_name(m->rkt), m->partition,
                                (long long)m->offset);
                } else {
                        mm2_store_add(&t->store, s.topic, s.partition, s.upstream, s.downstream);
                        free(s.topic);
                }
                rd_kafka_message_destroy(m);
        }
}

/* True when (g, topic, partition) -> c differs from the last queued. */
static bool changed(ck_task_t *t, size_t g, const mm2_checkpoint_t *c) {
        last_t *l;

        for (size_t i = 0; i < t->nlast; i++) {
                l = &t->last[i];
                if (l->group == g && l->partition == c->partition && !strcmp(l->topic, c->topic)) {
                        if (l->upstream == c->upstream && l->downstream == c->downstream)
                                return false;
                        l->upstream = c->upstream;
                        l->downstream = c->downstream;
                        return true;
                }
        }
        if (t->nlast == t->last_cap) {
                size_t cap = t->last_cap ? 2 * t->last_cap : 16;
                last_t *grown = realloc(t->last, cap * sizeof(*grown));
                if (!grown)
                        return true;
                t->last = grown;
                t->last_cap = cap;
        }
        l = &t->last[t->nlast];
        if (!(l->topic = strdup(c->topic)))
                return true;
        l->group = g;
        l->partition = c->partition;
        l->upstream = c->upstream;
        l->downstream = c->downstream;
        t->nlast++;
        return true;
}

static void queue_checkpoint(ck_task_t *t, const mm2_checkpoint_t *c) {
        pending_t p = {SL_BUF_INIT, SL_BUF_INIT};

        if (mm2_checkpoint_encode(&p.key, &p.value, c) != 0) {
                sl_buf_free(&p.key);
                sl_buf_free(&p.value);
                return;
        }
        pthread_mutex_lock(&t->lock);
        if (t->npend == t->pend_cap) {
                size_t cap = t->pend_cap ? 2 * t->pend_cap : 64;
                pending_t *grown = realloc(t->pend, cap * sizeof(*grown));
                if (grown) {
                        t->pend = grown;
                        t->pend_cap = cap;
                }
        }
        if (t->npend < t->pend_cap) {
                t->pend[t->npend++] = p;
        } else {
                sl_buf_free(&p.key);
                sl_buf_free(&p.value);
        }
        pthread_mutex_unlock(&t->lock);
}

/* Commits the translated offsets on the target where they are ahead of
 * what the group has there (MM2 never rewinds a group). */
static void sync_group(ck_task_t *t, group_t *g, rd_kafka_topic_partition_list_t *want) {
        rd_kafka_topic_partition_list_t *have = rd_kafka_topic_partition_list_copy(want);
        rd_kafka_topic_partition_list_t *commit = rd_kafka_topic_partition_list_new(want->cnt);
        rd_kafka_resp_err_t err = rd_kafka_committed(g->tgt, have, CLIENT_TIMEOUT_MS);

        if (err) {
                sl_warn(LOGGER, "%s: cannot read group %s's offsets on the target: %s", t->name,
                        g->id, rd_kafka_err2str(err));
                goto out;
        }
        for (int i = 0; i < want->cnt; i++)
                if (have->elems[i].offset < 0 || want->elems[i].offset > have->elems[i].offset)
                        rd_kafka_topic_partition_list_add(commit, want->elems[i].topic,
                                                          want->elems[i].partition)
                                ->offset = want->elems[i].offset;
        if (commit->cnt == 0)
                goto out;
        err = rd_kafka_commit(g->tgt, commit, 0);
        if (err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
            err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS) {
                if (!g->warned_active)
                        sl_info(LOGGER, "%s: group %s is active on the target cluster: its "
                                        "offsets are not synced while it has members", t->name, g->id);
                g->warned_active = true;
        } else if (err) {
                sl_warn(LOGGER, "%s: cannot commit group %s's offsets on the target: %s", t->name,
                        g->id, rd_kafka_err2str(err));
        } else {
                sl_info(LOGGER, "%s: synced %d offsets of group %s to the target", t->name,
                        commit->cnt, g->id);
                g->warned_active = false;
        }
out:
        rd_kafka_topic_partition_list_destroy(have);
        rd_kafka_topic_partition_list_destroy(commit);
}

/* One group: its committed source offsets for every replicated partition
 * we have syncs for, translated. */
static void checkpoint_group(ck_task_t *t, size_t gi, bool emit, bool sync) {
        group_t *g = &t->groups[gi];
        rd_kafka_topic_partition_list_t *tpl = rd_kafka_topic_partition_list_new((int)t->store.n + 1);
        rd_kafka_topic_partition_list_t *want = rd_kafka_topic_partition_list_new((int)t->store.n + 1);
        rd_kafka_resp_err_t err;

        for (size_t i = 0; i < t->store.n; i++)
                if (mm2_filter_match(&t->topics, t->store.tps[i].topic))
                        rd_kafka_topic_partition_list_add(tpl, t->store.tps[i].topic,
                                                          t->store.tps[i].partition);
        if (tpl->cnt == 0)
                goto out;
        if ((err = rd_kafka_committed(g->src, tpl, CLIENT_TIMEOUT_MS))) {
                sl_warn(LOGGER, "%s: cannot read group %s's offsets on the source: %s", t->name,
                        g->id, rd_kafka_err2str(err));
                goto out;
        }
        for (int i = 0; i < tpl->cnt; i++) {
                rd_kafka_topic_partition_t *e = &tpl->elems[i];
                mm2_checkpoint_t c = {.group = g->id, .partition = e->partition,
                                      .upstream = e->offset};
                char *remote;

                if (e->err || e->offset < 0)
                        continue;
                c.downstream = mm2_translate(mm2_store_get(&t->store, e->topic, e->partition),
                                             e->offset);
                if (c.downstream < 0 || !(remote = mm2_remote_topic(&t->pol, e->topic)))
                        continue;
                c.topic = remote;
                c.metadata = e->metadata ? strndup(e->metadata, e->metadata_size) : NULL;
                if (emit && changed(t, gi, &c))
                        queue_checkpoint(t, &c);
                if (sync)
                        rd_kafka_topic_partition_list_add(want, remote, e->partition)->offset =
                                c.downstream;
                free(c.metadata);
                free(remote);
        }
        if (sync && want->cnt > 0)
                sync_group(t, g, want);
out:
        rd_kafka_topic_partition_list_destroy(tpl);
        rd_kafka_topic_partition_list_destroy(want);
}

static void *ck_thread(void *arg) {
        ck_task_t *t = arg;
        int64_t next_emit = 0, next_sync = 0;

        while (!atomic_load(&t->stop)) {
                int64_t now;
                bool emit, sync;

                read_syncs(t, READ_WAIT_MS);
                now = sl_now_ms();
                emit = t->emit && now >= next_emit;
                sync = t->sync && now >= next_sync;
                if (!emit && !sync)
                        continue;
                for (size_t i = 0; i < t->ngroups && !atomic_load(&t->stop); i++)
                        checkpoint_group(t, i, emit, sync);
                if (emit)
                        next_emit = now + t->emit_interval;
                if (sync)
                        next_sync = now + t->sync_interval;
        }
        return NULL;
}

static int ck_start(sl_task_ctx_t *ctx, const sl_strmap_t *cfg, void **statep, char *errstr,
                    size_t errstr_size) {
        ck_task_t *t = calloc(1, sizeof(*t));
        int rc;

        if (!t)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        t->ctx = ctx;
        pthread_mutex_init(&t->lock, NULL);
        atomic_init(&t->stop, false);
        snprintf(t->name, sizeof(t->name), "%s-%d", sl_task_connector(ctx), sl_task_id(ctx));
        t->emit = sl_config_bool(cfg, "emit.checkpoints.enabled", true);
        t->emit_interval = sl_config_long(cfg, "emit.checkpoints.interval.ms", 60000);
        t->sync = sl_config_bool(cfg, "sync.group.offsets.enabled", false);
        t->sync_interval = sl_config_long(cfg, "sync.group.offsets.interval.ms", 60000);
        if ((rc = mm2_policy_init(&t->pol, cfg, errstr, errstr_size)) != 0 ||
            (rc = mm2_filter_init(&t->topics, sl_config_str(cfg, "topics"),
                                  sl_config_str(cfg, "topics.exclude"), errstr, errstr_size)) != 0 ||
            (rc = (t->ckpt_topic = mm2_checkpoints_topic(&t->pol)) ? 0 : SL_ERR_NOMEM) != 0 ||
            (rc = start_syncs_reader(t, cfg, errstr, errstr_size)) != 0 ||
            (rc = start_groups(t, cfg, errstr, errstr_size)) != 0)
                goto fail;
        if (pthread_create(&t->thr, NULL, ck_thread, t) != 0) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_STATE, "Cannot start a thread");
                goto fail;
        }
        t->thr_started = true;
        sl_info(LOGGER, "%s: checkpointing %zu groups of %s into %s", t->name, t->ngroups,
                t->pol.source_alias, t->ckpt_topic);
        *statep = t;
        return 0;
fail:
        if (rc == SL_ERR_NOMEM)
                sl_seterr(errstr, errstr_size, rc, "Out of memory");
        ck_stop(t);
        return rc;
}

static int ck_poll(void *state, sl_source_batch_t *b, char *errstr, size_t errstr_size) {
        ck_task_t *t = state;
        size_t room = sl_source_batch_room(b), n, added = 0;
        int rc = 0;

        pthread_mutex_lock(&t->lock);
        n = t->npend < room ? t->npend : room;
        for (; added < n; added++) {
                pending_t *p = &t->pend[added];
                sl_json_t k = SL_JSON_BYTES_REF(p->key.data, p->key.len);
                sl_json_t v = SL_JSON_BYTES_REF(p->value.data, p->value.len);
                sl_source_record_t rec = {.topic = t->ckpt_topic, .partition = 0,
                                          .key = {NULL, &k}, .value = {NULL, &v}};

                if ((rc = sl_source_batch_add(b, &rec)) != 0)
                        break;
                sl_buf_free(&p->key);
                sl_buf_free(&p->value);
        }
        /* the host copied what it took; the rest stays queued */
        if (t->npend > added) /* pend may be NULL when nothing is queued */
                memmove(t->pend, t->pend + added, (t->npend - added) * sizeof(*t->pend));
        t->npend -= added;
        pthread_mutex_unlock(&t->lock);
        if (rc != 0)
                return sl_seterr(errstr, errstr_size, rc, "Cannot add a checkpoint: %s",
                                 sl_err2str(rc));
        return (int)added;
}

const sl_connector_plugin_t sl_mirror_checkpoint_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
        .version = MM2_VERSION,
        .config = checkpoint_config,
        .validate = checkpoint_validate,
        .task_configs = checkpoint_task_configs,
        .task_start = ck_start,
        .task_stop = ck_stop,
        .source_poll = ck_poll,
};
