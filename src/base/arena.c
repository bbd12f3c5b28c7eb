/*
 * Chunked bump allocator (see base/arena.h). Chunks grow to 64 KiB; larger requests get
 * a chunk of their own.
 */
#include "base/arena.h"

#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

struct sq_arena_chunk {
    struct sq_arena_chunk *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

enum { CHUNK = 64 * 1024 };

void sq_arena_init(struct sq_arena *a)
{
    a->head = NULL;
    a->used = 0;
    a->total = 0;
}

void sq_arena_fini(struct sq_arena *a)
{
    struct sq_arena_chunk *c = a->head;
    while (c) {
        struct sq_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    sq_arena_init(a);
}

void *sq_arena_alloc(struct sq_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->used + n > a->head->size) {
        size_t size = n > CHUNK / 4 ? n : CHUNK;
        struct sq_arena_chunk *c = xmalloc(sizeof *c + size);
        c->size = size;
        if (a->head && size != CHUNK) {
            /* A big block goes behind the current chunk so its free space is kept. */
            c->next = a->head->next;
            a->head->next = c;
            a->total += n;
            return c->data;
        }
        c->next = a->head;
        a->head = c;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    a->total += n;
    return p;
}

char *sq_arena_strndup(struct sq_arena *a, const char *s, size_t n)
{
    char *p = sq_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sq_arena_strdup(struct sq_arena *a, const char *s)
{
    return sq_arena_strndup(a, s, strlen(s));
}
