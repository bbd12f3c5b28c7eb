/*
 * The answer pipeline (see answer/answer.h): fast parser -> cache -> guard -> execute
 * (row cap, time limit) -> insights and chart -> cache. The parser's SQL goes through the
 * same guard as anyone's: the guard, not the parser, decides what runs. Deep mode, and
 * auto mode when the parser declines and a model is configured, go to agents/ instead,
 * with a runner that is this file's own path to the data (check, then run), so both
 * modes query through the same guard, executor and limits. The cache (cache.c) is the
 * answerer's own or one shared by a process; this file builds its keys.
 */
#include "answer/answer.h"

#include "agents/agents.h"
#include "answer/cache.h"
#include "answer/internal.h"
#include "base/limits.h"
#include "base/buf.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "guard/guard.h"
#include "lexicon/lexicon.h"
#include "model/model.h"
#include "nlsql/nlsql.h"
#include "schema/playbook.h"
#include "schema/schema.h"
#include "store/store.h"

#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An answerer's own cache, until answerer_use_cache gives it a shared one: as many
 * answers as each answerer kept before caches were shared. */
enum { OWN_CACHE_ENTRIES = 256, MAX_INSIGHTS = 4 };

struct answerer {
    struct store_conn *conn;
    const struct schema *schema;
    const struct playbook *pb;
    struct lx_lexicon *lx;
    struct sm_model *model;           /* the semantic model of the schema */
    struct guard_policy policy;       /* fast mode: every mart and raw table */
    struct guard_policy model_policy; /* a model's SQL: the mart_dyn_* views only */
    const char **views;               /* model_policy's names, borrowed from the schema */
    struct answer_cache *cache;       /* own, or shared (borrowed) */
    struct answer_cache *own;         /* NULL once a shared one is used */
    uint64_t pb_hash;                 /* of the playbook, for model answers' keys */
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The playbook's glossary, synonyms and metrics go into a model's prompts, so an edit of
 * them makes a model's answer another one. */
static uint64_t playbook_hash(const struct playbook *pb)
{
    if (!pb)
        return 0;
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    playbook_write_json(pb, &w);
    uint64_t h = fnv1a(b.data ? b.data : "", b.len);
    sq_buf_fini(&b);
    return h;
}

struct answerer *answerer_new(struct store_conn *c, const struct schema *s,
                              const struct playbook *pb)
{
    struct answerer *a = xcalloc(1, sizeof *a);
    a->conn = c;
    a->schema = s;
    a->pb = pb;
    a->lx = lx_lexicon_new(s, pb);
    a->model = sm_model_build(s);
    guard_policy_init(&a->policy, s);
    a->views = xcalloc(s->nmarts + 1, sizeof *a->views);
    for (size_t i = 0; i < s->nmarts; i++)
        a->views[i] = s->marts[i].name;
    a->model_policy.tables = a->views;
    a->model_policy.ntables = s->nmarts;
    struct answer_cache_limits lim = {.entries = OWN_CACHE_ENTRIES};
    a->own = a->cache = answer_cache_new(&lim, NULL);
    a->pb_hash = playbook_hash(pb);
    return a;
}

void answerer_use_cache(struct answerer *a, struct answer_cache *c)
{
    answer_cache_free(a->own);
    a->own = NULL;
    a->cache = c;
}

void answerer_free(struct answerer *a)
{
    if (!a)
        return;
    answer_cache_free(a->own);
    guard_policy_fini(&a->policy);
    free(a->views);
    lx_lexicon_free(a->lx);
    sm_model_free(a->model);
    free(a);
}

size_t answerer_cache_hits(const struct answerer *a)
{
    struct answer_cache_stats st;
    answer_cache_stats(a->cache, &st);
    return st.hits;
}

static char **dup_list(char *const *src, size_t n)
{
    if (!n)
        return NULL;
    char **out = xcalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(src[i]);
    return out;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void table_copy(struct sq_table *dst, const struct sq_table *src)
{
    sq_table_init(dst);
    for (size_t c = 0; c < src->ncols; c++)
        sq_table_add_column(dst, src->cols[c].name, src->cols[c].type, src->cols[c].numeric);
    for (size_t r = 0; r < src->nrows; r++) {
        size_t row = sq_table_add_row(dst);
        for (size_t c = 0; c < src->ncols; c++) {
            const struct sq_cell *cell = sq_table_cell(src, r, c);
            sq_table_set(dst, row, c, cell->kind, cell->text ? cell->text : "",
                         cell->text ? strlen(cell->text) : 0);
        }
    }
    dst->truncated = src->truncated;
}

void answer__copy(struct answer *dst, const struct answer *src)
{
    *dst = *src;
    dst->question = dup_or_null(src->question);
    dst->sql = dup_or_null(src->sql);
    dst->interpretation = dup_or_null(src->interpretation);
    dst->chart = dup_or_null(src->chart);
    dst->query = dup_or_null(src->query);
    dst->understood = dup_or_null(src->understood);
    dst->insights = dup_list(src->insights, src->ninsights);
    dst->suggestions = dup_list(src->suggestions, src->nsuggestions);
    dst->unplaced = dup_list(src->unplaced, src->nunplaced);
    dst->unplaced_offsets = NULL;
    if (src->nunplaced) {
        dst->unplaced_offsets = xcalloc(src->nunplaced, sizeof *dst->unplaced_offsets);
        memcpy(dst->unplaced_offsets, src->unplaced_offsets,
               src->nunplaced * sizeof *dst->unplaced_offsets);
    }
    table_copy(&dst->table, &src->table);
    dst->shape.measure_label = dst->measure_label;
}

void answer_fini(struct answer *a)
{
    free(a->question);
    free(a->sql);
    free(a->interpretation);
    free(a->chart);
    free(a->query);
    free(a->understood);
    free_list(a->insights, a->ninsights);
    free_list(a->suggestions, a->nsuggestions);
    free_list(a->unplaced, a->nunplaced);
    free(a->unplaced_offsets);
    sq_table_fini(&a->table);
    memset(a, 0, sizeof *a);
}

static size_t len_or_0(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

size_t answer__bytes(const struct answer *a)
{
    size_t n = sizeof *a + len_or_0(a->question) + len_or_0(a->sql) + len_or_0(a->interpretation) +
               len_or_0(a->chart) + len_or_0(a->understood);
    for (size_t i = 0; i < a->ninsights; i++)
        n += sizeof *a->insights + len_or_0(a->insights[i]);
    for (size_t i = 0; i < a->nsuggestions; i++)
        n += sizeof *a->suggestions + len_or_0(a->suggestions[i]);
    for (size_t i = 0; i < a->nunplaced; i++)
        n += sizeof *a->unplaced + sizeof *a->unplaced_offsets + len_or_0(a->unplaced[i]);
    const struct sq_table *t = &a->table;
    for (size_t c = 0; c < t->ncols; c++)
        n += sizeof *t->cols + len_or_0(t->cols[c].name) + len_or_0(t->cols[c].type);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        n += sizeof *t->cells + len_or_0(t->cells[i].text);
    return n;
}

void answer__mart_token(struct sq_buf *b, const struct schema_mart *m)
{
    sq_buf_printf(b, "%s@%lld@%s", m->name, m->version, m->loaded_at ? m->loaded_at : "");
}

/* Single spaces, no trailing punctuation, and lower case when fold: questions are
 * compared folded, and read as written ("US", the state code "IN"). */
static char *tidy(const char *q, int fold)
{
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    int space = 0;
    for (const char *p = q; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isspace(ch)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            sq_buf_putc(&b, ' ');
        space = 0;
        sq_buf_putc(&b, fold ? (char)tolower(ch) : (char)ch);
    }
    while (b.len && strchr("?!. ", b.data[b.len - 1]))
        b.data[--b.len] = '\0';
    return sq_buf_steal(&b);
}

static char *normalize(const char *q)
{
    return tidy(q, 1);
}

/* Suggestions a declined question gets: real questions over this data. */
static void suggest(struct answerer *a, struct answer *out)
{
    const struct schema *s = a->schema;
    const struct schema_mart *fact = NULL;
    for (size_t i = 0; i < s->nmarts; i++)
        if (!fact || s->marts[i].rows > fact->rows)
            fact = &s->marts[i];
    if (!fact)
        return;
    const struct schema_column *measure = NULL, *dim = NULL, *date = NULL;
    for (size_t i = 0; i < fact->ncols; i++) {
        const struct schema_column *c = &fact->cols[i];
        if (!measure && strcmp(c->role, "measure") == 0)
            measure = c;
        if (!dim && strcmp(c->role, "dimension") == 0 && c->nvalues > 1 && !c->derived_from)
            dim = c;
        if (!date && strcmp(c->role, "date") == 0)
            date = c;
    }
    char m[SQ_NAME_MAX], d[SQ_NAME_MAX];
    const char *mn = measure ? measure->name : "rows";
    snprintf(m, sizeof m, "%s", mn);
    for (char *p = m; *p; p++)
        if (*p == '_')
            *p = ' ';
    char *list[4];
    size_t n = 0;
    if (dim) {
        snprintf(d, sizeof d, "%s", dim->name);
        for (char *p = d; *p; p++)
            if (*p == '_')
                *p = ' ';
        list[n++] = xasprintf("total %s by %s", m, d);
        list[n++] = xasprintf("top 5 %s by %s", d, m);
        if (dim->nvalues)
            list[n++] = xasprintf("%s for %s", m, dim->values[0].value);
    }
    if (date && date->max && n < 4)
        list[n++] = xasprintf("monthly %s in %.4s", m, date->max);
    out->suggestions = xcalloc(n ? n : 1, sizeof *out->suggestions);
    for (size_t i = 0; i < n; i++)
        out->suggestions[i] = list[i];
    out->nsuggestions = n;
}

static void stage(const struct answer_options *o, const char *name)
{
    if (o && o->on_stage)
        o->on_stage(o->ud, name);
}

static void set_error(struct answer *out, int code, const char *status, const char *msg)
{
    out->status = status;
    sq_error_set(&out->error, code, -1, "%s", msg);
}

/* ---- The path to the data ---------------------------------------------------------------- */

/* One question's way to the data, the same for both modes: the guard with a policy, then
 * the executor with the question's row cap and time limit (DuckDB's memory limit is the
 * connection's). Fast mode calls it directly; the agents get it as their runner. */
struct data_path {
    struct store_conn *conn;
    const struct guard_policy *policy;
    struct store_limits lim;
};

static struct data_path path_for(const struct answerer *a, const struct guard_policy *p,
                                 const struct answer_options *o)
{
    struct data_path d = {.conn = a->conn, .policy = p};
    d.lim = store_limits_or_default(o ? o->max_rows : 0, o ? o->timeout_ms : 0);
    return d;
}

static int path_check(void *ctx, const char *sql, struct guarded_query **out, struct sq_error *err)
{
    const struct data_path *d = ctx;
    return guard_check(d->conn, d->policy, sql, out, err);
}

/* max_rows, timeout_ms: 0 keeps the question's limit (agents_runner's contract). */
static int path_run(void *ctx, const struct guarded_query *q, size_t max_rows, double timeout_ms,
                    struct sq_table *out, struct sq_error *err)
{
    const struct data_path *d = ctx;
    struct store_limits lim = d->lim;
    if (max_rows)
        lim.max_rows = max_rows;
    if (timeout_ms > 0)
        lim.timeout_ms = timeout_ms;
    return guard_execute(d->conn, q, &lim, out, err);
}

/* ---- Cache keys ------------------------------------------------------------------------ */

/* A key names exactly one answer: everything the answer depends on is in it, and marts
 * lists the versions of the marts it read, one a line (answer_cache_prune reads them). */
struct cache_key {
    struct sq_buf key;
    struct sq_buf marts;
};

static void key_init(struct cache_key *k)
{
    sq_buf_init(&k->key, SQ_BUF_UNLIMITED);
    sq_buf_init(&k->marts, SQ_BUF_UNLIMITED);
}

static void key_fini(struct cache_key *k)
{
    sq_buf_fini(&k->key);
    sq_buf_fini(&k->marts);
}

static void key_mart(struct cache_key *k, const struct schema_mart *m)
{
    sq_buf_putc(&k->key, '\n');
    answer__mart_token(&k->key, m);
    answer__mart_token(&k->marts, m);
    sq_buf_putc(&k->marts, '\n');
}

static size_t row_cap(const struct answer_options *o)
{
    return store_limits_or_default(o ? o->max_rows : 0, 0).max_rows;
}

/* Fast mode: the mode, the question, the session's frame, the SQL the parser wrote (a
 * playbook edit that changes it makes another answer), the version of every mart the SQL
 * reads (an ingest that changes one makes another answer) and the row cap. */
static void fast_key(const char *mode, const char *norm, const struct answer_options *o,
                     const struct nl_answer *na, struct cache_key *k)
{
    sq_buf_printf(&k->key, "%s\n%s\n", mode, norm);
    if (o && o->previous) {
        char *pj = answer_frame_to_json(o->previous);
        sq_buf_puts(&k->key, pj);
        free(pj);
    }
    sq_buf_printf(&k->key, "\nsql=%s", na->sql ? na->sql : "");
    for (size_t i = 0; i < na->nmarts; i++)
        key_mart(k, na->marts[i]);
    sq_buf_printf(&k->key, "\nrows=%zu", row_cap(o));
}

/* A model's answer: deep or auto mode's fallback, the model and the URL that serves it (a
 * hash: a URL may carry credentials, and keys are kept in the database), the question, the
 * version of every mart, the playbook (a hash: the prompts carry it) and the row cap. */
static void model_key(const struct answerer *a, int deep, const struct llm_config *cfg,
                      const char *norm, const struct answer_options *o, struct cache_key *k)
{
    sq_buf_printf(&k->key, "model:%s:%s@%016llx\n%s", deep ? "deep" : "auto",
                  deep ? cfg->deep_model : cfg->model,
                  (unsigned long long)fnv1a(cfg->base_url, strlen(cfg->base_url)), norm);
    for (size_t i = 0; i < a->schema->nmarts; i++)
        key_mart(k, &a->schema->marts[i]);
    sq_buf_printf(&k->key, "\nrows=%zu\nplaybook=%016llx", row_cap(o),
                  (unsigned long long)a->pb_hash);
}

/* On a hit, replaces *out (keeping its question: the user's words, not the first asker's)
 * with the cached answer, marked cached, with no model calls and no time spent checking
 * or running; returns 1. 0 on a miss, out untouched. */
static int cache_hit(const struct answerer *a, const struct cache_key *k,
                     enum answer_cache_where where, struct answer *out)
{
    struct answer hit;
    if (!answer_cache_get(a->cache, k->key.data, where, &hit))
        return 0;
    free(hit.question);
    hit.question = out->question;
    out->question = NULL;
    answer_fini(out);
    *out = hit;
    out->shape.measure_label = out->measure_label;
    out->cached = 1;
    out->llm_calls = 0;
    out->llm_prompt_tokens = out->llm_completion_tokens = 0;
    out->understand_ms = out->guard_ms = out->execute_ms = 0;
    return 1;
}

/* A fast-mode hit takes the frame (for the session's follow-ups) and the shape of this
 * parse: the cache keeps neither (a frame points into a schema snapshot). */
static void take_parse(struct answer *out, const struct nl_answer *na)
{
    out->frame = na->frame;
    out->has_frame = na->frame.fact != NULL; /* a record question has no frame to edit */
    free(out->query);
    out->query = dup_or_null(na->query); /* a frame's is written from the frame */
    out->shape = na->shape;
    snprintf(out->measure_label, sizeof out->measure_label, "%s", na->measure_label);
    out->shape.measure_label = out->measure_label;
}

static void answer_begin(struct answer *out, const char *question)
{
    memset(out, 0, sizeof *out);
    sq_table_init(&out->table);
    sq_error_clear(&out->error);
    out->question = xstrdup(question);
    out->mode = "fast";
    out->status = "ok";
}

/* Deep mode, and auto mode when the parser declined (agents/): the model drafts, the
 * guard decides, and the result gets the same insights and chart as fast mode. Model
 * answers are cached like fast ones (model_key). Fills out (already initialized, with its
 * question) and returns its error code. */
static int ask_model(struct answerer *a, const char *norm, const struct answer_options *o, int deep,
                     struct answer *out)
{
    const struct llm_config *cfg = o->llm;
    out->mode = "deep";
    out->status = "ok";
    struct cache_key key;
    key_init(&key);
    model_key(a, deep, cfg, norm, o, &key);
    if (cache_hit(a, &key, ANSWER_CACHE_ANY, out)) {
        if (o->explain)
            sq_buf_puts(o->explain, "cached: the model answered this question before; no call "
                                    "was made\n");
        key_fini(&key);
        return 0;
    }
    struct data_path path = path_for(a, &a->model_policy, o);
    struct agents_runner rn = {.check = path_check, .run = path_run, .ctx = &path};
    struct agents_options ao = {.llm = cfg,
                                .deep = deep,
                                .on_stage = o->on_stage,
                                .cancelled = o->cancelled,
                                .ud = o->ud,
                                .explain = o->explain,
                                .insights = insights_build};
    struct agents_result r;
    int rc = agents_answer(&rn, a->lx, out->question, &ao, &r);
    out->llm_calls = r.usage.calls;
    out->llm_prompt_tokens = r.usage.prompt_tokens;
    out->llm_completion_tokens = r.usage.completion_tokens;
    out->understand_ms = r.model_ms;
    out->guard_ms = r.guard_ms;
    out->execute_ms = r.execute_ms;
    if (rc) {
        out->error = r.error;
        out->status = sq_error_status(rc);
    } else {
        out->sql = r.sql;
        r.sql = NULL;
        sq_table_fini(&out->table);
        out->table = r.table;
        sq_table_init(&r.table);
        out->interpretation = r.interpretation;
        r.interpretation = NULL;
        out->insights = r.insights;
        out->ninsights = r.ninsights;
        r.insights = NULL;
        r.ninsights = 0;
        out->shape = r.shape;
        snprintf(out->measure_label, sizeof out->measure_label, "%s", r.measure_label);
        out->shape.measure_label = out->measure_label;
        out->chart = chart_build(&out->table, &out->shape);
        answer_cache_put(a->cache, key.key.data, "deep", key.marts.data, out);
    }
    agents_result_fini(&r);
    key_fini(&key);
    return rc;
}

int answer_ask(struct answerer *a, const char *question, const struct answer_options *o,
               struct answer *out)
{
    double t0 = sq_now_ms();
    answer_begin(out, question);
    const char *mode = o && o->mode ? o->mode : "auto";
    int model = o && o->llm && llm_config_ready(o->llm);
    if (strcmp(mode, "deep") == 0) {
        out->mode = "deep";
        if (!model) {
            set_error(out, SQ_E_USAGE, "error",
                      "deep mode needs a language model: set SALESQL_LLM_URL (or "
                      "OPENAI_API_KEY, or llm: url: in the playbook) and try again, or ask "
                      "in fast mode");
        } else {
            char *deep_norm = normalize(question);
            ask_model(a, deep_norm, o, 1, out);
            free(deep_norm);
        }
        out->total_ms = sq_now_ms() - t0;
        return out->error.code;
    }
    char *norm = normalize(question);
    stage(o, "understanding");
    struct nl_answer na;
    char *written = tidy(question, 0);
    nlsql_answer(a->lx, a->model, written, o ? o->previous : NULL, &na);
    free(written);
    out->understand_ms = sq_now_ms() - t0;
    if (na.status != 0) {
        /* The model's reason, cut so that the decline's message has room for its own. */
        char model_failed[SQ_ERROR_MSG_MAX / 2 + 64] = "";
        if (strcmp(mode, "auto") == 0 && model) {
            /* The parser declined: the model drafts; if it cannot either, the decline
             * stands, with the model's reason. */
            struct answer m;
            answer_begin(&m, question);
            if (ask_model(a, norm, o, 0, &m) == 0) {
                answer_fini(out);
                *out = m;
                out->shape.measure_label = out->measure_label;
                goto done;
            }
            snprintf(model_failed, sizeof model_failed, "%.300s", m.error.msg);
            out->llm_calls = m.llm_calls;
            out->llm_prompt_tokens = m.llm_prompt_tokens;
            out->llm_completion_tokens = m.llm_completion_tokens;
            answer_fini(&m);
        }
        set_error(out, SQ_E_UNSUPPORTED, "unsupported",
                  na.reason ? na.reason : "the question was not understood");
        if (model_failed[0])
            sq_error_set(&out->error, SQ_E_UNSUPPORTED, -1,
                         "%.180s (the model could not answer either: %.300s)",
                         na.reason ? na.reason : "the question was not understood", model_failed);
        out->understood = dup_or_null(na.understood);
        out->nunplaced = na.nunplaced;
        if (na.nunplaced) {
            out->unplaced = xcalloc(na.nunplaced, sizeof *out->unplaced);
            out->unplaced_offsets = xcalloc(na.nunplaced, sizeof *out->unplaced_offsets);
            /* Offsets into the normalized question map back: normalizing only drops
             * leading spaces, doubled spaces and trailing punctuation. */
            for (size_t i = 0; i < na.nunplaced; i++) {
                out->unplaced[i] = xstrdup(na.unplaced[i].word);
                const char *hit = strcasestr(question, na.unplaced[i].word);
                out->unplaced_offsets[i] = hit ? (int)(hit - question) : na.unplaced[i].offset;
            }
        }
        if (na.nsuggestions) {
            /* the parser's own: the readings of an ambiguous question */
            out->suggestions = dup_list(na.suggestions, na.nsuggestions);
            out->nsuggestions = na.nsuggestions;
        } else {
            suggest(a, out);
        }
        goto done;
    }
    struct cache_key key;
    key_init(&key);
    fast_key(mode, norm, o, &na, &key);
    double understand = out->understand_ms;
    if (cache_hit(a, &key, ANSWER_CACHE_ANY, out)) {
        out->understand_ms = understand;
        take_parse(out, &na);
        key_fini(&key);
        goto done;
    }
    out->sql = xstrdup(na.sql);
    out->interpretation = xstrdup(na.interpretation);
    take_parse(out, &na);
    double t1 = sq_now_ms();
    stage(o, "validating");
    struct data_path path = path_for(a, &a->policy, o);
    struct guarded_query *gq = NULL;
    int rc = path_check(&path, na.sql, &gq, &out->error);
    out->guard_ms = sq_now_ms() - t1;
    if (rc) {
        /* The parser wrote SQL the guard refused: a bug, reported as such. */
        out->status = "rejected";
    } else {
        double t2 = sq_now_ms();
        stage(o, "running");
        rc = path_run(&path, gq, 0, 0, &out->table, &out->error);
        out->execute_ms = sq_now_ms() - t2;
        if (rc) {
            out->status = "error";
        } else {
            stage(o, "writing insights");
            insights_build(&out->table, &out->shape, MAX_INSIGHTS, &out->insights, &out->ninsights);
            out->chart = chart_build(&out->table, &out->shape);
        }
    }
    guarded_query_free(gq);
    out->total_ms = sq_now_ms() - t0;
    if (rc == 0)
        answer_cache_put(a->cache, key.key.data, "fast", key.marts.data, out);
    key_fini(&key);
done:
    nl_answer_fini(&na);
    free(norm);
    out->total_ms = sq_now_ms() - t0;
    return out->error.code;
}

int answer_lookup(const struct answerer *a, const char *question, const struct answer_options *o,
                  struct answer *out)
{
    double t0 = sq_now_ms();
    const char *mode = o && o->mode ? o->mode : "auto";
    int model = o && o->llm && llm_config_ready(o->llm);
    if (strcmp(mode, "deep") == 0 && !model)
        return 0;
    answer_begin(out, question);
    char *norm = normalize(question);
    struct cache_key key;
    key_init(&key);
    int hit = 0;
    if (strcmp(mode, "deep") == 0) {
        model_key(a, 1, o->llm, norm, o, &key);
        hit = cache_hit(a, &key, ANSWER_CACHE_MEMORY, out);
    } else {
        struct nl_answer na;
        char *written = tidy(question, 0);
        nlsql_answer(a->lx, a->model, written, o ? o->previous : NULL, &na);
        free(written);
        double understand = sq_now_ms() - t0;
        if (na.status == 0) {
            fast_key(mode, norm, o, &na, &key);
            hit = cache_hit(a, &key, ANSWER_CACHE_MEMORY, out);
            if (hit) {
                out->understand_ms = understand;
                take_parse(out, &na);
            }
        } else if (strcmp(mode, "auto") == 0 && model) {
            model_key(a, 0, o->llm, norm, o, &key);
            hit = cache_hit(a, &key, ANSWER_CACHE_MEMORY, out);
        }
        nl_answer_fini(&na);
    }
    key_fini(&key);
    free(norm);
    if (!hit) {
        answer_fini(out);
        return 0;
    }
    out->total_ms = sq_now_ms() - t0;
    return 1;
}

void answer_write_json(const struct answer *a, struct sq_jw *w)
{
    sq_jw_obj_begin(w);
    sq_jw_key(w, "question");
    sq_jw_str(w, a->question);
    sq_jw_key(w, "status");
    sq_jw_str(w, a->status);
    sq_jw_key(w, "mode");
    sq_jw_str(w, a->mode);
    sq_jw_key(w, "sql");
    sq_jw_str(w, a->sql);
    sq_table_write_json(&a->table, w);
    sq_jw_key(w, "interpretation");
    sq_jw_str(w, a->interpretation);
    sq_jw_key(w, "query");
    if (a->query) {
        sq_jw_raw(w, a->query);
    } else if (a->has_frame) {
        char *fj = answer_frame_to_json(&a->frame);
        sq_jw_obj_begin(w);
        sq_jw_key_str(w, "kind", "aggregate");
        sq_jw_key(w, "frame");
        sq_jw_raw(w, fj);
        sq_jw_obj_end(w);
        free(fj);
    } else {
        sq_jw_null(w);
    }
    sq_jw_key(w, "insights");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < a->ninsights; i++)
        sq_jw_str(w, a->insights[i]);
    sq_jw_arr_end(w);
    sq_jw_key(w, "chart");
    if (a->chart)
        sq_jw_raw(w, a->chart);
    else
        sq_jw_null(w);
    sq_jw_key(w, "cached");
    sq_jw_bool(w, a->cached);
    sq_jw_key(w, "timings_ms");
    sq_jw_obj_begin(w);
    sq_jw_key(w, "understand");
    sq_jw_double(w, a->understand_ms);
    sq_jw_key(w, "guard");
    sq_jw_double(w, a->guard_ms);
    sq_jw_key(w, "execute");
    sq_jw_double(w, a->execute_ms);
    sq_jw_key(w, "total");
    sq_jw_double(w, a->total_ms);
    sq_jw_obj_end(w);
    sq_jw_key(w, "llm");
    sq_jw_obj_begin(w);
    sq_jw_key(w, "calls");
    sq_jw_int(w, a->llm_calls);
    sq_jw_key(w, "prompt_tokens");
    sq_jw_int(w, a->llm_prompt_tokens);
    sq_jw_key(w, "completion_tokens");
    sq_jw_int(w, a->llm_completion_tokens);
    sq_jw_obj_end(w);
    if (strcmp(a->status, "unsupported") == 0) {
        sq_jw_key(w, "understood");
        sq_jw_str(w, a->understood ? a->understood : "");
        sq_jw_key(w, "unplaced");
        sq_jw_arr_begin(w);
        for (size_t i = 0; i < a->nunplaced; i++) {
            sq_jw_obj_begin(w);
            sq_jw_key(w, "word");
            sq_jw_str(w, a->unplaced[i]);
            sq_jw_key(w, "offset");
            sq_jw_int(w, a->unplaced_offsets[i]);
            sq_jw_obj_end(w);
        }
        sq_jw_arr_end(w);
        sq_jw_key(w, "suggestions");
        sq_jw_arr_begin(w);
        for (size_t i = 0; i < a->nsuggestions; i++)
            sq_jw_str(w, a->suggestions[i]);
        sq_jw_arr_end(w);
    }
    sq_jw_key(w, "error");
    if (a->error.code == SQ_OK) {
        sq_jw_null(w);
    } else {
        sq_jw_obj_begin(w);
        sq_jw_key(w, "code");
        sq_jw_str(w, sq_error_name(a->error.code));
        sq_jw_key(w, "message");
        sq_jw_str(w, a->error.msg);
        sq_jw_obj_end(w);
    }
    sq_jw_obj_end(w);
}
