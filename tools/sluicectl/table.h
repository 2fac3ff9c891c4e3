/* Column-aligned text tables for sluicectl's output: cells are escaped
 * (control characters shown as \n, \t, \xHH) so one row stays one line,
 * widths count UTF-8 characters, not bytes, and no line ends in spaces. */
#ifndef SL_CTL_TABLE_H
#define SL_CTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/common.h"

typedef struct sl_table sl_table_t;

/* headers: ncols column titles, or NULL for a table without a header line
 * (key/value listings). NULL when out of memory. */
sl_table_t *sl_table_new(size_t ncols, const char *const *headers);
void sl_table_destroy(sl_table_t *t);
/* Appends a row of ncols cells (a NULL cell is empty): 0 or SL_ERR_NOMEM. */
int sl_table_add(sl_table_t *t, const char *const *cells);
/* Cells of col wider than width characters are cut to width, ending in
 * "..." (0: no limit, the default). */
void sl_table_set_max_width(sl_table_t *t, size_t col, size_t width);
/* Right-aligns col (numbers). */
void sl_table_set_right(sl_table_t *t, size_t col);
size_t sl_table_rows(const sl_table_t *t);
/* Appends the table to out, columns separated by two spaces, each line
 * ending in '\n': 0 or SL_ERR_NOMEM. */
int sl_table_render(const sl_table_t *t, sl_buf_t *out);

/* Compact one-cell text for a JSON value: a string as itself, an object of
 * scalars as "k=v, k2=v2" (keys sorted), anything else as compact JSON.
 * 0 or SL_ERR_NOMEM. */
int sl_table_fmt_value(const sl_json_t *v, sl_buf_t *out);

#endif
