/*
 * Loading one data file into a staging table (see ingest/internal.h): encoding
 * detection and transcoding for CSV, DuckDB's sniffer for the dialect and types, then
 * salesql's own reading of what the sniffer leaves as text: dates such as 2/24/2003 0:00
 * or 03/01/19 (day or month first decided from the whole column) and money such as
 * "$90,000 ". Called by ingest.c once per new or changed file.
 */
#include "ingest/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "ingest/encoding.h"
#include "ingest/names.h"
#include "schema/playbook.h"
#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The prefix of a file that encoding detection reads before trusting UTF-8; a file that
 * turns out invalid later is detected again in full when DuckDB rejects it. */
enum { ENC_PREFIX = 8 * 1024 * 1024, HEADER_MAX = 256 * 1024 };

/* Reads up to max bytes from the start of a file, decompressing gzip through gzip(1). */
static int read_prefix(const char *path, int gzip, size_t max, struct sq_buf *out,
                       struct sq_error *err)
{
    int fd = -1;
    pid_t pid = 0;
    if (gzip) {
        int p[2];
        if (pipe(p) != 0)
            return sq_error_set(err, SQ_E_IO, -1, "pipe: %s", strerror(errno));
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        posix_spawn_file_actions_addclose(&fa, p[0]);
        char *const argv[] = {(char *)"gzip", (char *)"-dc", (char *)"--", (char *)path, NULL};
        int rc = posix_spawnp(&pid, "gzip", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        if (rc != 0) {
            close(p[0]);
            return sq_error_set(err, SQ_E_IO, -1, "cannot run gzip to read %s: %s", path,
                                strerror(rc));
        }
        fd = p[0];
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return sq_error_set(err, SQ_E_IO, -1, "cannot open %s: %s", path, strerror(errno));
    }
    char chunk[64 * 1024]; /* one read(2) */
    while (out->len < max) {
        size_t want = max - out->len < sizeof chunk ? max - out->len : sizeof chunk;
        ssize_t n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sq_buf_append(out, chunk, (size_t)n);
    }
    close(fd);
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    return 0;
}

/* Splits one CSV header line into fields (quotes honoured) and appends the snake_case
 * names, comma-separated, to sig. */
static void header_signature(const char *line, size_t n, char delim, struct sq_buf *sig)
{
    struct sq_buf field;
    sq_buf_init(&field, SQ_BUF_UNLIMITED);
    int quoted = 0;
    int first = 1;
    for (size_t i = 0; i <= n; i++) {
        char ch = i < n ? line[i] : delim;
        if (quoted) {
            if (ch == '"' && i + 1 < n && line[i + 1] == '"') {
                sq_buf_putc(&field, '"');
                i++;
            } else if (ch == '"') {
                quoted = 0;
            } else {
                sq_buf_putc(&field, ch);
            }
        } else if (ch == '"') {
            quoted = 1;
        } else if (ch == delim) {
            char *name = names_snake(field.data ? field.data : "");
            if (!first)
                sq_buf_putc(sig, ',');
            sq_buf_puts(sig, name);
            free(name);
            sq_buf_reset(&field);
            first = 0;
        } else {
            sq_buf_putc(&field, ch);
        }
    }
    sq_buf_fini(&field);
}

static char guess_delimiter(const char *line, size_t n)
{
    static const char cands[] = {',', ';', '\t', '|'};
    size_t best = 0;
    char delim = ',';
    for (size_t c = 0; c < sizeof cands; c++) {
        size_t count = 0;
        int quoted = 0;
        for (size_t i = 0; i < n; i++) {
            if (line[i] == '"')
                quoted = !quoted;
            else if (!quoted && line[i] == cands[c])
                count++;
        }
        if (count > best) {
            best = count;
            delim = cands[c];
        }
    }
    return delim;
}

/* Appends the reader of one Parquet file, read_parquet(path<opts>); opts holds the hive
 * options of the file's source. */
static void append_parquet_reader(struct sq_buf *b, const char *path, const char *opts)
{
    sq_buf_puts(b, "read_parquet(");
    sq_buf_put_literal(b, path);
    sq_buf_printf(b, "%s)", opts ? opts : "");
}

/* The signature (header_signature) of a CSV file's first line, split at delim, or at the
 * delimiter guess_delimiter finds when delim is 0. Empty for an empty file. */
static int header_line(const char *path, int gzip, char delim, struct sq_buf *sig,
                       struct sq_error *err)
{
    struct sq_buf head;
    sq_buf_init(&head, SQ_BUF_UNLIMITED);
    int rc = read_prefix(path, gzip, HEADER_MAX, &head, err);
    if (!rc && head.len) {
        const char *p = head.data;
        size_t n = head.len;
        if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3;
            n -= 3;
        }
        size_t eol = 0;
        while (eol < n && p[eol] != '\n' && p[eol] != '\r')
            eol++;
        header_signature(p, eol, delim ? delim : guess_delimiter(p, eol), sig);
    }
    sq_buf_fini(&head);
    return rc;
}

int ingest__read_header(struct store_conn *c, const struct scan_file *f, char **sig,
                        struct sq_error *err)
{
    struct sq_buf out;
    sq_buf_init(&out, SQ_BUF_UNLIMITED);
    int rc = 0;
    *sig = NULL;
    if (f->kind == SCAN_PARQUET) {
        struct sq_buf sql;
        struct sq_table t;
        sq_buf_init(&sql, SQ_BUF_UNLIMITED);
        sq_table_init(&t);
        sq_buf_puts(&sql, "DESCRIBE SELECT * FROM ");
        append_parquet_reader(&sql, f->path, ", hive_partitioning = false");
        rc = store_query(c, sql.data, &t, err);
        for (size_t r = 0; !rc && r < t.nrows; r++) {
            char *name = names_snake(sq_table_cell(&t, r, 0)->text);
            if (r)
                sq_buf_putc(&out, ',');
            sq_buf_puts(&out, name);
            free(name);
        }
        sq_table_fini(&t);
        sq_buf_fini(&sql);
    } else {
        rc = header_line(f->path, f->gzip, f->kind == SCAN_TSV ? '\t' : 0, &out, err);
    }
    if (rc) {
        sq_buf_fini(&out);
        return rc;
    }
    *sig = sq_buf_steal(&out);
    return 0;
}

void ingest__load_result_fini(struct load_result *r)
{
    for (size_t i = 0; i < r->ncols; i++) {
        free(r->cols[i].name);
        free(r->cols[i].original);
        free(r->cols[i].type);
        free(r->cols[i].note);
    }
    free(r->cols);
    memset(r, 0, sizeof *r);
}

/* Sniffed columns of a file: DuckDB's names and types, the date formats it chose and, for
 * CSV, the dialect it found, written out as read_csv options. */
struct sniffed {
    struct sq_table t; /* rows: (name, type, ...); the file's columns, then hive keys */
    size_t nfile;      /* rows of t that are the file's own columns */
    char *date_format;
    char *timestamp_format;
    struct sq_buf dialect; /* ", auto_detect = false, delim = ..., header = true" */
};

/* 1 if a date format the sniffer chose is ISO (or none), which DuckDB's casts read. */
static int is_iso(const char *fmt)
{
    return !fmt || strncmp(fmt, "%Y-%m-%d", 8) == 0;
}

static void sniffed_fini(struct sniffed *s)
{
    sq_table_fini(&s->t);
    sq_buf_fini(&s->dialect);
    free(s->date_format);
    free(s->timestamp_format);
}

/* sniff_csv's way of showing an empty option. */
static const char *sniffed_text(const struct sq_cell *cell)
{
    return !cell->text || strcmp(cell->text, "(empty)") == 0 ? "" : cell->text;
}

/* The compression option of a CSV file's reader. */
static void append_compression(struct sq_buf *b, const struct scan_file *f, int transcoded)
{
    if (transcoded)
        sq_buf_puts(b, ", compression = 'none'");
    else if (f->gzip)
        sq_buf_puts(b, ", compression = 'gzip'");
}

/* The options that read a CSV file exactly as the sniffer saw it, from the first row of
 * sniff()'s query (dialect in columns 2-7). The row terminator is left to the reader, which
 * takes \n and \r\n alike (naming one made a file of the other read as no rows). With
 * auto-detection and null_padding off, a row with fewer fields than the header (a file cut
 * short) fails with its line number instead of loading as NULLs. A sample without a quoted
 * value says nothing about quotes: '"' (RFC 4180) is assumed, which reads an unquoted file
 * the same, a later quoted value right, and a quoted value cut off as an error (the
 * sniffer, seeing one, would have read the quote as text). */
static void dialect_of(const struct sq_table *t, struct sniffed *out)
{
    const char *quote = sniffed_text(sq_table_cell(t, 0, 3));
    const char *escape = sniffed_text(sq_table_cell(t, 0, 4));
    const char *comment = sniffed_text(sq_table_cell(t, 0, 5));
    const char *header = sq_table_cell(t, 0, 7)->text;
    if (!*quote)
        quote = escape = "\"";
    struct sq_buf *d = &out->dialect;
    sq_buf_puts(d, ", auto_detect = false, delim = ");
    sq_buf_put_literal(d, sniffed_text(sq_table_cell(t, 0, 2)));
    sq_buf_puts(d, ", quote = ");
    sq_buf_put_literal(d, quote);
    sq_buf_puts(d, ", escape = ");
    sq_buf_put_literal(d, escape);
    if (*comment) {
        sq_buf_puts(d, ", comment = ");
        sq_buf_put_literal(d, comment);
    }
    sq_buf_printf(d, ", skip = %lld, header = %s", sq_cell_int(sq_table_cell(t, 0, 6)),
                  header && strcmp(header, "true") == 0 ? "true" : "false");
}

/* Appends read_csv's columns option: every column of the file with its type; text for
 * those whose as_text[] is set (as_text may be NULL). */
static void append_columns(struct sq_buf *b, const struct sniffed *sn, const unsigned char *as_text)
{
    sq_buf_puts(b, ", columns = {");
    for (size_t r = 0; r < sn->nfile; r++) {
        sq_buf_puts(b, r ? ", " : "");
        sq_buf_put_literal(b, sq_table_cell(&sn->t, r, 0)->text);
        sq_buf_puts(b, ": ");
        sq_buf_put_literal(b,
                           as_text && as_text[r] ? "VARCHAR" : sq_table_cell(&sn->t, r, 1)->text);
    }
    sq_buf_puts(b, "}");
}

/* The number of fields of a CSV file's header line, split at delim (quotes honoured), or
 * 0 when it cannot be read. */
static size_t header_fields(const char *path, int gzip, char delim)
{
    struct sq_buf sig;
    sq_buf_init(&sig, SQ_BUF_UNLIMITED);
    size_t n = 0;
    if (header_line(path, gzip, delim, &sig, NULL) == 0 && sig.len) {
        n = 1;
        for (size_t i = 0; i < sig.len; i++)
            n += sig.data[i] == ',';
    }
    sq_buf_fini(&sig);
    return n;
}

/* When some rows of the sample have more fields than the header, the sniffer adds columns
 * named column<i> for them. Those are not the file's: keeps the header's own columns, so
 * that the load names the first longer row (rows of t are name, type). */
static void drop_padding(struct sq_table *t, size_t header)
{
    if (header == 0 || t->nrows <= header)
        return;
    for (size_t r = header; r < t->nrows; r++) {
        char want[sizeof "column" + SQ_NUM_TEXT_MAX];
        snprintf(want, sizeof want, "column%zu", r);
        const char *name = sq_table_cell(t, r, 0)->text;
        if (!name || strcmp(name, want) != 0)
            return;
    }
    struct sq_table kept;
    sq_table_init(&kept);
    sq_table_add_column(&kept, "name", "VARCHAR", 0);
    sq_table_add_column(&kept, "type", "VARCHAR", 0);
    for (size_t r = 0; r < header; r++) {
        size_t row = sq_table_add_row(&kept);
        for (size_t col = 0; col < 2; col++) {
            const char *v = sq_table_cell(t, r, col)->text;
            sq_table_set(&kept, row, col, SQ_CELL_TEXT, v ? v : "", v ? strlen(v) : 0);
        }
    }
    sq_table_fini(t);
    *t = kept;
}

/* Sniffs one file. CSV: one sniff_csv call gives the dialect and a row per column (so the
 * sample is read once); null_padding lets it find the dialect of a file with short rows,
 * which the load then rejects. extra: more sniffer options (", sample_size = -1"). */
static int sniff(struct store_conn *c, const char *path, const struct scan_file *f, int transcoded,
                 const char *extra, const char *hive, struct sniffed *out, struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    memset(out, 0, sizeof *out);
    sq_table_init(&out->t);
    sq_buf_init(&out->dialect, SQ_BUF_UNLIMITED);
    int rc;
    if (f->kind == SCAN_PARQUET) {
        sq_buf_puts(&sql, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ");
        append_parquet_reader(&sql, path, hive);
        sq_buf_puts(&sql, ")");
        rc = store_query(c, sql.data, &out->t, err);
        out->nfile = out->t.nrows;
        sq_buf_fini(&sql);
        return rc;
    }
    sq_buf_puts(&sql, "SELECT x.c.name, x.c.type, Delimiter, Quote, Escape, Comment, SkipRows, "
                      "HasHeader, DateFormat, TimestampFormat FROM (SELECT *, unnest(Columns) AS "
                      "c FROM sniff_csv(");
    sq_buf_put_literal(&sql, path);
    sq_buf_puts(&sql, ", header = true");
    if (f->kind == SCAN_TSV)
        sq_buf_puts(&sql, ", delim = '\\t'");
    append_compression(&sql, f, transcoded);
    sq_buf_printf(&sql, ", null_padding = true%s)) x", extra);
    rc = store_query(c, sql.data, &out->t, err);
    if (!rc && out->t.nrows == 0)
        rc = sq_error_set(err, SQ_E_PARSE, -1, "no columns found in the file");
    if (!rc) {
        out->nfile = out->t.nrows;
        const struct sq_cell *d = sq_table_cell(&out->t, 0, 8);
        const struct sq_cell *ts = sq_table_cell(&out->t, 0, 9);
        out->date_format = d->text ? xstrdup(d->text) : NULL;
        out->timestamp_format = ts->text ? xstrdup(ts->text) : NULL;
        dialect_of(&out->t, out);
        const char *delim = sniffed_text(sq_table_cell(&out->t, 0, 2));
        if (sq_cell_int(sq_table_cell(&out->t, 0, 6)) == 0 && strlen(delim) == 1) {
            drop_padding(&out->t, header_fields(path, f->gzip && !transcoded, delim[0]));
            out->nfile = out->t.nrows;
        }
    }
    if (!rc && hive && *hive) {
        /* Partition keys come after the file's columns, typed by the source's options. */
        sq_buf_reset(&sql);
        sq_buf_puts(&sql, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_csv(");
        sq_buf_put_literal(&sql, path);
        append_compression(&sql, f, transcoded);
        sq_buf_puts(&sql, out->dialect.data);
        append_columns(&sql, out, NULL);
        sq_buf_printf(&sql, "%s))", hive);
        struct sq_table all;
        sq_table_init(&all);
        rc = store_query(c, sql.data, &all, err);
        sq_table_fini(rc ? &all : &out->t);
        if (!rc)
            out->t = all;
    }
    sq_buf_fini(&sql);
    return rc;
}

struct load_progress {
    const struct ingest_options *o;
    const char *path; /* what the progress line names */
    long long bytes;  /* of every file the statement reads */
    double t0;
};

static void on_load_progress(void *ud, double done, unsigned long long rows)
{
    struct load_progress *p = ud;
    struct ingest_event ev = {.kind = INGEST_FILE_PROGRESS,
                              .path = p->path,
                              .bytes = done < 0 ? -1 : (long long)(done * (double)p->bytes),
                              .rows = (long long)rows,
                              .ms = sq_now_ms() - p->t0,
                              .total = (size_t)p->bytes};
    p->o->progress(p->o->ud, &ev);
}

/* 1 if name is a hive partition key in the reader options (its type comes from them). */
static int is_hive_key(const char *hive, const char *name)
{
    if (!hive || !strstr(hive, "hive_types"))
        return 0;
    struct sq_buf key;
    sq_buf_init(&key, SQ_BUF_UNLIMITED);
    sq_buf_put_literal(&key, name);
    sq_buf_puts(&key, ":");
    int found = strstr(hive, key.data) != NULL;
    sq_buf_fini(&key);
    return found;
}

/* What one staging statement reads: one file, or several files of a source that share a
 * header and a dialect. The first decides the dialect and types. */
struct stage_input {
    const struct scan_file *const *files;
    const char *const *paths; /* as the reader opens them (a transcoded copy, or the file) */
    size_t npaths;
    int transcoded;
    /* npaths > 1: the rows record their file in INGEST_FILE_COLUMN, its path relative to
     * the data folder, which is every path's tail from this byte on. */
    size_t rel_from;
    const char *hive;
};

/* The hidden column the reader names each row's file in. */
#define FILENAME_COLUMN "__salesql_filename"

/* "SELECT <renamed columns> FROM <reader>" over the sniffed columns, with non-ISO dates
 * read as text so that load.c decides their format from the whole column; fills out's
 * columns. */
static void build_select(const struct sniffed *sn, const struct stage_input *in, struct sq_buf *sql,
                         struct load_result *out)
{
    const struct scan_file *f = in->files[0];
    unsigned char *as_text = xcalloc(sn->t.nrows + 1, 1);
    char **taken = xcalloc(sn->t.nrows + 1, sizeof *taken);
    out->cols = xcalloc(sn->t.nrows + 1, sizeof *out->cols);
    out->ncols = 0;
    sq_buf_puts(sql, "SELECT ");
    for (size_t r = 0; r < sn->t.nrows; r++) {
        const char *orig = sq_table_cell(&sn->t, r, 0)->text;
        const char *type = sq_table_cell(&sn->t, r, 1)->text;
        char *snake = names_snake(orig);
        char *name = names_unique(snake, taken, r);
        free(snake);
        taken[r] = name;
        as_text[r] = f->kind != SCAN_PARQUET && r < sn->nfile && !is_hive_key(in->hive, orig) &&
                     ((strcmp(type, "DATE") == 0 && !is_iso(sn->date_format)) ||
                      (strncmp(type, "TIMESTAMP", 9) == 0 && !is_iso(sn->timestamp_format)));
        if (r)
            sq_buf_puts(sql, ", ");
        sq_buf_put_ident(sql, orig);
        sq_buf_puts(sql, " AS ");
        sq_buf_put_ident(sql, name);
        struct load_column *lc = &out->cols[out->ncols++];
        lc->name = xstrdup(name);
        lc->original = xstrdup(orig);
        lc->type = xstrdup(as_text[r] ? "VARCHAR" : type);
        lc->note = NULL;
    }
    if (sn->t.nrows == 0)
        sq_buf_puts(sql, "*");
    if (in->npaths > 1)
        sq_buf_printf(sql, ", substr(" FILENAME_COLUMN ", %zu) AS " INGEST_FILE_COLUMN,
                      in->rel_from + 1);
    sq_buf_puts(sql, " FROM ");
    if (f->kind == SCAN_PARQUET) {
        append_parquet_reader(sql, in->paths[0], in->hive);
    } else {
        sq_buf_puts(sql, "read_csv(");
        if (in->npaths > 1)
            sq_buf_puts(sql, "[");
        for (size_t i = 0; i < in->npaths; i++) {
            sq_buf_puts(sql, i ? ", " : "");
            sq_buf_put_literal(sql, in->paths[i]);
        }
        if (in->npaths > 1)
            sq_buf_puts(sql, "], filename = '" FILENAME_COLUMN "'");
        append_compression(sql, f, in->transcoded);
        sq_buf_puts(sql, sn->dialect.data);
        append_columns(sql, sn, as_text);
        sq_buf_printf(sql, ", null_padding = false%s)", in->hive ? in->hive : "");
    }
    for (size_t r = 0; r < sn->t.nrows; r++)
        free(taken[r]);
    free(taken);
    free(as_text);
}

/* The SELECT that reads the input: sniffs its first file, then build_select. */
static int prepare_select(struct store_conn *c, const struct stage_input *in, const char *extra,
                          struct sq_buf *sql, struct load_result *out, struct sq_error *err)
{
    struct sniffed sn;
    int rc = sniff(c, in->paths[0], in->files[0], in->transcoded, extra, in->hive, &sn, err);
    if (!rc)
        build_select(&sn, in, sql, out);
    sniffed_fini(&sn);
    return rc;
}

int ingest__exec_load(struct store_conn *c, const char *sql, const struct ingest_options *o,
                      const char *label, long long bytes, struct sq_error *err)
{
    /* The load need not keep row order, which makes it 1.5x faster (measured on 1 GB).
     * Only the load: with the setting off, even DESCRIBE may return its rows out of
     * order (seen on a 3,000-column file). */
    struct load_progress lp = {o, label, bytes, sq_now_ms()};
    store_exec(c, "SET preserve_insertion_order = false", NULL);
    int rc = store_exec_progress(c, sql, o->progress ? on_load_progress : NULL, &lp, err);
    store_exec(c, "SET preserve_insertion_order = true", NULL);
    return rc;
}

/* CREATE [TEMP] TABLE stage AS <select>. */
static int create_stage(struct store_conn *c, const struct stage_input *in,
                        const struct ingest_options *o, const char *select, const char *stage,
                        int temp, struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, temp ? "CREATE TEMP TABLE " : "CREATE TABLE ");
    sq_buf_put_ident(&sql, stage);
    sq_buf_printf(&sql, " AS %s", select);
    long long bytes = 0;
    for (size_t i = 0; i < in->npaths; i++)
        bytes += in->files[i]->size;
    int rc = ingest__exec_load(c, sql.data, o, in->files[0]->rel, bytes, err);
    sq_buf_fini(&sql);
    return rc;
}

static int is_unicode_error(const char *msg)
{
    return strstr(msg, "unicode") || strstr(msg, "Unicode") || strstr(msg, "UTF-8") ||
           strstr(msg, "utf-8") || strstr(msg, "encoded");
}

static int is_conversion_error(const char *msg)
{
    return strstr(msg, "Could not convert") || strstr(msg, "Conversion Error") ||
           strstr(msg, "could not be cast") || strstr(msg, "sniff");
}

/* ---- Reading text columns: dates and money ---- */

#define DATE_RE_BODY                                                                               \
    "(\\d{1,2}/\\d{1,2}/(\\d{4}|\\d{2})|\\d{1,2}\\.\\d{1,2}\\.(\\d{4}|\\d{2})|"                    \
    "\\d{1,2}-\\d{1,2}-(\\d{4}|\\d{2}))(\\s+\\d{1,2}:\\d{2}(:\\d{2})?)?"
#define DATE_RE "\\s*" DATE_RE_BODY "\\s*"
#define MONEY_RE "\\s*[-+]?\\s*[$€£¥]?\\s*[-+]?(\\d{1,3}(,\\d{3})+|\\d+)(\\.\\d+)?\\s*"

/* Expands a SQL template: {c} becomes the quoted column, {t} the quoted table. */
static void fill(struct sq_buf *out, const char *tmpl, const char *qcol, const char *qtable)
{
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '{' && (p[1] == 'c' || p[1] == 't') && p[2] == '}') {
            sq_buf_puts(out, p[1] == 'c' ? qcol : qtable);
            p += 2;
        } else {
            sq_buf_putc(out, *p);
        }
    }
}

struct text_col {
    const char *name;
    int date_candidate;
    int money_candidate;
    char *expr; /* the conversion, "CAST(... AS DATE)", when it applies to every value */
};

/* The first rows of text columns cols[0..n) of the staging table, as a FROM item. */
static void append_first_rows(struct sq_buf *sql, const char *qstage, struct text_col *const *cols,
                              size_t n)
{
    sq_buf_puts(sql, " FROM (SELECT ");
    for (size_t i = 0; i < n; i++) {
        sq_buf_puts(sql, i ? ", " : "");
        sq_buf_put_ident(sql, cols[i]->name);
    }
    sq_buf_printf(sql, " FROM %s LIMIT 10000)", qstage);
}

/* Of text columns cols[0..n), those whose first values could all be dates or money: each
 * starts (after blanks) with a digit, a sign or a currency sign, as DATE_RE and MONEY_RE
 * demand. A test without regular expressions, which spares most text columns the three
 * below (compiled for every column, they dominated the load of a wide file). Moves them
 * to the front of cols and sets *kept to their number. */
static int could_be_dates_or_money(struct store_conn *c, const char *qstage, struct text_col **cols,
                                   size_t n, size_t *kept, struct sq_error *err)
{
    struct sq_buf sql;
    struct sq_table t;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&t);
    sq_buf_puts(&sql, "SELECT ");
    for (size_t i = 0; i < n; i++) {
        char *q = sq_quote_ident(cols[i]->name);
        sq_buf_printf(&sql,
                      "%scount(%s), count(*) FILTER (WHERE strpos('0123456789+-$€£¥', ltrim(%s, "
                      "' ' || chr(9) || chr(10) || chr(13))[1]) > 0)",
                      i ? ", " : "", q, q);
        free(q);
    }
    append_first_rows(&sql, qstage, cols, n);
    int rc = store_query(c, sql.data, &t, err);
    *kept = 0;
    for (size_t i = 0; !rc && t.nrows == 1 && i < n; i++) {
        double nn = sq_table_cell(&t, 0, 2 * i)->num;
        if (nn > 0 && sq_table_cell(&t, 0, 2 * i + 1)->num == nn)
            cols[(*kept)++] = cols[i];
    }
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

/* Which of the text columns cols[0..n) look like dates or money in the first rows: one
 * query or two, so n is at most INGEST_BATCH_COLUMNS. */
static int candidates_batch(struct store_conn *c, const char *qstage, struct text_col *cols,
                            size_t n, struct sq_error *err)
{
    struct text_col **maybe = xcalloc(n + 1, sizeof *maybe);
    for (size_t i = 0; i < n; i++)
        maybe[i] = &cols[i];
    size_t m = 0;
    int rc = could_be_dates_or_money(c, qstage, maybe, n, &m, err);
    struct sq_buf sql;
    struct sq_table t;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&t);
    if (rc || m == 0)
        goto out;
    sq_buf_puts(&sql, "SELECT ");
    for (size_t i = 0; i < m; i++) {
        char *q = sq_quote_ident(maybe[i]->name);
        sq_buf_printf(&sql,
                      "%scount(%s), count(*) FILTER (WHERE regexp_full_match(%s, '" DATE_RE
                      "')), count(*) FILTER (WHERE regexp_full_match(%s, '" MONEY_RE
                      "')), count(*) FILTER (WHERE regexp_matches(%s, '[$€£¥]|\\d,\\d{3}'))",
                      i ? ", " : "", q, q, q, q);
        free(q);
    }
    append_first_rows(&sql, qstage, maybe, m);
    rc = store_query(c, sql.data, &t, err);
    if (!rc && t.nrows == 1) {
        for (size_t i = 0; i < m; i++) {
            double nn = sq_table_cell(&t, 0, 4 * i)->num;
            double dates = sq_table_cell(&t, 0, 4 * i + 1)->num;
            double money = sq_table_cell(&t, 0, 4 * i + 2)->num;
            double marked = sq_table_cell(&t, 0, 4 * i + 3)->num;
            maybe[i]->date_candidate = nn > 0 && dates == nn;
            maybe[i]->money_candidate = nn > 0 && money == nn && marked > 0;
        }
    }
out:
    free(maybe);
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

/* Which text columns look like dates or money in the first rows, a batch of columns at
 * a time. */
static int find_candidates(struct store_conn *c, const char *qstage, struct text_col *cols,
                           size_t n, struct sq_error *err)
{
    int rc = 0;
    for (size_t from = 0; !rc && from < n; from += INGEST_BATCH_COLUMNS) {
        size_t m = n - from < INGEST_BATCH_COLUMNS ? n - from : INGEST_BATCH_COLUMNS;
        rc = candidates_batch(c, qstage, cols + from, m, err);
    }
    return rc;
}

static void set_note(struct load_result *out, const char *name, const char *type, char *note)
{
    for (size_t i = 0; i < out->ncols; i++) {
        if (strcmp(out->cols[i].name, name) == 0) {
            free(out->cols[i].note);
            out->cols[i].note = note;
            if (type) {
                free(out->cols[i].type);
                out->cols[i].type = xstrdup(type);
            }
            return;
        }
    }
    free(note);
}

/* Decides the format of a date-like text column from all its values and converts it. */
/* Decides the format of a date-like text column from all its values; on success sets
 * tc->expr to the conversion (checked to parse every value) and notes how it was read. */
static int convert_dates(struct store_conn *c, const char *stage, struct text_col *tc,
                         int day_first_hint, struct load_result *out, struct sq_error *err)
{
    const char *col = tc->name;
    struct sq_buf sql;
    struct sq_table t;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&t);
    char *qcol = sq_quote_ident(col);
    fill(&sql,
         "SELECT count({c}), count(*) FILTER (WHERE regexp_full_match({c}, '" DATE_RE "')), "
         "max(TRY_CAST(regexp_extract({c}, '^\\s*(\\d+)', 1) AS INTEGER)), "
         "max(TRY_CAST(regexp_extract({c}, '^\\s*\\d+[/.-](\\d+)', 1) AS INTEGER)), "
         "min(length(regexp_extract({c}, '^\\s*\\d+[/.-]\\d+[/.-](\\d+)', 1))), "
         "max(length(regexp_extract({c}, '^\\s*\\d+[/.-]\\d+[/.-](\\d+)', 1))), "
         "count(*) FILTER (WHERE regexp_matches({c}, '\\d:\\d')), "
         "count(*) FILTER (WHERE regexp_matches({c}, '\\d:\\d') AND NOT "
         "regexp_matches({c}, '\\s0?0:00(:00)?\\s*$')), "
         "count(*) FILTER (WHERE regexp_matches({c}, '\\d:\\d\\d:\\d')), "
         "min(regexp_extract({c}, '^\\s*\\d+([/.-])', 1)), "
         "max(regexp_extract({c}, '^\\s*\\d+([/.-])', 1)) FROM {t}",
         qcol, stage);
    int rc = store_query(c, sql.data, &t, err);
    if (rc || t.nrows != 1)
        goto out;
#define NUM(i) (sq_table_cell(&t, 0, (i))->num)
#define TXT(i) (sq_table_cell(&t, 0, (i))->text)
    if (NUM(0) == 0 || NUM(1) != NUM(0) || !TXT(9) || strcmp(TXT(9), TXT(10)) != 0)
        goto out; /* not every value is a date of one separator: leave it as text */
    double a = NUM(2), b = NUM(3);
    int ylen_min = (int)NUM(4), ylen_max = (int)NUM(5);
    int with_time = NUM(6) > 0, real_time = NUM(7) > 0, seconds = NUM(8) > 0;
    char sep = TXT(9)[0];
    int day_first;
    const char *why;
    if (a > 31 || b > 31 || (a > 12 && b > 12))
        goto out;
    if (a > 12) {
        day_first = 1;
        why = "a first number above 12";
    } else if (b > 12) {
        day_first = 0;
        why = "a second number above 12";
    } else if (day_first_hint >= 0) {
        day_first = day_first_hint;
        why = "as playbook.yaml says; no value tells";
    } else {
        day_first = sep == '.';
        why = sep == '.' ? "ambiguous: no value above 12, dotted dates are day-first"
                         : "ambiguous: no value above 12, read as month first; set `dates: "
                           "day_first` in playbook.yaml if that is wrong";
    }
    char date_fmt[sizeof "%d/%m/"];
    snprintf(date_fmt, sizeof date_fmt, day_first ? "%%d%c%%m%c" : "%%m%c%%d%c", sep, sep);
    struct sq_buf fmts;
    sq_buf_init(&fmts, SQ_BUF_UNLIMITED);
    static const char *const years[] = {"%Y", "%y"};
    for (int y = 0; y < 2; y++) {
        int len = y == 0 ? 4 : 2;
        if (len < ylen_min || len > ylen_max)
            continue;
        if (with_time && seconds)
            sq_buf_printf(&fmts, "%s'%s%s %%H:%%M:%%S'", fmts.len ? ", " : "", date_fmt, years[y]);
        if (with_time)
            sq_buf_printf(&fmts, "%s'%s%s %%H:%%M'", fmts.len ? ", " : "", date_fmt, years[y]);
        sq_buf_printf(&fmts, "%s'%s%s'", fmts.len ? ", " : "", date_fmt, years[y]);
    }
    const char *type = real_time ? "TIMESTAMP" : "DATE";
    char *expr = xasprintf("CAST(CASE WHEN trim(%s) = '' THEN NULL ELSE strptime(trim(%s), [%s]) "
                           "END AS %s)",
                           qcol, qcol, fmts.data, type);
    /* Every value must parse; a column where some do not stays text, with a note. */
    long long bad = 0;
    sq_buf_reset(&sql);
    sq_buf_printf(&sql,
                  "SELECT count(*) FILTER (WHERE trim(%s) <> '' AND try_strptime(trim(%s), [%s]) "
                  "IS NULL) FROM %s",
                  qcol, qcol, fmts.data, stage);
    sq_buf_fini(&fmts);
    if ((rc = store_query_int(c, sql.data, &bad, err)) != 0 || bad > 0) {
        if (!rc)
            set_note(out, col, NULL,
                     xasprintf("looks like dates but %lld values do not parse, kept as text", bad));
        free(expr);
        goto out;
    }
    tc->expr = expr;
    set_note(out, col, type,
             xasprintf("dates read as %s%c%s%c%s%s (%s)", day_first ? "day" : "month", sep,
                       day_first ? "month" : "day", sep, ylen_max == 2 ? "yy" : "year",
                       with_time && !real_time ? ", times all midnight" : "", why));
#undef NUM
#undef TXT
out:
    free(qcol);
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

/* Money text ("$90,000 "): sets tc->expr to the conversion when every value fits. */
static int convert_money(struct store_conn *c, const char *stage, struct text_col *tc,
                         struct load_result *out, struct sq_error *err)
{
    const char *col = tc->name;
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    char *qcol = sq_quote_ident(col);
    long long bad = 0;
    fill(&sql,
         "SELECT count(*) FILTER (WHERE {c} IS NOT NULL AND NOT regexp_full_match({c}, '" MONEY_RE
         "')) FROM {t}",
         qcol, stage);
    int rc = store_query_int(c, sql.data, &bad, err);
    if (rc || bad > 0)
        goto out;
    sq_buf_reset(&sql);
    fill(&sql, "CAST(NULLIF(regexp_replace({c}, '[$€£¥,\\s]', '', 'g'), '') AS DOUBLE)", qcol,
         stage);
    tc->expr = sq_buf_steal(&sql);
    set_note(out, col, "DOUBLE",
             xstrdup("numbers read from text with currency signs or thousands separators"));
out:
    free(qcol);
    sq_buf_fini(&sql);
    return rc;
}

/* Reads text columns that hold dates or money as such. The conversions run in one
 * CREATE TABLE AS over the staging table, not as ALTER ... USING: DuckDB 1.4.4 cannot
 * replay an ALTER with a function from its log, so a crash right after one left a
 * database that would not open (reproduced with strptime). */
static int read_text_columns(struct store_conn *c, const struct scan_file *f,
                             const struct ingest_options *o, const char *qstage, int temp,
                             struct load_result *out, struct sq_error *err)
{
    struct text_col *cols = xcalloc(out->ncols + 1, sizeof *cols);
    size_t n = 0;
    for (size_t i = 0; i < out->ncols; i++)
        if (strcmp(out->cols[i].type, "VARCHAR") == 0)
            cols[n++].name = out->cols[i].name;
    int rc = n ? find_candidates(c, qstage, cols, n, err) : 0;
    int hint = playbook_file_day_first(o->playbook, f->rel);
    size_t nconv = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (cols[i].date_candidate)
            rc = convert_dates(c, qstage, &cols[i], hint, out, err);
        else if (cols[i].money_candidate)
            rc = convert_money(c, qstage, &cols[i], out, err);
        nconv += cols[i].expr != NULL;
    }
    if (!rc && nconv) {
        struct sq_buf sql;
        sq_buf_init(&sql, SQ_BUF_UNLIMITED);
        /* SELECT * REPLACE keeps every other column of the stage, the file column of a
         * batch among them. */
        sq_buf_printf(&sql, "CREATE %sTABLE salesql_stage_conv AS SELECT * REPLACE (",
                      temp ? "TEMP " : "");
        for (size_t k = 0, put = 0; k < n; k++) {
            if (!cols[k].expr)
                continue;
            char *q = sq_quote_ident(cols[k].name);
            sq_buf_printf(&sql, "%s%s AS %s", put++ ? ", " : "", cols[k].expr, q);
            free(q);
        }
        sq_buf_printf(&sql,
                      ") FROM %s; DROP TABLE %s; ALTER TABLE salesql_stage_conv RENAME TO %s;",
                      qstage, qstage, qstage);
        store_exec(c, "DROP TABLE IF EXISTS salesql_stage_conv", NULL);
        rc = store_exec(c, sql.data, err);
        sq_buf_fini(&sql);
    }
    for (size_t i = 0; i < n; i++)
        free(cols[i].expr);
    free(cols);
    return rc;
}

/* The value after "key" in a DuckDB message, up to the end of its line, or NULL. */
static const char *after(const char *msg, const char *key, char *out, size_t n)
{
    const char *p = strstr(msg, key);
    if (!p)
        return NULL;
    p += strlen(key);
    size_t k = strcspn(p, "\n");
    snprintf(out, n, "%.*s", (int)(k < n - 1 ? k : n - 1), p);
    return out;
}

/* DuckDB's CSV errors in words a user acts on: which line, what is wrong with it, and
 * what that usually means. Other messages are left as they are. */
static void explain_csv_error(struct sq_error *e)
{
    /* The line is shown only in part: enough to recognise it. */
    enum { SHOWN_LINE_MAX = 96 };
    char line[SQ_NUM_TEXT_MAX], orig[SHOWN_LINE_MAX], expected[SQ_NUM_TEXT_MAX],
        found[SQ_NUM_TEXT_MAX];
    if (!after(e->msg, "CSV Error on Line: ", line, sizeof line))
        return;
    if (!after(e->msg, "Original Line: ", orig, sizeof orig))
        orig[0] = '\0';
    if (strlen(orig) >= sizeof orig - 1)
        memcpy(orig + sizeof orig - 4, "...", 4);
    char msg[sizeof e->msg];
    if (after(e->msg, "Expected Number of Columns: ", expected, sizeof expected) &&
        after(e->msg, " Found: ", found, sizeof found)) {
        expected[strcspn(expected, " ")] = '\0';
        if (atoi(found) < atoi(expected))
            snprintf(msg, sizeof msg,
                     "line %s has %s fields where the header has %s (a row cut short, or a file "
                     "cut off while it was being written): %s",
                     line, found, expected, orig);
        else
            snprintf(msg, sizeof msg, "line %s has more fields than the header's %s: %s", line,
                     expected, orig);
    } else if (strstr(e->msg, "unterminated quote")) {
        snprintf(msg, sizeof msg,
                 "line %s opens a quoted value that never closes (a file cut off while it was "
                 "being written, or a stray quote): %s",
                 line, orig);
    } else {
        return;
    }
    snprintf(e->msg, sizeof e->msg, "%s", msg);
}

/* DuckDB's messages name the staging copy and go on for paragraphs of possible fixes:
 * keep the part about the file, naming the user's file. */
static void tidy_error(struct sq_error *e, const char *staged, const char *rel)
{
    if (!e)
        return;
    explain_csv_error(e);
    static const char *const cuts[] = {"\nThe search space", "\nPossible fixes", "\n\n", NULL};
    for (int i = 0; cuts[i]; i++) {
        char *p = strstr(e->msg, cuts[i]);
        if (p)
            *p = '\0';
    }
    if (staged) {
        char *p = strstr(e->msg, staged);
        if (p) {
            char rest[sizeof e->msg];
            snprintf(rest, sizeof rest, "%s", p + strlen(staged));
            snprintf(p, sizeof e->msg - (size_t)(p - e->msg), "%s%s", rel, rest);
        }
    }
    size_t n = strlen(e->msg);
    while (n > 0 && (e->msg[n - 1] == '\n' || e->msg[n - 1] == ' '))
        e->msg[--n] = '\0';
}

/* 1 if the prefix holds nothing but a byte-order mark and white space. */
static int blank(const struct sq_buf *b)
{
    size_t i = b->len >= 3 && memcmp(b->data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (; i < b->len; i++)
        if (!strchr(" \t\r\n", b->data[i]))
            return 0;
    return 1;
}

/* Checks a CSV file before DuckDB reads it: not empty, and in what encoding (enc), from
 * its first prefix bytes (0: all of it). */
static int check_csv(const struct scan_file *f, const char *hint, size_t prefix,
                     struct enc_result *enc, struct sq_error *err)
{
    struct sq_buf head;
    sq_buf_init(&head, SQ_BUF_UNLIMITED);
    int rc = read_prefix(f->path, f->gzip, 4096, &head, err);
    int empty = !rc && head.len < 4096 && blank(&head);
    sq_buf_fini(&head);
    if (empty)
        return sq_error_set(err, SQ_E_PARSE, -1,
                            "the file is empty: it needs at least a header line naming the "
                            "columns");
    return rc ? rc : enc_detect_file(f->path, hint, prefix, enc, err);
}

/* What a staged table holds: the conversions of its text columns, and its rows. */
static int finish_stage(struct store_conn *c, const struct scan_file *f,
                        const struct ingest_options *o, const char *stage, int temp,
                        struct load_result *out, struct sq_error *err)
{
    char *qstage = sq_quote_ident(stage);
    int rc = read_text_columns(c, f, o, qstage, temp, out, err);
    if (!rc) {
        char *sql = xasprintf("SELECT count(*) FROM %s", qstage);
        rc = store_query_int(c, sql, &out->rows, err);
        free(sql);
    }
    free(qstage);
    return rc;
}

int ingest__load_stage(struct store_conn *c, const struct scan_file *f,
                       const struct ingest_options *o, const char *hive, const char *stage,
                       int temp, struct load_result *out, struct sq_error *err)
{
    memset(out, 0, sizeof *out);
    double t_start = sq_now_ms();
    char *staged = NULL;
    const char *path = f->path;
    int transcoded = 0;
    int rc = 0;
    const char *hint = f->kind == SCAN_PARQUET ? NULL : playbook_file_encoding(o->playbook, f->rel);
    struct enc_result enc;
    memset(&enc, 0, sizeof enc);
    if (f->kind == SCAN_PARQUET)
        snprintf(out->encoding, sizeof out->encoding, "parquet");
    else if ((rc = check_csv(f, hint, ENC_PREFIX, &enc, err)))
        goto out;
    /* Retries: a file whose prefix looked like UTF-8 is detected again in full when DuckDB
     * finds invalid text; a type the sniffer guessed from a sample is sniffed again over
     * the whole file when a later value does not convert. */
    int full_detect = 0, full_sniff = 0;
    for (;;) {
        if (f->kind != SCAN_PARQUET && enc.needs_transcode && !transcoded) {
            /* Under the file's own folders, so hive partitions (year=2024/) still read. */
            char *dir = xstrdup(f->rel);
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = '\0';
            char *sdir = slash ? sq_path_join(o->staging_dir, dir) : xstrdup(o->staging_dir);
            free(dir);
            staged = xasprintf("%s/%s.utf8.csv", sdir, stage);
            rc = sq_mkdir_p(sdir, err);
            free(sdir);
            if (rc || (rc = enc_transcode_file(f->path, enc.name, staged, err)))
                goto out;
            path = staged;
            transcoded = 1;
        }
        ingest__load_result_fini(out);
        snprintf(out->encoding, sizeof out->encoding, "%s",
                 f->kind == SCAN_PARQUET ? "parquet" : enc.name);
        struct sq_error e2;
        sq_error_clear(&e2);
        const struct scan_file *files[] = {f};
        const char *paths[] = {path};
        struct stage_input in = {files, paths, 1, transcoded, 0, hive};
        struct sq_buf select;
        sq_buf_init(&select, SQ_BUF_UNLIMITED);
        rc = prepare_select(c, &in, full_sniff ? ", sample_size = -1" : "", &select, out, &e2);
        if (!rc)
            rc = create_stage(c, &in, o, select.data, stage, temp, &e2);
        sq_buf_fini(&select);
        if (rc == 0)
            break;
        if (err)
            *err = e2;
        if (f->kind == SCAN_PARQUET)
            goto out;
        if (!transcoded && !full_detect && is_unicode_error(e2.msg)) {
            full_detect = 1;
            if ((rc = enc_detect_file(f->path, hint, 0, &enc, err)))
                goto out;
            if (!enc.needs_transcode) {
                rc = sq_error_set(err, SQ_E_ENCODING, -1,
                                  "DuckDB reports invalid text (%s) but the file looks like %s; "
                                  "name its encoding in playbook.yaml (files: %s: encoding: ...)",
                                  e2.msg, enc.name, f->rel);
                goto out;
            }
            continue;
        }
        if (!full_sniff && is_conversion_error(e2.msg)) {
            full_sniff = 1;
            continue;
        }
        goto out;
    }
    sq_log_debug("%s: read as %s in %.0f ms", f->rel, out->encoding, sq_now_ms() - t_start);
    rc = finish_stage(c, f, o, stage, temp, out, err);
out:
    if (rc)
        tidy_error(err, staged, f->rel);
    if (staged) {
        unlink(staged);
        free(staged);
    }
    return rc;
}

int ingest__batch_select(struct store_conn *c, const struct scan_file *const *files, size_t n,
                         const struct ingest_options *o, const char *hive, struct sq_buf *select,
                         struct load_result *out, struct sq_error *err)
{
    memset(out, 0, sizeof *out);
    const struct scan_file *f = files[0];
    size_t rel_from = strlen(f->path) - strlen(f->rel);
    int day_first = playbook_file_day_first(o->playbook, f->rel);
    const char **paths = xcalloc(n + 1, sizeof *paths);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const struct scan_file *g = files[i];
        const char *hint = playbook_file_encoding(o->playbook, g->rel);
        size_t pl = strlen(g->path), rl = strlen(g->rel);
        struct enc_result enc;
        if (g->kind == SCAN_PARQUET || g->kind != f->kind || g->gzip != f->gzip ||
            (hint && *hint) || playbook_file_day_first(o->playbook, g->rel) != day_first ||
            pl < rl || pl - rl != rel_from || strcmp(g->path + rel_from, g->rel) != 0)
            rc = sq_error_set(err, SQ_E_USAGE, -1, "%s cannot be read with %s", g->rel, f->rel);
        else if (!(rc = check_csv(g, NULL, ENC_PREFIX, &enc, err)) && enc.needs_transcode)
            rc = sq_error_set(err, SQ_E_ENCODING, -1, "%s is not UTF-8", g->rel);
        paths[i] = g->path;
    }
    struct stage_input in = {files, paths, n, 0, rel_from, hive};
    if (!rc)
        rc = prepare_select(c, &in, "", select, out, err);
    snprintf(out->encoding, sizeof out->encoding, "UTF-8");
    if (rc)
        tidy_error(err, NULL, f->rel);
    free(paths);
    return rc;
}

int ingest__rows_per_file(struct store_conn *c, const char *relation,
                          const struct scan_file *const *files, size_t n, long long *rows,
                          struct sq_error *err)
{
    memset(rows, 0, n * sizeof *rows);
    struct sq_table t;
    sq_table_init(&t);
    char *sql = xasprintf("SELECT " INGEST_FILE_COLUMN ", count(*) FROM %s GROUP BY 1", relation);
    int rc = store_query(c, sql, &t, err);
    for (size_t r = 0; !rc && r < t.nrows; r++)
        for (size_t i = 0; i < n; i++)
            if (sq_table_cell(&t, r, 0)->text &&
                strcmp(sq_table_cell(&t, r, 0)->text, files[i]->rel) == 0)
                rows[i] = sq_cell_int(sq_table_cell(&t, r, 1));
    free(sql);
    sq_table_fini(&t);
    return rc;
}

int ingest__load_stage_batch(struct store_conn *c, const struct scan_file *const *files, size_t n,
                             const struct ingest_options *o, const char *select, const char *stage,
                             int temp, struct load_result *out, struct sq_error *err)
{
    struct stage_input in = {files, NULL, n, 0, 0, NULL};
    double t0 = sq_now_ms();
    int rc = create_stage(c, &in, o, select, stage, temp, err);
    sq_log_debug("%zu files from %s: read in %.0f ms", n, files[0]->rel, sq_now_ms() - t0);
    if (!rc)
        rc = finish_stage(c, files[0], o, stage, temp, out, err);
    if (rc)
        tidy_error(err, NULL, files[0]->rel);
    return rc;
}
