/* sluicectl: a command-line client for the worker's Kafka Connect REST
 * API. Shared state of one invocation and the commands. */
#ifndef SL_CTL_H
#define SL_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/common.h"
#include "util/tls.h"

/* Exit statuses (sluicectl(1) EXIT STATUS). */
#define SL_CTL_EXIT_OK 0
#define SL_CTL_EXIT_ERROR 1 /* the server refused, or no connection */
#define SL_CTL_EXIT_USAGE 2

typedef enum sl_ctl_output {
        SL_CTL_OUT_TABLE = 0,
        SL_CTL_OUT_WIDE,
        SL_CTL_OUT_JSON,
} sl_ctl_output_t;

typedef struct sl_ctl {
        const char *url;   /* base URL, no trailing slash needed */
        char *auth_header; /* "Authorization: Basic ..." or NULL; secret */
        sl_tls_client_t *tls; /* --cacert, or NULL: system CAs */
        int timeout_ms;
        sl_ctl_output_t output;
        /* command options */
        bool include_tasks, only_failed, reset, all;
        bool has_task;
        long task;
        const char *set_file;
        /* positional arguments after the command name */
        char **args;
        int nargs;
} sl_ctl_t;

/* One HTTP exchange. */
typedef struct sl_ctl_reply {
        int status;
        char *body; /* NUL-terminated, "" when empty */
        size_t len;
        sl_json_t *json; /* parsed by sl_ctl_reply_json */
} sl_ctl_reply_t;

/* Sends the request (body: JSON text or NULL), retrying a 409 that a
 * rebalance causes with a short back-off. 0 with r set for any HTTP
 * status, or SL_CTL_EXIT_ERROR after telling stderr that the worker
 * could not be reached. */
int sl_ctl_request(sl_ctl_t *c, const char *method, const char *path,
                   const char *body, sl_ctl_reply_t *r);
/* The same, but a status other than 2xx is reported (the server's
 * message on stderr) and returns SL_CTL_EXIT_ERROR. */
int sl_ctl_call(sl_ctl_t *c, const char *method, const char *path,
                const char *body, sl_ctl_reply_t *r);
/* Tells stderr why the server refused r. */
void sl_ctl_report(const sl_ctl_reply_t *r);
/* r's body parsed (kept in r->json), or NULL after reporting a body that
 * is not JSON. */
const sl_json_t *sl_ctl_reply_json(sl_ctl_reply_t *r);
void sl_ctl_reply_clear(sl_ctl_reply_t *r);

/* "/connectors/<name><suffix>" with name percent-encoded; malloc'd. */
char *sl_ctl_connector_path(const char *name, const char *suffix);
/* Prints r's body as is (-o json), with a final newline. */
void sl_ctl_print_body(const sl_ctl_reply_t *r);
/* Prints buf (a rendered table etc.) to stdout and frees it. */
void sl_ctl_print_buf(sl_buf_t *b);
/* Renders t to stdout and destroys it (NULL: out of memory); 0 or
 * SL_CTL_EXIT_ERROR. */
struct sl_table;
int sl_ctl_print_table(struct sl_table *t);
/* "sluicectl: <message>" on stderr. */
void sl_ctl_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int sl_ctl_cmd_list(sl_ctl_t *c);
int sl_ctl_cmd_get(sl_ctl_t *c);
int sl_ctl_cmd_apply(sl_ctl_t *c);
int sl_ctl_cmd_pause(sl_ctl_t *c);
int sl_ctl_cmd_resume(sl_ctl_t *c);
int sl_ctl_cmd_stop(sl_ctl_t *c);
int sl_ctl_cmd_delete(sl_ctl_t *c);
int sl_ctl_cmd_restart(sl_ctl_t *c);
int sl_ctl_cmd_offsets(sl_ctl_t *c);
int sl_ctl_cmd_plugins(sl_ctl_t *c);
int sl_ctl_cmd_version(sl_ctl_t *c);

#endif
