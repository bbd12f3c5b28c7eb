/*
 * The lexicon: every phrase a question may use for something in the data, built from a
 * schema snapshot and the playbook. Column names split into words ("order date",
 * "productline" as "product line" too), mart names without the prefix all sources share
 * ("customers" for adventure_works_customers), the value index ("west" -> region = West,
 * "office supplies" -> category), the built-in sales glossary (revenue -> sales, units ->
 * quantity, ...) and the playbook's synonyms, glossary and metrics. Both modes read it:
 * the fast parser (nlsql/) places a question's words with it, and deep mode (agents/)
 * chunks the schema by the phrases it finds; answer/ builds one per schema snapshot.
 *
 * Ownership: lx_lexicon_new returns a lexicon freed with lx_lexicon_free; it borrows the
 * schema and playbook, which must outlive it. Entries and senses belong to the lexicon.
 */
#ifndef SQ_LEXICON_LEXICON_H
#define SQ_LEXICON_LEXICON_H

#include <stddef.h>

struct lx_token;

struct schema;
struct schema_mart;
struct schema_column;
struct playbook;

enum lx_sense_kind { LX_SENSE_COLUMN, LX_SENSE_VALUE, LX_SENSE_MART, LX_SENSE_METRIC };

/* How a phrase names a thing: its full name beats a synonym, which beats one word of a
 * longer name. */
enum lx_quality { LX_PARTIAL = 1, LX_SYNONYM = 2, LX_EXACT = 3 };

struct lx_sense {
    enum lx_sense_kind kind;
    enum lx_quality quality;
    const struct schema_mart *mart;
    const struct schema_column *col; /* COLUMN and VALUE */
    const char *value;               /* VALUE: as stored in the data */
    long long count;                 /* VALUE: rows that have it */
    const char *metric;              /* METRIC: its name */
    const char *metric_sql;          /* METRIC: the SQL expression */
};

struct lx_entry {
    const char *phrase;
    struct lx_sense *senses;
    size_t n;
};

/* A phrase as the parsers look it up, with its NUL: a run of a question's words, spaced,
 * with the last one singular, or joined. A longer run is not looked up; both modes use
 * this size, so a phrase one of them finds the other finds too. */
enum { LX_PHRASE_MAX = 512 };

struct lx_lexicon;

struct lx_lexicon *lx_lexicon_new(const struct schema *s, const struct playbook *pb);
void lx_lexicon_free(struct lx_lexicon *lx);
/* The entry for a phrase (words joined by single spaces, folded), or NULL. */
const struct lx_entry *lx_lexicon_get(const struct lx_lexicon *lx, const char *phrase);
/* A single-word phrase within one edit (substitution, insertion, deletion, swap) of word,
 * for small typos; NULL when there is none or more than one. Words under 5 letters are
 * never corrected. */
const struct lx_entry *lx_lexicon_fuzzy(const struct lx_lexicon *lx, const char *word);
/* 1 if a and b differ by one edit of those (a letter changed only in words of 6 or more). */
int lx_one_edit(const char *a, const char *b);
/* The entry of a run of n tokens (punctuation inside it skipped: "Cruz & Sons Co."): its
 * words spaced, then with the last one singular, then joined, and one word through the
 * glossary. A run that starts or ends with a stop word finds only a value written so ("On
 * Hold"). NULL when there is none or the run starts or ends with punctuation. */
const struct lx_entry *lx_lexicon_run(const struct lx_lexicon *lx, const struct lx_token *t,
                                      size_t n);
/* 1 for the little words a phrase never starts or ends with: "the", "of", "in", ... */
int lx_stop_word(const char *w);
/* The glossary's canonical word for a word ("revenue" -> "sales"), or NULL. */
const char *lx_glossary(const char *word);
/* The entry of another word of word's glossary group ("sales" -> the entry of "revenue"
 * in a data set that says revenue), or NULL. */
const struct lx_entry *lx_lexicon_concept(const struct lx_lexicon *lx, const char *word);
const struct schema *lx_lexicon_schema(const struct lx_lexicon *lx);
const struct playbook *lx_lexicon_playbook(const struct lx_lexicon *lx);
/* The words of a mart's name without the prefix every mart shares. */
const char *lx_mart_words(const struct lx_lexicon *lx, const struct schema_mart *m);
size_t lx_lexicon_size(const struct lx_lexicon *lx);

#endif
