/* /admin/loggers (KIP-495, KIP-976): read and set logger levels at run
 * time. Worker scope sets the levels of this process (util/log_levels.h);
 * cluster scope writes logger-cluster-<namespace> to the config topic and
 * every worker applies it when it reads the record (standalone: here). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ops/ops.h"
#include "util/log_levels.h"
#include "util/utf8.h"

#define LOGGER "rest"

typedef struct loggers {
        sl_worker_t *w;
        sl_herder_t *h;
} loggers_t;

/* Outlives the REST server (main.c has one): nothing to free. */
static loggers_t the_loggers;

static const char *const admin_prefixes[] = {"admin", NULL};

static void reply_json(sl_rest_response_t *resp, int status, sl_json_t *body) {
        resp->status = body ? status : 500;
        resp->body = body ? sl_json_to_string(body) : NULL;
        resp->content_type = NULL;
        sl_json_free(body);
}

static const char *query(const sl_rest_request_t *req, const char *key) {
        for (size_t i = 0; i < req->nquery; i++)
                if (strcmp(req->qkey[i], key) == 0)
                        return req->qval[i] ? req->qval[i] : "";
        return NULL;
}

static void get_logger(const char *name, sl_rest_response_t *resp) {
        int level;
        int64_t modified;

        if (sl_log_levels_get(name, &level, &modified) != 0) {
                sl_rest_response_error(resp, 404, "Logger %s not found.", name);
                return;
        }
        sl_json_t *o = sl_json_object();
        if (o && (sl_json_object_set(o, "level", sl_json_string(sl_log_level_name(level))) ||
                  sl_json_object_set(o, "last_modified",
                                     modified >= 0 ? sl_json_int(modified) : sl_json_null()))) {
                sl_json_free(o);
                o = NULL;
        }
        reply_json(resp, 200, o);
}

static void put_logger(loggers_t *l, const char *name, const sl_rest_request_t *req,
                       sl_rest_response_t *resp) {
        char err[512];
        sl_json_t *body = sl_json_parse(req->body ? req->body : "", req->body_len, err,
                                        sizeof(err));
        const char *level_str = body ? sl_json_object_get_str(body, "level") : NULL;
        const char *scope = query(req, "scope");
        int level;

        if (!body && req->body_len > 0) {
                sl_rest_response_error(resp, 400, "Cannot parse the request body: %s", err);
                return;
        }
        if (!level_str) {
                sl_rest_response_error(resp, 400, "Desired 'level' parameter was not specified in request.");
                goto out;
        }
        if ((level = sl_log_level_parse(level_str)) < 0 || strcasecmp(level_str, "warning") == 0) {
                /* Kafka answers 404 here (sic) */
                sl_rest_response_error(resp, 404, "invalid log level '%s'.", level_str);
                goto out;
        }
        if (scope && strcasecmp(scope, "cluster") == 0) {
                int rc = sl_worker_distributed(l->w)
                                 ? sl_herder_put_cluster_logger(l->h, name,
                                                                sl_log_level_name(level), err,
                                                                sizeof(err))
                                 : SL_ERR_STATE;
                if (rc == SL_ERR_STATE) {
                        /* standalone: this worker is the whole cluster */
                        sl_json_free(sl_log_levels_set(name, level, sl_epoch_ms()));
                } else if (rc != 0) {
                        sl_rest_response_error(resp, rc == SL_ERR_RETRIABLE ? 503 : 500, "%s", err);
                        goto out;
                }
                resp->status = 204;
                resp->body = NULL;
                goto out;
        }
        if (scope && strcasecmp(scope, "worker") != 0)
                sl_warn(LOGGER,
                        "Received invalid scope '%s' in request to adjust logging level; "
                        "will default to worker.",
                        scope);
        sl_json_t *affected = sl_log_levels_set(name, level, sl_epoch_ms());
        if (affected)
                sl_info(LOGGER, "Logger level of %s set to %s (worker scope)", name,
                        sl_log_level_name(level));
        reply_json(resp, 200, affected);
out:
        sl_json_free(body);
}

static void handle(void *opaque, const sl_rest_request_t *req, sl_rest_response_t *resp) {
        loggers_t *l = opaque;
        const char *p = req->path;
        bool is_get = strcmp(req->method, "GET") == 0, is_put = strcmp(req->method, "PUT") == 0;

        if (strncmp(p, "/admin/loggers", 14) != 0 || (p[14] != '\0' && p[14] != '/')) {
                sl_rest_response_error(resp, 404, "HTTP 404 Not Found");
                return;
        }
        p += 14;
        if (*p == '/')
                p++;
        if (*p == '\0') {
                if (!is_get) {
                        sl_rest_response_error(resp, 405, "HTTP 405 Method Not Allowed");
                        return;
                }
                reply_json(resp, 200, sl_log_levels_list());
                return;
        }
        if (strchr(p, '/')) {
                sl_rest_response_error(resp, 404, "HTTP 404 Not Found");
                return;
        }
        char *name = sl_pct_decode(p, strlen(p), SL_PCT_STRICT);
        if (!name) {
                sl_rest_response_error(resp, 400, "Malformed logger name in the request path");
                return;
        }
        if (is_get)
                get_logger(name, resp);
        else if (is_put)
                put_logger(l, name, req, resp);
        else
                sl_rest_response_error(resp, 405, "HTTP 405 Method Not Allowed");
        free(name);
}

int sl_loggers_rest_attach(sl_rest_t *rest, sl_worker_t *w, sl_herder_t *h, char *errstr,
                           size_t errstr_size) {
        const char *admin = sl_strmap_get(sl_worker_config(w), "admin.listeners");

        /* admin.listeners="" disables the admin API: Connect's routes 404 */
        if (admin && strspn(admin, " ,") == strlen(admin))
                return 0;
        the_loggers.w = w;
        the_loggers.h = h;
        int rc = sl_rest_add_handler(rest, admin_prefixes, handle, &the_loggers);
        if (rc != 0)
                return sl_seterr(errstr, errstr_size, rc, "Cannot serve /admin/loggers: %s",
                                 sl_err2str(rc));
        return 0;
}
