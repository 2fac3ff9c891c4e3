/* ValueToKey, Cast, Flatten, SetSchemaMetadata and TimestampConverter. */
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "sl_test.h"
#include "transform/transform.h"

extern const sl_transform_def_t sl_xf_value_to_key, sl_xf_cast_key, sl_xf_cast_value,
        sl_xf_flatten_key, sl_xf_flatten_value, sl_xf_set_schema_metadata_key,
        sl_xf_set_schema_metadata_value, sl_xf_timestamp_converter_key,
        sl_xf_timestamp_converter_value;

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define TS "org.apache.kafka.connect.data.Timestamp"
#define DATE "org.apache.kafka.connect.data.Date"
#define TIME "org.apache.kafka.connect.data.Time"

static char err[1024];

static sl_json_t *J(const char *s)
{
        sl_json_t *j;
        if (!s)
                return NULL;
        if (!(j = sl_json_parse(s, strlen(s), NULL, 0)))
                fprintf(stderr, "bad test JSON: %s\n", s);
        return j;
}

static bool eq(const sl_json_t *j, const char *want)
{
        sl_json_t *w = J(want);
        bool r = sl_json_equal(j, w);
        if (!r) {
                char *got = j ? sl_json_to_string(j) : NULL;
                fprintf(stderr, "  got  %s\n  want %s\n", got ? got : "NULL",
                        want ? want : "NULL");
                free(got);
        }
        sl_json_free(w);
        return r;
}
#define CHECK_JSON(j, s) CHECK(eq((j), (s)))

/* As the host does: validate against the table, apply defaults, init. */
static void *mk(const sl_transform_def_t *d, const char *const *kv)
{
        sl_strmap_t *m = sl_strmap_new(), *full;
        sl_configdef_set_t set = {0};
        sl_config_errors_t *errs = sl_config_errors_new();
        void *st = NULL;

        for (int i = 0; kv && kv[i]; i += 2)
                sl_strmap_set(m, kv[i], kv[i + 1]);
        sl_configdef_set_add(&set, d->config);
        sl_configdef_validate(&set, m, errs);
        err[0] = '\0';
        if (sl_config_errors_count(errs)) {
                const char *key = sl_config_errors_key(errs, 0);
                snprintf(err, sizeof(err), "%s", sl_config_errors_key_at(errs, key, 0));
        } else {
                full = sl_configdef_apply_defaults(&set, m);
                if (d->init(&st, d->part, full, err, sizeof(err)) < 0)
                        st = NULL;
                sl_strmap_destroy(full);
        }
        sl_config_errors_destroy(errs);
        sl_strmap_destroy(m);
        return st;
}

static void rec_init(sl_xrecord_t *r, const char *ks, const char *k, const char *vs,
                     const char *v)
{
        memset(r, 0, sizeof(*r));
        r->topic = strdup("t");
        r->partition = 0;
        r->timestamp = -1;
        r->key_schema = J(ks);
        r->key = J(k);
        r->value_schema = J(vs);
        r->value = J(v);
}

/* init + apply + destroy; init failures come back as -9999 */
static int run(const sl_transform_def_t *d, const char *const *kv, sl_xrecord_t *r)
{
        void *st = mk(d, kv);
        int rc;
        if (!st) {
                fprintf(stderr, "  init failed: %s\n", err);
                return -9999;
        }
        err[0] = '\0';
        rc = d->apply(st, r, err, sizeof(err));
        d->destroy(st);
        return rc;
}

static void check_config_error(const sl_transform_def_t *d, const char *const *kv,
                               const char *want)
{
        void *st = mk(d, kv);
        CHECK(st == NULL);
        if (st)
                d->destroy(st);
        CHECK_STR(err, want);
}

/* -------------------------------------------------------------- ValueToKey */

#define V2K_SCHEMA                                                                   \
        "{\"type\":\"struct\",\"optional\":false,\"fields\":["                      \
        "{\"field\":\"a\",\"type\":\"int32\",\"optional\":false},"                  \
        "{\"field\":\"b\",\"type\":\"string\",\"optional\":true,\"default\":\"d\"}]}"

static void test_v2k_schemaless(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, "\"old\"", NULL, "{\"a\":1,\"b\":\"x\",\"c\":true}");
        CHECK_INT(run(&sl_xf_value_to_key, KV("fields", "a, b,z"), &r), 0);
        CHECK(r.key_schema == NULL);
        CHECK_JSON(r.key, "{\"a\":1,\"b\":\"x\",\"z\":null}");
        CHECK_JSON(r.value, "{\"a\":1,\"b\":\"x\",\"c\":true}");
        sl_xrecord_clear(&r);
}

static void test_v2k_schemaful(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, V2K_SCHEMA, "{\"a\":1}");
        CHECK_INT(run(&sl_xf_value_to_key, KV("fields", "b,a"), &r), 0);
        CHECK_JSON(r.key_schema,
                   "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                   "{\"field\":\"b\",\"type\":\"string\",\"optional\":true,\"default\":\"d\"},"
                   "{\"field\":\"a\",\"type\":\"int32\",\"optional\":false}]}");
        CHECK_JSON(r.key, "{\"b\":\"d\",\"a\":1}");
        sl_xrecord_clear(&r);
}

static void test_v2k_keeps_null_without_default_replacement(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, V2K_SCHEMA, "{\"a\":1}");
        CHECK_INT(run(&sl_xf_value_to_key,
                      KV("fields", "b", "replace.null.with.default", "false"), &r),
                  0);
        CHECK_JSON(r.key, "{\"b\":null}");
        sl_xrecord_clear(&r);
}

static void test_v2k_missing_field(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, V2K_SCHEMA, "{\"a\":1}");
        CHECK(run(&sl_xf_value_to_key, KV("fields", "a,nope"), &r) < 0);
        CHECK_STR(err, "Field does not exist: nope");
        CHECK(r.key == NULL && r.key_schema == NULL);
        sl_xrecord_clear(&r);
}

static void test_v2k_wrong_types(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "\"s\"");
        CHECK(run(&sl_xf_value_to_key, KV("fields", "a"), &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for [copying fields "
                       "from value to key], found: java.lang.String");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, "{\"type\":\"int64\",\"optional\":false}", "5");
        CHECK(run(&sl_xf_value_to_key, KV("fields", "a"), &r) < 0);
        CHECK_STR(err, "Only Struct objects supported for [copying fields from value to key], "
                       "found: java.lang.Long");
        sl_xrecord_clear(&r);
}

static void test_v2k_config(void)
{
        check_config_error(&sl_xf_value_to_key, KV("fields", " "),
                           "Invalid value   for configuration fields: Empty list");
        check_config_error(&sl_xf_value_to_key, NULL,
                           "Missing required configuration \"fields\" which has no default "
                           "value.");
}

/* -------------------------------------------------------------------- Cast */

static void test_cast_config(void)
{
        check_config_error(&sl_xf_cast_value, KV("spec", "a:bytes"),
                           "Invalid value a:bytes for configuration spec: Cast transformation "
                           "does not support casting to BYTES; supported types are [INT8, "
                           "INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]");
        check_config_error(&sl_xf_cast_value, KV("spec", "a:int8,b: foo "),
                           "Invalid value a:int8,b: foo  for configuration spec: Invalid type "
                           "found in casting spec: foo");
        check_config_error(&sl_xf_cast_value, KV("spec", "int8,a:int16"),
                           "Invalid value int8,a:int16 for configuration spec: Cast "
                           "transformations that specify a type to cast the entire value to "
                           "may ony specify a single cast in their spec");
        check_config_error(&sl_xf_cast_value, KV("spec", "a:b:c"),
                           "Invalid value a:b:c for configuration spec: Invalid rename "
                           "mapping: a:b:c");
        check_config_error(&sl_xf_cast_key, KV("spec", ""),
                           "Invalid value  for configuration spec: Must specify at least one "
                           "field to cast.");
        void *st = mk(&sl_xf_cast_value, KV("spec", "a:INT8:, b : Float32"));
        CHECK(st != NULL); /* split(":") drops the trailing empty part */
        if (st)
                sl_xf_cast_value.destroy(st);
}

static void test_cast_schemaless_fields(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":\"42\",\"b\":1.9,\"c\":true,\"d\":\"x\"}");
        CHECK_INT(run(&sl_xf_cast_value, KV("spec", "a:int32,b:int64,c:string,e:int8"), &r),
                  0);
        CHECK_JSON(r.value, "{\"a\":42,\"b\":1,\"c\":\"true\",\"d\":\"x\",\"e\":null}");
        sl_xrecord_clear(&r);
}

static void test_cast_key_whole_value(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, "300", NULL, "300");
        CHECK_INT(run(&sl_xf_cast_key, KV("spec", "int8"), &r), 0);
        CHECK_JSON(r.key, "44");
        CHECK_JSON(r.value, "300");
        sl_xrecord_clear(&r);
}

static void test_cast_schemaful_struct(void)
{
        static const char *const schema =
                "{\"type\":\"struct\",\"name\":\"n\",\"version\":2,\"optional\":false,"
                "\"fields\":[{\"field\":\"a\",\"type\":\"int64\",\"optional\":true,"
                "\"default\":7,\"doc\":\"d\"},"
                "{\"field\":\"b\",\"type\":\"string\",\"optional\":false},"
                "{\"field\":\"c\",\"type\":\"boolean\",\"optional\":false}]}";
        sl_xrecord_t r;

        rec_init(&r, NULL, NULL, schema, "{\"a\":null,\"b\":\"1.5\",\"c\":true}");
        CHECK_INT(run(&sl_xf_cast_value, KV("spec", "a:string,b:float64"), &r), 0);
        CHECK_JSON(r.value_schema,
                   "{\"type\":\"struct\",\"optional\":false,\"name\":\"n\",\"version\":2,"
                   "\"fields\":[{\"type\":\"string\",\"optional\":true,\"default\":\"7\","
                   "\"field\":\"a\"},{\"type\":\"double\",\"optional\":false,\"field\":\"b\"},"
                   "{\"field\":\"c\",\"type\":\"boolean\",\"optional\":false}]}");
        CHECK_JSON(r.value, "{\"a\":\"7\",\"b\":1.5,\"c\":true}");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, schema, "{\"a\":null,\"b\":\"1.5\",\"c\":true}");
        CHECK_INT(run(&sl_xf_cast_value,
                      KV("spec", "a:string", "replace.null.with.default", "false"), &r),
                  0);
        CHECK_JSON(r.value, "{\"a\":null,\"b\":\"1.5\",\"c\":true}");
        sl_xrecord_clear(&r);
}

static void test_cast_schemaful_whole_value(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, "{\"type\":\"int64\",\"optional\":true,\"name\":\"x\"}",
                 "70000");
        CHECK_INT(run(&sl_xf_cast_value, KV("spec", "int16"), &r), 0);
        CHECK_JSON(r.value_schema, "{\"type\":\"int16\",\"optional\":true,\"name\":\"x\"}");
        CHECK_JSON(r.value, "4464");
        sl_xrecord_clear(&r);
}

static void test_cast_bytes_to_base64(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{}");
        sl_json_object_set(r.value, "b", sl_json_bytes("hi", 2));
        CHECK_INT(run(&sl_xf_cast_value, KV("spec", "b:string"), &r), 0);
        CHECK_JSON(r.value, "{\"b\":\"aGk=\"}");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "{}");
        sl_json_object_set(r.value, "b", sl_json_bytes("hi", 2));
        CHECK(run(&sl_xf_cast_value, KV("spec", "b:int32"), &r) < 0);
        CHECK_STR(err, "Unexpected type in Cast transformation: class [B");
        sl_xrecord_clear(&r);
}

static void test_cast_floats_to_string_like_java(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL,
                 "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                 "{\"field\":\"f\",\"type\":\"float\",\"optional\":false},"
                 "{\"field\":\"d\",\"type\":\"double\",\"optional\":false},"
                 "{\"field\":\"g\",\"type\":\"double\",\"optional\":false},"
                 "{\"field\":\"h\",\"type\":\"double\",\"optional\":false},"
                 "{\"field\":\"i\",\"type\":\"double\",\"optional\":false}]}",
                 "{\"d\":1e10,\"g\":0.001,\"h\":1.0e-4,\"i\":-123456789.5}");
        sl_json_object_set(r.value, "f", sl_json_double((double)1.1f));
        CHECK_INT(run(&sl_xf_cast_value, KV("spec", "f:string,d:string,g:string,h:string,"
                                                    "i:string"),
                      &r),
                  0);
        CHECK_JSON(r.value, "{\"f\":\"1.1\",\"d\":\"1.0E10\",\"g\":\"0.001\",\"h\":\"1.0E-4\","
                            "\"i\":\"-1.234567895E8\"}");
        sl_xrecord_clear(&r);
}

static void test_cast_string_out_of_range(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":\"300\"}");
        CHECK(run(&sl_xf_cast_value, KV("spec", "a:int8"), &r) < 0);
        CHECK_STR(err, "Value (300) was out of range for requested data type");
        CHECK_JSON(r.value, "{\"a\":\"300\"}");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "{\"a\":\"inf\"}");
        CHECK(run(&sl_xf_cast_value, KV("spec", "a:float64"), &r) < 0);
        CHECK_STR(err, "Value (inf) was out of range for requested data type");
        sl_xrecord_clear(&r);
}

static void test_cast_strings_to_numbers_and_booleans(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL,
                 "{\"a\":\"TRUE\",\"b\":\"yes\",\"c\":\" 0.1 \",\"d\":\"-9223372036854775808\","
                 "\"e\":\"Infinity\",\"f\":\"+12\"}");
        CHECK_INT(run(&sl_xf_cast_value,
                      KV("spec", "a:boolean,b:boolean,c:float32,d:int64,e:float64,f:int16"), &r),
                  0);
        const sl_json_t *c = sl_json_object_get(r.value, "c");
        CHECK(c && c->type == SL_JSON_DOUBLE && c->u.d == (double)0.1f);
        const sl_json_t *e = sl_json_object_get(r.value, "e");
        CHECK(e && e->type == SL_JSON_DOUBLE && e->u.d > 1e308);
        CHECK(sl_json_object_get(r.value, "a")->u.b == true);
        CHECK(sl_json_object_get(r.value, "b")->u.b == false);
        CHECK_INT(sl_json_object_get(r.value, "d")->u.i, INT64_MIN);
        CHECK_INT(sl_json_object_get(r.value, "f")->u.i, 12);
        sl_xrecord_clear(&r);
}

static void test_cast_doubles_narrow_like_java(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":1e20,\"b\":1e20,\"c\":-2.7,\"d\":0.5,\"e\":true}");
        CHECK_INT(run(&sl_xf_cast_value,
                      KV("spec", "a:int32,b:int8,c:int64,d:boolean,e:float32"), &r),
                  0);
        CHECK_JSON(r.value, "{\"a\":2147483647,\"b\":-1,\"c\":-2,\"d\":false,\"e\":1.0}");
        sl_xrecord_clear(&r);
}

static void test_cast_unsupported_input(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":{\"x\":1}}");
        CHECK(run(&sl_xf_cast_value, KV("spec", "a:string"), &r) < 0);
        CHECK_STR(err, "Cast transformation does not support casting from MAP; supported "
                       "types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, "
                       "STRING, BYTES]");
        sl_xrecord_clear(&r);
}

static void test_cast_decimal(void)
{
        static const unsigned char pos[] = {0x30, 0x39}, neg[] = {0xCF, 0xC7}, tiny[] = {5};
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL,
                 "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                 "{\"field\":\"p\",\"type\":\"bytes\",\"optional\":false,\"name\":"
                 "\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},"
                 "{\"field\":\"q\",\"type\":\"bytes\",\"optional\":false,\"name\":"
                 "\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},"
                 "{\"field\":\"n\",\"type\":\"bytes\",\"optional\":false,\"name\":"
                 "\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},"
                 "{\"field\":\"t\",\"type\":\"bytes\",\"optional\":false,\"name\":"
                 "\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"9\"}}]}",
                 "{}");
        sl_json_object_set(r.value, "p", sl_json_bytes(pos, 2));
        sl_json_object_set(r.value, "q", sl_json_bytes(pos, 2));
        sl_json_object_set(r.value, "n", sl_json_bytes(neg, 2));
        sl_json_object_set(r.value, "t", sl_json_bytes(tiny, 1));
        CHECK_INT(run(&sl_xf_cast_value, KV("spec", "p:string,q:int32,n:string,t:string"), &r),
                  0);
        CHECK_JSON(r.value, "{\"p\":\"123.45\",\"q\":123,\"n\":\"-123.45\",\"t\":\"5E-9\"}");
        sl_xrecord_clear(&r);
}

static void test_cast_logical_dates_to_string(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL,
                 "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                 "{\"field\":\"ts\",\"type\":\"int64\",\"optional\":false,\"name\":\"" TS "\"},"
                 "{\"field\":\"d\",\"type\":\"int32\",\"optional\":false,\"name\":\"" DATE "\"},"
                 "{\"field\":\"t\",\"type\":\"int32\",\"optional\":false,\"name\":\"" TIME "\"},"
                 "{\"field\":\"n\",\"type\":\"int32\",\"optional\":false,\"name\":\"" DATE "\"}]}",
                 "{\"ts\":86400001,\"d\":19000,\"t\":3723004,\"n\":19000}");
        CHECK_INT(run(&sl_xf_cast_value, KV("spec", "ts:string,d:string,t:string,n:int64"), &r),
                  0);
        CHECK_JSON(r.value, "{\"ts\":\"1970-01-02T00:00:00.001Z\",\"d\":\"2022-01-08\","
                            "\"t\":\"01:02:03.004Z\",\"n\":19000}");
        sl_xrecord_clear(&r);
}

static void test_cast_null_and_non_struct(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, "{\"type\":\"struct\",\"optional\":true,\"fields\":[]}", NULL);
        CHECK_INT(run(&sl_xf_cast_value, KV("spec", "a:int8"), &r), 0);
        CHECK(r.value == NULL);
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, "{\"type\":\"int32\",\"optional\":false}", "5");
        CHECK(run(&sl_xf_cast_value, KV("spec", "a:int8"), &r) < 0);
        CHECK_STR(err, "Cannot list fields on non-struct type");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, "{\"type\":\"struct\",\"optional\":false,\"fields\":[]}",
                 "\"s\"");
        CHECK(run(&sl_xf_cast_value, KV("spec", "a:int8"), &r) < 0);
        CHECK_STR(err, "Only Struct objects supported for [cast types], found: "
                       "java.lang.String");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "[1]");
        CHECK(run(&sl_xf_cast_value, KV("spec", "a:int8"), &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for [cast types], "
                       "found: java.util.ArrayList");
        sl_xrecord_clear(&r);
}

/* ----------------------------------------------------------------- Flatten */

#define FLAT_SCHEMA(inner_opt, inner_default)                                          \
        "{\"type\":\"struct\",\"name\":\"top\",\"optional\":false,\"fields\":["        \
        "{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"                    \
        "{\"field\":\"inner\",\"type\":\"struct\",\"optional\":" inner_opt             \
        inner_default ",\"fields\":["                                                  \
        "{\"field\":\"x\",\"type\":\"string\",\"optional\":false},"                    \
        "{\"field\":\"y\",\"type\":\"int64\",\"optional\":false,\"default\":5}]},"     \
        "{\"field\":\"m\",\"type\":\"map\",\"optional\":false,"                        \
        "\"keys\":{\"type\":\"string\",\"optional\":false},"                           \
        "\"values\":{\"type\":\"int32\",\"optional\":false}}]}"

static void test_flatten_schemaless(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL,
                 "{\"a\":{\"b\":{\"c\":1},\"d\":\"x\"},\"e\":null,\"f\":[1,{\"g\":2}]}");
        CHECK_INT(run(&sl_xf_flatten_value, NULL, &r), 0);
        CHECK_JSON(r.value, "{\"a.b.c\":1,\"a.d\":\"x\",\"e\":null,\"f\":[1,{\"g\":2}]}");
        sl_xrecord_clear(&r);
}

static void test_flatten_key_delimiter(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, "{\"a\":{\"b\":1}}", NULL, "{\"a\":{\"b\":1}}");
        CHECK_INT(run(&sl_xf_flatten_key, KV("delimiter", "_"), &r), 0);
        CHECK_JSON(r.key, "{\"a_b\":1}");
        CHECK_JSON(r.value, "{\"a\":{\"b\":1}}");
        sl_xrecord_clear(&r);
}

static void test_flatten_optional_propagates(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, FLAT_SCHEMA("true", ""),
                 "{\"id\":1,\"inner\":{\"x\":\"a\"},\"m\":{\"k\":1}}");
        CHECK_INT(run(&sl_xf_flatten_value, NULL, &r), 0);
        CHECK_JSON(r.value_schema,
                   "{\"type\":\"struct\",\"optional\":false,\"name\":\"top\",\"fields\":["
                   "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
                   "{\"type\":\"string\",\"optional\":true,\"field\":\"inner.x\"},"
                   "{\"type\":\"int64\",\"optional\":true,\"default\":5,\"field\":\"inner.y\"},"
                   "{\"type\":\"map\",\"optional\":false,"
                   "\"keys\":{\"type\":\"string\",\"optional\":false},"
                   "\"values\":{\"type\":\"int32\",\"optional\":false},\"field\":\"m\"}]}");
        CHECK_JSON(r.value, "{\"id\":1,\"inner.x\":\"a\",\"inner.y\":5,\"m\":{\"k\":1}}");
        sl_xrecord_clear(&r);
}

static void test_flatten_parent_default_and_null_struct(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL,
                 FLAT_SCHEMA("false", ",\"default\":{\"x\":\"dx\",\"y\":6}"),
                 "{\"id\":1,\"m\":{}}");
        CHECK_INT(run(&sl_xf_flatten_value, NULL, &r), 0);
        CHECK_JSON(sl_schema_field(r.value_schema, "inner.x"),
                   "{\"type\":\"string\",\"optional\":false,\"default\":\"dx\","
                   "\"field\":\"inner.x\"}");
        CHECK_JSON(sl_schema_field(r.value_schema, "inner.y"),
                   "{\"type\":\"int64\",\"optional\":false,\"default\":5,"
                   "\"field\":\"inner.y\"}");
        /* Struct.get: the null inner struct reads as its default */
        CHECK_JSON(r.value, "{\"id\":1,\"inner.x\":\"dx\",\"inner.y\":6,\"m\":{}}");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, FLAT_SCHEMA("true", ""), "{\"id\":1,\"m\":{}}");
        CHECK_INT(run(&sl_xf_flatten_value, NULL, &r), 0);
        CHECK_JSON(r.value, "{\"id\":1,\"m\":{}}");
        sl_xrecord_clear(&r);
}

static void test_flatten_errors(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "\"s\"");
        CHECK(run(&sl_xf_flatten_value, NULL, &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for [flattening], "
                       "found: java.lang.String");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, FLAT_SCHEMA("true", ""), "[1]");
        CHECK(run(&sl_xf_flatten_value, NULL, &r) < 0);
        CHECK_STR(err, "Only Struct objects supported for [flattening], found: "
                       "java.util.ArrayList");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL,
                 "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                 "{\"field\":\"a.b\",\"type\":\"int32\",\"optional\":false},"
                 "{\"field\":\"a\",\"type\":\"struct\",\"optional\":false,\"fields\":["
                 "{\"field\":\"b\",\"type\":\"int32\",\"optional\":false}]}]}",
                 "{\"a.b\":1,\"a\":{\"b\":2}}");
        CHECK(run(&sl_xf_flatten_value, NULL, &r) < 0);
        CHECK_STR(err, "Cannot create field because of field name duplication a.b");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, FLAT_SCHEMA("true", ""), NULL);
        CHECK_INT(run(&sl_xf_flatten_value, NULL, &r), 0); /* tombstones pass */
        CHECK(r.value == NULL);
        sl_xrecord_clear(&r);
}

/* ------------------------------------------------------- SetSchemaMetadata */

#define SSM_SCHEMA                                                                     \
        "{\"type\":\"struct\",\"optional\":false,\"name\":\"old\",\"fields\":["        \
        "{\"field\":\"a\",\"type\":\"int32\",\"optional\":true,\"default\":3}]}"

static void test_ssm_value(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, SSM_SCHEMA, "{}");
        CHECK_INT(run(&sl_xf_set_schema_metadata_value,
                      KV("schema.name", "new", "schema.version", "7"), &r),
                  0);
        CHECK_JSON(r.value_schema,
                   "{\"type\":\"struct\",\"optional\":false,\"name\":\"new\",\"version\":7,"
                   "\"fields\":[{\"field\":\"a\",\"type\":\"int32\",\"optional\":true,"
                   "\"default\":3}]}");
        CHECK_JSON(r.value, "{\"a\":3}");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, SSM_SCHEMA, "{}");
        CHECK_INT(run(&sl_xf_set_schema_metadata_value,
                      KV("schema.version", "2", "replace.null.with.default", "false"), &r),
                  0);
        CHECK_STR(sl_json_object_get_str(r.value_schema, "name"), "old");
        CHECK_JSON(r.value, "{\"a\":null}");
        sl_xrecord_clear(&r);
}

static void test_ssm_key(void)
{
        sl_xrecord_t r;
        rec_init(&r, "{\"type\":\"string\",\"optional\":false}", "\"k\"", NULL, "1");
        CHECK_INT(run(&sl_xf_set_schema_metadata_key, KV("schema.name", "kn"), &r), 0);
        CHECK_JSON(r.key_schema, "{\"type\":\"string\",\"optional\":false,\"name\":\"kn\"}");
        CHECK_JSON(r.key, "\"k\"");
        CHECK(r.value_schema == NULL);
        sl_xrecord_clear(&r);
}

static void test_ssm_schemaless(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":1}");
        CHECK(run(&sl_xf_set_schema_metadata_value, KV("schema.name", "x"), &r) < 0);
        CHECK_STR(err, "Schema required for [updating schema metadata]");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, NULL);
        CHECK_INT(run(&sl_xf_set_schema_metadata_value, KV("schema.name", "x"), &r), 0);
        sl_xrecord_clear(&r);
}

static void test_ssm_config(void)
{
        check_config_error(&sl_xf_set_schema_metadata_value, NULL,
                           "Neither schema name nor version configured");
        check_config_error(&sl_xf_set_schema_metadata_key, KV("schema.version", "x"),
                           "Invalid value x for configuration schema.version: Not a number of "
                           "type INT");
}

/* ------------------------------------------------------ TimestampConverter */

static void test_tsc_unix_to_string(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "1704067200123");
        CHECK_INT(run(&sl_xf_timestamp_converter_value,
                      KV("target.type", "string", "format", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"), &r),
                  0);
        CHECK_JSON(r.value, "\"2024-01-01T00:00:00.123Z\"");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "1704067200123");
        CHECK_INT(run(&sl_xf_timestamp_converter_value,
                      KV("target.type", "string", "format", "EEE, d MMM yy hh:mm a z Z ''G''"),
                      &r),
                  0);
        CHECK_JSON(r.value, "\"Mon, 1 Jan 24 12:00 AM UTC +0000 'AD'\"");
        sl_xrecord_clear(&r);
}

static void test_tsc_string_with_offset_to_unix(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"ts\":\"2024-01-01T02:00:00.000+02:00\",\"o\":1}");
        CHECK_INT(run(&sl_xf_timestamp_converter_value,
                      KV("field", "ts", "target.type", "unix", "format",
                         "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"),
                      &r),
                  0);
        CHECK_JSON(r.value, "{\"ts\":1704067200000,\"o\":1}");
        sl_xrecord_clear(&r);
}

static void test_tsc_parse_variants(void)
{
        static const struct {
                const char *fmt, *in;
                long long want;
        } cases[] = {
                {"yyyy-MM-dd", "2024-13-01", 1735689600000LL}, /* lenient */
                {"dd MMM yyyy", "5 january 2024", 1704412800000LL},
                {"yyyyMMddHHmmss", "20240102030405", 1704164645000LL},
                {"hh:mm a", "01:30 PM", 48600000LL},
                {"yyyy-MM-dd HH:mm Z", "2024-01-01 01:00 +0100", 1704067200000LL},
                {"yyyy-MM-dd HH:mm z", "2024-01-01 01:00 GMT+01:00", 1704067200000LL},
                {"yyyy-MM-dd", "2024-01-01 and more", 1704067200000LL},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                sl_xrecord_t r;
                char v[128];
                snprintf(v, sizeof(v), "\"%s\"", cases[i].in);
                rec_init(&r, NULL, NULL, NULL, v);
                CHECK_INT(run(&sl_xf_timestamp_converter_value,
                              KV("target.type", "unix", "format", cases[i].fmt), &r),
                          0);
                CHECK(r.value && r.value->type == SL_JSON_INT);
                if (r.value && r.value->type == SL_JSON_INT && r.value->u.i != cases[i].want)
                        fprintf(stderr, "  %s / %s: %lld\n", cases[i].fmt, cases[i].in,
                                (long long)r.value->u.i);
                CHECK_INT(r.value ? r.value->u.i : 0, cases[i].want);
                sl_xrecord_clear(&r);
        }
}

static void test_tsc_schemaful_field_to_date(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL,
                 "{\"type\":\"struct\",\"optional\":false,\"name\":\"rec\",\"fields\":["
                 "{\"field\":\"t\",\"type\":\"int64\",\"optional\":true,\"name\":\"" TS
                 "\",\"version\":1},"
                 "{\"field\":\"o\",\"type\":\"string\",\"optional\":false}]}",
                 "{\"t\":1704153605000,\"o\":\"x\"}");
        CHECK_INT(run(&sl_xf_timestamp_converter_value, KV("field", "t", "target.type", "Date"),
                      &r),
                  0);
        CHECK_JSON(r.value_schema,
                   "{\"type\":\"struct\",\"optional\":false,\"name\":\"rec\",\"fields\":["
                   "{\"type\":\"int32\",\"optional\":true,\"name\":\"" DATE "\",\"version\":1,"
                   "\"field\":\"t\"},"
                   "{\"field\":\"o\",\"type\":\"string\",\"optional\":false}]}");
        CHECK_JSON(r.value, "{\"t\":19724,\"o\":\"x\"}");
        sl_xrecord_clear(&r);
}

static void test_tsc_schemaful_string_to_timestamp(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, "{\"type\":\"string\",\"optional\":false,\"name\":\"s\"}",
                 "\"2024-01-01\"");
        CHECK_INT(run(&sl_xf_timestamp_converter_value,
                      KV("target.type", "Timestamp", "format", "yyyy-MM-dd"), &r),
                  0);
        CHECK_JSON(r.value_schema, "{\"type\":\"int64\",\"optional\":false,\"name\":\"" TS
                                   "\",\"version\":1}");
        CHECK_JSON(r.value, "1704067200000");
        sl_xrecord_clear(&r);
}

static void test_tsc_time_and_precisions(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, "{\"type\":\"int64\",\"optional\":true,\"name\":\"" TS "\"}",
                 "1704070800123");
        CHECK_INT(run(&sl_xf_timestamp_converter_value, KV("target.type", "Time"), &r), 0);
        CHECK_JSON(r.value_schema, "{\"type\":\"int32\",\"optional\":true,\"name\":\"" TIME
                                   "\",\"version\":1}");
        CHECK_JSON(r.value, "3600123");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "{\"s\":1704067200}");
        CHECK_INT(run(&sl_xf_timestamp_converter_value,
                      KV("field", "s", "target.type", "Timestamp", "unix.precision", "seconds"),
                      &r),
                  0);
        CHECK_JSON(r.value, "{\"s\":1704067200000}");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, "{\"type\":\"int64\",\"optional\":false,\"name\":\"" TS "\"}",
                 "1704067200123");
        CHECK_INT(run(&sl_xf_timestamp_converter_value,
                      KV("target.type", "unix", "unix.precision", "nanoseconds"), &r),
                  0);
        CHECK_JSON(r.value, "1704067200123000000");
        CHECK_JSON(r.value_schema, "{\"type\":\"int64\",\"optional\":false}");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "1704067200123456");
        CHECK_INT(run(&sl_xf_timestamp_converter_value,
                      KV("target.type", "unix", "unix.precision", "microseconds"), &r),
                  0);
        CHECK_JSON(r.value, "1704067200123000"); /* micros -> Date -> micros */
        sl_xrecord_clear(&r);
}

static void test_tsc_key(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, "86400000", NULL, "86400000");
        CHECK_INT(run(&sl_xf_timestamp_converter_key,
                      KV("target.type", "string", "format", "yyyy/MM/dd"), &r),
                  0);
        CHECK_JSON(r.key, "\"1970/01/02\"");
        CHECK_JSON(r.value, "86400000");
        sl_xrecord_clear(&r);
}

static void test_tsc_config(void)
{
        check_config_error(&sl_xf_timestamp_converter_value, KV("target.type", "date"),
                           "Invalid value date for configuration target.type: String must be "
                           "one of: string, unix, Date, Time, Timestamp");
        check_config_error(&sl_xf_timestamp_converter_value,
                           KV("target.type", "unix", "unix.precision", "Seconds"),
                           "Invalid value Seconds for configuration unix.precision: String "
                           "must be one of: nanoseconds, microseconds, milliseconds, seconds");
        check_config_error(&sl_xf_timestamp_converter_value, KV("target.type", "string"),
                           "TimestampConverter requires format option to be specified when "
                           "using string timestamps");
        check_config_error(&sl_xf_timestamp_converter_value,
                           KV("target.type", "unix", "format", "yyyy-qq"),
                           "TimestampConverter requires a SimpleDateFormat-compatible pattern "
                           "for string timestamps: yyyy-qq");
        check_config_error(&sl_xf_timestamp_converter_value,
                           KV("target.type", "unix", "format", "yyyy'T"),
                           "TimestampConverter requires a SimpleDateFormat-compatible pattern "
                           "for string timestamps: yyyy'T");
        void *st = mk(&sl_xf_timestamp_converter_value, KV("target.type", " Date "));
        CHECK(st != NULL); /* ConfigDef trims strings */
        if (st)
                sl_xf_timestamp_converter_value.destroy(st);
}

static void test_tsc_data_errors(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "\"nope\"");
        CHECK(run(&sl_xf_timestamp_converter_value,
                  KV("target.type", "unix", "format", "yyyy-MM-dd"), &r) < 0);
        CHECK_STR(err, "Could not parse timestamp: value (nope) does not match pattern "
                       "(yyyy-MM-dd)");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, "{\"type\":\"int32\",\"optional\":false}", "5");
        CHECK(run(&sl_xf_timestamp_converter_value, KV("target.type", "unix"), &r) < 0);
        CHECK_STR(err, "Schema Schema{INT32} does not correspond to a known timestamp type "
                       "format");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "\"x\"");
        CHECK(run(&sl_xf_timestamp_converter_value, KV("field", "f", "target.type", "unix"),
                  &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for [converting "
                       "timestamp formats], found: java.lang.String");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "1.5");
        CHECK(run(&sl_xf_timestamp_converter_value, KV("target.type", "unix"), &r) < 0);
        CHECK_STR(err, "TimestampConverter does not support class java.lang.Double objects "
                       "as timestamps");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL,
                 "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                 "{\"field\":\"t\",\"type\":\"int64\",\"optional\":false,\"name\":\"" TS "\"}]}",
                 "{\"t\":\"soon\"}");
        CHECK(run(&sl_xf_timestamp_converter_value, KV("field", "t", "target.type", "unix"),
                  &r) < 0);
        CHECK_STR(err, "Expected Timestamp to be a java.util.Date, but found class "
                       "java.lang.String");
        sl_xrecord_clear(&r);
}

int main(void)
{
        RUN(test_v2k_schemaless);
        RUN(test_v2k_schemaful);
        RUN(test_v2k_keeps_null_without_default_replacement);
        RUN(test_v2k_missing_field);
        RUN(test_v2k_wrong_types);
        RUN(test_v2k_config);
        RUN(test_cast_config);
        RUN(test_cast_schemaless_fields);
        RUN(test_cast_key_whole_value);
        RUN(test_cast_schemaful_struct);
        RUN(test_cast_schemaful_whole_value);
        RUN(test_cast_bytes_to_base64);
        RUN(test_cast_floats_to_string_like_java);
        RUN(test_cast_string_out_of_range);
        RUN(test_cast_strings_to_numbers_and_booleans);
        RUN(test_cast_doubles_narrow_like_java);
        RUN(test_cast_unsupported_input);
        RUN(test_cast_decimal);
        RUN(test_cast_logical_dates_to_string);
        RUN(test_cast_null_and_non_struct);
        RUN(test_flatten_schemaless);
        RUN(test_flatten_key_delimiter);
        RUN(test_flatten_optional_propagates);
        RUN(test_flatten_parent_default_and_null_struct);
        RUN(test_flatten_errors);
        RUN(test_ssm_value);
        RUN(test_ssm_key);
        RUN(test_ssm_schemaless);
        RUN(test_ssm_config);
        RUN(test_tsc_unix_to_string);
        RUN(test_tsc_string_with_offset_to_unix);
        RUN(test_tsc_parse_variants);
        RUN(test_tsc_schemaful_field_to_date);
        RUN(test_tsc_schemaful_string_to_timestamp);
        RUN(test_tsc_time_and_precisions);
        RUN(test_tsc_key);
        RUN(test_tsc_config);
        RUN(test_tsc_data_errors);
        TEST_MAIN_END();
}
