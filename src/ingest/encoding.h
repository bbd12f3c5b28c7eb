/*
 * Text encodings of CSV files. Decides which encoding a file is in (byte-order marks,
 * UTF-8 validity, then uchardet's guess checked against a plausibility score of every
 * candidate code page), and writes a UTF-8 copy when DuckDB's CSV reader cannot read the
 * bytes as they are. docs/internals/encoding.md explains the method.
 *
 * Ownership: every function borrows its NUL-terminated string arguments and fills
 * caller-owned structs; nothing here returns memory for the caller to free.
 */
#ifndef SQ_INGEST_ENCODING_H
#define SQ_INGEST_ENCODING_H

#include <stddef.h>

struct sq_error;

/* How much of a file enc_detect_file reads by default. */
#define ENC_SCAN_DEFAULT ((size_t)8 << 20)

/* An encoding's name as a fixed buffer holds it: an iconv name ("UTF-16LE", "CP1252") or
 * its label for people ("Windows-1252"), with room to spare; longer aliases are not
 * encodings anyone names. */
enum { ENC_NAME_MAX = 32 };
/* enc_result.detail: one line about the evidence. */
enum { ENC_DETAIL_MAX = 256 };

struct enc_result {
    char name[ENC_NAME_MAX]; /* iconv name: "UTF-8", "CP1252", "CP850", "UTF-16LE", ... */
    int ascii_only;          /* no byte >= 0x80 in what was scanned; name is then "UTF-8" */
    int bom_bytes;           /* length of the byte-order mark at the start (0, 2, 3 or 4) */
    int needs_transcode;     /* DuckDB's default read_csv cannot read it: use enc_transcode_file */
    int gzip;                /* the file is gzip-compressed; detection saw the decompressed bytes */
    char detail[ENC_DETAIL_MAX]; /* one line for people: "cp850: 74 non-ASCII bytes, 3 distinct;
                                    ..." */
};

/* Detects the encoding of the bytes p[0..n). at_eof says whether the buffer ends where
 * the text ends (0 for a prefix: a multibyte sequence cut at the end is then not an
 * error). Returns 0, or SQ_E_USAGE when out is NULL; p may be NULL when n is 0. */
int enc_detect_buffer(const unsigned char *p, size_t n, int at_eof, struct enc_result *out);

/* Detects the encoding of a file (plain, or gzip by its magic bytes) from its first
 * max_bytes bytes (0: the whole file). A non-empty hint (the user's "cp850", "latin-1",
 * "windows-1252", ...) wins over detection; an unknown hint is SQ_E_USAGE and err lists
 * the accepted names. SQ_E_IO when the file cannot be read. */
int enc_detect_file(const char *path, const char *hint, size_t max_bytes, struct enc_result *out,
                    struct sq_error *err);

/* Writes the text of src (plain or gzip), read as encoding `from` (an iconv name or an
 * accepted alias), to dst as UTF-8 without a byte-order mark. Streams in blocks through
 * dst + ".part", renamed to dst at the end and removed on failure. A byte sequence
 * invalid in `from` fails with SQ_E_ENCODING naming its byte offset and line; err->offset
 * holds the offset when it fits in an int. */
int enc_transcode_file(const char *src, const char *from, const char *dst, struct sq_error *err);

/* Maps a user's name for an encoding ("latin-1", "Windows-1252", "cp850", "utf8") to the
 * iconv name ("ISO-8859-1", "CP1252", "CP850", "UTF-8") in out[0..n). Case, '-', '_' and
 * spaces are ignored. Returns 0, SQ_E_NOT_FOUND for an unknown name, SQ_E_TOO_BIG when
 * the name does not fit. */
int enc_normalize_name(const char *alias, char *out, size_t n);

/* The accepted names, comma-separated, for error messages and --help. */
const char *enc_accepted_names(void);

#endif
