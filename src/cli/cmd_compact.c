/*
 * `salesql compact`: refreshes the database, then has ingest/ rewrite every CSV source
 * as zstd Parquet parts beside the database and serve it from them (ingest_compact).
 * This file is flags, Ctrl-C and the summary line.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "base/error.h"
#include "base/mem.h"
#include "ingest/ingest.h"
#include "store/store.h"

#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: salesql compact [--data DIR] [--db FILE] [--memory-limit SIZE]\n"
               "                       [--temp-dir DIR] [--quiet|--verbose]\n"
               "\n"
               "Brings the database up to date, then rewrites every CSV source as zstd Parquet\n"
               "files beside the database (<db folder>/compact/<source>/part-N.parquet, one per\n"
               "data file) and serves it from them, so the database file no longer holds its\n"
               "rows. Answers stay the same; your CSV files are not touched. Later refreshes\n"
               "keep the source compact: a changed file is rewritten as a new part. Ctrl-C\n"
               "keeps the parts written so far; run again to finish.\n"
               "\n"
               "Trade-offs: the Parquet parts take about a tenth of the CSV's size and less than\n"
               "the loaded table; full scans read Parquet instead of DuckDB's own format\n"
               "(measured 1.3 to 3.5 times slower); a changed file costs a Parquet write on\n"
               "top of its load. See docs/internals/ingest.md.\n"
               "\n"
               "  --data DIR           the data folder (env SALESQL_DATA)\n"
               "  --db FILE            the database file (env SALESQL_DB)\n"
               "  --memory-limit SIZE  DuckDB's memory limit (env SALESQL_MEMORY_LIMIT)\n"
               "  --temp-dir DIR       where DuckDB spills (env SALESQL_TEMP_DIR)\n"
               "  --threads N          DuckDB worker threads\n"
               "  --quiet, --verbose   less or more on stderr\n"
               "\n"
               "Exit status: 0 done, 1 failed, 130 interrupted.\n");
}

static int own_option(void *ud, const char *name, const char *arg)
{
    (void)ud;
    if (strcmp(name, "temp-dir") == 0)
        return setenv("SALESQL_TEMP_DIR", arg, 1) == 0 ? 0 : -1;
    return -1;
}

static atomic_int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    atomic_store(&interrupted, 1);
}

static double mb(long long bytes)
{
    return (double)bytes / 1e6;
}

int cmd_compact(int argc, char **argv)
{
    static const struct option opts[] = {{"temp-dir", required_argument, 0, 0}, CLI_COMMON_OPTIONS};
    struct cli_common c;
    cli_common_init(&c);
    int first, status;
    if (cli_parse("compact", argc, argv, opts, &c, own_option, NULL, usage, &first, &status))
        return status;
    if (first < argc)
        return cli_usage_error("compact", "unexpected argument '%s'", argv[first]);
    struct cli_session s;
    struct sq_error err;
    sq_error_clear(&err);
    if (cli_session_open(&c, CLI_REFRESH_FORCE, &s, &err) != 0) {
        status = cli_fail(&err);
        return err.code == SQ_E_INTERRUPTED ? 130 : status;
    }
    if (s.report.changed && !c.quiet)
        cli_print_report(&c, &s.report);
    struct ingest_options io = {.data_dir = c.data_dir,
                                .staging_dir = s.staging_dir,
                                .playbook = s.playbook,
                                .cancel = &interrupted};
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = (int)SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    struct ingest_compact_report rep;
    int rc = ingest_compact(s.store, &io, &rep, &err);
    if (rc) {
        sigaction(SIGINT, &old, NULL);
        status = cli_fail(&err);
        cli_session_close(&s);
        return rc == SQ_E_INTERRUPTED ? 130 : status;
    }
    cli_session_close(&s);
    /* DuckDB reuses the blocks of the dropped tables but keeps the file's size: copy the
     * database into a new file without them, now that nothing holds it open (also when an
     * earlier run was stopped before it got here). Ctrl-C stops the copy and keeps the
     * file as it is. */
    long long before = 0, after = 0;
    const char *tmp = getenv("SALESQL_TEMP_DIR");
    struct store_options so = {.path = c.db_path,
                               .memory_limit = c.memory_limit,
                               .threads = c.threads,
                               .temp_dir = tmp && *tmp ? tmp : NULL};
    if ((rep.files > 0 || rep.free_share > 0.25) &&
        store_rewrite(&so, &interrupted, &before, &after, &err) != 0)
        fprintf(stderr, "salesql: the database file keeps its size for now: %s\n", err.msg);
    sigaction(SIGINT, &old, NULL);
    if (atomic_load(&interrupted))
        return 130;
    if (!c.quiet) {
        fprintf(stderr, "salesql: %zu sources served from Parquet (%zu parts written in %.2f s)",
                rep.sources, rep.files, rep.ms / 1000);
        if (rep.csv_bytes > 0)
            fprintf(stderr, "; %.1f MB of CSV now %.1f MB of Parquet", mb(rep.csv_bytes),
                    mb(rep.parquet_bytes));
        if (before != after)
            fprintf(stderr, "; database file %.1f MB -> %.1f MB", mb(before), mb(after));
        fprintf(stderr, "\n");
    }
    return 0;
}
