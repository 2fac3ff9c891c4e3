/*
 * pgoutput (protocol version 1) and replication CopyData decoding. Every
 * read is bounds-checked against the message: a truncated or garbled
 * message from a misbehaving server is an error, never a read past the
 * buffer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres/pgoutput.h"

typedef struct rd {
        const uint8_t *p, *end;
        char *errstr;
        size_t errstr_size;
        char what; /* message type, for errors */
} rd_t;

static int short_msg(rd_t *r, const char *field)
{
        return sl_seterr(r->errstr, r->errstr_size, SL_ERR_PARSE,
                         "pgoutput message '%c' is truncated (reading %s)",
                         r->what, field);
}

static int rd_u8(rd_t *r, uint8_t *v, const char *field)
{
        *v = 0;
        if (r->end - r->p < 1)
                return short_msg(r, field);
        *v = *r->p++;
        return 0;
}

static int rd_u16(rd_t *r, uint16_t *v, const char *field)
{
        *v = 0;
        if (r->end - r->p < 2)
                return short_msg(r, field);
        *v = (uint16_t)(r->p[0] << 8 | r->p[1]);
        r->p += 2;
        return 0;
}

static int rd_u32(rd_t *r, uint32_t *v, const char *field)
{
        *v = 0;
        if (r->end - r->p < 4)
                return short_msg(r, field);
        *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
             (uint32_t)r->p[2] << 8 | r->p[3];
        r->p += 4;
        return 0;
}

static int rd_u64(rd_t *r, uint64_t *v, const char *field)
{
        uint32_t hi = 0, lo = 0;
        int rc;
        if ((rc = rd_u32(r, &hi, field)) < 0 ||
            (rc = rd_u32(r, &lo, field)) < 0)
                return rc;
        *v = (uint64_t)hi << 32 | lo;
        return 0;
}

static int rd_i64(rd_t *r, int64_t *v, const char *field)
{
        uint64_t u;
        int rc = rd_u64(r, &u, field);
        if (rc == 0)
                memcpy(v, &u, sizeof(*v));
        return rc;
}

/* A NUL-terminated string inside the message. */
static int rd_str(rd_t *r, const char **s, const char *field)
{
        const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
        if (!nul)
                return sl_seterr(r->errstr, r->errstr_size, SL_ERR_PARSE,
                                 "pgoutput message '%c': %s is not "
                                 "NUL-terminated", r->what, field);
        *s = (const char *)r->p;
        r->p = nul + 1;
        return 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
        void *n;
        if (need <= *cap)
                return 0;
        if (!(n = realloc(*arr, need * elem)))
                return SL_ERR_NOMEM;
        *arr = n;
        *cap = need;
        return 0;
}

static int rd_tuple(rd_t *r, pgo_tuple_t *t, size_t *cap)
{
        uint16_t n;
        int rc;

        if ((rc = rd_u16(r, &n, "tuple column count")) < 0)
                return rc;
        if (grow((void **)&t->vals, cap, n ? n : 1, sizeof(*t->vals)) < 0)
                return sl_seterr(r->errstr, r->errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        t->ncols = n;
        for (int i = 0; i < n; i++) {
                pgo_value_t *v = &t->vals[i];
                uint8_t kind;
                uint32_t len;
                if ((rc = rd_u8(r, &kind, "tuple value kind")) < 0)
                        return rc;
                v->kind = (char)kind;
                v->data = NULL;
                v->len = 0;
                if (kind == 'n' || kind == 'u')
                        continue;
                if (kind != 't' && kind != 'b')
                        return sl_seterr(r->errstr, r->errstr_size,
                                         SL_ERR_PARSE,
                                         "pgoutput message '%c': unknown "
                                         "tuple value kind 0x%02x in column "
                                         "%d", r->what, kind, i + 1);
                if ((rc = rd_u32(r, &len, "tuple value length")) < 0)
                        return rc;
                if ((uint64_t)len > (uint64_t)(r->end - r->p))
                        return short_msg(r, "tuple value");
                v->data = (const char *)r->p;
                v->len = len;
                r->p += len;
        }
        return 0;
}

static int dec_relation(rd_t *r, pgo_msg_t *m)
{
        uint8_t ri;
        uint16_t n;
        int rc;

        if ((rc = rd_u32(r, &m->oid, "relation id")) < 0 ||
            (rc = rd_str(r, &m->nspname, "namespace")) < 0 ||
            (rc = rd_str(r, &m->relname, "relation name")) < 0 ||
            (rc = rd_u8(r, &ri, "replica identity")) < 0 ||
            (rc = rd_u16(r, &n, "column count")) < 0)
                return rc;
        m->replident = (char)ri;
        if (grow((void **)&m->cols, &m->cols_cap, n ? n : 1,
                 sizeof(*m->cols)) < 0)
                return sl_seterr(r->errstr, r->errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        m->ncols = n;
        for (int i = 0; i < n; i++) {
                pgo_column_t *c = &m->cols[i];
                uint32_t typmod;
                if ((rc = rd_u8(r, &c->flags, "column flags")) < 0 ||
                    (rc = rd_str(r, &c->name, "column name")) < 0 ||
                    (rc = rd_u32(r, &c->type_oid, "column type")) < 0 ||
                    (rc = rd_u32(r, &typmod, "column type modifier")) < 0)
                        return rc;
                memcpy(&c->typmod, &typmod, sizeof(c->typmod));
        }
        return 0;
}

/* Insert: 'N' tuple. Update: optional 'K'/'O' tuple, then 'N' tuple.
 * Delete: 'K' or 'O' tuple. */
static int dec_change(rd_t *r, pgo_msg_t *m)
{
        uint8_t tag;
        int rc;

        m->old_kind = 0;
        m->old_tup.ncols = 0;
        m->new_tup.ncols = 0;
        if ((rc = rd_u32(r, &m->oid, "relation id")) < 0 ||
            (rc = rd_u8(r, &tag, "tuple tag")) < 0)
                return rc;
        if (m->type != 'I' && (tag == 'K' || tag == 'O')) {
                m->old_kind = (char)tag;
                if ((rc = rd_tuple(r, &m->old_tup, &m->old_cap)) < 0)
                        return rc;
                if (m->type == 'D')
                        return 0;
                if ((rc = rd_u8(r, &tag, "tuple tag")) < 0)
                        return rc;
        }
        if (m->type == 'D' || tag != 'N')
                return sl_seterr(r->errstr, r->errstr_size, SL_ERR_PARSE,
                                 "pgoutput message '%c': unexpected tuple "
                                 "tag 0x%02x", m->type, tag);
        return rd_tuple(r, &m->new_tup, &m->new_cap);
}

static int dec_truncate(rd_t *r, pgo_msg_t *m)
{
        uint32_t n;
        int rc;

        if ((rc = rd_u32(r, &n, "relation count")) < 0 ||
            (rc = rd_u8(r, &m->trunc_options, "options")) < 0)
                return rc;
        if ((uint64_t)n * 4 > (uint64_t)(r->end - r->p))
                return short_msg(r, "relation ids");
        if (grow((void **)&m->relids, &m->relids_cap, n ? n : 1,
                 sizeof(*m->relids)) < 0)
                return sl_seterr(r->errstr, r->errstr_size, SL_ERR_NOMEM,
                                 "Out of memory");
        m->nrelids = (int)n;
        for (uint32_t i = 0; i < n; i++)
                if ((rc = rd_u32(r, &m->relids[i], "relation id")) < 0)
                        return rc;
        return 0;
}

int pgo_decode(pgo_msg_t *m, const void *buf, size_t len, char *errstr,
               size_t errstr_size)
{
        rd_t r = {.p = buf, .end = (const uint8_t *)buf + len,
                  .errstr = errstr, .errstr_size = errstr_size, .what = '?'};
        uint8_t t;
        int rc;

        if (!buf || len < 1)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "Empty pgoutput message");
        rd_u8(&r, &t, "type");
        m->type = r.what = (char)t;
        switch (t) {
        case 'B':
                if ((rc = rd_u64(&r, &m->final_lsn, "final LSN")) < 0 ||
                    (rc = rd_i64(&r, &m->commit_ts, "commit time")) < 0 ||
                    (rc = rd_u32(&r, &m->xid, "xid")) < 0)
                        return rc;
                return 0;
        case 'C':
                if ((rc = rd_u8(&r, &m->flags, "flags")) < 0 ||
                    (rc = rd_u64(&r, &m->commit_lsn, "commit LSN")) < 0 ||
                    (rc = rd_u64(&r, &m->end_lsn, "end LSN")) < 0 ||
                    (rc = rd_i64(&r, &m->commit_ts, "commit time")) < 0)
                        return rc;
                return 0;
        case 'O':
                if ((rc = rd_u64(&r, &m->origin_lsn, "origin LSN")) < 0 ||
                    (rc = rd_str(&r, &m->origin_name, "origin name")) < 0)
                        return rc;
                return 0;
        case 'R':
                return dec_relation(&r, m);
        case 'Y':
                if ((rc = rd_u32(&r, &m->oid, "type id")) < 0 ||
                    (rc = rd_str(&r, &m->nspname, "namespace")) < 0 ||
                    (rc = rd_str(&r, &m->relname, "type name")) < 0)
                        return rc;
                return 0;
        case 'I':
        case 'U':
        case 'D':
                return dec_change(&r, m);
        case 'T':
                return dec_truncate(&r, m);
        default:
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "Unknown pgoutput message type 0x%02x", t);
        }
}

void pgo_msg_free(pgo_msg_t *m)
{
        if (!m)
                return;
        free(m->cols);
        free(m->old_tup.vals);
        free(m->new_tup.vals);
        free(m->relids);
        memset(m, 0, sizeof(*m));
}

int pgo_parse_copy(pgo_copy_t *c, const void *buf, size_t len, char *errstr,
                   size_t errstr_size)
{
        rd_t r = {.p = buf, .end = (const uint8_t *)buf + len,
                  .errstr = errstr, .errstr_size = errstr_size, .what = '?'};
        uint8_t t, reply;
        int rc;

        memset(c, 0, sizeof(*c));
        if (!buf || len < 1)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "Empty replication message");
        rd_u8(&r, &t, "type");
        c->type = r.what = (char)t;
        if (t == 'w') {
                if ((rc = rd_u64(&r, &c->wal_start, "WAL start")) < 0 ||
                    (rc = rd_u64(&r, &c->wal_end, "WAL end")) < 0 ||
                    (rc = rd_i64(&r, &c->send_time, "send time")) < 0)
                        return rc;
                c->data = r.p;
                c->len = (size_t)(r.end - r.p);
                return 0;
        }
        if (t == 'k') {
                if ((rc = rd_u64(&r, &c->wal_end, "WAL end")) < 0 ||
                    (rc = rd_i64(&r, &c->send_time, "send time")) < 0 ||
                    (rc = rd_u8(&r, &reply, "reply flag")) < 0)
                        return rc;
                c->reply = reply != 0;
                return 0;
        }
        return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                         "Unknown replication message type 0x%02x", t);
}

static void put_u64(uint8_t *p, uint64_t v)
{
        for (int i = 7; i >= 0; i--, v >>= 8)
                p[i] = (uint8_t)v;
}

void pgo_build_status(uint8_t out[PGO_STATUS_LEN], uint64_t write_lsn,
                      uint64_t flush_lsn, uint64_t apply_lsn, int64_t now_pg,
                      int reply)
{
        out[0] = 'r';
        put_u64(out + 1, write_lsn);
        put_u64(out + 9, flush_lsn);
        put_u64(out + 17, apply_lsn);
        put_u64(out + 25, (uint64_t)now_pg);
        out[33] = reply ? 1 : 0;
}

int pgo_lsn_parse(const char *s, uint64_t *lsn)
{
        unsigned long long hi = 0, lo = 0;
        int n = 0;
        if (!s || sscanf(s, "%llX/%llX%n", &hi, &lo, &n) != 2 ||
            s[n] != '\0' || hi > UINT32_MAX || lo > UINT32_MAX)
                return SL_ERR_PARSE;
        *lsn = (uint64_t)hi << 32 | lo;
        return 0;
}

void pgo_lsn_format(uint64_t lsn, char *out, size_t out_size)
{
        snprintf(out, out_size, "%" PRIX32 "/%" PRIX32, (uint32_t)(lsn >> 32),
                 (uint32_t)lsn);
}
