/*
 * `salesql eval FILE.jsonl`: accuracy of the answers against gold SQL. Each line is
 * {"question": ..., "gold_sql": ...} or {"question": ..., "expect": "decline"}; every
 * question is answered as `ask` would, the gold SQL runs through the guard, and the
 * tables are compared (answer/compare.h). Reports correct / wrong / declined, latency,
 * and each failure.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "answer/answer.h"
#include "answer/compare.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "guard/guard.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: salesql eval [--data DIR] [--db FILE] [--format text|json]\n"
               "                    [--min-correct F] [--max-wrong F] FILE.jsonl\n"
               "\n"
               "Measures how well `salesql ask` answers the questions of FILE.jsonl, one JSON\n"
               "object per line: {\"question\": \"...\", \"gold_sql\": \"SELECT ...\"}, or\n"
               "{\"question\": \"...\", \"expect\": \"decline\"} for one that must be declined.\n"
               "An answer is correct when its table holds the gold table (column order free,\n"
               "row order only when the gold query sorts, numbers within 1e-6 relative).\n"
               "\n"
               "  --min-correct F   exit 1 unless at least this share (0-1) is correct\n"
               "  --max-wrong F     exit 1 if more than this share is answered wrongly\n"
               "  --verbose         print every question, not only the failures\n");
}

struct eval_options {
    double min_correct;
    double max_wrong;
};

static int own_option(void *ud, const char *name, const char *arg)
{
    struct eval_options *o = ud;
    char *end;
    double v = strtod(arg, &end);
    if (*end || v < 0 || v > 1) {
        cli_usage_error("eval", "--%s wants a share from 0 to 1, not '%s'", name, arg);
        return -1;
    }
    if (strcmp(name, "min-correct") == 0)
        o->min_correct = v;
    else if (strcmp(name, "max-wrong") == 0)
        o->max_wrong = v;
    else
        return -1;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 0},
                                         {"min-correct", required_argument, 0, 0},
                                         {"max-wrong", required_argument, 0, 0},
                                         CLI_COMMON_OPTIONS};
    struct cli_common c;
    cli_common_init(&c);
    c.format = CLI_FORMAT_TEXT;
    struct eval_options eo = {.min_correct = 0, .max_wrong = 1};
    int first, status;
    if (cli_parse("eval", argc, argv, opts, &c, own_option, &eo, usage, &first, &status))
        return status;
    if (first != argc - 1)
        return cli_usage_error("eval", "give one question file (.jsonl)");
    struct sq_buf text;
    sq_buf_init(&text, 64 * 1024 * 1024);
    struct sq_error err;
    sq_error_clear(&err);
    if (sq_read_file(argv[first], &text, &err) != 0) {
        sq_buf_fini(&text);
        return cli_fail(&err);
    }
    struct cli_session s;
    if (cli_session_open(&c, CLI_REFRESH_AUTO, &s, &err) != 0 ||
        cli_session_lockdown(&s, &err) != 0) {
        sq_buf_fini(&text);
        return cli_fail(&err);
    }
    struct answerer *ans = answerer_new(store_main(s.store), s.schema, s.playbook);
    struct guard_policy policy;
    guard_policy_init(&policy, s.schema);
    size_t total = 0, correct = 0, wrong = 0, declined = 0, bad_lines = 0;
    double *lat = NULL;
    size_t nlat = 0;
    struct sq_buf report;
    sq_buf_init(&report, SQ_BUF_UNLIMITED);
    struct sq_jw w;
    sq_jw_init(&w, &report, 0);
    sq_jw_arr_begin(&w);
    char *save = NULL;
    int lineno = 0;
    for (char *line = strtok_r(text.data ? text.data : (char *)"", "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (strspn(line, " \t\r") == strlen(line))
            continue;
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        const char *q = o ? json_string_value(json_object_get(o, "question")) : NULL;
        const char *gold = o ? json_string_value(json_object_get(o, "gold_sql")) : NULL;
        const char *expect = o ? json_string_value(json_object_get(o, "expect")) : NULL;
        if (!q || (!gold && !(expect && strcmp(expect, "decline") == 0))) {
            fprintf(stderr,
                    "salesql: %s line %d: expected {\"question\", \"gold_sql\"} or "
                    "{\"question\", \"expect\": \"decline\"}\n",
                    argv[first], lineno);
            bad_lines++;
            json_decref(o);
            continue;
        }
        total++;
        struct answer_options ao = {.mode = "fast", .max_rows = 100000, .timeout_ms = 30000};
        struct answer a;
        int rc = answer_ask(ans, q, &ao, &a);
        lat = xrealloc(lat, (nlat + 1) * sizeof *lat);
        lat[nlat++] = a.understand_ms;
        const char *verdict;
        /* An error's message, perhaps after "the gold SQL fails: ", or why the tables differ. */
        char why[sizeof "the gold SQL fails: " + SQ_ERROR_MSG_MAX] = "";
        if (!gold) {
            verdict = rc == SQ_E_UNSUPPORTED ? "correct" : "wrong";
            if (rc != SQ_E_UNSUPPORTED)
                snprintf(why, sizeof why, "answered a question it should decline");
        } else if (rc == SQ_E_UNSUPPORTED) {
            verdict = "declined";
            snprintf(why, sizeof why, "%s", a.error.msg);
        } else if (rc != 0) {
            verdict = "wrong";
            snprintf(why, sizeof why, "%s", a.error.msg);
        } else {
            struct guarded_query *gq = NULL;
            struct sq_table gt;
            sq_table_init(&gt);
            struct store_limits lim = {.max_rows = 100000, .timeout_ms = 30000};
            struct sq_error ge;
            sq_error_clear(&ge);
            int grc = guard_check(store_main(s.store), &policy, gold, &gq, &ge);
            if (!grc)
                grc = guard_execute(store_main(s.store), gq, &lim, &gt, &ge);
            if (grc) {
                verdict = "wrong";
                snprintf(why, sizeof why, "the gold SQL fails: %s", ge.msg);
            } else {
                verdict =
                    answer_tables_match(&a.table, &gt, answer_sql_sorts(gold), why, sizeof why)
                        ? "correct"
                        : "wrong";
            }
            guarded_query_free(gq);
            sq_table_fini(&gt);
        }
        if (strcmp(verdict, "correct") == 0)
            correct++;
        else if (strcmp(verdict, "wrong") == 0)
            wrong++;
        else
            declined++;
        if (c.format != CLI_FORMAT_JSON && (c.verbose || strcmp(verdict, "correct") != 0)) {
            printf("%s %s\n",
                   strcmp(verdict, "correct") == 0 ? "ok  "
                   : strcmp(verdict, "wrong") == 0 ? "WRONG"
                                                   : "declined",
                   q);
            if (a.sql)
                printf("      ours: %s\n", a.sql);
            if (gold && strcmp(verdict, "correct") != 0)
                printf("      gold: %s\n", gold);
            if (why[0])
                printf("      why:  %s\n", why);
        }
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "question");
        sq_jw_str(&w, q);
        sq_jw_key(&w, "verdict");
        sq_jw_str(&w, verdict);
        sq_jw_key(&w, "sql");
        sq_jw_str(&w, a.sql);
        sq_jw_key(&w, "why");
        sq_jw_str(&w, why);
        sq_jw_key(&w, "understand_ms");
        sq_jw_double(&w, a.understand_ms);
        sq_jw_obj_end(&w);
        answer_fini(&a);
        json_decref(o);
    }
    sq_jw_arr_end(&w);
    qsort(lat, nlat, sizeof *lat, cmp_double);
    double median = nlat ? lat[nlat / 2] : 0;
    double pc = total ? (double)correct / (double)total : 0;
    double pw = total ? (double)wrong / (double)total : 0;
    if (c.format == CLI_FORMAT_JSON) {
        printf("{\"questions\": %zu, \"correct\": %zu, \"wrong\": %zu, \"declined\": %zu, "
               "\"median_understand_ms\": %.4f, \"results\": %s}\n",
               total, correct, wrong, declined, median, report.data);
    } else {
        printf("%zu questions: %zu correct (%.1f%%), %zu wrong (%.1f%%), %zu declined "
               "(%.1f%%); median time to understand %.3f ms\n",
               total, correct, 100 * pc, wrong, 100 * pw, declined,
               total ? 100.0 * (double)declined / (double)total : 0, median);
    }
    status = bad_lines || pc < eo.min_correct || pw > eo.max_wrong ? 1 : 0;
    free(lat);
    sq_buf_fini(&report);
    guard_policy_fini(&policy);
    answerer_free(ans);
    cli_session_close(&s);
    sq_buf_fini(&text);
    return status;
}
