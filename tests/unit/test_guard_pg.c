/*
 * Unit tests for the guard on PostgreSQL (guard/pg.h): every case of
 * tests/data/hostile_pg.sql is refused with a reason (and the reason the case names),
 * every case of tests/data/guard_pg_ok.sql passes; offsets, limits, the policy's schema,
 * text no parser should crash on, the allow-lists' order, and calls from many threads at
 * once. No PostgreSQL server is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/mem.h"
#include "guard/guard.h"
#include "guard/pg.h"

#include "sql_cases.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tables[] = {"mart_dyn_sales", "mart_dyn_orders", "mart_dyn_customers",
                                     "raw_sales"};
static const struct guard_policy policy = {.tables = tables, .ntables = 4, .schema = "mart"};

/* Checks sql against the test policy; err is always filled on failure. */
static int check(const char *sql, struct sq_error *err)
{
    sq_error_clear(err);
    return guard_pg_check(&policy, sql, err);
}

static void test_hostile(void **state)
{
    (void)state;
    struct test_case *cases;
    size_t n = read_cases("data/hostile_pg.sql", &cases);
    assert_true(n >= 200);
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        struct test_case *c = &cases[i];
        struct sq_error err;
        assert_string_equal(c->expect, "rejected");
        int rc = check(c->sql.data ? c->sql.data : "", &err);
        /* Every refusal says why, and the reason is the one the case is about. */
        int ok = rc == SQ_E_REJECTED && strlen(err.msg) >= 10 &&
                 (!c->because || strstr(err.msg, c->because));
        if (getenv("SALESQL_TEST_TIMES"))
            print_message("%-36s %4d  %s\n", c->name, err.offset, err.msg);
        if (!ok) {
            failures++;
            print_error("case %s: expected rejected%s%s, got %d (%s): %s\n", c->name,
                        c->because ? " because " : "", c->because ? c->because : "", rc,
                        sq_error_name(rc), err.msg);
        }
    }
    free_cases(cases, n);
    assert_int_equal(failures, 0);
}

static void test_benign(void **state)
{
    (void)state;
    struct test_case *cases;
    size_t n = read_cases("data/guard_pg_ok.sql", &cases);
    assert_true(n >= 60);
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        struct sq_error err;
        assert_string_equal(cases[i].expect, "ok");
        int rc = check(cases[i].sql.data, &err);
        if (rc) {
            failures++;
            print_error("case %s: %d (%s) at %d: %s\n", cases[i].name, rc, sq_error_name(rc),
                        err.offset, err.msg);
        }
    }
    free_cases(cases, n);
    assert_int_equal(failures, 0);
}

/* The refusal's offset points at the construct, in bytes of the text. */
static void test_offsets(void **state)
{
    (void)state;
    struct sq_error err;
    assert_int_equal(check("SELECT pg_read_file('/etc/passwd')", &err), SQ_E_REJECTED);
    assert_int_equal(err.offset, 7);
    assert_non_null(strstr(err.msg, "pg_read_file"));

    assert_int_equal(check("SELECT region FROM mart_dyn_sales, pg_shadow", &err), SQ_E_REJECTED);
    assert_int_equal(err.offset, 35);

    assert_int_equal(check("SELECT 1;  DROP TABLE raw_sales", &err), SQ_E_REJECTED);
    assert_int_equal(err.offset, 9);

    assert_int_equal(check("SELECT 'x'::regclass", &err), SQ_E_REJECTED);
    assert_int_equal(err.offset, 12);

    assert_int_equal(check("WITH d AS (DELETE FROM raw_sales RETURNING *) SELECT * FROM d", &err),
                     SQ_E_REJECTED);
    assert_int_equal(err.offset, 5);

    /* PostgreSQL counts its cursor in characters; the offset is in bytes. */
    assert_int_equal(check("SELECT 'é€' FRM mart_dyn_sales", &err), SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "does not parse"));
    assert_non_null(strstr(err.msg, "mart_dyn_sales")); /* FRM is read as an alias */
    assert_int_equal(err.offset, 19);

    assert_int_equal(check("SELECT 1 /* ; */ FOR UPDATE", &err), SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "FOR UPDATE"));
}

static char *repeat_text(const char *head, const char *unit, const char *tail, size_t bytes)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    size_t n = (bytes - hl - tl) / ul;
    char *s = xmalloc(hl + n * ul + tl + 1);
    memcpy(s, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(s + hl + i * ul, unit, ul);
    memcpy(s + hl + n * ul, tail, tl + 1);
    return s;
}

/* Text at and past the limits: refused with a reason, never a crash (the parser writes
 * its tree recursively; the deepest trees the limit allows must still be safe). */
static void test_limits(void **state)
{
    (void)state;
    struct sq_error err;
    char *big = repeat_text("SELECT 1", " ", "", GUARD_MAX_SQL + 1);
    assert_int_equal(check(big, &err), SQ_E_TOO_BIG);
    free(big);

    static const char *const deep[][3] = {
        {"SELECT 1", "+1", ""},
        {"SELECT 1", "||1", ""},
        {"SELECT ", "(", "1"},
        {"SELECT ", "- ", "1"},
        {"SELECT ", "NOT ", "true"},
        {"SELECT 1", "::int", ""},
        {"SELECT * FROM mart_dyn_sales", " UNION SELECT * FROM mart_dyn_sales", ""},
        {"SELECT * FROM mart_dyn_sales a", " CROSS JOIN mart_dyn_sales", ""},
        {"SELECT ", "ARRAY[", "1"},
        {"SELECT ", "(SELECT ", "1"},
        {"SELECT ", "coalesce(", "1"},
    };
    /* Refused (too deep for the parser or the walk), or, where the tree stays shallow
     * enough, approved (36 bytes a UNION: 1,800 levels); the first is the deepest tree. */
    for (size_t i = 0; i < sizeof deep / sizeof deep[0]; i++) {
        char *sql = repeat_text(deep[i][0], deep[i][1], deep[i][2], GUARD_MAX_SQL);
        int rc = check(sql, &err);
        free(sql);
        if (rc != SQ_E_REJECTED && (i == 0 || rc != 0))
            fail_msg("%s...: %d (%s): %s", deep[i][1], rc, sq_error_name(rc), err.msg);
        if (i == 0)
            assert_non_null(strstr(err.msg, "nests too deeply"));
    }
    /* Deep, but not too deep. */
    char *sql = repeat_text("SELECT 1", "+1", "", 1000);
    assert_int_equal(check(sql, &err), 0);
    free(sql);
    /* A long flat list is not deep. */
    sql = repeat_text("SELECT * FROM mart_dyn_sales WHERE region IN ('x'", ", 'West'", ")",
                      GUARD_MAX_SQL);
    assert_int_equal(check(sql, &err), 0);
    free(sql);

    assert_int_equal(check("   \n\t ", &err), SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "empty"));
    assert_int_equal(check("SELECT '\xff' FROM mart_dyn_sales", &err), SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "UTF-8"));
    assert_int_equal(err.offset, 8);
    assert_int_equal(check("SELECT '\xc3' FROM mart_dyn_sales", &err), SQ_E_REJECTED);
    assert_int_equal(check("SELECT '\xed\xa0\x80'", &err), SQ_E_REJECTED); /* a surrogate */
    assert_int_equal(check("SELECT '\xc0\xaf'", &err), SQ_E_REJECTED);     /* overlong */
    /* err may be NULL. */
    assert_int_equal(guard_pg_check(&policy, "DROP TABLE raw_sales", NULL), SQ_E_REJECTED);
    assert_int_equal(guard_pg_check(&policy, "SELECT 1", NULL), 0);
}

/* Qualified names only with the policy's schema, and none without one. */
static void test_schema(void **state)
{
    (void)state;
    struct sq_error err;
    struct guard_policy bare = {.tables = tables, .ntables = 4};
    sq_error_clear(&err);
    assert_int_equal(guard_pg_check(&bare, "SELECT * FROM mart.mart_dyn_sales", &err),
                     SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "not other schemas"));
    assert_int_equal(guard_pg_check(&bare, "SELECT * FROM mart_dyn_sales", &err), 0);
    struct guard_policy in_public = {.tables = tables, .ntables = 4, .schema = "public"};
    assert_int_equal(guard_pg_check(&in_public, "SELECT * FROM public.mart_dyn_sales", &err), 0);
    assert_int_equal(guard_pg_check(&in_public, "SELECT * FROM mart.mart_dyn_sales", &err),
                     SQ_E_REJECTED);
    assert_int_equal(guard_pg_check(&in_public, "SELECT * FROM public.pg_class", &err),
                     SQ_E_REJECTED);
    /* Even a policy that names a system schema cannot open the catalogs. */
    struct guard_policy catalog = {.tables = tables, .ntables = 4, .schema = "pg_catalog"};
    assert_int_equal(guard_pg_check(&catalog, "SELECT * FROM pg_catalog.mart_dyn_sales", &err),
                     SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "system catalogs"));
    /* An empty policy reads nothing. */
    struct guard_policy none = {0};
    assert_int_equal(guard_pg_check(&none, "SELECT * FROM mart_dyn_sales", &err), SQ_E_REJECTED);
    assert_int_equal(guard_pg_check(&none, "SELECT 1 + 1", &err), 0);
}

static void assert_sorted(const char *const *names, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) >= 0)
            fail_msg("allow-list out of order at %s, %s", names[i - 1], names[i]);
}

static void test_allow_lists(void **state)
{
    (void)state;
    size_t n;
    const char *const *shared = guard_pg_function_names(0, &n);
    assert_true(n > 50);
    assert_sorted(shared, n);
    /* A shared name counts only while DuckDB's list has it: one taken out there would be
     * silently out here too, so the lists must agree. */
    for (size_t i = 0; i < n; i++) {
        if (!guard_function_allowed(shared[i]))
            fail_msg("%s is in pg_allow.c's shared[] but not in functions.c", shared[i]);
        assert_true(guard_pg_function_allowed(shared[i]));
    }
    const char *const *own = guard_pg_function_names(1, &n);
    assert_sorted(own, n);
    for (size_t i = 0; i < n; i++)
        assert_true(guard_pg_function_allowed(own[i]));
    static const char *const emitter[] = {
        "date_trunc", "extract", "date_part", "to_char",    "round", "abs",        "lower",
        "upper",      "length",  "substring", "concat",     "sum",   "avg",        "min",
        "max",        "count",   "stddev",    "row_number", "rank",  "dense_rank", "lag"};
    for (size_t i = 0; i < sizeof emitter / sizeof emitter[0]; i++)
        if (!guard_pg_function_allowed(emitter[i]))
            fail_msg("the emitter's %s is not allowed", emitter[i]);
    static const char *const refused[] = {
        "pg_read_file", "pg_ls_dir",      "lo_import", "set_config",      "current_setting",
        "pg_sleep",     "dblink",         "nextval",   "setval",          "txid_current",
        "repeat",       "lpad",           "format",    "generate_series", "query_to_xml",
        "version",      "regexp_matches", "getenv",    "read_csv",        "SUM"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (guard_pg_function_allowed(refused[i]))
            fail_msg("%s must not be allowed", refused[i]);
    /* Every entry is found (an unsorted list would lose some to bsearch). */
    static const char *const ops[] = {"!~", "!~*", "!~~", "!~~*", "%", "*",  "+",  "-",
                                      "/",  "<",   "<=",  "<>",   "=", ">",  ">=", "@",
                                      "^",  "|/",  "||",  "||/",  "~", "~*", "~~", "~~*"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        assert_true(guard_pg_operator_allowed(ops[i]));
    assert_false(guard_pg_operator_allowed("->>"));
    static const char *const types[] = {
        "bool",     "bpchar",  "date", "float4", "float8",    "int2",        "int4",   "int8",
        "interval", "numeric", "text", "time",   "timestamp", "timestamptz", "timetz", "varchar"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        assert_true(guard_pg_type_allowed(types[i]));
    assert_false(guard_pg_type_allowed("regclass"));
    assert_false(guard_pg_type_allowed("oid"));
}

/* The guard is called from the server's workers at once: each call has its own parser
 * thread and memory, and the verdicts do not mix. */
static void *worker(void *arg)
{
    long *bad = arg;
    for (int i = 0; i < 40; i++) {
        struct sq_error err;
        if (guard_pg_check(&policy, "SELECT region, sum(sales) FROM mart_dyn_sales GROUP BY 1",
                           &err) != 0 ||
            guard_pg_check(&policy, "SELECT * FROM pg_shadow", &err) != SQ_E_REJECTED ||
            !strstr(err.msg, "pg_shadow"))
            (*bad)++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    long bad[4] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &bad[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(bad[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile), cmocka_unit_test(test_benign),
        cmocka_unit_test(test_offsets), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_schema),  cmocka_unit_test(test_allow_lists),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
