/*
 * Join discovery: finds the columns of one mart that reference the key of another
 * (order_details.product_id -> products.product_id), so the question parser can join a
 * fact mart to its dimensions. Candidates come from the catalog (types, roles, distinct
 * counts, NULL shares that profile.c wrote) and a name rule; each candidate column is then
 * checked against the data with one bounded query (is a sample of its distinct values
 * contained in the key?). The edges replace salesql_joins in one transaction.
 *
 * Called by ingest.c at the end of every refresh; when no source changed since the last
 * discovery it costs two small catalog queries. The rules, their evidence and costs are
 * described in docs/internals/joins.md.
 */
#include "ingest/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/table.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* Bump when the rules change, so databases discovered by older rules are redone. */
#define JOIN_RULES_VERSION "1"
#define JOIN_SIGNATURE_KEY "joins_signature"

enum {
    /* The share of a column's sampled distinct values that must be found in the key. */
    COVERAGE_PERMILLE = 990,
    /* At most this many distinct values of a referencing column are checked. */
    SAMPLE_DISTINCT = 10000,
    /* Referencing tables with more rows are read through a block sample of about this
     * many rows, so a fact table is never scanned whole. */
    SAMPLE_ROWS = 1000000,
    /* A big key column is first checked for duplicates in a block sample of about this
     * many rows. */
    KEY_SAMPLE_ROWS = 100000,
    /* profile.c counts distinct values exactly up to this many rows; beyond, its count is
     * an estimate, and a key's uniqueness is checked by is_unique before use. */
    EXACT_DISTINCT_MAX_ROWS = 2000000,
    /* The entity-name rule (no key name on the referencing side) only targets lookup
     * tables up to this size. */
    ENTITY_NAME_MAX_ROWS = 100000,
};

/* Rules, strongest first; a column keeps only the edges of its strongest rule that has
 * evidence. */
enum join_rule { RULE_NONE, RULE_SAME_NAME, RULE_SUFFIX, RULE_ENTITY_KEY, RULE_ENTITY_NAME };
static const char *const rule_names[] = {"", "same_name", "name_suffix", "entity_key",
                                         "entity_name"};

/* Only these type classes join, and only within a class. Floating point and decimals
 * never do: they are measures, and equality on them is not an identity. */
enum type_class { CLASS_NONE, CLASS_INT, CLASS_TEXT, CLASS_DATE };

struct jsource;

struct jcol {
    const char *name;
    const char *role;
    enum type_class cls;
    long long distinct;
    double null_share;
    int derived;
    struct jsource *src;
    int uniq; /* as a key: 0 not checked yet, 1 unique, -1 not unique */
};

struct jsource {
    const char *name;
    const char *table;
    long long rows;
    struct jcol *cols;
    size_t ncols;
    const struct jcol *pk; /* the key the entity-name rule points at, or NULL */
};

struct jedge {
    const struct jcol *from;
    const struct jcol *to;
    double coverage;
    enum join_rule rule;
};

struct jcand {
    struct jcol *to;
    enum join_rule rule;
};

struct discovery {
    struct store_conn *c;
    struct sq_table cat; /* the catalog rows; every name below points into it */
    struct jsource *srcs;
    size_t nsrcs;
    struct jcol *cols;
    struct jedge *edges;
    size_t nedges;
    size_t edges_cap;
    size_t queries;
};

static enum type_class type_class(const char *t)
{
    static const char *const ints[] = {"TINYINT", "SMALLINT", "INTEGER",   "BIGINT",
                                       "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                                       "UBIGINT", "UHUGEINT", NULL};
    if (!t)
        return CLASS_NONE;
    for (int i = 0; ints[i]; i++)
        if (strcmp(t, ints[i]) == 0)
            return CLASS_INT;
    if (strcmp(t, "VARCHAR") == 0)
        return CLASS_TEXT;
    if (strcmp(t, "DATE") == 0 || strncmp(t, "TIMESTAMP", 9) == 0)
        return CLASS_DATE;
    return CLASS_NONE;
}

/* 1 if name ends with "_" + tail. */
static int ends_with_word(const char *name, const char *tail)
{
    size_t n = strlen(name), m = strlen(tail);
    return n > m + 1 && name[n - m - 1] == '_' && strcmp(name + n - m, tail) == 0;
}

static int is_word(const char *w, size_t n, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strlen(list[i]) == n && memcmp(list[i], w, n) == 0)
            return 1;
    return 0;
}

/* Words that name a key rather than a thing. */
static const char *const key_words[] = {"id", "key", "code", "no", "nr", "num", "number", NULL};

static int has_key_name(const char *name)
{
    const char *last = strrchr(name, '_');
    last = last ? last + 1 : name;
    return is_word(last, strlen(last), key_words);
}

/* 1 if s[0..n) is a singular (or the same form) of the plural p[0..pn): product/products,
 * category/categories, address/addresses, region/region. */
static int is_form_of(const char *s, size_t n, const char *p, size_t pn)
{
    if (n == 0 || n > pn)
        return 0;
    if (memcmp(s, p, n) != 0)
        return n > 1 && s[n - 1] == 'y' && pn == n + 2 && memcmp(s, p, n - 1) == 0 &&
               memcmp(p + n - 1, "ies", 3) == 0;
    return pn == n || (pn == n + 1 && p[n] == 's') || (pn == n + 2 && memcmp(p + n, "es", 2) == 0);
}

/* 1 if s[0..n) names the entity of a source: the source's name or a trailing part of it,
 * with the last word in either number ("product", "product_category" and
 * "adventure_works_product_category" all name adventure_works_product_categories). */
static int names_entity(const char *source, const char *s, size_t n)
{
    const char *sl = n ? memrchr(s, '_', n) : NULL;
    size_t shead = sl ? (size_t)(sl - s) + 1 : 0; /* the leading words, with their '_' */
    const char *last = strrchr(source, '_');
    last = last ? last + 1 : source;
    size_t head = (size_t)(last - source);
    if (!is_form_of(s + shead, n - shead, last, strlen(last)) || shead > head)
        return 0;
    const char *p = source + head - shead;
    return memcmp(p, s, shead) == 0 && (p == source || p[-1] == '_');
}

/* 1 if the word w names the source's entity by a stem of its last word: "ship" for
 * shippers (shipper = ship + at most three letters; four letters at least). */
static int stems_entity(const char *source, const char *w, size_t n)
{
    const char *last = strrchr(source, '_');
    last = last ? last + 1 : source;
    size_t ln = strlen(last);
    if (n < 4 || ln <= n || strncmp(last, w, n) != 0)
        return 0;
    size_t sing = last[ln - 1] == 's' ? ln - 1 : ln; /* "shippers" -> "shipper" */
    return sing > n && sing - n <= 3;
}

/* The entity-name rule: the column's name, without words that only say "key" or "refers
 * to" (ship_via -> "ship", customer_code -> "customer"), names the target source. */
static int entity_name_rule(const char *col, const char *source)
{
    static const char *const linking[] = {"ref", "fk", "via", "by", "to", "from", "of", NULL};
    char rest[2 * SQ_NAME_MAX]; /* the name without key and linking words; longer: no match */
    size_t n = 0, words = 0;
    for (const char *p = col; *p;) {
        const char *e = strchr(p, '_');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && !is_word(p, len, key_words) && !is_word(p, len, linking)) {
            if (n + len + 2 > sizeof rest)
                return 0;
            if (n)
                rest[n++] = '_';
            memcpy(rest + n, p, len);
            n += len;
            words++;
        }
        p += len + (e != NULL);
    }
    if (n == 0)
        return 0;
    rest[n] = '\0';
    return names_entity(source, rest, n) || (words == 1 && stems_entity(source, rest, n));
}

/* The name rule linking a referencing column a (in any source) to a key b of source B. */
static enum join_rule name_rule(const struct jcol *a, const struct jcol *b)
{
    if (strcmp(a->name, b->name) == 0)
        return RULE_SAME_NAME;
    /* territory_key / sales_territory_key. The shorter name must be two words at least
     * ("id" ends every *_id), except a date: order_date -> calendar.date. */
    const char *lng = strlen(a->name) > strlen(b->name) ? a->name : b->name;
    const char *shr = lng == a->name ? b->name : a->name;
    if ((strchr(shr, '_') || a->cls == CLASS_DATE) && ends_with_word(lng, shr))
        return RULE_SUFFIX;
    /* <entity>_id -> id, <entity>_key -> key (category_id -> categories.id). */
    size_t an = strlen(a->name), bn = strlen(b->name);
    if (!strchr(b->name, '_') && ends_with_word(a->name, b->name) &&
        names_entity(b->src->name, a->name, an - bn - 1))
        return RULE_ENTITY_KEY;
    return RULE_NONE;
}

/* A column that can be referenced: a unique, NULL-free identifier (or a unique date, for
 * a calendar) of a source that has rows. Distinct counts are exact up to
 * EXACT_DISTINCT_MAX_ROWS; beyond, profile.c's estimate is too rough to tell a key
 * (a unique column of 2.4M rows was estimated at 1.7M), so uniqueness is left to
 * is_unique. */
static int key_like(const struct jcol *b)
{
    if (b->cls == CLASS_NONE || b->derived || b->src->rows <= 0 || b->null_share > 0 || b->uniq < 0)
        return 0;
    if (strcmp(b->role, "identifier") != 0 &&
        !(b->cls == CLASS_DATE && strcmp(b->role, "date") == 0))
        return 0;
    return b->src->rows > EXACT_DISTINCT_MAX_ROWS || b->distinct == b->src->rows;
}

/* "SELECT count(*) - count(DISTINCT b) FROM B", over a block sample when sample is set. */
static int count_duplicates(struct discovery *d, const struct jcol *b, int sample, long long *dups,
                            struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    char *qc = sq_quote_ident(b->name), *qt = sq_quote_ident(b->src->table);
    sq_buf_printf(&sql, "SELECT count(*) - count(DISTINCT %s) FROM %s", qc, qt);
    if (sample)
        sq_buf_printf(&sql, " TABLESAMPLE %.6f PERCENT (system)",
                      100.0 * KEY_SAMPLE_ROWS / (double)b->src->rows);
    double t0 = sq_now_ms();
    int rc = store_query_int(d->c, sql.data, dups, err);
    d->queries++;
    sq_log_debug("join key check %s.%s%s: %lld duplicates (%.0f ms)", b->src->name, b->name,
                 sample ? " (sample)" : "", *dups, sq_now_ms() - t0);
    free(qc);
    free(qt);
    sq_buf_fini(&sql);
    return rc;
}

/* Sets b->uniq. Small tables: the profile's exact count said so already. Big ones: a block
 * sample of about KEY_SAMPLE_ROWS rows first (the lines of one order sit together, so a fact
 * table's order_id shows its duplicates there and is rejected cheaply), then, for a column
 * that passed, one exact pass over the key column, because an edge promises that joining
 * never multiplies rows. Once per column per discovery. */
static int is_unique(struct discovery *d, struct jcol *b, struct sq_error *err)
{
    if (b->uniq != 0)
        return 0;
    if (b->src->rows <= EXACT_DISTINCT_MAX_ROWS) {
        b->uniq = 1;
        return 0;
    }
    long long dups = 0;
    int rc = count_duplicates(d, b, 1, &dups, err);
    if (!rc && dups == 0)
        rc = count_duplicates(d, b, 0, &dups, err);
    b->uniq = !rc && dups == 0 ? 1 : -1;
    return rc;
}

static int load_catalog(struct discovery *d, struct sq_error *err)
{
    int rc = store_query(d->c,
                         "SELECT s.name, s.table_name, s.rows, c.name, c.type, c.role, "
                         "c.distinct_approx, c.null_share, c.derived_from IS NOT NULL "
                         "FROM salesql_sources s JOIN salesql_columns c ON c.source = s.name "
                         "WHERE s.profiled_version = s.version AND c.type IS NOT NULL "
                         "ORDER BY s.name, c.position",
                         &d->cat, err);
    if (rc)
        return rc;
    const struct sq_table *t = &d->cat;
    d->cols = xcalloc(t->nrows + 1, sizeof *d->cols);
    d->srcs = xcalloc(t->nrows + 1, sizeof *d->srcs);
    for (size_t r = 0; r < t->nrows; r++) {
        const char *source = sq_table_cell(t, r, 0)->text;
        struct jsource *s = d->nsrcs ? &d->srcs[d->nsrcs - 1] : NULL;
        if (!s || strcmp(s->name, source) != 0) {
            s = &d->srcs[d->nsrcs++];
            s->name = source;
            s->table = sq_table_cell(t, r, 1)->text;
            s->rows = sq_cell_int(sq_table_cell(t, r, 2));
            s->cols = &d->cols[r];
        }
        struct jcol *col = &s->cols[s->ncols++];
        col->name = sq_table_cell(t, r, 3)->text;
        col->cls = type_class(sq_table_cell(t, r, 4)->text);
        col->role = sq_table_cell(t, r, 5)->text ? sq_table_cell(t, r, 5)->text : "";
        col->distinct = sq_cell_int(sq_table_cell(t, r, 6));
        col->null_share = sq_table_cell(t, r, 7)->num;
        col->derived = sq_table_cell(t, r, 8)->text && sq_table_cell(t, r, 8)->text[0] == 't';
        col->src = s;
    }
    /* The key the entity-name rule points at: the first key-named identifier. */
    for (size_t i = 0; i < d->nsrcs; i++) {
        struct jsource *s = &d->srcs[i];
        for (size_t j = 0; j < s->ncols && !s->pk; j++)
            if (s->cols[j].cls != CLASS_DATE && key_like(&s->cols[j]) &&
                has_key_name(s->cols[j].name))
                s->pk = &s->cols[j];
    }
    return 0;
}

static int by_rule(const void *x, const void *y)
{
    const struct jcand *a = x, *b = y;
    return (int)a->rule - (int)b->rule;
}

/* Checks the candidates of one referencing column with one query: a sample of its
 * distinct non-NULL values (SAMPLE_DISTINCT at most, from a block sample of a big table)
 * against each candidate key. Keeps the candidates of the strongest rule that reach the
 * coverage. */
static int check_column(struct discovery *d, const struct jcol *a, struct jcand *cands, size_t n,
                        struct sq_error *err)
{
    struct sq_buf sql;
    struct sq_table t;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_table_init(&t);
    char *qa = sq_quote_ident(a->name), *qt = sq_quote_ident(a->src->table);
    sq_buf_printf(&sql, "WITH s AS MATERIALIZED (SELECT DISTINCT %s AS v FROM %s", qa, qt);
    if (a->src->rows > SAMPLE_ROWS)
        sq_buf_printf(&sql, " TABLESAMPLE %.6f PERCENT (system)",
                      100.0 * SAMPLE_ROWS / (double)a->src->rows);
    sq_buf_printf(&sql, " WHERE %s IS NOT NULL LIMIT %d) SELECT (SELECT count(*) FROM s)", qa,
                  SAMPLE_DISTINCT);
    for (size_t i = 0; i < n; i++) {
        char *qb = sq_quote_ident(cands[i].to->name);
        char *qbt = sq_quote_ident(cands[i].to->src->table);
        /* The key is unique: an inner join counts the values found, and lets DuckDB build
         * its hash table on the (small) sample rather than on the key's table. */
        sq_buf_printf(&sql, ", (SELECT count(*) FROM s JOIN %s k ON s.v = k.%s)", qbt, qb);
        free(qb);
        free(qbt);
    }
    double t0 = sq_now_ms();
    int rc = store_query(d->c, sql.data, &t, err);
    d->queries++;
    if (rc)
        goto out;
    double ms = sq_now_ms() - t0;
    long long total = sq_cell_int(sq_table_cell(&t, 0, 0));
    enum join_rule best = RULE_NONE;
    for (size_t i = 0; i < n && total > 0; i++) {
        long long found = sq_cell_int(sq_table_cell(&t, 0, 1 + i));
        sq_log_debug("join candidate %s.%s -> %s.%s (%s): %lld of %lld values (%.0f ms)",
                     a->src->name, a->name, cands[i].to->src->name, cands[i].to->name,
                     rule_names[cands[i].rule], found, total, ms);
        if (found * 1000 < total * COVERAGE_PERMILLE)
            continue;
        if (cands[i].rule == RULE_ENTITY_NAME && total < 3)
            continue;
        if (best == RULE_NONE)
            best = cands[i].rule; /* candidates are sorted, strongest first */
        if (cands[i].rule != best)
            break;
        if (d->nedges == d->edges_cap) {
            d->edges_cap = d->edges_cap ? 2 * d->edges_cap : 16;
            d->edges = xrealloc(d->edges, d->edges_cap * sizeof *d->edges);
        }
        struct jedge *e = &d->edges[d->nedges++];
        e->from = a;
        e->to = cands[i].to;
        e->coverage = (double)found / (double)total;
        e->rule = cands[i].rule;
    }
out:
    free(qa);
    free(qt);
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

/* Collects the candidate keys of one referencing column and checks them. */
static int discover_from(struct discovery *d, const struct jcol *a, struct jcand *cands,
                         struct sq_error *err)
{
    size_t n = 0;
    if (a->cls == CLASS_NONE || a->derived || a->distinct < 1 || a->null_share >= 1)
        return 0;
    /* Flags (two values) and dates never name an entity by themselves. */
    int entity_ok = a->cls != CLASS_DATE && a->distinct >= 3;
    for (size_t i = 0; i < d->nsrcs; i++) {
        struct jsource *b = &d->srcs[i];
        if (b == a->src) /* self references: see joins.md */
            continue;
        for (size_t j = 0; j < b->ncols; j++) {
            struct jcol *k = &b->cols[j];
            if (k->cls != a->cls || !key_like(k))
                continue;
            enum join_rule r = name_rule(a, k);
            if (r == RULE_NONE && entity_ok && k == b->pk && b->rows <= ENTITY_NAME_MAX_ROWS &&
                entity_name_rule(a->name, b->name))
                r = RULE_ENTITY_NAME;
            if (r == RULE_NONE)
                continue;
            int rc = is_unique(d, k, err);
            if (rc)
                return rc;
            if (k->uniq > 0)
                cands[n++] = (struct jcand){.to = k, .rule = r};
        }
    }
    if (n == 0)
        return 0;
    /* Strongest rule first, keeping the catalog's order (source, position) within a rule:
     * an insertion sort, because qsort is not stable. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && by_rule(&cands[j - 1], &cands[j]) > 0; j--) {
            struct jcand tmp = cands[j];
            cands[j] = cands[j - 1];
            cands[j - 1] = tmp;
        }
    return check_column(d, a, cands, n, err);
}

static int signature(struct store_conn *c, char **sig, struct sq_error *err)
{
    char *s = NULL;
    int rc = store_query_string(c,
                                "SELECT coalesce(string_agg(name || ':' || version || ':' || "
                                "coalesce(profiled_version, -1) || ':' || coalesce(CAST("
                                "loaded_at AS VARCHAR), ''), ',' ORDER BY name), '') "
                                "FROM salesql_sources",
                                &s, err);
    if (rc) {
        free(s);
        return rc;
    }
    *sig = xasprintf("v" JOIN_RULES_VERSION ";%s", s ? s : "");
    free(s);
    return 0;
}

static int by_edge(const void *x, const void *y)
{
    const struct jedge *a = x, *b = y;
    int r = strcmp(a->from->src->name, b->from->src->name);
    if (!r)
        r = strcmp(a->from->name, b->from->name);
    if (!r)
        r = strcmp(a->to->src->name, b->to->src->name);
    if (!r)
        r = strcmp(a->to->name, b->to->name);
    return r;
}

static int write_edges(struct discovery *d, const char *sig, struct sq_error *err)
{
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "BEGIN TRANSACTION; DELETE FROM salesql_joins;");
    for (size_t i = 0; i < d->nedges; i++) {
        const struct jedge *e = &d->edges[i];
        sq_buf_puts(&sql, i ? ", (" : " INSERT INTO salesql_joins VALUES (");
        sq_buf_put_literal(&sql, e->from->src->name);
        sq_buf_puts(&sql, ", ");
        sq_buf_put_literal(&sql, e->from->name);
        sq_buf_puts(&sql, ", ");
        sq_buf_put_literal(&sql, e->to->src->name);
        sq_buf_puts(&sql, ", ");
        sq_buf_put_literal(&sql, e->to->name);
        sq_buf_printf(&sql, ", %.6f, ", e->coverage);
        sq_buf_put_literal(&sql, rule_names[e->rule]);
        sq_buf_puts(&sql, ")");
    }
    if (d->nedges)
        sq_buf_puts(&sql, ";");
    sq_buf_puts(&sql, " DELETE FROM salesql_meta WHERE key = '" JOIN_SIGNATURE_KEY
                      "'; INSERT INTO salesql_meta VALUES ('" JOIN_SIGNATURE_KEY "', ");
    sq_buf_put_literal(&sql, sig);
    sq_buf_puts(&sql, "); COMMIT;");
    int rc = store_exec(d->c, sql.data, err);
    if (rc)
        store_exec(d->c, "ROLLBACK", NULL);
    sq_buf_fini(&sql);
    return rc;
}

int ingest__discover_joins(struct store_conn *c, struct sq_error *err)
{
    struct discovery d = {.c = c};
    struct jcand *cands = NULL;
    char *sig = NULL, *old = NULL;
    double t0 = sq_now_ms();
    sq_table_init(&d.cat);
    int rc = signature(c, &sig, err);
    if (!rc)
        rc = store_query_string(
            c, "SELECT value FROM salesql_meta WHERE key = '" JOIN_SIGNATURE_KEY "'", &old, err);
    if (rc || (old && strcmp(old, sig) == 0))
        goto out;
    if ((rc = load_catalog(&d, err)))
        goto out;
    size_t ncols = d.cat.nrows;
    cands = xcalloc(ncols + 1, sizeof *cands);
    for (size_t i = 0; !rc && i < ncols; i++)
        rc = discover_from(&d, &d.cols[i], cands, err);
    if (rc)
        goto out;
    if (d.nedges)
        qsort(d.edges, d.nedges, sizeof *d.edges, by_edge);
    rc = write_edges(&d, sig, err);
    sq_log_debug("found %zu joins among %zu marts in %.0f ms (%zu queries)", d.nedges, d.nsrcs,
                 sq_now_ms() - t0, d.queries);
out:
    free(cands);
    free(d.edges);
    free(d.cols);
    free(d.srcs);
    sq_table_fini(&d.cat);
    free(sig);
    free(old);
    return rc;
}
