/*
 * GET /api/suggest?q=...: completions for the page's type-ahead, derived from the schema
 * snapshot and the playbook — column names, values of the value index, the playbook's
 * synonyms, and whole questions in the shapes fast mode answers ("top 5 region by
 * sales", "monthly profit in 2017") built from the largest mart's measures, dimensions
 * and dates. Word completions replace the last one to three words typed; question
 * patterns must start with what was typed. Candidates are ranked, so that what people ask
 * about comes first: whole questions, then the data's measures, dates and dimensions, then
 * synonyms, and values last (a value index holds thousands of names: "monthly s" should
 * offer "monthly sales" before "monthly Sally Hughsby"). Called by server.c's dispatcher.
 */
#include "server/internal.h"

#include "base/limits.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "schema/playbook.h"
#include "schema/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_Q = 200, MAX_ITEMS = 8, MAX_PATTERNS = 64, MAX_POOL = 64 };

/* Ranks: higher first; equal ranks keep the order they were found in. */
enum {
    RANK_VALUE = 10,
    RANK_SYNONYM = 40,
    RANK_COLUMN = 50, /* + the role's bonus below */
    RANK_QUESTION = 90
};

/* An offer's detail ("measure column of mart_dyn_sales"): a role and a mart's name, cut
 * where longer (it is only shown). */
enum { DETAIL_MAX = 96 };

struct item {
    char *text;
    const char *kind;
    char detail[DETAIL_MAX];
    int rank;
    size_t seq; /* when it was found */
};

/* The best MAX_POOL candidates so far; the first max of them are shown. */
struct list {
    struct item items[MAX_POOL];
    size_t n, max, seq;
};

static void add(struct list *l, const char *head, size_t head_len, const char *word,
                const char *kind, const char *detail, int rank)
{
    char *text = xasprintf("%.*s%s", (int)head_len, head, word);
    for (size_t i = 0; i < l->n; i++) {
        if (strcasecmp(l->items[i].text, text) == 0) {
            free(text);
            return; /* found first under a rank at least as high, or another kind: kept */
        }
    }
    struct item *it;
    if (l->n < MAX_POOL) {
        it = &l->items[l->n++];
    } else {
        it = &l->items[0];
        for (size_t i = 1; i < l->n; i++)
            if (l->items[i].rank < it->rank ||
                (l->items[i].rank == it->rank && l->items[i].seq > it->seq))
                it = &l->items[i];
        if (it->rank >= rank) {
            free(text);
            return;
        }
        free(it->text);
    }
    it->text = text;
    it->kind = kind;
    snprintf(it->detail, sizeof it->detail, "%s", detail ? detail : "");
    it->rank = rank;
    it->seq = l->seq++;
}

static int by_rank(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A column's place among the completions: what is measured, then when, then by what. */
static int column_rank(const struct schema_column *c)
{
    if (strcmp(c->role, "measure") == 0)
        return RANK_COLUMN + 20;
    if (strcmp(c->role, "date") == 0)
        return RANK_COLUMN + 15;
    if (strcmp(c->role, "dimension") == 0)
        return RANK_COLUMN + 10;
    return RANK_COLUMN;
}

/* "order_date" -> "order date" */
static void spaced(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s", name);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = ' ';
}

static int hidden(const struct playbook *pb, const char *col)
{
    size_t n = 0;
    const char *const *h = pb ? playbook_hidden(pb, &n) : NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i], col) == 0)
            return 1;
    return 0;
}

static int visible(const struct playbook *pb, const struct schema_column *c)
{
    return !c->derived_from && !hidden(pb, c->name);
}

/* Whole questions over the largest mart, in shapes the parser answers: breakdowns by
 * the dimensions with the fewest values (region, segment), top-N over those with many
 * (customers, products), trends over its date column. */
static size_t patterns(const struct schema *s, const struct playbook *pb, char **out, size_t max)
{
    const struct schema_mart *fact = NULL;
    for (size_t i = 0; i < s->nmarts; i++)
        if (!fact || s->marts[i].rows > fact->rows)
            fact = &s->marts[i];
    if (!fact)
        return 0;
    const struct schema_column *meas[3], *few[3] = {0}, *many[2] = {0}, *date = NULL;
    size_t nm = 0, nf = 0, nmany = 0;
    for (size_t i = 0; i < fact->ncols; i++) {
        const struct schema_column *c = &fact->cols[i];
        if (!visible(pb, c))
            continue;
        if (strcmp(c->role, "measure") == 0 && nm < 3) {
            meas[nm++] = c;
        } else if (strcmp(c->role, "dimension") == 0 && c->nvalues > 1) {
            if (c->distinct <= 12 && nf < 3) {
                few[nf++] = c;
            } else if (c->distinct <= 12) {
                /* Keep the three with the fewest values. */
                size_t worst = 0;
                for (size_t k = 1; k < 3; k++)
                    if (few[k]->distinct > few[worst]->distinct)
                        worst = k;
                if (c->distinct < few[worst]->distinct)
                    few[worst] = c;
            } else if (nmany < 2) {
                many[nmany++] = c;
            }
        } else if (strcmp(c->role, "date") == 0 && !date && c->max) {
            date = c;
        }
    }
    char year[sizeof "2024"] = "";
    if (date && strlen(date->max) >= 4 && isdigit((unsigned char)date->max[0]))
        snprintf(year, sizeof year, "%.4s", date->max);
    size_t n = 0;
    for (size_t mi = 0; mi < nm; mi++) {
        char m[SQ_NAME_MAX], d[SQ_NAME_MAX];
        spaced(meas[mi]->name, m, sizeof m);
        for (size_t di = 0; di < nmany && n < max; di++) {
            spaced(many[di]->name, d, sizeof d);
            out[n++] = xasprintf("top 5 %s by %s", d, m);
        }
        for (size_t di = 0; di < nf && n + 4 <= max; di++) {
            spaced(few[di]->name, d, sizeof d);
            out[n++] = xasprintf("%s by %s", m, d);
            out[n++] = xasprintf("top 5 %s by %s", d, m);
            if (year[0])
                out[n++] = xasprintf("%s by %s in %s", m, d, year);
            if (few[di]->nvalues)
                out[n++] = xasprintf("%s for %s", m, few[di]->values[0].value);
        }
        if (year[0] && n + 2 <= max) {
            out[n++] = xasprintf("monthly %s in %s", m, year);
            out[n++] = xasprintf("%s by quarter in %s", m, year);
        }
        if (n < max)
            out[n++] = xasprintf("total %s", m);
    }
    return n;
}

/* The last k words of q (k >= 1), lower-cased, and where they start; 0 when q has fewer
 * words. A q ending in a space has an empty last word. */
static int tail_words(const char *q, int k, size_t *start)
{
    size_t n = strlen(q);
    if (n && q[n - 1] == ' ')
        return k == 1 ? (*start = n, 1) : 0;
    size_t i = n;
    for (int w = 0; w < k; w++) {
        if (i == 0)
            return 0;
        while (i > 0 && q[i - 1] != ' ')
            i--;
        if (w + 1 < k) {
            if (i == 0)
                return 0;
            while (i > 0 && q[i - 1] == ' ')
                i--;
        }
    }
    *start = i;
    return 1;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static void complete_words(const struct server__snapshot *snap, const char *q, struct list *l)
{
    const struct schema *s = snap->schema;
    for (int k = 3; k >= 1; k--) {
        size_t start;
        if (!tail_words(q, k, &start))
            continue;
        const char *tail = q + start;
        size_t tl = strlen(tail);
        if (tl == 0)
            continue;
        for (size_t mi = 0; mi < s->nmarts; mi++) {
            const struct schema_mart *m = &s->marts[mi];
            for (size_t ci = 0; ci < m->ncols; ci++) {
                const struct schema_column *c = &m->cols[ci];
                if (!visible(snap->pb, c))
                    continue;
                char phrase[SQ_NAME_MAX];
                spaced(c->name, phrase, sizeof phrase);
                if (starts_with(phrase, tail) && strlen(phrase) > tl) {
                    char detail[DETAIL_MAX];
                    snprintf(detail, sizeof detail, "%s column of %s", c->role, m->name);
                    add(l, q, start, phrase, "column", detail, column_rank(c));
                }
                for (size_t vi = 0; vi < c->nvalues; vi++) {
                    const char *v = c->values[vi].value;
                    if (v && starts_with(v, tail) && strlen(v) > tl)
                        add(l, q, start, v, "value", phrase,
                            RANK_VALUE + (c->distinct <= 12 ? 5 : 0)); /* West before Westfield */
                }
            }
        }
    }
    size_t n = 0;
    const struct playbook_pair *syn = snap->pb ? playbook_synonyms(snap->pb, &n) : NULL;
    size_t start;
    if (tail_words(q, 1, &start) && q[start]) {
        for (size_t i = 0; i < n; i++)
            if (starts_with(syn[i].key, q + start) && strlen(syn[i].key) > strlen(q + start))
                add(l, q, start, syn[i].key, "synonym", syn[i].value, RANK_SYNONYM);
    }
}

void server__suggest(const struct server__snapshot *snap, const char *raw, size_t max,
                     struct sq_jw *w)
{
    /* What was typed, with runs of spaces made one and leading spaces gone. */
    char q[MAX_Q + 1];
    size_t n = 0;
    for (const char *p = raw; *p && n < MAX_Q; p++) {
        char c = isspace((unsigned char)*p) ? ' ' : *p;
        if (c == ' ' && (n == 0 || q[n - 1] == ' '))
            continue;
        q[n++] = c;
    }
    q[n] = '\0';
    struct list l = {.max = max && max < MAX_ITEMS ? max : MAX_ITEMS};
    if (n)
        complete_words(snap, q, &l);
    char *pats[MAX_PATTERNS];
    size_t np = patterns(snap->schema, snap->pb, pats, MAX_PATTERNS);
    for (size_t i = 0; i < np; i++) {
        if (starts_with(pats[i], q) && strlen(pats[i]) > n)
            add(&l, "", 0, pats[i], "question", NULL, RANK_QUESTION);
        free(pats[i]);
    }
    qsort(l.items, l.n, sizeof l.items[0], by_rank);
    sq_jw_obj_begin(w);
    sq_jw_key(w, "q");
    sq_jw_str(w, raw);
    sq_jw_key(w, "suggestions");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < l.n && i < l.max; i++) {
        sq_jw_obj_begin(w);
        sq_jw_key(w, "text");
        sq_jw_str(w, l.items[i].text);
        sq_jw_key(w, "kind");
        sq_jw_str(w, l.items[i].kind);
        if (l.items[i].detail[0]) {
            sq_jw_key(w, "detail");
            sq_jw_str(w, l.items[i].detail);
        }
        sq_jw_obj_end(w);
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.items[i].text);
    sq_jw_arr_end(w);
    sq_jw_obj_end(w);
}

enum MHD_Result server__api_suggest(struct server__request *rq)
{
    const char *q = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "q");
    struct server__snapshot *snap = server__snapshot_get(rq->srv);
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, 1u << 20);
    sq_jw_init(&w, &b, 0);
    server__suggest(snap, q ? q : "", MAX_ITEMS, &w);
    server__snapshot_put(rq->srv, snap);
    return server__reply_json(rq, 200, &b);
}
