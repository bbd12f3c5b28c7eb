/*
 * The look-ups a drafting model may ask for (see agents__tools in prompt.c): a column's
 * values and a few sample rows. The model's arguments are checked against the schema
 * first, the SQL is written here with quoted names and literals, and it still goes
 * through the runner answer/ gave the agents (the guard, then the executor) with a small
 * row cap and time limit; results are cut to a few KB. Called by agents.c for each tool
 * call.
 */
#include "agents/agents.h"
#include "agents/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/table.h"
#include "guard/guard.h"
#include "schema/schema.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

enum {
    MAX_VALUES = 20,
    MAX_SAMPLE = 5,
    MAX_CONTAINS = 100,
    REFUSAL_MAX = 200, /* a refusal for the model: fixed words, names cut to 80 bytes */
    CELL_BYTES = 60,
    RESULT_BYTES = 4096,
    LOOKUP_MS = 5000,
};

/* A cell as JSON, cut to CELL_BYTES. */
static void put_cell(struct sq_jw *w, const struct sq_cell *c)
{
    if (c->kind == SQ_CELL_NULL) {
        sq_jw_null(w);
    } else if (c->kind == SQ_CELL_NUMBER) {
        sq_jw_num_text(w, c->text);
    } else {
        size_t n = strlen(c->text);
        if (n > CELL_BYTES) {
            n = CELL_BYTES;
            while (n > 0 && ((unsigned char)c->text[n] & 0xc0) == 0x80)
                n--;
        }
        sq_jw_strn(w, c->text, n);
    }
}

static int run(const struct agents_runner *rn, const char *sql, size_t rows, struct sq_table *t,
               struct sq_error *err)
{
    struct guarded_query *q = NULL;
    int rc = rn->check(rn->ctx, sql, &q, err);
    if (rc == 0)
        rc = rn->run(rn->ctx, q, rows, LOOKUP_MS, t, err);
    guarded_query_free(q);
    return rc;
}

/* The table as {"columns": [...], "rows": [[...]]}, rows dropped past RESULT_BYTES. */
static char *table_json(const char *mart, const char *column, const struct sq_table *t)
{
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "mart");
    sq_jw_str(&w, mart);
    if (column) {
        sq_jw_key(&w, "column");
        sq_jw_str(&w, column);
    }
    sq_jw_key(&w, "columns");
    sq_jw_arr_begin(&w);
    for (size_t k = 0; k < t->ncols; k++)
        sq_jw_str(&w, t->cols[k].name);
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "rows");
    sq_jw_arr_begin(&w);
    size_t r;
    for (r = 0; r < t->nrows && b.len < RESULT_BYTES; r++) {
        sq_jw_arr_begin(&w);
        for (size_t k = 0; k < t->ncols; k++)
            put_cell(&w, sq_table_cell(t, r, k));
        sq_jw_arr_end(&w);
    }
    sq_jw_arr_end(&w);
    if (r < t->nrows) {
        sq_jw_key(&w, "more_rows");
        sq_jw_int(&w, (int64_t)(t->nrows - r));
    }
    sq_jw_obj_end(&w);
    return sq_buf_steal(&b);
}

/* {"error": "..."}: what the model reads when its call was bad. */
static char *refuse(const char *msg)
{
    struct sq_buf out;
    sq_buf_init(&out, SQ_BUF_UNLIMITED);
    sq_buf_puts(&out, "{\"error\": ");
    sq_json_put_string(&out, msg, strlen(msg));
    sq_buf_puts(&out, "}");
    return sq_buf_steal(&out);
}

static const char *str_arg(json_t *args, const char *key)
{
    return json_string_value(json_object_get(args, key));
}

/* The view a tool call names in "mart", or NULL with *result set to the refusal. */
static const struct schema_mart *tool_mart(const struct schema *s, json_t *args, char **result)
{
    const char *mart = str_arg(args, "mart");
    const struct schema_mart *m = mart ? schema_find_mart(s, mart) : NULL;
    if (!m) {
        char msg[REFUSAL_MAX];
        snprintf(msg, sizeof msg, "no view named %.80s; use a view from the schema",
                 mart ? mart : "");
        *result = refuse(msg);
    }
    return m;
}

static int column_values(const struct agents_runner *rn, const struct schema *s, json_t *args,
                         char **result)
{
    const char *column = str_arg(args, "column"), *contains = str_arg(args, "contains");
    const struct schema_mart *m = tool_mart(s, args, result);
    if (!m)
        return SQ_E_NOT_FOUND;
    const struct schema_column *col = column ? schema_find_column(m, column) : NULL;
    if (!col) {
        char msg[REFUSAL_MAX];
        snprintf(msg, sizeof msg, "%.80s has no column %.80s", m->name, column ? column : "");
        *result = refuse(msg);
        return SQ_E_NOT_FOUND;
    }
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SELECT CAST(");
    sq_buf_put_ident(&sql, col->name);
    sq_buf_puts(&sql, " AS VARCHAR) AS value, COUNT(*) AS row_count FROM ");
    sq_buf_put_ident(&sql, m->name);
    if (contains && *contains) {
        char cut[MAX_CONTAINS + 1];
        snprintf(cut, sizeof cut, "%s", contains);
        sq_buf_puts(&sql, " WHERE contains(lower(CAST(");
        sq_buf_put_ident(&sql, col->name);
        sq_buf_puts(&sql, " AS VARCHAR)), lower(");
        sq_buf_put_literal(&sql, cut);
        sq_buf_puts(&sql, "))");
    }
    sq_buf_printf(&sql, " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %d", MAX_VALUES);
    struct sq_table t;
    struct sq_error err;
    sq_table_init(&t);
    int rc = run(rn, sql.data, MAX_VALUES, &t, &err);
    *result = rc ? refuse(err.msg) : table_json(m->name, col->name, &t);
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

static int sample_rows(const struct agents_runner *rn, const struct schema *s, json_t *args,
                       char **result)
{
    const struct schema_mart *m = tool_mart(s, args, result);
    if (!m)
        return SQ_E_NOT_FOUND;
    json_t *lv = json_object_get(args, "limit");
    long long limit = json_is_integer(lv) ? json_integer_value(lv) : 3;
    if (limit < 1)
        limit = 1;
    if (limit > MAX_SAMPLE)
        limit = MAX_SAMPLE;
    struct sq_buf sql;
    sq_buf_init(&sql, SQ_BUF_UNLIMITED);
    sq_buf_puts(&sql, "SELECT * FROM ");
    sq_buf_put_ident(&sql, m->name);
    sq_buf_printf(&sql, " LIMIT %lld", limit);
    struct sq_table t;
    struct sq_error err;
    sq_table_init(&t);
    int rc = run(rn, sql.data, (size_t)limit, &t, &err);
    *result = rc ? refuse(err.msg) : table_json(m->name, NULL, &t);
    sq_table_fini(&t);
    sq_buf_fini(&sql);
    return rc;
}

int agents__run_tool(const struct agents_runner *rn, const struct schema *s,
                     const struct llm_tool_call *call, char **result)
{
    json_error_t jerr;
    json_t *args =
        call->arguments ? json_loads(call->arguments, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    int rc;
    if (!json_is_object(args)) {
        *result = refuse("the arguments are not a JSON object");
        rc = SQ_E_PARSE;
    } else if (strcmp(call->name, "column_values") == 0) {
        rc = column_values(rn, s, args, result);
    } else if (strcmp(call->name, "sample_rows") == 0) {
        rc = sample_rows(rn, s, args, result);
    } else {
        char msg[REFUSAL_MAX];
        snprintf(msg, sizeof msg,
                 "there is no tool named %.64s; the tools are column_values and sample_rows",
                 call->name);
        *result = refuse(msg);
        rc = SQ_E_NOT_FOUND;
    }
    json_decref(args);
    return rc;
}
