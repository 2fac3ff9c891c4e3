/* Unit tests of the JDBC connectors' shared parts: JDBC URL -> conninfo,
 * PostgreSQL type mapping and text <-> Connect value conversion. */
#include <stdlib.h>
#include <string.h>

#include "postgres/pg_common.h"
#include "sl_test.h"

static char *conninfo(const char *url, const char *user, const char *pw,
                      char *err, size_t errlen)
{
        pg_url_t u;
        char *ci;
        if (pg_url_parse(url, user, pw, 7, &u, err, errlen) < 0)
                return NULL;
        ci = strdup(u.conninfo);
        pg_url_free(&u);
        return ci;
}

static void test_url_basic(void)
{
        char err[256] = "";
        pg_url_t u;
        CHECK_INT(pg_url_parse("jdbc:postgresql://db.example:6543/sales",
                               "bob", "s'e\\cret", 5, &u, err, sizeof(err)),
                  0);
        CHECK_STR(u.conninfo, "host='db.example' port='6543' dbname='sales' "
                              "user='bob' password='s\\'e\\\\cret' "
                              "connect_timeout='5'");
        CHECK_STR(u.dbname, "sales");
        CHECK_STR(u.display, "db.example:6543/sales");
        pg_url_free(&u);
}

static void test_url_params_win_and_decode(void)
{
        char err[256] = "";
        char *ci = conninfo("jdbc:postgresql://h/my%20db?user=al%40ice&"
                            "password=p%26w&sslmode=require&"
                            "currentSchema=s1&unknownKey=1",
                            "ignored", "ignored", err, sizeof(err));
        CHECK_STR(ci, "host='h' port='5432' dbname='my db' user='al@ice' "
                      "password='p&w' connect_timeout='7' sslmode='require' "
                      "options='-c search_path=s1'");
        free(ci);
}

static void test_url_hosts_and_short_forms(void)
{
        char err[256] = "";
        char *ci = conninfo("jdbc:postgresql://a:1,[::1]:2,b/d", NULL, NULL,
                            err, sizeof(err));
        CHECK_STR(ci, "host='a,::1,b' port='1,2,5432' dbname='d' "
                      "connect_timeout='7'");
        free(ci);
        ci = conninfo("jdbc:postgresql:mydb", NULL, NULL, err, sizeof(err));
        CHECK_STR(ci, "host='localhost' port='5432' dbname='mydb' "
                      "connect_timeout='7'");
        free(ci);
        /* no database: libpq's default (the user name) */
        ci = conninfo("jdbc:postgresql://h:5/", "u", NULL, err, sizeof(err));
        CHECK_STR(ci, "host='h' port='5' user='u' connect_timeout='7'");
        free(ci);
}

static void test_url_errors(void)
{
        char err[256] = "";
        CHECK(!conninfo("jdbc:mysql://h/db", NULL, NULL, err, sizeof(err)));
        CHECK_CONTAINS(err, "must start with jdbc:postgresql:");
        CHECK(!conninfo("jdbc:postgresql://h:port/db", NULL, NULL, err,
                        sizeof(err)));
        CHECK_CONTAINS(err, "Invalid port");
        CHECK(!conninfo("jdbc:postgresql://host-only", NULL, NULL, err,
                        sizeof(err)));
        CHECK_CONTAINS(err, "jdbc:postgresql://host[:port]/database");
        CHECK(!conninfo("jdbc:postgresql://h/db?user=%zz", NULL, NULL, err,
                        sizeof(err)));
        CHECK_CONTAINS(err, "escape");
        CHECK_INT(pg_url_validator("connection.url", "jdbc:x", err,
                                   sizeof(err)),
                  SL_ERR_CONFIG);
        CHECK_INT(pg_url_validator("connection.url",
                                   "jdbc:postgresql://h/d", err, sizeof(err)),
                  0);
}

static char *schema_text(unsigned oid, int typmod, bool optional,
                         pg_numeric_mapping_t m)
{
        sl_json_t *s = pg_column_schema(oid, typmod, optional, m);
        char *t = s ? sl_json_to_string(s) : NULL;
        sl_json_free(s);
        return t;
}

#define NUMERIC_TYPMOD(p, s) ((((p) << 16) | (s)) + 4)

static void test_column_schemas(void)
{
        struct {
                unsigned oid;
                int typmod;
                pg_numeric_mapping_t m;
                const char *want;
        } cases[] = {
                {PG_OID_INT2, -1, 0, "{\"type\":\"int16\",\"optional\":false}"},
                {PG_OID_INT4, -1, 0, "{\"type\":\"int32\",\"optional\":false}"},
                {PG_OID_INT8, -1, 0, "{\"type\":\"int64\",\"optional\":false}"},
                {PG_OID_FLOAT4, -1, 0,
                 "{\"type\":\"float32\",\"optional\":false}"},
                {PG_OID_BOOL, -1, 0,
                 "{\"type\":\"boolean\",\"optional\":false}"},
                {PG_OID_VARCHAR, 24, 0,
                 "{\"type\":\"string\",\"optional\":false}"},
                {PG_OID_JSONB, -1, 0,
                 "{\"type\":\"string\",\"optional\":false}"},
                {PG_OID_BYTEA, -1, 0, "{\"type\":\"bytes\",\"optional\":false}"},
                {PG_OID_DATE, -1, 0,
                 "{\"type\":\"int32\",\"optional\":false,\"name\":"
                 "\"org.apache.kafka.connect.data.Date\",\"version\":1}"},
                {PG_OID_TIMESTAMPTZ, -1, 0,
                 "{\"type\":\"int64\",\"optional\":false,\"name\":"
                 "\"org.apache.kafka.connect.data.Timestamp\",\"version\":1}"},
                {PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 2), PG_NUMERIC_NONE,
                 "{\"type\":\"bytes\",\"optional\":false,\"name\":"
                 "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                 "\"parameters\":{\"scale\":\"2\","
                 "\"connect.decimal.precision\":\"10\"}}"},
                {PG_OID_NUMERIC, NUMERIC_TYPMOD(4, 0), PG_NUMERIC_BEST_FIT,
                 "{\"type\":\"int16\",\"optional\":false}"},
                {PG_OID_NUMERIC, NUMERIC_TYPMOD(18, 0), PG_NUMERIC_BEST_FIT,
                 "{\"type\":\"int64\",\"optional\":false}"},
                {PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 2), PG_NUMERIC_BEST_FIT,
                 "{\"type\":\"float64\",\"optional\":false}"},
                {PG_OID_NUMERIC, NUMERIC_TYPMOD(9, 0),
                 PG_NUMERIC_PRECISION_ONLY,
                 "{\"type\":\"int32\",\"optional\":false}"},
                /* 19 digits no longer fit an int64 */
                {PG_OID_NUMERIC, NUMERIC_TYPMOD(19, 0), PG_NUMERIC_BEST_FIT,
                 "{\"type\":\"bytes\",\"optional\":false,\"name\":"
                 "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
                 "\"parameters\":{\"scale\":\"0\","
                 "\"connect.decimal.precision\":\"19\"}}"},
                /* unconstrained: no fixed scale, keep the exact text */
                {PG_OID_NUMERIC, -1, PG_NUMERIC_BEST_FIT,
                 "{\"type\":\"string\",\"optional\":false}"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *t = schema_text(cases[i].oid, cases[i].typmod, false,
                                      cases[i].m);
                CHECK_STR(t, cases[i].want);
                free(t);
        }
        char *t = schema_text(PG_OID_TEXT, -1, true, 0);
        CHECK_STR(t, "{\"type\":\"string\",\"optional\":true}");
        free(t);
        pg_numeric_mapping_t m;
        CHECK_INT(pg_numeric_mapping_parse("best_fit", &m), 0);
        CHECK_INT(m, PG_NUMERIC_BEST_FIT);
        CHECK_INT(pg_numeric_mapping_parse("bogus", &m), SL_ERR_CONFIG);
}

/* text -> value, rendered as JSON */
static char *convert(unsigned oid, int typmod, pg_numeric_mapping_t m,
                     const char *text, char *err, size_t errlen)
{
        sl_json_t *s = pg_column_schema(oid, typmod, true, m), *v = NULL;
        char *out = NULL;
        if (pg_text_to_value(oid, s, text, strlen(text), &v, err, errlen) ==
            0)
                out = sl_json_to_string(v);
        sl_json_free(v);
        sl_json_free(s);
        return out;
}

static void check_conv(unsigned oid, int typmod, pg_numeric_mapping_t m,
                       const char *text, const char *want, int line)
{
        char err[256] = "";
        char *got = convert(oid, typmod, m, text, err, sizeof(err));
        if (!got || strcmp(got, want)) {
                fprintf(stderr, "line %d: %s -> %s (%s), want %s\n", line,
                        text, got ? got : "(null)", err, want);
                sl_test_failures++;
        }
        free(got);
}

#define CONV(oid, typmod, m, text, want)                                       \
        check_conv(oid, typmod, m, text, want, __LINE__)

static void test_text_to_value(void)
{
        CONV(PG_OID_INT2, -1, 0, "-32768", "-32768");
        CONV(PG_OID_INT8, -1, 0, "9223372036854775807", "9223372036854775807");
        CONV(PG_OID_FLOAT8, -1, 0, "1.5", "1.5");
        {
                /* JSON text has no infinity: look at the node */
                sl_json_t *fs = pg_column_schema(PG_OID_FLOAT8, -1, true, 0);
                sl_json_t *v = NULL;
                char e[64];
                CHECK_INT(pg_text_to_value(PG_OID_FLOAT8, fs, "-Infinity", 9,
                                           &v, e, sizeof(e)),
                          0);
                CHECK(v && v->type == SL_JSON_DOUBLE && v->u.d < -1e308);
                sl_json_free(v);
                sl_json_free(fs);
        }
        CONV(PG_OID_BOOL, -1, 0, "t", "true");
        CONV(PG_OID_BOOL, -1, 0, "f", "false");
        CONV(PG_OID_TEXT, -1, 0, "h\xc3\xa9llo", "\"h\xc3\xa9llo\"");
        CONV(PG_OID_UUID, -1, 0, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
             "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
        /* bytes are written as base64 */
        CONV(PG_OID_BYTEA, -1, 0, "\\x0102ff", "\"AQL/\"");
        CONV(PG_OID_DATE, -1, 0, "1970-01-01", "0");
        CONV(PG_OID_DATE, -1, 0, "2000-01-02", "10958");
        CONV(PG_OID_DATE, -1, 0, "1969-12-31", "-1");
        CONV(PG_OID_TIME, -1, 0, "13:14:15.123456", "47655123");
        CONV(PG_OID_TIMESTAMP, -1, 0, "2024-05-06 07:08:09.5",
             "1714979289500");
        CONV(PG_OID_TIMESTAMPTZ, -1, 0, "2024-05-06 09:08:09.5+02",
             "1714979289500");
        CONV(PG_OID_TIMESTAMPTZ, -1, 0, "2024-05-06 01:38:09.5-05:30",
             "1714979289500");
        CONV(PG_OID_TIMESTAMP, -1, 0, "1969-12-31 23:59:59.9999", "-1");
        /* Decimal: unscaled big-endian two's complement, base64 */
        CONV(PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 2), 0, "12.34", "\"BNI=\"");
        CONV(PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 2), 0, "-0.50", "\"zg==\"");
        CONV(PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 2), 0, "1.28", "\"AIA=\"");
        CONV(PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 2), 0, "-1.28", "\"gA==\"");
        CONV(PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 2), 0, "0.00", "\"AA==\"");
        CONV(PG_OID_NUMERIC, NUMERIC_TYPMOD(5, 0), PG_NUMERIC_BEST_FIT,
             "-12345", "-12345");
        CONV(PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 3), PG_NUMERIC_BEST_FIT,
             "2.5", "2.5");
        CONV(PG_OID_NUMERIC, -1, 0, "3.14159265358979323846",
             "\"3.14159265358979323846\"");

        char err[256] = "";
        CHECK(!convert(PG_OID_INT4, -1, 0, "12x", err, sizeof(err)));
        CHECK_CONTAINS(err, "'12x'");
        CHECK(!convert(PG_OID_DATE, -1, 0, "infinity", err, sizeof(err)));
        CHECK_CONTAINS(err, "date");
        CHECK(!convert(PG_OID_NUMERIC, NUMERIC_TYPMOD(10, 2), 0, "NaN", err,
                       sizeof(err)));
        CHECK_CONTAINS(err, "NaN");
}

static void test_decimal_roundtrip(void)
{
        const char *vals[] = {"0.00", "1.00", "-1.00", "127.99", "-128.00",
                              "32767.01", "99999999999999999999.99",
                              "-99999999999999999999.99", "0.01", "-0.01"};
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
                sl_buf_t b = SL_BUF_INIT, t = SL_BUF_INIT;
                char err[128];
                CHECK_INT(pg_decimal_to_bytes(vals[i], strlen(vals[i]), 2,
                                              &b, err, sizeof(err)),
                          0);
                CHECK_INT(pg_bytes_to_decimal((unsigned char *)b.data, b.len,
                                              2, &t),
                          0);
                CHECK_STR(t.data, vals[i]);
                sl_buf_free(&b);
                sl_buf_free(&t);
        }
        /* fewer fraction digits than the scale are padded */
        sl_buf_t b = SL_BUF_INIT, t = SL_BUF_INIT;
        char err[128];
        CHECK_INT(pg_decimal_to_bytes("5", 1, 3, &b, err, sizeof(err)), 0);
        CHECK_INT(b.len, 2); /* 5000 = 0x1388 */
        CHECK_INT((unsigned char)b.data[0], 0x13);
        CHECK_INT(pg_bytes_to_decimal((unsigned char *)b.data, b.len, 3, &t),
                  0);
        CHECK_STR(t.data, "5.000");
        sl_buf_free(&b);
        sl_buf_free(&t);
        CHECK_INT(pg_decimal_to_bytes("1.234", 5, 2, &b, err, sizeof(err)),
                  SL_ERR_PARSE);
        CHECK_CONTAINS(err, "more than 2 fraction digits");
        sl_buf_free(&b);
}

static char *to_text(const char *schema_json, const char *value_json)
{
        sl_json_t *s = sl_json_parse(schema_json, strlen(schema_json), NULL, 0);
        sl_json_t *v = sl_json_parse(value_json, strlen(value_json), NULL, 0);
        sl_buf_t out = SL_BUF_INIT;
        char err[128];
        char *r = NULL;

        if (s && v && s && sl_json_object_get_str(s, "type") &&
            !strcmp(sl_json_object_get_str(s, "type"), "bytes") &&
            v->type == SL_JSON_STRING) {
                /* JSON has no bytes: decode the base64 as the converter
                 * would */
                sl_buf_t raw = SL_BUF_INIT;
                sl_base64_decode(v->u.str.ptr, v->u.str.len, &raw);
                sl_json_free(v);
                v = sl_json_bytes(raw.data ? raw.data : "", raw.len);
                sl_buf_free(&raw);
        }
        if (s && v && pg_value_to_text(s, v, &out, err, sizeof(err)) == 0)
                r = sl_buf_detach(&out, NULL);
        sl_buf_free(&out);
        sl_json_free(s);
        sl_json_free(v);
        return r;
}

static void test_value_to_text_and_sql_types(void)
{
        char *t;
#define TXT(schema, value, want)                                               \
        do {                                                                   \
                t = to_text(schema, value);                                    \
                CHECK_STR(t, want);                                            \
                free(t);                                                       \
        } while (0)
        TXT("{\"type\":\"int32\"}", "42", "42");
        TXT("{\"type\":\"boolean\"}", "true", "true");
        TXT("{\"type\":\"float64\"}", "0.1", "0.10000000000000001");
        TXT("{\"type\":\"string\"}", "\"it's\"", "it's");
        TXT("{\"type\":\"bytes\"}", "\"AQL/\"", "\\x0102ff");
        TXT("{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data."
            "Date\"}", "10958", "2000-01-02");
        TXT("{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data."
            "Time\"}", "47655123", "13:14:15.123");
        TXT("{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data."
            "Timestamp\"}", "1714979289500",
            "2024-05-06 07:08:09.500000+00");
        TXT("{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data."
            "Timestamp\"}", "-1", "1969-12-31 23:59:59.999000+00");
        TXT("{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data."
            "Decimal\",\"parameters\":{\"scale\":\"2\"}}", "\"zg==\"",
            "-0.50");
        CHECK(!to_text("{\"type\":\"array\"}", "[1]"));

        struct {
                const char *schema, *sql;
        } types[] = {
                {"{\"type\":\"int8\"}", "SMALLINT"},
                {"{\"type\":\"int32\"}", "INT"},
                {"{\"type\":\"int64\"}", "BIGINT"},
                {"{\"type\":\"float32\"}", "REAL"},
                {"{\"type\":\"string\"}", "TEXT"},
                {"{\"type\":\"bytes\"}", "BYTEA"},
                {"{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect."
                 "data.Decimal\"}", "DECIMAL"},
                {"{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect."
                 "data.Timestamp\"}", "TIMESTAMP"},
                {"{\"type\":\"map\"}", NULL},
        };
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                sl_json_t *s = sl_json_parse(types[i].schema,
                                             strlen(types[i].schema), NULL, 0);
                const char *got = pg_sql_type(s);
                if (types[i].sql)
                        CHECK_STR(got, types[i].sql);
                else
                        CHECK(got == NULL);
                sl_json_free(s);
        }
}

static void test_timestamps(void)
{
        int64_t us;
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(pg_parse_timestamp_us("0001-01-01 00:00:00 BC", 22, &us), 0);
        CHECK_INT(pg_format_timestamp_us(us, &b), 0);
        CHECK_STR(b.data, "0001-01-01 00:00:00.000000+00 BC");
        sl_buf_reset(&b);
        CHECK_INT(pg_parse_timestamp_us("2024-02-29 23:59:59.999999", 26,
                                        &us),
                  0);
        CHECK_INT(pg_format_timestamp_us(us, &b), 0);
        CHECK_STR(b.data, "2024-02-29 23:59:59.999999+00");
        CHECK_INT(pg_parse_timestamp_us("2024-02-29 junk", 15, &us),
                  SL_ERR_PARSE);
        CHECK_INT(pg_days_from_civil(2000, 3, 1), 11017);
        sl_buf_free(&b);
}

static void test_quote_ident(void)
{
        sl_buf_t b = SL_BUF_INIT;
        pg_quote_ident(&b, "we\"ird.t", false);
        CHECK_STR(b.data, "\"we\"\"ird.t\"");
        sl_buf_reset(&b);
        pg_quote_ident(&b, "s.t", true);
        CHECK_STR(b.data, "\"s\".\"t\"");
        sl_buf_free(&b);
}

static void test_connect_refused_is_clear(void)
{
        /* nothing listens on port 1 */
        pg_conn_opts_t o = {.url = "jdbc:postgresql://127.0.0.1:1/db",
                            .attempts = 2, .backoff_ms = 10};
        char err[512] = "";
        PGconn *c = pg_connect(NULL, &o, NULL, err, sizeof(err));
        CHECK(c == NULL);
        CHECK_CONTAINS(err, "Cannot connect to PostgreSQL at 127.0.0.1:1/db");
}

int main(void)
{
        RUN(test_url_basic);
        RUN(test_url_params_win_and_decode);
        RUN(test_url_hosts_and_short_forms);
        RUN(test_url_errors);
        RUN(test_column_schemas);
        RUN(test_text_to_value);
        RUN(test_decimal_roundtrip);
        RUN(test_value_to_text_and_sql_types);
        RUN(test_timestamps);
        RUN(test_quote_ident);
        RUN(test_connect_refused_is_clear);
        TEST_MAIN_END();
}
