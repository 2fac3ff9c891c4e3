/* Just enough XML for S3's responses: S3 documents are flat, element-only
 * and namespace-free after the root, so finding <Tag>text</Tag> pairs in
 * order (and inside a parent's span) is all the listings and errors need.
 * No DTDs, no CDATA, no comments are expected from S3. */
#include <stdlib.h>
#include <string.h>

#include "s3/s3_client.h"
#include "util/utf8.h"

typedef struct xspan {
        const char *p;
        size_t n;
} xspan_t;

/* Find the next element named tag in [*pos, end): its inner text span.
 * Handles <Tag>, <Tag attr="..."> and the empty <Tag/>. Advances *pos
 * past the element. 1 when found, 0 when not, -1 when unterminated. */
static int x_next(const char **pos, const char *end, const char *tag, xspan_t *inner)
{
        size_t tl = strlen(tag);
        const char *p = *pos;
        while (p < end) {
                const char *lt = memchr(p, '<', (size_t)(end - p));
                if (!lt)
                        return 0;
                p = lt + 1;
                if ((size_t)(end - p) < tl + 1 || memcmp(p, tag, tl) != 0)
                        continue;
                char c = p[tl];
                if (c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\n' && c != '\r')
                        continue;
                const char *gt = memchr(p, '>', (size_t)(end - p));
                if (!gt)
                        return -1;
                if (gt[-1] == '/') { /* <Tag/> */
                        inner->p = gt + 1;
                        inner->n = 0;
                        *pos = gt + 1;
                        return 1;
                }
                const char *start = gt + 1, *q = start;
                /* S3 never nests an element in one of the same name */
                for (;;) {
                        const char *cl = memchr(q, '<', (size_t)(end - q));
                        if (!cl || (size_t)(end - cl) < tl + 3)
                                return -1;
                        if (cl[1] == '/' && memcmp(cl + 2, tag, tl) == 0 && cl[2 + tl] == '>') {
                                inner->p = start;
                                inner->n = (size_t)(cl - start);
                                *pos = cl + 3 + tl;
                                return 1;
                        }
                        q = cl + 1;
                }
        }
        return 0;
}

/* Decode the five predefined entities and character references; an
 * unknown entity is kept as it is rather than losing bytes of a key. */
static char *x_decode(xspan_t s)
{
        sl_buf_t b = SL_BUF_INIT;
        if (sl_buf_reserve(&b, s.n + 1) < 0)
                return NULL;
        for (size_t i = 0; i < s.n; i++) {
                if (s.p[i] != '&') {
                        sl_buf_putc(&b, s.p[i]);
                        continue;
                }
                const char *semi = memchr(s.p + i, ';', s.n - i);
                size_t el = semi ? (size_t)(semi - (s.p + i)) + 1 : 0;
                const char *e = s.p + i;
                static const struct {
                        const char *ent;
                        char ch;
                } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
                            {"&quot;", '"'}, {"&apos;", '\''}};
                int done = 0;
                for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]) && !done; k++) {
                        if (el == strlen(ents[k].ent) && memcmp(e, ents[k].ent, el) == 0) {
                                sl_buf_putc(&b, ents[k].ch);
                                done = 1;
                        }
                }
                if (!done && el > 3 && e[1] == '#') {
                        unsigned long cp = 0;
                        int hex = e[2] == 'x' || e[2] == 'X';
                        size_t j = hex ? 3 : 2;
                        int ok = j < el - 1;
                        for (; j < el - 1 && ok; j++) {
                                int v = hex ? sl_hex_digit(e[j]) : (e[j] >= '0' && e[j] <= '9' ? e[j] - '0' : -1);
                                if (v < 0 || cp > 0x10ffff)
                                        ok = 0;
                                else
                                        cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                        }
                        if (ok && cp <= 0x10ffff) {
                                sl_utf8_put(&b, (uint32_t)cp);
                                done = 1;
                        }
                }
                if (done)
                        i += el - 1;
                else
                        sl_buf_putc(&b, '&');
        }
        if (!b.data)
                return strdup("");
        return sl_buf_detach(&b, NULL);
}

char *s3_xml_text(const char *xml, size_t len, const char *tag)
{
        const char *pos = xml;
        xspan_t s;
        if (x_next(&pos, xml + len, tag, &s) != 1)
                return NULL;
        return x_decode(s);
}

static char *span_text(xspan_t parent, const char *tag)
{
        return s3_xml_text(parent.p, parent.n, tag);
}

int s3_xml_error(const char *xml, size_t len, char *errstr, size_t errstr_size)
{
        const char *pos = xml;
        xspan_t err;
        if (!xml || x_next(&pos, xml + len, "Error", &err) != 1)
                return 0;
        char *code = span_text(err, "Code");
        char *msg = span_text(err, "Message");
        if (code && msg)
                sl_seterr(errstr, errstr_size, SL_ERR_IO, "%s: %s", code, msg);
        else
                sl_seterr(errstr, errstr_size, SL_ERR_IO, "%s", code ? code : msg ? msg : "Error");
        free(code);
        free(msg);
        return 1;
}

static int is_true(const char *xml, size_t len, const char *tag)
{
        char *t = s3_xml_text(xml, len, tag);
        int r = t && strcmp(t, "true") == 0;
        free(t);
        return r;
}

int s3_xml_parse_list(const char *xml, size_t len, s3_object_t **objs, size_t *n,
                      char **next, char *errstr, size_t errstr_size)
{
        *objs = NULL;
        *n = 0;
        *next = NULL;
        if (!xml || !memmem(xml, len, "<ListBucketResult", 17))
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "not a ListBucketResult document");
        const char *pos = xml, *end = xml + len;
        size_t cap = 0;
        xspan_t c;
        int r;
        while ((r = x_next(&pos, end, "Contents", &c)) == 1) {
                char *key = span_text(c, "Key");
                char *size = span_text(c, "Size");
                if (!key || !size) {
                        free(key);
                        free(size);
                        s3_objects_free(*objs, *n);
                        *objs = NULL;
                        *n = 0;
                        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                         "ListBucketResult Contents without Key or Size");
                }
                if (*n == cap) {
                        cap = cap ? cap * 2 : 64;
                        s3_object_t *o = realloc(*objs, cap * sizeof(*o));
                        if (!o) {
                                free(key);
                                free(size);
                                s3_objects_free(*objs, *n);
                                *objs = NULL;
                                *n = 0;
                                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "no memory");
                        }
                        *objs = o;
                }
                s3_object_t *o = &(*objs)[(*n)++];
                o->key = key;
                o->size = strtoll(size, NULL, 10);
                o->etag = span_text(c, "ETag");
                free(size);
        }
        if (r < 0) {
                s3_objects_free(*objs, *n);
                *objs = NULL;
                *n = 0;
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "truncated ListBucketResult document");
        }
        if (is_true(xml, len, "IsTruncated"))
                *next = s3_xml_text(xml, len, "NextContinuationToken");
        return 0;
}

int s3_xml_parse_uploads(const char *xml, size_t len, s3_upload_t **ups, size_t *n,
                         char **next_key, char **next_upload, char *errstr,
                         size_t errstr_size)
{
        *ups = NULL;
        *n = 0;
        *next_key = *next_upload = NULL;
        if (!xml || !memmem(xml, len, "<ListMultipartUploadsResult", 27))
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "not a ListMultipartUploadsResult document");
        const char *pos = xml, *end = xml + len;
        size_t cap = 0;
        xspan_t u;
        int r;
        while ((r = x_next(&pos, end, "Upload", &u)) == 1) {
                char *key = span_text(u, "Key");
                char *id = span_text(u, "UploadId");
                int err = !key || !id ? SL_ERR_PARSE : 0;
                if (!err && *n == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        s3_upload_t *grown = realloc(*ups, ncap * sizeof(*grown));
                        if (grown) {
                                *ups = grown;
                                cap = ncap;
                        } else {
                                err = SL_ERR_NOMEM;
                        }
                }
                if (err) {
                        free(key);
                        free(id);
                        s3_uploads_free(*ups, *n);
                        *ups = NULL;
                        *n = 0;
                        return sl_seterr(errstr, errstr_size, err, "%s",
                                         err == SL_ERR_NOMEM ? "no memory"
                                                             : "Upload without Key or UploadId");
                }
                (*ups)[*n].key = key;
                (*ups)[*n].upload_id = id;
                (*n)++;
        }
        if (r < 0) {
                s3_uploads_free(*ups, *n);
                *ups = NULL;
                *n = 0;
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "truncated ListMultipartUploadsResult document");
        }
        if (is_true(xml, len, "IsTruncated")) {
                *next_key = s3_xml_text(xml, len, "NextKeyMarker");
                *next_upload = s3_xml_text(xml, len, "NextUploadIdMarker");
        }
        return 0;
}

void s3_objects_free(s3_object_t *objs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(objs[i].key);
                free(objs[i].etag);
        }
        free(objs);
}

void s3_uploads_free(s3_upload_t *ups, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(ups[i].key);
                free(ups[i].upload_id);
        }
        free(ups);
}
