/* AvroConverter: configuration, the Schema Registry wire format, mock://
 * scopes, subject name strategies, and an HTTP registry (a fake one in a
 * thread, and one that is down). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "convert/converter.h"
#include "schemareg/sr.h"
#include "sl_test.h"
#include "sl_test_json.h"

#define AVRO_CONV "io.confluent.connect.avro.AvroConverter"

static char err[2048];

static const char *const ORDER_SCHEMA =
        "{\"type\":\"struct\",\"name\":\"shop.Order\",\"optional\":false,"
        "\"fields\":[{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"
        "{\"field\":\"note\",\"type\":\"string\",\"optional\":true},"
        "{\"field\":\"qty\",\"type\":\"int8\",\"optional\":false}]}";
/* the Avro text ORDER_SCHEMA registers */
static const char *const ORDER_AVRO =
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\","
        "\"fields\":[{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"note\","
        "\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"qty\","
        "\"type\":{\"type\":\"int\",\"connect.type\":\"int8\"}}],"
        "\"connect.name\":\"shop.Order\"}";

/* New converter with settings given as key, value, ..., NULL. (is_key is
 * an int: va_start after a promoted bool is undefined behaviour.) */
static sl_converter_t *mk(int is_key, ...)
{
        sl_strmap_t *cfg = sl_strmap_new();
        va_list ap;
        va_start(ap, is_key);
        const char *k;
        while ((k = va_arg(ap, const char *)))
                sl_strmap_set(cfg, k, va_arg(ap, const char *));
        va_end(ap);
        err[0] = '\0';
        sl_converter_t *c =
                sl_converter_new(AVRO_CONV, cfg, is_key, err, sizeof(err));
        sl_strmap_destroy(cfg);
        return c;
}

typedef struct bytes {
        unsigned char *p; /* NULL: a tombstone */
        size_t len;
} bytes_t;

static int ser(sl_converter_t *c, const char *topic, const char *schema,
               const char *value, bytes_t *out)
{
        sl_json_t *s = schema ? js(schema) : NULL;
        sl_json_t *v = value ? js(value) : NULL;
        sl_data_t d = {s, v};
        sl_buf_t scratch = SL_BUF_INIT;
        const void *p;
        bool borrowed;
        err[0] = '\0';
        *out = (bytes_t){0};
        int rc = sl_converter_from_data(c, topic, &d, &scratch, &p, &out->len,
                                        &borrowed, err, sizeof(err));
        if (rc == 0 && p) {
                out->p = malloc(out->len);
                memcpy(out->p, p, out->len);
        }
        sl_buf_free(&scratch);
        sl_json_free(s);
        sl_json_free(v);
        return rc;
}

static int deser(sl_converter_t *c, const char *topic, const bytes_t *b,
                 sl_json_t **schema, sl_json_t **value)
{
        err[0] = '\0';
        return sl_converter_to_data(c, topic, b->p, b->len, schema, value,
                                    err, sizeof(err));
}

static int32_t wire_id(const bytes_t *b)
{
        return (int32_t)((uint32_t)b->p[1] << 24 | (uint32_t)b->p[2] << 16 |
                         (uint32_t)b->p[3] << 8 | b->p[4]);
}

static char *hex(const void *p, size_t n)
{
        char *s = malloc(n * 3 + 1), *o = s;
        *o = '\0';
        for (size_t i = 0; i < n; i++)
                o += sprintf(o, i ? " %02x" : "%02x",
                             ((const unsigned char *)p)[i]);
        return s;
}

/* The id subject's latest version has in a mock scope, or -1. */
static int32_t latest_id(const char *scope, const char *subject)
{
        int32_t id, version;
        char *text = NULL, e[256];
        if (sl_sr_latest(sl_sr_mock_scope(scope), subject, &id, &version,
                         &text, e, sizeof(e)))
                return -1;
        free(text);
        return id;
}

/* -------------------------------------------------------------- config */

static void test_registered_and_configured(void)
{
        CHECK(sl_converter_known(AVRO_CONV));
        CHECK(sl_converter_known("AvroConverter"));
        bool listed = false;
        for (const char *const *c = sl_converter_classes(); *c; c++)
                listed = listed || !strcmp(*c, AVRO_CONV);
        CHECK(listed);

        CHECK(mk(false, NULL) == NULL);
        CHECK_STR(err, "Missing required configuration "
                       "\"schema.registry.url\" which has no default value.");
        CHECK(mk(false, "schema.registry.url", "https://sr:8081", NULL) ==
              NULL);
        CHECK_CONTAINS(err, "https is not supported");
        CHECK(mk(false, "schema.registry.url", "mock://x",
                 "auto.register.schemas", "maybe", NULL) == NULL);
        CHECK_STR(err, "Invalid value maybe for configuration "
                       "auto.register.schemas: Expected value to be either "
                       "true or false");
        CHECK(mk(false, "schema.registry.url", "mock://x",
                 "value.subject.name.strategy", "NoSuchStrategy", NULL) ==
              NULL);
        CHECK_CONTAINS(err, "Class NoSuchStrategy could not be found.");
        CHECK(mk(false, "schema.registry.url", "mock://x",
                 "schemas.cache.config", "lots", NULL) == NULL);
        CHECK_CONTAINS(err, "schemas.cache.config");
        CHECK(mk(false, "schema.registry.url", "http://h:1",
                 "basic.auth.credentials.source", "USER_INFO", NULL) == NULL);
        CHECK_CONTAINS(err, "basic.auth.user.info");
        sl_converter_t *c = mk(true, "schema.registry.url", "mock://x",
                               "key.subject.name.strategy",
                               "io.confluent.kafka.serializers.subject."
                               "RecordNameStrategy",
                               NULL);
        CHECK(c != NULL);
        sl_converter_destroy(c);
}

/* ---------------------------------------------------- mock:// registry */

static void test_roundtrip_and_wire_format(void)
{
        sl_converter_t *c = mk(false, "schema.registry.url", "mock://rt",
                               NULL);
        bytes_t b;
        CHECK_INT(ser(c, "orders", ORDER_SCHEMA,
                      "{\"id\":300,\"note\":\"hi\",\"qty\":-1}", &b),
                  0);
        CHECK(b.p != NULL && b.len == 5 + 7);
        if (!b.p || b.len < 5) {
                fprintf(stderr, "  error: %s\n", err);
                sl_converter_destroy(c);
                return;
        }
        int32_t id = latest_id("rt", "orders-value");
        CHECK(id >= 0);
        CHECK_INT(wire_id(&b), id);
        CHECK_INT(b.p[0], 0);
        /* id 300 -> d8 04; note: branch 1, "hi"; qty -1 -> 01 */
        char *h = hex(b.p + 5, b.len - 5);
        CHECK_STR(h, "d8 04 02 04 68 69 01");
        free(h);
        /* the registry holds exactly the text Confluent would register */
        char *text = NULL, e[256];
        CHECK_INT(sl_sr_schema_by_id(sl_sr_mock_scope("rt"), id, &text, e,
                                     sizeof(e)),
                  0);
        CHECK_STR(text, ORDER_AVRO);
        free(text);

        sl_json_t *schema = NULL, *value = NULL;
        CHECK_INT(deser(c, "orders", &b, &schema, &value), 0);
        sl_json_t *ws = js(ORDER_SCHEMA);
        sl_json_t *wv = js("{\"id\":300,\"note\":\"hi\",\"qty\":-1}");
        CHECK(sl_json_equal(schema, ws)); /* int8 and the name survive */
        CHECK(sl_json_equal(value, wv));
        sl_json_free(ws);
        sl_json_free(wv);
        sl_json_free(schema);
        sl_json_free(value);

        /* the same schema again hits the cache and gets the same id */
        bytes_t b2;
        CHECK_INT(ser(c, "orders", ORDER_SCHEMA,
                      "{\"id\":1,\"note\":null,\"qty\":2}", &b2),
                  0);
        CHECK(b2.p && wire_id(&b2) == id);
        if (b2.p) {
                h = hex(b2.p + 5, b2.len - 5);
                CHECK_STR(h, "02 00 04");
                free(h);
        }
        free(b2.p);
        free(b.p);
        sl_converter_destroy(c);
}

static void test_tombstones_and_nulls(void)
{
        sl_converter_t *c = mk(false, "schema.registry.url", "mock://nulls",
                               NULL);
        bytes_t b;
        CHECK_INT(ser(c, "t", NULL, NULL, &b), 0);
        CHECK(b.p == NULL);
        CHECK_INT(ser(c, "t", "{\"type\":\"string\",\"optional\":true}", NULL,
                      &b),
                  0);
        CHECK(b.p == NULL);
        sl_json_t *schema = (sl_json_t *)1, *value = (sl_json_t *)1;
        CHECK_INT(deser(c, "t", &b, &schema, &value), 0);
        CHECK(schema == NULL && value == NULL);
        /* a required schema does not take a null */
        CHECK_INT(ser(c, "t", "{\"type\":\"string\",\"optional\":false}", NULL,
                      &b),
                  SL_ERR_CONVERT);
        CHECK_STR(err, "Failed to serialize Avro data from topic t : Found "
                       "null value for non-optional schema");
        /* an optional schema's null inside a value comes back as null */
        CHECK_INT(ser(c, "t", "{\"type\":\"string\",\"optional\":true}",
                      "\"x\"", &b),
                  0);
        free(b.p);
        sl_converter_destroy(c);
}

static void test_bad_bytes(void)
{
        sl_converter_t *c = mk(false, "schema.registry.url", "mock://bad",
                               NULL);
        sl_json_t *schema = NULL, *value = NULL;
        bytes_t b = {(unsigned char *)"\x01\x00\x00\x00\x01\x02", 6};
        CHECK_INT(deser(c, "t", &b, &schema, &value), SL_ERR_CONVERT);
        CHECK_STR(err, "Converting byte[] to Kafka Connect data failed due to "
                       "serialization error of topic t: Unknown magic byte!");
        b = (bytes_t){(unsigned char *)"\x00\x00\x01", 3};
        CHECK_INT(deser(c, "t", &b, &schema, &value), SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "Unknown magic byte!");
        /* an id the registry never gave */
        b = (bytes_t){(unsigned char *)"\x00\x00\x00\x30\x39\x02", 6};
        CHECK_INT(deser(c, "t", &b, &schema, &value), SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "Converting byte[] to Kafka Connect data failed "
                            "due to serialization error of topic t: Error "
                            "retrieving Avro value schema for id 12345: ");
        CHECK_CONTAINS(err, "error code: 40403");
        CHECK(schema == NULL && value == NULL);

        /* a known id followed by bytes that are not its datum */
        bytes_t good;
        CHECK_INT(ser(c, "t", "{\"type\":\"string\",\"optional\":false}",
                      "\"abc\"", &good),
                  0);
        if (good.p) {
                good.p[5] = 0x7f; /* a negative length */
                CHECK_INT(deser(c, "t", &good, &schema, &value),
                          SL_ERR_CONVERT);
                CHECK_CONTAINS(err, "Error deserializing Avro message for id");
                CHECK_CONTAINS(err, "Malformed Avro data");
        }
        free(good.p);
        sl_converter_destroy(c);
}

/* Found by fuzzing: an Avro int under connect.type int8 that does not fit
 * an INT8 came back as Connect data no converter could write again. */
static void test_int8_out_of_range(void)
{
        sl_converter_t *c = mk(false, "schema.registry.url", "mock://narrow",
                               NULL);
        int32_t id = -1;
        char e[256];
        CHECK_INT(sl_sr_register(sl_sr_mock_scope("narrow"), "o-value",
                                 ORDER_AVRO, &id, e, sizeof(e)),
                  0);
        /* id 1, note null, qty 300 (zigzag d8 04) */
        unsigned char w[] = {0, 0, 0, 0, 0, 0x02, 0x00, 0xd8, 0x04};
        w[4] = (unsigned char)id;
        bytes_t b = {w, sizeof(w)};
        sl_json_t *schema = NULL, *value = NULL;
        CHECK_INT(deser(c, "o", &b, &schema, &value), SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "Invalid value for INT8 field: 300 is out of "
                            "range");
        CHECK(schema == NULL && value == NULL);
        w[7] = 0x01; /* qty -1 */
        b.len = 8;
        CHECK_INT(deser(c, "o", &b, &schema, &value), 0);
        sl_json_t *wv = js("{\"id\":1,\"note\":null,\"qty\":-1}");
        CHECK(sl_json_equal(value, wv));
        sl_json_free(wv);
        sl_json_free(schema);
        sl_json_free(value);
        sl_converter_destroy(c);
}

static void test_schemaless(void)
{
        sl_converter_t *c = mk(false, "schema.registry.url", "mock://nosch",
                               NULL);
        bytes_t b;
        CHECK_INT(ser(c, "t", NULL, "{\"a\":1}", &b), SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "Failed to serialize Avro data from topic t : "
                            "Cannot write schemaless map data as Avro");
        CHECK(b.p == NULL);
        CHECK_INT(ser(c, "t", NULL, "[1]", &b), SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "schemaless array");
        /* primitives get a schema of their own: int64, optional */
        CHECK_INT(ser(c, "t", NULL, "7", &b), 0);
        if (b.p) {
                char *h = hex(b.p + 5, b.len - 5);
                CHECK_STR(h, "02 0e");
                free(h);
        }
        sl_json_t *schema = NULL, *value = NULL;
        CHECK_INT(deser(c, "t", &b, &schema, &value), 0);
        sl_json_t *want = js("{\"type\":\"int64\",\"optional\":true}");
        CHECK(sl_json_equal(schema, want));
        CHECK(value && value->type == SL_JSON_INT && value->u.i == 7);
        sl_json_free(want);
        sl_json_free(schema);
        sl_json_free(value);
        free(b.p);
        sl_converter_destroy(c);
}

/* A key and a value converter on one scope share ids: either reads the
 * other's bytes. */
static void test_key_and_value_share_a_scope(void)
{
        sl_converter_t *k = mk(true, "schema.registry.url", "mock://shared",
                               NULL);
        sl_converter_t *v = mk(false, "schema.registry.url", "mock://shared",
                               NULL);
        const char *s = "{\"type\":\"string\",\"optional\":false}";
        bytes_t kb, vb;
        CHECK_INT(ser(k, "t", s, "\"key\"", &kb), 0);
        CHECK_INT(ser(v, "t", s, "\"value\"", &vb), 0);
        CHECK(kb.p && vb.p);
        if (kb.p && vb.p) {
                CHECK_INT(wire_id(&kb), wire_id(&vb));
                CHECK_INT(latest_id("shared", "t-key"), wire_id(&kb));
                CHECK_INT(latest_id("shared", "t-value"), wire_id(&vb));
                sl_json_t *schema = NULL, *value = NULL;
                CHECK_INT(deser(v, "t", &kb, &schema, &value), 0);
                CHECK(value && value->type == SL_JSON_STRING &&
                      !strcmp(value->u.str.ptr, "key"));
                sl_json_free(schema);
                sl_json_free(value);
        }
        free(kb.p);
        free(vb.p);
        /* another scope knows nothing of them */
        sl_converter_t *o = mk(false, "schema.registry.url", "mock://other",
                               NULL);
        sl_json_t *schema = NULL, *value = NULL;
        CHECK_INT(ser(v, "t", s, "\"x\"", &vb), 0);
        CHECK_INT(deser(o, "t", &vb, &schema, &value), SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "error code: 40403");
        free(vb.p);
        sl_converter_destroy(o);
        sl_converter_destroy(k);
        sl_converter_destroy(v);
}

static void test_subject_strategies(void)
{
        bytes_t b;
        sl_converter_t *c = mk(false, "schema.registry.url", "mock://subj",
                               "value.subject.name.strategy",
                               "RecordNameStrategy", NULL);
        CHECK_INT(ser(c, "orders", ORDER_SCHEMA,
                      "{\"id\":1,\"note\":null,\"qty\":1}", &b),
                  0);
        CHECK(latest_id("subj", "shop.Order") >= 0);
        CHECK(latest_id("subj", "orders-value") < 0);
        free(b.p);
        /* only named (record) schemas have a record name */
        CHECK_INT(ser(c, "orders", "{\"type\":\"int32\",\"optional\":false}",
                      "1", &b),
                  SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "RecordNameStrategy, the message value must only "
                            "be a record schema");
        sl_converter_destroy(c);

        c = mk(true, "schema.registry.url", "mock://subj",
               "key.subject.name.strategy",
               "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy",
               NULL);
        CHECK_INT(ser(c, "orders", ORDER_SCHEMA,
                      "{\"id\":1,\"note\":null,\"qty\":1}", &b),
                  0);
        CHECK(latest_id("subj", "orders-shop.Order") >= 0);
        free(b.p);
        sl_converter_destroy(c);

        c = mk(true, "schema.registry.url", "mock://subj", NULL);
        CHECK_INT(ser(c, "orders", "{\"type\":\"int64\",\"optional\":false}",
                      "1", &b),
                  0);
        CHECK(latest_id("subj", "orders-key") >= 0);
        free(b.p);
        sl_converter_destroy(c);
}

static void test_auto_register_off_and_latest_version(void)
{
        sl_converter_t *c = mk(false, "schema.registry.url", "mock://noreg",
                               "auto.register.schemas", "false", NULL);
        bytes_t b;
        CHECK_INT(ser(c, "t", ORDER_SCHEMA, "{\"id\":1,\"note\":null,\"qty\":1}",
                      &b),
                  SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "Failed to serialize Avro data from topic t : "
                            "Error retrieving Avro schema for subject "
                            "\"t-value\": ");
        int32_t id;
        char e[512];
        CHECK_INT(sl_sr_register(sl_sr_mock_scope("noreg"), "t-value",
                                 ORDER_AVRO, &id, e, sizeof(e)),
                  0);
        CHECK_INT(ser(c, "t", ORDER_SCHEMA, "{\"id\":1,\"note\":null,\"qty\":1}",
                      &b),
                  0);
        CHECK(b.p && wire_id(&b) == id);
        free(b.p);
        sl_converter_destroy(c);

        /* use.latest.version writes with the subject's latest schema, here
         * one with a field more than the data (it has a default) */
        const char *v2 =
                "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":"
                "\"shop\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
                "{\"name\":\"note\",\"type\":[\"null\",\"string\"],"
                "\"default\":null},{\"name\":\"qty\",\"type\":{\"type\":"
                "\"int\",\"connect.type\":\"int8\"}},{\"name\":\"gift\","
                "\"type\":[\"null\",\"boolean\"],\"default\":null}],"
                "\"connect.name\":\"shop.Order\"}";
        int32_t id2;
        CHECK_INT(sl_sr_register(sl_sr_mock_scope("noreg"), "t-value", v2,
                                 &id2, e, sizeof(e)),
                  0);
        CHECK(id2 != id);
        c = mk(false, "schema.registry.url", "mock://noreg",
               "auto.register.schemas", "false", "use.latest.version", "true",
               NULL);
        CHECK_INT(ser(c, "t", ORDER_SCHEMA,
                      "{\"id\":2,\"note\":\"n\",\"qty\":3}", &b),
                  0);
        CHECK(b.p && wire_id(&b) == id2);
        if (b.p) {
                char *h = hex(b.p + 5, b.len - 5);
                CHECK_STR(h, "04 02 02 6e 06 00");
                free(h);
                sl_json_t *schema = NULL, *value = NULL;
                CHECK_INT(deser(c, "t", &b, &schema, &value), 0);
                sl_json_t *want = js("{\"id\":2,\"note\":\"n\",\"qty\":3,"
                                     "\"gift\":null}");
                CHECK(sl_json_equal(value, want));
                sl_json_free(want);
                sl_json_free(schema);
                sl_json_free(value);
        }
        free(b.p);
        sl_converter_destroy(c);
}

static void test_incompatible_schema(void)
{
        sl_converter_t *c = mk(false, "schema.registry.url", "mock://compat",
                               NULL);
        bytes_t b;
        CHECK_INT(ser(c, "t", ORDER_SCHEMA, "{\"id\":1,\"note\":null,\"qty\":1}",
                      &b),
                  0);
        free(b.p);
        /* a new required field without a default breaks BACKWARD */
        CHECK_INT(ser(c, "t",
                      "{\"type\":\"struct\",\"name\":\"shop.Order\","
                      "\"optional\":false,\"fields\":[{\"field\":\"id\","
                      "\"type\":\"int32\",\"optional\":false},{\"field\":"
                      "\"must\",\"type\":\"string\",\"optional\":false}]}",
                      "{\"id\":1,\"must\":\"x\"}", &b),
                  SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "Failed to serialize Avro data from topic t : "
                            "Error registering Avro schema for subject "
                            "\"t-value\": Schema being registered is "
                            "incompatible with an earlier schema");
        CHECK_CONTAINS(err, "error code: 409");
        sl_converter_destroy(c);
}

/* ------------------------------------------------------- HTTP registry */

/* A fake registry: answers each connection by the request's first line,
 * counting requests and keeping the last one. */
typedef struct fake {
        int lfd, port;
        pthread_t th;
        atomic_int requests;
        char last[8192];
        int status_override; /* answer every request with this, if set */
        const char *schema_text;
} fake_t;

static void fake_reply(int fd, int status, const char *body)
{
        char head[256];
        int n = snprintf(head, sizeof(head),
                         "HTTP/1.1 %d X\r\nContent-Type: "
                         "application/vnd.schemaregistry.v1+json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                         status, strlen(body));
        (void)!write(fd, head, (size_t)n);
        (void)!write(fd, body, strlen(body));
}

static void *fake_main(void *arg)
{
        fake_t *f = arg;
        for (;;) {
                int fd = accept(f->lfd, NULL, NULL);
                if (fd < 0)
                        return NULL;
                struct timeval tv = {2, 0};
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                char req[8192];
                size_t len = 0;
                for (;;) {
                        ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len,
                                         0);
                        if (n <= 0)
                                break;
                        len += (size_t)n;
                        req[len] = '\0';
                        char *end = strstr(req, "\r\n\r\n");
                        char *cl = strcasestr(req, "Content-Length:");
                        if (end && (!cl || len >= (size_t)(end + 4 - req) +
                                                          strtoul(cl + 15, NULL,
                                                                  10)))
                                break;
                }
                req[len] = '\0';
                memcpy(f->last, req, len + 1);
                atomic_fetch_add(&f->requests, 1);
                if (f->status_override < 0) {
                        /* silent: hold the connection until the client
                         * gives up */
                        char tmp[64];
                        while (recv(fd, tmp, sizeof(tmp), 0) > 0)
                                ;
                } else if (f->status_override == 409)
                        fake_reply(fd, 409,
                                   "{\"error_code\":409,\"message\":\"Schema "
                                   "being registered is incompatible with an "
                                   "earlier schema for subject "
                                   "\\\"t-value\\\"\"}");
                else if (f->status_override)
                        fake_reply(fd, f->status_override,
                                   "{\"error_code\":50001,\"message\":"
                                   "\"Error in the backend data store\"}");
                else if (!strncmp(req, "POST /subjects/t-value/versions ", 32))
                        fake_reply(fd, 200, "{\"id\":42}");
                else if (!strncmp(req, "GET /schemas/ids/42 ", 20)) {
                        sl_buf_t b = SL_BUF_INIT;
                        sl_buf_puts(&b, "{\"schema\":");
                        sl_json_write_string(&b, f->schema_text,
                                             strlen(f->schema_text));
                        sl_buf_putc(&b, '}');
                        fake_reply(fd, 200, b.data);
                        sl_buf_free(&b);
                } else
                        fake_reply(fd, 404,
                                   "{\"error_code\":40403,\"message\":"
                                   "\"Schema not found\"}");
                close(fd);
        }
}

static int fake_start(fake_t *f)
{
        memset(f, 0, sizeof(*f));
        f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&a, len) ||
            listen(f->lfd, 8) ||
            getsockname(f->lfd, (struct sockaddr *)&a, &len) ||
            pthread_create(&f->th, NULL, fake_main, f)) {
                fprintf(stderr, "cannot start the fake registry\n");
                return -1;
        }
        f->port = ntohs(a.sin_port);
        return 0;
}

static void fake_stop(fake_t *f)
{
        shutdown(f->lfd, SHUT_RDWR); /* wakes the accept */
        pthread_join(f->th, NULL);
        close(f->lfd);
}

/* A port on 127.0.0.1 nothing listens on. */
static int closed_port(void)
{
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        bind(fd, (struct sockaddr *)&a, len);
        getsockname(fd, (struct sockaddr *)&a, &len);
        close(fd);
        return ntohs(a.sin_port);
}

static void test_registry_down_is_retriable(void)
{
        char url[64];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
        sl_converter_t *c = mk(false, "schema.registry.url", url, NULL);
        CHECK(c != NULL);
        bytes_t b;
        CHECK_INT(ser(c, "t", "{\"type\":\"string\",\"optional\":false}",
                      "\"x\"", &b),
                  SL_ERR_RETRIABLE);
        CHECK_CONTAINS(err, "Failed to serialize Avro data from topic t : "
                            "Error registering Avro schema for subject "
                            "\"t-value\": ");
        CHECK(b.p == NULL);
        sl_json_t *schema = NULL, *value = NULL;
        bytes_t in = {(unsigned char *)"\x00\x00\x00\x00\x07\x02", 6};
        CHECK_INT(deser(c, "t", &in, &schema, &value), SL_ERR_RETRIABLE);
        CHECK_CONTAINS(err, "Converting byte[] to Kafka Connect data failed "
                            "due to serialization error of topic t: Error "
                            "retrieving Avro value schema for id 7: ");
        sl_converter_destroy(c);
}

static void test_http_registry(void)
{
        fake_t f;
        if (fake_start(&f))
                return (void)sl_test_failures++;
        f.schema_text = "\"string\"";
        char url[160];
        /* the first URL is down: the client moves on to the next */
        snprintf(url, sizeof(url), "http://127.0.0.1:%d, http://127.0.0.1:%d",
                 closed_port(), f.port);
        sl_converter_t *c = mk(false, "schema.registry.url", url,
                               "basic.auth.credentials.source", "USER_INFO",
                               "basic.auth.user.info", "fred:secret", NULL);
        CHECK(c != NULL);
        bytes_t b;
        CHECK_INT(ser(c, "t", "{\"type\":\"string\",\"optional\":false}",
                      "\"hey\"", &b),
                  0);
        CHECK(b.p && b.len == 9 && wire_id(&b) == 42);
        CHECK_CONTAINS(f.last, "POST /subjects/t-value/versions HTTP/1.1");
        /* base64("fred:secret") */
        CHECK_CONTAINS(f.last, "Authorization: Basic ZnJlZDpzZWNyZXQ=");
        CHECK_CONTAINS(f.last, "Content-Type: "
                               "application/vnd.schemaregistry.v1+json");
        CHECK_CONTAINS(f.last, "{\"schema\":\"\\\"string\\\"\"}");
        /* cached: no second registration */
        int before = atomic_load(&f.requests);
        free(b.p);
        CHECK_INT(ser(c, "t", "{\"type\":\"string\",\"optional\":false}",
                      "\"hey\"", &b),
                  0);
        CHECK_INT(atomic_load(&f.requests), before);

        /* reading fetches the schema by id, once */
        sl_json_t *schema = NULL, *value = NULL;
        CHECK_INT(deser(c, "t", &b, &schema, &value), 0);
        CHECK_CONTAINS(f.last, "GET /schemas/ids/42 HTTP/1.1");
        CHECK(value && value->type == SL_JSON_STRING &&
              !strcmp(value->u.str.ptr, "hey"));
        sl_json_free(schema);
        sl_json_free(value);
        CHECK_INT(deser(c, "t", &b, &schema, &value), 0);
        CHECK_INT(atomic_load(&f.requests), before + 1);
        sl_json_free(schema);
        sl_json_free(value);
        free(b.p);

        /* an unknown id: the registry's 404 is a plain conversion error */
        bytes_t in = {(unsigned char *)"\x00\x00\x00\x00\x07\x02", 6};
        CHECK_INT(deser(c, "t", &in, &schema, &value), SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "Error retrieving Avro value schema for id 7: "
                            "Schema not found; error code: 40403");
        sl_converter_destroy(c);

        /* subjects are percent-encoded in paths */
        c = mk(true, "schema.registry.url", url, NULL);
        CHECK_INT(ser(c, "a/b c", "{\"type\":\"string\",\"optional\":false}",
                      "\"x\"", &b),
                  SL_ERR_CONVERT);
        CHECK_CONTAINS(f.last, "POST /subjects/a%2Fb%20c-key/versions ");
        CHECK(strstr(f.last, "Authorization") == NULL);
        sl_converter_destroy(c);

        /* 409: the registry's refusal; 5xx: worth a retry */
        c = mk(false, "schema.registry.url", url, NULL);
        f.status_override = 409;
        CHECK_INT(ser(c, "t", "{\"type\":\"int32\",\"optional\":false}", "1",
                      &b),
                  SL_ERR_CONVERT);
        CHECK_CONTAINS(err, "Schema being registered is incompatible with an "
                            "earlier schema for subject \"t-value\"; error "
                            "code: 409");
        f.status_override = 500;
        CHECK_INT(ser(c, "t", "{\"type\":\"int32\",\"optional\":false}", "1",
                      &b),
                  SL_ERR_RETRIABLE);
        CHECK_CONTAINS(err, "Error in the backend data store; error code: "
                            "50001");
        sl_converter_destroy(c);

        /* a registry that never answers: timed out, worth a retry */
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
        c = mk(false, "schema.registry.url", url, "http.connect.timeout.ms",
               "100", "http.read.timeout.ms", "200", NULL);
        f.status_override = -1;
        CHECK_INT(ser(c, "t", "{\"type\":\"int32\",\"optional\":false}", "1",
                      &b),
                  SL_ERR_RETRIABLE);
        CHECK_CONTAINS(err, "Failed to serialize Avro data from topic t : ");
        sl_converter_destroy(c);

        /* credentials in the URL become a Basic header */
        snprintf(url, sizeof(url), "http://ann:pw@127.0.0.1:%d", f.port);
        c = mk(false, "schema.registry.url", url, NULL);
        f.status_override = 0;
        CHECK_INT(ser(c, "t", "{\"type\":\"string\",\"optional\":false}",
                      "\"x\"", &b),
                  0);
        CHECK_CONTAINS(f.last, "Authorization: Basic YW5uOnB3"); /* ann:pw */
        CHECK_CONTAINS(f.last, "Host: 127.0.0.1:");
        free(b.p);
        sl_converter_destroy(c);
        fake_stop(&f);
}

int main(void)
{
        RUN(test_registered_and_configured);
        RUN(test_roundtrip_and_wire_format);
        RUN(test_tombstones_and_nulls);
        RUN(test_bad_bytes);
        RUN(test_int8_out_of_range);
        RUN(test_schemaless);
        RUN(test_key_and_value_share_a_scope);
        RUN(test_subject_strategies);
        RUN(test_auto_register_off_and_latest_version);
        RUN(test_incompatible_schema);
        RUN(test_registry_down_is_retriable);
        RUN(test_http_registry);
        TEST_MAIN_END();
}
