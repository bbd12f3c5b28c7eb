/*
 * Unit tests for demo/: the synthetic sales data set that `salesql demo` writes. They
 * check what a user relies on: the exact header and row count, byte-identical output per
 * seed, arithmetic and reference consistency on every row, the seasonal and growth
 * patterns, the N-file split, the layout switch, and Parquet read back through the store.
 * Files go to a fresh mkdtemp folder under /tmp, removed at the end.
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
#include "base/table.h"
#include "demo/demo.h"
#include "store/store.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NCOLS 21

static const char expected_header[] =
    "order_id,order_date,ship_date,ship_mode,customer_id,customer_name,segment,country,"
    "region,state,city,product_id,category,sub_category,product_name,quantity,unit_price,"
    "discount,sales,profit,returned";

enum {
    C_ORDER_ID,
    C_ORDER_DATE,
    C_SHIP_DATE,
    C_SHIP_MODE,
    C_CUSTOMER_ID,
    C_CUSTOMER_NAME,
    C_SEGMENT,
    C_COUNTRY,
    C_REGION,
    C_STATE,
    C_CITY,
    C_PRODUCT_ID,
    C_CATEGORY,
    C_SUB_CATEGORY,
    C_PRODUCT_NAME,
    C_QUANTITY,
    C_UNIT_PRICE,
    C_DISCOUNT,
    C_SALES,
    C_PROFIT,
    C_RETURNED
};

/* ---- helpers ---- */

/* The folder every test writes under (from the group setup). */
static char *root;

static char *subdir(const char *name)
{
    return sq_path_join(root, name);
}

static struct demo_options small_options(uint64_t rows, const char *out)
{
    struct demo_options o;
    demo_options_init(&o);
    o.rows = rows;
    o.out_dir = out;
    return o;
}

/* The whole data set as one CSV string (caller frees). */
static char *gen_csv(const struct demo_options *o, size_t *len)
{
    char *data = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&data, &n);
    assert_non_null(f);
    struct sq_error err;
    sq_error_clear(&err);
    int rc = demo_write_csv(o, f, &err);
    if (rc)
        print_error("demo_write_csv: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(fclose(f), 0);
    *len = n;
    return data;
}

static char *read_all(const char *path, size_t *len)
{
    struct sq_buf b;
    struct sq_error err;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    int rc = sq_read_file(path, &b, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    *len = b.len;
    return sq_buf_steal(&b);
}

static void write_demo(const struct demo_options *o, struct demo_report *rep)
{
    struct sq_error err;
    sq_error_clear(&err);
    int rc = demo_write(o, rep, &err);
    if (rc)
        print_error("demo_write: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* Parsed CSV: the text split in place into lines and fields. */
struct csv {
    char *text;
    char *header;
    size_t nrows;
    char *(*rows)[NCOLS];
};

/* Takes ownership of text. Fails the test on any line without exactly 21 fields. */
static void csv_parse(struct csv *c, char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    assert_true(len > 0 && text[len - 1] == '\n');
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    c->rows = xcalloc(lines, sizeof *c->rows);
    char *p = text, *end = text + len;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    *nl = '\0';
    c->header = p;
    p = nl + 1;
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        *nl = '\0';
        char **f = c->rows[c->nrows++];
        int n = 0;
        f[n++] = p;
        for (char *q = p; *q; q++) {
            if (*q == '"')
                fail_msg("unexpected quote in row %zu", c->nrows);
            if (*q == ',') {
                *q = '\0';
                if (n == NCOLS)
                    fail_msg("row %zu has more than %d fields", c->nrows, NCOLS);
                f[n++] = q + 1;
            }
        }
        if (n != NCOLS)
            fail_msg("row %zu has %d fields, not %d", c->nrows, n, NCOLS);
        p = nl + 1;
    }
}

static void csv_free(struct csv *c)
{
    free(c->rows);
    free(c->text);
}

/* "12.34" / "-0.5" / "7" -> hundredths; fails on anything else. */
static int64_t hundredths(const char *s)
{
    int neg = *s == '-';
    if (neg)
        s++;
    int64_t v = 0;
    int frac = -1;
    for (; *s; s++) {
        if (*s == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9')
            fail_msg("not a number: %s", s);
        v = v * 10 + (*s - '0');
        if (frac >= 0)
            frac++;
    }
    if (frac > 2)
        fail_msg("more than two decimals");
    for (int i = frac < 0 ? 0 : frac; i < 2; i++)
        v *= 10;
    return neg ? -v : v;
}

/* Days since 1970-01-01 of "YYYY-MM-DD" (Howard Hinnant's days_from_civil). */
static long day_number(const char *s)
{
    assert_int_equal(strlen(s), 10);
    assert_true(s[4] == '-' && s[7] == '-');
    long y = strtol(s, NULL, 10), m = strtol(s + 5, NULL, 10), d = strtol(s + 8, NULL, 10);
    assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int year_of(const char *date)
{
    return (int)strtol(date, NULL, 10);
}

static int month_of(const char *date)
{
    return (int)strtol(date + 5, NULL, 10);
}

/* A string -> string map (open addressing); keys and values are borrowed. */
struct kv {
    size_t n, cap;
    const char **k;
    const char **v;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot of key: where it is, or the empty slot where it would go. */
static size_t kv_slot(const struct kv *m, const char *key)
{
    size_t i = (size_t)hash_str(key) & (m->cap - 1);
    while (m->k[i] && strcmp(m->k[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static const char *kv_get(const struct kv *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = kv_slot(m, key);
    return m->k[i] ? m->v[i] : NULL;
}

static void kv_put(struct kv *m, const char *key, const char *value)
{
    if (2 * (m->n + 1) > m->cap) {
        struct kv old = *m;
        m->cap = m->cap ? m->cap * 2 : 64;
        m->k = xcalloc(m->cap, sizeof *m->k);
        m->v = xcalloc(m->cap, sizeof *m->v);
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.k[i])
                kv_put(m, old.k[i], old.v[i]);
        free(old.k);
        free(old.v);
    }
    size_t i = kv_slot(m, key);
    if (!m->k[i])
        m->n++;
    m->k[i] = key;
    m->v[i] = value;
}

/* Records key -> value and returns 1 if key is new; fails the test if key was seen with
 * another value. */
static int kv_consistent(struct kv *m, const char *key, const char *value, const char *what)
{
    const char *seen = kv_get(m, key);
    if (seen) {
        if (strcmp(seen, value) != 0)
            fail_msg("%s: %s maps to both '%s' and '%s'", what, key, seen, value);
        return 0;
    }
    kv_put(m, key, value);
    return 1;
}

/* Frees the values too when they were heap strings. */
static void kv_free(struct kv *m, int free_values)
{
    for (size_t i = 0; free_values && i < m->cap; i++)
        if (m->k[i])
            free((char *)m->v[i]);
    free(m->k);
    free(m->v);
}

/* Joins fields a..b of a row with '|' into out (for multi-column consistency keys). */
static const char *join_fields(char *out, size_t n, char **f, int a, int b)
{
    size_t j = 0;
    for (int i = a; i <= b; i++) {
        int w = snprintf(out + j, n - j, "%s%s", i > a ? "|" : "", f[i]);
        assert_true(w >= 0 && (size_t)w < n - j);
        j += (size_t)w;
    }
    return out;
}

/* Entries in a folder, "." and ".." aside (hidden temporaries count). */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* ---- tests ---- */

static void test_header_and_row_count(void **state)
{
    (void)state;
    char *out = subdir("count");
    struct demo_options o = small_options(5000, out);
    struct demo_report rep;
    write_demo(&o, &rep);
    assert_int_equal(rep.files, 1);
    assert_int_equal(rep.rows, 5000);

    char *path = sq_path_join(out, "sales.csv");
    size_t len;
    char *text = read_all(path, &len);
    assert_int_equal(rep.bytes, len);
    struct csv c;
    csv_parse(&c, text, len);
    assert_string_equal(c.header, expected_header);
    assert_string_equal(demo_csv_header(), expected_header);
    assert_int_equal(c.nrows, 5000);
    /* Only the data file, no temporary left behind. */
    assert_int_equal(count_entries(out), 1);
    csv_free(&c);
    free(path);
    free(out);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct demo_options o = small_options(20000, "-");
    size_t n1, n2, n3;
    char *a = gen_csv(&o, &n1);
    char *b = gen_csv(&o, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    o.seed = 43;
    char *c = gen_csv(&o, &n3);
    assert_true(n1 != n3 || memcmp(a, c, n1) != 0);

    /* The file demo_write produces is the same bytes as the stream. */
    char *out = subdir("determinism");
    struct demo_options w = small_options(20000, out);
    struct demo_report rep;
    write_demo(&w, &rep);
    char *path = sq_path_join(out, "sales.csv");
    size_t nf;
    char *f = read_all(path, &nf);
    assert_int_equal(nf, n1);
    assert_memory_equal(f, a, n1);
    free(f);
    free(path);
    free(out);
    free(a);
    free(b);
    free(c);
}

static const char *const subcat_to_category[][2] = {
    {"Bookcases", "Furniture"},        {"Chairs", "Furniture"},
    {"Furnishings", "Furniture"},      {"Tables", "Furniture"},
    {"Appliances", "Office Supplies"}, {"Art", "Office Supplies"},
    {"Binders", "Office Supplies"},    {"Envelopes", "Office Supplies"},
    {"Fasteners", "Office Supplies"},  {"Labels", "Office Supplies"},
    {"Paper", "Office Supplies"},      {"Storage", "Office Supplies"},
    {"Supplies", "Office Supplies"},   {"Accessories", "Technology"},
    {"Copiers", "Technology"},         {"Machines", "Technology"},
    {"Phones", "Technology"},
};

static const char *const known_state_region[][2] = {
    {"California", "West"},   {"Washington", "West"}, {"New York", "East"},
    {"Pennsylvania", "East"}, {"Ohio", "East"},       {"Texas", "Central"},
    {"Illinois", "Central"},  {"Florida", "South"},   {"Georgia", "South"},
};

static void test_every_row_is_consistent(void **state)
{
    (void)state;
    struct demo_options o = small_options(30000, "-");
    o.start_year = 2019;
    o.years = 3;
    size_t len;
    char *text = gen_csv(&o, &len);
    struct csv c;
    csv_parse(&c, text, len);
    assert_int_equal(c.nrows, 30000);

    struct kv region_of = {0}, state_of_city = {0}, cat_of_sub = {0}, product = {0}, customer = {0},
              order = {0};
    long first_day = day_number("2019-01-01"), last_day = day_number("2021-12-31");
    long prev_day = first_day;
    size_t orders = 0, returned_orders = 0, lines_in_order = 0;
    const char *prev_order = "";
    for (size_t r = 0; r < c.nrows; r++) {
        char **f = c.rows[r];
        /* sales == round(quantity * unit_price * (1 - discount), 2), exactly in cents... */
        int64_t q = hundredths(f[C_QUANTITY]) / 100, price = hundredths(f[C_UNIT_PRICE]);
        int64_t disc = hundredths(f[C_DISCOUNT]), sales = hundredths(f[C_SALES]);
        assert_true(q >= 1 && q <= 14);
        assert_true(price > 0);
        assert_true(disc >= 0 && disc <= 80 && disc % 10 == 0);
        int64_t exact = q * price * (100 - disc); /* in 1/10000 of a dollar */
        int64_t rounded = (exact + 50) / 100;
        if (sales != rounded)
            fail_msg("row %zu: sales %s, expected %lld cents", r + 1, f[C_SALES],
                     (long long)rounded);
        /* ... and in the floating point a user would check it with. */
        double d = round((double)q * strtod(f[C_UNIT_PRICE], NULL) *
                         (1 - strtod(f[C_DISCOUNT], NULL)) * 100) /
                   100;
        assert_true(fabs(d - strtod(f[C_SALES], NULL)) < 0.001);
        /* Profit: positive without a discount, never above sales. */
        int64_t profit = hundredths(f[C_PROFIT]);
        assert_true(profit < sales);
        if (disc == 0)
            assert_true(profit > 0);

        /* Dates: in the requested years, in order, shipped 0-7 days after ordering. */
        long od = day_number(f[C_ORDER_DATE]), sd = day_number(f[C_SHIP_DATE]);
        assert_true(od >= first_day && od <= last_day);
        assert_true(od >= prev_day);
        prev_day = od;
        assert_true(sd >= od && sd <= od + 7);
        if (strcmp(f[C_SHIP_MODE], "Same Day") == 0)
            assert_true(sd == od);

        assert_string_equal(f[C_COUNTRY], "United States");
        assert_true(strcmp(f[C_RETURNED], "Yes") == 0 || strcmp(f[C_RETURNED], "No") == 0);
        assert_true(strcmp(f[C_SEGMENT], "Consumer") == 0 ||
                    strcmp(f[C_SEGMENT], "Corporate") == 0 ||
                    strcmp(f[C_SEGMENT], "Home Office") == 0);
        assert_int_equal(strncmp(f[C_ORDER_ID], "SO-", 3), 0);
        assert_int_equal(strncmp(f[C_ORDER_ID] + 3, f[C_ORDER_DATE], 4), 0);

        /* Reference data never contradicts itself. */
        kv_consistent(&region_of, f[C_STATE], f[C_REGION], "state -> region");
        kv_consistent(&state_of_city, f[C_CITY], f[C_STATE], "city -> state");
        kv_consistent(&cat_of_sub, f[C_SUB_CATEGORY], f[C_CATEGORY], "sub_category -> category");
        char *pv = xasprintf("%s|%s|%s|%s", f[C_CATEGORY], f[C_SUB_CATEGORY], f[C_PRODUCT_NAME],
                             f[C_UNIT_PRICE]);
        char *cv = xasprintf("%s|%s|%s|%s|%s", f[C_CUSTOMER_NAME], f[C_SEGMENT], f[C_REGION],
                             f[C_STATE], f[C_CITY]);
        char ov_buf[512];
        join_fields(ov_buf, sizeof ov_buf, f, C_ORDER_DATE, C_CITY);
        char *ov = xasprintf("%s|%s", ov_buf, f[C_RETURNED]);
        if (!kv_consistent(&product, f[C_PRODUCT_ID], pv, "product_id -> product"))
            free(pv);
        if (!kv_consistent(&customer, f[C_CUSTOMER_ID], cv, "customer_id -> customer"))
            free(cv);
        if (!kv_consistent(&order, f[C_ORDER_ID], ov, "order_id -> order"))
            free(ov);

        /* Orders: 1-5 consecutive lines. */
        if (strcmp(prev_order, f[C_ORDER_ID]) != 0) {
            orders++;
            returned_orders += strcmp(f[C_RETURNED], "Yes") == 0;
            lines_in_order = 0;
        }
        lines_in_order++;
        assert_true(lines_in_order <= 5);
        prev_order = f[C_ORDER_ID];
    }
    /* Order ids are unique to one run of consecutive lines. */
    assert_int_equal(order.n, orders);

    for (size_t i = 0; i < sizeof subcat_to_category / sizeof subcat_to_category[0]; i++) {
        const char *cat = kv_get(&cat_of_sub, subcat_to_category[i][0]);
        if (!cat)
            fail_msg("sub-category %s never appears", subcat_to_category[i][0]);
        assert_string_equal(cat, subcat_to_category[i][1]);
    }
    assert_int_equal(cat_of_sub.n, 17);
    for (size_t i = 0; i < sizeof known_state_region / sizeof known_state_region[0]; i++) {
        const char *region = kv_get(&region_of, known_state_region[i][0]);
        assert_non_null(region);
        assert_string_equal(region, known_state_region[i][1]);
    }
    assert_in_range(region_of.n, 35, 50);
    assert_in_range(state_of_city.n, 100, 300);
    assert_in_range(product.n, 200, 600);
    /* A few percent of orders come back. */
    assert_in_range(returned_orders * 1000 / orders, 20, 80);

    kv_free(&region_of, 0);
    kv_free(&state_of_city, 0);
    kv_free(&cat_of_sub, 0);
    kv_free(&product, 1);
    kv_free(&customer, 1);
    kv_free(&order, 1);
    csv_free(&c);
}

static int cmp_i64_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void test_seasonality_growth_and_big_customers(void **state)
{
    (void)state;
    struct demo_options o = small_options(100000, "-");
    size_t len;
    char *text = gen_csv(&o, &len);
    struct csv c;
    csv_parse(&c, text, len);

    int64_t by_quarter[4] = {0}, by_year[4] = {0}, by_month[12] = {0};
    struct kv slot_of = {0}; /* customer_id -> its index in by_customer, as a string */
    int64_t *by_customer = xcalloc(c.nrows, sizeof *by_customer);
    char(*index_text)[16] = xcalloc(c.nrows, sizeof *index_text);
    size_t ncustomers = 0;
    for (size_t r = 0; r < c.nrows; r++) {
        char **f = c.rows[r];
        int64_t s = hundredths(f[C_SALES]);
        int y = year_of(f[C_ORDER_DATE]) - 2021, m = month_of(f[C_ORDER_DATE]);
        assert_in_range(y, 0, 3);
        by_year[y] += s;
        by_quarter[(m - 1) / 3] += s;
        by_month[m - 1] += s;
        const char *k = kv_get(&slot_of, f[C_CUSTOMER_ID]);
        if (!k) {
            snprintf(index_text[ncustomers], sizeof index_text[0], "%zu", ncustomers);
            k = index_text[ncustomers++];
            kv_put(&slot_of, f[C_CUSTOMER_ID], k);
        }
        by_customer[strtoul(k, NULL, 10)] += s;
    }
    /* Q4 outsells Q1 clearly; November and December outsell July and August. */
    print_message("sales by quarter: %lld %lld %lld %lld\n", (long long)by_quarter[0] / 100,
                  (long long)by_quarter[1] / 100, (long long)by_quarter[2] / 100,
                  (long long)by_quarter[3] / 100);
    assert_true(by_quarter[3] > by_quarter[0] * 13 / 10);
    assert_true(by_month[10] + by_month[11] > by_month[6] + by_month[7]);
    /* Every year grows on the one before, by roughly 5-25%. */
    for (int y = 1; y < 4; y++) {
        print_message("year %d: %lld\n", 2021 + y, (long long)by_year[y] / 100);
        assert_true(by_year[y] > by_year[y - 1] * 105 / 100);
        assert_true(by_year[y] < by_year[y - 1] * 125 / 100);
    }
    /* A few customers are much bigger than the typical one. */
    qsort(by_customer, ncustomers, sizeof *by_customer, cmp_i64_desc);
    assert_true(ncustomers > 1000);
    print_message("top customer %lld, median %lld\n", (long long)by_customer[0] / 100,
                  (long long)by_customer[ncustomers / 2] / 100);
    assert_true(by_customer[0] > 10 * by_customer[ncustomers / 2]);

    free(index_text);
    free(by_customer);
    kv_free(&slot_of, 0);
    csv_free(&c);
}

static void test_split_into_files(void **state)
{
    (void)state;
    char *out = subdir("split");
    struct demo_options o = small_options(20000, out);
    o.files = 6;
    struct demo_report rep;
    write_demo(&o, &rep);
    assert_int_equal(rep.files, 6);

    struct demo_options one = small_options(20000, "-");
    size_t whole_len;
    char *whole = gen_csv(&one, &whole_len);
    size_t header_len = strlen(expected_header) + 1, pos = header_len;

    size_t total = 0;
    long prev_last = -1;
    uint64_t bytes = 0;
    for (int k = 1; k <= 6; k++) {
        char name[64];
        snprintf(name, sizeof name, "sales/sales_%04d.csv", k);
        char *path = sq_path_join(out, name);
        size_t len;
        char *text = read_all(path, &len);
        bytes += len;
        /* The files, headers dropped, concatenate to the single-file data set. */
        assert_true(pos + len - header_len <= whole_len);
        assert_memory_equal(text + header_len, whole + pos, len - header_len);
        pos += len - header_len;
        struct csv c;
        csv_parse(&c, text, len);
        assert_string_equal(c.header, expected_header);
        assert_true(c.nrows > 2000 && c.nrows < 5000);
        total += c.nrows;
        long first = day_number(c.rows[0][C_ORDER_DATE]);
        long last = day_number(c.rows[c.nrows - 1][C_ORDER_DATE]);
        assert_true(first > prev_last);
        prev_last = last;
        csv_free(&c);
        free(path);
    }
    assert_int_equal(pos, whole_len);
    assert_int_equal(total, 20000);
    assert_int_equal(rep.bytes, bytes);
    char *sales_csv = sq_path_join(out, "sales.csv");
    assert_false(sq_is_file(sales_csv));
    free(sales_csv);
    free(whole);
    free(out);
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char *path = sq_path_join(dir, name);
    struct sq_error err;
    assert_int_equal(sq_mkdir_parent(path, &err), 0);
    assert_int_equal(sq_write_file(path, text, strlen(text), &err), 0);
    free(path);
}

static int exists(const char *dir, const char *name)
{
    char *path = sq_path_join(dir, name);
    int r = access(path, F_OK) == 0;
    free(path);
    return r;
}

static void test_layout_switch(void **state)
{
    (void)state;
    char *out = subdir("layout");
    struct demo_options o = small_options(3000, out);
    struct demo_report rep;
    put_file(out, "notes.txt", "keep me\n");
    put_file(out, "sales/sales_2023.csv", "date,amount\n2023-01-01,5\n");

    write_demo(&o, &rep);
    assert_true(exists(out, "sales.csv"));

    o.files = 4;
    write_demo(&o, &rep);
    assert_false(exists(out, "sales.csv"));
    for (int k = 1; k <= 4; k++) {
        char name[64];
        snprintf(name, sizeof name, "sales/sales_%04d.csv", k);
        assert_true(exists(out, name));
    }

    o.files = 2;
    write_demo(&o, &rep);
    assert_true(exists(out, "sales/sales_0002.csv"));
    assert_false(exists(out, "sales/sales_0003.csv"));
    assert_false(exists(out, "sales/sales_0004.csv"));

    o.files = 1;
    write_demo(&o, &rep);
    assert_true(exists(out, "sales.csv"));
    assert_false(exists(out, "sales/sales_0001.csv"));
    assert_false(exists(out, "sales/sales_0002.csv"));
    /* The user's own files stay, and so does the folder that holds one. */
    assert_true(exists(out, "notes.txt"));
    assert_true(exists(out, "sales/sales_2023.csv"));
    assert_int_equal(count_entries(out), 3);

    /* Without anything else in it, the sales/ folder goes too. */
    char *mine = sq_path_join(out, "sales/sales_2023.csv");
    assert_int_equal(unlink(mine), 0);
    free(mine);
    o.files = 3;
    write_demo(&o, &rep);
    o.files = 1;
    write_demo(&o, &rep);
    assert_false(exists(out, "sales"));
    free(out);
}

static long long query_int(struct store *st, const char *sql)
{
    long long v = -1;
    struct sq_error err;
    int rc = store_query_int(store_main(st), sql, &v, &err);
    if (rc)
        print_error("%s: %s\n", sql, err.msg);
    assert_int_equal(rc, 0);
    return v;
}

static void test_parquet(void **state)
{
    (void)state;
    char *out = subdir("parquet");
    struct demo_options o = small_options(2000, out);
    struct demo_report rep;
    write_demo(&o, &rep); /* a CSV first: the Parquet run must replace it */
    o.parquet = 1;
    write_demo(&o, &rep);
    assert_true(exists(out, "sales.parquet"));
    assert_false(exists(out, "sales.csv"));
    assert_int_equal(count_entries(out), 1); /* no temporary CSV or Parquet left */

    /* The same rows and total sales as the CSV of the same options. */
    struct demo_options csv_o = small_options(2000, "-");
    size_t len;
    char *text = gen_csv(&csv_o, &len);
    struct csv c;
    csv_parse(&c, text, len);
    long long cents = 0;
    for (size_t r = 0; r < c.nrows; r++)
        cents += hundredths(c.rows[r][C_SALES]);

    struct store_options so = {0};
    struct store *st;
    struct sq_error err;
    assert_int_equal(store_open(&so, &st, &err), 0);
    char *path = sq_path_join(out, "sales.parquet");
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SELECT count(*) FROM read_parquet(");
    sq_buf_put_literal(&sql, path);
    sq_buf_puts(&sql, ")");
    assert_int_equal(query_int(st, sql.data), 2000);
    sq_buf_reset(&sql);
    sq_buf_puts(&sql, "SELECT CAST(sum(CAST(sales AS DECIMAL(18, 2))) * 100 AS BIGINT) FROM "
                      "read_parquet(");
    sq_buf_put_literal(&sql, path);
    sq_buf_puts(&sql, ")");
    assert_int_equal(query_int(st, sql.data), cents);

    /* Its columns are the CSV header's, in order. */
    struct sq_table t;
    sq_table_init(&t);
    sq_buf_reset(&sql);
    sq_buf_puts(&sql, "SELECT * FROM read_parquet(");
    sq_buf_put_literal(&sql, path);
    sq_buf_puts(&sql, ") LIMIT 1");
    assert_int_equal(store_query(store_main(st), sql.data, &t, &err), 0);
    struct sq_buf names;
    sq_buf_init(&names, SQ_BUF_UNLIMITED);
    for (size_t i = 0; i < t.ncols; i++) {
        if (i)
            sq_buf_putc(&names, ',');
        sq_buf_puts(&names, t.cols[i].name);
    }
    assert_string_equal(names.data, expected_header);
    sq_buf_fini(&names);
    sq_table_fini(&t);

    /* Several Parquet files: the same count over the folder. */
    o.files = 3;
    o.rows = 3000;
    write_demo(&o, &rep);
    assert_int_equal(rep.files, 3);
    assert_false(exists(out, "sales.parquet"));
    char *dir = sq_path_join(out, "sales");
    assert_int_equal(count_entries(dir), 3);
    char *glob = sq_path_join(dir, "*.parquet");
    sq_buf_reset(&sql);
    sq_buf_puts(&sql, "SELECT count(*) FROM read_parquet(");
    sq_buf_put_literal(&sql, glob);
    sq_buf_puts(&sql, ")");
    assert_int_equal(query_int(st, sql.data), 3000);

    sq_buf_fini(&sql);
    store_close(st);
    free(glob);
    free(dir);
    free(path);
    csv_free(&c);
    free(out);
}

static void expect_usage(struct demo_options o, const char *needle)
{
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(demo_check_options(&o, &err), SQ_E_USAGE);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' does not mention '%s'", err.msg, needle);
    sq_error_clear(&err);
    assert_int_equal(demo_write(&o, NULL, &err), SQ_E_USAGE);
}

static void test_bad_options(void **state)
{
    (void)state;
    char *out = subdir("bad");
    struct demo_options o = small_options(1000, out);
    struct sq_error err;
    assert_int_equal(demo_check_options(&o, &err), 0);

    struct demo_options b = o;
    b.rows = 0;
    expect_usage(b, "--rows");
    b = o;
    b.files = 0;
    expect_usage(b, "--files");
    b = o;
    b.files = 1001;
    expect_usage(b, "--files");
    b = o;
    b.years = 1;
    b.files = 366;
    expect_usage(b, "days");
    b = o;
    b.years = 0;
    expect_usage(b, "--years");
    b = o;
    b.start_year = 1800;
    expect_usage(b, "--start-year");
    b = o;
    b.start_year = 2090;
    b.years = 20;
    expect_usage(b, "2100");
    b = o;
    b.out_dir = "";
    expect_usage(b, "--out");
    /* Nothing was written for any of them. */
    assert_false(sq_is_dir(out));

    /* A file where the sales/ folder would go is an I/O error, not a crash. */
    put_file(out, "sales", "not a folder\n");
    b = o;
    b.files = 2;
    sq_error_clear(&err);
    assert_int_equal(demo_write(&b, NULL, &err), SQ_E_IO);
    assert_non_null(strstr(err.msg, "not a folder"));
    free(out);
}

static int setup(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/salesql-test-demo-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    root = xstrdup(tmpl);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sq_rm_rf(root);
    free(root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_row_count),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_every_row_is_consistent),
        cmocka_unit_test(test_seasonality_growth_and_big_customers),
        cmocka_unit_test(test_split_into_files),
        cmocka_unit_test(test_layout_switch),
        cmocka_unit_test(test_parquet),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
