/*
 * libFuzzer target for the guard: arbitrary bytes as SQL. Invariants, checked on every
 * input: the guard never crashes; a query it approves runs (or is stopped by its limits)
 * without changing anything, so the database's tables, views and rows stay as they were.
 * The corpus (fuzz/corpus/guard/, seeded from the cases in tests/data/) is replayed by
 * make test.
 */
#include "base/error.h"
#include "base/mem.h"
#include "base/table.h"
#include "guard/guard.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;
static char *before;
static const char *const tables[] = {"mart_dyn_sales", "raw_sales"};
static const struct guard_policy policy = {tables, 2};

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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct sq_error err;
    struct store_options o = {.path = NULL, .memory_limit = "256MB", .threads = 1};
    if (store_open(&o, &store, &err) != 0 ||
        store_exec(store_main(store),
                   "CREATE TABLE raw_sales AS SELECT ['West', 'East', 'Central', 'South'][i % 4 "
                   "+ 1] AS region, 'P' || i AS product, i % 10 + 1 AS quantity, "
                   "CAST(i * 7.5 AS DOUBLE) AS sales, DATE '2020-01-01' + CAST(i AS INTEGER) AS "
                   "order_date FROM range(50) t(i);"
                   "CREATE VIEW mart_dyn_sales AS SELECT * FROM raw_sales;",
                   &err) != 0) {
        fprintf(stderr, "fuzz_guard setup: %s\n", err.msg);
        abort();
    }
    /* Defence in depth is off on purpose: the guard alone must hold. */
    before = fingerprint();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > GUARD_MAX_SQL + 16)
        return 0;
    char *sql = xmalloc(size + 1);
    memcpy(sql, data, size);
    sql[size] = '\0';
    struct guarded_query *q = NULL;
    struct sq_error err;
    sq_error_clear(&err);
    int rc = guard_check(store_main(store), &policy, sql, &q, &err);
    if (rc == 0) {
        struct sq_table t;
        struct store_limits lim = {.max_rows = 100, .timeout_ms = 200};
        sq_table_init(&t);
        guard_execute(store_main(store), q, &lim, &t, &err);
        sq_table_fini(&t);
        guarded_query_free(q);
        char *after = fingerprint();
        if (strcmp(before, after) != 0) {
            fprintf(stderr, "the database changed after running: %s\nbefore: %s\nafter: %s\n", sql,
                    before, after);
            abort();
        }
        free(after);
    } else if (err.msg[0] == '\0') {
        fprintf(stderr, "refused without a reason: %s\n", sql);
        abort();
    }
    free(sql);
    return 0;
}
