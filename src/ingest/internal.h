/*
 * Internal to ingest/: the pieces ingest.c puts together (reading headers, loading one
 * file into a staging table, profiling a source) and the catalog tables they share.
 */
#ifndef SQ_INGEST_INTERNAL_H
#define SQ_INGEST_INTERNAL_H

#include "ingest/ingest.h"
#include "ingest/scan.h"

struct sq_buf;
struct store_conn;

/* The catalog: what was loaded from where, and the profile of every mart. */
#define INGEST_CATALOG_DDL                                                                         \
    "CREATE TABLE IF NOT EXISTS salesql_meta(key VARCHAR, value VARCHAR);"                         \
    "CREATE TABLE IF NOT EXISTS salesql_files(path VARCHAR, source VARCHAR, size BIGINT, "         \
    "mtime_ns BIGINT, header VARCHAR, encoding VARCHAR, rows BIGINT, loaded_at TIMESTAMP, "        \
    "load_ms DOUBLE, status VARCHAR, error VARCHAR);"                                              \
    "CREATE TABLE IF NOT EXISTS salesql_sources(name VARCHAR, table_name VARCHAR, mart "           \
    "VARCHAR, multi BOOLEAN, rows BIGINT, version BIGINT, loaded_at TIMESTAMP, "                   \
    "profiled_version BIGINT);"                                                                    \
    "CREATE TABLE IF NOT EXISTS salesql_columns(source VARCHAR, position INTEGER, name "           \
    "VARCHAR, original VARCHAR, type VARCHAR, role VARCHAR, agg VARCHAR, derived_from "            \
    "VARCHAR, null_share DOUBLE, distinct_approx BIGINT, min_value VARCHAR, max_value "            \
    "VARCHAR, note VARCHAR);"                                                                      \
    "CREATE TABLE IF NOT EXISTS salesql_values(source VARCHAR, column_name VARCHAR, value "        \
    "VARCHAR, n BIGINT);"                                                                          \
    "CREATE TABLE IF NOT EXISTS salesql_joins(from_source VARCHAR, from_column VARCHAR, "          \
    "to_source VARCHAR, to_column VARCHAR, coverage DOUBLE, rule VARCHAR);"

/* The hidden column that records which file a row of a multi-file source came from. */
#define INGEST_FILE_COLUMN "_salesql_file"

struct load_column {
    char *name;     /* snake_case name in the table */
    char *original; /* the name in the file */
    char *type;     /* DuckDB type after loading */
    char *note;     /* how salesql read it ("dates as month/day/year"), or NULL */
};

struct load_result {
    struct load_column *cols;
    size_t ncols;
    long long rows;
    char encoding[32]; /* what the file was read as ("UTF-8", "CP1252", "parquet") */
};

/* A signature of the file's column names (snake_case, comma-joined) for grouping. */
int ingest__read_header(struct store_conn *c, const struct scan_file *f, char **sig,
                        struct sq_error *err);
/* Loads one file into a new table named stage, typed and with snake_case columns. */
int ingest__load_stage(struct store_conn *c, const struct scan_file *f,
                       const struct ingest_options *o, const char *stage, struct load_result *out,
                       struct sq_error *err);
void ingest__load_result_fini(struct load_result *r);
/* Recomputes the profile (salesql_columns, salesql_values) of one source's mart. */
int ingest__profile_source(struct store_conn *c, const char *source, struct sq_error *err);
/* Recomputes the join edges between marts (salesql_joins, replaced in one transaction)
 * when any source changed since the last discovery; otherwise one catalog query. */
int ingest__discover_joins(struct store_conn *c, struct sq_error *err);

#endif
