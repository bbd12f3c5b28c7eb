/*
 * Record questions: a thing's own fields and lists of things under conditions, read over
 * the semantic model (model/model.h) rather than as an aggregate —
 *
 *   "the phone number of Atelier graphique"      a field of a named thing
 *   "credit limit of customer 103"               ... of a thing named by its key
 *   "customers based in Madrid"                  things whose field has a value
 *   "who is the sales rep looking after X"       across a link, by its role
 *   "who does Yoshimi Kato report to"            across a self reference (manager)
 *   "which customer placed order 10250"          from a line up to its owner
 *   "orders placed in March 2005", "... late"    date roles, shipped after required
 *   "customers without a sales rep"              absence
 *
 * The question is read into a small query algebra (struct rq: the fields to show, each on
 * a mart and a side of a self link; the conditions; the mart whose rows are read), then
 * written as SQL. Every word must be placed or be a word of the sentence's grammar; a
 * question with an aggregate, a ranking or a word this reader does not know is left to the
 * frame parser (parse.c), which reads those. Where a word could name fields of two things
 * and nothing in the question picks one, the question is declined with both readings.
 */
#include "nlsql/internal.h"
#include "nlsql/nlsql.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/mem.h"
#include "lexicon/lexicon.h"
#include "model/model.h"
#include "schema/schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    MAX_ITEMS = 48,
    MAX_OUT = 8,
    MAX_CONDS = 8,
    WHY_MAX = 512,
    LX_FIXED_MAX = 40, /* a word corrected, and what it was read as */
};

/* ---- the algebra ---- */

/* A column on a side: the far end of the self link (an employee's manager) or not. */
struct rq_ref {
    const struct schema_mart *mart;
    const struct schema_column *col;
    int far;
};

/* COUNT: the thing's key is among those with more (fewer) than number rows of count_of,
 * which points at it by count_fk: "customers with more than 5 orders". */
enum rq_op { RQ_EQ_TEXT, RQ_EQ_NUM, RQ_CMP, RQ_NULL, RQ_RANGE, RQ_LATE, RQ_COUNT, RQ_PREFIX };

struct rq_cond {
    enum rq_op op;
    struct rq_ref ref;
    const struct schema_column *col2; /* LATE: the required date */
    const char *text;                 /* EQ_TEXT */
    int fold;                         /* EQ_TEXT: compared lower-cased (a key as typed) */
    double number;                    /* EQ_NUM, CMP */
    enum nl_cmp cmp;
    struct nl_period period;           /* RANGE */
    const char *role;                  /* RANGE: the date's role in words, "" if plain */
    const struct sm_link *count_of;    /* COUNT: the link from the rows counted */
    const struct schema_column *dated; /* COUNT: rows counted only in period, on this date */
};

struct rq {
    struct rq_ref out[MAX_OUT];
    size_t nout;
    struct rq_cond cond[MAX_CONDS];
    size_t ncond;
    const struct sm_link *self; /* the far side's link, or NULL */
    const struct schema_mart *base;
    int distinct;
    /* "the 3 customers with the highest credit limit": rows ranked by one column of a
     * thing, then cut (order 1 highest first, -1 lowest first, 0 none) */
    struct rq_ref rank;
    int order;
    size_t limit;
};

/* ---- what the words are ---- */

enum item_kind {
    IT_LEX,    /* a phrase of the lexicon: a column, a value or a mart */
    IT_KEY,    /* a thing named by its key: "order 10100", "customer number 103" */
    IT_CMP,    /* a comparison with a number: "over 150000" */
    IT_DATE,   /* a period: "in 2004", "in March 2005", "on 2004-08-09" */
    IT_ROLE,   /* a link's role: "sales rep", "manager", "reports to" */
    IT_VERB,   /* a verb naming a date role: "shipped", "paid", "placed" */
    IT_LATE,   /* "late", "after the required date" */
    IT_NOT,    /* "without", "no", "doesn't have": the next field is empty */
    IT_LABEL,  /* "name", "full name": the thing's label */
    IT_PREFIX, /* "Sales Manager": the start of values of one column ("Sales Manager (NA)") */
};

struct item {
    enum item_kind kind;
    size_t from, to; /* tokens [from, to) */
    const struct lx_entry *e;
    const struct schema_mart *kmart; /* KEY: the mart and column of the key */
    const struct schema_column *kcol;
    char code[NL_CODE_MAX];     /* KEY as written */
    double number;              /* KEY, CMP */
    int numeric;                /* KEY: a number */
    enum nl_cmp cmp;            /* CMP */
    int before;                 /* CMP: of the column after it ("out of stock") */
    int times;                  /* CMP: "paid more than 3 times": a count of the verb's rows */
    struct nl_period period;    /* DATE */
    const struct sm_link *link; /* ROLE */
    int reports;                /* ROLE: "reports to" (the name before it is the employee) */
    enum sm_date_role role;     /* VERB */
    int done;      /* NOT: "never ordered": 1 + the date role of the rows the verb names */
    int used;      /* taken by another item (a column naming a value) */
    int absorbed;  /* a thing named beside its value: "the Sydney office" */
    int key_out;   /* "invoice numbers": the thing's key is a field to show */
    int as_column; /* a word before "of" naming a column and a value: "price of X" is the
                    * price, not the last name Price */
    const struct lx_sense *sense;  /* LEX: the sense chosen */
    const struct lx_sense *sense2; /* LEX: a first and last name's second half */
    size_t to2;
};

struct rc {
    const struct lx_lexicon *lx;
    const struct sm_model *m;
    const struct schema *s;
    const char *q;
    struct lx_tokens tk;
    unsigned char *placed; /* per token: 1 when an item or the grammar holds it */
    struct item it[MAX_ITEMS];
    size_t nit;
    struct rq r;
    int who, when;
    int lead;          /* the question starts by asking for records: "list", "which", "what is" */
    int instructed;    /* a second sentence says what to show: "Give the contact name." */
    int clause;        /* ... or a clause on the thing named: "employees in Paris and who they
                        * report to" shows the employees and their managers */
    int where;         /* "where is X": its place */
    size_t each_count; /* "…, and how many orders each": the noun's token + 1, or 0 */
    int rank_dir;      /* "highest" 1, "lowest" -1, or 0 */
    size_t rank_at;    /* the token where what is ranked is named */
    size_t rank_n;     /* how many rows: "top 3", "the 3 customers"; 1 when not said */
    char fixed[2][2][LX_FIXED_MAX]; /* typos read as another word: {"representitive", "rep.."} */
    size_t nfixed;
    char why[WHY_MAX];
    char readings[2][SHAPE_LABEL_MAX];
};

/* Not a record question: the frame parser reads it. */
enum { NOT_MINE = NL_NOT_RECORD };

static const struct lx_token *tk(const struct rc *c, size_t i)
{
    return i < c->tk.n ? &c->tk.t[i] : NULL;
}

static int is_w(const struct rc *c, size_t i, const char *w)
{
    const struct lx_token *t = tk(c, i);
    return t && t->kind == LX_WORD && strcmp(t->text, w) == 0;
}

static int in_list(const char *w, const char *const *ws)
{
    for (int k = 0; ws[k]; k++)
        if (strcmp(w, ws[k]) == 0)
            return 1;
    return 0;
}

static int is_any(const struct rc *c, size_t i, const char *const *ws)
{
    const struct lx_token *t = tk(c, i);
    return t && t->kind == LX_WORD && in_list(t->text, ws);
}

static struct item *add_item(struct rc *c, enum item_kind kind, size_t from, size_t to)
{
    if (c->nit >= MAX_ITEMS)
        return NULL;
    struct item *x = &c->it[c->nit++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->from = from;
    x->to = to;
    for (size_t i = from; i < to; i++)
        c->placed[i] = 1;
    return x;
}

static int range_free(const struct rc *c, size_t from, size_t to)
{
    if (to > c->tk.n)
        return 0;
    for (size_t i = from; i < to; i++)
        if (c->placed[i])
            return 0;
    return 1;
}

/* Words that ask for an aggregate or a ranking: the frame parser's questions. */
static int aggregate_word(const char *w)
{
    static const char *const ws[] = {
        "how",       "many",       "much",     "total",   "totals",    "sum",       "average",
        "avg",       "mean",       "median",   "count",   "counts",    "most",      "least",
        "highest",   "lowest",     "top",      "bottom",  "biggest",   "largest",   "smallest",
        "best",      "worst",      "max",      "maximum", "min",       "minimum",   "per",
        "percent",   "percentage", "share",    "ratio",   "trend",     "monthly",   "yearly",
        "quarterly", "weekly",     "daily",    "annual",  "compare",   "compared",  "versus",
        "vs",        "growth",     "rank",     "ranked",  "ranking",   "overall",   "popular",
        "number",    "breakdown",  "by",       "each",    "distinct",  "different", "revenue",
        "profit",    "sales",      "value",    "worth",   "spent",     "spend",     "sold",
        "bought",    "purchased",  "exceed",   "exceeds", "exceeding", "between",   "last",
        "first",     "latest",     "earliest", "recent",  "ever",      "never",     "any",
        "all-time",  "yes",        "whether",  "if",      "or",        "not",       "only",
        NULL};
    return in_list(w, ws);
}

/* The words of a record question's grammar. */
static int grammar_word(const char *w)
{
    static const char *const ws[] = {
        "what",      "whats",    "which",     "who",      "whos",        "whom",     "when",
        "is",        "are",      "was",       "were",     "be",          "been",     "the",
        "a",         "an",       "of",        "for",      "in",          "at",       "on",
        "to",        "from",     "with",      "me",       "give",        "show",     "list",
        "tell",      "find",     "get",       "display",  "i",           "need",     "want",
        "know",      "please",   "our",       "their",    "its",         "his",      "her",
        "do",        "does",     "did",       "we",       "have",        "has",      "had",
        "currently", "located",  "based",     "belong",   "belongs",     "working",  "work",
        "works",     "out",      "that",      "there",    "this",        "these",    "those",
        "and",       "also",     "can",       "could",    "you",         "would",    "like",
        "let",       "see",      "us",        "my",       "whose",       "where",    "placed",
        "made",      "handle",   "handles",   "handled",  "handling",    "looking",  "after",
        "look",      "looks",    "assigned",  "serve",    "serves",      "served",   "responsible",
        "supplied",  "supply",   "supplies",  "provided", "every",       "all",      "currently",
        "still",     "right",    "now",       "person",   "directly",    "them",     "it",
        "they",      "he",       "she",       "under",    "as",          "listed",   "registered",
        "recorded",  "held",     "put",       "set",      "called",      "named",    "record",
        "records",   "details",  "detail",    "info",     "information", "into",     "up",
        "reach",     "via",      "using",     "assigned", "given",       "got",      "provides",
        "provide",   "provided", "carried",   "carries",  "carry",       "live",     "lives",
        "living",    "charged",  "took",      "taken",    "operate",     "operates", "deal",
        "deals",     "down",     "determine", "identify", "indicate",    "issued",   "produced",
        NULL};
    return in_list(w, ws);
}

/* ---- passes over the words ---- */

static void date_pass(struct rc *c)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        const struct lx_token *t = tk(c, i);
        if (c->placed[i] || t->kind != LX_NUMBER || !t->integer)
            continue;
        /* 8/30/2004 */
        struct nl_date sd;
        if (nl__slashed_date(&c->tk, i, &sd) && range_free(c, i, i + 5)) {
            struct item *it = add_item(c, IT_DATE, i, i + 5);
            if (!it)
                return;
            it->period.from = sd;
            it->period.to = nl__from_days(nl__days(sd) + 1);
            snprintf(it->period.label, sizeof it->period.label, "%04d-%02d-%02d", sd.y, sd.m, sd.d);
            i += 4;
            continue;
        }
        /* 2004-08-09, 2003/3/3 */
        const struct lx_token *a = tk(c, i + 1), *b = tk(c, i + 2), *d = tk(c, i + 3),
                              *e = tk(c, i + 4);
        if (t->digits == 4 && a && a->kind == LX_PUNCT && b && b->kind == LX_NUMBER && d &&
            d->kind == LX_PUNCT && e && e->kind == LX_NUMBER && a->text[0] == d->text[0] &&
            (a->text[0] == '-' || a->text[0] == '/')) {
            int y = (int)t->value, m = (int)b->value, dd = (int)e->value;
            struct nl_date x = {y, m, dd};
            struct nl_date back = nl__from_days(nl__days(x));
            if (back.y == y && back.m == m && back.d == dd) {
                struct item *it = add_item(c, IT_DATE, i, i + 5);
                if (!it)
                    return;
                it->period.from = x;
                it->period.to = nl__from_days(nl__days(x) + 1);
                snprintf(it->period.label, sizeof it->period.label, "%04d-%02d-%02d", y, m, dd);
                i += 4;
                continue;
            }
        }
        if (t->digits != 4 || t->value < 1900 || t->value > 2100)
            continue;
        int y = (int)t->value;
        /* "March 2005", "in 2004" */
        int month = i > 0 ? nl__month_of(tk(c, i - 1)->text) : 0;
        size_t from = i;
        if (month && !c->placed[i - 1])
            from = i - 1;
        else
            month = 0;
        if (!month && !(i > 0 && (is_w(c, i - 1, "in") || is_w(c, i - 1, "during") ||
                                  is_w(c, i - 1, "of") || is_w(c, i - 1, "for"))))
            continue;
        struct item *it = add_item(c, IT_DATE, from, i + 1);
        if (!it)
            return;
        if (month) {
            it->period.from = (struct nl_date){y, month, 1};
            it->period.to = nl__add_months(it->period.from, 1);
            snprintf(it->period.label, sizeof it->period.label, "%s %d", nl__month_name(month), y);
        } else {
            it->period.from = (struct nl_date){y, 1, 1};
            it->period.to = (struct nl_date){y + 1, 1, 1};
            snprintf(it->period.label, sizeof it->period.label, "%d", y);
        }
    }
    /* "between 8/1/2003 and 8/30/2004", "from 2003 to 2004": one period, from the first's
     * start to the second's end */
    for (size_t k = 0; k + 1 < c->nit; k++) {
        struct item *x = &c->it[k], *y = &c->it[k + 1];
        if (x->kind != IT_DATE || y->kind != IT_DATE || x->from == 0)
            continue;
        size_t lead = x->from - 1, mid = x->to;
        int between = is_w(c, lead, "between") && is_w(c, mid, "and");
        int from_to = is_w(c, lead, "from") && (is_w(c, mid, "to") || is_w(c, mid, "until"));
        if (!(between || from_to) || y->from != mid + 1 ||
            nl__days(y->period.to) <= nl__days(x->period.from))
            continue;
        x->period.to = y->period.to;
        char label[sizeof x->period.label];
        snprintf(label, sizeof label, "%.40s to %.40s", x->period.label, y->period.label);
        snprintf(x->period.label, sizeof x->period.label, "%s", label);
        x->from = lead;
        x->to = y->to;
        c->placed[lead] = c->placed[mid] = 1;
        memmove(y, y + 1, (c->nit - k - 2) * sizeof *y);
        c->nit--;
    }
}

/* 1 for a link's role that is a person looking after the row: "sales rep", "account
 * manager", "owner". */
static int person_role(const char *role)
{
    static const char *const ws[] = {"rep",   "representative", "agent", "manager",
                                     "owner", "salesperson",    NULL};
    for (int k = 0; ws[k]; k++) {
        const char *p = strstr(role, ws[k]);
        if (p && (p == role || p[-1] == ' ') &&
            (p[strlen(ws[k])] == '\0' || p[strlen(ws[k])] == ' '))
            return 1;
    }
    return 0;
}

/* The link a role phrase at i names, with the phrase's length; NULL if none. */
static const struct sm_link *role_at(const struct rc *c, size_t i, size_t *len, int *reports)
{
    static const char *const rep2[][2] = {{"sales", "rep"},       {"sales", "representative"},
                                          {"sales", "agent"},     {"sales", "person"},
                                          {"account", "manager"}, {NULL, NULL}};
    static const char *const rep1[] = {"rep",        "representative", "salesperson", "salesman",
                                       "saleswoman", "agent",          NULL};
    static const char *const boss1[] = {"manager",  "boss",   "supervisor",
                                        "superior", "leader", NULL};
    static const char *const reports1[] = {"report", "reports", "reporting", "reported", NULL};
    *reports = 0;
    const struct lx_token *t = tk(c, i);
    if (!t || t->kind != LX_WORD)
        return NULL;
    int rep = 0, boss = 0;
    *len = 0;
    for (int k = 0; rep2[k][0] && !rep; k++)
        if (strcmp(t->text, rep2[k][0]) == 0 && tk(c, i + 1) &&
            strcmp(tk(c, i + 1)->stem, rep2[k][1]) == 0)
            rep = 1, *len = 2;
    if (!rep && in_list(t->stem, rep1))
        rep = 1, *len = 1;
    if (!rep && in_list(t->stem, boss1))
        boss = 1, *len = 1;
    if (!rep && !boss && in_list(t->text, reports1)) {
        size_t to = i + 1 + is_w(c, i + 1, "directly");
        if (is_w(c, to, "to"))
            boss = 1, *reports = 1, *len = to + 1 - i;
    }
    if (!rep && !boss)
        return NULL;
    const struct sm_link *found = NULL;
    for (size_t k = 0; k < c->m->nlinks; k++) {
        const struct sm_link *l = &c->m->links[k];
        int match =
            boss ? l->self && strcmp(l->role, "manager") == 0 : !l->self && person_role(l->role);
        if (match) {
            if (found)
                return NULL; /* two links of that role: which one is unclear */
            found = l;
        }
    }
    return found;
}

static void role_pass(struct rc *c)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        size_t len;
        int reports;
        if (c->placed[i])
            continue;
        const struct sm_link *l = role_at(c, i, &len, &reports);
        if (!l || !range_free(c, i, i + len))
            continue;
        /* A job title that says the same ("Sales Rep") is kept as the value it also is. */
        const struct lx_entry *e = lx_lexicon_run(c->lx, tk(c, i), len);
        struct item *x = add_item(c, IT_ROLE, i, i + len);
        if (!x)
            return;
        x->link = l;
        x->reports = reports;
        x->e = e;
        i += len - 1;
    }
}

/* The entity a phrase names as a thing ("order", "customer") or by its key column
 * ("order number", "product code"), or NULL. */
static void key_pass(struct rc *c)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        struct nl_key k;
        if (nl__key_at(c->lx, c->m, &c->tk, c->q, c->placed, i, &k) != 0)
            continue;
        struct item *x = add_item(c, IT_KEY, i, k.end);
        if (!x)
            return;
        x->kmart = k.mart;
        x->kcol = k.col;
        x->numeric = k.numeric;
        x->number = k.number;
        snprintf(x->code, sizeof x->code, "%s", k.code);
        i = k.end - 1;
    }
}

static void verb_pass(struct rc *c, int dated)
{
    /* "paid more than 3 times": the verb says what is counted */
    for (size_t i = 1; i < c->tk.n && !dated; i++)
        dated = is_w(c, i, "times") &&
                (tk(c, i - 1)->kind == LX_NUMBER || nl__number_word(tk(c, i - 1)->text));
    for (size_t i = 0; i < c->tk.n; i++) {
        if (c->placed[i] || tk(c, i)->kind != LX_WORD)
            continue;
        /* "shipped late", "shipped after their required date" */
        size_t from, n = nl__late_at(&c->tk, i, &from);
        if (n) {
            int free_verb = from < i && !c->placed[from];
            add_item(c, IT_LATE, free_verb ? from : i, i + n);
            i += n - 1;
            continue;
        }
        if (!dated)
            continue;
        enum sm_date_role role = sm_verb_date_role(tk(c, i)->text);
        if (role != SM_DATE_OTHER) {
            struct item *x = add_item(c, IT_VERB, i, i + 1);
            if (x)
                x->role = role;
        }
    }
}

static const struct lx_sense *best_sense(const struct lx_entry *e, enum lx_sense_kind kind);

/* 1 if value val starts with the words text[0, len), any case, then a space or a bracket. */
static int starts_value(const char *val, const char *text, size_t len)
{
    return strncasecmp(val, text, len) == 0 && (val[len] == ' ' || val[len] == '(');
}

/* "Sales Manager" where job titles are "Sales Manager (APAC)" and "Sales Manager (NA)":
 * two or more words written with capitals that no value is, but that start values of one
 * text column (and only one), followed by a space or a bracket. An IT_PREFIX item. */
static void prefix_pass(struct rc *c)
{
    /* capitals say a name only where the question is not written in title case */
    size_t words = 0, capital = 0;
    for (size_t i = 0; i < c->tk.n; i++)
        if (tk(c, i)->kind == LX_WORD) {
            words++;
            capital += isupper((unsigned char)c->q[tk(c, i)->start]) != 0;
        }
    if (capital * 2 > words)
        return;
    for (size_t i = 0; i + 1 < c->tk.n; i++) {
        const char *w = tk(c, i)->text;
        if (tk(c, i)->kind != LX_WORD || grammar_word(w) || lx_stop_word(w))
            continue;
        for (size_t n = 4; n >= 2; n--) {
            if (i + n > c->tk.n || !range_free(c, i, i + n))
                continue;
            int caps = 1;
            for (size_t k = i; k < i + n && caps; k++)
                caps = tk(c, k)->kind == LX_WORD && isupper((unsigned char)c->q[tk(c, k)->start]);
            const struct lx_entry *e = caps ? lx_lexicon_run(c->lx, tk(c, i), n) : NULL;
            if (!caps)
                continue;
            if (e && best_sense(e, LX_SENSE_VALUE)) {
                i += n - 1; /* a value as written ("Blue Fjord Traders"), not a start */
                break;
            }
            int from = tk(c, i)->start, len = tk(c, i + n - 1)->end - from;
            /* "Sales Managers": the values start with the singular */
            const struct lx_token *last = tk(c, i + n - 1);
            len -= (int)(strlen(last->text) - strlen(last->stem));
            const struct schema_mart *fm = NULL;
            const struct schema_column *fc = NULL;
            int cols = 0;
            for (size_t m = 0; m < c->s->nmarts && cols < 2; m++)
                for (size_t k = 0; k < c->s->marts[m].ncols && cols < 2; k++) {
                    const struct schema_column *col = &c->s->marts[m].cols[k];
                    int hit = 0;
                    for (size_t v = 0;
                         strcmp(col->type, "VARCHAR") == 0 && v < col->nvalues && !hit; v++)
                        hit = starts_value(col->values[v].value, c->q + from, (size_t)len);
                    if (hit)
                        fm = &c->s->marts[m], fc = col, cols++;
                }
            if (cols != 1 || (size_t)len >= NL_CODE_MAX)
                continue;
            struct item *x = add_item(c, IT_PREFIX, i, i + n);
            if (!x)
                return;
            x->kmart = fm;
            x->kcol = fc;
            snprintf(x->code, sizeof x->code, "%.*s", len, c->q + from);
            i += n - 1;
            break;
        }
    }
}

static void not_pass(struct rc *c)
{
    static const char *const nots[] = {"without", "lacking", "missing", "unassigned", NULL};
    for (size_t i = 0; i < c->tk.n; i++) {
        if (c->placed[i] || tk(c, i)->kind != LX_WORD)
            continue;
        size_t n = 0;
        if (is_any(c, i, nots) || is_w(c, i, "no"))
            n = 1 + (is_w(c, i, "without") &&
                     (is_w(c, i + 1, "a") || is_w(c, i + 1, "an") || is_w(c, i + 1, "any")));
        /* "don't have", "doesn't have", "do not have" */
        else if ((is_w(c, i, "dont") || is_w(c, i, "doesnt") || is_w(c, i, "havent") ||
                  is_w(c, i, "hasnt") || is_w(c, i, "don't") || is_w(c, i, "doesn't") ||
                  is_w(c, i, "haven't") || is_w(c, i, "hasn't")) &&
                 (is_w(c, i + 1, "have") || is_w(c, i + 1, "has") || is_w(c, i + 1, "got")))
            n = 2;
        else if ((is_w(c, i, "do") || is_w(c, i, "does")) && is_w(c, i + 1, "not") &&
                 is_w(c, i + 2, "have"))
            n = 3;
        /* "never placed an order", "never had an invoice": none of them; "never been
         * ordered", "never sold": none of the rows the verb's date is on */
        enum sm_date_role done = SM_DATE_OTHER;
        if (!n)
            n = nl__never_at(&c->tk, i, &done);
        if (n) {
            struct item *x = add_item(c, IT_NOT, i, i + n);
            if (x && is_w(c, i, "never"))
                x->done = (int)done + 1;
            i += n - 1;
        }
    }
}

static const struct lx_sense *best_sense(const struct lx_entry *e, enum lx_sense_kind kind)
{
    const struct lx_sense *best = NULL;
    for (size_t k = 0; e && k < e->n; k++)
        if (e->senses[k].kind == kind && (!best || e->senses[k].quality > best->quality))
            best = &e->senses[k];
    return best;
}

/* What a lexicon item is: a mart (a thing named), a value or a column. */
static enum lx_sense_kind lex_kind(const struct item *x)
{
    const struct lx_sense *m = best_sense(x->e, LX_SENSE_MART);
    const struct lx_sense *v = best_sense(x->e, LX_SENSE_VALUE);
    const struct lx_sense *col = best_sense(x->e, LX_SENSE_COLUMN);
    if (m && m->quality >= LX_SYNONYM && (!v || v->quality < LX_EXACT))
        return LX_SENSE_MART;
    if (v && (!col || v->quality >= col->quality) && !x->as_column)
        return LX_SENSE_VALUE;
    if (col)
        return LX_SENSE_COLUMN;
    return x->e && x->e->n && x->e->senses[0].kind == LX_SENSE_METRIC ? LX_SENSE_METRIC
                                                                      : LX_SENSE_MART;
}

/* "US", "IN": a word written in capitals is a code of the data, not the grammar's. */
static int written_in_capitals(const struct rc *c, size_t i)
{
    const struct lx_token *t = tk(c, i);
    if (t->end - t->start < 2)
        return 0;
    for (int k = t->start; k < t->end; k++)
        if (!isupper((unsigned char)c->q[k]))
            return 0;
    return 1;
}

static void lexicon_pass(struct rc *c)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        if (c->placed[i] || tk(c, i)->kind == LX_PUNCT)
            continue;
        const struct lx_entry *e = NULL;
        size_t n;
        for (n = 8; n >= 1; n--) {
            /* punctuation inside a name is skipped ("Cruz & Sons Co."), never at its ends */
            if (range_free(c, i, i + n) && (e = lx_lexicon_run(c->lx, tk(c, i), n)) != NULL)
                break;
        }
        const char *w = tk(c, i)->text;
        /* "phone number", "email adress", "customer id": the word ends the column before */
        static const char *const tails[] = {"number", "no",   "address", "adress",
                                            "id",     "code", NULL};
        if (c->nit && c->it[c->nit - 1].kind == IT_LEX && c->it[c->nit - 1].to == i &&
            lex_kind(&c->it[c->nit - 1]) == LX_SENSE_COLUMN && in_list(tk(c, i)->stem, tails) &&
            (!e || n == 1)) {
            c->placed[i] = 1;
            continue;
        }
        /* "invoice numbers", "order ids": the key of the thing named */
        if (c->nit && c->it[c->nit - 1].kind == IT_LEX && c->it[c->nit - 1].to == i &&
            lex_kind(&c->it[c->nit - 1]) == LX_SENSE_MART && in_list(tk(c, i)->stem, tails) &&
            (!e || n == 1)) {
            struct item *p = &c->it[c->nit - 1];
            const struct sm_entity *en = sm_entity_of(c->m, best_sense(p->e, LX_SENSE_MART)->mart);
            if (en && en->key) {
                p->key_out = 1;
                p->to = i + 1;
                c->placed[i] = 1;
                continue;
            }
        }
        if (!e && strlen(w) >= 5 && !grammar_word(w) && !aggregate_word(w)) {
            e = lx_lexicon_fuzzy(c->lx, w);
            n = 1;
        }
        if (!e)
            continue;
        /* A word of the sentence ("in", "on", "me") is that word, not a value such as the
         * state code IN; "name" is the thing's label. */
        if (n == 1 && (grammar_word(w) || lx_stop_word(w)) && !written_in_capitals(c, i))
            continue;
        if (n == 1 && (strcmp(w, "name") == 0 || strcmp(w, "names") == 0))
            continue;
        struct item *x = add_item(c, IT_LEX, i, i + n);
        if (!x)
            return;
        x->e = e;
        x->as_column = n == 1 && best_sense(e, LX_SENSE_COLUMN) && is_w(c, i + 1, "of");
        i += n - 1;
    }
}

static void label_pass(struct rc *c)
{
    for (size_t i = 0; i < c->tk.n; i++) {
        if (c->placed[i] || !(is_w(c, i, "name") || is_w(c, i, "names")))
            continue;
        size_t from = i;
        if (i > 0 && !c->placed[i - 1] && is_w(c, i - 1, "full"))
            from = i - 1;
        add_item(c, IT_LABEL, from, i + 1);
    }
}

static void cmp_pass(struct rc *c)
{
    static const struct {
        const char *w[3];
        enum nl_cmp op;
    } cmps[] = {
        {{"not", "more", "than"}, NL_CMP_LE},   {{"no", "more", "than"}, NL_CMP_LE},
        {{"not", "less", "than"}, NL_CMP_GE},   {{"more", "than", NULL}, NL_CMP_GT},
        {{"greater", "than", NULL}, NL_CMP_GT}, {{"higher", "than", NULL}, NL_CMP_GT},
        {{"over", NULL, NULL}, NL_CMP_GT},      {{"above", NULL, NULL}, NL_CMP_GT},
        {{"exceeding", NULL, NULL}, NL_CMP_GT}, {{"at", "least", NULL}, NL_CMP_GE},
        {{"no", "fewer", "than"}, NL_CMP_GE},   {{"no", "less", "than"}, NL_CMP_GE},
        {{"fewer", "than", NULL}, NL_CMP_LT},   {{"less", "than", NULL}, NL_CMP_LT},
        {{"lower", "than", NULL}, NL_CMP_LT},   {{"under", NULL, NULL}, NL_CMP_LT},
        {{"below", NULL, NULL}, NL_CMP_LT},     {{"at", "most", NULL}, NL_CMP_LE},
        {{"of", NULL, NULL}, NL_CMP_EQ},        {{"is", NULL, NULL}, NL_CMP_EQ},
        {{"equal", "to", NULL}, NL_CMP_EQ},     {{"=", NULL, NULL}, NL_CMP_EQ},
        {{"exactly", NULL, NULL}, NL_CMP_EQ},
    };
    for (size_t i = 0; i < c->tk.n; i++) {
        if (c->placed[i])
            continue;
        for (size_t k = 0; k < sizeof cmps / sizeof cmps[0]; k++) {
            size_t n = 0;
            while (n < 3 && cmps[k].w[n] && tk(c, i + n) && !c->placed[i + n] &&
                   strcmp(tk(c, i + n)->text, cmps[k].w[n]) == 0)
                n++;
            if (n == 0 || (n < 3 && cmps[k].w[n]))
                continue;
            const struct lx_token *v = tk(c, i + n);
            int word = v && v->kind == LX_WORD ? nl__number_word(v->text) : 0; /* "three" */
            if (!v || c->placed[i + n] || (v->kind != LX_NUMBER && !word) || v->percent)
                continue;
            if (i > 0 && is_w(c, i - 1, "out") && is_w(c, i, "of"))
                continue; /* "out of 10" */
            struct item *x = add_item(c, IT_CMP, i, i + n + 1);
            if (x) {
                x->cmp = cmps[k].op;
                x->number = word ? word : v->value;
                if (is_w(c, i + n + 1, "times") && !c->placed[i + n + 1]) {
                    x->times = 1;
                    x->to++;
                    c->placed[i + n + 1] = 1;
                }
            }
            i += n;
            break;
        }
        /* "out of stock": none of the stock column that follows */
        if (!c->placed[i] && is_w(c, i, "out") && is_w(c, i + 1, "of") && !c->placed[i + 1] &&
            is_w(c, i + 2, "stock")) {
            struct item *x = add_item(c, IT_CMP, i, i + 2);
            if (x) {
                x->cmp = NL_CMP_EQ;
                x->number = 0;
                x->before = 1;
            }
            i++;
        }
    }
}

/* ---- reading the items ---- */

static int decline(struct rc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int decline(struct rc *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    return SQ_E_UNSUPPORTED;
}

static int has_value_in(const struct lx_entry *e, const struct schema_column *col,
                        const struct schema_mart *mart)
{
    for (size_t k = 0; e && k < e->n; k++)
        if (e->senses[k].kind == LX_SENSE_VALUE &&
            (col ? e->senses[k].col == col : e->senses[k].mart == mart))
            return 1;
    return 0;
}

/* The only tokens between items a and b are little words ("of the", "is"). */
static int adjacent(const struct rc *c, const struct item *a, const struct item *b)
{
    static const char *const glue[] = {"the", "of", "is", "a", "an", NULL};
    if (b->from < a->to)
        return 0;
    for (size_t i = a->to; i < b->from; i++)
        if (!is_any(c, i, glue) &&
            !(tk(c, i)->kind == LX_PUNCT && strcmp(tk(c, i)->text, ":") == 0))
            return 0;
    return 1;
}

static struct item *next_item(struct rc *c, const struct item *x)
{
    struct item *best = NULL;
    for (size_t k = 0; k < c->nit; k++)
        if (c->it[k].from >= x->to && (!best || c->it[k].from < best->from))
            best = &c->it[k];
    return best;
}

static struct item *prev_item(struct rc *c, const struct item *x)
{
    struct item *best = NULL;
    for (size_t k = 0; k < c->nit; k++)
        if (c->it[k].to <= x->from && (!best || c->it[k].to > best->to))
            best = &c->it[k];
    return best;
}

static int restrict_senses(struct item *v, const struct schema_column *col,
                           const struct schema_mart *mart)
{
    for (size_t k = 0; k < v->e->n; k++) {
        const struct lx_sense *x = &v->e->senses[k];
        if (x->kind == LX_SENSE_VALUE && (col ? x->col == col : x->mart == mart)) {
            v->sense = x;
            return 1;
        }
    }
    return 0;
}

/* A column or a thing named next to one of its values ("the vendor Exoto Designs", "the
 * Sydney office", "status On Hold") names which of the value's columns is meant; the word
 * is then part of the value. */
static void absorb(struct rc *c)
{
    for (size_t k = 0; k < c->nit; k++) {
        struct item *v = &c->it[k];
        if (v->kind != IT_LEX || v->used || lex_kind(v) != LX_SENSE_VALUE)
            continue;
        struct item *side[2] = {prev_item(c, v), next_item(c, v)};
        for (int s = 0; s < 2 && !v->sense; s++) {
            struct item *w = side[s];
            if (!w || w->kind != IT_LEX || w->used ||
                !(s == 0 ? adjacent(c, w, v) : adjacent(c, v, w)))
                continue;
            enum lx_sense_kind kind = lex_kind(w);
            for (size_t j = 0; j < w->e->n && !v->sense; j++) {
                const struct lx_sense *x = &w->e->senses[j];
                if (kind == LX_SENSE_COLUMN && x->kind == LX_SENSE_COLUMN &&
                    has_value_in(v->e, x->col, NULL))
                    restrict_senses(v, x->col, NULL);
                else if (kind == LX_SENSE_MART && x->kind == LX_SENSE_MART &&
                         has_value_in(v->e, NULL, x->mart))
                    restrict_senses(v, NULL, x->mart);
            }
            /* the column word is the value's; a thing named stays what the rows are */
            if (v->sense && kind == LX_SENSE_COLUMN)
                w->used = 1;
            else if (v->sense)
                w->absorbed = 1;
        }
    }
}

/* 1 if col is a person's first (1) or last (2) name column of its mart. */
static int name_part(const struct rc *c, const struct schema_column *col,
                     const struct schema_mart *mart)
{
    const struct sm_entity *en = sm_entity_of(c->m, mart);
    if (en && en->nlabel == 2)
        for (int k = 0; k < 2; k++)
            if (en->label[k] == col)
                return k + 1;
    if (strstr(col->name, "first"))
        return 1;
    if (strstr(col->name, "last"))
        return 2;
    return 0;
}

/* "Mary Patterson": a first name and a last name of one mart side by side are one name. */
static void name_pairs(struct rc *c)
{
    for (size_t k = 0; k < c->nit; k++) {
        struct item *a = &c->it[k];
        if (a->kind != IT_LEX || a->used || lex_kind(a) != LX_SENSE_VALUE || a->sense)
            continue;
        struct item *b = next_item(c, a);
        if (!b || b->from != a->to || b->kind != IT_LEX || b->used || lex_kind(b) != LX_SENSE_VALUE)
            continue;
        const struct lx_sense *fa = NULL, *fb = NULL;
        int labels = 0, pairs = 0;
        for (size_t i = 0; i < a->e->n; i++) {
            const struct lx_sense *x = &a->e->senses[i];
            if (x->kind != LX_SENSE_VALUE || name_part(c, x->col, x->mart) != 1)
                continue;
            for (size_t j = 0; j < b->e->n; j++) {
                const struct lx_sense *y = &b->e->senses[j];
                if (y->kind != LX_SENSE_VALUE || y->mart != x->mart ||
                    name_part(c, y->col, y->mart) != 2)
                    continue;
                const struct sm_entity *en = sm_entity_of(c->m, x->mart);
                int label = en && en->nlabel == 2 && en->label[0] == x->col;
                /* a pair that is the thing's own name beats a contact's name */
                if (!fa || (label && !labels) || (label == labels && (fa->col != x->col))) {
                    if (fa && label == labels && fa->col != x->col)
                        pairs++;
                    else
                        pairs = 1;
                    fa = x, fb = y;
                    labels |= label;
                }
            }
        }
        if (!fa || pairs > 1)
            continue;
        a->sense = fa;
        a->sense2 = fb;
        a->to2 = b->to;
        b->used = 1;
    }
}

static void add_out(struct rc *c, const struct schema_mart *mart, const struct schema_column *col,
                    int far)
{
    for (size_t k = 0; k < c->r.nout; k++)
        if (c->r.out[k].col == col && c->r.out[k].far == far)
            return;
    if (col && c->r.nout < MAX_OUT)
        c->r.out[c->r.nout++] = (struct rq_ref){mart, col, far};
}

/* The thing's name as the first fields shown, before those already named. */
static void name_first(struct rc *c, const struct sm_entity *en)
{
    size_t had = c->r.nout;
    for (size_t k = 0; k < en->nlabel; k++)
        add_out(c, en->mart, en->label[k], 0);
    size_t added = c->r.nout - had;
    struct rq_ref moved[MAX_OUT];
    memcpy(moved, c->r.out + had, added * sizeof moved[0]);
    memmove(c->r.out + added, c->r.out, had * sizeof moved[0]);
    memcpy(c->r.out, moved, added * sizeof moved[0]);
}

/* An entity's key and name, the columns a list of them shows. */
static void add_entity_out(struct rc *c, const struct sm_entity *en, int far)
{
    if (en->key)
        add_out(c, en->mart, en->key, far);
    for (size_t k = 0; k < en->nlabel; k++)
        add_out(c, en->mart, en->label[k], far);
}

static struct rq_cond *add_cond(struct rc *c, enum rq_op op, const struct schema_mart *mart,
                                const struct schema_column *col, int far)
{
    if (c->r.ncond >= MAX_CONDS)
        return NULL;
    struct rq_cond *x = &c->r.cond[c->r.ncond++];
    memset(x, 0, sizeof *x);
    x->op = op;
    x->ref = (struct rq_ref){mart, col, far};
    x->role = "";
    return x;
}

/* 1 if every mart of want can be read from the rows of from (many-to-one). */
static int reaches(const struct rc *c, const struct schema_mart *from, const struct schema_mart *to)
{
    const struct schema_join *path[NL_MAX_MARTS];
    size_t len;
    return nl__join_path(c->s, from, to, path, NL_MAX_MARTS, &len) == 0;
}

/* The side of an item: 1 when it names the far end of the self link (the manager). */
static int far_side(const struct rc *c, const struct item *role, const struct item *x)
{
    if (!role)
        return 0;
    if (role->reports)
        return x->from >= role->to;
    /* "employees whose manager is X": what follows is the manager */
    int whose =
        (role->from > 0 && (is_w(c, role->from - 1, "whose") || is_w(c, role->from - 1, "with"))) ||
        is_w(c, role->to, "is") || is_w(c, role->to, "=");
    return whose && x->from >= role->to;
}

/* The question with a value named by its column ("accounts in state georgia"), which
 * reads one way only. */
static void reading(const struct rc *c, const struct item *v, const struct lx_sense *x, char *out,
                    size_t n)
{
    char words[SQ_NAME_MAX];
    nl__words(x->col->name, words, sizeof words);
    int from = tk(c, v->from)->start, to = tk(c, v->to - 1)->end;
    snprintf(out, n, "%.*s%s %.*s%s", from, c->q, words, to - from, c->q + from, c->q + to);
}

/* The mart a value's column is read on, of the value's senses, given the marts the
 * question is about; NULL with c->why set when two readings remain. */
static const struct lx_sense *pick_value(struct rc *c, const struct item *v,
                                         const struct schema_mart *const *about, size_t nabout,
                                         const struct schema_mart *target)
{
    if (v->sense)
        return v->sense;
    const struct lx_sense *best = best_sense(v->e, LX_SENSE_VALUE);
    const struct lx_sense *tier[3] = {NULL, NULL, NULL};
    int count[3] = {0, 0, 0};
    for (size_t k = 0; k < v->e->n; k++) {
        const struct lx_sense *x = &v->e->senses[k];
        if (x->kind != LX_SENSE_VALUE || x->quality < best->quality)
            continue;
        int t = 2;
        if (target && x->mart == target)
            t = 0;
        for (size_t j = 0; j < nabout && t > 0; j++)
            if (about[j] == x->mart)
                t = 0;
        if (t == 2 && target && reaches(c, target, x->mart))
            t = 1;
        /* the same value in a column of the same name across a join is one reading */
        if (tier[t] && strcmp(tier[t]->col->name, x->col->name) == 0)
            continue;
        if (!tier[t])
            tier[t] = x;
        count[t]++;
    }
    for (int t = 0; t < 3; t++) {
        if (!count[t])
            continue;
        if (count[t] == 1) {
            /* "Norway" where the column also holds "Norway  " */
            const struct lx_sense *other;
            return nl__as_written(v->e, tier[t], c->q + tk(c, v->from)->start,
                                  (size_t)(tk(c, v->to - 1)->end - tk(c, v->from)->start), &other);
        }
        /* two readings */
        const struct lx_sense *a = NULL, *b = NULL;
        for (size_t k = 0; k < v->e->n && !b; k++) {
            const struct lx_sense *x = &v->e->senses[k];
            if (x->kind != LX_SENSE_VALUE || x->quality < best->quality)
                continue;
            if (!a)
                a = x;
            else if (strcmp(a->col->name, x->col->name) != 0 || a->mart != x->mart)
                b = x;
        }
        if (a && b) {
            reading(c, v, a, c->readings[0], sizeof c->readings[0]);
            reading(c, v, b, c->readings[1], sizeof c->readings[1]);
            decline(c, "\"%s\" is a value of %s.%s and of %s.%s; say which one is meant", a->value,
                    a->mart->name, a->col->name, b->mart->name, b->col->name);
        }
        return NULL;
    }
    return NULL;
}

/* The output column of an item naming a column, on the marts the question is about. */
static const struct lx_sense *pick_column(struct rc *c, const struct item *x,
                                          const struct schema_mart *const *about, size_t nabout)
{
    /* First the columns of the things the question is about, as well as the word names
     * them ("phone" of a branch is its branch_phone); then the best named anywhere. */
    const struct lx_sense *found = NULL;
    int n = 0;
    for (int pass = 0; pass < 2 && !found; pass++) {
        const struct lx_sense *best = NULL;
        for (size_t k = 0; k < x->e->n; k++) {
            const struct lx_sense *s = &x->e->senses[k];
            int ok = s->kind == LX_SENSE_COLUMN && pass == 1;
            for (size_t j = 0; j < nabout && !ok && s->kind == LX_SENSE_COLUMN; j++)
                ok = about[j] == s->mart;
            if (ok && (!best || s->quality > best->quality))
                best = s;
        }
        n = 0;
        for (size_t k = 0; best && k < x->e->n; k++) {
            const struct lx_sense *s = &x->e->senses[k];
            if (s->kind != LX_SENSE_COLUMN || s->quality < best->quality)
                continue;
            int ok = pass == 1;
            for (size_t j = 0; j < nabout && !ok; j++)
                ok = about[j] == s->mart;
            if (!ok)
                continue;
            if (found && found->mart != s->mart)
                n++;
            if (!found)
                found = s, n = 1;
        }
    }
    /* a field of something else than what the question is about: not this reading */
    int on_about = 0;
    for (size_t j = 0; found && j < nabout; j++)
        on_about |= about[j] == found->mart;
    /* ... unless it is a field of the things that belong to it: the check numbers of a
     * customer's payments */
    for (size_t k = 0; found && !on_about && k < c->m->nlinks; k++) {
        const struct sm_link *l = &c->m->links[k];
        for (size_t j = 0; !l->self && l->from->mart == found->mart && j < nabout; j++)
            on_about |= about[j] == l->to->mart;
    }
    if (found && nabout && !on_about)
        return NULL;
    if (n > 1) {
        decline(c, "\"%s\" names columns of more than one table; say whose it is", x->e->phrase);
        return NULL;
    }
    return found;
}

static const struct sm_date *date_of(const struct rc *c, const struct schema_mart *const *marts,
                                     size_t n, int want_role, enum sm_date_role role)
{
    const struct sm_date *found = NULL, *ordered = NULL;
    int count = 0;
    for (size_t k = 0; k < c->m->ndates; k++) {
        const struct sm_date *d = &c->m->dates[k];
        int in = 0;
        for (size_t j = 0; j < n && !in; j++)
            in = marts[j] == d->mart;
        if (!in || (want_role && d->role != role))
            continue;
        if (d->role == SM_DATE_ORDERED && !ordered)
            ordered = d;
        if (!found)
            found = d;
        count++;
    }
    if (count > 1 && !want_role)
        return ordered;
    return count >= 1 ? found : NULL;
}

/* "who"/"which" after a noun starts a relative clause ("employees who report to X",
 * "the rep who handles X"), not a second question ("... and who were the customers"). */
static int is_rel(const struct rc *c, size_t i)
{
    static const char *const before[] = {"and", "or", "also", "then", NULL};
    return !is_any(c, i - 1, before) && !is_w(c, i, "what") && !is_w(c, i, "when");
}

/* The length of a value of the data written out from i over two words or more ("Sales
 * Representative"), or 0. */
static size_t value_phrase(const struct rc *c, size_t i)
{
    for (size_t n = 4; n >= 2; n--) {
        if (i + n > c->tk.n)
            continue;
        const struct lx_entry *e = lx_lexicon_run(c->lx, tk(c, i), n);
        for (size_t k = 0; e && k < e->n; k++)
            if ((e->senses[k].kind == LX_SENSE_VALUE || e->senses[k].kind == LX_SENSE_COLUMN) &&
                e->senses[k].quality == LX_EXACT)
                return n;
    }
    return 0;
}

/* "supplied by", "made by", "handled by": "by" names who did it, not a breakdown. */
static int agent_by(const struct rc *c, size_t i)
{
    /* not "sold by", "paid by": "units sold by product family" is a breakdown */
    static const char *const verbs[] = {"supplied", "made",    "handled", "placed",   "managed",
                                        "issued",   "written", "served",  "provided", "owned",
                                        "run",      "carried", "shipped", NULL};
    if (!is_w(c, i, "by") || i == 0)
        return 0;
    if (is_any(c, i - 1, verbs))
        return 1;
    /* "ordered by Cruz & Sons Co.": by a thing named, not by a column */
    static const char *const done[] = {"ordered", "bought", "purchased", "sold", "paid", NULL};
    if (!is_any(c, i - 1, done))
        return 0;
    for (size_t n = 8; n >= 1; n--) {
        if (i + 1 + n > c->tk.n)
            continue;
        const struct lx_entry *e = lx_lexicon_run(c->lx, tk(c, i + 1), n);
        for (size_t k = 0; e && k < e->n; k++)
            if (e->senses[k].kind == LX_SENSE_VALUE && e->senses[k].quality == LX_EXACT)
                return 1;
    }
    return 0;
}

/* "Which customer placed order 10160? Give the contact name.": a second sentence that says
 * what to show. Its break and instruction words are grammar; its other words name fields,
 * read as the first sentence's are. 1 if there is one. */
static int instruction_pass(struct rc *c)
{
    static const char *const verbs[] = {
        "give",    "list",     "indicate", "include", "show", "provide", "tell",   "display",
        "mention", "identify", "state",    "specify", "name", "write",   "return", NULL};
    static const char *const then[] = {"out", "down", "me", "us", "also", NULL};
    for (size_t i = 1; i + 1 < c->tk.n; i++) {
        const struct lx_token *t = tk(c, i);
        if (t->kind != LX_PUNCT || (strcmp(t->text, "?") != 0 && strcmp(t->text, ".") != 0))
            continue;
        size_t j = i + 1;
        if (is_w(c, j, "please"))
            j++;
        /* after a full stop, a sentence starts with a capital ("Co. give" is a name) */
        if (!is_any(c, j, verbs) ||
            (strcmp(t->text, ".") == 0 && !isupper((unsigned char)c->q[tk(c, i + 1)->start])))
            continue;
        for (size_t k = i; k <= j; k++)
            c->placed[k] = 1;
        for (j++; is_any(c, j, then); j++)
            c->placed[j] = 1;
        return 1;
    }
    return 0;
}

/* 1 if token i is inside a phrase of the data ("Berline" of "1937 Lincoln Berline"). */
static int in_phrase(const struct rc *c, size_t i)
{
    for (size_t n = 2; n <= 5; n++)
        for (size_t from = i + 1 >= n ? i + 1 - n : 0; from <= i; from++)
            if (from + n <= c->tk.n && lx_lexicon_run(c->lx, &c->tk.t[from], n))
                return 1;
    return 0;
}

/* "representitive", "empolyee", "adress": a word of 6 letters or more that nothing knows,
 * one edit from exactly one word of the grammar, the roles or the data, is read as that
 * word, and the interpretation says so. */
static void typo_pass(struct rc *c)
{
    static const char *const extra[] = {
        "representative", "representatives", "supervisor", "salesperson", "customer", "customers",
        "employee",       "employees",       "address",    "highest",     "lowest",   NULL};
    for (size_t i = 0; i < c->tk.n && c->nfixed < 2; i++) {
        struct lx_token *t = &c->tk.t[i];
        size_t len = strlen(t->text);
        /* a verb of the dates ("ordered", "shipped") is a word, not a typo of "orderid" */
        if (t->kind != LX_WORD || len < 6 || len >= LX_FIXED_MAX || grammar_word(t->text) ||
            aggregate_word(t->text) || lx_lexicon_run(c->lx, t, 1) ||
            sm_verb_date_role(t->text) != SM_DATE_OTHER)
            continue;
        if (in_list(t->text, extra) || in_phrase(c, i))
            continue;
        const char *to = NULL;
        int many = 0;
        for (int k = 0; extra[k]; k++)
            if (lx_one_edit(t->text, extra[k]))
                many |= to != NULL, to = extra[k];
        if (!to) {
            const struct lx_entry *e = lx_lexicon_fuzzy(c->lx, t->text);
            if (e && !strchr(e->phrase, ' '))
                to = e->phrase;
        }
        if (!to || many || strlen(to) >= LX_FIXED_MAX)
            continue;
        snprintf(c->fixed[c->nfixed][0], LX_FIXED_MAX, "%s", t->text);
        snprintf(c->fixed[c->nfixed][1], LX_FIXED_MAX, "%s", to);
        c->nfixed++;
        t->text = t->stem = to;
    }
}

/* "who has the highest credit limit", "the 3 customers with the lowest credit limit",
 * "the biggest payment", "top 5 products by msrp": rows of a thing ranked by one of its
 * columns (build() checks that it is one, else the frame parser ranks totals). */
static void rank_pass(struct rc *c)
{
    static const char *const up[] = {"highest", "biggest", "largest", "greatest", "maximum", NULL};
    static const char *const down[] = {"lowest", "smallest", "minimum", NULL};
    static const char *const cut[] = {"top", "first", "bottom", NULL};
    size_t at = 0, n = 0;
    int dir = 0;
    for (size_t i = 0; i < c->tk.n && !dir; i++) {
        if (c->placed[i] || !(is_any(c, i, up) || is_any(c, i, down)))
            continue;
        if (i > 0 && (aggregate_word(tk(c, i - 1)->text) && !is_w(c, i - 1, "the")))
            return; /* "highest total payment": a total, the frame parser's */
        dir = is_any(c, i, up) ? 1 : -1;
        c->placed[i] = 1;
        at = i + 1 + is_w(c, i + 1, "the");
        if (is_w(c, at, "single") || is_w(c, at, "individual"))
            c->placed[at++] = 1; /* "the biggest single payment": one row, as said */
    }
    for (size_t i = 0; i + 1 < c->tk.n; i++) {
        const struct lx_token *num = tk(c, i + 1);
        if (!is_any(c, i, cut) || num->kind != LX_NUMBER || !num->integer || num->value < 1 ||
            num->value > 1000)
            continue;
        n = (size_t)num->value;
        c->placed[i] = c->placed[i + 1] = 1;
        if (!dir) {
            dir = is_w(c, i, "bottom") ? -1 : 1;
            for (size_t j = i + 2; j + 1 < c->tk.n && !at; j++)
                if (is_w(c, j, "by"))
                    at = j + 1, c->placed[j] = 1;
        }
        break;
    }
    if (!dir || !at || at >= c->tk.n)
        return;
    /* "the 3 customers", "10 emails": how many, before what is listed */
    for (size_t i = 0; i + 1 < c->tk.n && !n; i++) {
        const struct lx_token *t = tk(c, i);
        if (c->placed[i] || t->kind != LX_NUMBER || !t->integer || t->value < 1 ||
            t->value > 1000 || tk(c, i + 1)->kind != LX_WORD)
            continue;
        if (i == 0 || is_w(c, i - 1, "the") || is_w(c, i - 1, "list") || is_w(c, i - 1, "show") ||
            is_w(c, i - 1, "give") || is_w(c, i - 1, "state")) {
            n = (size_t)t->value;
            c->placed[i] = 1;
        }
    }
    c->rank_dir = dir;
    c->rank_at = at;
    c->rank_n = n ? n : 1;
}

/* "customers with more than 5 orders, and how many orders each": the count the
 * condition is on, asked beside the things (shown with them anyway). */
static void each_count_pass(struct rc *c, size_t first)
{
    for (size_t i = first + 2; i + 3 < c->tk.n; i++) {
        if (!is_w(c, i, "how") || !is_w(c, i + 1, "many") || tk(c, i + 2)->kind != LX_WORD)
            continue;
        size_t from = i, to = i + 3;
        if (is_w(c, from - 1, "and"))
            from--;
        if (tk(c, from - 1)->kind == LX_PUNCT && strcmp(tk(c, from - 1)->text, ",") == 0)
            from--;
        static const char *const who[] = {"each", "they", "it", NULL};
        static const char *const has[] = {"has", "have", "had", "placed", "made", NULL};
        if (!is_any(c, to, who))
            continue;
        to++;
        to += is_w(c, to - 1, "each") && is_w(c, to, "one");
        to += is_any(c, to, has);
        if (to < c->tk.n && !(tk(c, to)->kind == LX_PUNCT && to + 1 == c->tk.n))
            continue; /* the question's end */
        for (size_t k = from; k < to; k++)
            c->placed[k] = 1;
        c->each_count = i + 3;
        return;
    }
}

static int read_question(struct rc *c)
{
    /* The question's first word asks for records, or it is not a record question. */
    size_t first = 0;
    while (tk(c, first) && tk(c, first)->kind == LX_PUNCT)
        first++;
    /* "Among the customers of employee 1370, who has ...": the question starts after the
     * clause that says among what. */
    if (is_w(c, first, "among") || is_w(c, first, "of") || is_w(c, first, "for")) {
        for (size_t i = first + 1; i + 1 < c->tk.n; i++)
            if (tk(c, i)->kind == LX_PUNCT && strcmp(tk(c, i)->text, ",") == 0 &&
                (is_w(c, i + 1, "who") || is_w(c, i + 1, "which") || is_w(c, i + 1, "what"))) {
                c->placed[first] = c->placed[i] = 1;
                first = i + 1;
                break;
            }
    }
    static const char *const leads[] = {
        "what", "whats", "which", "who",   "whos",      "whom",     "when",     "list",
        "show", "give",  "tell",  "find",  "get",       "display",  "i",        "please",
        "can",  "could", "name",  "names", "determine", "identify", "indicate", NULL};
    typo_pass(c);
    /* "the President of the company", "at our company": the speaker's firm, not data */
    for (size_t i = 2; i < c->tk.n; i++)
        if ((is_w(c, i, "company") || is_w(c, i, "firm")) &&
            (is_w(c, i - 1, "the") || is_w(c, i - 1, "our")) &&
            (is_w(c, i - 2, "of") || is_w(c, i - 2, "in") || is_w(c, i - 2, "at")) &&
            (i + 1 == c->tk.n || tk(c, i + 1)->kind == LX_PUNCT))
            c->placed[i] = c->placed[i - 1] = c->placed[i - 2] = 1;
    each_count_pass(c, first);
    int lead = is_any(c, first, leads);
    /* "How many reps work in Tokyo? List their emails.": the list is what is asked. */
    if (instruction_pass(c)) {
        lead = c->instructed = 1;
        for (size_t i = first; i + 1 < c->tk.n && !c->placed[i]; i++)
            if (is_w(c, i, "how") && is_w(c, i + 1, "many")) {
                c->placed[i] = c->placed[i + 1] = 1;
                break;
            }
    }
    /* "customers based in Madrid", "staff who report to X": a noun phrase that describes
     * the things it names asks for them, not for their number */
    static const char *const describe[] = {"who",     "whose",   "that",     "based",
                                           "located", "working", "supplied", "without",
                                           "placed",  "lacking", "assigned", NULL};
    for (size_t i = first + 1; i < c->tk.n && !lead; i++)
        lead = is_any(c, i, describe);
    rank_pass(c);
    lead |= c->rank_dir != 0; /* "the 3 customers with the lowest credit limit" lists them */
    prefix_pass(c);           /* "Sales Manager": not sales */
    for (size_t i = 0; i < c->tk.n; i++) {
        size_t len;
        int reports;
        if (role_at(c, i, &len, &reports) || (len = value_phrase(c, i)) > 0) {
            i += len - 1; /* "sales rep", the title "Sales Representative": not sales */
            continue;
        }
        enum sm_date_role done;
        if ((len = nl__never_at(&c->tk, i, &done)) > 0) {
            i += len - 1; /* "never sold": not a measure */
            continue;
        }
        if (!c->placed[i] && tk(c, i)->kind == LX_WORD && aggregate_word(tk(c, i)->text) &&
            !(is_w(c, i, "number") && i > 0) && !agent_by(c, i) &&
            !(is_w(c, i, "any") && i > 0 && is_w(c, i - 1, "without")) &&
            !(is_w(c, i, "between") && tk(c, i + 1) && tk(c, i + 1)->kind == LX_NUMBER) &&
            !(i > 0 && is_w(c, i - 1, "at") && (is_w(c, i, "least") || is_w(c, i, "most"))))
            return NOT_MINE;
    }
    /* "the customer with the biggest credit limit - who is their sales rep?": a clause on
     * the thing already named asks for its fields, as a second sentence does. */
    for (size_t i = first + 1; i + 3 < c->tk.n; i++) {
        const struct lx_token *t = tk(c, i);
        if (!(t->kind == LX_PUNCT && strchr("-,:;", t->text[0])) && !is_w(c, i, "and"))
            continue;
        size_t j = i + 1 + is_w(c, i + 1, "and");
        static const char *const copula[] = {"is", "are", "was", "were", "do", "does", "did", NULL};
        static const char *const whose[] = {"their", "its", "his", "her", "they",
                                            "it",    "he",  "she", NULL};
        if ((is_w(c, j, "who") || is_w(c, j, "what")) && is_any(c, j + 1, copula) &&
            is_any(c, j + 2, whose)) {
            for (size_t k = i; k <= j + 2; k++)
                c->placed[k] = 1;
            c->clause = 1;
            break;
        }
    }
    /* one question: "who" or "which" only at its start */
    for (size_t i = first + 1; i < c->tk.n; i++)
        if (!c->placed[i] &&
            (is_w(c, i, "which") || is_w(c, i, "who") || is_w(c, i, "what") || is_w(c, i, "when")))
            if (!(i > 0 && tk(c, i - 1)->kind == LX_WORD && is_rel(c, i)))
                return NOT_MINE;
    /* "do we have a supplier in Japan?", "is there ...": yes or no */
    static const char *const yes_no[] = {"do",   "does", "did",  "is",  "are", "was",
                                         "were", "has",  "have", "any", NULL};
    if (is_any(c, first, yes_no))
        return NOT_MINE;
    c->who = is_w(c, first, "who") || is_w(c, first, "whos") || is_w(c, first, "whom");
    c->when = is_w(c, first, "when");
    /* "what date was order X placed", "which day did it ship": when */
    if ((is_w(c, first, "what") || is_w(c, first, "which")) &&
        (is_w(c, first + 1, "date") || is_w(c, first + 1, "day"))) {
        c->when = 1;
        c->placed[first + 1] = 1;
    }
    /* "where is X", "where can I find the office of ...": all of its place, from the
     * address to the country, rather than one guess of which part is meant */
    if (is_w(c, first, "where")) {
        c->where = 1;
        c->placed[first] = 1;
    }

    date_pass(c);
    int dated = c->when;
    for (size_t k = 0; k < c->nit; k++)
        dated |= c->it[k].kind == IT_DATE;
    verb_pass(c, dated);
    role_pass(c);
    key_pass(c);
    not_pass(c);
    label_pass(c);
    lexicon_pass(c);
    cmp_pass(c);
    for (size_t i = 0; i < c->tk.n; i++) {
        const struct lx_token *t = tk(c, i);
        if (c->placed[i] || t->kind == LX_PUNCT)
            continue;
        if (t->kind == LX_WORD && (grammar_word(t->text) || lx_stop_word(t->text)))
            continue;
        return NOT_MINE; /* a word this reader does not know */
    }
    c->lead = lead;
    absorb(c);
    name_pairs(c);
    return 0;
}

/* A column that points at another thing (product_subcategory_key) shows that thing's name:
 * "which subcategory is X in" wants the subcategory's name, not its key. 1 if it did. */
static int add_linked_label(struct rc *c, const struct lx_sense *col, int far)
{
    for (size_t k = 0; k < c->m->nlinks; k++) {
        const struct sm_link *l = &c->m->links[k];
        if (l->self || l->from->mart != col->mart || strcmp(l->from_col, col->col->name) != 0 ||
            !l->to->nlabel || l->to->label[0] == l->to->key)
            continue;
        for (size_t j = 0; j < l->to->nlabel; j++)
            add_out(c, l->to->mart, l->to->label[j], far);
        return 1;
    }
    return 0;
}

/* Of a value found in several marts, the one sense that is a thing's own name
 * (customers.company_name, not orders.ship_name), or NULL. */
static const struct lx_sense *named_sense(const struct rc *c, const struct lx_entry *e,
                                          enum lx_quality q)
{
    const struct lx_sense *found = NULL;
    for (size_t j = 0; j < e->n; j++) {
        const struct lx_sense *v = &e->senses[j];
        const struct sm_entity *en =
            v->kind == LX_SENSE_VALUE && v->quality >= q ? sm_entity_of(c->m, v->mart) : NULL;
        if (!en || !en->nlabel || en->label[0] != v->col)
            continue;
        if (found)
            return NULL;
        found = v;
    }
    return found;
}

/* Builds c->r from the items. */
/* Whom "who" asks for, from the marts the question is about: the buyer the rows point
 * at ("who placed order 10165"), whether a person or a company, else the one person they
 * point at ("who was on order 10500"). 0 with *out set or left; -1 if two persons. */
static int who_target(const struct rc *c, const struct schema_mart *const *about, size_t nabout,
                      const struct sm_entity **out)
{
    static const char *const buying[] = {"placed", "made",      "ordered", "bought",
                                         "buy",    "purchased", "paid",    NULL};
    int buys = 0;
    for (size_t i = 0; i < c->tk.n; i++)
        buys |= is_any(c, i, buying);
    const struct sm_entity *person = NULL, *customer = NULL;
    int persons = 0, customers = 0;
    for (size_t k = 0; k < c->m->nlinks; k++) {
        const struct sm_link *l = &c->m->links[k];
        int from = 0;
        for (size_t j = 0; j < nabout; j++)
            from |= about[j] == l->from->mart;
        if (!from || l->self || !l->to->nlabel)
            continue;
        if (nl__is_buyer(l->to) && customer != l->to)
            customer = l->to, customers++;
        if (l->to->nlabel == 2 && person != l->to)
            person = l->to, persons++;
    }
    if (buys && customers == 1)
        *out = customer;
    else if (persons > 1)
        return -1;
    else if (persons == 1)
        *out = person;
    return 0;
}

/* The columns of a thing's place, in the order they are written on a letter: address,
 * city, state, postal code, country. 1 if there were any. */
static int place_out(struct rc *c, const struct sm_entity *en)
{
    static const char *const parts[] = {"address", "city", "state",   "region",
                                        "postal",  "zip",  "country", NULL};
    size_t had = c->r.nout;
    for (int p = 0; parts[p]; p++)
        for (size_t k = 0; k < en->mart->ncols; k++) {
            const struct schema_column *col = &en->mart->cols[k];
            if (!col->derived_from && strstr(col->name, parts[p]) &&
                !schema_type_is_numeric(col->type))
                add_out(c, en->mart, col, 0);
        }
    if (c->r.nout == had)
        return 0;
    for (size_t k = 0; k < en->nlabel; k++)
        add_out(c, en->mart, en->label[k], 0);
    return 1;
}

/* A thing named as what a listing verb asks for: "identify the customer", "list all the
 * employees", "which customer" (not "list the customers' phones"). */
static int asked_object(const struct rc *c, const struct item *x)
{
    static const char *const verbs[] = {"identify", "list",    "show",  "give",      "name",
                                        "find",     "display", "which", "determine", NULL};
    static const char *const skip[] = {"please", "the", "all", "out", "down", "me", NULL};
    static const char *const theirs[] = {"their", "its", "his", "her", NULL};
    size_t i = 0;
    while (tk(c, i) && (tk(c, i)->kind == LX_PUNCT || is_w(c, i, "please")))
        i++;
    if (!is_any(c, i, verbs)) {
        /* "employees in Paris, and their emails": the things open the question and
         * what follows is theirs */
        int owned = 0;
        for (size_t j = x->to; tk(c, j); j++)
            owned |= is_any(c, j, theirs);
        if (!owned)
            return 0;
        i--;
    }
    for (i++; i < x->from && is_any(c, i, skip); i++)
        ;
    const struct lx_token *after = tk(c, x->to);
    return i == x->from && !(after && after->kind == LX_PUNCT && after->text[0] == '\'');
}

static int build(struct rc *c)
{
    /* What is ranked: a column ("the highest credit limit") or a thing by its one amount
     * ("the biggest payment"). */
    struct item *ranked = NULL;
    const struct schema_mart *rank_mart = NULL;
    if (c->rank_dir) {
        for (size_t k = 0; k < c->nit && !ranked; k++)
            if (c->it[k].kind == IT_LEX && c->it[k].from == c->rank_at)
                ranked = &c->it[k];
        if (!ranked)
            return NOT_MINE;
        if (lex_kind(ranked) == LX_SENSE_MART) {
            rank_mart = best_sense(ranked->e, LX_SENSE_MART)->mart;
            const struct schema_column *amount = NULL;
            for (size_t k = 0; k < c->m->nmeasures; k++) {
                const struct sm_measure *me = &c->m->measures[k];
                if (me->mart != rank_mart || !me->col || me->kind != SM_MONEY)
                    continue;
                if (amount)
                    return NOT_MINE; /* two amounts: which one ranks? */
                amount = me->col;
            }
            if (!amount)
                return NOT_MINE;
            c->r.rank = (struct rq_ref){rank_mart, amount, 0};
            ranked->used = 1;
        } else if (lex_kind(ranked) != LX_SENSE_COLUMN) {
            return NOT_MINE;
        }
    }
    struct item *role = NULL;
    for (size_t k = 0; k < c->nit; k++)
        if (c->it[k].kind == IT_ROLE) {
            if (role)
                return NOT_MINE;
            role = &c->it[k];
        }
    /* "customers with more than 5 orders": a comparison right before a plural thing
     * counts those things for each row shown */
    struct item *count_cmp = NULL;
    const struct schema_mart *count_mart = NULL;
    for (size_t k = 0; k < c->nit; k++) {
        struct item *x = &c->it[k], *n = next_item(c, x);
        if (x->kind == IT_CMP && x->times) {
            /* "customers who paid more than 3 times": the rows the verb names, counted */
            const struct schema_mart *vm = NULL;
            for (size_t j = 0; j < x->from && !vm; j++)
                if (tk(c, j)->kind == LX_WORD && sm_verb_date_role(tk(c, j)->text) != SM_DATE_OTHER)
                    for (size_t d = 0; d < c->m->ndates; d++)
                        if (c->m->dates[d].role == sm_verb_date_role(tk(c, j)->text)) {
                            /* each row one time: dated on every row */
                            if ((vm && vm != c->m->dates[d].mart) ||
                                c->m->dates[d].col->null_share > 0)
                                return NOT_MINE;
                            vm = c->m->dates[d].mart;
                        }
            if (!vm || count_cmp)
                return NOT_MINE;
            count_cmp = x;
            count_mart = vm;
            x->used = 1;
            c->lead = 1;
            continue;
        }
        /* "reps with no customers": none of them, a count of exactly zero */
        if (x->kind == IT_NOT &&
            (is_w(c, x->from, "no") || is_w(c, x->from, "never") || is_w(c, x->from, "without"))) {
            x->cmp = NL_CMP_EQ;
            x->number = 0;
        } else if (x->kind != IT_CMP) {
            continue;
        }
        /* "products that were never ordered": no mart named, the verb's rows are counted */
        int named = n && n->from == x->to && n->kind == IT_LEX && lex_kind(n) == LX_SENSE_MART;
        if (x->kind == IT_NOT && x->done && !named) {
            if (count_cmp || x->done == (int)SM_DATE_OTHER + 1)
                return NOT_MINE;
            count_cmp = x;
            x->used = 1;
            c->lead = 1;
            continue;
        }
        /* "more than 1 order", "no invoice": counts said in the singular */
        if (!n || n->from != x->to || n->kind != IT_LEX || lex_kind(n) != LX_SENSE_MART ||
            (strcmp(tk(c, n->to - 1)->text, tk(c, n->to - 1)->stem) == 0 && x->number > 1))
            continue;
        if (count_cmp)
            return NOT_MINE;
        count_cmp = x;
        count_mart = best_sense(n->e, LX_SENSE_MART)->mart;
        x->used = n->used = 1;
        c->lead = 1; /* "customers with more than 5 orders" names which customers */
    }
    /* The things the question names: marts, keys, values that are a thing's name. */
    const struct schema_mart *about[NL_MAX_MARTS];
    size_t nabout = 0;
#define ABOUT(mt)                                                                                  \
    do {                                                                                           \
        int seen_ = 0;                                                                             \
        for (size_t j_ = 0; j_ < nabout; j_++)                                                     \
            seen_ |= about[j_] == (mt);                                                            \
        if (!seen_ && nabout < NL_MAX_MARTS)                                                       \
            about[nabout++] = (mt);                                                                \
    } while (0)
    const struct schema_mart *target = NULL, *held = NULL;
    int target_far = 0;
    struct item *target_item = NULL;
    for (size_t k = 0; k < c->nit; k++) {
        struct item *x = &c->it[k];
        if (x->kind == IT_KEY)
            ABOUT(x->kmart);
        if (x->kind == IT_LEX && !x->used && lex_kind(x) == LX_SENSE_MART) {
            const struct lx_sense *s = best_sense(x->e, LX_SENSE_MART);
            ABOUT(s->mart);
            if (x->key_out)
                continue; /* "invoice numbers of accounts in Norway": a field, not the rows */
            if (x->absorbed) {
                /* "the London office" names where, not what the rows are, unless
                 * nothing else does */
                if (!held)
                    held = s->mart;
                continue;
            }
            /* "the customer whose order was cancelled": the order is the condition's */
            static const char *const owning[] = {"whose", "with", "have", "has", "had", NULL};
            if (target_item && target != s->mart && x->from > 0 && is_any(c, x->from - 1, owning))
                continue;
            if (target_item && target != s->mart)
                return NOT_MINE; /* two kinds of things to show */
            if (!target_item) {
                target_item = x;
                target = s->mart;
            }
        }
        if (x->kind == IT_LEX && x->sense)
            ABOUT(x->sense->mart);
        /* a value found in one mart only names a thing of it ("Atelier graphique") */
        if (x->kind == IT_LEX && !x->used && !x->sense && lex_kind(x) == LX_SENSE_VALUE) {
            const struct lx_sense *b = best_sense(x->e, LX_SENSE_VALUE), *one = NULL;
            int many = 0;
            for (size_t j = 0; j < x->e->n; j++) {
                const struct lx_sense *v = &x->e->senses[j];
                if (v->kind != LX_SENSE_VALUE || v->quality < b->quality)
                    continue;
                if (one && one->mart != v->mart)
                    many = 1;
                one = one ? one : v;
            }
            if (one && many)
                one = named_sense(c, x->e, b->quality);
            if (one)
                ABOUT(one->mart);
        }
    }
    /* A sales rep of a customer named in the question is the rep across the link; with no
     * customer named, "sales reps" is the job title the data may hold. */
    const struct sm_link *rep = NULL;
    if (role && !role->link->self) {
        int from_named = 0;
        for (size_t j = 0; j < nabout; j++)
            from_named |= about[j] == role->link->from->mart;
        for (size_t k = 0; k < c->nit && !from_named; k++) {
            const struct item *x = &c->it[k];
            if (x->kind == IT_LEX && lex_kind(x) == LX_SENSE_VALUE && !x->sense)
                from_named |= has_value_in(x->e, NULL, role->link->from->mart);
        }
        struct item *p = prev_item(c, role);
        if (p && p->kind == IT_NOT) {
            /* "customers without a sales rep": the customers, with the link empty */
            if (target != role->link->from->mart)
                return NOT_MINE;
        } else if (from_named || target == role->link->from->mart) {
            rep = role->link;
            ABOUT(rep->to->mart);
        } else if (role->e && best_sense(role->e, LX_SENSE_VALUE)) {
            role->kind = IT_LEX; /* the job title "Sales Rep": the people who have it */
            absorb(c);           /* "with the title Sales Rep": the title word is its */
            if (!target) {
                target = role->link->to->mart;
                ABOUT(target);
            }
        } else {
            return NOT_MINE;
        }
    }
    if (!target && !rep && !(role && role->kind == IT_ROLE))
        target = held;
    if (role && role->link->self) {
        c->r.self = role->link;
        ABOUT(role->link->from->mart);
    }

    if (ranked && !rank_mart) {
        const struct lx_sense *col = pick_column(c, ranked, about, nabout);
        if (!col)
            return c->why[0] ? SQ_E_UNSUPPORTED : NOT_MINE;
        c->r.rank = (struct rq_ref){col->mart, col->col, 0};
        ranked->used = 1;
    }
    if (ranked) {
        /* one row of a thing each, ranked by a number or a date of it; the thing named in
         * the question ("the customer with the biggest credit limit"), not reached from
         * another ("which product line has the highest msrp": its top product, or its
         * average?) */
        const struct sm_entity *re = sm_entity_of(c->m, c->r.rank.mart);
        const char *type = c->r.rank.col->type;
        int named = target == c->r.rank.mart || rank_mart != NULL;
        for (size_t k = 0; k < c->nit && !named; k++) {
            const struct item *x = &c->it[k];
            named = (x->kind == IT_KEY && x->kmart == c->r.rank.mart) ||
                    (x->kind == IT_LEX && x != ranked && lex_kind(x) == LX_SENSE_MART &&
                     best_sense(x->e, LX_SENSE_MART)->mart == c->r.rank.mart);
        }
        if (!re || !re->key || !named || strcmp(c->r.rank.col->role, "identifier") == 0 ||
            !(schema_type_is_numeric(type) || strcmp(c->r.rank.col->role, "date") == 0))
            return NOT_MINE;
        c->r.order = c->rank_dir;
        c->r.limit = c->rank_n;
        ABOUT(c->r.rank.mart);
        if (!target && c->who && !role)
            target = c->r.rank.mart; /* "who has the highest credit limit": that thing */
    }
    /* "Who placed order 10165? Give their phone.": the second sentence's fields are of
     * whom "who" asks for. */
    const struct sm_entity *whom = NULL;
    if (c->who && c->instructed && who_target(c, about, nabout, &whom) == 0 && whom)
        ABOUT(whom->mart);

    /* What to show. */
    for (size_t k = 0; k < c->nit; k++)
        if (c->it[k].key_out) {
            const struct sm_entity *en =
                sm_entity_of(c->m, best_sense(c->it[k].e, LX_SENSE_MART)->mart);
            add_out(c, en->mart, en->key, 0);
        }
    int labels = 0, things = 0;
    for (size_t k = 0; k < c->nit; k++) {
        struct item *x = &c->it[k];
        if (x->kind == IT_LABEL)
            labels++;
        if (x->kind != IT_LEX || x->used || lex_kind(x) != LX_SENSE_COLUMN)
            continue;
        /* a column compared with a number is a condition */
        struct item *n = next_item(c, x);
        const struct lx_sense *col = pick_column(c, x, about, nabout);
        if (!col)
            return c->why[0] ? SQ_E_UNSUPPORTED : NOT_MINE;
        int far = far_side(c, role, x);
        struct item *pc = prev_item(c, x);
        if (pc && pc->kind == IT_CMP && pc->before && !pc->used && pc->to == x->from)
            n = pc;
        if (n && n->kind == IT_CMP && (!n->before || n == pc) &&
            schema_type_is_numeric(col->col->type)) {
            struct rq_cond *q =
                add_cond(c, n->cmp == NL_CMP_EQ ? RQ_EQ_NUM : RQ_CMP, col->mart, col->col, far);
            if (!q)
                return NOT_MINE;
            q->cmp = n->cmp;
            q->number = n->number;
            n->used = 1;
            x->used = 1;
            ABOUT(col->mart);
            continue;
        }
        struct item *p = prev_item(c, x);
        if (p && p->kind == IT_NOT && !p->used) {
            if (!add_cond(c, RQ_NULL, col->mart, col->col, far))
                return NOT_MINE;
            p->used = x->used = 1;
            continue;
        }
        if (add_linked_label(c, col, far)) {
            ABOUT(col->mart);
            x->used = 1;
            continue;
        }
        if (schema_type_is_numeric(col->col->type) &&
            ((col->quality == LX_PARTIAL && !(is_w(c, x->to, "of") || is_w(c, x->to, "for"))) ||
             (col->col->distinct > 0 && col->col->distinct <= 2)))
            return NOT_MINE; /* "out of stock", "discontinued": a condition, not a field */
        if (col->quality == LX_PARTIAL) {
            /* a word naming columns in part: "orders" on a table of lines is the order's
             * number; "contact" the contact's first and last name; else it is unclear */
            const struct schema_column *id = nl__thing_id(x->e, col->mart);
            if (id) {
                if (things++)
                    return NOT_MINE; /* "customers' orders": whose rows? */
                add_out(c, col->mart, id, far);
                const struct schema_column *name = nl__thing_name(x->e, col->mart);
                if (name)
                    add_out(c, col->mart, name, far);
            } else {
                size_t in_mart = 0;
                for (size_t j = 0; j < x->e->n; j++)
                    in_mart += x->e->senses[j].kind == LX_SENSE_COLUMN &&
                               x->e->senses[j].mart == col->mart;
                for (size_t j = 0; j < x->e->n; j++) {
                    const struct lx_sense *s = &x->e->senses[j];
                    if (s->kind != LX_SENSE_COLUMN || s->mart != col->mart)
                        continue;
                    /* "contact": contact_first_name and contact_last_name, or the
                     * contact_name (not the contact_title) */
                    if (in_mart > 1 && !name_part(c, s->col, s->mart) &&
                        !strstr(s->col->name, "name"))
                        continue;
                    add_out(c, s->mart, s->col, far);
                }
                if (!c->r.nout)
                    return NOT_MINE;
            }
        } else {
            add_out(c, col->mart, col->col, far);
        }
        ABOUT(col->mart);
        x->used = 1;
    }
    for (size_t k = 0; k < c->nit; k++)
        if (c->it[k].kind == IT_CMP && !c->it[k].used)
            return NOT_MINE; /* a number compared with no field */

    /* The thing the rows are: the rep, the manager or the employee, the named mart. */
    const struct sm_entity *shown = NULL;
    if (role && role->link->self) {
        /* "who does X report to", "manager of X": the manager; "employees who report to
         * X", "employees whose manager is X": the employee */
        int named_near = 0, named_far = 0;
        for (size_t k = 0; k < c->nit; k++) {
            const struct item *x = &c->it[k];
            if (x == role || x->kind == IT_LABEL ||
                (x->kind == IT_LEX && lex_kind(x) != LX_SENSE_VALUE))
                continue;
            if (far_side(c, role, x))
                named_far = 1;
            else
                named_near = 1;
        }
        target_far = role->reports ? named_near && !named_far : !named_far;
        shown = role->link->from;
    } else if (rep) {
        shown = rep->to;
    } else if (target) {
        shown = sm_entity_of(c->m, target);
    } else if (c->r.nout) {
        shown = sm_entity_of(c->m, c->r.out[0].mart);
    } else if (c->who) {
        if (who_target(c, about, nabout, &shown) != 0)
            return NOT_MINE;
    }
    if (c->who && !c->r.nout && !shown)
        return NOT_MINE; /* "who" asks for a person, or for the buyer */
    if (c->when) {
        /* "when did order 10101 ship": the date of the verb's role */
        enum sm_date_role want = SM_DATE_ORDERED;
        int verb = 0;
        for (size_t k = 0; k < c->nit; k++)
            if (c->it[k].kind == IT_VERB) {
                want = c->it[k].role;
                verb = 1;
                c->it[k].used = 1;
            }
        const struct sm_date *d = date_of(c, about, nabout, verb, want);
        if (!d || c->r.nout)
            return NOT_MINE;
        add_out(c, d->mart, d->col, 0);
    }
    if (c->where) {
        if (!shown && nabout == 1)
            shown = sm_entity_of(c->m, about[0]); /* "where is Atelier graphique" */
        if (c->r.nout || !shown || !place_out(c, shown))
            return NOT_MINE;
        ABOUT(shown->mart);
    }
    /* "phone orders in March": a bare noun phrase counts (the frame parser's reading);
     * "list the phone orders", "which orders" list */
    if (!c->r.nout && !c->lead)
        return NOT_MINE;
    /* "Identify the customer and the country of check X": the thing asked for by name, first,
     * and the fields named. */
    if (c->r.nout && shown && target_item && shown->mart == target && !target_far &&
        asked_object(c, target_item)) {
        name_first(c, shown);
    }
    if (!c->r.nout || labels) {
        if (!shown)
            return NOT_MINE;
        if (labels || c->who)
            for (size_t k = 0; k < shown->nlabel; k++)
                add_out(c, shown->mart, shown->label[k], target_far);
        else
            add_entity_out(c, shown, target_far);
        ABOUT(shown->mart);
    }
    if (!c->r.nout)
        return NOT_MINE;
    if (c->clause && c->r.self && target_far && shown) {
        /* the employees first, then whom they report to */
        name_first(c, shown);
        if (shown->key)
            add_out(c, shown->mart, shown->key, 1); /* the manager's number too */
    }
    if (c->r.order) {
        /* "the 3 biggest payments: amount and customer": the thing named with the
         * fields is shown by its name too */
        const struct sm_entity *te = target ? sm_entity_of(c->m, target) : NULL;
        for (size_t k = 0; te && !target_far && k < te->nlabel; k++)
            add_out(c, te->mart, te->label[k], 0);
        add_out(c, c->r.rank.mart, c->r.rank.col, c->r.rank.far);
    }

    if (count_cmp) {
        /* the rows counted point at the rows shown by exactly one link */
        const struct schema_mart *cm = count_mart;
        const struct sm_link *via = NULL;
        for (size_t k = 0; shown && k < c->m->nlinks; k++) {
            const struct sm_link *l = &c->m->links[k];
            if (l->self || l->to != shown || (cm && l->from->mart != cm) ||
                (!cm && !sm_dated_by(c->m, l->from, (enum sm_date_role)(count_cmp->done - 1))))
                continue;
            if (via)
                return NOT_MINE;
            via = l;
        }
        if (!via || !shown->key || target_far)
            return NOT_MINE;
        struct rq_cond *q = add_cond(c, RQ_COUNT, shown->mart, shown->key, 0);
        if (!q)
            return NOT_MINE;
        q->cmp = count_cmp->cmp;
        q->number = count_cmp->number;
        q->count_of = via;
    }
    /* The conditions. */
    for (size_t k = 0; k < c->nit; k++) {
        struct item *x = &c->it[k];
        int far = far_side(c, role, x);
        if (x->kind == IT_PREFIX) {
            struct rq_cond *q = add_cond(c, RQ_PREFIX, x->kmart, x->kcol, far);
            if (!q)
                return NOT_MINE;
            q->text = x->code;
            ABOUT(x->kmart);
            continue;
        }
        if (x->kind == IT_KEY) {
            struct rq_cond *q =
                add_cond(c, x->numeric ? RQ_EQ_NUM : RQ_EQ_TEXT, x->kmart, x->kcol, far);
            if (!q)
                return NOT_MINE;
            q->number = x->number;
            q->cmp = NL_CMP_EQ;
            q->text = x->code;
            /* the key as stored, or compared with case folded ("inv-0007") */
            q->fold = !x->numeric;
            for (size_t j = 0; !x->numeric && j < x->kcol->nvalues; j++)
                if (strcasecmp(x->kcol->values[j].value, x->code) == 0) {
                    q->text = x->kcol->values[j].value;
                    q->fold = 0;
                }
        } else if (x->kind == IT_LEX && !x->used && lex_kind(x) == LX_SENSE_VALUE) {
            const struct schema_mart *t = far ? c->r.self->to->mart : shown ? shown->mart : NULL;
            const struct lx_sense *s = pick_value(c, x, about, nabout, t);
            if (!s)
                return c->why[0] ? SQ_E_UNSUPPORTED : NOT_MINE;
            struct rq_cond *q = add_cond(c, RQ_EQ_TEXT, s->mart, s->col, far);
            if (!q)
                return NOT_MINE;
            q->text = s->value;
            if (x->sense2 && (q = add_cond(c, RQ_EQ_TEXT, s->mart, x->sense2->col, far)) != NULL)
                q->text = x->sense2->value;
            ABOUT(s->mart);
        } else if (x->kind == IT_ROLE && x == role && !x->link->self) {
            struct item *p = prev_item(c, x);
            if (p && p->kind == IT_NOT) {
                const struct schema_column *fk =
                    schema_find_column(x->link->from->mart, x->link->from_col);
                if (!fk || !add_cond(c, RQ_NULL, x->link->from->mart, fk, 0))
                    return NOT_MINE;
                p->used = 1;
            }
        } else if (x->kind == IT_NOT && !x->used) {
            struct item *n = next_item(c, x);
            if (!n || n->kind != IT_ROLE)
                return NOT_MINE;
        } else if (x->kind == IT_LEX && !x->used && lex_kind(x) != LX_SENSE_MART) {
            return NOT_MINE;
        }
    }
    /* Dates: the role a verb names, else the one date of the marts, or the order date. */
    for (size_t k = 0; k < c->nit; k++) {
        struct item *x = &c->it[k];
        if (x->kind != IT_DATE && x->kind != IT_LATE)
            continue;
        const struct sm_date *d = NULL;
        int verb = 0;
        enum sm_date_role want = SM_DATE_ORDERED;
        for (size_t j = 0; j < c->nit; j++)
            if (c->it[j].kind == IT_VERB && !c->it[j].used) {
                want = c->it[j].role;
                verb = 1;
            }
        if (x->kind == IT_LATE) {
            const struct schema_column *sh = NULL, *rq = NULL;
            const struct schema_mart *lm = NULL;
            for (size_t j = 0; j < nabout && !lm; j++)
                if (sm_late_rule(c->m, about[j], &sh, &rq))
                    lm = about[j];
            if (!lm)
                return NOT_MINE;
            struct rq_cond *q = add_cond(c, RQ_LATE, lm, sh, 0);
            if (!q)
                return NOT_MINE;
            q->col2 = rq;
            continue;
        }
        /* "customers with more than 3 orders in 2004": the orders of 2004 are in_count */
        struct rq_cond *in_count = NULL;
        for (size_t j = 0; j < c->r.ncond; j++)
            if (c->r.cond[j].op == RQ_COUNT && !c->r.cond[j].dated)
                in_count = &c->r.cond[j];
        if (in_count && x->kind == IT_DATE) {
            const struct sm_date *cd = NULL;
            int n = 0;
            for (size_t j = 0; j < c->m->ndates; j++) {
                const struct sm_date *y = &c->m->dates[j];
                if (y->mart != in_count->count_of->from->mart || (verb && y->role != want))
                    continue;
                if (!cd || (y->role == SM_DATE_ORDERED && cd->role != SM_DATE_ORDERED))
                    cd = y;
                n++;
            }
            if (cd && (n == 1 || cd->role == SM_DATE_ORDERED || verb)) {
                in_count->dated = cd->col;
                in_count->period = x->period;
                continue;
            }
        }
        d = date_of(c, about, nabout, verb, want);
        if (!d)
            return verb ? NOT_MINE
                        : decline(c, "it is not clear which date \"%s\" is about", x->period.label);
        struct rq_cond *q = add_cond(c, RQ_RANGE, d->mart, d->col, 0);
        if (!q)
            return NOT_MINE;
        q->period = x->period;
        q->role = verb ? sm_date_role_name(d->role) : "";
        ABOUT(d->mart);
    }
#undef ABOUT
    return 0;
}

/* ---- from the algebra to SQL ---- */

/* The mart whose rows are read: one that reaches every mart of the query, among them if
 * one does, with the shortest joins. */
static const struct schema_mart *choose_base(const struct rc *c)
{
    const struct schema_mart *need[MAX_OUT + MAX_CONDS + 1];
    size_t nneed = 0;
    for (size_t k = 0; k < c->r.nout; k++)
        need[nneed++] = c->r.out[k].far ? c->r.self->from->mart : c->r.out[k].mart;
    for (size_t k = 0; k < c->r.ncond; k++)
        need[nneed++] = c->r.cond[k].ref.far ? c->r.self->from->mart : c->r.cond[k].ref.mart;
    const struct schema_mart *best = NULL;
    long best_score = 0;
    for (size_t b = 0; b < c->s->nmarts; b++) {
        const struct schema_mart *m = &c->s->marts[b];
        long score = 0;
        int in = 0, ok = 1;
        for (size_t k = 0; k < nneed && ok; k++) {
            const struct schema_join *path[NL_MAX_MARTS];
            size_t len;
            if (nl__join_path(c->s, m, need[k], path, NL_MAX_MARTS, &len) != 0)
                ok = 0;
            score += (long)len;
            in |= need[k] == m;
        }
        if (!ok)
            continue;
        score = score * 2 + !in;
        if (!best || score < best_score)
            best = m, best_score = score;
    }
    return best;
}

struct writer {
    const struct rc *c;
    struct nl_joins a;
    int far_alias; /* alias index of the self link's near end, or -1 */
    int multi;     /* more than one alias: columns are qualified */
};

static void put_ref(struct writer *w, struct sq_buf *b, const struct rq_ref *r)
{
    if (r->far) {
        sq_buf_puts(b, "boss.");
    } else if (w->multi) {
        int i = nl__joins_need(w->c->s, &w->a, r->mart);
        sq_buf_printf(b, "t%d.", i < 0 ? 0 : i);
    }
    nl__put_ident(b, r->col->name);
}

/* A mart's rows in words, singular: "customer", "order detail". */
static const char *noun_of(const struct rc *c, const struct schema_mart *m)
{
    const struct sm_entity *en = sm_entity_of(c->m, m);
    return en && en->noun ? en->noun : lx_mart_words(c->lx, m);
}

static void put_ref_words(const struct writer *w, struct sq_buf *b, const struct rq_ref *r)
{
    char words[SQ_NAME_MAX];
    nl__words(r->col->name, words, sizeof words);
    if (r->far)
        sq_buf_printf(b, "the %s's %s", w->c->r.self->role, words);
    else if (w->multi && r->mart != w->c->r.base)
        sq_buf_printf(b, "the %s's %s", noun_of(w->c, r->mart), words);
    else
        sq_buf_puts(b, words);
}

/* 1 if a mart's rows are things with a key of their own, named by something other than
 * the key or pointed at by a link (customers, orders); 0 for lines (a denormalized sales
 * table keyed by a row number). */
static int is_thing(const struct rc *c, const struct schema_mart *m)
{
    const struct sm_entity *en = sm_entity_of(c->m, m);
    if (!en || !en->key)
        return 0;
    if (en->nlabel && en->label[0] != en->key)
        return 1;
    for (size_t k = 0; k < c->m->nlinks; k++)
        if (c->m->links[k].to == en)
            return 1;
    return 0;
}

static void ref_json(const struct rc *c, struct sq_jw *w, const struct rq_ref *r)
{
    sq_jw_key_str(w, "table", r->mart->name);
    sq_jw_key_str(w, "column", r->col->name);
    if (r->far)
        sq_jw_key_str(w, "of", c->r.self->role);
}

/* The algebra as JSON: {"kind": "records", "from", "distinct", "fields": [...],
 * "conditions": [...]}, what a follow-up or a user reads of what was understood. */
static char *query_json(const struct rc *c, int distinct)
{
    static const char *const ops[] = {"=",         "=",    "cmp",   "is null",
                                      "in period", "late", "count", "starts with"};
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_jw_key_str(&w, "kind", "records");
    sq_jw_key_str(&w, "from", c->r.base->name);
    sq_jw_key(&w, "distinct");
    sq_jw_bool(&w, distinct);
    sq_jw_key(&w, "fields");
    sq_jw_arr_begin(&w);
    for (size_t k = 0; k < c->r.nout; k++) {
        sq_jw_obj_begin(&w);
        ref_json(c, &w, &c->r.out[k]);
        sq_jw_obj_end(&w);
    }
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "conditions");
    sq_jw_arr_begin(&w);
    for (size_t k = 0; k < c->r.ncond; k++) {
        const struct rq_cond *q = &c->r.cond[k];
        char num[SQ_NUM_TEXT_MAX], day[16];
        sq_jw_obj_begin(&w);
        ref_json(c, &w, &q->ref);
        sq_jw_key_str(&w, "op",
                      q->op == RQ_CMP || q->op == RQ_COUNT ? nl__cmp_sql(q->cmp) : ops[q->op]);
        switch (q->op) {
        case RQ_EQ_TEXT:
        case RQ_PREFIX:
            sq_jw_key_str(&w, "value", q->text);
            break;
        case RQ_EQ_NUM:
        case RQ_CMP:
        case RQ_COUNT:
            sq_format_double(num, sizeof num, q->number);
            sq_jw_key(&w, "value");
            sq_jw_raw(&w, num);
            if (q->op == RQ_COUNT) {
                sq_jw_key_str(&w, "count_of", q->count_of->from->mart->name);
                sq_jw_key_str(&w, "by", q->count_of->from_col);
            }
            break;
        case RQ_RANGE:
            snprintf(day, sizeof day, "%04d-%02d-%02d", q->period.from.y, q->period.from.m,
                     q->period.from.d);
            sq_jw_key_str(&w, "from", day);
            snprintf(day, sizeof day, "%04d-%02d-%02d", q->period.to.y, q->period.to.m,
                     q->period.to.d);
            sq_jw_key_str(&w, "to", day);
            break;
        case RQ_LATE:
            sq_jw_key_str(&w, "after", q->col2->name);
            break;
        case RQ_NULL:
            break;
        }
        sq_jw_obj_end(&w);
    }
    sq_jw_arr_end(&w);
    sq_jw_obj_end(&w);
    return sq_buf_steal(&b);
}

/* A list reads in the order of the things' names, else of their keys, then of what else
 * it shows: "customers in France" alphabetically, "late orders" by order number. */
static void put_list_order(const struct rc *c, struct sq_buf *sql)
{
    const struct schema_mart *of = c->r.nout ? c->r.out[0].mart : c->r.base;
    const struct sm_entity *en = sm_entity_of(c->m, of);
    unsigned char first[MAX_OUT] = {0};
    size_t said = 0;
    for (int pass = 0; en && pass < 2; pass++)
        for (size_t k = 0; k < c->r.nout; k++) {
            const struct rq_ref *o = &c->r.out[k];
            int hit = 0;
            for (size_t l = 0; l < en->nlabel && pass == 0; l++)
                hit |= o->col == en->label[l];
            hit |= pass == 1 && o->col == en->key;
            if (hit && o->mart == of && !o->far && !first[k]) {
                first[k] = 1;
                sq_buf_printf(sql, "%s%zu", said++ ? ", " : "", k + 1);
            }
        }
    for (size_t k = 0; k < c->r.nout; k++)
        if (!first[k])
            sq_buf_printf(sql, "%s%zu", said++ ? ", " : "", k + 1);
}

/* The number of rows a count condition counts, for each row shown: a subquery on the
 * thing's key, over the condition's period if it has one. */
static void put_count_column(struct writer *w, struct sq_buf *sql, const struct rq_cond *q)
{
    const struct sm_link *l = q->count_of;
    char *cm = sq_quote_ident(l->from->mart->name);
    sq_buf_printf(sql, ", (SELECT COUNT(*) FROM %s n WHERE n.", cm);
    free(cm);
    nl__put_ident(sql, l->from_col);
    sq_buf_puts(sql, " = ");
    if (!w->multi && !q->ref.far) {
        char *b = sq_quote_ident(w->c->r.base->name);
        sq_buf_printf(sql, "%s.", b);
        free(b);
        nl__put_ident(sql, q->ref.col->name);
    } else {
        put_ref(w, sql, &q->ref);
    }
    if (q->dated) {
        sq_buf_puts(sql, " AND ");
        nl__put_period(sql, q->dated->name, &q->period);
    }
    char name[SQ_NAME_MAX];
    snprintf(name, sizeof name, "%s", lx_mart_words(w->c->lx, l->from->mart));
    for (char *p = name; *p; p++)
        if (*p == ' ')
            *p = '_';
    sq_buf_puts(sql, ") AS ");
    nl__put_ident(sql, name);
}

static int emit(struct rc *c, struct nl_answer *out)
{
    struct writer w = {.c = c, .far_alias = -1};
    w.a.mart[0] = c->r.base;
    w.a.n = 1;
    /* register every mart first, so that columns know whether to qualify */
    for (size_t k = 0; k < c->r.nout; k++)
        if (nl__joins_need(c->s, &w.a, c->r.out[k].far ? c->r.self->from->mart : c->r.out[k].mart) <
            0)
            return NOT_MINE;
    for (size_t k = 0; k < c->r.ncond; k++)
        if (nl__joins_need(c->s, &w.a,
                           c->r.cond[k].ref.far ? c->r.self->from->mart : c->r.cond[k].ref.mart) <
            0)
            return NOT_MINE;
    int any_far = 0;
    for (size_t k = 0; k < c->r.nout; k++)
        any_far |= c->r.out[k].far;
    for (size_t k = 0; k < c->r.ncond; k++)
        any_far |= c->r.cond[k].ref.far;
    if (any_far)
        w.far_alias = nl__joins_need(c->s, &w.a, c->r.self->from->mart);
    w.multi = w.a.n > 1 || any_far;
    /* Rows of a mart of things (customers) are shown as they are; rows of lines, or of a
     * mart read only to reach others, once per distinct answer. */
    int distinct = !is_thing(c, c->r.base);
    for (size_t k = 0; k < c->r.nout && !distinct; k++)
        distinct = c->r.out[k].far || c->r.out[k].mart != c->r.base;
    /* ranked rows of the base, each once already: two payments of one amount are two */
    if (c->r.order && c->r.rank.mart == c->r.base && !c->r.rank.far)
        distinct = 0;

    struct sq_buf sql, in;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_init(&in, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, distinct ? "SELECT DISTINCT " : "SELECT ");
    sq_buf_puts(&in, "Showing ");
    for (size_t k = 0; k < c->r.nout; k++) {
        sq_buf_puts(&sql, k ? ", " : "");
        put_ref(&w, &sql, &c->r.out[k]);
        sq_buf_puts(&in, k ? ", " : "");
        put_ref_words(&w, &in, &c->r.out[k]);
    }
    /* "customers with more than 5 orders": how many each has, beside them, most first */
    const struct rq_cond *counted = NULL;
    for (size_t k = 0; k < c->r.ncond && !c->r.order; k++)
        if (c->r.cond[k].op == RQ_COUNT && !(c->r.cond[k].cmp == NL_CMP_EQ && !c->r.cond[k].number))
            counted = counted ? NULL : &c->r.cond[k];
    if (counted)
        put_count_column(&w, &sql, counted);
    char *base = sq_quote_ident(c->r.base->name);
    sq_buf_printf(&sql, " FROM %s%s", base, w.multi ? " t0" : "");
    free(base);
    sq_buf_printf(&in, "%s each %s", distinct ? " (each once) from" : " of", noun_of(c, c->r.base));
    for (size_t i = 1; i < w.a.n; i++) {
        const struct schema_join *j = w.a.edge[i];
        char *to = sq_quote_ident(w.a.mart[i]->name);
        char *fc = sq_quote_ident(j->from_col), *tc = sq_quote_ident(j->to_col);
        sq_buf_printf(&sql, " JOIN %s t%zu ON t%d.%s = t%zu.%s", to, i, w.a.parent[i], fc, i, tc);
        sq_buf_printf(&in, "%s %s (by %s)", i == 1 ? ", with its" : ",", noun_of(c, w.a.mart[i]),
                      j->from_col);
        free(to);
        free(fc);
        free(tc);
    }
    if (any_far) {
        const struct sm_link *l = c->r.self;
        char *to = sq_quote_ident(l->to->mart->name);
        char *fc = sq_quote_ident(l->from_col), *tc = sq_quote_ident(l->to_col);
        sq_buf_printf(&sql, " LEFT JOIN %s boss ON t%d.%s = boss.%s", to, w.far_alias, fc, tc);
        sq_buf_printf(&in, ", with its %s (by %s)", l->role, l->from_col);
        free(to);
        free(fc);
        free(tc);
    }
    for (size_t k = 0; k < c->r.ncond; k++) {
        const struct rq_cond *q = &c->r.cond[k];
        sq_buf_puts(&sql, k ? " AND " : " WHERE ");
        sq_buf_puts(&in, k ? " and " : ", where ");
        int fold = (q->op == RQ_EQ_TEXT && q->fold) || q->op == RQ_PREFIX;
        sq_buf_puts(&sql, q->op == RQ_PREFIX ? "starts_with(" : "");
        sq_buf_puts(&sql, fold ? "lower(" : "");
        put_ref(&w, &sql, &q->ref);
        sq_buf_puts(&sql, fold ? ")" : "");
        if (q->op != RQ_COUNT)
            put_ref_words(&w, &in, &q->ref);
        char num[SQ_NUM_TEXT_MAX];
        switch (q->op) {
        case RQ_EQ_TEXT:
            sq_buf_puts(&sql, " = ");
            nl__put_key_literal(&sql, q->text, fold);
            sq_buf_printf(&in, " is %s", q->text);
            break;
        case RQ_PREFIX: {
            /* the values it starts, as the value index holds them, said */
            sq_buf_puts(&sql, ", ");
            nl__put_key_literal(&sql, q->text, 1);
            sq_buf_puts(&sql, ")");
            sq_buf_printf(&in, " starts with %s (", q->text);
            size_t len = strlen(q->text), said = 0;
            for (size_t v = 0; v < q->ref.col->nvalues && said < 4; v++) {
                const char *val = q->ref.col->values[v].value;
                if (starts_value(val, q->text, len))
                    sq_buf_printf(&in, "%s%s", said++ ? ", " : "", val);
            }
            sq_buf_puts(&in, ")");
            break;
        }
        case RQ_EQ_NUM:
        case RQ_CMP:
            sq_format_double(num, sizeof num, q->number);
            sq_buf_printf(&sql, " %s %s", nl__cmp_sql(q->op == RQ_EQ_NUM ? NL_CMP_EQ : q->cmp),
                          num);
            sq_buf_printf(&in, " %s %s", q->op == RQ_EQ_NUM ? "is" : nl__cmp_words(q->cmp), num);
            break;
        case RQ_NULL:
            sq_buf_puts(&sql, " IS NULL");
            sq_buf_puts(&in, " is empty");
            break;
        case RQ_RANGE:
            sq_buf_printf(&sql, " >= DATE '%04d-%02d-%02d' AND ", q->period.from.y,
                          q->period.from.m, q->period.from.d);
            put_ref(&w, &sql, &q->ref);
            sq_buf_printf(&sql, " < DATE '%04d-%02d-%02d'", q->period.to.y, q->period.to.m,
                          q->period.to.d);
            sq_buf_printf(&in, " in %s", q->period.label);
            break;
        case RQ_COUNT: {
            const struct sm_link *l = q->count_of;
            sq_format_double(num, sizeof num, q->number);
            char *cm = sq_quote_ident(l->from->mart->name);
            /* A condition that zero meets holds for the things with no rows too: those
             * not among the ones that fail it ("fewer than 3 orders": not 3 or more). */
            int none = q->cmp == NL_CMP_EQ && q->number == 0;
            int lower = q->cmp == NL_CMP_LT || q->cmp == NL_CMP_LE;
            sq_buf_puts(&sql, none || lower ? " NOT IN (SELECT " : " IN (SELECT ");
            nl__put_ident(&sql, l->from_col);
            sq_buf_printf(&sql, " FROM %s WHERE ", cm);
            nl__put_ident(&sql, l->from_col);
            sq_buf_puts(&sql, " IS NOT NULL");
            if (q->dated) {
                sq_buf_puts(&sql, " AND ");
                nl__put_period(&sql, q->dated->name, &q->period);
            }
            if (!none)
                sq_buf_printf(&sql, " GROUP BY 1 HAVING COUNT(*) %s %s",
                              nl__cmp_sql(q->cmp == NL_CMP_LT   ? NL_CMP_GE
                                          : q->cmp == NL_CMP_LE ? NL_CMP_GT
                                                                : q->cmp),
                              num);
            sq_buf_puts(&sql, ")");
            free(cm);
            if (none)
                sq_buf_printf(&in, "it has no %s (rows of %s by %s)",
                              lx_mart_words(c->lx, l->from->mart), l->from->mart->name,
                              l->from_col);
            else
                sq_buf_printf(&in, "it has %s %s %s (rows of %s by %s)", nl__cmp_words(q->cmp), num,
                              lx_mart_words(c->lx, l->from->mart), l->from->mart->name,
                              l->from_col);
            if (q->dated)
                sq_buf_printf(&in, " in %s (by %s)", q->period.label, q->dated->name);
            break;
        }
        case RQ_LATE: {
            struct rq_ref r2 = {q->ref.mart, q->col2, q->ref.far};
            sq_buf_puts(&sql, " > ");
            put_ref(&w, &sql, &r2);
            sq_buf_puts(&in, " after the ");
            put_ref_words(&w, &in, &r2);
            sq_buf_puts(&in, " (late)");
            break;
        }
        }
    }
    sq_buf_puts(&sql, " ORDER BY ");
    size_t rank_pos = 0; /* the ranked column's place in the SELECT list, from 1 */
    for (size_t k = 0; k < c->r.nout && c->r.order; k++)
        if (c->r.out[k].col == c->r.rank.col && c->r.out[k].mart == c->r.rank.mart)
            rank_pos = k + 1;
    if (rank_pos)
        sq_buf_printf(&sql, "%zu %s NULLS LAST, ", rank_pos, c->r.order > 0 ? "DESC" : "ASC");
    else if (counted)
        sq_buf_printf(&sql, "%zu DESC, ", c->r.nout + 1);
    put_list_order(c, &sql);
    if (rank_pos) {
        sq_buf_printf(&sql, " LIMIT %zu", c->r.limit);
        if (c->r.limit == 1)
            sq_buf_printf(&in, ", the one with the %s ", c->r.order > 0 ? "highest" : "lowest");
        else
            sq_buf_printf(&in, ", the %zu with the %s ", c->r.limit,
                          c->r.order > 0 ? "highest" : "lowest");
        put_ref_words(&w, &in, &c->r.rank);
    }
    if (counted && !rank_pos)
        sq_buf_printf(&in, ", with the number of %s of each, most first",
                      lx_mart_words(c->lx, counted->count_of->from->mart));
    for (size_t k = 0; k < c->nfixed; k++)
        sq_buf_printf(&in, "%s\"%s\" read as \"%s\"", k ? ", " : " (", c->fixed[k][0],
                      c->fixed[k][1]);
    sq_buf_puts(&in, c->nfixed ? ")." : ".");
    out->sql = sq_buf_steal(&sql);
    out->interpretation = sq_buf_steal(&in);
    out->query = query_json(c, distinct);
    out->shape.kind = SHAPE_TABLE;
    out->shape.dims[0] = out->shape.dims[1] = -1;
    out->shape.time_dim = out->shape.measure = out->shape.measure2 = out->shape.growth = -1;
    out->shape.measure_label = out->measure_label;
    out->shape.unit = "";
    for (size_t i = 0; i < w.a.n && out->nmarts < NL_MAX_MARTS; i++)
        out->marts[out->nmarts++] = w.a.mart[i];
    return 0;
}

/* Fields shown of rows that are sums of something (a line's amount) are an aggregate
 * question unless one row is named: "sales in the West" is a total, not a list. */
static int lists_amounts(const struct rc *c)
{
    if (c->r.order)
        return 0; /* "the 3 biggest payments": rows, ranked */
    for (size_t k = 0; k < c->r.nout; k++) {
        const struct sm_measure *m = sm_measure_of(c->m, c->r.out[k].col);
        if (!m || (m->kind != SM_MONEY && m->kind != SM_COUNT))
            return 0;
    }
    for (size_t k = 0; k < c->r.ncond; k++) {
        const struct rq_cond *q = &c->r.cond[k];
        const struct sm_entity *en = sm_entity_of(c->m, q->ref.mart);
        if (q->op == RQ_EQ_NUM && en && en->key == q->ref.col)
            return 0;
    }
    return 1;
}

/* Whether the one count condition counts what noun names ("orders" of mart_dyn_orders). */
static int counts_noun(const struct rc *c, const char *noun)
{
    const struct rq_cond *q = NULL;
    for (size_t k = 0; k < c->r.ncond; k++)
        if (c->r.cond[k].op == RQ_COUNT) {
            if (q)
                return 0;
            q = &c->r.cond[k];
        }
    if (!q || c->r.order)
        return 0;
    const char *words = lx_mart_words(c->lx, q->count_of->from->mart);
    size_t n = strlen(noun);
    while (n > 3 && noun[n - 1] == 's')
        n--;
    return strncmp(words, noun, n) == 0;
}

int nl__record(const struct lx_lexicon *lx, const struct sm_model *model, const char *question,
               struct nl_answer *out)
{
    struct rc *c = xcalloc(1, sizeof *c);
    c->lx = lx;
    c->m = model;
    c->s = lx_lexicon_schema(lx);
    c->q = question;
    int rc = NOT_MINE;
    if (lx_tokenize(question, &c->tk) == 0 && c->tk.n > 0) {
        c->placed = xcalloc(c->tk.n, 1);
        rc = read_question(c);
        if (rc == 0)
            rc = build(c);
        if (rc == 0 && c->each_count && !counts_noun(c, tk(c, c->each_count - 1)->text))
            rc = NOT_MINE;
        if (rc == 0 && lists_amounts(c))
            rc = NOT_MINE;
        if (rc == 0 && (c->r.base = choose_base(c)) == NULL)
            rc = NOT_MINE;
        if (rc == 0)
            rc = emit(c, out);
        if (rc == SQ_E_UNSUPPORTED) {
            out->status = SQ_E_UNSUPPORTED;
            out->reason = xstrdup(c->why);
            for (int k = 0; k < 2 && c->readings[k][0]; k++)
                out->suggestions[out->nsuggestions++] = xstrdup(c->readings[k]);
        }
        free(c->placed);
    }
    lx_tokens_fini(&c->tk);
    free(c);
    return rc;
}
