/*
 * REST layer against a fake herder: raw HTTP/1.1 over TCP to a server on
 * an ephemeral port, checking routing, argument decoding and rendering.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rest/rest.h"
#include "sl_test.h"

/* ------------------------------------------------------------ fake herder */

struct sl_herder {
        int unused;
};

static sl_herder_t fake_herder;
static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;

/* What the last herder call received. */
static struct {
        int ncalls;
        char call[64];
        char name[256];
        int task;
        int flag1, flag2;
        char body[512];
        bool right_herder;
} fk;

/* Reply for the next call; status 0 with !zero_status = default 200. */
static struct {
        int status;
        bool zero_status;
        const char *body;
        const char *message;
        const char *location;
} canned;

static void fake_reset(void)
{
        pthread_mutex_lock(&fk_lock);
        memset(&fk, 0, sizeof(fk));
        fk.task = -1;
        fk.flag1 = fk.flag2 = -1;
        memset(&canned, 0, sizeof(canned));
        pthread_mutex_unlock(&fk_lock);
}

static void record(sl_herder_t *h, const char *call, const char *name,
                   int task, int flag1, int flag2, const sl_json_t *body,
                   sl_reply_t *r)
{
        pthread_mutex_lock(&fk_lock);
        fk.ncalls++;
        fk.right_herder = h == &fake_herder;
        snprintf(fk.call, sizeof(fk.call), "%s", call);
        snprintf(fk.name, sizeof(fk.name), "%s", name ? name : "");
        fk.task = task;
        fk.flag1 = flag1;
        fk.flag2 = flag2;
        fk.body[0] = '\0';
        if (body) {
                char *s = sl_json_to_string(body);
                snprintf(fk.body, sizeof(fk.body), "%s", s ? s : "");
                free(s);
        }

        if (canned.zero_status) {
                r->status = 0;
        } else if (canned.status) {
                r->status = canned.status;
                if (canned.body)
                        r->body = sl_json_parse(canned.body,
                                                strlen(canned.body), NULL, 0);
                if (canned.message)
                        r->message = strdup(canned.message);
                if (canned.location)
                        r->location = strdup(canned.location);
        } else {
                r->status = 200;
                r->body = sl_json_object();
                sl_json_object_set(r->body, "call", sl_json_string(call));
        }
        pthread_mutex_unlock(&fk_lock);
}

void sl_herder_server_info(sl_herder_t *h, sl_reply_t *r)
{
        record(h, "server_info", NULL, -1, -1, -1, NULL, r);
}
void sl_herder_health(sl_herder_t *h, sl_reply_t *r)
{
        record(h, "health", NULL, -1, -1, -1, NULL, r);
}
void sl_herder_connectors(sl_herder_t *h, bool expand_status, bool expand_info,
                          sl_reply_t *r)
{
        record(h, "connectors", NULL, -1, expand_status, expand_info, NULL, r);
}
void sl_herder_create(sl_herder_t *h, const sl_json_t *body, sl_reply_t *r)
{
        record(h, "create", NULL, -1, -1, -1, body, r);
}
void sl_herder_info(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "info", name, -1, -1, -1, NULL, r);
}
void sl_herder_config(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "config", name, -1, -1, -1, NULL, r);
}
void sl_herder_put_config(sl_herder_t *h, const char *name,
                          const sl_json_t *body, sl_reply_t *r)
{
        record(h, "put_config", name, -1, -1, -1, body, r);
}
void sl_herder_patch_config(sl_herder_t *h, const char *name,
                            const sl_json_t *body, sl_reply_t *r)
{
        record(h, "patch_config", name, -1, -1, -1, body, r);
}
void sl_herder_status(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "status", name, -1, -1, -1, NULL, r);
}
void sl_herder_tasks(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "tasks", name, -1, -1, -1, NULL, r);
}
void sl_herder_tasks_config(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "tasks_config", name, -1, -1, -1, NULL, r);
}
void sl_herder_task_status(sl_herder_t *h, const char *name, int task,
                           sl_reply_t *r)
{
        record(h, "task_status", name, task, -1, -1, NULL, r);
}
void sl_herder_restart(sl_herder_t *h, const char *name, bool include_tasks,
                       bool only_failed, sl_reply_t *r)
{
        record(h, "restart", name, -1, include_tasks, only_failed, NULL, r);
}
void sl_herder_task_restart(sl_herder_t *h, const char *name, int task,
                            sl_reply_t *r)
{
        record(h, "task_restart", name, task, -1, -1, NULL, r);
}
void sl_herder_pause(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "pause", name, -1, -1, -1, NULL, r);
}
void sl_herder_resume(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "resume", name, -1, -1, -1, NULL, r);
}
void sl_herder_stop(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "stop", name, -1, -1, -1, NULL, r);
}
void sl_herder_delete(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "delete", name, -1, -1, -1, NULL, r);
}
void sl_herder_topics(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "topics", name, -1, -1, -1, NULL, r);
}
void sl_herder_topics_reset(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "topics_reset", name, -1, -1, -1, NULL, r);
}
void sl_herder_offsets(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "offsets", name, -1, -1, -1, NULL, r);
}
void sl_herder_alter_offsets(sl_herder_t *h, const char *name,
                             const sl_json_t *body, sl_reply_t *r)
{
        record(h, "alter_offsets", name, -1, -1, -1, body, r);
}
void sl_herder_reset_offsets(sl_herder_t *h, const char *name, sl_reply_t *r)
{
        record(h, "reset_offsets", name, -1, -1, -1, NULL, r);
}
void sl_herder_plugins(sl_herder_t *h, bool connectors_only, sl_reply_t *r)
{
        record(h, "plugins", NULL, -1, connectors_only, -1, NULL, r);
}
void sl_herder_plugin_config(sl_herder_t *h, const char *plugin, sl_reply_t *r)
{
        record(h, "plugin_config", plugin, -1, -1, -1, NULL, r);
}
void sl_herder_validate(sl_herder_t *h, const char *plugin,
                        const sl_json_t *body, sl_reply_t *r)
{
        record(h, "validate", plugin, -1, -1, -1, body, r);
}

void sl_herder_put_task_configs(sl_herder_t *h, const char *name, const sl_json_t *body,
                                sl_reply_t *r)
{
        record(h, "put_tasks", name, -1, -1, -1, body, r);
}

/* ------------------------------------------------------------ tiny client */

static sl_rest_t *srv;

typedef struct resp {
        int status;
        char *raw;       /* whole response, NUL-terminated */
        const char *body;
        size_t body_len;
} resp_t;

static void resp_free(resp_t *r)
{
        free(r->raw);
        memset(r, 0, sizeof(*r));
}

static int send_all(int fd, const char *p, size_t n)
{
        while (n) {
                ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

/* Send req verbatim to port, read until the server closes. */
static int http_raw_port(int port, const char *req, size_t req_len,
                         resp_t *out)
{
        struct sockaddr_in sa;
        size_t cap = 4096, len = 0;
        char *buf, *hdr_end;
        int fd;

        memset(out, 0, sizeof(*out));
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
                return -1;
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
            send_all(fd, req, req_len)) {
                close(fd);
                return -1;
        }
        buf = malloc(cap);
        for (;;) {
                ssize_t n;

                if (len + 1 == cap)
                        buf = realloc(buf, cap *= 2);
                n = recv(fd, buf + len, cap - len - 1, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        close(fd);
        buf[len] = '\0';
        out->raw = buf;
        if (sscanf(buf, "HTTP/1.%*d %d", &out->status) != 1)
                return -1;
        hdr_end = strstr(buf, "\r\n\r\n");
        if (!hdr_end)
                return -1;
        out->body = hdr_end + 4;
        out->body_len = len - (size_t)(out->body - buf);
        return 0;
}

/* body == NULL: no Content-Length at all. */
static int http(const char *method, const char *path, const char *body,
                resp_t *out)
{
        sl_buf_t req = SL_BUF_INIT;
        int rc;

        sl_buf_printf(&req,
                      "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Connection: close\r\n",
                      method, path);
        if (body)
                sl_buf_printf(&req,
                              "Content-Type: application/json\r\n"
                              "Content-Length: %zu\r\n",
                              strlen(body));
        sl_buf_puts(&req, "\r\n");
        if (body)
                sl_buf_puts(&req, body);
        rc = http_raw_port(sl_rest_port(srv), req.data, req.len, out);
        sl_buf_free(&req);
        return rc;
}

/* Value of header name (case-insensitive) copied to dst, or NULL. */
static const char *header(const resp_t *r, const char *name, char *dst,
                          size_t dst_size)
{
        const char *p = r->raw, *end = r->body;
        size_t nl = strlen(name);

        if (!p || !end)
                return NULL;
        p = strstr(p, "\r\n");
        while (p && p + 2 < end) {
                const char *line = p + 2, *eol = strstr(line, "\r\n");

                if (!eol || eol == line)
                        break;
                if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
                        const char *v = line + nl + 1;
                        size_t n;

                        while (*v == ' ')
                                v++;
                        n = (size_t)(eol - v);
                        if (n >= dst_size)
                                n = dst_size - 1;
                        memcpy(dst, v, n);
                        dst[n] = '\0';
                        return dst;
                }
                p = eol;
        }
        return NULL;
}

/* Request expected to reach the herder: status 200 and {"call":call}. */
static void expect_call(const char *method, const char *path, const char *body,
                        const char *call, const char *name)
{
        resp_t r;
        char ct[64], want[96];

        fake_reset();
        CHECK_INT(http(method, path, body, &r), 0);
        CHECK_INT(r.status, 200);
        snprintf(want, sizeof(want), "{\"call\":\"%s\"}", call);
        CHECK_STR(r.body, want);
        CHECK_STR(header(&r, "Content-Type", ct, sizeof(ct)),
                  "application/json");
        CHECK_INT(fk.ncalls, 1);
        CHECK_STR(fk.call, call);
        CHECK_STR(fk.name, name ? name : "");
        CHECK(fk.right_herder);
        if (r.status != 200)
                fprintf(stderr, "  (%s %s -> %s)\n", method, path,
                        r.raw ? r.raw : "no response");
        resp_free(&r);
}

/* Request expected to fail in the REST layer without a herder call. */
static void expect_error(const char *method, const char *path,
                         const char *body, int status, const char *message)
{
        resp_t r;
        char ct[64];
        sl_buf_t want = SL_BUF_INIT;

        fake_reset();
        CHECK_INT(http(method, path, body, &r), 0);
        CHECK_INT(r.status, status);
        sl_buf_printf(&want, "{\"error_code\":%d,\"message\":", status);
        sl_json_write_string(&want, message, strlen(message));
        sl_buf_putc(&want, '}');
        CHECK_STR(r.body, want.data);
        CHECK_STR(header(&r, "Content-Type", ct, sizeof(ct)),
                  "application/json");
        CHECK_INT(fk.ncalls, 0);
        if (r.status != status)
                fprintf(stderr, "  (%s %s -> %s)\n", method, path,
                        r.raw ? r.raw : "no response");
        sl_buf_free(&want);
        resp_free(&r);
}

/* ------------------------------------------------------------------ tests */

static void test_listener_errors(void)
{
        static const char *bad[] = {
                "", "   ", "localhost:8083", "http://", "http://host",
                "http://:", "http://:80a", "http://:99999", "http://a:b:1",
                "http://[::1", "ftp://:1", "http://:8083/path",
        };
        char err[256];

        err[0] = '\0';
        CHECK(sl_rest_start(&fake_herder, "https://:8443", err,
                            sizeof(err)) == NULL);
        CHECK_CONTAINS(err, "An https listener needs a keystore");
        err[0] = '\0';
        CHECK(sl_rest_start(&fake_herder, NULL, err, sizeof(err)) == NULL);
        CHECK(err[0] != '\0');
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err[0] = '\0';
                CHECK(sl_rest_start(&fake_herder, bad[i], err, sizeof(err)) ==
                      NULL);
                CHECK(err[0] != '\0');
        }
        err[0] = '\0';
        CHECK(sl_rest_start(&fake_herder, "http://no-such-host.invalid:0",
                            err, sizeof(err)) == NULL);
        CHECK(strstr(err, "no-such-host.invalid") != NULL);
}

static void test_listener_forms(void)
{
        static const char *good[] = {
                "http://:0",
                "http://localhost:0",
                " HTTP://127.0.0.1:0 , http://:8083",
        };
        char err[256], listener[64];

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                sl_rest_t *r;

                err[0] = '\0';
                r = sl_rest_start(&fake_herder, good[i], err, sizeof(err));
                CHECK(r != NULL);
                if (!r) {
                        fprintf(stderr, "  %s: %s\n", good[i], err);
                        continue;
                }
                CHECK(sl_rest_port(r) > 0);
                sl_rest_stop(r);
        }

        /* The main test server already holds this port. */
        snprintf(listener, sizeof(listener), "http://127.0.0.1:%d",
                 sl_rest_port(srv));
        err[0] = '\0';
        CHECK(sl_rest_start(&fake_herder, listener, err, sizeof(err)) == NULL);
        CHECK(strstr(err, "Failed to start REST server") != NULL);
        CHECK(strstr(err, "in use") != NULL);
}

static void test_root_and_health(void)
{
        expect_call("GET", "/", NULL, "server_info", NULL);
        expect_call("GET", "/health", NULL, "health", NULL);
        expect_call("GET", "/health/", NULL, "health", NULL);
}

static void test_connectors_expand(void)
{
        static const struct {
                const char *query;
                int status, info;
        } cases[] = {
                {"", 0, 0},
                {"?expand=status", 1, 0},
                {"?expand=info", 0, 1},
                {"?expand=info&expand=status", 1, 1},
                {"?expand=bogus&expand=info", 0, 1},
                {"?expand=STATUS", 0, 0},
                {"?expand", 0, 0},
                {"?expand=%73tatus", 1, 0},
        };
        char path[128];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(path, sizeof(path), "/connectors%s", cases[i].query);
                expect_call("GET", path, NULL, "connectors", NULL);
                CHECK_INT(fk.flag1, cases[i].status);
                CHECK_INT(fk.flag2, cases[i].info);
        }
}

static void test_create_201_location(void)
{
        const char *body = "{\"name\":\"c1\",\"config\":{\"a\":\"b\"}}";
        resp_t r;
        char hv[128];

        fake_reset();
        canned.status = 201;
        canned.body = "{\"name\":\"c1\",\"config\":{},\"tasks\":[],"
                      "\"type\":\"sink\"}";
        canned.location = "/connectors/c1";
        CHECK_INT(http("POST", "/connectors", body, &r), 0);
        CHECK_INT(r.status, 201);
        CHECK_STR(fk.call, "create");
        CHECK_STR(fk.body, body);
        CHECK_STR(header(&r, "Location", hv, sizeof(hv)), "/connectors/c1");
        CHECK_STR(header(&r, "Content-Type", hv, sizeof(hv)),
                  "application/json");
        CHECK_STR(r.body, canned.body);
        resp_free(&r);

        /* Location only accompanies 201. */
        fake_reset();
        canned.status = 200;
        canned.body = "{}";
        canned.location = "/connectors/c1";
        CHECK_INT(http("PUT", "/connectors/c1/config", "{}", &r), 0);
        CHECK_INT(r.status, 200);
        CHECK(header(&r, "Location", hv, sizeof(hv)) == NULL);
        resp_free(&r);
}

static void test_connector_routes(void)
{
        static const struct {
                const char *method, *path, *body, *call, *name;
        } cases[] = {
                {"GET", "/connectors/c1", NULL, "info", "c1"},
                {"DELETE", "/connectors/c1", NULL, "delete", "c1"},
                {"GET", "/connectors/c1/config", NULL, "config", "c1"},
                {"PUT", "/connectors/c1/config", "{\"k\":\"v\"}", "put_config",
                 "c1"},
                {"PATCH", "/connectors/c1/config", "{\"k\":null}",
                 "patch_config", "c1"},
                {"GET", "/connectors/c1/status", NULL, "status", "c1"},
                {"GET", "/connectors/c1/tasks", NULL, "tasks", "c1"},
                {"GET", "/connectors/c1/tasks-config", NULL, "tasks_config",
                 "c1"},
                {"PUT", "/connectors/c1/pause", NULL, "pause", "c1"},
                {"PUT", "/connectors/c1/resume", NULL, "resume", "c1"},
                {"PUT", "/connectors/c1/stop", NULL, "stop", "c1"},
                {"GET", "/connectors/c1/topics", NULL, "topics", "c1"},
                {"PUT", "/connectors/c1/topics/reset", NULL, "topics_reset",
                 "c1"},
                {"GET", "/connectors/c1/offsets", NULL, "offsets", "c1"},
                {"PATCH", "/connectors/c1/offsets", "{\"offsets\":[]}",
                 "alter_offsets", "c1"},
                {"DELETE", "/connectors/c1/offsets", NULL, "reset_offsets",
                 "c1"},
                {"GET", "/connector-plugins/FileStreamSink/config", NULL,
                 "plugin_config", "FileStreamSink"},
                {"PUT",
                 "/connector-plugins/org.apache.kafka.connect.file."
                 "FileStreamSinkConnector/config/validate",
                 "{\"connector.class\":\"x\"}", "validate",
                 "org.apache.kafka.connect.file.FileStreamSinkConnector"},
                /* A connector may be called like a sub-resource. */
                {"GET", "/connectors/status", NULL, "info", "status"},
                {"GET", "/connectors/tasks/config", NULL, "config", "tasks"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                expect_call(cases[i].method, cases[i].path, cases[i].body,
                            cases[i].call, cases[i].name);
                CHECK_STR(fk.body, cases[i].body ? cases[i].body : "");
        }
}

static void test_task_routes(void)
{
        expect_call("GET", "/connectors/c1/tasks/0/status", NULL,
                    "task_status", "c1");
        CHECK_INT(fk.task, 0);
        expect_call("GET", "/connectors/c1/tasks/12/status/", NULL,
                    "task_status", "c1");
        CHECK_INT(fk.task, 12);
        expect_call("POST", "/connectors/c1/tasks/3/restart", NULL,
                    "task_restart", "c1");
        CHECK_INT(fk.task, 3);
        expect_call("POST", "/connectors/c1/tasks/007/restart", NULL,
                    "task_restart", "c1");
        CHECK_INT(fk.task, 7);

        expect_error("GET", "/connectors/c1/tasks/abc/status", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("GET", "/connectors/c1/tasks/-1/status", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("POST", "/connectors/c1/tasks/1x/restart", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("POST", "/connectors/c1/tasks/99999999999/restart", NULL,
                     404, "HTTP 404 Not Found");
        expect_error("POST", "/connectors/c1/tasks//restart", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("GET", "/connectors/c1/tasks/1/restart", NULL, 405,
                     "HTTP 405 Method Not Allowed");
}

static void test_restart_query(void)
{
        static const struct {
                const char *query;
                int include_tasks, only_failed;
        } cases[] = {
                {"", 0, 0},
                {"?includeTasks=true", 1, 0},
                {"?onlyFailed=true", 0, 1},
                {"?includeTasks=TRUE&onlyFailed=True", 1, 1},
                {"?includeTasks=false&onlyFailed=FALSE", 0, 0},
                {"?other=1&onlyFailed=true", 0, 1},
        };
        char path[128];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(path, sizeof(path), "/connectors/c1/restart%s",
                         cases[i].query);
                expect_call("POST", path, NULL, "restart", "c1");
                CHECK_INT(fk.flag1, cases[i].include_tasks);
                CHECK_INT(fk.flag2, cases[i].only_failed);
        }

        expect_error("POST", "/connectors/c1/restart?includeTasks=yes", NULL,
                     400,
                     "Invalid value 'yes' for query parameter 'includeTasks': "
                     "expected true or false");
        expect_error("POST", "/connectors/c1/restart?onlyFailed=", NULL, 400,
                     "Invalid value '' for query parameter 'onlyFailed': "
                     "expected true or false");
        expect_error("POST", "/connectors/c1/restart?onlyFailed=1", NULL, 400,
                     "Invalid value '1' for query parameter 'onlyFailed': "
                     "expected true or false");
}

static void test_plugins_query(void)
{
        expect_call("GET", "/connector-plugins", NULL, "plugins", NULL);
        CHECK_INT(fk.flag1, 1);
        expect_call("GET", "/connector-plugins?connectorsOnly=false", NULL,
                    "plugins", NULL);
        CHECK_INT(fk.flag1, 0);
        expect_call("GET", "/connector-plugins/?connectorsOnly=true", NULL,
                    "plugins", NULL);
        CHECK_INT(fk.flag1, 1);
        expect_error("GET", "/connector-plugins?connectorsOnly=maybe", NULL,
                     400,
                     "Invalid value 'maybe' for query parameter "
                     "'connectorsOnly': expected true or false");
}

static void test_bad_json(void)
{
        static const struct {
                const char *method, *path;
        } json_routes[] = {
                {"POST", "/connectors"},
                {"PUT", "/connectors/c1/config"},
                {"PATCH", "/connectors/c1/config"},
                {"PATCH", "/connectors/c1/offsets"},
                {"PUT", "/connector-plugins/P/config/validate"},
        };
        static const char *malformed[] = {"", "{", "{\"a\":}", "nope",
                                          "{} {}"};
        char perr[256];

        for (size_t i = 0; i < sizeof(json_routes) / sizeof(json_routes[0]);
             i++) {
                for (size_t j = 0; j < sizeof(malformed) / sizeof(malformed[0]);
                     j++) {
                        char msg[400];
                        sl_json_t *ok;

                        perr[0] = '\0';
                        ok = sl_json_parse(malformed[j], strlen(malformed[j]),
                                           perr, sizeof(perr));
                        CHECK(ok == NULL);
                        if (ok)
                                sl_json_free(ok);
                        snprintf(msg, sizeof(msg),
                                 "Invalid JSON in request body: %s", perr);
                        expect_error(json_routes[i].method,
                                     json_routes[i].path, malformed[j], 400,
                                     msg);
                }
                expect_error(json_routes[i].method, json_routes[i].path,
                             "[1,2]", 400,
                             "Request body must be a JSON object");
                expect_error(json_routes[i].method, json_routes[i].path,
                             "\"x\"", 400,
                             "Request body must be a JSON object");
        }
        /* No body at all is the same as an empty one. */
        {
                char msg[400];

                perr[0] = '\0';
                CHECK(sl_json_parse("", 0, perr, sizeof(perr)) == NULL);
                snprintf(msg, sizeof(msg), "Invalid JSON in request body: %s",
                         perr);
                expect_error("POST", "/connectors", NULL, 400, msg);
        }
}

static void test_unknown_and_method(void)
{
        expect_error("GET", "/nope", NULL, 404, "HTTP 404 Not Found");
        expect_error("GET", "/connectors/c1/bogus", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("GET", "/connectors/c1/config/x/y/z/w/v/u", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("GET", "/connectors//status", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("GET", "/connectors/c1//", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("GET", "/connectors/%00x", NULL, 404,
                     "HTTP 404 Not Found");
        expect_error("DELETE", "/connectors", NULL, 405,
                     "HTTP 405 Method Not Allowed");
        expect_error("POST", "/connectors/c1/status", NULL, 405,
                     "HTTP 405 Method Not Allowed");
        expect_error("GET", "/connectors/c1/pause", NULL, 405,
                     "HTTP 405 Method Not Allowed");
        expect_error("POST", "/connectors/c1", "{}", 405,
                     "HTTP 405 Method Not Allowed");
        expect_error("PUT", "/", "{}", 405, "HTTP 405 Method Not Allowed");
        expect_error("PUT", "/connector-plugins/P/config", "{}", 405,
                     "HTTP 405 Method Not Allowed");
}

static void test_trailing_slash(void)
{
        expect_call("GET", "/connectors/", NULL, "connectors", NULL);
        expect_call("GET", "/connectors/c1/", NULL, "info", "c1");
        expect_call("PUT", "/connectors/c1/config/", "{}", "put_config", "c1");
        expect_call("GET", "/connectors/?expand=status", NULL, "connectors",
                    NULL);
        CHECK_INT(fk.flag1, 1);
}

static void test_percent_encoded_names(void)
{
        expect_call("GET", "/connectors/my%20conn/status", NULL, "status",
                    "my conn");
        expect_call("DELETE", "/connectors/a%2Fb", NULL, "delete", "a/b");
        expect_call("GET", "/connectors/a+b", NULL, "info", "a+b");
        expect_call("GET", "/connectors/%E2%82%AC", NULL, "info",
                    "\xE2\x82\xAC");
        expect_call("GET", "/connectors/100%", NULL, "info", "100%");
        expect_call("POST", "/connectors/my%20conn/tasks/%31/restart", NULL,
                    "task_restart", "my conn");
        CHECK_INT(fk.task, 1);
        /* Query values decode too; '+' means space there. */
        expect_call("POST", "/connectors/c/restart?include%54asks=%74rue",
                    NULL, "restart", "c");
        CHECK_INT(fk.flag1, 1);
}

static void test_empty_success(void)
{
        static const int codes[] = {204, 202, 200};

        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
                resp_t r;
                char hv[64];

                fake_reset();
                canned.status = codes[i];
                CHECK_INT(http("PUT", "/connectors/c1/pause", NULL, &r), 0);
                CHECK_INT(r.status, codes[i]);
                CHECK_INT(r.body_len, 0);
                CHECK(header(&r, "Content-Type", hv, sizeof(hv)) == NULL);
                resp_free(&r);
        }
}

static void test_error_rendering(void)
{
        resp_t r;
        char hv[64];

        fake_reset();
        canned.status = 404;
        canned.message = "Connector \"c1\" not found";
        CHECK_INT(http("GET", "/connectors/c1", NULL, &r), 0);
        CHECK_INT(r.status, 404);
        CHECK_STR(r.body, "{\"error_code\":404,\"message\":"
                          "\"Connector \\\"c1\\\" not found\"}");
        CHECK_STR(header(&r, "Content-Type", hv, sizeof(hv)),
                  "application/json");
        resp_free(&r);

        /* An error status with a body (health while starting) keeps it. */
        fake_reset();
        canned.status = 503;
        canned.body = "{\"status\":\"starting\",\"message\":\"wait\"}";
        CHECK_INT(http("GET", "/health", NULL, &r), 0);
        CHECK_INT(r.status, 503);
        CHECK_STR(r.body, canned.body);
        resp_free(&r);

        /* Error without a message falls back to the reason phrase. */
        fake_reset();
        canned.status = 409;
        CHECK_INT(http("DELETE", "/connectors/c1", NULL, &r), 0);
        CHECK_INT(r.status, 409);
        CHECK_STR(r.body,
                  "{\"error_code\":409,\"message\":\"HTTP 409 Conflict\"}");
        resp_free(&r);
}

static void test_status_zero_is_500(void)
{
        resp_t r;

        fake_reset();
        canned.zero_status = true;
        CHECK_INT(http("GET", "/connectors/c1/status", NULL, &r), 0);
        CHECK_INT(r.status, 500);
        CHECK_STR(r.body,
                  "{\"error_code\":500,\"message\":\"Internal error\"}");
        CHECK_INT(fk.ncalls, 1);
        resp_free(&r);
}

static void test_reply_error(void)
{
        sl_reply_t r = {0};

        r.body = sl_json_object();
        r.location = strdup("/x");
        CHECK_INT(sl_reply_error(&r, 404, "Connector %s not found", "c1"),
                  404);
        CHECK_INT(r.status, 404);
        CHECK_STR(r.message, "Connector c1 not found");
        CHECK(r.body == NULL);
        CHECK(r.location == NULL);
        sl_reply_clear(&r);
        CHECK_INT(r.status, 0);
        CHECK(r.message == NULL);
        sl_reply_clear(&r);
}

static void test_head_request(void)
{
        resp_t r;

        fake_reset();
        CHECK_INT(http("HEAD", "/connectors", NULL, &r), 0);
        CHECK_INT(r.status, 200);
        CHECK_INT(r.body_len, 0);
        CHECK_STR(fk.call, "connectors");
        resp_free(&r);
}

#define LIMIT ((size_t)16 << 20)

/* POST /connectors with a JSON object of exactly total bytes. */
static int post_sized(size_t total, resp_t *r)
{
        const char *pre = "{\"a\":\"", *post = "\"}";
        size_t fill = total - strlen(pre) - strlen(post);
        sl_buf_t req = SL_BUF_INIT;
        int rc;

        sl_buf_printf(&req,
                      "POST /connectors HTTP/1.1\r\nHost: x\r\n"
                      "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
                      total, pre);
        sl_buf_reserve(&req, fill + 8);
        memset(req.data + req.len, 'x', fill);
        req.len += fill;
        req.data[req.len] = '\0';
        sl_buf_puts(&req, post);
        rc = http_raw_port(sl_rest_port(srv), req.data, req.len, r);
        sl_buf_free(&req);
        return rc;
}

static void test_body_limit(void)
{
        resp_t r;
        char hv[64];

        fake_reset();
        CHECK_INT(post_sized(LIMIT + 1, &r), 0);
        CHECK_INT(r.status, 413);
        CHECK_STR(r.body, "{\"error_code\":413,"
                          "\"message\":\"Request body too large\"}");
        CHECK_STR(header(&r, "Content-Type", hv, sizeof(hv)),
                  "application/json");
        CHECK_INT(fk.ncalls, 0);
        resp_free(&r);

        fake_reset();
        CHECK_INT(post_sized(LIMIT, &r), 0);
        CHECK_INT(r.status, 200);
        CHECK_INT(fk.ncalls, 1);
        CHECK_STR(fk.call, "create");
        resp_free(&r);
}

static void test_body_limit_chunked(void)
{
        static const char head[] =
                "POST /connectors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                "Transfer-Encoding: chunked\r\n\r\n";
        size_t n = LIMIT + 10;
        sl_buf_t req = SL_BUF_INIT;
        resp_t r;

        fake_reset();
        sl_buf_puts(&req, head);
        sl_buf_printf(&req, "%zx\r\n", n);
        sl_buf_reserve(&req, n + 16);
        memset(req.data + req.len, ' ', n);
        req.len += n;
        req.data[req.len] = '\0';
        sl_buf_puts(&req, "\r\n0\r\n\r\n");
        CHECK_INT(http_raw_port(sl_rest_port(srv), req.data, req.len, &r), 0);
        CHECK_INT(r.status, 413);
        CHECK_INT(fk.ncalls, 0);
        resp_free(&r);
        sl_buf_free(&req);
}

int main(void)
{
        char err[256] = "";

        sl_log_set_level(SL_LOG_WARN);
        srv = sl_rest_start(&fake_herder, "http://127.0.0.1:0", err,
                            sizeof(err));
        if (!srv) {
                fprintf(stderr, "cannot start REST server: %s\n", err);
                return 1;
        }

        RUN(test_listener_errors);
        RUN(test_listener_forms);
        RUN(test_root_and_health);
        RUN(test_connectors_expand);
        RUN(test_create_201_location);
        RUN(test_connector_routes);
        RUN(test_task_routes);
        RUN(test_restart_query);
        RUN(test_plugins_query);
        RUN(test_bad_json);
        RUN(test_unknown_and_method);
        RUN(test_trailing_slash);
        RUN(test_percent_encoded_names);
        RUN(test_empty_success);
        RUN(test_error_rendering);
        RUN(test_status_zero_is_500);
        RUN(test_reply_error);
        RUN(test_head_request);
        RUN(test_body_limit);
        RUN(test_body_limit_chunked);

        sl_rest_stop(srv);
        TEST_MAIN_END();
}
