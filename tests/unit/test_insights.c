/*
 * Unit tests for answer/insights.c: the sentences a user reads for each shape of result
 * (breakdowns, top-N, shares, trends, comparisons, totals), number formatting, period
 * names, the edge cases (no rows, one row, NULLs, ties, all zero, all negative), and a
 * property check over generated tables: every number printed in a sentence is traced back
 * to the table (a cell, a sum, a share, a ratio, a difference or a percentage change).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "answer/insights_internal.h"
#include "answer/shape.h"
#include "base/table.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Building tables by hand -------------------------------------------------------- */

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

/* One row: ncols cell texts; NULL is a NULL cell. */
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

/* Asserts the exact sentences, printing them all on a mismatch. */
static void expect(const struct sq_table *t, const struct result_shape *s, size_t max,
                   const char *const *want, size_t nwant)
{
    char **got;
    size_t n;
    assert_int_equal(insights_build(t, s, max, &got, &n), 0);
    int same = n == nwant;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(got[i], want[i]) == 0;
    if (!same) {
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "got  [%zu] %s\n", i, got[i]);
        for (size_t i = 0; i < nwant; i++)
            fprintf(stderr, "want [%zu] %s\n", i, want[i]);
    }
    insights_free(got, n);
    assert_true(same);
}

#define EXPECT(t, s, max, ...)                                                                     \
    do {                                                                                           \
        const char *const want_[] = {__VA_ARGS__};                                                 \
        expect((t), (s), (max), want_, sizeof want_ / sizeof *want_);                              \
    } while (0)

static void expect_none(const struct sq_table *t, const struct result_shape *s)
{
    char **got;
    size_t n;
    assert_int_equal(insights_build(t, s, 8, &got, &n), 0);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "unexpected: %s\n", got[i]);
    insights_free(got, n);
    assert_int_equal(n, 0);
}

/* ---- Breakdowns, top-N, shares ------------------------------------------------------ */

static void test_breakdown_regions(void **state)
{
    (void)state;
    struct sq_table t;
    regions(&t);
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    s.descending = 1;
    EXPECT(&t, &s, 8, "West leads with 725,458 (32% of the total), 1.07x East.",
           "East is second with 678,781, 46,677 less.", "South is the smallest, 391,722 (17%).",
           "The top 2 make 61% of the total.");
    /* The caller's limit keeps the first, most important sentences. */
    EXPECT(&t, &s, 2, "West leads with 725,458 (32% of the total), 1.07x East.",
           "East is second with 678,781, 46,677 less.");
    sq_table_fini(&t);
}

static void test_top_n_says_shown(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "state", "#sales", NULL);
    row(&t, "California", "457687.63");
    row(&t, "New York", "310876.27");
    row(&t, "Texas", "170188.05");
    row(&t, "Washington", "138641.27");
    row(&t, "Pennsylvania", "116511.91");
    struct result_shape s = shape(SHAPE_TOP, 0, 1);
    s.descending = 1;
    s.limit = 5;
    EXPECT(&t, &s, 8, "California leads with 457,688 (38% of the 5 shown), 1.47x New York.",
           "New York is second with 310,876, 146,811 less.",
           "Pennsylvania is the smallest of the 5 shown, 116,512 (9.8%).",
           "The top 2 make 64% of the 5 shown.");
    sq_table_fini(&t);
}

static void test_losses_called_out(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "state", "#profit", NULL);
    row(&t, "California", "76381.39");
    row(&t, "New York", "74038.55");
    row(&t, "Washington", "33402.65");
    row(&t, "Illinois", "-12607.89");
    row(&t, "Pennsylvania", "-15559.96");
    row(&t, "Ohio", "-16971.38");
    row(&t, "Texas", "-25729.36");
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    s.measure_label = "total profit";
    s.descending = 1;
    /* No shares: with losses in the mix, "% of the total" would mislead. */
    EXPECT(&t, &s, 8, "California leads with 76,381, 1.03x New York.",
           "4 states lost money: Texas (-25,729), Ohio (-16,971), Pennsylvania (-15,560) and 1 "
           "more.",
           "New York is second with 74,039, 2,343 less.");
    sq_table_fini(&t);
}

static void test_bottom_n_all_negative(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "state", "#profit", NULL);
    row(&t, "Texas", "-25729.36");
    row(&t, "Ohio", "-16971.38");
    row(&t, "Pennsylvania", "-15559.96");
    row(&t, "Illinois", "-12607.89");
    row(&t, "North Carolina", "-7490.91");
    struct result_shape s = shape(SHAPE_TOP, 0, 1);
    s.measure_label = "total profit";
    s.ascending = 1;
    s.limit = 5;
    EXPECT(&t, &s, 8,
           "All 5 states lost money; North Carolina lost the least (-7,491) and Texas the most "
           "(-25,729).");
    s.measure_label = "total discount";
    t.cols[1].name = "discount";
    EXPECT(&t, &s, 8,
           "All 5 states are below zero, from -7,491 (North Carolina) to -25,729 (Texas).");
    sq_table_fini(&t);
}

static void test_bottom_n_ascending(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "sub_category", "#sales", NULL);
    row(&t, "Fasteners", "3024.28");
    row(&t, "Labels", "12486.31");
    row(&t, "Envelopes", "16476.4");
    struct result_shape s = shape(SHAPE_TOP, 0, 1);
    s.ascending = 1;
    s.limit = 3;
    EXPECT(&t, &s, 8, "Fasteners is the lowest with 3,024 (9.5% of the 3 shown).",
           "Labels is next with 12,486, 9,462 more.",
           "Envelopes is the highest of the 3 shown, 16,476 (52%).");
    sq_table_fini(&t);
}

static void test_share(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "category", "#sales", "#sales_share_pct", NULL);
    row(&t, "Technology", "836154.03", "36.40");
    row(&t, "Furniture", "741999.8", "32.30");
    row(&t, "Office Supplies", "719047.03", "31.30");
    struct result_shape s = shape(SHAPE_SHARE, 0, 2);
    s.unit = "%";
    s.descending = 1;
    /* Already percentages: no share of a share, and gaps are in points. */
    EXPECT(&t, &s, 8, "Technology has the largest share, 36.4%, 1.13x Furniture.",
           "Furniture is second with 32.3%, 4.1 points less.",
           "Office Supplies is the smallest, 31.3%.");
    sq_table_fini(&t);
}

static void test_average_is_not_shared(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "region", "#avg_discount", NULL);
    row(&t, "Central", "0.24");
    row(&t, "South", "0.15");
    row(&t, "East", "0.15");
    row(&t, "West", "0.11");
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    s.measure_label = "average discount";
    s.descending = 1;
    EXPECT(&t, &s, 8, "Central leads with 0.24, 1.6x South.",
           "South and East are joint second with 0.15 each, 0.09 less.",
           "West is the smallest, 0.11.");
    sq_table_fini(&t);
}

static void test_ties_and_equal(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "ship_mode", "#orders", NULL);
    row(&t, "Standard Class", "1200");
    row(&t, "Second Class", "1200");
    row(&t, "First Class", "800");
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    s.measure_label = "number of orders";
    s.descending = 1;
    EXPECT(&t, &s, 8,
           "Standard Class and Second Class tie for the lead with 1,200 each (38% of the total "
           "each).",
           "First Class is the smallest, 800 (25%).");
    sq_table_fini(&t);

    columns(&t, "segment", "#orders", NULL);
    row(&t, "Consumer", "50");
    row(&t, "Corporate", "50");
    row(&t, "Home Office", "50");
    s.kind = SHAPE_BREAKDOWN;
    EXPECT(&t, &s, 8, "All 3 segments are equal, 50 each.");
    sq_table_fini(&t);
}

static void test_outlier(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "customer_name", "#sales", NULL);
    row(&t, "Sean Miller", "25043.05");
    row(&t, "Tamara Chand", "5197.4");
    row(&t, "Raymond Buch", "4702.01");
    row(&t, "Tom Ashbrook", "4433.2");
    row(&t, "Adrian Barton", "4125.9");
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    s.descending = 1;
    EXPECT(&t, &s, 8, "Sean Miller leads with 25,043 (58% of the total), 4.82x Tamara Chand.",
           "Tamara Chand is second with 5,197, 19,846 less.",
           "Adrian Barton is the smallest, 4,126 (9.5%).", "The top 2 make 70% of the total.",
           "Sean Miller is 5.33x the median (4,702).");
    sq_table_fini(&t);
}

static void test_two_dimensions(void **state)
{
    (void)state;
    static const char *const cells[][3] = {
        {"Central", "Furniture", "163797.16"},    {"Central", "Office Supplies", "167026.42"},
        {"Central", "Technology", "170416.31"},   {"East", "Furniture", "208291.2"},
        {"East", "Office Supplies", "205516.06"}, {"East", "Technology", "264973.98"},
        {"South", "Furniture", "117298.68"},      {"South", "Office Supplies", "125651.31"},
        {"South", "Technology", "148771.91"},     {"West", "Furniture", "252612.74"},
        {"West", "Office Supplies", "220853.25"}, {"West", "Technology", "251991.83"},
    };
    struct sq_table t;
    columns(&t, "region", "category", "#sales", NULL);
    for (size_t i = 0; i < 12; i++)
        row(&t, cells[i][0], cells[i][1], cells[i][2]);
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 2);
    s.dims[1] = 1;
    EXPECT(&t, &s, 8, "The largest is East / Technology with 264,974 (12% of the total).",
           "By region, West leads with 725,458 in total (32%).",
           "Technology is the largest category in 3 of the 4 regions.");
    /* Some groups only ("top 3 categories in each region", a condition on totals): no
     * share of a total the rows are not, and no group totals. */
    s.subset = 1;
    EXPECT(&t, &s, 8, "The largest is East / Technology with 264,974 (12% of the 12 shown).",
           "Technology is the largest category in 3 of the 4 regions.");
    sq_table_fini(&t);
}

/* ---- Trends ----------------------------------------------------------------------- */

static void monthly_2016(struct sq_table *t)
{
    static const char *const sales[12] = {"18542.49", "22978.82", "51715.88", "38750.04",
                                          "56987.73", "40344.53", "39261.96", "31115.37",
                                          "73410.02", "59687.75", "79411.97", "96999.04"};
    columns(t, "#year", "#month", "#sales", NULL);
    for (int m = 0; m < 12; m++) {
        char month[4];
        snprintf(month, sizeof month, "%d", m + 1);
        row(t, "2016", month, sales[m]);
    }
}

static void test_trend_year_month(void **state)
{
    (void)state;
    struct sq_table t;
    monthly_2016(&t);
    struct result_shape s = shape(SHAPE_TREND, 0, 2);
    s.dims[1] = 1;
    s.time_dim = 1;
    s.grain = GRAIN_MONTH;
    EXPECT(&t, &s, 8,
           "Total sales went from 18,542 in January 2016 to 96,999 in December 2016, up 78,457 "
           "(+423%).",
           "The biggest rise was +42,295 (+136%), from August 2016 to September 2016.",
           "The biggest fall was -16,643 (-29%), from May 2016 to June 2016.");
    sq_table_fini(&t);
}

static void test_trend_month_names_and_quarters(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#month", "#sales", NULL);
    row(&t, "1", "94924.84");
    row(&t, "2", "59751.25");
    row(&t, "3", "205005.49");
    struct result_shape s = shape(SHAPE_TREND, 0, 1);
    s.time_dim = 0;
    s.grain = GRAIN_MONTH;
    EXPECT(&t, &s, 8,
           "Total sales went from 94,925 in January to 205,005 in March, up 110,081 (+116%).",
           "The peak was 205,005 in March and the low 59,751 in February.",
           "The biggest rise was +145,254 (+243%), from February to March.",
           "The biggest fall was -35,174 (-37%), from January to February.");
    sq_table_fini(&t);

    columns(&t, "#year", "#quarter", "#sales", NULL);
    row(&t, "2019", "2", "140000");
    row(&t, "2019", "3", "175000");
    s = shape(SHAPE_TREND, 0, 2);
    s.dims[1] = 1;
    s.time_dim = 1;
    s.grain = GRAIN_QUARTER;
    EXPECT(&t, &s, 8,
           "Total sales went from 140,000 in Q2 2019 to 175,000 in Q3 2019, up 35,000 (+25%).");
    sq_table_fini(&t);
}

static void test_trend_dates(void **state)
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
    EXPECT(&t, &s, 8,
           "Total sales went from 79,412 in November 2016 to 43,971 in January 2017, down "
           "35,441 (-45%).",
           "The peak was 96,999 in December 2016 and the low 43,971 in January 2017.",
           "The biggest rise was +17,587 (+22%), from November 2016 to December 2016.",
           "The biggest fall was -53,028 (-55%), from December 2016 to January 2017.");
    sq_table_fini(&t);

    columns(&t, "@day", "#orders", NULL);
    row(&t, "2017-12-29 00:00:00", "12");
    row(&t, "2017-12-30 00:00:00", "9");
    s.grain = GRAIN_DAY;
    s.measure_label = "number of orders";
    EXPECT(&t, &s, 8,
           "Number of orders went from 12 on 2017-12-29 to 9 on 2017-12-30, down 3 (-25%).");
    sq_table_fini(&t);
}

static void test_trend_ordered_by_measure(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#year", "#sales", NULL);
    row(&t, "2017", "733215.26");
    row(&t, "2016", "609205.6");
    row(&t, "2014", "484247.5");
    row(&t, "2015", "470532.51");
    struct result_shape s = shape(SHAPE_TREND, 0, 1);
    s.time_dim = 0;
    s.grain = GRAIN_YEAR;
    s.descending = 1;
    /* Not in time order: no first-to-last change, no period-over-period steps. */
    EXPECT(&t, &s, 8, "The peak was 733,215 in 2017 and the low 470,533 in 2015.");
    sq_table_fini(&t);
}

static void test_trend_by_category(void **state)
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
    EXPECT(&t, &s, 8, "Over the period, Consumer has the highest total, 628,769 (58%).",
           "The highest single value is Consumer in 2017: 331,905.");
    sq_table_fini(&t);
}

/* ---- Comparisons ------------------------------------------------------------------ */

static void comparison(struct sq_table *t, int growth)
{
    columns(t, "region", "#sales_2016", "#sales_2017", growth ? "#change_pct" : "#other", NULL);
    row(t, "West", "187480.18", "250128.37", "33.4");
    row(t, "East", "180685.82", "213082.91", "17.9");
    row(t, "Central", "102874.22", "147429.38", "43.3");
    row(t, "South", "93610.22", "122905.86", "31.3");
}

static void test_comparison(void **state)
{
    (void)state;
    struct sq_table t;
    comparison(&t, 1);
    struct result_shape s = shape(SHAPE_COMPARISON, 0, 1);
    s.measure2 = 2;
    s.growth = 3;
    EXPECT(&t, &s, 8,
           "Overall, total sales went from 564,650 (2016) to 733,547 (2017), up 168,896 (+30%).",
           "Central grew the most, +43% (102,874 to 147,429).", "All 4 regions grew.");
    /* Without words for the measure, the period columns' shared name serves. */
    s.measure_label = NULL;
    EXPECT(&t, &s, 1,
           "Overall, sales went from 564,650 (2016) to 733,547 (2017), up 168,896 (+30%).");
    s.measure_label = "total sales";
    /* The measures in the other order still compare 2016 with 2017 (the growth says so). */
    s.measure = 2;
    s.measure2 = 1;
    EXPECT(&t, &s, 1,
           "Overall, total sales went from 564,650 (2016) to 733,547 (2017), up 168,896 (+30%).");
    sq_table_fini(&t);
}

static void test_comparison_without_growth(void **state)
{
    (void)state;
    struct sq_table t;
    comparison(&t, 0);
    sq_table_set(&t, 1, 2, SQ_CELL_NUMBER, "170000", 6);
    struct result_shape s = shape(SHAPE_COMPARISON, 0, 1);
    s.measure2 = 2;
    EXPECT(&t, &s, 8,
           "Overall, total sales went from 564,650 (2016) to 690,464 (2017), up 125,813 (+22%).",
           "Central grew the most, +43% (102,874 to 147,429).",
           "East fell the most, -5.9% (180,686 to 170,000).",
           "3 of the 4 regions grew and 1 fell.");
    sq_table_fini(&t);
}

/* ---- Totals, tables, edge cases ----------------------------------------------------- */

static void test_total(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#sales", "#profit", NULL);
    row(&t, "2297200.86", "286397.02");
    struct result_shape s = shape(SHAPE_TOTAL, -1, 0);
    EXPECT(&t, &s, 8, "Profit is 12.5% of sales.");
    s.measure2 = 1;
    EXPECT(&t, &s, 8, "Profit is 12.5% of sales.");
    sq_table_fini(&t);

    /* One measure: nothing to add to the number itself. */
    columns(&t, "#sales", NULL);
    row(&t, "2297200.86");
    s = shape(SHAPE_TOTAL, -1, 0);
    expect_none(&t, &s);
    sq_table_fini(&t);
}

static void test_table_rows(void **state)
{
    (void)state;
    struct sq_table t;
    regions(&t);
    struct result_shape s = shape(SHAPE_TABLE, -1, -1);
    EXPECT(&t, &s, 8, "The result has 4 rows.");
    t.truncated = 1;
    EXPECT(&t, &s, 8, "The result has 4 rows, cut at the row limit.");
    sq_table_fini(&t);
}

static void test_empty_single_and_nulls(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "region", "#sales", NULL);
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    expect_none(&t, &s);
    row(&t, "West", "725457.82");
    EXPECT(&t, &s, 8, "West is the only region shown, with 725,458.");
    s.kind = SHAPE_TREND;
    s.time_dim = 0;
    expect_none(&t, &s);
    sq_table_fini(&t);

    /* NULL measures are skipped; a NULL category is "(blank)". */
    columns(&t, "region", "#sales", NULL);
    row(&t, "West", "725457.82");
    row(&t, "East", NULL);
    row(&t, NULL, "391721.91");
    s = shape(SHAPE_BREAKDOWN, 0, 1);
    EXPECT(&t, &s, 8, "West leads with 725,458 (65% of the total), 1.85x (blank).",
           "(blank) is second with 391,722, 333,736 less.");
    sq_table_fini(&t);
}

static void test_all_zero_and_non_numeric(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "region", "#returns", NULL);
    row(&t, "West", "0");
    row(&t, "East", "0");
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    EXPECT(&t, &s, 8, "Every region shown is 0.");
    sq_table_fini(&t);

    columns(&t, "region", "manager", NULL);
    row(&t, "West", "Anna");
    row(&t, "East", "Chuck");
    s = shape(SHAPE_BREAKDOWN, 0, 1);
    expect_none(&t, &s);
    s.measure = 7; /* out of range: no measure */
    expect_none(&t, &s);
    sq_table_fini(&t);
}

static void test_number_formatting(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "product", "#sales", NULL);
    row(&t, "A", "1234567890123456789");
    row(&t, "B", "999.996");
    row(&t, "C", "12.5");
    row(&t, "D", "0.0012");
    row(&t, "E", "nan");
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    s.measure_label = "average price";
    /* No exponents, commas every three digits, two decimals below 1,000 (none when whole),
     * two significant digits below one; the NaN row is left out. */
    EXPECT(&t, &s, 8, "A leads with 1,234,567,890,123,456,768, 1,234,572,828,414,770x B.",
           "B is second with 1,000, 1,234,567,890,123,455,744 less.", "D is the smallest, 0.0012.");
    sq_table_fini(&t);
}

static void test_long_label_cut(void **state)
{
    (void)state;
    char name[200];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    struct sq_table t;
    columns(&t, "product_name", "#sales", NULL);
    row(&t, name, "100");
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    char **got;
    size_t n;
    insights_build(&t, &s, 8, &got, &n);
    assert_int_equal(n, 1);
    assert_non_null(strstr(got[0], "xxx\xE2\x80\xA6 is the only product shown"));
    assert_true(strlen(got[0]) < 150);
    insights_free(got, n);
    sq_table_fini(&t);
}

static void test_period_labels(void **state)
{
    (void)state;
    struct sq_table t;
    columns(&t, "#order_year", "#order_month", "@week", "#sales", NULL);
    row(&t, "2016", "3", "2016-03-07", "1");
    row(&t, "2016", "13", NULL, "1");
    struct result_shape s = shape(SHAPE_TREND, 0, 3);
    s.dims[1] = 1;
    s.time_dim = 1;
    s.grain = GRAIN_MONTH;
    struct insights__time tm;
    char out[96];
    insights__find_time(&t, &s, &tm);
    assert_int_equal(tm.form, INSIGHTS__TIME_YEAR_PART);
    insights__period_label(&t, &tm, 0, 0, out, sizeof out);
    assert_string_equal(out, "March 2016");
    insights__period_label(&t, &tm, 0, 1, out, sizeof out);
    assert_string_equal(out, "2016-03");
    insights__period_label(&t, &tm, 1, 0, out, sizeof out);
    assert_string_equal(out, "2016 13");
    /* The year named by the time dimension finds its month. */
    s.time_dim = 0;
    insights__find_time(&t, &s, &tm);
    assert_int_equal(tm.form, INSIGHTS__TIME_YEAR_PART);
    assert_int_equal(tm.part_col, 1);
    s.time_dim = 2;
    s.grain = GRAIN_QUARTER;
    insights__find_time(&t, &s, &tm);
    assert_int_equal(tm.form, INSIGHTS__TIME_DATE);
    insights__period_label(&t, &tm, 0, 0, out, sizeof out);
    assert_string_equal(out, "Q1 2016");
    insights__period_label(&t, &tm, 1, 0, out, sizeof out);
    assert_string_equal(out, "(blank)");
    assert_true(insights__is_iso_date("2016-03-07 00:00:00"));
    assert_false(insights__is_iso_date("2016-3-7"));
    assert_false(insights__is_iso_date("2016"));
    sq_table_fini(&t);
}

static void test_measure_words(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"sales_2016", "sales_2017", "sales"},
        {"q1_sales", "q2_sales", "sales"},
        {"previous_order_count", "current_order_count", "order count"},
        {"this", "that", "this"},
    };
    char out[64];
    for (size_t i = 0; i < 4; i++) {
        struct sq_table t;
        columns(&t, "region", "#a", "#b", NULL);
        t.cols[1].name = cases[i][0];
        t.cols[2].name = cases[i][1];
        struct result_shape s = shape(SHAPE_COMPARISON, 0, 1);
        s.measure2 = 2;
        s.measure_label = NULL;
        insights__measure_words(&t, &s, out, sizeof out);
        assert_string_equal(out, cases[i][2]);
        s.measure_label = "total sales";
        insights__measure_words(&t, &s, out, sizeof out);
        assert_string_equal(out, "total sales");
        sq_table_fini(&t);
    }
}

/* ---- The traceability property ---------------------------------------------------- */

struct cands {
    double *v;
    size_t n, cap;
};

static void cand_add(struct cands *c, double v)
{
    if (!isfinite(v))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        assert_non_null(c->v);
    }
    c->v[c->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_double_desc(const void *a, const void *b)
{
    return -cmp_double(a, b);
}

/* The finite numbers of column col, in row order. */
static size_t column_values(const struct sq_table *t, size_t col, double *out)
{
    size_t n = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const struct sq_cell *c = sq_table_cell(t, r, col);
        if (c->kind == SQ_CELL_NUMBER && isfinite(c->num))
            out[n++] = c->num;
    }
    return n;
}

/* Sums of numeric column m grouped by the text of column g. */
static void add_group_sums(const struct sq_table *t, size_t g, size_t m, struct cands *base)
{
    for (size_t r = 0; r < t->nrows; r++) {
        const char *key = sq_table_cell(t, r, g)->text;
        int first = 1;
        for (size_t q = 0; q < r && first; q++) {
            const char *k2 = sq_table_cell(t, q, g)->text;
            first = !(k2 == key || (k2 && key && strcmp(k2, key) == 0));
        }
        if (!first)
            continue;
        double sum = 0;
        for (size_t q = r; q < t->nrows; q++) {
            const char *k2 = sq_table_cell(t, q, g)->text;
            const struct sq_cell *c = sq_table_cell(t, q, m);
            if ((k2 == key || (k2 && key && strcmp(k2, key) == 0)) && c->kind == SQ_CELL_NUMBER &&
                isfinite(c->num))
                sum += c->num;
        }
        cand_add(base, sum);
    }
}

/*
 * Everything a sentence may print, computed here independently of insights.c: every
 * number cell, column sums, sums of the k largest and k smallest values, medians, group
 * sums, row counts; then for every pair (a, b) of those a - b, a / b, a / b * 100 and the
 * percentage change (a - b) / |b| * 100. Sorted for lookup.
 */
static void candidates(const struct sq_table *t, struct cands *out)
{
    struct cands base = {0};
    double *vals = malloc((t->nrows + 1) * sizeof *vals);
    for (size_t m = 0; m < t->ncols; m++) {
        if (!t->cols[m].numeric)
            continue;
        size_t n = column_values(t, m, vals);
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            cand_add(&base, vals[i]);
            sum += vals[i];
        }
        cand_add(&base, sum);
        for (int dir = 0; dir < 2; dir++) {
            qsort(vals, n, sizeof *vals, dir ? cmp_double : cmp_double_desc);
            double prefix = 0;
            for (size_t i = 0; i < n; i++)
                cand_add(&base, prefix += vals[i]);
        }
        if (n)
            cand_add(&base, n % 2 ? vals[n / 2] : (vals[n / 2 - 1] + vals[n / 2]) / 2);
        for (size_t g = 0; g < t->ncols; g++)
            if (g != m)
                add_group_sums(t, g, m, &base);
    }
    for (size_t k = 0; k <= t->nrows; k++)
        cand_add(&base, (double)k);
    for (size_t i = 0; i < base.n; i++) {
        cand_add(out, base.v[i]);
        for (size_t j = 0; j < base.n; j++) {
            double a = base.v[i], b = base.v[j];
            cand_add(out, a - b);
            if (b != 0) {
                cand_add(out, a / b);
                cand_add(out, a / b * 100);
                cand_add(out, (a - b) / fabs(b) * 100);
            }
        }
    }
    qsort(out->v, out->n, sizeof *out->v, cmp_double);
    free(vals);
    free(base.v);
}

static int cand_has(const struct cands *c, double v)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->v[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    double tol = 1e-9 * (fabs(v) > 1 ? fabs(v) : 1);
    return (lo < c->n && fabs(c->v[lo] - v) <= tol) || (lo > 0 && fabs(c->v[lo - 1] - v) <= tol);
}

/* Numbers written in text, as a reader would read them: "-25,729", "+42%", "1.07x". */
static size_t read_numbers(const char *s, double *out, int *decimals, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; s[i] && n < cap;) {
        int sign = (s[i] == '-' || s[i] == '+') && isdigit((unsigned char)s[i + 1]) &&
                   (i == 0 || !isalnum((unsigned char)s[i - 1]));
        if (!sign && !isdigit((unsigned char)s[i])) {
            i++;
            continue;
        }
        char digits[512];
        size_t d = 0;
        if (sign)
            digits[d++] = s[i++];
        int dec = -1;
        while (d < sizeof digits - 1) {
            if (isdigit((unsigned char)s[i])) {
                digits[d++] = s[i++];
                dec += dec >= 0;
            } else if (s[i] == ',' && dec < 0 && isdigit((unsigned char)s[i + 1])) {
                i++;
            } else if (s[i] == '.' && dec < 0 && isdigit((unsigned char)s[i + 1])) {
                digits[d++] = s[i++];
                dec = 0;
            } else {
                break;
            }
        }
        digits[d] = '\0';
        out[n] = strtod(digits, NULL);
        decimals[n++] = dec < 0 ? 0 : dec;
    }
    return n;
}

/* Labels must come from the table too: any digits in them are in a cell, a column name
 * or the measure words, or the label is a row's period name. */
static int label_ok(const struct sq_table *t, const struct result_shape *s, const char *label)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", label);
    size_t n = strlen(buf);
    if (n >= 3 && strcmp(buf + n - 3, "\xE2\x80\xA6") == 0)
        buf[n - 3] = '\0';
    char *sep = strstr(buf, " / ");
    if (sep) {
        *sep = '\0';
        return label_ok(t, s, buf) && label_ok(t, s, sep + 3);
    }
    if (strcspn(buf, "0123456789") == strlen(buf))
        return 1;
    if (s->measure_label && strstr(s->measure_label, buf))
        return 1;
    for (size_t c = 0; c < t->ncols; c++) {
        if (strstr(t->cols[c].name, buf))
            return 1;
        for (size_t r = 0; r < t->nrows; r++) {
            const char *v = sq_table_cell(t, r, c)->text;
            if (v && strstr(v, buf))
                return 1;
        }
    }
    struct insights__time tm;
    insights__find_time(t, s, &tm);
    for (size_t r = 0; r < t->nrows && tm.form != INSIGHTS__TIME_NONE; r++) {
        char period[96];
        insights__period_label(t, &tm, r, 0, period, sizeof period);
        if (strcmp(period, buf) == 0)
            return 1;
    }
    return 0;
}

/*
 * Checks one sentence against its table: the numbers read from the text (labels blanked
 * out) are, one for one and in order, the traced numbers as rounded for print; every
 * traced number is among the candidates; every label is from the table. Returns 0, or 1
 * with why in msg.
 */
static int check_line(const struct sq_table *t, const struct result_shape *s,
                      const struct cands *cands, const struct insights__line *line, char *msg,
                      size_t size)
{
    char text[2048];
    snprintf(text, sizeof text, "%s", line->text);
    if (strstr(text, "nan") || strstr(text, "inf") || strstr(text, "e+")) {
        snprintf(msg, size, "not a number in text");
        return 1;
    }
    for (size_t i = 0; i < line->n_labels; i++) {
        size_t at = line->label_at[i], len = strlen(line->labels[i]);
        if (at + len > strlen(text) || memcmp(text + at, line->labels[i], len) != 0) {
            snprintf(msg, size, "label '%s' is not at %zu", line->labels[i], at);
            return 1;
        }
        if (!label_ok(t, s, line->labels[i])) {
            snprintf(msg, size, "label '%s' is not from the table", line->labels[i]);
            return 1;
        }
        memset(text + at, '#', len);
    }
    double read[64];
    int dec[64];
    size_t n = read_numbers(text, read, dec, 64);
    if (n != line->n_nums) {
        snprintf(msg, size, "%zu numbers in the text, %zu traced", n, line->n_nums);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        double traced = line->nums[i];
        double tol = 0.5 * pow(10, -dec[i]) * (1 + 1e-9) + 1e-9 * fabs(traced);
        if (fabs(read[i] - traced) > tol) {
            snprintf(msg, size, "number %zu reads %.17g but is %.17g", i, read[i], traced);
            return 1;
        }
        if (!cand_has(cands, traced)) {
            snprintf(msg, size, "number %.17g is not derived from the table", traced);
            return 1;
        }
    }
    return 0;
}

static uint64_t rng_state = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* A plausible measure value: cents to millions, sometimes negative, tied, zero. */
static void random_value(char *out, size_t size, int negatives, const char *prev)
{
    if (prev && rnd(8) == 0) {
        snprintf(out, size, "%s", prev);
        return;
    }
    static const double scale[] = {1, 100, 10000, 1000000};
    double v = (rnd(100000) + 1) / 100000.0 * scale[rnd(4)];
    if (negatives && rnd(3) == 0)
        v = -v;
    if (rnd(40) == 0)
        v = 0;
    snprintf(out, size, "%.2f", v);
}

static const char *const NAMES[] = {"West",   "East",   "Central", "South",  "Texas",
                                    "Ohio",   "Utah",   "Maine",   "Idaho",  "Iowa",
                                    "Nevada", "Oregon", "Alabama", "Kansas", "Vermont"};

/* One generated table and shape of the given kind (0..8). */
static void random_case(int kind, struct sq_table *t, struct result_shape *s)
{
    size_t n = 1 + rnd(12);
    int neg = rnd(3) == 0;
    char v[64], prev[64] = "", v2[64], g[64];
    *s = shape(SHAPE_BREAKDOWN, 0, 1);
    s->descending = rnd(2);
    switch (kind) {
    case 0: /* breakdown, top-N, or bottom-N */
    case 1:
        columns(t, "state", "#sales", NULL);
        s->kind = kind ? SHAPE_TOP : SHAPE_BREAKDOWN;
        s->limit = kind ? n : 0;
        s->measure_label = neg ? "total profit" : "total sales";
        s->ascending = kind && !s->descending;
        for (size_t i = 0; i < n; i++) {
            random_value(v, sizeof v, neg, i ? prev : NULL);
            row(t, NAMES[i], rnd(20) ? v : NULL);
            snprintf(prev, sizeof prev, "%s", v);
        }
        break;
    case 2: { /* shares that sum to 100 */
        columns(t, "category", "#sales", "#sales_share_pct", NULL);
        s->kind = SHAPE_SHARE;
        s->measure = 2;
        s->unit = "%";
        double w[12], sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += w[i] = 1 + rnd(1000);
        for (size_t i = 0; i < n; i++) {
            snprintf(v, sizeof v, "%.2f", w[i] * 10);
            snprintf(v2, sizeof v2, "%.4f", w[i] / sum * 100);
            row(t, NAMES[i], v, v2);
        }
        break;
    }
    case 3: /* year + month trend */
        columns(t, "#year", "#month", "#sales", NULL);
        *s = shape(SHAPE_TREND, 0, 2);
        s->dims[1] = 1;
        s->time_dim = 1;
        s->grain = GRAIN_MONTH;
        for (size_t i = 0; i < n; i++) {
            char month[24];
            snprintf(month, sizeof month, "%zu", i + 1);
            random_value(v, sizeof v, neg, i ? prev : NULL);
            row(t, "2016", month, rnd(20) ? v : NULL);
            snprintf(prev, sizeof prev, "%s", v);
        }
        break;
    case 4: /* daily dates */
        columns(t, "@day", "#orders", NULL);
        *s = shape(SHAPE_TREND, 0, 1);
        s->time_dim = 0;
        s->grain = rnd(2) ? GRAIN_DAY : GRAIN_MONTH;
        s->measure_label = "number of orders";
        for (size_t i = 0; i < n; i++) {
            char day[48];
            snprintf(day, sizeof day, "2017-%02zu-%02zu", i + 1, 1 + (size_t)rnd(28));
            snprintf(v, sizeof v, "%u", rnd(500));
            row(t, day, v);
        }
        break;
    case 5: /* comparison, with or without a growth column */
        columns(t, "region", "#sales_2016", "#sales_2017", "#change_pct", NULL);
        *s = shape(SHAPE_COMPARISON, 0, 1);
        s->measure2 = 2;
        s->growth = rnd(2) ? 3 : -1;
        for (size_t i = 0; i < n; i++) {
            random_value(v, sizeof v, neg, NULL);
            random_value(v2, sizeof v2, neg, NULL);
            double a = strtod(v, NULL), b = strtod(v2, NULL);
            snprintf(g, sizeof g, "%.1f", (b - a) / fabs(a) * 100);
            row(t, NAMES[i], v, v2, a != 0 ? g : NULL);
        }
        break;
    case 6: /* two dimensions */
        columns(t, "region", "segment", "#sales", NULL);
        *s = shape(SHAPE_BREAKDOWN, 0, 2);
        s->dims[1] = 1;
        for (size_t i = 0; i < n; i++) {
            random_value(v, sizeof v, neg, i ? prev : NULL);
            row(t, NAMES[i % 4], NAMES[4 + i / 4], v);
            snprintf(prev, sizeof prev, "%s", v);
        }
        break;
    case 7: /* a trend per category */
        columns(t, "#year", "segment", "#sales", NULL);
        *s = shape(SHAPE_TREND, 0, 2);
        s->dims[1] = 1;
        s->time_dim = 0;
        s->grain = GRAIN_YEAR;
        for (size_t i = 0; i < n; i++) {
            char year[24];
            snprintf(year, sizeof year, "%zu", 2014 + i / 3);
            random_value(v, sizeof v, neg, NULL);
            row(t, year, NAMES[i % 3], v);
        }
        break;
    default: /* a total of two measures */
        columns(t, "#sales", "#profit", NULL);
        *s = shape(SHAPE_TOTAL, -1, 0);
        s->measure2 = 1;
        random_value(v, sizeof v, 0, NULL);
        random_value(v2, sizeof v2, 1, NULL);
        row(t, v, v2);
        break;
    }
}

static void test_numbers_trace_to_table(void **state)
{
    (void)state;
    size_t sentences = 0;
    for (int i = 0; i < 450; i++) {
        struct sq_table t;
        struct result_shape s;
        random_case(i % 9, &t, &s);
        struct insights__line *lines;
        size_t n;
        insights__build_traced(&t, &s, 8, &lines, &n);
        struct cands c = {0};
        candidates(&t, &c);
        for (size_t j = 0; j < n; j++) {
            char msg[256];
            if (check_line(&t, &s, &c, &lines[j], msg, sizeof msg)) {
                fprintf(stderr, "case %d: \"%s\": %s\n", i, lines[j].text, msg);
                fail();
            }
        }
        sentences += n;
        insights__free_traced(lines, n);
        free(c.v);
        sq_table_fini(&t);
    }
    /* The batch must have said enough to mean something. */
    assert_true(sentences > 900);
}

/* The checker itself must catch a wrong number, in the text or in the trace. */
static void test_trace_checker_fails(void **state)
{
    (void)state;
    struct sq_table t;
    regions(&t);
    struct result_shape s = shape(SHAPE_BREAKDOWN, 0, 1);
    struct insights__line *lines;
    size_t n;
    insights__build_traced(&t, &s, 8, &lines, &n);
    assert_true(n >= 1);
    struct cands c = {0};
    candidates(&t, &c);
    char msg[256];
    assert_int_equal(check_line(&t, &s, &c, &lines[0], msg, sizeof msg), 0);
    /* "725,458" printed as "725,459". */
    char *p = strstr(lines[0].text, "725,458");
    assert_non_null(p);
    p[6] = '9';
    assert_int_equal(check_line(&t, &s, &c, &lines[0], msg, sizeof msg), 1);
    p[6] = '8';
    /* A number the table does not hold, printed faithfully. */
    lines[0].nums[0] = 725457.9;
    assert_int_equal(check_line(&t, &s, &c, &lines[0], msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "not derived"));
    /* A label that is not in the table. */
    free(lines[0].labels[0]);
    lines[0].labels[0] = strdup("Wes7");
    lines[0].nums[0] = 725457.82;
    assert_int_equal(check_line(&t, &s, &c, &lines[0], msg, sizeof msg), 1);
    insights__free_traced(lines, n);
    free(c.v);
    sq_table_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_breakdown_regions),
        cmocka_unit_test(test_top_n_says_shown),
        cmocka_unit_test(test_losses_called_out),
        cmocka_unit_test(test_bottom_n_all_negative),
        cmocka_unit_test(test_bottom_n_ascending),
        cmocka_unit_test(test_share),
        cmocka_unit_test(test_average_is_not_shared),
        cmocka_unit_test(test_ties_and_equal),
        cmocka_unit_test(test_outlier),
        cmocka_unit_test(test_two_dimensions),
        cmocka_unit_test(test_trend_year_month),
        cmocka_unit_test(test_trend_month_names_and_quarters),
        cmocka_unit_test(test_trend_dates),
        cmocka_unit_test(test_trend_ordered_by_measure),
        cmocka_unit_test(test_trend_by_category),
        cmocka_unit_test(test_comparison),
        cmocka_unit_test(test_comparison_without_growth),
        cmocka_unit_test(test_total),
        cmocka_unit_test(test_table_rows),
        cmocka_unit_test(test_empty_single_and_nulls),
        cmocka_unit_test(test_all_zero_and_non_numeric),
        cmocka_unit_test(test_number_formatting),
        cmocka_unit_test(test_long_label_cut),
        cmocka_unit_test(test_period_labels),
        cmocka_unit_test(test_measure_words),
        cmocka_unit_test(test_numbers_trace_to_table),
        cmocka_unit_test(test_trace_checker_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
