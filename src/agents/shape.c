/*
 * The shape of a result that model-written SQL produced (see base/shape.h): which columns
 * are dimensions and which the measure, whether the first dimension is a time axis, how
 * the rows are ordered and cut. Fast mode knows this from its frame; here it is read from
 * the result's column types and names and the SQL's last ORDER BY and LIMIT, so that the
 * same insights and charts (answer/) can describe deep answers. Called by agents.c.
 */
#include "agents/internal.h"

#include "base/limits.h"
#include "base/table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Columns of each kind (dimensions, measures) a shape is read from; later ones are not
 * looked at. */
enum { MAX_SHAPE_COLUMNS = 8 };

static int has_word(const char *name, const char *word)
{
    return strcasestr(name, word) != NULL;
}

static int is_time(const struct sq_column *c)
{
    if (strncmp(c->type, "DATE", 4) == 0 || strncmp(c->type, "TIMESTAMP", 9) == 0)
        return 1;
    static const char *const words[] = {"year", "quarter", "month", "week",
                                        "date", "period",  "day"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (has_word(c->name, words[i]))
            return 1;
    return 0;
}

static enum shape_grain grain_of(const struct sq_column *c)
{
    if (has_word(c->name, "month"))
        return GRAIN_MONTH;
    if (has_word(c->name, "quarter"))
        return GRAIN_QUARTER;
    if (has_word(c->name, "week"))
        return GRAIN_WEEK;
    if (has_word(c->name, "year"))
        return GRAIN_YEAR;
    return GRAIN_DAY;
}

/* The last top-level-looking "ORDER BY x [DESC]" and "LIMIT n" of the SQL. */
static void read_order(const char *sql, char *col, size_t size, int *desc, size_t *limit)
{
    col[0] = '\0';
    *desc = 0;
    *limit = 0;
    const char *order = NULL;
    for (const char *p = sql; (p = strcasestr(p, "order by")) != NULL; p += 8)
        order = p;
    if (order) {
        const char *p = order + 8;
        while (isspace((unsigned char)*p))
            p++;
        size_t n = 0;
        const char *start = p;
        while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '"'))
            p++;
        /* "b.profit" -> "profit"; quotes dropped. */
        const char *dot = NULL;
        for (const char *q = start; q < p; q++)
            if (*q == '.')
                dot = q;
        if (dot)
            start = dot + 1;
        for (const char *q = start; q < p && n + 1 < size; q++)
            if (*q != '"')
                col[n++] = *q;
        col[n] = '\0';
        while (isspace((unsigned char)*p))
            p++;
        *desc = strncasecmp(p, "desc", 4) == 0;
    }
    const char *lim = NULL;
    for (const char *p = sql; (p = strcasestr(p, "limit")) != NULL; p += 5)
        lim = p;
    if (lim) {
        char *end;
        long v = strtol(lim + 5, &end, 10);
        if (end != lim + 5 && v > 0)
            *limit = (size_t)v;
    }
}

void agents__infer_shape(const struct sq_table *t, const char *sql, struct result_shape *s,
                         char *label, size_t size)
{
    memset(s, 0, sizeof *s);
    s->dims[0] = s->dims[1] = -1;
    s->time_dim = s->measure = s->measure2 = s->growth = -1;
    s->unit = "";
    label[0] = '\0';
    s->kind = SHAPE_TABLE;
    int dims[MAX_SHAPE_COLUMNS], ndims = 0, measures[MAX_SHAPE_COLUMNS], nmeasures = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        const struct sq_column *col = &t->cols[c];
        size_t n = strlen(col->name);
        int id = n >= 3 && strcasecmp(col->name + n - 3, "_id") == 0;
        if (!col->numeric || is_time(col) || id) {
            if (ndims < MAX_SHAPE_COLUMNS)
                dims[ndims++] = (int)c;
        } else if (nmeasures < MAX_SHAPE_COLUMNS) {
            measures[nmeasures++] = (int)c;
        }
    }
    if (nmeasures == 0 || ndims > 2)
        return;
    char ordered[SQ_NAME_MAX];
    int desc;
    size_t limit;
    read_order(sql ? sql : "", ordered, sizeof ordered, &desc, &limit);
    s->measure = measures[0];
    int by_measure = 0;
    /* ORDER BY 2: the second column. */
    long pos = isdigit((unsigned char)ordered[0]) ? strtol(ordered, NULL, 10) : 0;
    for (int k = 0; k < nmeasures; k++) {
        if ((ordered[0] && strcasecmp(t->cols[measures[k]].name, ordered) == 0) ||
            pos == measures[k] + 1) {
            s->measure = measures[k];
            by_measure = 1;
        }
    }
    const char *mname = t->cols[s->measure].name;
    snprintf(label, size, "%s", mname);
    for (char *p = label; *p; p++)
        if (*p == '_')
            *p = ' ';
    s->measure_label = label;
    if (has_word(mname, "pct") || has_word(mname, "percent") || has_word(mname, "share"))
        s->unit = "%";
    if (ndims == 0) {
        s->kind = t->nrows <= 1 ? SHAPE_TOTAL : SHAPE_TABLE;
        return;
    }
    s->dims[0] = dims[0];
    s->dims[1] = ndims > 1 ? dims[1] : -1;
    if (is_time(&t->cols[dims[0]])) {
        s->kind = SHAPE_TREND;
        s->time_dim = dims[0];
        s->grain = grain_of(&t->cols[dims[0]]);
        return;
    }
    s->descending = by_measure && desc;
    s->ascending = by_measure && !desc;
    if (by_measure && limit && t->nrows <= limit) {
        s->kind = SHAPE_TOP;
        s->limit = limit;
    } else {
        s->kind = SHAPE_BREAKDOWN;
    }
}
