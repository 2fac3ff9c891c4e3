/* Table rendering for sluicectl (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

struct sl_table {
        size_t ncols;
        bool has_header;
        char **cells; /* row-major, (nrows + has_header) * ncols, escaped */
        size_t nrows; /* rows in cells, the header included */
        size_t cap;
        size_t *max_width;
        bool *right;
};

/* Characters on screen, counting each UTF-8 sequence as one. */
static size_t text_width(const char *s, size_t n)
{
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
                if (((unsigned char)s[i] & 0xC0) != 0x80)
                        w++;
        return w;
}

/* Byte length of the first width characters of s. */
static size_t width_prefix(const char *s, size_t width)
{
        size_t i = 0, w = 0;
        while (s[i]) {
                if (((unsigned char)s[i] & 0xC0) != 0x80) {
                        if (w == width)
                                break;
                        w++;
                }
                i++;
        }
        return i;
}

static char *escape_cell(const char *s)
{
        static const char hex[] = "0123456789abcdef";
        sl_buf_t b = SL_BUF_INIT;
        int rc = sl_buf_reserve(&b, s ? strlen(s) + 1 : 1);
        for (; rc == 0 && s && *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '\n')
                        rc = sl_buf_puts(&b, "\\n");
                else if (c == '\t')
                        rc = sl_buf_puts(&b, "\\t");
                else if (c == '\r')
                        rc = sl_buf_puts(&b, "\\r");
                else if (c < 0x20 || c == 0x7f) {
                        char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
                        rc = sl_buf_append(&b, e, 4);
                } else
                        rc = sl_buf_putc(&b, (char)c);
        }
        if (rc != 0) {
                sl_buf_free(&b);
                return NULL;
        }
        return sl_buf_detach(&b, NULL);
}

static int add_row(sl_table_t *t, const char *const *cells)
{
        /* cells hold ncols pointers a row */
        if (sl_array_reserve(&t->cells, &t->cap, t->nrows + 1, t->ncols * sizeof(*t->cells), 8))
                return SL_ERR_NOMEM;
        char **row = t->cells + t->nrows * t->ncols;
        for (size_t i = 0; i < t->ncols; i++) {
                row[i] = escape_cell(cells[i]);
                if (!row[i]) {
                        while (i > 0)
                                free(row[--i]);
                        return SL_ERR_NOMEM;
                }
        }
        t->nrows++;
        return 0;
}

sl_table_t *sl_table_new(size_t ncols, const char *const *headers)
{
        if (ncols == 0)
                return NULL;
        sl_table_t *t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->ncols = ncols;
        t->max_width = calloc(ncols, sizeof(*t->max_width));
        t->right = calloc(ncols, sizeof(*t->right));
        if (!t->max_width || !t->right ||
            (headers && add_row(t, headers) != 0)) {
                sl_table_destroy(t);
                return NULL;
        }
        t->has_header = headers != NULL;
        return t;
}

void sl_table_destroy(sl_table_t *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->nrows * t->ncols; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t->max_width);
        free(t->right);
        free(t);
}

int sl_table_add(sl_table_t *t, const char *const *cells)
{
        return add_row(t, cells);
}

void sl_table_set_max_width(sl_table_t *t, size_t col, size_t width)
{
        if (col < t->ncols)
                t->max_width[col] = width;
}

void sl_table_set_right(sl_table_t *t, size_t col)
{
        if (col < t->ncols)
                t->right[col] = true;
}

size_t sl_table_rows(const sl_table_t *t)
{
        return t->nrows - (t->has_header ? 1 : 0);
}

/* The shown part of a cell: its bytes and whether "..." follows. */
static size_t cell_cut(const sl_table_t *t, size_t col, const char *s,
                       bool *dots)
{
        size_t n = strlen(s), max = t->max_width[col];
        *dots = false;
        if (max == 0 || text_width(s, n) <= max)
                return n;
        if (max <= 3)
                return width_prefix(s, max);
        *dots = true;
        return width_prefix(s, max - 3);
}

static int pad(sl_buf_t *out, size_t n)
{
        int rc = sl_buf_reserve(out, n);
        while (rc == 0 && n-- > 0)
                rc = sl_buf_putc(out, ' ');
        return rc;
}

int sl_table_render(const sl_table_t *t, sl_buf_t *out)
{
        size_t *w = calloc(t->ncols, sizeof(*w));
        if (!w)
                return SL_ERR_NOMEM;
        for (size_t r = 0; r < t->nrows; r++)
                for (size_t c = 0; c < t->ncols; c++) {
                        const char *s = t->cells[r * t->ncols + c];
                        bool dots;
                        size_t n = cell_cut(t, c, s, &dots);
                        size_t cw = text_width(s, n) + (dots ? 3 : 0);
                        if (cw > w[c])
                                w[c] = cw;
                }
        int rc = 0;
        for (size_t r = 0; rc == 0 && r < t->nrows; r++) {
                size_t line_start = out->len;
                for (size_t c = 0; rc == 0 && c < t->ncols; c++) {
                        const char *s = t->cells[r * t->ncols + c];
                        bool dots;
                        size_t n = cell_cut(t, c, s, &dots);
                        size_t cw = text_width(s, n) + (dots ? 3 : 0);
                        if (c > 0)
                                rc = pad(out, 2);
                        if (rc == 0 && t->right[c])
                                rc = pad(out, w[c] - cw);
                        if (rc == 0)
                                rc = sl_buf_append(out, s, n);
                        if (rc == 0 && dots)
                                rc = sl_buf_puts(out, "...");
                        if (rc == 0 && !t->right[c] && c + 1 < t->ncols)
                                rc = pad(out, w[c] - cw);
                }
                /* empty trailing cells leave padding behind */
                while (out->len > line_start && out->data[out->len - 1] == ' ')
                        out->data[--out->len] = '\0';
                if (rc == 0)
                        rc = sl_buf_putc(out, '\n');
        }
        free(w);
        return rc;
}

static bool is_scalar(const sl_json_t *v)
{
        return v->type != SL_JSON_ARRAY && v->type != SL_JSON_OBJECT;
}

static int cmp_key(const void *a, const void *b)
{
        return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

int sl_table_fmt_value(const sl_json_t *v, sl_buf_t *out)
{
        if (!v)
                return 0;
        if (v->type == SL_JSON_STRING)
                return sl_buf_append(out, v->u.str.ptr, v->u.str.len);
        if (v->type != SL_JSON_OBJECT || v->u.obj.len == 0)
                return sl_json_write(v, out);
        for (size_t i = 0; i < v->u.obj.len; i++)
                if (!is_scalar(v->u.obj.vals[i]))
                        return sl_json_write(v, out);
        /* sort pointers to the keys; values are found through the index */
        size_t n = v->u.obj.len;
        char ***order = malloc(n * sizeof(*order));
        if (!order)
                return SL_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
                order[i] = &v->u.obj.keys[i];
        qsort(order, n, sizeof(order[0]), cmp_key);
        int rc = 0;
        for (size_t k = 0; rc == 0 && k < n; k++) {
                size_t i = (size_t)(order[k] - v->u.obj.keys);
                if (k > 0)
                        rc = sl_buf_puts(out, ", ");
                if (rc == 0)
                        rc = sl_buf_printf(out, "%s=", v->u.obj.keys[i]);
                if (rc == 0)
                        rc = sl_table_fmt_value(v->u.obj.vals[i], out);
        }
        free(order);
        return rc;
}
