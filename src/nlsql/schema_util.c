/*
 * What the parser asks of the schema beyond lookups: the label column of a mart, the
 * default date column, and join paths (see nlsql/internal.h).
 */
#include "nlsql/internal.h"

#include "schema/schema.h"

#include <string.h>

static int unique_in(const struct schema_column *c, const struct schema_mart *m)
{
    return m->rows > 0 && (double)c->distinct >= 0.95 * (double)m->rows;
}

/* The old rule, for marts where nothing tells rows apart: a name-like text column. */
static const struct schema_column *label_by_name(const struct schema_mart *m)
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

/* A mart's label: a name that tells its rows apart (product_name, company_name), else any
 * text that does (email_address, sku), else its key; a name shared by many rows
 * (first_name of 18,000 customers) would merge them. */
const struct schema_column *nl__label_column(const struct schema_mart *m)
{
    const struct schema_column *text = NULL, *key = NULL;
    for (size_t i = 0; i < m->ncols; i++) {
        const struct schema_column *c = &m->cols[i];
        if (c->derived_from || !unique_in(c, m) || strcmp(c->role, "date") == 0 ||
            strcmp(c->role, "measure") == 0)
            continue;
        int is_text = strcmp(c->type, "VARCHAR") == 0;
        if (is_text && (strstr(c->name, "name") || strstr(c->name, "description")))
            return c;
        if (is_text && !text)
            text = c;
        if (!key && strcmp(c->role, "identifier") == 0)
            key = c;
    }
    if (text || key)
        return text ? text : key;
    return label_by_name(m);
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

int nl__joins_need(const struct schema *s, struct nl_joins *j, const struct schema_mart *m)
{
    for (size_t i = 0; i < j->n; i++)
        if (j->mart[i] == m)
            return (int)i;
    const struct schema_join *path[NL_JOINS_MAX];
    size_t len;
    if (nl__join_path(s, j->mart[0], m, path, NL_JOINS_MAX, &len) != 0)
        return -1;
    int at = 0;
    for (size_t k = 0; k < len; k++) {
        int found = -1;
        for (size_t i = 0; i < j->n; i++)
            if (j->mart[i] == path[k]->to)
                found = (int)i;
        if (found < 0) {
            if (j->n >= NL_JOINS_MAX)
                return -1;
            found = (int)j->n++;
            j->mart[found] = path[k]->to;
            j->edge[found] = path[k];
            j->parent[found] = at;
        }
        at = found;
    }
    return at;
}
