/*
 * Small file-system helpers: paths, directories, whole-file reads with a size limit.
 *
 * Ownership: returned strings are heap-allocated and freed by the caller.
 */
#ifndef SQ_BASE_FS_H
#define SQ_BASE_FS_H

#include <stddef.h>
#include <stdint.h>

struct sq_buf;
struct sq_error;

/* "a" + "b" -> "a/b" (no doubled slash). */
char *sq_path_join(const char *a, const char *b);
/* Creates dir and its parents (mode 0755); 0 or SQ_E_IO with the reason in err. */
int sq_mkdir_p(const char *dir, struct sq_error *err);
/* Creates the parent folder of a file path. */
int sq_mkdir_parent(const char *path, struct sq_error *err);
/* Appends the whole file to out; SQ_E_TOO_BIG if it exceeds out's limit. */
int sq_read_file(const char *path, struct sq_buf *out, struct sq_error *err);
/* Writes len bytes to path atomically (temporary file + rename). */
int sq_write_file(const char *path, const void *data, size_t len, struct sq_error *err);
/* 1 if path is an existing directory / regular file, else 0. */
int sq_is_dir(const char *path);
int sq_is_file(const char *path);
/* Removes a directory tree (best effort); 0 or SQ_E_IO. */
int sq_rm_rf(const char *path);
/* Absolute, normalized path (the file need not exist; its parent folder must). */
char *sq_abspath(const char *path);
/* Monotonic clock in milliseconds, for durations. */
double sq_now_ms(void);

#endif
