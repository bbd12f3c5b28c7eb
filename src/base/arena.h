/*
 * A bump allocator: many small allocations, freed together in one call. Used for result
 * tables, per-request and per-job memory.
 *
 * Ownership: struct sq_arena is caller-owned (init/fini); memory from it lives until
 * sq_arena_fini and must not be freed individually.
 */
#ifndef SQ_BASE_ARENA_H
#define SQ_BASE_ARENA_H

#include <stddef.h>

struct sq_arena_chunk;

struct sq_arena {
    struct sq_arena_chunk *head;
    size_t used;  /* bytes used in head */
    size_t total; /* bytes handed out, for limits and reports */
};

void sq_arena_init(struct sq_arena *a);
void sq_arena_fini(struct sq_arena *a);
void *sq_arena_alloc(struct sq_arena *a, size_t n);
char *sq_arena_strndup(struct sq_arena *a, const char *s, size_t n);
char *sq_arena_strdup(struct sq_arena *a, const char *s);

#endif
