/*
 * HttpSinkConnector (Confluent's io.confluent.connect.http.HttpSinkConnector
 * config names): record values to one HTTP endpoint, batch.max.size per
 * request, joined with batch.prefix/separator/suffix (or a JSON array).
 *
 * put returns 0 once every record it was given is accepted (2xx), or
 * skipped per behavior.on.error. A request that fails retriably (connection
 * error, timeout, a status in retry.on.status.codes) while max.retries
 * allows makes put return SL_ERR_RETRIABLE after sl_task_sink_retry_after
 * with the back-off (constant, or exponential with jitter): the host puts
 * the same records again later without holding the shard, and commits no
 * offset past them meanwhile. Records delivered before the failure come
 * again then; the task remembers per topic-partition the next offset it is
 * done with and skips those below it, so nothing is sent twice.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http.h"
#include "net/httpc.h"

#define HTTP_SINK_VERSION "1.0.0"
#define LOGGER "HttpSinkTask"
#define BACKOFF_CAP_MS 60000   /* exponential back-off stops growing here */
#define ERR_BODY_MAX 512       /* response body bytes quoted in errors */
#define KEEP_BUF_MAX ((size_t)4 << 20)

/* ------------------------------------------------------------ config */

static const char *const methods[] = {"POST", "PUT", "PATCH", NULL};
static const char *const body_formats[] = {"string", "json", NULL};
static const char *const on_error[] = {"fail", "log", "ignore", NULL};
static const char *const auth_types[] = {"NONE", "BASIC", NULL};
static const char *const backoff_policies[] = {"CONSTANT_VALUE", "EXPONENTIAL_WITH_JITTER",
                                               NULL};
static const char *const on_null[] = {"ignore", "fail", NULL};

static int url_validator(const char *name, const char *value, char *errstr,
                         size_t errstr_size)
{
        char err[256] = "";
        sl_httpc_t *c;

        (void)name;
        if (!value || !*value)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "must not be empty");
        c = sl_httpc_new(NULL, value, 1000, err, sizeof(err));
        if (!c)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "%s", err);
        sl_httpc_destroy(c);
        return 0;
}

static int ranges_validator(const char *name, const char *value, char *errstr,
                            size_t errstr_size)
{
        http_status_ranges_t r;
        (void)name;
        return http_parse_status_ranges(value, &r, errstr, errstr_size);
}

static const sl_config_def_t http_sink_config[] = {
        {.name = "http.api.url", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY, .validator = url_validator,
         .documentation = "HTTP API URL (http://host[:port][/path]) records are sent to.",
         .group = "Connection", .order = 1, .width = SL_CFG_WIDTH_LONG,
         .display_name = "HTTP URL"},
        {.name = "request.method", .type = SL_CFG_STRING, .default_value = "POST",
         .importance = SL_CFG_HIGH, .valid_values = methods,
         .documentation = "HTTP request method: POST, PUT or PATCH.",
         .group = "Connection", .order = 2, .display_name = "Request method"},
        {.name = "headers", .type = SL_CFG_STRING, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "HTTP headers sent with every request, as name:value pairs "
                          "separated by header.separator, e.g. "
                          "\"Content-Type:application/json|Accept:application/json\".",
         .group = "Connection", .order = 3, .display_name = "Headers"},
        {.name = "header.separator", .type = SL_CFG_STRING, .default_value = "|",
         .importance = SL_CFG_MEDIUM, .flags = SL_CFG_NONEMPTY,
         .documentation = "Separator between the headers in 'headers'.",
         .group = "Connection", .order = 4, .display_name = "Header separator"},
        {.name = "http.connect.timeout.ms", .type = SL_CFG_INT, .default_value = "30000",
         .importance = SL_CFG_LOW, .flags = SL_CFG_MIN, .min = 1,
         .documentation = "Time to wait for a connection to be established.",
         .group = "Connection", .order = 5},
        {.name = "http.request.timeout.ms", .type = SL_CFG_INT, .default_value = "30000",
         .importance = SL_CFG_LOW, .flags = SL_CFG_MIN, .min = 1,
         .documentation = "Time to wait for each send and receive of a request.",
         .group = "Connection", .order = 6},
        {.name = "auth.type", .type = SL_CFG_STRING, .default_value = "NONE",
         .importance = SL_CFG_HIGH, .valid_values = auth_types,
         .documentation = "Authentication: NONE or BASIC (connection.user and "
                          "connection.password).",
         .group = "Authentication", .order = 1},
        {.name = "connection.user", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "User name for BASIC authentication.",
         .group = "Authentication", .order = 2},
        {.name = "connection.password", .type = SL_CFG_PASSWORD,
         .importance = SL_CFG_HIGH,
         .documentation = "Password for BASIC authentication.",
         .group = "Authentication", .order = 3},
        {.name = "request.body.format", .type = SL_CFG_STRING, .default_value = "string",
         .importance = SL_CFG_MEDIUM, .valid_values = body_formats,
         .documentation = "How record values are written: 'string' (their string form) "
                          "or 'json' (structs and maps as JSON).",
         .group = "Batching", .order = 1},
        {.name = "batch.max.size", .type = SL_CFG_INT, .default_value = "1",
         .importance = SL_CFG_HIGH, .flags = SL_CFG_MIN | SL_CFG_MAX, .min = 1,
         .max = 1000000,
         .documentation = "The number of records accumulated in one request.",
         .group = "Batching", .order = 2},
        {.name = "batch.prefix", .type = SL_CFG_STRING, .default_value = "",
         .importance = SL_CFG_HIGH,
         .documentation = "Text before the records of a batch.",
         .group = "Batching", .order = 3},
        {.name = "batch.suffix", .type = SL_CFG_STRING, .default_value = "",
         .importance = SL_CFG_HIGH,
         .documentation = "Text after the records of a batch.",
         .group = "Batching", .order = 4},
        {.name = "batch.separator", .type = SL_CFG_STRING, .default_value = ",",
         .importance = SL_CFG_HIGH,
         .documentation = "Text between the records of a batch.",
         .group = "Batching", .order = 5},
        {.name = "batch.json.as.array", .type = SL_CFG_BOOLEAN, .default_value = "false",
         .importance = SL_CFG_MEDIUM,
         .documentation = "With request.body.format=json, send each batch as a JSON "
                          "array (batch.prefix/suffix/separator are not used).",
         .group = "Batching", .order = 6},
        {.name = "behavior.on.null.values", .type = SL_CFG_STRING,
         .default_value = "ignore", .importance = SL_CFG_LOW, .valid_values = on_null,
         .documentation = "Records with a null value: 'ignore' (skip) or 'fail'.",
         .group = "Batching", .order = 7},
        {.name = "max.retries", .type = SL_CFG_INT, .default_value = "10",
         .importance = SL_CFG_MEDIUM, .flags = SL_CFG_MIN, .min = 0,
         .documentation = "How many times a failed request is retried.",
         .group = "Retries", .order = 1},
        {.name = "retry.backoff.ms", .type = SL_CFG_INT, .default_value = "3000",
         .importance = SL_CFG_MEDIUM, .flags = SL_CFG_MIN, .min = 0,
         .documentation = "Initial wait before a retry; it doubles per attempt (with "
                          "EXPONENTIAL_WITH_JITTER) up to 60 s.",
         .group = "Retries", .order = 2},
        {.name = "retry.backoff.policy", .type = SL_CFG_STRING,
         .default_value = "EXPONENTIAL_WITH_JITTER", .importance = SL_CFG_LOW,
         .valid_values = backoff_policies,
         .documentation = "CONSTANT_VALUE or EXPONENTIAL_WITH_JITTER.",
         .group = "Retries", .order = 3},
        {.name = "retry.on.status.codes", .type = SL_CFG_STRING, .default_value = "400-",
         .importance = SL_CFG_MEDIUM, .validator = ranges_validator,
         .documentation = "HTTP status codes to retry on: codes and inclusive ranges "
                          "separated by commas; \"400-\" is every code from 400, "
                          "\"404,408,500-\" those two and every 5xx. Connection errors "
                          "and timeouts are always retried.",
         .group = "Retries", .order = 4},
        {.name = "behavior.on.error", .type = SL_CFG_STRING, .default_value = "fail",
         .importance = SL_CFG_MEDIUM, .valid_values = on_error,
         .documentation = "When a request still fails after the retries: 'fail' the "
                          "task, 'log' the error and skip the records, or 'ignore' it.",
         .group = "Retries", .order = 5},
        {.name = NULL},
};

/* ------------------------------------------------------ status ranges */

static int parse_code(const char *s, size_t n, int *out)
{
        int v = 0;
        if (n != 3)
                return -1;
        for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char)s[i]))
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        if (v < 100 || v > 599)
                return -1;
        *out = v;
        return 0;
}

static void trim(const char **s, const char **e)
{
        while (*s < *e && isspace((unsigned char)**s))
                (*s)++;
        while (*e > *s && isspace((unsigned char)(*e)[-1]))
                (*e)--;
}

int http_parse_status_ranges(const char *spec, http_status_ranges_t *out, char *errstr,
                             size_t errstr_size)
{
        const char *p = spec ? spec : "";

        out->n = 0;
        while (*p) {
                const char *s = p, *e = p + strcspn(p, ","), *dash;
                int lo = 100, hi = 599;
                p = *e ? e + 1 : e;
                trim(&s, &e);
                if (s == e)
                        continue;
                if (out->n == HTTP_MAX_RANGES)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "more than %d codes or ranges", HTTP_MAX_RANGES);
                dash = memchr(s, '-', (size_t)(e - s));
                if (!dash) {
                        if (parse_code(s, (size_t)(e - s), &lo) < 0)
                                goto bad;
                        hi = lo;
                } else {
                        const char *ls = s, *le = dash, *hs = dash + 1, *he = e;
                        trim(&ls, &le);
                        trim(&hs, &he);
                        if (ls == le && hs == he)
                                goto bad;
                        if (ls != le && parse_code(ls, (size_t)(le - ls), &lo) < 0)
                                goto bad;
                        if (hs != he && parse_code(hs, (size_t)(he - hs), &hi) < 0)
                                goto bad;
                        if (lo > hi)
                                goto bad;
                }
                out->lo[out->n] = lo;
                out->hi[out->n] = hi;
                out->n++;
                continue;
bad:
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "'%.*s' is not an HTTP status code (100-599) or a range "
                                 "of them such as 400- or 500-599",
                                 (int)(e - s), s);
        }
        return 0;
}

bool http_status_in(const http_status_ranges_t *r, int status)
{
        for (int i = 0; i < r->n; i++)
                if (status >= r->lo[i] && status <= r->hi[i])
                        return true;
        return false;
}

/* Split headers at sep into "Name: value" lines. Count, or SL_ERR_CONFIG
 * naming the bad entry; *out (malloc'd strings) only on success. */
static int parse_headers(const char *spec, const char *sep, char ***out, char *errstr,
                         size_t errstr_size)
{
        char **list = NULL;
        int n = 0;
        size_t seplen = sep && *sep ? strlen(sep) : 1;
        const char *p = spec ? spec : "";

        *out = NULL;
        while (*p) {
                const char *end = sep && *sep ? strstr(p, sep) : NULL;
                const char *s = p, *e = end ? end : p + strlen(p), *colon;
                p = end ? end + seplen : e;
                trim(&s, &e);
                if (s == e)
                        continue;
                colon = memchr(s, ':', (size_t)(e - s));
                const char *ne = colon, *vs = colon ? colon + 1 : NULL, *ve = e;
                if (colon) {
                        const char *ns = s;
                        trim(&ns, &ne);
                        trim(&vs, &ve);
                }
                if (!colon || ne == s) {
                        for (int i = 0; i < n; i++)
                                free(list[i]);
                        free(list);
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "header '%.*s' is not name:value", (int)(e - s), s);
                }
                for (const char *c = s; c < ne; c++)
                        if (!isgraph((unsigned char)*c)) {
                                for (int i = 0; i < n; i++)
                                        free(list[i]);
                                free(list);
                                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                                 "header name '%.*s' is not a token",
                                                 (int)(ne - s), s);
                        }
                char **nl = realloc(list, (size_t)(n + 2) * sizeof(*nl));
                sl_buf_t b = SL_BUF_INIT;
                if (!nl || sl_buf_printf(&b, "%.*s: %.*s", (int)(ne - s), s,
                                         (int)(ve - vs), vs) < 0) {
                        sl_buf_free(&b);
                        list = nl ? nl : list;
                        for (int i = 0; i < n; i++)
                                free(list[i]);
                        free(list);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                }
                list = nl;
                list[n++] = sl_buf_detach(&b, NULL);
                list[n] = NULL;
        }
        *out = list;
        return n;
}

static const char *cfg_or(const sl_strmap_t *cfg, const char *key, const char *def)
{
        const char *v = sl_strmap_get(cfg, key);
        return v ? v : def;
}

static void http_sink_validate(const sl_strmap_t *config, sl_config_errors_t *errs)
{
        char err[256] = "";
        char **hdrs = NULL;
        int n = parse_headers(cfg_or(config, "headers", ""), cfg_or(config, "header.separator", "|"),
                              &hdrs, err, sizeof(err));
        if (n < 0)
                sl_config_error_add(errs, "headers", "%s", err);
        for (int i = 0; i < n; i++)
                free(hdrs[i]);
        free(hdrs);
        if (!strcasecmp(cfg_or(config, "auth.type", "NONE"), "BASIC")) {
                const char *user = sl_strmap_get(config, "connection.user");
                if (!user || !*user)
                        sl_config_error_add(errs, "connection.user",
                                            "connection.user is required when "
                                            "auth.type is BASIC");
        }
}

/* -------------------------------------------------------------- task */

typedef enum { ON_ERROR_FAIL, ON_ERROR_LOG, ON_ERROR_IGNORE } on_error_t;

typedef struct http_sink {
        sl_task_ctx_t *ctx;
        sl_httpc_t *http;
        char *url;
        const char *method;
        char **headers; /* NULL-terminated, "Name: value" */
        bool json, json_array, exponential, fail_on_null;
        char *prefix, *suffix, *separator;
        size_t batch_max;
        int max_retries;
        int64_t backoff_ms;
        http_status_ranges_t retry_on;
        on_error_t on_error;
        sl_buf_t body;
        unsigned rand_state;
        int attempt;        /* failed attempts of the batch being retried */
        bool retry_pending; /* the last put returned SL_ERR_RETRIABLE */
        /* per topic-partition: the next offset not delivered yet by the
         * put being repeated (records below it were accepted or skipped),
         * -1 when none was; one entry per partition seen, dropped when it
         * is revoked */
        struct http_tp {
                char *topic;
                int32_t partition;
                int64_t next;
        } *tps;
        size_t ntps, tps_cap, tp_hint;
} http_sink_t;

/* The entry for topic-partition, or NULL. */
static struct http_tp *tp_find(http_sink_t *s, const char *topic, int32_t partition)
{
        if (s->tp_hint < s->ntps && s->tps[s->tp_hint].partition == partition &&
            !strcmp(s->tps[s->tp_hint].topic, topic))
                return &s->tps[s->tp_hint];
        for (size_t i = 0; i < s->ntps; i++)
                if (s->tps[i].partition == partition && !strcmp(s->tps[i].topic, topic)) {
                        s->tp_hint = i;
                        return &s->tps[i];
                }
        return NULL;
}

/* True when r was already delivered (or skipped) by an earlier put. */
static bool tp_done(http_sink_t *s, const sl_sink_record_t *r)
{
        struct http_tp *e = tp_find(s, r->topic, r->partition);
        return e && r->offset < e->next;
}

/* Records up to and including r are done with. */
static int tp_mark(http_sink_t *s, const sl_sink_record_t *r)
{
        struct http_tp *e = tp_find(s, r->topic, r->partition);
        if (!e) {
                if (s->ntps == s->tps_cap) {
                        size_t cap = s->tps_cap ? s->tps_cap * 2 : 8;
                        struct http_tp *n = realloc(s->tps, cap * sizeof(*n));
                        if (!n)
                                return SL_ERR_NOMEM;
                        s->tps = n;
                        s->tps_cap = cap;
                }
                e = &s->tps[s->ntps];
                if (!(e->topic = strdup(r->topic)))
                        return SL_ERR_NOMEM;
                e->partition = r->partition;
                e->next = -1;
                s->tp_hint = s->ntps++;
        }
        if (r->offset + 1 > e->next)
                e->next = r->offset + 1;
        return 0;
}

static void tp_remove(http_sink_t *s, const char *topic, int32_t partition)
{
        struct http_tp *e = tp_find(s, topic, partition);
        if (!e)
                return;
        free(e->topic);
        *e = s->tps[--s->ntps];
        s->tp_hint = 0;
}

static void sink_stop(void *state)
{
        http_sink_t *s = state;
        if (!s)
                return;
        sl_httpc_destroy(s->http);
        for (size_t i = 0; s->headers && s->headers[i]; i++)
                free(s->headers[i]);
        free(s->headers);
        free(s->url);
        free(s->prefix);
        free(s->suffix);
        free(s->separator);
        sl_buf_free(&s->body);
        for (size_t i = 0; i < s->ntps; i++)
                free(s->tps[i].topic);
        free(s->tps);
        free(s);
}

/* Revoked partitions: forget what was delivered from them (a later owner
 * starts from the committed offset), and the retry count of a batch that
 * will not come again. */
static int sink_close_partitions(void *state, const sl_topic_partition_t *tps, size_t cnt)
{
        http_sink_t *s = state;
        for (size_t i = 0; i < cnt; i++)
                tp_remove(s, tps[i].topic, tps[i].partition);
        s->attempt = 0;
        return 0;
}

static bool has_header(char **headers, const char *name)
{
        size_t n = strlen(name);
        for (size_t i = 0; headers && headers[i]; i++)
                if (!strncasecmp(headers[i], name, n) && headers[i][n] == ':')
                        return true;
        return false;
}

/* Append one line to the NULL-terminated header list (takes line). */
static int push_header(http_sink_t *s, char *line)
{
        size_t n = 0;
        char **nl;
        while (s->headers && s->headers[n])
                n++;
        nl = line ? realloc(s->headers, (n + 2) * sizeof(*nl)) : NULL;
        if (!nl) {
                free(line);
                return SL_ERR_NOMEM;
        }
        nl[n] = line;
        nl[n + 1] = NULL;
        s->headers = nl;
        return 0;
}

static int add_default_headers(http_sink_t *s, const sl_strmap_t *cfg)
{
        int rc = 0;
        if (!has_header(s->headers, "Content-Type"))
                rc = push_header(s, strdup(s->json ? "Content-Type: application/json"
                                                   : "Content-Type: text/plain; charset=utf-8"));
        if (rc == 0 && !strcasecmp(cfg_or(cfg, "auth.type", "NONE"), "BASIC")) {
                sl_buf_t cred = SL_BUF_INIT, line = SL_BUF_INIT;
                const char *pw = sl_config_str(cfg, "connection.password");
                rc = sl_buf_printf(&cred, "%s:%s", cfg_or(cfg, "connection.user", ""),
                                   pw ? pw : "");
                if (rc == 0)
                        rc = sl_buf_puts(&line, "Authorization: Basic ");
                if (rc == 0)
                        rc = sl_base64_encode(cred.data, cred.len, &line);
                sl_buf_free(&cred);
                if (rc == 0)
                        rc = push_header(s, sl_buf_detach(&line, NULL));
                sl_buf_free(&line);
        }
        return rc;
}

static int sink_start(sl_task_ctx_t *ctx, const sl_strmap_t *cfg, void **statep,
                      char *errstr, size_t errstr_size)
{
        http_sink_t *s = calloc(1, sizeof(*s));
        const char *v;
        int n, rc;

        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        s->ctx = ctx;
        sl_buf_init(&s->body);
        s->rand_state = (unsigned)time(NULL) ^ (unsigned)sl_task_id(ctx);
        s->url = strdup(cfg_or(cfg, "http.api.url", ""));
        s->prefix = strdup(cfg_or(cfg, "batch.prefix", ""));
        s->suffix = strdup(cfg_or(cfg, "batch.suffix", ""));
        s->separator = strdup(cfg_or(cfg, "batch.separator", ","));
        if (!s->url || !s->prefix || !s->suffix || !s->separator) {
                sink_stop(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        v = cfg_or(cfg, "request.method", "POST");
        s->method = !strcasecmp(v, "PUT") ? "PUT" : !strcasecmp(v, "PATCH") ? "PATCH" : "POST";
        s->json = !strcasecmp(cfg_or(cfg, "request.body.format", "string"), "json");
        s->json_array = s->json && sl_config_bool(cfg, "batch.json.as.array", false);
        s->exponential = strcasecmp(cfg_or(cfg, "retry.backoff.policy",
                                           "EXPONENTIAL_WITH_JITTER"), "CONSTANT_VALUE") != 0;
        s->fail_on_null = !strcasecmp(cfg_or(cfg, "behavior.on.null.values", "ignore"), "fail");
        s->batch_max = (size_t)sl_config_long(cfg, "batch.max.size", 1);
        if (s->batch_max < 1)
                s->batch_max = 1;
        s->max_retries = (int)sl_config_long(cfg, "max.retries", 10);
        s->backoff_ms = sl_config_long(cfg, "retry.backoff.ms", 3000);
        v = cfg_or(cfg, "behavior.on.error", "fail");
        s->on_error = !strcasecmp(v, "log")      ? ON_ERROR_LOG
                      : !strcasecmp(v, "ignore") ? ON_ERROR_IGNORE
                                                 : ON_ERROR_FAIL;
        rc = http_parse_status_ranges(cfg_or(cfg, "retry.on.status.codes", "400-"),
                                      &s->retry_on, errstr, errstr_size);
        if (rc == 0) {
                n = parse_headers(cfg_or(cfg, "headers", ""), cfg_or(cfg, "header.separator", "|"),
                                  &s->headers, errstr, errstr_size);
                rc = n < 0 ? n : add_default_headers(s, cfg);
        }
        if (rc == 0) {
                s->http = sl_httpc_new(ctx, s->url,
                                       (int)sl_config_long(cfg, "http.request.timeout.ms", 30000),
                                       errstr, errstr_size);
                if (!s->http)
                        rc = SL_ERR_CONFIG;
        }
        if (rc < 0) {
                sink_stop(s);
                return rc == SL_ERR_NOMEM
                               ? sl_seterr(errstr, errstr_size, rc, "out of memory")
                               : rc;
        }
        sl_httpc_set_connect_timeout(s->http,
                                     (int)sl_config_long(cfg, "http.connect.timeout.ms", 30000));
        sl_info(LOGGER, "%s-%d: sending to %s %s, batch.max.size %zu", sl_task_connector(ctx),
                sl_task_id(ctx), s->method, s->url, s->batch_max);
        *statep = s;
        return 0;
}

/* ------------------------------------------------------------ bodies */

/* One record's value as request text. */
static int append_value(http_sink_t *s, const sl_data_t *d, sl_buf_t *out)
{
        const sl_json_t *v = d->value;
        /* Strings go as they are (in json format they are usually JSON
         * text already, as StringConverter hands it over). */
        if (v && v->type == SL_JSON_STRING)
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        if (s->json)
                return v ? sl_json_write(v, out) : sl_buf_puts(out, "null");
        return sl_data_to_string(d, out);
}

/* The body for recs[0..n) (null values already skipped by the caller). */
static int build_body(http_sink_t *s, const sl_sink_record_t *const *recs, size_t n)
{
        const char *pre = s->json_array ? "[" : s->prefix;
        const char *sep = s->json_array ? "," : s->separator;
        const char *suf = s->json_array ? "]" : s->suffix;
        int rc = sl_buf_puts(&s->body, pre);

        for (size_t i = 0; rc == 0 && i < n; i++) {
                if (i > 0)
                        rc = sl_buf_puts(&s->body, sep);
                if (rc == 0)
                        rc = append_value(s, &recs[i]->value, &s->body);
        }
        if (rc == 0)
                rc = sl_buf_puts(&s->body, suf);
        return rc;
}

/* --------------------------------------------------------- delivery */

static int64_t backoff_for(http_sink_t *s, int attempt)
{
        int64_t ms = s->backoff_ms;
        if (!s->exponential || ms <= 0)
                return ms;
        for (int i = 0; i < attempt && ms < BACKOFF_CAP_MS; i++)
                ms *= 2;
        if (ms > BACKOFF_CAP_MS)
                ms = BACKOFF_CAP_MS > s->backoff_ms ? BACKOFF_CAP_MS : s->backoff_ms;
        /* Full jitter over the upper half keeps tasks that failed together
         * from retrying in lockstep. */
        return ms / 2 + (int64_t)(rand_r(&s->rand_state) % (unsigned)(ms / 2 + 1));
}

/* Where a batch came from, for messages. */
static void describe_batch(const sl_sink_record_t *const *recs, size_t n, char *out,
                           size_t size)
{
        if (n == 1)
                snprintf(out, size, "1 record (%s-%d@%lld)", recs[0]->topic,
                         (int)recs[0]->partition, (long long)recs[0]->offset);
        else
                snprintf(out, size, "%zu records (%s-%d@%lld .. %s-%d@%lld)", n, recs[0]->topic,
                         (int)recs[0]->partition, (long long)recs[0]->offset,
                         recs[n - 1]->topic, (int)recs[n - 1]->partition,
                         (long long)recs[n - 1]->offset);
}

/* Send one batch once. 0 when its records are done with (delivered, or
 * skipped per behavior.on.error: they are marked so a repeated put skips
 * them); SL_ERR_RETRIABLE after sl_task_sink_retry_after when it is to be
 * tried again; another error with errstr to fail the task. */
static int send_batch(http_sink_t *s, const sl_sink_record_t *const *recs, size_t n,
                      char *errstr, size_t errstr_size)
{
        struct iovec iov;
        char what[256], last[ERR_BODY_MAX + 256] = "", err[512] = "";
        sl_httpc_resp_t resp;
        bool retriable;
        int rc;

        sl_buf_reset(&s->body);
        if ((rc = build_body(s, recs, n)) < 0)
                return sl_seterr(errstr, errstr_size, rc, "Cannot format records for %s: %s",
                                 s->url, sl_err2str(rc));
        iov.iov_base = s->body.data;
        iov.iov_len = s->body.len;
        describe_batch(recs, n, what, sizeof(what));
        rc = sl_httpc_request(s->http, s->method, "", (const char *const *)s->headers, &iov, 1,
                              &resp, err, sizeof(err));
        if (rc == 0 && resp.status >= 200 && resp.status < 300) {
                sl_httpc_resp_clear(&resp);
                if (s->attempt > 0)
                        sl_info(LOGGER, "%s-%d: %s delivered after %d retries",
                                sl_task_connector(s->ctx), sl_task_id(s->ctx), what,
                                s->attempt);
                goto done;
        }
        if (rc == 0) {
                snprintf(last, sizeof(last), "%s %s returned HTTP %d: %.*s%s", s->method,
                         s->url, resp.status, ERR_BODY_MAX,
                         resp.body.data ? resp.body.data : "",
                         resp.body.len > ERR_BODY_MAX ? "..." : "");
                retriable = http_status_in(&s->retry_on, resp.status);
                sl_httpc_resp_clear(&resp);
        } else {
                snprintf(last, sizeof(last), "%s", err);
                retriable = true; /* connection errors and timeouts */
        }
        if (retriable && s->attempt < s->max_retries) {
                int64_t wait = backoff_for(s, s->attempt);
                s->attempt++;
                sl_warn(LOGGER, "%s-%d: %s: %s; retry %d/%d in %lld ms",
                        sl_task_connector(s->ctx), sl_task_id(s->ctx), what, last, s->attempt,
                        s->max_retries, (long long)wait);
                sl_task_sink_retry_after(s->ctx, wait);
                return sl_seterr(errstr, errstr_size, SL_ERR_RETRIABLE,
                                 "Sending %s failed (retry %d/%d in %lld ms): %s", what,
                                 s->attempt, s->max_retries, (long long)wait, last);
        }
        if (s->on_error == ON_ERROR_FAIL) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_IO, "%s sending %s: %s",
                               retriable ? "Exhausted retries" : "Non-retriable response",
                               what, last);
                s->attempt = 0;
                return rc;
        }
        if (s->on_error == ON_ERROR_LOG)
                sl_error(LOGGER, "%s-%d: skipping %s (behavior.on.error=log) after %d "
                         "attempts: %s", sl_task_connector(s->ctx), sl_task_id(s->ctx), what,
                         s->attempt + 1, last);
        else
                sl_debug(LOGGER, "%s-%d: ignoring failure of %s: %s", sl_task_connector(s->ctx),
                         sl_task_id(s->ctx), what, last);
done:
        s->attempt = 0;
        for (size_t i = 0; i < n; i++)
                if (tp_mark(s, recs[i]) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        return 0;
}

static int sink_put(void *state, const sl_sink_record_t *records, size_t cnt, char *errstr,
                    size_t errstr_size)
{
        http_sink_t *s = state;
        const sl_sink_record_t **batch;
        size_t n = 0;
        int rc = 0;

        if (cnt == 0)
                return 0;
        /* Only a put repeated after SL_ERR_RETRIABLE skips records: a new
         * one starts afresh (offsets can go back, e.g. a recreated topic). */
        if (!s->retry_pending)
                for (size_t i = 0; i < s->ntps; i++)
                        s->tps[i].next = -1;
        batch = malloc((cnt < s->batch_max ? cnt : s->batch_max) * sizeof(*batch));
        if (!batch)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < cnt && rc == 0; i++) {
                const sl_sink_record_t *r = &records[i];
                if (s->retry_pending && tp_done(s, r))
                        continue; /* delivered before a put that is being repeated */
                if (!r->value.value || r->value.value->type == SL_JSON_NULL) {
                        if (s->fail_on_null)
                                rc = sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                               "Null value in record %s-%d@%lld "
                                               "(behavior.on.null.values=fail)",
                                               r->topic, (int)r->partition,
                                               (long long)r->offset);
                        continue;
                }
                batch[n++] = r;
                if (n == s->batch_max) {
                        rc = send_batch(s, batch, n, errstr, errstr_size);
                        n = 0;
                }
        }
        if (rc == 0 && n > 0)
                rc = send_batch(s, batch, n, errstr, errstr_size);
        free(batch);
        s->retry_pending = rc == SL_ERR_RETRIABLE;
        if (s->body.cap > KEEP_BUF_MAX)
                sl_buf_free(&s->body);
        return rc;
}

/* put has already had every record accepted. */
static int sink_flush(void *state, char *errstr, size_t errstr_size)
{
        (void)state;
        (void)errstr;
        (void)errstr_size;
        return 0;
}

const sl_connector_plugin_t sl_http_sink_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SINK,
        .class_name = "io.confluent.connect.http.HttpSinkConnector",
        .version = HTTP_SINK_VERSION,
        .config = http_sink_config,
        .validate = http_sink_validate,
        .task_configs = sl_task_configs_copy,
        .task_start = sink_start,
        .task_stop = sink_stop,
        .sink_put = sink_put,
        .sink_flush = sink_flush,
        .sink_close = sink_close_partitions,
};
