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
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text columns with at most this many distinct values get their values indexed. */
enum { VALUE_INDEX_MAX = 5000, VALUE_MAX_LEN = 200 };
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

static int is_numeric_type(const char *t)
{
    static const char *const nums[] = {"TINYINT",  "SMALLINT",  "INTEGER",  "BIGINT",  "HUGEINT",
                                       "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
                                       "FLOAT",    "DOUBLE",    "DECIMAL",  NULL};
    for (int i = 0; nums[i]; i++)
        if (strncmp(t, nums[i], strlen(nums[i])) == 0)
            return 1;
    return 0;
}

static int is_integer_type(const char *t)
{
    return is_numeric_type(t) && strncmp(t, "FLOAT", 5) != 0 && strncmp(t, "DOUBLE", 6) != 0 &&
           strncmp(t, "DECIMAL", 7) != 0;
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
        if (has_word(name, parts[i]) && is_integer_type(type))
            return "dimension";
    int id_name = strcmp(name, "id") == 0 || has_word_suffix(name, "_id") ||
                  has_word_suffix(name, "id") || has_word_suffix(name, "_key") ||
                  has_word_suffix(name, "key") || has_word_suffix(name, "number") ||
                  has_word_suffix(name, "_no") || has_word_suffix(name, "code") ||
                  has_word_suffix(name, "sku") || has_word_suffix(name, "_uuid") ||
                  has_word(name, "email") || has_word(name, "phone") || has_word(name, "fax");
    if (id_name)
        return "identifier";
    if (is_numeric_type(type)) {
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

/* Statistics of a big source from a 10% block sample of its table (a sample of the
 * view would still scan everything): a distinct estimate per column and text min/max.
 * Columns whose sample shows few values are then counted exactly over the whole mart in
 * one pass; block samples under-count clustered columns (dates in a date-sorted file),
 * hence the generous thresholds. Row 0 of out: count(*), then per mart column: distinct,
 * min, max (min and max NULL for non-text columns). */
static int sample_stats(struct store_conn *c, const char *source, const char *qmart,
                        const struct sq_table *cols, const struct sq_table *prior, long long rows,
                        long long *distinct, struct sq_table *out, struct sq_error *err)
{
    struct sq_buf exprs, sql;
    sq_buf_init(&exprs, SQ_BUF_UNLIMITED);
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SELECT count(*)");
    for (size_t i = 0; i < cols->nrows; i++) {
        const char *name = sq_table_cell(cols, i, 0)->text;
        const char *from = NULL;
        for (size_t p = 0; p < prior->nrows; p++)
            if (strcmp(sq_table_cell(prior, p, 0)->text, name) == 0)
                from = sq_table_cell(prior, p, 3)->text;
        char *q = sq_quote_ident(name);
        if (i)
            sq_buf_puts(&exprs, ", ");
        if (from) {
            /* A derived calendar part: <from>_<part> is part(<from>). */
            char *qf = sq_quote_ident(from);
            sq_buf_printf(&exprs, "%s(%s) AS %s", name + strlen(from) + 1, qf, q);
            free(qf);
        } else {
            sq_buf_puts(&exprs, q);
        }
        if (strcmp(sq_table_cell(cols, i, 1)->text, "VARCHAR") == 0)
            sq_buf_printf(&sql, ", approx_count_distinct(%s), min(%s), max(%s)", q, q, q);
        else
            sq_buf_printf(&sql, ", approx_count_distinct(%s), NULL, NULL", q);
        free(q);
    }
    char *table = xasprintf("raw_%s", source);
    char *qt = sq_quote_ident(table);
    sq_buf_printf(&sql, " FROM (SELECT %s FROM %s TABLESAMPLE 10 PERCENT (system))",
                  exprs.len ? exprs.data : "1", qt);
    int rc = store_query(c, sql.data, out, err);
    long long n = rc ? 0 : sq_cell_int(sq_table_cell(out, 0, 0));
    sq_buf_reset(&sql);
    int exact = 0;
    for (size_t i = 0; !rc && i < cols->nrows; i++) {
        int text = strcmp(sq_table_cell(cols, i, 1)->text, "VARCHAR") == 0;
        long long d = sq_cell_int(sq_table_cell(out, 0, 1 + 3 * i));
        distinct[i] = estimate_distinct(d, n, rows);
        if (d <= (text ? 4 * VALUE_INDEX_MAX : 1000)) {
            char *q = sq_quote_ident(sq_table_cell(cols, i, 0)->text);
            sq_buf_printf(&sql, "%scount(DISTINCT %s) AS \"%zu\"", exact++ ? ", " : "SELECT ", q,
                          i);
            free(q);
        }
    }
    if (!rc && exact) {
        struct sq_table t;
        sq_table_init(&t);
        sq_buf_printf(&sql, " FROM %s", qmart);
        rc = store_query(c, sql.data, &t, err);
        for (size_t k = 0; !rc && k < t.ncols; k++)
            distinct[strtoul(t.cols[k].name, NULL, 10)] = sq_cell_int(sq_table_cell(&t, 0, k));
        sq_table_fini(&t);
    }
    free(qt);
    free(table);
    sq_buf_fini(&exprs);
    sq_buf_fini(&sql);
    return rc;
}

/* What the profile knows of one mart column, from either path. */
struct colstat {
    long long nonnull;
    long long distinct;
    const char *min; /* borrowed from a result table, or NULL */
    const char *max;
    int listed; /* merged path: every file listed its values, so they can be merged */
};

/* The full path: statistics read from the mart itself (exact up to EXACT_DISTINCT_MAX_ROWS
 * rows, sampled beyond). stats and sample keep the strings st[] points to. */
static int read_stats(struct store_conn *c, const char *source, const char *qmart,
                      const struct sq_table *cols, const struct sq_table *prior, long long rows,
                      struct colstat *st, struct sq_table *stats, struct sq_table *sample,
                      struct sq_error *err)
{
    /* Up to EXACT_DISTINCT_MAX_ROWS rows, one exact query. Beyond, distinct counts are
     * what costs (HyperLogLog over 14 numeric columns of 5M rows: 1.1 s; text worse), so
     * they come from a 10% block sample, and the columns the sample shows to be of low
     * cardinality are then counted exactly, which is cheap. Counts are free (DuckDB keeps
     * them); numeric and date min/max are exact; text min/max come from the sample. */
    int big = rows > EXACT_DISTINCT_MAX_ROWS;
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SELECT count(*)");
    for (size_t i = 0; i < cols->nrows; i++) {
        char *q = sq_quote_ident(sq_table_cell(cols, i, 0)->text);
        int text = strcmp(sq_table_cell(cols, i, 1)->text, "VARCHAR") == 0;
        sq_buf_printf(&sql, ", count(%s), ", q);
        if (big)
            sq_buf_puts(&sql, "NULL");
        else
            sq_buf_printf(&sql, "count(DISTINCT %s)", q);
        if (big && text)
            sq_buf_puts(&sql, ", NULL, NULL");
        else
            sq_buf_printf(&sql, ", CAST(min(%s) AS VARCHAR), CAST(max(%s) AS VARCHAR)", q, q);
        free(q);
    }
    sq_buf_printf(&sql, " FROM %s", qmart);
    int rc = store_query(c, sql.data, stats, err);
    sq_buf_fini(&sql);
    if (rc)
        return rc;
    long long *distinct_of = xcalloc(cols->nrows + 1, sizeof *distinct_of);
    for (size_t i = 0; i < cols->nrows; i++)
        distinct_of[i] = sq_cell_int(sq_table_cell(stats, 0, 2 + 4 * i));
    if (big)
        rc = sample_stats(c, source, qmart, cols, prior, rows, distinct_of, sample, err);
    for (size_t i = 0; !rc && i < cols->nrows; i++) {
        st[i].nonnull = sq_cell_int(sq_table_cell(stats, 0, 1 + 4 * i));
        st[i].distinct = distinct_of[i];
        st[i].min = sq_table_cell(stats, 0, 3 + 4 * i)->text;
        st[i].max = sq_table_cell(stats, 0, 4 + 4 * i)->text;
        if (big && !st[i].min && !st[i].max) {
            st[i].min = sq_table_cell(sample, 0, 2 + 3 * i)->text;
            st[i].max = sq_table_cell(sample, 0, 3 + 3 * i)->text;
        }
    }
    free(distinct_of);
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

/* The merged path: statistics of a big source from its files' statistics (stats.c), so a
 * refresh that changed one file reads only that file. Counts, min and max are exact, and
 * so are the distinct counts of columns whose files all listed their values. Other
 * distinct counts are estimated from the files' approximate counts: summed for a column
 * unique within every file (an identifier); otherwise files whose value ranges overlap
 * are assumed to share their values (the largest count of each group of overlapping
 * files), and groups that do not overlap add up — order numbers of files split by date
 * add up, customers shared by every file do not. t[0..4] keep the strings st[] borrows. */
static int merge_stats(struct store_conn *c, const char *source, const struct sq_table *cols,
                       struct colstat *st, struct sq_table *t, struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
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
    /* min, max and the range-grouped distinct estimate, compared in the mart's type, one
     * branch per column (row i is column i). */
    sq_buf_reset(&sql);
    for (size_t i = 0; !rc && i < cols->nrows; i++) {
        const char *name = sq_table_cell(cols, i, 0)->text;
        const char *type = sq_table_cell(cols, i, 1)->text;
        const char *as = is_nested_type(type) ? "VARCHAR" : type;
        sq_buf_printf(&sql, "%sSELECT * FROM (WITH f AS (SELECT ", i ? " UNION ALL " : "");
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
    if (!rc && cols->nrows) {
        sq_buf_puts(&sql, " ORDER BY i");
        rc = store_query(c, sql.data, &t[3], err);
    }
    sq_buf_fini(&sql);
    for (size_t i = 0; !rc && i < cols->nrows; i++) {
        const char *name = sq_table_cell(cols, i, 0)->text;
        long long a = find_row(&t[0], name), b = find_row(&t[1], name), d = find_row(&t[2], name);
        memset(&st[i], 0, sizeof st[i]);
        if (a < 0)
            continue; /* no file has the column: all NULL */
        size_t ra = (size_t)a;
        st[i].nonnull = sq_cell_int(sq_table_cell(&t[0], ra, 1));
        long long dsum = sq_cell_int(sq_table_cell(&t[0], ra, 3));
        const char *uniq = sq_table_cell(&t[0], ra, 4)->text;
        long long files_nonnull = sq_cell_int(sq_table_cell(&t[0], ra, 5));
        long long grouped = t[3].nrows > i ? sq_cell_int(sq_table_cell(&t[3], i, 3)) : 0;
        if (grouped <= 0)
            grouped = sq_cell_int(sq_table_cell(&t[0], ra, 2));
        st[i].distinct =
            uniq && uniq[0] == 't' ? (dsum < st[i].nonnull ? dsum : st[i].nonnull) : grouped;
        if (b >= 0 && d >= 0 && sq_cell_int(sq_table_cell(&t[1], (size_t)b, 1)) == files_nonnull &&
            sq_cell_int(sq_table_cell(&t[1], (size_t)b, 2)) <= VALUE_INDEX_MAX) {
            st[i].listed = 1;
            st[i].distinct = sq_cell_int(sq_table_cell(&t[2], (size_t)d, 1));
        }
        if (files_nonnull == 0)
            st[i].distinct = 0;
        st[i].min = t[3].nrows > i ? sq_table_cell(&t[3], i, 1)->text : NULL;
        st[i].max = t[3].nrows > i ? sq_table_cell(&t[3], i, 2)->text : NULL;
    }
    return rc;
}

int ingest__profile_source(struct store_conn *c, const char *source, struct sq_error *err)
{
    char *mart = xasprintf("mart_dyn_%s", source);
    char *qmart = sq_quote_ident(mart);
    struct sq_buf sql;
    struct sq_table cols, prior, t[4];
    struct colstat *st = NULL;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&cols);
    sq_table_init(&prior);
    for (int i = 0; i < 4; i++)
        sq_table_init(&t[i]);
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
        rc = merge_stats(c, source, &cols, st, t, err);
    else
        rc = read_stats(c, source, qmart, &cols, &prior, rows, st, &t[0], &t[1], err);
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
        char *q = sq_quote_ident(name);
        sq_buf_puts(&sql, "INSERT INTO salesql_values SELECT ");
        sq_buf_put_literal(&sql, source);
        sq_buf_puts(&sql, ", ");
        sq_buf_put_literal(&sql, name);
        if (merged) {
            /* The files' counts, added up. */
            sq_buf_puts(&sql, ", value, sum(n)");
            append_file_filter(&sql, "salesql_file_values", source);
            sq_buf_puts(&sql, " AND column_name = ");
            sq_buf_put_literal(&sql, name);
            sq_buf_printf(&sql,
                          " AND length(value) <= %d GROUP BY value ORDER BY 4 DESC, 3 LIMIT %d;",
                          VALUE_MAX_LEN, VALUE_INDEX_MAX);
        } else {
            sq_buf_printf(&sql,
                          ", v, n FROM (SELECT %s AS v, count(*) AS n FROM %s WHERE %s IS NOT "
                          "NULL AND length(%s) <= %d GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %d);",
                          q, qmart, q, q, VALUE_MAX_LEN, VALUE_INDEX_MAX);
        }
        free(q);
    }
    if (rowsql.len)
        sq_buf_printf(&sql, "%s;", rowsql.data);
    sq_buf_fini(&rowsql);
    rc = store_exec(c, sql.data, err);
out:
    free(st);
    sq_table_fini(&cols);
    sq_table_fini(&prior);
    for (int i = 0; i < 4; i++)
        sq_table_fini(&t[i]);
    sq_buf_fini(&sql);
    free(qmart);
    free(mart);
    return rc;
}
