/*
 * Unit tests for schema/playbook: what a user writing playbook.yaml sees — the values
 * every accessor returns, file-pattern matching, and the message each kind of mistake
 * gets (always SQ_E_PARSE with the line), plus the limits that hostile input runs into.
 * The llm: section's values are checked by llm/ (llm_config_load); that they are, with
 * the playbook's line and column, is tested here too, as the user sees it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "llm/llm.h"
#include "schema/playbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct playbook *parse_ok(const char *yaml)
{
    struct playbook *pb = NULL;
    struct sq_error err;
    sq_error_clear(&err);
    int rc = playbook_parse(yaml, strlen(yaml), &pb, &err);
    if (rc != 0)
        print_error("unexpected error %d: %s\n", rc, err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(pb);
    return pb;
}

/* Parses yaml expecting code, and a message that contains every given fragment. */
static void expect_fail(const char *yaml, size_t len, int code, const char *fragment, ...)
{
    struct playbook *pb = (struct playbook *)&pb; /* must be reset to NULL */
    struct sq_error err;
    sq_error_clear(&err);
    int rc = playbook_parse(yaml, len, &pb, &err);
    if (rc != code)
        print_error("expected %d, got %d: %s\n", code, rc, err.msg);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_null(pb);
    va_list ap;
    va_start(ap, fragment);
    for (const char *f = fragment; f; f = va_arg(ap, const char *)) {
        if (!strstr(err.msg, f))
            print_error("message \"%s\" lacks \"%s\"\n", err.msg, f);
        assert_non_null(strstr(err.msg, f));
    }
    va_end(ap);
}

#define EXPECT_FAIL(yaml, code, ...) expect_fail(yaml, strlen(yaml), code, __VA_ARGS__, NULL)

static const char full_example[] = "# salesql playbook\n"
                                   "files:\n"
                                   "  sales_data_sample.csv:\n"
                                   "    encoding: cp850\n"
                                   "    dates: day_first\n"
                                   "  \"*.csv\":\n"
                                   "    encoding: utf-8\n"
                                   "dates: month_first\n"
                                   "default_date: order_date\n"
                                   "glossary:\n"
                                   "  turnover: sales\n"
                                   "  west coast: West\n"
                                   "synonyms:\n"
                                   "  sales: [revenue, turnover]\n"
                                   "  quantity: units\n"
                                   "metrics:\n"
                                   "  average order value: SUM(sales) / COUNT(DISTINCT order_id)\n"
                                   "hidden: [row_id, \"internal id\"]\n";

static void test_full_example(void **state)
{
    (void)state;
    struct playbook *pb = parse_ok(full_example);
    assert_string_equal(playbook_file_encoding(pb, "sales_data_sample.csv"), "cp850");
    assert_int_equal(playbook_file_day_first(pb, "sales_data_sample.csv"), 1);
    assert_string_equal(playbook_file_encoding(pb, "other.csv"), "utf-8");
    assert_int_equal(playbook_file_day_first(pb, "other.csv"), 0);
    assert_null(playbook_file_encoding(pb, "data.parquet"));
    assert_string_equal(playbook_default_date(pb), "order_date");

    size_t n;
    const struct playbook_pair *g = playbook_glossary(pb, &n);
    assert_int_equal(n, 2);
    assert_string_equal(g[0].key, "turnover");
    assert_string_equal(g[0].value, "sales");
    assert_string_equal(g[1].key, "west coast");
    assert_string_equal(g[1].value, "West");

    const struct playbook_pair *s = playbook_synonyms(pb, &n);
    assert_int_equal(n, 3);
    assert_string_equal(s[0].key, "revenue");
    assert_string_equal(s[0].value, "sales");
    assert_string_equal(s[1].key, "turnover");
    assert_string_equal(s[1].value, "sales");
    assert_string_equal(s[2].key, "units");
    assert_string_equal(s[2].value, "quantity");

    const struct playbook_pair *m = playbook_metrics(pb, &n);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].key, "average order value");
    assert_string_equal(m[0].value, "SUM(sales) / COUNT(DISTINCT order_id)");

    const char *const *h = playbook_hidden(pb, &n);
    assert_int_equal(n, 2);
    assert_string_equal(h[0], "row_id");
    assert_string_equal(h[1], "internal id");
    playbook_free(pb);
}

static void test_patterns(void **state)
{
    (void)state;
    struct playbook *pb = parse_ok("files:\n"
                                   "  sales/2017.csv: {encoding: latin1}\n"
                                   "  \"sales/*\": {encoding: cp1252, dates: dmy}\n"
                                   "  \"*.csv\": {encoding: utf-16}\n"
                                   "  \"data[1].csv\": {encoding: koi8-r}\n"
                                   "  \"q?.txt\": {dates: mdy}\n");
    /* Exact names, then the first matching pattern. */
    assert_string_equal(playbook_file_encoding(pb, "sales/2017.csv"), "latin1");
    assert_string_equal(playbook_file_encoding(pb, "sales/2018.csv"), "cp1252");
    assert_string_equal(playbook_file_encoding(pb, "sales/deep/x.parquet"), "cp1252");
    assert_string_equal(playbook_file_encoding(pb, "orders.csv"), "utf-16");
    /* Without FNM_PATHNAME, * also crosses '/'. */
    assert_string_equal(playbook_file_encoding(pb, "archive/old.csv"), "utf-16");
    /* An exact key matches even when it reads as a pattern; [1] is also a class. */
    assert_string_equal(playbook_file_encoding(pb, "data[1].csv"), "utf-16");
    assert_null(playbook_file_encoding(pb, "orders.parquet"));
    /* Each setting comes from the first matching entry that gives it. */
    assert_int_equal(playbook_file_day_first(pb, "sales/2017.csv"), 1);
    assert_int_equal(playbook_file_day_first(pb, "q1.txt"), 0);
    assert_int_equal(playbook_file_day_first(pb, "q10.txt"), -1);
    assert_null(playbook_file_encoding(pb, "q1.txt"));
    playbook_free(pb);

    pb = parse_ok("files:\n"
                  "  \"[ab].csv\": {encoding: first}\n"
                  "  a.csv: {encoding: second}\n");
    assert_string_equal(playbook_file_encoding(pb, "a.csv"), "first");
    assert_string_equal(playbook_file_encoding(pb, "b.csv"), "first");
    assert_null(playbook_file_encoding(pb, "c.csv"));
    playbook_free(pb);
}

static void test_dates_fallback(void **state)
{
    (void)state;
    struct playbook *pb = parse_ok("dates: day-first\n"
                                   "files:\n"
                                   "  us.csv:\n"
                                   "    dates: month_first\n"
                                   "  other.csv:\n"
                                   "    encoding: cp1252\n"
                                   "  empty.csv:\n");
    assert_int_equal(playbook_file_day_first(pb, "us.csv"), 0);
    assert_int_equal(playbook_file_day_first(pb, "other.csv"), 1);
    assert_int_equal(playbook_file_day_first(pb, "empty.csv"), 1);
    assert_int_equal(playbook_file_day_first(pb, "unlisted.csv"), 1);
    assert_null(playbook_file_encoding(pb, "empty.csv"));
    playbook_free(pb);

    pb = parse_ok("files:\n  eu.csv: {dates: DMY}\n");
    assert_int_equal(playbook_file_day_first(pb, "eu.csv"), 1);
    assert_int_equal(playbook_file_day_first(pb, "us.csv"), -1);
    playbook_free(pb);

    static const char *const spellings[][2] = {
        {"day_first", "1"},   {"Day-First", "1"},   {"dayfirst", "1"},   {"dmy", "1"},
        {"month_first", "0"}, {"month-first", "0"}, {"monthfirst", "0"}, {"mdy", "0"},
        {"~", "-1"},          {"", "-1"},
    };
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        char yaml[64];
        snprintf(yaml, sizeof yaml, "dates: %s\n", spellings[i][0]);
        pb = parse_ok(yaml);
        assert_int_equal(playbook_file_day_first(pb, "x.csv"),
                         (int)strtol(spellings[i][1], NULL, 10));
        playbook_free(pb);
    }
}

static void test_single_strings(void **state)
{
    (void)state;
    struct playbook *pb = parse_ok("synonyms:\n"
                                   "  sales: revenue\n"
                                   "  region:\n"
                                   "  - area\n"
                                   "  - territory\n"
                                   "hidden: row_id\n"
                                   "metrics:\n"
                                   "  orders: 5\n");
    size_t n;
    const struct playbook_pair *s = playbook_synonyms(pb, &n);
    assert_int_equal(n, 3);
    assert_string_equal(s[0].key, "revenue");
    assert_string_equal(s[0].value, "sales");
    assert_string_equal(s[2].key, "territory");
    assert_string_equal(s[2].value, "region");
    const char *const *h = playbook_hidden(pb, &n);
    assert_int_equal(n, 1);
    assert_string_equal(h[0], "row_id");
    assert_string_equal(playbook_metrics(pb, &n)[0].value, "5");
    playbook_free(pb);
}

static void assert_empty(const struct playbook *pb)
{
    size_t n = 99;
    assert_null(playbook_file_encoding(pb, "a.csv"));
    assert_int_equal(playbook_file_day_first(pb, "a.csv"), -1);
    assert_null(playbook_default_date(pb));
    assert_null(playbook_synonyms(pb, &n));
    assert_int_equal(n, 0);
    n = 99;
    assert_null(playbook_glossary(pb, &n));
    assert_int_equal(n, 0);
    n = 99;
    assert_null(playbook_metrics(pb, &n));
    assert_int_equal(n, 0);
    n = 99;
    assert_null(playbook_hidden(pb, &n));
    assert_int_equal(n, 0);
}

static void test_empty_inputs(void **state)
{
    (void)state;
    static const char *const empties[] = {
        "",
        "# only a comment\n\n   # and another\n",
        "---\n",
        "---\n...\n",
        "files:\nglossary:\nsynonyms:\nmetrics:\nhidden:\ndates:\ndefault_date:\n",
        "files: {}\nglossary: {}\nsynonyms: {}\nmetrics: {}\nhidden: []\n",
        "\xEF\xBB\xBF# UTF-8 with a byte-order mark\n",
    };
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        struct playbook *pb = parse_ok(empties[i]);
        assert_empty(pb);
        playbook_free(pb);
    }
    struct playbook *pb = NULL;
    assert_int_equal(playbook_parse(NULL, 0, &pb, NULL), 0);
    assert_empty(pb);
    playbook_free(pb);

    /* A NULL playbook reads as an empty one. */
    assert_empty(NULL);
    playbook_free(NULL);
}

static void test_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_playbook_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = sq_path_join(dir, "playbook.yaml");
    struct sq_error err;
    sq_error_clear(&err);

    struct playbook *pb = NULL;
    assert_int_equal(playbook_load(path, &pb, &err), 0);
    assert_non_null(pb);
    assert_empty(pb);
    playbook_free(pb);

    assert_int_equal(sq_write_file(path, full_example, strlen(full_example), &err), 0);
    assert_int_equal(playbook_load(path, &pb, &err), 0);
    assert_string_equal(playbook_default_date(pb), "order_date");
    playbook_free(pb);

    static const char bad[] = "glossary:\n  turnover: sales\nsynonym:\n  sales: revenue\n";
    assert_int_equal(sq_write_file(path, bad, strlen(bad), &err), 0);
    pb = (struct playbook *)&pb;
    assert_int_equal(playbook_load(path, &pb, &err), SQ_E_PARSE);
    assert_null(pb);
    /* The message names the file the user wrote. */
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "line 3, column 1"));

    char *big = xmalloc(PLAYBOOK_MAX_BYTES + 2);
    memset(big, '#', PLAYBOOK_MAX_BYTES + 1);
    assert_int_equal(sq_write_file(path, big, PLAYBOOK_MAX_BYTES + 1, &err), 0);
    free(big);
    assert_int_equal(playbook_load(path, &pb, &err), SQ_E_TOO_BIG);
    assert_null(pb);

    sq_rm_rf(dir);
    free(path);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    EXPECT_FAIL("glossary:\n  a: b\n c: d\n", SQ_E_PARSE, "playbook.yaml line 3, column 2");
    EXPECT_FAIL("hidden: [a, b\n", SQ_E_PARSE, "line 2", "expected ',' or ']'");
    EXPECT_FAIL("metrics:\n  aov: \"SUM(sales)\n", SQ_E_PARSE, "line ");
    EXPECT_FAIL("glossary:\n\tturnover: sales\n", SQ_E_PARSE, "line 2", "tabs");
    EXPECT_FAIL("files:\n  *.csv:\n    encoding: cp1252\n", SQ_E_PARSE, "line 2", "\"*.csv\"");
    EXPECT_FAIL("files:\n  *csv:\n    encoding: cp1252\n", SQ_E_PARSE, "line 2", "aliases");
    EXPECT_FAIL("glossary:\n  a: \xff\n", SQ_E_PARSE, "line 2, column 6", "UTF-8");
    EXPECT_FAIL("dates: dmy\n---\ndates: mdy\n", SQ_E_PARSE, "line 2", "one YAML document");
    EXPECT_FAIL("glossary:\n  \"a\\0b\": c\n", SQ_E_PARSE, "line 2, column 3", "NUL");
}

static void test_shape_errors(void **state)
{
    (void)state;
    EXPECT_FAIL("- files\n- dates\n", SQ_E_PARSE, "line 1, column 1", "top level must be a mapping",
                "found a list");
    EXPECT_FAIL("just words\n", SQ_E_PARSE, "line 1", "top level must be a mapping");
    EXPECT_FAIL("glossary:\n  a: b\nsynonym:\n  sales: revenue\n", SQ_E_PARSE, "line 3, column 1",
                "unknown key 'synonym'",
                "files, dates, default_date, glossary, synonyms, metrics, hidden",
                "did you mean 'synonyms'?");
    EXPECT_FAIL("Hidden: [x]\n", SQ_E_PARSE, "line 1", "did you mean 'hidden'?");
    EXPECT_FAIL("colour: blue\n", SQ_E_PARSE, "unknown key 'colour'", "known keys: files");
    EXPECT_FAIL("files:\n  a.csv:\n    encodng: cp1252\n", SQ_E_PARSE, "line 3, column 5",
                "unknown key 'encodng'", "file 'a.csv'", "known keys: encoding, dates",
                "did you mean 'encoding'?");
    EXPECT_FAIL("metrics:\n  - SUM(sales)\n", SQ_E_PARSE, "line 2", "metrics must be a mapping",
                "found a list");
    EXPECT_FAIL("metrics:\n  aov:\n", SQ_E_PARSE, "line 2, column 7",
                "'aov' must be a SQL expression", "found nothing");
    EXPECT_FAIL("glossary:\n  turnover: {column: sales}\n", SQ_E_PARSE, "line 2",
                "glossary entry 'turnover'", "found a mapping");
    EXPECT_FAIL("synonyms:\n  sales: [revenue, [x]]\n", SQ_E_PARSE, "line 2", "synonyms of 'sales'",
                "a list item is a list");
    EXPECT_FAIL("synonyms:\n  sales: {a: b}\n", SQ_E_PARSE, "line 2", "synonyms of 'sales'");
    EXPECT_FAIL("hidden: {a: b}\n", SQ_E_PARSE, "line 1", "hidden must be");
    EXPECT_FAIL("files: [a.csv]\n", SQ_E_PARSE, "line 1", "files must be a mapping");
    EXPECT_FAIL("files:\n  a.csv: cp1252\n", SQ_E_PARSE, "line 2", "settings of file 'a.csv'",
                "found 'cp1252'");
    EXPECT_FAIL("default_date: [a, b]\n", SQ_E_PARSE, "line 1", "default_date must be");
    EXPECT_FAIL("dates: ymd\n", SQ_E_PARSE, "line 1, column 8",
                "dates must be day_first or "
                "month_first",
                "found 'ymd'");
    EXPECT_FAIL("files:\n  a.csv:\n    dates: yes\n", SQ_E_PARSE, "line 3",
                "dates of file 'a.csv' must be day_first");
    EXPECT_FAIL("glossary:\n  a: b\n  a: c\n", SQ_E_PARSE, "line 3", "duplicate key 'a'", "line 2");
    EXPECT_FAIL("dates: dmy\nhidden: x\ndates: mdy\n", SQ_E_PARSE, "line 3",
                "duplicate key 'dates'");
    EXPECT_FAIL("? [a, b]\n: c\n", SQ_E_PARSE, "line 1", "expected a name");
}

static void test_limits(void **state)
{
    (void)state;
    /* Oversize input is refused before parsing. */
    char *big = xmalloc(PLAYBOOK_MAX_BYTES + 1);
    memset(big, ' ', PLAYBOOK_MAX_BYTES + 1);
    expect_fail(big, PLAYBOOK_MAX_BYTES + 1, SQ_E_TOO_BIG, "larger than", NULL);
    free(big);

    /* A text over the length limit. */
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, "metrics:\n  long: ");
    for (int i = 0; i <= PLAYBOOK_MAX_STRING; i++)
        sq_buf_putc(&b, 'x');
    sq_buf_putc(&b, '\n');
    expect_fail(b.data, b.len, SQ_E_TOO_BIG, "line 2", "longer than", NULL);

    /* Too many entries. */
    sq_buf_reset(&b);
    sq_buf_puts(&b, "hidden:\n");
    for (int i = 0; i <= PLAYBOOK_MAX_ENTRIES; i++)
        sq_buf_puts(&b, "- c\n");
    expect_fail(b.data, b.len, SQ_E_TOO_BIG, "more than 10000 entries", NULL);

    /* Just under the limit is fine. */
    sq_buf_reset(&b);
    sq_buf_puts(&b, "hidden:\n");
    for (int i = 0; i < PLAYBOOK_MAX_ENTRIES; i++)
        sq_buf_puts(&b, "- c\n");
    struct playbook *pb = parse_ok(b.data);
    size_t n;
    playbook_hidden(pb, &n);
    assert_int_equal(n, PLAYBOOK_MAX_ENTRIES);
    playbook_free(pb);
    sq_buf_fini(&b);
}

static void test_alias_bomb(void **state)
{
    (void)state;
    /* Billion laughs: expanding it would take 10^9 strings; it is refused at the first
     * alias without expanding anything. */
    static const char bomb[] = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
                               "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                               "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                               "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                               "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                               "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                               "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                               "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                               "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    EXPECT_FAIL(bomb, SQ_E_PARSE, "line 1");
    static const char in_values[] = "hidden: &h [a, b]\n"
                                    "synonyms:\n"
                                    "  sales: *h\n";
    EXPECT_FAIL(in_values, SQ_E_PARSE, "line 3, column 10", "aliases (*h) are not supported");
}

static void test_deep_nesting(void **state)
{
    (void)state;
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    for (int i = 0; i < 100000; i++)
        sq_buf_putc(&b, '[');
    expect_fail(b.data, b.len, SQ_E_PARSE, "line 1", NULL);

    sq_buf_reset(&b);
    sq_buf_puts(&b, "glossary: ");
    for (int i = 0; i < 100000; i++)
        sq_buf_puts(&b, "{a: ");
    expect_fail(b.data, b.len, SQ_E_PARSE, "line 1", "found a mapping", NULL);

    sq_buf_reset(&b);
    sq_buf_puts(&b, "files:\n");
    for (int i = 0; i < 1000; i++) {
        for (int j = 0; j < i + 1; j++)
            sq_buf_puts(&b, "  ");
        sq_buf_puts(&b, "k:\n");
    }
    expect_fail(b.data, b.len, SQ_E_PARSE, "line 3", NULL);
    sq_buf_fini(&b);
}

static char *to_json(const struct playbook *pb)
{
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    playbook_write_json(pb, &w);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.depth, 0);
    return sq_buf_steal(&b);
}

static void test_llm_section(void **state)
{
    (void)state;
    struct playbook *pb = parse_ok("glossary: {turnover: sales}\n"
                                   "llm:\n"
                                   "  url: http://127.0.0.1:11434/v1\n"
                                   "  model: llama3.1\n"
                                   "  deep_model: ~\n"
                                   "  timeout_ms: 5000\n"
                                   "  schema: \"full\"\n"
                                   "hidden: row_id\n");
    size_t n = 0;
    const struct playbook_setting *ls = playbook_llm(pb, &n);
    assert_int_equal(n, 4); /* deep_model: ~ is not said */
    assert_string_equal(ls[0].key, "url");
    assert_string_equal(ls[0].value, "http://127.0.0.1:11434/v1");
    assert_int_equal(ls[0].line, 3);
    assert_int_equal(ls[0].column, 8);
    assert_string_equal(ls[1].key, "model");
    assert_string_equal(ls[1].value, "llama3.1");
    assert_string_equal(ls[2].key, "timeout_ms");
    assert_string_equal(ls[2].value, "5000");
    assert_int_equal(ls[2].line, 6);
    assert_int_equal(ls[2].column, 15);
    assert_string_equal(ls[3].value, "full");
    assert_string_equal(playbook_name(pb), "playbook.yaml");
    /* The other sections are unaffected; the JSON (served by /api/schema) leaves llm out. */
    assert_int_equal(playbook_hidden(pb, &n) != NULL, 1);
    char *json = to_json(pb);
    assert_null(strstr(json, "llm"));
    assert_null(strstr(json, "11434"));
    free(json);
    playbook_free(pb);

    const char *empty[] = {"llm:\n", "llm: {}\n", "llm: ~\n", "llm:\n  model:\n", ""};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        pb = parse_ok(empty[i]);
        assert_null(playbook_llm(pb, &n));
        assert_int_equal(n, 0);
        playbook_free(pb);
    }
    assert_null(playbook_llm(NULL, &n));
    assert_int_equal(n, 0);
    assert_string_equal(playbook_name(NULL), "playbook.yaml");
}

static void test_llm_errors(void **state)
{
    (void)state;
    /* The API key: refused at its key, saying why and what to do; the value never shown. */
    const char *secrets[] = {"llm:\n  model: m\n  api_key: sk-abc123\n",
                             "llm:\n  model: m\n  key: sk-abc123\n",
                             "llm:\n  model: m\n  OpenAI-API-Key: sk-abc123\n",
                             "llm:\n  model: m\n  token: sk-abc123\n"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        EXPECT_FAIL(secrets[i], SQ_E_PARSE, "playbook.yaml line 3, column 3",
                    "is not read from the playbook", "shared or committed",
                    "set OPENAI_API_KEY in the environment");
        struct playbook *pb = NULL;
        struct sq_error err;
        playbook_parse(secrets[i], strlen(secrets[i]), &pb, &err);
        assert_null(strstr(err.msg, "sk-abc123"));
    }
    /* Unknown keys get the known ones and a suggestion; max_tokens is not a secret. */
    EXPECT_FAIL("llm:\n  modle: m\n", SQ_E_PARSE, "line 2, column 3", "unknown key 'modle' in llm",
                "known keys: url, model, deep_model, timeout_ms, deadline_ms, retries, "
                "max_rounds, token_budget, schema",
                "did you mean 'model'?");
    EXPECT_FAIL("llm:\n  token_budgt: 100\n", SQ_E_PARSE, "line 2", "did you mean 'token_budget'?");
    EXPECT_FAIL("llm:\n  max_tokens: 100\n", SQ_E_PARSE, "unknown key 'max_tokens' in llm");
    EXPECT_FAIL("lm:\n  model: m\n", SQ_E_PARSE, "line 1, column 1", "unknown key 'lm'",
                "hidden, llm", "did you mean 'llm'?");
    EXPECT_FAIL("- llm\n", SQ_E_PARSE, "top level must be a mapping", "metrics, hidden, llm)");
    /* Values of the wrong kind, duplicates. */
    EXPECT_FAIL("llm:\n  url: [a, b]\n", SQ_E_PARSE, "line 2, column 8",
                "llm url must be one value", "found a list");
    EXPECT_FAIL("llm:\n  model: {name: m}\n", SQ_E_PARSE, "line 2", "llm model must be one value",
                "found a mapping");
    EXPECT_FAIL("llm: gpt-4o\n", SQ_E_PARSE, "line 1, column 6", "llm must be a mapping",
                "found 'gpt-4o'");
    EXPECT_FAIL("llm:\n  model: a\n  model: b\n", SQ_E_PARSE, "line 3",
                "duplicate key 'model' in llm (first given at line 2)");
    EXPECT_FAIL("llm:\n  - model\n", SQ_E_PARSE, "line 2", "llm must be a mapping");
}

/* Configures the model from yaml: its return code. The playbook is read before the
 * environment, so its bad values fail whatever the environment says. */
static int load_llm(const char *yaml, struct llm_config *c, struct sq_error *err)
{
    struct playbook *pb = parse_ok(yaml);
    sq_error_clear(err);
    int rc = llm_config_load(c, pb, NULL, 0, err);
    playbook_free(pb);
    return rc;
}

/* Bad values of the llm: section fail when the model is configured from it, with the
 * playbook's line and column and the same rule as the environment's (good values, and
 * which source wins: tests/unit/test_llm.c). */
static void test_llm_values(void **state)
{
    (void)state;
    struct llm_config c;
    struct sq_error err;
    static const struct {
        const char *yaml, *where, *why;
    } bad[] = {
        {"llm:\n  timeout_ms: soon\n", "playbook.yaml line 2, column 15: llm timeout_ms",
         "wants a number from 100 to 3600000, not 'soon'"},
        {"llm:\n  model: m\n  deadline_ms: 10\n", "line 3, column 16: llm deadline_ms",
         "wants a number from 100"},
        {"llm:\n  retries: 2.5\n", "line 2, column 12: llm retries", "wants a whole number"},
        {"llm:\n  max_rounds: 11\n", "line 2, column 15: llm max_rounds", "from 0 to 10, not '11'"},
        {"llm:\n  token_budget: nan\n", "line 2, column 17: llm token_budget", "not 'nan'"},
        {"llm:\n  schema: some\n", "line 2, column 11: llm schema", "wants chunk or full"},
        {"llm:\n  url: ftp://example.com\n", "line 2, column 8: llm url",
         "must start with http:// or https://"},
        {"llm:\n  url: http://me:pa55@example.com/v1\n", "line 2, column 8: llm url",
         "user:password@"},
        {"llm:\n  url: \"http://a b\"\n", "line 2, column 8: llm url", "space"},
        {"llm:\n  deep_model: \"a\\tb\"\n", "line 2, column 15: llm deep_model",
         "control character"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = load_llm(bad[i].yaml, &c, &err);
        if (rc != SQ_E_USAGE || !strstr(err.msg, bad[i].where) || !strstr(err.msg, bad[i].why))
            print_error("%s: %d \"%s\"\n", bad[i].yaml, rc, err.msg);
        assert_int_equal(rc, SQ_E_USAGE);
        assert_non_null(strstr(err.msg, bad[i].where));
        assert_non_null(strstr(err.msg, bad[i].why));
        assert_null(strstr(err.msg, "pa55"));
    }
}

static void test_json(void **state)
{
    (void)state;
    struct playbook *pb = parse_ok("files:\n"
                                   "  \"*.csv\": {encoding: cp850, dates: dmy}\n"
                                   "  b.csv:\n"
                                   "dates: mdy\n"
                                   "default_date: order_date\n"
                                   "glossary: {turnover: sales}\n"
                                   "synonyms:\n"
                                   "  sales: [revenue, \"say \\\"hi\\\"\"]\n"
                                   "  qty: []\n"
                                   "metrics: {aov: SUM(sales) / COUNT(*)}\n"
                                   "hidden: row_id\n");
    char *json = to_json(pb);
    assert_string_equal(json, "{\"files\":{\"*.csv\":{\"encoding\":\"cp850\",\"dates\":"
                              "\"day_first\"},\"b.csv\":{\"encoding\":null,\"dates\":null}},"
                              "\"dates\":\"month_first\",\"default_date\":\"order_date\","
                              "\"glossary\":{\"turnover\":\"sales\"},"
                              "\"synonyms\":{\"sales\":[\"revenue\",\"say \\\"hi\\\"\"],"
                              "\"qty\":[]},"
                              "\"metrics\":{\"aov\":\"SUM(sales) / COUNT(*)\"},"
                              "\"hidden\":[\"row_id\"]}");
    free(json);
    playbook_free(pb);

    static const char empty[] = "{\"files\":{},\"dates\":null,\"default_date\":null,"
                                "\"glossary\":{},\"synonyms\":{},\"metrics\":{},\"hidden\":[]}";
    json = to_json(NULL);
    assert_string_equal(json, empty);
    free(json);
    pb = parse_ok("");
    json = to_json(pb);
    assert_string_equal(json, empty);
    free(json);
    playbook_free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_example),   cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_dates_fallback), cmocka_unit_test(test_single_strings),
        cmocka_unit_test(test_empty_inputs),   cmocka_unit_test(test_load),
        cmocka_unit_test(test_syntax_errors),  cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_limits),         cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_deep_nesting),   cmocka_unit_test(test_json),
        cmocka_unit_test(test_llm_section),    cmocka_unit_test(test_llm_errors),
        cmocka_unit_test(test_llm_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
