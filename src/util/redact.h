/* Secrets masked in free text: log lines, error messages and status
 * traces. Config providers register every value they substitute (shown as
 * its placeholder, e.g. "${file:/etc/db.properties:password}") and the
 * herder every PASSWORD-typed value (shown as "[hidden]"), so a message
 * that echoes a config value (a bad value, a connection URL) never carries
 * the secret out of the process.
 *
 * The set is process-wide and only grows: a value once resolved stays
 * masked for the life of the process, whichever connector it came from.
 * Values shorter than SL_REDACT_MIN_LEN are not registered: masking every
 * "1" or "on" would garble the text around it. */
#ifndef SL_UTIL_REDACT_H
#define SL_UTIL_REDACT_H

#include "sluice/common.h"

#define SL_REDACT_MIN_LEN 4

/* Mask secret[0..len) as shown from now on (the first registration of a
 * value wins). 0, or SL_ERR_NOMEM. */
int sl_redact_add(const char *secret, size_t len, const char *shown);
/* True when something is registered (a cheap test before masking). */
bool sl_redact_active(void);
/* Appends s[0..len) to out with every registered secret replaced, the
 * longest one first where several start at the same byte. 0, or
 * SL_ERR_NOMEM. */
int sl_redact_append(sl_buf_t *out, const char *s, size_t len);
/* A malloc'd masked copy of s (NULL for NULL or out of memory). */
char *sl_redact_dup(const char *s);
/* Masks s in place when it fits in size bytes (the masked text may be
 * longer: it is cut at size - 1). */
void sl_redact_inplace(char *s, size_t size);

#endif
