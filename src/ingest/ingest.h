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

#include <stdatomic.h>
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

/* How sources made only of Parquet files are kept. LOAD copies them into tables (the
 * fastest queries; a changed file that breaks keeps its last good version); VIEW reads
 * them in place through a view over read_parquet (no copy; each file is read once for its
 * statistics; full scans of Parquet measured 1.3-3.5x slower); AUTO loads a source under
 * INGEST_PARQUET_VIEW_MIN_BYTES and reads a bigger one in place. DEFAULT: the mode the
 * last run that named one used (kept in the database), else AUTO. */
enum ingest_parquet_mode {
    INGEST_PARQUET_DEFAULT,
    INGEST_PARQUET_AUTO,
    INGEST_PARQUET_LOAD,
    INGEST_PARQUET_VIEW
};
#define INGEST_PARQUET_VIEW_MIN_BYTES (1000LL * 1000 * 1000)

/* Symbolic links whose target (resolved) is outside the data folder. SKIP leaves them out
 * and lists them in the report and the catalog, so data/passwd.csv -> /etc/passwd never
 * becomes a mart, and a source loaded through one earlier is dropped like a deleted file;
 * links inside the folder are followed either way, loops are cut. FOLLOW loads them.
 * DEFAULT: what the last refresh that said did (kept in the database), else SKIP, so the
 * server's refreshes do what `salesql serve` was started with. */
enum ingest_symlinks { INGEST_SYMLINKS_DEFAULT, INGEST_SYMLINKS_SKIP, INGEST_SYMLINKS_FOLLOW };

/* Batches of 1 GiB (four files of 250 MB): every byte is read once and never copied at
 * any size (a later batch that fits the table goes straight into it), and what an
 * interruption loses stays bounded. */
#define INGEST_DEFAULT_BATCH_BYTES (1024LL * 1024 * 1024)

struct ingest_options {
    const char *data_dir;
    const char *staging_dir; /* where UTF-8 copies of other encodings go; emptied per run */
    const struct playbook *playbook;
    int full; /* reload every file, changed or not */
    enum ingest_parquet_mode parquet;
    /* When set (a signal handler may set it), the refresh stops at the next file (or batch)
     * boundary: what is being loaded is rolled back, every file committed before stays,
     * and the refresh fails with SQ_E_INTERRUPTED; the next run loads the rest. May be
     * NULL. */
    const atomic_int *cancel;
    enum ingest_symlinks symlinks;
    /* The files of a folder source that read alike load in one statement and one
     * transaction, up to this many bytes of them: 0 is INGEST_DEFAULT_BATCH_BYTES, a
     * negative value one file at a time. A Ctrl-C or a crash loses the batch in flight. */
    long long batch_bytes;
    /* Where `compact` writes Parquet parts; NULL: ingest_compact_dir(the database). */
    const char *compact_dir;
    void (*progress)(void *ud, const struct ingest_event *ev);
    void *ud;
};

struct ingest_failure {
    char *path;
    char *error;
};

/* A symbolic link the refresh did not follow (see enum ingest_symlinks). The
 * catalog keeps them as rows of salesql_files with status 'skipped' and the reason as
 * error, so `salesql schema` lists them. */
struct ingest_skip {
    char *path; /* relative to the data folder */
    char *reason;
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
    struct ingest_skip *skipped;
    size_t nskipped;
};

/* Brings the database up to date with the data folder. Returns 0 even when some files
 * failed (see report->failed); fails only when the refresh as a whole cannot run, or with
 * SQ_E_INTERRUPTED (and a message that says how far it got) when o->cancel was set. */
int ingest_refresh(struct store *s, const struct ingest_options *o, struct ingest_report *rep,
                   struct sq_error *err);
/* Sets *changed to the number of new, changed or gone files (and of links newly skipped or
 * no longer skipped), as a refresh with these symlinks would see them, without loading
 * anything (cheap: one stat per file and a few catalog queries). */
int ingest_pending(struct store *s, const char *data_dir, enum ingest_symlinks symlinks,
                   size_t *changed, struct sq_error *err);
/* Sets *n to the number of CSV and Parquet files in data_dir a refresh would load, without
 * a database; SQ_E_NOT_FOUND (with the fix in the message) when the folder is missing. */
int ingest_count_files(const char *data_dir, enum ingest_symlinks symlinks, size_t *n,
                       struct sq_error *err);
void ingest_report_fini(struct ingest_report *rep);
/* "view", "load" or "auto" to the mode; -1 for anything else. */
int ingest_parse_parquet_mode(const char *s, enum ingest_parquet_mode *out);

/* The folder of compacted Parquet parts for a database file: "<its folder>/compact". Queries
 * read the parts, so a lockdown must allow it. A heap string. */
char *ingest_compact_dir(const char *db_path);

struct ingest_compact_report {
    size_t sources;          /* sources now served from Parquet parts */
    size_t files;            /* parts written in this run */
    long long csv_bytes;     /* size of the data files of those sources */
    long long parquet_bytes; /* size of their parts */
    double free_share;       /* share of the database file's blocks now free (0..1) */
    double ms;
};

/* `salesql compact`: rewrites every CSV source (a loaded table) as zstd Parquet, one part per
 * data file under o->compact_dir/<source>/, then serves it through a view over the parts
 * and drops the table, so the database file no longer holds the rows. Each part commits
 * on its own (an interrupted run continues where it stopped); the switch to the view is
 * one transaction. Later refreshes keep such a source compact: a changed file is staged
 * and written as a new part. Run after ingest_refresh. */
int ingest_compact(struct store *s, const struct ingest_options *o,
                   struct ingest_compact_report *rep, struct sq_error *err);

/* The guessed role of a column from its name, type and profile: "date", "measure",
 * "dimension" or "identifier"; *agg is set to the default aggregation for measures
 * ("sum" or "avg") and to "" otherwise. Exposed for tests. */
const char *ingest_guess_role(const char *name, const char *type, long long distinct,
                              long long rows, const char **agg);

#endif
