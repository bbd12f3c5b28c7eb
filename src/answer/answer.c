/*
 * The answer pipeline (see answer/answer.h): cache -> fast parser -> guard -> execute
 * (row cap, time limit) -> insights and chart -> cache. The parser's SQL goes through the
 * same guard as anyone's: the guard, not the parser, decides what runs. Deep mode, and
 * auto mode when the parser declines and a model is configured, go to agents/ instead,
 * with a runner that is this file's own path to the data (check, then run), so both
 * modes query through the same guard, executor and limits.
 */
#include "answer/answer.h"

#include "agents/agents.h"
#include "base/buf.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "guard/guard.h"
#include "lexicon/lexicon.h"
#include "nlsql/nlsql.h"
#include "schema/schema.h"
#include "store/store.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CACHE_SLOTS = 256, MAX_INSIGHTS = 4 };

struct cache_entry {
    char *key;
    struct answer a;
    unsigned long used; /* LRU clock */
};

struct answerer {
    struct store_conn *conn;
    const struct schema *schema;
    const struct playbook *pb;
    struct lx_lexicon *lx;
    struct guard_policy policy;       /* fast mode: every mart and raw table */
    struct guard_policy model_policy; /* a model's SQL: the mart_dyn_* views only */
    const char **views;               /* model_policy's names, borrowed from the schema */
    struct cache_entry cache[CACHE_SLOTS];
    unsigned long clock;
    size_t hits;
};

struct answerer *answerer_new(struct store_conn *c, const struct schema *s,
                              const struct playbook *pb)
{
    struct answerer *a = xcalloc(1, sizeof *a);
    a->conn = c;
    a->schema = s;
    a->pb = pb;
    a->lx = lx_lexicon_new(s, pb);
    guard_policy_init(&a->policy, s);
    a->views = xcalloc(s->nmarts + 1, sizeof *a->views);
    for (size_t i = 0; i < s->nmarts; i++)
        a->views[i] = s->marts[i].name;
    a->model_policy.tables = a->views;
    a->model_policy.ntables = s->nmarts;
    return a;
}

void answerer_free(struct answerer *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        free(a->cache[i].key);
        answer_fini(&a->cache[i].a);
    }
    guard_policy_fini(&a->policy);
    free(a->views);
    lx_lexicon_free(a->lx);
    free(a);
}

size_t answerer_cache_hits(const struct answerer *a)
{
    return a->hits;
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

static void answer_copy(struct answer *dst, const struct answer *src)
{
    *dst = *src;
    dst->question = dup_or_null(src->question);
    dst->sql = dup_or_null(src->sql);
    dst->interpretation = dup_or_null(src->interpretation);
    dst->chart = dup_or_null(src->chart);
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
    free(a->understood);
    free_list(a->insights, a->ninsights);
    free_list(a->suggestions, a->nsuggestions);
    free_list(a->unplaced, a->nunplaced);
    free(a->unplaced_offsets);
    sq_table_fini(&a->table);
    memset(a, 0, sizeof *a);
}

/* Lower case, single spaces, no trailing punctuation: how questions are compared. */
static char *normalize(const char *q)
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
        sq_buf_putc(&b, (char)tolower(ch));
    }
    while (b.len && strchr("?!. ", b.data[b.len - 1]))
        b.data[--b.len] = '\0';
    return sq_buf_steal(&b);
}

static struct cache_entry *cache_find(struct answerer *a, const char *key)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (a->cache[i].key && strcmp(a->cache[i].key, key) == 0)
            return &a->cache[i];
    return NULL;
}

static void cache_put(struct answerer *a, const char *key, const struct answer *ans)
{
    struct cache_entry *slot = &a->cache[0];
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (!a->cache[i].key) {
            slot = &a->cache[i];
            break;
        }
        if (a->cache[i].used < slot->used)
            slot = &a->cache[i];
    }
    free(slot->key);
    answer_fini(&slot->a);
    slot->key = xstrdup(key);
    answer_copy(&slot->a, ans);
    slot->used = ++a->clock;
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
    char m[64], d[64];
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

/* Deep mode, and auto mode when the parser declined (agents/): the model drafts, the
 * guard decides, and the result gets the same insights and chart as fast mode. Model
 * answers are cached like fast ones, keyed also by the model and every mart's version.
 * Fills out (already initialized, with its question) and returns its error code. */
static int ask_model(struct answerer *a, const char *norm, const struct answer_options *o, int deep,
                     struct answer *out)
{
    const struct llm_config *cfg = o->llm;
    out->mode = "deep";
    out->status = "ok";
    struct sq_buf key;
    sq_buf_init(&key, SQ_BUF_UNLIMITED);
    sq_buf_printf(&key, "model:%s:%s\n%s", deep ? "deep" : "auto",
                  deep ? cfg->deep_model : cfg->model, norm);
    for (size_t i = 0; i < a->schema->nmarts; i++)
        sq_buf_printf(&key, "\n%s@%lld", a->schema->marts[i].name, a->schema->marts[i].version);
    sq_buf_printf(&key, "\nrows=%zu", store_limits_or_default(o->max_rows, 0).max_rows);
    struct cache_entry *hit = cache_find(a, key.data);
    if (hit) {
        answer_fini(out);
        answer_copy(out, &hit->a);
        hit->used = ++a->clock;
        a->hits++;
        out->cached = 1;
        out->llm_calls = 0;
        out->llm_prompt_tokens = out->llm_completion_tokens = 0;
        out->understand_ms = out->guard_ms = out->execute_ms = 0;
        if (o->explain)
            sq_buf_puts(o->explain, "cached: the model answered this question before; no call "
                                    "was made\n");
        sq_buf_fini(&key);
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
        cache_put(a, key.data, out);
    }
    agents_result_fini(&r);
    sq_buf_fini(&key);
    return rc;
}

int answer_ask(struct answerer *a, const char *question, const struct answer_options *o,
               struct answer *out)
{
    double t0 = sq_now_ms();
    memset(out, 0, sizeof *out);
    sq_table_init(&out->table);
    sq_error_clear(&out->error);
    out->question = xstrdup(question);
    out->mode = "fast";
    out->status = "ok";
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
    nlsql_answer(a->lx, norm, o ? o->previous : NULL, &na);
    out->understand_ms = sq_now_ms() - t0;
    if (na.status != 0) {
        char model_failed[320] = "";
        if (strcmp(mode, "auto") == 0 && model) {
            /* The parser declined: the model drafts; if it cannot either, the decline
             * stands, with the model's reason. */
            struct answer m;
            memset(&m, 0, sizeof m);
            sq_table_init(&m.table);
            sq_error_clear(&m.error);
            m.question = xstrdup(question);
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
        suggest(a, out);
        goto done;
    }
    /* The cache key: the question, the session's frame and the version of every mart the
     * SQL reads, so that an ingest invalidates exactly the answers it affects. */
    struct sq_buf key;
    sq_buf_init(&key, SQ_BUF_UNLIMITED);
    sq_buf_printf(&key, "%s\n%s\n", mode, norm);
    if (o && o->previous) {
        char *pj = answer_frame_to_json(o->previous);
        sq_buf_puts(&key, pj);
        free(pj);
    }
    for (size_t i = 0; i < na.nmarts; i++)
        sq_buf_printf(&key, "\n%s@%lld", na.marts[i]->name, na.marts[i]->version);
    sq_buf_printf(&key, "\nrows=%zu", store_limits_or_default(o ? o->max_rows : 0, 0).max_rows);
    struct cache_entry *hit = cache_find(a, key.data);
    if (hit) {
        double understand = out->understand_ms;
        answer_fini(out);
        answer_copy(out, &hit->a);
        hit->used = ++a->clock;
        a->hits++;
        out->cached = 1;
        out->understand_ms = understand;
        out->guard_ms = out->execute_ms = 0;
        out->total_ms = sq_now_ms() - t0;
        sq_buf_fini(&key);
        nl_answer_fini(&na);
        free(norm);
        return 0;
    }
    out->sql = xstrdup(na.sql);
    out->interpretation = xstrdup(na.interpretation);
    out->frame = na.frame;
    out->has_frame = 1;
    out->shape = na.shape;
    snprintf(out->measure_label, sizeof out->measure_label, "%s", na.measure_label);
    out->shape.measure_label = out->measure_label;
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
        cache_put(a, key.data, out);
    sq_buf_fini(&key);
done:
    nl_answer_fini(&na);
    free(norm);
    out->total_ms = sq_now_ms() - t0;
    return out->error.code;
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
