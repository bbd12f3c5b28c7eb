/*
 * `salesql ask`: one question, answered in fast mode or by a language model (deep mode,
 * or auto mode's fallback; the model is configured here from the flags, the environment
 * and the playbook's llm: section),
 * printed as the interpretation, the SQL, the table and insights — or as the answer
 * object of DESIGN.md with --format json. --explain prints each agent step on stderr.
 * --session keeps the last question's frame in a file beside the database so that a
 * follow-up can edit it. Answers are kept in the database's answer cache
 * (answer/cache.h), so that asking again, above all a deep question, costs nothing.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "answer/answer.h"
#include "answer/cache.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "llm/llm.h"
#include "schema/playbook.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: salesql ask [--data DIR] [--db FILE] [--mode auto|fast|deep]\n"
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
            "  --max-rows N           at most N rows (default %d)\n"
            "  --timeout MS           stop the query after MS milliseconds (default %d)\n"
            "  --no-refresh           do not load changed files first\n"
            "  --follow-symlinks      the refresh also loads links out of DIR (see ingest)\n"
            "  --explain              print how the answer was made (each agent step, prompt\n"
            "                         sizes, tokens) on stderr\n"
            "\n"
            "Deep mode asks a language model over an OpenAI-compatible API (OpenAI, Ollama,\n"
            "llama.cpp, vLLM ...). Configure it with the environment: SALESQL_LLM_URL (e.g.\n"
            "http://127.0.0.1:11434/v1), OPENAI_API_KEY (the URL then defaults to OpenAI),\n"
            "SALESQL_LLM_MODEL, SALESQL_LLM_DEEP_MODEL, SALESQL_LLM_TIMEOUT_MS,\n"
            "SALESQL_LLM_DEADLINE_MS, SALESQL_LLM_RETRIES, SALESQL_LLM_MAX_ROUNDS,\n"
            "SALESQL_LLM_TOKEN_BUDGET; with an llm: section in DATA_DIR/playbook.yaml (url,\n"
            "model, deep_model, timeout_ms, ...); or with these flags. Flags win over the\n"
            "environment, which wins over the playbook. The key only ever comes from the\n"
            "environment.\n"
            "  --llm-url URL          the API's base URL\n"
            "  --model NAME           the model for auto mode (default gpt-4o-mini)\n"
            "  --deep-model NAME      the model for deep mode (default: --model)\n"
            "  --llm-timeout MS       one request's time limit (default 60000)\n"
            "  --max-rounds N         repair rounds per question (default 3)\n"
            "  --token-budget N       tokens per question (default 40000)\n"
            "\n"
            "Exit status: 0 answered, 3 not understood, 4 rejected, 5 query failed or timed\n"
            "out, 6 no data files in DIR (nothing is changed), 1 other errors, 2 bad usage.\n",
            STORE_DEFAULT_MAX_ROWS, STORE_DEFAULT_TIMEOUT_MS);
}

/* The flags that set the model, and the setting each gives (llm_config_set checks them). */
static const struct {
    const char *flag, *setting;
} llm_flags[] = {{"--llm-url", "url"},           {"--model", "model"},
                 {"--deep-model", "deep_model"}, {"--llm-timeout", "timeout_ms"},
                 {"--max-rounds", "max_rounds"}, {"--token-budget", "token_budget"}};
#define N_LLM_FLAGS (sizeof llm_flags / sizeof llm_flags[0])

struct ask_options {
    const char *mode;
    const char *session;
    double max_rows;
    double timeout;
    enum cli_refresh refresh;
    int explain;
    const char *llm_args[N_LLM_FLAGS]; /* the model flags given; NULL: not given */
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
    } else if (strcmp(name, "explain") == 0) {
        o->explain = 1;
    } else {
        for (size_t i = 0; i < N_LLM_FLAGS; i++) {
            if (strcmp(name, llm_flags[i].flag + 2) != 0)
                continue;
            /* Checked now, as the setting will be, so that a bad value is a usage error. */
            struct llm_config scratch;
            struct sq_error err;
            llm_config_defaults(&scratch);
            if (llm_config_set(&scratch, llm_flags[i].setting, arg, LLM_FROM_FLAG,
                               llm_flags[i].flag, &err) != 0) {
                cli_usage_error("ask", "%s", err.msg);
                return -1;
            }
            o->llm_args[i] = arg;
            return 0;
        }
        return -1;
    }
    return 0;
}

/* The model's configuration: the flags, then the environment, then the playbook's llm:
 * section (pb may be NULL), then the defaults. */
static int model_config(const struct ask_options *ao, const struct playbook *pb,
                        struct llm_config *llm, struct sq_error *err)
{
    struct llm_flag flags[N_LLM_FLAGS];
    size_t n = 0;
    for (size_t i = 0; i < N_LLM_FLAGS; i++)
        if (ao->llm_args[i])
            flags[n++] =
                (struct llm_flag){llm_flags[i].setting, ao->llm_args[i], llm_flags[i].flag};
    return llm_config_load(llm, pb, flags, n, err);
}

static char *session_path(const struct cli_common *c, const char *id)
{
    const char *slash = strrchr(c->db_path, '/');
    char *dir = slash ? xstrndup(c->db_path, (size_t)(slash - c->db_path)) : xstrdup(".");
    char *path = xasprintf("%s/sessions/%s.json", dir, id);
    free(dir);
    return path;
}

/* The database was opened read-only (nothing to refresh, so other readers may share it),
 * but a model's answer cost calls worth keeping: open it for writing for a moment to put
 * the answer in its cache. When another process holds it, the answer is not kept. */
static void keep_model_answer(const struct cli_common *c, struct answer_cache *cache)
{
    struct store_options so = {.path = c->db_path, .memory_limit = c->memory_limit};
    struct store *st = NULL;
    struct sq_error err;
    sq_error_clear(&err);
    if (store_open(&so, &st, &err) != 0) {
        if (c->verbose)
            fprintf(stderr, "salesql: the answer is not kept for next time: %s\n", err.msg);
        return;
    }
    answer_cache_save(cache, st);
    store_close(st);
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
                                         {"explain", no_argument, 0, 0},
                                         {"llm-url", required_argument, 0, 0},
                                         {"model", required_argument, 0, 0},
                                         {"deep-model", required_argument, 0, 0},
                                         {"llm-timeout", required_argument, 0, 0},
                                         {"max-rounds", required_argument, 0, 0},
                                         {"token-budget", required_argument, 0, 0},
                                         CLI_COMMON_OPTIONS};
    struct cli_common c;
    cli_common_init(&c);
    struct ask_options ao = {.mode = "auto",
                             .max_rows = STORE_DEFAULT_MAX_ROWS,
                             .timeout = STORE_DEFAULT_TIMEOUT_MS,
                             .refresh = CLI_REFRESH_AUTO};
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
    /* The model. Fast mode needs none: its settings are not read. Read once before the
     * refresh, so that a bad environment fails at once, and again with the playbook. */
    struct llm_config llm;
    int fast = strcmp(ao.mode, "fast") == 0;
    llm_config_defaults(&llm);
    if (!fast && model_config(&ao, NULL, &llm, &err) != 0)
        return cli_fail(&err);
    if (cli_session_open(&c, ao.refresh, &s, &err) != 0)
        return cli_fail(&err);
    if (s.refreshed && s.report.changed)
        cli_print_report(&c, &s.report);
    if ((!fast && model_config(&ao, s.playbook, &llm, &err) != 0) ||
        cli_session_lockdown(&s, &err) != 0) {
        explicit_bzero(llm.api_key, sizeof llm.api_key);
        cli_session_close(&s);
        return cli_fail(&err);
    }
    if (!fast && (ao.explain || c.verbose)) {
        char settings[LLM_DESCRIBE_MAX];
        llm_config_describe(&llm, settings, sizeof settings);
        fprintf(stderr, "Model settings (flag > environment > playbook > default):\n%s", settings);
    }
    /* The database's answer cache; a refresh that changed a mart made some of it useless. */
    struct answer_cache_limits lim = {.pending = 4};
    struct answer_cache *cache = answer_cache_new(&lim, s.store);
    if (s.refreshed && s.report.changed)
        answer_cache_prune(cache, s.schema);
    struct answerer *ans = answerer_new(store_main(s.store), s.schema, s.playbook);
    answerer_use_cache(ans, cache);
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
    struct sq_buf explain;
    sq_buf_init(&explain, 1024 * 1024);
    struct answer_options o = {.mode = ao.mode,
                               .max_rows = (size_t)ao.max_rows,
                               .timeout_ms = ao.timeout,
                               .previous = have_prev ? &prev : NULL,
                               .llm = llm_config_ready(&llm) ? &llm : NULL,
                               .explain = ao.explain ? &explain : NULL};
    struct answer a;
    int rc = answer_ask(ans, question, &o, &a);
    if (ao.explain) {
        fputs("How this was answered:\n", stderr);
        if (explain.len)
            fputs(explain.data, stderr);
        else if (a.sql)
            fputs("fast mode: the question parser wrote the SQL; no model was asked\n", stderr);
        else
            fputs("fast mode: the question parser declined; no model was asked (none is "
                  "configured, or --mode fast)\n",
                  stderr);
    }
    sq_buf_fini(&explain);
    explicit_bzero(llm.api_key, sizeof llm.api_key);
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
    int keep = rc == 0 && !a.cached && a.llm_calls > 0 && store_read_only(s.store);
    answer_fini(&a);
    answerer_free(ans);
    answer_cache_detach(cache);
    free(spath);
    cli_session_close(&s);
    if (keep)
        keep_model_answer(&c, cache);
    answer_cache_free(cache);
    return status;
}
