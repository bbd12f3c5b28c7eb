/*
 * `salesql ingest`: brings the database up to date with the data folder and reports
 * what it did. Loading itself is ingest/'s job; this file is flags and output.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "base/error.h"
#include "ingest/ingest.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: salesql ingest [--data DIR] [--db FILE] [--full] [--parquet MODE]\n"
               "                      [--follow-symlinks] [--memory-limit SIZE] [--temp-dir DIR]\n"
               "                      [--batch-mb N] [--quiet|--verbose]\n"
               "\n"
               "Loads every CSV, TSV, CSV.GZ and Parquet file under DIR (default ./data) into\n"
               "the database (default .cache/sales.duckdb): only files that are new or whose\n"
               "size or modification time changed; sources whose files are gone are dropped.\n"
               "Each source becomes a view named mart_dyn_<name>. Folders such as\n"
               "sales/year=2024/month=07/ (hive partitions) make one source with year and month\n"
               "columns. Files of a folder that read alike load together, in batches of up to\n"
               "1 GiB (one statement and one transaction each). Ctrl-C stops at the next file\n"
               "or batch boundary, losing only what was in flight; run again to load the rest.\n"
               "\n"
               "  --data DIR           the data folder (env SALESQL_DATA)\n"
               "  --db FILE            the database file (env SALESQL_DB)\n"
               "  --full               reload every file, changed or not\n"
               "  --follow-symlinks    also load symbolic links to files and folders outside\n"
               "                       DIR (env SALESQL_FOLLOW_SYMLINKS=1); without it they are\n"
               "                       skipped with a warning, and what was loaded through them\n"
               "                       is dropped. Every command that refreshes takes it\n"
               "  --parquet MODE       sources made only of Parquet files: load (copy into the\n"
               "                       database; fastest queries), view (read in place; no copy,\n"
               "                       full scans 1.3-3.5x slower) or auto (load under 1 GB,\n"
               "                       view above); remembered for later runs (env\n"
               "                       SALESQL_PARQUET; default the last mode given, else auto)\n"
               "  --memory-limit SIZE  DuckDB's memory limit, e.g. 4GB (env SALESQL_MEMORY_LIMIT;\n"
               "                       default 60%% of RAM); beyond it DuckDB spills to disk\n"
               "  --temp-dir DIR       where DuckDB spills (env SALESQL_TEMP_DIR; default\n"
               "                       <db>.tmp)\n"
               "  --batch-mb N         load files of a folder together up to N MB per batch\n"
               "                       (env SALESQL_BATCH_MB; default 1074, 1 GiB); 0: one file\n"
               "                       at a time, each in its own transaction\n"
               "  --threads N          DuckDB worker threads\n"
               "  --quiet, --verbose   less or more on stderr\n"
               "\n"
               "Exit status: 0 when every file loaded, 1 when some failed (their last good\n"
               "version stays loaded; `salesql schema` shows the errors), 6 when DIR is\n"
               "missing or holds no data files (nothing is created or dropped), 130 when\n"
               "interrupted.\n");
}

static int own_option(void *ud, const char *name, const char *arg)
{
    int *full = ud;
    if (strcmp(name, "full") == 0) {
        *full = 1;
        return 0;
    }
    /* The refresh reads these from the environment (cli/common.c), where every command
     * that refreshes finds them too; a flag overrides the variable for this run. */
    if (strcmp(name, "parquet") == 0) {
        enum ingest_parquet_mode mode;
        if (ingest_parse_parquet_mode(arg, &mode) != 0) {
            fprintf(stderr, "salesql ingest: --parquet wants view, load or auto, not '%s'\n", arg);
            return -1;
        }
        return setenv("SALESQL_PARQUET", arg, 1) == 0 ? 0 : -1;
    }
    if (strcmp(name, "temp-dir") == 0)
        return setenv("SALESQL_TEMP_DIR", arg, 1) == 0 ? 0 : -1;
    if (strcmp(name, "batch-mb") == 0) {
        long long mb;
        if (cli_parse_batch_mb(arg, &mb) != 0) {
            fprintf(stderr,
                    "salesql ingest: --batch-mb wants a number of MB (0 or more), not '%s'\n", arg);
            return -1;
        }
        return setenv("SALESQL_BATCH_MB", arg, 1) == 0 ? 0 : -1;
    }
    return -1;
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {{"full", no_argument, 0, 0},
                                         {"parquet", required_argument, 0, 0},
                                         {"temp-dir", required_argument, 0, 0},
                                         {"batch-mb", required_argument, 0, 0},
                                         CLI_COMMON_OPTIONS};
    struct cli_common c;
    cli_common_init(&c);
    int full = 0, first, status;
    if (cli_parse("ingest", argc, argv, opts, &c, own_option, &full, usage, &first, &status))
        return status;
    if (first < argc)
        return cli_usage_error("ingest", "unexpected argument '%s'", argv[first]);
    struct cli_session s;
    struct sq_error err;
    sq_error_clear(&err);
    if (cli_session_open(&c, full ? CLI_REFRESH_FULL : CLI_REFRESH_FORCE, &s, &err) != 0) {
        int st = cli_fail(&err);
        return err.code == SQ_E_INTERRUPTED ? 130 : st;
    }
    cli_print_report(&c, &s.report);
    for (size_t i = 0; i < s.report.nfailures; i++)
        fprintf(stderr, "salesql: failed: %s: %s\n", s.report.failures[i].path,
                s.report.failures[i].error);
    for (size_t i = 0; i < s.report.nskipped && !c.quiet; i++)
        fprintf(stderr, "salesql: skipped %s: %s\n", s.report.skipped[i].path,
                s.report.skipped[i].reason);
    status = s.report.failed ? 1 : 0;
    cli_session_close(&s);
    return status;
}
