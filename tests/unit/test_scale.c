/*
 * Unit tests for what big data needs from store/ and ingest/: the memory limit and spill
 * folder reach DuckDB (read back from DuckDB), the default limit, a cancel flag that
 * stops a running statement and the next ones, hive partition options, top-level hive
 * folders as one source, the lookups that find files gone from a source, and the
 * --parquet modes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "base/table.h"
#include "ingest/ingest.h"
#include "ingest/scan.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char *setting(struct store *s, const char *name)
{
    char *sql = xasprintf("SELECT current_setting('%s')", name);
    char *v = NULL;
    assert_int_equal(store_query_string(store_main(s), sql, &v, NULL), 0);
    free(sql);
    return v;
}

static void test_memory_limit_reaches_duckdb(void **state)
{
    (void)state;
    char dir[] = "/tmp/salesql-unit-scale-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *spill = sq_path_join(dir, "spill");
    struct store_options o = {.memory_limit = "300MB", .temp_dir = spill};
    struct store *s = NULL;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(store_open(&o, &s, &err), 0);
    char *v = setting(s, "memory_limit");
    assert_string_equal(v, "286.1 MiB"); /* DuckDB shows 300 MB in MiB */
    free(v);
    v = setting(s, "temp_directory");
    assert_string_equal(v, spill);
    free(v);
    store_close(s);

    /* No limit given: 60% of the machine's memory, never DuckDB's 80%. */
    char def[32];
    store_default_memory_limit(def, sizeof def);
    assert_non_null(strstr(def, "MiB"));
    long long mib = strtoll(def, NULL, 10);
    long long ram = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) / (1024 * 1024);
    assert_true(mib >= 256 && mib <= ram * 61 / 100 + 1);
    struct store_options o2 = {0};
    assert_int_equal(store_open(&o2, &s, &err), 0);
    v = setting(s, "memory_limit");
    double shown = strtod(v, NULL) * (strstr(v, "GiB") ? 1024 : strstr(v, "MiB") ? 1 : 0);
    if (shown < (double)mib * 0.98 || shown > (double)mib * 1.02)
        fail_msg("default memory_limit %s, expected about %lld MiB", v, mib);
    free(v);
    store_close(s);

    struct store_options bad = {.memory_limit = "lots"};
    assert_int_equal(store_open(&bad, &s, &err), SQ_E_USAGE);
    assert_non_null(strstr(err.msg, "lots"));
    sq_rm_rf(dir);
    free(spill);
}

struct canceller {
    atomic_int *flag;
    int delay_ms;
};

static void *cancel_later(void *arg)
{
    struct canceller *c = arg;
    struct timespec t = {.tv_sec = c->delay_ms / 1000, .tv_nsec = (c->delay_ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
    atomic_store(c->flag, 1);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    struct store_options o = {.threads = 1};
    struct store *s = NULL;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(store_open(&o, &s, &err), 0);
    struct store_conn *c = store_main(s);
    atomic_int flag;
    atomic_init(&flag, 0);
    store_conn_set_cancel(c, &flag);
    long long n = 0;
    assert_int_equal(store_query_int(c, "SELECT 41 + 1", &n, &err), 0);
    assert_int_equal(n, 42);
    /* A statement that would run for minutes stops within a second of the flag. */
    struct canceller cl = {&flag, 300};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, &cl), 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = store_exec(c, "SELECT sum(range) FROM range(100000000000)", &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    pthread_join(t, NULL);
    assert_int_equal(rc, SQ_E_INTERRUPTED);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    if (ms > 5000)
        fail_msg("the cancelled statement ran %.0f ms", ms);
    /* Later statements do not start while the flag is set... */
    assert_int_equal(store_query_int(c, "SELECT 1", &n, &err), SQ_E_INTERRUPTED);
    /* ...and run again once it is cleared. */
    store_conn_set_cancel(c, NULL);
    assert_int_equal(store_query_int(c, "SELECT 2", &n, &err), 0);
    assert_int_equal(n, 2);
    store_close(s);
}

/* A scan list of relative paths under /data/shop. */
static void fake_list(struct scan_list *l, const char *const *rels)
{
    memset(l, 0, sizeof *l);
    while (rels[l->n])
        l->n++;
    l->files = xcalloc(l->n, sizeof *l->files);
    for (size_t i = 0; i < l->n; i++) {
        l->files[i].rel = xstrdup(rels[i]);
        l->files[i].path = xasprintf("/data/shop/%s", rels[i]);
        l->files[i].kind = SCAN_PARQUET;
    }
}

static void expect_hive(const char *const *rels, const char *want)
{
    struct scan_list l;
    fake_list(&l, rels);
    size_t idx[16];
    for (size_t i = 0; i < l.n; i++)
        idx[i] = i;
    char *got = scan_hive_options(&l, idx, l.n);
    if (strcmp(got, want) != 0)
        fail_msg("scan_hive_options = \"%s\", expected \"%s\"", got, want);
    free(got);
    scan_list_fini(&l);
}

static void test_hive_options(void **state)
{
    (void)state;
    static const char *const typed[] = {"sales/year=2024/month=07/part-0.parquet",
                                        "sales/year=2024/month=12/part-0.parquet", NULL};
    expect_hive(typed, ", hive_partitioning = true, hive_types = {'year': 'INTEGER', 'month': "
                       "'INTEGER'}");
    static const char *const mixed[] = {"s/day=2024-07-01/region=West/a.parquet",
                                        "s/day=2024-07-02/region=East/a.parquet",
                                        "s/day=2024-07-03/region=07/a.parquet", NULL};
    expect_hive(mixed, ", hive_partitioning = true, hive_types = {'day': 'DATE', 'region': "
                       "'VARCHAR'}");
    static const char *const uneven[] = {"s/year=2024/a.parquet", "s/year=2024/month=1/b.parquet",
                                         NULL};
    expect_hive(uneven, ", hive_partitioning = false");
    static const char *const plain[] = {"sales/2024/a.parquet", NULL};
    expect_hive(plain, ", hive_partitioning = false");
}

static void test_hive_top_level_is_one_source(void **state)
{
    (void)state;
    static const char *const rels[] = {"customers.csv", "year=2023/month=1/a.parquet",
                                       "year=2023/month=2/a.parquet", "year=2024/month=1/a.parquet",
                                       NULL};
    struct scan_list l;
    fake_list(&l, rels);
    char *headers[4] = {xstrdup("customer_id,name"), xstrdup("order_id,sales"),
                        xstrdup("order_id,sales"), xstrdup("order_id,sales")};
    struct scan_source *src = NULL;
    size_t n = 0;
    assert_int_equal(scan_group(&l, headers, &src, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(src[0].name, "customers");
    assert_string_equal(src[1].name, "shop"); /* the data folder's name */
    assert_int_equal(src[1].nfiles, 3);
    assert_true(src[1].multi);
    scan_sources_free(src, n);
    for (int i = 0; i < 4; i++)
        free(headers[i]);
    scan_list_fini(&l);
}

/* The lookups a refresh uses to find files that left a source, in log time. */
static void test_scan_find(void **state)
{
    (void)state;
    static const char *const rels[] = {"a.csv",
                                       "sales/sales_0001.csv",
                                       "sales/sales_0002.csv",
                                       "sales/sales_0003.csv",
                                       "z.parquet",
                                       NULL};
    struct scan_list l;
    fake_list(&l, rels);
    for (long i = 0; rels[i]; i++)
        assert_int_equal(scan_find(&l, rels[i]), i);
    assert_int_equal(scan_find(&l, "sales/sales_0004.csv"), -1);
    assert_int_equal(scan_find(&l, ""), -1);
    size_t files[] = {1, 3};
    struct scan_source src = {.name = (char *)"sales", .files = files, .nfiles = 2, .multi = 1};
    assert_true(scan_source_has(&src, 1));
    assert_true(scan_source_has(&src, 3));
    assert_false(scan_source_has(&src, 2));
    assert_false(scan_source_has(&src, 0));
    assert_false(scan_source_has(&src, 4));
    scan_list_fini(&l);
}

static void test_parquet_modes(void **state)
{
    (void)state;
    enum ingest_parquet_mode m = INGEST_PARQUET_DEFAULT;
    assert_int_equal(ingest_parse_parquet_mode("view", &m), 0);
    assert_int_equal(m, INGEST_PARQUET_VIEW);
    assert_int_equal(ingest_parse_parquet_mode("load", &m), 0);
    assert_int_equal(m, INGEST_PARQUET_LOAD);
    assert_int_equal(ingest_parse_parquet_mode("auto", &m), 0);
    assert_int_equal(m, INGEST_PARQUET_AUTO);
    assert_int_equal(ingest_parse_parquet_mode("copy", &m), -1);
    assert_int_equal(ingest_parse_parquet_mode(NULL, &m), -1);
    char *d = ingest_compact_dir(".cache/sales.duckdb");
    assert_string_equal(d, ".cache/compact");
    free(d);
    d = ingest_compact_dir("sales.duckdb");
    assert_string_equal(d, "./compact");
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_limit_reaches_duckdb),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_hive_options),
        cmocka_unit_test(test_hive_top_level_is_one_source),
        cmocka_unit_test(test_scan_find),
        cmocka_unit_test(test_parquet_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
