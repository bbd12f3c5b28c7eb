/*
 * Conversations and the Chat Completions request body (see llm/llm.h): messages with
 * roles, the assistant's tool calls and their results, response_format of type
 * json_schema, the tools, temperature 0 and a completion cap. Built with jansson, so
 * every string is escaped; text that is not valid UTF-8 is repaired first, since JSON
 * cannot carry it. Called by agents/ (chats) and http.c (bodies).
 */
#include "llm/llm.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/mem.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2, min = 0x80, cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, min = 0x800, cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A copy of s in which every byte that does not begin a valid UTF-8 sequence is '?'. */
static char *utf8_dup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = xmalloc(n + 1);
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_len((const unsigned char *)s + i);
        if (k == 0 || i + k > n) {
            out[i++] = '?';
            continue;
        }
        memcpy(out + i, s + i, k);
        i += k;
    }
    out[n] = '\0';
    return out;
}

void llm_chat_init(struct llm_chat *c)
{
    memset(c, 0, sizeof *c);
}

static void free_calls(struct llm_tool_call *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(calls[i].id);
        free(calls[i].name);
        free(calls[i].arguments);
    }
    free(calls);
}

void llm_chat_fini(struct llm_chat *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->m[i].content);
        free(c->m[i].tool_call_id);
        free_calls(c->m[i].calls, c->m[i].ncalls);
    }
    free(c->m);
    memset(c, 0, sizeof *c);
}

static struct llm_message *push(struct llm_chat *c, enum llm_role role)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->m = xrealloc(c->m, c->cap * sizeof *c->m);
    }
    struct llm_message *m = &c->m[c->n++];
    memset(m, 0, sizeof *m);
    m->role = role;
    return m;
}

void llm_chat_add(struct llm_chat *c, enum llm_role role, const char *content)
{
    push(c, role)->content = utf8_dup(content ? content : "");
}

void llm_chat_add_calls(struct llm_chat *c, const struct llm_tool_call *calls, size_t n)
{
    struct llm_message *m = push(c, LLM_ASSISTANT);
    m->calls = xcalloc(n ? n : 1, sizeof *m->calls);
    m->ncalls = n;
    for (size_t i = 0; i < n; i++) {
        m->calls[i].id = utf8_dup(calls[i].id);
        m->calls[i].name = utf8_dup(calls[i].name);
        m->calls[i].arguments = utf8_dup(calls[i].arguments);
    }
}

void llm_chat_add_tool_result(struct llm_chat *c, const char *call_id, const char *content)
{
    struct llm_message *m = push(c, LLM_TOOL);
    m->tool_call_id = utf8_dup(call_id);
    m->content = utf8_dup(content ? content : "");
}

size_t llm_chat_bytes(const struct llm_chat *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->m[i].content)
            n += strlen(c->m[i].content);
        for (size_t k = 0; k < c->m[i].ncalls; k++)
            n += strlen(c->m[i].calls[k].arguments) + strlen(c->m[i].calls[k].name);
    }
    return n;
}

static const char *role_name(enum llm_role r)
{
    switch (r) {
    case LLM_SYSTEM:
        return "system";
    case LLM_USER:
        return "user";
    case LLM_ASSISTANT:
        return "assistant";
    case LLM_TOOL:
        return "tool";
    }
    return "user";
}

static json_t *message_json(const struct llm_message *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "role", json_string(role_name(m->role)));
    if (m->content)
        json_object_set_new(o, "content", json_string(m->content));
    else
        json_object_set_new(o, "content", json_null());
    if (m->role == LLM_TOOL)
        json_object_set_new(o, "tool_call_id", json_string(m->tool_call_id ? m->tool_call_id : ""));
    if (m->ncalls) {
        json_t *calls = json_array();
        for (size_t i = 0; i < m->ncalls; i++) {
            json_t *fn = json_object();
            json_object_set_new(fn, "name", json_string(m->calls[i].name));
            json_object_set_new(fn, "arguments", json_string(m->calls[i].arguments));
            json_t *call = json_object();
            json_object_set_new(call, "id", json_string(m->calls[i].id));
            json_object_set_new(call, "type", json_string("function"));
            json_object_set_new(call, "function", fn);
            json_array_append_new(calls, call);
        }
        json_object_set_new(o, "tool_calls", calls);
    }
    return o;
}

char *llm_request_body(const struct llm_request *r, int max_tokens, struct sq_error *err)
{
    json_t *root = json_object();
    char *out = NULL;
    json_object_set_new(root, "model", json_string(r->model ? r->model : ""));
    json_t *msgs = json_array();
    for (size_t i = 0; r->chat && i < r->chat->n; i++)
        json_array_append_new(msgs, message_json(&r->chat->m[i]));
    json_object_set_new(root, "messages", msgs);
    json_object_set_new(root, "temperature", json_real(0));
    if (max_tokens > 0)
        json_object_set_new(root, "max_tokens", json_integer(max_tokens));
    json_object_set_new(root, "stream", json_false());
    if (r->schema_name) {
        json_error_t jerr;
        json_t *schema = json_loads(r->schema ? r->schema : "", 0, &jerr);
        if (!json_is_object(schema)) {
            json_decref(schema);
            sq_error_set(err, SQ_E_PARSE, -1, "the reply schema %s is not a JSON object",
                         r->schema_name);
            goto out;
        }
        json_t *js = json_object();
        json_object_set_new(js, "name", json_string(r->schema_name));
        json_object_set_new(js, "strict", json_true());
        json_object_set_new(js, "schema", schema);
        json_t *rf = json_object();
        json_object_set_new(rf, "type", json_string("json_schema"));
        json_object_set_new(rf, "json_schema", js);
        json_object_set_new(root, "response_format", rf);
    }
    if (r->ntools) {
        json_t *tools = json_array();
        for (size_t i = 0; i < r->ntools; i++) {
            json_error_t jerr;
            json_t *params = json_loads(r->tools[i].parameters, 0, &jerr);
            if (!json_is_object(params)) {
                json_decref(params);
                json_decref(tools);
                sq_error_set(err, SQ_E_PARSE, -1, "the parameters of tool %s are not a JSON object",
                             r->tools[i].name);
                goto out;
            }
            json_t *fn = json_object();
            json_object_set_new(fn, "name", json_string(r->tools[i].name));
            json_object_set_new(fn, "description", json_string(r->tools[i].description));
            json_object_set_new(fn, "parameters", params);
            json_t *tool = json_object();
            json_object_set_new(tool, "type", json_string("function"));
            json_object_set_new(tool, "function", fn);
            json_array_append_new(tools, tool);
        }
        json_object_set_new(root, "tools", tools);
    }
    out = json_dumps(root, JSON_COMPACT);
    if (!out)
        sq_error_set(err, SQ_E_INTERNAL, -1, "cannot write the request body");
out:
    json_decref(root);
    return out;
}
