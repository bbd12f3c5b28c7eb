/*
 * Unit tests for answer/cache.c, the answer cache shared by a process's answerers: hits
 * and misses, the copy a hit hands out (every cell kind, exactly), least-recently-used
 * eviction by entries and by bytes, answers too large to keep, replacing a key, pruning
 * answers of marts whose version changed, the database table (another cache on the same
 * store finds what one kept — written by the writer thread, flushed when the cache is
 * freed —, a key the table does not hold is not looked for there, its bounds by entries
 * and bytes, pruning there, a read-only database read but not written, answers held and
 * saved later), and several threads at once with a table behind them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "answer/answer.h"
#include "answer/cache.h"
#include "base/error.h"
#include "base/mem.h"
#include "base/table.h"
#include "schema/schema.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An answer as answer_ask makes one: a table of rows rows (text, number, bool, NULL), SQL,
 * interpretation, insights and a chart. pad makes the SQL that many bytes longer. */
static void make(struct answer *a, const char *tag, size_t rows, size_t pad)
{
    memset(a, 0, sizeof *a);
    sq_table_init(&a->table);
    sq_error_clear(&a->error);
    a->question = xasprintf("question %s", tag);
    a->status = "ok";
    a->mode = "fast";
    char *p = xcalloc(pad + 1, 1);
    memset(p, 'x', pad);
    a->sql = xasprintf("SELECT '%s' /*%s*/", tag, p);
    free(p);
    a->interpretation = xasprintf("the answer to %s", tag);
    a->ninsights = 2;
    a->insights = xcalloc(2, sizeof *a->insights);
    a->insights[0] = xstrdup("West leads with 1,234.5.");
    a->insights[1] = xstrdup("It's \"quoted\" and 'single'.");
    a->chart = xstrdup("{\"mark\": \"bar\", \"data\": {\"values\": []}}");
    a->total_ms = 12.5;
    a->llm_calls = 2;
    sq_table_add_column(&a->table, "region", "VARCHAR", 0);
    sq_table_add_column(&a->table, "sales", "DECIMAL(18,3)", 1);
    sq_table_add_column(&a->table, "big", "BOOLEAN", 0);
    for (size_t r = 0; r < rows; r++) {
        size_t i = sq_table_add_row(&a->table);
        char num[32];
        snprintf(num, sizeof num, "%zu.250", r * 1000);
        sq_table_set(&a->table, i, 0, SQ_CELL_TEXT, tag, strlen(tag));
        sq_table_set(&a->table, i, 1, SQ_CELL_NUMBER, num, strlen(num));
        if (r % 2)
            sq_table_set(&a->table, i, 2, SQ_CELL_BOOL, "true", 4);
    }
    a->table.truncated = rows > 2;
}

static void assert_same(const struct answer *got, const struct answer *want)
{
    assert_string_equal(got->status, want->status);
    assert_string_equal(got->mode, want->mode);
    assert_string_equal(got->sql, want->sql);
    assert_string_equal(got->interpretation, want->interpretation);
    assert_string_equal(got->chart, want->chart);
    assert_int_equal(got->ninsights, want->ninsights);
    for (size_t i = 0; i < want->ninsights; i++)
        assert_string_equal(got->insights[i], want->insights[i]);
    assert_int_equal(got->table.ncols, want->table.ncols);
    assert_int_equal(got->table.nrows, want->table.nrows);
    assert_int_equal(got->table.truncated, want->table.truncated);
    for (size_t c = 0; c < want->table.ncols; c++) {
        assert_string_equal(got->table.cols[c].name, want->table.cols[c].name);
        assert_string_equal(got->table.cols[c].type, want->table.cols[c].type);
        assert_int_equal(got->table.cols[c].numeric, want->table.cols[c].numeric);
    }
    for (size_t r = 0; r < want->table.nrows; r++) {
        for (size_t c = 0; c < want->table.ncols; c++) {
            const struct sq_cell *g = sq_table_cell(&got->table, r, c);
            const struct sq_cell *w = sq_table_cell(&want->table, r, c);
            assert_int_equal(g->kind, w->kind);
            if (w->text)
                assert_string_equal(g->text, w->text);
            else
                assert_null(g->text);
            if (w->kind == SQ_CELL_NUMBER)
                assert_true(g->num == w->num);
        }
    }
}

static void put(struct answer_cache *c, const char *key, const char *marts, size_t rows)
{
    struct answer a;
    make(&a, key, rows, 0);
    answer_cache_put(c, key, "fast", marts, &a);
    answer_fini(&a);
}

static int has(struct answer_cache *c, const char *key, enum answer_cache_where where)
{
    struct answer a;
    if (!answer_cache_get(c, key, where, &a))
        return 0;
    answer_fini(&a);
    return 1;
}

static void test_hit_and_miss(void **state)
{
    (void)state;
    struct answer_cache *c = answer_cache_new(NULL, NULL);
    struct answer want, got;
    make(&want, "west", 5, 0);
    answer_cache_put(c, "k1", "fast", "mart_dyn_s@1@t\n", &want);
    assert_int_equal(answer_cache_get(c, "k1", ANSWER_CACHE_ANY, &got), 1);
    assert_same(&got, &want);
    answer_fini(&got);
    assert_int_equal(answer_cache_get(c, "k2", ANSWER_CACHE_ANY, &got), 0);
    assert_int_equal(answer_cache_get(c, "k", ANSWER_CACHE_MEMORY, &got), 0);
    struct answer_cache_stats st;
    answer_cache_stats(c, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 2);
    assert_int_equal(st.reads, 0);
    assert_int_equal(st.writes, 0);
    /* The same key again replaces the entry. */
    answer_cache_put(c, "k1", "fast", "", &want);
    answer_cache_stats(c, &st);
    assert_int_equal(st.entries, 1);
    answer_fini(&want);
    answer_cache_free(c);
}

static void test_lru_by_entries(void **state)
{
    (void)state;
    struct answer_cache_limits lim = {.entries = 3};
    struct answer_cache *c = answer_cache_new(&lim, NULL);
    put(c, "a", "", 1);
    put(c, "b", "", 1);
    put(c, "c", "", 1);
    assert_true(has(c, "a", ANSWER_CACHE_MEMORY)); /* a is now the most recent */
    put(c, "d", "", 1);                            /* so b goes */
    assert_false(has(c, "b", ANSWER_CACHE_MEMORY));
    assert_true(has(c, "a", ANSWER_CACHE_MEMORY));
    assert_true(has(c, "c", ANSWER_CACHE_MEMORY));
    assert_true(has(c, "d", ANSWER_CACHE_MEMORY));
    struct answer_cache_stats st;
    answer_cache_stats(c, &st);
    assert_int_equal(st.entries, 3);
    answer_cache_free(c);
}

static void test_bounded_by_bytes(void **state)
{
    (void)state;
    struct answer_cache_limits lim = {.bytes = 64 * 1024, .entry_bytes = 20 * 1024};
    struct answer_cache *c = answer_cache_new(&lim, NULL);
    char key[16];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "k%d", i);
        struct answer a;
        make(&a, key, 10, 8 * 1024); /* about 9 KB */
        answer_cache_put(c, key, "fast", "", &a);
        answer_fini(&a);
        struct answer_cache_stats st;
        answer_cache_stats(c, &st);
        assert_true(st.bytes <= lim.bytes);
    }
    assert_true(has(c, "k39", ANSWER_CACHE_MEMORY));
    assert_false(has(c, "k0", ANSWER_CACHE_MEMORY));
    /* Too large for one entry: not kept, and nothing else is pushed out for it. */
    struct answer_cache_stats before, after;
    answer_cache_stats(c, &before);
    struct answer big;
    make(&big, "big", 10, 30 * 1024);
    answer_cache_put(c, "big", "fast", "", &big);
    answer_fini(&big);
    answer_cache_stats(c, &after);
    assert_false(has(c, "big", ANSWER_CACHE_MEMORY));
    assert_int_equal(after.entries, before.entries);
    answer_cache_free(c);
}

static void test_prune_memory(void **state)
{
    (void)state;
    struct answer_cache *c = answer_cache_new(NULL, NULL);
    put(c, "old", "mart_dyn_a@1@2024-01-01 00:00:00\n", 1);
    put(c, "both", "mart_dyn_a@2@2024-02-01 00:00:00\nmart_dyn_b@7@2024-01-01 00:00:00\n", 1);
    put(c, "new", "mart_dyn_a@2@2024-02-01 00:00:00\n", 1);
    put(c, "reloaded", "mart_dyn_b@7@2023-12-01 00:00:00\n", 1); /* dropped, loaded again */
    put(c, "none", "", 1);
    struct schema_mart marts[] = {
        {.name = "mart_dyn_a", .version = 2, .loaded_at = "2024-02-01 00:00:00"},
        {.name = "mart_dyn_b", .version = 7, .loaded_at = "2024-01-01 00:00:00"}};
    struct schema s = {.marts = marts, .nmarts = 2};
    answer_cache_prune(c, &s);
    assert_false(has(c, "old", ANSWER_CACHE_MEMORY));
    assert_false(has(c, "reloaded", ANSWER_CACHE_MEMORY));
    assert_true(has(c, "both", ANSWER_CACHE_MEMORY));
    assert_true(has(c, "new", ANSWER_CACHE_MEMORY));
    assert_true(has(c, "none", ANSWER_CACHE_MEMORY));
    answer_cache_free(c);
}

static struct store *open_store(const char *path, int read_only)
{
    struct store_options o = {.path = path, .read_only = read_only, .memory_limit = "512MB"};
    struct store *s = NULL;
    struct sq_error err;
    assert_int_equal(store_open(&o, &s, &err), 0);
    return s;
}

static long long rows_in_table(struct store *s)
{
    long long n = -1;
    struct sq_error err;
    assert_int_equal(
        store_query_int(store_main(s), "SELECT count(*) FROM salesql_answer_cache", &n, &err), 0);
    return n;
}

static void test_database(void **state)
{
    (void)state;
    struct store *s = open_store(NULL, 0);
    struct answer_cache *c = answer_cache_new(NULL, s);
    struct answer want, got;
    make(&want, "it's west", 7, 0);
    answer_cache_put(c, "model:deep:m\nit's a question", "deep", "mart_dyn_s@1@t\n", &want);
    answer_cache_free(c);
    assert_int_equal(rows_in_table(s), 1);

    /* Another process's cache (the next CLI run, a restarted server) finds it... */
    c = answer_cache_new(NULL, s);
    struct answer_cache_stats st;
    answer_cache_stats(c, &st);
    assert_int_equal(st.reads, 1);
    assert_int_equal(st.writes, 1);
    assert_int_equal(
        answer_cache_get(c, "model:deep:m\nit's a question", ANSWER_CACHE_MEMORY, &got), 0);
    assert_int_equal(answer_cache_get(c, "model:deep:m\nit's a question", ANSWER_CACHE_ANY, &got),
                     1);
    assert_same(&got, &want);
    assert_true(got.total_ms == want.total_ms);
    assert_int_equal(got.llm_calls, 2);
    answer_fini(&got);
    /* A key the table does not hold is not looked for there. */
    answer_cache_stats(c, &st);
    assert_int_equal(st.db_reads, 1);
    assert_false(has(c, "model:deep:m\nanother question", ANSWER_CACHE_ANY));
    answer_cache_stats(c, &st);
    assert_int_equal(st.db_reads, 1);
    /* ... and keeps it in memory from then on. */
    assert_int_equal(
        answer_cache_get(c, "model:deep:m\nit's a question", ANSWER_CACHE_MEMORY, &got), 1);
    answer_fini(&got);
    answer_cache_stats(c, &st);
    assert_int_equal(st.db_hits, 1);
    long long hits = 0;
    struct sq_error err;
    assert_int_equal(
        store_query_int(store_main(s), "SELECT hits FROM salesql_answer_cache", &hits, &err), 0);
    assert_int_equal(hits, 1);

    /* A mart with a new version: pruned from memory and from the table. */
    struct schema_mart m = {.name = "mart_dyn_s", .version = 2, .loaded_at = "t"};
    struct schema sc = {.marts = &m, .nmarts = 1};
    answer_cache_prune(c, &sc);
    assert_int_equal(rows_in_table(s), 0);
    assert_false(has(c, "model:deep:m\nit's a question", ANSWER_CACHE_ANY));
    answer_cache_free(c);
    answer_fini(&want);
    store_close(s);
}

static void test_database_bounds(void **state)
{
    (void)state;
    struct store *s = open_store(NULL, 0);
    struct answer_cache_limits lim = {.db_entries = 5};
    struct answer_cache *c = answer_cache_new(&lim, s);
    char key[16];
    for (int i = 0; i < ANSWER_CACHE_TRIM_EVERY + 3; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(c, key, "", 2);
        assert_true(rows_in_table(s) <= ANSWER_CACHE_TRIM_EVERY);
    }
    struct schema sc = {0};
    answer_cache_prune(c, &sc); /* trims too */
    assert_int_equal(rows_in_table(s), 5);
    answer_cache_free(c);
    /* The newest are kept. */
    c = answer_cache_new(&lim, s);
    snprintf(key, sizeof key, "k%d", ANSWER_CACHE_TRIM_EVERY + 2);
    assert_true(has(c, key, ANSWER_CACHE_ANY));
    assert_false(has(c, "k0", ANSWER_CACHE_ANY));
    answer_cache_free(c);

    /* By bytes: room for two answers of about 9 KB (the small ones are older). */
    lim = (struct answer_cache_limits){.db_bytes = 20 * 1024};
    c = answer_cache_new(&lim, s);
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "big%d", i);
        struct answer a;
        make(&a, key, 10, 8 * 1024);
        answer_cache_put(c, key, "fast", "", &a);
        answer_fini(&a);
    }
    answer_cache_prune(c, &sc);
    assert_int_equal(rows_in_table(s), 2);
    answer_cache_free(c);
    c = answer_cache_new(NULL, s);
    assert_true(has(c, "big3", ANSWER_CACHE_ANY));
    assert_true(has(c, "big2", ANSWER_CACHE_ANY));
    answer_cache_free(c);
    store_close(s);
}

static void test_read_only_and_save(void **state)
{
    (void)state;
    char dir[] = "/tmp/salesql-cache-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/t.duckdb", dir);
    struct store *s = open_store(path, 0);
    struct answer_cache *c = answer_cache_new(NULL, s);
    put(c, "kept", "", 3);
    answer_cache_free(c);
    store_close(s);

    /* Read-only: read, never written; what is put is held for a save. */
    s = open_store(path, 1);
    struct answer_cache_limits lim = {.pending = 1};
    c = answer_cache_new(&lim, s);
    struct answer_cache_stats st;
    answer_cache_stats(c, &st);
    assert_int_equal(st.reads, 1);
    assert_int_equal(st.writes, 0);
    assert_true(has(c, "kept", ANSWER_CACHE_ANY));
    put(c, "deep one", "", 3);
    put(c, "second", "", 3); /* past the one held */
    answer_cache_stats(c, &st);
    assert_int_equal(st.pending, 1);
    assert_int_equal(st.db_errors, 0);
    answer_cache_detach(c);
    store_close(s);
    s = open_store(path, 0);
    assert_int_equal(answer_cache_save(c, s), 1);
    answer_cache_free(c);
    c = answer_cache_new(NULL, s);
    assert_true(has(c, "deep one", ANSWER_CACHE_ANY));
    assert_false(has(c, "second", ANSWER_CACHE_ANY));
    answer_cache_free(c);
    store_close(s);

    /* A read-only database without the table: memory only. */
    char *bare = xasprintf("%s/bare.duckdb", dir);
    s = open_store(bare, 0);
    store_close(s);
    s = open_store(bare, 1);
    c = answer_cache_new(NULL, s);
    answer_cache_stats(c, &st);
    assert_int_equal(st.reads, 0);
    put(c, "k", "", 1);
    assert_true(has(c, "k", ANSWER_CACHE_ANY));
    answer_cache_free(c);
    store_close(s);

    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(bare);
    free(path);
}

/* ---- Threads ---------------------------------------------------------------------------- */

struct worker_arg {
    struct answer_cache *c;
    int id;
    int hits;
};

static void *worker(void *p)
{
    struct worker_arg *w = p;
    char key[16];
    for (int i = 0; i < 1500; i++) {
        snprintf(key, sizeof key, "q%d", (i * 7 + w->id) % 40);
        struct answer a;
        if (answer_cache_get(w->c, key, ANSWER_CACHE_ANY, &a)) {
            /* What a hit hands out is whole and is the answer of its key. */
            if (a.table.nrows == 4 && strcmp(sq_table_cell(&a.table, 3, 0)->text, key) == 0)
                w->hits++;
            else
                w->hits = -1000000;
            answer_fini(&a);
        } else {
            put(w->c, key, "", 4);
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct store *s = open_store(NULL, 0);
    struct answer_cache_limits lim = {.entries = 16};
    struct answer_cache *c = answer_cache_new(&lim, s);
    enum { N = 4 };
    pthread_t t[N];
    struct worker_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (struct worker_arg){.c = c, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &args[i]), 0);
    }
    int hits = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_true(args[i].hits >= 0);
        hits += args[i].hits;
    }
    struct answer_cache_stats st;
    answer_cache_stats(c, &st);
    assert_true(st.entries <= 16);
    assert_int_equal(st.hits, (size_t)hits);
    assert_int_equal(st.hits + st.misses, (size_t)N * 1500);
    assert_int_equal(st.db_errors, 0);
    assert_true(st.db_hits > 0); /* evicted from memory, found in the table */
    answer_cache_free(c);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_miss),       cmocka_unit_test(test_lru_by_entries),
        cmocka_unit_test(test_bounded_by_bytes),   cmocka_unit_test(test_prune_memory),
        cmocka_unit_test(test_database),           cmocka_unit_test(test_database_bounds),
        cmocka_unit_test(test_read_only_and_save), cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
