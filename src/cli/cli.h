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
    int follow_symlinks;      /* --follow-symlinks, SALESQL_FOLLOW_SYMLINKS=1 */
    enum cli_format format;
    int quiet;
    int verbose;
    size_t progress_index; /* the file being loaded, for progress lines */
    size_t progress_total;
};

int cmd_ask(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_compact(int argc, char **argv);

/* The long options every data command takes; end a command's option table with them. */
#define CLI_COMMON_OPTIONS                                                                         \
    {"data", required_argument, 0, 0}, {"db", required_argument, 0, 0},                            \
        {"follow-symlinks", no_argument, 0, 0}, {"memory-limit", required_argument, 0, 0},         \
        {"threads", required_argument, 0, 0}, {"quiet", no_argument, 0, 0},                        \
        {"verbose", no_argument, 0, 0}, {"help", no_argument, 0, 'h'},                             \
    {                                                                                              \
        0, 0, 0, 0                                                                                 \
    }

struct option;
/* A command's own option: 0 when handled, -1 when its value is bad (message printed). */
typedef int (*cli_option_fn)(void *ud, const char *name, const char *arg);

/* Parses argv with getopt_long: --help prints usage and ends the command (status 0); a
 * missing value or an unknown option prints why and ends it (status 2); shared options
 * fill c; the rest go to own. Returns 0 to go on, with the positional arguments at
 * argv[*first..argc), or 1 to return *status at once. */
int cli_parse(const char *cmd, int argc, char **argv, const struct option *opts,
              struct cli_common *c, cli_option_fn own, void *ud, void (*usage)(FILE *), int *first,
              int *status);

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
/* The same with fractions rounded for reading (2 decimals, thousands separators). */
void cli_print_table_readable(FILE *f, const struct sq_table *t);
void cli_print_csv(FILE *f, const struct sq_table *t);

#endif
