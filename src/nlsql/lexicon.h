/*
 * The lexicon: every phrase a question may use for something in the data, built from a
 * schema snapshot and the playbook. Column names split into words ("order date",
 * "productline" as "product line" too), mart names without the prefix all sources share
 * ("customers" for adventure_works_customers), the value index ("west" -> region = West,
 * "office supplies" -> category), the built-in sales glossary (revenue -> sales, units ->
 * quantity, ...) and the playbook's synonyms, glossary and metrics.
 *
 * Ownership: nl_lexicon_new returns a lexicon freed with nl_lexicon_free; it borrows the
 * schema and playbook, which must outlive it. Entries and senses belong to the lexicon.
 */
#ifndef SQ_NLSQL_LEXICON_H
#define SQ_NLSQL_LEXICON_H

#include <stddef.h>

struct schema;
struct schema_mart;
struct schema_column;
struct playbook;

enum nl_sense_kind { NL_SENSE_COLUMN, NL_SENSE_VALUE, NL_SENSE_MART, NL_SENSE_METRIC };

/* How a phrase names a thing: its full name beats a synonym, which beats one word of a
 * longer name. */
enum nl_quality { NL_PARTIAL = 1, NL_SYNONYM = 2, NL_EXACT = 3 };

struct nl_sense {
    enum nl_sense_kind kind;
    enum nl_quality quality;
    const struct schema_mart *mart;
    const struct schema_column *col; /* COLUMN and VALUE */
    const char *value;               /* VALUE: as stored in the data */
    long long count;                 /* VALUE: rows that have it */
    const char *metric;              /* METRIC: its name */
    const char *metric_sql;          /* METRIC: the SQL expression */
};

struct nl_entry {
    const char *phrase;
    struct nl_sense *senses;
    size_t n;
};

struct nl_lexicon;

struct nl_lexicon *nl_lexicon_new(const struct schema *s, const struct playbook *pb);
void nl_lexicon_free(struct nl_lexicon *lx);
/* The entry for a phrase (words joined by single spaces, folded), or NULL. */
const struct nl_entry *nl_lexicon_get(const struct nl_lexicon *lx, const char *phrase);
/* A single-word phrase within one edit (substitution, insertion, deletion, swap) of word,
 * for small typos; NULL when there is none or more than one. Words under 5 letters are
 * never corrected. */
const struct nl_entry *nl_lexicon_fuzzy(const struct nl_lexicon *lx, const char *word);
/* The glossary's canonical word for a word ("revenue" -> "sales"), or NULL. */
const char *nl_glossary(const char *word);
/* The entry of another word of word's glossary group ("sales" -> the entry of "revenue"
 * in a data set that says revenue), or NULL. */
const struct nl_entry *nl_lexicon_concept(const struct nl_lexicon *lx, const char *word);
const struct schema *nl_lexicon_schema(const struct nl_lexicon *lx);
const struct playbook *nl_lexicon_playbook(const struct nl_lexicon *lx);
/* The words of a mart's name without the prefix every mart shares. */
const char *nl_mart_words(const struct nl_lexicon *lx, const struct schema_mart *m);
size_t nl_lexicon_size(const struct nl_lexicon *lx);

#endif
