/*
 * The answer cache (answer/cache.h): a hash table of reference-counted entries on a
 * least-recently-used list, bounded by entries and bytes, and, when the store is
 * writable, the catalog table salesql_answer_cache behind it: written by a writer thread
 * in batches as answers are computed, read on a miss in memory (only for keys it may
 * hold), trimmed to the newest entries. Used by answer.c's answerers; calls store/ for the
 * table and jansson to read entries back.
 */
#include "answer/cache.h"

#include "answer/answer.h"
#include "answer/internal.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "schema/schema.h"
#include "store/store.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    FORMAT = 1,                     /* of the answer JSON kept in the database ("v") */
    WRITE_QUEUE = 256,              /* answers waiting to be written, at most ... */
    WRITE_BYTES = 64 * 1024 * 1024, /* ... and their size; past either, one is not kept */
    WRITE_CHUNK = 4 * 1024 * 1024,  /* SQL written in one transaction, about */
    TABLE_COLUMNS = 9               /* of CREATE_TABLE */
};

static const char *const CREATE_TABLE =
    "CREATE TABLE IF NOT EXISTS salesql_answer_cache (key VARCHAR NOT NULL, kind VARCHAR NOT "
    "NULL, marts VARCHAR NOT NULL, answer VARCHAR NOT NULL, bytes BIGINT NOT NULL, created_at "
    "TIMESTAMP NOT NULL, used_at TIMESTAMP NOT NULL, used_us BIGINT NOT NULL, hits BIGINT NOT "
    "NULL)";

/* Microseconds since the epoch, never the same twice in a process: what orders the table's
 * rows by last use (now() is one value for a whole transaction). */
static long long use_clock(void)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static long long last;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    pthread_mutex_lock(&mu);
    if (us <= last)
        us = last + 1;
    last = us;
    pthread_mutex_unlock(&mu);
    return us;
}

struct entry {
    char *key;
    char *marts;
    char kind[sizeof "fast"]; /* "fast" or "deep" */
    size_t bytes;
    uint64_t hash;
    struct answer a;
    int refs;   /* readers copying it out now, and the writer (under mu) */
    int linked; /* in the table and on the list (under mu) */
    struct entry *hnext, *prev, *next;
    struct entry *wnext; /* on the write queue */
};

/* An answer put while the database was read-only, for answer_cache_save. */
struct held {
    char *key, *kind, *marts, *json;
    struct held *next;
};

struct answer_cache {
    struct answer_cache_limits lim;
    pthread_mutex_t mu; /* the table, the list, st, the write queue and the key set */
    struct entry **buckets;
    size_t nbuckets;           /* a power of two */
    struct entry *head, *tail; /* most recently used first */
    struct answer_cache_stats st;
    /* Answers waiting for the writer thread (their references held), oldest first. */
    struct entry *wq, **wq_tail;
    size_t wq_n, wq_bytes;
    int writing, stop;
    pthread_cond_t wake; /* something queued, or stop */
    pthread_cond_t idle; /* nothing queued or being written */
    uint64_t *keys;      /* hashes of the keys the table may hold (keys_add) */
    size_t nkeys, keys_cap;
    int keys_known;        /* 0: not loaded, every miss asks the database */
    pthread_mutex_t db_mu; /* everything below */
    struct store_conn *db; /* NULL: memory only */
    int writable;          /* 0: db is only read */
    size_t writes;         /* since the last trim */
    struct held *held;     /* newest first */
    size_t nheld;
    pthread_t writer;
    int has_writer;
};

static void keys_add(struct answer_cache *c, uint64_t h);

static uint64_t hash_of(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

static void entry_free(struct entry *e)
{
    if (!e)
        return;
    free(e->key);
    free(e->marts);
    answer_fini(&e->a);
    free(e);
}

/* ---- Memory (call with mu held) ------------------------------------------------------ */

static struct entry *find(struct answer_cache *c, const char *key, uint64_t h)
{
    for (struct entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void list_unlink(struct answer_cache *c, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void list_front(struct answer_cache *c, struct entry *e)
{
    e->next = c->head;
    e->prev = NULL;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

/* Takes e out of the table; returns it when nobody is copying it (the caller frees it
 * after unlocking), NULL when the last reader will. */
static struct entry *unlink_entry(struct answer_cache *c, struct entry *e)
{
    struct entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    e->hnext = NULL;
    list_unlink(c, e);
    e->linked = 0;
    c->st.entries--;
    c->st.bytes -= e->bytes;
    return e->refs ? NULL : e;
}

/* Links e at the front, replacing an entry of the same key, and evicts from the back past
 * the bounds; what must be freed is chained on *dead (through hnext). */
static void link_entry(struct answer_cache *c, struct entry *e, struct entry **dead)
{
    struct entry *old = find(c, e->key, e->hash);
    if (old) {
        struct entry *d = unlink_entry(c, old);
        if (d) {
            d->hnext = *dead;
            *dead = d;
        }
    }
    size_t b = e->hash & (c->nbuckets - 1);
    e->hnext = c->buckets[b];
    c->buckets[b] = e;
    list_front(c, e);
    e->linked = 1;
    c->st.entries++;
    c->st.bytes += e->bytes;
    while (c->tail && c->tail != e &&
           (c->st.entries > c->lim.entries || c->st.bytes > c->lim.bytes)) {
        struct entry *d = unlink_entry(c, c->tail);
        if (d) {
            d->hnext = *dead;
            *dead = d;
        }
    }
}

static void free_chain(struct entry *dead)
{
    while (dead) {
        struct entry *next = dead->hnext;
        entry_free(dead);
        dead = next;
    }
}

static struct entry *entry_new(const char *key, const char *kind, const char *marts, size_t bytes)
{
    struct entry *e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    e->marts = xstrdup(marts ? marts : "");
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    e->bytes = bytes;
    e->hash = hash_of(key);
    return e;
}

/* Keeps e in memory (taking it) and, when write is set and there is a writer, queues it
 * to be written to the database (an answer past the queue's bounds is only in memory). */
static void keep(struct answer_cache *c, struct entry *e, int write)
{
    struct entry *dead = NULL;
    pthread_mutex_lock(&c->mu);
    link_entry(c, e, &dead);
    if (write && c->has_writer && !c->stop) {
        if (c->wq_n < WRITE_QUEUE && c->wq_bytes + e->bytes <= WRITE_BYTES) {
            e->refs++;
            *c->wq_tail = e;
            c->wq_tail = &e->wnext;
            c->wq_n++;
            c->wq_bytes += e->bytes;
            keys_add(c, e->hash);
            pthread_cond_signal(&c->wake);
        } else {
            c->st.db_dropped++;
        }
    }
    pthread_mutex_unlock(&c->mu);
    free_chain(dead);
}

/* ---- The answer as JSON, for the database ------------------------------------------- */

static const char cell_kinds[] = {
    [SQ_CELL_NULL] = '0', [SQ_CELL_NUMBER] = 'n', [SQ_CELL_TEXT] = 't', [SQ_CELL_BOOL] = 'b'};

/* {"v", "status", "mode", "sql", "interpretation", "insights", "chart" (its JSON as a
 * string), "columns": [[name, type, numeric]], "rows": [[kinds, text...]] (kinds: one of
 * 0 n t b per cell), "truncated", "timings_ms": [understand, guard, execute, total],
 * "llm": [calls, prompt, completion]}. Texts are kept exactly as DuckDB printed them. */
static char *to_json(const struct answer *a)
{
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "v");
    sq_jw_int(&w, FORMAT);
    sq_jw_key(&w, "status");
    sq_jw_str(&w, a->status);
    sq_jw_key(&w, "mode");
    sq_jw_str(&w, a->mode);
    sq_jw_key(&w, "sql");
    sq_jw_str(&w, a->sql);
    sq_jw_key(&w, "interpretation");
    sq_jw_str(&w, a->interpretation);
    sq_jw_key(&w, "insights");
    sq_jw_arr_begin(&w);
    for (size_t i = 0; i < a->ninsights; i++)
        sq_jw_str(&w, a->insights[i]);
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "chart");
    sq_jw_str(&w, a->chart);
    const struct sq_table *t = &a->table;
    sq_jw_key(&w, "columns");
    sq_jw_arr_begin(&w);
    for (size_t c = 0; c < t->ncols; c++) {
        sq_jw_arr_begin(&w);
        sq_jw_str(&w, t->cols[c].name);
        sq_jw_str(&w, t->cols[c].type);
        sq_jw_int(&w, t->cols[c].numeric);
        sq_jw_arr_end(&w);
    }
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "rows");
    sq_jw_arr_begin(&w);
    char *kinds = xmalloc(t->ncols + 1);
    for (size_t r = 0; r < t->nrows; r++) {
        sq_jw_arr_begin(&w);
        for (size_t c = 0; c < t->ncols; c++)
            kinds[c] = cell_kinds[sq_table_cell(t, r, c)->kind];
        kinds[t->ncols] = '\0';
        sq_jw_str(&w, kinds);
        for (size_t c = 0; c < t->ncols; c++)
            sq_jw_str(&w, sq_table_cell(t, r, c)->text);
        sq_jw_arr_end(&w);
    }
    free(kinds);
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "truncated");
    sq_jw_bool(&w, t->truncated);
    sq_jw_key(&w, "timings_ms");
    sq_jw_arr_begin(&w);
    sq_jw_double(&w, a->understand_ms);
    sq_jw_double(&w, a->guard_ms);
    sq_jw_double(&w, a->execute_ms);
    sq_jw_double(&w, a->total_ms);
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "llm");
    sq_jw_arr_begin(&w);
    sq_jw_int(&w, a->llm_calls);
    sq_jw_int(&w, a->llm_prompt_tokens);
    sq_jw_int(&w, a->llm_completion_tokens);
    sq_jw_arr_end(&w);
    sq_jw_obj_end(&w);
    char *out = w.err ? NULL : sq_buf_steal(&b);
    sq_buf_fini(&b);
    return out;
}

static char *str_or_null(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? xstrdup(s) : NULL;
}

static double num_at(json_t *arr, size_t i)
{
    return json_number_value(json_array_get(arr, i));
}

/* Reads to_json's form into out (zeroed first); -1 when it is not that form. */
static int from_json(const char *text, struct answer *out)
{
    memset(out, 0, sizeof *out);
    sq_table_init(&out->table);
    sq_error_clear(&out->error);
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    json_t *cols = json_object_get(o, "columns"), *rows = json_object_get(o, "rows");
    json_t *insights = json_object_get(o, "insights");
    const char *status = json_string_value(json_object_get(o, "status"));
    const char *mode = json_string_value(json_object_get(o, "mode"));
    int rc = -1;
    if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != FORMAT ||
        !json_is_array(cols) || !json_is_array(rows) || !json_is_array(insights) || !status ||
        strcmp(status, "ok") != 0 || !mode)
        goto out;
    out->status = "ok"; /* only answers that are ok are cached */
    out->mode = strcmp(mode, "deep") == 0 ? "deep" : "fast";
    out->sql = str_or_null(o, "sql");
    out->interpretation = str_or_null(o, "interpretation");
    out->chart = str_or_null(o, "chart");
    size_t n = json_array_size(insights);
    out->insights = n ? xcalloc(n, sizeof *out->insights) : NULL;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(insights, i));
        out->insights[out->ninsights++] = xstrdup(s ? s : "");
    }
    size_t ncols = json_array_size(cols);
    for (size_t c = 0; c < ncols; c++) {
        json_t *col = json_array_get(cols, c);
        const char *name = json_string_value(json_array_get(col, 0));
        const char *type = json_string_value(json_array_get(col, 1));
        if (!name || !type)
            goto out;
        sq_table_add_column(&out->table, name, type,
                            (int)json_integer_value(json_array_get(col, 2)));
    }
    for (size_t r = 0; r < json_array_size(rows); r++) {
        json_t *row = json_array_get(rows, r);
        const char *kinds = json_string_value(json_array_get(row, 0));
        if (!kinds || strlen(kinds) != ncols || json_array_size(row) != ncols + 1)
            goto out;
        size_t ri = sq_table_add_row(&out->table);
        for (size_t c = 0; c < ncols; c++) {
            json_t *cell = json_array_get(row, c + 1);
            const char *v = json_string_value(cell);
            enum sq_cell_kind k = kinds[c] == 'n'   ? SQ_CELL_NUMBER
                                  : kinds[c] == 't' ? SQ_CELL_TEXT
                                  : kinds[c] == 'b' ? SQ_CELL_BOOL
                                                    : SQ_CELL_NULL;
            if (k == SQ_CELL_NULL)
                continue;
            if (!v)
                goto out;
            sq_table_set(&out->table, ri, c, k, v, json_string_length(cell));
        }
    }
    out->table.truncated = json_is_true(json_object_get(o, "truncated"));
    json_t *tm = json_object_get(o, "timings_ms"), *llm = json_object_get(o, "llm");
    out->understand_ms = num_at(tm, 0);
    out->guard_ms = num_at(tm, 1);
    out->execute_ms = num_at(tm, 2);
    out->total_ms = num_at(tm, 3);
    out->llm_calls = (int)json_integer_value(json_array_get(llm, 0));
    out->llm_prompt_tokens = (long)json_integer_value(json_array_get(llm, 1));
    out->llm_completion_tokens = (long)json_integer_value(json_array_get(llm, 2));
    out->shape.measure_label = out->measure_label;
    rc = 0;
out:
    json_decref(o);
    if (rc)
        answer_fini(out);
    return rc;
}

/* ---- The keys the table may hold (call with mu held) --------------------------------- */

/* A set of key hashes, open addressing (0 is empty): a superset of the table's keys, so a
 * miss in memory asks the database only when the answer may be there. Rebuilt from the
 * table at open and after every trim; added to as answers are queued for writing. */
static void keys_add(struct answer_cache *c, uint64_t h)
{
    h = h ? h : 1;
    if (2 * (c->nkeys + 1) > c->keys_cap) {
        size_t cap = c->keys_cap ? 2 * c->keys_cap : 64;
        uint64_t *old = c->keys;
        size_t old_cap = c->keys_cap;
        c->keys = xcalloc(cap, sizeof *c->keys);
        c->keys_cap = cap;
        c->nkeys = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i])
                keys_add(c, old[i]);
        free(old);
    }
    size_t i = h & (c->keys_cap - 1);
    while (c->keys[i] && c->keys[i] != h)
        i = (i + 1) & (c->keys_cap - 1);
    if (!c->keys[i]) {
        c->keys[i] = h;
        c->nkeys++;
    }
}

static int keys_has(const struct answer_cache *c, uint64_t h)
{
    if (!c->keys_known)
        return 1; /* not loaded (a read-only database): ask */
    h = h ? h : 1;
    for (size_t i = c->keys_cap ? h & (c->keys_cap - 1) : 0; c->keys_cap && c->keys[i];
         i = (i + 1) & (c->keys_cap - 1))
        if (c->keys[i] == h)
            return 1;
    return 0;
}

/* ---- The database (call with db_mu held) -------------------------------------------- */

static void db_warn(struct answer_cache *c, const char *what, const struct sq_error *err)
{
    pthread_mutex_lock(&c->mu);
    c->st.db_errors++;
    pthread_mutex_unlock(&c->mu);
    sq_log_warn("the answer cache could not %s in the database: %s", what,
                err->msg[0] ? err->msg : sq_strerror(err->code));
}

/* Reads the table's keys into the key set. */
static void db_load_keys(struct answer_cache *c)
{
    struct sq_table t;
    sq_table_init(&t);
    struct sq_error err;
    sq_error_clear(&err);
    int rc = store_query(c->db, "SELECT key FROM salesql_answer_cache", &t, &err);
    if (rc)
        db_warn(c, "read its keys", &err);
    pthread_mutex_lock(&c->mu);
    free(c->keys);
    c->keys = NULL;
    c->keys_cap = c->nkeys = 0;
    for (size_t r = 0; !rc && r < t.nrows; r++)
        if (sq_table_cell(&t, r, 0)->text)
            keys_add(c, hash_of(sq_table_cell(&t, r, 0)->text));
    for (struct entry *e = c->wq; e; e = e->wnext) /* queued, not written yet */
        keys_add(c, e->hash);
    c->keys_known = !rc;
    pthread_mutex_unlock(&c->mu);
    sq_table_fini(&t);
}

/* Keeps the newest db_entries entries, and of those only as many as fit in db_bytes. */
static void db_trim(struct answer_cache *c, struct store_conn *conn)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_printf(&sql,
                  "DELETE FROM salesql_answer_cache WHERE key IN (SELECT key FROM (SELECT key, "
                  "row_number() OVER w AS n, sum(bytes) OVER w AS total FROM "
                  "salesql_answer_cache WINDOW w AS (ORDER BY used_us DESC ROWS UNBOUNDED "
                  "PRECEDING)) WHERE n > %zu OR total > %zu)",
                  c->lim.db_entries, c->lim.db_bytes);
    struct sq_error err;
    sq_error_clear(&err);
    if (store_exec(conn, sql.data, &err) != 0)
        db_warn(c, "trim its table", &err);
    sq_buf_fini(&sql);
    c->writes = 0;
    if (conn == c->db)
        db_load_keys(c);
}

/* Appends the statements that replace key's row. */
static void put_sql(struct sq_buf *sql, const char *key, const char *kind, const char *marts,
                    const char *json)
{
    sq_buf_puts(sql, "DELETE FROM salesql_answer_cache WHERE key = ");
    sq_buf_put_literal(sql, key);
    sq_buf_puts(sql, "; INSERT INTO salesql_answer_cache VALUES (");
    sq_buf_put_literal(sql, key);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, kind);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, marts);
    sq_buf_puts(sql, ", ");
    sq_buf_put_literal(sql, json);
    sq_buf_printf(sql, ", %zu, now()::TIMESTAMP, now()::TIMESTAMP, %lld, 0);", strlen(json),
                  use_clock());
}

/* Runs the BEGIN ... COMMIT in sql that writes n answers on conn, then trims when due.
 * Returns n, or 0 when it failed (rolled back, logged). */
static size_t db_commit(struct answer_cache *c, struct store_conn *conn, struct sq_buf *sql,
                        size_t n)
{
    sq_buf_puts(sql, "COMMIT;");
    struct sq_error err;
    sq_error_clear(&err);
    double t0 = sq_now_ms();
    int rc = store_exec(conn, sql->data, &err);
    if (rc) {
        store_exec(conn, "ROLLBACK", NULL);
        db_warn(c, "keep answers", &err);
        return 0;
    }
    sq_log_debug("answer cache: %zu answers (%zu bytes) kept in the database in %.1f ms", n,
                 sql->len, sq_now_ms() - t0);
    pthread_mutex_lock(&c->mu);
    c->st.db_writes += n;
    pthread_mutex_unlock(&c->mu);
    c->writes += n;
    if (c->writes >= ANSWER_CACHE_TRIM_EVERY)
        db_trim(c, conn);
    return n;
}

/* The entry kept under key in the database, read back, or NULL. */
static struct entry *db_get(struct answer_cache *c, const char *key)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SELECT kind, marts, answer FROM salesql_answer_cache WHERE key = ");
    sq_buf_put_literal(&sql, key);
    sq_buf_puts(&sql, " LIMIT 1");
    struct sq_table t;
    sq_table_init(&t);
    struct sq_error err;
    sq_error_clear(&err);
    struct entry *e = NULL;
    pthread_mutex_lock(&c->db_mu);
    int rc = c->db ? store_query(c->db, sql.data, &t, &err) : SQ_E_NOT_FOUND;
    if (rc && c->db) {
        db_warn(c, "look an answer up", &err);
    } else if (!rc && t.nrows == 1 && t.ncols == 3 && sq_table_cell(&t, 0, 2)->text) {
        const char *kind = sq_table_cell(&t, 0, 0)->text;
        const char *marts = sq_table_cell(&t, 0, 1)->text;
        e = entry_new(key, kind ? kind : "", marts, 0);
        if (from_json(sq_table_cell(&t, 0, 2)->text, &e->a) != 0) {
            entry_free(e);
            e = NULL;
        } else {
            e->bytes = answer__bytes(&e->a) + strlen(e->key) + strlen(e->marts);
        }
    }
    if (e && c->writable) {
        sq_buf_reset(&sql);
        sq_buf_printf(&sql,
                      "UPDATE salesql_answer_cache SET hits = hits + 1, used_at = "
                      "now()::TIMESTAMP, used_us = %lld WHERE key = ",
                      use_clock());
        sq_buf_put_literal(&sql, key);
        if (store_exec(c->db, sql.data, &err) != 0)
            db_warn(c, "count a hit", &err);
    }
    pthread_mutex_unlock(&c->db_mu);
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return e;
}

static void held_free(struct held *h)
{
    while (h) {
        struct held *next = h->next;
        free(h->key);
        free(h->kind);
        free(h->marts);
        free(h->json);
        free(h);
        h = next;
    }
}

/* ---- The writer thread ----------------------------------------------------------------- */

/* Writes a batch of queued entries (their references held) in transactions of about
 * WRITE_CHUNK bytes of SQL each: one commit, so one sync of the log, for many answers. */
static void write_batch(struct answer_cache *c, struct entry *batch)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    size_t n = 0;
    pthread_mutex_lock(&c->db_mu);
    for (struct entry *e = batch; e; e = e->wnext) {
        char *json = to_json(&e->a);
        if (!json)
            continue;
        if (!n)
            sq_buf_puts(&sql, "BEGIN TRANSACTION;");
        put_sql(&sql, e->key, e->kind, e->marts, json);
        free(json);
        n++;
        if (sql.len >= WRITE_CHUNK || !e->wnext) {
            db_commit(c, c->db, &sql, n);
            sq_buf_reset(&sql);
            n = 0;
        }
    }
    if (n)
        db_commit(c, c->db, &sql, n);
    pthread_mutex_unlock(&c->db_mu);
    sq_buf_fini(&sql);
}

static void *writer_main(void *arg)
{
    struct answer_cache *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wq && !c->stop)
            pthread_cond_wait(&c->wake, &c->mu);
        if (!c->wq)
            break; /* stopping, and nothing left to write */
        struct entry *batch = c->wq;
        c->wq = NULL;
        c->wq_tail = &c->wq;
        c->wq_n = c->wq_bytes = 0;
        c->writing = 1;
        pthread_mutex_unlock(&c->mu);
        write_batch(c, batch);
        struct entry *dead = NULL;
        pthread_mutex_lock(&c->mu);
        for (struct entry *e = batch, *next; e; e = next) {
            next = e->wnext;
            e->wnext = NULL;
            if (--e->refs == 0 && !e->linked) {
                e->hnext = dead;
                dead = e;
            }
        }
        c->writing = 0;
        pthread_cond_broadcast(&c->idle);
        pthread_mutex_unlock(&c->mu);
        free_chain(dead);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Waits until every answer queued so far is written. */
static void flush(struct answer_cache *c)
{
    pthread_mutex_lock(&c->mu);
    while (c->wq || c->writing)
        pthread_cond_wait(&c->idle, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

/* Writes what is queued, then stops the writer. */
static void writer_stop(struct answer_cache *c)
{
    if (!c->has_writer)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->writer, NULL);
    c->has_writer = 0;
}

/* Opens the cache's connection: the table made (and the writer started) if writable, or
 * found if not. A table of another layout (an earlier version's) is a cache: it is made
 * again, or, read-only, not read. */
static void db_open(struct answer_cache *c, struct store *st)
{
    struct sq_error err;
    sq_error_clear(&err);
    c->writable = !store_read_only(st);
    c->db = store_conn_open(st, &err);
    long long cols = 0;
    int rc = c->db ? store_query_int(c->db,
                                     "SELECT count(*) FROM duckdb_columns() WHERE schema_name = "
                                     "'main' AND table_name = 'salesql_answer_cache'",
                                     &cols, &err)
                   : SQ_E_DB;
    if (!rc && c->writable && cols && cols != TABLE_COLUMNS)
        rc = store_exec(c->db, "DROP TABLE salesql_answer_cache", &err);
    if (!rc && c->writable)
        rc = store_exec(c->db, CREATE_TABLE, &err);
    long long found = cols == TABLE_COLUMNS;
    if (rc)
        sq_log_warn("answers will not be kept between runs: %s",
                    err.msg[0] ? err.msg : sq_strerror(err.code));
    if (rc || (!c->writable && !found)) {
        store_conn_close(c->db);
        c->db = NULL;
        c->writable = 0;
        return;
    }
    if (!c->writable)
        return;
    db_trim(c, c->db); /* and loads the keys */
    c->wq_tail = &c->wq;
    c->has_writer = pthread_create(&c->writer, NULL, writer_main, c) == 0;
    if (!c->has_writer) {
        sq_log_warn("answers will not be kept between runs: no thread to write them");
        store_conn_close(c->db);
        c->db = NULL;
        c->writable = 0;
        c->keys_known = 0;
    }
}

/* ---- The interface -------------------------------------------------------------------- */

struct answer_cache *answer_cache_new(const struct answer_cache_limits *lim, struct store *st)
{
    struct answer_cache *c = xcalloc(1, sizeof *c);
    if (lim)
        c->lim = *lim;
    if (!c->lim.entries)
        c->lim.entries = ANSWER_CACHE_ENTRIES;
    if (!c->lim.bytes)
        c->lim.bytes = ANSWER_CACHE_BYTES;
    if (!c->lim.entry_bytes)
        c->lim.entry_bytes = ANSWER_CACHE_ENTRY_BYTES;
    if (!c->lim.db_entries)
        c->lim.db_entries = ANSWER_CACHE_DB_ENTRIES;
    if (!c->lim.db_bytes)
        c->lim.db_bytes = ANSWER_CACHE_DB_BYTES;
    c->nbuckets = 16;
    while (c->nbuckets < 2 * c->lim.entries)
        c->nbuckets <<= 1;
    c->buckets = xcalloc(c->nbuckets, sizeof *c->buckets);
    c->wq_tail = &c->wq;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->db_mu, NULL);
    pthread_cond_init(&c->wake, NULL);
    pthread_cond_init(&c->idle, NULL);
    if (st)
        db_open(c, st);
    c->st.reads = c->db != NULL;
    c->st.writes = c->writable;
    return c;
}

void answer_cache_detach(struct answer_cache *c)
{
    writer_stop(c);
    pthread_mutex_lock(&c->db_mu);
    store_conn_close(c->db);
    c->db = NULL;
    c->writable = 0;
    pthread_mutex_unlock(&c->db_mu);
    pthread_mutex_lock(&c->mu);
    c->st.reads = c->st.writes = 0;
    c->keys_known = 0;
    pthread_mutex_unlock(&c->mu);
}

size_t answer_cache_save(struct answer_cache *c, struct store *st)
{
    pthread_mutex_lock(&c->db_mu);
    struct held *h = c->held;
    c->held = NULL;
    c->nheld = 0;
    pthread_mutex_unlock(&c->db_mu);
    pthread_mutex_lock(&c->mu);
    c->st.pending = 0;
    pthread_mutex_unlock(&c->mu);
    size_t kept = 0;
    struct sq_error err;
    sq_error_clear(&err);
    struct store_conn *conn = h ? store_conn_open(st, &err) : NULL;
    if (h && (!conn || store_exec(conn, CREATE_TABLE, &err) != 0)) {
        db_warn(c, "make its table", &err);
    } else if (h) {
        struct sq_buf sql;
        sq_buf_init(&sql, SQ_BUF_UNLIMITED);
        size_t n = 0;
        sq_buf_puts(&sql, "BEGIN TRANSACTION;");
        for (struct held *x = h; x; x = x->next, n++)
            put_sql(&sql, x->key, x->kind, x->marts, x->json);
        pthread_mutex_lock(&c->db_mu);
        kept = db_commit(c, conn, &sql, n);
        pthread_mutex_unlock(&c->db_mu);
        sq_buf_fini(&sql);
    }
    store_conn_close(conn);
    held_free(h);
    return kept;
}

void answer_cache_free(struct answer_cache *c)
{
    if (!c)
        return;
    writer_stop(c);
    for (struct entry *e = c->head, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    free(c->buckets);
    free(c->keys);
    store_conn_close(c->db);
    held_free(c->held);
    pthread_cond_destroy(&c->wake);
    pthread_cond_destroy(&c->idle);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->db_mu);
    free(c);
}

int answer_cache_get(struct answer_cache *c, const char *key, enum answer_cache_where where,
                     struct answer *out)
{
    uint64_t h = hash_of(key);
    pthread_mutex_lock(&c->mu);
    struct entry *e = find(c, key, h);
    if (e) {
        list_unlink(c, e);
        list_front(c, e);
        e->refs++;
        c->st.hits++;
    }
    int ask_db = !e && where == ANSWER_CACHE_ANY && c->st.reads && keys_has(c, h);
    c->st.db_reads += ask_db;
    pthread_mutex_unlock(&c->mu);
    if (e) {
        answer__copy(out, &e->a);
        pthread_mutex_lock(&c->mu);
        int last = --e->refs == 0 && !e->linked;
        pthread_mutex_unlock(&c->mu);
        if (last)
            entry_free(e);
        return 1;
    }
    e = ask_db ? db_get(c, key) : NULL;
    pthread_mutex_lock(&c->mu);
    if (e) {
        c->st.hits++;
        c->st.db_hits++;
    } else {
        c->st.misses++;
    }
    pthread_mutex_unlock(&c->mu);
    if (!e)
        return 0;
    answer__copy(out, &e->a);
    if (e->bytes <= c->lim.entry_bytes)
        keep(c, e, 0);
    else
        entry_free(e);
    return 1;
}

void answer_cache_put(struct answer_cache *c, const char *key, const char *kind, const char *marts,
                      const struct answer *a)
{
    size_t bytes = answer__bytes(a) + strlen(key) + (marts ? strlen(marts) : 0);
    if (bytes > c->lim.entry_bytes) {
        sq_log_debug("an answer of %zu bytes is too large to cache (at most %zu)", bytes,
                     c->lim.entry_bytes);
        return;
    }
    struct entry *e = entry_new(key, kind, marts, bytes);
    answer__copy(&e->a, a);
    /* A frame points into the schema snapshot it was parsed on, which may go before the
     * entry does; a hit takes the frame of its own parse. */
    e->a.has_frame = 0;
    memset(&e->a.frame, 0, sizeof e->a.frame);
    keep(c, e, 1);
    /* A read-only database: held for answer_cache_save (the CLI's, one question). */
    pthread_mutex_lock(&c->db_mu);
    char *json = !c->writable && c->nheld < c->lim.pending ? to_json(a) : NULL;
    if (json) {
        struct held *h = xcalloc(1, sizeof *h);
        h->json = json;
        h->key = xstrdup(key);
        h->kind = xstrdup(kind);
        h->marts = xstrdup(marts ? marts : "");
        h->next = c->held;
        c->held = h;
        c->nheld++;
        pthread_mutex_lock(&c->mu);
        c->st.pending = c->nheld;
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_unlock(&c->db_mu);
}

/* 1 when every line of marts is in the schema's tokens (one a line, each ending "\n"). */
static int marts_current(const char *marts, const char *tokens)
{
    for (const char *p = marts; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n) {
            int found = 0;
            for (const char *t = tokens; *t && !found;) {
                const char *tn = strchr(t, '\n');
                size_t m = tn ? (size_t)(tn - t) : strlen(t);
                found = m == n && memcmp(t, p, n) == 0;
                t += m + (tn != NULL);
            }
            if (!found)
                return 0;
        }
        p += n + (nl != NULL);
    }
    return 1;
}

void answer_cache_prune(struct answer_cache *c, const struct schema *s)
{
    struct sq_buf tokens;
    sq_buf_init(&tokens, SQ_BUF_UNLIMITED);
    for (size_t i = 0; i < s->nmarts; i++) {
        answer__mart_token(&tokens, &s->marts[i]);
        sq_buf_putc(&tokens, '\n');
    }
    const char *cur = tokens.data ? tokens.data : "";
    struct entry *dead = NULL;
    pthread_mutex_lock(&c->mu);
    for (struct entry *e = c->head, *next; e; e = next) {
        next = e->next;
        if (!marts_current(e->marts, cur)) {
            struct entry *d = unlink_entry(c, e);
            if (d) {
                d->hnext = dead;
                dead = d;
            }
        }
    }
    pthread_mutex_unlock(&c->mu);
    free_chain(dead);
    flush(c); /* so that the table holds whatever was put before */
    pthread_mutex_lock(&c->db_mu);
    if (c->writable) {
        struct sq_table t;
        sq_table_init(&t);
        struct sq_error err;
        sq_error_clear(&err);
        struct sq_buf sql;
        sq_buf_init(&sql, SQ_BUF_UNLIMITED);
        if (store_query(c->db, "SELECT key, marts FROM salesql_answer_cache", &t, &err) != 0) {
            db_warn(c, "read its table", &err);
        } else {
            size_t stale = 0;
            sq_buf_puts(&sql, "DELETE FROM salesql_answer_cache WHERE key IN (");
            for (size_t r = 0; r < t.nrows; r++) {
                const char *key = sq_table_cell(&t, r, 0)->text;
                const char *marts = sq_table_cell(&t, r, 1)->text;
                if (!key || marts_current(marts ? marts : "", cur))
                    continue;
                sq_buf_puts(&sql, stale++ ? ", " : "");
                sq_buf_put_literal(&sql, key);
            }
            sq_buf_puts(&sql, ")");
            if (stale && store_exec(c->db, sql.data, &err) != 0)
                db_warn(c, "drop stale answers", &err);
            db_trim(c, c->db);
        }
        sq_buf_fini(&sql);
        sq_table_fini(&t);
    }
    pthread_mutex_unlock(&c->db_mu);
    sq_buf_fini(&tokens);
}

void answer_cache_stats(struct answer_cache *c, struct answer_cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->st;
    pthread_mutex_unlock(&c->mu);
}
