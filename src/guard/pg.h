/*
 * The guard on PostgreSQL: decides whether PostgreSQL SQL text may run, on PostgreSQL's
 * own parse of it (libpg_query, the server's grammar as a library), never on the text.
 * Only one read-only query passes (SELECT, WITH ... SELECT, VALUES, set operations, TABLE)
 * that reads only the policy's relations and calls only allow-listed functions, operators
 * and casts; no server is needed. It is the parse-tree half of the guard for the
 * PostgreSQL engine; the engine adds a read-only role over the mart views, timeouts and
 * a row cap behind it.
 *
 * What the verdict assumes of the connection that later runs the text, since both change
 * how PostgreSQL reads it: standard_conforming_strings on (the default since 9.1: with it
 * off a backslash escapes a quote, and one statement here could be two there) and
 * client_encoding UTF8. Send the text with the extended protocol (PQexecParams), which
 * refuses a second statement whatever the guard saw.
 *
 * Ownership: nothing is kept; the policy and the text are borrowed for the call.
 */
#ifndef SQ_GUARD_PG_H
#define SQ_GUARD_PG_H

#include <stddef.h>

struct guard_policy;
struct sq_error;

/* 0 when sql may run under p: p->tables name the relations (compared byte for byte, as
 * PostgreSQL compares them once its parser folded unquoted names to lower case), and a
 * schema-qualified name must use p->schema (NULL: no qualified names). Failures, with a
 * reason in err that names the construct and, where the parser gave one, its byte
 * offset: SQ_E_TOO_BIG (longer than GUARD_MAX_SQL), SQ_E_REJECTED (not valid UTF-8, does
 * not parse, not exactly one read-only query, a relation, function, operator, type or
 * construct outside the allow-lists), SQ_E_INTERNAL (no thread for the parser). err may
 * be NULL. Thread-safe. */
int guard_pg_check(const struct guard_policy *p, const char *sql, struct sq_error *err);

/* 1 if name (as PostgreSQL spells it: lower case) is an allow-listed function, else 0. */
int guard_pg_function_allowed(const char *name);
/* For the tests: the allow-list's names shared with DuckDB's (pg_own 0) or PostgreSQL's
 * own (pg_own 1), each sorted (byte order); *n gets their number. */
const char *const *guard_pg_function_names(int pg_own, size_t *n);
/* 1 if op is an allow-listed operator ("=", "||", "~~*" ...), else 0. */
int guard_pg_operator_allowed(const char *op);
/* 1 if type (PostgreSQL's internal name: int4, float8, timestamptz ...) may be cast to. */
int guard_pg_type_allowed(const char *type);

#endif
