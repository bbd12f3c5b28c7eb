/*
 * Finding the data files under the data folder and grouping them into sources.
 *
 * scan_folder lists every *.csv, *.tsv, *.csv.gz, *.tsv.gz and *.parquet file (hidden
 * files and folders skipped), sorted by path. Symbolic links are followed only while they
 * stay inside the data folder (unless SCAN_FOLLOW_SYMLINKS): a link to /etc/passwd named
 * passwd.csv is not data to load, and a query must never read it. Links left out, dangling
 * ones and loops are listed with the reason, so the user hears why. scan_group decides which files
 * form one source, following DESIGN.md: a top-level sub-folder whose files all share a header is
 * one source named after the folder (top-level hive partitions, year=2023/ year=2024/
 * ..., count as one folder named after the data folder); elsewhere, files of one folder
 * whose names differ only in digits and share a header are one source named after the
 * common stem. Headers are shared when they have at least half of their column names in
 * common (a later export may add a column); any other file is a source of its own named
 * after its stem.
 *
 * Ownership: struct scan_list and the sources array are caller-owned; free them with
 * scan_list_fini and scan_sources_free.
 */
#ifndef SQ_INGEST_SCAN_H
#define SQ_INGEST_SCAN_H

#include <stddef.h>

struct sq_error;

enum scan_kind { SCAN_CSV, SCAN_TSV, SCAN_PARQUET };

struct scan_file {
    char *path; /* absolute */
    char *rel;  /* relative to the data folder, '/'-separated */
    long long size;
    long long mtime_ns;
    enum scan_kind kind;
    int gzip;
};

/* A symbolic link the scan did not follow. */
struct scan_skip {
    char *rel;    /* relative to the data folder, '/'-separated */
    char *reason; /* "a symlink to /etc/passwd, outside the data folder; ..." */
};

struct scan_list {
    struct scan_file *files;
    size_t n;
    size_t cap;
    struct scan_skip *skipped; /* sorted by rel */
    size_t nskipped;
};

/* The most files and folder depth a scan follows; more is an error, not a hang. */
enum { SCAN_MAX_FILES = 200000, SCAN_MAX_DEPTH = 32 };
/* The most skipped links a scan lists; beyond, they are still skipped, silently. */
enum { SCAN_MAX_SKIPPED = 1000 };

/* scan_folder flags. FOLLOW_SYMLINKS: links to files and folders outside the data folder
 * are followed too (loops are still cut). */
enum { SCAN_FOLLOW_SYMLINKS = 1 };

int scan_folder(const char *dir, int flags, struct scan_list *out, struct sq_error *err);
void scan_list_fini(struct scan_list *l);
/* The index of the file whose relative path is rel (a binary search: the list is sorted by
 * rel), or -1. */
long scan_find(const struct scan_list *l, const char *rel);
/* Classifies a file name by its extension; returns 0 if it is a data file. */
int scan_classify(const char *name, enum scan_kind *kind, int *gzip);

struct scan_source {
    char *name;    /* snake_case, unique among the sources */
    size_t *files; /* indexes into the scan_list, ascending */
    size_t nfiles;
    int multi; /* 1 if the source is built from a group (folder or digit series) */
};

/* Groups files into sources. headers[i] is a signature of file i's column names (""
 * when unknown: such a file is never grouped). */
int scan_group(const struct scan_list *l, char *const *headers, struct scan_source **out,
               size_t *n);
void scan_sources_free(struct scan_source *s, size_t n);
/* 1 if file fi (an index into the scan_list) belongs to src, else 0. */
int scan_source_has(const struct scan_source *src, size_t fi);
/* DuckDB reader options for the hive partitions of files[0..n) of l (folders named
 * key=value, as in sales/year=2024/month=07/part-0.parquet): when every file sits under the
 * same keys, ", hive_partitioning = true, hive_types = {...}" with each key typed INTEGER
 * when all its values are integers, DATE when all are YYYY-MM-DD dates, else VARCHAR (so
 * month=07 is the number 7 in every file, whatever one file alone would suggest);
 * otherwise ", hive_partitioning = false". A heap string. */
char *scan_hive_options(const struct scan_list *l, const size_t *files, size_t n);

/* 1 if two header signatures may form one source (they share at least half of their
 * column names), else 0. */
int scan_headers_compatible(const char *a, const char *b);

#endif
