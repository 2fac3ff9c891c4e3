/* REST operations of a distributed worker. Reads answer from this
 * worker's view of the internal topics; writes run on the leader (others
 * forward them, once: ?forward=false marks a forwarded request) which
 * writes the config topic and reads it back before replying. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distributed/dist_int.h"
#include "rest/rest_client.h"

#define LOGGER "herder"
#define MSG_NO_LEADER                                                                   \
        "Cannot complete request momentarily due to no known leader URL, likely because " \
        "a rebalance was underway."
#define MSG_CONFLICT                                                                    \
        "Cannot complete request because of a conflicting operation (e.g. worker "       \
        "rebalance)"
#define FORWARD_TIMEOUT_MS 90000

static char *pct_encode(const char *s) {
        sl_buf_t b = SL_BUF_INIT;
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;
                if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || strchr("-._~", ch))
                        sl_buf_putc(&b, (char)ch);
                else
                        sl_buf_printf(&b, "%%%02X", ch);
        }
        sl_buf_putc(&b, '\0');
        return sl_buf_detach(&b, NULL);
}

/* Leader id and URL from the newest assignment (herder lock held). */
static const char *leader_of(sl_dist_t *d, const char **url) {
        *url = d->assignment ? sl_json_object_get_str(d->assignment, "leader_url") : NULL;
        return d->assignment ? sl_json_object_get_str(d->assignment, "leader") : NULL;
}

static void send_to(sl_dist_t *d, const char *url, const char *method, const char *path,
                    const sl_json_t *body, sl_reply_t *r) {
        sl_http_response_t resp = {0};
        char err[512], *text = body ? sl_json_to_string(body) : NULL;
        char *full = NULL;

        if (asprintf(&full, "%s%cforward=false", path, strchr(path, '?') ? '&' : '?') < 0)
                full = NULL;
        if (!full || sl_rest_client_request(d->rest_client, url, method, full, r->authorization,
                                            text, text ? strlen(text) : 0, FORWARD_TIMEOUT_MS,
                                            &resp, err, sizeof(err)) != 0) {
                sl_warn(LOGGER, "Forwarding %s %s to %s failed: %s", method, path, url, err);
                sl_reply_error(r, 409, MSG_CONFLICT);
                goto out;
        }
        r->status = resp.status;
        if (resp.body_len) {
                sl_json_t *j = sl_json_parse(resp.body, resp.body_len, NULL, 0);
                if (resp.status >= 400) {
                        const char *m = j ? sl_json_object_get_str(j, "message") : NULL;
                        r->message = strdup(m ? m : resp.body);
                        sl_json_free(j);
                } else {
                        r->body = j;
                }
        } else if (resp.status >= 400) {
                r->message = strdup("Request failed on the leader");
        }
out:
        sl_http_response_clear(&resp);
        free(full);
        free(text);
}

bool sl_dist_forward(sl_herder_t *h, const char *method, const char *path_fmt,
                     const char *name, const sl_json_t *body, sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        const char *leader, *url;
        char *lurl = NULL, *enc = name ? pct_encode(name) : NULL, *path = NULL;
        bool mine;

        pthread_mutex_lock(&h->lock);
        leader = leader_of(d, &url);
        mine = leader && !strcmp(leader, sl_worker_id(d->w));
        if (url)
                lurl = strdup(url);
        pthread_mutex_unlock(&h->lock);
        if (mine)
                goto done;
        if (r->forwarded)
                sl_reply_error(r, 409, MSG_CONFLICT);
        else if (!leader || !lurl)
                sl_reply_error(r, 409, MSG_NO_LEADER);
        else if (asprintf(&path, path_fmt, enc ? enc : "") >= 0)
                send_to(d, lurl, method, path, body, r);
        else
                sl_reply_error(r, 500, "Out of memory");
done:
        free(path);
        free(enc);
        free(lurl);
        return !mine;
}

static void write_failed(sl_reply_t *r, const char *err) {
        sl_reply_error(r, 500, "Cannot write to the config topic: %s", err);
}

/* Called with the herder lock held (from put_connector, after the config
 * validated); returns with it held. */
void sl_dist_put_connector(sl_herder_t *h, const char *name, const sl_strmap_t *config,
                           sl_target_t initial, bool allow_update,
                           sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        sl_strmap_t *cfg = sl_strmap_dup(config);
        char err[512], key[1024];
        sl_json_t *v;
        sl_conn_t *c;
        bool created;
        int rc = 0;

        pthread_mutex_unlock(&h->lock);
        {
                /* followers send the request on as the leader would take it */
                sl_json_t *body;
                bool fw;

                if (allow_update) {
                        body = sl_json_from_strmap(cfg);
                } else {
                        body = sl_json_object();
                        sl_json_object_set(body, "name", sl_json_string(name));
                        sl_json_object_set(body, "config", sl_json_from_strmap(cfg));
                        sl_json_object_set(body, "initial_state",
                                           sl_json_string(initial == SL_TARGET_STARTED ? "RUNNING"
                                                          : initial == SL_TARGET_PAUSED
                                                                  ? "PAUSED"
                                                                  : "STOPPED"));
                }
                fw = sl_dist_forward(h, allow_update ? "PUT" : "POST",
                                     allow_update ? "/connectors/%s/config" : "/connectors", name,
                                     body, r);
                sl_json_free(body);
                if (fw) {
                        if (r->status == 201 &&
                            asprintf(&r->location, "/connectors/%s", name) < 0)
                                r->location = NULL;
                        goto relock;
                }
        }
        pthread_mutex_lock(&d->write_lock);
        pthread_mutex_lock(&h->lock);
        c = sl_herder_find(h, name);
        created = c == NULL;
        pthread_mutex_unlock(&h->lock);
        if (!created && !allow_update) {
                sl_reply_error(r, 409, "Connector %s already exists", name);
                pthread_mutex_unlock(&d->write_lock);
                goto relock;
        }
        if (created) {
                v = sl_json_object();
                sl_json_object_set(v, "state", sl_json_string(initial == SL_TARGET_STOPPED
                                                                      ? "PAUSED"
                                                                      : sl_dist_target_name(initial)));
                sl_json_object_set(v, "state.v2", sl_json_string(sl_dist_target_name(initial)));
                snprintf(key, sizeof(key), "target-state-%s", name);
                rc = sl_dist_write(d, key, v, err, sizeof(err));
                sl_json_free(v);
        }
        if (rc == 0) {
                v = sl_json_object();
                sl_json_object_set(v, "properties", sl_json_from_strmap(cfg));
                snprintf(key, sizeof(key), "connector-%s", name);
                rc = sl_dist_write(d, key, v, err, sizeof(err));
                sl_json_free(v);
        }
        if (rc == 0)
                rc = sl_dist_sync(d, err, sizeof(err));
        pthread_mutex_unlock(&d->write_lock);
        pthread_mutex_lock(&h->lock);
        if (rc != 0) {
                write_failed(r, err);
        } else if ((c = sl_herder_find(h, name)) != NULL) {
                r->status = created ? 201 : 200;
                r->body = sl_conn_info(h, c);
                if (created && asprintf(&r->location, "/connectors/%s", name) < 0)
                        r->location = NULL;
                sl_info(LOGGER, "Connector %s %s", name, created ? "created" : "updated");
        } else {
                sl_reply_error(r, 409, MSG_CONFLICT);
        }
        sl_strmap_destroy(cfg);
        return;
relock:
        sl_strmap_destroy(cfg);
        pthread_mutex_lock(&h->lock);
}

/* ------------------------------------------------------------- status */

static sl_json_t *status_entry(sl_dist_t *d, const char *key, const char *owner) {
        sl_json_t *o = sl_json_object();
        const sl_json_t *st;

        pthread_mutex_lock(&d->status_lock);
        st = sl_json_object_get(d->statuses, key);
        if (st && sl_json_object_get_str(st, "state")) {
                const char *trace = sl_json_object_get_str(st, "trace");
                sl_json_object_set(o, "state", sl_json_string(sl_json_object_get_str(st, "state")));
                sl_json_object_set(o, "worker_id",
                                   sl_json_string(sl_json_object_get_str(st, "worker_id")
                                                          ? sl_json_object_get_str(st, "worker_id")
                                                          : ""));
                if (trace)
                        sl_json_object_set(o, "trace", sl_json_string(trace));
        } else {
                sl_json_object_set(o, "state", sl_json_string("UNASSIGNED"));
                sl_json_object_set(o, "worker_id", sl_json_string(owner ? owner : ""));
        }
        pthread_mutex_unlock(&d->status_lock);
        return o;
}

static const char *owner_of(sl_dist_t *d, const char *kind, const char *instance) {
        const sl_json_t *m = d->assignment ? sl_json_object_get(d->assignment, kind) : NULL;
        return m ? sl_json_object_get_str(m, instance) : NULL;
}

static sl_json_t *task_status(sl_dist_t *d, sl_conn_t *c, int i) {
        char key[1024], inst[1024];
        sl_json_t *o;

        snprintf(key, sizeof(key), "status-task-%s-%d", c->name, i);
        snprintf(inst, sizeof(inst), "%s-%d", c->name, i);
        o = status_entry(d, key, owner_of(d, "tasks", inst));
        sl_json_object_set(o, "id", sl_json_int(i));
        return o;
}

static sl_json_t *conn_status(sl_dist_t *d, sl_conn_t *c) {
        sl_json_t *o = sl_json_object(), *tasks = sl_json_array();
        char key[1024];

        snprintf(key, sizeof(key), "status-connector-%s", c->name);
        sl_json_object_set(o, "name", sl_json_string(c->name));
        sl_json_object_set(o, "connector", status_entry(d, key, owner_of(d, "connectors", c->name)));
        for (int i = 0; i < c->ntasks; i++)
                sl_json_array_append(tasks, task_status(d, c, i));
        sl_json_object_set(o, "tasks", tasks);
        sl_json_object_set(o, "type", sl_json_string(sl_conn_type(c)));
        return o;
}

sl_json_t *sl_dist_conn_status(sl_herder_t *h, sl_conn_t *c) {
        return conn_status(h->dist, c);
}

void sl_dist_status(sl_herder_t *h, const char *name, sl_reply_t *r) {
        sl_conn_t *c;
        pthread_mutex_lock(&h->lock);
        c = sl_herder_find(h, name);
        if (!c)
                sl_reply_error(r, 404, "No status found for connector %s", name);
        else {
                r->status = 200;
                r->body = conn_status(h->dist, c);
        }
        pthread_mutex_unlock(&h->lock);
}

void sl_dist_task_status(sl_herder_t *h, const char *name, int task, sl_reply_t *r) {
        sl_conn_t *c;
        pthread_mutex_lock(&h->lock);
        c = sl_herder_find(h, name);
        if (!c || task < 0 || task >= c->ntasks)
                sl_reply_error(r, 404, "No status found for task %s-%d", name, task);
        else {
                r->status = 200;
                r->body = task_status(h->dist, c, task);
        }
        pthread_mutex_unlock(&h->lock);
}

/* ---------------------------------------------------------- lifecycle */

/* On the leader: look the connector up, then write under write_lock. */
static bool leader_find(sl_herder_t *h, const char *name, const char *missing_fmt,
                        sl_reply_t *r) {
        bool found;
        pthread_mutex_lock(&h->lock);
        found = sl_herder_find(h, name) != NULL;
        pthread_mutex_unlock(&h->lock);
        if (!found)
                sl_reply_error(r, 404, missing_fmt, name);
        return found;
}

void sl_dist_target(sl_herder_t *h, const char *name, sl_target_t target, sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        const char *verb = target == SL_TARGET_PAUSED ? "pause"
                           : target == SL_TARGET_STOPPED ? "stop" : "resume";
        char path[64], key[1024], err[512];
        sl_json_t *v;
        int rc;

        snprintf(path, sizeof(path), "/connectors/%%s/%s", verb);
        if (sl_dist_forward(h, "PUT", path, name, NULL, r))
                return;
        pthread_mutex_lock(&d->write_lock);
        if (!leader_find(h, name, "Unknown connector %s", r))
                goto out;
        v = sl_json_object();
        sl_json_object_set(v, "state", sl_json_string(target == SL_TARGET_STOPPED
                                                              ? "PAUSED"
                                                              : sl_dist_target_name(target)));
        sl_json_object_set(v, "state.v2", sl_json_string(sl_dist_target_name(target)));
        snprintf(key, sizeof(key), "target-state-%s", name);
        rc = sl_dist_write(d, key, v, err, sizeof(err));
        sl_json_free(v);
        if (rc == 0 && target == SL_TARGET_STOPPED) {
                /* a stopped connector has no tasks (KIP-875) */
                sl_json_t *none = sl_json_array();
                rc = sl_dist_write_tasks(d, name, none, err, sizeof(err));
                sl_json_free(none);
        }
        if (rc == 0)
                rc = sl_dist_sync(d, err, sizeof(err));
        if (rc != 0)
                write_failed(r, err);
        else
                r->status = target == SL_TARGET_STOPPED ? 204 : 202;
        sl_info(LOGGER, "Connector %s target state %s", name, sl_dist_target_name(target));
out:
        pthread_mutex_unlock(&d->write_lock);
}

void sl_dist_delete(sl_herder_t *h, const char *name, sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        char key[1024], err[512];
        int rc;

        if (sl_dist_forward(h, "DELETE", "/connectors/%s", name, NULL, r))
                return;
        pthread_mutex_lock(&d->write_lock);
        if (!leader_find(h, name, "Connector %s not found", r))
                goto out;
        snprintf(key, sizeof(key), "connector-%s", name);
        rc = sl_dist_write(d, key, NULL, err, sizeof(err));
        snprintf(key, sizeof(key), "target-state-%s", name);
        if (rc == 0)
                rc = sl_dist_write(d, key, NULL, err, sizeof(err));
        if (rc == 0)
                rc = sl_dist_sync(d, err, sizeof(err));
        if (rc != 0)
                write_failed(r, err);
        else {
                r->status = 204;
                sl_info(LOGGER, "Connector %s deleted", name);
        }
out:
        pthread_mutex_unlock(&d->write_lock);
}

static bool state_is(const sl_json_t *st, const char *state) {
        const char *s = sl_json_object_get_str(st, "state");
        return s && !strcmp(s, state);
}

void sl_dist_restart(sl_herder_t *h, const char *name, bool include_tasks, bool only_failed,
                     sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        char path[1024], key[1024], err[512];
        sl_json_t *v, *st = NULL;
        sl_conn_t *c;
        int rc;

        snprintf(path, sizeof(path), "/connectors/%%s/restart?includeTasks=%s&onlyFailed=%s",
                 include_tasks ? "true" : "false", only_failed ? "true" : "false");
        if (sl_dist_forward(h, "POST", path, name, NULL, r))
                return;
        pthread_mutex_lock(&d->write_lock);
        pthread_mutex_lock(&h->lock);
        c = sl_herder_find(h, name);
        if (c && (include_tasks || only_failed)) {
                sl_json_t *tasks;
                st = conn_status(d, c);
                if (!only_failed || state_is(sl_json_object_get(st, "connector"), "FAILED"))
                        sl_json_object_set(sl_json_object_get(st, "connector"), "state",
                                           sl_json_string("RESTARTING"));
                tasks = sl_json_object_get(st, "tasks");
                for (size_t i = 0; include_tasks && tasks && i < tasks->u.arr.len; i++)
                        if (!only_failed || state_is(tasks->u.arr.items[i], "FAILED"))
                                sl_json_object_set(tasks->u.arr.items[i], "state",
                                                   sl_json_string("RESTARTING"));
        }
        pthread_mutex_unlock(&h->lock);
        if (!c) {
                sl_reply_error(r, 404, "Unknown connector: %s", name);
                goto out;
        }
        v = sl_json_object();
        sl_json_object_set(v, "include-tasks", sl_json_bool(include_tasks));
        sl_json_object_set(v, "only-failed", sl_json_bool(only_failed));
        snprintf(key, sizeof(key), "restart-connector-%s", name);
        rc = sl_dist_write(d, key, v, err, sizeof(err));
        sl_json_free(v);
        if (rc == 0)
                rc = sl_dist_sync(d, err, sizeof(err));
        if (rc != 0) {
                write_failed(r, err);
        } else if (st) {
                r->status = 202;
                r->body = st;
                st = NULL;
        } else {
                r->status = 204;
        }
out:
        sl_json_free(st);
        pthread_mutex_unlock(&d->write_lock);
}

/* The worker running the task restarts it; others send the request there. */
void sl_dist_task_restart(sl_herder_t *h, const char *name, int task, sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        char inst[1024], path[64];
        const char *owner, *url = NULL;
        const sl_json_t *workers;
        char *ourl = NULL, *enc;
        sl_conn_t *c;
        bool mine = false;

        snprintf(inst, sizeof(inst), "%s-%d", name, task);
        pthread_mutex_lock(&h->lock);
        c = sl_herder_find(h, name);
        if (!c || task < 0 || task >= c->ntasks) {
                pthread_mutex_unlock(&h->lock);
                sl_reply_error(r, 404, "Unknown task: %s-%d", name, task);
                return;
        }
        owner = owner_of(d, "tasks", inst);
        workers = d->assignment ? sl_json_object_get(d->assignment, "workers") : NULL;
        if (owner && !strcmp(owner, sl_worker_id(d->w))) {
                mine = true;
                sl_json_array_append(d->task_restarts, sl_json_string(inst));
        } else if (owner && workers && (url = sl_json_object_get_str(workers, owner))) {
                ourl = strdup(url);
        }
        pthread_mutex_unlock(&h->lock);
        if (mine) {
                r->status = 204;
        } else if (!ourl || r->forwarded) {
                sl_reply_error(r, 409, MSG_CONFLICT);
        } else {
                char *full = NULL;
                enc = pct_encode(name);
                snprintf(path, sizeof(path), "/tasks/%d/restart", task);
                if (asprintf(&full, "/connectors/%s%s", enc, path) >= 0)
                        send_to(d, ourl, "POST", full, NULL, r);
                free(full);
                free(enc);
        }
        free(ourl);
}

void sl_dist_put_tasks(sl_herder_t *h, const char *name, const sl_json_t *body, sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        char err[512];
        int rc;

        if (!body || body->type != SL_JSON_ARRAY) {
                sl_reply_error(r, 400, "Task configs must be a JSON array of objects");
                return;
        }
        for (size_t i = 0; i < body->u.arr.len; i++) {
                const sl_json_t *t = body->u.arr.items[i];
                if (t->type != SL_JSON_OBJECT) {
                        sl_reply_error(r, 400, "Task configs must be a JSON array of objects");
                        return;
                }
                for (size_t k = 0; k < t->u.obj.len; k++)
                        if (t->u.obj.vals[k]->type != SL_JSON_STRING) {
                                sl_reply_error(r, 400, "Task config values must be strings");
                                return;
                        }
        }
        if (sl_dist_forward(h, "POST", "/connectors/%s/tasks", name, body, r))
                return;
        pthread_mutex_lock(&d->write_lock);
        if (leader_find(h, name, "Connector %s not found", r)) {
                rc = sl_dist_write_tasks(d, name, body, err, sizeof(err));
                if (rc == 0)
                        rc = sl_dist_sync(d, err, sizeof(err));
                if (rc != 0)
                        write_failed(r, err);
                else
                        r->status = 204;
        }
        pthread_mutex_unlock(&d->write_lock);
}

void sl_dist_offsets_sync(sl_herder_t *h) {
        sl_klog_read_to_end(h->dist->offset_log, 10000);
}

/* ------------------------------------------------------ active topics */

static bool is_topic_key(const char *key, const char *name, const char **topic, size_t *len) {
        const char *suffix;
        size_t klen = strlen(key), slen;
        char buf[1100];

        if (strncmp(key, "status-topic-", 13) != 0)
                return false;
        snprintf(buf, sizeof(buf), ":connector-%s", name);
        slen = strlen(buf);
        if (klen < 13 + slen + 1)
                return false;
        suffix = key + klen - slen;
        if (strcmp(suffix, buf) != 0)
                return false;
        *topic = key + 13;
        *len = (size_t)(suffix - *topic);
        return true;
}

void sl_dist_topics(sl_herder_t *h, const char *name, sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        sl_json_t *topics = sl_json_array(), *inner = sl_json_object();
        bool found;

        pthread_mutex_lock(&h->lock);
        found = sl_herder_find(h, name) != NULL;
        pthread_mutex_unlock(&h->lock);
        if (!found) {
                sl_json_free(topics);
                sl_json_free(inner);
                sl_reply_error(r, 404, "Connector %s not found", name);
                return;
        }
        pthread_mutex_lock(&d->status_lock);
        for (size_t i = 0; i < d->statuses->u.obj.len; i++) {
                const char *topic;
                size_t len;
                if (is_topic_key(d->statuses->u.obj.keys[i], name, &topic, &len))
                        sl_json_array_append(topics, sl_json_stringn(topic, len));
        }
        pthread_mutex_unlock(&d->status_lock);
        sl_json_object_set(inner, "topics", topics);
        r->status = 200;
        r->body = sl_json_object();
        sl_json_object_set(r->body, name, inner);
}

/* Tombstones for the connector's records; the tasks start their sets over
 * when they read them. */
void sl_dist_topics_reset(sl_herder_t *h, const char *name, sl_reply_t *r) {
        sl_dist_t *d = h->dist;
        sl_json_t *keys = sl_json_array();
        char err[256];
        bool found;

        pthread_mutex_lock(&h->lock);
        found = sl_herder_find(h, name) != NULL;
        pthread_mutex_unlock(&h->lock);
        if (!found) {
                sl_json_free(keys);
                sl_reply_error(r, 404, "Connector %s not found", name);
                return;
        }
        pthread_mutex_lock(&d->status_lock);
        for (size_t i = 0; i < d->statuses->u.obj.len; i++) {
                const char *topic;
                size_t len;
                if (is_topic_key(d->statuses->u.obj.keys[i], name, &topic, &len))
                        sl_json_array_append(keys, sl_json_string(d->statuses->u.obj.keys[i]));
        }
        pthread_mutex_unlock(&d->status_lock);
        for (size_t i = 0; i < keys->u.arr.len; i++) {
                const char *k = keys->u.arr.items[i]->u.str.ptr;
                sl_klog_send(d->status_log, k, strlen(k), NULL, 0, 10000, NULL, NULL, err,
                             sizeof(err));
        }
        sl_klog_read_to_end(d->status_log, 10000);
        sl_json_free(keys);
        r->status = 202;
}
