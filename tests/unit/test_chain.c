/* The transformation chain: config parsing, predicates, negate, drops. */
#include <stdlib.h>
#include <string.h>

#include "sl_test.h"
#include "transform/chain.h"

/* Fake transforms: "Append" adds its suffix to the topic, "Drop" drops. */
typedef struct app { char *suffix; } app_t;

static const sl_config_def_t append_cfg[] = {
        {.name = "suffix", .type = SL_CFG_STRING, .flags = SL_CFG_REQUIRED},
        {.name = "times", .type = SL_CFG_INT, .default_value = "1"},
        {.name = NULL},
};

static int app_init(void **st, sl_xpart_t part, const sl_strmap_t *cfg, char *e, size_t n) {
        app_t *a = calloc(1, sizeof(*a));
        (void)part;
        (void)e;
        (void)n;
        /* the default of times was applied by the host */
        if (!sl_strmap_get(cfg, "times") || sl_strmap_get(cfg, "type"))
                return SL_ERR_CONFIG;
        a->suffix = strdup(sl_strmap_get(cfg, "suffix"));
        *st = a;
        return 0;
}

static int app_apply(void *st, sl_xrecord_t *r, char *e, size_t n) {
        app_t *a = st;
        char *t;
        if (!strcmp(a->suffix, "!"))
                return sl_seterr(e, n, SL_ERR_INVALID, "bang");
        if (asprintf(&t, "%s%s", r->topic, a->suffix) < 0)
                return SL_ERR_NOMEM;
        free(r->topic);
        r->topic = t;
        return 0;
}

static void app_destroy(void *st) {
        app_t *a = st;
        free(a->suffix);
        free(a);
}

static int drop_init(void **st, sl_xpart_t p, const sl_strmap_t *c, char *e, size_t n) {
        (void)p, (void)c, (void)e, (void)n;
        *st = NULL;
        return 0;
}

static int drop_apply(void *st, sl_xrecord_t *r, char *e, size_t n) {
        (void)st, (void)r, (void)e, (void)n;
        return 1;
}

static const sl_transform_def_t xf_append = {
        .class_name = "org.apache.kafka.connect.transforms.Append", .config = append_cfg,
        .init = app_init, .apply = app_apply, .destroy = app_destroy};
static const sl_transform_def_t xf_drop = {
        .class_name = "org.apache.kafka.connect.transforms.Filter", .init = drop_init,
        .apply = drop_apply};

static int pred_init(void **st, const sl_strmap_t *c, char *e, size_t n) {
        (void)e, (void)n;
        *st = strdup(sl_strmap_get(c, "name") ? sl_strmap_get(c, "name") : "");
        return 0;
}

static bool pred_test(void *st, const sl_xrecord_t *r) {
        return !strcmp(st, r->topic);
}

static const sl_predicate_def_t xp_topic_is = {
        .class_name = "org.apache.kafka.connect.transforms.predicates.TopicIs",
        .init = pred_init, .test = pred_test, .destroy = free};

const sl_transform_def_t *const sl_transform_defs[] = {&xf_append, &xf_drop, NULL};
const sl_predicate_def_t *const sl_predicate_defs[] = {&xp_topic_is, NULL};

static sl_strmap_t *cfg_of(const char *const *kv) {
        sl_strmap_t *m = sl_strmap_new();
        for (; *kv; kv += 2)
                sl_strmap_set(m, kv[0], kv[1]);
        return m;
}

/* Runs topic through the chain of kv; returns the apply result, topic in out. */
static int run(const char *const *kv, const char *topic, char *out, size_t n) {
        sl_config_errors_t *errs = sl_config_errors_new();
        sl_strmap_t *cfg = cfg_of(kv);
        sl_xchain_t *c = sl_xchain_new(cfg, errs);
        sl_xrecord_t r = {.topic = strdup(topic), .partition = -1, .timestamp = -1};
        char err[256];
        int rc = c ? sl_xchain_apply(c, &r, err, sizeof(err)) : -999;

        snprintf(out, n, "%s", rc < 0 && c ? err : r.topic);
        sl_xrecord_clear(&r);
        sl_xchain_destroy(c);
        sl_strmap_destroy(cfg);
        sl_config_errors_destroy(errs);
        return rc;
}

static void test_no_transforms_is_empty(void) {
        sl_config_errors_t *errs = sl_config_errors_new();
        sl_strmap_t *cfg = sl_strmap_new();
        sl_xchain_t *c = sl_xchain_new(cfg, errs);
        CHECK(c != NULL);
        CHECK(sl_xchain_empty(c));
        sl_xchain_destroy(c);
        sl_strmap_destroy(cfg);
        sl_config_errors_destroy(errs);
}

static void test_steps_run_in_order(void) {
        char out[128];
        CHECK_INT(run((const char *const[]){"transforms", "a, b", "transforms.a.type", "Append",
                                            "transforms.a.suffix", "-1", "transforms.b.type",
                                            "org.apache.kafka.connect.transforms.Append",
                                            "transforms.b.suffix", "-2", NULL},
                      "t", out, sizeof(out)),
                  0);
        CHECK_STR(out, "t-1-2");
}

static void test_predicate_gates_and_negate_inverts(void) {
        char out[128];
        const char *base[] = {"transforms", "a", "transforms.a.type", "Append",
                              "transforms.a.suffix", "-x", "transforms.a.predicate", "p",
                              "predicates", "p", "predicates.p.type", "TopicIs",
                              "predicates.p.name", "orders", NULL, NULL, NULL};
        CHECK_INT(run(base, "orders", out, sizeof(out)), 0);
        CHECK_STR(out, "orders-x");
        CHECK_INT(run(base, "other", out, sizeof(out)), 0);
        CHECK_STR(out, "other");
        base[14] = "transforms.a.negate";
        base[15] = "true";
        CHECK_INT(run(base, "orders", out, sizeof(out)), 0);
        CHECK_STR(out, "orders");
        CHECK_INT(run(base, "other", out, sizeof(out)), 0);
        CHECK_STR(out, "other-x");
}

static void test_drop_stops_the_chain(void) {
        char out[128];
        CHECK_INT(run((const char *const[]){"transforms", "d,a", "transforms.d.type", "Filter",
                                            "transforms.a.type", "Append", "transforms.a.suffix",
                                            "-1", NULL},
                      "t", out, sizeof(out)),
                  1);
        CHECK_STR(out, "t");
}

static void test_failure_names_the_alias(void) {
        char out[256];
        CHECK(run((const char *const[]){"transforms", "boom", "transforms.boom.type", "Append",
                                        "transforms.boom.suffix", "!", NULL},
                  "t", out, sizeof(out)) < 0);
        CHECK(strstr(out, "Transform boom") != NULL);
        CHECK(strstr(out, "bang") != NULL);
}

static size_t errors_for(const char *const *kv, const char *key, char *first, size_t n) {
        sl_config_errors_t *errs = sl_config_errors_new();
        sl_strmap_t *cfg = cfg_of(kv);
        sl_xchain_t *c = sl_xchain_new(cfg, errs);
        size_t cnt = sl_config_errors_key_count(errs, key);

        if (cnt)
                snprintf(first, n, "%s", sl_config_errors_key_at(errs, key, 0));
        CHECK(c == NULL || cnt == 0);
        sl_xchain_destroy(c);
        sl_strmap_destroy(cfg);
        sl_config_errors_destroy(errs);
        return cnt;
}

static void test_config_errors_name_their_key(void) {
        char msg[512] = "";
        CHECK_INT((int)errors_for((const char *const[]){"transforms", "a", NULL},
                                  "transforms.a.type", msg, sizeof(msg)),
                  1);
        CHECK(strstr(msg, "Missing required configuration") != NULL);
        CHECK_INT((int)errors_for((const char *const[]){"transforms", "a", "transforms.a.type",
                                                        "Nope", NULL},
                                  "transforms.a.type", msg, sizeof(msg)),
                  1);
        CHECK(strstr(msg, "Class Nope could not be found") != NULL);
        CHECK_INT((int)errors_for((const char *const[]){"transforms", "a", "transforms.a.type",
                                                        "Append", NULL},
                                  "transforms.a.suffix", msg, sizeof(msg)),
                  1);
        CHECK_INT((int)errors_for((const char *const[]){"transforms", "a", "transforms.a.type",
                                                        "Append", "transforms.a.suffix", "s",
                                                        "transforms.a.predicate", "q", NULL},
                                  "transforms.a.predicate", msg, sizeof(msg)),
                  1);
        CHECK_INT((int)errors_for((const char *const[]){"transforms", "a", "transforms.a.type",
                                                        "Append", "transforms.a.suffix", "s",
                                                        "transforms.a.negate", "maybe", NULL},
                                  "transforms.a.negate", msg, sizeof(msg)),
                  1);
}

int main(void) {
        RUN(test_no_transforms_is_empty);
        RUN(test_steps_run_in_order);
        RUN(test_predicate_gates_and_negate_inverts);
        RUN(test_drop_stops_the_chain);
        RUN(test_failure_names_the_alias);
        RUN(test_config_errors_name_their_key);
        TEST_MAIN_END();
}
