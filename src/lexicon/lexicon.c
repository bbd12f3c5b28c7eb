/*
 * Building and searching the lexicon (see lexicon/lexicon.h). Built once per schema
 * snapshot from the schema and playbook (schema/); the data's text is tokenized like a
 * question (token.c), so a lookup is one hash probe per candidate phrase.
 */
#include "lexicon/lexicon.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/limits.h"
#include "base/mem.h"
#include "lexicon/token.h"
#include "schema/playbook.h"
#include "schema/schema.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value of the index or a glossary meaning, folded for comparing. Folding never lengthens
 * a text and lx_fold keeps 3 bytes spare, so the longest value fits whole; a longer meaning
 * is cut, and then matches no value. */
enum { FOLDED_VALUE_MAX = SQ_INDEX_VALUE_CHARS * 4 + 4 };

struct slot {
    struct lx_entry *entry;
};

struct lx_lexicon {
    const struct schema *schema;
    const struct playbook *pb;
    struct sq_arena arena;
    struct slot *slots;
    size_t cap;
    size_t n;
    const char **mart_words;   /* per mart, parallel to schema->marts */
    struct lx_entry **singles; /* one-word phrases, for typo correction */
    size_t nsingles;
    size_t singles_cap;
};

/* Words that sales people use for the same thing; the first of each group is its
 * canonical word. Only consulted when a word names nothing in the data itself: then the
 * other words of its group are tried, so "sales" finds a net_revenue column and
 * "revenue" a sales column. */
static const char *const groups[][10] = {
    {"sales", "revenue", "revenues", "turnover", "income", "amount", "gmv", "takings", "sale",
     NULL},
    {"quantity", "units", "unit", "qty", "volume", "items", "item", "pieces", NULL},
    {"profit", "profits", "earnings", "profitable", NULL},
    {"customer", "client", "clients", "buyer", "buyers", "shopper", "shoppers", "account",
     "accounts", NULL},
    {"product", "sku", "skus", "good", "goods", "merchandise", "article", NULL},
    {"order", "purchase", "purchases", "transaction", "transactions", NULL},
    {"country", "nation", "nations", NULL},
    {"state", "province", "provinces", NULL},
    {"city", "town", "towns", NULL},
    {"region", "zone", "area", "areas", "territory", NULL},
    {"ship", "shipping", "shipment", "delivery", NULL},
    {"cost", "costs", "cogs", NULL},
    {"price", "prices", "pricing", NULL},
    {"discount", "discounts", "markdown", "rebate", NULL},
    {"employee", "staff", "salesperson", "rep", "reps", NULL},
    {"supplier", "vendor", "vendors", NULL},
    {"shipper", "carrier", "carriers", NULL},
    {"sub category", "subcategory", "subcategories", NULL},
    {"credit limit", "credit line", "credit lines", "credit limits", NULL},
};

static int group_of(const char *word)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (int k = 0; groups[g][k]; k++)
            if (strcmp(groups[g][k], word) == 0)
                return (int)g;
    return -1;
}

const char *lx_glossary(const char *word)
{
    int g = group_of(word);
    return g >= 0 && strcmp(groups[g][0], word) != 0 ? groups[g][0] : NULL;
}

const struct lx_entry *lx_lexicon_concept(const struct lx_lexicon *lx, const char *word)
{
    int g = group_of(word);
    if (g < 0)
        return NULL;
    for (int k = 0; groups[g][k]; k++) {
        if (strcmp(groups[g][k], word) == 0)
            continue;
        const struct lx_entry *e = lx_lexicon_get(lx, groups[g][k]);
        if (e)
            return e;
    }
    return NULL;
}

/* Words that concatenated column names are made of (ORDERDATE, QUANTITYORDERED,
 * PRODUCTLINE): a name wholly covered by them is split into them. */
static const char *const name_words[] = {
    "order",        "orders",      "date",        "number",    "line",
    "quantity",     "ordered",     "price",       "each",      "sales",
    "sale",         "status",      "product",     "code",      "customer",
    "name",         "phone",       "address",     "city",      "state",
    "postal",       "country",     "territory",   "contact",   "last",
    "first",        "deal",        "size",        "year",      "month",
    "qtr",          "quarter",     "id",          "msrp",      "unit",
    "units",        "ship",        "mode",        "segment",   "category",
    "sub",          "region",      "discount",    "profit",    "cost",
    "amount",       "total",       "net",         "gross",     "revenue",
    "item",         "type",        "store",       "brand",     "channel",
    "payment",      "method",      "zip",         "employee",  "invoice",
    "key",          "description", "class",       "group",     "level",
    "value",        "tax",         "shipping",    "freight",   "return",
    "returned",     "rep",         "manager",     "week",      "day",
    "time",         "stock",       "model",       "color",     "colour",
    "style",        "income",      "children",    "education", "occupation",
    "owner",        "home",        "gender",      "marital",   "birth",
    "email",        "prefix",      "subcategory", "supplier",  "shipper",
    "company",      "title",       "region",      "fax",       "reorder",
    "discontinued", "required",    "shipped",     "via",       "freight",
    "list",         "standard",    "weight",      "margin",    "commission",
    "target",       "budget",      NULL};

/* FNV-1a, for the phrase table. */
static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct lx_entry *lookup_slot(const struct lx_lexicon *lx, const char *phrase, size_t *at)
{
    size_t i = hash(phrase) & (lx->cap - 1);
    while (lx->slots[i].entry) {
        if (strcmp(lx->slots[i].entry->phrase, phrase) == 0) {
            *at = i;
            return lx->slots[i].entry;
        }
        i = (i + 1) & (lx->cap - 1);
    }
    *at = i;
    return NULL;
}

static void grow(struct lx_lexicon *lx)
{
    struct slot *old = lx->slots;
    size_t oldcap = lx->cap;
    lx->cap = oldcap ? oldcap * 2 : 1024;
    lx->slots = xcalloc(lx->cap, sizeof *lx->slots);
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].entry)
            continue;
        size_t at;
        lookup_slot(lx, old[i].entry->phrase, &at);
        lx->slots[at].entry = old[i].entry;
    }
    free(old);
}

static int same_sense(const struct lx_sense *a, const struct lx_sense *b)
{
    return a->kind == b->kind && a->mart == b->mart && a->col == b->col &&
           ((a->value == NULL && b->value == NULL) ||
            (a->value && b->value && strcmp(a->value, b->value) == 0)) &&
           ((a->metric == NULL && b->metric == NULL) ||
            (a->metric && b->metric && strcmp(a->metric, b->metric) == 0));
}

static void add(struct lx_lexicon *lx, const char *phrase, const struct lx_sense *sense)
{
    if (!phrase[0])
        return;
    if (lx->n * 2 >= lx->cap)
        grow(lx);
    size_t at;
    struct lx_entry *e = lookup_slot(lx, phrase, &at);
    if (!e) {
        e = sq_arena_alloc(&lx->arena, sizeof *e);
        e->phrase = sq_arena_strdup(&lx->arena, phrase);
        e->senses = NULL;
        e->n = 0;
        lx->slots[at].entry = e;
        lx->n++;
        if (!strchr(phrase, ' ')) {
            if (lx->nsingles == lx->singles_cap) {
                lx->singles_cap = lx->singles_cap ? lx->singles_cap * 2 : 256;
                lx->singles = xrealloc(lx->singles, lx->singles_cap * sizeof *lx->singles);
            }
            lx->singles[lx->nsingles++] = e;
        }
    }
    for (size_t i = 0; i < e->n; i++) {
        if (same_sense(&e->senses[i], sense)) {
            if (sense->quality > e->senses[i].quality)
                e->senses[i].quality = sense->quality;
            return;
        }
    }
    /* Senses are few per phrase; the arena copy grows by one each time. */
    struct lx_sense *s = sq_arena_alloc(&lx->arena, (e->n + 1) * sizeof *s);
    if (e->n)
        memcpy(s, e->senses, e->n * sizeof *s);
    s[e->n] = *sense;
    e->senses = s;
    e->n++;
}

/* The phrase for a piece of data text: tokenized like a question, words joined by
 * spaces. stem: the last word in its singular form. */
static void phrase_of(const char *text, int stem, struct sq_buf *out)
{
    struct lx_tokens t;
    sq_buf_reset(out);
    if (lx_tokenize(text, &t) != 0) {
        lx_tokens_fini(&t);
        return;
    }
    for (size_t i = 0; i < t.n; i++) {
        if (t.t[i].kind == LX_PUNCT)
            continue;
        if (out->len)
            sq_buf_putc(out, ' ');
        const char *w = t.t[i].kind == LX_QUARTER ? t.t[i].text : t.t[i].text;
        if (stem && i + 1 == t.n && t.t[i].kind == LX_WORD)
            w = t.t[i].stem;
        sq_buf_puts(out, w);
    }
    lx_tokens_fini(&t);
}

/* Splits a concatenated word ("quantityordered") into known name words, greedily from
 * the left, longest first; returns 0 if the word is not wholly covered. */
static int split_name(const char *word, struct sq_buf *out)
{
    sq_buf_reset(out);
    const char *p = word;
    int parts = 0;
    while (*p) {
        size_t best = 0;
        for (int i = 0; name_words[i]; i++) {
            size_t n = strlen(name_words[i]);
            if (n > best && strncmp(p, name_words[i], n) == 0)
                best = n;
        }
        if (!best)
            return 0;
        if (out->len)
            sq_buf_putc(out, ' ');
        sq_buf_append(out, p, best);
        p += best;
        parts++;
    }
    return parts > 1;
}

static int generic_word(const char *w)
{
    static const char *const g[] = {"id", "key", "code", "no", "num", "nr",    "the",  "of", "and",
                                    "a",  "to",  "in",   "by", "col", "value", "type", NULL};
    for (int i = 0; g[i]; i++)
        if (strcmp(w, g[i]) == 0)
            return 1;
    return strlen(w) < 2;
}

/* Adds a column under its words ("order date"), its joined form ("orderdate"), the
 * singular of its last word, and each of its words alone as a partial match. */
static void add_column(struct lx_lexicon *lx, const struct schema_mart *m,
                       const struct schema_column *col)
{
    struct lx_sense s = {.kind = LX_SENSE_COLUMN, .mart = m, .col = col};
    struct sq_buf words, b;
    sq_buf_init(&words, SQ_BUF_UNLIMITED);
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    for (const char *p = col->name; *p; p++)
        sq_buf_putc(&words, *p == '_' ? ' ' : *p);
    if (!strchr(words.data, ' ') && split_name(words.data, &b)) {
        /* ORDERDATE: answer to "order date" as well. */
        sq_buf_reset(&words);
        sq_buf_puts(&words, b.data);
    }
    s.quality = LX_EXACT;
    add(lx, words.data, &s);
    phrase_of(words.data, 1, &b);
    add(lx, b.data, &s);
    /* The joined form, for questions that write it as one word. */
    sq_buf_reset(&b);
    for (const char *p = words.data; *p; p++)
        if (*p != ' ')
            sq_buf_putc(&b, *p);
    add(lx, b.data, &s);
    /* Each word alone, unless it says nothing ("id", "key"). */
    if (strchr(words.data, ' ')) {
        s.quality = LX_PARTIAL;
        char *copy = xstrdup(words.data);
        char *save = NULL;
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            if (generic_word(w))
                continue;
            add(lx, w, &s);
            char sing[LX_WORD_MAX]; /* w is a word of a name; a longer one fits no question */
            lx_singular(w, sing, sizeof sing);
            add(lx, sing, &s);
        }
        free(copy);
    }
    /* The name in the file, when it reads differently ("Sub-Category"). */
    if (col->original) {
        s.quality = LX_EXACT;
        phrase_of(col->original, 0, &b);
        add(lx, b.data, &s);
    }
    sq_buf_fini(&words);
    sq_buf_fini(&b);
}

static int numeric_text(const char *v)
{
    int digits = 0;
    for (; *v; v++) {
        if (isdigit((unsigned char)*v))
            digits++;
        else if (!strchr(" .,-+/:$%", *v))
            return 0;
    }
    return digits > 0;
}

/* Words people use for coded values: gender F/M, marital status M/S, flags Y/N. */
static const struct {
    const char *column; /* a word of the column's name */
    const char *value;  /* the stored code */
    const char *words[7];
} value_aliases[] = {
    {"gender", "F", {"female", "females", "women", "woman", "ladies", NULL}},
    {"gender", "M", {"male", "males", "men", "man", "gentlemen", NULL}},
    {"gender", "Female", {"women", "woman", "ladies", NULL}},
    {"gender", "Male", {"men", "man", "gentlemen", NULL}},
    {"sex", "F", {"female", "females", "women", "woman", NULL}},
    {"sex", "M", {"male", "males", "men", "man", NULL}},
    {"marital", "M", {"married", NULL}},
    {"marital", "S", {"single", "unmarried", NULL}},
    /* places by their usual names, where the data keeps a code */
    {"country",
     "USA",
     {"united states", "united states of america", "america", "us", "united state", NULL}},
    {"country", "US", {"united states", "united states of america", "america", "usa", NULL}},
    {"country", "UK", {"united kingdom", "great britain", "britain", NULL}},
    {"city", "NYC", {"new york city", NULL}},
};

static void add_value_aliases(struct lx_lexicon *lx, const struct schema_mart *m,
                              const struct schema_column *col)
{
    for (size_t i = 0; i < sizeof value_aliases / sizeof value_aliases[0]; i++) {
        if (!strstr(col->name, value_aliases[i].column))
            continue;
        for (size_t v = 0; v < col->nvalues; v++) {
            if (strcmp(col->values[v].value, value_aliases[i].value) != 0)
                continue;
            struct lx_sense s = {.kind = LX_SENSE_VALUE,
                                 .quality = LX_SYNONYM,
                                 .mart = m,
                                 .col = col,
                                 .value = col->values[v].value,
                                 .count = col->values[v].count};
            for (int w = 0; value_aliases[i].words[w]; w++)
                add(lx, value_aliases[i].words[w], &s);
        }
    }
}

static void add_values(struct lx_lexicon *lx, const struct schema_mart *m,
                       const struct schema_column *col)
{
    add_value_aliases(lx, m, col);
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    for (size_t v = 0; v < col->nvalues; v++) {
        const char *value = col->values[v].value;
        /* Numbers in questions are numbers; one-letter codes are too ambiguous. */
        if (!value || numeric_text(value) || strlen(value) < 2)
            continue;
        struct lx_sense s = {.kind = LX_SENSE_VALUE,
                             .quality = LX_EXACT,
                             .mart = m,
                             .col = col,
                             .value = value,
                             .count = col->values[v].count};
        phrase_of(value, 0, &b);
        add(lx, b.data, &s);
        s.quality = LX_SYNONYM;
        phrase_of(value, 1, &b); /* "chair" finds "Chairs" */
        add(lx, b.data, &s);
    }
    sq_buf_fini(&b);
}

struct lx_lexicon *lx_lexicon_new(const struct schema *s, const struct playbook *pb)
{
    struct lx_lexicon *lx = xcalloc(1, sizeof *lx);
    lx->schema = s;
    lx->pb = pb;
    sq_arena_init(&lx->arena);
    grow(lx);
    lx->mart_words = xcalloc(s->nmarts + 1, sizeof *lx->mart_words);
    size_t prefix = schema_common_prefix(s);
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    for (size_t i = 0; i < s->nmarts; i++) {
        const struct schema_mart *m = &s->marts[i];
        sq_buf_reset(&b);
        const char *name = m->source + (strlen(m->source) > prefix ? prefix : 0);
        for (const char *p = name; *p; p++)
            sq_buf_putc(&b, *p == '_' ? ' ' : *p);
        lx->mart_words[i] = sq_arena_strdup(&lx->arena, b.data);
        struct lx_sense ms = {.kind = LX_SENSE_MART, .quality = LX_EXACT, .mart = m};
        add(lx, lx->mart_words[i], &ms);
        struct sq_buf st;
        sq_buf_init(&st, SQ_BUF_UNLIMITED);
        phrase_of(lx->mart_words[i], 1, &st);
        add(lx, st.data, &ms);
        /* "product categories": "categories" alone names it too. */
        const char *last = strrchr(lx->mart_words[i], ' ');
        if (last) {
            ms.quality = LX_PARTIAL;
            add(lx, last + 1, &ms);
            phrase_of(last + 1, 1, &st);
            add(lx, st.data, &ms);
        }
        sq_buf_fini(&st);
        size_t nhidden;
        const char *const *hidden = playbook_hidden(pb, &nhidden);
        for (size_t c = 0; c < m->ncols; c++) {
            const struct schema_column *col = &m->cols[c];
            if (col->derived_from)
                continue; /* calendar parts are reached through time words */
            int is_hidden = 0;
            for (size_t h = 0; h < nhidden && !is_hidden; h++)
                is_hidden = strcmp(hidden[h], col->name) == 0;
            if (is_hidden)
                continue; /* the playbook hides it from questions */
            add_column(lx, m, col);
            if (col->nvalues)
                add_values(lx, m, col);
        }
    }
    /* The playbook: synonyms name columns; metrics are measures of their own. */
    size_t n;
    const struct playbook_pair *syn = playbook_synonyms(pb, &n);
    for (size_t i = 0; i < n; i++) {
        for (size_t mi = 0; mi < s->nmarts; mi++) {
            const struct schema_column *col = schema_find_column(&s->marts[mi], syn[i].value);
            if (!col)
                continue;
            struct lx_sense sense = {
                .kind = LX_SENSE_COLUMN, .quality = LX_EXACT, .mart = &s->marts[mi], .col = col};
            phrase_of(syn[i].key, 0, &b);
            add(lx, b.data, &sense);
            phrase_of(syn[i].key, 1, &b);
            add(lx, b.data, &sense);
        }
    }
    /* The playbook's glossary: a word for a column, or for a value. */
    const struct playbook_pair *glo = playbook_glossary(pb, &n);
    for (size_t i = 0; i < n; i++) {
        char meaning[FOLDED_VALUE_MAX];
        lx_fold(glo[i].value, meaning, sizeof meaning);
        phrase_of(glo[i].key, 0, &b);
        char *word = xstrdup(b.data ? b.data : "");
        for (size_t mi = 0; mi < s->nmarts; mi++) {
            const struct schema_mart *m = &s->marts[mi];
            for (size_t c = 0; c < m->ncols; c++) {
                const struct schema_column *col = &m->cols[c];
                struct lx_sense sense = {.quality = LX_EXACT, .mart = m, .col = col};
                if (strcmp(col->name, glo[i].value) == 0) {
                    sense.kind = LX_SENSE_COLUMN;
                    add(lx, word, &sense);
                }
                for (size_t v = 0; v < col->nvalues; v++) {
                    char folded[FOLDED_VALUE_MAX];
                    lx_fold(col->values[v].value, folded, sizeof folded);
                    if (strcmp(folded, meaning) == 0) {
                        sense.kind = LX_SENSE_VALUE;
                        sense.value = col->values[v].value;
                        sense.count = col->values[v].count;
                        add(lx, word, &sense);
                    }
                }
            }
        }
        free(word);
    }
    const struct playbook_pair *met = playbook_metrics(pb, &n);
    for (size_t i = 0; i < n; i++) {
        struct lx_sense sense = {.kind = LX_SENSE_METRIC,
                                 .quality = LX_EXACT,
                                 .metric = met[i].key,
                                 .metric_sql = met[i].value};
        phrase_of(met[i].key, 0, &b);
        add(lx, b.data, &sense);
    }
    sq_buf_fini(&b);
    return lx;
}

void lx_lexicon_free(struct lx_lexicon *lx)
{
    if (!lx)
        return;
    free(lx->slots);
    free(lx->mart_words);
    free(lx->singles);
    sq_arena_fini(&lx->arena);
    free(lx);
}

int lx_stop_word(const char *w)
{
    static const char *const stops[] = {"the", "a",  "an", "of",  "in", "for", "by",   "to",
                                        "and", "or", "is", "are", "on", "at",  "with", NULL};
    for (int i = 0; stops[i]; i++)
        if (strcmp(w, stops[i]) == 0)
            return 1;
    return 0;
}

const struct lx_entry *lx_lexicon_run(const struct lx_lexicon *lx, const struct lx_token *t,
                                      size_t n)
{
    char spaced[LX_PHRASE_MAX] = "", stemmed[LX_PHRASE_MAX] = "", joined[LX_PHRASE_MAX] = "";
    size_t a = 0, b = 0, d = 0, words = 0;
    int edge_stop = 0;
    if (n == 0 || t[0].kind == LX_PUNCT || t[n - 1].kind == LX_PUNCT)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        if (t[k].kind == LX_PUNCT)
            continue;
        /* A phrase never starts or ends with a stop word ("sales of", "the west"),
         * unless it is a value of the data as written ("On Hold", "In Process"). */
        if ((k == 0 || k == n - 1) && n > 1 && lx_stop_word(t[k].text))
            edge_stop = 1;
        const char *st = k == n - 1 ? t[k].stem : t[k].text;
        a += (size_t)snprintf(spaced + a, sizeof spaced - a, "%s%s", words ? " " : "", t[k].text);
        b += (size_t)snprintf(stemmed + b, sizeof stemmed - b, "%s%s", words ? " " : "", st);
        d += (size_t)snprintf(joined + d, sizeof joined - d, "%s", t[k].text);
        words++;
        if (a >= sizeof spaced || b >= sizeof stemmed || d >= sizeof joined)
            return NULL;
    }
    const struct lx_entry *e = lx_lexicon_get(lx, spaced);
    if (edge_stop) {
        for (size_t k = 0; e && k < e->n; k++)
            if (e->senses[k].kind == LX_SENSE_VALUE && e->senses[k].quality == LX_EXACT)
                return e;
        return NULL;
    }
    if (!e)
        e = lx_lexicon_get(lx, stemmed);
    if (!e && words > 1)
        e = lx_lexicon_get(lx, joined);
    if (!e && n == 1) {
        e = lx_lexicon_concept(lx, t[0].text);
        if (!e)
            e = lx_lexicon_concept(lx, t[0].stem);
    }
    if (!e && words > 1)
        e = lx_lexicon_concept(lx, spaced); /* "credit line" for a credit_limit column */
    return e;
}

const struct lx_entry *lx_lexicon_get(const struct lx_lexicon *lx, const char *phrase)
{
    size_t at;
    return lookup_slot(lx, phrase, &at);
}

/* 1 if a and b are within one edit (substitution, insertion, deletion or swap). */
int lx_one_edit(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > lb + 1 || lb > la + 1)
        return 0;
    size_t i = 0;
    while (i < la && i < lb && a[i] == b[i])
        i++;
    if (la == lb) {
        /* A letter changed in a short word is often another word ("store", "stone"). */
        if (la >= 6 && strcmp(a + i + 1, b + i + 1) == 0)
            return 1; /* substitution */
        return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               strcmp(a + i + 2, b + i + 2) == 0; /* swap */
    }
    if (la > lb)
        return strcmp(a + i + 1, b + i) == 0;
    return strcmp(a + i, b + i + 1) == 0;
}

static const struct lx_entry *fuzzy_word(const struct lx_lexicon *lx, const char *word)
{
    const struct lx_entry *found = NULL;
    for (size_t i = 0; i < lx->nsingles; i++) {
        const struct lx_entry *e = lx->singles[i];
        if (strlen(e->phrase) >= 5 && lx_one_edit(word, e->phrase)) {
            if (found && found != e)
                return NULL; /* two candidates: no guess */
            found = e;
        }
    }
    return found;
}

const struct lx_entry *lx_lexicon_fuzzy(const struct lx_lexicon *lx, const char *word)
{
    if (strlen(word) < 5)
        return NULL;
    const struct lx_entry *e = fuzzy_word(lx, word);
    if (e)
        return e;
    /* A typo in a plural ("custmers") is one letter from the singular the lexicon holds. */
    char sing[LX_WORD_MAX];
    lx_singular(word, sing, sizeof sing);
    return strcmp(sing, word) != 0 && strlen(sing) >= 5 ? fuzzy_word(lx, sing) : NULL;
}

const struct schema *lx_lexicon_schema(const struct lx_lexicon *lx)
{
    return lx->schema;
}

const struct playbook *lx_lexicon_playbook(const struct lx_lexicon *lx)
{
    return lx->pb;
}

const char *lx_mart_words(const struct lx_lexicon *lx, const struct schema_mart *m)
{
    size_t i = (size_t)(m - lx->schema->marts);
    return i < lx->schema->nmarts ? lx->mart_words[i] : m->source;
}

size_t lx_lexicon_size(const struct lx_lexicon *lx)
{
    return lx->n;
}
