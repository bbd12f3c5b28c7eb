/*
 * What one call may cost. DuckDB checks for an interrupt (the time limit, a cancel)
 * between vectors of 2,048 rows and counts only its buffer manager's memory against the
 * memory limit, so a query stays within both only if the work and the memory of each
 * scalar call on one vector stay in proportion to its input. Two kinds of call break that,
 * and both are refused here, on the parse tree, whoever wrote the SQL:
 *
 *   - calls whose time grows faster than their input: edit distances (not allow-listed at
 *     all), searches for a computed needle (contains, strpos, split separators, replace's
 *     search), LIKE and GLOB patterns that backtrack (two or more wildcards that match any
 *     run plus one that matches a single character: measured exponential in DuckDB 1.4),
 *     patterns and needles that are not short literals, and lambdas that read outer
 *     columns (a per-element cost times the list's length);
 *   - values that grow without bound: every expression has a size bound k·V + c, where V
 *     is the largest value of the loaded data and c counts literal bytes. A column is
 *     1·V + 0, concat sums its arguments, replace(s, 'a', 'aaaa') multiplies s by 4, and a
 *     column of a subquery, a CTE or an earlier select-list alias carries the bound of
 *     the expression it names, so growth through nesting multiplies as it does at run
 *     time. No expression may pass MAX_K·V + MAX_C. Aggregates that concatenate rows
 *     (string_agg, list …) have no bound at all: their result may only be shown (an item
 *     of the outermost select list), never computed on.
 * Literals are capped (MAX_LITERAL each; the SQL itself at GUARD_MAX_SQL), which with
 * MAX_C also bounds the constant folding DuckDB does while binding.
 *
 * The bounds are upper bounds, never estimates: where unsure (a column that may be an
 * alias or a real column, a join's two sides) the larger one is taken, so a query may be
 * refused that would have been cheap, never the reverse. docs/internals/guard.md argues
 * the mechanism and gives the measurements. Called by guard.c after the names and kinds
 * were checked.
 */
#include "guard/internal.h"

#include "guard/guard.h"

#include "base/error.h"
#include "base/limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    MAX_K = 64,         /* an expression's value: at most 64 times the largest value */
    MAX_C = 16 * 1024,  /* ... plus 16 KB */
    MAX_LITERAL = 2048, /* bytes of one string literal */
    MAX_NEEDLE = 256,   /* a searched-for literal, pattern or separator */
    FIXED_SIZE = 32,    /* a number, date, boolean or hash */
    MAX_NAMES = 512,    /* CTEs and aliases in scope */
    MAX_PARAMS = 8      /* parameters of one lambda */
};

/* An upper bound on a value's size: k·V + c bytes; unbounded for a row-concatenating
 * aggregate. */
struct size {
    double k, c;
    int unbounded;
};

struct named {
    const char *name;
    struct size size;
};

struct cost {
    struct sq_error *err;
    struct named names[MAX_NAMES]; /* CTEs, then each select node's aliases */
    int nnames;
    int aliases; /* names[aliases..nnames) are the current select node's aliases */
    const char *params[MAX_PARAMS]; /* of the lambda being walked, if any */
    int nparams;
    struct size param_size;
    int in_lambda;
};

static const struct size FIXED = {0, FIXED_SIZE, 0};
static const struct size NONE = {0, 0, 0};
static const struct size UNIT = {1, 0, 0};

static struct size smax(struct size a, struct size b)
{
    return (struct size){fmax(a.k, b.k), fmax(a.c, b.c), a.unbounded || b.unbounded};
}

static struct size ssum(struct size a, struct size b)
{
    return (struct size){a.k + b.k, a.c + b.c, a.unbounded || b.unbounded};
}

static struct size sscale(struct size a, double f, double plus)
{
    return (struct size){a.k * f, a.c * f + plus, a.unbounded};
}

/* How a function's result size and cost follow from its arguments. */
enum kind {
    K_FIXED,         /* a number, date, boolean, hash: FIXED_SIZE, linear time */
    K_FIRST,         /* at most its first argument (substr, trim, min, lag's value …) */
    K_CASEMAP,       /* lower/upper/strip_accents: a code point may grow by half */
    K_MAX,           /* the largest argument (coalesce, greatest, if …) */
    K_SUM,           /* the sum of its arguments (concat, ||, list_value, row) */
    K_CONCAT_WS,     /* the arguments and a separator between each two */
    K_NEEDLE,        /* FIXED; the second argument is searched for */
    K_TRIM,          /* K_FIRST; an optional second argument is a set of characters */
    K_SPLIT_PART,    /* K_FIRST; the second argument is a separator */
    K_SPLIT,         /* a list of pieces of its first argument, split at a needle */
    K_REPLACE,       /* replace(s, from, to): s grows by len(to)/len(from) */
    K_REGEX,         /* FIXED; the second argument is a regular expression */
    K_REGEX_EXTRACT, /* K_FIRST per group; the second argument is a regular expression */
    K_REGEX_REPLACE, /* regexp_replace(s, re, repl): s grows by 1 + len(repl) */
    K_LIKE,          /* FIXED; the second argument is a LIKE pattern (third: an escape) */
    K_GLOB,          /* FIXED; the second argument is a GLOB pattern */
    K_STRFTIME,      /* a format's specifiers each expand to a few characters */
    K_QUANTILE,      /* one value per quantile asked for */
    K_LAMBDA_MAP,    /* list_transform: an element's result per element */
    K_LAMBDA_FILTER, /* list_filter: at most the list */
    K_ROWS           /* string_agg, list …: grows with the rows: unbounded */
};

struct fn {
    const char *name;
    enum kind kind;
};

/* Every allow-listed function (functions.c), sorted for bsearch; test_guard checks that
 * each one has an entry, so a function added there needs a decision here. */
static const struct fn fns[] = {
    {"!~~", K_LIKE},
    {"!~~*", K_LIKE},
    {"!~~~", K_GLOB},
    {"%", K_FIXED},
    {"&", K_MAX},
    {"*", K_FIXED},
    {"**", K_FIXED},
    {"+", K_FIXED},
    {"-", K_FIXED},
    {"/", K_FIXED},
    {"//", K_FIXED},
    {"<<", K_MAX},
    {">>", K_MAX},
    {"@", K_FIXED},
    {"^", K_FIXED},
    {"^@", K_FIXED},
    {"abs", K_FIXED},
    {"acos", K_FIXED},
    {"age", K_FIXED},
    {"any_value", K_FIRST},
    {"approx_count_distinct", K_FIXED},
    {"approx_quantile", K_QUANTILE},
    {"arg_max", K_FIRST},
    {"arg_min", K_FIRST},
    {"argmax", K_FIRST},
    {"argmin", K_FIRST},
    {"array_agg", K_ROWS},
    {"array_contains", K_FIXED},
    {"array_extract", K_FIRST},
    {"array_filter", K_LAMBDA_FILTER},
    {"array_length", K_FIXED},
    {"array_transform", K_LAMBDA_MAP},
    {"ascii", K_FIXED},
    {"asin", K_FIXED},
    {"atan", K_FIXED},
    {"atan2", K_FIXED},
    {"avg", K_FIXED},
    {"bit_and", K_FIRST},
    {"bit_count", K_FIXED},
    {"bit_or", K_FIRST},
    {"bit_xor", K_FIRST},
    {"bool_and", K_FIXED},
    {"bool_or", K_FIXED},
    {"cbrt", K_FIXED},
    {"ceil", K_FIXED},
    {"ceiling", K_FIXED},
    {"century", K_FIXED},
    {"char_length", K_FIXED},
    {"character_length", K_FIXED},
    {"chr", K_FIXED},
    {"coalesce", K_MAX},
    {"concat", K_SUM},
    {"concat_ws", K_CONCAT_WS},
    {"contains", K_NEEDLE},
    {"corr", K_FIXED},
    {"cos", K_FIXED},
    {"count", K_FIXED},
    {"count_if", K_FIXED},
    {"count_star", K_FIXED},
    {"countif", K_FIXED},
    {"covar_pop", K_FIXED},
    {"covar_samp", K_FIXED},
    {"cume_dist", K_FIXED},
    {"current_date", K_FIXED},
    {"date_add", K_FIXED},
    {"date_diff", K_FIXED},
    {"date_part", K_FIXED},
    {"date_sub", K_FIXED},
    {"date_trunc", K_FIXED},
    {"datediff", K_FIXED},
    {"datepart", K_FIXED},
    {"datesub", K_FIXED},
    {"datetrunc", K_FIXED},
    {"day", K_FIXED},
    {"dayname", K_FIXED},
    {"dayofmonth", K_FIXED},
    {"dayofweek", K_FIXED},
    {"dayofyear", K_FIXED},
    {"decade", K_FIXED},
    {"degrees", K_FIXED},
    {"dense_rank", K_FIXED},
    {"dow", K_FIXED},
    {"doy", K_FIXED},
    {"ends_with", K_FIXED},
    {"entropy", K_FIXED},
    {"epoch", K_FIXED},
    {"epoch_ms", K_FIXED},
    {"even", K_FIXED},
    {"exp", K_FIXED},
    {"factorial", K_FIXED},
    {"favg", K_FIXED},
    {"first", K_FIRST},
    {"first_value", K_FIRST},
    {"floor", K_FIXED},
    {"fmod", K_FIXED},
    {"fsum", K_FIXED},
    {"gcd", K_FIXED},
    {"greatest", K_MAX},
    {"group_concat", K_ROWS},
    {"grouping", K_FIXED},
    {"grouping_id", K_FIXED},
    {"hour", K_FIXED},
    {"if", K_MAX},
    {"ifnull", K_MAX},
    {"iif", K_MAX},
    {"ilike_escape", K_LIKE},
    {"instr", K_NEEDLE},
    {"isfinite", K_FIXED},
    {"isinf", K_FIXED},
    {"isnan", K_FIXED},
    {"isodow", K_FIXED},
    {"isoyear", K_FIXED},
    {"kahan_sum", K_FIXED},
    {"kurtosis", K_FIXED},
    {"lag", K_MAX},
    {"last", K_FIRST},
    {"last_day", K_FIXED},
    {"last_value", K_FIRST},
    {"lcase", K_CASEMAP},
    {"lcm", K_FIXED},
    {"lead", K_MAX},
    {"least", K_MAX},
    {"left", K_FIRST},
    {"len", K_FIXED},
    {"length", K_FIXED},
    {"like_escape", K_LIKE},
    {"list", K_ROWS},
    {"list_contains", K_FIXED},
    {"list_distinct", K_FIRST},
    {"list_element", K_FIRST},
    {"list_extract", K_FIRST},
    {"list_filter", K_LAMBDA_FILTER},
    {"list_has", K_FIXED},
    {"list_sort", K_FIRST},
    {"list_transform", K_LAMBDA_MAP},
    {"list_value", K_SUM},
    {"listagg", K_ROWS},
    {"ln", K_FIXED},
    {"log", K_FIXED},
    {"log10", K_FIXED},
    {"log2", K_FIXED},
    {"lower", K_CASEMAP},
    {"ltrim", K_TRIM},
    {"mad", K_FIXED},
    {"make_date", K_FIXED},
    {"make_time", K_FIXED},
    {"make_timestamp", K_FIXED},
    {"max", K_FIRST},
    {"max_by", K_FIRST},
    {"md5", K_FIXED},
    {"mean", K_FIXED},
    {"median", K_FIRST},
    {"microsecond", K_FIXED},
    {"millennium", K_FIXED},
    {"millisecond", K_FIXED},
    {"min", K_FIRST},
    {"min_by", K_FIRST},
    {"minute", K_FIXED},
    {"mod", K_FIXED},
    {"mode", K_FIRST},
    {"month", K_FIXED},
    {"monthname", K_FIXED},
    {"nth_value", K_FIRST},
    {"ntile", K_FIXED},
    {"nullif", K_FIRST},
    {"percent_rank", K_FIXED},
    {"pi", K_FIXED},
    {"position", K_NEEDLE},
    {"pow", K_FIXED},
    {"power", K_FIXED},
    {"prefix", K_FIXED},
    {"product", K_FIXED},
    {"quantile", K_QUANTILE},
    {"quantile_cont", K_QUANTILE},
    {"quantile_disc", K_QUANTILE},
    {"quarter", K_FIXED},
    {"radians", K_FIXED},
    {"rank", K_FIXED},
    {"regexp_extract", K_REGEX_EXTRACT},
    {"regexp_full_match", K_REGEX},
    {"regexp_matches", K_REGEX},
    {"regexp_replace", K_REGEX_REPLACE},
    {"regr_avgx", K_FIXED},
    {"regr_avgy", K_FIXED},
    {"regr_count", K_FIXED},
    {"regr_intercept", K_FIXED},
    {"regr_r2", K_FIXED},
    {"regr_slope", K_FIXED},
    {"replace", K_REPLACE},
    {"reverse", K_FIRST},
    {"right", K_FIRST},
    {"round", K_FIXED},
    {"round_even", K_FIXED},
    {"roundbankers", K_FIXED},
    {"row", K_SUM},
    {"row_number", K_FIXED},
    {"rtrim", K_TRIM},
    {"second", K_FIXED},
    {"sign", K_FIXED},
    {"signbit", K_FIXED},
    {"sin", K_FIXED},
    {"skewness", K_FIXED},
    {"split_part", K_SPLIT_PART},
    {"sqrt", K_FIXED},
    {"starts_with", K_FIXED},
    {"stddev", K_FIXED},
    {"stddev_pop", K_FIXED},
    {"stddev_samp", K_FIXED},
    {"str_split", K_SPLIT},
    {"strftime", K_STRFTIME},
    {"string_agg", K_ROWS},
    {"string_split", K_SPLIT},
    {"strip_accents", K_CASEMAP},
    {"strlen", K_FIXED},
    {"strpos", K_NEEDLE},
    {"strptime", K_FIXED},
    {"struct_extract", K_FIRST},
    {"struct_pack", K_SUM},
    {"substr", K_FIRST},
    {"substring", K_FIRST},
    {"suffix", K_FIXED},
    {"sum", K_FIXED},
    {"sumkahan", K_FIXED},
    {"tan", K_FIXED},
    {"time_bucket", K_FIXED},
    {"to_days", K_FIXED},
    {"to_hours", K_FIXED},
    {"to_minutes", K_FIXED},
    {"to_months", K_FIXED},
    {"to_seconds", K_FIXED},
    {"to_weeks", K_FIXED},
    {"to_years", K_FIXED},
    {"today", K_FIXED},
    {"trim", K_TRIM},
    {"trunc", K_FIXED},
    {"try_strptime", K_FIXED},
    {"typeof", K_FIXED},
    {"ucase", K_CASEMAP},
    {"upper", K_CASEMAP},
    {"var_pop", K_FIXED},
    {"var_samp", K_FIXED},
    {"variance", K_FIXED},
    {"week", K_FIXED},
    {"weekday", K_FIXED},
    {"weekofyear", K_FIXED},
    {"year", K_FIXED},
    {"yearweek", K_FIXED},
    {"|", K_MAX},
    {"||", K_SUM},
    {"~", K_MAX},
    {"~~", K_LIKE},
    {"~~*", K_LIKE},
    {"~~~", K_GLOB},
};

static int fn_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct fn *)elem)->name);
}

static const struct fn *fn_find(const char *lower)
{
    return bsearch(lower, fns, sizeof fns / sizeof fns[0], sizeof fns[0], fn_cmp);
}

int guard_function_cost_known(const char *name)
{
    return fn_find(name) != NULL;
}

static int expr(struct cost *c, json_t *e, struct size in, struct size *out);
static int query(struct cost *c, json_t *node, struct size in, int top, struct size *out);
static int table_ref(struct cost *c, json_t *ref, struct size in, struct size *out);

/* The value's bound must stay within MAX_K·V + MAX_C. */
static int within(struct cost *c, json_t *node, const char *what, struct size s)
{
    if (s.unbounded || (s.k <= MAX_K && s.c <= MAX_C))
        return 0;
    if (s.k > MAX_K)
        return guard__reject(c->err, node,
                             "%s can make one value %.0f times as large as the data's largest "
                             "(at most %d allowed): a value that large is built in one call, "
                             "which neither the time limit nor the memory limit can stop",
                             what, s.k, MAX_K);
    return guard__reject(c->err, node,
                         "%s can make one value %.0f bytes longer than the data it reads (at "
                         "most %d allowed): a value that large is built in one call, which "
                         "neither the time limit nor the memory limit can stop",
                         what, s.c, MAX_C);
}

/* An argument that is itself an expression whose value is used: never unbounded. */
static int arg(struct cost *c, json_t *e, struct size in, const char *fn, struct size *out)
{
    int rc = expr(c, e, in, out);
    if (rc)
        return rc;
    if (out->unbounded)
        return guard__reject(c->err, e,
                             "%s may not compute on the result of string_agg, list, array_agg "
                             "or group_concat: that value grows with the rows, so one call on "
                             "it is out of reach of the time and memory limits; show it "
                             "as a column of the result instead",
                             fn);
    return 0;
}

/* Walks any part of the tree that is not a value whose size matters (filters, orders,
 * frames, conditions): its expressions are still checked. Returns the largest value met,
 * which is the safe bound where it is used as one. */
static int any(struct cost *c, json_t *v, struct size in, struct size *out)
{
    *out = NONE;
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            struct size s;
            int rc = any(c, item, in, &s);
            if (rc)
                return rc;
            *out = smax(*out, s);
        }
        return 0;
    }
    if (!json_is_object(v))
        return 0;
    if (guard__str(v, "class"))
        return arg(c, v, in, "this expression", out);
    const char *type = guard__str(v, "type");
    if (type && json_object_get(v, "modifiers"))
        return query(c, v, in, 0, out);
    if (type && json_object_get(v, "sample") && json_object_get(v, "alias"))
        return table_ref(c, v, in, out);
    const char *key;
    json_t *child;
    json_object_foreach(v, key, child)
    {
        struct size s;
        int rc = any(c, child, in, &s);
        if (rc)
            return rc;
        *out = smax(*out, s);
    }
    return 0;
}

static json_t *nth_child(json_t *e, size_t i)
{
    return json_array_get(json_object_get(e, "children"), i);
}

/* A string literal given directly: its text, or NULL (a column, an expression, NULL). */
static const char *literal_text(json_t *e, size_t *len)
{
    if (!e || strcmp(guard__str(e, "class") ? guard__str(e, "class") : "", "CONSTANT") != 0)
        return NULL;
    json_t *value = json_object_get(e, "value");
    const char *id = guard__str(json_object_get(value, "type"), "id");
    json_t *text = json_object_get(value, "value");
    if (!id || strcmp(id, "VARCHAR") != 0 || !json_is_string(text))
        return NULL;
    *len = json_string_length(text);
    return json_string_value(text);
}

/* What is searched for (a needle, a separator, a set of characters to trim): a column or
 * a short literal, so that a search costs at most the haystack times a bounded needle or
 * two values of the data. */
static int needle(struct cost *c, json_t *e, struct size s, const char *fn)
{
    if (s.k <= 1 && s.c <= MAX_NEEDLE)
        return 0;
    return guard__reject(c->err, e,
                         "%s: what it searches for must be a column or a literal of at most "
                         "%d bytes, not a value computed from several: the search takes time "
                         "in proportion to the product of both sizes",
                         fn, MAX_NEEDLE);
}

/* A pattern or a regular expression: a literal of at most MAX_NEEDLE bytes (a column's
 * pattern is compiled per row and may backtrack). */
static const char *pattern(struct cost *c, json_t *e, const char *fn, size_t *len)
{
    const char *p = literal_text(e, len);
    if (p && *len <= MAX_NEEDLE)
        return p;
    guard__reject(c->err, e,
                  "%s: the pattern must be a string literal of at most %d bytes, not a column "
                  "or a computed value",
                  fn, MAX_NEEDLE);
    return NULL;
}

/* LIKE: '%' matches any run, '_' one character (and an ESCAPE makes either literal).
 * DuckDB's matcher backtracks: with two or more '%' and any '_' (or an escape), the time
 * per value grows exponentially with the number of '%' (measured: '%a%_b' over 20 KB
 * values ran past 30 s for one vector); with only '%' and literal runs, or a single '%',
 * it stays linear. GLOB likewise with '*' against '?' and '['. */
static int safe_pattern(struct cost *c, json_t *e, const char *fn, int glob, int escape)
{
    size_t n;
    const char *p = pattern(c, e, fn, &n);
    if (!p)
        return SQ_E_REJECTED;
    size_t any_run = 0, single = escape;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == (glob ? '*' : '%'))
            any_run++;
        else if (glob ? p[i] == '?' || p[i] == '[' : p[i] == '_')
            single++;
    }
    if (any_run >= 2 && single)
        return guard__reject(c->err, e,
                             "%s: a pattern with %zu '%c' and a '%c'%s takes time exponential in "
                             "the number of '%c' on long values; use one '%c' with '%c', or "
                             "several '%c' with literal text only",
                             fn, any_run, glob ? '*' : '%', glob ? '?' : '_',
                             escape ? " (or an ESCAPE)" : "", glob ? '*' : '%', glob ? '*' : '%',
                             glob ? '?' : '_', glob ? '*' : '%');
    return 0;
}

/* The parameters of a lambda, then its body walked with only them in scope. */
static int lambda(struct cost *c, json_t *e, struct size elem, const char *fn, struct size *out)
{
    if (!e || strcmp(guard__str(e, "class") ? guard__str(e, "class") : "", "LAMBDA") != 0)
        return guard__reject(c->err, e, "%s takes a lambda (x -> ...) as its second argument", fn);
    if (c->in_lambda)
        return guard__reject(c->err, e, "%s: lambdas inside lambdas are not allowed", fn);
    json_t *lhs = json_object_get(e, "lhs");
    json_t *params = lhs;
    size_t one = 1;
    if (guard__str(lhs, "function_name") && strcmp(guard__str(lhs, "function_name"), "row") == 0) {
        params = json_object_get(lhs, "children");
        one = 0;
    }
    int n = 0;
    for (size_t i = 0; i < (one ? 1 : json_array_size(params)); i++) {
        json_t *p = one ? params : json_array_get(params, i);
        json_t *names = json_object_get(p, "column_names");
        if (json_array_size(names) != 1 || !json_is_string(json_array_get(names, 0)) ||
            n == MAX_PARAMS)
            return guard__reject(c->err, e, "%s: a lambda's parameters must be plain names", fn);
        c->params[n++] = json_string_value(json_array_get(names, 0));
    }
    c->nparams = n;
    c->param_size = elem;
    c->in_lambda = 1;
    int rc = arg(c, json_object_get(e, "expr"), elem, fn, out);
    c->in_lambda = 0;
    c->nparams = 0;
    return rc;
}

static size_t count_constants(json_t *v)
{
    if (json_is_array(v) || json_is_object(v)) {
        size_t n = json_is_object(v) && guard__str(v, "class") &&
                   strcmp(guard__str(v, "class"), "CONSTANT") == 0;
        const char *key;
        json_t *child;
        size_t i;
        if (json_is_array(v)) {
            json_array_foreach(v, i, child) n += count_constants(child);
        } else {
            json_object_foreach(v, key, child) n += count_constants(child);
        }
        return n;
    }
    return 0;
}

/* A FUNCTION or WINDOW node: its arguments, then its kind's rule. */
static int function(struct cost *c, json_t *e, struct size in, struct size *out)
{
    const char *name = guard__str(e, "function_name");
    char lower[SQ_NAME_MAX]; /* as guard.c, which refused longer names */
    size_t n = name ? strlen(name) : 0;
    if (!name || n >= sizeof lower)
        return guard__reject(c->err, e, "%s", "a function without a usable name");
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    const struct fn *f = fn_find(lower);
    if (!f) /* guard.c checked the allow-list; a function without a cost is refused */
        return guard__reject(c->err, e, "the function %.100s has no known cost", name);
    int window = strcmp(guard__str(e, "class"), "WINDOW") == 0;
    if (f->kind == K_ROWS && window)
        return guard__reject(c->err, e,
                             "%s as a window function builds, for every row, a value of all "
                             "the rows of its frame: refused",
                             name);
    /* Everything but the arguments: FILTER, ORDER BY inside the call, a window's
     * partitions, orders and frame, and lag's and lead's default (a value of theirs). */
    struct size all_max = NONE, all_sum = NONE, first = NONE, second = NONE;
    const char *key;
    json_t *child;
    json_object_foreach(e, key, child)
    {
        if (strcmp(key, "children") == 0 || !(json_is_object(child) || json_is_array(child)))
            continue;
        struct size s;
        int rc = any(c, child, in, &s);
        if (rc)
            return rc;
        if (strcmp(key, "default_expr") == 0)
            all_max = smax(all_max, s);
    }
    json_t *kids = json_object_get(e, "children");
    size_t nargs = json_array_size(kids);
    for (size_t i = 0; i < nargs; i++) {
        json_t *k = json_array_get(kids, i);
        int is_lambda = guard__str(k, "class") && strcmp(guard__str(k, "class"), "LAMBDA") == 0;
        struct size s = NONE;
        if (is_lambda) { /* walked by its function's rule, with the list's size */
            if (f->kind != K_LAMBDA_MAP && f->kind != K_LAMBDA_FILTER)
                return guard__reject(c->err, k, "%s does not take a lambda", name);
        } else {
            int rc = arg(c, k, in, name, &s);
            if (rc)
                return rc;
        }
        if (i == 0)
            first = s;
        else if (i == 1)
            second = s;
        all_max = smax(all_max, s);
        all_sum = ssum(all_sum, s);
    }
    size_t len = 0;
    int rc = 0;
    switch (f->kind) {
    case K_FIXED:
        *out = FIXED;
        break;
    case K_FIRST:
        *out = first;
        break;
    case K_CASEMAP:
        *out = sscale(first, 1.5, 0);
        break;
    case K_MAX:
        *out = all_max;
        break;
    case K_SUM:
        *out = all_sum;
        break;
    case K_CONCAT_WS: /* concat_ws(sep, a, b, …): a + b + … and nargs - 2 separators */
        *out = ssum(all_sum, sscale(first, nargs > 2 ? (double)nargs - 3 : 0, 0));
        break;
    case K_NEEDLE:
        *out = FIXED;
        if (nargs >= 2)
            rc = needle(c, nth_child(e, 1), second, name);
        break;
    case K_TRIM:
    case K_SPLIT_PART:
        *out = first;
        if (nargs >= 2)
            rc = needle(c, nth_child(e, 1), second, name);
        break;
    case K_SPLIT: /* a list entry per piece: 16 bytes each, as many as bytes + 1 */
        *out = sscale(first, 16, 16);
        if (nargs >= 2)
            rc = needle(c, nth_child(e, 1), second, name);
        break;
    case K_REPLACE: {
        size_t nf = 0, nt = 0;
        const char *from = literal_text(nth_child(e, 1), &nf);
        const char *to = literal_text(nth_child(e, 2), &nt);
        if (nargs != 3 || !from || !to || nf > MAX_NEEDLE)
            return guard__reject(c->err, e,
                                 "replace: what is replaced and its replacement must be string "
                                 "literals (what is replaced at most %d bytes)",
                                 MAX_NEEDLE);
        double grow = nf == 0 ? 1.0 + (double)nt : fmax(1.0, ceil((double)nt / (double)nf));
        *out = sscale(first, grow, 0);
        break;
    }
    case K_REGEX:
        *out = FIXED;
        if (nargs < 2 || !pattern(c, nth_child(e, 1), name, &len))
            rc = SQ_E_REJECTED;
        break;
    case K_REGEX_EXTRACT: /* a string, or a struct of one per group name */
        *out = sscale(first, 1.0 + (double)count_constants(nth_child(e, 2)), 0);
        if (nargs < 2 || !pattern(c, nth_child(e, 1), name, &len))
            rc = SQ_E_REJECTED;
        break;
    case K_REGEX_REPLACE: {
        /* Each match (empty ones too: at most one per byte, plus one) becomes the
         * replacement, whose back-references copy at most the match: at most
         * (1 + len(repl)) times the input. */
        size_t nr = 0;
        const char *repl = literal_text(nth_child(e, 2), &nr);
        if (nargs < 3 || !pattern(c, nth_child(e, 1), name, &len))
            return SQ_E_REJECTED;
        if (!repl || nr > MAX_NEEDLE)
            return guard__reject(c->err, e,
                                 "regexp_replace: the replacement must be a string literal of at "
                                 "most %d bytes",
                                 MAX_NEEDLE);
        *out = sscale(first, 1.0 + (double)nr, (double)nr);
        break;
    }
    case K_LIKE:
        *out = FIXED;
        if (nargs < 2)
            return guard__reject(c->err, e, "%s takes a pattern", name);
        rc = safe_pattern(c, nth_child(e, 1), "LIKE", 0, nargs >= 3);
        break;
    case K_GLOB:
        *out = FIXED;
        if (nargs < 2)
            return guard__reject(c->err, e, "%s takes a pattern", name);
        rc = safe_pattern(c, nth_child(e, 1), "GLOB", 1, 0);
        break;
    case K_STRFTIME: { /* %c and the like expand two bytes of format to about 24 */
        size_t nf = 0;
        if (literal_text(nth_child(e, 1), &nf) || literal_text(nth_child(e, 0), &nf))
            *out = (struct size){0, 16.0 * (double)nf + FIXED_SIZE, 0}; /* the other: a date */
        else
            *out = sscale(all_sum, 16, FIXED_SIZE);
        break;
    }
    case K_QUANTILE: /* quantile(x, [q1, q2 …]): a value of x per quantile */
        *out = sscale(first, fmax(1.0, (double)count_constants(nth_child(e, 1))), 0);
        break;
    case K_LAMBDA_MAP:
    case K_LAMBDA_FILTER: {
        struct size body;
        /* The body is bounded per element (a parameter is 1·E): it reads nothing else. */
        if (nargs != 2 || (rc = lambda(c, nth_child(e, 1), UNIT, name, &body)) != 0)
            return rc ? rc : guard__reject(c->err, e, "%s takes a list and a lambda", name);
        /* Each element's result is at most body.k times the element plus body.c; the
         * elements add up to the list, which holds at most one per byte of its bound. */
        double per = body.k + body.c;
        *out = f->kind == K_LAMBDA_FILTER ? first : sscale(first, fmax(1.0, per), body.c);
        break;
    }
    case K_ROWS:
        *out = (struct size){0, 0, 1};
        break;
    }
    if (rc)
        return rc;
    return within(c, e, name, *out);
}

static int column_ref(struct cost *c, json_t *e, struct size in, struct size *out)
{
    json_t *names = json_object_get(e, "column_names");
    const char *last = json_string_value(json_array_get(names, json_array_size(names) - 1));
    if (c->in_lambda) {
        for (int i = 0; last && json_array_size(names) == 1 && i < c->nparams; i++)
            if (strcasecmp(c->params[i], last) == 0) {
                *out = c->param_size;
                return 0;
            }
        return guard__reject(c->err, e,
                             "a lambda may use only its own parameters, not '%.100s': a "
                             "column read per element costs the list's length times its size",
                             last ? last : "?");
    }
    *out = in;
    /* An unqualified name may be an earlier alias of the select list (DuckDB lets
     * `SELECT x || x AS y, y || y AS z` chain): then it has the alias's bound. */
    if (json_array_size(names) == 1 && last)
        for (int i = c->aliases; i < c->nnames; i++)
            if (strcasecmp(c->names[i].name, last) == 0)
                *out = smax(*out, c->names[i].size);
    return 0;
}

/* The bound of a CAST: a number or a date is fixed, text or a list as printed. */
static struct size cast(json_t *e, struct size child)
{
    static const char *const fixed[] = {
        "BOOLEAN",      "TINYINT",      "SMALLINT",     "INTEGER",  "BIGINT",
        "HUGEINT",      "UTINYINT",     "USMALLINT",    "UINTEGER", "UBIGINT",
        "UHUGEINT",     "FLOAT",        "DOUBLE",       "DECIMAL",  "DATE",
        "TIME",         "TIMESTAMP",    "TIMESTAMP_TZ", "TIME_TZ",  "TIMESTAMP_S",
        "TIMESTAMP_MS", "TIMESTAMP_NS", "INTERVAL",     "UUID",     NULL};
    const char *id = guard__str(json_object_get(e, "cast_type"), "id");
    for (int i = 0; id && fixed[i]; i++)
        if (strcmp(id, fixed[i]) == 0)
            return FIXED;
    /* A list of small numbers prints each in up to 4 times its bytes, with ", ". */
    return sscale(child, 4, FIXED_SIZE);
}

static int constant(struct cost *c, json_t *e, struct size *out)
{
    size_t n = 0;
    if (!literal_text(e, &n)) {
        *out = FIXED;
        return 0;
    }
    if (n > MAX_LITERAL)
        return guard__reject(c->err, e, "a string literal of %zu bytes; at most %d are allowed", n,
                             MAX_LITERAL);
    *out = (struct size){0, (double)n, 0};
    return 0;
}

/* The largest of the current select node's aliases and the input: what a subquery or a
 * lambda inside an expression may see. */
static struct size visible(const struct cost *c, struct size in)
{
    for (int i = c->aliases; i < c->nnames; i++)
        in = smax(in, c->names[i].size);
    return in;
}

static int expr(struct cost *c, json_t *e, struct size in, struct size *out)
{
    const char *cls = guard__str(e, "class");
    const char *type = guard__str(e, "type");
    int rc;
    struct size s;
    *out = NONE;
    if (!cls)
        return any(c, e, in, out);
    if (strcmp(cls, "FUNCTION") == 0 || strcmp(cls, "WINDOW") == 0)
        return function(c, e, in, out);
    if (strcmp(cls, "COLUMN_REF") == 0)
        return column_ref(c, e, in, out);
    if (strcmp(cls, "CONSTANT") == 0)
        return constant(c, e, out);
    if (strcmp(cls, "POSITIONAL_REFERENCE") == 0) {
        *out = in;
        return 0;
    }
    if (c->in_lambda && (strcmp(cls, "SUBQUERY") == 0 || strcmp(cls, "STAR") == 0))
        return guard__reject(c->err, e, "%s", "a lambda may use only its own parameters");
    if (strcmp(cls, "SUBQUERY") == 0) {
        struct size v = visible(c, in);
        json_t *sub = json_object_get(json_object_get(e, "subquery"), "node");
        if ((rc = query(c, sub, v, 0, &s)) != 0)
            return rc;
        json_t *left = json_object_get(e, "child");
        struct size ignored;
        if (left && !json_is_null(left) && (rc = arg(c, left, in, "IN / ANY", &ignored)) != 0)
            return rc;
        const char *st = guard__str(e, "subquery_type");
        *out = st && strcmp(st, "SCALAR") == 0 ? s : FIXED;
        return 0;
    }
    if (strcmp(cls, "STAR") == 0) { /* every column of the input, REPLACE expressions too */
        struct size r;
        if ((rc = any(c, json_object_get(e, "replace_list"), in, &r)) != 0 ||
            (rc = any(c, json_object_get(e, "expr"), in, &s)) != 0)
            return rc;
        *out = smax(in, r);
        return 0;
    }
    if (strcmp(cls, "LAMBDA") == 0) /* outside list_transform / list_filter: COLUMNS(…) */
        return lambda(c, e, in, "a lambda", out);
    if (strcmp(cls, "CAST") == 0 || strcmp(cls, "COLLATE") == 0) {
        if ((rc = arg(c, json_object_get(e, "child"), in, cls, &s)) != 0)
            return rc;
        *out = strcmp(cls, "CAST") == 0 ? cast(e, s) : s;
        return within(c, e, "CAST", *out);
    }
    if (strcmp(cls, "CASE") == 0) {
        json_t *checks = json_object_get(e, "case_checks");
        size_t i;
        json_t *chk;
        struct size v = NONE;
        json_array_foreach(checks, i, chk)
        {
            if ((rc = arg(c, json_object_get(chk, "when_expr"), in, "CASE", &s)) != 0 ||
                (rc = arg(c, json_object_get(chk, "then_expr"), in, "CASE", &s)) != 0)
                return rc;
            v = smax(v, s);
        }
        json_t *els = json_object_get(e, "else_expr");
        if (els && !json_is_null(els)) {
            if ((rc = arg(c, els, in, "CASE", &s)) != 0)
                return rc;
            v = smax(v, s);
        }
        *out = v;
        return 0;
    }
    /* OPERATOR, COMPARISON, CONJUNCTION, BETWEEN: every operand is checked; the value is
     * a boolean, or for an operator of lists and structs at most the sum of them. */
    struct size sum = NONE;
    const char *key;
    json_t *child;
    json_object_foreach(e, key, child)
    {
        if (strcmp(key, "children") == 0) {
            size_t i;
            json_t *k;
            json_array_foreach(child, i, k)
            {
                if ((rc = arg(c, k, in, "this operator", &s)) != 0)
                    return rc;
                sum = ssum(sum, s);
            }
        } else if (json_is_object(child) || json_is_array(child)) {
            if ((rc = any(c, child, in, &s)) != 0)
                return rc;
            sum = ssum(sum, s);
        }
    }
    int fixed = strcmp(cls, "COMPARISON") == 0 || strcmp(cls, "CONJUNCTION") == 0 ||
                strcmp(cls, "BETWEEN") == 0 ||
                (type && (strncmp(type, "COMPARE_", 8) == 0 || strcmp(type, "OPERATOR_NOT") == 0 ||
                          strncmp(type, "OPERATOR_IS_", 12) == 0));
    if (fixed) {
        *out = FIXED;
        return 0;
    }
    *out = sum;
    return within(c, e, "this operator", *out);
}

/* FROM: a loaded table is 1·V; a CTE or a subquery carries the bound of its columns; a
 * join the larger side (a lateral right side sees the left). */
static int table_ref(struct cost *c, json_t *ref, struct size in, struct size *out)
{
    const char *type = guard__str(ref, "type");
    int rc;
    *out = NONE;
    if (!type)
        return 0;
    if (strcmp(type, "BASE_TABLE") == 0) {
        const char *name = guard__str(ref, "table_name");
        const char *schema = guard__str(ref, "schema_name");
        *out = UNIT;
        for (int i = 0; name && !(schema && *schema) && i < c->aliases; i++)
            if (strcasecmp(c->names[i].name, name) == 0)
                *out = smax(*out, c->names[i].size);
        return 0;
    }
    if (strcmp(type, "SUBQUERY") == 0)
        return query(c, json_object_get(json_object_get(ref, "subquery"), "node"), in, 0, out);
    if (strcmp(type, "JOIN") == 0) {
        struct size l = NONE, r = NONE, ignored;
        if ((rc = table_ref(c, json_object_get(ref, "left"), in, &l)) != 0 ||
            (rc = table_ref(c, json_object_get(ref, "right"), smax(in, l), &r)) != 0)
            return rc;
        *out = smax(l, r);
        return any(c, json_object_get(ref, "condition"), smax(in, *out), &ignored);
    }
    if (strcmp(type, "EXPRESSION_LIST") == 0)
        return any(c, json_object_get(ref, "values"), in, out);
    return 0;
}

/* Adds a name with its bound to the scope. */
static int push(struct cost *c, json_t *node, const char *name, struct size s)
{
    if (c->nnames == MAX_NAMES)
        return guard__reject(c->err, node, "%s", "too many CTEs and aliases");
    c->names[c->nnames++] = (struct named){name, s};
    return 0;
}

static int ctes(struct cost *c, json_t *node, struct size in)
{
    json_t *map = json_object_get(json_object_get(node, "cte_map"), "map");
    size_t i;
    json_t *entry;
    json_array_foreach(map, i, entry)
    {
        struct size s;
        json_t *body =
            json_object_get(json_object_get(json_object_get(entry, "value"), "query"), "node");
        int rc = query(c, body, in, 0, &s);
        if (rc || (rc = push(c, node, guard__str(entry, "key"), s)) != 0)
            return rc;
    }
    return 0;
}

static int select_node(struct cost *c, json_t *node, struct size in, int top, struct size *out)
{
    struct size from, s;
    int rc = table_ref(c, json_object_get(node, "from_table"), in, &from);
    if (rc)
        return rc;
    struct size input = smax(in, from);
    const int saved_aliases = c->aliases;
    c->aliases = c->nnames;
    *out = NONE;
    json_t *list = json_object_get(node, "select_list");
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if ((rc = top ? expr(c, item, input, &s) : arg(c, item, input, "a subquery", &s)) != 0)
            goto out;
        *out = smax(*out, s);
        const char *alias = guard__str(item, "alias");
        if (alias && *alias && !s.unbounded && (rc = push(c, item, alias, s)) != 0)
            goto out;
    }
    /* WHERE, GROUP BY, HAVING, QUALIFY, ORDER BY, LIMIT: checked, with the aliases. */
    static const char *const rest[] = {"where_clause", "group_expressions", "having",
                                       "qualify",      "modifiers",         NULL};
    for (int k = 0; rest[k]; k++)
        if ((rc = any(c, json_object_get(node, rest[k]), input, &s)) != 0)
            goto out;
out:
    c->nnames = c->aliases;
    c->aliases = saved_aliases;
    return rc;
}

static int query(struct cost *c, json_t *node, struct size in, int top, struct size *out)
{
    const char *type = guard__str(node, "type");
    const int saved = c->nnames;
    *out = NONE;
    if (!type)
        return 0;
    /* CTEs are names of the scope, like the tables; aliases of the select node below
     * them come after. */
    const int saved_aliases = c->aliases;
    int rc = ctes(c, node, in);
    c->aliases = c->nnames;
    if (rc)
        goto out;
    if (strcmp(type, "SELECT_NODE") == 0) {
        rc = select_node(c, node, in, top, out);
    } else if (strcmp(type, "SET_OPERATION_NODE") == 0) {
        struct size l = NONE, r = NONE, ignored;
        if ((rc = query(c, json_object_get(node, "left"), in, 0, &l)) == 0 &&
            (rc = query(c, json_object_get(node, "right"), in, 0, &r)) == 0)
            rc = any(c, json_object_get(node, "modifiers"), smax(l, r), &ignored);
        *out = smax(l, r);
    } else if (strcmp(type, "CTE_NODE") == 0) { /* a materialized CTE and what uses it */
        struct size body;
        if ((rc = query(c, json_object_get(node, "query"), in, 0, &body)) == 0 &&
            (rc = push(c, node, guard__str(node, "cte_name"), body)) == 0) {
            c->aliases = c->nnames;
            rc = query(c, json_object_get(node, "child"), in, top, out);
        }
    }
out:
    c->nnames = saved;
    c->aliases = saved_aliases;
    return rc;
}

int guard__check_cost(json_t *node, struct sq_error *err)
{
    struct cost *c = calloc(1, sizeof *c);
    if (!c)
        return guard__reject(err, node, "%s", "out of memory");
    c->err = err;
    struct size s;
    int rc = query(c, node, NONE, 1, &s);
    free(c);
    return rc;
}
