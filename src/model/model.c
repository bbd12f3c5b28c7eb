/*
 * The semantic model (model.h), worked out from the schema snapshot. Each rule reads the
 * profile (distinct counts, NULL shares, min and max) and the shape of the table around a
 * column before its name; a name only decides between readings the values allow.
 */
#include "model/model.h"

#include "base/json.h"
#include "base/limits.h"
#include "base/mem.h"
#include "lexicon/token.h"
#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- words ------------------------------------------------------------------------- */

/* 1 if name, split at '_', has the word w. */
static int has_word(const char *name, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = name; (p = strstr(p, w)) != NULL; p++)
        if ((p == name || p[-1] == '_') && (p[n] == '\0' || p[n] == '_'))
            return 1;
    return 0;
}

static int has_any_word(const char *name, const char *const *ws)
{
    for (; *ws; ws++)
        if (has_word(name, *ws))
            return 1;
    return 0;
}

static int has_any_part(const char *name, const char *const *ws)
{
    for (; *ws; ws++)
        if (strstr(name, *ws))
            return 1;
    return 0;
}

/* The name in words: '_' as spaces. */
static void words(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s", name);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = ' ';
}

static int is_text(const struct schema_column *c)
{
    return strcmp(c->type, "VARCHAR") == 0;
}

static double num(const char *s, int *ok)
{
    char *end = NULL;
    double v = s ? strtod(s, &end) : 0;
    *ok = s && end != s;
    return v;
}

/* 1 if every row has its own value of c and none is NULL. The distinct count is
 * approximate past a few thousand values: a key may be counted a little short. */
static int unique_in(const struct schema_column *c, const struct schema_mart *m)
{
    if (m->rows <= 0 || c->null_share > 0 || c->derived_from)
        return 0;
    if (m->rows <= 1000)
        return c->distinct == m->rows;
    return (double)c->distinct >= 0.97 * (double)m->rows;
}

/* ---- entities ---------------------------------------------------------------------- */

/* The words a mart's rows are called by: its source's name after the prefix every source
 * shares ("adventure_works_customers" among adventure_works_*), singular. */
static char *mart_noun(struct sq_arena *a, const struct schema *s, const struct schema_mart *m)
{
    size_t common = schema_common_prefix(s);
    char w[SQ_NAME_MAX], last[SQ_NAME_MAX];
    words(m->source + (common < strlen(m->source) ? common : 0), w, sizeof w);
    char *space = strrchr(w, ' ');
    char *tail = space ? space + 1 : w;
    lx_singular(tail, last, sizeof last);
    snprintf(tail, sizeof w - (size_t)(tail - w), "%s", last);
    return sq_arena_strdup(a, w);
}

/* A name written as one word, split where another table's noun ends: "orderdetail" among
 * orders is "order detail", "productline" among products "product line". */
static const char *split_noun(struct sq_arena *a, const struct sm_model *m, const char *noun)
{
    enum { PART_MIN = 3 };
    if (strchr(noun, ' '))
        return noun;
    size_t n = strlen(noun);
    for (size_t i = 0; i < m->nentities; i++) {
        const char *other = m->entities[i].noun;
        size_t k = strlen(other);
        if (other != noun && !strchr(other, ' ') && k >= PART_MIN && n >= k + PART_MIN &&
            strncmp(noun, other, k) == 0) {
            char w[SQ_NAME_MAX];
            snprintf(w, sizeof w, "%.*s %s", (int)k, noun, noun + k);
            return sq_arena_strdup(a, w);
        }
    }
    return noun;
}

static int key_suffix(const char *name)
{
    static const char *const ends[] = {"id", "number", "code", "key", "no", "num", NULL};
    const char *last = strrchr(name, '_');
    last = last ? last + 1 : name;
    for (size_t i = 0; ends[i]; i++)
        if (strcmp(last, ends[i]) == 0)
            return 1;
    return strlen(name) > 2 && strcmp(name + strlen(name) - 2, "id") == 0;
}

/* 1 if column name is the noun with a key's suffix or the noun itself ("customer_number",
 * "product_line" of product lines). */
static int names_noun(const char *name, const char *noun)
{
    char w[SQ_NAME_MAX];
    words(name, w, sizeof w);
    size_t n = strlen(noun);
    return strncmp(w, noun, n) == 0 && (w[n] == '\0' || w[n] == ' ');
}

static const struct schema_column *find_key(const struct schema_mart *m, const char *noun)
{
    const struct schema_column *named = NULL, *suffixed = NULL;
    for (size_t i = 0; i < m->ncols; i++) {
        const struct schema_column *c = &m->cols[i];
        if (!unique_in(c, m) || strcmp(c->role, "date") == 0 || strcmp(c->role, "measure") == 0)
            continue;
        int suffix = key_suffix(c->name);
        if (!named && names_noun(c->name, noun) && (suffix || is_text(c)))
            named = c;
        if (!suffixed && suffix && strcmp(c->role, "identifier") == 0)
            suffixed = c;
    }
    return named ? named : suffixed;
}

/* first_name and last_name with the same prefix ("contact_"); the unprefixed pair first. */
static int person_name(const struct schema_mart *m, const struct schema_column **first,
                       const struct schema_column **last)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < m->ncols; i++) {
            const char *n = m->cols[i].name;
            const char *f = strstr(n, "first_name");
            if (!f || f[10] != '\0' || !is_text(&m->cols[i]) || (pass == 0 && f != n))
                continue;
            char want[SQ_NAME_MAX];
            snprintf(want, sizeof want, "%.*slast_name", (int)(f - n), n);
            const struct schema_column *l = schema_find_column(m, want);
            if (l && is_text(l)) {
                *first = &m->cols[i];
                *last = l;
                return 1;
            }
        }
    return 0;
}

static void find_label(struct sm_entity *e)
{
    const struct schema_mart *m = e->mart;
    const struct schema_column *text = NULL, *description = NULL;
    for (size_t i = 0; i < m->ncols; i++) {
        const struct schema_column *c = &m->cols[i];
        if (!is_text(c) || !unique_in(c, m))
            continue;
        if (!description && has_word(c->name, "description"))
            description = c;
        /* The thing's own name, not a contact's: customer_name, product_name. */
        if ((has_word(c->name, "name") || has_word(c->name, "title")) &&
            !has_word(c->name, "first") && !has_word(c->name, "last")) {
            e->label[0] = c;
            e->nlabel = 1;
            return;
        }
        if (!text && strcmp(c->role, "identifier") != 0 && !has_word(c->name, "description"))
            text = c;
    }
    const struct schema_column *first, *last;
    if (person_name(m, &first, &last) && strncmp(first->name, "first", 5) == 0) {
        e->label[0] = first;
        e->label[1] = last;
        e->nlabel = 2;
    } else if (text || description) {
        e->label[0] = text ? text : description;
        e->nlabel = 1;
    } else if (e->key) {
        e->label[0] = e->key;
        e->nlabel = 1;
    }
}

/* ---- links ------------------------------------------------------------------------- */

/* What the column calls the row it points at, beyond the key's own name:
 * "sales_rep_employee_number" to employee_number is "sales rep". */
static char *link_role(struct sq_arena *a, const char *from_col, const char *to_col,
                       const char *to_noun)
{
    char w[SQ_NAME_MAX], t[SQ_NAME_MAX];
    words(from_col, w, sizeof w);
    words(to_col, t, sizeof t);
    size_t n = strlen(w), k = strlen(t);
    if (n > k && strcmp(w + n - k, t) == 0 && w[n - k - 1] == ' ')
        w[n - k - 1] = '\0';
    else if (strcmp(w, t) == 0)
        w[0] = '\0';
    else if (key_suffix(from_col) && strrchr(w, ' '))
        *strrchr(w, ' ') = '\0';
    if (strcmp(w, to_noun) == 0)
        w[0] = '\0';
    return sq_arena_strdup(a, w);
}

static int is_self_reference(const struct schema_column *c, const struct sm_entity *e)
{
    static const char *const names[] = {"reports", "manager", "supervisor", "boss",
                                        "parent",  "leader",  "superior",   NULL};
    if (!e->key || c == e->key || !schema_type_is_numeric(c->type) ||
        !schema_type_is_numeric(e->key->type) || c->derived_from || !has_any_part(c->name, names))
        return 0;
    int ok1, ok2, ok3, ok4;
    double cmin = num(c->min, &ok1), cmax = num(c->max, &ok2);
    double kmin = num(e->key->min, &ok3), kmax = num(e->key->max, &ok4);
    return ok1 && ok2 && ok3 && ok4 && cmin >= kmin && cmax <= kmax;
}

/* ---- measures ---------------------------------------------------------------------- */

static enum sm_date_role date_role(const char *name);

/* 1 if a mart's rows are events (an order, a payment): it has a date of what happened,
 * not only dates of the thing (a birth date, a hire date). */
static int is_event(const struct schema_mart *m)
{
    for (size_t i = 0; i < m->ncols; i++)
        if (strcmp(m->cols[i].role, "date") == 0 && !m->cols[i].derived_from &&
            date_role(m->cols[i].name) != SM_DATE_OTHER)
            return 1;
    return 0;
}

/* A row's position among its siblings (order_line_number, line_item): a number that is
 * neither summed nor averaged. */
static int is_position(const char *name)
{
    static const char *const pos[] = {"sequence", "position", "seq", "rank", "ordinal", NULL};
    return (has_word(name, "line") &&
            (has_word(name, "number") || has_word(name, "item") || has_word(name, "no"))) ||
           has_any_word(name, pos);
}

static const char *const count_words[] = {"quantity", "qty",   "units",  "unit", "count",
                                          "pieces",   "items", "volume", NULL};
static const char *const price_words[] = {"price", "msrp", "rrp", NULL};
static const char *const cost_words[] = {"buy_price", "cost", "purchase_price", NULL};
static const char *const rate_words[] = {"discount", "rate",  "percent", "pct",
                                         "ratio",    "share", NULL};
static const char *const money_words[] = {"amount", "sales",   "revenue", "price",  "cost",
                                          "profit", "freight", "value",   "margin", "income",
                                          "paid",   "payment", "limit",   NULL};

static enum sm_kind kind_of(const struct schema_column *c, const struct sm_entity *e)
{
    int ok1, ok2;
    double lo = num(c->min, &ok1), hi = num(c->max, &ok2);
    int unit_range = ok1 && ok2 && lo >= 0 && hi <= 1;
    /* A discount or a rate by its name and its values; "gross_margin" holding dollars is
     * money, whatever it is called. */
    if (has_any_part(c->name, rate_words) && (unit_range || (ok2 && hi <= 100 && lo >= 0)) &&
        !has_any_part(c->name, money_words + 1))
        return SM_RATE;
    if (has_word(c->name, "margin") && unit_range)
        return SM_RATE;
    int thing = e && e->key && !is_event(e->mart);
    if (has_any_part(c->name, price_words) || has_any_part(c->name, cost_words) ||
        (thing && has_word(c->name, "cost")))
        return SM_PRICE;
    if (thing)
        return SM_LEVEL;
    if (has_any_part(c->name, count_words) && !has_any_part(c->name, money_words))
        return SM_COUNT;
    if (has_any_part(c->name, money_words))
        return SM_MONEY;
    return schema_type_is_integer(c->type) ? SM_COUNT : SM_MONEY;
}

static const char *agg_of(enum sm_kind k)
{
    return k == SM_PRICE || k == SM_RATE ? "avg" : k == SM_REFERENCE ? "" : "sum";
}

/* ---- building ---------------------------------------------------------------------- */

struct builder {
    struct sm_model *m;
    const struct schema *s;
};

/* The arrays are sized once for the most they can hold (model.h's rules add at most a link
 * per join and per column, a measure per column and three per mart, a date per column). */
static struct sm_link *add_link(struct builder *b)
{
    struct sm_link *l = &b->m->links[b->m->nlinks++];
    memset(l, 0, sizeof *l);
    return l;
}

static struct sm_measure *add_measure(struct builder *b)
{
    struct sm_measure *x = &b->m->measures[b->m->nmeasures++];
    memset(x, 0, sizeof *x);
    return x;
}

static const struct sm_link *self_link_of(const struct sm_model *m, const struct schema_column *c,
                                          const struct schema_mart *mart)
{
    for (size_t i = 0; i < m->nlinks; i++)
        if (m->links[i].self && m->links[i].from->mart == mart &&
            strcmp(m->links[i].from_col, c->name) == 0)
            return &m->links[i];
    return NULL;
}

/* The column of a kind in a mart, named like one of ws first; NULL if none. */
static const struct sm_measure *column_measure(const struct sm_model *m,
                                               const struct schema_mart *mart, enum sm_kind kind,
                                               const char *const *ws)
{
    const struct sm_measure *any = NULL;
    for (size_t i = 0; i < m->nmeasures; i++) {
        const struct sm_measure *x = &m->measures[i];
        if (x->mart != mart || !x->col || x->kind != kind)
            continue;
        if (!ws || has_any_part(x->col->name, ws))
            return x;
        if (!any)
            any = x;
    }
    return ws ? NULL : any;
}

static int has_money_named(const struct schema_mart *mart, const char *const *ws)
{
    for (size_t i = 0; i < mart->ncols; i++)
        if (schema_type_is_numeric(mart->cols[i].type) && has_any_word(mart->cols[i].name, ws))
            return 1;
    return 0;
}

/* Revenue, cost and profit of a mart of lines where no column holds them: a count times
 * a per-unit price in the same row, less a discount; the cost from a price paid for the
 * thing the line links to. */
static void computed_measures(struct builder *b, const struct schema_mart *mart)
{
    struct sm_model *m = b->m;
    struct sq_arena *a = &m->arena;
    static const char *const revenue_names[] = {"sales", "revenue", "amount", "total", NULL};
    static const char *const unit_price[] = {"unit_price", "price_each", "price", NULL};
    static const char *const not_sales[] = {"return", "refund", "stock", "inventory", NULL};
    const struct sm_measure *q = column_measure(m, mart, SM_COUNT, NULL);
    if (!q || has_money_named(mart, revenue_names) ||
        has_any_part(sm_entity_of(m, mart)->noun, not_sales))
        return;
    const struct sm_measure *p = NULL;
    for (size_t k = 0; unit_price[k] && !p; k++) {
        const char *one[] = {unit_price[k], NULL};
        p = column_measure(m, mart, SM_PRICE, one);
    }
    static const char *const disc[] = {"discount", NULL};
    const struct sm_measure *d = column_measure(m, mart, SM_RATE, disc);
    char sql[3 * SQ_NAME_MAX + 64], formula[3 * SQ_NAME_MAX + 64];
    char *rev_sql = NULL, *rev_formula = NULL;
    const struct sm_link *rev_link = NULL;
    if (!p) {
        /* No price on the line: the list price of the thing it links to. */
        for (size_t i = 0; i < m->nlinks && !p; i++) {
            const struct sm_link *l = &m->links[i];
            if (l->from->mart != mart || l->self)
                continue;
            for (size_t k = 0; k < m->nmeasures && !p; k++) {
                const struct sm_measure *lp = &m->measures[k];
                if (lp->mart == l->to->mart && lp->col && lp->kind == SM_PRICE &&
                    !has_any_part(lp->col->name, cost_words)) {
                    p = lp;
                    rev_link = l;
                }
            }
        }
        if (p) {
            snprintf(sql, sizeof sql, "m.\"%s\" * j.\"%s\"", q->col->name, p->col->name);
            snprintf(formula, sizeof formula, "%s × %s.%s", q->col->name, rev_link->to->noun,
                     p->col->name);
            struct sm_measure *r = add_measure(b);
            r->name = "revenue";
            r->mart = mart;
            r->kind = SM_MONEY;
            r->agg = "sum";
            r->sql = rev_sql = sq_arena_strdup(a, sql);
            r->formula = rev_formula = sq_arena_strdup(a, formula);
            r->link = rev_link;
        }
    } else {
        if (d) {
            snprintf(sql, sizeof sql, "m.\"%s\" * m.\"%s\" * (1 - m.\"%s\")", q->col->name,
                     p->col->name, d->col->name);
            snprintf(formula, sizeof formula, "%s × %s × (1 − %s)", q->col->name, p->col->name,
                     d->col->name);
        } else {
            snprintf(sql, sizeof sql, "m.\"%s\" * m.\"%s\"", q->col->name, p->col->name);
            snprintf(formula, sizeof formula, "%s × %s", q->col->name, p->col->name);
        }
        struct sm_measure *r = add_measure(b);
        r->name = "revenue";
        r->mart = mart;
        r->kind = SM_MONEY;
        r->agg = "sum";
        r->sql = rev_sql = sq_arena_strdup(a, sql);
        r->formula = rev_formula = sq_arena_strdup(a, formula);
    }
    /* The cost: the line's count times what the linked thing costs to buy. */
    for (size_t i = 0; i < m->nlinks; i++) {
        const struct sm_link *l = &m->links[i];
        if (l->from->mart != mart || l->self)
            continue;
        const struct sm_measure *c = column_measure(m, l->to->mart, SM_PRICE, cost_words);
        if (!c)
            continue;
        snprintf(sql, sizeof sql, "m.\"%s\" * j.\"%s\"", q->col->name, c->col->name);
        snprintf(formula, sizeof formula, "%s × %s.%s", q->col->name, l->to->noun, c->col->name);
        struct sm_measure *x = add_measure(b);
        x->name = "cost";
        x->mart = mart;
        x->kind = SM_MONEY;
        x->agg = "sum";
        x->sql = sq_arena_strdup(a, sql);
        x->formula = sq_arena_strdup(a, formula);
        x->link = l;
        if (rev_sql && (!rev_link || rev_link == l)) {
            struct sm_measure *pr = add_measure(b);
            char psql[sizeof sql * 2 + 8], pform[sizeof formula * 2 + 8];
            snprintf(psql, sizeof psql, "%s - %s", rev_sql, x->sql);
            snprintf(pform, sizeof pform, "revenue − cost (%s − %s)", rev_formula, x->formula);
            pr->name = "profit";
            pr->mart = mart;
            pr->kind = SM_MONEY;
            pr->agg = "sum";
            pr->sql = sq_arena_strdup(a, psql);
            pr->formula = sq_arena_strdup(a, pform);
            pr->link = l;
        }
        break;
    }
}

static enum sm_date_role date_role(const char *name)
{
    /* Parts, not words: "orderdate" and "shippeddate" are written as one. */
    static const char *const shipped[] = {"ship", "deliver", "dispatch", NULL};
    static const char *const required[] = {"requir", "due", "expected", "promised", NULL};
    static const char *const paid[] = {"payment", "paid", "pay_", NULL};
    static const char *const ordered[] = {"order",       "sale",     "sold", "invoice",
                                          "transaction", "purchase", NULL};
    if (has_any_part(name, shipped))
        return SM_DATE_SHIPPED;
    if (has_any_part(name, required))
        return SM_DATE_REQUIRED;
    if (has_any_part(name, paid))
        return SM_DATE_PAID;
    if (has_any_part(name, ordered) || strcmp(name, "date") == 0)
        return SM_DATE_ORDERED;
    return SM_DATE_OTHER;
}

struct sm_model *sm_model_build(const struct schema *s)
{
    struct sm_model *m = xcalloc(1, sizeof *m);
    sq_arena_init(&m->arena);
    struct builder b = {.m = m, .s = s};
    size_t ncols = 0;
    for (size_t i = 0; i < s->nmarts; i++)
        ncols += s->marts[i].ncols;
    m->entities = xcalloc(s->nmarts + 1, sizeof *m->entities);
    m->links = xcalloc(s->njoins + ncols + 1, sizeof *m->links);
    m->measures = xcalloc(ncols + 3 * s->nmarts + 1, sizeof *m->measures);
    m->dates = xcalloc(ncols + 1, sizeof *m->dates);
    for (size_t i = 0; i < s->nmarts; i++) {
        struct sm_entity *e = &m->entities[m->nentities++];
        e->mart = &s->marts[i];
        e->noun = mart_noun(&m->arena, s, e->mart);
    }
    for (size_t i = 0; i < m->nentities; i++) {
        struct sm_entity *e = &m->entities[i];
        e->noun = split_noun(&m->arena, m, e->noun);
        e->key = find_key(e->mart, e->noun);
        find_label(e);
    }
    for (size_t i = 0; i < s->njoins; i++) {
        const struct schema_join *j = &s->joins[i];
        struct sm_link *l = add_link(&b);
        l->from = sm_entity_of(m, j->from);
        l->to = sm_entity_of(m, j->to);
        l->from_col = j->from_col;
        l->to_col = j->to_col;
        l->role = link_role(&m->arena, j->from_col, j->to_col, l->to->noun);
    }
    for (size_t i = 0; i < m->nentities; i++) {
        const struct sm_entity *e = &m->entities[i];
        for (size_t k = 0; k < e->mart->ncols; k++) {
            const struct schema_column *c = &e->mart->cols[k];
            if (!is_self_reference(c, e))
                continue;
            struct sm_link *l = add_link(&b);
            l->from = l->to = e;
            l->from_col = c->name;
            l->to_col = e->key->name;
            l->role = "manager";
            l->self = 1;
        }
    }
    for (size_t i = 0; i < m->nentities; i++) {
        const struct sm_entity *e = &m->entities[i];
        for (size_t k = 0; k < e->mart->ncols; k++) {
            const struct schema_column *c = &e->mart->cols[k];
            if (c->derived_from)
                continue;
            if (strcmp(c->role, "date") == 0) {
                m->dates[m->ndates++] =
                    (struct sm_date){.mart = e->mart, .col = c, .role = date_role(c->name)};
                continue;
            }
            int self = self_link_of(m, c, e->mart) != NULL;
            if (!schema_type_is_numeric(c->type) || (!self && strcmp(c->role, "measure") != 0) ||
                is_position(c->name))
                continue;
            struct sm_measure *x = add_measure(&b);
            x->name = c->name;
            x->mart = e->mart;
            x->col = c;
            x->kind = self ? SM_REFERENCE : kind_of(c, e);
            x->agg = agg_of(x->kind);
        }
    }
    for (size_t i = 0; i < s->nmarts; i++)
        computed_measures(&b, &s->marts[i]);
    return m;
}

void sm_model_free(struct sm_model *m)
{
    if (!m)
        return;
    free(m->entities);
    free(m->links);
    free(m->measures);
    free(m->dates);
    sq_arena_fini(&m->arena);
    free(m);
}

const struct sm_entity *sm_entity_of(const struct sm_model *m, const struct schema_mart *mart)
{
    for (size_t i = 0; i < m->nentities; i++)
        if (m->entities[i].mart == mart)
            return &m->entities[i];
    return NULL;
}

const struct sm_measure *sm_measure_of(const struct sm_model *m, const struct schema_column *col)
{
    for (size_t i = 0; i < m->nmeasures; i++)
        if (m->measures[i].col == col)
            return &m->measures[i];
    return NULL;
}

enum sm_date_role sm_date_role_of(const struct sm_model *m, const struct schema_column *col)
{
    for (size_t i = 0; i < m->ndates; i++)
        if (m->dates[i].col == col)
            return m->dates[i].role;
    return SM_DATE_OTHER;
}

const char *sm_kind_name(enum sm_kind k)
{
    static const char *const names[] = {"money", "count", "price", "rate", "level", "reference"};
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

enum sm_date_role sm_verb_date_role(const char *word)
{
    static const struct {
        const char *w;
        enum sm_date_role role;
    } verbs[] = {
        {"shipped", SM_DATE_SHIPPED},   {"ship", SM_DATE_SHIPPED},      {"ships", SM_DATE_SHIPPED},
        {"sent", SM_DATE_SHIPPED},      {"delivered", SM_DATE_SHIPPED}, {"paid", SM_DATE_PAID},
        {"pay", SM_DATE_PAID},          {"ordered", SM_DATE_ORDERED},   {"placed", SM_DATE_ORDERED},
        {"required", SM_DATE_REQUIRED}, {"due", SM_DATE_REQUIRED},
    };
    for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
        if (strcmp(word, verbs[k].w) == 0)
            return verbs[k].role;
    return SM_DATE_OTHER;
}

const char *sm_date_role_name(enum sm_date_role r)
{
    static const char *const names[] = {"ordered", "shipped", "required", "paid", "other"};
    return (size_t)r < sizeof names / sizeof names[0] ? names[r] : "other";
}

int sm_dated_by(const struct sm_model *m, const struct sm_entity *e, enum sm_date_role r)
{
    for (size_t i = 0; i < m->ndates; i++)
        if (m->dates[i].role == r && m->dates[i].mart == e->mart)
            return 1;
    for (size_t k = 0; k < m->nlinks; k++) {
        const struct sm_link *l = &m->links[k];
        if (l->from != e || l->self || !l->to->key)
            continue; /* a date's link to a calendar says nothing of what the rows are */
        for (size_t i = 0; i < m->ndates; i++)
            if (m->dates[i].role == r && m->dates[i].mart == l->to->mart)
                return 1;
    }
    return 0;
}

int sm_late_rule(const struct sm_model *m, const struct schema_mart *mart,
                 const struct schema_column **shipped, const struct schema_column **required)
{
    *shipped = *required = NULL;
    for (size_t i = 0; i < m->ndates; i++) {
        if (m->dates[i].mart != mart)
            continue;
        if (m->dates[i].role == SM_DATE_SHIPPED && !*shipped)
            *shipped = m->dates[i].col;
        if (m->dates[i].role == SM_DATE_REQUIRED && !*required)
            *required = m->dates[i].col;
    }
    return *shipped && *required;
}

void sm_model_write_json(const struct sm_model *m, struct sq_jw *w)
{
    sq_jw_obj_begin(w);
    sq_jw_key(w, "entities");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < m->nentities; i++) {
        const struct sm_entity *e = &m->entities[i];
        sq_jw_obj_begin(w);
        sq_jw_key_str(w, "name", e->noun);
        sq_jw_key_str(w, "mart", e->mart->name);
        sq_jw_key_str(w, "key", e->key ? e->key->name : NULL);
        sq_jw_key(w, "label");
        sq_jw_arr_begin(w);
        for (size_t k = 0; k < e->nlabel; k++)
            sq_jw_str(w, e->label[k]->name);
        sq_jw_arr_end(w);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_key(w, "links");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < m->nlinks; i++) {
        const struct sm_link *l = &m->links[i];
        sq_jw_obj_begin(w);
        sq_jw_key_str(w, "from", l->from->noun);
        sq_jw_key_str(w, "from_column", l->from_col);
        sq_jw_key_str(w, "to", l->to->noun);
        sq_jw_key_str(w, "to_column", l->to_col);
        sq_jw_key_str(w, "role", l->role);
        sq_jw_key(w, "self");
        sq_jw_bool(w, l->self);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_key(w, "measures");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < m->nmeasures; i++) {
        const struct sm_measure *x = &m->measures[i];
        const struct sm_entity *e = sm_entity_of(m, x->mart);
        sq_jw_obj_begin(w);
        sq_jw_key_str(w, "name", x->name);
        sq_jw_key_str(w, "mart", x->mart->name);
        sq_jw_key_str(w, "grain", e ? e->noun : NULL);
        sq_jw_key_str(w, "kind", sm_kind_name(x->kind));
        sq_jw_key_str(w, "aggregation", x->agg[0] ? x->agg : NULL);
        if (x->sql) {
            sq_jw_key_str(w, "sql", x->sql);
            sq_jw_key_str(w, "formula", x->formula);
            sq_jw_key_str(w, "via", x->link ? x->link->to->mart->name : NULL);
        }
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_key(w, "dates");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < m->ndates; i++) {
        const struct sm_date *d = &m->dates[i];
        sq_jw_obj_begin(w);
        sq_jw_key_str(w, "mart", d->mart->name);
        sq_jw_key_str(w, "column", d->col->name);
        sq_jw_key_str(w, "role", sm_date_role_name(d->role));
        const struct schema_column *sh, *rq;
        if (d->role == SM_DATE_SHIPPED && sm_late_rule(m, d->mart, &sh, &rq)) {
            char late[2 * SQ_NAME_MAX + 8];
            snprintf(late, sizeof late, "%s > %s", sh->name, rq->name);
            sq_jw_key_str(w, "late", late);
        }
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_obj_end(w);
}
