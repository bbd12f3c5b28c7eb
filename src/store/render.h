/*
 * Internal to store/: turning DuckDB vectors and types into text for result tables.
 */
#ifndef SQ_STORE_RENDER_H
#define SQ_STORE_RENDER_H

#include "base/table.h"

#include <duckdb.h>

struct sq_buf;

/* Appends the value at row of v (of type t) to out as text and returns its kind: numbers
 * in DuckDB's shortest form, dates and timestamps as ISO-8601, nested values as
 * JSON-like text. */
enum sq_cell_kind store__render(duckdb_vector v, duckdb_logical_type t, idx_t row,
                                struct sq_buf *out);
/* DuckDB's name for a type ("DECIMAL(18,2)", "VARCHAR[]"); the caller frees it. */
char *store__type_name(duckdb_logical_type t);
int store__type_is_numeric(duckdb_logical_type t);

#endif
