/* Hex digits, UTF-8 and UTF-16 surrogates: the pieces shared by the JSON
 * parser, the .properties reader and REST percent-decoding. */
#ifndef SL_UTIL_UTF8_H
#define SL_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/common.h"

/* Value of one hex digit (either case), or -1 when c is not one. */
int sl_hex_digit(int c);

/* Malloc'd percent-decoding of s[0..n) (REST path segments and query
 * arguments). A malformed escape stays literal, or fails (NULL) with
 * SL_PCT_STRICT; %00 fails, as it would cut the C string, unless
 * SL_PCT_NUL_LITERAL keeps it as the three characters. NULL also when out
 * of memory. */
#define SL_PCT_STRICT 1
#define SL_PCT_NUL_LITERAL 2
char *sl_pct_decode(const char *s, size_t n, int flags);

/* The four hex digits at s as a UTF-16 code unit; -1 when fewer than four
 * of the n bytes are left or one of them is not a hex digit. */
long sl_hex4_read(const char *s, size_t n);

/* Code point of a surrogate pair; the caller has checked that hi is in
 * D800-DBFF and lo in DC00-DFFF. */
uint32_t sl_utf16_join(uint32_t hi, uint32_t lo);

/* Appends cp (at most U+10FFFF) as UTF-8; 0 or SL_ERR_NOMEM. */
int sl_utf8_put(sl_buf_t *b, uint32_t cp);

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0.
 * Rejects overlong forms, encoded surrogates and code points > U+10FFFF. */
size_t sl_utf8_seq_len(const unsigned char *s, size_t n);

#endif
