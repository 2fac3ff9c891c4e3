/* sluicectl offsets: show, reset or alter a connector's offsets. */
#include "ctl.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OFFSETS_FILE ((size_t)16 << 20)

typedef struct row {
        /* cells: source partition, offset; or sink partition, offset */
        sl_buf_t a, b, c;
        const char *topic;
        int64_t partition;
} row_t;

/* Kafka's common format for sink connectors' offsets. */
static bool is_sink_entry(const sl_json_t *e)
{
        const sl_json_t *p = sl_json_object_get(e, "partition");
        const sl_json_t *o = sl_json_object_get(e, "offset");
        const sl_json_t *part = sl_json_object_get(p, "kafka_partition");
        return sl_json_object_get_str(p, "kafka_topic") && part &&
               part->type == SL_JSON_INT && p->u.obj.len == 2 &&
               (!o || o->type == SL_JSON_NULL ||
                sl_json_object_get(o, "kafka_offset"));
}

static int cmp_rows(const void *x, const void *y)
{
        const row_t *a = x, *b = y;
        if (a->topic && b->topic) {
                int c = strcmp(a->topic, b->topic);
                if (c)
                        return c;
                if (a->partition != b->partition)
                        return a->partition < b->partition ? -1 : 1;
                return 0;
        }
        return strcmp(a->a.data ? a->a.data : "", b->a.data ? b->a.data : "");
}

static int fmt_offset(const sl_json_t *o, const char *key, sl_buf_t *out)
{
        if (!o || o->type == SL_JSON_NULL)
                return sl_buf_puts(out, "-");
        const sl_json_t *v = key ? sl_json_object_get(o, key) : NULL;
        return sl_table_fmt_value(v ? v : o, out);
}

/* sink_hint: the connector's type when there are no offsets to tell it */
static int render(const sl_json_t *offsets, bool sink_hint, sl_buf_t *out)
{
        size_t n = offsets->u.arr.len;
        bool sink = n > 0 || sink_hint;
        for (size_t i = 0; i < n; i++)
                if (!is_sink_entry(offsets->u.arr.items[i]))
                        sink = false;
        row_t *rows = calloc(n ? n : 1, sizeof(*rows));
        if (!rows)
                return SL_ERR_NOMEM;
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                const sl_json_t *e = offsets->u.arr.items[i];
                const sl_json_t *p = sl_json_object_get(e, "partition");
                const sl_json_t *o = sl_json_object_get(e, "offset");
                row_t *r = &rows[i];
                if (sink) {
                        r->topic = sl_json_object_get_str(p, "kafka_topic");
                        r->partition =
                                sl_json_object_get(p, "kafka_partition")->u.i;
                        rc = sl_buf_printf(&r->b, "%lld",
                                           (long long)r->partition);
                        if (rc == 0)
                                rc = fmt_offset(o, "kafka_offset", &r->c);
                } else {
                        rc = sl_table_fmt_value(p, &r->a);
                        if (rc == 0)
                                rc = fmt_offset(o, NULL, &r->b);
                }
        }
        if (rc == 0)
                qsort(rows, n, sizeof(*rows), cmp_rows);
        static const char *const shdr[] = {"TOPIC", "PARTITION", "OFFSET"};
        static const char *const phdr[] = {"PARTITION", "OFFSET"};
        sl_table_t *t = sink ? sl_table_new(3, shdr) : sl_table_new(2, phdr);
        if (!t)
                rc = SL_ERR_NOMEM;
        else if (sink) {
                sl_table_set_right(t, 1);
                sl_table_set_right(t, 2);
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
                row_t *r = &rows[i];
                const char *sc[] = {r->topic, r->b.data, r->c.data};
                const char *pc[] = {r->a.data, r->b.data};
                rc = sl_table_add(t, sink ? sc : pc);
        }
        if (rc == 0)
                rc = sl_table_render(t, out);
        sl_table_destroy(t);
        for (size_t i = 0; i < n; i++) {
                sl_buf_free(&rows[i].a);
                sl_buf_free(&rows[i].b);
                sl_buf_free(&rows[i].c);
        }
        free(rows);
        return rc;
}

static int change(sl_ctl_t *c, const char *path)
{
        char *body = NULL;
        const char *method = "DELETE";
        if (c->set_file) {
                sl_buf_t b = SL_BUF_INIT;
                char err[256];
                int rc = sl_buf_read_file(&b, c->set_file, MAX_OFFSETS_FILE);
                if (rc != 0) {
                        sl_buf_free(&b);
                        sl_ctl_errorf("cannot read %s: %s", c->set_file,
                                      sl_err2str(rc));
                        return SL_CTL_EXIT_ERROR;
                }
                /* a local mistake gets a local message */
                sl_json_t *j = sl_json_parse(b.data, b.len, err, sizeof(err));
                if (!j) {
                        sl_buf_free(&b);
                        sl_ctl_errorf("%s: not JSON: %s", c->set_file, err);
                        return SL_CTL_EXIT_ERROR;
                }
                sl_json_free(j);
                body = sl_buf_detach(&b, NULL);
                method = "PATCH";
        }
        sl_ctl_reply_t r = {0};
        int rc = sl_ctl_call(c, method, path, body, &r);
        free(body);
        if (rc == 0 && c->output == SL_CTL_OUT_JSON) {
                sl_ctl_print_body(&r);
        } else if (rc == 0) {
                const sl_json_t *j = r.len ? sl_ctl_reply_json(&r) : NULL;
                const char *m = sl_json_object_get_str(j, "message");
                printf("%s\n", m ? m
                                 : c->set_file ? "offsets altered"
                                               : "offsets reset");
        }
        sl_ctl_reply_clear(&r);
        return rc;
}

/* Whether the connector is a sink, for the headers of an empty table. */
static bool is_sink(sl_ctl_t *c)
{
        char *path = sl_ctl_connector_path(c->args[0], "");
        sl_ctl_reply_t r = {0};
        bool sink = false;
        if (path && sl_ctl_request(c, "GET", path, NULL, &r) == 0 &&
            r.status == 200) {
                sl_json_t *j = sl_json_parse(r.body, r.len, NULL, 0);
                const char *type = sl_json_object_get_str(j, "type");
                sink = type && strcmp(type, "sink") == 0;
                sl_json_free(j);
        }
        free(path);
        sl_ctl_reply_clear(&r);
        return sink;
}

int sl_ctl_cmd_offsets(sl_ctl_t *c)
{
        char *path = sl_ctl_connector_path(c->args[0], "/offsets");
        if (!path) {
                sl_ctl_errorf("out of memory");
                return SL_CTL_EXIT_ERROR;
        }
        int rc;
        if (c->reset || c->set_file) {
                rc = change(c, path);
                free(path);
                return rc;
        }
        sl_ctl_reply_t r = {0};
        rc = sl_ctl_call(c, "GET", path, NULL, &r);
        free(path);
        if (rc == 0 && c->output == SL_CTL_OUT_JSON) {
                sl_ctl_print_body(&r);
        } else if (rc == 0) {
                const sl_json_t *j = sl_ctl_reply_json(&r);
                const sl_json_t *offs = sl_json_object_get(j, "offsets");
                sl_buf_t b = SL_BUF_INIT;
                if (!offs || offs->type != SL_JSON_ARRAY) {
                        if (j)
                                sl_ctl_errorf("unexpected answer to GET "
                                              "offsets");
                        rc = SL_CTL_EXIT_ERROR;
                } else if (render(offs, offs->u.arr.len == 0 && is_sink(c),
                                  &b) != 0) {
                        sl_ctl_errorf("out of memory");
                        rc = SL_CTL_EXIT_ERROR;
                }
                if (rc == 0)
                        sl_ctl_print_buf(&b);
                else
                        sl_buf_free(&b);
        }
        sl_ctl_reply_clear(&r);
        return rc;
}
