/* Confluent Schema Registry's REST API (the Avro subset) over sr.h. Paths
 * arrive percent-encoded and are split before decoding, so a subject name
 * holding %2F stays one segment. Errors are Confluent's:
 * {"error_code":40401,"message":...} with HTTP status 404. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest/rest.h"
#include "schemareg/sr.h"
#include "util/utf8.h"

#define LOGGER "schema-registry"
#define CONTENT_TYPE "application/vnd.schemaregistry.v1+json"
#define MAX_SEGS 8

static const char *const PREFIXES[] = {"subjects", "schemas", "config", "compatibility", "mode",
                                       NULL};

typedef struct call {
        sl_sr_t *sr;
        const sl_rest_request_t *req;
        sl_rest_response_t *resp;
        char *seg[MAX_SEGS]; /* decoded path segments */
        int nseg;
        sl_json_t *body; /* parsed request body, when the route takes one */
        char err[2048];
} call_t;

/* ------------------------------------------------------------ replies */

static void reply_json(call_t *c, int status, sl_json_t *j) {
        c->resp->status = status;
        c->resp->body = j ? sl_json_to_string(j) : NULL;
        c->resp->content_type = CONTENT_TYPE;
        sl_json_free(j);
}

static void reply_error(call_t *c, int code, const char *msg) {
        sl_buf_t b = SL_BUF_INIT;

        /* five-digit codes carry the HTTP status in their first three */
        c->resp->status = code >= 10000 ? code / 100 : code;
        sl_buf_printf(&b, "{\"error_code\":%d,\"message\":", code);
        sl_json_write_string(&b, msg, strlen(msg));
        sl_buf_putc(&b, '}');
        c->resp->body = sl_buf_detach(&b, NULL);
        c->resp->content_type = CONTENT_TYPE;
}

static void reply_code(call_t *c, int code) {
        if (code == SL_SR_INCOMPATIBLE || code >= 10000 || (code >= 400 && code < 600))
                reply_error(c, code, c->err);
        else
                reply_error(c, 50001, c->err[0] ? c->err : "Internal error");
}

static sl_json_t *obj1(const char *key, sl_json_t *v) {
        sl_json_t *o = sl_json_object();
        sl_json_object_set(o, key, v);
        return o;
}

/* ------------------------------------------------------------ request */

static bool split_path(call_t *c, const char *path) {
        const char *p = path;

        while (*p) {
                size_t n;
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                n = strcspn(p, "/");
                if (c->nseg == MAX_SEGS)
                        return false;
                if (!(c->seg[c->nseg++] = sl_pct_decode(p, n, SL_PCT_NUL_LITERAL)))
                        return false;
                p += n;
        }
        return true;
}

static const char *query(const call_t *c, const char *key) {
        for (size_t i = 0; i < c->req->nquery; i++)
                if (!strcmp(c->req->qkey[i], key))
                        return c->req->qval[i] ? c->req->qval[i] : "";
        return NULL;
}

static bool query_true(const call_t *c, const char *key) {
        const char *v = query(c, key);
        return v && !strcasecmp(v, "true");
}

/* "latest", -1 or 1..2^31-1; else a 42202 reply and false. */
static bool parse_version(call_t *c, const char *s, int32_t *out) {
        char *end;
        long v;

        if (!strcmp(s, "latest")) {
                *out = SL_SR_LATEST;
                return true;
        }
        v = strtol(s, &end, 10);
        if (*s && !*end && (v == -1 || (v >= 1 && v <= INT32_MAX))) {
                *out = (int32_t)v;
                return true;
        }
        snprintf(c->err, sizeof(c->err),
                 "The specified version '%s' is not a valid version id. Allowed values are "
                 "between [1, 2^31-1] and the string \"latest\"",
                 s);
        reply_error(c, SL_SR_INVALID_VERSION, c->err);
        return false;
}

static bool parse_id(const char *s, int32_t *out) {
        char *end;
        long v = strtol(s, &end, 10);

        if (!*s || *end || v < 0 || v > INT32_MAX)
                return false;
        *out = (int32_t)v;
        return true;
}

/* The body's "schema" member (and refusals of what we do not do). */
static const char *body_schema(call_t *c) {
        const sl_json_t *refs = sl_json_object_get(c->body, "references");
        const char *type = sl_json_object_get_str(c->body, "schemaType");
        const char *schema = sl_json_object_get_str(c->body, "schema");

        if (type && strcasecmp(type, "AVRO") != 0) {
                snprintf(c->err, sizeof(c->err),
                         "Invalid schema: schemaType %s is not supported, this registry "
                         "supports AVRO only",
                         type);
                reply_error(c, SL_SR_INVALID_SCHEMA, c->err);
                return NULL;
        }
        if (refs && refs->type == SL_JSON_ARRAY && refs->u.arr.len) {
                reply_error(c, SL_SR_INVALID_SCHEMA,
                            "Invalid schema: schema references are not supported");
                return NULL;
        }
        if (!schema) {
                reply_error(c, SL_SR_INVALID_SCHEMA,
                            "Invalid schema: the request body has no \"schema\" string");
                return NULL;
        }
        return schema;
}

/* ------------------------------------------------------------ routes */

static void r_schema_by_id(call_t *c, int32_t id, bool raw) {
        char *schema = NULL;
        int e = sl_sr_schema_by_id(c->sr, id, &schema, c->err, sizeof(c->err));

        if (e) {
                reply_code(c, e);
                return;
        }
        if (raw) {
                c->resp->status = 200;
                c->resp->body = schema;
                c->resp->content_type = CONTENT_TYPE;
                return;
        }
        reply_json(c, 200, obj1("schema", sl_json_string(schema)));
        free(schema);
}

static void r_schemas(call_t *c) {
        const char *m = c->req->method;
        int32_t id;

        if (c->nseg == 2 && !strcmp(c->seg[1], "types") && !strcmp(m, "GET")) {
                sl_json_t *a = sl_json_array();
                sl_json_array_append(a, sl_json_string("AVRO"));
                reply_json(c, 200, a);
                return;
        }
        if (c->nseg < 3 || c->nseg > 4 || strcmp(c->seg[1], "ids") != 0) {
                reply_error(c, 404, "HTTP 404 Not Found");
                return;
        }
        if (strcmp(m, "GET") != 0) {
                reply_error(c, 405, "HTTP 405 Method Not Allowed");
                return;
        }
        if (!parse_id(c->seg[2], &id)) {
                snprintf(c->err, sizeof(c->err), "Schema %s not found", c->seg[2]);
                reply_error(c, SL_SR_SCHEMA_NOT_FOUND, c->err);
                return;
        }
        if (c->nseg == 3) {
                r_schema_by_id(c, id, false);
        } else if (!strcmp(c->seg[3], "schema")) {
                r_schema_by_id(c, id, true);
        } else if (!strcmp(c->seg[3], "versions") || !strcmp(c->seg[3], "subjects")) {
                sl_json_t *a = NULL;
                int e = sl_sr_id_versions(c->sr, id, query_true(c, "deleted"), &a, c->err,
                                          sizeof(c->err));
                if (e) {
                        reply_code(c, e);
                        return;
                }
                if (!strcmp(c->seg[3], "subjects")) {
                        sl_json_t *names = sl_json_array();
                        for (size_t i = 0; i < a->u.arr.len; i++) {
                                const char *s = sl_json_object_get_str(a->u.arr.items[i], "subject");
                                bool dup = false;
                                for (size_t k = 0; k < names->u.arr.len && !dup; k++)
                                        dup = !strcmp(names->u.arr.items[k]->u.str.ptr, s);
                                if (!dup)
                                        sl_json_array_append(names, sl_json_string(s));
                        }
                        sl_json_free(a);
                        a = names;
                }
                reply_json(c, 200, a);
        } else {
                reply_error(c, 404, "HTTP 404 Not Found");
        }
}

static sl_json_t *version_object(const char *subject, int32_t id, int32_t version,
                                 const char *schema) {
        sl_json_t *o = sl_json_object();
        sl_json_object_set(o, "subject", sl_json_string(subject));
        sl_json_object_set(o, "version", sl_json_int(version));
        sl_json_object_set(o, "id", sl_json_int(id));
        sl_json_object_set(o, "schema", sl_json_string(schema ? schema : ""));
        return o;
}

static void r_register(call_t *c, const char *subject) {
        const char *schema = body_schema(c);
        int32_t id;
        int e;

        if (!schema)
                return;
        if ((e = sl_sr_register(c->sr, subject, schema, &id, c->err, sizeof(c->err))) != 0)
                reply_code(c, e);
        else
                reply_json(c, 200, obj1("id", sl_json_int(id)));
}

static void r_lookup(call_t *c, const char *subject) {
        const char *schema = body_schema(c);
        int32_t id, version;
        char *text = NULL;
        int e;

        if (!schema)
                return;
        e = sl_sr_lookup(c->sr, subject, schema, query_true(c, "deleted"), &id, &version, &text,
                         c->err, sizeof(c->err));
        if (e)
                reply_code(c, e);
        else
                reply_json(c, 200, version_object(subject, id, version, text));
        free(text);
}

static void r_get_version(call_t *c, const char *subject, const char *vs, bool raw) {
        int32_t id, version;
        char *text = NULL;
        int e;

        if (!parse_version(c, vs, &version))
                return;
        e = sl_sr_get_version(c->sr, subject, version, query_true(c, "deleted"), &id, &version,
                              &text, c->err, sizeof(c->err));
        if (e) {
                reply_code(c, e);
        } else if (raw) {
                c->resp->status = 200;
                c->resp->body = text;
                c->resp->content_type = CONTENT_TYPE;
                return;
        } else {
                reply_json(c, 200, version_object(subject, id, version, text));
        }
        free(text);
}

static void r_subjects(call_t *c) {
        const char *m = c->req->method;
        const char *subject = c->nseg > 1 ? c->seg[1] : NULL;
        bool permanent = query_true(c, "permanent");
        sl_json_t *a = NULL;
        int32_t version;
        int e;

        if (c->nseg == 1 && !strcmp(m, "GET")) {
                if ((e = sl_sr_subjects(c->sr, query_true(c, "deleted"), &a, c->err,
                                        sizeof(c->err))) != 0)
                        reply_code(c, e);
                else
                        reply_json(c, 200, a);
                return;
        }
        if (c->nseg == 2 && !strcmp(m, "POST")) {
                r_lookup(c, subject);
                return;
        }
        if (c->nseg == 2 && !strcmp(m, "DELETE")) {
                if ((e = sl_sr_delete_subject(c->sr, subject, permanent, &a, c->err,
                                              sizeof(c->err))) != 0)
                        reply_code(c, e);
                else
                        reply_json(c, 200, a);
                return;
        }
        if (c->nseg == 3 && !strcmp(c->seg[2], "versions")) {
                if (!strcmp(m, "GET")) {
                        if ((e = sl_sr_versions(c->sr, subject, query_true(c, "deleted"), &a,
                                                c->err, sizeof(c->err))) != 0)
                                reply_code(c, e);
                        else
                                reply_json(c, 200, a);
                } else if (!strcmp(m, "POST")) {
                        r_register(c, subject);
                } else {
                        reply_error(c, 405, "HTTP 405 Method Not Allowed");
                }
                return;
        }
        if (c->nseg == 4 && !strcmp(c->seg[2], "versions")) {
                if (!strcmp(m, "GET")) {
                        r_get_version(c, subject, c->seg[3], false);
                } else if (!strcmp(m, "DELETE")) {
                        if (!parse_version(c, c->seg[3], &version))
                                return;
                        e = sl_sr_delete_version(c->sr, subject, version, permanent, &version,
                                                 c->err, sizeof(c->err));
                        if (e)
                                reply_code(c, e);
                        else
                                reply_json(c, 200, sl_json_int(version));
                } else {
                        reply_error(c, 405, "HTTP 405 Method Not Allowed");
                }
                return;
        }
        if (c->nseg == 5 && !strcmp(c->seg[2], "versions") && !strcmp(m, "GET")) {
                if (!strcmp(c->seg[4], "schema")) {
                        r_get_version(c, subject, c->seg[3], true);
                        return;
                }
                if (!strcmp(c->seg[4], "referencedby")) {
                        /* no references are accepted, so none point here */
                        if (!parse_version(c, c->seg[3], &version))
                                return;
                        if ((e = sl_sr_get_version(c->sr, subject, version, true, NULL, NULL,
                                                   NULL, c->err, sizeof(c->err))) != 0)
                                reply_code(c, e);
                        else
                                reply_json(c, 200, sl_json_array());
                        return;
                }
        }
        reply_error(c, 404, "HTTP 404 Not Found");
}

static void r_compatibility(call_t *c) {
        int32_t version = SL_SR_LATEST;
        sl_json_t *msgs = NULL, *o;
        const char *schema;
        bool ok = false;
        int e;

        if ((c->nseg != 4 && c->nseg != 5) || strcmp(c->seg[1], "subjects") != 0 ||
            strcmp(c->seg[3], "versions") != 0) {
                reply_error(c, 404, "HTTP 404 Not Found");
                return;
        }
        if (strcmp(c->req->method, "POST") != 0) {
                reply_error(c, 405, "HTTP 405 Method Not Allowed");
                return;
        }
        if (c->nseg == 5 && !parse_version(c, c->seg[4], &version))
                return;
        if (!(schema = body_schema(c)))
                return;
        e = sl_sr_test_compat(c->sr, c->seg[2], version, schema, &ok, &msgs, c->err,
                              sizeof(c->err));
        if (e) {
                reply_code(c, e);
                return;
        }
        o = obj1("is_compatible", sl_json_bool(ok));
        if (query_true(c, "verbose"))
                sl_json_object_set(o, "messages", msgs ? msgs : sl_json_array());
        else
                sl_json_free(msgs);
        reply_json(c, 200, o);
}

static void r_config(call_t *c) {
        const char *m = c->req->method;
        const char *subject = c->nseg == 2 ? c->seg[1] : NULL;
        const char *level = NULL;
        int e;

        if (c->nseg > 2) {
                reply_error(c, 404, "HTTP 404 Not Found");
                return;
        }
        if (!strcmp(m, "GET")) {
                e = sl_sr_config_get(c->sr, subject, query_true(c, "defaultToGlobal"), &level,
                                     c->err, sizeof(c->err));
                if (e)
                        reply_code(c, e);
                else
                        reply_json(c, 200, obj1("compatibilityLevel", sl_json_string(level)));
        } else if (!strcmp(m, "PUT")) {
                level = sl_json_object_get_str(c->body, "compatibility");
                if (!level)
                        level = sl_json_object_get_str(c->body, "compatibilityLevel");
                if ((e = sl_sr_config_set(c->sr, subject, level ? level : "", c->err,
                                          sizeof(c->err))) != 0) {
                        reply_code(c, e);
                } else {
                        char up[32];
                        size_t i;
                        for (i = 0; level[i] && i + 1 < sizeof(up); i++)
                                up[i] = (char)(level[i] >= 'a' && level[i] <= 'z'
                                                       ? level[i] - 'a' + 'A'
                                                       : level[i]);
                        up[i] = '\0';
                        reply_json(c, 200, obj1("compatibility", sl_json_string(up)));
                }
        } else if (!strcmp(m, "DELETE")) {
                if ((e = sl_sr_config_delete(c->sr, subject, &level, c->err, sizeof(c->err))) != 0)
                        reply_code(c, e);
                else
                        reply_json(c, 200, obj1("compatibilityLevel", sl_json_string(level)));
        } else {
                reply_error(c, 405, "HTTP 405 Method Not Allowed");
        }
}

static void r_mode(call_t *c) {
        const char *m = c->req->method;
        const char *mode;

        if (c->nseg > 2) {
                reply_error(c, 404, "HTTP 404 Not Found");
        } else if (!strcmp(m, "GET")) {
                reply_json(c, 200, obj1("mode", sl_json_string("READWRITE")));
        } else if (!strcmp(m, "PUT")) {
                /* the only mode there is */
                mode = sl_json_object_get_str(c->body, "mode");
                if (mode && !strcmp(mode, "READWRITE")) {
                        reply_json(c, 200, obj1("mode", sl_json_string(mode)));
                } else {
                        snprintf(c->err, sizeof(c->err),
                                 "Invalid mode %s: only READWRITE is supported",
                                 mode ? mode : "(none)");
                        reply_error(c, 42204, c->err);
                }
        } else {
                reply_error(c, 405, "HTTP 405 Method Not Allowed");
        }
}

static bool takes_body(const char *method) {
        return !strcmp(method, "POST") || !strcmp(method, "PUT");
}

static void handle(void *opaque, const sl_rest_request_t *req, sl_rest_response_t *resp) {
        call_t c;
        int e;

        memset(&c, 0, sizeof(c));
        c.sr = opaque;
        c.req = req;
        c.resp = resp;
        if (!split_path(&c, req->path) || c.nseg == 0) {
                reply_error(&c, 404, "HTTP 404 Not Found");
                goto out;
        }
        if (takes_body(req->method)) {
                char perr[256];
                c.body = sl_json_parse(req->body, req->body_len, perr, sizeof(perr));
                if (!c.body || c.body->type != SL_JSON_OBJECT) {
                        snprintf(c.err, sizeof(c.err), "Unrecognized request body: %s",
                                 c.body ? "expected a JSON object" : perr);
                        reply_error(&c, 400, c.err);
                        goto out;
                }
        }
        if (strcmp(c.seg[0], "mode") != 0 &&
            !(c.nseg == 2 && !strcmp(c.seg[0], "schemas") && !strcmp(c.seg[1], "types")) &&
            (e = sl_sr_sync(c.sr, c.err, sizeof(c.err))) != 0) {
                reply_code(&c, e);
                goto out;
        }
        if (!strcmp(c.seg[0], "subjects"))
                r_subjects(&c);
        else if (!strcmp(c.seg[0], "schemas"))
                r_schemas(&c);
        else if (!strcmp(c.seg[0], "compatibility"))
                r_compatibility(&c);
        else if (!strcmp(c.seg[0], "config"))
                r_config(&c);
        else
                r_mode(&c);
out:
        sl_debug(LOGGER, "%s %s -> %d", req->method, req->path, resp->status);
        for (int i = 0; i < c.nseg; i++)
                free(c.seg[i]);
        sl_json_free(c.body);
}

void sl_sr_rest_attach(sl_sr_t *sr, struct sl_rest *rest) {
        (void)sl_rest_add_handler(rest, PREFIXES, handle, sr); /* the first: always room */
}
