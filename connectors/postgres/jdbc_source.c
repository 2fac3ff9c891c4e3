/*
 * JdbcSourceConnector for PostgreSQL: copies tables (or one custom query)
 * to topics, as Confluent's connector does, in bulk, incrementing,
 * timestamp or timestamp+incrementing mode, with the same queries, source
 * partitions and offsets, so its offsets carry over.
 *
 * A task owns one connection and serves its tables one query at a time.
 * A query streams in libpq's single-row mode: a poll takes the rows that
 * have arrived (waiting at most a short slice for the first) and returns,
 * so neither a slow query nor poll.interval.ms blocks the shard; between
 * a table's queries poll returns 0 and the host polls again.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "postgres/pg_common.h"

#define JDBC_SOURCE_VERSION "1.0.0"
#define LOGGER "JdbcSourceTask"
/* Longest a poll waits for the first row of a running query. */
#define ROW_WAIT_MS 100

static const char *const modes[] = {"bulk", "incrementing", "timestamp",
                                    "timestamp+incrementing", NULL};

static int numeric_mapping_validator(const char *name, const char *value,
                                     char *errstr, size_t errstr_size)
{
        pg_numeric_mapping_t m;
        (void)name;
        if (value && pg_numeric_mapping_parse(value, &m) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "String must be one of: none, "
                                 "precision_only, best_fit");
        return 0;
}

#define GROUP_DB "Database"
#define GROUP_MODE "Mode"
#define GROUP_CONN "Connector"

static const sl_config_def_t source_config[] = {
        PG_CONNECTION_CONFIG(GROUP_DB),
        {.name = "table.whitelist", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "List of tables to include in copying. If "
                          "specified, table.blacklist may not be set.",
         .group = GROUP_DB, .order = 6, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Table Whitelist"},
        {.name = "table.include.list", .type = SL_CFG_LIST,
         .default_value = "", .importance = SL_CFG_MEDIUM,
         .documentation = "Alias of table.whitelist.", .group = GROUP_DB,
         .order = 7, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Table Include List"},
        {.name = "table.blacklist", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "List of tables to exclude from copying. If "
                          "specified, table.whitelist may not be set.",
         .group = GROUP_DB, .order = 8, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Table Blacklist"},
        {.name = "table.exclude.list", .type = SL_CFG_LIST,
         .default_value = "", .importance = SL_CFG_MEDIUM,
         .documentation = "Alias of table.blacklist.", .group = GROUP_DB,
         .order = 9, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Table Exclude List"},
        {.name = "schema.pattern", .type = SL_CFG_STRING,
         .importance = SL_CFG_MEDIUM,
         .documentation = "Schema pattern (SQL LIKE) to fetch table "
                          "metadata from the database; null: all schemas "
                          "but the system ones.",
         .group = GROUP_DB, .order = 10, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Schema pattern"},
        {.name = "numeric.mapping", .type = SL_CFG_STRING,
         .importance = SL_CFG_LOW,
         .documentation = "Map NUMERIC values by precision and optionally "
                          "scale to integral or decimal types: none, "
                          "precision_only or best_fit.",
         .group = GROUP_DB, .order = 11, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Map Numeric Values, Integral or Decimal, By "
                         "Precision and Scale",
         .validator = numeric_mapping_validator},
        {.name = "db.timezone", .type = SL_CFG_STRING, .default_value = "UTC",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Name of the JDBC timezone used in the connector "
                          "when querying with time-based criteria.",
         .group = GROUP_DB, .order = 12, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "DB time zone", .flags = SL_CFG_NONEMPTY},
        {.name = "mode", .type = SL_CFG_STRING, .importance = SL_CFG_HIGH,
         .documentation = "The mode for updating a table each time it is "
                          "polled: bulk, incrementing, timestamp or "
                          "timestamp+incrementing.",
         .group = GROUP_MODE, .order = 1, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Table Loading Mode", .flags = SL_CFG_REQUIRED,
         .valid_values = modes},
        {.name = "incrementing.column.name", .type = SL_CFG_STRING,
         .default_value = "", .importance = SL_CFG_MEDIUM,
         .documentation = "The name of the strictly incrementing column to "
                          "use to detect new rows.",
         .group = GROUP_MODE, .order = 2, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Incrementing Column Name"},
        {.name = "timestamp.column.name", .type = SL_CFG_LIST,
         .default_value = "", .importance = SL_CFG_MEDIUM,
         .documentation = "Comma separated list of one or more timestamp "
                          "columns to detect new or modified rows using the "
                          "COALESCE SQL function.",
         .group = GROUP_MODE, .order = 3, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Timestamp Column Name"},
        {.name = "timestamp.initial", .type = SL_CFG_LONG,
         .importance = SL_CFG_LOW,
         .documentation = "The epoch timestamp (ms) used for initial "
                          "queries that use timestamp criteria; -1 uses "
                          "the current time.",
         .group = GROUP_MODE, .order = 4, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Unix time value of initial timestamp"},
        {.name = "validate.non.null", .type = SL_CFG_BOOLEAN,
         .default_value = "true", .importance = SL_CFG_LOW,
         .documentation = "By default, the JDBC connector will validate "
                          "that all incrementing and timestamp tables have "
                          "NOT NULL set for the columns being used as their "
                          "ID/timestamp.",
         .group = GROUP_MODE, .order = 5, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Validate Non Null"},
        {.name = "query", .type = SL_CFG_STRING, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "If specified, the query to perform to select new "
                          "or updated rows; the WHERE clause of the mode is "
                          "appended to it.",
         .group = GROUP_MODE, .order = 6, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Query"},
        {.name = "query.suffix", .type = SL_CFG_STRING, .default_value = "",
         .importance = SL_CFG_LOW,
         .documentation = "Suffix to append at the end of the generated "
                          "query.",
         .group = GROUP_MODE, .order = 7, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Query suffix"},
        {.name = "timestamp.delay.interval.ms", .type = SL_CFG_LONG,
         .default_value = "0", .importance = SL_CFG_HIGH,
         .documentation = "How long to wait after a row with certain "
                          "timestamp appears before we include it in the "
                          "result.",
         .group = GROUP_CONN, .order = 1, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Delay Interval (ms)", .flags = SL_CFG_MIN,
         .min = 0},
        {.name = "poll.interval.ms", .type = SL_CFG_INT,
         .default_value = "5000", .importance = SL_CFG_HIGH,
         .documentation = "Frequency in ms to poll for new data in each "
                          "table.",
         .group = GROUP_CONN, .order = 2, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Poll Interval (ms)", .flags = SL_CFG_MIN,
         .min = 1},
        {.name = "batch.max.rows", .type = SL_CFG_INT, .default_value = "100",
         .importance = SL_CFG_LOW,
         .documentation = "Maximum number of rows to include in a single "
                          "batch when polling for new data.",
         .group = GROUP_CONN, .order = 3, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Max Rows Per Batch", .flags = SL_CFG_MIN,
         .min = 1},
        {.name = "table.poll.interval.ms", .type = SL_CFG_LONG,
         .default_value = "60000", .importance = SL_CFG_LOW,
         .documentation = "Frequency in ms to poll for new or removed "
                          "tables, which may result in updated task "
                          "configurations to start polling for data in "
                          "added tables or stop polling for data in "
                          "removed tables.",
         .group = GROUP_CONN, .order = 4, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Metadata Change Monitoring Interval (ms)"},
        {.name = "topic.prefix", .type = SL_CFG_STRING,
         .importance = SL_CFG_HIGH,
         .documentation = "Prefix to prepend to table names to generate the "
                          "name of the Kafka topic to publish data to, or in "
                          "the case of a custom query, the full name of the "
                          "topic to publish to.",
         .group = GROUP_CONN, .order = 5, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Topic Prefix", .flags = SL_CFG_REQUIRED},
        {.name = NULL},
};

/* ------------------------------------------------------------ config */

static bool has(const sl_strmap_t *cfg, const char *key)
{
        const char *v = sl_config_str(cfg, key);
        return v && *v;
}

static const char *whitelist_key(const sl_strmap_t *cfg)
{
        return has(cfg, "table.include.list") ? "table.include.list"
                                              : "table.whitelist";
}

static const char *blacklist_key(const sl_strmap_t *cfg)
{
        return has(cfg, "table.exclude.list") ? "table.exclude.list"
                                              : "table.blacklist";
}

static void source_validate(const sl_strmap_t *cfg, sl_config_errors_t *errs)
{
        const char *mode = sl_config_str(cfg, "mode");
        bool query = has(cfg, "query");
        bool white = has(cfg, whitelist_key(cfg));
        bool black = has(cfg, blacklist_key(cfg));

        if (white && black) {
                sl_config_error_add(errs, whitelist_key(cfg),
                                    "table.whitelist and table.blacklist are "
                                    "exclusive.");
                sl_config_error_add(errs, blacklist_key(cfg),
                                    "table.whitelist and table.blacklist are "
                                    "exclusive.");
        }
        if (query && (white || black))
                sl_config_error_add(errs, "query",
                                    "Do not specify table filtering for "
                                    "query based source: %s",
                                    white ? whitelist_key(cfg)
                                          : blacklist_key(cfg));
        if (!mode)
                return;
        if (strstr(mode, "incrementing") &&
            !has(cfg, "incrementing.column.name"))
                sl_config_error_add(errs, "incrementing.column.name",
                                    "Mode %s needs an incrementing column: "
                                    "set incrementing.column.name",
                                    mode);
        if (strstr(mode, "timestamp") && !has(cfg, "timestamp.column.name"))
                sl_config_error_add(errs, "timestamp.column.name",
                                    "Mode %s needs timestamp.column.name",
                                    mode);
}

static int tables_list(const sl_strmap_t *cfg, const char *key,
                       char ***items)
{
        return sl_config_list(sl_config_str(cfg, key), items);
}

/* Whether schema.name is named by one of items ("t", "s.t" or "db.s.t"). */
static bool listed(char **items, int n, const char *db, const char *schema,
                   const char *name, bool *used)
{
        char q[1024], fq[1536];
        bool hit = false;
        snprintf(q, sizeof(q), "%s.%s", schema, name);
        snprintf(fq, sizeof(fq), "%s.%s.%s", db, schema, name);
        for (int i = 0; i < n; i++)
                if (!strcmp(items[i], name) || !strcmp(items[i], q) ||
                    !strcmp(items[i], fq)) {
                        if (used)
                                used[i] = true;
                        hit = true;
                }
        return hit;
}

/* The tables to copy, as a JSON array of [schema, table]. */
static sl_json_t *find_tables(const sl_strmap_t *cfg, char *errstr,
                              size_t errstr_size)
{
        pg_conn_opts_t o;
        PGconn *c;
        PGresult *res = NULL;
        char *db = NULL, **white = NULL, **black = NULL;
        int nw = 0, nb = 0;
        bool *used = NULL;
        sl_json_t *out = NULL;
        const char *pattern = sl_config_str(cfg, "schema.pattern");
        const char *params[1] = {pattern};

        pg_conn_opts_from_config(cfg, &o);
        if (!(c = pg_connect(NULL, &o, &db, errstr, errstr_size)))
                return NULL;
        res = pg_exec(NULL, c,
                      "SELECT table_schema, table_name FROM "
                      "information_schema.tables WHERE table_type IN "
                      "('BASE TABLE', 'VIEW') AND table_schema NOT IN "
                      "('pg_catalog', 'information_schema') AND "
                      "($1::text IS NULL OR table_schema LIKE $1) "
                      "ORDER BY table_schema, table_name",
                      1, params, errstr, errstr_size);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
                goto out;
        nw = tables_list(cfg, whitelist_key(cfg), &white);
        nb = tables_list(cfg, blacklist_key(cfg), &black);
        used = calloc((size_t)(nw > 0 ? nw : 1), sizeof(*used));
        if (!(out = sl_json_array()) || !used)
                goto nomem;
        for (int i = 0; i < PQntuples(res); i++) {
                const char *s = PQgetvalue(res, i, 0);
                const char *t = PQgetvalue(res, i, 1);
                sl_json_t *pair;
                if (nw > 0 && !listed(white, nw, db, s, t, used))
                        continue;
                if (nb > 0 && listed(black, nb, db, s, t, NULL))
                        continue;
                if (!(pair = sl_json_array()) ||
                    sl_json_array_append(pair, sl_json_string(s)) < 0 ||
                    sl_json_array_append(pair, sl_json_string(t)) < 0 ||
                    sl_json_array_append(out, pair) < 0)
                        goto nomem;
        }
        for (int i = 0; i < nw; i++)
                if (!used[i]) {
                        sl_seterr(errstr, errstr_size, SL_ERR_NOT_FOUND,
                                  "Table %s listed in %s was not found in "
                                  "database %s", white[i],
                                  whitelist_key(cfg), db);
                        sl_json_free(out);
                        out = NULL;
                        break;
                }
        goto out;
nomem:
        sl_json_free(out);
        out = NULL;
        sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
out:
        if (white)
                sl_config_list_free(white, nw);
        if (black)
                sl_config_list_free(black, nb);
        free(used);
        free(db);
        PQclear(res);
        PQfinish(c);
        return out;
}

/* The query runs in one task; tables are dealt out in contiguous groups,
 * each task's as a JSON array in its "tables" key. */
static int source_task_configs(const sl_strmap_t *config, int max_tasks,
                               sl_strmap_t **task_configs, char *errstr,
                               size_t errstr_size)
{
        sl_json_t *tables;
        size_t n;
        int ntasks;

        if (max_tasks < 1)
                return 0;
        if (has(config, "query")) {
                if (sl_strmap_merge(task_configs[0], config) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "Out of memory");
                return 1;
        }
        if (!(tables = find_tables(config, errstr, errstr_size)))
                return SL_ERR_CONFIG;
        n = tables->u.arr.len;
        if (n == 0) {
                sl_json_free(tables);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOT_FOUND,
                                 "No tables were found so there's no work "
                                 "to be done.");
        }
        ntasks = (size_t)max_tasks < n ? max_tasks : (int)n;
        for (int i = 0, at = 0; i < ntasks; i++) {
                size_t cnt = n / (size_t)ntasks +
                             ((size_t)i < n % (size_t)ntasks ? 1 : 0);
                sl_json_t *mine = sl_json_array();
                char *text;
                for (size_t k = 0; mine && k < cnt; k++)
                        sl_json_array_append(
                                mine, sl_json_dup(tables->u.arr.items[at++]));
                text = mine ? sl_json_to_string(mine) : NULL;
                sl_json_free(mine);
                if (!text || sl_strmap_merge(task_configs[i], config) < 0 ||
                    sl_strmap_set(task_configs[i], "tables", text) < 0) {
                        free(text);
                        sl_json_free(tables);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "Out of memory");
                }
                free(text);
        }
        sl_json_free(tables);
        return ntasks;
}

/* -------------------------------------------------------------- task */

typedef enum { MODE_BULK, MODE_INC, MODE_TS, MODE_TS_INC } src_mode_t;

typedef struct table {
        char *schema, *name; /* NULL for the query */
        char *label;         /* for messages */
        char *topic;
        sl_json_t *partition, *offset;
        sl_json_t *value_schema; /* NULL until described */
        /* select list reading TIMESTAMP columns in db.timezone, or NULL
         * for "*" */
        char *select_list;
        int nfields;
        unsigned *types;
        int inc_col;       /* result column of the incrementing column */
        int *ts_cols;      /* result columns of the timestamp columns */
        int64_t inc;       /* last incrementing value */
        int64_t ts_us;     /* last timestamp, microseconds */
        int64_t next_poll; /* monotonic ms */
} table_t;

typedef struct source {
        sl_task_ctx_t *ctx;
        pg_conn_opts_t opts;
        PGconn *conn;
        char *db;
        src_mode_t mode;
        char *query, *suffix, *inc_name;
        char **ts_names;
        int nts;
        int64_t delay_ms, poll_ms, ts_initial;
        bool has_ts_initial;
        size_t batch_max;
        bool validate_non_null;
        bool local_tz; /* db.timezone is not UTC */
        pg_numeric_mapping_t numeric;
        table_t *tables;
        size_t ntables, next_table;
        table_t *active; /* the table whose query is streaming */
        sl_buf_t sql;
} source_t;

static void table_free(table_t *t)
{
        free(t->schema);
        free(t->name);
        free(t->label);
        free(t->topic);
        free(t->types);
        free(t->ts_cols);
        free(t->select_list);
        sl_json_free(t->partition);
        sl_json_free(t->offset);
        sl_json_free(t->value_schema);
}

static void source_stop(void *state)
{
        source_t *s = state;
        if (!s)
                return;
        for (size_t i = 0; i < s->ntables; i++)
                table_free(&s->tables[i]);
        free(s->tables);
        if (s->conn)
                PQfinish(s->conn);
        if (s->ts_names)
                sl_config_list_free(s->ts_names, s->nts);
        free(s->db);
        free(s->query);
        free(s->suffix);
        free(s->inc_name);
        sl_buf_free(&s->sql);
        free(s);
}

static int nomem(char *errstr, size_t errstr_size)
{
        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
}

static int64_t floor_div(int64_t a, int64_t b)
{
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Offsets as Confluent writes them: {"incrementing": N} and/or
 * {"timestamp": ms, "timestamp_nanos": nanos-of-second}. */
static int build_offset(source_t *s, table_t *t)
{
        sl_json_t *o = sl_json_object();
        if (!o)
                return SL_ERR_NOMEM;
        if ((s->mode == MODE_INC || s->mode == MODE_TS_INC) &&
            sl_json_object_set(o, "incrementing", sl_json_int(t->inc)) < 0)
                goto fail;
        if (s->mode == MODE_TS || s->mode == MODE_TS_INC) {
                int64_t sec = floor_div(t->ts_us, 1000000);
                if (sl_json_object_set(o, "timestamp",
                                       sl_json_int(floor_div(t->ts_us,
                                                             1000))) < 0 ||
                    sl_json_object_set(o, "timestamp_nanos",
                                       sl_json_int((t->ts_us - sec * 1000000) *
                                                   1000)) < 0)
                        goto fail;
        }
        sl_json_free(t->offset);
        t->offset = o;
        return 0;
fail:
        sl_json_free(o);
        return SL_ERR_NOMEM;
}

static void load_offset(source_t *s, table_t *t)
{
        sl_json_t *o = sl_task_offset(s->ctx, t->partition);
        const sl_json_t *v;

        t->inc = -1;
        t->ts_us = 0;
        if (s->has_ts_initial)
                t->ts_us = s->ts_initial * 1000;
        if (!o)
                return;
        if ((v = sl_json_object_get(o, "incrementing")) &&
            v->type == SL_JSON_INT)
                t->inc = v->u.i;
        if ((v = sl_json_object_get(o, "timestamp")) &&
            v->type == SL_JSON_INT) {
                const sl_json_t *ns = sl_json_object_get(o, "timestamp_nanos");
                int64_t ms = v->u.i;
                t->ts_us = ms * 1000;
                if (ns && ns->type == SL_JSON_INT)
                        t->ts_us = floor_div(ms, 1000) * 1000000 +
                                   ns->u.i / 1000;
        }
        {
                char *text = sl_json_to_string(o);
                sl_info(LOGGER, "%s: resuming after offset %s", t->label,
                        text ? text : "?");
                free(text);
        }
        sl_json_free(o);
}

static int table_init(source_t *s, table_t *t, const char *schema,
                      const char *name, const char *prefix)
{
        char buf[2048];
        t->inc_col = -1;
        if (!(t->partition = sl_json_object()))
                return SL_ERR_NOMEM;
        if (name) {
                snprintf(buf, sizeof(buf), "%s.%s.%s", s->db, schema, name);
                if (!(t->schema = strdup(schema)) ||
                    !(t->name = strdup(name)) ||
                    sl_json_object_set(t->partition, "protocol",
                                       sl_json_string("1")) < 0 ||
                    sl_json_object_set(t->partition, "table",
                                       sl_json_string(buf)) < 0)
                        return SL_ERR_NOMEM;
                snprintf(buf, sizeof(buf), "%s%s", prefix, name);
                t->topic = strdup(buf);
                snprintf(buf, sizeof(buf), "table \"%s\".\"%s\"", schema,
                         name);
                t->label = strdup(buf);
        } else {
                if (sl_json_object_set(t->partition, "query",
                                       sl_json_string("query")) < 0)
                        return SL_ERR_NOMEM;
                t->topic = strdup(prefix);
                t->label = strdup("query");
        }
        if (!t->topic || !t->label)
                return SL_ERR_NOMEM;
        load_offset(s, t);
        return build_offset(s, t);
}

static int source_start(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                        void **statep, char *errstr, size_t errstr_size)
{
        source_t *s = calloc(1, sizeof(*s));
        const char *mode = sl_config_str(config, "mode");
        const char *prefix = sl_config_str(config, "topic.prefix");
        const char *tables = sl_config_str(config, "tables");
        int r;

        if (!s)
                return nomem(errstr, errstr_size);
        s->ctx = ctx;
        sl_buf_init(&s->sql);
        pg_conn_opts_from_config(config, &s->opts);
        if (!mode || !prefix) {
                source_stop(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Missing required configuration \"%s\"",
                                 !mode ? "mode" : "topic.prefix");
        }
        s->mode = !strcasecmp(mode, "incrementing")   ? MODE_INC
                  : !strcasecmp(mode, "timestamp")    ? MODE_TS
                  : !strcasecmp(mode, "bulk")         ? MODE_BULK
                                                      : MODE_TS_INC;
        s->query = has(config, "query")
                           ? strdup(sl_config_str(config, "query"))
                           : NULL;
        s->suffix = strdup(has(config, "query.suffix")
                                   ? sl_config_str(config, "query.suffix")
                                   : "");
        s->inc_name = strdup(has(config, "incrementing.column.name")
                                     ? sl_config_str(config,
                                                     "incrementing.column.name")
                                     : "");
        s->nts = sl_config_list(sl_config_str(config,
                                              "timestamp.column.name"),
                                &s->ts_names);
        if (s->nts < 0)
                s->nts = 0;
        s->delay_ms = sl_config_long(config, "timestamp.delay.interval.ms", 0);
        s->poll_ms = sl_config_long(config, "poll.interval.ms", 5000);
        s->batch_max = (size_t)sl_config_long(config, "batch.max.rows", 100);
        if (s->batch_max < 1)
                s->batch_max = 1;
        s->validate_non_null = sl_config_bool(config, "validate.non.null",
                                              true);
        s->local_tz = has(config, "db.timezone") &&
                      strcasecmp(sl_config_str(config, "db.timezone"), "UTC");
        if (has(config, "timestamp.initial")) {
                s->has_ts_initial = true;
                s->ts_initial = sl_config_long(config, "timestamp.initial", 0);
                if (s->ts_initial == -1)
                        s->ts_initial = sl_epoch_ms();
        }
        if (pg_numeric_mapping_parse(sl_config_str(config, "numeric.mapping"),
                                     &s->numeric) < 0) {
                source_stop(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid numeric.mapping");
        }
        if (!s->suffix || !s->inc_name || (has(config, "query") && !s->query)) {
                source_stop(s);
                return nomem(errstr, errstr_size);
        }
        if ((s->mode == MODE_INC || s->mode == MODE_TS_INC) && !*s->inc_name) {
                source_stop(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Mode %s needs incrementing.column.name",
                                 mode);
        }
        if ((s->mode == MODE_TS || s->mode == MODE_TS_INC) && s->nts == 0) {
                source_stop(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Mode %s needs timestamp.column.name", mode);
        }
        if (!(s->conn = pg_connect(ctx, &s->opts, &s->db, errstr,
                                   errstr_size))) {
                source_stop(s);
                return SL_ERR_IO;
        }
        if (s->query) {
                s->tables = calloc(1, sizeof(*s->tables));
                if (!s->tables) {
                        source_stop(s);
                        return nomem(errstr, errstr_size);
                }
                s->ntables = 1;
                r = table_init(s, &s->tables[0], NULL, NULL, prefix);
        } else {
                sl_json_t *list = tables ? sl_json_parse(tables,
                                                         strlen(tables),
                                                         NULL, 0)
                                         : NULL;
                if (!list || list->type != SL_JSON_ARRAY) {
                        sl_json_free(list);
                        source_stop(s);
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "The task has no tables to copy");
                }
                s->tables = calloc(list->u.arr.len + 1, sizeof(*s->tables));
                r = s->tables ? 0 : SL_ERR_NOMEM;
                for (size_t i = 0; r == 0 && i < list->u.arr.len; i++) {
                        const sl_json_t *p = list->u.arr.items[i];
                        if (p->type != SL_JSON_ARRAY || p->u.arr.len != 2 ||
                            p->u.arr.items[0]->type != SL_JSON_STRING ||
                            p->u.arr.items[1]->type != SL_JSON_STRING) {
                                r = SL_ERR_CONFIG;
                                break;
                        }
                        s->ntables++;
                        r = table_init(s, &s->tables[i],
                                       p->u.arr.items[0]->u.str.ptr,
                                       p->u.arr.items[1]->u.str.ptr, prefix);
                }
                sl_json_free(list);
        }
        if (r < 0) {
                source_stop(s);
                return r == SL_ERR_CONFIG
                               ? sl_seterr(errstr, errstr_size, r,
                                           "Invalid tables in task config")
                               : nomem(errstr, errstr_size);
        }
        *statep = s;
        return 0;
}

/* ------------------------------------------------------------ queries */

static int put_ts_expr(source_t *s, sl_buf_t *b)
{
        int r = 0;
        if (s->nts == 1)
                return pg_quote_ident(b, s->ts_names[0], false);
        r = sl_buf_puts(b, "COALESCE(");
        for (int i = 0; r == 0 && i < s->nts; i++) {
                if (i)
                        r = sl_buf_putc(b, ',');
                if (r == 0)
                        r = pg_quote_ident(b, s->ts_names[i], false);
        }
        return r < 0 ? r : sl_buf_putc(b, ')');
}

/* The query Confluent's TimestampIncrementingCriteria builds, with $1 the
 * timestamp and $2 the incrementing value where used. */
static int build_query(source_t *s, table_t *t, int *nparams)
{
        sl_buf_t *b = &s->sql;
        int r;

        sl_buf_reset(b);
        if (t->name) {
                r = sl_buf_printf(b, "SELECT %s FROM ",
                                  t->select_list ? t->select_list : "*");
                if (r == 0)
                        r = pg_quote_ident(b, t->schema, false);
                if (r == 0)
                        r = sl_buf_putc(b, '.');
                if (r == 0)
                        r = pg_quote_ident(b, t->name, false);
        } else {
                r = sl_buf_puts(b, s->query);
        }
        *nparams = 0;
        switch (s->mode) {
        case MODE_BULK:
                break;
        case MODE_INC:
                r |= sl_buf_puts(b, " WHERE ");
                r |= pg_quote_ident(b, s->inc_name, false);
                r |= sl_buf_puts(b, " > $1 ORDER BY ");
                r |= pg_quote_ident(b, s->inc_name, false);
                r |= sl_buf_puts(b, " ASC");
                *nparams = 1;
                break;
        case MODE_TS:
        case MODE_TS_INC:
                r |= sl_buf_puts(b, " WHERE ");
                if (s->mode == MODE_TS_INC) {
                        r |= put_ts_expr(s, b);
                        r |= sl_buf_printf(b, " < CURRENT_TIMESTAMP - "
                                              "interval '%" PRId64
                                              " milliseconds' AND ((",
                                           s->delay_ms);
                        r |= put_ts_expr(s, b);
                        r |= sl_buf_puts(b, " = $1::timestamptz AND ");
                        r |= pg_quote_ident(b, s->inc_name, false);
                        r |= sl_buf_puts(b, " > $2) OR ");
                        r |= put_ts_expr(s, b);
                        r |= sl_buf_puts(b, " > $1::timestamptz) ORDER BY ");
                        r |= put_ts_expr(s, b);
                        r |= sl_buf_puts(b, ",");
                        r |= pg_quote_ident(b, s->inc_name, false);
                        r |= sl_buf_puts(b, " ASC");
                        *nparams = 2;
                } else {
                        r |= put_ts_expr(s, b);
                        r |= sl_buf_puts(b, " > $1::timestamptz AND ");
                        r |= put_ts_expr(s, b);
                        r |= sl_buf_printf(b, " < CURRENT_TIMESTAMP - "
                                              "interval '%" PRId64
                                              " milliseconds' ORDER BY ",
                                           s->delay_ms);
                        r |= put_ts_expr(s, b);
                        r |= sl_buf_puts(b, " ASC");
                        *nparams = 1;
                }
                break;
        }
        if (*s->suffix) {
                r |= sl_buf_putc(b, ' ');
                r |= sl_buf_puts(b, s->suffix);
        }
        return r ? SL_ERR_NOMEM : 0;
}

static int find_column(const PGresult *res, const char *name)
{
        for (int i = 0; i < PQnfields(res); i++)
                if (!strcmp(PQfname(res, i), name))
                        return i;
        return -1;
}

/* Which (table oid, column) pairs of res are NOT NULL: one catalog query
 * for the columns that come straight from a table. */
static int not_null_columns(source_t *s, const PGresult *desc, bool *notnull,
                            char *errstr, size_t errstr_size)
{
        sl_buf_t rels = SL_BUF_INIT;
        PGresult *res;
        const char *params[1];
        int r = 0;

        sl_buf_putc(&rels, '{');
        for (int i = 0; i < PQnfields(desc); i++)
                if (PQftable(desc, i) != InvalidOid)
                        sl_buf_printf(&rels, "%s%u", rels.len > 1 ? "," : "",
                                      PQftable(desc, i));
        sl_buf_putc(&rels, '}');
        params[0] = rels.data;
        res = pg_exec(s->ctx, s->conn,
                      "SELECT attrelid::int8, attnum, attnotnull FROM "
                      "pg_catalog.pg_attribute WHERE attrelid = "
                      "ANY($1::oid[]) AND attnum > 0",
                      1, params, errstr, errstr_size);
        sl_buf_free(&rels);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
                r = res && !pg_is_transient(s->conn, res) ? SL_ERR_IO
                                                          : SL_ERR_RETRIABLE;
                PQclear(res);
                return r;
        }
        for (int i = 0; i < PQnfields(desc); i++) {
                notnull[i] = false;
                for (int k = 0; k < PQntuples(res); k++)
                        if (strtoul(PQgetvalue(res, k, 0), NULL, 10) ==
                                    PQftable(desc, i) &&
                            atoi(PQgetvalue(res, k, 1)) ==
                                    PQftablecol(desc, i))
                                notnull[i] = *PQgetvalue(res, k, 2) == 't';
        }
        PQclear(res);
        return 0;
}

/* errstr was set by pg_collect or is set here. */
static int describe_fail(source_t *s, PGresult *res, char *errstr,
                         size_t errstr_size)
{
        if (!res)
                pg_result_error(NULL, s->conn, errstr, errstr_size);
        int r = !res || pg_is_transient(s->conn, res) ? SL_ERR_RETRIABLE
                                                      : SL_ERR_IO;
        PQclear(res);
        return r;
}

/* Confluent reads TIMESTAMP (without time zone) values as wall times in
 * db.timezone: the server turns them into instants in the session's
 * TimeZone (set to db.timezone) when the table's columns are listed.
 * Custom queries are read as they are (UTC). */
static int local_select_list(source_t *s, table_t *t, const PGresult *desc,
                             char *errstr, size_t errstr_size)
{
        sl_buf_t b = SL_BUF_INIT;
        bool any = false;
        int r = 0;

        free(t->select_list);
        t->select_list = NULL;
        if (!s->local_tz || !t->name)
                return 0;
        for (int i = 0; i < PQnfields(desc); i++) {
                const char *name = PQfname(desc, i);
                if (i)
                        r |= sl_buf_puts(&b, ", ");
                if (PQftype(desc, i) == PG_OID_TIMESTAMP) {
                        any = true;
                        r |= sl_buf_putc(&b, '(');
                        r |= pg_quote_ident(&b, name, false);
                        r |= sl_buf_puts(&b, " AT TIME ZONE pg_catalog."
                                             "current_setting('TimeZone')) "
                                             "AS ");
                }
                r |= pg_quote_ident(&b, name, false);
        }
        if (r) {
                sl_buf_free(&b);
                return nomem(errstr, errstr_size);
        }
        if (any)
                t->select_list = sl_buf_detach(&b, NULL);
        sl_buf_free(&b);
        return 0;
}

/* Learn the table's (or query's) columns without running it: the value
 * schema, and where the incrementing/timestamp columns are. */
static int describe(source_t *s, table_t *t, int nparams, char *errstr,
                    size_t errstr_size)
{
        PGresult *res;
        bool *notnull = NULL;
        sl_json_t *schema = NULL, *fields = NULL;
        int r = 0, n;

        if (!PQsendPrepare(s->conn, "", s->sql.data, nparams, NULL))
                return describe_fail(s, NULL, errstr, errstr_size);
        res = pg_collect(s->ctx, s->conn, errstr, errstr_size);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
                return describe_fail(s, res, errstr, errstr_size);
        PQclear(res);
        if (!PQsendDescribePrepared(s->conn, ""))
                return describe_fail(s, NULL, errstr, errstr_size);
        res = pg_collect(s->ctx, s->conn, errstr, errstr_size);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
                return describe_fail(s, res, errstr, errstr_size);
        n = PQnfields(res);
        notnull = calloc((size_t)n + 1, sizeof(*notnull));
        free(t->types);
        free(t->ts_cols);
        t->types = calloc((size_t)n + 1, sizeof(*t->types));
        t->ts_cols = calloc((size_t)s->nts + 1, sizeof(*t->ts_cols));
        schema = sl_json_object();
        fields = sl_json_array();
        if (!notnull || !t->types || !t->ts_cols || !schema || !fields) {
                r = nomem(errstr, errstr_size);
                goto out;
        }
        if ((r = not_null_columns(s, res, notnull, errstr, errstr_size)) < 0)
                goto out;
        for (int i = 0; i < n; i++) {
                sl_json_t *f = pg_column_schema(PQftype(res, i),
                                                PQfmod(res, i), !notnull[i],
                                                s->numeric);
                t->types[i] = PQftype(res, i);
                if (!f || sl_json_object_set(f, "field",
                                             sl_json_string(PQfname(res, i))) <
                                  0 ||
                    sl_json_array_append(fields, f) < 0) {
                        r = nomem(errstr, errstr_size);
                        goto out;
                }
        }
        t->nfields = n;
        t->inc_col = -1;
        if ((r = local_select_list(s, t, res, errstr, errstr_size)) < 0)
                goto out;
        if (s->mode == MODE_INC || s->mode == MODE_TS_INC) {
                t->inc_col = find_column(res, s->inc_name);
                if (t->inc_col < 0) {
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Incrementing column %s not found in "
                                      "%s", s->inc_name, t->label);
                        goto out;
                }
                if (s->validate_non_null && !notnull[t->inc_col]) {
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Cannot make incremental queries using "
                                      "incrementing column %s on %s because "
                                      "this column is nullable.",
                                      s->inc_name, t->label);
                        goto out;
                }
        }
        for (int i = 0; (s->mode == MODE_TS || s->mode == MODE_TS_INC) &&
                        i < s->nts; i++) {
                int c = find_column(res, s->ts_names[i]);
                if (c < 0) {
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Timestamp column %s not found in %s",
                                      s->ts_names[i], t->label);
                        goto out;
                }
                if (t->types[c] != PG_OID_TIMESTAMP &&
                    t->types[c] != PG_OID_TIMESTAMPTZ &&
                    t->types[c] != PG_OID_DATE) {
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Timestamp column %s of %s is not a "
                                      "timestamp", s->ts_names[i], t->label);
                        goto out;
                }
                if (s->validate_non_null && !notnull[c]) {
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Cannot make incremental queries using "
                                      "timestamp column %s on %s because "
                                      "this column is nullable.",
                                      s->ts_names[i], t->label);
                        goto out;
                }
                t->ts_cols[i] = c;
        }
        if (sl_json_object_set(schema, "type", sl_json_string("struct")) < 0 ||
            sl_json_object_set(schema, "fields", fields) < 0) {
                fields = NULL;
                r = nomem(errstr, errstr_size);
                goto out;
        }
        fields = NULL;
        if (sl_json_object_set(schema, "optional", sl_json_bool(false)) < 0 ||
            (t->name && sl_json_object_set(schema, "name",
                                           sl_json_string(t->name)) < 0)) {
                r = nomem(errstr, errstr_size);
                goto out;
        }
        sl_json_free(t->value_schema);
        t->value_schema = schema;
        schema = NULL;
out:
        PQclear(res);
        free(notnull);
        sl_json_free(schema);
        sl_json_free(fields);
        return r;
}

static int start_query(source_t *s, table_t *t, char *errstr,
                       size_t errstr_size)
{
        char p1[64], p2[32];
        const char *params[2] = {p1, p2};
        sl_buf_t ts = SL_BUF_INIT;
        int nparams, r;

        if ((r = build_query(s, t, &nparams)) < 0)
                return nomem(errstr, errstr_size);
        if (!t->value_schema) {
                free(t->select_list);
                t->select_list = NULL;
                if ((r = build_query(s, t, &nparams)) < 0)
                        return nomem(errstr, errstr_size);
                if ((r = describe(s, t, nparams, errstr, errstr_size)) < 0)
                        return r;
                /* with the select list describe may have set */
                if ((r = build_query(s, t, &nparams)) < 0)
                        return nomem(errstr, errstr_size);
        }
        if (s->mode == MODE_INC) {
                snprintf(p1, sizeof(p1), "%" PRId64, t->inc);
        } else if (s->mode == MODE_TS || s->mode == MODE_TS_INC) {
                if (pg_format_timestamp_us(t->ts_us, &ts) < 0)
                        return nomem(errstr, errstr_size);
                snprintf(p1, sizeof(p1), "%s", ts.data);
                snprintf(p2, sizeof(p2), "%" PRId64, t->inc);
                sl_buf_free(&ts);
        }
        sl_debug(LOGGER, "%s: %s ($1=%s)", t->label, s->sql.data,
                 nparams ? p1 : "");
        if (!PQsendQueryParams(s->conn, s->sql.data, nparams, NULL,
                               nparams ? params : NULL, NULL, NULL, 0) ||
            !PQsetSingleRowMode(s->conn)) {
                pg_result_error(NULL, s->conn, errstr, errstr_size);
                return SL_ERR_RETRIABLE;
        }
        s->active = t;
        return 0;
}

/* The row's Struct value, and the table's offset advanced past it. */
static int row_value(source_t *s, table_t *t, const PGresult *res,
                     sl_json_t **out, char *errstr, size_t errstr_size)
{
        const sl_json_t *fields = sl_json_object_get(t->value_schema,
                                                     "fields");
        sl_json_t *v = sl_json_object();
        int r = 0;

        if (!v)
                return nomem(errstr, errstr_size);
        for (int i = 0; i < t->nfields; i++) {
                const sl_json_t *fs = fields->u.arr.items[i];
                sl_json_t *x = NULL;
                if (PQgetisnull(res, 0, i))
                        x = sl_json_null();
                else
                        r = pg_text_to_value(t->types[i], fs,
                                             PQgetvalue(res, 0, i),
                                             (size_t)PQgetlength(res, 0, i),
                                             &x, errstr, errstr_size);
                if (r < 0 || !x ||
                    sl_json_object_set(v, sl_json_object_get_str(fs, "field"),
                                       x) < 0) {
                        sl_json_free(v);
                        return r < 0 ? r : nomem(errstr, errstr_size);
                }
        }
        if (t->inc_col >= 0 && !PQgetisnull(res, 0, t->inc_col)) {
                const sl_json_t *x = sl_json_object_get(
                        v, PQfname(res, t->inc_col));
                if (!x || x->type != SL_JSON_INT) {
                        sl_json_free(v);
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Incrementing column %s of %s is "
                                         "not an integer", s->inc_name,
                                         t->label);
                }
                t->inc = x->u.i;
        }
        for (int i = 0; (s->mode == MODE_TS || s->mode == MODE_TS_INC) &&
                        i < s->nts; i++) {
                int c = t->ts_cols[i];
                int64_t us;
                if (PQgetisnull(res, 0, c))
                        continue;
                if (t->types[c] == PG_OID_DATE) {
                        const sl_json_t *x = sl_json_object_get(
                                v, PQfname(res, c));
                        us = x ? x->u.i * INT64_C(86400000000) : 0;
                } else if (pg_parse_timestamp_us(PQgetvalue(res, 0, c),
                                                 (size_t)PQgetlength(res, 0, c),
                                                 &us) < 0) {
                        sl_json_free(v);
                        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                         "Bad timestamp %s in %s",
                                         PQgetvalue(res, 0, c), t->label);
                }
                t->ts_us = us;
                break; /* COALESCE: the first non-null one */
        }
        *out = v;
        return 0;
}

static void drop_connection(source_t *s)
{
        if (s->conn)
                PQfinish(s->conn);
        s->conn = NULL;
        s->active = NULL;
}

/* Rows of the active query into batch; 0 when none is ready yet. */
static int fetch_rows(source_t *s, sl_source_batch_t *batch, char *errstr,
                      size_t errstr_size)
{
        table_t *t = s->active;
        size_t room = sl_source_batch_room(batch), added = 0;
        int64_t deadline = sl_now_ms() + ROW_WAIT_MS;
        int r = 0;

        if (room > s->batch_max)
                room = s->batch_max;
        while (added < room) {
                PGresult *res;
                ExecStatusType st;

                /* the connection is non-blocking: a long query text may
                 * still be on its way out */
                int unsent = PQflush(s->conn);
                if (unsent < 0 || !PQconsumeInput(s->conn)) {
                        pg_result_error(NULL, s->conn, errstr, errstr_size);
                        r = SL_ERR_RETRIABLE;
                        break;
                }
                if (unsent || PQisBusy(s->conn)) {
                        int64_t left = deadline - sl_now_ms();
                        if (added > 0 || left <= 0 ||
                            sl_task_stopping(s->ctx))
                                break;
                        pg_wait_socket(s->conn,
                                       unsent ? POLLIN | POLLOUT : POLLIN,
                                       (int)left);
                        continue;
                }
                res = PQgetResult(s->conn);
                st = res ? PQresultStatus(res) : PGRES_TUPLES_OK;
                if (st == PGRES_SINGLE_TUPLE) {
                        sl_json_t *v = NULL;
                        if (PQnfields(res) != t->nfields) {
                                /* the table changed: describe it again */
                                sl_json_free(t->value_schema);
                                t->value_schema = NULL;
                                PQclear(res);
                                r = sl_seterr(errstr, errstr_size,
                                              SL_ERR_RETRIABLE,
                                              "The columns of %s changed",
                                              t->label);
                                break;
                        }
                        r = row_value(s, t, res, &v, errstr, errstr_size);
                        PQclear(res);
                        if (r < 0)
                                break;
                        sl_source_record_t rec = {
                                .topic = t->topic,
                                .partition = -1,
                                .value = {.schema = t->value_schema,
                                          .value = v},
                        };
                        r = sl_source_batch_add(batch, &rec);
                        sl_json_free(v);
                        if (r < 0) {
                                sl_seterr(errstr, errstr_size, r,
                                          "Cannot add a record of %s: %s",
                                          t->label, sl_err2str(r));
                                break;
                        }
                        added++;
                        continue;
                }
                if (st != PGRES_TUPLES_OK) {
                        bool transient = pg_is_transient(s->conn, res);
                        pg_result_error(res, s->conn, errstr, errstr_size);
                        PQclear(res);
                        r = transient ? SL_ERR_RETRIABLE : SL_ERR_IO;
                        break;
                }
                /* end of the rows: the query is done */
                PQclear(res);
                while ((res = PQgetResult(s->conn)))
                        PQclear(res);
                t->next_poll = sl_now_ms() + s->poll_ms;
                s->active = NULL;
                break;
        }
        if (added > 0 && s->mode != MODE_BULK) {
                if (build_offset(s, t) < 0 ||
                    sl_source_batch_set_offset(batch, t->partition,
                                               t->offset) < 0)
                        return nomem(errstr, errstr_size);
        }
        if (r < 0 && added > 0) {
                /* Hand over what was read; the failure shows next poll. */
                drop_connection(s);
                if (r != SL_ERR_RETRIABLE)
                        return r;
                return (int)added;
        }
        return r < 0 ? r : (int)added;
}

static int source_poll(void *state, sl_source_batch_t *batch, char *errstr,
                       size_t errstr_size)
{
        source_t *s = state;
        int r;

        if (sl_task_stopping(s->ctx))
                return 0;
        if (!s->conn) {
                if (!(s->conn = pg_connect(s->ctx, &s->opts, NULL, errstr,
                                           errstr_size)))
                        return sl_task_stopping(s->ctx) ? 0 : SL_ERR_IO;
        }
        if (!s->active) {
                int64_t now = sl_now_ms();
                table_t *t = NULL;
                for (size_t k = 0; k < s->ntables; k++) {
                        table_t *c = &s->tables[(s->next_table + k) %
                                                s->ntables];
                        if (c->next_poll <= now) {
                                t = c;
                                s->next_table = (size_t)(c - s->tables) + 1;
                                break;
                        }
                }
                if (!t)
                        return 0;
                r = start_query(s, t, errstr, errstr_size);
                if (r == SL_ERR_RETRIABLE) {
                        sl_warn(LOGGER, "%s: %s; reconnecting", t->label,
                                errstr);
                        drop_connection(s);
                        return 0;
                }
                if (r < 0)
                        return r;
        }
        r = fetch_rows(s, batch, errstr, errstr_size);
        if (r == SL_ERR_RETRIABLE) {
                sl_warn(LOGGER, "%s; reconnecting", errstr);
                drop_connection(s);
                return 0;
        }
        return r;
}

/* New or dropped tables re-split the work (not in query mode). */
static int64_t source_refresh_ms(const sl_strmap_t *config)
{
        if (has(config, "query"))
                return 0;
        return sl_config_long(config, "table.poll.interval.ms", 60000);
}

const sl_connector_plugin_t sl_jdbc_source_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "io.confluent.connect.jdbc.JdbcSourceConnector",
        .version = JDBC_SOURCE_VERSION,
        .config = source_config,
        .validate = source_validate,
        .task_configs = source_task_configs,
        .task_start = source_start,
        .task_stop = source_stop,
        .source_poll = source_poll,
        .reconfigure_interval_ms = source_refresh_ms,
};
