/* sluicectl apply: create or update connectors from files. */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/props.h"

#define MAX_CONFIG_FILE ((size_t)16 << 20)

typedef struct desired {
        char *name;
        sl_strmap_t *config;
        char *initial_state; /* from a POST /connectors body, or NULL */
} desired_t;

static void desired_clear(desired_t *d)
{
        free(d->name);
        free(d->initial_state);
        sl_strmap_destroy(d->config);
        memset(d, 0, sizeof(*d));
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int from_json(const char *text, size_t len, desired_t *d, char *err,
                     size_t errsz)
{
        char perr[256];
        sl_json_t *j = sl_json_parse(text, len, perr, sizeof(perr));
        if (!j)
                return sl_seterr(err, errsz, SL_ERR_PARSE, "%s", perr);
        int rc = 0;
        const sl_json_t *cfg = sl_json_object_get(j, "config");
        if (j->type != SL_JSON_OBJECT) {
                rc = sl_seterr(err, errsz, SL_ERR_PARSE,
                               "a JSON object is needed");
        } else if (cfg && cfg->type == SL_JSON_OBJECT) {
                /* a POST /connectors body */
                const char *name = sl_json_object_get_str(j, "name");
                const char *st = sl_json_object_get_str(j, "initial_state");
                rc = sl_json_to_strmap(cfg, d->config, err, errsz);
                if (rc == 0 && name && !(d->name = strdup(name)))
                        rc = SL_ERR_NOMEM;
                if (rc == 0 && st && !(d->initial_state = strdup(st)))
                        rc = SL_ERR_NOMEM;
        } else {
                rc = sl_json_to_strmap(j, d->config, err, errsz);
        }
        sl_json_free(j);
        return rc;
}

/* Reads path into d: .properties, .json, or by its first character. */
static int load(const char *path, desired_t *d, char *err, size_t errsz)
{
        sl_buf_t b = SL_BUF_INIT;
        int rc = sl_buf_read_file(&b, path, MAX_CONFIG_FILE);
        if (rc != 0) {
                sl_buf_free(&b);
                return sl_seterr(err, errsz, rc, "%s", sl_err2str(rc));
        }
        d->config = sl_strmap_new();
        if (!d->config) {
                sl_buf_free(&b);
                return SL_ERR_NOMEM;
        }
        bool json = ends_with(path, ".json");
        if (!json && !ends_with(path, ".properties"))
                json = b.data[strspn(b.data, " \t\r\n")] == '{';
        if (json)
                rc = from_json(b.data, b.len, d, err, errsz);
        else
                rc = sl_props_parse(b.data, b.len, d->config, err, errsz);
        sl_buf_free(&b);
        if (rc != 0)
                return rc;
        const char *cname = sl_strmap_get(d->config, "name");
        if (!d->name && cname && !(d->name = strdup(cname)))
                return SL_ERR_NOMEM;
        if (!d->name || !*d->name)
                return sl_seterr(err, errsz, SL_ERR_CONFIG,
                                 "no connector name (a \"name\" key)");
        /* Kafka stores the name in the config; compare like with like */
        if (!cname)
                rc = sl_strmap_set(d->config, "name", d->name);
        return rc;
}

static char *post_body(const desired_t *d)
{
        sl_json_t *body = sl_json_object();
        sl_json_t *cfg = sl_json_from_strmap(d->config);
        char *text = NULL;
        if (!body || !cfg) {
                sl_json_free(body);
                sl_json_free(cfg);
                return NULL;
        }
        if (sl_json_object_set(body, "name", sl_json_string(d->name)) == 0 &&
            sl_json_object_set(body, "config", cfg) == 0 &&
            (!d->initial_state ||
             sl_json_object_set(body, "initial_state",
                                sl_json_string(d->initial_state)) == 0))
                text = sl_json_to_string(body);
        sl_json_free(body);
        return text;
}

/* "created"/"updated"/"unchanged" for one desired connector. */
static int apply_one(sl_ctl_t *c, const desired_t *d)
{
        char *cfg_path = sl_ctl_connector_path(d->name, "/config");
        char *info_path = sl_ctl_connector_path(d->name, "");
        char *body = NULL;
        sl_ctl_reply_t cur = {0}, r = {0};
        const char *done = NULL;
        int rc = SL_CTL_EXIT_ERROR;
        if (!cfg_path || !info_path)
                goto oom;
        if ((rc = sl_ctl_request(c, "GET", cfg_path, NULL, &cur)) != 0)
                goto out;
        if (cur.status == 404) {
                if (!(body = post_body(d)))
                        goto oom;
                rc = sl_ctl_call(c, "POST", "/connectors", body, &r);
                done = "created";
        } else if (cur.status >= 200 && cur.status <= 299) {
                const sl_json_t *j = sl_ctl_reply_json(&cur);
                sl_strmap_t *now = sl_strmap_new();
                char err[256];
                if (!j || !now ||
                    sl_json_to_strmap(j, now, err, sizeof(err)) != 0) {
                        sl_strmap_destroy(now);
                        if (j)
                                sl_ctl_errorf("unexpected answer to GET %s",
                                              cfg_path);
                        rc = SL_CTL_EXIT_ERROR;
                        goto out;
                }
                bool same = sl_strmap_equal(now, d->config);
                sl_strmap_destroy(now);
                if (same) {
                        done = "unchanged";
                        rc = c->output == SL_CTL_OUT_JSON
                                     ? sl_ctl_call(c, "GET", info_path, NULL,
                                                   &r)
                                     : 0;
                } else {
                        sl_json_t *cfg = sl_json_from_strmap(d->config);
                        body = cfg ? sl_json_to_string(cfg) : NULL;
                        sl_json_free(cfg);
                        if (!body)
                                goto oom;
                        rc = sl_ctl_call(c, "PUT", cfg_path, body, &r);
                        /* 201 when it was deleted in between */
                        done = r.status == 201 ? "created" : "updated";
                }
        } else {
                sl_ctl_report(&cur);
                rc = SL_CTL_EXIT_ERROR;
        }
        if (rc == 0 && c->output == SL_CTL_OUT_JSON)
                sl_ctl_print_body(&r);
        else if (rc == 0)
                printf("%s %s\n", d->name, done);
        goto out;
oom:
        sl_ctl_errorf("out of memory");
        rc = SL_CTL_EXIT_ERROR;
out:
        free(cfg_path);
        free(info_path);
        free(body);
        sl_ctl_reply_clear(&cur);
        sl_ctl_reply_clear(&r);
        return rc;
}

int sl_ctl_cmd_apply(sl_ctl_t *c)
{
        int result = 0;
        for (int i = 0; i < c->nargs; i++) {
                desired_t d = {0};
                char err[512] = "";
                int rc = load(c->args[i], &d, err, sizeof(err));
                if (rc != 0) {
                        sl_ctl_errorf("%s: %s", c->args[i],
                                      *err ? err : sl_err2str(rc));
                        result = SL_CTL_EXIT_ERROR;
                } else if (apply_one(c, &d) != 0) {
                        result = SL_CTL_EXIT_ERROR;
                }
                desired_clear(&d);
        }
        return result;
}
