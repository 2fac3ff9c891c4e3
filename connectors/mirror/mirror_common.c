/* MirrorMaker 2 pieces both mirror connectors use: see mirror_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mirror/mirror_int.h"
#include "transform/transform.h"

const char *const mm2_policies[] = {MM2_DEFAULT_POLICY, MM2_IDENTITY_POLICY,
                                    "DefaultReplicationPolicy", "IdentityReplicationPolicy",
                                    NULL};
const char *const mm2_locations[] = {"source", "target", NULL};

/* ------------------------------------------------------------ encodings */

static int put_be(sl_buf_t *b, uint64_t v, int bytes) {
        unsigned char tmp[8];

        for (int i = 0; i < bytes; i++)
                tmp[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
        return sl_buf_append(b, tmp, (size_t)bytes);
}

static int put_string(sl_buf_t *b, const char *s) {
        size_t n = strlen(s);

        if (n > INT16_MAX)
                return SL_ERR_INVALID;
        if (put_be(b, n, 2) != 0)
                return SL_ERR_NOMEM;
        return sl_buf_append(b, s, n);
}

typedef struct reader {
        const unsigned char *p;
        size_t left;
} reader_t;

static int get_be(reader_t *r, int bytes, uint64_t *out) {
        uint64_t v = 0;

        if (r->left < (size_t)bytes)
                return SL_ERR_PARSE;
        for (int i = 0; i < bytes; i++)
                v = (v << 8) | r->p[i];
        r->p += bytes;
        r->left -= (size_t)bytes;
        *out = v;
        return 0;
}

static int get_i64(reader_t *r, int64_t *out) {
        uint64_t v = 0;
        int rc = get_be(r, 8, &v);

        *out = (int64_t)v;
        return rc;
}

static int get_i32(reader_t *r, int32_t *out) {
        uint64_t v = 0;
        int rc = get_be(r, 4, &v);

        *out = (int32_t)(uint32_t)v;
        return rc;
}

static int get_string(reader_t *r, char **out) {
        uint64_t n;

        if (get_be(r, 2, &n) != 0 || (int16_t)n < 0 || r->left < n)
                return SL_ERR_PARSE;
        if (!(*out = strndup((const char *)r->p, n)))
                return SL_ERR_NOMEM;
        r->p += n;
        r->left -= n;
        return 0;
}

int mm2_offset_sync_encode(sl_buf_t *key, sl_buf_t *value, const char *topic,
                           int32_t partition, int64_t upstream, int64_t downstream) {
        sl_buf_reset(key);
        sl_buf_reset(value);
        if (put_string(key, topic) != 0 || put_be(key, (uint32_t)partition, 4) != 0 ||
            put_be(value, (uint64_t)upstream, 8) != 0 || put_be(value, (uint64_t)downstream, 8) != 0)
                return SL_ERR_NOMEM;
        return 0;
}

int mm2_offset_sync_decode(const void *key, size_t key_len, const void *value,
                           size_t value_len, mm2_offset_sync_t *out) {
        reader_t k = {key, key_len}, v = {value, value_len};
        int rc;

        memset(out, 0, sizeof(*out));
        if (!key || !value)
                return SL_ERR_PARSE;
        if ((rc = get_string(&k, &out->topic)) != 0)
                return rc;
        if (get_i32(&k, &out->partition) != 0 || get_i64(&v, &out->upstream) != 0 ||
            get_i64(&v, &out->downstream) != 0) {
                free(out->topic);
                out->topic = NULL;
                return SL_ERR_PARSE;
        }
        return 0;
}

int mm2_checkpoint_encode(sl_buf_t *key, sl_buf_t *value, const mm2_checkpoint_t *c) {
        sl_buf_reset(key);
        sl_buf_reset(value);
        if (put_string(key, c->group) != 0 || put_string(key, c->topic) != 0 ||
            put_be(key, (uint32_t)c->partition, 4) != 0)
                return SL_ERR_INVALID;
        if (put_be(value, 0, 2) != 0 || put_be(value, (uint64_t)c->upstream, 8) != 0 ||
            put_be(value, (uint64_t)c->downstream, 8) != 0 ||
            put_string(value, c->metadata ? c->metadata : "") != 0)
                return SL_ERR_INVALID;
        return 0;
}

void mm2_checkpoint_clear(mm2_checkpoint_t *c) {
        free(c->group);
        free(c->topic);
        free(c->metadata);
        memset(c, 0, sizeof(*c));
}

int mm2_checkpoint_decode(const void *key, size_t key_len, const void *value,
                          size_t value_len, mm2_checkpoint_t *out) {
        reader_t k = {key, key_len}, v = {value, value_len};
        uint64_t version;

        memset(out, 0, sizeof(*out));
        if (!key || !value || get_string(&k, &out->group) != 0 ||
            get_string(&k, &out->topic) != 0 || get_i32(&k, &out->partition) != 0 ||
            get_be(&v, 2, &version) != 0 || version != 0 || get_i64(&v, &out->upstream) != 0 ||
            get_i64(&v, &out->downstream) != 0 || get_string(&v, &out->metadata) != 0) {
                mm2_checkpoint_clear(out);
                return SL_ERR_PARSE;
        }
        return 0;
}

/* ------------------------------------------------- replication policy */

static int copy_field(char *dst, size_t size, const char *src, const char *key, char *errstr,
                      size_t errstr_size) {
        if (!src || !*src)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Missing required configuration \"%s\"", key);
        if (strlen(src) >= size)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "%s is too long", key);
        strcpy(dst, src);
        return 0;
}

int mm2_policy_init(mm2_policy_t *p, const sl_strmap_t *cfg, char *errstr, size_t errstr_size) {
        const char *cls = sl_config_str(cfg, "replication.policy.class");
        const char *sep = sl_config_str(cfg, "replication.policy.separator");
        const char *target = sl_config_str(cfg, "target.cluster.alias");
        int rc;

        memset(p, 0, sizeof(*p));
        p->identity = cls && strstr(cls, "IdentityReplicationPolicy");
        if ((rc = copy_field(p->source_alias, sizeof(p->source_alias),
                             sl_config_str(cfg, "source.cluster.alias"), "source.cluster.alias",
                             errstr, errstr_size)) != 0 ||
            (rc = copy_field(p->target_alias, sizeof(p->target_alias),
                             target && *target ? target : "target", "target.cluster.alias", errstr,
                             errstr_size)) != 0 ||
            (rc = copy_field(p->sep, sizeof(p->sep), sep && *sep ? sep : ".",
                             "replication.policy.separator", errstr, errstr_size)) != 0)
                return rc;
        return 0;
}

static char *join3(const char *a, const char *b, const char *c) {
        char *out;

        return asprintf(&out, "%s%s%s", a, b, c) < 0 ? NULL : out;
}

char *mm2_remote_topic(const mm2_policy_t *p, const char *topic) {
        return p->identity ? strdup(topic) : join3(p->source_alias, p->sep, topic);
}

char *mm2_offset_syncs_topic(const mm2_policy_t *p) {
        char *out;

        return asprintf(&out, "mm2-offset-syncs%s%s%sinternal", p->sep, p->target_alias, p->sep) < 0
                       ? NULL
                       : out;
}

char *mm2_checkpoints_topic(const mm2_policy_t *p) {
        char *out;

        return asprintf(&out, "%s%scheckpoints%sinternal", p->source_alias, p->sep, p->sep) < 0
                       ? NULL
                       : out;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && !strcmp(s + n - m, suffix);
}

/* DefaultReplicationPolicy.isInternalTopic plus MirrorSourceConnector's
 * cycle check: a topic whose alias chain names the target came from there
 * and would loop. */
bool mm2_skip_topic(const mm2_policy_t *p, const char *topic) {
        size_t seplen = strlen(p->sep), alen = strlen(p->target_alias);
        const char *t = topic;

        if (!strncmp(topic, "__", 2) || topic[0] == '.' || ends_with(topic, ".internal") ||
            ends_with(topic, "-internal"))
                return true;
        if (p->identity)
                return false;
        for (const char *s; (s = strstr(t, p->sep)); t = s + seplen)
                if ((size_t)(s - t) == alen && !strncmp(t, p->target_alias, alen))
                        return true;
        return false;
}

/* ------------------------------------------------------------ filters */

static int compile_list(const char *list, regex_t **res, int *n, char *errstr,
                        size_t errstr_size) {
        char **items = NULL;
        int cnt = sl_config_list(list ? list : "", &items);
        char why[256];

        *res = NULL;
        *n = 0;
        if (cnt < 0)
                return SL_ERR_NOMEM;
        if (cnt > 0 && !(*res = calloc((size_t)cnt, sizeof(regex_t)))) {
                sl_config_list_free(items, cnt);
                return SL_ERR_NOMEM;
        }
        for (int i = 0; i < cnt; i++) {
                if (sl_java_regex_compile(&(*res)[i], items[i], why, sizeof(why)) != 0) {
                        sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "Invalid regex '%s': %s",
                                  items[i], why);
                        sl_config_list_free(items, cnt);
                        return SL_ERR_CONFIG;
                }
                (*n)++;
        }
        sl_config_list_free(items, cnt);
        return 0;
}

int mm2_filter_init(mm2_filter_t *f, const char *include, const char *exclude, char *errstr,
                    size_t errstr_size) {
        int rc;

        memset(f, 0, sizeof(*f));
        if ((rc = compile_list(include, &f->inc, &f->ninc, errstr, errstr_size)) != 0 ||
            (rc = compile_list(exclude, &f->exc, &f->nexc, errstr, errstr_size)) != 0)
                mm2_filter_free(f);
        return rc;
}

static bool any_match(const regex_t *res, int n, const char *s) {
        for (int i = 0; i < n; i++)
                if (regexec(&res[i], s, 0, NULL, 0) == 0)
                        return true;
        return false;
}

bool mm2_filter_match(const mm2_filter_t *f, const char *name) {
        return any_match(f->inc, f->ninc, name) && !any_match(f->exc, f->nexc, name);
}

void mm2_filter_free(mm2_filter_t *f) {
        for (int i = 0; i < f->ninc; i++)
                regfree(&f->inc[i]);
        for (int i = 0; i < f->nexc; i++)
                regfree(&f->exc[i]);
        free(f->inc);
        free(f->exc);
        memset(f, 0, sizeof(*f));
}

int mm2_config_validator_regexes(const char *name, const char *value, char *errstr,
                                 size_t errstr_size) {
        regex_t *res;
        int n, rc = compile_list(value, &res, &n, errstr, errstr_size);

        (void)name;
        for (int i = 0; i < n; i++)
                regfree(&res[i]);
        free(res);
        return rc;
}

/* -------------------------------------------------------- translation */

static mm2_tp_syncs_t *store_find(const mm2_sync_store_t *s, const char *topic,
                                  int32_t partition) {
        for (size_t i = 0; i < s->n; i++)
                if (s->tps[i].partition == partition && !strcmp(s->tps[i].topic, topic))
                        return &s->tps[i];
        return NULL;
}

/* Full history: keep the newest half and every other older sync, so old
 * committed offsets still translate (less precisely), as MM2's
 * OffsetSyncStore thins its history. */
static void thin(mm2_tp_syncs_t *t) {
        size_t keep_from = t->n / 2, w = 0;

        for (size_t i = 0; i < t->n; i++)
                if (i >= keep_from || i % 2 == 0)
                        t->pts[w++] = t->pts[i];
        t->n = w;
}

int mm2_store_add(mm2_sync_store_t *s, const char *topic, int32_t partition,
                  int64_t upstream, int64_t downstream) {
        mm2_tp_syncs_t *t = store_find(s, topic, partition);

        if (!t) {
                if (s->n == s->cap) {
                        size_t cap = s->cap ? 2 * s->cap : 16;
                        mm2_tp_syncs_t *tps = realloc(s->tps, cap * sizeof(*tps));
                        if (!tps)
                                return SL_ERR_NOMEM;
                        s->tps = tps;
                        s->cap = cap;
                }
                t = &s->tps[s->n];
                memset(t, 0, sizeof(*t));
                if (!(t->topic = strdup(topic)) ||
                    !(t->pts = malloc(MM2_SYNCS_KEPT * sizeof(*t->pts)))) {
                        free(t->topic);
                        return SL_ERR_NOMEM;
                }
                t->partition = partition;
                s->n++;
        }
        /* an upstream offset going back means the topic was recreated (or
         * truncated): older syncs would translate wrongly */
        while (t->n > 0 && t->pts[t->n - 1].upstream >= upstream)
                t->n--;
        if (t->n == MM2_SYNCS_KEPT)
                thin(t);
        t->pts[t->n++] = (mm2_sync_point_t){upstream, downstream};
        return 0;
}

const mm2_tp_syncs_t *mm2_store_get(const mm2_sync_store_t *s, const char *topic,
                                    int32_t partition) {
        return store_find(s, topic, partition);
}

void mm2_store_free(mm2_sync_store_t *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->tps[i].topic);
                free(s->tps[i].pts);
        }
        free(s->tps);
        memset(s, 0, sizeof(*s));
}

int64_t mm2_translate(const mm2_tp_syncs_t *t, int64_t committed) {
        if (!t || committed < 0)
                return -1;
        for (size_t i = t->n; i-- > 0;) {
                const mm2_sync_point_t *p = &t->pts[i];
                if (p->upstream <= committed)
                        return p->downstream + (committed > p->upstream ? 1 : 0);
        }
        return -1;
}

/* ------------------------------------------------------------ clients */

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                    const char *shown, char *errstr, size_t errstr_size) {
        char why[256];

        if (rd_kafka_conf_set(conf, key, value, why, sizeof(why)) != RD_KAFKA_CONF_OK)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG, "Invalid value for %s: %s",
                                 shown, why);
        return 0;
}

/* Applies every cfg key starting with prefix (skipping MM2's own keys). */
static int apply_prefixed(rd_kafka_conf_t *conf, const sl_strmap_t *cfg, const char *prefix,
                          char *errstr, size_t errstr_size) {
        size_t plen = strlen(prefix);

        for (size_t i = 0; i < sl_strmap_count(cfg); i++) {
                const char *k = sl_strmap_key_at(cfg, i), *v = sl_strmap_value_at(cfg, i);
                int rc;

                if (strncmp(k, prefix, plen) || !v || !strcmp(k + plen, "alias"))
                        continue;
                /* a target.cluster.bootstrap.servers left empty */
                if (!*v && !strcmp(k + plen, "bootstrap.servers"))
                        continue;
                if ((rc = conf_set(conf, k + plen, v, k, errstr, errstr_size)) != 0)
                        return rc;
        }
        return 0;
}

rd_kafka_conf_t *mm2_client_conf(const sl_strmap_t *cfg, const char *side, const char *client,
                                 char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char prefix[64];

        snprintf(prefix, sizeof(prefix), "%s.cluster.", side);
        if (apply_prefixed(conf, cfg, prefix, errstr, errstr_size) != 0)
                goto fail;
        if (client) {
                snprintf(prefix, sizeof(prefix), "%s.%s.", side, client);
                if (apply_prefixed(conf, cfg, prefix, errstr, errstr_size) != 0)
                        goto fail;
        }
        return conf;
fail:
        rd_kafka_conf_destroy(conf);
        return NULL;
}

static void check_client(const sl_strmap_t *cfg, const char *side, const char *client,
                         sl_config_errors_t *errs) {
        char why[512], key[64];
        rd_kafka_conf_t *conf = mm2_client_conf(cfg, side, client, why, sizeof(why));
        const char *p;

        if (conf) {
                rd_kafka_conf_destroy(conf);
                return;
        }
        /* the message starts "Invalid value for <key>: " */
        p = why + strlen("Invalid value for ");
        snprintf(key, sizeof(key), "%.*s", (int)strcspn(p, ":"), p);
        sl_config_error_add(errs, key, "%s", why);
}

void mm2_validate_common(const sl_strmap_t *cfg, sl_config_errors_t *errs) {
        const char *src = sl_config_str(cfg, "source.cluster.alias");
        const char *tgt = sl_config_str(cfg, "target.cluster.alias");
        const char *loc = sl_config_str(cfg, "offset-syncs.topic.location");
        const char *tbs = sl_config_str(cfg, "target.cluster.bootstrap.servers");

        if (src && tgt && *src && !strcmp(src, tgt))
                sl_config_error_add(errs, "target.cluster.alias",
                                    "source.cluster.alias and target.cluster.alias must differ "
                                    "(both are '%s')",
                                    src);
        if (loc && !strcasecmp(loc, "target") && (!tbs || !*tbs))
                sl_config_error_add(errs, "target.cluster.bootstrap.servers",
                                    "target.cluster.bootstrap.servers is required with "
                                    "offset-syncs.topic.location=target");
        check_client(cfg, "source", "consumer", errs);
        check_client(cfg, "source", "producer", errs);
        check_client(cfg, "target", "consumer", errs);
        check_client(cfg, "target", "producer", errs);
}
