/*
 * The schema snapshot: everything salesql knows about the loaded data, read once from
 * the catalog tables that ingest/ writes (marts, columns, types, roles, statistics, the
 * value index, files and their load status). Immutable after schema_load; a refresh makes
 * a new snapshot and the old one is freed whole.
 *
 * Ownership: schema_load returns a snapshot freed with schema_free (NULL-safe); every
 * string and array in it belongs to the snapshot.
 */
#ifndef SQ_SCHEMA_SCHEMA_H
#define SQ_SCHEMA_SCHEMA_H

#include "base/arena.h"

#include <stddef.h>

struct sq_error;
struct sq_jw;
struct store_conn;
struct playbook;

struct schema_value {
    const char *value;
    long long count;
};

struct schema_column {
    const char *name;
    const char *original; /* the name in the file; NULL for derived columns */
    const char *type;
    const char *role;         /* date | measure | dimension | identifier */
    const char *agg;          /* default aggregation of a measure ("sum", "avg") or "" */
    const char *derived_from; /* the date column a calendar part comes from, or NULL */
    const char *note;         /* how the loader read it, or NULL */
    const char *min;
    const char *max;
    double null_share;
    long long distinct;          /* approximate */
    struct schema_value *values; /* the value index, most frequent first */
    size_t nvalues;
};

struct schema_file {
    const char *path; /* relative to the data folder */
    const char *source;
    const char *encoding;
    const char *status; /* "ok", "error" or "skipped" (a symlink out of the data folder) */
    const char *error;
    const char *loaded_at;
    long long size;
    long long rows;
    double load_ms;
};

struct schema_mart {
    const char *name; /* mart_dyn_<source> */
    const char *source;
    const char *table; /* raw_<source> */
    long long rows;
    long long version; /* grows with every change to the source's data */
    int multi;
    const char *loaded_at;
    struct schema_column *cols;
    size_t ncols;
};

/* A join edge found at ingest (docs/internals/joins.md): to_col is unique and never NULL
 * in `to`, and at least 99% (coverage) of the distinct non-NULL values of from_col that
 * were checked are values of to_col. Following an edge in its direction is many-to-one:
 * joining `to` onto `from` never multiplies from's rows. Use a LEFT JOIN to keep the rows
 * whose from_col is NULL or (coverage < 1) unknown to `to`. Self references are not
 * recorded. */
struct schema_join {
    const struct schema_mart *from;
    const char *from_col;
    const struct schema_mart *to;
    const char *to_col;
    double coverage;  /* share of the checked distinct values of from_col found in to_col */
    const char *rule; /* same_name | name_suffix | entity_key | entity_name */
};

struct schema {
    struct schema_mart *marts;
    size_t nmarts;
    struct schema_file *files;
    size_t nfiles;
    struct schema_join *joins; /* ordered by from mart, from column, to mart, to column */
    size_t njoins;
    struct sq_arena arena;
};

/* Reads the snapshot; a database never refreshed gives an empty schema. */
int schema_load(struct store_conn *c, struct schema **out, struct sq_error *err);
void schema_free(struct schema *s);
const struct schema_mart *schema_find_mart(const struct schema *s, const char *name);
const struct schema_column *schema_find_column(const struct schema_mart *m, const char *name);
/* The shortest chain of join edges from mart `from` to mart `to`, following edges only in
 * their direction (many-to-one), so that LEFT JOINs along it keep exactly from's rows. On
 * success path[0..*len) holds the edges in order (path[0]->from == from, path[*len-1]->to
 * == to, each edge's `to` the next one's `from`); *len is 0 when from == to. path must
 * have room for max edges; longer paths are not searched. Among paths of the same length
 * the one whose edges come first in s->joins order wins, so the answer is deterministic;
 * where two edges link the same marts (sales.order_date and sales.ship_date to a
 * calendar) a caller that means a particular column should pick the edge itself.
 * Returns 0, or SQ_E_NOT_FOUND (with *len 0) when there is no such path. The edges
 * point into s. */
int schema_join_path(const struct schema *s, const struct schema_mart *from,
                     const struct schema_mart *to, const struct schema_join **path, size_t max,
                     size_t *len);
/* The length of the longest prefix of whole words ending in '_' that every source's name
 * shares ("adventure_works_"), 0 with fewer than two marts. */
size_t schema_common_prefix(const struct schema *s);
/* 1 if a catalog type (DuckDB's name for it) holds numbers; integers only. */
int schema_type_is_numeric(const char *type);
int schema_type_is_integer(const char *type);
/* Writes {"marts": [...], "joins": [...], "files": [...], "playbook": {...}} as one JSON
 * value. */
void schema_write_json(const struct schema *s, const struct playbook *pb, struct sq_jw *w);
/* The same members without the braces, for a caller that adds its own ("model"). */
void schema_write_json_members(const struct schema *s, const struct playbook *pb, struct sq_jw *w);

#endif
