/*
 * Judging what the model produced, without the model: sanity checks on a result (empty
 * when it should not be, shares that do not sum to 100%) that send a draft back for
 * repair, and the number check on model-written sentences (insights, and the draft's
 * assumptions): every number in a sentence must appear in the result or follow from it,
 * or restate the question or the SQL, or the sentence is dropped. Called by agents.c and
 * narrate.c.
 */
#include "agents/internal.h"

#include "base/limits.h"
#include "base/table.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    MAX_NUMS = 32,
    NUM_WRITTEN_MAX = 40, /* a number as a sentence writes it ("$1,234.5k"); longer is cut */
    SCAN_ROWS = 200,      /* rows whose cells are candidates */
    PAIR_ROWS = 60,       /* rows whose pairs (differences, ratios, growth) are candidates */
};

static int word_in(const char *text, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if (strcasestr(text, words[i]))
            return 1;
    return 0;
}

static int has_limit(const char *sql)
{
    for (const char *p = sql; (p = strcasestr(p, "limit")) != NULL; p += 5) {
        int before = p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = !(isalnum((unsigned char)p[5]) || p[5] == '_');
        if (before && after)
            return 1;
    }
    return 0;
}

/* 1 when sum is unit (100% or 1) within 0.5%, or k units for k groups of at least two
 * rows each (shares taken within groups). */
static int sums_to_whole(double sum, double unit, size_t nrows)
{
    double k = round(sum / unit);
    if (k < 1 || (k > 1 && k > (double)nrows / 2))
        return 0;
    return fabs(sum - unit * k) <= 0.005 * unit * k;
}

int agents__sanity(const struct sq_table *t, const char *question, const char *sql, char *why,
                   size_t size)
{
    why[0] = '\0';
    int all_null = t->nrows == 1;
    for (size_t c = 0; all_null && c < t->ncols; c++)
        all_null = sq_table_cell(t, 0, c)->kind == SQ_CELL_NULL;
    if (t->nrows == 0 || all_null) {
        snprintf(why, size,
                 "the query returned %s. If that is not the answer, check the filter values "
                 "against the examples (text is case-sensitive) and the date range",
                 t->nrows ? "only NULL" : "no rows");
        return AGENTS__EMPTY;
    }
    /* A share column of a whole breakdown (no LIMIT, not cut) must sum to 100% (or to 1,
     * or to 100% per group when shares are taken within groups). */
    static const char *const share_words[] = {"share", "pct", "percent", "proportion", NULL};
    if (t->nrows < 2 || t->truncated || has_limit(sql))
        return AGENTS__SANE;
    for (size_t c = 0; c < t->ncols; c++) {
        if (!t->cols[c].numeric || !word_in(t->cols[c].name, share_words))
            continue;
        if (!word_in(question, share_words) && !strchr(question, '%'))
            continue;
        double sum = 0;
        int negative = 0;
        for (size_t r = 0; r < t->nrows; r++) {
            const struct sq_cell *cell = sq_table_cell(t, r, c);
            if (cell->kind != SQ_CELL_NUMBER)
                continue;
            sum += cell->num;
            negative |= cell->num < 0;
        }
        if (negative)
            continue;
        if (sums_to_whole(sum, 100, t->nrows) || sums_to_whole(sum, 1, t->nrows))
            continue;
        snprintf(why, size,
                 "the shares in column %s sum to %.4g, not 100%%; compute each share as 100 * "
                 "part / whole over the same rows",
                 t->cols[c].name, sum);
        return AGENTS__SHARE;
    }
    return AGENTS__SANE;
}

/* ---- Numbers in sentences ---------------------------------------------------------------- */

struct num {
    double value; /* as written, scaled (5.2k -> 5200), sign dropped */
    double tol;   /* how far the true value may be from it, given how it was rounded */
    int percent;
    char text[NUM_WRITTEN_MAX];
};

static int word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Numbers as a reader sees them: "1,234.5", "$5.2k", "12%", "1.14x", "3 million". Labels
 * are skipped: digits glued to letters ("Q3", "FY2017", "3rd", "H1"), dates and times
 * ("2016-03-01", "10:30"). With labels = 1 every digit run counts (for the numbers of
 * questions, SQL and text cells). */
static size_t scan_numbers(const char *s, struct num *out, size_t max, int labels)
{
    size_t n = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len && n < max;) {
        if (!isdigit((unsigned char)s[i]) &&
            !(s[i] == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]) &&
              (i == 0 || !isdigit((unsigned char)s[i - 1])))) {
            i++;
            continue;
        }
        size_t start = i;
        int glued = start > 0 && (isalpha((unsigned char)s[start - 1]) || s[start - 1] == '_');
        char digits[NUM_WRITTEN_MAX];
        size_t d = 0;
        int decimals = -1;
        int sig_int = 0;
        while (i < len) {
            char c = s[i];
            if (isdigit((unsigned char)c)) {
                if (d < sizeof digits - 1)
                    digits[d++] = c;
                if (decimals >= 0)
                    decimals++;
                i++;
            } else if (c == ',' && decimals < 0 && i + 3 < len &&
                       isdigit((unsigned char)s[i + 1]) && isdigit((unsigned char)s[i + 2]) &&
                       isdigit((unsigned char)s[i + 3]) &&
                       (i + 4 >= len || !isdigit((unsigned char)s[i + 4]))) {
                i++;
            } else if (c == '.' && decimals < 0 && i + 1 < len &&
                       isdigit((unsigned char)s[i + 1])) {
                if (d < sizeof digits - 1)
                    digits[d++] = '.';
                decimals = 0;
                i++;
            } else {
                break;
            }
        }
        digits[d] = '\0';
        /* Dates, times, ranges written with '-', '/' or ':' between digits: labels. */
        int date_like = i < len && (s[i] == '-' || s[i] == '/' || s[i] == ':') && i + 1 < len &&
                        isdigit((unsigned char)s[i + 1]);
        date_like |= start > 0 &&
                     (s[start - 1] == '-' || s[start - 1] == '/' || s[start - 1] == ':') &&
                     start > 1 && isdigit((unsigned char)s[start - 2]);
        double v = strtod(digits, NULL);
        double scale = 1;
        int percent = 0, glued_after = 0;
        size_t j = i;
        if (j < len && s[j] == '%') {
            percent = 1;
            j++;
        } else if (j < len && strchr("kKmMbB", s[j]) && (j + 1 >= len || !word_char(s[j + 1]))) {
            scale = strchr("kK", s[j]) ? 1e3 : strchr("mM", s[j]) ? 1e6 : 1e9;
            j++;
        } else if (j + 1 < len && s[j] == 'b' && s[j + 1] == 'n' &&
                   (j + 2 >= len || !word_char(s[j + 2]))) {
            scale = 1e9;
            j += 2;
        } else if (j < len && (s[j] == 'x' || s[j] == 'X') &&
                   (j + 1 >= len || !word_char(s[j + 1]))) {
            j++;
        } else if (j < len && isalpha((unsigned char)s[j])) {
            glued_after = 1; /* "3rd", "2nd", "4WD" */
        } else {
            static const struct {
                const char *w;
                double scale;
            } words[] = {{" thousand", 1e3}, {" million", 1e6}, {" billion", 1e9}};
            for (size_t k = 0; k < 3; k++) {
                size_t wl = strlen(words[k].w);
                if (strncasecmp(s + j, words[k].w, wl) == 0 && !word_char(s[j + wl])) {
                    scale = words[k].scale;
                    j += wl;
                    break;
                }
            }
        }
        i = j > i ? j : i;
        if (!labels && (glued || glued_after || date_like))
            continue;
        /* How it was rounded: to its decimals, or (a round number like 50,700 or 2.5k) to
         * its significant digits. */
        double tol = 0.5 * pow(10, -(decimals > 0 ? decimals : 0)) * scale;
        if (decimals <= 0) {
            const char *p = digits;
            while (*p == '0')
                p++;
            size_t digs = strcspn(p, ".");
            size_t trailing = 0;
            while (trailing < digs && p[digs - 1 - trailing] == '0')
                trailing++;
            sig_int = (int)(digs - trailing);
            if (trailing > 0 && sig_int >= 2)
                tol = 0.5 * pow(10, (double)trailing) * scale;
        }
        struct num *o = &out[n++];
        o->value = v * scale;
        o->tol = tol + 1e-9 * o->value;
        o->percent = percent;
        size_t written = j - start < NUM_WRITTEN_MAX - 1 ? j - start : NUM_WRITTEN_MAX - 1;
        snprintf(o->text, sizeof o->text, "%.*s", (int)written, s + start);
    }
    return n;
}

static int near(const struct num *n, double v)
{
    v = fabs(v);
    if (fabs(n->value - v) <= n->tol)
        return 1;
    /* A share written as a percentage of a fraction column (0.25 -> 25%). */
    return n->percent && fabs(n->value - v * 100) <= n->tol;
}

static int cell_num(const struct sq_table *t, size_t r, size_t c, double *v)
{
    const struct sq_cell *cell = sq_table_cell(t, r, c);
    if (cell->kind != SQ_CELL_NUMBER || !isfinite(cell->num))
        return 0;
    *v = cell->num;
    return 1;
}

/* 1 when n is a cell, or a total, mean, extreme, difference, ratio, share or growth of
 * the result's numbers. */
static int derived(const struct num *n, const struct sq_table *t)
{
    size_t rows = t->nrows < SCAN_ROWS ? t->nrows : SCAN_ROWS;
    size_t pairs = t->nrows < PAIR_ROWS ? t->nrows : PAIR_ROWS;
    if (near(n, (double)t->nrows))
        return 1;
    for (size_t c = 0; c < t->ncols; c++) {
        if (!t->cols[c].numeric)
            continue;
        double sum = 0, v, w;
        size_t cnt = 0;
        for (size_t r = 0; r < rows; r++) {
            if (!cell_num(t, r, c, &v))
                continue;
            if (near(n, v))
                return 1;
            sum += v;
            cnt++;
        }
        if (!cnt)
            continue;
        if (near(n, sum) || near(n, sum / (double)cnt))
            return 1;
        for (size_t a = 0; a < pairs; a++) {
            if (!cell_num(t, a, c, &v))
                continue;
            if (sum != 0 && near(n, 100 * v / sum))
                return 1;
            for (size_t b = 0; b < pairs; b++) {
                if (a == b || !cell_num(t, b, c, &w))
                    continue;
                if (near(n, v - w) || (w != 0 && (near(n, v / w) || near(n, 100 * (v - w) / w))))
                    return 1;
            }
            /* Across columns of the same row: two periods, a part and its whole. */
            for (size_t c2 = 0; c2 < t->ncols; c2++) {
                if (c2 == c || !t->cols[c2].numeric || !cell_num(t, a, c2, &w))
                    continue;
                if (near(n, v - w) || (w != 0 && (near(n, v / w) || near(n, 100 * (v - w) / w))))
                    return 1;
            }
        }
    }
    return 0;
}

/* 1 when n is written in text. A percentage also matches a fraction there (a number with
 * decimals, so that "LIMIT 1" does not vouch for "100%"): SQL holds shares and rates as
 * fractions, and a sentence restating "discount <= 0.2" says 20%. */
static int mentioned(const struct num *n, const char *text)
{
    if (!text)
        return 0;
    struct num found[MAX_NUMS];
    size_t k = scan_numbers(text, found, MAX_NUMS, 1);
    for (size_t i = 0; i < k; i++)
        if (fabs(found[i].value - n->value) <= n->tol ||
            (n->percent && !found[i].percent && found[i].value != floor(found[i].value) &&
             fabs(found[i].value * 100 - n->value) <= n->tol))
            return 1;
    return 0;
}

/* Numbers inside the result's text cells and column names ("2016-Q3", "sales_2017"). */
static int in_labels(const struct num *n, const struct sq_table *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        char name[SQ_NAME_MAX];
        snprintf(name, sizeof name, "%s", t->cols[c].name);
        for (char *p = name; *p; p++)
            if (*p == '_')
                *p = ' ';
        if (mentioned(n, name))
            return 1;
        if (t->cols[c].numeric)
            continue;
        size_t rows = t->nrows < SCAN_ROWS ? t->nrows : SCAN_ROWS;
        for (size_t r = 0; r < rows; r++) {
            const struct sq_cell *cell = sq_table_cell(t, r, c);
            if (cell->kind == SQ_CELL_TEXT && mentioned(n, cell->text))
                return 1;
        }
    }
    return 0;
}

int agents__numbers_ok(const char *sentence, const struct sq_table *t, const char *question,
                       const char *sql, char *why, size_t size)
{
    struct num nums[MAX_NUMS];
    size_t k = scan_numbers(sentence, nums, MAX_NUMS, 0);
    why[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        const struct num *n = &nums[i];
        int small = n->value <= 10 && n->value == floor(n->value) && !n->percent;
        if (small || mentioned(n, question) || mentioned(n, sql) || in_labels(n, t) ||
            derived(n, t))
            continue;
        snprintf(why, size, "%s is not in the result and does not follow from it", n->text);
        return 0;
    }
    return 1;
}
