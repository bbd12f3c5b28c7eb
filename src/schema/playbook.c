/*
 * The dataset playbook parser: reads DATA_DIR/playbook.yaml (see schema/playbook.h for the
 * format) into an immutable struct playbook that ingest asks about encodings and date
 * order, that the lexicon and `salesql schema` read synonyms, metrics and hidden columns
 * from, and whose llm: settings llm/ checks and applies. It walks libyaml's event stream
 * against the fixed shape of the format, so nesting is bounded by that shape; aliases are
 * refused (no billion laughs) and every count and string has a limit, so hostile input
 * fails with a message instead of growing.
 */
#include "schema/playbook.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yaml.h>

/* ---- the parsed playbook ---- */

struct pb_file {
    char *pattern;
    char *encoding; /* NULL: not said */
    int day_first;  /* 1, 0, or -1: not said */
};

struct pb_pairs {
    struct playbook_pair *v;
    size_t n, cap;
};

/* One `column: [names]` entry of synonyms: its pairs are synonyms.v[first, first+count),
 * whose values borrow column. Kept so the JSON keeps the user's grouping and order. */
struct pb_group {
    char *column;
    size_t first, count;
};

struct playbook {
    struct pb_file *files;
    size_t n_files, cap_files;
    int day_first;
    char *default_date;
    struct pb_pairs glossary, metrics, synonyms;
    struct pb_group *groups;
    size_t n_groups, cap_groups;
    char **hidden;
    size_t n_hidden, cap_hidden;
    struct playbook_setting *llm; /* key and value owned */
    size_t n_llm, cap_llm;
    char *name; /* for messages */
};

static const char *const top_keys[] = {"files",    "dates",   "default_date", "glossary",
                                       "synonyms", "metrics", "hidden",       "llm"};
enum { K_FILES, K_DATES, K_DEFAULT_DATE, K_GLOSSARY, K_SYNONYMS, K_METRICS, K_HIDDEN, K_LLM };
static const char *const file_keys[] = {"encoding", "dates"};
enum { FK_ENCODING, FK_DATES };
/* The names llm/ knows (llm_config_set); it checks the values. */
static const char *const llm_keys[] = {"url",        "model",        "deep_model",
                                       "timeout_ms", "deadline_ms",  "retries",
                                       "max_rounds", "token_budget", "schema"};
#define NKEYS(a) (sizeof(a) / sizeof(a[0]))

static const char dates_expected[] =
    "day_first or month_first (also day-first, month-first, dmy, mdy)";

/* Grows *p (an array of elem-sized items holding n) so one more item fits. */
static void grow(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return;
    *cap = *cap ? *cap * 2 : 8;
    *p = xrealloc(*p, *cap * elem);
}

static struct playbook *playbook_new(void)
{
    struct playbook *pb = xcalloc(1, sizeof *pb);
    pb->day_first = -1;
    return pb;
}

static void pairs_free(struct pb_pairs *ps, int free_values)
{
    for (size_t i = 0; i < ps->n; i++) {
        free((void *)ps->v[i].key);
        if (free_values)
            free((void *)ps->v[i].value);
    }
    free(ps->v);
}

void playbook_free(struct playbook *pb)
{
    if (!pb)
        return;
    for (size_t i = 0; i < pb->n_files; i++) {
        free(pb->files[i].pattern);
        free(pb->files[i].encoding);
    }
    free(pb->files);
    free(pb->default_date);
    pairs_free(&pb->glossary, 1);
    pairs_free(&pb->metrics, 1);
    pairs_free(&pb->synonyms, 0);
    for (size_t i = 0; i < pb->n_groups; i++)
        free(pb->groups[i].column);
    free(pb->groups);
    for (size_t i = 0; i < pb->n_hidden; i++)
        free(pb->hidden[i]);
    free(pb->hidden);
    for (size_t i = 0; i < pb->n_llm; i++) {
        free((void *)pb->llm[i].key);
        free((void *)pb->llm[i].value);
    }
    free(pb->llm);
    free(pb->name);
    free(pb);
}

/* ---- the parser state and error reporting ---- */

struct ctx {
    yaml_parser_t parser;
    yaml_event_t ev; /* the current event, valid while have_ev */
    int have_ev;
    int depth;
    size_t entries;
    const char *name; /* shown in messages: the path, or "playbook.yaml" */
    const char *text;
    size_t len;
    struct playbook *pb;
    struct sq_error *err;
};

/* Sizes of the pieces messages are made of. A value from the file is cut by show(), so
 * each piece is fixed words around at most one shown value, and holds the longest such
 * message whole (about 170 bytes); the message itself is cut by the error it goes into. */
enum {
    SHOW_BYTES = 60,                       /* of a value quoted in a message */
    SHOWN_MAX = SHOW_BYTES + sizeof "...", /* a value as show() writes it */
    DESCRIBED_MAX = SHOWN_MAX + 32,        /* describe(): a shown value in quotes, or words */
    PLACE_MAX = 128,                       /* "where": "the settings of file '*.csv'" */
    PHRASE_MAX = PLACE_MAX + 128,          /* "what": a place and what must be there */
    KEY_MAX = 32,                          /* a known key ("token_budget"), with room */
    SUGGESTION_MAX = KEY_MAX + sizeof " (did you mean ''?)",
    FAIL_MSG_MAX = SQ_ERROR_MSG_MAX - 64, /* leaves room for "NAME line L, column C: " */
};

/* Copies s for a message: at most SHOW_BYTES bytes (cut on a character boundary, "..."
 * added), control characters shown as '?'. out has room for size bytes. */
static const char *show(char *out, size_t size, const char *s)
{
    size_t limit = size - sizeof "..." < SHOW_BYTES ? size - sizeof "..." : SHOW_BYTES;
    size_t n = strlen(s);
    int cut = n > limit;
    if (cut) {
        n = limit;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (cut) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

static int fail_at(struct ctx *c, int code, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records "NAME line L, column C: message" in c->err and returns code. */
static int fail_at(struct ctx *c, int code, yaml_mark_t mark, const char *fmt, ...)
{
    char msg[FAIL_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sq_error_set(c->err, code, -1, "%s line %zu, column %zu: %s", c->name, mark.line + 1,
                        mark.column + 1, msg);
}

static int fail(struct ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As fail_at, at the start of the current event. */
static int fail(struct ctx *c, int code, const char *fmt, ...)
{
    char msg[FAIL_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fail_at(c, code, c->ev.start_mark, "%s", msg);
}

/* The line and column (both from 0) of a byte offset, counting UTF-8 characters. */
static yaml_mark_t mark_of_offset(const struct ctx *c, size_t offset)
{
    yaml_mark_t m = {offset, 0, 0};
    if (offset > c->len)
        offset = c->len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char ch = (unsigned char)c->text[i];
        if (ch == '\n' || (ch == '\r' && (i + 1 >= c->len || c->text[i + 1] != '\n'))) {
            m.line++;
            m.column = 0;
        } else if ((ch & 0xC0) != 0x80 && ch != '\r') {
            m.column++;
        }
    }
    return m;
}

/* 1 if line (from 0) of the input contains a tab. */
static int line_has_tab(const struct ctx *c, size_t line)
{
    size_t i = 0, l = 0;
    for (; i < c->len && l < line; i++)
        if (c->text[i] == '\n')
            l++;
    for (; i < c->len && c->text[i] != '\n'; i++)
        if (c->text[i] == '\t')
            return 1;
    return 0;
}

/* Turns libyaml's error into a message. */
static int syntax_error(struct ctx *c)
{
    const yaml_parser_t *p = &c->parser;
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->error == YAML_MEMORY_ERROR)
        return sq_error_set(c->err, SQ_E_INTERNAL, -1, "%s: out of memory while parsing", c->name);
    if (p->error == YAML_READER_ERROR)
        return fail_at(c, SQ_E_PARSE, mark_of_offset(c, p->problem_offset),
                       "%s (byte 0x%02x); save the file as UTF-8", problem,
                       (unsigned)p->problem_value & 0xffu);
    char ctxt[PHRASE_MAX] = "";
    if (p->context)
        snprintf(ctxt, sizeof ctxt, " (%s that starts at line %zu)", p->context,
                 p->context_mark.line + 1);
    const char *hint = "";
    if (strstr(problem, "cannot start any token") && line_has_tab(c, p->problem_mark.line))
        hint = "; indent with spaces, YAML does not allow tabs";
    else if (p->context && strstr(p->context, "alias"))
        hint = "; put a file pattern that starts with * in quotes: \"*.csv\":";
    else if (strstr(problem, "mapping values are not allowed"))
        hint = "; check the indentation, and put a value that contains \": \" in quotes";
    else if (p->context && strstr(p->context, "block"))
        hint = "; check the indentation";
    return fail_at(c, SQ_E_PARSE, p->problem_mark, "%s%s%s", problem, ctxt, hint);
}

/* Moves to the next event, refusing aliases and nesting deeper than the format allows. */
static int next(struct ctx *c)
{
    if (c->have_ev) {
        yaml_event_delete(&c->ev);
        c->have_ev = 0;
    }
    if (!yaml_parser_parse(&c->parser, &c->ev))
        return syntax_error(c);
    c->have_ev = 1;
    switch (c->ev.type) {
    case YAML_ALIAS_EVENT: {
        char a[SHOWN_MAX];
        return fail(c, SQ_E_PARSE,
                    "aliases (*%s) are not supported in a playbook: write the value out "
                    "(and quote a file pattern that starts with *, as in \"*.csv\":)",
                    show(a, sizeof a, (const char *)c->ev.data.alias.anchor));
    }
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        if (++c->depth > PLAYBOOK_MAX_DEPTH)
            return fail(c, SQ_E_PARSE, "nested deeper than %d levels", PLAYBOOK_MAX_DEPTH);
        break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        c->depth--;
        break;
    default:
        break;
    }
    return 0;
}

/* 1 if the current event is a scalar meaning "nothing": empty, or plain ~ / null. */
static int is_null(const struct ctx *c)
{
    if (c->ev.type != YAML_SCALAR_EVENT)
        return 0;
    const char *v = (const char *)c->ev.data.scalar.value;
    size_t n = c->ev.data.scalar.length;
    if (n == 0)
        return 1;
    if (c->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE || c->ev.data.scalar.tag)
        return 0;
    return strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

/* What the current event is, for "expected X, found Y". */
static const char *describe(const struct ctx *c, char *out, size_t size)
{
    switch (c->ev.type) {
    case YAML_SCALAR_EVENT: {
        if (is_null(c))
            return "nothing";
        char s[SHOWN_MAX];
        snprintf(out, size, "'%s'", show(s, sizeof s, (const char *)c->ev.data.scalar.value));
        return out;
    }
    case YAML_MAPPING_START_EVENT:
        return "a mapping (key: value lines)";
    case YAML_SEQUENCE_START_EVENT:
        return "a list";
    case YAML_MAPPING_END_EVENT:
        return "the end of the mapping";
    case YAML_SEQUENCE_END_EVENT:
        return "the end of the list";
    default:
        return "the end of the document";
    }
}

/* Counts one stored entry against PLAYBOOK_MAX_ENTRIES. */
static int count_entry(struct ctx *c)
{
    if (++c->entries > PLAYBOOK_MAX_ENTRIES)
        return fail(c, SQ_E_TOO_BIG, "more than %d entries in the playbook", PLAYBOOK_MAX_ENTRIES);
    return 0;
}

/* Copies the current scalar (which must not be null) into *out, within the length limit. */
static int take_scalar(struct ctx *c, char **out)
{
    size_t n = c->ev.data.scalar.length;
    const char *v = (const char *)c->ev.data.scalar.value;
    if (n > PLAYBOOK_MAX_STRING)
        return fail(c, SQ_E_TOO_BIG, "a text longer than %d bytes", PLAYBOOK_MAX_STRING);
    if (memchr(v, '\0', n))
        return fail(c, SQ_E_PARSE, "a text containing a NUL character");
    *out = xstrndup(v, n);
    return 0;
}

/* Reads the next event as a text value: "what, found ..." when it is not one. A null
 * value gives *out = NULL when allow_null, else the same error. */
static int read_string(struct ctx *c, const char *what, int allow_null, char **out)
{
    *out = NULL;
    int rc = next(c);
    if (rc)
        return rc;
    char d[DESCRIBED_MAX];
    if (c->ev.type != YAML_SCALAR_EVENT || (is_null(c) && !allow_null))
        return fail(c, SQ_E_PARSE, "%s, found %s", what, describe(c, d, sizeof d));
    return is_null(c) ? 0 : take_scalar(c, out);
}

/* Reads the next event as the start of a mapping; *present = 0 for a null value (an
 * empty section). */
static int read_mapping_start(struct ctx *c, const char *what, int *present)
{
    int rc = next(c);
    if (rc)
        return rc;
    *present = c->ev.type == YAML_MAPPING_START_EVENT;
    if (*present || is_null(c))
        return 0;
    char d[DESCRIBED_MAX];
    return fail(c, SQ_E_PARSE, "%s, found %s", what, describe(c, d, sizeof d));
}

/* ---- keys: duplicates and suggestions ---- */

/* A small open-addressing set of the keys of one mapping, to report duplicates. */
struct keyset {
    struct kslot {
        char *key;
        size_t line;
    } * slots;
    size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void keyset_fini(struct keyset *ks)
{
    for (size_t i = 0; i < ks->cap; i++)
        free(ks->slots[i].key);
    free(ks->slots);
}

static struct kslot *keyset_slot(struct kslot *slots, size_t cap, const char *key)
{
    size_t i = (size_t)hash_str(key) & (cap - 1);
    while (slots[i].key && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

/* Adds key; returns the line (from 1) where it was first seen if it already was, else 0. */
static size_t keyset_add(struct keyset *ks, const char *key, size_t line)
{
    if (2 * (ks->n + 1) > ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 16;
        struct kslot *slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < ks->cap; i++)
            if (ks->slots[i].key)
                *keyset_slot(slots, cap, ks->slots[i].key) = ks->slots[i];
        free(ks->slots);
        ks->slots = slots;
        ks->cap = cap;
    }
    struct kslot *s = keyset_slot(ks->slots, ks->cap, key);
    if (s->key)
        return s->line;
    s->key = xstrdup(key);
    s->line = line;
    ks->n++;
    return 0;
}

/* Reads the current event as the key of a mapping entry (a non-empty text), and fails on a
 * key already seen in the same mapping. where names the mapping for messages. */
static int read_key(struct ctx *c, struct keyset *seen, const char *where, char **key)
{
    *key = NULL;
    char d[DESCRIBED_MAX];
    if (c->ev.type != YAML_SCALAR_EVENT || is_null(c))
        return fail(c, SQ_E_PARSE, "expected a name as the key of an entry in %s, found %s", where,
                    describe(c, d, sizeof d));
    int rc = take_scalar(c, key);
    if (rc)
        return rc;
    size_t first = keyset_add(seen, *key, c->ev.start_mark.line + 1);
    if (first) {
        char s[SHOWN_MAX];
        rc = fail(c, SQ_E_PARSE, "duplicate key '%s' in %s (first given at line %zu)",
                  show(s, sizeof s, *key), where, first);
        free(*key);
        *key = NULL;
    }
    return rc;
}

/* Edit distance between a and b ignoring case, capped: a is a known key (< KEY_MAX bytes). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), row[KEY_MAX];
    if (la >= NKEYS(row))
        return SIZE_MAX;
    for (size_t i = 0; i <= la; i++)
        row[i] = i;
    for (size_t j = 1; b[j - 1]; j++) {
        size_t diag = row[0];
        row[0] = j;
        for (size_t i = 1; i <= la; i++) {
            size_t up = row[i];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[i - 1] + 1 < best)
                best = row[i - 1] + 1;
            row[i] = best;
            diag = up;
        }
    }
    return row[la];
}

static int find_key(const char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return (int)i;
    return -1;
}

/* "a, b, c" into out (cut when out is too small). */
static const char *join_keys(const char *const *keys, size_t n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + used, size - used, "%s%s", i ? ", " : "", keys[i]);
        if (w > 0 && (size_t)w < size - used)
            used += (size_t)w;
    }
    return out;
}

/* "unknown key 'synonym' in WHERE; known keys: a, b, c (did you mean 'synonyms'?)" */
static int unknown_key(struct ctx *c, const char *key, const char *where, const char *const *keys,
                       size_t n)
{
    char known[PHRASE_MAX], s[SHOWN_MAX], maybe[SUGGESTION_MAX] = "";
    size_t best = 3;
    join_keys(keys, n, known, sizeof known);
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(keys[i], key);
        if (d < best) {
            best = d;
            snprintf(maybe, sizeof maybe, " (did you mean '%s'?)", keys[i]);
        }
    }
    return fail(c, SQ_E_PARSE, "unknown key '%s' in %s; known keys: %s%s", show(s, sizeof s, key),
                where, known, maybe);
}

/* ---- the sections ---- */

/* 1 day-first, 0 month-first, -1 not one of the accepted spellings. */
static int parse_dates_word(const char *v)
{
    static const char *const day[] = {"day_first", "day-first", "dayfirst", "dmy"};
    static const char *const month[] = {"month_first", "month-first", "monthfirst", "mdy"};
    for (size_t i = 0; i < NKEYS(day); i++) {
        if (strcasecmp(v, day[i]) == 0)
            return 1;
        if (strcasecmp(v, month[i]) == 0)
            return 0;
    }
    return -1;
}

/* Reads a dates value into *out (-1 when the value is null). */
static int read_dates(struct ctx *c, const char *where, int *out)
{
    char what[PHRASE_MAX], *v = NULL;
    snprintf(what, sizeof what, "%s must be %s", where, dates_expected);
    int rc = read_string(c, what, 1, &v);
    if (rc || !v)
        return rc;
    int d = parse_dates_word(v);
    if (d < 0) {
        char s[SHOWN_MAX];
        rc = fail(c, SQ_E_PARSE, "%s, found '%s'", what, show(s, sizeof s, v));
    }
    *out = d;
    free(v);
    return rc;
}

/* Reads one `pattern: {encoding: ..., dates: ...}` value into f (a null value leaves f
 * saying nothing). */
static int parse_file_entry(struct ctx *c, struct pb_file *f)
{
    char where[PLACE_MAX], s[SHOWN_MAX];
    snprintf(where, sizeof where, "the settings of file '%s'", show(s, sizeof s, f->pattern));
    /* `encoding:` at the level of the file names is the likely mistake: say so. */
    char what[PHRASE_MAX];
    int misplaced = find_key(file_keys, NKEYS(file_keys), f->pattern) >= 0;
    snprintf(what, sizeof what, "%s must be a mapping with encoding: and dates:%s", where,
             misplaced ? " (is it indented under its file name?)" : "");
    int present, rc = read_mapping_start(c, what, &present);
    if (rc || !present)
        return rc;
    struct keyset seen = {0};
    char *key = NULL;
    for (;;) {
        if ((rc = next(c)) != 0)
            goto out;
        if (c->ev.type == YAML_MAPPING_END_EVENT)
            break;
        if ((rc = read_key(c, &seen, where, &key)) != 0)
            goto out;
        switch (find_key(file_keys, NKEYS(file_keys), key)) {
        case FK_ENCODING: {
            char w[PHRASE_MAX];
            snprintf(w, sizeof w, "encoding of file '%s' must be a name such as cp1252",
                     show(s, sizeof s, f->pattern));
            free(f->encoding);
            rc = read_string(c, w, 1, &f->encoding);
            break;
        }
        case FK_DATES: {
            char w[PLACE_MAX];
            snprintf(w, sizeof w, "dates of file '%s'", show(s, sizeof s, f->pattern));
            rc = read_dates(c, w, &f->day_first);
            break;
        }
        default:
            rc = unknown_key(c, key, where, file_keys, NKEYS(file_keys));
        }
        free(key);
        key = NULL;
        if (rc)
            goto out;
    }
out:
    free(key);
    keyset_fini(&seen);
    return rc;
}

static int parse_files(struct ctx *c)
{
    int present, rc = read_mapping_start(
                     c, "files must be a mapping of file name or pattern: settings", &present);
    if (rc || !present)
        return rc;
    struct keyset seen = {0};
    struct playbook *pb = c->pb;
    for (;;) {
        if ((rc = next(c)) != 0 || c->ev.type == YAML_MAPPING_END_EVENT)
            break;
        char *pattern = NULL;
        if ((rc = read_key(c, &seen, "files", &pattern)) != 0 || (rc = count_entry(c)) != 0) {
            free(pattern);
            break;
        }
        grow((void **)&pb->files, &pb->cap_files, pb->n_files, sizeof *pb->files);
        struct pb_file *f = &pb->files[pb->n_files++];
        f->pattern = pattern;
        f->encoding = NULL;
        f->day_first = -1;
        if ((rc = parse_file_entry(c, f)) != 0)
            break;
    }
    keyset_fini(&seen);
    return rc;
}

/* A section that maps names to texts (glossary, metrics). */
static int parse_pairs(struct ctx *c, const char *section, const char *value_kind,
                       struct pb_pairs *ps)
{
    char what[PHRASE_MAX], s[SHOWN_MAX];
    snprintf(what, sizeof what, "%s must be a mapping of name: %s", section, value_kind);
    int present, rc = read_mapping_start(c, what, &present);
    if (rc || !present)
        return rc;
    struct keyset seen = {0};
    char *key = NULL, *value = NULL;
    for (;;) {
        if ((rc = next(c)) != 0 || c->ev.type == YAML_MAPPING_END_EVENT)
            break;
        if ((rc = read_key(c, &seen, section, &key)) != 0 || (rc = count_entry(c)) != 0)
            break;
        snprintf(what, sizeof what, "%s entry '%s' must be %s", section, show(s, sizeof s, key),
                 value_kind);
        if ((rc = read_string(c, what, 0, &value)) != 0)
            break;
        grow((void **)&ps->v, &ps->cap, ps->n, sizeof *ps->v);
        ps->v[ps->n].key = key;
        ps->v[ps->n++].value = value;
        key = value = NULL;
    }
    free(key);
    keyset_fini(&seen);
    return rc;
}

/* Reads a value that is one text or a list of texts, calling add for each (taking it). */
static int read_names(struct ctx *c, const char *what, int allow_null,
                      void (*add)(struct playbook *pb, void *arg, char *s), void *arg)
{
    int rc = next(c);
    if (rc)
        return rc;
    char d[DESCRIBED_MAX], *s = NULL;
    if (c->ev.type == YAML_SCALAR_EVENT && !is_null(c)) {
        if ((rc = count_entry(c)) != 0 || (rc = take_scalar(c, &s)) != 0)
            return rc;
        add(c->pb, arg, s);
        return 0;
    }
    if (c->ev.type != YAML_SEQUENCE_START_EVENT) {
        if (allow_null && is_null(c))
            return 0;
        return fail(c, SQ_E_PARSE, "%s, found %s", what, describe(c, d, sizeof d));
    }
    for (;;) {
        if ((rc = next(c)) != 0 || c->ev.type == YAML_SEQUENCE_END_EVENT)
            return rc;
        if (c->ev.type != YAML_SCALAR_EVENT || is_null(c))
            return fail(c, SQ_E_PARSE, "%s; a list item is %s", what, describe(c, d, sizeof d));
        if ((rc = count_entry(c)) != 0 || (rc = take_scalar(c, &s)) != 0)
            return rc;
        add(c->pb, arg, s);
    }
}

static void add_synonym(struct playbook *pb, void *arg, char *name)
{
    struct pb_group *g = arg;
    grow((void **)&pb->synonyms.v, &pb->synonyms.cap, pb->synonyms.n, sizeof *pb->synonyms.v);
    pb->synonyms.v[pb->synonyms.n].key = name;
    pb->synonyms.v[pb->synonyms.n++].value = g->column;
    g->count++;
}

static void add_hidden(struct playbook *pb, void *arg, char *column)
{
    (void)arg;
    grow((void **)&pb->hidden, &pb->cap_hidden, pb->n_hidden, sizeof *pb->hidden);
    pb->hidden[pb->n_hidden++] = column;
}

static int parse_synonyms(struct ctx *c)
{
    int present,
        rc = read_mapping_start(c, "synonyms must be a mapping of column: [other names]", &present);
    if (rc || !present)
        return rc;
    struct keyset seen = {0};
    struct playbook *pb = c->pb;
    for (;;) {
        if ((rc = next(c)) != 0 || c->ev.type == YAML_MAPPING_END_EVENT)
            break;
        char *column = NULL, what[PHRASE_MAX], s[SHOWN_MAX];
        if ((rc = read_key(c, &seen, "synonyms", &column)) != 0 || (rc = count_entry(c)) != 0) {
            free(column);
            break;
        }
        grow((void **)&pb->groups, &pb->cap_groups, pb->n_groups, sizeof *pb->groups);
        struct pb_group *g = &pb->groups[pb->n_groups++];
        g->column = column;
        g->first = pb->synonyms.n;
        g->count = 0;
        snprintf(what, sizeof what, "synonyms of '%s' must be a name or a list of names",
                 show(s, sizeof s, column));
        if ((rc = read_names(c, what, 0, add_synonym, g)) != 0)
            break;
    }
    keyset_fini(&seen);
    return rc;
}

/* 1 when key names a secret (api_key, key, token, password ...), compared without case,
 * '_' or '-'. Checked after the known keys, so token_budget is not one. */
static int is_secret_key(const char *key)
{
    static const char *const secrets[] = {"key",          "apikey", "openaiapikey", "openaikey",
                                          "secretkey",    "token",  "apitoken",     "accesstoken",
                                          "bearer",       "secret", "password",     "auth",
                                          "authorization"};
    char k[KEY_MAX];
    size_t n = 0;
    for (const char *p = key; *p && n < sizeof k - 1; p++)
        if (*p != '_' && *p != '-')
            k[n++] = (char)tolower((unsigned char)*p);
    k[n] = '\0';
    for (size_t i = 0; i < NKEYS(secrets); i++)
        if (strcmp(k, secrets[i]) == 0)
            return 1;
    return 0;
}

/* The llm: section: settings kept as text with where they were written; llm/ checks the
 * values when it builds the model's configuration. A secret is refused without reading
 * its value, so no message can repeat it. */
static int parse_llm(struct ctx *c)
{
    int present, rc = read_mapping_start(c, "llm must be a mapping of setting: value", &present);
    if (rc || !present)
        return rc;
    struct keyset seen = {0};
    struct playbook *pb = c->pb;
    char *key = NULL, *value = NULL, s[SHOWN_MAX];
    for (;;) {
        if ((rc = next(c)) != 0 || c->ev.type == YAML_MAPPING_END_EVENT)
            break;
        if ((rc = read_key(c, &seen, "llm", &key)) != 0)
            break;
        if (find_key(llm_keys, NKEYS(llm_keys), key) < 0) {
            if (is_secret_key(key))
                rc = fail(c, SQ_E_PARSE,
                          "llm: '%s' is not read from the playbook: the data folder may be "
                          "shared or committed, and a key in it would travel with it; set "
                          "OPENAI_API_KEY in the environment instead",
                          show(s, sizeof s, key));
            else
                rc = unknown_key(c, key, "llm", llm_keys, NKEYS(llm_keys));
            break;
        }
        char what[PHRASE_MAX];
        snprintf(what, sizeof what, "llm %s must be one value", key);
        if ((rc = read_string(c, what, 1, &value)) != 0 || (rc = count_entry(c)) != 0)
            break;
        if (!value) { /* ~ or nothing: not said */
            free(key);
            key = NULL;
            continue;
        }
        grow((void **)&pb->llm, &pb->cap_llm, pb->n_llm, sizeof *pb->llm);
        pb->llm[pb->n_llm++] = (struct playbook_setting){key, value, c->ev.start_mark.line + 1,
                                                         c->ev.start_mark.column + 1};
        key = value = NULL;
    }
    free(key);
    free(value);
    keyset_fini(&seen);
    return rc;
}

static int parse_top(struct ctx *c)
{
    struct keyset seen = {0};
    char *key = NULL;
    int rc;
    for (;;) {
        if ((rc = next(c)) != 0 || c->ev.type == YAML_MAPPING_END_EVENT)
            break;
        if ((rc = read_key(c, &seen, "the playbook", &key)) != 0)
            break;
        struct playbook *pb = c->pb;
        switch (find_key(top_keys, NKEYS(top_keys), key)) {
        case K_FILES:
            rc = parse_files(c);
            break;
        case K_DATES:
            rc = read_dates(c, "dates", &pb->day_first);
            break;
        case K_DEFAULT_DATE:
            rc = read_string(c, "default_date must be a column name", 1, &pb->default_date);
            break;
        case K_GLOSSARY:
            rc = parse_pairs(c, "glossary", "the column or value it means", &pb->glossary);
            break;
        case K_SYNONYMS:
            rc = parse_synonyms(c);
            break;
        case K_METRICS:
            rc = parse_pairs(c, "metrics", "a SQL expression", &pb->metrics);
            break;
        case K_HIDDEN:
            rc = read_names(c, "hidden must be a column name or a list of column names", 1,
                            add_hidden, NULL);
            break;
        case K_LLM:
            rc = parse_llm(c);
            break;
        default:
            rc = unknown_key(c, key, "the playbook", top_keys, NKEYS(top_keys));
        }
        free(key);
        key = NULL;
        if (rc)
            break;
    }
    free(key);
    keyset_fini(&seen);
    return rc;
}

/* The stream: nothing (empty file, comments only), or one document whose root is a
 * mapping or null. */
static int parse_stream(struct ctx *c)
{
    int rc;
    char d[DESCRIBED_MAX];
    if ((rc = next(c)) != 0 || (rc = next(c)) != 0) /* STREAM-START, then the first */
        return rc;
    if (c->ev.type == YAML_STREAM_END_EVENT)
        return 0;
    if ((rc = next(c)) != 0) /* the root, after DOCUMENT-START */
        return rc;
    char known[PHRASE_MAX];
    if (c->ev.type == YAML_MAPPING_START_EVENT)
        rc = parse_top(c);
    else if (!is_null(c))
        rc = fail(c, SQ_E_PARSE, "the top level must be a mapping of keys (%s), found %s",
                  join_keys(top_keys, NKEYS(top_keys), known, sizeof known),
                  describe(c, d, sizeof d));
    if (rc || (rc = next(c)) != 0 || (rc = next(c)) != 0) /* DOCUMENT-END, then the next */
        return rc;
    if (c->ev.type != YAML_STREAM_END_EVENT)
        return fail(c, SQ_E_PARSE, "only one YAML document is allowed (remove the second ---)");
    return 0;
}

static int parse_named(const char *name, const char *text, size_t len, struct playbook **out,
                       struct sq_error *err)
{
    *out = NULL;
    if (len > PLAYBOOK_MAX_BYTES)
        return sq_error_set(err, SQ_E_TOO_BIG, -1, "%s is larger than %d bytes", name,
                            PLAYBOOK_MAX_BYTES);
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.text = text ? text : "";
    c.len = text ? len : 0;
    c.err = err;
    c.pb = playbook_new();
    c.pb->name = xstrdup(name);
    if (!yaml_parser_initialize(&c.parser)) {
        playbook_free(c.pb);
        return sq_error_set(err, SQ_E_INTERNAL, -1, "%s: cannot start the YAML parser", name);
    }
    yaml_parser_set_input_string(&c.parser, (const unsigned char *)c.text, c.len);
    int rc = parse_stream(&c);
    if (c.have_ev)
        yaml_event_delete(&c.ev);
    yaml_parser_delete(&c.parser);
    if (rc) {
        playbook_free(c.pb);
        return rc;
    }
    *out = c.pb;
    return 0;
}

int playbook_parse(const char *text, size_t len, struct playbook **out, struct sq_error *err)
{
    return parse_named("playbook.yaml", text, len, out, err);
}

int playbook_load(const char *path, struct playbook **out, struct sq_error *err)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        *out = playbook_new();
        (*out)->name = xstrdup(path);
        return 0;
    }
    struct sq_buf b;
    sq_buf_init(&b, PLAYBOOK_MAX_BYTES);
    int rc = sq_read_file(path, &b, err);
    if (!rc)
        rc = parse_named(path, b.data, b.len, out, err);
    sq_buf_fini(&b);
    return rc;
}

/* ---- lookups ---- */

static int file_matches(const char *pattern, const char *rel_path)
{
    return strcmp(pattern, rel_path) == 0 || fnmatch(pattern, rel_path, 0) == 0;
}

const char *playbook_file_encoding(const struct playbook *pb, const char *rel_path)
{
    if (!pb || !rel_path)
        return NULL;
    for (size_t i = 0; i < pb->n_files; i++)
        if (pb->files[i].encoding && file_matches(pb->files[i].pattern, rel_path))
            return pb->files[i].encoding;
    return NULL;
}

int playbook_file_day_first(const struct playbook *pb, const char *rel_path)
{
    if (!pb)
        return -1;
    for (size_t i = 0; rel_path && i < pb->n_files; i++)
        if (pb->files[i].day_first >= 0 && file_matches(pb->files[i].pattern, rel_path))
            return pb->files[i].day_first;
    return pb->day_first;
}

const char *playbook_default_date(const struct playbook *pb)
{
    return pb ? pb->default_date : NULL;
}

static const struct playbook_pair *pairs_get(const struct pb_pairs *ps, size_t *n)
{
    if (n)
        *n = ps ? ps->n : 0;
    return ps && ps->n ? ps->v : NULL;
}

const struct playbook_pair *playbook_synonyms(const struct playbook *pb, size_t *n)
{
    return pairs_get(pb ? &pb->synonyms : NULL, n);
}

const struct playbook_pair *playbook_glossary(const struct playbook *pb, size_t *n)
{
    return pairs_get(pb ? &pb->glossary : NULL, n);
}

const struct playbook_pair *playbook_metrics(const struct playbook *pb, size_t *n)
{
    return pairs_get(pb ? &pb->metrics : NULL, n);
}

const char *const *playbook_hidden(const struct playbook *pb, size_t *n)
{
    if (n)
        *n = pb ? pb->n_hidden : 0;
    return pb && pb->n_hidden ? (const char *const *)pb->hidden : NULL;
}

const struct playbook_setting *playbook_llm(const struct playbook *pb, size_t *n)
{
    if (n)
        *n = pb ? pb->n_llm : 0;
    return pb && pb->n_llm ? pb->llm : NULL;
}

const char *playbook_name(const struct playbook *pb)
{
    return pb && pb->name ? pb->name : "playbook.yaml";
}

/* ---- JSON ---- */

static void write_dates(struct sq_jw *w, int day_first)
{
    if (day_first < 0)
        sq_jw_null(w);
    else
        sq_jw_str(w, day_first ? "day_first" : "month_first");
}

static void write_pairs(struct sq_jw *w, const char *key, const struct pb_pairs *ps)
{
    sq_jw_key(w, key);
    sq_jw_obj_begin(w);
    for (size_t i = 0; ps && i < ps->n; i++) {
        sq_jw_key(w, ps->v[i].key);
        sq_jw_str(w, ps->v[i].value);
    }
    sq_jw_obj_end(w);
}

void playbook_write_json(const struct playbook *pb, struct sq_jw *w)
{
    sq_jw_obj_begin(w);
    sq_jw_key(w, "files");
    sq_jw_obj_begin(w);
    for (size_t i = 0; pb && i < pb->n_files; i++) {
        sq_jw_key(w, pb->files[i].pattern);
        sq_jw_obj_begin(w);
        sq_jw_key(w, "encoding");
        sq_jw_str(w, pb->files[i].encoding);
        sq_jw_key(w, "dates");
        write_dates(w, pb->files[i].day_first);
        sq_jw_obj_end(w);
    }
    sq_jw_obj_end(w);
    sq_jw_key(w, "dates");
    write_dates(w, pb ? pb->day_first : -1);
    sq_jw_key(w, "default_date");
    sq_jw_str(w, pb ? pb->default_date : NULL);
    write_pairs(w, "glossary", pb ? &pb->glossary : NULL);
    sq_jw_key(w, "synonyms");
    sq_jw_obj_begin(w);
    for (size_t i = 0; pb && i < pb->n_groups; i++) {
        const struct pb_group *g = &pb->groups[i];
        sq_jw_key(w, g->column);
        sq_jw_arr_begin(w);
        for (size_t j = 0; j < g->count; j++)
            sq_jw_str(w, pb->synonyms.v[g->first + j].key);
        sq_jw_arr_end(w);
    }
    sq_jw_obj_end(w);
    write_pairs(w, "metrics", pb ? &pb->metrics : NULL);
    sq_jw_key(w, "hidden");
    sq_jw_arr_begin(w);
    for (size_t i = 0; pb && i < pb->n_hidden; i++)
        sq_jw_str(w, pb->hidden[i]);
    sq_jw_arr_end(w);
    sq_jw_obj_end(w);
}
