/*
 * Charts: a Vega-Lite v5 spec for a result table, chosen by the shape: bars for a
 * category and a measure, a line for a time series, grouped bars or a heat map for two
 * dimensions, grouped bars of the two periods of a comparison, a single number for a
 * total. The answer pipeline calls chart_build after a query ran and puts the spec in the
 * answer object; the web page renders it with vega-embed. The data is inlined from the
 * table with the JSON writer of base/json.h; the time axis comes from insights.c.
 */
#include "answer/insights_internal.h"
#include "answer/shape.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/table.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    /* Past 500 rows a bar or line chart is a smear: the table says more, so no chart. */
    CHART_ROW_LIMIT = 500,
    /* The spec's size limit, so that long text cells cannot make it unbounded. */
    CHART_BYTES = 4 << 20,
    /* Grouped bars stay readable up to this many bars and colours; past it, a heat map. */
    GROUPED_MAX_BARS = 60,
    GROUPED_MAX_COLORS = 12,
    /* Horizontal bars once there are many categories or long names. */
    VERTICAL_MAX_BARS = 6,
    VERTICAL_MAX_LABEL = 12,
    PERIOD_BYTES = 96,
};

static const char SCHEMA[] = "https://vega.github.io/schema/vega-lite/v5.json";

enum chart_kind {
    CHART_BAR,
    CHART_LINE,
    CHART_GROUPED,
    CHART_HEATMAP,
    CHART_COMPARE,
    CHART_NUMBER
};

struct chart {
    const struct sq_table *t;
    const struct result_shape *s;
    struct insights__axes ax;
    enum chart_kind kind;
    int m;            /* the measure column */
    int m2;           /* a comparison's other period, or -1 */
    int horizontal;   /* bars along y */
    int temporal;     /* the time axis is drawn as dates */
    int utc;          /* the dates have no time of day: read and show them as UTC */
    char **keys;      /* per column: its name in the data, unique and not empty */
    char *period_key; /* the data name of a made-up period label ("2016-03"), or NULL */
    char *fold_key;   /* comparison: the names the two periods are folded into */
    char *fold_value;
    const char *measure; /* words for the measure */
    struct sq_jw w;
};

static int col_ok(const struct sq_table *t, int col)
{
    return col >= 0 && (size_t)col < t->ncols;
}

static int key_taken(char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i] && strcmp(keys[i], key) == 0)
            return 1;
    return 0;
}

/* base, or "base 2", "base 3", ...: the first that none of keys[0..n) uses. Among n keys
 * one of n + 1 candidates is always free. */
static char *unique_key(char *const *keys, size_t n, const char *base)
{
    if (!key_taken(keys, n, base))
        return xstrdup(base);
    for (size_t i = 2;; i++) {
        char *k = xasprintf("%s %zu", base, i);
        if (!key_taken(keys, n, k))
            return k;
        free(k);
    }
}

/* The period label is made up only where the table has no single column to show. */
static int needs_period_label(const struct chart *ch)
{
    enum insights__time_form f = ch->ax.time.form;
    return f == INSIGHTS__TIME_YEAR_PART || f == INSIGHTS__TIME_PART;
}

/* Data names for the columns, then for the made-up fields (the period label, the folded
 * comparison), each checked against the names before it; keys has ncols + 3 slots.
 * A column keeps its name, except that a backslash becomes "_": Vega-Lite drops escaped
 * backslashes when it derives names (stacks, bins), so such a field could not be drawn.
 * The titles keep the real name. */
static void make_keys(struct chart *ch)
{
    size_t n = ch->t->ncols;
    ch->keys = xcalloc(n + 3, sizeof *ch->keys);
    for (size_t i = 0; i < n; i++) {
        const char *name = ch->t->cols[i].name;
        char *base = xstrdup(name && name[0] ? name : "column");
        for (char *p = base; *p; p++)
            *p = *p == '\\' ? '_' : *p;
        ch->keys[i] = unique_key(ch->keys, i, base);
        free(base);
    }
    if (needs_period_label(ch))
        ch->keys[n] = ch->period_key = unique_key(ch->keys, n, "period");
    if (ch->kind == CHART_COMPARE) {
        ch->keys[n + 1] = ch->fold_key = unique_key(ch->keys, n + 1, "period");
        ch->keys[n + 2] = ch->fold_value = unique_key(ch->keys, n + 2, "value");
    }
}

static void free_keys(struct chart *ch)
{
    for (size_t i = 0; ch->keys && i < ch->t->ncols + 3; i++)
        free(ch->keys[i]);
    free(ch->keys);
}

/* A Vega-Lite field string for a data name: dots and brackets would be read as a path
 * into nested objects, and quotes as a quoted name, so each of . [ ] ' " gets a backslash
 * (and a backslash itself, though make_keys leaves none). */
static char *field_of(const char *key)
{
    size_t n = strlen(key);
    char *f = xmalloc(2 * n + 1), *p = f;
    for (size_t i = 0; i < n; i++) {
        if (strchr(".[]'\"\\", key[i]))
            *p++ = '\\';
        *p++ = key[i];
    }
    *p = '\0';
    return f;
}

/* "order_date" -> "order date", for axis titles. */
static char *words_of(const char *name)
{
    char *s = xstrdup(name);
    for (char *p = s; *p; p++)
        *p = *p == '_' ? ' ' : *p;
    return s;
}

/* ---- Choosing the chart ----------------------------------------------------------- */

/* Columns that name things rather than measure them; the time axis counts once. */
static int dimension_count(const struct chart *ch)
{
    const struct result_shape *s = ch->s;
    int n = 0, time_seen = 0;
    for (size_t i = 0; i < ch->t->ncols; i++) {
        int c = (int)i;
        if (c == ch->m || c == ch->m2 || c == s->growth)
            continue;
        if (insights__is_time_col(&ch->ax.time, c)) {
            n += !time_seen;
            time_seen = 1;
        } else if (!ch->t->cols[i].numeric || c == s->dims[0] || c == s->dims[1]) {
            n++;
        }
    }
    return n;
}

static int has_number(const struct sq_table *t, int col)
{
    for (size_t r = 0; r < t->nrows; r++) {
        const struct sq_cell *c = sq_table_cell(t, r, (size_t)col);
        if (c->kind == SQ_CELL_NUMBER && isfinite(c->num))
            return 1;
    }
    return 0;
}

/* How many different values column col has, counting no further than stop. */
static size_t distinct_upto(const struct sq_table *t, int col, size_t stop)
{
    size_t n = 0;
    for (size_t r = 0; r < t->nrows && n < stop; r++) {
        const char *v = sq_table_cell(t, r, (size_t)col)->text;
        size_t seen = 0;
        for (size_t q = 0; q < r && !seen; q++) {
            const char *u = sq_table_cell(t, q, (size_t)col)->text;
            seen = (u == v) || (u && v && strcmp(u, v) == 0);
        }
        n += !seen;
    }
    return n;
}

static int wants_horizontal(const struct chart *ch)
{
    if (ch->ax.is_time[0])
        return 0;
    if (ch->t->nrows > VERTICAL_MAX_BARS)
        return 1;
    for (size_t r = 0; r < ch->t->nrows; r++) {
        const char *v = sq_table_cell(ch->t, r, (size_t)ch->ax.dim[0])->text;
        if (v && strlen(v) > VERTICAL_MAX_LABEL)
            return 1;
    }
    return 0;
}

/* Decides the chart, or returns 0 when none fits. */
static int plan(struct chart *ch)
{
    const struct sq_table *t = ch->t;
    const struct result_shape *s = ch->s;
    /* Nothing to draw, or too much to draw usefully (see CHART_ROW_LIMIT). */
    if (t->nrows == 0 || t->nrows > CHART_ROW_LIMIT)
        return 0;
    if (!col_ok(t, s->measure) || !t->cols[s->measure].numeric || !has_number(t, s->measure))
        return 0;
    ch->m = s->measure;
    ch->m2 = col_ok(t, s->measure2) && t->cols[s->measure2].numeric && s->measure2 != ch->m
                 ? s->measure2
                 : -1;
    insights__axes(t, s, &ch->ax);
    /* More than two dimensions plus a measure: no chart says it better than the table. */
    if (dimension_count(ch) > 2)
        return 0;
    int time = ch->ax.time.form != INSIGHTS__TIME_NONE;
    int nd = ch->ax.ndims;
    if (s->kind == SHAPE_TOTAL || nd == 0) {
        ch->kind = s->kind == SHAPE_COMPARISON && ch->m2 >= 0 ? CHART_COMPARE : CHART_NUMBER;
        return t->nrows == 1;
    }
    if (s->kind == SHAPE_COMPARISON && ch->m2 >= 0) {
        ch->kind = CHART_COMPARE;
        return nd == 1;
    }
    time = time && (ch->ax.is_time[0] || ch->ax.is_time[1]);
    if (time && (s->kind == SHAPE_TREND || s->kind == SHAPE_COMPARISON)) {
        ch->kind = CHART_LINE;
        ch->temporal = ch->ax.time.form == INSIGHTS__TIME_DATE;
        return 1;
    }
    if (nd == 2) {
        size_t colors = distinct_upto(t, ch->ax.dim[1], GROUPED_MAX_COLORS + 1);
        ch->kind = t->nrows <= GROUPED_MAX_BARS && colors <= GROUPED_MAX_COLORS ? CHART_GROUPED
                                                                                : CHART_HEATMAP;
        return 1;
    }
    ch->kind = CHART_BAR;
    ch->horizontal = wants_horizontal(ch);
    return 1;
}

/* ---- Writing the spec ------------------------------------------------------------- */

static void write_cell(struct sq_jw *w, const struct sq_cell *c)
{
    switch (c->kind) {
    case SQ_CELL_NULL:
        sq_jw_null(w);
        break;
    case SQ_CELL_NUMBER:
        if (sq_json_is_number(c->text))
            sq_jw_num_text(w, c->text);
        else
            sq_jw_double(w, c->num); /* null when not finite */
        break;
    case SQ_CELL_BOOL:
        sq_jw_bool(w, c->text[0] == 't');
        break;
    case SQ_CELL_TEXT:
        sq_jw_str(w, c->text);
        break;
    }
}

static void write_data(struct chart *ch)
{
    struct sq_jw *w = &ch->w;
    size_t rows = ch->kind == CHART_NUMBER ? 1 : ch->t->nrows;
    sq_jw_key(w, "data");
    sq_jw_obj_begin(w);
    sq_jw_key(w, "values");
    sq_jw_arr_begin(w);
    for (size_t r = 0; r < rows; r++) {
        sq_jw_obj_begin(w);
        for (size_t c = 0; c < ch->t->ncols; c++) {
            sq_jw_key(w, ch->keys[c]);
            write_cell(w, sq_table_cell(ch->t, r, c));
        }
        if (ch->period_key) {
            char label[PERIOD_BYTES];
            insights__period_label(ch->t, &ch->ax.time, r, 1, label, sizeof label);
            sq_jw_key(w, ch->period_key);
            sq_jw_str(w, label);
        }
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_obj_end(w);
}

static void write_field(struct chart *ch, const char *key)
{
    char *f = field_of(key);
    sq_jw_key(&ch->w, "field");
    sq_jw_str(&ch->w, f);
    free(f);
}

static void write_title(struct chart *ch, const char *title)
{
    sq_jw_key(&ch->w, "title");
    sq_jw_str(&ch->w, title);
}

/* Vega-Lite's time unit for the grain; dates without a time of day are read as UTC, so
 * the UTC units keep them on their own day in every time zone. */
static const char *time_unit(const struct chart *ch)
{
    static const char *const units[][2] = {
        {"year", "utcyear"},
        {"yearquarter", "utcyearquarter"},
        {"yearmonth", "utcyearmonth"},
        {"yearmonthdate", "utcyearmonthdate"},
    };
    int i;
    switch (ch->ax.time.grain) {
    case GRAIN_YEAR:
        i = 0;
        break;
    case GRAIN_QUARTER:
        i = 1;
        break;
    case GRAIN_MONTH:
        i = 2;
        break;
    case GRAIN_WEEK:
    case GRAIN_DAY:
        i = 3;
        break;
    default:
        return NULL;
    }
    return units[i][ch->utc];
}

/* Bars keep the rows' order (rank order for a top-N); so does a line, whose rows come in
 * time order, unless they were ordered by the measure: then the periods are put back in
 * time order, by their label ("2016-03", "2019 Q3" and years sort as text) or, for month
 * and week names, by their number. */
static void write_sort(struct chart *ch, int is_time)
{
    struct sq_jw *w = &ch->w;
    int reordered = ch->s->descending || ch->s->ascending;
    enum insights__time_form f = ch->ax.time.form;
    sq_jw_key(w, "sort");
    if (!is_time || ch->kind != CHART_LINE || !reordered || f == INSIGHTS__TIME_OTHER) {
        sq_jw_null(w);
    } else if (f == INSIGHTS__TIME_PART) {
        sq_jw_obj_begin(w);
        write_field(ch, ch->keys[ch->ax.time.part_col]);
        sq_jw_key(w, "op");
        sq_jw_str(w, "min");
        sq_jw_obj_end(w);
    } else {
        sq_jw_str(w, "ascending");
    }
}

/* An encoding channel for a dimension: the time axis or a category, in row order. */
static void write_dim_channel(struct chart *ch, const char *channel, int i, int with_title)
{
    struct sq_jw *w = &ch->w;
    int col = ch->ax.dim[i];
    int is_time = ch->ax.is_time[i];
    sq_jw_key(w, channel);
    sq_jw_obj_begin(w);
    write_field(ch, is_time && needs_period_label(ch) ? ch->period_key : ch->keys[col]);
    if (is_time && ch->temporal) {
        sq_jw_key(w, "type");
        sq_jw_str(w, "temporal");
        const char *unit = time_unit(ch);
        if (unit) {
            sq_jw_key(w, "timeUnit");
            sq_jw_str(w, unit);
        }
    } else {
        sq_jw_key(w, "type");
        sq_jw_str(w, is_time ? "ordinal" : "nominal");
        write_sort(ch, is_time);
    }
    if (with_title) {
        char *title = words_of(ch->t->cols[col].name);
        write_title(ch, title);
        free(title);
    }
    sq_jw_obj_end(w);
}

static void write_measure_channel(struct chart *ch, const char *channel, const char *key)
{
    struct sq_jw *w = &ch->w;
    sq_jw_key(w, channel);
    sq_jw_obj_begin(w);
    write_field(ch, key);
    sq_jw_key(w, "type");
    sq_jw_str(w, "quantitative");
    int pct = ch->s->unit && strcmp(ch->s->unit, "%") == 0;
    char *title = xasprintf("%s%s", ch->measure, pct ? " (%)" : "");
    write_title(ch, title);
    free(title);
    sq_jw_obj_end(w);
}

static void write_tooltip_entry(struct chart *ch, const char *key, const char *title,
                                const char *type, const char *format, const char *unit)
{
    struct sq_jw *w = &ch->w;
    sq_jw_obj_begin(w);
    write_field(ch, key);
    sq_jw_key(w, "type");
    sq_jw_str(w, type);
    if (unit) {
        sq_jw_key(w, "timeUnit");
        sq_jw_str(w, unit);
    }
    if (format) {
        sq_jw_key(w, "format");
        sq_jw_str(w, format);
    }
    write_title(ch, title);
    sq_jw_obj_end(w);
}

/* Every column of the table, as it is, in the tooltip. */
static void write_tooltip(struct chart *ch)
{
    struct sq_jw *w = &ch->w;
    sq_jw_key(w, "tooltip");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < ch->t->ncols; i++) {
        int c = (int)i;
        int is_time = insights__is_time_col(&ch->ax.time, c);
        const char *name = ch->t->cols[i].name;
        if (is_time && ch->temporal && c == ch->ax.time.col)
            write_tooltip_entry(ch, ch->keys[i], name, "temporal", NULL, time_unit(ch));
        else if (ch->t->cols[i].numeric && !is_time)
            write_tooltip_entry(ch, ch->keys[i], name, "quantitative", ",.2~f", NULL);
        else
            write_tooltip_entry(ch, ch->keys[i], name, "nominal", NULL, NULL);
    }
    if (ch->kind == CHART_COMPARE) {
        write_tooltip_entry(ch, ch->fold_key, "period", "nominal", NULL, NULL);
        write_tooltip_entry(ch, ch->fold_value, ch->measure, "quantitative", ",.2~f", NULL);
    }
    sq_jw_arr_end(w);
}

static void write_mark(struct chart *ch, const char *type)
{
    struct sq_jw *w = &ch->w;
    sq_jw_key(w, "mark");
    sq_jw_obj_begin(w);
    sq_jw_key(w, "type");
    sq_jw_str(w, type);
    if (ch->kind == CHART_LINE) {
        sq_jw_key(w, "point");
        sq_jw_bool(w, 1);
    }
    if (ch->kind == CHART_NUMBER) {
        sq_jw_key(w, "fontSize");
        sq_jw_int(w, 40);
    }
    sq_jw_key(w, "tooltip");
    sq_jw_bool(w, 1);
    sq_jw_obj_end(w);
}

static void write_bar(struct chart *ch)
{
    write_mark(ch, "bar");
    sq_jw_key(&ch->w, "encoding");
    sq_jw_obj_begin(&ch->w);
    write_dim_channel(ch, ch->horizontal ? "y" : "x", 0, 1);
    write_measure_channel(ch, ch->horizontal ? "x" : "y", ch->keys[ch->m]);
    write_tooltip(ch);
    sq_jw_obj_end(&ch->w);
}

static void write_line(struct chart *ch)
{
    int time = ch->ax.is_time[0] ? 0 : 1;
    write_mark(ch, "line");
    sq_jw_key(&ch->w, "encoding");
    sq_jw_obj_begin(&ch->w);
    write_dim_channel(ch, "x", time, 1);
    write_measure_channel(ch, "y", ch->keys[ch->m]);
    if (ch->ax.ndims == 2)
        write_dim_channel(ch, "color", 1 - time, 1);
    write_tooltip(ch);
    sq_jw_obj_end(&ch->w);
}

static void write_grouped(struct chart *ch)
{
    write_mark(ch, "bar");
    sq_jw_key(&ch->w, "encoding");
    sq_jw_obj_begin(&ch->w);
    write_dim_channel(ch, "x", 0, 1);
    write_dim_channel(ch, "xOffset", 1, 0);
    write_measure_channel(ch, "y", ch->keys[ch->m]);
    write_dim_channel(ch, "color", 1, 1);
    write_tooltip(ch);
    sq_jw_obj_end(&ch->w);
}

static void write_heatmap(struct chart *ch)
{
    write_mark(ch, "rect");
    sq_jw_key(&ch->w, "encoding");
    sq_jw_obj_begin(&ch->w);
    write_dim_channel(ch, "x", 1, 1);
    write_dim_channel(ch, "y", 0, 1);
    write_measure_channel(ch, "color", ch->keys[ch->m]);
    write_tooltip(ch);
    sq_jw_obj_end(&ch->w);
}

/* The two period columns folded into (period, value) rows. */
static void write_fold(struct chart *ch)
{
    struct sq_jw *w = &ch->w;
    int a = ch->m < ch->m2 ? ch->m : ch->m2, b = ch->m < ch->m2 ? ch->m2 : ch->m;
    sq_jw_key(w, "transform");
    sq_jw_arr_begin(w);
    sq_jw_obj_begin(w);
    sq_jw_key(w, "fold");
    sq_jw_arr_begin(w);
    char *fa = field_of(ch->keys[a]), *fb = field_of(ch->keys[b]);
    sq_jw_str(w, fa);
    sq_jw_str(w, fb);
    free(fa);
    free(fb);
    sq_jw_arr_end(w);
    sq_jw_key(w, "as");
    sq_jw_arr_begin(w);
    sq_jw_str(w, ch->fold_key);
    sq_jw_str(w, ch->fold_value);
    sq_jw_arr_end(w);
    sq_jw_obj_end(w);
    sq_jw_arr_end(w);
}

/* A period's bars side by side per category (or the two bars alone for a total). */
static void write_compare(struct chart *ch)
{
    struct sq_jw *w = &ch->w;
    write_fold(ch);
    write_mark(ch, "bar");
    sq_jw_key(w, "encoding");
    sq_jw_obj_begin(w);
    if (ch->ax.ndims == 1) {
        write_dim_channel(ch, "x", 0, 1);
        sq_jw_key(w, "xOffset");
        sq_jw_obj_begin(w);
        write_field(ch, ch->fold_key);
        sq_jw_key(w, "type");
        sq_jw_str(w, "nominal");
        sq_jw_key(w, "sort");
        sq_jw_null(w);
        sq_jw_obj_end(w);
    }
    sq_jw_key(w, ch->ax.ndims == 1 ? "color" : "x");
    sq_jw_obj_begin(w);
    write_field(ch, ch->fold_key);
    sq_jw_key(w, "type");
    sq_jw_str(w, "nominal");
    sq_jw_key(w, "sort");
    sq_jw_null(w);
    write_title(ch, "period");
    sq_jw_obj_end(w);
    write_measure_channel(ch, "y", ch->fold_value);
    write_tooltip(ch);
    sq_jw_obj_end(w);
}

static void write_number(struct chart *ch)
{
    struct sq_jw *w = &ch->w;
    const struct sq_cell *c = sq_table_cell(ch->t, 0, (size_t)ch->m);
    write_mark(ch, "text");
    sq_jw_key(w, "encoding");
    sq_jw_obj_begin(w);
    sq_jw_key(w, "text");
    sq_jw_obj_begin(w);
    write_field(ch, ch->keys[ch->m]);
    sq_jw_key(w, "type");
    sq_jw_str(w, "quantitative");
    sq_jw_key(w, "format");
    sq_jw_str(w, c->kind == SQ_CELL_NUMBER && fabs(c->num) >= 1000 ? ",.0f" : ",.2~f");
    sq_jw_obj_end(w);
    write_tooltip(ch);
    sq_jw_obj_end(w);
}

/* "Total sales by region": the measure, then the dimensions. */
static char *chart_title(const struct chart *ch)
{
    struct sq_buf b;
    sq_buf_init(&b, 512);
    sq_buf_puts(&b, ch->measure);
    if (b.data && islower((unsigned char)b.data[0]))
        b.data[0] = (char)toupper((unsigned char)b.data[0]);
    for (int i = 0; i < ch->ax.ndims && ch->kind != CHART_NUMBER; i++) {
        char *words = words_of(ch->t->cols[ch->ax.dim[i]].name);
        sq_buf_printf(&b, "%s%s", i == 0 ? " by " : " and ", words);
        free(words);
    }
    return sq_buf_steal(&b);
}

/* Dates written as "2016-03-01" carry no time of day. */
static int dates_only(const struct sq_table *t, int col)
{
    for (size_t r = 0; r < t->nrows; r++) {
        const char *v = sq_table_cell(t, r, (size_t)col)->text;
        if (v && strlen(v) > 10)
            return 0;
    }
    return 1;
}

static void write_spec(struct chart *ch)
{
    struct sq_jw *w = &ch->w;
    sq_jw_obj_begin(w);
    sq_jw_key(w, "$schema");
    sq_jw_str(w, SCHEMA);
    char *title = chart_title(ch);
    write_title(ch, title);
    free(title);
    sq_jw_key(w, "width");
    sq_jw_str(w, "container");
    write_data(ch);
    switch (ch->kind) {
    case CHART_BAR:
        write_bar(ch);
        break;
    case CHART_LINE:
        write_line(ch);
        break;
    case CHART_GROUPED:
        write_grouped(ch);
        break;
    case CHART_HEATMAP:
        write_heatmap(ch);
        break;
    case CHART_COMPARE:
        write_compare(ch);
        break;
    case CHART_NUMBER:
        write_number(ch);
        break;
    }
    sq_jw_obj_end(w);
}

char *chart_build(const struct sq_table *t, const struct result_shape *s)
{
    if (!t || !s)
        return NULL;
    struct chart ch;
    memset(&ch, 0, sizeof ch);
    ch.t = t;
    ch.s = s;
    if (!plan(&ch))
        return NULL;
    ch.utc = ch.temporal && dates_only(t, ch.ax.time.col);
    char words[SHAPE_LABEL_MAX];
    insights__measure_words(t, s, words, sizeof words);
    ch.measure = words;
    make_keys(&ch);
    struct sq_buf b;
    sq_buf_init(&b, CHART_BYTES);
    sq_jw_init(&ch.w, &b, 0);
    write_spec(&ch);
    free_keys(&ch);
    if (ch.w.err) {
        sq_buf_fini(&b);
        return NULL;
    }
    return sq_buf_steal(&b);
}
