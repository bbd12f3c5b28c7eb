/*
 * Unit tests for guard/: every case of tests/data/hostile.sql is refused or stopped with a
 * reason, every case of tests/data/guard_ok.sql passes and runs, and after the hostile
 * run nothing changed in the database or on disk. Also checks the function allow-list is
 * sorted (it is searched with bsearch).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "base/table.h"
#include "guard/guard.h"
#include "store/store.h"

#include "sql_cases.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct fixture {
    char dir[64];
    char *db;
    struct store *s;
    struct guard_policy policy;
};

static const char *const tables[] = {"mart_dyn_sales", "raw_sales"};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/salesql-guard-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->db = sq_path_join(f->dir, "sales.duckdb");
    struct sq_error err;
    struct store_options o = {.path = f->db, .memory_limit = "512MB", .threads = 2};
    assert_int_equal(store_open(&o, &f->s, &err), 0);
    assert_int_equal(
        store_exec(store_main(f->s),
                   "CREATE TABLE raw_sales AS SELECT ['West', 'East', 'Central', 'South'][i % 4 "
                   "+ 1] AS region, 'P' || i AS product, i % 10 + 1 AS quantity, "
                   "CAST(i * 7.5 AS DOUBLE) AS sales, DATE '2020-01-01' + CAST(i AS INTEGER) AS "
                   "order_date FROM range(200) t(i);"
                   "CREATE VIEW mart_dyn_sales AS SELECT * FROM raw_sales;"
                   "CREATE TABLE salesql_files AS SELECT 'x' AS path, 'sales' AS source;"
                   "CREATE TABLE salesql_meta AS SELECT 'data_dir' AS key, '/secret' AS value;"
                   "CREATE TABLE salesql_columns AS SELECT 'sales' AS source, 'region' AS name;"
                   "CREATE TABLE salesql_values AS SELECT 'region' AS name, 'West' AS value;",
                   &err),
        0);
    char *secret = sq_path_join(f->dir, "secret.csv");
    assert_int_equal(sq_write_file(secret, "a,b\n1,2\n", 8, &err), 0);
    free(secret);
    char *outside = sq_path_join(f->dir, "outside");
    assert_int_equal(sq_mkdir_p(outside, &err), 0);
    free(outside);
    f->policy.tables = tables;
    f->policy.ntables = 2;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    sq_rm_rf(f->dir);
    free(f->db);
    free(f);
    return 0;
}

/* A fingerprint of what a hostile query could change: files next to the database (not
 * the database's own files), the catalog of tables and views, row counts, settings. */
static char *fingerprint(struct fixture *f)
{
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "sales.duckdb", 12) == 0)
            continue;
        sq_buf_printf(&b, "file %s\n", e->d_name);
    }
    closedir(d);
    char *outside = sq_path_join(f->dir, "outside");
    d = opendir(outside);
    while ((e = readdir(d)) != NULL)
        sq_buf_printf(&b, "outside %s\n", e->d_name);
    closedir(d);
    free(outside);
    struct sq_table t;
    sq_table_init(&t);
    struct sq_error err;
    assert_int_equal(
        store_query(
            store_main(f->s),
            "SELECT (SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
            "duckdb_tables()), (SELECT string_agg(view_name, ',' ORDER BY view_name) "
            "FROM duckdb_views() WHERE NOT internal), (SELECT count(*) FROM raw_sales), "
            "(SELECT sum(sales) FROM raw_sales), current_setting('enable_external_access'), "
            "current_setting('memory_limit'), (SELECT count(*) FROM duckdb_databases()), "
            "(SELECT count(*) FROM duckdb_secrets())",
            &t, &err),
        0);
    for (size_t c = 0; c < t.ncols; c++) {
        const struct sq_cell *cell = sq_table_cell(&t, 0, c);
        sq_buf_printf(&b, "%s|", cell->text ? cell->text : "NULL");
    }
    sq_table_fini(&t);
    return sq_buf_steal(&b);
}

static void test_hostile(void **state)
{
    struct fixture *f = *state;
    struct test_case *cases;
    size_t n = read_cases("data/hostile.sql", &cases);
    assert_true(n >= 100);
    char *before = fingerprint(f);
    struct store_limits lim = {.max_rows = 1000, .timeout_ms = 1500};
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        struct test_case *c = &cases[i];
        struct guarded_query *q = NULL;
        struct sq_error err;
        sq_error_clear(&err);
        const char *sql = c->sql.data ? c->sql.data : "";
        double t0 = sq_now_ms();
        int rc = guard_check(store_main(f->s), &f->policy, sql, &q, &err);
        int ok;
        if (strcmp(c->expect, "rejected") == 0) {
            ok = rc == SQ_E_REJECTED || rc == SQ_E_TOO_BIG;
        } else if (strcmp(c->expect, "unknown") == 0) {
            ok = rc == SQ_E_UNKNOWN_NAME;
        } else {
            assert_string_equal(c->expect, "stopped");
            ok = rc == 0;
            if (ok) {
                struct sq_table t;
                sq_table_init(&t);
                rc = guard_execute(store_main(f->s), q, &lim, &t, &err);
                ok = rc == SQ_E_TIMEOUT || rc == SQ_E_QUERY;
                sq_table_fini(&t);
            }
        }
        if (getenv("SALESQL_TEST_TIMES"))
            print_message("%-32s %8.1f ms  %s\n", c->name, sq_now_ms() - t0, err.msg);
        /* Every refusal says why, and the reason is the one the case is about. */
        if (rc != 0 && strlen(err.msg) < 10)
            ok = 0;
        if (c->because && !strstr(err.msg, c->because))
            ok = 0;
        if (!ok) {
            failures++;
            print_error("case %s: expected %s, got %d (%s): %s\n", c->name, c->expect, rc,
                        sq_error_name(rc), err.msg);
        }
        guarded_query_free(q);
    }
    char *after = fingerprint(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free_cases(cases, n);
    assert_int_equal(failures, 0);
}

static void test_benign(void **state)
{
    struct fixture *f = *state;
    struct test_case *cases;
    size_t n = read_cases("data/guard_ok.sql", &cases);
    assert_true(n >= 40);
    struct store_limits lim = {.max_rows = 1000, .timeout_ms = 10000};
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        struct guarded_query *q = NULL;
        struct sq_error err;
        sq_error_clear(&err);
        struct sq_table t;
        sq_table_init(&t);
        int rc = guard_check(store_main(f->s), &f->policy, cases[i].sql.data, &q, &err);
        if (!rc)
            rc = guard_execute(store_main(f->s), q, &lim, &t, &err);
        if (rc || t.ncols == 0) {
            failures++;
            print_error("case %s: %d (%s): %s\n", cases[i].name, rc, sq_error_name(rc), err.msg);
        }
        sq_table_fini(&t);
        guarded_query_free(q);
    }
    free_cases(cases, n);
    assert_int_equal(failures, 0);
}

static void test_reasons(void **state)
{
    struct fixture *f = *state;
    struct guarded_query *q = NULL;
    struct sq_error err;
    int rc =
        guard_check(store_main(f->s), &f->policy, "SELECT * FROM read_csv('secret.csv')", &q, &err);
    assert_int_equal(rc, SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "read_csv"));
    assert_int_equal(err.offset, 14);
    rc = guard_check(store_main(f->s), &f->policy, "SELECT regoin FROM mart_dyn_sales", &q, &err);
    assert_int_equal(rc, SQ_E_UNKNOWN_NAME);
    assert_non_null(strstr(err.msg, "regoin"));
    assert_non_null(strstr(err.msg, "region")); /* DuckDB's candidate */
    rc = guard_check(store_main(f->s), &f->policy, "DROP TABLE raw_sales", &q, &err);
    assert_int_equal(rc, SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "read-only"));
    rc = guard_check(store_main(f->s), &f->policy, "SELECT * FROM salesql_files", &q, &err);
    assert_int_equal(rc, SQ_E_REJECTED);
    assert_non_null(strstr(err.msg, "salesql_files"));
    /* Too long: refused before parsing. */
    char *big = xmalloc(GUARD_MAX_SQL + 100);
    memset(big, ' ', GUARD_MAX_SQL + 99);
    memcpy(big, "SELECT 1", 8);
    big[GUARD_MAX_SQL + 99] = '\0';
    assert_int_equal(guard_check(store_main(f->s), &f->policy, big, &q, &err), SQ_E_TOO_BIG);
    free(big);
}

static void test_row_cap_and_timeout(void **state)
{
    struct fixture *f = *state;
    struct guarded_query *q = NULL;
    struct sq_error err;
    struct sq_table t;
    sq_table_init(&t);
    assert_int_equal(guard_check(store_main(f->s), &f->policy,
                                 "SELECT * FROM mart_dyn_sales ORDER BY sales DESC", &q, &err),
                     0);
    struct store_limits lim = {.max_rows = 7, .timeout_ms = 5000};
    assert_int_equal(guard_execute(store_main(f->s), q, &lim, &t, &err), 0);
    assert_int_equal(t.nrows, 7);
    assert_true(t.truncated);
    assert_string_equal(sq_table_cell(&t, 0, 3)->text, "1492.5");
    assert_string_equal(sq_table_cell(&t, 0, 4)->text, "2020-07-18");
    sq_table_fini(&t);
    guarded_query_free(q);

    sq_table_init(&t);
    assert_int_equal(guard_check(store_main(f->s), &f->policy,
                                 "SELECT count(*) FROM raw_sales a, raw_sales b, raw_sales c, "
                                 "raw_sales d, raw_sales e",
                                 &q, &err),
                     0);
    struct store_limits quick = {.max_rows = 10, .timeout_ms = 300};
    double t0 = sq_now_ms();
    assert_int_equal(guard_execute(store_main(f->s), q, &quick, &t, &err), SQ_E_TIMEOUT);
    assert_true(sq_now_ms() - t0 < 5000); /* interrupted, not abandoned */
    assert_non_null(strstr(err.msg, "time limit"));
    sq_table_fini(&t);
    guarded_query_free(q);

    /* The connection is usable again right after an interrupt. */
    sq_table_init(&t);
    assert_int_equal(
        guard_check(store_main(f->s), &f->policy, "SELECT count(*) FROM raw_sales", &q, &err), 0);
    assert_int_equal(guard_execute(store_main(f->s), q, &lim, &t, &err), 0);
    assert_string_equal(sq_table_cell(&t, 0, 0)->text, "200");
    sq_table_fini(&t);
    guarded_query_free(q);
}

static void test_allow_list_sorted(void **state)
{
    (void)state;
    size_t n;
    const char *const *names = guard_function_names(&n);
    assert_true(n > 200);
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) >= 0)
            fail_msg("allow-list out of order at %s, %s", names[i - 1], names[i]);
    assert_true(guard_function_allowed("sum"));
    assert_true(guard_function_allowed("~~"));
    assert_true(guard_function_allowed("year"));
    assert_false(guard_function_allowed("read_csv"));
    assert_false(guard_function_allowed("getenv"));
    assert_false(guard_function_allowed("SUM")); /* callers lower-case first */
    /* Every allowed function has a cost rule (cost.c), so none runs unbounded; the cost
     * table's own order is checked by the lookups succeeding. */
    for (size_t i = 0; i < n; i++)
        if (!guard_function_cost_known(names[i]))
            fail_msg("allowed function %s has no cost rule in src/guard/cost.c", names[i]);
    assert_false(guard_function_allowed("levenshtein")); /* quadratic in its inputs */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_cap_and_timeout, setup, teardown),
        cmocka_unit_test(test_allow_list_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
