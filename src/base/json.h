/*
 * A streaming JSON writer into a bounded buffer. Commas and nesting are tracked for the
 * caller; numbers given as text are written as they are (DuckDB's shortest round-trip
 * form), so 81754.2 stays 81754.2. Strings are escaped; invalid UTF-8 becomes U+FFFD.
 *
 * Ownership: the writer borrows the buffer; errors (SQ_E_TOO_BIG, bad nesting) are sticky
 * in w->err and the output is then incomplete.
 */
#ifndef SQ_BASE_JSON_H
#define SQ_BASE_JSON_H

#include <stddef.h>
#include <stdint.h>

struct sq_buf;

enum { SQ_JW_MAX_DEPTH = 64 };

struct sq_jw {
    struct sq_buf *b;
    int depth;
    int err;
    int pretty;
    unsigned char need_comma[SQ_JW_MAX_DEPTH];
    unsigned char after_key;
};

void sq_jw_init(struct sq_jw *w, struct sq_buf *b, int pretty);
void sq_jw_obj_begin(struct sq_jw *w);
void sq_jw_obj_end(struct sq_jw *w);
void sq_jw_arr_begin(struct sq_jw *w);
void sq_jw_arr_end(struct sq_jw *w);
void sq_jw_key(struct sq_jw *w, const char *key);
void sq_jw_str(struct sq_jw *w, const char *s);
void sq_jw_strn(struct sq_jw *w, const char *s, size_t n);
/* A member: key, then s as a string, or null when s is NULL. */
void sq_jw_key_str(struct sq_jw *w, const char *key, const char *s);
/* Writes s if it is a valid JSON number, else writes it as a string. */
void sq_jw_num_text(struct sq_jw *w, const char *s);
void sq_jw_int(struct sq_jw *w, int64_t v);
/* Shortest text that reads back as the same double; NaN and infinities become null. */
void sq_jw_double(struct sq_jw *w, double v);
void sq_jw_bool(struct sq_jw *w, int v);
void sq_jw_null(struct sq_jw *w);
/* Appends already-serialized JSON as one value. */
void sq_jw_raw(struct sq_jw *w, const char *json);

/* Appends s as a JSON string literal (quotes included) to b. */
int sq_json_put_string(struct sq_buf *b, const char *s, size_t n);
/* 1 if s is a JSON number (RFC 8259 grammar), else 0. */
int sq_json_is_number(const char *s);
/* Writes a double in the shortest form that reads back exactly into out, which has room for
 * SQ_NUM_TEXT_MAX bytes (base/limits.h). */
void sq_format_double(char *out, size_t size, double v);

#endif
