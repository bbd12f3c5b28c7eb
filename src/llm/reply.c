/*
 * Reading Chat Completions replies (see llm/llm.h). A reply is hostile input: it may be
 * any bytes, of any size, shaped like anything. Everything here checks types, sizes and
 * counts before copying, and a failure leaves nothing behind but an error with a reason.
 * Called by http.c on every 200 reply, by agents/ for the content object, and by the fuzz
 * target fuzz/fuzz_llm_reply.c.
 */
#include "llm/internal.h"
#include "llm/llm.h"

#include "base/error.h"
#include "base/mem.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ID = 128, MAX_NAME = 64, MAX_TOKENS_REPORTED = 100000000 };

void llm__clean_text(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        /* Cut at a character boundary (s[n] is the first byte dropped), then mark it. */
        n = max >= 3 ? max - 3 : 0;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        memcpy(s + n, "...", max >= 3 ? 3 : 0);
        s[n + (max >= 3 ? 3 : 0)] = '\0';
    }
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = ' ';
}

void llm__error_message(const char *body, size_t len, char *out, size_t size)
{
    out[0] = '\0';
    if (!body || len == 0 || len > LLM_MAX_REPLY || size == 0)
        return;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    const char *msg = NULL;
    if (json_is_object(root)) {
        json_t *e = json_object_get(root, "error");
        if (json_is_object(e))
            msg = json_string_value(json_object_get(e, "message"));
        else if (json_is_string(e))
            msg = json_string_value(e);
        else
            msg = json_string_value(json_object_get(root, "message"));
    }
    if (msg)
        snprintf(out, size, "%s", msg);
    json_decref(root);
    llm__clean_text(out, size > LLM__SHOWN_TEXT ? LLM__SHOWN_TEXT : size - 1);
}

void llm_reply_fini(struct llm_reply *r)
{
    if (!r)
        return;
    free(r->content);
    for (size_t i = 0; i < r->ncalls; i++) {
        free(r->calls[i].id);
        free(r->calls[i].name);
        free(r->calls[i].arguments);
    }
    free(r->calls);
    memset(r, 0, sizeof *r);
}

/* A string member no longer than max bytes: 1 and *out set, 0 when absent or null, -1
 * when it is something else or too long. */
static int string_member(json_t *o, const char *key, size_t max, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) > max)
        return -1;
    *out = json_string_value(v);
    return 1;
}

static int name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

static int read_calls(json_t *arr, struct llm_reply *out, struct sq_error *err)
{
    if (!json_is_array(arr))
        return sq_error_set(err, SQ_E_PARSE, -1, "the reply's tool_calls is not an array");
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    if (n > LLM_MAX_CALLS)
        return sq_error_set(err, SQ_E_PARSE, -1,
                            "the reply asks for %zu tool calls; at most %d are accepted", n,
                            LLM_MAX_CALLS);
    out->calls = xcalloc(n, sizeof *out->calls);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(arr, i);
        json_t *fn = json_object_get(c, "function");
        const char *id, *name, *args;
        const char *type = json_string_value(json_object_get(c, "type"));
        if (!json_is_object(c) || !json_is_object(fn) || (type && strcmp(type, "function") != 0))
            return sq_error_set(err, SQ_E_PARSE, -1, "tool call %zu is not a function call", i + 1);
        if (string_member(c, "id", MAX_ID, &id) != 1 || !*id)
            return sq_error_set(err, SQ_E_PARSE, -1, "tool call %zu has no usable id", i + 1);
        if (string_member(fn, "name", MAX_NAME, &name) != 1 || !name_ok(name))
            return sq_error_set(err, SQ_E_PARSE, -1, "tool call %zu has no usable name", i + 1);
        int ra = string_member(fn, "arguments", LLM_MAX_ARGS, &args);
        if (ra < 0)
            return sq_error_set(err, SQ_E_PARSE, -1,
                                "the arguments of tool call %zu are not a string of at most %d "
                                "bytes",
                                i + 1, LLM_MAX_ARGS);
        out->calls[i].id = xstrdup(id);
        out->calls[i].name = xstrdup(name);
        out->calls[i].arguments = xstrdup(args ? args : "{}");
        out->ncalls = i + 1;
    }
    return 0;
}

/* A token count: a non-negative integer (a whole real number is accepted), clamped. */
static int token_count(json_t *usage, const char *key, long *out)
{
    json_t *v = json_object_get(usage, key);
    double d;
    if (json_is_integer(v))
        d = (double)json_integer_value(v);
    else if (json_is_real(v))
        d = json_real_value(v);
    else
        return -1;
    if (!(d >= 0) || d != (double)(long long)d)
        return -1;
    *out = d > MAX_TOKENS_REPORTED ? MAX_TOKENS_REPORTED : (long)d;
    return 0;
}

static int parse_root(json_t *root, struct llm_reply *out, struct sq_error *err)
{
    if (!json_is_object(root))
        return sq_error_set(err, SQ_E_PARSE, -1, "the reply is not a JSON object");
    json_t *e = json_object_get(root, "error");
    if (e && !json_is_null(e)) {
        const char *msg = json_is_object(e) ? json_string_value(json_object_get(e, "message"))
                                            : json_string_value(e);
        char text[LLM__SHOWN_TEXT_BUF];
        snprintf(text, sizeof text, "%s", msg ? msg : "no message");
        llm__clean_text(text, LLM__SHOWN_TEXT);
        return sq_error_set(err, SQ_E_IO, -1, "the model server reported an error: %s", text);
    }
    json_t *choices = json_object_get(root, "choices");
    if (!json_is_array(choices) || json_array_size(choices) == 0)
        return sq_error_set(err, SQ_E_PARSE, -1,
                            "the reply is not a chat completion (no \"choices\")");
    json_t *choice = json_array_get(choices, 0);
    json_t *msg = json_is_object(choice) ? json_object_get(choice, "message") : NULL;
    if (!json_is_object(msg))
        return sq_error_set(err, SQ_E_PARSE, -1, "the reply's first choice has no message");
    const char *finish;
    if (string_member(choice, "finish_reason", sizeof out->finish_reason - 1, &finish) == 1)
        snprintf(out->finish_reason, sizeof out->finish_reason, "%s", finish);
    const char *refusal;
    if (string_member(msg, "refusal", LLM_MAX_CONTENT, &refusal) == 1 && *refusal) {
        char text[LLM__SHOWN_TEXT_BUF];
        snprintf(text, sizeof text, "%s", refusal);
        llm__clean_text(text, LLM__SHOWN_TEXT);
        return sq_error_set(err, SQ_E_UNSUPPORTED, -1, "the model declined: %s", text);
    }
    const char *content;
    int rc = string_member(msg, "content", LLM_MAX_CONTENT, &content);
    if (rc < 0)
        return sq_error_set(err, SQ_E_PARSE, -1,
                            "the reply's content is not a string of at most %d bytes",
                            LLM_MAX_CONTENT);
    json_t *calls = json_object_get(msg, "tool_calls");
    if (calls && !json_is_null(calls) && (rc = read_calls(calls, out, err)) != 0)
        return rc;
    if (content && (*content || out->ncalls == 0))
        out->content = xstrdup(content);
    if (!out->content && out->ncalls == 0)
        return sq_error_set(err, SQ_E_PARSE, -1,
                            "the reply holds neither content nor tool calls (finish reason: %s)",
                            out->finish_reason[0] ? out->finish_reason : "none");
    json_t *usage = json_object_get(root, "usage");
    if (json_is_object(usage) && token_count(usage, "prompt_tokens", &out->prompt_tokens) == 0 &&
        token_count(usage, "completion_tokens", &out->completion_tokens) == 0)
        out->has_usage = 1;
    else
        out->prompt_tokens = out->completion_tokens = 0;
    return 0;
}

int llm_reply_parse(const char *body, size_t len, struct llm_reply *out, struct sq_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > LLM_MAX_REPLY)
        return sq_error_set(err, SQ_E_TOO_BIG, -1, "the reply is %zu bytes; the limit is %d", len,
                            LLM_MAX_REPLY);
    if (!body || len == 0)
        return sq_error_set(err, SQ_E_PARSE, -1, "the reply is empty");
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        llm__clean_text(jerr.text, LLM__SHOWN_JSON_ERROR);
        return sq_error_set(err, SQ_E_PARSE, -1, "the reply is not JSON (at byte %d: %s)",
                            jerr.position, jerr.text);
    }
    int rc = parse_root(root, out, err);
    json_decref(root);
    if (rc)
        llm_reply_fini(out);
    return rc;
}

int llm_reply_object(const char *content, json_t **out, struct sq_error *err)
{
    *out = NULL;
    if (!content)
        return sq_error_set(err, SQ_E_PARSE, -1, "the reply has no content");
    size_t n = strlen(content);
    if (n > LLM_MAX_CONTENT)
        return sq_error_set(err, SQ_E_TOO_BIG, -1,
                            "the reply's content is %zu bytes; the limit "
                            "is %d",
                            n, LLM_MAX_CONTENT);
    size_t i = 0;
    while (i < n && isspace((unsigned char)content[i]))
        i++;
    if (i == n || content[i] != '{') {
        enum { SHOWN_START = 40 }; /* bytes of the reply quoted */
        char start[SHOWN_START + 1];
        snprintf(start, sizeof start, "%.*s", SHOWN_START, content + i);
        llm__clean_text(start, SHOWN_START);
        return sq_error_set(err, SQ_E_PARSE, -1,
                            "the reply is not a JSON object (it starts \"%s\")", start);
    }
    json_error_t jerr;
    json_t *v = json_loadb(content + i, n - i, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        llm__clean_text(jerr.text, LLM__SHOWN_JSON_ERROR);
        return sq_error_set(err, SQ_E_PARSE, -1, "the reply is not a JSON object (%s)", jerr.text);
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return sq_error_set(err, SQ_E_PARSE, -1, "the reply is not a JSON object");
    }
    *out = v;
    return 0;
}
