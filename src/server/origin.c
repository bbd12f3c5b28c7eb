/*
 * Cross-site requests. A page on any site can make a browser send a "simple" request —
 * a POST with a text/plain body, no preflight — to http://127.0.0.1:8080, and the
 * browser adds no credentials the server could miss: so the server itself refuses a
 * request that changes anything when its Origin header names another site, and requires
 * the JSON content type (which no simple request can carry) on the routes that take a
 * body. Front ends on another origin are let in with --allow-origin and get the CORS
 * headers, preflight included. Called by server.c's precheck and by every response
 * (server.c, static.c, sse.c).
 */
#include "server/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An origin or a Host header, taken apart: scheme "http" or "https" (empty for a Host
 * header), the host in lower case ("[::1]" keeps its brackets), the port (the scheme's
 * default when absent). */
struct origin {
    char scheme[sizeof "https"];
    char host[SERVER_ORIGIN_MAX];
    unsigned port;
};

static int host_char(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* Parses "host[:port]" from s up to end; default_port when it has none. */
static int parse_authority(const char *s, const char *end, unsigned default_port, struct origin *o)
{
    const char *h = s, *he;
    if (s < end && *s == '[') {
        he = memchr(s, ']', (size_t)(end - s));
        if (!he)
            return -1;
        for (const char *p = s + 1; p < he; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
                return -1;
        he++;
    } else {
        he = s;
        while (he < end && host_char((unsigned char)*he))
            he++;
    }
    size_t hn = (size_t)(he - h);
    if (hn == 0 || hn >= sizeof o->host)
        return -1;
    for (size_t i = 0; i < hn; i++)
        o->host[i] = (char)tolower((unsigned char)h[i]);
    o->host[hn] = '\0';
    o->port = default_port;
    if (he == end)
        return 0;
    if (*he != ':' || he + 1 == end || end - he > 6)
        return -1;
    unsigned port = 0;
    for (const char *p = he + 1; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        port = port * 10 + (unsigned)(*p - '0');
    }
    if (port == 0 || port > 65535)
        return -1;
    o->port = port;
    return 0;
}

/* Parses "scheme://host[:port]"; with slash_ok, one trailing "/" is allowed (as people
 * write an origin on a command line; an Origin header never has one). */
static int parse_origin(const char *s, int slash_ok, struct origin *o)
{
    unsigned def;
    if (strncasecmp(s, "http://", 7) == 0) {
        snprintf(o->scheme, sizeof o->scheme, "http");
        s += 7;
        def = 80;
    } else if (strncasecmp(s, "https://", 8) == 0) {
        snprintf(o->scheme, sizeof o->scheme, "https");
        s += 8;
        def = 443;
    } else {
        return -1;
    }
    const char *end = s + strlen(s);
    if (slash_ok && end > s && end[-1] == '/')
        end--;
    return parse_authority(s, end, def, o);
}

static void format_origin(const struct origin *o, char *out, size_t n)
{
    unsigned def = strcmp(o->scheme, "https") == 0 ? 443 : 80;
    if (o->port == def)
        snprintf(out, n, "%s://%s", o->scheme, o->host);
    else
        snprintf(out, n, "%s://%s:%u", o->scheme, o->host, o->port);
}

int server_origin_normalize(const char *text, char *out, size_t n)
{
    struct origin o;
    if (!text || parse_origin(text, 1, &o) != 0)
        return -1;
    format_origin(&o, out, n);
    return 0;
}

/* 1 when the origin is this server: the host and port the request was sent to (its Host
 * header, as a browser writes it from the page's own address; a proxy in front may add
 * https), or the address it listens on. */
static int is_own(const struct server *srv, const struct origin *o, const char *host_hdr)
{
    if (host_hdr) {
        struct origin h;
        if (parse_authority(host_hdr, host_hdr + strlen(host_hdr), o->port == 443 ? 443 : 80, &h) ==
                0 &&
            strcmp(h.host, o->host) == 0 && h.port == o->port)
            return 1;
    }
    if (strcmp(o->scheme, "http") != 0 || o->port != srv->port)
        return 0;
    char listen[SERVER_ORIGIN_MAX + sizeof "[]"];
    snprintf(listen, sizeof listen, strchr(srv->host, ':') ? "[%s]" : "%s", srv->host);
    return strcasecmp(listen, o->host) == 0;
}

static int is_allowed(const struct server *srv, const struct origin *o)
{
    char norm[SERVER_ORIGIN_MAX];
    format_origin(o, norm, sizeof norm);
    for (size_t i = 0; i < srv->norigins; i++)
        if (strcmp(srv->origins[i], norm) == 0)
            return 1;
    return 0;
}

int server__origin_json_body(struct server__request *rq)
{
    const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");
    if (!ct)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    static const char json[] = "application/json";
    size_t n = sizeof json - 1;
    if (strncasecmp(ct, json, n) != 0)
        return 0;
    const char *p = ct + n;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '\0' || *p == ';';
}

static enum MHD_Result preflight(struct server__request *rq, const char *allow_methods)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    server__origin_headers(rq, r);
    /* HEAD is implied by GET and is not a CORS method to list. */
    MHD_add_response_header(r, "Access-Control-Allow-Methods", allow_methods);
    MHD_add_response_header(r, "Access-Control-Allow-Headers",
                            "Authorization, Content-Type, Last-Event-ID");
    MHD_add_response_header(r, "Access-Control-Max-Age", "600");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    rq->status = 204;
    enum MHD_Result ret = MHD_queue_response(rq->conn, 204, r);
    MHD_destroy_response(r);
    return ret;
}

int server__origin_precheck(struct server__request *rq, const char *allow_methods)
{
    struct server *srv = rq->srv;
    const char *origin = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Origin");
    if (!origin)
        return -1; /* not sent by a browser for a page elsewhere (browsers always add it) */
    const char *host = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Host");
    struct origin o;
    int parsed = parse_origin(origin, 0, &o) == 0;
    if (parsed && is_own(srv, &o, host))
        return -1;
    if (parsed && is_allowed(srv, &o))
        rq->cors_origin = origin;
    int safe = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
    if (!rq->cors_origin && !safe) {
        char own[SERVER_ORIGIN_MAX];
        snprintf(own, sizeof own, "http://%s", host ? host : srv->host);
        if (strcmp(origin, "null") == 0)
            return server__reply_error(
                rq, 403, "cross_origin",
                "cross-site request refused: it comes from a page with no origin (Origin: "
                "null: a sandboxed frame or a local file), and only this server's own page "
                "(%s) may call the API",
                own);
        return server__reply_error(
            rq, 403, "cross_origin",
            "cross-site request refused: it comes from a page at %.200s, and only this "
            "server's own page (%s) may call the API; to let a front end there use it, "
            "start salesql serve with --allow-origin %.200s",
            origin, own, parsed ? origin : "ORIGIN");
    }
    /* A preflight carries no Authorization: it is answered before the token is checked,
     * and tells the browser which methods and headers the actual request may use. */
    if (rq->cors_origin && strcmp(rq->method, "OPTIONS") == 0 &&
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Access-Control-Request-Method")) {
        if (!allow_methods)
            return server__reply_error(rq, 404, "not_found", "no such route: %s", rq->url);
        char methods[sizeof "GET, HEAD, DELETE, POST"]; /* a route's Allow list */
        snprintf(methods, sizeof methods, "%s", allow_methods);
        char *h = strstr(methods, ", HEAD");
        if (h)
            memmove(h, h + 6, strlen(h + 6) + 1);
        return preflight(rq, methods);
    }
    return -1;
}

void server__origin_headers(const struct server__request *rq, struct MHD_Response *r)
{
    /* With front ends allowed, a response differs by Origin (the CORS headers): caches must
     * not hand one origin's copy to another. */
    if (rq->srv->norigins)
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Origin");
    if (!rq->cors_origin)
        return;
    MHD_add_response_header(r, "Access-Control-Allow-Origin", rq->cors_origin);
    MHD_add_response_header(r, "Access-Control-Expose-Headers", "Retry-After");
}
