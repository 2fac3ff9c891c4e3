/*
 * mock-broker: a standalone Kafka broker stand-in built on librdkafka's
 * mock cluster (librdkafka 2.0.2), for tests.
 *
 *   mock-broker [-b N] [-t topic:partitions]... [-f bootstrap_file]
 *               [-c control_fifo] [-d debug] [-r rtt_ms] [-X k=v]...
 *
 * Prints "BOOTSTRAP=<list>" on stdout once the cluster is up (and writes
 * the list atomically to bootstrap_file), then reads control commands, one
 * per line, from stdin or from control_fifo and answers each with one line
 * "OK ..." or "ERR ..." on stdout:
 *
 *   down <id> | up <id>                 broker down / up
 *   rtt <id> <ms>                       broker round trip time
 *   create <topic> <partitions>         pre-create a topic
 *   topicerr <topic> <err>              error for the topic in Metadata
 *   leader <topic> <partition> <id>     move a partition leader
 *   coord group|transaction <key> <id>  set a coordinator
 *   err <ApiKey> <err>...               push request errors (cluster wide)
 *   brokererr <id> <ApiKey> <err> <rtt_ms> [<err> <rtt_ms>]...
 *   clearerr <ApiKey>                   clear pushed request errors
 *   apiversion <ApiKey> <min> <max>     restrict advertised versions
 *   help                                list commands
 *
 * Error codes are numeric Kafka error codes (negative values are
 * librdkafka-local ones, e.g. -195 for a forced disconnect) or
 * rd_kafka_resp_err_t names without the RD_KAFKA_RESP_ERR_ prefix
 * (NOT_LEADER_FOR_PARTITION, _TRANSPORT, ...).
 *
 * SIGTERM / SIGINT destroy the cluster and the handle and exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_ARGS 64
#define LINE_MAX_LEN 4096

static volatile sig_atomic_t stop_requested;
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig) {
        int saved = errno;
        char c = (char)sig;
        stop_requested = 1;
        if (sig_pipe[1] >= 0) {
                ssize_t r = write(sig_pipe[1], &c, 1);
                (void)r;
        }
        errno = saved;
}

static void usage(const char *prog) {
        fprintf(stderr,
                "usage: %s [-b brokers] [-t topic:partitions]... "
                "[-f bootstrap_file] [-c control_fifo] [-d debug] "
                "[-r rtt_ms] [-X key=value]...\n",
                prog);
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

/* Parse a base-10 integer within [min, max]. */
static int parse_long(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* A Kafka error: a number, or an rd_kafka_resp_err_t name with or without
 * the RD_KAFKA_RESP_ERR_ prefix. */
static int parse_err(const char *s, rd_kafka_resp_err_t *out) {
        long v;
        const struct rd_kafka_err_desc *descs;
        size_t n, i;
        if (parse_long(s, INT_MIN, INT_MAX, &v) == 0) {
                *out = (rd_kafka_resp_err_t)v;
                return 0;
        }
        if (!strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18))
                s += 18;
        rd_kafka_get_err_descs(&descs, &n);
        for (i = 0; i < n; i++) {
                if (descs[i].name && !strcasecmp(descs[i].name, s)) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

static int write_bootstrap_file(const char *path, const char *bootstraps) {
        char tmp[PATH_MAX];
        FILE *f;
        int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
        if (n < 0 || (size_t)n >= sizeof(tmp)) {
                fprintf(stderr, "mock-broker: bootstrap file path too long\n");
                return -1;
        }
        f = fopen(tmp, "w");
        if (!f) {
                fprintf(stderr, "mock-broker: %s: %s\n", tmp, strerror(errno));
                return -1;
        }
        fprintf(f, "%s\n", bootstraps);
        if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
                fprintf(stderr, "mock-broker: %s: %s\n", tmp, strerror(errno));
                fclose(f);
                unlink(tmp);
                return -1;
        }
        if (fclose(f) != 0 || rename(tmp, path) != 0) {
                fprintf(stderr, "mock-broker: %s: %s\n", path, strerror(errno));
                unlink(tmp);
                return -1;
        }
        return 0;
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *name,
                        long parts, char *err, size_t errsz) {
        rd_kafka_resp_err_t e =
                rd_kafka_mock_topic_create(mc, name, (int)parts, 1);
        if (e) {
                snprintf(err, errsz, "%s", rd_kafka_err2str(e));
                return -1;
        }
        return 0;
}

/* Split line into whitespace-separated words (in place). */
static int split(char *line, char **argv, int max) {
        int n = 0;
        char *save = NULL, *tok;
        for (tok = strtok_r(line, " \t\r\n", &save); tok && n < max;
             tok = strtok_r(NULL, " \t\r\n", &save))
                argv[n++] = tok;
        return n;
}

static int16_t parse_apikey(const char *s, int *ok) {
        long v;
        *ok = parse_long(s, 0, INT16_MAX, &v) == 0;
        return (int16_t)(*ok ? v : 0);
}

static void handle_command(rd_kafka_mock_cluster_t *mc, char *line) {
        char *argv[MAX_ARGS];
        char echo[LINE_MAX_LEN];
        int argc, ok, i;
        long id, v1, v2;
        rd_kafka_resp_err_t err;
        char errbuf[256];

        /* Keep the command text for the reply. */
        snprintf(echo, sizeof(echo), "%s", line);
        echo[strcspn(echo, "\r\n")] = '\0';

        argc = split(line, argv, MAX_ARGS);
        if (argc == 0)
                return; /* blank line: no reply */
        if (argv[0][0] == '#')
                return;

        if (!strcmp(argv[0], "down") || !strcmp(argv[0], "up")) {
                if (argc != 2 || parse_long(argv[1], 0, INT32_MAX, &id)) {
                        reply("ERR usage: %s <broker_id>", argv[0]);
                        return;
                }
                err = !strcmp(argv[0], "down")
                              ? rd_kafka_mock_broker_set_down(mc, (int32_t)id)
                              : rd_kafka_mock_broker_set_up(mc, (int32_t)id);

        } else if (!strcmp(argv[0], "rtt")) {
                if (argc != 3 || parse_long(argv[1], 0, INT32_MAX, &id) ||
                    parse_long(argv[2], 0, INT_MAX, &v1)) {
                        reply("ERR usage: rtt <broker_id> <ms>");
                        return;
                }
                err = rd_kafka_mock_broker_set_rtt(mc, (int32_t)id, (int)v1);

        } else if (!strcmp(argv[0], "create")) {
                if (argc != 3 || parse_long(argv[2], 1, 100000, &v1)) {
                        reply("ERR usage: create <topic> <partitions>");
                        return;
                }
                if (create_topic(mc, argv[1], v1, errbuf, sizeof(errbuf))) {
                        reply("ERR %s: %s", echo, errbuf);
                        return;
                }
                err = RD_KAFKA_RESP_ERR_NO_ERROR;

        } else if (!strcmp(argv[0], "topicerr")) {
                if (argc != 3 || parse_err(argv[2], &err)) {
                        reply("ERR usage: topicerr <topic> <err>");
                        return;
                }
                rd_kafka_mock_topic_set_error(mc, argv[1], err);
                err = RD_KAFKA_RESP_ERR_NO_ERROR;

        } else if (!strcmp(argv[0], "leader")) {
                if (argc != 4 || parse_long(argv[2], 0, INT32_MAX, &v1) ||
                    parse_long(argv[3], -1, INT32_MAX, &id)) {
                        reply("ERR usage: leader <topic> <partition> "
                              "<broker_id>");
                        return;
                }
                err = rd_kafka_mock_partition_set_leader(
                        mc, argv[1], (int32_t)v1, (int32_t)id);

        } else if (!strcmp(argv[0], "coord")) {
                if (argc != 4 ||
                    (strcmp(argv[1], "group") &&
                     strcmp(argv[1], "transaction")) ||
                    parse_long(argv[3], INT32_MIN, INT32_MAX, &id)) {
                        reply("ERR usage: coord group|transaction <key> "
                              "<broker_id>");
                        return;
                }
                err = rd_kafka_mock_coordinator_set(mc, argv[1], argv[2],
                                                    (int32_t)id);

        } else if (!strcmp(argv[0], "err")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                int16_t key;
                if (argc < 3) {
                        reply("ERR usage: err <ApiKey> <err>...");
                        return;
                }
                key = parse_apikey(argv[1], &ok);
                if (!ok) {
                        reply("ERR bad ApiKey %s", argv[1]);
                        return;
                }
                for (i = 2; i < argc; i++) {
                        if (parse_err(argv[i], &errs[i - 2])) {
                                reply("ERR bad error code %s", argv[i]);
                                return;
                        }
                }
                rd_kafka_mock_push_request_errors_array(mc, key,
                                                        (size_t)(argc - 2),
                                                        errs);
                err = RD_KAFKA_RESP_ERR_NO_ERROR;

        } else if (!strcmp(argv[0], "brokererr")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                long rtts[MAX_ARGS];
                int16_t key;
                int n;
                if (argc < 5 || (argc - 3) % 2 != 0 ||
                    parse_long(argv[1], 0, INT32_MAX, &id)) {
                        reply("ERR usage: brokererr <broker_id> <ApiKey> "
                              "<err> <rtt_ms> [<err> <rtt_ms>]...");
                        return;
                }
                key = parse_apikey(argv[2], &ok);
                if (!ok) {
                        reply("ERR bad ApiKey %s", argv[2]);
                        return;
                }
                n = (argc - 3) / 2;
                for (i = 0; i < n; i++) {
                        if (parse_err(argv[3 + 2 * i], &errs[i]) ||
                            parse_long(argv[4 + 2 * i], 0, INT_MAX,
                                       &rtts[i])) {
                                reply("ERR bad tuple %s %s", argv[3 + 2 * i],
                                      argv[4 + 2 * i]);
                                return;
                        }
                }
                /* The broker's error stack is FIFO: pushing the tuples one
                 * at a time keeps their order. */
                err = RD_KAFKA_RESP_ERR_NO_ERROR;
                for (i = 0; i < n && !err; i++)
                        err = rd_kafka_mock_broker_push_request_error_rtts(
                                mc, (int32_t)id, key, 1, errs[i],
                                (int)rtts[i]);

        } else if (!strcmp(argv[0], "clearerr")) {
                int16_t key;
                if (argc != 2) {
                        reply("ERR usage: clearerr <ApiKey>");
                        return;
                }
                key = parse_apikey(argv[1], &ok);
                if (!ok) {
                        reply("ERR bad ApiKey %s", argv[1]);
                        return;
                }
                rd_kafka_mock_clear_request_errors(mc, key);
                err = RD_KAFKA_RESP_ERR_NO_ERROR;

        } else if (!strcmp(argv[0], "apiversion")) {
                int16_t key;
                if (argc != 4 || parse_long(argv[2], -1, INT16_MAX, &v1) ||
                    parse_long(argv[3], -1, INT16_MAX, &v2)) {
                        reply("ERR usage: apiversion <ApiKey> <min> <max>");
                        return;
                }
                key = parse_apikey(argv[1], &ok);
                if (!ok) {
                        reply("ERR bad ApiKey %s", argv[1]);
                        return;
                }
                err = rd_kafka_mock_set_apiversion(mc, key, (int16_t)v1,
                                                   (int16_t)v2);

        } else if (!strcmp(argv[0], "bootstrap")) {
                reply("OK bootstrap %s", rd_kafka_mock_cluster_bootstraps(mc));
                return;

        } else if (!strcmp(argv[0], "help")) {
                reply("OK commands: down up rtt create topicerr leader coord "
                      "err brokererr clearerr apiversion bootstrap help");
                return;

        } else {
                reply("ERR unknown command %s", argv[0]);
                return;
        }

        if (err)
                reply("ERR %s: %s", echo, rd_kafka_err2str(err));
        else
                reply("OK %s", echo);
}

/* Line reader over a non-blocking-agnostic fd. */
typedef struct linebuf {
        char buf[LINE_MAX_LEN];
        size_t len;
} linebuf_t;

/* Read what is available and run complete lines. Returns 0 while the fd is
 * open, 1 at EOF, -1 on error. */
static int pump(rd_kafka_mock_cluster_t *mc, int fd, linebuf_t *lb) {
        ssize_t r;
        char *nl;

        r = read(fd, lb->buf + lb->len, sizeof(lb->buf) - 1 - lb->len);
        if (r < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 0;
                return -1;
        }
        if (r == 0) {
                /* A final line without newline still counts. */
                if (lb->len > 0) {
                        lb->buf[lb->len] = '\0';
                        handle_command(mc, lb->buf);
                        lb->len = 0;
                }
                return 1;
        }
        lb->len += (size_t)r;
        lb->buf[lb->len] = '\0';
        while ((nl = memchr(lb->buf, '\n', lb->len)) != NULL) {
                size_t linelen = (size_t)(nl - lb->buf);
                *nl = '\0';
                handle_command(mc, lb->buf);
                memmove(lb->buf, nl + 1, lb->len - linelen - 1);
                lb->len -= linelen + 1;
                lb->buf[lb->len] = '\0';
        }
        if (lb->len == sizeof(lb->buf) - 1) {
                reply("ERR line too long");
                lb->len = 0;
        }
        return 0;
}

static int open_fifo(const char *path) {
        struct stat st;
        int fd;
        if (stat(path, &st) == 0) {
                if (!S_ISFIFO(st.st_mode)) {
                        fprintf(stderr, "mock-broker: %s is not a fifo\n",
                                path);
                        return -1;
                }
        } else if (mkfifo(path, 0600) != 0 && errno != EEXIST) {
                fprintf(stderr, "mock-broker: mkfifo %s: %s\n", path,
                        strerror(errno));
                return -1;
        }
        /* Non-blocking so opening does not wait for a writer; poll()
         * reports the data (and POLLHUP once every writer is gone). */
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                fprintf(stderr, "mock-broker: open %s: %s\n", path,
                        strerror(errno));
        return fd;
}

/* Open a fresh read end before closing the old one, so the fifo never
 * drops to zero readers: a writer that slipped in between our EOF and the
 * reopen keeps its data instead of having the pipe freed under it. */
static int reopen_fifo(const char *path, int old_fd) {
        int fd = open_fifo(path);
        close(old_fd);
        return fd;
}

int main(int argc, char **argv) {
        int brokers = 1, rtt = -1, opt, i;
        const char *bootstrap_file = NULL, *fifo_path = NULL, *debug = NULL;
        char *topics[256];
        int topic_cnt = 0;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
        const char *bootstraps;
        struct sigaction sa;
        int ctl_fd = -1, ctl_is_fifo = 0, fifo_had_writer = 0;
        linebuf_t lb = {.len = 0};
        long v;

        conf = rd_kafka_conf_new();

        while ((opt = getopt(argc, argv, "b:t:f:c:d:r:X:h")) != -1) {
                switch (opt) {
                case 'b':
                        if (parse_long(optarg, 1, 1000, &v)) {
                                fprintf(stderr, "mock-broker: bad -b %s\n",
                                        optarg);
                                return 2;
                        }
                        brokers = (int)v;
                        break;
                case 't':
                        if (topic_cnt == (int)(sizeof(topics) /
                                               sizeof(*topics))) {
                                fprintf(stderr, "mock-broker: too many -t\n");
                                return 2;
                        }
                        topics[topic_cnt++] = optarg;
                        break;
                case 'f':
                        bootstrap_file = optarg;
                        break;
                case 'c':
                        fifo_path = optarg;
                        break;
                case 'd':
                        debug = optarg;
                        break;
                case 'r':
                        if (parse_long(optarg, 0, INT_MAX, &v)) {
                                fprintf(stderr, "mock-broker: bad -r %s\n",
                                        optarg);
                                return 2;
                        }
                        rtt = (int)v;
                        break;
                case 'X': {
                        char *eq = strchr(optarg, '=');
                        if (!eq) {
                                fprintf(stderr,
                                        "mock-broker: -X expects k=v: %s\n",
                                        optarg);
                                return 2;
                        }
                        *eq = '\0';
                        if (rd_kafka_conf_set(conf, optarg, eq + 1, errstr,
                                              sizeof(errstr)) !=
                            RD_KAFKA_CONF_OK) {
                                fprintf(stderr, "mock-broker: %s\n", errstr);
                                return 2;
                        }
                        break;
                }
                case 'h':
                        usage(argv[0]);
                        return 0;
                default:
                        usage(argv[0]);
                        return 2;
                }
        }
        if (optind != argc) {
                usage(argv[0]);
                return 2;
        }

        /* Validate -t before starting anything. */
        for (i = 0; i < topic_cnt; i++) {
                char *colon = strrchr(topics[i], ':');
                if (!colon || colon == topics[i] ||
                    parse_long(colon + 1, 1, 100000, &v)) {
                        fprintf(stderr,
                                "mock-broker: -t expects topic:partitions: "
                                "%s\n",
                                topics[i]);
                        return 2;
                }
        }

        if (debug && rd_kafka_conf_set(conf, "debug", debug, errstr,
                                       sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-broker: %s\n", errstr);
                return 2;
        }

        if (pipe(sig_pipe) != 0) {
                perror("mock-broker: pipe");
                return 1;
        }
        fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
        fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
        fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-broker: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        mc = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mc) {
                fprintf(stderr, "mock-broker: failed to create mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        for (i = 0; i < topic_cnt; i++) {
                char *colon = strrchr(topics[i], ':');
                *colon = '\0';
                parse_long(colon + 1, 1, 100000, &v);
                if (create_topic(mc, topics[i], v, errstr, sizeof(errstr))) {
                        fprintf(stderr,
                                "mock-broker: create topic %s: %s\n",
                                topics[i], errstr);
                        rd_kafka_mock_cluster_destroy(mc);
                        rd_kafka_destroy(rk);
                        return 1;
                }
        }
        if (rtt >= 0) {
                for (i = 1; i <= brokers; i++)
                        rd_kafka_mock_broker_set_rtt(mc, i, rtt);
        }

        bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
        if (bootstrap_file &&
            write_bootstrap_file(bootstrap_file, bootstraps) != 0) {
                rd_kafka_mock_cluster_destroy(mc);
                rd_kafka_destroy(rk);
                return 1;
        }
        reply("BOOTSTRAP=%s", bootstraps);

        if (fifo_path) {
                ctl_fd = open_fifo(fifo_path);
                if (ctl_fd < 0) {
                        rd_kafka_mock_cluster_destroy(mc);
                        rd_kafka_destroy(rk);
                        return 1;
                }
                ctl_is_fifo = 1;
        } else {
                ctl_fd = STDIN_FILENO;
        }

        while (!stop_requested) {
                struct pollfd pfd[2];
                int nfds = 1, r;

                pfd[0].fd = sig_pipe[0];
                pfd[0].events = POLLIN;
                if (ctl_fd >= 0) {
                        pfd[1].fd = ctl_fd;
                        pfd[1].events = POLLIN;
                        pfd[1].revents = 0;
                        nfds = 2;
                }
                /* A fifo without writers reports POLLHUP continuously
                 * (after its first writer left): poll with a timeout and
                 * ignore a bare HUP until data arrives. */
                r = poll(pfd, (nfds_t)nfds, ctl_is_fifo ? 100 : -1);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("mock-broker: poll");
                        break;
                }
                if (pfd[0].revents)
                        break;
                if (nfds < 2 || !pfd[1].revents)
                        continue;
                if (!(pfd[1].revents & POLLIN) && ctl_is_fifo) {
                        /* Only HUP: writer gone, nothing buffered. Reopen
                         * so the next writer's data is seen and HUP does
                         * not spin. */
                        if (fifo_had_writer || (pfd[1].revents & POLLHUP)) {
                                ctl_fd = reopen_fifo(fifo_path, ctl_fd);
                                fifo_had_writer = 0;
                                if (ctl_fd < 0)
                                        break;
                                usleep(10000);
                        }
                        continue;
                }
                r = pump(mc, ctl_fd, &lb);
                if (r == 0) {
                        fifo_had_writer = 1;
                        continue;
                }
                if (r < 0)
                        fprintf(stderr, "mock-broker: control read: %s\n",
                                strerror(errno));
                /* EOF or error */
                if (ctl_is_fifo) {
                        ctl_fd = reopen_fifo(fifo_path, ctl_fd);
                        fifo_had_writer = 0;
                        if (ctl_fd < 0)
                                break;
                } else {
                        /* stdin closed: keep serving until a signal. */
                        ctl_fd = -1;
                }
        }

        if (ctl_is_fifo && ctl_fd >= 0)
                close(ctl_fd);
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        fprintf(stderr, "mock-broker: stopped\n");
        return 0;
}
