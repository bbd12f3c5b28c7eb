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
    char *name;
    const char *type;
};

/* Statistics of the files in relation, grouped by key: the SQL that replaces their rows of
 * salesql_file_stats and salesql_file_values, appended to sql. key is a SQL expression
 * over relation naming each row's file; keys[i] is the value it takes for paths[i]. */
static int stats_sql(struct store_conn *c, const char *source, const char *relation,
                     const char *key, const char *const *keys, const char *const *paths,
                     size_t nfiles, struct sq_buf *sql, struct sq_error *err)
{
    struct sq_table cols, agg;
    struct sq_buf q, proj, map;
    sq_table_init(&cols);
    sq_table_init(&agg);
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_init(&proj, SQ_BUF_UNLIMITED);
    sq_buf_init(&map, SQ_BUF_UNLIMITED);
    struct col *cs = NULL;
    size_t n = 0;
    sq_buf_printf(&q, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM %s)", relation);
    int rc = store_query(c, q.data, &cols, err);
    if (rc)
        goto out;

    /* The columns as the mart shows them: the file's own, then the calendar parts of its
     * dates (named as the mart view names them). */
    cs = xcalloc(4 * cols.nrows + 1, sizeof *cs);
    sq_buf_puts(&proj, "(SELECT ");
    for (size_t i = 0; i < cols.nrows; i++) {
        const char *name = sq_table_cell(&cols, i, 0)->text;
        if (strcmp(name, INGEST_FILE_COLUMN) == 0 || strcmp(name, KEY_COLUMN) == 0)
            continue;
        char *qn = sq_quote_ident(name);
        sq_buf_printf(&proj, "%s, ", qn);
        free(qn);
        cs[n].name = xstrdup(name);
        cs[n].type = sq_table_cell(&cols, i, 1)->text;
        n++;
    }
    size_t nplain = n;
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
            char *qn = sq_quote_ident(cs[i].name), *qd = sq_quote_ident(dname);
            sq_buf_printf(&proj, "%s(%s) AS %s, ", parts[p], qn, qd);
            free(qn);
            free(qd);
            cs[n].name = dname;
            cs[n].type = "BIGINT";
            n++;
        }
    }
    sq_buf_printf(&proj, "%s AS " KEY_COLUMN " FROM %s)", key, relation);
    if (n == 0)
        goto out;

    sq_buf_reset(&q);
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
    sq_buf_printf(&q, " FROM %s GROUP BY 1", proj.data);
    if ((rc = store_query(c, q.data, &agg, err)))
        goto out;

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
    int any = 0;
    for (size_t r = 0; r < agg.nrows; r++) {
        const char *k = sq_table_cell(&agg, r, 0)->text;
        const char *path = NULL;
        for (size_t f = 0; f < nfiles && !path; f++)
            if (k && strcmp(keys[f], k) == 0)
                path = paths[f];
        if (!path)
            continue;
        long long rows = sq_cell_int(sq_table_cell(&agg, r, 1));
        for (size_t i = 0; i < n; i++) {
            const struct sq_cell *nn = sq_table_cell(&agg, r, 2 + 4 * i);
            const struct sq_cell *d = sq_table_cell(&agg, r, 3 + 4 * i);
            sq_buf_puts(sql, any++ ? ", (" : "INSERT INTO salesql_file_stats VALUES (");
            sq_buf_put_literal(sql, source);
            sq_buf_puts(sql, ", ");
            sq_buf_put_literal(sql, path);
            sq_buf_puts(sql, ", ");
            sq_buf_put_literal(sql, cs[i].name);
            sq_buf_puts(sql, ", ");
            sq_buf_put_literal(sql, cs[i].type);
            sq_buf_printf(sql, ", %lld, %lld, ", rows, sq_cell_int(nn));
            if (d->text)
                sq_buf_printf(sql, "%lld, ", sq_cell_int(d));
            else
                sq_buf_puts(sql, "NULL, ");
            sq_buf_put_literal_or_null(sql, sq_table_cell(&agg, r, 4 + 4 * i)->text);
            sq_buf_puts(sql, ", ");
            sq_buf_put_literal_or_null(sql, sq_table_cell(&agg, r, 5 + 4 * i)->text);
            sq_buf_puts(sql, ")");
        }
    }
    if (any)
        sq_buf_puts(sql, ";");
    /* Values of the columns with few of them in every file; a file whose column yields
     * more than FILE_VALUES_MAX is recognised by profile.c as not listed in full. */
    for (size_t i = 0; i < n; i++) {
        long long most = -1, nonnull = 0;
        for (size_t r = 0; r < agg.nrows; r++) {
            const struct sq_cell *d = sq_table_cell(&agg, r, 3 + 4 * i);
            long long v = d->text ? sq_cell_int(d) : FILE_VALUES_TRY + 1;
            most = v > most ? v : most;
            nonnull += sq_cell_int(sq_table_cell(&agg, r, 2 + 4 * i));
        }
        if (most < 0 || most > FILE_VALUES_TRY || nonnull == 0)
            continue;
        char *qn = sq_quote_ident(cs[i].name);
        sq_buf_puts(sql, "INSERT INTO salesql_file_values SELECT ");
        sq_buf_put_literal(sql, source);
        sq_buf_puts(sql, ", m.path, ");
        sq_buf_put_literal(sql, cs[i].name);
        sq_buf_printf(sql,
                      ", CAST(x.v AS VARCHAR), x.n FROM (SELECT " KEY_COLUMN ", %s AS v, "
                      "count(*) AS n FROM %s WHERE %s IS NOT NULL GROUP BY 1, 2 QUALIFY "
                      "row_number() OVER (PARTITION BY " KEY_COLUMN ") <= %d) x JOIN %s ON "
                      "m.k = x." KEY_COLUMN ";",
                      qn, proj.data, qn, FILE_VALUES_MAX + 1, map.data);
        free(qn);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(cs[i].name);
    free(cs);
    sq_table_fini(&cols);
    sq_table_fini(&agg);
    sq_buf_fini(&q);
    sq_buf_fini(&proj);
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
    int rc = stats_sql(c, source, relation, key.data, keys, keys, 1, sql, err);
    sq_buf_fini(&key);
    return rc;
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
        rc = stats_sql(c, source, rel.data, KEY_COLUMN, keys, paths, n, &sql, err);
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
