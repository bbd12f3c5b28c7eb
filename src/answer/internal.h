/*
 * Internals of the answer module shared by answer.c and cache.c: copying an answer, its
 * size as the cache counts it, and how a cache key names one version of a mart.
 *
 * Ownership: answer__copy fills a caller-owned struct answer (freed with answer_fini).
 */
#ifndef SQ_ANSWER_INTERNAL_H
#define SQ_ANSWER_INTERNAL_H

#include <stddef.h>

struct answer;
struct schema_mart;
struct sq_buf;

/* A deep copy of src into dst (dst's old contents are not freed). */
void answer__copy(struct answer *dst, const struct answer *src);
/* About how many bytes the answer holds (strings, table cells): the cache's measure. */
size_t answer__bytes(const struct answer *a);
/* Appends "name@version@loaded_at" for m: one version of a mart. The load time is there
 * because a source dropped and loaded again starts its version over at 1. */
void answer__mart_token(struct sq_buf *b, const struct schema_mart *m);

#endif
