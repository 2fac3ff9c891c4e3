/* sluicectl: argument parsing, help and dispatch to the commands. */
#include "ctl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_URL "http://localhost:8083"
/* Longer than the worker's own 90 s herder timeout would be pointless
 * for a person waiting; scripts can raise it. */
#define DEFAULT_TIMEOUT_S 60.0
#define MAX_PEM_FILE ((size_t)1 << 20)

/* Command options, as a mask of those a command accepts. */
enum {
        OPT_INCLUDE_TASKS = 1 << 0,
        OPT_ONLY_FAILED = 1 << 1,
        OPT_TASK = 1 << 2,
        OPT_RESET = 1 << 3,
        OPT_SET = 1 << 4,
        OPT_ALL = 1 << 5,
};

typedef struct cmd {
        const char *name;
        int (*run)(sl_ctl_t *c);
        int min_args, max_args; /* max -1: any number */
        unsigned opts;
        const char *summary;
        const char *synopsis;
        const char *help;
} cmd_t;

static const cmd_t commands[] = {
        {"list", sl_ctl_cmd_list, 0, 0, 0,
         "list connectors, their state and tasks",
         "list",
         "List connectors: NAME TYPE STATE TASKS (running/total) WORKER\n"
         "(-o wide adds the connector class).\n"},
        {"get", sl_ctl_cmd_get, 1, 1, 0,
         "show a connector: status, configuration, tasks",
         "get NAME",
         "Show a connector: state, type, worker, class, its configuration\n"
         "(sorted) and its tasks (ID STATE WORKER TRACE, first line of a\n"
         "failure's trace; -o wide does not shorten it).\n"},
        {"apply", sl_ctl_cmd_apply, 1, -1, 0,
         "create or update connectors from files",
         "apply FILE...",
         "Create or update connectors from .properties or .json files (a\n"
         "POST /connectors body {\"name\":...,\"config\":{...}} or a flat\n"
         "config map with \"name\"). Prints NAME created, NAME updated or\n"
         "NAME unchanged (the configuration is already the same).\n"},
        {"pause", sl_ctl_cmd_pause, 1, 1, 0,
         "pause a connector",
         "pause NAME",
         "Pause a connector and its tasks.\n"},
        {"resume", sl_ctl_cmd_resume, 1, 1, 0,
         "resume a paused or stopped connector",
         "resume NAME",
         "Resume a paused or stopped connector.\n"},
        {"stop", sl_ctl_cmd_stop, 1, 1, 0,
         "stop a connector (and its tasks)",
         "stop NAME",
         "Stop a connector: its tasks are shut down (needed before changing\n"
         "its offsets).\n"},
        {"delete", sl_ctl_cmd_delete, 1, 1, 0,
         "delete a connector",
         "delete NAME",
         "Delete a connector.\n"},
        {"restart", sl_ctl_cmd_restart, 1, 1,
         OPT_INCLUDE_TASKS | OPT_ONLY_FAILED | OPT_TASK,
         "restart a connector, its tasks or one task",
         "restart NAME [--include-tasks] [--only-failed]\n"
         "       sluicectl [OPTIONS] restart NAME --task N",
         "Restart a connector; with --include-tasks its tasks too, with\n"
         "--only-failed only the failed instances. --task N restarts task N\n"
         "alone.\n\n"
         "  --include-tasks   restart the tasks too\n"
         "  --only-failed     only instances that are FAILED\n"
         "  --task N          restart task N only\n"},
        {"offsets", sl_ctl_cmd_offsets, 1, 1, OPT_RESET | OPT_SET,
         "show, reset or alter a connector's offsets",
         "offsets NAME [--reset | --set FILE]",
         "Show a connector's offsets: PARTITION OFFSET for a source\n"
         "connector, TOPIC PARTITION OFFSET for a sink connector. The\n"
         "connector must be stopped to change them.\n\n"
         "  --reset      delete all of its offsets\n"
         "  --set FILE   alter them with a JSON file\n"
         "               {\"offsets\":[{\"partition\":{...},\n"
         "                            \"offset\":{...}}]}\n"},
        {"plugins", sl_ctl_cmd_plugins, 0, 0, OPT_ALL,
         "list connector plugins",
         "plugins [--all]",
         "List connector plugins: CLASS TYPE VERSION.\n\n"
         "  --all   converters, transformations and predicates too\n"},
        {"version", sl_ctl_cmd_version, 0, 0, 0,
         "show client and worker versions",
         "version",
         "Show this tool's version and the worker's (GET /).\n"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char global_help[] =
        "Global options:\n"
        "  --url URL             worker REST URL (env SLUICE_URL, default\n"
        "                        " DEFAULT_URL ")\n"
        "  --user USER           HTTP basic auth user (env SLUICE_USER); the\n"
        "                        password comes from env SLUICE_PASSWORD or\n"
        "  --password-file FILE  (its first line)\n"
        "  --cacert FILE         trust the CA certificates of this PEM file\n"
        "                        for https (default: the system's)\n"
        "  --cert FILE           client certificate chain and private key\n"
        "                        (PEM; an encrypted key's password from env\n"
        "                        SLUICE_KEY_PASSWORD) for ssl.client.auth\n"
        "  --timeout SECONDS     per request (default 60)\n"
        "  -o, --output FORMAT   table (default), wide or json (the server's\n"
        "                        JSON as is)\n"
        "  -h, --help            help, also after a command\n"
        "  --version             print sluicectl's version\n";

static void print_help(FILE *f)
{
        fputs("Usage: sluicectl [OPTIONS] COMMAND [ARGS]\n\n"
              "Manage Kafka Connect connectors through a sluice (or Kafka\n"
              "Connect) worker's REST API.\n\nCommands:\n", f);
        for (size_t i = 0; i < NCOMMANDS; i++)
                fprintf(f, "  %-9s %s\n", commands[i].name,
                        commands[i].summary);
        fputc('\n', f);
        fputs(global_help, f);
        fputs("\nRun 'sluicectl COMMAND --help' for a command's help.\n", f);
}

static void print_cmd_help(const cmd_t *cmd)
{
        printf("Usage: sluicectl [OPTIONS] %s\n\n%s\n%s", cmd->synopsis,
               cmd->help, global_help);
}

__attribute__((format(printf, 2, 3))) static int
usage_error(const cmd_t *cmd, const char *fmt, ...)
{
        va_list ap;
        fputs("sluicectl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'sluicectl %s%s--help'.\n",
                cmd ? cmd->name : "", cmd ? " " : "");
        return SL_CTL_EXIT_USAGE;
}

static const cmd_t *find_command(const char *name)
{
        for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(commands[i].name, name) == 0)
                        return &commands[i];
        return NULL;
}

typedef struct opts {
        const char *url, *user, *password_file, *cacert, *cert, *timeout, *output;
        bool help, version;
        unsigned cmd_opts; /* command options seen */
        const char *task;
} opts_t;

/* Looks up an option by its long name: 1 with *slot_out set to where its
 * value goes, 0 for a flag, -1 for an unknown name. *flag_out: its command
 * option bit (0 for global options). */
static int take_option(opts_t *o, sl_ctl_t *c, const char *name,
                       const char ***slot_out, unsigned *flag_out)
{
        *slot_out = NULL;
        *flag_out = 0;
        struct {
                const char *name;
                const char **slot;
                unsigned flag;
        } table[] = {
                {"url", &o->url, 0},
                {"user", &o->user, 0},
                {"password-file", &o->password_file, 0},
                {"cacert", &o->cacert, 0},
                {"cert", &o->cert, 0},
                {"timeout", &o->timeout, 0},
                {"output", &o->output, 0},
                {"task", &o->task, OPT_TASK},
                {"set", &c->set_file, OPT_SET},
                {"include-tasks", NULL, OPT_INCLUDE_TASKS},
                {"only-failed", NULL, OPT_ONLY_FAILED},
                {"reset", NULL, OPT_RESET},
                {"all", NULL, OPT_ALL},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                if (strcmp(table[i].name, name) != 0)
                        continue;
                *flag_out = table[i].flag;
                if (table[i].slot) {
                        *slot_out = table[i].slot;
                        return 1;
                }
                return 0;
        }
        return -1;
}

/* Splits argv into options and positional words (the command first).
 * Options may come before or after the command. */
static int parse_args(int argc, char **argv, opts_t *o, sl_ctl_t *c,
                      char **words, int *nwords)
{
        bool only_words = false;
        *nwords = 0;
        for (int i = 1; i < argc; i++) {
                char *a = argv[i];
                if (only_words || a[0] != '-' || a[1] == '\0') {
                        words[(*nwords)++] = a;
                        continue;
                }
                if (strcmp(a, "--") == 0) {
                        only_words = true;
                        continue;
                }
                if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        o->help = true;
                        continue;
                }
                if (strcmp(a, "--version") == 0) {
                        o->version = true;
                        continue;
                }
                const char *name, *inline_val = NULL;
                char namebuf[64];
                if (a[1] == 'o') {
                        name = "output";
                        if (a[2])
                                inline_val = a + 2;
                } else if (a[1] == '-') {
                        const char *eq = strchr(a + 2, '=');
                        size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
                        if (n >= sizeof(namebuf))
                                return usage_error(NULL, "unknown option %s",
                                                   a);
                        memcpy(namebuf, a + 2, n);
                        namebuf[n] = '\0';
                        name = namebuf;
                        if (eq)
                                inline_val = eq + 1;
                } else {
                        return usage_error(NULL, "unknown option %s", a);
                }
                const char **slot;
                unsigned flag;
                int kind = take_option(o, c, name, &slot, &flag);
                if (kind < 0)
                        return usage_error(NULL, "unknown option %s", a);
                o->cmd_opts |= flag;
                if (kind == 0) {
                        if (inline_val)
                                return usage_error(NULL,
                                                   "option %s takes no value",
                                                   a);
                        continue;
                }
                if (!inline_val) {
                        if (i + 1 >= argc)
                                return usage_error(NULL,
                                                   "option %s needs a value",
                                                   a);
                        inline_val = argv[++i];
                }
                *slot = inline_val;
        }
        return 0;
}

static int set_output(sl_ctl_t *c, const char *v)
{
        if (!v || strcmp(v, "table") == 0)
                c->output = SL_CTL_OUT_TABLE;
        else if (strcmp(v, "wide") == 0)
                c->output = SL_CTL_OUT_WIDE;
        else if (strcmp(v, "json") == 0)
                c->output = SL_CTL_OUT_JSON;
        else
                return usage_error(NULL,
                                   "unknown output format '%s' (table, wide "
                                   "or json)", v);
        return 0;
}

static int set_timeout(sl_ctl_t *c, const char *v)
{
        c->timeout_ms = (int)(DEFAULT_TIMEOUT_S * 1000);
        if (!v)
                return 0;
        char *end;
        errno = 0;
        double s = strtod(v, &end);
        if (errno || end == v || *end || !(s > 0) || s > 86400)
                return usage_error(NULL,
                                   "--timeout wants seconds (> 0), not '%s'",
                                   v);
        c->timeout_ms = (int)ceil(s * 1000);
        return 0;
}

static char *read_small_file(const char *path, const char *what)
{
        sl_buf_t b = SL_BUF_INIT;
        int rc = sl_buf_read_file(&b, path, MAX_PEM_FILE);
        if (rc != 0) {
                sl_ctl_errorf("cannot read %s %s: %s", what, path,
                              sl_err2str(rc));
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

/* Zeroes, then frees. */
static void free_secret(char *s, size_t n)
{
        if (!s)
                return;
        volatile char *p = s;
        while (n--)
                *p++ = 0;
        free(s);
}

static int set_auth(sl_ctl_t *c, const opts_t *o)
{
        const char *user = o->user ? o->user : getenv("SLUICE_USER");
        if (!user || !*user) {
                if (o->password_file)
                        return usage_error(NULL, "%s needs --user",
                                           "--password-file");
                return 0;
        }
        if (strchr(user, ':'))
                return usage_error(NULL, "a basic auth user name cannot "
                                   "hold ':' (%s)", user);
        char *pw = NULL;
        size_t pwlen = 0;
        if (o->password_file) {
                pw = read_small_file(o->password_file, "password file");
                if (!pw)
                        return SL_CTL_EXIT_ERROR;
                pwlen = strlen(pw);
                /* the first line only, as people write one with an editor */
                pw[strcspn(pw, "\r\n")] = '\0';
        } else {
                const char *env = getenv("SLUICE_PASSWORD");
                if (!env)
                        return usage_error(NULL,
                                           "--user %s needs a password: set "
                                           "SLUICE_PASSWORD or use "
                                           "--password-file FILE", user);
                pw = strdup(env);
                if (!pw)
                        return SL_CTL_EXIT_ERROR;
                pwlen = strlen(pw);
        }
        sl_buf_t plain = SL_BUF_INIT, hdr = SL_BUF_INIT;
        int rc = sl_buf_printf(&plain, "%s:%s", user, pw);
        if (rc == 0)
                rc = sl_buf_puts(&hdr, "Authorization: Basic ");
        if (rc == 0)
                rc = sl_base64_encode(plain.data, plain.len, &hdr);
        free_secret(pw, pwlen);
        free_secret(plain.data, plain.len);
        if (rc != 0) {
                free_secret(hdr.data, hdr.len);
                sl_ctl_errorf("out of memory");
                return SL_CTL_EXIT_ERROR;
        }
        c->auth_header = sl_buf_detach(&hdr, NULL);
        return 0;
}

static int set_tls(sl_ctl_t *c, const char *cacert, const char *cert)
{
        char *ca_pem = NULL, *cert_pem = NULL, *certs = NULL, *key = NULL;
        char err[512];
        int rc = SL_CTL_EXIT_ERROR;

        if (!cacert && !cert)
                return 0;
        if (cacert && !(ca_pem = read_small_file(cacert, "CA file")))
                goto out;
        if (cert) {
                if (!(cert_pem = read_small_file(cert, "certificate file")))
                        goto out;
                if (sl_pem_split(cert_pem, &certs, &key) != 0) {
                        sl_ctl_errorf("out of memory");
                        goto out;
                }
                if (!certs || !key) {
                        sl_ctl_errorf("--cert %s: needs a certificate and its private key "
                                      "(PEM)", cert);
                        goto out;
                }
        }
        c->tls = sl_tls_client_new(ca_pem, certs, key, getenv("SLUICE_KEY_PASSWORD"), err,
                                   sizeof(err));
        if (!c->tls)
                sl_ctl_errorf("%s: %s", cert ? cert : cacert, err);
        else
                rc = 0;
out:
        free(ca_pem);
        free(certs);
        if (cert_pem)
                free_secret(cert_pem, strlen(cert_pem));
        if (key)
                free_secret(key, strlen(key));
        return rc;
}

static int check_cmd_options(const cmd_t *cmd, const opts_t *o, sl_ctl_t *c)
{
        static const char *names[] = {"--include-tasks", "--only-failed",
                                      "--task", "--reset", "--set", "--all"};
        unsigned extra = o->cmd_opts & ~cmd->opts;
        for (unsigned i = 0; i < 6; i++)
                if (extra & (1u << i))
                        return usage_error(cmd, "%s takes no option %s",
                                           cmd->name, names[i]);
        c->include_tasks = o->cmd_opts & OPT_INCLUDE_TASKS;
        c->only_failed = o->cmd_opts & OPT_ONLY_FAILED;
        c->reset = o->cmd_opts & OPT_RESET;
        c->all = o->cmd_opts & OPT_ALL;
        if (o->task) {
                char *end;
                errno = 0;
                long n = strtol(o->task, &end, 10);
                if (errno || end == o->task || *end || n < 0 || n > 0x7fffffff)
                        return usage_error(cmd, "--task wants a task number, "
                                           "not '%s'", o->task);
                c->has_task = true;
                c->task = n;
                if (c->include_tasks || c->only_failed)
                        return usage_error(cmd, "%s: --task restarts one task; "
                                           "it takes no --include-tasks or "
                                           "--only-failed", "restart");
        }
        if (c->reset && c->set_file)
                return usage_error(cmd, "%s: --reset and --set exclude each "
                                   "other", "offsets");
        if ((c->reset || c->set_file) && c->output == SL_CTL_OUT_WIDE)
                c->output = SL_CTL_OUT_TABLE;
        return 0;
}

int main(int argc, char **argv)
{
        sl_ctl_t c = {0};
        opts_t o = {0};
        char **words = calloc((size_t)argc + 1, sizeof(*words));
        int nwords = 0, rc;
        if (!words)
                return SL_CTL_EXIT_ERROR;
        rc = parse_args(argc, argv, &o, &c, words, &nwords);
        if (rc != 0)
                goto out;
        const cmd_t *cmd = NULL;
        if (nwords > 0 && strcmp(words[0], "help") == 0) {
                o.help = true;
                memmove(words, words + 1, (size_t)nwords * sizeof(*words));
                nwords--;
        }
        if (nwords > 0) {
                cmd = find_command(words[0]);
                if (!cmd) {
                        rc = usage_error(NULL, "unknown command '%s'",
                                         words[0]);
                        goto out;
                }
        }
        if (o.help) {
                if (cmd)
                        print_cmd_help(cmd);
                else
                        print_help(stdout);
                goto out;
        }
        if (o.version && !cmd) {
                printf("sluicectl %s (%s)\n", SLUICE_VERSION, SLUICE_COMMIT);
                goto out;
        }
        if (!cmd) {
                print_help(stderr);
                rc = SL_CTL_EXIT_USAGE;
                goto out;
        }
        c.args = words + 1;
        c.nargs = nwords - 1;
        if (c.nargs < cmd->min_args ||
            (cmd->max_args >= 0 && c.nargs > cmd->max_args)) {
                fprintf(stderr, "sluicectl: %s arguments\n"
                        "Usage: sluicectl [OPTIONS] %s\n",
                        c.nargs < cmd->min_args ? "missing" : "too many",
                        cmd->synopsis);
                fprintf(stderr, "Try 'sluicectl %s --help'.\n", cmd->name);
                rc = SL_CTL_EXIT_USAGE;
                goto out;
        }
        c.url = o.url ? o.url : getenv("SLUICE_URL");
        if (!c.url || !*c.url)
                c.url = DEFAULT_URL;
        if ((rc = set_output(&c, o.output)) != 0 ||
            (rc = set_timeout(&c, o.timeout)) != 0 ||
            (rc = check_cmd_options(cmd, &o, &c)) != 0 ||
            (rc = set_auth(&c, &o)) != 0 || (rc = set_tls(&c, o.cacert, o.cert)) != 0)
                goto out;
        rc = cmd->run(&c);
out:
        if (c.auth_header)
                free_secret(c.auth_header, strlen(c.auth_header));
        sl_tls_client_destroy(c.tls);
        free(words);
        fflush(stdout);
        if (ferror(stdout) && rc == 0) {
                sl_ctl_errorf("cannot write the output");
                rc = SL_CTL_EXIT_ERROR;
        }
        return rc;
}
