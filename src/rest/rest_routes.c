/*
 * Kafka Connect REST routes: method + path -> one herder call. Paths arrive
 * still percent-encoded (see keep_escaped in rest.c) and are decoded per
 * segment, the way JAX-RS matches path templates.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "rest/rest.h"
#include "util/utf8.h"

#define ROUTES_LOGGER "rest"
#define MAX_SEGS 8
#define MAX_QARGS 64

void sl_rest_dispatch(sl_herder_t *h, struct MHD_Connection *conn,
                      const char *method, const char *path, const char *body,
                      size_t body_len, sl_reply_t *r);

typedef struct qarg {
        char *key;
        char *val; /* NULL for "?key" without '=' */
} qarg_t;

typedef struct route_ctx {
        sl_herder_t *h;
        const char *arg; /* {name} or {plugin} */
        int task;        /* {id} */
        const sl_json_t *body;
        qarg_t q[MAX_QARGS];
        size_t nq;
        sl_reply_t *r;
        void (*route_fn)(struct route_ctx *c);
} route_ctx_t;

typedef void (*route_fn_t)(route_ctx_t *c);

/* Pattern segments: "*" captures a non-empty segment, "#" a task id. */
typedef struct route {
        const char *method;
        const char *pattern;
        bool takes_body;
        route_fn_t fn;
} route_t;

/* --------------------------------------------------------- query strings */

static enum MHD_Result collect_qarg(void *cls, enum MHD_ValueKind kind,
                                    const char *key, const char *value)
{
        route_ctx_t *c = cls;
        qarg_t *a;

        (void)kind;
        if (c->nq == MAX_QARGS || !key)
                return MHD_YES;
        a = &c->q[c->nq];
        a->key = sl_pct_decode(key, strlen(key), 0);
        a->val = value ? sl_pct_decode(value, strlen(value), 0) : NULL;
        if (!a->key || (value && !a->val)) {
                /* Undecodable arguments cannot name anything we use. */
                free(a->key);
                free(a->val);
                return MHD_YES;
        }
        c->nq++;
        return MHD_YES;
}

static const qarg_t *query_first(const route_ctx_t *c, const char *key)
{
        for (size_t i = 0; i < c->nq; i++) {
                if (strcmp(c->q[i].key, key) == 0)
                        return &c->q[i];
        }
        return NULL;
}

/* true|false, case-insensitive like Java's Boolean parsing, but anything
 * else is an error instead of a silent false. Returns 0 or 400. */
static int query_bool(route_ctx_t *c, const char *key, bool dflt, bool *out)
{
        const qarg_t *a = query_first(c, key);

        *out = dflt;
        if (!a)
                return 0;
        if (a->val && strcasecmp(a->val, "true") == 0) {
                *out = true;
                return 0;
        }
        if (a->val && strcasecmp(a->val, "false") == 0) {
                *out = false;
                return 0;
        }
        return sl_reply_error(c->r, 400,
                              "Invalid value '%s' for query parameter '%s': "
                              "expected true or false",
                              a->val ? a->val : "", key);
}

/* --------------------------------------------------------------- handlers */

static void h_server_info(route_ctx_t *c)
{
        sl_herder_server_info(c->h, c->r);
}

static void h_health(route_ctx_t *c)
{
        sl_herder_health(c->h, c->r);
}

static void h_connectors(route_ctx_t *c)
{
        bool status = false, info = false;

        for (size_t i = 0; i < c->nq; i++) {
                const qarg_t *a = &c->q[i];

                if (strcmp(a->key, "expand") != 0)
                        continue;
                if (a->val && strcmp(a->val, "status") == 0)
                        status = true;
                else if (a->val && strcmp(a->val, "info") == 0)
                        info = true;
                else
                        sl_debug(ROUTES_LOGGER,
                                 "Ignoring unknown expand option '%s'",
                                 a->val ? a->val : "");
        }
        sl_herder_connectors(c->h, status, info, c->r);
}

static void h_create(route_ctx_t *c)
{
        sl_herder_create(c->h, c->body, c->r);
}

static void h_info(route_ctx_t *c)
{
        sl_herder_info(c->h, c->arg, c->r);
}

static void h_delete(route_ctx_t *c)
{
        sl_herder_delete(c->h, c->arg, c->r);
}

static void h_config(route_ctx_t *c)
{
        sl_herder_config(c->h, c->arg, c->r);
}

static void h_put_config(route_ctx_t *c)
{
        sl_herder_put_config(c->h, c->arg, c->body, c->r);
}

static void h_patch_config(route_ctx_t *c)
{
        sl_herder_patch_config(c->h, c->arg, c->body, c->r);
}

static void h_status(route_ctx_t *c)
{
        sl_herder_status(c->h, c->arg, c->r);
}

static void h_tasks(route_ctx_t *c)
{
        sl_herder_tasks(c->h, c->arg, c->r);
}

static void h_tasks_config(route_ctx_t *c)
{
        sl_herder_tasks_config(c->h, c->arg, c->r);
}

static void h_task_status(route_ctx_t *c)
{
        sl_herder_task_status(c->h, c->arg, c->task, c->r);
}

static void h_task_restart(route_ctx_t *c)
{
        sl_herder_task_restart(c->h, c->arg, c->task, c->r);
}

static void h_restart(route_ctx_t *c)
{
        bool include_tasks, only_failed;

        if (query_bool(c, "includeTasks", false, &include_tasks) ||
            query_bool(c, "onlyFailed", false, &only_failed))
                return;
        sl_herder_restart(c->h, c->arg, include_tasks, only_failed, c->r);
}

static void h_pause(route_ctx_t *c)
{
        sl_herder_pause(c->h, c->arg, c->r);
}

static void h_resume(route_ctx_t *c)
{
        sl_herder_resume(c->h, c->arg, c->r);
}

static void h_stop(route_ctx_t *c)
{
        sl_herder_stop(c->h, c->arg, c->r);
}

static void h_topics(route_ctx_t *c)
{
        sl_herder_topics(c->h, c->arg, c->r);
}

static void h_topics_reset(route_ctx_t *c)
{
        sl_herder_topics_reset(c->h, c->arg, c->r);
}

static void h_offsets(route_ctx_t *c)
{
        sl_herder_offsets(c->h, c->arg, c->r);
}

static void h_alter_offsets(route_ctx_t *c)
{
        sl_herder_alter_offsets(c->h, c->arg, c->body, c->r);
}

static void h_reset_offsets(route_ctx_t *c)
{
        sl_herder_reset_offsets(c->h, c->arg, c->r);
}

static void h_put_tasks(route_ctx_t *c)
{
        sl_herder_put_task_configs(c->h, c->arg, c->body, c->r);
}

static void h_plugins(route_ctx_t *c)
{
        bool connectors_only;

        if (query_bool(c, "connectorsOnly", true, &connectors_only))
                return;
        sl_herder_plugins(c->h, connectors_only, c->r);
}

static void h_plugin_config(route_ctx_t *c)
{
        sl_herder_plugin_config(c->h, c->arg, c->r);
}

static void h_validate(route_ctx_t *c)
{
        sl_herder_validate(c->h, c->arg, c->body, c->r);
}

static const route_t routes[] = {
        {"GET", "", false, h_server_info},
        {"GET", "health", false, h_health},
        {"GET", "connectors", false, h_connectors},
        {"POST", "connectors", true, h_create},
        {"GET", "connectors/*", false, h_info},
        {"DELETE", "connectors/*", false, h_delete},
        {"GET", "connectors/*/config", false, h_config},
        {"PUT", "connectors/*/config", true, h_put_config},
        {"PATCH", "connectors/*/config", true, h_patch_config},
        {"GET", "connectors/*/status", false, h_status},
        {"GET", "connectors/*/tasks", false, h_tasks},
        {"POST", "connectors/*/tasks", true, h_put_tasks}, /* worker to leader */
        {"GET", "connectors/*/tasks-config", false, h_tasks_config},
        {"GET", "connectors/*/tasks/#/status", false, h_task_status},
        {"POST", "connectors/*/tasks/#/restart", false, h_task_restart},
        {"POST", "connectors/*/restart", false, h_restart},
        {"PUT", "connectors/*/pause", false, h_pause},
        {"PUT", "connectors/*/resume", false, h_resume},
        {"PUT", "connectors/*/stop", false, h_stop},
        {"GET", "connectors/*/topics", false, h_topics},
        {"PUT", "connectors/*/topics/reset", false, h_topics_reset},
        {"GET", "connectors/*/offsets", false, h_offsets},
        {"PATCH", "connectors/*/offsets", true, h_alter_offsets},
        {"DELETE", "connectors/*/offsets", false, h_reset_offsets},
        {"GET", "connector-plugins", false, h_plugins},
        {"GET", "connector-plugins/*/config", false, h_plugin_config},
        {"PUT", "connector-plugins/*/config/validate", true, h_validate},
};

/* ---------------------------------------------------------------- matching */

typedef struct path {
        char *seg[MAX_SEGS];
        size_t n;
} path_t;

static void path_free(path_t *p)
{
        for (size_t i = 0; i < p->n; i++)
                free(p->seg[i]);
        p->n = 0;
}

/* Split and decode; false when the path cannot match any route. One
 * trailing slash is tolerated ("/connectors/" == "/connectors"). */
static bool path_split(const char *raw, path_t *p)
{
        size_t len;
        const char *s, *end;

        p->n = 0;
        if (!raw || raw[0] != '/')
                return false;
        s = raw + 1;
        len = strlen(s);
        if (len > 0 && s[len - 1] == '/')
                len--;
        end = s + len;
        if (len == 0)
                return true;
        while (s <= end) {
                const char *slash = memchr(s, '/', (size_t)(end - s));
                const char *se = slash ? slash : end;

                if (p->n == MAX_SEGS || se == s)
                        goto fail;
                p->seg[p->n] = sl_pct_decode(s, (size_t)(se - s), 0);
                if (!p->seg[p->n])
                        goto fail;
                p->n++;
                s = se + 1;
        }
        return true;
fail:
        path_free(p);
        return false;
}

static bool parse_task_id(const char *s, int *out)
{
        long v = 0;

        if (!*s)
                return false;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                v = v * 10 + (*s - '0');
                if (v > INT_MAX)
                        return false;
        }
        *out = (int)v;
        return true;
}

static bool route_match(const char *pattern, const path_t *p,
                        const char **arg, int *task)
{
        size_t i = 0;
        const char *s = pattern;

        if (!*pattern)
                return p->n == 0;
        for (;;) {
                const char *slash = strchr(s, '/');
                size_t n = slash ? (size_t)(slash - s) : strlen(s);

                if (i == p->n)
                        return false;
                if (n == 1 && *s == '*') {
                        *arg = p->seg[i];
                } else if (n == 1 && *s == '#') {
                        if (!parse_task_id(p->seg[i], task))
                                return false;
                } else if (strlen(p->seg[i]) != n ||
                           memcmp(p->seg[i], s, n) != 0) {
                        return false;
                }
                i++;
                if (!slash)
                        break;
                s = slash + 1;
        }
        return i == p->n;
}

static bool parse_body(route_ctx_t *c, const char *body, size_t body_len,
                       sl_json_t **out)
{
        char err[256] = "";
        sl_json_t *j = sl_json_parse(body, body_len, err, sizeof(err));

        if (!j) {
                sl_reply_error(c->r, 400, "Invalid JSON in request body: %s",
                               err[0] ? err : "parse error");
                return false;
        }
        /* the internal task-configs route takes an array of configs */
        if (j->type != SL_JSON_OBJECT &&
            !(j->type == SL_JSON_ARRAY && c->route_fn == h_put_tasks)) {
                sl_json_free(j);
                sl_reply_error(c->r, 400, "Request body must be a JSON object");
                return false;
        }
        *out = j;
        return true;
}

void sl_rest_dispatch(sl_herder_t *h, struct MHD_Connection *conn,
                      const char *method, const char *path, const char *body,
                      size_t body_len, sl_reply_t *r)
{
        path_t p;
        route_ctx_t c;
        const route_t *hit = NULL;
        bool path_known = false;
        sl_json_t *json = NULL;

        memset(&c, 0, sizeof(c));
        c.h = h;
        c.r = r;
        /* HEAD is GET without a body, as JAX-RS provides implicitly. */
        if (strcmp(method, "HEAD") == 0)
                method = "GET";

        if (!path_split(path, &p)) {
                sl_reply_error(r, 404, "HTTP 404 Not Found");
                return;
        }
        for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
                const char *arg = NULL;
                int task = -1;

                if (!route_match(routes[i].pattern, &p, &arg, &task))
                        continue;
                path_known = true;
                if (strcmp(routes[i].method, method) == 0) {
                        hit = &routes[i];
                        c.arg = arg;
                        c.task = task;
                        break;
                }
        }
        if (!hit) {
                if (path_known)
                        sl_reply_error(r, 405, "HTTP 405 Method Not Allowed");
                else
                        sl_reply_error(r, 404, "HTTP 404 Not Found");
                path_free(&p);
                return;
        }

        c.route_fn = hit->fn;
        if (hit->takes_body && !parse_body(&c, body, body_len, &json)) {
                path_free(&p);
                return;
        }
        c.body = json;
        if (conn)
                MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND,
                                          collect_qarg, &c);

        {
                const qarg_t *fw = query_first(&c, "forward");
                r->forwarded = fw && fw->val && !strcmp(fw->val, "false");
        }
        if (conn)
                r->authorization = MHD_lookup_connection_value(
                        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        hit->fn(&c);

        for (size_t i = 0; i < c.nq; i++) {
                free(c.q[i].key);
                free(c.q[i].val);
        }
        if (json)
                sl_json_free(json);
        path_free(&p);
}
