/*
 * Internal to nlsql/: the pieces parse.c, time.c and emit.c share.
 */
#ifndef SQ_NLSQL_INTERNAL_H
#define SQ_NLSQL_INTERNAL_H

#include "lexicon/token.h"
#include "model/model.h"
#include "nlsql/frame.h"

#include <stddef.h>

struct schema;
struct schema_mart;
struct schema_column;
struct schema_join;
struct sm_model;
struct sq_buf;
struct nl_answer;
struct lx_lexicon;

/* Days since 1970-01-01 and back; month arithmetic that clamps the day. */
long nl__days(struct nl_date d);
struct nl_date nl__from_days(long days);
struct nl_date nl__add_months(struct nl_date d, int months);
/* Parses "YYYY-MM-DD..." (a profile's min/max); 0 on success. */
int nl__parse_date(const char *s, struct nl_date *out);
/* "January".."December" for 1..12. */
const char *nl__month_name(int m);
/* 1..12 for a month word ("mar", "march", "sept"), else 0. */
int nl__month_of(const char *word);

/* "8/30/2004", "30/8/2004" at token i: the tokens used (5) and *out, else 0. The order of
 * day and month is the one a date of the question with a part over 12 shows; with none,
 * "8/1/2003" is not read (August 1 or January 8). */
int nl__slashed_date(const struct lx_tokens *tk, size_t i, struct nl_date *out);

/* The latest date in a date column (its profile's max), or 0 when unknown. */
int nl__anchor(const struct schema_column *date, struct nl_date *out);

/* The join path from one mart to another, following many-to-one edges: 0 and *len
 * edges in path (0 when from == to), or -1 when there is none. */
int nl__join_path(const struct schema *s, const struct schema_mart *from,
                  const struct schema_mart *to, const struct schema_join **path, size_t max,
                  size_t *len);

/* The marts a query reads: the first, whose rows are read, and the others joined to it
 * along many-to-one paths. */
enum { NL_JOINS_MAX = 8 };
struct nl_joins {
    const struct schema_mart *mart[NL_JOINS_MAX];
    const struct schema_join *edge[NL_JOINS_MAX]; /* edge[i] joins mart[i] (i >= 1) */
    int parent[NL_JOINS_MAX];                     /* ... from mart[parent[i]] */
    size_t n;
};
/* The index of m in j, joining the path to it from mart[0] as needed; -1 when there is no
 * path or no room. */
int nl__joins_need(const struct schema *s, struct nl_joins *j, const struct schema_mart *m);

/* The column people mean when they name a mart as a dimension ("by category" on a
 * categories mart): its name-like text column, or NULL. */
const struct schema_column *nl__label_column(const struct schema_mart *m);
/* The date column questions use by default in a mart (playbook's default_date, else one
 * named like an order date, else the first), or NULL. */
const struct schema_column *nl__default_date(const struct schema_mart *m, const char *preferred);

/* A comparison as SQL (">=") and in words ("at least"). */
const char *nl__cmp_sql(enum nl_cmp op);
const char *nl__cmp_words(enum nl_cmp op);

/* A column name in words: "order_date" -> "order date". */
void nl__words(const char *name, char *out, size_t n);

/* Writes a key as written as an SQL literal, lower-cased when fold (compared with
 * lower(col): "inv-0007" finds INV-0007). */
void nl__put_key_literal(struct sq_buf *b, const char *text, int fold);

/* Writes "column >= DATE 'from' AND column < DATE 'to'" for period p, the column bare (in a
 * subquery over one table). */
struct nl_period;
void nl__put_period(struct sq_buf *b, const char *column, const struct nl_period *p);

/* Writes a column name as SQL: plain snake_case names bare, others quoted. */
void nl__put_ident(struct sq_buf *b, const char *name);

/* A thing named by its key as written (key.c): "order 10100", "customer no. 103", "product
 * S18_3482", "order SO51522" on a table of lines. */
enum { NL_CODE_MAX = NL_KEY_TEXT_MAX };
struct nl_key {
    const struct schema_mart *mart;
    const struct schema_column *col; /* the key column */
    size_t end;                      /* the token after the key */
    int numeric;
    double number;
    char code[NL_CODE_MAX]; /* as written */
};
/* The key named from token i of tk (q is the question the tokens point into), where
 * busy[k] marks tokens already read: 0 and *out, or -1. */
int nl__key_at(const struct lx_lexicon *lx, const struct sm_model *m, const struct lx_tokens *tk,
               const char *q, const unsigned char *busy, size_t i, struct nl_key *out);
/* The column a phrase names a thing's identifier by on a mart ("order" -> order_number,
 * order_id), or its name by ("customer" -> customer_name); NULL when none or two. */
struct lx_entry;
const struct schema_column *nl__thing_id(const struct lx_entry *e, const struct schema_mart *m);
const struct schema_column *nl__thing_name(const struct lx_entry *e, const struct schema_mart *m);

/* A whole number written as a word, "two" to "twenty", "thirty", "fifty", "hundred"; 0 for
 * any other word ("one" is left out: "which one" is no count). */
int nl__number_word(const char *w);

/* "late", "overdue", "after their required date", "later than the due date" at token i:
 * the words it takes from i, or 0. *verb is the index of a shipping verb just before it
 * ("shipped late"), else i. */
size_t nl__late_at(const struct lx_tokens *tk, size_t i, size_t *verb);

/* "never placed an", "never been sold", "never paid" at token i: the words it takes from i,
 * or 0, and the date role of the rows the verb names (bought, sold and ordered things are
 * on the order date, paid ones on the payment date; SM_DATE_OTHER for "had"). */
size_t nl__never_at(const struct lx_tokens *tk, size_t i, enum sm_date_role *role);

/* The nouns of those who buy ("customer", "client", "account", "buyer"), NULL-ended, and
 * whether an entity of the model is one of them (its noun has one in it). */
struct sm_entity;
extern const char *const nl__buyer_nouns[];
int nl__is_buyer(const struct sm_entity *en);

/* "Norway" where a column holds "Norway" and "Norway  ": of the values of val's column in
 * e, the one written as text[0, len) ; *other is then another spelling (else NULL). */
struct lx_sense;
const struct lx_sense *nl__as_written(const struct lx_entry *e, const struct lx_sense *val,
                                      const char *text, size_t len, const struct lx_sense **other);

/* The top row's fields (fields.c): where a clause on the ranked thing starts in question
 * ("… and what segment are they in": the byte of its separator; *tail: its first word),
 * else 0; and the columns the clause names, added to f->fields: 0, or -1 (f unchanged)
 * when f ranks no one thing or a word of the clause is not a field of it. */
struct nl_frame;
size_t nl__fields_clause(const char *question, size_t *tail);
int nl__add_fields(const struct lx_lexicon *lx, const struct sm_model *m, const char *clause,
                   struct nl_frame *f);

/* Record questions (record.c): a thing's fields, lists of things under conditions, across
 * links and self references. Returns 0 with out filled, SQ_E_UNSUPPORTED with out's reason
 * when two readings remain, or NL_NOT_RECORD (out untouched) for a question it leaves to
 * the frame parser. */
enum { NL_NOT_RECORD = 1 };
int nl__record(const struct lx_lexicon *lx, const struct sm_model *model, const char *question,
               struct nl_answer *out);

#endif
