/*
 * The semantic frame: what a question asks, independent of its wording and of SQL.
 * parse.c fills it from tokens and the lexicon; emit.c turns it into SQL and an
 * interpretation sentence; a session keeps the last one so that a follow-up ("now by
 * month", "only West") can edit it.
 *
 * Ownership: a frame holds pointers into the schema snapshot and the lexicon, which
 * must outlive it, and strings in fixed arrays; it is a plain value (copyable).
 */
#ifndef SQ_NLSQL_FRAME_H
#define SQ_NLSQL_FRAME_H

#include "base/shape.h"

#include <stddef.h>

struct schema_mart;
struct schema_column;
struct schema_join;

enum nl_agg {
    NL_AGG_SUM,
    NL_AGG_AVG,
    NL_AGG_MIN,
    NL_AGG_MAX,
    NL_AGG_MEDIAN,
    NL_AGG_COUNT_ROWS,     /* COUNT(*) of the mart: "number of orders" on an orders mart */
    NL_AGG_COUNT_DISTINCT, /* COUNT(DISTINCT col): "number of customers" on order lines */
    NL_AGG_RATIO,          /* SUM(col) / COUNT(DISTINCT per): "average profit per order" */
    NL_AGG_METRIC,         /* a playbook metric's SQL expression */
    NL_AGG_MARGIN,         /* 100 * SUM(col) / SUM(per): profit as a share of sales */
    NL_AGG_PROFIT,         /* SUM(col) - SUM(per): an amount less its cost, with no profit column */
    NL_AGG_GROSS_MARGIN,   /* 100 * (SUM(col) - SUM(per)) / SUM(col) */
    NL_AGG_PER,            /* SUM(col) / SUM(per): "profit per unit" */
    NL_AGG_EXPR,           /* SUM(metric_sql): a measure of the model no column holds, such as
                            * revenue = quantity × price; metric_sql names columns m."x" on
                            * mart and j."y" on link_mart */
};

enum {
    NL_MAX_MEASURES = 4,
    NL_MAX_DIMS = 2,
    NL_MAX_FILTERS = 8,
    NL_MAX_VALUES = 8,
    NL_MAX_FIELDS = 4
};

/* The texts a frame holds, each with its NUL; a longer one is cut where it is written. */
enum {
    NL_NOUN_MAX = 48,        /* a noun as the question said it: "orders", "customers" */
    NL_ENTITY_MAX = 64,      /* an entity word worked out from a noun or a name: "customer" */
    NL_LABEL_MAX = 96,       /* a period's label: "July–September 2016" */
    NL_MAX_ASSUMPTIONS = 4,  /* assumptions kept; later ones are dropped */
    NL_ASSUMPTION_MAX = 200, /* one assumption: a sentence with a name or a label in it */
    NL_KEY_TEXT_MAX = 64,    /* a key as written: "S18_3482", "SO51522" */
};

struct nl_measure {
    enum nl_agg agg;
    const struct schema_mart *mart;
    const struct schema_column *col; /* NULL for COUNT_ROWS and METRIC */
    const struct schema_column *per; /* RATIO: the entity counted below the line */
    const char *metric;              /* METRIC, EXPR: name and SQL */
    const char *metric_sql;
    const struct schema_mart *link_mart; /* EXPR: the mart of its j."y" columns, or NULL */
    char noun[NL_NOUN_MAX]; /* what is counted ("orders") or the entity of a ratio ("order") */
};

/* Cycles of the calendar, read as categories rather than a time axis: "sales by weekday",
 * "by month of the year". They follow the grains of shape.h in nl_dim.grain. */
enum { NL_CYCLE_WEEKDAY = GRAIN_DAY + 1, NL_CYCLE_MONTH, NL_GRAIN_END };

struct nl_dim {
    const struct schema_mart *mart;  /* NULL for a time dimension */
    const struct schema_column *col; /* NULL for a time dimension */
    enum shape_grain grain;          /* a time dimension's grain, or an NL_CYCLE_* */
};

static inline int nl_is_cycle(const struct nl_dim *d)
{
    return !d->col && (int)d->grain >= NL_CYCLE_WEEKDAY;
}

enum nl_cmp { NL_CMP_GT, NL_CMP_GE, NL_CMP_LT, NL_CMP_LE, NL_CMP_EQ };

struct nl_filter {
    const struct schema_mart *mart;
    const struct schema_column *col;
    int negate;
    size_t nvalues; /* value filter: col IN (values) */
    const char *values[NL_MAX_VALUES];
    int numeric; /* numeric filter: col <op> number */
    enum nl_cmp op;
    double number;
    int whole; /* of a share: limits the whole too ("share of Technology sales from Phones") */
    /* a key as written ("order SO51522"): col = text, case folded unless exact */
    char text[NL_KEY_TEXT_MAX];
    int fold;
    /* late: col > after, both on mart ("shipped after the required date") */
    const struct schema_column *after;
};

/* A condition on an aggregate of an entity: "customers with more than 10 orders" keeps the
 * customers whose COUNT(DISTINCT order_id) > 10; "products with negative profit" those whose
 * SUM(profit) < 0. */
struct nl_having {
    const struct schema_mart *mart; /* the entity's mart */
    const struct schema_column *of; /* the entity: customer_id */
    struct nl_measure m;            /* the aggregate the condition is on */
    enum nl_cmp op;
    double number;
    char noun[NL_NOUN_MAX]; /* the entity as named: "customers" */
    /* NULL, or the link from m's table to the entity's: the aggregate is then taken there,
     * for each value of via->from_col (orders counted by customer_id for customers). */
    const struct schema_join *via;
    /* the frame's period is on the rows of via (date_mart is via's table): "customers with
     * more than 3 orders in 2004" counts the orders of 2004 */
    int dated;
};

struct nl_date {
    int y, m, d;
};

struct nl_period {
    struct nl_date from; /* half-open: from <= date < to */
    struct nl_date to;
    char label[NL_LABEL_MAX]; /* "2016", "Q3 2016", "March 2020", "July–September 2016" */
};

struct nl_frame {
    const struct schema_mart *fact;
    struct nl_measure measures[NL_MAX_MEASURES];
    size_t nmeasures;
    struct nl_dim dims[NL_MAX_DIMS];
    size_t ndims;
    struct nl_filter filters[NL_MAX_FILTERS];
    size_t nfilters;
    const struct schema_mart *date_mart; /* the mart of the date column */
    const struct schema_column *date;    /* the date column time words refer to */
    int has_window;
    struct nl_period window;
    int compare; /* two periods side by side */
    struct nl_period periods[2];
    int season_from, season_to; /* months of every year, 1-12 ("Q4 of each year"); 0: none */
    enum shape_grain avg_grain; /* "average monthly sales": each period's total, averaged */
    /* "median order value": each entity's total (over: its identifier), then over_agg
     * (AVG, MEDIAN, MIN or MAX) of the totals */
    const struct schema_mart *over_mart;
    const struct schema_column *over;
    enum nl_agg over_agg;
    int order;       /* 1 highest first, -1 lowest first, 0 natural */
    size_t limit;    /* top/bottom N, 0 for none */
    int superlative; /* "which region had the highest sales": one row */
    int listed;      /* "list the disputed orders": rows in the order of the dimensions */
    int share;       /* the measure as a percentage of the total */
    int growth;      /* a period-over-period change column */
    int per_group;   /* the top/bottom N is within each value of dims[0]: "in each region" */
    int has_having;
    struct nl_having having;
    int exists; /* yes/no: whether the first measure is above zero, as a first column */
    /* "who spent the most … and what segment are they in": columns of the ranked thing
     * shown beside it (grouped by, never charted), from its row or across its links */
    struct nl_dim fields[NL_MAX_FIELDS];
    size_t nfields;
    char assumptions[NL_MAX_ASSUMPTIONS][NL_ASSUMPTION_MAX];
    size_t nassumptions;
};

#endif
