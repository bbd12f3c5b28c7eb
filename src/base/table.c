/*
 * Result tables (see base/table.h) and their JSON form, shared by the CLI, the answer
 * pipeline and the server.
 */
#include "base/table.h"

#include "base/json.h"
#include "base/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sq_table_init(struct sq_table *t)
{
    memset(t, 0, sizeof *t);
    sq_arena_init(&t->arena);
}

void sq_table_fini(struct sq_table *t)
{
    free(t->cols);
    free(t->cells);
    sq_arena_fini(&t->arena);
    memset(t, 0, sizeof *t);
}

void sq_table_add_column(struct sq_table *t, const char *name, const char *type, int numeric)
{
    t->cols = xrealloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
    t->cols[t->ncols].name = sq_arena_strdup(&t->arena, name);
    t->cols[t->ncols].type = sq_arena_strdup(&t->arena, type);
    t->cols[t->ncols].numeric = numeric;
    t->ncols++;
}

size_t sq_table_add_row(struct sq_table *t)
{
    if (t->nrows == t->row_cap) {
        t->row_cap = t->row_cap ? t->row_cap * 2 : 64;
        t->cells = xrealloc(t->cells, t->row_cap * (t->ncols ? t->ncols : 1) * sizeof *t->cells);
    }
    struct sq_cell *row = t->cells + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        row[c].kind = SQ_CELL_NULL;
        row[c].text = NULL;
        row[c].num = 0;
    }
    return t->nrows++;
}

void sq_table_set(struct sq_table *t, size_t row, size_t col, enum sq_cell_kind kind,
                  const char *text, size_t len)
{
    struct sq_cell *c = t->cells + row * t->ncols + col;
    c->kind = kind;
    c->text = kind == SQ_CELL_NULL ? NULL : sq_arena_strndup(&t->arena, text, len);
    c->num = kind == SQ_CELL_NUMBER ? strtod(c->text, NULL) : 0;
}

const struct sq_cell *sq_table_cell(const struct sq_table *t, size_t row, size_t col)
{
    return t->cells + row * t->ncols + col;
}

long long sq_cell_int(const struct sq_cell *c)
{
    return c->kind == SQ_CELL_NUMBER ? strtoll(c->text, NULL, 10) : 0;
}

int sq_table_find_column(const struct sq_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcasecmp(t->cols[c].name, name) == 0)
            return (int)c;
    return -1;
}

void sq_table_write_json(const struct sq_table *t, struct sq_jw *w)
{
    sq_jw_key(w, "columns");
    sq_jw_arr_begin(w);
    for (size_t c = 0; c < t->ncols; c++) {
        sq_jw_obj_begin(w);
        sq_jw_key(w, "name");
        sq_jw_str(w, t->cols[c].name);
        sq_jw_key(w, "type");
        sq_jw_str(w, t->cols[c].type);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_key(w, "rows");
    int pretty = w->pretty;
    sq_jw_arr_begin(w);
    for (size_t r = 0; r < t->nrows; r++) {
        sq_jw_arr_begin(w);
        w->pretty = 0; /* one row per line even in pretty output */
        for (size_t c = 0; c < t->ncols; c++) {
            const struct sq_cell *cell = sq_table_cell(t, r, c);
            switch (cell->kind) {
            case SQ_CELL_NULL:
                sq_jw_null(w);
                break;
            case SQ_CELL_NUMBER:
                sq_jw_num_text(w, cell->text);
                break;
            case SQ_CELL_BOOL:
                sq_jw_bool(w, cell->text[0] == 't');
                break;
            case SQ_CELL_TEXT:
                sq_jw_str(w, cell->text);
                break;
            }
        }
        sq_jw_arr_end(w);
        w->pretty = pretty;
    }
    sq_jw_arr_end(w);
    sq_jw_key(w, "row_count");
    sq_jw_int(w, (int64_t)t->nrows);
    sq_jw_key(w, "truncated");
    sq_jw_bool(w, t->truncated);
}
