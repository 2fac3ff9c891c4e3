/*
 * JdbcSinkConnector for PostgreSQL: writes Struct records to tables by
 * INSERT, upsert (INSERT ... ON CONFLICT DO UPDATE) or UPDATE, deletes on
 * tombstones, and creates/evolves tables from record schemas, with
 * Confluent's keys and messages.
 *
 * Exactly once: each put is ONE transaction holding its rows and, in an
 * offsets table, the next Kafka offset of every partition it wrote. When
 * partitions are assigned the task reads that table and seeks the
 * consumer there, so what the database holds decides where consumption
 * resumes, whatever Kafka's committed offsets say; records below those
 * offsets that still arrive are skipped.
 *
 * Transient failures (connection lost, serialization failure, ...) do not
 * hold the shard: the put rolls back, asks the host to put the same
 * records again after retry.backoff.ms (sl_task_sink_retry_after) and
 * returns SL_ERR_RETRIABLE, as Confluent's sink throws RetriableException
 * after context.timeout(). The repeated put reconnects if needed and
 * re-reads the offsets table first (the COMMIT may have succeeded before
 * the connection dropped), so records already stored are skipped. After
 * max.retries such failures in a row the task fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "postgres/pg_common.h"

#define JDBC_SINK_VERSION "1.0.0"
#define LOGGER "JdbcSinkTask"
#define GROUP_CONN "Connection"
#define GROUP_WRITES "Writes"
#define GROUP_DATA "Data Mapping"
#define GROUP_DDL "DDL Support"
#define GROUP_RETRIES "Retries"

static const char *const insert_modes[] = {"insert", "upsert", "update",
                                           NULL};
static const char *const pk_modes[] = {"none", "kafka", "record_key",
                                       "record_value", NULL};

static const sl_config_def_t sink_config[] = {
        PG_CONNECTION_CONFIG(GROUP_CONN),
        {.name = "insert.mode", .type = SL_CFG_STRING,
         .default_value = "insert", .importance = SL_CFG_HIGH,
         .documentation = "The insertion mode to use: insert, upsert "
                          "(INSERT ... ON CONFLICT DO UPDATE) or update.",
         .group = GROUP_WRITES, .order = 1, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Insert Mode", .valid_values = insert_modes},
        {.name = "batch.size", .type = SL_CFG_INT, .default_value = "3000",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Specifies how many records to attempt to batch "
                          "together for insertion into the destination "
                          "table, when possible.",
         .group = GROUP_WRITES, .order = 2, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Batch Size", .flags = SL_CFG_MIN, .min = 0},
        {.name = "delete.enabled", .type = SL_CFG_BOOLEAN,
         .default_value = "false", .importance = SL_CFG_MEDIUM,
         .documentation = "Whether to treat null record values as deletes. "
                          "Requires pk.mode to be record_key.",
         .group = GROUP_WRITES, .order = 3, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Enable deletes"},
        {.name = "offsets.table.name", .type = SL_CFG_STRING,
         .default_value = "__sluice_sink_offsets",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Table holding, per connector and topic "
                          "partition, the next Kafka offset to write; "
                          "updated in the same transaction as the rows and "
                          "read on partition assignment to resume exactly "
                          "there. Created if missing.",
         .group = GROUP_WRITES, .order = 4, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Offsets table", .flags = SL_CFG_NONEMPTY},
        {.name = "table.name.format", .type = SL_CFG_STRING,
         .default_value = "${topic}", .importance = SL_CFG_MEDIUM,
         .documentation = "A format string for the destination table name, "
                          "which may contain '${topic}' as a placeholder "
                          "for the originating topic name.",
         .group = GROUP_DATA, .order = 1, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Table Name Format", .flags = SL_CFG_NONEMPTY},
        {.name = "pk.mode", .type = SL_CFG_STRING, .default_value = "none",
         .importance = SL_CFG_HIGH,
         .documentation = "The primary key mode: none, kafka, record_key "
                          "or record_value.",
         .group = GROUP_DATA, .order = 2, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Primary Key Mode", .valid_values = pk_modes},
        {.name = "pk.fields", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "List of comma-separated primary key field names; "
                          "its meaning depends on pk.mode.",
         .group = GROUP_DATA, .order = 3, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Primary Key Fields"},
        {.name = "fields.whitelist", .type = SL_CFG_LIST, .default_value = "",
         .importance = SL_CFG_MEDIUM,
         .documentation = "List of comma-separated record value field names. "
                          "If empty, all fields from the record value are "
                          "utilized.",
         .group = GROUP_DATA, .order = 4, .width = SL_CFG_WIDTH_LONG,
         .display_name = "Fields Whitelist"},
        {.name = "db.timezone", .type = SL_CFG_STRING, .default_value = "UTC",
         .importance = SL_CFG_MEDIUM,
         .documentation = "Name of the JDBC timezone that should be used in "
                          "the connector when inserting time-based values.",
         .group = GROUP_DATA, .order = 5, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "DB Time Zone", .flags = SL_CFG_NONEMPTY},
        {.name = "auto.create", .type = SL_CFG_BOOLEAN,
         .default_value = "false", .importance = SL_CFG_MEDIUM,
         .documentation = "Whether to automatically create the destination "
                          "table based on record schema if it is found to "
                          "be missing by issuing CREATE.",
         .group = GROUP_DDL, .order = 1, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Auto-Create"},
        {.name = "auto.evolve", .type = SL_CFG_BOOLEAN,
         .default_value = "false", .importance = SL_CFG_MEDIUM,
         .documentation = "Whether to automatically add columns in the "
                          "table schema when found to be missing relative "
                          "to the record schema by issuing ALTER.",
         .group = GROUP_DDL, .order = 2, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Auto-Evolve"},
        {.name = "max.retries", .type = SL_CFG_INT, .default_value = "10",
         .importance = SL_CFG_MEDIUM,
         .documentation = "The maximum number of times to retry on errors "
                          "before failing the task.",
         .group = GROUP_RETRIES, .order = 1, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Maximum Retries", .flags = SL_CFG_MIN, .min = 0},
        {.name = "retry.backoff.ms", .type = SL_CFG_INT,
         .default_value = "3000", .importance = SL_CFG_MEDIUM,
         .documentation = "The time in milliseconds to wait following an "
                          "error before a retry attempt is made.",
         .group = GROUP_RETRIES, .order = 2, .width = SL_CFG_WIDTH_SHORT,
         .display_name = "Retry Backoff (millis)", .flags = SL_CFG_MIN,
         .min = 0},
        {.name = NULL},
};

typedef enum { INS_INSERT, INS_UPSERT, INS_UPDATE } ins_mode_t;
typedef enum { PK_NONE, PK_KAFKA, PK_KEY, PK_VALUE } pk_mode_t;

static pk_mode_t pk_mode_of(const char *s)
{
        if (!s || !strcasecmp(s, "none"))
                return PK_NONE;
        if (!strcasecmp(s, "kafka"))
                return PK_KAFKA;
        if (!strcasecmp(s, "record_key"))
                return PK_KEY;
        return PK_VALUE;
}

static ins_mode_t ins_mode_of(const char *s)
{
        if (s && !strcasecmp(s, "upsert"))
                return INS_UPSERT;
        if (s && !strcasecmp(s, "update"))
                return INS_UPDATE;
        return INS_INSERT;
}

static void sink_validate(const sl_strmap_t *cfg, sl_config_errors_t *errs)
{
        pk_mode_t pk = pk_mode_of(sl_config_str(cfg, "pk.mode"));
        ins_mode_t ins = ins_mode_of(sl_config_str(cfg, "insert.mode"));
        char **items = NULL;
        int n = sl_config_list(sl_config_str(cfg, "pk.fields"), &items);

        if (items)
                sl_config_list_free(items, n);
        if (sl_config_bool(cfg, "delete.enabled", false) && pk != PK_KEY)
                sl_config_error_add(errs, "delete.enabled",
                                    "Deletes are only supported for "
                                    "pk.mode record_key");
        if (ins != INS_INSERT && pk == PK_NONE)
                sl_config_error_add(errs, "pk.mode",
                                    "insert.mode %s needs a primary key: "
                                    "set pk.mode to kafka, record_key or "
                                    "record_value",
                                    sl_config_str(cfg, "insert.mode"));
        if (pk == PK_KAFKA && n != 0 && n != 3)
                sl_config_error_add(errs, "pk.fields",
                                    "PK mode for table is KAFKA so there "
                                    "should either be no field names "
                                    "defined for defaults to be used, or "
                                    "exactly 3, defined fields are: %s",
                                    sl_config_str(cfg, "pk.fields"));
}

/* ------------------------------------------------------------- state */

typedef struct table_info {
        char *name;
        sl_strmap_t *cols; /* column name -> "" */
} table_info_t;

typedef struct tp_offset {
        char *topic;
        int32_t partition;
        int64_t next;  /* next offset the database expects; -1 unknown */
        int64_t put;   /* next offset after this put's records, -1 none */
} tp_offset_t;

typedef struct sink {
        sl_task_ctx_t *ctx;
        pg_conn_opts_t opts;
        PGconn *conn;
        ins_mode_t ins;
        pk_mode_t pk;
        char **pk_fields, **whitelist;
        int npk, nwhite;
        char *table_fmt, *offsets_table;
        bool auto_create, auto_evolve, delete_enabled;
        int max_retries;
        int attempt;  /* transient failures since the last good put */
        bool started; /* task_start connected: later reconnects try once */
        int64_t backoff_ms;
        size_t batch_size; /* records per transaction; 0: a whole put */
        table_info_t *tables;
        size_t ntables;
        tp_offset_t *tps;
        size_t ntps;
        sl_buf_t sql, tmp;
        bool offsets_table_ok;
        sl_json_t *kafka_schemas[3]; /* of the pk.mode=kafka columns */
} sink_t;

typedef struct col {
        const char *name;
        const sl_json_t *schema;
        const sl_json_t *value; /* NULL: SQL NULL */
        bool key;
} col_t;

static void tables_forget(sink_t *s)
{
        for (size_t i = 0; i < s->ntables; i++) {
                free(s->tables[i].name);
                sl_strmap_destroy(s->tables[i].cols);
        }
        free(s->tables);
        s->tables = NULL;
        s->ntables = 0;
}

static void sink_stop(void *state)
{
        sink_t *s = state;
        if (!s)
                return;
        if (s->conn)
                PQfinish(s->conn);
        tables_forget(s);
        for (size_t i = 0; i < s->ntps; i++)
                free(s->tps[i].topic);
        free(s->tps);
        if (s->pk_fields)
                sl_config_list_free(s->pk_fields, s->npk);
        if (s->whitelist)
                sl_config_list_free(s->whitelist, s->nwhite);
        free(s->table_fmt);
        free(s->offsets_table);
        for (int i = 0; i < 3; i++)
                sl_json_free(s->kafka_schemas[i]);
        sl_buf_free(&s->sql);
        sl_buf_free(&s->tmp);
        free(s);
}

static int nomem(char *errstr, size_t errstr_size)
{
        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
}

static int ensure_offsets_table(sink_t *s, char *errstr, size_t errstr_size)
{
        sl_buf_t *b = &s->sql;
        int r;
        if (s->offsets_table_ok)
                return 0;
        sl_buf_reset(b);
        r = sl_buf_puts(b, "CREATE TABLE IF NOT EXISTS ");
        r |= pg_quote_ident(b, s->offsets_table, true);
        r |= sl_buf_puts(b, " (connector TEXT NOT NULL, topic TEXT NOT NULL, "
                            "kafka_partition INT NOT NULL, next_offset BIGINT "
                            "NOT NULL, PRIMARY KEY (connector, topic, "
                            "kafka_partition))");
        if (r)
                return nomem(errstr, errstr_size);
        r = pg_exec_cmd(s->ctx, s->conn, b->data, 0, NULL, errstr,
                        errstr_size);
        /* Tasks racing to create it: one wins, the others see it exist. */
        if (r == SL_ERR_IO && strstr(errstr, "23505"))
                r = 0;
        if (r == 0)
                s->offsets_table_ok = true;
        return r;
}

/* The stored offsets are re-read before the next write (put_once). */
static void offsets_forget(sink_t *s)
{
        for (size_t i = 0; i < s->ntps; i++)
                s->tps[i].next = -1;
}

static int sink_connect(sink_t *s, char *errstr, size_t errstr_size)
{
        pg_conn_opts_t o = s->opts;

        if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
                return 0;
        if (s->conn)
                PQfinish(s->conn);
        s->conn = NULL;
        s->offsets_table_ok = false;
        tables_forget(s);
        /* another session may have written since: never trust offsets
         * read on a previous connection */
        offsets_forget(s);
        /* After task_start, puts (and opens) run on the shard: one
         * attempt, the host's retry (retry.backoff.ms) waits between
         * them without blocking it. */
        if (s->started)
                o.attempts = 1;
        if (!(s->conn = pg_connect(s->ctx, &o, NULL, errstr, errstr_size)))
                return SL_ERR_RETRIABLE;
        return ensure_offsets_table(s, errstr, errstr_size);
}

static int sink_start(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                      void **statep, char *errstr, size_t errstr_size)
{
        sink_t *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return nomem(errstr, errstr_size);
        s->ctx = ctx;
        sl_buf_init(&s->sql);
        sl_buf_init(&s->tmp);
        pg_conn_opts_from_config(config, &s->opts);
        s->ins = ins_mode_of(sl_config_str(config, "insert.mode"));
        s->pk = pk_mode_of(sl_config_str(config, "pk.mode"));
        s->npk = sl_config_list(sl_config_str(config, "pk.fields"),
                                &s->pk_fields);
        s->nwhite = sl_config_list(sl_config_str(config, "fields.whitelist"),
                                   &s->whitelist);
        if (s->npk < 0)
                s->npk = 0;
        if (s->nwhite < 0)
                s->nwhite = 0;
        s->table_fmt = strdup(sl_config_str(config, "table.name.format")
                                      ? sl_config_str(config,
                                                      "table.name.format")
                                      : "${topic}");
        s->offsets_table = strdup(
                sl_config_str(config, "offsets.table.name")
                        ? sl_config_str(config, "offsets.table.name")
                        : "__sluice_sink_offsets");
        s->auto_create = sl_config_bool(config, "auto.create", false);
        s->auto_evolve = sl_config_bool(config, "auto.evolve", false);
        s->delete_enabled = sl_config_bool(config, "delete.enabled", false);
        s->max_retries = (int)sl_config_long(config, "max.retries", 10);
        s->batch_size = (size_t)sl_config_long(config, "batch.size", 3000);
        s->backoff_ms = sl_config_long(config, "retry.backoff.ms", 3000);
        {
                static const char *const types[3] = {"string", "int32",
                                                     "int64"};
                for (int i = 0; i < 3; i++) {
                        char text[64];
                        snprintf(text, sizeof(text),
                                 "{\"type\":\"%s\",\"optional\":false}",
                                 types[i]);
                        s->kafka_schemas[i] = sl_json_parse(
                                text, strlen(text), NULL, 0);
                }
        }
        if (!s->table_fmt || !s->offsets_table || !s->kafka_schemas[0] ||
            !s->kafka_schemas[1] || !s->kafka_schemas[2]) {
                sink_stop(s);
                return nomem(errstr, errstr_size);
        }
        if (s->delete_enabled && s->pk != PK_KEY) {
                sink_stop(s);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Deletes are only supported for pk.mode "
                                 "record_key");
        }
        if ((r = sink_connect(s, errstr, errstr_size)) < 0) {
                sink_stop(s);
                return r;
        }
        s->started = true;
        *statep = s;
        return 0;
}

/* ----------------------------------------------------------- offsets */

static tp_offset_t *tp_find(sink_t *s, const char *topic, int32_t partition,
                            bool create)
{
        tp_offset_t *n;
        for (size_t i = 0; i < s->ntps; i++)
                if (s->tps[i].partition == partition &&
                    !strcmp(s->tps[i].topic, topic))
                        return &s->tps[i];
        if (!create)
                return NULL;
        if (!(n = realloc(s->tps, (s->ntps + 1) * sizeof(*n))))
                return NULL;
        s->tps = n;
        n = &s->tps[s->ntps];
        if (!(n->topic = strdup(topic)))
                return NULL;
        n->partition = partition;
        n->next = -1;
        n->put = -1;
        s->ntps++;
        return n;
}

/* The next offsets the database holds for this connector's partitions;
 * with seek, the consumer is moved there (sink_open). */
static int load_offsets(sink_t *s, const sl_topic_partition_t *tps,
                        size_t cnt, bool seek, char *errstr,
                        size_t errstr_size)
{
        const char *params[1] = {sl_task_connector(s->ctx)};
        PGresult *res;
        sl_buf_t *b = &s->sql;
        int r;

        sl_buf_reset(b);
        r = sl_buf_puts(b, "SELECT topic, kafka_partition, next_offset FROM ");
        r |= pg_quote_ident(b, s->offsets_table, true);
        r |= sl_buf_puts(b, " WHERE connector = $1");
        if (r)
                return nomem(errstr, errstr_size);
        res = pg_exec(s->ctx, s->conn, b->data, 1, params, errstr,
                      errstr_size);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
                r = pg_is_transient(s->conn, res) ? SL_ERR_RETRIABLE
                                                  : SL_ERR_IO;
                PQclear(res);
                return r;
        }
        for (size_t i = 0; i < cnt; i++) {
                tp_offset_t *tp = tp_find(s, tps[i].topic, tps[i].partition,
                                          true);
                if (!tp) {
                        PQclear(res);
                        return nomem(errstr, errstr_size);
                }
                tp->next = 0; /* nothing stored: everything is new */
                for (int k = 0; k < PQntuples(res); k++) {
                        if (strcmp(PQgetvalue(res, k, 0), tps[i].topic) ||
                            atoi(PQgetvalue(res, k, 1)) != tps[i].partition)
                                continue;
                        tp->next = strtoll(PQgetvalue(res, k, 2), NULL, 10);
                        if (seek) {
                                sl_info(LOGGER, "%s-%d resumes at offset "
                                        "%" PRId64 " stored in %s",
                                        tps[i].topic, (int)tps[i].partition,
                                        tp->next, s->offsets_table);
                                sl_task_sink_seek(s->ctx, tps[i].topic,
                                                  tps[i].partition, tp->next);
                        }
                }
        }
        PQclear(res);
        return 0;
}

static int sink_open(void *state, const sl_topic_partition_t *tps,
                     size_t cnt)
{
        sink_t *s = state;
        char err[1024] = "";
        int r;

        /* offsets known from an earlier assignment may be stale (another
         * task wrote meanwhile): if they cannot be read now, put reads
         * them before writing */
        for (size_t i = 0; i < cnt; i++) {
                tp_offset_t *tp = tp_find(s, tps[i].topic, tps[i].partition,
                                          false);
                if (tp)
                        tp->next = -1;
        }
        r = sink_connect(s, err, sizeof(err));
        if (r == 0)
                r = load_offsets(s, tps, cnt, true, err, sizeof(err));
        if (r < 0)
                /* put loads them before writing, so nothing is written
                 * twice; only the seek is lost */
                sl_error(LOGGER, "Cannot read %s for the assigned "
                         "partitions: %s", s->offsets_table, err);
        return r;
}

/* ----------------------------------------------------------- records */

static const sl_json_t *struct_fields(const sl_json_t *schema)
{
        const char *t = sl_json_object_get_str(schema, "type");
        const sl_json_t *f = sl_json_object_get(schema, "fields");
        if (!t || strcmp(t, "struct") || !f || f->type != SL_JSON_ARRAY)
                return NULL;
        return f;
}

static const sl_json_t *field_schema(const sl_json_t *schema,
                                     const char *name)
{
        const sl_json_t *f = struct_fields(schema);
        for (size_t i = 0; f && i < f->u.arr.len; i++) {
                const char *n = sl_json_object_get_str(f->u.arr.items[i],
                                                       "field");
                if (n && !strcmp(n, name))
                        return f->u.arr.items[i];
        }
        return NULL;
}

static bool in_list(char **items, int n, const char *name)
{
        for (int i = 0; i < n; i++)
                if (!strcmp(items[i], name))
                        return true;
        return false;
}

static const char *json_type_name(const sl_json_t *v)
{
        if (!v || v->type == SL_JSON_NULL)
                return "null";
        /* without a schema an object is a schemaless map */
        return v->type == SL_JSON_OBJECT ? "Map" : "non-Struct";
}

static int record_error(const sink_t *s, const sl_sink_record_t *rec,
                        char *errstr, size_t errstr_size)
{
        static const char *const pk_names[] = {"none", "kafka", "record_key",
                                               "record_value"};
        return sl_seterr(
                errstr, errstr_size, SL_ERR_CONVERT,
                "Sink connector '%s' is configured with 'delete.enabled=%s' "
                "and 'pk.mode=%s' and therefore requires records with a "
                "non-null Struct value and non-null Struct schema, but found "
                "record at (topic='%s',partition=%d,offset=%" PRId64
                ",timestamp=%" PRId64 ") with a %s value and %s value "
                "schema.",
                sl_task_connector(s->ctx), s->delete_enabled ? "true" : "false",
                pk_names[s->pk], rec->topic, (int)rec->partition, rec->offset,
                rec->timestamp,
                rec->value.schema && rec->value.value &&
                                rec->value.value->type == SL_JSON_OBJECT
                        ? "Struct"
                        : json_type_name(rec->value.value),
                rec->value.schema ? (struct_fields(rec->value.schema)
                                             ? "Struct"
                                             : "non-Struct")
                                  : "null");
}

/* Storage for the kafka pk columns of one record. */
typedef struct kafka_cols {
        sl_json_t topic, partition, offset;
        sl_json_t *schemas[3];
} kafka_cols_t;

static const char *const kafka_pk_defaults[] = {
        "__connect_topic", "__connect_partition", "__connect_offset"};

static int add_col(col_t *cols, int *n, int max, const char *name,
                   const sl_json_t *schema, const sl_json_t *value, bool key)
{
        for (int i = 0; i < *n; i++)
                if (!strcmp(cols[i].name, name))
                        return 0; /* the key's column wins */
        if (*n >= max)
                return SL_ERR_INVALID;
        if (value && value->type == SL_JSON_NULL)
                value = NULL;
        cols[(*n)++] = (col_t){name, schema, value, key};
        return 0;
}

/* The columns of rec: key columns first. For a tombstone only the key's.
 * Returns the count or < 0 with errstr. */
static int record_columns(sink_t *s, const sl_sink_record_t *rec,
                          kafka_cols_t *kc, col_t *cols, int max,
                          char *errstr, size_t errstr_size)
{
        const sl_json_t *vs = rec->value.schema, *v = rec->value.value;
        const sl_json_t *vf = struct_fields(vs);
        bool tombstone = !v || v->type == SL_JSON_NULL;
        int n = 0, r = 0;

        if (tombstone ? !s->delete_enabled : !vf || v->type != SL_JSON_OBJECT)
                return record_error(s, rec, errstr, errstr_size);
        switch (s->pk) {
        case PK_NONE:
                break;
        case PK_KAFKA:
                kc->topic = SL_JSON_STRING_REF(rec->topic, strlen(rec->topic));
                kc->partition = (sl_json_t){.type = SL_JSON_INT,
                                            .u.i = rec->partition};
                kc->offset = (sl_json_t){.type = SL_JSON_INT,
                                         .u.i = rec->offset};
                for (int i = 0; i < 3 && r == 0; i++)
                        r = add_col(cols, &n, max,
                                    s->npk == 3 ? s->pk_fields[i]
                                                : kafka_pk_defaults[i],
                                    kc->schemas[i],
                                    i == 0   ? &kc->topic
                                    : i == 1 ? &kc->partition
                                             : &kc->offset,
                                    true);
                break;
        case PK_KEY: {
                const sl_json_t *ks = rec->key.schema, *k = rec->key.value;
                const sl_json_t *kf = struct_fields(ks);
                if (!ks || !k || k->type == SL_JSON_NULL)
                        return sl_seterr(
                                errstr, errstr_size, SL_ERR_CONVERT,
                                "PK mode for table is RECORD_KEY, but record "
                                "at (topic='%s',partition=%d,offset=%" PRId64
                                ") has a null key%s",
                                rec->topic, (int)rec->partition, rec->offset,
                                ks ? "" : " schema");
                if (!kf) {
                        if (s->npk != 1)
                                return sl_seterr(
                                        errstr, errstr_size, SL_ERR_CONFIG,
                                        "Need exactly one PK column defined "
                                        "since the key schema for records is "
                                        "a primitive type, defined columns "
                                        "are: %s", s->npk ? "several" : "[]");
                        r = add_col(cols, &n, max, s->pk_fields[0], ks, k,
                                    true);
                        break;
                }
                for (size_t i = 0; i < kf->u.arr.len && r == 0; i++) {
                        const char *f = sl_json_object_get_str(
                                kf->u.arr.items[i], "field");
                        if (s->npk && !in_list(s->pk_fields, s->npk, f))
                                continue;
                        r = add_col(cols, &n, max, f, kf->u.arr.items[i],
                                    sl_json_object_get(k, f), true);
                }
                for (int i = 0; i < s->npk; i++)
                        if (!field_schema(ks, s->pk_fields[i]))
                                return sl_seterr(
                                        errstr, errstr_size, SL_ERR_CONFIG,
                                        "PK mode for table is RECORD_KEY with "
                                        "configured PK fields %s, but record "
                                        "key schema does not contain field: "
                                        "%s",
                                        s->pk_fields[i], s->pk_fields[i]);
                break;
        }
        case PK_VALUE:
                for (size_t i = 0; i < vf->u.arr.len && r == 0; i++) {
                        const char *f = sl_json_object_get_str(
                                vf->u.arr.items[i], "field");
                        if (s->npk && !in_list(s->pk_fields, s->npk, f))
                                continue;
                        r = add_col(cols, &n, max, f, vf->u.arr.items[i],
                                    sl_json_object_get(v, f), true);
                }
                for (int i = 0; i < s->npk; i++)
                        if (!field_schema(vs, s->pk_fields[i]))
                                return sl_seterr(
                                        errstr, errstr_size, SL_ERR_CONFIG,
                                        "PK mode for table is RECORD_VALUE "
                                        "with configured PK fields %s, but "
                                        "record value schema does not "
                                        "contain field: %s",
                                        s->pk_fields[i], s->pk_fields[i]);
                break;
        }
        for (size_t i = 0; !tombstone && r == 0 && i < vf->u.arr.len; i++) {
                const char *f = sl_json_object_get_str(vf->u.arr.items[i],
                                                       "field");
                if (!f || (s->nwhite && !in_list(s->whitelist, s->nwhite, f)))
                        continue;
                r = add_col(cols, &n, max, f, vf->u.arr.items[i],
                            sl_json_object_get(v, f), false);
        }
        if (r < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "Record at %s-%d@%" PRId64 " has too many "
                                 "fields", rec->topic, (int)rec->partition,
                                 rec->offset);
        return n;
}

static int table_name(sink_t *s, const char *topic, sl_buf_t *out)
{
        const char *p = s->table_fmt, *m;
        int r = 0;
        sl_buf_reset(out);
        while (r == 0 && (m = strstr(p, "${topic}"))) {
                r = sl_buf_append(out, p, (size_t)(m - p));
                if (r == 0)
                        r = sl_buf_puts(out, topic);
                p = m + 8;
        }
        return r ? r : sl_buf_puts(out, p);
}

/* ------------------------------------------------------------ tables */

static table_info_t *table_lookup(sink_t *s, const char *name)
{
        for (size_t i = 0; i < s->ntables; i++)
                if (!strcmp(s->tables[i].name, name))
                        return &s->tables[i];
        return NULL;
}

/* Read the table's columns; NULL cols when the table does not exist. */
static int table_read(sink_t *s, const char *name, table_info_t **out,
                      char *errstr, size_t errstr_size)
{
        sl_buf_t q = SL_BUF_INIT;
        const char *params[1];
        PGresult *res;
        table_info_t *t = table_lookup(s, name);
        int r;

        *out = NULL;
        if (pg_quote_ident(&q, name, true) < 0)
                return nomem(errstr, errstr_size);
        params[0] = q.data;
        res = pg_exec(s->ctx, s->conn,
                      "SELECT c.oid IS NOT NULL, a.attname FROM (SELECT "
                      "pg_catalog.to_regclass($1) AS oid) c LEFT JOIN "
                      "pg_catalog.pg_attribute a ON a.attrelid = c.oid AND "
                      "a.attnum > 0 AND NOT a.attisdropped",
                      1, params, errstr, errstr_size);
        sl_buf_free(&q);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
                r = pg_is_transient(s->conn, res) ? SL_ERR_RETRIABLE
                                                  : SL_ERR_IO;
                PQclear(res);
                return r;
        }
        if (!t) {
                table_info_t *n = realloc(s->tables, (s->ntables + 1) *
                                                             sizeof(*n));
                if (!n) {
                        PQclear(res);
                        return nomem(errstr, errstr_size);
                }
                s->tables = n;
                t = &s->tables[s->ntables];
                memset(t, 0, sizeof(*t));
                if (!(t->name = strdup(name))) {
                        PQclear(res);
                        return nomem(errstr, errstr_size);
                }
                s->ntables++;
        }
        sl_strmap_destroy(t->cols);
        t->cols = NULL;
        if (PQntuples(res) > 0 && *PQgetvalue(res, 0, 0) == 't') {
                t->cols = sl_strmap_new();
                for (int i = 0; t->cols && i < PQntuples(res); i++)
                        if (!PQgetisnull(res, i, 1))
                                sl_strmap_set(t->cols, PQgetvalue(res, i, 1),
                                              "");
        }
        PQclear(res);
        *out = t;
        return 0;
}

static int column_def(sl_buf_t *b, const col_t *c, char *errstr,
                      size_t errstr_size)
{
        const char *type = pg_sql_type(c->schema);
        const sl_json_t *opt = sl_json_object_get(c->schema, "optional");
        if (!type)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "%s (%s) type doesn't have a mapping to "
                                 "the SQL database column type",
                                 c->name,
                                 sl_json_object_get_str(c->schema, "type")
                                         ? sl_json_object_get_str(c->schema,
                                                                  "type")
                                         : "?");
        if (pg_quote_ident(b, c->name, false) < 0 ||
            sl_buf_printf(b, " %s%s", type,
                          c->key || !(opt && opt->type == SL_JSON_BOOL &&
                                      opt->u.b)
                                  ? " NOT NULL"
                                  : "") < 0)
                return nomem(errstr, errstr_size);
        return 0;
}

static int create_table(sink_t *s, const char *name, const col_t *cols,
                        int n, char *errstr, size_t errstr_size)
{
        sl_buf_t *b = &s->tmp;
        int r, nkey = 0;

        sl_buf_reset(b);
        r = sl_buf_puts(b, "CREATE TABLE IF NOT EXISTS ");
        r |= pg_quote_ident(b, name, true);
        r |= sl_buf_puts(b, " (");
        if (r)
                return nomem(errstr, errstr_size);
        for (int i = 0; i < n; i++) {
                if (i && sl_buf_puts(b, ", ") < 0)
                        return nomem(errstr, errstr_size);
                if ((r = column_def(b, &cols[i], errstr, errstr_size)) < 0)
                        return r;
        }
        for (int i = 0; i < n; i++) {
                if (!cols[i].key)
                        continue;
                r |= sl_buf_puts(b, nkey++ ? ", " : ", PRIMARY KEY (");
                r |= pg_quote_ident(b, cols[i].name, false);
        }
        r |= sl_buf_puts(b, nkey ? "))" : ")");
        if (r)
                return nomem(errstr, errstr_size);
        sl_info(LOGGER, "Creating table with sql: %s", b->data);
        r = pg_exec_cmd(s->ctx, s->conn, b->data, 0, NULL, errstr,
                        errstr_size);
        /* Another task created it at the same time (IF NOT EXISTS does not
         * cover concurrent transactions): the retry finds it. */
        if (r == SL_ERR_IO && strstr(errstr, "SQLSTATE 23505"))
                r = SL_ERR_RETRIABLE;
        return r;
}

static int add_columns(sink_t *s, table_info_t *t, const col_t *cols, int n,
                       char *errstr, size_t errstr_size)
{
        sl_buf_t *b = &s->tmp;
        int r = 0, nadd = 0;

        sl_buf_reset(b);
        for (int i = 0; i < n; i++) {
                const sl_json_t *opt;
                if (sl_strmap_has(t->cols, cols[i].name))
                        continue;
                if (!s->auto_evolve)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Table \"%s\" is missing fields "
                                         "(%s) and auto-evolution is "
                                         "disabled",
                                         t->name, cols[i].name);
                opt = sl_json_object_get(cols[i].schema, "optional");
                if (cols[i].key || !opt || opt->type != SL_JSON_BOOL ||
                    !opt->u.b)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Cannot ALTER TABLE \"%s\" to add "
                                         "missing field %s, as the field is "
                                         "not optional and does not have a "
                                         "default value",
                                         t->name, cols[i].name);
                if (!nadd++) {
                        r |= sl_buf_puts(b, "ALTER TABLE ");
                        r |= pg_quote_ident(b, t->name, true);
                } else {
                        r |= sl_buf_putc(b, ',');
                }
                r |= sl_buf_puts(b, " ADD COLUMN IF NOT EXISTS ");
                if (r)
                        return nomem(errstr, errstr_size);
                if ((r = column_def(b, &cols[i], errstr, errstr_size)) < 0)
                        return r;
        }
        if (!nadd)
                return 0;
        sl_info(LOGGER, "Amending table with sql: %s", b->data);
        return pg_exec_cmd(s->ctx, s->conn, b->data, 0, NULL, errstr,
                           errstr_size);
}

/* Make sure the table exists with every column of cols (auto.create /
 * auto.evolve), inside the put's transaction. *exists false: a tombstone
 * for a table that is not there. */
static int ensure_table(sink_t *s, const char *name, const col_t *cols,
                        int n, bool tombstone, bool *exists, char *errstr,
                        size_t errstr_size)
{
        table_info_t *t = table_lookup(s, name);
        bool missing = !t || !t->cols;
        int r;

        *exists = true;
        for (int i = 0; !missing && i < n; i++)
                if (!sl_strmap_has(t->cols, cols[i].name))
                        missing = true;
        if (!missing)
                return 0;
        if ((r = table_read(s, name, &t, errstr, errstr_size)) < 0)
                return r;
        if (!t->cols) {
                if (tombstone) {
                        *exists = false;
                        return 0;
                }
                if (!s->auto_create)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Table \"%s\" is missing and "
                                         "auto-creation is disabled",
                                         name);
                if ((r = create_table(s, name, cols, n, errstr,
                                      errstr_size)) < 0)
                        return r;
                return table_read(s, name, &t, errstr, errstr_size);
        }
        if ((r = add_columns(s, t, cols, n, errstr, errstr_size)) < 0)
                return r;
        return table_read(s, name, &t, errstr, errstr_size);
}

/* ------------------------------------------------------------ writes */

/* Parameter i: a Timestamp is sent as UTC text with its offset; cast it
 * so a column without time zone gets the wall time of the session's
 * TimeZone (db.timezone), as Confluent writes it. */
static int put_param(sl_buf_t *b, const col_t *c, int i)
{
        const char *name = sl_json_object_get_str(c->schema, "name");
        return sl_buf_printf(b, "$%d%s", i,
                             name && !strcmp(name, PG_TIMESTAMP)
                                     ? "::timestamptz"
                                     : "");
}

static int build_statement(sink_t *s, const char *table, const col_t *cols,
                           int n, bool tombstone)
{
        sl_buf_t *b = &s->sql;
        int r = 0, p = 1, nkey = 0, nval = 0;

        sl_buf_reset(b);
        for (int i = 0; i < n; i++)
                cols[i].key ? nkey++ : nval++;
        if (tombstone) {
                r |= sl_buf_puts(b, "DELETE FROM ");
                r |= pg_quote_ident(b, table, true);
                for (int i = 0; i < n; i++) {
                        r |= sl_buf_puts(b, i ? " AND " : " WHERE ");
                        r |= pg_quote_ident(b, cols[i].name, false);
                        r |= sl_buf_puts(b, " = ");
                        r |= put_param(b, &cols[i], p++);
                }
                return r ? SL_ERR_NOMEM : 0;
        }
        if (s->ins == INS_UPDATE) {
                r |= sl_buf_puts(b, "UPDATE ");
                r |= pg_quote_ident(b, table, true);
                r |= sl_buf_puts(b, " SET ");
                for (int i = 0, k = 0; i < n; i++) {
                        if (cols[i].key)
                                continue;
                        if (k++)
                                r |= sl_buf_puts(b, ", ");
                        r |= pg_quote_ident(b, cols[i].name, false);
                        r |= sl_buf_puts(b, " = ");
                        r |= put_param(b, &cols[i], i + 1);
                }
                for (int i = 0, k = 0; i < n; i++) {
                        if (!cols[i].key)
                                continue;
                        r |= sl_buf_puts(b, k++ ? " AND " : " WHERE ");
                        r |= pg_quote_ident(b, cols[i].name, false);
                        r |= sl_buf_puts(b, " = ");
                        r |= put_param(b, &cols[i], i + 1);
                }
                return r ? SL_ERR_NOMEM : 0;
        }
        r |= sl_buf_puts(b, "INSERT INTO ");
        r |= pg_quote_ident(b, table, true);
        r |= sl_buf_puts(b, " (");
        for (int i = 0; i < n; i++) {
                if (i)
                        r |= sl_buf_puts(b, ",");
                r |= pg_quote_ident(b, cols[i].name, false);
        }
        r |= sl_buf_puts(b, ") VALUES (");
        for (int i = 0; i < n; i++) {
                if (i)
                        r |= sl_buf_putc(b, ',');
                r |= put_param(b, &cols[i], i + 1);
        }
        r |= sl_buf_putc(b, ')');
        if (s->ins == INS_UPSERT && nkey) {
                r |= sl_buf_puts(b, " ON CONFLICT (");
                for (int i = 0, k = 0; i < n; i++) {
                        if (!cols[i].key)
                                continue;
                        if (k++)
                                r |= sl_buf_putc(b, ',');
                        r |= pg_quote_ident(b, cols[i].name, false);
                }
                r |= sl_buf_puts(b, nval ? ") DO UPDATE SET " : ") DO NOTHING");
                for (int i = 0, k = 0; i < n; i++) {
                        if (cols[i].key)
                                continue;
                        if (k++)
                                r |= sl_buf_putc(b, ',');
                        r |= pg_quote_ident(b, cols[i].name, false);
                        r |= sl_buf_puts(b, "=EXCLUDED.");
                        r |= pg_quote_ident(b, cols[i].name, false);
                }
        }
        return r ? SL_ERR_NOMEM : 0;
}

#define MAX_COLS 1600 /* PostgreSQL's own limit */

static int write_record(sink_t *s, const sl_sink_record_t *rec, col_t *cols,
                        const char **params, size_t *offs, char *errstr,
                        size_t errstr_size)
{
        kafka_cols_t kc;
        sl_buf_t name = SL_BUF_INIT;
        bool tombstone = !rec->value.value ||
                         rec->value.value->type == SL_JSON_NULL;
        bool exists;
        PGresult *res = NULL;
        int n, r;

        memcpy(kc.schemas, s->kafka_schemas, sizeof(kc.schemas));
        n = record_columns(s, rec, &kc, cols, MAX_COLS, errstr, errstr_size);
        if ((r = n) < 0)
                goto out;
        if (n == 0) {
                r = sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                              "Record at %s-%d@%" PRId64 " has no fields "
                              "to write", rec->topic, (int)rec->partition,
                              rec->offset);
                goto out;
        }
        if (table_name(s, rec->topic, &name) < 0) {
                r = nomem(errstr, errstr_size);
                goto out;
        }
        if ((r = ensure_table(s, name.data, cols, n, tombstone, &exists,
                              errstr, errstr_size)) < 0 ||
            !exists)
                goto out;
        if (build_statement(s, name.data, cols, n, tombstone) < 0) {
                r = nomem(errstr, errstr_size);
                goto out;
        }
        sl_buf_reset(&s->tmp);
        for (int i = 0; i < n; i++) {
                offs[i] = SIZE_MAX;
                if (!cols[i].value)
                        continue;
                offs[i] = s->tmp.len;
                if ((r = pg_value_to_text(cols[i].schema, cols[i].value,
                                          &s->tmp, errstr, errstr_size)) < 0 ||
                    (r = sl_buf_putc(&s->tmp, '\0')) < 0)
                        goto out;
        }
        for (int i = 0; i < n; i++)
                params[i] = offs[i] == SIZE_MAX ? NULL : s->tmp.data + offs[i];
        res = pg_exec(s->ctx, s->conn, s->sql.data, n, params, errstr,
                      errstr_size);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
                r = pg_is_transient(s->conn, res) ? SL_ERR_RETRIABLE
                                                  : SL_ERR_IO;
out:
        if (r < 0 && r != SL_ERR_RETRIABLE && r != SL_ERR_NOMEM) {
                /* say which record failed */
                char inner[768];
                snprintf(inner, sizeof(inner), "%s", errstr);
                sl_seterr(errstr, errstr_size, r,
                          "Cannot write record %s-%d@%" PRId64 ": %s",
                          rec->topic, (int)rec->partition, rec->offset,
                          inner);
        }
        PQclear(res);
        sl_buf_free(&name);
        return r;
}

static int save_offsets(sink_t *s, char *errstr, size_t errstr_size)
{
        sl_buf_t *b = &s->sql;
        int r;

        sl_buf_reset(b);
        r = sl_buf_puts(b, "INSERT INTO ");
        r |= pg_quote_ident(b, s->offsets_table, true);
        r |= sl_buf_puts(b, " (connector, topic, kafka_partition, "
                            "next_offset) VALUES ($1, $2, $3, $4) ON "
                            "CONFLICT (connector, topic, kafka_partition) "
                            "DO UPDATE SET next_offset = "
                            "EXCLUDED.next_offset");
        if (r)
                return nomem(errstr, errstr_size);
        for (size_t i = 0; i < s->ntps; i++) {
                char part[16], next[32];
                const char *params[4] = {sl_task_connector(s->ctx),
                                         s->tps[i].topic, part, next};
                if (s->tps[i].put < 0)
                        continue;
                snprintf(part, sizeof(part), "%d", (int)s->tps[i].partition);
                snprintf(next, sizeof(next), "%" PRId64, s->tps[i].put);
                if ((r = pg_exec_cmd(s->ctx, s->conn, b->data, 4, params,
                                     errstr, errstr_size)) < 0)
                        return r;
        }
        return 0;
}

/* One attempt at the whole put in one transaction. */
static int put_once(sink_t *s, const sl_sink_record_t *records, size_t cnt,
                    char *errstr, size_t errstr_size)
{
        col_t *cols = calloc(MAX_COLS, sizeof(*cols));
        const char **params = calloc(MAX_COLS, sizeof(*params));
        size_t *offs = calloc(MAX_COLS, sizeof(*offs));
        size_t written = 0;
        int r;

        if (!cols || !params || !offs) {
                r = nomem(errstr, errstr_size);
                goto out;
        }
        if ((r = sink_connect(s, errstr, errstr_size)) < 0)
                goto out;
        for (size_t i = 0; i < s->ntps; i++)
                s->tps[i].put = -1;
        /* Offsets of partitions sink_open could not read, before any
         * write, so that nothing already stored is written again. */
        for (size_t i = 0; i < cnt; i++) {
                tp_offset_t *tp = tp_find(s, records[i].topic,
                                          records[i].partition, true);
                sl_topic_partition_t one = {records[i].topic,
                                            records[i].partition, -1};
                if (!tp) {
                        r = nomem(errstr, errstr_size);
                        goto out;
                }
                if (tp->next < 0 &&
                    (r = load_offsets(s, &one, 1, false, errstr,
                                      errstr_size)) < 0)
                        goto out;
        }
        if ((r = pg_exec_cmd(s->ctx, s->conn, "BEGIN", 0, NULL, errstr,
                             errstr_size)) < 0)
                goto out;
        for (size_t i = 0; i < cnt; i++) {
                const sl_sink_record_t *rec = &records[i];
                tp_offset_t *tp = tp_find(s, rec->topic, rec->partition,
                                          false);
                if (rec->offset < tp->next)
                        continue; /* already in the database */
                if ((r = write_record(s, rec, cols, params, offs, errstr,
                                      errstr_size)) < 0)
                        break;
                if (rec->offset + 1 > tp->put)
                        tp->put = rec->offset + 1;
                written++;
        }
        if (r == 0 && written > 0 &&
            (r = save_offsets(s, errstr, errstr_size)) == 0)
                r = pg_exec_cmd(s->ctx, s->conn, "COMMIT", 0, NULL, errstr,
                                errstr_size);
        else if (r == 0)
                r = pg_exec_cmd(s->ctx, s->conn, "ROLLBACK", 0, NULL, errstr,
                                errstr_size);
        if (r == 0) {
                for (size_t i = 0; i < s->ntps; i++)
                        if (s->tps[i].put > s->tps[i].next)
                                s->tps[i].next = s->tps[i].put;
        } else if (s->conn && PQstatus(s->conn) == CONNECTION_OK) {
                char e[256];
                PQclear(pg_exec(s->ctx, s->conn, "ROLLBACK", 0, NULL, e,
                                sizeof(e)));
        }
        if (r < 0)
                /* DDL of the failed transaction was rolled back too */
                tables_forget(s);
out:
        free(cols);
        free(params);
        free(offs);
        return r;
}

/* batch.size records per transaction, each with its own offsets, so a
 * failure later in a put keeps what was committed before it. A transient
 * failure with retries left makes the host put the same records again
 * after retry.backoff.ms without holding the shard; put_once then skips
 * what the offsets table says is stored (re-read first: the connection
 * is new, or sink_put forgot the offsets). */
static int sink_put(void *state, const sl_sink_record_t *records, size_t cnt,
                    char *errstr, size_t errstr_size)
{
        sink_t *s = state;
        size_t step = s->batch_size ? s->batch_size : cnt;
        int r = 0;

        for (size_t at = 0; at < cnt && r == 0; at += step) {
                size_t n = cnt - at < step ? cnt - at : step;
                r = put_once(s, records + at, n, errstr, errstr_size);
        }
        if (r == 0) {
                if (s->attempt > 0)
                        sl_info(LOGGER, "%s-%d: %zu records written after %d "
                                "retries", sl_task_connector(s->ctx),
                                sl_task_id(s->ctx), cnt, s->attempt);
                s->attempt = 0;
                return 0;
        }
        if (r != SL_ERR_RETRIABLE) {
                s->attempt = 0;
                return r;
        }
        /* The COMMIT may have happened before the failure showed: the
         * repeated put re-reads the stored offsets before writing. */
        offsets_forget(s);
        if (s->conn && PQstatus(s->conn) != CONNECTION_OK) {
                PQfinish(s->conn);
                s->conn = NULL;
        }
        if (s->attempt >= s->max_retries) {
                sl_error(LOGGER, "%s-%d: write of %zu records failed after "
                         "%d retries: %s", sl_task_connector(s->ctx),
                         sl_task_id(s->ctx), cnt, s->attempt, errstr);
                s->attempt = 0;
                /* another code than SL_ERR_RETRIABLE fails the task, with
                 * PostgreSQL's message */
                return SL_ERR_IO;
        }
        s->attempt++;
        sl_warn(LOGGER, "%s-%d: write of %zu records failed, retrying (%d "
                "of %d) in %" PRId64 " ms: %s", sl_task_connector(s->ctx),
                sl_task_id(s->ctx), cnt, s->attempt, s->max_retries,
                s->backoff_ms, errstr);
        sl_task_sink_retry_after(s->ctx, s->backoff_ms);
        return SL_ERR_RETRIABLE;
}

/* Revoked partitions: the records of a put being retried may not come
 * again; their offsets are re-read if they are assigned again. */
static int sink_close(void *state, const sl_topic_partition_t *tps,
                      size_t cnt)
{
        sink_t *s = state;
        for (size_t i = 0; i < cnt; i++) {
                tp_offset_t *tp = tp_find(s, tps[i].topic, tps[i].partition,
                                          false);
                if (tp)
                        tp->next = -1;
        }
        s->attempt = 0;
        return 0;
}

/* Each put is committed with its offsets before it returns. */
static int sink_flush(void *state, char *errstr, size_t errstr_size)
{
        (void)state;
        (void)errstr;
        (void)errstr_size;
        return 0;
}

const sl_connector_plugin_t sl_jdbc_sink_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SINK,
        .class_name = "io.confluent.connect.jdbc.JdbcSinkConnector",
        .version = JDBC_SINK_VERSION,
        .config = sink_config,
        .validate = sink_validate,
        .task_configs = sl_task_configs_copy,
        .task_start = sink_start,
        .task_stop = sink_stop,
        .sink_put = sink_put,
        .sink_flush = sink_flush,
        .sink_open = sink_open,
        .sink_close = sink_close,
};
