/* The registry's operations: reads answer from the state applied so far;
 * writes propose a record, send it, read the log back and look at what the
 * log decided (another worker may have won the race for a version or id). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "schemareg/sr_int.h"

#define LOGGER "schema-registry"
#define WRITE_ATTEMPTS 5

struct sl_sr {
        pthread_mutex_t lock;  /* st */
        pthread_mutex_t wlock; /* one local writer at a time: fewer lost races */
        sr_store_t st;
        sl_sr_backend_t be;
        bool memory; /* the in-memory log: nothing to wait for */
        bool synced; /* the log was read to its end at least once */
        int timeout_ms;
};

static int mem_send(void *opaque, const char *key, const char *value, char *errstr,
                    size_t errstr_size) {
        (void)errstr;
        (void)errstr_size;
        sl_sr_apply(opaque, key, strlen(key), value, value ? strlen(value) : 0);
        return 0;
}

static int mem_read_to_end(void *opaque, int timeout_ms, char *errstr, size_t errstr_size) {
        (void)opaque;
        (void)timeout_ms;
        (void)errstr;
        (void)errstr_size;
        return 0;
}

sl_sr_t *sl_sr_new(const sl_sr_backend_t *backend) {
        sl_sr_t *sr = calloc(1, sizeof(*sr));

        if (!sr)
                return NULL;
        pthread_mutex_init(&sr->lock, NULL);
        pthread_mutex_init(&sr->wlock, NULL);
        sr_store_init(&sr->st);
        sr->timeout_ms = 10000;
        if (backend) {
                sr->be = *backend;
        } else {
                sr->be = (sl_sr_backend_t){mem_send, mem_read_to_end, NULL, sr};
                sr->memory = true;
                sr->synced = true;
        }
        return sr;
}

void sl_sr_destroy(sl_sr_t *sr) {
        if (!sr)
                return;
        /* the backend first: its reader may still be applying records */
        if (sr->be.destroy)
                sr->be.destroy(sr->be.opaque);
        sr_store_fini(&sr->st);
        pthread_mutex_destroy(&sr->lock);
        pthread_mutex_destroy(&sr->wlock);
        free(sr);
}

void sl_sr_set_timeout(sl_sr_t *sr, int timeout_ms) {
        sr->timeout_ms = timeout_ms;
}

void sl_sr_apply(sl_sr_t *sr, const char *key, size_t key_len, const char *value,
                 size_t value_len) {
        pthread_mutex_lock(&sr->lock);
        sr_store_apply(&sr->st, key, key_len, value, value_len);
        pthread_mutex_unlock(&sr->lock);
}

/* ------------------------------------------------------------ mock scopes */

typedef struct scope {
        struct scope *next;
        sl_sr_t *sr;
        char name[];
} scope_t;

static pthread_mutex_t scopes_lock = PTHREAD_MUTEX_INITIALIZER;
static scope_t *scopes;

sl_sr_t *sl_sr_mock_scope(const char *scope) {
        scope_t *s;
        sl_sr_t *sr = NULL;

        if (!scope)
                scope = "";
        pthread_mutex_lock(&scopes_lock);
        for (s = scopes; s && !sr; s = s->next)
                if (!strcmp(s->name, scope))
                        sr = s->sr;
        if (!sr && (s = malloc(sizeof(*s) + strlen(scope) + 1)) != NULL) {
                strcpy(s->name, scope);
                if ((s->sr = sl_sr_new(NULL)) != NULL) {
                        s->next = scopes;
                        scopes = s;
                        sr = s->sr;
                } else {
                        free(s);
                }
        }
        pthread_mutex_unlock(&scopes_lock);
        return sr;
}

/* ------------------------------------------------------------ helpers */

static int err_subject(char *errstr, size_t n, const char *subject) {
        return sl_seterr(errstr, n, SL_SR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject);
}

static int err_version(char *errstr, size_t n, int32_t version) {
        if (version == SL_SR_LATEST)
                return sl_seterr(errstr, n, SL_SR_VERSION_NOT_FOUND, "Version latest not found.");
        return sl_seterr(errstr, n, SL_SR_VERSION_NOT_FOUND, "Version %d not found.", (int)version);
}

static int err_invalid(char *errstr, size_t n, const char *why) {
        return sl_seterr(errstr, n, SL_SR_INVALID_SCHEMA, "Invalid schema: %s", why);
}

static char *dup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

/* Brings the state up to the log's end: before a write proposes, after it
 * sent, and whenever a reader needs what another worker wrote. */
static int sync_log(sl_sr_t *sr, const char *what, char *errstr, size_t errstr_size) {
        char err[512] = "";
        int e;

        if (sr->memory)
                return 0;
        e = sr->be.read_to_end(sr->be.opaque, sr->timeout_ms, err, sizeof(err));
        if (e == SL_ERR_TIMEOUT)
                return sl_seterr(errstr, errstr_size, SL_SR_TIMEOUT,
                                 "Timed out reading the schemas topic while %s: %s", what,
                                 err[0] ? err : sl_err2str(e));
        if (e != 0)
                return sl_seterr(errstr, errstr_size, SL_SR_STORE_ERROR,
                                 "Error reading the schemas topic while %s: %s", what,
                                 err[0] ? err : sl_err2str(e));
        sr->synced = true;
        return 0;
}

static int send_record(sl_sr_t *sr, const char *key, const char *value, const char *what,
                       char *errstr, size_t errstr_size) {
        char err[512] = "";
        int e;

        if (!key)
                return sl_seterr(errstr, errstr_size, SL_SR_STORE_ERROR, "out of memory");
        e = sr->be.send(sr->be.opaque, key, value, err, sizeof(err));
        if (e == SL_ERR_TIMEOUT)
                return sl_seterr(errstr, errstr_size, SL_SR_TIMEOUT,
                                 "Write to the schemas topic timed out while %s", what);
        if (e != 0)
                return sl_seterr(errstr, errstr_size, SL_SR_STORE_ERROR,
                                 "Error while %s: %s", what, err[0] ? err : sl_err2str(e));
        return 0;
}

int sl_sr_sync(sl_sr_t *sr, char *errstr, size_t errstr_size) {
        return sync_log(sr, "reading the registry", errstr, errstr_size);
}

int sl_sr_ready(sl_sr_t *sr, char *errstr, size_t errstr_size) {
        if (sr->synced)
                return 0;
        return sync_log(sr, "loading the registry", errstr, errstr_size);
}

/* ------------------------------------------------------------ register */

/* The live version of s holding canon, or NULL. Caller holds lock. */
static sr_version_t *find_canon(sl_sr_t *sr, const sr_subject_t *s, const char *canon,
                                bool deleted) {
        sr_schema_t *sc = sr_store_by_canon(&sr->st, canon);

        for (size_t i = s && sc ? s->nv : 0; i > 0; i--)
                if (s->v[i - 1].id == sc->id && (deleted || !s->v[i - 1].deleted))
                        return &s->v[i - 1];
        return NULL;
}

static void incompatible(char *errstr, size_t errstr_size, const char *subject, sl_buf_t *why) {
        sl_buf_t msg = SL_BUF_INIT;

        /* the details the way Confluent lists them: one JSON-ish list */
        sl_buf_puts(&msg, "[");
        for (const char *p = why->data ? why->data : ""; *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                if (msg.len > 1)
                        sl_buf_puts(&msg, ", ");
                sl_buf_append(&msg, p, n);
                p += n + (nl != NULL);
        }
        sl_buf_puts(&msg, "]");
        sl_seterr(errstr, errstr_size, SL_SR_INCOMPATIBLE,
                  "Schema being registered is incompatible with an earlier schema for subject "
                  "\"%s\", details: %s",
                  subject, msg.data ? msg.data : "[]");
        sl_buf_free(&msg);
}

int sl_sr_register(sl_sr_t *sr, const char *subject, const char *schema, int32_t *idp,
                   char *errstr, size_t errstr_size) {
        char err[512];
        sr_parsed_t p;
        int e = 0;

        if (!subject || !*subject)
                return sl_seterr(errstr, errstr_size, SL_SR_UNPROCESSABLE,
                                 "Subject name must not be empty");
        if (sr_parse(schema, &p, err, sizeof(err)) != 0)
                return err_invalid(errstr, errstr_size, err);
        pthread_mutex_lock(&sr->wlock);
        for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
                sl_buf_t why = SL_BUF_INIT;
                sr_subject_t *s;
                sr_version_t *v;
                sr_schema_t *sc;
                int32_t id, version;
                char *key, *value;

                if ((e = sync_log(sr, "registering a schema", errstr, errstr_size)) != 0)
                        break;
                pthread_mutex_lock(&sr->lock);
                s = sr_store_subject(&sr->st, subject);
                if ((v = find_canon(sr, s, p.canon, false)) != NULL) {
                        *idp = v->id;
                        pthread_mutex_unlock(&sr->lock);
                        break;
                }
                if (!sr_store_compat_ok(&sr->st, s, sr_store_level(&sr->st, s), p.json, &why)) {
                        pthread_mutex_unlock(&sr->lock);
                        incompatible(errstr, errstr_size, subject, &why);
                        sl_buf_free(&why);
                        e = SL_SR_INCOMPATIBLE;
                        break;
                }
                sl_buf_free(&why);
                sc = sr_store_by_canon(&sr->st, p.canon);
                id = sc ? sc->id : sr->st.max_id + 1;
                version = sr_subject_max_version(s) + 1;
                pthread_mutex_unlock(&sr->lock);

                key = sr_key_schema(subject, version);
                value = sr_value_schema(subject, version, id, p.text, false);
                e = send_record(sr, key, value, "registering a schema", errstr, errstr_size);
                free(key);
                free(value);
                if (e != 0)
                        break;
                /* the next round's sync_log shows whether this one won */
                if (attempt + 1 == WRITE_ATTEMPTS) {
                        if ((e = sync_log(sr, "registering a schema", errstr, errstr_size)) != 0)
                                break;
                        pthread_mutex_lock(&sr->lock);
                        v = find_canon(sr, sr_store_subject(&sr->st, subject), p.canon, false);
                        if (v)
                                *idp = v->id;
                        pthread_mutex_unlock(&sr->lock);
                        if (!v)
                                e = sl_seterr(errstr, errstr_size, SL_SR_STORE_ERROR,
                                              "Error while registering a schema: lost %d races "
                                              "with other writers of subject '%s'",
                                              WRITE_ATTEMPTS, subject);
                }
        }
        pthread_mutex_unlock(&sr->wlock);
        sr_parsed_fini(&p);
        return e;
}

/* ------------------------------------------------------------ reads */

int sl_sr_schema_by_id(sl_sr_t *sr, int32_t id, char **schemap, char *errstr,
                       size_t errstr_size) {
        for (int round = 0; round < 2; round++) {
                sr_schema_t *sc;

                pthread_mutex_lock(&sr->lock);
                sc = sr_store_by_id(&sr->st, id);
                *schemap = sc ? strdup(sc->text) : NULL;
                pthread_mutex_unlock(&sr->lock);
                if (*schemap)
                        return 0;
                /* maybe another worker just wrote it */
                if (sr->memory || round || sync_log(sr, "looking up an id", NULL, 0) != 0)
                        break;
        }
        return sl_seterr(errstr, errstr_size, SL_SR_SCHEMA_NOT_FOUND, "Schema %d not found",
                         (int)id);
}

int sl_sr_get_version(sl_sr_t *sr, const char *subject, int32_t version, bool deleted,
                      int32_t *idp, int32_t *versionp, char **schemap, char *errstr,
                      size_t errstr_size) {
        sr_subject_t *s;
        sr_version_t *v;
        sr_schema_t *sc;
        int e = 0;

        pthread_mutex_lock(&sr->lock);
        s = sr_store_subject(&sr->st, subject);
        if (!s || !s->nv || (!deleted && !sr_subject_live(s))) {
                e = err_subject(errstr, errstr_size, subject);
                goto out;
        }
        v = version == SL_SR_LATEST ? sr_subject_latest(s) : sr_subject_version(s, version);
        if (!v || (v->deleted && !deleted)) {
                e = err_version(errstr, errstr_size, version);
                goto out;
        }
        sc = sr_store_by_id(&sr->st, v->id);
        if (idp)
                *idp = v->id;
        if (versionp)
                *versionp = v->version;
        if (schemap && !(*schemap = dup_or_null(sc ? sc->text : NULL)))
                e = sl_seterr(errstr, errstr_size, SL_SR_STORE_ERROR, "out of memory");
out:
        pthread_mutex_unlock(&sr->lock);
        return e;
}

int sl_sr_latest(sl_sr_t *sr, const char *subject, int32_t *idp, int32_t *versionp,
                 char **schemap, char *errstr, size_t errstr_size) {
        return sl_sr_get_version(sr, subject, SL_SR_LATEST, false, idp, versionp, schemap,
                                 errstr, errstr_size);
}

int sl_sr_subjects(sl_sr_t *sr, bool deleted, sl_json_t **outp, char *errstr,
                   size_t errstr_size) {
        sl_json_t *a = sl_json_array();

        (void)errstr;
        (void)errstr_size;
        pthread_mutex_lock(&sr->lock);
        for (size_t i = 0; a && i < sr->st.nsubjects; i++) {
                sr_subject_t *s = sr->st.subjects[i];
                if (s->nv && (deleted || sr_subject_live(s)))
                        sl_json_array_append(a, sl_json_string(s->name));
        }
        pthread_mutex_unlock(&sr->lock);
        *outp = a;
        return a ? 0 : SL_SR_STORE_ERROR;
}

int sl_sr_versions(sl_sr_t *sr, const char *subject, bool deleted, sl_json_t **outp,
                   char *errstr, size_t errstr_size) {
        sl_json_t *a = NULL;
        sr_subject_t *s;
        int e = 0;

        pthread_mutex_lock(&sr->lock);
        s = sr_store_subject(&sr->st, subject);
        if (!s || !s->nv || (!deleted && !sr_subject_live(s))) {
                e = err_subject(errstr, errstr_size, subject);
        } else {
                a = sl_json_array();
                for (size_t i = 0; a && i < s->nv; i++)
                        if (deleted || !s->v[i].deleted)
                                sl_json_array_append(a, sl_json_int(s->v[i].version));
        }
        pthread_mutex_unlock(&sr->lock);
        *outp = a;
        return e;
}

int sl_sr_id_versions(sl_sr_t *sr, int32_t id, bool deleted, sl_json_t **outp, char *errstr,
                      size_t errstr_size) {
        sl_json_t *a = NULL;
        int e = 0;

        pthread_mutex_lock(&sr->lock);
        if (!sr_store_by_id(&sr->st, id)) {
                e = sl_seterr(errstr, errstr_size, SL_SR_SCHEMA_NOT_FOUND, "Schema %d not found",
                              (int)id);
                goto out;
        }
        a = sl_json_array();
        for (size_t i = 0; a && i < sr->st.nsubjects; i++) {
                sr_subject_t *s = sr->st.subjects[i];
                for (size_t k = 0; k < s->nv; k++) {
                        sl_json_t *o;
                        if (s->v[k].id != id || (s->v[k].deleted && !deleted))
                                continue;
                        o = sl_json_object();
                        sl_json_object_set(o, "subject", sl_json_string(s->name));
                        sl_json_object_set(o, "version", sl_json_int(s->v[k].version));
                        sl_json_array_append(a, o);
                }
        }
out:
        pthread_mutex_unlock(&sr->lock);
        *outp = a;
        return e;
}

int sl_sr_lookup(sl_sr_t *sr, const char *subject, const char *schema, bool deleted,
                 int32_t *idp, int32_t *versionp, char **schemap, char *errstr,
                 size_t errstr_size) {
        char err[512];
        sr_parsed_t p;
        sr_subject_t *s;
        sr_version_t *v;
        int e = 0;

        if (sr_parse(schema, &p, err, sizeof(err)) != 0)
                return err_invalid(errstr, errstr_size, err);
        pthread_mutex_lock(&sr->lock);
        s = sr_store_subject(&sr->st, subject);
        if (!s || !s->nv || (!deleted && !sr_subject_live(s))) {
                e = err_subject(errstr, errstr_size, subject);
        } else if (!(v = find_canon(sr, s, p.canon, deleted))) {
                e = sl_seterr(errstr, errstr_size, SL_SR_SCHEMA_NOT_FOUND, "Schema not found");
        } else {
                sr_schema_t *sc = sr_store_by_id(&sr->st, v->id);
                if (idp)
                        *idp = v->id;
                if (versionp)
                        *versionp = v->version;
                if (schemap)
                        *schemap = dup_or_null(sc ? sc->text : NULL);
        }
        pthread_mutex_unlock(&sr->lock);
        sr_parsed_fini(&p);
        return e;
}

/* ------------------------------------------------------------ deletes */

typedef struct pending {
        int32_t version, id;
} pending_t;

/* Sends one SCHEMA record per pending version (tombstones when
 * permanent), then reads them back. */
static int write_deletes(sl_sr_t *sr, const char *subject, const pending_t *pv, size_t n,
                         bool permanent, char *errstr, size_t errstr_size) {
        int e = 0;

        for (size_t i = 0; i < n && !e; i++) {
                char *key = sr_key_schema(subject, pv[i].version);
                char *value = NULL;
                if (!permanent) {
                        char *text = NULL;
                        pthread_mutex_lock(&sr->lock);
                        sr_schema_t *sc = sr_store_by_id(&sr->st, pv[i].id);
                        text = dup_or_null(sc ? sc->text : NULL);
                        pthread_mutex_unlock(&sr->lock);
                        if (!text) {
                                free(key);
                                continue;
                        }
                        value = sr_value_schema(subject, pv[i].version, pv[i].id, text, true);
                        free(text);
                }
                e = send_record(sr, key, value, "deleting a schema", errstr, errstr_size);
                free(key);
                free(value);
        }
        return e ? e : sync_log(sr, "deleting a schema", errstr, errstr_size);
}

int sl_sr_delete_subject(sl_sr_t *sr, const char *subject, bool permanent,
                         sl_json_t **versionsp, char *errstr, size_t errstr_size) {
        pending_t *pv = NULL;
        size_t n = 0;
        sr_subject_t *s;
        int e;

        *versionsp = NULL;
        pthread_mutex_lock(&sr->wlock);
        if ((e = sync_log(sr, "deleting a subject", errstr, errstr_size)) != 0)
                goto out;
        pthread_mutex_lock(&sr->lock);
        s = sr_store_subject(&sr->st, subject);
        if (!s || !s->nv) {
                e = err_subject(errstr, errstr_size, subject);
        } else if (!permanent && !sr_subject_live(s)) {
                e = sl_seterr(errstr, errstr_size, SL_SR_SUBJECT_SOFT_DELETED,
                              "Subject '%s' was soft deleted.Set permanent=true to delete "
                              "permanently",
                              subject);
        } else if (permanent && sr_subject_live(s)) {
                e = sl_seterr(errstr, errstr_size, SL_SR_SUBJECT_NOT_SOFT_DELETED,
                              "Subject '%s' was not deleted first before being permanently "
                              "deleted",
                              subject);
        } else if (!(pv = calloc(s->nv, sizeof(*pv)))) {
                e = sl_seterr(errstr, errstr_size, SL_SR_STORE_ERROR, "out of memory");
        } else {
                for (size_t i = 0; i < s->nv; i++)
                        if (permanent || !s->v[i].deleted)
                                pv[n++] = (pending_t){s->v[i].version, s->v[i].id};
        }
        pthread_mutex_unlock(&sr->lock);
        if (e == 0 && (e = write_deletes(sr, subject, pv, n, permanent, errstr, errstr_size)) == 0) {
                sl_json_t *a = sl_json_array();
                for (size_t i = 0; a && i < n; i++)
                        sl_json_array_append(a, sl_json_int(pv[i].version));
                *versionsp = a;
        }
out:
        pthread_mutex_unlock(&sr->wlock);
        free(pv);
        return e;
}

int sl_sr_delete_version(sl_sr_t *sr, const char *subject, int32_t version, bool permanent,
                         int32_t *deletedp, char *errstr, size_t errstr_size) {
        pending_t pv = {0, 0};
        sr_subject_t *s;
        sr_version_t *v = NULL;
        int e;

        pthread_mutex_lock(&sr->wlock);
        if ((e = sync_log(sr, "deleting a schema", errstr, errstr_size)) != 0)
                goto out;
        pthread_mutex_lock(&sr->lock);
        s = sr_store_subject(&sr->st, subject);
        if (s && s->nv)
                v = version != SL_SR_LATEST ? sr_subject_version(s, version)
                    : permanent             ? &s->v[s->nv - 1]
                                            : sr_subject_latest(s);
        if (!s || !s->nv)
                e = err_subject(errstr, errstr_size, subject);
        else if (!v)
                e = err_version(errstr, errstr_size, version);
        else if (!permanent && v->deleted)
                e = sl_seterr(errstr, errstr_size, SL_SR_VERSION_SOFT_DELETED,
                              "Subject '%s' Version %d was soft deleted.Set permanent=true to "
                              "delete permanently",
                              subject, (int)v->version);
        else if (permanent && !v->deleted)
                e = sl_seterr(errstr, errstr_size, SL_SR_VERSION_NOT_SOFT_DELETED,
                              "Subject '%s' Version %d was not deleted first before being "
                              "permanently deleted",
                              subject, (int)v->version);
        else
                pv = (pending_t){v->version, v->id};
        pthread_mutex_unlock(&sr->lock);
        if (e == 0 && (e = write_deletes(sr, subject, &pv, 1, permanent, errstr, errstr_size)) == 0)
                *deletedp = pv.version;
out:
        pthread_mutex_unlock(&sr->wlock);
        return e;
}

/* ------------------------------------------------------------ config */

int sl_sr_config_get(sl_sr_t *sr, const char *subject, bool default_to_global,
                     const char **levelp, char *errstr, size_t errstr_size) {
        sr_subject_t *s;
        int e = 0;

        pthread_mutex_lock(&sr->lock);
        s = subject ? sr_store_subject(&sr->st, subject) : NULL;
        if (!subject || default_to_global || (s && s->compat >= 0))
                *levelp = sr_compat_name(sr_store_level(&sr->st, s));
        else
                e = sl_seterr(errstr, errstr_size, SL_SR_SUBJECT_NO_CONFIG,
                              "Subject '%s' does not have subject-level compatibility configured",
                              subject);
        pthread_mutex_unlock(&sr->lock);
        return e;
}

static int write_config(sl_sr_t *sr, const char *subject, int level, char *errstr,
                        size_t errstr_size) {
        char *key = sr_key_config(subject);
        char *value = level >= 0 ? sr_value_config(level) : NULL;
        int e = send_record(sr, key, value, "updating the compatibility level", errstr,
                            errstr_size);

        free(key);
        free(value);
        return e ? e : sync_log(sr, "updating the compatibility level", errstr, errstr_size);
}

int sl_sr_config_set(sl_sr_t *sr, const char *subject, const char *level, char *errstr,
                     size_t errstr_size) {
        int l = sr_compat_level(level), e;

        if (l < 0)
                return sl_seterr(errstr, errstr_size, SL_SR_INVALID_COMPAT,
                                 "Invalid compatibility level. Valid values are none, backward, "
                                 "forward, full, backward_transitive, forward_transitive, and "
                                 "full_transitive");
        pthread_mutex_lock(&sr->wlock);
        e = write_config(sr, subject, l, errstr, errstr_size);
        pthread_mutex_unlock(&sr->wlock);
        return e;
}

int sl_sr_config_delete(sl_sr_t *sr, const char *subject, const char **levelp, char *errstr,
                        size_t errstr_size) {
        sr_subject_t *s;
        int e;

        pthread_mutex_lock(&sr->wlock);
        if ((e = sync_log(sr, "deleting a compatibility level", errstr, errstr_size)) != 0)
                goto out;
        pthread_mutex_lock(&sr->lock);
        s = subject ? sr_store_subject(&sr->st, subject) : NULL;
        if (!subject)
                *levelp = sr_compat_name(sr->st.compat); /* back to BACKWARD */
        else if (!s)
                e = err_subject(errstr, errstr_size, subject);
        else if (s->compat < 0)
                e = sl_seterr(errstr, errstr_size, SL_SR_SUBJECT_NO_CONFIG,
                              "Subject '%s' does not have subject-level compatibility configured",
                              subject);
        else
                *levelp = sr_compat_name(s->compat);
        pthread_mutex_unlock(&sr->lock);
        if (e == 0)
                e = write_config(sr, subject, -1, errstr, errstr_size);
out:
        pthread_mutex_unlock(&sr->wlock);
        return e;
}

/* ------------------------------------------------------------ compat */

static sl_json_t *split_lines(const sl_buf_t *b) {
        sl_json_t *a = sl_json_array();

        for (const char *p = b->data ? b->data : ""; a && *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                sl_json_array_append(a, sl_json_stringn(p, n));
                p += n + (nl != NULL);
        }
        return a;
}

int sl_sr_test_compat(sl_sr_t *sr, const char *subject, int32_t version, const char *schema,
                      bool *compatiblep, sl_json_t **messagesp, char *errstr,
                      size_t errstr_size) {
        sl_buf_t why = SL_BUF_INIT;
        char err[512];
        sr_parsed_t p;
        sr_subject_t *s;
        int e = 0;

        if (messagesp)
                *messagesp = NULL;
        if (sr_parse(schema, &p, err, sizeof(err)) != 0)
                return err_invalid(errstr, errstr_size, err);
        pthread_mutex_lock(&sr->lock);
        s = sr_store_subject(&sr->st, subject);
        if (!s || !sr_subject_live(s)) {
                e = err_subject(errstr, errstr_size, subject);
        } else if (version == SL_SR_LATEST) {
                *compatiblep = sr_store_compat_ok(&sr->st, s, sr_store_level(&sr->st, s), p.json,
                                                  &why);
        } else {
                sr_version_t *v = sr_subject_version(s, version);
                sr_schema_t *sc = v && !v->deleted ? sr_store_by_id(&sr->st, v->id) : NULL;
                int level = sr_store_level(&sr->st, s);

                /* one version: transitive or not makes no difference */
                if (!sc) {
                        e = err_version(errstr, errstr_size, version);
                } else {
                        const sl_json_t *prev = sc->json;
                        *compatiblep = level == SR_NONE ||
                                       sr_compat_check(level, p.json, &prev, 1, &why);
                }
        }
        pthread_mutex_unlock(&sr->lock);
        if (e == 0 && messagesp)
                *messagesp = split_lines(&why);
        sl_buf_free(&why);
        sr_parsed_fini(&p);
        return e;
}
