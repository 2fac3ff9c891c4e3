/* Node internals shared by json.c and the parser. */
#ifndef SL_UTIL_JSON_INT_H
#define SL_UTIL_JSON_INT_H

#include "sluice/common.h"

/* Appends to an object without checking for duplicate keys, so the parser
 * can defer deduplication to one pass per object; takes ownership of key
 * and v (both freed on failure). 0 or SL_ERR_NOMEM. */
int sl_json_object_push(sl_json_t *obj, char *key, sl_json_t *v);

#endif
