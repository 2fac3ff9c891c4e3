/* S3 REST client (path-style, AWS Signature Version 4 with signed payload
 * hashes) over one keep-alive sl_httpc connection, for the S3 sink and
 * source connectors. Functions return 0 or a negative sl_err with errstr
 * set: SL_ERR_NOT_FOUND for a missing key/upload (404 NoSuchKey /
 * NoSuchUpload), SL_ERR_RETRIABLE for failures worth retrying (connection
 * errors, timeouts, 500/503 SlowDown), SL_ERR_IO for other S3 errors
 * (errstr carries S3's Code and Message, e.g. "S3 PUT bkt/k: 403
 * SignatureDoesNotMatch: ..."). */
#ifndef SL_CONNECTOR_S3_CLIENT_H
#define SL_CONNECTOR_S3_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sluice/plugin.h"

typedef struct s3_client s3_client_t;

typedef struct s3_conf {
        const char *endpoint;   /* store.url: "http://host:port" */
        const char *region;     /* s3.region, e.g. "us-east-1" */
        const char *bucket;
        const char *access_key; /* may contain ':' (Swift "test:tester") */
        const char *secret_key;
        int timeout_ms;         /* per socket operation */
} s3_conf_t;

typedef struct s3_object {
        char *key;
        int64_t size;
        char *etag; /* with its quotes, as S3 returns it */
} s3_object_t;

typedef struct s3_upload {
        char *key;
        char *upload_id;
} s3_upload_t;

s3_client_t *s3_client_new(sl_task_ctx_t *ctx, const s3_conf_t *conf, char *errstr,
                           size_t errstr_size);
/* A client for the connection settings of a connector's config: store.url,
 * s3.region, s3.bucket.name, aws.access.key.id, aws.secret.access.key. */
s3_client_t *s3_client_from_config(sl_task_ctx_t *ctx, const sl_strmap_t *config,
                                   char *errstr, size_t errstr_size);
void s3_client_destroy(s3_client_t *c);

/* Retrying S3 requests that failed with SL_ERR_RETRIABLE: at most
 * s3.part.retries retries in a row, the first s3.retry.backoff.ms after
 * the failure, each wait twice the one before up to S3_MAX_BACKOFF_MS (or
 * the first wait, when that is longer). */
typedef struct s3_retry {
        int retries;        /* s3.part.retries */
        int64_t backoff_ms; /* s3.retry.backoff.ms */
        int failures;       /* transient failures in a row */
} s3_retry_t;

/* The policy of config, no failures counted. */
void s3_retry_init(s3_retry_t *rt, const sl_strmap_t *config);
/* Counts a transient failure: the ms to wait before trying again, or -1
 * when the retries are used up (rt->failures then stays at rt->retries). */
int64_t s3_retry_next(s3_retry_t *rt);
/* Runs op(arg) until it returns anything but SL_ERR_RETRIABLE, waiting as
 * policy says between the tries (a warning under logger names what and
 * the error). When the retries are used up, or the task stops while it
 * waits, SL_ERR_RETRIABLE with errstr "<what> failed after N attempt(s):
 * <last error>" / "<what> failed and the task is stopping". */
int s3_retry(sl_task_ctx_t *ctx, const s3_retry_t *policy, const char *logger,
             const char *what, int (*op)(void *arg, char *errstr, size_t errstr_size),
             void *arg, char *errstr, size_t errstr_size);

int s3_put_object(s3_client_t *c, const char *key, const struct iovec *iov, int iovcnt,
                  const char *content_type, char *errstr, size_t errstr_size);
/* Appends the object's bytes [first, last] (inclusive; last < 0: to the
 * end; first 0 and last -1: all of it) to out. */
int s3_get_object(s3_client_t *c, const char *key, int64_t first, int64_t last,
                  sl_buf_t *out, char *errstr, size_t errstr_size);
int s3_head_object(s3_client_t *c, const char *key, int64_t *size, char *errstr,
                   size_t errstr_size);
int s3_delete_object(s3_client_t *c, const char *key, char *errstr, size_t errstr_size);
/* 0 also when the bucket exists and is ours (BucketAlreadyOwnedByYou). */
int s3_create_bucket(s3_client_t *c, char *errstr, size_t errstr_size);

/* ListObjectsV2, one page of at most max_keys (<= 0: server default),
 * in key order after start_after (NULL: from the start) or continuing
 * from *token (in/out; NULL in or out when none/no more pages). *token is
 * malloc'd: the call frees the one passed in and stores the next page's
 * (or NULL); on error *token is left as it was. */
int s3_list_objects(s3_client_t *c, const char *prefix, const char *start_after,
                    char **token, int max_keys, s3_object_t **objs, size_t *n,
                    char *errstr, size_t errstr_size);
void s3_objects_free(s3_object_t *objs, size_t n);

/* Multipart upload. Parts are numbered from 1; all but the last must be at
 * least 5 MiB. complete() takes the ETags upload_part returned, in part
 * order. */
int s3_mpu_create(s3_client_t *c, const char *key, const char *content_type,
                  char **upload_id, char *errstr, size_t errstr_size);
int s3_mpu_upload_part(s3_client_t *c, const char *key, const char *upload_id,
                       int part_number, const struct iovec *iov, int iovcnt,
                       char **etag, char *errstr, size_t errstr_size);
int s3_mpu_complete(s3_client_t *c, const char *key, const char *upload_id,
                    char *const *etags, int nparts, char *errstr, size_t errstr_size);
int s3_mpu_abort(s3_client_t *c, const char *key, const char *upload_id, char *errstr,
                 size_t errstr_size);
/* ListMultipartUploads under prefix (all pages). */
int s3_mpu_list(s3_client_t *c, const char *prefix, s3_upload_t **ups, size_t *n,
                char *errstr, size_t errstr_size);
void s3_uploads_free(s3_upload_t *ups, size_t n);

/* SigV4 pieces, exposed for unit tests against AWS's published examples.
 * sha256 of data as 64 lower-case hex chars plus NUL. */
void s3_sha256_hex(const struct iovec *iov, int iovcnt, char out[65]);
/* The Authorization header value for a request. amz_date is
 * "YYYYMMDDTHHMMSSZ"; headers are "name:value" lines already lower-cased,
 * trimmed and sorted by name, joined with '\n' (host and x-amz-* included);
 * signed_headers their names joined by ';'; query the canonical query
 * string. Returns a malloc'd string or NULL. */
char *s3_sigv4_authorization(const char *access_key, const char *secret_key,
                             const char *region, const char *service,
                             const char *amz_date, const char *method,
                             const char *canonical_uri, const char *query,
                             const char *headers, const char *signed_headers,
                             const char *payload_hash);

/* Lower-level pieces (s3_sigv4.c, s3_xml.c), exposed for unit tests. */
void s3_sha256(const struct iovec *iov, int iovcnt, uint8_t out[32]);
void s3_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[32]);
/* SigV4 URI encoding appended to out: unreserved characters (A-Z a-z 0-9
 * - _ . ~) as they are, '/' kept when keep_slash (object key paths), all
 * other bytes %XX with upper-case hex. 0 or SL_ERR_NOMEM. */
int s3_uri_encode(sl_buf_t *out, const char *s, size_t n, int keep_slash);

/* The text of the first <tag> element in xml (entities decoded, malloc'd),
 * or NULL when there is none. */
char *s3_xml_text(const char *xml, size_t len, const char *tag);
/* S3's error document: "Code: Message" (or what is there) into errstr;
 * returns 1 when xml is an <Error> document, 0 otherwise. */
int s3_xml_error(const char *xml, size_t len, char *errstr, size_t errstr_size);
/* A ListObjectsV2 result: its Contents, and the NextContinuationToken when
 * IsTruncated is true (*next malloc'd, else NULL). 0 or SL_ERR_PARSE. */
int s3_xml_parse_list(const char *xml, size_t len, s3_object_t **objs, size_t *n,
                      char **next, char *errstr, size_t errstr_size);
/* A ListMultipartUploads result: its Uploads, and when IsTruncated the
 * NextKeyMarker / NextUploadIdMarker (malloc'd, else NULL). */
int s3_xml_parse_uploads(const char *xml, size_t len, s3_upload_t **ups, size_t *n,
                         char **next_key, char **next_upload, char *errstr,
                         size_t errstr_size);

#endif
