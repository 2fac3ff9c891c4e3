/*
 * S3 connector pieces that need no server: the config checks both
 * connectors share, object names, record lines, the zstd stream of an
 * object and the rotation rules.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <zstd.h>

#include "s3/s3_int.h"
#include "util/utf8.h"

/* ------------------------------------------------------------ config */

int s3_url_validator(const char *name, const char *value, char *errstr,
                     size_t errstr_size)
{
        (void)name;
        if (!strncmp(value, "http://", 7) && value[7])
                return 0;
        if (!strncasecmp(value, "https://", 8))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "https is not supported; use an http:// S3 endpoint");
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "must be an http:// URL of the S3 endpoint, e.g. "
                         "http://127.0.0.1:8080");
}

int s3_topics_dir_validator(const char *name, const char *value, char *errstr,
                            size_t errstr_size)
{
        (void)name;
        if (value[0] == '/' || strstr(value, "//"))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "must be a relative key prefix such as \"topics\" "
                                 "(no leading or double '/')");
        return 0;
}

int s3_format_validator(const char *name, const char *value, char *errstr,
                        size_t errstr_size)
{
        (void)name;
        if (!strcmp(value, S3_JSON_FORMAT) || !strcmp(value, S3_BYTEARRAY_FORMAT))
                return 0;
        return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                         "format not supported; use " S3_JSON_FORMAT " or " S3_BYTEARRAY_FORMAT);
}

/* SL_ERR_CONFIG with a message of its own, or 0 with *len the length of
 * the unescaped separator. */
static int separator_check(const char *value, size_t *len, char *errstr, size_t errstr_size)
{
        sl_buf_t b = SL_BUF_INIT;
        int r = s3_unescape(value, &b);

        *len = b.len;
        sl_buf_free(&b);
        if (r < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "invalid escape sequence (Java escapes such as \\n, "
                                 "\\t, \\u0001 are allowed)");
        return 0;
}

int s3_separator_validator(const char *name, const char *value, char *errstr,
                           size_t errstr_size)
{
        size_t len;

        (void)name;
        return separator_check(value, &len, errstr, errstr_size);
}

int s3_separator_nonempty_validator(const char *name, const char *value, char *errstr,
                                    size_t errstr_size)
{
        size_t len;
        int r = separator_check(value, &len, errstr, errstr_size);

        (void)name;
        if (r == 0 && len == 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "the separator must not be empty: records could not be "
                                 "told apart");
        return r;
}

s3_format_kind_t s3_format_kind_of(const sl_strmap_t *config)
{
        const char *v = sl_config_str(config, "format.class");

        return v && !strcmp(v, S3_BYTEARRAY_FORMAT) ? S3_FMT_BYTES : S3_FMT_JSON;
}

int s3_separator_of(const sl_strmap_t *config, bool allow_empty, sl_buf_t *out,
                    char *errstr, size_t errstr_size)
{
        const char *v = sl_config_str(config, "format.bytearray.separator");

        if (!v)
                v = "\\n";
        if (s3_unescape(v, out) < 0 || (!allow_empty && out->len == 0))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid value for format.bytearray.separator: '%s'", v);
        return 0;
}

/* ------------------------------------------------------------ naming */

int s3_partition_prefix(const s3_layout_t *l, const char *topic, int32_t partition,
                        sl_buf_t *out)
{
        /* an empty topics.dir puts the topic directories at the top */
        if (l->topics_dir && *l->topics_dir &&
            sl_buf_printf(out, "%s%s", l->topics_dir, l->dir_delim) < 0)
                return SL_ERR_NOMEM;
        if (sl_buf_printf(out, "%s%spartition=%" PRId32 "%s", topic, l->dir_delim, partition,
                          l->dir_delim) < 0)
                return SL_ERR_NOMEM;
        return 0;
}

int s3_object_key(const s3_layout_t *l, const char *topic, int32_t partition,
                  int64_t start_offset, sl_buf_t *out)
{
        int r = s3_partition_prefix(l, topic, partition, out);

        if (r < 0)
                return r;
        if (sl_buf_printf(out, "%s%s%" PRId32 "%s%0*" PRId64 ".%s%s", topic, l->file_delim,
                          partition, l->file_delim, l->pad_width, start_offset,
                          l->kind == S3_FMT_JSON ? "json" : "bin",
                          l->zstd ? ".zst" : "") < 0)
                return SL_ERR_NOMEM;
        return 0;
}

/* --------------------------------------------------------- rendering */

/* One escape after the backslash at *sp; advances *sp past it. */
static int unescape_one(const char **sp, sl_buf_t *out)
{
        const char *s = *sp;
        unsigned cp = 0;
        int n;

        switch (*s) {
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case '\\': case '"': case '\'': cp = (unsigned char)*s; break;
        case 'u':
                for (n = 1; n <= 4; n++) {
                        int h = sl_hex_digit(s[n]);
                        if (h < 0)
                                return SL_ERR_PARSE;
                        cp = cp * 16 + (unsigned)h;
                }
                *sp = s + 5;
                return sl_utf8_put(out, cp);
        default:
                if (*s < '0' || *s > '7')
                        return SL_ERR_PARSE;
                /* octal, up to three digits and at most \377 as in Java */
                for (n = 0; n < 3 && s[n] >= '0' && s[n] <= '7'; n++) {
                        unsigned v = cp * 8 + (unsigned)(s[n] - '0');
                        if (v > 0377)
                                break;
                        cp = v;
                }
                *sp = s + n;
                return sl_buf_putc(out, (char)cp);
        }
        *sp = s + 1;
        return sl_buf_putc(out, (char)cp);
}

int s3_unescape(const char *s, sl_buf_t *out)
{
        int r;

        while (*s) {
                const char *bs = strchr(s, '\\');
                size_t n = bs ? (size_t)(bs - s) : strlen(s);

                if (n > 0 && (r = sl_buf_append(out, s, n)) < 0)
                        return r;
                if (!bs)
                        break;
                s = bs + 1;
                if (!*s)
                        return SL_ERR_PARSE;
                if ((r = unescape_one(&s, out)) < 0)
                        return r;
        }
        return 0;
}

static bool is_null(const sl_json_t *v)
{
        return !v || v->type == SL_JSON_NULL;
}

static int render_bytes(const s3_format_t *f, const sl_sink_record_t *rec, sl_buf_t *out,
                        char *errstr, size_t errstr_size)
{
        const sl_json_t *v = rec->value.value;

        if (v->type != SL_JSON_STRING && v->type != SL_JSON_BYTES)
                return sl_seterr(errstr, errstr_size, SL_ERR_CONVERT,
                                 "ByteArrayFormat writes bytes or string values, but the "
                                 "value of %s-%" PRId32 "@%" PRId64
                                 " is not one; use the ByteArrayConverter (or "
                                 "StringConverter) as value.converter, or JsonFormat",
                                 rec->topic, rec->partition, rec->offset);
        if (sl_buf_append(out, v->u.str.ptr, v->u.str.len) < 0 ||
            sl_buf_append(out, f->sep, f->sep_len) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        return 0;
}

int s3_format_record(const s3_format_t *f, const sl_sink_record_t *rec, sl_buf_t *out,
                     char *errstr, size_t errstr_size)
{
        size_t mark = out->len;
        int r;

        if (is_null(rec->value.value)) {
                if (f->ignore_nulls)
                        return 1;
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "Record %s-%" PRId32 "@%" PRId64
                                 " has a null value, which behavior.on.null.values=fail "
                                 "does not allow (set it to ignore to skip such records)",
                                 rec->topic, rec->partition, rec->offset);
        }
        if (f->kind == S3_FMT_BYTES)
                r = render_bytes(f, rec, out, errstr, errstr_size);
        else if ((r = sl_json_write(rec->value.value, out)) < 0 ||
                 (r = sl_buf_putc(out, '\n')) < 0)
                sl_seterr(errstr, errstr_size, r, "Cannot write %s-%" PRId32 "@%" PRId64
                          " as JSON: %s", rec->topic, rec->partition, rec->offset,
                          sl_err2str(r));
        if (r < 0) {
                out->len = mark;
                if (out->data)
                        out->data[mark] = '\0';
        }
        return r;
}

/* ---------------------------------------------------- object encoder */

int s3_enc_init(s3_enc_t *e, bool zstd, int level, char *errstr, size_t errstr_size)
{
        ZSTD_CCtx *z;
        size_t zr;

        e->zctx = NULL;
        e->level = level < 0 ? ZSTD_CLEVEL_DEFAULT : level;
        if (!zstd)
                return 0;
        if (!(z = ZSTD_createCCtx()))
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
        zr = ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, e->level);
        /* a content checksum lets readers detect a damaged object */
        if (!ZSTD_isError(zr))
                zr = ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
        if (ZSTD_isError(zr)) {
                ZSTD_freeCCtx(z);
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "Invalid zstd compression level %d: %s", e->level,
                                 ZSTD_getErrorName(zr));
        }
        e->zctx = z;
        return 0;
}

/* Run the stream with mode until the input is consumed (and, for
 * ZSTD_e_end, the frame is complete). */
static int enc_run(s3_enc_t *e, const void *p, size_t n, ZSTD_EndDirective mode,
                   sl_buf_t *out, char *errstr, size_t errstr_size)
{
        ZSTD_inBuffer in = {p, n, 0};
        size_t chunk = ZSTD_CStreamOutSize();

        for (;;) {
                ZSTD_outBuffer ob;
                size_t left;

                if (sl_buf_reserve(out, chunk) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                ob = (ZSTD_outBuffer){out->data + out->len, chunk, 0};
                left = ZSTD_compressStream2(e->zctx, &ob, &in, mode);
                if (ZSTD_isError(left))
                        return sl_seterr(errstr, errstr_size, SL_ERR_IO,
                                         "zstd compression failed: %s",
                                         ZSTD_getErrorName(left));
                out->len += ob.pos;
                out->data[out->len] = '\0';
                if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
                        return 0;
        }
}

int s3_enc_write(s3_enc_t *e, const void *p, size_t n, sl_buf_t *out, char *errstr,
                 size_t errstr_size)
{
        if (!e->zctx) {
                if (sl_buf_append(out, p, n) < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "Out of memory");
                return 0;
        }
        return enc_run(e, p, n, ZSTD_e_continue, out, errstr, errstr_size);
}

int s3_enc_end(s3_enc_t *e, sl_buf_t *out, char *errstr, size_t errstr_size)
{
        if (!e->zctx)
                return 0;
        return enc_run(e, NULL, 0, ZSTD_e_end, out, errstr, errstr_size);
}

void s3_enc_reset(s3_enc_t *e)
{
        if (e->zctx)
                ZSTD_CCtx_reset(e->zctx, ZSTD_reset_session_only);
}

void s3_enc_free(s3_enc_t *e)
{
        ZSTD_freeCCtx(e->zctx);
        e->zctx = NULL;
}

/* ----------------------------------------------------------- rotation */

static int field_ts(const s3_rotation_t *r, const sl_sink_record_t *rec, int64_t *ts,
                    char *errstr, size_t errstr_size)
{
        const sl_json_t *f = NULL;

        if (rec->value.value && rec->value.value->type == SL_JSON_OBJECT)
                f = sl_json_object_get(rec->value.value, r->ts_field);
        if (f && f->type == SL_JSON_INT) {
                *ts = f->u.i;
                return 0;
        }
        if (f && f->type == SL_JSON_DOUBLE) {
                *ts = (int64_t)f->u.d;
                return 0;
        }
        return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                         "Record %s-%" PRId32 "@%" PRId64 " has no numeric field '%s' "
                         "(epoch milliseconds) in its value, which "
                         "timestamp.extractor=RecordField needs",
                         rec->topic, rec->partition, rec->offset, r->ts_field);
}

int s3_record_ts(const s3_rotation_t *r, const sl_sink_record_t *rec, int64_t now,
                 int64_t *ts, char *errstr, size_t errstr_size)
{
        switch (r->ts_kind) {
        case S3_TS_RECORD:
                if (rec->timestamp < 0)
                        return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                         "Record %s-%" PRId32 "@%" PRId64
                                         " has no timestamp, which "
                                         "timestamp.extractor=Record needs",
                                         rec->topic, rec->partition, rec->offset);
                *ts = rec->timestamp;
                return 0;
        case S3_TS_FIELD:
                return field_ts(r, rec, ts, errstr, errstr_size);
        default:
                *ts = now;
                return 0;
        }
}

bool s3_rot_before(const s3_rotation_t *r, const s3_rot_state_t *st, int64_t ts,
                   int64_t now)
{
        if (st->count <= 0)
                return false;
        if (r->interval_ms > 0 && ts - st->base_ts >= r->interval_ms)
                return true;
        return r->schedule_ms > 0 && now >= st->next_sched;
}

void s3_rot_add(const s3_rotation_t *r, s3_rot_state_t *st, int64_t ts, int64_t now)
{
        if (st->count++ > 0)
                return;
        st->base_ts = ts;
        /* scheduled rotations fall on multiples of the interval (UTC), so
         * they line up across tasks and restarts */
        st->next_sched = r->schedule_ms > 0 ? now - now % r->schedule_ms + r->schedule_ms : 0;
}

bool s3_rot_full(const s3_rotation_t *r, const s3_rot_state_t *st)
{
        return st->count >= r->flush_size;
}

bool s3_rot_idle(const s3_rotation_t *r, const s3_rot_state_t *st, int64_t now)
{
        if (st->count <= 0)
                return false;
        if (r->ts_kind == S3_TS_WALLCLOCK && r->interval_ms > 0 &&
            now - st->base_ts >= r->interval_ms)
                return true;
        return r->schedule_ms > 0 && now >= st->next_sched;
}
