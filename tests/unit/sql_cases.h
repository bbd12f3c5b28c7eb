/*
 * The data-driven SQL case files of the guard's tests (tests/data/hostile*.sql,
 * guard*_ok.sql): each case starts with a line "-- case: NAME expect: OUTCOME [because:
 * TEXT]" and its SQL runs to the next case; lines starting with # are comments. Shared by
 * test_guard.c (DuckDB) and test_guard_pg.c (PostgreSQL), which include it after cmocka.h.
 */
#ifndef SQ_TESTS_SQL_CASES_H
#define SQ_TESTS_SQL_CASES_H

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

struct test_case {
    char *name;
    char *expect;
    char *because; /* text the refusal must contain, or NULL */
    struct sq_buf sql;
};

/* Reads the data-driven case file; returns the number of cases. */
static size_t read_cases(const char *path, struct test_case **out)
{
    struct sq_buf text;
    struct sq_error err;
    sq_buf_init(&text, SQ_BUF_UNLIMITED);
    assert_int_equal(sq_read_file(path, &text, &err), 0);
    struct test_case *cases = NULL;
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        if (strncmp(line, "-- case: ", 9) == 0) {
            cases = xrealloc(cases, (n + 1) * sizeof *cases);
            struct test_case *c = &cases[n++];
            char *exp = strstr(line, " expect: ");
            assert_non_null(exp);
            c->name = xstrndup(line + 9, (size_t)(exp - line - 9));
            char *because = strstr(exp, " because: ");
            c->expect = because ? xstrndup(exp + 9, (size_t)(because - exp - 9)) : xstrdup(exp + 9);
            c->because = because ? xstrdup(because + 10) : NULL;
            sq_buf_init(&c->sql, SQ_BUF_UNLIMITED);
            continue;
        }
        if (n == 0)
            continue;
        if (cases[n - 1].sql.len)
            sq_buf_putc(&cases[n - 1].sql, '\n');
        sq_buf_puts(&cases[n - 1].sql, line);
    }
    sq_buf_fini(&text);
    *out = cases;
    return n;
}

static void free_cases(struct test_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cases[i].name);
        free(cases[i].expect);
        free(cases[i].because);
        sq_buf_fini(&cases[i].sql);
    }
    free(cases);
}

#endif
