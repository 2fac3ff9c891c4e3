/*
 * Connecting to PostgreSQL the way the JDBC connectors' users describe it
 * (a jdbc:postgresql: URL plus connection.* keys), and running statements
 * through libpq's asynchronous calls so a task never blocks past
 * sl_task_stopping() waiting for the server.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "postgres/pg_common.h"

#define PG_LOGGER "JdbcConnection"
#define JDBC_PREFIX "jdbc:postgresql:"
/* Waits are cut into slices this long to notice a stopping task. */
#define SLICE_MS 100
#define DEFAULT_CONNECT_TIMEOUT_S 10

int pg_wait_socket(PGconn *conn, short events, int timeout_ms)
{
        struct pollfd p = {.fd = PQsocket(conn), .events = events};
        int r;
        if (p.fd < 0)
                return SL_ERR_IO;
        do
                r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        return r < 0 ? -errno : r;
}

/* ------------------------------------------------------------ the URL */

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = tolower(c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* Percent-decode s[0..n) (pgjdbc decodes URL parts as UTF-8). */
static int url_decode(const char *s, size_t n, sl_buf_t *out)
{
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '%') {
                        int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
                        int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
                        if (hi < 0 || lo < 0)
                                return SL_ERR_PARSE;
                        if (sl_buf_putc(out, (char)(hi << 4 | lo)) < 0)
                                return SL_ERR_NOMEM;
                        i += 2;
                } else if (sl_buf_putc(out, s[i]) < 0) {
                        return SL_ERR_NOMEM;
                }
        }
        return 0;
}

/* Append key='value' with libpq's quoting. */
static int conninfo_add(sl_buf_t *ci, const char *key, const char *val,
                        size_t n)
{
        int r = sl_buf_printf(ci, "%s%s='", ci->len ? " " : "", key);
        for (size_t i = 0; r == 0 && i < n; i++) {
                if (val[i] == '\'' || val[i] == '\\')
                        r = sl_buf_putc(ci, '\\');
                if (r == 0)
                        r = sl_buf_putc(ci, val[i]);
        }
        return r < 0 ? r : sl_buf_putc(ci, '\'');
}

/* "h1[:p1],[v6]:p2" -> libpq host=h1,v6 port=p1,p2 */
static int parse_hosts(const char *s, size_t n, sl_buf_t *hosts,
                       sl_buf_t *ports, char *errstr, size_t errstr_size)
{
        size_t i = 0;
        sl_buf_t pbuf = SL_BUF_INIT;
        int r = 0;

        while (i <= n && r == 0) {
                size_t end = i, hs, he;
                const char *port = NULL;
                size_t plen = 0;

                if (i < n && s[i] == '[') {
                        while (end < n && s[end] != ']')
                                end++;
                        if (end >= n) {
                                r = sl_seterr(errstr, errstr_size,
                                              SL_ERR_CONFIG,
                                              "Unterminated IPv6 address "
                                              "in the JDBC URL");
                                break;
                        }
                        hs = i + 1;
                        he = end;
                        end++;
                } else {
                        while (end < n && s[end] != ':' && s[end] != ',')
                                end++;
                        hs = i;
                        he = end;
                }
                if (end < n && s[end] == ':') {
                        port = s + end + 1;
                        end++;
                        while (end < n && s[end] != ',')
                                end++;
                        plen = (size_t)(s + end - port);
                        for (size_t k = 0; k < plen; k++)
                                if (!isdigit((unsigned char)port[k]))
                                        plen = 0, port = "";
                        if (!plen)
                                r = sl_seterr(errstr, errstr_size,
                                              SL_ERR_CONFIG,
                                              "Invalid port number in the "
                                              "JDBC URL");
                }
                if (r == 0 && end < n && s[end] != ',')
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Invalid host list in the JDBC URL");
                if (r)
                        break;
                if (hosts->len)
                        sl_buf_putc(hosts, ',');
                if (he > hs)
                        sl_buf_append(hosts, s + hs, he - hs);
                else
                        sl_buf_puts(hosts, "localhost");
                if (i > 0)
                        sl_buf_putc(&pbuf, ',');
                if (port)
                        sl_buf_append(&pbuf, port, plen);
                else
                        sl_buf_puts(&pbuf, "5432");
                i = end + 1;
        }
        if (r == 0)
                r = sl_buf_append(ports, pbuf.data ? pbuf.data : "", pbuf.len);
        sl_buf_free(&pbuf);
        return r;
}

typedef struct url_params {
        sl_buf_t user, password, extra; /* extra: more conninfo pairs */
        bool has_user, has_password, has_timeout;
} url_params_t;

static int url_param(url_params_t *p, const char *k, size_t klen,
                     const char *v, size_t vlen, char *errstr,
                     size_t errstr_size)
{
        sl_buf_t key = SL_BUF_INIT, val = SL_BUF_INIT;
        int r = url_decode(k, klen, &key);
        if (r == 0)
                r = url_decode(v, vlen, &val);
        if (r < 0) {
                sl_buf_free(&key);
                sl_buf_free(&val);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid %%-escape in the JDBC URL");
        }
        const char *kk = key.data ? key.data : "";
        const char *vv = val.data ? val.data : "";
        if (!strcmp(kk, "user")) {
                sl_buf_reset(&p->user);
                r = sl_buf_puts(&p->user, vv);
                p->has_user = true;
        } else if (!strcmp(kk, "password")) {
                sl_buf_reset(&p->password);
                r = sl_buf_puts(&p->password, vv);
                p->has_password = true;
        } else if (!strcmp(kk, "sslmode")) {
                r = conninfo_add(&p->extra, "sslmode", vv, val.len);
        } else if (!strcmp(kk, "ssl")) {
                if (!strcasecmp(vv, "true") || !*vv)
                        r = conninfo_add(&p->extra, "sslmode", "require", 7);
        } else if (!strcmp(kk, "connectTimeout")) {
                r = conninfo_add(&p->extra, "connect_timeout", vv, val.len);
                p->has_timeout = true;
        } else if (!strcmp(kk, "ApplicationName")) {
                r = conninfo_add(&p->extra, "application_name", vv, val.len);
        } else if (!strcmp(kk, "currentSchema")) {
                sl_buf_t o = SL_BUF_INIT;
                sl_buf_printf(&o, "-c search_path=%s", vv);
                r = conninfo_add(&p->extra, "options", o.data, o.len);
                sl_buf_free(&o);
        } else if (!strcmp(kk, "options")) {
                r = conninfo_add(&p->extra, "options", vv, val.len);
        } else {
                sl_debug(PG_LOGGER, "JDBC URL parameter %s is not used", kk);
        }
        sl_buf_free(&key);
        sl_buf_free(&val);
        return r;
}

void pg_url_free(pg_url_t *u)
{
        if (!u)
                return;
        free(u->conninfo);
        free(u->dbname);
        free(u->display);
        memset(u, 0, sizeof(*u));
}

int pg_url_parse(const char *url, const char *user, const char *password,
                 int connect_timeout_s, pg_url_t *out, char *errstr,
                 size_t errstr_size)
{
        sl_buf_t hosts = SL_BUF_INIT, ports = SL_BUF_INIT, db = SL_BUF_INIT;
        sl_buf_t ci = SL_BUF_INIT, disp = SL_BUF_INIT;
        url_params_t p = {SL_BUF_INIT, SL_BUF_INIT, SL_BUF_INIT, false,
                          false, false};
        const char *s, *q, *path;
        int r = 0;

        memset(out, 0, sizeof(*out));
        if (!url || strncmp(url, JDBC_PREFIX, strlen(JDBC_PREFIX)) != 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "No suitable driver found for %s: the URL "
                                 "must start with jdbc:postgresql:",
                                 url ? url : "(null)");
        s = url + strlen(JDBC_PREFIX);
        q = strchr(s, '?');
        if (!q)
                q = s + strlen(s);
        if (!strncmp(s, "//", 2)) {
                const char *h = s + 2;
                path = memchr(h, '/', (size_t)(q - h));
                if (!path) {
                        r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                      "Invalid JDBC URL %s: expected "
                                      "jdbc:postgresql://host[:port]/"
                                      "database", url);
                        goto out;
                }
                r = parse_hosts(h, (size_t)(path - h), &hosts, &ports,
                                errstr, errstr_size);
                if (r)
                        goto out;
                path++;
        } else {
                sl_buf_puts(&hosts, "localhost");
                sl_buf_puts(&ports, "5432");
                path = *s == '/' ? s + 1 : s;
        }
        if (url_decode(path, (size_t)(q - path), &db) < 0) {
                r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                              "Invalid %%-escape in the JDBC URL database");
                goto out;
        }
        if (db.data && strchr(db.data, '/')) {
                r = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                              "Invalid JDBC URL %s: the database name "
                              "cannot contain '/'", url);
                goto out;
        }
        for (const char *a = *q ? q + 1 : q; *a && r == 0;) {
                const char *amp = strchr(a, '&'), *eq;
                if (!amp)
                        amp = a + strlen(a);
                eq = memchr(a, '=', (size_t)(amp - a));
                if (amp > a)
                        r = url_param(&p, a, (size_t)((eq ? eq : amp) - a),
                                      eq ? eq + 1 : amp,
                                      eq ? (size_t)(amp - eq - 1) : 0,
                                      errstr, errstr_size);
                a = *amp ? amp + 1 : amp;
        }
        if (r)
                goto out;
        if (!p.has_user && user && *user) {
                sl_buf_puts(&p.user, user);
                p.has_user = true;
        }
        if (!p.has_password && password && *password) {
                sl_buf_puts(&p.password, password);
                p.has_password = true;
        }
        r = conninfo_add(&ci, "host", hosts.data, hosts.len);
        if (r == 0)
                r = conninfo_add(&ci, "port", ports.data, ports.len);
        if (r == 0 && db.len)
                r = conninfo_add(&ci, "dbname", db.data, db.len);
        if (r == 0 && p.has_user)
                r = conninfo_add(&ci, "user", p.user.data ? p.user.data : "",
                                 p.user.len);
        if (r == 0 && p.has_password)
                r = conninfo_add(&ci, "password",
                                 p.password.data ? p.password.data : "",
                                 p.password.len);
        if (r == 0 && !p.has_timeout && connect_timeout_s > 0)
                r = sl_buf_printf(&ci, " connect_timeout='%d'",
                                  connect_timeout_s);
        if (r == 0 && p.extra.len)
                r = sl_buf_printf(&ci, " %s", p.extra.data);
        if (r == 0)
                r = sl_buf_printf(&disp, "%s:%s/%s", hosts.data, ports.data,
                                  db.data ? db.data : "");
        if (r < 0) {
                r = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                              "Out of memory");
                goto out;
        }
        out->conninfo = sl_buf_detach(&ci, NULL);
        out->display = sl_buf_detach(&disp, NULL);
        if (db.len)
                out->dbname = sl_buf_detach(&db, NULL);
        else
                out->dbname = strdup(p.has_user && p.user.data ? p.user.data
                                                               : "postgres");
out:
        sl_buf_free(&hosts);
        sl_buf_free(&ports);
        sl_buf_free(&db);
        sl_buf_free(&ci);
        sl_buf_free(&disp);
        sl_buf_free(&p.user);
        sl_buf_free(&p.password);
        sl_buf_free(&p.extra);
        if (r)
                pg_url_free(out);
        return r;
}

int pg_url_validator(const char *name, const char *value, char *errstr,
                     size_t errstr_size)
{
        pg_url_t u;
        char err[512];
        (void)name;
        if (!value || !*value)
                return 0; /* REQUIRED/NONEMPTY report that */
        if (pg_url_parse(value, NULL, NULL, 0, &u, err, sizeof(err)) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "%s",
                                 err);
        pg_url_free(&u);
        return 0;
}

/* ------------------------------------------------------- connecting */

void pg_conn_opts_from_config(const sl_strmap_t *cfg, pg_conn_opts_t *o)
{
        memset(o, 0, sizeof(*o));
        o->url = sl_config_str(cfg, "connection.url");
        o->user = sl_config_str(cfg, "connection.user");
        o->password = sl_config_str(cfg, "connection.password");
        o->attempts = (int)sl_config_long(cfg, "connection.attempts", 3);
        if (o->attempts < 1)
                o->attempts = 1;
        o->backoff_ms = sl_config_long(cfg, "connection.backoff.ms", 10000);
        o->timezone = sl_config_str(cfg, "db.timezone");
}

/* One asynchronous connection attempt (PQconnectStart/PQconnectPoll). */
static PGconn *connect_once(sl_task_ctx_t *ctx, const char *conninfo)
{
        PGconn *c = PQconnectStart(conninfo);
        PostgresPollingStatusType st = PGRES_POLLING_WRITING;

        if (!c || PQstatus(c) == CONNECTION_BAD)
                return c;
        while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
                short ev = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
                int w = 0;
                /* connect_timeout bounds the attempt in libpq; the slices
                 * only let a stopping task give up early. */
                while (w == 0 && !sl_task_stopping(ctx))
                        w = pg_wait_socket(c, ev, SLICE_MS);
                if (w <= 0)
                        break;
                st = PQconnectPoll(c);
        }
        return c;
}

static void trim_msg(char *s)
{
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
                s[--n] = '\0';
}

PGconn *pg_connect(sl_task_ctx_t *ctx, const pg_conn_opts_t *o,
                   char **dbname, char *errstr, size_t errstr_size)
{
        pg_url_t u;
        PGconn *c = NULL;
        char msg[1024] = "";

        if (pg_url_parse(o->url, o->user, o->password,
                         DEFAULT_CONNECT_TIMEOUT_S, &u, errstr,
                         errstr_size) < 0)
                return NULL;
        for (int attempt = 1; attempt <= o->attempts; attempt++) {
                c = connect_once(ctx, u.conninfo);
                if (c && PQstatus(c) == CONNECTION_OK)
                        break;
                snprintf(msg, sizeof(msg), "%s",
                         c ? PQerrorMessage(c) : "out of memory");
                trim_msg(msg);
                PQfinish(c);
                c = NULL;
                if (sl_task_stopping(ctx))
                        break;
                sl_warn(PG_LOGGER, "Connection attempt %d of %d to %s "
                        "failed: %s", attempt, o->attempts, u.display, msg);
                if (attempt < o->attempts && sl_task_sleep(ctx, o->backoff_ms))
                        break;
        }
        if (!c) {
                sl_seterr(errstr, errstr_size, SL_ERR_RETRIABLE,
                          "Cannot connect to PostgreSQL at %s: %s",
                          u.display, *msg ? msg : "task stopping");
                pg_url_free(&u);
                return NULL;
        }
        PQsetnonblocking(c, 1);
        {
                const char *tz = o->timezone && *o->timezone ? o->timezone
                                                             : "UTC";
                const char *params[] = {tz};
                if (pg_exec_cmd(ctx, c,
                                "SELECT pg_catalog.set_config('TimeZone', "
                                "$1, false), pg_catalog.set_config("
                                "'DateStyle', 'ISO, MDY', false), "
                                "pg_catalog.set_config('extra_float_digits'"
                                ", '3', false)",
                                1, params, errstr, errstr_size) < 0) {
                        PQfinish(c);
                        pg_url_free(&u);
                        return NULL;
                }
        }
        if (dbname)
                *dbname = strdup(PQdb(c));
        pg_url_free(&u);
        return c;
}

/* ------------------------------------------------------- statements */

static void set_result_error(const PGresult *res, PGconn *conn, char *errstr,
                             size_t errstr_size)
{
        const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                            : NULL;
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
                                : NULL;
        const char *detail = res ? PQresultErrorField(res,
                                                      PG_DIAG_MESSAGE_DETAIL)
                                 : NULL;
        if (m)
                sl_seterr(errstr, errstr_size, SL_ERR_IO, "ERROR: %s%s%s%s%s%s",
                          m, detail ? " Detail: " : "", detail ? detail : "",
                          state ? " (SQLSTATE " : "", state ? state : "",
                          state ? ")" : "");
        else {
                char msg[512];
                snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
                trim_msg(msg);
                sl_seterr(errstr, errstr_size, SL_ERR_IO, "%s",
                          *msg ? msg : "connection to the server lost");
        }
}

/* Drive the connection until a whole result set can be read. */
static int wait_results(sl_task_ctx_t *ctx, PGconn *conn, char *errstr,
                        size_t errstr_size)
{
        bool cancelled = false;
        for (;;) {
                int f = PQflush(conn), w;
                if (f < 0)
                        break;
                if (f == 0 && !PQisBusy(conn))
                        return 0;
                w = pg_wait_socket(conn, f ? POLLIN | POLLOUT : POLLIN,
                                   SLICE_MS);
                if (w < 0)
                        break;
                if (w > 0 && !PQconsumeInput(conn))
                        break;
                if (!cancelled && sl_task_stopping(ctx)) {
                        /* Ask the server to stop; the statement then ends
                         * with an error result soon. */
                        PGcancel *cn = PQgetCancel(conn);
                        char e[256];
                        if (cn) {
                                PQcancel(cn, e, sizeof(e));
                                PQfreeCancel(cn);
                        }
                        cancelled = true;
                }
        }
        set_result_error(NULL, conn, errstr, errstr_size);
        return SL_ERR_IO;
}

PGresult *pg_collect(sl_task_ctx_t *ctx, PGconn *conn, char *errstr,
                     size_t errstr_size)
{
        PGresult *last = NULL, *res;

        for (;;) {
                if (wait_results(ctx, conn, errstr, errstr_size) < 0) {
                        PQclear(last);
                        return NULL;
                }
                if (!(res = PQgetResult(conn)))
                        break;
                /* Keep an error over later results: it is what failed. */
                if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
                        PQclear(res);
                        continue;
                }
                PQclear(last);
                last = res;
        }
        if (!last) {
                set_result_error(NULL, conn, errstr, errstr_size);
                return NULL;
        }
        if (PQresultStatus(last) != PGRES_COMMAND_OK &&
            PQresultStatus(last) != PGRES_TUPLES_OK)
                set_result_error(last, conn, errstr, errstr_size);
        return last;
}

PGresult *pg_exec(sl_task_ctx_t *ctx, PGconn *conn, const char *sql,
                  int nparams, const char *const *params, char *errstr,
                  size_t errstr_size)
{
        if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL,
                               0)) {
                set_result_error(NULL, conn, errstr, errstr_size);
                return NULL;
        }
        return pg_collect(ctx, conn, errstr, errstr_size);
}

void pg_result_error(const PGresult *res, PGconn *conn, char *errstr,
                     size_t errstr_size)
{
        set_result_error(res, conn, errstr, errstr_size);
}

bool pg_is_transient(PGconn *conn, const PGresult *res)
{
        const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
                             : NULL;
        if (!conn || PQstatus(conn) != CONNECTION_OK)
                return true;
        if (!res)
                return true;
        if (!st)
                return false;
        return !strncmp(st, "08", 2) ||     /* connection exception */
               !strcmp(st, "40001") ||      /* serialization failure */
               !strcmp(st, "40P01") ||      /* deadlock detected */
               !strcmp(st, "53300") ||      /* too many connections */
               !strncmp(st, "57P0", 4);     /* admin/crash shutdown */
}

int pg_exec_cmd(sl_task_ctx_t *ctx, PGconn *conn, const char *sql,
                int nparams, const char *const *params, char *errstr,
                size_t errstr_size)
{
        PGresult *res = pg_exec(ctx, conn, sql, nparams, params, errstr,
                                errstr_size);
        int r = 0;
        if (!res || (PQresultStatus(res) != PGRES_COMMAND_OK &&
                     PQresultStatus(res) != PGRES_TUPLES_OK))
                r = pg_is_transient(conn, res) ? SL_ERR_RETRIABLE : SL_ERR_IO;
        PQclear(res);
        return r;
}

int pg_quote_ident(sl_buf_t *out, const char *name, bool split_dots)
{
        int r = sl_buf_putc(out, '"');
        for (const char *p = name; r == 0 && *p; p++) {
                if (split_dots && *p == '.')
                        r = sl_buf_puts(out, "\".\"");
                else if (*p == '"')
                        r = sl_buf_puts(out, "\"\"");
                else
                        r = sl_buf_putc(out, *p);
        }
        return r < 0 ? r : sl_buf_putc(out, '"');
}
