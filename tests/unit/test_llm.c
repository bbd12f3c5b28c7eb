/*
 * Unit tests for llm/: the configuration from the environment (and that the key never
 * shows in its messages), its precedence over the playbook's llm: section and under the
 * flags, the key withheld from a remote URL the playbook gave, the price table, key scrubbing, the
 * request body's shape, the reply parser on hostile replies, and the client against the local test
 * server (tests/llm_server/server.js, started here on 127.0.0.1): usage accounting, 429 with
 * Retry-After, 5xx, cut-off replies, timeouts, the deadline, cancellation, oversized
 * replies, redirects, refusals, the token budget, and a server that echoes the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "llm/llm.h"
#include "schema/playbook.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY "sk-test-SECRET-0123456789"

struct fixture {
    pid_t pid;
    FILE *out;
    int port;
    char dir[64];
    char *log;
    struct llm_config cfg;
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/salesql-llm-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->log = sq_path_join(f->dir, "requests.jsonl");
    const char *src = getenv("SALESQL_SRC");
    char *script =
        src ? xasprintf("%s/tests/llm_server/server.js", src) : xstrdup("llm_server/server.js");
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    f->pid = fork();
    if (f->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("node", "node", script, "0", "--log", f->log, "--key", KEY, (char *)NULL);
        _exit(127);
    }
    free(script);
    close(fds[1]);
    f->out = fdopen(fds[0], "r");
    char line[64];
    if (!f->out || !fgets(line, sizeof line, f->out) || strncmp(line, "PORT ", 5) != 0) {
        fprintf(stderr, "the test server did not start (is node installed?)\n");
        return -1;
    }
    f->port = (int)strtol(line + 5, NULL, 10);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    kill(f->pid, SIGTERM);
    waitpid(f->pid, NULL, 0);
    fclose(f->out);
    sq_rm_rf(f->dir);
    free(f->log);
    free(f);
    return 0;
}

/* A config for the test server: quick retries, short timeouts. */
static void test_config(struct fixture *f, struct llm_config *c)
{
    struct sq_error err;
    llm_config_defaults(c);
    char *url = xasprintf("http://127.0.0.1:%d/v1/", f->port);
    assert_int_equal(llm_config_set_url(c, url, &err), 0);
    free(url);
    snprintf(c->api_key, sizeof c->api_key, "%s", KEY);
    c->retry_base_ms = 20;
    c->timeout_ms = 5000;
    c->deadline_ms = 20000;
}

static const char draft_schema[] =
    "{\"type\": \"object\", \"properties\": {\"sql\": {\"type\": \"string\"}, \"assumptions\": "
    "{\"type\": \"array\", \"items\": {\"type\": \"string\"}}, \"explanation\": {\"type\": "
    "\"string\"}}, \"required\": [\"sql\", \"assumptions\", \"explanation\"], "
    "\"additionalProperties\": false}";

static const struct llm_tool tools[] = {
    {"column_values", "values of a column",
     "{\"type\": \"object\", \"properties\": {\"mart\": {\"type\": \"string\"}, \"column\": "
     "{\"type\": \"string\"}, \"contains\": {\"type\": \"string\"}}, \"required\": [\"mart\", "
     "\"column\", \"contains\"], \"additionalProperties\": false}"},
};

struct cancel_after {
    double at;
};

static int cancel_cb(void *ud)
{
    struct cancel_after *c = ud;
    return sq_now_ms() >= c->at;
}

/* One call with question as the user message. */
static int ask(const struct llm_config *c, const char *question, struct llm_reply *r,
               struct sq_error *err, int (*cancelled)(void *), void *ud, struct llm_usage *usage)
{
    struct llm_chat chat;
    llm_chat_init(&chat);
    llm_chat_add(&chat, LLM_SYSTEM, "You are a test.");
    llm_chat_add(&chat, LLM_USER, question);
    struct llm_request req = {.model = "gpt-4o-mini",
                              .chat = &chat,
                              .schema_name = "sql_draft",
                              .schema = draft_schema,
                              .tools = tools,
                              .ntools = 1};
    struct llm_session *s = llm_session_new(c, cancelled, ud);
    sq_error_clear(err);
    int rc = llm_session_chat(s, &req, r, err);
    if (usage)
        llm_session_usage(s, usage);
    llm_session_free(s);
    llm_chat_fini(&chat);
    return rc;
}

static const char *const llm_vars[] = {"SALESQL_LLM_URL",          "OPENAI_API_KEY",
                                       "SALESQL_LLM_MODEL",        "SALESQL_LLM_DEEP_MODEL",
                                       "SALESQL_LLM_TIMEOUT_MS",   "SALESQL_LLM_DEADLINE_MS",
                                       "SALESQL_LLM_RETRIES",      "SALESQL_LLM_MAX_ROUNDS",
                                       "SALESQL_LLM_TOKEN_BUDGET", "SALESQL_LLM_SCHEMA"};

static void unset_llm_env(void)
{
    for (size_t i = 0; i < sizeof llm_vars / sizeof llm_vars[0]; i++)
        unsetenv(llm_vars[i]);
}

static void test_config_env(void **state)
{
    (void)state;
    struct llm_config c;
    struct sq_error err;
    unset_llm_env();
    assert_int_equal(llm_config_from_env(&c, &err), 0);
    assert_false(llm_config_ready(&c));
    assert_string_equal(c.model, "gpt-4o-mini");
    assert_string_equal(c.deep_model, "gpt-4o-mini");
    assert_int_equal(c.max_rounds, 3);
    assert_int_equal(c.max_retries, 3);
    assert_int_equal(c.chunk, 1);

    setenv("OPENAI_API_KEY", KEY, 1);
    assert_int_equal(llm_config_from_env(&c, &err), 0);
    assert_true(llm_config_ready(&c));
    assert_string_equal(c.base_url, "https://api.openai.com/v1");
    assert_string_equal(c.api_key, KEY);

    setenv("SALESQL_LLM_URL", "http://user:" KEY "@127.0.0.1:11434/v1/?key=" KEY "#x", 1);
    setenv("SALESQL_LLM_MODEL", "llama3.1", 1);
    assert_int_equal(llm_config_from_env(&c, &err), 0);
    assert_string_equal(c.deep_model, "llama3.1"); /* follows the model unless set */
    char shown[600];
    llm_config_display_url(&c, shown, sizeof shown);
    assert_null(strstr(shown, KEY));
    assert_string_equal(shown, "http://127.0.0.1:11434/v1/ (query hidden)");

    setenv("SALESQL_LLM_DEEP_MODEL", "gpt-4o", 1);
    setenv("SALESQL_LLM_URL", "http://127.0.0.1:1/v1///", 1);
    assert_int_equal(llm_config_from_env(&c, &err), 0);
    assert_string_equal(c.base_url, "http://127.0.0.1:1/v1");
    assert_string_equal(c.deep_model, "gpt-4o");

    /* Bad values fail with the variable's name and never the key. */
    setenv("SALESQL_LLM_URL", "ftp://" KEY, 1);
    assert_int_equal(llm_config_from_env(&c, &err), SQ_E_USAGE);
    assert_null(strstr(err.msg, KEY));
    setenv("SALESQL_LLM_URL", "http://127.0.0.1:1/v1", 1);
    setenv("SALESQL_LLM_MAX_ROUNDS", "lots", 1);
    assert_int_equal(llm_config_from_env(&c, &err), SQ_E_USAGE);
    assert_non_null(strstr(err.msg, "SALESQL_LLM_MAX_ROUNDS"));
    setenv("SALESQL_LLM_MAX_ROUNDS", "5", 1);
    setenv("SALESQL_LLM_SCHEMA", "full", 1);
    setenv("SALESQL_LLM_TOKEN_BUDGET", "1234", 1);
    assert_int_equal(llm_config_from_env(&c, &err), 0);
    assert_int_equal(c.max_rounds, 5);
    assert_int_equal(c.chunk, 0);
    assert_int_equal(c.token_budget, 1234);
    setenv("OPENAI_API_KEY", "sk bad key", 1);
    assert_int_equal(llm_config_from_env(&c, &err), SQ_E_USAGE);
    assert_null(strstr(err.msg, "bad key"));
    unset_llm_env();
}

/* The config from yaml (a playbook), the environment as it is, and flags. */
static int load(const char *yaml, const struct llm_flag *flags, size_t nflags, struct llm_config *c,
                struct sq_error *err)
{
    struct playbook *pb = NULL;
    assert_int_equal(playbook_parse(yaml, strlen(yaml), &pb, err), 0);
    sq_error_clear(err);
    int rc = llm_config_load(c, pb, flags, nflags, err);
    playbook_free(pb);
    return rc;
}

/* Flags > environment > playbook > defaults, setting by setting. */
static void test_config_precedence(void **state)
{
    (void)state;
    struct llm_config c;
    struct sq_error err;
    unset_llm_env();
    static const char pb[] = "llm:\n"
                             "  url: http://127.0.0.1:9/v1\n"
                             "  model: pb-model\n"
                             "  timeout_ms: 5000\n"
                             "  deadline_ms: 9000\n"
                             "  retries: 0\n"
                             "  max_rounds: 1\n"
                             "  token_budget: 777\n"
                             "  schema: full\n";
    assert_int_equal(load(pb, NULL, 0, &c, &err), 0);
    assert_string_equal(c.base_url, "http://127.0.0.1:9/v1");
    assert_string_equal(c.model, "pb-model");
    assert_string_equal(c.deep_model, "pb-model"); /* follows the model */
    assert_true(c.timeout_ms == 5000);
    assert_true(c.deadline_ms == 9000);
    assert_int_equal(c.max_retries, 0);
    assert_true(c.retry_base_ms == 500); /* not in the playbook: the default */
    assert_int_equal(c.max_rounds, 1);
    assert_int_equal(c.token_budget, 777);
    assert_int_equal(c.chunk, 0);
    assert_int_equal(c.from[LLM_SET_URL], LLM_FROM_PLAYBOOK);
    assert_int_equal(c.from[LLM_SET_DEEP_MODEL], LLM_FROM_DEFAULT);
    assert_int_equal(c.from[LLM_SET_RETRIES], LLM_FROM_PLAYBOOK);

    /* The environment wins over the playbook; what it does not say, the playbook does. */
    setenv("SALESQL_LLM_URL", "http://127.0.0.1:8/v1", 1);
    setenv("SALESQL_LLM_MODEL", "env-model", 1);
    setenv("SALESQL_LLM_MAX_ROUNDS", "2", 1);
    setenv("SALESQL_LLM_SCHEMA", "chunk", 1);
    assert_int_equal(load(pb, NULL, 0, &c, &err), 0);
    assert_string_equal(c.base_url, "http://127.0.0.1:8/v1");
    assert_string_equal(c.model, "env-model");
    assert_string_equal(c.deep_model, "env-model");
    assert_int_equal(c.max_rounds, 2);
    assert_int_equal(c.chunk, 1);
    assert_true(c.timeout_ms == 5000);
    assert_int_equal(c.token_budget, 777);
    assert_int_equal(c.from[LLM_SET_MODEL], LLM_FROM_ENV);
    assert_int_equal(c.from[LLM_SET_TIMEOUT_MS], LLM_FROM_PLAYBOOK);

    /* Flags win over both. */
    const struct llm_flag flags[] = {{"model", "flag-model", "--model"},
                                     {"max_rounds", "4", "--max-rounds"},
                                     {"url", "http://127.0.0.1:7/v1", "--llm-url"}};
    assert_int_equal(load(pb, flags, 3, &c, &err), 0);
    assert_string_equal(c.model, "flag-model");
    assert_string_equal(c.deep_model, "flag-model");
    assert_int_equal(c.max_rounds, 4);
    assert_string_equal(c.base_url, "http://127.0.0.1:7/v1");
    assert_int_equal(c.from[LLM_SET_MAX_ROUNDS], LLM_FROM_FLAG);
    char text[4096];
    llm_config_describe(&c, text, sizeof text);
    assert_non_null(strstr(text, "model         flag-model (flag)"));
    assert_non_null(strstr(text, "deep_model    flag-model (default: the model)"));
    assert_non_null(strstr(text, "timeout_ms    5000 (playbook)"));
    assert_non_null(strstr(text, "schema        chunk (SALESQL_LLM_SCHEMA)"));
    assert_non_null(strstr(text, "deadline_ms   9000 (playbook)"));
    assert_non_null(strstr(text, "key           none"));

    /* A deep model set anywhere is kept when a stronger source sets only the model. */
    assert_int_equal(load("llm: {deep_model: pb-deep}\n", flags, 1, &c, &err), 0);
    assert_string_equal(c.model, "flag-model");
    assert_string_equal(c.deep_model, "pb-deep");
    setenv("SALESQL_LLM_DEEP_MODEL", "env-deep", 1);
    assert_int_equal(load("llm: {deep_model: pb-deep}\n", NULL, 0, &c, &err), 0);
    assert_string_equal(c.deep_model, "env-deep");

    /* Each source's bad values are named by that source. */
    setenv("SALESQL_LLM_RETRIES", "1.5", 1);
    assert_int_equal(load(pb, NULL, 0, &c, &err), SQ_E_USAGE);
    assert_non_null(strstr(err.msg, "SALESQL_LLM_RETRIES wants a whole number from 0 to 10"));
    unsetenv("SALESQL_LLM_RETRIES");
    const struct llm_flag bad_flag = {"max_rounds", "11", "--max-rounds"};
    assert_int_equal(load(pb, &bad_flag, 1, &c, &err), SQ_E_USAGE);
    assert_non_null(strstr(err.msg, "--max-rounds wants a whole number from 0 to 10"));
    const struct llm_flag unknown = {"colour", "blue", "--colour"};
    assert_int_equal(load(pb, &unknown, 1, &c, &err), SQ_E_USAGE);
    assert_non_null(strstr(err.msg, "not a model setting"));
    /* A bad playbook value fails even when the environment overrides it: the file is
     * wrong either way. */
    assert_int_equal(load("llm:\n  url: gopher://x\n", NULL, 0, &c, &err), SQ_E_USAGE);
    assert_non_null(strstr(err.msg, "playbook.yaml line 2, column 8: llm url must start"));
    unset_llm_env();
}

/* The key: from the environment only; sent to a URL from the playbook only when that URL
 * is on this machine; with a key and no URL anywhere, OpenAI's. */
static void test_config_key(void **state)
{
    struct fixture *f = *state;
    struct llm_config c;
    struct sq_error err;
    unset_llm_env();
    setenv("OPENAI_API_KEY", KEY, 1);
    assert_int_equal(load("llm: {model: m}\n", NULL, 0, &c, &err), 0);
    assert_string_equal(c.base_url, "https://api.openai.com/v1");
    assert_string_equal(c.api_key, KEY);
    static const struct {
        const char *url;
        int sent;
    } urls[] = {{"http://127.0.0.1:9/v1", 1},
                {"http://localhost:11434/v1", 1},
                {"http://LOCALHOST/v1", 1},
                {"http://[::1]:8080/v1", 1},
                {"http://127.1/v1", 1},
                {"https://models.example.com/v1", 0},
                {"http://127.0.0.1.nip.io/v1", 0},
                {"http://localhost.example.com/v1", 0},
                {"http://10.0.0.5:8000/v1", 0},
                {"https://api.openai.com/v1", 0},
                {"http://[::1].example.com/v1", 0}};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char *yaml = xasprintf("llm: {url: \"%s\"}\n", urls[i].url);
        assert_int_equal(load(yaml, NULL, 0, &c, &err), 0);
        if ((c.api_key[0] != 0) != urls[i].sent)
            print_error("%s: key %s\n", urls[i].url, c.api_key[0] ? "sent" : "withheld");
        assert_int_equal(c.api_key[0] != 0, urls[i].sent);
        assert_int_equal(c.key_withheld, !urls[i].sent);
        free(yaml);
    }
    char text[4096];
    llm_config_describe(&c, text, sizeof text);
    assert_non_null(strstr(text, "withheld"));
    assert_null(strstr(text, KEY));
    /* The same remote URL from the environment or a flag gets the key. */
    const struct llm_flag flag = {"url", "https://models.example.com/v1", "--llm-url"};
    assert_int_equal(load("llm: {url: \"http://10.0.0.5/v1\"}\n", &flag, 1, &c, &err), 0);
    assert_string_equal(c.api_key, KEY);
    setenv("SALESQL_LLM_URL", "https://models.example.com/v1", 1);
    assert_int_equal(load("llm: {url: \"http://10.0.0.5/v1\"}\n", NULL, 0, &c, &err), 0);
    assert_string_equal(c.api_key, KEY);
    assert_int_equal(c.key_withheld, 0);
    llm_config_describe(&c, text, sizeof text);
    assert_null(strstr(text, KEY));
    assert_non_null(strstr(text, "from OPENAI_API_KEY"));
    unsetenv("SALESQL_LLM_URL");

    /* A server that wants the key and did not get it: the message says why. */
    test_config(f, &c);
    c.api_key[0] = '\0';
    c.key_withheld = 1;
    struct llm_reply r;
    assert_int_equal(ask(&c, "which region sells most", &r, &err, NULL, NULL, NULL), SQ_E_IO);
    assert_non_null(strstr(err.msg, "HTTP 401"));
    assert_non_null(strstr(err.msg, "was not sent: the URL comes from the playbook"));
    unset_llm_env();
}

static void test_price_and_scrub(void **state)
{
    (void)state;
    double in, out;
    assert_int_equal(llm_price("gpt-4o-mini", &in, &out), 0);
    assert_true(in == 0.15 && out == 0.60);
    assert_int_equal(llm_price("gpt-4o-mini-2024-07-18", &in, &out), 0);
    assert_true(in == 0.15);
    assert_int_equal(llm_price("gpt-4o-2024-08-06", &in, &out), 0);
    assert_true(in == 2.50);
    assert_int_equal(llm_price("gpt-4.1-mini", &in, &out), 0);
    assert_true(in == 0.40);
    assert_int_equal(llm_price("llama3.1:8b", &in, &out), -1);
    assert_int_equal(llm_price("gpt-4ox", &in, &out), -1);

    struct llm_config c;
    llm_config_defaults(&c);
    snprintf(c.api_key, sizeof c.api_key, "%s", KEY);
    char text[200] = "Bearer " KEY " and again " KEY "!";
    llm_scrub(&c, text);
    assert_string_equal(text, "Bearer [redacted] and again [redacted]!");
    llm_scrub(&c, NULL);
}

static void test_request_body(void **state)
{
    (void)state;
    struct llm_chat chat;
    llm_chat_init(&chat);
    llm_chat_add(&chat, LLM_SYSTEM, "rules");
    llm_chat_add(&chat, LLM_USER, "sales in \xff\xfe caf\xc3\xa9");
    char id[] = "call_1", name[] = "column_values", args[] = "{\"mart\": \"m\"}";
    struct llm_tool_call call = {id, name, args};
    llm_chat_add_calls(&chat, &call, 1);
    llm_chat_add_tool_result(&chat, "call_1", "{\"values\": []}");
    struct llm_request req = {.model = "gpt-4o-mini",
                              .chat = &chat,
                              .schema_name = "sql_draft",
                              .schema = draft_schema,
                              .tools = tools,
                              .ntools = 1};
    struct sq_error err;
    char *body = llm_request_body(&req, 99, &err);
    assert_non_null(body);
    json_error_t jerr;
    json_t *root = json_loads(body, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "model")), "gpt-4o-mini");
    assert_int_equal(json_integer_value(json_object_get(root, "max_tokens")), 99);
    json_t *msgs = json_object_get(root, "messages");
    assert_int_equal(json_array_size(msgs), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")),
                        "system");
    /* Invalid UTF-8 repaired; valid kept. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 1), "content")),
                        "sales in ?? caf\xc3\xa9");
    json_t *asst = json_array_get(msgs, 2);
    assert_true(json_is_null(json_object_get(asst, "content")));
    json_t *tc = json_array_get(json_object_get(asst, "tool_calls"), 0);
    assert_string_equal(json_string_value(json_object_get(tc, "type")), "function");
    assert_string_equal(json_string_value(json_object_get(json_object_get(tc, "function"), "name")),
                        "column_values");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 3), "tool_call_id")),
                        "call_1");
    json_t *rf = json_object_get(root, "response_format");
    assert_string_equal(json_string_value(json_object_get(rf, "type")), "json_schema");
    json_t *js = json_object_get(rf, "json_schema");
    assert_string_equal(json_string_value(json_object_get(js, "name")), "sql_draft");
    assert_true(json_is_true(json_object_get(js, "strict")));
    assert_true(json_is_object(json_object_get(json_object_get(js, "schema"), "properties")));
    json_t *tool = json_array_get(json_object_get(root, "tools"), 0);
    assert_string_equal(json_string_value(json_object_get(tool, "type")), "function");
    json_decref(root);
    free(body);
    assert_true(llm_chat_bytes(&chat) > 20);

    req.schema = "{not json";
    assert_null(llm_request_body(&req, 10, &err));
    assert_int_equal(err.code, SQ_E_PARSE);
    llm_chat_fini(&chat);
}

struct reply_case {
    const char *body;
    int rc;
};

static void test_reply_hostile(void **state)
{
    (void)state;
    static const struct reply_case cases[] = {
        {"", SQ_E_PARSE},
        {"not json", SQ_E_PARSE},
        {"[]", SQ_E_PARSE},
        {"{}", SQ_E_PARSE},
        {"{\"choices\": []}", SQ_E_PARSE},
        {"{\"choices\": [1]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": \"hi\"}]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {}}]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"content\": null}}]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"content\": 42}}]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"content\": \"a\\u0000b\"}}]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"content\": \"x\", \"content\": \"y\"}}]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"tool_calls\": {}}}]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"tool_calls\": [{\"id\": \"a\"}]}}]}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"tool_calls\": [{\"id\": \"a\", \"function\": "
         "{\"name\": \"rm -rf\", \"arguments\": \"{}\"}}]}}]}",
         SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"tool_calls\": [{\"id\": \"a\", \"function\": "
         "{\"name\": \"f\", \"arguments\": {}}}]}}]}",
         SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"refusal\": \"no\", \"content\": null}}]}",
         SQ_E_UNSUPPORTED},
        {"{\"error\": {\"message\": \"quota\"}}", SQ_E_IO},
        {"{\"choices\": [{\"message\": {\"content\": \"\\ud800\"}}]}", SQ_E_PARSE},
        {"\xff\xfe{}", SQ_E_PARSE},
        {"{\"choices\": [{\"message\": {\"content\": \"ok\"}}], \"usage\": {\"prompt_tokens\": "
         "-5, \"completion_tokens\": 1e300}}",
         0},
        {"{\"choices\": [{\"message\": {\"content\": \"ok\"}}]} trailing", SQ_E_PARSE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct llm_reply r;
        struct sq_error err;
        sq_error_clear(&err);
        int rc = llm_reply_parse(cases[i].body, strlen(cases[i].body), &r, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): rc %d, want %d (%s)", i, cases[i].body, rc, cases[i].rc,
                     err.msg);
        if (rc) {
            assert_true(err.msg[0] != '\0');
            assert_null(r.content);
            assert_int_equal(r.ncalls, 0);
        } else {
            assert_string_equal(r.content, "ok");
            assert_int_equal(r.has_usage, 0); /* nonsense usage is ignored */
        }
        llm_reply_fini(&r);
    }
    /* Too many tool calls, deep nesting, a huge body. */
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, "{\"choices\": [{\"message\": {\"tool_calls\": [");
    for (int i = 0; i < LLM_MAX_CALLS + 1; i++)
        sq_buf_printf(&b,
                      "%s{\"id\": \"c%d\", \"type\": \"function\", \"function\": {\"name\": "
                      "\"f\", \"arguments\": \"{}\"}}",
                      i ? ", " : "", i);
    sq_buf_puts(&b, "]}}]}");
    struct llm_reply r;
    struct sq_error err;
    assert_int_equal(llm_reply_parse(b.data, b.len, &r, &err), SQ_E_PARSE);
    sq_buf_reset(&b);
    for (int i = 0; i < 100000; i++)
        sq_buf_putc(&b, '[');
    assert_int_equal(llm_reply_parse(b.data, b.len, &r, &err), SQ_E_PARSE);
    sq_buf_fini(&b);
    char *big = xmalloc(LLM_MAX_REPLY + 2);
    memset(big, ' ', LLM_MAX_REPLY + 1);
    big[LLM_MAX_REPLY + 1] = '\0';
    assert_int_equal(llm_reply_parse(big, LLM_MAX_REPLY + 1, &r, &err), SQ_E_TOO_BIG);
    free(big);

    /* A good reply with a tool call and usage. */
    const char *good = "{\"choices\": [{\"finish_reason\": \"tool_calls\", \"message\": "
                       "{\"content\": null, \"tool_calls\": [{\"id\": \"call_9\", \"type\": "
                       "\"function\", \"function\": {\"name\": \"column_values\", \"arguments\": "
                       "\"{\\\"mart\\\": \\\"m\\\"}\"}}]}}], \"usage\": {\"prompt_tokens\": 12, "
                       "\"completion_tokens\": 3}}";
    assert_int_equal(llm_reply_parse(good, strlen(good), &r, &err), 0);
    assert_null(r.content);
    assert_int_equal(r.ncalls, 1);
    assert_string_equal(r.calls[0].name, "column_values");
    assert_string_equal(r.calls[0].arguments, "{\"mart\": \"m\"}");
    assert_string_equal(r.finish_reason, "tool_calls");
    assert_true(r.has_usage && r.prompt_tokens == 12 && r.completion_tokens == 3);
    llm_reply_fini(&r);
}

static void test_reply_object(void **state)
{
    (void)state;
    json_t *o;
    struct sq_error err;
    assert_int_equal(llm_reply_object("  {\"sql\": \"SELECT 1\"}\n", &o, &err), 0);
    assert_string_equal(json_string_value(json_object_get(o, "sql")), "SELECT 1");
    json_decref(o);
    static const char *const bad[] = {NULL,
                                      "",
                                      "SELECT 1",
                                      "Sure! {\"sql\": \"SELECT 1\"}",
                                      "```json\n{\"sql\": 1}\n```",
                                      "[{\"sql\": \"x\"}]",
                                      "{\"sql\": \"x\"} and more",
                                      "{\"a\": 1, \"a\": 2}",
                                      "{"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(llm_reply_object(bad[i], &o, &err), SQ_E_PARSE);
        assert_null(o);
        assert_true(err.msg[0] != '\0');
    }
}

static void test_http_ok(void **state)
{
    struct fixture *f = *state;
    struct llm_config c;
    test_config(f, &c);
    struct llm_reply r;
    struct sq_error err;
    struct llm_usage u;
    assert_int_equal(ask(&c, "client: ok", &r, &err, NULL, NULL, &u), 0);
    assert_non_null(strstr(r.content, "SELECT 1 AS one"));
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.http_status, 200);
    /* The server counts ceil(request bytes / 4), as salesql documents. */
    assert_true(r.has_usage);
    assert_int_equal(r.prompt_tokens, (long)((r.req_bytes + 3) / 4));
    assert_int_equal(u.calls, 1);
    assert_int_equal(u.prompt_tokens, r.prompt_tokens);
    assert_int_equal(u.completion_tokens, r.completion_tokens);
    assert_true(u.cost_usd > 0 && u.cost_usd < 0.01);
    llm_reply_fini(&r);

    assert_int_equal(ask(&c, "client: no usage", &r, &err, NULL, NULL, &u), 0);
    assert_false(r.has_usage);
    assert_int_equal(r.prompt_tokens, (long)((r.req_bytes + 3) / 4)); /* estimated */
    assert_true(u.estimated);
    llm_reply_fini(&r);

    assert_int_equal(ask(&c, "client: tool call", &r, &err, NULL, NULL, NULL), 0);
    assert_int_equal(r.ncalls, 1);
    assert_string_equal(r.calls[0].name, "column_values");
    llm_reply_fini(&r);

    assert_int_equal(ask(&c, "client: refusal", &r, &err, NULL, NULL, NULL), SQ_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "cannot help"));
}

static void test_http_retries(void **state)
{
    struct fixture *f = *state;
    struct llm_config c;
    test_config(f, &c);
    struct llm_reply r;
    struct sq_error err;
    struct llm_usage u;

    /* 429 with Retry-After: 1, then a reply: the wait is honoured. */
    double t0 = sq_now_ms();
    assert_int_equal(ask(&c, "rate limited question", &r, &err, NULL, NULL, &u), 0);
    assert_true(sq_now_ms() - t0 >= 990);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(u.calls, 2);
    llm_reply_fini(&r);

    /* Two 503s, then a reply. */
    assert_int_equal(ask(&c, "flaky server question", &r, &err, NULL, NULL, NULL), 0);
    assert_int_equal(r.attempts, 3);
    llm_reply_fini(&r);

    /* 500 every time: 1 + max_retries attempts, then the server's reason. */
    c.max_retries = 2;
    assert_int_equal(ask(&c, "the server is down", &r, &err, NULL, NULL, &u), SQ_E_IO);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(u.calls, 3);
    assert_int_equal(u.prompt_tokens, 0);
    assert_non_null(strstr(err.msg, "HTTP 500"));
    assert_non_null(strstr(err.msg, "processing your request"));

    /* Cut off mid-reply once, then whole; cut off every time. */
    c.max_retries = 3;
    assert_int_equal(ask(&c, "cut off question", &r, &err, NULL, NULL, NULL), 0);
    assert_int_equal(r.attempts, 2);
    llm_reply_fini(&r);
    assert_int_equal(ask(&c, "always cut off", &r, &err, NULL, NULL, NULL), SQ_E_IO);
    assert_int_equal(r.attempts, 4);
    assert_non_null(strstr(err.msg, "cut off"));

    /* 400 is not retried; a Retry-After past the deadline is not waited for. */
    assert_int_equal(ask(&c, "client: bad request", &r, &err, NULL, NULL, NULL), SQ_E_IO);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(err.msg, "HTTP 400"));
    t0 = sq_now_ms();
    assert_int_equal(ask(&c, "client: retry-after too long", &r, &err, NULL, NULL, NULL),
                     SQ_E_TIMEOUT);
    assert_true(sq_now_ms() - t0 < 2000);
    assert_non_null(strstr(err.msg, "asked to wait"));
}

static void test_http_time(void **state)
{
    struct fixture *f = *state;
    struct llm_config c;
    test_config(f, &c);
    struct llm_reply r;
    struct sq_error err;
    /* Each attempt times out at 300 ms; the question's deadline ends it at ~1 s. */
    c.timeout_ms = 300;
    c.deadline_ms = 1000;
    double t0 = sq_now_ms();
    assert_int_equal(ask(&c, "how slow can you be", &r, &err, NULL, NULL, NULL), SQ_E_TIMEOUT);
    double took = sq_now_ms() - t0;
    assert_true(took >= 280 && took < 2500);
    assert_true(r.attempts >= 2);

    /* Cancelled while waiting: stops within about a second (libcurl's progress tick). */
    c.timeout_ms = 20000;
    c.deadline_ms = 20000;
    struct cancel_after ca = {sq_now_ms() + 300};
    t0 = sq_now_ms();
    assert_int_equal(ask(&c, "how slow can you be", &r, &err, cancel_cb, &ca, NULL),
                     SQ_E_INTERRUPTED);
    took = sq_now_ms() - t0;
    assert_true(took >= 250 && took < 2500);
    assert_int_equal(r.attempts, 1);

    /* Cancelled before anything is sent. */
    ca.at = 0;
    assert_int_equal(ask(&c, "client: ok", &r, &err, cancel_cb, &ca, NULL), SQ_E_INTERRUPTED);
    assert_int_equal(r.attempts, 0);
}

static void test_http_hostile(void **state)
{
    struct fixture *f = *state;
    struct llm_config c;
    test_config(f, &c);
    struct llm_reply r;
    struct sq_error err;
    /* A 5 MB reply is refused, not buffered. */
    assert_int_equal(ask(&c, "client: huge", &r, &err, NULL, NULL, NULL), SQ_E_TOO_BIG);
    assert_int_equal(r.attempts, 1);
    /* Redirects are not followed (the key must not travel to another host). */
    assert_int_equal(ask(&c, "client: redirect", &r, &err, NULL, NULL, NULL), SQ_E_IO);
    assert_non_null(strstr(err.msg, "HTTP 307"));
    /* A server that echoes the key: it never reaches an error message. */
    assert_int_equal(ask(&c, "echo my key", &r, &err, NULL, NULL, NULL), SQ_E_IO);
    assert_null(strstr(err.msg, KEY));
    assert_non_null(strstr(err.msg, "HTTP 401"));
    assert_non_null(strstr(err.msg, "OPENAI_API_KEY"));
    assert_int_equal(ask(&c, "echo my key in the sql", &r, &err, NULL, NULL, NULL), 0);
    assert_null(strstr(r.content, KEY));
    llm_reply_fini(&r);
    /* The wrong key: 401, no retry. */
    snprintf(c.api_key, sizeof c.api_key, "sk-wrong");
    assert_int_equal(ask(&c, "client: ok", &r, &err, NULL, NULL, NULL), SQ_E_IO);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(err.msg, "HTTP 401"));
    /* Nobody listening: fails at once. */
    struct llm_config closed;
    test_config(f, &closed);
    assert_int_equal(llm_config_set_url(&closed, "http://127.0.0.1:9/v1", &err), 0);
    assert_int_equal(ask(&closed, "client: ok", &r, &err, NULL, NULL, NULL), SQ_E_IO);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(err.msg, "cannot reach"));
    /* The token budget: nothing is sent when the prompt alone would spend it. */
    test_config(f, &c);
    c.token_budget = 50;
    struct llm_usage u;
    assert_int_equal(ask(&c, "client: ok", &r, &err, NULL, NULL, &u), SQ_E_TOO_BIG);
    assert_int_equal(u.calls, 0);
    assert_non_null(strstr(err.msg, "token budget"));
}

/* Every request the server saw matched the Chat Completions format and carried the key. */
static void test_requests_valid(void **state)
{
    struct fixture *f = *state;
    struct sq_buf b;
    struct sq_error err;
    sq_buf_init(&b, 64 * 1024 * 1024);
    assert_int_equal(sq_read_file(f->log, &b, &err), 0);
    size_t lines = 0, wrong_key = 0;
    for (char *p = b.data; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        json_error_t jerr;
        json_t *rec = json_loads(p, 0, &jerr);
        assert_non_null(rec);
        if (!json_is_true(json_object_get(rec, "valid")))
            fail_msg("an invalid request: %s", p);
        wrong_key += !json_is_true(json_object_get(rec, "auth"));
        json_decref(rec);
        lines++;
        p = nl ? nl + 1 : NULL;
    }
    sq_buf_fini(&b);
    assert_true(lines > 20);
    assert_int_equal(wrong_key, 1); /* the sk-wrong call */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_env),        cmocka_unit_test(test_price_and_scrub),
        cmocka_unit_test(test_request_body),      cmocka_unit_test(test_reply_hostile),
        cmocka_unit_test(test_reply_object),      cmocka_unit_test(test_http_ok),
        cmocka_unit_test(test_http_retries),      cmocka_unit_test(test_http_time),
        cmocka_unit_test(test_http_hostile),      cmocka_unit_test(test_requests_valid),
        cmocka_unit_test(test_config_precedence), cmocka_unit_test(test_config_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
