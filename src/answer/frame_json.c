/*
 * Frames to JSON and back (see answer/answer.h), so that a session's last question can
 * be kept between CLI runs (and server restarts) by name, not by pointer: marts, columns
 * and filter values are resolved again in the current schema snapshot.
 */
#include "answer/answer.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "schema/schema.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const aggs[] = {
    "sum",   "avg",    "min",    "max",    "median",       "count", "count_distinct",
    "ratio", "metric", "margin", "profit", "gross_margin", "per",   "expr"};

static void date_str(char *out, size_t n, struct nl_date d)
{
    snprintf(out, n, "%04d-%02d-%02d", d.y, d.m, d.d);
}

static void period_json(struct sq_jw *w, const struct nl_period *p)
{
    char a[sizeof "-2147483648-01-01"], b[sizeof "-2147483648-01-01"]; /* any year */
    date_str(a, sizeof a, p->from);
    date_str(b, sizeof b, p->to);
    sq_jw_obj_begin(w);
    sq_jw_key(w, "from");
    sq_jw_str(w, a);
    sq_jw_key(w, "to");
    sq_jw_str(w, b);
    sq_jw_key(w, "label");
    sq_jw_str(w, p->label);
    sq_jw_obj_end(w);
}

static void name_of(struct sq_jw *w, const char *key, const void *p, const char *name)
{
    sq_jw_key(w, key);
    if (p)
        sq_jw_str(w, name);
    else
        sq_jw_null(w);
}

static void measure_json(struct sq_jw *w, const struct nl_measure *m)
{
    sq_jw_obj_begin(w);
    sq_jw_key(w, "agg");
    sq_jw_str(w, aggs[m->agg]);
    name_of(w, "mart", m->mart, m->mart ? m->mart->name : NULL);
    name_of(w, "col", m->col, m->col ? m->col->name : NULL);
    name_of(w, "per", m->per, m->per ? m->per->name : NULL);
    sq_jw_key(w, "metric");
    sq_jw_str(w, m->metric);
    sq_jw_key(w, "metric_sql");
    sq_jw_str(w, m->metric_sql);
    name_of(w, "link_mart", m->link_mart, m->link_mart ? m->link_mart->name : NULL);
    sq_jw_key(w, "noun");
    sq_jw_str(w, m->noun);
    sq_jw_obj_end(w);
}

char *answer_frame_to_json(const struct nl_frame *f)
{
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    name_of(&w, "fact", f->fact, f->fact ? f->fact->name : NULL);
    sq_jw_key(&w, "measures");
    sq_jw_arr_begin(&w);
    for (size_t i = 0; i < f->nmeasures; i++)
        measure_json(&w, &f->measures[i]);
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "dims");
    sq_jw_arr_begin(&w);
    for (size_t i = 0; i < f->ndims; i++) {
        sq_jw_obj_begin(&w);
        name_of(&w, "mart", f->dims[i].mart, f->dims[i].mart ? f->dims[i].mart->name : NULL);
        name_of(&w, "col", f->dims[i].col, f->dims[i].col ? f->dims[i].col->name : NULL);
        sq_jw_key(&w, "grain");
        sq_jw_int(&w, f->dims[i].grain);
        sq_jw_obj_end(&w);
    }
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "fields");
    sq_jw_arr_begin(&w);
    for (size_t i = 0; i < f->nfields; i++) {
        sq_jw_obj_begin(&w);
        name_of(&w, "mart", f->fields[i].mart, f->fields[i].mart->name);
        name_of(&w, "col", f->fields[i].col, f->fields[i].col->name);
        sq_jw_obj_end(&w);
    }
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "filters");
    sq_jw_arr_begin(&w);
    for (size_t i = 0; i < f->nfilters; i++) {
        const struct nl_filter *x = &f->filters[i];
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "mart");
        sq_jw_str(&w, x->mart->name);
        sq_jw_key(&w, "col");
        sq_jw_str(&w, x->col->name);
        sq_jw_key(&w, "whole");
        sq_jw_bool(&w, x->whole);
        sq_jw_key(&w, "negate");
        sq_jw_bool(&w, x->negate);
        sq_jw_key(&w, "numeric");
        sq_jw_bool(&w, x->numeric);
        sq_jw_key(&w, "op");
        sq_jw_int(&w, x->op);
        sq_jw_key(&w, "number");
        sq_jw_double(&w, x->number);
        sq_jw_key(&w, "values");
        sq_jw_arr_begin(&w);
        for (size_t k = 0; k < x->nvalues; k++)
            sq_jw_str(&w, x->values[k]);
        sq_jw_arr_end(&w);
        if (x->after) {
            sq_jw_key(&w, "after");
            sq_jw_str(&w, x->after->name);
        }
        if (x->text[0]) {
            sq_jw_key(&w, "text");
            sq_jw_str(&w, x->text);
            sq_jw_key(&w, "fold");
            sq_jw_bool(&w, x->fold);
        }
        sq_jw_obj_end(&w);
    }
    sq_jw_arr_end(&w);
    name_of(&w, "date_mart", f->date_mart, f->date_mart ? f->date_mart->name : NULL);
    name_of(&w, "date", f->date, f->date ? f->date->name : NULL);
    sq_jw_key(&w, "window");
    if (f->has_window)
        period_json(&w, &f->window);
    else
        sq_jw_null(&w);
    sq_jw_key(&w, "periods");
    sq_jw_arr_begin(&w);
    for (int i = 0; f->compare && i < 2; i++)
        period_json(&w, &f->periods[i]);
    sq_jw_arr_end(&w);
    if (f->avg_grain) {
        sq_jw_key(&w, "avg_grain");
        sq_jw_int(&w, f->avg_grain);
    }
    if (f->over) {
        name_of(&w, "over_mart", f->over_mart, f->over_mart->name);
        name_of(&w, "over", f->over, f->over->name);
        sq_jw_key(&w, "over_agg");
        sq_jw_int(&w, f->over_agg);
    }
    if (f->season_from) {
        sq_jw_key(&w, "season");
        sq_jw_arr_begin(&w);
        sq_jw_int(&w, f->season_from);
        sq_jw_int(&w, f->season_to);
        sq_jw_arr_end(&w);
    }
    sq_jw_key(&w, "order");
    sq_jw_int(&w, f->order);
    sq_jw_key(&w, "limit");
    sq_jw_int(&w, (int64_t)f->limit);
    sq_jw_key(&w, "superlative");
    sq_jw_bool(&w, f->superlative);
    sq_jw_key(&w, "listed");
    sq_jw_bool(&w, f->listed);
    sq_jw_key(&w, "share");
    sq_jw_bool(&w, f->share);
    sq_jw_key(&w, "growth");
    sq_jw_bool(&w, f->growth);
    sq_jw_key(&w, "per_group");
    sq_jw_bool(&w, f->per_group);
    sq_jw_key(&w, "having");
    if (f->has_having) {
        const struct nl_having *h = &f->having;
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "mart");
        sq_jw_str(&w, h->mart->name);
        sq_jw_key(&w, "of");
        sq_jw_str(&w, h->of->name);
        sq_jw_key(&w, "measure");
        measure_json(&w, &h->m);
        sq_jw_key(&w, "op");
        sq_jw_int(&w, h->op);
        sq_jw_key(&w, "number");
        sq_jw_double(&w, h->number);
        sq_jw_key(&w, "noun");
        sq_jw_str(&w, h->noun);
        sq_jw_key(&w, "via");
        if (h->via) {
            sq_jw_obj_begin(&w);
            sq_jw_key(&w, "from");
            sq_jw_str(&w, h->via->from->name);
            sq_jw_key(&w, "from_col");
            sq_jw_str(&w, h->via->from_col);
            sq_jw_obj_end(&w);
        } else {
            sq_jw_null(&w);
        }
        sq_jw_obj_end(&w);
    } else {
        sq_jw_null(&w);
    }
    sq_jw_obj_end(&w);
    return sq_buf_steal(&b);
}

static const struct schema_mart *mart(const struct schema *s, json_t *v)
{
    return json_is_string(v) ? schema_find_mart(s, json_string_value(v)) : NULL;
}

static const struct schema_column *column(const struct schema_mart *m, json_t *v)
{
    return m && json_is_string(v) ? schema_find_column(m, json_string_value(v)) : NULL;
}

static int read_period(json_t *v, struct nl_period *p)
{
    const char *a = json_string_value(json_object_get(v, "from"));
    const char *b = json_string_value(json_object_get(v, "to"));
    const char *l = json_string_value(json_object_get(v, "label"));
    if (!a || !b || !l || sscanf(a, "%d-%d-%d", &p->from.y, &p->from.m, &p->from.d) != 3 ||
        sscanf(b, "%d-%d-%d", &p->to.y, &p->to.m, &p->to.d) != 3)
        return -1;
    snprintf(p->label, sizeof p->label, "%s", l);
    return 0;
}

/* A text that must outlive the JSON: metric names and SQL live in the playbook, so they
 * are looked up there by the caller; here they are interned in the schema's arena. */
static const char *keep(const struct schema *s, json_t *v)
{
    const char *t = json_string_value(v);
    return t ? sq_arena_strdup((struct sq_arena *)&s->arena, t) : NULL;
}

static int read_measure(json_t *v, const struct schema *s, struct nl_measure *m)
{
    const char *agg = json_string_value(json_object_get(v, "agg"));
    int found = 0;
    for (int k = 0; agg && k < (int)(sizeof aggs / sizeof aggs[0]); k++)
        if (strcmp(agg, aggs[k]) == 0) {
            m->agg = (enum nl_agg)k;
            found = 1;
        }
    if (!found)
        return -1;
    m->mart = mart(s, json_object_get(v, "mart"));
    m->col = column(m->mart, json_object_get(v, "col"));
    m->per = column(m->mart, json_object_get(v, "per"));
    m->metric = keep(s, json_object_get(v, "metric"));
    m->metric_sql = keep(s, json_object_get(v, "metric_sql"));
    m->link_mart = mart(s, json_object_get(v, "link_mart"));
    const char *noun = json_string_value(json_object_get(v, "noun"));
    snprintf(m->noun, sizeof m->noun, "%s", noun ? noun : "");
    int needs_col = m->agg != NL_AGG_COUNT_ROWS && m->agg != NL_AGG_METRIC && m->agg != NL_AGG_EXPR;
    if (!m->mart || (needs_col && !m->col) ||
        ((m->agg == NL_AGG_RATIO || m->agg == NL_AGG_MARGIN || m->agg == NL_AGG_PROFIT ||
          m->agg == NL_AGG_GROSS_MARGIN || m->agg == NL_AGG_PER) &&
         !m->per) ||
        ((m->agg == NL_AGG_METRIC || m->agg == NL_AGG_EXPR) && (!m->metric || !m->metric_sql)))
        return -1;
    return 0;
}

/* A comparison operator as written by answer_frame_to_json; -1 if out of range. */
static int read_op(json_t *v)
{
    json_int_t op = json_integer_value(v);
    return json_is_integer(v) && op >= NL_CMP_GT && op <= NL_CMP_EQ ? (int)op : -1;
}

static int read_having(json_t *v, const struct schema *s, struct nl_having *h)
{
    h->mart = mart(s, json_object_get(v, "mart"));
    h->of = column(h->mart, json_object_get(v, "of"));
    int op = read_op(json_object_get(v, "op"));
    if (!h->of || op < 0 || read_measure(json_object_get(v, "measure"), s, &h->m) != 0 ||
        !json_is_number(json_object_get(v, "number")))
        return -1;
    h->op = (enum nl_cmp)op;
    h->number = json_number_value(json_object_get(v, "number"));
    const char *noun = json_string_value(json_object_get(v, "noun"));
    snprintf(h->noun, sizeof h->noun, "%s", noun ? noun : "");
    json_t *via = json_object_get(v, "via");
    if (json_is_object(via)) {
        /* The link is found again in the current schema's joins. */
        const struct schema_mart *from = mart(s, json_object_get(via, "from"));
        const char *col = json_string_value(json_object_get(via, "from_col"));
        for (size_t i = 0; from && col && i < s->njoins && !h->via; i++)
            if (s->joins[i].from == from && s->joins[i].to == h->mart &&
                strcmp(s->joins[i].from_col, col) == 0 &&
                strcmp(s->joins[i].to_col, h->of->name) == 0)
                h->via = &s->joins[i];
        if (!h->via)
            return -1;
    }
    return 0;
}

int answer_frame_from_json(const char *text, const struct schema *s, struct nl_frame *out)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root)
        return -1;
    int rc = -1;
    memset(out, 0, sizeof *out);
    out->fact = mart(s, json_object_get(root, "fact"));
    if (!out->fact)
        goto done;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(root, "measures"), i, v)
    {
        if (out->nmeasures >= NL_MAX_MEASURES)
            goto done;
        if (read_measure(v, s, &out->measures[out->nmeasures++]) != 0)
            goto done;
    }
    json_array_foreach(json_object_get(root, "dims"), i, v)
    {
        if (out->ndims >= NL_MAX_DIMS)
            goto done;
        struct nl_dim *d = &out->dims[out->ndims++];
        d->mart = mart(s, json_object_get(v, "mart"));
        d->col = column(d->mart, json_object_get(v, "col"));
        json_int_t g = json_integer_value(json_object_get(v, "grain"));
        if ((d->mart && !d->col) || (!d->col && (g < -1 || g >= NL_GRAIN_END)))
            goto done;
        d->grain = (enum shape_grain)g;
    }
    json_array_foreach(json_object_get(root, "fields"), i, v)
    {
        if (out->nfields >= NL_MAX_FIELDS)
            goto done;
        struct nl_dim *d = &out->fields[out->nfields++];
        d->mart = mart(s, json_object_get(v, "mart"));
        d->col = column(d->mart, json_object_get(v, "col"));
        if (!d->col)
            goto done;
    }
    json_array_foreach(json_object_get(root, "filters"), i, v)
    {
        if (out->nfilters >= NL_MAX_FILTERS)
            goto done;
        struct nl_filter *x = &out->filters[out->nfilters++];
        x->mart = mart(s, json_object_get(v, "mart"));
        x->col = column(x->mart, json_object_get(v, "col"));
        if (!x->col)
            goto done;
        x->negate = json_is_true(json_object_get(v, "negate"));
        x->whole = json_is_true(json_object_get(v, "whole"));
        x->numeric = json_is_true(json_object_get(v, "numeric"));
        int op = read_op(json_object_get(v, "op"));
        if (op < 0)
            goto done;
        x->op = (enum nl_cmp)op;
        x->number = json_number_value(json_object_get(v, "number"));
        const char *key_text = json_string_value(json_object_get(v, "text"));
        if (key_text && strlen(key_text) >= sizeof x->text)
            goto done;
        snprintf(x->text, sizeof x->text, "%s", key_text ? key_text : "");
        x->fold = json_is_true(json_object_get(v, "fold"));
        json_t *after = json_object_get(v, "after");
        if (after && !(x->after = column(x->mart, after)))
            goto done;
        size_t k;
        json_t *val;
        json_array_foreach(json_object_get(v, "values"), k, val)
        {
            /* Values point into the value index, so they must still be in it. */
            const char *want = json_string_value(val);
            const char *found = NULL;
            for (size_t j = 0; want && j < x->col->nvalues && !found; j++)
                if (strcmp(x->col->values[j].value, want) == 0)
                    found = x->col->values[j].value;
            if (!found || x->nvalues >= NL_MAX_VALUES)
                goto done;
            x->values[x->nvalues++] = found;
        }
    }
    out->date_mart = mart(s, json_object_get(root, "date_mart"));
    out->date = column(out->date_mart, json_object_get(root, "date"));
    json_t *win = json_object_get(root, "window");
    if (json_is_object(win)) {
        if (read_period(win, &out->window) != 0)
            goto done;
        out->has_window = 1;
    }
    json_t *periods = json_object_get(root, "periods");
    if (json_array_size(periods) == 2) {
        if (read_period(json_array_get(periods, 0), &out->periods[0]) != 0 ||
            read_period(json_array_get(periods, 1), &out->periods[1]) != 0)
            goto done;
        out->compare = 1;
    }
    json_t *avg_grain = json_object_get(root, "avg_grain");
    if (avg_grain) {
        json_int_t g = json_integer_value(avg_grain);
        if (!json_is_integer(avg_grain) || g < GRAIN_YEAR || g > GRAIN_DAY)
            goto done;
        out->avg_grain = (enum shape_grain)g;
    }
    if (json_object_get(root, "over")) {
        json_int_t oa = json_integer_value(json_object_get(root, "over_agg"));
        out->over_mart = mart(s, json_object_get(root, "over_mart"));
        out->over = column(out->over_mart, json_object_get(root, "over"));
        if (!out->over || oa < NL_AGG_AVG || oa > NL_AGG_MEDIAN)
            goto done;
        out->over_agg = (enum nl_agg)oa;
    }
    json_t *season = json_object_get(root, "season");
    if (season) {
        json_int_t a = json_integer_value(json_array_get(season, 0));
        json_int_t b = json_integer_value(json_array_get(season, 1));
        if (json_array_size(season) != 2 || a < 1 || b < a || b > 12)
            goto done;
        out->season_from = (int)a;
        out->season_to = (int)b;
    }
    json_int_t order = json_integer_value(json_object_get(root, "order"));
    json_int_t limit = json_integer_value(json_object_get(root, "limit"));
    if (order < -1 || order > 1 || limit < 0 || limit > 1000000)
        goto done;
    out->order = (int)order;
    out->limit = (size_t)limit;
    out->superlative = json_is_true(json_object_get(root, "superlative"));
    out->listed = json_is_true(json_object_get(root, "listed"));
    out->share = json_is_true(json_object_get(root, "share"));
    out->growth = json_is_true(json_object_get(root, "growth"));
    out->per_group = json_is_true(json_object_get(root, "per_group"));
    json_t *having = json_object_get(root, "having");
    if (json_is_object(having)) {
        if (read_having(having, s, &out->having) != 0)
            goto done;
        out->has_having = 1;
    }
    if (out->per_group && (out->ndims != 2 || !out->limit))
        goto done;
    rc = out->nmeasures ? 0 : -1;
done:
    json_decref(root);
    return rc;
}
