/* Connect <-> Avro mapping (Confluent's AvroData): schema texts, value
 * encodings checked byte by byte against hand-computed Avro binary, and
 * the wire checks on corrupt data. */
#include <stdlib.h>

#include "convert/avro_data.h"
#include "convert/conv_json.h"
#include "sl_test.h"
#include "sl_test_json.h"

static char err[1024];
static const sl_avro_opts_t META = {.connect_meta = true};
static const sl_avro_opts_t NO_META = {.connect_meta = false};
static const sl_avro_opts_t ENHANCED = {.connect_meta = true,
                                        .enhanced = true};

/* Avro schema text of a Connect schema (JSON), malloc'd; NULL on error. */
static char *avro_of(const char *connect, const sl_avro_opts_t *o)
{
        sl_json_t *cs = js(connect);
        sl_buf_t b = SL_BUF_INIT;
        err[0] = '\0';
        int rc = sl_avro_schema_from_connect(cs, o, &b, err, sizeof(err));
        sl_json_free(cs);
        if (rc < 0) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

static void check_avro(const char *connect, const sl_avro_opts_t *o,
                       const char *want)
{
        char *got = avro_of(connect, o);
        CHECK_STR(got, want);
        if (!got)
                fprintf(stderr, "  error: %s\n", err);
        free(got);
}

/* Connect schema of an Avro schema text; NULL on error. */
static sl_json_t *connect_of(const char *avro, const sl_avro_opts_t *o)
{
        sl_json_t *a = js(avro), *cs = NULL;
        err[0] = '\0';
        if (sl_avro_schema_to_connect(a, o, &cs, err, sizeof(err)) < 0)
                cs = NULL;
        sl_json_free(a);
        return cs;
}

static void check_connect(const char *avro, const sl_avro_opts_t *o,
                          const char *want)
{
        sl_json_t *cs = connect_of(avro, o), *w = js(want);
        CHECK(cs != NULL && sl_json_equal(cs, w));
        if (!cs || !sl_json_equal(cs, w)) {
                char *t = cs ? sl_json_to_string(cs) : NULL;
                fprintf(stderr, "  got %s (%s)\n  want %s\n", t ? t : "NULL",
                        err, want);
                free(t);
        }
        sl_json_free(cs);
        sl_json_free(w);
}

/* Connect value from its JsonConverter payload form (bytes as base64). */
static sl_json_t *cval(const sl_json_t *cs, const char *payload)
{
        static const sl_json_conv_t cfg = {.schemas_enable = true};
        sl_jctx_t jc = {&cfg, err, sizeof(err)};
        sl_json_t *v = js(payload), *out = NULL;
        if (sl_conv_json_to_connect(&jc, cs, v, &out) < 0)
                fprintf(stderr, "bad test value %s: %s\n", payload, err);
        return out;
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

/* Encodes payload under connect schema cs_text (through its generated
 * Avro schema), checks the bytes, then decodes them back and checks the
 * Connect value and schema survive. */
static void check_value(const char *cs_text, const char *payload,
                        const char *want_hex)
{
        sl_json_t *cs = js(cs_text);
        sl_json_t *v = cval(cs, payload);
        char *text = avro_of(cs_text, &META);
        sl_avro_schema_t *s =
                text ? sl_avro_schema_new(text, strlen(text), &META, err,
                                          sizeof(err))
                     : NULL;
        CHECK(s != NULL);
        if (!s) {
                fprintf(stderr, "  error: %s\n", err);
                goto out;
        }
        sl_buf_t b = SL_BUF_INIT;
        int rc = sl_avro_encode(s, cs, v, &b, err, sizeof(err));
        CHECK_INT(rc, 0);
        if (rc)
                fprintf(stderr, "  error: %s\n", err);
        char *h = hex(b.data, b.len);
        CHECK_STR(h, want_hex);
        free(h);
        sl_json_t *back = NULL;
        rc = sl_avro_decode(s, b.data, b.len, &back, err, sizeof(err));
        CHECK_INT(rc, 0);
        CHECK(sl_json_equal(back, v));
        CHECK(sl_json_equal(s->connect, cs));
        if (!sl_json_equal(back, v) || !sl_json_equal(s->connect, cs)) {
                char *a = back ? sl_json_to_string(back) : NULL;
                char *c = s->connect ? sl_json_to_string(s->connect) : NULL;
                fprintf(stderr, "  back %s (%s)\n  schema %s\n",
                        a ? a : "NULL", err, c ? c : "NULL");
                free(a);
                free(c);
        }
        sl_json_free(back);
        sl_buf_free(&b);
out:
        sl_avro_schema_free(s);
        free(text);
        sl_json_free(v);
        sl_json_free(cs);
}

/* The wire check of raw bytes under an Avro schema text: its error, or
 * "" when the bytes are well formed. */
static const char *check_err(const char *avro, const void *p, size_t n)
{
        avro_schema_t s;
        if (avro_schema_from_json_length(avro, strlen(avro), &s))
                return "bad test schema";
        err[0] = '\0';
        sl_avro_check_binary(s, p, n, err, sizeof(err));
        avro_schema_decref(s);
        return err;
}

/* ------------------------------------------------ Connect -> Avro schema */

static void test_primitive_schemas(void)
{
        check_avro("{\"type\":\"int8\",\"optional\":false}", &META,
                   "{\"type\":\"int\",\"connect.type\":\"int8\"}");
        check_avro("{\"type\":\"int16\",\"optional\":false}", &META,
                   "{\"type\":\"int\",\"connect.type\":\"int16\"}");
        check_avro("{\"type\":\"int32\",\"optional\":false}", &META, "\"int\"");
        check_avro("{\"type\":\"int64\",\"optional\":false}", &META,
                   "\"long\"");
        check_avro("{\"type\":\"float\",\"optional\":false}", &META,
                   "\"float\"");
        check_avro("{\"type\":\"double\",\"optional\":false}", &META,
                   "\"double\"");
        check_avro("{\"type\":\"boolean\",\"optional\":false}", &META,
                   "\"boolean\"");
        check_avro("{\"type\":\"string\",\"optional\":false}", &META,
                   "\"string\"");
        check_avro("{\"type\":\"bytes\",\"optional\":false}", &META,
                   "\"bytes\"");
        check_avro("{\"type\":\"string\",\"optional\":true}", &META,
                   "[\"null\",\"string\"]");
        check_avro("{\"type\":\"int8\",\"optional\":true}", &META,
                   "[\"null\",{\"type\":\"int\",\"connect.type\":\"int8\"}]");
        /* without connect.meta.data the int8 annotation goes too */
        check_avro("{\"type\":\"int8\",\"optional\":false}", &NO_META,
                   "\"int\"");
}

static void test_struct_schema(void)
{
        check_avro("{\"type\":\"struct\",\"fields\":["
                   "{\"field\":\"a\",\"type\":\"int32\",\"optional\":false},"
                   "{\"field\":\"b\",\"type\":\"string\",\"optional\":true,"
                   "\"doc\":\"the b\"}],"
                   "\"optional\":false,\"name\":\"com.example.Value\","
                   "\"version\":2,\"doc\":\"d\","
                   "\"parameters\":{\"k\":\"v\"}}",
                   &META,
                   "{\"type\":\"record\",\"name\":\"Value\","
                   "\"namespace\":\"com.example\",\"fields\":["
                   "{\"name\":\"a\",\"type\":\"int\"},"
                   "{\"name\":\"b\",\"type\":[\"null\",{\"type\":\"string\","
                   "\"connect.doc\":\"the b\"}],\"doc\":\"the b\","
                   "\"default\":null}],"
                   "\"connect.doc\":\"d\",\"connect.version\":2,"
                   "\"connect.parameters\":{\"k\":\"v\"},"
                   "\"connect.name\":\"com.example.Value\"}");
        /* no connect.* at all without connect.meta.data */
        check_avro("{\"type\":\"struct\",\"fields\":[{\"field\":\"a\","
                   "\"type\":\"int16\",\"optional\":false}],"
                   "\"optional\":false,\"name\":\"V\",\"version\":2}",
                   &NO_META,
                   "{\"type\":\"record\",\"name\":\"V\",\"fields\":["
                   "{\"name\":\"a\",\"type\":\"int\"}]}");
}

static void test_unnamed_structs_get_default_names(void)
{
        check_avro("{\"type\":\"struct\",\"optional\":false,\"fields\":["
                   "{\"field\":\"n\",\"type\":\"struct\",\"optional\":true,"
                   "\"fields\":[{\"field\":\"x\",\"type\":\"int32\","
                   "\"optional\":false}]},"
                   "{\"field\":\"m\",\"type\":\"struct\",\"optional\":false,"
                   "\"fields\":[{\"field\":\"y\",\"type\":\"boolean\","
                   "\"optional\":false}]}]}",
                   &META,
                   "{\"type\":\"record\",\"name\":\"ConnectDefault\","
                   "\"namespace\":\"io.confluent.connect.avro\",\"fields\":["
                   "{\"name\":\"n\",\"type\":[\"null\",{\"type\":\"record\","
                   "\"name\":\"ConnectDefault2\",\"fields\":[{\"name\":\"x\","
                   "\"type\":\"int\"}]}],\"default\":null},"
                   "{\"name\":\"m\",\"type\":{\"type\":\"record\","
                   "\"name\":\"ConnectDefault3\",\"fields\":[{\"name\":\"y\","
                   "\"type\":\"boolean\"}]}}]}");
}

static void test_named_struct_twice_is_a_reference(void)
{
        const char *addr = "{\"type\":\"struct\",\"name\":\"x.Addr\","
                           "\"optional\":false,\"fields\":[{\"field\":\"s\","
                           "\"type\":\"string\",\"optional\":false}]}";
        char cs[1024];
        snprintf(cs, sizeof(cs),
                 "{\"type\":\"struct\",\"name\":\"x.P\",\"optional\":false,"
                 "\"fields\":[{\"field\":\"home\",\"type\":\"struct\","
                 "\"name\":\"x.Addr\",\"optional\":false,\"fields\":["
                 "{\"field\":\"s\",\"type\":\"string\",\"optional\":false}]},"
                 "{\"field\":\"work\",\"type\":\"struct\","
                 "\"name\":\"x.Addr\",\"optional\":false,\"fields\":["
                 "{\"field\":\"s\",\"type\":\"string\",\"optional\":false}]}"
                 "]}");
        (void)addr;
        check_avro(cs, &NO_META,
                   "{\"type\":\"record\",\"name\":\"P\",\"namespace\":\"x\","
                   "\"fields\":[{\"name\":\"home\",\"type\":{\"type\":"
                   "\"record\",\"name\":\"Addr\",\"fields\":[{\"name\":\"s\","
                   "\"type\":\"string\"}]}},{\"name\":\"work\",\"type\":"
                   "\"Addr\"}]}");
        /* a different struct under a taken name is refused */
        char *t = avro_of("{\"type\":\"struct\",\"name\":\"x.P\","
                          "\"optional\":false,\"fields\":[{\"field\":\"a\","
                          "\"type\":\"struct\",\"name\":\"x.A\","
                          "\"optional\":false,\"fields\":[]},{\"field\":"
                          "\"b\",\"type\":\"struct\",\"name\":\"x.A\","
                          "\"optional\":false,\"fields\":[{\"field\":\"q\","
                          "\"type\":\"int32\",\"optional\":false}]}]}",
                          &META);
        CHECK(t == NULL);
        CHECK_STR(err, "Can't redefine: x.A");
        free(t);
}

static void test_logical_schemas(void)
{
        check_avro("{\"type\":\"bytes\",\"optional\":false,\"name\":"
                   "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                   "\"parameters\":{\"scale\":\"2\"}}",
                   &META,
                   "{\"type\":\"bytes\",\"scale\":2,\"precision\":64,"
                   "\"connect.version\":1,\"connect.parameters\":"
                   "{\"scale\":\"2\"},\"connect.name\":"
                   "\"org.apache.kafka.connect.data.Decimal\","
                   "\"logicalType\":\"decimal\"}");
        check_avro("{\"type\":\"bytes\",\"optional\":false,\"name\":"
                   "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                   "\"parameters\":{\"scale\":\"3\","
                   "\"connect.decimal.precision\":\"10\"}}",
                   &NO_META,
                   "{\"type\":\"bytes\",\"scale\":3,\"precision\":10,"
                   "\"logicalType\":\"decimal\"}");
        check_avro("{\"type\":\"int32\",\"optional\":false,\"name\":"
                   "\"org.apache.kafka.connect.data.Date\",\"version\":1}",
                   &META,
                   "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":"
                   "\"org.apache.kafka.connect.data.Date\","
                   "\"logicalType\":\"date\"}");
        check_avro("{\"type\":\"int32\",\"optional\":false,\"name\":"
                   "\"org.apache.kafka.connect.data.Time\",\"version\":1}",
                   &META,
                   "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":"
                   "\"org.apache.kafka.connect.data.Time\","
                   "\"logicalType\":\"time-millis\"}");
        check_avro("{\"type\":\"int64\",\"optional\":true,\"name\":"
                   "\"org.apache.kafka.connect.data.Timestamp\","
                   "\"version\":1}",
                   &META,
                   "[\"null\",{\"type\":\"long\",\"connect.version\":1,"
                   "\"connect.name\":"
                   "\"org.apache.kafka.connect.data.Timestamp\","
                   "\"logicalType\":\"timestamp-millis\"}]");
}

static void test_map_and_array_schemas(void)
{
        check_avro("{\"type\":\"map\",\"keys\":{\"type\":\"string\","
                   "\"optional\":false},\"values\":{\"type\":\"int64\","
                   "\"optional\":false},\"optional\":false}",
                   &META, "{\"type\":\"map\",\"values\":\"long\"}");
        check_avro("{\"type\":\"array\",\"items\":{\"type\":\"string\","
                   "\"optional\":true},\"optional\":false}",
                   &META,
                   "{\"type\":\"array\",\"items\":[\"null\",\"string\"]}");
        /* non-string keys: an array of MapEntry records; a second map of
         * other types gets its own entry record */
        check_avro("{\"type\":\"struct\",\"optional\":false,\"fields\":["
                   "{\"field\":\"a\",\"type\":\"map\",\"optional\":false,"
                   "\"keys\":{\"type\":\"int32\",\"optional\":false},"
                   "\"values\":{\"type\":\"string\",\"optional\":false}},"
                   "{\"field\":\"b\",\"type\":\"map\",\"optional\":false,"
                   "\"keys\":{\"type\":\"int32\",\"optional\":false},"
                   "\"values\":{\"type\":\"string\",\"optional\":false}},"
                   "{\"field\":\"c\",\"type\":\"map\",\"optional\":false,"
                   "\"keys\":{\"type\":\"string\",\"optional\":true},"
                   "\"values\":{\"type\":\"int32\",\"optional\":false}}]}",
                   &META,
                   "{\"type\":\"record\",\"name\":\"ConnectDefault\","
                   "\"namespace\":\"io.confluent.connect.avro\",\"fields\":["
                   "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":"
                   "{\"type\":\"record\",\"name\":\"MapEntry\",\"fields\":["
                   "{\"name\":\"key\",\"type\":\"int\"},{\"name\":\"value\","
                   "\"type\":\"string\"}]}}},"
                   "{\"name\":\"b\",\"type\":{\"type\":\"array\",\"items\":"
                   "\"MapEntry\"}},"
                   "{\"name\":\"c\",\"type\":{\"type\":\"array\",\"items\":"
                   "{\"type\":\"record\",\"name\":\"MapEntry2\",\"fields\":["
                   "{\"name\":\"key\",\"type\":[\"null\",\"string\"],"
                   "\"default\":null},{\"name\":\"value\",\"type\":\"int\"}],"
                   "\"connect.internal.type\":\"MapEntry\"}}}]}");
}

static void test_defaults(void)
{
        /* a default goes on the field (bytes as Latin-1) and, as
         * connect.default, on the type (bytes as base64); an optional
         * field with a default puts its type before null */
        check_avro("{\"type\":\"struct\",\"name\":\"D\",\"optional\":false,"
                   "\"fields\":[{\"field\":\"i\",\"type\":\"int16\","
                   "\"optional\":false,\"default\":7},"
                   "{\"field\":\"b\",\"type\":\"bytes\",\"optional\":true,"
                   "\"default\":\"AP8=\"},"
                   "{\"field\":\"s\",\"type\":\"string\",\"optional\":true,"
                   "\"default\":\"x\"}]}",
                   &META,
                   "{\"type\":\"record\",\"name\":\"D\",\"fields\":["
                   "{\"name\":\"i\",\"type\":{\"type\":\"int\","
                   "\"connect.default\":7,\"connect.type\":\"int16\"},"
                   "\"default\":7},"
                   "{\"name\":\"b\",\"type\":[{\"type\":\"bytes\","
                   "\"connect.default\":\"AP8=\"},\"null\"],"
                   "\"default\":\"\\u0000\xc3\xbf\"},"
                   "{\"name\":\"s\",\"type\":[{\"type\":\"string\","
                   "\"connect.default\":\"x\"},\"null\"],\"default\":\"x\"}],"
                   "\"connect.name\":\"D\"}");
}

static void test_enum_with_enhanced_support(void)
{
        const char *cs = "{\"type\":\"string\",\"optional\":false,"
                         "\"name\":\"x.Color\",\"parameters\":{"
                         "\"io.confluent.connect.avro.Enum\":\"x.Color\","
                         "\"io.confluent.connect.avro.Enum.RED\":\"RED\","
                         "\"io.confluent.connect.avro.Enum.GREEN\":"
                         "\"GREEN\"}}";
        check_avro(cs, &NO_META, "\"string\"");
        check_avro(cs, &ENHANCED,
                   "{\"type\":\"enum\",\"name\":\"Color\",\"namespace\":\"x\","
                   "\"symbols\":[\"RED\",\"GREEN\"],\"connect.parameters\":{"
                   "\"io.confluent.connect.avro.Enum\":\"x.Color\","
                   "\"io.confluent.connect.avro.Enum.RED\":\"RED\","
                   "\"io.confluent.connect.avro.Enum.GREEN\":\"GREEN\"},"
                   "\"connect.name\":\"x.Color\"}");
}

static void test_bad_connect_schemas(void)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_avro_schema_from_connect(NULL, &META, &b, err,
                                              sizeof(err)),
                  SL_ERR_CONVERT);
        free(avro_of("{\"optional\":false}", &META));
        CHECK_STR(err, "Schema must contain 'type' field");
        free(avro_of("{\"type\":\"widget\",\"optional\":false}", &META));
        CHECK_STR(err, "Unknown schema type: widget");
        CHECK_INT(b.len, 0);
        sl_buf_free(&b);
        /* Avro names are stricter than Connect's */
        free(avro_of("{\"type\":\"struct\",\"name\":\"my-topic.Value\","
                     "\"optional\":false,\"fields\":[]}",
                     &META));
        CHECK_STR(err, "Illegal character in: my-topic");
        free(avro_of("{\"type\":\"struct\",\"optional\":false,"
                     "\"fields\":[{\"field\":\"1a\",\"type\":\"int32\","
                     "\"optional\":false}]}",
                     &META));
        CHECK_STR(err, "Illegal initial character: 1a");
}

/* ------------------------------------------------ Avro -> Connect schema */

static void test_avro_to_connect_types(void)
{
        check_connect("\"long\"", &META,
                      "{\"type\":\"int64\",\"optional\":false}");
        check_connect("{\"type\":\"int\",\"connect.type\":\"int16\"}", &META,
                      "{\"type\":\"int16\",\"optional\":false}");
        check_connect("[\"null\",\"float\"]", &META,
                      "{\"type\":\"float\",\"optional\":true}");
        check_connect("[\"string\",\"null\"]", &META,
                      "{\"type\":\"string\",\"optional\":true}");
        check_connect("{\"type\":\"map\",\"values\":\"boolean\"}", &META,
                      "{\"type\":\"map\",\"keys\":{\"type\":\"string\","
                      "\"optional\":false},\"values\":{\"type\":\"boolean\","
                      "\"optional\":false},\"optional\":false}");
        check_connect("{\"type\":\"fixed\",\"name\":\"h.MD5\",\"size\":16}",
                      &META,
                      "{\"type\":\"bytes\",\"optional\":false,\"name\":"
                      "\"h.MD5\",\"parameters\":{\"connect.fixed.size\":"
                      "\"16\"}}");
        check_connect("{\"type\":\"enum\",\"name\":\"Suit\",\"namespace\":"
                      "\"cards\",\"doc\":\"suits\",\"symbols\":[\"HEARTS\","
                      "\"SPADES\"]}",
                      &META,
                      "{\"type\":\"string\",\"optional\":false,\"name\":"
                      "\"cards.Suit\",\"doc\":\"suits\",\"parameters\":{"
                      "\"io.confluent.connect.avro.enum.doc.Suit\":\"suits\","
                      "\"io.confluent.connect.avro.Enum\":\"cards.Suit\","
                      "\"io.confluent.connect.avro.Enum.HEARTS\":\"HEARTS\","
                      "\"io.confluent.connect.avro.Enum.SPADES\":"
                      "\"SPADES\"}}");
        check_connect("{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                      "\"precision\":10,\"scale\":4}",
                      &META,
                      "{\"type\":\"bytes\",\"optional\":false,\"name\":"
                      "\"org.apache.kafka.connect.data.Decimal\","
                      "\"version\":1,\"parameters\":{\"scale\":\"4\","
                      "\"connect.decimal.precision\":\"10\"}}");
        check_connect("{\"type\":\"int\",\"logicalType\":\"date\"}", &META,
                      "{\"type\":\"int32\",\"optional\":false,\"name\":"
                      "\"org.apache.kafka.connect.data.Date\","
                      "\"version\":1}");
        check_connect("{\"type\":\"long\",\"logicalType\":"
                      "\"timestamp-millis\"}",
                      &META,
                      "{\"type\":\"int64\",\"optional\":false,\"name\":"
                      "\"org.apache.kafka.connect.data.Timestamp\","
                      "\"version\":1}");
        /* a logical type Connect lacks keeps its base type */
        check_connect("{\"type\":\"long\",\"logicalType\":"
                      "\"timestamp-micros\"}",
                      &META, "{\"type\":\"int64\",\"optional\":false}");
}

static void test_avro_records_to_structs(void)
{
        /* ConnectDefault names are dropped, others kept; record docs
         * become connect.record.doc; field defaults come back in
         * JsonConverter's form (bytes as base64) */
        check_connect("{\"type\":\"record\",\"name\":\"ConnectDefault\","
                      "\"namespace\":\"io.confluent.connect.avro\","
                      "\"fields\":[{\"name\":\"r\",\"type\":{\"type\":"
                      "\"record\",\"name\":\"Inner\",\"namespace\":\"q\","
                      "\"doc\":\"inner doc\",\"fields\":[{\"name\":\"b\","
                      "\"type\":\"bytes\",\"default\":\"\xc3\xbf\"}]}},"
                      "{\"name\":\"again\",\"type\":[\"null\",\"q.Inner\"],"
                      "\"default\":null}]}",
                      &META,
                      "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                      "{\"field\":\"r\",\"type\":\"struct\",\"optional\":"
                      "false,\"name\":\"q.Inner\",\"doc\":\"inner doc\","
                      "\"parameters\":{\"connect.record.doc\":\"inner doc\"},"
                      "\"fields\":[{\"field\":\"b\",\"type\":\"bytes\","
                      "\"optional\":false,\"default\":\"/w==\"}]},"
                      "{\"field\":\"again\",\"type\":\"struct\",\"optional\":"
                      "true,\"name\":\"q.Inner\",\"doc\":\"inner doc\","
                      "\"parameters\":{\"connect.record.doc\":\"inner doc\"},"
                      "\"fields\":[{\"field\":\"b\",\"type\":\"bytes\","
                      "\"optional\":false,\"default\":\"/w==\"}]}]}");
}

static void test_avro_unions_to_union_structs(void)
{
        check_connect("[\"null\",\"int\",\"string\",{\"type\":\"record\","
                      "\"name\":\"x.R\",\"fields\":[]}]",
                      &META,
                      "{\"type\":\"struct\",\"optional\":true,\"name\":"
                      "\"io.confluent.connect.avro.Union\",\"fields\":["
                      "{\"field\":\"int\",\"type\":\"int32\","
                      "\"optional\":true},"
                      "{\"field\":\"string\",\"type\":\"string\","
                      "\"optional\":true},"
                      "{\"field\":\"R\",\"type\":\"struct\",\"optional\":"
                      "true,\"name\":\"x.R\",\"fields\":[]}]}");
}

static void test_avro_map_entries_to_maps(void)
{
        check_connect("{\"type\":\"array\",\"items\":{\"type\":\"record\","
                      "\"name\":\"MapEntry\",\"namespace\":"
                      "\"io.confluent.connect.avro\",\"fields\":[{\"name\":"
                      "\"key\",\"type\":\"int\"},{\"name\":\"value\","
                      "\"type\":[\"null\",\"string\"]}]}}",
                      &META,
                      "{\"type\":\"map\",\"optional\":false,\"keys\":{"
                      "\"type\":\"int32\",\"optional\":false},\"values\":{"
                      "\"type\":\"string\",\"optional\":true}}");
}

static void test_avro_schemas_connect_refuses(void)
{
        CHECK(connect_of("\"null\"", &META) == NULL);
        CHECK_STR(err, "Standalone null schemas are not supported by this "
                       "converter");
        CHECK(connect_of("{\"type\":\"record\",\"name\":\"L\",\"fields\":["
                         "{\"name\":\"next\",\"type\":[\"null\",\"L\"]}]}",
                         &META) == NULL);
        CHECK_STR(err, "Recursive Avro schemas are not supported (L refers "
                       "to itself)");
        CHECK(connect_of("\"Nope\"", &META) == NULL);
        CHECK_STR(err, "Undefined name: \"Nope\"");
        CHECK(connect_of("{\"type\":\"int\",\"connect.version\":\"x\"}",
                         &META) == NULL);
        CHECK_STR(err, "Invalid Connect version found: \"x\"");
        /* found by fuzzing: a name read up to a \u0000 named another type
         * than the one libavro parsed */
        CHECK(connect_of("{\"type\":\"fixed\",\"name\":\"x\\u0000~.Q\","
                         "\"size\":1}",
                         &META) == NULL);
        CHECK_STR(err, "Illegal character in: x");
        CHECK(connect_of("{\"type\":\"fixed\",\"name\":\"Q\",\"namespace\":"
                         "\"a\\u0000b\",\"size\":1}",
                         &META) == NULL);
        CHECK_STR(err, "Illegal character in: a.Q");
        /* a namespace outside Avro's name rules still reads, as Avro Java
         * reads it (only the simple name is checked there) */
        sl_json_t *cs = connect_of("{\"type\":\"fixed\",\"name\":\"Q\","
                                   "\"namespace\":\"com.my-co$x\",\"size\":1}",
                                   &META);
        CHECK_STR(sl_json_object_get_str(cs, "name"), "com.my-co$x.Q");
        sl_json_free(cs);
}

static sl_avro_schema_t *schema_of(const char *text)
{
        err[0] = '\0';
        return sl_avro_schema_new(text, strlen(text), &META, err, sizeof(err));
}

/* Record Ad with ten fields of record A(d+1), down to A5's ten ints. */
static void nested_records(sl_buf_t *b, int d)
{
        sl_buf_printf(b, "{\"type\":\"record\",\"name\":\"A%d\",\"fields\":[", d);
        for (int f = 0; f < 10; f++) {
                sl_buf_printf(b, "%s{\"name\":\"f%d\",\"type\":", f ? "," : "", f);
                if (d == 5)
                        sl_buf_puts(b, "\"int\"");
                else if (f == 0)
                        nested_records(b, d + 1);
                else
                        sl_buf_printf(b, "\"A%d\"", d + 1);
                sl_buf_putc(b, '}');
        }
        sl_buf_puts(b, "]}");
}

/* Found by fuzzing: libavro makes a generic value's record fields at once,
 * so a record holding itself by a plain field overflowed the stack, and
 * records holding records by name could multiply past memory. */
static void test_unbounded_records_are_refused(void)
{
        static const char *const bad[] = {
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"e\","
                "\"type\":\"R\"}]}",
                /* behind a union: made once a datum picks that branch */
                "[\"null\",{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                "{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"S\","
                "\"fields\":[{\"name\":\"r\",\"type\":\"R\"}]}}]}]",
        };
        for (size_t i = 0; i < 2; i++) {
                sl_avro_schema_t *s = schema_of(bad[i]);
                CHECK(s == NULL);
                CHECK_CONTAINS(err, "a record holds itself");
                sl_avro_schema_free(s);
        }
        /* 10 fields of 10 fields of ... 6 deep: a million nodes */
        sl_buf_t b = SL_BUF_INIT;
        nested_records(&b, 0);
        sl_avro_schema_t *s = schema_of(b.data);
        CHECK(s == NULL);
        CHECK_CONTAINS(err, "more than 100000 fields in all");
        sl_avro_schema_free(s);
        sl_buf_free(&b);
        /* recursion through a union is a list: fine */
        s = schema_of("{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":"
                      "\"next\",\"type\":[\"null\",\"L\"]}]}");
        CHECK(s != NULL);
        sl_avro_schema_free(s);
}

/* Found by fuzzing: libavro parses a document defining a name twice (the
 * second definition replacing the first) and leaks the first. */
static void test_redefined_name_is_refused(void)
{
        const char *twice =
                "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n\","
                "\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"enum\","
                "\"name\":\"E\",\"symbols\":[\"X\"]}},{\"name\":\"b\","
                "\"type\":[\"null\",{\"type\":\"enum\",\"name\":\"n.E\","
                "\"symbols\":[\"X\",\"Y\"]}]}]}";
        sl_avro_schema_t *s =
                sl_avro_schema_new(twice, strlen(twice), &META, err, sizeof(err));
        CHECK(s == NULL);
        CHECK_STR(err, "Invalid Avro schema: Can't redefine: n.E");
        sl_avro_schema_free(s);
        /* a name used again by reference is one definition */
        const char *ref = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                          "{\"name\":\"a\",\"type\":{\"type\":\"fixed\","
                          "\"name\":\"F\",\"size\":2}},{\"name\":\"b\","
                          "\"type\":\"F\"}]}";
        s = sl_avro_schema_new(ref, strlen(ref), &META, err, sizeof(err));
        CHECK(s != NULL && s->connect != NULL);
        sl_avro_schema_free(s);
}

/* Connect schema -> Avro -> Connect gives the schema back, names, int8,
 * logical types, docs, parameters and defaults included. */
static void test_schema_roundtrip(void)
{
        const char *cs_text =
                "{\"type\":\"struct\",\"name\":\"shop.Order\",\"version\":3,"
                "\"doc\":\"an order\",\"optional\":false,\"fields\":["
                "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
                "{\"field\":\"qty\",\"type\":\"int8\",\"optional\":false,"
                "\"default\":1},"
                "{\"field\":\"code\",\"type\":\"int16\",\"optional\":true},"
                "{\"field\":\"price\",\"type\":\"bytes\",\"optional\":false,"
                "\"name\":\"org.apache.kafka.connect.data.Decimal\","
                "\"version\":1,\"parameters\":{\"scale\":\"2\"}},"
                "{\"field\":\"day\",\"type\":\"int32\",\"optional\":true,"
                "\"name\":\"org.apache.kafka.connect.data.Date\","
                "\"version\":1},"
                "{\"field\":\"at\",\"type\":\"int64\",\"optional\":false,"
                "\"name\":\"org.apache.kafka.connect.data.Timestamp\","
                "\"version\":1},"
                "{\"field\":\"tags\",\"type\":\"array\",\"optional\":false,"
                "\"items\":{\"type\":\"string\",\"optional\":false}},"
                "{\"field\":\"attrs\",\"type\":\"map\",\"optional\":true,"
                "\"keys\":{\"type\":\"string\",\"optional\":false},"
                "\"values\":{\"type\":\"double\",\"optional\":true}},"
                "{\"field\":\"by_id\",\"type\":\"map\",\"optional\":false,"
                "\"keys\":{\"type\":\"int32\",\"optional\":false},"
                "\"values\":{\"type\":\"boolean\",\"optional\":false}},"
                "{\"field\":\"addr\",\"type\":\"struct\",\"optional\":true,"
                "\"fields\":[{\"field\":\"city\",\"type\":\"string\","
                "\"optional\":false,\"doc\":\"where\"}]},"
                "{\"field\":\"blob\",\"type\":\"bytes\",\"optional\":true,"
                "\"default\":\"AAEC\"},"
                "{\"field\":\"f\",\"type\":\"float\",\"optional\":false,"
                "\"parameters\":{\"p\":\"q\"}}]}";
        char *text = avro_of(cs_text, &META);
        CHECK(text != NULL);
        sl_json_t *back = text ? connect_of(text, &META) : NULL;
        sl_json_t *want = js(cs_text);
        CHECK(back && sl_json_equal(back, want));
        if (back && !sl_json_equal(back, want)) {
                char *t = sl_json_to_string(back);
                fprintf(stderr, "  avro %s\n  back %s\n", text, t);
                free(t);
        }
        /* libavro takes it too, NUL bytes in the blob default and all */
        sl_avro_schema_t *s =
                text ? sl_avro_schema_new(text, strlen(text), &META, err,
                                          sizeof(err))
                     : NULL;
        CHECK(s != NULL && sl_json_equal(s->connect, want));
        CHECK(s && s->full_name && !strcmp(s->full_name, "shop.Order"));
        sl_avro_schema_free(s);
        sl_json_free(back);
        sl_json_free(want);
        free(text);
}

/* -------------------------------------------------------------- values */

static void test_struct_value_encoding(void)
{
        /* a: zigzag(1)=02; b: branch 1 (02), length 2 (04) "hi";
         * c: zigzag(-2)=03; d: 01; e: 1.5 little-endian IEEE double;
         * f: 0.5 as a float; g: length 2 then 00 ff; h: zigzag(-1)=01;
         * i: null branch 00 */
        check_value("{\"type\":\"struct\",\"optional\":false,\"fields\":["
                    "{\"field\":\"a\",\"type\":\"int32\",\"optional\":false},"
                    "{\"field\":\"b\",\"type\":\"string\",\"optional\":true},"
                    "{\"field\":\"c\",\"type\":\"int64\",\"optional\":false},"
                    "{\"field\":\"d\",\"type\":\"boolean\","
                    "\"optional\":false},"
                    "{\"field\":\"e\",\"type\":\"double\",\"optional\":false},"
                    "{\"field\":\"f\",\"type\":\"float\",\"optional\":false},"
                    "{\"field\":\"g\",\"type\":\"bytes\",\"optional\":false},"
                    "{\"field\":\"h\",\"type\":\"int8\",\"optional\":false},"
                    "{\"field\":\"i\",\"type\":\"int16\",\"optional\":true}]}",
                    "{\"a\":1,\"b\":\"hi\",\"c\":-2,\"d\":true,\"e\":1.5,"
                    "\"f\":0.5,\"g\":\"AP8=\",\"h\":-1,\"i\":null}",
                    "02 02 04 68 69 03 01 00 00 00 00 00 00 f8 3f 00 00 00 3f "
                    "04 00 ff 01 00");
}

static void test_varint_encoding(void)
{
        const char *cs = "{\"type\":\"int64\",\"optional\":false}";
        check_value(cs, "300", "d8 04");
        check_value(cs, "-64", "7f");
        check_value(cs, "64", "80 01");
        check_value(cs, "1700000000000", "80 a0 ab fe f9 62");
        check_value("{\"type\":\"int32\",\"optional\":false}", "-2147483648",
                    "ff ff ff ff 0f");
        /* a 64 byte string: its length zigzags to 128 = 80 01 */
        char payload[80], want[300];
        snprintf(payload, sizeof(payload), "\"%064d\"", 0);
        strcpy(want, "80 01");
        for (int i = 0; i < 64; i++)
                strcat(want, " 30");
        check_value("{\"type\":\"string\",\"optional\":false}", payload,
                    want);
}

static void test_optional_top_level(void)
{
        check_value("{\"type\":\"string\",\"optional\":true}", "\"x\"",
                    "02 02 78");
}

static void test_logical_values(void)
{
        /* 12.34 at scale 2: unscaled 1234 = 04 d2, as Avro bytes */
        check_value("{\"type\":\"bytes\",\"optional\":false,\"name\":"
                    "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                    "\"parameters\":{\"scale\":\"2\"}}",
                    "\"BNI=\"", "04 04 d2");
        check_value("{\"type\":\"int32\",\"optional\":false,\"name\":"
                    "\"org.apache.kafka.connect.data.Date\",\"version\":1}",
                    "19000", "f0 a8 02");
        check_value("{\"type\":\"int64\",\"optional\":false,\"name\":"
                    "\"org.apache.kafka.connect.data.Timestamp\","
                    "\"version\":1}",
                    "1700000000000", "80 a0 ab fe f9 62");
}

static void test_collection_values(void)
{
        check_value("{\"type\":\"array\",\"optional\":false,\"items\":{"
                    "\"type\":\"int32\",\"optional\":false}}",
                    "[1,2,3]", "06 02 04 06 00");
        check_value("{\"type\":\"array\",\"optional\":false,\"items\":{"
                    "\"type\":\"int32\",\"optional\":false}}",
                    "[]", "00");
        check_value("{\"type\":\"map\",\"optional\":false,\"keys\":{"
                    "\"type\":\"string\",\"optional\":false},\"values\":{"
                    "\"type\":\"int32\",\"optional\":false}}",
                    "{\"x\":1}", "02 02 78 02 00");
        /* non-string keys: [key, value] records in an array */
        check_value("{\"type\":\"map\",\"optional\":false,\"keys\":{"
                    "\"type\":\"int32\",\"optional\":false},\"values\":{"
                    "\"type\":\"string\",\"optional\":true}}",
                    "[[1,\"a\"],[2,null]]", "04 02 02 02 61 04 00 00");
        /* optional string keys: entries too, but an object in Connect */
        check_value("{\"type\":\"map\",\"optional\":false,\"keys\":{"
                    "\"type\":\"string\",\"optional\":true},\"values\":{"
                    "\"type\":\"int32\",\"optional\":false}}",
                    "{\"a\":1}", "02 02 02 61 02 00");
}

static void test_nested_struct_values(void)
{
        check_value("{\"type\":\"struct\",\"optional\":false,\"name\":\"o.O\","
                    "\"fields\":[{\"field\":\"in\",\"type\":\"struct\","
                    "\"optional\":true,\"name\":\"o.I\",\"fields\":[{\"field\":"
                    "\"v\",\"type\":\"string\",\"optional\":false}]},"
                    "{\"field\":\"none\",\"type\":\"struct\",\"optional\":true,"
                    "\"fields\":[{\"field\":\"w\",\"type\":\"int32\","
                    "\"optional\":false}]}]}",
                    "{\"in\":{\"v\":\"z\"},\"none\":null}", "02 02 7a 00");
}

static void test_union_struct_values(void)
{
        /* Connect's Union struct: the field that is set picks the branch */
        const char *avro = "[\"int\",\"string\"]";
        sl_avro_schema_t *s =
                sl_avro_schema_new(avro, strlen(avro), &META, err, sizeof(err));
        CHECK(s != NULL);
        if (!s)
                return;
        sl_json_t *v = js("{\"int\":null,\"string\":\"x\"}");
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_avro_encode(s, s->connect, v, &b, err, sizeof(err)), 0);
        char *h = hex(b.data, b.len);
        CHECK_STR(h, "02 02 78");
        free(h);
        sl_json_t *back = NULL;
        CHECK_INT(sl_avro_decode(s, b.data, b.len, &back, err, sizeof(err)),
                  0);
        CHECK(sl_json_equal(back, v));
        sl_json_free(back);
        sl_json_free(v);
        sl_buf_free(&b);
        sl_avro_schema_free(s);
}

static void test_enum_and_fixed_values(void)
{
        const char *avro = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                           "{\"name\":\"e\",\"type\":{\"type\":\"enum\","
                           "\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
                           "{\"name\":\"f\",\"type\":{\"type\":\"fixed\","
                           "\"name\":\"F\",\"size\":2}}]}";
        sl_avro_schema_t *s =
                sl_avro_schema_new(avro, strlen(avro), &META, err, sizeof(err));
        CHECK(s != NULL);
        if (!s)
                return;
        sl_json_t *v = js("{\"e\":\"B\",\"f\":\"\"}");
        sl_json_free(v->u.obj.vals[1]);
        v->u.obj.vals[1] = sl_json_bytes("\x01\x02", 2);
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_avro_encode(s, s->connect, v, &b, err, sizeof(err)), 0);
        char *h = hex(b.data, b.len);
        CHECK_STR(h, "02 01 02");
        free(h);
        sl_json_t *back = NULL;
        CHECK_INT(sl_avro_decode(s, b.data, b.len, &back, err, sizeof(err)),
                  0);
        CHECK(sl_json_equal(back, v));
        sl_json_free(back);
        /* a symbol the enum lacks */
        sl_json_free(v->u.obj.vals[0]);
        v->u.obj.vals[0] = sl_json_string("C");
        sl_buf_reset(&b);
        CHECK_INT(sl_avro_encode(s, s->connect, v, &b, err, sizeof(err)),
                  SL_ERR_CONVERT);
        CHECK_STR(err, "Invalid value for enum E: C is not one of its symbols");
        sl_json_free(v);
        sl_buf_free(&b);
        sl_avro_schema_free(s);
}

static void test_null_uses_default_or_fails(void)
{
        const char *cs_text = "{\"type\":\"struct\",\"optional\":false,"
                              "\"fields\":[{\"field\":\"a\",\"type\":"
                              "\"int32\",\"optional\":false,\"default\":5},"
                              "{\"field\":\"b\",\"type\":\"int32\","
                              "\"optional\":false}]}";
        char *text = avro_of(cs_text, &META);
        sl_avro_schema_t *s = sl_avro_schema_new(text, strlen(text), &META,
                                                 err, sizeof(err));
        sl_json_t *cs = js(cs_text);
        sl_json_t *v = js("{\"a\":null,\"b\":1}");
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(sl_avro_encode(s, cs, v, &b, err, sizeof(err)), 0);
        char *h = hex(b.data, b.len);
        CHECK_STR(h, "0a 02");
        free(h);
        sl_json_free(v);
        v = js("{\"a\":1,\"b\":null}");
        sl_buf_reset(&b);
        CHECK_INT(sl_avro_encode(s, cs, v, &b, err, sizeof(err)),
                  SL_ERR_CONVERT);
        CHECK_STR(err, "Invalid value: null used for required field: \"b\", "
                       "schema type: INT32");
        sl_json_free(v);
        v = js("{\"a\":1,\"b\":2147483648}");
        CHECK_INT(sl_avro_encode(s, cs, v, &b, err, sizeof(err)),
                  SL_ERR_CONVERT);
        CHECK_STR(err, "Invalid value for INT32 field \"b\": 2147483648 is "
                       "out of range");
        sl_json_free(v);
        v = js("{\"a\":\"x\",\"b\":1}");
        CHECK_INT(sl_avro_encode(s, cs, v, &b, err, sizeof(err)),
                  SL_ERR_CONVERT);
        CHECK_STR(err, "Invalid value for schema with type INT32: STRING for "
                       "field: \"a\"");
        sl_json_free(v);
        sl_json_free(cs);
        sl_buf_free(&b);
        sl_avro_schema_free(s);
        free(text);
}

static void test_int8_range(void)
{
        const char *avro = "{\"type\":\"int\",\"connect.type\":\"int8\"}";
        sl_avro_schema_t *s =
                sl_avro_schema_new(avro, strlen(avro), &META, err, sizeof(err));
        sl_json_t *v = sl_json_int(300);
        sl_buf_t b = SL_BUF_INIT;
        CHECK(s != NULL);
        if (s)
                CHECK_INT(sl_avro_encode(s, s->connect, v, &b, err,
                                         sizeof(err)),
                          SL_ERR_CONVERT);
        CHECK_STR(err, "Invalid value for INT8 field \"null\": 300 is out of "
                       "range");
        sl_json_free(v);
        sl_buf_free(&b);
        sl_avro_schema_free(s);
}

static void test_infer_schemaless(void)
{
        sl_json_t *v = js("42"), *s = NULL;
        CHECK_INT(sl_avro_infer_schema(v, &s, err, sizeof(err)), 0);
        sl_json_t *want = js("{\"type\":\"int64\",\"optional\":true}");
        CHECK(sl_json_equal(s, want));
        sl_json_free(want);
        sl_json_free(s);
        sl_json_free(v);
        v = js("{\"a\":1}");
        CHECK_INT(sl_avro_infer_schema(v, &s, err, sizeof(err)),
                  SL_ERR_CONVERT);
        CHECK(s == NULL);
        CHECK(strstr(err, "Cannot write schemaless map data as Avro") != NULL);
        sl_json_free(v);
}

/* ------------------------------------------------------- corrupt bytes */

static void test_corrupt_data_is_refused(void)
{
        const char *msg = "Malformed Avro data: invalid length, count or "
                          "index, or data ends early";
        /* negative string length */
        CHECK_STR(check_err("\"string\"", "\x01" "ab", 3), msg);
        /* a length past the end */
        CHECK_STR(check_err("\"string\"", "\x0a" "ab", 3), msg);
        /* union branch 5 of 2 */
        CHECK_STR(check_err("[\"null\",\"int\"]", "\x0a", 1), msg);
        /* enum symbol 3 of 2 */
        CHECK_STR(check_err("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":"
                             "[\"A\",\"B\"]}",
                             "\x06", 1),
                  msg);
        /* 2^31-1 nulls in five bytes: libavro alone crashes on this */
        CHECK_STR(check_err("{\"type\":\"array\",\"items\":\"null\"}",
                             "\xfe\xff\xff\xff\x0f\x00", 6),
                  msg);
        /* more items claimed than bytes left */
        CHECK_STR(check_err("{\"type\":\"array\",\"items\":\"int\"}",
                             "\x7e\x02\x00", 3),
                  msg);
        /* an int beyond 32 bits */
        CHECK_STR(check_err("\"int\"", "\x80\x80\x80\x80\x20", 5), msg);
        /* truncated double */
        CHECK_STR(check_err("\"double\"", "\x00\x00", 2), msg);
        /* decoding checks before libavro reads */
        sl_avro_schema_t *s = sl_avro_schema_new("\"string\"", 8, &META, err,
                                                 sizeof(err));
        sl_json_t *v = NULL;
        CHECK_INT(sl_avro_decode(s, "\x01" "ab", 3, &v, err, sizeof(err)),
                  SL_ERR_CONVERT);
        CHECK_STR(err, msg);
        CHECK(v == NULL);
        sl_avro_schema_free(s);
        /* a well-formed datum passes */
        CHECK_STR(check_err("{\"type\":\"array\",\"items\":\"null\"}",
                             "\x06\x00", 2),
                  "");
}

int main(void)
{
        RUN(test_primitive_schemas);
        RUN(test_struct_schema);
        RUN(test_unnamed_structs_get_default_names);
        RUN(test_named_struct_twice_is_a_reference);
        RUN(test_logical_schemas);
        RUN(test_map_and_array_schemas);
        RUN(test_defaults);
        RUN(test_enum_with_enhanced_support);
        RUN(test_bad_connect_schemas);
        RUN(test_avro_to_connect_types);
        RUN(test_avro_records_to_structs);
        RUN(test_avro_unions_to_union_structs);
        RUN(test_avro_map_entries_to_maps);
        RUN(test_avro_schemas_connect_refuses);
        RUN(test_redefined_name_is_refused);
        RUN(test_unbounded_records_are_refused);
        RUN(test_schema_roundtrip);
        RUN(test_struct_value_encoding);
        RUN(test_varint_encoding);
        RUN(test_optional_top_level);
        RUN(test_logical_values);
        RUN(test_collection_values);
        RUN(test_nested_struct_values);
        RUN(test_union_struct_values);
        RUN(test_enum_and_fixed_values);
        RUN(test_null_uses_default_or_fails);
        RUN(test_int8_range);
        RUN(test_infer_schemaless);
        RUN(test_corrupt_data_is_refused);
        TEST_MAIN_END();
}
