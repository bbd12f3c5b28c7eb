/*
 * libFuzzer target for model replies: arbitrary bytes as the body of a Chat Completions
 * response, as the error body of a failed one, and as the assistant's content (a draft
 * and insight sentences). Invariants, checked on every input: nothing crashes, and the
 * outcome is either a parsed object within its limits or an error with a reason — never
 * both, never neither. The corpus (fuzz/corpus/llm_reply/) is replayed by make test.
 */
#include "agents/agents.h"
#include "agents/internal.h"
#include "base/error.h"
#include "base/mem.h"
#include "base/table.h"
#include "guard/guard.h"
#include "llm/internal.h"
#include "llm/llm.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

static int clean(const char *s, size_t max)
{
    if (strlen(s) > max)
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            return 0;
    return 1;
}

static void check_reply(const char *body, size_t size)
{
    struct llm_reply r;
    struct sq_error err;
    sq_error_clear(&err);
    int rc = llm_reply_parse(body, size, &r, &err);
    if (rc) {
        check(err.msg[0] != '\0', "an error without a reason");
        check(err.code == rc, "the error's code differs from the return");
        check(!r.content && !r.calls && r.ncalls == 0, "an error left a parsed reply behind");
        return;
    }
    check(r.content || r.ncalls, "a reply with neither content nor tool calls");
    check(r.ncalls <= LLM_MAX_CALLS, "too many tool calls");
    check(!r.content || strlen(r.content) <= LLM_MAX_CONTENT, "content over its limit");
    for (size_t i = 0; i < r.ncalls; i++) {
        const struct llm_tool_call *c = &r.calls[i];
        check(c->id && *c->id && c->name && *c->name && c->arguments, "a tool call missing parts");
        check(strlen(c->arguments) <= LLM_MAX_ARGS, "tool arguments over their limit");
        for (const char *p = c->name; *p; p++)
            check(isalnum((unsigned char)*p) || *p == '_' || *p == '-', "a tool name with "
                                                                        "odd characters");
    }
    check(!r.has_usage || (r.prompt_tokens >= 0 && r.completion_tokens >= 0),
          "negative token counts");
    llm_reply_fini(&r);
}

static void check_draft(const char *content)
{
    struct agents_draft d;
    struct sq_error err;
    sq_error_clear(&err);
    int rc = agents_draft_parse(content, &d, &err);
    if (rc) {
        check(err.msg[0] != '\0', "a draft error without a reason");
        check(!d.sql && !d.assumptions && !d.explanation, "a draft error left parts behind");
        return;
    }
    check(d.sql && *d.sql && strlen(d.sql) <= GUARD_MAX_SQL, "a draft without usable SQL");
    check(d.nassumptions <= 8, "too many assumptions");
    for (size_t i = 0; i < d.nassumptions; i++)
        check(clean(d.assumptions[i], 300), "an assumption too long or with control bytes");
    check(!d.explanation || clean(d.explanation, 600), "an explanation too long or odd");
    agents_draft_fini(&d);
}

/* The number check reads model-written sentences against a small result. */
static void check_sentence(const char *text)
{
    static struct sq_table t;
    static int ready;
    if (!ready) {
        sq_table_init(&t);
        sq_table_add_column(&t, "region", "VARCHAR", 0);
        sq_table_add_column(&t, "sales", "DOUBLE", 1);
        static const char *const rows[][2] = {
            {"West", "81754.2"}, {"East", "-71533.1"}, {"Q3 2017", "0"}, {"Central", "1e300"}};
        for (size_t i = 0; i < 4; i++) {
            size_t r = sq_table_add_row(&t);
            sq_table_set(&t, r, 0, SQ_CELL_TEXT, rows[i][0], strlen(rows[i][0]));
            sq_table_set(&t, r, 1, SQ_CELL_NUMBER, rows[i][1], strlen(rows[i][1]));
        }
        ready = 1;
    }
    char why[160];
    why[0] = 'x';
    int ok = agents__numbers_ok(text, &t, "sales in 2017", "SELECT 1 LIMIT 5", why, sizeof why);
    check(ok ? why[0] == '\0' : why[0] != '\0', "a verdict without (or with) a reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > LLM_MAX_REPLY + 16)
        return 0;
    check_reply((const char *)data, size);
    char msg[240];
    llm__error_message((const char *)data, size, msg, sizeof msg);
    check(clean(msg, 200), "an error message with control bytes or too long");
    /* The same bytes as content (up to the first NUL, as a string would be). */
    char *content = xmalloc(size + 1);
    memcpy(content, data, size);
    content[size] = '\0';
    check_draft(content);
    if (size < 4096)
        check_sentence(content);
    free(content);
    return 0;
}
