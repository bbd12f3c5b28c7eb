/*
 * The data-folder scanner and the rules that group files into sources (see
 * ingest/scan.h). Called by ingest.c on every refresh; a no-change refresh costs one
 * stat per file.
 */
#include "ingest/scan.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "ingest/names.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

int scan_classify(const char *name, enum scan_kind *kind, int *gzip)
{
    *gzip = 0;
    if (ends_with_ci(name, ".csv.gz")) {
        *kind = SCAN_CSV;
        *gzip = 1;
    } else if (ends_with_ci(name, ".tsv.gz")) {
        *kind = SCAN_TSV;
        *gzip = 1;
    } else if (ends_with_ci(name, ".csv")) {
        *kind = SCAN_CSV;
    } else if (ends_with_ci(name, ".tsv")) {
        *kind = SCAN_TSV;
    } else if (ends_with_ci(name, ".parquet")) {
        *kind = SCAN_PARQUET;
    } else {
        return -1;
    }
    return 0;
}

/* One scan in progress. dirs[0..depth] are the folders on the path being walked (device
 * and inode), so that a link back to one of them is cut instead of walked again. */
struct walk {
    const char *root; /* the data folder, resolved (sq_abspath) */
    int follow;       /* SCAN_FOLLOW_SYMLINKS */
    struct scan_list *out;
    struct {
        dev_t dev;
        ino_t ino;
    } dirs[SCAN_MAX_DEPTH + 2];
};

static void skip(struct walk *w, const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records that rel was left out, and why (the reason is a printf format). */
static void skip(struct walk *w, const char *rel, const char *fmt, ...)
{
    struct scan_list *l = w->out;
    if (l->nskipped >= SCAN_MAX_SKIPPED)
        return;
    char reason[PATH_MAX + 256]; /* a path and a sentence */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    l->skipped = xrealloc(l->skipped, (l->nskipped + 1) * sizeof *l->skipped);
    l->skipped[l->nskipped].rel = xstrdup(rel);
    l->skipped[l->nskipped].reason = xstrdup(reason);
    l->nskipped++;
}

/* 1 if the resolved path target is the data folder or inside it. */
static int inside(const char *root, const char *target)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return 1;
    return strncmp(target, root, n) == 0 && (target[n] == '\0' || target[n] == '/');
}

/* Decides whether to follow the symbolic link path (named name, at rel): returns 1 with
 * target (PATH_MAX bytes) its resolved target and *st describing it, or 0 when it is left
 * out. Links whose target cannot be
 * resolved (dangling, a loop of links) and links that leave the data folder (unless
 * following them was asked for) are left out, and recorded when they might have been
 * data: a folder, or a file named like a data file. */
static int follow_link(struct walk *w, const char *path, const char *rel, const char *name,
                       char *target, struct stat *st)
{
    enum scan_kind kind;
    int gz;
    int data_name = scan_classify(name, &kind, &gz) == 0;
    if (!realpath(path, target)) {
        int e = errno;
        char to[PATH_MAX];
        ssize_t n = readlink(path, to, sizeof to - 1);
        to[n > 0 ? n : 0] = '\0';
        if (!data_name)
            return 0;
        if (e == ENOENT)
            skip(w, rel, "a symlink to %s, which does not exist", to);
        else if (e == ELOOP)
            skip(w, rel, "a symlink to %s, which is a loop of symlinks", to);
        else
            skip(w, rel, "a symlink to %s, which cannot be followed: %s", to, strerror(e));
        return 0;
    }
    if (stat(target, st) != 0)
        return 0; /* removed meanwhile */
    int data = S_ISDIR(st->st_mode) || (S_ISREG(st->st_mode) && data_name);
    if (!w->follow && !inside(w->root, target)) {
        if (data)
            skip(w, rel, "a symlink to %s, outside the data folder; --follow-symlinks loads it",
                 target);
        return 0;
    }
    return 1;
}

/* 1 if the folder st is one of those on the path being walked (dirs[0..depth]). */
static int on_path(const struct walk *w, int depth, const struct stat *st)
{
    for (int i = 0; i <= depth; i++)
        if (w->dirs[i].dev == st->st_dev && w->dirs[i].ino == st->st_ino)
            return 1;
    return 0;
}

static void list_file(struct scan_list *out, char **path, char **rel, const struct stat *st,
                      enum scan_kind kind, int gz)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->files = xrealloc(out->files, out->cap * sizeof *out->files);
    }
    struct scan_file *f = &out->files[out->n++];
    f->path = *path;
    f->rel = *rel;
    f->size = (long long)st->st_size;
    f->mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
    f->kind = kind;
    f->gzip = gz;
    *path = *rel = NULL;
}

static int walk(struct walk *w, const char *rel, int depth, const struct stat *self,
                struct sq_error *err);

/* One entry of a folder at depth: a data file is listed, a folder walked, a link followed
 * to what it points to when follow_link allows. */
static int visit(struct walk *w, const char *dir, const char *rel, const char *name, int depth,
                 struct sq_error *err)
{
    char *path = sq_path_join(dir, name);
    char *child_rel = *rel ? sq_path_join(rel, name) : xstrdup(name);
    struct stat st;
    char target[PATH_MAX];
    int rc = 0, link = 0;
    if (lstat(path, &st) != 0)
        goto out; /* removed meanwhile: not data, not an error */
    if (S_ISLNK(st.st_mode)) {
        link = 1;
        if (!follow_link(w, path, child_rel, name, target, &st))
            goto out;
    }
    if (S_ISDIR(st.st_mode) && on_path(w, depth, &st)) {
        if (link)
            skip(w, child_rel, "a symlink to %s, a folder it is in (a loop)", target);
        else
            skip(w, child_rel, "a folder that is also one of the folders it is in (a loop)");
    } else if (S_ISDIR(st.st_mode)) {
        rc = walk(w, child_rel, depth + 1, &st, err);
    } else if (S_ISREG(st.st_mode)) {
        enum scan_kind kind;
        int gz;
        if (scan_classify(name, &kind, &gz) == 0) {
            if (w->out->n >= SCAN_MAX_FILES)
                rc = sq_error_set(err, SQ_E_TOO_BIG, -1, "%s holds more than %d data files",
                                  w->root, SCAN_MAX_FILES);
            else
                list_file(w->out, &path, &child_rel, &st, kind, gz);
        }
    }
out:
    free(path);
    free(child_rel);
    return rc;
}

static int walk(struct walk *w, const char *rel, int depth, const struct stat *self,
                struct sq_error *err)
{
    if (depth > SCAN_MAX_DEPTH)
        return sq_error_set(err, SQ_E_IO, -1, "%s: folders nest deeper than %d levels", w->root,
                            SCAN_MAX_DEPTH);
    w->dirs[depth].dev = self->st_dev;
    w->dirs[depth].ino = self->st_ino;
    char *dir = *rel ? sq_path_join(w->root, rel) : xstrdup(w->root);
    DIR *d = opendir(dir);
    int rc = 0;
    if (!d) {
        rc = sq_error_set(err, SQ_E_IO, -1, "cannot read the folder %s: %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            rc = visit(w, dir, rel, e->d_name, depth, err);
    closedir(d);
    free(dir);
    return rc;
}

static int by_rel(const void *a, const void *b)
{
    return strcmp(((const struct scan_file *)a)->rel, ((const struct scan_file *)b)->rel);
}

static int skip_by_rel(const void *a, const void *b)
{
    return strcmp(((const struct scan_skip *)a)->rel, ((const struct scan_skip *)b)->rel);
}

int scan_folder(const char *dir, int flags, struct scan_list *out, struct sq_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (!sq_is_dir(dir) || stat(dir, &st) != 0)
        return sq_error_set(err, SQ_E_NO_DATA, -1,
                            "the data folder %s does not exist; create it and put CSV or "
                            "Parquet files in it, or pass --data DIR",
                            dir);
    char *root = sq_abspath(dir);
    struct walk w = {.root = root, .follow = (flags & SCAN_FOLLOW_SYMLINKS) != 0, .out = out};
    int rc = walk(&w, "", 0, &st, err);
    free(root);
    if (rc) {
        scan_list_fini(out);
        return rc;
    }
    if (out->n) /* an empty folder has no array: qsort must not see NULL */
        qsort(out->files, out->n, sizeof *out->files, by_rel);
    if (out->nskipped)
        qsort(out->skipped, out->nskipped, sizeof *out->skipped, skip_by_rel);
    return 0;
}

long scan_find(const struct scan_list *l, const char *rel)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(l->files[mid].rel, rel);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int scan_source_has(const struct scan_source *src, size_t fi)
{
    size_t lo = 0, hi = src->nfiles;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (src->files[mid] == fi)
            return 1;
        if (src->files[mid] < fi)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void scan_list_fini(struct scan_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->files[i].path);
        free(l->files[i].rel);
    }
    free(l->files);
    for (size_t i = 0; i < l->nskipped; i++) {
        free(l->skipped[i].rel);
        free(l->skipped[i].reason);
    }
    free(l->skipped);
    memset(l, 0, sizeof *l);
}

/* The folder part of a relative path ("" for files at the top). */
static char *dir_of(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    return slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
}

/* The first component of a relative path if it is in a sub-folder, else NULL. A hive
 * partition folder (key=value) gives "key=", so that all the partitions of one key form
 * one group. */
static char *top_folder(const char *rel)
{
    const char *slash = strchr(rel, '/');
    if (!slash)
        return NULL;
    const char *eq = memchr(rel, '=', (size_t)(slash - rel));
    if (eq && eq > rel)
        return xstrndup(rel, (size_t)(eq - rel) + 1);
    return xstrndup(rel, (size_t)(slash - rel));
}

/* The snake_case name of the data folder itself (the parent of the files' relative
 * paths), for a source made of top-level hive partitions. */
static char *root_name(const struct scan_file *f)
{
    size_t plen = strlen(f->path), rlen = strlen(f->rel);
    size_t end = plen > rlen ? plen - rlen - 1 : 0;
    size_t start = end;
    while (start > 0 && f->path[start - 1] != '/')
        start--;
    char *base = xstrndup(f->path + start, end - start);
    char *name = names_snake(base);
    free(base);
    return name;
}

struct group_ctx {
    struct scan_source *out;
    size_t n;
    size_t cap;
};

static struct scan_source *add_source(struct group_ctx *g, char *name, int multi)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->out = xrealloc(g->out, g->cap * sizeof *g->out);
    }
    struct scan_source *s = &g->out[g->n++];
    s->name = name;
    s->files = NULL;
    s->nfiles = 0;
    s->multi = multi;
    return s;
}

static void add_file(struct scan_source *s, size_t i)
{
    s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof *s->files);
    s->files[s->nfiles++] = i;
}

/* Headers are compatible when they share at least half of their column names (Jaccard
 * index >= 0.5): a later export that adds a column still joins its series, while two
 * different tables that share only a key column do not. */
int scan_headers_compatible(const char *a, const char *b)
{
    if (!*a || !*b)
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    size_t na = 1, nb = 1, common = 0;
    for (const char *p = a; *p; p++)
        na += *p == ',';
    for (const char *p = b; *p; p++)
        nb += *p == ',';
    for (const char *p = a; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        for (const char *q = b; *q;) {
            const char *qend = strchr(q, ',');
            size_t qlen = qend ? (size_t)(qend - q) : strlen(q);
            if (qlen == len && strncmp(p, q, len) == 0) {
                common++;
                break;
            }
            q += qlen + (qend ? 1 : 0);
        }
        p += len + (end ? 1 : 0);
    }
    return 2 * common >= na + nb - common;
}

static int has_digit(const char *s)
{
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            return 1;
    return 0;
}

/* Groups the files idx[0..n) of one folder by the digit rule. */
static void group_digits(struct group_ctx *g, const struct scan_list *l, char *const *headers,
                         const size_t *idx, size_t n)
{
    unsigned char *done = xcalloc(n ? n : 1, 1);
    for (size_t a = 0; a < n; a++) {
        if (done[a])
            continue;
        const struct scan_file *fa = &l->files[idx[a]];
        char *stem_a = names_stem(fa->rel);
        char *key_a = names_digitless(stem_a);
        size_t members = 1;
        if (has_digit(stem_a) && headers[idx[a]][0]) {
            for (size_t b = a + 1; b < n; b++) {
                if (done[b] || !scan_headers_compatible(headers[idx[a]], headers[idx[b]]))
                    continue;
                char *stem_b = names_stem(l->files[idx[b]].rel);
                char *key_b = names_digitless(stem_b);
                if (has_digit(stem_b) && strcmp(key_a, key_b) == 0)
                    members++;
                free(stem_b);
                free(key_b);
            }
        }
        if (members > 1) {
            struct scan_source *s = add_source(g, xstrdup(key_a), 1);
            add_file(s, idx[a]);
            done[a] = 1;
            for (size_t b = a + 1; b < n; b++) {
                if (done[b] || !scan_headers_compatible(headers[idx[a]], headers[idx[b]]))
                    continue;
                char *stem_b = names_stem(l->files[idx[b]].rel);
                char *key_b = names_digitless(stem_b);
                if (has_digit(stem_b) && strcmp(key_a, key_b) == 0) {
                    add_file(s, idx[b]);
                    done[b] = 1;
                }
                free(stem_b);
                free(key_b);
            }
        } else {
            struct scan_source *s = add_source(g, names_snake(stem_a), 0);
            add_file(s, idx[a]);
            done[a] = 1;
        }
        free(stem_a);
        free(key_a);
    }
    free(done);
}

int scan_group(const struct scan_list *l, char *const *headers, struct scan_source **out,
               size_t *nout)
{
    struct group_ctx g = {0};
    size_t *idx = xmalloc((l->n ? l->n : 1) * sizeof *idx);
    unsigned char *placed = xcalloc(l->n ? l->n : 1, 1);
    size_t i = 0;
    /* Files are sorted by path, so each folder's files are contiguous. */
    while (i < l->n) {
        char *top = top_folder(l->files[i].rel);
        size_t j = i + 1;
        if (top) {
            size_t tl = strlen(top);
            int hive = top[tl - 1] == '=';
            while (j < l->n && strncmp(l->files[j].rel, top, tl) == 0 &&
                   (hive ? strchr(l->files[j].rel + tl, '/') != NULL : l->files[j].rel[tl] == '/'))
                j++;
            int same = headers[i][0] != '\0';
            for (size_t k = i + 1; k < j && same; k++)
                same = scan_headers_compatible(headers[i], headers[k]);
            if (same) {
                struct scan_source *s =
                    add_source(&g, hive ? root_name(&l->files[i]) : names_snake(top), 1);
                for (size_t k = i; k < j; k++)
                    add_file(s, k);
                free(top);
                i = j;
                continue;
            }
        } else {
            while (j < l->n && !strchr(l->files[j].rel, '/'))
                j++;
        }
        free(top);
        /* No folder-wide source: apply the digit rule folder by folder. */
        for (size_t k = i; k < j; k++) {
            if (placed[k])
                continue;
            char *dir = dir_of(l->files[k].rel);
            size_t n = 0;
            for (size_t m = k; m < j; m++) {
                char *d2 = dir_of(l->files[m].rel);
                if (!placed[m] && strcmp(d2, dir) == 0) {
                    idx[n++] = m;
                    placed[m] = 1;
                }
                free(d2);
            }
            group_digits(&g, l, headers, idx, n);
            free(dir);
        }
        i = j;
    }
    free(idx);
    free(placed);
    /* Unique names, in path order. */
    char **taken = xcalloc(g.n ? g.n : 1, sizeof *taken);
    for (size_t s = 0; s < g.n; s++) {
        char *u = names_unique(g.out[s].name, taken, s);
        free(g.out[s].name);
        g.out[s].name = u;
        taken[s] = u;
    }
    free(taken);
    *out = g.out;
    *nout = g.n;
    return 0;
}

/* The key=value folders of a relative path, in order; keys[k] and values[k] point into a
 * copy the caller frees (*buf). Returns the number found (at most max). */
static size_t hive_parts(const char *rel, char **buf, const char **keys, const char **values,
                         size_t max)
{
    char *copy = xstrdup(rel);
    *buf = copy;
    size_t n = 0;
    char *seg = copy;
    for (char *slash; (slash = strchr(seg, '/')) != NULL; seg = slash + 1) {
        *slash = '\0';
        char *eq = strchr(seg, '=');
        if (eq && eq > seg && n < max) {
            *eq = '\0';
            keys[n] = seg;
            values[n] = eq + 1;
            n++;
        }
    }
    return n;
}

static int all_digits(const char *s)
{
    if (*s == '-')
        s++;
    size_t n = strlen(s);
    if (n == 0 || n > 9)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int iso_date(const char *s)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(s) != sizeof shape - 1)
        return 0;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    return 1;
}

enum { HIVE_MAX_KEYS = 16 };

char *scan_hive_options(const struct scan_list *l, const size_t *files, size_t n)
{
    const char *keys0[HIVE_MAX_KEYS], *vals0[HIVE_MAX_KEYS];
    char *buf0 = NULL;
    size_t nk = n ? hive_parts(l->files[files[0]].rel, &buf0, keys0, vals0, HIVE_MAX_KEYS) : 0;
    int integer[HIVE_MAX_KEYS], date[HIVE_MAX_KEYS];
    for (size_t k = 0; k < nk; k++) {
        integer[k] = all_digits(vals0[k]);
        date[k] = iso_date(vals0[k]);
    }
    int same = nk > 0;
    for (size_t i = 1; i < n && same; i++) {
        const char *keys[HIVE_MAX_KEYS], *vals[HIVE_MAX_KEYS];
        char *buf;
        size_t m = hive_parts(l->files[files[i]].rel, &buf, keys, vals, HIVE_MAX_KEYS);
        same = m == nk;
        for (size_t k = 0; k < m && same; k++) {
            same = strcmp(keys[k], keys0[k]) == 0;
            integer[k] &= all_digits(vals[k]);
            date[k] &= iso_date(vals[k]);
        }
        free(buf);
    }
    struct sq_buf out;
    sq_buf_init(&out, SQ_BUF_UNLIMITED);
    if (!same) {
        sq_buf_puts(&out, ", hive_partitioning = false");
    } else {
        sq_buf_puts(&out, ", hive_partitioning = true, hive_types = {");
        for (size_t k = 0; k < nk; k++) {
            sq_buf_puts(&out, k ? ", " : "");
            sq_buf_put_literal(&out, keys0[k]);
            sq_buf_printf(&out, ": '%s'", integer[k] ? "INTEGER" : date[k] ? "DATE" : "VARCHAR");
        }
        sq_buf_puts(&out, "}");
    }
    free(buf0);
    return sq_buf_steal(&out);
}

void scan_sources_free(struct scan_source *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].files);
    }
    free(s);
}
