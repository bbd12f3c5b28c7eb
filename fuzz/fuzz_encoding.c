/*
 * libFuzzer target for encoding detection (ingest/encoding.c): runs enc_detect_buffer on
 * the input as a whole text and as a prefix, and checks the answers, not just the absence
 * of crashes: ASCII is reported exactly when there is no byte >= 0x80, UTF-8 that needs no
 * transcoding is valid UTF-8, and a single-byte code page chosen for the text decodes every
 * byte of it. Small inputs are also transcoded with the detected encoding, which must
 * succeed (the copy must then be valid UTF-8) unless the choice was UTF-8 with invalid
 * bytes. fuzz/replay.c replays fuzz/corpus/encoding/ in the normal test run.
 */
#include "base/error.h"
#include "base/mem.h"
#include "ingest/encoding.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char workdir[64];

static void cleanup(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/in.csv", workdir);
    unlink(path);
    snprintf(path, sizeof path, "%s/out.csv", workdir);
    unlink(path);
    rmdir(workdir);
}

/* Whether iconv converts all n bytes from `from` to UTF-8. */
static int decodes(const char *from, const uint8_t *p, size_t n)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        abort();
    char out[4096];
    char *ip = (char *)p;
    size_t il = n;
    int ok = 1;
    while (il > 0) {
        char *op = out;
        size_t ol = sizeof out;
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != E2BIG) {
            ok = 0;
            break;
        }
    }
    iconv_close(cd);
    return ok;
}

static void check(const uint8_t *data, size_t size, int at_eof)
{
    static const char *const SINGLE[] = {"CP1252", "ISO-8859-1", "ISO-8859-15", "CP850",
                                         "CP437",  "CP1250",     "MACINTOSH"};
    struct enc_result r;
    memset(&r, 0x5A, sizeof r);
    if (enc_detect_buffer(data, size, at_eof, &r) != 0)
        abort();
    if (!memchr(r.name, '\0', sizeof r.name) || !memchr(r.detail, '\0', sizeof r.detail) ||
        !r.name[0] || !r.detail[0])
        abort();
    if ((size_t)r.bom_bytes > size)
        abort();
    int high = 0;
    for (size_t i = 0; i < size; i++)
        high |= data[i] >= 0x80;
    int utf16 = strncmp(r.name, "UTF-16", 6) == 0;
    if (r.ascii_only && (high || strcmp(r.name, "UTF-8") != 0 || r.needs_transcode))
        abort();
    if (!high && !utf16 && !r.ascii_only)
        abort();
    if (at_eof && strcmp(r.name, "UTF-8") == 0 && !r.needs_transcode &&
        !decodes("UTF-8", data, size))
        abort();
    for (size_t i = 0; i < sizeof SINGLE / sizeof SINGLE[0]; i++)
        if (strcmp(r.name, SINGLE[i]) == 0 && !decodes(r.name, data, size))
            abort();
    if (!at_eof || size > 65536 || (size >= 2 && data[0] == 0x1F && data[1] == 0x8B))
        return;
    if (!workdir[0]) {
        snprintf(workdir, sizeof workdir, "/tmp/sq-fuzz-enc-XXXXXX");
        if (!mkdtemp(workdir))
            abort();
        atexit(cleanup);
    }
    char in[128], out[128];
    snprintf(in, sizeof in, "%s/in.csv", workdir);
    snprintf(out, sizeof out, "%s/out.csv", workdir);
    int fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
        abort();
    struct sq_error err;
    sq_error_clear(&err);
    int rc = enc_transcode_file(in, r.name, out, &err);
    /* A single-byte code page was checked above to decode every byte, and UTF-8 that
     * needs no transcoding is valid: both must convert. Anything else may fail, but only
     * for what the bytes are. */
    int must = strcmp(r.name, "UTF-8") == 0 && !r.needs_transcode;
    for (size_t i = 0; i < sizeof SINGLE / sizeof SINGLE[0]; i++)
        must |= strcmp(r.name, SINGLE[i]) == 0;
    if (rc != 0 && (must || rc != SQ_E_ENCODING || err.msg[0] == '\0'))
        abort();
    if (rc == 0) {
        /* The copy is UTF-8 and never longer than three bytes per input byte. */
        FILE *f = fopen(out, "rb");
        if (!f)
            abort();
        uint8_t *copy = xmalloc(3 * size + 1);
        size_t n = fread(copy, 1, 3 * size + 1, f);
        fclose(f);
        if (n > 3 * size || !decodes("UTF-8", copy, n))
            abort();
        if (strcmp(r.name, "UTF-8") == 0 && n != size - (size_t)r.bom_bytes)
            abort();
        free(copy);
        unlink(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, 1);
    check(data, size, 0);
    return 0;
}
