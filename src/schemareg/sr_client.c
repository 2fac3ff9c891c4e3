/* Schema Registry client: Confluent's REST API or a mock:// scope, behind
 * bounded caches (see sr_client.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "schemareg/sr.h"
#include "schemareg/sr_client.h"
#include "util/http_client.h"

#define DEFAULT_CACHE 1000
#define DEFAULT_HTTP_TIMEOUT_MS 60000

/* ---------------------------------------------------------------- cache */

typedef struct centry {
        struct centry *chain; /* same bucket */
        struct centry *newer; /* insertion order, oldest first */
        uint64_t hash;
        size_t key_len;
        void *value;
        unsigned char key[];
} centry_t;

struct sl_sr_cache {
        centry_t **buckets;
        size_t nbuckets, count, max;
        centry_t *oldest, *newest;
        void (*free_value)(void *opaque, void *value);
        void *opaque;
};

static uint64_t fnv1a(const void *p, size_t n)
{
        const unsigned char *s = p;
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < n; i++) {
                h ^= s[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

sl_sr_cache_t *sl_sr_cache_new(size_t max_entries,
                               void (*free_value)(void *opaque, void *value),
                               void *opaque)
{
        sl_sr_cache_t *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->max = max_entries ? max_entries : 1;
        /* a power of two at least the bound keeps chains short */
        c->nbuckets = 16;
        while (c->nbuckets < c->max && c->nbuckets < ((size_t)1 << 20))
                c->nbuckets <<= 1;
        c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
        if (!c->buckets) {
                free(c);
                return NULL;
        }
        c->free_value = free_value;
        c->opaque = opaque;
        return c;
}

static void entry_free(sl_sr_cache_t *c, centry_t *e)
{
        if (c->free_value && e->value)
                c->free_value(c->opaque, e->value);
        free(e);
}

void sl_sr_cache_destroy(sl_sr_cache_t *c)
{
        if (!c)
                return;
        for (centry_t *e = c->oldest, *next; e; e = next) {
                next = e->newer;
                entry_free(c, e);
        }
        free(c->buckets);
        free(c);
}

static centry_t **find_slot(sl_sr_cache_t *c, const void *key, size_t n,
                            uint64_t h)
{
        centry_t **pp = &c->buckets[h & (c->nbuckets - 1)];
        for (; *pp; pp = &(*pp)->chain)
                if ((*pp)->hash == h && (*pp)->key_len == n &&
                    !memcmp((*pp)->key, key, n))
                        return pp;
        return pp;
}

void *sl_sr_cache_get(sl_sr_cache_t *c, const void *key, size_t key_len)
{
        centry_t *e = *find_slot(c, key, key_len, fnv1a(key, key_len));
        return e ? e->value : NULL;
}

static void evict_oldest(sl_sr_cache_t *c)
{
        centry_t *e = c->oldest;
        centry_t **pp = find_slot(c, e->key, e->key_len, e->hash);
        *pp = e->chain;
        c->oldest = e->newer;
        if (!c->oldest)
                c->newest = NULL;
        c->count--;
        entry_free(c, e);
}

int sl_sr_cache_put(sl_sr_cache_t *c, const void *key, size_t key_len,
                    void *value)
{
        uint64_t h = fnv1a(key, key_len);
        centry_t **pp = find_slot(c, key, key_len, h);
        if (*pp) {
                if (c->free_value && (*pp)->value && (*pp)->value != value)
                        c->free_value(c->opaque, (*pp)->value);
                (*pp)->value = value;
                return 0;
        }
        centry_t *e = malloc(sizeof(*e) + key_len);
        if (!e) {
                if (c->free_value && value)
                        c->free_value(c->opaque, value);
                return SL_ERR_NOMEM;
        }
        if (c->count >= c->max) {
                evict_oldest(c);
                pp = find_slot(c, key, key_len, h); /* the chain changed */
        }
        *e = (centry_t){.hash = h, .key_len = key_len, .value = value};
        memcpy(e->key, key, key_len);
        *pp = e;
        if (c->newest)
                c->newest->newer = e;
        else
                c->oldest = e;
        c->newest = e;
        c->count++;
        return 0;
}

/* --------------------------------------------------------------- client */

typedef struct sr_url {
        char *base;
        char *auth; /* "Authorization: Basic ..." or NULL */
} sr_url_t;

typedef struct latest {
        int32_t id;
        int64_t at_ms;
} latest_t;

struct sl_sr_client {
        sl_sr_t *mock; /* a mock:// scope, else NULL */
        sr_url_t *urls;
        size_t n_urls, cur;
        int timeout_ms;
        int64_t latest_ttl_ms; /* < 0: no expiry */
        sl_sr_parser_t parser;
        sl_sr_cache_t *ids;    /* id -> parsed schema */
        sl_sr_cache_t *reg;    /* subject NUL schema -> int32_t id */
        sl_sr_cache_t *latest; /* subject -> latest_t */
};

static void free_plain(void *opaque, void *v)
{
        (void)opaque;
        free(v);
}

static void free_parsed(void *opaque, void *v)
{
        sl_sr_client_t *c = opaque;
        if (c->parser.free)
                c->parser.free(c->parser.opaque, v);
}

static int cfg_int(const sl_strmap_t *cfg, const char *key, long long def,
                   long long min, long long *out, char *errstr,
                   size_t errstr_size)
{
        const char *v = cfg ? sl_strmap_get(cfg, key) : NULL;
        char *end;
        *out = def;
        if (!v)
                return 0;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (!*v || *end || errno)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration %s: "
                                 "Not a number of type INT",
                                 v, key);
        if (x < min)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration %s: "
                                 "Value must be at least %lld",
                                 v, key, min);
        *out = x;
        return 0;
}

static char *basic_auth(const char *userinfo, size_t n)
{
        sl_buf_t b = SL_BUF_INIT;
        if (sl_buf_puts(&b, "Authorization: Basic ") < 0 ||
            sl_base64_encode(userinfo, n, &b) < 0) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

/* One URL of the list: http:// only; user:pass@ moves into a header when
 * the credentials come from the URL. */
static int add_url(sl_sr_client_t *c, const char *s, size_t n, bool from_url,
                   const char *auth, char *errstr, size_t errstr_size)
{
        while (n && (*s == ' ' || *s == '\t'))
                s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--;
        if (!n)
                return 0;
        if (n < 7 || strncasecmp(s, "http://", 7))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %.*s for configuration "
                                 "schema.registry.url: %s",
                                 (int)n, s,
                                 n >= 8 && !strncasecmp(s, "https://", 8)
                                         ? "https is not supported"
                                         : "expected http://host:port or "
                                           "mock://scope");
        sr_url_t u = {0};
        const char *host = s + 7, *end = s + n;
        const char *slash = memchr(host, '/', (size_t)(end - host));
        const char *at = memchr(host, '@',
                                (size_t)((slash ? slash : end) - host));
        if (at) {
                if (from_url)
                        u.auth = basic_auth(host, (size_t)(at - host));
                sl_buf_t b = SL_BUF_INIT;
                if ((!from_url || u.auth) && sl_buf_puts(&b, "http://") == 0 &&
                    sl_buf_append(&b, at + 1, (size_t)(end - at - 1)) == 0)
                        u.base = sl_buf_detach(&b, NULL);
                sl_buf_free(&b);
        } else {
                u.base = strndup(s, n);
        }
        if (auth && !u.auth)
                u.auth = strdup(auth);
        sr_url_t *a = realloc(c->urls, (c->n_urls + 1) * sizeof(*a));
        if (!u.base || (auth && !u.auth) || !a) {
                free(u.base);
                free(u.auth);
                if (a)
                        c->urls = a;
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        }
        c->urls = a;
        c->urls[c->n_urls++] = u;
        return 0;
}

static int parse_urls(sl_sr_client_t *c, const sl_strmap_t *cfg,
                      const char *list, char *errstr, size_t errstr_size)
{
        const char *src = sl_strmap_get(cfg, "basic.auth.credentials.source");
        const char *ui = sl_strmap_get(cfg, "basic.auth.user.info");
        char *auth = NULL;
        bool from_url = !src || !strcasecmp(src, "URL");
        if (src && !from_url && strcasecmp(src, "USER_INFO"))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value %s for configuration "
                                 "basic.auth.credentials.source: only URL "
                                 "and USER_INFO are supported",
                                 src);
        if (src && !from_url) {
                if (!ui || !*ui)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                         "basic.auth.credentials.source="
                                         "USER_INFO needs "
                                         "basic.auth.user.info=user:password");
                if (!(auth = basic_auth(ui, strlen(ui))))
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                         "out of memory");
        }
        int rc = 0;
        for (const char *p = list; rc == 0;) {
                const char *comma = strchr(p, ',');
                size_t n = comma ? (size_t)(comma - p) : strlen(p);
                rc = add_url(c, p, n, from_url, auth, errstr, errstr_size);
                if (!comma)
                        break;
                p = comma + 1;
        }
        free(auth);
        if (rc == 0 && c->n_urls == 0)
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                               "Invalid value %s for configuration "
                               "schema.registry.url: no URL given",
                               list);
        return rc;
}

sl_sr_client_t *sl_sr_client_new(const sl_strmap_t *config,
                                  const sl_sr_parser_t *parser, char *errstr,
                                  size_t errstr_size)
{
        const char *url = config ? sl_strmap_get(config, "schema.registry.url")
                                 : NULL;
        long long cache, ttl, ct, rt;
        if (!url || !*url) {
                sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                          "Missing required configuration "
                          "\"schema.registry.url\" which has no default "
                          "value.");
                return NULL;
        }
        if (cfg_int(config, "schemas.cache.config", DEFAULT_CACHE, 1, &cache,
                    errstr, errstr_size) < 0 ||
            cfg_int(config, "latest.cache.ttl.sec", -1, -1, &ttl, errstr,
                    errstr_size) < 0 ||
            cfg_int(config, "http.connect.timeout.ms", DEFAULT_HTTP_TIMEOUT_MS,
                    0, &ct, errstr, errstr_size) < 0 ||
            cfg_int(config, "http.read.timeout.ms", DEFAULT_HTTP_TIMEOUT_MS, 0,
                    &rt, errstr, errstr_size) < 0)
                return NULL;
        sl_sr_client_t *c = calloc(1, sizeof(*c));
        if (!c) {
                sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
                return NULL;
        }
        if (parser)
                c->parser = *parser;
        c->timeout_ms = ct + rt > INT32_MAX ? INT32_MAX : (int)(ct + rt);
        c->latest_ttl_ms = ttl < 0 ? -1 : ttl * 1000;
        int rc = 0;
        if (!strncasecmp(url, "mock://", 7)) {
                /* Confluent's MockSchemaRegistry: the scope is all that
                 * follows the scheme of the (first) URL */
                const char *scope = url + 7, *comma = strchr(scope, ',');
                char *name = strndup(scope, comma ? (size_t)(comma - scope)
                                                  : strlen(scope));
                c->mock = name ? sl_sr_mock_scope(name) : NULL;
                free(name);
                if (!c->mock)
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                       "out of memory");
        } else {
                rc = parse_urls(c, config, url, errstr, errstr_size);
        }
        if (rc == 0) {
                c->ids = sl_sr_cache_new((size_t)cache, free_parsed, c);
                c->reg = sl_sr_cache_new((size_t)cache, free_plain, NULL);
                c->latest = sl_sr_cache_new((size_t)cache, free_plain, NULL);
                if (!c->ids || !c->reg || !c->latest)
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                       "out of memory");
        }
        if (rc < 0) {
                sl_sr_client_destroy(c);
                return NULL;
        }
        return c;
}

void sl_sr_client_destroy(sl_sr_client_t *c)
{
        if (!c)
                return;
        sl_sr_cache_destroy(c->ids);
        sl_sr_cache_destroy(c->reg);
        sl_sr_cache_destroy(c->latest);
        for (size_t i = 0; i < c->n_urls; i++) {
                free(c->urls[i].base);
                free(c->urls[i].auth);
        }
        free(c->urls);
        free(c);
}

/* ------------------------------------------------------------ transport */

/* Registry errors worth retrying: its own store failing or timing out. */
static bool retriable_code(long code)
{
        return code >= 500 && (code < 1000 || code >= 50000);
}

/* A mock registry's error in RestClientException's form. */
static int mock_err(int code, const char *msg, char *errstr,
                    size_t errstr_size)
{
        if (code < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT, "%s",
                                 msg);
        return sl_seterr(errstr, errstr_size,
                         retriable_code(code) ? SL_ERR_RETRIABLE
                                              : SL_ERR_CONVERT,
                         "%s; error code: %d", msg, code);
}

static int error_reply(const sl_http_response_t *r, char *errstr,
                       size_t errstr_size)
{
        sl_json_t *j = sl_json_parse(r->body, r->body_len, NULL, 0);
        const sl_json_t *code = j ? sl_json_object_get(j, "error_code") : NULL;
        const char *msg = j ? sl_json_object_get_str(j, "message") : NULL;
        long c = code && code->type == SL_JSON_INT ? (long)code->u.i
                                                   : r->status;
        bool retry = r->status >= 500 || r->status == 408 || r->status == 429;
        int rc;
        if (msg)
                rc = sl_seterr(errstr, errstr_size,
                               retry ? SL_ERR_RETRIABLE : SL_ERR_CONVERT,
                               "%s; error code: %ld", msg, c);
        else
                rc = sl_seterr(errstr, errstr_size,
                               retry ? SL_ERR_RETRIABLE : SL_ERR_CONVERT,
                               "Schema registry answered HTTP %d: %.200s",
                               r->status, r->body ? r->body : "");
        sl_json_free(j);
        return rc;
}

/* One REST call: each URL in turn from the last one that answered, until
 * one answers at all. *outp is the parsed 2xx body. */
static int rest(sl_sr_client_t *c, const char *method, const char *path,
                const char *body, sl_json_t **outp, char *errstr,
                size_t errstr_size)
{
        char last[512] = "no schema registry URL";
        *outp = NULL;
        for (size_t k = 0; k < c->n_urls; k++) {
                size_t i = (c->cur + k) % c->n_urls;
                const char *headers[4];
                size_t h = 0;
                headers[h++] = "Accept: application/vnd.schemaregistry.v1+json,"
                               " application/vnd.schemaregistry+json,"
                               " application/json";
                if (body)
                        headers[h++] = "Content-Type: "
                                       "application/vnd.schemaregistry.v1+json";
                if (c->urls[i].auth)
                        headers[h++] = c->urls[i].auth;
                headers[h] = NULL;
                sl_http_response_t r;
                int rc = sl_http_request(c->urls[i].base, method, path,
                                         headers, body,
                                         body ? strlen(body) : 0,
                                         c->timeout_ms, &r, last,
                                         sizeof(last));
                if (rc == SL_ERR_IO || rc == SL_ERR_TIMEOUT)
                        continue;
                if (rc < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                         "%s", last);
                c->cur = i;
                if (r.status < 200 || r.status > 299) {
                        rc = error_reply(&r, errstr, errstr_size);
                } else {
                        char perr[128];
                        *outp = sl_json_parse(r.body, r.body_len, perr,
                                              sizeof(perr));
                        if (!*outp)
                                rc = sl_seterr(errstr, errstr_size,
                                               SL_ERR_CONVERT,
                                               "Invalid schema registry "
                                               "response: %s",
                                               perr);
                }
                sl_http_response_clear(&r);
                return rc;
        }
        return sl_seterr(errstr, errstr_size, SL_ERR_RETRIABLE, "%s", last);
}

/* Path-safe subject: everything but unreserved characters escaped. */
static int subject_path(sl_buf_t *b, const char *prefix, const char *subject,
                        const char *suffix)
{
        static const char hex[] = "0123456789ABCDEF";
        if (sl_buf_puts(b, prefix) < 0)
                return SL_ERR_NOMEM;
        for (const unsigned char *p = (const unsigned char *)subject; *p;
             p++) {
                int rc;
                if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
                        rc = sl_buf_putc(b, (char)*p);
                } else {
                        char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
                        rc = sl_buf_append(b, e, 3);
                }
                if (rc < 0)
                        return rc;
        }
        return sl_buf_puts(b, suffix);
}

static char *schema_body(const char *schema)
{
        sl_buf_t b = SL_BUF_INIT;
        if (sl_buf_puts(&b, "{\"schema\":") < 0 ||
            sl_json_write_string(&b, schema, strlen(schema)) < 0 ||
            sl_buf_putc(&b, '}') < 0) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

static int id_of(const sl_json_t *j, int32_t *idp, char *errstr,
                 size_t errstr_size)
{
        const sl_json_t *id = sl_json_object_get(j, "id");
        if (!id || id->type != SL_JSON_INT || id->u.i < 0 ||
            id->u.i > INT32_MAX)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "Invalid schema registry response: no id");
        *idp = (int32_t)id->u.i;
        return 0;
}

/* POST of a schema to /subjects/{subject}[/versions]: the id. */
static int rest_post_schema(sl_sr_client_t *c, const char *subject,
                            const char *schema, bool reg, int32_t *idp,
                            char *errstr, size_t errstr_size)
{
        sl_buf_t path = SL_BUF_INIT;
        char *body = schema_body(schema);
        sl_json_t *j = NULL;
        int rc = body ? subject_path(&path, "/subjects/", subject,
                                     reg ? "/versions" : "")
                      : SL_ERR_NOMEM;
        if (rc < 0)
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                               "out of memory");
        else
                rc = rest(c, "POST", path.data, body, &j, errstr,
                          errstr_size);
        if (rc == 0)
                rc = id_of(j, idp, errstr, errstr_size);
        sl_json_free(j);
        free(body);
        sl_buf_free(&path);
        return rc;
}

/* ------------------------------------------------------------ operations */

static int cached_id(sl_sr_client_t *c, const char *subject,
                     const char *schema, bool reg, int32_t *idp, char *errstr,
                     size_t errstr_size)
{
        size_t sl = strlen(subject), n = sl + 1 + strlen(schema);
        char *key = malloc(n);
        if (!key)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "out of memory");
        memcpy(key, subject, sl + 1);
        memcpy(key + sl + 1, schema, n - sl - 1);
        int32_t *hit = sl_sr_cache_get(c->reg, key, n);
        int rc = 0;
        if (hit) {
                *idp = *hit;
        } else {
                if (c->mock) {
                        char msg[512];
                        int e = reg ? sl_sr_register(c->mock, subject, schema,
                                                     idp, msg, sizeof(msg))
                                    : sl_sr_lookup(c->mock, subject, schema,
                                                   false, idp, NULL, NULL,
                                                   msg, sizeof(msg));
                        rc = e ? mock_err(e, msg, errstr, errstr_size) : 0;
                } else {
                        rc = rest_post_schema(c, subject, schema, reg, idp,
                                              errstr, errstr_size);
                }
                int32_t *box = rc == 0 ? malloc(sizeof(*box)) : NULL;
                if (box) {
                        *box = *idp;
                        sl_sr_cache_put(c->reg, key, n, box);
                }
        }
        free(key);
        return rc;
}

int sl_sr_client_register(sl_sr_client_t *c, const char *subject,
                          const char *schema, int32_t *idp, char *errstr,
                          size_t errstr_size)
{
        return cached_id(c, subject, schema, true, idp, errstr, errstr_size);
}

int sl_sr_client_lookup(sl_sr_client_t *c, const char *subject,
                        const char *schema, int32_t *idp, char *errstr,
                        size_t errstr_size)
{
        return cached_id(c, subject, schema, false, idp, errstr, errstr_size);
}

/* Schema text of id from the registry (malloc'd). */
static int fetch_schema(sl_sr_client_t *c, int32_t id, char **textp,
                        char *errstr, size_t errstr_size)
{
        *textp = NULL;
        if (c->mock) {
                char msg[512];
                int e = sl_sr_schema_by_id(c->mock, id, textp, msg,
                                           sizeof(msg));
                return e ? mock_err(e, msg, errstr, errstr_size) : 0;
        }
        char path[64];
        sl_json_t *j;
        snprintf(path, sizeof(path), "/schemas/ids/%" PRId32, id);
        int rc = rest(c, "GET", path, NULL, &j, errstr, errstr_size);
        if (rc < 0)
                return rc;
        const char *type = sl_json_object_get_str(j, "schemaType");
        const char *text = sl_json_object_get_str(j, "schema");
        if (type && strcmp(type, "AVRO"))
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                               "Schema %" PRId32 " is a %s schema, not Avro",
                               id, type);
        else if (!text)
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                               "Invalid schema registry response: no schema");
        else if (!(*textp = strdup(text)))
                rc = sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                               "out of memory");
        sl_json_free(j);
        return rc;
}

/* The parsed form of id, parsing text (when given) rather than fetching. */
static int parsed_of(sl_sr_client_t *c, int32_t id, const char *text,
                     void **parsedp, char *errstr, size_t errstr_size)
{
        unsigned char key[4] = {(unsigned char)(id >> 24),
                                (unsigned char)(id >> 16),
                                (unsigned char)(id >> 8), (unsigned char)id};
        *parsedp = sl_sr_cache_get(c->ids, key, sizeof(key));
        if (*parsedp)
                return 0;
        char *fetched = NULL;
        if (!text) {
                int rc = fetch_schema(c, id, &fetched, errstr, errstr_size);
                if (rc < 0)
                        return rc;
                text = fetched;
        }
        void *p = c->parser.parse
                          ? c->parser.parse(c->parser.opaque, text,
                                            strlen(text), errstr, errstr_size)
                          : strdup(text);
        free(fetched);
        if (!p)
                return c->parser.parse
                               ? SL_ERR_CONVERT
                               : sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                           "out of memory");
        if (sl_sr_cache_put(c->ids, key, sizeof(key), p) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "out of memory");
        *parsedp = p;
        return 0;
}

int sl_sr_client_schema_by_id(sl_sr_client_t *c, int32_t id, void **parsedp,
                              char *errstr, size_t errstr_size)
{
        return parsed_of(c, id, NULL, parsedp, errstr, errstr_size);
}


int sl_sr_client_latest(sl_sr_client_t *c, const char *subject, int32_t *idp,
                        void **parsedp, char *errstr, size_t errstr_size)
{
        latest_t *l = sl_sr_cache_get(c->latest, subject, strlen(subject));
        if (l && (c->latest_ttl_ms < 0 ||
                  sl_now_ms() - l->at_ms < c->latest_ttl_ms)) {
                *idp = l->id;
                return parsed_of(c, l->id, NULL, parsedp, errstr, errstr_size);
        }
        char *text = NULL;
        int32_t id = 0;
        int rc = 0;
        if (c->mock) {
                char msg[512];
                int32_t version;
                int e = sl_sr_latest(c->mock, subject, &id, &version, &text,
                                     msg, sizeof(msg));
                rc = e ? mock_err(e, msg, errstr, errstr_size) : 0;
        } else {
                sl_buf_t path = SL_BUF_INIT;
                sl_json_t *j = NULL;
                rc = subject_path(&path, "/subjects/", subject,
                                  "/versions/latest") < 0
                             ? sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                         "out of memory")
                             : rest(c, "GET", path.data, NULL, &j, errstr,
                                    errstr_size);
                sl_buf_free(&path);
                if (rc == 0)
                        rc = id_of(j, &id, errstr, errstr_size);
                const char *s = j ? sl_json_object_get_str(j, "schema") : NULL;
                if (rc == 0 && !s)
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                       "Invalid schema registry response: "
                                       "no schema");
                if (rc == 0 && !(text = strdup(s)))
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                       "out of memory");
                sl_json_free(j);
        }
        if (rc == 0)
                rc = parsed_of(c, id, text, parsedp, errstr, errstr_size);
        free(text);
        if (rc < 0)
                return rc;
        *idp = id;
        latest_t *box = malloc(sizeof(*box));
        if (box) {
                *box = (latest_t){id, sl_now_ms()};
                sl_sr_cache_put(c->latest, subject, strlen(subject), box);
        }
        return 0;
}
