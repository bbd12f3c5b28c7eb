/*
 * Things named by their key as written — "order 10100", "customer no. 103", "product
 * S18_3482", "order SO51522" on a table of lines — for both parsers (see nlsql/internal.h).
 */
#include "nlsql/internal.h"

#include "base/limits.h"
#include "lexicon/lexicon.h"
#include "model/model.h"
#include "schema/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The entity a phrase names by its table or its key column, when only one; else NULL. */
static const struct sm_entity *entity_named(const struct sm_model *m, const struct lx_entry *e)
{
    const struct sm_entity *found = NULL;
    for (size_t k = 0; e && k < e->n; k++) {
        const struct lx_sense *x = &e->senses[k];
        const struct sm_entity *en = sm_entity_of(m, x->mart);
        if (!en || !en->key || x->quality == LX_PARTIAL)
            continue;
        if (x->kind == LX_SENSE_MART || (x->kind == LX_SENSE_COLUMN && x->col == en->key)) {
            if (found && found != en)
                return NULL;
            found = en;
        }
    }
    return found;
}

/* The column of m the phrase e names with one of tails after it ("order" + "number" ->
 * order_number), when only one; else NULL. */
static const struct schema_column *thing_col(const struct lx_entry *e, const struct schema_mart *m,
                                             const char *const *tails)
{
    char word[SQ_NAME_MAX];
    size_t n = 0;
    for (const char *p = e->phrase; *p && n + 1 < sizeof word; p++)
        if (*p != ' ')
            word[n++] = *p;
    word[n] = '\0';
    const struct schema_column *found = NULL;
    for (size_t k = 0; k < e->n; k++) {
        const struct lx_sense *s = &e->senses[k];
        if (s->kind != LX_SENSE_COLUMN || s->mart != m)
            continue;
        char bare[SQ_NAME_MAX];
        size_t b = 0;
        for (const char *p = s->col->name; *p && b + 1 < sizeof bare; p++)
            if (*p != '_')
                bare[b++] = (char)tolower((unsigned char)*p);
        bare[b] = '\0';
        for (int t = 0; tails[t]; t++)
            if (strncmp(bare, word, n) == 0 && strcmp(bare + n, tails[t]) == 0) {
                if (found && found != s->col)
                    return NULL;
                found = s->col;
            }
    }
    return found;
}

const struct schema_column *nl__thing_id(const struct lx_entry *e, const struct schema_mart *m)
{
    static const char *const tails[] = {"number", "id", "code", "no", NULL};
    return thing_col(e, m, tails);
}

const struct schema_column *nl__thing_name(const struct lx_entry *e, const struct schema_mart *m)
{
    static const char *const tails[] = {"name", NULL};
    return thing_col(e, m, tails);
}

/* The identifier column a word names on a mart of lines with no key of the thing ("order"
 * -> sales.order_number), when exactly one mart has one; else NULL. */
static const struct schema_column *line_key(const struct sm_model *m, const struct lx_entry *e,
                                            const struct schema_mart **mart)
{
    const struct schema_column *found = NULL;
    for (size_t k = 0; e && k < e->n; k++) {
        const struct lx_sense *s = &e->senses[k];
        if (s->kind != LX_SENSE_COLUMN || (found && *mart == s->mart))
            continue;
        const struct sm_entity *en = sm_entity_of(m, s->mart);
        if (en && en->key)
            continue; /* a thing of its own: named by its key, above */
        const struct schema_column *id = nl__thing_id(e, s->mart);
        if (!id)
            continue;
        if (found)
            return NULL;
        found = id;
        *mart = s->mart;
    }
    return found;
}

static int is_mark(const struct lx_token *t)
{
    static const char *const marks[] = {"number", "no", "num", "nr", "id", "code", NULL};
    for (int k = 0; t && t->kind == LX_WORD && marks[k]; k++)
        if (strcmp(t->text, marks[k]) == 0)
            return 1;
    return 0;
}

int nl__key_at(const struct lx_lexicon *lx, const struct sm_model *m, const struct lx_tokens *tk,
               const char *q, const unsigned char *busy, size_t i, struct nl_key *out)
{
    if (i >= tk->n || busy[i] || tk->t[i].kind != LX_WORD)
        return -1;
    const struct schema_mart *kmart = NULL;
    const struct schema_column *kcol = NULL;
    size_t n;
    for (n = 2; n >= 1 && !kcol; n--) {
        if (i + n > tk->n || (n == 2 && busy[i + 1]))
            continue;
        const struct lx_entry *e = lx_lexicon_run(lx, &tk->t[i], n);
        const struct sm_entity *en = entity_named(m, e);
        if (en)
            kmart = en->mart, kcol = en->key;
        else
            kcol = line_key(m, e, &kmart); /* "order SO51522" on a table of lines */
    }
    if (!kcol)
        return -1;
    n++;
    size_t j = i + n;
    if (j < tk->n && is_mark(&tk->t[j]))
        j++;
    while (j < tk->n && tk->t[j].kind == LX_PUNCT &&
           (strcmp(tk->t[j].text, ".") == 0 || strcmp(tk->t[j].text, "#") == 0))
        j++;
    if (j >= tk->n || busy[j] || tk->t[j].kind == LX_PUNCT)
        return -1;
    const struct lx_token *v = &tk->t[j];
    /* The key as written: the tokens that touch ("S18_3482"). */
    size_t end = j + 1;
    while (end < tk->n && tk->t[end].start == tk->t[end - 1].end && !busy[end])
        end++;
    int len = tk->t[end - 1].end - v->start;
    int digit = 0;
    for (int k = 0; k < len; k++)
        digit |= isdigit((unsigned char)q[v->start + k]) != 0;
    if (!digit || len >= NL_CODE_MAX)
        return -1;
    int numeric = end == j + 1 && v->kind == LX_NUMBER && v->integer && !v->currency && !v->percent;
    if (numeric != schema_type_is_numeric(kcol->type))
        return -1;
    memset(out, 0, sizeof *out);
    out->mart = kmart;
    out->col = kcol;
    out->end = end;
    out->numeric = numeric;
    out->number = v->value;
    snprintf(out->code, sizeof out->code, "%.*s", len, q + v->start);
    return 0;
}

const struct lx_sense *nl__as_written(const struct lx_entry *e, const struct lx_sense *val,
                                      const char *text, size_t len, const struct lx_sense **other)
{
    const struct lx_sense *exact = NULL;
    *other = NULL;
    for (size_t k = 0; k < e->n; k++) {
        const struct lx_sense *x = &e->senses[k];
        if (x->kind != LX_SENSE_VALUE || x->col != val->col)
            continue;
        if (strlen(x->value) == len && strncmp(x->value, text, len) == 0)
            exact = x;
        else
            *other = x;
    }
    if (!exact || !*other) {
        *other = NULL;
        return val;
    }
    return exact;
}

int nl__number_word(const char *w)
{
    static const char *const words[] = {"two",       "three",    "four",     "five",    "six",
                                        "seven",     "eight",    "nine",     "ten",     "eleven",
                                        "twelve",    "thirteen", "fourteen", "fifteen", "sixteen",
                                        "seventeen", "eighteen", "nineteen", "twenty",  NULL};
    for (int k = 0; words[k]; k++)
        if (strcmp(w, words[k]) == 0)
            return k + 2;
    if (strcmp(w, "thirty") == 0)
        return 30;
    if (strcmp(w, "fifty") == 0)
        return 50;
    if (strcmp(w, "hundred") == 0)
        return 100;
    return 0;
}

static int word_is(const struct lx_tokens *tk, size_t i, const char *w)
{
    return i < tk->n && tk->t[i].kind == LX_WORD && strcmp(tk->t[i].text, w) == 0;
}

size_t nl__late_at(const struct lx_tokens *tk, size_t i, size_t *verb)
{
    size_t j = i;
    *verb = i;
    if (word_is(tk, j, "late") || word_is(tk, j, "overdue")) {
        j++;
    } else {
        if (word_is(tk, j, "after") || word_is(tk, j, "past") || word_is(tk, j, "beyond"))
            j++;
        else if (word_is(tk, j, "later") && word_is(tk, j + 1, "than"))
            j += 2;
        else
            return 0;
        if (word_is(tk, j, "the") || word_is(tk, j, "their") || word_is(tk, j, "its"))
            j++;
        int required = word_is(tk, j, "required");
        if (!required && !word_is(tk, j, "due"))
            return 0;
        j++;
        if (word_is(tk, j, "date") || word_is(tk, j, "day") || word_is(tk, j, "dates"))
            j++;
        else if (!required)
            return 0; /* "after due" alone is not a date */
    }
    static const char *const shipping[] = {"shipped", "delivered", "dispatched", "sent", NULL};
    for (int k = 0; i > 0 && shipping[k]; k++)
        if (word_is(tk, i - 1, shipping[k]))
            *verb = i - 1;
    return j - i;
}

size_t nl__never_at(const struct lx_tokens *tk, size_t i, enum sm_date_role *role)
{
    static const struct {
        const char *w;
        enum sm_date_role role;
    } did[] = {{"placed", SM_DATE_ORDERED},    {"made", SM_DATE_ORDERED},
               {"bought", SM_DATE_ORDERED},    {"ordered", SM_DATE_ORDERED},
               {"purchased", SM_DATE_ORDERED}, {"sold", SM_DATE_ORDERED},
               {"paid", SM_DATE_PAID},         {"had", SM_DATE_OTHER}};
    if (!word_is(tk, i, "never"))
        return 0;
    size_t j = i + 1 + (word_is(tk, i + 1, "been") || word_is(tk, i + 1, "be"));
    for (size_t k = 0; k < sizeof did / sizeof did[0]; k++) {
        if (!word_is(tk, j, did[k].w))
            continue;
        *role = did[k].role;
        j++;
        j += word_is(tk, j, "a") || word_is(tk, j, "an") || word_is(tk, j, "any") ||
             word_is(tk, j, "anything");
        return j - i;
    }
    return 0;
}

const char *const nl__buyer_nouns[] = {"customer", "client", "account", "buyer", NULL};

int nl__is_buyer(const struct sm_entity *en)
{
    for (int b = 0; nl__buyer_nouns[b]; b++)
        if (strstr(en->noun, nl__buyer_nouns[b]))
            return 1;
    return 0;
}
