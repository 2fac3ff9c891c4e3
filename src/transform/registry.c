/* Every built-in transform and predicate. */
#include "transform/transform.h"

#define XF(n) extern const sl_transform_def_t n;
#define XP(n) extern const sl_predicate_def_t n;
/* xf_fields.c */
XF(sl_xf_insert_field_key) XF(sl_xf_insert_field_value)
XF(sl_xf_replace_field_key) XF(sl_xf_replace_field_value)
XF(sl_xf_mask_field_key) XF(sl_xf_mask_field_value)
XF(sl_xf_hoist_field_key) XF(sl_xf_hoist_field_value)
XF(sl_xf_extract_field_key) XF(sl_xf_extract_field_value)
/* xf_schema.c */
XF(sl_xf_value_to_key)
XF(sl_xf_cast_key) XF(sl_xf_cast_value)
XF(sl_xf_flatten_key) XF(sl_xf_flatten_value)
XF(sl_xf_set_schema_metadata_key) XF(sl_xf_set_schema_metadata_value)
XF(sl_xf_timestamp_converter_key) XF(sl_xf_timestamp_converter_value)
/* xf_routing.c */
XF(sl_xf_regex_router) XF(sl_xf_timestamp_router) XF(sl_xf_filter)
XF(sl_xf_insert_header) XF(sl_xf_drop_headers)
XF(sl_xf_header_from_key) XF(sl_xf_header_from_value)
XP(sl_xp_topic_name_matches) XP(sl_xp_has_header_key) XP(sl_xp_record_is_tombstone)

const sl_transform_def_t *const sl_transform_defs[] = {
        &sl_xf_insert_field_key, &sl_xf_insert_field_value,
        &sl_xf_replace_field_key, &sl_xf_replace_field_value,
        &sl_xf_mask_field_key, &sl_xf_mask_field_value,
        &sl_xf_hoist_field_key, &sl_xf_hoist_field_value,
        &sl_xf_extract_field_key, &sl_xf_extract_field_value,
        &sl_xf_value_to_key,
        &sl_xf_cast_key, &sl_xf_cast_value,
        &sl_xf_flatten_key, &sl_xf_flatten_value,
        &sl_xf_set_schema_metadata_key, &sl_xf_set_schema_metadata_value,
        &sl_xf_timestamp_converter_key, &sl_xf_timestamp_converter_value,
        &sl_xf_regex_router, &sl_xf_timestamp_router, &sl_xf_filter,
        &sl_xf_insert_header, &sl_xf_drop_headers,
        &sl_xf_header_from_key, &sl_xf_header_from_value,
        NULL,
};

const sl_predicate_def_t *const sl_predicate_defs[] = {
        &sl_xp_topic_name_matches, &sl_xp_has_header_key, &sl_xp_record_is_tombstone, NULL,
};
