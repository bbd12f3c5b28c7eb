/*
 * Unit tests for answer/chart.c: the Vega-Lite spec chosen for each shape (mark type and
 * encodings), that it parses as JSON (jansson), that the inlined data round-trips from the
 * table (numbers stay numbers, NULL stays null), that awkward column names are escaped,
 * and the cases that get no chart (wide tables, no measure, too many rows).
 *
 * With SALESQL_CHART_DUMP=DIR set, every spec built here is also written to DIR/NAME.json,
 * so it can be checked against the Vega-Lite schema and rendered outside the build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "answer/shape.h"
#include "base/table.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns: "name" is text, "#name" a number column (DOUBLE), "@name" a DATE. */
static void columns(struct sq_table *t, ...)
{
    sq_table_init(t);
    va_list ap;
    va_start(ap, t);
    for (const char *c = va_arg(ap, const char *); c; c = va_arg(ap, const char *)) {
        if (c[0] == '#')
            sq_table_add_column(t, c + 1, "DOUBLE", 1);
        else if (c[0] == '@')
            sq_table_add_column(t, c + 1, "DATE", 0);
        else
            sq_table_add_column(t, c, "VARCHAR", 0);
    }
    va_end(ap);
}

static void row(struct sq_table *t, ...)
{
    size_t r = sq_table_add_row(t);
    va_list ap;
    va_start(ap, t);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *v = va_arg(ap, const char *);
        if (v)
            sq_table_set(t, r, c, t->cols[c].numeric ? SQ_CELL_NUMBER : SQ_CELL_TEXT, v, strlen(v));
    }
    va_end(ap);
}

static struct result_shape shape(enum shape_kind kind, int dim, int measure)
{
    struct result_shape s = {.kind = kind,
                             .dims = {dim, -1},
                             .time_dim = -1,
                             .grain = GRAIN_NONE,
                             .measure = measure,
                             .measure2 = -1,
                             .growth = -1,
                             .measure_label = "total sales",
                             .unit = ""};
    return s;
}

static void regions(struct sq_table *t)
{
    columns(t, "region", "#sales", NULL);
    row(t, "West", "725457.82");
    row(t, "East", "678781.24");
    row(t, "Central", "501239.89");
    row(t, "South", "391721.91");
}

static void dump(const char *name, const char *spec)
{
    const char *dir = getenv("SALESQL_CHART_DUMP");
    if (!dir || !spec)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(spec, f);
        fclose(f);
    }
}

/* Builds the chart, checks what every spec must have, and returns it parsed. */
static json_t *chart(const char *name, const struct sq_table *t, const struct result_shape *s)
{
    char *spec = chart_build(t, s);
    assert_non_null(spec);
    dump(name, spec);
    json_error_t err;
    json_t *j = json_loads(spec, 0, &err);
    if (!j)
        fprintf(stderr, "%s: %s\n%s\n", name, err.text, spec);
    assert_non_null(j);
    free(spec);
    assert_string_equal(json_string_value(json_object_get(j, "$schema")),
                        "https://vega.github.io/schema/vega-lite/v5.json");
    assert_string_equal(json_string_value(json_object_get(j, "width")), "container");
    assert_non_null(json_string_value(json_object_get(j, "title")));
    json_t *tooltip = json_object_get(json_object_get(j, "encoding"), "tooltip");
    assert_true(json_is_array(tooltip));
    assert_true(json_array_size(tooltip) >= t->ncols);
    return j;
}

static const char *mark(json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "mark"), "type"));
}

static json_t *enc(json_t *j, const char *channel)
{
    return json_object_get(json_object_get(j, "encoding"), channel);
}

static const char *enc_str(json_t *j, const char *channel, const char *what)
{
    return json_string_value(json_object_get(enc(j, channel), what));
}

static json_t *values(json_t *j)
{
    return json_object_get(json_object_get(j, "data"), "values");
}

/* Every data row carries every cell of its table row: numbers as JSON numbers equal to
 * the cell, text as strings, NULL as null. */
static void assert_round_trip(json_t *j, const struct sq_table *t, size_t rows)
{
    json_t *v = values(j);
    assert_int_equal(json_array_size(v), rows);
    for (size_t r = 0; r < rows; r++) {
        json_t *obj = json_array_get(v, r);
        for (size_t c = 0; c < t->ncols; c++) {
            const struct sq_cell *cell = sq_table_cell(t, r, c);
            json_t *x = json_object_get(obj, t->cols[c].name);
            assert_non_null(x);
            if (cell->kind == SQ_CELL_NULL) {
                assert_true(json_is_null(x));
            } else if (cell->kind == SQ_CELL_NUMBER) {
                assert_true(json_is_number(x));
                assert_true(json_number_value(x) == cell->num);
            } else {
                assert_string_equal(json_string_value(x), cell->text);
            }
        }
    }
}

/* ---- One chart per shape ---------------------------------------------------------- */

static void test_bar_breakdown(void **state)
{
    (void)state;
    struct sq_table t;
    regions(&t);
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    s.descending = 1;
    json_t *j = chart("bar_regions", &t, &s);
    assert_string_equal(mark(j), "bar");
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Total sales by region");
    /* Four short names: vertical bars, in the rows' order. */
    assert_string_equal(enc_str(j, "x", "field"), "region");
    assert_string_equal(enc_str(j, "x", "type"), "nominal");
    assert_true(json_is_null(json_object_get(enc(j, "x"), "sort")));
    assert_string_equal(enc_str(j, "y", "field"), "sales");
    assert_string_equal(enc_str(j, "y", "type"), "quantitative");
    assert_string_equal(enc_str(j, "y", "title"), "total sales");
    assert_round_trip(j, &t, 4);
    json_decref(j);
    sq_table_fini(&t);
}

static void test_bar_top_n_horizontal(void **state)
{
    (void)state;
    static const char *const states[][2] = {
        {"California", "457687.63"}, {"New York", "310876.27"},     {"Texas", "170188.05"},
        {"Washington", "138641.27"}, {"Pennsylvania", "116511.91"}, {"Florida", "89473.71"},
        {"Illinois", "80166.1"},     {"Ohio", "78258.14"},
    };
    struct sq_table t;
    columns(&t, "state", "#sales", NULL);
    for (size_t i = 0; i < 8; i++)
        row(&t, states[i][0], states[i][1]);
    struct result_shape s = shape(SHAPE_TOP, 0, 1);
    s.descending = 1;
    s.limit = 8;
    json_t *j = chart("bar_top_states", &t, &s);
    assert_string_equal(mark(j), "bar");
    assert_string_equal(enc_str(j, "y", "field"), "state");
    assert_true(json_is_null(json_object_get(enc(j, "y"), "sort"))); /* rank order */
    assert_string_equal(enc_str(j, "x", "field"), "sales");
    assert_round_trip(j, &t, 8);
    json_decref(j);
    sq_table_fini(&t);
}

static void test_share_bar(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "category", "#sales", "#sales_share_pct", NULL);
    row(&t, "Technology", "836154.03", "36.4");
    row(&t, "Furniture", "741999.8", "32.3");
    row(&t, "Office Supplies", "719047.03", "31.3");
    struct result_shape s = shape(SHAPE_SHARE, 0, 2);
    s.unit = "%";
    s.measure_label = "share of sales";
    json_t *j = chart("bar_share", &t, &s);
    assert_string_equal(mark(j), "bar");
    assert_string_equal(enc_str(j, "y", "field"), "category"); /* a long name: horizontal */
    assert_string_equal(enc_str(j, "x", "field"), "sales_share_pct");
    assert_string_equal(enc_str(j, "x", "title"), "share of sales (%)");
    json_decref(j);
    sq_table_fini(&t);
}

static void test_line_year_month(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#year", "#month", "#sales", NULL);
    row(&t, "2016", "1", "18542.49");
    row(&t, "2016", "2", "22978.82");
    row(&t, "2016", "3", NULL);
    row(&t, "2016", "4", "38750.04");
    struct result_shape s = shape(SHAPE_TREND, 0, 2);
    s.dims[1] = 1;
    s.time_dim = 1;
    s.grain = GRAIN_MONTH;
    json_t *j = chart("line_year_month", &t, &s);
    assert_string_equal(mark(j), "line");
    assert_true(json_is_true(json_object_get(json_object_get(j, "mark"), "point")));
    assert_string_equal(enc_str(j, "x", "field"), "period");
    assert_string_equal(enc_str(j, "x", "type"), "ordinal");
    assert_string_equal(enc_str(j, "y", "field"), "sales");
    assert_round_trip(j, &t, 4);
    json_t *third = json_array_get(values(j), 2);
    assert_string_equal(json_string_value(json_object_get(third, "period")), "2016-03");
    assert_true(json_is_null(json_object_get(third, "sales")));
    json_decref(j);
    sq_table_fini(&t);
}

static void test_line_month_names(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#month", "#period", "#sales", NULL); /* "period" is taken */
    row(&t, "1", "7", "94924.84");
    row(&t, "2", "7", "59751.25");
    struct result_shape s = shape(SHAPE_TREND, 0, 2);
    s.time_dim = 0;
    s.grain = GRAIN_MONTH;
    json_t *j = chart("line_month_names", &t, &s);
    assert_string_equal(enc_str(j, "x", "field"), "period 2");
    json_t *first = json_array_get(values(j), 0);
    assert_string_equal(json_string_value(json_object_get(first, "period 2")), "Jan");
    assert_round_trip(j, &t, 2);
    json_decref(j);
    sq_table_fini(&t);
}

/* A series ordered by the measure is drawn in time order all the same. */
static void test_line_reordered(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#month", "#sales", NULL);
    row(&t, "3", "205005.49");
    row(&t, "1", "94924.84");
    row(&t, "2", "59751.25");
    struct result_shape s = shape(SHAPE_TREND, 0, 1);
    s.time_dim = 0;
    s.grain = GRAIN_MONTH;
    s.descending = 1;
    json_t *j = chart("line_reordered_months", &t, &s);
    json_t *sort = json_object_get(enc(j, "x"), "sort");
    assert_string_equal(json_string_value(json_object_get(sort, "field")), "month");
    assert_string_equal(json_string_value(json_object_get(sort, "op")), "min");
    json_decref(j);
    sq_table_fini(&t);

    columns(&t, "#year", "#sales", NULL);
    row(&t, "2017", "733215.26");
    row(&t, "2014", "484247.5");
    s.grain = GRAIN_YEAR;
    j = chart("line_reordered_years", &t, &s);
    assert_string_equal(enc_str(j, "x", "sort"), "ascending");
    json_decref(j);
    sq_table_fini(&t);
}

static void test_line_dates(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "@month", "#sales", NULL);
    row(&t, "2016-11-01", "79411.97");
    row(&t, "2016-12-01", "96999.04");
    row(&t, "2017-01-01", "43971.37");
    struct result_shape s = shape(SHAPE_TREND, 0, 1);
    s.time_dim = 0;
    s.grain = GRAIN_MONTH;
    json_t *j = chart("line_dates", &t, &s);
    assert_string_equal(mark(j), "line");
    assert_string_equal(enc_str(j, "x", "field"), "month");
    assert_string_equal(enc_str(j, "x", "type"), "temporal");
    assert_string_equal(enc_str(j, "x", "timeUnit"), "utcyearmonth");
    assert_round_trip(j, &t, 3);
    json_decref(j);
    sq_table_fini(&t);
}

static void test_line_per_category(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#year", "segment", "#sales", NULL);
    row(&t, "2016", "Consumer", "296863.88");
    row(&t, "2016", "Corporate", "207106.36");
    row(&t, "2017", "Consumer", "331904.7");
    row(&t, "2017", "Corporate", "241847.82");
    struct result_shape s = shape(SHAPE_TREND, 0, 2);
    s.dims[1] = 1;
    s.time_dim = 0;
    s.grain = GRAIN_YEAR;
    json_t *j = chart("line_per_segment", &t, &s);
    assert_string_equal(mark(j), "line");
    assert_string_equal(enc_str(j, "x", "field"), "year");
    assert_string_equal(enc_str(j, "x", "type"), "ordinal");
    assert_string_equal(enc_str(j, "color", "field"), "segment");
    json_decref(j);
    sq_table_fini(&t);
}

static void test_two_dimensions(void **state)
{
    (void)state;
    static const char *const regions4[] = {"Central", "East", "South", "West"};
    static const char *const cats[] = {"Furniture", "Office Supplies", "Technology"};
    struct sq_table t;
    columns(&t, "region", "category", "#sales", NULL);
    for (size_t i = 0; i < 12; i++) {
        char v[32];
        snprintf(v, sizeof v, "%zu.5", 100000 + i * 12345);
        row(&t, regions4[i / 3], cats[i % 3], v);
    }
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 2);
    s.dims[1] = 1;
    json_t *j = chart("grouped_region_category", &t, &s);
    assert_string_equal(mark(j), "bar");
    assert_string_equal(enc_str(j, "x", "field"), "region");
    assert_string_equal(enc_str(j, "xOffset", "field"), "category");
    assert_string_equal(enc_str(j, "color", "field"), "category");
    assert_string_equal(enc_str(j, "y", "field"), "sales");
    assert_round_trip(j, &t, 12);
    json_decref(j);
    sq_table_fini(&t);

    /* Too many bars for groups: a heat map. */
    columns(&t, "state", "sub_category", "#sales", NULL);
    for (size_t i = 0; i < 80; i++) {
        char st[32], sc[32];
        snprintf(st, sizeof st, "State %zu", i / 16);
        snprintf(sc, sizeof sc, "Sub %zu", i % 16);
        row(&t, st, sc, "12.5");
    }
    j = chart("heatmap", &t, &s);
    assert_string_equal(mark(j), "rect");
    assert_string_equal(enc_str(j, "x", "field"), "sub_category");
    assert_string_equal(enc_str(j, "y", "field"), "state");
    assert_string_equal(enc_str(j, "color", "field"), "sales");
    assert_string_equal(enc_str(j, "color", "type"), "quantitative");
    json_decref(j);
    sq_table_fini(&t);
}

static void test_comparison(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "region", "#sales_2016", "#sales_2017", "#change_pct", NULL);
    row(&t, "West", "187480.18", "250128.37", "33.4");
    row(&t, "East", "180685.82", "213082.91", "17.9");
    row(&t, "Central", "102874.22", NULL, NULL);
    struct result_shape s = shape(SHAPE_COMPARISON, 0, 1);
    s.measure2 = 2;
    s.growth = 3;
    json_t *j = chart("compare_regions", &t, &s);
    assert_string_equal(mark(j), "bar");
    json_t *fold = json_object_get(json_array_get(json_object_get(j, "transform"), 0), "fold");
    assert_int_equal(json_array_size(fold), 2);
    assert_string_equal(json_string_value(json_array_get(fold, 0)), "sales_2016");
    assert_string_equal(json_string_value(json_array_get(fold, 1)), "sales_2017");
    assert_string_equal(enc_str(j, "x", "field"), "region");
    assert_string_equal(enc_str(j, "xOffset", "field"), "period");
    assert_string_equal(enc_str(j, "color", "field"), "period");
    assert_string_equal(enc_str(j, "y", "field"), "value");
    assert_round_trip(j, &t, 3);
    json_decref(j);
    /* No measure words: the name the period columns share. */
    s.measure_label = "";
    j = chart("compare_regions_unlabelled", &t, &s);
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Sales by region");
    assert_string_equal(enc_str(j, "y", "title"), "sales");
    json_decref(j);
    sq_table_fini(&t);
}

static void test_total_number(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#sales", "#profit", NULL);
    row(&t, "2297200.86", "286397.02");
    struct result_shape s = shape(SHAPE_TOTAL, -1, 0);
    json_t *j = chart("total", &t, &s);
    assert_string_equal(mark(j), "text");
    assert_string_equal(enc_str(j, "text", "field"), "sales");
    assert_string_equal(enc_str(j, "text", "format"), ",.0f");
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Total sales");
    assert_round_trip(j, &t, 1);
    json_decref(j);
    /* A total that is NULL has no number to show. */
    sq_table_set(&t, 0, 0, SQ_CELL_NULL, NULL, 0);
    assert_null(chart_build(&t, &s));
    sq_table_fini(&t);
}

/* ---- Names, values and limits ------------------------------------------------------ */

static void test_weird_names_escaped(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "a.b [\"c\"]", "#x\\y.z", "#x\\y.z", NULL);
    sq_table_add_column(&t, "", "VARCHAR", 0);
    row(&t, "it's \"quoted\"\n", "1.5", "-2", "tab\there");
    row(&t, "\xff\xfe", "1e300", NULL, NULL);
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    s.measure_label = "odd \"measure\" \\ label";
    s.dims[1] = -1;
    char *spec = chart_build(&t, &s);
    assert_non_null(spec);
    dump("weird_names", spec);
    json_t *j = json_loads(spec, 0, NULL);
    assert_non_null(j);
    /* Data keys are the names as they are (the duplicate and the empty one renamed, and a
     * backslash, which Vega-Lite cannot reference, made "_"). */
    json_t *first = json_array_get(values(j), 0);
    assert_non_null(json_object_get(first, "a.b [\"c\"]"));
    assert_true(json_number_value(json_object_get(first, "x_y.z")) == 1.5);
    assert_true(json_number_value(json_object_get(first, "x_y.z 2")) == -2);
    assert_string_equal(json_string_value(json_object_get(first, "column")), "tab\there");
    json_t *second = json_array_get(values(j), 1);
    assert_string_equal(json_string_value(json_object_get(second, "a.b [\"c\"]")),
                        "\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_true(json_number_value(json_object_get(second, "x_y.z")) == 1e300);
    /* Fields escape what Vega-Lite would read as a path (long names: horizontal bars). */
    assert_string_equal(enc_str(j, "y", "field"), "a\\.b \\[\\\"c\\\"\\]");
    assert_string_equal(enc_str(j, "x", "field"), "x_y\\.z");
    assert_string_equal(enc_str(j, "x", "title"), "odd \"measure\" \\ label");
    json_decref(j);
    free(spec);
    sq_table_fini(&t);
}

/* The folded comparison refers to its period columns by field too. */
static void test_weird_names_compare(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "it's a \"region\"", "#sales.2016", "#sales[2017]", "#value", NULL);
    row(&t, "West", "187480.18", "250128.37", "33.4");
    row(&t, "East", "180685.82", "213082.91", "17.9");
    struct result_shape s = shape(SHAPE_COMPARISON, 0, 1);
    s.measure2 = 2;
    s.growth = 3;
    json_t *j = chart("compare_weird_names", &t, &s);
    json_t *fold = json_object_get(json_array_get(json_object_get(j, "transform"), 0), "fold");
    assert_string_equal(json_string_value(json_array_get(fold, 0)), "sales\\.2016");
    assert_string_equal(json_string_value(json_array_get(fold, 1)), "sales\\[2017\\]");
    assert_string_equal(enc_str(j, "x", "field"), "it\\'s a \\\"region\\\"");
    /* "value" is a column: the folded values go elsewhere. */
    assert_string_equal(enc_str(j, "y", "field"), "value 2");
    assert_round_trip(j, &t, 2);
    json_decref(j);
    sq_table_fini(&t);
}

static void test_no_chart(void **state)
{
    (void)state;
    struct sq_table t;
    regions(&t);
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, -1);
    assert_null(chart_build(&t, &s)); /* no measure */
    s.measure = 0;
    assert_null(chart_build(&t, &s)); /* a text measure */
    s.measure = 9;
    assert_null(chart_build(&t, &s)); /* out of range */
    s = shape(SHAPE_TABLE, -1, -1);
    assert_null(chart_build(&t, &s));
    sq_table_fini(&t);

    /* Three dimensions and a measure: wide. */
    columns(&t, "region", "segment", "ship_mode", "#sales", NULL);
    row(&t, "West", "Consumer", "First Class", "1");
    s = shape(SHAPE_BREAKDOWN, 0, 3);
    s.dims[1] = 1;
    assert_null(chart_build(&t, &s));
    sq_table_fini(&t);

    /* No rows, or every measure NULL: nothing to draw. */
    columns(&t, "region", "#sales", NULL);
    s = shape(SHAPE_BREAKDOWN, 0, 1);
    assert_null(chart_build(&t, &s));
    row(&t, "West", NULL);
    assert_null(chart_build(&t, &s));
    sq_table_fini(&t);
}

static void test_row_limit(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "customer", "#sales", NULL);
    for (size_t i = 0; i < 500; i++) {
        char name[32];
        snprintf(name, sizeof name, "Customer %zu", i);
        row(&t, name, "10.25");
    }
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    char *spec = chart_build(&t, &s);
    assert_non_null(spec);
    free(spec);
    row(&t, "One too many", "1");
    assert_null(chart_build(&t, &s));
    sq_table_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_breakdown),       cmocka_unit_test(test_bar_top_n_horizontal),
        cmocka_unit_test(test_share_bar),           cmocka_unit_test(test_line_year_month),
        cmocka_unit_test(test_line_month_names),    cmocka_unit_test(test_line_dates),
        cmocka_unit_test(test_line_reordered),      cmocka_unit_test(test_line_per_category),
        cmocka_unit_test(test_two_dimensions),      cmocka_unit_test(test_comparison),
        cmocka_unit_test(test_total_number),        cmocka_unit_test(test_weird_names_escaped),
        cmocka_unit_test(test_weird_names_compare), cmocka_unit_test(test_no_chart),
        cmocka_unit_test(test_row_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
