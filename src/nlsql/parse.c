/*
 * The question parser (see nlsql/nlsql.h): tokens are grouped into spans in passes —
 * time expressions, top/bottom N and numeric comparisons, cue phrases, lexicon phrases
 * (longest first), fillers — and the spans are read into a frame. Every content word
 * must end up in a span; any word left over makes the answer "unsupported", with the
 * word and its offset. Called by nlsql_answer; emit.c writes the SQL.
 */
#include "nlsql/nlsql.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/mem.h"
#include "lexicon/lexicon.h"
#include "lexicon/token.h"
#include "model/model.h"
#include "nlsql/internal.h"
#include "schema/playbook.h"
#include "schema/schema.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum span_kind {
    SP_FREE = 0,
    SP_FILLER,
    SP_TIME,     /* a period, or a relative one */
    SP_GRAIN,    /* monthly, by quarter, over time */
    SP_TOP,      /* top 5, bottom 3, top (10) */
    SP_CMP,      /* over 500, at least 10, above 20% */
    SP_LEX,      /* a phrase of the lexicon */
    SP_BY,       /* by, per, for each, across */
    SP_AGG,      /* total, average, median, maximum */
    SP_COUNT,    /* how many, number of, count of */
    SP_SHARE,    /* share of, percentage of */
    SP_NEG,      /* excluding, except, not */
    SP_VS,       /* vs, versus, compared to */
    SP_GROWTH,   /* growth, change, yoy */
    SP_WHICH,    /* which, what */
    SP_SUPER,    /* highest, most, lowest, least */
    SP_AND,      /* and, or, "," between items of a list */
    SP_ONLY,     /* only, just */
    SP_PER,      /* "per" before an entity in a ratio: average profit per order */
    SP_ROWS,     /* rows, records, order lines: what a count of rows counts */
    SP_AOV,      /* average order value */
    SP_ORDER,    /* highest first, descending */
    SP_MARGIN,   /* (profit) margin: profit as a share of sales */
    SP_LIST,     /* list, list all, name the: what follows is listed, not counted */
    SP_PROFIT,   /* profit where the data has none: amount minus cost */
    SP_COMPUTED, /* revenue, cost or profit that the model computes (sub: its index) */
    SP_KEY,      /* a thing by its key as written: "order 10100" (key: which) */
    SP_LATE,     /* late, after the required date: shipped > required */
};

enum role { R_NONE, R_MEASURE, R_DIM, R_FILTER, R_COUNT, R_MART, R_DATE, R_DONE };

enum tkind { T_ABS, T_LAST_N, T_CURRENT, T_PREVIOUS, T_TO_DATE };

struct tspec {
    enum tkind kind;
    struct nl_period p; /* T_ABS */
    enum shape_grain unit;
    int n;
    int year_missing; /* "Q3", "March", "November 24": the year comes from the data */
    int q, m, d;      /* the quarter, month or day when the year is missing */
    int open;         /* 1 since, 2 after, -1 before, -2 up to and including */
};

struct span {
    enum span_kind kind;
    size_t from, to;
    const struct lx_entry *entry;
    const char *fuzzy_from; /* the typed word a fuzzy match corrected */
    int sub;
    double num;
    int pct;
    struct tspec t;
    const struct lx_sense *sense;
    enum role role;
    int negate;
    const struct schema_mart *prefer; /* a mart named with it: "customer country" */
    int each;                         /* "each", "every", "per" before a dimension */
    int presence;      /* "with a discount", "no profit": binds only to the measure right after */
    int rate;          /* a grain said as a rate: "monthly", "per month" (not "by month") */
    int times;         /* SP_CMP: "paid more than 3 times": a count of the verb's rows */
    int done;          /* SP_CMP: "never sold": 1 + the date role of the rows there are none of */
    struct nl_key key; /* SP_KEY */
};

enum {
    MAX_SPANS = 128,
    MAX_PERIODS = 4,          /* periods a question names ("2016 vs 2017") */
    MAX_TIME_SPANS = 8,       /* time phrases read; later ones are left unplaced */
    MAX_FACT_CANDIDATES = 32, /* marts whose measure the first measure word names */
    MAX_COUNT_MARTS = 64,     /* marts searched for an entity to count */
    WHY_MAX = 300,            /* a reason to decline, with a label or a word in it */
};

struct ctx {
    const struct lx_lexicon *lx;
    const struct sm_model *model; /* NULL: no date roles */
    int date_verb;                /* a verb naming the date of a period ("shipped in 1997"):
                                   * its enum sm_date_role + 1, or 0 */
    const struct schema *s;
    const char *question;
    struct lx_tokens tk;
    int *owner; /* per token: span index + 1, or 0 */
    struct span sp[MAX_SPANS];
    size_t nsp;
    struct nl_frame *f;
    struct nl_answer *out;
    char why[WHY_MAX];
    int lenient;           /* a follow-up: checks wait for the merged frame */
    int plural_rank;       /* what a superlative ranks was named in the plural */
    int averaged;          /* "average" or "on average" was said */
    int each_next;         /* "in each", "per": the next dimension is one to rank within */
    int each_dim;          /* that dimension: its index + 1, or 0 */
    int list_next;         /* "list": the next entity named is listed */
    int top_default;       /* "top" without a number (1 top, -1 bottom): 10, or 1 of a singular */
    int measure_defaulted; /* no measure was named: one was chosen */
    int rows_defaulted;    /* ... and the data had none: rows are counted */
    int by_count;          /* "most popular": ranked by the number of orders */
    int compare_values;    /* "furniture vs technology": values side by side */
    int yesno;             /* "do we have any customers in Japan": whether any rows are */
    int late;              /* "shipped late": a row's shipped date after its required one */
    int filter_span[NL_MAX_FILTERS];     /* a numeric filter's comparison span + 1 */
    int filter_on_count[NL_MAX_FILTERS]; /* ... bound through a counted noun ("orders
                                          * over 500"), to be read on each row if not
                                          * on each entity */
};

/* ---- token helpers ---- */

static const struct lx_token *tok(const struct ctx *c, size_t i)
{
    return i < c->tk.n ? &c->tk.t[i] : NULL;
}

static int is_w(const struct ctx *c, size_t i, const char *w)
{
    const struct lx_token *t = tok(c, i);
    return t && (t->kind == LX_WORD || t->kind == LX_PUNCT) && strcmp(t->text, w) == 0;
}

static int is_any(const struct ctx *c, size_t i, const char *const *ws)
{
    for (; *ws; ws++)
        if (is_w(c, i, *ws))
            return 1;
    return 0;
}

static int is_free(const struct ctx *c, size_t i)
{
    return i < c->tk.n && c->owner[i] == 0;
}

static int is_num(const struct ctx *c, size_t i)
{
    const struct lx_token *t = tok(c, i);
    return t && t->kind == LX_NUMBER;
}

/* A count at i: a whole number from 1 to 1000 ("top 5") or one written as a word ("top
 * five", "last three months"); 0 if none. "one" is left out: "which one" is no count. */
static int count_at(const struct ctx *c, size_t i)
{
    const struct lx_token *t = tok(c, i);
    if (!t || !is_free(c, i))
        return 0;
    if (t->kind == LX_NUMBER)
        return t->integer && !t->percent && !t->currency && t->value >= 1 && t->value <= 1000
                   ? (int)t->value
                   : 0;
    return t->kind == LX_WORD ? nl__number_word(t->text) : 0;
}

static int is_year(const struct ctx *c, size_t i)
{
    const struct lx_token *t = tok(c, i);
    return t && t->kind == LX_NUMBER && t->integer && t->digits == 4 && !t->percent &&
           !t->currency && t->value >= 1900 && t->value <= 2100;
}

static struct span *add_span(struct ctx *c, enum span_kind kind, size_t from, size_t to)
{
    if (c->nsp >= MAX_SPANS)
        return NULL;
    struct span *s = &c->sp[c->nsp++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->from = from;
    s->to = to;
    for (size_t i = from; i < to && i < c->tk.n; i++)
        c->owner[i] = (int)c->nsp;
    return s;
}

static void assume(struct nl_frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void assume(struct nl_frame *f, const char *fmt, ...)
{
    if (f->nassumptions >= sizeof f->assumptions / sizeof f->assumptions[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->assumptions[f->nassumptions++], sizeof f->assumptions[0], fmt, ap);
    va_end(ap);
}

/* ---- pass 1: time ---- */

static int quarter_word(const struct ctx *c, size_t i)
{
    static const char *const ords[] = {"first", "second", "third", "fourth"};
    for (int q = 0; q < 4; q++)
        if (is_w(c, i, ords[q]) && is_w(c, i + 1, "quarter"))
            return q + 1;
    const struct lx_token *t = tok(c, i);
    if (t && t->kind == LX_ORDINAL && t->value >= 1 && t->value <= 4 && is_w(c, i + 1, "quarter"))
        return (int)t->value;
    return 0;
}

static void period_year(struct nl_period *p, int y)
{
    p->from = (struct nl_date){y, 1, 1};
    p->to = (struct nl_date){y + 1, 1, 1};
    snprintf(p->label, sizeof p->label, "%d", y);
}

static void period_quarter(struct nl_period *p, int y, int q)
{
    p->from = (struct nl_date){y, 3 * (q - 1) + 1, 1};
    p->to = nl__add_months(p->from, 3);
    snprintf(p->label, sizeof p->label, "%s–%s %d", nl__month_name(3 * q - 2),
             nl__month_name(3 * q), y);
}

static void period_month(struct nl_period *p, int y, int m)
{
    p->from = (struct nl_date){y, m, 1};
    p->to = nl__add_months(p->from, 1);
    snprintf(p->label, sizeof p->label, "%s %d", nl__month_name(m), y);
}

static int valid_day(int y, int m, int d)
{
    struct nl_date x = {y, m, d};
    struct nl_date back = nl__from_days(nl__days(x));
    return m >= 1 && m <= 12 && d >= 1 && back.y == y && back.m == m && back.d == d;
}

static void period_day(struct nl_period *p, int y, int m, int d)
{
    p->from = (struct nl_date){y, m, d};
    p->to = nl__from_days(nl__days(p->from) + 1);
    snprintf(p->label, sizeof p->label, "%d %s %d", d, nl__month_name(m), y);
}

/* A day of the month at i: "24", "24th"; 0 if none. */
static int day_at(const struct ctx *c, size_t i)
{
    const struct lx_token *t = tok(c, i);
    if (!t || !is_free(c, i) || !(t->kind == LX_NUMBER || t->kind == LX_ORDINAL))
        return 0;
    if (t->kind == LX_NUMBER && (!t->integer || t->percent || t->currency || t->digits > 2))
        return 0;
    return t->value >= 1 && t->value <= 31 ? (int)t->value : 0;
}

/* "2017-11-24", "2017/11/24", "2017-11" at i (a year first: the ISO order, never a guess
 * between day and month). Returns the tokens used. */
static size_t read_iso(const struct ctx *c, size_t i, struct tspec *t)
{
    if (!is_year(c, i) || !(is_w(c, i + 1, "-") || is_w(c, i + 1, "/")))
        return 0;
    int y = (int)tok(c, i)->value;
    int m = day_at(c, i + 2);
    if (!m || m > 12 || !is_free(c, i + 1))
        return 0;
    if (is_w(c, i + 3, tok(c, i + 1)->text) && day_at(c, i + 4) &&
        valid_day(y, m, day_at(c, i + 4))) {
        period_day(&t->p, y, m, day_at(c, i + 4));
        return 5;
    }
    period_month(&t->p, y, m);
    return 3;
}

/* Reads one point in time at i: "2016", "q3 2016", "q3", "third quarter (of) 2016",
 * "march (of) 2016", "march", "2017-11-24", "November 24(,) 2017", "24(th) (of) November
 * 2017", "November 24". Returns the tokens used (0 if none). */
static size_t read_point(const struct ctx *c, size_t i, struct tspec *t)
{
    memset(t, 0, sizeof *t);
    t->kind = T_ABS;
    const struct lx_token *k = tok(c, i);
    if (!k || !is_free(c, i))
        return 0;
    size_t iso = read_iso(c, i, t);
    if (iso)
        return iso;
    struct nl_date sd;
    if (nl__slashed_date(&c->tk, i, &sd) && is_free(c, i + 4)) {
        period_day(&t->p, sd.y, sd.m, sd.d);
        return 5;
    }
    /* "24th November 2017", "24 of November": a day before a month word. */
    if (day_at(c, i)) {
        size_t j = i + 1 + is_w(c, i + 1, "of");
        int m = tok(c, j) && tok(c, j)->kind == LX_WORD ? nl__month_of(tok(c, j)->text) : 0;
        if (!m || !is_free(c, j))
            return 0;
        int d = day_at(c, i);
        if (is_year(c, j + 1) && is_free(c, j + 1)) {
            if (!valid_day((int)tok(c, j + 1)->value, m, d))
                return 0;
            period_day(&t->p, (int)tok(c, j + 1)->value, m, d);
            return j + 2 - i;
        }
        if (!valid_day(2000, m, d))
            return 0;
        t->year_missing = 1;
        t->m = m;
        t->d = d;
        return j + 1 - i;
    }
    size_t used = 0;
    int q = 0;
    if (k->kind == LX_QUARTER) {
        q = (int)k->value;
        used = 1;
    } else if ((q = quarter_word(c, i)) != 0) {
        used = 2;
    } else if (is_w(c, i, "h1") || is_w(c, i, "h2") ||
               ((is_w(c, i, "first") || is_w(c, i, "second")) && is_w(c, i + 1, "half"))) {
        /* "H1 2017", "the first half of 2017" */
        int words = !is_w(c, i, "h1") && !is_w(c, i, "h2");
        int h = words ? (is_w(c, i, "first") ? 1 : 2) : k->text[1] - '0';
        i += (size_t)words;
        size_t j = i + 1 + (is_w(c, i + 1, "of") && is_year(c, i + 2));
        if (!is_year(c, j))
            return 0;
        int y = (int)tok(c, j)->value;
        t->p.from = (struct nl_date){y, h == 1 ? 1 : 7, 1};
        t->p.to = nl__add_months(t->p.from, 6);
        snprintf(t->p.label, sizeof t->p.label, "H%d %d", h, y);
        return j + 1 - i + (size_t)words;
    }
    if (q) {
        size_t j = i + used;
        if (is_w(c, j, "of") && is_year(c, j + 1))
            j++;
        if (is_year(c, j) && is_free(c, j)) {
            period_quarter(&t->p, (int)tok(c, j)->value, q);
            return j + 1 - i;
        }
        /* "2016 q3" was read by the year branch. */
        t->year_missing = 1;
        t->q = q;
        return used;
    }
    int m = k->kind == LX_WORD ? nl__month_of(k->text) : 0;
    /* "may" is also a verb: only a month before a year, after "in", or in a range. */
    if (m && day_at(c, i + 1)) {
        /* "November 24, 2017", "Nov 24th 2017", "November 24". */
        int d = day_at(c, i + 1);
        size_t j = i + 2 + is_w(c, i + 2, ",");
        if (is_year(c, j) && is_free(c, j)) {
            if (!valid_day((int)tok(c, j)->value, m, d))
                return 0;
            period_day(&t->p, (int)tok(c, j)->value, m, d);
            return j + 1 - i;
        }
        if (valid_day(2000, m, d) && !is_year(c, i + 1)) {
            t->year_missing = 1;
            t->m = m;
            t->d = d;
            return 2;
        }
    }
    if (m) {
        size_t j = i + 1;
        if (is_w(c, j, "of") && is_year(c, j + 1))
            j++;
        if (is_year(c, j) && is_free(c, j)) {
            period_month(&t->p, (int)tok(c, j)->value, m);
            return j + 1 - i;
        }
        if (m == 5 && !(i > 0 && (is_w(c, i - 1, "in") || is_w(c, i - 1, "for"))))
            return 0;
        t->year_missing = 1;
        t->m = m;
        return 1;
    }
    if (is_year(c, i)) {
        int y = (int)k->value;
        if (tok(c, i + 1) && tok(c, i + 1)->kind == LX_QUARTER && is_free(c, i + 1)) {
            period_quarter(&t->p, y, (int)tok(c, i + 1)->value);
            return 2;
        }
        period_year(&t->p, y);
        return 1;
    }
    return 0;
}

#define DASH "\xE2\x80\x93" /* an en dash, in labels such as July–September 2016 */

/* The label of a range from the start of label a to the end of label b:
 * "July–September 2016" + "October–December 2016" -> "July–December 2016";
 * "2019" + "2020" -> "2019–2020"; "March 2019" + "June 2020" -> "March 2019–June 2020". */
static void range_label(const char *a, const char *b, char *out, size_t n)
{
    char first[NL_LABEL_MAX / 2], last[NL_LABEL_MAX / 2]; /* each end is cut to 40 bytes */
    const char *dash = strstr(a, DASH);
    snprintf(first, sizeof first, "%.*s", dash ? (int)(dash - a) : 40, a);
    const char *bdash = strstr(b, DASH);
    snprintf(last, sizeof last, "%.40s", bdash ? bdash + 3 : b);
    /* The same year at both ends is said once. */
    const char *ya = strrchr(a, ' '), *yb = strrchr(last, ' ');
    char *fy = strrchr(first, ' ');
    if (ya && yb && fy && strcmp(ya, yb) == 0 && strcmp(fy, ya) == 0)
        *fy = '\0';
    snprintf(out, n, "%.40s" DASH "%.40s", first, last);
}

static enum shape_grain unit_word(const struct ctx *c, size_t i)
{
    static const char *const w[][2] = {{"day", "days"},
                                       {"week", "weeks"},
                                       {"month", "months"},
                                       {"quarter", "quarters"},
                                       {"year", "years"}};
    static const enum shape_grain g[] = {GRAIN_DAY, GRAIN_WEEK, GRAIN_MONTH, GRAIN_QUARTER,
                                         GRAIN_YEAR};
    for (int k = 0; k < 5; k++)
        if (is_w(c, i, w[k][0]) || is_w(c, i, w[k][1]))
            return g[k];
    return GRAIN_NONE;
}

/* 1 if the question says "this <unit>" or "current <unit>" somewhere. */
static int this_unit(const struct ctx *c, enum shape_grain u)
{
    for (size_t i = 0; i + 1 < c->tk.n; i++)
        if ((is_w(c, i, "this") || is_w(c, i, "current")) && unit_word(c, i + 1) == u)
            return 1;
    return 0;
}

/* Relative periods, anchored later at the latest date of the data. */
static size_t read_relative(const struct ctx *c, size_t i, struct tspec *t)
{
    memset(t, 0, sizeof *t);
    size_t j = i;
    int the = is_w(c, j, "the");
    if (the)
        j++;
    static const char *const last[] = {"last", "past", "previous", "prior", "trailing", NULL};
    static const char *const latest[] = {"latest", "current", "most", "this", NULL};
    if (is_any(c, j, last)) {
        int previous = is_w(c, j, "previous") || is_w(c, j, "prior");
        /* "last 6 months", "past two years" */
        if (count_at(c, j + 1) && unit_word(c, j + 2)) {
            t->kind = T_LAST_N;
            t->n = count_at(c, j + 1);
            t->unit = unit_word(c, j + 2);
            return j + 3 - i;
        }
        enum shape_grain u = unit_word(c, j + 1);
        if (u && !is_w(c, j + 1, "days") && !is_w(c, j + 1, "months") && !is_w(c, j + 1, "years") &&
            !is_w(c, j + 1, "weeks") && !is_w(c, j + 1, "quarters")) {
            /* "the last year" is the latest year of the data; "previous year" the one
             * before it, and so is "last year" beside "this year". */
            t->kind = previous || this_unit(c, u) ? T_PREVIOUS : T_CURRENT;
            t->unit = u;
            return j + 2 - i;
        }
        return 0;
    }
    if (is_any(c, j, latest)) {
        size_t k = j + 1;
        if (is_w(c, j, "most") && is_w(c, k, "recent"))
            k++;
        enum shape_grain u = unit_word(c, k);
        if (u) {
            t->kind = T_CURRENT;
            t->unit = u;
            return k + 1 - i;
        }
        return 0;
    }
    if (the)
        return 0;
    /* year to date, ytd, quarter to date, month to date */
    enum shape_grain u = unit_word(c, i);
    if (u && is_w(c, i + 1, "to") && is_w(c, i + 2, "date")) {
        t->kind = T_TO_DATE;
        t->unit = u;
        return 3;
    }
    if (is_w(c, i, "ytd") || is_w(c, i, "qtd") || is_w(c, i, "mtd")) {
        t->kind = T_TO_DATE;
        t->unit = is_w(c, i, "ytd") ? GRAIN_YEAR : is_w(c, i, "qtd") ? GRAIN_QUARTER : GRAIN_MONTH;
        return 1;
    }
    return 0;
}

/* ---- pass 0: things named by their key ---- */

/* "total price of order 10100", "revenue from customer 103": the thing by its key (see
 * nl__key_at), a filter on its key column. */
static void key_pass(struct ctx *c)
{
    if (!c->model)
        return;
    unsigned char *busy = xcalloc(c->tk.n + 1, 1);
    for (size_t i = 0; i < c->tk.n; i++) {
        struct nl_key k;
        if (nl__key_at(c->lx, c->model, &c->tk, c->question, busy, i, &k) != 0)
            continue;
        struct span *s = add_span(c, SP_KEY, i, k.end);
        if (!s)
            break;
        s->key = k;
        for (size_t j = i; j < k.end; j++)
            busy[j] = 1;
        i = k.end - 1;
    }
    free(busy);
}

/* "shipped late", "orders delivered after their required date": one condition, the
 * verb with it (not the status "Shipped"). */
static void late_pass(struct ctx *c)
{
    for (size_t i = 0; c->model && i < c->tk.n; i++) {
        size_t verb, n = c->owner[i] ? 0 : nl__late_at(&c->tk, i, &verb);
        if (n) {
            add_span(c, SP_LATE, verb < i && !c->owner[verb] ? verb : i, i + n);
            i += n - 1;
        }
    }
}

static void time_pass(struct ctx *c)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        if (!is_free(c, i))
            continue;
        struct tspec a, b;
        size_t start = i;
        /* Prepositions that introduce a period belong to it. */
        static const char *const preps[] = {"in", "during", "for", "of", "from", "on", NULL};
        int between = is_w(c, i, "between");
        int from = is_w(c, i, "from");
        /* Open-ended: since, after, before, prior to, until, up to, starting (in|from). */
        int open = 0;
        size_t j = i;
        if (is_w(c, i, "since")) {
            open = 1, j = i + 1;
        } else if (is_w(c, i, "starting") || is_w(c, i, "beginning")) {
            open = 1, j = i + 1 + (is_w(c, i + 1, "in") || is_w(c, i + 1, "from"));
        } else if (is_w(c, i, "after")) {
            open = 2, j = i + 1;
        } else if (is_w(c, i, "before") || (is_w(c, i, "prior") && is_w(c, i + 1, "to"))) {
            open = -1, j = i + 1 + is_w(c, i, "prior");
        } else if (is_w(c, i, "until") || is_w(c, i, "till") || is_w(c, i, "through") ||
                   (is_w(c, i, "up") && is_w(c, i + 1, "to"))) {
            open = -2, j = i + 1 + is_w(c, i, "up");
        } else if (is_any(c, i, preps) || between) {
            j = i + 1;
        }
        if (open && !is_free(c, j - 1))
            continue;
        size_t n = read_relative(c, j, &a);
        if (!n)
            n = read_point(c, j, &a);
        if (!n)
            continue;
        size_t end = j + n;
        /* Ranges: between A and B, from A to B, A to B, A-B, A through B. */
        if (a.kind == T_ABS &&
            ((between && is_w(c, end, "and")) || is_w(c, end, "to") || is_w(c, end, "through") ||
             is_w(c, end, "until") || is_w(c, end, "-") || is_w(c, end, DASH))) {
            size_t m = read_point(c, end + 1, &b);
            if (m && b.kind == T_ABS) {
                /* "January to June 2021": the first end takes the second's year. */
                if (a.year_missing && !b.year_missing) {
                    if (a.m)
                        period_month(&a.p, b.p.from.y, a.m);
                    else
                        period_quarter(&a.p, b.p.from.y, a.q);
                    a.year_missing = 0;
                }
                if (!a.year_missing && !b.year_missing) {
                    a.p.to = b.p.to;
                    range_label(a.p.label, b.p.label, a.p.label, sizeof a.p.label);
                    end = end + 1 + m;
                }
            }
        } else if (from && !n) {
            continue;
        }
        /* "from 2016 onwards", "2016 and later", "Q2 2017 or earlier". */
        if (!open && (is_w(c, end, "onwards") || is_w(c, end, "onward"))) {
            open = 1;
            end++;
        } else if (!open && (is_w(c, end, "and") || is_w(c, end, "or")) &&
                   (is_w(c, end + 1, "later") || is_w(c, end + 1, "after") ||
                    is_w(c, end + 1, "earlier") || is_w(c, end + 1, "before"))) {
            open = is_w(c, end + 1, "later") || is_w(c, end + 1, "after") ? 1 : -2;
            end += 2;
        }
        struct span *s = add_span(c, SP_TIME, start, end);
        if (!s)
            return;
        s->t = a;
        s->t.open = open;
        i = end - 1;
    }
}

/* ---- pass 2: top/bottom N, numeric comparisons ---- */

static void rank_pass(struct ctx *c)
{
    static const char *const top[] = {"top", "best", "highest", "largest", "biggest", NULL};
    static const char *const bottom[] = {"bottom", "worst", "lowest", "smallest", NULL};
    for (size_t i = 0; i < c->tk.n; i++) {
        if (!is_free(c, i))
            continue;
        int dir = is_any(c, i, top) ? 1 : is_any(c, i, bottom) ? -1 : 0;
        /* "top 5", "bottom three", "best 10" */
        int n = count_at(c, i + 1);
        if (dir && n) {
            struct span *s = add_span(c, SP_TOP, i, i + 2);
            if (s) {
                s->sub = dir;
                s->num = n;
            }
            i++;
            continue;
        }
        /* "5 largest customers", "ten best products" */
        n = count_at(c, i);
        if (n && tok(c, i + 1) && is_free(c, i + 1) &&
            (is_any(c, i + 1, top) || is_any(c, i + 1, bottom) || is_w(c, i + 1, "most") ||
             is_w(c, i + 1, "least"))) {
            struct span *s = add_span(c, SP_TOP, i, i + 2);
            if (s) {
                s->sub = is_any(c, i + 1, bottom) || is_w(c, i + 1, "least") ? -1 : 1;
                s->num = n;
            }
            i++;
            continue;
        }
        if (is_w(c, i, "top") || is_w(c, i, "bottom")) {
            struct span *s = add_span(c, SP_TOP, i, i + 1);
            if (s) {
                s->sub = is_w(c, i, "top") ? 1 : -1;
                s->num = 0; /* no N given: 10, stated as an assumption */
            }
        }
    }
    /* Comparisons with a number: over 500, at least 10, more than 20%, >= 3. */
    static const struct {
        const char *w[3];
        enum nl_cmp op;
    } cmps[] = {
        {{"more", "than", NULL}, NL_CMP_GT},    {{"greater", "than", NULL}, NL_CMP_GT},
        {{"higher", "than", NULL}, NL_CMP_GT},  {{"bigger", "than", NULL}, NL_CMP_GT},
        {{"larger", "than", NULL}, NL_CMP_GT},  {{"over", NULL, NULL}, NL_CMP_GT},
        {{"above", NULL, NULL}, NL_CMP_GT},     {{"exceeding", NULL, NULL}, NL_CMP_GT},
        {{">", NULL, NULL}, NL_CMP_GT},         {{"at", "least", NULL}, NL_CMP_GE},
        {{"no", "less", "than"}, NL_CMP_GE},    {{"minimum", "of", NULL}, NL_CMP_GE},
        {{">=", NULL, NULL}, NL_CMP_GE},        {{"less", "than", NULL}, NL_CMP_LT},
        {{"fewer", "than", NULL}, NL_CMP_LT},   {{"lower", "than", NULL}, NL_CMP_LT},
        {{"smaller", "than", NULL}, NL_CMP_LT}, {{"under", NULL, NULL}, NL_CMP_LT},
        {{"below", NULL, NULL}, NL_CMP_LT},     {{"<", NULL, NULL}, NL_CMP_LT},
        {{"at", "most", NULL}, NL_CMP_LE},      {{"no", "more", "than"}, NL_CMP_LE},
        {{"maximum", "of", NULL}, NL_CMP_LE},   {{"<=", NULL, NULL}, NL_CMP_LE},
        {{"exactly", NULL, NULL}, NL_CMP_EQ},   {{"equal", "to", NULL}, NL_CMP_EQ},
        {{"=", NULL, NULL}, NL_CMP_EQ},
    };
    /* Signs: "negative profit", "positive growth"; losses: "loss-making products", "lost
     * money", "made a loss". */
    static const char *const loss_verbs[] = {"making", "at",  "with", "made", "make",
                                             "makes",  "had", "have", "has",  NULL};
    static const char *const lose[] = {"losing", "lost", "lose", "loses", NULL};
    for (size_t i = 0; i < c->tk.n; i++) {
        if (!is_free(c, i))
            continue;
        size_t n = 0;
        int op = NL_CMP_LT, profit = 0;
        if (is_w(c, i, "negative"))
            n = 1;
        else if (is_w(c, i, "positive"))
            n = 1, op = NL_CMP_GT;
        else if (is_w(c, i, "unprofitable"))
            n = 1, profit = 1;
        else if ((is_w(c, i, "loss") || is_w(c, i, "losses")) && is_w(c, i + 1, "making"))
            n = 2, profit = 1;
        else if (is_any(c, i, loss_verbs) && is_w(c, i + 1, "a") && is_w(c, i + 2, "loss"))
            n = 3, profit = 1;
        else if (is_any(c, i, loss_verbs) && is_w(c, i + 1, "losses"))
            n = 2, profit = 1;
        else if (is_any(c, i, lose) && is_w(c, i + 1, "money"))
            n = 2, profit = 1;
        /* "had no profit", "with a discount", "given any discount": zero or not. */
        static const char *const not_after_no[] = {"of",     "more", "less", "fewer",
                                                   "longer", "than", "one",  NULL};
        static const char *const having[] = {"with",     "had",   "have",    "has",     "got",
                                             "received", "given", "getting", "without", NULL};
        int presence = 0;
        enum sm_date_role done = SM_DATE_OTHER;
        size_t nv = 0;
        if (!n && (nv = nl__never_at(&c->tk, i, &done)) > 0 && done != SM_DATE_OTHER)
            n = nv, op = NL_CMP_LE, presence = 1; /* "never been sold": none of the sales */
        else if (!n && is_w(c, i, "no") && tok(c, i + 1) && tok(c, i + 1)->kind == LX_WORD &&
                 !is_any(c, i + 1, not_after_no))
            n = 1, op = NL_CMP_LE, presence = 1;
        else if (!n && (is_w(c, i, "a") || is_w(c, i, "any") || is_w(c, i, "some")) && i > 0 &&
                 is_any(c, i - 1, having) && tok(c, i + 1) && tok(c, i + 1)->kind == LX_WORD)
            n = 1, op = is_w(c, i - 1, "without") ? NL_CMP_LE : NL_CMP_GT, presence = 1;
        if (!n || !is_free(c, i + n - 1))
            continue;
        struct span *s = add_span(c, SP_CMP, i, i + n);
        if (s) {
            s->sub = op;
            s->num = 0;
            s->negate = profit; /* the comparison is on profit, named or not */
            s->presence = presence;
            s->done = nv ? (int)done + 1 : 0;
        }
        i += n - 1;
    }
    for (size_t i = 0; i < c->tk.n; i++) {
        for (size_t k = 0; k < sizeof cmps / sizeof cmps[0]; k++) {
            size_t n = 0;
            while (n < 3 && cmps[k].w[n] && is_w(c, i + n, cmps[k].w[n]) && is_free(c, i + n))
                n++;
            if (n == 0 || (n < 3 && cmps[k].w[n]))
                continue;
            int word = tok(c, i + n) && tok(c, i + n)->kind == LX_WORD
                           ? nl__number_word(tok(c, i + n)->text)
                           : 0; /* "more than three times" */
            int times = is_w(c, i + n + 1, "times") && is_free(c, i + n + 1);
            if ((!is_num(c, i + n) && !(word && times)) || !is_free(c, i + n))
                continue;
            struct span *s = add_span(c, SP_CMP, i, i + n + 1 + (size_t)times);
            if (s) {
                s->sub = cmps[k].op;
                s->num = word ? word : tok(c, i + n)->value;
                s->pct = word ? 0 : tok(c, i + n)->percent;
                s->times = times;
            }
            i += n + (size_t)times;
            break;
        }
    }
}

/* ---- pass 3: cue phrases ---- */

struct cue {
    const char *w[4];
    enum span_kind kind;
    int sub;
};

static const struct cue cues[] = {
    {{"broken", "down", "by", NULL}, SP_BY, 0},
    {{"break", "down", "by", NULL}, SP_BY, 0},
    {{"broken", "out", "by", NULL}, SP_BY, 0},
    {{"broken", "up", "by", NULL}, SP_BY, 0},
    {{"split", "out", "by", NULL}, SP_BY, 0},
    {{"split", "by", NULL, NULL}, SP_BY, 0},
    /* after the grain pass took "by year" of "broken out by year" */
    {{"broken", "down", NULL, NULL}, SP_FILLER, 0},
    {{"broken", "out", NULL, NULL}, SP_FILLER, 0},
    {{"broken", "up", NULL, NULL}, SP_FILLER, 0},
    {{"split", "out", NULL, NULL}, SP_FILLER, 0},
    {{"of", "all", "time", NULL}, SP_FILLER, 0},
    {{"all", "time", NULL, NULL}, SP_FILLER, 0},
    {{"grouped", "by", NULL, NULL}, SP_BY, 0},
    {{"group", "by", NULL, NULL}, SP_BY, 0},
    {{"for", "each", NULL, NULL}, SP_BY, 2},
    {{"for", "every", NULL, NULL}, SP_BY, 2},
    {{"by", "each", NULL, NULL}, SP_BY, 2},
    {{"in", "each", NULL, NULL}, SP_BY, 2},
    {{"in", "every", NULL, NULL}, SP_BY, 2},
    {{"within", "each", NULL, NULL}, SP_BY, 2},
    {{"across", "all", NULL, NULL}, SP_BY, 0},
    {{"by", NULL, NULL, NULL}, SP_BY, 0},
    {{"each", NULL, NULL, NULL}, SP_BY, 2},
    {{"every", NULL, NULL, NULL}, SP_BY, 2},
    {{"across", NULL, NULL, NULL}, SP_BY, 0},
    {{"wise", NULL, NULL, NULL}, SP_BY, 1}, /* "region wise": the dimension comes before */
    {{"average", "order", "value", NULL}, SP_AOV, 0},
    {{"avg", "order", "value", NULL}, SP_AOV, 0},
    {{"average", "order", "size", NULL}, SP_AOV, 0},
    {{"average", "basket", "size", NULL}, SP_AOV, 0},
    {{"average", "ticket", "size", NULL}, SP_AOV, 0},
    {{"aov", NULL, NULL, NULL}, SP_AOV, 0},
    {{"order", "lines", NULL, NULL}, SP_ROWS, 0},
    {{"order", "line", NULL, NULL}, SP_ROWS, 0},
    {{"line", "items", NULL, NULL}, SP_ROWS, 0},
    {{"rows", NULL, NULL, NULL}, SP_ROWS, 0},
    {{"records", NULL, NULL, NULL}, SP_ROWS, 0},
    {{"lines", NULL, NULL, NULL}, SP_ROWS, 0},
    {{"entries", NULL, NULL, NULL}, SP_ROWS, 0},
    {{"how", "many", "different", NULL}, SP_COUNT, 0}, /* things counted are distinct */
    {{"number", "of", "different", NULL}, SP_COUNT, 0},
    {{"how", "many", NULL, NULL}, SP_COUNT, 0},
    {{"how", "much", NULL, NULL}, SP_FILLER, 0},
    {{"total", "number", "of", NULL}, SP_COUNT, 0},
    {{"number", "of", NULL, NULL}, SP_COUNT, 0},
    {{"count", "of", NULL, NULL}, SP_COUNT, 0},
    {{"no", "of", NULL, NULL}, SP_COUNT, 0},
    {{"count", NULL, NULL, NULL}, SP_COUNT, 0},
    {{"year", "over", "year", NULL}, SP_GROWTH, GRAIN_YEAR},
    {{"year", "on", "year", NULL}, SP_GROWTH, GRAIN_YEAR},
    {{"yoy", NULL, NULL, NULL}, SP_GROWTH, GRAIN_YEAR},
    {{"month", "over", "month", NULL}, SP_GROWTH, GRAIN_MONTH},
    {{"mom", NULL, NULL, NULL}, SP_GROWTH, GRAIN_MONTH},
    {{"quarter", "over", "quarter", NULL}, SP_GROWTH, GRAIN_QUARTER},
    {{"qoq", NULL, NULL, NULL}, SP_GROWTH, GRAIN_QUARTER},
    {{"growth", "rate", NULL, NULL}, SP_GROWTH, 0},
    {{"growth", NULL, NULL, NULL}, SP_GROWTH, 0},
    {{"change", NULL, NULL, NULL}, SP_GROWTH, 0},
    {{"changed", NULL, NULL, NULL}, SP_GROWTH, 0},
    {{"grow", NULL, NULL, NULL}, SP_GROWTH, 0},
    {{"grew", NULL, NULL, NULL}, SP_GROWTH, 0},
    {{"grown", NULL, NULL, NULL}, SP_GROWTH, 0},
    {{"growing", NULL, NULL, NULL}, SP_GROWTH, 0},
    {{"highest", "first", NULL, NULL}, SP_ORDER, 1},
    {{"largest", "first", NULL, NULL}, SP_ORDER, 1},
    {{"biggest", "first", NULL, NULL}, SP_ORDER, 1},
    {{"lowest", "first", NULL, NULL}, SP_ORDER, -1},
    {{"smallest", "first", NULL, NULL}, SP_ORDER, -1},
    {{"descending", NULL, NULL, NULL}, SP_ORDER, 1},
    {{"ascending", NULL, NULL, NULL}, SP_ORDER, -1},
    {{"profit", "margin", NULL, NULL}, SP_MARGIN, 0},
    {{"profit", "ratio", NULL, NULL}, SP_MARGIN, 0},
    {{"gross", "profit", "margin", NULL}, SP_MARGIN, 0},
    {{"gross", "margin", NULL, NULL}, SP_MARGIN, 0},
    {{"gross", "profit", NULL, NULL}, SP_PROFIT, 0},
    {{"profit", NULL, NULL, NULL}, SP_PROFIT, 0},
    {{"profits", NULL, NULL, NULL}, SP_PROFIT, 0},
    {{"profitability", NULL, NULL, NULL}, SP_MARGIN, 0},
    {{"margin", NULL, NULL, NULL}, SP_MARGIN, 0},
    {{"margins", NULL, NULL, NULL}, SP_MARGIN, 0},
    {{"compared", "to", NULL, NULL}, SP_VS, 0},
    {{"compare", NULL, NULL, NULL}, SP_VS, 1}, /* "compare 2016 and 2017": needs two periods */
    {{"comparison", "of", NULL, NULL}, SP_VS, 1},
    {{"compared", "with", NULL, NULL}, SP_VS, 0},
    {{"versus", NULL, NULL, NULL}, SP_VS, 0},
    {{"vs", NULL, NULL, NULL}, SP_VS, 0},
    {{"against", NULL, NULL, NULL}, SP_VS, 0},
    {{"percentage", "of", NULL, NULL}, SP_SHARE, 0},
    {{"percent", "of", NULL, NULL}, SP_SHARE, 0},
    {{"%", "of", NULL, NULL}, SP_SHARE, 0},
    {{"share", "of", NULL, NULL}, SP_SHARE, 0},
    {{"proportion", "of", NULL, NULL}, SP_SHARE, 0},
    {{"contribution", "of", NULL, NULL}, SP_SHARE, 0},
    {{"percentage", NULL, NULL, NULL}, SP_SHARE, 0},
    {{"share", NULL, NULL, NULL}, SP_SHARE, 0},
    {{"proportion", NULL, NULL, NULL}, SP_SHARE, 0},
    {{"fraction", "of", NULL, NULL}, SP_SHARE, 0},
    {{"fraction", NULL, NULL, NULL}, SP_SHARE, 0},
    {{"excluding", NULL, NULL, NULL}, SP_NEG, 0},
    {{"except", "for", NULL, NULL}, SP_NEG, 0},
    {{"except", NULL, NULL, NULL}, SP_NEG, 0},
    {{"other", "than", NULL, NULL}, SP_NEG, 0},
    {{"apart", "from", NULL, NULL}, SP_NEG, 0},
    {{"not", "including", NULL, NULL}, SP_NEG, 0},
    {{"without", NULL, NULL, NULL}, SP_NEG, 0},
    {{"exclude", NULL, NULL, NULL}, SP_NEG, 0},
    {{"not", "in", NULL, NULL}, SP_NEG, 0},
    {{"outside", "of", NULL, NULL}, SP_NEG, 0},
    {{"outside", NULL, NULL, NULL}, SP_NEG, 0},
    {{"not", NULL, NULL, NULL}, SP_NEG, 0},
    {{"total", NULL, NULL, NULL}, SP_AGG, NL_AGG_SUM},
    {{"sum", "of", NULL, NULL}, SP_AGG, NL_AGG_SUM},
    {{"sum", NULL, NULL, NULL}, SP_AGG, NL_AGG_SUM},
    {{"overall", NULL, NULL, NULL}, SP_AGG, NL_AGG_SUM},
    {{"average", NULL, NULL, NULL}, SP_AGG, NL_AGG_AVG},
    {{"avg", NULL, NULL, NULL}, SP_AGG, NL_AGG_AVG},
    {{"mean", NULL, NULL, NULL}, SP_AGG, NL_AGG_AVG},
    {{"typical", NULL, NULL, NULL}, SP_AGG, NL_AGG_MEDIAN},
    {{"median", NULL, NULL, NULL}, SP_AGG, NL_AGG_MEDIAN},
    {{"maximum", NULL, NULL, NULL}, SP_AGG, NL_AGG_MAX},
    {{"max", NULL, NULL, NULL}, SP_AGG, NL_AGG_MAX},
    {{"minimum", NULL, NULL, NULL}, SP_AGG, NL_AGG_MIN},
    {{"min", NULL, NULL, NULL}, SP_AGG, NL_AGG_MIN},
    {{"list", "all", NULL, NULL}, SP_LIST, 0},
    {{"list", "of", NULL, NULL}, SP_LIST, 0},
    {{"show", "all", NULL, NULL}, SP_LIST, 0},
    {{"show", "me", "all", NULL}, SP_LIST, 0},
    {{"name", "all", NULL, NULL}, SP_LIST, 0},
    {{"name", "the", NULL, NULL}, SP_LIST, 0},
    {{"list", NULL, NULL, NULL}, SP_LIST, 0},
    {{"enumerate", NULL, NULL, NULL}, SP_LIST, 0},
    {{"which", NULL, NULL, NULL}, SP_WHICH, 0},
    {{"what", NULL, NULL, NULL}, SP_WHICH, 0},
    {{"who", NULL, NULL, NULL}, SP_WHICH, 0},
    {{"most", "popular", NULL, NULL}, SP_SUPER, 2},
    {{"most", "often", NULL, NULL}, SP_SUPER, 2},
    {{"most", "frequently", NULL, NULL}, SP_SUPER, 2},
    {{"most", "common", NULL, NULL}, SP_SUPER, 2},
    {{"most", "frequent", NULL, NULL}, SP_SUPER, 2},
    {{"least", "often", NULL, NULL}, SP_SUPER, -2},
    {{"least", "common", NULL, NULL}, SP_SUPER, -2},
    {{"least", "popular", NULL, NULL}, SP_SUPER, -2},
    {{"busiest", NULL, NULL, NULL}, SP_SUPER, 2},
    {{"quietest", NULL, NULL, NULL}, SP_SUPER, -2},
    {{"slowest", NULL, NULL, NULL}, SP_SUPER, -2},
    {{"highest", NULL, NULL, NULL}, SP_SUPER, 1},
    {{"most", NULL, NULL, NULL}, SP_SUPER, 1},
    {{"fastest", NULL, NULL, NULL}, SP_SUPER, 1},
    {{"largest", NULL, NULL, NULL}, SP_SUPER, 1},
    {{"biggest", NULL, NULL, NULL}, SP_SUPER, 1},
    {{"greatest", NULL, NULL, NULL}, SP_SUPER, 1},
    {{"best", NULL, NULL, NULL}, SP_SUPER, 1},
    {{"top", NULL, NULL, NULL}, SP_SUPER, 1},
    {{"lowest", NULL, NULL, NULL}, SP_SUPER, -1},
    {{"least", NULL, NULL, NULL}, SP_SUPER, -1},
    {{"smallest", NULL, NULL, NULL}, SP_SUPER, -1},
    {{"fewest", NULL, NULL, NULL}, SP_SUPER, -1},
    {{"worst", NULL, NULL, NULL}, SP_SUPER, -1},
    {{"only", NULL, NULL, NULL}, SP_ONLY, 0},
    {{"just", NULL, NULL, NULL}, SP_ONLY, 0},
    {{"and", NULL, NULL, NULL}, SP_AND, 0},
    {{"or", NULL, NULL, NULL}, SP_AND, 0},
    {{",", NULL, NULL, NULL}, SP_AND, 0},
    {{"&", NULL, NULL, NULL}, SP_AND, 0},
    {{"per", NULL, NULL, NULL}, SP_PER, 0},
};

/* Grain words: monthly, by month, per quarter, over time. */
static void grain_pass(struct ctx *c)
{
    static const struct {
        const char *w;
        enum shape_grain g;
    } adj[] = {{"monthly", GRAIN_MONTH}, {"quarterly", GRAIN_QUARTER}, {"yearly", GRAIN_YEAR},
               {"annual", GRAIN_YEAR},   {"annually", GRAIN_YEAR},     {"weekly", GRAIN_WEEK},
               {"daily", GRAIN_DAY},     {"trend", GRAIN_NONE},        {"trends", GRAIN_NONE},
               {"trending", GRAIN_NONE}};
    for (size_t i = 0; i < c->tk.n; i++) {
        if (!is_free(c, i))
            continue;
        for (size_t k = 0; k < sizeof adj / sizeof adj[0]; k++) {
            if (is_w(c, i, adj[k].w)) {
                struct span *s = add_span(c, SP_GRAIN, i, i + 1);
                if (s) {
                    s->sub = adj[k].g;
                    s->rate = adj[k].g != GRAIN_NONE;
                }
            }
        }
        if (!is_free(c, i))
            continue;
        /* "by month", "per quarter", "each year", "for each month", "over time" */
        size_t j = i;
        if (is_w(c, j, "for") && (is_w(c, j + 1, "each") || is_w(c, j + 1, "every")))
            j += 2;
        else if (is_w(c, j, "by") || is_w(c, j, "per") || is_w(c, j, "each") ||
                 is_w(c, j, "every") || is_w(c, j, "across"))
            j++;
        else
            j = i;
        int each = j > i && !is_w(c, i, "by") && !is_w(c, i, "across");
        /* Cycles: "by weekday", "day of the week", "month of the year", "seasonality". */
        size_t k = j + (j > i && is_w(c, j, "the"));
        size_t cyc = 0;
        int cycle = 0;
        if (is_w(c, k, "weekday") || is_w(c, k, "weekdays")) {
            cyc = 1, cycle = NL_CYCLE_WEEKDAY;
        } else if ((is_w(c, k, "day") || is_w(c, k, "days")) && is_w(c, k + 1, "of")) {
            size_t t = k + 2 + is_w(c, k + 2, "the");
            if (is_w(c, t, "week"))
                cyc = t + 1 - k, cycle = NL_CYCLE_WEEKDAY;
        } else if ((is_w(c, k, "month") || is_w(c, k, "months")) && is_w(c, k + 1, "of")) {
            size_t t = k + 2 + is_w(c, k + 2, "the");
            if (is_w(c, t, "year"))
                cyc = t + 1 - k, cycle = NL_CYCLE_MONTH;
        } else if (is_w(c, k, "seasonality") ||
                   (is_w(c, k, "calendar") && is_w(c, k + 1, "month"))) {
            cyc = 1 + is_w(c, k, "calendar"), cycle = NL_CYCLE_MONTH;
        }
        if (cyc && (k == j || j > i)) {
            int free_all = 1;
            for (size_t t = i; t < k + cyc; t++)
                free_all &= is_free(c, t);
            if (free_all) {
                struct span *s = add_span(c, SP_GRAIN, i, k + cyc);
                if (s) {
                    s->sub = cycle;
                    s->each = each;
                }
                i = k + cyc - 1;
                continue;
            }
        }
        /* "month by month", "year by year": the unit said twice is the breakdown. */
        enum shape_grain twice = unit_word(c, i);
        if (twice && is_w(c, i + 1, "by") && unit_word(c, i + 2) == twice && is_free(c, i + 1) &&
            is_free(c, i + 2)) {
            struct span *s = add_span(c, SP_GRAIN, i, i + 3);
            if (s)
                s->sub = twice;
            i += 2;
            continue;
        }
        if (j > i) {
            if (is_w(c, j, "the"))
                j++;
            enum shape_grain g = unit_word(c, j);
            if (g && is_free(c, j)) {
                struct span *s = add_span(c, SP_GRAIN, i, j + 1);
                if (s) {
                    s->sub = g;
                    s->each = each;
                    s->rate = is_w(c, i, "per") || (is_w(c, i, "a") && j == i + 1);
                }
                continue;
            }
        }
        /* "which month", "what year", "the busiest day", "best quarter": the unit is the
         * breakdown a ranking or a question ranges over. */
        static const char *const asks[] = {"which",    "what",    "best",   "worst",     "busiest",
                                           "quietest", "slowest", "peak",   "strongest", "weakest",
                                           "top",      "highest", "lowest", "biggest",   "smallest",
                                           "record",   NULL};
        enum shape_grain ug = unit_word(c, i);
        /* "by country and year": a unit in a list of dimensions. */
        if (ug && i > 1 && (is_w(c, i - 1, "and") || is_w(c, i - 1, ",")) &&
            !is_w(c, i + 1, "to") && !is_w(c, i + 1, "over")) {
            struct span *s = add_span(c, SP_GRAIN, i, i + 1);
            if (s)
                s->sub = ug;
            continue;
        }
        if (ug && i > 0 && strcmp(tok(c, i)->text, tok(c, i)->stem) == 0 &&
            (is_any(c, i - 1, asks) ||
             (is_w(c, i - 1, "the") && i > 1 && is_any(c, i - 2, asks)))) {
            struct span *s = add_span(c, SP_GRAIN, i, i + 1);
            if (s)
                s->sub = ug;
            continue;
        }
        if (is_w(c, i, "over") && is_w(c, i + 1, "time")) {
            struct span *s = add_span(c, SP_GRAIN, i, i + 2);
            if (s)
                s->sub = GRAIN_NONE;
        } else if (is_w(c, i, "over") && is_w(c, i + 1, "the") && is_w(c, i + 2, "years")) {
            struct span *s = add_span(c, SP_GRAIN, i, i + 3);
            if (s)
                s->sub = GRAIN_YEAR;
        }
    }
}

/* Cue phrases of at least min_words words: multi-word cues ("number of", "for each")
 * are read before the lexicon, single words after it, so that "number" in "number of
 * orders" is a cue while "total" can still be a column named total. */
static void cue_pass(struct ctx *c, size_t min_words)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        if (!is_free(c, i))
            continue;
        for (size_t k = 0; k < sizeof cues / sizeof cues[0]; k++) {
            size_t len = 0;
            while (len < 4 && cues[k].w[len])
                len++;
            if (len < min_words)
                continue;
            size_t n = 0;
            while (n < 4 && cues[k].w[n] && is_w(c, i + n, cues[k].w[n]) && is_free(c, i + n))
                n++;
            if (n == 0 || (n < 4 && cues[k].w[n]))
                continue;
            struct span *s = add_span(c, cues[k].kind, i, i + n);
            if (s)
                s->sub = cues[k].sub;
            i += n - 1;
            break;
        }
    }
}

/* ---- pass 4: lexicon ---- */

static int stop_word(const char *w)
{
    return lx_stop_word(w);
}

/* Looks up the phrase of tokens [i, i+n) (see lx_lexicon_run), all of them free words. */
static const struct lx_entry *lookup(const struct ctx *c, size_t i, size_t n)
{
    if (n == 0)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        const struct lx_token *t = tok(c, i + k);
        /* punctuation inside a name ("Cruz & Sons Co.", "Harley-Davidson"), never at
         * its ends */
        if (!t || (t->kind == LX_PUNCT && (k == 0 || k + 1 == n)) || !is_free(c, i + k))
            return NULL;
    }
    return lx_lexicon_run(c->lx, tok(c, i), n);
}

/* "2003 Harley-Davidson Eagle Drag Bikes", "1937 Lincoln Berline": a name of the data that
 * starts with a number is the name, read before the number can be a year. */
static void named_number_pass(struct ctx *c)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        if (!is_free(c, i) || tok(c, i)->kind != LX_NUMBER)
            continue;
        for (size_t n = 10; n >= 2; n--) {
            const struct lx_entry *e = lookup(c, i, n);
            int value = 0;
            for (size_t k = 0; e && k < e->n; k++)
                value |= e->senses[k].kind == LX_SENSE_VALUE && e->senses[k].quality == LX_EXACT;
            if (!value)
                continue;
            struct span *s = add_span(c, SP_LEX, i, i + n);
            if (s)
                s->entry = e;
            i += n - 1;
            break;
        }
    }
}

/* ---- pass 3b: measures the model computes ---- */

/* Words for the model's computed measures, longest first. */
static const struct {
    const char *w[3];
    const char *measure;
} computed_words[] = {
    {{"total", "order", "value"}, "revenue"}, {{"order", "value", NULL}, "revenue"},
    {{"sales", "revenue", NULL}, "revenue"},  {{"revenue", "sales", NULL}, "revenue"},
    {{"total", "price", NULL}, "revenue"},    {{"sales", "value", NULL}, "revenue"},
    {{"sales", "amount", NULL}, "revenue"},   {{"gross", "profit", NULL}, "profit"},
    {{"actual", "profit", NULL}, "profit"},   {{"revenue", NULL, NULL}, "revenue"},
    {{"revenues", NULL, NULL}, "revenue"},    {{"sales", NULL, NULL}, "revenue"},
    {{"turnover", NULL, NULL}, "revenue"},    {{"value", NULL, NULL}, "revenue"},
    {{"cost", NULL, NULL}, "cost"},           {{"costs", NULL, NULL}, "cost"},
    {{"profit", NULL, NULL}, "profit"},       {{"profits", NULL, NULL}, "profit"},
    {{"profitable", NULL, NULL}, "profit"},   {{"spent", NULL, NULL}, "revenue"},
    {{"spend", NULL, NULL}, "revenue"},       {{"spending", NULL, NULL}, "revenue"},
};

/* 1 if the data has amounts paid: money on a table with a payment date. */
static int paid_amounts(const struct ctx *c)
{
    for (size_t i = 0; i < c->model->ndates; i++)
        for (size_t k = 0; c->model->dates[i].role == SM_DATE_PAID && k < c->model->nmeasures; k++)
            if (c->model->measures[k].mart == c->model->dates[i].mart &&
                c->model->measures[k].kind == SM_MONEY)
                return 1;
    return 0;
}

/* A column of the data that the phrase names as written or by a synonym: then the
 * column is meant, not the model's computed measure. */
static int names_column(const struct ctx *c, size_t i, size_t n)
{
    const struct lx_entry *e = lookup(c, i, n);
    for (size_t k = 0; e && k < e->n; k++)
        if (e->senses[k].kind == LX_SENSE_COLUMN && e->senses[k].quality >= LX_SYNONYM &&
            strcmp(e->senses[k].col->role, "measure") == 0)
            return 1;
    return 0;
}

/* "revenue by product line" where no column holds revenue: the model's quantity × price.
 * "value" is revenue only next to what it is the value of ("value of the orders", "order
 * value"), never as a filler elsewhere ("values by region"). */
static void computed_pass(struct ctx *c)
{
    if (!c->model)
        return;
    for (size_t i = 0; i < c->tk.n; i++) {
        if (!is_free(c, i))
            continue;
        for (size_t k = 0; k < sizeof computed_words / sizeof computed_words[0]; k++) {
            size_t n = 0;
            while (n < 3 && computed_words[k].w[n] && is_w(c, i + n, computed_words[k].w[n]) &&
                   is_free(c, i + n))
                n++;
            if (n == 0 || (n < 3 && computed_words[k].w[n]))
                continue;
            if (strcmp(computed_words[k].w[0], "value") == 0 && n == 1 && !is_w(c, i + 1, "of") &&
                !(i > 0 && (is_w(c, i - 1, "order") || is_w(c, i - 1, "total"))))
                break;
            /* "spent" is what was ordered, unless the data also has payments: then it
             * could be either */
            if (strncmp(computed_words[k].w[0], "spen", 4) == 0 && paid_amounts(c))
                break;
            size_t m = 0;
            while (m < c->model->nmeasures &&
                   (c->model->measures[m].col ||
                    strcmp(c->model->measures[m].name, computed_words[k].measure) != 0))
                m++;
            if (m == c->model->nmeasures || names_column(c, i, n))
                break;
            struct span *s = add_span(c, SP_COMPUTED, i, i + n);
            if (s)
                s->sub = (int)m;
            i += n - 1;
            break;
        }
    }
}

/* Words that count pieces of what sold: "units sold", "number of items". */
static const char *const pieces[] = {"units", "items", "pieces", NULL};

static int filler_word(const char *w);

/* 1 if w is (the first word of) a cue: a typo correction must never turn "median" into
 * the city Medina. */
static int cue_word(const char *w)
{
    for (size_t k = 0; k < sizeof cues / sizeof cues[0]; k++)
        if (strcmp(cues[k].w[0], w) == 0)
            return 1;
    static const char *const more[] = {"monthly", "quarterly", "yearly", "annual",   "annually",
                                       "weekly",  "daily",     "trend",  "trends",   "top",
                                       "bottom",  "last",      "past",   "previous", "latest",
                                       "between", NULL};
    for (int i = 0; more[i]; i++)
        if (strcmp(more[i], w) == 0)
            return 1;
    return nl__month_of(w) != 0;
}

/* 1 if w is a cue all by itself ("total", "average"), not only the start of one
 * ("order" of "order lines"). */
static int single_cue(const char *w)
{
    for (size_t k = 0; k < sizeof cues / sizeof cues[0]; k++)
        if (!cues[k].w[1] && strcmp(cues[k].w[0], w) == 0)
            return 1;
    return 0;
}

/* 1 if every sense of e names a column in part. */
static int only_partial(const struct lx_entry *e)
{
    for (size_t k = 0; k < e->n; k++)
        if (e->senses[k].quality != LX_PARTIAL)
            return 0;
    return e->n > 0;
}

static int all_caps(const char *s, int n)
{
    int letters = 0;
    for (int i = 0; i < n; i++) {
        if (islower((unsigned char)s[i]))
            return 0;
        letters += isupper((unsigned char)s[i]) != 0;
    }
    return letters > 0;
}

/* Phrases of at least min_words words: names of two words and more ("annual income",
 * "order date", "New York City") are read before grain and cue words, which could
 * otherwise take one of their words ("annual"); single words after them. */
/* "how many orders were shipped" where a status column holds Shipped: a verb of the
 * sentence that is also a value of the data is the value. */
static int status_value(const char *w, const struct lx_entry *e)
{
    static const char *const verbs[] = {"shipped", "delivered", "received", "returned",
                                        "ordered", "cancelled", "canceled", NULL};
    int verb = 0;
    for (int k = 0; verbs[k] && !verb; k++)
        verb = strcmp(w, verbs[k]) == 0;
    for (size_t k = 0; verb && k < e->n; k++)
        if (e->senses[k].kind == LX_SENSE_VALUE && e->senses[k].quality == LX_EXACT)
            return 1;
    return 0;
}

static void lexicon_pass(struct ctx *c, size_t min_words)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        if (!is_free(c, i) || tok(c, i)->kind == LX_PUNCT)
            continue;
        const struct lx_entry *e = NULL;
        size_t n;
        for (n = 6; n >= min_words; n--) {
            if ((e = lookup(c, i, n)) != NULL)
                break;
        }
        /* "units sold", "items ordered" with no column of that name: the quantity that
         * sold (order_details.quantity), not units_in_stock, which "units" names in part. */
        static const char *const sold[] = {"sold", "ordered", "purchased", "bought", NULL};
        if (!e && min_words > 1 && is_any(c, i, pieces) && is_any(c, i + 1, sold) &&
            is_free(c, i + 1) && (e = lx_lexicon_concept(c->lx, "units")) != NULL)
            n = 2;
        if (!e && min_words > 1)
            continue;
        const char *fuzzy_from = NULL;
        if (!e && tok(c, i)->kind == LX_WORD && !filler_word(tok(c, i)->text) &&
            !cue_word(tok(c, i)->text)) {
            e = lx_lexicon_fuzzy(c->lx, tok(c, i)->text);
            if (e)
                fuzzy_from = tok(c, i)->text;
            n = 1;
        }
        if (!e)
            continue;
        /* A one-word match on a word of the sentence's grammar ("in", "or", "me") is that
         * word, not a value such as the state code IN, unless it is written in capitals. */
        if (n == 1 && (filler_word(tok(c, i)->text) || stop_word(tok(c, i)->text)) &&
            !all_caps(c->question + tok(c, i)->start, tok(c, i)->end - tok(c, i)->start) &&
            !status_value(tok(c, i)->text, e))
            continue;
        /* A cue word ("total", "average", "top") that names a column only in part
         * (total_children) is the cue. */
        if (n == 1 && single_cue(tok(c, i)->text) && only_partial(e))
            continue;
        struct span *s = add_span(c, SP_LEX, i, i + n);
        if (!s)
            return;
        s->entry = e;
        s->fuzzy_from = fuzzy_from;
        i += n - 1;
    }
}

/* "orders shipped in 1997", "revenue from orders that shipped in December": a verb
 * right before a period says which date the period is on (the ship date, not the order
 * date). The verb is then that, not a status value. Runs after time_pass. */
static void date_verb_pass(struct ctx *c)
{
    if (!c->model)
        return;
    for (size_t k = 0; k < c->nsp; k++) {
        if (c->sp[k].kind != SP_TIME || c->sp[k].from == 0)
            continue;
        size_t v = c->sp[k].from - 1;
        if (!is_free(c, v) || tok(c, v)->kind != LX_WORD)
            continue;
        /* "ordered in 2016" is on the date periods are read on anyway */
        enum sm_date_role role = sm_verb_date_role(tok(c, v)->text);
        if (role != SM_DATE_OTHER && role != SM_DATE_ORDERED) {
            c->date_verb = (int)role + 1;
            add_span(c, SP_FILLER, v, v + 1);
            return;
        }
    }
    /* "which customer paid the most": paying names the payments, dated or not */
    enum sm_date_role never;
    for (size_t i = 0; i < c->tk.n; i++)
        if (is_free(c, i) && tok(c, i)->kind == LX_WORD &&
            sm_verb_date_role(tok(c, i)->text) == SM_DATE_PAID &&
            !(i > 0 && nl__never_at(&c->tk, i - 1, &never)) &&
            !(i > 1 && nl__never_at(&c->tk, i - 2, &never))) { /* "never (been) paid" */
            c->date_verb = (int)SM_DATE_PAID + 1;
            add_span(c, SP_FILLER, i, i + 1);
            return;
        }
}

static int distance(const struct ctx *c, const struct schema_mart *to);

/* The date column of the verb's role: on the date mart, else on a mart the fact reaches;
 * 0, or -1 when the data has none. */
static int verb_date(struct ctx *c)
{
    struct nl_frame *f = c->f;
    const struct sm_date *best = NULL;
    int best_d = 1000;
    for (size_t i = 0; i < c->model->ndates; i++) {
        const struct sm_date *d = &c->model->dates[i];
        if ((int)d->role + 1 != c->date_verb)
            continue;
        int dist = d->mart == f->date_mart ? -1 : distance(c, d->mart);
        if (dist < 100 && dist < best_d)
            best = d, best_d = dist;
    }
    if (!best)
        return -1;
    f->date = best->col;
    f->date_mart = best->mart;
    return 0;
}

/* ---- pass 5: fillers ---- */

static int filler_word(const char *w)
{
    static const char *const f[] = {"show",      "me",          "give",       "list",
                                    "tell",      "display",     "get",        "find",
                                    "fetch",     "report",      "what",       "whats",
                                    "is",        "are",         "was",        "were",
                                    "be",        "been",        "being",      "the",
                                    "a",         "an",          "of",         "in",
                                    "for",       "to",          "from",       "with",
                                    "on",        "at",          "into",       "within",
                                    "during",    "please",      "can",        "could",
                                    "would",     "you",         "i",          "we",
                                    "our",       "us",          "my",         "want",
                                    "need",      "know",        "see",        "have",
                                    "has",       "had",         "do",         "does",
                                    "did",       "make",        "made",       "sell",
                                    "sold",      "selling",     "generated",  "generate",
                                    "generates", "brings",      "earns",      "produces",
                                    "produced",  "drives",      "drove",      "generating",
                                    "earned",    "earn",        "bring",      "brought",
                                    "come",      "comes",       "came",       "coming",
                                    "place",     "placed",      "there",      "it",
                                    "its",       "that",        "this",       "these",
                                    "those",     "all",         "overall",    "data",
                                    "figures",   "figure",      "numbers",    "amounts",
                                    "value",     "values",      "breakdown",  "summary",
                                    "by",        "per",         "each",       "and",
                                    "how",       "much",        "many",       "when",
                                    "where",     "we've",       "did",        "happen",
                                    "happened",  "recorded",    "record",     "registered",
                                    "achieved",  "got",         "up",         "out",
                                    "so",        "far",         "then",       "than",
                                    "they",      "their",       "them",       "which",
                                    "who",       "whose",       "had",        "since",
                                    "across",    "as",          "well",       "also",
                                    "including", "include",     "includes",   "respectively",
                                    "shown",     "compare",     "comparison", "kind",
                                    "kinds",     "type",        "types",      "level",
                                    "wise",      "?",           "!",          ".",
                                    ":",         ";",           "(",          ")",
                                    "\"",        "'",           "region's",   "vs.",
                                    "over",      "period",      "term",       "terms",
                                    "look",      "like",        "looks",      "only",
                                    "just",      "bought",      "buy",        "ordered",
                                    "shipped",   "used",        "chosen",     "use",
                                    "sells",     "buys",        "provides",   "provide",
                                    "offers",    "carries",     "take",       "took",
                                    "handled",   "handle",      "but",        "ship",
                                    "receive",   "received",    "delivered",  "spend",
                                    "spent",     "contributed", "contribute", "contributes",
                                    "accounted", "belong",      "belonging",  "between",
                                    "among",     "amongst",     "done",       "go",
                                    "went",      "given",       "used",       "unique",
                                    "distinct",  "something",   "performing", "performed",
                                    "perform",   "selling",     "brought",    "did",
                                    "calculate", "compute",     "determine",  NULL};
    for (int i = 0; f[i]; i++)
        if (strcmp(w, f[i]) == 0)
            return 1;
    return 0;
}

static void filler_pass(struct ctx *c)
{
    static const char *const asking_any[] = {"any", "ever", "anything", "there", NULL};
    for (size_t i = 0; i < c->tk.n; i++) {
        const struct lx_token *t = tok(c, i);
        /* "which US city": the country, not "us"; left unplaced unless the data names it. */
        if (strcmp(t->text, "us") == 0 && strncmp(c->question + t->start, "US", 2) == 0)
            continue;
        if (is_free(c, i) && (filler_word(t->text) || (c->yesno && is_any(c, i, asking_any))))
            add_span(c, SP_FILLER, i, i + 1);
    }
}

/* "do we have any customers in Japan", "were any products returned in 2015", "did we
 * ever sell anything in Wyoming": an auxiliary verb first, then "any", "ever", "there" or
 * an article soon after. Answered with whether the rows exist and how many. */
static int exists_question(const struct ctx *c)
{
    static const char *const aux[] = {"do",   "does", "did",  "is",  "are", "was",
                                      "were", "has",  "have", "had", NULL};
    static const char *const any[] = {"any", "ever", "anything", "there", "a", "an", NULL};
    if (!is_any(c, 0, aux))
        return 0;
    for (size_t i = 1; i < 5 && i < c->tk.n; i++)
        if (is_any(c, i, any))
            return 1;
    return 0;
}

/* ---- reading the spans into a frame ---- */

static int is_measure_col(const struct schema_column *col)
{
    return col && strcmp(col->role, "measure") == 0;
}

static int is_numeric_type(const char *t)
{
    return strstr(t, "INT") || strstr(t, "DOUBLE") || strstr(t, "DECIMAL") || strstr(t, "FLOAT") ||
           strstr(t, "REAL") || strstr(t, "NUMERIC");
}

/* Join distance from the fact mart (0 same mart, 1.. hops, large if unreachable). */
/* A column named after an entity and what identifies it: word + code, id, key, name,
 * number, no ("productcode", "customer_id", "product_name"). */
static int names_entity(const char *col, const char *word)
{
    size_t n = strlen(word);
    if (n < 3 || strncmp(col, word, n) != 0)
        return 0;
    const char *rest = col + n + (col[n] == '_' || col[n] == ' ');
    static const char *const ids[] = {"code", "id", "key", "name", "number", "no", "num", NULL};
    for (int i = 0; ids[i]; i++)
        if (strcmp(rest, ids[i]) == 0)
            return 1;
    return 0;
}

/* Whether one of span s's senses is an identifier column named after word. */
static int names_identifier(const struct span *s, const char *word)
{
    for (size_t k = 0; s->entry && k < s->entry->n; k++) {
        const struct lx_sense *x = &s->entry->senses[k];
        if (x->kind == LX_SENSE_COLUMN && strcmp(x->col->role, "identifier") == 0 &&
            names_entity(x->col->name, word))
            return 1;
    }
    return 0;
}

/* Whether sense x, a column named in part by span s, is named only by the entity its
 * name starts with: "order" in order_quantity where order_number is the order, "product"
 * in product_cost. Such a word is the entity ("order count", "order value"), never that
 * measure. */
static int entity_word_of(const struct span *s, const struct lx_sense *x)
{
    return x->kind == LX_SENSE_COLUMN && x->quality == LX_PARTIAL && s->entry && s->entry->phrase &&
           !strchr(s->entry->phrase, ' ') &&
           strncmp(x->col->name, s->entry->phrase, strlen(s->entry->phrase)) == 0 &&
           names_identifier(s, s->entry->phrase);
}

static int distance(const struct ctx *c, const struct schema_mart *to)
{
    if (!c->f->fact || !to || to == c->f->fact)
        return 0;
    const struct schema_join *path[NL_MAX_MARTS]; /* as far as emit.c joins */
    size_t len;
    if (nl__join_path(c->s, c->f->fact, to, path, NL_MAX_MARTS, &len) == 0)
        return (int)len;
    return 100;
}

/* Picks a span's sense for a role: best quality, reachable from the fact, a role that
 * fits. Returns NULL if no sense can play it. */
static const struct lx_sense *pick_alt(const struct ctx *c, const struct span *s, enum role want,
                                       const struct lx_sense **tie);

/* The table of names a key column sense x points at (store_key, in the facts or in the
 * stores table, names the stores: "by store" means their names), or NULL. */
static const struct schema_mart *points_at_names(const struct schema *sc, const struct lx_sense *x)
{
    for (size_t i = 0; i < sc->njoins; i++) {
        const struct schema_join *j = &sc->joins[i];
        const struct schema_mart *named = NULL; /* the table whose rows the key names */
        if (j->from == x->mart && strcmp(j->from_col, x->col->name) == 0)
            named = j->to;
        else if (j->to == x->mart && strcmp(j->to_col, x->col->name) == 0)
            named = j->to;
        const struct schema_column *l = named ? nl__label_column(named) : NULL;
        if (l && l != x->col && strcmp(l->role, "identifier") != 0)
            return named;
    }
    return NULL;
}

static const struct lx_sense *pick(const struct ctx *c, const struct span *s, enum role want)
{
    return pick_alt(c, s, want, NULL);
}

/* pick, also reporting in *tie a different column that scored as well as the one chosen
 * (an ambiguity to state in the interpretation). */
static const struct lx_sense *pick_alt(const struct ctx *c, const struct span *s, enum role want,
                                       const struct lx_sense **tie)
{
    const struct lx_sense *best = NULL, *second = NULL;
    long best_score = -1000000, second_score = -1000000;
    for (size_t k = 0; k < s->entry->n; k++) {
        const struct lx_sense *x = &s->entry->senses[k];
        long score = (long)x->quality * 100;
        if (s->prefer && x->mart == s->prefer)
            score += 1000;
        int d = distance(c, x->mart);
        if (d >= 100 && c->f->fact && x->kind != LX_SENSE_METRIC)
            continue;
        score -= d * 30;
        switch (want) {
        case R_MEASURE:
            if (x->kind == LX_SENSE_METRIC) {
                score += 50;
                break;
            }
            if (x->kind != LX_SENSE_COLUMN || !is_measure_col(x->col) || entity_word_of(s, x))
                continue;
            break;
        case R_DIM:
            if (x->kind == LX_SENSE_MART) {
                if (!nl__label_column(x->mart))
                    continue;
                score += 10;
                break;
            }
            if (x->kind != LX_SENSE_COLUMN || x->col->derived_from)
                continue;
            if (strcmp(x->col->role, "dimension") == 0)
                score += 40;
            else if (strcmp(x->col->role, "identifier") == 0)
                score += 10;
            /* Named in part, "products" is productcode or product_name (the product
             * itself), not productline (a grouping of products). */
            if (x->quality == LX_PARTIAL && names_entity(x->col->name, tok(c, s->to - 1)->stem))
                score += 45;
            else if (strcmp(x->col->role, "date") == 0)
                score += 20;
            else
                score -= 60; /* a measure as a dimension: rarely meant */
            break;
        case R_FILTER:
            if (x->kind != LX_SENSE_VALUE)
                continue;
            score += (long)(log10((double)x->count + 1) * 5);
            break;
        case R_DATE:
            if (x->kind != LX_SENSE_COLUMN || strcmp(x->col->role, "date") != 0)
                continue;
            break;
        case R_MART:
            if (x->kind != LX_SENSE_MART)
                continue;
            break;
        default:
            break;
        }
        if (score > best_score) {
            second_score = best_score;
            second = best;
            best_score = score;
            best = x;
        } else if (score > second_score) {
            second_score = score;
            second = x;
        }
    }
    if (tie)
        *tie = second && second_score == best_score && second->col != best->col &&
                       second->kind == best->kind
                   ? second
                   : NULL;
    return best;
}

static int has_sense(const struct span *s, enum lx_sense_kind kind)
{
    for (size_t k = 0; s->entry && k < s->entry->n; k++)
        if (s->entry->senses[k].kind == kind)
            return 1;
    return 0;
}

static int has_measure_sense(const struct span *s)
{
    for (size_t k = 0; s->entry && k < s->entry->n; k++) {
        const struct lx_sense *x = &s->entry->senses[k];
        if ((x->kind == LX_SENSE_COLUMN && is_measure_col(x->col) && !entity_word_of(s, x)) ||
            x->kind == LX_SENSE_METRIC)
            return 1;
    }
    return 0;
}

static int has_value_sense(const struct span *s)
{
    return has_sense(s, LX_SENSE_VALUE);
}

static struct span *next_span(struct ctx *c, size_t k)
{
    for (size_t j = k + 1; j < c->nsp; j++)
        if (c->sp[j].kind != SP_FILLER)
            return &c->sp[j];
    return NULL;
}

/* Spans in question order (the passes created them out of order). */
static int by_position(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

/* An entity noun for counting ("orders", "customers"): the word itself, its singular,
 * or its glossary word. */
static const char *entity_word(const struct ctx *c, const struct span *s, char *buf, size_t n)
{
    const struct lx_token *t = tok(c, s->to - 1);
    const char *g = lx_glossary(t->text);
    if (!g)
        g = lx_glossary(t->stem);
    snprintf(buf, n, "%s", g ? g : t->stem);
    return buf;
}

static int contains_word(const char *name, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = name; (p = strstr(p, w)) != NULL; p++) {
        int start = p == name || p[-1] == '_';
        if (start)
            return 1; /* prefix of a word: customer_id, customername, ordernumber */
    }
    (void)n;
    return 0;
}

/* 1 if column col is how many or how much of entity w there is: return_quantity,
 * sales_amount, units_total; not product_cost or product_price, which describe one. */
static int counts_entity(const char *col, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(col, w, n) != 0)
        return 0;
    const char *rest = col + n + (col[n] == '_');
    if (!*rest)
        return 1;
    static const char *const q[] = {"quantity", "qty",   "amount", "amt", "units",
                                    "value",    "total", "count",  "sum", NULL};
    for (int i = 0; q[i]; i++)
        if (strcmp(rest, q[i]) == 0)
            return 1;
    return 0;
}

#define NO_AMOUNT                                                                                  \
    "the sales table has no amount column to add up; ask for a column it has (see `salesql "       \
    "schema`), or \"number of order lines\""

/* Words for money that a table of order lines without an amount cannot answer. */
static int money_word(const char *w)
{
    static const char *const m[] = {"sales",  "sale",    "revenue", "revenues",
                                    "profit", "profits", NULL};
    for (int i = 0; m[i]; i++)
        if (strcmp(w, m[i]) == 0)
            return 1;
    return 0;
}

#define NOT_SOLD                                                                                   \
    "say what measures what sold, such as a quantity or an amount (see `salesql schema`): "        \
    "counting the rows of this table counts its items, not what sold"

/* The one count of things sold the model knows (order lines' quantity), or NULL. */
static const struct sm_measure *units_sold(const struct ctx *c)
{
    const struct sm_measure *found = NULL;
    for (size_t k = 0; c->model && k < c->model->nmeasures; k++) {
        const struct sm_measure *m = &c->model->measures[k];
        if (!m->col || m->kind != SM_COUNT || sm_entity_of(c->model, m->mart)->key)
            continue;
        if (found)
            return NULL;
        found = m;
    }
    return found;
}

/* 1 if the question says selling or buying ("which color sells the most"). */
static int sell_verb(const struct ctx *c)
{
    static const char *const sell[] = {"sell",   "sells",   "sold",      "selling",
                                       "buy",    "buys",    "bought",    "purchased",
                                       "orders", "ordered", "purchases", NULL};
    for (size_t i = 0; i < c->tk.n; i++)
        if (is_any(c, i, sell))
            return 1;
    return 0;
}

/* Makes a singular noun plural in place (order -> orders, category -> categories); a
 * word that already ends in s is left as it is. */
static void plural_noun(char *w, size_t size)
{
    size_t n = strlen(w);
    if (n < 2 || w[n - 1] == 's' || n + 3 >= size)
        return;
    if (w[n - 1] == 'y' && !strchr("aeiou", w[n - 2]))
        snprintf(w + n - 1, size - (n - 1), "ies");
    else if (w[n - 1] == 'x' || (w[n - 1] == 'h' && (w[n - 2] == 'c' || w[n - 2] == 's')))
        snprintf(w + n, size - n, "es");
    else
        snprintf(w + n, size - n, "s");
}

/* 1 if the span is one plural word ("orders") that is not itself a value. */
static int entity_plural(const struct ctx *c, const struct span *s)
{
    const struct lx_token *t = tok(c, s->from);
    return t->kind == LX_WORD && strcmp(t->text, t->stem) != 0 && !has_value_sense(s) &&
           strlen(t->stem) >= 4;
}

/* "how many orders": the mart of that name (COUNT(*)), else an identifier of that
 * entity in the fact (COUNT(DISTINCT)), else a name column of it. */
static int resolve_count(struct ctx *c, const struct span *s, struct nl_measure *m)
{
    char ent[NL_ENTITY_MAX];
    entity_word(c, s, ent, sizeof ent);
    snprintf(m->noun, sizeof m->noun, "%s", tok(c, s->to - 1)->text);
    /* A mart named after it. */
    for (size_t k = 0; s->entry && k < s->entry->n; k++) {
        const struct lx_sense *x = &s->entry->senses[k];
        if (x->kind == LX_SENSE_MART && x->quality >= LX_SYNONYM &&
            (!c->f->fact || distance(c, x->mart) == 0)) {
            m->agg = NL_AGG_COUNT_ROWS;
            m->mart = x->mart;
            return 0;
        }
    }
    const struct schema_mart *marts[MAX_COUNT_MARTS];
    size_t nm = 0;
    if (c->f->fact)
        marts[nm++] = c->f->fact;
    for (size_t i = 0; i < c->s->nmarts && nm < MAX_COUNT_MARTS; i++)
        if (&c->s->marts[i] != c->f->fact)
            marts[nm++] = &c->s->marts[i];
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < nm; i++) {
            const struct schema_mart *mt = marts[i];
            if (c->f->fact && distance(c, mt) != 0)
                continue;
            const struct schema_column *best = NULL;
            for (size_t j = 0; j < mt->ncols; j++) {
                const struct schema_column *col = &mt->cols[j];
                if (!contains_word(col->name, ent))
                    continue;
                int id = strcmp(col->role, "identifier") == 0;
                if ((pass == 0 && id) || (pass == 1 && strcmp(col->role, "dimension") == 0 &&
                                          strstr(col->name, "name"))) {
                    if (!best || strlen(col->name) < strlen(best->name))
                        best = col;
                }
            }
            if (best) {
                m->agg = NL_AGG_COUNT_DISTINCT;
                m->mart = mt;
                m->col = best;
                return 0;
            }
        }
    }
    return -1;
}

/* The fact mart: where the measures are; else where a counted entity lives; else the
 * mart of the first column named; for several candidates, the one from which the other
 * named things are reachable, then the biggest. */
static const struct schema_column *default_measure(const struct schema_mart *m);
static const struct schema_column *cost_column(const struct schema_mart *m);
static const struct schema_column *profit_column(const struct schema_mart *m);

/* How many of the named phrases a fact mart would reach. */
static long fact_reach(struct ctx *c, const struct schema_mart *fact)
{
    const struct schema_mart *was = c->f->fact;
    c->f->fact = fact;
    long reach = 0;
    for (size_t k = 0; k < c->nsp; k++) {
        struct span *s = &c->sp[k];
        if (s->kind != SP_LEX)
            continue;
        int ok = 0;
        for (size_t x = 0; x < s->entry->n && !ok; x++)
            ok = s->entry->senses[x].mart && distance(c, s->entry->senses[x].mart) < 100;
        reach += ok;
    }
    c->f->fact = was;
    return reach;
}

static void choose_fact(struct ctx *c)
{
    const struct schema_mart *cands[MAX_FACT_CANDIDATES];
    size_t nc = 0;
    for (size_t k = 0; k < c->nsp; k++) {
        struct span *s = &c->sp[k];
        if (s->kind == SP_COMPUTED) {
            cands[nc++] = c->model->measures[s->sub].mart;
            break;
        }
        if (s->kind != SP_LEX || !has_measure_sense(s))
            continue;
        /* A word that is also a value or a dimension next to a cue is not a measure. */
        for (size_t x = 0; x < s->entry->n; x++) {
            const struct lx_sense *sn = &s->entry->senses[x];
            if (sn->kind == LX_SENSE_COLUMN && is_measure_col(sn->col) && nc < MAX_FACT_CANDIDATES)
                cands[nc++] = sn->mart;
        }
        break; /* the first measure named decides */
    }
    /* "how much did Petit Auto pay": the verb's date says whose amount (the payments'). */
    for (size_t i = 0; nc == 0 && c->date_verb && c->model && i < c->model->ndates; i++)
        if ((int)c->model->dates[i].role + 1 == c->date_verb &&
            c->model->dates[i].role == SM_DATE_PAID && default_measure(c->model->dates[i].mart))
            cands[nc++] = c->model->dates[i].mart;
    /* "which employee has the most orders": the table of the entity counted, after
     * "most", "fewest" or "how many", is what the rows are. */
    for (size_t k = 1; k < c->nsp && nc == 0; k++) {
        struct span *s = &c->sp[k];
        enum span_kind before = c->sp[k - 1].kind;
        if ((before != SP_SUPER && before != SP_COUNT) || s->kind != SP_LEX ||
            !entity_plural(c, s) || !has_sense(s, LX_SENSE_MART))
            continue;
        for (size_t x = 0; x < s->entry->n && nc < 32; x++)
            if (s->entry->senses[x].kind == LX_SENSE_MART &&
                s->entry->senses[x].quality >= LX_SYNONYM)
                cands[nc++] = s->entry->senses[x].mart;
    }
    if (nc == 0) {
        for (size_t k = 0; k < c->nsp && nc == 0; k++) {
            struct span *s = &c->sp[k];
            /* Not a table that only says whose column it is ("territory region"). */
            if (s->kind == SP_LEX && s->role != R_DONE && has_sense(s, LX_SENSE_MART))
                for (size_t x = 0; x < s->entry->n && nc < 32; x++)
                    if (s->entry->senses[x].kind == LX_SENSE_MART &&
                        s->entry->senses[x].quality >= LX_SYNONYM)
                        cands[nc++] = s->entry->senses[x].mart;
        }
    }
    /* "profit by brand" with no profit column: the mart with an amount and a cost. */
    for (size_t k = 0; k < c->nsp && nc == 0; k++) {
        if (c->sp[k].kind != SP_PROFIT && c->sp[k].kind != SP_MARGIN)
            continue;
        for (size_t i = 0; i < c->s->nmarts && nc < 32; i++) {
            const struct schema_mart *m = &c->s->marts[i];
            if (default_measure(m) && (cost_column(m) || profit_column(m)))
                cands[nc++] = m;
        }
    }
    int by_columns = nc == 0; /* neither a measure nor a mart was named */
    if (nc == 0) {
        for (size_t k = 0; k < c->nsp && nc == 0; k++) {
            struct span *s = &c->sp[k];
            if (s->kind != SP_LEX)
                continue;
            for (size_t x = 0; x < s->entry->n && nc < 32; x++)
                if (s->entry->senses[x].mart)
                    cands[nc++] = s->entry->senses[x].mart;
        }
    }
    if (nc == 0) {
        /* Nothing named at all: the biggest mart. */
        for (size_t i = 0; i < c->s->nmarts; i++)
            if (!c->f->fact || c->s->marts[i].rows > c->f->fact->rows)
                c->f->fact = &c->s->marts[i];
        return;
    }
    /* A mart named with the measure ("unit price of products") wins. */
    for (size_t k = 0; k < c->nsp; k++) {
        struct span *s = &c->sp[k];
        if (s->kind != SP_LEX || !has_measure_sense(s) || !s->prefer)
            continue;
        for (size_t i = 0; i < nc; i++) {
            if (cands[i] == s->prefer) {
                c->f->fact = cands[i];
                return;
            }
        }
    }
    long best = -1, best_reach = 0, named = 0;
    const struct schema_mart *best_mart = cands[0];
    for (size_t k = 0; k < c->nsp; k++)
        named += c->sp[k].kind == SP_LEX;
    for (size_t i = 0; i < nc; i++) {
        long reach = fact_reach(c, cands[i]);
        long rows = cands[i]->rows > 999999999 ? 999999999 : (long)cands[i]->rows;
        long score = reach * 1000000000L + rows;
        if (score > best) {
            best = score;
            best_reach = reach;
            best_mart = cands[i];
        }
    }
    /* "top brand in each country" over a star: neither the products nor the stores
     * reach the other; the sales table that points at both does. */
    if (best_reach < named && by_columns) {
        for (size_t i = 0; i < c->s->nmarts; i++) {
            long reach = fact_reach(c, &c->s->marts[i]);
            if (reach > best_reach) {
                best_reach = reach;
                best_mart = &c->s->marts[i];
            }
        }
    }
    c->f->fact = best_mart;
}

/* 1 if some word of the question can name a measure. */
static int has_measure_anywhere(const struct ctx *c)
{
    for (size_t k = 0; k < c->nsp; k++)
        if (c->sp[k].kind == SP_LEX && has_measure_sense(&c->sp[k]))
            return 1;
    return 0;
}

/* For a column of two values that say yes and no (Yes/No, Y/N, true/false, 1/0), the
 * one that says yes (or no); NULL for any other column. */
static const struct schema_value *flag_value(const struct schema_column *col, int want_yes)
{
    static const char *const yes[] = {"yes", "y", "true", "t", "1", NULL};
    static const char *const no[] = {"no", "n", "false", "f", "0", NULL};
    static const struct schema_value truth[2] = {{"false", 0}, {"true", 0}};
    static const struct schema_value bit[2] = {{"0", 0}, {"1", 0}};
    if (col && strcmp(col->type, "BOOLEAN") == 0)
        return &truth[want_yes ? 1 : 0];
    /* A 0/1 column that is no measure: discontinued, is_returned. */
    if (col && strcmp(col->role, "measure") != 0 && strstr(col->type, "INT") && col->min &&
        col->max && strcmp(col->min, "0") == 0 && strcmp(col->max, "1") == 0)
        return &bit[want_yes ? 1 : 0];
    if (!col || col->nvalues != 2 || strcmp(col->role, "measure") == 0)
        return NULL;
    const struct schema_value *found[2] = {NULL, NULL};
    for (size_t k = 0; k < 2; k++) {
        for (int i = 0; yes[i]; i++)
            if (strcasecmp(col->values[k].value, yes[i]) == 0)
                found[1] = &col->values[k];
        for (int i = 0; no[i]; i++)
            if (strcasecmp(col->values[k].value, no[i]) == 0)
                found[0] = &col->values[k];
    }
    if (!found[0] || !found[1])
        return NULL;
    return found[want_yes ? 1 : 0];
}

static int add_value_filter(struct ctx *c, const struct lx_sense *v, int negate)
{
    struct nl_frame *f = c->f;
    for (size_t i = 0; i < f->nfilters; i++) {
        struct nl_filter *x = &f->filters[i];
        if (!x->numeric && x->col == v->col && x->negate == negate) {
            for (size_t k = 0; k < x->nvalues; k++)
                if (strcmp(x->values[k], v->value) == 0)
                    return 0;
            if (x->nvalues >= NL_MAX_VALUES)
                return -1;
            x->values[x->nvalues++] = v->value;
            return 0;
        }
    }
    if (f->nfilters >= NL_MAX_FILTERS)
        return -1;
    struct nl_filter *x = &f->filters[f->nfilters++];
    memset(x, 0, sizeof *x);
    x->mart = v->mart;
    x->col = v->col;
    x->negate = negate;
    x->values[0] = v->value;
    x->nvalues = 1;
    return 0;
}

static int add_dim(struct ctx *c, const struct schema_mart *m, const struct schema_column *col,
                   enum shape_grain g)
{
    struct nl_frame *f = c->f;
    for (size_t i = 0; i < f->ndims; i++) {
        if (f->dims[i].col == col && f->dims[i].grain == g)
            return 0;
        /* "monthly sales trend": a trend (grain open, -1) and a grain are one time axis. */
        if (!col && !f->dims[i].col && ((int)g == -1 || (int)f->dims[i].grain == -1) &&
            !nl_is_cycle(&f->dims[i]) && (int)g < NL_CYCLE_WEEKDAY) {
            if ((int)g != -1)
                f->dims[i].grain = g;
            return 0;
        }
    }
    if (f->ndims >= NL_MAX_DIMS)
        return -1;
    f->dims[f->ndims].mart = m;
    f->dims[f->ndims].col = col;
    f->dims[f->ndims].grain = g;
    f->ndims++;
    return 0;
}

/* The index + 1 of the dimension of col (a time axis when col is NULL), or 0. */
static int dim_index(const struct nl_frame *f, const struct schema_column *col)
{
    for (size_t i = 0; i < f->ndims; i++)
        if (f->dims[i].col == col)
            return (int)i + 1;
    return 0;
}

/* A time axis (a weekday or month-of-year breakdown is a category, not an axis). */
static int has_time_dim(const struct nl_frame *f)
{
    for (size_t i = 0; i < f->ndims; i++)
        if (!f->dims[i].col && !nl_is_cycle(&f->dims[i]))
            return 1;
    return 0;
}

/* Any dimension computed from the date: a time axis or a cycle. */
static int uses_date_dim(const struct nl_frame *f)
{
    for (size_t i = 0; i < f->ndims; i++)
        if (!f->dims[i].col)
            return 1;
    return 0;
}

/* The word right after a value that names the value's own column ("Consumer segment",
 * "large deal", "East region") belongs to the filter. */
static void absorb_column_word(struct ctx *c, struct span *v)
{
    for (size_t k = 0; k < c->nsp; k++) {
        struct span *s = &c->sp[k];
        if (s->kind != SP_LEX || s->role != R_NONE || s == v)
            continue;
        if (!(s->from == v->to || s->to == v->from ||
              (s->to + 1 == v->from && is_w(c, s->to, "the"))))
            continue;
        for (size_t x = 0; x < s->entry->n; x++) {
            const struct lx_sense *sn = &s->entry->senses[x];
            /* The mart word only when it is a lookup table's ("Seafood category"): the
             * fact's own name says what is counted ("phone orders"). */
            if ((sn->kind == LX_SENSE_COLUMN && sn->col == v->sense->col) ||
                (sn->kind == LX_SENSE_MART && sn->mart == v->sense->mart &&
                 sn->mart != c->f->fact)) {
                s->role = R_DONE;
                return;
            }
        }
    }
}

static void numeric_filter(struct ctx *c, struct span *cmp, const struct schema_mart *m,
                           const struct schema_column *col)
{
    struct nl_frame *f = c->f;
    if (f->nfilters >= NL_MAX_FILTERS)
        return;
    struct nl_filter *x = &f->filters[f->nfilters++];
    memset(x, 0, sizeof *x);
    x->mart = m;
    x->col = col;
    x->numeric = 1;
    x->op = (enum nl_cmp)cmp->sub;
    x->number = cmp->num;
    /* "discount above 20%" on a column of fractions (max <= 1) means 0.2. */
    if (cmp->pct && col->max && strtod(col->max, NULL) <= 1.0)
        x->number = cmp->num / 100.0;
    cmp->role = R_DONE;
    c->filter_span[f->nfilters - 1] = (int)(cmp - c->sp) + 1;
    c->filter_on_count[f->nfilters - 1] = 0;
}

/* The measure a question means when it names none: the playbook's, else a column named
 * like an amount of money, else nothing (the caller counts rows). */
static const struct schema_column *default_measure(const struct schema_mart *m)
{
    static const char *const names[] = {"sales",        "revenue",   "amount", "total",
                                        "sales_amount", "net_sales", "value",  NULL};
    for (int i = 0; names[i]; i++)
        for (size_t j = 0; j < m->ncols; j++)
            if (strcmp(m->cols[j].name, names[i]) == 0 && is_measure_col(&m->cols[j]))
                return &m->cols[j];
    for (size_t j = 0; j < m->ncols; j++)
        if ((strstr(m->cols[j].name, "sales") || strstr(m->cols[j].name, "revenue")) &&
            is_measure_col(&m->cols[j]))
            return &m->cols[j];
    return NULL;
}

static enum nl_agg default_agg(const struct schema_column *col)
{
    return col->agg && strcmp(col->agg, "avg") == 0 ? NL_AGG_AVG : NL_AGG_SUM;
}

/* Applies the time specs to the frame, now that the date column is known. */
/* 1 if the frame has a breakdown by year. */
static int year_dim(const struct nl_frame *f)
{
    for (size_t i = 0; i < f->ndims; i++)
        if (!f->dims[i].col && f->dims[i].grain == GRAIN_YEAR)
            return 1;
    return 0;
}

static int resolve_time(struct ctx *c, struct span **times, size_t nt, int vs)
{
    struct nl_frame *f = c->f;
    struct nl_date anchor;
    int have_anchor = nl__anchor(f->date, &anchor);
    struct nl_period ps[MAX_PERIODS];
    size_t np = 0;
    for (size_t i = 0; i < nt && np < MAX_PERIODS; i++) {
        struct tspec *t = &times[i]->t;
        struct nl_period p;
        memset(&p, 0, sizeof p);
        if (t->kind == T_ABS && !t->year_missing) {
            p = t->p;
        } else {
            if (!have_anchor) {
                snprintf(c->why, sizeof c->why, "the data has no dates to anchor \"%s\" to",
                         tok(c, times[i]->from)->text);
                return -1;
            }
            if (t->kind == T_ABS && !t->d && !vs && year_dim(f)) {
                /* "sales by year in Q4", "Q4 of each year": that quarter (or month) of
                 * every year, a season. */
                if (f->season_from) {
                    snprintf(c->why, sizeof c->why, "only one season of the year is supported");
                    return -1;
                }
                f->season_from = t->m ? t->m : 3 * (t->q - 1) + 1;
                f->season_to = t->m ? t->m : f->season_from + 2;
                continue;
            }
            if (t->kind == T_ABS) {
                /* A quarter or month without a year: the latest one in the data. */
                int y = anchor.y;
                int month = t->m ? t->m : 3 * (t->q - 1) + 1;
                if (month > anchor.m || (t->d && month == anchor.m && t->d > anchor.d))
                    y--;
                char said[NL_LABEL_MAX]; /* "September 30", "Q3" */
                if (t->d) {
                    /* 29 February exists in one year of four. */
                    while (!valid_day(y, t->m, t->d) && y > anchor.y - 8)
                        y--;
                    period_day(&p, y, t->m, t->d);
                    snprintf(said, sizeof said, "%s %d", nl__month_name(t->m), t->d);
                } else if (t->m) {
                    period_month(&p, y, t->m);
                    snprintf(said, sizeof said, "%s", nl__month_name(t->m));
                } else {
                    period_quarter(&p, y, t->q);
                    snprintf(said, sizeof said, "Q%d", t->q);
                }
                assume(f, "%s taken as %s, the latest in the data", said, p.label);
            } else {
                struct nl_date start = anchor;
                enum shape_grain u = t->unit;
                if (u == GRAIN_YEAR)
                    start = (struct nl_date){anchor.y, 1, 1};
                else if (u == GRAIN_QUARTER)
                    start = (struct nl_date){anchor.y, 3 * ((anchor.m - 1) / 3) + 1, 1};
                else if (u == GRAIN_MONTH)
                    start = (struct nl_date){anchor.y, anchor.m, 1};
                else if (u == GRAIN_WEEK)
                    start = nl__from_days(nl__days(anchor) - ((nl__days(anchor) + 3) % 7));
                int months = u == GRAIN_YEAR      ? 12
                             : u == GRAIN_QUARTER ? 3
                             : u == GRAIN_MONTH   ? 1
                                                  : 0;
                int days = u == GRAIN_WEEK ? 7 : u == GRAIN_DAY ? 1 : 0;
                struct nl_date end =
                    months ? nl__add_months(start, months) : nl__from_days(nl__days(start) + days);
                char a[sizeof "-2147483648-12-31"]; /* any year, a month and a day */
                snprintf(a, sizeof a, "%04d-%02d-%02d", anchor.y, anchor.m, anchor.d);
                const char *unit = u == GRAIN_YEAR      ? "year"
                                   : u == GRAIN_QUARTER ? "quarter"
                                   : u == GRAIN_MONTH   ? "month"
                                   : u == GRAIN_WEEK    ? "week"
                                                        : "day";
                if (t->kind == T_CURRENT) {
                    p.from = start;
                    p.to = end;
                    if (u == GRAIN_YEAR)
                        snprintf(p.label, sizeof p.label, "%d", start.y);
                    else if (u == GRAIN_QUARTER)
                        period_quarter(&p, start.y, (start.m - 1) / 3 + 1);
                    else if (u == GRAIN_MONTH)
                        period_month(&p, start.y, start.m);
                    else
                        snprintf(p.label, sizeof p.label, "the %s of %s", unit, a);
                    assume(f, "the latest %s in the data, which ends on %s", unit, a);
                } else if (t->kind == T_PREVIOUS) {
                    p.from = months ? nl__add_months(start, -months)
                                    : nl__from_days(nl__days(start) - days);
                    p.to = start;
                    if (u == GRAIN_YEAR)
                        snprintf(p.label, sizeof p.label, "%d", p.from.y);
                    else if (u == GRAIN_QUARTER)
                        period_quarter(&p, p.from.y, (p.from.m - 1) / 3 + 1);
                    else if (u == GRAIN_MONTH)
                        period_month(&p, p.from.y, p.from.m);
                    else
                        snprintf(p.label, sizeof p.label, "the %s before %s", unit, a);
                    assume(f, "the %s before the latest in the data, which ends on %s", unit, a);
                } else if (t->kind == T_TO_DATE) {
                    p.from = start;
                    p.to = nl__from_days(nl__days(anchor) + 1);
                    snprintf(p.label, sizeof p.label, "%s to date (%s)", unit, a);
                    assume(f, "to date means up to %s, the latest date in the data", a);
                } else { /* T_LAST_N: the N units up to and including the latest */
                    p.to = nl__from_days(nl__days(anchor) + 1);
                    if (months)
                        p.from = nl__add_months(p.to, -months * t->n);
                    else
                        p.from = nl__from_days(nl__days(p.to) - (long)days * t->n);
                    snprintf(p.label, sizeof p.label, "the %d %s%s to %s", t->n, unit,
                             t->n == 1 ? "" : "s", a);
                    assume(f, "%s is the latest date in the data", a);
                }
            }
        }
        if (t->open) {
            /* "since 2016", "after Q2 2017": to the end of the data; "before 2016",
             * "until March 2017": from its start. */
            struct nl_date first = {1900, 1, 1}, end = {9999, 12, 31};
            if (have_anchor)
                end = nl__from_days(nl__days(anchor) + 1);
            if (f->date && f->date->min)
                nl__parse_date(f->date->min, &first);
            char lab[sizeof p.label];
            snprintf(lab, sizeof lab, "%s", p.label);
            if (t->open > 0) {
                if (t->open == 2)
                    p.from = p.to;
                p.to = end;
            } else {
                if (t->open == -1)
                    p.to = p.from;
                p.from = first;
            }
            snprintf(p.label, sizeof p.label, "%s %.80s",
                     t->open == 1    ? "since"
                     : t->open == 2  ? "after"
                     : t->open == -1 ? "before"
                                     : "up to",
                     lab);
            if (nl__days(p.to) <= nl__days(p.from)) {
                snprintf(c->why, sizeof c->why, "the data has no dates %s", p.label);
                return -1;
            }
        }
        /* A period the data does not reach: the answer is empty; say why. */
        struct nl_date lo;
        if (have_anchor && f->date && nl__parse_date(f->date->min, &lo) == 0 &&
            (nl__days(p.from) > nl__days(anchor) || nl__days(p.to) <= nl__days(lo)))
            assume(f, "the data has %s only from %04d-%02d-%02d to %04d-%02d-%02d", f->date->name,
                   lo.y, lo.m, lo.d, anchor.y, anchor.m, anchor.d);
        ps[np++] = p;
    }
    if (vs && np == 2 && nl__days(ps[0].from) == nl__days(ps[1].from) &&
        nl__days(ps[0].to) == nl__days(ps[1].to)) {
        snprintf(c->why, sizeof c->why, "both periods compared are %s; name two different ones",
                 ps[0].label);
        return -1;
    }
    if (vs && np == 2) {
        /* Earlier period first, whatever the wording ("2017 vs 2016"): the change is
         * always the later one's on the earlier one. */
        int swap = nl__days(ps[1].from) < nl__days(ps[0].from);
        f->compare = 1;
        f->periods[0] = ps[swap];
        f->periods[1] = ps[!swap];
        f->has_window = 0;
    } else if (np == 1) {
        f->has_window = 1;
        f->window = ps[0];
    } else if (np > 1) {
        /* Several periods without "vs": their union, when they touch ("2016 and 2017"). */
        f->has_window = 1;
        f->window = ps[0];
        for (size_t i = 1; i < np; i++) {
            if (nl__days(ps[i].from) < nl__days(f->window.from))
                f->window.from = ps[i].from;
            if (nl__days(ps[i].to) > nl__days(f->window.to))
                f->window.to = ps[i].to;
        }
        range_label(ps[0].label, ps[np - 1].label, f->window.label, sizeof f->window.label);
    }
    return 0;
}

/* Declines: records why and which words were not placed. */
static int decline(struct ctx *c, const char *why)
{
    struct nl_answer *out = c->out;
    out->status = SQ_E_UNSUPPORTED;
    out->reason = xstrdup(why);
    for (size_t i = 0; i < c->tk.n && out->nunplaced < NL_MAX_UNPLACED; i++) {
        if (c->owner[i] != 0 || tok(c, i)->kind == LX_PUNCT)
            continue;
        out->unplaced[out->nunplaced].word =
            xstrndup(c->question + tok(c, i)->start, (size_t)(tok(c, i)->end - tok(c, i)->start));
        out->unplaced[out->nunplaced].offset = tok(c, i)->start;
        out->nunplaced++;
    }
    return SQ_E_UNSUPPORTED;
}

/* "Norway" where the column holds "Norway" and "Norway  ": the value as written, with the
 * other spelling said in the interpretation. */
static const struct lx_sense *as_written(struct ctx *c, const struct span *s,
                                         const struct lx_sense *val)
{
    int from = tok(c, s->from)->start;
    const struct lx_sense *other;
    const struct lx_sense *x = nl__as_written(s->entry, val, c->question + from,
                                              (size_t)(tok(c, s->to - 1)->end - from), &other);
    if (other)
        assume(c->f, "\"%.60s\" as written; %.40s also holds \"%.60s\"", x->value, x->col->name,
               other->value);
    return x;
}

/* The same value in another column as near as the one chosen that picks other rows
 * ("Japan": a territory and a country), or NULL. A column of the same table with as many
 * rows of it ("France": a region and a country of one territory) picks the same rows. */
static const struct lx_sense *value_twin(const struct ctx *c, const struct span *s,
                                         const struct lx_sense *val)
{
    for (size_t k = 0; k < s->entry->n; k++) {
        const struct lx_sense *x = &s->entry->senses[k];
        if (x->kind != LX_SENSE_VALUE || x->col == val->col || x->quality != val->quality ||
            distance(c, x->mart) != distance(c, val->mart) || s->prefer)
            continue;
        if (x->mart == val->mart && x->count == val->count)
            continue;
        return x;
    }
    return NULL;
}

/* The column of a or b named right before the value's span ("country Japan"), or NULL. */
static const struct schema_column *column_before(const struct ctx *c, const struct span *s,
                                                 const struct lx_sense *a, const struct lx_sense *b)
{
    for (size_t j = 0; j < c->nsp; j++) {
        const struct span *p = &c->sp[j];
        for (size_t q = 0; p->to == s->from && p->kind == SP_LEX && p->entry && q < p->entry->n;
             q++) {
            const struct lx_sense *x = &p->entry->senses[q];
            if (x->kind == LX_SENSE_COLUMN && (x->col == a->col || x->col == b->col))
                return x->col;
        }
    }
    return NULL;
}

/* "sales in Japan" where Japan is a territory and a country: both readings, each one
 * click away ("sales in territory Japan"), and no answer. */
static int decline_readings(struct ctx *c, const struct span *s, const struct lx_sense *a,
                            const struct lx_sense *b)
{
    struct nl_answer *out = c->out;
    const struct lx_sense *two[2] = {a, b};
    int at = tok(c, s->from)->start;
    for (int k = 0; k < 2 && out->nsuggestions < NL_MAX_SUGGESTIONS; k++) {
        char w[SQ_NAME_MAX];
        nl__words(two[k]->col->name, w, sizeof w);
        out->suggestions[out->nsuggestions++] =
            xasprintf("%.*s%s %s", at, c->question, w, c->question + at);
    }
    char aw[SQ_NAME_MAX], bw[SQ_NAME_MAX];
    nl__words(a->col->name, aw, sizeof aw);
    nl__words(b->col->name, bw, sizeof bw);
    snprintf(c->why, sizeof c->why, "\"%.60s\" is a %.60s and a %.60s; say which", a->value, aw,
             bw);
    return decline(c, c->why);
}

/* A column word that names as near a column of two tables ("country" of customers and
 * of suppliers): declined, offering each qualified ("customer country"). */
static int decline_whose(struct ctx *c, const struct span *s, const struct lx_sense *a,
                         const struct lx_sense *b)
{
    struct nl_answer *out = c->out;
    const struct lx_sense *two[2] = {a, b};
    char whose[2][SQ_NAME_MAX];
    int at = tok(c, s->from)->start;
    for (int k = 0; k < 2; k++) {
        const struct sm_entity *en = c->model ? sm_entity_of(c->model, two[k]->mart) : NULL;
        if (en && en->noun)
            snprintf(whose[k], sizeof whose[k], "%s", en->noun);
        else
            nl__words(two[k]->mart->source, whose[k], sizeof whose[k]);
        if (out->nsuggestions < NL_MAX_SUGGESTIONS)
            out->suggestions[out->nsuggestions++] =
                xasprintf("%.*s%s %s", at, c->question, whose[k], c->question + at);
    }
    snprintf(c->why, sizeof c->why, "\"%.60s\" could be the %.60s's or the %.60s's; say whose",
             s->entry->phrase, whose[0], whose[1]);
    return decline(c, c->why);
}

static int sense_in_mart(const struct span *s, const struct schema_mart *m)
{
    for (size_t k = 0; s->entry && k < s->entry->n; k++)
        if (s->entry->senses[k].mart == m && s->entry->senses[k].kind != LX_SENSE_MART)
            return 1;
    return 0;
}

static int all_partial(const struct span *s)
{
    if (!s->entry || !s->entry->n)
        return 0;
    for (size_t k = 0; k < s->entry->n; k++)
        if (s->entry->senses[k].quality != LX_PARTIAL)
            return 0;
    return 1;
}

/* Whether any sense of a span is on mart m: a column or value of it, or its name. */
static int any_sense_in(const struct span *s, const struct schema_mart *m)
{
    for (size_t k = 0; s->entry && k < s->entry->n; k++)
        if (s->entry->senses[k].mart == m)
            return 1;
    return 0;
}

/* The link a span names by its role ("sales rep", "manager"), or NULL. */
static const struct sm_link *role_span(const struct ctx *c, const struct span *s)
{
    if (!c->model || s->kind != SP_LEX || !s->entry || !s->entry->phrase)
        return NULL;
    const struct sm_link *found = NULL;
    for (size_t l = 0; l < c->model->nlinks; l++) {
        const struct sm_link *x = &c->model->links[l];
        if (x->role && x->role[0] && strcasecmp(x->role, s->entry->phrase) == 0)
            found = found ? NULL : x;
    }
    return found;
}

/* Whether the joins from the fact to the role's thing end with the role's own link
 * (customers.sales_rep_employee_number), so a dimension there is read by that role. */
static int role_reached(const struct ctx *c, const struct sm_link *rl)
{
    if (!c->f->fact)
        return 0;
    const struct schema_join *path[NL_MAX_MARTS];
    size_t len = 0;
    if (nl__join_path(c->s, c->f->fact, rl->to->mart, path, NL_MAX_MARTS, &len) != 0 || !len)
        return 0;
    const struct schema_join *j = path[len - 1];
    return (strcmp(j->from_col, rl->from_col) == 0 && strcmp(j->to_col, rl->to_col) == 0) ||
           (strcmp(j->to_col, rl->from_col) == 0 && strcmp(j->from_col, rl->to_col) == 0);
}

/* A mart named next to a column of it qualifies the column: "customer country" is the
 * country of the customers mart, "unit price of products" the unit price of products.
 * The mart word is used up and the column prefers that mart. */
static void qualify(struct ctx *c)
{
    for (size_t k = 0; k + 1 < c->nsp; k++) {
        struct span *a = &c->sp[k];
        if (a->kind != SP_LEX)
            continue;
        size_t j = k + 1;
        int of = 0;
        struct span *each = NULL; /* "city of each customer's rep": whose, not a breakdown */
        while (j < c->nsp &&
               ((c->sp[j].kind == SP_FILLER &&
                 (is_w(c, c->sp[j].from, "of") || is_w(c, c->sp[j].from, "the"))) ||
                (of && c->sp[j].kind == SP_BY &&
                 (is_w(c, c->sp[j].from, "each") || is_w(c, c->sp[j].from, "every"))))) {
            if (c->sp[j].kind == SP_BY)
                each = &c->sp[j];
            of = 1;
            j++;
        }
        if (j >= c->nsp || c->sp[j].kind != SP_LEX)
            continue;
        struct span *b = &c->sp[j];
        /* [part of a name] [column]: in "order status", "order" only says whose status;
         * a word that merely starts other column names of the same mart qualifies. */
        if (!of && a->role == R_NONE && b->entry && all_partial(a) && !has_value_sense(a)) {
            const struct lx_sense *bx = NULL;
            for (size_t x = 0; x < b->entry->n && !bx; x++)
                if (b->entry->senses[x].kind == LX_SENSE_COLUMN &&
                    b->entry->senses[x].quality == LX_EXACT)
                    bx = &b->entry->senses[x];
            /* Not before a yes/no column: in "orders returned" the orders are what is
             * counted, and returned says which. */
            if (bx && sense_in_mart(a, bx->mart) && !flag_value(bx->col, 1)) {
                a->role = R_DONE;
                b->prefer = bx->mart;
                continue;
            }
        }
        /* [mart] [column]: customer country (not [mart] [value]: transactions online) */
        if (!of && a->role == R_NONE && has_sense(a, LX_SENSE_MART) &&
            has_sense(b, LX_SENSE_COLUMN)) {
            for (size_t x = 0; x < a->entry->n; x++) {
                const struct lx_sense *m = &a->entry->senses[x];
                if (m->kind == LX_SENSE_MART && sense_in_mart(b, m->mart) && !has_value_sense(a)) {
                    a->role = R_DONE;
                    b->prefer = m->mart;
                    break;
                }
            }
        }
        /* [sales rep]['s] [office]: what the role's thing has, or points at */
        const struct sm_link *ra = !of && a->role == R_NONE ? role_span(c, a) : NULL;
        if (ra && b->role == R_NONE) {
            const struct schema_mart *owner = NULL;
            for (size_t l = 0; l < c->model->nlinks && !owner; l++) {
                const struct sm_link *nx = &c->model->links[l];
                if (nx->from->mart == ra->to->mart && !nx->self && any_sense_in(b, nx->to->mart))
                    owner = nx->to->mart;
            }
            if (owner) {
                a->role = R_DONE;
                b->prefer = owner;
                continue;
            }
        }
        /* [column] of the [customer's] [sales rep]: the column of the thing the role
         * names, or of what that thing points at (the rep's office's city) */
        const struct span *r = role_span(c, b)                                ? b
                               : j + 1 < c->nsp && c->sp[j + 1].from == b->to ? &c->sp[j + 1]
                                                                              : NULL;
        const struct sm_link *rl = of && r && a->role == R_NONE ? role_span(c, r) : NULL;
        if (rl) {
            const struct schema_mart *owner = rl->to->mart;
            int n = 1; /* marts the column could be on: one, or not this way */
            if (!sense_in_mart(a, owner)) {
                owner = NULL;
                n = 0;
                for (size_t l = 0; l < c->model->nlinks; l++) {
                    const struct sm_link *nx = &c->model->links[l];
                    if (nx->from->mart == rl->to->mart && !nx->self &&
                        sense_in_mart(a, nx->to->mart))
                        owner = nx->to->mart, n++;
                }
            }
            if (n == 1 && owner != rl->from->mart) {
                a->prefer = owner;
                if (each)
                    each->kind = SP_FILLER;
                for (size_t t = j; t < c->nsp && &c->sp[t] <= r; t++)
                    c->sp[t].role = R_DONE;
                continue;
            }
        }
        /* [column] of [mart]: unit price of products */
        if (of && b->role == R_NONE && has_sense(b, LX_SENSE_MART) && !has_value_sense(b)) {
            for (size_t x = 0; x < b->entry->n; x++) {
                const struct lx_sense *m = &b->entry->senses[x];
                if (m->kind == LX_SENSE_MART && sense_in_mart(a, m->mart)) {
                    b->role = R_DONE;
                    a->prefer = m->mart;
                    break;
                }
            }
        }
    }
}

/* The checks and defaults that need the whole frame; for a follow-up they run on the
 * merged frame ("top 10 instead" has nothing to rank until merged). */
/* A cost column (cost, cogs, unit_cost): what an amount less it leaves is profit. */
static const struct schema_column *cost_column(const struct schema_mart *m)
{
    for (size_t j = 0; j < m->ncols; j++)
        if ((strstr(m->cols[j].name, "cost") || strstr(m->cols[j].name, "cogs")) &&
            is_measure_col(&m->cols[j]) && default_agg(&m->cols[j]) == NL_AGG_SUM)
            return &m->cols[j];
    return NULL;
}

static const struct schema_column *profit_column(const struct schema_mart *m)
{
    for (size_t j = 0; j < m->ncols; j++)
        if (strstr(m->cols[j].name, "profit") && is_measure_col(&m->cols[j]))
            return &m->cols[j];
    return NULL;
}

/* The entity span x names, if it names one (a dimension, or a counted noun such as
 * "customers"): 0 and h's entity, 1 when x names none, -1 when x names one that cannot
 * be used. */
static int entity_of(struct ctx *c, const struct span *x, struct nl_having *h)
{
    if (x->kind != SP_LEX)
        return 1;
    if (x->role == R_DIM && x->sense) {
        const struct schema_column *col =
            x->sense->kind == LX_SENSE_MART ? nl__label_column(x->sense->mart) : x->sense->col;
        if (!col || strcmp(col->role, "date") == 0 || strcmp(col->role, "measure") == 0)
            return -1;
        h->mart = x->sense->mart;
        h->of = col;
    } else if (x->role == R_COUNT ||
               ((x->role == R_DONE || x->role == R_MART) && entity_plural(c, x))) {
        struct nl_measure m = {0};
        if (resolve_count(c, x, &m) != 0)
            return -1;
        h->mart = m.mart;
        h->of = m.col;
        for (size_t i = 0; !h->of && i < m.mart->ncols; i++)
            if (strcmp(m.mart->cols[i].role, "identifier") == 0)
                h->of = &m.mart->cols[i];
        if (!h->of)
            return -1;
    } else {
        return 1;
    }
    snprintf(h->noun, sizeof h->noun, "%s", tok(c, x->to - 1)->text);
    return 0;
}

/* The entity a condition at span k is about: the nearest noun before it that names one
 * ("customers", "which products", "orders"). Not across a "where", which makes the
 * condition one on rows ("sales by region where quantity is over 5"). A condition
 * without a number ("loss-making products") may come first. */
static int entity_before(struct ctx *c, size_t k, struct nl_having *h)
{
    for (size_t j = k; j-- > 0;) {
        const struct span *x = &c->sp[j];
        if (x->kind == SP_FILLER && is_w(c, x->from, "where"))
            return -1;
        int rc = entity_of(c, x, h);
        if (rc <= 0)
            return rc;
    }
    const struct span *cmp = &c->sp[k];
    if (k + 1 < c->nsp && (cmp->negate || !is_num(c, cmp->to - 1)))
        return entity_of(c, &c->sp[k + 1], h) == 0 ? 0 : -1;
    return -1;
}

/* An entity whose conditions are read on rows: one that is a row each, or an order of
 * a table of order lines, which people call orders ("orders with quantity over 50"). */
static int row_entity(const struct ctx *c, const struct nl_having *h)
{
    const struct schema_mart *fact = c->f->fact;
    if (h->mart == fact && h->of->distinct >= fact->rows * 0.99)
        return 1;
    return h->mart == fact && strcmp(h->of->role, "identifier") == 0 &&
           (contains_word(h->of->name, "order") || contains_word(h->of->name, "invoice") ||
            contains_word(h->of->name, "transaction") || strstr(h->of->name, "ordernumber"));
}

/* What "10 orders" counts for each entity h: in the same table ("customers with more than
 * 10 orders" over order lines), or in a table that points at the entity's (orders rows
 * with a customer_id, for a customers table): then h->via is that link. */
static int count_for_entity(struct ctx *c, const struct span *x, struct nl_having *h,
                            struct nl_measure *cm)
{
    if (resolve_count(c, x, cm) == 0 && distance(c, cm->mart) < 100)
        return h->of == cm->col ? -1 : 0;
    const struct schema_mart *fact = c->f->fact;
    c->f->fact = NULL; /* any table */
    int rc = resolve_count(c, x, cm);
    c->f->fact = fact;
    if (rc != 0 || cm->mart == h->mart)
        return -1;
    for (size_t i = 0; i < c->s->njoins; i++) {
        const struct schema_join *j = &c->s->joins[i];
        if (j->from == cm->mart && j->to == h->mart) {
            const struct schema_column *key = schema_find_column(h->mart, j->to_col);
            if (!key)
                continue;
            h->via = j;
            h->of = key;
            return 0;
        }
    }
    return -1;
}

/* The condition on totals h, with the comparison of span s, as the frame's one: 0, or
 * declined when it already has one. */
static int keep_having(struct ctx *c, struct span *s, struct nl_having *h)
{
    if (c->f->has_having)
        return decline(c, "only one condition on totals is supported");
    h->op = (enum nl_cmp)s->sub;
    h->number = s->num;
    c->f->having = *h;
    c->f->has_having = 1;
    s->role = R_DONE;
    return 0;
}

/* "customers who paid more than 3 times", "ordered more than ten times": the rows of the
 * verb's date (payments, orders), each one time, counted for the entity named before the
 * comparison at span k — in the same table, or in the table of rows that points at the
 * entity's (h->via). 0 and h's entity and count, or -1. */
static int times_condition(struct ctx *c, size_t k, struct nl_having *h)
{
    int role = c->date_verb;
    for (size_t i = 0; !role && i < c->sp[k].from; i++)
        if (tok(c, i)->kind == LX_WORD && sm_verb_date_role(tok(c, i)->text) != SM_DATE_OTHER)
            role = (int)sm_verb_date_role(tok(c, i)->text) + 1;
    const struct sm_date *done = NULL;
    for (size_t i = 0; role && c->model && i < c->model->ndates; i++) {
        const struct sm_date *d = &c->model->dates[i];
        if ((int)d->role + 1 != role)
            continue;
        if (done && done->mart != d->mart)
            return -1;
        done = d;
    }
    /* each row one time: dated on every row */
    if (!done || done->col->null_share > 0 || entity_before(c, k, h) != 0 || h->via ||
        (h->mart == done->mart && row_entity(c, h)))
        return -1;
    h->m.agg = NL_AGG_COUNT_ROWS;
    h->m.mart = done->mart;
    snprintf(h->m.noun, sizeof h->m.noun, "%s", lx_mart_words(c->lx, done->mart));
    if (h->mart == done->mart)
        return 0;
    for (size_t i = 0; i < c->s->njoins; i++) {
        const struct schema_join *j = &c->s->joins[i];
        const struct schema_column *key = j->from == done->mart && j->to == h->mart
                                              ? schema_find_column(h->mart, j->to_col)
                                              : NULL;
        if (key) {
            h->via = j;
            h->of = key;
            return 0;
        }
    }
    return -1;
}

/* "products never sold", "customers who never paid": the entity named before span k
 * with no rows in the one table that points at it and is dated by role (orders, order
 * lines on their order's date, payments). 0 and h, or -1. */
static int never_condition(struct ctx *c, size_t k, enum sm_date_role role, struct nl_having *h)
{
    if (!c->model || entity_before(c, k, h) != 0 || h->via)
        return -1;
    const struct schema_join *via = NULL;
    for (size_t i = 0; i < c->s->njoins; i++) {
        const struct schema_join *j = &c->s->joins[i];
        const struct sm_entity *from = sm_entity_of(c->model, j->from);
        if (j->to != h->mart || j->from == h->mart || !from || !sm_dated_by(c->model, from, role) ||
            !schema_find_column(h->mart, j->to_col))
            continue;
        if (via && via->from != j->from)
            return -1; /* two kinds of rows it could have none of */
        via = j;
    }
    if (!via)
        return -1;
    h->via = via;
    h->of = schema_find_column(h->mart, via->to_col);
    h->m.agg = NL_AGG_COUNT_ROWS;
    h->m.mart = via->from;
    snprintf(h->m.noun, sizeof h->m.noun, "%s", lx_mart_words(c->lx, via->from));
    return 0;
}

/* 1 if col is a date things happen on in the model (ordered, shipped, paid, due), not a
 * person's birth or hire date. */
static int sale_date(const struct ctx *c, const struct schema_column *col)
{
    for (size_t i = 0; col && c->model && i < c->model->ndates; i++)
        if (c->model->dates[i].col == col)
            return c->model->dates[i].role != SM_DATE_OTHER;
    return col != NULL && !c->model;
}

/* "how many products were sold in 1996", "customers who bought something in 2015": the
 * things counted (a table with no date) are those of the lines of a sale in the period:
 * COUNT(DISTINCT key) over the one table of lines that points at them and has a date.
 * 0 (the frame recounted, or left alone), or -1 when declined. */
static int sold_in_period(struct ctx *c)
{
    static const char *const sold[] = {"sold",      "sell",     "bought",  "buy", "ordered",
                                       "purchased", "purchase", "selling", NULL};
    struct nl_frame *f = c->f;
    int verb = 0;
    for (size_t i = 0; i < c->tk.n; i++)
        verb |= is_any(c, i, sold);
    if (!verb || f->nmeasures != 1 || f->measures[0].agg != NL_AGG_COUNT_ROWS || f->has_having ||
        !c->model)
        return 0;
    const struct schema_mart *ent = f->measures[0].mart;
    const struct sm_entity *en = sm_entity_of(c->model, ent);
    if (!en || !en->key)
        return 0;
    const struct schema_join *line = NULL;
    for (size_t i = 0; i < c->s->njoins; i++) {
        const struct schema_join *j = &c->s->joins[i];
        if (j->to != ent || strcmp(j->to_col, en->key->name) != 0 || j->from == ent)
            continue;
        /* a table of sales: the order date on it, or on the table it joins (order lines
         * to orders) */
        int dated = 0;
        for (size_t d = 0; d < c->model->ndates; d++) {
            const struct schema_mart *dm = c->model->dates[d].mart;
            if (c->model->dates[d].role != SM_DATE_ORDERED)
                continue;
            dated |= dm == j->from;
            const struct sm_entity *de = sm_entity_of(c->model, dm); /* orders, not a calendar */
            for (size_t k = 0; de && de->key && k < c->s->njoins; k++)
                dated |= c->s->joins[k].from == j->from && c->s->joins[k].to == dm;
        }
        if (!dated)
            continue;
        if (line && line->from != j->from)
            return decline(c, "the things were sold in more than one table; name the measure");
        line = j;
    }
    if (!line)
        return 0;
    struct nl_measure *m = &f->measures[0];
    m->agg = NL_AGG_COUNT_DISTINCT;
    m->mart = line->from;
    m->col = schema_find_column(line->from, line->from_col);
    if (!m->col)
        return decline(c, "the data has no key of the things sold");
    f->fact = line->from;
    assume(f, "%s counted where they appear in %s in the period (distinct %s)", m->noun,
           line->from->name, line->from_col);
    return 0;
}

/* "lines", "line items", "order lines", "rows" at token i: how many tokens, or 0. */
static size_t line_words(const struct ctx *c, size_t i)
{
    if (is_w(c, i, "line") && (is_w(c, i + 1, "items") || is_w(c, i + 1, "item")))
        return 2;
    if (is_w(c, i, "order") && is_w(c, i + 1, "lines"))
        return 2;
    return is_w(c, i, "lines") || is_w(c, i, "rows") ? 1 : 0;
}

/* Conditions on totals of an entity: "customers with sales over 5000" keeps the customers
 * whose SUM(sales) is over 5000, not the order lines over 5000. Comparisons on averaged
 * columns (discount, price) stay on rows, and so do those on an entity that is one row
 * each. */
static int entity_conditions(struct ctx *c)
{
    struct nl_frame *f = c->f;
    for (size_t i = f->nfilters; i-- > 0;) {
        struct nl_filter *x = &f->filters[i];
        int at = c->filter_span[i] - 1;
        struct nl_having h = {0};
        if (!x->numeric || at < 0 || !is_measure_col(x->col) || default_agg(x->col) != NL_AGG_SUM ||
            entity_before(c, (size_t)at, &h) != 0 || h.of == x->col || row_entity(c, &h)) {
            if (c->filter_on_count[i])
                assume(f, "\"over %g\" read as %s over %g on each row", x->number, x->col->name,
                       x->number);
            continue;
        }
        if (f->has_having)
            return decline(c, "only one condition on totals is supported");
        h.m.agg = NL_AGG_SUM;
        h.m.mart = x->mart;
        h.m.col = x->col;
        h.op = x->op;
        h.number = x->number;
        f->having = h;
        f->has_having = 1;
        memmove(&f->filters[i], &f->filters[i + 1], (f->nfilters - i - 1) * sizeof *x);
        memmove(&c->filter_span[i], &c->filter_span[i + 1],
                (f->nfilters - i - 1) * sizeof c->filter_span[0]);
        memmove(&c->filter_on_count[i], &c->filter_on_count[i + 1],
                (f->nfilters - i - 1) * sizeof c->filter_on_count[0]);
        f->nfilters--;
    }
    /* "which products have negative profit": what was compared is what to show. */
    if (f->has_having && c->measure_defaulted) {
        f->measures[0] = f->having.m;
        c->measure_defaulted = 0;
    }
    return 0;
}

/* "how many", "number of", "count": the question asks for a count. */
static int count_asked(const struct ctx *c)
{
    for (size_t k = 0; k < c->nsp; k++)
        if (c->sp[k].kind == SP_COUNT)
            return 1;
    return 0;
}

/* "products with a negative total profit", "list customers with sales over 10000": the
 * entity of the condition opens the question (after "which", "list", "show"), so its
 * things are what is asked for, not one total over them. */
static int subject_listed(const struct ctx *c)
{
    const struct nl_having *h = &c->f->having;
    for (size_t k = 0; k < c->nsp; k++) {
        const struct span *x = &c->sp[k];
        if (x->kind == SP_WHICH || x->kind == SP_LIST || x->kind == SP_FILLER)
            continue;
        return x->kind == SP_LEX && x->to - x->from == 1 &&
               strcmp(tok(c, x->from)->text, h->noun) == 0;
    }
    return 0;
}

/* "value of", "order value", "total value", "worth of": an amount is asked for. So are
 * "total payments" and "payments received" of a table of payments: a payment is money. */
static const char *value_asked(const struct ctx *c)
{
    for (size_t i = 0; i < c->tk.n; i++)
        if ((is_w(c, i, "value") || is_w(c, i, "worth")) &&
            (is_w(c, i + 1, "of") ||
             (i > 0 && (is_w(c, i - 1, "order") || is_w(c, i - 1, "total")))))
            return tok(c, i)->text;
    int paid = 0;
    for (size_t i = 0; c->model && i < c->model->ndates; i++)
        paid |= c->model->dates[i].role == SM_DATE_PAID && c->model->dates[i].mart == c->f->fact;
    for (size_t i = 0; paid && i < c->tk.n; i++) {
        if (!is_w(c, i, "payments") && !is_w(c, i, "payment"))
            continue;
        size_t b = i >= 1 && is_w(c, i - 1, "the") ? i - 1 : i;
        b = b >= 1 && is_w(c, b - 1, "of") ? b - 1 : b;
        if ((b >= 1 && (is_w(c, b - 1, "total") || is_w(c, b - 1, "sum"))) ||
            is_w(c, i + 1, "received") || is_w(c, i + 1, "collected"))
            return tok(c, i)->text;
    }
    return NULL;
}

/* What lists the things of the condition's entity: what "by <noun>" would show
 * ("customers": customer_name beside customer_id), else the entity's column. */
static const struct schema_column *listed_column(struct ctx *c)
{
    const struct nl_having *h = &c->f->having;
    for (size_t k = 0; k < c->nsp; k++) {
        const struct span *x = &c->sp[k];
        if (x->kind != SP_LEX || x->to - x->from != 1 || strcmp(tok(c, x->from)->text, h->noun))
            continue;
        const struct lx_sense *d = pick(c, x, R_DIM);
        const struct schema_column *col = !d                         ? NULL
                                          : d->kind == LX_SENSE_MART ? nl__label_column(d->mart)
                                                                     : d->col;
        if (d && d->mart == h->mart && col && strcmp(col->role, "dimension") == 0)
            return col;
        break;
    }
    return h->of;
}

/* What the question asks for must be what the frame answers. A list ("which copiers have
 * we sold", "show me the yellow touring bikes") answered with one total or a count of rows
 * is a wrong answer, not a near one; so is an amount ("how much has Jon Yang spent")
 * answered with a count. A yes/no question becomes whether the rows exist, and how many. */
static int check_intent(struct ctx *c)
{
    struct nl_frame *f = c->f;
    const struct nl_measure *m0 = f->nmeasures ? &f->measures[0] : NULL;
    int counted = m0 && (m0->agg == NL_AGG_COUNT_ROWS || m0->agg == NL_AGG_COUNT_DISTINCT);
    size_t lead = is_w(c, 0, "please") || is_w(c, 0, "now") ? 1 : 0;
    static const char *const listing[] = {"show", "list",  "display", "give",
                                          "find", "fetch", "get",     NULL};
    /* "revenue per employee": each employee by first and last name, as the model names
     * them, not by the one column that happens to tell them apart (email, last_name). */
    if (f->ndims == 1 && f->dims[0].col && c->model) {
        const struct sm_entity *en = sm_entity_of(c->model, f->dims[0].mart);
        int named = 0; /* "what's their email": the column asked for */
        for (size_t k = 0; k < c->nsp; k++)
            named |= c->sp[k].kind == SP_LEX && c->sp[k].sense &&
                     c->sp[k].sense->kind == LX_SENSE_COLUMN &&
                     c->sp[k].sense->col == f->dims[0].col;
        if (en && en->nlabel == 2 && !named &&
            f->dims[0].col == nl__label_column(f->dims[0].mart) && f->dims[0].col != en->label[0]) {
            f->dims[0].col = en->label[0];
            f->dims[1] = f->dims[0];
            f->dims[1].col = en->label[1];
            f->ndims = 2;
        }
    }
    if (c->yesno) {
        if (f->ndims || f->limit || f->superlative || f->compare || f->share || f->growth ||
            f->over || f->avg_grain || f->nmeasures != 1)
            return decline(c, "a yes-or-no question is answered by whether rows exist; this one "
                              "also asks for a breakdown or a ranking, so ask for that on its own");
        if (!counted) {
            /* "did we sell anything in Wyoming": whether any row is there. */
            struct nl_measure *m = &f->measures[0];
            memset(m, 0, sizeof *m);
            m->mart = f->fact;
            m->agg = NL_AGG_COUNT_ROWS;
            snprintf(m->noun, sizeof m->noun, "rows");
        }
        f->exists = 1;
        return 0;
    }
    /* "customers with more than 4 orders" over a table of order lines: the customers,
     * each with its count, not how many there are. */
    if (f->ndims == 0 && (counted || subject_listed(c)) && !count_asked(c) && f->has_having &&
        !f->having.via && f->nmeasures == 1 && f->having.mart == f->fact &&
        ((m0->agg == NL_AGG_COUNT_DISTINCT && m0->col == f->having.of) ||
         (m0->agg == NL_AGG_COUNT_ROWS && m0->mart == f->having.mart) ||
         (m0->col && m0->col == f->having.m.col && m0->agg == f->having.m.agg)) &&
        !f->compare && !f->share && !f->growth && !f->limit) {
        f->dims[0].mart = f->having.mart;
        f->dims[0].col = listed_column(c);
        f->having.of = f->dims[0].col; /* each thing as listed meets the condition */
        f->dims[0].grain = GRAIN_NONE;
        f->ndims = 1;
        f->measures[0] = f->having.m;
        if (!f->order && f->having.number <= 0 &&
            (f->having.op == NL_CMP_LT || f->having.op == NL_CMP_LE))
            f->order = -1; /* "products with negative profit": the biggest losses first */
        if (!f->order)
            f->order = 1;
        return 0;
    }
    if (is_w(c, lead, "where") && !f->ndims)
        return decline(c, "\"where\" asks for a place; name the thing whose place you want, "
                          "such as \"where is the office of X\"");
    if (f->ndims == 0 && !f->compare &&
        (is_w(c, lead, "which") || is_w(c, lead, "who") || is_w(c, lead, "whom")))
        return decline(c, "\"which\" asks for a list, but fast mode could read only one total "
                          "here; ask \"how many\" for a count, or name what to list them by");
    /* "how many units of X do we have in stock": "units" and "stock" are one measure said
     * twice, not two; measures side by side are joined by "and" or a comma. */
    /* one measure said twice ("units ... in stock", both units_in_stock) is one */
    for (size_t i = 1; i < f->nmeasures; i++)
        for (size_t j = 0; j < i; j++)
            if (f->measures[i].col && f->measures[i].col == f->measures[j].col &&
                f->measures[i].agg == f->measures[j].agg &&
                f->measures[i].mart == f->measures[j].mart) {
                memmove(&f->measures[i], &f->measures[i + 1],
                        (f->nmeasures - i - 1) * sizeof f->measures[0]);
                f->nmeasures--;
                i--;
                break;
            }
    if (f->nmeasures >= 2) {
        int joined = 0;
        for (size_t k = 0; k < c->nsp; k++)
            joined |= c->sp[k].kind == SP_AND || c->sp[k].kind == SP_VS;
        /* "units ... in stock": the one column named by all those words (units_in_stock) */
        const struct nl_measure *all = NULL;
        int alls = 0;
        for (size_t i = 0; !joined && i < f->nmeasures; i++) {
            const struct nl_measure *m = &f->measures[i];
            int every = m->col != NULL;
            for (size_t k = 0; every && k < c->nsp; k++)
                for (size_t t = c->sp[k].from; c->sp[k].role == R_MEASURE && t < c->sp[k].to; t++)
                    every &= strstr(m->col->name, tok(c, t)->stem) != NULL;
            if (every)
                all = m, alls++;
        }
        if (!joined && alls == 1 && f->ndims == 0 && !f->has_window && !f->compare &&
            !f->has_having) {
            struct nl_measure one = *all;
            f->measures[0] = one;
            f->nmeasures = 1;
            f->fact = one.mart;
            joined = 1;
        }
        if (!joined)
            return decline(c, "two measures seem named but not as a list; ask for one, or "
                              "join them with \"and\"");
    }
    /* "value of the cancelled orders": their amount, where one money column holds it (a
     * computed value was read earlier), never how many there are. */
    const char *value_word = counted && !count_asked(c) ? value_asked(c) : NULL;
    if (value_word) {
        const struct schema_column *amount = NULL;
        int n = 0;
        for (size_t i = 0; c->model && i < c->model->nmeasures; i++) {
            const struct sm_measure *sm = &c->model->measures[i];
            if (sm->kind == SM_MONEY && sm->col && sm->mart == f->fact)
                amount = sm->col, n++;
        }
        if (n != 1)
            return decline(c, "\"value\" asks for an amount, and fast mode could not tell which "
                              "column holds it; name the measure, such as sales");
        struct nl_measure *m = &f->measures[0];
        memset(m, 0, sizeof *m);
        m->mart = f->fact;
        m->col = amount;
        m->agg = NL_AGG_SUM;
        assume(f, "\"%s\" read as the total of %s", value_word, amount->name);
        return 0;
    }
    /* "products we get from supplier X", "orders that shipped late": the things, listed */
    static const char *const clause[] = {"we",    "you", "they",  "that",
                                         "which", "who", "whose", NULL};
    if (f->ndims == 0 && counted && !count_asked(c)) {
        size_t at = lead + (is_w(c, lead, "the") || is_w(c, lead, "all"));
        const struct span *subject = at < c->tk.n && c->owner[at] ? &c->sp[c->owner[at] - 1] : NULL;
        static const char *const keys[] = {"numbers", "ids", "codes", "nos", NULL};
        for (size_t k = 0; k < c->nsp; k++)
            if (c->sp[k].kind == SP_LEX && is_any(c, c->sp[k].to, keys))
                return decline(c,
                               "this asks for a list of numbers (keys), which fast mode cannot "
                               "write with these conditions yet; ask \"how many\" for the count");
        if (subject && subject->kind == SP_LEX && subject->from == at &&
            is_any(c, subject->to, clause))
            return decline(c, "this asks for a list of things, which fast mode cannot write "
                              "with these conditions yet; ask \"how many\" for the count");
        if (is_any(c, lead, listing))
            return decline(c, "this asks for a list, which fast mode cannot write with these "
                              "conditions yet; ask \"how many\" for the count");
        for (size_t i = 0; i + 1 < c->tk.n; i++)
            if (is_w(c, i, "how") && is_w(c, i + 1, "much"))
                return decline(c, "\"how much\" asks for an amount, and no amount in the data "
                                  "matches the question; name the measure, such as sales");
    }
    return 0;
}

/* The late condition on the nearest table that has a shipped and a required date. */
static int add_late(struct ctx *c)
{
    const struct schema_mart *best = NULL;
    const struct schema_column *sh = NULL, *rq = NULL;
    int best_d = 100;
    for (size_t i = 0; i < c->s->nmarts; i++) {
        const struct schema_column *a, *b;
        int d = distance(c, &c->s->marts[i]);
        if (d < best_d && sm_late_rule(c->model, &c->s->marts[i], &a, &b)) {
            best = &c->s->marts[i];
            best_d = d;
            sh = a;
            rq = b;
        }
    }
    if (!best)
        return decline(c, "\"late\" needs a shipped date and a required date on the same rows");
    if (c->f->nfilters >= NL_MAX_FILTERS)
        return decline(c, "too many conditions");
    struct nl_filter *x = &c->f->filters[c->f->nfilters++];
    memset(x, 0, sizeof *x);
    x->mart = best;
    x->col = sh;
    x->after = rq;
    return 0;
}

static int finish_frame(struct ctx *c)
{
    struct nl_frame *f = c->f;
    if (c->late && add_late(c) != 0)
        return SQ_E_UNSUPPORTED;
    /* "top five products" of a products table: one row each, nothing to rank by. */
    if (c->rows_defaulted && (f->limit || f->superlative)) {
        for (size_t i = 0; i < f->ndims; i++) {
            const struct schema_column *col = f->dims[i].col;
            if (col && f->dims[i].mart == f->fact && col->distinct >= f->fact->rows * 0.99) {
                snprintf(c->why, sizeof c->why,
                         "each %s is one row of %s, so there is nothing to rank by; name what "
                         "to rank by, such as a number column (see `salesql schema`)",
                         col->name, f->fact->source);
                return decline(c, c->why);
            }
        }
    }
    /* "over time": by month within two years, else by year. */
    for (size_t i = 0; i < f->ndims; i++) {
        if (f->dims[i].col || (int)f->dims[i].grain != -1)
            continue;
        f->dims[i].grain = GRAIN_YEAR;
        if (f->has_window && nl__days(f->window.to) - nl__days(f->window.from) <= 731)
            f->dims[i].grain = GRAIN_MONTH;
    }
    /* "the best selling product in each category": a ranking within each value of the
     * other dimension. "the highest sales in each region" ranks nothing: every region. */
    if (c->each_dim && (f->limit || f->superlative)) {
        if (f->ndims == 2) {
            if (f->compare || f->share || f->growth)
                return decline(c, "a ranking within each group cannot be combined with a "
                                  "comparison, a share or a change yet");
            f->per_group = 1;
            if (c->each_dim == 2) {
                struct nl_dim t = f->dims[0];
                f->dims[0] = f->dims[1];
                f->dims[1] = t;
            }
        } else if (f->ndims == 1 && f->superlative && !f->limit) {
            f->superlative = 0;
        }
    }
    /* A share is a part of a total: of sums and counts, not of averages or ratios. */
    if (f->share && f->nmeasures >= 1) {
        enum nl_agg a = f->measures[0].agg;
        int bare = 0; /* "discount percentage": the rate, as a percentage */
        for (size_t k = 0; k < c->nsp; k++)
            if (c->sp[k].kind == SP_SHARE && c->sp[k].to == c->sp[k].from + 1 &&
                (is_w(c, c->sp[k].from, "percentage") || is_w(c, c->sp[k].from, "percent")))
                bare = 1;
        if (a == NL_AGG_AVG && bare)
            f->share = 0;
        else if (a != NL_AGG_SUM && a != NL_AGG_COUNT_ROWS && a != NL_AGG_COUNT_DISTINCT &&
                 a != NL_AGG_PROFIT)
            return decline(c, "a share of the total needs a total, such as sales or a count; "
                              "an average or a ratio has no total to share");
    }
    if (f->over && (f->avg_grain || f->compare || f->share || f->growth || f->has_having ||
                    c->each_dim || f->nmeasures != 1))
        return decline(c, "a median or extreme of totals per entity cannot be combined with "
                          "a comparison, a share, a change or a condition on totals yet");
    /* "average monthly sales": each month's total, averaged. A rate ("average monthly
     * discount") is already an average: by month, as before. */
    if (f->avg_grain) {
        const struct nl_measure *m0 = &f->measures[0];
        int total = f->nmeasures == 1 && (m0->agg == NL_AGG_SUM || m0->agg == NL_AGG_COUNT_ROWS ||
                                          m0->agg == NL_AGG_COUNT_DISTINCT);
        if (!total) {
            if (add_dim(c, NULL, NULL, f->avg_grain) != 0)
                return decline(c, "at most two dimensions are supported");
            f->avg_grain = GRAIN_NONE;
        } else if (f->compare || f->share || f->growth || f->has_having || c->each_dim) {
            return decline(c, "an average per period cannot be combined with a comparison, "
                              "a share, a change or a condition on totals yet");
        } else if (!f->date) {
            return decline(c, "an average per period needs a date column");
        }
        for (size_t i = 0; f->avg_grain && i < f->ndims; i++)
            if (!f->dims[i].col && !nl_is_cycle(&f->dims[i]) &&
                (int)f->dims[i].grain >= (int)f->avg_grain)
                return decline(c, "the average per period must be over a longer period than "
                                  "the breakdown");
    }
    /* Superlatives: "which category had the highest sales" is one row. */
    int agg_word = 0; /* "highest average discount" asks to rank averages: not a row's value */
    for (size_t k = 0; k < c->nsp; k++)
        agg_word |= c->sp[k].kind == SP_AGG;
    if (f->superlative && f->ndims == 0 && !f->limit && f->nmeasures == 1 && !agg_word &&
        f->measures[0].col && !f->share && !f->growth && !f->compare &&
        (f->measures[0].agg == NL_AGG_SUM || f->measures[0].agg == NL_AGG_AVG)) {
        /* "the smallest discount given", "highest unit price": the extreme value of
         * the column over the rows. */
        f->measures[0].agg = f->order < 0 ? NL_AGG_MIN : NL_AGG_MAX;
        assume(f, "the %s value in one row; \"which region had the %s …\" ranks totals",
               f->order < 0 ? "lowest" : "highest", f->order < 0 ? "lowest" : "highest");
        f->superlative = 0;
        f->order = 0;
    }
    if (f->superlative) {
        if (f->ndims == 0)
            return decline(c,
                           "\"highest\" or \"lowest\" needs something to rank, such as a region");
        if (!f->limit) {
            /* "the lowest performing sub-categories": several, so 5 of them. */
            f->limit = c->plural_rank ? 5 : 1;
            if (c->plural_rank)
                assume(f, "5 shown, as no number was given");
        }
    }
    if (f->limit && !f->order)
        f->order = 1;
    /* "sub-categories losing money": the biggest losses first */
    if (!f->order && f->has_having && f->having.number <= 0 &&
        (f->having.op == NL_CMP_LT || f->having.op == NL_CMP_LE) && f->ndims == 1 &&
        f->dims[0].col && f->measures[0].col == f->having.m.col &&
        f->measures[0].agg == f->having.m.agg)
        f->order = -1;
    if (f->limit && f->ndims == 0)
        return decline(c, "top or bottom N needs something to rank, such as customers");
    if (f->growth && !has_time_dim(f) && !f->compare) {
        /* "growth by region": the latest two years side by side. */
        struct nl_date anchor;
        if (!nl__anchor(f->date, &anchor))
            return decline(c, "growth needs dates");
        f->compare = 1;
        period_year(&f->periods[0], anchor.y - 1);
        period_year(&f->periods[1], anchor.y);
        f->has_window = 0;
        assume(f, "growth of %d over %d, the latest two years in the data", anchor.y, anchor.y - 1);
    }
    if (f->share && f->ndims == 0) {
        /* "what share of sales is furniture": the part a value filter picks, in the whole. */
        int part = 0;
        for (size_t i = 0; i < f->nfilters; i++)
            part |= !f->filters[i].numeric && !f->filters[i].whole;
        if (!part || f->compare || f->growth || f->nmeasures != 1)
            return decline(c, "a share needs something to divide by, such as \"by segment\" or "
                              "\"share of sales from Furniture\"");
    }
    return check_intent(c);
}

/* Reads the spans into the frame. Returns 0, or SQ_E_UNSUPPORTED via decline(). */
static int build(struct ctx *c)
{
    struct nl_frame *f = c->f;
    qsort(c->sp, c->nsp, sizeof *c->sp, by_position);
    /* Words no pass placed: decline now, naming them. */
    for (size_t i = 0; i < c->tk.n; i++) {
        if (c->owner[i] == 0 && tok(c, i)->kind != LX_PUNCT)
            return decline(c, "some words do not match anything in the data");
    }
    for (size_t i = 0; i < c->tk.n; i++)
        c->owner[i] = 0;
    for (size_t k = 0; k < c->nsp; k++)
        for (size_t i = c->sp[k].from; i < c->sp[k].to; i++)
            c->owner[i] = (int)k + 1;

    qualify(c);
    choose_fact(c);
    if (!f->fact)
        return decline(c, "no data is loaded");

    struct span *times[MAX_TIME_SPANS];
    size_t nt = 0;
    int vs = 0, want_count = 0, neg = 0, pending_by = 0, after_top = 0, which = 0;
    enum nl_agg agg = NL_AGG_SUM;
    int agg_set = 0, per = 0, by_date = 0, rows_noun = 0, aov = 0, margin = 0;
    struct span *count_span = NULL, *last_measure = NULL;

    for (size_t k = 0; k < c->nsp; k++)
        c->averaged |= c->sp[k].kind == SP_AGG && c->sp[k].sub == NL_AGG_AVG;
    for (size_t k = 0; k < c->nsp; k++) {
        struct span *s = &c->sp[k];
        struct span *nx = next_span(c, k);
        switch (s->kind) {
        case SP_FREE:
        case SP_FILLER:
            break;
        case SP_TIME:
            if (nt < MAX_TIME_SPANS)
                times[nt++] = s;
            pending_by = 0;
            break;
        case SP_VS:
            vs = s->sub ? 2 : 1; /* 2: "compare": only a comparison with two periods */
            break;
        case SP_GRAIN:
            /* "average monthly sales", "orders per day on average": the total of each
             * period, averaged over the periods. */
            if (s->rate && c->averaged && !f->avg_grain && s->sub > GRAIN_NONE &&
                s->sub <= GRAIN_DAY) {
                f->avg_grain = (enum shape_grain)s->sub;
                if (agg_set && agg == NL_AGG_AVG)
                    agg_set = 0; /* the measure is each period's total */
                for (size_t i = 0; i < f->nmeasures; i++)
                    if (f->measures[i].col && f->measures[i].agg == NL_AGG_AVG &&
                        default_agg(f->measures[i].col) == NL_AGG_SUM)
                        f->measures[i].agg = NL_AGG_SUM;
                s->role = R_DONE;
                break;
            }
            if (s->sub == GRAIN_NONE) {
                /* "over time", "trend": by month within a year or two, else by year. */
                s->role = R_DIM;
                s->sub = -1;
            }
            if (add_dim(c, NULL, NULL, (enum shape_grain)s->sub) != 0)
                return decline(c, "at most two dimensions are supported");
            if (s->each || c->each_next)
                c->each_dim = dim_index(f, NULL);
            c->each_next = 0;
            /* "by year and region": the cue carries over an "and". */
            pending_by = nx && nx->kind == SP_AND;
            break;
        case SP_ROWS:
            rows_noun = 1 + want_count; /* 2: "how many rows" */
            want_count = 0;
            break;
        case SP_AOV:
            aov = 1;
            break;
        case SP_TOP:
            f->order = s->sub;
            f->limit = s->num ? (size_t)s->num : 10;
            c->top_default = s->num ? 0 : s->sub; /* "top customer" is 1, "top customers" 10 */
            after_top = 1;
            pending_by = 1;
            break;
        case SP_SUPER:
            /* "most popular", "busiest": by the number of orders unless a measure is named */
            c->by_count = c->by_count || s->sub == 2 || s->sub == -2;
            f->order = s->sub > 0 ? 1 : -1;
            f->superlative = 1;
            /* "biggest customer in Texas": what follows is what is ranked. */
            pending_by = 1;
            break;
        case SP_ORDER:
            f->order = s->sub;
            break;
        case SP_MARGIN:
            margin = 1;
            break;
        case SP_PROFIT: {
            /* "profit" of data that has an amount and a cost but no profit column. */
            const struct schema_column *amount = default_measure(f->fact),
                                       *cost = cost_column(f->fact);
            if (!amount || !cost)
                return decline(c, "there is no profit column, and no amount and cost to take "
                                  "it from");
            if (f->nmeasures >= NL_MAX_MEASURES)
                return decline(c, "too many measures");
            struct nl_measure *m = &f->measures[f->nmeasures++];
            memset(m, 0, sizeof *m);
            m->agg = NL_AGG_PROFIT;
            m->mart = f->fact;
            m->col = amount;
            m->per = cost;
            snprintf(m->noun, sizeof m->noun, "profit");
            agg_set = 0;
            break;
        }
        case SP_COMPUTED: {
            const struct sm_measure *cm = &c->model->measures[s->sub];
            if (f->nmeasures >= NL_MAX_MEASURES)
                return decline(c, "too many measures");
            struct nl_measure *m = &f->measures[f->nmeasures++];
            memset(m, 0, sizeof *m);
            m->agg = NL_AGG_EXPR;
            m->mart = cm->mart;
            m->metric = cm->name;
            m->metric_sql = cm->sql;
            m->link_mart = cm->link ? cm->link->to->mart : NULL;
            snprintf(m->noun, sizeof m->noun, "%s", cm->name);
            if (agg_set && agg != NL_AGG_SUM)
                return decline(c, "an average, minimum or maximum of a computed measure needs "
                                  "what it is taken over, such as \"average revenue per order\"");
            agg_set = 0;
            assume(f, "%s = %s", cm->name, cm->formula);
            break;
        }
        case SP_KEY: {
            if (f->nfilters >= NL_MAX_FILTERS)
                return decline(c, "too many conditions");
            struct nl_filter *x = &f->filters[f->nfilters++];
            memset(x, 0, sizeof *x);
            x->mart = s->key.mart;
            x->col = s->key.col;
            if (s->key.numeric) {
                x->numeric = 1;
                x->op = NL_CMP_EQ;
                x->number = s->key.number;
            } else {
                snprintf(x->text, sizeof x->text, "%s", s->key.code);
                x->fold = 1;
                for (size_t j = 0; j < x->col->nvalues; j++)
                    if (strcasecmp(x->col->values[j].value, s->key.code) == 0) {
                        snprintf(x->text, sizeof x->text, "%s", x->col->values[j].value);
                        x->fold = 0;
                    }
            }
            c->filter_span[f->nfilters - 1] = 0;
            c->filter_on_count[f->nfilters - 1] = 0;
            break;
        }
        case SP_WHICH:
            which = 1;
            pending_by = 1;
            break;
        case SP_LIST:
            c->list_next = 1;
            break;
        case SP_LATE:
            c->late = 1;
            break;
        case SP_BY:
            if (s->sub == 1) {
                /* "region wise": the dimension came before. */
                break;
            }
            c->each_next = s->sub == 2;
            pending_by = 1;
            neg = 0;
            break;
        case SP_PER:
            per = 1;
            pending_by = 1;
            c->each_next = 1;
            break;
        case SP_AGG:
            agg = (enum nl_agg)s->sub;
            agg_set = 1;
            break;
        case SP_COUNT:
            if (s->role != R_DONE) /* not the "count" of "order count" */
                want_count = 1;
            break;
        case SP_SHARE:
            /* "what percentage of orders": "what" asks for the percentage; of orders, a
             * count of them, unless a measure is named ("percentage of sales"). */
            if (nx && nx->kind == SP_LEX && entity_plural(c, nx) && !has_measure_sense(nx) &&
                !has_measure_anywhere(c))
                want_count = 1;
            f->share = 1;
            which = 0;
            pending_by = 0;
            break;
        case SP_GROWTH:
            f->growth = 1;
            if (s->sub && !has_time_dim(f))
                add_dim(c, NULL, NULL, (enum shape_grain)s->sub);
            break;
        case SP_NEG:
            neg = 1;
            break;
        case SP_ONLY:
        case SP_AND:
            break;
        case SP_CMP:
            /* "customers who placed over 11 orders": what follows a number is what it
             * counts or measures, not what "who" lists them by. */
            if (which && is_num(c, s->to - 1))
                pending_by = 0;
            break; /* bound below, once measures are known */
        case SP_LEX: {
            if (s->role == R_DONE)
                break;
            /* "returned orders", "orders that were returned": a yes/no column named
             * as a word of the sentence, not after "by", is its yes ("not returned": no). */
            const struct schema_value *yes = NULL;
            int modifies = nx && nx->kind == SP_LEX && entity_plural(c, nx); /* "returned orders" */
            if ((!pending_by || (modifies && k > 0 && c->sp[k - 1].kind != SP_BY)) &&
                (!want_count || modifies) && s->entry && s->entry->n == 1 &&
                s->entry->senses[0].kind == LX_SENSE_COLUMN &&
                s->entry->senses[0].quality == LX_EXACT &&
                (yes = flag_value(s->entry->senses[0].col, !neg)) != NULL) {
                struct lx_sense v = s->entry->senses[0];
                v.kind = LX_SENSE_VALUE;
                v.value = yes->value;
                v.count = yes->count;
                if (add_value_filter(c, &v, 0) != 0)
                    return decline(c, "too many filters");
                s->role = R_DONE;
                neg = 0;
                break;
            }
            /* "list customers in Texas": the entity right after "list" is listed. */
            int listing = c->list_next;
            c->list_next = 0;
            if (listing && !want_count)
                pending_by = 1;
            /* A count target: "how many orders", "number of customers" — past any value
             * ("how many female customers"). */
            /* "order count", "customer count": the entity before a bare "count". */
            struct nl_measure cm = {0};
            if (!want_count && !count_span && nx && nx->kind == SP_COUNT &&
                nx->to == nx->from + 1 && is_w(c, nx->from, "count") && s->to == s->from + 1 &&
                !has_value_sense(s) && resolve_count(c, s, &cm) == 0) {
                want_count = 1;
                nx->role = R_DONE;
            }
            if (want_count && !count_span && !(has_value_sense(s) && nx && nx->kind == SP_LEX)) {
                count_span = s;
                s->role = R_COUNT;
                s->sense = s->entry && s->entry->n ? &s->entry->senses[0] : NULL;
                want_count = 0;
                pending_by = 0;
                break;
            }
            /* "median sales per customer", "largest order value": each entity's total,
             * then the median (or min, max, average) of the totals. */
            {
                static const char *const worth[] = {"value", "size", "amount", "total", NULL};
                enum nl_agg oa = NL_AGG_SUM;
                struct nl_measure om = {0};
                const struct nl_measure *m0 = f->nmeasures == 1 ? &f->measures[0] : NULL;
                if (per && m0 && m0->col && default_agg(m0->col) == NL_AGG_SUM &&
                    (m0->agg == NL_AGG_MEDIAN || m0->agg == NL_AGG_MIN || m0->agg == NL_AGG_MAX))
                    oa = m0->agg;
                else if (!per && agg_set && f->nmeasures == 0 && s->to == s->from + 1 &&
                         strcmp(tok(c, s->from)->text, tok(c, s->from)->stem) == 0 &&
                         is_any(c, s->to, worth) &&
                         (agg == NL_AGG_AVG || agg == NL_AGG_MEDIAN || agg == NL_AGG_MIN ||
                          agg == NL_AGG_MAX))
                    oa = agg;
                if (oa != NL_AGG_SUM && !f->over && resolve_count(c, s, &om) == 0 &&
                    om.agg == NL_AGG_COUNT_DISTINCT && om.mart == f->fact) {
                    if (!m0) {
                        const struct schema_column *amount = default_measure(f->fact);
                        if (!amount)
                            return decline(c, NO_AMOUNT);
                        struct nl_measure *me = &f->measures[f->nmeasures++];
                        memset(me, 0, sizeof *me);
                        me->mart = f->fact;
                        me->col = amount;
                        agg_set = 0;
                    }
                    f->measures[0].agg = NL_AGG_SUM;
                    snprintf(f->measures[0].noun, sizeof f->measures[0].noun, "%s",
                             tok(c, s->to - 1)->stem); /* "order": what each total is of */
                    f->over = om.col;
                    f->over_mart = om.mart;
                    f->over_agg = oa;
                    s->role = R_DONE;
                    per = 0;
                    pending_by = 0;
                    break;
                }
            }
            /* "per order" after a measure: a ratio. */
            /* "average profit per order", "revenue per customer": a ratio when the word
             * after "per" is an entity with an identifier ("per region" is a breakdown). */
            if (per && last_measure && f->nmeasures == 1 &&
                (f->measures[0].agg == NL_AGG_AVG || f->measures[0].agg == NL_AGG_SUM)) {
                struct nl_measure m = {0};
                if (resolve_count(c, s, &m) == 0 && m.agg == NL_AGG_COUNT_ROWS &&
                    m.mart == f->fact && f->measures[0].mart == f->fact) {
                    /* "revenue per transaction" on a table of transactions: per row. */
                    f->measures[0].agg = NL_AGG_AVG;
                    s->role = R_DONE;
                    per = 0;
                    pending_by = 0;
                    break;
                }
                /* "profit per unit", "sales per item" where the word is a summed
                 * column of the same table: a ratio of the two totals. */
                const struct lx_sense *pm = pick(c, s, R_MEASURE);
                if (pm && pm->kind == LX_SENSE_COLUMN && pm->mart == f->measures[0].mart &&
                    f->measures[0].col && f->measures[0].agg == NL_AGG_SUM &&
                    default_agg(pm->col) == NL_AGG_SUM && pm->col != f->measures[0].col &&
                    !has_value_sense(s)) {
                    f->measures[0].agg = NL_AGG_PER;
                    f->measures[0].per = pm->col;
                    s->role = R_DONE;
                    per = 0;
                    pending_by = 0;
                    break;
                }
                if (resolve_count(c, s, &m) == 0 && m.agg == NL_AGG_COUNT_DISTINCT &&
                    m.mart == f->fact) {
                    f->measures[0].agg = NL_AGG_RATIO;
                    f->measures[0].per = m.col;
                    snprintf(f->measures[0].noun, sizeof f->measures[0].noun, "%s",
                             tok(c, s->to - 1)->stem);
                    s->role = R_DONE;
                    per = 0;
                    pending_by = 0;
                    break;
                }
            }
            per = 0;
            /* A value: a filter (or a dimension's value list). */
            const struct lx_sense *val = has_value_sense(s) ? pick(c, s, R_FILTER) : NULL;
            const struct lx_sense *dim = pick(c, s, R_DIM);
            const struct lx_sense *mea = pick(c, s, R_MEASURE);
            /* "orders" named in part by order_line_item, but also the entity of
             * order_number: a plural entity is counted, not summed. */
            if (mea && mea->quality == LX_PARTIAL && entity_plural(c, s) &&
                names_identifier(s, tok(c, s->to - 1)->stem))
                mea = NULL;
            /* "top 5 regions by sales": after a ranking, a measure is what ranks. */
            /* "by sales" where sales is both a column and the table's name: the column. */
            int ranks_by_measure =
                mea &&
                (!dim || (dim->kind == LX_SENSE_COLUMN && strcmp(dim->col->role, "measure") == 0) ||
                 (dim->kind == LX_SENSE_MART && mea->quality >= dim->quality));
            /* "which region has the most customers", "top 3 states by customers": with
             * what is ranked known, a plural entity is what it is ranked by, counted. */
            if (pending_by && (f->limit || f->superlative) && f->ndims >= 1 && !count_span &&
                !mea && entity_plural(c, s) && !c->each_next) {
                struct nl_measure m = {0};
                /* "top subcategory by returns" where returns has return_quantity: that
                 * quantity, as "returns by year" sums it. */
                const struct schema_column *q = NULL;
                if (resolve_count(c, s, &m) == 0 && m.agg == NL_AGG_COUNT_ROWS) {
                    char ent[NL_ENTITY_MAX];
                    entity_word(c, s, ent, sizeof ent);
                    for (size_t j = 0; j < m.mart->ncols && !q; j++)
                        if (is_measure_col(&m.mart->cols[j]) &&
                            counts_entity(m.mart->cols[j].name, ent))
                            q = &m.mart->cols[j];
                }
                if (q && f->nmeasures < NL_MAX_MEASURES) {
                    struct nl_measure *me = &f->measures[f->nmeasures++];
                    memset(me, 0, sizeof *me);
                    me->mart = m.mart;
                    me->col = q;
                    me->agg = NL_AGG_SUM;
                    s->role = R_MEASURE;
                    pending_by = 0;
                    break;
                }
                memset(&m, 0, sizeof m);
                if (resolve_count(c, s, &m) == 0) {
                    count_span = s;
                    s->role = R_COUNT;
                    s->sense = s->entry && s->entry->n ? &s->entry->senses[0] : NULL;
                    pending_by = 0;
                    break;
                }
            }
            /* "by sales rep": the thing the role names (the employees), by the link of
             * that role, never the job title "Sales Rep" */
            const struct sm_link *rl =
                pending_by && !mea &&
                        !(dim && dim->kind == LX_SENSE_COLUMN && dim->quality == LX_EXACT)
                    ? role_span(c, s)
                    : NULL;
            if (rl) {
                if (!role_reached(c, rl))
                    return decline(c, "the role could not be reached from what is measured "
                                      "by its own link");
                if (add_dim(c, rl->to->mart, nl__label_column(rl->to->mart), GRAIN_NONE) != 0)
                    return decline(c, "at most two dimensions are supported");
                s->role = R_DIM;
                s->sense = NULL;
                c->each_next = 0;
                pending_by = nx && nx->kind == SP_AND;
                after_top = which = 0;
                break;
            }
            if (pending_by && !ranks_by_measure && (dim || has_sense(s, LX_SENSE_MART))) {
                /* "by region", "top 5 customers", "which category". */
                const struct lx_sense *d = dim ? dim : pick(c, s, R_MART);
                /* "sales by country" over customers and suppliers, each as near: whose */
                const struct lx_sense *tie = NULL;
                if (dim && dim->kind == LX_SENSE_COLUMN && pick_alt(c, s, R_DIM, &tie) && tie &&
                    tie->kind == LX_SENSE_COLUMN && tie->mart != dim->mart &&
                    strcmp(dim->col->role, "dimension") == 0 &&
                    strcmp(tie->col->role, "dimension") == 0)
                    return decline_whose(c, s, dim, tie);
                /* "which country has the highest sales" where sales is only the name of a
                 * table of order lines: what ranks, with nothing to add up. */
                if (d && d->kind == LX_SENSE_MART && (f->limit || f->superlative) &&
                    f->ndims >= 1 && money_word(tok(c, s->to - 1)->text))
                    return decline(c, NO_AMOUNT);
                if (d && d->kind == LX_SENSE_COLUMN && strcmp(d->col->role, "date") == 0 &&
                    !d->col->derived_from && d->quality == LX_EXACT) {
                    /* "by ship date": time words refer to that date column; with no period
                     * named, it is also a monthly breakdown (decided after the loop). */
                    f->date = d->col;
                    f->date_mart = d->mart;
                    s->role = R_DATE;
                    by_date = 1;
                } else if (d && d->kind == LX_SENSE_COLUMN && strcmp(d->col->role, "date") == 0) {
                    /* "by order" is not "by order date": a date column named in part
                     * is no dimension. */
                    s->role = R_NONE;
                } else if (d) {
                    const struct schema_column *col =
                        d->kind == LX_SENSE_MART ? nl__label_column(d->mart) : d->col;
                    const struct schema_mart *dm = d->mart;
                    const struct schema_mart *names =
                        d->kind == LX_SENSE_COLUMN && d->quality == LX_PARTIAL &&
                                strcmp(d->col->role, "identifier") == 0
                            ? points_at_names(c->s, d)
                            : NULL;
                    if (names) { /* "by store": the stores' names, not their keys */
                        dm = names;
                        col = nl__label_column(names);
                    }
                    if (add_dim(c, dm, col, GRAIN_NONE) != 0)
                        return decline(c, "at most two dimensions are supported");
                    s->sense = d;
                    s->role = R_DIM;
                    int plural = strcmp(tok(c, s->to - 1)->text, tok(c, s->to - 1)->stem) != 0;
                    if (c->each_next) {
                        c->each_dim = dim_index(f, col);
                    } else if (f->superlative) {
                        c->plural_rank = plural;
                    } else if (c->top_default && after_top && !plural) {
                        f->limit = 1;
                        c->top_default = 0;
                    }
                }
                c->each_next = 0;
                /* "by region and category": the cue carries over an "and". */
                pending_by = nx && nx->kind == SP_AND;
                after_top = 0;
                which = 0;
                break;
            }
            if (val && !(mea && !neg && val->quality < LX_EXACT)) {
                /* "Japan", a territory and a country: the column said before it decides
                 * ("country Japan"), else both readings are offered */
                val = as_written(c, s, val);
                const struct lx_sense *twin = value_twin(c, s, val);
                if (twin) {
                    const struct schema_column *said = column_before(c, s, val, twin);
                    if (said == twin->col)
                        val = twin;
                    else if (said != val->col)
                        return decline_readings(c, s, val, twin);
                }
                s->sense = val;
                s->role = R_FILTER;
                if (add_value_filter(c, val, neg) != 0)
                    return decline(c, "too many filters");
                /* "what share of Technology sales comes from Phones": a value named
                 * before the measure of a share limits the whole. */
                if (f->share && f->nmeasures == 0 && !count_span)
                    for (size_t i = 0; i < f->nfilters; i++)
                        if (f->filters[i].col == val->col)
                            f->filters[i].whole = 1;
                absorb_column_word(c, s);
                /* "excluding Technology and Furniture": the negation carries over "and". */
                neg = neg && nx && nx->kind == SP_AND;
                break;
            }
            /* "where discount is above 10%", "at least 10 units": a measure next to a
             * comparison is what the comparison limits, not something to report. */
            struct span *prev_cmp = k > 0 && c->sp[k - 1].kind == SP_CMP ? &c->sp[k - 1] : NULL;
            /* "orders without discount": none of it. */
            if (neg && mea && mea->kind == LX_SENSE_COLUMN && k > 0 &&
                c->sp[k - 1].kind == SP_NEG && is_w(c, c->sp[k - 1].from, "without")) {
                c->sp[k - 1].sub = NL_CMP_LE;
                c->sp[k - 1].num = 0;
                numeric_filter(c, &c->sp[k - 1], mea->mart, mea->col);
                s->sense = mea;
                s->role = R_DONE;
                neg = 0;
                break;
            }
            /* "customers without payments", "excluding orders": a kind of thing after the
             * negation is not a value to leave out; the record reader lists what has none. */
            size_t before = k;
            while (before > 0 && c->sp[before - 1].kind == SP_FILLER)
                before--;
            if (neg && before > 0 && c->sp[before - 1].kind == SP_NEG && !has_value_sense(s))
                return decline(c, "\"without\" or \"excluding\" before a kind of thing asks "
                                  "for things that have none of it; ask for them as a list, "
                                  "such as \"customers with no orders\"");
            /* "sales with no more than 3 items": a measure right after the comparison is
             * what it limits. */
            struct span *after_cmp =
                nx && nx->kind == SP_CMP ? next_span(c, (size_t)(nx - c->sp)) : NULL;
            int cmp_has_own =
                after_cmp && after_cmp->kind == SP_LEX && has_measure_sense(after_cmp);
            if (mea && mea->kind == LX_SENSE_COLUMN &&
                ((nx && nx->kind == SP_CMP && nx->role != R_DONE && !nx->presence &&
                  !cmp_has_own) ||
                 (prev_cmp && prev_cmp->role != R_DONE))) {
                numeric_filter(c, nx && nx->kind == SP_CMP ? nx : prev_cmp, mea->mart, mea->col);
                s->sense = mea;
                s->role = R_DONE;
                break;
            }
            if (mea) {
                if (f->nmeasures >= NL_MAX_MEASURES)
                    return decline(c, "too many measures");
                struct nl_measure *m = &f->measures[f->nmeasures++];
                memset(m, 0, sizeof *m);
                m->mart = mea->mart;
                if (mea->kind == LX_SENSE_METRIC) {
                    m->agg = NL_AGG_METRIC;
                    m->metric = mea->metric;
                    m->metric_sql = mea->metric_sql;
                } else {
                    m->col = mea->col;
                    m->agg = agg_set ? agg : default_agg(mea->col);
                }
                agg_set = 0;
                s->sense = mea;
                s->role = R_MEASURE;
                last_measure = s;
                break;
            }
            if (has_sense(s, LX_SENSE_MART) && (!dim || dim->kind == LX_SENSE_MART)) {
                /* A mart named as the subject: "orders by year", "returns by year". */
                s->sense = pick(c, s, R_MART);
                s->role = R_MART;
                break;
            }
            if (dim && dim->kind == LX_SENSE_COLUMN && strcmp(dim->col->role, "date") == 0 &&
                dim->quality == LX_EXACT) {
                /* "ship date" named in full: time words refer to that date column. */
                f->date = dim->col;
                f->date_mart = dim->mart;
                s->role = R_DATE;
                break;
            }
            /* "customers who placed over 11 orders": a plural entity right after a
             * comparison is what it counts, not what to list them by. */
            int counted_after_cmp = prev_cmp && is_num(c, prev_cmp->to - 1) && entity_plural(c, s);
            if (dim && (which || after_top) && !counted_after_cmp) {
                add_dim(c, dim->mart,
                        dim->kind == LX_SENSE_MART ? nl__label_column(dim->mart) : dim->col,
                        GRAIN_NONE);
                s->role = R_DIM;
                s->sense = dim;
                break;
            }
            if (dim && nx && nx->kind == SP_BY && nx->sub == 1) {
                add_dim(c, dim->mart,
                        dim->kind == LX_SENSE_MART ? nl__label_column(dim->mart) : dim->col,
                        GRAIN_NONE);
                s->role = R_DIM;
                s->sense = dim;
                break;
            }
            s->role = R_NONE; /* placed later, or declined */
            break;
        }
        }
    }

    /* Column words not yet placed: a column named next to a value of it was absorbed;
     * a mart named as a subject is fine; anything else is not understood. */
    for (size_t k = 0; k < c->nsp; k++) {
        struct span *s = &c->sp[k];
        if (s->kind != SP_LEX || s->role != R_NONE)
            continue;
        /* A plural entity noun ("orders", "customers") names what the rows are about:
         * with no measure it is what to count ("cancelled orders by country"); with one
         * it adds nothing ("sales for orders with quantity over 50"). */
        if (s->to - s->from == 1 && entity_plural(c, s)) {
            struct nl_measure m = {0};
            /* "customers with more than 5 orders": with the customers table named as the
             * subject, orders are the condition's, not what to count. */
            int condition = k > 0 && c->sp[k - 1].kind == SP_CMP;
            for (size_t j = 0; condition && j < k; j++)
                if (c->sp[j].kind == SP_LEX && c->sp[j].role == R_MART &&
                    entity_plural(c, &c->sp[j]))
                    condition = 2;
            /* "customers who placed more than 20 orders", the orders on a table of lines
             * the customers' table does not reach: what the condition counts, elsewhere */
            if (condition && count_span && resolve_count(c, s, &m) != 0) {
                const struct schema_mart *fact = f->fact;
                f->fact = NULL;
                int found = resolve_count(c, s, &m) == 0;
                f->fact = fact;
                if (found) {
                    s->role = R_DONE;
                    continue;
                }
            }
            if (resolve_count(c, s, &m) == 0) {
                if (f->nmeasures == 0 && !count_span && condition != 2) {
                    count_span = s;
                    s->role = R_COUNT;
                    s->sense = &s->entry->senses[0];
                } else {
                    s->role = R_DONE;
                }
                continue;
            }
        }
        const struct lx_sense *dim = pick(c, s, R_DIM);
        /* "sales per region" written as "region sales": a lone dimension word before the
         * measure reads as a breakdown only when nothing else claims it. */
        if (dim && f->ndims == 0 && dim->kind == LX_SENSE_COLUMN &&
            strcmp(dim->col->role, "dimension") == 0 && dim->quality == LX_EXACT) {
            add_dim(c, dim->mart, dim->col, GRAIN_NONE);
            s->role = R_DIM;
            s->sense = dim;
            continue;
        }
        for (size_t i = s->from; i < s->to; i++)
            c->owner[i] = 0;
    }
    for (size_t i = 0; i < c->tk.n; i++)
        if (c->owner[i] == 0 && tok(c, i)->kind != LX_PUNCT)
            return decline(c, "some words could not be placed in the question's meaning");

    if (by_date && nt == 0 && !has_time_dim(f) && add_dim(c, NULL, NULL, GRAIN_MONTH) != 0)
        return decline(c, "at most two dimensions are supported");
    /* "how many order lines", "number of rows": rows of the fact. */
    if (rows_noun && !count_span) {
        if (rows_noun == 1 && f->nmeasures == 0)
            return decline(c, "rows or lines are counted (\"how many order lines\"), not summed");
        if (f->nmeasures >= NL_MAX_MEASURES)
            return decline(c, "too many measures");
        struct nl_measure *m = &f->measures[f->nmeasures++];
        memset(m, 0, sizeof *m);
        m->agg = NL_AGG_COUNT_ROWS;
        m->mart = f->fact;
        snprintf(m->noun, sizeof m->noun, "rows");
    }
    /* "profit margin": profit as a percentage of sales, when both are there. */
    if (margin) {
        const struct schema_column *amount = default_measure(f->fact), *profit = NULL;
        for (size_t j = 0; j < f->fact->ncols && !profit; j++)
            if (strstr(f->fact->cols[j].name, "profit") && is_measure_col(&f->fact->cols[j]))
                profit = &f->fact->cols[j];
        const struct schema_column *cost = profit ? NULL : cost_column(f->fact);
        if (!amount || (!profit && !cost))
            return decline(c, "a margin needs a sales column and a profit or a cost column");
        if (f->nmeasures >= NL_MAX_MEASURES)
            return decline(c, "too many measures");
        struct nl_measure *m = &f->measures[f->nmeasures++];
        memset(m, 0, sizeof *m);
        /* With a cost and no profit column: the gross margin. */
        m->agg = profit ? NL_AGG_MARGIN : NL_AGG_GROSS_MARGIN;
        m->mart = f->fact;
        m->col = profit ? profit : amount;
        m->per = profit ? amount : cost;
        snprintf(m->noun, sizeof m->noun, "margin");
    }
    /* "average order value": the amount per order. */
    if (aov) {
        struct nl_measure m = {0};
        const struct schema_column *amount = default_measure(f->fact);
        struct span fake = {0};
        (void)fake;
        const struct schema_column *id = NULL;
        for (size_t j = 0; j < f->fact->ncols && !id; j++)
            if (contains_word(f->fact->cols[j].name, "order") &&
                strcmp(f->fact->cols[j].role, "identifier") == 0)
                id = &f->fact->cols[j];
        if (!amount || !id)
            return decline(c, "an average order value needs an amount and an order number");
        m.agg = NL_AGG_RATIO;
        m.mart = f->fact;
        m.col = amount;
        m.per = id;
        snprintf(m.noun, sizeof m.noun, "order");
        if (f->nmeasures >= NL_MAX_MEASURES)
            return decline(c, "too many measures");
        f->measures[f->nmeasures++] = m;
    }
    /* Counts. */
    if (count_span) {
        struct nl_measure m = {0};
        const struct lx_sense *qs = NULL;
        const struct sm_measure *units = NULL;
        if (resolve_count(c, count_span, &m) != 0 && has_value_sense(count_span) && sell_verb(c) &&
            (units = units_sold(c)) != NULL) {
            /* "how many 2003 Harley-Davidson Eagle Drag Bikes were ordered": the units of it
             * that sold, added up. */
            const struct lx_sense *val = pick(c, count_span, R_FILTER);
            if (!val || add_value_filter(c, val, 0) != 0)
                return decline(c, "it is not clear what to count");
            count_span->sense = val;
            count_span->role = R_FILTER;
            memset(&m, 0, sizeof m);
            m.mart = units->mart;
            m.col = units->col;
            m.agg = NL_AGG_SUM;
            f->fact = units->mart;
            assume(f, "the number of %s as units sold (%s)", val->value, units->col->name);
        } else if (resolve_count(c, count_span, &m) != 0) {
            /* "number of items", "how many units": the quantity column, added up. */
            if (count_span->to != count_span->from + 1 || !is_any(c, count_span->from, pieces) ||
                (qs = pick(c, count_span, R_MEASURE)) == NULL || !qs->col ||
                default_agg(qs->col) != NL_AGG_SUM)
                return decline(c, "it is not clear what to count");
            memset(&m, 0, sizeof m);
            m.mart = qs->mart;
            m.col = qs->col;
            m.agg = NL_AGG_SUM;
            if (agg_set) {
                /* "average number of items per order": the quantity over the orders. */
                const struct schema_column *id = f->ndims ? f->dims[f->ndims - 1].col : NULL;
                if (agg != NL_AGG_AVG || !id || strcmp(id->role, "identifier") != 0)
                    return decline(c, "it is not clear what to average the count over; ask "
                                      "for the total, or per order");
                m.agg = NL_AGG_RATIO;
                m.per = id;
                size_t w = strcspn(id->name, "_");
                snprintf(m.noun, sizeof m.noun, "%.*s", (int)(w < 40 ? w : 40), id->name);
                f->ndims--;
                agg_set = 0;
            }
        }
        if (!qs)
            plural_noun(m.noun, sizeof m.noun); /* "order count": the number of orders */
        /* "average number of orders by region" leaves "average" unplaced: an average of
         * counts needs what it is over ("orders per month on average"). */
        if (!qs && agg_set && agg != NL_AGG_SUM && !f->avg_grain)
            return decline(c, "an average, median, minimum or maximum of a count needs what it "
                              "is taken over, such as \"orders per month on average\"");
        if (f->nmeasures >= NL_MAX_MEASURES)
            return decline(c, "too many measures");
        f->measures[f->nmeasures++] = m;
        if (!f->fact || (m.mart != f->fact && f->nmeasures == 1))
            f->fact = m.mart;
    }
    /* A mart named as the subject with no measure: count its rows, or sum the measure
     * named after it ("returns" -> return_quantity). */
    if (f->nmeasures == 0) {
        for (size_t k = 0; k < c->nsp; k++) {
            struct span *s = &c->sp[k];
            if (s->kind != SP_LEX || s->role != R_MART || !s->sense)
                continue;
            const struct schema_mart *m = s->sense->mart;
            f->fact = m;
            char ent[NL_ENTITY_MAX];
            entity_word(c, s, ent, sizeof ent);
            const struct schema_column *named = NULL;
            for (size_t j = 0; j < m->ncols && !named; j++)
                if (is_measure_col(&m->cols[j]) && counts_entity(m->cols[j].name, ent))
                    named = &m->cols[j];
            /* "sales by rep" on a fact_sales table whose amount is called revenue. */
            if (!named && (strcmp(ent, "sales") == 0 || strcmp(ent, "revenue") == 0 ||
                           strcmp(ent, "sale") == 0))
                named = default_measure(m);
            if (!named && money_word(ent)) {
                /* "sales" of a table of order lines with no amount: counting its rows
                 * would answer another question. */
                return decline(c, NO_AMOUNT);
            }
            struct nl_measure *me = &f->measures[f->nmeasures++];
            memset(me, 0, sizeof *me);
            me->mart = m;
            if (named) {
                me->col = named;
                me->agg = agg_set ? agg : default_agg(named);
            } else {
                me->agg = NL_AGG_COUNT_ROWS;
                snprintf(me->noun, sizeof me->noun, "%s", tok(c, s->to - 1)->text);
            }
            break;
        }
    }
    /* "our best customer", "which rep is the best": best by what? The most sales and the
     * most orders are both plausible and differ; never guess which. */
    if (f->nmeasures == 0 && (f->superlative || f->limit)) {
        static const char *const judged[] = {"best", "worst", NULL};
        static const char *const selling[] = {"selling", "seller", "sellers", "sold", NULL};
        for (size_t i = 0; i < c->tk.n; i++)
            if (is_any(c, i, judged) && !is_any(c, i + 1, selling)) /* best selling: sales */
                return decline(c, "\"best\" and \"worst\" need a measure: say by what, such as "
                                  "\"by sales\" or \"by number of orders\"");
    }
    if (f->nmeasures == 0 && c->by_count) {
        /* "the most popular ship mode": the one with the most orders (rows without an
         * order number). */
        struct nl_measure *me = &f->measures[f->nmeasures++];
        memset(me, 0, sizeof *me);
        me->mart = f->fact;
        me->agg = NL_AGG_COUNT_ROWS;
        snprintf(me->noun, sizeof me->noun, "rows");
        for (size_t j = 0; j < f->fact->ncols; j++) {
            const struct schema_column *col = &f->fact->cols[j];
            if (strcmp(col->role, "identifier") == 0 &&
                (contains_word(col->name, "order") || contains_word(col->name, "invoice") ||
                 contains_word(col->name, "transaction") || strstr(col->name, "ordernumber"))) {
                me->agg = NL_AGG_COUNT_DISTINCT;
                me->col = col;
                snprintf(me->noun, sizeof me->noun, "orders");
                break;
            }
        }
        /* "which product color sells the most" on the products table: counting its rows
         * counts products, not what sold. */
        if (!me->col && sell_verb(c))
            return decline(c, NOT_SOLD);
        assume(f, "ranked by the number of %s", me->noun);
    }
    if (f->nmeasures == 0) {
        const struct schema_column *d = default_measure(f->fact);
        struct nl_measure *me = &f->measures[f->nmeasures++];
        memset(me, 0, sizeof *me);
        me->mart = f->fact;
        if (d) {
            me->col = d;
            me->agg = agg_set ? agg : default_agg(d);
            c->measure_defaulted = f->ndims || f->nfilters || f->limit;
        } else {
            if (sell_verb(c))
                return decline(c, NOT_SOLD);
            me->agg = NL_AGG_COUNT_ROWS;
            snprintf(me->noun, sizeof me->noun, "rows");
            c->rows_defaulted = 1;
        }
    }
    /* Numeric comparisons bind to the measure or column named next to them. */
    for (size_t k = 0; k < c->nsp; k++) {
        struct span *s = &c->sp[k];
        if (s->kind != SP_CMP || s->role == R_DONE)
            continue;
        const struct schema_column *col = NULL;
        const struct schema_mart *m = NULL;
        int on_count = 0;
        if (s->presence && k + 1 < c->nsp && c->sp[k + 1].kind == SP_COMPUTED)
            return decline(c, "a condition on whether there is revenue, cost or profit cannot "
                              "be read yet; ask for the total instead");
        if (s->presence && (is_w(c, s->from, "no") || s->sub == NL_CMP_LE)) {
            /* "how many customers have no orders", "without a payment": those whose count
             * of them is zero. */
            struct span *nx = k + 1 < c->nsp ? &c->sp[k + 1] : NULL;
            struct nl_measure cm = {0};
            struct nl_having h = {0};
            if (s->done) {
                if (never_condition(c, k, (enum sm_date_role)(s->done - 1), &h) != 0)
                    return decline(c, "\"never\" needs what it is about and one table of what "
                                      "was done that points at it, such as \"products never "
                                      "ordered\"");
                s->sub = NL_CMP_EQ;
                s->num = 0;
                if (keep_having(c, s, &h) != 0)
                    return -1;
                continue;
            }
            if (nx && nx->kind == SP_LEX && has_sense(nx, LX_SENSE_MART) &&
                (nx->role == R_DONE || nx->role == R_COUNT || nx->role == R_MART) &&
                entity_before(c, k, &h) == 0 && count_for_entity(c, nx, &h, &cm) == 0 && h.via) {
                h.m = cm;
                s->sub = NL_CMP_EQ;
                s->num = 0;
                if (keep_having(c, s, &h) != 0)
                    return -1;
                continue;
            }
            return decline(c, "\"no\" asks for things without any of what follows (\"reps with "
                              "no customers\"), which fast mode cannot write yet");
        }
        if (s->presence) {
            /* "with a": nothing measured came after it, so it was only words. */
            s->role = R_DONE;
            continue;
        }
        if (s->negate) {
            /* "loss-making products": profit below zero. */
            col = profit_column(f->fact);
            if (!col)
                return decline(c, "a loss needs a profit column, and the data has none");
            numeric_filter(c, s, f->fact, col);
            continue;
        }
        /* "brands with negative profit" where profit is revenue less cost: a condition
         * on each brand's total. */
        struct span *pn = k + 1 < c->nsp && c->sp[k + 1].kind == SP_PROFIT ? &c->sp[k + 1]
                          : k > 0 && c->sp[k - 1].kind == SP_PROFIT        ? &c->sp[k - 1]
                                                                           : NULL;
        if (pn) {
            struct nl_having h = {0};
            const struct nl_measure *pm = NULL;
            for (size_t i = 0; i < f->nmeasures && !pm; i++)
                if (f->measures[i].agg == NL_AGG_PROFIT)
                    pm = &f->measures[i];
            if (!pm || entity_before(c, k, &h) != 0)
                return decline(c, "a condition on profit computed from two columns needs what "
                                  "it is about, such as \"brands with negative profit\"");
            h.m = *pm;
            if (keep_having(c, s, &h) != 0)
                return -1;
            continue;
        }
        /* "customers who paid more than 3 times": the rows the verb names (the payments),
         * counted for each entity named before. */
        if (s->times) {
            struct nl_having h = {0};
            if (times_condition(c, k, &h) != 0)
                return decline(c, "\"times\" counts what was done, such as \"customers who paid "
                                  "more than 3 times\", where each row is one time");
            if (keep_having(c, s, &h) != 0)
                return -1;
            continue;
        }
        /* "orders with more than 10 lines": a count of the rows of the table of lines,
         * for each order in it. Never the amount over 10 on each line. */
        size_t nl = line_words(c, s->to);
        if (nl) {
            struct nl_having h = {0};
            if (entity_before(c, k, &h) != 0 || h.mart != f->fact || h.via ||
                h.of->distinct >= f->fact->rows * 0.99)
                return decline(c, "counting lines needs what they are lines of, such as "
                                  "\"orders with more than 10 lines\"");
            h.m.agg = NL_AGG_COUNT_ROWS;
            h.m.mart = f->fact;
            snprintf(h.m.noun, sizeof h.m.noun, "lines");
            if (keep_having(c, s, &h) != 0)
                return -1;
            for (size_t i = s->to; i < s->to + nl; i++)
                if (c->owner[i])
                    c->sp[c->owner[i] - 1].role = R_DONE;
            continue;
        }
        /* "customers with more than 10 orders": a count of the entity named right after,
         * for each entity named before. */
        struct span *nx = k + 1 < c->nsp ? &c->sp[k + 1] : NULL;
        if (nx && nx->kind == SP_LEX && entity_plural(c, nx) &&
            (nx->role == R_DONE || nx->role == R_COUNT || nx->role == R_MART)) {
            struct nl_measure cm = {0};
            struct nl_having h = {0};
            if (entity_before(c, k, &h) == 0 && count_for_entity(c, nx, &h, &cm) == 0) {
                h.m = cm;
                if (keep_having(c, s, &h) != 0)
                    return -1;
                continue;
            }
            /* "more than 5 orders" counts them: if not as a count of something named
             * before, then not as an amount either */
            if (!s->pct && nx->from == s->to)
                return decline(c, "a number of things as a condition needs what has them, "
                                  "such as \"customers with more than 5 orders\"");
        }
        for (int d = 1; d <= 3 && !col; d++) {
            struct span *cand[2] = {k >= (size_t)d ? &c->sp[k - d] : NULL,
                                    k + d < c->nsp ? &c->sp[k + d] : NULL};
            for (int side = 0; side < 2 && !col; side++) {
                struct span *x = cand[side];
                if (!x || x->kind != SP_LEX || !x->sense)
                    continue;
                if (x->role == R_MEASURE && x->sense->col) {
                    col = x->sense->col;
                    m = x->sense->mart;
                } else if (x->role == R_COUNT || x->role == R_MART) {
                    /* "orders over 500": the amount of the order lines. */
                    const struct schema_column *dm = default_measure(f->fact);
                    if (dm) {
                        col = dm;
                        m = f->fact;
                        on_count = 1;
                    }
                }
            }
        }
        /* Else the measure asked for, when it is a column's plain aggregate (not a
         * profit computed from two, whose first column is not what is compared). */
        enum nl_agg a0 = f->measures[0].agg;
        if (!col && f->measures[0].col &&
            (a0 == NL_AGG_SUM || a0 == NL_AGG_AVG || a0 == NL_AGG_MIN || a0 == NL_AGG_MAX ||
             a0 == NL_AGG_MEDIAN)) {
            col = f->measures[0].col;
            m = f->measures[0].mart;
        }
        if (!col || !is_numeric_type(col->type))
            return decline(c, "a number in the question does not say what it limits");
        numeric_filter(c, s, m, col);
        c->filter_on_count[f->nfilters - 1] = on_count;
    }
    if (entity_conditions(c) != 0)
        return -1;
    if (c->top_default)
        assume(f, "%s 10, as no number was given", c->top_default > 0 ? "top" : "bottom");
    if (c->measure_defaulted)
        assume(f, "measured by %s, as no measure was named", f->measures[0].col->name);
    for (size_t k = 0; k < c->nsp && c->measure_defaulted && !f->limit && !f->superlative; k++)
        f->listed |= c->sp[k].kind == SP_LIST;
    const char *pref = playbook_default_date(lx_lexicon_playbook(c->lx));
    /* "how many different products were sold in 1996": things with no date of their
     * own, counted among the lines that sold them in the period. */
    if (nt && !f->date && !sale_date(c, nl__default_date(f->fact, pref)) && sold_in_period(c) != 0)
        return -1;
    /* "customers with more than 3 orders in 2004": the period is on the rows counted,
     * where the things themselves have no date. */
    if (nt && !f->date && f->has_having && f->having.via && !nl__default_date(f->fact, pref) &&
        (f->having.m.agg == NL_AGG_COUNT_ROWS || f->having.m.agg == NL_AGG_SUM)) {
        const struct schema_mart *rows = f->having.via->from;
        const struct sm_date *role = NULL;
        for (size_t i = 0; c->date_verb && c->model && i < c->model->ndates; i++)
            if (c->model->dates[i].mart == rows && (int)c->model->dates[i].role + 1 == c->date_verb)
                role = &c->model->dates[i];
        f->date = role ? role->col : nl__default_date(rows, pref);
        f->date_mart = rows;
        f->having.dated = f->date != NULL;
        if (f->date)
            c->date_verb = 0; /* read on the rows counted */
    }
    /* The date column: the playbook's default, else the fact's own. */
    int named_date = f->date != NULL;
    if (!f->date) {
        f->date = nl__default_date(f->fact, pref);
        f->date_mart = f->fact;
        if (!f->date) {
            /* A mart the fact joins may carry the dates (orders for order_details): the
             * nearest one, and among those a mart named like an order or sale. */
            int best = 1000;
            for (size_t i = 0; i < c->s->nmarts; i++) {
                const struct schema_mart *m = &c->s->marts[i];
                int d = distance(c, m);
                const struct schema_column *dc = d < 100 ? nl__default_date(m, pref) : NULL;
                if (!dc || m == f->fact)
                    continue;
                int score = d * 10 - (strstr(m->source, "order") || strstr(m->source, "sale") ||
                                              strstr(m->source, "invoice")
                                          ? 5
                                          : 0);
                if (score < best) {
                    best = score;
                    f->date = dc;
                    f->date_mart = m;
                }
            }
        }
    }
    /* "how many customers in 2015" read on their birth dates is no answer: a period goes
     * on a date things happen on, unless that date is named */
    if (nt && f->date && !named_date && !c->date_verb && !sale_date(c, f->date)) {
        char w[SQ_NAME_MAX];
        nl__words(f->date->name, w, sizeof w);
        snprintf(c->why, sizeof c->why,
                 "the period would be read on %.60s, which is not when sales happen; name the "
                 "date (\"by %.60s\") or what was sold",
                 w, w);
        return decline(c, c->why);
    }
    if (nt && c->date_verb && verb_date(c) != 0)
        return decline(c, "the question says which date the period is on, but the data has no "
                          "such date column");
    if ((nt || uses_date_dim(f)) && !f->date)
        return decline(c, "the question is about time, but the data has no date column");
    if (nt && resolve_time(c, times, nt, vs) != 0)
        return decline(c, c->why);
    if (vs && !f->compare) {
        /* "furniture vs technology sales": the values side by side, as a breakdown. */
        for (size_t i = 0; i < f->nfilters; i++) {
            const struct nl_filter *x = &f->filters[i];
            if (x->numeric || x->negate || x->nvalues < 2 || dim_index(f, x->col))
                continue;
            if (add_dim(c, x->mart, x->col, GRAIN_NONE) != 0)
                return decline(c, "at most two dimensions are supported");
            vs = 0;
            break;
        }
    }
    if (vs == 1 && !f->compare)
        return decline(c, "a comparison needs two periods (such as 2016 vs 2017) or two values "
                          "(such as Furniture vs Technology)");
    return c->lenient ? 0 : finish_frame(c);
}

/* ---- follow-ups ---- */

/* A question that edits the previous frame: "now by quarter", "only West", "what about
 * 2020?", "top 10 instead", "and for Furniture". It is read like a question, then merged:
 * what it names replaces the same part of the previous frame. */
static int is_followup(const struct ctx *c)
{
    static const char *const starts[] = {"now", "only", "just", "instead", "and", "what",
                                         "how", "same", "also", "then",    "but", NULL};
    if (c->tk.n == 0)
        return 0;
    if (is_w(c, 0, "what") && !(is_w(c, 1, "about") || is_w(c, 1, "if")))
        return 0;
    if (is_w(c, 0, "how") && !is_w(c, 1, "about"))
        return 0;
    for (size_t i = 0; i < c->tk.n; i++)
        if (is_w(c, i, "instead"))
            return 1;
    return is_any(c, 0, starts);
}

static void merge_followup(struct nl_frame *f, const struct nl_frame *prev,
                           const struct nl_frame *cur, int named_measure, int named_dims,
                           int named_time, int named_top)
{
    struct nl_frame out = *prev;
    if (named_measure) {
        memcpy(out.measures, cur->measures, sizeof cur->measures);
        out.nmeasures = cur->nmeasures;
        out.fact = cur->fact;
        out.avg_grain = cur->avg_grain;
        out.over = cur->over;
        out.over_mart = cur->over_mart;
        out.over_agg = cur->over_agg;
    }
    if (named_dims) {
        memcpy(out.dims, cur->dims, sizeof cur->dims);
        out.ndims = cur->ndims;
        out.nfields = 0;   /* they were the fields of the old ranked thing */
        out.per_group = 0; /* decided again for the new dimensions */
    }
    if (cur->has_having) {
        out.has_having = 1;
        out.having = cur->having;
    }
    /* New filters replace old ones on the same column, and add otherwise. */
    for (size_t i = 0; i < cur->nfilters; i++) {
        const struct nl_filter *nf = &cur->filters[i];
        size_t j;
        for (j = 0; j < out.nfilters; j++)
            if (out.filters[j].col == nf->col && out.filters[j].numeric == nf->numeric)
                break;
        if (j < out.nfilters)
            out.filters[j] = *nf;
        else if (out.nfilters < NL_MAX_FILTERS)
            out.filters[out.nfilters++] = *nf;
    }
    if (named_time) {
        out.has_window = cur->has_window;
        out.window = cur->window;
        out.compare = cur->compare;
        memcpy(out.periods, cur->periods, sizeof cur->periods);
        out.season_from = cur->season_from;
        out.season_to = cur->season_to;
    }
    if (named_top) {
        out.limit = cur->limit;
        out.order = cur->order;
        out.superlative = cur->superlative;
    }
    if (cur->share)
        out.share = 1;
    if (cur->growth)
        out.growth = 1;
    out.nassumptions = 0;
    for (size_t i = 0; i < cur->nassumptions; i++)
        if (named_measure || strncmp(cur->assumptions[i], "measured by", 11) != 0)
            assume(&out, "%s", cur->assumptions[i]);
    *f = out;
}

/* One reading of question; assumption (or NULL) is said in the interpretation. */
static int answer_once(const struct lx_lexicon *lx, const struct sm_model *model,
                       const char *question, const struct nl_frame *previous,
                       const char *assumption, struct nl_answer *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < 2; i++) {
        out->shape.dims[i] = -1;
    }
    /* A question that is not a follow-up of an aggregate may ask for records. */
    if (model && !(previous && previous->fact)) {
        int rc = nl__record(lx, model, question, out);
        if (rc != NL_NOT_RECORD)
            return rc;
    }
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.lx = lx;
    c.model = model;
    c.s = lx_lexicon_schema(lx);
    c.question = question;
    c.out = out;
    c.f = &out->frame;
    if (lx_tokenize(question, &c.tk) != 0) {
        lx_tokens_fini(&c.tk);
        out->status = SQ_E_UNSUPPORTED;
        out->reason = xasprintf("the question is longer than %d characters", LX_MAX_QUESTION);
        return SQ_E_UNSUPPORTED;
    }
    c.owner = xcalloc(c.tk.n + 1, sizeof *c.owner);
    int followup = previous && previous->fact && is_followup(&c);
    c.yesno = !followup && exists_question(&c);
    key_pass(&c);
    late_pass(&c);
    named_number_pass(&c);
    time_pass(&c);
    date_verb_pass(&c);
    rank_pass(&c);
    lexicon_pass(&c, 2);
    grain_pass(&c);
    cue_pass(&c, 2);
    computed_pass(&c);
    lexicon_pass(&c, 1);
    cue_pass(&c, 1);
    filler_pass(&c);
    int rc;
    if (c.tk.n == 0) {
        rc = decline(&c, "the question is empty");
    } else if (followup) {
        /* Follow-ups read in the previous question's world: the same fact mart. */
        c.f->fact = previous->fact;
        c.f->date = previous->date;
        c.f->date_mart = previous->date_mart;
        for (size_t i = 0; i < c.tk.n; i++)
            if (c.owner[i] == 0 && tok(&c, i)->kind == LX_WORD &&
                (is_w(&c, i, "now") || is_w(&c, i, "instead") || is_w(&c, i, "about") ||
                 is_w(&c, i, "same") || is_w(&c, i, "but") || is_w(&c, i, "then")))
                add_span(&c, SP_FILLER, i, i + 1);
        struct nl_frame prev = *previous;
        c.lenient = 1;
        rc = build(&c);
        if (rc == 0) {
            int named_measure = 0, named_dims = 0, named_time = 0, named_top = 0;
            for (size_t k = 0; k < c.nsp; k++) {
                struct span *s = &c.sp[k];
                named_measure |= s->role == R_MEASURE || s->role == R_COUNT || s->kind == SP_COUNT;
                named_dims |= s->role == R_DIM || s->kind == SP_GRAIN;
                named_time |= s->kind == SP_TIME;
                named_top |= s->kind == SP_TOP || s->kind == SP_SUPER;
            }
            struct nl_frame cur = *c.f;
            /* "only for customers with more than 10 orders": the customers are the
             * condition's, not a new count. */
            const struct nl_measure *m0 = &cur.measures[0];
            if (cur.has_having && cur.nmeasures == 1 &&
                ((m0->agg == NL_AGG_COUNT_DISTINCT && m0->col == cur.having.of) ||
                 (m0->agg == NL_AGG_COUNT_ROWS && m0->mart == cur.having.mart)))
                named_measure = 0;
            merge_followup(c.f, &prev, &cur, named_measure, named_dims, named_time, named_top);
            rc = finish_frame(&c);
        }
    } else {
        rc = build(&c);
    }
    if (rc == 0 && assumption)
        assume(c.f, "%s", assumption);
    if (rc == 0)
        rc = nlsql_emit(lx, c.f, out);
    if (rc != 0 && !out->reason) {
        out->status = SQ_E_UNSUPPORTED;
        out->reason = xstrdup("the question could not be expressed over the loaded data");
    }
    if (rc != 0) {
        /* What was understood, for the user to rephrase from. */
        struct sq_buf u;
        sq_buf_init(&u, SQ_BUF_UNLIMITED);
        for (size_t k = 0; k < c.nsp; k++) {
            struct span *s = &c.sp[k];
            if (s->kind != SP_LEX && s->kind != SP_TIME && s->kind != SP_TOP && s->kind != SP_GRAIN)
                continue;
            const char *what = s->kind == SP_TIME    ? "a time period"
                               : s->kind == SP_TOP   ? "a ranking"
                               : s->kind == SP_GRAIN ? "a time grain"
                                                     : NULL;
            const struct lx_sense *x =
                s->sense ? s->sense : (s->entry && s->entry->n ? &s->entry->senses[0] : NULL);
            sq_buf_printf(&u, "%s\"%.*s\" = ", u.len ? "; " : "",
                          (int)(tok(&c, s->to - 1)->end - tok(&c, s->from)->start),
                          question + tok(&c, s->from)->start);
            if (what)
                sq_buf_puts(&u, what);
            else if (x && x->kind == LX_SENSE_VALUE)
                sq_buf_printf(&u, "%s %s", x->col->name, x->value);
            else if (x && x->kind == LX_SENSE_COLUMN)
                sq_buf_printf(&u, "column %s", x->col->name);
            else if (x && x->kind == LX_SENSE_MART)
                sq_buf_printf(&u, "%s", x->mart->name);
            else if (x && x->kind == LX_SENSE_METRIC)
                sq_buf_printf(&u, "metric %s", x->metric);
        }
        out->understood = sq_buf_steal(&u);
    }
    free(c.owner);
    lx_tokens_fini(&c.tk);
    return rc;
}

/* "who spent the most in 2017": asked of buyers, "who" is the customer when the data
 * names customers (or clients, buyers). The noun, or NULL. */
static const char *buyer_noun(const struct lx_lexicon *lx, const char *question)
{
    static const char *const buys[] = {"spent",   "spend",  "spends", "bought",    "buys",
                                       "buy",     "paid",   "pays",   "purchased", "purchase",
                                       "ordered", "placed", NULL};

    if (strncasecmp(question, "who ", 4) != 0)
        return NULL;
    int verb = 0;
    for (int k = 0; buys[k] && !verb; k++) {
        size_t n = strlen(buys[k]);
        for (const char *p = question + 4; (p = strstr(p, buys[k])) != NULL && !verb; p += n)
            verb = p[-1] == ' ' && !isalpha((unsigned char)p[n]);
    }
    for (int k = 0; verb && nl__buyer_nouns[k]; k++) {
        const struct lx_entry *e = lx_lexicon_get(lx, nl__buyer_nouns[k]);
        if (e && e->n)
            return nl__buyer_nouns[k];
    }
    return NULL;
}

static int answer_plain(const struct lx_lexicon *lx, const struct sm_model *model,
                        const char *question, const struct nl_frame *previous,
                        struct nl_answer *out);

/* "who spent the most in 2017 and what segment are they in": the ranking before the
 * clause (question[0, at)), then the fields the clause (from tail) names shown beside the
 * ranked thing. 0 with out
 * filled, or -1 (out untouched) for a question to read whole. */
static int answer_with_fields(const struct lx_lexicon *lx, const struct sm_model *model,
                              const char *question, size_t at, size_t tail, struct nl_answer *out)
{
    char *head = xasprintf("%.*s", (int)at, question);
    struct nl_answer first;
    int rc = answer_plain(lx, model, head, NULL, &first);
    free(head);
    struct nl_frame f = first.frame;
    if (rc != 0 || first.query || !f.fact || nl__add_fields(lx, model, question + tail, &f) != 0) {
        nl_answer_fini(&first);
        return -1;
    }
    nl_answer_fini(&first);
    memset(out, 0, sizeof *out);
    out->shape.dims[0] = out->shape.dims[1] = -1;
    out->frame = f;
    if (nlsql_emit(lx, &out->frame, out) != 0) {
        nl_answer_fini(out);
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

int nlsql_answer(const struct lx_lexicon *lx, const struct sm_model *model, const char *question,
                 const struct nl_frame *previous, struct nl_answer *out)
{
    size_t tail = 0;
    size_t clause = model && !(previous && previous->fact) ? nl__fields_clause(question, &tail) : 0;
    if (clause && answer_with_fields(lx, model, question, clause, tail, out) == 0)
        return 0;
    int rc = answer_plain(lx, model, question, previous, out);
    if (rc == 0 && clause && !out->query) {
        /* the clause on the top row was not read; one total that ignores it is wrong */
        nl_answer_fini(out);
        memset(out, 0, sizeof *out);
        out->status = SQ_E_UNSUPPORTED;
        out->reason = xstrdup("the question asks for fields of the top row, and fast mode could "
                              "not read which; ask for the ranking first, such as \"which "
                              "customer had the highest sales\", then for its fields");
        return SQ_E_UNSUPPORTED;
    }
    return rc;
}

static int answer_plain(const struct lx_lexicon *lx, const struct sm_model *model,
                        const char *question, const struct nl_frame *previous,
                        struct nl_answer *out)
{
    int rc = answer_once(lx, model, question, previous, NULL, out);
    const char *noun =
        rc == SQ_E_UNSUPPORTED && !(previous && previous->fact) ? buyer_noun(lx, question) : NULL;
    if (!noun)
        return rc;
    char *which = xasprintf("which %s %s", noun, question + 4);
    char *said = xasprintf("\"who\" read as the %s", noun);
    struct nl_answer again;
    if (answer_once(lx, model, which, NULL, said, &again) == 0) {
        nl_answer_fini(out);
        *out = again;
        if (out->shape.measure_label == again.measure_label)
            out->shape.measure_label = out->measure_label; /* it points into the struct */
        rc = 0;
    } else {
        nl_answer_fini(&again);
    }
    free(which);
    free(said);
    return rc;
}

void nl_answer_fini(struct nl_answer *a)
{
    free(a->sql);
    free(a->interpretation);
    free(a->query);
    free(a->reason);
    free(a->understood);
    for (size_t i = 0; i < a->nunplaced; i++)
        free(a->unplaced[i].word);
    for (size_t i = 0; i < a->nsuggestions; i++)
        free(a->suggestions[i]);
    memset(a, 0, sizeof *a);
}
