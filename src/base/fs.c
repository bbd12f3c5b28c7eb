/*
 * File-system helpers for the CLI, ingest and tests (see base/fs.h).
 */
#include "base/fs.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *sq_path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    if (la == 0)
        return xstrdup(b);
    if (a[la - 1] == '/')
        return xasprintf("%s%s", a, b);
    return xasprintf("%s/%s", a, b);
}

int sq_mkdir_p(const char *dir, struct sq_error *err)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = sq_error_set(err, SQ_E_IO, -1, "cannot create folder %s: %s", p, strerror(errno));
            goto out;
        }
        *s = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot create folder %s: %s", p, strerror(errno));
out:
    free(p);
    return rc;
}

int sq_mkdir_parent(const char *path, struct sq_error *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    char *dir = xstrndup(path, (size_t)(slash - path));
    int rc = sq_mkdir_p(dir, err);
    free(dir);
    return rc;
}

int sq_read_file(const char *path, struct sq_buf *out, struct sq_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sq_error_set(err, SQ_E_IO, -1, "cannot open %s: %s", path, strerror(errno));
    enum { READ_CHUNK = 64 * 1024 }; /* per read(2): few calls for a file, small for a stack */
    char chunk[READ_CHUNK];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = sq_error_set(err, SQ_E_IO, -1, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (sq_buf_append(out, chunk, (size_t)n) != 0) {
            rc = sq_error_set(err, SQ_E_TOO_BIG, -1, "%s is larger than %zu bytes", path, out->max);
            break;
        }
    }
    close(fd);
    return rc;
}

int sq_write_file(const char *path, const void *data, size_t len, struct sq_error *err)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int rc = 0;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
    }
out:
    free(tmp);
    return rc;
}

int sq_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sq_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int sq_rm_rf(const char *path)
{
    if (access(path, F_OK) != 0)
        return 0;
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : SQ_E_IO;
}

char *sq_abspath(const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf))
        return xstrdup(buf);
    /* The file may not exist yet: resolve its folder and append the last part. */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
    const char *base = slash ? slash + 1 : path;
    char *res;
    if (realpath(*dir ? dir : "/", buf))
        res = sq_path_join(buf, base);
    else
        res = xstrdup(path);
    free(dir);
    return res;
}

double sq_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
