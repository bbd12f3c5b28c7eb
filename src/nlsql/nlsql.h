/*
 * Fast mode: a deterministic, schema-grounded question parser. A question is tokenized,
 * matched against the lexicon (longest phrases first, small typos tolerated), read into
 * a semantic frame (measures, dimensions, filters, time window and grain, order, limit,
 * shape), and emitted as one DuckDB SELECT with an interpretation sentence made from the
 * same frame — so what the user reads is what ran. A question it does not fully account
 * for is declined (SQ_E_UNSUPPORTED) with what it understood, the words it could not
 * place (with byte offsets) and suggestions; it never guesses.
 *
 * Ownership: struct nl_answer is caller-owned; nl_answer_fini frees its strings. The
 * lexicon (and through it the schema) must outlive the answer's frame.
 */
#ifndef SQ_NLSQL_NLSQL_H
#define SQ_NLSQL_NLSQL_H

#include "base/shape.h"
#include "nlsql/frame.h"

#include <stddef.h>

struct lx_lexicon;
struct sm_model;

enum { NL_MAX_UNPLACED = 16, NL_MAX_SUGGESTIONS = 4, NL_MAX_MARTS = 8 };

struct nl_unplaced {
    char *word;
    int offset; /* byte offset in the question */
};

struct nl_answer {
    int status; /* 0, or SQ_E_UNSUPPORTED */
    char *sql;
    char *interpretation;
    char *query; /* a record question's algebra as JSON, or NULL (the frame says it) */
    struct result_shape shape; /* shape.measure_label points at measure_label below */
    char measure_label[SHAPE_LABEL_MAX];
    struct nl_frame frame;
    const struct schema_mart *marts[NL_MAX_MARTS]; /* the marts the SQL reads */
    size_t nmarts;
    /* When declined: why, what was understood, the words not placed, suggestions. */
    char *reason;
    char *understood;
    struct nl_unplaced unplaced[NL_MAX_UNPLACED];
    size_t nunplaced;
    char *suggestions[NL_MAX_SUGGESTIONS];
    size_t nsuggestions;
};

/* Answers question over the lexicon's schema and its semantic model (NULL: no record
 * questions, only aggregates). previous (may be NULL) is the frame of
 * the session's last question: a follow-up that edits it ("now by quarter", "only
 * Furniture", "what about 2020?", "top 10 instead") starts from it. Returns 0 or
 * SQ_E_UNSUPPORTED (out->status says the same; out is filled either way). */
int nlsql_answer(const struct lx_lexicon *lx, const struct sm_model *model, const char *question,
                 const struct nl_frame *previous, struct nl_answer *out);
void nl_answer_fini(struct nl_answer *a);

/* Emits the SQL, interpretation and shape of a frame (used by nlsql_answer and by
 * follow-ups); 0, or SQ_E_UNSUPPORTED when the frame cannot be expressed (no join path). */
int nlsql_emit(const struct lx_lexicon *lx, const struct nl_frame *f, struct nl_answer *out);

#endif
