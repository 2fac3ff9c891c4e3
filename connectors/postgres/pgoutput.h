/*
 * Decoder of PostgreSQL's logical replication protocol as the pgoutput
 * plugin speaks it (proto_version 1), and of the streaming-replication
 * CopyBoth framing around it (XLogData 'w', keepalive 'k', standby status
 * update 'r'). Independent of libpq so it can be tested with hand-built
 * bytes.
 *
 * Decoded messages point into the input buffer (strings are NUL-terminated
 * there, tuple values are not): the buffer must outlive the pgo_msg_t's
 * use. Arrays (columns, tuple values, truncated relids) live in the
 * pgo_msg_t and are reused by the next decode.
 */
#ifndef SL_CONNECTORS_POSTGRES_PGOUTPUT_H
#define SL_CONNECTORS_POSTGRES_PGOUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/common.h"

/* Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
#define PGO_EPOCH_DIFF_USEC INT64_C(946684800000000)

typedef struct pgo_column {
        uint8_t flags; /* 1: part of the replica identity key */
        const char *name;
        uint32_t type_oid;
        int32_t typmod;
} pgo_column_t;

typedef struct pgo_value {
        char kind; /* 'n' null, 'u' unchanged TOAST, 't' text, 'b' binary */
        const char *data;
        uint32_t len;
} pgo_value_t;

typedef struct pgo_tuple {
        int ncols;
        pgo_value_t *vals;
} pgo_tuple_t;

typedef struct pgo_msg {
        char type; /* 'B','C','O','R','Y','I','U','D','T' */
        /* B: final (commit) LSN, commit time (µs since 2000), xid */
        uint64_t final_lsn;
        int64_t commit_ts;
        uint32_t xid;
        /* C (also commit_ts) */
        uint8_t flags;
        uint64_t commit_lsn, end_lsn;
        /* O */
        uint64_t origin_lsn;
        const char *origin_name;
        /* R, Y (relid/type oid in oid) */
        uint32_t oid;
        const char *nspname, *relname; /* Y: type namespace and name */
        char replident;                /* d, n, f, i */
        int ncols;
        pgo_column_t *cols;
        /* I, U, D: old_kind is 'K' (key), 'O' (old row) or 0 (none) */
        char old_kind;
        pgo_tuple_t old_tup, new_tup;
        /* T */
        int nrelids;
        uint8_t trunc_options; /* 1 CASCADE, 2 RESTART IDENTITY */
        uint32_t *relids;

        /* storage, reused */
        size_t cols_cap, old_cap, new_cap, relids_cap;
} pgo_msg_t;

/* Decode one pgoutput message. 0 or SL_ERR_PARSE (short or malformed
 * input, unknown message type) / SL_ERR_NOMEM with errstr set. */
int pgo_decode(pgo_msg_t *m, const void *buf, size_t len, char *errstr,
               size_t errstr_size);
void pgo_msg_free(pgo_msg_t *m);

/* One CopyData message of the replication stream. */
typedef struct pgo_copy {
        char type; /* 'w' XLogData, 'k' primary keepalive */
        uint64_t wal_start; /* w */
        uint64_t wal_end;   /* w, k: the server's current end of WAL */
        int64_t send_time;  /* µs since 2000 */
        int reply;          /* k: 1 when the server asks for a reply now */
        const uint8_t *data; /* w: the pgoutput message */
        size_t len;
} pgo_copy_t;

int pgo_parse_copy(pgo_copy_t *c, const void *buf, size_t len, char *errstr,
                   size_t errstr_size);

/* A standby status update ('r', 34 bytes) into out. */
#define PGO_STATUS_LEN 34
void pgo_build_status(uint8_t out[PGO_STATUS_LEN], uint64_t write_lsn,
                      uint64_t flush_lsn, uint64_t apply_lsn, int64_t now_pg,
                      int reply);

/* "16/B374D848" <-> 64-bit LSN. parse: 0 or SL_ERR_PARSE. */
int pgo_lsn_parse(const char *s, uint64_t *lsn);
void pgo_lsn_format(uint64_t lsn, char *out, size_t out_size);

#endif
