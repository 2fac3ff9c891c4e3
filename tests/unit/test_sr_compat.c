/* Avro schema resolution as the registry's compatibility levels use it. */
#include <stdlib.h>
#include <string.h>

#include "schemareg/sr_int.h"
#include "sl_test.h"

static sl_json_t *J(const char *text) {
        char err[256];
        sl_json_t *j = sl_json_parse(text, strlen(text), err, sizeof(err));
        if (!j)
                fprintf(stderr, "bad test JSON: %s: %s\n", err, text);
        return j;
}

/* Can reader read what writer wrote? The reasons land in last_why. */
static char last_why[4096];

static bool reads(const char *reader, const char *writer) {
        sl_json_t *r = J(reader), *w = J(writer);
        sl_buf_t why = SL_BUF_INIT;
        bool ok = sr_compat_can_read(r, w, &why);

        snprintf(last_why, sizeof(last_why), "%s", why.data ? why.data : "");
        /* without a buffer the answer must be the same */
        CHECK(sr_compat_can_read(r, w, NULL) == ok);
        sl_buf_free(&why);
        sl_json_free(r);
        sl_json_free(w);
        return ok;
}

static bool check(int level, const char *schema, const char *const *prev, size_t n) {
        sl_json_t *s = J(schema);
        const sl_json_t *p[8];
        bool ok;

        for (size_t i = 0; i < n; i++)
                p[i] = J(prev[i]);
        ok = sr_compat_check(level, s, p, n, NULL);
        for (size_t i = 0; i < n; i++)
                sl_json_free((sl_json_t *)p[i]);
        sl_json_free(s);
        return ok;
}

#define V1 "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"name\",\"type\":\"string\"}]}"
#define V2_DEFAULT                                                                       \
        "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"name\",\"type\":\"string\"}," \
        "{\"name\":\"age\",\"type\":\"int\",\"default\":0}]}"
#define V2_NODEFAULT                                                                     \
        "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"name\",\"type\":\"string\"}," \
        "{\"name\":\"age\",\"type\":\"int\"}]}"
#define V0_EMPTY "{\"type\":\"record\",\"name\":\"User\",\"fields\":[]}"

static void test_levels_parse(void) {
        CHECK_INT(sr_compat_level("full_transitive"), SR_FULL_TRANSITIVE);
        CHECK_INT(sr_compat_level("BACKWARD"), SR_BACKWARD);
        CHECK_INT(sr_compat_level("NONE"), SR_NONE);
        CHECK_INT(sr_compat_level("sideways"), -1);
        CHECK_INT(sr_compat_level(NULL), -1);
        CHECK_STR(sr_compat_name(SR_FORWARD_TRANSITIVE), "FORWARD_TRANSITIVE");
}

static void test_add_field(void) {
        /* new reader, old data: the added field needs a default */
        CHECK(reads(V2_DEFAULT, V1));
        CHECK(!reads(V2_NODEFAULT, V1));
        CHECK(strstr(last_why, "READER_FIELD_MISSING_DEFAULT_VALUE") != NULL);
        CHECK(strstr(last_why, "/fields/1") != NULL);
        CHECK(strstr(last_why, "age") != NULL);
        /* old reader, new data: extra writer fields are skipped */
        CHECK(reads(V1, V2_NODEFAULT));
}

static void test_remove_field(void) {
        /* removing is BACKWARD compatible (the reader ignores it) ... */
        CHECK(reads(V0_EMPTY, V1));
        /* ... but not FORWARD: the old reader wants it and has no default */
        CHECK(!reads(V1, V0_EMPTY));
        const char *prev[] = {V1};
        CHECK(check(SR_BACKWARD, V0_EMPTY, prev, 1));
        CHECK(!check(SR_FORWARD, V0_EMPTY, prev, 1));
        CHECK(!check(SR_FULL, V0_EMPTY, prev, 1));
        const char *prev2[] = {V2_DEFAULT};
        CHECK(check(SR_FULL, V1, prev2, 1)); /* removing a field with a default */
}

static void test_promotions(void) {
        CHECK(reads("\"long\"", "\"int\""));
        CHECK(reads("\"float\"", "\"int\""));
        CHECK(reads("\"double\"", "\"int\""));
        CHECK(reads("\"float\"", "\"long\""));
        CHECK(reads("\"double\"", "\"long\""));
        CHECK(reads("\"double\"", "\"float\""));
        CHECK(reads("\"bytes\"", "\"string\""));
        CHECK(reads("\"string\"", "\"bytes\""));
        CHECK(!reads("\"int\"", "\"long\""));
        CHECK(strstr(last_why, "TYPE_MISMATCH") != NULL);
        CHECK(!reads("\"float\"", "\"double\""));
        CHECK(!reads("\"string\"", "\"int\""));
        CHECK(!reads("\"boolean\"", "\"null\""));
        CHECK(reads("{\"type\":\"long\"}", "\"int\""));
        /* a logical type does not change what is on the wire */
        CHECK(reads("{\"type\":\"int\",\"logicalType\":\"date\"}", "\"int\""));
        /* in a field */
        CHECK(reads("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}",
                    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"));
        CHECK(!reads("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",
                     "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}"));
        CHECK(strstr(last_why, "/fields/0/type") != NULL);
}

#define ENUM_AB "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}"
#define ENUM_ABC "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}"
#define ENUM_AB_DEFAULT "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"],\"default\":\"A\"}"

static void test_enums(void) {
        CHECK(reads(ENUM_ABC, ENUM_AB)); /* added symbol: new reader fine */
        CHECK(!reads(ENUM_AB, ENUM_ABC)); /* old reader meets C */
        CHECK(strstr(last_why, "MISSING_ENUM_SYMBOLS") != NULL);
        CHECK(strstr(last_why, "C") != NULL);
        CHECK(reads(ENUM_AB_DEFAULT, ENUM_ABC)); /* ... unless it has a default */
        CHECK(!reads("{\"type\":\"enum\",\"name\":\"F\",\"symbols\":[\"A\",\"B\"]}", ENUM_AB));
        CHECK(strstr(last_why, "NAME_MISMATCH") != NULL);
        const char *prev[] = {ENUM_AB};
        CHECK(check(SR_BACKWARD, ENUM_ABC, prev, 1));
        CHECK(!check(SR_FORWARD, ENUM_ABC, prev, 1));
}

static void test_unions(void) {
        /* widening: the new reader has more branches */
        CHECK(reads("[\"null\",\"string\",\"int\"]", "[\"null\",\"string\"]"));
        CHECK(!reads("[\"null\",\"string\"]", "[\"null\",\"string\",\"int\"]"));
        CHECK(strstr(last_why, "MISSING_UNION_BRANCH") != NULL);
        /* a plain writer type read by a union holding it (or a promotion) */
        CHECK(reads("[\"null\",\"string\"]", "\"string\""));
        CHECK(reads("[\"null\",\"long\"]", "\"int\""));
        CHECK(!reads("[\"null\",\"string\"]", "\"int\""));
        /* a union writer read by a plain reader: every branch must fit */
        CHECK(reads("\"long\"", "[\"int\",\"long\"]"));
        CHECK(!reads("\"string\"", "[\"null\",\"string\"]"));
        /* making an optional field */
        CHECK(reads("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":[\"null\",\"int\"],\"default\":null}]}",
                    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"));
        /* union branches that are records, matched by name */
        CHECK(reads("[\"null\",{\"type\":\"record\",\"name\":\"X\",\"fields\":[]}]",
                    "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"));
}

static void test_arrays_maps_fixed(void) {
        CHECK(reads("{\"type\":\"array\",\"items\":\"long\"}", "{\"type\":\"array\",\"items\":\"int\"}"));
        CHECK(!reads("{\"type\":\"array\",\"items\":\"int\"}", "{\"type\":\"array\",\"items\":\"long\"}"));
        CHECK(strstr(last_why, "/items") != NULL);
        CHECK(reads("{\"type\":\"map\",\"values\":\"double\"}", "{\"type\":\"map\",\"values\":\"float\"}"));
        CHECK(!reads("{\"type\":\"map\",\"values\":\"int\"}", "{\"type\":\"map\",\"values\":\"string\"}"));
        CHECK(!reads("{\"type\":\"map\",\"values\":\"int\"}", "{\"type\":\"array\",\"items\":\"int\"}"));
        CHECK(reads("{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}", "{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}"));
        CHECK(!reads("{\"type\":\"fixed\",\"name\":\"F\",\"size\":8}", "{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}"));
        CHECK(strstr(last_why, "FIXED_SIZE_MISMATCH") != NULL);
        CHECK(!reads("{\"type\":\"fixed\",\"name\":\"G\",\"size\":4}", "{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}"));
}

#define NESTED(inner_fields)                                                             \
        "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"com.x\",\"fields\":["      \
        "{\"name\":\"in\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":[" \
        inner_fields "]}},{\"name\":\"again\",\"type\":\"Inner\"},"                      \
        "{\"name\":\"full\",\"type\":\"com.x.Inner\"}]}"

static void test_nested_and_named_references(void) {
        const char *old = NESTED("{\"name\":\"a\",\"type\":\"int\"}");
        const char *added = NESTED("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"int\",\"default\":1}");
        const char *nodef = NESTED("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"int\"}");

        CHECK(reads(old, old));
        CHECK(reads(added, old));
        CHECK(!reads(nodef, old));
        /* the missing default shows up through the definition and both references */
        CHECK(strstr(last_why, "/fields/0/type/fields/1") != NULL);
        CHECK(strstr(last_why, "/fields/1/type/fields/1") != NULL);
        CHECK(strstr(last_why, "/fields/2/type/fields/1") != NULL);
        /* a reference to a name that is not defined */
        CHECK(!reads("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"Nope\"}]}",
                     "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"));
}

#define LIST(extra)                                                                      \
        "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"}," \
        "{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null}" extra "]}"

static void test_recursive(void) {
        CHECK(reads(LIST(""), LIST("")));
        CHECK(reads(LIST(",{\"name\":\"w\",\"type\":\"int\",\"default\":0}"), LIST("")));
        CHECK(!reads(LIST(",{\"name\":\"w\",\"type\":\"int\"}"), LIST("")));
}

static void test_record_names_and_aliases(void) {
        /* the unqualified name matters, the namespace does not */
        CHECK(reads("{\"type\":\"record\",\"name\":\"a.R\",\"fields\":[]}",
                    "{\"type\":\"record\",\"name\":\"b.R\",\"fields\":[]}"));
        CHECK(!reads("{\"type\":\"record\",\"name\":\"S\",\"fields\":[]}",
                     "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}"));
        CHECK(reads("{\"type\":\"record\",\"name\":\"S\",\"aliases\":[\"R\"],\"fields\":[]}",
                    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}"));
        /* a renamed field found through its alias */
        CHECK(reads("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"aliases\":[\"a\"],\"type\":\"int\"}]}",
                    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"));
        CHECK(!reads("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}",
                     "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"));
}

static void test_transitive(void) {
        /* v1: a; v2: a, b (default); v3: b only, without default.
         * v3 reads v2 (b is there) but not v1 (b missing, no default). */
        const char *v1 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
        const char *v2 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"int\",\"default\":0}]}";
        const char *v3 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}";
        const char *prev[] = {v1, v2};

        CHECK(check(SR_BACKWARD, v3, prev, 2));
        CHECK(!check(SR_BACKWARD_TRANSITIVE, v3, prev, 2));
        CHECK(check(SR_NONE, "\"string\"", prev, 2));
        CHECK(check(SR_FULL_TRANSITIVE, v2, prev, 1));
        /* FORWARD_TRANSITIVE: every old reader reads the new schema */
        const char *p2 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"default\":0},{\"name\":\"b\",\"type\":\"int\"}]}";
        const char *fprev[] = {v1, p2};
        const char *w = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}";
        CHECK(check(SR_FORWARD, w, fprev, 2));
        CHECK(!check(SR_FORWARD_TRANSITIVE, w, fprev, 2));
        CHECK(check(SR_FULL, w, fprev, 2));
        CHECK(!check(SR_FULL_TRANSITIVE, w, fprev, 2));
        CHECK(check(SR_BACKWARD, v1, prev, 0)); /* nothing before: always fine */
}

static bool valid(const char *schema) {
        char err[256] = "";
        sl_json_t *j = J(schema);
        bool ok = sr_compat_validate(j, err, sizeof(err));

        snprintf(last_why, sizeof(last_why), "%s", err);
        sl_json_free(j);
        return ok;
}

#define FIELD(type, def)                                                                 \
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":" type \
        ",\"default\":" def "}]}"

static void test_validation(void) {
        CHECK(valid(V2_DEFAULT));
        CHECK(valid(LIST("")));
        CHECK(valid("[\"null\",\"string\",{\"type\":\"record\",\"name\":\"X\",\"fields\":[]}]"));
        CHECK(!valid("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"a\",\"type\":\"long\"}]}"));
        CHECK(strstr(last_why, "Duplicate field a") != NULL);
        CHECK(!valid("[\"int\",\"string\",\"int\"]"));
        CHECK(strstr(last_why, "Duplicate in union") != NULL);
        CHECK(!valid("[\"null\",[\"int\"]]"));
        CHECK(valid("[{\"type\":\"fixed\",\"name\":\"A\",\"size\":1},{\"type\":\"fixed\",\"name\":\"B\",\"size\":1}]"));
        /* defaults */
        CHECK(valid(FIELD("\"int\"", "3")));
        CHECK(!valid(FIELD("\"int\"", "\"3\"")));
        CHECK(strstr(last_why, "Invalid default for field f") != NULL);
        CHECK(!valid(FIELD("\"int\"", "3000000000")));
        CHECK(valid(FIELD("\"long\"", "3000000000")));
        CHECK(valid(FIELD("\"double\"", "1")));
        CHECK(valid(FIELD("\"double\"", "1.5")));
        CHECK(!valid(FIELD("\"boolean\"", "null")));
        CHECK(valid(FIELD("[\"null\",\"string\"]", "null")));
        CHECK(valid(FIELD("[\"string\",\"null\"]", "null"))); /* any branch, like Java */
        CHECK(!valid(FIELD("[\"null\",\"string\"]", "1")));
        CHECK(valid(FIELD(ENUM_AB, "\"B\"")));
        CHECK(!valid(FIELD(ENUM_AB, "\"Z\"")));
        CHECK(valid(FIELD("{\"type\":\"array\",\"items\":\"int\"}", "[1,2]")));
        CHECK(!valid(FIELD("{\"type\":\"array\",\"items\":\"int\"}", "[1,\"x\"]")));
        CHECK(valid(FIELD("{\"type\":\"map\",\"values\":\"string\"}", "{\"k\":\"v\"}")));
        CHECK(valid(FIELD(V1, "{\"name\":\"n\"}")));
        CHECK(!valid(FIELD(V1, "{}"))); /* name has no default of its own */
        CHECK(valid(FIELD(V2_DEFAULT, "{\"name\":\"n\"}"))); /* age falls back to its default */
}

int main(void) {
        RUN(test_levels_parse);
        RUN(test_add_field);
        RUN(test_remove_field);
        RUN(test_promotions);
        RUN(test_enums);
        RUN(test_unions);
        RUN(test_arrays_maps_fixed);
        RUN(test_nested_and_named_references);
        RUN(test_recursive);
        RUN(test_record_names_and_aliases);
        RUN(test_transitive);
        RUN(test_validation);
        TEST_MAIN_END();
}
