/*
 * libFuzzer target for the guard. An input whose first byte is 0x00-0x08 (never the start
 * of SQL text) is a stream of choices for a small SQL grammar (gen_statement): CTEs that
 * shadow the catalog and system views, nested subqueries, set operations, joins, lambdas,
 * allowed and forbidden functions, qualified names. Any other input is SQL as it stands.
 *
 * Invariants, checked on every input: the guard never crashes, and never refuses without
 * a reason. When it approves a query:
 *   - the query runs (or is stopped by its limits) without changing the database;
 *   - DuckDB's plan of it (EXPLAIN) scans no table but raw_sales and calls no table
 *     function: the protected relations (the salesql_* catalog, a table and a view
 *     outside the policy, DuckDB's system views) stay unread;
 *   - no row, and no error message, holds SENTINEL_LEAK, which every protected relation,
 *     an attached database, a second schema, a variable, an environment variable and a
 *     file hold;
 *   - for generated SQL: the text called no function the allow-list lacks, and named no
 *     protected relation that no CTE of the statement could stand for.
 * FUZZ_GUARD_PRINT=1 prints every input's SQL and the guard's verdict (to read a corpus
 * with replay_fuzz_guard). The corpus (fuzz/corpus/guard/) is replayed by make test.
 */
#include "base/error.h"
#include "base/mem.h"
#include "base/table.h"
#include "guard/guard.h"
#include "store/store.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL "SENTINEL_LEAK"

static struct store *store;
static char *before;
static char sentinel_file[64];
static int print_sql;
static const char *const tables[] = {"mart_dyn_sales", "raw_sales"};
static const struct guard_policy policy = {.tables = tables, .ntables = 2};

/* ---- The fixture ------------------------------------------------------------------------ */

/* The protected relations share raw_sales's column names, so a query that binds over one
 * binds over the other: binding never hides a hole in the guard from the oracle. */
static const char fixture_sql[] =
    "CREATE TABLE raw_sales AS SELECT ['West', 'East', 'Central', 'South'][i % 4 + 1] AS "
    "region, 'P' || i AS product, i % 10 + 1 AS quantity, CAST(i * 7.5 AS DOUBLE) AS sales, "
    "DATE '2020-01-01' + CAST(i AS INTEGER) AS order_date FROM range(50) t(i);"
    "CREATE VIEW mart_dyn_sales AS SELECT * FROM raw_sales;"
    "CREATE TABLE salesql_meta(key VARCHAR DEFAULT '" SENTINEL "', value VARCHAR, region "
    "VARCHAR, sales DOUBLE);"
    "INSERT INTO salesql_meta VALUES ('" SENTINEL "', '" SENTINEL "', '" SENTINEL "', 1);"
    "COMMENT ON TABLE salesql_meta IS '" SENTINEL "';"
    "CREATE TABLE salesql_files AS SELECT '" SENTINEL "' AS path, '" SENTINEL "' AS source, "
    "'" SENTINEL "' AS region, 2.0 AS sales;"
    "CREATE TABLE salesql_columns AS SELECT '" SENTINEL "' AS source, '" SENTINEL "' AS name, "
    "'" SENTINEL "' AS region, 3.0 AS sales;"
    "CREATE TABLE secret_orders AS SELECT '" SENTINEL "' AS region, '" SENTINEL "' AS product, "
    "1 AS quantity, 4.0 AS sales, DATE '2020-01-01' AS order_date;"
    "CREATE VIEW secret_view AS SELECT * FROM secret_orders;"
    "CREATE SCHEMA hidden;"
    "CREATE TABLE hidden.raw_sales AS SELECT * FROM secret_orders;"
    "CREATE VIEW hidden.mart_dyn_sales AS SELECT * FROM hidden.raw_sales;"
    "ATTACH ':memory:' AS other;"
    "CREATE TABLE other.raw_sales AS SELECT * FROM secret_orders;"
    "CREATE VIEW other.mart_dyn_sales AS SELECT * FROM other.raw_sales;"
    "SET VARIABLE salesql_secret = '" SENTINEL "';";

static char *fingerprint(void)
{
    struct sq_table t;
    struct sq_error err;
    sq_table_init(&t);
    if (store_query(store_main(store),
                    "SELECT (SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
                    "duckdb_tables()) || '|' || (SELECT string_agg(view_name, ',' ORDER BY "
                    "view_name) FROM duckdb_views() WHERE NOT internal) || '|' || (SELECT "
                    "count(*) || ':' || sum(sales) FROM raw_sales) || '|' || "
                    "current_setting('memory_limit') || (SELECT count(*) FROM "
                    "duckdb_databases())",
                    &t, &err) != 0) {
        fprintf(stderr, "fingerprint failed: %s\n", err.msg);
        abort();
    }
    char *s = xstrdup(sq_table_cell(&t, 0, 0)->text);
    sq_table_fini(&t);
    return s;
}

/* A CSV file that holds the sentinel, for the file readers the generator tries. Its name
 * is fixed, so that the exits libFuzzer takes without atexit (merges, crashes, timeouts)
 * leave one file behind, not one per run; it is written aside and renamed into place, so
 * parallel workers never read half of it. */
static void write_sentinel_file(void)
{
    char tmp[64];
    snprintf(sentinel_file, sizeof sentinel_file, "/tmp/salesql-fuzz-sentinel.csv");
    snprintf(tmp, sizeof tmp, "/tmp/salesql-fuzz-XXXXXX");
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || fputs("region,sales\n" SENTINEL ",1\n", f) < 0 || fclose(f) != 0 ||
        rename(tmp, sentinel_file) != 0) {
        perror("fuzz_guard: sentinel file");
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct sq_error err;
    struct store_options o = {.path = NULL, .memory_limit = "256MB", .threads = 1};
    if (store_open(&o, &store, &err) != 0 || store_exec(store_main(store), fixture_sql, &err)) {
        fprintf(stderr, "fuzz_guard setup: %s\n", err.msg);
        abort();
    }
    write_sentinel_file();
    setenv("SALESQL_FUZZ_SECRET", SENTINEL, 1);
    print_sql = getenv("FUZZ_GUARD_PRINT") != NULL;
    /* Defence in depth is off on purpose: the guard alone must hold. */
    before = fingerprint();
    return 0;
}

/* ---- Generated SQL ---------------------------------------------------------------------- */

enum {
    GEN_MAX = 6000, /* bytes of generated SQL */
    GEN_DEPTH = 4,  /* nesting of queries and expressions */
    GEN_CTES = 24,  /* CTE names remembered for later references */
};

struct gen {
    const uint8_t *in;
    size_t n, pos;
    char out[GEN_MAX];
    size_t len;
    int depth;
    int bare_branch;       /* in a set operation's branch without parentheses */
    const char *forbidden; /* a call the allow-list lacks, written where it runs */
    unsigned named_bare;   /* protected relations named without a schema (bit per name) */
    unsigned declared;     /* protected names declared as CTEs anywhere */
    const char *qualified; /* a protected relation named with its schema */
    const char *ctes[GEN_CTES];
    int nctes;
};

/* The next choice, below n; 0 once the input is spent, so every production's choice 0
 * must end the recursion. */
static unsigned pick(struct gen *g, unsigned n)
{
    if (g->pos >= g->n || n <= 1)
        return 0;
    return g->in[g->pos++] % n;
}

static void put(struct gen *g, const char *s)
{
    size_t k = strlen(s);
    if (g->len + k >= sizeof g->out)
        k = sizeof g->out - 1 - g->len;
    memcpy(g->out + g->len, s, k);
    g->len += k;
    g->out[g->len] = '\0';
}

static void putf(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct gen *g, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put(g, buf);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Relations the policy protects: the catalog, a table and a view outside the policy, and
 * DuckDB's system views. A bit each in named_bare and declared. */
static const char *const protected_rel[] = {
    "salesql_meta",  "salesql_files",    "salesql_columns", "secret_orders",        "secret_view",
    "duckdb_tables", "duckdb_columns",   "duckdb_settings", "sqlite_master",        "sqlite_schema",
    "duckdb_views",  "duckdb_databases", "duckdb_schemas",  "pragma_database_list",
};
static const char *const allowed_rel[] = {"mart_dyn_sales", "raw_sales"};
/* Ways to write a relation's schema or catalog: a qualified name is never a CTE. The
 * first four name the loaded database's main schema; the others lead elsewhere (an
 * attached database, another schema, the system catalog), where even an allowed name is
 * not the loaded relation. */
static const char *const qualifiers[] = {
    "main.",  "\"main\".",   "memory.main.", "memory.",     "system.main.",        "temp.main.",
    "other.", "other.main.", "hidden.",      "\"hidden\".", "information_schema.", "pg_catalog.",
};
enum { QUALIFIERS_HOME = 4 };
static const char *const cte_names[] = {"x", "y", "t", "mart_dyn_sales", "raw_sales", "main"};
static const char *const columns[] = {"region", "sales", "quantity", "product",
                                      "key",    "value", "a",        "b"};
static const char *const aliases[] = {"s", "m", "x", "salesql_meta", "raw_sales", "t"};
static const char *const strings[] = {
    "'West'",      "'it''s'",    "'salesql_meta'", "'SELECT * FROM salesql_meta'",
    "E'\\x57est'", "$$dollar$$", "'/etc/passwd'",  "''",
    "'%'",
};

/* A name in one of its spellings: as is, upper case, or quoted. */
static void put_name(struct gen *g, const char *name)
{
    switch (pick(g, 4)) {
    case 1:
        for (const char *p = name; *p; p++)
            putf(g, "%c", *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        break;
    case 2:
        putf(g, "\"%s\"", name);
        break;
    default:
        put(g, name);
    }
}

static void gen_query(struct gen *g);
static void gen_query_body(struct gen *g);
static void gen_expr(struct gen *g);

/* A subquery in parentheses, one level deeper. */
static void gen_subquery(struct gen *g)
{
    int saved = g->bare_branch;
    g->bare_branch = 0;
    put(g, "(");
    g->depth++;
    gen_query(g);
    g->depth--;
    put(g, ")");
    g->bare_branch = saved;
}

static void gen_string(struct gen *g)
{
    put(g, strings[pick(g, COUNT(strings))]);
}

static void gen_column(struct gen *g)
{
    const char *c = columns[pick(g, COUNT(columns))];
    if (pick(g, 4) == 1)
        putf(g, "%s.", aliases[pick(g, COUNT(aliases))]);
    put(g, c);
}

/* Functions the guard allows, with the shapes of their arguments. */
static void gen_allowed_call(struct gen *g)
{
    static const char *const one[] = {"upper",  "lower", "length", "md5",   "reverse",
                                      "typeof", "abs",   "trim",   "ucase", "strlen"};
    static const char *const agg[] = {"count", "sum", "max", "min", "any_value", "avg"};
    switch (pick(g, 9)) {
    case 0:
        putf(g, "%s(", one[pick(g, COUNT(one))]);
        gen_expr(g);
        put(g, ")");
        break;
    case 1:
        putf(g, "%s(", agg[pick(g, COUNT(agg))]);
        gen_expr(g);
        put(g, ")");
        break;
    case 2:
        put(g, "coalesce(");
        gen_expr(g);
        put(g, ", ");
        gen_expr(g);
        put(g, ")");
        break;
    case 3:
        put(g, "concat(");
        gen_expr(g);
        put(g, ", ");
        gen_string(g);
        put(g, ")");
        break;
    case 4: /* a lambda, in both syntaxes */
        putf(g, "%s([", pick(g, 2) ? "list_filter" : "list_transform");
        gen_expr(g);
        put(g, ", 1], ");
        put(g, pick(g, 2) ? "lambda v: " : "v -> ");
        gen_expr(g);
        put(g, ")");
        break;
    case 5:
        put(g, "string_agg(");
        gen_expr(g);
        put(g, ", ',')");
        break;
    case 6:
        put(g, "row_number() OVER (PARTITION BY region ORDER BY sales)");
        break;
    case 7:
        put(g, "regexp_replace(");
        gen_expr(g);
        put(g, ", 'a', 'b')");
        break;
    default:
        put(g, "struct_pack(k := ");
        gen_expr(g);
        put(g, ")");
    }
}

/* Functions the allow-list lacks: reaching settings, variables, the environment or state,
 * or taking a function by name. Writing one marks the statement. */
static void gen_forbidden_call(struct gen *g)
{
    static const char *const calls[] = {
        "getenv('SALESQL_FUZZ_SECRET')",
        "current_setting('memory_limit')",
        "getvariable('salesql_secret')",
        "version()",
        "current_database()",
        "current_schema()",
        "nextval('s')",
        "setseed(0.5)",
        "list_aggregate([1, 2], 'sum')",
        "printf('%s', 'x')",
        "system.main.getvariable('salesql_secret')",
        "main.getvariable('salesql_secret')",
        "query('SELECT 1')",
        "read_text('/etc/hostname')",
        "current_query()",
    };
    const char *c = calls[pick(g, COUNT(calls))];
    g->forbidden = c;
    put(g, c);
}

static void gen_expr(struct gen *g)
{
    if (g->depth >= GEN_DEPTH) {
        if (pick(g, 2))
            gen_string(g);
        else
            put(g, "1");
        return;
    }
    g->depth++;
    switch (pick(g, 20)) {
    case 0:
        gen_column(g);
        break;
    case 1:
        putf(g, "%u", pick(g, 200));
        break;
    case 2:
        gen_string(g);
        break;
    case 3:
    case 4:
        gen_allowed_call(g);
        break;
    case 5:
        gen_forbidden_call(g);
        break;
    case 6:
        gen_subquery(g);
        break;
    case 7:
        put(g, "EXISTS ");
        gen_subquery(g);
        break;
    case 8:
        gen_column(g);
        put(g, " IN ");
        gen_subquery(g);
        break;
    case 9:
        put(g, "CASE WHEN ");
        gen_expr(g);
        put(g, " THEN ");
        gen_expr(g);
        put(g, " ELSE ");
        gen_expr(g);
        put(g, " END");
        break;
    case 10:
        put(g, "CAST(");
        gen_expr(g);
        put(g, " AS VARCHAR)");
        break;
    case 11: {
        static const char *const ops[] = {" || ", " + ", " = ", " AND ", " <> ", " LIKE "};
        gen_expr(g);
        put(g, ops[pick(g, COUNT(ops))]);
        gen_expr(g);
        break;
    }
    case 12: /* a lambda whose body reads a relation */
        put(g, "list_transform([1], v -> ");
        gen_subquery(g);
        put(g, ")");
        break;
    case 13: { /* list and struct literals around a subquery */
        int list = pick(g, 2);
        put(g, list ? "[1, " : "{'k': ");
        gen_subquery(g);
        put(g, list ? "]" : "}");
        break;
    }
    case 14:
        gen_column(g);
        put(g, pick(g, 2) ? " = ANY " : " > ALL ");
        gen_subquery(g);
        break;
    case 15:
        put(g, "length(CAST(");
        gen_subquery(g);
        put(g, " AS VARCHAR))");
        break;
    case 16:
        put(g, "COLUMNS(c -> c LIKE '%a%')");
        break;
    case 17:
        put(g, "sum(sales) FILTER (WHERE ");
        gen_expr(g);
        put(g, ")");
        break;
    case 18:
        put(g, "max(sales) OVER (PARTITION BY ");
        gen_expr(g);
        put(g, " ORDER BY ");
        gen_expr(g);
        put(g, ")");
        break;
    default:
        gen_expr(g);
        put(g, "::VARCHAR");
    }
    g->depth--;
}

/* A relation by name: allowed, protected (bare or qualified), or a CTE declared so far. */
static void gen_relation(struct gen *g)
{
    switch (pick(g, 5)) {
    case 0:
        put_name(g, allowed_rel[pick(g, COUNT(allowed_rel))]);
        break;
    case 1: {
        unsigned i = pick(g, COUNT(protected_rel));
        g->named_bare |= 1u << i;
        put_name(g, protected_rel[i]);
        break;
    }
    case 2: {
        unsigned q = pick(g, COUNT(qualifiers));
        unsigned i = pick(g, COUNT(protected_rel) + COUNT(allowed_rel));
        const char *name =
            i < COUNT(protected_rel) ? protected_rel[i] : allowed_rel[i - COUNT(protected_rel)];
        put(g, qualifiers[q]);
        put_name(g, name);
        if (i < COUNT(protected_rel) || q >= QUALIFIERS_HOME)
            g->qualified = name;
        break;
    }
    default:
        if (g->nctes) {
            put_name(g, g->ctes[pick(g, (unsigned)g->nctes)]);
        } else {
            g->named_bare |= 1u;
            put_name(g, protected_rel[0]);
        }
    }
}

/* Table functions and file reads: all refused. Writing one marks the statement. Those
 * with a path read the sentinel file. */
static void gen_table_function(struct gen *g)
{
    static const struct {
        const char *before, *after; /* the path goes between, when after is not NULL */
    } fns[] = {
        {"read_csv('", "')"},
        {"read_csv_auto('", "', header = true)"},
        {"read_text('", "')"},
        {"'", "'"},
        {"\"", "\""},
        {"glob('/tmp/*')", NULL},
        {"range(3)", NULL},
        {"generate_series(1, 3)", NULL},
        {"duckdb_tables()", NULL},
        {"query('SELECT * FROM salesql_meta')", NULL},
        {"query_table('salesql_meta')", NULL},
        {"unnest([1, 2])", NULL},
        {"duckdb_settings()", NULL},
        {"sql_auto_complete('SEL')", NULL},
    };
    unsigned i = pick(g, COUNT(fns));
    g->forbidden = fns[i].before;
    put(g, fns[i].before);
    if (fns[i].after) {
        put(g, sentinel_file);
        put(g, fns[i].after);
    }
}

static void gen_alias(struct gen *g)
{
    if (pick(g, 3) == 0)
        return;
    putf(g, " AS %s", aliases[pick(g, COUNT(aliases))]);
    if (pick(g, 3) == 1)
        put(g, "(a, b)");
}

static void gen_from(struct gen *g)
{
    if (g->depth >= GEN_DEPTH) {
        gen_relation(g);
        return;
    }
    g->depth++;
    switch (pick(g, 12)) {
    case 0:
    case 1:
        gen_relation(g);
        gen_alias(g);
        break;
    case 2:
        gen_subquery(g);
        gen_alias(g);
        break;
    case 3: {
        static const char *const joins[] = {" JOIN ",       " LEFT JOIN ",       " NATURAL JOIN ",
                                            " CROSS JOIN ", " POSITIONAL JOIN ", ", "};
        unsigned j = pick(g, COUNT(joins));
        gen_from(g);
        put(g, joins[j]);
        gen_from(g);
        if (j < 2) {
            if (pick(g, 2)) {
                put(g, " USING (region)");
            } else {
                put(g, " ON ");
                gen_expr(g);
            }
        }
        break;
    }
    case 4: {
        int join = pick(g, 2);
        gen_from(g);
        put(g, join ? " JOIN LATERAL " : ", LATERAL ");
        gen_subquery(g);
        put(g, join ? " AS l ON true" : " AS l");
        break;
    }
    case 5:
        gen_table_function(g);
        gen_alias(g);
        break;
    case 6:
        put(g, "(VALUES (1, 'a'), (2, 'b')) AS v(a, b)");
        break;
    case 7:
        gen_relation(g);
        put(g, " TABLESAMPLE 50%");
        break;
    case 8:
        gen_relation(g);
        put(g, " PIVOT (sum(sales) FOR region IN ('West', 'East'))");
        break;
    case 10: {
        static const char *const show[] = {"(DESCRIBE ", "(SUMMARIZE ", "(SHOW "};
        put(g, show[pick(g, COUNT(show))]);
        gen_relation(g);
        put(g, ")");
        break;
    }
    case 9:
        gen_relation(g);
        put(g, " AS r1 JOIN ");
        gen_relation(g);
        put(g, " AS r2 ON r1.region = r2.region");
        break;
    default: /* only a join may stand in parentheses */
        put(g, "(");
        gen_from(g);
        put(g, " JOIN ");
        gen_from(g);
        put(g, " ON true)");
    }
    g->depth--;
}

static void gen_select_list(struct gen *g)
{
    switch (pick(g, 7)) {
    case 0:
        put(g, "*");
        break;
    case 1:
        put(g, "count(*)");
        break;
    case 2:
        put(g, pick(g, 2) ? "* EXCLUDE (sales)" : "* REPLACE (upper(region) AS region)");
        break;
    case 3:
        put(g, "COLUMNS('re.*')");
        break;
    default: {
        unsigned n = 1 + pick(g, 3);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                put(g, ", ");
            gen_expr(g);
            if (pick(g, 2))
                putf(g, " AS c%u", i);
        }
    }
    }
}

static void gen_select(struct gen *g)
{
    int from_first = pick(g, 6) == 5;
    if (from_first) {
        put(g, "FROM ");
        gen_from(g);
        if (pick(g, 2)) {
            put(g, " SELECT ");
            gen_select_list(g);
        }
    } else {
        put(g, pick(g, 5) == 4 ? "SELECT DISTINCT " : "SELECT ");
        gen_select_list(g);
        if (pick(g, 8) != 7) {
            put(g, " FROM ");
            gen_from(g);
        }
    }
    switch (pick(g, 10)) {
    case 1:
        put(g, " WHERE ");
        gen_expr(g);
        break;
    case 2:
        put(g, " GROUP BY ALL");
        break;
    case 3:
        if (!g->bare_branch)
            put(g, " ORDER BY 1 LIMIT 5");
        break;
    case 4:
        if (g->depth < GEN_DEPTH) {
            put(g, " WHERE region IN ");
            gen_subquery(g);
        }
        break;
    case 5:
        put(g, " GROUP BY ALL HAVING ");
        gen_expr(g);
        break;
    case 6:
        put(g, " QUALIFY ");
        gen_expr(g);
        break;
    case 7: /* subqueries in the modifiers */
        if (!g->bare_branch && g->depth < GEN_DEPTH) {
            put(g, pick(g, 2) ? " ORDER BY " : " LIMIT ");
            gen_subquery(g);
        }
        break;
    case 8:
        put(g, " GROUP BY GROUPING SETS ((region), ())");
        break;
    default:
        break;
    }
}

/* One CTE: a name (often a protected one, to shadow it), column aliases, materialization,
 * and a body that may read the very name it declares. */
static void gen_cte(struct gen *g, int recursive, unsigned nth)
{
    const char *name;
    /* nth apart, so that a spent input still gives distinct names */
    unsigned k = (pick(g, COUNT(protected_rel) + COUNT(cte_names)) + nth) %
                 (COUNT(protected_rel) + COUNT(cte_names));
    if (k < COUNT(protected_rel)) {
        name = protected_rel[k];
        g->declared |= 1u << k;
    } else {
        name = cte_names[k - COUNT(protected_rel)];
    }
    put_name(g, name);
    if (pick(g, 3) == 1)
        put(g, "(region, sales)");
    static const char *const mat[] = {" AS ", " AS MATERIALIZED ", " AS NOT MATERIALIZED "};
    put(g, mat[pick(g, COUNT(mat))]);
    put(g, "(");
    g->depth++;
    int saved = g->bare_branch;
    g->bare_branch = 0;
    if (recursive && pick(g, 2)) {
        put(g, "SELECT 'West' AS region, 1 AS sales UNION ALL SELECT region, sales + 1 FROM ");
        put_name(g, name);
        put(g, " WHERE sales < 3");
    } else {
        gen_query(g);
    }
    g->bare_branch = saved;
    g->depth--;
    put(g, ")");
    if (g->nctes < GEN_CTES)
        g->ctes[g->nctes++] = name;
}

static void gen_with(struct gen *g)
{
    int recursive = pick(g, 4) == 3;
    put(g, recursive ? "WITH RECURSIVE " : "WITH ");
    unsigned n = 1 + pick(g, 3);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            put(g, ", ");
        gen_cte(g, recursive, i);
    }
    put(g, " ");
}

/* One side of a set operation. Only one in parentheses may have its own WITH list or
 * ORDER BY ... LIMIT. */
static void gen_branch(struct gen *g, int paren)
{
    int saved = g->bare_branch;
    g->bare_branch = !paren;
    put(g, paren ? "(" : "");
    if (paren)
        gen_query(g);
    else
        gen_query_body(g);
    put(g, paren ? ")" : "");
    g->bare_branch = saved;
}

/* A query without a WITH list of its own (its branches and subqueries may have one). */
static void gen_query_body(struct gen *g)
{
    if (g->depth >= GEN_DEPTH) {
        gen_select(g);
        return;
    }
    switch (pick(g, 5)) {
    case 0:
    case 1:
        gen_select(g);
        break;
    case 2: {
        static const char *const ops[] = {" UNION ",     " UNION ALL ", " UNION BY NAME ",
                                          " INTERSECT ", " EXCEPT ",    " UNION ALL BY NAME "};
        g->depth++;
        int paren = pick(g, 2);
        gen_branch(g, paren);
        put(g, ops[pick(g, COUNT(ops))]);
        gen_branch(g, pick(g, 2));
        g->depth--;
        break;
    }
    case 3:
        put(g, "VALUES (1, ");
        gen_expr(g);
        put(g, ")");
        break;
    default:
        g->depth++;
        put(g, "SELECT * FROM ");
        gen_subquery(g);
        put(g, " AS sub");
        g->depth--;
    }
}

static void gen_query(struct gen *g)
{
    if (g->depth < GEN_DEPTH && pick(g, 5) >= 3)
        gen_with(g);
    gen_query_body(g);
}

static void gen_statement(struct gen *g)
{
    if (pick(g, 4) == 3)
        put(g, "/* c */ ");
    gen_query(g);
    switch (pick(g, 4)) {
    case 1:
        put(g, ";");
        break;
    case 2:
        put(g, " -- done");
        break;
    default:
        break;
    }
}

/* ---- The oracle ------------------------------------------------------------------------- */

static void fail(const char *sql, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz_guard: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nthe SQL: %s\n", sql);
    abort();
}

/* The first plan node (of EXPLAIN's JSON) that reads something a query may not: a scan of
 * a table other than raw_sales, or a table function. NULL when there is none. */
static const char *bad_scan(json_t *node)
{
    if (json_is_array(node)) {
        size_t i;
        json_t *child;
        json_array_foreach(node, i, child)
        {
            const char *bad = bad_scan(child);
            if (bad)
                return bad;
        }
        return NULL;
    }
    if (!json_is_object(node))
        return NULL;
    json_t *info = json_object_get(node, "extra_info");
    const char *table = json_string_value(json_object_get(info, "Table"));
    if (table && strcasecmp(table, "raw_sales") != 0)
        return table;
    const char *fn = json_string_value(json_object_get(info, "Function"));
    if (fn)
        return fn;
    return bad_scan(json_object_get(node, "children"));
}

/* The plan of an approved query, checked for reads of anything but raw_sales. A plan
 * DuckDB cannot give (the query failed to plan) has nothing to check. */
static void check_plan(const char *sql)
{
    char *explain = xasprintf("EXPLAIN (FORMAT JSON) %s", sql);
    struct sq_table t;
    struct sq_error err;
    sq_table_init(&t);
    if (store_query(store_main(store), explain, &t, &err) == 0 && t.nrows > 0 && t.ncols > 1) {
        const struct sq_cell *cell = sq_table_cell(&t, 0, 1);
        json_t *plan = json_loads(cell->text, 0, NULL);
        const char *bad = plan ? bad_scan(plan) : NULL;
        if (bad)
            fail(sql, "an approved query reads %s (DuckDB's plan)", bad);
        json_decref(plan);
    }
    sq_table_fini(&t);
    free(explain);
}

static int leaks(const char *text)
{
    return text && strcasestr(text, SENTINEL) != NULL;
}

static void check_rows(const char *sql, const struct sq_table *t)
{
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            if (leaks(sq_table_cell(t, r, c)->text))
                fail(sql, "an approved query returned a protected value (row %zu, column %s)", r,
                     t->cols[c].name);
}

/* What the generator knows it wrote, checked when the guard approved it. */
static void check_generated(const char *sql, const struct gen *g)
{
    if (g->forbidden)
        fail(sql, "an approved query calls %s, which the guard must refuse", g->forbidden);
    if (g->qualified)
        fail(sql, "an approved query names %s with a schema or catalog; no CTE can stand for it",
             g->qualified);
    unsigned bare = g->named_bare & ~g->declared;
    for (size_t i = 0; i < COUNT(protected_rel); i++)
        if (bare & (1u << i))
            fail(sql, "an approved query reads %s, and no CTE of that name is declared",
                 protected_rel[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > GUARD_MAX_SQL + 16)
        return 0;
    struct gen *g = NULL;
    char *sql;
    if (size > 0 && data[0] <= 0x08) {
        g = xcalloc(1, sizeof *g);
        g->in = data + 1;
        g->n = size - 1;
        gen_statement(g);
        sql = xstrdup(g->out);
    } else {
        sql = xmalloc(size + 1);
        memcpy(sql, data, size);
        sql[size] = '\0';
    }
    /* Raw SQL may spell the sentinel itself; then its rows prove nothing. */
    int sentinel_in_text = strcasestr(sql, "sentinel") || strcasestr(sql, "leak");
    struct guarded_query *q = NULL;
    struct sq_error err;
    sq_error_clear(&err);
    int rc = guard_check(store_main(store), &policy, sql, &q, &err);
    if (print_sql)
        fprintf(stderr, "%s\n  -> %s\n", sql, rc ? err.msg : "approved");
    if (rc == 0) {
        if (g)
            check_generated(sql, g);
        check_plan(sql);
        struct sq_table t;
        struct store_limits lim = {.max_rows = 100, .timeout_ms = 200};
        sq_table_init(&t);
        sq_error_clear(&err);
        guard_execute(store_main(store), q, &lim, &t, &err);
        if (!sentinel_in_text) {
            check_rows(sql, &t);
            if (leaks(err.msg))
                fail(sql, "an approved query failed with a protected value: %s", err.msg);
        }
        sq_table_fini(&t);
        guarded_query_free(q);
        char *after = fingerprint();
        if (strcmp(before, after) != 0)
            fail(sql, "the database changed after running it\nbefore: %s\nafter: %s", before,
                 after);
        free(after);
    } else if (err.msg[0] == '\0') {
        fail(sql, "refused without a reason");
    } else if (!sentinel_in_text && leaks(err.msg)) {
        fail(sql, "the refusal shows a protected value: %s", err.msg);
    }
    free(g);
    free(sql);
    return 0;
}
