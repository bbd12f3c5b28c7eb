/*
 * What the parser asks of the schema beyond lookups: the label column of a mart, the
 * default date column, and join paths (see nlsql/internal.h).
 */
#include "nlsql/internal.h"

#include "schema/schema.h"

#include <string.h>

const struct schema_column *nl__label_column(const struct schema_mart *m)
{
    const struct schema_column *best = NULL;
    for (size_t i = 0; i < m->ncols; i++) {
        const struct schema_column *c = &m->cols[i];
        if (strcmp(c->type, "VARCHAR") != 0 || c->derived_from)
            continue;
        int named = strstr(c->name, "name") != NULL || strstr(c->name, "description") != NULL;
        if (!best)
            best = c;
        else if (named && !(strstr(best->name, "name") || strstr(best->name, "description")))
            best = c;
        else if (named == (strstr(best->name, "name") != NULL) &&
                 strcmp(c->role, "dimension") == 0 && strcmp(best->role, "dimension") != 0)
            best = c;
    }
    return best;
}

const struct schema_column *nl__default_date(const struct schema_mart *m, const char *preferred)
{
    const struct schema_column *first = NULL, *order = NULL;
    for (size_t i = 0; i < m->ncols; i++) {
        const struct schema_column *c = &m->cols[i];
        if (strcmp(c->role, "date") != 0 || c->derived_from)
            continue;
        if (preferred && strcmp(c->name, preferred) == 0)
            return c;
        if (!first)
            first = c;
        if (!order &&
            (strstr(c->name, "order") || strcmp(c->name, "date") == 0 || strstr(c->name, "sale") ||
             strstr(c->name, "invoice") || strstr(c->name, "transaction")))
            order = c;
    }
    return order ? order : first;
}

int nl__join_path(const struct schema *s, const struct schema_mart *from,
                  const struct schema_mart *to, const struct schema_join **path, size_t max,
                  size_t *len)
{
    *len = 0;
    if (from == to)
        return 0;
    return schema_join_path(s, from, to, path, max, len) == 0 ? 0 : -1;
}
