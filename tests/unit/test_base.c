/*
 * Unit tests for base/: bounded buffers, the JSON writer, arenas, result tables, errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"
#include "base/table.h"

#include <string.h>

static void test_buf_limit(void **state)
{
    (void)state;
    struct sq_buf b;
    sq_buf_init(&b, 8);
    assert_int_equal(sq_buf_puts(&b, "12345678"), 0);
    assert_int_equal(sq_buf_putc(&b, 'x'), SQ_E_TOO_BIG);
    assert_string_equal(b.data, "12345678");
    sq_buf_fini(&b);
}

static void test_buf_quoting(void **state)
{
    (void)state;
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_put_ident(&b, "a\"b");
    sq_buf_putc(&b, ' ');
    sq_buf_put_literal(&b, "it's");
    assert_string_equal(b.data, "\"a\"\"b\" 'it''s'");
    sq_buf_fini(&b);
}

static void test_json_writer(void **state)
{
    (void)state;
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "s");
    sq_jw_str(&w, "a\"\\\n\x01\xff");
    sq_jw_key(&w, "n");
    sq_jw_num_text(&w, "81754.2");
    sq_jw_key(&w, "bad");
    sq_jw_num_text(&w, "nan");
    sq_jw_key(&w, "d");
    sq_jw_double(&w, 0.1);
    sq_jw_key(&w, "a");
    sq_jw_arr_begin(&w);
    sq_jw_int(&w, -3);
    sq_jw_null(&w);
    sq_jw_bool(&w, 1);
    sq_jw_arr_end(&w);
    sq_jw_obj_end(&w);
    assert_int_equal(w.err, 0);
    assert_string_equal(b.data, "{\"s\":\"a\\\"\\\\\\n\\u0001\xEF\xBF\xBD\",\"n\":81754.2,"
                                "\"bad\":\"nan\",\"d\":0.1,\"a\":[-3,null,true]}");
    sq_buf_fini(&b);
}

static void test_json_number_grammar(void **state)
{
    (void)state;
    assert_true(sq_json_is_number("0"));
    assert_true(sq_json_is_number("-12.5e+3"));
    assert_false(sq_json_is_number("012"));
    assert_false(sq_json_is_number("1."));
    assert_false(sq_json_is_number("inf"));
    assert_false(sq_json_is_number(""));
}

static void test_arena(void **state)
{
    (void)state;
    struct sq_arena a;
    sq_arena_init(&a);
    char *big = sq_arena_alloc(&a, 100000);
    memset(big, 'x', 100000);
    char *s = sq_arena_strdup(&a, "hello");
    for (int i = 0; i < 10000; i++)
        sq_arena_strdup(&a, "some text to fill chunks");
    assert_string_equal(s, "hello");
    sq_arena_fini(&a);
}

static void test_table_json(void **state)
{
    (void)state;
    struct sq_table t;
    sq_table_init(&t);
    sq_table_add_column(&t, "region", "VARCHAR", 0);
    sq_table_add_column(&t, "sales", "DOUBLE", 1);
    size_t r = sq_table_add_row(&t);
    sq_table_set(&t, r, 0, SQ_CELL_TEXT, "West", 4);
    sq_table_set(&t, r, 1, SQ_CELL_NUMBER, "81754.2", 7);
    r = sq_table_add_row(&t);
    assert_int_equal(sq_table_find_column(&t, "SALES"), 1);
    assert_true(sq_table_cell(&t, 0, 1)->num == 81754.2);
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_table_write_json(&t, &w);
    sq_jw_obj_end(&w);
    assert_string_equal(b.data, "{\"columns\":[{\"name\":\"region\",\"type\":\"VARCHAR\"},"
                                "{\"name\":\"sales\",\"type\":\"DOUBLE\"}],"
                                "\"rows\":[[\"West\",81754.2],[null,null]],"
                                "\"row_count\":2,\"truncated\":false}");
    sq_buf_fini(&b);
    sq_table_fini(&t);
}

static void test_errors(void **state)
{
    (void)state;
    struct sq_error e;
    sq_error_clear(&e);
    assert_int_equal(sq_error_set(&e, SQ_E_REJECTED, 4, "no %s", "DROP"), SQ_E_REJECTED);
    assert_string_equal(e.msg, "no DROP");
    assert_int_equal(e.offset, 4);
    assert_int_equal(sq_exit_status(SQ_E_REJECTED), 4);
    assert_int_equal(sq_exit_status(SQ_E_UNSUPPORTED), 3);
    assert_int_equal(sq_exit_status(SQ_E_TIMEOUT), 5);
    assert_int_equal(sq_exit_status(SQ_E_USAGE), 2);
    assert_int_equal(sq_exit_status(SQ_OK), 0);
    /* The answer object's status, one mapping for the CLI, the pipeline and deep mode. */
    assert_string_equal(sq_error_status(SQ_OK), "ok");
    assert_string_equal(sq_error_status(SQ_E_REJECTED), "rejected");
    assert_string_equal(sq_error_status(SQ_E_UNKNOWN_NAME), "rejected");
    assert_string_equal(sq_error_status(SQ_E_UNSUPPORTED), "unsupported");
    assert_string_equal(sq_error_status(SQ_E_TIMEOUT), "error");
    assert_string_equal(sq_error_status(SQ_E_QUERY), "error");
    assert_string_equal(sq_error_name(SQ_E_TIMEOUT), "timeout");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_limit),   cmocka_unit_test(test_buf_quoting),
        cmocka_unit_test(test_json_writer), cmocka_unit_test(test_json_number_grammar),
        cmocka_unit_test(test_arena),       cmocka_unit_test(test_table_json),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
