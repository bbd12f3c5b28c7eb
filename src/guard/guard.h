/*
 * The guard decides whether SQL may run. Only one read-only query (SELECT, WITH ...
 * SELECT, VALUES) over the loaded tables and mart_dyn_* views, using only allow-listed
 * functions, passes; the decision is made on DuckDB's own parse tree, never on the text.
 * A query that passes becomes a struct guarded_query, the only thing guard_execute and,
 * under it, store_select accept: neither takes SQL text. The type is opaque here; its
 * definition (store/guarded.h) may be included only by src/guard/ and src/store/
 * (scripts/check-layers.sh), so no other module can make one without guard_check.
 *
 * Ownership: guard_check returns a new struct guarded_query freed with
 * guarded_query_free. The policy is borrowed for the duration of the call.
 */
#ifndef SQ_GUARD_GUARD_H
#define SQ_GUARD_GUARD_H

#include <stddef.h>

struct sq_error;
struct sq_table;
struct store_conn;
struct store_limits;
struct schema;

/* The most SQL text the guard reads; longer input is rejected before parsing. */
enum { GUARD_MAX_SQL = 64 * 1024 };

struct guard_policy {
    const char *const *tables; /* names a query may read (DuckDB: case-insensitive) */
    size_t ntables;
    /* PostgreSQL (guard/pg.h): the one schema a qualified name may name, or NULL for none.
     * DuckDB's guard ignores it: there the loaded data is always in the main schema. */
    const char *schema;
};

struct guarded_query;

/* A policy that allows every mart and raw table of a schema snapshot; the names are
 * borrowed from it, the array is freed with guard_policy_fini. */
void guard_policy_init(struct guard_policy *p, const struct schema *s);
void guard_policy_fini(struct guard_policy *p);

/* Checks sql; on success *out holds the approved query. Failures: SQ_E_REJECTED (not one
 * read-only query, a forbidden table, function or construct; err->offset points at it
 * where DuckDB gave a position), SQ_E_UNKNOWN_NAME (a table or column that does not
 * exist, with DuckDB's candidates), SQ_E_TOO_BIG. */
int guard_check(struct store_conn *c, const struct guard_policy *p, const char *sql,
                struct guarded_query **out, struct sq_error *err);
/* Checks only the parse tree (no binding): the part of guard_check that needs no data. */
int guard_check_tree(const char *parse_json, const struct guard_policy *p, struct sq_error *err);
const char *guarded_query_sql(const struct guarded_query *q);
void guarded_query_free(struct guarded_query *q);

/* Runs an approved query with a row cap and a time limit (see store_select). */
int guard_execute(struct store_conn *c, const struct guarded_query *q,
                  const struct store_limits *lim, struct sq_table *out, struct sq_error *err);

/* 1 if name is an allow-listed SQL function or operator (lower-case), else 0. */
int guard_function_allowed(const char *name);
/* The allow-list itself, sorted (byte order). */
const char *const *guard_function_names(size_t *n);
/* 1 if the cost rules (cost.c) know how name's result and time follow from its
 * arguments; every allow-listed function must. */
int guard_function_cost_known(const char *name);

#endif
