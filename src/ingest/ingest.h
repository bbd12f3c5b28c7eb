/*
 * Loading the data folder into the database: scan, decide what changed since the last
 * refresh (by size and mtime), load each new or changed file in its own transaction,
 * drop sources whose files are gone, rebuild the mart_dyn_* views, and profile what
 * changed. A file that fails keeps the last good version of its data and records the
 * error. Called by the CLI (ingest, and before schema/sql/ask) and by the server.
 *
 * Ownership: options and the playbook are borrowed; the report is caller-owned and its
 * error list is freed with ingest_report_fini.
 */
#ifndef SQ_INGEST_INGEST_H
#define SQ_INGEST_INGEST_H

#include <stddef.h>

struct sq_error;
struct store;
struct playbook;

enum ingest_event_kind {
    INGEST_SCANNED,       /* total = files found, index = files changed */
    INGEST_FILE_START,    /* path, source, bytes; index/total count the files to load */
    INGEST_FILE_PROGRESS, /* while a file loads: bytes (estimated), rows, ms so far */
    INGEST_FILE_DONE,     /* rows, ms */
    INGEST_FILE_FAILED,   /* error */
    INGEST_SOURCE_DROPPED,
    INGEST_PROFILING, /* source */
};

struct ingest_event {
    enum ingest_event_kind kind;
    const char *path; /* relative to the data folder */
    const char *source;
    long long bytes;
    long long rows;
    double ms;
    const char *error;
    size_t index;
    size_t total;
};

struct ingest_options {
    const char *data_dir;
    const char *staging_dir; /* where UTF-8 copies of other encodings go; emptied per run */
    const struct playbook *playbook;
    int full; /* reload every file, changed or not */
    void (*progress)(void *ud, const struct ingest_event *ev);
    void *ud;
};

struct ingest_failure {
    char *path;
    char *error;
};

struct ingest_report {
    size_t files;   /* data files found */
    size_t changed; /* new, changed or gone */
    size_t loaded;
    size_t failed;
    size_t dropped; /* sources removed because their files are gone */
    size_t sources; /* sources in the database afterwards */
    long long rows; /* rows loaded in this run */
    double ms;
    struct ingest_failure *failures;
    size_t nfailures;
};

/* Brings the database up to date with the data folder. Returns 0 even when some files
 * failed (see report->failed); fails only when the refresh as a whole cannot run. */
int ingest_refresh(struct store *s, const struct ingest_options *o, struct ingest_report *rep,
                   struct sq_error *err);
/* Sets *changed to the number of new, changed or gone files, without loading anything
 * (cheap: one stat per file and one catalog query). */
int ingest_pending(struct store *s, const char *data_dir, size_t *changed, struct sq_error *err);
void ingest_report_fini(struct ingest_report *rep);

/* The guessed role of a column from its name, type and profile: "date", "measure",
 * "dimension" or "identifier"; *agg is set to the default aggregation for measures
 * ("sum" or "avg") and to "" otherwise. Exposed for tests. */
const char *ingest_guess_role(const char *name, const char *type, long long distinct,
                              long long rows, const char **agg);

#endif
