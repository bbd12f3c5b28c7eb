/*
 * Internals of the answer module's insights and charts, shared by insights.c, chart.c and
 * their tests: the time axis of a result (which columns hold the period and how to name
 * it) and a traced form of insights_build that reports the raw numbers and the labels
 * behind every sentence, so a test can check that each printed number comes from the table.
 *
 * Ownership: as in shape.h, tables and shapes are borrowed; traced lines are heap-allocated
 * and freed with insights__free_traced.
 */
#ifndef SQ_ANSWER_INSIGHTS_INTERNAL_H
#define SQ_ANSWER_INSIGHTS_INTERNAL_H

#include "answer/shape.h"

#include <stddef.h>

struct sq_table;

/* How a result names its periods. */
enum insights__time_form {
    INSIGHTS__TIME_NONE,      /* no time axis */
    INSIGHTS__TIME_DATE,      /* a DATE/TIMESTAMP column or ISO date text ("2016-03-01") */
    INSIGHTS__TIME_YEAR,      /* a year number alone */
    INSIGHTS__TIME_YEAR_PART, /* a year column and a month/quarter/week number column */
    INSIGHTS__TIME_PART,      /* a month/quarter/week number alone */
    INSIGHTS__TIME_OTHER,     /* anything else: the cell text is the period's name */
};

struct insights__time {
    enum insights__time_form form;
    enum shape_grain grain;
    int col;      /* the shape's time column, or -1 */
    int year_col; /* the year number column, or -1 */
    int part_col; /* the month/quarter/week number column, or -1 */
    char part;    /* 'm', 'q' or 'w' for the part column, else 0 */
};

/* The dimensions of a result as a reader sees them: a year column and a month column
 * together are one dimension, the time axis. */
struct insights__axes {
    struct insights__time time;
    int ndims;
    int dim[2];     /* column index; for the time axis, time.col */
    int is_time[2]; /* 1 when dim[i] is the time axis */
};

void insights__find_time(const struct sq_table *t, const struct result_shape *s,
                         struct insights__time *out);
void insights__axes(const struct sq_table *t, const struct result_shape *s,
                    struct insights__axes *out);
/* 1 when col belongs to the time axis (the date, year or part column). */
int insights__is_time_col(const struct insights__time *tm, int col);
/* 1 when s starts with an ISO date (YYYY-MM-DD) followed by nothing, ' ' or 'T'. */
int insights__is_iso_date(const char *s);
/* The name of row's period, into out (always NUL-terminated). The long form is for
 * sentences ("March 2016", "Q3 2019", "2016-03-07"); the short form for chart axes
 * ("2016-03", "2019 Q3", "Mar"). A NULL cell is "(blank)". */
void insights__period_label(const struct sq_table *t, const struct insights__time *tm, size_t row,
                            int short_form, char *out, size_t size);

/* Words for the measure, into out: the shape's label, else the measure column's name in
 * words; for a comparison, the part the two period columns' names share ("sales_2016" and
 * "sales_2017" -> "sales"). */
void insights__measure_words(const struct sq_table *t, const struct result_shape *s, char *out,
                             size_t size);

enum { INSIGHTS__TRACE_MAX = 24 };

/* One sentence and what went into it: every number formatted into the text (the raw
 * double, before rounding) and every label copied into it, with the label's byte offset
 * in the text. Labels are category names, period names and words from column names. */
struct insights__line {
    char *text;
    size_t n_nums;
    double nums[INSIGHTS__TRACE_MAX];
    size_t n_labels;
    char *labels[INSIGHTS__TRACE_MAX];
    size_t label_at[INSIGHTS__TRACE_MAX];
};

/* insights_build, keeping the trace. *out is NULL when *n is 0. */
int insights__build_traced(const struct sq_table *t, const struct result_shape *s, size_t max,
                           struct insights__line **out, size_t *n);
void insights__free_traced(struct insights__line *lines, size_t n);

#endif
