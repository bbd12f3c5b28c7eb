/*
 * The files of `salesql demo` (see demo/demo.h): checks the options, names the files,
 * streams the row generator (gen.c) into them through a large buffer, converts each to
 * zstd Parquet through store/ when asked, and removes what an earlier run with another
 * layout left behind. Called by cli/cmd_demo.c, the tests and the benchmarks.
 */
#include "demo/demo.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/limits.h"
#include "base/mem.h"
#include "demo/internal.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SINK_SIZE ((size_t)1 << 20)

static const char header[] =
    "order_id,order_date,ship_date,ship_mode,customer_id,customer_name,segment,country,"
    "region,state,city,product_id,category,sub_category,product_name,quantity,unit_price,"
    "discount,sales,profit,returned";

const char *demo_csv_header(void)
{
    return header;
}

void demo_options_init(struct demo_options *o)
{
    memset(o, 0, sizeof *o);
    o->rows = 100000;
    o->out_dir = "./data";
    o->files = 1;
    o->seed = 42;
    o->start_year = 2021;
    o->years = 4;
}

int demo_check_options(const struct demo_options *o, struct sq_error *err)
{
    if (o->rows < 1 || o->rows > DEMO_MAX_ROWS)
        return sq_error_set(err, SQ_E_USAGE, -1, "--rows must be between 1 and %llu (got %llu)",
                            (unsigned long long)DEMO_MAX_ROWS, (unsigned long long)o->rows);
    if (!o->out_dir || !*o->out_dir)
        return sq_error_set(err, SQ_E_USAGE, -1, "--out must name a folder");
    if (o->start_year < DEMO_MIN_YEAR || o->start_year > DEMO_MAX_YEAR)
        return sq_error_set(err, SQ_E_USAGE, -1, "--start-year must be between %d and %d (got %d)",
                            DEMO_MIN_YEAR, DEMO_MAX_YEAR, o->start_year);
    if (o->years < 1 || o->years > DEMO_MAX_YEARS)
        return sq_error_set(err, SQ_E_USAGE, -1, "--years must be between 1 and %d (got %d)",
                            DEMO_MAX_YEARS, o->years);
    if (o->start_year + o->years - 1 > DEMO_MAX_YEAR)
        return sq_error_set(err, SQ_E_USAGE, -1,
                            "--start-year %d with --years %d ends after %d; use fewer years",
                            o->start_year, o->years, DEMO_MAX_YEAR);
    if (o->files < 1 || o->files > DEMO_MAX_FILES)
        return sq_error_set(err, SQ_E_USAGE, -1, "--files must be between 1 and %d (got %d)",
                            DEMO_MAX_FILES, o->files);
    if ((uint64_t)o->files > o->rows)
        return sq_error_set(err, SQ_E_USAGE, -1, "--files %d is more than --rows %llu", o->files,
                            (unsigned long long)o->rows);
    /* Every file covers at least one whole day. 365 days a year is a safe lower bound. */
    if (o->files > 365 * o->years) {
        int days = 0;
        for (int y = o->start_year; y < o->start_year + o->years; y++)
            days += (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 366 : 365;
        if (o->files > days)
            return sq_error_set(err, SQ_E_USAGE, -1,
                                "--files %d is more than the %d days of --years %d; every "
                                "file covers at least one day",
                                o->files, days, o->years);
    }
    return 0;
}

int demo__sink_flush(struct demo__sink *s, struct sq_error *err)
{
    size_t off = 0;
    while (off < s->len) {
        if (s->f) {
            size_t n = fwrite(s->buf + off, 1, s->len - off, s->f);
            if (n == 0)
                return sq_error_set(err, SQ_E_IO, -1, "cannot write %s: %s", s->path,
                                    strerror(errno));
            off += n;
            continue;
        }
        ssize_t n = write(s->fd, s->buf + off, s->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return sq_error_set(err, SQ_E_IO, -1, "cannot write %s: %s", s->path,
                                n < 0 ? strerror(errno) : "nothing written");
        off += (size_t)n;
    }
    s->bytes += s->len;
    s->len = 0;
    return 0;
}

static void sink_put_header(struct demo__sink *s)
{
    memcpy(s->buf + s->len, header, sizeof header - 1);
    s->len += sizeof header - 1;
    s->buf[s->len++] = '\n';
}

int demo_write_csv(const struct demo_options *o, FILE *f, struct sq_error *err)
{
    struct demo_options one = *o;
    one.files = 1;
    one.out_dir = "-";
    int rc = demo_check_options(&one, err);
    if (rc)
        return rc;
    struct demo__gen *g = demo__gen_new(&one);
    struct demo__sink sink = {
        .buf = xmalloc(SINK_SIZE), .cap = SINK_SIZE, .fd = -1, .f = f, .path = "the output"};
    sink_put_header(&sink);
    rc = demo__gen_run(g, 0, demo__gen_days(g), &sink, err);
    if (!rc)
        rc = demo__sink_flush(&sink, err);
    if (!rc && fflush(f) != 0)
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot write the output: %s", strerror(errno));
    free(sink.buf);
    demo__gen_free(g);
    return rc;
}

/* Rewrites one CSV file as zstd Parquet with the column types a loader would infer from
 * the CSV, so both formats load into the same schema. */
static int csv_to_parquet(struct store *st, const char *csv, const char *parquet,
                          struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "COPY (SELECT * FROM read_csv(");
    sq_buf_put_literal(&sql, csv);
    sq_buf_puts(&sql, ", header = true, auto_detect = false, delim = ',', quote = '\"', "
                      "columns = {");
    for (int i = 0; i < DEMO_NCOLUMNS; i++) {
        if (i)
            sq_buf_puts(&sql, ", ");
        sq_buf_put_literal(&sql, demo__columns[i].name);
        sq_buf_puts(&sql, ": ");
        sq_buf_put_literal(&sql, demo__columns[i].type);
    }
    sq_buf_puts(&sql, "})) TO ");
    sq_buf_put_literal(&sql, parquet);
    sq_buf_puts(&sql, " (FORMAT parquet, COMPRESSION zstd)");
    int rc = store_exec(store_main(st), sql.data, err);
    sq_buf_fini(&sql);
    return rc;
}

/* Whether name is one the generator writes in the sales/ folder: sales_<digits>.csv or
 * .parquet. *index and *ext receive the number and the extension. */
static int is_part_name(const char *name, long *index, const char **ext)
{
    if (strncmp(name, "sales_", 6) != 0)
        return 0;
    const char *p = name + 6, *digits = p;
    long v = 0;
    while (*p >= '0' && *p <= '9' && p - digits < 9)
        v = v * 10 + (*p++ - '0');
    if (p == digits || (strcmp(p, ".csv") != 0 && strcmp(p, ".parquet") != 0))
        return 0;
    *index = p - digits == 4 ? v : -1;
    *ext = p + 1;
    return 1;
}

/* Whether path holds data this generator wrote: a CSV that starts with our header, or a
 * Parquet file whose footer (the schema) names all our columns. A user's own file that
 * merely shares a name is never removed. */
static int is_demo_file(const char *path, int parquet)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int ours = 0;
    if (!parquet) {
        char head[sizeof header];
        ours = pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
               memcmp(head, header, sizeof header - 1) == 0 && head[sizeof header - 1] == '\n';
    } else {
        struct stat sb;
        unsigned char tail[8]; /* the footer's length (4 bytes, little-endian) and "PAR1" */
        if (fstat(fd, &sb) == 0 && sb.st_size > 12 && pread(fd, tail, 8, sb.st_size - 8) == 8 &&
            memcmp(tail + 4, "PAR1", 4) == 0) {
            size_t len = (size_t)tail[0] | (size_t)tail[1] << 8 | (size_t)tail[2] << 16 |
                         (size_t)tail[3] << 24;
            if (len <= ((size_t)1 << 20) && (off_t)len + 8 <= sb.st_size) {
                char *footer = xmalloc(len);
                if (pread(fd, footer, len, sb.st_size - 8 - (off_t)len) == (ssize_t)len) {
                    ours = 1;
                    for (int i = 0; i < DEMO_NCOLUMNS && ours; i++)
                        ours = memmem(footer, len, demo__columns[i].name,
                                      strlen(demo__columns[i].name)) != NULL;
                }
                free(footer);
            }
        }
    }
    close(fd);
    return ours;
}

static int remove_if_ours(const char *path, const char *ext, struct sq_error *err)
{
    if (!is_demo_file(path, strcmp(ext, "parquet") == 0))
        return 0;
    if (unlink(path) != 0 && errno != ENOENT)
        return sq_error_set(err, SQ_E_IO, -1, "cannot remove the earlier demo file %s: %s", path,
                            strerror(errno));
    return 0;
}

/* After a successful run: removes the generator's files that this run did not write
 * (the other layout, the other format, parts beyond the file count), so the folder never
 * holds two copies of the data. Other files are left alone, as is the sales/ folder when
 * anything else remains in it. */
static int remove_stale(const struct demo_options *o, struct sq_error *err)
{
    static const char *const exts[2] = {"csv", "parquet"};
    const char *ext = exts[o->parquet ? 1 : 0];
    int rc = 0;
    for (int i = 0; i < 2 && !rc; i++) {
        if (o->files == 1 && strcmp(exts[i], ext) == 0)
            continue;
        char name[sizeof "sales.parquet"];
        snprintf(name, sizeof name, "sales.%s", exts[i]);
        char *path = sq_path_join(o->out_dir, name);
        rc = remove_if_ours(path, exts[i], err);
        free(path);
    }
    char *dir = sq_path_join(o->out_dir, "sales");
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while (!rc && (e = readdir(d)) != NULL) {
            long index;
            const char *e_ext;
            if (!is_part_name(e->d_name, &index, &e_ext))
                continue;
            if (o->files > 1 && strcmp(e_ext, ext) == 0 && index >= 1 && index <= o->files)
                continue;
            char *path = sq_path_join(dir, e->d_name);
            rc = remove_if_ours(path, e_ext, err);
            free(path);
        }
        closedir(d);
        /* Fails, as it should, when the folder holds anything else. */
        if (!rc && o->files == 1)
            rmdir(dir);
    }
    free(dir);
    return rc;
}

int demo_write(const struct demo_options *o, struct demo_report *rep, struct sq_error *err)
{
    struct demo_report r = {0};
    int rc = demo_check_options(o, err);
    if (rc)
        return rc;
    double t0 = sq_now_ms();
    const char *ext = o->parquet ? "parquet" : "csv";
    char *dir = o->files > 1 ? sq_path_join(o->out_dir, "sales") : xstrdup(o->out_dir);
    struct demo__gen *g = NULL;
    struct store *st = NULL;
    int *bounds = NULL;
    struct demo__sink sink = {.fd = -1};
    char *final = NULL, *tmp_csv = NULL, *tmp_parquet = NULL;

    if ((rc = sq_mkdir_p(dir, err)))
        goto out;
    if (!sq_is_dir(dir)) {
        rc = sq_error_set(err, SQ_E_IO, -1, "%s exists and is not a folder", dir);
        goto out;
    }
    if (o->parquet) {
        struct store_options so = {0};
        if ((rc = store_open(&so, &st, err)))
            goto out;
    }
    g = demo__gen_new(o);
    bounds = xcalloc((size_t)o->files + 1, sizeof *bounds);
    demo__gen_split(g, o->files, bounds);
    sink.buf = xmalloc(SINK_SIZE);
    sink.cap = SINK_SIZE;

    for (int k = 0; k < o->files; k++) {
        /* "sales_0001", and the names of its file and of that file while it is written. */
        char stem[sizeof "sales_" + SQ_NUM_TEXT_MAX];
        char name[sizeof stem + sizeof "..parquet.tmp-" + SQ_NUM_TEXT_MAX];
        if (o->files == 1)
            snprintf(stem, sizeof stem, "sales");
        else
            snprintf(stem, sizeof stem, "sales_%04d", k + 1);
        long pid = (long)getpid();
        snprintf(name, sizeof name, "%s.%s", stem, ext);
        final = sq_path_join(dir, name);
        /* Hidden while being written, so a concurrent ingest never loads half a file. */
        snprintf(name, sizeof name, ".%s.csv.tmp-%ld", stem, pid);
        tmp_csv = sq_path_join(dir, name);
        if (o->parquet) {
            snprintf(name, sizeof name, ".%s.parquet.tmp-%ld", stem, pid);
            tmp_parquet = sq_path_join(dir, name);
        }

        sink.fd = open(tmp_csv, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (sink.fd < 0) {
            rc = sq_error_set(err, SQ_E_IO, -1, "cannot create %s: %s", tmp_csv, strerror(errno));
            goto out;
        }
        sink.path = tmp_csv;
        sink.bytes = 0;
        sink_put_header(&sink);
        if ((rc = demo__gen_run(g, bounds[k], bounds[k + 1], &sink, err)) ||
            (rc = demo__sink_flush(&sink, err)))
            goto out;
        int fd = sink.fd;
        sink.fd = -1;
        if (close(fd) != 0) {
            rc = sq_error_set(err, SQ_E_IO, -1, "cannot write %s: %s", tmp_csv, strerror(errno));
            goto out;
        }
        const char *done = tmp_csv;
        if (o->parquet) {
            if ((rc = csv_to_parquet(st, tmp_csv, tmp_parquet, err)))
                goto out;
            unlink(tmp_csv);
            done = tmp_parquet;
        }
        if (rename(done, final) != 0) {
            rc = sq_error_set(err, SQ_E_IO, -1, "cannot rename %s to %s: %s", done, final,
                              strerror(errno));
            goto out;
        }
        struct stat sb;
        if (stat(final, &sb) == 0)
            r.bytes += (uint64_t)sb.st_size;
        r.files++;
        free(final);
        free(tmp_csv);
        free(tmp_parquet);
        final = tmp_csv = tmp_parquet = NULL;
    }
    if ((rc = remove_stale(o, err)))
        goto out;
    r.rows = o->rows;
    r.seconds = (sq_now_ms() - t0) / 1000.0;
    if (rep)
        *rep = r;
out:
    if (sink.fd >= 0)
        close(sink.fd);
    if (tmp_csv)
        unlink(tmp_csv);
    if (tmp_parquet)
        unlink(tmp_parquet);
    free(final);
    free(tmp_csv);
    free(tmp_parquet);
    free(sink.buf);
    free(bounds);
    demo__gen_free(g);
    store_close(st);
    free(dir);
    return rc;
}
