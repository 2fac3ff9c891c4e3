/* placeholder (issue 6) */
typedef int sl_placeholder_s3_sigv4_c;
