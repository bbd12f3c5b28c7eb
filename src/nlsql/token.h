/*
 * The question tokenizer: words (lower-cased, accents folded, possessives dropped),
 * numbers (1,000 / 2.5 / 20% / $500 / 5k / 2.5m), quarters (Q3), ordinals (3rd) and
 * punctuation, each with its byte span in the question so that the parser can point at
 * the words it could not place.
 *
 * Ownership: struct nl_tokens is caller-owned (nl_tokenize fills it, nl_tokens_fini
 * frees it); token text points into its arena.
 */
#ifndef SQ_NLSQL_TOKEN_H
#define SQ_NLSQL_TOKEN_H

#include "base/arena.h"

#include <stddef.h>

enum nl_token_kind { NL_WORD, NL_NUMBER, NL_QUARTER, NL_ORDINAL, NL_PUNCT };

struct nl_token {
    enum nl_token_kind kind;
    const char *text; /* normalized: "west", "2016", "q3", ",", "3rd" -> "3" */
    const char *stem; /* words: a singular form ("regions" -> "region"), else text */
    double value;     /* numbers, quarters (1-4), ordinals */
    int percent;      /* "20%" */
    int currency;     /* "$500" */
    int integer;      /* written without a fraction */
    int digits;       /* number of digits before any point (4 for a year) */
    int start;        /* byte offsets [start, end) in the question */
    int end;
};

/* The longest question accepted, and the most tokens. */
enum { NL_MAX_QUESTION = 2000, NL_MAX_TOKENS = 400 };

struct nl_tokens {
    struct nl_token *t;
    size_t n;
    size_t cap;
    struct sq_arena arena;
};

/* Tokenizes question; returns 0, or SQ_E_TOO_BIG past the limits. */
int nl_tokenize(const char *question, struct nl_tokens *out);
void nl_tokens_fini(struct nl_tokens *t);
/* Lower-cases and folds accents of UTF-8 text into out (for matching values and names):
 * "Cataluña" -> "cataluna". out needs strlen(s) * 2 + 1 bytes. */
void nl_fold(const char *s, char *out, size_t size);
/* A singular form of an English word ("categories" -> "category", "cities" -> "city",
 * "boxes" -> "box", "sales" -> "sales"); writes into out. */
void nl_singular(const char *word, char *out, size_t size);

#endif
