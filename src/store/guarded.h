/*
 * A query the guard approved: the only thing store_select runs. Its definition is here,
 * apart from store.h, so that only the code that judges SQL can make one: only src/guard/
 * (which builds one in guard_check, after the checks) and src/store/ (which reads it in
 * store_select) may include this header, and scripts/check-layers.sh fails on any other
 * file that does. Everyone else holds it through guard/guard.h as an opaque type.
 *
 * Ownership: store_guarded_new copies sql into a new query; store_guarded_free frees it
 * (NULL is a no-op). guard/ wraps both (guard_check, guarded_query_free).
 */
#ifndef SQ_STORE_GUARDED_H
#define SQ_STORE_GUARDED_H

#include "base/mem.h"

#include <stdlib.h>

struct guarded_query {
    char *sql; /* the text guard_check approved, as it was given */
};

static inline struct guarded_query *store_guarded_new(const char *sql)
{
    struct guarded_query *q = xmalloc(sizeof *q);
    q->sql = xstrdup(sql);
    return q;
}

static inline void store_guarded_free(struct guarded_query *q)
{
    if (!q)
        return;
    free(q->sql);
    free(q);
}

#endif
