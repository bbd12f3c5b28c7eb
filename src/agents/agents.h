/*
 * Deep mode: agents over an OpenAI-compatible model (llm/). For one question they choose
 * the few marts and columns that matter (schema chunking), have the model draft DuckDB
 * SQL grounded in the playbook, validate it (the guard, then binding, then sanity checks
 * on the result), send failures back for repair (a bounded number of rounds), and let the
 * model word the insights only where every number it writes comes from the result. The
 * guard decides what runs: nothing the model or the data says can change that.
 *
 * Ownership: struct agents_result and struct agents_draft are caller-owned; their _fini
 * functions free them. The connection, lexicon (with its schema and playbook), options
 * and config are borrowed for the call.
 */
#ifndef SQ_AGENTS_AGENTS_H
#define SQ_AGENTS_AGENTS_H

#include "base/error.h"
#include "base/shape.h"
#include "base/table.h"
#include "llm/llm.h"

#include <stddef.h>

struct lx_lexicon;
struct store_conn;
struct sq_buf;

enum { AGENTS_MAX_QUESTION = 2000 };

struct agents_options {
    const struct llm_config *llm; /* must be ready (llm_config_ready) */
    int deep;          /* 1: deep model, look-up tools, model-worded insights; 0: auto mode's
                          single shot with the fast model (same validation and repair) */
    size_t max_rows;   /* row cap of the query (0: 10000) */
    double timeout_ms; /* query time limit (0: 30000) */
    /* Progress ("drafting", "repairing (round 2: unknown column regoin)", ...), from the
     * calling thread; may be NULL. */
    void (*on_stage)(void *ud, const char *stage);
    int (*cancelled)(void *ud); /* polled during model calls; may be NULL */
    void *ud;
    struct sq_buf *explain; /* when not NULL, one line per agent step is appended */
    /* The deterministic insights (answer/'s insights_build): kept when the model's
     * sentences do not survive the number check, and shown to the model as facts. */
    int (*insights)(const struct sq_table *t, const struct result_shape *s, size_t max, char ***out,
                    size_t *n);
};

struct agents_result {
    char *sql; /* the query that ran, or NULL */
    struct sq_table table;
    struct result_shape shape; /* shape.measure_label points at measure_label */
    char measure_label[160];
    char *interpretation; /* the model's account of the query, with the assumptions whose
                             numbers passed the check (check.c) */
    char **insights;
    size_t ninsights;
    int rounds; /* repair rounds used */
    struct llm_usage usage;
    double model_ms, guard_ms, execute_ms;
    struct sq_error error;
};

/* Answers question. Returns 0, or the error (also in out->error): SQ_E_REJECTED (the
 * model wrote something that is not one read-only query: stopped at once, or still
 * refused after the last round), SQ_E_UNKNOWN_NAME (names still wrong after the last
 * round), SQ_E_QUERY / SQ_E_TIMEOUT (the query failed or ran out of time), SQ_E_PARSE
 * (the replies were never the JSON object asked for), SQ_E_IO (the model server could not
 * be used), SQ_E_TIMEOUT (the question's deadline passed), SQ_E_INTERRUPTED (cancelled),
 * SQ_E_TOO_BIG (the token budget was spent), SQ_E_UNSUPPORTED (no usable question, or
 * the model declined). usage is filled either way. */
int agents_answer(struct store_conn *c, const struct lx_lexicon *lx, const char *question,
                  const struct agents_options *o, struct agents_result *out);
void agents_result_fini(struct agents_result *r);

/* A drafting reply: {"sql": "...", "assumptions": ["..."], "explanation": "..."}. */
struct agents_draft {
    char *sql;
    char **assumptions;
    size_t nassumptions;
    char *explanation;
};

/* Reads a reply's content as a draft: exactly one JSON object whose "sql" is a non-empty
 * string of at most GUARD_MAX_SQL bytes; assumptions (at most 8, each cut to 300 bytes)
 * and explanation (cut to 600 bytes) are optional and cleaned of control characters.
 * 0, or SQ_E_PARSE / SQ_E_TOO_BIG with *out empty and the reason in err. */
int agents_draft_parse(const char *content, struct agents_draft *out, struct sq_error *err);
void agents_draft_fini(struct agents_draft *d);

#endif
