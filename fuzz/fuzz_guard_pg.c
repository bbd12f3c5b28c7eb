/*
 * libFuzzer target for the guard on PostgreSQL (guard/pg.h). An input whose first byte is
 * 0x00-0x08 (never the start of SQL text) is a stream of choices for a small PostgreSQL
 * grammar (gen_statement): CTEs that shadow the system catalogs, subqueries, set
 * operations, joins, LATERAL, windows, casts, allowed and forbidden functions, qualified
 * and quoted names, and statement-level traps (EXPLAIN, SELECT INTO, FOR UPDATE, a
 * data-modifying CTE). Any other input is SQL as it stands.
 *
 * Invariants, checked on every input (no server runs: the guard needs none):
 *   - the guard never crashes, returns only 0, SQ_E_REJECTED or SQ_E_TOO_BIG, never
 *     refuses without a reason, gives an offset inside the text, and says the same twice;
 *   - what it approves stops being approved as a second statement follows it, behind
 *     EXPLAIN, or under a data-modifying CTE: statement-level refusals cannot be evaded
 *     by what the query holds;
 *   - for generated SQL, it approves nothing that calls a function, casts to a type or
 *     uses a clause the generator marked forbidden, nor a protected relation named with
 *     a schema, nor one named bare that no CTE of the statement could stand for.
 * FUZZ_GUARD_PRINT=1 prints every input's SQL and the verdict (to read a corpus with
 * replay_fuzz_guard_pg). The corpus (fuzz/corpus/guard_pg/) is replayed by make test.
 */
#include "base/buf.h"
#include "base/error.h"
#include "base/mem.h"
#include "guard/guard.h"
#include "guard/pg.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tables[] = {"mart_dyn_sales", "raw_sales"};
static const struct guard_policy policy = {.tables = tables, .ntables = 2, .schema = "mart"};
static int print_sql;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    print_sql = getenv("FUZZ_GUARD_PRINT") != NULL;
    return 0;
}

static void fail(const char *sql, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_guard_pg: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nSQL: %s\n", sql);
    abort();
}

/* ---- Generated SQL ---------------------------------------------------------------- */

enum {
    GEN_MAX = 6000, /* bytes of generated SQL */
    GEN_DEPTH = 4,  /* nesting of queries and expressions */
    GEN_CTES = 16   /* CTE names remembered for later references */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct gen {
    const uint8_t *in;
    size_t n, pos;
    struct sq_buf sql; /* at most GEN_MAX bytes */
    int full;          /* a piece did not fit: the text stops there, and proves nothing */
    int depth;
    const char *forbidden; /* a call, cast or clause that must be refused */
    unsigned named_bare;   /* protected relations named without a schema (bit per name) */
    unsigned declared;     /* protected names declared as CTEs anywhere */
    const char *qualified; /* a protected relation named with a schema */
    const char *ctes[GEN_CTES];
    int nctes;
};

/* The next choice below n; 0 once the input is spent, so choice 0 must end recursion. */
static unsigned choose(struct gen *g, unsigned n)
{
    return g->pos < g->n && n > 1 ? g->in[g->pos++] % n : 0;
}

static void emit(struct gen *g, const char *s)
{
    if (!g->full && sq_buf_puts(&g->sql, s) != 0)
        g->full = 1;
}

static const char *const protected_rel[] = {
    "pg_shadow",        "pg_authid",    "pg_user",       "pg_settings",
    "pg_stat_activity", "salesql_meta", "secret_orders", "tables",
};
static const char *const allowed_rel[] = {"mart_dyn_sales", "raw_sales"};
/* Schemas that lead away from the marts; "mart." is the policy's own. */
static const char *const elsewhere[] = {"pg_catalog.",     "information_schema.",    "public.",
                                        "\"PG_CATALOG\".", "U&\"\\0070g_catalog\".", "pg_temp.",
                                        "postgres.mart."};
static const char *const cte_names[] = {"x", "y", "pg_shadow", "salesql_meta", "mart_dyn_sales"};
static const char *const columns[] = {"region", "sales", "quantity", "order_date", "product"};

static void gen_query(struct gen *g);
static void gen_expr(struct gen *g);

static void gen_subquery(struct gen *g)
{
    emit(g, "(");
    g->depth++;
    gen_query(g);
    g->depth--;
    emit(g, ")");
}

/* A name as is, upper case (folded back to lower by the parser) or double-quoted. */
static void gen_name(struct gen *g, const char *name)
{
    char spelled[64];
    unsigned how = choose(g, 4);
    size_t n = 0;
    if (how == 2)
        spelled[n++] = '"';
    for (const char *p = name; *p && n < sizeof spelled - 2; p++)
        spelled[n++] = how == 1 && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
    if (how == 2)
        spelled[n++] = '"';
    spelled[n] = '\0';
    emit(g, spelled);
}

static void gen_relation(struct gen *g)
{
    switch (choose(g, 6)) {
    case 0:
        gen_name(g, allowed_rel[choose(g, COUNT(allowed_rel))]);
        break;
    case 1: {
        unsigned i = choose(g, COUNT(protected_rel));
        g->named_bare |= 1u << i;
        gen_name(g, protected_rel[i]);
        break;
    }
    case 2: { /* a protected or allowed relation in a schema other than the marts' */
        unsigned i = choose(g, COUNT(protected_rel) + COUNT(allowed_rel));
        const char *name =
            i < COUNT(protected_rel) ? protected_rel[i] : allowed_rel[i - COUNT(protected_rel)];
        emit(g, elsewhere[choose(g, COUNT(elsewhere))]);
        gen_name(g, name);
        g->qualified = name;
        break;
    }
    case 3: { /* the marts' schema: allowed only for an allowed relation */
        unsigned i = choose(g, COUNT(protected_rel) + 1);
        emit(g, "mart.");
        if (i < COUNT(protected_rel)) {
            emit(g, protected_rel[i]);
            g->qualified = protected_rel[i];
        } else {
            emit(g, "mart_dyn_sales");
        }
        break;
    }
    default:
        if (g->nctes) {
            emit(g, g->ctes[choose(g, (unsigned)g->nctes)]);
        } else {
            g->named_bare |= 1u;
            emit(g, protected_rel[0]);
        }
    }
}

static void gen_allowed_call(struct gen *g)
{
    static const char *const one[] = {"upper(", "lower(", "length(", "sum(",     "max(", "count(",
                                      "abs(",   "md5(",   "btrim(",  "initcap(", "avg(", "min("};
    switch (choose(g, 8)) {
    case 0:
        emit(g, one[choose(g, COUNT(one))]);
        gen_expr(g);
        emit(g, ")");
        break;
    case 1:
        emit(g, "coalesce(");
        gen_expr(g);
        emit(g, ", ");
        gen_expr(g);
        emit(g, ")");
        break;
    case 2:
        emit(g, choose(g, 2) ? "date_trunc('month', order_date)" : "extract(year FROM order_date)");
        break;
    case 3:
        emit(g, "to_char(order_date, 'YYYY-MM')");
        break;
    case 4:
        emit(g, "row_number() OVER (PARTITION BY ");
        gen_expr(g);
        emit(g, " ORDER BY sales DESC)");
        break;
    case 5:
        emit(g, "substring(");
        gen_expr(g);
        emit(g, " FROM 1 FOR 2)");
        break;
    case 6:
        emit(g, "round(");
        gen_expr(g);
        emit(g, "::numeric, 2)");
        break;
    default:
        emit(g, "count(*) FILTER (WHERE ");
        gen_expr(g);
        emit(g, ")");
    }
}

/* Calls, casts and built-in values the guard must refuse; writing one marks the text. */
static void gen_forbidden(struct gen *g)
{
    static const char *const bad[] = {
        "pg_read_file('/etc/passwd')",
        "current_setting('is_superuser')",
        "set_config('role', 'postgres', false)",
        "pg_sleep(1)",
        "dblink('dbname=x', 'SELECT 1')",
        "nextval('s')",
        "lo_import('/etc/passwd')",
        "txid_current()",
        "version()",
        "pg_catalog.pg_ls_dir('.')",
        "\"pg_read_file\"('x')",
        "PG_SLEEP(1)",
        "query_to_xml('DELETE FROM raw_sales', true, true, '')",
        "generate_series(1, 2)",
        "public.sum(1)",
        "'pg_shadow'::regclass",
        "'pg_sleep'::regproc",
        "1::oid",
        "'int4'::pg_catalog.regtype",
        "current_user",
        "session_user",
        "current_schema",
        "$1",
        "xmlelement(name x)",
        "repeat('x', 1000000)",
    };
    const char *c = bad[choose(g, COUNT(bad))];
    g->forbidden = c;
    emit(g, c);
}

static void gen_expr(struct gen *g)
{
    if (g->depth >= GEN_DEPTH) {
        emit(g, choose(g, 2) ? "'West'" : "1");
        return;
    }
    g->depth++;
    switch (choose(g, 14)) {
    case 0:
        emit(g, columns[choose(g, COUNT(columns))]);
        break;
    case 1:
        emit(g, choose(g, 2) ? "42" : "-1.5");
        break;
    case 2:
        emit(g, choose(g, 2) ? "$$a;b$$" : "'it''s'");
        break;
    case 3:
    case 4:
        gen_allowed_call(g);
        break;
    case 5:
        gen_forbidden(g);
        break;
    case 6:
        gen_subquery(g);
        break;
    case 7:
        emit(g, "EXISTS ");
        gen_subquery(g);
        break;
    case 8:
        emit(g, "region IN ");
        gen_subquery(g);
        break;
    case 9:
        emit(g, "CASE WHEN ");
        gen_expr(g);
        emit(g, " THEN ");
        gen_expr(g);
        emit(g, " ELSE ");
        gen_expr(g);
        emit(g, " END");
        break;
    case 10:
        emit(g, "CAST(");
        gen_expr(g);
        emit(g, choose(g, 2) ? " AS text)" : " AS double precision)");
        break;
    case 11: {
        static const char *const ops[] = {" || ", " + ", " = ", " AND ", " <> ", " ILIKE "};
        gen_expr(g);
        emit(g, ops[choose(g, COUNT(ops))]);
        gen_expr(g);
        break;
    }
    case 12:
        emit(g, "region = ANY (ARRAY[");
        gen_expr(g);
        emit(g, "])");
        break;
    default:
        gen_expr(g);
        emit(g, "::varchar");
    }
    g->depth--;
}

static void gen_alias(struct gen *g)
{
    static const char *const aliases[] = {" s", " AS pg_shadow", " t(a, b)", " AS mart_dyn_sales"};
    if (choose(g, 3))
        emit(g, aliases[choose(g, COUNT(aliases))]);
}

static void gen_from(struct gen *g)
{
    if (g->depth >= GEN_DEPTH) {
        gen_relation(g);
        return;
    }
    g->depth++;
    switch (choose(g, 8)) {
    case 0:
    case 1:
        gen_relation(g);
        gen_alias(g);
        break;
    case 2:
        gen_subquery(g);
        emit(g, " AS q");
        break;
    case 3:
        gen_from(g);
        emit(g, choose(g, 2) ? " JOIN " : " LEFT JOIN ");
        gen_from(g);
        emit(g, " ON ");
        gen_expr(g);
        break;
    case 4:
        gen_from(g);
        emit(g, ", LATERAL ");
        gen_subquery(g);
        emit(g, " AS l");
        break;
    case 5: {
        static const char *const fns[] = {"generate_series(1, 3)", "pg_ls_dir('.')",
                                          "unnest(ARRAY[1])", "dblink('a', 'b') AS d(a int)"};
        const char *f = fns[choose(g, COUNT(fns))];
        g->forbidden = f;
        emit(g, f);
        break;
    }
    case 6:
        emit(g, "(VALUES (1, 'a')) AS v(a, b)");
        break;
    default:
        gen_relation(g);
        emit(g, " CROSS JOIN ");
        gen_relation(g);
    }
    g->depth--;
}

static void gen_select(struct gen *g)
{
    switch (choose(g, 8)) {
    case 1:
        emit(g, "VALUES (");
        gen_expr(g);
        emit(g, ")");
        return;
    case 2:
        emit(g, "TABLE ");
        gen_relation(g);
        return;
    default:
        break;
    }
    emit(g, choose(g, 4) == 3 ? "SELECT DISTINCT " : "SELECT ");
    gen_expr(g);
    if (choose(g, 2))
        emit(g, " AS c");
    if (choose(g, 6) != 5) {
        emit(g, " FROM ");
        gen_from(g);
    }
    switch (choose(g, 6)) {
    case 1:
        emit(g, " WHERE ");
        gen_expr(g);
        break;
    case 2:
        emit(g, " GROUP BY 1 HAVING ");
        gen_expr(g);
        break;
    case 3:
        emit(g, " ORDER BY ");
        gen_expr(g);
        emit(g, " LIMIT 5");
        break;
    default:
        break;
    }
}

/* One CTE, often named after a protected relation to shadow it, whose body may read the
 * very name it declares (there the name is the relation, not the CTE). */
static void gen_cte(struct gen *g, unsigned nth)
{
    const char *name = cte_names[(choose(g, COUNT(cte_names)) + nth) % COUNT(cte_names)];
    for (size_t i = 0; i < COUNT(protected_rel); i++)
        if (strcmp(protected_rel[i], name) == 0)
            g->declared |= 1u << i;
    emit(g, name);
    emit(g, choose(g, 3) == 2 ? " AS MATERIALIZED (" : " AS (");
    g->depth++;
    if (choose(g, 8) == 7) {
        g->forbidden = "a data-modifying CTE";
        emit(g, "DELETE FROM raw_sales RETURNING *");
    } else {
        gen_query(g);
    }
    g->depth--;
    emit(g, ")");
    if (g->nctes < GEN_CTES)
        g->ctes[g->nctes++] = name;
}

static void gen_query(struct gen *g)
{
    if (g->depth < GEN_DEPTH && choose(g, 4) == 3) {
        unsigned recursive = choose(g, 6) == 5;
        if (recursive)
            g->forbidden = "WITH RECURSIVE";
        emit(g, recursive ? "WITH RECURSIVE " : "WITH ");
        unsigned n = 1 + choose(g, 3);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                emit(g, ", ");
            gen_cte(g, i);
        }
        emit(g, " ");
    }
    gen_select(g);
    if (g->depth < GEN_DEPTH && choose(g, 5) == 4) {
        emit(g, choose(g, 2) ? " UNION ALL " : " EXCEPT ");
        gen_select(g);
    }
}

static void gen_statement(struct gen *g)
{
    unsigned trap = choose(g, 12);
    if (trap == 1) {
        g->forbidden = "EXPLAIN";
        emit(g, "EXPLAIN ANALYZE ");
    }
    gen_query(g);
    if (trap == 2) {
        g->forbidden = "FOR UPDATE";
        emit(g, " FOR UPDATE");
    } else if (trap == 3) {
        g->forbidden = "a second statement";
        emit(g, "; DELETE FROM raw_sales");
    } else if (trap == 4) {
        g->forbidden = "a second statement";
        emit(g, " -- comment\n; DROP TABLE raw_sales");
    }
}

/* What the generator knows it wrote, checked when the guard approved it. */
static void check_generated(const char *sql, const struct gen *g)
{
    if (g->forbidden)
        fail(sql, "an approved query holds %s, which the guard must refuse", g->forbidden);
    if (g->qualified)
        fail(sql, "an approved query names %s outside the marts' schema", g->qualified);
    unsigned bare = g->named_bare & ~g->declared;
    for (size_t i = 0; i < COUNT(protected_rel); i++)
        if (bare & (1u << i))
            fail(sql, "an approved query reads %s, and no CTE of that name is declared",
                 protected_rel[i]);
}

/* ---- The checks ------------------------------------------------------------------- */

static int verdict(const char *sql, struct sq_error *err)
{
    sq_error_clear(err);
    int rc = guard_pg_check(&policy, sql, err);
    if (rc != 0 && rc != SQ_E_REJECTED && rc != SQ_E_TOO_BIG)
        fail(sql, "the guard returned %d (%s): %s", rc, sq_error_name(rc), err->msg);
    if (rc != 0 && strlen(err->msg) < 10)
        fail(sql, "refused without a reason");
    if (rc != 0 && (err->offset < -1 || (size_t)err->offset > strlen(sql)))
        fail(sql, "the offset %d is outside the text", err->offset);
    return rc;
}

/* An approved query under a statement-level wrapper must be refused. */
static void check_wrapped(const char *sql, const char *before, const char *after)
{
    char *wrapped = xasprintf("%s%s%s", before, sql, after);
    struct sq_error err;
    if (strlen(wrapped) <= GUARD_MAX_SQL && verdict(wrapped, &err) == 0)
        fail(wrapped, "approved with '%s' before it and '%s' after it", before, after);
    free(wrapped);
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
        sq_buf_init(&g->sql, GEN_MAX);
        gen_statement(g);
        sql = sq_buf_steal(&g->sql);
    } else {
        sql = xmalloc(size + 1);
        memcpy(sql, data, size);
        sql[size] = '\0';
    }
    struct sq_error err, again;
    int rc = verdict(sql, &err);
    if (print_sql)
        fprintf(stderr, "%s\n  -> %s\n", sql, rc ? err.msg : "approved");
    if (verdict(sql, &again) != rc || strcmp(err.msg, again.msg) != 0)
        fail(sql, "two verdicts differ: %s / %s", err.msg, again.msg);
    if (rc == 0) {
        if (g && !g->full)
            check_generated(sql, g);
        check_wrapped(sql, "", "\n; SELECT 1");
        check_wrapped(sql, "EXPLAIN ", "");
        check_wrapped(sql, "WITH fuzz_d AS (DELETE FROM raw_sales RETURNING 1) ", "");
    }
    if (g)
        sq_buf_fini(&g->sql);
    free(g);
    free(sql);
    return 0;
}
