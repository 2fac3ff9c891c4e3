/*
 * PostgresConnector (Debezium-compatible CDC source) on logical
 * replication with the built-in pgoutput plugin.
 *
 * Two connections: a replication connection (replication=database) that
 * creates the slot and streams CopyBoth data, and a plain one for catalog
 * lookups, the publication and the initial snapshot. The snapshot reads
 * every captured table in a REPEATABLE READ transaction that imports the
 * snapshot exported when the slot was created, so streaming continues
 * exactly where the snapshot's view ends.
 *
 * Records use Debezium's envelope (before/after/source/op/ts_ms) and topic
 * names (<topic.prefix>.<schema>.<table>). Offsets are the slot position:
 * partition {"server": prefix}, offset {"lsn": end LSN of the last whole
 * transaction delivered, "lsn_commit": commit LSN of the transaction of
 * the last record, "tx_events": changes of that transaction delivered
 * (-1 = all), "lsn_proc", "txId", "ts_usec"}. The slot is only confirmed
 * (standby status 'r' flush LSN) up to the host's committed "lsn", read
 * back with sl_task_offset, so PostgreSQL keeps WAL until Kafka has the
 * records; after a restart the transactions (or the part of one) already
 * delivered are skipped, so nothing is duplicated.
 *
 * A lost replication connection (server restart, terminated walsender,
 * network error) does not fail the task: polls return nothing while it
 * reconnects with back-off (200 ms doubling up to
 * retriable.restart.connector.wait.ms, at most errors.max.retries
 * attempts; 0 fails at once), then START_REPLICATION resumes from the
 * slot and what was already handed to the host -- committed or not --
 * is skipped in the same way, from the position of the last change
 * emitted.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "convert/converter_int.h"
#include "postgres/pgoutput.h"
#include "postgres/postgres.h"

#define CDC_VERSION "2.5.4.Final"
#define CDC_LOGGER "PostgresConnectorTask"
#define SNAP_FETCH 1024
#define WAIT_SLICE_MS 100
#define TX_WAIT_MS 2000
#define RETRY_FIRST_MS 200     /* first wait before reconnecting */
#define CONNECT_TIMEOUT_MS 10000
#define UNAVAILABLE "__debezium_unavailable_value"

/* ---------------------------------------------------------- config */

static int regex_list_validator(const char *name, const char *value,
                                char *errstr, size_t errstr_size)
{
        char **items = NULL;
        int n, rc = 0;
        (void)name;
        if (!value || !*value)
                return 0;
        n = sl_config_list(value, &items);
        for (int i = 0; i < n && rc == 0; i++) {
                regex_t re;
                int e = regcomp(&re, items[i], REG_EXTENDED | REG_NOSUB);
                if (e) {
                        char msg[128];
                        regerror(e, &re, msg, sizeof(msg));
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                       "'%s' is not a valid regular "
                                       "expression: %s", items[i], msg);
                } else {
                        regfree(&re);
                }
        }
        sl_config_list_free(items, n);
        return rc;
}

/* PostgreSQL accepts lower case letters, digits and '_' in slot names. */
static int slot_validator(const char *name, const char *value, char *errstr,
                          size_t errstr_size)
{
        (void)name;
        if (!value || !*value || strlen(value) > 63)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Slot names must be 1 to 63 characters");
        for (const char *p = value; *p; p++)
                if (!(islower((unsigned char)*p) ||
                      isdigit((unsigned char)*p) || *p == '_'))
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Valid replication slot name must "
                                         "contain only digits, lowercase "
                                         "characters and underscores with "
                                         "length <= 63");
        return 0;
}

static int prefix_validator(const char *name, const char *value,
                            char *errstr, size_t errstr_size)
{
        (void)name;
        for (const char *p = value; p && *p; p++)
                if (!(isalnum((unsigned char)*p) || strchr("._-", *p)))
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "Topic prefix can only contain "
                                         "alphanumeric characters, '.', '_' "
                                         "and '-'");
        return 0;
}

static const char *const plugin_values[] = {"pgoutput", NULL};
static const char *const autocreate_values[] = {"all_tables", "disabled",
                                                "filtered", NULL};
static const char *const snapshot_values[] = {"initial", "never", "no_data",
                                              NULL};
static const char *const decimal_values[] = {"precise", "double", "string",
                                             NULL};

#define G_CONN "Connection"
#define G_CDC "Connector"

static const sl_config_def_t cdc_config[] = {
        {.name = "database.hostname", .type = SL_CFG_STRING,
         .importance = SL_CFG_HIGH, .group = G_CONN, .order = 1,
         .documentation = "Resolvable hostname or IP address of the "
                          "database server.",
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY},
        {.name = "database.port", .type = SL_CFG_INT, .default_value = "5432",
         .importance = SL_CFG_HIGH, .group = G_CONN, .order = 2,
         .documentation = "Port of the database server.",
         .flags = SL_CFG_MIN | SL_CFG_MAX, .min = 1, .max = 65535},
        {.name = "database.user", .type = SL_CFG_STRING,
         .importance = SL_CFG_HIGH, .group = G_CONN, .order = 3,
         .documentation = "Name of the database user to be used when "
                          "connecting to the database.",
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY},
        {.name = "database.password", .type = SL_CFG_PASSWORD,
         .importance = SL_CFG_HIGH, .group = G_CONN, .order = 4,
         .documentation = "Password of the database user to be used when "
                          "connecting to the database."},
        {.name = "database.dbname", .type = SL_CFG_STRING,
         .importance = SL_CFG_HIGH, .group = G_CONN, .order = 5,
         .documentation = "The name of the database from which the "
                          "connector should capture changes",
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY},
        {.name = "topic.prefix", .type = SL_CFG_STRING,
         .importance = SL_CFG_HIGH, .group = G_CDC, .order = 6,
         .documentation = "Topic prefix that identifies and provides a "
                          "namespace for the database server; topics are "
                          "<prefix>.<schema>.<table>",
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,
         .validator = prefix_validator},
        {.name = "plugin.name", .type = SL_CFG_STRING,
         .default_value = "pgoutput", .importance = SL_CFG_MEDIUM,
         .group = G_CDC, .order = 7,
         .documentation = "The logical decoding plugin (only pgoutput)",
         .valid_values = plugin_values},
        {.name = "slot.name", .type = SL_CFG_STRING,
         .default_value = "debezium", .importance = SL_CFG_MEDIUM,
         .group = G_CDC, .order = 8,
         .documentation = "The name of the PostgreSQL logical decoding "
                          "slot",
         .validator = slot_validator},
        {.name = "slot.drop.on.stop", .type = SL_CFG_BOOLEAN,
         .default_value = "false", .importance = SL_CFG_MEDIUM,
         .group = G_CDC, .order = 9,
         .documentation = "Drop the slot when the task stops (for tests "
                          "and development: changes made while stopped "
                          "are lost)"},
        {.name = "publication.name", .type = SL_CFG_STRING,
         .default_value = "dbz_publication", .importance = SL_CFG_LOW,
         .group = G_CDC, .order = 10,
         .documentation = "The name of the PostgreSQL publication",
         .flags = SL_CFG_NONEMPTY},
        {.name = "publication.autocreate.mode", .type = SL_CFG_STRING,
         .default_value = "all_tables", .importance = SL_CFG_LOW,
         .group = G_CDC, .order = 11,
         .documentation = "all_tables: create the publication FOR ALL "
                          "TABLES if missing; disabled: it must exist; "
                          "filtered: create it for the included tables",
         .valid_values = autocreate_values},
        {.name = "table.include.list", .type = SL_CFG_LIST,
         .importance = SL_CFG_HIGH, .group = G_CDC, .order = 12,
         .documentation = "Regular expressions matching schema.table "
                          "names of the tables to capture",
         .validator = regex_list_validator},
        {.name = "table.exclude.list", .type = SL_CFG_LIST,
         .importance = SL_CFG_HIGH, .group = G_CDC, .order = 13,
         .documentation = "Regular expressions matching schema.table "
                          "names of the tables not to capture",
         .validator = regex_list_validator},
        {.name = "snapshot.mode", .type = SL_CFG_STRING,
         .default_value = "initial", .importance = SL_CFG_LOW,
         .group = G_CDC, .order = 14,
         .documentation = "initial: snapshot existing rows (op r) before "
                          "streaming when no offset exists; never/no_data: "
                          "stream changes only",
         .valid_values = snapshot_values},
        {.name = "status.update.interval.ms", .type = SL_CFG_INT,
         .default_value = "10000", .importance = SL_CFG_LOW,
         .group = G_CDC, .order = 15,
         .documentation = "How often the committed position is reported "
                          "to the server",
         .flags = SL_CFG_MIN, .min = 1},
        {.name = "heartbeat.interval.ms", .type = SL_CFG_INT,
         .default_value = "0", .importance = SL_CFG_MEDIUM,
         .group = G_CDC, .order = 16,
         .documentation = "Interval of heartbeat records to "
                          "__debezium-heartbeat.<prefix> (0 = none); they "
                          "move the offset on while no captured table "
                          "changes",
         .flags = SL_CFG_MIN, .min = 0},
        {.name = "max.batch.size", .type = SL_CFG_INT,
         .default_value = "2048", .importance = SL_CFG_LOW,
         .group = G_CDC, .order = 17,
         .documentation = "Maximum records returned by one poll",
         .flags = SL_CFG_MIN, .min = 1},
        {.name = "tombstones.on.delete", .type = SL_CFG_BOOLEAN,
         .default_value = "true", .importance = SL_CFG_HIGH,
         .group = G_CDC, .order = 18,
         .documentation = "Follow each delete event with a tombstone"},
        {.name = "decimal.handling.mode", .type = SL_CFG_STRING,
         .default_value = "precise", .importance = SL_CFG_MEDIUM,
         .group = G_CDC, .order = 19,
         .documentation = "How NUMERIC columns are represented: precise "
                          "(Connect Decimal), double or string",
         .valid_values = decimal_values},
        {.name = "errors.max.retries", .type = SL_CFG_INT,
         .default_value = "-1", .importance = SL_CFG_LOW,
         .group = G_CDC, .order = 20,
         .documentation = "Reconnection attempts after the replication "
                          "connection is lost (server restart, backend "
                          "terminated, network error) before the task "
                          "fails: -1 = no limit, 0 = fail at once. The "
                          "count starts again once streaming resumes; "
                          "changes already emitted are not repeated",
         .flags = SL_CFG_MIN, .min = -1},
        {.name = "retriable.restart.connector.wait.ms", .type = SL_CFG_INT,
         .default_value = "10000", .importance = SL_CFG_LOW,
         .group = G_CDC, .order = 21,
         .documentation = "Longest wait between reconnection attempts: "
                          "the first comes after 200 ms (or this, if "
                          "less), each further one waits twice as long, "
                          "up to this value. The task keeps running (polls "
                          "return nothing) while it waits",
         .flags = SL_CFG_MIN, .min = 1},
        {.name = NULL},
};

/* ---------------------------------------------------------- types */

enum kind {
        K_STRING = 0, K_BOOL, K_INT16, K_INT32, K_INT64, K_FLOAT, K_DOUBLE,
        K_DEC_FIXED, K_DEC_VAR, K_DEC_DOUBLE, K_DEC_STRING, K_BYTES, K_DATE,
        K_TS_MS, K_TS_US, K_TSTZ, K_TIME_MS, K_TIME_US, K_JSON, K_UUID,
};

typedef struct col {
        char *name;
        uint32_t oid;
        int32_t typmod;
        bool key, optional;
        enum kind kind;
        int scale; /* K_DEC_FIXED */
} col_t;

typedef struct rel {
        uint32_t oid;
        char *schema, *table, *topic;
        bool captured;
        int ncols;
        col_t *cols;
        int nkeys;
        sl_json_t *key_schema; /* NULL: no primary key */
        sl_json_t *env_schema;
        struct rel *next;
} rel_t;

enum dec_mode { DEC_PRECISE, DEC_DOUBLE, DEC_STRING };

typedef struct cdc {
        sl_task_ctx_t *ctx;
        char *host, *user, *password, *dbname, *prefix, *slot, *pub;
        char *autocreate;
        int port;
        regex_t *incl, *excl;
        int nincl, nexcl;
        bool snapshot_initial, drop_on_stop, tombstones;
        enum dec_mode dec;
        int64_t status_ms, heartbeat_ms;
        size_t max_batch;
        int max_retries;          /* errors.max.retries: -1 no limit */
        int64_t retry_max_ms;     /* retriable.restart.connector.wait.ms */

        PGconn *repl, *meta;
        bool streaming;
        rel_t *rels;
        sl_json_t *partition;

        /* resume point from the committed offset */
        uint64_t start_lsn, resume_commit;
        int64_t resume_events;

        /* stream position */
        bool in_tx;
        uint64_t tx_commit;
        uint32_t xid;
        int64_t commit_ts; /* µs since 2000 */
        int64_t tx_events;
        uint64_t done_lsn;  /* end LSN of the last whole transaction */
        uint64_t proc_lsn;  /* LSN of the last change processed */
        uint64_t recv_lsn;
        char *pending;      /* CopyData not processed for lack of room */
        int pending_len;
        pgo_msg_t msg;

        /* snapshot */
        bool snapshotting;
        uint64_t snap_lsn;
        rel_t **snap_rels;
        int nsnap, snap_at;
        bool cursor_open;
        PGresult *res, *next_res;
        rel_t *res_rel, *next_rel; /* relations of res, next_res */
        int row;

        int64_t last_status, last_heartbeat;
        uint64_t sent_flush;
        sl_json_t *emitted; /* offset of the last batch with records */

        /* reconnection after a lost replication connection */
        bool lost;          /* the last error was a lost connection */
        bool down;          /* reconnecting (repl NULL or connecting) */
        enum { RS_CONNECTING, RS_STARTING } rstate;
        PostgresPollingStatusType want;
        int attempts;       /* failed attempts of this outage */
        int64_t retry_at, backoff_ms, attempt_start;
        char cause[512];    /* why the connection was lost */
} cdc_t;

static void chomp_err(const char *msg, char *out, size_t n);
static int recoverable(cdc_t *s, const char *errstr);


static int64_t wall_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static enum kind kind_of(const cdc_t *s, uint32_t oid, int32_t typmod,
                         int *scale)
{
        /* adaptive time precision: (typmod) up to 3 digits -> millis */
        bool ms = typmod >= 0 && typmod <= 3;
        switch (oid) {
        case 16: return K_BOOL;
        case 21: return K_INT16;
        case 23: return K_INT32;
        case 20: case 26: return K_INT64;
        case 700: return K_FLOAT;
        case 701: return K_DOUBLE;
        case 1700:
                if (s->dec == DEC_DOUBLE)
                        return K_DEC_DOUBLE;
                if (s->dec == DEC_STRING)
                        return K_DEC_STRING;
                if (typmod >= 4) {
                        *scale = (typmod - 4) & 0xffff;
                        return K_DEC_FIXED;
                }
                return K_DEC_VAR;
        case 17: return K_BYTES;
        case 1082: return K_DATE;
        case 1114: return ms ? K_TS_MS : K_TS_US;
        case 1184: return K_TSTZ;
        case 1083: return ms ? K_TIME_MS : K_TIME_US;
        case 114: case 3802: return K_JSON;
        case 2950: return K_UUID;
        default: return K_STRING;
        }
}

/* The Connect schema of one column (without "field"). */
static int col_schema(const col_t *c, sl_buf_t *b)
{
        static const struct {
                const char *type, *name;
        } t[] = {
                [K_STRING] = {"string", NULL},
                [K_BOOL] = {"boolean", NULL},
                [K_INT16] = {"int16", NULL},
                [K_INT32] = {"int32", NULL},
                [K_INT64] = {"int64", NULL},
                [K_FLOAT] = {"float", NULL},
                [K_DOUBLE] = {"double", NULL},
                [K_DEC_FIXED] = {"bytes", "org.apache.kafka.connect.data.Decimal"},
                [K_DEC_VAR] = {"struct", "io.debezium.data.VariableScaleDecimal"},
                [K_DEC_DOUBLE] = {"double", NULL},
                [K_DEC_STRING] = {"string", NULL},
                [K_BYTES] = {"bytes", NULL},
                [K_DATE] = {"int32", "io.debezium.time.Date"},
                [K_TS_MS] = {"int64", "io.debezium.time.Timestamp"},
                [K_TS_US] = {"int64", "io.debezium.time.MicroTimestamp"},
                [K_TSTZ] = {"string", "io.debezium.time.ZonedTimestamp"},
                [K_TIME_MS] = {"int32", "io.debezium.time.Time"},
                [K_TIME_US] = {"int64", "io.debezium.time.MicroTime"},
                [K_JSON] = {"string", "io.debezium.data.Json"},
                [K_UUID] = {"string", "io.debezium.data.Uuid"},
        };
        int rc = sl_buf_printf(b, "{\"type\":\"%s\",\"optional\":%s",
                               t[c->kind].type,
                               c->optional ? "true" : "false");
        if (rc == 0 && t[c->kind].name)
                rc = sl_buf_printf(b, ",\"name\":\"%s\",\"version\":1",
                                   t[c->kind].name);
        if (rc == 0 && c->kind == K_DEC_FIXED) {
                int prec = (int)(((c->typmod - 4) >> 16) & 0xffff);
                rc = sl_buf_printf(b, ",\"parameters\":{\"scale\":\"%d\","
                                   "\"connect.decimal.precision\":\"%d\"}",
                                   c->scale, prec);
        }
        if (rc == 0 && c->kind == K_DEC_VAR)
                rc = sl_buf_puts(b, ",\"fields\":[{\"type\":\"int32\","
                                    "\"optional\":false,\"field\":\"scale\"},"
                                    "{\"type\":\"bytes\",\"optional\":false,"
                                    "\"field\":\"value\"}]");
        return rc ? rc : sl_buf_putc(b, '}');
}

static int struct_schema(const rel_t *r, bool keys_only, bool optional,
                         const char *suffix, const char *field, sl_buf_t *b,
                         const char *prefix)
{
        int rc = sl_buf_puts(b, "{\"type\":\"struct\",\"fields\":[");
        bool first = true;
        for (int i = 0; rc == 0 && i < r->ncols; i++) {
                const col_t *c = &r->cols[i];
                if (keys_only && !c->key)
                        continue;
                if (!first)
                        rc = sl_buf_putc(b, ',');
                first = false;
                if (rc == 0)
                        rc = col_schema(c, b);
                if (rc == 0) {
                        b->len--; /* reopen the object to add the name */
                        rc = sl_buf_puts(b, ",\"field\":");
                }
                if (rc == 0)
                        rc = sl_json_write_string(b, c->name, strlen(c->name));
                if (rc == 0)
                        rc = sl_buf_putc(b, '}');
        }
        if (rc == 0)
                rc = sl_buf_printf(b, "],\"optional\":%s,\"name\":",
                                   optional ? "true" : "false");
        if (rc == 0) {
                sl_buf_t n = SL_BUF_INIT;
                rc = sl_buf_printf(&n, "%s.%s.%s.%s", prefix, r->schema,
                                   r->table, suffix);
                if (rc == 0)
                        rc = sl_json_write_string(b, n.data, n.len);
                sl_buf_free(&n);
        }
        if (rc == 0 && field)
                rc = sl_buf_printf(b, ",\"field\":\"%s\"", field);
        return rc ? rc : sl_buf_putc(b, '}');
}

static const char source_schema[] =
        "{\"type\":\"struct\",\"fields\":["
        "{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},"
        "{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},"
        "{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
        "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},"
        "{\"type\":\"string\",\"optional\":true,\"name\":"
        "\"io.debezium.data.Enum\",\"version\":1,\"parameters\":{\"allowed\":"
        "\"true,last,false,incremental\"},\"default\":\"false\","
        "\"field\":\"snapshot\"},"
        "{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
        "{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},"
        "{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},"
        "{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},"
        "{\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},"
        "{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},"
        "{\"type\":\"int64\",\"optional\":true,\"field\":\"xmin\"}],"
        "\"optional\":false,\"name\":\"io.debezium.connector.postgresql."
        "Source\",\"field\":\"source\"}";

static const char tx_schema[] =
        "{\"type\":\"struct\",\"fields\":["
        "{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
        "{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"
        "{\"type\":\"int64\",\"optional\":false,"
        "\"field\":\"data_collection_order\"}],\"optional\":true,"
        "\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"}";

static int rel_build_schemas(cdc_t *s, rel_t *r)
{
        sl_buf_t b = SL_BUF_INIT;
        int rc = 0;

        sl_json_free(r->key_schema);
        sl_json_free(r->env_schema);
        r->key_schema = r->env_schema = NULL;
        if (r->nkeys > 0) {
                rc = struct_schema(r, true, false, "Key", NULL, &b, s->prefix);
                if (rc == 0 && !(r->key_schema = sl_json_parse(b.data, b.len,
                                                               NULL, 0)))
                        rc = SL_ERR_NOMEM;
                sl_buf_reset(&b);
        }
        if (rc == 0)
                rc = sl_buf_puts(&b, "{\"type\":\"struct\",\"fields\":[");
        if (rc == 0)
                rc = struct_schema(r, false, true, "Value", "before", &b,
                                   s->prefix);
        if (rc == 0)
                rc = sl_buf_putc(&b, ',');
        if (rc == 0)
                rc = struct_schema(r, false, true, "Value", "after", &b,
                                   s->prefix);
        if (rc == 0)
                rc = sl_buf_printf(&b, ",%s,{\"type\":\"string\","
                                   "\"optional\":false,\"field\":\"op\"},"
                                   "{\"type\":\"int64\",\"optional\":true,"
                                   "\"field\":\"ts_ms\"},%s],"
                                   "\"optional\":false,\"name\":",
                                   source_schema, tx_schema);
        if (rc == 0) {
                sl_buf_t n = SL_BUF_INIT;
                rc = sl_buf_printf(&n, "%s.%s.%s.Envelope", s->prefix,
                                   r->schema, r->table);
                if (rc == 0)
                        rc = sl_json_write_string(&b, n.data, n.len);
                sl_buf_free(&n);
        }
        if (rc == 0)
                rc = sl_buf_puts(&b, ",\"version\":1}");
        if (rc == 0 && !(r->env_schema = sl_json_parse(b.data, b.len, NULL, 0)))
                rc = SL_ERR_NOMEM;
        sl_buf_free(&b);
        return rc;
}

/* ------------------------------------------------ text -> Connect */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned)(y - era * 400);
        unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DD[ BC]" prefix of s; returns chars used or -1. */
static int parse_date(const char *s, int64_t *days)
{
        int y, m, d, n = 0;
        if (sscanf(s, "%d-%d-%d%n", &y, &m, &d, &n) != 3 || m < 1 ||
            m > 12 || d < 1 || d > 31)
                return -1;
        if (strstr(s, " BC"))
                y = 1 - y;
        *days = days_from_civil(y, (unsigned)m, (unsigned)d);
        return n;
}

/* "HH:MM:SS[.ffffff]" -> µs; returns chars used or -1. */
static int parse_time(const char *s, int64_t *us)
{
        int h, mi, se, n = 0;
        int64_t frac = 0, mul = 100000;
        if (sscanf(s, "%d:%d:%d%n", &h, &mi, &se, &n) != 3)
                return -1;
        if (s[n] == '.') {
                n++;
                for (; isdigit((unsigned char)s[n]); n++, mul /= 10)
                        frac += (s[n] - '0') * mul;
        }
        *us = ((int64_t)h * 3600 + mi * 60 + se) * 1000000 + frac;
        return n;
}

static int parse_ts(const char *s, int64_t *us)
{
        int64_t days, t;
        int n = parse_date(s, &days), m;
        if (n < 0 || s[n] != ' ' || (m = parse_time(s + n + 1, &t)) < 0)
                return -1;
        *us = days * 86400000000LL + t;
        return 0;
}

/* Value of column c from its text form (NUL-terminated). NULL with *err
 * set on malformed text. */
static sl_json_t *text_value(const col_t *c, const char *v, int *err)
{
        char *end;
        errno = 0;
        *err = SL_ERR_PARSE;
        switch (c->kind) {
        case K_BOOL:
                *err = SL_ERR_NOMEM;
                return sl_json_bool(*v == 't');
        case K_INT16: case K_INT32: case K_INT64: {
                long long x = strtoll(v, &end, 10);
                if (errno || *end || end == v ||
                    (c->kind == K_INT16 && (x < INT16_MIN || x > INT16_MAX)) ||
                    (c->kind == K_INT32 && (x < INT32_MIN || x > INT32_MAX)))
                        return NULL;
                *err = SL_ERR_NOMEM;
                return sl_json_int(x);
        }
        case K_FLOAT: case K_DOUBLE: case K_DEC_DOUBLE: {
                double d = strtod(v, &end);
                if (*end || end == v)
                        return NULL;
                *err = SL_ERR_NOMEM;
                return sl_json_double(d);
        }
        case K_DEC_FIXED: case K_DEC_VAR: {
                sl_buf_t b = SL_BUF_INIT;
                int32_t scale = 0;
                sl_json_t *j = NULL, *o;
                /* numeric text: sign, digits, fraction (no exponent) */
                if (sl_parse_decimal(v, strlen(v), 0, &b, &scale) < 0) {
                        sl_buf_free(&b);
                        /* NaN and infinities have no Decimal form: null,
                         * as Debezium's precise mode gives them */
                        if (!strcmp(v, "NaN") || strstr(v, "Infinity")) {
                                *err = SL_ERR_NOMEM;
                                return sl_json_null();
                        }
                        return NULL;
                }
                *err = SL_ERR_NOMEM;
                j = sl_json_bytes(b.data, b.len);
                sl_buf_free(&b);
                if (c->kind == K_DEC_FIXED || !j)
                        return j;
                if (!(o = sl_json_object()) ||
                    sl_json_object_set(o, "scale", sl_json_int(scale)) < 0 ||
                    sl_json_object_set(o, "value", j) < 0) {
                        sl_json_free(o);
                        return NULL;
                }
                return o;
        }
        case K_BYTES: {
                size_t n = strlen(v);
                sl_buf_t b = SL_BUF_INIT;
                sl_json_t *j;
                if (n < 2 || v[0] != '\\' || v[1] != 'x' || n % 2)
                        return NULL;
                for (size_t i = 2; i < n; i += 2) {
                        unsigned x;
                        if (!isxdigit((unsigned char)v[i]) ||
                            !isxdigit((unsigned char)v[i + 1]) ||
                            sscanf(v + i, "%2x", &x) != 1) {
                                sl_buf_free(&b);
                                return NULL;
                        }
                        sl_buf_putc(&b, (char)x);
                }
                *err = SL_ERR_NOMEM;
                j = sl_json_bytes(b.data ? b.data : "", b.len);
                sl_buf_free(&b);
                return j;
        }
        case K_DATE: {
                int64_t d;
                if (!strcmp(v, "infinity") || !strcmp(v, "-infinity"))
                        d = *v == '-' ? INT32_MIN : INT32_MAX;
                else if (parse_date(v, &d) < 0)
                        return NULL;
                *err = SL_ERR_NOMEM;
                return sl_json_int(d);
        }
        case K_TS_MS: case K_TS_US: {
                int64_t us;
                if (!strcmp(v, "infinity") || !strcmp(v, "-infinity"))
                        us = *v == '-' ? INT64_MIN : INT64_MAX;
                else if (parse_ts(v, &us) < 0)
                        return NULL;
                else if (c->kind == K_TS_MS)
                        us = us / 1000 - (us % 1000 < 0);
                *err = SL_ERR_NOMEM;
                return sl_json_int(us);
        }
        case K_TIME_MS: case K_TIME_US: {
                int64_t us;
                if (parse_time(v, &us) < 0)
                        return NULL;
                *err = SL_ERR_NOMEM;
                return sl_json_int(c->kind == K_TIME_MS ? us / 1000 : us);
        }
        case K_TSTZ: {
                /* "2024-01-15 10:20:30.5+00" (TimeZone=UTC) ->
                 * "2024-01-15T10:20:30.5Z", as ISO_OFFSET_DATE_TIME */
                sl_buf_t b = SL_BUF_INIT;
                const char *sp = strchr(v, ' ');
                const char *tz = sp ? strpbrk(sp, "+-") : NULL;
                sl_json_t *j;
                if (!sp || !tz)
                        return *err = SL_ERR_NOMEM, sl_json_string(v);
                sl_buf_append(&b, v, (size_t)(sp - v));
                sl_buf_putc(&b, 'T');
                sl_buf_append(&b, sp + 1, (size_t)(tz - sp - 1));
                if (!strcmp(tz, "+00"))
                        sl_buf_putc(&b, 'Z');
                else
                        sl_buf_printf(&b, "%s%s", tz,
                                      strlen(tz) == 3 ? ":00" : "");
                *err = SL_ERR_NOMEM;
                j = sl_json_stringn(b.data, b.len);
                sl_buf_free(&b);
                return j;
        }
        default:
                *err = SL_ERR_NOMEM;
                return sl_json_string(v);
        }
}

/* A stand-in for a value the server did not send (unchanged TOAST, or a
 * column outside a key-only old tuple) in a column that cannot be null. */
static sl_json_t *placeholder(const col_t *c)
{
        switch (c->kind) {
        case K_STRING: case K_JSON: case K_UUID: case K_TSTZ:
        case K_DEC_STRING:
                return sl_json_string(UNAVAILABLE);
        case K_BYTES: case K_DEC_FIXED:
                return sl_json_bytes(UNAVAILABLE, strlen(UNAVAILABLE));
        case K_BOOL:
                return sl_json_bool(false);
        case K_FLOAT: case K_DOUBLE: case K_DEC_DOUBLE:
                return sl_json_double(0);
        case K_DEC_VAR: {
                sl_json_t *o = sl_json_object();
                if (o && (sl_json_object_set(o, "scale", sl_json_int(0)) < 0 ||
                          sl_json_object_set(o, "value",
                                             sl_json_bytes("", 0)) < 0)) {
                        sl_json_free(o);
                        o = NULL;
                }
                return o;
        }
        default:
                return sl_json_int(0);
        }
}

/* ------------------------------------------------------- relations */

static void rel_free(rel_t *r)
{
        if (!r)
                return;
        for (int i = 0; i < r->ncols; i++)
                free(r->cols[i].name);
        free(r->cols);
        free(r->schema);
        free(r->table);
        free(r->topic);
        sl_json_free(r->key_schema);
        sl_json_free(r->env_schema);
        free(r);
}

static rel_t *rel_find(cdc_t *s, uint32_t oid)
{
        for (rel_t *r = s->rels; r; r = r->next)
                if (r->oid == oid)
                        return r;
        return NULL;
}

static bool regex_any(const regex_t *res, int n, const char *name)
{
        for (int i = 0; i < n; i++)
                if (regexec(&res[i], name, 0, NULL, 0) == 0)
                        return true;
        return false;
}

static bool table_captured(const cdc_t *s, const char *schema,
                           const char *table)
{
        char name[512];
        snprintf(name, sizeof(name), "%s.%s", schema, table);
        if (s->nincl)
                return regex_any(s->incl, s->nincl, name);
        return !regex_any(s->excl, s->nexcl, name);
}

/* Primary key membership and NOT NULL of the relation's columns, from the
 * catalog (pgoutput's key flags follow the replica identity, which is
 * every column under REPLICA IDENTITY FULL). */
static int rel_catalog(cdc_t *s, rel_t *r, char *errstr, size_t errstr_size)
{
        char oid[16];
        const char *params[1] = {oid};
        PGresult *res;

        snprintf(oid, sizeof(oid), "%u", r->oid);
        res = PQexecParams(s->meta,
                           "SELECT a.attname, a.attnotnull, "
                           "coalesce(a.attnum = any(i.indkey), false) "
                           "FROM pg_attribute a LEFT JOIN pg_index i ON "
                           "i.indrelid = a.attrelid AND i.indisprimary "
                           "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND "
                           "NOT a.attisdropped",
                           1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                char msg[512];
                int rc;
                chomp_err(PQerrorMessage(s->meta), msg, sizeof(msg));
                /* the catalog connection went too (a server restart) */
                s->lost = PQstatus(s->meta) == CONNECTION_BAD;
                rc = sl_seterr(errstr, errstr_size, SL_ERR_IO,
                               "Cannot read the columns of %s.%s: %s",
                               r->schema, r->table, msg);
                PQclear(res);
                return rc;
        }
        r->nkeys = 0;
        for (int i = 0; i < r->ncols; i++) {
                col_t *c = &r->cols[i];
                c->key = false;
                c->optional = true;
                for (int k = 0; k < PQntuples(res); k++) {
                        if (strcmp(PQgetvalue(res, k, 0), c->name))
                                continue;
                        c->key = *PQgetvalue(res, k, 2) == 't';
                        c->optional = !c->key &&
                                      *PQgetvalue(res, k, 1) != 't';
                }
                r->nkeys += c->key;
        }
        PQclear(res);
        return 0;
}

/* Adds or replaces the cached relation oid; takes the column arrays. */
static int rel_put(cdc_t *s, uint32_t oid, const char *schema,
                   const char *table, int ncols, col_t *cols, rel_t **out,
                   char *errstr, size_t errstr_size)
{
        rel_t *r = calloc(1, sizeof(*r)), **pp;
        int rc;

        if (!r) {
                free(cols);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        }
        r->oid = oid;
        r->ncols = ncols;
        r->cols = cols;
        r->schema = strdup(schema);
        r->table = strdup(table);
        r->captured = table_captured(s, schema, table);
        if (!r->schema || !r->table ||
            asprintf(&r->topic, "%s.%s.%s", s->prefix, schema, table) < 0) {
                r->topic = NULL;
                rel_free(r);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        }
        if ((rc = rel_catalog(s, r, errstr, errstr_size)) < 0 ||
            (rc = rel_build_schemas(s, r)) < 0) {
                rel_free(r);
                return rc == SL_ERR_NOMEM
                               ? sl_seterr(errstr, errstr_size, rc,
                                           "Out of memory")
                               : rc;
        }
        for (pp = &s->rels; *pp; pp = &(*pp)->next) {
                if ((*pp)->oid == oid) {
                        rel_t *old = *pp;
                        r->next = old->next;
                        *pp = r;
                        old->next = NULL;
                        rel_free(old);
                        *out = r;
                        return 0;
                }
        }
        *pp = r;
        *out = r;
        return 0;
}

static col_t *cols_new(cdc_t *s, int n)
{
        (void)s;
        return calloc((size_t)(n ? n : 1), sizeof(col_t));
}

static int col_init(cdc_t *s, col_t *c, const char *name, uint32_t oid,
                    int32_t typmod)
{
        if (!(c->name = strdup(name)))
                return SL_ERR_NOMEM;
        c->oid = oid;
        c->typmod = typmod;
        c->kind = kind_of(s, oid, typmod, &c->scale);
        return 0;
}

static int rel_from_msg(cdc_t *s, const pgo_msg_t *m, char *errstr,
                        size_t errstr_size)
{
        col_t *cols = cols_new(s, m->ncols);
        rel_t *r;
        if (!cols)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        for (int i = 0; i < m->ncols; i++) {
                if (col_init(s, &cols[i], m->cols[i].name, m->cols[i].type_oid,
                             m->cols[i].typmod) < 0) {
                        for (int k = 0; k <= i; k++)
                                free(cols[k].name);
                        free(cols);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "Out of memory");
                }
        }
        return rel_put(s, m->oid, m->nspname, m->relname, m->ncols, cols, &r,
                       errstr, errstr_size);
}

/* ------------------------------------------------------- records */

typedef struct rowsrc {
        /* either a pgoutput tuple or a snapshot result row */
        const pgo_tuple_t *tup;
        PGresult *res;
        int row;
} rowsrc_t;

/* The value of column i; NULL *v for SQL NULL. *missing when the server
 * did not send it. */
static int row_value(const col_t *c, const rowsrc_t *rs, int i,
                     sl_json_t **v, bool *missing)
{
        char small[128], *txt;
        const char *data;
        size_t len;
        int err = 0;

        *v = NULL;
        *missing = false;
        if (rs->res) {
                if (PQgetisnull(rs->res, rs->row, i))
                        return 0;
                data = PQgetvalue(rs->res, rs->row, i);
                len = (size_t)PQgetlength(rs->res, rs->row, i);
        } else {
                const pgo_value_t *pv;
                if (i >= rs->tup->ncols) {
                        *missing = true;
                        return 0;
                }
                pv = &rs->tup->vals[i];
                if (pv->kind == 'n')
                        return 0;
                if (pv->kind != 't') {
                        *missing = pv->kind == 'u';
                        if (!*missing)
                                return SL_ERR_PARSE;
                        return 0;
                }
                data = pv->data;
                len = pv->len;
        }
        txt = len < sizeof(small) ? small : malloc(len + 1);
        if (!txt)
                return SL_ERR_NOMEM;
        memcpy(txt, data, len);
        txt[len] = '\0';
        *v = text_value(c, txt, &err);
        if (txt != small)
                free(txt);
        return *v ? 0 : err;
}

static int row_struct(const rel_t *r, const rowsrc_t *rs, bool keys_only,
                      sl_json_t **out, char *errstr, size_t errstr_size)
{
        sl_json_t *o = sl_json_object();
        if (!o)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        for (int i = 0; i < r->ncols; i++) {
                const col_t *c = &r->cols[i];
                sl_json_t *v;
                bool missing;
                int rc;
                if (keys_only && !c->key)
                        continue;
                rc = row_value(c, rs, i, &v, &missing);
                if (rc == 0 && !v && (missing || !c->optional))
                        v = missing && c->optional && c->kind != K_STRING &&
                                            c->kind != K_BYTES &&
                                            c->kind != K_JSON
                                    ? sl_json_null()
                                    : placeholder(c);
                else if (rc == 0 && !v)
                        v = sl_json_null();
                if (rc == 0 && !v)
                        rc = SL_ERR_NOMEM;
                if (rc == 0 && sl_json_object_set(o, c->name, v) < 0)
                        rc = SL_ERR_NOMEM;
                if (rc < 0) {
                        sl_json_free(o);
                        if (rc == SL_ERR_NOMEM)
                                return sl_seterr(errstr, errstr_size, rc,
                                                 "Out of memory");
                        return sl_seterr(errstr, errstr_size, rc,
                                         "Cannot convert the value of "
                                         "column %s.%s.%s (type oid %u)",
                                         r->schema, r->table, c->name,
                                         c->oid);
                }
        }
        *out = o;
        return 0;
}

static int oset(sl_json_t *o, const char *k, sl_json_t *v)
{
        if (!v)
                return SL_ERR_NOMEM;
        return sl_json_object_set(o, k, v) < 0 ? SL_ERR_NOMEM : 0;
}

static sl_json_t *source_value(const cdc_t *s, const rel_t *r,
                               const char *snapshot, int64_t ts_ms,
                               uint64_t lsn, bool with_tx)
{
        sl_json_t *o = sl_json_object();
        char seq[96];
        int rc;

        /* Debezium's ["last commit LSN","this LSN"] */
        if (s->done_lsn)
                snprintf(seq, sizeof(seq), "[\"%" PRIu64 "\",\"%" PRIu64 "\"]",
                         s->done_lsn, lsn);
        else
                snprintf(seq, sizeof(seq), "[null,\"%" PRIu64 "\"]", lsn);
        rc = o ? 0 : SL_ERR_NOMEM;
        if (rc == 0) rc = oset(o, "version", sl_json_string(CDC_VERSION));
        if (rc == 0) rc = oset(o, "connector", sl_json_string("postgresql"));
        if (rc == 0) rc = oset(o, "name", sl_json_string(s->prefix));
        if (rc == 0) rc = oset(o, "ts_ms", sl_json_int(ts_ms));
        if (rc == 0) rc = oset(o, "snapshot", sl_json_string(snapshot));
        if (rc == 0) rc = oset(o, "db", sl_json_string(s->dbname));
        if (rc == 0) rc = oset(o, "sequence", sl_json_string(seq));
        if (rc == 0) rc = oset(o, "schema", sl_json_string(r->schema));
        if (rc == 0) rc = oset(o, "table", sl_json_string(r->table));
        if (rc == 0) rc = oset(o, "txId", with_tx ? sl_json_int(s->xid)
                                                  : sl_json_null());
        if (rc == 0) rc = oset(o, "lsn", lsn ? sl_json_int((int64_t)lsn)
                                              : sl_json_null());
        if (rc == 0) rc = oset(o, "xmin", sl_json_null());
        if (rc < 0) {
                sl_json_free(o);
                return NULL;
        }
        return o;
}

static int add_record(cdc_t *s, sl_source_batch_t *batch, const rel_t *r,
                      sl_json_t *key, sl_json_t *value, char *errstr,
                      size_t errstr_size)
{
        sl_source_record_t rec = {
                .topic = r->topic,
                .partition = -1,
                .key = {.schema = key ? r->key_schema : NULL, .value = key},
                .value = {.schema = value ? r->env_schema : NULL,
                          .value = value},
        };
        int rc = sl_source_batch_add(batch, &rec);
        (void)s;
        if (rc < 0)
                return sl_seterr(errstr, errstr_size, rc,
                                 "Cannot add a record for %s: %s", r->topic,
                                 sl_err2str(rc));
        return 0;
}

/* One change event (and its tombstone after a delete). before/after are
 * taken. */
static int emit(cdc_t *s, sl_source_batch_t *batch, const rel_t *r,
                const char *op, sl_json_t *before, sl_json_t *after,
                sl_json_t *key, const char *snapshot, int64_t ts_ms,
                uint64_t lsn, bool with_tx, char *errstr, size_t errstr_size)
{
        sl_json_t *env = sl_json_object();
        int rc = env ? 0 : SL_ERR_NOMEM;

        if (rc == 0) rc = oset(env, "before", before ? before : sl_json_null());
        else sl_json_free(before);
        before = NULL;
        if (rc == 0) rc = oset(env, "after", after ? after : sl_json_null());
        else sl_json_free(after);
        after = NULL;
        if (rc == 0) rc = oset(env, "source", source_value(s, r, snapshot,
                                                           ts_ms, lsn, with_tx));
        if (rc == 0) rc = oset(env, "op", sl_json_string(op));
        if (rc == 0) rc = oset(env, "ts_ms", sl_json_int(wall_us() / 1000));
        if (rc == 0) rc = oset(env, "transaction", sl_json_null());
        if (rc < 0) {
                sl_json_free(env);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        }
        rc = add_record(s, batch, r, key, env, errstr, errstr_size);
        sl_json_free(env);
        if (rc == 0 && *op == 'd' && s->tombstones)
                rc = add_record(s, batch, r, key, NULL, errstr, errstr_size);
        return rc;
}

/* --------------------------------------------------------- offsets */

static int set_offset(cdc_t *s, sl_source_batch_t *batch, bool snapshot,
                      bool last_snapshot, char *errstr, size_t errstr_size)
{
        sl_json_t *o = sl_json_object();
        int rc = o ? 0 : SL_ERR_NOMEM;
        uint64_t lsn = snapshot ? s->snap_lsn : s->done_lsn;

        if (rc == 0) rc = oset(o, "lsn", sl_json_int((int64_t)lsn));
        if (snapshot) {
                if (rc == 0) rc = oset(o, "snapshot", sl_json_bool(true));
                if (rc == 0) rc = oset(o, "last_snapshot_record",
                                       sl_json_bool(last_snapshot));
                if (rc == 0) rc = oset(o, "ts_usec", sl_json_int(wall_us()));
        } else {
                bool whole = !s->in_tx;
                if (rc == 0) rc = oset(o, "lsn_commit",
                                       sl_json_int((int64_t)s->tx_commit));
                if (rc == 0) rc = oset(o, "tx_events",
                                       sl_json_int(whole ? -1 : s->tx_events));
                if (rc == 0) rc = oset(o, "lsn_proc",
                                       sl_json_int((int64_t)s->proc_lsn));
                if (rc == 0) rc = oset(o, "txId", sl_json_int(s->xid));
                if (rc == 0) rc = oset(o, "ts_usec",
                                       sl_json_int(s->commit_ts +
                                                   PGO_EPOCH_DIFF_USEC));
        }
        if (rc == 0)
                rc = sl_source_batch_set_offset(batch, s->partition, o);
        if (rc == 0) {
                sl_json_free(s->emitted);
                s->emitted = o;
                o = NULL;
        }
        sl_json_free(o);
        if (rc < 0)
                return sl_seterr(errstr, errstr_size, rc,
                                 "Cannot set the offset: %s", sl_err2str(rc));
        return 0;
}

/* ------------------------------------------------------ connections */

static void chomp_err(const char *msg, char *out, size_t n)
{
        size_t len = strlen(msg);
        while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
                len--;
        snprintf(out, n, "%.*s", (int)len, msg);
}

/* libpq connection keywords (keys/vals hold 12, port 16 bytes). */
static void conn_params(const cdc_t *s, bool replication, const char **keys,
                        const char **vals, char *port)
{
        int n = 0;

        snprintf(port, 16, "%d", s->port);
#define KV(k, v) (keys[n] = (k), vals[n++] = (v))
        KV("host", s->host);
        KV("port", port);
        KV("user", s->user);
        KV("dbname", s->dbname);
        if (s->password && *s->password)
                KV("password", s->password);
        if (replication)
                KV("replication", "database");
        /* Text output the conversions understand, whatever the server's
         * defaults: UTC timestamps, ISO dates, hex bytea, exact floats. */
        KV("options", "-c TimeZone=UTC -c DateStyle=ISO,MDY "
                      "-c bytea_output=hex -c extra_float_digits=3 "
                      "-c IntervalStyle=iso_8601");
        KV("connect_timeout", "10");
        KV("application_name", "sluice-cdc");
#undef KV
        keys[n] = vals[n] = NULL;
}

static PGconn *pg_open(const cdc_t *s, bool replication, char *errstr,
                       size_t errstr_size)
{
        const char *keys[12], *vals[12];
        char port[16], msg[512];
        PGconn *c;

        conn_params(s, replication, keys, vals, port);
        c = PQconnectdbParams(keys, vals, 0);
        if (!c || PQstatus(c) != CONNECTION_OK) {
                chomp_err(c ? PQerrorMessage(c) : "out of memory", msg,
                          sizeof(msg));
                sl_seterr(errstr, errstr_size, SL_ERR_RETRIABLE,
                          "Couldn't connect to PostgreSQL at %s:%d "
                          "(database %s, user %s): %s",
                          s->host, s->port, s->dbname, s->user, msg);
                PQfinish(c);
                return NULL;
        }
        return c;
}

/* Runs sql; a TUPLES_OK or COMMAND_OK result (or NULL and errstr). */
static PGresult *pg_run(PGconn *c, const char *sql, const char *what,
                        char *errstr, size_t errstr_size)
{
        PGresult *res = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
                char msg[512];
                chomp_err(PQerrorMessage(c), msg, sizeof(msg));
                sl_seterr(errstr, errstr_size, SL_ERR_IO, "%s failed: %s",
                          what, msg);
                PQclear(res);
                return NULL;
        }
        return res;
}

static int check_server(cdc_t *s, char *errstr, size_t errstr_size)
{
        PGresult *res = pg_run(s->meta, "SHOW wal_level", "SHOW wal_level",
                               errstr, errstr_size);
        int rc = 0;
        if (!res)
                return SL_ERR_IO;
        if (strcmp(PQgetvalue(res, 0, 0), "logical"))
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "Postgres server wal_level property must be "
                               "'logical' but is: '%s'",
                               PQgetvalue(res, 0, 0));
        PQclear(res);
        return rc;
}

static char *quote_ident(PGconn *c, const char *s)
{
        char *q = PQescapeIdentifier(c, s, strlen(s));
        char *r = q ? strdup(q) : NULL;
        PQfreemem(q);
        return r;
}

static int ensure_publication(cdc_t *s, char *errstr, size_t errstr_size)
{
        const char *params[1] = {s->pub};
        PGresult *res = PQexecParams(s->meta, "SELECT 1 FROM pg_publication "
                                     "WHERE pubname = $1", 1, NULL, params,
                                     NULL, NULL, 0);
        sl_buf_t sql = SL_BUF_INIT;
        char *pubq;
        int rc = 0, ntab = 0;
        bool exists;

        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                PQclear(res);
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "Cannot look up publication %s: %s", s->pub,
                                 PQerrorMessage(s->meta));
        }
        exists = PQntuples(res) > 0;
        PQclear(res);
        if (exists)
                return 0;
        if (!strcasecmp(s->autocreate, "disabled"))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Publication '%s' does not exist and "
                                 "publication.autocreate.mode is 'disabled'",
                                 s->pub);
        if (!(pubq = quote_ident(s->meta, s->pub)))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        if (!strcasecmp(s->autocreate, "all_tables")) {
                sl_buf_printf(&sql, "CREATE PUBLICATION %s FOR ALL TABLES",
                              pubq);
        } else {
                res = pg_run(s->meta,
                             "SELECT n.nspname, c.relname FROM pg_class c "
                             "JOIN pg_namespace n ON n.oid = c.relnamespace "
                             "WHERE c.relkind IN ('r','p') AND n.nspname NOT "
                             "IN ('pg_catalog','information_schema') AND "
                             "n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2",
                             "Listing tables", errstr, errstr_size);
                if (!res) {
                        free(pubq);
                        return SL_ERR_IO;
                }
                sl_buf_printf(&sql, "CREATE PUBLICATION %s FOR TABLE ", pubq);
                for (int i = 0; i < PQntuples(res); i++) {
                        char *a, *b;
                        if (!table_captured(s, PQgetvalue(res, i, 0),
                                            PQgetvalue(res, i, 1)))
                                continue;
                        a = quote_ident(s->meta, PQgetvalue(res, i, 0));
                        b = quote_ident(s->meta, PQgetvalue(res, i, 1));
                        sl_buf_printf(&sql, "%s%s.%s", ntab++ ? ", " : "",
                                      a ? a : "", b ? b : "");
                        free(a);
                        free(b);
                }
                PQclear(res);
                if (ntab == 0) {
                        free(pubq);
                        sl_buf_free(&sql);
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "No table matches table.include.list"
                                         "/table.exclude.list: cannot create "
                                         "the filtered publication '%s'",
                                         s->pub);
                }
        }
        free(pubq);
        sl_info(CDC_LOGGER, "Creating publication: %s", sql.data);
        res = PQexec(s->meta, sql.data);
        sl_buf_free(&sql);
        rc = 0;
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                /* another task created it meanwhile: fine */
                if (!state || strcmp(state, "42710")) {
                        char msg[512];
                        chomp_err(PQerrorMessage(s->meta), msg, sizeof(msg));
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                       "Creating publication '%s' failed: %s",
                                       s->pub, msg);
                }
        }
        PQclear(res);
        return rc;
}

/* 1 when the slot exists (and is a pgoutput slot of this database). */
static int slot_exists(cdc_t *s, char *errstr, size_t errstr_size)
{
        const char *params[1] = {s->slot};
        PGresult *res = PQexecParams(s->meta,
                                     "SELECT plugin, database FROM "
                                     "pg_replication_slots WHERE "
                                     "slot_name = $1",
                                     1, NULL, params, NULL, NULL, 0);
        int rc;
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_IO,
                               "Cannot look up replication slot %s: %s",
                               s->slot, PQerrorMessage(s->meta));
        } else if (PQntuples(res) == 0) {
                rc = 0;
        } else if (strcmp(PQgetvalue(res, 0, 0), "pgoutput") ||
                   strcmp(PQgetvalue(res, 0, 1), s->dbname)) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "Replication slot '%s' exists for plugin '%s' "
                               "on database '%s', not pgoutput on '%s'",
                               s->slot, PQgetvalue(res, 0, 0),
                               PQgetvalue(res, 0, 1), s->dbname);
        } else {
                rc = 1;
        }
        PQclear(res);
        return rc;
}

/* Creates the slot; with export, *snapshot_name gets the exported
 * snapshot (valid until the replication connection's next command). */
static int create_slot(cdc_t *s, bool export, char **snapshot_name,
                       char *errstr, size_t errstr_size)
{
        char sql[256];
        PGresult *res;
        char *slotq = quote_ident(s->repl, s->slot);
        if (!slotq)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        snprintf(sql, sizeof(sql),
                 "CREATE_REPLICATION_SLOT %s LOGICAL pgoutput %s", slotq,
                 export ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT");
        free(slotq);
        if (!(res = pg_run(s->repl, sql, "Creating replication slot", errstr,
                           errstr_size)))
                return SL_ERR_IO;
        if (pgo_lsn_parse(PQgetvalue(res, 0, 1), &s->snap_lsn) < 0)
                s->snap_lsn = 0;
        if (export && snapshot_name)
                *snapshot_name = strdup(PQgetvalue(res, 0, 2));
        sl_info(CDC_LOGGER, "Created replication slot '%s' at %s", s->slot,
                PQgetvalue(res, 0, 1));
        PQclear(res);
        return 0;
}

/* Whether a failed command (res, NULL when there is no result) or a
 * broken stream is a lost connection worth reconnecting for: errors libpq
 * raised itself (no SQLSTATE: closed socket, network error), connection
 * exceptions (class 08), the server shutting down or starting up, a
 * terminated backend (57P0x), too many connections, and a slot still held
 * by the walsender of the connection just lost (55006). */
static bool conn_lost(PGconn *c, const PGresult *res)
{
        const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
                             : NULL;
        if (!c || PQstatus(c) == CONNECTION_BAD)
                return true;
        if (!st || !*st)
                return true;
        return !strncmp(st, "08", 2) || !strncmp(st, "57P", 3) ||
               !strcmp(st, "53300") || !strcmp(st, "55006");
}

/* The START_REPLICATION command from start_lsn into sql. */
static int start_sql(cdc_t *s, char *sql, size_t n, char *lsn,
                     char *errstr, size_t errstr_size)
{
        char *slotq = quote_ident(s->repl, s->slot);
        char *pubq = PQescapeLiteral(s->repl, s->pub, strlen(s->pub));

        if (!slotq || !pubq) {
                free(slotq);
                PQfreemem(pubq);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        }
        pgo_lsn_format(s->start_lsn, lsn, 32);
        snprintf(sql, n,
                 "START_REPLICATION SLOT %s LOGICAL %s (proto_version '1', "
                 "publication_names %s)", slotq, lsn, pubq);
        free(slotq);
        PQfreemem(pubq);
        return 0;
}

static int start_streaming(cdc_t *s, char *errstr, size_t errstr_size)
{
        char sql[512], lsn[32];
        PGresult *res;
        int rc;

        if ((rc = start_sql(s, sql, sizeof(sql), lsn, errstr,
                            errstr_size)) < 0)
                return rc;
        res = PQexec(s->repl, sql);
        if (PQresultStatus(res) != PGRES_COPY_BOTH) {
                char msg[512];
                chomp_err(PQerrorMessage(s->repl), msg, sizeof(msg));
                s->lost = conn_lost(s->repl, res);
                rc = sl_seterr(errstr, errstr_size, SL_ERR_IO,
                               "START_REPLICATION on slot '%s' failed: %s",
                               s->slot, msg);
        } else if (PQsetnonblocking(s->repl, 1) != 0) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_IO,
                               "Cannot make the replication connection "
                               "non-blocking");
        }
        PQclear(res);
        if (rc == 0) {
                s->streaming = true;
                s->last_status = sl_now_ms();
                sl_info(CDC_LOGGER, "Streaming changes from slot '%s' "
                        "publication '%s' at %s", s->slot, s->pub, lsn);
        }
        return rc;
}

/* ------------------------------------------------------- snapshot */

static int snap_begin(cdc_t *s, const char *snapshot_name, char *errstr,
                      size_t errstr_size)
{
        const char *params[1] = {s->pub};
        PGresult *res = pg_run(s->meta, "BEGIN ISOLATION LEVEL REPEATABLE "
                               "READ READ ONLY", "BEGIN", errstr, errstr_size);
        int n;

        if (!res)
                return SL_ERR_IO;
        PQclear(res);
        if (snapshot_name) {
                char sql[160];
                snprintf(sql, sizeof(sql), "SET TRANSACTION SNAPSHOT '%s'",
                         snapshot_name);
                if (!(res = pg_run(s->meta, sql, "SET TRANSACTION SNAPSHOT",
                                   errstr, errstr_size)))
                        return SL_ERR_IO;
                PQclear(res);
        }
        res = PQexecParams(s->meta,
                           "SELECT c.oid, n.nspname, c.relname FROM "
                           "pg_publication_tables p JOIN pg_namespace n ON "
                           "n.nspname = p.schemaname JOIN pg_class c ON "
                           "c.relnamespace = n.oid AND c.relname = "
                           "p.tablename WHERE p.pubname = $1 ORDER BY 2, 3",
                           1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                int rc = sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                   "Cannot list the tables of publication "
                                   "%s: %s", s->pub, PQerrorMessage(s->meta));
                PQclear(res);
                return rc;
        }
        n = PQntuples(res);
        s->snap_rels = calloc((size_t)(n ? n : 1), sizeof(*s->snap_rels));
        if (!s->snap_rels) {
                PQclear(res);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        }
        for (int i = 0; i < n; i++) {
                const char *schema = PQgetvalue(res, i, 1);
                const char *table = PQgetvalue(res, i, 2);
                if (!table_captured(s, schema, table))
                        continue;
                /* columns come with the first FETCH; a placeholder rel
                 * carries the names until then */
                rel_t *r = calloc(1, sizeof(*r));
                if (!r || !(r->schema = strdup(schema)) ||
                    !(r->table = strdup(table))) {
                        rel_free(r);
                        PQclear(res);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "Out of memory");
                }
                r->oid = (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10);
                s->snap_rels[s->nsnap++] = r;
        }
        PQclear(res);
        s->snapshotting = true;
        sl_info(CDC_LOGGER, "Snapshotting %d table(s) at %s", s->nsnap,
                snapshot_name ? snapshot_name : "a new snapshot");
        return 0;
}

/* The cached relation of a snapshot result (columns from the result). */
static int snap_rel(cdc_t *s, PGresult *res, rel_t **out, char *errstr,
                    size_t errstr_size)
{
        rel_t *ph = s->snap_rels[s->snap_at];
        rel_t *r = rel_find(s, ph->oid);
        int n = PQnfields(res);
        col_t *cols;

        if (r && r->ncols == n) {
                *out = r;
                return 0;
        }
        if (!(cols = cols_new(s, n)))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        for (int i = 0; i < n; i++) {
                if (col_init(s, &cols[i], PQfname(res, i), PQftype(res, i),
                             PQfmod(res, i)) < 0) {
                        for (int k = 0; k <= i; k++)
                                free(cols[k].name);
                        free(cols);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "Out of memory");
                }
        }
        return rel_put(s, ph->oid, ph->schema, ph->table, n, cols, out,
                       errstr, errstr_size);
}

/* Fetch the next chunk of the current table into *out (NULL when the
 * snapshot is finished), moving to the next table as needed. */
static int snap_fetch(cdc_t *s, PGresult **out, rel_t **relp, char *errstr,
                      size_t errstr_size)
{
        PGresult *res;
        *out = NULL;
        *relp = NULL;
        while (s->snap_at < s->nsnap) {
                rel_t *ph = s->snap_rels[s->snap_at];
                if (!s->cursor_open) {
                        sl_buf_t sql = SL_BUF_INIT;
                        char *a = quote_ident(s->meta, ph->schema);
                        char *b = quote_ident(s->meta, ph->table);
                        sl_buf_printf(&sql, "DECLARE sl_snap NO SCROLL CURSOR "
                                      "FOR SELECT * FROM %s.%s", a ? a : "",
                                      b ? b : "");
                        free(a);
                        free(b);
                        res = pg_run(s->meta, sql.data, "Snapshot query",
                                     errstr, errstr_size);
                        sl_buf_free(&sql);
                        if (!res)
                                return SL_ERR_IO;
                        PQclear(res);
                        s->cursor_open = true;
                }
                res = pg_run(s->meta, "FETCH FORWARD 1024 FROM sl_snap",
                             "Snapshot fetch", errstr, errstr_size);
                if (!res)
                        return SL_ERR_IO;
                if (PQntuples(res) > 0) {
                        int rc = snap_rel(s, res, relp, errstr, errstr_size);
                        if (rc < 0) {
                                PQclear(res);
                                return rc;
                        }
                        *out = res;
                        return 0;
                }
                PQclear(res);
                if (!(res = pg_run(s->meta, "CLOSE sl_snap", "CLOSE", errstr,
                                   errstr_size)))
                        return SL_ERR_IO;
                PQclear(res);
                s->cursor_open = false;
                s->snap_at++;
        }
        return 0;
}

static int snap_finish(cdc_t *s, char *errstr, size_t errstr_size)
{
        PGresult *res = pg_run(s->meta, "COMMIT", "COMMIT", errstr,
                               errstr_size);
        if (!res)
                return SL_ERR_IO;
        PQclear(res);
        s->snapshotting = false;
        s->start_lsn = s->snap_lsn > s->start_lsn ? s->snap_lsn : s->start_lsn;
        s->done_lsn = s->start_lsn;
        sl_info(CDC_LOGGER, "Snapshot completed");
        return start_streaming(s, errstr, errstr_size);
}

static int snap_poll(cdc_t *s, sl_source_batch_t *batch, size_t room,
                     char *errstr, size_t errstr_size)
{
        size_t added = 0;
        bool last = false;
        int rc;

        while (added < room && !last) {
                if (!s->res || s->row >= PQntuples(s->res)) {
                        PQclear(s->res);
                        s->res = s->next_res;
                        s->res_rel = s->next_rel;
                        s->next_res = NULL;
                        s->row = 0;
                        if (!s->res &&
                            (rc = snap_fetch(s, &s->res, &s->res_rel, errstr,
                                             errstr_size)) < 0)
                                return rc;
                        if (!s->res) {
                                last = true; /* no rows at all */
                                break;
                        }
                }
                /* look ahead so the final row is marked "last" */
                if (s->row + 1 >= PQntuples(s->res) && !s->next_res) {
                        if ((rc = snap_fetch(s, &s->next_res, &s->next_rel,
                                             errstr, errstr_size)) < 0)
                                return rc;
                        last = !s->next_res;
                }
                rel_t *r = s->res_rel;
                rowsrc_t rs = {.res = s->res, .row = s->row};
                sl_json_t *after = NULL, *key = NULL;
                if ((rc = row_struct(r, &rs, false, &after, errstr,
                                     errstr_size)) < 0)
                        return rc;
                if (r->key_schema &&
                    (rc = row_struct(r, &rs, true, &key, errstr,
                                     errstr_size)) < 0) {
                        sl_json_free(after);
                        return rc;
                }
                rc = emit(s, batch, r, "r", NULL, after, key,
                          last ? "last" : "true", wall_us() / 1000,
                          s->snap_lsn, false, errstr, errstr_size);
                sl_json_free(key);
                if (rc < 0)
                        return rc;
                s->row++;
                added++;
        }
        if (added > 0 && (rc = set_offset(s, batch, true, last, errstr,
                                          errstr_size)) < 0)
                return rc;
        if (last) {
                PQclear(s->res);
                s->res = NULL;
                s->lost = false;
                if ((rc = snap_finish(s, errstr, errstr_size)) < 0 &&
                    !(s->snapshotting == false && recoverable(s, errstr)))
                        return rc;
        }
        return (int)added;
}

/* ------------------------------------------------------- streaming */

/* The standby status update. Its flush LSN is the committed offset; past
 * it only when every record emitted so far is committed and no
 * transaction is open, as the WAL after that (skipped transactions, idle
 * WAL up to the server's keepalive position) holds nothing to deliver.
 * PostgreSQL needs that at shutdown, where it waits for the flush to
 * reach its end of WAL. */
static int send_status(cdc_t *s, uint64_t idle_end, char *errstr,
                       size_t errstr_size)
{
        uint8_t msg[PGO_STATUS_LEN];
        sl_json_t *off = sl_task_offset(s->ctx, s->partition);
        const sl_json_t *v = sl_json_object_get(off, "lsn");
        uint64_t flush = v && v->type == SL_JSON_INT && v->u.i > 0
                                 ? (uint64_t)v->u.i
                                 : s->start_lsn;
        int64_t now = wall_us() - PGO_EPOCH_DIFF_USEC;
        bool all_committed = !s->emitted ||
                             (off && sl_json_equal(off, s->emitted));

        sl_json_free(off);
        if (all_committed && !s->in_tx && !s->pending && !s->snapshotting) {
                if (s->done_lsn > flush)
                        flush = s->done_lsn;
                if (idle_end > flush)
                        flush = idle_end;
        }
        if (flush < s->sent_flush)
                flush = s->sent_flush;
        pgo_build_status(msg, s->recv_lsn > flush ? s->recv_lsn : flush,
                         flush, flush, now, 0);
        if (PQputCopyData(s->repl, (const char *)msg, sizeof(msg)) != 1 ||
            PQflush(s->repl) < 0) {
                char m[512];
                chomp_err(PQerrorMessage(s->repl), m, sizeof(m));
                s->lost = true;
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "Cannot send the standby status to "
                                 "PostgreSQL %s:%d (slot '%s'): %s", s->host,
                                 s->port, s->slot, m);
        }
        if (flush != s->sent_flush) {
                char l[32];
                pgo_lsn_format(flush, l, sizeof(l));
                sl_debug(CDC_LOGGER, "Confirmed LSN %s to slot '%s'", l,
                         s->slot);
        }
        s->sent_flush = flush;
        s->last_status = sl_now_ms();
        return 0;
}

/* Records a change message needs in the batch. */
static size_t room_needed(const cdc_t *s, const pgo_msg_t *m)
{
        size_t tomb = s->tombstones ? 1 : 0;
        if (m->type == 'D')
                return 1 + tomb;
        if (m->type == 'U')
                return 2 + tomb; /* a key change: delete, tombstone, create */
        return 1;
}

static bool key_changed(const rel_t *r, const pgo_msg_t *m)
{
        if (!m->old_kind)
                return false;
        for (int i = 0; i < r->ncols; i++) {
                const pgo_value_t *a, *b;
                if (!r->cols[i].key)
                        continue;
                if (i >= m->old_tup.ncols || i >= m->new_tup.ncols)
                        return false;
                a = &m->old_tup.vals[i];
                b = &m->new_tup.vals[i];
                if (a->kind != 't' || b->kind != 't')
                        continue;
                if (a->len != b->len || memcmp(a->data, b->data, a->len))
                        return true;
        }
        return false;
}

static int on_change(cdc_t *s, sl_source_batch_t *batch, const pgo_msg_t *m,
                     uint64_t lsn, char *errstr, size_t errstr_size)
{
        rel_t *r = rel_find(s, m->oid);
        const pgo_tuple_t *keytup = m->type == 'D' ? &m->old_tup : &m->new_tup;
        rowsrc_t newrs = {.tup = &m->new_tup}, oldrs = {.tup = &m->old_tup};
        sl_json_t *before = NULL, *after = NULL, *key = NULL;
        int64_t ts_ms = (s->commit_ts + PGO_EPOCH_DIFF_USEC) / 1000;
        int rc = 0;

        if (!r)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "Change for relation %u before its Relation "
                                 "message", m->oid);
        if (!r->captured)
                return 0;
        rowsrc_t keyrs = {.tup = keytup};
        if (m->type == 'U' && key_changed(r, m)) {
                /* Debezium: a primary key change is a delete of the old
                 * key and a create of the new one */
                pgo_msg_t d = *m;
                d.type = 'D';
                if ((rc = on_change(s, batch, &d, lsn, errstr,
                                    errstr_size)) < 0)
                        return rc;
                pgo_msg_t c = *m;
                c.type = 'I';
                c.old_kind = 0;
                return on_change(s, batch, &c, lsn, errstr, errstr_size);
        }
        if (r->key_schema &&
            (rc = row_struct(r, &keyrs, true, &key, errstr, errstr_size)) < 0)
                return rc;
        if (m->type != 'D' &&
            (rc = row_struct(r, &newrs, false, &after, errstr,
                             errstr_size)) < 0)
                goto out;
        if (m->old_kind &&
            (rc = row_struct(r, &oldrs, false, &before, errstr,
                             errstr_size)) < 0)
                goto out;
        rc = emit(s, batch, r, m->type == 'I' ? "c" : m->type == 'U' ? "u"
                                                                    : "d",
                  before, after, key, "false", ts_ms, lsn, true, errstr,
                  errstr_size);
        before = after = NULL;
out:
        sl_json_free(before);
        sl_json_free(after);
        sl_json_free(key);
        return rc;
}

/* Handles one XLogData payload. 1: done, 0: no room (keep it), < 0. */
static int on_xlog(cdc_t *s, sl_source_batch_t *batch, size_t room,
                   const pgo_copy_t *c, char *errstr, size_t errstr_size)
{
        pgo_msg_t *m = &s->msg;
        int rc = pgo_decode(m, c->data, c->len, errstr, errstr_size);

        if (rc < 0)
                return rc;
        switch (m->type) {
        case 'B':
                s->in_tx = true;
                s->tx_commit = m->final_lsn;
                s->xid = m->xid;
                s->commit_ts = m->commit_ts;
                s->tx_events = 0;
                return 1;
        case 'C':
                s->in_tx = false;
                if (m->end_lsn > s->done_lsn)
                        s->done_lsn = m->end_lsn;
                s->proc_lsn = m->end_lsn;
                return 1;
        case 'R':
                return (rc = rel_from_msg(s, m, errstr, errstr_size)) < 0 ? rc
                                                                         : 1;
        case 'I':
        case 'U':
        case 'D': {
                bool skip;
                if (room < room_needed(s, m))
                        return 0;
                s->tx_events++;
                /* already delivered before a restart? */
                skip = s->tx_commit < s->resume_commit ||
                       (s->tx_commit == s->resume_commit &&
                        (s->resume_events < 0 ||
                         s->tx_events <= s->resume_events));
                if (skip)
                        return 1;
                s->proc_lsn = c->wal_start;
                rc = on_change(s, batch, m, c->wal_start, errstr, errstr_size);
                return rc < 0 ? rc : 1;
        }
        case 'T':
                sl_info(CDC_LOGGER, "Skipping a TRUNCATE of %d table(s) "
                        "(skipped.operations=t)", m->nrelids);
                return 1;
        default: /* Origin, Type */
                return 1;
        }
}

static int heartbeat(cdc_t *s, sl_source_batch_t *batch, char *errstr,
                     size_t errstr_size)
{
        static const char ks[] =
                "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
                "\"optional\":false,\"field\":\"serverName\"}],\"optional\":"
                "false,\"name\":\"io.debezium.connector.common.ServerNameKey\"}";
        static const char vs[] =
                "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\","
                "\"optional\":false,\"field\":\"ts_ms\"}],\"optional\":false,"
                "\"name\":\"io.debezium.connector.common.Heartbeat\"}";
        sl_json_t *kschema = sl_json_parse(ks, sizeof(ks) - 1, NULL, 0);
        sl_json_t *vschema = sl_json_parse(vs, sizeof(vs) - 1, NULL, 0);
        sl_json_t *k = sl_json_object(), *v = sl_json_object();
        char topic[300];
        int rc = kschema && vschema && k && v ? 0 : SL_ERR_NOMEM;

        snprintf(topic, sizeof(topic), "__debezium-heartbeat.%s", s->prefix);
        if (rc == 0) rc = oset(k, "serverName", sl_json_string(s->prefix));
        if (rc == 0) rc = oset(v, "ts_ms", sl_json_int(wall_us() / 1000));
        if (rc == 0) {
                sl_source_record_t rec = {
                        .topic = topic, .partition = -1,
                        .key = {.schema = kschema, .value = k},
                        .value = {.schema = vschema, .value = v},
                };
                rc = sl_source_batch_add(batch, &rec);
        }
        sl_json_free(kschema);
        sl_json_free(vschema);
        sl_json_free(k);
        sl_json_free(v);
        if (rc < 0)
                return sl_seterr(errstr, errstr_size, rc,
                                 "Cannot add a heartbeat record: %s",
                                 sl_err2str(rc));
        s->last_heartbeat = sl_now_ms();
        return 1;
}

/* Next CopyData message, waiting up to wait_ms. 1 with *buf, 0 none. */
static int next_copy(cdc_t *s, int wait_ms, char **buf, int *len,
                     char *errstr, size_t errstr_size)
{
        for (int round = 0; round < 2; round++) {
                int n = PQgetCopyData(s->repl, buf, 1);
                if (n > 0) {
                        *len = n;
                        return 1;
                }
                if (n == -1 || n == -2) {
                        char msg[512];
                        PGresult *res = PQgetResult(s->repl);
                        chomp_err(PQerrorMessage(s->repl), msg, sizeof(msg));
                        s->lost = conn_lost(s->repl, res);
                        PQclear(res);
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                         "Replication stream from %s:%d "
                                         "(slot '%s') ended: %s", s->host,
                                         s->port, s->slot,
                                         *msg ? msg : "server closed the "
                                                      "stream");
                }
                if (round == 1 || wait_ms <= 0)
                        return 0;
                struct pollfd pfd = {.fd = PQsocket(s->repl), .events = POLLIN};
                if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                         "poll: %s", strerror(errno));
                if (PQconsumeInput(s->repl) != 1) {
                        char msg[512];
                        chomp_err(PQerrorMessage(s->repl), msg, sizeof(msg));
                        s->lost = true;
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                         "Replication connection to %s:%d "
                                         "lost: %s", s->host, s->port, msg);
                }
        }
        return 0;
}

/* Where to skip to after reconnecting: the stream position of the last
 * change handed to the host (its offset need not be committed yet), or
 * the resume point of the committed offset while that still lies ahead.
 * PostgreSQL resends from the slot's confirmed position, which is never
 * past it. */
static void mark_resume(cdc_t *s)
{
        uint64_t c = s->tx_commit;
        int64_t e = s->in_tx ? s->tx_events : -1;

        if (c > s->resume_commit ||
            (c == s->resume_commit && s->resume_events >= 0 &&
             (e < 0 || e > s->resume_events))) {
                s->resume_commit = c;
                s->resume_events = e;
        }
}

/* The replication connection is lost (cause in errstr): drop it and
 * reconnect with back-off from the next poll. */
static void go_down(cdc_t *s, const char *cause)
{
        char l[32];

        snprintf(s->cause, sizeof(s->cause), "%s", cause);
        PQfinish(s->repl);
        s->repl = NULL;
        s->streaming = false;
        s->down = true;
        s->lost = false;
        if (s->pending) {
                PQfreemem(s->pending);
                s->pending = NULL;
        }
        mark_resume(s);
        s->attempts = 0;
        s->backoff_ms = s->retry_max_ms < RETRY_FIRST_MS ? s->retry_max_ms
                                                         : RETRY_FIRST_MS;
        s->retry_at = sl_now_ms() + s->backoff_ms;
        pgo_lsn_format(s->resume_commit, l, sizeof(l));
        if (s->resume_events < 0)
                sl_warn(CDC_LOGGER, "%s; reconnecting in %" PRId64 " ms "
                        "(delivered: transactions up to commit %s)", cause,
                        s->backoff_ms, l);
        else
                sl_warn(CDC_LOGGER, "%s; reconnecting in %" PRId64 " ms "
                        "(delivered: up to event %" PRId64 " of the "
                        "transaction with commit %s)", cause, s->backoff_ms,
                        s->resume_events, l);
}

/* One reconnection attempt failed with msg: wait longer, or give up. */
static int attempt_failed(cdc_t *s, const char *msg, char *errstr,
                          size_t errstr_size)
{
        PQfinish(s->repl);
        s->repl = NULL;
        s->attempts++;
        if (s->max_retries >= 0 && s->attempts >= s->max_retries)
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "%s; gave up after %d reconnection "
                                 "attempt(s) (errors.max.retries=%d), the "
                                 "last failed: %s", s->cause, s->attempts,
                                 s->max_retries, msg);
        s->backoff_ms *= 2;
        if (s->backoff_ms > s->retry_max_ms)
                s->backoff_ms = s->retry_max_ms;
        s->retry_at = sl_now_ms() + s->backoff_ms;
        sl_warn(CDC_LOGGER, "Reconnecting to %s:%d (slot '%s') failed "
                "(attempt %d): %s; retrying in %" PRId64 " ms", s->host,
                s->port, s->slot, s->attempts, msg, s->backoff_ms);
        return 0;
}

/* The catalog connection, reopened when it went with the replication
 * one (a server restart). */
static int meta_check(cdc_t *s, char *errstr, size_t errstr_size)
{
        PGresult *res = s->meta && PQstatus(s->meta) == CONNECTION_OK
                                ? PQexec(s->meta, "SELECT 1")
                                : NULL;
        bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;

        PQclear(res);
        if (ok)
                return 0;
        PQfinish(s->meta);
        s->meta = pg_open(s, false, errstr, errstr_size);
        return s->meta ? 0 : SL_ERR_IO;
}

/* Reconnecting, without blocking: a non-blocking connect, then
 * START_REPLICATION from the slot's position; each step goes on when its
 * socket is ready, the poll returns 0 meanwhile. < 0 when the attempts
 * are used up or the slot cannot be streamed any more. */
static int reconnect_poll(cdc_t *s, char *errstr, size_t errstr_size)
{
        char msg[512];
        int64_t now = sl_now_ms();

        if (!s->repl) {
                const char *keys[12], *vals[12];
                char port[16];
                if (now < s->retry_at)
                        return 0;
                sl_info(CDC_LOGGER, "Reconnecting to %s:%d (slot '%s', "
                        "attempt %d)", s->host, s->port, s->slot,
                        s->attempts + 1);
                conn_params(s, true, keys, vals, port);
                s->repl = PQconnectStartParams(keys, vals, 0);
                s->attempt_start = now;
                s->rstate = RS_CONNECTING;
                s->want = PGRES_POLLING_WRITING;
                if (!s->repl || PQstatus(s->repl) == CONNECTION_BAD) {
                        chomp_err(s->repl ? PQerrorMessage(s->repl)
                                          : "out of memory",
                                  msg, sizeof(msg));
                        return attempt_failed(s, msg, errstr, errstr_size);
                }
        }
        if (now - s->attempt_start > CONNECT_TIMEOUT_MS)
                return attempt_failed(s, "timed out", errstr, errstr_size);
        while (s->rstate == RS_CONNECTING) {
                struct pollfd pfd = {
                        .fd = PQsocket(s->repl),
                        .events = s->want == PGRES_POLLING_READING ? POLLIN
                                                                   : POLLOUT,
                };
                int r = poll(&pfd, 1, 0);
                if (r < 0 && errno != EINTR) {
                        snprintf(msg, sizeof(msg), "poll: %s",
                                 strerror(errno));
                        return attempt_failed(s, msg, errstr, errstr_size);
                }
                if (r <= 0)
                        return 0;
                s->want = PQconnectPoll(s->repl);
                if (s->want == PGRES_POLLING_FAILED) {
                        chomp_err(PQerrorMessage(s->repl), msg, sizeof(msg));
                        return attempt_failed(s, msg, errstr, errstr_size);
                }
                if (s->want != PGRES_POLLING_OK)
                        continue;
                char sql[512], lsn[32];
                int rc;
                if (meta_check(s, msg, sizeof(msg)) < 0)
                        return attempt_failed(s, msg, errstr, errstr_size);
                if (s->sent_flush > s->start_lsn)
                        s->start_lsn = s->sent_flush;
                if ((rc = start_sql(s, sql, sizeof(sql), lsn, errstr,
                                    errstr_size)) < 0)
                        return rc;
                if (!PQsendQuery(s->repl, sql)) {
                        chomp_err(PQerrorMessage(s->repl), msg, sizeof(msg));
                        return attempt_failed(s, msg, errstr, errstr_size);
                }
                s->rstate = RS_STARTING;
        }
        if (PQconsumeInput(s->repl) != 1) {
                chomp_err(PQerrorMessage(s->repl), msg, sizeof(msg));
                return attempt_failed(s, msg, errstr, errstr_size);
        }
        if (PQisBusy(s->repl))
                return 0;
        PGresult *res = PQgetResult(s->repl);
        if (PQresultStatus(res) != PGRES_COPY_BOTH) {
                bool retry = conn_lost(s->repl, res);
                char l[32];
                chomp_err(PQerrorMessage(s->repl), msg, sizeof(msg));
                PQclear(res);
                if (retry)
                        return attempt_failed(s, msg, errstr, errstr_size);
                pgo_lsn_format(s->start_lsn, l, sizeof(l));
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "%s; after reconnecting, START_REPLICATION "
                                 "on slot '%s' at %s failed: %s", s->cause,
                                 s->slot, l, msg);
        }
        PQclear(res);
        if (PQsetnonblocking(s->repl, 1) != 0)
                return attempt_failed(s, "cannot make the connection "
                                      "non-blocking", errstr, errstr_size);
        {
                char l[32];
                pgo_lsn_format(s->start_lsn, l, sizeof(l));
                sl_info(CDC_LOGGER, "Reconnected: streaming changes from "
                        "slot '%s' again (from %s or the slot's confirmed "
                        "position) after %d failed attempt(s)", s->slot, l,
                        s->attempts);
        }
        s->down = false;
        s->streaming = true;
        s->attempts = 0;
        s->last_status = sl_now_ms();
        return 0;
}

/* After an error: when it was a lost connection and retries are allowed,
 * go down to reconnect (1), else 0 (the error stands). */
static int recoverable(cdc_t *s, const char *errstr)
{
        if (!s->lost || s->max_retries == 0) {
                s->lost = false;
                return 0;
        }
        go_down(s, errstr);
        return 1;
}

static int stream_poll(cdc_t *s, sl_source_batch_t *batch, size_t room,
                       char *errstr, size_t errstr_size)
{
        size_t before = sl_source_batch_count(batch);
        int64_t deadline = sl_now_ms() + WAIT_SLICE_MS;
        int rc;

        s->lost = false;
        for (;;) {
                size_t added = sl_source_batch_count(batch) - before;
                char *buf = s->pending;
                int len = s->pending_len;
                pgo_copy_t c;

                if (sl_now_ms() - s->last_status >= s->status_ms &&
                    (rc = send_status(s, 0, errstr, errstr_size)) < 0) {
                        if (recoverable(s, errstr))
                                break;
                        return rc;
                }
                if (added >= room || sl_task_stopping(s->ctx))
                        break;
                s->pending = NULL;
                if (!buf) {
                        /* Inside a transaction keep reading up to its
                         * Commit (usually right behind), so a batch's
                         * offset covers whole transactions and the slot
                         * can be confirmed up to its end. */
                        bool wait_commit = added && s->in_tx &&
                                           sl_now_ms() < deadline + TX_WAIT_MS;
                        int64_t left = deadline - sl_now_ms();
                        int wait = wait_commit ? WAIT_SLICE_MS
                                   : added || left <= 0 ? 0
                                                        : (int)left;
                        rc = next_copy(s, wait, &buf, &len, errstr,
                                       errstr_size);
                        if (rc < 0) {
                                if (recoverable(s, errstr))
                                        break;
                                s->streaming = false;
                                return rc;
                        }
                        if (rc == 0) {
                                if (wait_commit)
                                        continue;
                                if (added || sl_now_ms() >= deadline)
                                        break;
                                continue;
                        }
                }
                if ((rc = pgo_parse_copy(&c, buf, (size_t)len, errstr,
                                         errstr_size)) < 0) {
                        PQfreemem(buf);
                        return rc;
                }
                if (c.type == 'k') {
                        if (c.wal_end > s->recv_lsn)
                                s->recv_lsn = c.wal_end;
                        PQfreemem(buf);
                        if (c.reply &&
                            (rc = send_status(s, c.wal_end, errstr,
                                              errstr_size)) < 0) {
                                if (recoverable(s, errstr))
                                        break;
                                return rc;
                        }
                        continue;
                }
                if (c.wal_end > s->recv_lsn)
                        s->recv_lsn = c.wal_end;
                /* one event (a key change is three records) may go past
                 * max.batch.size rather than never fit */
                rc = on_xlog(s, batch,
                             added ? room - added
                                   : sl_source_batch_room(batch),
                             &c, errstr, errstr_size);
                if (rc == 0 && added == 0) {
                        PQfreemem(buf);
                        return sl_seterr(errstr, errstr_size, SL_ERR_STATE,
                                         "The host's batch has no room "
                                         "for one change event");
                }
                if (rc == 0) {
                        s->pending = buf;
                        s->pending_len = len;
                        break;
                }
                PQfreemem(buf);
                if (rc < 0) {
                        /* the catalog connection lost on a Relation
                         * message: it comes again after reconnecting */
                        if (recoverable(s, errstr))
                                break;
                        return rc;
                }
        }
        size_t added = sl_source_batch_count(batch) - before;
        if (added == 0 && !s->down && s->heartbeat_ms > 0 && !s->in_tx &&
            sl_now_ms() - s->last_heartbeat >= s->heartbeat_ms) {
                if ((rc = heartbeat(s, batch, errstr, errstr_size)) < 0)
                        return rc;
                added = 1;
        }
        if (added > 0 &&
            (rc = set_offset(s, batch, false, false, errstr, errstr_size)) < 0)
                return rc;
        return (int)added;
}

/* ------------------------------------------------------- lifecycle */

static void cdc_free(cdc_t *s)
{
        if (!s)
                return;
        PQclear(s->res);
        PQclear(s->next_res);
        if (s->pending)
                PQfreemem(s->pending);
        for (int i = 0; i < s->nsnap; i++)
                rel_free(s->snap_rels[i]);
        free(s->snap_rels);
        while (s->rels) {
                rel_t *n = s->rels->next;
                rel_free(s->rels);
                s->rels = n;
        }
        for (int i = 0; i < s->nincl; i++)
                regfree(&s->incl[i]);
        for (int i = 0; i < s->nexcl; i++)
                regfree(&s->excl[i]);
        free(s->incl);
        free(s->excl);
        PQfinish(s->repl);
        PQfinish(s->meta);
        pgo_msg_free(&s->msg);
        sl_json_free(s->partition);
        sl_json_free(s->emitted);
        free(s->host);
        free(s->user);
        free(s->password);
        free(s->dbname);
        free(s->prefix);
        free(s->slot);
        free(s->pub);
        free(s->autocreate);
        free(s);
}

static void drop_slot(cdc_t *s)
{
        const char *params[1] = {s->slot};
        PGresult *res;
        char err[256];
        if (!s->meta && !(s->meta = pg_open(s, false, err, sizeof(err)))) {
                sl_warn(CDC_LOGGER, "Cannot drop slot '%s': %s", s->slot, err);
                return;
        }
        res = PQexecParams(s->meta, "SELECT pg_drop_replication_slot($1)", 1,
                           NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                sl_warn(CDC_LOGGER, "Cannot drop slot '%s': %s", s->slot,
                        PQerrorMessage(s->meta));
        else
                sl_info(CDC_LOGGER, "Dropped replication slot '%s'", s->slot);
        PQclear(res);
}

static void task_stop(void *state)
{
        cdc_t *s = state;
        char err[256];
        if (!s)
                return;
        if (s->streaming && s->repl) {
                PQsetnonblocking(s->repl, 0);
                if (send_status(s, 0, err, sizeof(err)) < 0)
                        sl_warn(CDC_LOGGER, "%s", err);
        }
        if (s->drop_on_stop) {
                PQfinish(s->repl); /* the slot must be inactive to drop */
                s->repl = NULL;
                if (s->snapshotting && s->meta) {
                        PQfinish(s->meta);
                        s->meta = NULL;
                }
                drop_slot(s);
        }
        cdc_free(s);
}

static char *dupcfg(const sl_strmap_t *cfg, const char *key)
{
        const char *v = sl_config_str(cfg, key);
        return strdup(v ? v : "");
}

static int compile_list(const char *value, regex_t **out, int *nout,
                        char *errstr, size_t errstr_size)
{
        char **items = NULL;
        int n = value ? sl_config_list(value, &items) : 0;
        *out = calloc((size_t)(n ? n : 1), sizeof(regex_t));
        *nout = 0;
        if (!*out) {
                sl_config_list_free(items, n);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        }
        for (int i = 0; i < n; i++) {
                /* Debezium matches the whole schema.table name */
                char *anch;
                int e;
                if (asprintf(&anch, "^(%s)$", items[i]) < 0) {
                        sl_config_list_free(items, n);
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "Out of memory");
                }
                e = regcomp(&(*out)[*nout], anch, REG_EXTENDED | REG_NOSUB);
                free(anch);
                if (e) {
                        int rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                           "Invalid regular expression '%s'",
                                           items[i]);
                        sl_config_list_free(items, n);
                        return rc;
                }
                (*nout)++;
        }
        sl_config_list_free(items, n);
        return 0;
}

static int load_config(cdc_t *s, const sl_strmap_t *cfg, char *errstr,
                       size_t errstr_size)
{
        const char *dec = sl_config_str(cfg, "decimal.handling.mode");
        const char *snap = sl_config_str(cfg, "snapshot.mode");
        int rc;

        s->host = dupcfg(cfg, "database.hostname");
        s->user = dupcfg(cfg, "database.user");
        s->password = dupcfg(cfg, "database.password");
        s->dbname = dupcfg(cfg, "database.dbname");
        s->prefix = dupcfg(cfg, "topic.prefix");
        s->slot = dupcfg(cfg, "slot.name");
        s->pub = dupcfg(cfg, "publication.name");
        s->autocreate = dupcfg(cfg, "publication.autocreate.mode");
        if (!s->host || !s->user || !s->password || !s->dbname ||
            !s->prefix || !s->slot || !s->pub || !s->autocreate)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        if (!*s->slot) {
                free(s->slot);
                s->slot = strdup("debezium");
        }
        if (!*s->pub) {
                free(s->pub);
                s->pub = strdup("dbz_publication");
        }
        if (!*s->autocreate) {
                free(s->autocreate);
                s->autocreate = strdup("all_tables");
        }
        if (!*s->host || !*s->dbname || !*s->prefix || !*s->user)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "database.hostname, database.user, "
                                 "database.dbname and topic.prefix are "
                                 "required");
        s->port = (int)sl_config_long(cfg, "database.port", 5432);
        s->snapshot_initial = !snap || !strcasecmp(snap, "initial");
        s->drop_on_stop = sl_config_bool(cfg, "slot.drop.on.stop", false);
        s->tombstones = sl_config_bool(cfg, "tombstones.on.delete", true);
        s->dec = !dec || !strcasecmp(dec, "precise") ? DEC_PRECISE
                 : !strcasecmp(dec, "double")        ? DEC_DOUBLE
                                                     : DEC_STRING;
        s->status_ms = sl_config_long(cfg, "status.update.interval.ms", 10000);
        s->heartbeat_ms = sl_config_long(cfg, "heartbeat.interval.ms", 0);
        s->max_batch = (size_t)sl_config_long(cfg, "max.batch.size", 2048);
        s->max_retries = (int)sl_config_long(cfg, "errors.max.retries", -1);
        if (s->max_retries < -1)
                s->max_retries = -1;
        s->retry_max_ms = sl_config_long(cfg,
                                         "retriable.restart.connector.wait.ms",
                                         10000);
        if (s->retry_max_ms < 1)
                s->retry_max_ms = 1;
        if (s->max_batch < 1)
                s->max_batch = 1;
        if ((rc = compile_list(sl_config_str(cfg, "table.include.list"),
                               &s->incl, &s->nincl, errstr, errstr_size)) < 0 ||
            (rc = compile_list(sl_config_str(cfg, "table.exclude.list"),
                               &s->excl, &s->nexcl, errstr, errstr_size)) < 0)
                return rc;
        if (!(s->partition = sl_json_object()) ||
            oset(s->partition, "server", sl_json_string(s->prefix)) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        return 0;
}

/* Where to resume, from the committed offset. 1 when a snapshot is still
 * needed. */
static int load_offset(cdc_t *s)
{
        sl_json_t *off = sl_task_offset(s->ctx, s->partition);
        const sl_json_t *v;
        bool snapshot_done;
        int need;

        s->resume_events = -1;
        if (!off)
                return s->snapshot_initial;
        v = sl_json_object_get(off, "lsn");
        if (v && v->type == SL_JSON_INT && v->u.i > 0)
                s->start_lsn = (uint64_t)v->u.i;
        v = sl_json_object_get(off, "lsn_commit");
        if (v && v->type == SL_JSON_INT)
                s->resume_commit = (uint64_t)v->u.i;
        v = sl_json_object_get(off, "tx_events");
        if (v && v->type == SL_JSON_INT)
                s->resume_events = v->u.i;
        v = sl_json_object_get(off, "last_snapshot_record");
        snapshot_done = !sl_json_object_get(off, "snapshot") ||
                        (v && v->type == SL_JSON_BOOL && v->u.b);
        need = s->snapshot_initial && !snapshot_done;
        s->done_lsn = s->start_lsn;
        {
                char l[32];
                pgo_lsn_format(s->start_lsn, l, sizeof(l));
                sl_info(CDC_LOGGER, "Found previous offset: lsn %s%s", l,
                        need ? " (snapshot incomplete: redoing it)" : "");
        }
        sl_json_free(off);
        return need;
}

static int task_start(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                      void **statep, char *errstr, size_t errstr_size)
{
        cdc_t *s = calloc(1, sizeof(*s));
        char *snapname = NULL;
        int rc, exists, need_snapshot;

        if (!s)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        s->ctx = ctx;
        if ((rc = load_config(s, config, errstr, errstr_size)) < 0)
                goto fail;
        need_snapshot = load_offset(s);
        if (!(s->meta = pg_open(s, false, errstr, errstr_size))) {
                rc = SL_ERR_RETRIABLE;
                goto fail;
        }
        if ((rc = check_server(s, errstr, errstr_size)) < 0 ||
            (rc = ensure_publication(s, errstr, errstr_size)) < 0 ||
            (rc = exists = slot_exists(s, errstr, errstr_size)) < 0)
                goto fail;
        if (!(s->repl = pg_open(s, true, errstr, errstr_size))) {
                rc = SL_ERR_RETRIABLE;
                goto fail;
        }
        if (!exists &&
            (rc = create_slot(s, need_snapshot, &snapname, errstr,
                              errstr_size)) < 0)
                goto fail;
        if (exists && !sl_task_offset_long(ctx, s->partition, "lsn", 0))
                sl_info(CDC_LOGGER, "Using existing replication slot '%s'%s",
                        s->slot, need_snapshot ? ": the snapshot may repeat "
                        "changes that are also streamed" : "");
        if (need_snapshot) {
                rc = snap_begin(s, snapname, errstr, errstr_size);
                free(snapname);
                if (rc < 0)
                        goto fail;
        } else if ((rc = start_streaming(s, errstr, errstr_size)) < 0) {
                goto fail;
        }
        s->last_heartbeat = sl_now_ms();
        *statep = s;
        return 0;
fail:
        cdc_free(s);
        return rc;
}

static int source_poll(void *state, sl_source_batch_t *batch, char *errstr,
                       size_t errstr_size)
{
        cdc_t *s = state;
        size_t room = sl_source_batch_room(batch);

        if (room > s->max_batch)
                room = s->max_batch;
        if (room == 0)
                return 0;
        if (s->down)
                return reconnect_poll(s, errstr, errstr_size);
        if (s->snapshotting)
                return snap_poll(s, batch, room, errstr, errstr_size);
        return stream_poll(s, batch, room, errstr, errstr_size);
}

static int task_configs(const sl_strmap_t *config, int max_tasks,
                        sl_strmap_t **task_configs, char *errstr,
                        size_t errstr_size)
{
        if (max_tasks < 1)
                return 0;
        if (sl_strmap_merge(task_configs[0], config) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        return 1;
}

static void validate(const sl_strmap_t *config, sl_config_errors_t *errs)
{
        const char *inc = sl_config_str(config, "table.include.list");
        const char *exc = sl_config_str(config, "table.exclude.list");
        cdc_t probe = {0};
        char err[512];
        PGconn *c;

        if (inc && *inc && exc && *exc)
                sl_config_error_add(errs, "table.exclude.list",
                                    "\"table.include.list\" is already "
                                    "specified");
        probe.host = (char *)sl_config_str(config, "database.hostname");
        probe.user = (char *)sl_config_str(config, "database.user");
        probe.password = (char *)sl_config_str(config, "database.password");
        probe.dbname = (char *)sl_config_str(config, "database.dbname");
        probe.port = (int)sl_config_long(config, "database.port", 5432);
        if (!probe.host || !*probe.host || !probe.user || !*probe.user ||
            !probe.dbname || !*probe.dbname || probe.port < 1 ||
            probe.port > 65535)
                return;
        /* Debezium checks the connection when validating */
        if (!(c = pg_open(&probe, false, err, sizeof(err)))) {
                sl_config_error_add(errs, "database.hostname",
                                    "Error while validating connector "
                                    "config: %s", err);
                return;
        }
        PQfinish(c);
}

const sl_connector_plugin_t sl_pg_cdc_source_plugin = {
        .abi_version = SL_PLUGIN_ABI_VERSION,
        .type = SL_CONNECTOR_SOURCE,
        .class_name = "io.debezium.connector.postgresql.PostgresConnector",
        .version = CDC_VERSION,
        .config = cdc_config,
        .validate = validate,
        .task_configs = task_configs,
        .task_start = task_start,
        .task_stop = task_stop,
        .source_poll = source_poll,
};
