/* DataGenSource task: record sizes and contents, count split across
 * tasks, resume from a stored offset, zero copy. The host's batch and
 * task-context functions are faked here. */
#include <ctype.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datagen/datagen.h"
#include "sl_test.h"

#define MAX_RECS 20000

/* ------------------------------------------------------------- fakes */

struct sl_source_batch {
        size_t cap;
        size_t n;
        const char *ptr[MAX_RECS];
        size_t len[MAX_RECS];
        char *copy[MAX_RECS]; /* contents when added */
        void (*release)(void *);
        void *opaque;
        int holds;
        bool added_without_hold;
        sl_json_t *part, *off;
};

struct sl_task_ctx {
        int id;
        sl_json_t *stored; /* offset returned for any partition */
        sl_json_t *asked;  /* last partition asked for */
};

static int releases_pending; /* holds not yet released */

int sl_source_batch_add(sl_source_batch_t *b, const sl_source_record_t *rec)
{
        const sl_json_t *v = rec->value.value;
        if (b->n >= MAX_RECS || b->n >= b->cap)
                return SL_ERR_STATE;
        CHECK_STR(rec->topic, "gen");
        CHECK_INT(rec->partition, -1);
        CHECK(rec->key.value == NULL && rec->key.schema == NULL);
        CHECK_INT(rec->timestamp, 0);
        CHECK_INT(rec->header_cnt, 0);
        CHECK_STR(sl_json_object_get_str(rec->value.schema, "type"),
                  "string");
        CHECK(v && v->type == SL_JSON_STRING);
        if (!b->release)
                b->added_without_hold = true;
        b->ptr[b->n] = v->u.str.ptr;
        b->len[b->n] = v->u.str.len;
        b->copy[b->n] = malloc(v->u.str.len);
        memcpy(b->copy[b->n], v->u.str.ptr, v->u.str.len);
        b->n++;
        return 0;
}

int sl_source_batch_set_offset(sl_source_batch_t *b, const sl_json_t *part,
                               const sl_json_t *off)
{
        sl_json_free(b->part);
        sl_json_free(b->off);
        b->part = sl_json_dup(part);
        b->off = sl_json_dup(off);
        return 0;
}

void sl_source_batch_hold(sl_source_batch_t *b, void (*release)(void *),
                          void *opaque)
{
        b->release = release;
        b->opaque = opaque;
        b->holds++;
        releases_pending++;
}

size_t sl_source_batch_count(const sl_source_batch_t *b)
{
        return b->n;
}

size_t sl_source_batch_room(const sl_source_batch_t *b)
{
        return b->cap - b->n;
}

const char *sl_task_connector(const sl_task_ctx_t *ctx)
{
        (void)ctx;
        return "datagen-test";
}

int sl_task_id(const sl_task_ctx_t *ctx)
{
        return ctx->id;
}

sl_json_t *sl_task_offset(sl_task_ctx_t *ctx, const sl_json_t *part)
{
        sl_json_free(ctx->asked);
        ctx->asked = sl_json_dup(part);
        return ctx->stored ? sl_json_dup(ctx->stored) : NULL;
}

bool sl_task_stopping(const sl_task_ctx_t *ctx)
{
        (void)ctx;
        return false;
}

/* Weak so the real readers win when src/config is linked in. */
__attribute__((weak)) const char *sl_config_str(const sl_strmap_t *cfg,
                                                const char *key)
{
        return sl_strmap_get(cfg, key);
}

__attribute__((weak)) int64_t sl_config_long(const sl_strmap_t *cfg,
                                             const char *key, int64_t def)
{
        const char *v = sl_strmap_get(cfg, key);
        return v ? strtoll(v, NULL, 10) : def;
}

/* --------------------------------------------------------- harness */

static const sl_connector_plugin_t *P = &sl_datagen_source_plugin;

static sl_source_batch_t *batch_new(size_t cap)
{
        sl_source_batch_t *b = calloc(1, sizeof(*b));
        b->cap = cap;
        return b;
}

/* The records were produced: they must still read as they did when added
 * (nothing rewrote held memory); then release the hold. */
static void deliver(sl_source_batch_t *b)
{
        size_t cap = b->cap;
        for (size_t i = 0; i < b->n; i++) {
                CHECK(memcmp(b->ptr[i], b->copy[i], b->len[i]) == 0);
                free(b->copy[i]);
        }
        if (b->release) {
                b->release(b->opaque);
                releases_pending--;
        }
        sl_json_free(b->part);
        sl_json_free(b->off);
        memset(b, 0, sizeof(*b));
        b->cap = cap;
}

static int64_t batch_seq(const sl_source_batch_t *b)
{
        const sl_json_t *p = sl_json_object_get(b->off, "seq");
        return p && p->type == SL_JSON_INT ? p->u.i : -1;
}

static sl_strmap_t *config(const char *count, const char *size,
                           const char *batch_size)
{
        sl_strmap_t *cfg = sl_strmap_new();
        sl_strmap_set(cfg, "topic", "gen");
        if (count)
                sl_strmap_set(cfg, "count", count);
        if (size)
                sl_strmap_set(cfg, "record.size", size);
        if (batch_size)
                sl_strmap_set(cfg, "batch.size", batch_size);
        return cfg;
}

static void *start_cfg(sl_task_ctx_t *ctx, const sl_strmap_t *cfg)
{
        char errstr[256] = "";
        void *state = NULL;
        int r = P->task_start(ctx, cfg, &state, errstr, sizeof(errstr));
        CHECK_INT(r, 0);
        if (r)
                fprintf(stderr, "start: %s\n", errstr);
        return state;
}

static void *start(sl_task_ctx_t *ctx, const char *count, const char *size,
                   const char *batch_size)
{
        sl_strmap_t *cfg = config(count, size, batch_size);
        void *s = start_cfg(ctx, cfg);
        sl_strmap_destroy(cfg);
        return s;
}

static int poll_once(void *s, sl_source_batch_t *b)
{
        char errstr[256] = "";
        int r = P->source_poll(s, b, errstr, sizeof(errstr));
        if (r < 0)
                fprintf(stderr, "poll: %s\n", errstr);
        CHECK_INT(r, (int)b->n);
        return r;
}

static void ctx_free(sl_task_ctx_t *ctx)
{
        sl_json_free(ctx->stored);
        sl_json_free(ctx->asked);
}

static uint64_t seq_of(const char *p, size_t len)
{
        char buf[17];
        size_t n = len < 16 ? len : 16;
        memcpy(buf, p, n);
        buf[n] = '\0';
        return strtoull(buf, NULL, 16);
}

static bool printable(const char *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!isgraph((unsigned char)p[i]))
                        return false;
        return true;
}

/* ----------------------------------------------------------- tests */

static void check_sizes(const char *size, size_t want)
{
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t *b = batch_new(MAX_RECS);
        void *s = start(&ctx, "-1", size, "500");
        uint64_t next = 0;

        /* Several polls so records come from more than one chunk when
         * they are large. */
        for (int round = 0; round < 3; round++) {
                int r = poll_once(s, b);
                CHECK(r > 0);
                for (size_t i = 0; i < b->n; i++) {
                        CHECK_INT(b->len[i], want);
                        CHECK(printable(b->ptr[i], b->len[i]));
                        if (want >= 16)
                                CHECK_INT(seq_of(b->ptr[i], b->len[i]),
                                          next);
                        else /* the low digits of the sequence number */
                                CHECK_INT(seq_of(b->ptr[i], b->len[i]),
                                          next & ((1ULL << (4 * want)) - 1));
                        next++;
                }
                CHECK_INT(batch_seq(b), next);
                deliver(b);
        }
        P->task_stop(s);
        free(b);
        ctx_free(&ctx);
}

static void test_record_sizes(void)
{
        check_sizes(NULL, 100); /* default */
        check_sizes("1", 1);
        check_sizes("16", 16);
        check_sizes("17", 17);
        check_sizes("1024", 1024);
        check_sizes("3000000", 3000000); /* bigger than a chunk */
}

/* Values differ from each other beyond the sequence number too: text
 * changes between records and with the seed. */
static void test_values_vary(void)
{
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t *b = batch_new(100);
        sl_strmap_t *cfg = config(NULL, "64", NULL);
        void *s = start_cfg(&ctx, cfg);
        char first[64];

        CHECK_INT(poll_once(s, b), 100);
        memcpy(first, b->ptr[0], 64);
        CHECK(memcmp(b->ptr[0] + 16, b->ptr[1] + 16, 48) != 0);
        deliver(b);
        P->task_stop(s);

        sl_strmap_set(cfg, "seed", "42");
        s = start_cfg(&ctx, cfg);
        CHECK_INT(poll_once(s, b), 100);
        CHECK(memcmp(b->ptr[0], first, 16) == 0); /* same sequence number */
        CHECK(memcmp(b->ptr[0] + 16, first + 16, 48) != 0);
        deliver(b);
        P->task_stop(s);

        sl_strmap_set(cfg, "seed", "0"); /* same seed: same text */
        s = start_cfg(&ctx, cfg);
        CHECK_INT(poll_once(s, b), 100);
        CHECK(memcmp(b->ptr[0], first, 64) == 0);
        deliver(b);
        P->task_stop(s);
        sl_strmap_destroy(cfg);
        free(b);
        ctx_free(&ctx);
}

static void test_batch_size_and_room(void)
{
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t *b = batch_new(MAX_RECS);
        void *s = start(&ctx, NULL, NULL, "7");

        CHECK_INT(poll_once(s, b), 7);
        deliver(b);
        b->cap = 3; /* the host's room is the tighter limit now */
        CHECK_INT(poll_once(s, b), 3);
        CHECK_INT(seq_of(b->ptr[0], 16), 7);
        CHECK_INT(batch_seq(b), 10);
        deliver(b);
        P->task_stop(s);
        free(b);
        ctx_free(&ctx);
}

/* Run one task config to the end; returns the records generated and
 * checks the offset partition names the task. */
static int64_t run_task(const sl_strmap_t *tc, int expect_id)
{
        sl_task_ctx_t ctx = {.id = 99}; /* task.id wins over the context */
        sl_source_batch_t *b = batch_new(MAX_RECS);
        void *s = start_cfg(&ctx, tc);
        int64_t total = 0;
        char want[32];

        snprintf(want, sizeof(want), "gen-%d", expect_id);
        for (int guard = 0; guard < 1000; guard++) {
                int r = poll_once(s, b);
                if (r <= 0)
                        break;
                CHECK_INT(seq_of(b->ptr[0], 100), total);
                total += r;
                CHECK_INT(batch_seq(b), total);
                CHECK_STR(sl_json_object_get_str(b->part, "datagen"), want);
                deliver(b);
        }
        CHECK_INT(poll_once(s, b), 0); /* stays done */
        CHECK_STR(sl_json_object_get_str(ctx.asked, "datagen"), want);
        P->task_stop(s);
        free(b);
        ctx_free(&ctx);
        return total;
}

static void check_split(const char *count, int max_tasks, int want_tasks,
                        const int64_t *want_counts)
{
        sl_strmap_t *cfg = config(count, NULL, "1000"), *tc[8];
        char errstr[128] = "";
        int64_t sum = 0;
        int n;

        for (int i = 0; i < 8; i++)
                tc[i] = sl_strmap_new();
        n = P->task_configs(cfg, max_tasks, tc, errstr, sizeof(errstr));
        CHECK_INT(n, want_tasks);
        for (int i = 0; i < n && i < 8; i++) {
                char id[16];
                snprintf(id, sizeof(id), "%d", i);
                CHECK_STR(sl_strmap_get(tc[i], "task.id"), id);
                CHECK_STR(sl_strmap_get(tc[i], "topic"), "gen");
                CHECK_INT(strtoll(sl_strmap_get(tc[i], "task.count"), NULL,
                                  10),
                          want_counts[i]);
                if (want_counts[i] >= 0) {
                        int64_t got = run_task(tc[i], i);
                        CHECK_INT(got, want_counts[i]);
                        sum += got;
                }
        }
        if (strtoll(count, NULL, 10) >= 0)
                CHECK_INT(sum, strtoll(count, NULL, 10));
        for (int i = 0; i < 8; i++)
                sl_strmap_destroy(tc[i]);
        sl_strmap_destroy(cfg);
}

static void test_count_split_across_tasks(void)
{
        static const int64_t c10x3[] = {4, 3, 3};
        static const int64_t c2x5[] = {1, 1};
        static const int64_t c0x4[] = {0};
        static const int64_t c25000x2[] = {12500, 12500};
        static const int64_t unl[] = {-1, -1, -1};

        check_split("10", 3, 3, c10x3);
        check_split("2", 5, 2, c2x5); /* no idle tasks */
        check_split("0", 4, 1, c0x4);
        check_split("25000", 2, 2, c25000x2);
        check_split("-1", 3, 3, unl);
}

/* Without task_configs (one task started directly) count applies. */
static void test_count_without_split(void)
{
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t *b = batch_new(MAX_RECS);
        void *s = start(&ctx, "5", NULL, NULL);

        CHECK_INT(poll_once(s, b), 5);
        CHECK_INT(batch_seq(b), 5);
        CHECK_STR(sl_json_object_get_str(b->part, "datagen"), "gen-0");
        deliver(b);
        CHECK_INT(poll_once(s, b), 0);
        P->task_stop(s);
        free(b);
        ctx_free(&ctx);
}

static sl_json_t *seq_json(int64_t seq)
{
        sl_json_t *o = sl_json_object();
        sl_json_object_set(o, "seq", sl_json_int(seq));
        return o;
}

static void test_resume_from_offset(void)
{
        sl_task_ctx_t ctx = {.stored = seq_json(7)};
        sl_source_batch_t *b = batch_new(MAX_RECS);
        void *s = start(&ctx, "10", NULL, NULL);

        CHECK_STR(sl_json_object_get_str(ctx.asked, "datagen"), "gen-0");
        CHECK_INT(poll_once(s, b), 3);
        CHECK_INT(seq_of(b->ptr[0], 100), 7);
        CHECK_INT(seq_of(b->ptr[2], 100), 9);
        CHECK_INT(batch_seq(b), 10);
        deliver(b);
        CHECK_INT(poll_once(s, b), 0);
        P->task_stop(s);
        ctx_free(&ctx);

        /* Already past the count: nothing more. */
        ctx = (sl_task_ctx_t){.stored = seq_json(10)};
        s = start(&ctx, "10", NULL, NULL);
        CHECK_INT(poll_once(s, b), 0);
        P->task_stop(s);
        ctx_free(&ctx);

        /* Unlimited resumes too. */
        ctx = (sl_task_ctx_t){.stored = seq_json(123456)};
        s = start(&ctx, NULL, NULL, "2");
        CHECK_INT(poll_once(s, b), 2);
        CHECK_INT(seq_of(b->ptr[1], 100), 123457);
        CHECK_INT(batch_seq(b), 123458);
        deliver(b);
        P->task_stop(s);
        free(b);
        ctx_free(&ctx);
}

static bool inside(const void *opaque, const char *p, size_t n)
{
        const char *base = opaque;
        return p >= base && p + n <= base + malloc_usable_size((void *)opaque);
}

/* Values point into the held chunk; held chunks are never rewritten
 * (deliver() compares), released ones are reused, and batches released
 * after the task stopped still free their chunk. */
static void test_zero_copy_and_release(void)
{
        enum { NB = 40 }; /* more in flight than the task's chunk pool */
        sl_task_ctx_t ctx = {0};
        sl_source_batch_t *b[NB];
        void *s = start(&ctx, "-1", "1000", NULL);
        void *seen[4 * NB];
        int nseen = 0, reused = 0;
        uint64_t next = 0;

        for (int round = 0; round < 3; round++) {
                /* Keep NB batches undelivered while polling on. */
                for (int k = 0; k < NB; k++) {
                        bool known = false;
                        b[k] = batch_new(MAX_RECS);
                        CHECK(poll_once(s, b[k]) > 0);
                        CHECK(!b[k]->added_without_hold);
                        CHECK_INT(b[k]->holds, 1);
                        for (size_t i = 0; i < b[k]->n; i++) {
                                CHECK(inside(b[k]->opaque, b[k]->ptr[i],
                                             b[k]->len[i]));
                                CHECK_INT(seq_of(b[k]->ptr[i], 1000),
                                          next++);
                        }
                        for (int i = 0; i < nseen; i++)
                                known |= seen[i] == b[k]->opaque;
                        if (known)
                                reused++;
                        else if (nseen < 4 * NB)
                                seen[nseen++] = b[k]->opaque;
                }
                for (int k = 0; k < NB; k++) {
                        deliver(b[k]);
                        free(b[k]);
                }
        }
        CHECK(reused > 0); /* released chunks are rewritten, not leaked */
        CHECK(nseen < 3 * NB);

        b[0] = batch_new(MAX_RECS);
        CHECK(poll_once(s, b[0]) > 0);
        P->task_stop(s);
        deliver(b[0]); /* after stop: frees the chunk (LeakSanitizer) */
        free(b[0]);
        CHECK_INT(releases_pending, 0);
        ctx_free(&ctx);
}

static const sl_config_def_t *find_def(const char *name)
{
        for (const sl_config_def_t *d = P->config; d->name; d++)
                if (!strcmp(d->name, name))
                        return d;
        return NULL;
}

static void test_config(void)
{
        const sl_config_def_t *topic = find_def("topic");
        const sl_config_def_t *count = find_def("count");
        const sl_config_def_t *size = find_def("record.size");
        const sl_config_def_t *bs = find_def("batch.size");
        const sl_config_def_t *seed = find_def("seed");
        char errstr[128] = "";
        int n = 0;

        CHECK_STR(P->class_name,
                  "io.sluice.connect.datagen.DataGenSourceConnector");
        CHECK(P->type == SL_CONNECTOR_SOURCE);
        CHECK_INT(P->abi_version, SL_PLUGIN_ABI_VERSION);
        CHECK(P->source_poll && P->task_start && P->task_stop &&
              P->task_configs);
        for (const sl_config_def_t *d = P->config; d->name; d++)
                n++;
        CHECK_INT(n, 5);
        CHECK(topic && (topic->flags & SL_CFG_REQUIRED));
        CHECK(topic && topic->validator("topic", "a,b", errstr, 128) < 0);
        CHECK_STR(errstr, "Only a single topic is allowed");
        CHECK(count && count->type == SL_CFG_LONG &&
              !strcmp(count->default_value, "-1"));
        CHECK(size && size->type == SL_CFG_INT &&
              !strcmp(size->default_value, "100") && size->min == 1 &&
              (size->flags & SL_CFG_MIN));
        CHECK(bs && bs->type == SL_CFG_INT &&
              !strcmp(bs->default_value, "10000"));
        CHECK(seed && seed->type == SL_CFG_LONG &&
              !strcmp(seed->default_value, "0"));
}

int main(void)
{
        sl_log_set_level(SL_LOG_ERROR);
        RUN(test_record_sizes);
        RUN(test_values_vary);
        RUN(test_batch_size_and_room);
        RUN(test_count_split_across_tasks);
        RUN(test_count_without_split);
        RUN(test_resume_from_offset);
        RUN(test_zero_copy_and_release);
        RUN(test_config);
        TEST_MAIN_END();
}
