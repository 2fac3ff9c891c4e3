/* /connector-plugins: listing, config definitions and validation. */
#include <stdlib.h>
#include <string.h>

#include "herder/herder_int.h"

void sl_herder_plugins(sl_herder_t *h, bool connectors_only, sl_reply_t *r) {
        sl_plugins_t *ps = sl_worker_plugins(h->worker);
        sl_json_t *arr = sl_json_array();

        for (size_t i = 0; i < sl_plugins_count(ps); i++) {
                const sl_connector_plugin_t *p = sl_plugins_at(ps, i);
                sl_json_t *o = sl_json_object();
                sl_json_object_set(o, "class", sl_json_string(p->class_name));
                sl_json_object_set(o, "type", sl_json_string(p->type == SL_CONNECTOR_SOURCE
                                                                     ? "source"
                                                                     : "sink"));
                sl_json_object_set(o, "version",
                                   sl_json_string(p->version ? p->version : "undefined"));
                sl_json_array_append(arr, o);
        }
        for (const char *const *c = sl_converter_classes(); !connectors_only && *c; c++) {
                sl_json_t *o = sl_json_object();
                sl_json_object_set(o, "class", sl_json_string(*c));
                sl_json_object_set(o, "type", sl_json_string("converter"));
                sl_json_object_set(o, "version", sl_json_string(SLUICE_VERSION));
                sl_json_array_append(arr, o);
        }
        r->status = 200;
        r->body = arr;
}

static const sl_connector_plugin_t *find_or_404(sl_herder_t *h, const char *plugin,
                                                sl_reply_t *r) {
        const sl_connector_plugin_t *p = sl_plugins_find(sl_worker_plugins(h->worker), plugin);
        if (!p)
                sl_reply_error(r, 404, "Unknown plugin %s.", plugin);
        return p;
}

void sl_herder_plugin_config(sl_herder_t *h, const char *plugin, sl_reply_t *r) {
        const sl_connector_plugin_t *p = find_or_404(h, plugin, r);
        sl_configdef_set_t set;
        sl_json_t *arr;

        if (!p)
                return;
        sl_connector_defs(p, &set);
        arr = sl_json_array();
        /* one entry per key, the plugin's definition winning */
        for (int t = 0; t < set.n; t++) {
                for (const sl_config_def_t *d = set.tables[t]; d->name; d++) {
                        if (sl_configdef_find(&set, d->name) == d)
                                sl_json_array_append(arr, sl_configdef_key_info(d));
                }
        }
        r->status = 200;
        r->body = arr;
}

/* Kafka compares class names with a trailing "Connector" stripped. */
static size_t normalized_len(const char *name) {
        size_t n = strlen(name);
        if (n > 9 && !strcmp(name + n - 9, "Connector"))
                n -= 9;
        return n;
}

static bool type_matches(const char *included, const char *requested) {
        size_t ni = normalized_len(included), nr = normalized_len(requested);
        return ni >= nr && !strncmp(included + ni - nr, requested, nr);
}

void sl_herder_validate(sl_herder_t *h, const char *plugin, const sl_json_t *body,
                        sl_reply_t *r) {
        sl_strmap_t *cfg = sl_strmap_new();
        sl_validation_t v;
        char err[512];
        const char *cls;

        if (sl_json_to_strmap(body, cfg, err, sizeof(err)) != 0) {
                sl_reply_error(r, 400, "%s", err);
                goto out;
        }
        cls = sl_strmap_get(cfg, "connector.class");
        if (cls && !type_matches(cls, plugin)) {
                sl_reply_error(r, 400, "Included connector type %s does not match request type %s",
                               cls, plugin);
                goto out;
        }
        if (sl_connector_validate(h->worker, cfg, &v, r) != 0)
                goto out;
        r->status = 200;
        /* values shown raw: resolved secrets must not reach REST output */
        r->body = sl_configdef_config_infos(&v.defs, cls, cfg, v.errs);
        sl_validation_clear(&v);
out:
        sl_strmap_destroy(cfg);
}
