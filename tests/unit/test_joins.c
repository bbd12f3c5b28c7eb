/*
 * Unit tests for join discovery (ingest/joins.c) and join paths (schema_join_path): small
 * CSV files in a temporary folder go through the real refresh (load, profile, discover),
 * then the schema snapshot is checked edge by edge, including the edges that must not
 * exist (quantities, flags, years and levels that fall inside an id range; floats; a key
 * with unknown values; a self reference).
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
#include "ingest/ingest.h"
#include "schema/schema.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
    char *root;
    char *data;
    char *db;
    struct store *store;
    struct schema *schema;
};

static void write_text(const char *dir, const char *name, const char *text)
{
    char *path = sq_path_join(dir, name);
    struct sq_error err;
    sq_error_clear(&err);
    if (sq_write_file(path, text, strlen(text), &err) != 0)
        fail_msg("cannot write %s: %s", path, err.msg);
    free(path);
}

/* A small Northwind-like set with every case the rules must get right or refuse. */
static void write_data(const char *dir)
{
    write_text(dir, "categories.csv",
               "category_id,category_name\n1,Beverages\n2,Condiments\n3,Confections\n4,Dairy\n"
               "5,Grains\n6,Meat\n7,Produce\n8,Seafood\n");
    /* Referenced as suppliers.id by products.supplier_id: <entity>_id -> id. */
    write_text(dir, "suppliers.csv",
               "id,company\n1,Exotic\n2,New Orleans\n3,Grandma\n4,Tokyo\n"
               "5,Cooperativa\n");
    /* reorder_level and discontinued fall inside the category and shipper ids. */
    write_text(dir, "products.csv",
               "product_id,product_name,supplier_id,category_id,unit_price,reorder_level,"
               "discontinued\n"
               "1,Chai,1,1,18.5,1,0\n2,Chang,1,1,19.25,2,1\n3,Syrup,1,2,10.5,3,0\n"
               "4,Cajun,2,2,22.5,4,0\n5,Gumbo,2,2,21.35,5,1\n6,Spread,3,3,25.5,6,0\n"
               "7,Pears,3,7,30.5,7,0\n8,Sauce,3,2,40.5,8,0\n9,Mutton,4,6,97.5,1,1\n"
               "10,Ikura,4,8,31.5,2,0\n11,Queso,5,4,21.5,3,0\n12,Manchego,5,4,38.5,4,0\n");
    write_text(dir, "customers.csv",
               "customer_id,name\nALFKI,Alfreds\nBONAP,Bon app\n"
               "CHOPS,Chop-suey\nDUMON,Du monde\nERNSH,Ernst\n");
    /* manager_employee_id ends with employee_id: a self reference, which is skipped. */
    write_text(dir, "employees.csv",
               "employee_id,name,manager_employee_id\n1,Davolio,2\n"
               "2,Fuller,\n3,Leverling,2\n4,Peacock,1\n");
    write_text(dir, "shippers.csv",
               "shipper_id,company_name\n1,Speedy\n2,United\n3,Federal\n"
               "4,Alliance\n");
    write_text(dir, "territories.csv",
               "sales_territory_key,region\n1,Northwest\n2,Northeast\n"
               "3,Central\n4,Southwest\n5,Southeast\n");
    /* A warehouse id for every number up to 2100: years and quantities all fall inside. */
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, "warehouse_id,city\n");
    for (int i = 1; i <= 2100; i++)
        sq_buf_printf(&b, "%d,City %d\n", i, i);
    write_text(dir, "warehouses.csv", b.data);
    /* Orders: employee_id has NULLs; ship_via names shippers only by its first word;
     * territory_key is the end of sales_territory_key; order_year is a year. */
    static const char *const cust[] = {"ALFKI", "BONAP", "CHOPS", "DUMON", "ERNSH"};
    sq_buf_reset(&b);
    sq_buf_puts(&b, "order_id,customer_id,employee_id,ship_via,territory_key,order_year,freight\n");
    for (int i = 0; i < 20; i++) {
        sq_buf_printf(&b, "%d,%s,", 100 + i, cust[i % 5]);
        if (i % 4 != 3)
            sq_buf_printf(&b, "%d", 1 + i % 4);
        sq_buf_printf(&b, ",%d,%d,%d,%d.25\n", 1 + i % 3, 1 + i % 5, 2019 + i % 3, 10 + i);
    }
    write_text(dir, "orders.csv", b.data);
    /* Order lines: quantity 1..8 lies inside every id range above. */
    sq_buf_reset(&b);
    sq_buf_puts(&b, "order_id,product_id,quantity,discount\n");
    for (int i = 0; i < 40; i++)
        sq_buf_printf(&b, "%d,%d,%d,%s\n", 100 + i % 20, 1 + i % 12, 1 + i % 8,
                      i % 3 ? "0" : "0.05");
    write_text(dir, "order_details.csv", b.data);
    /* Returns: one customer of five is unknown (80% contained: no edge). */
    write_text(dir, "returns.csv",
               "return_id,customer_id,product_id,return_quantity\n1,ALFKI,1,1\n2,BONAP,2,2\n"
               "3,CHOPS,3,1\n4,DUMON,4,3\n5,ZZZZZ,5,1\n6,ALFKI,6,2\n");
    /* A unique key holding only some customers: customers do not point at it. */
    write_text(dir, "customer_notes.csv",
               "customer_id,note\nALFKI,first\nBONAP,second\n"
               "CHOPS,third\n");
    /* Floating point keys never join, whatever their names and values. */
    write_text(dir, "tariffs.csv", "tariff_id,label\n1.5,low\n2.5,mid\n3.5,high\n");
    write_text(dir, "shipments.csv", "shipment_id,tariff_id\n1,1.5\n2,2.5\n3,1.5\n4,3.5\n");
    sq_buf_fini(&b);
}

static int refresh(struct fixture *f)
{
    struct ingest_options o = {.data_dir = f->data};
    char *staging = sq_path_join(f->root, "staging");
    o.staging_dir = staging;
    struct ingest_report rep;
    struct sq_error err;
    sq_error_clear(&err);
    int rc = ingest_refresh(f->store, &o, &rep, &err);
    if (rc)
        print_error("ingest_refresh: %s\n", err.msg);
    else if (rep.failed)
        print_error("%zu files failed: %s\n", rep.failed, rep.failures[0].error);
    int failed = (int)rep.failed;
    ingest_report_fini(&rep);
    free(staging);
    schema_free(f->schema);
    f->schema = NULL;
    if (!rc && (rc = schema_load(store_main(f->store), &f->schema, &err)) != 0)
        print_error("schema_load: %s\n", err.msg);
    return rc || failed;
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    char tmpl[] = "/tmp/salesql-joins-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    f->root = xstrdup(tmpl);
    f->data = sq_path_join(f->root, "data");
    f->db = sq_path_join(f->root, "test.duckdb");
    struct sq_error err;
    sq_error_clear(&err);
    if (sq_mkdir_p(f->data, &err) != 0)
        return -1;
    write_data(f->data);
    struct store_options so = {.path = f->db};
    if (store_open(&so, &f->store, &err) != 0) {
        print_error("store_open: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return refresh(f);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    schema_free(f->schema);
    store_close(f->store);
    sq_rm_rf(f->root);
    free(f->root);
    free(f->data);
    free(f->db);
    free(f);
    return 0;
}

static const struct schema_join *find_join(const struct schema *s, const char *from,
                                           const char *from_col, const char *to, const char *to_col)
{
    for (size_t i = 0; i < s->njoins; i++) {
        const struct schema_join *j = &s->joins[i];
        if (strcmp(j->from->source, from) == 0 && strcmp(j->from_col, from_col) == 0 &&
            strcmp(j->to->source, to) == 0 && strcmp(j->to_col, to_col) == 0)
            return j;
    }
    return NULL;
}

static void expect_join(const struct schema *s, const char *from, const char *from_col,
                        const char *to, const char *to_col, const char *rule)
{
    const struct schema_join *j = find_join(s, from, from_col, to, to_col);
    if (!j)
        fail_msg("no join %s.%s -> %s.%s", from, from_col, to, to_col);
    if (strcmp(j->rule, rule) != 0)
        fail_msg("join %s.%s -> %s.%s by rule %s, expected %s", from, from_col, to, to_col, j->rule,
                 rule);
    if (j->coverage < 0.99 || j->coverage > 1)
        fail_msg("join %s.%s -> %s.%s coverage %f", from, from_col, to, to_col, j->coverage);
}

static size_t joins_from(const struct schema *s, const char *from, const char *from_col)
{
    size_t n = 0;
    for (size_t i = 0; i < s->njoins; i++)
        n += strcmp(s->joins[i].from->source, from) == 0 &&
             strcmp(s->joins[i].from_col, from_col) == 0;
    return n;
}

static void print_joins(const struct schema *s)
{
    for (size_t i = 0; i < s->njoins; i++)
        print_message("  %s.%s -> %s.%s (%s, %.3f)\n", s->joins[i].from->source,
                      s->joins[i].from_col, s->joins[i].to->source, s->joins[i].to_col,
                      s->joins[i].rule, s->joins[i].coverage);
}

static void test_same_name(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    expect_join(s, "order_details", "order_id", "orders", "order_id", "same_name");
    expect_join(s, "order_details", "product_id", "products", "product_id", "same_name");
    expect_join(s, "products", "category_id", "categories", "category_id", "same_name");
    expect_join(s, "returns", "product_id", "products", "product_id", "same_name");
    /* Text keys. */
    expect_join(s, "orders", "customer_id", "customers", "customer_id", "same_name");
}

static void test_suffix_name(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    expect_join(s, "orders", "territory_key", "territories", "sales_territory_key", "name_suffix");
}

static void test_entity_key(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    expect_join(s, "products", "supplier_id", "suppliers", "id", "entity_key");
}

static void test_entity_name(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    expect_join(s, "orders", "ship_via", "shippers", "shipper_id", "entity_name");
}

static void test_nulls_in_foreign_key(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    expect_join(s, "orders", "employee_id", "employees", "employee_id", "same_name");
    assert_float_equal(find_join(s, "orders", "employee_id", "employees", "employee_id")->coverage,
                       1.0, 1e-9);
}

static void test_containment_fails(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    /* 4 of 5 customer ids of returns are known: same name, but no edge. */
    assert_int_equal(joins_from(s, "returns", "customer_id"), 0);
    /* customer_notes.customer_id is unique but holds 3 of the 5 customers: only the edge
     * from the notes to customers exists. */
    assert_int_equal(joins_from(s, "customers", "customer_id"), 0);
    expect_join(s, "customer_notes", "customer_id", "customers", "customer_id", "same_name");
}

static void test_no_false_edges(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    static const char *const none[][2] = {
        {"order_details", "quantity"}, {"order_details", "discount"},
        {"products", "reorder_level"}, {"products", "discontinued"},
        {"products", "unit_price"},    {"orders", "order_year"},
        {"orders", "freight"},         {"returns", "return_quantity"},
        {"shipments", "tariff_id"},    {"employees", "manager_employee_id"},
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        if (joins_from(s, none[i][0], none[i][1]) != 0) {
            print_joins(s);
            fail_msg("unexpected join from %s.%s", none[i][0], none[i][1]);
        }
    /* Exactly the expected edges, nothing else. */
    if (s->njoins != 10) {
        print_joins(s);
        fail_msg("%zu joins, expected 10", s->njoins);
    }
}

static void test_self_reference_skipped(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    for (size_t i = 0; i < s->njoins; i++)
        assert_ptr_not_equal(s->joins[i].from, s->joins[i].to);
}

static void test_edge_order(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    for (size_t i = 1; i < s->njoins; i++) {
        const struct schema_join *a = &s->joins[i - 1], *b = &s->joins[i];
        int c = strcmp(a->from->source, b->from->source);
        if (!c)
            c = strcmp(a->from_col, b->from_col);
        if (!c)
            c = strcmp(a->to->source, b->to->source);
        assert_true(c <= 0);
    }
}

static void test_path_two_hops(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    const struct schema_join *path[4];
    size_t len = 99;
    const struct schema_mart *od = schema_find_mart(s, "order_details");
    const struct schema_mart *cat = schema_find_mart(s, "mart_dyn_categories");
    assert_non_null(od);
    assert_non_null(cat);
    assert_int_equal(schema_join_path(s, od, cat, path, 4, &len), 0);
    assert_int_equal(len, 2);
    assert_ptr_equal(path[0]->from, od);
    assert_string_equal(path[0]->from_col, "product_id");
    assert_string_equal(path[0]->to->source, "products");
    assert_string_equal(path[1]->from_col, "category_id");
    assert_ptr_equal(path[1]->to, cat);
    /* Through orders to customers, and three hops capped at two. */
    assert_int_equal(schema_join_path(s, od, schema_find_mart(s, "customers"), path, 4, &len), 0);
    assert_int_equal(len, 2);
    assert_string_equal(path[0]->to->source, "orders");
    assert_string_equal(path[1]->to_col, "customer_id");
    assert_int_equal(schema_join_path(s, od, cat, path, 1, &len), SQ_E_NOT_FOUND);
    assert_int_equal(len, 0);
    /* A mart to itself: no edge needed. */
    assert_int_equal(schema_join_path(s, od, od, path, 4, &len), 0);
    assert_int_equal(len, 0);
}

static void test_path_wrong_direction(void **state)
{
    const struct schema *s = ((struct fixture *)*state)->schema;
    const struct schema_join *path[4];
    size_t len = 99;
    const struct schema_mart *od = schema_find_mart(s, "order_details");
    const struct schema_mart *cat = schema_find_mart(s, "categories");
    const struct schema_mart *prod = schema_find_mart(s, "products");
    /* Dimension to fact would multiply rows: never. */
    assert_int_equal(schema_join_path(s, cat, od, path, 4, &len), SQ_E_NOT_FOUND);
    assert_int_equal(len, 0);
    assert_int_equal(schema_join_path(s, cat, prod, path, 4, &len), SQ_E_NOT_FOUND);
    /* Two facts that share a dimension are not joined through it. */
    assert_int_equal(schema_join_path(s, schema_find_mart(s, "returns"), od, path, 4, &len),
                     SQ_E_NOT_FOUND);
    assert_int_equal(schema_join_path(s, schema_find_mart(s, "warehouses"), cat, path, 4, &len),
                     SQ_E_NOT_FOUND);
}

/* A later refresh recomputes the edges: a gone target takes its edge with it, and a
 * refresh with nothing changed keeps them. */
static void test_rediscovery(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(refresh(f), 0);
    assert_int_equal(f->schema->njoins, 10);
    char *path = sq_path_join(f->data, "shippers.csv");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(refresh(f), 0);
    assert_int_equal(joins_from(f->schema, "orders", "ship_via"), 0);
    assert_int_equal(f->schema->njoins, 9);
    write_text(f->data, "shippers.csv",
               "shipper_id,company_name\n1,Speedy\n2,United\n"
               "3,Federal\n4,Alliance\n");
    assert_int_equal(refresh(f), 0);
    expect_join(f->schema, "orders", "ship_via", "shippers", "shipper_id", "entity_name");
    free(path);
}

/* A database refreshed before join discovery existed has no salesql_joins. */
static void test_old_database(void **state)
{
    struct fixture *f = *state;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(store_exec(store_main(f->store), "DROP TABLE salesql_joins", &err), 0);
    struct schema *s = NULL;
    assert_int_equal(schema_load(store_main(f->store), &s, &err), 0);
    assert_int_equal(s->njoins, 0);
    assert_true(s->nmarts > 0);
    const struct schema_join *path[2];
    size_t len = 7;
    assert_int_equal(schema_join_path(s, schema_find_mart(s, "order_details"),
                                      schema_find_mart(s, "products"), path, 2, &len),
                     SQ_E_NOT_FOUND);
    schema_free(s);
    /* An old database has no discovery signature either: the next refresh recreates the
     * table and finds the edges, though no file changed. */
    assert_int_equal(store_exec(store_main(f->store),
                                "DELETE FROM salesql_meta WHERE key = 'joins_signature'", &err),
                     0);
    assert_int_equal(refresh(f), 0);
    assert_int_equal(f->schema->njoins, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_name),
        cmocka_unit_test(test_suffix_name),
        cmocka_unit_test(test_entity_key),
        cmocka_unit_test(test_entity_name),
        cmocka_unit_test(test_nulls_in_foreign_key),
        cmocka_unit_test(test_containment_fails),
        cmocka_unit_test(test_no_false_edges),
        cmocka_unit_test(test_self_reference_skipped),
        cmocka_unit_test(test_edge_order),
        cmocka_unit_test(test_path_two_hops),
        cmocka_unit_test(test_path_wrong_direction),
        cmocka_unit_test(test_rediscovery),
        cmocka_unit_test(test_old_database),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
