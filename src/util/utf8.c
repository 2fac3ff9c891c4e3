#include "util/utf8.h"

#include <stdlib.h>

int sl_hex_digit(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

char *sl_pct_decode(const char *s, size_t n, int flags)
{
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                int hi = -1, lo = -1;

                if (s[i] == '%' && i + 2 < n) {
                        hi = sl_hex_digit((unsigned char)s[i + 1]);
                        lo = sl_hex_digit((unsigned char)s[i + 2]);
                }
                bool escape = s[i] == '%' && hi >= 0 && lo >= 0;
                bool nul = escape && (hi | lo) == 0;
                if ((s[i] == '%' && !escape && (flags & SL_PCT_STRICT)) ||
                    (nul && !(flags & SL_PCT_NUL_LITERAL))) {
                        free(out);
                        return NULL;
                }
                if (escape && !nul) {
                        *o++ = (char)(hi << 4 | lo);
                        i += 2;
                } else {
                        *o++ = s[i];
                }
        }
        *o = '\0';
        return out;
}

long sl_hex4_read(const char *s, size_t n)
{
        if (n < 4)
                return -1;
        long v = 0;
        for (int i = 0; i < 4; i++) {
                int h = sl_hex_digit((unsigned char)s[i]);
                if (h < 0)
                        return -1;
                v = v * 16 + h;
        }
        return v;
}

uint32_t sl_utf16_join(uint32_t hi, uint32_t lo)
{
        return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

int sl_utf8_put(sl_buf_t *b, uint32_t cp)
{
        char u[4];
        size_t n;
        if (cp < 0x80) {
                u[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (char)(0xC0 | (cp >> 6));
                u[1] = (char)(0x80 | (cp & 0x3F));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (char)(0xE0 | (cp >> 12));
                u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                u[2] = (char)(0x80 | (cp & 0x3F));
                n = 3;
        } else {
                u[0] = (char)(0xF0 | (cp >> 18));
                u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
                u[3] = (char)(0x80 | (cp & 0x3F));
                n = 4;
        }
        return sl_buf_append(b, u, n);
}

size_t sl_utf8_seq_len(const unsigned char *s, size_t n)
{
        unsigned char c = s[0];
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                if (c == 0xE0)
                        lo = 0xA0;
                else if (c == 0xED)
                        hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                if (c == 0xF0)
                        lo = 0x90;
                else if (c == 0xF4)
                        hi = 0x8F;
        } else {
                return 0;
        }
        if (n < need + 1)
                return 0;
        if (s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i <= need; i++)
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
        return need + 1;
}
