/*
 * libFuzzer target for the playbook parser (schema/playbook.c): parses the input as
 * playbook.yaml and, when it parses, calls every accessor, writes the JSON, checking
 * that the JSON writer ends balanced, and configures the model from its llm: section
 * (llm/config.c), checking that a refusal always says something. fuzz/replay.c replays
 * fuzz/corpus/playbook/ in the normal test run.
 */
#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"
#include "llm/llm.h"
#include "schema/playbook.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const char *s)
{
    /* Reading every byte lets ASan see a dangling or unterminated string. */
    if (s && strlen(s) == (size_t)-1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"a.csv", "sales/2017.csv", "data[1].csv", "x", ""};
    struct playbook *pb = NULL;
    struct sq_error err;
    sq_error_clear(&err);
    int rc = playbook_parse((const char *)data, size, &pb, &err);
    if (rc != 0) {
        /* Failures leave no playbook and always say something. */
        if (pb || err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        touch(playbook_file_encoding(pb, paths[i]));
        int d = playbook_file_day_first(pb, paths[i]);
        if (d < -1 || d > 1)
            abort();
    }
    touch(playbook_default_date(pb));
    const struct playbook_pair *(*lists[])(const struct playbook *, size_t *) = {
        playbook_synonyms, playbook_glossary, playbook_metrics};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        size_t n = 0;
        const struct playbook_pair *p = lists[l](pb, &n);
        for (size_t i = 0; i < n; i++) {
            touch(p[i].key);
            touch(p[i].value);
        }
    }
    size_t n = 0;
    const char *const *h = playbook_hidden(pb, &n);
    for (size_t i = 0; i < n; i++)
        touch(h[i]);
    for (size_t i = 0; i < n; i++)
        touch(playbook_file_encoding(pb, h[i]));
    const struct playbook_setting *ls = playbook_llm(pb, &n);
    for (size_t i = 0; i < n; i++) {
        touch(ls[i].key);
        touch(ls[i].value);
        if (ls[i].line < 1 || ls[i].column < 1)
            abort();
    }
    touch(playbook_name(pb));
    struct llm_config cfg;
    sq_error_clear(&err);
    rc = llm_config_load(&cfg, pb, NULL, 0, &err);
    if (rc != 0 && (err.code != rc || err.msg[0] == '\0'))
        abort();
    if (rc == 0) {
        char text[4096];
        llm_config_describe(&cfg, text, sizeof text);
        touch(text);
    }

    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, size & 1);
    playbook_write_json(pb, &w);
    if (w.err || w.depth != 0)
        abort();
    sq_buf_fini(&b);
    playbook_free(pb);
    return 0;
}
