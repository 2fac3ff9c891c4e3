/* placeholder (issue 6) */
typedef int sl_placeholder_pgoutput_c;
