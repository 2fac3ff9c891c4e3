/* RFC 4648 base64, standard alphabet with padding (Connect BYTES in JSON). */
#include "sluice/common.h"

static const char b64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sl_base64_encode(const void *p, size_t n, sl_buf_t *out)
{
        const unsigned char *s = p;
        size_t olen = (n + 2) / 3 * 4;
        int r;
        if (n > (SIZE_MAX / 4) * 3 - 2)
                return SL_ERR_NOMEM;
        if ((r = sl_buf_reserve(out, olen)))
                return r;
        char *d = out->data + out->len;
        size_t i = 0;
        for (; i + 3 <= n; i += 3) {
                unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 |
                             s[i + 2];
                *d++ = b64_alphabet[v >> 18];
                *d++ = b64_alphabet[(v >> 12) & 63];
                *d++ = b64_alphabet[(v >> 6) & 63];
                *d++ = b64_alphabet[v & 63];
        }
        if (i < n) {
                unsigned v = (unsigned)s[i] << 16;
                if (i + 1 < n)
                        v |= (unsigned)s[i + 1] << 8;
                *d++ = b64_alphabet[v >> 18];
                *d++ = b64_alphabet[(v >> 12) & 63];
                *d++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
                *d++ = '=';
        }
        out->len += olen;
        out->data[out->len] = '\0';
        return 0;
}

static int b64_value(unsigned char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* Strict: length a multiple of 4, '=' only as final padding, no
 * whitespace. On error out is left as it was. */
int sl_base64_decode(const char *s, size_t n, sl_buf_t *out)
{
        const unsigned char *u = (const unsigned char *)s;
        int r;
        if (n % 4)
                return SL_ERR_PARSE;
        if ((r = sl_buf_reserve(out, n / 4 * 3)))
                return r;
        char *d = out->data + out->len;
        size_t produced = 0;
        for (size_t i = 0; i < n; i += 4) {
                bool last = i + 4 == n;
                int pad = 0;
                if (last && u[i + 3] == '=')
                        pad = u[i + 2] == '=' ? 2 : 1;
                unsigned v = 0;
                for (int k = 0; k < 4 - pad; k++) {
                        int x = b64_value(u[i + k]);
                        if (x < 0)
                                goto bad;
                        v = v << 6 | (unsigned)x;
                }
                v <<= 6 * pad;
                d[produced++] = (char)(v >> 16);
                if (pad < 2)
                        d[produced++] = (char)(v >> 8);
                if (pad < 1)
                        d[produced++] = (char)v;
        }
        out->len += produced;
        out->data[out->len] = '\0';
        return 0;
bad:
        out->data[out->len] = '\0';
        return SL_ERR_PARSE;
}
