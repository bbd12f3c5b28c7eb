/*
 * The salesql command line: one function per subcommand (cmd_*.c), the options they
 * share, and terminal output helpers. main.c dispatches on argv[1].
 *
 * Every cmd_* function takes the arguments after the subcommand name and returns the
 * process exit status of DESIGN.md (0 answered, 1 internal, 2 usage, 3 not understood,
 * 4 rejected, 5 query failed).
 */
#ifndef SQ_CLI_CLI_H
#define SQ_CLI_CLI_H

#include <stdio.h>

struct sq_error;
struct sq_table;

enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_JSON, CLI_FORMAT_CSV, CLI_FORMAT_TEXT };

/* Options most commands share; filled from flags, then the environment, then defaults. */
struct cli_common {
    const char *data_dir;     /* --data, SALESQL_DATA, "./data" */
    const char *db_path;      /* --db, SALESQL_DB, ".cache/sales.duckdb" */
    const char *memory_limit; /* --memory-limit, SALESQL_MEMORY_LIMIT */
    int threads;              /* --threads */
    enum cli_format format;
    int quiet;
    int verbose;
};

int cmd_ingest(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* Fills defaults from the environment. */
void cli_common_init(struct cli_common *c);
/* Handles one shared long option (by name, with its argument); returns 1 if it was one of
 * the shared options, 0 if not, -1 if its value is invalid (message printed). */
int cli_common_option(struct cli_common *c, const char *name, const char *arg);
/* Prints "salesql: <message>" and, where it helps, the fix; returns the exit status. */
int cli_fail(const struct sq_error *err);
/* Prints a usage error and the hint to run --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes a result table as an aligned text table, CSV or JSON to f. */
void cli_print_table(FILE *f, const struct sq_table *t);
void cli_print_csv(FILE *f, const struct sq_table *t);

#endif
