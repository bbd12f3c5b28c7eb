/*
 * Renders DuckDB values from data-chunk vectors as text, for store.c's result tables.
 * Covers every type a SELECT can return; nested types (LIST, ARRAY, STRUCT, MAP, UNION)
 * are rendered recursively as JSON-like text.
 */
#include "store/render.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/* The digits of a 128-bit integer, least significant first: 2^127 has 39 of them, and a
 * DECIMAL pads to its scale (at most 38) plus the one before the point. */
enum { INT128_DIGITS_MAX = 64 };

static int is_valid(duckdb_vector v, idx_t row)
{
    uint64_t *validity = duckdb_vector_get_validity(v);
    return !validity || duckdb_validity_row_is_valid(validity, row);
}

/* Writes a signed 128-bit integer in decimal, with a decimal point scale digits from the
 * right when scale > 0. */
static void put_int128(struct sq_buf *out, uint64_t lower, int64_t upper, int scale)
{
    i128 v = (i128)(((u128)(uint64_t)upper << 64) | lower);
    int neg = v < 0;
    u128 u = neg ? -(u128)v : (u128)v;
    char digits[INT128_DIGITS_MAX];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n <= scale)
        digits[n++] = '0';
    if (neg)
        sq_buf_putc(out, '-');
    for (int i = n - 1; i >= 0; i--) {
        sq_buf_putc(out, digits[i]);
        if (i == scale && scale > 0)
            sq_buf_putc(out, '.');
    }
}

static void put_unsigned128(struct sq_buf *out, uint64_t lower, uint64_t upper)
{
    u128 u = ((u128)upper << 64) | lower;
    char digits[INT128_DIGITS_MAX];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n > 0)
        sq_buf_putc(out, digits[--n]);
}

static void put_date(struct sq_buf *out, int32_t days)
{
    duckdb_date d = {days};
    duckdb_date_struct ds = duckdb_from_date(d);
    if (ds.year < 0 || ds.year > 9999)
        sq_buf_printf(out, "%d-%02d-%02d", (int)ds.year, ds.month, ds.day);
    else
        sq_buf_printf(out, "%04d-%02d-%02d", (int)ds.year, ds.month, ds.day);
}

static void put_time_parts(struct sq_buf *out, int h, int m, int s, int32_t micros)
{
    sq_buf_printf(out, "%02d:%02d:%02d", h, m, s);
    if (micros)
        sq_buf_printf(out, ".%06d", (int)micros);
}

static void put_timestamp_micros(struct sq_buf *out, int64_t micros)
{
    duckdb_timestamp ts = {micros};
    if (!duckdb_is_finite_timestamp(ts)) {
        sq_buf_puts(out, micros > 0 ? "infinity" : "-infinity");
        return;
    }
    duckdb_timestamp_struct t = duckdb_from_timestamp(ts);
    sq_buf_printf(out, "%04d-%02d-%02dT", (int)t.date.year, t.date.month, t.date.day);
    put_time_parts(out, t.time.hour, t.time.min, t.time.sec, t.time.micros);
}

static void put_string(struct sq_buf *out, duckdb_string_t *s, int blob)
{
    const char *p = duckdb_string_t_data(s);
    uint32_t n = duckdb_string_t_length(*s);
    if (!blob) {
        sq_buf_append(out, p, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7F && c != '\\')
            sq_buf_putc(out, (char)c);
        else
            sq_buf_printf(out, "\\x%02X", c);
    }
}

static int nested(duckdb_type id)
{
    return id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_ARRAY || id == DUCKDB_TYPE_STRUCT ||
           id == DUCKDB_TYPE_MAP || id == DUCKDB_TYPE_UNION;
}

/* Inside nested values, strings are quoted so lists of text read unambiguously. */
static void render_inner(duckdb_vector v, duckdb_logical_type t, idx_t row, struct sq_buf *out)
{
    if (!is_valid(v, row)) {
        sq_buf_puts(out, "null");
        return;
    }
    struct sq_buf tmp;
    sq_buf_init(&tmp, out->max);
    enum sq_cell_kind kind = store__render(v, t, row, &tmp);
    if (kind == SQ_CELL_TEXT && !nested(duckdb_get_type_id(t)))
        sq_json_put_string(out, tmp.data ? tmp.data : "", tmp.len);
    else
        sq_buf_append(out, tmp.data ? tmp.data : "", tmp.len);
    sq_buf_fini(&tmp);
}

static void render_list(duckdb_vector child, duckdb_logical_type ct, idx_t offset, idx_t len,
                        struct sq_buf *out)
{
    sq_buf_putc(out, '[');
    for (idx_t i = 0; i < len; i++) {
        if (i)
            sq_buf_puts(out, ", ");
        render_inner(child, ct, offset + i, out);
    }
    sq_buf_putc(out, ']');
}

static void render_struct(duckdb_vector v, duckdb_logical_type t, idx_t row, struct sq_buf *out)
{
    idx_t n = duckdb_struct_type_child_count(t);
    sq_buf_putc(out, '{');
    for (idx_t i = 0; i < n; i++) {
        char *name = duckdb_struct_type_child_name(t, i);
        duckdb_logical_type ct = duckdb_struct_type_child_type(t, i);
        if (i)
            sq_buf_puts(out, ", ");
        sq_json_put_string(out, name, strlen(name));
        sq_buf_puts(out, ": ");
        render_inner(duckdb_struct_vector_get_child(v, i), ct, row, out);
        duckdb_destroy_logical_type(&ct);
        duckdb_free(name);
    }
    sq_buf_putc(out, '}');
}

enum sq_cell_kind store__render(duckdb_vector v, duckdb_logical_type t, idx_t row,
                                struct sq_buf *out)
{
    if (!is_valid(v, row))
        return SQ_CELL_NULL;
    void *data = duckdb_vector_get_data(v);
    duckdb_type id = duckdb_get_type_id(t);
    char tmp[SQ_NUM_TEXT_MAX];
    switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
        sq_buf_puts(out, ((bool *)data)[row] ? "true" : "false");
        return SQ_CELL_BOOL;
    case DUCKDB_TYPE_TINYINT:
        sq_buf_printf(out, "%d", ((int8_t *)data)[row]);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_SMALLINT:
        sq_buf_printf(out, "%d", ((int16_t *)data)[row]);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_INTEGER:
        sq_buf_printf(out, "%" PRId32, ((int32_t *)data)[row]);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_BIGINT:
        sq_buf_printf(out, "%" PRId64, ((int64_t *)data)[row]);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_UTINYINT:
        sq_buf_printf(out, "%u", ((uint8_t *)data)[row]);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_USMALLINT:
        sq_buf_printf(out, "%u", ((uint16_t *)data)[row]);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_UINTEGER:
        sq_buf_printf(out, "%" PRIu32, ((uint32_t *)data)[row]);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_UBIGINT:
        sq_buf_printf(out, "%" PRIu64, ((uint64_t *)data)[row]);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_HUGEINT: {
        duckdb_hugeint h = ((duckdb_hugeint *)data)[row];
        put_int128(out, h.lower, h.upper, 0);
        return SQ_CELL_NUMBER;
    }
    case DUCKDB_TYPE_UHUGEINT: {
        duckdb_uhugeint h = ((duckdb_uhugeint *)data)[row];
        put_unsigned128(out, h.lower, h.upper);
        return SQ_CELL_NUMBER;
    }
    case DUCKDB_TYPE_FLOAT:
        snprintf(tmp, sizeof tmp, "%.9g", (double)((float *)data)[row]);
        sq_buf_puts(out, tmp);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_DOUBLE:
        sq_format_double(tmp, sizeof tmp, ((double *)data)[row]);
        sq_buf_puts(out, tmp);
        return SQ_CELL_NUMBER;
    case DUCKDB_TYPE_DECIMAL: {
        int scale = duckdb_decimal_scale(t);
        switch (duckdb_decimal_internal_type(t)) {
        case DUCKDB_TYPE_SMALLINT: {
            int64_t x = ((int16_t *)data)[row];
            put_int128(out, (uint64_t)x, x < 0 ? -1 : 0, scale);
            break;
        }
        case DUCKDB_TYPE_INTEGER: {
            int64_t x = ((int32_t *)data)[row];
            put_int128(out, (uint64_t)x, x < 0 ? -1 : 0, scale);
            break;
        }
        case DUCKDB_TYPE_BIGINT: {
            int64_t x = ((int64_t *)data)[row];
            put_int128(out, (uint64_t)x, x < 0 ? -1 : 0, scale);
            break;
        }
        default: {
            duckdb_hugeint h = ((duckdb_hugeint *)data)[row];
            put_int128(out, h.lower, h.upper, scale);
            break;
        }
        }
        return SQ_CELL_NUMBER;
    }
    case DUCKDB_TYPE_DATE: {
        duckdb_date d = ((duckdb_date *)data)[row];
        if (!duckdb_is_finite_date(d))
            sq_buf_puts(out, d.days > 0 ? "infinity" : "-infinity");
        else
            put_date(out, d.days);
        return SQ_CELL_TEXT;
    }
    case DUCKDB_TYPE_TIMESTAMP:
        put_timestamp_micros(out, ((int64_t *)data)[row]);
        return SQ_CELL_TEXT;
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        put_timestamp_micros(out, ((int64_t *)data)[row]);
        sq_buf_putc(out, 'Z');
        return SQ_CELL_TEXT;
    case DUCKDB_TYPE_TIMESTAMP_S:
        put_timestamp_micros(out, ((int64_t *)data)[row] * 1000000);
        return SQ_CELL_TEXT;
    case DUCKDB_TYPE_TIMESTAMP_MS:
        put_timestamp_micros(out, ((int64_t *)data)[row] * 1000);
        return SQ_CELL_TEXT;
    case DUCKDB_TYPE_TIMESTAMP_NS:
        put_timestamp_micros(out, ((int64_t *)data)[row] / 1000);
        return SQ_CELL_TEXT;
    case DUCKDB_TYPE_TIME: {
        duckdb_time_struct tm = duckdb_from_time(((duckdb_time *)data)[row]);
        put_time_parts(out, tm.hour, tm.min, tm.sec, tm.micros);
        return SQ_CELL_TEXT;
    }
    case DUCKDB_TYPE_TIME_TZ: {
        duckdb_time_tz_struct tz = duckdb_from_time_tz(((duckdb_time_tz *)data)[row]);
        put_time_parts(out, tz.time.hour, tz.time.min, tz.time.sec, tz.time.micros);
        int off = tz.offset;
        sq_buf_printf(out, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60);
        return SQ_CELL_TEXT;
    }
    case DUCKDB_TYPE_INTERVAL: {
        duckdb_interval iv = ((duckdb_interval *)data)[row];
        int64_t us = iv.micros;
        sq_buf_printf(out, "%d months %d days %02" PRId64 ":%02d:%02d", iv.months, iv.days,
                      (int64_t)(us / 3600000000LL), (int)(llabs(us) / 60000000LL % 60),
                      (int)(llabs(us) / 1000000LL % 60));
        return SQ_CELL_TEXT;
    }
    case DUCKDB_TYPE_VARCHAR:
        put_string(out, &((duckdb_string_t *)data)[row], 0);
        return SQ_CELL_TEXT;
    case DUCKDB_TYPE_BLOB:
        put_string(out, &((duckdb_string_t *)data)[row], 1);
        return SQ_CELL_TEXT;
    case DUCKDB_TYPE_UUID: {
        duckdb_hugeint h = ((duckdb_hugeint *)data)[row];
        uint64_t hi = (uint64_t)h.upper ^ (1ULL << 63);
        uint64_t lo = h.lower;
        sq_buf_printf(out, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
                      hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                      (uint64_t)(lo & 0xFFFFFFFFFFFFULL));
        return SQ_CELL_TEXT;
    }
    case DUCKDB_TYPE_ENUM: {
        idx_t index;
        switch (duckdb_enum_internal_type(t)) {
        case DUCKDB_TYPE_UTINYINT:
            index = ((uint8_t *)data)[row];
            break;
        case DUCKDB_TYPE_USMALLINT:
            index = ((uint16_t *)data)[row];
            break;
        default:
            index = ((uint32_t *)data)[row];
            break;
        }
        char *s = duckdb_enum_dictionary_value(t, index);
        sq_buf_puts(out, s ? s : "");
        duckdb_free(s);
        return SQ_CELL_TEXT;
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_MAP: {
        duckdb_list_entry e = ((duckdb_list_entry *)data)[row];
        duckdb_logical_type ct = id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(t) : NULL;
        duckdb_vector child = duckdb_list_vector_get_child(v);
        if (id == DUCKDB_TYPE_MAP) {
            /* A MAP is a list of {key, value} structs. */
            duckdb_logical_type kt = duckdb_map_type_key_type(t);
            duckdb_logical_type vt = duckdb_map_type_value_type(t);
            sq_buf_putc(out, '{');
            for (idx_t i = 0; i < e.length; i++) {
                if (i)
                    sq_buf_puts(out, ", ");
                render_inner(duckdb_struct_vector_get_child(child, 0), kt, e.offset + i, out);
                sq_buf_puts(out, ": ");
                render_inner(duckdb_struct_vector_get_child(child, 1), vt, e.offset + i, out);
            }
            sq_buf_putc(out, '}');
            duckdb_destroy_logical_type(&kt);
            duckdb_destroy_logical_type(&vt);
        } else {
            render_list(child, ct, e.offset, e.length, out);
            duckdb_destroy_logical_type(&ct);
        }
        return SQ_CELL_TEXT;
    }
    case DUCKDB_TYPE_ARRAY: {
        duckdb_logical_type ct = duckdb_array_type_child_type(t);
        idx_t size = duckdb_array_type_array_size(t);
        render_list(duckdb_array_vector_get_child(v), ct, row * size, size, out);
        duckdb_destroy_logical_type(&ct);
        return SQ_CELL_TEXT;
    }
    case DUCKDB_TYPE_STRUCT:
        render_struct(v, t, row, out);
        return SQ_CELL_TEXT;
    case DUCKDB_TYPE_UNION: {
        /* A UNION is a struct whose first child is the tag. */
        uint8_t tag =
            ((uint8_t *)duckdb_vector_get_data(duckdb_struct_vector_get_child(v, 0)))[row];
        duckdb_logical_type mt = duckdb_union_type_member_type(t, tag);
        render_inner(duckdb_struct_vector_get_child(v, (idx_t)tag + 1), mt, row, out);
        duckdb_destroy_logical_type(&mt);
        return SQ_CELL_TEXT;
    }
    default: {
        char *name = store__type_name(t);
        sq_buf_printf(out, "<%s value>", name);
        free(name);
        return SQ_CELL_TEXT;
    }
    }
}

static const char *base_name(duckdb_type id)
{
    switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
        return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT:
        return "TINYINT";
    case DUCKDB_TYPE_SMALLINT:
        return "SMALLINT";
    case DUCKDB_TYPE_INTEGER:
        return "INTEGER";
    case DUCKDB_TYPE_BIGINT:
        return "BIGINT";
    case DUCKDB_TYPE_UTINYINT:
        return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT:
        return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER:
        return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT:
        return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT:
        return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
        return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT:
        return "FLOAT";
    case DUCKDB_TYPE_DOUBLE:
        return "DOUBLE";
    case DUCKDB_TYPE_DATE:
        return "DATE";
    case DUCKDB_TYPE_TIME:
        return "TIME";
    case DUCKDB_TYPE_TIME_TZ:
        return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP:
        return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP_S:
        return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS:
        return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS:
        return "TIMESTAMP_NS";
    case DUCKDB_TYPE_INTERVAL:
        return "INTERVAL";
    case DUCKDB_TYPE_VARCHAR:
        return "VARCHAR";
    case DUCKDB_TYPE_BLOB:
        return "BLOB";
    case DUCKDB_TYPE_UUID:
        return "UUID";
    case DUCKDB_TYPE_ENUM:
        return "ENUM";
    case DUCKDB_TYPE_STRUCT:
        return "STRUCT";
    case DUCKDB_TYPE_MAP:
        return "MAP";
    case DUCKDB_TYPE_UNION:
        return "UNION";
    case DUCKDB_TYPE_BIT:
        return "BIT";
    case DUCKDB_TYPE_SQLNULL:
        return "NULL";
    default:
        return "UNKNOWN";
    }
}

char *store__type_name(duckdb_logical_type t)
{
    duckdb_type id = duckdb_get_type_id(t);
    if (id == DUCKDB_TYPE_DECIMAL)
        return xasprintf("DECIMAL(%u,%u)", duckdb_decimal_width(t), duckdb_decimal_scale(t));
    if (id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_ARRAY) {
        duckdb_logical_type ct = id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(t)
                                                        : duckdb_array_type_child_type(t);
        char *inner = store__type_name(ct);
        duckdb_destroy_logical_type(&ct);
        char *name =
            id == DUCKDB_TYPE_LIST
                ? xasprintf("%s[]", inner)
                : xasprintf("%s[%llu]", inner, (unsigned long long)duckdb_array_type_array_size(t));
        free(inner);
        return name;
    }
    return xstrdup(base_name(id));
}

int store__type_is_numeric(duckdb_logical_type t)
{
    switch (duckdb_get_type_id(t)) {
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
        return 1;
    default:
        return 0;
    }
}
