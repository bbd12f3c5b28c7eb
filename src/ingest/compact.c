/*
 * `salesql compact` (see ingest_compact in ingest/ingest.h): rewrites the loaded tables of
 * CSV sources as zstd Parquet parts beside the database, one part per data file, then
 * serves each source through a view over its parts and drops its table. Called by
 * cli/cmd_compact.c after a refresh; views.c keeps such sources compact on later
 * refreshes.
 *
 * Resumable: each part is written under a temporary name, renamed, and recorded in
 * salesql_parts in its own transaction, so an interrupted run leaves whole parts that the
 * next run keeps; the table is replaced by the view in one last transaction. A table
 * reloaded meanwhile forgets its parts (ingest.c), so no stale part is ever served.
 */
#include "ingest/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <unistd.h>

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* Removes the files of a source's part folder that salesql_parts does not list (left by a
 * run that was killed, or parts replaced while their deletion failed). */
static void remove_orphans(struct store_conn *c, const char *source, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct sq_table t;
    sq_table_init(&t);
    struct sq_buf q;
    sq_buf_init(&q, SQ_BUF_UNLIMITED);
    sq_buf_puts(&q, "SELECT parquet FROM salesql_parts WHERE source = ");
    sq_buf_put_literal(&q, source);
    if (store_query(c, q.data, &t, NULL) == 0) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char *path = sq_path_join(dir, e->d_name);
            int listed = 0;
            for (size_t i = 0; i < t.nrows && !listed; i++)
                listed = strcmp(sq_table_cell(&t, i, 0)->text, path) == 0;
            if (!listed && unlink(path) == 0)
                sq_log_debug("removed the unreferenced part %s", path);
            free(path);
        }
    }
    closedir(d);
    sq_table_fini(&t);
    sq_buf_fini(&q);
}

/* Writes the parts of one source that are missing, then switches it to them. */
static int compact_source(struct store_conn *c, const struct ingest_options *o, const char *dir,
                          const char *source, int multi, struct ingest_compact_report *rep,
                          struct sq_error *err)
{
    char *table = xasprintf("raw_%s", source);
    char *qtable = sq_quote_ident(table);
    char *sdir = sq_path_join(dir, source);
    struct sq_table files;
    struct sq_buf sql;
    sq_table_init(&files);
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    /* The files whose rows the table holds, with the part each already has. */
    sq_buf_puts(&sql, "SELECT f.path, f.rows, f.size, p.parquet FROM salesql_files f LEFT JOIN "
                      "salesql_parts p ON p.source = f.source AND p.path = f.path WHERE "
                      "f.rows > 0 AND f.source = ");
    sq_buf_put_literal(&sql, source);
    sq_buf_puts(&sql, " ORDER BY f.path");
    int rc = store_query(c, sql.data, &files, err);
    if (!rc)
        rc = sq_mkdir_p(sdir, err);
    for (size_t i = 0; !rc && i < files.nrows; i++) {
        const char *path = sq_table_cell(&files, i, 0)->text;
        const char *have = sq_table_cell(&files, i, 3)->text;
        rep->csv_bytes += sq_cell_int(sq_table_cell(&files, i, 2));
        if (have && sq_is_file(have)) {
            rep->parquet_bytes += file_size(have);
            continue;
        }
        if (o->cancel && atomic_load(o->cancel)) {
            rc = SQ_E_INTERRUPTED;
            break;
        }
        double t0 = sq_now_ms();
        long long no = (long long)i + 1;
        {
            struct sq_buf q;
            sq_buf_init(&q, SQ_BUF_UNLIMITED);
            sq_buf_puts(&q, "SELECT coalesce(max(part_no), 0) + 1 FROM salesql_parts WHERE "
                            "source = ");
            sq_buf_put_literal(&q, source);
            store_query_int(c, q.data, &no, NULL);
            sq_buf_fini(&q);
        }
        char name[sizeof "part-.parquet" + SQ_NUM_TEXT_MAX];
        snprintf(name, sizeof name, "part-%lld.parquet", no);
        char *part = sq_path_join(sdir, name);
        char *tmp = xasprintf("%s.tmp", part);
        /* The file's rows as the mart reads them; the table's file column stays out (a
         * one-file source's table has none). */
        sq_buf_reset(&sql);
        if (multi) {
            sq_buf_printf(&sql,
                          "COPY (SELECT * EXCLUDE (" INGEST_FILE_COLUMN
                          ") FROM %s WHERE " INGEST_FILE_COLUMN " = ",
                          qtable);
            sq_buf_put_literal(&sql, path);
            sq_buf_puts(&sql, ") TO ");
        } else {
            sq_buf_printf(&sql, "COPY %s TO ", qtable);
        }
        sq_buf_put_literal(&sql, tmp);
        sq_buf_puts(&sql, " (FORMAT parquet, COMPRESSION zstd)");
        rc = store_exec(c, sql.data, err);
        if (!rc && rename(tmp, part) != 0)
            rc = sq_error_set(err, SQ_E_IO, -1, "cannot rename %s: %s", tmp, strerror(errno));
        if (!rc) {
            sq_buf_reset(&sql);
            sq_buf_puts(&sql, "BEGIN TRANSACTION; DELETE FROM salesql_parts WHERE source = ");
            sq_buf_put_literal(&sql, source);
            sq_buf_puts(&sql, " AND path = ");
            sq_buf_put_literal(&sql, path);
            sq_buf_puts(&sql, "; INSERT INTO salesql_parts VALUES (");
            sq_buf_put_literal(&sql, source);
            sq_buf_puts(&sql, ", ");
            sq_buf_put_literal(&sql, path);
            sq_buf_puts(&sql, ", ");
            sq_buf_put_literal(&sql, part);
            sq_buf_printf(&sql, ", %lld, NULL, %lld); COMMIT;",
                          sq_cell_int(sq_table_cell(&files, i, 1)), no);
            rc = store_exec(c, sql.data, err);
            if (rc)
                store_exec(c, "ROLLBACK", NULL);
        }
        if (rc) {
            unlink(tmp);
            unlink(part);
        } else {
            rep->files++;
            rep->parquet_bytes += file_size(part);
            sq_log_debug("compacted %s into %s in %.0f ms", path, part, sq_now_ms() - t0);
            if (o->progress)
                o->progress(o->ud,
                            &(struct ingest_event){.kind = INGEST_FILE_DONE,
                                                   .path = path,
                                                   .source = source,
                                                   .rows = sq_cell_int(sq_table_cell(&files, i, 1)),
                                                   .bytes = file_size(part),
                                                   .ms = sq_now_ms() - t0,
                                                   .index = i + 1,
                                                   .total = files.nrows});
        }
        free(tmp);
        free(part);
    }
    /* Every file has its part: the view takes the table's place, and the table's rows
     * leave the database file at the next checkpoint. */
    if (!rc && files.nrows > 0) {
        rc = ingest__swap_view(c, source, INGEST_STORAGE_COMPACT, multi, 1, NULL, err);
        if (!rc) {
            rep->sources++;
            remove_orphans(c, source, sdir);
        }
    }
    sq_table_fini(&files);
    sq_buf_fini(&sql);
    free(sdir);
    free(qtable);
    free(table);
    return rc;
}

int ingest_compact(struct store *s, const struct ingest_options *o,
                   struct ingest_compact_report *rep, struct sq_error *err)
{
    struct store_conn *c = store_main(s);
    double t0 = sq_now_ms();
    memset(rep, 0, sizeof *rep);
    if (store_read_only(s))
        return sq_error_set(err, SQ_E_LOCKED, -1,
                            "the database %s is open read-only, so it cannot be compacted",
                            store_path(s));
    char *dir0 = o->compact_dir ? xstrdup(o->compact_dir) : ingest_compact_dir(store_path(s));
    char *dir = sq_abspath(dir0);
    free(dir0);
    store_conn_set_cancel(c, o->cancel);
    struct sq_table t;
    sq_table_init(&t);
    /* Table sources with at least one CSV file (Parquet sources are read in place with
     * --parquet=view instead), and compacted ones, whose leftovers are cleaned. */
    int rc = store_exec(c, INGEST_CATALOG_DDL, err);
    if (!rc)
        rc = store_query(c,
                         "SELECT s.name, s.multi, coalesce(s.storage, '" INGEST_STORAGE_TABLE
                         "') FROM salesql_sources s WHERE EXISTS (SELECT 1 FROM salesql_files f "
                         "WHERE f.source = s.name AND NOT lower(f.path) LIKE '%.parquet') ORDER "
                         "BY s.name",
                         &t, err);
    for (size_t i = 0; !rc && i < t.nrows; i++) {
        const char *name = sq_table_cell(&t, i, 0)->text;
        int multi = sq_table_cell(&t, i, 1)->text && sq_table_cell(&t, i, 1)->text[0] == 't';
        const char *storage = sq_table_cell(&t, i, 2)->text;
        if (strcmp(storage, INGEST_STORAGE_TABLE) == 0) {
            rc = compact_source(c, o, dir, name, multi, rep, err);
        } else if (strcmp(storage, INGEST_STORAGE_COMPACT) == 0) {
            char *sdir = sq_path_join(dir, name);
            remove_orphans(c, name, sdir);
            free(sdir);
            rep->sources++;
        }
    }
    /* Blocks the dropped tables held are free once checkpointed; DuckDB reuses them and
     * gives back those at the end of the file. */
    if (!rc)
        rc = store_exec(c, "CHECKPOINT", err);
    if (!rc) {
        struct sq_table size;
        sq_table_init(&size);
        if (store_query(c,
                        "SELECT free_blocks, total_blocks FROM pragma_database_size() WHERE "
                        "database_name = current_database()",
                        &size, NULL) == 0 &&
            size.nrows == 1 && sq_cell_int(sq_table_cell(&size, 0, 1)) > 0)
            rep->free_share = (double)sq_cell_int(sq_table_cell(&size, 0, 0)) /
                              (double)sq_cell_int(sq_table_cell(&size, 0, 1));
        sq_table_fini(&size);
    }
    if (rc && o->cancel && atomic_load(o->cancel))
        rc = sq_error_set(err, SQ_E_INTERRUPTED, -1,
                          "interrupted: %zu parts written in this run are kept; run `salesql "
                          "compact` again to finish",
                          rep->files);
    store_conn_set_cancel(c, NULL);
    sq_table_fini(&t);
    free(dir);
    rep->ms = sq_now_ms() - t0;
    return rc;
}
