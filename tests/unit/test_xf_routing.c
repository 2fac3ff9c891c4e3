/* Routing and header SMTs and predicates (xf_routing.c), configured as
 * the host does: validated against their tables, defaults applied. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "transform/transform.h"
#include "sl_test.h"

extern const sl_transform_def_t sl_xf_regex_router, sl_xf_timestamp_router, sl_xf_filter,
        sl_xf_insert_header, sl_xf_drop_headers, sl_xf_header_from_key, sl_xf_header_from_value;
extern const sl_predicate_def_t sl_xp_topic_name_matches, sl_xp_has_header_key,
        sl_xp_record_is_tombstone;

static char err[1024];

/* key/value pairs up to NULL -> validated config with defaults, or NULL
 * with the first error in err */
static sl_strmap_t *host_config(const sl_config_def_t *table, va_list ap) {
        sl_strmap_t *m = sl_strmap_new(), *full = NULL;
        sl_configdef_set_t set = {0};
        sl_config_errors_t *errs = sl_config_errors_new();
        const char *k;

        while ((k = va_arg(ap, const char *)))
                sl_strmap_set(m, k, va_arg(ap, const char *));
        sl_configdef_set_add(&set, table);
        sl_configdef_validate(&set, m, errs);
        if (sl_config_errors_count(errs)) {
                const char *key = sl_config_errors_key(errs, 0);
                snprintf(err, sizeof(err), "%s", sl_config_errors_key_at(errs, key, 0));
        } else {
                full = sl_configdef_apply_defaults(&set, m);
        }
        sl_config_errors_destroy(errs);
        sl_strmap_destroy(m);
        return full;
}

static int xf_new(const sl_transform_def_t *def, void **st, ...) {
        va_list ap;
        sl_strmap_t *cfg;
        int rc;

        err[0] = '\0';
        *st = NULL;
        va_start(ap, st);
        cfg = host_config(def->config, ap);
        va_end(ap);
        if (!cfg)
                return SL_ERR_CONFIG;
        rc = def->init(st, def->part, cfg, err, sizeof(err));
        sl_strmap_destroy(cfg);
        return rc;
}

static int xp_new(const sl_predicate_def_t *def, void **st, ...) {
        va_list ap;
        sl_strmap_t *cfg;
        int rc;

        err[0] = '\0';
        *st = NULL;
        va_start(ap, st);
        cfg = host_config(def->config, ap);
        va_end(ap);
        if (!cfg)
                return SL_ERR_CONFIG;
        rc = def->init(st, cfg, err, sizeof(err));
        sl_strmap_destroy(cfg);
        return rc;
}

static sl_json_t *J(const char *s) { return sl_json_parse(s, strlen(s), NULL, 0); }

static sl_xrecord_t rec(const char *topic) {
        sl_xrecord_t r = {0};
        r.topic = strdup(topic);
        r.timestamp = -1;
        return r;
}

static int apply(const sl_transform_def_t *def, void *st, sl_xrecord_t *r) {
        err[0] = '\0';
        return def->apply(st, r, err, sizeof(err));
}

static bool json_is(const sl_json_t *j, const char *text) {
        char *s = sl_json_to_string(j);
        bool ok = s && !strcmp(s, text);
        if (!ok)
                fprintf(stderr, "  got %s, want %s\n", s ? s : "(null)", text);
        free(s);
        return ok;
}

/* The topic RegexRouter makes of topic, or NULL when apply failed. */
static char *routed(const char *regex, const char *replacement, const char *topic) {
        void *st;
        sl_xrecord_t r;
        char *out = NULL;

        if (xf_new(&sl_xf_regex_router, &st, "regex", regex, "replacement", replacement,
                   NULL) != 0) {
                fprintf(stderr, "  init: %s\n", err);
                return NULL;
        }
        r = rec(topic);
        if (apply(&sl_xf_regex_router, st, &r) == 0)
                out = strdup(r.topic);
        sl_xrecord_clear(&r);
        sl_xf_regex_router.destroy(st);
        return out;
}

#define CHECK_ROUTED(re, rep, topic, want)                                                   \
        do {                                                                                 \
                char *_t = routed(re, rep, topic);                                           \
                CHECK_STR(_t, want);                                                         \
                free(_t);                                                                    \
        } while (0)

/* ------------------------------------------------------------ RegexRouter */

static void test_regex_router_group_reference(void) {
        CHECK_ROUTED("(.*)", "prefix-$1", "orders", "prefix-orders");
        CHECK_ROUTED("(.*)-(\\d+)", "$2.$1", "orders-42", "42.orders");
        CHECK_ROUTED("(?:db)\\.(\\w+)\\.(\\w+)", "$2", "db.shop.orders", "orders");
        CHECK_ROUTED("(?<env>[a-z]+)_(?<name>.+)", "${name}-${env}", "prod_users", "users-prod");
}

static void test_regex_router_whole_topic_only(void) {
        /* matches(), not find(): a partial match leaves the topic alone */
        CHECK_ROUTED("foo", "bar", "foobar", "foobar");
        CHECK_ROUTED("a|b", "x", "ab", "ab");
        CHECK_ROUTED("a|b", "x", "b", "x");
}

static void test_regex_router_classes(void) {
        CHECK_ROUTED("[\\w.-]+\\.v[0-9]{1,3}", "ok", "my-topic.name.v12", "ok");
        CHECK_ROUTED("[^.]+\\.(.*)", "$1", "a.b.c", "b.c");
        CHECK_ROUTED("\\p{Upper}+", "up", "ABC", "up");
        CHECK_ROUTED("[]^-]+", "odd", "]^-", "odd");
        CHECK_ROUTED("(?i)orders", "o", "ORDERS", "o");
        CHECK_ROUTED("\\Q.+\\E(.*)", "$1", ".+x", "x");
}

static void test_regex_router_replacement_syntax(void) {
        CHECK_ROUTED("(.*)", "\\$1-$1", "t", "$1-t");
        /* "$11" with one group: group 1 then a literal 1 */
        CHECK_ROUTED("(.*)", "$11", "t", "t1");
        CHECK_ROUTED("(a)?(.*)", "[$1]$2", "bc", "[]bc");
        CHECK_ROUTED("(.*)", "$0!", "t", "t!");
        /* lazy quantifiers keep the overall match */
        CHECK_ROUTED("(.*?)-(.*)", "$1", "a-b", "a");
}

static void test_regex_router_replacement_errors(void) {
        CHECK(routed("(.*)", "$2", "t") == NULL);
        CHECK_STR(err, "No group 2");
        CHECK(routed("(.*)", "x$", "t") == NULL);
        CHECK_STR(err, "Illegal group reference: group index is missing");
        CHECK(routed("(.*)", "${nope}", "t") == NULL);
        CHECK_STR(err, "No group with name {nope}");
        CHECK(routed("(.*)", "\\", "t") == NULL);
        CHECK_STR(err, "character to be escaped is missing");
        /* like Java, only a matching topic evaluates the replacement */
        CHECK_ROUTED("x(.*)", "$9", "t", "t");
}

static void test_regex_router_keeps_rest_of_record(void) {
        void *st;
        sl_xrecord_t r = rec("a");

        CHECK_INT(xf_new(&sl_xf_regex_router, &st, "regex", "a", "replacement", "b", NULL), 0);
        r.partition = 3;
        r.value = J("{\"x\":1}");
        sl_xrecord_add_header(&r, "h", NULL, J("1"));
        CHECK_INT(apply(&sl_xf_regex_router, st, &r), 0);
        CHECK_STR(r.topic, "b");
        CHECK_INT(r.partition, 3);
        CHECK_INT((int)r.header_cnt, 1);
        CHECK(json_is(r.value, "{\"x\":1}"));
        sl_xrecord_clear(&r);
        sl_xf_regex_router.destroy(st);
}

static void test_regex_router_config_errors(void) {
        void *st;

        CHECK(xf_new(&sl_xf_regex_router, &st, "replacement", "x", NULL) < 0);
        CHECK_STR(err, "Missing required configuration \"regex\" which has no default value.");
        CHECK(xf_new(&sl_xf_regex_router, &st, "regex", "(a", "replacement", "x", NULL) < 0);
        CHECK(strstr(err, "Invalid value (a for configuration regex: Invalid regex: ") == err);
        CHECK(xf_new(&sl_xf_regex_router, &st, "regex", "a)", "replacement", "x", NULL) < 0);
        CHECK(strstr(err, "Unmatched closing ')'") != NULL);
        /* constructs POSIX cannot express are refused, not approximated */
        CHECK(xf_new(&sl_xf_regex_router, &st, "regex", "(?=a)a", "replacement", "x", NULL) < 0);
        CHECK(strstr(err, "Unsupported group construct") != NULL);
        CHECK(xf_new(&sl_xf_regex_router, &st, "regex", "a*+", "replacement", "x", NULL) < 0);
        CHECK(strstr(err, "Possessive") != NULL);
        CHECK(xf_new(&sl_xf_regex_router, &st, "regex", "a", NULL) < 0);
        CHECK_STR(err, "Missing required configuration \"replacement\" which has no default "
                       "value.");
}

/* -------------------------------------------------------- TimestampRouter */

static char *ts_routed(const char *tf, const char *df, const char *topic, int64_t ts) {
        void *st;
        sl_xrecord_t r;
        char *out = NULL;
        int rc = tf ? xf_new(&sl_xf_timestamp_router, &st, "topic.format", tf,
                             "timestamp.format", df, NULL)
                    : xf_new(&sl_xf_timestamp_router, &st, NULL);

        if (rc != 0)
                return NULL;
        r = rec(topic);
        r.timestamp = ts;
        if (apply(&sl_xf_timestamp_router, st, &r) == 0)
                out = strdup(r.topic);
        sl_xrecord_clear(&r);
        sl_xf_timestamp_router.destroy(st);
        return out;
}

#define CHECK_TS(tf, df, topic, ts, want)                                                    \
        do {                                                                                 \
                char *_t = ts_routed(tf, df, topic, ts);                                     \
                CHECK_STR(_t, want);                                                         \
                free(_t);                                                                    \
        } while (0)

/* 2023-11-14T22:13:20.045Z, a Tuesday */
#define TS 1700000000045LL

static void test_timestamp_router_defaults(void) {
        CHECK_TS(NULL, NULL, "orders", TS, "orders-20231114");
}

static void test_timestamp_router_formats(void) {
        CHECK_TS("${timestamp}_${topic}", "yyyy-MM-dd'T'HH:mm:ss.SSSZ", "t", TS,
                 "2023-11-14T22:13:20.045+0000_t");
        CHECK_TS("${topic}", "'x'", "t", TS, "t");
        CHECK_TS("${topic}.${timestamp}", "EEE, d MMM yy h:mm a", "t", TS,
                 "t.Tue, 14 Nov 23 10:13 PM");
        CHECK_TS("${timestamp}", "EEEE MMMM D 'o''clock' ''z XXX G", "t", TS,
                 "Tuesday November 318 o'clock 'UTC Z AD");
        CHECK_TS("${timestamp}", "k K u F W zzzz", "t", 1700006400000LL, /* 00:00 Wed 15th */
                 "24 0 3 3 3 Coordinated Universal Time");
        /* before the epoch (-1 itself means "no timestamp") */
        CHECK_TS("${timestamp}", "yyyy-MM-dd HH:mm:ss.SSS", "t", -2, "1969-12-31 23:59:59.998");
        CHECK_TS("${timestamp}", "yy", "t", -86400000LL * 365 * 100, "70");
}

static void test_timestamp_router_week_year(void) {
        /* 2024-12-31 is a Tuesday in the week holding 2025-01-01 (US rules) */
        CHECK_TS("${timestamp}", "YYYY-ww", "t", 1735603200000LL, "2025-01");
        CHECK_TS("${timestamp}", "yyyy-w", "t", 1704844800000LL, "2024-2"); /* 2024-01-10 */
}

static void test_timestamp_router_missing_timestamp(void) {
        void *st;
        sl_xrecord_t r = rec("t");

        CHECK_INT(xf_new(&sl_xf_timestamp_router, &st, NULL), 0);
        CHECK(apply(&sl_xf_timestamp_router, st, &r) < 0);
        CHECK(strstr(err, "Timestamp missing on record: ") == err);
        CHECK_STR(r.topic, "t");
        sl_xrecord_clear(&r);
        sl_xf_timestamp_router.destroy(st);
}

static void test_timestamp_router_bad_pattern(void) {
        void *st;

        CHECK(xf_new(&sl_xf_timestamp_router, &st, "timestamp.format", "yyyyq", NULL) < 0);
        CHECK_STR(err, "Illegal pattern character 'q'");
        CHECK(xf_new(&sl_xf_timestamp_router, &st, "timestamp.format", "'abc", NULL) < 0);
        CHECK_STR(err, "Unterminated quote");
}

/* ----------------------------------------------------------------- Filter */

static void test_filter_drops(void) {
        void *st;
        sl_xrecord_t r = rec("t");

        CHECK_INT(xf_new(&sl_xf_filter, &st, NULL), 0);
        CHECK_INT(apply(&sl_xf_filter, st, &r), 1);
        sl_xrecord_clear(&r);
        sl_xf_filter.destroy(st);
}

/* ----------------------------------------------------------- InsertHeader */

/* The header InsertHeader adds for literal, as "schema|value" JSON. */
static void check_literal(const char *literal, const char *schema, const char *value) {
        void *st;
        sl_xrecord_t r = rec("t");

        CHECK_INT(xf_new(&sl_xf_insert_header, &st, "header", "h", "value.literal", literal,
                         NULL), 0);
        CHECK_INT(apply(&sl_xf_insert_header, st, &r), 0);
        CHECK_INT((int)r.header_cnt, 1);
        if (r.header_cnt == 1) {
                CHECK_STR(r.headers[0].key, "h");
                CHECK(json_is(r.headers[0].schema, schema));
                CHECK(json_is(r.headers[0].value, value));
        }
        sl_xrecord_clear(&r);
        sl_xf_insert_header.destroy(st);
}

static void test_insert_header_integers(void) {
        check_literal("42", "{\"type\":\"int8\",\"optional\":false}", "42");
        check_literal("-300", "{\"type\":\"int16\",\"optional\":false}", "-300");
        check_literal("70000", "{\"type\":\"int32\",\"optional\":false}", "70000");
        check_literal("5000000000", "{\"type\":\"int64\",\"optional\":false}", "5000000000");
        check_literal(" 7 ", "{\"type\":\"int8\",\"optional\":false}", "7");
        check_literal("1.0", "{\"type\":\"int8\",\"optional\":false}", "1");
        check_literal("1e3", "{\"type\":\"int16\",\"optional\":false}", "1000");
        check_literal("-9223372036854775808", "{\"type\":\"int64\",\"optional\":false}",
                      "-9223372036854775808");
}

static void test_insert_header_decimals(void) {
        check_literal("1.5", "{\"type\":\"float32\",\"optional\":false}", "1.5");
        check_literal("1e300", "{\"type\":\"float64\",\"optional\":false}", "1e+300");
        /* beyond a long with scale 0: a Decimal, unscaled 2^64 = 01 00..00 */
        check_literal("18446744073709551616",
                      "{\"type\":\"bytes\",\"optional\":false,"
                      "\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                      "\"parameters\":{\"scale\":\"0\"}}",
                      "\"AQAAAAAAAAAA\"");
        check_literal("-18446744073709551616",
                      "{\"type\":\"bytes\",\"optional\":false,"
                      "\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                      "\"parameters\":{\"scale\":\"0\"}}",
                      "\"/wAAAAAAAAAA\"");
}

static void test_insert_header_decimal_scales(void) {
        /* -1E400 overflows a double: unscaled -1 at scale -400 */
        check_literal("-1E400",
                      "{\"type\":\"bytes\",\"optional\":false,"
                      "\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                      "\"parameters\":{\"scale\":\"-400\"}}",
                      "\"/w==\"");
}

static void test_insert_header_other_literals(void) {
        check_literal("true", "{\"type\":\"boolean\",\"optional\":false}", "true");
        check_literal("false", "{\"type\":\"boolean\",\"optional\":false}", "false");
        check_literal("hello world", "{\"type\":\"string\",\"optional\":false}",
                      "\"hello world\"");
        check_literal("", "{\"type\":\"string\",\"optional\":false}", "\"\"");
        check_literal("null", "{\"type\":\"string\",\"optional\":false}", "\"null\"");
        check_literal("12abc", "{\"type\":\"string\",\"optional\":false}", "\"12abc\"");
        check_literal("2024-01-31",
                      "{\"type\":\"int32\",\"optional\":false,"
                      "\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1}",
                      "19753");
        check_literal("2024-01-31T00:00:01.500Z",
                      "{\"type\":\"int64\",\"optional\":false,"
                      "\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}",
                      "1706659201500");
        check_literal("01:00:00.000Z",
                      "{\"type\":\"int32\",\"optional\":false,"
                      "\"name\":\"org.apache.kafka.connect.data.Time\",\"version\":1}",
                      "3600000");
}

static void test_insert_header_appends(void) {
        void *st;
        sl_xrecord_t r = rec("t");

        sl_xrecord_add_header(&r, "h", NULL, J("\"old\""));
        CHECK_INT(xf_new(&sl_xf_insert_header, &st, "header", "h", "value.literal", "new", NULL),
                  0);
        CHECK_INT(apply(&sl_xf_insert_header, st, &r), 0);
        CHECK_INT((int)r.header_cnt, 2);
        CHECK(json_is(r.headers[1].value, "\"new\""));
        sl_xrecord_clear(&r);
        sl_xf_insert_header.destroy(st);
}

static void test_insert_header_config_errors(void) {
        void *st;
        CHECK(xf_new(&sl_xf_insert_header, &st, "header", "h", NULL) < 0);
        CHECK_STR(err, "Missing required configuration \"value.literal\" which has no default "
                       "value.");
}

/* ------------------------------------------------------------ DropHeaders */

static void test_drop_headers(void) {
        void *st;
        sl_xrecord_t r = rec("t");

        sl_xrecord_add_header(&r, "a", NULL, J("1"));
        sl_xrecord_add_header(&r, "b", NULL, J("2"));
        sl_xrecord_add_header(&r, "a", NULL, J("3"));
        sl_xrecord_add_header(&r, "c", NULL, NULL);
        CHECK_INT(xf_new(&sl_xf_drop_headers, &st, "headers", "a, c, zz", NULL), 0);
        CHECK_INT(apply(&sl_xf_drop_headers, st, &r), 0);
        CHECK_INT((int)r.header_cnt, 1);
        CHECK_STR(r.headers[0].key, "b");
        sl_xrecord_clear(&r);
        sl_xf_drop_headers.destroy(st);
}

static void test_drop_headers_config_errors(void) {
        void *st;
        CHECK(xf_new(&sl_xf_drop_headers, &st, "headers", "", NULL) < 0);
        CHECK_STR(err, "Invalid value  for configuration headers: Empty list");
        CHECK(xf_new(&sl_xf_drop_headers, &st, NULL) < 0);
        CHECK_STR(err, "Missing required configuration \"headers\" which has no default value.");
}

/* ------------------------------------------------------------- HeaderFrom */

#define STRUCT_SCHEMA                                                                        \
        "{\"type\":\"struct\",\"fields\":["                                                   \
        "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"                           \
        "{\"type\":\"string\",\"optional\":true,\"field\":\"name\"},"                         \
        "{\"type\":\"boolean\",\"optional\":false,\"field\":\"ok\"}],"                        \
        "\"optional\":true,\"name\":\"r\",\"version\":2}"

static void *header_from(const sl_transform_def_t *def, const char *fields, const char *headers,
                         const char *op) {
        void *st;
        if (xf_new(def, &st, "fields", fields, "headers", headers, "operation", op, NULL) != 0) {
                fprintf(stderr, "  init: %s\n", err);
                return NULL;
        }
        return st;
}

static void test_header_from_schemaless_copy(void) {
        void *st = header_from(&sl_xf_header_from_value, "id,missing", "h_id,h_missing", "copy");
        sl_xrecord_t r = rec("t");

        r.value = J("{\"id\":7,\"name\":\"x\"}");
        CHECK_INT(apply(&sl_xf_header_from_value, st, &r), 0);
        CHECK(json_is(r.value, "{\"id\":7,\"name\":\"x\"}"));
        CHECK_INT((int)r.header_cnt, 2);
        CHECK_STR(r.headers[0].key, "h_id");
        CHECK(r.headers[0].schema == NULL);
        CHECK(json_is(r.headers[0].value, "7"));
        CHECK_STR(r.headers[1].key, "h_missing");
        CHECK(r.headers[1].value == NULL);
        sl_xrecord_clear(&r);
        sl_xf_header_from_value.destroy(st);
}

static void test_header_from_schemaless_move(void) {
        void *st = header_from(&sl_xf_header_from_value, "id", "h", "move");
        sl_xrecord_t r = rec("t");

        r.value = J("{\"id\":7,\"name\":\"x\"}");
        CHECK_INT(apply(&sl_xf_header_from_value, st, &r), 0);
        CHECK(json_is(r.value, "{\"name\":\"x\"}"));
        CHECK(json_is(r.headers[0].value, "7"));
        sl_xrecord_clear(&r);
        sl_xf_header_from_value.destroy(st);
}

static void test_header_from_schema_copy(void) {
        void *st = header_from(&sl_xf_header_from_value, "name,id", "hn,hi", "copy");
        sl_xrecord_t r = rec("t");

        r.value_schema = J(STRUCT_SCHEMA);
        r.value = J("{\"id\":1,\"name\":null,\"ok\":true}");
        CHECK_INT(apply(&sl_xf_header_from_value, st, &r), 0);
        CHECK(json_is(r.value_schema, STRUCT_SCHEMA));
        CHECK_INT((int)r.header_cnt, 2);
        CHECK(json_is(r.headers[0].schema, "{\"type\":\"string\",\"optional\":true}"));
        CHECK(r.headers[0].value == NULL);
        CHECK(json_is(r.headers[1].schema, "{\"type\":\"int32\",\"optional\":false}"));
        CHECK(json_is(r.headers[1].value, "1"));
        sl_xrecord_clear(&r);
        sl_xf_header_from_value.destroy(st);
}

static void test_header_from_schema_move(void) {
        void *st = header_from(&sl_xf_header_from_value, "id,ok", "a,b", "move");
        sl_xrecord_t r = rec("t");

        r.value_schema = J(STRUCT_SCHEMA);
        r.value = J("{\"id\":1,\"name\":\"n\",\"ok\":true}");
        CHECK_INT(apply(&sl_xf_header_from_value, st, &r), 0);
        /* copySchemaBasics: name and version kept, optional not */
        CHECK(json_is(r.value_schema,
                      "{\"type\":\"struct\",\"fields\":["
                      "{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}],"
                      "\"optional\":false,\"name\":\"r\",\"version\":2}"));
        CHECK(json_is(r.value, "{\"name\":\"n\"}"));
        CHECK(json_is(r.headers[1].schema, "{\"type\":\"boolean\",\"optional\":false}"));
        CHECK(json_is(r.headers[1].value, "true"));
        sl_xrecord_clear(&r);
        sl_xf_header_from_value.destroy(st);
}

static void test_header_from_schema_defaults(void) {
        void *st = header_from(&sl_xf_header_from_value, "a", "h", "move");
        sl_xrecord_t r = rec("t");

        /* Struct.get() reads a null field as its default */
        r.value_schema = J("{\"type\":\"struct\",\"fields\":["
                           "{\"type\":\"int32\",\"optional\":true,\"default\":5,\"field\":\"a\"},"
                           "{\"type\":\"int32\",\"optional\":true,\"default\":6,\"field\":\"b\"}],"
                           "\"optional\":false}");
        r.value = J("{\"a\":null,\"b\":null}");
        CHECK_INT(apply(&sl_xf_header_from_value, st, &r), 0);
        CHECK(json_is(r.headers[0].value, "5"));
        CHECK(json_is(r.value, "{\"b\":6}"));
        sl_xrecord_clear(&r);
        sl_xf_header_from_value.destroy(st);
}

static void test_header_from_key(void) {
        void *st = header_from(&sl_xf_header_from_key, "k", "hk", "move");
        sl_xrecord_t r = rec("t");

        r.key = J("{\"k\":\"v\"}");
        r.value = J("{\"k\":\"other\"}");
        CHECK_INT(apply(&sl_xf_header_from_key, st, &r), 0);
        CHECK(json_is(r.key, "{}"));
        CHECK(json_is(r.value, "{\"k\":\"other\"}"));
        CHECK(json_is(r.headers[0].value, "\"v\""));
        sl_xrecord_clear(&r);
        sl_xf_header_from_key.destroy(st);
}

static void test_header_from_data_errors(void) {
        void *st = header_from(&sl_xf_header_from_value, "id", "h", "move");
        sl_xrecord_t r = rec("t");

        r.value = J("\"text\"");
        CHECK(apply(&sl_xf_header_from_value, st, &r) < 0);
        CHECK_STR(err, "Only Map objects supported in absence of schema for [header move], "
                       "found: java.lang.String");
        sl_json_free(r.value);
        r.value = NULL;
        r.value_schema = J(STRUCT_SCHEMA);
        CHECK(apply(&sl_xf_header_from_value, st, &r) < 0);
        CHECK_STR(err, "Only Struct objects supported for [header move], found: null");
        sl_json_free(r.value_schema);
        r.value_schema = J("{\"type\":\"int64\",\"optional\":false}");
        r.value = J("5");
        CHECK(apply(&sl_xf_header_from_value, st, &r) < 0);
        CHECK_STR(err, "Only Struct objects supported for [header move], found: java.lang.Long");
        sl_json_free(r.value_schema);
        sl_json_free(r.value);
        r.value_schema = J("{\"type\":\"struct\",\"fields\":[],\"optional\":false}");
        r.value = J("{}");
        CHECK(apply(&sl_xf_header_from_value, st, &r) < 0);
        CHECK_STR(err, "id is not a valid field name");
        CHECK_INT((int)r.header_cnt, 0);
        sl_xrecord_clear(&r);
        sl_xf_header_from_value.destroy(st);
}

static void test_header_from_config_errors(void) {
        void *st;

        CHECK(xf_new(&sl_xf_header_from_value, &st, "fields", "a,b", "headers", "x",
                     "operation", "copy", NULL) < 0);
        CHECK_STR(err, "'fields' config must have the same number of elements as 'headers' "
                       "config.");
        CHECK(xf_new(&sl_xf_header_from_value, &st, "fields", "a", "headers", "x", "operation",
                     "rename", NULL) < 0);
        CHECK_STR(err, "Invalid value rename for configuration operation: String must be one "
                       "of: move, copy");
        CHECK(xf_new(&sl_xf_header_from_value, &st, "fields", "a", "headers", "x", "operation",
                     "MOVE", NULL) < 0);
        CHECK(xf_new(&sl_xf_header_from_value, &st, "fields", "", "headers", "", "operation",
                     "copy", NULL) < 0);
        CHECK(strstr(err, "Empty list") != NULL);
}

/* ------------------------------------------------------------- predicates */

static void test_topic_name_matches(void) {
        void *st;
        sl_xrecord_t a = rec("orders-eu"), b = rec("my-orders-eu");

        CHECK_INT(xp_new(&sl_xp_topic_name_matches, &st, "pattern", "orders-.*", NULL), 0);
        CHECK(sl_xp_topic_name_matches.test(st, &a));
        CHECK(!sl_xp_topic_name_matches.test(st, &b));
        sl_xp_topic_name_matches.destroy(st);
        sl_xrecord_clear(&a);
        sl_xrecord_clear(&b);
}

static void test_topic_name_matches_config_errors(void) {
        void *st;

        CHECK(xp_new(&sl_xp_topic_name_matches, &st, "pattern", "", NULL) < 0);
        CHECK_STR(err, "Invalid value  for configuration pattern: String must be non-empty");
        CHECK(xp_new(&sl_xp_topic_name_matches, &st, "pattern", "[a", NULL) < 0);
        CHECK(strstr(err, "Invalid value [a for configuration pattern: Invalid regex: ") == err);
        CHECK(xp_new(&sl_xp_topic_name_matches, &st, NULL) < 0);
}

static void test_has_header_key(void) {
        void *st;
        sl_xrecord_t r = rec("t");

        CHECK_INT(xp_new(&sl_xp_has_header_key, &st, "name", "trace", NULL), 0);
        CHECK(!sl_xp_has_header_key.test(st, &r));
        sl_xrecord_add_header(&r, "other", NULL, NULL);
        CHECK(!sl_xp_has_header_key.test(st, &r));
        sl_xrecord_add_header(&r, "trace", NULL, NULL);
        CHECK(sl_xp_has_header_key.test(st, &r));
        sl_xp_has_header_key.destroy(st);
        sl_xrecord_clear(&r);
        CHECK(xp_new(&sl_xp_has_header_key, &st, "name", "", NULL) < 0);
        CHECK_STR(err, "Invalid value  for configuration name: String must be non-empty");
}

static void test_record_is_tombstone(void) {
        void *st;
        sl_xrecord_t r = rec("t");

        CHECK_INT(xp_new(&sl_xp_record_is_tombstone, &st, NULL), 0);
        r.key = J("1");
        CHECK(sl_xp_record_is_tombstone.test(st, &r));
        r.value = J("{}");
        CHECK(!sl_xp_record_is_tombstone.test(st, &r));
        sl_xp_record_is_tombstone.destroy(st);
        sl_xrecord_clear(&r);
}

static void test_class_names(void) {
        CHECK_STR(sl_xf_regex_router.class_name, "org.apache.kafka.connect.transforms.RegexRouter");
        CHECK_STR(sl_xf_header_from_key.class_name,
                  "org.apache.kafka.connect.transforms.HeaderFrom$Key");
        CHECK_INT(sl_xf_header_from_value.part, SL_XPART_VALUE);
        CHECK_STR(sl_xp_has_header_key.class_name,
                  "org.apache.kafka.connect.transforms.predicates.HasHeaderKey");
}

int main(void) {
        RUN(test_regex_router_group_reference);
        RUN(test_regex_router_whole_topic_only);
        RUN(test_regex_router_classes);
        RUN(test_regex_router_replacement_syntax);
        RUN(test_regex_router_replacement_errors);
        RUN(test_regex_router_keeps_rest_of_record);
        RUN(test_regex_router_config_errors);
        RUN(test_timestamp_router_defaults);
        RUN(test_timestamp_router_formats);
        RUN(test_timestamp_router_week_year);
        RUN(test_timestamp_router_missing_timestamp);
        RUN(test_timestamp_router_bad_pattern);
        RUN(test_filter_drops);
        RUN(test_insert_header_integers);
        RUN(test_insert_header_decimals);
        RUN(test_insert_header_decimal_scales);
        RUN(test_insert_header_other_literals);
        RUN(test_insert_header_appends);
        RUN(test_insert_header_config_errors);
        RUN(test_drop_headers);
        RUN(test_drop_headers_config_errors);
        RUN(test_header_from_schemaless_copy);
        RUN(test_header_from_schemaless_move);
        RUN(test_header_from_schema_copy);
        RUN(test_header_from_schema_move);
        RUN(test_header_from_schema_defaults);
        RUN(test_header_from_key);
        RUN(test_header_from_data_errors);
        RUN(test_header_from_config_errors);
        RUN(test_topic_name_matches);
        RUN(test_topic_name_matches_config_errors);
        RUN(test_has_header_key);
        RUN(test_record_is_tombstone);
        RUN(test_class_names);
        TEST_MAIN_END();
}
