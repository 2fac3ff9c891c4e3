/* The built-in transform and predicate registry: complete and consistent. */
#include <string.h>

#include "sl_test.h"
#include "transform/chain.h"

static const char *const kafka_transforms[] = {
        "InsertField$Key", "InsertField$Value", "ReplaceField$Key", "ReplaceField$Value",
        "MaskField$Key", "MaskField$Value", "ValueToKey", "HoistField$Key", "HoistField$Value",
        "ExtractField$Key", "ExtractField$Value", "Cast$Key", "Cast$Value",
        "TimestampConverter$Key", "TimestampConverter$Value", "Flatten$Key", "Flatten$Value",
        "RegexRouter", "TimestampRouter", "SetSchemaMetadata$Key", "SetSchemaMetadata$Value",
        "Filter", "InsertHeader", "DropHeaders", "HeaderFrom$Key", "HeaderFrom$Value", NULL};

static void test_every_kafka_transform_is_there(void) {
        for (int i = 0; kafka_transforms[i]; i++) {
                char full[256];
                snprintf(full, sizeof(full), "org.apache.kafka.connect.transforms.%s",
                         kafka_transforms[i]);
                CHECK(sl_transform_find(kafka_transforms[i]) != NULL);
                CHECK(sl_transform_find(full) == sl_transform_find(kafka_transforms[i]));
        }
        CHECK(sl_transform_find("Nope") == NULL);
}

static void test_every_predicate_is_there(void) {
        CHECK(sl_predicate_find("TopicNameMatches") != NULL);
        CHECK(sl_predicate_find("HasHeaderKey") != NULL);
        CHECK(sl_predicate_find("RecordIsTombstone") != NULL);
        CHECK(sl_predicate_find(
                      "org.apache.kafka.connect.transforms.predicates.HasHeaderKey") != NULL);
}

static void test_defs_are_complete_and_unique(void) {
        for (int i = 0; sl_transform_defs[i]; i++) {
                const sl_transform_def_t *d = sl_transform_defs[i];
                CHECK(d->class_name && d->init && d->apply && d->doc);
                for (int k = i + 1; sl_transform_defs[k]; k++)
                        CHECK(strcmp(d->class_name, sl_transform_defs[k]->class_name) != 0);
        }
        for (int i = 0; sl_predicate_defs[i]; i++)
                CHECK(sl_predicate_defs[i]->init && sl_predicate_defs[i]->test);
}

/* A real chain end to end: a predicate-gated route plus a header. */
static void test_real_chain(void) {
        sl_config_errors_t *errs = sl_config_errors_new();
        sl_strmap_t *cfg = sl_strmap_new();
        sl_xchain_t *c;
        sl_xrecord_t r = {.topic = strdup("orders"), .partition = -1, .timestamp = -1};
        char err[256];

        sl_strmap_set(cfg, "transforms", "route,hdr");
        sl_strmap_set(cfg, "transforms.route.type", "RegexRouter");
        sl_strmap_set(cfg, "transforms.route.regex", "(.*)s");
        sl_strmap_set(cfg, "transforms.route.replacement", "$1-v2");
        sl_strmap_set(cfg, "transforms.route.predicate", "isorders");
        sl_strmap_set(cfg, "transforms.hdr.type", "InsertHeader");
        sl_strmap_set(cfg, "transforms.hdr.header", "via");
        sl_strmap_set(cfg, "transforms.hdr.value.literal", "sluice");
        sl_strmap_set(cfg, "predicates", "isorders");
        sl_strmap_set(cfg, "predicates.isorders.type", "TopicNameMatches");
        sl_strmap_set(cfg, "predicates.isorders.pattern", "ord.*");
        c = sl_xchain_new(cfg, errs);
        CHECK(c != NULL);
        CHECK_INT(sl_xchain_apply(c, &r, err, sizeof(err)), 0);
        CHECK_STR(r.topic, "order-v2");
        CHECK_INT((int)r.header_cnt, 1);
        CHECK_STR(r.headers[0].key, "via");
        sl_xrecord_clear(&r);
        sl_xchain_destroy(c);
        sl_strmap_destroy(cfg);
        sl_config_errors_destroy(errs);
}

int main(void) {
        RUN(test_every_kafka_transform_is_there);
        RUN(test_every_predicate_is_there);
        RUN(test_defs_are_complete_and_unique);
        RUN(test_real_chain);
        TEST_MAIN_END();
}
