/* java.util.Properties load() semantics, so worker and connector .properties
 * files written for Kafka Connect read the same way here. */
#include "config/props.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROPS_MALFORMED_U 1 /* internal: unescape() saw a bad \uXXXX */

static int is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\f';
}

/* Java strings are UTF-16, so \uD83D\uDE00 names one code point; a lone
 * surrogate cannot be written as UTF-8 and becomes U+FFFD. */
static int unescape_u(const char *s, size_t n, size_t *ip, sl_buf_t *out)
{
        size_t i = *ip; /* just past "\u" */
        long cu, lo;

        if ((cu = sl_hex4_read(s + i, n - i)) < 0)
                return PROPS_MALFORMED_U;
        i += 4;
        if (cu >= 0xD800 && cu <= 0xDBFF && n - i >= 6 && s[i] == '\\' &&
            s[i + 1] == 'u' &&
            (lo = sl_hex4_read(s + i + 2, n - i - 2)) >= 0xDC00 &&
            lo <= 0xDFFF) {
                *ip = i + 6;
                return sl_utf8_put(out, sl_utf16_join((uint32_t)cu,
                                                      (uint32_t)lo));
        }
        *ip = i;
        if (cu >= 0xD800 && cu <= 0xDFFF)
                cu = 0xFFFD;
        return sl_utf8_put(out, (uint32_t)cu);
}

static int unescape(const char *s, size_t n, sl_buf_t *out)
{
        size_t i = 0;
        int r;

        sl_buf_reset(out);
        if ((r = sl_buf_reserve(out, n + 1)) < 0)
                return r;
        while (i < n) {
                char c = s[i++];
                if (c != '\\') {
                        if ((r = sl_buf_putc(out, c)) < 0)
                                return r;
                        continue;
                }
                if (i >= n) /* cannot happen for a whole line; be safe */
                        break;
                c = s[i++];
                switch (c) {
                case 'u':
                        r = unescape_u(s, n, &i, out);
                        break;
                case 't':
                        r = sl_buf_putc(out, '\t');
                        break;
                case 'n':
                        r = sl_buf_putc(out, '\n');
                        break;
                case 'r':
                        r = sl_buf_putc(out, '\r');
                        break;
                case 'f':
                        r = sl_buf_putc(out, '\f');
                        break;
                default:
                        r = sl_buf_putc(out, c);
                        break;
                }
                if (r != 0)
                        return r;
        }
        /* an empty buffer may still have NULL data */
        return sl_buf_reserve(out, 1);
}

/* Split one logical line into key and value as Properties.load0 does. */
static int put_line(const char *l, size_t n, int lineno, sl_strmap_t *out,
                    sl_buf_t *kb, sl_buf_t *vb, char *errstr,
                    size_t errstr_size)
{
        size_t klen = 0, vstart = n;
        int has_sep = 0, bs = 0, r;

        while (klen < n) {
                char c = l[klen];
                if ((c == '=' || c == ':') && !bs) {
                        vstart = klen + 1;
                        has_sep = 1;
                        break;
                }
                if (is_ws(c) && !bs) {
                        vstart = klen + 1;
                        break;
                }
                bs = c == '\\' ? !bs : 0;
                klen++;
        }
        while (vstart < n) {
                char c = l[vstart];
                if (!is_ws(c)) {
                        if (has_sep || (c != '=' && c != ':'))
                                break;
                        has_sep = 1;
                }
                vstart++;
        }
        if ((r = unescape(l, klen, kb)) == 0)
                r = unescape(l + vstart, n - vstart, vb);
        if (r == PROPS_MALFORMED_U)
                return sl_seterr(errstr, errstr_size, SL_ERR_PARSE,
                                 "line %d: malformed \\uXXXX encoding", lineno);
        if (r < 0)
                return sl_seterr(errstr, errstr_size, r, "out of memory");
        r = sl_strmap_setn(out, kb->data, vb->data, vb->len);
        if (r < 0)
                return sl_seterr(errstr, errstr_size, r, "out of memory");
        return 0;
}

/* Consume the line terminator at text[*ip] (\n, \r or \r\n). */
static void skip_eol(const char *text, size_t len, size_t *ip, int *lineno)
{
        if (text[*ip] == '\r' && *ip + 1 < len && text[*ip + 1] == '\n')
                (*ip)++;
        (*ip)++;
        (*lineno)++;
}

int sl_props_parse(const char *text, size_t len, sl_strmap_t *out,
                   char *errstr, size_t errstr_size)
{
        sl_buf_t line = SL_BUF_INIT, kb = SL_BUF_INIT, vb = SL_BUF_INIT;
        size_t i = 0;
        int lineno = 1, r = 0;

        while (i < len) {
                int start_line, bs = 0;

                /* leading whitespace and blank lines */
                if (is_ws(text[i])) {
                        i++;
                        continue;
                }
                if (text[i] == '\n' || text[i] == '\r') {
                        skip_eol(text, len, &i, &lineno);
                        continue;
                }
                /* a comment ends at its line: a trailing backslash does not
                 * continue it */
                if (text[i] == '#' || text[i] == '!') {
                        while (i < len && text[i] != '\n' && text[i] != '\r')
                                i++;
                        continue;
                }

                start_line = lineno;
                sl_buf_reset(&line);
                while (i < len) {
                        char c = text[i];
                        if (c == '\n' || c == '\r') {
                                skip_eol(text, len, &i, &lineno);
                                if (!bs)
                                        break;
                                line.len--;
                                bs = 0;
                                while (i < len && is_ws(text[i]))
                                        i++;
                                continue;
                        }
                        if ((r = sl_buf_putc(&line, c)) < 0)
                                goto done;
                        bs = c == '\\' ? !bs : 0;
                        i++;
                }
                if (bs) /* a backslash before end of input is dropped */
                        line.len--;
                /* only a lone continued backslash: Java ignores the line */
                if (line.len == 0)
                        continue;
                r = put_line(line.data, line.len, start_line, out, &kb, &vb,
                             errstr, errstr_size);
                if (r < 0)
                        goto done;
        }
done:
        if (r == SL_ERR_NOMEM)
                sl_seterr(errstr, errstr_size, r, "out of memory");
        sl_buf_free(&line);
        sl_buf_free(&kb);
        sl_buf_free(&vb);
        return r;
}

int sl_props_load(const char *path, sl_strmap_t *out, char *errstr,
                  size_t errstr_size)
{
        sl_buf_t b = SL_BUF_INIT;
        int r = sl_buf_read_file(&b, path, SIZE_MAX / 2);

        if (r < 0) {
                sl_seterr(errstr, errstr_size, r, "%s: %s", path,
                          r == SL_ERR_NOMEM ? "out of memory" : sl_err2str(r));
        } else {
                char msg[512];
                r = sl_props_parse(b.data ? b.data : "", b.len, out, msg,
                                   sizeof(msg));
                if (r < 0)
                        sl_seterr(errstr, errstr_size, r, "%s: %s", path, msg);
        }
        sl_buf_free(&b);
        return r;
}
