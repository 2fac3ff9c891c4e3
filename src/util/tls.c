/* placeholder */
typedef int sl_placeholder_tls_t;
