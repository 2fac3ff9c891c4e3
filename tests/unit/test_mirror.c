/* MirrorMaker 2 pieces: wire formats, translation, naming, filters,
 * client configs and the checkpoint connector's group split. */
#include <stdlib.h>

#include "sl_test.h"
#include "mirror/mirror_int.h"

static const unsigned char SYNC_KEY[] = {0, 6, 'e', 'v', 'e', 'n', 't', 's', 0, 0, 0, 2};
static const unsigned char SYNC_VALUE[] = {0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 1, 0};

static void test_offset_sync_bytes_and_round_trip(void) {
        sl_buf_t k = SL_BUF_INIT, v = SL_BUF_INIT;
        mm2_offset_sync_t s;

        CHECK_INT(mm2_offset_sync_encode(&k, &v, "events", 2, 42, 256), 0);
        CHECK_INT(k.len, sizeof(SYNC_KEY));
        CHECK(k.len == sizeof(SYNC_KEY) && !memcmp(k.data, SYNC_KEY, k.len));
        CHECK_INT(v.len, sizeof(SYNC_VALUE));
        CHECK(v.len == sizeof(SYNC_VALUE) && !memcmp(v.data, SYNC_VALUE, v.len));
        CHECK_INT(mm2_offset_sync_decode(k.data, k.len, v.data, v.len, &s), 0);
        CHECK_STR(s.topic, "events");
        CHECK_INT(s.partition, 2);
        CHECK_INT(s.upstream, 42);
        CHECK_INT(s.downstream, 256);
        free(s.topic);
        /* large offsets keep all 64 bits */
        CHECK_INT(mm2_offset_sync_encode(&k, &v, "t", 0, INT64_MAX - 1, (int64_t)1 << 40), 0);
        CHECK_INT(mm2_offset_sync_decode(k.data, k.len, v.data, v.len, &s), 0);
        CHECK_INT(s.upstream, INT64_MAX - 1);
        CHECK_INT(s.downstream, (int64_t)1 << 40);
        free(s.topic);
        /* truncated key or value: a parse error, nothing leaked */
        CHECK_INT(mm2_offset_sync_decode(k.data, k.len - 1, v.data, v.len, &s), SL_ERR_PARSE);
        CHECK_INT(mm2_offset_sync_decode(k.data, k.len, v.data, v.len - 1, &s), SL_ERR_PARSE);
        CHECK_INT(mm2_offset_sync_decode(k.data, 1, v.data, v.len, &s), SL_ERR_PARSE);
        CHECK_INT(mm2_offset_sync_decode(NULL, 0, v.data, v.len, &s), SL_ERR_PARSE);
        sl_buf_free(&k);
        sl_buf_free(&v);
}

static void test_checkpoint_bytes_and_round_trip(void) {
        static const unsigned char key[] = {0, 1, 'g', 0, 5, 's', '.', 'e', 'v', 't', 0, 0, 0, 1};
        static const unsigned char value[] = {0, 0,                      /* version */
                                              0, 0, 0, 0, 0, 0, 0, 10,   /* upstream */
                                              0, 0, 0, 0, 0, 0, 0, 7,    /* downstream */
                                              0, 2, 'm', 'd'};           /* metadata */
        mm2_checkpoint_t c = {.group = "g", .topic = "s.evt", .partition = 1, .upstream = 10,
                              .downstream = 7, .metadata = "md"};
        mm2_checkpoint_t d;
        sl_buf_t k = SL_BUF_INIT, v = SL_BUF_INIT;

        CHECK_INT(mm2_checkpoint_encode(&k, &v, &c), 0);
        CHECK(k.len == sizeof(key) && !memcmp(k.data, key, k.len));
        CHECK(v.len == sizeof(value) && !memcmp(v.data, value, v.len));
        CHECK_INT(mm2_checkpoint_decode(k.data, k.len, v.data, v.len, &d), 0);
        CHECK_STR(d.group, "g");
        CHECK_STR(d.topic, "s.evt");
        CHECK_STR(d.metadata, "md");
        CHECK_INT(d.partition, 1);
        CHECK_INT(d.upstream, 10);
        CHECK_INT(d.downstream, 7);
        mm2_checkpoint_clear(&d);
        /* null metadata is written as "" */
        c.metadata = NULL;
        CHECK_INT(mm2_checkpoint_encode(&k, &v, &c), 0);
        CHECK_INT(mm2_checkpoint_decode(k.data, k.len, v.data, v.len, &d), 0);
        CHECK_STR(d.metadata, "");
        mm2_checkpoint_clear(&d);
        /* an unknown version is not misread */
        v.data[1] = 1;
        CHECK_INT(mm2_checkpoint_decode(k.data, k.len, v.data, v.len, &d), SL_ERR_PARSE);
        v.data[1] = 0;
        CHECK_INT(mm2_checkpoint_decode(k.data, k.len, v.data, v.len - 1, &d), SL_ERR_PARSE);
        sl_buf_free(&k);
        sl_buf_free(&v);
}

static void test_translation_rule(void) {
        mm2_sync_store_t s = {0};
        const mm2_tp_syncs_t *t;

        CHECK_INT(mm2_translate(mm2_store_get(&s, "e", 0), 5), -1);
        mm2_store_add(&s, "e", 0, 10, 100);
        mm2_store_add(&s, "e", 0, 20, 130);
        mm2_store_add(&s, "e", 1, 0, 0);
        t = mm2_store_get(&s, "e", 0);
        CHECK_INT(mm2_translate(t, 5), -1);    /* older than every sync */
        CHECK_INT(mm2_translate(t, 10), 100);  /* exactly at a sync */
        CHECK_INT(mm2_translate(t, 15), 101);  /* past it: never beyond */
        CHECK_INT(mm2_translate(t, 20), 130);
        CHECK_INT(mm2_translate(t, 99), 131);
        CHECK_INT(mm2_translate(t, -1), -1);
        CHECK_INT(mm2_translate(mm2_store_get(&s, "e", 1), 3), 1);
        CHECK(mm2_store_get(&s, "e", 2) == NULL);
        /* upstream going back (topic recreated): newer syncs are dropped */
        mm2_store_add(&s, "e", 0, 15, 500);
        t = mm2_store_get(&s, "e", 0);
        CHECK_INT(t->n, 2);
        CHECK_INT(mm2_translate(t, 20), 501);
        CHECK_INT(mm2_translate(t, 12), 101);
        mm2_store_free(&s);
}

static void test_store_history_is_bounded(void) {
        mm2_sync_store_t s = {0};
        const mm2_tp_syncs_t *t;

        for (int i = 0; i < 1000; i++)
                mm2_store_add(&s, "e", 0, i * 10, i * 10 + 3);
        t = mm2_store_get(&s, "e", 0);
        CHECK(t->n <= MM2_SYNCS_KEPT);
        CHECK_INT(mm2_translate(t, 9990), 9993); /* the newest is exact */
        CHECK_INT(mm2_translate(t, 9985), 9984);
        /* old offsets still translate, conservatively (never too far) */
        CHECK(mm2_translate(t, 100) <= 104);
        CHECK(mm2_translate(t, 0) == 3);
        for (size_t i = 1; i < t->n; i++)
                CHECK(t->pts[i].upstream > t->pts[i - 1].upstream);
        mm2_store_free(&s);
}

static sl_strmap_t *cfg_of(const char *const *kv) {
        sl_strmap_t *m = sl_strmap_new();

        for (; kv[0]; kv += 2)
                sl_strmap_set(m, kv[0], kv[1]);
        return m;
}

static void test_topic_renaming(void) {
        const char *def[] = {"source.cluster.alias", "us", "target.cluster.alias", "eu", NULL};
        const char *sep[] = {"source.cluster.alias", "us", "replication.policy.separator", "_",
                             NULL};
        const char *ident[] = {"source.cluster.alias", "us", "replication.policy.class",
                               MM2_IDENTITY_POLICY, NULL};
        const char *noalias[] = {"target.cluster.alias", "eu", NULL};
        sl_strmap_t *m;
        mm2_policy_t p;
        char err[256], *s;

        m = cfg_of(def);
        CHECK_INT(mm2_policy_init(&p, m, err, sizeof(err)), 0);
        CHECK_STR(s = mm2_remote_topic(&p, "events"), "us.events");
        free(s);
        CHECK_STR(s = mm2_offset_syncs_topic(&p), "mm2-offset-syncs.eu.internal");
        free(s);
        CHECK_STR(s = mm2_checkpoints_topic(&p), "us.checkpoints.internal");
        free(s);
        /* topics that came from the target would loop back */
        CHECK(mm2_skip_topic(&p, "eu.events"));
        CHECK(mm2_skip_topic(&p, "other.eu.events"));
        CHECK(!mm2_skip_topic(&p, "events"));
        CHECK(!mm2_skip_topic(&p, "europe.events"));
        CHECK(mm2_skip_topic(&p, "__consumer_offsets"));
        CHECK(mm2_skip_topic(&p, "mm2-offset-syncs.eu.internal"));
        CHECK(mm2_skip_topic(&p, "connect-internal"));
        sl_strmap_destroy(m);

        m = cfg_of(sep);
        CHECK_INT(mm2_policy_init(&p, m, err, sizeof(err)), 0);
        CHECK_STR(p.target_alias, "target"); /* the default */
        CHECK_STR(s = mm2_remote_topic(&p, "events"), "us_events");
        free(s);
        CHECK_STR(s = mm2_checkpoints_topic(&p), "us_checkpoints_internal");
        free(s);
        sl_strmap_destroy(m);

        m = cfg_of(ident);
        CHECK_INT(mm2_policy_init(&p, m, err, sizeof(err)), 0);
        CHECK_STR(s = mm2_remote_topic(&p, "events"), "events");
        free(s);
        sl_strmap_destroy(m);

        m = cfg_of(noalias);
        CHECK_INT(mm2_policy_init(&p, m, err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "source.cluster.alias");
        sl_strmap_destroy(m);
}

static void test_topic_filter_defaults(void) {
        mm2_filter_t f;
        char err[256];

        CHECK_INT(mm2_filter_init(&f, ".*", MM2_TOPICS_EXCLUDE_DEFAULT, err, sizeof(err)), 0);
        CHECK(mm2_filter_match(&f, "events"));
        CHECK(mm2_filter_match(&f, "a.b-c"));
        CHECK(!mm2_filter_match(&f, "foo-internal"));
        CHECK(!mm2_filter_match(&f, "foo.internal"));
        CHECK(mm2_filter_match(&f, "foo_internal"));
        CHECK(!mm2_filter_match(&f, "x.replica"));
        CHECK(mm2_filter_match(&f, "xreplica"));
        CHECK(!mm2_filter_match(&f, "__consumer_offsets"));
        CHECK(mm2_filter_match(&f, "_single"));
        mm2_filter_free(&f);

        /* whole-name matches, Java escapes and classes */
        CHECK_INT(mm2_filter_init(&f, "ev.*, orders, a\\.b, log-\\d+, [\\w&&]x", NULL, err,
                                  sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_INT(mm2_filter_init(&f, "ev.*, orders, a\\.b, log-\\d+, (?:x|y)z, [^\\-]q", NULL,
                                  err, sizeof(err)),
                  0);
        CHECK(mm2_filter_match(&f, "events"));
        CHECK(mm2_filter_match(&f, "orders"));
        CHECK(!mm2_filter_match(&f, "orders2"));
        CHECK(!mm2_filter_match(&f, "my-orders"));
        CHECK(mm2_filter_match(&f, "a.b"));
        CHECK(!mm2_filter_match(&f, "axb"));
        CHECK(mm2_filter_match(&f, "log-42"));
        CHECK(!mm2_filter_match(&f, "log-x"));
        CHECK(mm2_filter_match(&f, "yz"));
        CHECK(mm2_filter_match(&f, "aq"));
        CHECK(!mm2_filter_match(&f, "-q"));
        mm2_filter_free(&f);

        CHECK_INT(mm2_filter_init(&f, "(", NULL, err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "Invalid regex '('");
        CHECK_INT(mm2_filter_init(&f, "(?=x)y", NULL, err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "Unsupported group construct");
        /* the translation RegexRouter uses: (?i) works */
        CHECK_INT(mm2_filter_init(&f, "(?i)EV.*", NULL, err, sizeof(err)), 0);
        CHECK(mm2_filter_match(&f, "events"));
        mm2_filter_free(&f);
        CHECK_INT(mm2_config_validator_regexes("topics", "a, b[", err, sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_INT(mm2_config_validator_regexes("topics", "a, b.*", err, sizeof(err)), 0);
}

static void test_client_conf(void) {
        const char *kv[] = {"source.cluster.alias", "us",
                            "source.cluster.bootstrap.servers", "h1:9092,h2:9092",
                            "source.consumer.fetch.wait.max.ms", "10",
                            "source.cluster.client.id", "mm",
                            "target.cluster.bootstrap.servers", "t:9092",
                            NULL};
        const char *bad[] = {"source.cluster.bootstrap.servers", "h:1",
                             "source.cluster.no.such.property", "1", NULL};
        sl_strmap_t *m = cfg_of(kv);
        rd_kafka_conf_t *c;
        char err[512], val[256];
        size_t n;

        c = mm2_client_conf(m, "source", "consumer", err, sizeof(err));
        CHECK(c != NULL);
        n = sizeof(val);
        CHECK(c && rd_kafka_conf_get(c, "bootstrap.servers", val, &n) == RD_KAFKA_CONF_OK);
        CHECK_STR(val, "h1:9092,h2:9092");
        n = sizeof(val);
        CHECK(c && rd_kafka_conf_get(c, "fetch.wait.max.ms", val, &n) == RD_KAFKA_CONF_OK);
        CHECK_STR(val, "10");
        n = sizeof(val);
        CHECK(c && rd_kafka_conf_get(c, "client.id", val, &n) == RD_KAFKA_CONF_OK);
        CHECK_STR(val, "mm");
        if (c)
                rd_kafka_conf_destroy(c);
        /* target side: only target.* keys */
        c = mm2_client_conf(m, "target", "producer", err, sizeof(err));
        n = sizeof(val);
        CHECK(c && rd_kafka_conf_get(c, "bootstrap.servers", val, &n) == RD_KAFKA_CONF_OK);
        CHECK_STR(val, "t:9092");
        n = sizeof(val);
        CHECK(c && rd_kafka_conf_get(c, "client.id", val, &n) == RD_KAFKA_CONF_OK);
        CHECK(strcmp(val, "mm") != 0);
        if (c)
                rd_kafka_conf_destroy(c);
        sl_strmap_destroy(m);

        m = cfg_of(bad);
        CHECK(mm2_client_conf(m, "source", NULL, err, sizeof(err)) == NULL);
        CHECK_CONTAINS(err, "source.cluster.no.such.property");
        sl_strmap_destroy(m);
}

static const sl_config_def_t *def_of(const sl_connector_plugin_t *p, const char *name) {
        for (const sl_config_def_t *d = p->config; d->name; d++)
                if (!strcmp(d->name, name))
                        return d;
        return NULL;
}

static void test_checkpoint_groups(void) {
        const sl_config_def_t *g = def_of(&sl_mirror_checkpoint_plugin, "groups");
        const char *kv[] = {"source.cluster.alias", "us", "groups", "a, b, connect-x, c",
                            "groups.exclude", MM2_GROUPS_EXCLUDE_DEFAULT, NULL};
        sl_strmap_t *m = cfg_of(kv), *tc[4];
        char err[256];
        int n;

        CHECK(g && g->validator && (g->flags & SL_CFG_REQUIRED));
        CHECK_INT(g->validator("groups", "app.v1, app-2", err, sizeof(err)), 0);
        CHECK_INT(g->validator("groups", "app, team-.*", err, sizeof(err)), SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "cannot list consumer groups");
        CHECK_CONTAINS(err, "team-.*");
        for (int i = 0; i < 4; i++)
                tc[i] = sl_strmap_new();
        n = sl_mirror_checkpoint_plugin.task_configs(m, 2, tc, err, sizeof(err));
        CHECK_INT(n, 2);
        CHECK_STR(sl_strmap_get(tc[0], MM2_TASK_GROUPS), "a,c");
        CHECK_STR(sl_strmap_get(tc[1], MM2_TASK_GROUPS), "b");
        n = sl_mirror_checkpoint_plugin.task_configs(m, 1, tc + 2, err, sizeof(err));
        CHECK_INT(n, 1);
        CHECK_STR(sl_strmap_get(tc[2], MM2_TASK_GROUPS), "a,b,c");
        for (int i = 0; i < 4; i++)
                sl_strmap_destroy(tc[i]);
        sl_strmap_destroy(m);
        /* the source connector's defaults follow MM2 */
        CHECK_STR(def_of(&sl_mirror_source_plugin, "topics.exclude")->default_value,
                  ".*[\\-\\.]internal, .*\\.replica, __.*");
        CHECK_STR(def_of(&sl_mirror_source_plugin, "offset.lag.max")->default_value, "100");
        CHECK(def_of(&sl_mirror_source_plugin, "source.cluster.alias")->flags & SL_CFG_REQUIRED);
        CHECK(def_of(&sl_mirror_source_plugin, "source.cluster.bootstrap.servers")->flags &
              SL_CFG_REQUIRED);
        CHECK(sl_mirror_source_plugin.source_delivered != NULL);
}

int main(void) {
        RUN(test_offset_sync_bytes_and_round_trip);
        RUN(test_checkpoint_bytes_and_round_trip);
        RUN(test_translation_rule);
        RUN(test_store_history_is_bounded);
        RUN(test_topic_renaming);
        RUN(test_topic_filter_defaults);
        RUN(test_client_conf);
        RUN(test_checkpoint_groups);
        TEST_MAIN_END();
}
