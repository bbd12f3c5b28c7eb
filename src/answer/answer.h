/*
 * One question end to end: normalize, look up the response cache, parse (fast mode),
 * guard, execute with limits, write insights and a chart, store in the cache. The
 * answer object of DESIGN.md comes out of answer_write_json. Used by the CLI (`ask`,
 * `eval`) and later by the server.
 *
 * Ownership: an answerer borrows the connection, schema and playbook (they must outlive
 * it) and owns its lexicon and cache. struct answer is caller-owned: answer_fini frees it.
 * Not thread-safe: one answerer per thread (they may share a schema).
 */
#ifndef SQ_ANSWER_ANSWER_H
#define SQ_ANSWER_ANSWER_H

#include "answer/shape.h"
#include "base/error.h"
#include "base/table.h"
#include "nlsql/frame.h"

#include <stddef.h>

struct store_conn;
struct schema;
struct playbook;
struct sq_jw;
struct sq_buf;
struct llm_config;
struct answerer;

struct answer_options {
    const char *mode;                /* "auto" (default), "fast" or "deep" */
    size_t max_rows;                 /* row cap (default 10000) */
    double timeout_ms;               /* query time limit (default 30000) */
    const struct nl_frame *previous; /* the session's last frame, or NULL */
    /* Called as each stage starts ("understanding", "validating", "running",
     * "writing insights"), from the calling thread; may be NULL. */
    void (*on_stage)(void *ud, const char *stage);
    void *ud;
    /* Deep mode and auto mode's fallback (agents/): the model to ask, or NULL for none
     * (deep mode then fails with SQ_E_USAGE; auto mode declines as fast mode does). */
    const struct llm_config *llm;
    int (*cancelled)(void *ud); /* polled while the model works; may be NULL */
    struct sq_buf *explain;     /* when not NULL, each agent step is appended, one a line */
};

struct answer {
    char *question;
    const char *status; /* "ok", "unsupported", "rejected", "error" */
    const char *mode;   /* "fast", or "deep" for SQL a model wrote */
    char *sql;
    struct sq_table table;
    char *interpretation;
    char **insights;
    size_t ninsights;
    char *chart; /* Vega-Lite JSON, or NULL */
    int cached;
    double understand_ms, guard_ms, execute_ms, total_ms;
    int llm_calls;
    long llm_prompt_tokens, llm_completion_tokens;
    struct sq_error error; /* code SQ_OK when there is none */
    /* Declined questions: what was understood, the unplaced words, suggestions. */
    char *understood;
    char **unplaced;
    int *unplaced_offsets;
    size_t nunplaced;
    char **suggestions;
    size_t nsuggestions;
    /* The frame this answer ran (for sessions); valid while the schema lives. */
    int has_frame;
    struct nl_frame frame;
    struct result_shape shape; /* shape.measure_label points at measure_label below */
    char measure_label[160];
};

struct answerer *answerer_new(struct store_conn *c, const struct schema *s,
                              const struct playbook *pb);
void answerer_free(struct answerer *a);

/* Answers one question; always fills out (status and error say how it went) and returns
 * its error code: 0, SQ_E_UNSUPPORTED, SQ_E_REJECTED, SQ_E_QUERY, SQ_E_TIMEOUT, ... */
int answer_ask(struct answerer *a, const char *question, const struct answer_options *o,
               struct answer *out);
void answer_fini(struct answer *a);

/* The answer object of DESIGN.md, as one JSON value. */
void answer_write_json(const struct answer *a, struct sq_jw *w);

/* Frames as JSON with mart and column names, for sessions kept between processes;
 * reading resolves the names in a schema and fails (-1) when one is gone. */
char *answer_frame_to_json(const struct nl_frame *f);
int answer_frame_from_json(const char *json, const struct schema *s, struct nl_frame *out);

/* Cache statistics, for /metrics and benchmarks. */
size_t answerer_cache_hits(const struct answerer *a);

#endif
