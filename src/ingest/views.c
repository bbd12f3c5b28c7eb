/*
 * The catalog side of a refresh and the sources stored as views (see ingest/internal.h):
 * the SQL that writes mart_dyn_* views and catalog rows, dropping a source, and the two
 * kinds of source whose raw_<name> is a view over Parquet files rather than a table:
 * Parquet data files read in place (--parquet=view), and CSV sources that `salesql
 * compact` rewrote as zstd Parquet parts. Called by ingest.c (refresh) and compact.c.
 *
 * Crash safety is the loader's: every change of a view source is one transaction over the
 * views and the catalog; a compacted part is written under a new name and committed
 * before the part it replaces is deleted, so a kill -9 leaves at most an unreferenced
 * file (removed by the next `salesql compact`).
 */
#include "ingest/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "ingest/names.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Compacted files are staged in a temporary table: their rows go to a Parquet part. */
#define STAGE_TABLE "salesql_stage_temp"

int ingest__append_view_sql(struct store_conn *c, const char *source, const char *qtable,
                            const struct load_result *lr, struct sq_buf *sql, struct sq_error *err)
{
    struct sq_table cols, prior;
    struct sq_buf q;
    sq_table_init(&cols);
    sq_table_init(&prior);
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_printf(&q, "SELECT column_name, column_type FROM (DESCRIBE %s)", qtable);
    int rc = store_query(c, q.data, &cols, err);
    sq_buf_reset(&q);
    /* Names in the file and notes of columns this load did not see (another file of the
     * source has them) stay as an earlier load recorded them. */
    sq_buf_puts(&q, "SELECT name, original, note FROM salesql_columns WHERE derived_from IS NULL "
                    "AND source = ");
    sq_buf_put_literal(&q, source);
    if (!rc)
        rc = store_query(c, q.data, &prior, err);
    if (rc)
        goto out;
    char *mart = xasprintf("mart_dyn_%s", source);
    char *qmart = sq_quote_ident(mart);
    sq_buf_printf(sql, "CREATE OR REPLACE VIEW %s AS SELECT ", qmart);
    struct sq_buf colrows;
    sq_buf_init(&colrows, SQ_BUF_UNLIMITED);
    /* One multi-row INSERT: a statement per column took seconds on wide files. */
    sq_buf_puts(&colrows, "DELETE FROM salesql_columns WHERE source = ");
    sq_buf_put_literal(&colrows, source);
    sq_buf_puts(&colrows, "; INSERT INTO salesql_columns (source, position, name, original, "
                          "note, derived_from) VALUES ");
    int first = 1, pos = 0;
    for (size_t i = 0; i < cols.nrows; i++) {
        const char *name = sq_table_cell(&cols, i, 0)->text;
        if (strcmp(name, INGEST_FILE_COLUMN) == 0)
            continue;
        char *qn = sq_quote_ident(name);
        sq_buf_printf(sql, "%s%s", first ? "" : ", ", qn);
        first = 0;
        const char *original = name, *note = NULL;
        int seen = 0;
        for (size_t j = 0; lr && j < lr->ncols; j++) {
            if (strcmp(lr->cols[j].name, name) == 0) {
                original = lr->cols[j].original;
                note = lr->cols[j].note;
                seen = 1;
            }
        }
        for (size_t j = 0; !seen && j < prior.nrows; j++) {
            if (strcmp(sq_table_cell(&prior, j, 0)->text, name) == 0) {
                if (sq_table_cell(&prior, j, 1)->text)
                    original = sq_table_cell(&prior, j, 1)->text;
                note = sq_table_cell(&prior, j, 2)->text;
            }
        }
        sq_buf_puts(&colrows, pos ? ", (" : "(");
        sq_buf_put_literal(&colrows, source);
        sq_buf_printf(&colrows, ", %d, ", pos++);
        sq_buf_put_literal(&colrows, name);
        sq_buf_puts(&colrows, ", ");
        sq_buf_put_literal(&colrows, original);
        sq_buf_puts(&colrows, ", ");
        sq_buf_put_literal_or_null(&colrows, note);
        sq_buf_puts(&colrows, ", NULL)");
        free(qn);
    }
    /* Derived calendar parts for every date column, unless the name is taken. */
    for (size_t i = 0; i < cols.nrows; i++) {
        const char *name = sq_table_cell(&cols, i, 0)->text;
        const char *type = sq_table_cell(&cols, i, 1)->text;
        if (strcmp(type, "DATE") != 0 && strncmp(type, "TIMESTAMP", 9) != 0)
            continue;
        static const char *const parts[] = {"year", "quarter", "month"};
        for (int p = 0; p < 3; p++) {
            char *dname = xasprintf("%s_%s", name, parts[p]);
            int taken = 0;
            for (size_t j = 0; j < cols.nrows && !taken; j++)
                taken = strcmp(sq_table_cell(&cols, j, 0)->text, dname) == 0;
            if (!taken) {
                char *qn = sq_quote_ident(name);
                char *qd = sq_quote_ident(dname);
                sq_buf_printf(sql, ", %s(%s) AS %s", parts[p], qn, qd);
                sq_buf_puts(&colrows, pos ? ", (" : "(");
                sq_buf_put_literal(&colrows, source);
                sq_buf_printf(&colrows, ", %d, ", pos++);
                sq_buf_put_literal(&colrows, dname);
                sq_buf_puts(&colrows, ", NULL, NULL, ");
                sq_buf_put_literal(&colrows, name);
                sq_buf_puts(&colrows, ")");
                free(qn);
                free(qd);
            }
            free(dname);
        }
    }
    sq_buf_printf(sql, " FROM %s;", qtable);
    if (pos)
        sq_buf_printf(sql, "%s;", colrows.data);
    sq_buf_fini(&colrows);
    free(qmart);
    free(mart);
out:
    sq_table_fini(&cols);
    sq_table_fini(&prior);
    sq_buf_fini(&q);
    return rc;
}

void ingest__append_file_row(struct sq_buf *sql, const struct scan_file *f, const char *source,
                             const char *header, const char *encoding, long long rows, double ms,
                             const char *error)
{
    sq_buf_puts(sql, "DELETE FROM salesql_files WHERE path = ");
    sq_buf_put_literal(sql, f->rel);
    sq_buf_puts(sql, "; INSERT INTO salesql_files VALUES (");
    sq_buf_put_literal(sql, f->rel);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, source);
    sq_buf_printf(sql, ", %lld, %lld, ", f->size, f->mtime_ns);
    sq_buf_put_literal(sql, header);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, encoding);
    sq_buf_printf(sql, ", %lld, now()::TIMESTAMP, %.3f, %s, ", rows, ms,
                  error ? "'error'" : "'ok'");
    sq_buf_put_literal_or_null(sql, error);
    sq_buf_puts(sql, ");");
}

void ingest__append_source_row(struct sq_buf *sql, const char *source, const char *qtable,
                               int multi, const char *storage)
{
    char *table = xasprintf("raw_%s", source);
    char *mart = xasprintf("mart_dyn_%s", source);
    sq_buf_puts(sql, "CREATE TEMP TABLE IF NOT EXISTS salesql_prev AS SELECT 0 AS v LIMIT 0;"
                     "DELETE FROM salesql_prev; INSERT INTO salesql_prev SELECT coalesce(max("
                     "version), 0) FROM salesql_sources WHERE name = ");
    sq_buf_put_literal(sql, source);
    sq_buf_puts(sql, "; DELETE FROM salesql_sources WHERE name = ");
    sq_buf_put_literal(sql, source);
    sq_buf_puts(sql, "; INSERT INTO salesql_sources (name, table_name, mart, multi, rows, version, "
                     "loaded_at, profiled_version, storage) SELECT ");
    sq_buf_put_literal(sql, source);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, table);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, mart);
    sq_buf_printf(sql,
                  ", %s, (SELECT count(*) FROM %s), (SELECT v + 1 FROM salesql_prev), "
                  "now()::TIMESTAMP, NULL, ",
                  multi ? "true" : "false", qtable);
    sq_buf_put_literal(sql, storage);
    sq_buf_puts(sql, ";");
    free(table);
    free(mart);
}

void ingest__append_forget_file(struct sq_buf *sql, const char *source, const char *path)
{
    static const char *const tables[] = {"salesql_file_stats", "salesql_file_values",
                                         "salesql_parts"};
    for (int i = 0; i < 3; i++) {
        sq_buf_printf(sql, "DELETE FROM %s WHERE source = ", tables[i]);
        sq_buf_put_literal(sql, source);
        sq_buf_puts(sql, " AND path = ");
        sq_buf_put_literal(sql, path);
        sq_buf_puts(sql, ";");
    }
}

int ingest__relation_exists(struct store_conn *c, const char *kind, const char *name)
{
    struct sq_buf q;
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    int view = strcmp(kind, "view") == 0;
    sq_buf_printf(&q, "SELECT count(*) FROM duckdb_%ss() WHERE schema_name = 'main' AND %s_name = ",
                  view ? "view" : "table", view ? "view" : "table");
    sq_buf_put_literal(&q, name);
    long long n = 0;
    store_query_int(c, q.data, &n, NULL);
    sq_buf_fini(&q);
    return n > 0;
}

char *ingest__source_storage(struct store_conn *c, const char *name)
{
    char *table = xasprintf("raw_%s", name);
    char *storage = NULL;
    if (ingest__relation_exists(c, "table", table)) {
        storage = xstrdup(INGEST_STORAGE_TABLE);
    } else if (ingest__relation_exists(c, "view", table)) {
        struct sq_buf q;
        sq_buf_init(&q, SQ_BUF_UNLIMITED);
        sq_buf_puts(&q, "SELECT storage FROM salesql_sources WHERE name = ");
        sq_buf_put_literal(&q, name);
        store_query_string(c, q.data, &storage, NULL);
        sq_buf_fini(&q);
        if (!storage)
            storage = xstrdup(INGEST_STORAGE_PARQUET);
    }
    free(table);
    return storage;
}

/* The statement that drops raw_<name>, whichever it is. */
static void append_drop_raw(struct store_conn *c, struct sq_buf *sql, const char *name)
{
    char *table = xasprintf("raw_%s", name);
    char *qt = sq_quote_ident(table);
    if (ingest__relation_exists(c, "view", table))
        sq_buf_printf(sql, "DROP VIEW IF EXISTS %s;", qt);
    else
        sq_buf_printf(sql, "DROP TABLE IF EXISTS %s;", qt);
    free(qt);
    free(table);
}

int ingest__drop_source(struct ingest__run *r, const char *name, struct sq_error *err)
{
    char *mart = xasprintf("mart_dyn_%s", name);
    char *qm = sq_quote_ident(mart);
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_printf(&sql, "BEGIN TRANSACTION; DROP VIEW IF EXISTS %s;", qm);
    append_drop_raw(r->c, &sql, name);
    static const char *const tables[] = {
        "salesql_files",      "salesql_sources",     "salesql_columns", "salesql_values",
        "salesql_file_stats", "salesql_file_values", "salesql_parts"};
    static const char *const keys[] = {"source", "name",   "source", "source",
                                       "source", "source", "source"};
    for (int i = 0; i < 7; i++) {
        sq_buf_printf(&sql, "DELETE FROM %s WHERE %s = ", tables[i], keys[i]);
        sq_buf_put_literal(&sql, name);
        sq_buf_puts(&sql, ";");
    }
    sq_buf_puts(&sql, "COMMIT;");
    int rc = store_exec(r->c, sql.data, err);
    if (rc) {
        store_exec(r->c, "ROLLBACK", NULL);
    } else {
        char *dir = sq_path_join(r->compact_dir, name);
        sq_rm_rf(dir);
        free(dir);
    }
    sq_buf_fini(&sql);
    free(qm);
    free(mart);
    return rc;
}

int ingest__swap_view(struct store_conn *c, const char *source, const char *storage, int multi,
                      int same_data, const char *pre, struct sq_error *err)
{
    char *table = xasprintf("raw_%s", source);
    char *qtable = sq_quote_ident(table);
    struct sq_buf sql, q;
    struct sq_table parts, cols;
    struct load_result lr = {0};
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_table_init(&parts);
    sq_table_init(&cols);
    sq_buf_puts(&sql, "BEGIN TRANSACTION;");
    sq_buf_puts(&sql, pre ? pre : "");
    int rc = store_exec(c, sql.data, err);
    sq_buf_reset(&sql);
    sq_buf_puts(&q, "SELECT parquet, coalesce(options, '') FROM salesql_parts WHERE source = ");
    sq_buf_put_literal(&q, source);
    sq_buf_puts(&q, " ORDER BY path");
    if (!rc)
        rc = store_query(c, q.data, &parts, err);
    if (rc)
        goto out;
    if (parts.nrows == 0) {
        /* Nothing left to read: the source goes, its files' rows (errors) stay. */
        char *mart = xasprintf("mart_dyn_%s", source);
        char *qm = sq_quote_ident(mart);
        sq_buf_printf(&sql, "DROP VIEW IF EXISTS %s;", qm);
        append_drop_raw(c, &sql, source);
        static const char *const tables[] = {"salesql_sources", "salesql_columns",
                                             "salesql_values"};
        static const char *const keys[] = {"name", "source", "source"};
        for (int i = 0; i < 3; i++) {
            sq_buf_printf(&sql, "DELETE FROM %s WHERE %s = ", tables[i], keys[i]);
            sq_buf_put_literal(&sql, source);
            sq_buf_puts(&sql, ";");
        }
        sq_buf_puts(&sql, "COMMIT;");
        rc = store_exec(c, sql.data, err);
        free(qm);
        free(mart);
        goto out;
    }
    /* read_parquet over the files in path order, columns matched by name across files. */
    struct sq_buf reader;
    sq_buf_init(&reader, SQ_BUF_UNLIMITED);
    sq_buf_puts(&reader, "read_parquet([");
    for (size_t i = 0; i < parts.nrows; i++) {
        sq_buf_puts(&reader, i ? ", " : "");
        sq_buf_put_literal(&reader, sq_table_cell(&parts, i, 0)->text);
    }
    const char *options = sq_table_cell(&parts, 0, 1)->text;
    sq_buf_printf(&reader, "], union_by_name = true%s)",
                  *options ? options : ", hive_partitioning = false");
    int in_place = strcmp(storage, INGEST_STORAGE_PARQUET) == 0;
    if (ingest__relation_exists(c, "table", table))
        sq_buf_printf(&sql, "DROP TABLE %s;", qtable);
    sq_buf_printf(&sql, "CREATE OR REPLACE VIEW %s AS SELECT ", qtable);
    if (in_place) {
        /* Data files keep their own names: snake_case them as a load would. */
        sq_buf_reset(&q);
        sq_buf_printf(&q, "SELECT column_name FROM (DESCRIBE SELECT * FROM %s)", reader.data);
        rc = store_query(c, q.data, &cols, err);
        char **taken = xcalloc(cols.nrows + 1, sizeof *taken);
        lr.cols = xcalloc(cols.nrows + 1, sizeof *lr.cols);
        for (size_t i = 0; !rc && i < cols.nrows; i++) {
            const char *orig = sq_table_cell(&cols, i, 0)->text;
            char *snake = names_snake(orig);
            taken[i] = names_unique(snake, taken, i);
            free(snake);
            sq_buf_puts(&sql, i ? ", " : "");
            sq_buf_put_ident(&sql, orig);
            sq_buf_puts(&sql, " AS ");
            sq_buf_put_ident(&sql, taken[i]);
            struct load_column *lc = &lr.cols[lr.ncols++];
            lc->name = xstrdup(taken[i]);
            lc->original = xstrdup(orig);
        }
        for (size_t i = 0; i < cols.nrows; i++)
            free(taken[i]);
        free(taken);
    } else {
        sq_buf_puts(&sql, "*");
    }
    sq_buf_printf(&sql, " FROM %s;", reader.data);
    sq_buf_fini(&reader);
    if (!rc)
        rc = store_exec(c, sql.data, err);
    sq_buf_reset(&sql);
    if (rc)
        goto out;
    if (same_data) {
        /* Same rows, same columns: the mart view and the profile stand. */
        sq_buf_puts(&sql, "UPDATE salesql_sources SET storage = ");
        sq_buf_put_literal(&sql, storage);
        sq_buf_puts(&sql, " WHERE name = ");
        sq_buf_put_literal(&sql, source);
        sq_buf_puts(&sql, ";");
    } else {
        rc = ingest__append_view_sql(c, source, qtable, in_place ? &lr : NULL, &sql, err);
        ingest__append_source_row(&sql, source, qtable, multi, storage);
    }
    sq_buf_puts(&sql, "COMMIT;");
    if (!rc)
        rc = store_exec(c, sql.data, err);
out:
    if (rc)
        store_exec(c, "ROLLBACK", NULL);
    ingest__load_result_fini(&lr);
    sq_table_fini(&parts);
    sq_table_fini(&cols);
    sq_buf_fini(&sql);
    sq_buf_fini(&q);
    free(qtable);
    free(table);
    return rc;
}

/* The rows of a Parquet file from its footer; fails on a file that is not Parquet. */
static int parquet_rows(struct store_conn *c, const char *path, long long *rows,
                        struct sq_error *err)
{
    struct sq_buf q;
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_puts(&q, "SELECT sum(num_rows) FROM parquet_file_metadata(");
    sq_buf_put_literal(&q, path);
    sq_buf_puts(&q, ")");
    int rc = store_query_int(c, q.data, rows, err);
    sq_buf_fini(&q);
    return rc;
}

int ingest__refresh_parquet_source(struct ingest__run *r, const struct scan_source *src,
                                   const unsigned char *need, int rebuild)
{
    const struct scan_list *l = r->files;
    char *opts = scan_hive_options(l, src->files, src->nfiles);
    struct sq_buf pre;
    sq_buf_init(&pre, SQ_BUF_UNLIMITED);
    long long *rows = xcalloc(src->nfiles + 1, sizeof *rows);
    size_t *index = xcalloc(src->nfiles + 1, sizeof *index);
    char **errors = xcalloc(src->nfiles + 1, sizeof *errors);
    double t0 = sq_now_ms();
    if (rebuild) {
        static const char *const tables[] = {"salesql_parts", "salesql_file_stats",
                                             "salesql_file_values", "salesql_files"};
        for (int i = 0; i < 4; i++) {
            sq_buf_printf(&pre, "DELETE FROM %s WHERE source = ", tables[i]);
            sq_buf_put_literal(&pre, src->name);
            sq_buf_puts(&pre, ";");
        }
    }
    /* The partition types may change with the set of files: every part takes them. */
    sq_buf_puts(&pre, "UPDATE salesql_parts SET options = ");
    sq_buf_put_literal(&pre, opts);
    sq_buf_puts(&pre, " WHERE source = ");
    sq_buf_put_literal(&pre, src->name);
    sq_buf_puts(&pre, ";");
    int rc = 0;
    for (size_t j = 0; j < src->nfiles && !rc; j++) {
        size_t fi = src->files[j];
        if (!rebuild && !need[fi])
            continue;
        if (ingest__cancelled(r)) {
            rc = SQ_E_INTERRUPTED;
            break;
        }
        const struct scan_file *f = &l->files[fi];
        index[j] = ++r->loaded_so_far;
        ingest__emit_start(r, src->name, f->rel, f->size, r->loaded_so_far);
        struct sq_error e;
        sq_error_clear(&e);
        ingest__append_forget_file(&pre, src->name, f->rel);
        if (parquet_rows(r->c, f->path, &rows[j], &e) != 0) {
            errors[j] = xstrdup(e.msg);
            ingest__append_file_row(&pre, f, src->name, r->headers[fi], "parquet", 0,
                                    sq_now_ms() - t0, e.msg);
            continue;
        }
        sq_buf_puts(&pre, "INSERT INTO salesql_parts VALUES (");
        sq_buf_put_literal(&pre, src->name);
        sq_buf_puts(&pre, ", ");
        sq_buf_put_literal(&pre, f->rel);
        sq_buf_puts(&pre, ", ");
        sq_buf_put_literal(&pre, f->path);
        sq_buf_printf(&pre, ", %lld, ", rows[j]);
        sq_buf_put_literal(&pre, opts);
        sq_buf_puts(&pre, ", NULL);");
        ingest__append_file_row(&pre, f, src->name, r->headers[fi], "parquet", rows[j],
                                sq_now_ms() - t0, NULL);
    }
    struct sq_error e;
    sq_error_clear(&e);
    if (!rc)
        rc =
            ingest__swap_view(r->c, src->name, INGEST_STORAGE_PARQUET, src->multi, 0, pre.data, &e);
    if (rc && ingest__cancelled(r))
        rc = SQ_E_INTERRUPTED;
    if (rc == SQ_E_INTERRUPTED)
        goto out;
    /* A view that does not build (files whose columns cannot be united) fails every file
     * of this refresh; the last good views stay. */
    double ms = sq_now_ms() - t0;
    for (size_t j = 0; j < src->nfiles; j++) {
        size_t fi = src->files[j];
        if (!rebuild && !need[fi])
            continue;
        const struct scan_file *f = &l->files[fi];
        const char *why = rc ? e.msg : errors[j];
        if (why) {
            ingest__add_failure(r->rep, f->rel, why);
            ingest__emit(r->o, (struct ingest_event){.kind = INGEST_FILE_FAILED,
                                                     .path = f->rel,
                                                     .source = src->name,
                                                     .error = why,
                                                     .ms = ms,
                                                     .index = index[j],
                                                     .total = r->to_load});
        } else {
            r->rep->loaded++;
            r->rep->rows += rows[j];
            ingest__emit(r->o, (struct ingest_event){.kind = INGEST_FILE_DONE,
                                                     .path = f->rel,
                                                     .source = src->name,
                                                     .rows = rows[j],
                                                     .bytes = f->size,
                                                     .ms = ms,
                                                     .index = index[j],
                                                     .total = r->to_load});
        }
    }
    rc = 0;
out:
    for (size_t j = 0; j < src->nfiles; j++)
        free(errors[j]);
    free(errors);
    free(rows);
    free(index);
    free(opts);
    sq_buf_fini(&pre);
    return rc;
}

/* The next free part number of a compacted source. */
static long long next_part(struct store_conn *c, const char *source)
{
    struct sq_buf q;
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_puts(&q, "SELECT coalesce(max(part_no), 0) + 1 FROM salesql_parts WHERE source = ");
    sq_buf_put_literal(&q, source);
    long long n = 1;
    store_query_int(c, q.data, &n, NULL);
    sq_buf_fini(&q);
    return n;
}

int ingest__load_compact(struct ingest__run *r, const struct scan_source *src, size_t fi,
                         const char *hive)
{
    const struct scan_file *f = &r->files->files[fi];
    struct load_result lr = {0};
    struct sq_error e;
    sq_error_clear(&e);
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    char *dir = sq_path_join(r->compact_dir, src->name);
    char *part = NULL, *tmp = NULL, *old = NULL;
    double t0 = sq_now_ms();
    r->loaded_so_far++;
    ingest__emit_start(r, src->name, f->rel, f->size, r->loaded_so_far);
    store_exec(r->c, "DROP TABLE IF EXISTS " STAGE_TABLE, NULL);
    int failed = ingest__load_stage(r->c, f, r->o, hive, STAGE_TABLE, 1, &lr, &e);
    if (!failed)
        failed = sq_mkdir_p(dir, &e);
    if (!failed) {
        long long no = next_part(r->c, src->name);
        char name[sizeof "part-.parquet" + SQ_NUM_TEXT_MAX];
        snprintf(name, sizeof name, "part-%lld.parquet", no);
        part = sq_path_join(dir, name);
        tmp = xasprintf("%s.tmp", part);
        sq_buf_puts(&sql, "COPY " STAGE_TABLE " TO ");
        sq_buf_put_literal(&sql, tmp);
        sq_buf_puts(&sql, " (FORMAT parquet, COMPRESSION zstd)");
        failed = store_exec(r->c, sql.data, &e);
        if (!failed && rename(tmp, part) != 0)
            failed = sq_error_set(&e, SQ_E_IO, -1, "cannot rename %s: %s", tmp, strerror(errno));
        sq_buf_reset(&sql);
        if (!failed) {
            struct sq_buf q;
            sq_buf_init(&q, SQ_BUF_UNLIMITED);
            sq_buf_puts(&q, "SELECT parquet FROM salesql_parts WHERE source = ");
            sq_buf_put_literal(&q, src->name);
            sq_buf_puts(&q, " AND path = ");
            sq_buf_put_literal(&q, f->rel);
            store_query_string(r->c, q.data, &old, NULL);
            sq_buf_fini(&q);
            /* Statistics read the staging table: before it goes. */
            struct sq_error se;
            sq_error_clear(&se);
            ingest__append_forget_file(&sql, src->name, f->rel);
            if (ingest__file_stats_sql(r->c, src->name, f->rel, STAGE_TABLE, &sql, &se) != 0)
                sq_log_warn("no statistics for %s: %s", f->rel, se.msg);
            sq_buf_puts(&sql, "DROP TABLE " STAGE_TABLE "; INSERT INTO salesql_parts VALUES (");
            sq_buf_put_literal(&sql, src->name);
            sq_buf_puts(&sql, ", ");
            sq_buf_put_literal(&sql, f->rel);
            sq_buf_puts(&sql, ", ");
            sq_buf_put_literal(&sql, part);
            sq_buf_printf(&sql, ", %lld, NULL, %lld);", lr.rows, no);
            ingest__append_file_row(&sql, f, src->name, r->headers[fi], lr.encoding, lr.rows,
                                    sq_now_ms() - t0, NULL);
            failed = ingest__swap_view(r->c, src->name, INGEST_STORAGE_COMPACT, src->multi, 0,
                                       sql.data, &e);
        }
    }
    if (failed) {
        if (tmp)
            unlink(tmp);
        if (part && (!old || strcmp(old, part) != 0))
            unlink(part);
        store_exec(r->c, "DROP TABLE IF EXISTS " STAGE_TABLE, NULL);
    } else if (old && strcmp(old, part) != 0 && unlink(old) != 0 && errno != ENOENT) {
        sq_log_warn("cannot remove the replaced part %s: %s", old, strerror(errno));
    }
    int rc = ingest__finish_file(r, src, fi, &lr, sq_now_ms() - t0, failed ? e.msg : NULL);
    ingest__load_result_fini(&lr);
    sq_buf_fini(&sql);
    free(dir);
    free(part);
    free(tmp);
    free(old);
    return rc;
}

int ingest__remove_gone_view_files(struct ingest__run *r, const struct scan_source *src,
                                   const char *storage, int *changed, struct sq_error *err)
{
    struct sq_table t;
    struct sq_buf q, pre;
    sq_table_init(&t);
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_init(&pre, SQ_BUF_UNLIMITED);
    /* Every file the catalog knows in this source: those with a part (what the views
     * read) and those without (failed, never read). */
    sq_buf_puts(&q, "SELECT coalesce(f.path, p.path), p.parquet FROM (SELECT path FROM "
                    "salesql_files WHERE source = ");
    sq_buf_put_literal(&q, src->name);
    sq_buf_puts(&q, ") f FULL JOIN (SELECT path, parquet FROM salesql_parts WHERE source = ");
    sq_buf_put_literal(&q, src->name);
    sq_buf_puts(&q, ") p ON p.path = f.path");
    int rc = store_query(r->c, q.data, &t, err);
    unsigned char *gone = xcalloc(t.nrows + 1, 1);
    size_t ngone = 0;
    for (size_t i = 0; !rc && i < t.nrows; i++) {
        const char *path = sq_table_cell(&t, i, 0)->text;
        long fi = scan_find(r->files, path);
        if (fi >= 0 && scan_source_has(src, (size_t)fi))
            continue;
        sq_buf_puts(&pre, "DELETE FROM salesql_files WHERE path = ");
        sq_buf_put_literal(&pre, path);
        sq_buf_puts(&pre, ";");
        ingest__append_forget_file(&pre, src->name, path);
        gone[i] = 1;
        ngone++;
    }
    if (!rc && ngone) {
        rc = ingest__swap_view(r->c, src->name, storage, src->multi, 0, pre.data, err);
        *changed = 1;
        /* The parts of gone files, once no view reads them. */
        for (size_t i = 0; !rc && i < t.nrows; i++) {
            const char *parquet = sq_table_cell(&t, i, 1)->text;
            if (gone[i] && parquet && strcmp(storage, INGEST_STORAGE_COMPACT) == 0 &&
                unlink(parquet) != 0 && errno != ENOENT)
                sq_log_warn("cannot remove the part %s: %s", parquet, strerror(errno));
        }
    }
    free(gone);
    sq_table_fini(&t);
    sq_buf_fini(&q);
    sq_buf_fini(&pre);
    return rc;
}
