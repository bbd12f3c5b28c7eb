/*
 * The refresh (see ingest/ingest.h): compares the data folder with the catalog, decides
 * how each source is stored (a table, Parquet read in place, compacted Parquet parts),
 * loads new and changed files through load.c into staging tables, swaps them into the
 * source's table in one transaction per file (views.c does the same for sources stored
 * as views), rebuilds the mart_dyn_* view, drops sources whose files are gone, and
 * profiles what changed through profile.c.
 *
 * Crash safety: a staging table is built outside any transaction and is not part of the
 * data until the swap transaction commits; a kill -9 leaves at most a stray staging
 * table (dropped by the next run) and the catalog still describes exactly the data that
 * is in the tables, so the next run loads what is missing. A cancel (Ctrl-C) stops the
 * same way, between two files: the file in flight is rolled back.
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

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGE_TABLE "salesql_stage"
#define TEMP_STAGE_TABLE "salesql_stage_temp"

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
                         "FROM salesql_files WHERE status IS DISTINCT FROM 'skipped'",
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

/* The number of links skipped now (l) that the catalog does not list with the same
 * reason, plus those it lists that are no longer skipped: 0 when its rows are current. */
static int skipped_changes(struct store_conn *c, const struct scan_list *l, size_t *changes,
                           struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    *changes = 0;
    int rc = store_query(c,
                         "SELECT path, error FROM salesql_files WHERE status = 'skipped' ORDER "
                         "BY path",
                         &t, err);
    if (!rc) {
        size_t same = 0;
        for (size_t i = 0; i < l->nskipped; i++) {
            int found = 0;
            for (size_t r = 0; r < t.nrows && !found; r++) {
                const char *reason = sq_table_cell(&t, r, 1)->text;
                found = strcmp(sq_table_cell(&t, r, 0)->text, l->skipped[i].rel) == 0 && reason &&
                        strcmp(reason, l->skipped[i].reason) == 0;
            }
            same += found;
        }
        *changes = (l->nskipped - same) + (t.nrows - same);
    }
    sq_table_fini(&t);
    return rc;
}

/* Makes the catalog's rows of skipped links those of this scan, when they differ. */
static int record_skipped(struct store_conn *c, const struct scan_list *l,
                          struct ingest_report *rep, struct sq_error *err)
{
    for (size_t i = 0; i < l->nskipped; i++) {
        rep->skipped = xrealloc(rep->skipped, (rep->nskipped + 1) * sizeof *rep->skipped);
        rep->skipped[rep->nskipped].path = xstrdup(l->skipped[i].rel);
        rep->skipped[rep->nskipped].reason = xstrdup(l->skipped[i].reason);
        rep->nskipped++;
    }
    size_t changes = 0;
    int rc = skipped_changes(c, l, &changes, err);
    if (rc || changes == 0)
        return rc;
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "BEGIN TRANSACTION; DELETE FROM salesql_files WHERE status = 'skipped';");
    for (size_t i = 0; i < l->nskipped; i++) {
        sq_buf_puts(&sql, i ? ", (" : "INSERT INTO salesql_files (path, status, error) VALUES (");
        sq_buf_put_literal(&sql, l->skipped[i].rel);
        sq_buf_puts(&sql, ", 'skipped', ");
        sq_buf_put_literal(&sql, l->skipped[i].reason);
        sq_buf_puts(&sql, ")");
    }
    sq_buf_puts(&sql, l->nskipped ? "; COMMIT;" : "COMMIT;");
    rc = store_exec(c, sql.data, err);
    if (rc)
        store_exec(c, "ROLLBACK", NULL);
    sq_buf_fini(&sql);
    return rc;
}

/* Whether this refresh follows links out of the data folder (enum ingest_symlinks):
 * asked, or else as remembered. remember: store what was asked for the DEFAULT of later
 * refreshes. */
static int follow_links(struct store_conn *c, enum ingest_symlinks asked, int remember, int *follow,
                        struct sq_error *err)
{
    if (asked != INGEST_SYMLINKS_DEFAULT) {
        *follow = asked == INGEST_SYMLINKS_FOLLOW;
        if (!remember)
            return 0;
        return store_exec(c,
                          *follow ? "DELETE FROM salesql_meta WHERE key = 'follow_symlinks'; "
                                    "INSERT INTO salesql_meta VALUES ('follow_symlinks', '1')"
                                  : "DELETE FROM salesql_meta WHERE key = 'follow_symlinks'; "
                                    "INSERT INTO salesql_meta VALUES ('follow_symlinks', '0')",
                          err);
    }
    char *v = NULL;
    int rc = store_query_string(c, "SELECT value FROM salesql_meta WHERE key = 'follow_symlinks'",
                                &v, err);
    *follow = !rc && v && strcmp(v, "1") == 0;
    free(v);
    return rc;
}

int ingest_count_files(const char *data_dir, enum ingest_symlinks symlinks, size_t *n,
                       struct sq_error *err)
{
    struct scan_list l = {0};
    *n = 0;
    int rc = scan_folder(data_dir, symlinks == INGEST_SYMLINKS_FOLLOW ? SCAN_FOLLOW_SYMLINKS : 0,
                         &l, err);
    if (rc == 0)
        *n = l.n;
    scan_list_fini(&l);
    return rc;
}

int ingest_pending(struct store *s, const char *data_dir, enum ingest_symlinks symlinks,
                   size_t *changed, struct sq_error *err)
{
    struct store_conn *c = store_main(s);
    struct scan_list l = {0};
    struct known k = {0};
    *changed = 0;
    long long have_catalog = 0;
    int follow = symlinks == INGEST_SYMLINKS_FOLLOW;
    int rc = store_query_int(c,
                             "SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                             "'salesql_files' AND schema_name = 'main'",
                             &have_catalog, err);
    if (!rc && have_catalog)
        rc = follow_links(c, symlinks, 0, &follow, err);
    if (!rc)
        rc = scan_folder(data_dir, follow ? SCAN_FOLLOW_SYMLINKS : 0, &l, err);
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
    size_t skips = 0;
    rc = skipped_changes(c, &l, &skips, err);
    *changed += skips;
out:
    known_fini(&k);
    scan_list_fini(&l);
    return rc;
}

void ingest__emit(const struct ingest_options *o, struct ingest_event ev)
{
    if (o->progress)
        o->progress(o->ud, &ev);
}

void ingest__emit_start(const struct ingest__run *r, const char *source, const char *path,
                        long long bytes, size_t index)
{
    ingest__emit(r->o, (struct ingest_event){.kind = INGEST_FILE_START,
                                             .path = path,
                                             .source = source,
                                             .bytes = bytes,
                                             .index = index,
                                             .total = r->to_load});
}

int ingest__cancelled(const struct ingest__run *r)
{
    return r->o->cancel && atomic_load(r->o->cancel);
}

int ingest_parse_parquet_mode(const char *s, enum ingest_parquet_mode *out)
{
    static const char *const names[] = {"auto", "load", "view"};
    static const enum ingest_parquet_mode modes[] = {INGEST_PARQUET_AUTO, INGEST_PARQUET_LOAD,
                                                     INGEST_PARQUET_VIEW};
    for (int i = 0; i < 3; i++) {
        if (s && strcmp(s, names[i]) == 0) {
            *out = modes[i];
            return 0;
        }
    }
    return -1;
}

char *ingest_compact_dir(const char *db_path)
{
    const char *slash = strrchr(db_path, '/');
    char *dir = slash ? xstrndup(db_path, (size_t)(slash - db_path)) : xstrdup(".");
    char *out = sq_path_join(*dir ? dir : "/", "compact");
    free(dir);
    return out;
}

void ingest__add_failure(struct ingest_report *rep, const char *path, const char *msg)
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
    for (size_t i = 0; i < rep->nskipped; i++) {
        free(rep->skipped[i].path);
        free(rep->skipped[i].reason);
    }
    free(rep->skipped);
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
static int reconcile(struct store_conn *c, const char *qtable, const char *qstage,
                     struct sq_error *err)
{
    struct sq_table have, incoming;
    struct sq_buf sql;
    sq_table_init(&have);
    sq_table_init(&incoming);
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_printf(&sql, "SELECT column_name, column_type FROM (DESCRIBE %s)", qtable);
    int rc = store_query(c, sql.data, &have, err);
    sq_buf_reset(&sql);
    sq_buf_printf(&sql, "SELECT column_name, column_type FROM (DESCRIBE %s)", qstage);
    if (!rc)
        rc = store_query(c, sql.data, &incoming, err);
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

void ingest__record_failure(struct ingest__run *r, const struct scan_source *src, size_t fi,
                            const char *encoding, double ms, const char *msg)
{
    const struct scan_file *f = &r->files->files[fi];
    /* Keep the last good data; remember the failing version so an unchanged broken file
     * is not retried on every refresh. */
    struct sq_buf sql, q;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    struct sq_error e3;
    sq_error_clear(&e3);
    long long keep_rows = 0;
    sq_buf_puts(&q, "SELECT coalesce(max(rows), 0) FROM salesql_files WHERE status = 'ok' AND "
                    "path = ");
    sq_buf_put_literal(&q, f->rel);
    store_query_int(r->c, q.data, &keep_rows, &e3);
    ingest__append_file_row(&sql, f, src->name, r->headers[fi], encoding ? encoding : "", keep_rows,
                            ms, msg);
    sq_error_clear(&e3);
    if (store_exec(r->c, sql.data, &e3) != 0)
        sq_log_warn("cannot record the failure of %s: %s", f->rel, e3.msg);
    ingest__add_failure(r->rep, f->rel, msg);
    ingest__emit(r->o, (struct ingest_event){.kind = INGEST_FILE_FAILED,
                                             .path = f->rel,
                                             .source = src->name,
                                             .error = msg,
                                             .ms = ms,
                                             .index = r->loaded_so_far,
                                             .total = r->to_load});
    sq_buf_fini(&sql);
    sq_buf_fini(&q);
}

int ingest__finish_file(struct ingest__run *r, const struct scan_source *src, size_t fi,
                        const struct load_result *lr, double ms, const char *error)
{
    const struct scan_file *f = &r->files->files[fi];
    if (error) {
        if (ingest__cancelled(r))
            return SQ_E_INTERRUPTED; /* not the file's fault: retried next run */
        ingest__record_failure(r, src, fi, lr->encoding, ms, error);
        return 0;
    }
    r->rep->loaded++;
    r->rep->rows += lr->rows;
    ingest__emit(r->o, (struct ingest_event){.kind = INGEST_FILE_DONE,
                                             .path = f->rel,
                                             .source = src->name,
                                             .rows = lr->rows,
                                             .ms = ms,
                                             .bytes = f->size,
                                             .index = r->loaded_so_far,
                                             .total = r->to_load});
    return 0;
}

/* Files loaded in one statement: at most this many (and ingest_options.batch_bytes of
 * them). A batch is also one transaction, which a Ctrl-C or a kill loses whole; the next
 * run loads it again. */
enum { INGEST_BATCH_FILES = 1000 };

/* A staged file or batch of files of one source, to be swapped into its table. */
struct staged {
    const struct scan_source *src;
    const size_t *fis; /* indexes into r->files */
    size_t n;
    long long *rows; /* rows of each file; a batch's are counted with its statistics */
    const struct load_result *lr;
    const char *qtable, *qstage;
    int rebuild;         /* the source starts over with these files */
    int append;          /* the table exists and takes the stage's rows */
    int had_rows;        /* the table may hold rows of these files, which go */
    int has_file_column; /* the stage names each row's file (a batch) */
    /* The rows are in the table already, inserted in the open transaction: qstage names
     * them (a SELECT over the table) for the statistics, and nothing moves. */
    int inserted;
    double t0;
};

/* The rows of each file of a batch, when its statistics (which count them) failed. */
static int count_rows(struct ingest__run *r, const struct staged *st, struct sq_error *e)
{
    const struct scan_file **files = xcalloc(st->n + 1, sizeof *files);
    for (size_t i = 0; i < st->n; i++)
        files[i] = &r->files->files[st->fis[i]];
    int rc = ingest__rows_per_file(r->c, st->qstage, files, st->n, st->rows, e);
    free(files);
    return rc;
}

/* Swaps staged rows in, in one transaction: a single-file source's table is replaced; a
 * folder source's table takes them (or is made of them), minus the rows of earlier
 * versions of the same files; the view, the catalog rows and the files' statistics follow. */
static int swap_in(struct ingest__run *r, const struct staged *st, struct sq_error *e)
{
    const struct scan_source *src = st->src;
    const char *rel0 = r->files->files[st->fis[0]].rel;
    struct sq_buf sql, stats;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_init(&stats, SQ_BUF_UNLIMITED);
    int failed = st->append && !st->inserted ? reconcile(r->c, st->qtable, st->qstage, e) : 0;
    const char **rels = xcalloc(st->n + 1, sizeof *rels);
    for (size_t i = 0; i < st->n; i++)
        rels[i] = r->files->files[st->fis[i]].rel;
    if (!failed) {
        /* Per-file statistics for the profile of big sources; they read the staging table,
         * so they run first in the transaction. A file without them only makes the
         * profile read the whole source. */
        struct sq_error se;
        sq_error_clear(&se);
        int stats_rc = st->has_file_column
                           ? ingest__batch_stats_sql(r->c, src->name, rels, st->n, st->qstage,
                                                     &stats, st->rows, &se)
                           : ingest__file_stats_sql(r->c, src->name, rel0, st->qstage, &stats, &se);
        if (stats_rc != 0) {
            sq_log_warn("no statistics for %s: %s", rel0, se.msg);
            sq_buf_reset(&stats);
            if (st->has_file_column)
                failed = count_rows(r, st, e);
        }
    }
    if (!failed) {
        if (!st->inserted)
            sq_buf_puts(&sql, "BEGIN TRANSACTION;");
        if (st->rebuild) {
            sq_buf_printf(
                &sql,
                "DROP TABLE IF EXISTS %s; DELETE FROM salesql_files WHERE source = ", st->qtable);
            sq_buf_put_literal(&sql, src->name);
            sq_buf_puts(&sql, ";");
            static const char *const tables[] = {"salesql_parts", "salesql_file_stats",
                                                 "salesql_file_values"};
            for (int i = 0; i < 3; i++) {
                sq_buf_printf(&sql, "DELETE FROM %s WHERE source = ", tables[i]);
                sq_buf_put_literal(&sql, src->name);
                sq_buf_puts(&sql, ";");
            }
        } else {
            for (size_t i = 0; i < st->n; i++)
                ingest__append_forget_file(&sql, src->name, rels[i]);
        }
        sq_buf_puts(&sql, stats.data ? stats.data : "");
        if (st->inserted) {
            /* moved already */
        } else if (!src->multi) {
            sq_buf_printf(&sql, "DROP TABLE IF EXISTS %s; ALTER TABLE %s RENAME TO %s;", st->qtable,
                          st->qstage, st->qtable);
        } else if (!st->append) {
            if (!st->has_file_column) {
                sq_buf_printf(&sql,
                              "ALTER TABLE %s ADD COLUMN " INGEST_FILE_COLUMN " VARCHAR DEFAULT ",
                              st->qstage);
                sq_buf_put_literal(&sql, rel0);
                sq_buf_puts(&sql, ";");
            }
            sq_buf_printf(&sql, "DROP TABLE IF EXISTS %s; ALTER TABLE %s RENAME TO %s;", st->qtable,
                          st->qstage, st->qtable);
        } else {
            /* Only files the table may hold rows of cost a scan of the file column. */
            if (st->had_rows) {
                sq_buf_printf(&sql, "DELETE FROM %s WHERE " INGEST_FILE_COLUMN " IN (", st->qtable);
                for (size_t i = 0; i < st->n; i++) {
                    sq_buf_puts(&sql, i ? ", " : "");
                    sq_buf_put_literal(&sql, rels[i]);
                }
                sq_buf_puts(&sql, ");");
            }
            sq_buf_printf(&sql, "INSERT INTO %s BY NAME SELECT *", st->qtable);
            if (!st->has_file_column) {
                sq_buf_puts(&sql, ", ");
                sq_buf_put_literal(&sql, rel0);
                sq_buf_puts(&sql, " AS " INGEST_FILE_COLUMN);
            }
            sq_buf_printf(&sql, " FROM %s; DROP TABLE %s;", st->qstage, st->qstage);
        }
        /* The view SQL reads the table's columns, which the statements above change:
         * run them first, inside the transaction. */
        failed = store_exec(r->c, sql.data, e);
        sq_buf_reset(&sql);
        if (!failed)
            failed = ingest__append_view_sql(r->c, src->name, st->qtable, st->lr, &sql, e);
        if (!failed) {
            /* A batch's time is shared among its files by size. */
            double ms = sq_now_ms() - st->t0;
            long long bytes = 0;
            for (size_t i = 0; i < st->n; i++)
                bytes += r->files->files[st->fis[i]].size;
            for (size_t i = 0; i < st->n; i++) {
                size_t fi = st->fis[i];
                const struct scan_file *f = &r->files->files[fi];
                double share = st->n == 1 || bytes == 0 ? ms : ms * (double)f->size / (double)bytes;
                ingest__append_file_row(&sql, f, src->name, r->headers[fi], st->lr->encoding,
                                        st->rows[i], share, NULL);
            }
            ingest__append_source_row(&sql, src->name, st->qtable, src->multi,
                                      INGEST_STORAGE_TABLE);
            sq_buf_puts(&sql, "COMMIT;");
            failed = store_exec(r->c, sql.data, e);
        }
        if (failed)
            store_exec(r->c, "ROLLBACK", NULL);
    }
    if (failed && st->inserted)
        store_exec(r->c, "ROLLBACK", NULL); /* the transaction insert_direct began */
    free(rels);
    sq_buf_fini(&stats);
    sq_buf_fini(&sql);
    return failed;
}

static void drop_stage(struct store_conn *c, const char *qstage)
{
    char *drop = xasprintf("DROP TABLE IF EXISTS %s", qstage);
    store_exec(c, drop, NULL);
    free(drop);
}

/* Loads one file of a source and swaps it in. rebuild: the first file of a source being
 * built from scratch (drops the old table and forgets its files). had_rows: the source's
 * table may hold rows of this file (an earlier version), which are replaced. hive: the
 * source's reader options. Failures are recorded in the catalog and the report; the
 * return value is for errors that stop the run. */
static int load_one(struct ingest__run *r, const struct scan_source *src, size_t fi, int rebuild,
                    int had_rows, const char *hive)
{
    const struct scan_file *f = &r->files->files[fi];
    struct load_result lr = {0};
    struct sq_error e;
    sq_error_clear(&e);
    char *table = xasprintf("raw_%s", src->name);
    char *qtable = sq_quote_ident(table);
    double t0 = sq_now_ms();
    r->loaded_so_far++;
    ingest__emit_start(r, src->name, f->rel, f->size, r->loaded_so_far);
    int exists = ingest__relation_exists(r->c, "table", table);
    /* A file appended to a multi-file source is copied from its staging table, which is
     * then best kept out of the database file; one that becomes the table is renamed. */
    int append = src->multi && exists && !rebuild;
    const char *stage = append ? TEMP_STAGE_TABLE : STAGE_TABLE;
    char *qstage = sq_quote_ident(stage);
    store_exec(r->c, "DROP TABLE IF EXISTS " STAGE_TABLE "; DROP TABLE IF EXISTS " TEMP_STAGE_TABLE,
               NULL);
    int failed = ingest__load_stage(r->c, f, r->o, hive, stage, append, &lr, &e);
    sq_log_debug("%s: staged in %.0f ms", f->rel, sq_now_ms() - t0);
    if (!failed) {
        struct staged st = {.src = src,
                            .fis = &fi,
                            .n = 1,
                            .rows = &lr.rows,
                            .lr = &lr,
                            .qtable = qtable,
                            .qstage = qstage,
                            .rebuild = rebuild,
                            .append = append,
                            .had_rows = had_rows,
                            .t0 = t0};
        failed = swap_in(r, &st, &e);
    }
    if (failed)
        drop_stage(r->c, qstage);
    int rc = ingest__finish_file(r, src, fi, &lr, sq_now_ms() - t0, failed ? e.msg : NULL);
    ingest__load_result_fini(&lr);
    free(qstage);
    free(qtable);
    free(table);
    return rc;
}

/* 1 if every column lr reads exists in qtable with the same type: the rows can go
 * straight into the table, with nothing to convert or widen. */
static int fits_table(struct store_conn *c, const char *qtable, const struct load_result *lr)
{
    struct sq_table have;
    sq_table_init(&have);
    char *sql = xasprintf("SELECT column_name, column_type FROM (DESCRIBE %s)", qtable);
    int fits = store_query(c, sql, &have, NULL) == 0;
    for (size_t i = 0; fits && i < lr->ncols; i++) {
        int same = 0;
        for (size_t j = 0; j < have.nrows && !same; j++)
            same = strcmp(sq_table_cell(&have, j, 0)->text, lr->cols[i].name) == 0 &&
                   strcmp(sq_table_cell(&have, j, 1)->text, lr->cols[i].type) == 0;
        fits = same;
    }
    free(sql);
    sq_table_fini(&have);
    return fits;
}

/* Reads a batch straight into its source's table, in a transaction left open for
 * swap_in; the rows of earlier versions of its files (rels: their quoted paths, or NULL
 * when there are none) go first. *first_rowid is set to where the new rows start: they
 * are appended, so `rowid >= first_rowid` finds them without reading the older rows. */
static int insert_direct(struct ingest__run *r, const char *select, const char *qtable,
                         const char *rels, const char *label, long long bytes,
                         long long *first_rowid, struct sq_error *e)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    int rc = store_exec(r->c, "BEGIN TRANSACTION", e);
    if (!rc && rels) {
        sq_buf_printf(&sql, "DELETE FROM %s WHERE " INGEST_FILE_COLUMN " IN (%s)", qtable, rels);
        rc = store_exec(r->c, sql.data, e);
    }
    if (!rc) {
        sq_buf_reset(&sql);
        sq_buf_printf(&sql, "SELECT coalesce(max(rowid), -1) + 1 FROM %s", qtable);
        rc = store_query_int(r->c, sql.data, first_rowid, e);
    }
    if (!rc) {
        sq_buf_reset(&sql);
        sq_buf_printf(&sql, "INSERT INTO %s BY NAME %s", qtable, select);
        rc = ingest__exec_load(r->c, sql.data, r->o, label, bytes, e);
    }
    if (rc)
        store_exec(r->c, "ROLLBACK", NULL);
    sq_buf_fini(&sql);
    return rc;
}

/* Loads files fis[0..n) of a folder source (n >= 2, CSV files sharing a header) in one
 * statement and one transaction: a new table made of them, or rows added to the table,
 * straight from the files when their columns fit it, else through a staging table.
 * *loaded is set when they did; otherwise nothing changed and the caller loads them one
 * by one (which finds the file at fault). */
static int load_batch(struct ingest__run *r, const struct scan_source *src, const size_t *fis,
                      size_t n, int rebuild, int had_rows, const char *hive, int *loaded)
{
    *loaded = 0;
    const struct scan_file **files = xcalloc(n + 1, sizeof *files);
    long long *rows = xcalloc(n + 1, sizeof *rows);
    long long bytes = 0;
    for (size_t i = 0; i < n; i++) {
        files[i] = &r->files->files[fis[i]];
        bytes += files[i]->size;
    }
    char *label = xasprintf("%s and %zu more", files[0]->rel, n - 1);
    char *table = xasprintf("raw_%s", src->name);
    char *qtable = sq_quote_ident(table);
    struct load_result lr = {0};
    struct sq_error e;
    sq_error_clear(&e);
    struct sq_buf select, in_table;
    sq_buf_init(&select, SQ_BUF_UNLIMITED);
    sq_buf_init(&in_table, SQ_BUF_UNLIMITED);
    double t0 = sq_now_ms();
    ingest__emit_start(r, src->name, label, bytes, r->loaded_so_far + 1);
    int append = ingest__relation_exists(r->c, "table", table) && !rebuild;
    const char *stage = append ? TEMP_STAGE_TABLE : STAGE_TABLE;
    char *qstage = sq_quote_ident(stage);
    store_exec(r->c, "DROP TABLE IF EXISTS " STAGE_TABLE "; DROP TABLE IF EXISTS " TEMP_STAGE_TABLE,
               NULL);
    int failed = ingest__batch_select(r->c, files, n, r->o, hive, &select, &lr, &e);
    struct staged st = {.src = src,
                        .fis = fis,
                        .n = n,
                        .rows = rows,
                        .lr = &lr,
                        .qtable = qtable,
                        .qstage = qstage,
                        .rebuild = rebuild,
                        .append = append,
                        .had_rows = had_rows,
                        .has_file_column = 1,
                        .t0 = t0};
    if (!failed && append && fits_table(r->c, qtable, &lr)) {
        struct sq_buf rels;
        sq_buf_init(&rels, SQ_BUF_UNLIMITED);
        for (size_t i = 0; i < n; i++) {
            sq_buf_puts(&rels, i ? ", " : "");
            sq_buf_put_literal(&rels, files[i]->rel);
        }
        long long first = 0;
        failed = insert_direct(r, select.data, qtable, had_rows ? rels.data : NULL, label, bytes,
                               &first, &e);
        sq_buf_printf(&in_table, "(SELECT * FROM %s WHERE rowid >= %lld)", qtable, first);
        sq_buf_fini(&rels);
        st.qstage = in_table.data;
        st.inserted = 1;
        sq_log_debug("%s: read into %s in %.0f ms", label, table, sq_now_ms() - t0);
    } else if (!failed) {
        failed =
            ingest__load_stage_batch(r->c, files, n, r->o, select.data, stage, append, &lr, &e);
    }
    if (!failed)
        failed = swap_in(r, &st, &e);
    int rc = 0;
    if (failed) {
        drop_stage(r->c, qstage);
        sq_log_debug("%s: not loaded in one statement (%s); one file at a time", label, e.msg);
        if (ingest__cancelled(r))
            rc = SQ_E_INTERRUPTED;
    } else {
        *loaded = 1;
        double ms = sq_now_ms() - t0;
        for (size_t i = 0; i < n && !rc; i++) {
            struct load_result one = lr;
            one.rows = rows[i];
            r->loaded_so_far++;
            rc =
                ingest__finish_file(r, src, fis[i], &one,
                                    bytes ? ms * (double)files[i]->size / (double)bytes : ms, NULL);
        }
    }
    ingest__load_result_fini(&lr);
    sq_buf_fini(&select);
    sq_buf_fini(&in_table);
    free(qstage);
    free(qtable);
    free(table);
    free(label);
    free(rows);
    free(files);
    return rc;
}

/* How many of the files src->files[j..] that need loading go in one batch with the first:
 * CSV files in a row sharing its header, up to the batch limits. */
static size_t batch_size(const struct ingest__run *r, const struct scan_source *src, size_t j,
                         const unsigned char *need)
{
    const struct scan_file *first = &r->files->files[src->files[j]];
    long long limit = r->o->batch_bytes ? r->o->batch_bytes : INGEST_DEFAULT_BATCH_BYTES;
    if (!src->multi || first->kind == SCAN_PARQUET || limit < 0)
        return 1;
    const char *header = r->headers[src->files[j]];
    long long bytes = 0;
    size_t n = 0;
    for (size_t k = j; k < src->nfiles && n < INGEST_BATCH_FILES; k++) {
        size_t fi = src->files[k];
        const struct scan_file *f = &r->files->files[fi];
        if (!need[fi] || f->kind != first->kind || strcmp(r->headers[fi], header) != 0 ||
            (n > 0 && bytes + f->size > limit))
            break;
        bytes += f->size;
        n++;
    }
    return n ? n : 1;
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
        long fi = scan_find(l, k->files[i].path);
        if (fi >= 0 && scan_source_has(src, (size_t)fi))
            continue;
        struct sq_buf sql;
        sq_buf_init(&sql, SQ_BUF_UNLIMITED);
        sq_buf_printf(&sql, "BEGIN TRANSACTION; DELETE FROM %s WHERE " INGEST_FILE_COLUMN " = ",
                      qt);
        sq_buf_put_literal(&sql, k->files[i].path);
        sq_buf_puts(&sql, "; DELETE FROM salesql_files WHERE path = ");
        sq_buf_put_literal(&sql, k->files[i].path);
        sq_buf_puts(&sql, ";");
        ingest__append_forget_file(&sql, source, k->files[i].path);
        sq_buf_puts(&sql, "UPDATE salesql_sources SET version = version + 1, rows = (SELECT "
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

/* Deletes the catalog rows of the files that are no longer in the data folder, in one
 * statement. */
static int forget_gone_files(struct store_conn *c, const struct known *k, const struct scan_list *l,
                             struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    size_t gone = 0;
    for (size_t i = 0; i < k->n; i++) {
        if (scan_find(l, k->files[i].path) >= 0)
            continue;
        sq_buf_puts(&sql, gone++ ? ", " : "DELETE FROM salesql_files WHERE path IN (");
        sq_buf_put_literal(&sql, k->files[i].path);
    }
    int rc = 0;
    if (gone) {
        sq_buf_puts(&sql, ")");
        rc = store_exec(c, sql.data, err);
    }
    sq_buf_fini(&sql);
    return rc;
}

static int profile_changed(struct ingest__run *r, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    int rc = store_query(r->c,
                         "SELECT name, coalesce(storage, '" INGEST_STORAGE_TABLE "') FROM "
                         "salesql_sources WHERE profiled_version IS DISTINCT FROM version "
                         "ORDER BY name",
                         &t, err);
    for (size_t i = 0; !rc && i < t.nrows; i++) {
        const char *name = sq_table_cell(&t, i, 0)->text;
        const char *storage = sq_table_cell(&t, i, 1)->text;
        ingest__emit(r->o, (struct ingest_event){.kind = INGEST_PROFILING, .source = name});
        double t0 = sq_now_ms();
        if (strcmp(storage, INGEST_STORAGE_TABLE) != 0) {
            /* A big source read from Parquet is profiled from its files' statistics, each
             * computed once (and committed) per file version. */
            char *sql = xasprintf("SELECT count(*) FROM \"mart_dyn_%s\"", name);
            long long rows = 0;
            rc = store_query_int(r->c, sql, &rows, err);
            free(sql);
            if (!rc && rows > INGEST_PROFILE_EXACT_ROWS)
                rc = ingest__ensure_file_stats(r->c, name, err);
            if (rc)
                break;
        }
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

/* The Parquet mode of this run: the one asked for (then remembered in the database), else
 * the one remembered, else auto. *changed: it differs from the one remembered. */
static int parquet_mode(struct store_conn *c, const struct ingest_options *o,
                        enum ingest_parquet_mode *mode, int *changed, struct sq_error *err)
{
    static const char *const names[] = {"", "auto", "load", "view"};
    char *stored = NULL;
    int rc = store_query_string(c, "SELECT value FROM salesql_meta WHERE key = 'parquet_mode'",
                                &stored, err);
    enum ingest_parquet_mode have = INGEST_PARQUET_AUTO;
    if (!rc && stored)
        ingest_parse_parquet_mode(stored, &have);
    *changed = 0;
    *mode = have;
    if (!rc && o->parquet != INGEST_PARQUET_DEFAULT) {
        *mode = o->parquet;
        if (!stored || strcmp(stored, names[o->parquet]) != 0) {
            *changed = 1;
            char *sql = xasprintf("DELETE FROM salesql_meta WHERE key = 'parquet_mode'; INSERT "
                                  "INTO salesql_meta VALUES ('parquet_mode', '%s')",
                                  names[o->parquet]);
            rc = store_exec(c, sql, err);
            free(sql);
        }
    }
    free(stored);
    return rc;
}

/* How a source is to be stored: CSV makes a table (or stays compacted Parquet once
 * compacted); Parquet alone follows the mode. */
static const char *plan_storage(const struct scan_list *l, const struct scan_source *src,
                                enum ingest_parquet_mode mode, const char *now)
{
    int all_parquet = 1;
    long long bytes = 0;
    for (size_t j = 0; j < src->nfiles; j++) {
        all_parquet &= l->files[src->files[j]].kind == SCAN_PARQUET;
        bytes += l->files[src->files[j]].size;
    }
    if (!all_parquet)
        return now && strcmp(now, INGEST_STORAGE_COMPACT) == 0 ? INGEST_STORAGE_COMPACT
                                                               : INGEST_STORAGE_TABLE;
    if (mode == INGEST_PARQUET_VIEW ||
        (mode == INGEST_PARQUET_AUTO && bytes >= INGEST_PARQUET_VIEW_MIN_BYTES))
        return INGEST_STORAGE_PARQUET;
    return INGEST_STORAGE_TABLE;
}

static int interrupted(struct ingest__run *r, struct sq_error *err)
{
    return sq_error_set(err, SQ_E_INTERRUPTED, -1,
                        "interrupted: %zu of %zu files loaded in this run, and every source "
                        "finished so far is kept; run `salesql ingest` again to load the rest",
                        r->rep->loaded, r->to_load);
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
    const char **storage = NULL;
    unsigned char *rebuild = NULL, *need = NULL, *dirty = NULL;
    double t0 = sq_now_ms();
    int rc;
    memset(rep, 0, sizeof *rep);
    struct ingest__run r = {.c = c, .o = o, .rep = rep, .files = &l};

    if (store_read_only(s))
        return sq_error_set(err, SQ_E_LOCKED, -1,
                            "the database %s is open read-only, so it cannot be refreshed",
                            store_path(s));
    {
        char *dir = o->compact_dir ? xstrdup(o->compact_dir) : ingest_compact_dir(store_path(s));
        r.compact_dir = sq_abspath(dir); /* the views name their parts by absolute path */
        free(dir);
    }
    store_conn_set_cancel(c, o->cancel);
    if ((rc = store_exec(c, INGEST_CATALOG_DDL, err)))
        goto out;
    int follow;
    if ((rc = follow_links(c, o->symlinks, 1, &follow, err)) ||
        (rc = scan_folder(o->data_dir, follow ? SCAN_FOLLOW_SYMLINKS : 0, &l, err)))
        goto out;
    abs = sq_abspath(o->data_dir);
    int same_dir, mode_changed;
    enum ingest_parquet_mode mode;
    if ((rc = data_dir_matches(c, abs, &same_dir, err)) || (rc = known_load(c, &k, err)) ||
        (rc = parquet_mode(c, o, &mode, &mode_changed, err)))
        goto out;
    int full = o->full || !same_dir;
    /* A folder that holds no data files at all is far more often unmounted, emptied by
     * mistake or the wrong one than a wish to drop every mart: keep them. */
    if (l.n == 0 && same_dir && k.n > 0) {
        rc = sq_error_set(err, SQ_E_NO_DATA, -1,
                          "the data folder %s holds no CSV or Parquet files, though %zu were "
                          "loaded from it; nothing was changed (is it the right folder, and "
                          "mounted?). Put the files back, or delete %s to start over",
                          o->data_dir, k.n, store_path(s));
        goto out;
    }

    /* What changed: new or modified files, and catalog entries whose file is gone. */
    dirty = xcalloc(l.n + 1, 1);
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
    ingest__emit(
        o, (struct ingest_event){.kind = INGEST_SCANNED, .total = l.n, .index = rep->changed});

    long long nsrc = 0;
    if (rep->changed == 0 && !mode_changed) {
        rc = profile_changed(&r, err);
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
    r.headers = headers;

    /* Plan: how each source is stored, which of its files load, and whether it starts
     * over. A source whose storage changes is dropped and built again. */
    rebuild = xcalloc(nsources + 1, 1);
    need = xcalloc(l.n + 1, 1);
    storage = xcalloc(nsources + 1, sizeof *storage);
    for (size_t si = 0; si < nsources && !rc; si++) {
        const struct scan_source *src = &sources[si];
        char *now = ingest__source_storage(c, src->name);
        storage[si] = plan_storage(&l, src, mode, now);
        int exists = now != NULL, was_multi = -1;
        if (exists && strcmp(now, storage[si]) != 0) {
            sq_log_debug("mart_dyn_%s moves from %s to %s storage", src->name, now, storage[si]);
            rc = ingest__drop_source(&r, src->name, err);
            exists = 0;
        }
        free(now);
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
        if (rebuild[si] && exists && strcmp(storage[si], INGEST_STORAGE_COMPACT) == 0)
            rc = ingest__drop_source(&r, src->name, err); /* its parts are rewritten */
        for (size_t j = 0; j < src->nfiles; j++) {
            size_t fi = src->files[j];
            struct known_file *kf = known_find(&k, l.files[fi].rel);
            int moved = !kf || strcmp(kf->source, src->name) != 0;
            need[fi] = rebuild[si] || dirty[fi] || moved;
            r.to_load += need[fi];
        }
    }
    /* Sources that are no longer planned are dropped first, so names can be reused. */
    if (!rc) {
        struct sq_table t;
        sq_table_init(&t);
        rc = store_query(c, "SELECT name FROM salesql_sources", &t, err);
        for (size_t i = 0; !rc && i < t.nrows; i++) {
            const char *name = sq_table_cell(&t, i, 0)->text;
            int planned = 0;
            for (size_t si = 0; si < nsources && !planned; si++)
                planned = strcmp(sources[si].name, name) == 0;
            if (!planned) {
                rc = ingest__drop_source(&r, name, err);
                rep->dropped++;
                ingest__emit(o,
                             (struct ingest_event){.kind = INGEST_SOURCE_DROPPED, .source = name});
            }
        }
        sq_table_fini(&t);
    }
    for (size_t si = 0; !rc && si < nsources; si++) {
        const struct scan_source *src = &sources[si];
        int changed = 0;
        if (strcmp(storage[si], INGEST_STORAGE_TABLE) != 0 && !rebuild[si])
            rc = ingest__remove_gone_view_files(&r, src, storage[si], &changed, err);
        else if (src->multi && !rebuild[si])
            rc = remove_gone_files(c, src->name, &k, &l, src, &changed, err);
        if (!rc && strcmp(storage[si], INGEST_STORAGE_PARQUET) == 0) {
            int any = rebuild[si];
            for (size_t j = 0; j < src->nfiles && !any; j++)
                any = need[src->files[j]];
            if (any)
                rc = ingest__refresh_parquet_source(&r, src, need, rebuild[si]);
            continue;
        }
        int first = 1;
        char *hive = scan_hive_options(&l, src->files, src->nfiles);
        for (size_t j = 0; !rc && j < src->nfiles; j++) {
            size_t fi = src->files[j];
            if (!need[fi])
                continue;
            if (ingest__cancelled(&r)) {
                rc = SQ_E_INTERRUPTED;
                break;
            }
            size_t failed_before = rep->failed;
            if (strcmp(storage[si], INGEST_STORAGE_COMPACT) == 0) {
                rc = ingest__load_compact(&r, src, fi, hive);
            } else {
                /* Files in a row that read alike load in one statement; a batch that
                 * fails loads again file by file. */
                size_t n = batch_size(&r, src, j, need);
                int had_rows = 0, loaded = 0;
                for (size_t b = 0; b < n; b++) {
                    struct known_file *kf = known_find(&k, l.files[src->files[j + b]].rel);
                    had_rows |= !rebuild[si] && kf && strcmp(kf->source, src->name) == 0;
                }
                if (n > 1)
                    rc = load_batch(&r, src, src->files + j, n, rebuild[si] && first, had_rows,
                                    hive, &loaded);
                for (size_t b = 0; !rc && !loaded && b < n; b++) {
                    size_t fb = src->files[j + b];
                    struct known_file *kf = known_find(&k, l.files[fb].rel);
                    int had = !rebuild[si] && kf && strcmp(kf->source, src->name) == 0;
                    size_t before = rep->failed;
                    if (b > 0 && ingest__cancelled(&r))
                        rc = SQ_E_INTERRUPTED;
                    else
                        rc = load_one(&r, src, fb, rebuild[si] && first, had, hive);
                    if (rep->failed == before)
                        first = 0;
                }
                j += n - 1;
            }
            /* A rebuild starts with the first file that loads. */
            if (rep->failed == failed_before)
                first = 0;
        }
        free(hive);
    }
    /* Only now, once every source has removed the rows of its files that are gone (which
     * it finds through these catalog rows), go the rows of gone files that no source
     * holds (files that failed and never loaded). */
    if (!rc)
        rc = forget_gone_files(c, &k, &l, err);
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
    /* Last, once the rows of files loaded through links now skipped are gone. */
    if (!rc)
        rc = record_skipped(c, &l, rep, err);
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
    if (rc && ingest__cancelled(&r))
        rc = interrupted(&r, err);
    store_conn_set_cancel(c, NULL);
    rep->ms = sq_now_ms() - t0;
    if (headers)
        for (size_t i = 0; i < l.n; i++)
            free(headers[i]);
    free(headers);
    free(storage);
    free(rebuild);
    free(need);
    free(dirty);
    scan_sources_free(sources, nsources);
    known_fini(&k);
    scan_list_fini(&l);
    free(abs);
    free(r.compact_dir);
    return rc;
}
