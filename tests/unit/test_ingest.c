/*
 * Unit tests for ingest/'s pure parts: names (snake_case, stems, digit series, clashes),
 * grouping files into sources, header compatibility, and column roles; and the scan of a
 * folder with symbolic links (in a temporary folder).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "ingest/ingest.h"
#include "ingest/names.h"
#include "ingest/scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect_snake(const char *in, const char *want)
{
    char *got = names_snake(in);
    if (strcmp(got, want) != 0)
        fail_msg("names_snake(\"%s\") = \"%s\", expected \"%s\"", in, got, want);
    free(got);
}

static void test_snake(void **state)
{
    (void)state;
    /* The examples of DESIGN.md. */
    expect_snake("Sample - Superstore", "sample_superstore");
    expect_snake("Sub-Category", "sub_category");
    expect_snake("OrderQuantity", "order_quantity");
    expect_snake("ORDERDATE", "orderdate");
    expect_snake("Order Date", "order_date");
    expect_snake("Row ID", "row_id");
    expect_snake("SalesTerritoryKey", "sales_territory_key");
    expect_snake("AdventureWorks_Sales_2015", "adventure_works_sales_2015");
    expect_snake("QTR_ID", "qtr_id");
    expect_snake("  trimmed  ", "trimmed");
    expect_snake("a--b__c", "a_b_c");
    expect_snake("Umsätze €", "umsatze");
    expect_snake("Größe", "grosse");
    expect_snake("2019 Sales", "col_2019_sales");
    expect_snake("", "col");
    expect_snake("%%%", "col");
    expect_snake("日本", "col");
    expect_snake("\xff\xfe broken", "broken");
}

static void test_stems(void **state)
{
    (void)state;
    char *s = names_stem("data/Sample - Superstore.csv");
    assert_string_equal(s, "Sample - Superstore");
    free(s);
    s = names_stem("x/y/orders.CSV.GZ");
    assert_string_equal(s, "orders");
    free(s);
    s = names_stem("part.parquet");
    assert_string_equal(s, "part");
    free(s);
    s = names_digitless("AdventureWorks_Sales_2015");
    assert_string_equal(s, "adventure_works_sales");
    free(s);
    s = names_digitless("sales-2024-07");
    assert_string_equal(s, "sales");
    free(s);
    char a[] = "sales", b[] = "sales_2";
    char *taken[] = {a, b};
    s = names_unique("sales", taken, 2);
    assert_string_equal(s, "sales_3");
    free(s);
    s = names_unique("orders", taken, 2);
    assert_string_equal(s, "orders");
    free(s);
}

static void test_compatible(void **state)
{
    (void)state;
    assert_true(scan_headers_compatible("a,b,c", "a,b,c"));
    assert_true(scan_headers_compatible("order_id,amount", "order_id,amount,channel"));
    assert_false(scan_headers_compatible("order_id,customer_id,amount", "customer_id,name,city"));
    assert_false(scan_headers_compatible("", ""));
    assert_false(scan_headers_compatible("a", ""));
}

struct grouping {
    struct scan_list l;
    char **headers;
    struct scan_source *sources;
    size_t n;
};

static void group(struct grouping *g, const char *const *rels, const char *const *headers)
{
    memset(g, 0, sizeof *g);
    size_t n = 0;
    while (rels[n])
        n++;
    g->l.files = xcalloc(n, sizeof *g->l.files);
    g->headers = xcalloc(n, sizeof *g->headers);
    for (size_t i = 0; i < n; i++) {
        g->l.files[i].rel = xstrdup(rels[i]);
        g->l.files[i].path = xstrdup(rels[i]);
        g->headers[i] = xstrdup(headers[i]);
    }
    g->l.n = n;
    assert_int_equal(scan_group(&g->l, g->headers, &g->sources, &g->n), 0);
}

static void ungroup(struct grouping *g)
{
    for (size_t i = 0; i < g->l.n; i++)
        free(g->headers[i]);
    free(g->headers);
    scan_sources_free(g->sources, g->n);
    scan_list_fini(&g->l);
}

/* The source name each file ended up in, as "file=source;..." for one comparison. */
static char *assignment(const struct grouping *g)
{
    char *out = xstrdup("");
    for (size_t s = 0; s < g->n; s++) {
        for (size_t f = 0; f < g->sources[s].nfiles; f++) {
            char *next = xasprintf("%s%s=%s;", out, g->l.files[g->sources[s].files[f]].rel,
                                   g->sources[s].name);
            free(out);
            out = next;
        }
    }
    return out;
}

static void test_group_adventureworks(void **state)
{
    (void)state;
    static const char *const rels[] = {"AdventureWorks_Calendar.csv",
                                       "AdventureWorks_Product_Categories.csv",
                                       "AdventureWorks_Product_Subcategories.csv",
                                       "AdventureWorks_Sales_2015.csv",
                                       "AdventureWorks_Sales_2016.csv",
                                       "AdventureWorks_Sales_2017.csv",
                                       NULL};
    static const char *const headers[] = {
        "date",
        "product_category_key,category_name",
        "product_subcategory_key,subcategory_name,product_category_key",
        "order_date,order_number,product_key",
        "order_date,order_number,product_key",
        "order_date,order_number,product_key"};
    struct grouping g;
    group(&g, rels, headers);
    char *a = assignment(&g);
    assert_string_equal(
        a, "AdventureWorks_Calendar.csv=adventure_works_calendar;"
           "AdventureWorks_Product_Categories.csv=adventure_works_product_categories;"
           "AdventureWorks_Product_Subcategories.csv=adventure_works_product_subcategories;"
           "AdventureWorks_Sales_2015.csv=adventure_works_sales;"
           "AdventureWorks_Sales_2016.csv=adventure_works_sales;"
           "AdventureWorks_Sales_2017.csv=adventure_works_sales;");
    assert_int_equal(g.n, 4);
    assert_true(g.sources[3].multi);
    assert_false(g.sources[0].multi);
    free(a);
    ungroup(&g);
}

static void test_group_folders(void **state)
{
    (void)state;
    static const char *const rels[] = {
        "customers.csv",   "misc/a.csv",          "misc/b.csv",  "orders/2023.csv",
        "orders/2024.csv", "orders/old/2019.csv", "sales_1.csv", NULL};
    static const char *const headers[] = {
        "customer_id,name", "x,y",    "p,q,r", "order_id,amount", "order_id,amount",
        "order_id,amount",  "sku,qty"};
    struct grouping g;
    group(&g, rels, headers);
    char *a = assignment(&g);
    /* orders/ (all compatible, nested too) is one source; misc/ is not; a lone file with
     * a digit keeps its own name. */
    assert_string_equal(a, "customers.csv=customers;misc/a.csv=a;misc/b.csv=b;"
                           "orders/2023.csv=orders;orders/2024.csv=orders;"
                           "orders/old/2019.csv=orders;sales_1.csv=sales_1;");
    free(a);
    ungroup(&g);
}

static void test_group_clashes_and_unknown_headers(void **state)
{
    (void)state;
    static const char *const rels[] = {"a/sales.csv", "b/sales.csv", "b/x.csv", "sales.csv",
                                       "z_1.csv",     "z_2.csv",     NULL};
    static const char *const headers[] = {"id,v", "k,w", "q", "m", "", ""};
    struct grouping g;
    group(&g, rels, headers);
    char *a = assignment(&g);
    /* Clashing names get suffixes in path order; files whose header is unknown are never
     * grouped. */
    assert_string_equal(a, "a/sales.csv=a;b/sales.csv=sales;b/x.csv=x;sales.csv=sales_2;"
                           "z_1.csv=z_1;z_2.csv=z_2;");
    free(a);
    ungroup(&g);
}

static void expect_role(const char *name, const char *type, long long distinct, long long rows,
                        const char *role, const char *agg)
{
    const char *got_agg;
    const char *got = ingest_guess_role(name, type, distinct, rows, &got_agg);
    if (strcmp(got, role) != 0 || strcmp(got_agg, agg) != 0)
        fail_msg("%s %s: role %s/%s, expected %s/%s", name, type, got, got_agg, role, agg);
}

static void test_roles(void **state)
{
    (void)state;
    expect_role("order_date", "DATE", 1000, 9994, "date", "");
    expect_role("sales", "DOUBLE", 5000, 9994, "measure", "sum");
    expect_role("quantity", "BIGINT", 14, 9994, "measure", "sum");
    expect_role("discount", "DOUBLE", 12, 9994, "measure", "avg");
    expect_role("priceeach", "DOUBLE", 871, 2823, "measure", "avg");
    expect_role("unit_price", "DECIMAL(10,2)", 100, 2155, "measure", "avg");
    expect_role("msrp", "BIGINT", 80, 2823, "measure", "avg");
    expect_role("row_id", "BIGINT", 9994, 9994, "identifier", "");
    expect_role("order_id", "VARCHAR", 5009, 9994, "identifier", "");
    expect_role("customer_key", "BIGINT", 18000, 56000, "identifier", "");
    expect_role("ordernumber", "BIGINT", 307, 2823, "identifier", "");
    expect_role("postal_code", "VARCHAR", 600, 9994, "identifier", "");
    expect_role("year_id", "BIGINT", 3, 2823, "dimension", "");
    expect_role("month", "INTEGER", 12, 2823, "dimension", "");
    expect_role("discontinued", "BIGINT", 2, 77, "dimension", "");
    expect_role("region", "VARCHAR", 4, 9994, "dimension", "");
    expect_role("product_name", "VARCHAR", 1850, 9994, "dimension", "");
    expect_role("email_address", "VARCHAR", 18000, 18148, "identifier", "");
    expect_role("corporate_rate", "DOUBLE", 10, 100, "measure", "avg");
    expect_role("return_quantity", "BIGINT", 2, 1809, "measure", "sum");
}

/* ---- Symbolic links ---- */

static void write_file(const char *dir, const char *rel, const char *text)
{
    char *path = sq_path_join(dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static void make_link(const char *dir, const char *rel, const char *target)
{
    char *path = sq_path_join(dir, rel);
    if (symlink(target, path) != 0)
        fail_msg("symlink %s -> %s failed", path, target);
    free(path);
}

/* The relative paths of the files a scan found, "a,b,c". */
static char *found(const struct scan_list *l)
{
    char *out = xstrdup("");
    for (size_t i = 0; i < l->n; i++) {
        char *next = xasprintf("%s%s%s", out, i ? "," : "", l->files[i].rel);
        free(out);
        out = next;
    }
    return out;
}

/* The reason rel was skipped for, or NULL. */
static const char *skipped_for(const struct scan_list *l, const char *rel)
{
    for (size_t i = 0; i < l->nskipped; i++)
        if (strcmp(l->skipped[i].rel, rel) == 0)
            return l->skipped[i].reason;
    return NULL;
}

static void expect_skipped(const struct scan_list *l, const char *rel, const char *part)
{
    const char *why = skipped_for(l, rel);
    if (!why || !strstr(why, part))
        fail_msg("%s: skipped for [%s], expected a reason with [%s]", rel,
                 why ? why : "(not skipped)", part);
}

struct links {
    char root[64];
    char *data;
    char *outside;
};

/* data/ holds sales.csv, a link to it, links out of the folder (to a file, to a folder of
 * data, to a text file), a dangling link, a loop of two links and a link back to a
 * parent folder. */
static int links_setup(void **state)
{
    struct links *k = xcalloc(1, sizeof *k);
    snprintf(k->root, sizeof k->root, "/tmp/salesql-scan-XXXXXX");
    assert_non_null(mkdtemp(k->root));
    k->data = sq_path_join(k->root, "data");
    k->outside = sq_path_join(k->root, "outside");
    struct sq_error err;
    char *sub = sq_path_join(k->data, "sub");
    char *more = sq_path_join(k->outside, "more");
    assert_int_equal(sq_mkdir_p(sub, &err), 0);
    assert_int_equal(sq_mkdir_p(more, &err), 0);
    write_file(k->data, "sales.csv", "region,amount\nWest,1\n");
    write_file(more, "secret.csv", "a\n1\n");
    write_file(k->outside, "notes.txt", "not data\n");
    write_file(k->outside, "private.csv", "a\n1\n");
    make_link(k->data, "inside.csv", "sales.csv");
    make_link(k->data, "private.csv", "../outside/private.csv");
    make_link(k->data, "more", more);
    make_link(k->data, "notes.txt", "../outside/notes.txt");
    make_link(k->data, "dangling.csv", "/nonexistent/x.csv");
    make_link(k->data, "loop_a.csv", "loop_b.csv");
    make_link(k->data, "loop_b.csv", "loop_a.csv");
    make_link(k->data, "sub/up", "..");
    free(sub);
    free(more);
    *state = k;
    return 0;
}

static int links_teardown(void **state)
{
    struct links *k = *state;
    sq_rm_rf(k->root);
    free(k->data);
    free(k->outside);
    free(k);
    return 0;
}

static void test_links_skipped(void **state)
{
    struct links *k = *state;
    struct scan_list l;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(scan_folder(k->data, 0, &l, &err), 0);
    /* A link inside the folder loads; the link back to data/ is cut, not walked again. */
    char *files = found(&l);
    assert_string_equal(files, "inside.csv,sales.csv");
    free(files);
    expect_skipped(&l, "private.csv", "outside the data folder; --follow-symlinks loads it");
    expect_skipped(&l, "more", "outside the data folder");
    expect_skipped(&l, "dangling.csv", "a symlink to /nonexistent/x.csv, which does not exist");
    expect_skipped(&l, "loop_a.csv", "loop of symlinks");
    expect_skipped(&l, "loop_b.csv", "loop of symlinks");
    expect_skipped(&l, "sub/up", "a folder it is in (a loop)");
    /* Not data either way: no warning. */
    assert_null(skipped_for(&l, "notes.txt"));
    assert_int_equal(l.nskipped, 6);
    scan_list_fini(&l);
}

static void test_links_followed(void **state)
{
    struct links *k = *state;
    struct scan_list l;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(scan_folder(k->data, SCAN_FOLLOW_SYMLINKS, &l, &err), 0);
    char *files = found(&l);
    assert_string_equal(files, "inside.csv,more/secret.csv,private.csv,sales.csv");
    free(files);
    assert_null(skipped_for(&l, "private.csv"));
    /* Loops are cut all the same. */
    expect_skipped(&l, "sub/up", "(a loop)");
    expect_skipped(&l, "loop_a.csv", "loop of symlinks");
    scan_list_fini(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snake),
        cmocka_unit_test(test_stems),
        cmocka_unit_test(test_compatible),
        cmocka_unit_test(test_group_adventureworks),
        cmocka_unit_test(test_group_folders),
        cmocka_unit_test(test_group_clashes_and_unknown_headers),
        cmocka_unit_test(test_roles),
        cmocka_unit_test_setup_teardown(test_links_skipped, links_setup, links_teardown),
        cmocka_unit_test_setup_teardown(test_links_followed, links_setup, links_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
