/* sluicectl list, get, pause, resume, stop, delete and restart. */
#include "ctl.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A trace's first line is the exception and its message; the rest is the
 * stack, for -o json or the worker's log. */
#define TRACE_WIDTH 100

static const char *str_or(const char *s, const char *dflt)
{
        return s && *s ? s : dflt;
}

static const char *state_of(const sl_json_t *o)
{
        return str_or(sl_json_object_get_str(o, "state"), "-");
}

static size_t array_len(const sl_json_t *a)
{
        return a && a->type == SL_JSON_ARRAY ? a->u.arr.len : 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int sl_ctl_cmd_list(sl_ctl_t *c)
{
        sl_ctl_reply_t r;
        int rc = sl_ctl_call(c, "GET", "/connectors?expand=status&expand=info",
                             NULL, &r);
        if (rc != 0)
                goto out;
        if (c->output == SL_CTL_OUT_JSON) {
                sl_ctl_print_body(&r);
                goto out;
        }
        const sl_json_t *all = sl_ctl_reply_json(&r);
        if (!all || all->type != SL_JSON_OBJECT) {
                if (all)
                        sl_ctl_errorf("unexpected answer to GET /connectors");
                rc = SL_CTL_EXIT_ERROR;
                goto out;
        }
        bool wide = c->output == SL_CTL_OUT_WIDE;
        static const char *const hdr[] = {"NAME", "TYPE", "STATE", "TASKS",
                                          "WORKER", "CLASS"};
        sl_table_t *t = sl_table_new(wide ? 6 : 5, hdr);
        size_t n = all->u.obj.len;
        char **names = malloc((n ? n : 1) * sizeof(*names));
        if (!t || !names) {
                sl_table_destroy(t);
                free(names);
                sl_ctl_errorf("out of memory");
                rc = SL_CTL_EXIT_ERROR;
                goto out;
        }
        if (n)
                memcpy(names, all->u.obj.keys, n * sizeof(*names));
        qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; rc == 0 && i < n; i++) {
                const sl_json_t *e = sl_json_object_get(all, names[i]);
                const sl_json_t *st = sl_json_object_get(e, "status");
                const sl_json_t *info = sl_json_object_get(e, "info");
                const sl_json_t *conn = sl_json_object_get(st, "connector");
                const sl_json_t *tasks = sl_json_object_get(st, "tasks");
                size_t running = 0, total = array_len(tasks);
                for (size_t k = 0; k < total; k++)
                        if (strcmp(state_of(tasks->u.arr.items[k]),
                                   "RUNNING") == 0)
                                running++;
                char tcount[48];
                snprintf(tcount, sizeof(tcount), "%zu/%zu", running, total);
                const char *type = sl_json_object_get_str(info, "type");
                if (!type)
                        type = sl_json_object_get_str(st, "type");
                const char *row[] = {
                        names[i], str_or(type, "-"), state_of(conn), tcount,
                        str_or(sl_json_object_get_str(conn, "worker_id"), "-"),
                        str_or(sl_json_object_get_str(
                                       sl_json_object_get(info, "config"),
                                       "connector.class"),
                               "-")};
                if (sl_table_add(t, row) != 0) {
                        sl_ctl_errorf("out of memory");
                        rc = SL_CTL_EXIT_ERROR;
                }
        }
        free(names);
        if (rc == 0)
                rc = sl_ctl_print_table(t);
        else
                sl_table_destroy(t);
out:
        sl_ctl_reply_clear(&r);
        return rc;
}

/* The first line of a trace. */
static char *first_line(const char *s)
{
        if (!s)
                return strdup("");
        return strndup(s, strcspn(s, "\r\n"));
}

static int add_kv(sl_table_t *t, const char *k, const char *v)
{
        const char *row[] = {k, v};
        return sl_table_add(t, row);
}

static int render_get(const sl_ctl_t *c, const sl_json_t *info,
                      const sl_json_t *st, sl_buf_t *out)
{
        const sl_json_t *conn = sl_json_object_get(st, "connector");
        const sl_json_t *config = sl_json_object_get(info, "config");
        const char *type = sl_json_object_get_str(info, "type");
        const char *trace = sl_json_object_get_str(conn, "trace");
        char *trace1 = first_line(trace);
        bool wide = c->output == SL_CTL_OUT_WIDE;
        int rc = 0;

        sl_table_t *head = sl_table_new(2, NULL);
        if (!head || !trace1) {
                free(trace1);
                sl_table_destroy(head);
                return SL_ERR_NOMEM;
        }
        rc |= add_kv(head, "Name:",
                     str_or(sl_json_object_get_str(info, "name"), "-"));
        rc |= add_kv(head, "Type:", str_or(type, "-"));
        rc |= add_kv(head, "State:", state_of(conn));
        rc |= add_kv(head, "Worker:",
                     str_or(sl_json_object_get_str(conn, "worker_id"), "-"));
        rc |= add_kv(head, "Class:",
                     str_or(sl_json_object_get_str(config, "connector.class"),
                            "-"));
        if (trace && *trace)
                rc |= add_kv(head, "Trace:", trace1);
        free(trace1);
        if (!wide)
                sl_table_set_max_width(head, 1, TRACE_WIDTH);
        if (rc == 0)
                rc = sl_table_render(head, out);
        sl_table_destroy(head);

        /* configuration, sorted by key */
        static const char *const chdr[] = {"KEY", "VALUE"};
        sl_table_t *ct = sl_table_new(2, chdr);
        size_t n = config && config->type == SL_JSON_OBJECT ? config->u.obj.len
                                                             : 0;
        char **keys = malloc((n ? n : 1) * sizeof(*keys));
        if (!ct || !keys) {
                sl_table_destroy(ct);
                free(keys);
                return SL_ERR_NOMEM;
        }
        if (n)
                memcpy(keys, config->u.obj.keys, n * sizeof(*keys));
        qsort(keys, n, sizeof(*keys), cmp_str);
        for (size_t i = 0; rc == 0 && i < n; i++) {
                sl_buf_t v = SL_BUF_INIT;
                rc = sl_table_fmt_value(sl_json_object_get(config, keys[i]),
                                        &v);
                if (rc == 0)
                        rc = add_kv(ct, keys[i], v.data ? v.data : "");
                sl_buf_free(&v);
        }
        free(keys);
        if (rc == 0)
                rc = sl_buf_puts(out, "\nConfig:\n");
        if (rc == 0)
                rc = sl_table_render(ct, out);
        sl_table_destroy(ct);

        static const char *const thdr[] = {"ID", "STATE", "WORKER", "TRACE"};
        sl_table_t *tt = sl_table_new(4, thdr);
        if (!tt)
                return SL_ERR_NOMEM;
        sl_table_set_right(tt, 0);
        if (!wide)
                sl_table_set_max_width(tt, 3, TRACE_WIDTH);
        const sl_json_t *tasks = sl_json_object_get(st, "tasks");
        for (size_t i = 0; rc == 0 && i < array_len(tasks); i++) {
                const sl_json_t *task = tasks->u.arr.items[i];
                sl_buf_t id = SL_BUF_INIT;
                char *t1 = first_line(sl_json_object_get_str(task, "trace"));
                rc = sl_table_fmt_value(sl_json_object_get(task, "id"), &id);
                const char *row[] = {
                        id.data ? id.data : "", state_of(task),
                        str_or(sl_json_object_get_str(task, "worker_id"), "-"),
                        t1};
                if (rc == 0)
                        rc = t1 ? sl_table_add(tt, row) : SL_ERR_NOMEM;
                free(t1);
                sl_buf_free(&id);
        }
        if (rc == 0)
                rc = sl_buf_puts(out, "\nTasks:\n");
        if (rc == 0 && sl_table_rows(tt) == 0)
                rc = sl_buf_puts(out, "(none)\n");
        else if (rc == 0)
                rc = sl_table_render(tt, out);
        sl_table_destroy(tt);
        return rc;
}

static int trimmed_len(const sl_ctl_reply_t *r)
{
        size_t n = r->len;
        while (n > 0 && strchr(" \t\r\n", r->body[n - 1]))
                n--;
        return (int)n;
}

int sl_ctl_cmd_get(sl_ctl_t *c)
{
        const char *name = c->args[0];
        char *p_info = sl_ctl_connector_path(name, "");
        char *p_status = sl_ctl_connector_path(name, "/status");
        sl_ctl_reply_t info = {0}, st = {0};
        int rc = SL_CTL_EXIT_ERROR;
        if (!p_info || !p_status)
                goto out;
        if ((rc = sl_ctl_call(c, "GET", p_info, NULL, &info)) != 0 ||
            (rc = sl_ctl_call(c, "GET", p_status, NULL, &st)) != 0)
                goto out;
        if (c->output == SL_CTL_OUT_JSON) {
                /* the shape of one entry of GET /connectors?expand=... */
                printf("{\"info\":%.*s,\"status\":%.*s}\n",
                       trimmed_len(&info), info.body, trimmed_len(&st),
                       st.body);
                goto out;
        }
        rc = SL_CTL_EXIT_ERROR;
        const sl_json_t *ji = sl_ctl_reply_json(&info);
        const sl_json_t *js = ji ? sl_ctl_reply_json(&st) : NULL;
        if (!js)
                goto out;
        sl_buf_t b = SL_BUF_INIT;
        if (render_get(c, ji, js, &b) != 0) {
                sl_buf_free(&b);
                sl_ctl_errorf("out of memory");
                goto out;
        }
        sl_ctl_print_buf(&b);
        rc = 0;
out:
        free(p_info);
        free(p_status);
        sl_ctl_reply_clear(&info);
        sl_ctl_reply_clear(&st);
        return rc;
}

/* PUT/DELETE on a connector path; prints "NAME <done>". */
static int simple_action(sl_ctl_t *c, const char *method, const char *suffix,
                         const char *done)
{
        char *path = sl_ctl_connector_path(c->args[0], suffix);
        sl_ctl_reply_t r = {0};
        if (!path) {
                sl_ctl_errorf("out of memory");
                return SL_CTL_EXIT_ERROR;
        }
        int rc = sl_ctl_call(c, method, path, NULL, &r);
        if (rc == 0) {
                if (c->output == SL_CTL_OUT_JSON)
                        sl_ctl_print_body(&r);
                else
                        printf("%s %s\n", c->args[0], done);
        }
        free(path);
        sl_ctl_reply_clear(&r);
        return rc;
}

int sl_ctl_cmd_pause(sl_ctl_t *c)
{
        return simple_action(c, "PUT", "/pause", "paused");
}

int sl_ctl_cmd_resume(sl_ctl_t *c)
{
        return simple_action(c, "PUT", "/resume", "resumed");
}

int sl_ctl_cmd_stop(sl_ctl_t *c)
{
        return simple_action(c, "PUT", "/stop", "stopped");
}

int sl_ctl_cmd_delete(sl_ctl_t *c)
{
        return simple_action(c, "DELETE", "", "deleted");
}

/* The instances a 202 restart answer shows as RESTARTING. */
static int print_restarting(sl_ctl_t *c, sl_ctl_reply_t *r)
{
        const sl_json_t *st = sl_ctl_reply_json(r);
        if (!st)
                return SL_CTL_EXIT_ERROR;
        static const char *const hdr[] = {"INSTANCE", "STATE", "WORKER"};
        sl_table_t *t = sl_table_new(3, hdr);
        if (!t) {
                sl_ctl_errorf("out of memory");
                return SL_CTL_EXIT_ERROR;
        }
        const sl_json_t *conn = sl_json_object_get(st, "connector");
        const char *row[3] = {"connector", state_of(conn),
                              str_or(sl_json_object_get_str(conn, "worker_id"),
                                     "-")};
        int rc = sl_table_add(t, row);
        const sl_json_t *tasks = sl_json_object_get(st, "tasks");
        for (size_t i = 0; rc == 0 && i < array_len(tasks); i++) {
                const sl_json_t *task = tasks->u.arr.items[i];
                sl_buf_t id = SL_BUF_INIT;
                rc = sl_buf_puts(&id, "task ");
                if (rc == 0)
                        rc = sl_table_fmt_value(sl_json_object_get(task, "id"),
                                                &id);
                row[0] = id.data;
                row[1] = state_of(task);
                row[2] = str_or(sl_json_object_get_str(task, "worker_id"),
                                "-");
                if (rc == 0)
                        rc = sl_table_add(t, row);
                sl_buf_free(&id);
        }
        if (rc != 0) {
                sl_table_destroy(t);
                sl_ctl_errorf("out of memory");
                return SL_CTL_EXIT_ERROR;
        }
        printf("%s restart requested\n", c->args[0]);
        return sl_ctl_print_table(t);
}

int sl_ctl_cmd_restart(sl_ctl_t *c)
{
        char suffix[96];
        if (c->has_task)
                snprintf(suffix, sizeof(suffix), "/tasks/%ld/restart", c->task);
        else
                snprintf(suffix, sizeof(suffix),
                         "/restart?includeTasks=%s&onlyFailed=%s",
                         c->include_tasks ? "true" : "false",
                         c->only_failed ? "true" : "false");
        char *path = sl_ctl_connector_path(c->args[0], suffix);
        sl_ctl_reply_t r = {0};
        if (!path) {
                sl_ctl_errorf("out of memory");
                return SL_CTL_EXIT_ERROR;
        }
        int rc = sl_ctl_call(c, "POST", path, NULL, &r);
        free(path);
        if (rc == 0) {
                if (c->output == SL_CTL_OUT_JSON)
                        sl_ctl_print_body(&r);
                else if (c->has_task)
                        printf("%s task %ld restarted\n", c->args[0], c->task);
                else if (r.len > 0)
                        rc = print_restarting(c, &r);
                else
                        printf("%s restarted\n", c->args[0]);
        }
        sl_ctl_reply_clear(&r);
        return rc;
}
