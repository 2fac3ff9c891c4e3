/* JSON document nodes: constructors, accessors, copies, comparison and
 * string-map conversion. Nodes double as Kafka Connect values (see
 * common.h); the parser and the writer live in json_parse.c and
 * json_write.c. */
#include "sluice/common.h"
#include "util/json_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static sl_json_t *node_new(sl_json_type_t type)
{
        sl_json_t *j = calloc(1, sizeof(*j));
        if (j)
                j->type = type;
        return j;
}

void sl_json_free(sl_json_t *j)
{
        if (!j)
                return;
        switch (j->type) {
        case SL_JSON_STRING:
        case SL_JSON_BYTES:
                if (!j->borrowed)
                        free(j->u.str.ptr);
                break;
        case SL_JSON_ARRAY:
                for (size_t i = 0; i < j->u.arr.len; i++)
                        sl_json_free(j->u.arr.items[i]);
                free(j->u.arr.items);
                break;
        case SL_JSON_OBJECT:
                for (size_t i = 0; i < j->u.obj.len; i++) {
                        free(j->u.obj.keys[i]);
                        sl_json_free(j->u.obj.vals[i]);
                }
                free(j->u.obj.keys);
                free(j->u.obj.vals);
                break;
        default:
                break;
        }
        free(j);
}

sl_json_t *sl_json_null(void)
{
        return node_new(SL_JSON_NULL);
}

sl_json_t *sl_json_bool(bool b)
{
        sl_json_t *j = node_new(SL_JSON_BOOL);
        if (j)
                j->u.b = b;
        return j;
}

sl_json_t *sl_json_int(int64_t i)
{
        sl_json_t *j = node_new(SL_JSON_INT);
        if (j)
                j->u.i = i;
        return j;
}

sl_json_t *sl_json_double(double d)
{
        sl_json_t *j = node_new(SL_JSON_DOUBLE);
        if (j)
                j->u.d = d;
        return j;
}

/* Owned string/bytes payloads are always NUL-terminated, even BYTES, so
 * callers may treat either as a C string when they know it has no NULs. */
static sl_json_t *str_node(sl_json_type_t type, const void *p, size_t n)
{
        if (!p && n)
                return NULL;
        sl_json_t *j = node_new(type);
        if (!j)
                return NULL;
        j->u.str.ptr = malloc(n + 1);
        if (!j->u.str.ptr) {
                free(j);
                return NULL;
        }
        if (n)
                memcpy(j->u.str.ptr, p, n);
        j->u.str.ptr[n] = '\0';
        j->u.str.len = n;
        return j;
}

sl_json_t *sl_json_string(const char *s)
{
        return s ? str_node(SL_JSON_STRING, s, strlen(s)) : NULL;
}

sl_json_t *sl_json_stringn(const char *s, size_t n)
{
        return str_node(SL_JSON_STRING, s, n);
}

sl_json_t *sl_json_bytes(const void *p, size_t n)
{
        return str_node(SL_JSON_BYTES, p, n);
}

sl_json_t *sl_json_array(void)
{
        return node_new(SL_JSON_ARRAY);
}

sl_json_t *sl_json_object(void)
{
        return node_new(SL_JSON_OBJECT);
}

/* A NULL v is reported as SL_ERR_NOMEM so that
 * `sl_json_array_append(a, sl_json_int(1))` propagates allocation failure. */
int sl_json_array_append(sl_json_t *arr, sl_json_t *v)
{
        if (!v)
                return SL_ERR_NOMEM;
        if (!arr || arr->type != SL_JSON_ARRAY) {
                sl_json_free(v);
                return SL_ERR_INVALID;
        }
        if (arr->u.arr.len == arr->u.arr.cap) {
                size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
                sl_json_t **items =
                        realloc(arr->u.arr.items, cap * sizeof(*items));
                if (!items) {
                        sl_json_free(v);
                        return SL_ERR_NOMEM;
                }
                arr->u.arr.items = items;
                arr->u.arr.cap = cap;
        }
        arr->u.arr.items[arr->u.arr.len++] = v;
        return 0;
}

static ssize_t obj_find(const sl_json_t *obj, const char *key)
{
        for (size_t i = 0; i < obj->u.obj.len; i++)
                if (strcmp(obj->u.obj.keys[i], key) == 0)
                        return (ssize_t)i;
        return -1;
}

int sl_json_object_push(sl_json_t *obj, char *key, sl_json_t *v)
{
        if (obj->u.obj.len == obj->u.obj.cap) {
                size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 4;
                char **keys = realloc(obj->u.obj.keys, cap * sizeof(*keys));
                if (!keys)
                        goto fail;
                obj->u.obj.keys = keys;
                sl_json_t **vals = realloc(obj->u.obj.vals, cap * sizeof(*vals));
                if (!vals)
                        goto fail;
                obj->u.obj.vals = vals;
                obj->u.obj.cap = cap;
        }
        obj->u.obj.keys[obj->u.obj.len] = key;
        obj->u.obj.vals[obj->u.obj.len] = v;
        obj->u.obj.len++;
        return 0;
fail:
        free(key);
        sl_json_free(v);
        return SL_ERR_NOMEM;
}

int sl_json_object_set(sl_json_t *obj, const char *key, sl_json_t *v)
{
        if (!v)
                return SL_ERR_NOMEM;
        if (!obj || obj->type != SL_JSON_OBJECT || !key) {
                sl_json_free(v);
                return SL_ERR_INVALID;
        }
        ssize_t i = obj_find(obj, key);
        if (i >= 0) {
                sl_json_free(obj->u.obj.vals[i]);
                obj->u.obj.vals[i] = v;
                return 0;
        }
        char *k = strdup(key);
        if (!k) {
                sl_json_free(v);
                return SL_ERR_NOMEM;
        }
        return sl_json_object_push(obj, k, v);
}

sl_json_t *sl_json_object_get(const sl_json_t *obj, const char *key)
{
        if (!obj || obj->type != SL_JSON_OBJECT || !key)
                return NULL;
        ssize_t i = obj_find(obj, key);
        return i >= 0 ? obj->u.obj.vals[i] : NULL;
}

int sl_json_object_del(sl_json_t *obj, const char *key)
{
        if (!obj || obj->type != SL_JSON_OBJECT || !key)
                return SL_ERR_INVALID;
        ssize_t i = obj_find(obj, key);
        if (i < 0)
                return SL_ERR_NOT_FOUND;
        free(obj->u.obj.keys[i]);
        sl_json_free(obj->u.obj.vals[i]);
        size_t tail = obj->u.obj.len - (size_t)i - 1;
        memmove(&obj->u.obj.keys[i], &obj->u.obj.keys[i + 1],
                tail * sizeof(char *));
        memmove(&obj->u.obj.vals[i], &obj->u.obj.vals[i + 1],
                tail * sizeof(sl_json_t *));
        obj->u.obj.len--;
        return 0;
}

/* A borrowed string need not be NUL-terminated; callers that store
 * borrowed values in objects must only use this when they know it is. */
const char *sl_json_object_get_str(const sl_json_t *obj, const char *key)
{
        const sl_json_t *v = sl_json_object_get(obj, key);
        return v && v->type == SL_JSON_STRING ? v->u.str.ptr : NULL;
}

sl_json_t *sl_json_dup(const sl_json_t *j)
{
        if (!j)
                return NULL;
        sl_json_t *c;
        switch (j->type) {
        case SL_JSON_STRING:
        case SL_JSON_BYTES:
                return str_node(j->type, j->u.str.ptr, j->u.str.len);
        case SL_JSON_ARRAY:
                if (!(c = sl_json_array()))
                        return NULL;
                for (size_t i = 0; i < j->u.arr.len; i++) {
                        sl_json_t *item = sl_json_dup(j->u.arr.items[i]);
                        if (!item || sl_json_array_append(c, item)) {
                                sl_json_free(c);
                                return NULL;
                        }
                }
                return c;
        case SL_JSON_OBJECT:
                if (!(c = sl_json_object()))
                        return NULL;
                for (size_t i = 0; i < j->u.obj.len; i++) {
                        sl_json_t *v = sl_json_dup(j->u.obj.vals[i]);
                        char *k = v ? strdup(j->u.obj.keys[i]) : NULL;
                        if (!k) {
                                sl_json_free(v);
                                sl_json_free(c);
                                return NULL;
                        }
                        if (sl_json_object_push(c, k, v)) {
                                sl_json_free(c);
                                return NULL;
                        }
                }
                return c;
        default:
                if (!(c = node_new(j->type)))
                        return NULL;
                c->u = j->u;
                return c;
        }
}

/* Type-strict: INT 1 and DOUBLE 1.0 differ, as do STRING and BYTES with
 * the same content, because they are different Connect types. NaN equals
 * NaN so that a value always equals its own copy. Objects compare as
 * unordered key sets. */
bool sl_json_equal(const sl_json_t *a, const sl_json_t *b)
{
        if (a == b)
                return true;
        if (!a || !b || a->type != b->type)
                return false;
        switch (a->type) {
        case SL_JSON_NULL:
                return true;
        case SL_JSON_BOOL:
                return a->u.b == b->u.b;
        case SL_JSON_INT:
                return a->u.i == b->u.i;
        case SL_JSON_DOUBLE:
                return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
        case SL_JSON_STRING:
        case SL_JSON_BYTES:
                return a->u.str.len == b->u.str.len &&
                       (a->u.str.len == 0 ||
                        memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0);
        case SL_JSON_ARRAY:
                if (a->u.arr.len != b->u.arr.len)
                        return false;
                for (size_t i = 0; i < a->u.arr.len; i++)
                        if (!sl_json_equal(a->u.arr.items[i], b->u.arr.items[i]))
                                return false;
                return true;
        case SL_JSON_OBJECT:
                if (a->u.obj.len != b->u.obj.len)
                        return false;
                for (size_t i = 0; i < a->u.obj.len; i++) {
                        const sl_json_t *bv;
                        /* Same order is the common case: skip the search. */
                        if (strcmp(a->u.obj.keys[i], b->u.obj.keys[i]) == 0)
                                bv = b->u.obj.vals[i];
                        else
                                bv = sl_json_object_get(b, a->u.obj.keys[i]);
                        if (!bv || !sl_json_equal(a->u.obj.vals[i], bv))
                                return false;
                }
                return true;
        }
        return false;
}

/* ------------------------------------------------------- string maps */

sl_json_t *sl_json_from_strmap(const sl_strmap_t *m)
{
        sl_json_t *obj = sl_json_object();
        if (!obj)
                return NULL;
        for (size_t i = 0; i < sl_strmap_count(m); i++) {
                if (sl_json_object_set(obj, sl_strmap_key_at(m, i),
                                       sl_json_string(sl_strmap_value_at(m, i)))) {
                        sl_json_free(obj);
                        return NULL;
                }
        }
        return obj;
}

/* Validates every member before touching out, so a rejected document
 * leaves out unchanged. */
int sl_json_to_strmap(const sl_json_t *obj, sl_strmap_t *out, char *errstr,
                      size_t errstr_size)
{
        if (!obj || obj->type != SL_JSON_OBJECT)
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "Expected a JSON object");
        for (size_t i = 0; i < obj->u.obj.len; i++) {
                const sl_json_t *v = obj->u.obj.vals[i];
                if (v && v->type == SL_JSON_STRING)
                        continue;
                return sl_seterr(errstr, errstr_size, SL_ERR_INVALID,
                                 "Value of key \"%s\" must be a string%s",
                                 obj->u.obj.keys[i],
                                 !v || v->type == SL_JSON_NULL ? ", not null"
                                                               : "");
        }
        for (size_t i = 0; i < obj->u.obj.len; i++) {
                const sl_json_t *v = obj->u.obj.vals[i];
                int r = sl_strmap_setn(out, obj->u.obj.keys[i], v->u.str.ptr,
                                       v->u.str.len);
                if (r)
                        return sl_seterr(errstr, errstr_size, r,
                                         "Out of memory");
        }
        return 0;
}
