/*
 * Unit tests for lexicon/: the tokenizer (words, numbers, quarters, ordinals, offsets,
 * hostile input) and the lexicon built from a small schema made here in memory (column
 * names as words, concatenated names split, the name in the file, values, coded values,
 * mart names without their shared prefix, one-edit typos, the glossary). Both modes read
 * the lexicon; whole questions are tested by test_eval.sh and test_agents.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/error.h"
#include "lexicon/lexicon.h"
#include "lexicon/token.h"
#include "schema/schema.h"

#include <string.h>

static void test_tokens(void **state)
{
    (void)state;
    struct lx_tokens t;
    assert_int_equal(lx_tokenize("Top 5 regions' sales in Q3 2016: $1,250.50 or 20% (5k, 2.5m) 3rd "
                                 "sub-category customer’s",
                                 &t),
                     0);
    /* top 5 regions ' sales in q3 2016 : 1,250.50 or 20% ( 5k , 2.5m ) 3rd sub category
     * customer: the trailing quote of "regions'" is punctuation, the hyphen is dropped. */
    assert_int_equal(t.n, 21);
    assert_string_equal(t.t[0].text, "top");
    assert_int_equal(t.t[1].kind, LX_NUMBER);
    assert_true(t.t[1].value == 5 && t.t[1].integer);
    assert_string_equal(t.t[2].stem, "region");
    assert_int_equal(t.t[3].kind, LX_PUNCT);
    assert_int_equal(t.t[6].kind, LX_QUARTER);
    assert_true(t.t[6].value == 3);
    assert_int_equal(t.t[7].digits, 4);
    assert_true(t.t[9].value == 1250.5 && t.t[9].currency);
    assert_true(t.t[11].value == 20 && t.t[11].percent);
    assert_true(t.t[13].value == 5000);
    assert_true(t.t[15].value == 2500000);
    assert_int_equal(t.t[17].kind, LX_ORDINAL);
    assert_string_equal(t.t[18].text, "sub");
    assert_string_equal(t.t[19].text, "category");
    assert_string_equal(t.t[20].text, "customer"); /* curly possessive dropped */
    /* Offsets point into the question. */
    assert_int_equal(t.t[2].start, 6);
    lx_tokens_fini(&t);

    char folded[64];
    lx_fold("Cataluña MÜNCHEN", folded, sizeof folded);
    assert_string_equal(folded, "cataluna munchen");
    char sing[32];
    lx_singular("categories", sing, sizeof sing);
    assert_string_equal(sing, "category");
    lx_singular("sales", sing, sizeof sing);
    assert_string_equal(sing, "sales");
    lx_singular("boxes", sing, sizeof sing);
    assert_string_equal(sing, "box");
    lx_singular("status", sing, sizeof sing);
    assert_string_equal(sing, "status");

    /* A number no double holds is a word (the parsers then decline it), never inf. */
    char nines[420] = "over ";
    memset(nines + 5, '9', 400);
    nines[405] = '\0';
    assert_int_equal(lx_tokenize(nines, &t), 0);
    assert_int_equal((int)t.n, 2);
    assert_int_equal(t.t[1].kind, LX_WORD);
    lx_tokens_fini(&t);

    /* Hostile input: too long, too many tokens, control bytes, invalid UTF-8. */
    char big[LX_MAX_QUESTION + 10];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(lx_tokenize(big, &t), SQ_E_TOO_BIG);
    lx_tokens_fini(&t);
    char many[LX_MAX_QUESTION];
    for (size_t i = 0; i + 1 < sizeof many; i += 2) {
        many[i] = 'a';
        many[i + 1] = ' ';
    }
    many[sizeof many - 1] = '\0';
    assert_int_equal(lx_tokenize(many, &t), SQ_E_TOO_BIG);
    lx_tokens_fini(&t);
    assert_int_equal(lx_tokenize("\x01\x02 \xff\xfe sales \xe2\x80", &t), 0);
    lx_tokens_fini(&t);
    /* A currency sign at the very end (found by the fuzzer: it read past the end). */
    assert_int_equal(lx_tokenize("de \xe2"
                                 "0",
                                 &t),
                     0);
    lx_tokens_fini(&t);
    assert_int_equal(lx_tokenize("$", &t), 0);
    assert_int_equal(t.n, 1);
    lx_tokens_fini(&t);
}

/* The one sense of kind k of phrase, failing when the phrase is missing or has none. */
static const struct lx_sense *sense_of(const struct lx_lexicon *lx, const char *phrase,
                                       enum lx_sense_kind k)
{
    const struct lx_entry *e = lx_lexicon_get(lx, phrase);
    if (!e)
        fail_msg("\"%s\" is not in the lexicon", phrase);
    for (size_t i = 0; i < e->n; i++)
        if (e->senses[i].kind == k)
            return &e->senses[i];
    fail_msg("\"%s\" has no sense of kind %d", phrase, (int)k);
    return NULL;
}

static void test_lexicon(void **state)
{
    (void)state;
    struct schema_value regions[] = {{"West", 30}, {"Office Supplies", 20}};
    struct schema_value genders[] = {{"F", 12}, {"M", 10}};
    struct schema_column orders[] = {
        {.name = "order_date", .original = "Order Date", .type = "DATE", .role = "date"},
        {.name = "order_date_year", .type = "INTEGER", .derived_from = "order_date"},
        {.name = "region",
         .original = "Region",
         .type = "VARCHAR",
         .values = regions,
         .nvalues = 2},
        {.name = "sub_category", .original = "Sub-Category", .type = "VARCHAR"},
        {.name = "quantityordered", .original = "QUANTITYORDERED", .type = "INTEGER"},
        {.name = "sales", .type = "DOUBLE", .role = "measure"},
    };
    struct schema_column customers[] = {
        {.name = "gender", .type = "VARCHAR", .values = genders, .nvalues = 2},
    };
    struct schema_mart marts[] = {
        {.name = "mart_dyn_shop_orders", .source = "shop_orders", .cols = orders, .ncols = 6},
        {.name = "mart_dyn_shop_customers",
         .source = "shop_customers",
         .cols = customers,
         .ncols = 1},
    };
    struct schema s = {.marts = marts, .nmarts = 2};
    struct lx_lexicon *lx = lx_lexicon_new(&s, NULL);
    assert_ptr_equal(lx_lexicon_schema(lx), &s);
    assert_null(lx_lexicon_playbook(lx));

    /* Column names as words, joined, split, and as written in the file. */
    const struct lx_sense *c = sense_of(lx, "order date", LX_SENSE_COLUMN);
    assert_ptr_equal(c->col, &orders[0]);
    assert_int_equal(c->quality, LX_EXACT);
    assert_ptr_equal(sense_of(lx, "orderdate", LX_SENSE_COLUMN)->col, &orders[0]);
    assert_ptr_equal(sense_of(lx, "quantity ordered", LX_SENSE_COLUMN)->col, &orders[4]);
    assert_ptr_equal(sense_of(lx, "sub category", LX_SENSE_COLUMN)->col, &orders[3]);
    /* One word of a longer name is a partial match; calendar parts are not named. */
    assert_int_equal(sense_of(lx, "date", LX_SENSE_COLUMN)->quality, LX_PARTIAL);
    assert_null(lx_lexicon_get(lx, "order date year"));

    /* Values, their singular, and the words for coded values. */
    const struct lx_sense *v = sense_of(lx, "west", LX_SENSE_VALUE);
    assert_string_equal(v->value, "West");
    assert_ptr_equal(v->col, &orders[2]);
    assert_int_equal(v->count, 30);
    assert_string_equal(sense_of(lx, "office supply", LX_SENSE_VALUE)->value, "Office Supplies");
    assert_string_equal(sense_of(lx, "women", LX_SENSE_VALUE)->value, "F");
    assert_null(lx_lexicon_get(lx, "f")); /* a one-letter code alone is too ambiguous */

    /* Marts without the prefix every mart shares, and by their last word. */
    assert_string_equal(lx_mart_words(lx, &marts[0]), "orders");
    assert_ptr_equal(sense_of(lx, "customers", LX_SENSE_MART)->mart, &marts[1]);
    assert_ptr_equal(sense_of(lx, "customer", LX_SENSE_MART)->mart, &marts[1]);

    /* One-edit typos of words of 5+ letters, never of shorter ones. */
    const struct lx_entry *e = lx_lexicon_fuzzy(lx, "regoin");
    assert_non_null(e);
    assert_string_equal(e->phrase, "region");
    assert_null(lx_lexicon_fuzzy(lx, "wset"));
    assert_null(lx_lexicon_fuzzy(lx, "zzzzzz"));

    /* The glossary: a canonical word, and another word of the group that the data uses. */
    assert_string_equal(lx_glossary("revenue"), "sales");
    assert_null(lx_glossary("sales"));
    assert_null(lx_glossary("region"));
    e = lx_lexicon_concept(lx, "revenue");
    assert_non_null(e);
    assert_string_equal(e->phrase, "sales");
    assert_true(lx_lexicon_size(lx) > 10);
    lx_lexicon_free(lx);
    lx_lexicon_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_lexicon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
