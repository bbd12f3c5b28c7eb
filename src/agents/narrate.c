/*
 * The insight writer: the model words a few sentences about a result it is shown (the
 * SQL, the columns, the first rows, and the facts insights_build computed), and every
 * sentence whose numbers do not come from the result is dropped (check.c). Called by
 * agents.c in deep mode after a query ran; when nothing survives, the caller keeps the
 * deterministic insights.
 */
#include "agents/internal.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/table.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SHOWN_ROWS = 30, MAX_SENTENCES = 6, SENTENCE_BYTES = 400 };

static char *result_json(const char *sql, const struct sq_table *t, char *const *facts,
                         size_t nfacts)
{
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "sql");
    sq_jw_str(&w, sql);
    sq_jw_key(&w, "columns");
    sq_jw_arr_begin(&w);
    for (size_t c = 0; c < t->ncols; c++) {
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "name");
        sq_jw_str(&w, t->cols[c].name);
        sq_jw_key(&w, "type");
        sq_jw_str(&w, t->cols[c].type);
        sq_jw_obj_end(&w);
    }
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "rows");
    sq_jw_arr_begin(&w);
    for (size_t r = 0; r < t->nrows && r < SHOWN_ROWS; r++) {
        sq_jw_arr_begin(&w);
        for (size_t c = 0; c < t->ncols; c++) {
            const struct sq_cell *cell = sq_table_cell(t, r, c);
            if (cell->kind == SQ_CELL_NULL)
                sq_jw_null(&w);
            else if (cell->kind == SQ_CELL_NUMBER)
                sq_jw_num_text(&w, cell->text);
            else
                sq_jw_str(&w, cell->text);
        }
        sq_jw_arr_end(&w);
    }
    sq_jw_arr_end(&w);
    sq_jw_key(&w, "row_count");
    sq_jw_int(&w, (int64_t)t->nrows);
    sq_jw_key(&w, "facts");
    sq_jw_arr_begin(&w);
    for (size_t i = 0; i < nfacts; i++)
        sq_jw_str(&w, facts[i]);
    sq_jw_arr_end(&w);
    sq_jw_obj_end(&w);
    return sq_buf_steal(&b);
}

/* A sentence fit to show: control characters out, at most SENTENCE_BYTES, some letters. */
static char *clean_sentence(const char *s)
{
    size_t n = strlen(s);
    if (n > SENTENCE_BYTES) {
        n = SENTENCE_BYTES;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    char *out = xstrndup(s, n);
    int letters = 0;
    for (char *p = out; *p; p++) {
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = ' ';
        letters += (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
    }
    if (letters < 3) {
        free(out);
        return NULL;
    }
    return out;
}

int agents__narrate(struct llm_session *ls, const char *model, const char *question,
                    const char *sql, const struct sq_table *t, char *const *facts, size_t nfacts,
                    size_t max, struct sq_buf *explain, char ***out, size_t *n,
                    struct sq_error *err)
{
    *out = NULL;
    *n = 0;
    struct llm_chat chat;
    llm_chat_init(&chat);
    llm_chat_add(&chat, LLM_SYSTEM, agents__narrate_prompt());
    llm_chat_add(&chat, LLM_USER, question);
    char *data = result_json(sql, t, facts, nfacts);
    llm_chat_add(&chat, LLM_USER, data);
    free(data);
    struct llm_request req = {.model = model,
                              .chat = &chat,
                              .schema_name = "insights",
                              .schema = agents__insights_schema,
                              .max_tokens = 400};
    struct llm_reply reply;
    int rc = llm_session_chat(ls, &req, &reply, err);
    agents__explain_call(explain, "insights", &reply, llm_chat_bytes(&chat));
    llm_chat_fini(&chat);
    if (rc) {
        agents__explain(explain, "   the insight writer failed (%s); the computed insights stay",
                        err->msg);
        return rc;
    }
    json_t *obj = NULL;
    struct sq_error perr;
    json_t *list = NULL;
    if (llm_reply_object(reply.content, &obj, &perr) != 0 ||
        !json_is_array(list = json_object_get(obj, "insights"))) {
        agents__explain(explain,
                        "   the reply was not the JSON asked for (%s); the computed "
                        "insights stay",
                        obj ? "no insights array" : perr.msg);
        json_decref(obj);
        llm_reply_fini(&reply);
        return 0;
    }
    size_t total = json_array_size(list);
    char **kept = xcalloc(max ? max : 1, sizeof *kept);
    size_t nkept = 0;
    for (size_t i = 0; i < total && i < MAX_SENTENCES; i++) {
        const char *text = json_string_value(json_array_get(list, i));
        char *s = text ? clean_sentence(text) : NULL;
        char why[AGENTS__WHY_MAX];
        if (!s) {
            agents__explain(explain, "   dropped item %zu: not a sentence", i + 1);
            continue;
        }
        if (!agents__numbers_ok(s, t, question, sql, why, sizeof why)) {
            char shown[AGENTS__SHOWN_MAX];
            agents__one_line(s, shown, sizeof shown);
            agents__explain(explain, "   dropped \"%s\": %s", shown, why);
            free(s);
            continue;
        }
        if (nkept < max)
            kept[nkept++] = s;
        else
            free(s);
    }
    agents__explain(explain, "   kept %zu of %zu sentences%s", nkept, total,
                    nkept ? "" : "; the computed insights stay");
    json_decref(obj);
    llm_reply_fini(&reply);
    if (!nkept) {
        free(kept);
        return 0;
    }
    *out = kept;
    *n = nkept;
    return 0;
}
