/*
 * Profiling a source's mart after it loads: per column the type, share of NULLs,
 * approximate distinct count, min and max, a guessed role, and for text dimensions
 * their distinct values with counts (the value index the question parser uses to know
 * that "West" is a region). Stored in salesql_columns and salesql_values; called by
 * ingest.c for every source whose data changed.
 */
#include "ingest/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "schema/schema.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text columns with at most this many distinct values get their values indexed. */
enum { VALUE_INDEX_MAX = 5000, VALUE_MAX_LEN = SQ_INDEX_VALUE_CHARS };
/* Up to this many rows, distinct counts are exact. */
#define EXACT_DISTINCT_MAX_ROWS INGEST_PROFILE_EXACT_ROWS

static int has_word_suffix(const char *name, const char *word)
{
    size_t n = strlen(name), m = strlen(word);
    if (n < m || strcmp(name + n - m, word) != 0)
        return 0;
    return 1;
}

static int has_word(const char *name, const char *word)
{
    size_t m = strlen(word);
    for (const char *p = name; (p = strstr(p, word)) != NULL; p++) {
        int start = p == name || p[-1] == '_';
        int end = p[m] == '\0' || p[m] == '_';
        if (start && end)
            return 1;
    }
    return 0;
}

const char *ingest_guess_role(const char *name, const char *type, long long distinct,
                              long long rows, const char **agg)
{
    *agg = "";
    if (strncmp(type, "DATE", 4) == 0 || strncmp(type, "TIMESTAMP", 9) == 0)
        return "date";
    /* Calendar parts (year_id, qtr_id, month) group; they are never summed. */
    static const char *const parts[] = {"year", "quarter", "qtr",     "month",
                                        "week", "day",     "weekday", NULL};
    for (int i = 0; parts[i]; i++)
        if (has_word(name, parts[i]) && schema_type_is_integer(type))
            return "dimension";
    int id_name = strcmp(name, "id") == 0 || has_word_suffix(name, "_id") ||
                  has_word_suffix(name, "id") || has_word_suffix(name, "_key") ||
                  has_word_suffix(name, "key") || has_word_suffix(name, "number") ||
                  has_word_suffix(name, "_no") || has_word_suffix(name, "code") ||
                  has_word_suffix(name, "sku") || has_word_suffix(name, "_uuid") ||
                  has_word(name, "email") || has_word(name, "phone") || has_word(name, "fax");
    if (id_name)
        return "identifier";
    if (schema_type_is_numeric(type)) {
        /* Amounts are measures even when a small table holds few of them. */
        static const char *const amounts[] = {"quantity", "qty",      "amount", "sales", "revenue",
                                              "price",    "cost",     "profit", "units", "total",
                                              "freight",  "discount", "income", NULL};
        int amount = 0;
        for (int i = 0; amounts[i]; i++)
            amount |= strstr(name, amounts[i]) != NULL;
        if (!amount && distinct <= 2 && rows > 2)
            return "dimension"; /* flags such as discontinued 0/1 */
        /* Rates and prices average; amounts and counts sum. Distinctive stems match
         * anywhere in a name (priceeach, unitprice), short words only as words. */
        static const char *const stems[] = {"price", "discount", "percent", "margin",
                                            "msrp",  "ratio",    "average", NULL};
        static const char *const words[] = {"rate",   "pct", "age",   "score",
                                            "rating", "avg", "share", NULL};
        *agg = "sum";
        for (int i = 0; stems[i]; i++)
            if (strstr(name, stems[i]))
                *agg = "avg";
        for (int i = 0; words[i]; i++)
            if (has_word(name, words[i]))
                *agg = "avg";
        return "measure";
    }
    (void)rows;
    return "dimension";
}

/* The distinct count of N rows from d distinct values in a sample of n rows: a sample
 * of mostly unique values scales up, one of few values saturates (d is then already
 * the count). Smooth between the two: d + (d/n)^2 * (N - n). */
static long long estimate_distinct(long long d, long long n, long long total)
{
    if (n <= 0)
        return d;
    double u = (double)d / (double)n;
    double est = (double)d + u * u * (double)(total - n);
    return est > (double)total ? total : (long long)est;
}

/* What the profile knows of one mart column, from either path. */
struct colstat {
    long long nonnull;
    long long distinct;
    char *min; /* owned, or NULL */
    char *max;
    int listed; /* merged path: every file listed its values, so they can be merged */
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* The number of columns in the batch that starts at column from of n. */
static size_t batch_size(size_t from, size_t n)
{
    return n - from < INGEST_BATCH_COLUMNS ? n - from : INGEST_BATCH_COLUMNS;
}

/* The mart's columns, as the profile's queries read them: computed from the source's raw
 * table or view, not through the mart view, whose binding costs about 50 ms a statement
 * at 3,000 columns (its table's, 3 ms). cols: DESCRIBE of the mart; prior: the catalog's
 * column rows (name, original, note, derived_from). All borrowed. */
struct mart_cols {
    const char *qraw;
    const struct sq_table *cols;
    const struct sq_table *prior;
};

static const char *col_name(const struct mart_cols *m, size_t i)
{
    return sq_table_cell(m->cols, i, 0)->text;
}

static int col_is_text(const struct mart_cols *m, size_t i)
{
    return strcmp(sq_table_cell(m->cols, i, 1)->text, "VARCHAR") == 0;
}

/* " FROM (SELECT <columns idx[0..n)> FROM <raw><tail>)", each column named as in the mart,
 * as text when as_text: a calendar part the mart derives (<from>_<part>) is computed as
 * part(<from>). */
static void append_from(struct sq_buf *sql, const struct mart_cols *m, const size_t *idx, size_t n,
                        int as_text, const char *tail)
{
    sq_buf_puts(sql, " FROM (SELECT ");
    for (size_t k = 0; k < n; k++) {
        const char *name = col_name(m, idx[k]);
        const char *derived = NULL;
        for (size_t p = 0; p < m->prior->nrows; p++)
            if (strcmp(sq_table_cell(m->prior, p, 0)->text, name) == 0)
                derived = sq_table_cell(m->prior, p, 3)->text;
        struct sq_buf e;
        sq_buf_init(&e, SQ_BUF_UNLIMITED);
        if (derived) {
            sq_buf_printf(&e, "%s(", name + strlen(derived) + 1);
            sq_buf_put_ident(&e, derived);
            sq_buf_puts(&e, ")");
        } else {
            sq_buf_put_ident(&e, name);
        }
        sq_buf_printf(sql, as_text ? "%sCAST(%s AS VARCHAR) AS " : "%s%s AS ", k ? ", " : "",
                      e.data);
        sq_buf_put_ident(sql, name);
        sq_buf_fini(&e);
    }
    sq_buf_printf(sql, " FROM %s%s)", m->qraw, tail);
}

/* idx[k] = from + k for a batch of consecutive columns; the caller frees. */
static size_t *range(size_t from, size_t n)
{
    size_t *idx = xcalloc(n + 1, sizeof *idx);
    for (size_t k = 0; k < n; k++)
        idx[k] = from + k;
    return idx;
}

/* Columns [from, from + n) of a big source, from a 10% block sample of its table (a
 * sample of the view would still scan everything): sets distinct[] to an estimate and
 * recount[] where the sample shows few values (block samples under-count clustered
 * columns, dates in a date-sorted file, hence the generous thresholds), and fills the
 * text columns' min and max, which the exact query leaves out. */
static int sample_batch(struct store_conn *c, const struct mart_cols *m, size_t from, size_t n,
                        long long rows, long long *distinct, unsigned char *recount,
                        struct colstat *st, struct sq_error *err)
{
    struct sq_buf sql;
    struct sq_table t;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&t);
    sq_buf_puts(&sql, "SELECT count(*)");
    for (size_t i = from; i < from + n; i++) {
        char *q = sq_quote_ident(col_name(m, i));
        if (col_is_text(m, i))
            sq_buf_printf(&sql, ", approx_count_distinct(%s), min(%s), max(%s)", q, q, q);
        else
            sq_buf_printf(&sql, ", approx_count_distinct(%s), NULL, NULL", q);
        free(q);
    }
    size_t *idx = range(from, n);
    append_from(&sql, m, idx, n, 0, " TABLESAMPLE 10 PERCENT (system)");
    free(idx);
    int rc = store_query(c, sql.data, &t, err);
    long long got = rc ? 0 : sq_cell_int(sq_table_cell(&t, 0, 0));
    for (size_t i = from; !rc && i < from + n; i++) {
        size_t k = 1 + 3 * (i - from);
        int text = col_is_text(m, i);
        long long d = sq_cell_int(sq_table_cell(&t, 0, k));
        distinct[i] = estimate_distinct(d, got, rows);
        recount[i] = d <= (text ? 4 * VALUE_INDEX_MAX : 1000);
        if (text) {
            free(st[i].min);
            free(st[i].max);
            st[i].min = dup_or_null(sq_table_cell(&t, 0, k + 1)->text);
            st[i].max = dup_or_null(sq_table_cell(&t, 0, k + 2)->text);
        }
    }
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

/* Exact distinct counts over all the rows of the columns marked in recount[], in one
 * pass per batch of columns: cheap, as they have few values. */
static int recount_distinct(struct store_conn *c, const struct mart_cols *m,
                            const unsigned char *recount, long long *distinct, struct sq_error *err)
{
    size_t ncols = m->cols->nrows;
    size_t *idx = xcalloc(ncols + 1, sizeof *idx);
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    int rc = 0;
    size_t i = 0;
    while (!rc && i < ncols) {
        size_t n = 0;
        sq_buf_reset(&sql);
        for (; i < ncols && n < INGEST_BATCH_COLUMNS; i++) {
            if (!recount[i])
                continue;
            char *q = sq_quote_ident(col_name(m, i));
            sq_buf_printf(&sql, "%scount(DISTINCT %s)", n ? ", " : "SELECT ", q);
            free(q);
            idx[n++] = i;
        }
        if (!n)
            break;
        struct sq_table t;
        sq_table_init(&t);
        append_from(&sql, m, idx, n, 0, "");
        rc = store_query(c, sql.data, &t, err);
        for (size_t k = 0; !rc && k < n; k++)
            distinct[idx[k]] = sq_cell_int(sq_table_cell(&t, 0, k));
        sq_table_fini(&t);
    }
    sq_buf_fini(&sql);
    free(idx);
    return rc;
}

/* Statistics of a big source from samples: distinct estimates (exact where the sample
 * shows few values) and text min/max, a batch of columns at a time. */
static int sample_stats(struct store_conn *c, const struct mart_cols *m, long long rows,
                        long long *distinct, struct colstat *st, struct sq_error *err)
{
    size_t ncols = m->cols->nrows;
    unsigned char *recount = xcalloc(ncols + 1, 1);
    int rc = 0;
    for (size_t from = 0; !rc && from < ncols; from += INGEST_BATCH_COLUMNS)
        rc = sample_batch(c, m, from, batch_size(from, ncols), rows, distinct, recount, st, err);
    if (!rc)
        rc = recount_distinct(c, m, recount, distinct, err);
    free(recount);
    return rc;
}

/* How exact_batch counts distinct values. DuckDB gives every count(DISTINCT) of a
 * statement its own hash table, about 2.6 MB and 5 ms before the first row (100 of them
 * over a one-row table: 260 MB, 0.6 s); one grouped count over the UNPIVOTed values costs
 * nothing per column but casts every value to text. So sources of few rows
 * (INGEST_UNPIVOT_MAX_ROWS), where the fixed cost is all there is, take the second. */
enum distinct_way { DISTINCT_SAMPLED, DISTINCT_NATIVE, DISTINCT_UNPIVOT };

/* " ON <columns idx[0..n)> INTO NAME c VALUE v": the tail of an UNPIVOT of those columns,
 * which makes a (column name, value) row of every value that is not NULL. */
static void append_unpivot_on(struct sq_buf *sql, const struct mart_cols *m, const size_t *idx,
                              size_t n)
{
    sq_buf_puts(sql, " ON ");
    for (size_t k = 0; k < n; k++) {
        sq_buf_puts(sql, k ? ", " : "");
        sq_buf_put_ident(sql, col_name(m, idx[k]));
    }
    sq_buf_puts(sql, " INTO NAME c VALUE v");
}

/* Distinct counts of columns [from, from + n) in one grouped pass over their values as
 * text (a column of NULLs has no row and keeps 0). */
static int unpivot_distinct(struct store_conn *c, const struct mart_cols *m, size_t from, size_t n,
                            struct colstat *st, struct sq_error *err)
{
    struct sq_buf sql;
    struct sq_table t;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&t);
    size_t *idx = range(from, n);
    sq_buf_puts(&sql, "SELECT c, count(DISTINCT v) FROM (UNPIVOT (SELECT *");
    append_from(&sql, m, idx, n, 1, "");
    sq_buf_puts(&sql, ")");
    append_unpivot_on(&sql, m, idx, n);
    sq_buf_puts(&sql, ") GROUP BY c");
    free(idx);
    int rc = store_query(c, sql.data, &t, err);
    for (size_t r = 0; !rc && r < t.nrows; r++) {
        const char *name = sq_table_cell(&t, r, 0)->text;
        for (size_t i = from; name && i < from + n; i++)
            if (strcmp(col_name(m, i), name) == 0)
                st[i].distinct = sq_cell_int(sq_table_cell(&t, r, 1));
    }
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

/* Columns [from, from + n) read from all the rows: non-NULL counts, distinct counts
 * (unless sampled: the sample gives them), and min and max (numeric and date ones only
 * when sampled: text ones come from the sample). */
static int exact_batch(struct store_conn *c, const struct mart_cols *m, size_t from, size_t n,
                       enum distinct_way way, struct colstat *st, struct sq_error *err)
{
    struct sq_buf sql;
    struct sq_table t;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&t);
    sq_buf_puts(&sql, "SELECT ");
    for (size_t i = from; i < from + n; i++) {
        char *q = sq_quote_ident(col_name(m, i));
        sq_buf_printf(&sql, "%scount(%s), ", i > from ? ", " : "", q);
        if (way == DISTINCT_NATIVE)
            sq_buf_printf(&sql, "count(DISTINCT %s)", q);
        else
            sq_buf_puts(&sql, "NULL");
        if (way == DISTINCT_SAMPLED && col_is_text(m, i))
            sq_buf_puts(&sql, ", NULL, NULL");
        else
            sq_buf_printf(&sql, ", CAST(min(%s) AS VARCHAR), CAST(max(%s) AS VARCHAR)", q, q);
        free(q);
    }
    size_t *idx = range(from, n);
    append_from(&sql, m, idx, n, 0, "");
    free(idx);
    int rc = store_query(c, sql.data, &t, err);
    for (size_t i = from; !rc && i < from + n; i++) {
        size_t k = 4 * (i - from);
        st[i].nonnull = sq_cell_int(sq_table_cell(&t, 0, k));
        st[i].distinct = sq_cell_int(sq_table_cell(&t, 0, k + 1));
        st[i].min = dup_or_null(sq_table_cell(&t, 0, k + 2)->text);
        st[i].max = dup_or_null(sq_table_cell(&t, 0, k + 3)->text);
    }
    if (!rc && way == DISTINCT_UNPIVOT)
        rc = unpivot_distinct(c, m, from, n, st, err);
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

/* The full path: statistics read from all the rows (exact up to EXACT_DISTINCT_MAX_ROWS
 * rows, sampled beyond), a batch of columns per query. */
static int read_stats(struct store_conn *c, const struct mart_cols *m, long long rows,
                      struct colstat *st, struct sq_error *err)
{
    /* Up to EXACT_DISTINCT_MAX_ROWS rows, exact queries. Beyond, distinct counts are
     * what costs (HyperLogLog over 14 numeric columns of 5M rows: 1.1 s; text worse), so
     * they come from a 10% block sample, and the columns the sample shows to be of low
     * cardinality are then counted exactly, which is cheap. Counts are free (DuckDB keeps
     * them); numeric and date min/max are exact; text min/max come from the sample. */
    int big = rows > EXACT_DISTINCT_MAX_ROWS;
    enum distinct_way way = big                               ? DISTINCT_SAMPLED
                            : rows <= INGEST_UNPIVOT_MAX_ROWS ? DISTINCT_UNPIVOT
                                                              : DISTINCT_NATIVE;
    size_t ncols = m->cols->nrows;
    int rc = 0;
    for (size_t from = 0; !rc && from < ncols; from += INGEST_BATCH_COLUMNS)
        rc = exact_batch(c, m, from, batch_size(from, ncols), way, st, err);
    if (rc || !big)
        return rc;
    long long *distinct = xcalloc(ncols + 1, sizeof *distinct);
    rc = sample_stats(c, m, rows, distinct, st, err);
    for (size_t i = 0; !rc && i < ncols; i++)
        st[i].distinct = distinct[i];
    free(distinct);
    return rc;
}

/* The catalog condition shared by the merged path's queries: this source's statistics of
 * files that are still part of it. */
static void append_file_filter(struct sq_buf *sql, const char *table, const char *source)
{
    sq_buf_printf(sql, " FROM %s WHERE source = ", table);
    sq_buf_put_literal(sql, source);
    sq_buf_puts(sql, " AND path IN (SELECT path FROM salesql_files WHERE source = ");
    sq_buf_put_literal(sql, source);
    sq_buf_puts(sql, ")");
}

/* 1 when every file with rows in the source has its per-file statistics. */
static int file_stats_complete(struct store_conn *c, const char *source)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM "
                      "salesql_file_stats s WHERE s.source = f.source AND s.path = f.path)), "
                      "count(*) FROM salesql_files f WHERE f.rows > 0 AND f.source = ");
    sq_buf_put_literal(&sql, source);
    struct sq_table t;
    sq_table_init(&t);
    int ok = store_query(c, sql.data, &t, NULL) == 0 && t.nrows == 1 &&
             sq_cell_int(sq_table_cell(&t, 0, 0)) == 0 && sq_cell_int(sq_table_cell(&t, 0, 1)) > 0;
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return ok;
}

static long long find_row(const struct sq_table *t, const char *name)
{
    for (size_t r = 0; r < t->nrows; r++)
        if (sq_table_cell(t, r, 0)->text && strcmp(sq_table_cell(t, r, 0)->text, name) == 0)
            return (long long)r;
    return -1;
}

static int is_nested_type(const char *type)
{
    return strchr(type, '[') || strncmp(type, "STRUCT", 6) == 0 || strncmp(type, "MAP", 3) == 0 ||
           strncmp(type, "UNION", 5) == 0;
}

/* A catalog text value read back in the mart column's type (text compares as text). */
static void append_typed(struct sq_buf *sql, const char *column, const char *type)
{
    if (strcmp(type, "VARCHAR") == 0)
        sq_buf_puts(sql, column);
    else
        sq_buf_printf(sql, "TRY_CAST(%s AS %s)", column, type);
}

/* min, max and the range-grouped distinct estimate (below) of columns [from, from + m),
 * compared in the mart's type, one UNION ALL branch per column: sets st[i].min, .max and
 * grouped[i]. */
static int merge_ranges_batch(struct store_conn *c, const char *source, const struct sq_table *cols,
                              size_t from, size_t m, struct colstat *st, long long *grouped,
                              struct sq_error *err)
{
    struct sq_buf sql;
    struct sq_table t;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&t);
    for (size_t i = from; i < from + m; i++) {
        const char *name = sq_table_cell(cols, i, 0)->text;
        const char *type = sq_table_cell(cols, i, 1)->text;
        const char *as = is_nested_type(type) ? "VARCHAR" : type;
        sq_buf_printf(&sql, "%sSELECT * FROM (WITH f AS (SELECT ", i > from ? " UNION ALL " : "");
        append_typed(&sql, "min_value", as);
        sq_buf_puts(&sql, " AS lo, ");
        append_typed(&sql, "max_value", as);
        sq_buf_puts(&sql, " AS hi, distinct_approx AS d");
        append_file_filter(&sql, "salesql_file_stats", source);
        sq_buf_puts(&sql, " AND nonnull > 0 AND column_name = ");
        sq_buf_put_literal(&sql, name);
        sq_buf_printf(&sql, ") SELECT %zu AS i, ", i);
        if (is_nested_type(type))
            sq_buf_puts(&sql, "NULL, NULL, NULL)");
        else
            sq_buf_puts(&sql, "(SELECT CAST(min(lo) AS VARCHAR) FROM f), (SELECT CAST(max(hi) "
                              "AS VARCHAR) FROM f), (SELECT sum(m) FROM (SELECT max(d) AS m FROM "
                              "(SELECT d, sum(CASE WHEN prev IS NULL OR lo > prev THEN 1 ELSE 0 "
                              "END) OVER (ORDER BY lo, hi ROWS UNBOUNDED PRECEDING) AS g FROM "
                              "(SELECT lo, hi, d, max(hi) OVER (ORDER BY lo, hi ROWS BETWEEN "
                              "UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev FROM f)) GROUP BY "
                              "g)))");
    }
    int rc = store_query(c, sql.data, &t, err);
    for (size_t r = 0; !rc && r < t.nrows; r++) {
        size_t i = (size_t)sq_cell_int(sq_table_cell(&t, r, 0));
        if (i < from || i >= from + m)
            continue;
        st[i].min = dup_or_null(sq_table_cell(&t, r, 1)->text);
        st[i].max = dup_or_null(sq_table_cell(&t, r, 2)->text);
        grouped[i] = sq_cell_int(sq_table_cell(&t, r, 3));
    }
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

/* The merged path: statistics of a big source from its files' statistics (stats.c), so a
 * refresh that changed one file reads only that file. Counts, min and max are exact, and
 * so are the distinct counts of columns whose files all listed their values. Other
 * distinct counts are estimated from the files' approximate counts: summed for a column
 * unique within every file (an identifier); otherwise files whose value ranges overlap
 * are assumed to share their values (the largest count of each group of overlapping
 * files), and groups that do not overlap add up — order numbers of files split by date
 * add up, customers shared by every file do not. */
static int merge_stats(struct store_conn *c, const char *source, const struct sq_table *cols,
                       struct colstat *st, struct sq_error *err)
{
    struct sq_buf sql;
    struct sq_table t[3];
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    for (int k = 0; k < 3; k++)
        sq_table_init(&t[k]);
    long long *grouped = xcalloc(cols->nrows + 1, sizeof *grouped);
    sq_buf_puts(&sql, "SELECT column_name, sum(nonnull), max(distinct_approx), "
                      "sum(distinct_approx), bool_and(distinct_approx >= 0.9 * nonnull OR "
                      "nonnull = 0), count(*) FILTER (WHERE nonnull > 0)");
    append_file_filter(&sql, "salesql_file_stats", source);
    sq_buf_puts(&sql, " GROUP BY 1");
    int rc = store_query(c, sql.data, &t[0], err);
    sq_buf_reset(&sql);
    sq_buf_puts(&sql, "SELECT column_name, count(*), max(k), sum(k) FROM (SELECT path, "
                      "column_name, count(*) AS k");
    append_file_filter(&sql, "salesql_file_values", source);
    sq_buf_puts(&sql, " GROUP BY ALL) GROUP BY 1");
    if (!rc)
        rc = store_query(c, sql.data, &t[1], err);
    sq_buf_reset(&sql);
    sq_buf_puts(&sql, "SELECT column_name, count(DISTINCT value)");
    append_file_filter(&sql, "salesql_file_values", source);
    sq_buf_puts(&sql, " GROUP BY 1");
    if (!rc)
        rc = store_query(c, sql.data, &t[2], err);
    sq_buf_fini(&sql);
    for (size_t from = 0; !rc && from < cols->nrows; from += INGEST_BATCH_COLUMNS)
        rc = merge_ranges_batch(c, source, cols, from, batch_size(from, cols->nrows), st, grouped,
                                err);
    for (size_t i = 0; !rc && i < cols->nrows; i++) {
        const char *name = sq_table_cell(cols, i, 0)->text;
        long long a = find_row(&t[0], name), b = find_row(&t[1], name), d = find_row(&t[2], name);
        if (a < 0)
            continue; /* no file has the column: all NULL */
        size_t ra = (size_t)a;
        st[i].nonnull = sq_cell_int(sq_table_cell(&t[0], ra, 1));
        long long dsum = sq_cell_int(sq_table_cell(&t[0], ra, 3));
        const char *uniq = sq_table_cell(&t[0], ra, 4)->text;
        long long files_nonnull = sq_cell_int(sq_table_cell(&t[0], ra, 5));
        long long est = grouped[i] > 0 ? grouped[i] : sq_cell_int(sq_table_cell(&t[0], ra, 2));
        st[i].distinct =
            uniq && uniq[0] == 't' ? (dsum < st[i].nonnull ? dsum : st[i].nonnull) : est;
        if (b >= 0 && d >= 0 && sq_cell_int(sq_table_cell(&t[1], (size_t)b, 1)) == files_nonnull &&
            sq_cell_int(sq_table_cell(&t[1], (size_t)b, 2)) <= VALUE_INDEX_MAX) {
            st[i].listed = 1;
            st[i].distinct = sq_cell_int(sq_table_cell(&t[2], (size_t)d, 1));
        }
        if (files_nonnull == 0)
            st[i].distinct = 0;
    }
    free(grouped);
    for (int k = 0; k < 3; k++)
        sq_table_fini(&t[k]);
    return rc;
}

/* Appends the statements that list the values of text columns idx[0..n) (at most
 * INGEST_BATCH_COLUMNS) with their counts, the most frequent VALUE_INDEX_MAX of each:
 * merged, from the files' lists added up; else from all the rows, in one UNPIVOT pass when
 * unpivot (few rows), or a statement per column. */
static void append_values_sql(struct sq_buf *sql, const char *source, const struct mart_cols *m,
                              int merged, int unpivot, const size_t *idx, size_t n)
{
    if (merged) {
        sq_buf_puts(sql, "INSERT INTO salesql_values SELECT ");
        sq_buf_put_literal(sql, source);
        sq_buf_puts(sql, ", column_name, value, sum(n)");
        append_file_filter(sql, "salesql_file_values", source);
        sq_buf_puts(sql, " AND column_name IN (");
        for (size_t k = 0; k < n; k++) {
            sq_buf_puts(sql, k ? ", " : "");
            sq_buf_put_literal(sql, col_name(m, idx[k]));
        }
        sq_buf_printf(sql,
                      ") AND length(value) <= %d GROUP BY column_name, value QUALIFY "
                      "row_number() OVER (PARTITION BY column_name ORDER BY sum(n) DESC, value) "
                      "<= %d;",
                      VALUE_MAX_LEN, VALUE_INDEX_MAX);
        return;
    }
    if (unpivot) {
        sq_buf_puts(sql, "INSERT INTO salesql_values SELECT ");
        sq_buf_put_literal(sql, source);
        sq_buf_puts(sql, ", c, v, n FROM (SELECT c, v, count(*) AS n FROM (UNPIVOT (SELECT *");
        append_from(sql, m, idx, n, 0, "");
        sq_buf_puts(sql, ")");
        append_unpivot_on(sql, m, idx, n);
        sq_buf_printf(sql,
                      ") WHERE length(v) <= %d GROUP BY 1, 2 QUALIFY row_number() OVER (PARTITION "
                      "BY c ORDER BY n DESC, v) <= %d);",
                      VALUE_MAX_LEN, VALUE_INDEX_MAX);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        char *q = sq_quote_ident(col_name(m, idx[k]));
        sq_buf_puts(sql, "INSERT INTO salesql_values SELECT ");
        sq_buf_put_literal(sql, source);
        sq_buf_puts(sql, ", ");
        sq_buf_put_literal(sql, col_name(m, idx[k]));
        sq_buf_printf(sql, ", v, n FROM (SELECT %s AS v, count(*) AS n", q);
        append_from(sql, m, idx + k, 1, 0, "");
        sq_buf_printf(sql,
                      " WHERE %s IS NOT NULL AND length(%s) <= %d GROUP BY 1 ORDER BY 2 DESC, 1 "
                      "LIMIT %d);",
                      q, q, VALUE_MAX_LEN, VALUE_INDEX_MAX);
        free(q);
    }
}

int ingest__profile_source(struct store_conn *c, const char *source, struct sq_error *err)
{
    char *mart = xasprintf("mart_dyn_%s", source);
    char *qmart = sq_quote_ident(mart);
    char *raw = xasprintf("raw_%s", source);
    char *qraw = sq_quote_ident(raw);
    struct sq_buf sql;
    struct sq_table cols, prior;
    struct mart_cols m = {qraw, &cols, &prior};
    struct colstat *st = NULL;
    size_t *indexed = NULL; /* the columns whose values are listed */
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&cols);
    sq_table_init(&prior);
    int rc;

    sq_buf_printf(&sql, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM %s)", qmart);
    if ((rc = store_query(c, sql.data, &cols, err)))
        goto out;
    /* Names in the file and loader notes were recorded by ingest.c before profiling. */
    sq_buf_reset(&sql);
    sq_buf_puts(&sql,
                "SELECT name, original, note, derived_from FROM salesql_columns WHERE source = ");
    sq_buf_put_literal(&sql, source);
    if ((rc = store_query(c, sql.data, &prior, err)))
        goto out;

    long long rows = 0;
    sq_buf_reset(&sql);
    sq_buf_printf(&sql, "SELECT count(*) FROM %s", qmart);
    if ((rc = store_query_int(c, sql.data, &rows, err)))
        goto out;
    st = xcalloc(cols.nrows + 1, sizeof *st);
    int merged = rows > EXACT_DISTINCT_MAX_ROWS && file_stats_complete(c, source);
    if (merged)
        rc = merge_stats(c, source, &cols, st, err);
    else
        rc = read_stats(c, &m, rows, st, err);
    if (rc)
        goto out;
    sq_log_debug("profile of mart_dyn_%s (%lld rows) from %s", source, rows,
                 merged ? "its files' statistics" : "the mart");

    sq_buf_reset(&sql);
    /* The column rows go in one multi-row INSERT (appended last); the value index
     * statements gather in sql. */
    struct sq_buf rowsql;
    sq_buf_init(&rowsql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "DELETE FROM salesql_columns WHERE source = ");
    sq_buf_put_literal(&sql, source);
    sq_buf_puts(&sql, "; DELETE FROM salesql_values WHERE source = ");
    sq_buf_put_literal(&sql, source);
    sq_buf_puts(&sql, ";");
    indexed = xcalloc(cols.nrows + 1, sizeof *indexed);
    size_t nindexed = 0;
    for (size_t i = 0; i < cols.nrows; i++) {
        const char *name = sq_table_cell(&cols, i, 0)->text;
        const char *type = sq_table_cell(&cols, i, 1)->text;
        long long nonnull = st[i].nonnull;
        long long distinct = st[i].distinct;
        const char *mn = st[i].min, *mx = st[i].max;
        const char *original = name, *note = NULL, *derived = NULL;
        for (size_t p = 0; p < prior.nrows; p++) {
            if (strcmp(sq_table_cell(&prior, p, 0)->text, name) == 0) {
                original =
                    sq_table_cell(&prior, p, 1)->text ? sq_table_cell(&prior, p, 1)->text : name;
                note = sq_table_cell(&prior, p, 2)->text;
                derived = sq_table_cell(&prior, p, 3)->text;
            }
        }
        if (distinct > rows)
            distinct = rows; /* the estimate can overshoot */
        const char *agg;
        const char *role =
            derived ? "dimension" : ingest_guess_role(name, type, distinct, rows, &agg);
        if (derived)
            agg = "";
        double null_share = rows ? (double)(rows - nonnull) / (double)rows : 0;
        sq_buf_puts(&rowsql, i ? ", (" : "INSERT INTO salesql_columns VALUES (");
        sq_buf_put_literal(&rowsql, source);
        sq_buf_printf(&rowsql, ", %zu, ", i);
        sq_buf_put_literal(&rowsql, name);
        sq_buf_puts(&rowsql, ", ");
        sq_buf_put_literal(&rowsql, original);
        sq_buf_puts(&rowsql, ", ");
        sq_buf_put_literal(&rowsql, type);
        sq_buf_puts(&rowsql, ", ");
        sq_buf_put_literal(&rowsql, role);
        sq_buf_puts(&rowsql, ", ");
        sq_buf_put_literal(&rowsql, agg);
        sq_buf_puts(&rowsql, ", ");
        sq_buf_put_literal_or_null(&rowsql, derived);
        sq_buf_printf(&rowsql, ", %.6f, %lld, ", null_share, distinct);
        sq_buf_put_literal_or_null(&rowsql, mn);
        sq_buf_puts(&rowsql, ", ");
        sq_buf_put_literal_or_null(&rowsql, mx);
        sq_buf_puts(&rowsql, ", ");
        sq_buf_put_literal_or_null(&rowsql, note);
        sq_buf_puts(&rowsql, ")");
        if (strcmp(type, "VARCHAR") != 0 || strcmp(role, "dimension") != 0 || distinct <= 0 ||
            distinct > VALUE_INDEX_MAX || (merged && !st[i].listed))
            continue;
        indexed[nindexed++] = i;
    }
    for (size_t from = 0; from < nindexed; from += INGEST_BATCH_COLUMNS)
        append_values_sql(&sql, source, &m, merged, rows <= INGEST_UNPIVOT_MAX_ROWS, indexed + from,
                          batch_size(from, nindexed));
    if (rowsql.len)
        sq_buf_printf(&sql, "%s;", rowsql.data);
    sq_buf_fini(&rowsql);
    rc = store_exec(c, sql.data, err);
out:
    for (size_t i = 0; st && i < cols.nrows; i++) {
        free(st[i].min);
        free(st[i].max);
    }
    free(st);
    free(indexed);
    sq_table_fini(&cols);
    sq_table_fini(&prior);
    sq_buf_fini(&sql);
    free(qraw);
    free(raw);
    free(qmart);
    free(mart);
    return rc;
}
