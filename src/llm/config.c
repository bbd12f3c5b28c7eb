/*
 * The model configuration (see llm/llm.h): defaults, then the playbook's llm: section,
 * the environment and flags, each value checked by one setter whatever its source; URL
 * checks, the price table for cost estimates, and the ways a key is kept out of output
 * and away from other hosts: a display form of the URL without user info or query,
 * llm_scrub for text from the network, and no key for a remote URL from the playbook.
 * Called by the CLI (to build the config) and by the rest of llm/.
 */
#include "llm/llm.h"

#include "base/error.h"
#include "schema/playbook.h"

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

/* Each setting by its name (the playbook's), its environment variable, and the range of
 * a number. */
static const struct setting {
    const char *name, *env;
    double min, max;
    int whole; /* a count: no fractions */
} settings[LLM_NSETTINGS] = {
    [LLM_SET_URL] = {"url", "SALESQL_LLM_URL", 0, 0, 0},
    [LLM_SET_MODEL] = {"model", "SALESQL_LLM_MODEL", 0, 0, 0},
    [LLM_SET_DEEP_MODEL] = {"deep_model", "SALESQL_LLM_DEEP_MODEL", 0, 0, 0},
    [LLM_SET_TIMEOUT_MS] = {"timeout_ms", "SALESQL_LLM_TIMEOUT_MS", 100, 3600000, 0},
    [LLM_SET_DEADLINE_MS] = {"deadline_ms", "SALESQL_LLM_DEADLINE_MS", 100, 36000000, 0},
    [LLM_SET_RETRIES] = {"retries", "SALESQL_LLM_RETRIES", 0, 10, 1},
    [LLM_SET_MAX_ROUNDS] = {"max_rounds", "SALESQL_LLM_MAX_ROUNDS", 0, 10, 1},
    [LLM_SET_TOKEN_BUDGET] = {"token_budget", "SALESQL_LLM_TOKEN_BUDGET", 1, 10000000, 1},
    [LLM_SET_SCHEMA] = {"schema", "SALESQL_LLM_SCHEMA", 0, 0, 0},
};

/* The authority of a URL (after "scheme://", up to the path, query or fragment). */
static const char *url_authority(const char *url, size_t *len)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end ? scheme_end + 3 : url;
    *len = strcspn(host, "/?#");
    return host;
}

/* 1 when the URL's host is this machine: localhost, 127.x.x.x or [::1]. */
static int url_is_local(const char *url)
{
    size_t n;
    const char *h = url_authority(url, &n);
    const char *at = memchr(h, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    if (n >= 5 && strncmp(h, "[::1]", 5) == 0)
        return n == 5 || h[5] == ':';
    size_t hl = strcspn(h, ":/?#");
    if (hl > n)
        hl = n;
    if (hl == 9 && strncasecmp(h, "localhost", 9) == 0)
        return 1;
    if (hl < 5 || strncmp(h, "127.", 4) != 0)
        return 0;
    return strspn(h, "0123456789.") >= hl;
}

static int set_url(struct llm_config *c, const char *url, const char *what, struct sq_error *err)
{
    size_t n = strlen(url);
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return sq_error_set(err, SQ_E_USAGE, -1,
                            "%s must start with http:// or https:// (for example "
                            "http://127.0.0.1:11434/v1)",
                            what);
    if (n >= sizeof c->base_url)
        return sq_error_set(err, SQ_E_USAGE, -1, "%s is longer than %zu bytes", what,
                            sizeof c->base_url - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return sq_error_set(err, SQ_E_USAGE, -1, "%s holds a space or control character", what);
    while (n > 0 && url[n - 1] == '/')
        n--;
    memcpy(c->base_url, url, n);
    c->base_url[n] = '\0';
    return 0;
}

int llm_config_set_url(struct llm_config *c, const char *url, struct sq_error *err)
{
    return set_url(c, url, "the model URL", err);
}

int llm_config_ready(const struct llm_config *c)
{
    return c && c->base_url[0] != '\0';
}

static int set_model(char *out, size_t size, const char *v, const char *what, struct sq_error *err)
{
    if (!*v)
        return sq_error_set(err, SQ_E_USAGE, -1, "%s wants a model name", what);
    if (strlen(v) >= size)
        return sq_error_set(err, SQ_E_USAGE, -1, "%s is longer than %zu bytes", what, size - 1);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            return sq_error_set(err, SQ_E_USAGE, -1, "%s holds a control character", what);
    snprintf(out, size, "%s", v);
    return 0;
}

static int set_number(const struct setting *st, const char *v, const char *what, double *out,
                      struct sq_error *err)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    /* !(in range) also refuses nan. */
    if (end == v || errno || *end || !(d >= st->min && d <= st->max) ||
        (st->whole && d != (double)(long)d))
        return sq_error_set(err, SQ_E_USAGE, -1, "%s wants a %s from %.0f to %.0f, not '%.40s'",
                            what, st->whole ? "whole number" : "number", st->min, st->max, v);
    *out = d;
    return 0;
}

static int apply(struct llm_config *c, enum llm_setting i, const char *value, enum llm_source from,
                 const char *what, struct sq_error *err)
{
    double d = 0;
    switch (i) {
    case LLM_SET_URL: {
        size_t n;
        const char *auth = url_authority(value, &n);
        if (from == LLM_FROM_PLAYBOOK && memchr(auth, '@', n))
            return sq_error_set(err, SQ_E_USAGE, -1,
                                "%s holds a user name or password (user:password@host), which "
                                "the playbook must not carry (the data folder may be shared); "
                                "give this URL in SALESQL_LLM_URL instead",
                                what);
        return set_url(c, value, what, err);
    }
    case LLM_SET_MODEL: {
        int rc = set_model(c->model, sizeof c->model, value, what, err);
        if (rc == 0 && c->from[LLM_SET_DEEP_MODEL] == LLM_FROM_DEFAULT)
            snprintf(c->deep_model, sizeof c->deep_model, "%s", c->model);
        return rc;
    }
    case LLM_SET_DEEP_MODEL:
        return set_model(c->deep_model, sizeof c->deep_model, value, what, err);
    case LLM_SET_SCHEMA:
        if (strcmp(value, "chunk") != 0 && strcmp(value, "full") != 0)
            return sq_error_set(err, SQ_E_USAGE, -1, "%s wants chunk or full, not '%.40s'", what,
                                value);
        c->chunk = strcmp(value, "chunk") == 0;
        return 0;
    default:
        break;
    }
    int rc = set_number(&settings[i], value, what, &d, err);
    if (rc)
        return rc;
    switch (i) {
    case LLM_SET_TIMEOUT_MS:
        c->timeout_ms = d;
        break;
    case LLM_SET_DEADLINE_MS:
        c->deadline_ms = d;
        break;
    case LLM_SET_RETRIES:
        c->max_retries = (int)d;
        break;
    case LLM_SET_MAX_ROUNDS:
        c->max_rounds = (int)d;
        break;
    default:
        c->token_budget = (long)d;
        break;
    }
    return 0;
}

int llm_config_set(struct llm_config *c, const char *name, const char *value, enum llm_source from,
                   const char *what, struct sq_error *err)
{
    if (!what)
        what = name;
    for (int i = 0; i < LLM_NSETTINGS; i++) {
        if (strcmp(name, settings[i].name) != 0)
            continue;
        int rc = apply(c, (enum llm_setting)i, value, from, what, err);
        if (rc) {
            if (err)
                llm_scrub(c, err->msg);
            return rc;
        }
        c->from[i] = (unsigned char)from;
        return 0;
    }
    return sq_error_set(err, SQ_E_USAGE, -1, "%s: '%.40s' is not a model setting", what, name);
}

/* OPENAI_API_KEY into c->api_key, checked (never echoed). */
static int read_key(struct llm_config *c, struct sq_error *err)
{
    const char *key = getenv("OPENAI_API_KEY");
    if (!key || !*key)
        return 0;
    size_t n = strlen(key);
    if (n >= sizeof c->api_key)
        return sq_error_set(err, SQ_E_USAGE, -1, "OPENAI_API_KEY is longer than %zu bytes",
                            sizeof c->api_key - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)key[i] <= ' ' || key[i] == 0x7f)
            return sq_error_set(err, SQ_E_USAGE, -1,
                                "OPENAI_API_KEY holds a space or control character");
    memcpy(c->api_key, key, n + 1);
    return 0;
}

/* The sources in order of strength; each overrides what the ones before it set. */
static int load_sources(struct llm_config *c, const struct playbook *pb,
                        const struct llm_flag *flags, size_t nflags, struct sq_error *err)
{
    int rc = read_key(c, err);
    size_t n = 0;
    const struct playbook_setting *ps = playbook_llm(pb, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char what[SQ_ERROR_MSG_MAX]; /* "PATH line L, column C: llm KEY", for messages */
        snprintf(what, sizeof what, "%s line %zu, column %zu: llm %s", playbook_name(pb),
                 ps[i].line, ps[i].column, ps[i].key);
        rc = llm_config_set(c, ps[i].key, ps[i].value, LLM_FROM_PLAYBOOK, what, err);
    }
    for (int i = 0; rc == 0 && i < LLM_NSETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        if (v && *v)
            rc = llm_config_set(c, settings[i].name, v, LLM_FROM_ENV, settings[i].env, err);
    }
    for (size_t i = 0; rc == 0 && i < nflags; i++)
        rc = llm_config_set(c, flags[i].name, flags[i].value, LLM_FROM_FLAG, flags[i].flag, err);
    if (rc == 0 && !c->base_url[0] && c->api_key[0])
        rc = llm_config_set_url(c, "https://api.openai.com/v1", err);
    return rc;
}

int llm_config_load(struct llm_config *c, const struct playbook *pb, const struct llm_flag *flags,
                    size_t nflags, struct sq_error *err)
{
    llm_config_defaults(c);
    int rc = load_sources(c, pb, flags, nflags, err);
    if (rc || (c->from[LLM_SET_URL] == LLM_FROM_PLAYBOOK && c->api_key[0] &&
               !url_is_local(c->base_url))) {
        explicit_bzero(c->api_key, sizeof c->api_key);
        c->key_withheld = rc == 0;
    }
    return rc;
}

int llm_config_from_env(struct llm_config *c, struct sq_error *err)
{
    return llm_config_load(c, NULL, NULL, 0, err);
}

void llm_config_describe(const struct llm_config *c, char *out, size_t size)
{
    /* The environment is named by its variable instead. */
    static const char *const from_names[] = {"default", "playbook", "environment", "flag"};
    if (!size)
        return;
    out[0] = '\0';
    char url[LLM_DISPLAY_URL_MAX];
    llm_config_display_url(c, url, sizeof url);
    size_t used = 0;
    for (int i = 0; i < LLM_NSETTINGS; i++) {
        char v[LLM_DISPLAY_URL_MAX]; /* the URL, a model name or a number */
        switch (i) {
        case LLM_SET_URL:
            snprintf(v, sizeof v, "%s", url[0] ? url : "(none)");
            break;
        case LLM_SET_MODEL:
        case LLM_SET_DEEP_MODEL:
            snprintf(v, sizeof v, "%s", i == LLM_SET_MODEL ? c->model : c->deep_model);
            break;
        case LLM_SET_TIMEOUT_MS:
        case LLM_SET_DEADLINE_MS:
            snprintf(v, sizeof v, "%.0f", i == LLM_SET_TIMEOUT_MS ? c->timeout_ms : c->deadline_ms);
            break;
        case LLM_SET_RETRIES:
        case LLM_SET_MAX_ROUNDS:
            snprintf(v, sizeof v, "%d", i == LLM_SET_RETRIES ? c->max_retries : c->max_rounds);
            break;
        case LLM_SET_TOKEN_BUDGET:
            snprintf(v, sizeof v, "%ld", c->token_budget);
            break;
        default:
            snprintf(v, sizeof v, "%s", c->chunk ? "chunk" : "full");
        }
        const char *from = c->from[i] == LLM_FROM_ENV ? settings[i].env : from_names[c->from[i]];
        const char *note =
            i == LLM_SET_DEEP_MODEL && c->from[i] == LLM_FROM_DEFAULT ? ": the model" : "";
        int w = snprintf(out + used, size - used, "  %-13s %s (%s%s)\n", settings[i].name, v, from,
                         note);
        if (w < 0 || (size_t)w >= size - used)
            return;
        used += (size_t)w;
    }
    snprintf(out + used, size - used, "  %-13s %s\n", "key",
             c->key_withheld ? "OPENAI_API_KEY withheld: not sent to a URL from the playbook "
                               "that is not on this machine"
             : c->api_key[0] ? "from OPENAI_API_KEY"
                             : "none");
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
