/*
 * Deep mode: agents over an OpenAI-compatible model (llm/). For one question they choose
 * the few marts and columns that matter (schema chunking), have the model draft DuckDB
 * SQL grounded in the playbook, validate it (the guard, then binding, then sanity checks
 * on the result), send failures back for repair (a bounded number of rounds), and let the
 * model word the insights only where every number it writes comes from the result. The
 * guard decides what runs: nothing the model or the data says can change that. The agents
 * reach the data only through the runner their caller (answer/) hands them, so both modes
 * share one path: the guard, then the executor with the question's limits.
 *
 * Ownership: struct agents_result and struct agents_draft are caller-owned; their _fini
 * functions free them. The runner, lexicon (with its schema and playbook), options and
 * config are borrowed for the call.
 */
#ifndef SQ_AGENTS_AGENTS_H
#define SQ_AGENTS_AGENTS_H

#include "base/error.h"
#include "base/shape.h"
#include "base/table.h"
#include "llm/llm.h"

#include <stddef.h>

struct guarded_query;
struct lx_lexicon;
struct sq_buf;

enum { AGENTS_MAX_QUESTION = 2000 };

/* How the agents reach the data: every draft and every look-up goes through check, then
 * run. The caller decides the policy (answer/'s lets a model read only the mart_dyn_*
 * views), the row cap, the time limit and the connection; the agents never touch the
 * store. ctx is passed back to both functions. */
struct agents_runner {
    /* Validates sql: the guard's parse-tree checks, then binding, which names unknown
     * columns with DuckDB's candidates. 0 with *out set (the agents free it with
     * guarded_query_free), or the guard's error in err: SQ_E_REJECTED (not one read-only
     * query, a forbidden table or function), SQ_E_UNKNOWN_NAME, SQ_E_TOO_BIG. */
    int (*check)(void *ctx, const char *sql, struct guarded_query **out, struct sq_error *err);
    /* Runs a query check approved into out (initialized by the caller). max_rows and
     * timeout_ms: 0 for the question's own limits, else the limits of this run (the
     * look-ups' 20 rows and 5 s). 0, or SQ_E_QUERY, SQ_E_TIMEOUT, SQ_E_INTERRUPTED in err. */
    int (*run)(void *ctx, const struct guarded_query *q, size_t max_rows, double timeout_ms,
               struct sq_table *out, struct sq_error *err);
    void *ctx;
};

struct agents_options {
    const struct llm_config *llm; /* must be ready (llm_config_ready) */
    int deep; /* 1: deep model, look-up tools, model-worded insights; 0: auto mode's single
                 shot with the fast model (same validation and repair) */
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
    char measure_label[SHAPE_LABEL_MAX];
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
int agents_answer(const struct agents_runner *rn, const struct lx_lexicon *lx, const char *question,
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
