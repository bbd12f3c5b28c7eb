/*
 * Per-file statistics (see ingest/internal.h): for each column of one data file's rows,
 * the count, non-NULL count, approximate distinct count, min and max, and the values with
 * their counts of columns with few of them. profile.c merges them into the profile of a
 * big source, so that a refresh that changed one file of 120 reads that file only.
 *
 * Called by ingest.c and views.c when a file is staged (the statements run in the swap
 * transaction, while the staging table exists) and, for sources read from Parquet, by
 * ingest.c through ingest__ensure_file_stats, which reads many files per query.
 */
#include "ingest/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "ingest/names.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* Columns with at most this many values in a file keep their values (and counts); more,
 * and the column's values are not listed (profile.c's value index takes at most 5,000).
 * The approximate distinct count decides which columns are listed, with some slack. */
enum { FILE_VALUES_MAX = 5000, FILE_VALUES_TRY = 6000 };
/* Files of a source read from Parquet whose statistics one query computes (and one
 * transaction commits): few queries for many small files, bounded work lost to a Ctrl-C. */
enum { BATCH_FILES = 64 };
#define BATCH_BYTES (512LL * 1000 * 1000)

#define KEY_COLUMN "__salesql_key"

static int is_nested(const char *type)
{
    return strchr(type, '[') || strncmp(type, "STRUCT", 6) == 0 || strncmp(type, "MAP", 3) == 0 ||
           strncmp(type, "UNION", 5) == 0;
}

struct col {
    char *name; /* as the mart names it */
    const char *type;
    char *expr; /* the column over the relation: its quoted name, or year("d") for a part */
};

/* The columns as the mart shows them: the file's own (cols: DESCRIBE rows), then the
 * calendar parts of its dates (named as the mart view names them). *n is set to their
 * number; the caller frees the array with free_columns. */
static struct col *mart_columns(const struct sq_table *cols, size_t *n)
{
    struct col *cs = xcalloc(4 * cols->nrows + 1, sizeof *cs);
    size_t k = 0;
    for (size_t i = 0; i < cols->nrows; i++) {
        const char *name = sq_table_cell(cols, i, 0)->text;
        if (strcmp(name, INGEST_FILE_COLUMN) == 0 || strcmp(name, KEY_COLUMN) == 0)
            continue;
        cs[k].name = xstrdup(name);
        cs[k].type = sq_table_cell(cols, i, 1)->text;
        cs[k].expr = sq_quote_ident(name);
        k++;
    }
    size_t nplain = k;
    for (size_t i = 0; i < nplain; i++) {
        if (strcmp(cs[i].type, "DATE") != 0 && strncmp(cs[i].type, "TIMESTAMP", 9) != 0)
            continue;
        static const char *const parts[] = {"year", "quarter", "month"};
        for (int p = 0; p < 3; p++) {
            char *dname = xasprintf("%s_%s", cs[i].name, parts[p]);
            int taken = 0;
            for (size_t j = 0; j < nplain && !taken; j++)
                taken = strcmp(cs[j].name, dname) == 0;
            if (taken) {
                free(dname);
                continue;
            }
            cs[k].name = dname;
            cs[k].type = "BIGINT";
            cs[k].expr = xasprintf("%s(%s)", parts[p], cs[i].expr);
            k++;
        }
    }
    *n = k;
    return cs;
}

static void free_columns(struct col *cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cs[i].name);
        free(cs[i].expr);
    }
    free(cs);
}

/* "(SELECT <cs[0..n) as named in the mart>, key AS __salesql_key FROM relation)": the
 * rows of relation reduced to the columns one statement reads; with as_text, each column
 * cast to VARCHAR (UNPIVOT wants one type). */
static void append_projection(struct sq_buf *b, const struct col *cs, size_t n, const char *key,
                              const char *relation, int as_text)
{
    sq_buf_puts(b, "(SELECT ");
    for (size_t i = 0; i < n; i++) {
        sq_buf_printf(b, as_text ? "CAST(%s AS VARCHAR) AS " : "%s AS ", cs[i].expr);
        sq_buf_put_ident(b, cs[i].name);
        sq_buf_puts(b, ", ");
    }
    sq_buf_printf(b, "%s AS " KEY_COLUMN " FROM %s)", key, relation);
}

/* The statistics of cs[0..n) (at most INGEST_BATCH_COLUMNS) per file of relation, one
 * row per key in key order: key, count(*), then per column count, approximate distinct
 * count, min, max. */
static int aggregate_batch(struct store_conn *c, const struct col *cs, size_t n, const char *key,
                           const char *relation, struct sq_table *out, struct sq_error *err)
{
    struct sq_buf q;
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_puts(&q, "SELECT " KEY_COLUMN ", count(*)");
    for (size_t i = 0; i < n; i++) {
        char *qn = sq_quote_ident(cs[i].name);
        if (is_nested(cs[i].type))
            sq_buf_printf(&q, ", count(%s), NULL, NULL, NULL", qn);
        else
            sq_buf_printf(&q,
                          ", count(%s), approx_count_distinct(%s), CAST(min(%s) AS VARCHAR), "
                          "CAST(max(%s) AS VARCHAR)",
                          qn, qn, qn, qn);
        free(qn);
    }
    sq_buf_puts(&q, " FROM ");
    append_projection(&q, cs, n, key, relation, 0);
    sq_buf_puts(&q, " GROUP BY 1 ORDER BY 1");
    int rc = store_query(c, q.data, out, err);
    sq_buf_fini(&q);
    return rc;
}

/* Statistic k (0 count, 1 distinct, 2 min, 3 max) of column i in row r of the batches. */
static const struct sq_cell *batch_cell(const struct sq_table *aggs, size_t i, size_t r, int k)
{
    return sq_table_cell(&aggs[i / INGEST_BATCH_COLUMNS], r,
                         2 + 4 * (i % INGEST_BATCH_COLUMNS) + (size_t)k);
}

/* One INSERT of salesql_file_stats takes at most this many rows, so a wide file's
 * statement stays small enough to parse cheaply. */
enum { STATS_ROWS_PER_INSERT = 1000 };

/* The rows of salesql_file_stats for the files of the batches (aggs[0] names the keys). */
static void append_stats_rows(struct sq_buf *sql, const char *source, const struct col *cs,
                              size_t n, const struct sq_table *aggs, const char *const *keys,
                              const char *const *paths, size_t nfiles)
{
    size_t written = 0;
    for (size_t r = 0; r < aggs[0].nrows; r++) {
        const char *k = sq_table_cell(&aggs[0], r, 0)->text;
        const char *path = NULL;
        for (size_t f = 0; f < nfiles && !path; f++)
            if (k && strcmp(keys[f], k) == 0)
                path = paths[f];
        if (!path)
            continue;
        long long rows = sq_cell_int(sq_table_cell(&aggs[0], r, 1));
        for (size_t i = 0; i < n; i++) {
            const struct sq_cell *d = batch_cell(aggs, i, r, 1);
            if (written % STATS_ROWS_PER_INSERT == 0)
                sq_buf_puts(sql, written ? "; INSERT INTO salesql_file_stats VALUES ("
                                         : "INSERT INTO salesql_file_stats VALUES (");
            else
                sq_buf_puts(sql, ", (");
            written++;
            sq_buf_put_literal(sql, source);
            sq_buf_puts(sql, ", ");
            sq_buf_put_literal(sql, path);
            sq_buf_puts(sql, ", ");
            sq_buf_put_literal(sql, cs[i].name);
            sq_buf_puts(sql, ", ");
            sq_buf_put_literal(sql, cs[i].type);
            sq_buf_printf(sql, ", %lld, %lld, ", rows, sq_cell_int(batch_cell(aggs, i, r, 0)));
            if (d->text)
                sq_buf_printf(sql, "%lld, ", sq_cell_int(d));
            else
                sq_buf_puts(sql, "NULL, ");
            sq_buf_put_literal_or_null(sql, batch_cell(aggs, i, r, 2)->text);
            sq_buf_puts(sql, ", ");
            sq_buf_put_literal_or_null(sql, batch_cell(aggs, i, r, 3)->text);
            sq_buf_puts(sql, ")");
        }
    }
    if (written)
        sq_buf_puts(sql, ";");
}

/* Appends the statements that write the values, with their counts, of columns cs[0..n)
 * (at most INGEST_BATCH_COLUMNS) per file of relation, at most FILE_VALUES_MAX + 1 per
 * file and column: one pass in which UNPIVOT makes a (column, value) row of each value
 * (NULLs drop out) when unpivot, else a statement per column. map: the VALUES list from
 * keys to paths. */
static void append_values_sql(struct sq_buf *sql, const char *source, const struct col *cs,
                              size_t n, const char *key, const char *relation, const char *map,
                              int unpivot)
{
    for (size_t i = 0; i < (unpivot ? 1 : n); i++) {
        sq_buf_puts(sql, "INSERT INTO salesql_file_values SELECT ");
        sq_buf_put_literal(sql, source);
        sq_buf_puts(sql, ", m.path, x.c, CAST(x.v AS VARCHAR), x.n FROM (SELECT " KEY_COLUMN
                         ", c, v, count(*) AS n FROM ");
        if (unpivot) {
            sq_buf_puts(sql, "(UNPIVOT ");
            append_projection(sql, cs, n, key, relation, 1);
            sq_buf_puts(sql, " ON ");
            for (size_t k = 0; k < n; k++) {
                sq_buf_puts(sql, k ? ", " : "");
                sq_buf_put_ident(sql, cs[k].name);
            }
            sq_buf_puts(sql, " INTO NAME c VALUE v)");
        } else {
            sq_buf_puts(sql, "(SELECT ");
            sq_buf_put_literal(sql, cs[i].name);
            sq_buf_printf(sql, " AS c, %s AS v, %s AS " KEY_COLUMN " FROM %s) WHERE v IS NOT NULL",
                          cs[i].expr, key, relation);
        }
        sq_buf_printf(sql,
                      " GROUP BY 1, 2, 3 QUALIFY row_number() OVER (PARTITION BY " KEY_COLUMN
                      ", c) <= %d) x JOIN %s ON m.k = x." KEY_COLUMN ";",
                      FILE_VALUES_MAX + 1, map);
    }
}

/* Statistics of the files in relation, grouped by key: the SQL that replaces their rows of
 * salesql_file_stats and salesql_file_values, appended to sql. key is a SQL expression
 * over relation naming each row's file; keys[i] is the value it takes for paths[i]. The
 * aggregates run a batch of columns at a time; each appended statement reads one column,
 * or one batch of them when the files have few rows. */
static int stats_sql(struct store_conn *c, const char *source, const char *relation,
                     const char *key, const char *const *keys, const char *const *paths,
                     size_t nfiles, struct sq_buf *sql, long long *rows_of, struct sq_error *err)
{
    struct sq_table cols;
    struct sq_table *aggs = NULL;
    struct sq_buf q, map;
    sq_table_init(&cols);
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_init(&map, SQ_BUF_UNLIMITED);
    struct col *cs = NULL, *listed = NULL; /* listed borrows from cs */
    size_t n = 0, nbatches = 0;
    sq_buf_printf(&q, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM %s)", relation);
    int rc = store_query(c, q.data, &cols, err);
    if (rc)
        goto out;
    cs = mart_columns(&cols, &n);
    if (n == 0)
        goto out;

    nbatches = (n + INGEST_BATCH_COLUMNS - 1) / INGEST_BATCH_COLUMNS;
    aggs = xcalloc(nbatches, sizeof *aggs);
    for (size_t b = 0; b < nbatches; b++)
        sq_table_init(&aggs[b]);
    for (size_t b = 0; !rc && b < nbatches; b++) {
        size_t from = b * INGEST_BATCH_COLUMNS;
        size_t m = n - from < INGEST_BATCH_COLUMNS ? n - from : INGEST_BATCH_COLUMNS;
        rc = aggregate_batch(c, cs + from, m, key, relation, &aggs[b], err);
        /* Every batch groups the same rows by the same keys, in key order. */
        if (!rc && aggs[b].nrows != aggs[0].nrows)
            rc = sq_error_set(err, SQ_E_INTERNAL, -1,
                              "statistics of %s: %zu files in one batch of columns, %zu in "
                              "another",
                              source, aggs[0].nrows, aggs[b].nrows);
    }
    if (rc)
        goto out;

    for (size_t f = 0; rows_of && f < nfiles; f++) {
        rows_of[f] = 0;
        for (size_t r = 0; r < aggs[0].nrows; r++) {
            const char *k = sq_table_cell(&aggs[0], r, 0)->text;
            if (k && strcmp(k, keys[f]) == 0)
                rows_of[f] = sq_cell_int(sq_table_cell(&aggs[0], r, 1));
        }
    }
    /* key -> path, for the value rows that INSERT ... SELECT writes. */
    sq_buf_puts(&map, "(VALUES ");
    for (size_t f = 0; f < nfiles; f++) {
        sq_buf_puts(&map, f ? ", (" : "(");
        sq_buf_put_literal(&map, keys[f]);
        sq_buf_puts(&map, ", ");
        sq_buf_put_literal(&map, paths[f]);
        sq_buf_puts(&map, ")");
    }
    sq_buf_puts(&map, ") m(k, path)");
    for (size_t f = 0; f < nfiles; f++) {
        static const char *const tables[] = {"salesql_file_stats", "salesql_file_values"};
        for (int t = 0; t < 2; t++) {
            sq_buf_printf(sql, "DELETE FROM %s WHERE source = ", tables[t]);
            sq_buf_put_literal(sql, source);
            sq_buf_puts(sql, " AND path = ");
            sq_buf_put_literal(sql, paths[f]);
            sq_buf_puts(sql, ";");
        }
    }
    append_stats_rows(sql, source, cs, n, aggs, keys, paths, nfiles);
    /* Values of the columns with few of them in every file; a file whose column yields
     * more than FILE_VALUES_MAX is recognised by profile.c as not listed in full. */
    listed = xcalloc(n + 1, sizeof *listed);
    size_t nlisted = 0;
    long long rows = 0;
    for (size_t r = 0; r < aggs[0].nrows; r++)
        rows += sq_cell_int(sq_table_cell(&aggs[0], r, 1));
    for (size_t i = 0; i < n; i++) {
        long long most = -1, nonnull = 0;
        for (size_t r = 0; r < aggs[0].nrows; r++) {
            const struct sq_cell *d = batch_cell(aggs, i, r, 1);
            long long v = d->text ? sq_cell_int(d) : FILE_VALUES_TRY + 1;
            most = v > most ? v : most;
            nonnull += sq_cell_int(batch_cell(aggs, i, r, 0));
        }
        if (most >= 0 && most <= FILE_VALUES_TRY && nonnull > 0)
            listed[nlisted++] = cs[i];
    }
    for (size_t from = 0; from < nlisted; from += INGEST_BATCH_COLUMNS) {
        size_t m = nlisted - from < INGEST_BATCH_COLUMNS ? nlisted - from : INGEST_BATCH_COLUMNS;
        append_values_sql(sql, source, listed + from, m, key, relation, map.data,
                          rows <= INGEST_UNPIVOT_MAX_ROWS);
    }
out:
    for (size_t b = 0; b < nbatches; b++)
        sq_table_fini(&aggs[b]);
    free(aggs);
    free(listed);
    free_columns(cs, n);
    sq_table_fini(&cols);
    sq_buf_fini(&q);
    sq_buf_fini(&map);
    return rc;
}

int ingest__file_stats_sql(struct store_conn *c, const char *source, const char *path,
                           const char *relation, struct sq_buf *sql, struct sq_error *err)
{
    struct sq_buf key;
    sq_buf_init(&key, SQ_BUF_UNLIMITED);
    sq_buf_put_literal(&key, path);
    const char *keys[] = {path};
    int rc = stats_sql(c, source, relation, key.data, keys, keys, 1, sql, NULL, err);
    sq_buf_fini(&key);
    return rc;
}

int ingest__batch_stats_sql(struct store_conn *c, const char *source, const char *const *paths,
                            size_t n, const char *relation, struct sq_buf *sql, long long *rows,
                            struct sq_error *err)
{
    return stats_sql(c, source, relation, INGEST_FILE_COLUMN, paths, paths, n, sql, rows, err);
}

/* Statistics of files[0..n) of a source read from Parquet, in one query and one
 * transaction. Rows of t: path, parquet file, reader options, storage. */
static int stats_batch(struct store_conn *c, const char *source, const struct sq_table *t,
                       size_t from, size_t n, struct sq_error *err)
{
    struct sq_buf reader, rel, sql;
    struct sq_table cols;
    sq_buf_init(&reader, SQ_BUF_UNLIMITED);
    sq_buf_init(&rel, SQ_BUF_UNLIMITED);
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&cols);
    const char **keys = xcalloc(n + 1, sizeof *keys), **paths = xcalloc(n + 1, sizeof *paths);
    sq_buf_puts(&reader, "read_parquet([");
    for (size_t i = 0; i < n; i++) {
        paths[i] = sq_table_cell(t, from + i, 0)->text;
        keys[i] = sq_table_cell(t, from + i, 1)->text;
        sq_buf_puts(&reader, i ? ", " : "");
        sq_buf_put_literal(&reader, keys[i]);
    }
    const char *options = sq_table_cell(t, from, 2)->text;
    int in_place = strcmp(sq_table_cell(t, from, 3)->text, INGEST_STORAGE_PARQUET) == 0;
    sq_buf_printf(&reader, "], union_by_name = true, filename = '" KEY_COLUMN "'%s)",
                  in_place && *options ? options : ", hive_partitioning = false");
    /* Data files read in place keep their own column names: snake_case them as the view
     * does. Compacted parts have the mart's names already. */
    int rc = 0;
    if (in_place) {
        sq_buf_printf(&sql, "SELECT column_name FROM (DESCRIBE SELECT * FROM %s)", reader.data);
        rc = store_query(c, sql.data, &cols, err);
        sq_buf_reset(&sql);
        char **taken = xcalloc(cols.nrows + 1, sizeof *taken);
        size_t nt = 0;
        sq_buf_puts(&rel, "(SELECT ");
        for (size_t i = 0; !rc && i < cols.nrows; i++) {
            const char *orig = sq_table_cell(&cols, i, 0)->text;
            if (strcmp(orig, KEY_COLUMN) == 0)
                continue;
            char *snake = names_snake(orig);
            taken[nt] = names_unique(snake, taken, nt);
            free(snake);
            sq_buf_put_ident(&rel, orig);
            sq_buf_puts(&rel, " AS ");
            sq_buf_put_ident(&rel, taken[nt]);
            sq_buf_puts(&rel, ", ");
            nt++;
        }
        for (size_t i = 0; i < nt; i++)
            free(taken[i]);
        free(taken);
        sq_buf_printf(&rel, KEY_COLUMN " FROM %s)", reader.data);
    } else {
        sq_buf_printf(&rel, "(SELECT * FROM %s)", reader.data);
    }
    sq_buf_puts(&sql, "BEGIN TRANSACTION;");
    if (!rc)
        rc = stats_sql(c, source, rel.data, KEY_COLUMN, keys, paths, n, &sql, NULL, err);
    if (!rc) {
        sq_buf_puts(&sql, "COMMIT;");
        rc = store_exec(c, sql.data, err);
        if (rc)
            store_exec(c, "ROLLBACK", NULL);
    }
    free(keys);
    free(paths);
    sq_table_fini(&cols);
    sq_buf_fini(&reader);
    sq_buf_fini(&rel);
    sq_buf_fini(&sql);
    return rc;
}

int ingest__ensure_file_stats(struct store_conn *c, const char *source, struct sq_error *err)
{
    struct sq_table t;
    struct sq_buf q;
    sq_table_init(&t);
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_puts(&q, "SELECT p.path, p.parquet, coalesce(p.options, ''), s.storage, "
                    "coalesce(f.size, 0) FROM salesql_parts p JOIN salesql_sources s ON s.name "
                    "= p.source LEFT JOIN salesql_files f ON f.path = p.path WHERE p.source = ");
    sq_buf_put_literal(&q, source);
    sq_buf_puts(&q, " AND s.storage IN ('" INGEST_STORAGE_PARQUET "', '" INGEST_STORAGE_COMPACT
                    "') AND NOT EXISTS (SELECT 1 FROM salesql_file_stats x WHERE x.source = "
                    "p.source AND x.path = p.path) ORDER BY p.path");
    int rc = store_query(c, q.data, &t, err);
    size_t i = 0;
    while (!rc && i < t.nrows) {
        /* Compacted parts are about a tenth of their CSV's size. */
        int in_place = strcmp(sq_table_cell(&t, i, 3)->text, INGEST_STORAGE_PARQUET) == 0;
        long long bytes = 0;
        size_t n = 0;
        while (i + n < t.nrows && n < BATCH_FILES && (n == 0 || bytes < BATCH_BYTES)) {
            long long size = sq_cell_int(sq_table_cell(&t, i + n, 4));
            bytes += in_place ? size : size / 10;
            n++;
        }
        double t0 = sq_now_ms();
        rc = stats_batch(c, source, &t, i, n, err);
        sq_log_debug("statistics of %zu files of mart_dyn_%s in %.0f ms", n, source,
                     sq_now_ms() - t0);
        i += n;
    }
    sq_table_fini(&t);
    sq_buf_fini(&q);
    return rc;
}
