/*
 * What the guard's files share (guard.c walks names and kinds, cost.c bounds the work of
 * one call). Not for use outside src/guard.
 */
#ifndef SQ_GUARD_INTERNAL_H
#define SQ_GUARD_INTERNAL_H

#include <jansson.h>

struct sq_error;

/* Sets err to SQ_E_REJECTED with the node's position in the SQL (when DuckDB gave one)
 * and returns SQ_E_REJECTED. */
int guard__reject(struct sq_error *err, json_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The member key of obj when it is a string, else NULL. */
const char *guard__str(json_t *obj, const char *key);

/* Bounds what one call may cost (cost.c): refuses a statement's query node when a single
 * function call could take time or memory out of proportion to its input, which no
 * interrupt and no memory limit of DuckDB's can stop. Call after the names and kinds were
 * checked (the tree holds only allow-listed functions). */
int guard__check_cost(json_t *node, struct sq_error *err);

#endif
