/*
 * A result table: named, typed columns and rows of cells, as a query returns them. The
 * store fills it; the CLI, the answer pipeline and the server read it. Numbers are kept
 * as the text DuckDB printed (exact, shortest form) plus their double value.
 *
 * Ownership: struct sq_table is caller-owned (init/fini); all its strings live in its
 * arena and die with sq_table_fini.
 */
#ifndef SQ_BASE_TABLE_H
#define SQ_BASE_TABLE_H

#include "base/arena.h"

#include <stddef.h>

enum sq_cell_kind { SQ_CELL_NULL, SQ_CELL_NUMBER, SQ_CELL_TEXT, SQ_CELL_BOOL };

struct sq_cell {
    enum sq_cell_kind kind;
    const char *text; /* NULL for SQ_CELL_NULL; "true"/"false" for booleans */
    double num;       /* for SQ_CELL_NUMBER */
};

struct sq_column {
    const char *name;
    const char *type; /* DuckDB's type name: "VARCHAR", "DOUBLE", "DECIMAL(18,3)", ... */
    int numeric;      /* 1 for number types */
};

struct sq_table {
    size_t ncols;
    size_t nrows;
    size_t row_cap;
    struct sq_column *cols;
    struct sq_cell *cells; /* nrows * ncols, row-major */
    int truncated;         /* 1 when the row cap cut the result */
    struct sq_arena arena;
};

void sq_table_init(struct sq_table *t);
void sq_table_fini(struct sq_table *t);
/* Adds a column; call before the first row. */
void sq_table_add_column(struct sq_table *t, const char *name, const char *type, int numeric);
/* Appends a row of NULL cells and returns its index. */
size_t sq_table_add_row(struct sq_table *t);
/* Sets a cell; text is copied. For SQ_CELL_NUMBER, num is parsed from text. */
void sq_table_set(struct sq_table *t, size_t row, size_t col, enum sq_cell_kind kind,
                  const char *text, size_t len);
const struct sq_cell *sq_table_cell(const struct sq_table *t, size_t row, size_t col);
/* A cell as an exact 64-bit integer (parsed from its text: num is a double and loses
 * precision past 2^53); 0 for NULL or text that is not a number. */
long long sq_cell_int(const struct sq_cell *c);
/* Index of a column by name (case-insensitive), or -1. */
int sq_table_find_column(const struct sq_table *t, const char *name);

struct sq_jw;
/* Writes "columns": [...], "rows": [[...]], "row_count": n, "truncated": b as members of
 * the object the writer is in. */
void sq_table_write_json(const struct sq_table *t, struct sq_jw *w);

#endif
