/*
 * snake_case naming for sources and columns (see ingest/names.h), following the rules
 * in DESIGN.md: split CamelCase at lower-to-upper boundaries, lowercase, every run of
 * other characters becomes one underscore, trimmed.
 */
#include "ingest/names.h"

#include "base/buf.h"
#include "base/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ASCII letters for the accented Latin letters of U+00C0..U+017F (Latin-1 Supplement and
 * Latin Extended-A); NULL where there is no sensible one. */
static const char *fold_latin(unsigned cp)
{
    static const char *const latin1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "y"};
    static const char ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiijjjjkkk"
                                "lllllllllllnnnnnnnnnoooooooorrrrrrsssssssstttttt"
                                "uuuuuuuuuuuuwwyyyzzzzzzs";
    static char one[2];
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1[cp - 0xC0];
    if (cp >= 0x100 && cp <= 0x17F && cp - 0x100 < sizeof ext_a - 1) {
        one[0] = ext_a[cp - 0x100];
        one[1] = '\0';
        return one;
    }
    return NULL;
}

/* Decodes one UTF-8 sequence at s; returns its length (1 for an invalid byte). */
static size_t utf8_next(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
        *cp = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *cp = ((unsigned)(s[0] & 0x0F) << 12) | ((unsigned)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
        (s[3] & 0xC0) == 0x80) {
        *cp = 0x10000;
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

char *names_snake(const char *s)
{
    /* First fold to ASCII letters, digits and separators, remembering case. */
    struct sq_buf ascii;
    sq_buf_init(&ascii, SQ_BUF_UNLIMITED);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        size_t len = utf8_next(p, &cp);
        if (cp < 0x80) {
            sq_buf_putc(&ascii, (char)cp);
        } else {
            const char *f = fold_latin(cp);
            int upper = (cp >= 0xC0 && cp <= 0xDE) || (cp >= 0x100 && cp <= 0x17F && cp % 2 == 0);
            if (f) {
                for (const char *q = f; *q; q++)
                    sq_buf_putc(&ascii, upper ? (char)toupper((unsigned char)*q) : *q);
            } else {
                sq_buf_putc(&ascii, ' ');
            }
        }
        p += len;
    }
    struct sq_buf out;
    sq_buf_init(&out, SQ_BUF_UNLIMITED);
    const char *a = ascii.data ? ascii.data : "";
    int pending_sep = 0;
    for (size_t i = 0; a[i]; i++) {
        unsigned char c = (unsigned char)a[i];
        if (!isalnum(c)) {
            pending_sep = 1;
            continue;
        }
        /* A lower-case letter (or digit) followed by an upper-case letter starts a word. */
        if (i > 0 && isupper(c) && islower((unsigned char)a[i - 1]))
            pending_sep = 1;
        if (pending_sep && out.len > 0)
            sq_buf_putc(&out, '_');
        pending_sep = 0;
        sq_buf_putc(&out, (char)tolower(c));
    }
    sq_buf_fini(&ascii);
    char *res;
    if (out.len == 0)
        res = xstrdup("col");
    else if (isdigit((unsigned char)out.data[0]))
        res = xasprintf("col_%s", out.data);
    else
        res = xstrdup(out.data);
    sq_buf_fini(&out);
    return res;
}

static int ends_with_ci(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && strncasecmp(s + n - m, suffix, m) == 0;
}

char *names_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    static const char *const exts[] = {".csv.gz", ".tsv.gz", ".csv", ".tsv", ".parquet", NULL};
    for (int i = 0; exts[i]; i++) {
        if (ends_with_ci(base, n, exts[i]) && n > strlen(exts[i])) {
            n -= strlen(exts[i]);
            break;
        }
    }
    return xstrndup(base, n);
}

char *names_digitless(const char *stem)
{
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    for (const char *p = stem; *p; p++)
        sq_buf_putc(&b, isdigit((unsigned char)*p) ? ' ' : *p);
    char *res = names_snake(b.data ? b.data : "");
    sq_buf_fini(&b);
    return res;
}

char *names_unique(const char *name, char *const *taken, size_t n)
{
    char *candidate = xstrdup(name);
    for (int suffix = 2;; suffix++) {
        int clash = 0;
        for (size_t i = 0; i < n && !clash; i++)
            clash = taken[i] && strcmp(taken[i], candidate) == 0;
        if (!clash)
            return candidate;
        free(candidate);
        candidate = xasprintf("%s_%d", name, suffix);
    }
}
