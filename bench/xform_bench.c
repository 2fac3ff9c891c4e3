/* xform-bench: what single message transforms cost per record on a source
 * task's record path, in process and on one thread (no broker: the
 * worker's and the producer's threads stay idle).
 *
 * Each case feeds records to sl_source_batch_add() of a minimal source
 * task (converters, transform chain, topic tracking: the fields the batch
 * uses; the worker behind it has a bootstrap address it never dials), the
 * way a connector's poll does: a batch of 8192 records holding the
 * plugin's memory, then the next batch. That is the host path: the
 * read-only view the predicates judge, then either the zero-copy add
 * (untouched) or the deep copy into an sl_xrecord_t, sl_xchain_apply, the
 * conversion and the copy into the batch (touched).
 *
 * A second pass splits the transform work per record: the predicates on
 * the view (sl_task_chain_touches), the deep copy (sl_task_xrecord_fill),
 * sl_xchain_apply alone and freeing the copy, each timed over chunks of
 * 256 records.
 *
 * A third pass checks zero copy: one batch goes through
 * sl_source_batch_produce() into a producer that has no broker, is purged
 * at once, and every delivery report says where its value bytes were: a
 * value still pointing into the records' own buffer was never copied.
 *
 *   xform-bench [--quick] [--time S] [--reps N] [--records N]
 *               [--only a,b] [--csv] [--list]
 *
 * Timing is CLOCK_MONOTONIC; each rep runs about --time seconds of
 * records (calibrated on warm-up runs; --records fixes the count) and the
 * median of --reps reps is reported. Reps go round all cases in turn, so
 * a slow spell of the machine hits every case alike rather than a few.
 * The thread's CPU time is read too: a rep that got under 90% of a CPU
 * (other load) is flagged with '*'. */
#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/configdef.h"
#include "convert/converter.h"
#include "transform/chain.h"
#include "worker/errors.h"
#include "worker/task_int.h"
#include "worker/task_xform.h"

#define TOPIC "bench"
#define BATCH 8192        /* the source task's batch size (BATCH_MAX_RECORDS) */
#define CHUNK 256         /* records per timed slice of the breakdown pass */
#define POOL 1024         /* distinct record values, cycled */
#define STR_LEN 100       /* string values: the bench's 100 B lines */
#define TS_BASE 1735689600000LL /* 2025-01-01T00:00:00Z: one day for TimestampRouter */

typedef enum rec_kind {
        REC_STRING, /* 100 B STRING, StringConverter */
        REC_STRUCT, /* 6-field STRUCT, JsonConverter with schemas */
        REC_MAP,    /* the same values schemaless, JsonConverter schemas.enable=false */
} rec_kind_t;

static const char *const kind_names[] = {"string100", "struct6", "map6"};
static const char *const kind_converters[] = {"StringConverter", "JsonConverter",
                                              "JsonConverter(schemas.enable=false)"};

typedef struct bench_case {
        const char *name;     /* --only, CSV */
        rec_kind_t kind;
        const char *base;     /* the case this one's extra cost is measured against */
        const char *desc;
        int header_every;     /* every n-th record carries header "drop" (0: none) */
        const char *const *config; /* the connector's transform keys, NULL-terminated pairs */
} bench_case_t;

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define XF "org.apache.kafka.connect.transforms."

/* The same three steps, gated by a predicate no record matches: what an
 * "only for topic X" chain costs the records of every other topic. */
#define GATED3(pred_type, pred_key, pred_val)                                      \
        KV("transforms", "route,hoist,add", "predicates", "never",                 \
           "predicates.never.type", pred_type, "predicates.never." pred_key, pred_val, \
           "transforms.route.type", XF "RegexRouter", "transforms.route.regex", "(.*)", \
           "transforms.route.replacement", "$1-routed", "transforms.route.predicate", "never", \
           "transforms.hoist.type", XF "HoistField$Value", "transforms.hoist.field", "line", \
           "transforms.hoist.predicate", "never", "transforms.add.type",           \
           XF "InsertField$Value", "transforms.add.static.field", "source",         \
           "transforms.add.static.value", "bench", "transforms.add.predicate", "never")

static const bench_case_t cases[] = {
        {"str-base", REC_STRING, NULL, "no transforms (StringConverter, 100 B)", 0, KV(NULL)},
        {"str-untouched-topic", REC_STRING, "str-base",
         "3 steps, predicate TopicNameMatches other topic (no match)", 0,
         GATED3(XF "predicates.TopicNameMatches", "pattern", "other-.*")},
        {"str-untouched-header", REC_STRING, "str-base",
         "3 steps, predicate HasHeaderKey absent (no match)", 0,
         GATED3(XF "predicates.HasHeaderKey", "name", "absent")},
        {"str-regexrouter", REC_STRING, "str-base", "RegexRouter (.*) -> $1-routed", 0,
         KV("transforms", "r", "transforms.r.type", "RegexRouter", "transforms.r.regex", "(.*)",
            "transforms.r.replacement", "$1-routed")},
        {"str-timestamprouter", REC_STRING, "str-base",
         "TimestampRouter ${topic}-${timestamp} yyyyMMdd", 0,
         KV("transforms", "t", "transforms.t.type", "TimestampRouter")},
        {"str-insertheader", REC_STRING, "str-base", "InsertHeader source=bench", 0,
         KV("transforms", "h", "transforms.h.type", "InsertHeader", "transforms.h.header",
            "source", "transforms.h.value.literal", "bench")},
        {"str-filter-half", REC_STRING, "str-base",
         "Filter if HasHeaderKey drop (every 2nd record: dropped)", 2,
         KV("transforms", "f", "transforms.f.type", "Filter", "transforms.f.predicate", "drop",
            "predicates", "drop", "predicates.drop.type", "HasHeaderKey", "predicates.drop.name",
            "drop")},
        {"struct-base", REC_STRUCT, NULL, "no transforms (JsonConverter schemas, 6-field struct)",
         0, KV(NULL)},
        {"struct-untouched-topic", REC_STRUCT, "struct-base",
         "3 steps, predicate TopicNameMatches other topic (no match)", 0,
         GATED3(XF "predicates.TopicNameMatches", "pattern", "other-.*")},
        {"struct-insertfield", REC_STRUCT, "struct-base",
         "InsertField$Value static.field source=bench", 0,
         KV("transforms", "i", "transforms.i.type", "InsertField$Value",
            "transforms.i.static.field", "source", "transforms.i.static.value", "bench")},
        {"struct-replacefield", REC_STRUCT, "struct-base",
         "ReplaceField$Value exclude email, rename name:full_name", 0,
         KV("transforms", "r", "transforms.r.type", "ReplaceField$Value", "transforms.r.exclude",
            "email", "transforms.r.renames", "name:full_name")},
        {"struct-cast", REC_STRUCT, "struct-base", "Cast$Value id:string,amount:float32", 0,
         KV("transforms", "c", "transforms.c.type", "Cast$Value", "transforms.c.spec",
            "id:string,amount:float32")},
        {"struct-maskfield", REC_STRUCT, "struct-base", "MaskField$Value email,amount", 0,
         KV("transforms", "m", "transforms.m.type", "MaskField$Value", "transforms.m.fields",
            "email,amount")},
        {"struct-hoistfield", REC_STRUCT, "struct-base", "HoistField$Value field=order", 0,
         KV("transforms", "h", "transforms.h.type", "HoistField$Value", "transforms.h.field",
            "order")},
        {"struct-extractfield", REC_STRUCT, "struct-base", "ExtractField$Value field=name", 0,
         KV("transforms", "e", "transforms.e.type", "ExtractField$Value", "transforms.e.field",
            "name")},
        {"struct-regexrouter", REC_STRUCT, "struct-base", "RegexRouter (.*) -> $1-routed", 0,
         KV("transforms", "r", "transforms.r.type", "RegexRouter", "transforms.r.regex", "(.*)",
            "transforms.r.replacement", "$1-routed")},
        {"struct-chain4", REC_STRUCT, "struct-base",
         "InsertField + ReplaceField + Cast + TimestampRouter", 0,
         KV("transforms", "i,r,c,t", "transforms.i.type", "InsertField$Value",
            "transforms.i.static.field", "source", "transforms.i.static.value", "bench",
            "transforms.r.type", "ReplaceField$Value", "transforms.r.exclude", "email",
            "transforms.c.type", "Cast$Value", "transforms.c.spec", "amount:float32",
            "transforms.t.type", "TimestampRouter")},
        {"map-base", REC_MAP, NULL, "no transforms (JsonConverter schemaless, 6-key map)", 0,
         KV(NULL)},
        {"map-insertfield", REC_MAP, "map-base", "InsertField$Value static.field source=bench",
         0,
         KV("transforms", "i", "transforms.i.type", "InsertField$Value",
            "transforms.i.static.field", "source", "transforms.i.static.value", "bench")},
        {"map-chain4", REC_MAP, "map-base",
         "InsertField + ReplaceField + Cast + TimestampRouter", 0,
         KV("transforms", "i,r,c,t", "transforms.i.type", "InsertField$Value",
            "transforms.i.static.field", "source", "transforms.i.static.value", "bench",
            "transforms.r.type", "ReplaceField$Value", "transforms.r.exclude", "email",
            "transforms.c.type", "Cast$Value", "transforms.c.spec", "amount:float32",
            "transforms.t.type", "TimestampRouter")},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

typedef struct opts {
        double time_s;
        int reps;
        size_t records; /* 0: calibrate to time_s */
        size_t zc_records;
        const char *only;
        bool csv;
} opts_t;

typedef struct result {
        bool ran;
        size_t records, kept;
        double host_ns, view_ns, copy_ns, apply_ns, free_ns;
        double alloc_b; /* bytes allocated per record in the host path, < 0: unknown */
        double cpu_share; /* host pass CPU time / wall time, lowest rep */
        size_t zc_borrowed, zc_produced;
} result_t;

/* The records' memory: what a connector would hold while its batch is in
 * flight (DataGenSource's chunk, FileStreamSource's read buffer). */
static char *str_pool;
static sl_json_t *str_schema, *struct_schema;
static sl_json_t *struct_pool[POOL];
static const sl_header_t drop_header = {"drop", "1", 1};

/* Keeps results observable so no pass can be optimised away. */
static volatile uint64_t sink;

/* jemalloc's count of bytes this thread allocated: a copy shows up as
 * bytes per record over the baseline. Weak, as in src/shard/arena.c, so
 * a build without jemalloc still links (the column is then "-"). */
#pragma weak mallctl
static uint64_t *allocp;

static uint64_t allocated(void) {
        return allocp ? *allocp : 0;
}

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This thread's CPU time: less than the wall time means it was
 * descheduled (other load on the machine) and the rep reads slow. */
static double cpu_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail) {
        fprintf(stderr, "xform-bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
        exit(1);
}

static void build_pools(void) {
        static const char alphabet[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .";
        static const char sschema[] =
                "{\"type\":\"struct\",\"name\":\"bench.Order\",\"optional\":false,\"fields\":["
                "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
                "{\"field\":\"name\",\"type\":\"string\",\"optional\":false},"
                "{\"field\":\"email\",\"type\":\"string\",\"optional\":true},"
                "{\"field\":\"amount\",\"type\":\"double\",\"optional\":false},"
                "{\"field\":\"active\",\"type\":\"boolean\",\"optional\":false},"
                "{\"field\":\"created\",\"type\":\"int64\",\"optional\":false,"
                "\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}]}";
        static const char tschema[] = "{\"type\":\"string\",\"optional\":false}";
        uint64_t x = 0x9e3779b97f4a7c15ULL;
        char buf[64];

        str_pool = malloc((size_t)POOL * STR_LEN);
        if (!str_pool)
                die("out of memory", NULL);
        /* like the bench's data files: a 16-digit sequence, then text */
        for (size_t i = 0; i < POOL; i++) {
                char *p = str_pool + i * STR_LEN;
                snprintf(buf, sizeof(buf), "%016zx", i);
                memcpy(p, buf, 16);
                for (size_t j = 16; j < STR_LEN; j++) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        p[j] = alphabet[x & 63];
                }
        }
        str_schema = sl_json_parse(tschema, sizeof(tschema) - 1, NULL, 0);
        struct_schema = sl_json_parse(sschema, sizeof(sschema) - 1, NULL, 0);
        if (!str_schema || !struct_schema)
                die("bad schema JSON", NULL);
        for (size_t i = 0; i < POOL; i++) {
                sl_json_t *o = sl_json_object();

                sl_json_object_set(o, "id", sl_json_int((int64_t)(1000000 + i)));
                snprintf(buf, sizeof(buf), "customer-%06zu", i);
                sl_json_object_set(o, "name", sl_json_string(buf));
                snprintf(buf, sizeof(buf), "user%zu@example.com", i);
                sl_json_object_set(o, "email", sl_json_string(buf));
                sl_json_object_set(o, "amount", sl_json_double(12.5 + (double)i * 0.25));
                sl_json_object_set(o, "active", sl_json_bool(i % 3 != 0));
                sl_json_object_set(o, "created", sl_json_int(TS_BASE + (int64_t)i));
                struct_pool[i] = o;
        }
}

/* Record i of a case, as a connector's poll would build it; strnode is
 * the caller's stack node a string value borrows its bytes through. */
static void make_record(const bench_case_t *c, size_t i, sl_source_record_t *rec,
                        sl_json_t *strnode) {
        size_t k = i % POOL;

        memset(rec, 0, sizeof(*rec));
        rec->topic = TOPIC;
        rec->partition = -1;
        rec->timestamp = TS_BASE + (int64_t)k;
        if (c->kind == REC_STRING) {
                *strnode = SL_JSON_STRING_REF(str_pool + k * STR_LEN, STR_LEN);
                rec->value = (sl_data_t){str_schema, strnode};
        } else {
                /* a map is the struct's value without its schema */
                rec->value = (sl_data_t){c->kind == REC_STRUCT ? struct_schema : NULL,
                                         struct_pool[k]};
        }
        if (c->header_every && i % (size_t)c->header_every == 0) {
                rec->headers = &drop_header;
                rec->header_cnt = 1;
        }
}

/* ---------------------------------------------------------------- task */

static sl_worker_t *worker;
static char offsets_path[256];

/* A worker only for the task's topic tracking: it never dials its
 * bootstrap address (no client is made), and one idle shard. */
static void worker_start(void) {
        sl_strmap_t *raw = sl_strmap_new();
        char err[1024];

        snprintf(offsets_path, sizeof(offsets_path), "/tmp/xform-bench-%d.offsets",
                 (int)getpid());
        sl_strmap_set(raw, "bootstrap.servers", "127.0.0.1:9");
        sl_strmap_set(raw, "key.converter", "org.apache.kafka.connect.storage.StringConverter");
        sl_strmap_set(raw, "value.converter", "org.apache.kafka.connect.storage.StringConverter");
        sl_strmap_set(raw, "offset.storage.file.filename", offsets_path);
        sl_strmap_set(raw, "offset.flush.interval.ms", "3600000");
        sl_strmap_set(raw, "shard.count", "1");
        sl_strmap_set(raw, "io.uring.enable", "false");
        worker = sl_worker_new(raw, false, err, sizeof(err));
        sl_strmap_destroy(raw);
        if (!worker)
                die("cannot create the worker", err);
}

static void worker_stop(void) {
        sl_worker_destroy(worker);
        unlink(offsets_path);
}

typedef struct dr_stats {
        size_t reports, in_pool;
} dr_stats_t;

static dr_stats_t drs;

/* Where each purged record's value bytes were, then the host's own
 * delivery handling (which frees the batch after its last report). */
static void count_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        const char *p = m->payload;

        drs.reports++;
        if (p && p >= str_pool && p < str_pool + (size_t)POOL * STR_LEN)
                drs.in_pool++;
        sl_source_batch_dr_cb(rk, m, opaque);
}

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
        (void)rk;
        (void)level;
        (void)fac;
        (void)buf;
}

static sl_task_t *task_new(const bench_case_t *c) {
        sl_task_t *t = calloc(1, sizeof(*t));
        sl_strmap_t *cfg = sl_strmap_new(), *jcfg = sl_strmap_new();
        sl_config_errors_t *errs = sl_config_errors_new();
        char err[1024];

        if (!t)
                die("out of memory", NULL);
        t->worker = worker;
        t->connector = strdup("xform-bench");
        atomic_init(&t->stop, false);
        atomic_init(&t->paused, false);
        atomic_init(&t->status, SL_STATE_RUNNING);
        atomic_init(&t->delivery_failed, false);
        atomic_init(&t->topics_cleared, false);
        pthread_mutex_init(&t->lock, NULL);
        pthread_mutex_init(&t->topics_lock, NULL);
        t->topics = sl_strmap_new();
        t->key_conv = sl_converter_new("StringConverter", NULL, true, err, sizeof(err));
        if (!t->key_conv)
                die("key converter", err);
        if (c->kind == REC_STRING) {
                t->value_conv = sl_converter_new("StringConverter", NULL, false, err, sizeof(err));
        } else {
                sl_strmap_set(jcfg, "schemas.enable", c->kind == REC_STRUCT ? "true" : "false");
                t->value_conv = sl_converter_new("JsonConverter", jcfg, false, err, sizeof(err));
        }
        if (!t->value_conv)
                die("value converter", err);
        /* the connector config: the error handler names its converters */
        sl_strmap_set(cfg, "key.converter", "org.apache.kafka.connect.storage.StringConverter");
        sl_strmap_set(cfg, "value.converter",
                      c->kind == REC_STRING ? "org.apache.kafka.connect.storage.StringConverter"
                                            : "org.apache.kafka.connect.json.JsonConverter");
        for (const char *const *kv = c->config; kv[0]; kv += 2)
                sl_strmap_set(cfg, kv[0], kv[1]);
        t->config = cfg;
        /* errors.tolerance=none: a record that fails ends the run */
        t->errh = sl_errh_new(t, cfg, false, err, sizeof(err));
        if (!t->errh)
                die("error handler", err);
        /* the worker leaves the chain NULL without transforms */
        if (sl_strmap_get(cfg, "transforms")) {
                t->chain = sl_xchain_new(cfg, errs);
                if (!t->chain) {
                        const char *k = sl_config_errors_key(errs, 0);
                        fprintf(stderr, "xform-bench: %s: %s: %s\n", c->name, k,
                                sl_config_errors_key_at(errs, k, 0));
                        exit(1);
                }
        }
        sl_config_errors_destroy(errs);
        sl_strmap_destroy(jcfg);
        return t;
}

static void task_free(sl_task_t *t) {
        sl_task_release(t);
}

static void no_release(void *opaque) {
        (void)opaque;
}

static void add_or_die(sl_task_t *t, const bench_case_t *c, sl_source_batch_t *b,
                       const sl_source_record_t *rec) {
        int rc = sl_source_batch_add(b, rec);

        if (rc != 0) {
                fprintf(stderr, "xform-bench: %s: sl_source_batch_add: %s%s%s\n", c->name,
                        sl_err2str(rc), t->convert_failed ? ": " : "",
                        t->convert_failed ? t->convert_err : "");
                exit(1);
        }
}

/* ---------------------------------------------------------------- passes */

/* n records through sl_source_batch_add in batches of BATCH; returns the
 * seconds taken, the records kept in *kept and the bytes allocated on the
 * way in *bytes. */
static double host_pass(sl_task_t *t, const bench_case_t *c, size_t n, size_t *kept,
                        uint64_t *bytes, double *cpu_share) {
        sl_json_t strnode;
        sl_source_record_t rec;
        size_t i = 0, total = 0;
        uint64_t a0 = allocated();
        double t0 = now_s(), c0 = cpu_s(), secs;

        while (i < n) {
                sl_source_batch_t *b = sl_source_batch_new(t, BATCH);
                size_t end = i + BATCH < n ? i + BATCH : n;

                if (!b)
                        die("out of memory", NULL);
                /* as DataGenSource does: its chunk outlives the batch, so
                 * string values may be produced straight from it */
                sl_source_batch_hold(b, no_release, NULL);
                for (; i < end; i++) {
                        make_record(c, i, &rec, &strnode);
                        add_or_die(t, c, b, &rec);
                }
                total += sl_source_batch_count(b);
                sl_source_batch_destroy(b);
        }
        secs = now_s() - t0;
        *cpu_share = (cpu_s() - c0) / (secs > 1e-9 ? secs : 1e-9);
        *kept = total;
        *bytes = allocated() - a0;
        return secs;
}

/* The host's view of a record, as sl_source_batch_add builds it. */
static sl_recview_t view_of(const sl_source_record_t *rec) {
        return (sl_recview_t){rec->topic, rec->partition, &rec->key, &rec->value,
                              rec->timestamp, rec->headers, rec->header_cnt};
}

/* The chain's share of the host path, with the host's own functions, for
 * every record (touched or not): the predicates on the view, the deep
 * copy, the chain, freeing the copy; seconds of each in secs[4]. */
static void breakdown_pass(sl_task_t *t, const bench_case_t *c, size_t n, double secs[4]) {
        static sl_xrecord_t x[CHUNK];
        sl_source_record_t recs[CHUNK];
        sl_recview_t views[CHUNK];
        sl_json_t strnodes[CHUNK];
        char err[1024];
        uint64_t acc = 0;

        memset(secs, 0, 4 * sizeof(*secs));
        for (size_t i = 0; i < n; i += CHUNK) {
                size_t m = n - i < CHUNK ? n - i : CHUNK;
                double t0, t1, t2, t3, t4;

                for (size_t j = 0; j < m; j++)
                        make_record(c, i + j, &recs[j], &strnodes[j]);
                t0 = now_s();
                for (size_t j = 0; j < m; j++) {
                        views[j] = view_of(&recs[j]);
                        acc += sl_task_chain_touches(t->chain, &views[j]);
                }
                t1 = now_s();
                for (size_t j = 0; j < m; j++)
                        if (sl_task_xrecord_fill(&x[j], &views[j]) != 0)
                                die("out of memory", NULL);
                t2 = now_s();
                for (size_t j = 0; j < m; j++) {
                        int rc = sl_xchain_apply(t->chain, &x[j], err, sizeof(err));

                        if (rc < 0)
                                die(c->name, err);
                        acc += (uint64_t)rc + (x[j].value ? x[j].value->type : 0) +
                               strlen(x[j].topic);
                }
                t3 = now_s();
                for (size_t j = 0; j < m; j++)
                        sl_xrecord_clear(&x[j]);
                t4 = now_s();
                secs[0] += t1 - t0;
                secs[1] += t2 - t1;
                secs[2] += t3 - t2;
                secs[3] += t4 - t3;
        }
        sink += acc;
}

/* One batch of n records produced and purged: how many values reached
 * the producer still pointing into the records' own memory. */
static void zero_copy_pass(sl_task_t *t, const bench_case_t *c, size_t n, result_t *r) {
        sl_source_batch_t *b = sl_source_batch_new(t, n);
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char err[512];
        sl_json_t strnode;
        sl_source_record_t rec;
        size_t produced;
        double deadline;

        if (!b)
                die("out of memory", NULL);
        /* a producer for this pass only (its threads would idle through
         * the timed ones): no broker, every record is purged from its
         * queue before it could be sent */
        rd_kafka_conf_set(conf, "client.id", "xform-bench", NULL, 0);
        rd_kafka_conf_set_log_cb(conf, quiet_log);
        rd_kafka_conf_set_dr_msg_cb(conf, count_dr);
        t->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!t->rk)
                die("producer", err);
        memset(&drs, 0, sizeof(drs));
        sl_source_batch_hold(b, no_release, NULL);
        for (size_t i = 0; i < n; i++) {
                make_record(c, i, &rec, &strnode);
                add_or_die(t, c, b, &rec);
        }
        produced = sl_source_batch_produce(b);
        if (!sl_source_batch_produced_all(b))
                die(c->name, "the producer queue filled up in the zero-copy pass");
        rd_kafka_purge(t->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        deadline = now_s() + 10;
        while (drs.reports < produced && now_s() < deadline)
                rd_kafka_poll(t->rk, 10);
        if (drs.reports < produced || (produced && !sl_source_batch_done(b)))
                die(c->name, "purged records never reported back");
        sl_source_batch_destroy(b);
        atomic_store(&t->delivery_failed, false); /* purged on purpose */
        if (t->rkt)
                rd_kafka_topic_destroy(t->rkt);
        t->rkt = NULL;
        rd_kafka_destroy(t->rk);
        t->rk = NULL;
        r->zc_produced = produced;
        r->zc_borrowed = drs.in_pool;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
        qsort(v, (size_t)n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One case's task and its measurements so far. */
typedef struct case_run {
        const bench_case_t *c;
        sl_task_t *t;
        size_t n, nb; /* records per host rep, per breakdown rep */
        double host[64], parts[4][64];
        double min_share;
        size_t kept;
        uint64_t bytes;
} case_run_t;

/* Warm-up runs, doubling until one takes a tenth of --time (the
 * allocator and caches settle), say how many records make --time
 * seconds; the breakdown, which copies every record, gets its own count. */
static void calibrate(case_run_t *cr, const opts_t *o) {
        size_t wn = BATCH;
        double warm, share, secs[4];

        cr->n = cr->nb = o->records;
        cr->min_share = 1;
        if (o->records)
                return;
        warm = host_pass(cr->t, cr->c, wn, &cr->kept, &cr->bytes, &share);
        while (warm < o->time_s / 10 && wn < ((size_t)1 << 30)) {
                wn *= 2;
                warm = host_pass(cr->t, cr->c, wn, &cr->kept, &cr->bytes, &share);
        }
        cr->n = (size_t)(o->time_s / (warm > 1e-9 ? warm : 1e-9) * (double)wn / BATCH + 0.5) *
                BATCH;
        if (cr->n < BATCH)
                cr->n = BATCH;
        if (!cr->t->chain)
                return;
        wn = BATCH;
        do {
                breakdown_pass(cr->t, cr->c, wn, secs);
                warm = secs[0] + secs[1] + secs[2] + secs[3];
                wn *= 2;
        } while (warm < o->time_s / 10 && wn < ((size_t)1 << 30));
        wn /= 2;
        cr->nb = (size_t)(o->time_s / (warm > 1e-9 ? warm : 1e-9) * (double)wn / CHUNK + 0.5) *
                 CHUNK;
        if (cr->nb < CHUNK)
                cr->nb = CHUNK;
}

/* Rep k of one case: the host path, then the chain's parts. */
static void measure(case_run_t *cr, int k) {
        double share, secs[4];

        cr->host[k] = host_pass(cr->t, cr->c, cr->n, &cr->kept, &cr->bytes, &share) /
                      (double)cr->n * 1e9;
        if (share < cr->min_share)
                cr->min_share = share;
        sink += cr->kept;
        if (!cr->t->chain)
                return;
        breakdown_pass(cr->t, cr->c, cr->nb, secs);
        for (int p = 0; p < 4; p++)
                cr->parts[p][k] = secs[p] / (double)cr->nb * 1e9;
}

static void finish(case_run_t *cr, const opts_t *o, result_t *r) {
        zero_copy_pass(cr->t, cr->c, o->zc_records, r);
        r->ran = true;
        r->records = cr->n;
        r->kept = cr->kept;
        r->host_ns = median(cr->host, o->reps);
        r->alloc_b = allocp ? (double)cr->bytes / (double)cr->n : -1;
        r->cpu_share = cr->min_share;
        if (cr->t->chain) {
                r->view_ns = median(cr->parts[0], o->reps);
                r->copy_ns = median(cr->parts[1], o->reps);
                r->apply_ns = median(cr->parts[2], o->reps);
                r->free_ns = median(cr->parts[3], o->reps);
        }
        task_free(cr->t);
}

/* ---------------------------------------------------------------- output */

static const result_t *base_of(const bench_case_t *c, const result_t *res) {
        for (size_t i = 0; c->base && i < NCASES; i++)
                if (!strcmp(cases[i].name, c->base))
                        return res[i].ran ? &res[i] : NULL;
        return NULL;
}

/* "-" for a part the case has not got */
static void fmt_num(char *buf, size_t size, bool have, const char *fmt, double v) {
        if (have)
                snprintf(buf, size, fmt, v);
        else
                snprintf(buf, size, "-");
}

static void print_table(const result_t *res, const opts_t *o) {
        printf("%-23s %9s %8s %9s %8s %7s %6s %6s %7s %6s %9s  %s\n", "case", "records", "ns/rec",
               "rec/s", "+ns/rec", "alloc B", "view", "copy", "apply", "free", "zero-copy",
               "transforms");
        for (size_t i = 0; i < NCASES; i++) {
                const result_t *r = &res[i], *b = base_of(&cases[i], res);
                bool chain = cases[i].config[0] != NULL;
                char delta[32], alloc[32], parts[4][32], zc[32];

                if (!r->ran)
                        continue;
                fmt_num(delta, sizeof(delta), b, "%+.0f", b ? r->host_ns - b->host_ns : 0);
                fmt_num(alloc, sizeof(alloc), r->alloc_b >= 0, "%.0f", r->alloc_b);
                fmt_num(parts[0], sizeof(parts[0]), chain, "%.0f", r->view_ns);
                fmt_num(parts[1], sizeof(parts[1]), chain, "%.0f", r->copy_ns);
                fmt_num(parts[2], sizeof(parts[2]), chain, "%.0f", r->apply_ns);
                fmt_num(parts[3], sizeof(parts[3]), chain, "%.0f", r->free_ns);
                snprintf(zc, sizeof(zc), "%zu/%zu", r->zc_borrowed, r->zc_produced);
                printf("%-23s %9zu %7.1f%s %9.0f %8s %7s %6s %6s %7s %6s %9s  %s\n",
                       cases[i].name, r->records, r->host_ns, r->cpu_share < 0.9 ? "*" : " ",
                       1e9 / r->host_ns, delta, alloc, parts[0], parts[1], parts[2], parts[3],
                       zc, cases[i].desc);
        }
        printf("\nns/rec: sl_source_batch_add per input record, median of %d rep(s); batches of "
               "%d records, batch create/destroy included.\n"
               "  *: a rep got under 90%% of a CPU (descheduled by other load): read it "
               "with care.\n"
               "+ns/rec: over the case's baseline (str-base, struct-base or map-base).\n"
               "alloc B: bytes malloc'd per record on that path (jemalloc's per-thread count; "
               "the baseline's is the batch's\n"
               "  record array and its growing arena): a deep copy shows up as more.\n"
               "view/copy/apply/free (ns): the chain's parts alone, done to every record "
               "whether touched or not;\n"
               "  the host copies, applies and frees only the records the chain touches.\n"
               "zero-copy: values that reached the producer still pointing into the "
               "connector's memory / records\n"
               "  produced (one batch of %zu; JsonConverter always writes new bytes, so "
               "struct/map records are never zero-copy).\n",
               o->reps, BATCH, o->zc_records);
}

static void print_csv(const result_t *res) {
        printf("case,record,converter,base,records,kept,host_ns_per_record,records_per_s,"
               "extra_ns_per_record,alloc_bytes_per_record,view_ns,copy_ns,apply_ns,free_ns,"
               "zero_copy_values,produced,cpu_share,transforms\n");
        for (size_t i = 0; i < NCASES; i++) {
                const result_t *r = &res[i], *b = base_of(&cases[i], res);
                bool chain = cases[i].config[0] != NULL;

                if (!r->ran)
                        continue;
                printf("%s,%s,%s,%s,%zu,%zu,%.2f,%.0f,", cases[i].name,
                       kind_names[cases[i].kind], kind_converters[cases[i].kind],
                       cases[i].base ? cases[i].base : "", r->records, r->kept, r->host_ns,
                       1e9 / r->host_ns);
                if (b)
                        printf("%.2f", r->host_ns - b->host_ns);
                printf(",");
                if (r->alloc_b >= 0)
                        printf("%.1f", r->alloc_b);
                if (chain)
                        printf(",%.2f,%.2f,%.2f,%.2f", r->view_ns, r->copy_ns, r->apply_ns,
                               r->free_ns);
                else
                        printf(",,,,");
                /* descriptions hold commas: quoted */
                printf(",%zu,%zu,%.2f,\"%s\"\n", r->zc_borrowed, r->zc_produced, r->cpu_share,
                       cases[i].desc);
        }
}

static bool wanted(const char *only, const char *name) {
        size_t len = strlen(name);

        if (!only || !*only)
                return true;
        for (const char *p = only; *p;) {
                const char *e = strchr(p, ',');
                size_t n = e ? (size_t)(e - p) : strlen(p);

                if (n == len && !strncmp(p, name, n))
                        return true;
                p += n + (e != NULL);
        }
        return false;
}

static void usage(FILE *f) {
        fprintf(f, "usage: xform-bench [--quick] [--time S] [--reps N] [--records N] "
                   "[--only a,b] [--csv] [--list]\n"
                   "  --time S     seconds of records per rep (default 1; quick 0.1)\n"
                   "  --reps N     reps per case, median reported (default 3; quick 1)\n"
                   "  --records N  records per rep instead of calibrating to --time\n"
                   "  --only LIST  comma list of case names (--list shows them)\n"
                   "  --csv        machine-readable rows instead of the table\n");
}

static double arg_num(int argc, char **argv, int *i) {
        char *end;
        double v;

        if (*i + 1 >= argc)
                die("missing value for", argv[*i]);
        errno = 0;
        v = strtod(argv[++*i], &end);
        if (errno || *end || v <= 0)
                die("bad value for", argv[*i - 1]);
        return v;
}

int main(int argc, char **argv) {
        opts_t o = {.time_s = 1.0, .reps = 3, .zc_records = BATCH};
        bool quick = false, time_set = false, reps_set = false;
        size_t selected = 0, nruns = 0, idx[NCASES];
        static result_t res[NCASES];
        static case_run_t runs[NCASES];

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--quick")) {
                        quick = true;
                } else if (!strcmp(argv[i], "--time")) {
                        o.time_s = arg_num(argc, argv, &i);
                        time_set = true;
                } else if (!strcmp(argv[i], "--reps")) {
                        o.reps = (int)arg_num(argc, argv, &i);
                        reps_set = true;
                } else if (!strcmp(argv[i], "--records")) {
                        o.records = (size_t)arg_num(argc, argv, &i);
                } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
                        o.only = argv[++i];
                } else if (!strcmp(argv[i], "--csv")) {
                        o.csv = true;
                } else if (!strcmp(argv[i], "--list")) {
                        for (size_t c = 0; c < NCASES; c++)
                                printf("%-24s %s\n", cases[c].name, cases[c].desc);
                        return 0;
                } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
                        usage(stdout);
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        if (quick) {
                if (!time_set)
                        o.time_s = 0.1;
                if (!reps_set)
                        o.reps = 1;
        }
        if (o.reps < 1 || o.reps > 64)
                die("--reps must be 1..64", NULL);
        for (size_t i = 0; i < NCASES; i++)
                selected += wanted(o.only, cases[i].name);
        if (!selected)
                die("--only names no case (see --list)", o.only);

        if (mallctl) {
                size_t sz = sizeof(allocp);

                if (mallctl("thread.allocatedp", &allocp, &sz, NULL, 0) != 0)
                        allocp = NULL;
        }
        sl_log_set_level(SL_LOG_WARN);
        build_pools();
        worker_start();
        /* reps go round every case in turn, so drift in the machine's
         * speed (other VMs, other load) hits all cases alike */
        for (size_t i = 0; i < NCASES; i++) {
                if (!wanted(o.only, cases[i].name))
                        continue;
                fprintf(stderr, "  calibrating %s\n", cases[i].name);
                runs[nruns].c = &cases[i];
                runs[nruns].t = task_new(&cases[i]);
                calibrate(&runs[nruns], &o);
                idx[nruns++] = i;
        }
        for (int k = 0; k < o.reps; k++) {
                fprintf(stderr, "  rep %d of %d\n", k + 1, o.reps);
                for (size_t i = 0; i < nruns; i++)
                        measure(&runs[i], k);
        }
        for (size_t i = 0; i < nruns; i++)
                finish(&runs[i], &o, &res[idx[i]]);
        worker_stop();
        if (o.csv)
                print_csv(res);
        else
                print_table(res, &o);
        for (size_t i = 0; i < POOL; i++)
                sl_json_free(struct_pool[i]);
        sl_json_free(str_schema);
        sl_json_free(struct_schema);
        free(str_pool);
        return 0;
}
