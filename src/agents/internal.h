/*
 * Internal to agents/: the pieces agents.c puts together, exposed for the unit tests
 * (tests/unit/test_agents.c) and the prompt benchmark. chunk.c chooses the schema to
 * send, prompt.c writes the prompts and reply schemas, tools.c runs look-ups through the
 * runner, check.c judges results and numbers, shape.c reads a result's shape, narrate.c
 * has the model word the insights.
 *
 * Ownership: as in agents.h; strings returned here are heap-allocated for the caller.
 */
#ifndef SQ_AGENTS_INTERNAL_H
#define SQ_AGENTS_INTERNAL_H

#include "base/shape.h"
#include "llm/llm.h"

#include <stddef.h>

struct agents_runner;
struct lx_lexicon;
struct schema;
struct schema_mart;
struct sq_buf;
struct sq_table;

enum { AGENTS__MAX_MARTS = 8, AGENTS__MAX_HITS = 16 };

/* Texts the steps pass each other, each with its NUL; a longer one is cut. */
enum {
    AGENTS__HIT_PHRASE_MAX = 64, /* a phrase of the question, as the prompt names it */
    AGENTS__WHY_MAX = 160,       /* agents__numbers_ok's reason: a number and fixed words */
    AGENTS__SHOWN_MAX = 120,     /* a sentence or a message on one line, in --explain */
};

/* What the question named, as found in the lexicon. */
struct agents__hit {
    char phrase[AGENTS__HIT_PHRASE_MAX];
    const struct schema_mart *mart;
    const char *column; /* NULL for a mart */
    const char *value;  /* a value of column, or NULL */
};

/* The schema as sent to the model. */
struct agents__chunk {
    const struct schema_mart *marts[AGENTS__MAX_MARTS];
    size_t nmarts;     /* in marts[] (the first AGENTS__MAX_MARTS when whole) */
    size_t ndescribed; /* marts described in text */
    size_t nmarts_total;
    size_t ncols, ncols_total; /* columns described / in the chosen marts' schema */
    struct agents__hit hits[AGENTS__MAX_HITS];
    size_t nhits;
    char *text; /* the "Schema:" and "Joins:" sections */
    int whole;  /* 1 when every mart was sent (no chunking, or nothing to choose by) */
};

/* Chooses the marts and columns that matter to question (chunk = 1) or takes them all
 * (chunk = 0) and describes them. Never fails; a schema without marts gives empty text. */
void agents__chunk_build(const struct lx_lexicon *lx, const char *question, int chunk,
                         struct agents__chunk *out);
void agents__chunk_fini(struct agents__chunk *c);

/* The drafting agent's system prompt: rules, dates, playbook, the chunk. */
char *agents__draft_prompt(const struct lx_lexicon *lx, const struct agents__chunk *ch, int tools);
/* The insight writer's system prompt. */
const char *agents__narrate_prompt(void);
extern const char agents__draft_schema[];
extern const char agents__insights_schema[];
extern const struct llm_tool agents__tools[];
extern const size_t agents__ntools;

/* Runs one look-up the model asked for, through the runner (its check, then a run with
 * small caps). Always sets *result to text for the model (an error explained in words when
 * the call was bad); returns 0, or the error code of a bad call. */
int agents__run_tool(const struct agents_runner *rn, const struct schema *s,
                     const struct llm_tool_call *call, char **result);

enum { AGENTS__SANE = 0, AGENTS__EMPTY = 1, AGENTS__SHARE = 2 };
/* Sanity of a result: AGENTS__EMPTY (no rows, or one row of NULLs), AGENTS__SHARE (a
 * share or percentage column of a whole breakdown that does not sum to 100%), else
 * AGENTS__SANE. why gets a sentence for the model. */
int agents__sanity(const struct sq_table *t, const char *question, const char *sql, char *why,
                   size_t size);
/* 1 when every number written in sentence appears in t, or is derived from it (a total,
 * mean, difference, ratio, share or growth of its numbers, rounded as written), or
 * appears in the question or the SQL, or is a small count (0-10); else 0 with the
 * offending number in why. */
int agents__numbers_ok(const char *sentence, const struct sq_table *t, const char *question,
                       const char *sql, char *why, size_t size);
/* The shape of a result the model's SQL produced, read from its column types and names
 * and the SQL's ORDER BY and LIMIT; label gets the measure's words. */
void agents__infer_shape(const struct sq_table *t, const char *sql, struct result_shape *s,
                         char *label, size_t size);

/* Has the model word insights about t; keeps the sentences that pass the number check
 * (at most max) in *out. 0 (with *n possibly 0) or the call's error. */
int agents__narrate(struct llm_session *ls, const char *model, const char *question,
                    const char *sql, const struct sq_table *t, char *const *facts, size_t nfacts,
                    size_t max, struct sq_buf *explain, char ***out, size_t *n,
                    struct sq_error *err);

/* Appends one explain line about a model call: its prompt size, tokens, attempts, time. */
void agents__explain_call(struct sq_buf *b, const char *what, const struct llm_reply *r,
                          size_t chat_bytes);
/* Appends one explain line (printf-style), when b is not NULL. */
void agents__explain(struct sq_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s on one line (runs of white space as one space), at most max bytes. */
void agents__one_line(const char *s, char *out, size_t size);

#endif
