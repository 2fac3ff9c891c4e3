/* Avro JSON default values -> Connect defaults in JsonConverter's form
 * (bytes as base64, maps with string keys as objects and others as
 * [key, value] pairs), for the Connect schemas avro_connect_schema.c
 * builds. Field defaults hold bytes as Latin-1 strings, connect.default
 * as base64 already. A default that does not fit its type gives
 * SL_ERR_CONVERT (with no message): the caller drops it, as Confluent
 * does. */
#include <stdlib.h>
#include <string.h>

#include "convert/avro_int.h"

static int record_default(tctx_t *c, const sl_json_t *node, const char *ns,
                          const sl_json_t *d, bool latin1, sl_json_t **out)
{
        const sl_json_t *f = sl_json_object_get(node, "fields");
        if (d->type != SL_JSON_OBJECT || !f || f->type != SL_JSON_ARRAY)
                return SL_ERR_CONVERT;
        sl_json_t *res = sl_json_object();
        if (!res)
                return SL_ERR_NOMEM;
        for (size_t i = 0; i < f->u.arr.len; i++) {
                const sl_json_t *fd = f->u.arr.items[i];
                const char *name = sl_json_object_get_str(fd, "name");
                const sl_json_t *fv = name ? sl_json_object_get(d, name)
                                           : NULL;
                if (!fv)
                        fv = sl_json_object_get(fd, "default");
                sl_json_t *cv = NULL;
                int rc = !name || !fv
                                 ? SL_ERR_CONVERT
                                 : sl_avro_default_from_avro(
                                           c, sl_json_object_get(fd, "type"),
                                           ns, fv, latin1, &cv);
                if (rc == 0)
                        rc = sl_json_object_set(res, name, cv);
                if (rc < 0) {
                        sl_json_free(res);
                        return rc;
                }
        }
        *out = res;
        return 0;
}

static bool avro_is_string(tctx_t *c, const sl_json_t *as, const char *ns)
{
        const sl_json_t *node;
        const char *t, *nns;
        char err[8];
        char *saved = c->errstr;
        size_t saved_n = c->errstr_size;
        c->errstr = err;
        c->errstr_size = sizeof(err);
        int rc = sl_avro_resolve(c, as, ns, &node, &t, &nns);
        c->errstr = saved;
        c->errstr_size = saved_n;
        return rc == 0 && !strcmp(t, "string");
}

static int map_entries_default(tctx_t *c, const sl_json_t *entry,
                               const char *ens, const sl_json_t *d,
                               bool latin1, sl_json_t **out)
{
        const sl_json_t *kf = sl_avro_entry_field(entry, "key");
        const sl_json_t *vf = sl_avro_entry_field(entry, "value");
        const sl_json_t *kt = kf ? sl_json_object_get(kf, "type") : NULL;
        const sl_json_t *vt = vf ? sl_json_object_get(vf, "type") : NULL;
        if (!kt || !vt || d->type != SL_JSON_ARRAY)
                return SL_ERR_CONVERT;
        /* JsonConverter's form: an object for string keys, else pairs */
        bool obj = avro_is_string(c, kt, ens);
        sl_json_t *res = obj ? sl_json_object() : sl_json_array();
        if (!res)
                return SL_ERR_NOMEM;
        for (size_t i = 0; i < d->u.arr.len; i++) {
                const sl_json_t *e = d->u.arr.items[i];
                const sl_json_t *k = sl_json_object_get(e, "key");
                const sl_json_t *v = sl_json_object_get(e, "value");
                sl_json_t *ck = NULL, *cv = NULL, *pair = NULL;
                int rc = k && v ? 0 : SL_ERR_CONVERT;
                if (rc == 0)
                        rc = sl_avro_default_from_avro(c, kt, ens, k, latin1,
                                                       &ck);
                if (rc == 0)
                        rc = sl_avro_default_from_avro(c, vt, ens, v, latin1,
                                                       &cv);
                if (rc == 0 && obj) {
                        rc = ck->type == SL_JSON_STRING
                                     ? sl_json_object_set(res, ck->u.str.ptr,
                                                          cv)
                                     : SL_ERR_CONVERT;
                        cv = NULL;
                } else if (rc == 0) {
                        pair = sl_json_array();
                        rc = pair ? 0 : SL_ERR_NOMEM;
                        if (rc == 0) {
                                rc = sl_json_array_append(pair, ck);
                                ck = NULL;
                        }
                        if (rc == 0) {
                                rc = sl_json_array_append(pair, cv);
                                cv = NULL;
                        }
                        if (rc == 0) {
                                rc = sl_json_array_append(res, pair);
                                pair = NULL;
                        }
                }
                sl_json_free(ck);
                sl_json_free(cv);
                sl_json_free(pair);
                if (rc < 0) {
                        sl_json_free(res);
                        return rc;
                }
        }
        *out = res;
        return 0;
}

int sl_avro_default_from_avro(tctx_t *c, const sl_json_t *as, const char *ns,
                              const sl_json_t *d, bool latin1, sl_json_t **out)
{
        const sl_json_t *node;
        const char *t, *nns;
        *out = NULL;
        if (++c->depth > MAX_DEPTH)
                return SL_ERR_CONVERT;
        int rc = sl_avro_resolve(c, as, ns, &node, &t, &nns);
        if (rc < 0)
                goto done;
        if (!strcmp(t, "union")) {
                /* null when null is allowed, else the first other branch */
                const sl_json_t *pick = NULL;
                for (size_t i = 0; i < node->u.arr.len; i++) {
                        const sl_json_t *m = node->u.arr.items[i];
                        bool is_null = m->type == SL_JSON_STRING &&
                                       !strcmp(m->u.str.ptr, "null");
                        if (is_null && d->type == SL_JSON_NULL) {
                                pick = NULL;
                                break;
                        }
                        if (!is_null && !pick)
                                pick = m;
                }
                if (!pick || d->type == SL_JSON_NULL)
                        *out = d->type == SL_JSON_NULL ? sl_json_null() : NULL;
                else
                        rc = sl_avro_default_from_avro(c, pick, nns, d, latin1,
                                                       out);
                if (rc == 0 && !*out)
                        rc = SL_ERR_CONVERT;
                goto done;
        }
        if (!strcmp(t, "record") || !strcmp(t, "error")) {
                char *full, *space;
                rc = sl_avro_def_names(c, node, nns, &full, &space);
                if (rc == 0)
                        rc = record_default(c, node, space, d, latin1, out);
                free(full);
                free(space);
                goto done;
        }
        if (!strcmp(t, "array")) {
                const sl_json_t *items = sl_json_object_get(node, "items");
                const sl_json_t *entry;
                const char *ens;
                if (!items || d->type != SL_JSON_ARRAY) {
                        rc = SL_ERR_CONVERT;
                } else if (sl_avro_is_map_entry(c, items, nns, &entry, &ens)) {
                        char *full, *space;
                        rc = sl_avro_def_names(c, entry, ens, &full, &space);
                        if (rc == 0)
                                rc = map_entries_default(c, entry, space, d,
                                                         latin1, out);
                        free(full);
                        free(space);
                } else {
                        sl_json_t *res = sl_json_array();
                        rc = res ? 0 : SL_ERR_NOMEM;
                        for (size_t i = 0; rc == 0 && i < d->u.arr.len; i++) {
                                sl_json_t *cv;
                                rc = sl_avro_default_from_avro(
                                        c, items, nns, d->u.arr.items[i],
                                        latin1, &cv);
                                if (rc == 0)
                                        rc = sl_json_array_append(res, cv);
                        }
                        if (rc < 0)
                                sl_json_free(res);
                        else
                                *out = res;
                }
                goto done;
        }
        if (!strcmp(t, "map")) {
                const sl_json_t *values = sl_json_object_get(node, "values");
                sl_json_t *res = NULL;
                rc = values && d->type == SL_JSON_OBJECT ? 0 : SL_ERR_CONVERT;
                if (rc == 0 && !(res = sl_json_object()))
                        rc = SL_ERR_NOMEM;
                for (size_t i = 0; rc == 0 && i < d->u.obj.len; i++) {
                        sl_json_t *cv;
                        rc = sl_avro_default_from_avro(
                                c, values, nns, d->u.obj.vals[i], latin1, &cv);
                        if (rc == 0)
                                rc = sl_json_object_set(res, d->u.obj.keys[i],
                                                        cv);
                }
                if (rc < 0)
                        sl_json_free(res);
                else
                        *out = res;
                goto done;
        }
        if (!strcmp(t, "bytes") || !strcmp(t, "fixed")) {
                if (d->type != SL_JSON_STRING) {
                        rc = SL_ERR_CONVERT;
                } else if (!latin1) {
                        *out = sl_json_dup(d);
                } else {
                        sl_buf_t raw = SL_BUF_INIT, b64 = SL_BUF_INIT;
                        rc = sl_avro_get_latin1(d, &raw) < 0 ? SL_ERR_CONVERT
                                                             : 0;
                        if (rc == 0)
                                rc = sl_base64_encode(raw.data, raw.len, &b64);
                        if (rc == 0)
                                *out = sl_json_stringn(b64.data ? b64.data : "",
                                                       b64.len);
                        sl_buf_free(&raw);
                        sl_buf_free(&b64);
                }
                goto done;
        }
        bool ok;
        if (!strcmp(t, "null"))
                ok = d->type == SL_JSON_NULL;
        else if (!strcmp(t, "boolean"))
                ok = d->type == SL_JSON_BOOL;
        else if (!strcmp(t, "int") || !strcmp(t, "long"))
                ok = d->type == SL_JSON_INT;
        else if (!strcmp(t, "float") || !strcmp(t, "double"))
                ok = d->type == SL_JSON_INT || d->type == SL_JSON_DOUBLE;
        else
                ok = d->type == SL_JSON_STRING; /* string, enum */
        if (!ok)
                rc = SL_ERR_CONVERT;
        else
                *out = sl_json_dup(d);
done:
        if (rc == 0 && !*out)
                rc = SL_ERR_NOMEM;
        c->depth--;
        return rc;
}
