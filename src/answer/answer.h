/*
 * One question end to end: normalize, parse (fast mode), look up the answer cache,
 * guard, execute with limits, write insights and a chart, store in the cache. The
 * answer object of DESIGN.md comes out of answer_write_json. Used by the CLI (`ask`,
 * `eval`) and by the server's workers and connection threads.
 *
 * Ownership: an answerer borrows the connection, schema and playbook (they must outlive
 * it) and owns its lexicon; it owns a cache of its own until answerer_use_cache lends it
 * a shared one (answer/cache.h), which must outlive it. struct answer is caller-owned:
 * answer_fini frees it. answer_ask is not thread-safe: one answerer per thread (they may
 * share a schema and a cache); answer_lookup may be called from any number of threads at
 * once on one answerer, as long as none calls answer_ask on it.
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
struct answer_cache;

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
    char *query; /* a record question's algebra as JSON, or NULL (a frame is written from
                  * the frame) */
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
    char measure_label[SHAPE_LABEL_MAX];
};

/* c may be NULL for an answerer used only for answer_lookup. */
struct answerer *answerer_new(struct store_conn *c, const struct schema *s,
                              const struct playbook *pb);
/* From now on a keeps and finds answers in c (borrowed; shared with other answerers, of
 * this snapshot or others: keys name the mart versions) instead of in its own cache. */
void answerer_use_cache(struct answerer *a, struct answer_cache *c);
void answerer_free(struct answerer *a);

/* Answers one question; always fills out (status and error say how it went) and returns
 * its error code: 0, SQ_E_UNSUPPORTED, SQ_E_REJECTED, SQ_E_QUERY, SQ_E_TIMEOUT, ... */
int answer_ask(struct answerer *a, const char *question, const struct answer_options *o,
               struct answer *out);
void answer_fini(struct answer *a);
/* The answer answer_ask would give if it is in the cache's memory: 1 and out filled (as
 * answer_ask fills it, cached set), or 0 (out left empty) when answer_ask has work to do
 * (a miss, a decline, an error). Parses the question (microseconds) but runs no query,
 * asks no model and never waits for the database. Thread-safe (see above); on_stage,
 * cancelled and explain are not used. */
int answer_lookup(const struct answerer *a, const char *question, const struct answer_options *o,
                  struct answer *out);

/* The answer object of DESIGN.md, as one JSON value. */
void answer_write_json(const struct answer *a, struct sq_jw *w);

/* Frames as JSON with mart and column names, for sessions kept between processes;
 * reading resolves the names in a schema and fails (-1) when one is gone. */
char *answer_frame_to_json(const struct nl_frame *f);
int answer_frame_from_json(const char *json, const struct schema *s, struct nl_frame *out);

/* Hits of the answerer's cache (of every answerer sharing it), for benchmarks. */
size_t answerer_cache_hits(const struct answerer *a);

#endif
