/*
 * Unit tests for the semantic model (model/model.c): a small order-taking data set (its
 * column names in the styles real files use) goes through the real refresh, then the model
 * is checked: which tables are entities and what names their rows, how they link (a role
 * from a column's name, a self reference), what kind each number is (money, count, price,
 * rate, an entity's own figure, a reference, a position that is no measure), the measures
 * computed where no column holds them, and the roles of dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "ingest/ingest.h"
#include "model/model.h"
#include "schema/schema.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
    char *root;
    struct store *store;
    struct schema *schema;
    struct sm_model *model;
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

static void write_data(const char *dir)
{
    write_text(
        dir, "staff.csv",
        "staffNumber,lastName,firstName,jobTitle,reportsTo,extension\n"
        "1,Ames,Dana,President,,101\n2,Bell,Eli,Sales Manager,1,102\n"
        "3,Cruz,Fay,Sales Rep,2,103\n4,Diaz,Gil,Sales Rep,2,104\n5,Egan,Hal,Sales Rep,2,105\n");
    write_text(
        dir, "clients.csv",
        "clientNumber,clientName,contactFirstName,contactLastName,city,accountRepStaffNumber,"
        "creditLimit\n"
        "10,Alpha Toys,Ann,Ray,Boston,3,50000\n11,Beta Gifts,Bob,Sun,Paris,4,72000.5\n"
        "12,Gamma Ltd,Cid,Tan,Boston,3,10000\n13,Delta Co,Dee,Uhl,Oslo,5,0\n");
    write_text(dir, "items.csv",
               "itemCode,itemName,buyPrice,listPrice,qtyInStock\n"
               "A1,Red Car,10.5,20,100\nA2,Blue Ship,30,55.5,7\nA3,Old Plane,12,25,40\n");
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, "orderNumber,orderDate,requiredDate,shippedDate,status,clientNumber\n");
    for (int i = 0; i < 12; i++)
        sq_buf_printf(&b, "%d,2024-0%d-01,2024-0%d-10,2024-0%d-0%d,Shipped,%d\n", 100 + i,
                      1 + i % 9, 1 + i % 9, 1 + i % 9, 2 + i % 8, 10 + i % 4);
    write_text(dir, "orders.csv", b.data);
    sq_buf_reset(&b);
    sq_buf_puts(&b, "orderNumber,itemCode,quantityOrdered,priceEach,discount,orderLineNumber\n");
    for (int i = 0; i < 24; i++)
        sq_buf_printf(&b, "%d,A%d,%d,%.2f,%s,%d\n", 100 + i / 2, 1 + i % 3, 1 + i % 7, 19.5 + i % 5,
                      i % 3 ? "0" : "0.1", 1 + i % 2);
    write_text(dir, "orderlines.csv", b.data);
    sq_buf_fini(&b);
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    char tmpl[] = "/tmp/salesql-model-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    f->root = xstrdup(tmpl);
    char *data = sq_path_join(f->root, "data");
    char *db = sq_path_join(f->root, "test.duckdb");
    char *staging = sq_path_join(f->root, "staging");
    struct sq_error err;
    sq_error_clear(&err);
    int rc = sq_mkdir_p(data, &err);
    if (!rc) {
        write_data(data);
        struct store_options so = {.path = db};
        rc = store_open(&so, &f->store, &err);
    }
    struct ingest_report rep;
    memset(&rep, 0, sizeof rep);
    if (!rc) {
        struct ingest_options o = {.data_dir = data, .staging_dir = staging};
        rc = ingest_refresh(f->store, &o, &rep, &err) || rep.failed;
        ingest_report_fini(&rep);
    }
    if (!rc)
        rc = schema_load(store_main(f->store), &f->schema, &err);
    if (rc)
        print_error("setup: %s\n", err.msg);
    else
        f->model = sm_model_build(f->schema);
    free(data);
    free(db);
    free(staging);
    *state = f;
    return rc ? -1 : 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sm_model_free(f->model);
    schema_free(f->schema);
    store_close(f->store);
    sq_rm_rf(f->root);
    free(f->root);
    free(f);
    return 0;
}

static const struct sm_entity *entity(const struct fixture *f, const char *source)
{
    for (size_t i = 0; i < f->model->nentities; i++)
        if (strcmp(f->model->entities[i].mart->source, source) == 0)
            return &f->model->entities[i];
    fail_msg("no entity for %s", source);
    return NULL;
}

static const struct sm_measure *measure(const struct fixture *f, const char *source,
                                        const char *name)
{
    for (size_t i = 0; i < f->model->nmeasures; i++) {
        const struct sm_measure *x = &f->model->measures[i];
        if (strcmp(x->mart->source, source) == 0 && strcmp(x->name, name) == 0)
            return x;
    }
    return NULL;
}

static void expect_kind(const struct fixture *f, const char *source, const char *name,
                        enum sm_kind kind, const char *agg)
{
    const struct sm_measure *x = measure(f, source, name);
    if (!x)
        fail_msg("no measure %s of %s", name, source);
    if (x->kind != kind || strcmp(x->agg, agg) != 0)
        fail_msg("%s of %s is %s (%s), expected %s (%s)", name, source, sm_kind_name(x->kind),
                 x->agg, sm_kind_name(kind), agg);
}

static void test_entities(void **state)
{
    const struct fixture *f = *state;
    const struct sm_entity *c = entity(f, "clients");
    assert_string_equal(c->noun, "client");
    assert_non_null(c->key);
    assert_string_equal(c->key->name, "client_number");
    /* The client's own name, not its contact's. */
    assert_int_equal(c->nlabel, 1);
    assert_string_equal(c->label[0]->name, "client_name");
    const struct sm_entity *s = entity(f, "staff");
    assert_string_equal(s->key->name, "staff_number");
    assert_int_equal(s->nlabel, 2);
    assert_string_equal(s->label[0]->name, "first_name");
    assert_string_equal(s->label[1]->name, "last_name");
    /* "orderlines" is split where another table's noun ends; its rows are lines. */
    const struct sm_entity *l = entity(f, "orderlines");
    assert_string_equal(l->noun, "order line");
    assert_null(l->key);
    assert_string_equal(entity(f, "items")->label[0]->name, "item_name");
}

static void test_links(void **state)
{
    const struct fixture *f = *state;
    int rep = 0, manager = 0, plain = 0;
    for (size_t i = 0; i < f->model->nlinks; i++) {
        const struct sm_link *l = &f->model->links[i];
        if (strcmp(l->from_col, "account_rep_staff_number") == 0) {
            assert_string_equal(l->to->mart->source, "staff");
            assert_string_equal(l->role, "account rep");
            rep++;
        } else if (strcmp(l->from_col, "reports_to") == 0) {
            assert_true(l->self);
            assert_string_equal(l->to_col, "staff_number");
            assert_string_equal(l->role, "manager");
            manager++;
        } else if (strcmp(l->from_col, "client_number") == 0) {
            assert_string_equal(l->role, "");
            plain++;
        }
    }
    assert_int_equal(rep, 1);
    assert_int_equal(manager, 1);
    assert_int_equal(plain, 1);
}

static void test_measure_kinds(void **state)
{
    const struct fixture *f = *state;
    expect_kind(f, "orderlines", "quantity_ordered", SM_COUNT, "sum");
    expect_kind(f, "orderlines", "price_each", SM_PRICE, "avg");
    expect_kind(f, "orderlines", "discount", SM_RATE, "avg");
    expect_kind(f, "clients", "credit_limit", SM_LEVEL, "sum");
    expect_kind(f, "items", "buy_price", SM_PRICE, "avg");
    expect_kind(f, "items", "qty_in_stock", SM_LEVEL, "sum");
    expect_kind(f, "staff", "reports_to", SM_REFERENCE, "");
    /* A line's position is no measure at all. */
    assert_null(measure(f, "orderlines", "order_line_number"));
}

static void test_computed(void **state)
{
    const struct fixture *f = *state;
    const struct sm_measure *r = measure(f, "orderlines", "revenue");
    assert_non_null(r);
    assert_null(r->col);
    assert_string_equal(r->sql, "m.\"quantity_ordered\" * m.\"price_each\" * (1 - m.\"discount\")");
    assert_string_equal(r->formula, "quantity_ordered × price_each × (1 − discount)");
    const struct sm_measure *c = measure(f, "orderlines", "cost");
    assert_non_null(c);
    assert_string_equal(c->sql, "m.\"quantity_ordered\" * j.\"buy_price\"");
    assert_non_null(c->link);
    assert_string_equal(c->link->to->mart->source, "items");
    const struct sm_measure *p = measure(f, "orderlines", "profit");
    assert_non_null(p);
    assert_non_null(strstr(p->sql, " - m.\"quantity_ordered\" * j.\"buy_price\""));
    /* Orders hold no counts or prices: nothing is computed there. */
    assert_null(measure(f, "orders", "revenue"));
}

static void test_dates(void **state)
{
    const struct fixture *f = *state;
    const struct schema_mart *orders = schema_find_mart(f->schema, "mart_dyn_orders");
    assert_non_null(orders);
    assert_int_equal(sm_date_role_of(f->model, schema_find_column(orders, "order_date")),
                     SM_DATE_ORDERED);
    assert_int_equal(sm_date_role_of(f->model, schema_find_column(orders, "required_date")),
                     SM_DATE_REQUIRED);
    assert_int_equal(sm_date_role_of(f->model, schema_find_column(orders, "shipped_date")),
                     SM_DATE_SHIPPED);
    const struct schema_column *sh, *rq;
    assert_true(sm_late_rule(f->model, orders, &sh, &rq));
    assert_string_equal(sh->name, "shipped_date");
    assert_string_equal(rq->name, "required_date");
}

static void test_json(void **state)
{
    const struct fixture *f = *state;
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sm_model_write_json(f->model, &w);
    assert_false(w.err);
    assert_non_null(strstr(b.data, "\"entities\":["));
    assert_non_null(strstr(b.data, "\"role\":\"account rep\""));
    assert_non_null(strstr(b.data, "\"late\":\"shipped_date > required_date\""));
    assert_non_null(
        strstr(b.data, "\"formula\":\"quantity_ordered × price_each × (1 − discount)\""));
    sq_buf_fini(&b);
}

/* An empty schema (nothing loaded yet) gives an empty model. */
static void test_empty(void **state)
{
    (void)state;
    struct schema empty;
    memset(&empty, 0, sizeof empty);
    struct sm_model *m = sm_model_build(&empty);
    assert_int_equal(m->nentities, 0);
    assert_int_equal(m->nmeasures, 0);
    sm_model_free(m);
    sm_model_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entities),      cmocka_unit_test(test_links),
        cmocka_unit_test(test_measure_kinds), cmocka_unit_test(test_computed),
        cmocka_unit_test(test_dates),         cmocka_unit_test(test_json),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
