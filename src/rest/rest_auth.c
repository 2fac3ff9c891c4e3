/* placeholder */
typedef int sl_placeholder_rest_auth_t;
