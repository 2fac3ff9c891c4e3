/* Standalone herder: connector lifecycle under one lock. Task threads
 * never take this lock (they report through atomics), so stopping a task
 * while holding it cannot deadlock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/props.h"
#include "herder/herder_int.h"
#include "util/log.h"
#include "util/redact.h"

#define LOGGER "herder"

/* ------------------------------------------------------------ registry */

sl_conn_t *sl_herder_find(sl_herder_t *h, const char *name) {
        for (size_t i = 0; i < h->n; i++)
                if (!strcmp(h->conns[i]->name, name))
                        return h->conns[i];
        return NULL;
}

static void free_task_configs(sl_conn_t *c) {
        for (int i = 0; i < c->ntasks; i++)
                sl_strmap_destroy(c->task_configs[i]);
        free(c->task_configs);
        free(c->tasks);
        c->task_configs = NULL;
        c->tasks = NULL;
        c->ntasks = 0;
}

/* Stop task i, keeping the topics it used as the connector's. */
static void retire_task(sl_conn_t *c, int i) {
        if (!c->tasks[i])
                return;
        if (!c->active_topics)
                c->active_topics = sl_strmap_new();
        sl_task_topics(c->tasks[i], c->active_topics, false);
        sl_task_stop(c->tasks[i]);
        c->tasks[i] = NULL;
}

static void conn_stop_tasks(sl_conn_t *c) {
        for (int i = 0; i < c->ntasks; i++)
                retire_task(c, i);
        free_task_configs(c);
        sl_strmap_destroy(c->resolved);
        c->resolved = NULL;
}

static void conn_set_trace(sl_conn_t *c, const char *msg) {
        free(c->trace);
        c->trace = NULL;
        if (msg && asprintf(&c->trace, "org.apache.kafka.connect.errors.ConnectException: %s",
                            msg) < 0)
                c->trace = NULL;
        if (c->trace && sl_redact_active()) {
                char *masked = sl_redact_dup(c->trace);
                free(c->trace);
                c->trace = masked;
        }
        if (msg)
                sl_error(LOGGER, "Connector %s failed: %s", c->name, msg);
}

static sl_strmap_t *merged_task_config(const sl_conn_t *c, int i) {
        sl_strmap_t *m = sl_strmap_dup(c->resolved);
        const sl_strmap_t *tc = c->task_configs[i];
        for (size_t k = 0; k < sl_strmap_count(tc); k++)
                sl_strmap_set(m, sl_strmap_key_at(tc, k), sl_strmap_value_at(tc, k));
        return m;
}

static void start_task(sl_herder_t *h, sl_conn_t *c, int i) {
        sl_strmap_t *cfg = merged_task_config(c, i);
        c->tasks[i] = sl_task_start(h->worker, c->plugin, c->name, i, cfg,
                                    c->target == SL_TARGET_PAUSED);
        sl_strmap_destroy(cfg);
}

/* What a Connector instance produces from its config: the resolved
 * config and its task configs. */
typedef struct generation {
        sl_strmap_t *resolved;
        sl_strmap_t **cfgs;
        int n;
} generation_t;

static void generation_clear(generation_t *g) {
        for (int i = 0; g->cfgs && i < g->n; i++)
                sl_strmap_destroy(g->cfgs[i]);
        free(g->cfgs);
        sl_strmap_destroy(g->resolved);
        memset(g, 0, sizeof(*g));
}

/* Validate and resolve c's config and ask the plugin for task configs.
 * Returns 0, or sets the connector's trace and returns -1. */
static int conn_generate(sl_herder_t *h, sl_conn_t *c, generation_t *g) {
        sl_validation_t v;
        sl_reply_t r = {0};
        char err[1024] = "";
        int max;

        memset(g, 0, sizeof(*g));
        if (sl_connector_validate(h->worker, c->config, &v, &r) != 0 ||
            sl_validation_reply_errors(&v, &r) > 0) {
                conn_set_trace(c, r.message);
                sl_reply_clear(&r);
                if (v.errs)
                        sl_validation_clear(&v);
                return -1;
        }
        c->plugin = v.plugin;
        g->resolved = v.resolved;
        v.resolved = NULL;
        sl_validation_clear(&v);
        max = (int)sl_config_long(g->resolved, "tasks.max", 1);
        g->cfgs = calloc((size_t)max, sizeof(*g->cfgs));
        for (int i = 0; g->cfgs && i < max; i++)
                g->cfgs[i] = sl_strmap_new();
        /* the connector's own code logs as [name|worker] (Kafka's MDC) */
        sl_log_ctx_t prev = sl_log_ctx_set(c->name, -1, NULL);
        g->n = g->cfgs ? c->plugin->task_configs(g->resolved, max, g->cfgs, err, sizeof(err))
                       : -1;
        sl_log_ctx_restore(prev);
        if (g->n > max)
                g->n = max;
        for (int i = g->n < 0 ? 0 : g->n; g->cfgs && i < max; i++)
                sl_strmap_destroy(g->cfgs[i]);
        if (g->n < 0) {
                g->n = 0;
                generation_clear(g);
                conn_set_trace(c, *err ? err : "Connector failed to generate task configs");
                return -1;
        }
        return 0;
}

static bool generation_same(const sl_conn_t *c, const generation_t *g) {
        if (!c->resolved || g->n != c->ntasks)
                return false;
        for (int i = 0; i < g->n; i++)
                if (!sl_strmap_equal(g->cfgs[i], c->task_configs[i]))
                        return false;
        return true;
}

/* Start tasks for generation g (taken over); c has no tasks running. */
static void conn_launch(sl_herder_t *h, sl_conn_t *c, generation_t *g) {
        /* before any task's client can auto-create them with 4 partitions */
        if (sl_worker_embedded(h->worker)) {
                for (const char *const *k = (const char *const[]){"topic", "topics", NULL}; *k;
                     k++) {
                        char **items = NULL;
                        int nt = sl_config_list(sl_strmap_get(g->resolved, *k), &items);
                        for (int i = 0; i < nt; i++)
                                sl_worker_embedded_topic(h->worker, items[i]);
                        sl_config_list_free(items, nt);
                }
        }
        c->resolved = g->resolved;
        c->task_configs = g->cfgs;
        c->ntasks = g->n;
        memset(g, 0, sizeof(*g));
        c->tasks = calloc((size_t)(c->ntasks ? c->ntasks : 1), sizeof(*c->tasks));
        for (int i = 0; i < c->ntasks; i++)
                start_task(h, c, i);
        sl_info(LOGGER, "Connector %s started with %d task(s)%s", c->name, c->ntasks,
                c->target == SL_TARGET_PAUSED ? " (paused)" : "");
}

/* Generate task configs from the current config and start the tasks. */
static void conn_start(sl_herder_t *h, sl_conn_t *c) {
        generation_t g;

        conn_set_trace(c, NULL);
        if (c->target == SL_TARGET_STOPPED || conn_generate(h, c, &g) != 0)
                return;
        conn_launch(h, c, &g);
}

void sl_conn_free(sl_conn_t *c) {
        conn_stop_tasks(c);
        sl_strmap_destroy(c->active_topics);
        sl_strmap_destroy(c->config);
        free(c->trace);
        free(c->name);
        free(c);
}

int sl_herder_conn_add(sl_herder_t *h, sl_conn_t *c) {
        if (h->n == h->cap) {
                size_t cap = h->cap ? h->cap * 2 : 8;
                sl_conn_t **l = realloc(h->conns, cap * sizeof(*l));
                if (!l)
                        return SL_ERR_NOMEM;
                h->conns = l;
                h->cap = cap;
        }
        h->conns[h->n++] = c;
        return 0;
}

void sl_herder_conn_remove(sl_herder_t *h, sl_conn_t *c) {
        for (size_t i = 0; i < h->n; i++) {
                if (h->conns[i] == c) {
                        memmove(&h->conns[i], &h->conns[i + 1], (h->n - i - 1) * sizeof(*h->conns));
                        h->n--;
                        return;
                }
        }
}

sl_herder_t *sl_herder_new(struct sl_worker *w) {
        sl_herder_t *h = calloc(1, sizeof(*h));
        if (!h)
                return NULL;
        pthread_mutex_init(&h->lock, NULL);
        h->worker = w;
        atomic_init(&h->ready, false);
        return h;
}

void sl_herder_destroy(sl_herder_t *h) {
        if (!h)
                return;
        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < h->n; i++)
                sl_conn_free(h->conns[i]);
        free(h->conns);
        h->conns = NULL;
        h->n = 0;
        pthread_mutex_unlock(&h->lock);
        pthread_mutex_destroy(&h->lock);
        free(h);
}

void sl_herder_set_ready(sl_herder_t *h) {
        atomic_store(&h->ready, true);
}

/* ------------------------------------------------------ create / update */

/* Create (or, with allow_update, replace) a connector. config is raw and
 * already carries "name". Sets 201/200 with ConnectorInfo or an error. */
static void put_connector(sl_herder_t *h, const char *name, const sl_strmap_t *config,
                          sl_target_t initial, bool allow_update, sl_reply_t *r) {
        sl_validation_t v;
        sl_conn_t *c = sl_herder_find(h, name);
        bool created = false;

        if (c && !allow_update) {
                sl_reply_error(r, 409, "Connector %s already exists", name);
                return;
        }
        if (sl_connector_validate(h->worker, config, &v, r) != 0)
                return;
        if (sl_validation_reply_errors(&v, r) > 0) {
                sl_validation_clear(&v);
                return;
        }
        if (h->dist) {
                sl_validation_clear(&v);
                sl_dist_put_connector(h, name, config, initial, allow_update, r);
                return;
        }
        if (!c) {
                c = calloc(1, sizeof(*c));
                c->name = strdup(name);
                c->target = initial;
                sl_herder_conn_add(h, c);
                created = true;
        } else {
                conn_stop_tasks(c);
                sl_strmap_destroy(c->config);
        }
        c->config = sl_strmap_dup(config);
        c->plugin = v.plugin;
        sl_validation_clear(&v);
        conn_start(h, c);
        r->status = created ? 201 : 200;
        r->body = sl_conn_info(h, c);
        if (created && asprintf(&r->location, "/connectors/%s", name) < 0)
                r->location = NULL;
        sl_info(LOGGER, "Connector %s %s", name, created ? "created" : "updated");
}

/* Configs are string maps; a JSON null is refused as Kafka does. */
static int body_to_config(const sl_json_t *obj, sl_strmap_t *out, sl_reply_t *r) {
        char err[512];

        if (!obj || obj->type != SL_JSON_OBJECT) {
                sl_reply_error(r, 400, "Connector config must be a JSON object of strings");
                return -1;
        }
        for (size_t i = 0; i < obj->u.obj.len; i++) {
                if (obj->u.obj.vals[i]->type == SL_JSON_NULL) {
                        sl_reply_error(r, 400, "Null value can not be supplied as the "
                                               "configuration value (key %s).",
                                       obj->u.obj.keys[i]);
                        return -1;
                }
        }
        if (sl_json_to_strmap(obj, out, err, sizeof(err)) != 0) {
                sl_reply_error(r, 400, "%s", err);
                return -1;
        }
        return 0;
}

static int check_name_matches(const sl_strmap_t *cfg, const char *name, sl_reply_t *r) {
        const char *cn = sl_strmap_get(cfg, "name");
        if (cn && strcmp(cn, name) != 0) {
                sl_reply_error(r, 400,
                               "Connector name configuration (%s) doesn't match connector name "
                               "in the URL (%s)",
                               cn, name);
                return -1;
        }
        return 0;
}

static char *trimmed(const char *s) {
        size_t len;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        len = strlen(s);
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
                       s[len - 1] == '\r'))
                len--;
        return strndup(s, len);
}

static void create_locked(sl_herder_t *h, const sl_json_t *body, sl_reply_t *r) {
        const sl_json_t *jname = sl_json_object_get(body, "name");
        const sl_json_t *jstate = sl_json_object_get(body, "initial_state");
        sl_strmap_t *cfg = sl_strmap_new();
        sl_target_t initial = SL_TARGET_STARTED;
        char *name = NULL;

        if (jname && jname->type != SL_JSON_STRING && jname->type != SL_JSON_NULL) {
                sl_reply_error(r, 400, "Connector name must be a string");
                goto out;
        }
        if (body_to_config(sl_json_object_get(body, "config"), cfg, r) != 0)
                goto out;
        if (jstate && jstate->type != SL_JSON_NULL) {
                const char *s = jstate->type == SL_JSON_STRING ? jstate->u.str.ptr : "";
                if (!strcasecmp(s, "RUNNING"))
                        initial = SL_TARGET_STARTED;
                else if (!strcasecmp(s, "PAUSED"))
                        initial = SL_TARGET_PAUSED;
                else if (!strcasecmp(s, "STOPPED"))
                        initial = SL_TARGET_STOPPED;
                else {
                        sl_reply_error(r, 400, "Invalid initial state %s: must be one of "
                                               "RUNNING, PAUSED, STOPPED", s);
                        goto out;
                }
        }
        if (jname && jname->type == SL_JSON_STRING) {
                name = trimmed(jname->u.str.ptr);
                if (check_name_matches(cfg, name, r) != 0)
                        goto out;
                sl_strmap_set(cfg, "name", name);
        } else if (sl_strmap_get(cfg, "name")) {
                name = trimmed(sl_strmap_get(cfg, "name"));
        }
        if (!name || !*name) {
                sl_reply_error(r, 400, "Connector name is required: give \"name\" in the "
                                       "request or in its config");
                goto out;
        }
        put_connector(h, name, cfg, initial, false, r);
out:
        free(name);
        sl_strmap_destroy(cfg);
}

void sl_herder_create(sl_herder_t *h, const sl_json_t *body, sl_reply_t *r) {
        pthread_mutex_lock(&h->lock);
        create_locked(h, body, r);
        pthread_mutex_unlock(&h->lock);
}

void sl_herder_put_config(sl_herder_t *h, const char *name, const sl_json_t *body,
                          sl_reply_t *r) {
        sl_strmap_t *cfg = sl_strmap_new();

        pthread_mutex_lock(&h->lock);
        if (body_to_config(body, cfg, r) == 0 && check_name_matches(cfg, name, r) == 0) {
                sl_strmap_set(cfg, "name", name);
                put_connector(h, name, cfg, SL_TARGET_STARTED, true, r);
        }
        pthread_mutex_unlock(&h->lock);
        sl_strmap_destroy(cfg);
}

void sl_herder_patch_config(sl_herder_t *h, const char *name, const sl_json_t *body,
                            sl_reply_t *r) {
        sl_conn_t *c;
        sl_strmap_t *cfg = NULL;

        pthread_mutex_lock(&h->lock);
        c = sl_herder_find(h, name);
        if (!c) {
                sl_reply_error(r, 404, "Connector %s not found", name);
                goto out;
        }
        if (!body || body->type != SL_JSON_OBJECT) {
                sl_reply_error(r, 400, "Connector config patch must be a JSON object");
                goto out;
        }
        cfg = sl_strmap_dup(c->config);
        for (size_t i = 0; i < body->u.obj.len; i++) {
                const char *k = body->u.obj.keys[i];
                const sl_json_t *v = body->u.obj.vals[i];
                if (v->type == SL_JSON_NULL) {
                        sl_strmap_del(cfg, k);
                } else if (v->type == SL_JSON_STRING) {
                        sl_strmap_setn(cfg, k, v->u.str.ptr, v->u.str.len);
                } else {
                        sl_reply_error(r, 400, "Value of key \"%s\" must be a string or null", k);
                        goto out;
                }
        }
        if (check_name_matches(cfg, name, r) != 0)
                goto out;
        sl_strmap_set(cfg, "name", name);
        put_connector(h, name, cfg, c->target, true, r);
out:
        pthread_mutex_unlock(&h->lock);
        sl_strmap_destroy(cfg);
}

int sl_herder_create_from_file(sl_herder_t *h, const char *path, char *errstr,
                               size_t errstr_size) {
        size_t plen = strlen(path);
        sl_reply_t r = {0};
        sl_json_t *body = NULL;
        int rc = 0;

        if (plen > 5 && !strcmp(path + plen - 5, ".json")) {
                sl_buf_t b = SL_BUF_INIT;
                char perr[256];

                if ((rc = sl_buf_read_file(&b, path, SIZE_MAX / 2)) != 0) {
                        sl_buf_free(&b);
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO, "Cannot read %s: %s",
                                         path, sl_err2str(rc));
                }
                body = sl_json_parse(b.data ? b.data : "", b.len, perr, sizeof(perr));
                sl_buf_free(&b);
                if (!body)
                        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE, "%s: %s", path, perr);
                if (body->type == SL_JSON_OBJECT && !sl_json_object_get(body, "config")) {
                        /* a flat config map, like PUT .../config */
                        sl_json_t *wrap = sl_json_object();
                        const char *name = sl_json_object_get_str(body, "name");
                        if (name)
                                sl_json_object_set(wrap, "name", sl_json_string(name));
                        sl_json_object_set(wrap, "config", body);
                        body = wrap;
                }
        } else {
                sl_strmap_t *props = sl_strmap_new();
                if (sl_props_load(path, props, errstr, errstr_size) != 0) {
                        sl_strmap_destroy(props);
                        return SL_ERR_PARSE;
                }
                body = sl_json_object();
                sl_json_object_set(body, "config", sl_json_from_strmap(props));
                sl_strmap_destroy(props);
        }
        sl_herder_create(h, body, &r);
        if (r.status >= 400)
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "%s: %s", path, r.message);
        sl_reply_clear(&r);
        sl_json_free(body);
        return rc;
}

/* ------------------------------------------------------------- queries */

void sl_herder_server_info(sl_herder_t *h, sl_reply_t *r) {
        sl_json_t *o = sl_json_object();
        sl_json_object_set(o, "version", sl_json_string(SLUICE_VERSION));
        sl_json_object_set(o, "commit", sl_json_string(SLUICE_COMMIT));
        sl_json_object_set(o, "kafka_cluster_id",
                           sl_json_string(sl_worker_cluster_id(h->worker)));
        r->status = 200;
        r->body = o;
}

void sl_herder_health(sl_herder_t *h, sl_reply_t *r) {
        sl_json_t *o = sl_json_object();
        bool ready = atomic_load(&h->ready);

        sl_json_object_set(o, "status", sl_json_string(ready ? "healthy" : "starting"));
        sl_json_object_set(o, "message",
                           sl_json_string(ready ? "Worker has completed startup and is ready "
                                                  "to handle requests."
                                                : "Worker is still starting up."));
        r->status = ready ? 200 : 503;
        r->body = o;
}

void sl_herder_connectors(sl_herder_t *h, bool expand_status, bool expand_info,
                          sl_reply_t *r) {
        sl_json_t *out;

        pthread_mutex_lock(&h->lock);
        if (!expand_status && !expand_info) {
                out = sl_json_array();
                for (size_t i = 0; i < h->n; i++)
                        /* distributed: only connectors the config topic holds */
                        if (!h->dist ||
                            (h->conns[i]->config && sl_strmap_count(h->conns[i]->config)))
                                sl_json_array_append(out, sl_json_string(h->conns[i]->name));
        } else {
                out = sl_json_object();
                for (size_t i = 0; i < h->n; i++) {
                        sl_json_t *e = sl_json_object();
                        if (expand_info)
                                sl_json_object_set(e, "info", sl_conn_info(h, h->conns[i]));
                        if (expand_status)
                                sl_json_object_set(e, "status",
                                                   h->dist ? sl_dist_conn_status(h, h->conns[i])
                                                           : sl_conn_status(h, h->conns[i]));
                        sl_json_object_set(out, h->conns[i]->name, e);
                }
        }
        pthread_mutex_unlock(&h->lock);
        r->status = 200;
        r->body = out;
}

/* Look the connector up under the lock or reply 404 with msg_fmt. */
#define WITH_CONN(h, name, r, msg_fmt, ...)                                    \
        do {                                                                   \
                sl_conn_t *c;                                                  \
                pthread_mutex_lock(&(h)->lock);                                \
                c = sl_herder_find((h), (name));                               \
                if (!c)                                                        \
                        sl_reply_error((r), 404, msg_fmt, (name));             \
                else {                                                         \
                        __VA_ARGS__                                            \
                }                                                              \
                pthread_mutex_unlock(&(h)->lock);                              \
        } while (0)

void sl_herder_info(sl_herder_t *h, const char *name, sl_reply_t *r) {
        WITH_CONN(h, name, r, "Connector %s not found", {
                r->status = 200;
                r->body = sl_conn_info(h, c);
        });
}

void sl_herder_config(sl_herder_t *h, const char *name, sl_reply_t *r) {
        WITH_CONN(h, name, r, "Connector %s not found", {
                r->status = 200;
                r->body = sl_json_from_strmap(c->config);
        });
}

void sl_herder_status(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_status(h, name, r);
                return;
        }
        WITH_CONN(h, name, r, "No status found for connector %s", {
                r->status = 200;
                r->body = sl_conn_status(h, c);
        });
}

void sl_herder_tasks(sl_herder_t *h, const char *name, sl_reply_t *r) {
        WITH_CONN(h, name, r, "Connector %s not found", {
                r->status = 200;
                r->body = sl_conn_task_infos(c);
        });
}

void sl_herder_tasks_config(sl_herder_t *h, const char *name, sl_reply_t *r) {
        sl_warn(LOGGER, "GET /connectors/%s/tasks-config is deprecated (KIP-970); use "
                        "GET /connectors/%s/tasks",
                name, name);
        WITH_CONN(h, name, r, "Connector %s not found", {
                sl_json_t *o = sl_json_object();
                for (int i = 0; i < c->ntasks; i++) {
                        char key[1024];
                        snprintf(key, sizeof(key), "%s-%d", c->name, i);
                        sl_json_object_set(o, key, sl_conn_task_config(c, i));
                }
                r->status = 200;
                r->body = o;
        });
}

void sl_herder_task_status(sl_herder_t *h, const char *name, int task, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_task_status(h, name, task, r);
                return;
        }
        pthread_mutex_lock(&h->lock);
        sl_conn_t *c = sl_herder_find(h, name);
        if (!c || task < 0 || task >= c->ntasks)
                sl_reply_error(r, 404, "No status found for task %s-%d", name, task);
        else {
                r->status = 200;
                r->body = sl_task_status_json(h, c, task);
        }
        pthread_mutex_unlock(&h->lock);
}

void sl_herder_topics(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_topics(h, name, r);
                return;
        }
        WITH_CONN(h, name, r, "Connector %s not found", {
                sl_strmap_t *set = c->active_topics ? sl_strmap_dup(c->active_topics)
                                                    : sl_strmap_new();
                sl_json_t *topics = sl_json_array();
                sl_json_t *inner = sl_json_object();

                for (int i = 0; i < c->ntasks; i++)
                        if (c->tasks[i])
                                sl_task_topics(c->tasks[i], set, false);
                for (size_t i = 0; i < sl_strmap_count(set); i++)
                        sl_json_array_append(topics, sl_json_string(sl_strmap_key_at(set, i)));
                sl_strmap_destroy(set);
                sl_json_object_set(inner, "topics", topics);
                r->status = 200;
                r->body = sl_json_object();
                sl_json_object_set(r->body, c->name, inner);
        });
}

void sl_herder_topics_reset(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_topics_reset(h, name, r);
                return;
        }
        WITH_CONN(h, name, r, "Connector %s not found", {
                sl_strmap_t *scratch = sl_strmap_new();
                for (int i = 0; i < c->ntasks; i++)
                        if (c->tasks[i])
                                sl_task_topics(c->tasks[i], scratch, true);
                sl_strmap_destroy(scratch);
                if (c->active_topics)
                        sl_strmap_clear(c->active_topics);
                r->status = 202;
        });
}

/* ------------------------------------------------------------ lifecycle */

void sl_herder_pause(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_target(h, name, SL_TARGET_PAUSED, r);
                return;
        }
        WITH_CONN(h, name, r, "Unknown connector %s", {
                if (c->target != SL_TARGET_STOPPED) {
                        c->target = SL_TARGET_PAUSED;
                        for (int i = 0; i < c->ntasks; i++)
                                sl_task_set_paused(c->tasks[i], true);
                        sl_info(LOGGER, "Connector %s paused", c->name);
                }
                r->status = 202;
        });
}

void sl_herder_resume(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_target(h, name, SL_TARGET_STARTED, r);
                return;
        }
        WITH_CONN(h, name, r, "Unknown connector %s", {
                sl_target_t was = c->target;
                c->target = SL_TARGET_STARTED;
                if (was == SL_TARGET_STOPPED)
                        conn_start(h, c);
                else
                        for (int i = 0; i < c->ntasks; i++)
                                sl_task_set_paused(c->tasks[i], false);
                if (was != SL_TARGET_STARTED)
                        sl_info(LOGGER, "Connector %s resumed", c->name);
                r->status = 202;
        });
}

void sl_herder_stop(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_target(h, name, SL_TARGET_STOPPED, r);
                return;
        }
        WITH_CONN(h, name, r, "Unknown connector %s", {
                c->target = SL_TARGET_STOPPED;
                conn_stop_tasks(c);
                conn_set_trace(c, NULL);
                sl_info(LOGGER, "Connector %s stopped", c->name);
                r->status = 204;
        });
}

void sl_herder_delete(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_delete(h, name, r);
                return;
        }
        WITH_CONN(h, name, r, "Connector %s not found", {
                sl_herder_conn_remove(h, c);
                sl_conn_free(c);
                sl_info(LOGGER, "Connector %s deleted", name);
                r->status = 204;
        });
}

static bool task_failed(sl_conn_t *c, int i) {
        return c->tasks[i] && sl_task_state(c->tasks[i]) == SL_STATE_FAILED;
}

static void restart_task(sl_herder_t *h, sl_conn_t *c, int i) {
        retire_task(c, i);
        start_task(h, c, i);
}

/* Restarting the Connector instance regenerates the task configs; tasks
 * restart only when those changed, as in Kafka Connect. */
static void restart_connector_instance(sl_herder_t *h, sl_conn_t *c, bool refresh) {
        generation_t g;

        conn_set_trace(c, NULL);
        if (conn_generate(h, c, &g) != 0)
                return; /* the connector is FAILED; its tasks keep running */
        if (generation_same(c, &g)) {
                generation_clear(&g);
                if (!refresh)
                        sl_info(LOGGER, "Connector %s restarted (task configs unchanged)",
                                c->name);
                return;
        }
        conn_stop_tasks(c);
        conn_launch(h, c, &g);
        sl_info(LOGGER, "Connector %s %s with new task configs", c->name,
                refresh ? "reconfigured its tasks" : "restarted");
}

int64_t sl_conn_refresh_interval(const sl_connector_plugin_t *plugin, const sl_strmap_t *resolved) {
        if (!plugin || !plugin->reconfigure_interval_ms || !resolved)
                return 0;
        return plugin->reconfigure_interval_ms(resolved);
}

void sl_herder_refresh(sl_herder_t *h) {
        int64_t now = sl_now_ms();

        if (h->dist)
                return; /* the distributed control plane refreshes its own */
        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < h->n; i++) {
                sl_conn_t *c = h->conns[i];
                int64_t every = sl_conn_refresh_interval(c->plugin, c->resolved);
                if (every <= 0 || c->target == SL_TARGET_STOPPED)
                        continue;
                if (c->refresh_at == 0)
                        c->refresh_at = now + every;
                if (now < c->refresh_at)
                        continue;
                c->refresh_at = now + every;
                sl_debug(LOGGER, "Connector %s: refreshing task configs", c->name);
                restart_connector_instance(h, c, true);
        }
        pthread_mutex_unlock(&h->lock);
}

void sl_herder_restart(sl_herder_t *h, const char *name, bool include_tasks, bool only_failed,
                       sl_reply_t *r) {
        if (h->dist) {
                sl_dist_restart(h, name, include_tasks, only_failed, r);
                return;
        }
        WITH_CONN(h, name, r, "Unknown connector: %s", {
                bool conn_sel = !only_failed || c->trace != NULL;
                bool *task_sel = calloc((size_t)(c->ntasks ? c->ntasks : 1), sizeof(bool));

                for (int i = 0; task_sel && include_tasks && i < c->ntasks; i++)
                        task_sel[i] = !only_failed || task_failed(c, i);
                if (!include_tasks && !only_failed) {
                        r->status = 204;
                } else {
                        sl_json_t *st = sl_conn_status(h, c);
                        sl_json_t *tasks = sl_json_object_get(st, "tasks");
                        if (conn_sel)
                                sl_json_object_set(sl_json_object_get(st, "connector"), "state",
                                                   sl_json_string("RESTARTING"));
                        for (int i = 0; task_sel && tasks && i < c->ntasks &&
                                        (size_t)i < tasks->u.arr.len; i++)
                                if (task_sel[i])
                                        sl_json_object_set(tasks->u.arr.items[i], "state",
                                                           sl_json_string("RESTARTING"));
                        r->status = 202;
                        r->body = st;
                }
                if (c->target != SL_TARGET_STOPPED) {
                        if (conn_sel && !(include_tasks && !only_failed))
                                restart_connector_instance(h, c, false);
                        else if (conn_sel) {
                                conn_stop_tasks(c);
                                conn_start(h, c);
                        } else
                                for (int i = 0; task_sel && i < c->ntasks; i++)
                                        if (task_sel[i])
                                                restart_task(h, c, i);
                }
                free(task_sel);
        });
}

void sl_herder_task_restart(sl_herder_t *h, const char *name, int task, sl_reply_t *r) {
        if (h->dist) {
                sl_dist_task_restart(h, name, task, r);
                return;
        }
        pthread_mutex_lock(&h->lock);
        sl_conn_t *c = sl_herder_find(h, name);
        if (!c || task < 0 || task >= c->ntasks) {
                sl_reply_error(r, 404, "Unknown task: %s-%d", name, task);
        } else {
                restart_task(h, c, task);
                r->status = 204;
        }
        pthread_mutex_unlock(&h->lock);
}

/* -------------------------------------------------------------- offsets */

void sl_herder_offsets(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist)
                sl_dist_offsets_sync(h);
        WITH_CONN(h, name, r, "Connector %s not found", { sl_herder_offsets_locked(h, c, r); });
}

void sl_herder_alter_offsets(sl_herder_t *h, const char *name, const sl_json_t *body,
                             sl_reply_t *r) {
        if (h->dist && sl_dist_forward(h, "PATCH", "/connectors/%s/offsets", name, body, r))
                return;
        WITH_CONN(h, name, r, "Connector %s not found",
                  { sl_herder_alter_offsets_locked(h, c, body, r); });
}

void sl_herder_reset_offsets(sl_herder_t *h, const char *name, sl_reply_t *r) {
        if (h->dist && sl_dist_forward(h, "DELETE", "/connectors/%s/offsets", name, NULL, r))
                return;
        WITH_CONN(h, name, r, "Connector %s not found",
                  { sl_herder_reset_offsets_locked(h, c, r); });
}

void sl_herder_put_task_configs(sl_herder_t *h, const char *name, const sl_json_t *body,
                                sl_reply_t *r) {
        if (!h->dist) {
                sl_reply_error(r, 404, "Task configs are only accepted by a distributed worker");
                return;
        }
        sl_dist_put_tasks(h, name, body, r);
}
