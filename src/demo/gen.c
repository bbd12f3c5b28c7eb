/*
 * The demo row generator (see demo/internal.h). From the options it builds a product
 * catalog, a customer base and a calendar of lines per day, then writes order lines day
 * by day into a sink. demo.c drives it one file at a time.
 *
 * Everything comes from xoshiro256** streams seeded through splitmix64, and all arithmetic
 * is integer (money in cents), so the same options give the same bytes on every machine.
 * The hot loop formats numbers itself and copies pre-formatted blocks of text.
 */
#include "demo/internal.h"

#include "base/error.h"
#include "base/mem.h"
#include "demo/demo.h"

#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

/* The product catalog is the same for every seed, so product ids, names and prices are
 * stable across data sets. */
#define CATALOG_SEED 0x5A1E5D0C5EEDULL
enum { STREAM_CATALOG = 1, STREAM_CALENDAR, STREAM_CUSTOMERS, STREAM_ORDERS };

#define PICK_BITS 10
#define PICK_SIZE (1u << PICK_BITS)
#define PICK_MASK (PICK_SIZE - 1)
#define MAX_LINES 5
#define MAX_SHIP_DAYS 7

/* Sizes of the generator's fixed buffers. */
enum {
    U64_DIGITS = 20,          /* 18446744073709551615 */
    PRICE_TEXT_MAX = 16,      /* a list price in dollars and cents: "1099.98" */
    PRICE_LEVELS_MAX = 128,   /* 5% steps of a price range; the top of a wide one is cut */
    MAX_SUBCAT_PRODUCTS = 64, /* products of one sub-category (12 + weight / 60) */
    MAX_SUBCATS = 32,         /* sub-categories in data.c (17) */
    PRODUCT_TEXT_MAX = 160,   /* "FUR-BO-10001234,Furniture,Bookcases,Bush Oak Bookcase," */
    CUSTOMER_TEXT_MAX = 160,  /* "JS-10234,John Smith,Consumer,United States,West,...," */
};
#define PROGRESS_EVERY 65536u

/* ---- random numbers ---- */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

/* A weighted choice among up to 65,536 options by one table look-up: each option fills a
 * share of the 1,024 slots proportional to its weight (options below 1/1024 may get none). */
struct pick {
    uint16_t v[PICK_SIZE];
};

static void pick_build(struct pick *p, const int *w, int n, int base)
{
    uint64_t total = 0, cum = 0;
    for (int i = 0; i < n; i++)
        total += (uint64_t)w[i];
    uint32_t j = 0;
    for (int i = 0; i < n; i++) {
        cum += (uint64_t)w[i];
        uint32_t end = (uint32_t)(cum * PICK_SIZE / total);
        for (; j < end; j++)
            p->v[j] = (uint16_t)(base + i);
    }
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A step coprime with n: (off + k * step) % n visits n distinct values for k < n. */
static uint32_t coprime_step(uint32_t n)
{
    uint32_t step = n * 618 / 1000 + 1;
    while (gcd32(step, n) != 1)
        step++;
    return step;
}

/* ---- text ---- */

static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930"
                              "31323334353637383940414243444546474849505152535455565758596061"
                              "62636465666768697071727374757677787980818283848586878889909192"
                              "93949596979899";

static inline char *put_mem(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_str(char *p, const char *s)
{
    return put_mem(p, s, strlen(s));
}

static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[U64_DIGITS];
    char *t = tmp + sizeof tmp;
    while (v >= 100) {
        t -= 2;
        memcpy(t, digits2 + (v % 100) * 2, 2);
        v /= 100;
    }
    if (v >= 10) {
        t -= 2;
        memcpy(t, digits2 + v * 2, 2);
    } else {
        *--t = (char)('0' + v);
    }
    return put_mem(p, t, (size_t)(tmp + sizeof tmp - t));
}

/* v with at least width digits, zero-padded. */
static char *put_u64_padded(char *p, uint64_t v, int width)
{
    char tmp[U64_DIGITS];
    char *end = put_u64(tmp, v);
    for (int n = (int)(end - tmp); n < width; n++)
        *p++ = '0';
    return put_mem(p, tmp, (size_t)(end - tmp));
}

/* Cents as dollars with two decimals: -1234 -> "-12.34". */
static inline char *put_money(char *p, int64_t cents)
{
    uint64_t u = (uint64_t)cents;
    if (cents < 0) {
        *p++ = '-';
        u = 0 - u;
    }
    p = put_u64(p, u / 100);
    *p++ = '.';
    return put_mem(p, digits2 + (u % 100) * 2, 2);
}

/* ---- calendar ---- */

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* 0 = Monday ... 6 = Sunday (Sakamoto's method). */
static int weekday(int y, int m, int d)
{
    static const int t[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3)
        y -= 1;
    int sunday0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
    return (sunday0 + 6) % 7;
}

/* Per mille. Q4 (above all November and December) is strong, the summer dips. */
static const int month_factor[12] = {780, 720, 980,  880,  930,  900,
                                     800, 820, 1150, 1060, 1400, 1480};
/* Monday first: weekdays busy, weekends quiet. */
static const int weekday_factor[7] = {1100, 1150, 1120, 1080, 1000, 620, 520};

/* Holidays and shopping days, per mille (1000 for an ordinary day). */
static int special_factor(int m, int d, int wd)
{
    if (m == 1 && d == 1)
        return 300;
    if (m == 7 && d == 4)
        return 500;
    if (m == 11 && wd == 3 && d >= 22 && d <= 28)
        return 400; /* Thanksgiving */
    if (m == 11 && wd == 4 && d >= 23 && d <= 29)
        return 2200; /* Black Friday */
    if (wd == 0 && ((m == 11 && d >= 26) || (m == 12 && d <= 2)))
        return 1900; /* Cyber Monday */
    if (m == 12 && d == 24)
        return 600;
    if (m == 12 && d == 25)
        return 150;
    if (m == 12 && d == 31)
        return 700;
    return 1000;
}

/* ---- catalogs ---- */

struct product {
    const char *block; /* "FUR-BO-10001234,Furniture,Bookcases,Bush Oak Bookcase," */
    uint16_t block_len;
    uint8_t category;
    uint8_t expensive; /* over $500: people buy fewer */
    int margin;        /* per mille */
    int64_t price;     /* cents, even (see price_cents) */
    char price_txt[PRICE_TEXT_MAX];
    uint8_t price_len;
};

struct customer {
    const char *block; /* "JS-10234,John Smith,Consumer,United States,West,California,Fresno," */
    uint16_t block_len;
    uint8_t region;
};

struct demo__gen {
    const struct demo_options *o;

    int ndays;
    uint64_t *cum;   /* cum[d]: calendar weight of the days before d; cum[ndays] is the total */
    char *dates;     /* "YYYY-MM-DD" of day d at dates + 10 * d, for ndays + MAX_SHIP_DAYS */
    uint16_t *years; /* order year of day d */

    struct product *products;
    size_t nproducts;
    char *product_text;

    struct customer *customers;
    size_t ncustomers;
    uint64_t *customer_cum; /* Zipf-like weights, cumulative */
    char *customer_text;

    struct pick category_by_region[DEMO_NREGIONS];
    struct pick subcat_by_category[DEMO_NCATEGORIES];
    struct pick *product_by_subcat; /* demo__nsubcats tables of product indices */
    struct pick quantity[2];        /* [expensive] */
    struct pick discount[DEMO_NREGIONS][DEMO_NCATEGORIES];
    struct pick lines;
    struct pick ship_mode;
    struct pick ship_days[4];
    size_t order_max; /* the most bytes one order can take */

    struct rng rng; /* the order stream */
    int next_day;
    int seq_year;
    uint64_t seq;
    uint64_t rows_done;
    uint64_t next_progress;
};

static const char *const ship_modes[4] = {"Standard Class", "Second Class", "First Class",
                                          "Same Day"};
static const char *const segments[3] = {"Consumer", "Corporate", "Home Office"};
/* Per mille of orders returned, by region. */
static const int returned_rate[DEMO_NREGIONS] = {60, 45, 40, 35};

/* A list price in cents. Items take a price band by position (cheapest first), prices
 * step by 5% within the sub-category's range, and above $10 end in .98 as shop prices do.
 * Every price is even: then quantity * price * (1 - discount) is never a half cent, so
 * sales rounds the same way in any arithmetic. */
static int64_t price_cents(const struct demo__subcat *sc, int item, int nitems, struct rng *r)
{
    int64_t levels[PRICE_LEVELS_MAX];
    int n = 0;
    for (int64_t p = (int64_t)sc->price_min * 100;
         p <= (int64_t)sc->price_max * 100 && n < PRICE_LEVELS_MAX; p = p * 105 / 100 + 1)
        levels[n++] = p;
    int band = n / nitems;
    int j = item * n / nitems + (int)rng_below(r, (uint32_t)band + 1);
    if (j >= n)
        j = n - 1;
    int64_t p = levels[j] + (int64_t)rng_below(r, (uint32_t)(levels[j] / 20 + 1));
    if (p >= 1000)
        p = p / 100 * 100 - 2;
    else
        p += p & 1;
    return p;
}

static size_t count_list(const char *const *list, size_t max)
{
    size_t n = 0;
    while (n < max && list[n])
        n++;
    return n;
}

static void build_products(struct demo__gen *g)
{
    struct rng r;
    rng_seed(&r, CATALOG_SEED, STREAM_CATALOG);
    size_t total = 0;
    for (size_t s = 0; s < demo__nsubcats; s++)
        total += 12 + (size_t)demo__subcats[s].weight / 60;
    g->products = xcalloc(total, sizeof *g->products);
    g->product_text = xmalloc(total * PRODUCT_TEXT_MAX);
    g->product_by_subcat = xcalloc(demo__nsubcats, sizeof *g->product_by_subcat);
    char *text = g->product_text;
    size_t np = 0;
    for (size_t s = 0; s < demo__nsubcats; s++) {
        const struct demo__subcat *sc = &demo__subcats[s];
        uint32_t nb = (uint32_t)count_list(sc->brands, 6);
        uint32_t nv = (uint32_t)count_list(sc->variants, 7);
        uint32_t ni = (uint32_t)count_list(sc->items, 7);
        uint32_t combos = nb * nv * ni;
        uint32_t n = 12 + (uint32_t)sc->weight / 60;
        if (n > combos)
            n = combos;
        if (n > MAX_SUBCAT_PRODUCTS)
            n = MAX_SUBCAT_PRODUCTS;
        uint32_t step = coprime_step(combos), off = rng_below(&r, combos);
        uint32_t id_off = rng_below(&r, 900000);
        int weights[MAX_SUBCAT_PRODUCTS];
        for (uint32_t k = 0; k < n; k++) {
            uint32_t c = (uint32_t)((off + (uint64_t)k * step) % combos);
            uint32_t b = c % nb, v = c / nb % nv, it = c / (nb * nv);
            struct product *p = &g->products[np];
            p->category = (uint8_t)sc->category;
            p->margin = sc->margin;
            p->price = price_cents(sc, (int)it, (int)ni, &r);
            p->expensive = p->price >= 50000;
            p->price_len = (uint8_t)(put_money(p->price_txt, p->price) - p->price_txt);
            char *t = text;
            t = put_str(t, demo__category_codes[sc->category]);
            *t++ = '-';
            t = put_str(t, sc->code);
            *t++ = '-';
            t = put_u64(t, 10000000 + (id_off + (uint64_t)k * 7919) % 900000);
            *t++ = ',';
            t = put_str(t, demo__categories[sc->category]);
            *t++ = ',';
            t = put_str(t, sc->name);
            *t++ = ',';
            t = put_str(t, sc->brands[b]);
            *t++ = ' ';
            t = put_str(t, sc->variants[v]);
            *t++ = ' ';
            t = put_str(t, sc->items[it]);
            *t++ = ',';
            p->block = text;
            p->block_len = (uint16_t)(t - text);
            text = t;
            /* A few best sellers in every sub-category. */
            weights[k] = (int)(1000000 / (k + 2));
            np++;
        }
        pick_build(&g->product_by_subcat[s], weights, (int)n, (int)(np - n));
    }
    g->nproducts = np;
}

static void build_customers(struct demo__gen *g)
{
    struct rng r;
    rng_seed(&r, g->o->seed, STREAM_CUSTOMERS);
    uint64_t n = g->o->rows / 40;
    n = n < 50 ? 50 : n > 50000 ? 50000 : n;
    g->ncustomers = (size_t)n;
    g->customers = xcalloc(n, sizeof *g->customers);
    g->customer_cum = xcalloc(n, sizeof *g->customer_cum);
    g->customer_text = xmalloc(n * CUSTOMER_TEXT_MAX);

    uint32_t nf = (uint32_t)demo__nfirst_names, nl = (uint32_t)demo__nlast_names;
    uint32_t combos = nf * nl, step = coprime_step(combos), off = rng_below(&r, combos);
    uint32_t id_off = rng_below(&r, 90000);
    int state_total = 0;
    for (size_t i = 0; i < demo__nstates; i++)
        state_total += demo__states[i].weight;
    static const int city_weight[8] = {40, 22, 15, 10, 8, 6, 5, 4};
    static const int segment_weight[3] = {520, 300, 180};
    /* Zipf-like: customer i orders in proportion to 1 / (i + a); the biggest customer
     * orders some thirty times as often as the median one. */
    uint64_t a = 8 + n / 64, cum = 0;
    char *text = g->customer_text;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t c = (uint32_t)((off + i * step) % combos);
        const char *first = demo__first_names[c % nf], *last = demo__last_names[c / nf];
        int sr = (int)rng_below(&r, 1000), seg = 0;
        while (sr >= segment_weight[seg])
            sr -= segment_weight[seg++];
        int sw = (int)rng_below(&r, (uint32_t)state_total);
        size_t st = 0;
        while (sw >= demo__states[st].weight)
            sw -= demo__states[st++].weight;
        const struct demo__state *state = &demo__states[st];
        int ncities = (int)count_list(state->cities, 8), city_total = 0;
        for (int k = 0; k < ncities; k++)
            city_total += city_weight[k];
        int cw = (int)rng_below(&r, (uint32_t)city_total), city = 0;
        while (cw >= city_weight[city])
            cw -= city_weight[city++];

        char *t = text;
        *t++ = first[0];
        *t++ = last[0];
        *t++ = '-';
        t = put_u64(t, 10000 + (id_off + i * 7919) % 90000);
        *t++ = ',';
        t = put_str(t, first);
        *t++ = ' ';
        t = put_str(t, last);
        *t++ = ',';
        t = put_str(t, segments[seg]);
        t = put_str(t, ",United States,");
        t = put_str(t, demo__regions[state->region]);
        *t++ = ',';
        t = put_str(t, state->name);
        *t++ = ',';
        t = put_str(t, state->cities[city]);
        *t++ = ',';
        g->customers[i].block = text;
        g->customers[i].block_len = (uint16_t)(t - text);
        g->customers[i].region = (uint8_t)state->region;
        text = t;
        cum += ((uint64_t)1 << 24) / (i + a);
        g->customer_cum[i] = cum;
    }
}

static void build_calendar(struct demo__gen *g)
{
    const struct demo_options *o = g->o;
    struct rng r;
    rng_seed(&r, o->seed, STREAM_CALENDAR);
    int ndays = 0;
    for (int y = o->start_year; y < o->start_year + o->years; y++)
        ndays += is_leap(y) ? 366 : 365;
    g->ndays = ndays;
    g->cum = xcalloc((size_t)ndays + 1, sizeof *g->cum);
    g->dates = xmalloc(((size_t)ndays + MAX_SHIP_DAYS) * 10);
    g->years = xcalloc((size_t)ndays, sizeof *g->years);

    /* Growth of 10-15% a year, compounding smoothly through each year. */
    uint64_t level[DEMO_MAX_YEARS + 1];
    level[0] = 1000000;
    for (int i = 0; i < o->years; i++)
        level[i + 1] = level[i] * (110 + rng_below(&r, 6)) / 100;

    int y = o->start_year, m = 1, d = 1, wd = weekday(y, 1, 1), doy = 0;
    for (int day = 0; day < ndays + MAX_SHIP_DAYS; day++) {
        char *t = g->dates + (size_t)day * 10;
        t = put_u64_padded(t, (uint64_t)y, 4);
        *t++ = '-';
        t = put_mem(t, digits2 + m * 2, 2);
        *t++ = '-';
        put_mem(t, digits2 + d * 2, 2);
        if (day < ndays) {
            int yi = y - o->start_year, ylen = is_leap(y) ? 366 : 365;
            uint64_t w = level[yi] + (level[yi + 1] - level[yi]) * (uint64_t)doy / (uint64_t)ylen;
            w = w * (uint64_t)month_factor[m - 1] / 1000;
            w = w * (uint64_t)weekday_factor[wd] / 1000;
            w = w * (uint64_t)special_factor(m, d, wd) / 1000;
            w = w * (850 + rng_below(&r, 301)) / 1000;
            g->cum[day + 1] = g->cum[day] + (w ? w : 1);
            g->years[day] = (uint16_t)y;
        }
        wd = (wd + 1) % 7;
        doy++;
        if (++d > month_days(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
                doy = 0;
            }
        }
    }
}

static void build_picks(struct demo__gen *g)
{
    /* Order lines per category (per mille): the West buys more technology, the Central
     * region more furniture. */
    static const int category_mix[DEMO_NREGIONS][DEMO_NCATEGORIES] = {
        {200, 580, 220}, {210, 590, 200}, {230, 610, 160}, {215, 615, 170}};
    for (int reg = 0; reg < DEMO_NREGIONS; reg++)
        pick_build(&g->category_by_region[reg], category_mix[reg], DEMO_NCATEGORIES, 0);
    for (int c = 0; c < DEMO_NCATEGORIES; c++) {
        int w[MAX_SUBCATS] = {0};
        for (size_t s = 0; s < demo__nsubcats; s++)
            w[s] = demo__subcats[s].category == c ? demo__subcats[s].weight : 0;
        pick_build(&g->subcat_by_category[c], w, (int)demo__nsubcats, 0);
    }

    static const int quantity[14] = {160, 240, 190, 130, 90, 60, 40, 30, 20, 15, 10, 7, 5, 3};
    static const int quantity_expensive[5] = {450, 300, 150, 70, 30};
    pick_build(&g->quantity[0], quantity, 14, 1);
    pick_build(&g->quantity[1], quantity_expensive, 5, 1);

    /* Discount in tenths (0 ... 0.8) by region: the Central region discounts deepest.
     * Technology is never discounted past 0.4 nor furniture past 0.5; the excess goes to
     * the common 0.2. */
    static const int discount[DEMO_NREGIONS][9] = {{600, 40, 310, 10, 20, 10, 0, 10, 0},
                                                   {570, 40, 310, 20, 30, 10, 10, 10, 0},
                                                   {470, 20, 280, 30, 30, 20, 30, 50, 70},
                                                   {520, 40, 300, 40, 40, 20, 20, 20, 0}};
    static const int max_discount[DEMO_NCATEGORIES] = {5, 8, 4};
    for (int reg = 0; reg < DEMO_NREGIONS; reg++)
        for (int c = 0; c < DEMO_NCATEGORIES; c++) {
            int w[9];
            memcpy(w, discount[reg], sizeof w);
            for (int k = max_discount[c] + 1; k < 9; k++) {
                w[2] += w[k];
                w[k] = 0;
            }
            pick_build(&g->discount[reg][c], w, 9, 0);
        }

    static const int lines[MAX_LINES] = {450, 250, 150, 90, 60};
    pick_build(&g->lines, lines, MAX_LINES, 1);
    static const int modes[4] = {600, 195, 155, 50};
    pick_build(&g->ship_mode, modes, 4, 0);
    static const int standard[4] = {20, 40, 25, 15}; /* 4-7 days */
    static const int second[4] = {20, 40, 25, 15};   /* 2-5 days */
    static const int first[3] = {30, 50, 20};        /* 1-3 days */
    static const int same[1] = {1};
    pick_build(&g->ship_days[0], standard, 4, 4);
    pick_build(&g->ship_days[1], second, 4, 2);
    pick_build(&g->ship_days[2], first, 3, 1);
    pick_build(&g->ship_days[3], same, 1, 0);
}

struct demo__gen *demo__gen_new(const struct demo_options *o)
{
    struct demo__gen *g = xcalloc(1, sizeof *g);
    g->o = o;
    build_calendar(g);
    build_products(g);
    build_customers(g);
    build_picks(g);
    size_t cust_max = 0, prod_max = 0;
    for (size_t i = 0; i < g->ncustomers; i++)
        if (g->customers[i].block_len > cust_max)
            cust_max = g->customers[i].block_len;
    for (size_t i = 0; i < g->nproducts; i++)
        if (g->products[i].block_len > prod_max)
            prod_max = g->products[i].block_len;
    /* Per line: the order prefix (< 80), the two blocks and the numbers (< 80). */
    g->order_max = MAX_LINES * (80 + cust_max + prod_max + 80);
    rng_seed(&g->rng, o->seed, STREAM_ORDERS);
    g->next_progress = PROGRESS_EVERY;
    return g;
}

void demo__gen_free(struct demo__gen *g)
{
    if (!g)
        return;
    free(g->cum);
    free(g->dates);
    free(g->years);
    free(g->products);
    free(g->product_text);
    free(g->product_by_subcat);
    free(g->customers);
    free(g->customer_cum);
    free(g->customer_text);
    free(g);
}

int demo__gen_days(const struct demo__gen *g)
{
    return g->ndays;
}

/* Lines on the days before day d: the total spread in proportion to calendar weight. */
static uint64_t rows_before(const struct demo__gen *g, int d)
{
    return (uint64_t)((u128)g->o->rows * g->cum[d] / g->cum[g->ndays]);
}

void demo__gen_split(const struct demo__gen *g, int n, int *bounds)
{
    bounds[0] = 0;
    for (int k = 1; k < n; k++) {
        uint64_t target = (uint64_t)((u128)g->o->rows * (unsigned)k / (unsigned)n);
        int lo = 0, hi = g->ndays;
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (rows_before(g, mid) >= target)
                hi = mid;
            else
                lo = mid + 1;
        }
        bounds[k] = lo > bounds[k - 1] ? lo : bounds[k - 1] + 1;
    }
    bounds[n] = g->ndays;
    for (int k = n - 1; k > 0; k--)
        if (bounds[k] >= bounds[k + 1])
            bounds[k] = bounds[k + 1] - 1;
}

static uint32_t pick_customer(const struct demo__gen *g, uint32_t x)
{
    uint64_t target = (uint64_t)(((u128)x * g->customer_cum[g->ncustomers - 1]) >> 32);
    uint32_t lo = 0, hi = (uint32_t)g->ncustomers - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->customer_cum[mid] > target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static const char discount_txt[9][4] = {"0",   "0.1", "0.2", "0.3", "0.4",
                                        "0.5", "0.6", "0.7", "0.8"};

int demo__gen_run(struct demo__gen *g, int first, int end, struct demo__sink *s,
                  struct sq_error *err)
{
    if (first != g->next_day || end < first || end > g->ndays)
        return sq_error_set(err, SQ_E_INTERNAL, -1, "demo: days %d-%d out of order", first, end);
    int rc;
    for (int d = first; d < end; d++) {
        uint64_t left = rows_before(g, d + 1) - rows_before(g, d);
        if (g->years[d] != g->seq_year) {
            g->seq_year = g->years[d];
            g->seq = 0;
        }
        const char *date = g->dates + (size_t)d * 10;
        while (left > 0) {
            if (s->cap - s->len < g->order_max && (rc = demo__sink_flush(s, err)))
                return rc;
            uint64_t r = rng_next(&g->rng);
            unsigned nlines = g->lines.v[r & PICK_MASK];
            if (nlines > left)
                nlines = (unsigned)left;
            unsigned mode = g->ship_mode.v[(r >> 10) & PICK_MASK];
            unsigned ship = g->ship_days[mode].v[(r >> 20) & PICK_MASK];
            const struct customer *cu = &g->customers[pick_customer(g, (uint32_t)(r >> 32))];
            int region = cu->region;
            r = rng_next(&g->rng);
            int returned = (r & PICK_MASK) * 1000 < (uint64_t)returned_rate[region] * PICK_SIZE;

            /* Each order line starts with it; put_mem writes no NUL. */
            char prefix[sizeof "SO--,YYYY-MM-DD,YYYY-MM-DD,Standard Class," + 2 * U64_DIGITS];
            char *t = put_mem(prefix, "SO-", 3);
            t = put_u64_padded(t, g->years[d], 4);
            *t++ = '-';
            t = put_u64_padded(t, ++g->seq, 7);
            *t++ = ',';
            t = put_mem(t, date, 10);
            *t++ = ',';
            t = put_mem(t, date + (size_t)ship * 10, 10);
            *t++ = ',';
            t = put_str(t, ship_modes[mode]);
            *t++ = ',';
            size_t prefix_len = (size_t)(t - prefix);

            uint16_t seen[MAX_LINES];
            char *p = s->buf + s->len;
            for (unsigned line = 0; line < nlines; line++) {
                unsigned cat, prod;
                /* Distinct products within an order: draw again on a repeat. */
                for (int tries = 0;; tries++) {
                    r = rng_next(&g->rng);
                    cat = g->category_by_region[region].v[r & PICK_MASK];
                    unsigned sub = g->subcat_by_category[cat].v[(r >> 10) & PICK_MASK];
                    prod = g->product_by_subcat[sub].v[(r >> 20) & PICK_MASK];
                    unsigned k = 0;
                    while (k < line && seen[k] != prod)
                        k++;
                    if (k == line || tries == 3)
                        break;
                }
                seen[line] = (uint16_t)prod;
                const struct product *pr = &g->products[prod];
                uint64_t qty = g->quantity[pr->expensive].v[(r >> 30) & PICK_MASK];
                unsigned disc = g->discount[region][cat].v[(r >> 40) & PICK_MASK];
                int margin = pr->margin + (int)((r >> 50) % 81) - 40;

                int64_t gross = (int64_t)qty * pr->price;
                int64_t sales = (gross * (10 - (int64_t)disc) + 5) / 10;
                int64_t cost = (gross * (1000 - margin) + 500) / 1000;

                p = put_mem(p, prefix, prefix_len);
                p = put_mem(p, cu->block, cu->block_len);
                p = put_mem(p, pr->block, pr->block_len);
                p = put_u64(p, qty);
                *p++ = ',';
                p = put_mem(p, pr->price_txt, pr->price_len);
                *p++ = ',';
                p = put_mem(p, discount_txt[disc], disc ? 3 : 1);
                *p++ = ',';
                p = put_money(p, sales);
                *p++ = ',';
                p = put_money(p, sales - cost);
                p = put_mem(p, returned ? ",Yes\n" : ",No\n", returned ? 5 : 4);
            }
            s->len = (size_t)(p - s->buf);
            left -= nlines;
            g->rows_done += nlines;
            if (g->rows_done >= g->next_progress && g->o->progress) {
                g->o->progress(g->o->ud, g->rows_done, g->o->rows);
                g->next_progress = g->rows_done - g->rows_done % PROGRESS_EVERY + PROGRESS_EVERY;
            }
        }
    }
    g->next_day = end;
    if (end == g->ndays && g->o->progress)
        g->o->progress(g->o->ud, g->rows_done, g->o->rows);
    return 0;
}
