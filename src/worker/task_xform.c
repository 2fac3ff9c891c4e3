/* Records as transform records and back (see task_xform.h). */
#include <stdlib.h>
#include <string.h>

#include "worker/task_xform.h"

#define VIEW_HEADERS 16

bool sl_task_chain_touches(const sl_xchain_t *c, const sl_recview_t *r) {
        sl_xheader_t hv[VIEW_HEADERS];
        sl_json_t bv[VIEW_HEADERS];
        sl_xrecord_t view = {
                .topic = (char *)r->topic,
                .partition = r->partition,
                .key_schema = (sl_json_t *)r->key->schema,
                .key = (sl_json_t *)r->key->value,
                .value_schema = (sl_json_t *)r->value->schema,
                .value = (sl_json_t *)r->value->value,
                .timestamp = r->timestamp > 0 ? r->timestamp : -1,
        };

        /* predicates only look: views of the headers need no copy, but
         * a record with many headers is simply treated as touched */
        if (r->header_cnt > VIEW_HEADERS)
                return true;
        for (size_t i = 0; i < r->header_cnt; i++) {
                bv[i] = SL_JSON_BYTES_REF(r->headers[i].value, r->headers[i].value_len);
                hv[i] = (sl_xheader_t){(char *)r->headers[i].key, NULL,
                                       r->headers[i].value ? &bv[i] : NULL};
        }
        view.headers = hv;
        view.header_cnt = r->header_cnt;
        return sl_xchain_touches(c, &view);
}

int sl_task_xrecord_fill(sl_xrecord_t *x, const sl_recview_t *r) {
        memset(x, 0, sizeof(*x));
        x->topic = strdup(r->topic);
        x->partition = r->partition;
        x->key_schema = r->key->schema ? sl_json_dup(r->key->schema) : NULL;
        x->key = r->key->value ? sl_json_dup(r->key->value) : NULL;
        x->value_schema = r->value->schema ? sl_json_dup(r->value->schema) : NULL;
        x->value = r->value->value ? sl_json_dup(r->value->value) : NULL;
        x->timestamp = r->timestamp > 0 ? r->timestamp : -1;
        if (!x->topic || (r->key->schema && !x->key_schema) || (r->key->value && !x->key) ||
            (r->value->schema && !x->value_schema) || (r->value->value && !x->value))
                return SL_ERR_NOMEM;
        for (size_t i = 0; i < r->header_cnt; i++) {
                const sl_header_t *h = &r->headers[i];
                sl_json_t *v = h->value ? sl_json_bytes(h->value, h->value_len) : NULL;
                if ((h->value && !v) || sl_xrecord_add_header(x, h->key, NULL, v) != 0)
                        return SL_ERR_NOMEM;
        }
        return 0;
}

int sl_xheaders_view(sl_xheaders_t *v, const sl_xrecord_t *x) {
        v->n = x->header_cnt;
        v->hs = calloc(x->header_cnt + 1, sizeof(*v->hs));
        v->bufs = calloc(x->header_cnt + 1, sizeof(*v->bufs));
        if (!v->hs || !v->bufs) {
                sl_xheaders_free(v);
                return SL_ERR_NOMEM;
        }
        for (size_t i = 0; i < x->header_cnt; i++) {
                const sl_json_t *val = x->headers[i].value;
                v->hs[i].key = x->headers[i].key;
                if (!val || val->type == SL_JSON_NULL)
                        continue;
                if (val->type == SL_JSON_BYTES || val->type == SL_JSON_STRING) {
                        v->hs[i].value = val->u.str.ptr;
                        v->hs[i].value_len = val->u.str.len;
                } else {
                        sl_data_t d = {x->headers[i].schema, val};
                        sl_data_to_string(&d, &v->bufs[i]);
                        v->hs[i].value = v->bufs[i].data ? v->bufs[i].data : "";
                        v->hs[i].value_len = v->bufs[i].len;
                }
        }
        return 0;
}

void sl_xheaders_free(sl_xheaders_t *v) {
        for (size_t i = 0; v->bufs && i < v->n; i++)
                sl_buf_free(&v->bufs[i]);
        free(v->bufs);
        free(v->hs);
        memset(v, 0, sizeof(*v));
}
