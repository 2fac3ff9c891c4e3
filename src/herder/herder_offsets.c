/* GET / PATCH / DELETE /connectors/{name}/offsets (KIP-875). Source
 * offsets live in the worker's offset store; sink offsets are the
 * committed offsets of consumer group connect-<name>. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "herder/herder_int.h"

#define MSG_NOT_STOPPED                                                                  \
        "Connectors must be in the STOPPED state before their offsets can be modified. "  \
        "This can be done for the specified connector by issuing a 'PUT' request to the " \
        "'/connectors/%s/stop' endpoint"
#define KAFKA_TIMEOUT_MS 10000

static void reply_message(sl_reply_t *r, const char *msg) {
        r->status = 200;
        r->body = sl_json_object();
        sl_json_object_set(r->body, "message", sl_json_string(msg));
}

/* -------------------------------------------------------------- sinks */

static bool topic_selected(const char *topic, char **topics, int ntopics, regex_t *re) {
        if (re)
                return regexec(re, topic, 0, NULL, 0) == 0;
        for (int i = 0; i < ntopics; i++)
                if (!strcmp(topics[i], topic))
                        return true;
        return false;
}

/* Committed offsets of the sink's group for every partition of its topics;
 * NULL with r set on error. */
static rd_kafka_topic_partition_list_t *sink_committed(sl_herder_t *h, sl_conn_t *c,
                                                       sl_reply_t *r) {
        char err[1024];
        sl_strmap_t *cfg = sl_strmap_new();
        rd_kafka_conf_t *conf = NULL;
        rd_kafka_t *rk = NULL;
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_partition_list_t *list = NULL;
        char **topics = NULL;
        int ntopics = 0;
        regex_t re;
        bool have_re = false;
        rd_kafka_resp_err_t kerr;

        if (sl_providers_resolve(sl_worker_providers(h->worker), c->config, cfg, err,
                                 sizeof(err)) != 0) {
                sl_reply_error(r, 500, "%s", err);
                goto out;
        }
        if (sl_strmap_get(cfg, "topics.regex") && *sl_strmap_get(cfg, "topics.regex")) {
                char *pat = NULL;
                if (asprintf(&pat, "^(%s)$", sl_strmap_get(cfg, "topics.regex")) >= 0) {
                        have_re = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) == 0;
                        free(pat);
                }
        } else {
                ntopics = sl_config_list(sl_strmap_get(cfg, "topics"), &topics);
        }
        conf = sl_worker_consumer_conf(h->worker, c->name, -1, cfg, err, sizeof(err));
        if (!conf || !(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err)))) {
                if (conf)
                        rd_kafka_conf_destroy(conf);
                sl_reply_error(r, 500, "Cannot create a client to read offsets: %s", err);
                goto out;
        }
        kerr = rd_kafka_metadata(rk, 1, NULL, &md, KAFKA_TIMEOUT_MS);
        if (kerr) {
                sl_reply_error(r, 500, "Cannot read topic metadata: %s", rd_kafka_err2str(kerr));
                goto out;
        }
        list = rd_kafka_topic_partition_list_new(16);
        for (int i = 0; i < md->topic_cnt; i++)
                if (topic_selected(md->topics[i].topic, topics, ntopics, have_re ? &re : NULL))
                        for (int p = 0; p < md->topics[i].partition_cnt; p++)
                                rd_kafka_topic_partition_list_add(list, md->topics[i].topic,
                                                                  md->topics[i].partitions[p].id);
        if (list->cnt > 0 && (kerr = rd_kafka_committed(rk, list, KAFKA_TIMEOUT_MS))) {
                sl_reply_error(r, 500, "Cannot read committed offsets of group connect-%s: %s",
                               c->name, rd_kafka_err2str(kerr));
                rd_kafka_topic_partition_list_destroy(list);
                list = NULL;
        }
out:
        if (md)
                rd_kafka_metadata_destroy(md);
        if (rk)
                rd_kafka_destroy(rk);
        if (have_re)
                regfree(&re);
        sl_config_list_free(topics, ntopics);
        sl_strmap_destroy(cfg);
        return list;
}

static sl_json_t *sink_offsets_json(const rd_kafka_topic_partition_list_t *list) {
        sl_json_t *arr = sl_json_array();
        for (int i = 0; i < list->cnt; i++) {
                sl_json_t *e, *p, *o;
                if (list->elems[i].offset < 0)
                        continue;
                e = sl_json_object();
                p = sl_json_object();
                o = sl_json_object();
                sl_json_object_set(p, "kafka_topic", sl_json_string(list->elems[i].topic));
                sl_json_object_set(p, "kafka_partition", sl_json_int(list->elems[i].partition));
                sl_json_object_set(o, "kafka_offset", sl_json_int(list->elems[i].offset));
                sl_json_object_set(e, "partition", p);
                sl_json_object_set(e, "offset", o);
                sl_json_array_append(arr, e);
        }
        return arr;
}

/* Run one group-offsets admin request and wait for its result. */
static int sink_admin(sl_herder_t *h, sl_conn_t *c, rd_kafka_topic_partition_list_t *alter,
                      rd_kafka_topic_partition_list_t *del, sl_reply_t *r) {
        char err[512], group[512];
        rd_kafka_t *rk = sl_worker_admin_client(h->worker, err, sizeof(err));
        rd_kafka_queue_t *q;
        rd_kafka_event_t *ev;
        int rc = 0;

        if (!rk)
                return sl_reply_error(r, 500, "%s", err);
        snprintf(group, sizeof(group), "connect-%s", c->name);
        q = rd_kafka_queue_new(rk);
        if (alter) {
                rd_kafka_AlterConsumerGroupOffsets_t *req =
                        rd_kafka_AlterConsumerGroupOffsets_new(group, alter);
                rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, NULL, q);
                rd_kafka_AlterConsumerGroupOffsets_destroy(req);
        } else {
                rd_kafka_DeleteConsumerGroupOffsets_t *req =
                        rd_kafka_DeleteConsumerGroupOffsets_new(group, del);
                rd_kafka_DeleteConsumerGroupOffsets(rk, &req, 1, NULL, q);
                rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
        }
        ev = rd_kafka_queue_poll(q, KAFKA_TIMEOUT_MS + 5000);
        if (!ev) {
                rc = sl_reply_error(r, 500, "Timed out changing offsets of group %s", group);
        } else if (rd_kafka_event_error(ev)) {
                rc = sl_reply_error(r, 500, "Cannot change offsets of group %s: %s", group,
                                    rd_kafka_event_error_string(ev));
        } else {
                const rd_kafka_group_result_t **g;
                size_t n = 0;
                if (alter)
                        g = rd_kafka_AlterConsumerGroupOffsets_result_groups(
                                rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
                else
                        g = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
                                rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
                for (size_t i = 0; i < n && !rc; i++) {
                        const rd_kafka_error_t *e = rd_kafka_group_result_error(g[i]);
                        const rd_kafka_topic_partition_list_t *pl =
                                rd_kafka_group_result_partitions(g[i]);
                        if (e)
                                rc = sl_reply_error(r, 500, "Cannot change offsets of group %s: %s",
                                                    group, rd_kafka_error_string(e));
                        for (int p = 0; !rc && pl && p < pl->cnt; p++)
                                if (pl->elems[p].err)
                                        rc = sl_reply_error(
                                                r, 500, "Cannot change offset of %s [%d]: %s",
                                                pl->elems[p].topic, (int)pl->elems[p].partition,
                                                rd_kafka_err2str(pl->elems[p].err));
                }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}

/* ------------------------------------------------------------- common */

void sl_herder_offsets_locked(sl_herder_t *h, sl_conn_t *c, sl_reply_t *r) {
        sl_json_t *list;

        if (c->plugin && c->plugin->type == SL_CONNECTOR_SINK) {
                rd_kafka_topic_partition_list_t *committed = sink_committed(h, c, r);
                if (!committed)
                        return;
                list = sink_offsets_json(committed);
                rd_kafka_topic_partition_list_destroy(committed);
        } else {
                list = sl_offset_store_list(sl_worker_offsets(h->worker), c->name);
        }
        r->status = 200;
        r->body = sl_json_object();
        sl_json_object_set(r->body, "offsets", list);
}

static bool primitive_map(const sl_json_t *o) {
        if (!o || o->type != SL_JSON_OBJECT)
                return false;
        for (size_t i = 0; i < o->u.obj.len; i++)
                if (o->u.obj.vals[i]->type == SL_JSON_ARRAY ||
                    o->u.obj.vals[i]->type == SL_JSON_OBJECT)
                        return false;
        return true;
}

static int alter_source(sl_herder_t *h, sl_conn_t *c, const sl_json_t *offsets, sl_reply_t *r) {
        char err[512];

        for (size_t i = 0; i < offsets->u.arr.len; i++) {
                const sl_json_t *e = offsets->u.arr.items[i];
                const sl_json_t *p = sl_json_object_get(e, "partition");
                const sl_json_t *o = sl_json_object_get(e, "offset");
                if (!primitive_map(p))
                        return sl_reply_error(r, 400, "Source partitions must be JSON objects "
                                                      "with primitive values (entry %zu)", i);
                if (o && o->type != SL_JSON_NULL && !primitive_map(o))
                        return sl_reply_error(r, 400, "Source offsets must be JSON objects "
                                                      "with primitive values or null (entry %zu)",
                                              i);
        }
        for (size_t i = 0; i < offsets->u.arr.len; i++) {
                const sl_json_t *e = offsets->u.arr.items[i];
                const sl_json_t *o = sl_json_object_get(e, "offset");
                sl_offset_store_put(sl_worker_offsets(h->worker), c->name,
                                    sl_json_object_get(e, "partition"),
                                    o && o->type != SL_JSON_NULL ? o : NULL);
        }
        if (sl_offset_store_flush(sl_worker_offsets(h->worker), err, sizeof(err)) != 0)
                return sl_reply_error(r, 500, "%s", err);
        return 0;
}

static int alter_sink(sl_herder_t *h, sl_conn_t *c, const sl_json_t *offsets, sl_reply_t *r) {
        rd_kafka_topic_partition_list_t *alter = rd_kafka_topic_partition_list_new(4);
        rd_kafka_topic_partition_list_t *del = rd_kafka_topic_partition_list_new(4);
        int rc = 0;

        for (size_t i = 0; i < offsets->u.arr.len && !rc; i++) {
                const sl_json_t *e = offsets->u.arr.items[i];
                const sl_json_t *p = sl_json_object_get(e, "partition");
                const sl_json_t *o = sl_json_object_get(e, "offset");
                const char *topic = sl_json_object_get_str(p, "kafka_topic");
                const sl_json_t *part = sl_json_object_get(p, "kafka_partition");
                const sl_json_t *off = o ? sl_json_object_get(o, "kafka_offset") : NULL;

                if (!topic || !part || part->type != SL_JSON_INT || part->u.i < 0)
                        rc = sl_reply_error(r, 400, "Sink partitions must be {\"kafka_topic\": "
                                                    "<string>, \"kafka_partition\": <int>} "
                                                    "(entry %zu)", i);
                else if (o && o->type != SL_JSON_NULL &&
                         (!off || off->type != SL_JSON_INT || off->u.i < 0))
                        rc = sl_reply_error(r, 400, "Sink offsets must be {\"kafka_offset\": "
                                                    "<non-negative int>} or null (entry %zu)", i);
                else if (off)
                        rd_kafka_topic_partition_list_add(alter, topic, (int32_t)part->u.i)
                                ->offset = off->u.i;
                else
                        rd_kafka_topic_partition_list_add(del, topic, (int32_t)part->u.i);
        }
        if (!rc && alter->cnt > 0)
                rc = sink_admin(h, c, alter, NULL, r);
        if (!rc && del->cnt > 0)
                rc = sink_admin(h, c, NULL, del, r);
        rd_kafka_topic_partition_list_destroy(alter);
        rd_kafka_topic_partition_list_destroy(del);
        return rc;
}

void sl_herder_alter_offsets_locked(sl_herder_t *h, sl_conn_t *c, const sl_json_t *body,
                                    sl_reply_t *r) {
        const sl_json_t *offsets = sl_json_object_get(body, "offsets");

        if (c->target != SL_TARGET_STOPPED) {
                sl_reply_error(r, 400, MSG_NOT_STOPPED, c->name);
                return;
        }
        if (!offsets || offsets->type != SL_JSON_ARRAY || offsets->u.arr.len == 0) {
                sl_reply_error(r, 400,
                               "Partitions / offsets need to be provided for an alter offsets "
                               "request");
                return;
        }
        if ((c->plugin && c->plugin->type == SL_CONNECTOR_SINK ? alter_sink(h, c, offsets, r)
                                                              : alter_source(h, c, offsets, r)) != 0)
                return;
        reply_message(r, "The offsets for this connector have been altered successfully");
}

void sl_herder_reset_offsets_locked(sl_herder_t *h, sl_conn_t *c, sl_reply_t *r) {
        char err[512];

        if (c->target != SL_TARGET_STOPPED) {
                sl_reply_error(r, 400, MSG_NOT_STOPPED, c->name);
                return;
        }
        if (c->plugin && c->plugin->type == SL_CONNECTOR_SINK) {
                rd_kafka_topic_partition_list_t *committed = sink_committed(h, c, r);
                rd_kafka_topic_partition_list_t *del;
                int rc = 0;
                if (!committed)
                        return;
                del = rd_kafka_topic_partition_list_new(committed->cnt + 1);
                for (int i = 0; i < committed->cnt; i++)
                        if (committed->elems[i].offset >= 0)
                                rd_kafka_topic_partition_list_add(del, committed->elems[i].topic,
                                                                  committed->elems[i].partition);
                if (del->cnt > 0)
                        rc = sink_admin(h, c, NULL, del, r);
                rd_kafka_topic_partition_list_destroy(del);
                rd_kafka_topic_partition_list_destroy(committed);
                if (rc)
                        return;
        } else {
                sl_offset_store_remove_all(sl_worker_offsets(h->worker), c->name);
                if (sl_offset_store_flush(sl_worker_offsets(h->worker), err, sizeof(err)) != 0) {
                        sl_reply_error(r, 500, "%s", err);
                        return;
                }
        }
        reply_message(r, "The offsets for this connector have been reset successfully");
}
