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

int sl_ctl_cmd_plugins(sl_ctl_t *c)
{
        sl_ctl_reply_t r = {0};
        int rc = sl_ctl_call(c, "GET",
                             c->all ? "/connector-plugins?connectorsOnly=false"
                                    : "/connector-plugins",
                             NULL, &r);
        if (rc != 0 || c->output == SL_CTL_OUT_JSON) {
                if (rc == 0)
                        sl_ctl_print_body(&r);
                sl_ctl_reply_clear(&r);
                return rc;
        }
        const sl_json_t *j = sl_ctl_reply_json(&r);
        static const char *const hdr[] = {"CLASS", "TYPE", "VERSION"};
        sl_table_t *t = sl_table_new(3, hdr);
        sl_buf_t b = SL_BUF_INIT;
        if (!j || j->type != SL_JSON_ARRAY || !t) {
                if (j && t)
                        sl_ctl_errorf("unexpected answer to GET "
                                      "/connector-plugins");
                rc = SL_CTL_EXIT_ERROR;
        }
        for (size_t i = 0; rc == 0 && i < j->u.arr.len; i++) {
                const sl_json_t *p = j->u.arr.items[i];
                const char *row[] = {
                        str_or(sl_json_object_get_str(p, "class"), "-"),
                        str_or(sl_json_object_get_str(p, "type"), "-"),
                        str_or(sl_json_object_get_str(p, "version"), "-")};
                if (sl_table_add(t, row) != 0)
                        rc = SL_CTL_EXIT_ERROR;
        }
        if (rc == 0 && sl_table_render(t, &b) != 0)
                rc = SL_CTL_EXIT_ERROR;
        if (rc == 0)
                sl_ctl_print_buf(&b);
        else
                sl_buf_free(&b);
        sl_table_destroy(t);
        sl_ctl_reply_clear(&r);
        return rc;
}

int sl_ctl_cmd_version(sl_ctl_t *c)
{
        sl_ctl_reply_t r = {0};
        int rc = sl_ctl_call(c, "GET", "/", NULL, &r);
        if (rc != 0 || c->output == SL_CTL_OUT_JSON) {
                if (rc == 0)
                        sl_ctl_print_body(&r);
                sl_ctl_reply_clear(&r);
                return rc;
        }
        const sl_json_t *j = sl_ctl_reply_json(&r);
        sl_table_t *t = sl_table_new(2, NULL);
        sl_buf_t b = SL_BUF_INIT;
        if (!j || !t) {
                rc = SL_CTL_EXIT_ERROR;
        } else {
                char client[128];
                snprintf(client, sizeof(client), "%s (%s)", SLUICE_VERSION,
                         SLUICE_COMMIT);
                const char *rows[][2] = {
                        {"Client version:", client},
                        {"Server:", c->url},
                        {"Server version:",
                         str_or(sl_json_object_get_str(j, "version"), "-")},
                        {"Server commit:",
                         str_or(sl_json_object_get_str(j, "commit"), "-")},
                        {"Kafka cluster ID:",
                         str_or(sl_json_object_get_str(j, "kafka_cluster_id"),
                                "-")},
                };
                for (size_t i = 0; rc == 0 && i < 5; i++)
                        if (sl_table_add(t, rows[i]) != 0)
                                rc = SL_CTL_EXIT_ERROR;
                if (rc == 0 && sl_table_render(t, &b) != 0)
                        rc = SL_CTL_EXIT_ERROR;
        }
        if (rc == 0)
                sl_ctl_print_buf(&b);
        else
                sl_buf_free(&b);
        sl_table_destroy(t);
        sl_ctl_reply_clear(&r);
        return rc;
}
