/* REST requests for sluicectl: authentication, TLS, 409 retries and the
 * server's error messages. */
#include "ctl.h"
#include "table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/http_client.h"

/* A rebalance usually settles within a few seconds (session timeouts). */
#define RETRIES_409 5
#define BACKOFF_FIRST_MS 250

void sl_ctl_errorf(const char *fmt, ...)
{
        va_list ap;
        fputs("sluicectl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void sleep_ms(int ms)
{
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
                ;
}

/* The server's message of an error body, or NULL. */
static const char *reply_message(sl_ctl_reply_t *r)
{
        if (!r->json && r->len > 0)
                r->json = sl_json_parse(r->body, r->len, NULL, 0);
        return sl_json_object_get_str(r->json, "message");
}

/* Kafka answers 409 for rebalances and for "already exists"; only the
 * former goes away by waiting. */
static bool retriable_409(sl_ctl_reply_t *r)
{
        if (r->status != 409)
                return false;
        const char *m = reply_message(r);
        return !m || !strstr(m, "already exists");
}

/* The reason part of the HTTP client's "METHOD URL: reason". */
static const char *reason(const char *errstr, const char *method,
                          const char *url, const char *path)
{
        size_t ml = strlen(method), ul = strlen(url), pl = strlen(path);
        if (strncmp(errstr, method, ml) == 0 && errstr[ml] == ' ' &&
            strncmp(errstr + ml + 1, url, ul) == 0) {
                const char *p = errstr + ml + 1 + ul;
                if (url[ul - 1] == '/' && path[0] == '/')
                        p--;
                if (strncmp(p, path, pl) == 0 && strncmp(p + pl, ": ", 2) == 0)
                        errstr = p + pl + 2;
        }
        /* "cannot connect to HOST port N: why": the caller names the URL */
        static const char cc[] = "cannot connect to ";
        const char *why = strstr(errstr, ": ");
        if (strncmp(errstr, cc, sizeof(cc) - 1) == 0 && why)
                return why + 2;
        return errstr;
}

int sl_ctl_request(sl_ctl_t *c, const char *method, const char *path,
                   const char *body, sl_ctl_reply_t *r)
{
        const char *headers[3] = {"Accept: application/json", c->auth_header,
                                  NULL};
        int backoff = BACKOFF_FIRST_MS;
        memset(r, 0, sizeof(*r));
        for (int attempt = 0;; attempt++) {
                sl_http_response_t resp = {0};
                char err[1024];
                int rc = sl_http_request_tls(c->tls, c->url, method, path,
                                             headers, body,
                                             body ? strlen(body) : 0,
                                             c->timeout_ms, &resp, err,
                                             sizeof(err));
                if (rc != 0) {
                        const char *why = reason(err, method, c->url, path);
                        if (rc == SL_ERR_TIMEOUT)
                                sl_ctl_errorf("no answer from %s: %s", c->url,
                                              why);
                        else
                                sl_ctl_errorf("cannot connect to %s: %s",
                                              c->url, why);
                        return SL_CTL_EXIT_ERROR;
                }
                r->status = resp.status;
                r->body = resp.body;
                r->len = resp.body_len;
                free(resp.content_type);
                if (!r->body) {
                        r->body = calloc(1, 1);
                        r->len = 0;
                        if (!r->body) {
                                sl_ctl_errorf("out of memory");
                                return SL_CTL_EXIT_ERROR;
                        }
                }
                if (attempt >= RETRIES_409 || !retriable_409(r))
                        return 0;
                sl_ctl_reply_clear(r);
                sleep_ms(backoff);
                backoff *= 2;
        }
}

int sl_ctl_call(sl_ctl_t *c, const char *method, const char *path,
                const char *body, sl_ctl_reply_t *r)
{
        int rc = sl_ctl_request(c, method, path, body, r);
        if (rc != 0)
                return rc;
        if (r->status < 200 || r->status > 299) {
                sl_ctl_report(r);
                return SL_CTL_EXIT_ERROR;
        }
        return 0;
}

void sl_ctl_report(const sl_ctl_reply_t *cr)
{
        sl_ctl_reply_t *r = (sl_ctl_reply_t *)cr;
        const char *m = reply_message(r);
        if (m)
                sl_ctl_errorf("%s", m);
        else if (r->len > 0)
                sl_ctl_errorf("HTTP %d: %.500s", r->status, r->body);
        else
                sl_ctl_errorf("HTTP %d", r->status);
}

const sl_json_t *sl_ctl_reply_json(sl_ctl_reply_t *r)
{
        char err[256];
        if (r->json)
                return r->json;
        r->json = sl_json_parse(r->body, r->len, err, sizeof(err));
        if (!r->json)
                sl_ctl_errorf("the server's answer is not JSON (%s): %.200s",
                              err, r->body);
        return r->json;
}

void sl_ctl_reply_clear(sl_ctl_reply_t *r)
{
        free(r->body);
        sl_json_free(r->json);
        memset(r, 0, sizeof(*r));
}

char *sl_ctl_connector_path(const char *name, const char *suffix)
{
        static const char hex[] = "0123456789ABCDEF";
        sl_buf_t b = SL_BUF_INIT;
        int rc = sl_buf_puts(&b, "/connectors/");
        for (const unsigned char *p = (const unsigned char *)name;
             rc == 0 && *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
                        rc = sl_buf_putc(&b, (char)*p);
                else {
                        char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
                        rc = sl_buf_append(&b, e, 3);
                }
        }
        if (rc == 0)
                rc = sl_buf_puts(&b, suffix);
        if (rc != 0) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

void sl_ctl_print_body(const sl_ctl_reply_t *r)
{
        if (r->len == 0)
                return;
        fwrite(r->body, 1, r->len, stdout);
        if (r->body[r->len - 1] != '\n')
                fputc('\n', stdout);
}

void sl_ctl_print_buf(sl_buf_t *b)
{
        if (b->len)
                fwrite(b->data, 1, b->len, stdout);
        sl_buf_free(b);
}

int sl_ctl_print_table(sl_table_t *t)
{
        sl_buf_t b = SL_BUF_INIT;
        int rc = t ? sl_table_render(t, &b) : SL_ERR_NOMEM;

        sl_table_destroy(t);
        if (rc != 0) {
                sl_buf_free(&b);
                sl_ctl_errorf("out of memory");
                return SL_CTL_EXIT_ERROR;
        }
        sl_ctl_print_buf(&b);
        return 0;
}
