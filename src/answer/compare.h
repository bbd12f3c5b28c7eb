/*
 * Comparing a result table with a gold one, as `salesql eval` and the accuracy tests
 * do: every gold column must be one of ours (column order free, extra columns of ours
 * allowed), rows match as a multiset (or in order when the gold query sorts), numbers
 * within a small relative tolerance.
 *
 * Ownership: nothing is allocated for the caller; why is a caller buffer.
 */
#ifndef SQ_ANSWER_COMPARE_H
#define SQ_ANSWER_COMPARE_H

#include <stddef.h>

struct sq_table;

/* 1 if got answers what gold answers, else 0 with the reason in why. */
int answer_tables_match(const struct sq_table *got, const struct sq_table *gold, int ordered,
                        char *why, size_t n);
/* 1 if a query sorts its result (an ORDER BY outside any parentheses). */
int answer_sql_sorts(const char *sql);

#endif
