/* S3 sink pieces without a server: object names, record lines, the zstd
 * object stream, rotation decisions and the config checks. */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "s3/s3.h"
#include "s3/s3_client.h"
#include "s3/s3_int.h"
#include "sl_test.h"

static const s3_layout_t json_layout = {"topics", "/", "+", 10, S3_FMT_JSON, false};

static char *key_of(const s3_layout_t *l, const char *topic, int32_t p, int64_t off)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(s3_object_key(l, topic, p, off, &b), 0);
        return sl_buf_detach(&b, NULL);
}

static void test_object_names(void)
{
        s3_layout_t l = json_layout;
        char *k;

        k = key_of(&l, "orders", 3, 42);
        CHECK_STR(k, "topics/orders/partition=3/orders+3+0000000042.json");
        free(k);
        l.zstd = true;
        k = key_of(&l, "orders", 0, 0);
        CHECK_STR(k, "topics/orders/partition=0/orders+0+0000000000.json.zst");
        free(k);
        l.kind = S3_FMT_BYTES;
        l.zstd = false;
        k = key_of(&l, "b", 12, 12345678901LL);
        /* wider than the padding: all digits kept */
        CHECK_STR(k, "topics/b/partition=12/b+12+12345678901.bin");
        free(k);
        l = (s3_layout_t){"data/raw", "_", "-", 0, S3_FMT_JSON, true};
        k = key_of(&l, "t", 1, 7);
        CHECK_STR(k, "data/raw_t_partition=1_t-1-7.json.zst");
        free(k);
        l = (s3_layout_t){"", "/", "+", 3, S3_FMT_BYTES, false};
        k = key_of(&l, "t", 1, 7);
        CHECK_STR(k, "t/partition=1/t+1+007.bin");
        free(k);
}

static void test_partition_prefix_is_exact(void)
{
        sl_buf_t a = SL_BUF_INIT, b = SL_BUF_INIT;
        char *k = key_of(&json_layout, "t", 10, 5);

        CHECK_INT(s3_partition_prefix(&json_layout, "t", 1, &a), 0);
        CHECK_INT(s3_partition_prefix(&json_layout, "t", 10, &b), 0);
        CHECK_STR(a.data, "topics/t/partition=1/");
        /* partition 1's prefix must not match partition 10's objects */
        CHECK(strncmp(k, a.data, a.len) != 0);
        CHECK(strncmp(k, b.data, b.len) == 0);
        free(k);
        sl_buf_free(&a);
        sl_buf_free(&b);
}

static void test_unescape(void)
{
        sl_buf_t b = SL_BUF_INIT;

        CHECK_INT(s3_unescape("\\n", &b), 0);
        CHECK_INT(b.len, 1);
        CHECK(b.data[0] == '\n');
        sl_buf_reset(&b);
        CHECK_INT(s3_unescape("a\\t|\\u0041\\\\\\r\\n", &b), 0);
        CHECK_STR(b.data, "a\t|A\\\r\n");
        sl_buf_reset(&b);
        CHECK_INT(s3_unescape("\\0x", &b), 0);
        CHECK_INT(b.len, 2);
        CHECK(b.data[0] == '\0' && b.data[1] == 'x');
        sl_buf_reset(&b);
        CHECK_INT(s3_unescape("\\u00e9", &b), 0);
        CHECK_STR(b.data, "\xc3\xa9");
        sl_buf_reset(&b);
        CHECK_INT(s3_unescape("plain, text", &b), 0);
        CHECK_STR(b.data, "plain, text");
        CHECK_INT(s3_unescape("\\q", &b), SL_ERR_PARSE);
        CHECK_INT(s3_unescape("end\\", &b), SL_ERR_PARSE);
        CHECK_INT(s3_unescape("\\u12", &b), SL_ERR_PARSE);
        sl_buf_free(&b);
}

static sl_sink_record_t rec_of(const sl_json_t *schema, const sl_json_t *value, int64_t off,
                               int64_t ts)
{
        return (sl_sink_record_t){.topic = "t", .partition = 2, .offset = off,
                                  .timestamp = ts, .value = {schema, value}};
}

static void render(const s3_format_t *f, const sl_json_t *schema, const char *value_json,
                   int want_rc, const char *want)
{
        char err[512] = "";
        sl_json_t *v = value_json ? sl_json_parse(value_json, strlen(value_json), err,
                                                  sizeof(err))
                                  : NULL;
        sl_sink_record_t r = rec_of(schema, v, 5, 0);
        sl_buf_t out = SL_BUF_INIT;

        sl_buf_puts(&out, "prev|");
        CHECK_INT(s3_format_record(f, &r, &out, err, sizeof(err)), want_rc);
        if (want)
                CHECK_STR(out.data, want);
        sl_json_free(v);
        sl_buf_free(&out);
}

static void test_json_lines(void)
{
        s3_format_t f = {.kind = S3_FMT_JSON};
        char err[256];
        const char *st = "{\"type\":\"struct\",\"fields\":[{\"field\":\"id\","
                         "\"type\":\"int32\"},{\"field\":\"name\",\"type\":\"string\"}]}";
        sl_json_t *schema = sl_json_parse(st, strlen(st), err, sizeof(err));

        CHECK(schema != NULL);
        render(&f, NULL, "{\"a\":1,\"b\":[true,null,\"x\"]}", 0,
               "prev|{\"a\":1,\"b\":[true,null,\"x\"]}\n");
        /* a struct with a schema is written without the schema envelope */
        render(&f, schema, "{\"id\":7,\"name\":\"seven\"}", 0,
               "prev|{\"id\":7,\"name\":\"seven\"}\n");
        /* string values are JSON strings, as JsonConverter writes them */
        render(&f, NULL, "\"line \\\"q\\\"\"", 0, "prev|\"line \\\"q\\\"\"\n");
        render(&f, NULL, "12", 0, "prev|12\n");
        render(&f, NULL, "2.5", 0, "prev|2.5\n");
        sl_json_free(schema);
}

static void test_json_bytes_are_base64(void)
{
        s3_format_t f = {.kind = S3_FMT_JSON};
        sl_json_t v = SL_JSON_BYTES_REF("\x01\x02\xff", 3);
        sl_sink_record_t r = rec_of(NULL, &v, 1, 0);
        sl_buf_t out = SL_BUF_INIT;
        char err[256];

        CHECK_INT(s3_format_record(&f, &r, &out, err, sizeof(err)), 0);
        CHECK_STR(out.data, "\"AQL/\"\n");
        sl_buf_free(&out);
}

static void test_null_values(void)
{
        s3_format_t fail = {.kind = S3_FMT_JSON}, ignore = {.kind = S3_FMT_JSON,
                                                            .ignore_nulls = true};
        sl_sink_record_t r = rec_of(NULL, NULL, 9, 0);
        sl_buf_t out = SL_BUF_INIT;
        char err[512] = "";

        sl_buf_puts(&out, "x");
        CHECK(s3_format_record(&fail, &r, &out, err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "t-2@9");
        CHECK_CONTAINS(err, "behavior.on.null.values");
        CHECK_INT(s3_format_record(&ignore, &r, &out, err, sizeof(err)), 1);
        CHECK_STR(out.data, "x");
        sl_buf_free(&out);
}

static void test_bytearray(void)
{
        s3_format_t nl = {.kind = S3_FMT_BYTES, .sep = "\n", .sep_len = 1};
        s3_format_t nul = {.kind = S3_FMT_BYTES, .sep = "\0|", .sep_len = 2};
        sl_json_t b = SL_JSON_BYTES_REF("ra\nw", 4), str = SL_JSON_STRING_REF("abc", 3);
        sl_json_t *obj = sl_json_object();
        sl_sink_record_t r = rec_of(NULL, &b, 1, 0);
        sl_buf_t out = SL_BUF_INIT;
        char err[512] = "";

        CHECK_INT(s3_format_record(&nl, &r, &out, err, sizeof(err)), 0);
        r.value.value = &str;
        CHECK_INT(s3_format_record(&nul, &r, &out, err, sizeof(err)), 0);
        CHECK_INT(out.len, 5 + 5);
        CHECK(memcmp(out.data, "ra\nw\nabc\0|", 10) == 0);
        r.value.value = obj;
        CHECK(s3_format_record(&nl, &r, &out, err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "ByteArrayConverter");
        CHECK_INT(out.len, 10);
        sl_json_free(obj);
        sl_buf_free(&out);
}

static void check_frame(const sl_buf_t *z, const char *want, size_t want_len)
{
        unsigned long long size = ZSTD_getFrameContentSize(z->data, z->len);
        size_t cap = want_len + 16, n;
        char *plain = malloc(cap);

        /* streamed: the size is not in the frame header */
        CHECK(size == ZSTD_CONTENTSIZE_UNKNOWN || size == want_len);
        CHECK_INT(ZSTD_findFrameCompressedSize(z->data, z->len), z->len);
        n = ZSTD_decompress(plain, cap, z->data, z->len);
        CHECK(!ZSTD_isError(n));
        CHECK_INT(n, want_len);
        CHECK(n == want_len && memcmp(plain, want, want_len) == 0);
        free(plain);
}

static void test_zstd_stream_round_trip(void)
{
        s3_enc_t e;
        sl_buf_t z = SL_BUF_INIT, plain = SL_BUF_INIT;
        char err[256];

        CHECK_INT(s3_enc_init(&e, true, -1, err, sizeof(err)), 0);
        /* more than a zstd block, in pieces of every size */
        for (int i = 0; i < 20000; i++) {
                char line[64];
                int n = snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"%.*s\"}\n", i,
                                 i % 23, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
                sl_buf_append(&plain, line, (size_t)n);
                CHECK_INT(s3_enc_write(&e, line, (size_t)n, &z, err, sizeof(err)), 0);
        }
        CHECK_INT(s3_enc_end(&e, &z, err, sizeof(err)), 0);
        CHECK(z.len > 0 && z.len < plain.len / 4);
        check_frame(&z, plain.data, plain.len);

        /* the next object is a new frame; an abandoned one leaves no trace */
        sl_buf_reset(&z);
        CHECK_INT(s3_enc_write(&e, "dropped\n", 8, &z, err, sizeof(err)), 0);
        s3_enc_reset(&e);
        sl_buf_reset(&z);
        CHECK_INT(s3_enc_write(&e, "second\n", 7, &z, err, sizeof(err)), 0);
        CHECK_INT(s3_enc_end(&e, &z, err, sizeof(err)), 0);
        check_frame(&z, "second\n", 7);
        s3_enc_free(&e);

        /* without compression the bytes go through as they are */
        CHECK_INT(s3_enc_init(&e, false, -1, err, sizeof(err)), 0);
        sl_buf_reset(&z);
        CHECK_INT(s3_enc_write(&e, "ab", 2, &z, err, sizeof(err)), 0);
        CHECK_INT(s3_enc_end(&e, &z, err, sizeof(err)), 0);
        CHECK_STR(z.data, "ab");
        s3_enc_free(&e);
        sl_buf_free(&z);
        sl_buf_free(&plain);
}

static void test_zstd_level(void)
{
        s3_enc_t e;
        char err[256];

        CHECK_INT(s3_enc_init(&e, true, 19, err, sizeof(err)), 0);
        CHECK_INT(e.level, 19);
        s3_enc_free(&e);
        CHECK_INT(s3_enc_init(&e, true, -1, err, sizeof(err)), 0);
        CHECK_INT(e.level, ZSTD_CLEVEL_DEFAULT);
        s3_enc_free(&e);
}

static void test_rotation_flush_size(void)
{
        s3_rotation_t r = {.flush_size = 3, .interval_ms = -1, .schedule_ms = -1};
        s3_rot_state_t st = {0};
        int64_t now = 1000;

        CHECK(!s3_rot_before(&r, &st, now, now));
        s3_rot_add(&r, &st, now, now);
        s3_rot_add(&r, &st, now, now);
        CHECK(!s3_rot_full(&r, &st));
        CHECK(!s3_rot_idle(&r, &st, now + 1000000));
        s3_rot_add(&r, &st, now, now);
        CHECK(s3_rot_full(&r, &st));
}

static void test_rotation_record_time(void)
{
        s3_rotation_t r = {.flush_size = 100, .interval_ms = 1000, .schedule_ms = -1,
                           .ts_kind = S3_TS_RECORD};
        s3_rot_state_t st = {0};
        int64_t now = 5;

        s3_rot_add(&r, &st, 10000, now);
        CHECK(!s3_rot_before(&r, &st, 10999, now));
        s3_rot_add(&r, &st, 10999, now);
        /* out-of-order timestamps measure from the object's first record */
        CHECK(!s3_rot_before(&r, &st, 9000, now));
        CHECK(s3_rot_before(&r, &st, 11000, now));
        /* record time never rotates without a record, whatever the clock */
        CHECK(!s3_rot_idle(&r, &st, 99999999));
        st.count = 0;
        CHECK(!s3_rot_before(&r, &st, 99999, now));
}

static void test_rotation_wall_clock(void)
{
        s3_rotation_t r = {.flush_size = 100, .interval_ms = 500, .schedule_ms = -1,
                           .ts_kind = S3_TS_WALLCLOCK};
        s3_rotation_t sched = {.flush_size = 100, .interval_ms = -1, .schedule_ms = 1000,
                               .ts_kind = S3_TS_RECORD};
        s3_rot_state_t st = {0}, ss = {0};

        CHECK(!s3_rot_idle(&r, &st, 10000)); /* nothing open */
        s3_rot_add(&r, &st, 10000, 10000);
        CHECK(!s3_rot_idle(&r, &st, 10499));
        CHECK(s3_rot_idle(&r, &st, 10500));
        CHECK(s3_rot_before(&r, &st, 10600, 10600));

        /* scheduled rotations fall on multiples of the interval */
        s3_rot_add(&sched, &ss, 1, 12345);
        CHECK_INT(ss.next_sched, 13000);
        CHECK(!s3_rot_idle(&sched, &ss, 12999));
        CHECK(s3_rot_idle(&sched, &ss, 13000));
        CHECK(s3_rot_before(&sched, &ss, 1, 13001));
}

static void test_record_timestamps(void)
{
        s3_rotation_t wall = {.ts_kind = S3_TS_WALLCLOCK};
        s3_rotation_t rec = {.ts_kind = S3_TS_RECORD};
        s3_rotation_t field = {.ts_kind = S3_TS_FIELD, .ts_field = "ts"};
        char err[512] = "";
        sl_json_t *v = sl_json_parse("{\"ts\":4242,\"x\":1}", 17, err, sizeof(err));
        sl_sink_record_t r = rec_of(NULL, v, 3, 777);
        int64_t ts = 0;

        CHECK_INT(s3_record_ts(&wall, &r, 99, &ts, err, sizeof(err)), 0);
        CHECK_INT(ts, 99);
        CHECK_INT(s3_record_ts(&rec, &r, 99, &ts, err, sizeof(err)), 0);
        CHECK_INT(ts, 777);
        CHECK_INT(s3_record_ts(&field, &r, 99, &ts, err, sizeof(err)), 0);
        CHECK_INT(ts, 4242);
        r.timestamp = -1;
        CHECK(s3_record_ts(&rec, &r, 99, &ts, err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "timestamp.extractor=Record");
        field.ts_field = "missing";
        CHECK(s3_record_ts(&field, &r, 99, &ts, err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "'missing'");
        sl_json_free(v);
}

static const sl_config_def_t *def_of(const char *name)
{
        for (const sl_config_def_t *d = sl_s3_sink_plugin.config; d->name; d++)
                if (!strcmp(d->name, name))
                        return d;
        return NULL;
}

static void test_config_checks(void)
{
        const sl_config_def_t *comp = def_of("s3.compression.type");
        const sl_config_def_t *part = def_of("s3.part.size");
        const sl_config_def_t *flush = def_of("flush.size");
        const sl_config_def_t *fmt = def_of("format.class");
        const sl_config_def_t *sep = def_of("format.bytearray.separator");
        char err[512] = "";

        CHECK(comp && part && flush && fmt && sep);
        if (!comp || !part || !flush || !fmt || !sep)
                return;
        CHECK_INT(comp->validator(comp->name, "zstd", err, sizeof(err)), 0);
        CHECK_INT(comp->validator(comp->name, "none", err, sizeof(err)), 0);
        CHECK(comp->validator(comp->name, "gzip", err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "use zstd");
        CHECK(comp->validator(comp->name, "snappy", err, sizeof(err)) < 0);
        CHECK((part->flags & SL_CFG_MIN) && part->min == S3_MIN_PART_SIZE);
        CHECK_STR(part->default_value, "26214400");
        CHECK(flush->flags & SL_CFG_REQUIRED);
        CHECK_INT(fmt->validator(fmt->name, S3_JSON_FORMAT, err, sizeof(err)), 0);
        CHECK_INT(fmt->validator(fmt->name, S3_BYTEARRAY_FORMAT, err, sizeof(err)), 0);
        CHECK(fmt->validator(fmt->name, "io.confluent.connect.s3.format.avro.AvroFormat",
                             err, sizeof(err)) < 0);
        CHECK(sep->validator(sep->name, "\\q", err, sizeof(err)) < 0);
        CHECK_INT(sep->validator(sep->name, "\\u0001", err, sizeof(err)), 0);
        CHECK_STR(sl_s3_sink_plugin.class_name, "io.confluent.connect.s3.S3SinkConnector");
        CHECK(sl_s3_sink_plugin.sink_precommit != NULL);
}

static const sl_config_def_t *def_in(const sl_connector_plugin_t *p, const char *name)
{
        for (const sl_config_def_t *d = p->config; d->name; d++)
                if (!strcmp(d->name, name))
                        return d;
        return NULL;
}

/* The connection, format and retry keys are one definition in both
 * connectors; only the separator's emptiness differs. */
static void test_shared_config(void)
{
        static const char *const shared[] = {
                "s3.bucket.name", "s3.region", "store.url", "aws.access.key.id",
                "aws.secret.access.key", "topics.dir", "format.class",
                "format.bytearray.separator", "s3.part.retries", "s3.retry.backoff.ms"};
        char err[512] = "";

        for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
                const sl_config_def_t *a = def_in(&sl_s3_sink_plugin, shared[i]);
                const sl_config_def_t *b = def_in(&sl_s3_source_plugin, shared[i]);
                CHECK(a && b);
                if (!a || !b)
                        continue;
                CHECK_STR(a->documentation, b->documentation);
                CHECK(a->type == b->type && a->flags == b->flags);
                CHECK((a->default_value == NULL) == (b->default_value == NULL));
                if (a->default_value && b->default_value)
                        CHECK_STR(a->default_value, b->default_value);
        }
        CHECK_INT(s3_url_validator("store.url", "http://127.0.0.1:8080", err, sizeof(err)), 0);
        CHECK(s3_url_validator("store.url", "https://s3.amazonaws.com", err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "https is not supported");
        CHECK(s3_url_validator("store.url", "http://", err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "http:// URL");
        CHECK_INT(s3_topics_dir_validator("topics.dir", "backup/topics", err, sizeof(err)), 0);
        CHECK_INT(s3_topics_dir_validator("topics.dir", "", err, sizeof(err)), 0);
        CHECK(s3_topics_dir_validator("topics.dir", "/topics", err, sizeof(err)) < 0);
        CHECK(s3_topics_dir_validator("topics.dir", "a//b", err, sizeof(err)) < 0);
        CHECK_INT(s3_separator_validator("s", "", err, sizeof(err)), 0);
        CHECK(s3_separator_nonempty_validator("s", "", err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "must not be empty");
        CHECK(s3_separator_nonempty_validator("s", "\\q", err, sizeof(err)) < 0);
        CHECK_CONTAINS(err, "invalid escape");
        CHECK_INT(s3_separator_nonempty_validator("s", "||", err, sizeof(err)), 0);
        CHECK(def_in(&sl_s3_sink_plugin, "format.bytearray.separator")->validator ==
              s3_separator_validator);
        CHECK(def_in(&sl_s3_source_plugin, "format.bytearray.separator")->validator ==
              s3_separator_nonempty_validator);
}

static void test_config_readers(void)
{
        sl_strmap_t *c = sl_strmap_new();
        sl_buf_t sep = SL_BUF_INIT;
        char err[512] = "";

        CHECK(c != NULL);
        if (!c)
                return;
        CHECK(s3_format_kind_of(c) == S3_FMT_JSON);
        CHECK_INT(s3_separator_of(c, false, &sep, err, sizeof(err)), 0);
        CHECK(sep.len == 1 && sep.data[0] == '\n');
        sl_buf_reset(&sep);
        CHECK_INT(sl_strmap_set(c, "format.class", S3_BYTEARRAY_FORMAT), 0);
        CHECK_INT(sl_strmap_set(c, "format.bytearray.separator", ""), 0);
        CHECK(s3_format_kind_of(c) == S3_FMT_BYTES);
        CHECK_INT(s3_separator_of(c, true, &sep, err, sizeof(err)), 0);
        CHECK(sep.len == 0);
        CHECK(s3_separator_of(c, false, &sep, err, sizeof(err)) == SL_ERR_CONFIG);
        CHECK_CONTAINS(err, "format.bytearray.separator");
        sl_buf_free(&sep);
        sl_strmap_destroy(c);
}

/* s3.retry.backoff.ms doubles per retry up to 10 s; s3.part.retries
 * retries, then -1. */
static void test_retry_backoff(void)
{
        s3_retry_t rt = {.retries = 3, .backoff_ms = 200};

        CHECK(s3_retry_next(&rt) == 200);
        CHECK(s3_retry_next(&rt) == 400);
        CHECK(s3_retry_next(&rt) == 800);
        CHECK(s3_retry_next(&rt) == -1);
        CHECK_INT(rt.failures, 3);
        rt = (s3_retry_t){.retries = 10, .backoff_ms = 3000};
        CHECK(s3_retry_next(&rt) == 3000);
        CHECK(s3_retry_next(&rt) == 6000);
        CHECK(s3_retry_next(&rt) == S3_MAX_BACKOFF_MS);
        CHECK(s3_retry_next(&rt) == S3_MAX_BACKOFF_MS);
        /* a configured first wait longer than the cap is kept */
        rt = (s3_retry_t){.retries = 2, .backoff_ms = 30000};
        CHECK(s3_retry_next(&rt) == 30000);
        CHECK(s3_retry_next(&rt) == 30000);
        rt = (s3_retry_t){.retries = 0, .backoff_ms = 200};
        CHECK(s3_retry_next(&rt) == -1);
}

int main(void)
{
        RUN(test_object_names);
        RUN(test_partition_prefix_is_exact);
        RUN(test_unescape);
        RUN(test_json_lines);
        RUN(test_json_bytes_are_base64);
        RUN(test_null_values);
        RUN(test_bytearray);
        RUN(test_zstd_stream_round_trip);
        RUN(test_zstd_level);
        RUN(test_rotation_flush_size);
        RUN(test_rotation_record_time);
        RUN(test_rotation_wall_clock);
        RUN(test_record_timestamps);
        RUN(test_config_checks);
        RUN(test_shared_config);
        RUN(test_config_readers);
        RUN(test_retry_backoff);
        TEST_MAIN_END();
}
