/* placeholder (issue 6) */
typedef int sl_placeholder_httpc_c;
