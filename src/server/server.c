/*
 * The HTTP side of `salesql serve` (see server/server.h): the libmicrohttpd daemon in
 * thread-per-connection mode, the route table (a route's path, methods, token rule, body
 * and handlers are one row of it), the access handler (routing, methods, the token, the
 * Host check, the Origin and content-type checks of origin.c, body limits), responses,
 * timeouts, snapshots of the schema, and a clean start and stop. Called by
 * cli/cmd_serve.c; hands requests to api.c, sse.c, static.c, metrics.c and questions to
 * the jobs/ pool through work.c; connections per client are counted by conns.c.
 *
 * Why thread-per-connection: a question's request waits for its job and an event stream
 * waits for the next event, both by blocking the connection's own thread (measured with
 * libmicrohttpd 0.9.75: blocking content callbacks work in this mode; epoll with it does
 * not start). Nothing is ever suspended, so nothing needs resuming before the stop.
 */
#include "server/internal.h"

#include "answer/answer.h"
#include "answer/cache.h"
#include "base/limits.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "ingest/ingest.h"
#include "jobs/jobs.h"
#include "schema/playbook.h"
#include "schema/schema.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    CONNECTION_LIMIT = 256, /* each one is a thread; o.client_connections per address */
    BODY_IDLE_TIMES = 3     /* a body must arrive within this many idle timeouts */
};

struct server__snapshot *server__snapshot_new(struct server *srv, struct schema *schema,
                                              struct playbook *pb)
{
    struct server__snapshot *s = xcalloc(1, sizeof *s);
    s->schema = schema;
    s->pb = pb;
    s->lookup = answerer_new(NULL, schema, pb);
    answerer_use_cache(s->lookup, srv->cache);
    s->refs = 1;
    return s;
}

struct server__snapshot *server__snapshot_get(struct server *srv)
{
    pthread_mutex_lock(&srv->snap_mu);
    struct server__snapshot *s = srv->snap;
    s->refs++;
    pthread_mutex_unlock(&srv->snap_mu);
    return s;
}

void server__snapshot_put(struct server *srv, struct server__snapshot *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&srv->snap_mu);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&srv->snap_mu);
    if (last) {
        answerer_free(s->lookup);
        schema_free(s->schema);
        playbook_free(s->pb);
        free(s);
    }
}

void server__now_iso(char *out, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int server__client_gone(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return 0;
    struct pollfd p = {.fd = ci->connect_fd, .events = POLLIN | POLLRDHUP};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    if (p.revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL))
        return 1;
    if (p.revents & POLLIN) {
        /* Readable: either a pipelined request (still there) or the end of the stream. */
        char c;
        ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    }
    return 0;
}

/* An error reply's message: an error's own (SQ_ERROR_MSG_MAX) and the words around it. */
enum { REPLY_MSG_MAX = SQ_ERROR_MSG_MAX + 88 };

static void free_body(void *p)
{
    free(p);
}

enum MHD_Result server__reply(struct server__request *rq, unsigned status, const char *type,
                              char *body, size_t len, const char *hdr, const char *hdr_value)
{
    struct MHD_Response *r;
    if (body)
        r = MHD_create_response_from_buffer_with_free_callback(len, body, free_body);
    else
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (rq->route != ROUTE_STATIC)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (hdr && hdr_value)
        MHD_add_response_header(r, hdr, hdr_value);
    server__origin_headers(rq, r);
    rq->status = status;
    enum MHD_Result ret = MHD_queue_response(rq->conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result server__reply_json(struct server__request *rq, unsigned status, struct sq_buf *b)
{
    size_t len = b->len;
    char *body = sq_buf_steal(b);
    return server__reply(rq, status, "application/json", body, len, NULL, NULL);
}

static enum MHD_Result reply_error_hdr(struct server__request *rq, unsigned status,
                                       const char *code, const char *hdr, const char *value,
                                       const char *msg)
{
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, SQ_BUF_UNLIMITED);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "error");
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "code");
    sq_jw_str(&w, code);
    sq_jw_key(&w, "message");
    sq_jw_str(&w, msg);
    sq_jw_obj_end(&w);
    sq_jw_obj_end(&w);
    size_t len = b.len;
    return server__reply(rq, status, "application/json", sq_buf_steal(&b), len, hdr, value);
}

enum MHD_Result server__reply_error(struct server__request *rq, unsigned status, const char *code,
                                    const char *fmt, ...)
{
    char msg[REPLY_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return reply_error_hdr(rq, status, code, NULL, NULL, msg);
}

/* The routes, one row each, indexed by their enum value (internal.h): adding a route is
 * adding the value and its row. A path's "{id}" segment matches 1 to 64 letters, digits,
 * '-' or '_' (copied to rq->id); anything else there is no route. The two rows without a
 * path are route_of's fallbacks: the page's files outside /api, and unknown /api routes.
 * methods is the Allow header and what a preflight is told ("GET" includes HEAD); a row
 * without methods answers 404 to every method. Every route needs the token (when --token
 * is set) unless it is public. on_delete, when set, answers DELETE in place of handle. */
typedef enum MHD_Result (*route_fn)(struct server__request *rq);

struct route {
    const char *path;
    const char *metric; /* its route label in /metrics */
    const char *methods;
    int public;    /* answers without the token */
    int json_body; /* takes a body, and only as Content-Type: application/json */
    route_fn handle;
    route_fn on_delete;
};

static const struct route routes[ROUTE_COUNT] = {
    [ROUTE_HEALTH] = {.path = "/api/health",
                      .metric = "/api/health",
                      .methods = "GET, HEAD",
                      .public = 1,
                      .handle = server__api_health},
    [ROUTE_ASK] = {.path = "/api/ask",
                   .metric = "/api/ask",
                   .methods = "POST",
                   .json_body = 1,
                   .handle = server__api_ask},
    [ROUTE_JOB] = {.path = "/api/jobs/{id}",
                   .metric = "/api/jobs/:id",
                   .methods = "GET, HEAD, DELETE",
                   .handle = server__api_job,
                   .on_delete = server__api_job_cancel},
    [ROUTE_JOB_EVENTS] = {.path = "/api/jobs/{id}/events",
                          .metric = "/api/jobs/:id/events",
                          .methods = "GET, HEAD",
                          .handle = server__api_job_events},
    [ROUTE_JOB_CANCEL] = {.path = "/api/jobs/{id}/cancel",
                          .metric = "/api/jobs/:id/cancel",
                          .methods = "POST",
                          .handle = server__api_job_cancel},
    [ROUTE_SCHEMA] = {.path = "/api/schema",
                      .metric = "/api/schema",
                      .methods = "GET, HEAD",
                      .handle = server__api_schema},
    [ROUTE_INGEST] = {.path = "/api/ingest",
                      .metric = "/api/ingest",
                      .methods = "POST",
                      .json_body = 1,
                      .handle = server__api_ingest},
    [ROUTE_SUGGEST] = {.path = "/api/suggest",
                       .metric = "/api/suggest",
                       .methods = "GET, HEAD",
                       .handle = server__api_suggest},
    [ROUTE_SESSION] = {.path = "/api/sessions/{id}",
                       .metric = "/api/sessions/:id",
                       .methods = "GET, HEAD, DELETE",
                       .handle = server__api_session,
                       .on_delete = server__api_session},
    [ROUTE_METRICS] = {.path = "/metrics",
                       .metric = "/metrics",
                       .methods = "GET, HEAD",
                       .handle = server__metrics_reply},
    [ROUTE_STATIC] = {.metric = "static",
                      .methods = "GET, HEAD",
                      .public = 1,
                      .handle = server__static_reply},
    [ROUTE_OTHER] = {.metric = "other"},
};

const char *server__route_name(enum server__route r)
{
    return routes[r].metric;
}

/* 0 when every enum value has its row (a value added without one would be all zeros). */
static int routes_check(struct sq_error *err)
{
    for (size_t r = 0; r < ROUTE_COUNT; r++)
        if (!routes[r].metric)
            return sq_error_set(err, SQ_E_INTERNAL, -1, "route %zu has no row in the route table",
                                r);
    return 0;
}

static int take_id(const char *s, size_t n, char *id, size_t idn)
{
    if (n == 0 || n > SERVER__ID_MAX || n >= idn)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    memcpy(id, s, n);
    id[n] = '\0';
    return 1;
}

/* 1 when url is the path pattern, its "{id}" (if any) standing for one segment of url that
 * take_id accepts; the segment is then in id. */
static int path_matches(const char *pattern, const char *url, char *id, size_t idn)
{
    const char *slot = strstr(pattern, "{id}");
    if (!slot)
        return strcmp(url, pattern) == 0;
    size_t pre = (size_t)(slot - pattern);
    if (strncmp(url, pattern, pre) != 0)
        return 0;
    const char *seg = url + pre;
    size_t n = strcspn(seg, "/");
    return strcmp(seg + n, slot + 4) == 0 && take_id(seg, n, id, idn);
}

static enum server__route route_of(const char *url, char *id, size_t idn)
{
    for (size_t r = 0; r < ROUTE_COUNT; r++)
        if (routes[r].path && path_matches(routes[r].path, url, id, idn))
            return (enum server__route)r;
    if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0)
        return ROUTE_OTHER;
    return ROUTE_STATIC;
}

static int method_allowed(enum server__route r, const char *method)
{
    const char *allow = routes[r].methods;
    if (!allow)
        return 1; /* unknown routes answer 404 whatever the method */
    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    size_t n = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)); p += n)
        if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

/* Constant-time comparison of the bearer token: the time taken does not depend on where
 * the first wrong character is (nor on the length of the token the client sent). */
static int token_ok(const struct server *srv, struct MHD_Connection *conn)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    const char *given = h + 7;
    while (*given == ' ')
        given++;
    size_t gl = strlen(given), tl = strlen(srv->token);
    unsigned char diff = gl != tl;
    for (size_t i = 0; i < tl; i++)
        diff |= (unsigned char)(srv->token[i] ^ (i < gl ? given[i] : 0));
    return diff == 0;
}

/* When listening on loopback, the Host header must name loopback too: a web page from
 * elsewhere cannot then reach the API by rebinding its own name to 127.0.0.1. */
static int host_ok(const struct server *srv, struct MHD_Connection *conn)
{
    if (!srv->loopback)
        return 1;
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    if (!h)
        return 1; /* HTTP/1.0 */
    size_t n = strlen(h);
    const char *colon = h[0] == '[' ? strchr(h, ']') : strchr(h, ':');
    if (h[0] == '[' && colon)
        colon = colon[1] == ':' ? colon + 1 : NULL;
    if (colon)
        n = (size_t)(colon - h);
    static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && strncasecmp(h, names[i], n) == 0)
            return 1;
    return 0;
}

/* The checks made on the headers alone, before any body is read. Returns -1 to go on, or
 * the result of the error response queued. */
static int precheck(struct server__request *rq, const char *method)
{
    struct server *srv = rq->srv;
    if (!host_ok(srv, rq->conn))
        return server__reply_error(rq, 403, "forbidden",
                                   "this server answers only requests addressed to localhost "
                                   "(it listens on %s; see --host)",
                                   srv->host);
    /* A request from a page elsewhere is refused before the token is looked at (there may
     * be none), and an allowed front end's preflight, which never carries it, answered. */
    const struct route *rt = &routes[rq->route];
    int r = server__origin_precheck(rq, rt->methods);
    if (r >= 0)
        return r;
    /* The token before anything else under /api: without it, nothing about the API shows,
     * not even which routes exist. */
    if (srv->token && !rt->public && !token_ok(srv, rq->conn))
        return reply_error_hdr(rq, 401, "unauthorized", "WWW-Authenticate",
                               "Bearer realm=\"salesql\"",
                               "this server needs its token: Authorization: Bearer TOKEN");
    if (!rt->methods || (rq->route == ROUTE_STATIC && !server__static_exists(rq->url)))
        return server__reply_error(rq, 404, "not_found", "no such route: %s %s", method, rq->url);
    if (!method_allowed(rq->route, method))
        return reply_error_hdr(rq, 405, "method_not_allowed", "Allow", rt->methods,
                               "this route does not take that method");
    /* The routes that take a body take JSON, and say so: a form or a text/plain body is
     * what a page elsewhere can send without asking first. */
    if (rt->json_body && !server__origin_json_body(rq)) {
        const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");
        char msg[REPLY_MSG_MAX];
        snprintf(msg, sizeof msg,
                 "%s %s takes a JSON body: send Content-Type: application/json (this request "
                 "%s%.120s%s)",
                 method, rq->url, ct ? "said '" : "had none", ct ? ct : "", ct ? "'" : "");
        return reply_error_hdr(rq, 415, "unsupported_media_type", "Accept-Post", "application/json",
                               msg);
    }
    const char *cl = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || end == cl || n > srv->o.max_body)
            return server__reply_error(
                rq, 413, "too_large", "the request body is larger than %zu bytes", srv->o.max_body);
    }
    return -1;
}

static enum MHD_Result dispatch(struct server__request *rq)
{
    const struct route *rt = &routes[rq->route];
    route_fn fn = rt->on_delete && strcmp(rq->method, "DELETE") == 0 ? rt->on_delete : rt->handle;
    if (!fn)
        return server__reply_error(rq, 404, "not_found", "no such route");
    return fn(rq);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct server *srv = cls;
    struct server__request *rq = *con_cls;
    if (!rq) {
        rq = xcalloc(1, sizeof *rq);
        rq->srv = srv;
        rq->conn = conn;
        rq->url = url;
        rq->t0 = sq_now_ms();
        snprintf(rq->method, sizeof rq->method, "%s", method);
        rq->route = route_of(url, rq->id, sizeof rq->id);
        sq_buf_init(&rq->body, srv->o.max_body);
        *con_cls = rq;
        server__conn_busy(srv, conn, 1);
        int r = precheck(rq, method);
        return r < 0 ? MHD_YES : (enum MHD_Result)r;
    }
    if (rq->status) {
        /* Answered from the headers: the rest of the body is not wanted. */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        /* The idle timeout bounds the silence between two pieces of a body; this bounds
         * the whole of it, so that a byte now and then cannot hold a connection. */
        if (sq_now_ms() - rq->t0 > (double)srv->idle_s * 1000 * BODY_IDLE_TIMES)
            return MHD_NO;
        if (!rq->too_big && sq_buf_append(&rq->body, upload, *upload_size) != 0)
            rq->too_big = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->too_big)
        return server__reply_error(rq, 413, "too_large",
                                   "the request body is larger than %zu bytes", srv->o.max_body);
    enum MHD_Result ret = dispatch(rq);
    /* A question or a refresh may have blocked this thread far longer than the idle
     * timeout, with no activity libmicrohttpd could see. 0.9.75 sends the answer before it
     * looks at the clock (measured: a 2 s answer under a 1 s timeout arrives), but restart
     * the clock anyway, so that the answer's own sending gets a whole timeout. An event
     * stream runs after this, with the longer timeout sse.c gave it. */
    if (rq->route != ROUTE_JOB_EVENTS)
        server__conn_timeout(conn, srv->idle_s);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct server *srv = cls;
    struct server__request *rq = *con_cls;
    if (!rq)
        return;
    server__conn_busy(srv, conn, 0);
    if (rq->route == ROUTE_JOB_EVENTS)
        server__conn_timeout(conn, srv->idle_s); /* back from the stream's to idle */
    server__metrics_request(&srv->metrics, rq->route, rq->status, sq_now_ms() - rq->t0);
    sq_buf_fini(&rq->body);
    free(rq);
    *con_cls = NULL;
}

static void on_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void on_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[SQ_ERROR_MSG_MAX]; /* one of libmicrohttpd's messages: cut where longer */
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    sq_log_debug("http: %s", line);
}

static void copy_report(struct server__ingest_state *st, const struct ingest_report *rep)
{
    for (size_t i = 0; i < st->nfail; i++) {
        free(st->fail_paths[i]);
        free(st->fail_errors[i]);
    }
    free(st->fail_paths);
    free(st->fail_errors);
    st->fail_paths = st->fail_errors = NULL;
    st->nfail = 0;
    if (!rep)
        return;
    st->have_report = 1;
    st->files = rep->files;
    st->changed = rep->changed;
    st->loaded = rep->loaded;
    st->failed = rep->failed;
    st->dropped = rep->dropped;
    st->sources = rep->sources;
    st->rows = rep->rows;
    st->ms = rep->ms;
    if (rep->nfailures) {
        st->fail_paths = xcalloc(rep->nfailures, sizeof *st->fail_paths);
        st->fail_errors = xcalloc(rep->nfailures, sizeof *st->fail_errors);
        for (size_t i = 0; i < rep->nfailures; i++) {
            st->fail_paths[i] = xstrdup(rep->failures[i].path ? rep->failures[i].path : "");
            st->fail_errors[i] = xstrdup(rep->failures[i].error ? rep->failures[i].error : "");
        }
        st->nfail = rep->nfailures;
    }
}

void server__ingest_record(struct server *srv, const struct ingest_report *rep)
{
    copy_report(&srv->ingest, rep);
    server__now_iso(srv->ingest.refreshed_at, sizeof srv->ingest.refreshed_at);
}

static int is_loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 ||
           strcmp(host, "::1") == 0 || strncmp(host, "127.", 4) == 0;
}

int server_new(const struct server_options *o, struct store *st, struct schema *schema,
               struct playbook *pb, const struct ingest_report *initial, struct server **out,
               struct sq_error *err)
{
    struct server *srv = xcalloc(1, sizeof *srv);
    srv->o = *o;
    srv->host = xstrdup(o->host ? o->host : "127.0.0.1");
    srv->token = o->token && *o->token ? xstrdup(o->token) : NULL;
    srv->data_dir = xstrdup(o->data_dir ? o->data_dir : "./data");
    srv->staging_dir = o->staging_dir ? xstrdup(o->staging_dir) : NULL;
    srv->version = xstrdup(o->version ? o->version : "");
    srv->o.host = srv->host;
    srv->o.token = srv->token;
    srv->o.data_dir = srv->data_dir;
    srv->o.staging_dir = srv->staging_dir;
    srv->o.version = srv->version;
    if (!srv->o.workers)
        srv->o.workers = 2;
    if (!srv->o.queue)
        srv->o.queue = 64;
    if (srv->o.timeout_ms <= 0)
        srv->o.timeout_ms = STORE_DEFAULT_TIMEOUT_MS;
    if (!srv->o.max_rows)
        srv->o.max_rows = STORE_DEFAULT_MAX_ROWS;
    if (!srv->o.max_body)
        srv->o.max_body = 64 * 1024;
    if (srv->o.heartbeat_ms <= 0)
        srv->o.heartbeat_ms = 3000;
    if (!srv->o.max_sessions)
        srv->o.max_sessions = 128;
    if (!srv->o.client_connections)
        srv->o.client_connections = 32;
    if (srv->o.idle_timeout_ms <= 0)
        srv->o.idle_timeout_ms = 10000;
    srv->idle_s = (unsigned)((srv->o.idle_timeout_ms + 999) / 1000);
    if (srv->idle_s < 1)
        srv->idle_s = 1;
    if (o->nallow_origins) {
        srv->origins = xcalloc(o->nallow_origins, sizeof *srv->origins);
        for (size_t i = 0; i < o->nallow_origins; i++) {
            char norm[SERVER_ORIGIN_MAX];
            if (server_origin_normalize(o->allow_origins[i], norm, sizeof norm) != 0)
                continue; /* cmd_serve refused it already */
            srv->origins[srv->norigins++] = xstrdup(norm);
        }
    }
    srv->o.allow_origins = NULL; /* the copies are srv->origins */
    srv->o.nallow_origins = 0;
    pthread_mutex_init(&srv->conn_mu, NULL);
    srv->loopback = is_loopback(srv->host);
    srv->store = st;
    srv->listen_fd = -1;
    srv->started_ms = sq_now_ms();
    pthread_mutex_init(&srv->snap_mu, NULL);
    pthread_mutex_init(&srv->ingest_mu, NULL);
    pthread_mutex_init(&srv->state_mu, NULL);
    /* One answer cache for every worker and connection thread, kept in the database when
     * it is writable; answers of marts that changed since it was written are dropped. */
    srv->cache = answer_cache_new(NULL, st);
    answer_cache_prune(srv->cache, schema);
    srv->snap = server__snapshot_new(srv, schema, pb);
    srv->snap->gen = 1;
    if (initial)
        server__ingest_record(srv, initial);
    srv->sessions = server__sessions_new(srv->o.max_sessions);
    /* The job's budget leaves a second past the query's own time limit, so that a slow
     * query is stopped by its limit (with that message) and the budget catches the rest. */
    struct jobs_options jo = {.workers = srv->o.workers,
                              .capacity = srv->o.queue,
                              .budget_ms = srv->o.timeout_ms + 1000,
                              .max_events = 32,
                              .max_event_bytes = 64 * 1024,
                              .ttl_ms = 10 * 60 * 1000,
                              .max_finished = 1024,
                              .worker_init = server__worker_init,
                              .worker_fini = server__worker_fini,
                              .interrupt = server__worker_interrupt,
                              .ud = srv};
    int rc = routes_check(err);
    if (!rc)
        rc = jobs_new(&jo, &srv->jobs, err);
    if (rc) {
        srv->stopped = 1;
        server_free(srv);
        *out = NULL;
        return rc;
    }
    *out = srv;
    return 0;
}

static int resolve(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len,
                   struct sq_error *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char ps[SQ_NUM_TEXT_MAX];
    snprintf(ps, sizeof ps, "%u", port);
    int e = getaddrinfo(host, ps, &hints, &res);
    if (e != 0 || !res)
        return sq_error_set(err, SQ_E_USAGE, -1, "cannot listen on '%s': %s", host,
                            e ? gai_strerror(e) : "no address");
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int server_start(struct server *srv, struct sq_error *err)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int rc = resolve(srv->host, srv->o.port, &ss, &sl, err);
    if (rc)
        return rc;
    (void)sl;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The idle timeout is short (10 s): it is what frees a connection whose request never
     * comes. Answers and streams that take longer are kept (on_request, sse.c). Not
     * MHD_OPTION_PER_IP_CONNECTION_LIMIT: it refuses the newest connection, which on
     * loopback is as likely the page's as a flood's (conns.c). */
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)srv->o.port, server__conn_accept, srv, on_request, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        srv, MHD_OPTION_NOTIFY_CONNECTION, server__conn_notify, srv, MHD_OPTION_CONNECTION_TIMEOUT,
        srv->idle_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, srv, MHD_OPTION_END);
    if (!srv->daemon)
        return sq_error_set(err, SQ_E_IO, -1,
                            "cannot listen on %s port %u: the address is in use or not this "
                            "machine's (try another --port or --host)",
                            srv->host, srv->o.port);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : srv->o.port;
    return 0;
}

unsigned server_port(const struct server *srv)
{
    return srv->port;
}

void server_stop(struct server *srv)
{
    if (!srv || srv->stopped)
        return;
    atomic_store(&srv->stopping, 1);
    /* The order matters: no new connections; then every job ends (so that every
     * connection thread waiting on one returns); then the connections close. */
    if (srv->daemon)
        srv->listen_fd = MHD_quiesce_daemon(srv->daemon);
    jobs_stop(srv->jobs);
    if (srv->daemon) {
        MHD_stop_daemon(srv->daemon);
        srv->daemon = NULL;
    }
    if (srv->listen_fd >= 0) {
        close(srv->listen_fd);
        srv->listen_fd = -1;
    }
    srv->stopped = 1;
}

void server_free(struct server *srv)
{
    if (!srv)
        return;
    server_stop(srv);
    jobs_free(srv->jobs);
    server__sessions_free(srv->sessions);
    server__snapshot_put(srv, srv->snap);
    answer_cache_free(srv->cache); /* after every answerer using it */
    copy_report(&srv->ingest, NULL);
    pthread_mutex_destroy(&srv->snap_mu);
    pthread_mutex_destroy(&srv->ingest_mu);
    pthread_mutex_destroy(&srv->state_mu);
    server__conns_free(srv);
    pthread_mutex_destroy(&srv->conn_mu);
    for (size_t i = 0; i < srv->norigins; i++)
        free(srv->origins[i]);
    free(srv->origins);
    free(srv->host);
    free(srv->token);
    free(srv->data_dir);
    free(srv->staging_dir);
    free(srv->version);
    free(srv);
}

void server_count_llm(struct server *srv, long calls, long prompt_tokens, long completion_tokens)
{
    atomic_fetch_add(&srv->metrics.llm_calls, (unsigned long long)(calls > 0 ? calls : 0));
    atomic_fetch_add(&srv->metrics.llm_prompt_tokens,
                     (unsigned long long)(prompt_tokens > 0 ? prompt_tokens : 0));
    atomic_fetch_add(&srv->metrics.llm_completion_tokens,
                     (unsigned long long)(completion_tokens > 0 ? completion_tokens : 0));
}
