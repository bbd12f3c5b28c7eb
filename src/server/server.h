/*
 * `salesql serve`: the web page and the JSON API of DESIGN.md over libmicrohttpd, with
 * questions answered by a pool of workers behind a bounded queue (jobs/). The only module
 * that includes microhttpd.h. Called by cli/cmd_serve.c.
 *
 * Ownership: server_new takes the schema snapshot and the playbook (freed with the server
 * or when an ingest replaces them) and borrows the store, which must outlive the server.
 * Option strings are copied. server_free (NULL-safe) stops the server first if needed.
 */
#ifndef SQ_SERVER_SERVER_H
#define SQ_SERVER_SERVER_H

#include <stddef.h>

struct ingest_report;
struct llm_config;
struct playbook;
struct schema;
struct sq_error;
struct store;
struct server;

struct server_options {
    const char *host;     /* address to listen on (default "127.0.0.1") */
    unsigned port;        /* 0: any free port (see server_port) */
    const char *token;    /* when set, /api (but /api/health) and /metrics need it */
    size_t workers;       /* answering threads (default 2) */
    size_t queue;         /* questions waiting for a worker, at most (default 64) */
    double timeout_ms;    /* a question's time budget (default 30000) */
    size_t max_rows;      /* row cap of an answer (default 10000) */
    size_t max_body;      /* largest request body (default 64 KB) */
    double heartbeat_ms;  /* event-stream keep-alive comments (default 3000) */
    size_t max_sessions;  /* conversations kept in memory (default 128) */
    const char *data_dir; /* the data folder POST /api/ingest refreshes from */
    const char *staging_dir;
    const char *version; /* reported by /api/health */
    /* The model for deep mode and auto mode's fallback, or NULL for none (borrowed: it
     * must outlive the server); such questions get llm_deadline_ms more time. */
    const struct llm_config *llm;
    double llm_deadline_ms;
    /* Origins (scheme://host[:port]) of front ends served from elsewhere that may call the
     * API; they get CORS headers. Any other Origin is refused on all but GET and HEAD. */
    const char *const *allow_origins;
    size_t nallow_origins;
    size_t client_connections; /* connections one client address may hold (default 32) */
    double idle_timeout_ms;    /* a connection silent this long is closed (default 10000) */
};

/* A normalised origin as a buffer holds it: "https://", a host name (at most 253 bytes in
 * DNS, or a bracketed IPv6 address) and ":65535", with its NUL. */
enum { SERVER_ORIGIN_MAX = 300 };

/* Writes the origin in text ("http://Host:8080/", any case) as browsers send it in an
 * Origin header ("http://host:8080": lower case, no default port, no slash) to out.
 * Returns 0, or -1 when text is not http(s)://host[:port] ("null" and "*" are not). */
int server_origin_normalize(const char *text, char *out, size_t n);

/* Starts the workers (each with its own database connection). initial is the report of
 * the refresh made before serving, or NULL. */
int server_new(const struct server_options *o, struct store *st, struct schema *schema,
               struct playbook *pb, const struct ingest_report *initial, struct server **out,
               struct sq_error *err);
/* Binds and starts answering HTTP; fails with SQ_E_IO when the address is taken. */
int server_start(struct server *srv, struct sq_error *err);
unsigned server_port(const struct server *srv);
/* Stops accepting connections, cancels queued and running questions, closes every
 * connection and waits for every thread. Idempotent. */
void server_stop(struct server *srv);
void server_free(struct server *srv);

/* Adds to the LLM counters of /metrics. Answers' own llm figures are counted already;
 * this is for model calls made outside an answer. */
void server_count_llm(struct server *srv, long calls, long prompt_tokens, long completion_tokens);

#endif
