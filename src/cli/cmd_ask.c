/*
 * `salesql ask`: one question, answered in fast mode (deep mode arrives with the LLM
 * issue), printed as the interpretation, the SQL, the table and insights — or as the
 * answer object of DESIGN.md with --format json. --session keeps the last question's
 * frame in a file beside the database so that a follow-up can edit it.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "answer/answer.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: salesql ask [--data DIR] [--db FILE] [--mode auto|fast|deep]\n"
               "                   [--format table|json|csv] [--session ID] QUESTION\n"
               "\n"
               "Answers a question about the loaded data in plain English, e.g.\n"
               "  salesql ask \"top 5 regions by sales in Q3 2016\"\n"
               "  salesql ask --session s1 \"sales by category in 2016\"\n"
               "  salesql ask --session s1 \"now by quarter\"\n"
               "\n"
               "Fast mode (the default) understands totals, breakdowns, top/bottom N, trends,\n"
               "comparisons, shares, counts and filters over the marts of `salesql schema`;\n"
               "what it does not fully understand it declines, naming the words it could not\n"
               "place, and suggests questions it can answer.\n"
               "\n"
               "  --mode auto|fast|deep  auto: fast, then a model if one is configured\n"
               "  --format table|json|csv  table (default), the answer object, or the rows\n"
               "  --session ID           remember this question; later ones may follow up\n"
               "  --max-rows N           at most N rows (default 10000)\n"
               "  --timeout MS           stop the query after MS milliseconds (default 30000)\n"
               "  --no-refresh           do not load changed files first\n"
               "\n"
               "Exit status: 0 answered, 3 not understood, 4 rejected, 5 query failed or timed\n"
               "out, 1 other errors, 2 bad usage.\n");
}

struct ask_options {
    const char *mode;
    const char *session;
    double max_rows;
    double timeout;
    enum cli_refresh refresh;
};

static int own_option(void *ud, const char *name, const char *arg)
{
    struct ask_options *o = ud;
    char *end;
    if (strcmp(name, "mode") == 0) {
        if (strcmp(arg, "auto") && strcmp(arg, "fast") && strcmp(arg, "deep")) {
            cli_usage_error("ask", "--mode wants auto, fast or deep, not '%s'", arg);
            return -1;
        }
        o->mode = arg;
    } else if (strcmp(name, "session") == 0) {
        size_t n = strlen(arg);
        if (n == 0 || n > 64 ||
            strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != n) {
            cli_usage_error("ask", "--session wants up to 64 letters, digits, '-' or '_'");
            return -1;
        }
        o->session = arg;
    } else if (strcmp(name, "max-rows") == 0 || strcmp(name, "timeout") == 0) {
        double v = strtod(arg, &end);
        if (*end || v <= 0) {
            cli_usage_error("ask", "--%s wants a positive number, not '%s'", name, arg);
            return -1;
        }
        *(strcmp(name, "max-rows") == 0 ? &o->max_rows : &o->timeout) = v;
    } else if (strcmp(name, "no-refresh") == 0) {
        o->refresh = CLI_REFRESH_NONE;
    } else {
        return -1;
    }
    return 0;
}

static char *session_path(const struct cli_common *c, const char *id)
{
    const char *slash = strrchr(c->db_path, '/');
    char *dir = slash ? xstrndup(c->db_path, (size_t)(slash - c->db_path)) : xstrdup(".");
    char *path = xasprintf("%s/sessions/%s.json", dir, id);
    free(dir);
    return path;
}

static void print_answer(FILE *f, const struct answer *a, enum cli_format format)
{
    if (format == CLI_FORMAT_CSV) {
        cli_print_csv(f, &a->table);
        return;
    }
    fprintf(f, "%s\n\n", a->interpretation ? a->interpretation : "");
    fprintf(f, "  %s\n\n", a->sql ? a->sql : "");
    cli_print_table_readable(f, &a->table);
    if (a->ninsights)
        fputc('\n', f);
    for (size_t i = 0; i < a->ninsights; i++)
        fprintf(f, "• %s\n", a->insights[i]);
}

static void print_declined(const struct answer *a)
{
    fprintf(stderr, "salesql: not understood: %s\n", a->error.msg);
    for (size_t i = 0; i < a->nunplaced; i++)
        fprintf(stderr, "  could not place \"%s\" (at character %d)\n", a->unplaced[i],
                a->unplaced_offsets[i] + 1);
    if (a->understood && *a->understood)
        fprintf(stderr, "  understood: %s\n", a->understood);
    for (size_t i = 0; i < a->nsuggestions; i++)
        fprintf(stderr, "%s \"%s\"\n", i ? "       " : "  try:", a->suggestions[i]);
}

int cmd_ask(int argc, char **argv)
{
    static const struct option opts[] = {{"mode", required_argument, 0, 0},
                                         {"format", required_argument, 0, 0},
                                         {"session", required_argument, 0, 0},
                                         {"max-rows", required_argument, 0, 0},
                                         {"timeout", required_argument, 0, 0},
                                         {"no-refresh", no_argument, 0, 0},
                                         CLI_COMMON_OPTIONS};
    struct cli_common c;
    cli_common_init(&c);
    struct ask_options ao = {
        .mode = "auto", .max_rows = 10000, .timeout = 30000, .refresh = CLI_REFRESH_AUTO};
    const char *env_timeout = getenv("SALESQL_TIMEOUT_MS");
    if (env_timeout)
        ao.timeout = strtod(env_timeout, NULL) > 0 ? strtod(env_timeout, NULL) : ao.timeout;
    int first, status;
    if (cli_parse("ask", argc, argv, opts, &c, own_option, &ao, usage, &first, &status))
        return status;
    if (c.format == CLI_FORMAT_TEXT)
        c.format = CLI_FORMAT_TABLE;
    if (first != argc - 1)
        return cli_usage_error("ask", "give exactly one question (quote it)");
    const char *question = argv[first];

    struct cli_session s;
    struct sq_error err;
    sq_error_clear(&err);
    if (cli_session_open(&c, ao.refresh, &s, &err) != 0)
        return cli_fail(&err);
    if (s.refreshed && s.report.changed)
        cli_print_report(&c, &s.report);
    if (cli_session_lockdown(&s, &err) != 0) {
        cli_session_close(&s);
        return cli_fail(&err);
    }
    struct answerer *ans = answerer_new(store_main(s.store), s.schema, s.playbook);
    struct nl_frame prev;
    int have_prev = 0;
    char *spath = ao.session ? session_path(&c, ao.session) : NULL;
    if (spath && sq_is_file(spath)) {
        struct sq_buf b;
        sq_buf_init(&b, 1024 * 1024);
        struct sq_error e2;
        if (sq_read_file(spath, &b, &e2) == 0 &&
            answer_frame_from_json(b.data ? b.data : "", s.schema, &prev) == 0)
            have_prev = 1;
        sq_buf_fini(&b);
    }
    struct answer_options o = {.mode = ao.mode,
                               .max_rows = (size_t)ao.max_rows,
                               .timeout_ms = ao.timeout,
                               .previous = have_prev ? &prev : NULL};
    struct answer a;
    int rc = answer_ask(ans, question, &o, &a);
    if (c.format == CLI_FORMAT_JSON) {
        struct sq_buf b;
        struct sq_jw w;
        sq_buf_init(&b, SQ_BUF_UNLIMITED);
        sq_jw_init(&w, &b, 0);
        answer_write_json(&a, &w);
        puts(b.data);
        sq_buf_fini(&b);
    } else if (rc == 0) {
        print_answer(stdout, &a, c.format);
    }
    if (rc == SQ_E_UNSUPPORTED && strcmp(a.status, "unsupported") == 0)
        print_declined(&a);
    else if (rc != 0)
        fprintf(stderr, "salesql: %s\n", a.error.msg);
    if (rc == 0 && spath && a.has_frame) {
        char *json = answer_frame_to_json(&a.frame);
        struct sq_error e2;
        if (sq_mkdir_parent(spath, &e2) != 0 || sq_write_file(spath, json, strlen(json), &e2) != 0)
            fprintf(stderr, "salesql: warning: cannot keep the session: %s\n", e2.msg);
        free(json);
    }
    status = sq_exit_status(rc);
    answer_fini(&a);
    answerer_free(ans);
    free(spath);
    cli_session_close(&s);
    return status;
}
