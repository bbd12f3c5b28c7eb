/*
 * What a result table means, as the question parser understood it: which columns are
 * dimensions, which is the time axis and at what grain, which is the measure, whether it
 * is a share or a comparison, and how it was ordered. insights.c and chart.c read it to
 * describe the result in words and to choose a chart; nothing in here runs a query.
 *
 * Ownership: everything is borrowed from the caller for the duration of a call; the
 * returned insight strings and chart JSON are heap-allocated and owned by the caller.
 */
#ifndef SQ_ANSWER_SHAPE_H
#define SQ_ANSWER_SHAPE_H

#include "base/shape.h"

#include <stddef.h>

struct sq_table;

/* Sentences about the result, computed from it and nothing else: the leader and its share
 * of the total, the gap to the runner-up, period-over-period change, peak and trough,
 * outliers. Every number in a sentence appears in, or is derived from, the table. At most
 * max sentences; *n may be 0 (an empty table, a single value that needs no comment).
 * Returns 0 (it cannot fail short of out-of-memory). */
int insights_build(const struct sq_table *t, const struct result_shape *s, size_t max, char ***out,
                   size_t *n);
void insights_free(char **lines, size_t n);

/* A Vega-Lite v5 spec as JSON text, chosen by the shape: bar for a category and a
 * measure, line for a time series, grouped bars for two dimensions, a single number for
 * a total; NULL when no chart fits (wide tables, no measure). The data is inlined. */
char *chart_build(const struct sq_table *t, const struct result_shape *s);

#endif
