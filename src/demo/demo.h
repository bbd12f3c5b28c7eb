/*
 * `salesql demo`: a realistic, deterministic synthetic sales data set (one flat table of
 * Superstore-like order lines) written as CSV or zstd Parquet, for trying salesql without
 * data of one's own and for benchmarks. The same options always give byte-identical files.
 *
 * Ownership: options and reports are caller-owned; the module keeps no pointer to them
 * after a call returns. Functions that can fail return 0 or a negative SQ_E_* code with
 * err filled.
 */
#ifndef SQ_DEMO_DEMO_H
#define SQ_DEMO_DEMO_H

#include <stdint.h>
#include <stdio.h>

struct sq_error;

#define DEMO_MAX_ROWS 10000000000ULL /* 10 billion lines, about 2 TB of CSV */
#define DEMO_MAX_FILES 9999          /* sales_0001 ... sales_9999 */
#define DEMO_MIN_YEAR 1900
#define DEMO_MAX_YEAR 2100 /* the last order year */
#define DEMO_MAX_YEARS 50

struct demo_options {
    uint64_t rows;       /* order lines in total */
    const char *out_dir; /* folder that receives sales.csv or sales/sales_NNNN.csv */
    /* 1: OUT/sales.csv; N > 1: OUT/sales/sales_0001.csv ... split by date, whole days per
     * file (so with about as many files as days, a file may hold only the header). */
    int files;
    int parquet; /* 1: zstd Parquet files instead of CSV */
    uint64_t seed;
    int start_year; /* orders run from January 1 of start_year ... */
    int years;      /* ... to December 31 of start_year + years - 1 */
    /* Called every 65,536 rows and at the end, from the calling thread; may be NULL. */
    void (*progress)(void *ud, uint64_t rows_done, uint64_t rows_total);
    void *ud;
};

struct demo_report {
    int files;
    uint64_t rows;
    uint64_t bytes; /* total size of the files written */
    double seconds;
};

/* The defaults of `salesql demo`: 100,000 rows, ./data, one CSV file, seed 42, 2021-2024. */
void demo_options_init(struct demo_options *o);
/* SQ_E_USAGE with a message naming the bad option, or 0. */
int demo_check_options(const struct demo_options *o, struct sq_error *err);

/* Writes the data set into o->out_dir (created if missing). Each file is written under a
 * hidden temporary name and renamed into place. Only files the generator names are written:
 * OUT/sales.csv|parquet and OUT/sales/sales_NNNN.csv|parquet. After a successful run, such
 * files that this run did not write (another layout or format, parts beyond the file
 * count) are removed if their content is the generator's (our CSV header, our Parquet
 * columns), so the folder never holds two copies of the data. */
int demo_write(const struct demo_options *o, struct demo_report *rep, struct sq_error *err);

/* Writes the whole data set (header + o->rows lines, the rows of every file in order) as
 * CSV to f, ignoring out_dir, files and parquet. For tests and benchmarks. */
int demo_write_csv(const struct demo_options *o, FILE *f, struct sq_error *err);

/* The CSV header line, without the newline. */
const char *demo_csv_header(void);

#endif
