/*
 * The only door to DuckDB. One database handle per process (opening a file twice in one
 * process lost a table in a probe), connections from it, and three ways to run SQL:
 * store_exec and store_query for trusted SQL that salesql writes itself, and store_select
 * for queries that passed the guard, with a row cap and a time limit. store_select takes
 * no text, only a struct guarded_query, which only guard_check makes (its definition is in
 * store/guarded.h, which only src/guard/ and src/store/ may include).
 *
 * Ownership: store_open returns a struct store the caller frees with store_close, which
 * also closes its connections. Result tables are caller-owned (base/table.h).
 */
#ifndef SQ_STORE_STORE_H
#define SQ_STORE_STORE_H

#include <stdatomic.h>
#include <stddef.h>

struct guarded_query;
struct sq_error;
struct sq_table;
struct store;
struct store_conn;

struct store_options {
    const char *path;         /* database file; NULL for an in-memory database */
    int read_only;            /* open read-only (several readers may share the file) */
    const char *memory_limit; /* DuckDB size string ("4GB"); NULL: store_default_memory_limit */
    int threads;              /* worker threads; 0 keeps DuckDB's default */
    const char *temp_dir;     /* spill folder; NULL: "<path>.tmp" */
};

/* Opens (creating if needed) the database with extension auto-install and auto-load off
 * (Parquet footers are cached between queries). A file held by another process fails with
 * SQ_E_LOCKED and DuckDB's message, which names the file and the other process. A bad
 * memory_limit fails with SQ_E_USAGE. */
int store_open(const struct store_options *o, struct store **out, struct sq_error *err);
/* The memory limit used when none is given: 60% of the memory this process may use (the
 * machine's RAM, or its cgroup's limit when lower), as a DuckDB size string ("14745MiB").
 * DuckDB's own default is 80%; salesql leaves more room for what DuckDB does not count
 * (its code, the page cache, the server's answers). out has room for
 * STORE_MEMORY_LIMIT_TEXT_MAX bytes: at most 20 digits and "MiB". */
enum { STORE_MEMORY_LIMIT_TEXT_MAX = 32 };
void store_default_memory_limit(char *out, size_t n);
void store_close(struct store *s);
/* Rewrites the database file o->path without its free blocks (DuckDB reuses the blocks of
 * dropped tables but does not give them back): copies it into "<path>.rewrite" and renames
 * that over it. The file must not be open, in this process or another (SQ_E_LOCKED);
 * until the rename, the original is untouched. A file with a log not yet checkpointed is
 * left as it is. *before and *after receive the sizes. cancel (may be NULL) stops the copy
 * as store_conn_set_cancel does (SQ_E_INTERRUPTED); the copy is removed. */
int store_rewrite(const struct store_options *o, const atomic_int *cancel, long long *before,
                  long long *after, struct sq_error *err);
const char *store_path(const struct store *s);
int store_read_only(const struct store *s);

/* The connection every single-threaded caller uses. */
struct store_conn *store_main(struct store *s);
/* A further connection for another thread; freed by store_conn_close or store_close. */
struct store_conn *store_conn_open(struct store *s, struct sq_error *err);
void store_conn_close(struct store_conn *c);

/* While *flag is non-zero, statements on c stop: one that runs is interrupted within
 * 250 ms, and later ones fail at once; both with SQ_E_INTERRUPTED. For a signal handler
 * that asks a long ingest to stop. flag is borrowed; NULL clears it. */
void store_conn_set_cancel(struct store_conn *c, const atomic_int *flag);

/* Trusted SQL only (written by salesql, not by a user or a model). */
int store_exec(struct store_conn *c, const char *sql, struct sq_error *err);
int store_query(struct store_conn *c, const char *sql, struct sq_table *out, struct sq_error *err);
/* The first column of the first row as a new string (NULL if no row or NULL). */
int store_query_string(struct store_conn *c, const char *sql, char **out, struct sq_error *err);
int store_query_int(struct store_conn *c, const char *sql, long long *out, struct sq_error *err);

/* Progress of a long statement: share done (0..1, or -1 when DuckDB cannot tell) and the
 * rows processed so far, reported from a watcher thread every ~250 ms. */
typedef void (*store_progress_fn)(void *ud, double done, unsigned long long rows);
/* store_exec that reports progress while the statement runs. */
int store_exec_progress(struct store_conn *c, const char *sql, store_progress_fn fn, void *ud,
                        struct sq_error *err);

struct store_limits {
    size_t max_rows;   /* 0: no cap */
    double timeout_ms; /* 0: no limit; on expiry the query is interrupted (SQ_E_TIMEOUT) */
};

/* The defaults of every command and of the server: --max-rows and --timeout. */
enum { STORE_DEFAULT_MAX_ROWS = 10000, STORE_DEFAULT_TIMEOUT_MS = 30000 };

/* The limits a question runs under: max_rows and timeout_ms, or the defaults for 0. */
struct store_limits store_limits_or_default(size_t max_rows, double timeout_ms);

/* Runs one query that the guard approved (q is borrowed): streams at most max_rows rows
 * into out (setting out->truncated when there were more) and interrupts it at the time
 * limit (SQ_E_TIMEOUT). Called by guard_execute. */
int store_select(struct store_conn *c, const struct guarded_query *q,
                 const struct store_limits *lim, struct sq_table *out, struct sq_error *err);

/* DuckDB's own parse of sql as JSON (json_serialize_sql), without binding or running
 * anything. *json is a heap string the caller frees. */
int store_parse_json(struct store_conn *c, const char *sql, char **json, struct sq_error *err);
/* Binds sql (resolves tables, columns, types) without running it. Unknown names fail with
 * SQ_E_UNKNOWN_NAME and DuckDB's message, which lists candidate names. Call only on SQL
 * whose parse tree the guard approved: binding can open files. */
int store_bind(struct store_conn *c, const char *sql, struct sq_error *err);

/* After loading: queries may read files only under dirs (NULL-terminated), external
 * access is off, and the configuration is locked. Irreversible for this process. */
int store_lockdown(struct store *s, const char *const *dirs, struct sq_error *err);

/* Asks the query running on c to stop (any thread may call this). */
void store_interrupt(struct store_conn *c);

#endif
