/*
 * Unit tests for ingest/encoding: detection of the shared data sets and of synthetic text
 * in the code pages sales files come in, hints, transcoding (UTF-8 copies, BOMs, UTF-16,
 * gzip, invalid bytes with their offset and line). Files go to a mkdtemp folder in /tmp,
 * removed at the end. The shared data sets come from $SALESQL_SHARED (../../shared).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "ingest/encoding.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sq-enc-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return sq_rm_rf(tmpdir);
}

static char *shared_path(const char *rel)
{
    const char *root = getenv("SALESQL_SHARED");
    return sq_path_join(root && *root ? root : "../../shared", rel);
}

static char *tmp_path(const char *name)
{
    return sq_path_join(tmpdir, name);
}

static char *write_tmp(const char *name, const void *data, size_t len)
{
    char *path = tmp_path(name);
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(sq_write_file(path, data, len, &err), 0);
    return path;
}

/* The whole file in a buffer the caller finalizes. */
static void slurp(const char *path, struct sq_buf *b)
{
    struct sq_error err;
    sq_error_clear(&err);
    sq_buf_init(b, SQ_BUF_UNLIMITED);
    if (sq_read_file(path, b, &err) != 0)
        fail_msg("cannot read %s: %s", path, err.msg);
}

static size_t count_lines(const struct sq_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->data[i] == '\n';
    return n;
}

static void assert_contains(const struct sq_buf *b, const char *needle)
{
    if (!memmem(b->data, b->len, needle, strlen(needle)))
        fail_msg("the UTF-8 copy does not contain \"%s\"", needle);
}

/* Converts n bytes with iconv; returns a heap buffer (NUL-terminated) and its length, or
 * NULL when the text cannot be converted. */
static char *convert(const char *to, const char *from, const char *in, size_t n, size_t *out_n)
{
    iconv_t cd = iconv_open(to, from);
    assert_true(cd != (iconv_t)-1);
    size_t cap = 4 * n + 16, ol = cap;
    char *out = xmalloc(cap), *op = out, *ip = (char *)in;
    size_t il = n;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    if (r == (size_t)-1) {
        free(out);
        return NULL;
    }
    *out_n = cap - ol;
    out[*out_n] = '\0';
    return out;
}

/* Detects the file, checks the encoding (any of the names in `want`, '|'-separated),
 * transcodes it, and leaves the UTF-8 copy in b. */
static void detect_and_transcode(const char *src, const char *want, struct sq_buf *b)
{
    struct enc_result r;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(enc_detect_file(src, NULL, 0, &r, &err), 0);
    char names[128];
    snprintf(names, sizeof names, "|%s|", want);
    char me[40];
    snprintf(me, sizeof me, "|%s|", r.name);
    if (!strstr(names, me))
        fail_msg("%s: detected %s (%s), wanted %s", src, r.name, r.detail, want);
    assert_true(r.needs_transcode);
    assert_false(r.ascii_only);
    char *dst = tmp_path("copy.csv");
    if (enc_transcode_file(src, r.name, dst, &err) != 0)
        fail_msg("transcoding %s: %s", src, err.msg);
    char *part = xasprintf("%s.part", dst);
    assert_int_equal(access(part, F_OK), -1);
    slurp(dst, b);
    unlink(dst);
    free(part);
    free(dst);
}

static void test_superstore(void **state)
{
    (void)state;
    char *src = shared_path("datasets/superstore/Sample - Superstore.csv");
    struct sq_buf b;
    detect_and_transcode(src, "CP1252", &b);
    assert_contains(&b, "Resi Pölking");
    assert_contains(&b, "Barry Französisch");
    assert_contains(&b, "Post-it “Important Message” Note Pad");
    assert_contains(&b, "Logitech\xC2\xA0P710e"); /* the no-break space, now in UTF-8 */
    assert_int_equal(count_lines(&b), 9995);
    sq_buf_fini(&b);
    free(src);
}

static void test_auto_sales(void **state)
{
    (void)state;
    char *src = shared_path("datasets/auto_sales/sales_data_sample.csv");
    struct sq_buf b;
    detect_and_transcode(src, "CP850", &b);
    assert_contains(&b, "Berguvsvägen");
    assert_contains(&b, "Martín");
    assert_contains(&b, "Cataluña");
    assert_int_equal(count_lines(&b), 2824);
    sq_buf_fini(&b);
    free(src);
}

static void test_adventureworks(void **state)
{
    (void)state;
    char *src = shared_path("datasets/adventureworks/AdventureWorks_Customers.csv");
    struct sq_buf b;
    detect_and_transcode(src, "ISO-8859-1|CP1252|ISO-8859-15", &b);
    assert_contains(&b, "JOSÉ");
    assert_contains(&b, "MUÑOZ");
    assert_contains(&b, "LEITÃO");
    assert_int_equal(count_lines(&b), 18149);
    sq_buf_fini(&b);
    free(src);
    /* The other AdventureWorks files are plain ASCII. */
    src = shared_path("datasets/adventureworks/AdventureWorks_Sales_2017.csv");
    struct enc_result r;
    struct sq_error err;
    assert_int_equal(enc_detect_file(src, NULL, ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "UTF-8");
    assert_true(r.ascii_only);
    assert_false(r.needs_transcode);
    free(src);
}

static void test_northwind(void **state)
{
    (void)state;
    static const char *const files[] = {"customers", "orders",    "products",
                                        "suppliers", "employees", "customer_customer_demo"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *rel = xasprintf("datasets/northwind/%s.csv", files[i]);
        char *src = shared_path(rel);
        struct enc_result r;
        struct sq_error err;
        sq_error_clear(&err);
        assert_int_equal(enc_detect_file(src, NULL, ENC_SCAN_DEFAULT, &r, &err), 0);
        assert_string_equal(r.name, "UTF-8");
        assert_int_equal(r.bom_bytes, 0);
        if (r.needs_transcode)
            fail_msg("%s needs no transcoding (%s)", src, r.detail);
        free(src);
        free(rel);
    }
}

static void test_utf8_bom(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBFname,qty\nJosé,3\n";
    char *src = write_tmp("bom.csv", text, sizeof text - 1);
    struct enc_result r;
    struct sq_error err;
    assert_int_equal(enc_detect_file(src, NULL, ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "UTF-8");
    assert_int_equal(r.bom_bytes, 3);
    assert_false(r.needs_transcode); /* DuckDB 1.4 skips a UTF-8 BOM itself */
    /* Transcoding anyway strips the BOM. */
    char *dst = tmp_path("bom.utf8.csv");
    assert_int_equal(enc_transcode_file(src, "utf-8", dst, &err), 0);
    struct sq_buf b;
    slurp(dst, &b);
    assert_string_equal(b.data, "name,qty\nJosé,3\n");
    sq_buf_fini(&b);
    free(dst);
    free(src);
}

static void check_utf16(const char *to, const char *bom, size_t bom_len, const char *want)
{
    static const char text[] = "name,city\nJürgen Müller,Malmö\nFrançois,Besançon €\n";
    size_t n;
    char *enc = convert(to, "UTF-8", text, sizeof text - 1, &n);
    assert_non_null(enc);
    char *data = xmalloc(n + bom_len);
    memcpy(data, bom, bom_len);
    memcpy(data + bom_len, enc, n);
    char *src = write_tmp("u16.csv", data, n + bom_len);
    struct enc_result r;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(enc_detect_file(src, NULL, ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, want);
    assert_int_equal(r.bom_bytes, (int)bom_len);
    assert_true(r.needs_transcode);
    char *dst = tmp_path("u16.utf8.csv");
    if (enc_transcode_file(src, r.name, dst, &err) != 0)
        fail_msg("%s", err.msg);
    struct sq_buf b;
    slurp(dst, &b);
    assert_string_equal(b.data, text);
    sq_buf_fini(&b);
    /* The generic name finds the byte order by the BOM. */
    if (bom_len == 2) {
        assert_int_equal(enc_transcode_file(src, "utf-16", dst, &err), 0);
        slurp(dst, &b);
        assert_string_equal(b.data, text);
        sq_buf_fini(&b);
    }
    free(dst);
    free(src);
    free(data);
    free(enc);
}

static void test_utf16(void **state)
{
    (void)state;
    check_utf16("UTF-16LE", "\xFF\xFE", 2, "UTF-16LE");
    check_utf16("UTF-16BE", "\xFE\xFF", 2, "UTF-16BE");
    check_utf16("UTF-16LE", "", 0, "UTF-16LE"); /* no BOM: found by the NUL bytes */
    check_utf16("UTF-16BE", "", 0, "UTF-16BE");
    check_utf16("UTF-32LE", "\xFF\xFE\0\0", 4, "UTF-32LE");
    check_utf16("UTF-32BE", "\0\0\xFE\xFF", 4, "UTF-32BE");
}

/* Short snippets of sales data, UTF-8 here, encoded by iconv into each code page: the
 * detected encoding must decode them back to the same text. */
static const char *const SNIPPETS[] = {
    /* German */
    "kunde,stadt,produkt\nJürgen Müller,München,Größe XL\nBäckerei Köhler,Düsseldorf,"
    "Brötchen\nÖzil Übersee,Lübeck,Äpfel\n",
    /* French */
    "client,ville,produit\nSociété Générale,Paris,Crème brûlée\nHôtel de Ville,Besançon,"
    "Pâté à la française\nLe garçon,Noël,Île-de-France\n",
    /* Spanish */
    "cliente,ciudad,producto\nSeñor Muñoz,España,Año nuevo\nÁngel Pérez,Peñalolén,Almacén\n"
    "José Martín,Cataluña,Jamón ibérico\n",
    /* Portuguese */
    "cliente,cidade,produto\nJoão Conceição,São Paulo,Pão de Açúcar\nAção Eletrônica,"
    "Brasília,Informações\nMaria Gonçalves,Belém,Órgãos públicos\n",
    /* Swedish */
    "kund,stad,produkt\nFöretag AB,Göteborg,Räksmörgås\nÅhléns,Västerås,Blåbär\n"
    "Malmö Möbler,Örebro,Kött och fläsk\n",
};

static const char *const SNIPPET_CODEPAGES[] = {"CP1252", "ISO-8859-1", "CP850"};

static void test_snippets(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SNIPPETS / sizeof SNIPPETS[0]; i++) {
        for (size_t j = 0; j < sizeof SNIPPET_CODEPAGES / sizeof SNIPPET_CODEPAGES[0]; j++) {
            const char *cp = SNIPPET_CODEPAGES[j];
            size_t n, back_n;
            char *enc = convert(cp, "UTF-8", SNIPPETS[i], strlen(SNIPPETS[i]), &n);
            assert_non_null(enc);
            struct enc_result r;
            assert_int_equal(enc_detect_buffer((const unsigned char *)enc, n, 1, &r), 0);
            char *back = convert("UTF-8", r.name, enc, n, &back_n);
            if (!back || strcmp(back, SNIPPETS[i]) != 0)
                fail_msg("snippet %zu in %s detected as %s (%s), which reads \"%s\"", i, cp, r.name,
                         r.detail, back ? back : "(invalid)");
            assert_true(r.needs_transcode);
            free(back);
            free(enc);
        }
    }
}

/* Beyond Western Europe: Central European code pages are scored like the others, a
 * single-byte code page only uchardet names (CP1251) is scored too, and a multibyte one
 * (Shift_JIS) is taken when no single-byte code page reads as text. */
static void test_other_scripts(void **state)
{
    (void)state;
    static const struct {
        const char *text, *codepage;
    } cases[] = {
        {"zákazník,město\nPříliš žluťoučký kůň,Plzeň\nČeské Budějovice,Brno-střed,Řízek\n",
         "CP1250"},
        {"klient,miasto\nZażółć gęślą jaźń,Łódź\nGdańsk Wrocław,Poznań,Śledź\n", "CP1250"},
        {"клиент,город,товар\nИван Петров,Москва,Ноутбук\nОльга Смирнова,Санкт-Петербург,"
         "Принтер\nСергей Иванов,Новосибирск,Монитор\n",
         "CP1251"},
        {"顧客,都市,商品\n山田太郎,東京都渋谷区,ノートパソコン\n佐藤花子,大阪市北区,"
         "プリンター用紙\n"
         "鈴木一郎,名古屋市,ボールペン\n山田太郎,東京都渋谷区,ノートパソコン\n",
         "SHIFT_JIS"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n, back_n;
        char *enc = convert(cases[i].codepage, "UTF-8", cases[i].text, strlen(cases[i].text), &n);
        assert_non_null(enc);
        struct enc_result r;
        assert_int_equal(enc_detect_buffer((const unsigned char *)enc, n, 1, &r), 0);
        char *back = convert("UTF-8", r.name, enc, n, &back_n);
        if (!back || strcmp(back, cases[i].text) != 0)
            fail_msg("%s text detected as %s (%s)", cases[i].codepage, r.name, r.detail);
        free(back);
        free(enc);
    }
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    /* 0x81 is undefined in CP1252: line 3, byte offset 12. */
    static const char text[] = "a,b\nCaf\xE9,1\nx\x81y,2\n";
    char *src = write_tmp("bad1252.csv", text, sizeof text - 1);
    char *dst = tmp_path("bad1252.utf8.csv");
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(enc_transcode_file(src, "windows-1252", dst, &err), SQ_E_ENCODING);
    assert_int_equal(err.offset, 12);
    if (!strstr(err.msg, "byte offset 12") || !strstr(err.msg, "line 3") || !strstr(err.msg, "81"))
        fail_msg("unclear message: %s", err.msg);
    assert_int_equal(access(dst, F_OK), -1);
    char *part = xasprintf("%s.part", dst);
    assert_int_equal(access(part, F_OK), -1);
    /* The same bytes read as UTF-8 fail at the 0xE9 of "Café". */
    sq_error_clear(&err);
    assert_int_equal(enc_transcode_file(src, "UTF-8", dst, &err), SQ_E_ENCODING);
    assert_int_equal(err.offset, 7);
    assert_non_null(strstr(err.msg, "line 2"));
    /* A UTF-8 sequence cut by the end of the file. */
    static const char cut[] = "a,b\nJos\xC3";
    char *src2 = write_tmp("cut.csv", cut, sizeof cut - 1);
    sq_error_clear(&err);
    assert_int_equal(enc_transcode_file(src2, "UTF-8", dst, &err), SQ_E_ENCODING);
    assert_int_equal(err.offset, 7);
    assert_non_null(strstr(err.msg, "truncated"));
    /* A missing source is an I/O error, an unknown encoding a usage error. */
    char *none = tmp_path("missing.csv");
    assert_int_equal(enc_transcode_file(none, "CP1252", dst, &err), SQ_E_IO);
    assert_int_equal(enc_transcode_file(src, "klingon", dst, &err), SQ_E_USAGE);
    free(none);
    free(src2);
    free(part);
    free(dst);
    free(src);
}

static void test_hint(void **state)
{
    (void)state;
    char *src = shared_path("datasets/superstore/Sample - Superstore.csv");
    struct enc_result r;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(enc_detect_file(src, "cp850", ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "CP850");
    assert_true(r.needs_transcode);
    assert_non_null(strstr(r.detail, "hint"));
    assert_int_equal(enc_detect_file(src, "Latin-1", ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "ISO-8859-1");
    assert_int_equal(enc_detect_file(src, "windows-1252", ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "CP1252");
    assert_int_equal(enc_detect_file(src, "utf-8", ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "UTF-8");
    assert_false(r.needs_transcode);
    assert_int_equal(enc_detect_file(src, "klingon", ENC_SCAN_DEFAULT, &r, &err), SQ_E_USAGE);
    if (!strstr(err.msg, "klingon") || !strstr(err.msg, "cp1252") || !strstr(err.msg, "cp850"))
        fail_msg("the error should list the accepted names: %s", err.msg);
    /* "utf-16" takes its byte order from the BOM. */
    char *u16 = write_tmp("hint16.csv", "\xFE\xFF\0a\0\n", 6);
    assert_int_equal(enc_detect_file(u16, "UTF16", ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "UTF-16BE");
    assert_int_equal(r.bom_bytes, 2);
    free(u16);
    /* A folder or a missing file is an I/O error. */
    assert_int_equal(enc_detect_file(tmpdir, NULL, ENC_SCAN_DEFAULT, &r, &err), SQ_E_IO);
    char *none = tmp_path("missing.csv");
    assert_int_equal(enc_detect_file(none, NULL, ENC_SCAN_DEFAULT, &r, &err), SQ_E_IO);
    free(none);
    free(src);
}

static void test_normalize_name(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"latin-1", "ISO-8859-1"},  {"ISO_8859-1", "ISO-8859-1"}, {"Windows-1252", "CP1252"},
        {"cp1252", "CP1252"},       {"CP850", "CP850"},           {"ibm437", "CP437"},
        {"utf8", "UTF-8"},          {"UTF-8-SIG", "UTF-8"},       {"latin9", "ISO-8859-15"},
        {"mac-roman", "MACINTOSH"}, {"utf-16le", "UTF-16LE"},     {"Shift_JIS", "SHIFT_JIS"},
    };
    char out[32];
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        assert_int_equal(enc_normalize_name(pairs[i][0], out, sizeof out), 0);
        assert_string_equal(out, pairs[i][1]);
    }
    assert_int_equal(enc_normalize_name("klingon", out, sizeof out), SQ_E_NOT_FOUND);
    assert_int_equal(enc_normalize_name("", out, sizeof out), SQ_E_NOT_FOUND);
    assert_int_equal(enc_normalize_name("latin-1", out, 4), SQ_E_TOO_BIG);
}

static void test_empty_and_header(void **state)
{
    (void)state;
    char *empty = write_tmp("empty.csv", "", 0);
    char *header = write_tmp("header.csv", "Row ID,Order ID,Sales\r\n", 23);
    struct enc_result r;
    struct sq_error err;
    assert_int_equal(enc_detect_file(empty, NULL, ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "UTF-8");
    assert_true(r.ascii_only);
    assert_false(r.needs_transcode);
    assert_int_equal(enc_detect_file(header, NULL, 0, &r, &err), 0);
    assert_string_equal(r.name, "UTF-8");
    assert_true(r.ascii_only);
    assert_false(r.needs_transcode);
    /* Transcoding an empty file gives an empty file. */
    char *dst = tmp_path("empty.utf8.csv");
    assert_int_equal(enc_transcode_file(empty, "CP1252", dst, &err), 0);
    struct sq_buf b;
    slurp(dst, &b);
    assert_int_equal(b.len, 0);
    sq_buf_fini(&b);
    assert_int_equal(enc_detect_buffer(NULL, 0, 1, &r), 0);
    assert_true(r.ascii_only);
    free(dst);
    free(header);
    free(empty);
}

/* 9 MB of ASCII and "Café" (CP1252) at the end: the default prefix sees ASCII only, the
 * whole-file scan finds the é. */
static void test_late_byte(void **state)
{
    (void)state;
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, "id,name,amount\n");
    for (int i = 0; b.len < ((size_t)9 << 20); i++)
        sq_buf_printf(&b, "%d,Customer %d,%d.%02d\n", i, i, i % 997, i % 100);
    sq_buf_puts(&b, "999999,Caf\xE9 de Flore,12.50\n");
    char *src = write_tmp("late.csv", b.data, b.len);
    struct enc_result r;
    struct sq_error err;
    assert_int_equal(enc_detect_file(src, NULL, ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_true(r.ascii_only);
    assert_string_equal(r.name, "UTF-8");
    assert_false(r.needs_transcode);
    assert_int_equal(enc_detect_file(src, NULL, 0, &r, &err), 0);
    assert_false(r.ascii_only);
    assert_true(r.needs_transcode);
    size_t n;
    char *back = convert("UTF-8", r.name, "Caf\xE9", 4, &n);
    if (!back || strcmp(back, "Café") != 0)
        fail_msg("whole-file detection said %s (%s)", r.name, r.detail);
    free(back);
    free(src);
    sq_buf_fini(&b);
}

static void test_gzip(void **state)
{
    (void)state;
    char *src = shared_path("datasets/auto_sales/sales_data_sample.csv");
    char *gz = tmp_path("sales.csv.gz");
    char *cmd = xasprintf("gzip -c < '%s' > '%s'", src, gz);
    assert_int_equal(system(cmd), 0);
    struct enc_result r;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(enc_detect_file(gz, NULL, ENC_SCAN_DEFAULT, &r, &err), 0);
    assert_string_equal(r.name, "CP850");
    assert_true(r.gzip);
    struct sq_buf b;
    detect_and_transcode(gz, "CP850", &b);
    assert_contains(&b, "Berguvsvägen");
    assert_int_equal(count_lines(&b), 2824);
    sq_buf_fini(&b);
    /* A cut .gz file fails clearly instead of giving a short copy. */
    struct sq_buf whole;
    slurp(gz, &whole);
    char *cut = write_tmp("cut.csv.gz", whole.data, whole.len / 2);
    char *dst = tmp_path("cut.utf8.csv");
    sq_error_clear(&err);
    int rc = enc_transcode_file(cut, "CP850", dst, &err);
    assert_true(rc == SQ_E_IO || rc == SQ_E_ENCODING);
    assert_int_equal(access(dst, F_OK), -1);
    sq_buf_fini(&whole);
    free(dst);
    free(cut);
    free(cmd);
    free(gz);
    free(src);
}

/* UTF-8 with one stray Latin-1 byte is still UTF-8; the copy then fails at that byte. */
static void test_mostly_utf8(void **state)
{
    (void)state;
    struct sq_buf b;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_buf_puts(&b, "name,city\n");
    for (int i = 0; i < 50; i++)
        sq_buf_puts(&b, "Jürgen Müller,München\nFrançois Côté,Montréal\n");
    size_t bad_at = b.len + 3;
    sq_buf_puts(&b, "Jos\xE9,Madrid\n");
    char *src = write_tmp("mostly.csv", b.data, b.len);
    struct enc_result r;
    struct sq_error err;
    assert_int_equal(enc_detect_file(src, NULL, 0, &r, &err), 0);
    assert_string_equal(r.name, "UTF-8");
    assert_true(r.needs_transcode);
    char *dst = tmp_path("mostly.utf8.csv");
    assert_int_equal(enc_transcode_file(src, r.name, dst, &err), SQ_E_ENCODING);
    assert_int_equal(err.offset, (int)bad_at);
    assert_non_null(strstr(err.msg, "line 102"));
    free(dst);
    free(src);
    sq_buf_fini(&b);
}

static void test_buffer_prefix(void **state)
{
    (void)state;
    struct enc_result r;
    /* A UTF-8 sequence cut by the end of a prefix is not held against UTF-8 ... */
    static const char cut[] = "name\nJosé\nJos\xC3";
    assert_int_equal(enc_detect_buffer((const unsigned char *)cut, sizeof cut - 1, 0, &r), 0);
    assert_string_equal(r.name, "UTF-8");
    assert_false(r.needs_transcode);
    /* ... but at the end of the text it is. */
    assert_int_equal(enc_detect_buffer((const unsigned char *)cut, sizeof cut - 1, 1, &r), 0);
    assert_true(r.needs_transcode);
    assert_int_equal(enc_detect_buffer(NULL, 1, 1, &r), SQ_E_USAGE);
    assert_int_equal(enc_detect_buffer((const unsigned char *)"x", 1, 1, NULL), SQ_E_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_superstore),     cmocka_unit_test(test_auto_sales),
        cmocka_unit_test(test_adventureworks), cmocka_unit_test(test_northwind),
        cmocka_unit_test(test_utf8_bom),       cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_snippets),       cmocka_unit_test(test_other_scripts),
        cmocka_unit_test(test_invalid_bytes),  cmocka_unit_test(test_hint),
        cmocka_unit_test(test_normalize_name), cmocka_unit_test(test_empty_and_header),
        cmocka_unit_test(test_late_byte),      cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_mostly_utf8),    cmocka_unit_test(test_buffer_prefix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
