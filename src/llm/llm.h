/*
 * The OpenAI-compatible client, the only code that includes curl.h: Chat Completions over
 * HTTP(S) with JSON-schema structured outputs (a reply is an object, never prose to
 * scrape) and tool calls; retries with exponential backoff and jitter on 429, 5xx,
 * timeouts and cut-off replies, honouring Retry-After; a hard deadline and cancellation
 * per question; token accounting from each reply's usage. agents/ is its only caller.
 *
 * A reply is hostile input: it is read into a bounded buffer, parsed with limits, and the
 * API key is scrubbed out of every byte that came from the network before anything keeps
 * it. The key itself goes into the Authorization header and nowhere else.
 *
 * Ownership: struct llm_config is a plain value (fixed arrays, nothing to free). struct
 * llm_chat and struct llm_reply are caller-owned (init/fini); strings given to the
 * llm_chat_add* functions are copied. llm_session_new returns a session freed with
 * llm_session_free (NULL-safe); it borrows the config, which must outlive it.
 */
#ifndef SQ_LLM_LLM_H
#define SQ_LLM_LLM_H

#include <jansson.h>
#include <stddef.h>

struct playbook;
struct sq_error;

enum {
    LLM_URL_MAX = 512,
    LLM_KEY_MAX = 512,
    LLM_MODEL_MAX = 128,
    /* llm_config_display_url's text: the URL less its user info, and " (query hidden)". */
    LLM_DISPLAY_URL_MAX = LLM_URL_MAX + 20,
    /* llm_config_describe's text: a line per setting, the longest the display URL's. */
    LLM_DESCRIBE_MAX = 4096,
    LLM_FINISH_REASON_MAX = 32,      /* "stop", "length", "tool_calls", "content_filter" */
    LLM_MAX_REPLY = 4 * 1024 * 1024, /* bytes of one HTTP reply body */
    LLM_MAX_CONTENT = 256 * 1024,    /* bytes of the assistant's content */
    LLM_MAX_CALLS = 8,               /* tool calls in one reply */
    LLM_MAX_ARGS = 8 * 1024,         /* bytes of one tool call's arguments */
};

/* The settings a user gives, by the names of the playbook's llm: section. */
enum llm_setting {
    LLM_SET_URL,          /* url */
    LLM_SET_MODEL,        /* model */
    LLM_SET_DEEP_MODEL,   /* deep_model */
    LLM_SET_TIMEOUT_MS,   /* timeout_ms */
    LLM_SET_DEADLINE_MS,  /* deadline_ms */
    LLM_SET_RETRIES,      /* retries */
    LLM_SET_MAX_ROUNDS,   /* max_rounds */
    LLM_SET_TOKEN_BUDGET, /* token_budget */
    LLM_SET_SCHEMA,       /* schema: chunk | full */
    LLM_NSETTINGS
};

/* Where a setting came from, weakest first: a later source overrides an earlier one. */
enum llm_source { LLM_FROM_DEFAULT, LLM_FROM_PLAYBOOK, LLM_FROM_ENV, LLM_FROM_FLAG };

/* Everything that says which model to ask and how patiently. */
struct llm_config {
    char base_url[LLM_URL_MAX];     /* ".../v1", no trailing slash; "" = no model */
    char api_key[LLM_KEY_MAX];      /* secret: never printed, logged or stored; "" = none */
    char model[LLM_MODEL_MAX];      /* auto mode's single shot (default gpt-4o-mini) */
    char deep_model[LLM_MODEL_MAX]; /* deep mode's agents (default: model) */
    double timeout_ms;              /* one HTTP request (default 60000) */
    double deadline_ms;             /* one question: every call and wait (default 180000) */
    int max_retries;                /* per call, on 429/5xx/timeouts/cut-offs (default 3) */
    int max_rounds;                 /* repair rounds per question (default 3) */
    long token_budget;              /* prompt + completion tokens per question (default 40000) */
    int max_tokens;                 /* completion tokens per call (default 1024) */
    int chunk;                      /* 1: send a chunk of the schema (default); 0: all of it */
    double retry_base_ms;           /* the first backoff (default 500) */

    /* Where each setting came from (enum llm_source, by enum llm_setting). */
    unsigned char from[LLM_NSETTINGS];
    /* 1: OPENAI_API_KEY is set but not sent, since the URL is the playbook's, elsewhere. */
    int key_withheld;
};

/* A setting given on the command line: its name as in the playbook (url, model,
 * deep_model, timeout_ms, ...), its value, and the flag, for messages ("--llm-timeout"). */
struct llm_flag {
    const char *name;
    const char *value;
    const char *flag;
};

/* The defaults above, with no model configured. */
void llm_config_defaults(struct llm_config *c);
/* Sets one setting by name (as above) from text, checked the same whatever its source: a
 * bad value or an unknown name fails with SQ_E_USAGE and a message that starts with what
 * ("SALESQL_LLM_RETRIES", "--max-rounds", "playbook.yaml line 3, column 12: llm retries")
 * and never holds the key. Setting the model sets the deep model too, unless a source has
 * set that. A URL from the playbook may not carry user:password@. */
int llm_config_set(struct llm_config *c, const char *name, const char *value, enum llm_source from,
                   const char *what, struct sq_error *err);
/* The configuration, each setting from the strongest source that gives it: flags, the
 * environment (SALESQL_LLM_URL, SALESQL_LLM_MODEL, SALESQL_LLM_DEEP_MODEL,
 * SALESQL_LLM_TIMEOUT_MS, SALESQL_LLM_DEADLINE_MS, SALESQL_LLM_RETRIES,
 * SALESQL_LLM_MAX_ROUNDS, SALESQL_LLM_TOKEN_BUDGET, SALESQL_LLM_SCHEMA), the playbook's
 * llm: section (pb may be NULL), the defaults. The key comes from OPENAI_API_KEY only;
 * with a key and no URL, the URL is https://api.openai.com/v1. The key is withheld
 * (key_withheld) from a URL the playbook gave unless it is on this machine (localhost,
 * 127.x, [::1]): a shared data folder must not be able to send it elsewhere. */
int llm_config_load(struct llm_config *c, const struct playbook *pb, const struct llm_flag *flags,
                    size_t nflags, struct sq_error *err);
/* llm_config_load without a playbook or flags. */
int llm_config_from_env(struct llm_config *c, struct sq_error *err);
/* Each setting, its value and where it came from, one per line, for --explain and
 * --verbose ("model  llama3.1  (playbook)"); the URL in its display form, never the key. */
void llm_config_describe(const struct llm_config *c, char *out, size_t size);
/* Sets the base URL (http:// or https://, at most LLM_URL_MAX - 1 bytes); SQ_E_USAGE. */
int llm_config_set_url(struct llm_config *c, const char *url, struct sq_error *err);
/* 1 when a model is configured (a base URL is set). */
int llm_config_ready(const struct llm_config *c);
/* The base URL for messages: scheme, host, port and path, without user info, query or
 * fragment (where a key could hide). */
void llm_config_display_url(const struct llm_config *c, char *out, size_t size);
/* USD per million prompt and completion tokens of a known model (a small table of
 * OpenAI's list prices); 0, or -1 when the model's price is not known. */
int llm_price(const char *model, double *prompt_per_m, double *completion_per_m);
/* Replaces every occurrence of the config's API key in text with "[redacted]", in place
 * (the text never grows). */
void llm_scrub(const struct llm_config *c, char *text);

/* A conversation. */
enum llm_role { LLM_SYSTEM, LLM_USER, LLM_ASSISTANT, LLM_TOOL };

struct llm_tool_call {
    char *id;
    char *name;
    char *arguments; /* JSON text, as the model wrote it (unchecked) */
};

struct llm_message {
    enum llm_role role;
    char *content;      /* NULL for an assistant turn that only called tools */
    char *tool_call_id; /* LLM_TOOL */
    struct llm_tool_call *calls;
    size_t ncalls;
};

struct llm_chat {
    struct llm_message *m;
    size_t n, cap;
};

void llm_chat_init(struct llm_chat *c);
void llm_chat_fini(struct llm_chat *c);
/* Appends a message; invalid UTF-8 in content is replaced (JSON needs valid text). */
void llm_chat_add(struct llm_chat *c, enum llm_role role, const char *content);
/* Appends the assistant turn that asked for tools, then one result per call. */
void llm_chat_add_calls(struct llm_chat *c, const struct llm_tool_call *calls, size_t n);
void llm_chat_add_tool_result(struct llm_chat *c, const char *call_id, const char *content);
/* Bytes of all message contents and tool arguments (for prompt-size reports). */
size_t llm_chat_bytes(const struct llm_chat *c);

/* A function the model may call; parameters is a JSON schema as text. */
struct llm_tool {
    const char *name;
    const char *description;
    const char *parameters;
};

struct llm_request {
    const char *model;
    const struct llm_chat *chat;
    const char *schema_name; /* response_format json_schema name, or NULL for none */
    const char *schema;      /* its JSON schema, as text */
    const struct llm_tool *tools;
    size_t ntools;
    int max_tokens; /* 0: the config's */
};

/* The Chat Completions request body as JSON text (caller frees), or NULL with SQ_E_PARSE
 * when the schema or a tool's parameters are not JSON. */
char *llm_request_body(const struct llm_request *r, int max_tokens, struct sq_error *err);

struct llm_reply {
    char *content; /* the assistant's text, or NULL when it only called tools */
    struct llm_tool_call *calls;
    size_t ncalls;
    char finish_reason[LLM_FINISH_REASON_MAX];
    long prompt_tokens, completion_tokens;
    int has_usage;    /* 0: the reply had no usable usage; the counts are estimates */
    int attempts;     /* HTTP requests this call took (1 + retries) */
    int http_status;  /* of the last attempt */
    double ms;        /* wall time of the call, waits included */
    size_t req_bytes; /* request body size */
};

/* Reads a Chat Completions response body (the first choice). 0 with *out filled; else
 * *out is empty and: SQ_E_TOO_BIG (over LLM_MAX_REPLY), SQ_E_PARSE (not JSON, not a
 * completion, content and tool calls both missing, fields of the wrong type or over
 * their limits), SQ_E_UNSUPPORTED (the model refused; err says why), SQ_E_IO (the body
 * is an error object). err->msg is never empty on failure. */
int llm_reply_parse(const char *body, size_t len, struct llm_reply *out, struct sq_error *err);
void llm_reply_fini(struct llm_reply *r);
/* Reads content as exactly one JSON object (whitespace around it allowed, nothing else):
 * 0 and *out a new reference, or SQ_E_PARSE / SQ_E_TOO_BIG with *out NULL. */
int llm_reply_object(const char *content, json_t **out, struct sq_error *err);

/* Tokens and calls so far in a session; cost_usd is -1 when a model's price is unknown. */
struct llm_usage {
    int calls; /* HTTP requests sent, retries included */
    long prompt_tokens, completion_tokens;
    double cost_usd;
    int estimated; /* 1 when a reply had no usage and bytes/4 stood in */
};

struct llm_session;

/* One question's client: its deadline starts now. cancelled (may be NULL) is polled
 * during transfers and waits; when it returns non-zero the call stops. */
struct llm_session *llm_session_new(const struct llm_config *c, int (*cancelled)(void *ud),
                                    void *ud);
void llm_session_free(struct llm_session *s);
/* One Chat Completions call, retried on 429, 5xx, timeouts and cut-off replies. 0 and
 * *out filled (caller finis it); on failure *out is empty (its attempts, http_status and
 * ms still say what happened) and the code is SQ_E_TIMEOUT (the deadline passed or the
 * last attempt timed out), SQ_E_INTERRUPTED (cancelled), SQ_E_IO (cannot connect, an
 * HTTP error, cut off every time), SQ_E_TOO_BIG (a reply over its limit, or the token
 * budget spent: nothing is sent then), or a code of llm_reply_parse. */
int llm_session_chat(struct llm_session *s, const struct llm_request *r, struct llm_reply *out,
                     struct sq_error *err);
void llm_session_usage(const struct llm_session *s, struct llm_usage *out);
/* Milliseconds left before the deadline (may be negative), and tokens left in the budget. */
double llm_session_remaining_ms(const struct llm_session *s);
long llm_session_tokens_left(const struct llm_session *s);

#endif
