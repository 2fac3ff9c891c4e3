/* InsertField, ReplaceField, MaskField, HoistField, ExtractField. */
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "sl_test.h"
#include "transform/transform.h"

extern const sl_transform_def_t sl_xf_insert_field_key, sl_xf_insert_field_value,
        sl_xf_replace_field_key, sl_xf_replace_field_value, sl_xf_mask_field_key,
        sl_xf_mask_field_value, sl_xf_hoist_field_key, sl_xf_hoist_field_value,
        sl_xf_extract_field_key, sl_xf_extract_field_value;

static char err[512];

static sl_json_t *J(const char *s)
{
        return s ? sl_json_parse(s, strlen(s), NULL, 0) : NULL;
}

/* Validate as the host does (defaults applied), then init. kv holds
 * key/value pairs and ends with NULL. */
static void *setup_rc(const sl_transform_def_t *d, const char *const *kv, int *rcp)
{
        sl_strmap_t *m = sl_strmap_new(), *full;
        sl_configdef_set_t set = {0};
        sl_config_errors_t *errs = sl_config_errors_new();
        void *st = NULL;

        err[0] = '\0';
        for (int i = 0; kv && kv[i]; i += 2)
                sl_strmap_set(m, kv[i], kv[i + 1]);
        sl_configdef_set_add(&set, d->config);
        sl_configdef_validate(&set, m, errs);
        if (sl_config_errors_count(errs)) {
                const char *key = sl_config_errors_key(errs, 0);
                snprintf(err, sizeof(err), "%s", sl_config_errors_key_at(errs, key, 0));
                *rcp = SL_ERR_CONFIG;
        } else {
                full = sl_configdef_apply_defaults(&set, m);
                *rcp = d->init(&st, d->part, full, err, sizeof(err));
                sl_strmap_destroy(full);
        }
        sl_config_errors_destroy(errs);
        sl_strmap_destroy(m);
        return st;
}

static void *setup(const sl_transform_def_t *d, const char *const *kv)
{
        int rc;
        void *st = setup_rc(d, kv, &rc);
        if (rc != 0)
                fprintf(stderr, "setup %s: %s\n", d->class_name, err);
        return st;
}

static int config_error(const sl_transform_def_t *d, const char *const *kv)
{
        int rc;
        void *st = setup_rc(d, kv, &rc);
        if (st)
                d->destroy(st);
        return rc;
}

static void rec_init(sl_xrecord_t *r, const char *ks, const char *k,
                     const char *vs, const char *v)
{
        memset(r, 0, sizeof(*r));
        r->topic = strdup("orders");
        r->partition = 3;
        r->timestamp = 1700000000000LL;
        r->key_schema = J(ks);
        r->key = J(k);
        r->value_schema = J(vs);
        r->value = J(v);
}

static bool eq(const sl_json_t *j, const char *want)
{
        sl_json_t *w = J(want);
        bool ok = sl_json_equal(j, w);
        if (!ok) {
                char *s = j ? sl_json_to_string(j) : strdup("NULL");
                fprintf(stderr, "  got %s\n  want %s\n", s, want);
                free(s);
        }
        sl_json_free(w);
        return ok;
}

/* Run one transform over one record; returns apply's result. */
static int run(const sl_transform_def_t *d, const char *const *kv, sl_xrecord_t *r)
{
        void *st = setup(d, kv);
        int rc;

        err[0] = '\0';
        rc = st ? d->apply(st, r, err, sizeof(err)) : -9999;
        if (st)
                d->destroy(st);
        return rc;
}

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

#define S_AB "{\"type\":\"struct\",\"name\":\"rec\",\"version\":2,\"optional\":true," \
             "\"fields\":[{\"field\":\"a\",\"type\":\"int32\",\"optional\":false}," \
             "{\"field\":\"b\",\"type\":\"string\",\"optional\":true}]}"

/* ----------------------------------------------------------- defs */

static void test_defs_named_like_kafka(void)
{
        CHECK_STR(sl_xf_insert_field_key.class_name,
                  "org.apache.kafka.connect.transforms.InsertField$Key");
        CHECK_STR(sl_xf_extract_field_value.class_name,
                  "org.apache.kafka.connect.transforms.ExtractField$Value");
        CHECK_INT(sl_xf_mask_field_key.part, SL_XPART_KEY);
        CHECK_INT(sl_xf_hoist_field_value.part, SL_XPART_VALUE);
        CHECK(sl_xf_replace_field_value.doc && sl_xf_replace_field_key.config);
}

/* --------------------------------------------------------- InsertField */

static void test_insert_schemaless(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":1}");
        CHECK_INT(run(&sl_xf_insert_field_value,
                      KV("topic.field", "t", "partition.field", "p!",
                         "timestamp.field", "ts?", "static.field", "s",
                         "static.value", "v"),
                      &r), 0);
        CHECK(eq(r.value, "{\"a\":1,\"t\":\"orders\",\"p\":3,"
                          "\"ts\":1700000000000,\"s\":\"v\"}"));
        CHECK(r.value_schema == NULL);
        sl_xrecord_clear(&r);
}

static void test_insert_schemaless_absent_metadata(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":1}");
        r.partition = -1;
        r.timestamp = -1;
        CHECK_INT(run(&sl_xf_insert_field_value,
                      KV("partition.field", "p", "timestamp.field", "ts"), &r), 0);
        CHECK(eq(r.value, "{\"a\":1}"));
        sl_xrecord_clear(&r);
}

static void test_insert_offset_absent(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, S_AB, "{\"a\":1,\"b\":null}");
        CHECK_INT(run(&sl_xf_insert_field_value, KV("offset.field", "off"), &r), 0);
        CHECK(sl_schema_field(r.value_schema, "off") == NULL);
        CHECK(sl_json_object_get(r.value, "off") == NULL);
        sl_xrecord_clear(&r);
}

static void test_insert_schemaful(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, S_AB, "{\"a\":1,\"b\":\"x\"}");
        CHECK_INT(run(&sl_xf_insert_field_value,
                      KV("topic.field", "t!", "partition.field", "p",
                         "timestamp.field", "ts", "static.field", "s!",
                         "static.value", "v"),
                      &r), 0);
        /* copySchemaBasics: name and version stay, optional does not */
        CHECK(eq(r.value_schema,
                 "{\"type\":\"struct\",\"optional\":false,\"name\":\"rec\",\"version\":2,"
                 "\"fields\":[{\"field\":\"a\",\"type\":\"int32\",\"optional\":false},"
                 "{\"field\":\"b\",\"type\":\"string\",\"optional\":true},"
                 "{\"field\":\"t\",\"type\":\"string\",\"optional\":false},"
                 "{\"field\":\"p\",\"type\":\"int32\",\"optional\":true},"
                 "{\"field\":\"ts\",\"type\":\"int64\",\"optional\":true,"
                 "\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},"
                 "{\"field\":\"s\",\"type\":\"string\",\"optional\":false}]}"));
        CHECK(eq(r.value, "{\"a\":1,\"b\":\"x\",\"t\":\"orders\",\"p\":3,"
                          "\"ts\":1700000000000,\"s\":\"v\"}"));
        sl_xrecord_clear(&r);
}

static void test_insert_schemaful_null_metadata(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, S_AB, "{\"a\":1,\"b\":null}");
        r.partition = -1;
        CHECK_INT(run(&sl_xf_insert_field_value, KV("partition.field", "p"), &r), 0);
        CHECK(sl_schema_field(r.value_schema, "p") != NULL);
        CHECK(eq(r.value, "{\"a\":1,\"b\":null,\"p\":null}"));
        sl_xrecord_clear(&r);
}

static void test_insert_key(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, "{\"id\":7}", NULL, "\"payload\"");
        CHECK_INT(run(&sl_xf_insert_field_key, KV("topic.field", "t"), &r), 0);
        CHECK(eq(r.key, "{\"id\":7,\"t\":\"orders\"}"));
        CHECK(eq(r.value, "\"payload\""));
        sl_xrecord_clear(&r);
}

static void test_insert_tombstone(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, S_AB, NULL);
        CHECK_INT(run(&sl_xf_insert_field_value, KV("topic.field", "t"), &r), 0);
        CHECK(r.value == NULL);
        CHECK(sl_schema_field(r.value_schema, "t") == NULL);
        sl_xrecord_clear(&r);
}

static void test_insert_replace_null_with_default(void)
{
        const char *s = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                        "{\"field\":\"a\",\"type\":\"int32\",\"optional\":true,\"default\":5}]}";
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, s, "{\"a\":null}");
        CHECK_INT(run(&sl_xf_insert_field_value, KV("topic.field", "t"), &r), 0);
        CHECK(eq(r.value, "{\"a\":5,\"t\":\"orders\"}"));
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, s, "{\"a\":null}");
        CHECK_INT(run(&sl_xf_insert_field_value,
                      KV("topic.field", "t", "replace.null.with.default", "false"), &r), 0);
        CHECK(eq(r.value, "{\"a\":null,\"t\":\"orders\"}"));
        sl_xrecord_clear(&r);
}

static void test_insert_data_errors(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "\"text\"");
        CHECK(run(&sl_xf_insert_field_value, KV("topic.field", "t"), &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for "
                       "[field insertion], found: java.lang.String");
        sl_xrecord_clear(&r);

        rec_init(&r, "{\"type\":\"int32\",\"optional\":false}", "5", NULL, NULL);
        CHECK(run(&sl_xf_insert_field_key, KV("topic.field", "t"), &r) < 0);
        CHECK_STR(err, "Only Struct objects supported for [field insertion], "
                       "found: java.lang.Integer");
        CHECK(eq(r.key, "5"));
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, S_AB, "{\"a\":1,\"b\":null}");
        CHECK(run(&sl_xf_insert_field_value, KV("topic.field", "a"), &r) < 0);
        CHECK_STR(err, "Cannot create field because of field name duplication a");
        CHECK(eq(r.value, "{\"a\":1,\"b\":null}"));
        sl_xrecord_clear(&r);
}

static void test_insert_config_errors(void)
{
        CHECK_INT(config_error(&sl_xf_insert_field_value, NULL), SL_ERR_CONFIG);
        CHECK_STR(err, "No field insertion configured");
        CHECK_INT(config_error(&sl_xf_insert_field_value, KV("static.field", "s")),
                  SL_ERR_CONFIG);
        CHECK_STR(err, "Invalid value null for configuration static.value: "
                       "No value specified for static field: s");
}

/* -------------------------------------------------------- ReplaceField */

static void test_replace_schemaless(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}");
        CHECK_INT(run(&sl_xf_replace_field_value,
                      KV("exclude", "c", "include", "a,b,c", "renames", "a:x,b:y"),
                      &r), 0);
        CHECK(eq(r.value, "{\"x\":1,\"y\":2}"));
        sl_xrecord_clear(&r);
}

static void test_replace_schemaful(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, S_AB, "{\"a\":1,\"b\":\"x\"}");
        CHECK_INT(run(&sl_xf_replace_field_value,
                      KV("exclude", "b", "renames", "a:id"), &r), 0);
        CHECK(eq(r.value_schema,
                 "{\"type\":\"struct\",\"optional\":false,\"name\":\"rec\",\"version\":2,"
                 "\"fields\":[{\"field\":\"id\",\"type\":\"int32\",\"optional\":false}]}"));
        CHECK(eq(r.value, "{\"id\":1}"));
        sl_xrecord_clear(&r);
}

static void test_replace_key_and_deprecated_aliases(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, "{\"a\":1,\"b\":2,\"c\":3}", NULL, NULL);
        CHECK_INT(run(&sl_xf_replace_field_key,
                      KV("whitelist", "a,b", "blacklist", "b"), &r), 0);
        CHECK(eq(r.key, "{\"a\":1}"));
        sl_xrecord_clear(&r);

        /* the new key wins over its alias */
        rec_init(&r, NULL, "{\"a\":1,\"b\":2,\"c\":3}", NULL, NULL);
        CHECK_INT(run(&sl_xf_replace_field_key,
                      KV("include", "c", "whitelist", "a"), &r), 0);
        CHECK(eq(r.key, "{\"c\":3}"));
        sl_xrecord_clear(&r);
}

static void test_replace_renames_syntax(void)
{
        sl_xrecord_t r;
        /* Java's split(":") drops trailing empty parts */
        rec_init(&r, NULL, NULL, NULL, "{\"a\":1}");
        CHECK_INT(run(&sl_xf_replace_field_value, KV("renames", "a:b::"), &r), 0);
        CHECK(eq(r.value, "{\"b\":1}"));
        sl_xrecord_clear(&r);

        CHECK_INT(config_error(&sl_xf_replace_field_value, KV("renames", "a:b,a:b:c")),
                  SL_ERR_CONFIG);
        CHECK_STR(err, "Invalid value a:b,a:b:c for configuration renames: "
                       "Invalid rename mapping: a:b:c");
        CHECK_INT(config_error(&sl_xf_replace_field_value, KV("renames", "a")),
                  SL_ERR_CONFIG);
}

static void test_replace_errors(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "[1]");
        CHECK(run(&sl_xf_replace_field_value, KV("exclude", "a"), &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for "
                       "[field replacement], found: java.util.ArrayList");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, S_AB, "{\"a\":1,\"b\":\"x\"}");
        CHECK(run(&sl_xf_replace_field_value, KV("renames", "a:b"), &r) < 0);
        CHECK_STR(err, "Cannot create field because of field name duplication b");
        CHECK(eq(r.value, "{\"a\":1,\"b\":\"x\"}"));
        sl_xrecord_clear(&r);
}

static void test_replace_tombstone(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, NULL);
        CHECK_INT(run(&sl_xf_replace_field_value, KV("exclude", "a"), &r), 0);
        CHECK(r.value == NULL);
        sl_xrecord_clear(&r);
}

/* ----------------------------------------------------------- MaskField */

static void test_mask_schemaless(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL,
                 "{\"i\":5,\"d\":2.5,\"s\":\"x\",\"b\":true,\"l\":[1],"
                 "\"m\":{\"k\":1},\"n\":null,\"keep\":9}");
        CHECK_INT(run(&sl_xf_mask_field_value,
                      KV("fields", "i,d,s,b,l,m,n,missing"), &r), 0);
        CHECK(eq(r.value, "{\"i\":0,\"d\":0.0,\"s\":\"\",\"b\":false,\"l\":[],"
                          "\"m\":{},\"n\":null,\"keep\":9,\"missing\":null}"));
        sl_xrecord_clear(&r);
}

#define S_TYPES                                                                \
        "{\"type\":\"struct\",\"optional\":false,\"fields\":["                 \
        "{\"field\":\"i8\",\"type\":\"int8\",\"optional\":false},"             \
        "{\"field\":\"f\",\"type\":\"float\",\"optional\":false},"             \
        "{\"field\":\"ts\",\"type\":\"int64\",\"optional\":false,"             \
        "\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}," \
        "{\"field\":\"dec\",\"type\":\"bytes\",\"optional\":false,"            \
        "\"name\":\"org.apache.kafka.connect.data.Decimal\","                  \
        "\"parameters\":{\"scale\":\"2\"}},"                                   \
        "{\"field\":\"m\",\"type\":\"map\",\"optional\":false,"                \
        "\"keys\":{\"type\":\"string\",\"optional\":false},"                   \
        "\"values\":{\"type\":\"int32\",\"optional\":false}},"                 \
        "{\"field\":\"keep\",\"type\":\"string\",\"optional\":false}]}"

static void test_mask_schemaful(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, S_TYPES, NULL);
        r.value = sl_json_object();
        sl_json_object_set(r.value, "i8", sl_json_int(7));
        sl_json_object_set(r.value, "f", sl_json_double(1.5));
        sl_json_object_set(r.value, "ts", sl_json_int(99));
        sl_json_object_set(r.value, "dec", sl_json_bytes("\x30\x39", 2));
        sl_json_object_set(r.value, "m", J("{\"k\":1}"));
        sl_json_object_set(r.value, "keep", sl_json_string("k"));
        CHECK_INT(run(&sl_xf_mask_field_value, KV("fields", "i8,f,ts,dec,m"), &r), 0);
        CHECK(eq(sl_json_object_get(r.value, "i8"), "0"));
        CHECK(eq(sl_json_object_get(r.value, "f"), "0.0"));
        CHECK(eq(sl_json_object_get(r.value, "ts"), "0"));
        CHECK(eq(sl_json_object_get(r.value, "m"), "{}"));
        CHECK(eq(sl_json_object_get(r.value, "keep"), "\"k\""));
        const sl_json_t *dec = sl_json_object_get(r.value, "dec");
        CHECK(dec && dec->type == SL_JSON_BYTES && dec->u.str.len == 1 &&
              dec->u.str.ptr[0] == 0);
        sl_xrecord_clear(&r);
}

static void test_mask_replacement(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, S_TYPES, NULL);
        r.value = sl_json_object();
        sl_json_object_set(r.value, "i8", sl_json_int(7));
        sl_json_object_set(r.value, "f", sl_json_double(1.5));
        sl_json_object_set(r.value, "dec", sl_json_bytes("\x30\x39", 2));
        sl_json_object_set(r.value, "keep", sl_json_string("k"));
        /* narrowed like a Java cast: (byte)300 == 44 */
        CHECK_INT(run(&sl_xf_mask_field_value,
                      KV("fields", "i8,f,dec,keep", "replacement", "300"), &r), 0);
        CHECK(eq(sl_json_object_get(r.value, "i8"), "44"));
        CHECK(eq(sl_json_object_get(r.value, "f"), "300.0"));
        CHECK(eq(sl_json_object_get(r.value, "keep"), "\"300\""));
        /* 300 at scale 2 is unscaled 30000 = 0x7530 */
        const sl_json_t *dec = sl_json_object_get(r.value, "dec");
        CHECK(dec && dec->type == SL_JSON_BYTES && dec->u.str.len == 2 &&
              (unsigned char)dec->u.str.ptr[0] == 0x75 &&
              (unsigned char)dec->u.str.ptr[1] == 0x30);
        sl_xrecord_clear(&r);

        /* Decimal replacements: exact at the schema's scale (2), any size */
        rec_init(&r, NULL, NULL, S_TYPES, NULL);
        r.value = sl_json_object();
        sl_json_object_set(r.value, "dec", sl_json_bytes("\x30\x39", 2));
        CHECK_INT(run(&sl_xf_mask_field_value,
                      KV("fields", "dec", "replacement", "-1.5e-1"), &r), 0);
        dec = sl_json_object_get(r.value, "dec");
        CHECK(dec && dec->u.str.len == 1 &&
              (unsigned char)dec->u.str.ptr[0] == 0xf1); /* -15 */
        CHECK(run(&sl_xf_mask_field_value,
                  KV("fields", "dec", "replacement", "1.234"), &r) < 0);
        CHECK_STR(err, "Unable to convert 1.234 (class java.lang.String) to number");
        /* 2^64 at scale 2: 1844674407370955161600 = 64 00 * 8 */
        CHECK_INT(run(&sl_xf_mask_field_value,
                      KV("fields", "dec", "replacement", "18446744073709551616"), &r), 0);
        dec = sl_json_object_get(r.value, "dec");
        CHECK(dec && dec->u.str.len == 9 &&
              (unsigned char)dec->u.str.ptr[0] == 0x64);
        /* no replacement: BigDecimal.ZERO */
        CHECK_INT(run(&sl_xf_mask_field_value, KV("fields", "dec"), &r), 0);
        dec = sl_json_object_get(r.value, "dec");
        CHECK(dec && dec->u.str.len == 1 && dec->u.str.ptr[0] == 0);
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "{\"n\":10,\"s\":\"x\"}");
        CHECK_INT(run(&sl_xf_mask_field_value,
                      KV("fields", "n,s", "replacement", "-12.9"), &r), 0);
        CHECK(eq(r.value, "{\"n\":-12,\"s\":\"-12.9\"}"));
        sl_xrecord_clear(&r);
}

static void test_mask_key(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, "{\"ssn\":\"123\"}", NULL, "{\"ssn\":\"123\"}");
        CHECK_INT(run(&sl_xf_mask_field_key, KV("fields", "ssn", "replacement", "***"), &r), 0);
        CHECK(eq(r.key, "{\"ssn\":\"***\"}"));
        CHECK(eq(r.value, "{\"ssn\":\"123\"}"));
        sl_xrecord_clear(&r);
}

static void test_mask_tombstone(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, S_AB, NULL);
        CHECK_INT(run(&sl_xf_mask_field_value, KV("fields", "a"), &r), 0);
        CHECK(r.value == NULL);
        sl_xrecord_clear(&r);
}

static void test_mask_data_errors(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"b\":true,\"s\":\"x\"}");
        CHECK(run(&sl_xf_mask_field_value, KV("fields", "s,b", "replacement", "x"), &r) < 0);
        CHECK_STR(err, "Cannot mask value of type class java.lang.Boolean with "
                       "custom replacement.");
        CHECK(eq(r.value, "{\"b\":true,\"s\":\"x\"}")); /* untouched */
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "{\"n\":1}");
        CHECK(run(&sl_xf_mask_field_value, KV("fields", "n", "replacement", "abc"), &r) < 0);
        CHECK_STR(err, "Unable to convert abc (class java.lang.String) to number");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL,
                 "{\"type\":\"struct\",\"optional\":false,\"fields\":[{\"field\":\"s\","
                 "\"type\":\"struct\",\"optional\":false,\"fields\":[]}]}",
                 "{\"s\":{}}");
        CHECK(run(&sl_xf_mask_field_value, KV("fields", "s"), &r) < 0);
        CHECK_STR(err, "Cannot mask value of type: class org.apache.kafka.connect.data.Struct");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "7");
        CHECK(run(&sl_xf_mask_field_value, KV("fields", "n"), &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for "
                       "[mask fields], found: java.lang.Long");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, "{\"type\":\"string\",\"optional\":false}", "\"x\"");
        CHECK(run(&sl_xf_mask_field_value, KV("fields", "n"), &r) < 0);
        CHECK_STR(err, "Only Struct objects supported for [mask fields], "
                       "found: java.lang.String");
        sl_xrecord_clear(&r);
}

static void test_mask_config_errors(void)
{
        CHECK_INT(config_error(&sl_xf_mask_field_value, NULL), SL_ERR_CONFIG);
        CHECK_STR(err, "Missing required configuration \"fields\" which has no "
                       "default value.");
        CHECK_INT(config_error(&sl_xf_mask_field_value, KV("fields", " , ")), SL_ERR_CONFIG);
        CHECK_STR(err, "Invalid value  ,  for configuration fields: Empty list");
        CHECK_INT(config_error(&sl_xf_mask_field_value, KV("fields", "a", "replacement", "")),
                  SL_ERR_CONFIG);
        CHECK_STR(err, "Invalid value  for configuration replacement: String must "
                       "be non-empty");
}

/* ---------------------------------------------------------- HoistField */

static void test_hoist_schemaless(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, "42", NULL, "\"v\"");
        CHECK_INT(run(&sl_xf_hoist_field_key, KV("field", "id"), &r), 0);
        CHECK(eq(r.key, "{\"id\":42}"));
        CHECK(eq(r.value, "\"v\""));
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, NULL);
        CHECK_INT(run(&sl_xf_hoist_field_value, KV("field", "v"), &r), 0);
        CHECK(eq(r.value, "{\"v\":null}"));
        sl_xrecord_clear(&r);
}

static void test_hoist_schemaful(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, "{\"type\":\"int64\",\"optional\":true}", "9");
        CHECK_INT(run(&sl_xf_hoist_field_value, KV("field", "n"), &r), 0);
        CHECK(eq(r.value_schema, "{\"type\":\"struct\",\"optional\":false,\"fields\":"
                                 "[{\"field\":\"n\",\"type\":\"int64\",\"optional\":true}]}"));
        CHECK(eq(r.value, "{\"n\":9}"));
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, "{\"type\":\"string\",\"optional\":false}", NULL);
        CHECK(run(&sl_xf_hoist_field_value, KV("field", "n"), &r) < 0);
        CHECK_STR(err, "Invalid value: null used for required field: \"n\", "
                       "schema type: STRING");
        sl_xrecord_clear(&r);
}

static void test_hoist_config_error(void)
{
        CHECK_INT(config_error(&sl_xf_hoist_field_value, NULL), SL_ERR_CONFIG);
        CHECK_STR(err, "Missing required configuration \"field\" which has no "
                       "default value.");
}

/* -------------------------------------------------------- ExtractField */

static void test_extract_schemaless(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":{\"b\":1},\"c\":2}");
        CHECK_INT(run(&sl_xf_extract_field_value, KV("field", "a"), &r), 0);
        CHECK(eq(r.value, "{\"b\":1}"));
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, "{\"a\":1}", NULL, NULL);
        CHECK_INT(run(&sl_xf_extract_field_key, KV("field", "zz"), &r), 0);
        CHECK(r.key == NULL);
        sl_xrecord_clear(&r);
}

static void test_extract_schemaful(void)
{
        sl_xrecord_t r;
        rec_init(&r, S_AB, "{\"a\":1,\"b\":\"x\"}", NULL, NULL);
        CHECK_INT(run(&sl_xf_extract_field_key, KV("field", "b"), &r), 0);
        CHECK(eq(r.key_schema, "{\"type\":\"string\",\"optional\":true}"));
        CHECK(eq(r.key, "\"x\""));
        sl_xrecord_clear(&r);

        /* null passes through, with the field's schema */
        rec_init(&r, NULL, NULL, S_AB, NULL);
        CHECK_INT(run(&sl_xf_extract_field_value, KV("field", "a"), &r), 0);
        CHECK(eq(r.value_schema, "{\"type\":\"int32\",\"optional\":false}"));
        CHECK(r.value == NULL);
        sl_xrecord_clear(&r);
}

static void test_extract_default(void)
{
        const char *s = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                        "{\"field\":\"a\",\"type\":\"string\",\"optional\":true,"
                        "\"default\":\"dflt\"}]}";
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, s, "{\"a\":null}");
        CHECK_INT(run(&sl_xf_extract_field_value, KV("field", "a"), &r), 0);
        CHECK(eq(r.value, "\"dflt\""));
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, s, "{\"a\":null}");
        CHECK_INT(run(&sl_xf_extract_field_value,
                      KV("field", "a", "replace.null.with.default", "false"), &r), 0);
        CHECK(r.value == NULL);
        sl_xrecord_clear(&r);
}

static void test_extract_v2_paths(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "{\"a\":{\"b\":{\"c\":3}},\"x.y\":{\"z\":4}}");
        CHECK_INT(run(&sl_xf_extract_field_value,
                      KV("field", "a.b.c", "field.syntax.version", "v2"), &r), 0);
        CHECK(eq(r.value, "3"));
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "{\"a\":1,\"x.y\":{\"z\":4}}");
        CHECK_INT(run(&sl_xf_extract_field_value,
                      KV("field", "`x.y`.z", "field.syntax.version", "V2"), &r), 0);
        CHECK(eq(r.value, "4"));
        sl_xrecord_clear(&r);

        /* \` keeps a backtick that would otherwise close the step */
        rec_init(&r, NULL, NULL, NULL, "{\"a`.b\":{\"c\":7}}");
        CHECK_INT(run(&sl_xf_extract_field_value,
                      KV("field", "`a\\`.b`.c", "field.syntax.version", "V2"), &r), 0);
        CHECK(eq(r.value, "7"));
        sl_xrecord_clear(&r);

        /* V1 takes the dotted name literally */
        rec_init(&r, NULL, NULL, NULL, "{\"a.b\":5,\"a\":{\"b\":6}}");
        CHECK_INT(run(&sl_xf_extract_field_value, KV("field", "a.b"), &r), 0);
        CHECK(eq(r.value, "5"));
        sl_xrecord_clear(&r);

        /* a missing step reads as null */
        rec_init(&r, NULL, NULL, NULL, "{\"a\":null}");
        CHECK_INT(run(&sl_xf_extract_field_value,
                      KV("field", "a.b", "field.syntax.version", "V2"), &r), 0);
        CHECK(r.value == NULL);
        sl_xrecord_clear(&r);
}

static void test_extract_v2_schemaful(void)
{
        const char *s = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
                        "{\"field\":\"in\",\"type\":\"struct\",\"optional\":false,\"fields\":["
                        "{\"field\":\"n\",\"type\":\"int16\",\"optional\":false}]},"
                        "{\"field\":\"s\",\"type\":\"string\",\"optional\":false}]}";
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, s, "{\"in\":{\"n\":12},\"s\":\"q\"}");
        CHECK_INT(run(&sl_xf_extract_field_value,
                      KV("field", "in.n", "field.syntax.version", "V2"), &r), 0);
        CHECK(eq(r.value_schema, "{\"type\":\"int16\",\"optional\":false}"));
        CHECK(eq(r.value, "12"));
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, s, "{\"in\":{\"n\":12},\"s\":\"q\"}");
        CHECK(run(&sl_xf_extract_field_value,
                  KV("field", "s.x", "field.syntax.version", "V2"), &r) < 0);
        CHECK_STR(err, "Cannot look up fields on non-struct type");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, s, "{\"in\":{\"n\":12},\"s\":\"q\"}");
        CHECK(run(&sl_xf_extract_field_value,
                  KV("field", "in.m", "field.syntax.version", "V2"), &r) < 0);
        CHECK_STR(err, "Unknown field: in.m");
        CHECK(eq(r.value, "{\"in\":{\"n\":12},\"s\":\"q\"}"));
        sl_xrecord_clear(&r);
}

static void test_extract_data_errors(void)
{
        sl_xrecord_t r;
        rec_init(&r, NULL, NULL, NULL, "5");
        CHECK(run(&sl_xf_extract_field_value, KV("field", "a"), &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for "
                       "[field extraction], found: java.lang.Long");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, NULL, "{\"a\":\"s\"}");
        CHECK(run(&sl_xf_extract_field_value,
                  KV("field", "a.b", "field.syntax.version", "V2"), &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for "
                       "[nested field access], found: java.lang.String");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, S_AB, "{\"a\":1,\"b\":null}");
        CHECK(run(&sl_xf_extract_field_value, KV("field", "zz"), &r) < 0);
        CHECK_STR(err, "Unknown field: zz");
        sl_xrecord_clear(&r);

        rec_init(&r, NULL, NULL, "{\"type\":\"map\",\"optional\":false,"
                 "\"keys\":{\"type\":\"string\",\"optional\":false},"
                 "\"values\":{\"type\":\"string\",\"optional\":false}}", "{\"a\":\"b\"}");
        CHECK(run(&sl_xf_extract_field_value, KV("field", "a"), &r) < 0);
        CHECK_STR(err, "Only Struct objects supported for [field extraction], "
                       "found: java.util.HashMap");
        sl_xrecord_clear(&r);
}

static void test_extract_config_errors(void)
{
        CHECK_INT(config_error(&sl_xf_extract_field_value,
                               KV("field", "a", "field.syntax.version", "V3")),
                  SL_ERR_CONFIG);
        CHECK_STR(err, "Invalid value V3 for configuration field.syntax.version: "
                       "String must be one of (case insensitive): V1, V2");
        CHECK_INT(config_error(&sl_xf_extract_field_value,
                               KV("field", "`a.b", "field.syntax.version", "V2")),
                  SL_ERR_CONFIG);
        CHECK_STR(err, "Incomplete backtick pair in path: [`a.b], consider adding "
                       "a backslash before backtick at position 0 to escape it");
        CHECK_INT(config_error(&sl_xf_extract_field_value, NULL), SL_ERR_CONFIG);
}

int main(void)
{
        RUN(test_defs_named_like_kafka);
        RUN(test_insert_schemaless);
        RUN(test_insert_schemaless_absent_metadata);
        RUN(test_insert_offset_absent);
        RUN(test_insert_schemaful);
        RUN(test_insert_schemaful_null_metadata);
        RUN(test_insert_key);
        RUN(test_insert_tombstone);
        RUN(test_insert_replace_null_with_default);
        RUN(test_insert_data_errors);
        RUN(test_insert_config_errors);
        RUN(test_replace_schemaless);
        RUN(test_replace_schemaful);
        RUN(test_replace_key_and_deprecated_aliases);
        RUN(test_replace_renames_syntax);
        RUN(test_replace_errors);
        RUN(test_replace_tombstone);
        RUN(test_mask_schemaless);
        RUN(test_mask_schemaful);
        RUN(test_mask_replacement);
        RUN(test_mask_key);
        RUN(test_mask_tombstone);
        RUN(test_mask_data_errors);
        RUN(test_mask_config_errors);
        RUN(test_hoist_schemaless);
        RUN(test_hoist_schemaful);
        RUN(test_hoist_config_error);
        RUN(test_extract_schemaless);
        RUN(test_extract_schemaful);
        RUN(test_extract_default);
        RUN(test_extract_v2_paths);
        RUN(test_extract_v2_schemaful);
        RUN(test_extract_data_errors);
        RUN(test_extract_config_errors);
        TEST_MAIN_END();
}
