/* sluicectl plugins and version. */
#include "ctl.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str_or(const char *s, const char *dflt)
{
        return s && *s ? s : dflt;
}

/* GET path; -o json prints the body as is. 0 with *j set when a table is
 * wanted (r then holds the reply until cleared), else the final status. */
static int fetch(sl_ctl_t *c, const char *path, sl_ctl_reply_t *r, const sl_json_t **j)
{
        int rc = sl_ctl_call(c, "GET", path, NULL, r);

        *j = NULL;
        if (rc != 0 || c->output == SL_CTL_OUT_JSON) {
                if (rc == 0)
                        sl_ctl_print_body(r);
                sl_ctl_reply_clear(r);
                return rc;
        }
        *j = sl_ctl_reply_json(r);
        return 0;
}

int sl_ctl_cmd_plugins(sl_ctl_t *c)
{
        static const char *const hdr[] = {"CLASS", "TYPE", "VERSION"};
        const char *path = c->all ? "/connector-plugins?connectorsOnly=false"
                                  : "/connector-plugins";
        sl_ctl_reply_t r = {0};
        const sl_json_t *j;
        int rc = fetch(c, path, &r, &j);

        if (rc != 0 || c->output == SL_CTL_OUT_JSON)
                return rc;
        if (!j || j->type != SL_JSON_ARRAY) {
                sl_ctl_errorf("unexpected answer to GET /connector-plugins");
                sl_ctl_reply_clear(&r);
                return SL_CTL_EXIT_ERROR;
        }
        sl_table_t *t = sl_table_new(3, hdr);
        for (size_t i = 0; t && i < j->u.arr.len; i++) {
                const sl_json_t *p = j->u.arr.items[i];
                const char *row[] = {
                        str_or(sl_json_object_get_str(p, "class"), "-"),
                        str_or(sl_json_object_get_str(p, "type"), "-"),
                        str_or(sl_json_object_get_str(p, "version"), "-")};
                if (sl_table_add(t, row) != 0) {
                        sl_table_destroy(t);
                        t = NULL;
                }
        }
        rc = sl_ctl_print_table(t);
        sl_ctl_reply_clear(&r);
        return rc;
}

int sl_ctl_cmd_version(sl_ctl_t *c)
{
        sl_ctl_reply_t r = {0};
        const sl_json_t *j;
        int rc = fetch(c, "/", &r, &j);

        if (rc != 0 || c->output == SL_CTL_OUT_JSON)
                return rc;
        if (!j) {
                sl_ctl_errorf("unexpected answer to GET /");
                sl_ctl_reply_clear(&r);
                return SL_CTL_EXIT_ERROR;
        }
        char client[128];
        snprintf(client, sizeof(client), "%s (%s)", SLUICE_VERSION, SLUICE_COMMIT);
        const char *rows[][2] = {
                {"Client version:", client},
                {"Server:", c->url},
                {"Server version:", str_or(sl_json_object_get_str(j, "version"), "-")},
                {"Server commit:", str_or(sl_json_object_get_str(j, "commit"), "-")},
                {"Kafka cluster ID:",
                 str_or(sl_json_object_get_str(j, "kafka_cluster_id"), "-")},
        };
        sl_table_t *t = sl_table_new(2, NULL);
        for (size_t i = 0; t && i < sizeof(rows) / sizeof(rows[0]); i++) {
                if (sl_table_add(t, rows[i]) != 0) {
                        sl_table_destroy(t);
                        t = NULL;
                }
        }
        rc = sl_ctl_print_table(t);
        sl_ctl_reply_clear(&r);
        return rc;
}
