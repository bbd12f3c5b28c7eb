/*
 * Schema chunking: the few marts and columns a question is about, so that a prompt stays
 * small on a wide database. The question's phrases are looked up in the lexicon (lexicon/,
 * shared with the fast parser: names, synonyms, the glossary, the value index, with small
 * typos); marts are chosen by a greedy cover of those phrases, joined up along the
 * schema's join paths, and each chosen mart is described with types, roles, ranges and a
 * few values (those the question named first). Called by agents.c; the text goes into
 * the drafting prompt, the record (hits, counts) into --explain.
 */
#include "agents/internal.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "lexicon/lexicon.h"
#include "lexicon/token.h"
#include "schema/playbook.h"
#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_PHRASE_WORDS = 5,
    MAX_PRIMARY = 4,    /* marts chosen by score, before join paths add more */
    MAX_JOIN_EDGES = 4, /* longest join path followed */
    WIDE_MART = 40,     /* columns described in full before the rest are only named */
    VALUE_BYTES = 40,   /* a sample value is cut here */
};

static int stop_word(const char *w)
{
    static const char *const stops[] = {
        "the",  "a",    "an",   "of",   "in",   "for",   "by",    "to",   "and",   "or",
        "is",   "are",  "on",   "at",   "with", "what",  "which", "who",  "how",   "was",
        "were", "did",  "do",   "does", "me",   "show",  "give",  "list", "than",  "their",
        "our",  "from", "that", "this", "it",   "there", "have",  "has",  "each",  "per",
        "all",  "any",  "much", "many", "most", "more",  "less",  "even", "though"};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        if (strcmp(w, stops[i]) == 0)
            return 1;
    return 0;
}

/* Words that ask for a measure: a question that names only a dimension table ("which
 * customers bought the most") needs the fact table behind it. */
static int measure_cue(const char *w)
{
    static const char *const cues[] = {
        "most",    "top",    "best",    "worst",  "total",   "sum",     "revenue",  "sales",
        "sold",    "sell",   "sells",   "spent",  "spend",   "bought",  "buy",      "ordered",
        "orders",  "order",  "highest", "lowest", "biggest", "largest", "smallest", "profit",
        "average", "amount", "volume",  "units",  "quantity"};
    for (size_t i = 0; i < sizeof cues / sizeof cues[0]; i++)
        if (strcmp(w, cues[i]) == 0)
            return 1;
    return 0;
}

/* A phrase of the question and a mart it names, with how well (3 exact, 2 synonym, 1 a
 * word of a longer name). */
struct link {
    size_t phrase;
    size_t mart;
    int weight;
};

enum { MAX_LINKS = 1024 };

struct scoring {
    const struct schema *s;
    int *mart_score;
    struct link links[MAX_LINKS];
    size_t nlinks;
    size_t nphrases;
    unsigned char *col_hit; /* per mart, per column: 1 named, 2 a value of it named */
    size_t *col_base;       /* index of mart i's first column in col_hit */
    struct agents__chunk *out;
};

static size_t mart_index(const struct schema *s, const struct schema_mart *m)
{
    return (size_t)(m - s->marts);
}

static void add_hit(struct scoring *sc, const char *phrase, const struct lx_entry *e)
{
    const struct schema *s = sc->s;
    /* A phrase adds to each mart its best sense there, once. */
    int *best = xcalloc(s->nmarts + 1, sizeof *best);
    for (size_t k = 0; k < e->n; k++) {
        const struct lx_sense *sn = &e->senses[k];
        if (!sn->mart)
            continue;
        size_t mi = mart_index(s, sn->mart);
        if (mi >= s->nmarts)
            continue;
        int w = sn->quality == LX_EXACT ? 3 : sn->quality == LX_SYNONYM ? 2 : 1;
        if (w > best[mi])
            best[mi] = w;
        if (sn->col) {
            size_t ci = (size_t)(sn->col - sn->mart->cols);
            if (ci < sn->mart->ncols) {
                unsigned char mark = sn->kind == LX_SENSE_VALUE ? 2 : 1;
                unsigned char *cell = &sc->col_hit[sc->col_base[mi] + ci];
                if (mark > *cell)
                    *cell = mark;
            }
        }
        struct agents__chunk *o = sc->out;
        if (o->nhits < AGENTS__MAX_HITS) {
            struct agents__hit *h = &o->hits[o->nhits++];
            snprintf(h->phrase, sizeof h->phrase, "%.*s", AGENTS__HIT_PHRASE_MAX - 1, phrase);
            h->mart = sn->mart;
            h->column = sn->col ? sn->col->name : NULL;
            h->value = sn->kind == LX_SENSE_VALUE ? sn->value : NULL;
        }
    }
    for (size_t mi = 0; mi < s->nmarts; mi++) {
        sc->mart_score[mi] += best[mi];
        if (best[mi] && sc->nlinks < MAX_LINKS)
            sc->links[sc->nlinks++] = (struct link){sc->nphrases, mi, best[mi]};
    }
    sc->nphrases++;
    free(best);
}

/* Looks up tokens [i, i+n) as a phrase, as the fast parser does: spaced, with the last
 * word singular, joined without spaces, and single words through the glossary. */
static const struct lx_entry *lookup(const struct lx_lexicon *lx, const struct lx_tokens *tk,
                                     size_t i, size_t n, char *phrase, size_t size)
{
    char spaced[LX_PHRASE_MAX] = "", stemmed[LX_PHRASE_MAX] = "", joined[LX_PHRASE_MAX] = "";
    size_t a = 0, b = 0, d = 0;
    for (size_t k = 0; k < n; k++) {
        const struct lx_token *t = &tk->t[i + k];
        if (t->kind != LX_WORD)
            return NULL;
        if ((k == 0 || k == n - 1) && n > 1 && stop_word(t->text))
            return NULL;
        a += (size_t)snprintf(spaced + a, sizeof spaced - a, "%s%s", k ? " " : "", t->text);
        b += (size_t)snprintf(stemmed + b, sizeof stemmed - b, "%s%s", k ? " " : "",
                              k == n - 1 ? t->stem : t->text);
        d += (size_t)snprintf(joined + d, sizeof joined - d, "%s", t->text);
        if (a >= sizeof spaced || b >= sizeof stemmed || d >= sizeof joined)
            return NULL;
    }
    snprintf(phrase, size, "%s", spaced);
    const struct lx_entry *e = lx_lexicon_get(lx, spaced);
    if (!e)
        e = lx_lexicon_get(lx, stemmed);
    if (!e && n > 1)
        e = lx_lexicon_get(lx, joined);
    if (!e && n == 1 && !stop_word(tk->t[i].text)) {
        e = lx_lexicon_concept(lx, tk->t[i].text);
        if (!e)
            e = lx_lexicon_concept(lx, tk->t[i].stem);
        if (!e)
            e = lx_lexicon_fuzzy(lx, tk->t[i].text);
    }
    return e;
}

static void score_question(const struct lx_lexicon *lx, const char *question, struct scoring *sc,
                           int *wants_measure)
{
    struct lx_tokens tk;
    *wants_measure = 0;
    memset(&tk, 0, sizeof tk);
    if (lx_tokenize(question, &tk) != 0) {
        lx_tokens_fini(&tk);
        return;
    }
    for (size_t i = 0; i < tk.n;) {
        if (tk.t[i].kind == LX_WORD && measure_cue(tk.t[i].text))
            *wants_measure = 1;
        size_t used = 0;
        for (size_t n = MAX_PHRASE_WORDS; n >= 1 && !used; n--) {
            if (i + n > tk.n)
                continue;
            char phrase[LX_PHRASE_MAX];
            const struct lx_entry *e = lookup(lx, &tk, i, n, phrase, sizeof phrase);
            if (!e)
                continue;
            if (n == 1 && stop_word(tk.t[i].text))
                break;
            add_hit(sc, phrase, e);
            used = n;
        }
        i += used ? used : 1;
    }
    lx_tokens_fini(&tk);
}

static int chosen(const struct agents__chunk *c, const struct schema_mart *m)
{
    for (size_t i = 0; i < c->nmarts; i++)
        if (c->marts[i] == m)
            return 1;
    return 0;
}

static void choose(struct agents__chunk *c, const struct schema_mart *m)
{
    if (!chosen(c, m) && c->nmarts < AGENTS__MAX_MARTS)
        c->marts[c->nmarts++] = m;
}

/* Adds the marts along a path between a and b: a to b, b to a, or both from a third
 * mart that reaches each (a fact table that references both), the shortest. */
static void connect(const struct schema *s, struct agents__chunk *c, const struct schema_mart *a,
                    const struct schema_mart *b)
{
    const struct schema_join *p[MAX_JOIN_EDGES], *q[MAX_JOIN_EDGES];
    size_t np = 0, nq = 0;
    if (schema_join_path(s, a, b, p, MAX_JOIN_EDGES, &np) == 0 ||
        schema_join_path(s, b, a, p, MAX_JOIN_EDGES, &np) == 0) {
        for (size_t k = 0; k < np; k++) {
            choose(c, p[k]->from);
            choose(c, p[k]->to);
        }
        return;
    }
    const struct schema_mart *via = NULL;
    size_t best = (size_t)-1;
    for (size_t i = 0; i < s->nmarts; i++) {
        const struct schema_mart *x = &s->marts[i];
        if (x == a || x == b)
            continue;
        if (schema_join_path(s, x, a, p, MAX_JOIN_EDGES, &np) == 0 &&
            schema_join_path(s, x, b, q, MAX_JOIN_EDGES, &nq) == 0 && np + nq < best) {
            best = np + nq;
            via = x;
        }
    }
    if (!via)
        return;
    schema_join_path(s, via, a, p, MAX_JOIN_EDGES, &np);
    schema_join_path(s, via, b, q, MAX_JOIN_EDGES, &nq);
    for (size_t k = 0; k < np; k++)
        choose(c, p[k]->to);
    for (size_t k = 0; k < nq; k++)
        choose(c, q[k]->to);
    choose(c, via);
}

static int has_measure(const struct schema_mart *m)
{
    for (size_t i = 0; i < m->ncols; i++)
        if (strcmp(m->cols[i].role, "measure") == 0)
            return 1;
    return 0;
}

static int hidden(const struct playbook *pb, const char *name)
{
    size_t n = 0;
    const char *const *h = pb ? playbook_hidden(pb, &n) : NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i], name) == 0)
            return 1;
    return 0;
}

/* A value as a JSON string, cut to VALUE_BYTES at a character boundary. */
static void put_value(struct sq_buf *b, const char *v)
{
    size_t n = strlen(v);
    int cut = 0;
    if (n > VALUE_BYTES) {
        n = VALUE_BYTES;
        while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
            n--;
        cut = 1;
    }
    sq_json_put_string(b, v, n);
    if (cut)
        sq_buf_puts(b, "...");
}

/* A range bound: numbers and dates as they are, anything else as a JSON string. */
static void put_bound(struct sq_buf *b, const char *v)
{
    size_t n = strlen(v);
    if (n <= 30 && (sq_json_is_number(v) || strspn(v, "0123456789-:. T+") == n))
        sq_buf_puts(b, v);
    else
        put_value(b, v);
}

static void describe_column(struct sq_buf *b, const struct schema_mart *m,
                            const struct schema_column *col, unsigned char hit,
                            const struct agents__chunk *c)
{
    sq_buf_printf(b, "- %s %s %s", col->name, col->type, col->role);
    if (col->agg && *col->agg)
        sq_buf_printf(b, " (%s)", col->agg);
    /* The calendar parts of a date column, named once beside it. */
    int parts = 0;
    for (size_t k = 0; k < m->ncols; k++) {
        if (m->cols[k].derived_from && strcmp(m->cols[k].derived_from, col->name) == 0) {
            sq_buf_printf(b, "%s%s", parts ? ", " : "; parts: ", m->cols[k].name);
            parts++;
        }
    }
    int text = strstr(col->type, "CHAR") != NULL || strcmp(col->type, "VARCHAR") == 0;
    if (text && col->nvalues && strcmp(col->role, "identifier") != 0) {
        size_t want = hit ? 6 : col->distinct <= 50 ? 4 : 3;
        size_t shown = 0;
        sq_buf_printf(b, "; %lld value%s, e.g. ", col->distinct, col->distinct == 1 ? "" : "s");
        /* Values the question named come first. */
        for (size_t h = 0; h < c->nhits && shown < want; h++) {
            if (c->hits[h].mart == m && c->hits[h].value && c->hits[h].column == col->name) {
                if (shown)
                    sq_buf_puts(b, ", ");
                put_value(b, c->hits[h].value);
                shown++;
            }
        }
        for (size_t v = 0; v < col->nvalues && shown < want; v++) {
            int dup = 0;
            for (size_t h = 0; h < c->nhits; h++)
                if (c->hits[h].mart == m && c->hits[h].value && c->hits[h].column == col->name &&
                    strcmp(c->hits[h].value, col->values[v].value) == 0)
                    dup = 1;
            if (dup)
                continue;
            if (shown)
                sq_buf_puts(b, ", ");
            put_value(b, col->values[v].value);
            shown++;
        }
    } else if (col->min && col->max && *col->min) {
        sq_buf_puts(b, "; ");
        put_bound(b, col->min);
        sq_buf_puts(b, " to ");
        put_bound(b, col->max);
    }
    if (col->null_share > 0.05)
        sq_buf_printf(b, "; %.0f%% empty", col->null_share * 100);
    sq_buf_putc(b, '\n');
}

static int join_column(const struct schema *s, const struct schema_mart *m, const char *col)
{
    for (size_t j = 0; j < s->njoins; j++)
        if ((s->joins[j].from == m && strcmp(s->joins[j].from_col, col) == 0) ||
            (s->joins[j].to == m && strcmp(s->joins[j].to_col, col) == 0))
            return 1;
    return 0;
}

static int is_part_of(const struct schema_column *part, const char *col)
{
    return part->derived_from && strcmp(part->derived_from, col) == 0;
}

static void describe_mart(struct sq_buf *b, const struct schema *s, const struct playbook *pb,
                          const struct schema_mart *m, const unsigned char *hits, int trim,
                          struct agents__chunk *c)
{
    sq_buf_printf(b, "View %s (%lld rows)\n", m->name, m->rows);
    size_t plain = 0, shown = 0;
    for (size_t i = 0; i < m->ncols; i++)
        if (!m->cols[i].derived_from && !hidden(pb, m->cols[i].name))
            plain++;
    c->ncols_total += m->ncols;
    /* A wide mart in a chunk: its named, key, date and measure columns first, then other
     * columns up to WIDE_MART; the rest only by name. */
    int wide = trim && plain > WIDE_MART;
    struct sq_buf rest;
    sq_buf_init(&rest, SQ_BUF_UNLIMITED);
    for (int pass = 0; pass < (wide ? 2 : 1); pass++) {
        for (size_t i = 0; i < m->ncols; i++) {
            const struct schema_column *col = &m->cols[i];
            if (col->derived_from || hidden(pb, col->name))
                continue;
            int key =
                hits[i] || strcmp(col->role, "dimension") != 0 || join_column(s, m, col->name);
            if (wide && (pass == 0) != (key != 0))
                continue;
            if (wide && pass == 1 && shown >= WIDE_MART) {
                sq_buf_printf(&rest, "%s%s", rest.len ? ", " : "", col->name);
                continue;
            }
            describe_column(b, m, col, hits[i], c);
            shown++;
            c->ncols++;
            for (size_t k = 0; k < m->ncols; k++)
                c->ncols += is_part_of(&m->cols[k], col->name);
        }
    }
    if (rest.len)
        sq_buf_printf(b, "- more columns, not described: %s\n", rest.data);
    sq_buf_fini(&rest);
}

/* Picks the marts of a chunk into out->marts. */
static void pick_marts(const struct schema *s, const struct scoring *sc, int wants_measure,
                       struct agents__chunk *out)
{
    int best = 0;
    for (size_t i = 0; i < s->nmarts; i++)
        if (sc->mart_score[i] > best)
            best = sc->mart_score[i];
    if (best == 0) {
        /* Nothing named: the biggest mart and the marts it points to. */
        const struct schema_mart *big = &s->marts[0];
        for (size_t i = 1; i < s->nmarts; i++)
            if (s->marts[i].rows > big->rows)
                big = &s->marts[i];
        choose(out, big);
        for (size_t j = 0; j < s->njoins; j++)
            if (s->joins[j].from == big)
                choose(out, s->joins[j].to);
        return;
    }
    /* A greedy cover of the phrases: each step takes the mart that names the most of the
     * phrases not yet named, counting a phrase only where it is named best (so "quantity"
     * picks order_details.quantity, not a word of products.quantity_per_unit); ties go
     * to the higher total score, then to more rows. */
    int *top = xcalloc(sc->nphrases + 1, sizeof *top);
    unsigned char *covered = xcalloc(sc->nphrases + 1, 1);
    for (size_t k = 0; k < sc->nlinks; k++)
        if (sc->links[k].weight > top[sc->links[k].phrase])
            top[sc->links[k].phrase] = sc->links[k].weight;
    int *gain = xcalloc(s->nmarts + 1, sizeof *gain);
    for (size_t step = 0; step < MAX_PRIMARY; step++) {
        memset(gain, 0, (s->nmarts + 1) * sizeof *gain);
        for (size_t k = 0; k < sc->nlinks; k++) {
            const struct link *l = &sc->links[k];
            if (!covered[l->phrase] && l->weight == top[l->phrase])
                gain[l->mart] += l->weight;
        }
        size_t pick = s->nmarts;
        for (size_t i = 0; i < s->nmarts; i++) {
            if (!gain[i] || chosen(out, &s->marts[i]))
                continue;
            if (pick == s->nmarts || gain[i] > gain[pick] ||
                (gain[i] == gain[pick] && (sc->mart_score[i] > sc->mart_score[pick] ||
                                           (sc->mart_score[i] == sc->mart_score[pick] &&
                                            s->marts[i].rows > s->marts[pick].rows))))
                pick = i;
        }
        if (pick == s->nmarts)
            break;
        choose(out, &s->marts[pick]);
        for (size_t k = 0; k < sc->nlinks; k++)
            if (sc->links[k].mart == pick && sc->links[k].weight == top[sc->links[k].phrase])
                covered[sc->links[k].phrase] = 1;
    }
    free(gain);
    free(covered);
    free(top);
    int measures = 0;
    for (size_t i = 0; i < out->nmarts; i++)
        measures |= has_measure(out->marts[i]);
    if (!measures && wants_measure) {
        /* The biggest mart with a measure that leads to the first chosen one. */
        const struct schema_join *p[MAX_JOIN_EDGES];
        size_t np;
        const struct schema_mart *fact = NULL;
        for (size_t i = 0; i < s->nmarts; i++) {
            const struct schema_mart *x = &s->marts[i];
            if (!chosen(out, x) && has_measure(x) && (!fact || x->rows > fact->rows) &&
                schema_join_path(s, x, out->marts[0], p, MAX_JOIN_EDGES, &np) == 0)
                fact = x;
        }
        if (fact)
            choose(out, fact);
    }
    /* Join everything to the biggest chosen mart. */
    const struct schema_mart *anchor = out->marts[0];
    for (size_t i = 1; i < out->nmarts; i++)
        if (out->marts[i]->rows > anchor->rows)
            anchor = out->marts[i];
    size_t primary = out->nmarts;
    for (size_t i = 0; i < primary; i++)
        if (out->marts[i] != anchor)
            connect(s, out, anchor, out->marts[i]);
}

void agents__chunk_build(const struct lx_lexicon *lx, const char *question, int chunk,
                         struct agents__chunk *out)
{
    memset(out, 0, sizeof *out);
    const struct schema *s = lx_lexicon_schema(lx);
    const struct playbook *pb = lx_lexicon_playbook(lx);
    out->nmarts_total = s->nmarts;
    size_t total_cols = 0;
    size_t *base = xcalloc(s->nmarts + 1, sizeof *base);
    for (size_t i = 0; i < s->nmarts; i++) {
        base[i] = total_cols;
        total_cols += s->marts[i].ncols;
    }
    struct scoring sc = {.s = s,
                         .mart_score = xcalloc(s->nmarts + 1, sizeof(int)),
                         .col_hit = xcalloc(total_cols + 1, 1),
                         .col_base = base,
                         .out = out};
    int wants_measure = 0;
    score_question(lx, question, &sc, &wants_measure);
    int best = 0;
    for (size_t i = 0; i < s->nmarts; i++)
        if (sc.mart_score[i] > best)
            best = sc.mart_score[i];
    out->whole = !chunk || s->nmarts <= 1 || (best == 0 && s->nmarts <= 3);
    if (!out->whole && s->nmarts)
        pick_marts(s, &sc, wants_measure, out);
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, "Schema (DuckDB views; each column with its type and role, then its range "
                    "or example values):\n");
    size_t described = 0;
    for (size_t i = 0; i < s->nmarts; i++) {
        const struct schema_mart *m = &s->marts[i];
        if (!out->whole && !chosen(out, m))
            continue;
        describe_mart(&b, s, pb, m, sc.col_hit + base[i], chunk, out);
        described++;
    }
    int joins = 0;
    for (size_t j = 0; j < s->njoins; j++) {
        const struct schema_join *e = &s->joins[j];
        if (!out->whole && !(chosen(out, e->from) && chosen(out, e->to)))
            continue;
        if (!joins++)
            sq_buf_puts(&b, "Joins (many-to-one; a LEFT JOIN keeps every row of the left view):\n");
        sq_buf_printf(&b, "- %s.%s -> %s.%s\n", e->from->name, e->from_col, e->to->name, e->to_col);
    }
    if (out->whole) {
        out->nmarts = 0;
        for (size_t i = 0; i < s->nmarts && out->nmarts < AGENTS__MAX_MARTS; i++)
            out->marts[out->nmarts++] = &s->marts[i];
    }
    out->ndescribed = described;
    out->text = sq_buf_steal(&b);
    free(sc.mart_score);
    free(sc.col_hit);
    free(base);
}

void agents__chunk_fini(struct agents__chunk *c)
{
    free(c->text);
    memset(c, 0, sizeof *c);
}
