/*
 * Finding the data files under the data folder and grouping them into sources.
 *
 * scan_folder lists every *.csv, *.tsv, *.csv.gz, *.tsv.gz and *.parquet file (hidden
 * files and folders skipped), sorted by path. scan_group decides which files form one
 * source, following DESIGN.md: a top-level sub-folder whose files all share a header is
 * one source named after the folder; elsewhere, files of one folder whose names differ
 * only in digits and share a header are one source named after the common stem. Headers
 * are shared when they have at least half of their column names in common (a later export
 * may add a column); any
 * other file is a source of its own named after its stem.
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

struct scan_list {
    struct scan_file *files;
    size_t n;
    size_t cap;
};

/* The most files and folder depth a scan follows; more is an error, not a hang. */
enum { SCAN_MAX_FILES = 200000, SCAN_MAX_DEPTH = 32 };

int scan_folder(const char *dir, struct scan_list *out, struct sq_error *err);
void scan_list_fini(struct scan_list *l);
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
/* 1 if two header signatures may form one source (they share at least half of their
 * column names), else 0. */
int scan_headers_compatible(const char *a, const char *b);

#endif
