/* sl_klog against an in-process librdkafka mock cluster (one per test). */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distributed/klog.h"
#include "sl_test.h"

#define TMO 10000

typedef struct rec {
        char key[32], value[32];
        bool has_key, tombstone;
        int32_t partition;
        int64_t offset;
} rec_t;

/* What the callback saw; filled on the reader thread. */
typedef struct seen {
        pthread_mutex_t lock;
        int n;
        rec_t recs[512];
} seen_t;

static void collect(void *opaque, const char *key, size_t key_len, const char *value,
                    size_t value_len, int32_t partition, int64_t offset) {
        seen_t *s = opaque;
        rec_t *r;

        pthread_mutex_lock(&s->lock);
        if (s->n < (int)(sizeof(s->recs) / sizeof(s->recs[0]))) {
                r = &s->recs[s->n++];
                memset(r, 0, sizeof(*r));
                r->has_key = key != NULL;
                r->tombstone = value == NULL;
                snprintf(r->key, sizeof(r->key), "%.*s", (int)key_len, key ? key : "");
                snprintf(r->value, sizeof(r->value), "%.*s", (int)value_len, value ? value : "");
                r->partition = partition;
                r->offset = offset;
        }
        pthread_mutex_unlock(&s->lock);
}

static int seen_count(seen_t *s) {
        int n;

        pthread_mutex_lock(&s->lock);
        n = s->n;
        pthread_mutex_unlock(&s->lock);
        return n;
}

static const rec_t *seen_find(seen_t *s, const char *value) {
        const rec_t *r = NULL;

        pthread_mutex_lock(&s->lock);
        for (int i = 0; i < s->n && !r; i++)
                if (!strcmp(s->recs[i].value, value) && !s->recs[i].tombstone)
                        r = &s->recs[i];
        pthread_mutex_unlock(&s->lock);
        return r;
}

/* One mock broker holding topic "t" with 3 partitions. */
typedef struct mock {
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
        sl_strmap_t *conf;
} mock_t;

static void mock_up(mock_t *m) {
        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();

        rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
        m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!m->rk) {
                fprintf(stderr, "cannot create mock host: %s\n", err);
                exit(1);
        }
        m->mc = rd_kafka_mock_cluster_new(m->rk, 1);
        rd_kafka_mock_topic_create(m->mc, "t", 3, 1);
        m->conf = sl_strmap_new();
        sl_strmap_set(m->conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(m->mc));
}

static void mock_down(mock_t *m) {
        sl_strmap_destroy(m->conf);
        rd_kafka_mock_cluster_destroy(m->mc);
        rd_kafka_destroy(m->rk);
}

static sl_klog_t *started_log(mock_t *m, seen_t *s) {
        char err[512] = "";
        sl_klog_t *l = sl_klog_new("t", m->conf, "test-klog", collect, s, err, sizeof(err));
        int rc;

        if (!l) {
                fprintf(stderr, "sl_klog_new: %s\n", err);
                exit(1);
        }
        rc = sl_klog_start(l, TMO, err, sizeof(err));
        if (rc != 0) {
                fprintf(stderr, "sl_klog_start: %d %s\n", rc, err);
                exit(1);
        }
        return l;
}

/* Java's Utils.murmur2, to check keys land where Java clients put them. */
static int32_t java_murmur2(const char *key) {
        const uint32_t m = 0x5bd1e995;
        const unsigned char *d = (const unsigned char *)key;
        size_t len = strlen(key), tail = len & ~(size_t)3;
        uint32_t h = 0x9747b28c ^ (uint32_t)len;

        for (size_t i = 0; i < tail; i += 4) {
                uint32_t k = d[i] | d[i + 1] << 8 | d[i + 2] << 16 | (uint32_t)d[i + 3] << 24;
                k *= m;
                k ^= k >> 24;
                k *= m;
                h = h * m ^ k;
        }
        switch (len & 3) {
        case 3:
                h ^= (uint32_t)d[tail + 2] << 16;
                __attribute__((fallthrough));
        case 2:
                h ^= (uint32_t)d[tail + 1] << 8;
                __attribute__((fallthrough));
        case 1:
                h ^= d[tail];
                h *= m;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int32_t)h;
}

static int java_partition(const char *key, int n) {
        return (int)(((uint32_t)java_murmur2(key) & 0x7fffffff) % (uint32_t)n);
}

/* ---------------------------------------------------------------- tests */

static void test_sync_send_reports_position_and_cb_sees_it(void) {
        mock_t m;
        seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
        char err[512] = "";
        int32_t part = -1;
        int64_t off = -1;
        const rec_t *r;
        sl_klog_t *l;

        mock_up(&m);
        l = started_log(&m, &s);
        CHECK_INT(sl_klog_partition_count(l), 3);
        CHECK_INT(sl_klog_send(l, "k1", 2, "v1", 2, TMO, &part, &off, err, sizeof(err)), 0);
        CHECK(part >= 0 && part < 3);
        CHECK_INT(off, 0); /* first record of its partition */
        CHECK_INT(sl_klog_read_to_end(l, TMO), 0);
        r = seen_find(&s, "v1");
        CHECK(r != NULL);
        if (r) {
                CHECK_STR(r->key, "k1");
                CHECK_INT(r->partition, part);
                CHECK_INT(r->offset, off);
        }
        sl_klog_destroy(l);
        mock_down(&m);
}

static void test_same_key_same_partition_as_java(void) {
        static const char *const keys[] = {"config-a", "status-task-b-0", "21", "foobar", "k"};
        mock_t m;
        seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
        char err[512] = "";
        sl_klog_t *l;

        CHECK_INT(java_murmur2("21"), -973932308); /* Kafka's UtilsTest vector */
        mock_up(&m);
        l = started_log(&m, &s);
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
                for (int i = 0; i < 3; i++) {
                        int32_t part = -1;

                        CHECK_INT(sl_klog_send(l, keys[k], strlen(keys[k]), "v", 1, TMO, &part,
                                               NULL, err, sizeof(err)),
                                  0);
                        CHECK_INT(part, java_partition(keys[k], 3));
                }
        sl_klog_destroy(l);
        mock_down(&m);
}

static void test_tombstone_reaches_cb_as_null(void) {
        mock_t m;
        seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
        char err[512] = "";
        bool found = false;
        sl_klog_t *l;

        mock_up(&m);
        l = started_log(&m, &s);
        CHECK_INT(sl_klog_send(l, "gone", 4, NULL, 0, TMO, NULL, NULL, err, sizeof(err)), 0);
        CHECK_INT(sl_klog_read_to_end(l, TMO), 0);
        pthread_mutex_lock(&s.lock);
        for (int i = 0; i < s.n; i++)
                if (!strcmp(s.recs[i].key, "gone"))
                        found = s.recs[i].tombstone && s.recs[i].has_key;
        pthread_mutex_unlock(&s.lock);
        CHECK(found);
        sl_klog_destroy(l);
        mock_down(&m);
}

static void test_late_start_delivers_history_before_returning(void) {
        mock_t m;
        seen_t s1 = {.lock = PTHREAD_MUTEX_INITIALIZER}, s2 = {.lock = PTHREAD_MUTEX_INITIALIZER};
        char err[512] = "", v[16];
        sl_klog_t *l1, *l2;

        mock_up(&m);
        l1 = started_log(&m, &s1);
        for (int i = 0; i < 30; i++) {
                snprintf(v, sizeof(v), "h%d", i);
                CHECK_INT(sl_klog_send(l1, v, strlen(v), v, strlen(v), TMO, NULL, NULL, err,
                                       sizeof(err)),
                          0);
        }
        l2 = started_log(&m, &s2);
        CHECK_INT(seen_count(&s2), 30); /* no read_to_end: start did it */
        for (int i = 0; i < 30; i++) {
                snprintf(v, sizeof(v), "h%d", i);
                CHECK(seen_find(&s2, v) != NULL);
        }
        sl_klog_destroy(l2);
        sl_klog_destroy(l1);
        mock_down(&m);
}

static void test_async_sends_then_read_to_end_sees_all(void) {
        mock_t m;
        seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
        char err[512] = "", v[16];
        sl_klog_t *l;

        mock_up(&m);
        l = started_log(&m, &s);
        for (int i = 0; i < 200; i++) {
                snprintf(v, sizeof(v), "a%d", i);
                CHECK_INT(sl_klog_send(l, v, strlen(v), v, strlen(v), -1, NULL, NULL, err,
                                       sizeof(err)),
                          0);
        }
        CHECK_INT(sl_klog_flush(l, TMO, err, sizeof(err)), 0);
        CHECK_INT(sl_klog_read_to_end(l, TMO), 0);
        CHECK_INT(seen_count(&s), 200);
        for (int i = 0; i < 200; i++) {
                snprintf(v, sizeof(v), "a%d", i);
                CHECK(seen_find(&s, v) != NULL);
        }
        sl_klog_destroy(l);
        mock_down(&m);
}

static void test_flush_reports_async_failure_once(void) {
        mock_t m;
        seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
        char err[512] = "";
        sl_klog_t *l;

        mock_up(&m);
        l = started_log(&m, &s);
        /* the broker rejects the next Produce for good */
        rd_kafka_mock_push_request_errors(m.mc, 0 /* Produce */, 1,
                                          RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
        CHECK_INT(sl_klog_send(l, "k", 1, "bad", 3, -1, NULL, NULL, err, sizeof(err)), 0);
        CHECK_INT(sl_klog_flush(l, TMO, err, sizeof(err)), SL_ERR_KAFKA);
        CHECK(strstr(err, "topic t") != NULL);
        err[0] = 0;
        CHECK_INT(sl_klog_flush(l, TMO, err, sizeof(err)), 0); /* reported once */
        CHECK_INT(sl_klog_send(l, "k", 1, "good", 4, TMO, NULL, NULL, err, sizeof(err)), 0);
        CHECK_INT(sl_klog_read_to_end(l, TMO), 0);
        CHECK(seen_find(&s, "good") != NULL);
        CHECK(seen_find(&s, "bad") == NULL);
        sl_klog_destroy(l);
        mock_down(&m);
}

/* Mixed sync and async sends plus flush and read_to_end from four threads
 * at once. */
typedef struct sender {
        sl_klog_t *l;
        int id, failures;
} sender_t;

static void *send_many(void *arg) {
        sender_t *t = arg;
        char err[512], v[16];

        for (int i = 0; i < 25; i++) {
                snprintf(v, sizeof(v), "c%d-%d", t->id, i);
                if (sl_klog_send(t->l, v, strlen(v), v, strlen(v), i % 2 ? -1 : TMO, NULL, NULL,
                                 err, sizeof(err)) != 0)
                        t->failures++;
        }
        if (sl_klog_flush(t->l, TMO, err, sizeof(err)) != 0 || sl_klog_read_to_end(t->l, TMO) != 0)
                t->failures++;
        return NULL;
}

static void test_concurrent_senders(void) {
        mock_t m;
        seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
        sender_t t[4];
        pthread_t th[4];
        sl_klog_t *l;

        mock_up(&m);
        l = started_log(&m, &s);
        for (int i = 0; i < 4; i++) {
                t[i] = (sender_t){.l = l, .id = i};
                pthread_create(&th[i], NULL, send_many, &t[i]);
        }
        for (int i = 0; i < 4; i++) {
                pthread_join(th[i], NULL);
                CHECK_INT(t[i].failures, 0);
        }
        CHECK_INT(seen_count(&s), 100);
        sl_klog_destroy(l);
        mock_down(&m);
}

static void test_topic_partitions_never_creates(void) {
        mock_t m;
        char err[512] = "";

        mock_up(&m);
        CHECK_INT(sl_kafka_topic_partitions(m.conf, "t", TMO, err, sizeof(err)), 3);
        CHECK_INT(sl_kafka_topic_partitions(m.conf, "missing", TMO, err, sizeof(err)),
                  SL_ERR_NOT_FOUND);
        CHECK(strstr(err, "missing") != NULL);
        /* a Metadata request naming it would have auto-created it */
        CHECK_INT(sl_kafka_topic_partitions(m.conf, "missing", TMO, err, sizeof(err)),
                  SL_ERR_NOT_FOUND);
        mock_down(&m);
}

static void test_start_on_missing_topic_fails(void) {
        mock_t m;
        seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
        char err[512] = "";
        sl_klog_t *l;

        mock_up(&m);
        l = sl_klog_new("nope", m.conf, NULL, collect, &s, err, sizeof(err));
        CHECK(l != NULL);
        CHECK_INT(sl_klog_start(l, 1000, err, sizeof(err)), SL_ERR_NOT_FOUND);
        CHECK(strstr(err, "nope") != NULL && strstr(err, "does not exist") != NULL);
        CHECK_INT(sl_klog_partition_count(l), 0);
        CHECK_INT(sl_klog_send(l, "k", 1, "v", 1, 100, NULL, NULL, err, sizeof(err)),
                  SL_ERR_STATE);
        sl_klog_destroy(l);
        CHECK_INT(sl_kafka_topic_partitions(m.conf, "nope", TMO, err, sizeof(err)),
                  SL_ERR_NOT_FOUND);
        mock_down(&m);
}

static void test_create_existing_topic_is_success(void) {
        mock_t m;
        char err[512] = "";

        mock_up(&m);
        /* the mock has no CreateTopics: success proves it was not needed */
        CHECK_INT(sl_kafka_topic_create(m.conf, "t", 1, -1, NULL, 2000, err, sizeof(err)), 0);
        mock_down(&m);
}

static void test_bad_client_setting_fails_new(void) {
        sl_strmap_t *conf = sl_strmap_new();
        char err[512] = "";
        seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};

        sl_strmap_set(conf, "bootstrap.servers", "127.0.0.1:1");
        sl_strmap_set(conf, "linger.ms", "soon");
        CHECK(sl_klog_new("t", conf, NULL, collect, &s, err, sizeof(err)) == NULL);
        CHECK(strstr(err, "linger.ms") != NULL);
        sl_strmap_destroy(conf);
}

int main(void) {
        sl_log_set_level(SL_LOG_WARN);
        RUN(test_sync_send_reports_position_and_cb_sees_it);
        RUN(test_same_key_same_partition_as_java);
        RUN(test_tombstone_reaches_cb_as_null);
        RUN(test_late_start_delivers_history_before_returning);
        RUN(test_async_sends_then_read_to_end_sees_all);
        RUN(test_flush_reports_async_failure_once);
        RUN(test_concurrent_senders);
        RUN(test_topic_partitions_never_creates);
        RUN(test_start_on_missing_topic_fails);
        RUN(test_create_existing_topic_is_success);
        RUN(test_bad_client_setting_fails_new);
        TEST_MAIN_END();
}
