/*
 * The question tokenizer: words (lower-cased, accents folded, possessives dropped),
 * numbers (1,000 / 2.5 / 20% / $500 / 5k / 2.5m), quarters (Q3), ordinals (3rd) and
 * punctuation, each with its byte span in the question so that the parser can point at
 * the words it could not place. The lexicon's phrases are made by the same rules, so a
 * question's words and the data's names meet in one form.
 *
 * Ownership: struct lx_tokens is caller-owned (lx_tokenize fills it, lx_tokens_fini
 * frees it); token text points into its arena.
 */
#ifndef SQ_LEXICON_TOKEN_H
#define SQ_LEXICON_TOKEN_H

#include "base/arena.h"

#include <stddef.h>

enum lx_token_kind { LX_WORD, LX_NUMBER, LX_QUARTER, LX_ORDINAL, LX_PUNCT };

struct lx_token {
    enum lx_token_kind kind;
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
enum { LX_MAX_QUESTION = 2000, LX_MAX_TOKENS = 400 };
/* A word of a question folded (lx_fold) or made singular (lx_singular), with its NUL: the
 * question can be one word, and folding at most doubles it. */
enum { LX_WORD_MAX = LX_MAX_QUESTION * 2 + 8 };

struct lx_tokens {
    struct lx_token *t;
    size_t n;
    size_t cap;
    struct sq_arena arena;
};

/* Tokenizes question; returns 0, or SQ_E_TOO_BIG past the limits. */
int lx_tokenize(const char *question, struct lx_tokens *out);
void lx_tokens_fini(struct lx_tokens *t);
/* Lower-cases and folds accents of UTF-8 text into out (for matching values and names):
 * "Cataluña" -> "cataluna". out needs strlen(s) * 2 + 1 bytes. */
void lx_fold(const char *s, char *out, size_t size);
/* A singular form of an English word ("categories" -> "category", "cities" -> "city",
 * "boxes" -> "box", "sales" -> "sales"); writes into out. */
void lx_singular(const char *word, char *out, size_t size);

#endif
