#include "worker/plugins.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datagen/datagen.h"
#include "file/file.h"
#include "http/http.h"
#include "mirror/mirror.h"
#include "postgres/postgres.h"
#include "s3/s3.h"

#define LOGGER "plugins"

static const sl_connector_plugin_t *const builtin_plugins[] = {
        &sl_file_source_plugin,
        &sl_file_sink_plugin,
        &sl_datagen_source_plugin,
        &sl_http_sink_plugin,
        &sl_s3_sink_plugin,
        &sl_s3_source_plugin,
        &sl_jdbc_source_plugin,
        &sl_jdbc_sink_plugin,
        &sl_pg_cdc_source_plugin,
        &sl_mirror_source_plugin,
        &sl_mirror_checkpoint_plugin,
        NULL,
};

struct sl_plugins {
        const sl_connector_plugin_t **list;
        size_t n, cap;
        void **handles;
        size_t nhandles, caphandles;
};

static const char *simple_name(const char *cls) {
        const char *dot = strrchr(cls, '.');
        return dot ? dot + 1 : cls;
}

bool sl_plugin_matches(const sl_connector_plugin_t *plugin, const char *name) {
        const char *simple = simple_name(plugin->class_name);
        size_t sl = strlen(simple);
        const char *sfx = "Connector";
        size_t sfxl = strlen(sfx);

        if (!strcmp(name, plugin->class_name) || !strcmp(name, simple))
                return true;
        return sl > sfxl && !strcmp(simple + sl - sfxl, sfx) &&
               strlen(name) == sl - sfxl && !strncmp(name, simple, sl - sfxl);
}

static int plugins_add(sl_plugins_t *p, const sl_connector_plugin_t *plugin,
                       const char *origin) {
        if (plugin->abi_version != SL_PLUGIN_ABI_VERSION) {
                sl_warn(LOGGER, "%s: %s built for ABI %d, sluice has ABI %d: skipped",
                        origin, plugin->class_name ? plugin->class_name : "?",
                        plugin->abi_version, SL_PLUGIN_ABI_VERSION);
                return SL_ERR_PLUGIN;
        }
        if (!plugin->class_name || !plugin->task_configs || !plugin->task_start ||
            (plugin->type == SL_CONNECTOR_SOURCE && !plugin->source_poll) ||
            (plugin->type == SL_CONNECTOR_SINK && !plugin->sink_put) ||
            (plugin->type != SL_CONNECTOR_SOURCE && plugin->type != SL_CONNECTOR_SINK)) {
                sl_warn(LOGGER, "%s: incomplete connector plugin %s: skipped", origin,
                        plugin->class_name ? plugin->class_name : "?");
                return SL_ERR_PLUGIN;
        }
        for (size_t i = 0; i < p->n; i++) {
                if (!strcmp(p->list[i]->class_name, plugin->class_name)) {
                        sl_warn(LOGGER, "%s: connector class %s is already loaded: skipped",
                                origin, plugin->class_name);
                        return SL_ERR_EXISTS;
                }
        }
        if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 8;
                const sl_connector_plugin_t **l = realloc(p->list, cap * sizeof(*l));
                if (!l)
                        return SL_ERR_NOMEM;
                p->list = l;
                p->cap = cap;
        }
        p->list[p->n++] = plugin;
        sl_info(LOGGER, "Added plugin '%s' (%s, version %s) from %s", plugin->class_name,
                plugin->type == SL_CONNECTOR_SOURCE ? "source" : "sink",
                plugin->version ? plugin->version : "undefined", origin);
        return 0;
}

static void keep_handle(sl_plugins_t *p, void *h) {
        if (p->nhandles == p->caphandles) {
                size_t cap = p->caphandles ? p->caphandles * 2 : 4;
                void **l = realloc(p->handles, cap * sizeof(*l));
                if (!l)
                        return; /* the handle just stays open */
                p->handles = l;
                p->caphandles = cap;
        }
        p->handles[p->nhandles++] = h;
}

static void load_so(sl_plugins_t *p, const char *path) {
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        const sl_connector_plugin_t *const *syms;
        int added = 0;

        if (!h) {
                sl_warn(LOGGER, "Cannot load plugin %s: %s", path, dlerror());
                return;
        }
        syms = dlsym(h, SL_PLUGINS_SYMBOL);
        if (!syms) {
                sl_warn(LOGGER, "%s exports no %s[] table: skipped", path, SL_PLUGINS_SYMBOL);
                dlclose(h);
                return;
        }
        for (; *syms; syms++)
                if (plugins_add(p, *syms, path) == 0)
                        added++;
        if (added)
                keep_handle(p, h);
        else
                dlclose(h);
}

static bool has_so_suffix(const char *name) {
        size_t n = strlen(name);
        return n > 3 && !strcmp(name + n - 3, ".so");
}

static void scan_dir(sl_plugins_t *p, const char *dir, int depth) {
        struct dirent **ents;
        int n = scandir(dir, &ents, NULL, alphasort);

        if (n < 0) {
                sl_warn(LOGGER, "Cannot read plugin.path entry %s: %m", dir);
                return;
        }
        for (int i = 0; i < n; i++) {
                const char *name = ents[i]->d_name;
                char path[4096];
                struct stat st;

                if (name[0] == '.' ||
                    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
                    stat(path, &st) != 0) {
                        free(ents[i]);
                        continue;
                }
                if (S_ISDIR(st.st_mode) && depth == 0)
                        scan_dir(p, path, 1);
                else if (S_ISREG(st.st_mode) && has_so_suffix(name))
                        load_so(p, path);
                free(ents[i]);
        }
        free(ents);
}

sl_plugins_t *sl_plugins_new(const char *plugin_path) {
        sl_plugins_t *p = calloc(1, sizeof(*p));
        char **dirs = NULL;
        int n;

        if (!p)
                return NULL;
        for (int i = 0; builtin_plugins[i]; i++)
                plugins_add(p, builtin_plugins[i], "built-in");
        if (!plugin_path || !*plugin_path)
                return p;
        n = sl_config_list(plugin_path, &dirs);
        for (int i = 0; i < n; i++) {
                struct stat st;
                if (stat(dirs[i], &st) == 0 && S_ISREG(st.st_mode))
                        load_so(p, dirs[i]);
                else
                        scan_dir(p, dirs[i], 0);
        }
        sl_config_list_free(dirs, n);
        return p;
}

void sl_plugins_destroy(sl_plugins_t *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->nhandles; i++)
                dlclose(p->handles[i]);
        free(p->handles);
        free(p->list);
        free(p);
}

const sl_connector_plugin_t *sl_plugins_find(const sl_plugins_t *p, const char *name) {
        for (size_t i = 0; name && i < p->n; i++)
                if (sl_plugin_matches(p->list[i], name))
                        return p->list[i];
        return NULL;
}

size_t sl_plugins_count(const sl_plugins_t *p) {
        return p->n;
}

const sl_connector_plugin_t *sl_plugins_at(const sl_plugins_t *p, size_t i) {
        return i < p->n ? p->list[i] : NULL;
}

char *sl_plugins_names(const sl_plugins_t *p) {
        sl_buf_t b = SL_BUF_INIT;
        for (size_t i = 0; i < p->n; i++)
                sl_buf_printf(&b, "%s%s", i ? ", " : "", p->list[i]->class_name);
        if (!b.data)
                sl_buf_puts(&b, "");
        return sl_buf_detach(&b, NULL);
}
