/*
 * Internal to server/: the server's state, one request's context, and the functions the
 * files of the module share (server__*): responses (server.c), API handlers (api.c), the
 * event stream (sse.c), workers and the ask job (work.c), sessions (sessions.c), metrics
 * (metrics.c), static files (static.c), type-ahead (suggest.c).
 *
 * Ownership: a struct server__snapshot is reference-counted (server__snapshot_get/put);
 * a request context lives from the first call of the access handler to MHD's completion
 * callback.
 */
#ifndef SQ_SERVER_INTERNAL_H
#define SQ_SERVER_INTERNAL_H

#include "base/buf.h"
#include "server/server.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

/* The {id} of /api/jobs/{id} and /api/sessions/{id}: 1 to this many letters, digits, '-'
 * or '_' (a job's id is JOBS_ID_LEN; a client names its sessions). */
enum { SERVER__ID_MAX = 64 };
/* A time as the API writes it: ISO-8601 UTC ("2024-05-01T12:00:00Z"), or DuckDB's text of a
 * TIMESTAMP ("2024-05-01 12:00:00.123456"), with its NUL and room to spare. */
enum { SERVER__TIME_TEXT_MAX = 40 };

struct answer;
struct answer_cache;
struct answerer;
struct job;
struct jobs;
struct sq_jw;

/* The schema and playbook the answers use; an ingest makes a new one and swaps it in,
 * and the old one lives until the last worker and request using it let go. lookup is an
 * answerer over them used only for answer_lookup, by any connection thread at once. */
struct server__snapshot {
    struct schema *schema;
    struct playbook *pb;
    struct answerer *lookup;
    unsigned long gen;
    int refs; /* under server.snap_mu */
};

/* The routes; each value has its row in server.c's route table (path, methods, token,
 * body, handlers, metrics label). */
enum server__route {
    ROUTE_HEALTH,
    ROUTE_ASK,
    ROUTE_JOB,
    ROUTE_JOB_EVENTS,
    ROUTE_JOB_CANCEL,
    ROUTE_SCHEMA,
    ROUTE_INGEST,
    ROUTE_SUGGEST,
    ROUTE_SESSION,
    ROUTE_METRICS,
    ROUTE_STATIC,
    ROUTE_OTHER,
    ROUTE_COUNT
};

enum { SERVER__NSTATUS = 17, SERVER__NBUCKETS = 14, SERVER__NANSWER = 5 };

struct server__metrics {
    atomic_ullong requests[ROUTE_COUNT][SERVER__NSTATUS];
    atomic_ullong latency[ROUTE_COUNT][SERVER__NBUCKETS + 1]; /* per bucket, +Inf last */
    atomic_ullong latency_us[ROUTE_COUNT];
    atomic_ullong answers[SERVER__NANSWER]; /* ok, unsupported, rejected, error, other */
    atomic_ullong cache_hits;
    atomic_ullong llm_calls, llm_prompt_tokens, llm_completion_tokens;
    atomic_ullong ingests, ingest_failures;
    atomic_llong streams;                       /* event streams open now */
    atomic_llong connections;                   /* open now */
    atomic_ullong conns_refused, conns_evicted; /* by the per-address limit (conns.c) */
};

/* What the last refresh did, for /api/schema and /api/health. */
struct server__ingest_state {
    int refreshing;
    int have_report;
    char refreshed_at[SERVER__TIME_TEXT_MAX]; /* ISO-8601 UTC, or "" */
    size_t files, changed, loaded, failed, dropped, sources;
    long long rows;
    double ms;
    char **fail_paths;
    char **fail_errors;
    size_t nfail;
};

struct server__sessions;
struct server__conn;

struct server {
    struct server_options o; /* strings below are the server's copies */
    char *host, *token, *data_dir, *staging_dir, *version;
    char **origins; /* o.allow_origins normalized (server_origin_normalize) */
    size_t norigins;
    int loopback;
    unsigned idle_s;            /* o.idle_timeout_ms in whole seconds, at least 1 */
    pthread_mutex_t conn_mu;    /* conns */
    struct server__conn *conns; /* every open connection (conns.c) */
    struct store *store;
    pthread_mutex_t snap_mu;
    struct server__snapshot *snap;
    pthread_mutex_t ingest_mu; /* one refresh at a time; the only user of store_main */
    pthread_mutex_t state_mu;  /* ingest state */
    struct server__ingest_state ingest;
    struct jobs *jobs;
    struct answer_cache *cache; /* every answerer's, connection threads' and workers' */
    struct server__sessions *sessions;
    struct server__metrics metrics;
    struct MHD_Daemon *daemon;
    int listen_fd;
    atomic_int stopping;
    int stopped;
    double started_ms;
    unsigned port;
};

/* One HTTP request, from its headers to its completion. */
struct server__request {
    struct server *srv;
    struct MHD_Connection *conn;
    enum server__route route;
    char method[sizeof "OPTIONS"]; /* the longest method a route answers */
    char id[SERVER__ID_MAX + 1];   /* the {id} of /api/jobs/{id}, /api/sessions/{id} */
    const char *url;
    double t0;
    unsigned status; /* of the response queued, 0 before */
    struct sq_buf body;
    int too_big;
    const char *cors_origin; /* the Origin header when --allow-origin lets it in, or NULL */
};

/* Records a refresh's report and time as the ingest state; call under state_mu. */
struct ingest_report;
void server__ingest_record(struct server *srv, const struct ingest_report *rep);

/* Snapshots. server__snapshot_new takes schema and pb (one reference, generation 0). */
struct server__snapshot *server__snapshot_new(struct server *srv, struct schema *schema,
                                              struct playbook *pb);
struct server__snapshot *server__snapshot_get(struct server *srv);
void server__snapshot_put(struct server *srv, struct server__snapshot *s);

/* Responses: each queues one response and returns MHD's verdict. Bodies are taken. */
enum MHD_Result server__reply(struct server__request *rq, unsigned status, const char *type,
                              char *body, size_t len, const char *hdr, const char *hdr_value);
enum MHD_Result server__reply_json(struct server__request *rq, unsigned status, struct sq_buf *b);
enum MHD_Result server__reply_error(struct server__request *rq, unsigned status, const char *code,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* 1 when the client of this connection has closed it (checked without blocking). */
int server__client_gone(struct MHD_Connection *conn);
/* Now as ISO-8601 UTC ("2024-05-01T12:00:00Z"). */
void server__now_iso(char *out, size_t n);

/* API handlers (api.c, sse.c, suggest.c, metrics.c, static.c). */
enum MHD_Result server__api_health(struct server__request *rq);
enum MHD_Result server__api_ask(struct server__request *rq);
enum MHD_Result server__api_job(struct server__request *rq);
enum MHD_Result server__api_job_cancel(struct server__request *rq);
enum MHD_Result server__api_job_events(struct server__request *rq);
enum MHD_Result server__api_schema(struct server__request *rq);
enum MHD_Result server__api_ingest(struct server__request *rq);
enum MHD_Result server__api_suggest(struct server__request *rq);
enum MHD_Result server__api_session(struct server__request *rq);
enum MHD_Result server__metrics_reply(struct server__request *rq);
enum MHD_Result server__static_reply(struct server__request *rq);
int server__static_exists(const char *url);

/* A job as JSON: {id, state, question, ..., answer, error} (api.c). */
void server__write_job(struct server *srv, struct job *j, int with_answer, struct sq_jw *w);

/* Workers and the ask job (work.c). */
struct server__ask {
    struct server *srv;
    char *question;
    char mode[sizeof "auto"];         /* "auto", "fast" or "deep" */
    char session[SERVER__ID_MAX + 1]; /* "" for none */
    int async;
    atomic_int stage; /* index into server__stage_names, 0 before the first */
};
extern const char *const server__stage_names[];
int server__worker_init(void *ud, size_t index, void **ctx, struct sq_error *err);
void server__worker_fini(void *ud, void *ctx);
void server__worker_interrupt(void *ud, void *ctx);
int server__run_ask(struct job *j, void *ctx, void *arg);
void server__ask_free(void *arg);
/* The answer object (JSON) of a synchronous question when the answer cache holds it, or
 * NULL: looked up on the calling (connection) thread, so that a hit does not wait behind
 * the questions queued for the workers. A hit is recorded as a worker's answer is (the
 * session's frame and history, the metrics). */
char *server__ask_cached(struct server *srv, const struct server__ask *a);

/* Sessions (sessions.c): a bounded, least-recently-used set of conversations, each with
 * the frame of its last answer (as JSON) and a bounded history. Thread-safe. */
struct server__sessions *server__sessions_new(size_t max_sessions);
void server__sessions_free(struct server__sessions *ss);
/* A copy of the session's last frame (JSON), or NULL. */
char *server__sessions_frame(struct server__sessions *ss, const char *id);
/* Adds a question and its answer (JSON) to the session, creating it; frame_json (may be
 * NULL) replaces the frame follow-ups edit. */
void server__sessions_record(struct server__sessions *ss, const char *id, const char *question,
                             const char *job_id, const char *status, const char *answer_json,
                             const char *frame_json);
/* Writes {"id", "created", "updated", "history": [...]}; SQ_E_NOT_FOUND when unknown. */
int server__sessions_write(struct server__sessions *ss, const char *id, struct sq_jw *w);
int server__sessions_delete(struct server__sessions *ss, const char *id);
size_t server__sessions_count(struct server__sessions *ss);

/* Cross-site requests (origin.c). Checks the Origin and Content-Type of a request from
 * its headers, sets rq->cors_origin for an allowed front end and answers its preflight.
 * Returns -1 to go on, or MHD's verdict on the error (or preflight) response queued. */
int server__origin_precheck(struct server__request *rq, const char *allow_methods);
/* 1 when the request's Content-Type is application/json (parameters allowed). */
int server__origin_json_body(struct server__request *rq);
/* Adds the CORS headers this request's response needs (none for a foreign origin). */
void server__origin_headers(const struct server__request *rq, struct MHD_Response *r);

/* Connections (conns.c): at most o.client_connections per client address; past that the
 * oldest one still waiting for its request is closed to make room, or, when every one is
 * answering, the new one is refused. Callbacks of the daemon, then the access handler's
 * marks. */
enum MHD_Result server__conn_accept(void *cls, const struct sockaddr *addr, socklen_t len);
void server__conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                         enum MHD_ConnectionNotificationCode code);
/* Marks the connection answering a request (not to be closed for room) or idle again. */
void server__conn_busy(struct server *srv, struct MHD_Connection *conn, int busy);
/* Sets the connection's idle timeout to seconds, counted from now. */
void server__conn_timeout(struct MHD_Connection *conn, unsigned seconds);
/* Closes connections still open after the daemon stopped (none, normally). */
void server__conns_free(struct server *srv);

/* Metrics (metrics.c). A route's label is its pattern ("/api/jobs/:id"), from the route
 * table (server.c). */
const char *server__route_name(enum server__route r);
void server__metrics_request(struct server__metrics *m, enum server__route r, unsigned status,
                             double ms);
void server__metrics_answer(struct server__metrics *m, const struct answer *a);

/* Type-ahead (suggest.c): up to max completions of q as {"q", "suggestions": [...]}. */
void server__suggest(const struct server__snapshot *snap, const char *q, size_t max,
                     struct sq_jw *w);

#endif
