/*
 * DuckDB database handle, connections, configuration and query execution (see
 * store/store.h). The rest of salesql reaches DuckDB only through here; guard/ calls
 * store_parse_json and store_bind to judge SQL, then store_select to run the struct
 * guarded_query (store/guarded.h) it made, and ingest/ calls store_exec/store_query with
 * SQL it builds itself.
 */
#include "store/store.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "store/guarded.h"
#include "store/render.h"

#include <duckdb.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct store_conn {
    struct store *s;
    duckdb_connection con;
    const atomic_int *cancel; /* see store_conn_set_cancel */
    struct store_conn *next;
};

struct store {
    duckdb_database db;
    char *path;
    int read_only;
    pthread_mutex_t mu; /* guards the connection list */
    struct store_conn *conns;
    struct store_conn *main;
};

static int set_config(duckdb_config cfg, const char *name, const char *value, struct sq_error *err)
{
    if (duckdb_set_config(cfg, name, value) != DuckDBSuccess)
        return sq_error_set(err, SQ_E_DB, -1, "cannot set DuckDB option %s=%s", name, value);
    return 0;
}

static int open_error(const char *path, const char *msg, struct sq_error *err)
{
    if (msg && strstr(msg, "Could not set lock"))
        return sq_error_set(err, SQ_E_LOCKED, -1,
                            "the database %s is in use by another process. %s Wait for it to "
                            "finish, or pass --db to use another database file.",
                            path, msg);
    return sq_error_set(err, SQ_E_DB, -1, "cannot open the database %s: %s", path,
                        msg ? msg : "unknown reason");
}

/* The memory this process may use: physical RAM, or a cgroup (v2, then v1) limit below it.
 * 0 when unknown. */
static unsigned long long usable_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    unsigned long long ram =
        pages > 0 && page > 0 ? (unsigned long long)pages * (unsigned long long)page : 0;
    static const char *const limits[] = {"/sys/fs/cgroup/memory.max",
                                         "/sys/fs/cgroup/memory/memory.limit_in_bytes", NULL};
    for (int i = 0; limits[i]; i++) {
        FILE *f = fopen(limits[i], "re");
        if (!f)
            continue;
        char line[SQ_NUM_TEXT_MAX] = ""; /* "max", or a number of bytes */
        if (fgets(line, sizeof line, f)) {
            char *end;
            unsigned long long v = strtoull(line, &end, 10);
            if (end != line && v > 0 && (ram == 0 || v < ram))
                ram = v;
        }
        fclose(f);
    }
    return ram;
}

void store_default_memory_limit(char *out, size_t n)
{
    unsigned long long mem = usable_memory();
    if (mem == 0) {
        snprintf(out, n, "1GiB"); /* cannot tell: a limit that works almost anywhere */
        return;
    }
    unsigned long long mib = mem / 100 * 60 / (1024 * 1024);
    snprintf(out, n, "%lluMiB", mib < 256 ? 256 : mib);
}

int store_open(const struct store_options *o, struct store **out, struct sq_error *err)
{
    duckdb_config cfg = NULL;
    char *open_err = NULL;
    char *tmp = NULL;
    int rc;
    *out = NULL;
    if (duckdb_create_config(&cfg) != DuckDBSuccess)
        return sq_error_set(err, SQ_E_DB, -1, "cannot create a DuckDB configuration");
    /* Off before opening: otherwise a query naming a missing extension tries the network
     * for minutes. parquet, json and icu are built into libduckdb. */
    if ((rc = set_config(cfg, "autoinstall_known_extensions", "false", err)) ||
        (rc = set_config(cfg, "autoload_known_extensions", "false", err)))
        goto out;
    if (o->read_only && (rc = set_config(cfg, "access_mode", "READ_ONLY", err)))
        goto out;
    {
        char def[STORE_MEMORY_LIMIT_TEXT_MAX];
        store_default_memory_limit(def, sizeof def);
        const char *limit = o->memory_limit ? o->memory_limit : def;
        if (set_config(cfg, "memory_limit", limit, NULL) != 0) {
            rc = sq_error_set(err, SQ_E_USAGE, -1,
                              "the memory limit '%s' is not a size DuckDB understands; write "
                              "it like 512MB, 4GB or 75%%",
                              limit);
            goto out;
        }
    }
    if (o->threads > 0) {
        char n[SQ_NUM_TEXT_MAX];
        snprintf(n, sizeof n, "%d", o->threads);
        if ((rc = set_config(cfg, "threads", n, err)))
            goto out;
    }
    if (o->temp_dir || o->path) {
        tmp = o->temp_dir ? xstrdup(o->temp_dir) : xasprintf("%s.tmp", o->path);
        if ((rc = set_config(cfg, "temp_directory", tmp, err)))
            goto out;
    }
    if (o->path && !o->read_only && (rc = sq_mkdir_parent(o->path, err)))
        goto out;

    struct store *s = xcalloc(1, sizeof *s);
    if (duckdb_open_ext(o->path, &s->db, cfg, &open_err) != DuckDBSuccess) {
        rc = open_error(o->path ? o->path : ":memory:", open_err, err);
        free(s);
        goto out;
    }
    s->path = xstrdup(o->path ? o->path : ":memory:");
    s->read_only = o->read_only;
    pthread_mutex_init(&s->mu, NULL);
    s->main = store_conn_open(s, err);
    if (!s->main) {
        rc = err ? err->code : SQ_E_DB;
        store_close(s);
        goto out;
    }
    *out = s;
    rc = 0;
out:
    if (open_err)
        duckdb_free(open_err);
    duckdb_destroy_config(&cfg);
    free(tmp);
    return rc;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    while (s->conns)
        store_conn_close(s->conns);
    duckdb_close(&s->db);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

static long long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int store_rewrite(const struct store_options *o, const atomic_int *cancel, long long *before,
                  long long *after, struct sq_error *err)
{
    *before = *after = size_of(o->path);
    char *wal = xasprintf("%s.wal", o->path);
    struct stat st;
    int pending = stat(wal, &st) == 0;
    free(wal);
    /* A log not yet checkpointed (the file was not closed cleanly): leave it to DuckDB. */
    if (pending)
        return 0;
    char *tmp = xasprintf("%s.rewrite", o->path);
    char *spill = xasprintf("%s.tmp", o->path);
    struct store_options mem = *o;
    mem.path = NULL;
    mem.read_only = 0;
    if (!mem.temp_dir)
        mem.temp_dir = spill;
    struct store *s = NULL;
    unlink(tmp);
    int rc = store_open(&mem, &s, err);
    if (!rc) {
        struct sq_buf sql;
        sq_buf_init(&sql, SQ_BUF_UNLIMITED);
        sq_buf_puts(&sql, "ATTACH ");
        sq_buf_put_literal(&sql, o->path);
        sq_buf_puts(&sql, " AS salesql_src (READ_ONLY); ATTACH ");
        sq_buf_put_literal(&sql, tmp);
        sq_buf_puts(&sql, " AS salesql_dst; COPY FROM DATABASE salesql_src TO salesql_dst; "
                          "DETACH salesql_src; DETACH salesql_dst;");
        store_conn_set_cancel(s->main, cancel);
        rc = store_exec(s->main, sql.data, err);
        sq_buf_fini(&sql);
        if (rc && err && strstr(err->msg, "lock"))
            err->code = rc = SQ_E_LOCKED;
    }
    store_close(s);
    if (!rc && rename(tmp, o->path) != 0)
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot replace %s: %s", o->path, strerror(errno));
    if (rc)
        unlink(tmp);
    else
        *after = size_of(o->path);
    char *tmpwal = xasprintf("%s.wal", tmp);
    unlink(tmpwal);
    free(tmpwal);
    free(tmp);
    free(spill);
    return rc;
}

const char *store_path(const struct store *s)
{
    return s->path;
}

int store_read_only(const struct store *s)
{
    return s->read_only;
}

struct store_conn *store_main(struct store *s)
{
    return s->main;
}

/* Per-connection settings, made before any lockdown: progress is tracked (for
 * store_exec_progress) but never printed by DuckDB itself, and footers of Parquet files
 * read in place are kept between queries (checked against the file's modification time),
 * so a view over many files binds quickly. */
static void configure_conn(struct store_conn *c)
{
    duckdb_result r;
    /* On failure (a locked configuration), progress simply stays unknown. */
    duckdb_query(c->con,
                 "SET enable_progress_bar = true; SET enable_progress_bar_print = false; "
                 "SET parquet_metadata_cache = true",
                 &r);
    duckdb_destroy_result(&r);
}

struct store_conn *store_conn_open(struct store *s, struct sq_error *err)
{
    struct store_conn *c = xcalloc(1, sizeof *c);
    if (duckdb_connect(s->db, &c->con) != DuckDBSuccess) {
        sq_error_set(err, SQ_E_DB, -1, "cannot connect to the database %s", s->path);
        free(c);
        return NULL;
    }
    c->s = s;
    configure_conn(c);
    pthread_mutex_lock(&s->mu);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->mu);
    return c;
}

void store_conn_close(struct store_conn *c)
{
    if (!c)
        return;
    struct store *s = c->s;
    pthread_mutex_lock(&s->mu);
    for (struct store_conn **p = &s->conns; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (s->main == c)
        s->main = NULL;
    duckdb_disconnect(&c->con);
    free(c);
}

/* Maps DuckDB's error class to ours: names the binder cannot resolve are the user's to
 * fix; an interrupt is a timeout or a cancel; the rest is a failed query. */
static int classify(duckdb_error_type t, const char *msg)
{
    switch (t) {
    case DUCKDB_ERROR_BINDER:
    case DUCKDB_ERROR_CATALOG:
        return SQ_E_UNKNOWN_NAME;
    case DUCKDB_ERROR_INTERRUPT:
        return SQ_E_INTERRUPTED;
    default:
        break;
    }
    if (msg && (strncmp(msg, "Binder Error", 12) == 0 || strncmp(msg, "Catalog Error", 13) == 0))
        return SQ_E_UNKNOWN_NAME;
    if (msg && strstr(msg, "Interrupted"))
        return SQ_E_INTERRUPTED;
    return SQ_E_QUERY;
}

static int result_error(duckdb_result *r, int fallback, struct sq_error *err)
{
    const char *msg = duckdb_result_error(r);
    int code = classify(duckdb_result_error_type(r), msg);
    if (code == SQ_E_QUERY)
        code = fallback;
    return sq_error_set(err, code, -1, "%s", msg ? msg : "unknown DuckDB error");
}

/* With --verbose, trusted statements that take long are logged with their time. */
static void log_slow(const char *sql, double t0)
{
    double ms = sq_now_ms() - t0;
    if (ms >= 100 && sq_log_get_level() >= SQ_LOG_DEBUG)
        sq_log_debug("%.0f ms: %.140s%s", ms, sql, strlen(sql) > 140 ? "…" : "");
}

void store_conn_set_cancel(struct store_conn *c, const atomic_int *flag)
{
    c->cancel = flag;
}

/* A thread beside a running statement: reports progress every 250 ms (when fn is set)
 * and interrupts the statement once the connection's cancel flag is set. */
struct watcher {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    duckdb_connection con;
    const atomic_int *cancel;
    store_progress_fn fn;
    void *ud;
    int done;
};

static void *watcher_main(void *arg)
{
    struct watcher *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->done) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += 250000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&w->cv, &w->mu, &t) == ETIMEDOUT && !w->done) {
            /* Repeated while the flag stays set: an interrupt that lands between two
             * statements of a multi-statement string is not lost. */
            if (w->cancel && *w->cancel)
                duckdb_interrupt(w->con);
            if (w->fn) {
                duckdb_query_progress_type p = duckdb_query_progress(w->con);
                double done = p.percentage < 0 ? -1 : p.percentage / 100.0;
                w->fn(w->ud, done, (unsigned long long)p.rows_processed);
            }
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* duckdb_query, watched when there is progress to report or a cancel flag to honour. */
static int run(struct store_conn *c, const char *sql, duckdb_result *r, store_progress_fn fn,
               void *ud, struct sq_error *err)
{
    if (c->cancel && *c->cancel) {
        memset(r, 0, sizeof *r);
        return sq_error_set(err, SQ_E_INTERRUPTED, -1, "interrupted");
    }
    if (!fn && !c->cancel) {
        if (duckdb_query(c->con, sql, r) != DuckDBSuccess)
            return result_error(r, SQ_E_DB, err);
        return 0;
    }
    struct watcher w = {.con = c->con, .cancel = c->cancel, .fn = fn, .ud = ud};
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w.cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&w.mu, NULL);
    int started = pthread_create(&w.thread, NULL, watcher_main, &w) == 0;
    int rc = 0;
    if (duckdb_query(c->con, sql, r) != DuckDBSuccess)
        rc = result_error(r, SQ_E_DB, err);
    if (started) {
        pthread_mutex_lock(&w.mu);
        w.done = 1;
        pthread_cond_signal(&w.cv);
        pthread_mutex_unlock(&w.mu);
        pthread_join(w.thread, NULL);
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    if (rc && c->cancel && *c->cancel)
        rc = sq_error_set(err, SQ_E_INTERRUPTED, -1, "interrupted");
    return rc;
}

int store_exec(struct store_conn *c, const char *sql, struct sq_error *err)
{
    return store_exec_progress(c, sql, NULL, NULL, err);
}

int store_exec_progress(struct store_conn *c, const char *sql, store_progress_fn fn, void *ud,
                        struct sq_error *err)
{
    duckdb_result r;
    double t0 = sq_now_ms();
    int rc = run(c, sql, &r, fn, ud, err);
    duckdb_destroy_result(&r);
    log_slow(sql, t0);
    return rc;
}

/* Appends every row of a materialized or streaming result to out, stopping after max
 * rows (0 = all) and marking the table truncated if more were left. */
static int collect(duckdb_result *r, size_t max, struct sq_table *out, struct sq_error *err)
{
    idx_t ncols = duckdb_column_count(r);
    duckdb_logical_type *types = xcalloc(ncols ? ncols : 1, sizeof *types);
    for (idx_t i = 0; i < ncols; i++) {
        types[i] = duckdb_column_logical_type(r, i);
        char *tname = store__type_name(types[i]);
        sq_table_add_column(out, duckdb_column_name(r, i), tname, store__type_is_numeric(types[i]));
        free(tname);
    }
    struct sq_buf cell;
    sq_buf_init(&cell, 64 * 1024 * 1024);
    int rc = 0;
    for (;;) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(*r);
        if (!chunk) {
            const char *msg = duckdb_result_error(r);
            if (msg)
                rc = result_error(r, SQ_E_QUERY, err);
            break;
        }
        idx_t n = duckdb_data_chunk_get_size(chunk);
        idx_t take = n;
        if (max && out->nrows + take > max) {
            take = max - out->nrows;
            out->truncated = 1;
        }
        for (idx_t row = 0; row < take; row++) {
            size_t ri = sq_table_add_row(out);
            for (idx_t col = 0; col < ncols; col++) {
                duckdb_vector v = duckdb_data_chunk_get_vector(chunk, col);
                sq_buf_reset(&cell);
                enum sq_cell_kind kind = store__render(v, types[col], row, &cell);
                sq_table_set(out, ri, col, kind, cell.data ? cell.data : "", cell.len);
            }
        }
        duckdb_destroy_data_chunk(&chunk);
        if (out->truncated || n == 0)
            break;
    }
    sq_buf_fini(&cell);
    for (idx_t i = 0; i < ncols; i++)
        duckdb_destroy_logical_type(&types[i]);
    free(types);
    return rc;
}

int store_query(struct store_conn *c, const char *sql, struct sq_table *out, struct sq_error *err)
{
    duckdb_result r;
    double t0 = sq_now_ms();
    int rc = run(c, sql, &r, NULL, NULL, err);
    if (!rc)
        rc = collect(&r, 0, out, err);
    duckdb_destroy_result(&r);
    log_slow(sql, t0);
    return rc;
}

int store_query_string(struct store_conn *c, const char *sql, char **out, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    *out = NULL;
    int rc = store_query(c, sql, &t, err);
    if (!rc && t.nrows > 0 && t.ncols > 0 && sq_table_cell(&t, 0, 0)->text)
        *out = xstrdup(sq_table_cell(&t, 0, 0)->text);
    sq_table_fini(&t);
    return rc;
}

int store_query_int(struct store_conn *c, const char *sql, long long *out, struct sq_error *err)
{
    char *s = NULL;
    int rc = store_query_string(c, sql, &s, err);
    *out = s ? strtoll(s, NULL, 10) : 0; /* exact, unlike the cell's double */
    free(s);
    return rc;
}

/* The watchdog: a thread that sleeps until the deadline and then interrupts the
 * connection, unless the query finished first. */
struct watchdog {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    duckdb_connection con;
    struct timespec deadline;
    int done;
    int fired;
};

static void *watchdog_main(void *arg)
{
    struct watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->done) {
        int e = pthread_cond_timedwait(&w->cv, &w->mu, &w->deadline);
        if (e == ETIMEDOUT && !w->done) {
            w->fired = 1;
            duckdb_interrupt(w->con);
            break;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int watchdog_start(struct watchdog *w, duckdb_connection con, double timeout_ms)
{
    memset(w, 0, sizeof *w);
    w->con = con;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&w->mu, NULL);
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    long long ns = (long long)(timeout_ms * 1e6);
    w->deadline.tv_sec += (time_t)(ns / 1000000000LL);
    w->deadline.tv_nsec += (long)(ns % 1000000000LL);
    if (w->deadline.tv_nsec >= 1000000000L) {
        w->deadline.tv_sec++;
        w->deadline.tv_nsec -= 1000000000L;
    }
    return pthread_create(&w->thread, NULL, watchdog_main, w) == 0 ? 0 : SQ_E_INTERNAL;
}

/* Stops the watchdog; returns 1 if it fired. */
static int watchdog_stop(struct watchdog *w)
{
    pthread_mutex_lock(&w->mu);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    return w->fired;
}

int store_select(struct store_conn *c, const struct guarded_query *q,
                 const struct store_limits *lim, struct sq_table *out, struct sq_error *err)
{
    duckdb_prepared_statement stmt = NULL;
    duckdb_pending_result pending = NULL;
    duckdb_result r;
    int have_result = 0;
    int rc = 0;
    struct watchdog wd;
    int watching = 0;

    if (lim && lim->timeout_ms > 0) {
        if (watchdog_start(&wd, c->con, lim->timeout_ms) != 0)
            return sq_error_set(err, SQ_E_INTERNAL, -1, "cannot start the query watchdog");
        watching = 1;
    }
    if (duckdb_prepare(c->con, q->sql, &stmt) != DuckDBSuccess) {
        const char *msg = duckdb_prepare_error(stmt);
        rc = sq_error_set(err, classify(DUCKDB_ERROR_INVALID, msg), -1, "%s",
                          msg ? msg : "cannot prepare the query");
        goto out;
    }
    if (duckdb_pending_prepared_streaming(stmt, &pending) != DuckDBSuccess) {
        const char *msg = duckdb_pending_error(pending);
        rc = sq_error_set(err, classify(DUCKDB_ERROR_INVALID, msg), -1, "%s",
                          msg ? msg : "cannot start the query");
        goto out;
    }
    have_result = 1;
    if (duckdb_execute_pending(pending, &r) != DuckDBSuccess)
        rc = result_error(&r, SQ_E_QUERY, err);
    else
        rc = collect(&r, lim ? lim->max_rows : 0, out, err);
out:
    /* A watchdog that fired after the last row arrived changed nothing: keep the rows. */
    if (watching && watchdog_stop(&wd) && rc == SQ_E_INTERRUPTED)
        rc = sq_error_set(err, SQ_E_TIMEOUT, -1,
                          "the query ran longer than its time limit of %.0f ms and was "
                          "stopped; narrow the question or raise --timeout",
                          lim->timeout_ms);
    if (have_result)
        duckdb_destroy_result(&r);
    if (pending)
        duckdb_destroy_pending(&pending);
    if (stmt)
        duckdb_destroy_prepare(&stmt);
    return rc;
}

int store_parse_json(struct store_conn *c, const char *sql, char **json, struct sq_error *err)
{
    /* Prepared afresh each time: DuckDB 1.4.4 keeps every execution's result collector
     * until a prepared statement is destroyed (measured: +600 bytes per run), which a
     * long-running server cannot afford. */
    duckdb_prepared_statement stmt = NULL;
    duckdb_result r;
    int rc = 0;
    *json = NULL;
    if (duckdb_prepare(c->con, "SELECT json_serialize_sql($1::VARCHAR)", &stmt) != DuckDBSuccess) {
        rc = sq_error_set(err, SQ_E_DB, -1, "cannot prepare the SQL parser: %s",
                          duckdb_prepare_error(stmt));
        duckdb_destroy_prepare(&stmt);
        return rc;
    }
    if (duckdb_bind_varchar(stmt, 1, sql) != DuckDBSuccess) {
        duckdb_destroy_prepare(&stmt);
        return sq_error_set(err, SQ_E_PARSE, -1, "the SQL text is not valid UTF-8");
    }
    if (duckdb_execute_prepared(stmt, &r) != DuckDBSuccess) {
        rc = result_error(&r, SQ_E_PARSE, err);
    } else {
        char *v = duckdb_value_varchar(&r, 0, 0);
        if (v) {
            *json = xstrdup(v);
            duckdb_free(v);
        } else {
            rc = sq_error_set(err, SQ_E_PARSE, -1, "DuckDB returned no parse tree");
        }
    }
    duckdb_destroy_result(&r);
    duckdb_destroy_prepare(&stmt);
    return rc;
}

int store_bind(struct store_conn *c, const char *sql, struct sq_error *err)
{
    duckdb_prepared_statement stmt = NULL;
    int rc = 0;
    if (duckdb_prepare(c->con, sql, &stmt) != DuckDBSuccess) {
        const char *msg = duckdb_prepare_error(stmt);
        rc = sq_error_set(err, classify(DUCKDB_ERROR_INVALID, msg), -1, "%s",
                          msg ? msg : "cannot bind the query");
    }
    duckdb_destroy_prepare(&stmt);
    return rc;
}

int store_lockdown(struct store *s, const char *const *dirs, struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SET allowed_directories = [");
    for (size_t i = 0; dirs && dirs[i]; i++) {
        if (i)
            sq_buf_puts(&sql, ", ");
        sq_buf_put_literal(&sql, dirs[i]);
    }
    /* The order matters: allowed_directories cannot be set once external access is off,
     * and nothing can be set once the configuration is locked. */
    sq_buf_puts(&sql, "]; SET enable_external_access = false; SET lock_configuration = true;");
    int rc = store_exec(s->main, sql.data, err);
    sq_buf_fini(&sql);
    return rc;
}

void store_interrupt(struct store_conn *c)
{
    duckdb_interrupt(c->con);
}

struct store_limits store_limits_or_default(size_t max_rows, double timeout_ms)
{
    return (struct store_limits){.max_rows = max_rows ? max_rows : STORE_DEFAULT_MAX_ROWS,
                                 .timeout_ms =
                                     timeout_ms > 0 ? timeout_ms : STORE_DEFAULT_TIMEOUT_MS};
}
