/*
 * Result comparison for evaluation (see answer/compare.h). Columns are matched by their
 * values (names differ between a gold query's aliases and ours), then rows are compared
 * through that mapping.
 */
#include "answer/compare.h"

#include "base/mem.h"
#include "base/table.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int cells_equal(const struct sq_cell *a, const struct sq_cell *b)
{
    if (a->kind == SQ_CELL_NULL || b->kind == SQ_CELL_NULL)
        return a->kind == b->kind;
    if (a->kind == SQ_CELL_NUMBER && b->kind == SQ_CELL_NUMBER) {
        double x = a->num, y = b->num;
        double scale = fmax(1.0, fmax(fabs(x), fabs(y)));
        return fabs(x - y) <= 1e-6 * scale + 1e-9;
    }
    /* Dates vs timestamps at midnight, numbers printed as text: compare the text. */
    return strcmp(a->text, b->text) == 0 ||
           (strlen(a->text) >= 10 && strlen(b->text) >= 10 && strncmp(a->text, b->text, 10) == 0 &&
            (!a->text[10] || strcmp(a->text + 10, "T00:00:00") == 0) &&
            (!b->text[10] || strcmp(b->text + 10, "T00:00:00") == 0));
}

static int cmp_cells(const struct sq_cell *a, const struct sq_cell *b)
{
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->kind == SQ_CELL_NULL)
        return 0;
    if (a->kind == SQ_CELL_NUMBER)
        return a->num < b->num ? -1 : a->num > b->num;
    return strcmp(a->text, b->text);
}

struct rowref {
    const struct sq_table *t;
    size_t row;
    const int *cols; /* which columns, in gold order */
    size_t ncols;
};

static int cmp_rows(const void *pa, const void *pb)
{
    const struct rowref *a = pa, *b = pb;
    for (size_t i = 0; i < a->ncols; i++) {
        int c = cmp_cells(sq_table_cell(a->t, a->row, (size_t)a->cols[i]),
                          sq_table_cell(b->t, b->row, (size_t)b->cols[i]));
        if (c)
            return c;
    }
    return 0;
}

/* 1 if column gc of gold and column oc of got hold the same values as multisets. */
static int same_values(const struct sq_table *got, int oc, const struct sq_table *gold, int gc)
{
    size_t n = gold->nrows;
    struct rowref *a = xcalloc(n + 1, sizeof *a), *b = xcalloc(n + 1, sizeof *b);
    for (size_t r = 0; r < n; r++) {
        a[r] = (struct rowref){got, r, &oc, 1};
        b[r] = (struct rowref){gold, r, &gc, 1};
    }
    qsort(a, n, sizeof *a, cmp_rows);
    qsort(b, n, sizeof *b, cmp_rows);
    int ok = 1;
    for (size_t r = 0; r < n && ok; r++)
        ok = cells_equal(sq_table_cell(got, a[r].row, (size_t)oc),
                         sq_table_cell(gold, b[r].row, (size_t)gc));
    free(a);
    free(b);
    return ok;
}

static int rows_match(const struct sq_table *got, const struct sq_table *gold, const int *map,
                      int ordered)
{
    size_t n = gold->nrows;
    int *ident = xcalloc(gold->ncols + 1, sizeof *ident);
    for (size_t i = 0; i < gold->ncols; i++)
        ident[i] = (int)i;
    struct rowref *a = xcalloc(n + 1, sizeof *a), *b = xcalloc(n + 1, sizeof *b);
    for (size_t r = 0; r < n; r++) {
        a[r] = (struct rowref){got, r, map, gold->ncols};
        b[r] = (struct rowref){gold, r, ident, gold->ncols};
    }
    if (!ordered) {
        qsort(a, n, sizeof *a, cmp_rows);
        qsort(b, n, sizeof *b, cmp_rows);
    }
    int ok = 1;
    for (size_t r = 0; r < n && ok; r++)
        for (size_t c = 0; c < gold->ncols && ok; c++)
            ok = cells_equal(sq_table_cell(got, a[r].row, (size_t)map[c]),
                             sq_table_cell(gold, b[r].row, c));
    free(a);
    free(b);
    free(ident);
    return ok;
}

/* Tries every consistent assignment of gold columns to ours (tables are narrow). */
static int assign(const struct sq_table *got, const struct sq_table *gold, int ordered,
                  unsigned char *cand, int *map, unsigned char *used, size_t c)
{
    if (c == gold->ncols)
        return rows_match(got, gold, map, ordered);
    for (size_t o = 0; o < got->ncols; o++) {
        if (used[o] || !cand[c * got->ncols + o])
            continue;
        used[o] = 1;
        map[c] = (int)o;
        if (assign(got, gold, ordered, cand, map, used, c + 1))
            return 1;
        used[o] = 0;
    }
    return 0;
}

int answer_tables_match(const struct sq_table *got, const struct sq_table *gold, int ordered,
                        char *why, size_t n)
{
    if (got->nrows != gold->nrows) {
        snprintf(why, n, "%zu rows, expected %zu", got->nrows, gold->nrows);
        return 0;
    }
    if (got->ncols < gold->ncols) {
        snprintf(why, n, "%zu columns, expected at least %zu", got->ncols, gold->ncols);
        return 0;
    }
    if (gold->ncols > 16) {
        snprintf(why, n, "the gold result is too wide to compare");
        return 0;
    }
    unsigned char *cand = xcalloc(gold->ncols * got->ncols + 1, 1);
    for (size_t g = 0; g < gold->ncols; g++) {
        int any = 0;
        for (size_t o = 0; o < got->ncols; o++)
            any |= cand[g * got->ncols + o] = (unsigned char)same_values(got, (int)o, gold, (int)g);
        if (!any) {
            snprintf(why, n, "no column holds the values of the expected column %s",
                     gold->cols[g].name);
            free(cand);
            return 0;
        }
    }
    int *map = xcalloc(gold->ncols + 1, sizeof *map);
    unsigned char *used = xcalloc(got->ncols + 1, 1);
    int ok = assign(got, gold, ordered, cand, map, used, 0);
    if (!ok)
        snprintf(why, n, "the columns hold the right values but not in the same rows%s",
                 ordered ? " or order" : "");
    free(map);
    free(used);
    free(cand);
    return ok;
}

int answer_sql_sorts(const char *sql)
{
    int depth = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        else if (*p == '\'') {
            p++;
            while (*p && *p != '\'')
                p++;
            if (!*p)
                break;
        } else if (depth == 0 && strncasecmp(p, "ORDER BY", 8) == 0 &&
                   (p == sql || isspace((unsigned char)p[-1])))
            return 1;
    }
    return 0;
}
