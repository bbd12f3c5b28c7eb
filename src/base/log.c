/*
 * stderr logging with a process-wide level (see base/log.h). Thread-safe: each line is
 * formatted first and written with one call.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

/* One line as written, prefix included: a message and the names or paths in it. A longer
 * one is cut, never split over two writes. */
enum { LOG_LINE_MAX = 2048 };

static enum sq_log_level current = SQ_LOG_INFO;

void sq_log_set_level(enum sq_log_level level)
{
    current = level;
}

enum sq_log_level sq_log_get_level(void)
{
    return current;
}

void sq_log(enum sq_log_level level, const char *fmt, ...)
{
    if (level > current)
        return;
    char line[LOG_LINE_MAX];
    static const char *const prefix[] = {"error: ", "warning: ", "", "debug: "};
    int n = snprintf(line, sizeof line, "salesql: %s", prefix[level]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}
