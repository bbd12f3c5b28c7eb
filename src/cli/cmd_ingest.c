/*
 * `salesql ingest`: brings the database up to date with the data folder and reports
 * what it did. Loading itself is ingest/'s job; this file is flags and output.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "base/error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: salesql ingest [--data DIR] [--db FILE] [--full] [--quiet|--verbose]\n"
               "\n"
               "Loads every CSV, TSV, CSV.GZ and Parquet file under DIR (default ./data) into\n"
               "the database (default .cache/sales.duckdb): only files that are new or whose\n"
               "size or modification time changed; sources whose files are gone are dropped.\n"
               "Each source becomes a view named mart_dyn_<name>.\n"
               "\n"
               "  --data DIR           the data folder (env SALESQL_DATA)\n"
               "  --db FILE            the database file (env SALESQL_DB)\n"
               "  --full               reload every file, changed or not\n"
               "  --memory-limit SIZE  DuckDB's memory limit, e.g. 4GB (env SALESQL_MEMORY_LIMIT)\n"
               "  --threads N          DuckDB worker threads\n"
               "  --quiet, --verbose   less or more on stderr\n"
               "\n"
               "Exit status: 0 when every file loaded, 1 when some failed (their last good\n"
               "version stays loaded; `salesql schema` shows the errors).\n");
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, 0, 0},
                                         {"db", required_argument, 0, 0},
                                         {"full", no_argument, 0, 0},
                                         {"memory-limit", required_argument, 0, 0},
                                         {"threads", required_argument, 0, 0},
                                         {"quiet", no_argument, 0, 0},
                                         {"verbose", no_argument, 0, 0},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct cli_common c;
    cli_common_init(&c);
    int full = 0;
    int idx, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return 0;
        }
        if (ch != 0)
            return cli_usage_error("ingest", "unknown option");
        const char *name = opts[idx].name;
        if (strcmp(name, "full") == 0)
            full = 1;
        else if (cli_common_option(&c, name, optarg) < 0)
            return 2;
    }
    if (optind < argc)
        return cli_usage_error("ingest", "unexpected argument '%s'", argv[optind]);
    struct cli_session s;
    struct sq_error err;
    sq_error_clear(&err);
    if (cli_session_open(&c, full ? CLI_REFRESH_FULL : CLI_REFRESH_FORCE, &s, &err) != 0)
        return cli_fail(&err);
    cli_print_report(&c, &s.report);
    for (size_t i = 0; i < s.report.nfailures; i++)
        fprintf(stderr, "salesql: failed: %s: %s\n", s.report.failures[i].path,
                s.report.failures[i].error);
    int status = s.report.failed ? 1 : 0;
    cli_session_close(&s);
    return status;
}
