/*
 * Shared parts of the JDBC-compatible PostgreSQL connectors: JDBC URL ->
 * libpq conninfo, connecting with attempts and back-off, running a
 * statement without blocking past sl_task_stopping(), SQL quoting, and the
 * PostgreSQL <-> Kafka Connect type mapping (pg_types.c).
 */
#ifndef SL_CONNECTORS_POSTGRES_PG_COMMON_H
#define SL_CONNECTORS_POSTGRES_PG_COMMON_H

#include <libpq-fe.h>

#include "postgres/postgres.h"

/* Type OIDs from pg_type.dat (stable across releases). */
#define PG_OID_BOOL 16
#define PG_OID_BYTEA 17
#define PG_OID_CHAR 18
#define PG_OID_NAME 19
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_OID_TEXT 25
#define PG_OID_OID 26
#define PG_OID_JSON 114
#define PG_OID_FLOAT4 700
#define PG_OID_FLOAT8 701
#define PG_OID_BPCHAR 1042
#define PG_OID_VARCHAR 1043
#define PG_OID_DATE 1082
#define PG_OID_TIME 1083
#define PG_OID_TIMESTAMP 1114
#define PG_OID_TIMESTAMPTZ 1184
#define PG_OID_TIMETZ 1266
#define PG_OID_NUMERIC 1700
#define PG_OID_UUID 2950
#define PG_OID_JSONB 3802

#define PG_DECIMAL "org.apache.kafka.connect.data.Decimal"
#define PG_DATE "org.apache.kafka.connect.data.Date"
#define PG_TIME "org.apache.kafka.connect.data.Time"
#define PG_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"

/* Connection keys shared by source and sink, for their config tables. */
#define PG_CONNECTION_CONFIG(group_name)                                       \
        {.name = "connection.url", .type = SL_CFG_STRING,                      \
         .importance = SL_CFG_HIGH,                                            \
         .documentation = "JDBC connection URL, e.g. "                         \
                          "jdbc:postgresql://localhost:5432/db",               \
         .group = group_name, .order = 1, .width = SL_CFG_WIDTH_LONG,          \
         .display_name = "JDBC URL",                                           \
         .flags = SL_CFG_REQUIRED | SL_CFG_NONEMPTY,                           \
         .validator = pg_url_validator},                                       \
        {.name = "connection.user", .type = SL_CFG_STRING,                     \
         .importance = SL_CFG_HIGH, .documentation = "JDBC connection user.",  \
         .group = group_name, .order = 2, .width = SL_CFG_WIDTH_MEDIUM,        \
         .display_name = "JDBC User"},                                         \
        {.name = "connection.password", .type = SL_CFG_PASSWORD,               \
         .importance = SL_CFG_HIGH,                                            \
         .documentation = "JDBC connection password.", .group = group_name,    \
         .order = 3, .width = SL_CFG_WIDTH_MEDIUM,                             \
         .display_name = "JDBC Password"},                                     \
        {.name = "connection.attempts", .type = SL_CFG_INT,                    \
         .default_value = "3", .importance = SL_CFG_LOW,                       \
         .documentation = "Maximum number of attempts to retrieve a valid "    \
                          "JDBC connection. Must be a positive integer.",      \
         .group = group_name, .order = 4, .width = SL_CFG_WIDTH_SHORT,         \
         .display_name = "JDBC connection attempts",                           \
         .flags = SL_CFG_MIN, .min = 1},                                       \
        {.name = "connection.backoff.ms", .type = SL_CFG_LONG,                 \
         .default_value = "10000", .importance = SL_CFG_LOW,                  \
         .documentation = "Backoff time in milliseconds between connection "   \
                          "attempts.",                                         \
         .group = group_name, .order = 5, .width = SL_CFG_WIDTH_SHORT,         \
         .display_name = "JDBC connection backoff in milliseconds",            \
         .flags = SL_CFG_MIN, .min = 0}

/* ---------------------------------------------------------- pg_common.c */

typedef struct pg_url {
        char *conninfo; /* libpq keyword/value string */
        char *dbname;   /* for source partitions "<db>.<schema>.<table>" */
        char *display;  /* host:port/db, no credentials, for messages */
} pg_url_t;

/* Parse jdbc:postgresql://host[:port][,host2...]/db[?k=v&...] (also
 * jdbc:postgresql:db and jdbc:postgresql:/, as pgjdbc does). user and
 * password are used unless the URL names its own (URL parameters win, as
 * in pgjdbc). connect_timeout_s <= 0 leaves libpq's default. */
int pg_url_parse(const char *url, const char *user, const char *password,
                 int connect_timeout_s, pg_url_t *out, char *errstr,
                 size_t errstr_size);
void pg_url_free(pg_url_t *u);
int pg_url_validator(const char *name, const char *value, char *errstr,
                     size_t errstr_size);

typedef struct pg_conn_opts {
        const char *url, *user, *password;
        int attempts;
        int64_t backoff_ms;
        const char *timezone; /* session TimeZone; NULL: UTC */
} pg_conn_opts_t;

/* Options from a connector config (connection.* keys). */
void pg_conn_opts_from_config(const sl_strmap_t *cfg, pg_conn_opts_t *o);

/* Connect, trying attempts times with backoff_ms in between (cut short by
 * sl_task_stopping), and set the session's TimeZone. NULL with errstr
 * naming the server and libpq's reason. *dbname (optional) gets a copy of
 * the database name. */
PGconn *pg_connect(sl_task_ctx_t *ctx, const pg_conn_opts_t *o,
                   char **dbname, char *errstr, size_t errstr_size);

/* Send a statement and wait for its result without blocking past
 * sl_task_stopping() (the statement is cancelled then). Returns the last
 * result (the caller PQclears it) or NULL when the connection failed;
 * errstr then holds the reason. A result with an error status is returned
 * as is (errstr also set) so callers can look at its SQLSTATE. */
PGresult *pg_exec(sl_task_ctx_t *ctx, PGconn *conn, const char *sql,
                  int nparams, const char *const *params, char *errstr,
                  size_t errstr_size);
/* The rest of pg_exec after a PQsend* call. */
PGresult *pg_collect(sl_task_ctx_t *ctx, PGconn *conn, char *errstr,
                     size_t errstr_size);
/* errstr from a failed result (NULL: the connection's message). */
void pg_result_error(const PGresult *res, PGconn *conn, char *errstr,
                     size_t errstr_size);
/* pg_exec for statements that return nothing interesting: 0, or
 * SL_ERR_RETRIABLE for transient failures and SL_ERR_IO for others. */
int pg_exec_cmd(sl_task_ctx_t *ctx, PGconn *conn, const char *sql,
                int nparams, const char *const *params, char *errstr,
                size_t errstr_size);
/* Whether a failure (res may be NULL) is worth retrying on a new
 * connection: the connection broke, or a serialization failure,
 * deadlock, admin shutdown or too many connections. */
bool pg_is_transient(PGconn *conn, const PGresult *res);
/* Wait (poll) for the connection's socket: events POLLIN/POLLOUT. */
int pg_wait_socket(PGconn *conn, short events, int timeout_ms);

/* Append an identifier quoted for SQL ("a""b"); a "schema.table" name is
 * quoted per part when split_dots. */
int pg_quote_ident(sl_buf_t *out, const char *name, bool split_dots);

/* ----------------------------------------------------------- pg_types.c */

typedef enum pg_numeric_mapping {
        PG_NUMERIC_NONE = 0,
        PG_NUMERIC_PRECISION_ONLY,
        PG_NUMERIC_BEST_FIT,
} pg_numeric_mapping_t;

int pg_numeric_mapping_parse(const char *s, pg_numeric_mapping_t *out);

/* The Connect schema of a column of type oid/typmod (as PQftype/PQfmod
 * give them): a new object {"type":..,"optional":..[,"name",
 * "parameters"]} without the "field" key. */
sl_json_t *pg_column_schema(unsigned oid, int typmod, bool optional,
                            pg_numeric_mapping_t mapping);

/* Convert one value in PostgreSQL's text output format to the Connect
 * value that schema (from pg_column_schema for oid) describes. 0 or
 * SL_ERR_PARSE with a message. */
int pg_text_to_value(unsigned oid, const sl_json_t *schema, const char *text,
                     size_t len, sl_json_t **out, char *errstr,
                     size_t errstr_size);

/* Calendar helpers (proleptic Gregorian, UTC). */
int64_t pg_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Parse "YYYY-MM-DD[ HH:MM:SS[.ffffff]][+hh[:mm]| BC]" into microseconds
 * since the epoch. 0 or SL_ERR_PARSE. */
int pg_parse_timestamp_us(const char *s, size_t len, int64_t *us);
/* Format microseconds since the epoch as "YYYY-MM-DD HH:MM:SS.ffffff+00". */
int pg_format_timestamp_us(int64_t us, sl_buf_t *out);

/* Decimal text <-> unscaled big-endian two's complement at scale. */
int pg_decimal_to_bytes(const char *text, size_t len, int32_t scale,
                        sl_buf_t *out, char *errstr, size_t errstr_size);
int pg_bytes_to_decimal(const unsigned char *b, size_t n, int32_t scale,
                        sl_buf_t *out);

/* The PostgreSQL column type for a Connect field schema (CREATE TABLE /
 * ALTER TABLE ADD COLUMN), or NULL for types without one (map, array,
 * struct). */
const char *pg_sql_type(const sl_json_t *schema);
/* Append the text form PostgreSQL accepts for Connect value v of schema,
 * as a statement parameter. SL_ERR_CONVERT with a message for values that
 * have no column form (maps, arrays, structs). */
int pg_value_to_text(const sl_json_t *schema, const sl_json_t *v,
                     sl_buf_t *out, char *errstr, size_t errstr_size);

#endif
