/*
 * The guard on PostgreSQL (see guard/pg.h). libpg_query parses the text with the
 * server's own grammar into a JSON tree (pg_query_parse: no server, no side effects), and
 * the walk below allow-lists every node of it. Each node type the guard knows has a table
 * of the fields it may carry and what each holds; a node type or a field that is not in
 * the tables (SELECT INTO's intoClause, FOR UPDATE's lockingClause, any statement but
 * SELECT, a function in FROM) is refused, never skipped, so a construct added to a later
 * grammar is refused until someone decides about it. Names are then checked against the
 * policy and the allow-lists of pg_allow.c. Called by the PostgreSQL engine's query path
 * and the tests; calls only libpg_query and jansson. Only src/guard/ includes pg_query.h
 * (scripts/check-layers.sh).
 */
#include "guard/pg.h"

#include "guard/guard.h"

#include "base/error.h"

#include <jansson.h>
#include <pg_query.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    MAX_SCOPE = 256, /* CTE names visible at one point of the walk */
    /* libpg_query writes its tree recursively: the deepest tree 64 KiB of SQL can make
     * (1+1+1..., 32,000 levels) needs about 5 MB of stack, more than a thread of a
     * library or a sanitized build may have. The parse runs on a thread of its own with
     * this much (reserved, touched only as deep as the tree goes). */
    PARSE_STACK = 32 * 1024 * 1024
};

struct walk {
    const struct guard_policy *policy;
    const char *scope[MAX_SCOPE]; /* borrowed from the tree */
    int nscope;
    struct sq_error *err;
};

static int reject(struct walk *w, int at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int reject(struct walk *w, int at, const char *fmt, ...)
{
    char msg[SQ_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sq_error_set(w->err, SQ_E_REJECTED, at, "%s", msg);
}

/* A tree libpg_query would not write; refused rather than guessed at. */
static int malformed(struct walk *w, int at, const char *where)
{
    return reject(w, at, "the parser's tree has an unexpected shape in %s", where);
}

static int has(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* The node's own byte offset in the SQL, else the one of the nearest node above it. */
static int location(json_t *body, int at)
{
    json_t *loc = json_object_get(body, "location");
    if (json_is_integer(loc) && json_integer_value(loc) >= 0 &&
        json_integer_value(loc) < GUARD_MAX_SQL)
        return (int)json_integer_value(loc);
    return at;
}

static const char *str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The text of a {"String": {"sval": ...}} node ("" when empty), or NULL. */
static const char *string_node(json_t *node)
{
    json_t *body = json_object_get(node, "String");
    if (!json_is_object(body))
        return NULL;
    const char *s = str(body, "sval");
    return s ? s : "";
}

/* A name list (function, operator, type, collation): one name, or two with the first
 * pg_catalog (where PostgreSQL's built-ins live, and what its grammar writes for SQL
 * syntax such as EXTRACT or INTEGER). Sets *schema to a qualifier other than pg_catalog
 * (the caller refuses it) and returns the last name; NULL when the list is not one of
 * these shapes. */
static const char *builtin_name(json_t *names, const char **schema)
{
    size_t n = json_array_size(names);
    *schema = NULL;
    if (n == 0 || n > 3)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!string_node(json_array_get(names, i)))
            return NULL;
    if (n == 3)
        *schema = string_node(json_array_get(names, 0));
    else if (n == 2 && strcmp(string_node(json_array_get(names, 0)), "pg_catalog") != 0)
        *schema = string_node(json_array_get(names, 0));
    return string_node(json_array_get(names, n - 1));
}

/* ---- What each node may hold -------------------------------------------------------- */

enum kind {
    F_SCALAR, /* a string, number or boolean */
    F_NODE,   /* one node: {"Type": {...}} */
    F_LIST,   /* an array of nodes */
    F_ALIAS,  /* an Alias written without its type: {"aliasname": ..., "colnames": [...]} */
    F_TYPE,   /* a TypeName written without its type */
    F_WINDOW, /* a WindowDef written without its type (a call's OVER) */
    F_VALUE,  /* an A_Const's value: {"ival": {"ival": 1}} */
    F_SELECT, /* a SelectStmt written without its type (a set operation's sides) */
    F_DONE    /* walked by the node's own check */
};

struct field {
    const char *name;
    enum kind kind;
};

struct rule {
    const char *type;
    /* Node-specific rules, run before the fields are walked; NULL if none. */
    int (*check)(struct walk *w, json_t *body, int at);
    const struct field *fields; /* ends with END; NULL: check walks the node itself */
};

/* The end of a field table, and the byte offset most nodes carry. */
/* clang-format off */
#define END {NULL, F_SCALAR}
#define LOC {"location", F_SCALAR}
/* clang-format on */

static int walk_node(struct walk *w, json_t *node, int at);
static int walk_select(struct walk *w, json_t *body, int at);
static int check_type_name(struct walk *w, json_t *body, int at);

static const struct field f_alias[] = {{"aliasname", F_SCALAR}, {"colnames", F_LIST}, END};
static const struct field f_type_name[] = {{"names", F_LIST},      {"typmods", F_LIST},
                                           {"typemod", F_SCALAR},  {"arrayBounds", F_LIST},
                                           {"location", F_SCALAR}, END};
static const struct field f_window[] = {
    {"name", F_SCALAR},      {"refname", F_SCALAR},      {"partitionClause", F_LIST},
    {"orderClause", F_LIST}, {"frameOptions", F_SCALAR}, {"startOffset", F_NODE},
    {"endOffset", F_NODE},   {"location", F_SCALAR},     END};
static const struct field f_select[] = {{"distinctClause", F_LIST},
                                        {"targetList", F_LIST},
                                        {"fromClause", F_LIST},
                                        {"whereClause", F_NODE},
                                        {"groupClause", F_LIST},
                                        {"groupDistinct", F_SCALAR},
                                        {"havingClause", F_NODE},
                                        {"windowClause", F_LIST},
                                        {"valuesLists", F_LIST},
                                        {"sortClause", F_LIST},
                                        {"limitOffset", F_NODE},
                                        {"limitCount", F_NODE},
                                        {"limitOption", F_SCALAR},
                                        {"withClause", F_DONE},
                                        {"op", F_SCALAR},
                                        {"all", F_SCALAR},
                                        {"larg", F_SELECT},
                                        {"rarg", F_SELECT},
                                        END};

/* A field the tables do not allow, in SQL's words where it has some, else NULL. */
static const char *field_name(const char *key)
{
    static const char *const names[][2] = {
        {"useOp", "ORDER BY ... USING"}, {"search_clause", "SEARCH"},
        {"cycle_clause", "CYCLE"},       {"setof", "SETOF"},
        {"pct_type", "%TYPE"},           {"indirection", "assigning to a field or element"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], key) == 0)
            return names[i][1];
    return NULL;
}

static int walk_fields(struct walk *w, const char *type, const struct field *fields, json_t *body,
                       int at)
{
    if (!json_is_object(body))
        return malformed(w, at, type);
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        const struct field *f = fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (!f->name && field_name(key))
            return reject(w, at, "%s is not allowed", field_name(key));
        if (!f->name)
            return reject(w, at, "%.100s in %.100s is not allowed", key, type);
        int rc = 0;
        switch (f->kind) {
        case F_SCALAR:
            if (json_is_object(v) || json_is_array(v))
                rc = malformed(w, at, type);
            break;
        case F_NODE:
            rc = walk_node(w, v, at);
            break;
        case F_LIST: {
            if (!json_is_array(v))
                return malformed(w, at, type);
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                if ((rc = walk_node(w, item, at)) != 0)
                    break;
            }
            break;
        }
        case F_ALIAS:
            rc = walk_fields(w, "an alias", f_alias, v, at);
            break;
        case F_TYPE:
            rc = check_type_name(w, v, at);
            if (rc == 0)
                rc = walk_fields(w, "a type name", f_type_name, v, location(v, at));
            break;
        case F_WINDOW:
            rc = walk_fields(w, "a window", f_window, v, location(v, at));
            break;
        case F_VALUE: {
            const char *k;
            json_t *scalar;
            if (!json_is_object(v))
                return malformed(w, at, type);
            json_object_foreach(v, k, scalar)
            {
                if (json_is_object(scalar) || json_is_array(scalar))
                    return malformed(w, at, type);
            }
            break;
        }
        case F_SELECT:
            rc = walk_select(w, v, at);
            break;
        case F_DONE:
            break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- Node-specific rules ------------------------------------------------------------ */

/* Statement node types in PostgreSQL's words, for the refusal. */
static const char *statement_name(const char *type)
{
    static const char *const names[][2] = {
        {"AlterSystemStmt", "ALTER SYSTEM"},
        {"CallStmt", "CALL"},
        {"CheckPointStmt", "CHECKPOINT"},
        {"CopyStmt", "COPY"},
        {"CreateFunctionStmt", "CREATE FUNCTION"},
        {"CreateStmt", "CREATE TABLE"},
        {"CreateTableAsStmt", "CREATE TABLE AS"},
        {"DeallocateStmt", "DEALLOCATE"},
        {"DeclareCursorStmt", "DECLARE CURSOR"},
        {"DeleteStmt", "DELETE"},
        {"DiscardStmt", "DISCARD"},
        {"DoStmt", "DO"},
        {"DropStmt", "DROP"},
        {"ExecuteStmt", "EXECUTE"},
        {"ExplainStmt", "EXPLAIN"},
        {"FetchStmt", "FETCH"},
        {"GrantStmt", "GRANT / REVOKE"},
        {"InsertStmt", "INSERT"},
        {"ListenStmt", "LISTEN"},
        {"LoadStmt", "LOAD"},
        {"LockStmt", "LOCK"},
        {"MergeStmt", "MERGE"},
        {"NotifyStmt", "NOTIFY"},
        {"PrepareStmt", "PREPARE"},
        {"TransactionStmt", "a transaction command"},
        {"TruncateStmt", "TRUNCATE"},
        {"UpdateStmt", "UPDATE"},
        {"VacuumStmt", "VACUUM / ANALYZE"},
        {"VariableSetStmt", "SET"},
        {"VariableShowStmt", "SHOW"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], type) == 0)
            return names[i][1];
    return NULL;
}

/* The first call of a RangeFunction (function calls in FROM: [[call, aliases], ...]). */
static json_t *range_function_call(json_t *body)
{
    json_t *first = json_array_get(json_object_get(body, "functions"), 0);
    json_t *items = json_object_get(json_object_get(first, "List"), "items");
    return json_object_get(json_array_get(items, 0), "FuncCall");
}

/* Refuses a node type the tables do not have, saying what it is where it can. */
static int refuse_kind(struct walk *w, const char *type, json_t *body, int at)
{
    const char *stmt = statement_name(type);
    if (stmt)
        return reject(w, at,
                      "%s is not allowed: only one read-only query (SELECT, WITH ... SELECT or "
                      "VALUES) may run",
                      stmt);
    if (strcmp(type, "RangeFunction") == 0) {
        json_t *call = range_function_call(body);
        json_t *names = json_object_get(call, "funcname");
        const char *name = string_node(json_array_get(names, json_array_size(names) - 1));
        return reject(w, location(call, at),
                      "the function %.100s in FROM is not allowed: queries may only read the "
                      "mart views",
                      name ? name : "?");
    }
    if (strcmp(type, "ParamRef") == 0)
        return reject(w, at, "%s",
                      "query parameters ($1) are not allowed: write the values "
                      "into the query");
    if (strcmp(type, "RangeTableSample") == 0)
        return reject(w, at, "%s", "TABLESAMPLE is not allowed");
    if (strcmp(type, "RangeTableFunc") == 0 || strncmp(type, "Xml", 3) == 0)
        return reject(w, at, "%s", "XML functions and XMLTABLE are not allowed");
    if (strlen(type) > 4 && strcmp(type + strlen(type) - 4, "Stmt") == 0)
        return reject(w, at,
                      "the statement %.100s is not allowed: only one read-only query (SELECT, "
                      "WITH ... SELECT or VALUES) may run",
                      type);
    return reject(w, at, "the construct %.100s is not allowed", type);
}

static int check_range_var(struct walk *w, json_t *body, int at)
{
    static const char *const system_schemas[] = {"pg_catalog", "information_schema", "pg_toast",
                                                 NULL};
    const char *name = str(body, "relname");
    const char *schema = str(body, "schemaname");
    const char *catalog = str(body, "catalogname");
    if (!name)
        return malformed(w, at, "a table reference");
    if (catalog)
        return reject(w, at,
                      "%.100s.%.100s.%.100s: a database-qualified name is not allowed; only the "
                      "mart views may be read",
                      catalog, schema ? schema : "", name);
    if (schema && (has(schema, system_schemas) || strncmp(schema, "pg_temp", 7) == 0 ||
                   strncmp(schema, "pg_toast", 8) == 0))
        return reject(w, at, "%.100s.%.100s: the system catalogs may not be read", schema, name);
    if (schema && (!w->policy->schema || strcmp(schema, w->policy->schema) != 0))
        return reject(w, at, "%.100s.%.100s: only the mart views may be read, not other schemas",
                      schema, name);
    /* A qualified name is always the relation, never a CTE of the same name. */
    for (int i = schema ? -1 : w->nscope - 1; i >= 0; i--)
        if (strcmp(w->scope[i], name) == 0)
            return 0;
    for (size_t i = 0; i < w->policy->ntables; i++)
        if (strcmp(w->policy->tables[i], name) == 0)
            return 0;
    if (strncmp(name, "pg_", 3) == 0)
        return reject(w, at, "%.100s: the system catalogs may not be read", name);
    return reject(w, at, "the relation %.200s is not one of the mart views (see `salesql schema`)",
                  name);
}

/* A function, operator, type or collation name: built-in (unqualified or pg_catalog),
 * and, when allowed is given, on its allow-list; why says what is allowed instead. */
static int check_builtin(struct walk *w, json_t *names, int at, const char *what,
                         int (*allowed)(const char *), const char *why)
{
    const char *schema;
    const char *name = builtin_name(names, &schema);
    if (!name)
        return malformed(w, at, what);
    if (schema)
        return reject(w, at, "%s %.100s.%.100s is not allowed: only built-in ones may be used",
                      what, schema, name);
    if (allowed && !allowed(name))
        return reject(w, at, "%s %.100s is not allowed%s", what, name, why);
    return 0;
}

static int check_func_call(struct walk *w, json_t *body, int at)
{
    return check_builtin(w, json_object_get(body, "funcname"), at, "the function",
                         guard_pg_function_allowed,
                         ": queries may only compute over the mart views");
}

static int check_operator(struct walk *w, json_t *names, int at)
{
    return check_builtin(w, names, at, "the operator", guard_pg_operator_allowed, "");
}

static int check_a_expr(struct walk *w, json_t *body, int at)
{
    static const char *const kinds[] = {"AEXPR_OP",
                                        "AEXPR_OP_ANY",
                                        "AEXPR_OP_ALL",
                                        "AEXPR_DISTINCT",
                                        "AEXPR_NOT_DISTINCT",
                                        "AEXPR_NULLIF",
                                        "AEXPR_IN",
                                        "AEXPR_LIKE",
                                        "AEXPR_ILIKE",
                                        "AEXPR_SIMILAR",
                                        NULL};
    static const char *const between[] = {"AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN", "AEXPR_BETWEEN_SYM",
                                          "AEXPR_NOT_BETWEEN_SYM", NULL};
    const char *kind = str(body, "kind"); /* libpg_query writes every enum, defaults too */
    if (!kind)
        return malformed(w, at, "an operator expression");
    /* BETWEEN's name is the keyword, not an operator; its comparisons are the built-ins. */
    if (has(kind, between))
        return 0;
    if (!has(kind, kinds))
        return reject(w, at, "the expression kind %.100s is not allowed", kind);
    return check_operator(w, json_object_get(body, "name"), at);
}

static int check_sub_link(struct walk *w, json_t *body, int at)
{
    static const char *const kinds[] = {
        "EXISTS_SUBLINK", "ALL_SUBLINK",   "ANY_SUBLINK", "ROWCOMPARE_SUBLINK",
        "EXPR_SUBLINK",   "ARRAY_SUBLINK", NULL};
    const char *kind = str(body, "subLinkType");
    if (!kind)
        return malformed(w, at, "a subquery");
    if (!has(kind, kinds))
        return reject(w, at, "the subquery kind %.100s is not allowed", kind);
    json_t *op = json_object_get(body, "operName");
    return op ? check_operator(w, op, at) : 0;
}

static int check_sql_value_function(struct walk *w, json_t *body, int at)
{
    static const char *const ops[] = {"SVFOP_CURRENT_DATE",        "SVFOP_CURRENT_TIME",
                                      "SVFOP_CURRENT_TIME_N",      "SVFOP_CURRENT_TIMESTAMP",
                                      "SVFOP_CURRENT_TIMESTAMP_N", "SVFOP_LOCALTIME",
                                      "SVFOP_LOCALTIME_N",         "SVFOP_LOCALTIMESTAMP",
                                      "SVFOP_LOCALTIMESTAMP_N",    NULL};
    const char *op = str(body, "op");
    if (!op)
        return malformed(w, at, "a built-in value");
    if (!has(op, ops))
        return reject(w, at,
                      "%.100s is not allowed: queries may not read the session's user, role, "
                      "database or schema",
                      strncmp(op, "SVFOP_", 6) == 0 ? op + 6 : op);
    return 0;
}

static int check_type_name(struct walk *w, json_t *body, int at)
{
    if (!json_is_object(body))
        return malformed(w, at, "a type name");
    return check_builtin(w, json_object_get(body, "names"), location(body, at), "a cast to",
                         guard_pg_type_allowed,
                         ": only to numbers, text, booleans, dates, times and intervals");
}

static int check_collate(struct walk *w, json_t *body, int at)
{
    return check_builtin(w, json_object_get(body, "collname"), at, "the collation", NULL, "");
}

/* WITH: each CTE's body sees the CTEs in scope outside the statement and those declared
 * before it in the same list, never its own name (there x is the relation x); the rest
 * of the statement sees the whole list (walk_select pops it). The bodies must be queries:
 * PostgreSQL runs a data-modifying CTE (WITH d AS (DELETE ... RETURNING *)) even when
 * nothing reads it. */
static int walk_with(struct walk *w, json_t *with, int at)
{
    static const struct field f_with[] = {
        {"ctes", F_DONE}, {"recursive", F_SCALAR}, {"location", F_SCALAR}, END};
    static const struct field f_cte[] = {{"ctename", F_SCALAR},         {"aliascolnames", F_LIST},
                                         {"ctematerialized", F_SCALAR}, {"ctequery", F_DONE},
                                         {"location", F_SCALAR},        END};
    at = location(with, at);
    int rc = walk_fields(w, "WITH", f_with, with, at);
    if (rc)
        return rc;
    if (json_is_true(json_object_get(with, "recursive")))
        return reject(w, at, "%s", "WITH RECURSIVE is not allowed");
    json_t *ctes = json_object_get(with, "ctes");
    if (!json_is_array(ctes))
        return malformed(w, at, "WITH");
    size_t i;
    json_t *item;
    json_array_foreach(ctes, i, item)
    {
        json_t *cte = json_object_get(item, "CommonTableExpr");
        const char *name = str(cte, "ctename");
        json_t *query = json_object_get(cte, "ctequery");
        int cat = location(cte, at);
        if (!name || !json_is_object(query) || json_object_size(query) != 1)
            return malformed(w, cat, "WITH");
        if ((rc = walk_fields(w, "a WITH query", f_cte, cte, cat)) != 0)
            return rc;
        const char *type = json_object_iter_key(json_object_iter(query));
        if (strcmp(type, "SelectStmt") != 0) {
            const char *stmt = statement_name(type);
            return reject(w, cat,
                          "WITH %.100s AS (%.100s ...): a statement that changes data is not "
                          "allowed in WITH; only one read-only query may run",
                          name, stmt ? stmt : type);
        }
        if ((rc = walk_node(w, query, cat)) != 0)
            return rc;
        if (w->nscope >= MAX_SCOPE)
            return reject(w, cat, "%s", "too many WITH queries");
        w->scope[w->nscope++] = name;
    }
    return 0;
}

/* A SELECT, VALUES or set operation, with its WITH list in scope for all of it. */
static int walk_select(struct walk *w, json_t *body, int at)
{
    if (!json_is_object(body))
        return malformed(w, at, "a query");
    json_t *into = json_object_get(body, "intoClause");
    if (into)
        return reject(w, location(json_object_get(into, "rel"), at), "%s",
                      "SELECT INTO is not allowed: it creates a table");
    if (json_object_get(body, "lockingClause"))
        return reject(w, at, "%s",
                      "FOR UPDATE / FOR SHARE is not allowed: queries may only read, not lock");
    const int saved = w->nscope;
    json_t *with = json_object_get(body, "withClause");
    int rc = with ? walk_with(w, with, at) : 0;
    if (rc == 0)
        rc = walk_fields(w, "SELECT", f_select, body, at);
    w->nscope = saved;
    return rc;
}

/* ---- The node types a query may hold ----------------------------------------------- */

static const struct field f_array[] = {{"elements", F_LIST}, LOC, END};
static const struct field f_const[] = {{"ival", F_VALUE},
                                       {"fval", F_VALUE},
                                       {"boolval", F_VALUE},
                                       {"sval", F_VALUE},
                                       {"bsval", F_VALUE},
                                       {"isnull", F_SCALAR},
                                       LOC,
                                       END};
static const struct field f_expr[] = {
    {"kind", F_SCALAR}, {"name", F_LIST}, {"lexpr", F_NODE}, {"rexpr", F_NODE}, LOC, END};
static const struct field f_indices[] = {
    {"is_slice", F_SCALAR}, {"lidx", F_NODE}, {"uidx", F_NODE}, END};
static const struct field f_indirection[] = {{"arg", F_NODE}, {"indirection", F_LIST}, END};
static const struct field f_none[] = {END};
static const struct field f_bit_string[] = {{"bsval", F_SCALAR}, END};
static const struct field f_bool_expr[] = {{"boolop", F_SCALAR}, {"args", F_LIST}, LOC, END};
static const struct field f_boolean[] = {{"boolval", F_SCALAR}, END};
static const struct field f_boolean_test[] = {
    {"arg", F_NODE}, {"booltesttype", F_SCALAR}, LOC, END};
static const struct field f_case[] = {
    {"arg", F_NODE}, {"args", F_LIST}, {"defresult", F_NODE}, LOC, END};
static const struct field f_case_when[] = {{"expr", F_NODE}, {"result", F_NODE}, LOC, END};
static const struct field f_args[] = {{"args", F_LIST}, LOC, END};
static const struct field f_collate[] = {{"arg", F_NODE}, {"collname", F_LIST}, LOC, END};
static const struct field f_column_ref[] = {{"fields", F_LIST}, LOC, END};
static const struct field f_float[] = {{"fval", F_SCALAR}, END};
static const struct field f_func_call[] = {{"funcname", F_LIST},
                                           {"args", F_LIST},
                                           {"agg_order", F_LIST},
                                           {"agg_filter", F_NODE},
                                           {"over", F_WINDOW},
                                           {"agg_within_group", F_SCALAR},
                                           {"agg_star", F_SCALAR},
                                           {"agg_distinct", F_SCALAR},
                                           {"func_variadic", F_SCALAR},
                                           {"funcformat", F_SCALAR},
                                           LOC,
                                           END};
static const struct field f_grouping_set[] = {{"kind", F_SCALAR}, {"content", F_LIST}, LOC, END};
static const struct field f_integer[] = {{"ival", F_SCALAR}, END};
static const struct field f_join[] = {{"jointype", F_SCALAR},  {"isNatural", F_SCALAR},
                                      {"larg", F_NODE},        {"rarg", F_NODE},
                                      {"usingClause", F_LIST}, {"join_using_alias", F_ALIAS},
                                      {"quals", F_NODE},       {"alias", F_ALIAS},
                                      {"rtindex", F_SCALAR},   END};
static const struct field f_list[] = {{"items", F_LIST}, END};
static const struct field f_named_arg[] = {
    {"arg", F_NODE}, {"name", F_SCALAR}, {"argnumber", F_SCALAR}, LOC, END};
static const struct field f_min_max[] = {{"op", F_SCALAR}, {"args", F_LIST}, LOC, END};
static const struct field f_null_test[] = {
    {"arg", F_NODE}, {"nulltesttype", F_SCALAR}, {"argisrow", F_SCALAR}, LOC, END};
static const struct field f_range_subselect[] = {
    {"lateral", F_SCALAR}, {"subquery", F_NODE}, {"alias", F_ALIAS}, END};
static const struct field f_range_var[] = {{"catalogname", F_SCALAR},
                                           {"schemaname", F_SCALAR},
                                           {"relname", F_SCALAR},
                                           {"inh", F_SCALAR},
                                           {"relpersistence", F_SCALAR},
                                           {"alias", F_ALIAS},
                                           LOC,
                                           END};
static const struct field f_res_target[] = {{"name", F_SCALAR}, {"val", F_NODE}, LOC, END};
static const struct field f_row[] = {
    {"args", F_LIST}, {"row_format", F_SCALAR}, {"colnames", F_LIST}, LOC, END};
static const struct field f_sql_value[] = {{"op", F_SCALAR}, {"typmod", F_SCALAR}, LOC, END};
static const struct field f_sort_by[] = {
    {"node", F_NODE}, {"sortby_dir", F_SCALAR}, {"sortby_nulls", F_SCALAR}, LOC, END};
static const struct field f_string[] = {{"sval", F_SCALAR}, END};
static const struct field f_sub_link[] = {{"subLinkType", F_SCALAR},
                                          {"subLinkId", F_SCALAR},
                                          {"testexpr", F_NODE},
                                          {"operName", F_LIST},
                                          {"subselect", F_NODE},
                                          LOC,
                                          END};
static const struct field f_type_cast[] = {{"arg", F_NODE}, {"typeName", F_TYPE}, LOC, END};

static const struct rule rules[] = {
    {"A_ArrayExpr", NULL, f_array},
    {"A_Const", NULL, f_const},
    {"A_Expr", check_a_expr, f_expr},
    {"A_Indices", NULL, f_indices},
    {"A_Indirection", NULL, f_indirection},
    {"A_Star", NULL, f_none},
    {"BitString", NULL, f_bit_string},
    {"BoolExpr", NULL, f_bool_expr},
    {"Boolean", NULL, f_boolean},
    {"BooleanTest", NULL, f_boolean_test},
    {"CaseExpr", NULL, f_case},
    {"CaseWhen", NULL, f_case_when},
    {"CoalesceExpr", NULL, f_args},
    {"CollateClause", check_collate, f_collate},
    {"ColumnRef", NULL, f_column_ref},
    {"Float", NULL, f_float},
    {"FuncCall", check_func_call, f_func_call},
    {"GroupingFunc", NULL, f_args},
    {"GroupingSet", NULL, f_grouping_set},
    {"Integer", NULL, f_integer},
    {"JoinExpr", NULL, f_join},
    {"List", NULL, f_list},
    {"MinMaxExpr", NULL, f_min_max},
    {"NamedArgExpr", NULL, f_named_arg},
    {"NullTest", NULL, f_null_test},
    {"RangeSubselect", NULL, f_range_subselect},
    {"RangeVar", check_range_var, f_range_var},
    {"ResTarget", NULL, f_res_target},
    {"RowExpr", NULL, f_row},
    {"SQLValueFunction", check_sql_value_function, f_sql_value},
    {"SelectStmt", walk_select, NULL},
    {"SortBy", NULL, f_sort_by},
    {"String", NULL, f_string},
    {"SubLink", check_sub_link, f_sub_link},
    {"TypeCast", NULL, f_type_cast},
    {"WindowDef", NULL, f_window},
};

static int walk_node(struct walk *w, json_t *node, int at)
{
    if (!json_is_object(node))
        return malformed(w, at, "a node");
    if (json_object_size(node) == 0)
        return 0; /* an empty member of a list: DISTINCT's [{}] */
    void *it = json_object_iter(node);
    const char *type = json_object_iter_key(it);
    json_t *body = json_object_iter_value(it);
    if (json_object_size(node) != 1 || !json_is_object(body))
        return malformed(w, at, "a node");
    at = location(body, at);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const struct rule *r = &rules[i];
        if (strcmp(r->type, type) != 0)
            continue;
        int rc = r->check ? r->check(w, body, at) : 0;
        if (rc == 0 && r->fields)
            rc = walk_fields(w, type, r->fields, body, at);
        return rc;
    }
    return refuse_kind(w, type, body, at);
}

/* ---- The statement ------------------------------------------------------------------ */

static int check_tree(struct walk *w, const char *tree)
{
    json_error_t jerr;
    json_t *root = json_loads(tree, 0, &jerr);
    if (!root) {
        if (strstr(jerr.text, "depth"))
            return reject(w, -1, "the query nests too deeply (more than about %d levels)",
                          JSON_PARSER_MAX_DEPTH / 2);
        return sq_error_set(w->err, SQ_E_INTERNAL, -1, "cannot read the parser's tree: %s",
                            jerr.text);
    }
    int rc;
    json_t *stmts = json_object_get(root, "stmts");
    size_t n = json_array_size(stmts);
    if (n == 0) {
        rc = reject(w, 0, "%s", "the SQL holds no query");
    } else if (n > 1) {
        json_t *loc = json_object_get(json_array_get(stmts, 1), "stmt_location");
        rc = reject(w, json_is_integer(loc) ? (int)json_integer_value(loc) : -1,
                    "the SQL holds %zu statements; exactly one query may run", n);
    } else {
        json_t *raw = json_array_get(stmts, 0);
        json_t *stmt = json_object_get(raw, "stmt");
        json_t *loc = json_object_get(raw, "stmt_location");
        int at = json_is_integer(loc) ? (int)json_integer_value(loc) : 0;
        if (!json_is_object(stmt) || json_object_size(stmt) != 1)
            rc = malformed(w, at, "the statement");
        else if (!json_object_get(stmt, "SelectStmt"))
            rc = refuse_kind(w, json_object_iter_key(json_object_iter(stmt)), NULL, at);
        else
            rc = walk_node(w, stmt, at);
    }
    json_decref(root);
    return rc;
}

/* The byte offset of PostgreSQL's cursor position (1-based, in characters), or -1. */
static int cursor_offset(const char *sql, int cursorpos)
{
    if (cursorpos <= 0)
        return -1;
    int chars = 0;
    for (int i = 0; sql[i]; i++) {
        if (((unsigned char)sql[i] & 0xC0) == 0x80)
            continue;
        if (++chars == cursorpos)
            return i;
    }
    return chars + 1 == cursorpos ? (int)strlen(sql) : -1; /* at the end of the input */
}

/* Where s stops being UTF-8 (PostgreSQL refuses such text, and the walk could not read
 * its names), or -1 when it is valid throughout. */
static long invalid_utf8(const unsigned char *s)
{
    for (const unsigned char *p = s; *p;) {
        int len = *p < 0x80             ? 1
                  : (*p & 0xE0) == 0xC0 ? 2
                  : (*p & 0xF0) == 0xE0 ? 3
                  : (*p & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (len == 0 || (len == 2 && *p < 0xC2) || (len == 4 && *p > 0xF4))
            return p - s;
        unsigned cp = len == 1 ? *p : (unsigned)(*p & (0x7F >> len));
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return p - s;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return p - s;
        p += len;
    }
    return -1;
}

struct parse_job {
    const struct guard_policy *policy;
    const char *sql;
    struct sq_error *err;
    int rc;
};

/* The parse and the walk, on the parser's thread. libpg_query keeps a memory context
 * per thread and frees it when the thread ends. */
static void *parse_main(void *arg)
{
    struct parse_job *j = arg;
    struct walk w = {.policy = j->policy, .err = j->err};
    PgQueryParseResult r = pg_query_parse(j->sql);
    if (r.error)
        j->rc = sq_error_set(j->err, SQ_E_REJECTED, cursor_offset(j->sql, r.error->cursorpos),
                             "the SQL does not parse: %s", r.error->message);
    else
        j->rc = check_tree(&w, r.parse_tree);
    pg_query_free_parse_result(r);
    return NULL;
}

int guard_pg_check(const struct guard_policy *p, const char *sql, struct sq_error *err)
{
    size_t n = strlen(sql);
    if (n > GUARD_MAX_SQL)
        return sq_error_set(err, SQ_E_TOO_BIG, -1, "the SQL is %zu bytes; the limit is %d", n,
                            GUARD_MAX_SQL);
    if (strspn(sql, " \t\r\n\f\v") == n)
        return sq_error_set(err, SQ_E_REJECTED, 0, "the SQL is empty");
    long bad = invalid_utf8((const unsigned char *)sql);
    if (bad >= 0)
        return sq_error_set(err, SQ_E_REJECTED, (int)bad, "the SQL is not valid UTF-8 (byte %ld)",
                            bad);
    struct parse_job job = {.policy = p, .sql = sql, .err = err, .rc = SQ_E_INTERNAL};
    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) != 0)
        return sq_error_set(err, SQ_E_INTERNAL, -1, "cannot start the SQL parser");
    int started = pthread_attr_setstacksize(&attr, PARSE_STACK) == 0 &&
                  pthread_create(&thread, &attr, parse_main, &job) == 0;
    pthread_attr_destroy(&attr);
    if (!started)
        return sq_error_set(err, SQ_E_INTERNAL, -1, "cannot start the SQL parser's thread");
    pthread_join(thread, NULL);
    return job.rc;
}
