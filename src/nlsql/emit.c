/*
 * From a frame to DuckDB SQL, an interpretation sentence and a result shape (see
 * nlsql/nlsql.h). Both texts are written from the same frame, so what the user reads is
 * what ran. Joins follow the schema's join paths from the fact mart; time windows are
 * half-open date ranges, which DuckDB can prune on at any data size.
 */
#include "nlsql/nlsql.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/mem.h"
#include "lexicon/lexicon.h"
#include "nlsql/internal.h"
#include "schema/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The names the emitter gives what it selects and joins. Output names are cut on purpose
 * where they are made (measure_alias's %.60s), so each buffer holds what is written into it
 * whole, and a name cut short is cut the same way wherever it is used. */
enum {
    MAX_ALIASES = NL_MAX_MARTS, /* every mart read has an alias; nl_answer lists them */
    MART_ALIAS_MAX = 8,         /* "f", "j1" .. "j7" */
    TIME_ALIAS_MAX = 16,        /* "year", "quarter", "month", "week", "day" */
    ALIAS_MAX = SQ_NAME_MAX,    /* a measure's output name: "sales", "avg_discount" */
    PERIOD_ALIAS_MAX = 200,     /* ... for one period: "%.100s_%.60s", "sales_2016" */
    MEASURE_ALIAS_MAX = 256,    /* the main measure's, renamed by an outer query */
    WORDS_MAX = SQ_NAME_MAX,    /* a column name in words: "order date" */
};
_Static_assert(ALIAS_MAX + sizeof "_share_pct" <= MEASURE_ALIAS_MAX &&
                   PERIOD_ALIAS_MAX <= MEASURE_ALIAS_MAX && ALIAS_MAX <= PERIOD_ALIAS_MAX,
               "the main measure's name is a measure's or a period's, and a change's columns too");

_Static_assert((int)NL_JOINS_MAX == (int)MAX_ALIASES, "every mart joined has an alias");

struct emit {
    const struct lx_lexicon *lx;
    const struct schema *s;
    const struct nl_frame *f;
    struct nl_answer *out;
    struct nl_joins j; /* mart[0] is the fact */
    char aliases[MAX_ALIASES][MART_ALIAS_MAX];
    struct sq_buf sel, from, where, group, order;
    int ncols;       /* output columns so far */
    int measure_col; /* output index of the main measure */
    char measure_alias[MEASURE_ALIAS_MAX];
    char time_alias[2][TIME_ALIAS_MAX];
    int ntime;
    char change_from[PERIOD_ALIAS_MAX]; /* comparison: the columns a change_pct is computed from */
    char change_to[PERIOD_ALIAS_MAX];
    struct sq_buf partition;   /* the non-time dimensions a change over time is taken within */
    struct sq_buf cycle_order; /* a weekday or month-of-year in calendar order */
    int first_cycle;           /* the NL_CYCLE_* of the first such dimension, or 0 */
    /* Each dimension's output column(s), for an outer query: a column's name as SQL, whole
     * (a name cut short would be another name). */
    struct sq_buf dim_names[NL_MAX_DIMS];
    size_t ndim_done; /* the dimension being written */
};

/* A buffer's text, "" while it is empty. */
static const char *text(const struct sq_buf *b)
{
    return b->data ? b->data : "";
}

/* Registers a mart (and the path to it) and returns its alias index, or -1 if it cannot
 * be reached from the fact. */
static int need_mart(struct emit *e, const struct schema_mart *m)
{
    size_t before = e->j.n;
    int at = nl__joins_need(e->s, &e->j, m);
    for (size_t i = before; i < e->j.n; i++)
        snprintf(e->aliases[i], sizeof e->aliases[i], "j%d", (int)(i % NL_JOINS_MAX)); /* i < MAX */
    return at;
}

/* A column name as SQL: plain snake_case names need no quotes, and quoting them only
 * makes SQL harder to read. */
void nl__put_ident(struct sq_buf *b, const char *name)
{
    int plain = !isdigit((unsigned char)name[0]);
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            plain = 0;
    static const char *const reserved[] = {
        "order", "group", "select", "from", "where", "date",  "year", "month", "day", "user",
        "end",   "case",  "desc",   "asc",  "limit", "table", "to",   "by",    NULL};
    for (int r = 0; reserved[r]; r++)
        if (strcmp(name, reserved[r]) == 0)
            plain = 0;
    if (plain) {
        sq_buf_puts(b, name);
        return;
    }
    char *q = sq_quote_ident(name);
    sq_buf_puts(b, q);
    free(q);
}

void nl__put_period(struct sq_buf *b, const char *column, const struct nl_period *p)
{
    nl__put_ident(b, column);
    sq_buf_printf(b, " >= DATE '%04d-%02d-%02d' AND ", p->from.y, p->from.m, p->from.d);
    nl__put_ident(b, column);
    sq_buf_printf(b, " < DATE '%04d-%02d-%02d'", p->to.y, p->to.m, p->to.d);
}

void nl__put_key_literal(struct sq_buf *b, const char *text, int fold)
{
    if (!fold) {
        sq_buf_put_literal(b, text);
        return;
    }
    char *low = xstrdup(text);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    sq_buf_put_literal(b, low);
    free(low);
}

/* 1 if h is "none of them": a count that must be zero ("no orders", "never sold"). */
static int having_none(const struct nl_having *h)
{
    return (h->m.agg == NL_AGG_COUNT_ROWS || h->m.agg == NL_AGG_COUNT_DISTINCT) &&
           h->op == NL_CMP_EQ && h->number == 0;
}

static void put_col(struct emit *e, struct sq_buf *b, const struct schema_mart *m,
                    const struct schema_column *col)
{
    int i = need_mart(e, m);
    if (e->j.n > 1 || i > 0) {
        sq_buf_printf(b, "%s.", e->aliases[i < 0 ? 0 : i]);
    }
    nl__put_ident(b, col->name);
}

static void put_date(struct emit *e, struct sq_buf *b)
{
    put_col(e, b, e->f->date_mart ? e->f->date_mart : e->f->fact, e->f->date);
}

static void put_range(struct emit *e, struct sq_buf *b, const struct nl_period *p)
{
    put_date(e, b);
    sq_buf_printf(b, " >= DATE '%04d-%02d-%02d' AND ", p->from.y, p->from.m, p->from.d);
    put_date(e, b);
    sq_buf_printf(b, " < DATE '%04d-%02d-%02d'", p->to.y, p->to.m, p->to.d);
}

/* A computed measure's expression, its m."x" and j."y" columns on the aliases of its
 * marts (none when the query reads one mart). */
static void put_expr(struct emit *e, struct sq_buf *b, const struct nl_measure *m)
{
    int mi = need_mart(e, m->mart);
    int ji = m->link_mart ? need_mart(e, m->link_mart) : -1;
    const char *x = m->metric_sql;
    for (size_t i = 0; x[i]; i++) {
        int start = i == 0 || !(isalnum((unsigned char)x[i - 1]) || x[i - 1] == '_' ||
                                x[i - 1] == '"' || x[i - 1] == '.');
        if (start && (x[i] == 'm' || x[i] == 'j') && x[i + 1] == '.' && x[i + 2] == '"') {
            int a = x[i] == 'm' ? mi : ji;
            if (e->j.n > 1 || a > 0)
                sq_buf_printf(b, "%s.", e->aliases[a < 0 ? 0 : a]);
            i++;
            continue;
        }
        sq_buf_putc(b, x[i]);
    }
}

/* The aggregate expression of a measure, over the rows where cond holds when cond is
 * given (a playbook metric's SQL cannot be restricted: callers check). */
static void put_measure_if(struct emit *e, struct sq_buf *b, const struct nl_measure *m,
                           const char *cond)
{
    struct sq_buf filter;
    sq_buf_init(&filter, SQ_BUF_UNLIMITED);
    if (cond && *cond)
        sq_buf_printf(&filter, " FILTER (WHERE %s)", cond);
    const char *fl = filter.data ? filter.data : "";
    static const char *const fn[] = {"SUM", "AVG", "MIN", "MAX", "MEDIAN"};
    switch (m->agg) {
    case NL_AGG_SUM:
    case NL_AGG_AVG:
    case NL_AGG_MIN:
    case NL_AGG_MAX:
    case NL_AGG_MEDIAN:
        sq_buf_printf(b, "%s(", fn[m->agg]);
        put_col(e, b, m->mart, m->col);
        sq_buf_printf(b, ")%s", fl);
        break;
    case NL_AGG_COUNT_ROWS:
        sq_buf_printf(b, "COUNT(*)%s", fl);
        break;
    case NL_AGG_COUNT_DISTINCT:
        sq_buf_puts(b, "COUNT(DISTINCT ");
        put_col(e, b, m->mart, m->col);
        sq_buf_printf(b, ")%s", fl);
        break;
    case NL_AGG_RATIO:
        sq_buf_puts(b, "SUM(");
        put_col(e, b, m->mart, m->col);
        sq_buf_printf(b, ")%s / COUNT(DISTINCT ", fl);
        put_col(e, b, m->mart, m->per);
        sq_buf_printf(b, ")%s", fl);
        break;
    case NL_AGG_METRIC:
        sq_buf_printf(b, "(%s)", m->metric_sql);
        break;
    case NL_AGG_EXPR:
        sq_buf_puts(b, "SUM(");
        put_expr(e, b, m);
        sq_buf_printf(b, ")%s", fl);
        break;
    case NL_AGG_PER:
    case NL_AGG_MARGIN: /* the same ratio of totals, as a percentage */
        sq_buf_puts(b, m->agg == NL_AGG_MARGIN ? "100.0 * SUM(" : "SUM(");
        put_col(e, b, m->mart, m->col);
        sq_buf_printf(b, ")%s / NULLIF(SUM(", fl);
        put_col(e, b, m->mart, m->per);
        sq_buf_printf(b, ")%s, 0)", fl);
        break;
    case NL_AGG_PROFIT:
    case NL_AGG_GROSS_MARGIN:
        sq_buf_puts(b, m->agg == NL_AGG_PROFIT ? "(SUM(" : "100.0 * (SUM(");
        put_col(e, b, m->mart, m->col);
        sq_buf_printf(b, ")%s - SUM(", fl);
        put_col(e, b, m->mart, m->per);
        sq_buf_printf(b, ")%s)", fl);
        if (m->agg == NL_AGG_GROSS_MARGIN) {
            sq_buf_puts(b, " / NULLIF(SUM(");
            put_col(e, b, m->mart, m->col);
            sq_buf_printf(b, ")%s, 0)", fl);
        }
        break;
    }
    sq_buf_fini(&filter);
}

/* The aggregate expression of a measure, restricted to rows of a period when p is given. */
static void put_measure(struct emit *e, struct sq_buf *b, const struct nl_measure *m,
                        const struct nl_period *p)
{
    struct sq_buf cond;
    sq_buf_init(&cond, SQ_BUF_UNLIMITED);
    if (p)
        put_range(e, &cond, p);
    put_measure_if(e, b, m, cond.data);
    sq_buf_fini(&cond);
}

/* "monthly" for GRAIN_MONTH: a period said as a rate. */
static const char *rate_word(enum shape_grain g)
{
    static const char *const w[] = {"", "yearly", "quarterly", "monthly", "weekly", "daily"};
    return (int)g >= 0 && (int)g <= GRAIN_DAY ? w[g] : "";
}

/* What each total of a frame with `over` is of: "order" (the word asked), else the first
 * word of the identifier's name. */
static void over_noun(const struct nl_frame *f, char *out, size_t n)
{
    if (f->measures[0].noun[0])
        snprintf(out, n, "%s", f->measures[0].noun);
    else
        snprintf(out, n, "%.*s", (int)strcspn(f->over->name, "_"), f->over->name);
}

/* "Median" for the outer aggregate of a total per entity. */
static const char *over_word(enum nl_agg a)
{
    return a == NL_AGG_MEDIAN ? "Median"
           : a == NL_AGG_MIN  ? "Smallest"
           : a == NL_AGG_MAX  ? "Largest"
                              : "Average";
}

static void snake(const char *in, char *out, size_t n)
{
    size_t o = 0;
    int sep = 0;
    for (const char *p = in; *p && o + 2 < n; p++) {
        if (isalnum((unsigned char)*p)) {
            if (sep && o)
                out[o++] = '_';
            out[o++] = (char)tolower((unsigned char)*p);
            sep = 0;
        } else {
            sep = 1;
        }
    }
    out[o] = '\0';
    if (!o)
        snprintf(out, n, "value");
}

/* The output name of a measure: sales, avg_discount, orders, profit_per_order. */
static void measure_alias(const struct nl_measure *m, char *out, size_t n)
{
    char noun[NL_NOUN_MAX]; /* snake never lengthens a text */
    snake(m->noun[0] ? m->noun : "rows", noun, sizeof noun);
    switch (m->agg) {
    case NL_AGG_SUM:
        snprintf(out, n, "%s", m->col->name);
        break;
    case NL_AGG_AVG:
        snprintf(out, n, "avg_%s", m->col->name);
        break;
    case NL_AGG_MIN:
        snprintf(out, n, "min_%s", m->col->name);
        break;
    case NL_AGG_MAX:
        snprintf(out, n, "max_%s", m->col->name);
        break;
    case NL_AGG_MEDIAN:
        snprintf(out, n, "median_%s", m->col->name);
        break;
    case NL_AGG_COUNT_ROWS:
    case NL_AGG_COUNT_DISTINCT:
        snprintf(out, n, "%s", noun);
        break;
    case NL_AGG_RATIO:
        snprintf(out, n, "%.60s_per_%.60s", m->col->name, noun);
        break;
    case NL_AGG_METRIC:
    case NL_AGG_EXPR:
        snake(m->metric, out, n);
        break;
    case NL_AGG_MARGIN:
    case NL_AGG_GROSS_MARGIN:
        snprintf(out, n, "margin_pct");
        break;
    case NL_AGG_PROFIT:
        snprintf(out, n, "profit");
        break;
    case NL_AGG_PER:
        snprintf(out, n, "%.60s_per_%.60s", m->col->name, m->per->name);
        break;
    }
}

void nl__words(const char *name, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < n; p++)
        out[o++] = *p == '_' ? ' ' : *p;
    out[o] = '\0';
}

/* "total sales", "average discount", "number of orders". */
static void measure_label(const struct nl_measure *m, char *out, size_t n)
{
    char w[WORDS_MAX];
    if (m->col)
        nl__words(m->col->name, w, sizeof w);
    switch (m->agg) {
    case NL_AGG_SUM:
        snprintf(out, n, "total %s", w);
        break;
    case NL_AGG_AVG:
        snprintf(out, n, "average %s", w);
        break;
    case NL_AGG_MIN:
        snprintf(out, n, "lowest %s", w);
        break;
    case NL_AGG_MAX:
        snprintf(out, n, "highest %s", w);
        break;
    case NL_AGG_MEDIAN:
        snprintf(out, n, "median %s", w);
        break;
    case NL_AGG_COUNT_ROWS:
    case NL_AGG_COUNT_DISTINCT:
        snprintf(out, n, "number of %s", m->noun[0] ? m->noun : "rows");
        break;
    case NL_AGG_RATIO:
        snprintf(out, n, "average %.60s per %.40s", w, m->noun);
        break;
    case NL_AGG_METRIC:
        snprintf(out, n, "%s", m->metric);
        break;
    case NL_AGG_EXPR:
        snprintf(out, n, "total %s", m->metric);
        break;
    case NL_AGG_MARGIN:
        snprintf(out, n, "margin (%.60s as %% of %.60s)", m->col->name, m->per->name);
        break;
    case NL_AGG_PROFIT:
        snprintf(out, n, "profit (%.60s less %.60s)", m->col->name, m->per->name);
        break;
    case NL_AGG_GROSS_MARGIN:
        snprintf(out, n, "gross margin (%.40s less %.40s, as %% of %.40s)", m->col->name,
                 m->per->name, m->col->name);
        break;
    case NL_AGG_PER: {
        char pw[WORDS_MAX];
        nl__words(m->per->name, pw, sizeof pw);
        snprintf(out, n, "%.60s per %.60s", w, pw);
        break;
    }
    }
}

static int within_one_year(const struct nl_frame *f)
{
    return f->has_window &&
           f->window.from.y == f->window.to.y - (f->window.to.m == 1 && f->window.to.d == 1) &&
           f->window.from.y ==
               (f->window.to.m == 1 && f->window.to.d == 1 ? f->window.to.y - 1 : f->window.to.y);
}

static void sel_sep(struct emit *e)
{
    if (e->sel.len)
        sq_buf_puts(&e->sel, ", ");
}

/* A time dimension: its SELECT expressions and aliases. */
static void emit_time_dim(struct emit *e, enum shape_grain g)
{
    int one_year = within_one_year(e->f);
    const char *parts[2] = {NULL, NULL};
    switch (g) {
    case GRAIN_YEAR:
        parts[0] = "year";
        break;
    case GRAIN_QUARTER:
        if (!one_year)
            parts[0] = "year";
        parts[one_year ? 0 : 1] = "quarter";
        break;
    case GRAIN_MONTH:
        parts[0] = one_year ? "month" : "month_start";
        break;
    case GRAIN_WEEK:
        parts[0] = "week_start";
        break;
    default:
        parts[0] = "day";
        break;
    }
    for (int i = 0; i < 2 && parts[i]; i++) {
        sel_sep(e);
        const char *p = parts[i];
        if (strcmp(p, "month_start") == 0 || strcmp(p, "week_start") == 0) {
            sq_buf_printf(&e->sel, "CAST(date_trunc('%s', ", p[0] == 'm' ? "month" : "week");
            put_date(e, &e->sel);
            sq_buf_printf(&e->sel, ") AS DATE) AS %s", p[0] == 'm' ? "month" : "week");
        } else if (strcmp(p, "day") == 0) {
            sq_buf_puts(&e->sel, "CAST(");
            put_date(e, &e->sel);
            sq_buf_puts(&e->sel, " AS DATE) AS day");
        } else {
            sq_buf_printf(&e->sel, "%s(", p);
            put_date(e, &e->sel);
            sq_buf_printf(&e->sel, ") AS %s", p);
        }
        if (e->group.len)
            sq_buf_puts(&e->group, ", ");
        sq_buf_printf(&e->group, "%d", ++e->ncols);
        const char *alias = strcmp(p, "month_start") == 0  ? "month"
                            : strcmp(p, "week_start") == 0 ? "week"
                                                           : p;
        if (e->ntime < 2)
            snprintf(e->time_alias[e->ntime++], sizeof e->time_alias[0], "%s", alias);
        struct sq_buf *names = &e->dim_names[e->ndim_done];
        sq_buf_printf(names, "%s%s", names->len ? ", " : "", alias);
    }
}

/* A cycle of the calendar as a category: its name, ordered by its number. */
static void emit_cycle_dim(struct emit *e, int cycle)
{
    int wd = cycle == NL_CYCLE_WEEKDAY;
    sel_sep(e);
    sq_buf_puts(&e->sel, wd ? "dayname(" : "monthname(");
    put_date(e, &e->sel);
    sq_buf_puts(&e->sel, wd ? ") AS weekday" : ") AS month_name");
    sq_buf_puts(&e->dim_names[e->ndim_done], wd ? "weekday" : "month_name");
    if (e->group.len)
        sq_buf_puts(&e->group, ", ");
    sq_buf_printf(&e->group, "%d", ++e->ncols);
    if (e->cycle_order.len)
        sq_buf_puts(&e->cycle_order, ", ");
    else
        e->first_cycle = cycle;
    sq_buf_puts(&e->cycle_order, wd ? "MIN(isodow(" : "MIN(month(");
    put_date(e, &e->cycle_order);
    sq_buf_puts(&e->cycle_order, "))");
}

const char *nl__cmp_sql(enum nl_cmp op)
{
    static const char *const ops[] = {">", ">=", "<", "<=", "="};
    return ops[op];
}

const char *nl__cmp_words(enum nl_cmp op)
{
    static const char *const ops[] = {"above", "at least", "below", "at most", "equal to"};
    return ops[op];
}

static void period_alias(const struct nl_period *p, const char *base, char *out, size_t n)
{
    char lab[NL_LABEL_MAX];
    snake(p->label, lab, sizeof lab);
    snprintf(out, n, "%.100s_%.60s", base, lab);
}

/* One filter as a condition: col op number, col = value, col IN (...), or col NOT IN
 * (...) that keeps NULLs. */
static void put_filter(struct emit *e, struct sq_buf *b, const struct nl_filter *x)
{
    if (x->after) {
        put_col(e, b, x->mart, x->col);
        sq_buf_puts(b, " > ");
        put_col(e, b, x->mart, x->after);
        return;
    }
    if (x->numeric) {
        put_col(e, b, x->mart, x->col);
        char num[SQ_NUM_TEXT_MAX];
        sq_format_double(num, sizeof num, x->number);
        sq_buf_printf(b, " %s %s", nl__cmp_sql(x->op), num);
        return;
    }
    if (x->text[0]) {
        /* A key as written, its case folded unless it matched a stored value. */
        sq_buf_puts(b, x->fold ? "lower(" : "");
        put_col(e, b, x->mart, x->col);
        sq_buf_puts(b, x->fold ? ") = " : " = ");
        nl__put_key_literal(b, x->text, x->fold);
        return;
    }
    if (x->negate)
        sq_buf_puts(b, "(");
    put_col(e, b, x->mart, x->col);
    if (x->nvalues == 1 && !x->negate) {
        sq_buf_puts(b, " = ");
        sq_buf_put_literal(b, x->values[0]);
    } else {
        sq_buf_puts(b, x->negate ? " NOT IN (" : " IN (");
        for (size_t k = 0; k < x->nvalues; k++) {
            if (k)
                sq_buf_puts(b, ", ");
            sq_buf_put_literal(b, x->values[k]);
        }
        sq_buf_puts(b, ")");
    }
    if (x->negate) {
        sq_buf_puts(b, " OR ");
        put_col(e, b, x->mart, x->col);
        sq_buf_puts(b, " IS NULL)");
    }
}

/* The part of a share with no dimension: the measure over the rows its value filters
 * pick ("share of sales from Furniture"). */
static void put_part(struct emit *e, struct sq_buf *b, const struct nl_measure *m)
{
    struct sq_buf cond;
    sq_buf_init(&cond, SQ_BUF_UNLIMITED);
    for (size_t i = 0; i < e->f->nfilters; i++) {
        if (e->f->filters[i].numeric || e->f->filters[i].whole)
            continue;
        sq_buf_puts(&cond, cond.len ? " AND " : "");
        put_filter(e, &cond, &e->f->filters[i]);
    }
    put_measure_if(e, b, m, cond.data);
    sq_buf_fini(&cond);
}

/* Whether the two dimensions are one thing's name in two columns (first and last name). */
static int one_thing(const struct nl_frame *f)
{
    const struct nl_dim *a = &f->dims[0], *b = &f->dims[1];
    if (f->ndims != 2 || !a->col || !b->col || a->mart != b->mart)
        return 0;
    return strstr(a->col->name, "name") && strstr(b->col->name, "name");
}

int nlsql_emit(const struct lx_lexicon *lx, const struct nl_frame *f, struct nl_answer *out)
{
    struct emit e;
    memset(&e, 0, sizeof e);
    e.lx = lx;
    e.s = lx_lexicon_schema(lx);
    e.f = f;
    e.out = out;
    /* A ranking within groups needs the groups and the ranked: two dimensions. */
    int per_group = f->per_group && f->ndims == 2 && f->limit;
    e.j.mart[0] = f->fact;
    snprintf(e.aliases[0], sizeof e.aliases[0], "f");
    e.j.n = 1;
    sq_buf_init(&e.sel, SQ_BUF_UNLIMITED);
    sq_buf_init(&e.from, SQ_BUF_UNLIMITED);
    sq_buf_init(&e.where, SQ_BUF_UNLIMITED);
    sq_buf_init(&e.group, SQ_BUF_UNLIMITED);
    sq_buf_init(&e.order, SQ_BUF_UNLIMITED);
    sq_buf_init(&e.cycle_order, SQ_BUF_UNLIMITED);
    sq_buf_init(&e.partition, SQ_BUF_UNLIMITED);
    for (size_t i = 0; i < NL_MAX_DIMS; i++)
        sq_buf_init(&e.dim_names[i], SQ_BUF_UNLIMITED);
    int rc = 0;

    /* Reach every mart first, so that aliases are known before any column is written. */
    for (size_t i = 0; i < f->ndims; i++)
        if (f->dims[i].col && need_mart(&e, f->dims[i].mart) < 0)
            rc = SQ_E_UNSUPPORTED;
    for (size_t i = 0; i < f->nfields; i++)
        if (need_mart(&e, f->fields[i].mart) < 0)
            rc = SQ_E_UNSUPPORTED;
    for (size_t i = 0; i < f->nfilters; i++)
        if (need_mart(&e, f->filters[i].mart) < 0)
            rc = SQ_E_UNSUPPORTED;
    for (size_t i = 0; i < f->nmeasures; i++)
        if ((f->measures[i].mart && need_mart(&e, f->measures[i].mart) < 0) ||
            (f->measures[i].link_mart && need_mart(&e, f->measures[i].link_mart) < 0))
            rc = SQ_E_UNSUPPORTED;
    if (f->has_having &&
        (need_mart(&e, f->having.mart) < 0 ||
         (!f->having.via && f->having.m.mart && need_mart(&e, f->having.m.mart) < 0)))
        rc = SQ_E_UNSUPPORTED;
    int dated = f->has_having && f->having.via && f->having.dated; /* in the subquery */
    int uses_time = (f->has_window && !dated) || f->compare || f->avg_grain;
    if (f->over && need_mart(&e, f->over_mart) < 0)
        rc = SQ_E_UNSUPPORTED;
    for (size_t i = 0; i < f->ndims; i++)
        uses_time |= !f->dims[i].col;
    if (uses_time && (!f->date || need_mart(&e, f->date_mart ? f->date_mart : f->fact) < 0))
        rc = SQ_E_UNSUPPORTED;
    if (rc) {
        out->status = SQ_E_UNSUPPORTED;
        free(out->reason);
        out->reason = xstrdup("the columns named are in tables that cannot be joined");
        goto done;
    }
    for (size_t i = 0; i < f->nmeasures; i++) {
        if (f->measures[i].agg == NL_AGG_METRIC && (f->compare || (f->share && f->ndims == 0))) {
            rc = SQ_E_UNSUPPORTED;
            out->status = rc;
            free(out->reason);
            out->reason = xasprintf("the playbook metric %s cannot be split into periods or "
                                    "parts yet; ask for each period on its own",
                                    f->measures[i].metric);
            goto done;
        }
    }

    struct result_shape *sh = &out->shape;
    memset(sh, 0, sizeof *sh);
    sh->dims[0] = sh->dims[1] = sh->time_dim = sh->measure = sh->measure2 = sh->growth = -1;

    /* Dimensions. */
    int ndimcols = 0;
    for (size_t i = 0; i < f->ndims; i++) {
        e.ndim_done = i;
        if (nl_is_cycle(&f->dims[i])) {
            emit_cycle_dim(&e, (int)f->dims[i].grain);
            if (ndimcols < 2)
                sh->dims[ndimcols++] = e.ncols - 1;
            continue;
        }
        if (!f->dims[i].col) {
            int before = e.ncols;
            emit_time_dim(&e, f->dims[i].grain);
            sh->time_dim = e.ncols - 1;
            sh->grain = f->dims[i].grain;
            if (ndimcols < 2)
                sh->dims[ndimcols++] = before;
            if (e.ncols - before == 2 && ndimcols < 2)
                sh->dims[ndimcols++] = before + 1;
            continue;
        }
        sel_sep(&e);
        put_col(&e, &e.sel, f->dims[i].mart, f->dims[i].col);
        if (e.j.n > 1) {
            sq_buf_puts(&e.sel, " AS ");
            nl__put_ident(&e.sel, f->dims[i].col->name);
        }
        {
            struct sq_buf q;
            sq_buf_init(&q, SQ_BUF_UNLIMITED);
            nl__put_ident(&q, f->dims[i].col->name);
            sq_buf_printf(&e.partition, "%s%s", e.partition.len ? ", " : "", q.data);
            sq_buf_puts(&e.dim_names[i], q.data);
            sq_buf_fini(&q);
        }
        if (e.group.len)
            sq_buf_puts(&e.group, ", ");
        sq_buf_printf(&e.group, "%d", ++e.ncols);
        if (ndimcols < 2)
            sh->dims[ndimcols++] = e.ncols - 1;
    }

    /* The ranked thing's fields: beside it, one group each. */
    for (size_t i = 0; i < f->nfields; i++) {
        sel_sep(&e);
        put_col(&e, &e.sel, f->fields[i].mart, f->fields[i].col);
        if (e.j.n > 1) {
            sq_buf_puts(&e.sel, " AS ");
            int twice = 0; /* an employee's first_name beside a contact's first_name */
            for (size_t k = 0; k < f->ndims; k++)
                twice |=
                    f->dims[k].col && strcmp(f->dims[k].col->name, f->fields[i].col->name) == 0;
            for (size_t k = 0; k < i; k++)
                twice |= strcmp(f->fields[k].col->name, f->fields[i].col->name) == 0;
            if (twice) {
                char a[ALIAS_MAX];
                snprintf(a, sizeof a, "%.60s_%.60s", f->fields[i].mart->source,
                         f->fields[i].col->name);
                nl__put_ident(&e.sel, a);
            } else {
                nl__put_ident(&e.sel, f->fields[i].col->name);
            }
        }
        sq_buf_printf(&e.group, "%s%d", e.group.len ? ", " : "", ++e.ncols);
    }

    /* Measures. A yes/no question first: whether there is any. */
    char alias[ALIAS_MAX];
    if (f->exists && f->nmeasures) {
        sel_sep(&e);
        put_measure(&e, &e.sel, &f->measures[0], NULL);
        sq_buf_puts(&e.sel, " > 0 AS answer");
        e.ncols++;
    }
    for (size_t i = 0; i < f->nmeasures; i++) {
        const struct nl_measure *m = &f->measures[i];
        measure_alias(m, alias, sizeof alias);
        if (f->compare) {
            char a0[PERIOD_ALIAS_MAX], a1[PERIOD_ALIAS_MAX];
            period_alias(&f->periods[0], alias, a0, sizeof a0);
            period_alias(&f->periods[1], alias, a1, sizeof a1);
            sel_sep(&e);
            put_measure(&e, &e.sel, m, &f->periods[0]);
            sq_buf_printf(&e.sel, " AS %s, ", a0);
            put_measure(&e, &e.sel, m, &f->periods[1]);
            sq_buf_printf(&e.sel, " AS %s", a1);
            e.ncols += 2;
            if (i == 0) {
                sh->measure = e.ncols - 2;
                sh->measure2 = e.ncols - 1;
                /* "which region grew the most": a ranking of a change ranks the change. */
                snprintf(e.measure_alias, sizeof e.measure_alias, "%s",
                         f->growth && f->limit ? "change_pct" : a1);
                /* The change is computed around this query (see below), over the names. */
                snprintf(e.change_from, sizeof e.change_from, "%s", a0);
                snprintf(e.change_to, sizeof e.change_to, "%s", a1);
                sh->growth = e.ncols++;
            }
            continue;
        }
        if (i == 0 && f->share && f->ndims == 0) {
            /* "what share of sales is furniture": the part, the whole, the share. */
            struct sq_buf part;
            sq_buf_init(&part, SQ_BUF_UNLIMITED);
            put_part(&e, &part, m);
            sel_sep(&e);
            sq_buf_printf(&e.sel, "%s AS %s, ", part.data, alias);
            put_measure(&e, &e.sel, m, NULL);
            sq_buf_printf(&e.sel, " AS total_%s, 100.0 * %s / NULLIF(", alias, part.data);
            put_measure(&e, &e.sel, m, NULL);
            sq_buf_printf(&e.sel, ", 0) AS %s_share_pct", alias);
            sq_buf_fini(&part);
            sh->measure = e.ncols + 2;
            e.ncols += 3;
            snprintf(e.measure_alias, sizeof e.measure_alias, "%s_share_pct", alias);
            continue;
        }
        sel_sep(&e);
        put_measure(&e, &e.sel, m, NULL);
        sq_buf_printf(&e.sel, " AS %s", alias);
        e.ncols++;
        if (i == 0) {
            sh->measure = e.ncols - 1;
            snprintf(e.measure_alias, sizeof e.measure_alias, "%s", alias);
            if (f->share) {
                sq_buf_puts(&e.sel, ", 100.0 * ");
                put_measure(&e, &e.sel, m, NULL);
                sq_buf_puts(&e.sel, " / SUM(");
                put_measure(&e, &e.sel, m, NULL);
                sq_buf_printf(&e.sel, ") OVER () AS %s_share_pct", alias);
                sh->measure = e.ncols++;
                snprintf(e.measure_alias, sizeof e.measure_alias, "%s_share_pct", alias);
            }
            if (f->growth && e.ntime) {
                /* Change over the previous period of the time axis, computed around. */
                snprintf(e.change_to, sizeof e.change_to, "%s", alias);
                sh->growth = e.ncols++;
            }
        }
    }

    /* FROM and joins. */
    {
        char *qm = sq_quote_ident(f->fact->name);
        sq_buf_puts(&e.from, f->fact->name);
        free(qm);
        if (e.j.n > 1)
            sq_buf_puts(&e.from, " f");
        for (size_t i = 1; i < e.j.n; i++) {
            const struct schema_join *j = e.j.edge[i];
            sq_buf_printf(&e.from, " JOIN %s %s ON %s.%s = %s.%s", j->to->name, e.aliases[i],
                          e.aliases[e.j.parent[i]], j->from_col, e.aliases[i], j->to_col);
        }
    }

    /* WHERE. */
    for (size_t i = 0; i < f->nfilters; i++) {
        const struct nl_filter *x = &f->filters[i];
        if (f->share && f->ndims == 0 && !x->numeric && !x->whole)
            continue; /* the part of a share, in its FILTER */
        sq_buf_puts(&e.where, e.where.len ? " AND " : "");
        put_filter(&e, &e.where, x);
    }
    if (f->has_window && !dated) {
        sq_buf_puts(&e.where, e.where.len ? " AND " : "");
        put_range(&e, &e.where, &f->window);
    }
    if (f->season_from) {
        sq_buf_puts(&e.where, e.where.len ? " AND month(" : "month(");
        put_date(&e, &e.where);
        if (f->season_from == f->season_to)
            sq_buf_printf(&e.where, ") = %d", f->season_from);
        else
            sq_buf_printf(&e.where, ") BETWEEN %d AND %d", f->season_from, f->season_to);
    }
    if (f->compare) {
        struct nl_period all = f->periods[0];
        if (nl__days(f->periods[1].from) < nl__days(all.from))
            all.from = f->periods[1].from;
        if (nl__days(f->periods[1].to) > nl__days(all.to))
            all.to = f->periods[1].to;
        sq_buf_puts(&e.where, e.where.len ? " AND " : "");
        put_range(&e, &e.where, &all);
    }

    /* A condition on an entity's totals: HAVING when the entity is what the rows are,
     * else the entity must be one of those that meet it. */
    struct sq_buf having;
    sq_buf_init(&having, SQ_BUF_UNLIMITED);
    if (f->has_having) {
        const struct nl_having *h = &f->having;
        char num[SQ_NUM_TEXT_MAX];
        sq_format_double(num, sizeof num, h->number);
        if (h->via) {
            /* In the table that points at the entity: customers whose orders number > 10. */
            /* A count that zero meets ("fewer than 3 orders", "no orders") holds for the
             * entities with no rows there too: those not among the ones that fail it. */
            int counts = h->m.agg == NL_AGG_COUNT_ROWS || h->m.agg == NL_AGG_COUNT_DISTINCT;
            int none = having_none(h);
            int lower = counts && (h->op == NL_CMP_LT || h->op == NL_CMP_LE);
            enum nl_cmp op = !lower ? h->op : h->op == NL_CMP_LT ? NL_CMP_GE : NL_CMP_GT;
            struct sq_buf sub;
            sq_buf_init(&sub, SQ_BUF_UNLIMITED);
            put_col(&e, &sub, h->mart, h->of);
            sq_buf_puts(&sub, none || lower ? " NOT IN (SELECT " : " IN (SELECT ");
            nl__put_ident(&sub, h->via->from_col);
            sq_buf_printf(&sub, " FROM %s WHERE ", h->via->from->name);
            nl__put_ident(&sub, h->via->from_col);
            sq_buf_puts(&sub, " IS NOT NULL");
            if (dated && f->has_window) {
                sq_buf_puts(&sub, " AND ");
                nl__put_period(&sub, f->date->name, &f->window);
            }
            if (none) {
                sq_buf_puts(&sub, ")");
            } else {
                sq_buf_puts(&sub, " GROUP BY 1 HAVING ");
                if (h->m.agg == NL_AGG_COUNT_ROWS) {
                    sq_buf_puts(&sub, "COUNT(*)");
                } else {
                    sq_buf_puts(&sub,
                                h->m.agg == NL_AGG_COUNT_DISTINCT ? "COUNT(DISTINCT " : "SUM(");
                    nl__put_ident(&sub, h->m.col->name);
                    sq_buf_puts(&sub, ")");
                }
                sq_buf_printf(&sub, " %s %s)", nl__cmp_sql(op), num);
            }
            sq_buf_puts(&e.where, e.where.len ? " AND " : "");
            sq_buf_puts(&e.where, sub.data);
            sq_buf_fini(&sub);
        } else if (f->ndims == 1 && f->dims[0].col == h->of) {
            put_measure(&e, &having, &h->m, NULL);
            sq_buf_printf(&having, " %s %s", nl__cmp_sql(h->op), num);
        } else {
            struct sq_buf sub;
            sq_buf_init(&sub, SQ_BUF_UNLIMITED);
            put_col(&e, &sub, h->mart, h->of);
            sq_buf_puts(&sub, " IN (SELECT ");
            put_col(&e, &sub, h->mart, h->of);
            sq_buf_printf(&sub, " FROM %s", e.from.data);
            if (e.where.len)
                sq_buf_printf(&sub, " WHERE %s", e.where.data);
            sq_buf_puts(&sub, " GROUP BY 1 HAVING ");
            put_measure(&e, &sub, &h->m, NULL);
            sq_buf_printf(&sub, " %s %s)", nl__cmp_sql(h->op), num);
            sq_buf_puts(&e.where, e.where.len ? " AND " : "");
            sq_buf_puts(&e.where, sub.data);
            sq_buf_fini(&sub);
        }
    }

    /* ORDER BY: time first for trends; Monday to Sunday for weekdays; the measure for
     * rankings and breakdowns. */
    /* "average monthly sales": the query below totals each period; an outer query
     * averages the totals, under a name of its own. */
    char inner_alias[MEASURE_ALIAS_MAX] = "";
    static const char *const outer_fn[] = {"SUM", "AVG", "MIN", "MAX", "MEDIAN"};
    const char *ofn = "AVG";
    if (f->avg_grain) {
        snprintf(inner_alias, sizeof inner_alias, "%s", e.measure_alias);
        snprintf(e.measure_alias, sizeof e.measure_alias, "avg_%s_%.200s", rate_word(f->avg_grain),
                 inner_alias);
    } else if (f->over) {
        /* "median order value": each order's total, then the median of the totals. */
        static const char *const pre[] = {"total", "avg", "min", "max", "median"};
        int a = f->over_agg <= NL_AGG_MEDIAN ? (int)f->over_agg : NL_AGG_AVG;
        ofn = outer_fn[a];
        char ent[NL_ENTITY_MAX];
        over_noun(f, ent, sizeof ent);
        snprintf(inner_alias, sizeof inner_alias, "%s", e.measure_alias);
        snprintf(e.measure_alias, sizeof e.measure_alias, "%s_%.60s_%.150s", pre[a], ent,
                 inner_alias);
    }
    int by_cycle = 0, by_groups = 0;
    const char *dir = f->order < 0 ? "ASC" : "DESC";
    if (per_group) {
        /* Each group together, ranked within. */
        sq_buf_printf(&e.order, "%s, %s %s, %s", text(&e.dim_names[0]), e.measure_alias, dir,
                      text(&e.dim_names[1]));
    } else if (e.ntime && !f->limit) {
        for (int i = 0; i < e.ntime; i++)
            sq_buf_printf(&e.order, "%s%s", i ? ", " : "", e.time_alias[i]);
    } else if (e.cycle_order.len && !f->limit && !f->order) {
        by_cycle = 1;
        sq_buf_puts(&e.order, e.cycle_order.data);
        for (int i = 0; i < ndimcols; i++)
            sq_buf_printf(&e.order, ", %d", sh->dims[i] + 1);
    } else if (ndimcols >= 1 && !f->limit && !f->order && !f->share && !f->compare &&
               (f->listed || (ndimcols == 2 && !one_thing(f)))) {
        /* "sales by segment and category", "list the disputed orders": a table that
         * reads by its groups */
        for (int i = 0; i < ndimcols; i++)
            sq_buf_printf(&e.order, "%s%d", i ? ", " : "", sh->dims[i] + 1);
        by_groups = 1;
    } else if (ndimcols > 0 || f->limit) {
        /* Ties break on the dimensions, so that a cut at N is the same every time. */
        sq_buf_printf(&e.order, "%s %s", e.measure_alias, dir);
        for (int i = 0; i < ndimcols; i++)
            sq_buf_printf(&e.order, ", %d", sh->dims[i] + 1);
    }

    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    /* A change column is computed around the aggregate query, over its names, which
     * reads far better than repeating every aggregate inside the formula. */
    int around = e.change_to[0] != '\0';
    if (per_group)
        sq_buf_puts(&sql, "SELECT * FROM (");
    if (around) {
        if (e.change_from[0])
            sq_buf_printf(&sql, "SELECT *, 100.0 * (%s - %s) / NULLIF(%s, 0) AS change_pct FROM (",
                          e.change_to, e.change_from, e.change_from);
        else {
            struct sq_buf over;
            sq_buf_init(&over, SQ_BUF_UNLIMITED);
            sq_buf_printf(&over, "OVER (%s%s%sORDER BY %s%s%s)",
                          e.partition.len ? "PARTITION BY " : "", text(&e.partition),
                          e.partition.len ? " " : "", e.time_alias[0], e.ntime > 1 ? ", " : "",
                          e.ntime > 1 ? e.time_alias[1] : "");
            sq_buf_printf(&sql,
                          "SELECT *, 100.0 * (%s - LAG(%s) %s) / NULLIF(LAG(%s) %s, 0) AS "
                          "change_pct FROM (",
                          e.change_to, e.change_to, over.data, e.change_to, over.data);
            sq_buf_fini(&over);
        }
    }
    struct sq_buf outer_dims;
    sq_buf_init(&outer_dims, SQ_BUF_UNLIMITED);
    if (f->avg_grain || f->over) {
        for (size_t i = 0; i < f->ndims; i++)
            sq_buf_printf(&outer_dims, "%s%s", i ? ", " : "", text(&e.dim_names[i]));
        sq_buf_printf(&sql, "SELECT %s%s%s(%s) AS %s FROM (", outer_dims.len ? outer_dims.data : "",
                      outer_dims.len ? ", " : "", ofn, inner_alias, e.measure_alias);
        if (f->avg_grain) {
            static const char *const unit[] = {"", "year", "quarter", "month", "week", "day"};
            sq_buf_printf(&e.sel, ", date_trunc('%s', ", unit[f->avg_grain]);
            put_date(&e, &e.sel);
            sq_buf_puts(&e.sel, ") AS period");
        } else {
            sq_buf_puts(&e.sel, ", ");
            put_col(&e, &e.sel, f->over_mart, f->over);
            sq_buf_puts(&e.sel, " AS entity");
        }
        const char *g = f->avg_grain ? "period" : "entity";
        sq_buf_printf(&e.group, "%s%s", e.group.len ? ", " : "", g);
    }
    sq_buf_printf(&sql, "SELECT %s FROM %s", e.sel.data, e.from.data);
    if (e.where.len)
        sq_buf_printf(&sql, " WHERE %s", e.where.data);
    if (e.group.len)
        sq_buf_printf(&sql, " GROUP BY %s", e.group.data);
    if (f->avg_grain || f->over) {
        sq_buf_puts(&sql, ")");
        if (outer_dims.len)
            sq_buf_printf(&sql, " GROUP BY %s", outer_dims.data);
    }
    sq_buf_fini(&outer_dims);
    if (having.len)
        sq_buf_printf(&sql, " HAVING %s", having.data);
    sq_buf_fini(&having);
    if (around)
        sq_buf_puts(&sql, ")");
    if (per_group)
        sq_buf_printf(&sql,
                      ") QUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s %s, %s) <= %zu",
                      text(&e.dim_names[0]), e.measure_alias, dir, text(&e.dim_names[1]), f->limit);
    if (e.order.len)
        sq_buf_printf(&sql, " ORDER BY %s", e.order.data);
    if (f->limit && !per_group)
        sq_buf_printf(&sql, " LIMIT %zu", f->limit);
    free(out->sql);
    out->sql = sq_buf_steal(&sql);

    /* The interpretation, from the same frame. */
    struct sq_buf in;
    sq_buf_init(&in, SQ_BUF_UNLIMITED);
    char label[SHAPE_LABEL_MAX];
    measure_label(&f->measures[0], label, sizeof label);
    if (f->share) {
        sq_buf_printf(&in, "Share of %s", label);
        int nw = 0; /* the whole's own filters: "of total sales where category is Technology" */
        for (size_t i = 0; i < f->nfilters; i++) {
            const struct nl_filter *x = &f->filters[i];
            if (!x->whole)
                continue;
            char w[WORDS_MAX];
            nl__words(x->col->name, w, sizeof w);
            sq_buf_printf(&in, "%s%s is %s", nw++ ? " and " : " where ", w,
                          x->negate ? "not " : "");
            for (size_t k = 0; k < x->nvalues; k++)
                sq_buf_printf(&in, "%s%s",
                              k == 0                ? ""
                              : k + 1 == x->nvalues ? " or "
                                                    : ", ",
                              x->values[k]);
        }
        sq_buf_puts(&in, " (%)");
    } else if (f->growth && e.ntime)
        sq_buf_printf(&in, "%c%s and its change on the previous period (%%)",
                      toupper((unsigned char)label[0]), label + 1);
    else if (f->avg_grain)
        sq_buf_printf(&in, "Average %s %s", rate_word(f->avg_grain), label);
    else if (f->over) {
        char ent[NL_ENTITY_MAX];
        over_noun(f, ent, sizeof ent);
        sq_buf_printf(&in, "%s %s per %s", over_word(f->over_agg), label, ent);
    } else if (f->exists)
        sq_buf_printf(&in, "Whether there are any (yes if the %s is above 0)", label);
    else
        sq_buf_printf(&in, "%c%s", toupper((unsigned char)label[0]), label + 1);
    for (size_t i = 1; i < f->nmeasures; i++) {
        measure_label(&f->measures[i], label, sizeof label);
        sq_buf_printf(&in, " and %s", label);
    }
    /* "Number of customers whose number of orders is above 10"; "Total sales by
     * segment, for customers whose ..."; "..., only regions whose ...". having_words holds
     * the last kind: fixed words, a noun, a measure's words and a number. */
    char having_words[sizeof "only  whose  is at least " + NL_NOUN_MAX + SHAPE_LABEL_MAX +
                      SQ_NUM_TEXT_MAX] = "";
    if (f->has_having) {
        const struct nl_having *h = &f->having;
        char hl[SHAPE_LABEL_MAX], num[SQ_NUM_TEXT_MAX];
        measure_label(&h->m, hl, sizeof hl);
        if (dated && f->has_window) /* "number of orders in 2004" */
            snprintf(hl + strlen(hl), sizeof hl - strlen(hl), " in %s", f->window.label);
        sq_format_double(num, sizeof num, h->number);
        int listed = f->ndims == 1 && f->dims[0].col == h->of;
        int counted =
            !listed &&
            ((f->measures[0].agg == NL_AGG_COUNT_DISTINCT && f->measures[0].col == h->of) ||
             (f->measures[0].agg == NL_AGG_COUNT_ROWS && f->measures[0].mart == h->mart));
        if (counted && h->via && having_none(h))
            sq_buf_printf(&in, " that have no %s", h->m.noun);
        else if (counted)
            sq_buf_printf(&in, " whose %s is %s %s", hl, nl__cmp_words(h->op), num);
        else
            snprintf(having_words, sizeof having_words, "%s %.48s whose %.160s is %s %s",
                     listed ? "only" : "for", h->noun, hl, nl__cmp_words(h->op), num);
    }
    for (size_t i = 0; i < f->ndims; i++) {
        char w[WORDS_MAX];
        if (f->dims[i].col) {
            nl__words(f->dims[i].col->name, w, sizeof w);
        } else {
            static const char *const g[] = {"",     "year", "quarter", "month",
                                            "week", "day",  "weekday", "month of the year"};
            int gi = (int)f->dims[i].grain;
            snprintf(w, sizeof w, "%s", gi >= 0 && gi < NL_GRAIN_END ? g[gi] : "time");
        }
        sq_buf_printf(&in, "%s%s", i ? " and " : " by ", w);
    }
    for (size_t i = 0; i < f->nfields; i++) {
        /* ", with segment", ", with first name and last name of employees" */
        char w[WORDS_MAX];
        nl__words(f->fields[i].col->name, w, sizeof w);
        int last = i + 1 == f->nfields || f->fields[i + 1].mart != f->fields[i].mart;
        int first = i == 0 || f->fields[i - 1].mart != f->fields[i].mart;
        sq_buf_printf(&in, "%s%s", i == 0 ? ", with " : first ? ", " : last ? " and " : ", ", w);
        if (last && f->fields[i].mart != f->dims[0].mart)
            sq_buf_printf(&in, " of the %s", lx_mart_words(lx, f->fields[i].mart));
    }
    for (size_t i = 0, shown = 0; i < f->nfilters; i++) {
        const struct nl_filter *x = &f->filters[i];
        if (f->share && x->whole)
            continue; /* said with the whole, above */
        char w[WORDS_MAX];
        nl__words(x->col->name, w, sizeof w);
        sq_buf_puts(&in, shown++ ? " and " : ", where ");
        if (x->after) {
            char w2[WORDS_MAX];
            nl__words(x->after->name, w2, sizeof w2);
            sq_buf_printf(&in, "%s is after %s (late)", w, w2);
            continue;
        }
        if (x->numeric) {
            char num[SQ_NUM_TEXT_MAX];
            sq_format_double(num, sizeof num, x->number);
            if (x->op == NL_CMP_EQ)
                sq_buf_printf(&in, "%s is %s", w, num);
            else
                sq_buf_printf(&in, "%s is %s %s", w, nl__cmp_words(x->op), num);
            continue;
        }
        if (x->text[0]) {
            sq_buf_printf(&in, "%s is %s%s", w, x->text, x->fold ? " (any case)" : "");
            continue;
        }
        sq_buf_printf(&in, "%s is %s", w, x->negate ? "not " : "");
        for (size_t k = 0; k < x->nvalues; k++)
            sq_buf_printf(&in, "%s%s",
                          k == 0                ? ""
                          : k + 1 == x->nvalues ? (x->negate ? " or " : " or ")
                                                : ", ",
                          x->values[k]);
    }
    if (having_words[0])
        sq_buf_printf(&in, ", %s", having_words);
    if (f->has_window && !dated)
        sq_buf_printf(&in, ", %s", f->window.label);
    if (f->season_from == f->season_to && f->season_from)
        sq_buf_printf(&in, ", %s of every year", nl__month_name(f->season_from));
    else if (f->season_from)
        sq_buf_printf(&in, ", %s–%s of every year", nl__month_name(f->season_from),
                      nl__month_name(f->season_to));
    if (f->compare)
        sq_buf_printf(&in, ", %s vs %s", f->periods[0].label, f->periods[1].label);
    if (per_group) {
        char w[WORDS_MAX];
        if (f->dims[0].col)
            nl__words(f->dims[0].col->name, w, sizeof w);
        else
            snprintf(w, sizeof w, "%.100s", text(&e.dim_names[0]));
        if (f->limit == 1)
            sq_buf_printf(&in, ", the %s in each %s", f->order < 0 ? "lowest" : "highest", w);
        else
            sq_buf_printf(&in, ", %s %zu in each %s", f->order < 0 ? "bottom" : "top", f->limit, w);
    } else if (f->limit == 1)
        sq_buf_printf(&in, ", the %s%s", f->order < 0 ? "lowest" : "highest",
                      f->compare && f->growth ? " change" : "");
    else if (f->limit)
        sq_buf_printf(&in, ", %s%s first, %s %zu", f->order < 0 ? "lowest" : "highest",
                      f->compare && f->growth ? " change" : "", f->order < 0 ? "bottom" : "top",
                      f->limit);
    else if (by_cycle)
        sq_buf_puts(&in, e.first_cycle == NL_CYCLE_WEEKDAY ? ", Monday to Sunday"
                                                           : ", January to December");
    else if (ndimcols && !e.ntime && !by_groups)
        sq_buf_puts(&in, f->order < 0 ? ", lowest first" : ", highest first");
    /* The date column when the mart has a choice of them, then the assumptions made. */
    char date_note[sizeof "by " + WORDS_MAX] = "";
    if (f->date && uses_time) {
        int ndates = 0;
        const struct schema_mart *dm = f->date_mart ? f->date_mart : f->fact;
        for (size_t i = 0; i < dm->ncols; i++)
            ndates += strcmp(dm->cols[i].role, "date") == 0 && !dm->cols[i].derived_from;
        if (ndates > 1) {
            char w[WORDS_MAX];
            nl__words(f->date->name, w, sizeof w);
            snprintf(date_note, sizeof date_note, "by %s", w);
        }
    }
    if (date_note[0])
        sq_buf_printf(&in, " (%s%s", date_note, f->nassumptions ? "; " : ")");
    for (size_t i = 0; i < f->nassumptions; i++)
        sq_buf_printf(&in, "%s%s", i ? "; " : date_note[0] ? "" : " (", f->assumptions[i]);
    if (f->nassumptions)
        sq_buf_puts(&in, ")");
    free(out->interpretation);
    out->interpretation = sq_buf_steal(&in);

    /* The shape, for insights and the chart. */
    measure_label(&f->measures[0], out->measure_label, sizeof out->measure_label);
    if (f->share)
        snprintf(out->measure_label, sizeof out->measure_label, "share of %.140s", label);
    if (f->avg_grain)
        snprintf(out->measure_label, sizeof out->measure_label, "average %s %.140s",
                 rate_word(f->avg_grain), label);
    else if (f->over) {
        char ent[NL_ENTITY_MAX];
        over_noun(f, ent, sizeof ent);
        snprintf(out->measure_label, sizeof out->measure_label, "%s %.80s per %.40s",
                 over_word(f->over_agg), label, ent);
        out->measure_label[0] = (char)tolower((unsigned char)out->measure_label[0]);
    }
    sh->measure_label = out->measure_label;
    sh->kind = per_group             ? SHAPE_BREAKDOWN
               : f->compare          ? SHAPE_COMPARISON
               : f->share            ? SHAPE_SHARE
               : e.ntime && ndimcols ? SHAPE_TREND
               : f->limit            ? SHAPE_TOP
               : ndimcols            ? SHAPE_BREAKDOWN
                                     : SHAPE_TOTAL;
    if (e.ntime && ndimcols > (e.ntime > 1 ? 2 : 1))
        sh->kind = SHAPE_BREAKDOWN; /* a category by time: grouped, not one line */
    sh->unit = f->share ? "%" : "";
    sh->descending =
        !per_group && (f->order > 0 || (!f->order && ndimcols && !e.ntime && !by_cycle));
    sh->ascending = !per_group && f->order < 0;
    sh->limit = per_group ? 0 : f->limit;
    sh->subset = per_group || f->has_having;
    for (size_t i = 0; i < e.j.n && out->nmarts < NL_MAX_MARTS; i++)
        out->marts[out->nmarts++] = e.j.mart[i];
    out->status = 0;
done:
    sq_buf_fini(&e.sel);
    sq_buf_fini(&e.from);
    sq_buf_fini(&e.where);
    sq_buf_fini(&e.group);
    sq_buf_fini(&e.order);
    sq_buf_fini(&e.cycle_order);
    sq_buf_fini(&e.partition);
    for (size_t i = 0; i < NL_MAX_DIMS; i++)
        sq_buf_fini(&e.dim_names[i]);
    return rc;
}
