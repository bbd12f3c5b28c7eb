/*
 * Internal to ingest/: the pieces ingest.c puts together (reading headers, loading one
 * file into a staging table, profiling a source) and the catalog tables they share.
 */
#ifndef SQ_INGEST_INTERNAL_H
#define SQ_INGEST_INTERNAL_H

#include "ingest/encoding.h"
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
    "to_source VARCHAR, to_column VARCHAR, coverage DOUBLE, rule VARCHAR);"                        \
    "ALTER TABLE salesql_sources ADD COLUMN IF NOT EXISTS storage VARCHAR;"                        \
    "CREATE TABLE IF NOT EXISTS salesql_parts(source VARCHAR, path VARCHAR, parquet VARCHAR, "     \
    "rows BIGINT, options VARCHAR, part_no BIGINT);"                                               \
    "CREATE TABLE IF NOT EXISTS salesql_file_stats(source VARCHAR, path VARCHAR, column_name "     \
    "VARCHAR, type VARCHAR, rows BIGINT, nonnull BIGINT, distinct_approx BIGINT, min_value "       \
    "VARCHAR, max_value VARCHAR);"                                                                 \
    "CREATE TABLE IF NOT EXISTS salesql_file_values(source VARCHAR, path VARCHAR, column_name "    \
    "VARCHAR, value VARCHAR, n BIGINT);"

/* How a source's raw_<name> holds its data (salesql_sources.storage; NULL is a table):
 * a table loaded file by file; a view over the Parquet data files themselves, read in
 * place; or a view over zstd Parquet parts that `salesql compact` wrote, one per data file
 * (salesql_parts maps each data file to the Parquet file that holds its rows). */
#define INGEST_STORAGE_TABLE "table"
#define INGEST_STORAGE_PARQUET "parquet"
#define INGEST_STORAGE_COMPACT "compact"

/* Sources of more rows than this are profiled from samples or from their files'
 * statistics (profile.c); smaller ones exactly, from the whole mart. */
#define INGEST_PROFILE_EXACT_ROWS 2000000LL

/* Queries that compute something for every column (the loader's look at text columns,
 * per-file statistics, the profile) take at most this many columns each. What DuckDB
 * allocates per aggregate and expression is outside its memory limit and comes before the
 * first row: one SELECT over the 3,000 columns of a one-row file grew to 4-6 GB whatever
 * the limit, and its grouped form crashed DuckDB 1.4.4 (SIGFPE in the hash aggregate).
 * Batches of 100 keep such a file at 0.3-0.4 GB and cost nothing on narrow files
 * (bench/RESULTS.md, wide files). */
enum { INGEST_BATCH_COLUMNS = 100 };
/* Listing values and counting distinct ones, column by column: up to this many rows, one
 * UNPIVOT per batch of columns (a statement or a count(DISTINCT) per column costs more to
 * set up than to run on few rows: the value lists of a one-row file of 3,000 columns, one
 * statement each through the mart view, took 52 s); beyond, a statement per column, as
 * UNPIVOT casts every value to text (3-6x slower on 2M rows of 21 columns). */
#define INGEST_UNPIVOT_MAX_ROWS 10000LL

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
    char encoding[ENC_NAME_MAX]; /* what the file was read as ("UTF-8", "CP1252", "parquet") */
};

/* One refresh in progress: what ingest.c's steps share. */
struct ingest__run {
    struct store_conn *c;
    const struct ingest_options *o;
    struct ingest_report *rep;
    const struct scan_list *files;
    char **headers;
    char *compact_dir;
    size_t to_load; /* files to load in this run, for progress */
    size_t loaded_so_far;
};

/* 1 once the run was asked to stop (ingest_options.cancel). */
int ingest__cancelled(const struct ingest__run *r);
void ingest__emit(const struct ingest_options *o, struct ingest_event ev);
/* INGEST_FILE_START for path (a file, or a batch's "first and N more") of bytes, the
 * index-th of the files this run loads. */
void ingest__emit_start(const struct ingest__run *r, const char *source, const char *path,
                        long long bytes, size_t index);
void ingest__add_failure(struct ingest_report *rep, const char *path, const char *msg);
/* Records that file fi of src failed: the catalog keeps its last good rows (and remembers
 * this version, so an unchanged broken file is not retried), the report and the progress
 * callback hear why. */
void ingest__record_failure(struct ingest__run *r, const struct scan_source *src, size_t fi,
                            const char *encoding, double ms, const char *msg);
/* Ends the load of file fi of src: with error NULL, counts it and reports INGEST_FILE_DONE;
 * otherwise records the failure, unless the run was cancelled (not the file's fault: it is
 * retried next run), which returns SQ_E_INTERRUPTED. Returns 0 otherwise. */
int ingest__finish_file(struct ingest__run *r, const struct scan_source *src, size_t fi,
                        const struct load_result *lr, double ms, const char *error);
/* 1 if the main schema has a relation of that kind ("table" or "view") and name, else 0
 * (also when the catalog cannot be read). */
int ingest__relation_exists(struct store_conn *c, const char *kind, const char *name);

/* Catalog SQL (views.c). The statements that (re)create mart_dyn_<source> over qtable and
 * its preliminary column rows (names in the file and loader notes from lr, else from the
 * column rows already there); reads qtable's columns, so run what changes them first. */
int ingest__append_view_sql(struct store_conn *c, const char *source, const char *qtable,
                            const struct load_result *lr, struct sq_buf *sql, struct sq_error *err);
void ingest__append_file_row(struct sq_buf *sql, const struct scan_file *f, const char *source,
                             const char *header, const char *encoding, long long rows, double ms,
                             const char *error);
void ingest__append_source_row(struct sq_buf *sql, const char *source, const char *qtable,
                               int multi, const char *storage);
/* The statements that remove a file's rows from the per-file catalog tables. */
void ingest__append_forget_file(struct sq_buf *sql, const char *source, const char *path);
/* Drops a source: its views or table, its catalog rows, and its compacted parts. */
int ingest__drop_source(struct ingest__run *r, const char *name, struct sq_error *err);
/* The current storage of a source (INGEST_STORAGE_*), or NULL when it has no raw table or
 * view. A heap string. */
char *ingest__source_storage(struct store_conn *c, const char *name);

/* Sources stored as views (views.c). Refreshes a source read in place: checks each file
 * of need[] (indexes into r->files; all of them when rebuild) and makes the views list the
 * good ones, in one transaction. */
int ingest__refresh_parquet_source(struct ingest__run *r, const struct scan_source *src,
                                   const unsigned char *need, int rebuild);
/* Loads one file of a compacted source: stages it, writes it as a new Parquet part, and
 * swaps the part in (one transaction). hive: the source's reader options. Failures are
 * recorded like load failures. */
int ingest__load_compact(struct ingest__run *r, const struct scan_source *src, size_t fi,
                         const char *hive);
/* Removes the files that left a source stored as a view (one transaction). */
int ingest__remove_gone_view_files(struct ingest__run *r, const struct scan_source *src,
                                   const char *storage, int *changed, struct sq_error *err);
/* In one transaction: runs pre (catalog changes; may be NULL), recreates raw_<source> as a
 * view over the Parquet files salesql_parts lists for it and mart_dyn_<source> over that,
 * and writes the source's row; with no files left, drops both views and the row. The
 * data changed (the version grows) unless same_data. */
int ingest__swap_view(struct store_conn *c, const char *source, const char *storage, int multi,
                      int same_data, const char *pre, struct sq_error *err);

/* A signature of the file's column names (snake_case, comma-joined) for grouping. */
int ingest__read_header(struct store_conn *c, const struct scan_file *f, char **sig,
                        struct sq_error *err);
/* Loads one file into a new table named stage, typed and with snake_case columns. hive:
 * the reader options of the file's source (scan_hive_options). temp: a temporary table
 * (kept in memory up to DuckDB's limit, then spilled; gone with the connection), for rows
 * that are copied elsewhere rather than renamed into place: about twice as fast as a
 * table written to the database file and read back. */
int ingest__load_stage(struct store_conn *c, const struct scan_file *f,
                       const struct ingest_options *o, const char *hive, const char *stage,
                       int temp, struct load_result *out, struct sq_error *err);
/* Files loaded in one statement (a batch): files[0..n) of one source, CSV files in UTF-8
 * that share a header, read with the dialect and types of the first. Sets select to the
 * SELECT that reads them all, with snake_case columns and each row's file in
 * INGEST_FILE_COLUMN (its path relative to the data folder), and out's columns. Files that
 * cannot be read together fail (SQ_E_USAGE, SQ_E_ENCODING), as does any file the
 * statement cannot read later: the caller then loads them one by one, which finds the
 * file at fault and why. */
int ingest__batch_select(struct store_conn *c, const struct scan_file *const *files, size_t n,
                         const struct ingest_options *o, const char *hive, struct sq_buf *select,
                         struct load_result *out, struct sq_error *err);
/* CREATE [TEMP] TABLE stage AS select (ingest__batch_select's), then the loader's reading
 * of its text columns. */
int ingest__load_stage_batch(struct store_conn *c, const struct scan_file *const *files, size_t n,
                             const struct ingest_options *o, const char *select, const char *stage,
                             int temp, struct load_result *out, struct sq_error *err);
/* rows[i]: the rows of relation (a FROM item with INGEST_FILE_COLUMN) from files[i]. */
int ingest__rows_per_file(struct store_conn *c, const char *relation,
                          const struct scan_file *const *files, size_t n, long long *rows,
                          struct sq_error *err);
/* Runs a statement that reads data files, with progress events naming label (of bytes in
 * all) and without keeping row order. */
int ingest__exec_load(struct store_conn *c, const char *sql, const struct ingest_options *o,
                      const char *label, long long bytes, struct sq_error *err);
void ingest__load_result_fini(struct load_result *r);
/* Per-file statistics, so that the profile of a big source merges them instead of reading
 * all its rows again after a change (profile.c). relation is a FROM item holding exactly
 * one data file's rows (the staging table, or a SELECT over one Parquet file). Runs one
 * aggregate query, then appends to sql the statements that replace path's rows of
 * salesql_file_stats and salesql_file_values; they read relation, so run them while it
 * exists. */
int ingest__file_stats_sql(struct store_conn *c, const char *source, const char *path,
                           const char *relation, struct sq_buf *sql, struct sq_error *err);
/* The same for the files paths[0..n) of a batch loaded in one statement: relation holds
 * their rows, each naming its file (the path) in INGEST_FILE_COLUMN; rows[i] is set to the
 * rows of paths[i], counted in the same pass. */
int ingest__batch_stats_sql(struct store_conn *c, const char *source, const char *const *paths,
                            size_t n, const char *relation, struct sq_buf *sql, long long *rows,
                            struct sq_error *err);
/* Computes, one file per transaction, the missing per-file statistics of a source stored
 * as a view (the files are read where they are); a table source's come from its loads. */
int ingest__ensure_file_stats(struct store_conn *c, const char *source, struct sq_error *err);
/* Recomputes the profile (salesql_columns, salesql_values) of one source's mart. */
int ingest__profile_source(struct store_conn *c, const char *source, struct sq_error *err);
/* Recomputes the join edges between marts (salesql_joins, replaced in one transaction)
 * when any source changed since the last discovery; otherwise one catalog query. */
int ingest__discover_joins(struct store_conn *c, struct sq_error *err);

#endif
