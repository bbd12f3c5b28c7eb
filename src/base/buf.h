/*
 * A growable byte buffer with a hard size limit fixed at creation, so hostile input can
 * fail cleanly (SQ_E_TOO_BIG) instead of exhausting memory. The contents are always
 * NUL-terminated.
 *
 * Ownership: struct sq_buf is caller-owned: sq_buf_init / sq_buf_fini. sq_buf_steal hands
 * the bytes to the caller and leaves the buffer empty.
 */
#ifndef SQ_BASE_BUF_H
#define SQ_BASE_BUF_H

#include <stddef.h>

struct sq_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* the most bytes (excluding the NUL) this buffer may ever hold */
};

#define SQ_BUF_UNLIMITED ((size_t)-1)

void sq_buf_init(struct sq_buf *b, size_t max);
void sq_buf_fini(struct sq_buf *b);
void sq_buf_reset(struct sq_buf *b);
/* These return 0, or SQ_E_TOO_BIG (leaving the buffer unchanged) past the limit. */
int sq_buf_append(struct sq_buf *b, const void *p, size_t n);
int sq_buf_puts(struct sq_buf *b, const char *s);
int sq_buf_putc(struct sq_buf *b, char c);
int sq_buf_printf(struct sq_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a SQL identifier in double quotes ("a""b"). */
int sq_buf_put_ident(struct sq_buf *b, const char *s);
/* Appends s as a SQL string literal in single quotes ('it''s'). */
int sq_buf_put_literal(struct sq_buf *b, const char *s);
/* Appends s as a string literal, or NULL when s is NULL. */
int sq_buf_put_literal_or_null(struct sq_buf *b, const char *s);
/* name as a quoted SQL identifier in a new heap string. */
char *sq_quote_ident(const char *name);
/* The contents as a heap string the caller frees; the buffer is left empty. */
char *sq_buf_steal(struct sq_buf *b);

#endif
