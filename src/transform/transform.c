/* Record and schema helpers shared by the transforms. */
#include "transform/transform.h"

#include <stdlib.h>
#include <string.h>

void sl_xrecord_clear(sl_xrecord_t *r) {
        free(r->topic);
        sl_json_free(r->key_schema);
        sl_json_free(r->key);
        sl_json_free(r->value_schema);
        sl_json_free(r->value);
        for (size_t i = 0; i < r->header_cnt; i++) {
                free(r->headers[i].key);
                sl_json_free(r->headers[i].schema);
                sl_json_free(r->headers[i].value);
        }
        free(r->headers);
        memset(r, 0, sizeof(*r));
}

int sl_xrecord_add_header(sl_xrecord_t *r, const char *key, sl_json_t *schema,
                          sl_json_t *value) {
        if (r->header_cnt == r->header_cap) {
                size_t cap = r->header_cap ? r->header_cap * 2 : 4;
                sl_xheader_t *h = realloc(r->headers, cap * sizeof(*h));
                if (!h) {
                        sl_json_free(schema);
                        sl_json_free(value);
                        return SL_ERR_NOMEM;
                }
                r->headers = h;
                r->header_cap = cap;
        }
        r->headers[r->header_cnt].key = strdup(key);
        r->headers[r->header_cnt].schema = schema;
        r->headers[r->header_cnt].value = value;
        r->header_cnt++;
        return 0;
}

size_t sl_xrecord_remove_headers(sl_xrecord_t *r, const char *key) {
        size_t n = 0, out = 0;
        for (size_t i = 0; i < r->header_cnt; i++) {
                if (!strcmp(r->headers[i].key, key)) {
                        free(r->headers[i].key);
                        sl_json_free(r->headers[i].schema);
                        sl_json_free(r->headers[i].value);
                        n++;
                } else {
                        r->headers[out++] = r->headers[i];
                }
        }
        r->header_cnt = out;
        return n;
}

const char *sl_schema_type(const sl_json_t *schema) {
        return schema ? sl_json_object_get_str(schema, "type") : NULL;
}

bool sl_schema_optional(const sl_json_t *schema) {
        const sl_json_t *o = schema ? sl_json_object_get(schema, "optional") : NULL;
        return o && o->type == SL_JSON_BOOL && o->u.b;
}

const sl_json_t *sl_schema_field(const sl_json_t *struct_schema, const char *name) {
        const sl_json_t *fields = struct_schema ? sl_json_object_get(struct_schema, "fields")
                                                : NULL;
        for (size_t i = 0; fields && fields->type == SL_JSON_ARRAY && i < fields->u.arr.len;
             i++) {
                const char *f = sl_json_object_get_str(fields->u.arr.items[i], "field");
                if (f && !strcmp(f, name))
                        return fields->u.arr.items[i];
        }
        return NULL;
}

sl_json_t *sl_schema_new(const char *type, bool optional) {
        sl_json_t *s = sl_json_object();
        sl_json_object_set(s, "type", sl_json_string(type));
        sl_json_object_set(s, "optional", sl_json_bool(optional));
        return s;
}

int sl_schema_add_field(sl_json_t *struct_schema, const char *name, sl_json_t *field_schema,
                        char *errstr, size_t errstr_size) {
        sl_json_t *fields = sl_json_object_get(struct_schema, "fields");

        if (!field_schema)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        if (sl_schema_field(struct_schema, name)) {
                sl_json_free(field_schema);
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "Cannot create field because of field name duplication %s",
                                 name);
        }
        if (sl_json_object_set(field_schema, "field", sl_json_string(name)) < 0) {
                sl_json_free(field_schema);
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        }
        if (sl_json_array_append(fields, field_schema) < 0)
                return sl_seterr(errstr, errstr_size, SL_ERR_NOMEM, "out of memory");
        return 0;
}
