/*
 * The page's files, served from the table compiled into the binary (server/assets.h):
 * `/` is web/index.html, /X is web/X, /vendor/X is third_party/web/X. Each response
 * carries its content type, a strong ETag (an If-None-Match that names it gets 304) and a
 * cache policy: the page's own files are revalidated every time, the vendored libraries
 * are kept for a week. Called by server.c.
 */
#include "server/assets.h"
#include "server/internal.h"

#include <string.h>

static const struct server_asset *find(const char *url)
{
    if (strcmp(url, "/") == 0)
        url = "/index.html";
    for (size_t i = 0; i < server_nassets; i++)
        if (strcmp(server_assets[i].path, url) == 0)
            return &server_assets[i];
    return NULL;
}

int server__static_exists(const char *url)
{
    return find(url) != NULL;
}

/* 1 when the If-None-Match list names etag (or is "*"); weak forms match too. */
static int etag_matches(const char *header, const char *etag)
{
    size_t n = strlen(etag);
    for (const char *p = header; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

enum MHD_Result server__static_reply(struct server__request *rq)
{
    const struct server_asset *a = find(rq->url);
    if (!a)
        return server__reply_error(rq, 404, "not_found", "no such page: %s", rq->url);
    const char *inm = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "If-None-Match");
    int not_modified = inm && etag_matches(inm, a->etag);
    struct MHD_Response *r =
        not_modified
            ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)
            : MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    if (!not_modified)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a->etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, a->cache);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (strcmp(a->path, "/index.html") == 0) {
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    }
    server__origin_headers(rq, r);
    rq->status = not_modified ? 304 : 200;
    enum MHD_Result ret = MHD_queue_response(rq->conn, rq->status, r);
    MHD_destroy_response(r);
    return ret;
}
