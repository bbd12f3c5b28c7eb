/*
 * The dataset playbook: DATA_DIR/playbook.yaml, written by the user, optional. It tells
 * salesql what the data cannot: a file's text encoding, whether ambiguous dates are
 * day-first, the default date column, words users say for columns (synonyms, glossary),
 * named metrics, columns to hide from questions, and which language model deep mode asks.
 *
 *   files:                        # per file, path relative to the data folder;
 *     sales_data_sample.csv:      #   shell patterns (* ? [..]) allowed; quote a
 *       encoding: cp850           #   pattern that starts with * or [: "*.csv":
 *       dates: day_first          #   day_first | month_first (day-first, dmy, mdy...)
 *   dates: month_first            # default for every file
 *   default_date: order_date
 *   glossary:                     # word -> column or value it means
 *     turnover: sales
 *   synonyms:                     # column -> other names for it
 *     sales: [revenue, turnover]
 *   metrics:                      # name -> SQL expression over one mart
 *     average order value: SUM(sales) / COUNT(DISTINCT order_id)
 *   hidden: [row_id]
 *   llm:                          # the model for deep mode; flags and the environment
 *     model: llama3.1             #   win over it. Never the API key (OPENAI_API_KEY)
 *     url: http://127.0.0.1:11434/v1
 *
 * Ownership: playbook_load/playbook_parse return a new struct playbook freed with
 * playbook_free (NULL-safe). Strings returned by accessors are borrowed from it.
 */
#ifndef SQ_SCHEMA_PLAYBOOK_H
#define SQ_SCHEMA_PLAYBOOK_H

#include <stddef.h>

struct sq_error;
struct sq_jw;
struct playbook;

/* Limits: the largest file accepted, the most entries (files, pairs, names), the longest
 * text, the deepest nesting. Past them parsing fails with SQ_E_TOO_BIG or SQ_E_PARSE. */
enum {
    PLAYBOOK_MAX_BYTES = 1024 * 1024,
    PLAYBOOK_MAX_ENTRIES = 10000,
    PLAYBOOK_MAX_STRING = 4096,
    PLAYBOOK_MAX_DEPTH = 16
};

struct playbook_pair {
    const char *key;
    const char *value;
};

/* One setting of the llm: section as written (any scalar, as text) and where its value
 * is (line and column from 1). llm/ checks the values: llm_config_load. */
struct playbook_setting {
    const char *key;
    const char *value;
    size_t line, column;
};

/* Reads path; a missing file gives an empty playbook (not an error). Syntax errors and
 * unknown keys fail with SQ_E_PARSE, the file, line and column, and what was expected. */
int playbook_load(const char *path, struct playbook **out, struct sq_error *err);
int playbook_parse(const char *text, size_t len, struct playbook **out, struct sq_error *err);
void playbook_free(struct playbook *pb);

/* Per file (rel_path relative to the data folder). An entry matches when its key equals
 * rel_path or matches it as an fnmatch(3) pattern without FNM_PATHNAME (so * also matches
 * '/'). For each setting, the first matching entry that gives it wins. */
const char *playbook_file_encoding(const struct playbook *pb, const char *rel_path);
/* 1 day-first, 0 month-first, -1 not said (for this file nor by the top-level dates:). */
int playbook_file_day_first(const struct playbook *pb, const char *rel_path);

const char *playbook_default_date(const struct playbook *pb);
/* Flattened lists: synonyms as (other name, column) pairs; glossary as (word, meaning);
 * metrics as (name, SQL expression). */
const struct playbook_pair *playbook_synonyms(const struct playbook *pb, size_t *n);
const struct playbook_pair *playbook_glossary(const struct playbook *pb, size_t *n);
const struct playbook_pair *playbook_metrics(const struct playbook *pb, size_t *n);
const char *const *playbook_hidden(const struct playbook *pb, size_t *n);
/* The llm: section's settings in file order: url, model, deep_model, timeout_ms,
 * deadline_ms, retries, max_rounds, token_budget, schema (a key that names a secret, such
 * as api_key, fails the parse). Settings given as ~ or nothing are left out. */
const struct playbook_setting *playbook_llm(const struct playbook *pb, size_t *n);
/* The name messages give the file: the path given to playbook_load, or "playbook.yaml". */
const char *playbook_name(const struct playbook *pb);

/* Writes the playbook as one JSON object value (for `salesql schema --format json`). The
 * llm: section is left out: /api/schema serves this, and a URL may carry credentials. */
void playbook_write_json(const struct playbook *pb, struct sq_jw *w);

#endif
