/*
 * `salesql sql`: runs one SQL query through the guard, with a row cap and a time limit,
 * and prints the result as a table, CSV or JSON.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/table.h"
#include "guard/guard.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: salesql sql [--data DIR] [--db FILE] [--format table|json|csv]\n"
            "                   [--max-rows N] [--timeout MS] SQL\n"
            "\n"
            "Runs one read-only query over the loaded marts (see `salesql schema`). The\n"
            "guard refuses anything else: more than one statement, writes, files, settings,\n"
            "extensions. SQL '-' reads the query from standard input.\n"
            "\n"
            "  --format table|json|csv  output (default table)\n"
            "  --max-rows N             at most N rows (default %d)\n"
            "  --timeout MS             stop the query after MS milliseconds (default %d)\n"
            "  --no-refresh             query the database as it is, without loading changes\n"
            "  --follow-symlinks        the refresh also loads links out of DIR (see ingest)\n"
            "\n"
            "Exit status: 0 ok, 4 rejected by the guard or unknown names, 5 failed or timed\n"
            "out, 6 no data files in DIR (nothing is changed), 1 other errors, 2 bad usage.\n",
            STORE_DEFAULT_MAX_ROWS, STORE_DEFAULT_TIMEOUT_MS);
}

static void print_json(const char *sql, const struct sq_table *t, const struct sq_error *err,
                       double guard_ms, double exec_ms)
{
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "status");
    sq_jw_str(&w, sq_error_status(err ? err->code : SQ_OK));
    sq_jw_key(&w, "sql");
    sq_jw_str(&w, sql);
    if (t)
        sq_table_write_json(t, &w);
    sq_jw_key(&w, "timings_ms");
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "guard");
    sq_jw_double(&w, guard_ms);
    sq_jw_key(&w, "execute");
    sq_jw_double(&w, exec_ms);
    sq_jw_obj_end(&w);
    sq_jw_key(&w, "error");
    if (err) {
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "code");
        sq_jw_str(&w, sq_error_name(err->code));
        sq_jw_key(&w, "message");
        sq_jw_str(&w, err->msg);
        if (err->offset >= 0) {
            sq_jw_key(&w, "offset");
            sq_jw_int(&w, err->offset);
        }
        sq_jw_obj_end(&w);
    } else {
        sq_jw_null(&w);
    }
    sq_jw_obj_end(&w);
    puts(b.data);
    sq_buf_fini(&b);
}

static int parse_positive(const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (*end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

struct sql_options {
    double max_rows;
    double timeout;
    enum cli_refresh refresh;
};

static int own_option(void *ud, const char *name, const char *arg)
{
    struct sql_options *o = ud;
    if (strcmp(name, "max-rows") == 0) {
        if (parse_positive(arg, &o->max_rows) == 0)
            return 0;
        cli_usage_error("sql", "--max-rows wants a positive number, not '%s'", arg);
    } else if (strcmp(name, "timeout") == 0) {
        if (parse_positive(arg, &o->timeout) == 0)
            return 0;
        cli_usage_error("sql", "--timeout wants a positive number of ms, not '%s'", arg);
    } else if (strcmp(name, "no-refresh") == 0) {
        o->refresh = CLI_REFRESH_NONE;
        return 0;
    }
    return -1;
}

int cmd_sql(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 0},
                                         {"max-rows", required_argument, 0, 0},
                                         {"timeout", required_argument, 0, 0},
                                         {"no-refresh", no_argument, 0, 0},
                                         CLI_COMMON_OPTIONS};
    struct cli_common c;
    cli_common_init(&c);
    struct sql_options so = {.max_rows = STORE_DEFAULT_MAX_ROWS,
                             .timeout = STORE_DEFAULT_TIMEOUT_MS,
                             .refresh = CLI_REFRESH_AUTO};
    const char *env_timeout = getenv("SALESQL_TIMEOUT_MS");
    if (env_timeout && parse_positive(env_timeout, &so.timeout) != 0)
        return cli_usage_error("sql", "SALESQL_TIMEOUT_MS must be a positive number");
    int first, status;
    if (cli_parse("sql", argc, argv, opts, &c, own_option, &so, usage, &first, &status))
        return status;
    double max_rows = so.max_rows, timeout = so.timeout;
    enum cli_refresh refresh = so.refresh;
    if (c.format == CLI_FORMAT_TEXT)
        c.format = CLI_FORMAT_TABLE;
    if (first != argc - 1)
        return cli_usage_error("sql", "give exactly one SQL query (quote it)");
    struct sq_buf text;
    sq_buf_init(&text, GUARD_MAX_SQL + 1);
    struct sq_error err;
    sq_error_clear(&err);
    if (strcmp(argv[first], "-") == 0) {
        if (sq_read_file("/dev/stdin", &text, &err) != 0) {
            sq_buf_fini(&text);
            return cli_fail(&err);
        }
    } else {
        sq_buf_puts(&text, argv[first]);
    }
    const char *sql = text.data ? text.data : "";

    struct cli_session s;
    struct guarded_query *q = NULL;
    struct guard_policy policy = {0};
    struct sq_table t;
    sq_table_init(&t);
    int rc = cli_session_open(&c, refresh, &s, &err);
    if (rc) {
        sq_buf_fini(&text);
        return cli_fail(&err);
    }
    if (s.refreshed && s.report.changed)
        cli_print_report(&c, &s.report);
    double t0 = sq_now_ms(), t1 = t0, t2 = t0;
    rc = cli_session_lockdown(&s, &err);
    if (!rc) {
        guard_policy_init(&policy, s.schema);
        rc = guard_check(store_main(s.store), &policy, sql, &q, &err);
        t1 = sq_now_ms();
    }
    if (!rc) {
        struct store_limits lim = {.max_rows = (size_t)max_rows, .timeout_ms = timeout};
        rc = guard_execute(store_main(s.store), q, &lim, &t, &err);
        t2 = sq_now_ms();
    }
    status = sq_exit_status(rc);
    if (c.format == CLI_FORMAT_JSON) {
        print_json(sql, rc ? NULL : &t, rc ? &err : NULL, t1 - t0, t2 - t1);
        if (rc)
            fprintf(stderr, "salesql: %s\n", err.msg);
    } else if (rc) {
        cli_fail(&err);
        if (err.offset >= 0 && err.offset < (int)strlen(sql) && !strchr(sql, '\n'))
            fprintf(stderr, "  %s\n  %*s^\n", sql, err.offset, "");
    } else if (c.format == CLI_FORMAT_CSV) {
        cli_print_csv(stdout, &t);
    } else {
        cli_print_table(stdout, &t);
    }
    guarded_query_free(q);
    guard_policy_fini(&policy);
    sq_table_fini(&t);
    cli_session_close(&s);
    sq_buf_fini(&text);
    return status;
}
