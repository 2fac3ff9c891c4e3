/* Line-oriented logging to stderr in the Kafka/log4j layout. Each line is
 * formatted into a local buffer and emitted with one write(2), so lines
 * from concurrent threads never interleave. */
#include "sluice/common.h"
#include "util/redact.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* -1 until first use, so SLUICE_LOG_LEVEL is read lazily (no init call). */
static atomic_int log_level = -1;

static const char *const level_names[] = {"TRACE", "DEBUG", "INFO", "WARN",
                                          "ERROR"};

static int level_from_env(void)
{
        const char *s = getenv("SLUICE_LOG_LEVEL");
        if (!s)
                return SL_LOG_INFO;
        for (int i = SL_LOG_TRACE; i <= SL_LOG_ERROR; i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return i;
        if (strcasecmp(s, "warning") == 0)
                return SL_LOG_WARN;
        return SL_LOG_INFO;
}

sl_log_level_t sl_log_get_level(void)
{
        int lvl = atomic_load(&log_level);
        if (lvl < 0) {
                int expected = -1;
                lvl = level_from_env();
                /* An explicit set_level racing with us wins. */
                if (!atomic_compare_exchange_strong(&log_level, &expected, lvl))
                        lvl = expected;
        }
        return (sl_log_level_t)lvl;
}

void sl_log_set_level(sl_log_level_t level)
{
        if ((int)level < SL_LOG_TRACE || level > SL_LOG_ERROR)
                return;
        atomic_store(&log_level, (int)level);
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

void sl_log(sl_log_level_t level, const char *logger, const char *fmt, ...)
{
        if ((int)level < SL_LOG_TRACE || level > SL_LOG_ERROR)
                level = SL_LOG_ERROR;
        if (level < sl_log_get_level())
                return;

        char line[4096];
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);

        int n = snprintf(line, sizeof(line),
                         "[%04d-%02d-%02d %02d:%02d:%02d,%03ld] %s %s: ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec,
                         ts.tv_nsec / 1000000L, level_names[level],
                         logger ? logger : "sluice");
        if (n < 0)
                return;
        /* Leave room for the newline even when the message is truncated. */
        size_t room = sizeof(line) - 1;
        size_t len = (size_t)n < room ? (size_t)n : room;
        if (len < room) {
                va_list ap, ap2;
                va_start(ap, fmt);
                va_copy(ap2, ap);
                int m = vsnprintf(line + len, room - len + 1, fmt, ap);
                va_end(ap);
                if (m > 0 && sl_redact_active()) {
                        /* Secrets from config providers and PASSWORD keys
                         * never reach the log, whatever the level or the
                         * code that logged them. A message cut to the line
                         * is masked whole first, so no secret is cut in
                         * half and left readable. */
                        char *full = NULL;
                        sl_buf_t b = SL_BUF_INIT;
                        if ((size_t)m > room - len && vasprintf(&full, fmt, ap2) < 0)
                                full = NULL;
                        if (full && sl_redact_append(&b, full, strlen(full)) == 0) {
                                size_t k = b.len < room - len ? b.len
                                                              : room - len;
                                memcpy(line + len, b.data, k);
                                line[len + k] = '\0';
                        } else if ((size_t)m > room - len) {
                                line[len] = '\0';
                        } else {
                                sl_redact_inplace(line + len, room - len + 1);
                        }
                        free(full);
                        sl_buf_free(&b);
                        m = (int)strlen(line + len);
                }
                va_end(ap2);
                if (m > 0)
                        len += (size_t)m < room - len ? (size_t)m : room - len;
        }
        line[len++] = '\n';
        write_all(line, len);
}

int64_t sl_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
