/* S3 REST calls over one keep-alive sl_httpc connection: path-style
 * addressing, every request signed with SigV4 including the payload hash
 * (Swift and AWS check it), errors mapped per s3_client.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/httpc.h"
#include "s3/s3_client.h"
#include "s3/s3_int.h"

#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_DEFAULT_TIMEOUT_MS 30000
#define S3_MAX_HDRS 8

struct s3_client {
        sl_httpc_t *http;
        char *region, *bucket, *access_key, *secret_key;
};

/* One query parameter (raw name and value; encoded when the request is
 * built). */
typedef struct s3_qp {
        const char *name;
        const char *value; /* NULL: no value ("uploads" is sent "uploads=") */
} s3_qp_t;

typedef struct s3_hdr {
        const char *name; /* lower case */
        const char *value;
} s3_hdr_t;

typedef struct s3_req {
        const char *method;
        const char *key; /* NULL: a bucket request */
        s3_qp_t q[6];
        int nq;
        s3_hdr_t h[S3_MAX_HDRS];
        int nh;
        const struct iovec *body;
        int iovcnt;
} s3_req_t;

s3_client_t *s3_client_new(sl_task_ctx_t *ctx, const s3_conf_t *conf, char *errstr,
                           size_t errstr_size)
{
        if (!conf->endpoint || !*conf->endpoint || !conf->bucket || !*conf->bucket ||
            !conf->access_key || !conf->secret_key) {
                sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                          "S3 client needs an endpoint, a bucket and credentials");
                return NULL;
        }
        s3_client_t *c = calloc(1, sizeof(*c));
        if (!c) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
                return NULL;
        }
        int timeout = conf->timeout_ms > 0 ? conf->timeout_ms : S3_DEFAULT_TIMEOUT_MS;
        c->http = sl_httpc_new(ctx, conf->endpoint, timeout, errstr, errstr_size);
        c->region = strdup(conf->region && *conf->region ? conf->region : "us-east-1");
        c->bucket = strdup(conf->bucket);
        c->access_key = strdup(conf->access_key);
        c->secret_key = strdup(conf->secret_key);
        if (!c->http || !c->region || !c->bucket || !c->access_key || !c->secret_key) {
                if (c->http)
                        sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
                s3_client_destroy(c);
                return NULL;
        }
        return c;
}

s3_client_t *s3_client_from_config(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                                   char *errstr, size_t errstr_size)
{
        s3_conf_t conf = {
                .endpoint = sl_config_str(config, "store.url"),
                .region = sl_config_str(config, "s3.region"),
                .bucket = sl_config_str(config, "s3.bucket.name"),
                .access_key = sl_config_str(config, "aws.access.key.id"),
                .secret_key = sl_config_str(config, "aws.secret.access.key"),
                .timeout_ms = S3_DEFAULT_TIMEOUT_MS,
        };

        return s3_client_new(ctx, &conf, errstr, errstr_size);
}

void s3_retry_init(s3_retry_t *rt, const sl_strmap_t *config)
{
        *rt = (s3_retry_t){
                .retries = (int)sl_config_long(config, "s3.part.retries", 3),
                .backoff_ms = sl_config_long(config, "s3.retry.backoff.ms", 200),
        };
}

int64_t s3_retry_next(s3_retry_t *rt)
{
        int64_t wait = rt->backoff_ms > 0 ? rt->backoff_ms : 0;
        int64_t most = wait > S3_MAX_BACKOFF_MS ? wait : S3_MAX_BACKOFF_MS;

        if (rt->failures >= rt->retries)
                return -1;
        for (int i = 0; i < rt->failures && wait < most; i++)
                wait *= 2;
        rt->failures++;
        return wait < most ? wait : most;
}

int s3_retry(sl_task_ctx_t *ctx, const s3_retry_t *policy, const char *logger,
             const char *what, int (*op)(void *arg, char *errstr, size_t errstr_size),
             void *arg, char *errstr, size_t errstr_size)
{
        s3_retry_t rt = *policy;
        int r;

        rt.failures = 0;
        for (;;) {
                int64_t wait;

                r = op(arg, errstr, errstr_size);
                if (r != SL_ERR_RETRIABLE)
                        return r;
                if ((wait = s3_retry_next(&rt)) < 0) {
                        char why[768];
                        snprintf(why, sizeof(why), "%s", errstr ? errstr : "");
                        return sl_seterr(errstr, errstr_size, r,
                                         "%s failed after %d attempt(s): %s", what,
                                         rt.failures + 1, why);
                }
                sl_warn(logger, "%s failed (attempt %d of %d), retrying in %lld ms: %s",
                        what, rt.failures, rt.retries + 1, (long long)wait,
                        errstr ? errstr : "");
                if (sl_task_sleep(ctx, wait))
                        return sl_seterr(errstr, errstr_size, r,
                                         "%s failed and the task is stopping", what);
        }
}

void s3_client_destroy(s3_client_t *c)
{
        if (!c)
                return;
        if (c->http)
                sl_httpc_destroy(c->http);
        free(c->region);
        free(c->bucket);
        free(c->access_key);
        free(c->secret_key);
        free(c);
}

static int cmp_qp(const void *a, const void *b)
{
        return strcmp(((const s3_qp_t *)a)->name, ((const s3_qp_t *)b)->name);
}

static int cmp_hdr(const void *a, const void *b)
{
        return strcmp(((const s3_hdr_t *)a)->name, ((const s3_hdr_t *)b)->name);
}

/* The canonical query string doubles as the one sent: names sorted (every
 * name we use is unreserved, so sorting raw names sorts encoded ones). */
static int build_query(s3_req_t *r, sl_buf_t *q)
{
        qsort(r->q, (size_t)r->nq, sizeof(r->q[0]), cmp_qp);
        for (int i = 0; i < r->nq; i++) {
                if (i && sl_buf_putc(q, '&') < 0)
                        return SL_ERR_NOMEM;
                if (s3_uri_encode(q, r->q[i].name, strlen(r->q[i].name), 0) < 0 ||
                    sl_buf_putc(q, '=') < 0)
                        return SL_ERR_NOMEM;
                if (r->q[i].value &&
                    s3_uri_encode(q, r->q[i].value, strlen(r->q[i].value), 0) < 0)
                        return SL_ERR_NOMEM;
        }
        if (!q->data)
                return sl_buf_puts(q, "");
        return 0;
}

static int build_path(s3_client_t *c, const char *key, sl_buf_t *path)
{
        if (sl_buf_putc(path, '/') < 0 ||
            s3_uri_encode(path, c->bucket, strlen(c->bucket), 0) < 0)
                return SL_ERR_NOMEM;
        if (key && (sl_buf_putc(path, '/') < 0 || s3_uri_encode(path, key, strlen(key), 1) < 0))
                return SL_ERR_NOMEM;
        return 0;
}

static void what(const s3_client_t *c, const s3_req_t *r, char *buf, size_t n)
{
        snprintf(buf, n, "S3 %s %s%s%s", r->method, c->bucket, r->key ? "/" : "",
                 r->key ? r->key : "");
}

/* Map a response status to the header's error classes, with S3's error
 * Code and Message in errstr. */
static int status_error(const s3_client_t *c, const s3_req_t *r, const sl_httpc_resp_t *resp,
                        char *errstr, size_t errstr_size)
{
        char w[512], detail[768];
        what(c, r, w, sizeof(w));
        if (!s3_xml_error(resp->body.data, resp->body.len, detail, sizeof(detail)))
                snprintf(detail, sizeof(detail), "%s",
                         resp->status == 404 ? "NotFound" :
                         resp->status == 403 ? "Forbidden" : "HTTP error");
        int err = resp->status == 404 ? SL_ERR_NOT_FOUND :
                  (resp->status >= 500 || resp->status == 429) ? SL_ERR_RETRIABLE : SL_ERR_IO;
        return sl_seterr(errstr, errstr_size, err, "%s: %d %s", w, resp->status, detail);
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
        return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* Sign and send one request; 0 only for a 2xx status (resp then filled,
 * the caller clears it). */
static int s3_do(s3_client_t *c, s3_req_t *r, sl_httpc_resp_t *resp, char *errstr,
                 size_t errstr_size)
{
        sl_buf_t path = SL_BUF_INIT, query = SL_BUF_INIT, canon = SL_BUF_INIT,
                 signed_names = SL_BUF_INIT, target = SL_BUF_INIT;
        char *auth = NULL, *lines[S3_MAX_HDRS + 4] = {0};
        int nlines = 0, rc = SL_ERR_NOMEM;
        memset(resp, 0, sizeof(*resp));

        char payload[65], amz_date[17];
        struct timespec t0, t1, t2; /* signing, and the exchange: for the debug log */
        size_t body_len = 0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < r->iovcnt; i++)
                body_len += r->body[i].iov_len;
        if (r->iovcnt > 0)
                s3_sha256_hex(r->body, r->iovcnt, payload);
        else
                memcpy(payload, S3_EMPTY_SHA256, sizeof(payload));
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);

        if (r->nh + 3 > S3_MAX_HDRS) {
                rc = sl_seterr(errstr, errstr_size, SL_ERR_INVALID, "too many S3 headers");
                goto out;
        }
        r->h[r->nh++] = (s3_hdr_t){"host", sl_httpc_host(c->http)};
        r->h[r->nh++] = (s3_hdr_t){"x-amz-content-sha256", payload};
        r->h[r->nh++] = (s3_hdr_t){"x-amz-date", amz_date};
        qsort(r->h, (size_t)r->nh, sizeof(r->h[0]), cmp_hdr);

        const char *prefix = sl_httpc_prefix(c->http);
        if (sl_buf_puts(&path, prefix) < 0 || build_path(c, r->key, &path) < 0 ||
            build_query(r, &query) < 0)
                goto out;
        for (int i = 0; i < r->nh; i++) {
                if (sl_buf_printf(&canon, "%s%s:%s", i ? "\n" : "", r->h[i].name,
                                  r->h[i].value) < 0 ||
                    sl_buf_printf(&signed_names, "%s%s", i ? ";" : "", r->h[i].name) < 0)
                        goto out;
        }
        auth = s3_sigv4_authorization(c->access_key, c->secret_key, c->region, "s3",
                                      amz_date, r->method, path.data, query.data,
                                      canon.data, signed_names.data, payload);
        if (!auth)
                goto out;
        /* httpc adds Host itself */
        for (int i = 0; i < r->nh; i++) {
                if (strcmp(r->h[i].name, "host") == 0)
                        continue;
                sl_buf_t l = SL_BUF_INIT;
                if (sl_buf_printf(&l, "%s: %s", r->h[i].name, r->h[i].value) < 0)
                        goto out;
                lines[nlines++] = sl_buf_detach(&l, NULL);
        }
        sl_buf_t l = SL_BUF_INIT;
        if (sl_buf_printf(&l, "Authorization: %s", auth) < 0)
                goto out;
        lines[nlines++] = sl_buf_detach(&l, NULL);

        /* the target is relative to httpc's prefix, which it adds back */
        if (build_path(c, r->key, &target) < 0 ||
            (query.len && (sl_buf_putc(&target, '?') < 0 ||
                           sl_buf_append(&target, query.data, query.len) < 0)))
                goto out;

        char herr[512];
        clock_gettime(CLOCK_MONOTONIC, &t1);
        rc = sl_httpc_request(c->http, r->method, target.data, (const char *const *)lines,
                              r->body, r->iovcnt, resp, herr, sizeof(herr));
        clock_gettime(CLOCK_MONOTONIC, &t2);
        sl_debug("S3Client", "%s %s (%zu bytes): status %d, signed in %.1f ms, "
                 "sent and answered in %.1f ms", r->method, target.data, body_len,
                 rc < 0 ? -1 : resp->status, ms_between(&t0, &t1), ms_between(&t1, &t2));
        if (rc < 0) {
                char w[512];
                what(c, r, w, sizeof(w));
                /* the connection failed or timed out: worth another try */
                rc = sl_seterr(errstr, errstr_size, SL_ERR_RETRIABLE, "%s: %s", w, herr);
                goto out;
        }
        if (resp->status < 200 || resp->status > 299) {
                rc = status_error(c, r, resp, errstr, errstr_size);
                sl_httpc_resp_clear(resp);
                goto out;
        }
        rc = 0;
out:
        for (int i = 0; i < nlines; i++)
                free(lines[i]);
        free(auth);
        sl_buf_free(&path);
        sl_buf_free(&query);
        sl_buf_free(&canon);
        sl_buf_free(&signed_names);
        sl_buf_free(&target);
        if (rc == SL_ERR_NOMEM && errstr && !*errstr)
                sl_seterr(errstr, errstr_size, rc, "no memory");
        return rc;
}

static int iov_total(const struct iovec *iov, int iovcnt, size_t *total)
{
        *total = 0;
        for (int i = 0; i < iovcnt; i++)
                *total += iov[i].iov_len;
        return 0;
}

int s3_put_object(s3_client_t *c, const char *key, const struct iovec *iov, int iovcnt,
                  const char *content_type, char *errstr, size_t errstr_size)
{
        s3_req_t r = {.method = "PUT", .key = key, .body = iov, .iovcnt = iovcnt};
        if (content_type)
                r.h[r.nh++] = (s3_hdr_t){"content-type", content_type};
        sl_httpc_resp_t resp;
        int rc = s3_do(c, &r, &resp, errstr, errstr_size);
        if (rc == 0)
                sl_httpc_resp_clear(&resp);
        return rc;
}

int s3_get_object(s3_client_t *c, const char *key, int64_t first, int64_t last,
                  sl_buf_t *out, char *errstr, size_t errstr_size)
{
        s3_req_t r = {.method = "GET", .key = key};
        char range[64];
        if (first > 0 || last >= 0) {
                if (last >= 0)
                        snprintf(range, sizeof(range), "bytes=%lld-%lld", (long long)first,
                                 (long long)last);
                else
                        snprintf(range, sizeof(range), "bytes=%lld-", (long long)first);
                r.h[r.nh++] = (s3_hdr_t){"range", range};
        }
        sl_httpc_resp_t resp;
        int rc = s3_do(c, &r, &resp, errstr, errstr_size);
        if (rc < 0)
                return rc;
        if (sl_buf_append(out, resp.body.data ? resp.body.data : "", resp.body.len) < 0)
                rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory for %s", key);
        sl_httpc_resp_clear(&resp);
        return rc;
}

int s3_head_object(s3_client_t *c, const char *key, int64_t *size, char *errstr,
                   size_t errstr_size)
{
        s3_req_t r = {.method = "HEAD", .key = key};
        sl_httpc_resp_t resp;
        int rc = s3_do(c, &r, &resp, errstr, errstr_size);
        if (rc < 0)
                return rc;
        const char *cl = sl_httpc_resp_header(&resp, "content-length");
        if (size)
                *size = cl ? strtoll(cl, NULL, 10) : -1;
        sl_httpc_resp_clear(&resp);
        return 0;
}

int s3_delete_object(s3_client_t *c, const char *key, char *errstr, size_t errstr_size)
{
        s3_req_t r = {.method = "DELETE", .key = key};
        sl_httpc_resp_t resp;
        int rc = s3_do(c, &r, &resp, errstr, errstr_size);
        if (rc == 0)
                sl_httpc_resp_clear(&resp);
        return rc;
}

int s3_create_bucket(s3_client_t *c, char *errstr, size_t errstr_size)
{
        s3_req_t r = {.method = "PUT"};
        sl_buf_t body = SL_BUF_INIT;
        struct iovec iov;
        /* us-east-1 is S3's default location and takes no configuration */
        if (strcmp(c->region, "us-east-1") != 0) {
                if (sl_buf_printf(&body,
                                  "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/"
                                  "doc/2006-03-01/\"><LocationConstraint>%s"
                                  "</LocationConstraint></CreateBucketConfiguration>",
                                  c->region) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
                iov = (struct iovec){body.data, body.len};
                r.body = &iov;
                r.iovcnt = 1;
        }
        sl_httpc_resp_t resp;
        char e[1024] = "";
        int rc = s3_do(c, &r, &resp, e, sizeof(e));
        sl_buf_free(&body);
        if (rc == 0) {
                sl_httpc_resp_clear(&resp);
                return 0;
        }
        if (strstr(e, "BucketAlreadyOwnedByYou"))
                return 0;
        return sl_seterr(errstr, errstr_size, rc, "%s", e);
}

int s3_list_objects(s3_client_t *c, const char *prefix, const char *start_after,
                    char **token, int max_keys, s3_object_t **objs, size_t *n,
                    char *errstr, size_t errstr_size)
{
        s3_req_t r = {.method = "GET"};
        char mk[24];
        r.q[r.nq++] = (s3_qp_t){"list-type", "2"};
        if (prefix && *prefix)
                r.q[r.nq++] = (s3_qp_t){"prefix", prefix};
        if (token && *token)
                r.q[r.nq++] = (s3_qp_t){"continuation-token", *token};
        else if (start_after && *start_after)
                r.q[r.nq++] = (s3_qp_t){"start-after", start_after};
        if (max_keys > 0) {
                snprintf(mk, sizeof(mk), "%d", max_keys);
                r.q[r.nq++] = (s3_qp_t){"max-keys", mk};
        }
        *objs = NULL;
        *n = 0;
        sl_httpc_resp_t resp;
        int rc = s3_do(c, &r, &resp, errstr, errstr_size);
        if (rc < 0)
                return rc;
        char *next = NULL, perr[256];
        rc = s3_xml_parse_list(resp.body.data, resp.body.len, objs, n, &next, perr,
                               sizeof(perr));
        sl_httpc_resp_clear(&resp);
        if (rc < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_IO, "S3 list %s/%s: %s",
                                 c->bucket, prefix ? prefix : "", perr);
        if (token) {
                free(*token);
                *token = next;
        } else {
                free(next);
        }
        return 0;
}

int s3_mpu_create(s3_client_t *c, const char *key, const char *content_type,
                  char **upload_id, char *errstr, size_t errstr_size)
{
        s3_req_t r = {.method = "POST", .key = key};
        r.q[r.nq++] = (s3_qp_t){"uploads", NULL};
        if (content_type)
                r.h[r.nh++] = (s3_hdr_t){"content-type", content_type};
        sl_httpc_resp_t resp;
        int rc = s3_do(c, &r, &resp, errstr, errstr_size);
        if (rc < 0)
                return rc;
        *upload_id = s3_xml_text(resp.body.data, resp.body.len, "UploadId");
        sl_httpc_resp_clear(&resp);
        if (!*upload_id || !**upload_id) {
                free(*upload_id);
                *upload_id = NULL;
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "S3 POST %s/%s?uploads: no UploadId in the response",
                                 c->bucket, key);
        }
        return 0;
}

int s3_mpu_upload_part(s3_client_t *c, const char *key, const char *upload_id,
                       int part_number, const struct iovec *iov, int iovcnt,
                       char **etag, char *errstr, size_t errstr_size)
{
        s3_req_t r = {.method = "PUT", .key = key, .body = iov, .iovcnt = iovcnt};
        char pn[16];
        snprintf(pn, sizeof(pn), "%d", part_number);
        r.q[r.nq++] = (s3_qp_t){"partNumber", pn};
        r.q[r.nq++] = (s3_qp_t){"uploadId", upload_id};
        size_t total;
        iov_total(iov, iovcnt, &total);
        sl_httpc_resp_t resp;
        int rc = s3_do(c, &r, &resp, errstr, errstr_size);
        if (rc < 0)
                return rc;
        const char *e = sl_httpc_resp_header(&resp, "etag");
        *etag = e ? strdup(e) : NULL;
        sl_httpc_resp_clear(&resp);
        if (!*etag)
                return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                 "S3 PUT %s/%s part %d (%zu bytes): no ETag in the response",
                                 c->bucket, key, part_number, total);
        return 0;
}

int s3_mpu_complete(s3_client_t *c, const char *key, const char *upload_id,
                    char *const *etags, int nparts, char *errstr, size_t errstr_size)
{
        sl_buf_t body = SL_BUF_INIT;
        int rc = sl_buf_puts(&body, "<CompleteMultipartUpload>");
        for (int i = 0; i < nparts && rc == 0; i++)
                rc = sl_buf_printf(&body, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
                                   i + 1, etags[i]);
        if (rc == 0)
                rc = sl_buf_puts(&body, "</CompleteMultipartUpload>");
        if (rc < 0) {
                sl_buf_free(&body);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
        }
        struct iovec iov = {body.data, body.len};
        s3_req_t r = {.method = "POST", .key = key, .body = &iov, .iovcnt = 1};
        r.q[r.nq++] = (s3_qp_t){"uploadId", upload_id};
        r.h[r.nh++] = (s3_hdr_t){"content-type", "application/xml"};
        sl_httpc_resp_t resp;
        rc = s3_do(c, &r, &resp, errstr, errstr_size);
        sl_buf_free(&body);
        if (rc < 0)
                return rc;
        /* S3 may answer 200 and still fail the completion in the body */
        char detail[768];
        if (s3_xml_error(resp.body.data, resp.body.len, detail, sizeof(detail))) {
                int err = strstr(detail, "InternalError") || strstr(detail, "SlowDown")
                                  ? SL_ERR_RETRIABLE : SL_ERR_IO;
                rc = sl_seterr(errstr, errstr_size, err, "S3 complete %s/%s: %s", c->bucket,
                               key, detail);
        }
        sl_httpc_resp_clear(&resp);
        return rc;
}

int s3_mpu_abort(s3_client_t *c, const char *key, const char *upload_id, char *errstr,
                 size_t errstr_size)
{
        s3_req_t r = {.method = "DELETE", .key = key};
        r.q[r.nq++] = (s3_qp_t){"uploadId", upload_id};
        sl_httpc_resp_t resp;
        int rc = s3_do(c, &r, &resp, errstr, errstr_size);
        if (rc == 0)
                sl_httpc_resp_clear(&resp);
        return rc;
}

int s3_mpu_list(s3_client_t *c, const char *prefix, s3_upload_t **ups, size_t *n,
                char *errstr, size_t errstr_size)
{
        *ups = NULL;
        *n = 0;
        char *key_marker = NULL, *id_marker = NULL;
        int rc = 0;
        do {
                s3_req_t r = {.method = "GET"};
                r.q[r.nq++] = (s3_qp_t){"uploads", NULL};
                if (prefix && *prefix)
                        r.q[r.nq++] = (s3_qp_t){"prefix", prefix};
                if (key_marker)
                        r.q[r.nq++] = (s3_qp_t){"key-marker", key_marker};
                if (id_marker)
                        r.q[r.nq++] = (s3_qp_t){"upload-id-marker", id_marker};
                sl_httpc_resp_t resp;
                rc = s3_do(c, &r, &resp, errstr, errstr_size);
                free(key_marker);
                free(id_marker);
                key_marker = id_marker = NULL;
                if (rc < 0)
                        break;
                s3_upload_t *page;
                size_t np;
                char perr[256];
                rc = s3_xml_parse_uploads(resp.body.data, resp.body.len, &page, &np,
                                          &key_marker, &id_marker, perr, sizeof(perr));
                sl_httpc_resp_clear(&resp);
                if (rc < 0) {
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                       "S3 list uploads %s/%s: %s", c->bucket,
                                       prefix ? prefix : "", perr);
                        break;
                }
                s3_upload_t *all = np ? realloc(*ups, (*n + np) * sizeof(*all)) : *ups;
                if (np && !all) {
                        s3_uploads_free(page, np);
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
                        break;
                }
                if (np)
                        memcpy(all + *n, page, np * sizeof(*page));
                *ups = all;
                *n += np;
                free(page);
        } while (key_marker);
        free(key_marker);
        free(id_marker);
        if (rc < 0) {
                s3_uploads_free(*ups, *n);
                *ups = NULL;
                *n = 0;
        }
        return rc;
}
