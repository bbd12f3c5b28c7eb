/*
 * Allocation that never returns NULL: running out of memory aborts with a message, so
 * error paths are kept for real errors. Anything sized by untrusted input must be bounded
 * before it reaches these (see base/buf.h).
 */
#ifndef SQ_BASE_MEM_H
#define SQ_BASE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A new string formatted like printf; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
