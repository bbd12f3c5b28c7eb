/*
 * libFuzzer target for the question parser. Invariant, checked on every input: when fast
 * mode answers (it may decline anything), the SQL it wrote passes the guard and runs
 * without error on the fixture — as a new question and as a follow-up of a fixed one.
 * The fixture is a small Superstore-like file loaded by the real ingest. The corpus
 * (fuzz/corpus/nlsql/, seeded from the test questions) is replayed by make test.
 */
#include "answer/answer.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "ingest/ingest.h"
#include "schema/schema.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;
static struct schema *schema;
static struct answerer *answerer;
static struct nl_frame base_frame;

static void die(const char *what, const struct sq_error *err)
{
    fprintf(stderr, "fuzz_nlsql: %s: %s\n", what, err ? err->msg : "");
    abort();
}

static void cleanup(void)
{
    answerer_free(answerer);
    schema_free(schema);
    store_close(store);
}

int LLVMFuzzerInitialize(int *argc, char **argv[])
{
    (void)argc;
    (void)argv;
    char dir[] = "/tmp/salesql-fuzz-nlsql-XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
    static const char *const regions[] = {"West", "East", "Central", "South"};
    static const char *const cats[] = {"Furniture", "Office Supplies", "Technology"};
    static const char *const states[] = {"California", "Texas", "New York", "Ohio", "Washington"};
    static const char *const names[] = {"Claire Gute", "Darrin Van Huff", "Sean O'Donnell",
                                        "Brosina Hoffman", "Andrew Allen"};
    char *csv = sq_path_join(dir, "superstore.csv");
    FILE *f = fopen(csv, "w");
    fprintf(f, "Order ID,Order Date,Ship Date,Ship Mode,Customer Name,Segment,Region,State,"
               "Category,Sales,Quantity,Discount,Profit\n");
    for (int i = 0; i < 300; i++)
        fprintf(f, "CA-%d-%06d,%d/%d/%d,%d/%d/%d,%s,%s,%s,%s,%s,%s,%.2f,%d,%.1f,%.2f\n",
                2014 + i % 4, 100000 + i / 2, 1 + i % 12, 1 + i % 28, 2014 + i % 4, 1 + i % 12,
                1 + (i + 3) % 28, 2014 + i % 4, i % 3 ? "Standard Class" : "First Class",
                names[i % 5], i % 2 ? "Consumer" : "Corporate", regions[i % 4], states[i % 5],
                cats[i % 3], 10.5 + i * 3.25, 1 + i % 9, (i % 5) * 0.1, (i % 7 - 2) * 4.75);
    fclose(f);
    free(csv);
    struct sq_error err;
    struct store_options so = {.path = NULL, .threads = 1, .memory_limit = "256MB"};
    if (store_open(&so, &store, &err) != 0)
        die("store_open", &err);
    char *staging = sq_path_join(dir, "staging");
    struct ingest_options io = {.data_dir = dir, .staging_dir = staging};
    struct ingest_report rep;
    if (ingest_refresh(store, &io, &rep, &err) != 0 || rep.failed)
        die("ingest", &err);
    ingest_report_fini(&rep);
    free(staging);
    sq_rm_rf(dir);
    if (schema_load(store_main(store), &schema, &err) != 0)
        die("schema_load", &err);
    answerer = answerer_new(store_main(store), schema, NULL);
    struct answer a;
    struct answer_options o = {.mode = "fast", .max_rows = 100, .timeout_ms = 5000};
    if (answer_ask(answerer, "sales by region in 2016", &o, &a) != 0 || !a.has_frame)
        die("base question", &a.error);
    base_frame = a.frame;
    answer_fini(&a);
    atexit(cleanup);
    return 0;
}

static void check(const char *q, const struct nl_frame *previous)
{
    struct answer a;
    struct answer_options o = {
        .mode = "fast", .max_rows = 100, .timeout_ms = 5000, .previous = previous};
    answer_ask(answerer, q, &o, &a);
    if (strcmp(a.status, "ok") != 0 && strcmp(a.status, "unsupported") != 0) {
        fprintf(stderr, "question: %s\nstatus: %s\nsql: %s\nerror: %s\n", q, a.status,
                a.sql ? a.sql : "(none)", a.error.msg);
        abort();
    }
    answer_fini(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4000)
        return 0;
    char *q = xmalloc(size + 1);
    memcpy(q, data, size);
    q[size] = '\0';
    check(q, NULL);
    check(q, &base_frame);
    free(q);
    return 0;
}
