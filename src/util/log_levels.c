/* Logger registry: dotted names, explicitly set levels, effective levels.
 *
 * sl_log asks sl_log_levels_maybe first: one atomic load of the lowest
 * level in force rejects most DEBUG/TRACE lines before any lookup. Only
 * then is the logger resolved, and the lock taken only while some logger
 * other than root has a level of its own. */
#include "util/log_levels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Short names used in the code -> dotted names. Framework loggers live
 * under sluice.<package>, connector loggers in the Java package of the
 * class they mirror, so /admin/loggers names match Kafka Connect's. */
static const struct {
        const char *short_name;
        const char *dotted;
} known[] = {
        {"main", "sluice.Main"},
        {"rest", "sluice.rest.RestServer"},
        {"herder", "sluice.herder.Herder"},
        {"worker", "sluice.worker.Worker"},
        {"task", "sluice.worker.Task"},
        {"source-task", "sluice.worker.SourceTask"},
        {"sink-task", "sluice.worker.SinkTask"},
        {"committer", "sluice.worker.OffsetCommitter"},
        {"offsets", "sluice.worker.OffsetStore"},
        {"plugins", "sluice.worker.Plugins"},
        {"LogReporter", "sluice.worker.errors.LogReporter"},
        {"transforms", "sluice.transforms.TransformationChain"},
        {"configdef", "sluice.config.ConfigDef"},
        {"dist", "sluice.distributed.DistributedHerder"},
        {"member", "sluice.distributed.WorkerGroupMember"},
        {"klog", "sluice.distributed.KafkaBasedLog"},
        {"config-log", "sluice.distributed.ConfigBackingStore"},
        {"status-log", "sluice.distributed.StatusBackingStore"},
        {"shard", "sluice.shard.Shard"},
        {"iobuf", "sluice.io.IoBuffers"},
        {"httpc", "sluice.net.HttpClient"},
        {"schema-registry", "sluice.schemaregistry.SchemaRegistry"},
        {"rdkafka", "sluice.kafka.librdkafka"},
        {"metrics", "sluice.ops.Metrics"},
        {"FileStreamSourceTask", "org.apache.kafka.connect.file.FileStreamSourceTask"},
        {"FileStreamSinkTask", "org.apache.kafka.connect.file.FileStreamSinkTask"},
        {"MirrorSourceTask", "org.apache.kafka.connect.mirror.MirrorSourceTask"},
        {"MirrorCheckpointTask", "org.apache.kafka.connect.mirror.MirrorCheckpointTask"},
        {"JdbcSourceTask", "io.confluent.connect.jdbc.source.JdbcSourceTask"},
        {"JdbcSinkTask", "io.confluent.connect.jdbc.sink.JdbcSinkTask"},
        {"JdbcConnection", "io.confluent.connect.jdbc.util.CachedConnectionProvider"},
        {"PostgresConnectorTask", "io.debezium.connector.postgresql.PostgresConnectorTask"},
        {"S3SinkTask", "io.confluent.connect.s3.S3SinkTask"},
        {"S3SourceTask", "io.confluent.connect.s3.source.S3SourceTask"},
        {"S3Client", "io.confluent.connect.s3.storage.S3Storage"},
        {"HttpSinkTask", "io.confluent.connect.http.HttpSinkTask"},
        {"DataGenSourceTask", "io.sluice.connect.datagen.DataGenSourceTask"},
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))
/* Names seen at run time that the table lacks (plugins' own loggers);
 * bounded so a plugin making up names cannot grow it without end. */
#define MAX_EXTRA 256
#define MAX_SET 1024

typedef struct set_level {
        char *name;
        int level;
        int64_t last_modified;
} set_level_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* -1 until first use: SLUICE_LOG_LEVEL is read then (no init call). */
static atomic_int root_level = -1;
static atomic_llong root_modified = -1;
/* Lowest message level some logger lets through; -1 before init. */
static atomic_int min_pass = -1;
static atomic_int nset_atomic;
static set_level_t *sets; /* under lock */
static size_t nset;
static char *extra[MAX_EXTRA]; /* under lock; never freed while running */
static atomic_size_t nextra;

static const char *const level_names[] = {"TRACE", "DEBUG", "INFO", "WARN",
                                          "ERROR", "FATAL", "OFF"};

int sl_log_level_parse(const char *s)
{
        if (!s)
                return -1;
        for (int i = SL_LOG_TRACE; i <= SL_LOG_OFF; i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return i;
        if (strcasecmp(s, "warning") == 0)
                return SL_LOG_WARN;
        return -1;
}

const char *sl_log_level_name(int level)
{
        return level >= 0 && level <= SL_LOG_OFF ? level_names[level] : "INFO";
}

/* The lowest message level a logger set to level lets through. */
static int pass_of(int level)
{
        return level == SL_LOG_FATAL ? SL_LOG_ERROR : level;
}

static int root_init(void)
{
        int lvl = sl_log_level_parse(getenv("SLUICE_LOG_LEVEL"));
        int expected = -1;

        if (lvl < 0)
                lvl = SL_LOG_INFO;
        /* An explicit set racing with us wins. */
        if (!atomic_compare_exchange_strong(&root_level, &expected, lvl))
                lvl = expected;
        return lvl;
}

int sl_log_levels_root(void)
{
        int lvl = atomic_load(&root_level);
        return lvl < 0 ? root_init() : lvl;
}

/* Under lock. */
static void recompute_min(void)
{
        int m = pass_of(sl_log_levels_root());
        for (size_t i = 0; i < nset; i++)
                if (pass_of(sets[i].level) < m)
                        m = pass_of(sets[i].level);
        atomic_store(&min_pass, m);
        atomic_store(&nset_atomic, (int)nset);
}

bool sl_log_levels_maybe(int level)
{
        int m = atomic_load_explicit(&min_pass, memory_order_relaxed);
        if (m < 0) {
                pthread_mutex_lock(&lock);
                recompute_min();
                pthread_mutex_unlock(&lock);
                m = atomic_load(&min_pass);
        }
        return level >= m;
}

void sl_log_levels_set_root(int level)
{
        if (level < SL_LOG_TRACE || level > SL_LOG_OFF)
                return;
        pthread_mutex_lock(&lock);
        atomic_store(&root_level, level);
        recompute_min();
        pthread_mutex_unlock(&lock);
}

/* dotted is ns itself or a logger below it. */
static bool is_under(const char *dotted, const char *ns)
{
        size_t n = strlen(ns);
        return strncmp(dotted, ns, n) == 0 && (dotted[n] == '\0' || dotted[n] == '.');
}

const char *sl_log_logger_name(const char *logger)
{
        if (!logger || !*logger)
                return "sluice";
        for (size_t i = 0; i < NKNOWN; i++)
                if (known[i].short_name == logger || strcmp(known[i].short_name, logger) == 0)
                        return known[i].dotted;
        bool dotted = strchr(logger, '.') != NULL;
        size_t n = atomic_load(&nextra);
        for (size_t i = 0; i < n; i++)
                if (dotted ? strcmp(extra[i], logger) == 0
                           : strncmp(extra[i], "sluice.", 7) == 0 &&
                                     strcmp(extra[i] + 7, logger) == 0)
                        return extra[i];
        /* Not seen yet: register it so /admin/loggers knows it. */
        char *name = NULL;
        if (dotted) {
                name = strdup(logger);
        } else if ((name = malloc(strlen(logger) + 8)) != NULL) {
                memcpy(name, "sluice.", 7);
                strcpy(name + 7, logger);
        }
        if (!name)
                return "sluice";
        pthread_mutex_lock(&lock);
        n = atomic_load(&nextra);
        for (size_t i = 0; i < n; i++)
                if (strcmp(extra[i], name) == 0) {
                        free(name);
                        pthread_mutex_unlock(&lock);
                        return extra[i];
                }
        if (n == MAX_EXTRA) {
                pthread_mutex_unlock(&lock);
                free(name);
                return "sluice";
        }
        extra[n] = name;
        atomic_store(&nextra, n + 1);
        pthread_mutex_unlock(&lock);
        return name;
}

/* Under lock. */
static int effective_locked(const char *dotted)
{
        int lvl = sl_log_levels_root();
        size_t best = 0;
        bool found = false;

        for (size_t i = 0; i < nset; i++) {
                size_t n = strlen(sets[i].name);
                if ((!found || n > best) && is_under(dotted, sets[i].name)) {
                        lvl = sets[i].level;
                        best = n;
                        found = true;
                }
        }
        return lvl;
}

int sl_log_levels_effective(const char *dotted)
{
        if (!dotted || strcmp(dotted, "root") == 0)
                return sl_log_levels_root();
        pthread_mutex_lock(&lock);
        int lvl = effective_locked(dotted);
        pthread_mutex_unlock(&lock);
        return lvl;
}

bool sl_log_levels_enabled(int level, const char *dotted)
{
        if (!sl_log_levels_maybe(level))
                return false;
        if (atomic_load(&nset_atomic) == 0)
                return level >= pass_of(sl_log_levels_root());
        return level >= pass_of(sl_log_levels_effective(dotted));
}

/* Under lock. */
static set_level_t *find_set(const char *name)
{
        for (size_t i = 0; i < nset; i++)
                if (strcmp(sets[i].name, name) == 0)
                        return &sets[i];
        return NULL;
}

/* Under lock: 0 or SL_ERR_NOMEM. */
static int put_set(const char *name, int level, int64_t now_ms)
{
        set_level_t *s = find_set(name);
        if (!s) {
                if (nset == MAX_SET)
                        return SL_ERR_NOMEM;
                set_level_t *grown = realloc(sets, (nset + 1) * sizeof(*sets));
                if (!grown)
                        return SL_ERR_NOMEM;
                sets = grown;
                s = &sets[nset];
                if (!(s->name = strdup(name)))
                        return SL_ERR_NOMEM;
                nset++;
        }
        s->level = level;
        s->last_modified = now_ms;
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Under lock: every name the registry knows (table, seen, set), ns
 * first, those under ns (all for root), sorted, without duplicates. */
static size_t collect_under(const char *ns, const char **out, size_t cap)
{
        bool all = strcmp(ns, "root") == 0;
        size_t n = 0, ne = atomic_load(&nextra);

        for (size_t i = 0; i < NKNOWN && n < cap; i++)
                if (all || is_under(known[i].dotted, ns))
                        out[n++] = known[i].dotted;
        for (size_t i = 0; i < ne && n < cap; i++)
                if (all || is_under(extra[i], ns))
                        out[n++] = extra[i];
        for (size_t i = 0; i < nset && n < cap; i++)
                if (all || is_under(sets[i].name, ns))
                        out[n++] = sets[i].name;
        if (!all && n < cap)
                out[n++] = ns;
        qsort(out, n, sizeof(*out), cmp_str);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (k == 0 || strcmp(out[k - 1], out[i]) != 0)
                        out[k++] = out[i];
        return k;
}

sl_json_t *sl_log_levels_set(const char *ns, int level, int64_t now_ms)
{
        size_t cap = NKNOWN + MAX_EXTRA + MAX_SET + 1;
        const char **names;
        sl_json_t *arr;
        int rc = 0;

        if (!ns || !*ns || level < SL_LOG_TRACE || level > SL_LOG_OFF)
                return NULL;
        if (!(names = malloc(cap * sizeof(*names))) || !(arr = sl_json_array())) {
                free(names);
                return NULL;
        }
        pthread_mutex_lock(&lock);
        size_t n = collect_under(ns, names, cap);
        /* names point into sets, which put_set may move: copy them out
         * to the answer before touching sets. */
        bool all = strcmp(ns, "root") == 0;
        if (all)
                rc = sl_json_array_append(arr, sl_json_string("root"));
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = sl_json_array_append(arr, sl_json_string(names[i]));
        if (all) {
                atomic_store(&root_level, level);
                atomic_store(&root_modified, now_ms);
        }
        for (size_t i = all ? 1 : 0; i < arr->u.arr.len && rc == 0; i++)
                rc = put_set(arr->u.arr.items[i]->u.str.ptr, level, now_ms);
        recompute_min();
        pthread_mutex_unlock(&lock);
        free(names);
        if (rc != 0) {
                sl_json_free(arr);
                return NULL;
        }
        return arr;
}

int sl_log_levels_get(const char *name, int *level, int64_t *last_modified)
{
        if (!name || strcmp(name, "root") == 0) {
                *level = sl_log_levels_root();
                *last_modified = atomic_load(&root_modified);
                return 0;
        }
        int rc = SL_ERR_NOT_FOUND;
        pthread_mutex_lock(&lock);
        set_level_t *s = find_set(name);
        if (s) {
                *level = s->level;
                *last_modified = s->last_modified;
                rc = 0;
        } else {
                bool isknown = false;
                size_t ne = atomic_load(&nextra);
                for (size_t i = 0; i < NKNOWN && !isknown; i++)
                        isknown = strcmp(known[i].dotted, name) == 0;
                for (size_t i = 0; i < ne && !isknown; i++)
                        isknown = strcmp(extra[i], name) == 0;
                if (isknown) {
                        *level = effective_locked(name);
                        *last_modified = -1;
                        rc = 0;
                }
        }
        pthread_mutex_unlock(&lock);
        return rc;
}

static sl_json_t *level_entry(int level, int64_t last_modified)
{
        sl_json_t *o = sl_json_object();
        if (!o || sl_json_object_set(o, "level", sl_json_string(sl_log_level_name(level))) ||
            sl_json_object_set(o, "last_modified", last_modified >= 0
                                                           ? sl_json_int(last_modified)
                                                           : sl_json_null())) {
                sl_json_free(o);
                return NULL;
        }
        return o;
}

sl_json_t *sl_log_levels_list(void)
{
        sl_json_t *o = sl_json_object();
        int rc;

        if (!o)
                return NULL;
        pthread_mutex_lock(&lock);
        rc = sl_json_object_set(o, "root", level_entry(sl_log_levels_root(),
                                                       atomic_load(&root_modified)));
        const char **names = malloc((nset + 1) * sizeof(*names));
        if (!names)
                rc = SL_ERR_NOMEM;
        for (size_t i = 0; i < nset && names; i++)
                names[i] = sets[i].name;
        if (names)
                qsort(names, nset, sizeof(*names), cmp_str);
        for (size_t i = 0; i < nset && rc == 0; i++) {
                set_level_t *s = find_set(names[i]);
                rc = sl_json_object_set(o, s->name, level_entry(s->level, s->last_modified));
        }
        pthread_mutex_unlock(&lock);
        free(names);
        if (rc != 0) {
                sl_json_free(o);
                return NULL;
        }
        return o;
}

void sl_log_levels_reset(void)
{
        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < nset; i++)
                free(sets[i].name);
        free(sets);
        sets = NULL;
        nset = 0;
        size_t ne = atomic_load(&nextra);
        for (size_t i = 0; i < ne; i++) {
                free(extra[i]);
                extra[i] = NULL;
        }
        atomic_store(&nextra, 0);
        atomic_store(&root_level, -1);
        atomic_store(&root_modified, -1);
        atomic_store(&nset_atomic, 0);
        atomic_store(&min_pass, -1);
        pthread_mutex_unlock(&lock);
}
