/*
 * Unit tests for nlsql/'s pure parts and answer/compare.c: calendar arithmetic and
 * result-table comparison. Whole questions are tested end to end by
 * tests/e2e/test_eval.sh and test_ask.sh; the tokenizer by test_lexicon.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "answer/compare.h"
#include "base/error.h"
#include "base/table.h"
#include "nlsql/internal.h"

#include <string.h>

static void test_calendar(void **state)
{
    (void)state;
    struct nl_date d = {2016, 2, 29};
    assert_int_equal(nl__days((struct nl_date){1970, 1, 1}), 0);
    struct nl_date back = nl__from_days(nl__days(d));
    assert_true(back.y == 2016 && back.m == 2 && back.d == 29);
    struct nl_date next = nl__add_months((struct nl_date){2017, 1, 31}, 1);
    assert_true(next.y == 2017 && next.m == 2 && next.d == 28);
    struct nl_date prev = nl__add_months((struct nl_date){2017, 3, 1}, -14);
    assert_true(prev.y == 2016 && prev.m == 1 && prev.d == 1);
    assert_int_equal(nl__month_of("sept"), 9);
    assert_int_equal(nl__month_of("march"), 3);
    assert_int_equal(nl__month_of("marching"), 0);
    assert_string_equal(nl__month_name(12), "December");
    struct nl_date p;
    assert_int_equal(nl__parse_date("2017-12-30", &p), 0);
    assert_true(p.y == 2017 && p.m == 12 && p.d == 30);
    assert_int_not_equal(nl__parse_date("30/12/2017", &p), 0);
    assert_int_not_equal(nl__parse_date(NULL, &p), 0);
}

static void row(struct sq_table *t, const char *a, const char *b)
{
    size_t r = sq_table_add_row(t);
    sq_table_set(t, r, 0, SQ_CELL_TEXT, a, strlen(a));
    sq_table_set(t, r, 1, SQ_CELL_NUMBER, b, strlen(b));
}

static void test_compare(void **state)
{
    (void)state;
    struct sq_table gold, got;
    sq_table_init(&gold);
    sq_table_init(&got);
    sq_table_add_column(&gold, "region", "VARCHAR", 0);
    sq_table_add_column(&gold, "sum(sales)", "DOUBLE", 1);
    row(&gold, "West", "725457.82");
    row(&gold, "East", "678781.24");
    /* Ours: other names, another order, an extra column, a rounding difference. */
    sq_table_add_column(&got, "sales", "DOUBLE", 1);
    sq_table_add_column(&got, "region", "VARCHAR", 0);
    sq_table_add_column(&got, "orders", "BIGINT", 1);
    size_t r = sq_table_add_row(&got);
    sq_table_set(&got, r, 0, SQ_CELL_NUMBER, "678781.2400000001", 17);
    sq_table_set(&got, r, 1, SQ_CELL_TEXT, "East", 4);
    sq_table_set(&got, r, 2, SQ_CELL_NUMBER, "5", 1);
    r = sq_table_add_row(&got);
    sq_table_set(&got, r, 0, SQ_CELL_NUMBER, "725457.82", 9);
    sq_table_set(&got, r, 1, SQ_CELL_TEXT, "West", 4);
    sq_table_set(&got, r, 2, SQ_CELL_NUMBER, "7", 1);
    char why[200];
    assert_true(answer_tables_match(&got, &gold, 0, why, sizeof why));
    assert_false(answer_tables_match(&got, &gold, 1, why, sizeof why));
    assert_non_null(strstr(why, "order"));
    /* Same values, rows paired wrongly: not a match. */
    sq_table_set(&got, 0, 1, SQ_CELL_TEXT, "West", 4);
    sq_table_set(&got, 1, 1, SQ_CELL_TEXT, "East", 4);
    assert_false(answer_tables_match(&got, &gold, 0, why, sizeof why));
    sq_table_fini(&got);
    sq_table_init(&got);
    sq_table_add_column(&got, "region", "VARCHAR", 0);
    row(&got, "West", "1");
    assert_false(answer_tables_match(&got, &gold, 0, why, sizeof why));
    assert_non_null(strstr(why, "rows"));
    sq_table_fini(&got);
    sq_table_fini(&gold);
    assert_true(answer_sql_sorts("SELECT a FROM t ORDER BY a"));
    assert_false(answer_sql_sorts("SELECT a, row_number() OVER (ORDER BY a) FROM t"));
    assert_false(answer_sql_sorts("SELECT 'ORDER BY' FROM t"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
