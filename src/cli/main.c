/*
 * salesql's entry point: dispatches `salesql COMMAND ...` to the cmd_* functions of the
 * CLI module and prints the top-level help.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", cmd_serve, "serve the web page and the JSON API"},
    {"ask", cmd_ask, "answer a question in plain English"},
    {"ingest", cmd_ingest, "load new and changed files from the data folder"},
    {"schema", cmd_schema, "show the marts, columns, types, roles and sample values"},
    {"sql", cmd_sql, "run one guarded, read-only SQL query"},
    {"eval", cmd_eval, "measure answers against gold SQL"},
    {"demo", cmd_demo, "write a realistic synthetic sales data set"},
    {"compact", cmd_compact, "rewrite CSV sources as zstd Parquet beside the database"},
};

static void usage(FILE *f)
{
    fprintf(f, "salesql: ask questions of sales data in plain English.\n\n"
               "Usage: salesql COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --data DIR (default ./data) and --db FILE (default "
               ".cache/sales.duckdb).\nRun `salesql COMMAND --help` for a command's "
               "options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        printf("salesql 0.1.0\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "salesql: unknown command '%s'\n", name);
    usage(stderr);
    return 2;
}
