/* Converters, bytes -> Connect data -> bytes: JsonConverter with and
 * without schemas.enable, StringConverter, ByteArrayConverter and
 * AvroConverter (over an in-process mock:// registry holding the schemas
 * below), plus Avro decoding under a schema the input brings itself.
 *
 * Input: one selector byte, then the record bytes. Whatever deserialises
 * must serialise back, and the bytes must be stable from then on:
 * from(to(b1)) == b1 where b1 = from(to(input)). */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/avro_data.h"
#include "convert/converter.h"
#include "fuzz.h"
#include "schemareg/sr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__lsan_default_options(void);

/* libavro's generic values keep pointers at unaligned offsets, so the
 * buffers of the values the converter keeps between records look leaked
 * unless LeakSanitizer scans unaligned words too. */
const char *__lsan_default_options(void)
{
        return "use_unaligned=1";
}

#define SCOPE "fuzz"
#define TOPIC "t"

enum {
        C_JSON_SCHEMAS,
        C_JSON_PLAIN,
        C_STRING,
        C_BYTES,
        C_AVRO,
        C_AVRO_ENHANCED, /* enhanced.avro.schema.support, no connect.meta.data */
        C_JSON_NUMERIC,  /* decimal.format=NUMERIC, replace.null.with.default=false */
        C_COUNT,
        M_AVRO_SCHEMA = C_COUNT, /* input: Avro schema text, NUL, datum */
        M_COUNT,
};

static sl_converter_t *conv[C_COUNT];

/* Registered at start so wire-format inputs can name them: ids 1.. in
 * this order (the corpus's avro-* files do). */
static const char *const schemas[] = {
        "\"string\"",
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
        "{\"name\":\"id\",\"type\":\"int\"},"
        "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"qty\",\"type\":{\"type\":\"int\",\"connect.type\":\"int8\"}}],"
        "\"connect.name\":\"shop.Order\"}",
        "{\"type\":\"record\",\"name\":\"All\",\"fields\":["
        "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"i\",\"type\":\"int\"},"
        "{\"name\":\"l\",\"type\":\"long\"},{\"name\":\"f\",\"type\":\"float\"},"
        "{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"s\",\"type\":\"string\"},"
        "{\"name\":\"y\",\"type\":\"bytes\"},"
        "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
        "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"]},"
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Suit\","
        "\"symbols\":[\"SPADES\",\"HEARTS\"]}},"
        "{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}},"
        "{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":["
        "{\"name\":\"k\",\"type\":\"string\"}]}}]}",
        "{\"type\":\"record\",\"name\":\"Logical\",\"fields\":["
        "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
        "\"precision\":10,\"scale\":2}},"
        "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
        "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
        "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":"
        "\"timestamp-millis\"}}]}",
        "{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":[\"null\",\"double\"]}}",
};

/* settings as key, value, ..., NULL */
static sl_converter_t *mk(const char *cls, ...)
{
        sl_strmap_t *cfg = sl_strmap_new();
        sl_converter_t *c;
        const char *k;
        char err[512];
        va_list ap;

        va_start(ap, cls);
        while ((k = va_arg(ap, const char *)))
                sl_strmap_set(cfg, k, va_arg(ap, const char *));
        va_end(ap);
        c = sl_converter_new(cls, cfg, false, err, sizeof(err));
        FUZZ_CHECK(c, "%s: %s", cls, err);
        sl_strmap_destroy(cfg);
        return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        sl_sr_t *sr = sl_sr_mock_scope(SCOPE);
        char err[512], subject[32];

        (void)argc;
        (void)argv;
        /* serialising back registers whatever schema the data has under
         * t-value; compatibility with earlier inputs is not the point */
        FUZZ_CHECK(sl_sr_config_set(sr, NULL, "NONE", err, sizeof(err)) == 0, "%s", err);
        for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
                int32_t id;
                snprintf(subject, sizeof(subject), "s%zu", i);
                FUZZ_CHECK(sl_sr_register(sr, subject, schemas[i], &id, err, sizeof(err)) == 0 &&
                                   id == (int32_t)i + 1,
                           "schema %zu: %s", i, err);
        }
        conv[C_JSON_SCHEMAS] = mk("JsonConverter", "schemas.enable", "true", NULL);
        conv[C_JSON_PLAIN] = mk("JsonConverter", "schemas.enable", "false", NULL);
        conv[C_STRING] = mk("StringConverter", NULL);
        conv[C_BYTES] = mk("ByteArrayConverter", NULL);
        conv[C_AVRO] = mk("io.confluent.connect.avro.AvroConverter", "schema.registry.url",
                          "mock://" SCOPE, NULL);
        conv[C_AVRO_ENHANCED] = mk("io.confluent.connect.avro.AvroConverter",
                                   "schema.registry.url", "mock://" SCOPE,
                                   "enhanced.avro.schema.support", "true",
                                   "connect.meta.data", "false", NULL);
        conv[C_JSON_NUMERIC] = mk("org.apache.kafka.connect.json.JsonConverter",
                                  "decimal.format", "NUMERIC", "replace.null.with.default",
                                  "false", NULL);
        return 0;
}

typedef struct bytes {
        uint8_t *p; /* NULL: a Kafka null */
        size_t len;
} bytes_t;

/* Connect data -> bytes (copied out of the converter's scratch). */
static int ser(sl_converter_t *c, const sl_json_t *schema, const sl_json_t *value, bytes_t *out,
               char *err, size_t errlen)
{
        sl_data_t d = {schema, value};
        sl_buf_t scratch = SL_BUF_INIT;
        const void *p;
        bool borrowed;
        int rc = sl_converter_from_data(c, TOPIC, &d, &scratch, &p, &out->len, &borrowed, err,
                                        errlen);

        out->p = NULL;
        if (rc == 0 && p) {
                out->p = malloc(out->len + 1);
                memcpy(out->p, p, out->len);
        }
        sl_buf_free(&scratch);
        return rc;
}

static void check_roundtrip(int which, const uint8_t *data, size_t size)
{
        sl_converter_t *c = conv[which];
        sl_json_t *s = NULL, *v = NULL, *s2 = NULL, *v2 = NULL;
        bytes_t b1 = {0}, b2 = {0};
        char err[2048] = "";
        int rc;

        rc = sl_converter_to_data(c, TOPIC, data, size, &s, &v, err, sizeof(err));
        if (rc != 0) {
                FUZZ_CHECK(rc == SL_ERR_CONVERT && err[0], "to_data rc %d: %s", rc, err);
                goto out;
        }
        rc = ser(c, s, v, &b1, err, sizeof(err));
        FUZZ_CHECK(rc == 0, "converter %d: data it produced does not serialise: %s", which,
                   err);
        /* (empty bytes and JSON null legitimately become a tombstone) */
        FUZZ_CHECK(data || !b1.p, "converter %d: a tombstone came back as data", which);
        if (which == C_BYTES || which == C_STRING)
                FUZZ_CHECK(b1.len == size && (!size || !memcmp(b1.p, data, size)),
                           "converter %d changed the bytes", which);
        rc = sl_converter_to_data(c, TOPIC, b1.p, b1.len, &s2, &v2, err, sizeof(err));
        FUZZ_CHECK(rc == 0, "converter %d: its own output does not deserialise: %s", which,
                   err);
        rc = ser(c, s2, v2, &b2, err, sizeof(err));
        FUZZ_CHECK(rc == 0, "converter %d: second serialisation failed: %s", which, err);
        FUZZ_CHECK(b1.len == b2.len && (!b1.len || !memcmp(b1.p, b2.p, b1.len)),
                   "converter %d: bytes changed on the second round trip:\n%.*s\n%.*s", which,
                   (int)b1.len, (const char *)b1.p, (int)b2.len, (const char *)b2.p);
out:
        sl_json_free(s);
        sl_json_free(v);
        sl_json_free(s2);
        sl_json_free(v2);
        free(b1.p);
        free(b2.p);
}

/* Avro binary under a schema from the input: decode, encode, and the
 * encoding is stable from then on. */
static void check_avro_schema(const uint8_t *data, size_t size)
{
        static const sl_avro_opts_t opts = {.connect_meta = true};
        const uint8_t *nul = memchr(data, '\0', size);
        size_t tlen = nul ? (size_t)(nul - data) : size;
        const uint8_t *datum = nul ? nul + 1 : data + size;
        size_t dlen = size - tlen - (nul ? 1 : 0);
        sl_avro_schema_t *sch;
        sl_json_t *v1 = NULL, *v2 = NULL;
        sl_buf_t b1 = SL_BUF_INIT, b2 = SL_BUF_INIT, text = SL_BUF_INIT;
        char err[2048] = "";
        int rc;

        sch = sl_avro_schema_new((const char *)data, tlen, &opts, err, sizeof(err));
        if (!sch)
                return;
        if (sch->connect) {
                /* The Connect schema maps back to some Avro schema. Reading
                 * checks simple names only, as Avro Java does; writing
                 * checks every part of a namespace too. */
                rc = sl_avro_schema_from_connect(sch->connect, &opts, &text, err, sizeof(err));
                FUZZ_CHECK(rc == 0 || !strncmp(err, "Illegal character in: ", 22) ||
                                   !strncmp(err, "Illegal initial character: ", 27) ||
                                   !strcmp(err, "Empty name"),
                           "Connect schema of an Avro schema has no Avro form: %s", err);
        }
        if (!sch->connect || sl_avro_decode(sch, datum, dlen, &v1, err, sizeof(err)) != 0)
                goto out;
        rc = sl_avro_encode(sch, sch->connect, v1, &b1, err, sizeof(err));
        FUZZ_CHECK(rc == 0, "decoded datum does not encode: %s", err);
        rc = sl_avro_decode(sch, b1.data, b1.len, &v2, err, sizeof(err));
        FUZZ_CHECK(rc == 0, "encoded datum does not decode: %s", err);
        rc = sl_avro_encode(sch, sch->connect, v2, &b2, err, sizeof(err));
        FUZZ_CHECK(rc == 0 && b1.len == b2.len && (!b1.len || !memcmp(b1.data, b2.data, b1.len)),
                   "Avro encoding not stable: %s", err);
out:
        sl_json_free(v1);
        sl_json_free(v2);
        sl_buf_free(&b1);
        sl_buf_free(&b2);
        sl_buf_free(&text);
        sl_avro_schema_free(sch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned sel;
        int mode;

        if (size == 0)
                return 0;
        sel = data[0];
        mode = (int)((sel & 0x7f) % M_COUNT);
        data++;
        size--;
        if (mode == M_AVRO_SCHEMA) {
                check_avro_schema(data, size);
                return 0;
        }
        /* the top bit with nothing after it: a Kafka null (tombstone) */
        check_roundtrip(mode, (sel & 0x80) && size == 0 ? NULL : data, size);
        return 0;
}
