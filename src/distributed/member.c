#include "distributed/member.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#define LOGGER "member"

struct sl_member {
        rd_kafka_t *rk;
        int32_t generation;
        char *member_id;
        int32_t *parts;
        int nparts;
        bool changed;
};

/* librdkafka exposes the generation only inside its serialized group
 * metadata ("CGMDv2:" + generation + ids, native byte order). Rather than
 * hard-code that layout, find where a known generation lands once. */
static int generation_offset(void) {
        static int off = -2;
        const int32_t probe = 0x5A1CE123;
        rd_kafka_consumer_group_metadata_t *md;
        void *buf = NULL;
        size_t size = 0;
        rd_kafka_error_t *e;

        if (off != -2)
                return off;
        off = -1;
        md = rd_kafka_consumer_group_metadata_new_with_genid("g", probe, "m", NULL);
        e = rd_kafka_consumer_group_metadata_write(md, &buf, &size);
        if (!e) {
                for (size_t i = 0; i + sizeof(probe) <= size; i++)
                        if (!memcmp((char *)buf + i, &probe, sizeof(probe))) {
                                off = (int)i;
                                break;
                        }
                rd_kafka_mem_free(NULL, buf);
        } else {
                rd_kafka_error_destroy(e);
        }
        rd_kafka_consumer_group_metadata_destroy(md);
        return off;
}

static int32_t current_generation(rd_kafka_t *rk) {
        rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(rk);
        int off = generation_offset();
        int32_t gen = -1;
        void *buf = NULL;
        size_t size = 0;
        rd_kafka_error_t *e;

        if (!md || off < 0)
                goto out;
        e = rd_kafka_consumer_group_metadata_write(md, &buf, &size);
        if (e) {
                rd_kafka_error_destroy(e);
                goto out;
        }
        if ((size_t)off + sizeof(gen) <= size)
                memcpy(&gen, (char *)buf + off, sizeof(gen));
        rd_kafka_mem_free(NULL, buf);
out:
        if (md)
                rd_kafka_consumer_group_metadata_destroy(md);
        return gen;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        sl_member_t *m = opaque;
        char *mid;

        m->changed = true;
        free(m->parts);
        m->parts = NULL;
        m->nparts = 0;
        if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                rd_kafka_assign(rk, NULL);
                m->generation = -1;
                sl_info(LOGGER, "Group rebalance started (%s)", rd_kafka_err2name(err));
                return;
        }
        /* nothing is ever read: start at the end and stay paused */
        for (int i = 0; i < parts->cnt; i++)
                parts->elems[i].offset = RD_KAFKA_OFFSET_END;
        rd_kafka_assign(rk, parts);
        rd_kafka_pause_partitions(rk, parts);
        m->parts = calloc((size_t)(parts->cnt ? parts->cnt : 1), sizeof(*m->parts));
        for (int i = 0; m->parts && i < parts->cnt; i++)
                m->parts[m->nparts++] = parts->elems[i].partition;
        /* A group with committed offsets outlives its members (until
         * offsets.retention.minutes), so its generation keeps counting up
         * across a restart of the whole cluster; assignments are ordered
         * by it. The offsets themselves mean nothing. */
        {
                rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
                for (int i = 0; i < c->cnt; i++)
                        c->elems[i].offset = 0;
                rd_kafka_commit(rk, c, 1);
                rd_kafka_topic_partition_list_destroy(c);
        }
        m->generation = current_generation(rk);
        mid = rd_kafka_memberid(rk);
        free(m->member_id);
        m->member_id = strdup(mid ? mid : "");
        if (mid)
                rd_kafka_mem_free(rk, mid);
        sl_info(LOGGER, "Joined group generation %d as %s with %d partition(s)", m->generation,
                m->member_id, m->nparts);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
        sl_log(level <= 3 ? SL_LOG_ERROR : level <= 4 ? SL_LOG_WARN : SL_LOG_DEBUG, "rdkafka",
               "[%s] %s: %s", rd_kafka_name(rk), fac, buf);
}

sl_member_t *sl_member_new(const sl_strmap_t *client_conf, const char *group_id,
                           const char *topic, int session_timeout_ms, int heartbeat_ms,
                           int rebalance_timeout_ms, char *errstr, size_t errstr_size) {
        sl_member_t *m = calloc(1, sizeof(*m));
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_topic_partition_list_t *sub;
        char err[512], num[32];
        rd_kafka_resp_err_t rerr;

        if (!m)
                return NULL;
        m->generation = -1;
        for (size_t i = 0; i < sl_strmap_count(client_conf); i++)
                if (rd_kafka_conf_set(conf, sl_strmap_key_at(client_conf, i),
                                      sl_strmap_value_at(client_conf, i), err,
                                      sizeof(err)) != RD_KAFKA_CONF_OK)
                        goto conf_fail;
#define SET(k, v)                                                                    \
        if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)    \
                goto conf_fail;
        SET("group.id", group_id);
        SET("client.id", "sluice-member");
        /* the mock coordinator crashes when members name different first
         * assignors, and range gives partition 0 a deterministic owner */
        SET("partition.assignment.strategy", "range");
        SET("enable.auto.commit", "false");
        SET("enable.partition.eof", "false");
        snprintf(num, sizeof(num), "%d", session_timeout_ms);
        SET("session.timeout.ms", num);
        snprintf(num, sizeof(num), "%d", heartbeat_ms);
        SET("heartbeat.interval.ms", num);
        snprintf(num, sizeof(num), "%d",
                 rebalance_timeout_ms > session_timeout_ms ? rebalance_timeout_ms
                                                           : session_timeout_ms);
        SET("max.poll.interval.ms", num);
#undef SET
        rd_kafka_conf_set_log_cb(conf, log_cb);
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
        rd_kafka_conf_set_opaque(conf, m);
        m->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
        if (!m->rk) {
                sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot create group member: %s",
                          err);
                rd_kafka_conf_destroy(conf);
                free(m);
                return NULL;
        }
        rd_kafka_poll_set_consumer(m->rk);
        sub = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
        rerr = rd_kafka_subscribe(m->rk, sub);
        rd_kafka_topic_partition_list_destroy(sub);
        if (rerr) {
                sl_seterr(errstr, errstr_size, SL_ERR_KAFKA, "Cannot join group %s: %s",
                          group_id, rd_kafka_err2str(rerr));
                sl_member_destroy(m);
                return NULL;
        }
        return m;
conf_fail:
        sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "Group member config: %s", err);
        rd_kafka_conf_destroy(conf);
        free(m);
        return NULL;
}

bool sl_member_poll(sl_member_t *m, int timeout_ms) {
        bool changed;
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(m->rk, timeout_ms);

        if (msg) {
                if (msg->err && msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                        sl_warn(LOGGER, "Group membership: %s", rd_kafka_message_errstr(msg));
                rd_kafka_message_destroy(msg);
        }
        changed = m->changed;
        m->changed = false;
        return changed;
}

int32_t sl_member_generation(const sl_member_t *m) { return m->generation; }
const char *sl_member_id(const sl_member_t *m) { return m->member_id ? m->member_id : ""; }

int sl_member_partitions(const sl_member_t *m, const int32_t **parts) {
        *parts = m->parts;
        return m->nparts;
}

void sl_member_destroy(sl_member_t *m) {
        if (!m)
                return;
        if (m->rk) {
                rd_kafka_consumer_close(m->rk);
                rd_kafka_destroy(m->rk);
        }
        free(m->parts);
        free(m->member_id);
        free(m);
}
