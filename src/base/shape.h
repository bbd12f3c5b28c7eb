/*
 * What a result table means: which columns are dimensions, which is the time axis and at
 * what grain, which is the measure, whether it is a share or a comparison, and how it was
 * ordered. The question parser (nlsql/) writes it; insights and charts (answer/) read it.
 * A plain value type; nothing here allocates.
 */
#ifndef SQ_BASE_SHAPE_H
#define SQ_BASE_SHAPE_H

#include <stddef.h>

enum shape_kind {
    SHAPE_TABLE,      /* no particular shape: rows as they came (e.g. raw SQL) */
    SHAPE_TOTAL,      /* one row, one or a few measures: "total sales in 2017" */
    SHAPE_BREAKDOWN,  /* a measure by one or two dimensions: "sales by region" */
    SHAPE_TOP,        /* a ranked breakdown cut at N: "top 5 states by profit" */
    SHAPE_TREND,      /* a measure over a time axis: "monthly sales in 2016" */
    SHAPE_COMPARISON, /* periods side by side: "2016 vs 2017 by region" (growth column) */
    SHAPE_SHARE,      /* a breakdown whose measure is a percentage of the total */
};

enum shape_grain { GRAIN_NONE, GRAIN_YEAR, GRAIN_QUARTER, GRAIN_MONTH, GRAIN_WEEK, GRAIN_DAY };

/* The words for a measure that measure_label points at, with their NUL, as the parser and
 * the agents write them into the buffer beside their shape: "total sales", "share of
 * average discount". Longer words are cut. */
enum { SHAPE_LABEL_MAX = 160 };

struct result_shape {
    enum shape_kind kind;
    int dims[2];  /* column indexes of the dimensions (categories or time), -1 if unused */
    int time_dim; /* which column is the time axis, or -1 */
    enum shape_grain grain;
    int measure;               /* column index of the main measure, or -1 */
    int measure2;              /* a second measure (the other period of a comparison), or -1 */
    int growth;                /* column index of a growth % column (comparison), or -1 */
    const char *measure_label; /* words for the measure: "total sales", "average discount" */
    const char *unit;          /* "" or "%" when the measure is a percentage */
    int descending;            /* rows are ordered by the measure, highest first */
    int ascending;             /* ... lowest first ("bottom 3") */
    size_t limit;              /* N of a top/bottom-N, or 0 */
    int subset;                /* only some groups are rows (a condition on their totals, or
                                * a top N within each group): no share of "the total" */
};

#endif
