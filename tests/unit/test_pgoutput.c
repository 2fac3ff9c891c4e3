/* pgoutput v1 decoder and replication framing, from hand-built bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "postgres/pgoutput.h"
#include "sl_test.h"

typedef struct mb {
        uint8_t b[1024];
        size_t n;
} mb_t;

static void u8(mb_t *m, uint8_t v) { m->b[m->n++] = v; }
static void u16(mb_t *m, uint16_t v) { u8(m, (uint8_t)(v >> 8)); u8(m, (uint8_t)v); }
static void u32(mb_t *m, uint32_t v) { u16(m, (uint16_t)(v >> 16)); u16(m, (uint16_t)v); }
static void u64(mb_t *m, uint64_t v) { u32(m, (uint32_t)(v >> 32)); u32(m, (uint32_t)v); }
static void str(mb_t *m, const char *s)
{
        memcpy(m->b + m->n, s, strlen(s) + 1);
        m->n += strlen(s) + 1;
}
static void text(mb_t *m, const char *s)
{
        u8(m, 't');
        u32(m, (uint32_t)strlen(s));
        memcpy(m->b + m->n, s, strlen(s));
        m->n += strlen(s);
}

static char err[256];

/* Every proper prefix of a valid message must fail cleanly. */
static void check_prefixes_fail(const mb_t *m)
{
        pgo_msg_t msg = {0};
        for (size_t i = 0; i < m->n; i++) {
                uint8_t *copy = malloc(i ? i : 1); /* exact size for ASan */
                memcpy(copy, m->b, i);
                int rc = pgo_decode(&msg, copy, i, err, sizeof(err));
                if (rc != SL_ERR_PARSE)
                        fprintf(stderr, "prefix %zu of '%c' gave %d\n", i,
                                m->b[0], rc);
                CHECK_INT(rc, SL_ERR_PARSE);
                free(copy);
        }
        pgo_msg_free(&msg);
}

static void test_begin_commit(void)
{
        mb_t m = {.n = 0};
        pgo_msg_t msg = {0};

        u8(&m, 'B');
        u64(&m, 0x16B374D848ULL);
        u64(&m, 123456789);
        u32(&m, 777);
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.type, 'B');
        CHECK(msg.final_lsn == 0x16B374D848ULL);
        CHECK_INT(msg.commit_ts, 123456789);
        CHECK_INT(msg.xid, 777);
        check_prefixes_fail(&m);

        m.n = 0;
        u8(&m, 'C');
        u8(&m, 0);
        u64(&m, 100);
        u64(&m, 200);
        u64(&m, 5);
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.type, 'C');
        CHECK_INT(msg.commit_lsn, 100);
        CHECK_INT(msg.end_lsn, 200);
        CHECK_INT(msg.commit_ts, 5);
        check_prefixes_fail(&m);
        pgo_msg_free(&msg);
}

static void build_relation(mb_t *m)
{
        u8(m, 'R');
        u32(m, 16384);
        str(m, "public");
        str(m, "customers");
        u8(m, 'f');
        u16(m, 2);
        u8(m, 1);
        str(m, "id");
        u32(m, 23);
        u32(m, 0xFFFFFFFF);
        u8(m, 0);
        str(m, "name");
        u32(m, 1043);
        u32(m, 54);
}

static void test_relation(void)
{
        mb_t m = {.n = 0};
        pgo_msg_t msg = {0};

        build_relation(&m);
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.type, 'R');
        CHECK_INT(msg.oid, 16384);
        CHECK_STR(msg.nspname, "public");
        CHECK_STR(msg.relname, "customers");
        CHECK_INT(msg.replident, 'f');
        CHECK_INT(msg.ncols, 2);
        CHECK_INT(msg.cols[0].flags, 1);
        CHECK_STR(msg.cols[0].name, "id");
        CHECK_INT(msg.cols[0].type_oid, 23);
        CHECK_INT(msg.cols[0].typmod, -1);
        CHECK_STR(msg.cols[1].name, "name");
        CHECK_INT(msg.cols[1].type_oid, 1043);
        CHECK_INT(msg.cols[1].typmod, 54);
        check_prefixes_fail(&m);
        pgo_msg_free(&msg);
}

static void test_type_origin(void)
{
        mb_t m = {.n = 0};
        pgo_msg_t msg = {0};

        u8(&m, 'Y');
        u32(&m, 99999);
        str(&m, "public");
        str(&m, "mood");
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.oid, 99999);
        CHECK_STR(msg.relname, "mood");
        check_prefixes_fail(&m);

        m.n = 0;
        u8(&m, 'O');
        u64(&m, 42);
        str(&m, "node1");
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.origin_lsn, 42);
        CHECK_STR(msg.origin_name, "node1");
        check_prefixes_fail(&m);
        pgo_msg_free(&msg);
}

static void test_insert(void)
{
        mb_t m = {.n = 0};
        pgo_msg_t msg = {0};

        u8(&m, 'I');
        u32(&m, 16384);
        u8(&m, 'N');
        u16(&m, 3);
        text(&m, "42");
        u8(&m, 'n');
        u8(&m, 'u');
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.type, 'I');
        CHECK_INT(msg.oid, 16384);
        CHECK_INT(msg.old_kind, 0);
        CHECK_INT(msg.new_tup.ncols, 3);
        CHECK_INT(msg.new_tup.vals[0].kind, 't');
        CHECK_INT(msg.new_tup.vals[0].len, 2);
        CHECK(!memcmp(msg.new_tup.vals[0].data, "42", 2));
        CHECK_INT(msg.new_tup.vals[1].kind, 'n');
        CHECK_INT(msg.new_tup.vals[2].kind, 'u');
        check_prefixes_fail(&m);

        /* an insert never carries an old tuple */
        m.n = 0;
        u8(&m, 'I');
        u32(&m, 1);
        u8(&m, 'O');
        u16(&m, 0);
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), SL_ERR_PARSE);
        CHECK_CONTAINS(err, "unexpected tuple tag");
        pgo_msg_free(&msg);
}

static void test_update_old_and_new(void)
{
        mb_t m = {.n = 0};
        pgo_msg_t msg = {0};

        u8(&m, 'U');
        u32(&m, 7);
        u8(&m, 'O');
        u16(&m, 2);
        text(&m, "1");
        text(&m, "old");
        u8(&m, 'N');
        u16(&m, 2);
        text(&m, "1");
        text(&m, "new value");
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.old_kind, 'O');
        CHECK_INT(msg.old_tup.ncols, 2);
        CHECK(!memcmp(msg.old_tup.vals[1].data, "old", 3));
        CHECK_INT(msg.new_tup.ncols, 2);
        CHECK_INT(msg.new_tup.vals[1].len, 9);
        CHECK(!memcmp(msg.new_tup.vals[1].data, "new value", 9));
        check_prefixes_fail(&m);

        /* no old tuple (REPLICA IDENTITY DEFAULT, key unchanged) */
        m.n = 0;
        u8(&m, 'U');
        u32(&m, 7);
        u8(&m, 'N');
        u16(&m, 1);
        text(&m, "5");
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.old_kind, 0);
        CHECK_INT(msg.old_tup.ncols, 0);
        CHECK_INT(msg.new_tup.ncols, 1);
        pgo_msg_free(&msg);
}

static void test_delete(void)
{
        mb_t m = {.n = 0};
        pgo_msg_t msg = {0};

        u8(&m, 'D');
        u32(&m, 7);
        u8(&m, 'K');
        u16(&m, 2);
        text(&m, "9");
        u8(&m, 'n');
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.type, 'D');
        CHECK_INT(msg.old_kind, 'K');
        CHECK_INT(msg.old_tup.ncols, 2);
        CHECK_INT(msg.old_tup.vals[1].kind, 'n');
        check_prefixes_fail(&m);

        /* a delete needs K or O */
        m.n = 0;
        u8(&m, 'D');
        u32(&m, 7);
        u8(&m, 'N');
        u16(&m, 0);
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), SL_ERR_PARSE);
        pgo_msg_free(&msg);
}

static void test_truncate(void)
{
        mb_t m = {.n = 0};
        pgo_msg_t msg = {0};

        u8(&m, 'T');
        u32(&m, 2);
        u8(&m, 1);
        u32(&m, 100);
        u32(&m, 200);
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(msg.nrelids, 2);
        CHECK_INT(msg.trunc_options, 1);
        CHECK_INT(msg.relids[0], 100);
        CHECK_INT(msg.relids[1], 200);
        check_prefixes_fail(&m);

        /* a huge count with no data behind it must not allocate or read */
        m.n = 0;
        u8(&m, 'T');
        u32(&m, 0x7FFFFFFF);
        u8(&m, 0);
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), SL_ERR_PARSE);
        pgo_msg_free(&msg);
}

static void test_malformed(void)
{
        pgo_msg_t msg = {0};
        mb_t m = {.n = 0};

        CHECK_INT(pgo_decode(&msg, "", 0, err, sizeof(err)), SL_ERR_PARSE);
        CHECK_INT(pgo_decode(&msg, "Z", 1, err, sizeof(err)), SL_ERR_PARSE);
        CHECK_CONTAINS(err, "Unknown pgoutput message type");

        /* value length larger than the message */
        u8(&m, 'I');
        u32(&m, 1);
        u8(&m, 'N');
        u16(&m, 1);
        u8(&m, 't');
        u32(&m, 1000);
        str(&m, "ab");
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), SL_ERR_PARSE);
        CHECK_CONTAINS(err, "truncated");

        /* unknown tuple value kind */
        m.n = 0;
        u8(&m, 'I');
        u32(&m, 1);
        u8(&m, 'N');
        u16(&m, 1);
        u8(&m, 'x');
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), SL_ERR_PARSE);
        CHECK_CONTAINS(err, "unknown tuple value kind");

        /* relation name without its NUL */
        m.n = 0;
        u8(&m, 'R');
        u32(&m, 1);
        str(&m, "public");
        memcpy(m.b + m.n, "abc", 3);
        m.n += 3;
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), SL_ERR_PARSE);
        CHECK_CONTAINS(err, "NUL-terminated");

        /* a message reused after an error decodes fine */
        m.n = 0;
        build_relation(&m);
        CHECK_INT(pgo_decode(&msg, m.b, m.n, err, sizeof(err)), 0);
        CHECK_STR(msg.cols[1].name, "name");
        pgo_msg_free(&msg);
}

static void test_copy_framing(void)
{
        mb_t m = {.n = 0};
        pgo_copy_t c;

        u8(&m, 'w');
        u64(&m, 0x100);
        u64(&m, 0x200);
        u64(&m, 99);
        u8(&m, 'B');
        CHECK_INT(pgo_parse_copy(&c, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(c.type, 'w');
        CHECK_INT(c.wal_start, 0x100);
        CHECK_INT(c.wal_end, 0x200);
        CHECK_INT(c.send_time, 99);
        CHECK_INT(c.len, 1);
        CHECK_INT(c.data[0], 'B');
        CHECK_INT(pgo_parse_copy(&c, m.b, 20, err, sizeof(err)), SL_ERR_PARSE);

        m.n = 0;
        u8(&m, 'k');
        u64(&m, 0x300);
        u64(&m, 7);
        u8(&m, 1);
        CHECK_INT(pgo_parse_copy(&c, m.b, m.n, err, sizeof(err)), 0);
        CHECK_INT(c.type, 'k');
        CHECK_INT(c.wal_end, 0x300);
        CHECK_INT(c.reply, 1);
        CHECK_INT(pgo_parse_copy(&c, m.b, m.n - 1, err, sizeof(err)),
                  SL_ERR_PARSE);
        CHECK_INT(pgo_parse_copy(&c, "q", 1, err, sizeof(err)), SL_ERR_PARSE);
        CHECK_INT(pgo_parse_copy(&c, "", 0, err, sizeof(err)), SL_ERR_PARSE);
}

static void test_status_and_lsn(void)
{
        uint8_t out[PGO_STATUS_LEN];
        uint64_t lsn = 0;
        char buf[32];

        pgo_build_status(out, 0x0102030405060708ULL, 0x10, 0x20, 1, 1);
        CHECK_INT(out[0], 'r');
        CHECK_INT(out[1], 1);
        CHECK_INT(out[8], 8);
        CHECK_INT(out[16], 0x10);
        CHECK_INT(out[24], 0x20);
        CHECK_INT(out[32], 1);
        CHECK_INT(out[33], 1);

        CHECK_INT(pgo_lsn_parse("16/B374D848", &lsn), 0);
        CHECK(lsn == 0x16B374D848ULL);
        pgo_lsn_format(lsn, buf, sizeof(buf));
        CHECK_STR(buf, "16/B374D848");
        pgo_lsn_format(0, buf, sizeof(buf));
        CHECK_STR(buf, "0/0");
        CHECK_INT(pgo_lsn_parse("16", &lsn), SL_ERR_PARSE);
        CHECK_INT(pgo_lsn_parse("1/2x", &lsn), SL_ERR_PARSE);
        CHECK_INT(pgo_lsn_parse("100000000/0", &lsn), SL_ERR_PARSE);
        CHECK_INT(pgo_lsn_parse(NULL, &lsn), SL_ERR_PARSE);
}

int main(void)
{
        RUN(test_begin_commit);
        RUN(test_relation);
        RUN(test_type_origin);
        RUN(test_insert);
        RUN(test_update_old_and_new);
        RUN(test_delete);
        RUN(test_truncate);
        RUN(test_malformed);
        RUN(test_copy_framing);
        RUN(test_status_and_lsn);
        TEST_MAIN_END();
}
