/*
 * The guard (see guard/guard.h). It asks DuckDB for the parse tree of the SQL
 * (json_serialize_sql: parse only, no side effects), walks every node of it against
 * allow-lists, and only then lets DuckDB bind the query to report unknown names. Called
 * by the CLI's `sql` command, the answer pipeline and the agents for every query. Only
 * here is a struct guarded_query made (store/guarded.h), the one thing store_select runs.
 */
#include "guard/guard.h"

#include "guard/internal.h"

#include "base/error.h"
#include "base/limits.h"
#include "base/mem.h"
#include "base/table.h"
#include "schema/schema.h"
#include "store/guarded.h"
#include "store/store.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* CTE names visible at a point of the walk, innermost last. */
enum { MAX_SCOPE = 256 };

struct walk {
    const struct guard_policy *policy;
    const char *scope[MAX_SCOPE];
    int nscope;
    struct sq_error *err;
};

static int node_offset(json_t *node)
{
    /* Parsed with JSON_DECODE_INT_AS_REAL: "no location" is 2^64-1, too big for an int. */
    json_t *loc = json_object_get(node, "query_location");
    if (!json_is_number(loc))
        return -1;
    double v = json_number_value(loc);
    return v >= 0 && v < GUARD_MAX_SQL ? (int)v : -1;
}

int guard__reject(struct sq_error *err, json_t *node, const char *fmt, ...)
{
    char msg[SQ_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sq_error_set(err, SQ_E_REJECTED, node ? node_offset(node) : -1, "%s", msg);
}

const char *guard__str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int table_allowed(const struct walk *w, const char *name, int may_be_cte)
{
    for (int i = may_be_cte ? w->nscope - 1 : -1; i >= 0; i--)
        if (strcasecmp(w->scope[i], name) == 0)
            return 1;
    for (size_t i = 0; i < w->policy->ntables; i++)
        if (strcasecmp(w->policy->tables[i], name) == 0)
            return 1;
    return 0;
}

static int plain_identifier(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

static int walk_value(struct walk *w, json_t *v);

static int check_expression(struct walk *w, json_t *node, const char *cls)
{
    static const char *const classes[] = {
        "BETWEEN",     "CASE",     "CAST",     "COLLATE", "COLUMN_REF", "COMPARISON",
        "CONJUNCTION", "CONSTANT", "FUNCTION", "LAMBDA",  "OPERATOR",   "POSITIONAL_REFERENCE",
        "STAR",        "SUBQUERY", "WINDOW",   NULL};
    if (strcmp(cls, "PARAMETER") == 0)
        return guard__reject(w->err, node, "%s are not allowed: write the values into the query",
                             "query parameters");
    if (!in_list(cls, classes))
        return guard__reject(w->err, node, "the expression kind %s is not allowed", cls);
    if (strcmp(cls, "FUNCTION") == 0 || strcmp(cls, "WINDOW") == 0) {
        const char *name = guard__str(node, "function_name");
        const char *schema = guard__str(node, "schema");
        const char *catalog = guard__str(node, "catalog");
        /* DuckDB qualifies built-ins itself (main, and system for an explicit path). */
        if ((schema && *schema && strcasecmp(schema, "main") != 0) ||
            (catalog && *catalog && strcasecmp(catalog, "system") != 0))
            return guard__reject(w->err, node,
                                 "function %s: qualified function names are not allowed",
                                 name ? name : "?");
        if (!name)
            return guard__reject(w->err, node, "%s", "a function without a name is not allowed");
        char lower[SQ_NAME_MAX]; /* no allowed function has a longer name */
        size_t n = strlen(name);
        if (n >= sizeof lower)
            return guard__reject(w->err, node, "the function %.100s is not allowed", name);
        for (size_t i = 0; i <= n; i++)
            lower[i] = (char)tolower((unsigned char)name[i]);
        if (!guard_function_allowed(lower))
            return guard__reject(
                w->err, node,
                "the function %.100s is not allowed: queries may only compute over "
                "the loaded data",
                name);
    }
    return 0;
}

static int check_base_table(struct walk *w, json_t *node)
{
    const char *name = guard__str(node, "table_name");
    const char *schema = guard__str(node, "schema_name");
    const char *catalog = guard__str(node, "catalog_name");
    json_t *at = json_object_get(node, "at_clause");
    if (!name)
        return guard__reject(w->err, node, "%s", "a table reference without a name is not allowed");
    if (at && !json_is_null(at))
        return guard__reject(w->err, node, "%s: AT (time travel) is not allowed", name);
    if ((catalog && *catalog) || (schema && *schema && strcasecmp(schema, "main") != 0))
        return guard__reject(w->err, node,
                             "%.200s: only the loaded tables and mart_dyn_* views may be read, not "
                             "other catalogs or schemas",
                             name);
    /* A qualified name (main.x) is always the table, never a CTE of the same name. */
    if (table_allowed(w, name, !(schema && *schema)))
        return 0;
    if (strpbrk(name, "/\\:.*?") || strchr(name, '~'))
        return guard__reject(w->err, node,
                             "'%.200s' looks like a file or URL; queries may not read files", name);
    return guard__reject(w->err, node,
                         "the table %.200s is not one of the loaded tables or mart_dyn_* views "
                         "(see `salesql schema`)",
                         name);
}

/* Table references: what may appear after FROM. */
static int check_table_ref(struct walk *w, json_t *node, const char *type)
{
    static const char *const ok[] = {"BASE_TABLE",      "JOIN", "SUBQUERY", "EMPTY",
                                     "EXPRESSION_LIST", NULL};
    if (strcmp(type, "TABLE_FUNCTION") == 0) {
        json_t *fn = json_object_get(node, "function");
        const char *name = fn ? guard__str(fn, "function_name") : NULL;
        return guard__reject(w->err, node,
                             "the table function %.100s is not allowed: queries may only read the "
                             "loaded tables and mart_dyn_* views",
                             name ? name : "?");
    }
    if (strcmp(type, "SHOW_REF") == 0)
        return guard__reject(w->err, node,
                             "%s is not allowed; use `salesql schema` to see the columns",
                             "DESCRIBE / SHOW / SUMMARIZE");
    if (!in_list(type, ok))
        return guard__reject(w->err, node, "the table reference kind %s is not allowed", type);
    if (strcmp(type, "BASE_TABLE") == 0)
        return check_base_table(w, node);
    return 0;
}

/* A query node (SELECT, UNION, CTE) and its WITH list, scoped as DuckDB's binder scopes
 * it (non-recursive CTEs; WITH RECURSIVE is refused):
 *   - a CTE's body sees the CTEs in scope outside the node and those declared before it
 *     in the same list, never its own name: there `x` is the real table x;
 *   - everything else in the node sees all of the list;
 *   - a materialized CTE also appears as a CTE_NODE whose "query" repeats its body; that
 *     copy is walked with the body's scope.
 * Leaving a name out of scope is always safe (the reference is then checked against the
 * policy), so where the binder is more generous than these rules the guard refuses. */
static int walk_query_node(struct walk *w, json_t *node, const char *type)
{
    static const char *const ok[] = {"SELECT_NODE", "SET_OPERATION_NODE", "CTE_NODE", NULL};
    if (strcmp(type, "RECURSIVE_CTE_NODE") == 0)
        return guard__reject(w->err, node, "%s is not allowed", "WITH RECURSIVE");
    if (!in_list(type, ok))
        return guard__reject(w->err, node, "the query kind %s is not allowed", type);
    const int saved = w->nscope;
    const char *cte_name = strcmp(type, "CTE_NODE") == 0 ? guard__str(node, "cte_name") : NULL;
    int before_cte = 0; /* CTEs declared before cte_name */
    int found = 0;
    json_t *map = json_object_get(json_object_get(node, "cte_map"), "map");
    size_t i;
    json_t *entry;
    int rc = 0;
    json_array_foreach(map, i, entry)
    {
        const char *name = guard__str(entry, "key");
        if (!name || !plain_identifier(name)) {
            rc = guard__reject(w->err, node, "the CTE name '%.100s' must be a plain identifier",
                               name ? name : "?");
            goto out;
        }
        if ((rc = walk_value(w, json_object_get(entry, "value"))) != 0)
            goto out;
        if (cte_name && !found && strcasecmp(name, cte_name) == 0) {
            found = 1;
            before_cte = w->nscope - saved;
        }
        if (w->nscope >= MAX_SCOPE) {
            rc = guard__reject(w->err, node, "%s", "too many CTEs");
            goto out;
        }
        w->scope[w->nscope++] = name;
    }
    const int full = w->nscope;
    const char *key;
    json_t *child;
    json_object_foreach(node, key, child)
    {
        if (strcmp(key, "cte_map") == 0)
            continue;
        if (cte_name && strcmp(key, "query") == 0) {
            w->nscope = saved + before_cte;
            rc = walk_value(w, child);
            w->nscope = full;
        } else {
            rc = walk_value(w, child);
        }
        if (rc)
            break;
    }
out:
    w->nscope = saved;
    return rc;
}

static int walk_value(struct walk *w, json_t *v)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            int rc = walk_value(w, item);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (!json_is_object(v))
        return 0;
    const char *cls = guard__str(v, "class");
    const char *type = guard__str(v, "type");
    int rc = 0;
    if (cls) {
        rc = check_expression(w, v, cls);
    } else if (type && json_object_get(v, "modifiers")) {
        return walk_query_node(w, v, type);
    } else if (type && json_object_get(v, "sample") && json_object_get(v, "alias")) {
        rc = check_table_ref(w, v, type);
    } else if (type && (strcmp(type, "TABLE_FUNCTION") == 0 || strcmp(type, "SHOW_REF") == 0 ||
                        strcmp(type, "RECURSIVE_CTE_NODE") == 0)) {
        /* Belt and braces: these kinds are refused wherever they appear. */
        rc = guard__reject(w->err, v, "the construct %s is not allowed", type);
    }
    if (rc)
        return rc;
    const char *key;
    json_t *child;
    json_object_foreach(v, key, child)
    {
        if ((rc = walk_value(w, child)) != 0)
            return rc;
    }
    return 0;
}

int guard_check_tree(const char *parse_json, const struct guard_policy *p, struct sq_error *err)
{
    json_error_t jerr;
    json_t *root = json_loads(parse_json, JSON_DECODE_INT_AS_REAL, &jerr);
    if (!root)
        return sq_error_set(err, SQ_E_REJECTED, -1, "cannot read DuckDB's parse tree: %s",
                            jerr.text);
    int rc = 0;
    if (json_is_true(json_object_get(root, "error"))) {
        const char *msg = guard__str(root, "error_message");
        const char *etype = guard__str(root, "error_type");
        if (msg && strstr(msg, "Only SELECT"))
            rc = sq_error_set(err, SQ_E_REJECTED, -1,
                              "only one read-only query (SELECT, WITH ... SELECT or VALUES) may "
                              "run; this SQL contains another kind of statement");
        else
            rc = sq_error_set(err, SQ_E_REJECTED, -1, "the SQL does not parse (%s): %s",
                              etype ? etype : "error", msg ? msg : "unknown reason");
        goto out;
    }
    json_t *stmts = json_object_get(root, "statements");
    if (!json_is_array(stmts) || json_array_size(stmts) == 0) {
        rc = sq_error_set(err, SQ_E_REJECTED, -1, "the SQL holds no query");
        goto out;
    }
    if (json_array_size(stmts) > 1) {
        rc = sq_error_set(err, SQ_E_REJECTED, -1,
                          "the SQL holds %zu statements; exactly one query may run",
                          json_array_size(stmts));
        goto out;
    }
    struct walk w = {.policy = p, .err = err};
    json_t *node = json_object_get(json_array_get(stmts, 0), "node");
    rc = walk_value(&w, node);
    if (rc == 0)
        rc = guard__check_cost(node, err);
out:
    json_decref(root);
    return rc;
}

/* Text-level checks that come before DuckDB sees the SQL. */
static int precheck(const char *sql, struct sq_error *err)
{
    size_t n = strlen(sql);
    if (n > GUARD_MAX_SQL)
        return sq_error_set(err, SQ_E_TOO_BIG, -1, "the SQL is %zu bytes; the limit is %d", n,
                            GUARD_MAX_SQL);
    size_t i = 0;
    while (i < n && isspace((unsigned char)sql[i]))
        i++;
    if (i == n)
        return sq_error_set(err, SQ_E_REJECTED, 0, "the SQL is empty");
    return 0;
}

int guard_check(struct store_conn *c, const struct guard_policy *p, const char *sql,
                struct guarded_query **out, struct sq_error *err)
{
    char *json = NULL;
    *out = NULL;
    int rc = precheck(sql, err);
    if (rc)
        return rc;
    rc = store_parse_json(c, sql, &json, err);
    if (rc) {
        /* json_serialize_sql itself failed: the text cannot be read as SQL. */
        if (err)
            err->code = SQ_E_REJECTED;
        return SQ_E_REJECTED;
    }
    rc = guard_check_tree(json, p, err);
    free(json);
    if (rc)
        return rc;
    /* The tree reads only loaded data with safe functions, so binding cannot reach files;
     * binding reports unknown columns with DuckDB's candidates. */
    rc = store_bind(c, sql, err);
    if (rc == SQ_E_UNKNOWN_NAME)
        return rc;
    if (rc)
        return err ? (err->code = SQ_E_REJECTED) : SQ_E_REJECTED;
    *out = store_guarded_new(sql);
    return 0;
}

void guard_policy_init(struct guard_policy *p, const struct schema *s)
{
    const char **names = xcalloc(2 * (s ? s->nmarts : 0) + 1, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; s && i < s->nmarts; i++) {
        names[n++] = s->marts[i].name;
        names[n++] = s->marts[i].table;
    }
    p->tables = names;
    p->ntables = n;
    p->schema = NULL;
}

void guard_policy_fini(struct guard_policy *p)
{
    free((void *)p->tables);
    p->tables = NULL;
    p->ntables = 0;
}

const char *guarded_query_sql(const struct guarded_query *q)
{
    return q->sql;
}

void guarded_query_free(struct guarded_query *q)
{
    store_guarded_free(q);
}

int guard_execute(struct store_conn *c, const struct guarded_query *q,
                  const struct store_limits *lim, struct sq_table *out, struct sq_error *err)
{
    return store_select(c, q, lim, out, err);
}
