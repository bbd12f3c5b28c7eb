/*
 * Insights: a few short sentences about a result table, computed from the table and
 * nothing else (the leader and its share, the gap to the runner-up, change over time, peak
 * and trough, growth between periods). The answer pipeline calls insights_build after a
 * query ran; chart.c borrows the time-axis helpers declared in insights_internal.h.
 *
 * Every number reaches the text through the sentence builder (say / sent_add), which
 * records the raw value it formatted, so the tests can trace each printed number back to
 * the table. Nothing here guesses: when a statement would need knowledge the table does
 * not hold (is the last month complete? is this measure additive?), it is left out.
 */
#include "answer/insights_internal.h"
#include "answer/shape.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/table.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    ROW_LIMIT = 10000,     /* longer results get only a row count: too long to summarise */
    SENTENCE_MAX = 8,      /* never more sentences than this, whatever the caller asks */
    SENTENCE_BYTES = 1024, /* the text limit of one sentence; longer ones are dropped */
    LABEL_BYTES = 80,      /* longer labels are cut (at a character) and get an ellipsis */
    LIST_MAX = 3,          /* names listed before "and N more" */
    GROUP_MAX = 200,       /* groups tracked for two-dimension summaries */
    PERIOD_BYTES = 96,
};

static int col_ok(const struct sq_table *t, int col)
{
    return col >= 0 && (size_t)col < t->ncols;
}

static const struct sq_cell *cell_at(const struct sq_table *t, size_t row, int col)
{
    return sq_table_cell(t, row, (size_t)col);
}

/* 1 when text contains word as a whole word: words are runs of letters, so "order_year"
 * has "year" and "yearly" does not. */
static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; p && *p;) {
        while (*p && !isalpha((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && isalpha((unsigned char)*p))
            p++;
        if ((size_t)(p - start) == n && strncasecmp(start, word, n) == 0)
            return 1;
    }
    return 0;
}

static int has_any_word(const char *text, const char *const *words)
{
    for (; *words; words++)
        if (has_word(text, *words))
            return 1;
    return 0;
}

/* ---- The time axis ---------------------------------------------------------------- */

static const char *const MONTHS[12] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

int insights__is_iso_date(const char *s)
{
    if (!s)
        return 0;
    for (int i = 0; i < 10; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (i == 4 || i == 7 ? ch != '-' : !isdigit(ch))
            return 0;
    }
    return s[10] == '\0' || s[10] == ' ' || s[10] == 'T';
}

static int column_is_date(const struct sq_table *t, int col)
{
    const char *type = t->cols[col].type ? t->cols[col].type : "";
    if (strncasecmp(type, "DATE", 4) == 0 || strncasecmp(type, "TIMESTAMP", 9) == 0)
        return 1;
    if (t->cols[col].numeric)
        return 0;
    for (size_t r = 0; r < t->nrows && r < 16; r++) {
        const struct sq_cell *c = cell_at(t, r, col);
        if (c->kind != SQ_CELL_NULL)
            return c->kind == SQ_CELL_TEXT && insights__is_iso_date(c->text);
    }
    return 0;
}

static int is_year_name(const char *name)
{
    return has_word(name, "year") || has_word(name, "yr");
}

/* The part ('m', 'q', 'w') a column name says it holds, or 0. */
static char part_of_name(const char *name)
{
    if (has_word(name, "month"))
        return 'm';
    if (has_word(name, "quarter") || has_word(name, "qtr"))
        return 'q';
    if (has_word(name, "week"))
        return 'w';
    return 0;
}

static char part_of_grain(enum shape_grain g)
{
    return g == GRAIN_MONTH ? 'm' : g == GRAIN_QUARTER ? 'q' : g == GRAIN_WEEK ? 'w' : 0;
}

/* A column other than skip and the shape's measures whose name passes want, preferring
 * the shape's dimensions; -1 if none. */
static int find_named_col(const struct sq_table *t, const struct result_shape *s, int skip,
                          int want_year)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < t->ncols; i++) {
            int c = (int)i;
            int is_dim = c == s->dims[0] || c == s->dims[1];
            if (c == skip || c == s->measure || c == s->measure2 || c == s->growth ||
                (pass == 0 && !is_dim))
                continue;
            const char *name = t->cols[i].name;
            if (want_year ? is_year_name(name) && !part_of_name(name) : part_of_name(name))
                return c;
        }
    }
    return -1;
}

void insights__find_time(const struct sq_table *t, const struct result_shape *s,
                         struct insights__time *tm)
{
    memset(tm, 0, sizeof *tm);
    tm->form = INSIGHTS__TIME_NONE;
    tm->grain = s->grain;
    tm->col = tm->year_col = tm->part_col = -1;
    if (!col_ok(t, s->time_dim))
        return;
    int td = s->time_dim;
    tm->col = td;
    if (column_is_date(t, td)) {
        tm->form = INSIGHTS__TIME_DATE;
        return;
    }
    const char *name = t->cols[td].name;
    char part = part_of_name(name);
    if (!part && is_year_name(name)) {
        tm->year_col = td;
        tm->form = INSIGHTS__TIME_YEAR;
        int p = part_of_grain(s->grain) ? find_named_col(t, s, td, 0) : -1;
        if (p >= 0) {
            tm->part_col = p;
            tm->part = part_of_name(t->cols[p].name);
            tm->form = INSIGHTS__TIME_YEAR_PART;
        }
        return;
    }
    if (!part && s->grain != GRAIN_YEAR)
        part = part_of_grain(s->grain);
    if (part) {
        tm->part_col = td;
        tm->part = part;
        tm->year_col = find_named_col(t, s, td, 1);
        tm->form = tm->year_col >= 0 ? INSIGHTS__TIME_YEAR_PART : INSIGHTS__TIME_PART;
        return;
    }
    tm->form = s->grain == GRAIN_YEAR ? INSIGHTS__TIME_YEAR : INSIGHTS__TIME_OTHER;
}

int insights__is_time_col(const struct insights__time *tm, int col)
{
    return tm->form != INSIGHTS__TIME_NONE &&
           (col == tm->col || col == tm->year_col || col == tm->part_col);
}

void insights__axes(const struct sq_table *t, const struct result_shape *s,
                    struct insights__axes *ax)
{
    memset(ax, 0, sizeof *ax);
    insights__find_time(t, s, &ax->time);
    ax->dim[0] = ax->dim[1] = -1;
    int time_seen = 0;
    for (int i = 0; i < 2; i++) {
        int d = s->dims[i];
        if (!col_ok(t, d) || (i == 1 && d == s->dims[0]))
            continue;
        int is_time = insights__is_time_col(&ax->time, d);
        if (is_time && time_seen)
            continue;
        time_seen |= is_time;
        ax->dim[ax->ndims] = is_time ? ax->time.col : d;
        ax->is_time[ax->ndims++] = is_time;
    }
    /* A time axis the dimensions forgot to list is still the time axis. */
    if (!time_seen && ax->time.form != INSIGHTS__TIME_NONE && ax->ndims < 2) {
        ax->dim[ax->ndims] = ax->time.col;
        ax->is_time[ax->ndims++] = 1;
    }
}

/* A cell as a whole number, or -1 when it is not one (NULL, text, fractions). */
static long cell_number(const struct sq_cell *c)
{
    if (c->kind != SQ_CELL_NUMBER && c->kind != SQ_CELL_TEXT)
        return -1;
    char *end;
    long v = strtol(c->text, &end, 10);
    return end != c->text && *end == '\0' ? v : -1;
}

static int part_valid(char part, long n)
{
    return (part == 'm' && n >= 1 && n <= 12) || (part == 'q' && n >= 1 && n <= 4) ||
           (part == 'w' && n >= 0 && n <= 53);
}

static void label_part(char *out, size_t size, char part, long n, int short_form)
{
    if (!part_valid(part, n))
        snprintf(out, size, "%ld", n);
    else if (part == 'm')
        snprintf(out, size, "%.*s", short_form ? 3 : 20, MONTHS[n - 1]);
    else if (part == 'q')
        snprintf(out, size, "Q%ld", n);
    else if (short_form)
        snprintf(out, size, "W%ld", n);
    else
        snprintf(out, size, "week %ld", n);
}

static void label_year_part(char *out, size_t size, const char *year, char part, long n,
                            int short_form)
{
    if (!part_valid(part, n))
        snprintf(out, size, "%s %ld", year, n);
    else if (part == 'm' && short_form)
        snprintf(out, size, "%s-%02ld", year, n);
    else if (part == 'm')
        snprintf(out, size, "%s %s", MONTHS[n - 1], year);
    else if (part == 'q' && short_form)
        snprintf(out, size, "%s Q%ld", year, n);
    else if (part == 'q')
        snprintf(out, size, "Q%ld %s", n, year);
    else if (short_form)
        snprintf(out, size, "%s W%02ld", year, n);
    else
        snprintf(out, size, "week %ld of %s", n, year);
}

static void label_date(char *out, size_t size, const char *d, enum shape_grain g, int short_form)
{
    int month = (d[5] - '0') * 10 + (d[6] - '0');
    if (month < 1 || month > 12)
        g = GRAIN_NONE;
    /* A timestamp at midnight is a date; other times are kept whole. */
    int whole = d[10] != '\0' && strncmp(d + 11, "00:00:00", 8) != 0;
    if (g == GRAIN_YEAR)
        snprintf(out, size, "%.4s", d);
    else if (g == GRAIN_QUARTER && short_form)
        snprintf(out, size, "%.4s Q%d", d, (month - 1) / 3 + 1);
    else if (g == GRAIN_QUARTER)
        snprintf(out, size, "Q%d %.4s", (month - 1) / 3 + 1, d);
    else if (g == GRAIN_MONTH && short_form)
        snprintf(out, size, "%.7s", d);
    else if (g == GRAIN_MONTH)
        snprintf(out, size, "%s %.4s", MONTHS[month - 1], d);
    else
        snprintf(out, size, "%.*s", whole ? 64 : 10, d);
}

void insights__period_label(const struct sq_table *t, const struct insights__time *tm, size_t row,
                            int short_form, char *out, size_t size)
{
    const struct sq_cell *c = col_ok(t, tm->col) ? cell_at(t, row, tm->col) : NULL;
    if (!c || c->kind == SQ_CELL_NULL) {
        snprintf(out, size, "(blank)");
        return;
    }
    switch (tm->form) {
    case INSIGHTS__TIME_DATE:
        if (insights__is_iso_date(c->text)) {
            label_date(out, size, c->text, tm->grain, short_form);
            return;
        }
        break;
    case INSIGHTS__TIME_YEAR_PART: {
        const struct sq_cell *y = cell_at(t, row, tm->year_col);
        const struct sq_cell *p = cell_at(t, row, tm->part_col);
        if (y->kind == SQ_CELL_NULL || p->kind == SQ_CELL_NULL) {
            snprintf(out, size, "(blank)");
            return;
        }
        long n = cell_number(p);
        if (n >= 0) {
            label_year_part(out, size, y->text, tm->part, n, short_form);
            return;
        }
        snprintf(out, size, "%s %s", y->text, p->text);
        return;
    }
    case INSIGHTS__TIME_PART: {
        long n = cell_number(c);
        if (n >= 0) {
            label_part(out, size, tm->part, n, short_form);
            return;
        }
        break;
    }
    default:
        break;
    }
    snprintf(out, size, "%s", c->text);
}

static int is_sep(char ch)
{
    return ch == '_' || ch == ' ';
}

void insights__measure_words(const struct sq_table *t, const struct result_shape *s, char *out,
                             size_t size)
{
    if (s->measure_label && s->measure_label[0]) {
        snprintf(out, size, "%s", s->measure_label);
        return;
    }
    if (!col_ok(t, s->measure)) {
        snprintf(out, size, "value");
        return;
    }
    const char *x = t->cols[s->measure].name;
    size_t from = 0, len = strlen(x);
    if (s->kind == SHAPE_COMPARISON && col_ok(t, s->measure2) && s->measure2 != s->measure) {
        /* What the two period columns share, in whole words: "sales_2016" and
         * "sales_2017" -> "sales", "q1_sales" and "q2_sales" -> "sales". */
        const char *y = t->cols[s->measure2].name;
        size_t ny = strlen(y), pre = 0, suf = 0;
        while (pre < len && pre < ny && x[pre] == y[pre])
            pre++;
        while (suf < len - pre && suf < ny - pre && x[len - 1 - suf] == y[ny - 1 - suf])
            suf++;
        while (pre > 0 && !is_sep(x[pre - 1]))
            pre--;
        while (suf > 0 && !is_sep(x[len - suf]))
            suf--;
        while (pre > 0 && is_sep(x[pre - 1]))
            pre--;
        while (suf > 0 && is_sep(x[len - suf]))
            suf--;
        if (pre > 0)
            len = pre;
        else if (suf > 0)
            from = len - suf;
    }
    snprintf(out, size, "%.*s", (int)(len - from), x + from);
    for (char *p = out; *p; p++)
        *p = *p == '_' ? ' ' : *p;
}

/* ---- The sentence builder --------------------------------------------------------- */

struct item {
    size_t row;
    double v;
    const char *label;
};

struct ctx {
    const struct sq_table *t;
    const struct result_shape *s;
    struct insights__axes ax;
    size_t max;
    struct insights__line *lines;
    size_t n;
    struct sq_arena arena; /* labels and nouns made for this call */
    int m;                 /* the measure column, or -1 */
    int pct_unit;          /* the measure is a percentage: changes are in points */
    int additive;          /* a sum or a count, so shares of its total mean something */
    int profit_like;       /* negative values are losses */
    const char *measure;   /* words for the measure */
    /* The sentence being built. */
    struct sq_buf buf;
    struct insights__line cur;
    int bad;
};

static void put(struct ctx *c, const char *s, size_t n)
{
    if (sq_buf_append(&c->buf, s, n) != 0)
        c->bad = 1;
}

static void trace_num(struct ctx *c, double v)
{
    if (!isfinite(v) || c->cur.n_nums == INSIGHTS__TRACE_MAX) {
        c->bad = 1;
        return;
    }
    c->cur.nums[c->cur.n_nums++] = v;
}

static void strip_zeros(char *digits)
{
    if (!strchr(digits, '.'))
        return;
    size_t n = strlen(digits);
    while (n > 0 && digits[n - 1] == '0')
        digits[--n] = '\0';
    if (n > 0 && digits[n - 1] == '.')
        digits[--n] = '\0';
}

/* Appends v rounded to `decimals` places with a comma between thousands: a minus sign for
 * negatives, a plus for positives when signed, never "-0", never an exponent. */
static void put_fixed(struct ctx *c, double v, int decimals, int strip, int signed_)
{
    char digits[400]; /* DBL_MAX has 309 integer digits */
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
    if (strip)
        strip_zeros(digits);
    int zero = strspn(digits, "0.") == strlen(digits);
    if (!zero && v < 0)
        put(c, "-", 1);
    else if (!zero && signed_)
        put(c, "+", 1);
    size_t int_len = strcspn(digits, ".");
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            put(c, ",", 1);
        put(c, digits + i, 1);
    }
    put(c, digits + int_len, strlen(digits + int_len));
}

/* Digits after the point that keep two significant digits of a, for 0 < a < 1. */
static int small_decimals(double a)
{
    int d = 1 - (int)floor(log10(a));
    return d < 2 ? 2 : d > 12 ? 12 : d;
}

/* Values: none from 1,000 up, two below (none for whole numbers), and two significant
 * digits where two decimals would show 0.00. */
static int value_decimals(double v)
{
    double a = fabs(v);
    if (a == 0 || a >= 999.995)
        return 0;
    if (a < 0.005)
        return small_decimals(a);
    return fmod(round(a * 100), 100) == 0 ? 0 : 2;
}

/* Percentages: none from 10 up, one below, two significant digits under one. */
static int pct_decimals(double p, int max_one)
{
    double a = fabs(p);
    if (a == 0)
        return 0;
    if (a < 0.995)
        return small_decimals(a);
    return a >= 9.95 && !max_one ? 0 : 1;
}

static int ratio_decimals(double r)
{
    return r >= 99.95 ? 0 : r >= 9.995 ? 1 : 2;
}

static void put_value(struct ctx *c, double v, int signed_, int with_unit)
{
    trace_num(c, v);
    if (with_unit && c->pct_unit) {
        put_fixed(c, v, pct_decimals(v, 1), 1, signed_);
        put(c, "%", 1);
    } else {
        put_fixed(c, v, value_decimals(v), 0, signed_);
    }
}

static void put_pct(struct ctx *c, double p, int signed_, int one_decimal, const char *suffix)
{
    trace_num(c, p);
    int d = pct_decimals(p, one_decimal);
    /* 99.7% of the total is not all of it: never round to 100 what is not 100. */
    while (d < 6 && fabs(p) != 100 && round(fabs(p) * pow(10, d)) == 100 * pow(10, d))
        d++;
    put_fixed(c, p, d, 1, signed_);
    put(c, suffix, strlen(suffix));
}

/* Appends a label, cut at LABEL_BYTES on a character boundary, and records it. */
static void put_label(struct ctx *c, const char *s, int capital)
{
    if (c->cur.n_labels == INSIGHTS__TRACE_MAX) {
        c->bad = 1;
        return;
    }
    size_t n = strlen(s);
    int cut = n > LABEL_BYTES;
    if (cut) {
        n = LABEL_BYTES;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    size_t at = c->buf.len;
    if (capital && n > 0 && islower((unsigned char)s[0])) {
        char first = (char)toupper((unsigned char)s[0]);
        put(c, &first, 1);
        put(c, s + 1, n - 1);
    } else {
        put(c, s, n);
    }
    if (cut)
        put(c, "\xE2\x80\xA6", 3);
    if (c->bad)
        return;
    c->cur.labels[c->cur.n_labels] = xstrndup(c->buf.data + at, c->buf.len - at);
    c->cur.label_at[c->cur.n_labels++] = at;
}

/*
 * Appends text formatted by a small printf of its own, so that every number is recorded:
 *   %L label            %K label, capitalised      %C count (size_t)
 *   %s the code's own words (never data, never digits)
 *   %V value (unit)     %D signed value (unit)     %W value without the unit
 *   %P percentage       %G signed percentage       %Q percentage, one decimal
 *   %T points           %U signed points           %X ratio ("1.07x")
 * Values are doubles. Text outside directives is the code's own words (no digits).
 */
static void sent_vadd(struct ctx *c, const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            size_t n = strcspn(p, "%");
            put(c, p, n);
            p += n - 1;
            continue;
        }
        if (!*++p)
            break;
        switch (*p) {
        case 'L':
        case 'K':
            put_label(c, va_arg(ap, const char *), *p == 'K');
            break;
        case 's': {
            const char *words = va_arg(ap, const char *);
            put(c, words, strlen(words));
            break;
        }
        case 'C': {
            size_t k = va_arg(ap, size_t);
            trace_num(c, (double)k);
            put_fixed(c, (double)k, 0, 0, 0);
            break;
        }
        case 'V':
        case 'D':
        case 'W':
            put_value(c, va_arg(ap, double), *p == 'D', *p != 'W');
            break;
        case 'P':
        case 'G':
        case 'Q':
            put_pct(c, va_arg(ap, double), *p == 'G', *p == 'Q', "%");
            break;
        case 'T':
        case 'U':
            put_pct(c, va_arg(ap, double), *p == 'U', 1, "");
            break;
        case 'X': {
            double r = va_arg(ap, double);
            trace_num(c, r);
            put_fixed(c, r, ratio_decimals(r), 1, 0);
            put(c, "x", 1);
            break;
        }
        default:
            put(c, "%", 1);
            break;
        }
    }
}

static void sent_begin(struct ctx *c)
{
    sq_buf_reset(&c->buf);
    memset(&c->cur, 0, sizeof c->cur);
    c->bad = 0;
}

static void sent_add(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sent_vadd(c, fmt, ap);
    va_end(ap);
}

/* Keeps the sentence unless something went wrong (a number that is not finite, a text
 * past its limit) or the caller's limit is reached. */
static void sent_end(struct ctx *c)
{
    if (!c->bad && c->n < c->max && c->buf.len > 0) {
        c->cur.text = xstrndup(c->buf.data, c->buf.len);
        c->lines[c->n++] = c->cur;
    } else {
        for (size_t i = 0; i < c->cur.n_labels; i++)
            free(c->cur.labels[i]);
    }
    memset(&c->cur, 0, sizeof c->cur);
}

static void say(struct ctx *c, const char *fmt, ...)
{
    sent_begin(c);
    va_list ap;
    va_start(ap, fmt);
    sent_vadd(c, fmt, ap);
    va_end(ap);
    sent_end(c);
}

static int full(const struct ctx *c)
{
    return c->n >= c->max;
}

/* ---- Labels, nouns and items ------------------------------------------------------ */

static const char *cell_label(const struct sq_table *t, size_t row, int col)
{
    const struct sq_cell *cell = cell_at(t, row, col);
    return cell->kind == SQ_CELL_NULL ? "(blank)" : cell->text;
}

static const char *dim_label(struct ctx *c, int i, size_t row)
{
    if (!c->ax.is_time[i])
        return cell_label(c->t, row, c->ax.dim[i]);
    char tmp[PERIOD_BYTES];
    insights__period_label(c->t, &c->ax.time, row, 0, tmp, sizeof tmp);
    return sq_arena_strdup(&c->arena, tmp);
}

static const char *row_label(struct ctx *c, size_t row)
{
    if (c->ax.ndims == 0)
        return c->measure;
    if (c->ax.ndims == 1)
        return dim_label(c, 0, row);
    const char *a = dim_label(c, 0, row), *b = dim_label(c, 1, row);
    size_t na = strlen(a), nb = strlen(b);
    char *s = sq_arena_alloc(&c->arena, na + nb + 4);
    memcpy(s, a, na);
    memcpy(s + na, " / ", 3);
    memcpy(s + na + 3, b, nb + 1);
    return s;
}

/* A column name as a noun for a sentence: "ship_mode" -> "ship mode" (plural "ship
 * modes"), "customer_name" -> "customer". Names that are not words become "row". */
static const char *noun(struct ctx *c, int col, int plural)
{
    const char *name = col_ok(c->t, col) ? c->t->cols[col].name : "";
    size_t n = strlen(name);
    if (n > 40)
        n = 0;
    char *s = sq_arena_alloc(&c->arena, n + 8);
    for (size_t i = 0; i < n; i++)
        s[i] = name[i] == '_' ? ' ' : (char)tolower((unsigned char)name[i]);
    s[n] = '\0';
    static const char *const suffixes[] = {" name", " id"};
    for (size_t i = 0; i < 2; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(s + n - k, suffixes[i]) == 0)
            s[n -= k] = '\0';
    }
    int wordy = n > 0;
    for (size_t i = 0; i < n; i++)
        wordy &= isalpha((unsigned char)s[i]) || s[i] == ' ';
    if (!wordy)
        return plural ? "rows" : "row";
    if (plural) {
        char last = s[n - 1], before = n > 1 ? s[n - 2] : 'a';
        if (last == 'y' && !strchr("aeiou", before))
            memcpy(s + n - 1, "ies", 4);
        else if (strchr("sxz", last) || (last == 'h' && strchr("cs", before)))
            memcpy(s + n, "es", 3);
        else
            memcpy(s + n, "s", 2);
    }
    return s;
}

/* The rows whose measure is a finite number, in row order; the caller frees. */
static struct item *collect(struct ctx *c, int col, size_t *n)
{
    struct item *it = xmalloc((c->t->nrows ? c->t->nrows : 1) * sizeof *it);
    *n = 0;
    for (size_t r = 0; r < c->t->nrows; r++) {
        const struct sq_cell *cell = cell_at(c->t, r, col);
        if (cell->kind != SQ_CELL_NUMBER || !isfinite(cell->num))
            continue;
        it[*n].row = r;
        it[*n].v = cell->num;
        it[*n].label = row_label(c, r);
        (*n)++;
    }
    return it;
}

static int by_value_desc(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v > b->v ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static int by_value_asc(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* How many items from i on (stepping by step) have the same value as it[i]. */
static size_t tie_run(const struct item *it, size_t n, size_t i, int step)
{
    size_t k = 1;
    for (size_t j = i + (size_t)step; j < n && it[j].v == it[i].v; j += (size_t)step)
        k++;
    return k;
}

/* "A", "A and B", "A, B and C" or "A, B, C and 4 more", optionally "A (12)". */
static void put_list(struct ctx *c, const struct item *const *v, size_t total, int values)
{
    size_t shown = total < LIST_MAX ? total : LIST_MAX;
    for (size_t i = 0; i < shown; i++) {
        if (i > 0)
            sent_add(c, i + 1 == shown && total == shown ? " and " : ", ");
        sent_add(c, "%L", v[i]->label);
        if (values)
            sent_add(c, " (%V)", v[i]->v);
    }
    if (total > shown)
        sent_add(c, " and %C more", total - shown);
}

/* put_list over it[from], it[from + step], ... (step is +1 or -1), k items. */
static void put_run(struct ctx *c, const struct item *it, size_t from, size_t k, int step,
                    int values)
{
    const struct item *v[LIST_MAX];
    for (size_t i = 0; i < k && i < LIST_MAX; i++)
        v[i] = &it[from + i * (size_t)step];
    put_list(c, v, k, values);
}

/* ---- Breakdowns, top-N and shares ------------------------------------------------- */

struct totals {
    double sum;
    size_t npos, nneg, nzero;
};

static struct totals totals_of(const struct item *it, size_t n)
{
    struct totals s = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        s.sum += it[i].v;
        s.npos += it[i].v > 0;
        s.nneg += it[i].v < 0;
        s.nzero += it[i].v == 0;
    }
    return s;
}

/* Shares of the total are said only for a sum or a count with no negative parts. */
static int shares_ok(const struct ctx *c, const struct totals *s)
{
    return c->additive && s->nneg == 0 && s->sum > 0 && c->s->kind != SHAPE_SHARE;
}

/* The rows shown are the whole only when nothing cut them. */
static int partial(const struct ctx *c)
{
    return c->s->kind == SHAPE_TOP || c->s->limit > 0 || c->s->subset || c->t->truncated;
}

static void add_share(struct ctx *c, double v, const struct totals *s, size_t n, const char *each)
{
    if (partial(c))
        sent_add(c, " (%P of the %C shown%s)", v / s->sum * 100, n, each);
    else
        sent_add(c, " (%P of the total%s)", v / s->sum * 100, each);
}

static void say_leader(struct ctx *c, const struct item *it, size_t n, const struct totals *s)
{
    size_t k = tie_run(it, n, 0, 1);
    int share = c->s->kind == SHAPE_SHARE;
    sent_begin(c);
    if (k == n) {
        sent_add(c, "All %C %L are equal, %V each.", n, noun(c, c->ax.dim[0], 1), it[0].v);
    } else if (k > 1) {
        put_run(c, it, 0, k, 1, 0);
        if (c->s->ascending)
            sent_add(c, " tie for the lowest with %V each", it[0].v);
        else
            sent_add(c,
                     share ? " tie for the largest share, %V each"
                           : " tie for the lead "
                             "with %V each",
                     it[0].v);
        if (shares_ok(c, s))
            add_share(c, it[0].v, s, n, " each");
        sent_add(c, ".");
    } else {
        if (c->s->ascending)
            sent_add(c, "%L is the lowest with %V", it[0].label, it[0].v);
        else
            sent_add(c, share ? "%L has the largest share, %V" : "%L leads with %V", it[0].label,
                     it[0].v);
        if (shares_ok(c, s))
            add_share(c, it[0].v, s, n, "");
        if (!c->s->ascending && it[0].v > 0 && it[1].v > 0)
            sent_add(c, ", %X %L", it[0].v / it[1].v, it[1].label);
        sent_add(c, ".");
    }
    sent_end(c);
}

static void say_negatives(struct ctx *c, const struct item *it, size_t n, size_t nneg)
{
    /* Most negative first: at the end of a descending list, the start of an ascending. */
    int asc = c->s->ascending;
    sent_begin(c);
    const char *what = c->ax.ndims == 2 ? (nneg == 1 ? "combination" : "combinations")
                                        : noun(c, c->ax.dim[0], nneg != 1);
    const char *verb = c->profit_like ? "lost money"
                       : nneg == 1    ? "is below zero"
                                      : "are below zero";
    sent_add(c, "%C %L %s: ", nneg, what, verb);
    put_run(c, it, asc ? 0 : n - 1, nneg, asc ? 1 : -1, 1);
    sent_add(c, ".");
    sent_end(c);
}

static void say_all_negative(struct ctx *c, const struct item *it, size_t n, const struct totals *s)
{
    /* it is sorted; find the highest and lowest whatever the direction. */
    const struct item *hi = c->s->ascending ? &it[n - 1] : &it[0];
    const struct item *lo = c->s->ascending ? &it[0] : &it[n - 1];
    const char *many = noun(c, c->ax.dim[0], 1);
    if (s->nneg == n && c->profit_like)
        say(c, "All %C %L lost money; %L lost the least (%V) and %L the most (%V).", n, many,
            hi->label, hi->v, lo->label, lo->v);
    else if (s->nneg == n)
        say(c, "All %C %L are below zero, from %V (%L) to %V (%L).", n, many, hi->v, hi->label,
            lo->v, lo->label);
    else
        say(c, "None of the %C %L is above zero; the lowest is %L with %V.", n, many, lo->label,
            lo->v);
}

static void say_runner_up(struct ctx *c, const struct item *it, size_t n)
{
    size_t k = tie_run(it, n, 1, 1);
    double gap = fabs(it[0].v - it[1].v);
    sent_begin(c);
    put_run(c, it, 1, k, 1, 0);
    const char *pos = c->s->ascending ? "next" : "second";
    const char *dir = c->s->ascending ? "more" : "less";
    if (k > 1)
        sent_add(c, " are joint %s with %V each, ", pos, it[1].v);
    else
        sent_add(c, " is %s with %V, ", pos, it[1].v);
    if (c->pct_unit)
        sent_add(c, "%T points %s.", gap, dir);
    else
        sent_add(c, "%V %s.", gap, dir);
    sent_end(c);
}

static void say_last(struct ctx *c, const struct item *it, size_t n, const struct totals *s)
{
    size_t k = tie_run(it, n, n - 1, -1);
    sent_begin(c);
    put_run(c, it, n - 1, k, -1, 0);
    const char *what = c->s->ascending ? "highest" : "smallest";
    sent_add(c, k > 1 ? " are the %s" : " is the %s", what);
    if (partial(c))
        sent_add(c, " of the %C shown", n);
    sent_add(c, k > 1 ? ", %V each" : ", %V", it[n - 1].v);
    if (shares_ok(c, s))
        sent_add(c, " (%P%s)", it[n - 1].v / s->sum * 100, k > 1 ? " each" : "");
    sent_add(c, ".");
    sent_end(c);
}

static void say_concentration(struct ctx *c, const struct item *it, size_t n,
                              const struct totals *s)
{
    size_t top = n >= 8 ? 3 : 2;
    double part = 0;
    for (size_t i = 0; i < top; i++)
        part += it[i].v;
    if (partial(c))
        say(c, "The top %C make %P of the %C shown.", top, part / s->sum * 100, n);
    else
        say(c, "The top %C make %P of the total.", top, part / s->sum * 100);
}

static double median_of(const struct item *sorted, size_t n)
{
    return n % 2 ? sorted[n / 2].v : (sorted[n / 2 - 1].v + sorted[n / 2].v) / 2;
}

/* A value far above the rest: more than three times the median, all values positive. */
static void say_outlier(struct ctx *c, const struct item *it, size_t n)
{
    const struct item *hi = c->s->ascending ? &it[n - 1] : &it[0];
    double med = median_of(it, n);
    if (med > 0 && hi->v > 3 * med)
        say(c, "%L is %X the median (%V).", hi->label, hi->v / med, med);
}

static void describe_ranking(struct ctx *c, struct item *it, size_t n)
{
    qsort(it, n, sizeof *it, c->s->ascending ? by_value_asc : by_value_desc);
    if (n == 1) {
        say(c, "%L is the only %L shown, with %V.", it[0].label, noun(c, c->ax.dim[0], 0), it[0].v);
        return;
    }
    struct totals s = totals_of(it, n);
    if (s.nzero == n) {
        say(c, "Every %L shown is %V.", noun(c, c->ax.dim[0], 0), it[0].v);
        return;
    }
    if (s.npos == 0) {
        say_all_negative(c, it, n, &s);
        return;
    }
    say_leader(c, it, n, &s);
    if (tie_run(it, n, 0, 1) == n)
        return;
    if (s.nneg > 0)
        say_negatives(c, it, n, s.nneg);
    if (tie_run(it, n, 0, 1) == 1)
        say_runner_up(c, it, n);
    /* The smallest is news only past the runner-up, and when no loss list named it. */
    if (n >= 3 && s.nneg == 0 && it[n - 1].v != it[1].v && it[n - 1].v != it[0].v)
        say_last(c, it, n, &s);
    if (n >= 4 && shares_ok(c, &s) && !c->s->ascending)
        say_concentration(c, it, n, &s);
    if (n >= 5 && s.nneg == 0 && s.nzero == 0)
        say_outlier(c, it, n);
}

/* ---- Two dimensions --------------------------------------------------------------- */

struct group {
    const char *label;
    double sum;
    size_t count;
    const struct item *best; /* the largest item of the group; NULL on a tie */
    double best_v;
};

/* The index of the group with the largest sum, or -1 on a tie for first. */
static long top_group(const struct group *g, size_t ng)
{
    size_t lead = 0;
    int tied = 0;
    for (size_t j = 1; j < ng; j++) {
        if (g[j].sum > g[lead].sum) {
            lead = j;
            tied = 0;
        } else if (g[j].sum == g[lead].sum) {
            tied = 1;
        }
    }
    return tied ? -1 : (long)lead;
}

/* Groups the items by their first dimension (at most GROUP_MAX groups); returns how many,
 * or 0 when there are too many to say anything about. */
static size_t group_by_first(struct ctx *c, const struct item *it, size_t n, struct group *g)
{
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        const char *label = dim_label(c, 0, it[i].row);
        size_t j = 0;
        while (j < ng && strcmp(g[j].label, label) != 0)
            j++;
        if (j == ng) {
            if (ng == GROUP_MAX)
                return 0;
            g[ng++] = (struct group){label, 0, 0, &it[i], it[i].v};
        } else if (it[i].v > g[j].best_v) {
            g[j].best = &it[i];
            g[j].best_v = it[i].v;
        } else if (it[i].v == g[j].best_v) {
            g[j].best = NULL;
        }
        g[j].sum += it[i].v;
        g[j].count++;
    }
    return ng;
}

static void say_group_leader(struct ctx *c, const struct group *g, size_t ng,
                             const struct totals *s)
{
    long lead = top_group(g, ng);
    if (lead < 0)
        return;
    sent_begin(c);
    sent_add(c, "By %L, %L leads with %V in total", noun(c, c->ax.dim[0], 0), g[lead].label,
             g[lead].sum);
    if (shares_ok(c, s) && !partial(c))
        sent_add(c, " (%P)", g[lead].sum / s->sum * 100);
    sent_add(c, ".");
    sent_end(c);
}

/* "Technology is the largest category in 3 of the 4 regions": the second dimension's
 * value that wins most groups, when it wins at least two, and every group has a contest. */
static void say_common_winner(struct ctx *c, const struct group *g, size_t ng)
{
    for (size_t j = 0; j < ng; j++)
        if (g[j].count < 2)
            return;
    const char *best = NULL;
    size_t best_k = 0, runner_k = 0;
    for (size_t j = 0; j < ng; j++) {
        if (!g[j].best)
            continue;
        const char *w = dim_label(c, 1, g[j].best->row);
        size_t k = 0;
        for (size_t i = 0; i < ng; i++)
            k += g[i].best && strcmp(dim_label(c, 1, g[i].best->row), w) == 0;
        if (k > best_k) {
            if (!best || strcmp(best, w) != 0)
                runner_k = best_k;
            best = w;
            best_k = k;
        } else if (k == best_k && strcmp(best, w) != 0) {
            runner_k = k;
        }
    }
    if (!best || best_k < 2 || runner_k == best_k)
        return;
    const char *one = noun(c, c->ax.dim[1], 0);
    if (best_k == ng)
        say(c, "%L is the largest %L in every %L.", best, one, noun(c, c->ax.dim[0], 0));
    else
        say(c, "%L is the largest %L in %C of the %C %L.", best, one, best_k, ng,
            noun(c, c->ax.dim[0], 1));
}

static void describe_two_dims(struct ctx *c, struct item *it, size_t n)
{
    if (n == 1) {
        say(c, "%L is the only combination shown, with %V.", it[0].label, it[0].v);
        return;
    }
    qsort(it, n, sizeof *it, by_value_desc);
    struct totals s = totals_of(it, n);
    size_t k = tie_run(it, n, 0, 1);
    sent_begin(c);
    if (k > 1) {
        put_run(c, it, 0, k, 1, 0);
        sent_add(c, " tie for the largest with %V each.", it[0].v);
    } else {
        sent_add(c, "The largest is %L with %V", it[0].label, it[0].v);
        if (shares_ok(c, &s))
            add_share(c, it[0].v, &s, n, "");
        sent_add(c, ".");
    }
    sent_end(c);
    if (n < 2)
        return;
    struct group *g = xmalloc(GROUP_MAX * sizeof *g);
    size_t ng = group_by_first(c, it, n, g);
    if (ng >= 2 && c->additive && !full(c) && !c->s->subset)
        say_group_leader(c, g, ng, &s);
    if (ng >= 2 && !full(c))
        say_common_winner(c, g, ng);
    free(g);
    if (s.nneg > 0 && !full(c))
        say_negatives(c, it, n, s.nneg);
}

/* ---- Trends ----------------------------------------------------------------------- */

/* The word before a period: "in March 2016", "on 2016-03-07", "in the week of ...". */
static const char *prep(const struct ctx *c)
{
    if (c->ax.time.form == INSIGHTS__TIME_DATE && c->ax.time.grain == GRAIN_WEEK)
        return "in the week of";
    if (c->ax.time.form == INSIGHTS__TIME_DATE && c->ax.time.grain != GRAIN_YEAR &&
        c->ax.time.grain != GRAIN_QUARTER && c->ax.time.grain != GRAIN_MONTH)
        return "on";
    return "in";
}

static void say_overall_change(struct ctx *c, const struct item *first, const struct item *last)
{
    double d = last->v - first->v;
    const char *p = prep(c);
    sent_begin(c);
    if (d == 0) {
        sent_add(c, "%K was the same %s %L and %s %L: %V.", c->measure, p, first->label, p,
                 last->label, first->v);
        sent_end(c);
        return;
    }
    sent_add(c, "%K went from %V %s %L to %V %s %L, %s ", c->measure, first->v, p, first->label,
             last->v, p, last->label, d > 0 ? "up" : "down");
    if (c->pct_unit)
        sent_add(c, "%T points", fabs(d));
    else
        sent_add(c, "%V", fabs(d));
    if (!c->pct_unit && first->v > 0)
        sent_add(c, " (%G)", d / first->v * 100);
    sent_add(c, ".");
    sent_end(c);
}

/* The peak and the low with their periods; in time order, not when they are just the
 * first and the last period, which the change sentence already named. */
static void say_peak_trough(struct ctx *c, const struct item *it, size_t n, int in_time_order)
{
    const struct item *hi[LIST_MAX], *lo[LIST_MAX];
    size_t nhi = 0, nlo = 0;
    double vmax = it[0].v, vmin = it[0].v;
    for (size_t i = 1; i < n; i++) {
        vmax = it[i].v > vmax ? it[i].v : vmax;
        vmin = it[i].v < vmin ? it[i].v : vmin;
    }
    if (vmax == vmin)
        return;
    for (size_t i = 0; i < n; i++) {
        if (it[i].v == vmax && nhi++ < LIST_MAX)
            hi[nhi - 1] = &it[i];
        if (it[i].v == vmin && nlo++ < LIST_MAX)
            lo[nlo - 1] = &it[i];
    }
    int ends =
        nhi == 1 && nlo == 1 &&
        ((hi[0] == &it[n - 1] && lo[0] == &it[0]) || (hi[0] == &it[0] && lo[0] == &it[n - 1]));
    if (ends && in_time_order)
        return;
    const char *p = prep(c);
    sent_begin(c);
    sent_add(c, "The peak was %V %s ", vmax, p);
    put_list(c, hi, nhi, 0);
    sent_add(c, " and the low %V %s ", vmin, p);
    put_list(c, lo, nlo, 0);
    sent_add(c, ".");
    sent_end(c);
}

static void say_step(struct ctx *c, const char *what, const struct item *a, const struct item *b)
{
    double d = b->v - a->v;
    sent_begin(c);
    sent_add(c, "The biggest %s was ", what);
    if (c->pct_unit)
        sent_add(c, "%U points", d);
    else
        sent_add(c, "%D", d);
    if (!c->pct_unit && a->v > 0)
        sent_add(c, " (%G)", d / a->v * 100);
    sent_add(c, ", from %L to %L.", a->label, b->label);
    sent_end(c);
}

/* The largest rise and fall between consecutive periods (rows in time order). */
static void say_steps(struct ctx *c, const struct item *it, size_t n)
{
    size_t up = 0, down = 0;
    double dup = 0, ddown = 0;
    for (size_t i = 1; i < n; i++) {
        double d = it[i].v - it[i - 1].v;
        if (d > dup) {
            dup = d;
            up = i;
        }
        if (d < ddown) {
            ddown = d;
            down = i;
        }
    }
    if (up)
        say_step(c, "rise", &it[up - 1], &it[up]);
    if (down)
        say_step(c, "fall", &it[down - 1], &it[down]);
}

static void describe_series(struct ctx *c, struct item *it, size_t n)
{
    if (n < 2)
        return;
    /* Rows ordered by the measure are not in time order: only the extremes are safe. */
    int in_time_order = !c->s->descending && !c->s->ascending;
    if (in_time_order)
        say_overall_change(c, &it[0], &it[n - 1]);
    if (n >= 3)
        say_peak_trough(c, it, n, in_time_order);
    if (n >= 3 && in_time_order)
        say_steps(c, it, n);
}

/* A time series per category: the category with the largest total, the largest value. */
static void describe_series_by_category(struct ctx *c, struct item *it, size_t n)
{
    int cat = c->ax.is_time[0] ? 1 : 0, tim = 1 - cat;
    struct totals s = totals_of(it, n);
    struct group *g = xcalloc(GROUP_MAX, sizeof *g);
    size_t ng = 0;
    for (size_t i = 0; i < n && c->additive; i++) {
        const char *label = dim_label(c, cat, it[i].row);
        size_t j = 0;
        while (j < ng && strcmp(g[j].label, label) != 0)
            j++;
        if (j == GROUP_MAX) {
            ng = 0;
            break;
        }
        if (j == ng)
            g[ng++].label = label;
        g[j].sum += it[i].v;
    }
    long lead = ng >= 2 ? top_group(g, ng) : -1;
    if (lead >= 0) {
        sent_begin(c);
        sent_add(c, "Over the period, %L has the highest total, %V", g[lead].label, g[lead].sum);
        if (shares_ok(c, &s) && !partial(c))
            sent_add(c, " (%P)", g[lead].sum / s.sum * 100);
        sent_add(c, ".");
        sent_end(c);
    }
    free(g);
    qsort(it, n, sizeof *it, by_value_desc);
    if (n >= 2 && tie_run(it, n, 0, 1) == 1)
        say(c, "The highest single value is %L %s %L: %V.", dim_label(c, cat, it[0].row), prep(c),
            dim_label(c, tim, it[0].row), it[0].v);
}

/* ---- Comparisons ------------------------------------------------------------------ */

/* Distinct words of two column names: "sales_2016" / "sales_2017" -> "2016" / "2017". */
static void period_names(struct ctx *c, int a, int b, const char **la, const char **lb)
{
    const char *x = c->t->cols[a].name, *y = c->t->cols[b].name;
    size_t nx = strlen(x), ny = strlen(y), pre = 0, suf = 0;
    for (size_t i = 0; i < nx && i < ny && x[i] == y[i]; i++)
        if (x[i] == '_' || x[i] == ' ')
            pre = i + 1;
    for (size_t i = 1; i <= nx && i <= ny && x[nx - i] == y[ny - i]; i++)
        if (x[nx - i] == '_' || x[nx - i] == ' ')
            suf = i;
    if (pre + suf >= nx || pre + suf >= ny) {
        *la = x;
        *lb = y;
        return;
    }
    *la = sq_arena_strndup(&c->arena, x + pre, nx - pre - suf);
    *lb = sq_arena_strndup(&c->arena, y + pre, ny - pre - suf);
}

/* The growth column counts only when it is the percentage change from a to b. */
static int growth_matches(const struct ctx *c, int a, int b)
{
    size_t agree = 0, disagree = 0;
    for (size_t r = 0; r < c->t->nrows; r++) {
        const struct sq_cell *ca = cell_at(c->t, r, a), *cb = cell_at(c->t, r, b);
        const struct sq_cell *g = cell_at(c->t, r, c->s->growth);
        if (ca->kind != SQ_CELL_NUMBER || cb->kind != SQ_CELL_NUMBER || g->kind != SQ_CELL_NUMBER ||
            ca->num == 0)
            continue;
        double want = (cb->num - ca->num) / fabs(ca->num) * 100;
        if (fabs(g->num - want) <= 0.051 + 1e-9 * fabs(want))
            agree++;
        else
            disagree++;
    }
    return agree > 0 && disagree == 0;
}

struct change {
    size_t row;
    const char *label;
    double a, b, pct; /* pct is NAN when there is none */
};

static void say_change(struct ctx *c, const char *verb, const struct change *x)
{
    sent_begin(c);
    sent_add(c, "%L %s the most, ", x->label, verb);
    if (!isnan(x->pct))
        sent_add(c, "%G", x->pct);
    else if (c->pct_unit)
        sent_add(c, "%U points", x->b - x->a);
    else
        sent_add(c, "%D", x->b - x->a);
    sent_add(c, " (%V to %V).", x->a, x->b);
    sent_end(c);
}

static void say_comparison_total(struct ctx *c, int a, int b, size_t rows)
{
    double sa = 0, sb = 0;
    for (size_t r = 0; r < c->t->nrows; r++) {
        const struct sq_cell *ca = cell_at(c->t, r, a), *cb = cell_at(c->t, r, b);
        sa += ca->kind == SQ_CELL_NUMBER ? ca->num : 0;
        sb += cb->kind == SQ_CELL_NUMBER ? cb->num : 0;
    }
    const char *la, *lb;
    period_names(c, a, b, &la, &lb);
    double d = sb - sa;
    sent_begin(c);
    sent_add(c, rows > 1 ? "Overall, %L " : "%K ", c->measure);
    if (d == 0) {
        sent_add(c, "did not change: %V in both %L and %L.", sa, la, lb);
        sent_end(c);
        return;
    }
    sent_add(c, "went from %V (%L) to %V (%L), %s ", sa, la, sb, lb, d > 0 ? "up" : "down");
    if (c->pct_unit)
        sent_add(c, "%T points", fabs(d));
    else
        sent_add(c, "%V", fabs(d));
    if (!c->pct_unit && sa > 0)
        sent_add(c, " (%G)", d / sa * 100);
    sent_add(c, ".");
    sent_end(c);
}

/* Which measure is the earlier period: the column order, unless the growth column says
 * the change runs the other way. *use_growth is 1 when the growth column can be quoted. */
static void comparison_columns(struct ctx *c, int *a, int *b, int *use_growth)
{
    const struct result_shape *s = c->s;
    *a = s->measure < s->measure2 ? s->measure : s->measure2;
    *b = *a == s->measure ? s->measure2 : s->measure;
    *use_growth = col_ok(c->t, s->growth) && c->t->cols[s->growth].numeric;
    if (*use_growth && !growth_matches(c, *a, *b)) {
        *use_growth = growth_matches(c, *b, *a);
        if (*use_growth) {
            int tmp = *a;
            *a = *b;
            *b = tmp;
        }
    }
}

/* The rows with both periods, into x (nrows slots); returns how many. */
static size_t collect_changes(struct ctx *c, int a, int b, int use_growth, struct change *x)
{
    size_t n = 0;
    for (size_t r = 0; r < c->t->nrows; r++) {
        const struct sq_cell *ca = cell_at(c->t, r, a), *cb = cell_at(c->t, r, b);
        if (ca->kind != SQ_CELL_NUMBER || cb->kind != SQ_CELL_NUMBER || !isfinite(ca->num) ||
            !isfinite(cb->num))
            continue;
        const struct sq_cell *g = use_growth ? cell_at(c->t, r, c->s->growth) : NULL;
        double pct = NAN;
        if (g && g->kind == SQ_CELL_NUMBER && isfinite(g->num))
            pct = g->num;
        else if (!g && ca->num > 0 && !c->pct_unit)
            pct = (cb->num - ca->num) / ca->num * 100;
        x[n++] = (struct change){r, dim_label(c, 0, r), ca->num, cb->num, pct};
    }
    return n;
}

/* The rows that grew and fell the most: by percentage when every row has one, else by
 * the difference; nothing on a tie. */
static void say_biggest_changes(struct ctx *c, const struct change *x, size_t n)
{
    int by_pct = 1;
    for (size_t i = 0; i < n; i++)
        by_pct &= !isnan(x[i].pct);
    size_t best = 0, worst = 0, nbest = 0, nworst = 0;
    for (size_t i = 0; i < n; i++) {
        double k = by_pct ? x[i].pct : x[i].b - x[i].a;
        double kb = by_pct ? x[best].pct : x[best].b - x[best].a;
        double kw = by_pct ? x[worst].pct : x[worst].b - x[worst].a;
        nbest = k > kb ? 1 : k == kb ? nbest + 1 : nbest;
        best = k > kb ? i : best;
        nworst = k < kw ? 1 : k == kw ? nworst + 1 : nworst;
        worst = k < kw ? i : worst;
    }
    if (nbest == 1 && x[best].b > x[best].a)
        say_change(c, "grew", &x[best]);
    if (nworst == 1 && x[worst].b < x[worst].a)
        say_change(c, "fell", &x[worst]);
}

static void say_change_counts(struct ctx *c, const struct change *x, size_t n)
{
    size_t grew = 0, fell = 0;
    for (size_t i = 0; i < n; i++) {
        grew += x[i].b > x[i].a;
        fell += x[i].b < x[i].a;
    }
    const char *many = noun(c, c->ax.dim[0], 1);
    if (n == 2 && (grew == n || fell == n))
        say(c, grew == n ? "Both %L grew." : "Both %L fell.", many);
    else if (grew == n)
        say(c, "All %C %L grew.", n, many);
    else if (fell == n)
        say(c, "All %C %L fell.", n, many);
    else
        say(c, "%C of the %C %L grew and %C fell.", grew, n, many, fell);
}

static void describe_comparison(struct ctx *c)
{
    int a, b, use_growth;
    comparison_columns(c, &a, &b, &use_growth);
    /* Sums of averages or shares mean nothing: the overall line needs an additive one. */
    if (c->additive || c->t->nrows == 1)
        say_comparison_total(c, a, b, c->t->nrows);
    if (c->t->nrows < 2 || c->ax.ndims != 1)
        return;
    struct change *x = xmalloc(c->t->nrows * sizeof *x);
    size_t n = collect_changes(c, a, b, use_growth, x);
    if (n >= 2) {
        say_biggest_changes(c, x, n);
        say_change_counts(c, x, n);
    }
    free(x);
}

/* ---- Totals and plain tables ------------------------------------------------------ */

static const char *column_words(struct ctx *c, int col)
{
    char *s = sq_arena_strdup(&c->arena, c->t->cols[col].name);
    for (char *p = s; *p; p++)
        *p = *p == '_' ? ' ' : *p;
    return s;
}

static size_t numeric_columns(const struct sq_table *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->ncols; i++)
        n += t->cols[i].numeric != 0;
    return n;
}

/* "Profit is 12.5% of sales": the smaller of two measures as a part of the larger. */
static void describe_total(struct ctx *c)
{
    const struct sq_table *t = c->t;
    int m2 = c->s->measure2;
    /* Without a second measure named, the table's only other number column is one. */
    for (size_t i = 0; m2 < 0 && numeric_columns(t) == 2 && i < t->ncols; i++)
        if (t->cols[i].numeric && (int)i != c->m)
            m2 = (int)i;
    if (!col_ok(t, m2) || !t->cols[m2].numeric || m2 == c->m || t->nrows != 1)
        return;
    const struct sq_cell *x = cell_at(t, 0, c->m), *y = cell_at(t, 0, m2);
    if (x->kind != SQ_CELL_NUMBER || y->kind != SQ_CELL_NUMBER)
        return;
    int big = fabs(x->num) >= fabs(y->num) ? c->m : m2;
    int small = big == c->m ? m2 : c->m;
    double vb = cell_at(t, 0, big)->num, vs = cell_at(t, 0, small)->num;
    if (vb <= 0 || vs == 0 || vb == vs)
        return;
    say(c, "%K is %Q of %L.", column_words(c, small), vs / vb * 100, column_words(c, big));
}

static void describe_rows(struct ctx *c)
{
    if (c->t->truncated)
        say(c, "The result has %C rows, cut at the row limit.", c->t->nrows);
    else if (c->t->nrows >= 2)
        say(c, "The result has %C rows.", c->t->nrows);
}

/* ---- Entry points ----------------------------------------------------------------- */

/* Measures whose values do not add up to a meaningful total (so no shares of it). */
static const char *const NOT_ADDITIVE[] = {
    "average", "avg",      "mean",   "median", "min",        "minimum", "max",        "maximum",
    "lowest",  "highest",  "rate",   "ratio",  "margin",     "percent", "percentage", "pct",
    "share",   "distinct", "unique", "per",    "proportion", "price",   NULL,
};
static const char *const PROFIT_WORDS[] = {"profit", "profits", "income", "earnings", NULL};

static void ctx_init(struct ctx *c, const struct sq_table *t, const struct result_shape *s,
                     size_t max)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    c->s = s;
    c->max = max > SENTENCE_MAX ? SENTENCE_MAX : max;
    c->lines = xcalloc(SENTENCE_MAX, sizeof *c->lines);
    sq_arena_init(&c->arena);
    sq_buf_init(&c->buf, SENTENCE_BYTES);
    insights__axes(t, s, &c->ax);
    c->m = col_ok(t, s->measure) && t->cols[s->measure].numeric ? s->measure : -1;
    const char *name = c->m >= 0 ? t->cols[c->m].name : "";
    char words[SHAPE_LABEL_MAX];
    insights__measure_words(t, s, words, sizeof words);
    c->measure = sq_arena_strdup(&c->arena, words);
    c->pct_unit = s->unit && strcmp(s->unit, "%") == 0;
    c->additive = !c->pct_unit && !has_any_word(c->measure, NOT_ADDITIVE) &&
                  !has_any_word(name, NOT_ADDITIVE);
    c->profit_like = has_any_word(c->measure, PROFIT_WORDS) || has_any_word(name, PROFIT_WORDS);
}

static void describe(struct ctx *c)
{
    const struct result_shape *s = c->s;
    if (c->t->nrows > ROW_LIMIT || s->kind == SHAPE_TABLE) {
        describe_rows(c);
        return;
    }
    if (c->m < 0 || c->t->nrows == 0)
        return;
    enum shape_kind kind = s->kind;
    int has_time = c->ax.time.form != INSIGHTS__TIME_NONE;
    if (kind == SHAPE_COMPARISON && !col_ok(c->t, s->measure2))
        kind = has_time ? SHAPE_TREND : SHAPE_BREAKDOWN;
    if (kind == SHAPE_TREND && !has_time)
        kind = SHAPE_BREAKDOWN;
    if (kind == SHAPE_COMPARISON) {
        if (c->t->cols[s->measure2].numeric && s->measure2 != c->m)
            describe_comparison(c);
        return;
    }
    if (kind == SHAPE_TOTAL || c->ax.ndims == 0) {
        describe_total(c);
        return;
    }
    size_t n;
    struct item *it = collect(c, c->m, &n);
    if (n > 0 && kind == SHAPE_TREND && c->ax.ndims == 1)
        describe_series(c, it, n);
    else if (n > 0 && kind == SHAPE_TREND)
        describe_series_by_category(c, it, n);
    else if (n > 0 && c->ax.ndims == 2)
        describe_two_dims(c, it, n);
    else if (n > 0)
        describe_ranking(c, it, n);
    free(it);
}

int insights__build_traced(const struct sq_table *t, const struct result_shape *s, size_t max,
                           struct insights__line **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!t || !s || max == 0)
        return 0;
    struct ctx c;
    ctx_init(&c, t, s, max);
    describe(&c);
    sq_buf_fini(&c.buf);
    sq_arena_fini(&c.arena);
    if (c.n == 0) {
        free(c.lines);
        return 0;
    }
    *out = c.lines;
    *n = c.n;
    return 0;
}

void insights__free_traced(struct insights__line *lines, size_t n)
{
    if (!lines)
        return;
    for (size_t i = 0; i < n; i++) {
        free(lines[i].text);
        for (size_t j = 0; j < lines[i].n_labels; j++)
            free(lines[i].labels[j]);
    }
    free(lines);
}

int insights_build(const struct sq_table *t, const struct result_shape *s, size_t max, char ***out,
                   size_t *n)
{
    struct insights__line *lines;
    insights__build_traced(t, s, max, &lines, n);
    *out = NULL;
    if (*n == 0)
        return 0;
    *out = xmalloc(*n * sizeof **out);
    for (size_t i = 0; i < *n; i++) {
        (*out)[i] = lines[i].text;
        lines[i].text = NULL;
    }
    insights__free_traced(lines, *n);
    return 0;
}

void insights_free(char **lines, size_t n)
{
    if (!lines)
        return;
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}
