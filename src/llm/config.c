/*
 * The model configuration (see llm/llm.h): defaults, the environment, URL checks, the
 * price table for cost estimates, and the two ways a key is kept out of output: a display
 * form of the URL without user info or query, and llm_scrub for text from the network.
 * Called by the CLI (to build the config) and by the rest of llm/.
 */
#include "llm/llm.h"

#include "base/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void llm_config_defaults(struct llm_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->model, sizeof c->model, "%s", "gpt-4o-mini");
    snprintf(c->deep_model, sizeof c->deep_model, "%s", "gpt-4o-mini");
    c->timeout_ms = 60000;
    c->deadline_ms = 180000;
    c->max_retries = 3;
    c->max_rounds = 3;
    c->token_budget = 40000;
    c->max_tokens = 1024;
    c->chunk = 1;
    c->retry_base_ms = 500;
}

int llm_config_set_url(struct llm_config *c, const char *url, struct sq_error *err)
{
    size_t n = strlen(url);
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return sq_error_set(err, SQ_E_USAGE, -1,
                            "the model URL must start with http:// or https:// (for example "
                            "http://127.0.0.1:11434/v1)");
    if (n >= sizeof c->base_url)
        return sq_error_set(err, SQ_E_USAGE, -1, "the model URL is longer than %zu bytes",
                            sizeof c->base_url - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return sq_error_set(err, SQ_E_USAGE, -1,
                                "the model URL holds a space or control character");
    while (n > 0 && url[n - 1] == '/')
        n--;
    memcpy(c->base_url, url, n);
    c->base_url[n] = '\0';
    return 0;
}

int llm_config_ready(const struct llm_config *c)
{
    return c && c->base_url[0] != '\0';
}

static int env_number(const char *name, double min, double max, double *out, struct sq_error *err)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || d < min || d > max)
        return sq_error_set(err, SQ_E_USAGE, -1, "%s wants a number from %g to %g, not '%.40s'",
                            name, min, max, v);
    *out = d;
    return 0;
}

static int env_model(const char *name, char *out, size_t size, struct sq_error *err)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    if (strlen(v) >= size)
        return sq_error_set(err, SQ_E_USAGE, -1, "%s is longer than %zu bytes", name, size - 1);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            return sq_error_set(err, SQ_E_USAGE, -1, "%s holds a control character", name);
    snprintf(out, size, "%s", v);
    return 1;
}

int llm_config_from_env(struct llm_config *c, struct sq_error *err)
{
    llm_config_defaults(c);
    const char *key = getenv("OPENAI_API_KEY");
    if (key && *key) {
        size_t n = strlen(key);
        if (n >= sizeof c->api_key)
            return sq_error_set(err, SQ_E_USAGE, -1, "OPENAI_API_KEY is longer than %zu bytes",
                                sizeof c->api_key - 1);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)key[i] <= ' ' || key[i] == 0x7f)
                return sq_error_set(err, SQ_E_USAGE, -1,
                                    "OPENAI_API_KEY holds a space or control character");
        memcpy(c->api_key, key, n + 1);
    }
    const char *url = getenv("SALESQL_LLM_URL");
    int rc = 0;
    if (url && *url)
        rc = llm_config_set_url(c, url, err);
    else if (c->api_key[0])
        rc = llm_config_set_url(c, "https://api.openai.com/v1", err);
    if (rc)
        return rc;
    int fast = env_model("SALESQL_LLM_MODEL", c->model, sizeof c->model, err);
    if (fast < 0)
        return fast;
    int deep = env_model("SALESQL_LLM_DEEP_MODEL", c->deep_model, sizeof c->deep_model, err);
    if (deep < 0)
        return deep;
    if (fast && !deep)
        snprintf(c->deep_model, sizeof c->deep_model, "%s", c->model);
    double retries = c->max_retries, rounds = c->max_rounds, budget = (double)c->token_budget;
    if ((rc = env_number("SALESQL_LLM_TIMEOUT_MS", 100, 3600000, &c->timeout_ms, err)) ||
        (rc = env_number("SALESQL_LLM_DEADLINE_MS", 100, 36000000, &c->deadline_ms, err)) ||
        (rc = env_number("SALESQL_LLM_RETRIES", 0, 10, &retries, err)) ||
        (rc = env_number("SALESQL_LLM_MAX_ROUNDS", 0, 10, &rounds, err)) ||
        (rc = env_number("SALESQL_LLM_TOKEN_BUDGET", 1, 10000000, &budget, err)))
        return rc;
    c->max_retries = (int)retries;
    c->max_rounds = (int)rounds;
    c->token_budget = (long)budget;
    const char *schema = getenv("SALESQL_LLM_SCHEMA");
    if (schema && *schema) {
        if (strcmp(schema, "chunk") == 0)
            c->chunk = 1;
        else if (strcmp(schema, "full") == 0)
            c->chunk = 0;
        else
            return sq_error_set(err, SQ_E_USAGE, -1,
                                "SALESQL_LLM_SCHEMA wants chunk or full, not '%.40s'", schema);
    }
    return 0;
}

void llm_config_display_url(const struct llm_config *c, char *out, size_t size)
{
    if (!size)
        return;
    out[0] = '\0';
    if (!llm_config_ready(c))
        return;
    const char *u = c->base_url;
    const char *scheme_end = strstr(u, "://");
    const char *host = scheme_end ? scheme_end + 3 : u;
    /* user:password@host: keep what follows the last '@' of the authority. */
    size_t auth_len = strcspn(host, "/?#");
    const char *at = NULL;
    for (const char *p = host; p < host + auth_len; p++)
        if (*p == '@')
            at = p;
    const char *rest = at ? at + 1 : host;
    size_t keep = strcspn(rest, "?#");
    snprintf(out, size, "%.*s%.*s%s", (int)(host - u), u, (int)keep, rest,
             rest[keep] ? " (query hidden)" : "");
}

struct price {
    const char *model; /* a prefix: "gpt-4o-mini" also prices "gpt-4o-mini-2024-07-18" */
    double in, out;    /* USD per million tokens */
};

/* OpenAI's list prices (standard tier, 2025). */
static const struct price prices[] = {
    {"gpt-4o-mini", 0.15, 0.60},   {"gpt-4o", 2.50, 10.00},    {"gpt-4.1-nano", 0.10, 0.40},
    {"gpt-4.1-mini", 0.40, 1.60},  {"gpt-4.1", 2.00, 8.00},    {"gpt-4-turbo", 10.00, 30.00},
    {"gpt-3.5-turbo", 0.50, 1.50}, {"o3-mini", 1.10, 4.40},    {"o4-mini", 1.10, 4.40},
    {"gpt-5-nano", 0.05, 0.40},    {"gpt-5-mini", 0.25, 2.00}, {"gpt-5", 1.25, 10.00},
};

int llm_price(const char *model, double *prompt_per_m, double *completion_per_m)
{
    if (!model)
        return -1;
    for (size_t i = 0; i < sizeof prices / sizeof prices[0]; i++) {
        size_t n = strlen(prices[i].model);
        if (strncmp(model, prices[i].model, n) != 0)
            continue;
        /* The name itself, or a dated snapshot of it ("gpt-4o-2024-08-06"); "gpt-4o" does
         * not price "gpt-4o-mini". */
        if (model[n] == '\0' || (model[n] == '-' && isdigit((unsigned char)model[n + 1]))) {
            *prompt_per_m = prices[i].in;
            *completion_per_m = prices[i].out;
            return 0;
        }
    }
    return -1;
}

void llm_scrub(const struct llm_config *c, char *text)
{
    if (!c || !text || !c->api_key[0])
        return;
    static const char mark[] = "[redacted]";
    size_t klen = strlen(c->api_key);
    char *p;
    while ((p = strstr(text, c->api_key)) != NULL) {
        /* The key is never shorter than the mark in practice; when it is, stars do. */
        size_t tail = strlen(p + klen);
        if (klen >= sizeof mark - 1) {
            memcpy(p, mark, sizeof mark - 1);
            memmove(p + sizeof mark - 1, p + klen, tail + 1);
        } else {
            memset(p, '*', klen);
        }
    }
}
