/*
 * Diagnostics on stderr: one line each, prefixed "salesql: ". The level is set once at
 * start-up from the command line (--quiet, --verbose) or SALESQL_LOG.
 */
#ifndef SQ_BASE_LOG_H
#define SQ_BASE_LOG_H

enum sq_log_level { SQ_LOG_ERROR, SQ_LOG_WARN, SQ_LOG_INFO, SQ_LOG_DEBUG };

void sq_log_set_level(enum sq_log_level level);
enum sq_log_level sq_log_get_level(void);
void sq_log(enum sq_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sq_log_error(...) sq_log(SQ_LOG_ERROR, __VA_ARGS__)
#define sq_log_warn(...) sq_log(SQ_LOG_WARN, __VA_ARGS__)
#define sq_log_info(...) sq_log(SQ_LOG_INFO, __VA_ARGS__)
#define sq_log_debug(...) sq_log(SQ_LOG_DEBUG, __VA_ARGS__)

#endif
