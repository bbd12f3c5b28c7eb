/*
 * Unit tests for agents/: schema chunking on the widest shared data set (Northwind: the
 * marts a question is about and the join path between them, not the other eleven), the
 * number check on model-written insights, the sanity checks, the shape of a result, the
 * draft parser on hostile replies, and the whole loop against the local test server
 * (tests/llm_server/server.js) on Superstore: a repair with its progress stage, a DROP
 * reply stopped at once, cancellation, a look-up; and, against a canned model on a thread,
 * drafts whose assumptions carry made-up figures, and runners that refuse every query or
 * answer with a table of their own (the agents reach the data only through the runner they
 * are given). The shared data sets come from $SALESQL_SHARED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "agents/agents.h"
#include "agents/internal.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "base/table.h"
#include "guard/guard.h"
#include "ingest/ingest.h"
#include "lexicon/lexicon.h"
#include "schema/schema.h"
#include "store/store.h"

#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct dataset {
    struct store *store;
    struct schema *schema;
    struct lx_lexicon *lx;
};

/* The runner the agents are given, made as answer/ makes it (the guard over the mart_dyn_*
 * views, then the executor with the default limits), which can also refuse every query or
 * answer with a table of its own instead of running one; it counts its calls and keeps the
 * limits of the last run that set its own (a look-up's). */
struct test_runner {
    struct store_conn *conn;
    struct guard_policy policy;
    const char **views;
    int refuse; /* check fails with SQ_E_REJECTED */
    int fixed;  /* run returns one row of its own */
    int checks, runs;
    size_t lookup_rows;
    double lookup_timeout;
};

static int tr_check(void *ctx, const char *sql, struct guarded_query **out, struct sq_error *err)
{
    struct test_runner *tr = ctx;
    tr->checks++;
    if (tr->refuse)
        return sq_error_set(err, SQ_E_REJECTED, -1, "the test runner refuses every query");
    return guard_check(tr->conn, &tr->policy, sql, out, err);
}

static int tr_run(void *ctx, const struct guarded_query *q, size_t max_rows, double timeout_ms,
                  struct sq_table *out, struct sq_error *err)
{
    struct test_runner *tr = ctx;
    tr->runs++;
    if (max_rows || timeout_ms > 0) {
        tr->lookup_rows = max_rows;
        tr->lookup_timeout = timeout_ms;
    }
    if (tr->fixed) {
        sq_table_add_column(out, "source", "VARCHAR", 0);
        sq_table_add_column(out, "answer", "INTEGER", 1);
        size_t row = sq_table_add_row(out);
        sq_table_set(out, row, 0, SQ_CELL_TEXT, "the runner", 10);
        sq_table_set(out, row, 1, SQ_CELL_NUMBER, "42", 2);
        return 0;
    }
    struct store_limits lim = store_limits_or_default(max_rows, timeout_ms);
    return guard_execute(tr->conn, q, &lim, out, err);
}

struct fixture {
    char dir[64];
    struct dataset nw, ss;
    struct test_runner tr;
    struct agents_runner rn; /* over Superstore, through tr */
    pid_t pid;
    FILE *out;
    int port;
};

static int load(struct fixture *f, const char *name, struct dataset *d)
{
    const char *shared = getenv("SALESQL_SHARED");
    char *data = xasprintf("%s/datasets/%s", shared ? shared : "../../shared", name);
    char *db = xasprintf("%s/%s.duckdb", f->dir, name);
    char *staging = xasprintf("%s/%s.staging", f->dir, name);
    struct sq_error err;
    sq_error_clear(&err);
    struct store_options so = {.path = db};
    int rc = store_open(&so, &d->store, &err);
    if (rc == 0) {
        struct ingest_options o = {.data_dir = data, .staging_dir = staging};
        struct ingest_report rep;
        rc = ingest_refresh(d->store, &o, &rep, &err);
        if (rc == 0)
            ingest_report_fini(&rep);
    }
    if (rc == 0)
        rc = schema_load(store_main(d->store), &d->schema, &err);
    if (rc)
        fprintf(stderr, "loading %s: %s\n", name, err.msg);
    else
        d->lx = lx_lexicon_new(d->schema, NULL);
    free(data);
    free(db);
    free(staging);
    return rc;
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/salesql-agents-XXXXXX");
    if (!mkdtemp(f->dir) || load(f, "northwind", &f->nw) || load(f, "superstore", &f->ss))
        return -1;
    f->tr.conn = store_main(f->ss.store);
    f->tr.views = xcalloc(f->ss.schema->nmarts + 1, sizeof *f->tr.views);
    for (size_t i = 0; i < f->ss.schema->nmarts; i++)
        f->tr.views[i] = f->ss.schema->marts[i].name;
    f->tr.policy.tables = f->tr.views;
    f->tr.policy.ntables = f->ss.schema->nmarts;
    f->rn = (struct agents_runner){.check = tr_check, .run = tr_run, .ctx = &f->tr};
    const char *src = getenv("SALESQL_SRC");
    char *script =
        src ? xasprintf("%s/tests/llm_server/server.js", src) : xstrdup("llm_server/server.js");
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    f->pid = fork();
    if (f->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("node", "node", script, "0", (char *)NULL);
        _exit(127);
    }
    free(script);
    close(fds[1]);
    f->out = fdopen(fds[0], "r");
    char line[64];
    if (!f->out || !fgets(line, sizeof line, f->out) || strncmp(line, "PORT ", 5) != 0)
        return -1;
    f->port = (int)strtol(line + 5, NULL, 10);
    *state = f;
    return 0;
}

static void unload(struct dataset *d)
{
    lx_lexicon_free(d->lx);
    schema_free(d->schema);
    store_close(d->store);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    kill(f->pid, SIGTERM);
    waitpid(f->pid, NULL, 0);
    fclose(f->out);
    unload(&f->nw);
    unload(&f->ss);
    free(f->tr.views);
    sq_rm_rf(f->dir);
    free(f);
    return 0;
}

static int has_mart(const struct agents__chunk *c, const char *name)
{
    for (size_t i = 0; i < c->nmarts; i++)
        if (strcmp(c->marts[i]->name, name) == 0)
            return 1;
    return 0;
}

static void test_chunk_northwind(void **state)
{
    struct fixture *f = *state;
    struct agents__chunk c, whole;
    agents__chunk_build(f->nw.lx, "top 3 categories by quantity sold", 1, &c);
    assert_false(c.whole);
    assert_int_equal(c.nmarts_total, 14);
    assert_int_equal(c.ndescribed, 3);
    assert_true(has_mart(&c, "mart_dyn_categories"));
    assert_true(has_mart(&c, "mart_dyn_order_details"));
    assert_true(has_mart(&c, "mart_dyn_products")); /* on the join path */
    assert_non_null(strstr(c.text, "- mart_dyn_order_details.product_id -> "
                                   "mart_dyn_products.product_id"));
    assert_non_null(strstr(c.text, "- mart_dyn_products.category_id -> "
                                   "mart_dyn_categories.category_id"));
    assert_null(strstr(c.text, "mart_dyn_employees"));
    assert_null(strstr(c.text, "mart_dyn_territories"));
    assert_non_null(strstr(c.text, "\"Beverages\""));

    agents__chunk_build(f->nw.lx, "top 3 categories by quantity sold", 0, &whole);
    assert_true(whole.whole);
    assert_int_equal(whole.ndescribed, 14);
    assert_non_null(strstr(whole.text, "mart_dyn_employees"));
    /* The chunk is a fraction of the whole schema. */
    assert_true(strlen(c.text) * 3 < strlen(whole.text));
    agents__chunk_fini(&c);
    agents__chunk_fini(&whole);

    /* A value and a dimension table: the fact table behind it comes along. */
    agents__chunk_build(f->nw.lx, "which customers in Germany bought the most", 1, &c);
    assert_true(has_mart(&c, "mart_dyn_customers"));
    assert_true(has_mart(&c, "mart_dyn_orders"));
    assert_null(strstr(c.text, "mart_dyn_territories"));
    assert_non_null(strstr(c.text, "\"Germany\""));
    int hit = 0;
    for (size_t i = 0; i < c.nhits; i++)
        hit |= c.hits[i].value && strcmp(c.hits[i].value, "Germany") == 0;
    assert_true(hit);
    agents__chunk_fini(&c);

    /* Nothing named: the biggest mart and the marts it points to. */
    agents__chunk_build(f->nw.lx, "hello there", 1, &c);
    assert_true(has_mart(&c, "mart_dyn_order_details"));
    assert_true(has_mart(&c, "mart_dyn_orders"));
    assert_true(c.ndescribed < 14);
    agents__chunk_fini(&c);

    /* A one-mart data set is always sent whole; its date parts are named once. */
    agents__chunk_build(f->ss.lx, "sales in the west", 1, &c);
    assert_true(c.whole);
    assert_non_null(strstr(c.text, "- order_date DATE date; parts: order_date_year, "
                                   "order_date_quarter, order_date_month"));
    assert_non_null(strstr(c.text, "\"West\""));
    char *prompt = agents__draft_prompt(f->ss.lx, &c, 1);
    assert_non_null(strstr(prompt, "never instructions"));
    assert_non_null(strstr(prompt, "Dates: mart_dyn_sample_superstore.order_date runs from "
                                   "2014-01-03 to 2017-12-30"));
    assert_non_null(strstr(prompt, "Tools: column_values"));
    free(prompt);
    agents__chunk_fini(&c);
}

static void add_row(struct sq_table *t, const char *a, const char *b)
{
    size_t r = sq_table_add_row(t);
    sq_table_set(t, r, 0, a ? SQ_CELL_TEXT : SQ_CELL_NULL, a ? a : "", a ? strlen(a) : 0);
    sq_table_set(t, r, 1, b ? SQ_CELL_NUMBER : SQ_CELL_NULL, b ? b : "", b ? strlen(b) : 0);
}

static void regions(struct sq_table *t)
{
    sq_table_init(t);
    sq_table_add_column(t, "region", "VARCHAR", 0);
    sq_table_add_column(t, "sales", "DOUBLE", 1);
    add_row(t, "West", "81754.2");
    add_row(t, "East", "71533.1");
    add_row(t, "Central", "50000");
    add_row(t, "South", "50000");
}

static void test_numbers(void **state)
{
    (void)state;
    struct sq_table t;
    regions(&t);
    const char *q = "top regions by sales in 2017";
    const char *sql = "SELECT region, SUM(sales) AS sales FROM m WHERE y = 2017 GROUP BY 1";
    static const char *const good[] = {
        "West leads with 81,754 (32% of the total).", /* 81754.2 / 253287.3 = 32.3% */
        "West leads with 81,754.2.",
        "West is 1.14x East.",
        "West sold $81.8k, about 82,000.",
        "The four regions sold 253,287.3 in 2017.",
        "West is ahead of East by 10,221.1.",
        "West grew 14.3% over East.",
        "Central and South tie at 50,000 each; the top 3 hold most of it.",
        "In Q3 and on 2017-03-01 nothing changed.",
        "Sales averaged 63,321.83 per region.",
        "No numbers at all.",
    };
    char why[160];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!agents__numbers_ok(good[i], &t, q, sql, why, sizeof why))
            fail_msg("\"%s\" should pass: %s", good[i], why);
    static const char *const bad[] = {
        "Sales grew 987.6% year over year.",
        "West leads with 90,000.",
        "West leads with 81,760.",
        "East sold 71.6k.",
        "A share of 45%.",
        "Revenue reached $1.2 million.",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (agents__numbers_ok(bad[i], &t, q, sql, why, sizeof why))
            fail_msg("\"%s\" should be dropped", bad[i]);
        assert_non_null(strstr(why, "is not in the result"));
    }
    sq_table_fini(&t);
}

static void test_sanity_and_shape(void **state)
{
    (void)state;
    char why[400];
    struct sq_table t;
    sq_table_init(&t);
    sq_table_add_column(&t, "region", "VARCHAR", 0);
    sq_table_add_column(&t, "share_pct", "DOUBLE", 1);
    assert_int_equal(agents__sanity(&t, "share by region", "SELECT 1", why, sizeof why),
                     AGENTS__EMPTY);
    assert_non_null(strstr(why, "no rows"));
    add_row(&t, NULL, NULL);
    assert_int_equal(agents__sanity(&t, "x", "SELECT 1", why, sizeof why), AGENTS__EMPTY);
    sq_table_fini(&t);

    sq_table_init(&t);
    sq_table_add_column(&t, "region", "VARCHAR", 0);
    sq_table_add_column(&t, "share_pct", "DOUBLE", 1);
    add_row(&t, "West", "32.3");
    add_row(&t, "East", "28.2");
    add_row(&t, "Central", "19.7");
    add_row(&t, "South", "19.8");
    assert_int_equal(agents__sanity(&t, "share of sales by region", "SELECT ...", why, sizeof why),
                     AGENTS__SANE);
    sq_table_fini(&t);
    sq_table_init(&t);
    sq_table_add_column(&t, "region", "VARCHAR", 0);
    sq_table_add_column(&t, "share_pct", "DOUBLE", 1);
    add_row(&t, "West", "725.4");
    add_row(&t, "East", "678.8");
    add_row(&t, "Central", "501.2");
    add_row(&t, "South", "391.7");
    assert_int_equal(agents__sanity(&t, "share of sales by region", "SELECT ...", why, sizeof why),
                     AGENTS__SHARE);
    assert_non_null(strstr(why, "share_pct sum to 2297"));
    /* A top-N of shares need not sum to 100%. */
    assert_int_equal(
        agents__sanity(&t, "share of sales by region", "SELECT ... LIMIT 4", why, sizeof why),
        AGENTS__SANE);
    sq_table_fini(&t);

    struct result_shape s;
    char label[64];
    regions(&t);
    agents__infer_shape(&t,
                        "SELECT region, SUM(sales) AS sales FROM m GROUP BY 1 ORDER BY sales "
                        "DESC LIMIT 4",
                        &s, label, sizeof label);
    assert_int_equal(s.kind, SHAPE_TOP);
    assert_int_equal(s.dims[0], 0);
    assert_int_equal(s.measure, 1);
    assert_true(s.descending);
    assert_int_equal(s.limit, 4);
    assert_string_equal(label, "sales");
    agents__infer_shape(&t, "SELECT region, SUM(sales) FROM m GROUP BY 1 ORDER BY 2", &s, label,
                        sizeof label);
    assert_int_equal(s.kind, SHAPE_BREAKDOWN);
    assert_true(s.ascending);
    sq_table_fini(&t);

    sq_table_init(&t);
    sq_table_add_column(&t, "order_date_month", "BIGINT", 1);
    sq_table_add_column(&t, "profit_pct", "DOUBLE", 1);
    add_row(&t, "1", "3.5");
    agents__infer_shape(&t, "SELECT ...", &s, label, sizeof label);
    assert_int_equal(s.kind, SHAPE_TREND);
    assert_int_equal(s.time_dim, 0);
    assert_int_equal(s.grain, GRAIN_MONTH);
    assert_string_equal(s.unit, "%");
    sq_table_fini(&t);

    sq_table_init(&t);
    sq_table_add_column(&t, "total", "DOUBLE", 1);
    size_t r = sq_table_add_row(&t);
    sq_table_set(&t, r, 0, SQ_CELL_NUMBER, "12.5", 4);
    agents__infer_shape(&t, "SELECT SUM(x) AS total FROM m", &s, label, sizeof label);
    assert_int_equal(s.kind, SHAPE_TOTAL);
    sq_table_fini(&t);
}

static void test_draft_parse(void **state)
{
    (void)state;
    struct agents_draft d;
    struct sq_error err;
    assert_int_equal(agents_draft_parse("{\"sql\": \"SELECT 1\", \"assumptions\": [\"a\\nb\", 3, "
                                        "\"\"], \"explanation\": \"one\\u0007two\"}",
                                        &d, &err),
                     0);
    assert_string_equal(d.sql, "SELECT 1");
    assert_int_equal(d.nassumptions, 1);
    assert_string_equal(d.assumptions[0], "a b");
    assert_string_equal(d.explanation, "one two");
    agents_draft_fini(&d);
    static const char *const bad[] = {
        "SELECT 1",
        "{}",
        "{\"sql\": 1}",
        "{\"sql\": \"   \"}",
        "{\"sql\": null}",
        "[\"SELECT 1\"]",
        "",
        "{\"sql\": \"x\"} {\"sql\": \"y\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(agents_draft_parse(bad[i], &d, &err), 0);
        assert_null(d.sql);
        assert_true(err.msg[0] != '\0');
    }
    /* SQL over the guard's limit; many long assumptions are capped. */
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, "{\"sql\": \"");
    for (int i = 0; i < 70000; i++)
        sq_buf_putc(&b, 'x');
    sq_buf_puts(&b, "\"}");
    assert_int_equal(agents_draft_parse(b.data, &d, &err), SQ_E_TOO_BIG);
    sq_buf_reset(&b);
    sq_buf_puts(&b, "{\"sql\": \"SELECT 1\", \"assumptions\": [");
    for (int i = 0; i < 50; i++) {
        sq_buf_printf(&b, "%s\"", i ? ", " : "");
        for (int k = 0; k < 1000; k++)
            sq_buf_putc(&b, 'a');
        sq_buf_putc(&b, '"');
    }
    sq_buf_puts(&b, "]}");
    assert_int_equal(agents_draft_parse(b.data, &d, &err), 0);
    assert_int_equal(d.nassumptions, 8);
    assert_true(strlen(d.assumptions[0]) <= 300);
    agents_draft_fini(&d);
    sq_buf_fini(&b);

    /* Explain lines: one line, cut at a character boundary. */
    char line[8];
    agents__one_line("a  b\n\tc", line, sizeof line);
    assert_string_equal(line, "a b c");
    agents__one_line("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", line, sizeof line);
    assert_string_equal(line, "\xc3\xa9\xc3\xa9...");
}

struct stages {
    char seen[16][120];
    int n;
    double cancel_at;
};

static void on_stage(void *ud, const char *stage)
{
    struct stages *s = ud;
    if (s->n < 16)
        snprintf(s->seen[s->n++], sizeof s->seen[0], "%s", stage);
}

static int cancelled(void *ud)
{
    struct stages *s = ud;
    return s->cancel_at > 0 && sq_now_ms() >= s->cancel_at;
}

static int insights_stub(const struct sq_table *t, const struct result_shape *s, size_t max,
                         char ***out, size_t *n)
{
    (void)s;
    (void)max;
    *out = xcalloc(1, sizeof **out);
    (*out)[0] = xasprintf("%zu rows.", t->nrows);
    *n = 1;
    return 0;
}

static void test_loop(void **state)
{
    struct fixture *f = *state;
    struct llm_config cfg;
    struct sq_error err;
    llm_config_defaults(&cfg);
    char *url = xasprintf("http://127.0.0.1:%d/v1", f->port);
    assert_int_equal(llm_config_set_url(&cfg, url, &err), 0);
    free(url);
    struct stages st;
    memset(&st, 0, sizeof st);
    struct sq_buf explain;
    sq_buf_init(&explain, SQ_BUF_UNLIMITED);
    struct agents_options o = {.llm = &cfg,
                               .deep = 1,
                               .on_stage = on_stage,
                               .cancelled = cancelled,
                               .ud = &st,
                               .explain = &explain,
                               .insights = insights_stub};
    struct agents_result r;
    struct store_conn *c = store_main(f->ss.store);

    /* A wrong column, repaired in one round; the stage says why. */
    assert_int_equal(
        agents_answer(&f->rn, f->ss.lx, "which region has the best profit margin", &o, &r), 0);
    assert_int_equal(r.rounds, 1);
    assert_int_equal(r.table.nrows, 4);
    assert_non_null(strstr(r.sql, "SELECT region"));
    assert_int_equal(r.usage.calls, 3); /* draft, repair, insights */
    int saw = 0;
    for (int i = 0; i < st.n; i++)
        saw |= strcmp(st.seen[i], "repairing (round 1: unknown column regoin)") == 0;
    if (!saw)
        fail_msg("no repairing stage; first stages: %s, %s, %s", st.seen[0], st.seen[1],
                 st.seen[2]);
    assert_string_equal(st.seen[0], "choosing tables");
    assert_int_equal(r.shape.kind, SHAPE_BREAKDOWN);
    assert_true(r.shape.descending);
    /* The scripted insights hold one true sentence and one made-up number. */
    assert_int_equal(r.ninsights, 1);
    assert_non_null(strstr(r.insights[0], "comes first with"));
    assert_non_null(strstr(explain.data, "repair round 1 of 3: unknown column regoin"));
    agents_result_fini(&r);

    /* Auto mode's single shot: no tools, no insight call, the fast model. */
    o.deep = 0;
    snprintf(cfg.model, sizeof cfg.model, "fast-one");
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, "rate limited question", &o, &r), 0);
    assert_int_equal(r.usage.calls, 2); /* 429, then the draft */
    assert_int_equal(r.ninsights, 1);
    assert_string_equal(r.insights[0], "3 rows.");
    agents_result_fini(&r);
    o.deep = 1;

    /* DROP TABLE: stopped at once, no repair round. */
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, "delete everything", &o, &r), SQ_E_REJECTED);
    assert_int_equal(r.rounds, 0);
    assert_int_equal(r.usage.calls, 1);
    assert_null(r.sql);
    assert_non_null(strstr(r.error.msg, "not a read-only query"));
    agents_result_fini(&r);
    long long rows = 0;
    assert_int_equal(store_query_int(c, "SELECT COUNT(*) FROM raw_sample_superstore", &rows, &err),
                     0);
    assert_int_equal(rows, 9994);

    /* A look-up goes through the runner too, with its own small limits; the draft after it
     * runs with the question's. */
    int runs = f->tr.runs;
    assert_int_equal(agents_answer(&f->rn, f->ss.lx,
                                   "which ship modes are there and how many orders used each", &o,
                                   &r),
                     0);
    assert_int_equal(f->tr.runs, runs + 2);
    assert_int_equal(f->tr.lookup_rows, 20);
    assert_true(f->tr.lookup_timeout == 5000);
    assert_int_equal(r.table.nrows, 4);
    agents_result_fini(&r);

    /* Never valid: the last error, after max_rounds. */
    cfg.max_rounds = 2;
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, "what is the churn rate by cohort", &o, &r),
                     SQ_E_UNKNOWN_NAME);
    assert_int_equal(r.rounds, 2);
    assert_int_equal(r.usage.calls, 3);
    agents_result_fini(&r);

    /* Cancelled while the model is slow. */
    st.cancel_at = sq_now_ms() + 200;
    double t0 = sq_now_ms();
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, "how slow can you be", &o, &r),
                     SQ_E_INTERRUPTED);
    assert_true(sq_now_ms() - t0 < 3000);
    agents_result_fini(&r);
    st.cancel_at = 0;

    /* Questions not worth a call. */
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, "?!", &o, &r), SQ_E_UNSUPPORTED);
    assert_int_equal(r.usage.calls, 0);
    agents_result_fini(&r);
    sq_buf_fini(&explain);
}

/* ---- A model that says what the test tells it ------------------------------------------ */

/* An OpenAI-compatible server on a thread that answers every request with one chat
 * completion whose content the test set (canned_reply): hostile drafts that the scripted
 * server has no scenario for. One connection at a time, closed after each reply. */
struct canned {
    int fd;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    char *content; /* owned; the next replies' content */
    int requests;
};

/* Reads one request (headers and a Content-Length body) from fd; 0, or -1. */
static int read_request(int fd)
{
    char buf[1 << 16];
    size_t len = 0;
    for (;;) {
        if (len == sizeof buf - 1)
            return -1;
        ssize_t got = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (got <= 0)
            return -1;
        len += (size_t)got;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        const char *cl = strcasestr(buf, "content-length:");
        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
        if ((size_t)(buf + len - (end + 4)) >= want)
            return 0;
    }
}

static void *canned_serve(void *arg)
{
    struct canned *cs = arg;
    for (;;) {
        int fd = accept(cs->fd, NULL, NULL);
        if (fd < 0)
            return NULL; /* the listening socket was shut down */
        if (read_request(fd) == 0) {
            pthread_mutex_lock(&cs->lock);
            cs->requests++;
            json_t *reply =
                json_pack("{s:s, s:s, s:i, s:s, s:[{s:i, s:{s:s, s:s}, s:s}]}", "id",
                          "chatcmpl-canned", "object", "chat.completion", "created", 0, "model",
                          "canned", "choices", "index", 0, "message", "role", "assistant",
                          "content", cs->content ? cs->content : "", "finish_reason", "stop");
            pthread_mutex_unlock(&cs->lock);
            char *body = json_dumps(reply, JSON_COMPACT);
            char *msg = xasprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                  strlen(body), body);
            size_t off = 0, n = strlen(msg);
            while (off < n) {
                ssize_t put = send(fd, msg + off, n - off, MSG_NOSIGNAL);
                if (put <= 0)
                    break;
                off += (size_t)put;
            }
            free(msg);
            free(body);
            json_decref(reply);
        }
        close(fd);
    }
}

static void canned_start(struct canned *cs)
{
    memset(cs, 0, sizeof *cs);
    pthread_mutex_init(&cs->lock, NULL);
    cs->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(cs->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(cs->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(cs->fd, 8), 0);
    assert_int_equal(getsockname(cs->fd, (struct sockaddr *)&a, &alen), 0);
    cs->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&cs->thread, NULL, canned_serve, cs), 0);
}

static void canned_stop(struct canned *cs)
{
    shutdown(cs->fd, SHUT_RDWR);
    pthread_join(cs->thread, NULL);
    close(cs->fd);
    pthread_mutex_destroy(&cs->lock);
    free(cs->content);
}

/* The next replies: a draft of sql with the given assumptions (NULL-terminated). */
static void canned_draft_explained(struct canned *cs, const char *sql,
                                   const char *const *assumptions, const char *explanation)
{
    json_t *as = json_array();
    for (size_t i = 0; assumptions[i]; i++)
        json_array_append_new(as, json_string(assumptions[i]));
    json_t *d =
        json_pack("{s:s, s:o, s:s}", "sql", sql, "assumptions", as, "explanation", explanation);
    pthread_mutex_lock(&cs->lock);
    free(cs->content);
    cs->content = json_dumps(d, JSON_COMPACT);
    pthread_mutex_unlock(&cs->lock);
    json_decref(d);
}

static void canned_draft(struct canned *cs, const char *sql, const char *const *assumptions)
{
    canned_draft_explained(cs, sql, assumptions, "Sales by state");
}

/* Assumptions are shown with the interpretation, so their numbers pass the insights'
 * check: a made-up figure is dropped, one restating the question or the SQL stays. */
static void test_assumptions(void **state)
{
    struct fixture *f = *state;
    struct canned cs;
    canned_start(&cs);
    struct llm_config cfg;
    struct sq_error err;
    llm_config_defaults(&cfg);
    char *url = xasprintf("http://127.0.0.1:%d/v1", cs.port);
    assert_int_equal(llm_config_set_url(&cfg, url, &err), 0);
    free(url);
    struct sq_buf explain;
    sq_buf_init(&explain, SQ_BUF_UNLIMITED);
    /* Auto mode: one call, the draft; the interpretation is all the model wrote. */
    struct agents_options o = {.llm = &cfg, .explain = &explain};
    const char *question = "top 15 states by sales in 2017";
    const char *sql = "SELECT state, SUM(sales) AS sales FROM mart_dyn_sample_superstore WHERE "
                      "order_date_year = 2017 AND discount <= 0.2 AND sales > 1000 GROUP BY "
                      "state ORDER BY sales DESC LIMIT 15";
    static const char *const kept[] = {
        "2017 means the calendar year 2017",                 /* the question's year */
        "top 15 means the 15 states with the highest sales", /* the question's and SQL's N */
        "only order lines over $1,000 count",                /* the SQL's filter, as currency */
        "USD 1,000.00 is the cut-off for a large line",      /* the same, with decimals */
        "orders discounted by at most 20% count",            /* the SQL's 0.2 as a percent */
        "FY2017 and Q4 are labels, not figures",             /* labels are not numbers */
        "no figure at all here",
        NULL,
    };
    static const char *const dropped[] = {
        "sales in 2017 totalled $4.3 million across all states", /* made up, in millions */
        "returns run at about 37.5% of orders",                  /* made-up percent */
        "orders above 1,750 units are outliers",                 /* made up, with a comma */
        "an average line is worth €3,137.42",                    /* made-up euros */
        "the West's 2,345,678 is excluded",                      /* made up, in the millions */
        "discounts over 44% are left out",                       /* not the SQL's 0.2 */
        NULL,
    };
    /* Each kept one alone, then each dropped one beside a kept one. */
    struct agents_result r;
    for (size_t i = 0; kept[i]; i++) {
        const char *one[] = {kept[i], NULL};
        canned_draft(&cs, sql, one);
        assert_int_equal(agents_answer(&f->rn, f->ss.lx, question, &o, &r), 0);
        if (!strstr(r.interpretation, kept[i]))
            fail_msg("\"%s\" should be kept; the interpretation is \"%s\"", kept[i],
                     r.interpretation);
        agents_result_fini(&r);
    }
    for (size_t i = 0; dropped[i]; i++) {
        const char *two[] = {dropped[i], kept[0], NULL};
        canned_draft(&cs, sql, two);
        sq_buf_reset(&explain);
        assert_int_equal(agents_answer(&f->rn, f->ss.lx, question, &o, &r), 0);
        assert_true(r.table.nrows > 0);
        if (strstr(r.interpretation, dropped[i]))
            fail_msg("\"%s\" should be dropped; the interpretation is \"%s\"", dropped[i],
                     r.interpretation);
        assert_non_null(strstr(r.interpretation, "Assumed: 2017 means the calendar year 2017."));
        assert_non_null(strstr(explain.data, "dropped the assumption"));
        assert_non_null(strstr(explain.data, "is not in the result"));
        agents_result_fini(&r);
    }
    /* Every assumption dropped: no "Assumed:" left dangling. */
    const char *bad[] = {dropped[0], dropped[1], NULL};
    canned_draft(&cs, sql, bad);
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, question, &o, &r), 0);
    assert_string_equal(r.interpretation, "Sales by state.");
    agents_result_fini(&r);
    /* The explanation opens the interpretation: a made-up figure there goes too, one
     * restating the question stays. */
    const char *none[] = {NULL};
    canned_draft_explained(&cs, sql, none, "Sales by state in 2017, up 37.5% on 2016");
    sq_buf_reset(&explain);
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, question, &o, &r), 0);
    assert_string_equal(r.interpretation, "The model's query.");
    assert_non_null(strstr(explain.data, "dropped the explanation"));
    agents_result_fini(&r);
    canned_draft_explained(&cs, sql, none, "The top 15 states by sales in 2017");
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, question, &o, &r), 0);
    assert_string_equal(r.interpretation, "The top 15 states by sales in 2017.");
    agents_result_fini(&r);
    pthread_mutex_lock(&cs.lock);
    int requests = cs.requests;
    pthread_mutex_unlock(&cs.lock);
    assert_int_equal(requests, 7 + 6 + 1 + 2);
    sq_buf_fini(&explain);
    canned_stop(&cs);
}

/* The agents reach the data only through the runner they are given: a runner's own table
 * is the answer, and a runner that refuses every query is repaired against and then
 * reported, with nothing run. */
static void test_runner(void **state)
{
    struct fixture *f = *state;
    struct canned cs;
    canned_start(&cs);
    struct llm_config cfg;
    struct sq_error err;
    llm_config_defaults(&cfg);
    char *url = xasprintf("http://127.0.0.1:%d/v1", cs.port);
    assert_int_equal(llm_config_set_url(&cfg, url, &err), 0);
    free(url);
    cfg.max_rounds = 1;
    struct agents_options o = {.llm = &cfg};
    const char *none[] = {NULL};
    canned_draft_explained(&cs,
                           "SELECT region, SUM(sales) AS sales FROM mart_dyn_sample_superstore "
                           "GROUP BY region ORDER BY sales DESC",
                           none, "Sales by region");
    struct agents_result r;

    /* A table of the runner's own: the answer is it, not what DuckDB would say. */
    f->tr.fixed = 1;
    f->tr.checks = f->tr.runs = 0;
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, "sales by region", &o, &r), 0);
    assert_int_equal(f->tr.checks, 1);
    assert_int_equal(f->tr.runs, 1);
    assert_int_equal(r.table.nrows, 1);
    assert_string_equal(r.table.cols[0].name, "source");
    assert_string_equal(sq_table_cell(&r.table, 0, 0)->text, "the runner");
    assert_string_equal(r.interpretation, "Sales by region.");
    agents_result_fini(&r);
    f->tr.fixed = 0;

    /* A runner that refuses everything: one repair round, then its reason, nothing run. */
    f->tr.refuse = 1;
    f->tr.checks = f->tr.runs = 0;
    assert_int_equal(agents_answer(&f->rn, f->ss.lx, "sales by region", &o, &r), SQ_E_REJECTED);
    assert_int_equal(r.rounds, 1);
    assert_int_equal(f->tr.checks, 2);
    assert_int_equal(f->tr.runs, 0);
    assert_null(r.sql);
    assert_non_null(strstr(r.error.msg, "the test runner refuses every query"));
    assert_non_null(strstr(r.error.msg, "still not valid after 1 repair round"));
    agents_result_fini(&r);
    f->tr.refuse = 0;
    canned_stop(&cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_northwind),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_sanity_and_shape),
        cmocka_unit_test(test_draft_parse),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_assumptions),
        cmocka_unit_test(test_runner),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
