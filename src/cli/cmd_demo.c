/*
 * `salesql demo`: parses the options, writes a synthetic sales data set through the demo
 * module (demo/demo.h), shows progress on a terminal and prints a one-line summary.
 */
#include "cli/cli.h"

#include "base/error.h"
#include "base/fs.h"
#include "base/limits.h"
#include "demo/demo.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: salesql demo [OPTIONS]\n\n"
            "Writes a realistic synthetic sales data set (Superstore-like order lines: dates,\n"
            "customers, regions, products, quantities, discounts, sales, profit, returns) that\n"
            "`salesql ingest` and `salesql ask` can use right away. The same options always\n"
            "give the same bytes.\n\n"
            "Options:\n"
            "  --rows N          order lines to write (default 100000; 5M and 2k work too)\n"
            "  --out DIR         folder to write into (default ./data; --data is the same)\n"
            "  --files N         1: DIR/sales.csv; N > 1: DIR/sales/sales_0001.csv ... split\n"
            "                    by date, like monthly exports (default 1)\n"
            "  --format F        csv or parquet (zstd) (default csv)\n"
            "  --seed N          random seed (default 42)\n"
            "  --start-year Y    first year of orders (default 2021)\n"
            "  --years K         years of orders (default 4)\n"
            "  --quiet           no progress line and no summary\n"
            "  --help            show this help\n\n"
            "Only sales.csv|parquet and sales/sales_NNNN.csv|parquet are written; those an\n"
            "earlier run wrote in another layout or format are removed, other files are kept.\n\n"
            "Example: salesql demo --rows 1M --files 12 --out data && salesql ask --data data "
            "\"sales by region\"\n");
}

/* A count like 100000, 250k, 5M or 1G; 0 on success, -1 if s is not one or exceeds max. */
static int parse_count(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    uint64_t mult = 1;
    if (*p == 'k' || *p == 'K')
        mult = 1000;
    else if (*p == 'm' || *p == 'M')
        mult = 1000000;
    else if (*p == 'g' || *p == 'G' || *p == 'b' || *p == 'B')
        mult = 1000000000;
    if (mult > 1)
        p++;
    if (*p || v > max / mult)
        return -1;
    *out = v * mult;
    return 0;
}

static int parse_int(const char *s, int max, int *out)
{
    uint64_t v;
    if (parse_count(s, (uint64_t)max, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* 1234567 -> "1,234,567". */
static const char *group_digits(char *out, size_t n, uint64_t v)
{
    char plain[SQ_NUM_TEXT_MAX];
    int len = snprintf(plain, sizeof plain, "%llu", (unsigned long long)v);
    size_t j = 0;
    for (int i = 0; i < len && j + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = plain[i];
    }
    out[j] = '\0';
    return out;
}

struct progress {
    double last_ms;
};

static void on_progress(void *ud, uint64_t done, uint64_t total)
{
    struct progress *p = ud;
    double now = sq_now_ms();
    if (done < total && now - p->last_ms < 100)
        return;
    p->last_ms = now;
    char a[SQ_NUM_TEXT_MAX], b[SQ_NUM_TEXT_MAX];
    fprintf(stderr, "\r\033[Ksalesql: demo: %s / %s rows (%d%%)", group_digits(a, sizeof a, done),
            group_digits(b, sizeof b, total), (int)(total ? done * 100 / total : 100));
}

struct demo_cli {
    struct demo_options o;
    int quiet;
};

static int own_option(void *ud, const char *name, const char *arg)
{
    struct demo_cli *d = ud;
    struct demo_options *o = &d->o;
    if (strcmp(name, "quiet") == 0) {
        d->quiet = 1;
    } else if (strcmp(name, "rows") == 0) {
        if (parse_count(arg, DEMO_MAX_ROWS, &o->rows) != 0 || o->rows == 0) {
            cli_usage_error("demo",
                            "--rows wants a number from 1 to 10G, such as 100000 or 5M, "
                            "not '%s'",
                            arg);
            return -1;
        }
    } else if (strcmp(name, "out") == 0 || strcmp(name, "data") == 0) {
        o->out_dir = arg;
    } else if (strcmp(name, "files") == 0) {
        if (parse_int(arg, DEMO_MAX_FILES, &o->files) != 0 || o->files == 0) {
            cli_usage_error("demo", "--files wants a number from 1 to %d, not '%s'", DEMO_MAX_FILES,
                            arg);
            return -1;
        }
    } else if (strcmp(name, "format") == 0) {
        if (strcmp(arg, "csv") == 0) {
            o->parquet = 0;
        } else if (strcmp(arg, "parquet") == 0) {
            o->parquet = 1;
        } else {
            cli_usage_error("demo", "--format wants csv or parquet, not '%s'", arg);
            return -1;
        }
    } else if (strcmp(name, "seed") == 0) {
        if (parse_count(arg, UINT64_MAX, &o->seed) != 0) {
            cli_usage_error("demo", "--seed wants a whole number, not '%s'", arg);
            return -1;
        }
    } else if (strcmp(name, "start-year") == 0) {
        if (parse_int(arg, 9999, &o->start_year) != 0) {
            cli_usage_error("demo", "--start-year wants a year such as 2021, not '%s'", arg);
            return -1;
        }
    } else if (strcmp(name, "years") == 0) {
        if (parse_int(arg, DEMO_MAX_YEARS, &o->years) != 0 || o->years == 0) {
            cli_usage_error("demo", "--years wants a number from 1 to %d, not '%s'", DEMO_MAX_YEARS,
                            arg);
            return -1;
        }
    } else {
        return -1;
    }
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"rows", required_argument, 0, 0},
                                         {"out", required_argument, 0, 0},
                                         {"data", required_argument, 0, 0},
                                         {"files", required_argument, 0, 0},
                                         {"format", required_argument, 0, 0},
                                         {"seed", required_argument, 0, 0},
                                         {"start-year", required_argument, 0, 0},
                                         {"years", required_argument, 0, 0},
                                         {"quiet", no_argument, 0, 0},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct demo_cli d = {0};
    demo_options_init(&d.o);
    int first, status;
    if (cli_parse("demo", argc, argv, opts, NULL, own_option, &d, usage, &first, &status))
        return status;
    struct demo_options o = d.o;
    int quiet = d.quiet;
    if (first < argc)
        return cli_usage_error("demo", "unexpected argument '%s'", argv[first]);

    struct sq_error err;
    sq_error_clear(&err);
    if (demo_check_options(&o, &err) != 0)
        return cli_usage_error("demo", "%s", err.msg);
    struct progress prog = {0};
    int tty = !quiet && isatty(2);
    if (tty) {
        o.progress = on_progress;
        o.ud = &prog;
    }
    struct demo_report rep;
    int rc = demo_write(&o, &rep, &err);
    if (tty)
        fprintf(stderr, "\r\033[K");
    if (rc != 0)
        return cli_fail(&err);
    if (!quiet) {
        const char *ext = o.parquet ? "parquet" : "csv";
        char rows[SQ_NUM_TEXT_MAX], a[SQ_NUM_TEXT_MAX];
        char where[sizeof "sales/sales_0001...parquet" + SQ_NUM_TEXT_MAX];
        size_t n = strlen(o.out_dir);
        const char *sep = n && o.out_dir[n - 1] == '/' ? "" : "/";
        if (o.files == 1)
            snprintf(where, sizeof where, "sales.%s", ext);
        else
            snprintf(where, sizeof where, "sales/sales_0001..%04d.%s", o.files, ext);
        double rate = rep.seconds > 0 ? (double)rep.rows / rep.seconds : 0;
        char speed[SQ_NUM_TEXT_MAX + sizeof " M rows/s"];
        if (rate >= 1e6)
            snprintf(speed, sizeof speed, "%.2f M rows/s", rate / 1e6);
        else
            snprintf(speed, sizeof speed, "%s rows/s", group_digits(a, sizeof a, (uint64_t)rate));
        fprintf(stderr,
                "salesql: demo: wrote %s row%s to %s%s%s (%d file%s, %.1f MB) in %.2f s, %s\n",
                group_digits(rows, sizeof rows, rep.rows), rep.rows == 1 ? "" : "s", o.out_dir, sep,
                where, rep.files, rep.files == 1 ? "" : "s", (double)rep.bytes / 1e6, rep.seconds,
                speed);
    }
    return 0;
}
