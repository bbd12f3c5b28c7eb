/*
 * Status codes and the error record every module fills.
 *
 * Ownership: a struct sq_error is always caller-owned (usually on the stack); functions
 * that take one write into it on failure and leave it alone on success.
 */
#ifndef SQ_BASE_ERROR_H
#define SQ_BASE_ERROR_H

/* X(name, value, exit status, message). Exit statuses are the CLI contract in DESIGN.md:
 * 1 internal, 2 usage, 3 not understood, 4 rejected by the guard, 5 query failed. */
#define SQ_ERRNO_MAP(X)                                                                            \
    X(SQ_E_INTERNAL, -1, 1, "internal error")                                                      \
    X(SQ_E_USAGE, -2, 2, "bad usage")                                                              \
    X(SQ_E_IO, -3, 1, "file error")                                                                \
    X(SQ_E_DB, -4, 1, "database error")                                                            \
    X(SQ_E_LOCKED, -5, 1, "database is in use by another process")                                 \
    X(SQ_E_REJECTED, -6, 4, "SQL rejected by the guard")                                           \
    X(SQ_E_UNKNOWN_NAME, -7, 4, "unknown table or column")                                         \
    X(SQ_E_QUERY, -8, 5, "query failed")                                                           \
    X(SQ_E_TIMEOUT, -9, 5, "query timed out")                                                      \
    X(SQ_E_TOO_BIG, -10, 1, "input exceeds its size limit")                                        \
    X(SQ_E_PARSE, -11, 1, "cannot parse input")                                                    \
    X(SQ_E_ENCODING, -12, 1, "cannot decode text")                                                 \
    X(SQ_E_NOT_FOUND, -13, 1, "not found")                                                         \
    X(SQ_E_UNSUPPORTED, -14, 3, "question not understood")                                         \
    X(SQ_E_INTERRUPTED, -15, 1, "interrupted")                                                     \
    X(SQ_E_NO_DATA, -16, 6, "no data files in the data folder")

enum sq_status {
    SQ_OK = 0,
#define SQ_ENUM_ITEM(name, value, exit_code, msg) name = value,
    SQ_ERRNO_MAP(SQ_ENUM_ITEM)
#undef SQ_ENUM_ITEM
};

/* The longest message an error holds, with its NUL: a sentence or two, with a name or a
 * path in it. sq_error_set cuts a longer one. A buffer that builds a message for an error
 * is sized from this, so that the error is what cuts it. */
enum { SQ_ERROR_MSG_MAX = 512 };

/* offset: byte offset into the user's input that the error is about, or -1. */
struct sq_error {
    int code;
    int offset;
    char msg[SQ_ERROR_MSG_MAX];
};

/* The fixed message for a code ("unknown error" for codes not in the table). */
const char *sq_strerror(int code);
/* A short stable identifier for a code ("rejected", "timeout", ...), for JSON output. */
const char *sq_error_name(int code);
/* The answer status a code gives (DESIGN.md's answer object and `sql --format json`):
 * "ok" for SQ_OK, "rejected" for SQL the guard or DuckDB's binder refused, "unsupported"
 * for a question not understood, "error" for the rest. */
const char *sq_error_status(int code);
/* The process exit status for a code: 0 for SQ_OK, else as in SQ_ERRNO_MAP. */
int sq_exit_status(int code);

/* Records code, offset and a printf-style message; returns code so callers can write
 * `return sq_error_set(err, SQ_E_IO, -1, "...")`. err may be NULL. */
int sq_error_set(struct sq_error *err, int code, int offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sq_error_clear(struct sq_error *err);

#endif
