/*
 * Fast-mode latency (bench/nlsql.sh): for every question of the given .jsonl files, the
 * median time to understand it (tokenize, parse, emit SQL) over many repetitions, and the
 * median time of a cached answer_ask. Prints one line per figure.
 * Usage: nlsql_bench DB_FILE REPEAT FILE.jsonl...
 */
#include "answer/answer.h"
#include "base/buf.h"
#include "base/fs.h"
#include "lexicon/lexicon.h"
#include "model/model.h"
#include "nlsql/nlsql.h"
#include "schema/schema.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp);
    return n ? v[n / 2] : 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: nlsql_bench DB_FILE REPEAT FILE.jsonl...\n");
        return 2;
    }
    struct sq_error err;
    struct store *s;
    struct store_options o = {.path = argv[1], .read_only = 1};
    if (store_open(&o, &s, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct schema *sc;
    if (schema_load(store_main(s), &sc, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int repeat = atoi(argv[2]);
    double t0 = sq_now_ms();
    struct lx_lexicon *lx = lx_lexicon_new(sc, NULL);
    struct sm_model *model = sm_model_build(sc);
    double lex_ms = sq_now_ms() - t0;
    struct answerer *ans = answerer_new(store_main(s), sc, NULL);
    char *questions[1024];
    size_t nq = 0;
    for (int i = 3; i < argc; i++) {
        struct sq_buf b;
        sq_buf_init(&b, SQ_BUF_UNLIMITED);
        if (sq_read_file(argv[i], &b, &err) != 0)
            continue;
        char *save = NULL;
        for (char *line = strtok_r(b.data, "\n", &save); line && nq < 1024;
             line = strtok_r(NULL, "\n", &save)) {
            json_t *j = json_loads(line, 0, NULL);
            const char *q = j ? json_string_value(json_object_get(j, "question")) : NULL;
            if (q)
                questions[nq++] = strdup(q);
            json_decref(j);
        }
        sq_buf_fini(&b);
    }
    double *understand = calloc(nq * (size_t)repeat + 1, sizeof *understand);
    double *cached = calloc(nq * (size_t)repeat + 1, sizeof *cached);
    size_t nu = 0, nc = 0, answered = 0;
    for (size_t i = 0; i < nq; i++) {
        struct answer a;
        struct answer_options ao = {.mode = "fast"};
        answered += answer_ask(ans, questions[i], &ao, &a) == 0; /* fills the cache */
        answer_fini(&a);
        for (int r = 0; r < repeat; r++) {
            struct nl_answer na;
            double t = sq_now_ms();
            nlsql_answer(lx, model, questions[i], NULL, &na);
            understand[nu++] = sq_now_ms() - t;
            nl_answer_fini(&na);
            t = sq_now_ms();
            int rc = answer_ask(ans, questions[i], &ao, &a);
            double ms = sq_now_ms() - t;
            if (rc == 0 && a.cached)
                cached[nc++] = ms;
            answer_fini(&a);
        }
    }
    printf("questions: %zu (%zu answered), lexicon: %zu phrases built in %.2f ms\n", nq, answered,
           lx_lexicon_size(lx), lex_ms);
    printf("understand (tokenize, parse, emit SQL): median %.4f ms over %zu runs\n",
           median(understand, nu), nu);
    printf("cached answer_ask: median %.4f ms over %zu runs\n", median(cached, nc), nc);
    for (size_t i = 0; i < nq; i++)
        free(questions[i]);
    free(understand);
    free(cached);
    answerer_free(ans);
    sm_model_free(model);
    lx_lexicon_free(lx);
    schema_free(sc);
    store_close(s);
    return 0;
}
