/*
 * Calendar arithmetic for time windows (see nlsql/internal.h): civil dates to days and
 * back (Howard Hinnant's algorithms), month steps, month names, and the anchor of
 * relative periods — the latest date in the data, never the clock.
 */
#include "nlsql/internal.h"

#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long nl__days(struct nl_date d)
{
    long y = d.y - (d.m <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (d.m + (d.m > 2 ? -3 : 9)) + 2) / 5 + d.d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct nl_date nl__from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp + (mp < 10 ? 3 : -9);
    struct nl_date out = {(int)(y + (m <= 2)), (int)m, (int)d};
    return out;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

struct nl_date nl__add_months(struct nl_date d, int months)
{
    int total = d.y * 12 + (d.m - 1) + months;
    struct nl_date out = {total / 12, total % 12 + 1, d.d};
    int dim = days_in_month(out.y, out.m);
    if (out.d > dim)
        out.d = dim;
    return out;
}

int nl__parse_date(const char *s, struct nl_date *out)
{
    int y, m, d;
    if (!s || sscanf(s, "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    out->y = y;
    out->m = m;
    out->d = d;
    return 0;
}

static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

const char *nl__month_name(int m)
{
    return m >= 1 && m <= 12 ? months[m - 1] : "?";
}

int nl__month_of(const char *w)
{
    static const char *const shortn[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++) {
        char full[sizeof "September"]; /* the longest month name */
        size_t n = strlen(months[i]);
        for (size_t k = 0; k <= n; k++)
            full[k] = (char)(k < n ? months[i][k] | 0x20 : '\0');
        if (strcmp(w, full) == 0 || strcmp(w, shortn[i]) == 0)
            return i + 1;
    }
    if (strcmp(w, "sept") == 0)
        return 9;
    return 0;
}

int nl__anchor(const struct schema_column *date, struct nl_date *out)
{
    return date && nl__parse_date(date->max, out) == 0;
}

/* The parts of "a/b/yyyy" at token i: 1 and a, b, y, else 0. */
static int slash_parts(const struct lx_tokens *tk, size_t i, int *a, int *b, int *y)
{
    if (i + 4 >= tk->n)
        return 0;
    const struct lx_token *t = tk->t + i;
    for (int k = 0; k < 5; k += 2)
        if (t[k].kind != LX_NUMBER || !t[k].integer || t[k].percent || t[k].currency)
            return 0;
    if (t[1].kind != LX_PUNCT || t[3].kind != LX_PUNCT || strcmp(t[1].text, "/") != 0 ||
        strcmp(t[3].text, "/") != 0 || t[0].digits > 2 || t[2].digits > 2 || t[4].digits != 4 ||
        t[1].start != t[0].end || t[2].start != t[1].end || t[3].start != t[2].end ||
        t[4].start != t[3].end)
        return 0;
    *a = (int)t[0].value;
    *b = (int)t[2].value;
    *y = (int)t[4].value;
    return *a >= 1 && *b >= 1 && *a <= 31 && *b <= 31;
}

int nl__slashed_date(const struct lx_tokens *tk, size_t i, struct nl_date *out)
{
    int a, b, y;
    if (!slash_parts(tk, i, &a, &b, &y))
        return 0;
    /* the order the question's dates share: one with a part over 12 decides it */
    int month_first = 0, day_first = 0;
    for (size_t j = 0; j + 4 < tk->n; j++) {
        int p, q, r;
        if (slash_parts(tk, j, &p, &q, &r)) {
            month_first |= q > 12;
            day_first |= p > 12;
        }
    }
    int m, d;
    if (a == b || (month_first && !day_first))
        m = a, d = b;
    else if (day_first && !month_first)
        m = b, d = a;
    else
        return 0; /* 8/1/2003: August 1 or January 8? */
    struct nl_date x = {y, m, d};
    struct nl_date back = nl__from_days(nl__days(x));
    if (m > 12 || back.y != y || back.m != m || back.d != d)
        return 0;
    *out = x;
    return 5;
}
