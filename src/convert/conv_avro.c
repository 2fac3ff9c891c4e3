/* io.confluent.connect.avro.AvroConverter: Connect data as Avro binary in
 * the Schema Registry wire format (magic byte 0, the schema id as a 4-byte
 * big-endian integer, then the datum). Schemas are mapped by avro_data.c
 * and registered/fetched through sr_client.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/avro_data.h"
#include "convert/converter_int.h"
#include "schemareg/sr_client.h"

#define MAGIC 0x00
#define HEADER_LEN 5
#define STRATEGY_PKG "io.confluent.kafka.serializers.subject."

typedef enum strategy {
        TOPIC_NAME,        /* <topic>-key / <topic>-value */
        RECORD_NAME,       /* the record's full name */
        TOPIC_RECORD_NAME, /* <topic>-<full name> */
} strategy_t;

/* What a Connect schema turned into, kept per distinct Connect schema. */
typedef struct conn_entry {
        char *text;            /* the Avro schema as registered */
        sl_avro_schema_t *avro; /* parsed, for writing */
        char *subject;         /* the last subject it was registered under */
        int32_t id;            /* and its id there */
} conn_entry_t;

typedef struct avro_conv {
        bool is_key;
        bool auto_register;
        bool use_latest;
        strategy_t strategy;
        sl_avro_opts_t opts;
        sl_sr_client_t *client;
        sl_sr_cache_t *by_connect; /* Connect schema text -> conn_entry_t */
        sl_json_t *last_cs;        /* the last Connect schema seen ... */
        conn_entry_t *last;        /* ... and its entry (not owned) */
        sl_buf_t key;              /* Connect schema text being looked up */
        sl_buf_t subject;
} avro_conv_t;

static void entry_free(void *opaque, void *v)
{
        (void)opaque;
        conn_entry_t *e = v;
        free(e->text);
        sl_avro_schema_free(e->avro);
        free(e->subject);
        free(e);
}

static void *parse_schema(void *opaque, const char *text, size_t len,
                          char *errstr, size_t errstr_size)
{
        const avro_conv_t *c = opaque;
        return sl_avro_schema_new(text, len, &c->opts, errstr, errstr_size);
}

static void free_schema(void *opaque, void *s)
{
        (void)opaque;
        sl_avro_schema_free(s);
}

static int cfg_strategy(const sl_strmap_t *cfg, const char *key,
                        strategy_t *out, char *errstr, size_t errstr_size)
{
        static const struct {
                const char *name;
                strategy_t s;
        } names[] = {
                {"TopicNameStrategy", TOPIC_NAME},
                {"RecordNameStrategy", RECORD_NAME},
                {"TopicRecordNameStrategy", TOPIC_RECORD_NAME},
        };
        const char *v = cfg ? sl_strmap_get(cfg, key) : NULL;
        *out = TOPIC_NAME;
        if (!v)
                return 0;
        const char *simple = !strncmp(v, STRATEGY_PKG, strlen(STRATEGY_PKG))
                                     ? v + strlen(STRATEGY_PKG)
                                     : v;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (!strcmp(simple, names[i].name)) {
                        *out = names[i].s;
                        return 0;
                }
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "Invalid value %s for configuration %s: Class %s "
                         "could not be found.",
                         v, key, v);
}

static void avro_destroy(void *state)
{
        avro_conv_t *c = state;
        if (!c)
                return;
        sl_sr_client_destroy(c->client);
        sl_sr_cache_destroy(c->by_connect);
        sl_json_free(c->last_cs);
        sl_buf_free(&c->key);
        sl_buf_free(&c->subject);
        free(c);
}

static int avro_init(const sl_strmap_t *config, bool is_key, void **statep,
                     char *errstr, size_t errstr_size)
{
        avro_conv_t *c = calloc(1, sizeof(*c));
        if (!c)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                 "out of memory");
        c->is_key = is_key;
        strategy_t other;
        int rc = sl_conv_cfg_bool(config, "auto.register.schemas", true,
                                  &c->auto_register, errstr, errstr_size);
        if (rc == 0)
                rc = sl_conv_cfg_bool(config, "use.latest.version", false,
                                      &c->use_latest, errstr, errstr_size);
        if (rc == 0)
                rc = sl_conv_cfg_bool(config, "connect.meta.data", true,
                                      &c->opts.connect_meta, errstr,
                                      errstr_size);
        if (rc == 0)
                rc = sl_conv_cfg_bool(config, "enhanced.avro.schema.support",
                                      false, &c->opts.enhanced, errstr,
                                      errstr_size);
        if (rc == 0)
                rc = cfg_strategy(config, "key.subject.name.strategy",
                                  is_key ? &c->strategy : &other, errstr,
                                  errstr_size);
        if (rc == 0)
                rc = cfg_strategy(config, "value.subject.name.strategy",
                                  is_key ? &other : &c->strategy, errstr,
                                  errstr_size);
        if (rc == 0) {
                sl_sr_parser_t p = {parse_schema, free_schema, c};
                c->client = sl_sr_client_new(config, &p, errstr, errstr_size);
                rc = c->client ? 0 : SL_ERR_CONFIG;
        }
        if (rc == 0) {
                const char *n = sl_strmap_get(config, "schemas.cache.config");
                long max = n ? strtol(n, NULL, 10) : 1000;
                c->by_connect = sl_sr_cache_new(max > 0 ? (size_t)max : 1000,
                                                entry_free, NULL);
                if (!c->by_connect)
                        rc = sl_seterr(errstr, errstr_size, SL_ERR_NOMEM,
                                       "out of memory");
        }
        if (rc < 0) {
                avro_destroy(c);
                return rc;
        }
        *statep = c;
        return 0;
}

/* ------------------------------------------------------- Connect -> Avro */

/* The entry of a Connect schema: the last one again (the usual case,
 * checked without serialising it), else by its text, else made now. */
static int entry_for(avro_conv_t *c, const sl_json_t *cs, conn_entry_t **out,
                     char *errstr, size_t errstr_size)
{
        if (c->last && sl_json_equal(c->last_cs, cs)) {
                *out = c->last;
                return 0;
        }
        sl_buf_reset(&c->key);
        if (sl_json_write(cs, &c->key) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "out of memory");
        conn_entry_t *e = sl_sr_cache_get(c->by_connect, c->key.data,
                                          c->key.len);
        if (!e) {
                sl_buf_t text = SL_BUF_INIT;
                int rc = sl_avro_schema_from_connect(cs, &c->opts, &text,
                                                     errstr, errstr_size);
                if (rc < 0) {
                        sl_buf_free(&text);
                        return rc;
                }
                e = calloc(1, sizeof(*e));
                if (e) {
                        e->text = sl_buf_detach(&text, NULL);
                        e->avro = e->text ? sl_avro_schema_new(
                                                    e->text, strlen(e->text),
                                                    &c->opts, errstr,
                                                    errstr_size)
                                          : NULL;
                }
                sl_buf_free(&text);
                if (!e || !e->avro) {
                        if (e)
                                entry_free(NULL, e);
                        else
                                sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                          "out of memory");
                        return SL_ERR_CONVERT;
                }
                /* the put may evict the last entry: forget it first */
                c->last = NULL;
                if (sl_sr_cache_put(c->by_connect, c->key.data, c->key.len,
                                    e) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                         "out of memory");
        }
        sl_json_t *dup = sl_json_dup(cs);
        if (dup) {
                sl_json_free(c->last_cs);
                c->last_cs = dup;
                c->last = e;
        }
        *out = e;
        return 0;
}

static int subject_for(avro_conv_t *c, const char *topic,
                       const conn_entry_t *e, char *errstr,
                       size_t errstr_size)
{
        const char *name = e->avro->full_name;
        sl_buf_reset(&c->subject);
        int rc;
        if (c->strategy == TOPIC_NAME)
                return sl_buf_printf(&c->subject, "%s-%s", topic,
                                     c->is_key ? "key" : "value") < 0
                               ? SL_ERR_NOMEM
                               : 0;
        if (!name)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "In configuration %s.subject.name.strategy "
                                 "= %s%s, the message %s must only be a "
                                 "record schema",
                                 c->is_key ? "key" : "value", STRATEGY_PKG,
                                 c->strategy == RECORD_NAME
                                         ? "RecordNameStrategy"
                                         : "TopicRecordNameStrategy",
                                 c->is_key ? "key" : "value");
        if (c->strategy == RECORD_NAME)
                rc = sl_buf_puts(&c->subject, name);
        else
                rc = sl_buf_printf(&c->subject, "%s-%s", topic, name);
        return rc < 0 ? SL_ERR_NOMEM : 0;
}

/* The schema id to write and the schema to write with. */
static int schema_id(avro_conv_t *c, conn_entry_t *e, int32_t *idp,
                     sl_avro_schema_t **writep, char *errstr,
                     size_t errstr_size)
{
        const char *subject = c->subject.data;
        char msg[512];
        int rc;
        *writep = e->avro;
        if (c->use_latest) {
                void *parsed;
                rc = sl_sr_client_latest(c->client, subject, idp, &parsed,
                                         msg, sizeof(msg));
                if (rc == 0)
                        *writep = parsed;
                else
                        sl_seterr(errstr, errstr_size, rc,
                                  "Error retrieving latest version of Avro "
                                  "schema for subject \"%s\": %s",
                                  subject, msg);
                return rc;
        }
        if (e->subject && !strcmp(e->subject, subject)) {
                *idp = e->id;
                return 0;
        }
        rc = c->auto_register
                     ? sl_sr_client_register(c->client, subject, e->text, idp,
                                             msg, sizeof(msg))
                     : sl_sr_client_lookup(c->client, subject, e->text, idp,
                                           msg, sizeof(msg));
        if (rc < 0)
                return sl_seterr(errstr, errstr_size, rc,
                                 "Error %s Avro schema for subject \"%s\": "
                                 "%s",
                                 c->auto_register ? "registering"
                                                  : "retrieving",
                                 subject, msg);
        char *s = strdup(subject);
        if (s) {
                free(e->subject);
                e->subject = s;
                e->id = *idp;
        }
        return 0;
}

static int serialize(avro_conv_t *c, const char *topic, const sl_json_t *cs,
                     const sl_json_t *v, sl_buf_t *out, char *errstr,
                     size_t errstr_size)
{
        conn_entry_t *e = NULL;
        sl_avro_schema_t *ws = NULL;
        int32_t id = 0;
        TRY(entry_for(c, cs, &e, errstr, errstr_size));
        int rc = subject_for(c, topic, e, errstr, errstr_size);
        if (rc == SL_ERR_NOMEM)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "out of memory");
        TRY(rc);
        TRY(schema_id(c, e, &id, &ws, errstr, errstr_size));
        unsigned char hdr[HEADER_LEN] = {MAGIC, (unsigned char)(id >> 24),
                                         (unsigned char)(id >> 16),
                                         (unsigned char)(id >> 8),
                                         (unsigned char)id};
        if (sl_buf_append(out, hdr, sizeof(hdr)) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "out of memory");
        return sl_avro_encode(ws, cs, v, out, errstr, errstr_size);
}

static int avro_from_data(void *state, const char *topic, const sl_data_t *d,
                          sl_buf_t *scratch, const void **ptr, size_t *len,
                          bool *borrowed, char *errstr, size_t errstr_size)
{
        avro_conv_t *c = state;
        const sl_json_t *cs = d->schema, *v = d->value;
        sl_json_t *inferred = NULL;
        char msg[1024];
        bool null = !v || v->type == SL_JSON_NULL;
        int rc = 0;
        /* A null is a tombstone unless a required schema says otherwise
         * (its default is written then, or the null refused). */
        if (null && (!cs || sl_conv_schema_optional(cs)))
                return 0;
        const sl_json_t *def = sl_json_object_get(cs, "default");
        if (null && (!def || def->type == SL_JSON_NULL))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "Failed to serialize Avro data from topic "
                                 "%s : Found null value for non-optional "
                                 "schema",
                                 topic);
        if (!cs) {
                rc = sl_avro_infer_schema(v, &inferred, msg, sizeof(msg));
                cs = inferred;
        }
        size_t start = scratch->len;
        if (rc == 0)
                rc = serialize(c, topic, cs, v, scratch, msg, sizeof(msg));
        sl_json_free(inferred);
        if (rc < 0) {
                scratch->len = start;
                if (scratch->data)
                        scratch->data[start] = '\0';
                /* only an unreachable registry is worth a retry */
                return sl_seterr(errstr, errstr_size,
                                 rc == SL_ERR_RETRIABLE ? SL_ERR_RETRIABLE
                                                        : SL_ERR_CONVERT,
                                 "Failed to serialize Avro data from topic "
                                 "%s : %s",
                                 topic, msg);
        }
        *ptr = scratch->data + start;
        *len = scratch->len - start;
        *borrowed = false;
        return 0;
}

/* ------------------------------------------------------- Avro -> Connect */

static int avro_to_data(void *state, const char *topic, const void *data,
                        size_t len, sl_json_t **schemap, sl_json_t **valuep,
                        char *errstr, size_t errstr_size)
{
        avro_conv_t *c = state;
        const unsigned char *p = data;
        char msg[1024];
        int rc;
        if (!data || len == 0)
                return 0;
        if (len < HEADER_LEN || p[0] != MAGIC) {
                rc = sl_seterr(msg, sizeof(msg), SL_ERR_CONVERT,
                               "Unknown magic byte!");
                goto fail;
        }
        int32_t id = (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
                               (uint32_t)p[3] << 8 | p[4]);
        void *parsed;
        char rerr[512];
        rc = sl_sr_client_schema_by_id(c->client, id, &parsed, rerr,
                                       sizeof(rerr));
        if (rc < 0) {
                sl_seterr(msg, sizeof(msg), rc,
                          "Error retrieving Avro %s schema for id %d: %s",
                          c->is_key ? "key" : "value", (int)id, rerr);
                goto fail;
        }
        sl_avro_schema_t *s = parsed;
        sl_json_t *value = NULL, *schema = NULL;
        rc = sl_avro_decode(s, p + HEADER_LEN, len - HEADER_LEN, &value, rerr,
                            sizeof(rerr));
        if (rc < 0) {
                sl_seterr(msg, sizeof(msg), rc,
                          "Error deserializing Avro message for id %d: %s",
                          (int)id, rerr);
                goto fail;
        }
        if (!(schema = sl_json_dup(s->connect))) {
                sl_json_free(value);
                rc = sl_seterr(msg, sizeof(msg), SL_ERR_CONVERT,
                               "out of memory");
                goto fail;
        }
        if (value && value->type == SL_JSON_NULL) {
                sl_json_free(value);
                value = NULL;
        }
        *schemap = schema;
        *valuep = value;
        return 0;
fail:
        return sl_seterr(errstr, errstr_size,
                         rc == SL_ERR_RETRIABLE ? SL_ERR_RETRIABLE
                                                : SL_ERR_CONVERT,
                         "Converting byte[] to Kafka Connect data failed due "
                         "to serialization error of topic %s: %s",
                         topic, msg);
}

const sl_converter_ops_t sl_conv_avro_ops = {
        .class_name = "io.confluent.connect.avro.AvroConverter",
        .init = avro_init,
        .destroy = avro_destroy,
        .from_data = avro_from_data,
        .to_data = avro_to_data,
};
