/*
 * Bounded growable buffer (see base/buf.h). Used for SQL text, JSON and CSV output and
 * for reading files and HTTP bodies.
 */
#include "base/buf.h"

#include "base/error.h"
#include "base/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sq_buf_init(struct sq_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void sq_buf_fini(struct sq_buf *b)
{
    free(b->data);
    sq_buf_init(b, b->max);
}

void sq_buf_reset(struct sq_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(struct sq_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return SQ_E_TOO_BIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SQ_BUF_UNLIMITED / 2 ? need : cap * 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int sq_buf_append(struct sq_buf *b, const void *p, size_t n)
{
    int rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sq_buf_puts(struct sq_buf *b, const char *s)
{
    return sq_buf_append(b, s, strlen(s));
}

int sq_buf_putc(struct sq_buf *b, char c)
{
    return sq_buf_append(b, &c, 1);
}

int sq_buf_printf(struct sq_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SQ_E_INTERNAL;
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

static int put_quoted(struct sq_buf *b, const char *s, char q)
{
    int rc = sq_buf_putc(b, q);
    for (const char *p = s; !rc && *p; p++) {
        if (*p == q)
            rc = sq_buf_putc(b, q);
        if (!rc)
            rc = sq_buf_putc(b, *p);
    }
    return rc ? rc : sq_buf_putc(b, q);
}

int sq_buf_put_ident(struct sq_buf *b, const char *s)
{
    return put_quoted(b, s, '"');
}

int sq_buf_put_literal(struct sq_buf *b, const char *s)
{
    return put_quoted(b, s, '\'');
}

int sq_buf_put_literal_or_null(struct sq_buf *b, const char *s)
{
    return s ? sq_buf_put_literal(b, s) : sq_buf_puts(b, "NULL");
}

char *sq_quote_ident(const char *name)
{
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_put_ident(&b, name);
    return sq_buf_steal(&b);
}

char *sq_buf_steal(struct sq_buf *b)
{
    char *p = b->data ? b->data : xstrdup("");
    sq_buf_init(b, b->max);
    return p;
}
