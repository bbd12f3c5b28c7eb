/*
 * Tokenizing questions (see lexicon/token.h). Called once per question by the fast
 * parser (nlsql/) and by deep mode's schema chunking (agents/), and by the lexicon for
 * every name and value it holds; allocation is one arena per text.
 */
#include "lexicon/token.h"

#include "base/error.h"
#include "base/mem.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ASCII folds of Latin-1 Supplement letters U+00C0..U+00FF. */
static const char *const latin1_fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "x", "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "/", "o", "u", "u", "u", "u", "y", "th", "y"};

void lx_fold(const char *s, char *out, size_t size)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && o + 3 < size) {
        if (*p < 0x80) {
            out[o++] = (char)tolower(*p);
            p++;
        } else if ((p[0] == 0xC3) && (p[1] & 0xC0) == 0x80) {
            unsigned cp = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            const char *f = latin1_fold[cp - 0xC0];
            for (; *f && o + 1 < size; f++)
                out[o++] = *f;
            p += 2;
        } else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x98 || p[2] == 0x99)) {
            out[o++] = '\''; /* curly apostrophes */
            p += 3;
        } else {
            /* Other non-ASCII characters are kept as they are (CJK names still match). */
            size_t len = (*p & 0xE0) == 0xC0   ? 2
                         : (*p & 0xF0) == 0xE0 ? 3
                         : (*p & 0xF8) == 0xF0 ? 4
                                               : 1;
            size_t i = 0;
            for (; i < len && p[i] && o + 1 < size; i++)
                out[o++] = (char)p[i];
            p += i ? i : 1; /* never past the end of a cut-short sequence */
        }
    }
    out[o] = '\0';
}

static int ends_with(const char *w, size_t n, const char *suf)
{
    size_t m = strlen(suf);
    return n > m && strcmp(w + n - m, suf) == 0;
}

void lx_singular(const char *word, char *out, size_t size)
{
    size_t n = strlen(word);
    /* Words that look plural but are not, or that the data uses as they are. */
    static const char *const keep[] = {
        "sales", "series",  "news",     "analysis", "status",  "bus",     "plus",
        "gross", "less",    "business", "class",    "address", "process", "express",
        "glass", "us",      "this",     "its",      "is",      "was",     "has",
        "does",  "across",  "previous", "various",  "bonus",   "campus",  "canvas",
        "gas",   "chassis", "miss",     "boss",     "loss",    "discuss", NULL};
    for (int i = 0; keep[i]; i++) {
        if (strcmp(word, keep[i]) == 0) {
            snprintf(out, size, "%s", word);
            return;
        }
    }
    if (ends_with(word, n, "ies") && n > 4)
        snprintf(out, size, "%.*sy", (int)(n - 3), word);
    else if (ends_with(word, n, "sses") || ends_with(word, n, "xes") ||
             ends_with(word, n, "ches") || ends_with(word, n, "shes") || ends_with(word, n, "zes"))
        snprintf(out, size, "%.*s", (int)(n - 2), word);
    else if (ends_with(word, n, "s") && !ends_with(word, n, "ss") && !ends_with(word, n, "us") &&
             !ends_with(word, n, "is") && n > 3)
        snprintf(out, size, "%.*s", (int)(n - 1), word);
    else
        snprintf(out, size, "%s", word);
}

static struct lx_token *push(struct lx_tokens *t, enum lx_token_kind kind, int start, int end)
{
    if (t->n >= t->cap)
        return NULL;
    struct lx_token *k = &t->t[t->n++];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->start = start;
    k->end = end;
    return k;
}

static int is_word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Reads a number at q[i]: digits with optional thousands commas and a fraction, then an
 * optional suffix (k, m, bn, %). Returns the end offset, or i if there is no number. */
static int read_number(const char *q, int i, struct lx_token *tok)
{
    int j = i;
    double v = 0;
    int digits = 0;
    while (isdigit((unsigned char)q[j]) ||
           (q[j] == ',' && digits > 0 && isdigit((unsigned char)q[j + 1]) &&
            isdigit((unsigned char)q[j + 2]) && isdigit((unsigned char)q[j + 3]) &&
            !isdigit((unsigned char)q[j + 4]))) {
        if (q[j] != ',') {
            v = v * 10 + (q[j] - '0');
            digits++;
        }
        j++;
    }
    if (digits == 0)
        return i;
    int integer = 1;
    if (q[j] == '.' && isdigit((unsigned char)q[j + 1])) {
        double scale = 0.1;
        j++;
        while (isdigit((unsigned char)q[j])) {
            v += (q[j] - '0') * scale;
            scale /= 10;
            j++;
        }
        integer = 0;
    }
    /* Suffixes: 5k, 2.5m, 3bn, 20% (only when not followed by more letters). */
    int k = j;
    double mult = 1;
    if ((q[k] == 'k' || q[k] == 'K') && !isalnum((unsigned char)q[k + 1])) {
        mult = 1e3;
        k++;
    } else if ((q[k] == 'm' || q[k] == 'M') && !isalnum((unsigned char)q[k + 1])) {
        mult = 1e6;
        k++;
    } else if ((strncmp(q + k, "bn", 2) == 0 || strncmp(q + k, "BN", 2) == 0) &&
               !isalnum((unsigned char)q[k + 2])) {
        mult = 1e9;
        k += 2;
    }
    if (mult != 1) {
        v *= mult;
        integer = v == floor(v);
        j = k;
    }
    if (q[j] == '%') {
        tok->percent = 1;
        j++;
    }
    tok->value = v;
    tok->integer = integer;
    tok->digits = digits;
    return j;
}

int lx_tokenize(const char *question, struct lx_tokens *out)
{
    memset(out, 0, sizeof *out);
    sq_arena_init(&out->arena);
    size_t len = strlen(question);
    if (len > LX_MAX_QUESTION)
        return SQ_E_TOO_BIG;
    /* A token takes at least one byte: short texts (the lexicon tokenizes every value)
     * need short arrays. */
    size_t cap = len + 1 < LX_MAX_TOKENS ? len + 1 : LX_MAX_TOKENS;
    out->t = sq_arena_alloc(&out->arena, cap * sizeof *out->t);
    out->cap = cap;
    const char *q = question;
    int i = 0;
    char buf[LX_WORD_MAX];
    while (q[i]) {
        unsigned char c = (unsigned char)q[i];
        if (isspace(c)) {
            i++;
            continue;
        }
        struct lx_token tmp;
        memset(&tmp, 0, sizeof tmp);
        int currency = 0;
        int start = i;
        /* $500, €500, £500: the sign is skipped only when a digit follows it. */
        int sign = c == '$'                                                  ? 1
                   : (c == 0xE2 && q[i + 1] == '\x82' && q[i + 2] == '\xac') ? 3
                   : (c == 0xC2 && q[i + 1] == '\xa3')                       ? 2
                                                                             : 0;
        if (sign && isdigit((unsigned char)q[i + sign])) {
            currency = 1;
            i += sign;
        }
        if (isdigit((unsigned char)q[i])) {
            int end = read_number(q, i, &tmp);
            /* 3rd, 21st, 2nd, 4th: ordinals. */
            if (tmp.integer && !tmp.percent &&
                (strncmp(q + end, "st", 2) == 0 || strncmp(q + end, "nd", 2) == 0 ||
                 strncmp(q + end, "rd", 2) == 0 || strncmp(q + end, "th", 2) == 0) &&
                !is_word_byte((unsigned char)q[end + 2])) {
                struct lx_token *t = push(out, LX_ORDINAL, start, end + 2);
                if (!t)
                    return SQ_E_TOO_BIG;
                t->value = tmp.value;
                snprintf(buf, sizeof buf, "%.0f", tmp.value);
                t->text = t->stem = sq_arena_strdup(&out->arena, buf);
                i = end + 2;
                continue;
            }
            /* A number too big for a double (400 nines) is no number: a word nothing knows,
             * so that the question is declined rather than compared with "inf". */
            if ((!is_word_byte((unsigned char)q[end]) || tmp.percent) && isfinite(tmp.value)) {
                struct lx_token *t = push(out, LX_NUMBER, start, end);
                if (!t)
                    return SQ_E_TOO_BIG;
                *t = tmp;
                t->kind = LX_NUMBER;
                t->start = start;
                t->end = end;
                t->currency = currency;
                t->text = t->stem = sq_arena_strndup(&out->arena, q + i, (size_t)(end - i));
                i = end;
                continue;
            }
            /* Digits glued to letters ("2016q3", "b2b"): read as one word below. */
            i = start;
        }
        if (is_word_byte((unsigned char)q[i]) &&
            !((unsigned char)q[i] == 0xE2 && (unsigned char)q[i + 1] == 0x80)) {
            int j = i;
            /* A word: letters, digits, inner apostrophes, inner hyphens split later. */
            for (;;) {
                const unsigned char *u = (const unsigned char *)q + j;
                if (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0x99 && is_word_byte(u[3]) && j > i) {
                    j += 3; /* a curly apostrophe inside a word */
                    continue;
                }
                if (u[0] == 0xE2 && u[1] == 0x80)
                    break; /* other quotes and dashes end a word */
                if (is_word_byte(u[0]))
                    j++;
                else if (u[0] == '\'' && is_word_byte(u[1]) && j > i)
                    j++; /* inner apostrophe: o'brien, customer's */
                else
                    break;
            }
            char *raw = sq_arena_strndup(&out->arena, q + i, (size_t)(j - i));
            lx_fold(raw, buf, sizeof buf);
            size_t n = strlen(buf);
            /* Possessives: "customer's" -> "customer"; "customers'" was cut at the quote. */
            if (n > 2 && buf[n - 2] == '\'' && buf[n - 1] == 's') {
                buf[n - 2] = '\0';
                n -= 2;
            }
            struct lx_token *t;
            if (n == 2 && buf[0] == 'q' && buf[1] >= '1' && buf[1] <= '4') {
                t = push(out, LX_QUARTER, i, j);
                if (!t)
                    return SQ_E_TOO_BIG;
                t->value = buf[1] - '0';
            } else {
                t = push(out, LX_WORD, i, j);
                if (!t)
                    return SQ_E_TOO_BIG;
            }
            t->text = sq_arena_strdup(&out->arena, buf);
            char sing[LX_WORD_MAX]; /* a singular is never longer than its word */
            lx_singular(buf, sing, sizeof sing);
            t->stem = strcmp(sing, buf) == 0 ? t->text : sq_arena_strdup(&out->arena, sing);
            i = j;
            continue;
        }
        /* A hyphen between letters joins words ("sub-category", "year-over-year"): it is
         * dropped, so phrases match across it. Between numbers it stays ("2016-2017"). */
        if (c == '-' && i > 0 && isalpha((unsigned char)q[i - 1]) &&
            isalpha((unsigned char)q[i + 1])) {
            i++;
            continue;
        }
        /* Punctuation: one token per character (UTF-8 sequences kept whole). */
        int plen = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        /* A sequence cut short (or invalid) is one byte: never step over the end. */
        for (int k = 1; k < plen; k++) {
            if (((unsigned char)q[i + k] & 0xC0) != 0x80) {
                plen = 1;
                break;
            }
        }
        if (c == '>' || c == '<' || c == '!' || c == '=') {
            if (q[i + 1] == '=')
                plen = 2;
        }
        struct lx_token *t = push(out, LX_PUNCT, i, i + plen);
        if (!t)
            return SQ_E_TOO_BIG;
        t->text = t->stem = sq_arena_strndup(&out->arena, q + i, (size_t)plen);
        i += plen;
    }
    return 0;
}

void lx_tokens_fini(struct lx_tokens *t)
{
    sq_arena_fini(&t->arena);
    memset(t, 0, sizeof *t);
}
