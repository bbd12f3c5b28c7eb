/*
 * The top row's fields: "who spent the most in 2017 and what segment are they in", "the
 * biggest order by value - who placed it?", "which customer paid the most, and who is
 * their sales rep". The question before the clause is a ranking the frame parser reads;
 * the clause names columns of the ranked thing — of its own row, of a thing it links to
 * ("their sales rep": the employee's name), or its buyer ("who placed it") — which are
 * shown beside it (see nl_frame.fields). Anything in the clause not read so leaves the
 * question to the parsers whole.
 */
#include "nlsql/internal.h"

#include "lexicon/lexicon.h"
#include "lexicon/token.h"
#include "model/model.h"
#include "schema/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int word_in(const char *w, const char *const *set)
{
    for (int k = 0; set[k]; k++)
        if (strcmp(w, set[k]) == 0)
            return 1;
    return 0;
}

static const char *const asks[] = {"who", "what", "which", NULL};
static const char *const copula[] = {"is", "are", "was", "were", "do", "does", "did", NULL};
static const char *const theirs[] = {"they", "their", "them", "it",  "its",
                                     "he",   "his",   "she",  "her", NULL};
static const char *const buys[] = {"placed", "made",  "ordered", "bought", "purchased",
                                   "paid",   "place", "make",    "buy",    NULL};

size_t nl__fields_clause(const char *question, size_t *tail)
{
    struct lx_tokens tk;
    size_t at = 0;
    if (lx_tokenize(question, &tk) != 0) {
        lx_tokens_fini(&tk);
        return 0;
    }
    for (size_t i = 1; i + 2 < tk.n && !at; i++) {
        const struct lx_token *t = &tk.t[i];
        int sep = (t->kind == LX_PUNCT && strchr("-,;?", t->text[0])) ||
                  (t->kind == LX_WORD && strcmp(t->text, "and") == 0);
        if (!sep)
            continue;
        size_t j = i + 1;
        if (j < tk.n && tk.t[j].kind == LX_WORD && strcmp(tk.t[j].text, "and") == 0)
            j++;
        if (j + 1 >= tk.n || tk.t[j].kind != LX_WORD)
            continue;
        const char *w = tk.t[j].text, *w1 = tk.t[j + 1].text;
        int pron = 0; /* the clause is about the thing already named */
        for (size_t k = j; k < tk.n && k < j + 6; k++)
            pron |= tk.t[k].kind == LX_WORD && word_in(tk.t[k].text, theirs);
        /* "and their email", "who is their sales rep", "what segment are they in",
         * "who placed it" */
        if ((strcmp(w, "their") == 0 || strcmp(w, "its") == 0) ||
            (word_in(w, asks) && pron &&
             (word_in(w1, copula) || word_in(w1, buys) || tk.t[j + 1].kind == LX_WORD))) {
            at = (size_t)t->start;
            *tail = (size_t)tk.t[j].start;
        }
    }
    lx_tokens_fini(&tk);
    return at;
}

/* Adds a field, once. */
static int add(struct nl_frame *f, const struct schema_mart *m, const struct schema_column *col)
{
    for (size_t i = 0; i < f->nfields; i++)
        if (f->fields[i].col == col)
            return 0;
    for (size_t i = 0; i < f->ndims; i++)
        if (f->dims[i].col == col)
            return 0;
    if (f->nfields >= NL_MAX_FIELDS)
        return -1;
    f->fields[f->nfields].mart = m;
    f->fields[f->nfields].col = col;
    f->fields[f->nfields].grain = GRAIN_NONE;
    f->nfields++;
    return 0;
}

static int add_labels(struct nl_frame *f, const struct sm_entity *en)
{
    for (size_t k = 0; k < en->nlabel; k++)
        if (add(f, en->mart, en->label[k]) != 0)
            return -1;
    return en->nlabel ? 0 : -1;
}

/* The link of role words[0..n) from the thing's mart: "sales rep", "manager". */
static const struct sm_link *role_link(const struct sm_model *m, const struct schema_mart *from,
                                       const struct lx_tokens *tk, size_t i, size_t n)
{
    char said[128] = "";
    size_t len = 0;
    for (size_t k = i; k < i + n; k++) {
        const char *w = k + 1 == i + n ? tk->t[k].stem : tk->t[k].text;
        int wrote = snprintf(said + len, sizeof said - len, "%s%s", len ? " " : "", w);
        if (wrote < 0 || (size_t)wrote >= sizeof said - len)
            return NULL;
        len += (size_t)wrote;
    }
    const struct sm_link *found = NULL;
    for (size_t k = 0; k < m->nlinks; k++) {
        const struct sm_link *l = &m->links[k];
        if (l->from->mart == from && l->role[0] && strcasecmp(l->role, said) == 0) {
            if (found)
                return NULL;
            found = l;
        }
    }
    return found;
}

/* The buyer of the thing: the customer it links to, else its customer name column. */
static int add_buyer(const struct lx_lexicon *lx, const struct sm_model *m, struct nl_frame *f,
                     const struct schema_mart *thing)
{
    const struct sm_entity *found = NULL;
    int n = 0;
    for (size_t k = 0; k < m->nlinks; k++) {
        const struct sm_link *l = &m->links[k];
        if (l->from->mart != thing || l->self)
            continue;
        if (nl__is_buyer(l->to) && found != l->to) {
            found = l->to;
            n++;
        }
    }
    if (n == 1)
        return add_labels(f, found);
    if (n > 1)
        return -1;
    const struct schema_column *col = NULL;
    for (int b = 0; nl__buyer_nouns[b]; b++) {
        const struct lx_entry *e = lx_lexicon_get(lx, nl__buyer_nouns[b]);
        for (size_t k = 0; e && k < e->n; k++) {
            const struct lx_sense *x = &e->senses[k];
            if (x->kind == LX_SENSE_COLUMN && x->mart == thing &&
                strcmp(x->col->role, "dimension") == 0 && strstr(x->col->name, "name")) {
                if (col && col != x->col)
                    return -1;
                col = x->col;
            }
        }
        if (col)
            return add(f, thing, col);
    }
    return -1;
}

/* A column the phrase names on the thing's mart, else on a mart it links to. */
static int add_column(const struct sm_model *m, struct nl_frame *f, const struct schema_mart *thing,
                      const struct lx_entry *e)
{
    const struct lx_sense *own = NULL, *linked = NULL;
    int nown = 0, nlinked = 0;
    for (size_t k = 0; k < e->n; k++) {
        const struct lx_sense *x = &e->senses[k];
        if (x->kind != LX_SENSE_COLUMN || x->col->derived_from)
            continue;
        if (x->mart == thing) {
            nown += !own || own->col != x->col;
            own = x;
            continue;
        }
        for (size_t j = 0; j < m->nlinks; j++) {
            const struct sm_link *l = &m->links[j];
            if (l->from->mart == thing && l->to->mart == x->mart && !l->self) {
                nlinked += !linked || linked->col != x->col;
                linked = x;
            }
        }
    }
    if (nown == 1)
        return add(f, thing, own->col);
    if (nown == 0 && nlinked == 1)
        return add(f, linked->mart, linked->col);
    return -1;
}

int nl__add_fields(const struct lx_lexicon *lx, const struct sm_model *m, const char *clause,
                   struct nl_frame *f)
{
    static const char *const little[] = {
        "who",     "what", "which", "whose",  "is",   "are",  "was",  "were",  "do",   "does",
        "did",     "they", "their", "them",   "it",   "its",  "he",   "his",   "she",  "her",
        "in",      "from", "of",    "the",    "a",    "an",   "to",   "for",   "and",  "belong",
        "belongs", "work", "works", "based",  "at",   "also", "come", "comes", "give", "show",
        "tell",    "me",   "us",    "please", "with", NULL};
    if (!m || f->ndims == 0 || !f->dims[0].col || !(f->superlative || f->limit) || f->compare ||
        f->share || f->growth || f->per_group || f->over || f->avg_grain || f->exists)
        return -1;
    const struct schema_mart *thing = f->dims[0].mart;
    for (size_t i = 1; i < f->ndims; i++) /* one thing: its first and last name */
        if (!f->dims[i].col || f->dims[i].mart != thing)
            return -1;
    struct nl_frame out = *f;
    struct lx_tokens tk;
    int rc = lx_tokenize(clause, &tk) == 0 ? 0 : -1;
    int named = 0;
    for (size_t i = 0; rc == 0 && i < tk.n;) {
        const struct lx_token *t = &tk.t[i];
        if (t->kind == LX_PUNCT || (t->kind == LX_WORD && word_in(t->text, little))) {
            i++;
            continue;
        }
        if (t->kind == LX_WORD && word_in(t->text, buys)) {
            rc = add_buyer(lx, m, &out, thing);
            named++;
            i++;
            continue;
        }
        size_t n = 0;
        const struct sm_link *role = NULL;
        const struct lx_entry *e = NULL;
        for (size_t k = tk.n - i < 3 ? tk.n - i : 3; k > 0 && !role && !e; k--) {
            role = role_link(m, thing, &tk, i, k);
            if (!role)
                e = lx_lexicon_run(lx, &tk.t[i], k);
            n = k;
        }
        if (role) {
            rc = add_labels(&out, role->to);
            if (out.nassumptions < NL_MAX_ASSUMPTIONS)
                snprintf(out.assumptions[out.nassumptions++], NL_ASSUMPTION_MAX,
                         "their %s: the %s its %.60s names", role->role, role->to->noun,
                         role->from_col);
        } else if (e)
            rc = add_column(m, &out, thing, e);
        else
            rc = -1;
        named++;
        i += n;
    }
    lx_tokens_fini(&tk);
    if (rc != 0 || !named || !out.nfields)
        return -1;
    *f = out;
    return 0;
}
