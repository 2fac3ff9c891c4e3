/* placeholder (issue 6) */
typedef int sl_placeholder_mirror_common_c;
