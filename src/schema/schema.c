/*
 * Building the schema snapshot from the catalog tables (see schema/schema.h). Called by
 * the CLI after a refresh, by the guard to know which tables may be read, and later by
 * the question parser for its lexicon.
 */
#include "schema/schema.h"

#include "base/error.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/table.h"
#include "schema/playbook.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static const char *dup(struct schema *s, const struct sq_cell *c)
{
    return c->text ? sq_arena_strdup(&s->arena, c->text) : NULL;
}

/* *exists: the catalog tables are there; *joins: so is salesql_joins (a database
 * refreshed by a version before join discovery has none). */
static int catalog_exists(struct store_conn *c, int *exists, int *joins, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    int rc = store_query(c,
                         "SELECT count(*) FILTER (WHERE table_name IN ('salesql_sources', "
                         "'salesql_columns', 'salesql_values', 'salesql_files')), count(*) "
                         "FILTER (WHERE table_name = 'salesql_joins') FROM duckdb_tables() "
                         "WHERE schema_name = 'main'",
                         &t, err);
    *exists = !rc && t.nrows && sq_cell_int(sq_table_cell(&t, 0, 0)) == 4;
    *joins = !rc && t.nrows && sq_cell_int(sq_table_cell(&t, 0, 1)) == 1;
    sq_table_fini(&t);
    return rc;
}

static int load_marts(struct store_conn *c, struct schema *s, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    int rc = store_query(c,
                         "SELECT name, mart, table_name, rows, version, multi, "
                         "CAST(loaded_at AS VARCHAR) FROM salesql_sources ORDER BY name",
                         &t, err);
    if (!rc) {
        s->marts = sq_arena_alloc(&s->arena, (t.nrows + 1) * sizeof *s->marts);
        memset(s->marts, 0, (t.nrows + 1) * sizeof *s->marts);
        for (size_t r = 0; r < t.nrows; r++) {
            struct schema_mart *m = &s->marts[s->nmarts++];
            m->source = dup(s, sq_table_cell(&t, r, 0));
            m->name = dup(s, sq_table_cell(&t, r, 1));
            m->table = dup(s, sq_table_cell(&t, r, 2));
            m->rows = sq_cell_int(sq_table_cell(&t, r, 3));
            m->version = sq_cell_int(sq_table_cell(&t, r, 4));
            m->multi = sq_table_cell(&t, r, 5)->text && sq_table_cell(&t, r, 5)->text[0] == 't';
            m->loaded_at = dup(s, sq_table_cell(&t, r, 6));
        }
    }
    sq_table_fini(&t);
    return rc;
}

static struct schema_mart *mart_by_source(struct schema *s, const char *source)
{
    for (size_t i = 0; i < s->nmarts; i++)
        if (strcmp(s->marts[i].source, source) == 0)
            return &s->marts[i];
    return NULL;
}

static int load_columns(struct store_conn *c, struct schema *s, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    int rc = store_query(c,
                         "SELECT source, name, original, type, role, agg, derived_from, note, "
                         "min_value, max_value, null_share, distinct_approx FROM salesql_columns "
                         "ORDER BY source, position",
                         &t, err);
    /* Columns arrive grouped by source: size each mart's array, then fill it. */
    for (size_t r = 0; !rc && r < t.nrows; r++) {
        struct schema_mart *m = mart_by_source(s, sq_table_cell(&t, r, 0)->text);
        if (m)
            m->ncols++;
    }
    for (size_t i = 0; !rc && i < s->nmarts; i++) {
        s->marts[i].cols =
            sq_arena_alloc(&s->arena, (s->marts[i].ncols + 1) * sizeof *s->marts[i].cols);
        memset(s->marts[i].cols, 0, (s->marts[i].ncols + 1) * sizeof *s->marts[i].cols);
        s->marts[i].ncols = 0;
    }
    for (size_t r = 0; !rc && r < t.nrows; r++) {
        struct schema_mart *m = mart_by_source(s, sq_table_cell(&t, r, 0)->text);
        if (!m)
            continue;
        struct schema_column *col = &m->cols[m->ncols++];
        col->name = dup(s, sq_table_cell(&t, r, 1));
        col->original = dup(s, sq_table_cell(&t, r, 2));
        col->type = dup(s, sq_table_cell(&t, r, 3));
        col->role = dup(s, sq_table_cell(&t, r, 4));
        col->agg = dup(s, sq_table_cell(&t, r, 5));
        col->derived_from = dup(s, sq_table_cell(&t, r, 6));
        col->note = dup(s, sq_table_cell(&t, r, 7));
        col->min = dup(s, sq_table_cell(&t, r, 8));
        col->max = dup(s, sq_table_cell(&t, r, 9));
        col->null_share = sq_table_cell(&t, r, 10)->num;
        col->distinct = sq_cell_int(sq_table_cell(&t, r, 11));
        if (!col->type)
            col->type = "";
        if (!col->role)
            col->role = "";
        if (!col->agg)
            col->agg = "";
    }
    sq_table_fini(&t);
    return rc;
}

static int load_values(struct store_conn *c, struct schema *s, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    int rc = store_query(c,
                         "SELECT source, column_name, value, n FROM salesql_values "
                         "ORDER BY source, column_name, n DESC, value",
                         &t, err);
    size_t r = 0;
    while (!rc && r < t.nrows) {
        const char *source = sq_table_cell(&t, r, 0)->text;
        const char *column = sq_table_cell(&t, r, 1)->text;
        size_t end = r;
        while (end < t.nrows && strcmp(sq_table_cell(&t, end, 0)->text, source) == 0 &&
               strcmp(sq_table_cell(&t, end, 1)->text, column) == 0)
            end++;
        struct schema_mart *m = mart_by_source(s, source);
        struct schema_column *col = NULL;
        for (size_t i = 0; m && i < m->ncols && !col; i++)
            if (strcmp(m->cols[i].name, column) == 0)
                col = &m->cols[i];
        if (col) {
            col->values = sq_arena_alloc(&s->arena, (end - r) * sizeof *col->values);
            for (size_t i = r; i < end; i++) {
                col->values[col->nvalues].value = dup(s, sq_table_cell(&t, i, 2));
                col->values[col->nvalues].count = sq_cell_int(sq_table_cell(&t, i, 3));
                col->nvalues++;
            }
        }
        r = end;
    }
    sq_table_fini(&t);
    return rc;
}

static int load_files(struct store_conn *c, struct schema *s, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    int rc = store_query(c,
                         "SELECT path, source, encoding, status, error, CAST(loaded_at AS "
                         "VARCHAR), size, rows, load_ms FROM salesql_files ORDER BY path",
                         &t, err);
    if (!rc) {
        s->files = sq_arena_alloc(&s->arena, (t.nrows + 1) * sizeof *s->files);
        for (size_t r = 0; r < t.nrows; r++) {
            struct schema_file *f = &s->files[s->nfiles++];
            f->path = dup(s, sq_table_cell(&t, r, 0));
            f->source = dup(s, sq_table_cell(&t, r, 1));
            f->encoding = dup(s, sq_table_cell(&t, r, 2));
            f->status = dup(s, sq_table_cell(&t, r, 3));
            f->error = dup(s, sq_table_cell(&t, r, 4));
            f->loaded_at = dup(s, sq_table_cell(&t, r, 5));
            f->size = sq_cell_int(sq_table_cell(&t, r, 6));
            f->rows = sq_cell_int(sq_table_cell(&t, r, 7));
            f->load_ms = sq_table_cell(&t, r, 8)->num;
        }
    }
    sq_table_fini(&t);
    return rc;
}

/* Edges whose marts are gone (a refresh that failed before discovery ran again) are
 * left out. */
static int load_joins(struct store_conn *c, struct schema *s, struct sq_error *err)
{
    struct sq_table t;
    sq_table_init(&t);
    int rc = store_query(c,
                         "SELECT from_source, from_column, to_source, to_column, coverage, rule "
                         "FROM salesql_joins ORDER BY from_source, from_column, to_source, "
                         "to_column",
                         &t, err);
    if (!rc) {
        s->joins = sq_arena_alloc(&s->arena, (t.nrows + 1) * sizeof *s->joins);
        memset(s->joins, 0, (t.nrows + 1) * sizeof *s->joins);
        for (size_t r = 0; r < t.nrows; r++) {
            const struct schema_mart *from = mart_by_source(s, sq_table_cell(&t, r, 0)->text);
            const struct schema_mart *to = mart_by_source(s, sq_table_cell(&t, r, 2)->text);
            const char *fc = sq_table_cell(&t, r, 1)->text, *tc = sq_table_cell(&t, r, 3)->text;
            if (!from || !to || !fc || !tc || !schema_find_column(from, fc) ||
                !schema_find_column(to, tc))
                continue;
            struct schema_join *j = &s->joins[s->njoins++];
            j->from = from;
            j->to = to;
            j->from_col = sq_arena_strdup(&s->arena, fc);
            j->to_col = sq_arena_strdup(&s->arena, tc);
            j->coverage = sq_table_cell(&t, r, 4)->num;
            j->rule = dup(s, sq_table_cell(&t, r, 5));
            if (!j->rule)
                j->rule = "";
            /* A key that points at another table (orders.ship_via -> shippers) is an
             * identifier, whatever its numbers looked like to the profile: never summed. */
            struct schema_column *key = (struct schema_column *)schema_find_column(from, fc);
            if (strcmp(key->role, "measure") == 0) {
                key->role = "identifier";
                key->agg = "";
            }
        }
    }
    sq_table_fini(&t);
    return rc;
}

int schema_load(struct store_conn *c, struct schema **out, struct sq_error *err)
{
    struct schema *s = xcalloc(1, sizeof *s);
    sq_arena_init(&s->arena);
    *out = NULL;
    int exists = 0, joins = 0;
    int rc = catalog_exists(c, &exists, &joins, err);
    if (!rc && exists) {
        if ((rc = load_marts(c, s, err)) == 0 && (rc = load_columns(c, s, err)) == 0 &&
            (rc = load_values(c, s, err)) == 0)
            rc = load_files(c, s, err);
        if (!rc && joins)
            rc = load_joins(c, s, err);
    }
    if (rc) {
        schema_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void schema_free(struct schema *s)
{
    if (!s)
        return;
    sq_arena_fini(&s->arena);
    free(s);
}

const struct schema_mart *schema_find_mart(const struct schema *s, const char *name)
{
    for (size_t i = 0; s && i < s->nmarts; i++)
        if (strcmp(s->marts[i].name, name) == 0 || strcmp(s->marts[i].source, name) == 0)
            return &s->marts[i];
    return NULL;
}

const struct schema_column *schema_find_column(const struct schema_mart *m, const char *name)
{
    for (size_t i = 0; m && i < m->ncols; i++)
        if (strcmp(m->cols[i].name, name) == 0)
            return &m->cols[i];
    return NULL;
}

int schema_join_path(const struct schema *s, const struct schema_mart *from,
                     const struct schema_mart *to, const struct schema_join **path, size_t max,
                     size_t *len)
{
    *len = 0;
    if (!s || !from || !to || from < s->marts || from >= s->marts + s->nmarts || to < s->marts ||
        to >= s->marts + s->nmarts)
        return SQ_E_NOT_FOUND;
    if (from == to)
        return 0;
    /* Breadth-first from `from`, marts in the order they were reached and edges in
     * s->joins order, recording the edge that first reached each mart: the first path
     * found to any mart is the shortest, and among the shortest the first in edge order. */
    size_t n = s->nmarts;
    const struct schema_join **via = xcalloc(n, sizeof *via);
    size_t *depth = xcalloc(n, sizeof *depth);
    size_t *queue = xcalloc(n, sizeof *queue);
    size_t head = 0, tail = 0, src = (size_t)(from - s->marts), dst = (size_t)(to - s->marts);
    int rc = SQ_E_NOT_FOUND;
    unsigned char *seen = xcalloc(n, 1);
    seen[src] = 1;
    queue[tail++] = src;
    while (head < tail && !seen[dst]) {
        size_t m = queue[head++];
        if (depth[m] >= max)
            continue;
        for (size_t i = 0; i < s->njoins; i++) {
            const struct schema_join *j = &s->joins[i];
            size_t t = (size_t)(j->to - s->marts);
            if (j->from != &s->marts[m] || seen[t])
                continue;
            seen[t] = 1;
            via[t] = j;
            depth[t] = depth[m] + 1;
            queue[tail++] = t;
        }
    }
    if (seen[dst]) {
        *len = depth[dst];
        for (size_t m = dst, k = depth[dst]; k > 0; k--) {
            path[k - 1] = via[m];
            m = (size_t)(via[m]->from - s->marts);
        }
        rc = 0;
    }
    free(seen);
    free(queue);
    free(depth);
    free(via);
    return rc;
}

size_t schema_common_prefix(const struct schema *s)
{
    if (s->nmarts < 2)
        return 0;
    const char *first = s->marts[0].source;
    size_t n = strlen(first);
    for (size_t i = 1; i < s->nmarts; i++) {
        size_t k = 0;
        while (k < n && first[k] == s->marts[i].source[k])
            k++;
        n = k;
    }
    while (n > 0 && first[n - 1] != '_')
        n--;
    return n;
}

int schema_type_is_numeric(const char *type)
{
    static const char *const nums[] = {"TINYINT",  "SMALLINT",  "INTEGER",  "BIGINT",  "HUGEINT",
                                       "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
                                       "FLOAT",    "DOUBLE",    "DECIMAL",  NULL};
    for (int i = 0; nums[i]; i++)
        if (strncmp(type, nums[i], strlen(nums[i])) == 0)
            return 1;
    return 0;
}

int schema_type_is_integer(const char *type)
{
    return schema_type_is_numeric(type) && strncmp(type, "FLOAT", 5) != 0 &&
           strncmp(type, "DOUBLE", 6) != 0 && strncmp(type, "DECIMAL", 7) != 0;
}

void schema_write_json(const struct schema *s, const struct playbook *pb, struct sq_jw *w)
{
    sq_jw_obj_begin(w);
    schema_write_json_members(s, pb, w);
    sq_jw_obj_end(w);
}

void schema_write_json_members(const struct schema *s, const struct playbook *pb, struct sq_jw *w)
{
    sq_jw_key(w, "marts");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < s->nmarts; i++) {
        const struct schema_mart *m = &s->marts[i];
        sq_jw_obj_begin(w);
        sq_jw_key_str(w, "name", m->name);
        sq_jw_key_str(w, "source", m->source);
        sq_jw_key_str(w, "table", m->table);
        sq_jw_key(w, "rows");
        sq_jw_int(w, m->rows);
        sq_jw_key(w, "version");
        sq_jw_int(w, m->version);
        sq_jw_key_str(w, "loaded_at", m->loaded_at);
        sq_jw_key(w, "columns");
        sq_jw_arr_begin(w);
        for (size_t j = 0; j < m->ncols; j++) {
            const struct schema_column *col = &m->cols[j];
            sq_jw_obj_begin(w);
            sq_jw_key_str(w, "name", col->name);
            sq_jw_key_str(w, "original", col->original);
            sq_jw_key_str(w, "type", col->type);
            sq_jw_key_str(w, "role", col->role);
            if (col->agg && *col->agg)
                sq_jw_key_str(w, "aggregation", col->agg);
            if (col->derived_from)
                sq_jw_key_str(w, "derived_from", col->derived_from);
            if (col->note)
                sq_jw_key_str(w, "note", col->note);
            sq_jw_key(w, "null_share");
            sq_jw_double(w, col->null_share);
            sq_jw_key(w, "distinct");
            sq_jw_int(w, col->distinct);
            sq_jw_key_str(w, "min", col->min);
            sq_jw_key_str(w, "max", col->max);
            if (col->nvalues) {
                sq_jw_key(w, "values");
                sq_jw_arr_begin(w);
                for (size_t v = 0; v < col->nvalues; v++) {
                    sq_jw_arr_begin(w);
                    sq_jw_str(w, col->values[v].value);
                    sq_jw_int(w, col->values[v].count);
                    sq_jw_arr_end(w);
                }
                sq_jw_arr_end(w);
            }
            sq_jw_obj_end(w);
        }
        sq_jw_arr_end(w);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_key(w, "joins");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < s->njoins; i++) {
        const struct schema_join *j = &s->joins[i];
        sq_jw_obj_begin(w);
        sq_jw_key_str(w, "from", j->from->name);
        sq_jw_key_str(w, "from_column", j->from_col);
        sq_jw_key_str(w, "to", j->to->name);
        sq_jw_key_str(w, "to_column", j->to_col);
        sq_jw_key(w, "coverage");
        sq_jw_double(w, j->coverage);
        sq_jw_key_str(w, "rule", j->rule);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_key(w, "files");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < s->nfiles; i++) {
        const struct schema_file *f = &s->files[i];
        sq_jw_obj_begin(w);
        sq_jw_key_str(w, "path", f->path);
        sq_jw_key_str(w, "source", f->source);
        sq_jw_key_str(w, "encoding", f->encoding);
        sq_jw_key_str(w, "status", f->status);
        sq_jw_key_str(w, "error", f->error);
        sq_jw_key_str(w, "loaded_at", f->loaded_at);
        sq_jw_key(w, "bytes");
        sq_jw_int(w, f->size);
        sq_jw_key(w, "rows");
        sq_jw_int(w, f->rows);
        sq_jw_key(w, "load_ms");
        sq_jw_double(w, f->load_ms);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_key(w, "playbook");
    playbook_write_json(pb, w);
}
