/*
 * The refresh (see ingest/ingest.h): compares the data folder with the catalog, loads
 * new and changed files through load.c into staging tables, swaps them into the
 * source's table in one transaction per file, rebuilds the mart_dyn_* view, drops
 * sources whose files are gone, and profiles what changed through profile.c.
 *
 * Crash safety: a staging table is built outside any transaction and is not part of the
 * data until the swap transaction commits; a kill -9 leaves at most a stray staging
 * table (dropped by the next run) and the catalog still describes exactly the data that
 * is in the tables, so the next run loads what is missing.
 */
#include "ingest/ingest.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "ingest/internal.h"
#include "ingest/names.h"
#include "ingest/scan.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGE_TABLE "salesql_stage"

/* What the catalog remembers of one file. */
struct known_file {
    char *path;
    char *source;
    char *header;
    long long size;
    long long mtime_ns;
    long long rows;
    int ok;
};

struct known {
    struct known_file *files;
    size_t n;
};

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct known_file *)a)->path, ((const struct known_file *)b)->path);
}

static void known_fini(struct known *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free(k->files[i].path);
        free(k->files[i].source);
        free(k->files[i].header);
    }
    free(k->files);
    memset(k, 0, sizeof *k);
}

static struct known_file *known_find(const struct known *k, const char *path)
{
    struct known_file key = {.path = (char *)path};
    return bsearch(&key, k->files, k->n, sizeof *k->files, by_path);
}

static int known_load(struct store_conn *c, struct known *k, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    memset(k, 0, sizeof *k);
    int rc = store_query(c,
                         "SELECT path, source, header, size, mtime_ns, rows, status = 'ok' "
                         "FROM salesql_files",
                         &t, err);
    if (!rc) {
        k->files = xcalloc(t.nrows + 1, sizeof *k->files);
        for (size_t r = 0; r < t.nrows; r++) {
            struct known_file *f = &k->files[k->n++];
            const struct sq_cell *src = sq_table_cell(&t, r, 1);
            const struct sq_cell *hdr = sq_table_cell(&t, r, 2);
            f->path = xstrdup(sq_table_cell(&t, r, 0)->text);
            f->source = xstrdup(src->text ? src->text : "");
            f->header = xstrdup(hdr->text ? hdr->text : "");
            f->size = sq_cell_int(sq_table_cell(&t, r, 3));
            f->mtime_ns = sq_cell_int(sq_table_cell(&t, r, 4));
            f->rows = sq_cell_int(sq_table_cell(&t, r, 5));
            f->ok = sq_table_cell(&t, r, 6)->text && sq_table_cell(&t, r, 6)->text[0] == 't';
        }
        qsort(k->files, k->n, sizeof *k->files, by_path);
    }
    sq_table_fini(&t);
    return rc;
}

static int same_version(const struct known_file *k, const struct scan_file *f)
{
    return k && k->size == f->size && k->mtime_ns == f->mtime_ns;
}

/* Checks that the catalog belongs to this data folder; a database refreshed from another
 * folder is reloaded from this one. */
static int data_dir_matches(struct store_conn *c, const char *abs_dir, int *match,
                            struct sq_error *err)
{
    char *v = NULL;
    int rc =
        store_query_string(c, "SELECT value FROM salesql_meta WHERE key = 'data_dir'", &v, err);
    *match = !rc && v && strcmp(v, abs_dir) == 0;
    if (!rc && !v)
        *match = 1; /* a new database: nothing to compare */
    free(v);
    return rc;
}

int ingest_pending(struct store *s, const char *data_dir, size_t *changed, struct sq_error *err)
{
    struct store_conn *c = store_main(s);
    struct scan_list l;
    struct known k = {0};
    *changed = 0;
    int rc = scan_folder(data_dir, &l, err);
    if (rc)
        return rc;
    long long have_catalog = 0;
    rc = store_query_int(c,
                         "SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                         "'salesql_files' AND schema_name = 'main'",
                         &have_catalog, err);
    if (rc)
        goto out;
    if (!have_catalog) {
        *changed = l.n ? l.n : 1;
        goto out;
    }
    char *abs = sq_abspath(data_dir);
    int match;
    rc = data_dir_matches(c, abs, &match, err);
    free(abs);
    if (rc)
        goto out;
    if (!match) {
        *changed = l.n + 1;
        goto out;
    }
    if ((rc = known_load(c, &k, err)))
        goto out;
    size_t present = 0;
    for (size_t i = 0; i < l.n; i++) {
        struct known_file *kf = known_find(&k, l.files[i].rel);
        if (kf)
            present++;
        if (!same_version(kf, &l.files[i]))
            (*changed)++;
    }
    *changed += k.n - present;
out:
    known_fini(&k);
    scan_list_fini(&l);
    return rc;
}

static void emit(const struct ingest_options *o, struct ingest_event ev)
{
    if (o->progress)
        o->progress(o->ud, &ev);
}

static void add_failure(struct ingest_report *rep, const char *path, const char *msg)
{
    rep->failures = xrealloc(rep->failures, (rep->nfailures + 1) * sizeof *rep->failures);
    rep->failures[rep->nfailures].path = xstrdup(path);
    rep->failures[rep->nfailures].error = xstrdup(msg);
    rep->nfailures++;
    rep->failed++;
}

void ingest_report_fini(struct ingest_report *rep)
{
    for (size_t i = 0; i < rep->nfailures; i++) {
        free(rep->failures[i].path);
        free(rep->failures[i].error);
    }
    free(rep->failures);
    memset(rep, 0, sizeof *rep);
}

/* The common type of two column types, for a multi-file source whose files disagree. */
static const char *wider_type(const char *a, const char *b)
{
    static const char *const ints[] = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", NULL};
    int ia = -1, ib = -1;
    for (int i = 0; ints[i]; i++) {
        if (strcmp(a, ints[i]) == 0)
            ia = i;
        if (strcmp(b, ints[i]) == 0)
            ib = i;
    }
    if (ia >= 0 && ib >= 0)
        return ints[ia > ib ? ia : ib];
    int na = ia >= 0 || strcmp(a, "DOUBLE") == 0 || strcmp(a, "FLOAT") == 0 ||
             strncmp(a, "DECIMAL", 7) == 0 || strcmp(a, "HUGEINT") == 0;
    int nb = ib >= 0 || strcmp(b, "DOUBLE") == 0 || strcmp(b, "FLOAT") == 0 ||
             strncmp(b, "DECIMAL", 7) == 0 || strcmp(b, "HUGEINT") == 0;
    if (na && nb)
        return "DOUBLE";
    if ((strcmp(a, "DATE") == 0 && strncmp(b, "TIMESTAMP", 9) == 0) ||
        (strcmp(b, "DATE") == 0 && strncmp(a, "TIMESTAMP", 9) == 0))
        return "TIMESTAMP";
    return "VARCHAR";
}

/* Makes the source table able to take the staging table's rows: adds missing columns and
 * widens types where the new file disagrees. */
static int reconcile(struct store_conn *c, const char *qtable, struct sq_error *err)
{
    struct sq_table have, incoming;
    struct sq_buf sql;
    sq_table_init(&have);
    sq_table_init(&incoming);
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_printf(&sql, "SELECT column_name, column_type FROM (DESCRIBE %s)", qtable);
    int rc = store_query(c, sql.data, &have, err);
    if (!rc)
        rc = store_query(c, "SELECT column_name, column_type FROM (DESCRIBE " STAGE_TABLE ")",
                         &incoming, err);
    sq_buf_reset(&sql);
    for (size_t i = 0; !rc && i < incoming.nrows; i++) {
        const char *name = sq_table_cell(&incoming, i, 0)->text;
        const char *type = sq_table_cell(&incoming, i, 1)->text;
        char *q = sq_quote_ident(name);
        int found = 0;
        for (size_t j = 0; j < have.nrows && !found; j++) {
            if (strcmp(sq_table_cell(&have, j, 0)->text, name) != 0)
                continue;
            found = 1;
            const char *cur = sq_table_cell(&have, j, 1)->text;
            const char *w = wider_type(cur, type);
            if (strcmp(cur, type) != 0 && strcmp(w, cur) != 0)
                sq_buf_printf(&sql, "ALTER TABLE %s ALTER COLUMN %s SET DATA TYPE %s;", qtable, q,
                              w);
        }
        if (!found)
            sq_buf_printf(&sql, "ALTER TABLE %s ADD COLUMN %s %s;", qtable, q, type);
        free(q);
    }
    if (!rc && sql.len)
        rc = store_exec(c, sql.data, err);
    sq_table_fini(&have);
    sq_table_fini(&incoming);
    sq_buf_fini(&sql);
    return rc;
}

/* Appends the SQL that (re)creates a source's mart view and its preliminary column rows
 * (names in the file and loader notes; profile.c adds the statistics). */
static int append_view_sql(struct store_conn *c, const char *source, const char *qtable,
                           const struct load_result *lr, struct sq_buf *sql, struct sq_error *err)
{
    struct sq_table cols;
    struct sq_buf q;
    sq_table_init(&cols);
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_printf(&q, "SELECT column_name, column_type FROM (DESCRIBE %s)", qtable);
    int rc = store_query(c, q.data, &cols, err);
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
        for (size_t j = 0; j < lr->ncols; j++) {
            if (strcmp(lr->cols[j].name, name) == 0) {
                original = lr->cols[j].original;
                note = lr->cols[j].note;
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
    sq_buf_fini(&q);
    return rc;
}

static void append_file_row(struct sq_buf *sql, const struct scan_file *f, const char *source,
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

static void append_source_row(struct sq_buf *sql, const char *source, const char *qtable, int multi)
{
    char *table = xasprintf("raw_%s", source);
    char *mart = xasprintf("mart_dyn_%s", source);
    sq_buf_puts(sql, "CREATE TEMP TABLE IF NOT EXISTS salesql_prev AS SELECT 0 AS v LIMIT 0;"
                     "DELETE FROM salesql_prev; INSERT INTO salesql_prev SELECT coalesce(max("
                     "version), 0) FROM salesql_sources WHERE name = ");
    sq_buf_put_literal(sql, source);
    sq_buf_puts(sql, "; DELETE FROM salesql_sources WHERE name = ");
    sq_buf_put_literal(sql, source);
    sq_buf_puts(sql, "; INSERT INTO salesql_sources SELECT ");
    sq_buf_put_literal(sql, source);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, table);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, mart);
    sq_buf_printf(sql,
                  ", %s, (SELECT count(*) FROM %s), (SELECT v + 1 FROM salesql_prev), "
                  "now()::TIMESTAMP, NULL;",
                  multi ? "true" : "false", qtable);
    free(table);
    free(mart);
}

static int table_exists(struct store_conn *c, const char *name, int *exists, struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND "
                      "table_name = ");
    sq_buf_put_literal(&sql, name);
    long long n = 0;
    int rc = store_query_int(c, sql.data, &n, err);
    sq_buf_fini(&sql);
    *exists = n > 0;
    return rc;
}

struct run {
    struct store_conn *c;
    const struct ingest_options *o;
    struct ingest_report *rep;
    const struct scan_list *files;
    char **headers;
    size_t to_load; /* files to load in this run, for progress */
    size_t loaded_so_far;
};

/* Loads one file of a source and swaps it in. rebuild: the first file of a source being
 * built from scratch (drops the old table and forgets its files). Failures are recorded
 * in the catalog and the report; the return value is for errors that stop the run. */
static int load_one(struct run *r, const struct scan_source *src, size_t fi, int rebuild)
{
    const struct scan_file *f = &r->files->files[fi];
    struct load_result lr = {0};
    struct sq_error e;
    sq_error_clear(&e);
    char *table = xasprintf("raw_%s", src->name);
    char *qtable = sq_quote_ident(table);
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    int rc = 0;
    double t0 = sq_now_ms();
    r->loaded_so_far++;
    emit(r->o, (struct ingest_event){.kind = INGEST_FILE_START,
                                     .path = f->rel,
                                     .source = src->name,
                                     .bytes = f->size,
                                     .index = r->loaded_so_far,
                                     .total = r->to_load});
    store_exec(r->c, "DROP TABLE IF EXISTS " STAGE_TABLE, NULL);
    int failed = ingest__load_stage(r->c, f, r->o, STAGE_TABLE, &lr, &e);
    sq_log_debug("%s: staged in %.0f ms", f->rel, sq_now_ms() - t0);
    int exists = 0;
    if (!failed)
        failed = table_exists(r->c, table, &exists, &e);
    if (!failed && src->multi && exists && !rebuild)
        failed = reconcile(r->c, qtable, &e);
    if (!failed) {
        sq_buf_puts(&sql, "BEGIN TRANSACTION;");
        if (rebuild) {
            sq_buf_printf(
                &sql, "DROP TABLE IF EXISTS %s; DELETE FROM salesql_files WHERE source = ", qtable);
            sq_buf_put_literal(&sql, src->name);
            sq_buf_puts(&sql, ";");
        }
        if (!src->multi) {
            sq_buf_printf(&sql,
                          "DROP TABLE IF EXISTS %s; ALTER TABLE " STAGE_TABLE " RENAME TO %s;",
                          qtable, qtable);
        } else if (rebuild || !exists) {
            sq_buf_puts(&sql, "ALTER TABLE " STAGE_TABLE " ADD COLUMN " INGEST_FILE_COLUMN
                              " VARCHAR DEFAULT ");
            sq_buf_put_literal(&sql, f->rel);
            sq_buf_printf(&sql, "; ALTER TABLE " STAGE_TABLE " RENAME TO %s;", qtable);
        } else {
            sq_buf_printf(&sql, "DELETE FROM %s WHERE " INGEST_FILE_COLUMN " = ", qtable);
            sq_buf_put_literal(&sql, f->rel);
            sq_buf_printf(&sql, "; INSERT INTO %s BY NAME SELECT *, ", qtable);
            sq_buf_put_literal(&sql, f->rel);
            sq_buf_puts(&sql, " AS " INGEST_FILE_COLUMN " FROM " STAGE_TABLE
                              "; DROP TABLE " STAGE_TABLE ";");
        }
        /* The view SQL reads the table's columns, which the statements above change:
         * run them first, inside the transaction. */
        failed = store_exec(r->c, sql.data, &e);
        sq_buf_reset(&sql);
        if (!failed)
            failed = append_view_sql(r->c, src->name, qtable, &lr, &sql, &e);
        if (!failed) {
            append_file_row(&sql, f, src->name, r->headers[fi], lr.encoding, lr.rows,
                            sq_now_ms() - t0, NULL);
            append_source_row(&sql, src->name, qtable, src->multi);
            sq_buf_puts(&sql, "COMMIT;");
            failed = store_exec(r->c, sql.data, &e);
        }
        if (failed)
            store_exec(r->c, "ROLLBACK", NULL);
    }
    double ms = sq_now_ms() - t0;
    if (failed) {
        store_exec(r->c, "DROP TABLE IF EXISTS " STAGE_TABLE, NULL);
        /* Keep the last good data; remember the failing version so an unchanged broken
         * file is not retried on every refresh. */
        sq_buf_reset(&sql);
        struct sq_error e3;
        long long keep_rows = 0;
        {
            struct sq_buf q;
            sq_buf_init(&q, SQ_BUF_UNLIMITED);
            sq_buf_puts(
                &q,
                "SELECT coalesce(max(rows), 0) FROM salesql_files WHERE status = 'ok' AND path = ");
            sq_buf_put_literal(&q, f->rel);
            store_query_int(r->c, q.data, &keep_rows, &e3);
            sq_buf_fini(&q);
        }
        append_file_row(&sql, f, src->name, r->headers[fi], lr.encoding[0] ? lr.encoding : "",
                        keep_rows, ms, e.msg);
        sq_error_clear(&e3);
        if (store_exec(r->c, sql.data, &e3) != 0)
            sq_log_warn("cannot record the failure of %s: %s", f->rel, e3.msg);
        add_failure(r->rep, f->rel, e.msg);
        emit(r->o, (struct ingest_event){.kind = INGEST_FILE_FAILED,
                                         .path = f->rel,
                                         .source = src->name,
                                         .error = e.msg,
                                         .ms = ms,
                                         .index = r->loaded_so_far,
                                         .total = r->to_load});
    } else {
        r->rep->loaded++;
        r->rep->rows += lr.rows;
        emit(r->o, (struct ingest_event){.kind = INGEST_FILE_DONE,
                                         .path = f->rel,
                                         .source = src->name,
                                         .rows = lr.rows,
                                         .ms = ms,
                                         .bytes = f->size,
                                         .index = r->loaded_so_far,
                                         .total = r->to_load});
    }
    ingest__load_result_fini(&lr);
    sq_buf_fini(&sql);
    free(qtable);
    free(table);
    return rc;
}

static int drop_source(struct store_conn *c, const char *name, struct sq_error *err)
{
    char *table = xasprintf("raw_%s", name);
    char *mart = xasprintf("mart_dyn_%s", name);
    char *qt = sq_quote_ident(table), *qm = sq_quote_ident(mart);
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_printf(&sql, "BEGIN TRANSACTION; DROP VIEW IF EXISTS %s; DROP TABLE IF EXISTS %s;", qm,
                  qt);
    static const char *const tables[] = {"salesql_files", "salesql_sources", "salesql_columns",
                                         "salesql_values"};
    static const char *const keys[] = {"source", "name", "source", "source"};
    for (int i = 0; i < 4; i++) {
        sq_buf_printf(&sql, "DELETE FROM %s WHERE %s = ", tables[i], keys[i]);
        sq_buf_put_literal(&sql, name);
        sq_buf_puts(&sql, ";");
    }
    sq_buf_puts(&sql, "COMMIT;");
    int rc = store_exec(c, sql.data, err);
    if (rc)
        store_exec(c, "ROLLBACK", NULL);
    sq_buf_fini(&sql);
    free(qt);
    free(qm);
    free(table);
    free(mart);
    return rc;
}

/* Removes the rows of files that left a multi-file source. */
static int remove_gone_files(struct store_conn *c, const char *source, const struct known *k,
                             const struct scan_list *l, const struct scan_source *src, int *changed,
                             struct sq_error *err)
{
    char *qt;
    {
        char *table = xasprintf("raw_%s", source);
        qt = sq_quote_ident(table);
        free(table);
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < k->n; i++) {
        if (strcmp(k->files[i].source, source) != 0)
            continue;
        int still = 0;
        for (size_t j = 0; j < src->nfiles && !still; j++)
            still = strcmp(l->files[src->files[j]].rel, k->files[i].path) == 0;
        if (still)
            continue;
        struct sq_buf sql;
        sq_buf_init(&sql, SQ_BUF_UNLIMITED);
        sq_buf_printf(&sql, "BEGIN TRANSACTION; DELETE FROM %s WHERE " INGEST_FILE_COLUMN " = ",
                      qt);
        sq_buf_put_literal(&sql, k->files[i].path);
        sq_buf_puts(&sql, "; DELETE FROM salesql_files WHERE path = ");
        sq_buf_put_literal(&sql, k->files[i].path);
        sq_buf_puts(&sql, "; UPDATE salesql_sources SET version = version + 1, rows = (SELECT "
                          "count(*) FROM ");
        sq_buf_puts(&sql, qt);
        sq_buf_puts(&sql, ") WHERE name = ");
        sq_buf_put_literal(&sql, source);
        sq_buf_puts(&sql, "; COMMIT;");
        rc = store_exec(c, sql.data, err);
        if (rc)
            store_exec(c, "ROLLBACK", NULL);
        sq_buf_fini(&sql);
        *changed = 1;
    }
    free(qt);
    return rc;
}

static int profile_changed(struct run *r, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    int rc = store_query(r->c,
                         "SELECT name FROM salesql_sources WHERE profiled_version IS DISTINCT "
                         "FROM version ORDER BY name",
                         &t, err);
    for (size_t i = 0; !rc && i < t.nrows; i++) {
        const char *name = sq_table_cell(&t, i, 0)->text;
        emit(r->o, (struct ingest_event){.kind = INGEST_PROFILING, .source = name});
        double t0 = sq_now_ms();
        rc = store_exec(r->c, "BEGIN TRANSACTION", err);
        if (!rc)
            rc = ingest__profile_source(r->c, name, err);
        sq_log_debug("profiled mart_dyn_%s in %.0f ms", name, sq_now_ms() - t0);
        if (!rc) {
            struct sq_buf sql;
            sq_buf_init(&sql, SQ_BUF_UNLIMITED);
            sq_buf_puts(&sql,
                        "UPDATE salesql_sources SET profiled_version = version WHERE name = ");
            sq_buf_put_literal(&sql, name);
            sq_buf_puts(&sql, "; COMMIT;");
            rc = store_exec(r->c, sql.data, err);
            sq_buf_fini(&sql);
        }
        if (rc)
            store_exec(r->c, "ROLLBACK", NULL);
    }
    sq_table_fini(&t);
    return rc;
}

int ingest_refresh(struct store *s, const struct ingest_options *o, struct ingest_report *rep,
                   struct sq_error *err)
{
    struct store_conn *c = store_main(s);
    struct scan_list l = {0};
    struct known k = {0};
    struct scan_source *sources = NULL;
    size_t nsources = 0;
    char **headers = NULL;
    char *abs = NULL;
    double t0 = sq_now_ms();
    int rc;
    memset(rep, 0, sizeof *rep);

    if (store_read_only(s))
        return sq_error_set(err, SQ_E_LOCKED, -1,
                            "the database %s is open read-only, so it cannot be refreshed",
                            store_path(s));
    if ((rc = store_exec(c, INGEST_CATALOG_DDL, err)))
        return rc;
    if ((rc = scan_folder(o->data_dir, &l, err)))
        return rc;
    abs = sq_abspath(o->data_dir);
    int same_dir;
    if ((rc = data_dir_matches(c, abs, &same_dir, err)) || (rc = known_load(c, &k, err)))
        goto out;
    int full = o->full || !same_dir;

    /* What changed: new or modified files, and catalog entries whose file is gone. */
    unsigned char *dirty = xcalloc(l.n + 1, 1);
    size_t present = 0;
    for (size_t i = 0; i < l.n; i++) {
        struct known_file *kf = known_find(&k, l.files[i].rel);
        present += kf != NULL;
        dirty[i] = full || !same_version(kf, &l.files[i]);
        rep->changed += dirty[i];
    }
    rep->files = l.n;
    if (!full)
        rep->changed += k.n - present;
    emit(o, (struct ingest_event){.kind = INGEST_SCANNED, .total = l.n, .index = rep->changed});

    long long nsrc = 0;
    if (rep->changed == 0) {
        free(dirty);
        rc = profile_changed(&(struct run){.c = c, .o = o, .rep = rep}, err);
        goto count;
    }
    sq_rm_rf(o->staging_dir);

    /* Group files into sources; headers of unchanged files come from the catalog. */
    headers = xcalloc(l.n + 1, sizeof *headers);
    for (size_t i = 0; i < l.n; i++) {
        struct known_file *kf = known_find(&k, l.files[i].rel);
        if (kf && !dirty[i] && kf->header[0]) {
            headers[i] = xstrdup(kf->header);
            continue;
        }
        struct sq_error e;
        sq_error_clear(&e);
        if (ingest__read_header(c, &l.files[i], &headers[i], &e) != 0) {
            headers[i] = xstrdup("");
            sq_log_debug("cannot read the header of %s: %s", l.files[i].rel, e.msg);
        }
    }
    scan_group(&l, headers, &sources, &nsources);

    struct run r = {.c = c, .o = o, .rep = rep, .files = &l, .headers = headers};
    /* Plan: which files of which sources load, and whether a source starts over. */
    unsigned char *rebuild = xcalloc(nsources + 1, 1);
    unsigned char *need = xcalloc(l.n + 1, 1);
    for (size_t si = 0; si < nsources; si++) {
        const struct scan_source *src = &sources[si];
        int exists = 0, was_multi = -1;
        char *table = xasprintf("raw_%s", src->name);
        table_exists(c, table, &exists, NULL);
        free(table);
        {
            struct sq_buf q;
            sq_buf_init(&q, SQ_BUF_UNLIMITED);
            sq_buf_puts(&q, "SELECT CAST(multi AS INTEGER) FROM salesql_sources WHERE name = ");
            sq_buf_put_literal(&q, src->name);
            long long m = -1;
            char *v = NULL;
            store_query_string(c, q.data, &v, NULL);
            if (v)
                m = strtoll(v, NULL, 10);
            free(v);
            was_multi = (int)m;
            sq_buf_fini(&q);
        }
        rebuild[si] = full || !exists || was_multi != src->multi;
        for (size_t j = 0; j < src->nfiles; j++) {
            size_t fi = src->files[j];
            struct known_file *kf = known_find(&k, l.files[fi].rel);
            int moved = !kf || strcmp(kf->source, src->name) != 0;
            need[fi] = rebuild[si] || dirty[fi] || moved;
            r.to_load += need[fi];
        }
    }
    /* Sources that are no longer planned are dropped first, so names can be reused. */
    {
        struct sq_table t;
        sq_table_init(&t);
        rc = store_query(c, "SELECT name FROM salesql_sources", &t, err);
        for (size_t i = 0; !rc && i < t.nrows; i++) {
            const char *name = sq_table_cell(&t, i, 0)->text;
            int planned = 0;
            for (size_t si = 0; si < nsources && !planned; si++)
                planned = strcmp(sources[si].name, name) == 0;
            if (!planned) {
                rc = drop_source(c, name, err);
                rep->dropped++;
                emit(o, (struct ingest_event){.kind = INGEST_SOURCE_DROPPED, .source = name});
            }
        }
        /* Catalog rows of files that belong to no source any more (failed, never loaded). */
        if (!rc)
            for (size_t i = 0; i < k.n; i++) {
                int present_now = 0;
                for (size_t j = 0; j < l.n && !present_now; j++)
                    present_now = strcmp(l.files[j].rel, k.files[i].path) == 0;
                if (!present_now) {
                    struct sq_buf q;
                    sq_buf_init(&q, SQ_BUF_UNLIMITED);
                    sq_buf_puts(&q, "DELETE FROM salesql_files WHERE path = ");
                    sq_buf_put_literal(&q, k.files[i].path);
                    store_exec(c, q.data, NULL);
                    sq_buf_fini(&q);
                }
            }
        sq_table_fini(&t);
    }
    for (size_t si = 0; !rc && si < nsources; si++) {
        const struct scan_source *src = &sources[si];
        int first = 1;
        int changed = 0;
        if (src->multi && !rebuild[si])
            rc = remove_gone_files(c, src->name, &k, &l, src, &changed, err);
        for (size_t j = 0; !rc && j < src->nfiles; j++) {
            size_t fi = src->files[j];
            if (!need[fi])
                continue;
            size_t failed_before = rep->failed;
            rc = load_one(&r, src, fi, rebuild[si] && first);
            /* A rebuild starts with the first file that loads. */
            if (rep->failed == failed_before)
                first = 0;
        }
    }
    free(rebuild);
    free(need);
    free(dirty);
    if (!rc) {
        struct sq_buf q;
        sq_buf_init(&q, SQ_BUF_UNLIMITED);
        sq_buf_puts(&q, "DELETE FROM salesql_meta WHERE key = 'data_dir'; INSERT INTO "
                        "salesql_meta VALUES ('data_dir', ");
        sq_buf_put_literal(&q, abs);
        sq_buf_puts(&q, ");");
        rc = store_exec(c, q.data, err);
        sq_buf_fini(&q);
    }
    if (!rc)
        rc = profile_changed(&r, err);
    sq_rm_rf(o->staging_dir);
count:
    if (!rc) {
        /* Joins are derived data: a failure leaves the last edges and is retried. */
        struct sq_error je;
        sq_error_clear(&je);
        if (ingest__discover_joins(c, &je) != 0)
            sq_log_warn("cannot discover the joins between marts: %s", je.msg);
    }
    if (!rc)
        rc = store_query_int(c, "SELECT count(*) FROM salesql_sources", &nsrc, err);
    rep->sources = (size_t)nsrc;
out:
    rep->ms = sq_now_ms() - t0;
    if (headers)
        for (size_t i = 0; i < l.n; i++)
            free(headers[i]);
    free(headers);
    scan_sources_free(sources, nsources);
    known_fini(&k);
    scan_list_fini(&l);
    free(abs);
    return rc;
}
