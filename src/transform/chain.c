#include "transform/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PKG "org.apache.kafka.connect.transforms."
#define PRED_PKG "org.apache.kafka.connect.transforms.predicates."

typedef struct xstep {
        char *alias;
        const sl_transform_def_t *def;
        void *state;
        /* the predicate gating this step, or none */
        const sl_predicate_def_t *pred;
        void *pred_state;
        bool negate;
} xstep_t;

struct sl_xchain {
        xstep_t *steps;
        int n;
        /* predicate states are shared by every step naming the alias */
        void **pred_states;
        const sl_predicate_def_t **pred_defs;
        int npred;
        const char *failed; /* class of the step that failed last */
};

static bool class_matches(const char *full, const char *pkg, const char *cls) {
        size_t plen = strlen(pkg);
        if (!strcmp(full, cls))
                return true;
        return !strncmp(full, pkg, plen) && !strcmp(full + plen, cls);
}

const sl_transform_def_t *sl_transform_find(const char *cls) {
        for (int i = 0; cls && sl_transform_defs[i]; i++)
                if (class_matches(sl_transform_defs[i]->class_name, PKG, cls))
                        return sl_transform_defs[i];
        return NULL;
}

const sl_predicate_def_t *sl_predicate_find(const char *cls) {
        for (int i = 0; cls && sl_predicate_defs[i]; i++)
                if (class_matches(sl_predicate_defs[i]->class_name, PRED_PKG, cls))
                        return sl_predicate_defs[i];
        return NULL;
}

/* ConfigDef messages name the key ("configuration x", "\"x\""); Kafka
 * validates transforms under their full names, so say those. */
static void add_with_full_key(sl_config_errors_t *errs, const char *full, const char *key,
                              const char *msg) {
        sl_buf_t b = SL_BUF_INIT;
        char quoted[300], conf[320];
        size_t klen = strlen(key);

        snprintf(quoted, sizeof(quoted), "\"%s\"", key);
        snprintf(conf, sizeof(conf), "configuration %s", key);
        for (const char *p = msg; *p;) {
                if (!strncmp(p, quoted, klen + 2)) {
                        sl_buf_printf(&b, "\"%s\"", full);
                        p += klen + 2;
                } else if (!strncmp(p, conf, strlen(conf)) &&
                           (p[strlen(conf)] == ':' || p[strlen(conf)] == '\0' ||
                            p[strlen(conf)] == ' ')) {
                        sl_buf_printf(&b, "configuration %s", full);
                        p += strlen(conf);
                } else {
                        sl_buf_putc(&b, *p++);
                }
        }
        sl_buf_putc(&b, '\0');
        sl_config_error_add(errs, full, "%s", b.data);
        sl_buf_free(&b);
}

/* The keys under prefix, prefix stripped, checked against table with its
 * defaults applied; errors go under their full key. */
static sl_strmap_t *sub_config(const sl_strmap_t *config, const char *prefix,
                               const sl_config_def_t *table, sl_config_errors_t *errs) {
        sl_strmap_t *sub = sl_strmap_with_prefix(config, prefix);
        sl_configdef_set_t set = {0};
        sl_config_errors_t *local = sl_config_errors_new();
        sl_strmap_t *full;

        sl_configdef_set_add(&set, table);
        sl_configdef_validate(&set, sub, local);
        for (size_t k = 0; k < sl_config_errors_nkeys(local); k++) {
                const char *key = sl_config_errors_key(local, k);
                char fk[512];
                snprintf(fk, sizeof(fk), "%s%s", prefix, key);
                for (size_t i = 0; i < sl_config_errors_key_count(local, key); i++)
                        add_with_full_key(errs, fk, key,
                                          sl_config_errors_key_at(local, key, i));
        }
        full = sl_config_errors_count(local) ? NULL : sl_configdef_apply_defaults(&set, sub);
        sl_config_errors_destroy(local);
        sl_strmap_destroy(sub);
        return full;
}

static const sl_config_def_t no_keys[] = {{.name = NULL}};

static int find_pred(sl_xchain_t *c, const char *alias, char **aliases) {
        for (int i = 0; i < c->npred; i++)
                if (!strcmp(aliases[i], alias))
                        return i;
        return -1;
}

/* A .type key names a known class; else Kafka's error under the key. */
static bool type_found(sl_config_errors_t *errs, const char *key, const char *cls, bool found) {
        if (!cls || !*cls)
                sl_config_error_add(errs, key, "Missing required configuration \"%s\" which "
                                               "has no default value.", key);
        else if (!found)
                sl_config_error_add(errs, key, "Invalid value %s for configuration %s: Class %s "
                                               "could not be found.", cls, key, cls);
        return cls && *cls && found;
}

sl_xchain_t *sl_xchain_new(const sl_strmap_t *config, sl_config_errors_t *errs) {
        sl_xchain_t *c = calloc(1, sizeof(*c));
        char **taliases = NULL, **paliases = NULL;
        int nt = sl_config_list(sl_strmap_get(config, "transforms"), &taliases);
        int np = sl_config_list(sl_strmap_get(config, "predicates"), &paliases);
        size_t before = sl_config_errors_count(errs);
        char key[512], err[1024];

        c->steps = calloc((size_t)nt + 1, sizeof(*c->steps));
        c->pred_states = calloc((size_t)np + 1, sizeof(*c->pred_states));
        c->pred_defs = calloc((size_t)np + 1, sizeof(*c->pred_defs));
        for (int i = 0; i < np; i++) {
                const char *cls;
                const sl_predicate_def_t *def;
                sl_strmap_t *sub;

                snprintf(key, sizeof(key), "predicates.%s.type", paliases[i]);
                cls = sl_strmap_get(config, key);
                def = sl_predicate_find(cls);
                c->npred++;
                if (!type_found(errs, key, cls, def != NULL))
                        continue;
                snprintf(key, sizeof(key), "predicates.%s.", paliases[i]);
                sub = sub_config(config, key, def->config ? def->config : no_keys, errs);
                if (!sub)
                        continue;
                if (def->init(&c->pred_states[i], sub, err, sizeof(err)) != 0)
                        sl_config_error_add(errs, key, "%s", err);
                else
                        c->pred_defs[i] = def;
                sl_strmap_destroy(sub);
        }
        for (int i = 0; i < nt; i++) {
                xstep_t *s = &c->steps[c->n];
                const char *cls, *pname;
                const sl_transform_def_t *def;
                sl_strmap_t *sub;

                snprintf(key, sizeof(key), "transforms.%s.type", taliases[i]);
                cls = sl_strmap_get(config, key);
                def = sl_transform_find(cls);
                if (!type_found(errs, key, cls, def != NULL))
                        continue;
                snprintf(key, sizeof(key), "transforms.%s.predicate", taliases[i]);
                pname = sl_strmap_get(config, key);
                if (pname && *pname) {
                        int p = find_pred(c, pname, paliases);
                        if (p < 0) {
                                sl_config_error_add(errs, key, "Invalid value %s for "
                                                               "configuration %s: Predicate %s is "
                                                               "not in predicates",
                                                    pname, key, pname);
                                continue;
                        }
                        s->pred = c->pred_defs[p];
                        s->pred_state = c->pred_states[p];
                }
                snprintf(key, sizeof(key), "transforms.%s.negate", taliases[i]);
                if (sl_strmap_get(config, key)) {
                        const char *v = sl_strmap_get(config, key);
                        if (strcasecmp(v, "true") && strcasecmp(v, "false")) {
                                sl_config_error_add(errs, key, "Invalid value %s for "
                                                               "configuration %s: Expected value "
                                                               "to be either true or false",
                                                    v, key);
                                continue;
                        }
                        s->negate = !strcasecmp(v, "true");
                }
                snprintf(key, sizeof(key), "transforms.%s.", taliases[i]);
                sub = sub_config(config, key, def->config ? def->config : no_keys, errs);
                if (!sub)
                        continue;
                /* the framework's keys are not the transform's */
                sl_strmap_del(sub, "type");
                sl_strmap_del(sub, "predicate");
                sl_strmap_del(sub, "negate");
                if (def->init(&s->state, def->part, sub, err, sizeof(err)) != 0) {
                        sl_config_error_add(errs, key, "%s", err);
                } else {
                        s->alias = strdup(taliases[i]);
                        s->def = def;
                        c->n++;
                }
                sl_strmap_destroy(sub);
        }
        sl_config_list_free(taliases, nt);
        sl_config_list_free(paliases, np);
        if (sl_config_errors_count(errs) > before) {
                sl_xchain_destroy(c);
                return NULL;
        }
        return c;
}

bool sl_xchain_empty(const sl_xchain_t *c) {
        return !c || c->n == 0;
}

bool sl_xchain_touches(const sl_xchain_t *c, const sl_xrecord_t *rec) {
        for (int i = 0; c && i < c->n; i++) {
                const xstep_t *s = &c->steps[i];
                if (!s->pred || s->pred->test(s->pred_state, rec) != s->negate)
                        return true;
        }
        return false;
}

int sl_xchain_apply(sl_xchain_t *c, sl_xrecord_t *rec, char *errstr, size_t errstr_size) {
        char err[1024];

        for (int i = 0; c && i < c->n; i++) {
                xstep_t *s = &c->steps[i];
                int rc;

                if (s->pred && s->pred->test(s->pred_state, rec) == s->negate)
                        continue;
                err[0] = '\0';
                rc = s->def->apply(s->state, rec, err, sizeof(err));
                if (rc == 1)
                        return 1;
                if (rc < 0) {
                        c->failed = s->def->class_name;
                        return sl_seterr(errstr, errstr_size, rc,
                                         "Transform %s (%s) failed: %s", s->alias,
                                         s->def->class_name, *err ? err : sl_err2str(rc));
                }
        }
        return 0;
}

const char *sl_xchain_failed_class(const sl_xchain_t *c) {
        return c ? c->failed : NULL;
}

void sl_xchain_destroy(sl_xchain_t *c) {
        if (!c)
                return;
        for (int i = 0; i < c->n; i++) {
                if (c->steps[i].def->destroy)
                        c->steps[i].def->destroy(c->steps[i].state);
                free(c->steps[i].alias);
        }
        for (int i = 0; i < c->npred; i++)
                if (c->pred_defs[i] && c->pred_defs[i]->destroy)
                        c->pred_defs[i]->destroy(c->pred_states[i]);
        free(c->steps);
        free(c->pred_states);
        free(c->pred_defs);
        free(c);
}
