/*
 * What the subcommands share: option defaults from the environment, opening the
 * database with an automatic refresh (which Ctrl-C stops between two files), the
 * progress display on stderr, and error reporting with exit statuses.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "base/error.h"
#include "base/limits.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "ingest/ingest.h"
#include "schema/playbook.h"
#include "schema/schema.h"
#include "store/store.h"

#include <getopt.h>
#include <signal.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_common_init(struct cli_common *c)
{
    memset(c, 0, sizeof *c);
    const char *v;
    c->data_dir = (v = getenv("SALESQL_DATA")) && *v ? v : "./data";
    c->db_path = (v = getenv("SALESQL_DB")) && *v ? v : ".cache/sales.duckdb";
    c->memory_limit = (v = getenv("SALESQL_MEMORY_LIMIT")) && *v ? v : NULL;
    c->follow_symlinks = (v = getenv("SALESQL_FOLLOW_SYMLINKS")) && strcmp(v, "1") == 0;
    c->format = CLI_FORMAT_TABLE;
}

int cli_common_option(struct cli_common *c, const char *name, const char *arg)
{
    if (strcmp(name, "data") == 0) {
        c->data_dir = arg;
    } else if (strcmp(name, "db") == 0) {
        c->db_path = arg;
    } else if (strcmp(name, "follow-symlinks") == 0) {
        c->follow_symlinks = 1;
    } else if (strcmp(name, "memory-limit") == 0) {
        c->memory_limit = arg;
    } else if (strcmp(name, "threads") == 0) {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*end || n < 1 || n > 1024) {
            fprintf(stderr, "salesql: --threads wants a number from 1 to 1024, not '%s'\n", arg);
            return -1;
        }
        c->threads = (int)n;
    } else if (strcmp(name, "quiet") == 0) {
        c->quiet = 1;
        sq_log_set_level(SQ_LOG_WARN);
    } else if (strcmp(name, "verbose") == 0) {
        c->verbose = 1;
        sq_log_set_level(SQ_LOG_DEBUG);
    } else if (strcmp(name, "format") == 0) {
        if (strcmp(arg, "table") == 0)
            c->format = CLI_FORMAT_TABLE;
        else if (strcmp(arg, "json") == 0)
            c->format = CLI_FORMAT_JSON;
        else if (strcmp(arg, "csv") == 0)
            c->format = CLI_FORMAT_CSV;
        else if (strcmp(arg, "text") == 0)
            c->format = CLI_FORMAT_TEXT;
        else {
            fprintf(stderr, "salesql: --format wants table, json, csv or text, not '%s'\n", arg);
            return -1;
        }
    } else {
        return 0;
    }
    return 1;
}

int cli_parse(const char *cmd, int argc, char **argv, const struct option *opts,
              struct cli_common *c, cli_option_fn own, void *ud, void (*usage)(FILE *), int *first,
              int *status)
{
    int idx, ch;
    optind = 1;
    opterr = 0; /* our own messages, below */
    while ((ch = getopt_long(argc, argv, ":h", opts, &idx)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            *status = 0;
            return 1;
        }
        if (ch == ':') {
            *status = cli_usage_error(cmd, "%s needs a value", argv[optind - 1]);
            return 1;
        }
        if (ch != 0) {
            *status = cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            return 1;
        }
        const char *name = opts[idx].name;
        int r = c ? cli_common_option(c, name, optarg) : 0;
        if (r == 0)
            r = own ? (own(ud, name, optarg) == 0 ? 1 : -1) : -1;
        if (r < 0) {
            *status = 2;
            return 1;
        }
    }
    *first = optind;
    return 0;
}

int cli_fail(const struct sq_error *err)
{
    fprintf(stderr, "salesql: %s\n", err->msg[0] ? err->msg : sq_strerror(err->code));
    return sq_exit_status(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "salesql %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun `salesql %s --help` for its options.\n", cmd);
    return 2;
}

static void human_bytes(char *out, size_t n, long long bytes)
{
    const char *units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(out, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* Progress on stderr: a live line per file on a terminal, nothing but failures
 * otherwise (logs and CI output stay readable). */
static void on_progress(void *ud, const struct ingest_event *ev)
{
    struct cli_common *c = ud;
    int tty = isatty(2) && !c->quiet;
    char size[sizeof " TB" + SQ_NUM_TEXT_MAX];
    switch (ev->kind) {
    case INGEST_SCANNED:
        if (c->verbose)
            fprintf(stderr, "salesql: %zu data files, %zu changed\n", ev->total, ev->index);
        break;
    case INGEST_FILE_START:
        c->progress_index = ev->index;
        c->progress_total = ev->total;
        human_bytes(size, sizeof size, ev->bytes);
        if (tty)
            fprintf(stderr, "\r\033[K[%zu/%zu] loading %s (%s)…", ev->index, ev->total, ev->path,
                    size);
        break;
    case INGEST_FILE_PROGRESS:
        /* DuckDB's row counter sums over pipelines, so the share of the file is the
         * honest figure; it is unknown (-1) outside the scan. */
        if (tty && ev->ms > 1000 && ev->bytes > 0) {
            fprintf(stderr, "\r\033[K[%zu/%zu] loading %s: %.0f%% in %.0f s, %.1f MB/s",
                    c->progress_index, c->progress_total, ev->path,
                    100.0 * (double)ev->bytes / (double)(ev->total ? ev->total : 1), ev->ms / 1000,
                    (double)ev->bytes / 1e3 / ev->ms);
            fflush(stderr);
        }
        break;
    case INGEST_FILE_DONE:
        human_bytes(size, sizeof size, ev->bytes);
        if (tty || c->verbose)
            fprintf(stderr, "%s[%zu/%zu] %s: %lld rows, %s in %.2f s (%.1f MB/s) → mart_dyn_%s\n",
                    tty ? "\r\033[K" : "", ev->index, ev->total, ev->path, ev->rows, size,
                    ev->ms / 1000, ev->ms > 0 ? (double)ev->bytes / 1e3 / ev->ms : 0.0, ev->source);
        break;
    case INGEST_FILE_FAILED:
        fprintf(stderr, "%ssalesql: cannot load %s: %s\n", tty ? "\r\033[K" : "", ev->path,
                ev->error);
        break;
    case INGEST_SOURCE_DROPPED:
        if (!c->quiet)
            fprintf(stderr, "salesql: dropped mart_dyn_%s (its files are gone)\n", ev->source);
        break;
    case INGEST_PROFILING:
        if (tty)
            fprintf(stderr, "\r\033[Kprofiling mart_dyn_%s…", ev->source);
        break;
    }
    if (tty && ev->kind == INGEST_PROFILING)
        fflush(stderr);
}

void cli_print_report(const struct cli_common *c, const struct ingest_report *rep)
{
    if (isatty(2) && !c->quiet)
        fprintf(stderr, "\r\033[K");
    if (c->quiet)
        return;
    fprintf(stderr,
            "salesql: %zu files, %zu changed, %zu loaded, %zu failed, %zu dropped; %zu marts; "
            "%lld rows loaded in %.*f s\n",
            rep->files, rep->changed, rep->loaded, rep->failed, rep->dropped, rep->sources,
            rep->rows, rep->ms < 1000 ? 3 : 2, rep->ms / 1000);
}

/* Opens the database with the memory limit, threads and spill folder asked for
 * (--temp-dir of ingest and compact, or SALESQL_TEMP_DIR); --verbose shows what DuckDB
 * was given, read back from DuckDB itself. */
static int open_store(const struct cli_common *c, int read_only, struct store **out,
                      struct sq_error *err)
{
    const char *tmp = getenv("SALESQL_TEMP_DIR");
    struct store_options so = {.path = c->db_path,
                               .read_only = read_only,
                               .memory_limit = c->memory_limit,
                               .threads = c->threads,
                               .temp_dir = tmp && *tmp ? tmp : NULL};
    int rc = store_open(&so, out, err);
    if (!rc && c->verbose) {
        char *v = NULL;
        if (store_query_string(store_main(*out),
                               "SELECT 'memory_limit ' || current_setting('memory_limit') || "
                               "', threads ' || current_setting('threads') || ', temp_directory "
                               "' || current_setting('temp_directory')",
                               &v, NULL) == 0 &&
            v)
            fprintf(stderr, "salesql: DuckDB %s%s\n", v, read_only ? " (read-only)" : "");
        free(v);
    }
    return rc;
}

/* Ctrl-C during a refresh: the first asks the refresh to stop at the next file boundary
 * (the handler restores the default, so a second one ends the process at once). */
static atomic_int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    atomic_store(&interrupted, 1);
}

int cli_parse_batch_mb(const char *s, long long *mb)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < 0 || v > 1000LL * 1000 * 1000)
        return -1;
    *mb = v;
    return 0;
}

/* Every command says whether links out of the data folder are followed: a command run
 * without --follow-symlinks drops what an earlier one loaded through them. */
static enum ingest_symlinks symlinks(const struct cli_common *c)
{
    return c->follow_symlinks ? INGEST_SYMLINKS_FOLLOW : INGEST_SYMLINKS_SKIP;
}

static int run_refresh(struct cli_common *c, struct cli_session *s, int full, struct sq_error *err)
{
    struct ingest_options io = {.data_dir = c->data_dir,
                                .staging_dir = s->staging_dir,
                                .playbook = s->playbook,
                                .full = full,
                                .symlinks = symlinks(c),
                                .cancel = &interrupted,
                                .progress = on_progress,
                                .ud = c};
    const char *mode = getenv("SALESQL_PARQUET");
    if (mode && *mode && ingest_parse_parquet_mode(mode, &io.parquet) != 0)
        return sq_error_set(err, SQ_E_USAGE, -1,
                            "SALESQL_PARQUET wants view, load or auto, not '%s'", mode);
    const char *batch = getenv("SALESQL_BATCH_MB");
    long long mb = 0;
    if (batch && *batch && cli_parse_batch_mb(batch, &mb) != 0)
        return sq_error_set(err, SQ_E_USAGE, -1,
                            "SALESQL_BATCH_MB wants a number of MB (0 or more), not '%s'", batch);
    if (batch && *batch)
        io.batch_bytes = mb == 0 ? -1 : mb * 1000 * 1000;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = (int)SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    atomic_store(&interrupted, 0);
    sigaction(SIGINT, &sa, &old);
    int rc = ingest_refresh(s->store, &io, &s->report, err);
    sigaction(SIGINT, &old, NULL);
    if (isatty(2) && !c->quiet && rc == SQ_E_INTERRUPTED)
        fprintf(stderr, "\r\033[K");
    return rc;
}

int cli_session_open(struct cli_common *c, enum cli_refresh refresh, struct cli_session *s,
                     struct sq_error *err)
{
    memset(s, 0, sizeof *s);
    double t0 = sq_now_ms();
    int rc = cli_load_playbook(c->data_dir, &s->playbook, err);
    if (rc)
        return rc;
    char *staging = NULL;
    {
        const char *slash = strrchr(c->db_path, '/');
        char *dir = slash ? xstrndup(c->db_path, (size_t)(slash - c->db_path)) : xstrdup(".");
        staging = sq_path_join(dir, "staging");
        free(dir);
    }
    s->staging_dir = staging;
    s->data_dir_abs = sq_abspath(c->data_dir);
    /* A missing or empty folder says so (exit status 6) and changes nothing: a first run
     * creates no database (one made of nothing would only hide the mistake), a later one
     * keeps what the database holds (the refresh would drop every mart). */
    if (refresh != CLI_REFRESH_NONE) {
        size_t nfiles = 0;
        int have_db = sq_is_file(c->db_path);
        if ((rc = ingest_count_files(c->data_dir, symlinks(c), &nfiles, err)) != 0)
            goto fail;
        if (nfiles == 0) {
            rc = sq_error_set(err, SQ_E_NO_DATA, -1,
                              "the data folder %s holds no CSV or Parquet files%s; put your "
                              "sales files in it (or pass --data DIR). %s",
                              c->data_dir, have_db ? "" : " yet",
                              have_db ? "Nothing was changed" : "Nothing was created");
            goto fail;
        }
    }
    if (refresh == CLI_REFRESH_AUTO && sq_is_file(c->db_path)) {
        /* Readers share the file: open read-only and stay so when nothing changed. */
        size_t pending = 1;
        struct sq_error e2;
        sq_error_clear(&e2);
        if (open_store(c, 1, &s->store, &e2) == 0) {
            if (ingest_pending(s->store, c->data_dir, symlinks(c), &pending, &e2) != 0 ||
                pending > 0) {
                store_close(s->store);
                s->store = NULL;
            }
        }
    }
    if (!s->store && refresh == CLI_REFRESH_NONE && sq_is_file(c->db_path))
        rc = open_store(c, 1, &s->store, err);
    if (rc)
        goto fail;
    if (!s->store) {
        rc = open_store(c, 0, &s->store, err);
        if (rc == SQ_E_LOCKED && refresh == CLI_REFRESH_AUTO &&
            open_store(c, 1, &s->store, NULL) == 0) {
            sq_log_warn("another process is writing %s; answering from the data as last loaded",
                        c->db_path);
            rc = 0;
        } else if (rc) {
            goto fail;
        } else if (refresh != CLI_REFRESH_NONE) {
            rc = run_refresh(c, s, refresh == CLI_REFRESH_FULL, err);
            if (rc)
                goto fail;
            s->refreshed = 1;
        }
    }
    double t1 = sq_now_ms();
    /* `ingest` reports and exits; only the other commands need the snapshot. */
    if (refresh != CLI_REFRESH_FORCE && refresh != CLI_REFRESH_FULL &&
        (rc = schema_load(store_main(s->store), &s->schema, err)))
        goto fail;
    sq_log_debug("opened and refreshed in %.1f ms, schema snapshot in %.1f ms", t1 - t0,
                 sq_now_ms() - t1);
    return 0;
fail:
    cli_session_close(s);
    return rc;
}

int cli_session_lockdown(struct cli_session *s, struct sq_error *err)
{
    /* Sources read in place are views over files in the data folder; compacted ones over
     * Parquet parts beside the database: queries must still reach both. */
    char *compact = ingest_compact_dir(store_path(s->store));
    char *compact_abs = sq_abspath(compact);
    const char *dirs[] = {s->data_dir_abs, s->staging_dir, compact_abs, NULL};
    int rc = store_lockdown(s->store, dirs, err);
    free(compact_abs);
    free(compact);
    return rc;
}

void cli_session_close(struct cli_session *s)
{
    schema_free(s->schema);
    store_close(s->store);
    playbook_free(s->playbook);
    ingest_report_fini(&s->report);
    free(s->staging_dir);
    free(s->data_dir_abs);
    memset(s, 0, sizeof *s);
}

int cli_load_playbook(const char *data_dir, struct playbook **out, struct sq_error *err)
{
    char *path = sq_path_join(data_dir, "playbook.yaml");
    int rc = playbook_load(path, out, err);
    free(path);
    return rc;
}
