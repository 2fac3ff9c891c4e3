/* placeholder (issue 6) */
typedef int sl_placeholder_pg_common_c;
