/*
 * REST request bodies that become connector configs or offsets:
 *   POST /connectors, PUT and PATCH /connectors/{name}/config,
 *   PATCH /connectors/{name}/offsets,
 *   PUT /connector-plugins/{plugin}/config/validate.
 *
 * Each input goes through sl_rest_dispatch (routing, JSON body parsing)
 * into a fresh standalone herder, which validates and stores it as it
 * would for a client. The herder's worker is rest_worker_stub.c: real
 * validation, providers, offset store and transforms, no Kafka and no
 * running tasks (that needs a broker and would let fuzzed configs open
 * files and sockets). After the request, the connector is read back
 * through the GET routes so rendering sees whatever was stored.
 *
 * Input: one selector byte (route, whether "fz" exists first, is a sink,
 * is stopped), then the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "herder/herder.h"
#include "rest_worker_stub.h"

struct MHD_Connection;
void sl_rest_dispatch(sl_herder_t *h, struct MHD_Connection *conn, const char *method,
                      const char *path, const char *body, size_t body_len, sl_reply_t *r);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define SEL_ROUTE 0x07
#define SEL_NO_CONN 0x08 /* no connector "fz" before the request */
#define SEL_SINK 0x10    /* "fz" is a sink */
#define SEL_STOPPED 0x20 /* "fz" is stopped (offsets can be altered) */

static const struct {
        const char *method, *path;
} routes[] = {
        {"POST", "/connectors"},
        {"PUT", "/connectors/fz/config"},
        {"PATCH", "/connectors/fz/config"},
        {"PATCH", "/connectors/fz/offsets"},
        {"PUT", "/connector-plugins/FuzzSource/config/validate"},
        {"PUT", "/connector-plugins/FuzzSinkConnector/config/validate"},
        {"PUT", "/connectors/fz%2Fx/config"},
        {"POST", "/connectors/"},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        sl_log_set_level(SL_LOG_ERROR);
        setenv("FZ", "resolved", 1);
        return 0;
}

/* A reply as REST would send it: error replies carry a message and no
 * body, others a body that renders. */
static void check_reply(const char *what, sl_reply_t *r)
{
        FUZZ_CHECK(r->status >= 200 && r->status < 600, "%s: status %d", what, r->status);
        if (r->status >= 400) {
                FUZZ_CHECK(r->message && !r->body, "%s: error %d without a message", what,
                           r->status);
        } else if (r->body) {
                char *s = sl_json_to_string(r->body);
                sl_json_t *back;
                FUZZ_CHECK(s, "%s: body does not render", what);
                back = sl_json_parse(s, strlen(s), NULL, 0);
                FUZZ_CHECK(back, "%s: rendered body is not JSON: %s", what, s);
                sl_json_free(back);
                free(s);
        }
        sl_reply_clear(r);
}

static void request(sl_herder_t *h, const char *method, const char *path, const char *body,
                    size_t len)
{
        sl_reply_t r = {0};

        sl_rest_dispatch(h, NULL, method, path, body, len, &r);
        check_reply(path, &r);
}

static void create_fz(sl_herder_t *h, unsigned sel)
{
        char body[512];
        sl_reply_t r = {0};

        snprintf(body, sizeof(body),
                 "{\"name\":\"fz\",\"config\":{\"connector.class\":\"%s\","
                 "\"tasks.max\":\"2\",\"required.key\":\"x\",\"topics\":\"a,b\","
                 "\"secret\":\"${env:FZ}\"},\"initial_state\":\"%s\"}",
                 sel & SEL_SINK ? "FuzzSink" : "FuzzSource",
                 sel & SEL_STOPPED ? "STOPPED" : "RUNNING");
        sl_rest_dispatch(h, NULL, "POST", "/connectors", body, strlen(body), &r);
        FUZZ_CHECK(r.status == 201, "setup: %d %s", r.status, r.message ? r.message : "");
        sl_reply_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const reads[] = {
                "/connectors/fz", "/connectors/fz/config", "/connectors/fz/status",
                "/connectors/fz/tasks", "/connectors/fz/topics", "/connectors/fz/offsets",
                "/connectors",
        };
        sl_worker_t *w;
        sl_herder_t *h;
        unsigned sel;
        sl_reply_t r = {0};

        if (size == 0)
                return 0;
        sel = data[0];
        w = fuzz_worker_new();
        h = sl_herder_new(w);
        if (!(sel & SEL_NO_CONN))
                create_fz(h, sel);
        request(h, routes[sel & SEL_ROUTE].method, routes[sel & SEL_ROUTE].path,
                (const char *)data + 1, size - 1);
        for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
                request(h, "GET", reads[i], NULL, 0);
        sl_herder_connectors(h, true, true, &r);
        check_reply("expanded connectors", &r);
        /* a stopped connector's offsets can be reset; then it resumes */
        request(h, "DELETE", "/connectors/fz/offsets", NULL, 0);
        request(h, "PUT", "/connectors/fz/resume", NULL, 0);
        request(h, "GET", "/connectors/fz/tasks", NULL, 0);
        sl_herder_destroy(h);
        fuzz_worker_destroy(w);
        return 0;
}
