/* java.text.SimpleDateFormat in UTC with an English locale (US week rules:
 * weeks start on Sunday, week 1 holds January 1st), on a proleptic
 * Gregorian calendar (Java switches to Julian dates before 1582-10-15,
 * irrelevant for record timestamps). Shared by TimestampConverter and
 * TimestampRouter. */
#include "transform/datefmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_PER_DAY INT64_C(86400000)

__extension__ typedef __int128 i128_t;

/* ------------------------------------------------------- date helpers */

int64_t sl_floordiv(int64_t a, int64_t b)
{
        int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t sl_floormod(int64_t a, int64_t b)
{
        return a - sl_floordiv(a, b) * b;
}

/* Proleptic Gregorian calendar (H. Hinnant's algorithms). */
int64_t sl_days_from_civil(int64_t y, int m, int d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
        z += 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

/* ---------------------------------------- SimpleDateFormat (UTC, en_US) */

/* A compiled pattern: letters with their run length, or literal text. */
typedef struct ftok {
        char ch; /* 0: literal */
        int count;
        char *lit;
        size_t litlen;
} ftok_t;

struct sl_datefmt {
        char *pattern;
        ftok_t *t;
        int n;
};

static const char *const MONTHS[] = {"January", "February", "March", "April",
                                     "May", "June", "July", "August", "September",
                                     "October", "November", "December", NULL};
static const char *const SHORT_MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", NULL};
static const char *const WEEKDAYS[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday", NULL};
static const char *const SHORT_WEEKDAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu",
                                             "Fri", "Sat", NULL};
static const char *const AMPM[] = {"AM", "PM", NULL};
static const char *const ERAS[] = {"BC", "AD", NULL};

const char *sl_datefmt_pattern(const sl_datefmt_t *f)
{
        return f->pattern;
}

void sl_datefmt_free(sl_datefmt_t *f)
{
        if (!f)
                return;
        for (int i = 0; i < f->n; i++)
                free(f->t[i].lit);
        free(f->t);
        free(f->pattern);
        free(f);
}

static int fmt_push(sl_datefmt_t *f, char ch, int count, const char *lit, size_t litlen)
{
        /* adjacent literals merge */
        if (!ch && f->n && !f->t[f->n - 1].ch) {
                ftok_t *l = &f->t[f->n - 1];
                char *p = realloc(l->lit, l->litlen + litlen + 1);
                if (!p)
                        return SL_ERR_NOMEM;
                memcpy(p + l->litlen, lit, litlen);
                l->litlen += litlen;
                p[l->litlen] = '\0';
                l->lit = p;
                return 0;
        }
        ftok_t *t = realloc(f->t, (size_t)(f->n + 1) * sizeof(*t));
        if (!t)
                return SL_ERR_NOMEM;
        f->t = t;
        t[f->n] = (ftok_t){.ch = ch, .count = count};
        if (!ch && !(t[f->n].lit = strndup(lit, litlen)))
                return SL_ERR_NOMEM;
        t[f->n].litlen = litlen;
        f->n++;
        return 0;
}

/* SimpleDateFormat.compile: why gets IllegalArgumentException's text. */
sl_datefmt_t *sl_datefmt_compile(const char *pattern, char *why, size_t wn)
{
        sl_datefmt_t *f = calloc(1, sizeof(*f));
        size_t len = strlen(pattern);
        bool inq = false;
        int rc = 0;

        if (!f || !(f->pattern = strdup(pattern))) {
                free(f);
                snprintf(why, wn, "out of memory");
                return NULL;
        }
        for (size_t i = 0; i < len && rc == 0; i++) {
                char c = pattern[i];
                if (c == '\'') {
                        if (i + 1 < len && pattern[i + 1] == '\'') {
                                i++;
                                rc = fmt_push(f, 0, 0, "'", 1);
                        } else {
                                inq = !inq;
                        }
                        continue;
                }
                if (inq || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
                        rc = fmt_push(f, 0, 0, &pattern[i], 1);
                        continue;
                }
                if (!strchr("GyMdkHmsSEDFwWahKzZYuXL", c)) {
                        snprintf(why, wn, "Illegal pattern character '%c'", c);
                        sl_datefmt_free(f);
                        return NULL;
                }
                int count = 1;
                while (i + 1 < len && pattern[i + 1] == c) {
                        count++;
                        i++;
                }
                if (c == 'X' && count > 3) {
                        snprintf(why, wn, "invalid ISO 8601 format: length=%d", count);
                        sl_datefmt_free(f);
                        return NULL;
                }
                rc = fmt_push(f, c, count, NULL, 0);
        }
        if (rc == 0 && inq) {
                snprintf(why, wn, "Unterminated quote");
                sl_datefmt_free(f);
                return NULL;
        }
        if (rc < 0) {
                snprintf(why, wn, "out of memory");
                sl_datefmt_free(f);
                return NULL;
        }
        return f;
}


static int put_num(sl_buf_t *b, int64_t v, int width)
{
        return sl_buf_printf(b, "%0*" PRId64, width, v);
}

/* Broken-down UTC time of an instant. */
typedef struct tm_ms {
        int64_t year; /* proleptic, 0 = 1 BC */
        int month, day, doy, dow; /* dow: 0 = Sunday */
        int hour, min, sec, ms;
        int64_t days;
} tm_ms_t;

static void split_ms(int64_t ms, tm_ms_t *t)
{
        int64_t msod;

        t->days = sl_floordiv(ms, MS_PER_DAY);
        msod = ms - t->days * MS_PER_DAY;
        civil_from_days(t->days, &t->year, &t->month, &t->day);
        t->doy = (int)(t->days - sl_days_from_civil(t->year, 1, 1) + 1);
        t->dow = (int)sl_floormod(t->days + 4, 7);
        t->hour = (int)(msod / 3600000);
        t->min = (int)(msod / 60000 % 60);
        t->sec = (int)(msod / 1000 % 60);
        t->ms = (int)(msod % 1000);
}

/* US week rules (weeks start on Sunday, week 1 holds January 1st). */
static int week_of_year(const tm_ms_t *t, int64_t *week_year)
{
        int64_t jan1 = sl_days_from_civil(t->year, 1, 1);
        int64_t ylen = sl_days_from_civil(t->year + 1, 1, 1) - jan1;
        int jan1_dow = (int)sl_floormod(jan1 + 4, 7);

        *week_year = t->year;
        if (t->doy - t->dow + 6 >= ylen + 1) {
                (*week_year)++;
                return 1;
        }
        return (t->doy - 1 + jan1_dow) / 7 + 1;
}

int sl_datefmt_format(const sl_datefmt_t *f, int64_t ms, sl_buf_t *out)
{
        tm_ms_t t;
        int rc = 0;

        split_ms(ms, &t);
        for (int i = 0; i < f->n && rc == 0; i++) {
                const ftok_t *k = &f->t[i];
                int64_t wy, y;
                int c = k->count;

                switch (k->ch) {
                case 0:
                        rc = sl_buf_append(out, k->lit, k->litlen);
                        break;
                case 'G':
                        rc = sl_buf_puts(out, ERAS[t.year > 0]);
                        break;
                case 'y':
                case 'Y':
                        y = t.year;
                        if (k->ch == 'Y') {
                                week_of_year(&t, &wy);
                                y = wy;
                        }
                        y = y > 0 ? y : 1 - y; /* year of era */
                        rc = c == 2 ? put_num(out, y % 100, 2) : put_num(out, y, c);
                        break;
                case 'M':
                case 'L':
                        rc = c >= 4   ? sl_buf_puts(out, MONTHS[t.month - 1])
                             : c == 3 ? sl_buf_puts(out, SHORT_MONTHS[t.month - 1])
                                      : put_num(out, t.month, c);
                        break;
                case 'd': rc = put_num(out, t.day, c); break;
                case 'D': rc = put_num(out, t.doy, c); break;
                case 'F': rc = put_num(out, (t.day - 1) / 7 + 1, c); break;
                case 'w': rc = put_num(out, week_of_year(&t, &wy), c); break;
                case 'W': {
                        int first_dow = (int)sl_floormod(t.days - (t.day - 1) + 4, 7);
                        rc = put_num(out, (t.day - 1 + first_dow) / 7 + 1, c);
                        break;
                }
                case 'E':
                        rc = sl_buf_puts(out, c >= 4 ? WEEKDAYS[t.dow] : SHORT_WEEKDAYS[t.dow]);
                        break;
                case 'u': rc = put_num(out, t.dow ? t.dow : 7, c); break;
                case 'a': rc = sl_buf_puts(out, AMPM[t.hour >= 12]); break;
                case 'H': rc = put_num(out, t.hour, c); break;
                case 'k': rc = put_num(out, t.hour ? t.hour : 24, c); break;
                case 'K': rc = put_num(out, t.hour % 12, c); break;
                case 'h': rc = put_num(out, t.hour % 12 ? t.hour % 12 : 12, c); break;
                case 'm': rc = put_num(out, t.min, c); break;
                case 's': rc = put_num(out, t.sec, c); break;
                case 'S': rc = put_num(out, t.ms, c); break;
                case 'z':
                        rc = sl_buf_puts(out, c >= 4 ? "Coordinated Universal Time" : "UTC");
                        break;
                case 'Z': rc = sl_buf_puts(out, "+0000"); break;
                case 'X': rc = sl_buf_putc(out, 'Z'); break;
                default: break;
                }
        }
        return rc;
}

static bool is_numeric_tok(const ftok_t *k)
{
        if (!k || !k->ch)
                return false;
        if (k->ch == 'M' || k->ch == 'L')
                return k->count <= 2;
        return strchr("yYdDFwWHkKhmsSu", k->ch) != NULL;
}

/* Parsed calendar fields. */
typedef struct pfields {
        int64_t year, month, day, doy, hour, hour12, min, sec, ms, offset_ms;
        bool has_year, has_month, has_day, has_doy, has_hour, has_hour12, pm, bc;
} pfields_t;

/* DecimalFormat.parse with integer-only, no grouping: [-]digits. width > 0
 * limits the text to width chars (abutting numeric fields). */
static bool read_num(const char *s, size_t len, size_t *pos, int width, int64_t *val,
                     int *ndigits)
{
        size_t p = *pos, end = len;
        bool neg = false;
        int64_t acc = 0;
        int nd = 0;

        if (width > 0) {
                if (p + (size_t)width > len)
                        return false;
                end = p + (size_t)width;
        }
        if (p < end && s[p] == '-') {
                neg = true;
                p++;
        }
        while (p < end && s[p] >= '0' && s[p] <= '9') {
                if (acc < INT64_C(100000000000))
                        acc = acc * 10 + (s[p] - '0');
                p++;
                nd++;
        }
        if (!nd)
                return false;
        /* Calendar fields are ints; keep far from int64 overflow */
        if (acc > INT32_MAX)
                acc = INT32_MAX;
        *val = neg ? -acc : acc;
        *ndigits = neg ? -1 : nd;
        *pos = p;
        return true;
}

/* Longest case-insensitive match of names at *pos; index or -1. */
static int match_names(const char *s, size_t len, size_t *pos, const char *const *names)
{
        int best = -1;
        size_t blen = 0;

        for (int i = 0; names[i]; i++) {
                size_t l = strlen(names[i]);
                if (l > blen && *pos + l <= len && !strncasecmp(s + *pos, names[i], l)) {
                        best = i;
                        blen = l;
                }
        }
        if (best >= 0)
                *pos += blen;
        return best;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* SimpleDateFormat.subParseNumericZone: hh[[:]mm] after the sign. */
static bool parse_numeric_zone(const char *s, size_t len, size_t *pos, int sign, int count,
                               bool colon, int64_t *offset)
{
        size_t i = *pos;
        int hours, minutes = 0;

        if (i >= len || !is_digit(s[i]))
                return false;
        hours = s[i++] - '0';
        if (i < len && is_digit(s[i])) {
                hours = hours * 10 + (s[i++] - '0');
        } else if (count > 0 || !colon) {
                return false;
        }
        if (hours > 23)
                return false;
        if (count != 1) {
                if (colon) {
                        if (i >= len || s[i] != ':')
                                return false;
                        i++;
                }
                if (i + 1 >= len || !is_digit(s[i]) || !is_digit(s[i + 1]))
                        return false;
                minutes = (s[i] - '0') * 10 + (s[i + 1] - '0');
                i += 2;
                if (minutes > 59)
                        return false;
        }
        *offset = (int64_t)sign * (hours * 60 + minutes) * 60000;
        *pos = i;
        return true;
}

/* z and Z: +hhmm, GMT[+-h[h]:mm], or a zone name (UTC and GMT only). */
static bool parse_zone(const char *s, size_t len, size_t *pos, int64_t *offset)
{
        size_t p = *pos;
        static const char *const UTC_NAMES[] = {"Coordinated Universal Time", "UTC", NULL};

        if (p >= len)
                return false;
        if (s[p] == '+' || s[p] == '-') {
                *pos = p + 1;
                return parse_numeric_zone(s, len, pos, s[p] == '+' ? 1 : -1, 0, false,
                                          offset);
        }
        if (p + 3 <= len && !strncasecmp(s + p, "GMT", 3)) {
                p += 3;
                if (p < len && (s[p] == '+' || s[p] == '-')) {
                        int sign = s[p] == '+' ? 1 : -1;
                        *pos = p + 1;
                        return parse_numeric_zone(s, len, pos, sign, 0, true, offset);
                }
                *offset = 0;
                *pos = p;
                return true;
        }
        if (match_names(s, len, &p, UTC_NAMES) >= 0) {
                *offset = 0;
                *pos = p;
                return true;
        }
        return false;
}

static int64_t two_digit_year(int64_t v)
{
        /* SimpleDateFormat's default century: 80 years before now */
        tm_ms_t now;
        split_ms((int64_t)time(NULL) * 1000, &now);
        int64_t start = now.year - 80, amb = start % 100;
        return v + (start / 100) * 100 + (v < amb ? 100 : 0);
}

static bool parse_field(const ftok_t *k, const ftok_t *next, const char *s, size_t len,
                        size_t *pos, pfields_t *pf)
{
        int64_t v = 0;
        int nd = 0;
        size_t start;

        /* subParse skips blanks before every field */
        while (*pos < len && (s[*pos] == ' ' || s[*pos] == '\t'))
                (*pos)++;
        start = *pos;
        if (is_numeric_tok(k) &&
            !read_num(s, len, pos, is_numeric_tok(next) ? k->count : 0, &v, &nd))
                return false;
        switch (k->ch) {
        case 'y':
        case 'Y':
                if (k->count <= 2 && nd == 2 && *pos - start == 2)
                        v = two_digit_year(v);
                pf->year = v;
                pf->has_year = true;
                return true;
        case 'M':
        case 'L':
                if (k->count >= 3) {
                        int m = match_names(s, len, pos, MONTHS);
                        if (m < 0)
                                m = match_names(s, len, pos, SHORT_MONTHS);
                        if (m < 0)
                                return false;
                        v = m + 1;
                }
                pf->month = v;
                pf->has_month = true;
                return true;
        case 'd':
                pf->day = v;
                pf->has_day = true;
                return true;
        case 'D':
                pf->doy = v;
                pf->has_doy = true;
                return true;
        case 'H':
        case 'k':
                pf->hour = k->ch == 'k' && v == 24 ? 0 : v;
                pf->has_hour = true;
                return true;
        case 'h':
        case 'K':
                pf->hour12 = k->ch == 'h' && v == 12 ? 0 : v;
                pf->has_hour12 = true;
                return true;
        case 'm': pf->min = v; return true;
        case 's': pf->sec = v; return true;
        case 'S': pf->ms = v; return true;
        case 'F': case 'w': case 'W': case 'u':
                return true; /* parsed, but the date comes from y/M/d */
        case 'E':
                return match_names(s, len, pos, WEEKDAYS) >= 0 ||
                       match_names(s, len, pos, SHORT_WEEKDAYS) >= 0;
        case 'a': {
                int a = match_names(s, len, pos, AMPM);
                pf->pm = a == 1;
                return a >= 0;
        }
        case 'G': {
                int g = match_names(s, len, pos, ERAS);
                pf->bc = g == 0;
                return g >= 0;
        }
        case 'z':
        case 'Z':
                return parse_zone(s, len, pos, &pf->offset_ms);
        case 'X':
                if (*pos >= len)
                        return false;
                if (s[*pos] == 'Z') {
                        (*pos)++;
                        pf->offset_ms = 0;
                        return true;
                }
                if (s[*pos] != '+' && s[*pos] != '-')
                        return false;
                (*pos)++;
                return parse_numeric_zone(s, len, pos, s[*pos - 1] == '+' ? 1 : -1,
                                          k->count, k->count == 3, &pf->offset_ms);
        default:
                return false;
        }
}

/* SimpleDateFormat.parse(String): lenient, trailing text ignored. */
bool sl_datefmt_parse(const sl_datefmt_t *f, const char *s, size_t len, int64_t *out)
{
        pfields_t pf = {0};
        size_t pos = 0;

        for (int i = 0; i < f->n; i++) {
                const ftok_t *k = &f->t[i];
                if (!k->ch) {
                        if (pos + k->litlen > len || memcmp(s + pos, k->lit, k->litlen))
                                return false;
                        pos += k->litlen;
                } else if (!parse_field(k, i + 1 < f->n ? &f->t[i + 1] : NULL, s, len,
                                        &pos, &pf)) {
                        return false;
                }
        }

        int64_t year = pf.has_year ? pf.year : 1970, days;
        if (pf.bc)
                year = 1 - year;
        if (pf.has_doy && !pf.has_month && !pf.has_day) {
                days = sl_days_from_civil(year, 1, 1) + pf.doy - 1;
        } else {
                int64_t m0 = (pf.has_month ? pf.month : 1) - 1;
                year += sl_floordiv(m0, 12);
                days = sl_days_from_civil(year, (int)sl_floormod(m0, 12) + 1, 1) +
                       (pf.has_day ? pf.day : 1) - 1;
        }
        int64_t hour = pf.has_hour ? pf.hour : pf.hour12 + (pf.pm ? 12 : 0);
        i128_t ms = (i128_t)days * MS_PER_DAY;
        ms += (i128_t)hour * 3600000 + (i128_t)pf.min * 60000 + (i128_t)pf.sec * 1000 +
              pf.ms - pf.offset_ms;
        if (ms > INT64_MAX || ms < INT64_MIN)
                return false;
        *out = (int64_t)ms;
        return true;
}
