/*
 * JSON writer (see base/json.h): used for the answer object, `--format json` output,
 * the HTTP API and the schema dump.
 */
#include "base/json.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/limits.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sq_jw_init(struct sq_jw *w, struct sq_buf *b, int pretty)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    w->pretty = pretty;
}

static void put(struct sq_jw *w, const char *s, size_t n)
{
    if (!w->err && sq_buf_append(w->b, s, n) != 0)
        w->err = SQ_E_TOO_BIG;
}

static void newline(struct sq_jw *w)
{
    if (!w->pretty)
        return;
    put(w, "\n", 1);
    for (int i = 0; i < w->depth; i++)
        put(w, "  ", 2);
}

/* Called before every value and key: writes the comma and indentation it needs. */
static void before_value(struct sq_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->need_comma[w->depth - 1])
            put(w, ",", 1);
        w->need_comma[w->depth - 1] = 1;
        newline(w);
    }
}

static void open_(struct sq_jw *w, char c)
{
    before_value(w);
    if (w->depth >= SQ_JW_MAX_DEPTH) {
        w->err = SQ_E_TOO_BIG;
        return;
    }
    put(w, &c, 1);
    w->need_comma[w->depth++] = 0;
}

static void close_(struct sq_jw *w, char c)
{
    if (w->depth <= 0) {
        w->err = SQ_E_INTERNAL;
        return;
    }
    int had = w->need_comma[--w->depth];
    if (had)
        newline(w);
    put(w, &c, 1);
}

void sq_jw_obj_begin(struct sq_jw *w)
{
    open_(w, '{');
}

void sq_jw_obj_end(struct sq_jw *w)
{
    close_(w, '}');
}

void sq_jw_arr_begin(struct sq_jw *w)
{
    open_(w, '[');
}

void sq_jw_arr_end(struct sq_jw *w)
{
    close_(w, ']');
}

void sq_jw_key(struct sq_jw *w, const char *key)
{
    before_value(w);
    if (!w->err && sq_json_put_string(w->b, key, strlen(key)) != 0)
        w->err = SQ_E_TOO_BIG;
    put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
    w->after_key = 1;
}

void sq_jw_strn(struct sq_jw *w, const char *s, size_t n)
{
    before_value(w);
    if (!w->err && sq_json_put_string(w->b, s, n) != 0)
        w->err = SQ_E_TOO_BIG;
}

void sq_jw_str(struct sq_jw *w, const char *s)
{
    if (!s) {
        sq_jw_null(w);
        return;
    }
    sq_jw_strn(w, s, strlen(s));
}

void sq_jw_key_str(struct sq_jw *w, const char *key, const char *s)
{
    sq_jw_key(w, key);
    sq_jw_str(w, s);
}

void sq_jw_num_text(struct sq_jw *w, const char *s)
{
    if (!sq_json_is_number(s)) {
        sq_jw_str(w, s);
        return;
    }
    before_value(w);
    put(w, s, strlen(s));
}

void sq_jw_int(struct sq_jw *w, int64_t v)
{
    char tmp[SQ_NUM_TEXT_MAX];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    before_value(w);
    put(w, tmp, (size_t)n);
}

void sq_format_double(char *out, size_t size, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

void sq_jw_double(struct sq_jw *w, double v)
{
    if (!isfinite(v)) {
        sq_jw_null(w);
        return;
    }
    char tmp[SQ_NUM_TEXT_MAX];
    sq_format_double(tmp, sizeof tmp, v);
    before_value(w);
    put(w, tmp, strlen(tmp));
}

void sq_jw_bool(struct sq_jw *w, int v)
{
    before_value(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void sq_jw_null(struct sq_jw *w)
{
    before_value(w);
    put(w, "null", 4);
}

void sq_jw_raw(struct sq_jw *w, const char *json)
{
    before_value(w);
    put(w, json, strlen(json));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    unsigned cp = c & (0xFFu >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int sq_json_put_string(struct sq_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = sq_buf_putc(b, '"');
    size_t i = 0;
    while (!rc && i < n) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rc = sq_buf_append(b, esc, 2);
            i++;
        } else if (c < 0x20) {
            char esc[sizeof "\\u001f"]; /* the longest escape of a control character */
            const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (named)
                rc = sq_buf_puts(b, named);
            else {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                rc = sq_buf_puts(b, esc);
            }
            i++;
        } else if (c < 0x80) {
            size_t j = i;
            while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\')
                j++;
            rc = sq_buf_append(b, s + i, j - i);
            i = j;
        } else {
            size_t len = utf8_len(p + i, n - i);
            if (len == 0) {
                rc = sq_buf_puts(b, "\xEF\xBF\xBD");
                i++;
            } else {
                rc = sq_buf_append(b, s + i, len);
                i += len;
            }
        }
    }
    return rc ? rc : sq_buf_putc(b, '"');
}

int sq_json_is_number(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (isdigit((unsigned char)*p))
            p++;
    else
        return 0;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}
