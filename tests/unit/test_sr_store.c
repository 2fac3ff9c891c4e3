/* The registry's state machine and operations: ids, versions, deletes,
 * configs, and agreement between writers sharing a log. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "schemareg/sr_int.h"
#include "sl_test.h"

#define REC_A "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"f\",\"type\":\"int\"}]}"
#define REC_A_SPACED                                                                 \
        "{ \"fields\" : [ { \"type\" : \"int\", \"name\" : \"f\" } ],\n \"name\" : \"A\", " \
        "\"type\" : \"record\" }"
#define REC_A2                                                                       \
        "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"f\",\"type\":\"int\"}," \
        "{\"name\":\"g\",\"type\":\"string\",\"default\":\"x\"}]}"
#define REC_A_NODEF                                                                  \
        "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"f\",\"type\":\"int\"}," \
        "{\"name\":\"h\",\"type\":\"string\"}]}"

static char err[1024];

static void test_ids_start_at_one_and_are_global(void) {
        sl_sr_t *sr = sl_sr_new(NULL);
        int32_t a = 0, b = 0, c = 0, d = 0;

        CHECK_INT(sl_sr_register(sr, "s1", REC_A, &a, err, sizeof(err)), 0);
        CHECK_INT(a, 1);
        CHECK_INT(sl_sr_register(sr, "s1", REC_A, &b, err, sizeof(err)), 0);
        CHECK_INT(b, 1); /* already there: same id, no new version */
        CHECK_INT(sl_sr_register(sr, "s2", REC_A_SPACED, &c, err, sizeof(err)), 0);
        CHECK_INT(c, 1); /* same schema elsewhere, spelled differently: same id */
        CHECK_INT(sl_sr_register(sr, "s1", REC_A2, &d, err, sizeof(err)), 0);
        CHECK_INT(d, 2);

        sl_json_t *v = NULL;
        CHECK_INT(sl_sr_versions(sr, "s1", false, &v, err, sizeof(err)), 0);
        char *t = sl_json_to_string(v);
        CHECK_STR(t, "[1,2]");
        free(t);
        sl_json_free(v);
        CHECK_INT(sl_sr_id_versions(sr, 1, false, &v, err, sizeof(err)), 0);
        t = sl_json_to_string(v);
        CHECK_STR(t, "[{\"subject\":\"s1\",\"version\":1},{\"subject\":\"s2\",\"version\":1}]");
        free(t);
        sl_json_free(v);
        sl_sr_destroy(sr);
}

static void test_reads(void) {
        sl_sr_t *sr = sl_sr_new(NULL);
        int32_t id, version;
        char *schema = NULL;

        CHECK_INT(sl_sr_register(sr, "s", "{\"type\": \"string\"}", &id, err, sizeof(err)), 0);
        CHECK_INT(sl_sr_schema_by_id(sr, id, &schema, err, sizeof(err)), 0);
        CHECK_STR(schema, "{\"type\":\"string\"}");
        free(schema);
        CHECK_INT(sl_sr_schema_by_id(sr, 99, &schema, err, sizeof(err)), SL_SR_SCHEMA_NOT_FOUND);
        CHECK_STR(err, "Schema 99 not found");
        CHECK_INT(sl_sr_latest(sr, "s", &id, &version, &schema, err, sizeof(err)), 0);
        CHECK_INT(version, 1);
        free(schema);
        CHECK_INT(sl_sr_latest(sr, "nope", &id, &version, NULL, err, sizeof(err)),
                  SL_SR_SUBJECT_NOT_FOUND);
        CHECK_STR(err, "Subject 'nope' not found.");
        CHECK_INT(sl_sr_get_version(sr, "s", 7, false, &id, NULL, NULL, err, sizeof(err)),
                  SL_SR_VERSION_NOT_FOUND);
        CHECK_STR(err, "Version 7 not found.");
        /* "string" and {"type":"string"} are one schema */
        CHECK_INT(sl_sr_lookup(sr, "s", "\"string\"", false, &id, &version, NULL, err,
                               sizeof(err)),
                  0);
        CHECK_INT(id, 1);
        CHECK_INT(sl_sr_lookup(sr, "s", "\"int\"", false, &id, &version, NULL, err, sizeof(err)),
                  SL_SR_SCHEMA_NOT_FOUND);
        sl_sr_destroy(sr);
}

static void test_invalid_schema(void) {
        sl_sr_t *sr = sl_sr_new(NULL);
        int32_t id;

        CHECK_INT(sl_sr_register(sr, "s", "{not json", &id, err, sizeof(err)),
                  SL_SR_INVALID_SCHEMA);
        CHECK(!strncmp(err, "Invalid schema", 14));
        CHECK_INT(sl_sr_register(sr, "s", "{\"type\":\"record\",\"name\":\"X\"}", &id, err,
                                 sizeof(err)),
                  SL_SR_INVALID_SCHEMA);
        CHECK_INT(sl_sr_register(sr, "s", "\"nosuchtype\"", &id, err, sizeof(err)),
                  SL_SR_INVALID_SCHEMA);
        /* a name defined twice (libavro would leak the first definition) */
        CHECK_INT(sl_sr_register(sr, "s",
                                 "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                                 "{\"name\":\"a\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
                                 "\"symbols\":[\"X\"]}},{\"name\":\"b\",\"type\":{\"type\":"
                                 "\"enum\",\"name\":\"E\",\"symbols\":[\"Y\"]}}]}",
                                 &id, err, sizeof(err)),
                  SL_SR_INVALID_SCHEMA);
        CHECK(strstr(err, "Can't redefine: E") != NULL);
        sl_json_t *subjects;
        CHECK_INT(sl_sr_subjects(sr, true, &subjects, err, sizeof(err)), 0);
        CHECK_INT(subjects->u.arr.len, 0);
        sl_json_free(subjects);
        sl_sr_destroy(sr);
}

static void test_compat_levels(void) {
        sl_sr_t *sr = sl_sr_new(NULL);
        const char *level;
        int32_t id;

        CHECK_INT(sl_sr_register(sr, "s", REC_A, &id, err, sizeof(err)), 0);
        CHECK_INT(sl_sr_register(sr, "s", REC_A_NODEF, &id, err, sizeof(err)),
                  SL_SR_INCOMPATIBLE);
        CHECK(strstr(err, "Schema being registered is incompatible with an earlier schema for "
                          "subject \"s\"") == err);
        CHECK(strstr(err, "READER_FIELD_MISSING_DEFAULT_VALUE") != NULL);

        bool ok = true;
        sl_json_t *msgs = NULL;
        CHECK_INT(sl_sr_test_compat(sr, "s", SL_SR_LATEST, REC_A_NODEF, &ok, &msgs, err,
                                    sizeof(err)),
                  0);
        CHECK(!ok);
        CHECK(msgs && msgs->u.arr.len == 1);
        sl_json_free(msgs);
        CHECK_INT(sl_sr_test_compat(sr, "s", 1, REC_A2, &ok, NULL, err, sizeof(err)), 0);
        CHECK(ok);
        CHECK_INT(sl_sr_test_compat(sr, "s", 3, REC_A2, &ok, NULL, err, sizeof(err)),
                  SL_SR_VERSION_NOT_FOUND);

        CHECK_INT(sl_sr_config_get(sr, NULL, false, &level, err, sizeof(err)), 0);
        CHECK_STR(level, "BACKWARD");
        CHECK_INT(sl_sr_config_get(sr, "s", false, &level, err, sizeof(err)),
                  SL_SR_SUBJECT_NO_CONFIG);
        CHECK_STR(err, "Subject 's' does not have subject-level compatibility configured");
        CHECK_INT(sl_sr_config_get(sr, "s", true, &level, err, sizeof(err)), 0);
        CHECK_STR(level, "BACKWARD");
        CHECK_INT(sl_sr_config_set(sr, "s", "bogus", err, sizeof(err)), SL_SR_INVALID_COMPAT);
        CHECK_INT(sl_sr_config_set(sr, "s", "none", err, sizeof(err)), 0);
        CHECK_INT(sl_sr_config_get(sr, "s", false, &level, err, sizeof(err)), 0);
        CHECK_STR(level, "NONE");
        CHECK_INT(sl_sr_register(sr, "s", REC_A_NODEF, &id, err, sizeof(err)), 0);
        CHECK_INT(id, 2);
        CHECK_INT(sl_sr_config_delete(sr, "s", &level, err, sizeof(err)), 0);
        CHECK_STR(level, "NONE");
        CHECK_INT(sl_sr_config_delete(sr, "s", &level, err, sizeof(err)),
                  SL_SR_SUBJECT_NO_CONFIG);
        CHECK_INT(sl_sr_config_set(sr, NULL, "FULL", err, sizeof(err)), 0);
        CHECK_INT(sl_sr_config_get(sr, "s", true, &level, err, sizeof(err)), 0);
        CHECK_STR(level, "FULL");
        CHECK_INT(sl_sr_config_delete(sr, NULL, &level, err, sizeof(err)), 0);
        CHECK_STR(level, "FULL");
        CHECK_INT(sl_sr_config_get(sr, NULL, false, &level, err, sizeof(err)), 0);
        CHECK_STR(level, "BACKWARD");
        CHECK_INT(sl_sr_config_delete(sr, "nope", &level, err, sizeof(err)),
                  SL_SR_SUBJECT_NOT_FOUND);
        sl_sr_destroy(sr);
}

static void test_deletes(void) {
        sl_sr_t *sr = sl_sr_new(NULL);
        sl_json_t *v = NULL;
        int32_t id, d;
        char *t, *schema;

        CHECK_INT(sl_sr_register(sr, "s", REC_A, &id, err, sizeof(err)), 0);
        CHECK_INT(sl_sr_register(sr, "s", REC_A2, &id, err, sizeof(err)), 0);
        CHECK_INT(sl_sr_delete_subject(sr, "s", true, &v, err, sizeof(err)),
                  SL_SR_SUBJECT_NOT_SOFT_DELETED);
        CHECK_INT(sl_sr_delete_version(sr, "s", 2, false, &d, err, sizeof(err)), 0);
        CHECK_INT(d, 2);
        CHECK_INT(sl_sr_latest(sr, "s", &id, &d, NULL, err, sizeof(err)), 0);
        CHECK_INT(d, 1);
        CHECK_INT(sl_sr_delete_version(sr, "s", 2, false, &d, err, sizeof(err)),
                  SL_SR_VERSION_SOFT_DELETED);
        /* a soft-deleted schema keeps its id */
        CHECK_INT(sl_sr_schema_by_id(sr, 2, &schema, err, sizeof(err)), 0);
        free(schema);
        CHECK_INT(sl_sr_delete_subject(sr, "s", false, &v, err, sizeof(err)), 0);
        t = sl_json_to_string(v);
        CHECK_STR(t, "[1]");
        free(t);
        sl_json_free(v);
        CHECK_INT(sl_sr_latest(sr, "s", &id, &d, NULL, err, sizeof(err)),
                  SL_SR_SUBJECT_NOT_FOUND);
        CHECK_INT(sl_sr_delete_subject(sr, "s", false, &v, err, sizeof(err)),
                  SL_SR_SUBJECT_SOFT_DELETED);
        CHECK_INT(sl_sr_subjects(sr, false, &v, err, sizeof(err)), 0);
        CHECK_INT(v->u.arr.len, 0);
        sl_json_free(v);
        CHECK_INT(sl_sr_subjects(sr, true, &v, err, sizeof(err)), 0);
        CHECK_INT(v->u.arr.len, 1);
        sl_json_free(v);
        CHECK_INT(sl_sr_get_version(sr, "s", 2, true, &id, NULL, NULL, err, sizeof(err)), 0);

        /* versions continue after soft deletes */
        CHECK_INT(sl_sr_register(sr, "s", REC_A, &id, err, sizeof(err)), 0);
        CHECK_INT(id, 1);
        CHECK_INT(sl_sr_latest(sr, "s", &id, &d, NULL, err, sizeof(err)), 0);
        CHECK_INT(d, 3);
        CHECK_INT(sl_sr_delete_version(sr, "s", 3, false, &d, err, sizeof(err)), 0);

        CHECK_INT(sl_sr_delete_subject(sr, "s", true, &v, err, sizeof(err)), 0);
        t = sl_json_to_string(v);
        CHECK_STR(t, "[1,2,3]");
        free(t);
        sl_json_free(v);
        CHECK_INT(sl_sr_subjects(sr, true, &v, err, sizeof(err)), 0);
        CHECK_INT(v->u.arr.len, 0);
        sl_json_free(v);
        CHECK_INT(sl_sr_schema_by_id(sr, 2, &schema, err, sizeof(err)), SL_SR_SCHEMA_NOT_FOUND);
        CHECK_INT(sl_sr_delete_subject(sr, "s", true, &v, err, sizeof(err)),
                  SL_SR_SUBJECT_NOT_FOUND);
        sl_sr_destroy(sr);
}

static void apply(sl_sr_t *sr, const char *key, const char *value) {
        sl_sr_apply(sr, key, strlen(key), value, value ? strlen(value) : 0);
}

static void test_apply_rejects_conflicts(void) {
        sl_sr_t *sr = sl_sr_new(NULL);
        char *schema;
        int32_t id, version;

        apply(sr, "{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":1,\"magic\":1}",
              "{\"subject\":\"s\",\"version\":1,\"id\":5,\"schema\":\"\\\"int\\\"\","
              "\"deleted\":false}");
        /* not latest+1 */
        apply(sr, "{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":3,\"magic\":1}",
              "{\"subject\":\"s\",\"version\":3,\"id\":6,\"schema\":\"\\\"long\\\"\","
              "\"deleted\":false}");
        /* id 5 is "int" already */
        apply(sr, "{\"keytype\":\"SCHEMA\",\"subject\":\"t\",\"version\":1,\"magic\":1}",
              "{\"subject\":\"t\",\"version\":1,\"id\":5,\"schema\":\"\\\"long\\\"\","
              "\"deleted\":false}");
        /* "int" has id 5 already */
        apply(sr, "{\"keytype\":\"SCHEMA\",\"subject\":\"u\",\"version\":1,\"magic\":1}",
              "{\"subject\":\"u\",\"version\":1,\"id\":9,\"schema\":\"\\\"int\\\"\","
              "\"deleted\":false}");
        /* BACKWARD refuses string after int */
        apply(sr, "{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":2,\"magic\":1}",
              "{\"subject\":\"s\",\"version\":2,\"id\":7,\"schema\":\"\\\"string\\\"\","
              "\"deleted\":false}");
        /* a tombstone of a live version */
        apply(sr, "{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":1,\"magic\":1}", NULL);
        /* garbage */
        apply(sr, "not json", "{}");
        apply(sr, "{\"keytype\":\"SCHEMA\"}", "{}");

        CHECK_INT(sl_sr_latest(sr, "s", &id, &version, NULL, err, sizeof(err)), 0);
        CHECK_INT(id, 5);
        CHECK_INT(version, 1);
        CHECK_INT(sl_sr_schema_by_id(sr, 6, &schema, err, sizeof(err)), SL_SR_SCHEMA_NOT_FOUND);
        CHECK_INT(sl_sr_schema_by_id(sr, 9, &schema, err, sizeof(err)), SL_SR_SCHEMA_NOT_FOUND);
        CHECK_INT(sl_sr_latest(sr, "t", &id, &version, NULL, err, sizeof(err)),
                  SL_SR_SUBJECT_NOT_FOUND);
        /* a writer's next id goes above the highest seen */
        CHECK_INT(sl_sr_register(sr, "t", "\"long\"", &id, err, sizeof(err)), 0);
        CHECK_INT(id, 6);

        /* the config records, Confluent style, and a promotion it allows */
        apply(sr, "{\"keytype\":\"CONFIG\",\"subject\":\"s\",\"magic\":0}",
              "{\"compatibilityLevel\":\"NONE\"}");
        apply(sr, "{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":2,\"magic\":1}",
              "{\"subject\":\"s\",\"version\":2,\"id\":7,\"schema\":\"\\\"string\\\"\","
              "\"deleted\":false,\"references\":[]}");
        CHECK_INT(sl_sr_latest(sr, "s", &id, &version, NULL, err, sizeof(err)), 0);
        CHECK_INT(id, 7);
        apply(sr, "{\"keytype\":\"CONFIG\",\"subject\":\"s\",\"magic\":0}", NULL);
        const char *level;
        CHECK_INT(sl_sr_config_get(sr, "s", false, &level, err, sizeof(err)),
                  SL_SR_SUBJECT_NO_CONFIG);
        apply(sr, "{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}",
              "{\"compatibilityLevel\":\"FORWARD_TRANSITIVE\"}");
        CHECK_INT(sl_sr_config_get(sr, NULL, false, &level, err, sizeof(err)), 0);
        CHECK_STR(level, "FORWARD_TRANSITIVE");
        /* other keytypes pass by */
        apply(sr, "{\"keytype\":\"NOOP\",\"magic\":0}", NULL);
        apply(sr, "{\"keytype\":\"SCHEMA\",\"subject\":\"p\",\"version\":1,\"magic\":1}",
              "{\"subject\":\"p\",\"version\":1,\"id\":8,\"schema\":\"syntax = \\\"proto3\\\";\","
              "\"schemaType\":\"PROTOBUF\",\"deleted\":false}");
        CHECK_INT(sl_sr_latest(sr, "p", &id, &version, NULL, err, sizeof(err)),
                  SL_SR_SUBJECT_NOT_FOUND);
        sl_sr_destroy(sr);
}

/* ---- a log shared by two registries, like two workers on one topic */

typedef struct shared_log {
        pthread_mutex_t lock;
        char *keys[256], *vals[256];
        int n;
        const char *inject_key, *inject_val; /* written "by someone else" first */
} shared_log_t;

typedef struct reader {
        shared_log_t *log;
        sl_sr_t *sr;
        int pos;
} reader_t;

static int log_send(void *opaque, const char *key, const char *value, char *errstr,
                    size_t errstr_size) {
        reader_t *r = opaque;
        shared_log_t *l = r->log;
        (void)errstr;
        (void)errstr_size;
        pthread_mutex_lock(&l->lock);
        if (l->inject_key) {
                l->keys[l->n] = strdup(l->inject_key);
                l->vals[l->n++] = l->inject_val ? strdup(l->inject_val) : NULL;
                l->inject_key = NULL;
        }
        l->keys[l->n] = strdup(key);
        l->vals[l->n++] = value ? strdup(value) : NULL;
        pthread_mutex_unlock(&l->lock);
        return 0;
}

static int log_read_to_end(void *opaque, int timeout_ms, char *errstr, size_t errstr_size) {
        reader_t *r = opaque;
        (void)timeout_ms;
        (void)errstr;
        (void)errstr_size;
        pthread_mutex_lock(&r->log->lock);
        while (r->pos < r->log->n) {
                const char *v = r->log->vals[r->pos];
                sl_sr_apply(r->sr, r->log->keys[r->pos], strlen(r->log->keys[r->pos]), v,
                            v ? strlen(v) : 0);
                r->pos++;
        }
        pthread_mutex_unlock(&r->log->lock);
        return 0;
}

static void test_racing_writers_agree(void) {
        shared_log_t log = {.lock = PTHREAD_MUTEX_INITIALIZER};
        reader_t ra = {&log, NULL, 0}, rb = {&log, NULL, 0};
        sl_sr_backend_t ba = {log_send, log_read_to_end, NULL, &ra};
        sl_sr_backend_t bb = {log_send, log_read_to_end, NULL, &rb};
        int32_t id1, id2, v;
        char *schema;

        ra.sr = sl_sr_new(&ba);
        rb.sr = sl_sr_new(&bb);
        CHECK_INT(sl_sr_ready(ra.sr, err, sizeof(err)), 0);
        CHECK_INT(sl_sr_register(ra.sr, "s", "\"int\"", &id1, err, sizeof(err)), 0);
        CHECK_INT(id1, 1);
        /* b learns of it by reading; same schema elsewhere = same id */
        CHECK_INT(sl_sr_register(rb.sr, "t", "\"int\"", &id2, err, sizeof(err)), 0);
        CHECK_INT(id2, 1);

        /* Someone else's version 2 of s (id 2) lands just before a's
         * proposal (also version 2, id 2): a's record is refused, a
         * retries as version 3 with id 3. */
        log.inject_key = "{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":2,\"magic\":1}";
        log.inject_val = "{\"subject\":\"s\",\"version\":2,\"id\":2,\"schema\":\"\\\"long\\\"\","
                         "\"deleted\":false}";
        CHECK_INT(sl_sr_register(ra.sr, "s", "\"double\"", &id1, err, sizeof(err)), 0);
        CHECK_INT(id1, 3);
        CHECK_INT(sl_sr_latest(ra.sr, "s", &id1, &v, NULL, err, sizeof(err)), 0);
        CHECK_INT(v, 3);
        CHECK_INT(sl_sr_schema_by_id(rb.sr, 3, &schema, err, sizeof(err)), 0); /* syncs */
        CHECK_STR(schema, "\"double\"");
        free(schema);
        CHECK_INT(sl_sr_latest(rb.sr, "s", &id2, &v, NULL, err, sizeof(err)), 0);
        CHECK_INT(id2, 3);
        CHECK_INT(v, 3);
        CHECK_INT(sl_sr_get_version(rb.sr, "s", 2, false, &id2, NULL, NULL, err, sizeof(err)), 0);
        CHECK_INT(id2, 2);

        /* the log replayed into a third registry gives the same state */
        reader_t rc = {&log, NULL, 0};
        sl_sr_backend_t bc = {log_send, log_read_to_end, NULL, &rc};
        rc.sr = sl_sr_new(&bc);
        CHECK_INT(sl_sr_ready(rc.sr, err, sizeof(err)), 0);
        sl_json_t *x, *y;
        CHECK_INT(sl_sr_versions(rc.sr, "s", true, &x, err, sizeof(err)), 0);
        CHECK_INT(sl_sr_versions(ra.sr, "s", true, &y, err, sizeof(err)), 0);
        CHECK(sl_json_equal(x, y));
        sl_json_free(x);
        sl_json_free(y);

        sl_sr_destroy(ra.sr);
        sl_sr_destroy(rb.sr);
        sl_sr_destroy(rc.sr);
        for (int i = 0; i < log.n; i++) {
                free(log.keys[i]);
                free(log.vals[i]);
        }
}

static void test_mock_scopes(void) {
        sl_sr_t *a = sl_sr_mock_scope("one"), *b = sl_sr_mock_scope("one");
        sl_sr_t *c = sl_sr_mock_scope("two");
        int32_t id;

        CHECK(a && a == b);
        CHECK(c && c != a);
        CHECK_INT(sl_sr_register(a, "s", "\"int\"", &id, err, sizeof(err)), 0);
        CHECK_INT(sl_sr_latest(c, "s", &id, NULL, NULL, err, sizeof(err)),
                  SL_SR_SUBJECT_NOT_FOUND);
}

typedef struct job {
        sl_sr_t *sr;
        int n;
        int32_t ids[20];
} job_t;

static void *registerer(void *arg) {
        job_t *j = arg;
        char schema[128], e[512];

        for (int i = 0; i < 20; i++) {
                snprintf(schema, sizeof(schema),
                         "{\"type\":\"fixed\",\"name\":\"F%d_%d\",\"size\":4}", j->n, i);
                if (sl_sr_register(j->sr, "shared", schema, &j->ids[i], e, sizeof(e)) != 0)
                        j->ids[i] = -1;
        }
        return NULL;
}

static void test_threads(void) {
        sl_sr_t *sr = sl_sr_new(NULL);
        pthread_t th[4];
        job_t jobs[4];
        bool seen[81] = {false};
        sl_json_t *v;

        CHECK_INT(sl_sr_config_set(sr, "shared", "NONE", err, sizeof(err)), 0);
        for (int i = 0; i < 4; i++) {
                jobs[i].sr = sr;
                jobs[i].n = i;
                pthread_create(&th[i], NULL, registerer, &jobs[i]);
        }
        for (int i = 0; i < 4; i++)
                pthread_join(th[i], NULL);
        for (int i = 0; i < 4; i++) {
                for (int k = 0; k < 20; k++) {
                        int32_t id = jobs[i].ids[k];
                        CHECK(id >= 1 && id <= 80 && !seen[id]);
                        if (id >= 1 && id <= 80)
                                seen[id] = true;
                }
        }
        CHECK_INT(sl_sr_versions(sr, "shared", false, &v, err, sizeof(err)), 0);
        CHECK_INT(v->u.arr.len, 80);
        sl_json_free(v);
        sl_sr_destroy(sr);
}

int main(void) {
        RUN(test_ids_start_at_one_and_are_global);
        RUN(test_reads);
        RUN(test_invalid_schema);
        RUN(test_compat_levels);
        RUN(test_deletes);
        RUN(test_apply_rejects_conflicts);
        RUN(test_racing_writers_agree);
        RUN(test_mock_scopes);
        RUN(test_threads);
        TEST_MAIN_END();
}
