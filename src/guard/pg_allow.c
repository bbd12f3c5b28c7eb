/*
 * The allow-lists of the guard on PostgreSQL (pg.c): the functions, operators and cast
 * target types a query may use. Everything absent is refused, so anything that touches
 * files (pg_read_file, pg_ls_dir, lo_import), settings (current_setting, set_config), the
 * session or other servers (dblink, pg_sleep, pg_terminate_backend, query_to_xml, which
 * runs SQL of its own), or state (nextval, setval, txid_current, advisory locks) is out
 * because it is not in. So are functions that build one huge value from a small input
 * (repeat, lpad, rpad, format's widths), set-returning functions (generate_series,
 * regexp_matches, unnest) and casts to the reg* types, which look names up in the system
 * catalogs ('pg_shadow'::regclass). PostgreSQL checks for a statement timeout inside
 * long-running functions, so the time of the rest is the engine's statement_timeout's to
 * bound; cost.c's rules are DuckDB's and are not needed here.
 *
 * Functions come in two lists. shared[] holds names that DuckDB's allow-list
 * (functions.c) has too, with the same meaning in PostgreSQL: each counts only while
 * DuckDB's list still has it, so a function taken out there for a reason is out here as
 * well. pg_only[] holds PostgreSQL's own spellings (to_char, extract, btrim ...),
 * including those its grammar writes for SQL syntax (EXTRACT, TRIM, AT TIME ZONE, LIKE
 * ... ESCAPE, SIMILAR TO). All lists are sorted for bsearch; tests/unit/test_guard_pg.c
 * checks the order.
 */
#include "guard/pg.h"

#include "guard/guard.h"

#include <stdlib.h>
#include <string.h>

static const char *const shared[] = {
    "abs",
    "acos",
    "age",
    "array_agg",
    "ascii",
    "asin",
    "atan",
    "atan2",
    "avg",
    "bit_and",
    "bit_or",
    "bool_and",
    "bool_or",
    "cbrt",
    "ceil",
    "ceiling",
    "char_length",
    "character_length",
    "chr",
    "concat",
    "concat_ws",
    "corr",
    "cos",
    "count",
    "covar_pop",
    "covar_samp",
    "cume_dist",
    "date_part",
    "date_trunc",
    "degrees",
    "dense_rank",
    "exp",
    "first_value",
    "floor",
    "gcd",
    "isfinite",
    "lag",
    "last_value",
    "lcm",
    "lead",
    "left",
    "length",
    "like_escape",
    "ln",
    "log",
    "log10",
    "lower",
    "ltrim",
    "make_date",
    "make_time",
    "make_timestamp",
    "max",
    "md5",
    "min",
    "mod",
    "mode",
    "nth_value",
    "ntile",
    "percent_rank",
    "pi",
    "position",
    "pow",
    "power",
    "radians",
    "rank",
    "regexp_replace",
    "regr_avgx",
    "regr_avgy",
    "regr_count",
    "regr_intercept",
    "regr_r2",
    "regr_slope",
    "replace",
    "reverse",
    "right",
    "round",
    "row_number",
    "rtrim",
    "sign",
    "sin",
    "split_part",
    "sqrt",
    "starts_with",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "string_agg",
    "strpos",
    "substr",
    "substring",
    "sum",
    "tan",
    "trunc",
    "upper",
    "var_pop",
    "var_samp",
    "variance",
};

static const char *const pg_only[] = {
    "btrim",
    "date_bin",
    "div",
    "every",
    "extract",
    "initcap",
    "justify_days",
    "justify_hours",
    "justify_interval",
    "make_interval",
    "now",
    "num_nonnulls",
    "num_nulls",
    "percentile_cont",
    "percentile_disc",
    "regr_sxx",
    "regr_sxy",
    "regr_syy",
    "similar_to_escape",
    "timezone",
    "to_char",
    "to_date",
    "to_number",
    "to_timestamp",
    "translate",
    "width_bucket",
};

/* Comparison, arithmetic, concatenation, LIKE (~~ and its negated and case-blind forms),
 * regular expressions (~ and its forms; PostgreSQL's engine checks for the timeout),
 * square and cube root, absolute value. */
static const char *const operators[] = {
    "!~", "!~*", "!~~", "!~~*", "%", "*",  "+",  "-",   "/", "<",  "<=", "<>",
    "=",  ">",   ">=",  "@",    "^", "|/", "||", "||/", "~", "~*", "~~", "~~*",
};

/* The scalar types of the mart views' columns and of the literals over them, by
 * PostgreSQL's internal names (the grammar turns INTEGER into pg_catalog.int4 ...). */
static const char *const types[] = {
    "bool",     "bpchar",  "date", "float4", "float8",    "int2",        "int4",   "int8",
    "interval", "numeric", "text", "time",   "timestamp", "timestamptz", "timetz", "varchar",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int in(const char *name, const char *const *list, size_t n)
{
    return bsearch(&name, list, n, sizeof *list, cmp) != NULL;
}

int guard_pg_function_allowed(const char *name)
{
    return in(name, pg_only, COUNT(pg_only)) ||
           (in(name, shared, COUNT(shared)) && guard_function_allowed(name));
}

const char *const *guard_pg_function_names(int pg_own, size_t *n)
{
    *n = pg_own ? COUNT(pg_only) : COUNT(shared);
    return pg_own ? pg_only : shared;
}

int guard_pg_operator_allowed(const char *op)
{
    return in(op, operators, COUNT(operators));
}

int guard_pg_type_allowed(const char *type)
{
    return in(type, types, COUNT(types));
}
