/*
 * Terminal output of result tables: an aligned text table (numbers right-aligned, long
 * cells cut with an ellipsis) and RFC 4180 CSV. Used by `sql` and, later, `ask`.
 */
#include "cli/cli.h"

#include "base/limits.h"
#include "base/mem.h"
#include "base/table.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_CELL_WIDTH = 48 };

/* Display width of UTF-8 text: one column per code point (good enough for tables of
 * Latin text; wide CJK characters are rare in sales data). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

/* The byte length of the longest prefix of s that fits in max columns. */
static size_t fit(const char *s, size_t max)
{
    size_t w = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (w == max)
                break;
            w++;
        }
    }
    return i;
}

static const char *cell_text(const struct sq_cell *c)
{
    return c->kind == SQ_CELL_NULL ? "NULL" : c->text;
}

static void put_cell(FILE *f, const char *s, size_t colw, int right)
{
    size_t w = width(s);
    if (w > MAX_CELL_WIDTH) {
        size_t n = fit(s, MAX_CELL_WIDTH - 1);
        fprintf(f, "%.*s…", (int)n, s);
        w = MAX_CELL_WIDTH;
    } else if (right) {
        for (size_t i = w; i < colw; i++)
            fputc(' ', f);
        fputs(s, f);
        return;
    } else {
        fputs(s, f);
    }
    for (size_t i = w; i < colw; i++)
        fputc(' ', f);
}

/* Fractional numbers for reading: two decimals with thousands separators (one decimal
 * for percentages); whole numbers such as years stay as they are. */
static const char *readable(const struct sq_table *t, size_t col, const struct sq_cell *c,
                            char *buf, size_t n)
{
    if (c->kind != SQ_CELL_NUMBER || !strchr(c->text, '.') || !strcmp(t->cols[col].type, "BIGINT"))
        return cell_text(c);
    double v = c->num;
    if (v > 1e15 || v < -1e15)
        return cell_text(c);
    size_t len = strlen(t->cols[col].name);
    int pct = len > 4 && strcmp(t->cols[col].name + len - 4, "_pct") == 0;
    char raw[SQ_NUM_TEXT_MAX]; /* |v| <= 1e15: at most 16 digits and 2 decimals */
    snprintf(raw, sizeof raw, "%.*f", pct ? 1 : 2, v < 0 ? -v : v);
    char *dot = strchr(raw, '.');
    size_t digits = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    if (v < 0 && o + 1 < n)
        buf[o++] = '-';
    for (size_t i = 0; raw[i] && o + 2 < n; i++) {
        if (i > 0 && i < digits && (digits - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

static void print_table(FILE *f, const struct sq_table *t, int round);

void cli_print_table(FILE *f, const struct sq_table *t)
{
    print_table(f, t, 0);
}

void cli_print_table_readable(FILE *f, const struct sq_table *t)
{
    print_table(f, t, 1);
}

static void print_table(FILE *f, const struct sq_table *t, int round)
{
    char num[SQ_NUM_TEXT_MAX];
    size_t *w = xcalloc(t->ncols + 1, sizeof *w);
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = width(t->cols[c].name);
        for (size_t r = 0; r < t->nrows; r++) {
            const struct sq_cell *cell = sq_table_cell(t, r, c);
            size_t cw = width(round ? readable(t, c, cell, num, sizeof num) : cell_text(cell));
            if (cw > w[c])
                w[c] = cw;
        }
        if (w[c] > MAX_CELL_WIDTH)
            w[c] = MAX_CELL_WIDTH;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        fputs(c ? " │ " : "", f);
        put_cell(f, t->cols[c].name, w[c], t->cols[c].numeric);
    }
    fputc('\n', f);
    for (size_t c = 0; c < t->ncols; c++) {
        fputs(c ? "─┼─" : "", f);
        for (size_t i = 0; i < w[c]; i++)
            fputs("─", f);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            fputs(c ? " │ " : "", f);
            const struct sq_cell *cell = sq_table_cell(t, r, c);
            put_cell(f, round ? readable(t, c, cell, num, sizeof num) : cell_text(cell), w[c],
                     t->cols[c].numeric);
        }
        fputc('\n', f);
    }
    fprintf(f, "(%zu row%s%s)\n", t->nrows, t->nrows == 1 ? "" : "s",
            t->truncated ? ", cut at the row limit; raise --max-rows to see more" : "");
    free(w);
}

static void put_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void cli_print_csv(FILE *f, const struct sq_table *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', f);
        put_csv_field(f, t->cols[c].name);
    }
    fputs("\r\n", f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const struct sq_cell *cell = sq_table_cell(t, r, c);
            if (c)
                fputc(',', f);
            if (cell->kind != SQ_CELL_NULL)
                put_csv_field(f, cell->text);
        }
        fputs("\r\n", f);
    }
}
