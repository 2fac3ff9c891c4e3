/*
 * DataGenSource: records of record.size printable bytes, generated as fast
 * as the host takes them (for benchmarks).
 *
 * Each task generates 1 MiB of pseudo-random text from seed once. Record
 * values live in refcounted chunks filled from that text when allocated;
 * a poll only writes each record's 16-hex-digit sequence number over its
 * first bytes, then hands the host string slices of the chunk (zero copy)
 * together with a reference. A chunk is rewritten only once the host has
 * released every batch that pointed into it; a small pool of chunks is
 * kept for reuse, and more are allocated (and freed on release) while the
 * pool is all in flight.
 *
 * count is split across tasks (task.count, task.id); each task's offset is
 * partition {"datagen": "<topic>-<task.id>"}, offset {"seq": N}, N being
 * the number of records delivered, so a restart resumes the count.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datagen/datagen.h"

#define DATAGEN_VERSION "1.0.0"
#define DATAGEN_LOGGER "DataGenSourceTask"
#define PATTERN_SIZE ((size_t)1 << 20)
#define CHUNK_BYTES ((size_t)1 << 20)
#define POOL_MAX 32
#define SEQ_DIGITS 16

static int topic_validator(const char *name, const char *value, char *errstr,
                           size_t errstr_size)
{
        (void)name;
        if (value && strchr(value, ','))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Only a single topic is allowed");
        return 0;
}

static const sl_config_def_t datagen_config[] = {
        {.name = "topic", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "The topic to publish data to",
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,
         .validator = topic_validator, .order = 1},
        {.name = "count", .type = SL_CFG_LONG, .default_value = "-1",
         .importance = SL_CFG_HIGH,
         .documentation = "Records to generate, split across the tasks; "
                          "-1 generates without end",
         .flags = SL_CFG_MIN, .min = -1, .order = 2},
        {.name = "record.size", .type = SL_CFG_INT, .default_value = "100",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Bytes of each record value (printable text; the "
                          "first 16 are the record's hex sequence number)",
         .flags = SL_CFG_MIN | SL_CFG_MAX, .min = 1, .max = 64 << 20,
         .order = 3},
        {.name = "batch.size", .type = SL_CFG_INT, .default_value = "10000",
         .importance = SL_CFG_LOW,
         .documentation = "The maximum number of records a task returns "
                          "from one poll",
         .flags = SL_CFG_MIN, .min = 1, .order = 4},
        {.name = "seed", .type = SL_CFG_LONG, .default_value = "0",
         .importance = SL_CFG_LOW,
         .documentation = "Seed of the pseudo-random record text",
         .order = 5},
        {.name = NULL},
};

/* ----------------------------------------------------------- chunks */

typedef struct chunk {
        atomic_int refs;
        size_t nrec; /* records of record.size bytes in data */
        char data[];
} chunk_t;

/* Runs on whichever thread delivers the batch's last record. */
static void chunk_unref(void *opaque)
{
        chunk_t *c = opaque;
        if (c && atomic_fetch_sub_explicit(&c->refs, 1,
                                           memory_order_acq_rel) == 1)
                free(c);
}

/* No batch points into c any more; the acquire pairs with the release in
 * chunk_unref so delivery's reads are finished before c is rewritten. */
static bool chunk_exclusive(chunk_t *c)
{
        return atomic_load_explicit(&c->refs, memory_order_acquire) == 1;
}

/* ------------------------------------------------------------- task */

typedef struct datagen {
        char *topic;
        size_t rs;          /* record.size */
        size_t batch_size;
        int64_t limit;      /* task.count; < 0: unlimited */
        int64_t seq;        /* next sequence number */
        int id;
        bool finished;
        char *pattern;      /* PATTERN_SIZE bytes of text */
        size_t pattern_at;  /* where the next new chunk starts copying */
        chunk_t *pool[POOL_MAX];
        int npool;
        chunk_t *cur;       /* chunk records are taken from */
        bool cur_transient; /* cur is not in the pool: unref when used up */
        size_t cur_next;    /* next record index in cur */
        sl_json_t *schema;
        sl_json_t *partition, *offset;
        sl_json_t *offset_seq; /* node inside offset */
} datagen_t;

static uint64_t splitmix64(uint64_t *s)
{
        uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static char *make_pattern(uint64_t seed)
{
        static const char alphabet[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "abcdefghijklmnopqrstuvwxyz"
                                         "0123456789-_";
        char *p = malloc(PATTERN_SIZE);
        uint64_t s = seed;
        if (!p)
                return NULL;
        for (size_t i = 0; i < PATTERN_SIZE; i += 8) {
                uint64_t r = splitmix64(&s);
                for (int k = 0; k < 8; k++, r >>= 8)
                        p[i + k] = alphabet[r & 63];
        }
        return p;
}

/* A new chunk filled from the pattern, one reference held by the task. */
static chunk_t *chunk_new(datagen_t *t)
{
        size_t nrec = t->rs >= CHUNK_BYTES ? 1 : CHUNK_BYTES / t->rs;
        size_t bytes = nrec * t->rs, done = 0;
        chunk_t *c = malloc(sizeof(*c) + bytes);

        if (!c)
                return NULL;
        atomic_init(&c->refs, 1);
        c->nrec = nrec;
        while (done < bytes) {
                size_t n = PATTERN_SIZE - t->pattern_at;
                if (n > bytes - done)
                        n = bytes - done;
                memcpy(c->data + done, t->pattern + t->pattern_at, n);
                done += n;
                t->pattern_at = (t->pattern_at + n) % PATTERN_SIZE;
        }
        /* Start the next chunk elsewhere in the pattern so chunks differ. */
        t->pattern_at = (t->pattern_at + 4099) % PATTERN_SIZE;
        return c;
}

/* Make t->cur a chunk with unused records. */
static int next_chunk(datagen_t *t)
{
        chunk_t *c = NULL;

        if (t->cur && t->cur_transient)
                chunk_unref(t->cur);
        t->cur = NULL;
        t->cur_transient = false;
        for (int i = 0; i < t->npool; i++) {
                if (chunk_exclusive(t->pool[i])) {
                        c = t->pool[i];
                        break;
                }
        }
        if (!c) {
                if (!(c = chunk_new(t)))
                        return SL_ERR_NOMEM;
                if (t->npool < POOL_MAX)
                        t->pool[t->npool++] = c;
                else
                        t->cur_transient = true;
        }
        t->cur = c;
        t->cur_next = 0;
        return 0;
}

static void write_seq(char *p, size_t rs, uint64_t seq)
{
        static const char hex[16] = "0123456789abcdef";
        char digits[SEQ_DIGITS];
        size_t n = rs < SEQ_DIGITS ? rs : SEQ_DIGITS;

        for (int i = SEQ_DIGITS - 1; i >= 0; i--, seq >>= 4)
                digits[i] = hex[seq & 15];
        memcpy(p, digits + SEQ_DIGITS - n, n);
}

static void task_stop(void *state)
{
        datagen_t *t = state;
        if (!t)
                return;
        if (t->cur && t->cur_transient)
                chunk_unref(t->cur);
        /* Batches still in flight keep their own references. */
        for (int i = 0; i < t->npool; i++)
                chunk_unref(t->pool[i]);
        free(t->pattern);
        sl_json_free(t->schema);
        sl_json_free(t->partition);
        sl_json_free(t->offset);
        free(t->topic);
        free(t);
}

static int task_start(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                      void **statep, char *errstr, size_t errstr_size)
{
        static const char schema_json[] =
                "{\"type\":\"string\",\"optional\":false}";
        datagen_t *t = calloc(1, sizeof(*t));
        const char *topic = sl_config_str(config, "topic");
        char name[512];
        sl_json_t *node;
        int64_t rs, seed;

        if (!t)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        if (!topic || !*topic) {
                task_stop(t);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Missing required configuration \"topic\"");
        }
        rs = sl_config_long(config, "record.size", 100);
        if (rs < 1 || rs > (64 << 20)) {
                task_stop(t);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %lld for configuration "
                                 "record.size", (long long)rs);
        }
        t->rs = (size_t)rs;
        t->batch_size = (size_t)sl_config_long(config, "batch.size", 10000);
        if (t->batch_size < 1)
                t->batch_size = 1;
        t->id = sl_strmap_get(config, "task.id")
                        ? (int)sl_config_long(config, "task.id", 0)
                        : sl_task_id(ctx);
        t->limit = sl_strmap_get(config, "task.count")
                           ? sl_config_long(config, "task.count", -1)
                           : sl_config_long(config, "count", -1);
        seed = sl_config_long(config, "seed", 0);
        t->topic = strdup(topic);
        t->pattern = make_pattern((uint64_t)seed ^
                                  ((uint64_t)t->id * 0xd1b54a32d192ed03ULL));
        t->schema = sl_json_parse(schema_json, sizeof(schema_json) - 1,
                                  NULL, 0);
        t->partition = sl_json_object();
        t->offset = sl_json_object();
        if (!t->topic || !t->pattern || !t->schema || !t->partition ||
            !t->offset)
                goto nomem;
        snprintf(name, sizeof(name), "%s-%d", topic, t->id);
        if (!(node = sl_json_string(name)) ||
            sl_json_object_set(t->partition, "datagen", node) < 0)
                goto nomem;
        if (!(node = sl_json_int(0)) ||
            sl_json_object_set(t->offset, "seq", node) < 0)
                goto nomem;
        t->offset_seq = node;
        t->seq = sl_task_offset_long(ctx, t->partition, "seq", 0);
        if (t->seq < 0)
                t->seq = 0;
        if (t->seq > 0)
                sl_info(DATAGEN_LOGGER, "%s: resuming at record %lld",
                        name, (long long)t->seq);
        *statep = t;
        return 0;

nomem:
        task_stop(t);
        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
}

static int source_poll(void *state, sl_source_batch_t *batch, char *errstr,
                       size_t errstr_size)
{
        datagen_t *t = state;
        sl_json_t value;
        sl_source_record_t rec = {
                .topic = t->topic,
                .partition = -1,
                .value = {.schema = t->schema, .value = &value},
        };
        size_t max = sl_source_batch_room(batch), n;
        int r;

        if (t->limit >= 0 && t->seq >= t->limit) {
                if (!t->finished)
                        sl_info(DATAGEN_LOGGER,
                                "%s-%d: generated all %lld records",
                                t->topic, t->id, (long long)t->limit);
                t->finished = true;
                return 0;
        }
        if (max > t->batch_size)
                max = t->batch_size;
        if (t->limit >= 0 && (uint64_t)(t->limit - t->seq) < max)
                max = (size_t)(t->limit - t->seq);
        if (max == 0)
                return 0;
        if (!t->cur || t->cur_next == t->cur->nrec) {
                if ((r = next_chunk(t)) < 0)
                        return sl_seterr(errstr, errstr_size, r,
                                         "Out of memory");
        }
        n = t->cur->nrec - t->cur_next;
        if (n > max)
                n = max;

        atomic_fetch_add_explicit(&t->cur->refs, 1, memory_order_relaxed);
        sl_source_batch_hold(batch, chunk_unref, t->cur);
        for (size_t i = 0; i < n; i++) {
                char *p = t->cur->data + t->cur_next * t->rs;
                write_seq(p, t->rs, (uint64_t)t->seq);
                value = SL_JSON_STRING_REF(p, t->rs);
                if ((r = sl_source_batch_add(batch, &rec)) < 0)
                        return sl_seterr(errstr, errstr_size, r,
                                         "Cannot add record %lld: %s",
                                         (long long)t->seq, sl_err2str(r));
                t->cur_next++;
                t->seq++;
        }
        t->offset_seq->u.i = t->seq;
        if ((r = sl_source_batch_set_offset(batch, t->partition,
                                            t->offset)) < 0)
                return sl_seterr(errstr, errstr_size, r,
                                 "Cannot set offset: %s", sl_err2str(r));
        return (int)n;
}

/* tasks.max tasks (fewer when count is smaller), count split evenly. */
static int task_configs(const sl_strmap_t *config, int max_tasks,
                        sl_strmap_t **task_configs, char *errstr,
                        size_t errstr_size)
{
        int64_t count = sl_config_long(config, "count", -1);
        int n = max_tasks;
        char buf[32];

        if (max_tasks < 1)
                return 0;
        if (count >= 0 && count < n)
                n = count > 0 ? (int)count : 1;
        for (int i = 0; i < n; i++) {
                int64_t c = count < 0 ? -1
                                      : count / n + (i < count % n ? 1 : 0);
                if (sl_strmap_merge(task_configs[i], config) < 0)
                        goto nomem;
                snprintf(buf, sizeof(buf), "%d", i);
                if (sl_strmap_set(task_configs[i], "task.id", buf) < 0)
                        goto nomem;
                snprintf(buf, sizeof(buf), "%lld", (long long)c);
                if (sl_strmap_set(task_configs[i], "task.count", buf) < 0)
                        goto nomem;
        }
        return n;
nomem:
        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
}

/* Records are a function of the stored sequence offset. */
static int eos_support(const sl_strmap_t *config) {
        (void)config;
        return SL_EOS_SUPPORTED;
}

const sl_connector_plugin_t sl_datagen_source_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "io.sluice.connect.datagen.DataGenSourceConnector",
        .version = DATAGEN_VERSION,
        .config = datagen_config,
        .task_configs = task_configs,
        .task_start = task_start,
        .task_stop = task_stop,
        .source_poll = source_poll,
        .exactly_once_support = eos_support,
};
