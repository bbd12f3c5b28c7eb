/*
 * Deep mode's conductor (see agents/agents.h). For one question: chunk the schema
 * (chunk.c), ask the model for a draft (prompt.c), answer its look-ups (tools.c),
 * validate the draft — the runner's check (the guard, which binds it and names unknown
 * columns with DuckDB's candidates), then the runner's run with the question's limits,
 * then sanity checks (check.c) — and on a failure send the reason back for repair, at
 * most max_rounds times. A reply that is not a query at all (DROP, DELETE, several
 * statements) ends the question at once: a model that writes one has been misled, and no
 * repair should be asked of it. After a run, the result's shape is read (shape.c) and, in
 * deep mode, the model words the insights (narrate.c). Called by answer/ for deep mode and
 * for auto mode's fallback, with the runner through which every query goes.
 */
#include "agents/agents.h"
#include "agents/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/limits.h"
#include "base/mem.h"
#include "guard/guard.h"
#include "lexicon/lexicon.h"
#include "schema/schema.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    MAX_ASSUMPTIONS = 8,
    ASSUMPTION_BYTES = 300,
    EXPLANATION_BYTES = 600,
    MAX_TOOL_CALLS = 4, /* look-ups answered per question */
    MAX_TOOL_TURNS = 3, /* replies that may ask for look-ups */
    MAX_INSIGHTS = 4,
    REPLY_KEPT = 8192,         /* of a failed reply, sent back with the repair request */
    NARRATE_MIN_TOKENS = 1500, /* below this much budget left, no insight call */
    /* Texts of --explain and of the stage line, each with its NUL; a longer one is cut. */
    EXPLAIN_LINE_MAX = 2048, /* one step: what was done, and the text it shows */
    SQL_SHOWN_MAX = 600,     /* a draft's SQL on one line */
    ARGS_SHOWN_MAX = 200,    /* a look-up's arguments on one line */
    BRIEF_MAX = 100,         /* why a draft is repaired, in a few words */
};

void agents__explain(struct sq_buf *b, const char *fmt, ...)
{
    if (!b)
        return;
    char line[EXPLAIN_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sq_buf_puts(b, line);
    sq_buf_putc(b, '\n');
}

void agents__one_line(const char *s, char *out, size_t size)
{
    if (!size)
        return;
    size_t n = 0;
    int space = 0, cut = 0;
    for (const char *p = s ? s : ""; *p; p++) {
        if (isspace((unsigned char)*p) || (unsigned char)*p < ' ') {
            space = n > 0;
            continue;
        }
        if (n + (space ? 2 : 1) + 1 > size) {
            cut = 1;
            break;
        }
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = *p;
    }
    if (cut && size > 4) {
        /* Room for "...", cut at a character boundary (out[n] is the first byte dropped). */
        size_t copied = n;
        n = n < size - 4 ? n : size - 4;
        while (n > 0 && n < copied && ((unsigned char)out[n] & 0xc0) == 0x80)
            n--;
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

void agents__explain_call(struct sq_buf *b, const char *what, const struct llm_reply *r,
                          size_t chat_bytes)
{
    if (!b)
        return;
    agents__explain(b,
                    "   %s call: %zu bytes of messages, %zu bytes sent; %ld prompt + %ld "
                    "completion tokens%s; %d attempt%s, HTTP %d, %.0f ms",
                    what, chat_bytes, r->req_bytes, r->prompt_tokens, r->completion_tokens,
                    r->has_usage || !r->content ? "" : " (estimated)", r->attempts,
                    r->attempts == 1 ? "" : "s", r->http_status, r->ms);
}

static void stage(const struct agents_options *o, const char *name)
{
    if (o->on_stage)
        o->on_stage(o->ud, name);
}

/* ---- Drafts ------------------------------------------------------------------------------ */

static char *cut_clean(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    char *out = xstrndup(s, n);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = ' ';
    return out;
}

void agents_draft_fini(struct agents_draft *d)
{
    if (!d)
        return;
    free(d->sql);
    for (size_t i = 0; i < d->nassumptions; i++)
        free(d->assumptions[i]);
    free(d->assumptions);
    free(d->explanation);
    memset(d, 0, sizeof *d);
}

int agents_draft_parse(const char *content, struct agents_draft *out, struct sq_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *o = NULL;
    int rc = llm_reply_object(content, &o, err);
    if (rc)
        return rc;
    json_t *sql = json_object_get(o, "sql");
    if (!json_is_string(sql)) {
        rc = sq_error_set(err, SQ_E_PARSE, -1, "the reply has no \"sql\" string");
        goto out;
    }
    if (json_string_length(sql) > GUARD_MAX_SQL) {
        rc = sq_error_set(err, SQ_E_TOO_BIG, -1, "the reply's SQL is %zu bytes; the limit is %d",
                          json_string_length(sql), GUARD_MAX_SQL);
        goto out;
    }
    const char *text = json_string_value(sql);
    size_t blank = 0;
    while (text[blank] && isspace((unsigned char)text[blank]))
        blank++;
    if (!text[blank]) {
        rc = sq_error_set(err, SQ_E_PARSE, -1, "the reply's \"sql\" is empty");
        goto out;
    }
    out->sql = xstrdup(text);
    json_t *as = json_object_get(o, "assumptions");
    if (json_is_array(as) && json_array_size(as)) {
        size_t n = json_array_size(as);
        out->assumptions = xcalloc(n < MAX_ASSUMPTIONS ? n : MAX_ASSUMPTIONS, sizeof(char *));
        for (size_t i = 0; i < n && out->nassumptions < MAX_ASSUMPTIONS; i++) {
            const char *a = json_string_value(json_array_get(as, i));
            if (a && *a)
                out->assumptions[out->nassumptions++] = cut_clean(a, ASSUMPTION_BYTES);
        }
    }
    const char *ex = json_string_value(json_object_get(o, "explanation"));
    if (ex && *ex)
        out->explanation = cut_clean(ex, EXPLANATION_BYTES);
out:
    json_decref(o);
    if (rc)
        agents_draft_fini(out);
    return rc;
}

/* ---- Validation and repair --------------------------------------------------------------- */

/* 1 when the guard refused SQL that is not a query at all: no repair is asked for. */
static int not_a_query(const char *sql, const struct sq_error *e)
{
    if (e->code != SQ_E_REJECTED)
        return 0;
    if (strstr(e->msg, "another kind of statement") || strstr(e->msg, "statements; exactly one"))
        return 1;
    const char *p = sql;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == '(')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
            continue;
        }
        break;
    }
    static const char *const query_words[] = {"select", "with",      "values",   "from",
                                              "table",  "pivot",     "unpivot",  "describe",
                                              "show",   "summarize", "summarise"};
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < sizeof query_words / sizeof query_words[0]; i++)
        if (strlen(query_words[i]) == n && strncasecmp(p, query_words[i], n) == 0)
            return 0;
    return 1;
}

/* A few words on why a draft failed, for progress lines: "unknown column regoin". */
static void short_reason(const char *msg, char *out, size_t size)
{
    const char *p;
    if ((p = strstr(msg, "Referenced column \"")) != NULL) {
        p += 19;
        snprintf(out, size, "unknown column %.*s", (int)strcspn(p, "\""), p);
    } else if ((p = strstr(msg, "Table with name ")) != NULL) {
        p += 16;
        snprintf(out, size, "unknown table %.*s", (int)strcspn(p, " "), p);
    } else if ((p = strstr(msg, "Scalar Function with name ")) != NULL ||
               (p = strstr(msg, "Function with name ")) != NULL) {
        p = strstr(p, "name ") + 5;
        snprintf(out, size, "unknown function %.*s", (int)strcspn(p, " "), p);
    } else {
        char line[AGENTS__SHOWN_MAX];
        agents__one_line(msg, line, sizeof line);
        snprintf(out, size, "%.60s", line);
    }
}

struct run {
    const struct agents_runner *rn;
    const struct lx_lexicon *lx;
    const struct schema *s;
    const struct agents_options *o;
    const struct llm_config *cfg;
    struct agents_result *out;
    struct llm_session *ls;
    struct llm_chat chat;
    const char *model;
    const char *question;
    int step;
};

/* Puts prefix before an error's message (cutting the end when it no longer fits). */
static void prefix_error(struct sq_error *e, const char *prefix)
{
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, prefix);
    sq_buf_puts(&b, e->msg);
    size_t n = b.len < sizeof e->msg - 1 ? b.len : sizeof e->msg - 1;
    memcpy(e->msg, b.data, n);
    e->msg[n] = '\0';
    sq_buf_fini(&b);
}

/* What to do after a validation step. */
enum verdict { ACCEPT, REPAIR, STOP };

/* Validates and runs one draft through the runner: its check (the guard: parse tree and
 * binding), then the query with the question's limits, then the sanity checks. On ACCEPT
 * the table is in *t. */
static enum verdict validate(struct run *r, const struct agents_draft *d, int *sanity_used,
                             struct sq_table *t, char *reason, size_t size, struct sq_error *e)
{
    const struct agents_options *o = r->o;
    struct agents_result *out = r->out;
    stage(o, "validating");
    double t0 = sq_now_ms();
    struct guarded_query *q = NULL;
    int rc = r->rn->check(r->rn->ctx, d->sql, &q, e);
    double guard_ms = sq_now_ms() - t0;
    out->guard_ms += guard_ms;
    if (rc) {
        char line[SQ_ERROR_MSG_MAX]; /* one_line never lengthens a text */
        agents__one_line(e->msg, line, sizeof line);
        agents__explain(o->explain, "%d. validate: the guard refused it: %s", ++r->step, line);
        if (not_a_query(d->sql, e)) {
            agents__explain(o->explain, "   not a read-only query: no repair is asked for");
            prefix_error(e, "the model wrote SQL that is not a read-only query; the guard "
                            "refused it: ");
            return STOP;
        }
        snprintf(reason, size, "%s", e->msg);
        return REPAIR;
    }
    stage(o, "running");
    double t1 = sq_now_ms();
    rc = r->rn->run(r->rn->ctx, q, 0, 0, t, e);
    double run_ms = sq_now_ms() - t1;
    out->execute_ms += run_ms;
    guarded_query_free(q);
    if (rc) {
        char line[SQ_ERROR_MSG_MAX]; /* one_line never lengthens a text */
        agents__one_line(e->msg, line, sizeof line);
        agents__explain(o->explain, "%d. validate: guard ok; the query failed: %s", ++r->step,
                        line);
        if (rc == SQ_E_TIMEOUT || rc == SQ_E_INTERRUPTED)
            return STOP;
        snprintf(reason, size, "%s", e->msg);
        return REPAIR;
    }
    char why[SQ_ERROR_MSG_MAX]; /* the caller's reason is that big */
    int sane = agents__sanity(t, r->question, d->sql, why, sizeof why);
    agents__explain(o->explain, "%d. validate: guard ok (%.1f ms); ran: %zu row%s (%.1f ms); %s%s",
                    ++r->step, guard_ms, t->nrows, t->nrows == 1 ? "" : "s", run_ms,
                    sane ? "sanity: " : "sanity ok", sane ? why : "");
    if (sane && !(*sanity_used & sane)) {
        *sanity_used |= sane;
        snprintf(reason, size, "%s", why);
        return REPAIR;
    }
    return ACCEPT;
}

/* Drops the assumptions (and the explanation) whose numbers neither come from the result
 * nor restate the question or the SQL (the insights' number check, check.c). Assumptions are shown
 * to the user as part of the interpretation, so a made-up figure there misleads as much as one in
 * an insight, and is handled the same way: the sentence goes, the answer stays. */
static void check_assumptions(struct run *r, struct agents_draft *d, const struct sq_table *t)
{
    size_t kept = 0;
    for (size_t i = 0; i < d->nassumptions; i++) {
        char why[AGENTS__WHY_MAX];
        if (agents__numbers_ok(d->assumptions[i], t, r->question, d->sql, why, sizeof why)) {
            d->assumptions[kept++] = d->assumptions[i];
            continue;
        }
        char shown[AGENTS__SHOWN_MAX];
        agents__one_line(d->assumptions[i], shown, sizeof shown);
        agents__explain(r->o->explain, "   dropped the assumption \"%s\": %s", shown, why);
        free(d->assumptions[i]);
    }
    d->nassumptions = kept;
    /* The explanation opens the interpretation: the same check, and without it the
     * interpretation says only that the model wrote the query. */
    char why[AGENTS__WHY_MAX];
    if (d->explanation &&
        !agents__numbers_ok(d->explanation, t, r->question, d->sql, why, sizeof why)) {
        char shown[AGENTS__SHOWN_MAX];
        agents__one_line(d->explanation, shown, sizeof shown);
        agents__explain(r->o->explain, "   dropped the explanation \"%s\": %s", shown, why);
        free(d->explanation);
        d->explanation = NULL;
    }
}

static void take_draft(struct run *r, struct agents_draft *d, struct sq_table *t, int sane_note)
{
    struct agents_result *out = r->out;
    check_assumptions(r, d, t);
    out->sql = d->sql;
    d->sql = NULL;
    sq_table_fini(&out->table);
    out->table = *t;
    sq_table_init(t);
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, d->explanation ? d->explanation : "The model's query");
    while (b.len && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '.'))
        b.data[--b.len] = '\0';
    sq_buf_putc(&b, '.');
    for (size_t i = 0; i < d->nassumptions; i++)
        sq_buf_printf(&b, "%s%s", i ? "; " : " Assumed: ", d->assumptions[i]);
    while (d->nassumptions && b.len && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '.'))
        b.data[--b.len] = '\0';
    if (d->nassumptions)
        sq_buf_putc(&b, '.');
    if (sane_note)
        sq_buf_puts(&b,
                    " (The result did not pass a sanity check after repair; read it with care.)");
    out->interpretation = sq_buf_steal(&b);
}

/* The draft, validate, repair loop. */
static int draft_loop(struct run *r)
{
    const struct agents_options *o = r->o;
    const struct llm_config *cfg = r->cfg;
    struct agents_result *out = r->out;
    int tool_turns = 0, tool_calls = 0, sanity_used = 0;
    struct sq_error e;
    sq_error_clear(&e);
    stage(o, "drafting");
    for (;;) {
        sq_error_clear(&e);
        int tools = o->deep && tool_calls < MAX_TOOL_CALLS && tool_turns < MAX_TOOL_TURNS;
        struct llm_request req = {.model = r->model,
                                  .chat = &r->chat,
                                  .schema_name = "sql_draft",
                                  .schema = agents__draft_schema,
                                  .tools = tools ? agents__tools : NULL,
                                  .ntools = tools ? agents__ntools : 0};
        struct llm_reply reply;
        int rc = llm_session_chat(r->ls, &req, &reply, &e);
        agents__explain(o->explain, "%d. %s", ++r->step,
                        out->rounds  ? "repair"
                        : tool_turns ? "draft, after look-ups"
                                     : "draft");
        agents__explain_call(o->explain, "model", &reply, llm_chat_bytes(&r->chat));
        if (rc) {
            agents__explain(o->explain, "   failed: %s", e.msg);
            out->error = e;
            return rc;
        }
        if (reply.ncalls && tool_turns < MAX_TOOL_TURNS) {
            tool_turns++;
            stage(o, "looking up values");
            llm_chat_add_calls(&r->chat, reply.calls, reply.ncalls);
            for (size_t i = 0; i < reply.ncalls; i++) {
                const struct llm_tool_call *call = &reply.calls[i];
                char *result;
                if (!o->deep || tool_calls >= MAX_TOOL_CALLS) {
                    result = xstrdup("{\"error\": \"no more look-ups: answer with the JSON "
                                     "object now\"}");
                } else {
                    agents__run_tool(r->rn, r->s, call, &result);
                    tool_calls++;
                }
                char args[ARGS_SHOWN_MAX];
                agents__one_line(call->arguments, args, sizeof args);
                agents__explain(o->explain, "   look-up %s(%s): %zu bytes back", call->name, args,
                                strlen(result));
                llm_chat_add_tool_result(&r->chat, call->id, result);
                free(result);
            }
            llm_reply_fini(&reply);
            stage(o, "drafting");
            continue;
        }
        struct agents_draft d;
        memset(&d, 0, sizeof d);
        char why[sizeof e.msg];          /* what went wrong, in the words of whoever found it */
        char reason[sizeof e.msg + 200]; /* what the model is told */
        enum verdict v = REPAIR;
        struct sq_table t;
        sq_table_init(&t);
        int fail;
        if (reply.ncalls) {
            fail = sq_error_set(&e, SQ_E_PARSE, -1, "the model kept asking for look-ups");
            snprintf(why, sizeof why, "%s", e.msg);
            snprintf(reason, sizeof reason,
                     "No more look-ups are possible. Reply with the JSON object "
                     "{\"sql\": ..., \"assumptions\": [...], \"explanation\": ...} only.");
        } else if (agents_draft_parse(reply.content, &d, &e) != 0) {
            fail = e.code;
            agents__explain(o->explain, "   the reply is not a usable draft: %s", e.msg);
            snprintf(why, sizeof why, "%s", e.msg);
            snprintf(reason, sizeof reason,
                     "Your reply was not the JSON object asked for (%s). Reply with only "
                     "{\"sql\": ..., \"assumptions\": [...], \"explanation\": ...}.",
                     e.msg);
        } else {
            char line[SQL_SHOWN_MAX];
            agents__one_line(d.sql, line, sizeof line);
            agents__explain(o->explain, "   sql: %s", line);
            v = validate(r, &d, &sanity_used, &t, why, sizeof why, &e);
            fail = e.code;
            if (v == REPAIR && !fail && out->rounds >= cfg->max_rounds) {
                /* A sanity check failed in the last round: keep the result, with a note. */
                take_draft(r, &d, &t, 1);
                agents_draft_fini(&d);
                llm_reply_fini(&reply);
                return 0;
            }
            snprintf(reason, sizeof reason,
                     "That query did not pass: %s\nWrite a corrected query and reply with the "
                     "JSON object again.",
                     why);
        }
        if (v == ACCEPT) {
            take_draft(r, &d, &t, 0);
            agents_draft_fini(&d);
            llm_reply_fini(&reply);
            return 0;
        }
        sq_table_fini(&t);
        agents_draft_fini(&d);
        if (v == STOP || out->rounds >= cfg->max_rounds) {
            if (v != STOP) {
                char pre[sizeof "the model's answer was still not valid after  repair rounds: " +
                         SQ_NUM_TEXT_MAX];
                snprintf(pre, sizeof pre,
                         "the model's answer was still not valid after %d repair round%s: ",
                         out->rounds, out->rounds == 1 ? "" : "s");
                prefix_error(&e, pre);
                agents__explain(o->explain, "   no repair rounds left");
            }
            out->error = e;
            llm_reply_fini(&reply);
            return fail ? fail : SQ_E_QUERY;
        }
        out->rounds++;
        char brief[BRIEF_MAX], line[sizeof "repairing (round : )" + SQ_NUM_TEXT_MAX + BRIEF_MAX];
        short_reason(why, brief, sizeof brief);
        snprintf(line, sizeof line, "repairing (round %d: %s)", out->rounds, brief);
        stage(o, line);
        agents__explain(o->explain, "   repair round %d of %d: %s", out->rounds, cfg->max_rounds,
                        brief);
        char *kept = reply.content ? cut_clean(reply.content, REPLY_KEPT) : xstrdup("");
        llm_chat_add(&r->chat, LLM_ASSISTANT, kept);
        free(kept);
        llm_chat_add(&r->chat, LLM_USER, reason);
        llm_reply_fini(&reply);
    }
}

static void explain_chunk(struct sq_buf *b, int step, const struct agents__chunk *ch,
                          size_t prompt_bytes)
{
    if (!b)
        return;
    agents__explain(b, "%d. schema chunk: %zu of %zu marts, %zu of %zu columns%s", step,
                    ch->ndescribed, ch->nmarts_total, ch->ncols, ch->ncols_total,
                    ch->whole ? " (the whole schema)" : "");
    struct sq_buf line;
    sq_buf_init(&line, 1500);
    for (size_t i = 0; i < ch->nhits; i++) {
        const struct agents__hit *h = &ch->hits[i];
        sq_buf_printf(&line, "%s\"%s\" -> %s%s%s%s%s%s", i ? "; " : "", h->phrase, h->mart->name,
                      h->column ? "." : "", h->column ? h->column : "", h->value ? " = \"" : "",
                      h->value ? h->value : "", h->value ? "\"" : "");
    }
    if (line.len)
        agents__explain(b, "   matched: %s", line.data);
    sq_buf_reset(&line);
    for (size_t i = 0; i < ch->nmarts; i++)
        sq_buf_printf(&line, "%s%s", i ? ", " : "", ch->marts[i]->name);
    if (ch->ndescribed > ch->nmarts)
        sq_buf_printf(&line, ", and %zu more", ch->ndescribed - ch->nmarts);
    agents__explain(b, "   sent: %s", line.data ? line.data : "");
    agents__explain(b, "   system prompt: %zu bytes (~%zu tokens at 4 bytes a token)", prompt_bytes,
                    (prompt_bytes + 3) / 4);
    sq_buf_fini(&line);
}

static int question_ok(const char *q, struct sq_error *err)
{
    size_t n = strlen(q);
    if (n > AGENTS_MAX_QUESTION)
        return sq_error_set(err, SQ_E_UNSUPPORTED, -1, "the question is longer than %d characters",
                            AGENTS_MAX_QUESTION);
    int letters = 0;
    for (const char *p = q; *p; p++)
        letters += isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80;
    if (letters < 2)
        return sq_error_set(err, SQ_E_UNSUPPORTED, -1, "the question has no words to answer");
    return 0;
}

static void scrub_result(const struct llm_config *cfg, struct agents_result *out,
                         struct sq_buf *explain)
{
    llm_scrub(cfg, out->sql);
    llm_scrub(cfg, out->interpretation);
    for (size_t i = 0; i < out->ninsights; i++)
        llm_scrub(cfg, out->insights[i]);
    llm_scrub(cfg, out->error.msg);
    if (explain && explain->data) {
        llm_scrub(cfg, explain->data);
        explain->len = strlen(explain->data);
    }
}

int agents_answer(const struct agents_runner *rn, const struct lx_lexicon *lx, const char *question,
                  const struct agents_options *o, struct agents_result *out)
{
    memset(out, 0, sizeof *out);
    sq_table_init(&out->table);
    sq_error_clear(&out->error);
    double t0 = sq_now_ms();
    const struct llm_config *cfg = o->llm;
    const struct schema *s = lx_lexicon_schema(lx);
    if (!llm_config_ready(cfg))
        return sq_error_set(&out->error, SQ_E_USAGE, -1, "no language model is configured");
    if (question_ok(question, &out->error) != 0)
        return out->error.code;
    if (s->nmarts == 0)
        return sq_error_set(&out->error, SQ_E_UNSUPPORTED, -1,
                            "no data is loaded: there is nothing to ask about");
    struct run r;
    memset(&r, 0, sizeof r);
    r.rn = rn;
    r.lx = lx;
    r.s = s;
    r.o = o;
    r.cfg = cfg;
    r.out = out;
    r.question = question;
    r.model = o->deep ? cfg->deep_model : cfg->model;
    char url[LLM_DISPLAY_URL_MAX];
    llm_config_display_url(cfg, url, sizeof url);
    agents__explain(o->explain, "%s: model %s at %s; at most %d repair round%s, %ld tokens, %.0f s",
                    o->deep ? "deep mode" : "auto mode (the parser declined; the model drafts)",
                    r.model, url, cfg->max_rounds, cfg->max_rounds == 1 ? "" : "s",
                    cfg->token_budget, cfg->deadline_ms / 1000);
    stage(o, "choosing tables");
    struct agents__chunk ch;
    agents__chunk_build(lx, question, cfg->chunk, &ch);
    char *system = agents__draft_prompt(lx, &ch, o->deep);
    explain_chunk(o->explain, ++r.step, &ch, strlen(system));
    llm_chat_init(&r.chat);
    llm_chat_add(&r.chat, LLM_SYSTEM, system);
    llm_chat_add(&r.chat, LLM_USER, question);
    r.ls = llm_session_new(cfg, o->cancelled, o->ud);
    int rc = draft_loop(&r);
    if (rc == 0) {
        agents__infer_shape(&out->table, out->sql, &out->shape, out->measure_label,
                            sizeof out->measure_label);
        char **det = NULL;
        size_t ndet = 0;
        if (o->insights)
            o->insights(&out->table, &out->shape, MAX_INSIGHTS, &det, &ndet);
        char **mine = NULL;
        size_t nmine = 0;
        if (o->deep && out->table.nrows > 0) {
            agents__explain(o->explain, "%d. insights", ++r.step);
            if (llm_session_tokens_left(r.ls) < NARRATE_MIN_TOKENS) {
                agents__explain(o->explain, "   skipped: the token budget is nearly spent");
            } else {
                stage(o, "writing insights");
                struct sq_error ne;
                sq_error_clear(&ne);
                agents__narrate(r.ls, r.model, question, out->sql, &out->table, det, ndet,
                                MAX_INSIGHTS, o->explain, &mine, &nmine, &ne);
            }
        }
        if (nmine) {
            for (size_t i = 0; i < ndet; i++)
                free(det[i]);
            free(det);
            out->insights = mine;
            out->ninsights = nmine;
        } else {
            out->insights = det;
            out->ninsights = ndet;
        }
    }
    llm_session_usage(r.ls, &out->usage);
    out->model_ms = sq_now_ms() - t0 - out->guard_ms - out->execute_ms;
    if (o->explain) {
        char cost[sizeof ", est. cost $ at  list prices" + SQ_NUM_TEXT_MAX + LLM_MODEL_MAX] = "";
        if (out->usage.cost_usd >= 0)
            snprintf(cost, sizeof cost, ", est. cost $%.5f at %s list prices", out->usage.cost_usd,
                     r.model);
        agents__explain(o->explain,
                        "total: %d call%s, %ld prompt + %ld completion tokens%s%s; %.0f ms",
                        out->usage.calls, out->usage.calls == 1 ? "" : "s",
                        out->usage.prompt_tokens, out->usage.completion_tokens,
                        out->usage.estimated ? " (partly estimated)" : "", cost, sq_now_ms() - t0);
    }
    scrub_result(cfg, out, o->explain);
    llm_session_free(r.ls);
    llm_chat_fini(&r.chat);
    free(system);
    agents__chunk_fini(&ch);
    return rc;
}

void agents_result_fini(struct agents_result *r)
{
    if (!r)
        return;
    free(r->sql);
    free(r->interpretation);
    for (size_t i = 0; i < r->ninsights; i++)
        free(r->insights[i]);
    free(r->insights);
    sq_table_fini(&r->table);
    memset(r, 0, sizeof *r);
}
