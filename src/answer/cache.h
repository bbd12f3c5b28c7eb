/*
 * The answer cache: answers already computed, shared by every answerer of a process (the
 * server's workers and its connection threads, the CLI's one), least recently used out,
 * bounded by entries and by bytes. Given a database, it is also kept in the catalog table
 * salesql_answer_cache, so that the next `salesql ask` or a restarted server reuses what
 * an earlier process paid for — a deep answer's model calls above all.
 *
 * Keys are built by answer.c (the question, the mode or model, the session's frame, the
 * version of every mart the answer read, the row cap): a key names exactly one answer, so
 * an entry is never stale, only useless once a mart it names has a new version, and
 * answer_cache_prune drops those. A failed database read is a miss and a failed write a
 * warning on stderr: the cache never fails an answer.
 *
 * Ownership: answer_cache_new returns a cache freed with answer_cache_free, after every
 * answerer that uses it; it borrows the store (which must outlive it) and opens its own
 * connection on it. Entries are copies: answer_cache_put copies the answer, a hit copies
 * it out into a caller-owned struct answer (answer_fini frees it). Thread-safe: one mutex
 * guards memory and is held only to find, link or unlink an entry (copies are made
 * outside it); another serializes the database connection, which a writer thread uses to
 * write what is put (so a put never waits for the database; answer_cache_free and
 * answer_cache_prune wait for what is queued).
 */
#ifndef SQ_ANSWER_CACHE_H
#define SQ_ANSWER_CACHE_H

#include <stddef.h>

struct answer;
struct answer_cache;
struct schema;
struct store;

/* The defaults of struct answer_cache_limits (a field left 0 takes its default). */
enum {
    ANSWER_CACHE_ENTRIES = 1024,                /* answers in memory */
    ANSWER_CACHE_BYTES = 64 * 1024 * 1024,      /* their size in memory */
    ANSWER_CACHE_ENTRY_BYTES = 8 * 1024 * 1024, /* a larger answer is not kept */
    ANSWER_CACHE_DB_ENTRIES = 4096,             /* answers in the database, newest */
    ANSWER_CACHE_DB_BYTES = 256 * 1024 * 1024,  /* their size there, newest */
    ANSWER_CACHE_TRIM_EVERY = 32                /* writes between two trims */
};

struct answer_cache_limits {
    size_t entries, bytes, entry_bytes; /* memory */
    size_t db_entries, db_bytes;        /* the database */
    /* With a read-only database: how many answers put are also held for
     * answer_cache_save (0, the default: none). */
    size_t pending;
};

/* Where answer_cache_get looks. */
enum answer_cache_where {
    ANSWER_CACHE_MEMORY, /* memory only: never waits for the database */
    ANSWER_CACHE_ANY     /* memory, then the database (a hit there is kept in memory) */
};

struct answer_cache_stats {
    size_t entries, bytes; /* in memory now */
    size_t hits, misses;   /* lookups, wherever answered */
    size_t db_reads;       /* misses in memory that asked the database */
    size_t db_hits, db_writes, db_errors;
    size_t db_dropped; /* not written: the write queue was full */
    int reads, writes; /* 1 when the database is read, and written */
    size_t pending;    /* answers held for answer_cache_save */
};

/* A cache with lim (NULL: the defaults). With st (may be NULL) opened for writing,
 * answers are also kept in salesql_answer_cache (created if missing, trimmed to its
 * bounds). A read-only database is only read (when it has the table): what is put then
 * stays in memory, and the first lim->pending answers are also held for
 * answer_cache_save. A database where the table cannot be made leaves the cache in
 * memory only, with a warning. */
struct answer_cache *answer_cache_new(const struct answer_cache_limits *lim, struct store *st);
/* Closes the cache's connection to the database (call before closing that store when the
 * cache lives on); the cache goes on in memory, holding what it holds for a save. */
void answer_cache_detach(struct answer_cache *c);
/* Writes the answers held since a read-only start into st (opened for writing) and
 * returns how many were kept; failures are warnings. For the CLI, which opens the
 * database read-only when nothing needs a refresh and reopens it to keep a deep answer. */
size_t answer_cache_save(struct answer_cache *c, struct store *st);
void answer_cache_free(struct answer_cache *c);

/* 1 and a copy of the answer under key in *out, or 0 (out untouched) on a miss. */
int answer_cache_get(struct answer_cache *c, const char *key, enum answer_cache_where where,
                     struct answer *out);
/* Keeps a copy of a under key, in memory and in the database. kind is "fast" or "deep";
 * marts lists what the answer read, one answer__mart_token a line (for pruning). An answer
 * larger than entry_bytes is not kept. */
void answer_cache_put(struct answer_cache *c, const char *key, const char *kind, const char *marts,
                      const struct answer *a);
/* Drops every answer, in memory and in the database, that read a mart whose version s no
 * longer has (an ingest changed or dropped it), then trims the database to its bounds.
 * Cheap: call after a refresh. */
void answer_cache_prune(struct answer_cache *c, const struct schema *s);
void answer_cache_stats(struct answer_cache *c, struct answer_cache_stats *out);

#endif
