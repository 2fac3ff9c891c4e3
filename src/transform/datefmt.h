/* SimpleDateFormat patterns in UTC (see datefmt.c). */
#ifndef SL_DATEFMT_H
#define SL_DATEFMT_H

#include "sluice/common.h"

typedef struct sl_datefmt sl_datefmt_t;

/* NULL with why holding IllegalArgumentException's text ("Illegal pattern
 * character 'q'", "Unterminated quote", ...). */
sl_datefmt_t *sl_datefmt_compile(const char *pattern, char *why, size_t why_size);
void sl_datefmt_free(sl_datefmt_t *f);
const char *sl_datefmt_pattern(const sl_datefmt_t *f);
int sl_datefmt_format(const sl_datefmt_t *f, int64_t ms, sl_buf_t *out);
/* SimpleDateFormat.parse(String): lenient, trailing text ignored. */
bool sl_datefmt_parse(const sl_datefmt_t *f, const char *s, size_t len, int64_t *ms);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t sl_days_from_civil(int64_t y, int m, int d);
int64_t sl_floordiv(int64_t a, int64_t b);
int64_t sl_floormod(int64_t a, int64_t b);

#endif
