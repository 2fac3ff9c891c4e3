/* Line-oriented logging to stderr, in a log4j-like text layout or as one
 * JSON object per line (log.format). Each line is formatted into a bounded
 * local buffer and emitted with one write(2), so lines from concurrent
 * threads never interleave. Levels per logger: util/log_levels.c. */
#include "sluice/common.h"
#include "util/log.h"
#include "util/log_levels.h"
#include "util/redact.h"
#include "util/utf8.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* -1 until first use, so SLUICE_LOG_FORMAT is read lazily (no init call). */
static atomic_int log_format = -1;
static _Thread_local sl_log_ctx_t log_ctx;

static const char *const level_names[] = {"TRACE", "DEBUG", "INFO", "WARN",
                                          "ERROR"};

/* A line never gets longer than this: the message is cut to fit. */
#define LINE_SIZE 8192
#define MSG_SIZE 4096

sl_log_level_t sl_log_get_level(void)
{
        int lvl = sl_log_levels_root();
        return (sl_log_level_t)(lvl > SL_LOG_ERROR ? SL_LOG_ERROR : lvl);
}

void sl_log_set_level(sl_log_level_t level)
{
        if ((int)level < SL_LOG_TRACE || level > SL_LOG_ERROR)
                return;
        sl_log_levels_set_root((int)level);
}

int sl_log_format_parse(const char *s)
{
        if (s && strcasecmp(s, "text") == 0)
                return SL_LOG_FORMAT_TEXT;
        if (s && strcasecmp(s, "json") == 0)
                return SL_LOG_FORMAT_JSON;
        return -1;
}

void sl_log_set_format(sl_log_format_t f)
{
        atomic_store(&log_format, (int)f);
}

sl_log_format_t sl_log_get_format(void)
{
        int f = atomic_load_explicit(&log_format, memory_order_relaxed);
        if (f < 0) {
                int expected = -1;
                f = sl_log_format_parse(getenv("SLUICE_LOG_FORMAT"));
                if (f < 0)
                        f = SL_LOG_FORMAT_TEXT;
                if (!atomic_compare_exchange_strong(&log_format, &expected, f))
                        f = expected;
        }
        return (sl_log_format_t)f;
}

sl_log_ctx_t sl_log_ctx_set(const char *connector, int task, const char *scope)
{
        sl_log_ctx_t prev = log_ctx;
        log_ctx = (sl_log_ctx_t){connector, task, scope};
        return prev;
}

void sl_log_ctx_restore(sl_log_ctx_t prev)
{
        log_ctx = prev;
}

static void write_all(const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(STDERR_FILENO, p, n);
                if (w < 0)
                        return; /* nowhere left to report it */
                p += w;
                n -= (size_t)w;
        }
}

/* The message, masked, into out (NUL-terminated); its length. */
static size_t format_message(char *out, size_t size, const char *fmt, va_list ap)
{
        va_list ap2;
        va_copy(ap2, ap);
        int m = vsnprintf(out, size, fmt, ap);
        if (m < 0) {
                out[0] = '\0';
        } else if (sl_redact_active()) {
                /* Secrets from config providers and PASSWORD keys never
                 * reach the log, whatever the level, format or the code
                 * that logged them. A message cut to the line is masked
                 * whole first, so no secret is cut in half and left
                 * readable. */
                if ((size_t)m >= size) {
                        char *full = NULL;
                        sl_buf_t b = SL_BUF_INIT;
                        if (vasprintf(&full, fmt, ap2) < 0)
                                full = NULL;
                        if (full && sl_redact_append(&b, full, strlen(full)) == 0) {
                                size_t k = b.len < size - 1 ? b.len : size - 1;
                                memcpy(out, b.data, k);
                                out[k] = '\0';
                        } else {
                                out[0] = '\0';
                        }
                        free(full);
                        sl_buf_free(&b);
                } else {
                        sl_redact_inplace(out, size);
                }
        }
        va_end(ap2);
        return strlen(out);
}

/* Appends s[0..n) JSON-escaped to line[*len..], keeping reserve bytes
 * free at the end of the LINE_SIZE buffer; stops before a character that
 * does not fit, so the text is cut between characters. Bytes that are not
 * UTF-8 become U+FFFD. */
static void json_escape(char *line, size_t *len, const char *s, size_t n, size_t reserve)
{
        static const char hex[] = "0123456789abcdef";
        size_t limit = LINE_SIZE - reserve, at = *len;

        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                char tmp[8];
                const char *src = tmp;
                size_t k, adv = 1;

                if (c == '"' || c == '\\') {
                        tmp[0] = '\\';
                        tmp[1] = (char)c;
                        k = 2;
                } else if (c == '\n' || c == '\r' || c == '\t') {
                        tmp[0] = '\\';
                        tmp[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
                        k = 2;
                } else if (c < 0x20 || c == 0x7f) {
                        memcpy(tmp, "\\u00", 4);
                        tmp[4] = hex[c >> 4];
                        tmp[5] = hex[c & 15];
                        k = 6;
                } else if (c < 0x80) {
                        tmp[0] = (char)c;
                        k = 1;
                } else if ((adv = sl_utf8_seq_len((const unsigned char *)s + i, n - i)) > 0) {
                        src = s + i;
                        k = adv;
                } else {
                        memcpy(tmp, "\\ufffd", 6);
                        k = 6;
                        adv = 1;
                }
                if (at + k > limit)
                        break;
                memcpy(line + at, src, k);
                at += k;
                i += adv;
        }
        *len = at;
}

static void json_field(char *line, size_t *len, const char *key, const char *val,
                       size_t reserve)
{
        size_t klen = strlen(key);
        /* the key, quotes, colon and comma must fit whole */
        if (*len + klen + 6 + reserve > LINE_SIZE)
                return;
        line[(*len)++] = ',';
        line[(*len)++] = '"';
        memcpy(line + *len, key, klen);
        *len += klen;
        memcpy(line + *len, "\":\"", 3);
        *len += 3;
        json_escape(line, len, val, strlen(val), reserve + 1);
        line[(*len)++] = '"';
}

static size_t format_json(char *line, const struct tm *tm, long ms, int level,
                          const char *logger, const char *msg, size_t msg_len)
{
        /* room kept for the closing "} and the newline */
        const size_t tail = 3;
        size_t len;
        int n = snprintf(line, LINE_SIZE,
                         "{\"timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\","
                         "\"level\":\"%s\"",
                         tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
                         tm->tm_min, tm->tm_sec, ms, level_names[level]);
        len = n > 0 ? (size_t)n : 0;
        json_field(line, &len, "logger", logger, 64 + tail);
        char thread[32];
        if (pthread_getname_np(pthread_self(), thread, sizeof(thread)) == 0 && thread[0])
                json_field(line, &len, "thread", thread, 64 + tail);
        if (log_ctx.connector) {
                json_field(line, &len, "connector", log_ctx.connector, 64 + tail);
                if (log_ctx.task >= 0 && len + 32 + tail < LINE_SIZE)
                        len += (size_t)snprintf(line + len, LINE_SIZE - len, ",\"task\":%d",
                                                log_ctx.task);
                if (log_ctx.scope)
                        json_field(line, &len, "scope", log_ctx.scope, 64 + tail);
        }
        memcpy(line + len, ",\"message\":\"", 12);
        len += 12;
        json_escape(line, &len, msg, msg_len, tail);
        memcpy(line + len, "\"}\n", 3);
        return len + 3;
}

static size_t format_text(char *line, const struct tm *tm, long ms, int level,
                          const char *logger, const char *msg, size_t msg_len)
{
        char ctx[160] = "";
        if (log_ctx.connector) {
                char task[24] = "worker";
                if (log_ctx.task >= 0)
                        snprintf(task, sizeof(task), "task-%d", log_ctx.task);
                snprintf(ctx, sizeof(ctx), "[%s|%s%s%s] ", log_ctx.connector, task,
                         log_ctx.scope ? "|" : "", log_ctx.scope ? log_ctx.scope : "");
        }
        int n = snprintf(line, LINE_SIZE, "[%04d-%02d-%02d %02d:%02d:%02d,%03ld] %s %s%s: ",
                         tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
                         tm->tm_min, tm->tm_sec, ms, level_names[level], ctx, logger);
        /* Leave room for the newline even when the message is truncated. */
        size_t room = LINE_SIZE - 1;
        size_t len = n < 0 ? 0 : (size_t)n < room ? (size_t)n : room;
        size_t k = msg_len < room - len ? msg_len : room - len;
        memcpy(line + len, msg, k);
        len += k;
        line[len++] = '\n';
        return len;
}

void sl_log(sl_log_level_t level, const char *logger, const char *fmt, ...)
{
        if ((int)level < SL_LOG_TRACE || level > SL_LOG_ERROR)
                level = SL_LOG_ERROR;
        if (!sl_log_levels_maybe((int)level))
                return;
        const char *name = sl_log_logger_name(logger);
        if (!sl_log_levels_enabled((int)level, name))
                return;

        char msg[MSG_SIZE], line[LINE_SIZE];
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);

        va_list ap;
        va_start(ap, fmt);
        size_t msg_len = format_message(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        size_t len = sl_log_get_format() == SL_LOG_FORMAT_JSON
                             ? format_json(line, &tm, ts.tv_nsec / 1000000L, (int)level,
                                           name, msg, msg_len)
                             : format_text(line, &tm, ts.tv_nsec / 1000000L, (int)level,
                                           name, msg, msg_len);
        write_all(line, len);
}

static int64_t clock_ms(clockid_t clock)
{
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sl_now_ms(void)
{
        return clock_ms(CLOCK_MONOTONIC);
}

int64_t sl_epoch_ms(void)
{
        return clock_ms(CLOCK_REALTIME);
}

int sl_ms_until(int64_t deadline)
{
        if (deadline < 0)
                return -1;
        int64_t r = deadline - sl_now_ms();
        if (r <= 0)
                return 0;
        return r > INT_MAX ? INT_MAX : (int)r;
}

int sl_fd_wait(int fd, short events, int64_t deadline)
{
        for (;;) {
                struct pollfd pfd = {.fd = fd, .events = events};
                int n = poll(&pfd, 1, sl_ms_until(deadline));
                if (n > 0)
                        return 0;
                if (n == 0)
                        return SL_ERR_TIMEOUT;
                if (errno != EINTR)
                        return -errno;
        }
}
