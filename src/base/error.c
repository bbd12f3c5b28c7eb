/*
 * The status-code table (SQ_ERRNO_MAP) turned into messages, names and exit statuses,
 * and the helpers that fill a struct sq_error. Used by every module.
 */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sq_strerror(int code)
{
    switch (code) {
    case SQ_OK:
        return "ok";
#define SQ_MSG_ITEM(name, value, exit_code, msg)                                                   \
    case name:                                                                                     \
        return msg;
        SQ_ERRNO_MAP(SQ_MSG_ITEM)
#undef SQ_MSG_ITEM
    }
    return "unknown error";
}

const char *sq_error_status(int code)
{
    switch (code) {
    case SQ_OK:
        return "ok";
    case SQ_E_REJECTED:
    case SQ_E_UNKNOWN_NAME:
        return "rejected";
    case SQ_E_UNSUPPORTED:
        return "unsupported";
    default:
        return "error";
    }
}

const char *sq_error_name(int code)
{
    switch (code) {
    case SQ_OK:
        return "ok";
    case SQ_E_USAGE:
        return "usage";
    case SQ_E_REJECTED:
        return "rejected";
    case SQ_E_UNKNOWN_NAME:
        return "unknown_name";
    case SQ_E_QUERY:
        return "query_failed";
    case SQ_E_TIMEOUT:
        return "timeout";
    case SQ_E_UNSUPPORTED:
        return "unsupported";
    case SQ_E_LOCKED:
        return "locked";
    case SQ_E_IO:
        return "io";
    case SQ_E_TOO_BIG:
        return "too_big";
    case SQ_E_INTERRUPTED:
        return "interrupted";
    case SQ_E_NO_DATA:
        return "no_data";
    default:
        return "internal";
    }
}

int sq_exit_status(int code)
{
    switch (code) {
    case SQ_OK:
        return 0;
#define SQ_EXIT_ITEM(name, value, exit_code, msg)                                                  \
    case name:                                                                                     \
        return exit_code;
        SQ_ERRNO_MAP(SQ_EXIT_ITEM)
#undef SQ_EXIT_ITEM
    }
    return 1;
}

int sq_error_set(struct sq_error *err, int code, int offset, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        err->offset = offset;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void sq_error_clear(struct sq_error *err)
{
    if (err) {
        err->code = SQ_OK;
        err->offset = -1;
        err->msg[0] = '\0';
    }
}
