/*
 * `salesql serve`: opens the data folder the way `ask` does (a refresh when files
 * changed, then the lockdown), starts the web page and JSON API of server/, prints the
 * URL and serves until SIGINT or SIGTERM, then stops cleanly: no new connections, queued
 * and running questions cancelled, every thread joined, everything freed.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "base/error.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"
#include "llm/llm.h"
#include "schema/schema.h"
#include "server/server.h"
#include "store/store.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SALESQL_VERSION "0.1.0" /* as `salesql --version` prints it (main.c) */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: salesql serve [--data DIR] [--db FILE] [--port N] [--host ADDR]\n"
            "                     [--token SECRET] [--allow-origin ORIGIN] [--workers N]\n"
            "                     [--queue N] [--timeout MS] [--max-rows N] [--no-refresh]\n"
            "\n"
            "Serves the web page and the JSON API over the loaded data until Ctrl-C:\n"
            "  salesql serve --data ~/sales        then open http://127.0.0.1:8080\n"
            "\n"
            "  --port N          port to listen on (default 8080; 0 picks a free one)\n"
            "  --host ADDR       address to listen on (default 127.0.0.1, this machine only)\n"
            "  --token SECRET    require Authorization: Bearer SECRET on /api and /metrics\n"
            "                    (or set SALESQL_TOKEN, which keeps it out of `ps`)\n"
            "  --allow-origin ORIGIN  let a front end served from ORIGIN (http://host:port)\n"
            "                    call the API from the browser, with CORS headers; repeat it\n"
            "                    or separate origins with commas. Requests from any other\n"
            "                    page get 403 (all but GET and HEAD)\n"
            "  --workers N       questions answered at once (default 2)\n"
            "  --queue N         questions waiting at most; more get 429 (default 64)\n"
            "  --timeout MS      time budget of one question (default %d)\n"
            "  --max-rows N      at most N rows per answer (default %d)\n"
            "  --heartbeat MS    keep-alive comments on event streams (default 3000)\n"
            "  --client-connections N  connections one client address may hold (default\n"
            "                    32); past that its oldest idle one is closed, or the new\n"
            "                    one refused when all are answering\n"
            "  --idle-timeout MS close a connection silent this long (default 10000; answers\n"
            "                    being worked on and event streams are not cut)\n"
            "  --no-refresh      do not load changed files first (POST /api/ingest does)\n"
            "  --follow-symlinks refreshes also load links out of DIR (see ingest)\n"
            "\n"
            "Routes: GET / (the page), GET /api/health, POST /api/ask, GET|DELETE\n"
            "/api/jobs/ID, GET /api/jobs/ID/events, POST /api/jobs/ID/cancel, GET /api/schema,\n"
            "POST /api/ingest, GET /api/suggest?q=, GET|DELETE /api/sessions/ID, GET /metrics.\n"
            "POST bodies are JSON and must say so (Content-Type: application/json; else 415).\n"
            "While it runs, the server holds the database; use the API to query it.\n"
            "\n"
            "Deep mode (and auto mode's fallback) asks the model configured as for `salesql\n"
            "ask`: the environment (SALESQL_LLM_URL or OPENAI_API_KEY, SALESQL_LLM_MODEL, ...),\n"
            "which wins over the llm: section of DATA_DIR/playbook.yaml. --verbose shows the\n"
            "settings and where each came from.\n",
            STORE_DEFAULT_TIMEOUT_MS, STORE_DEFAULT_MAX_ROWS);
}

/* --allow-origin: at most MAX_ORIGINS, each held normalized ("https://sales.example.com:8443")
 * in SERVER_ORIGIN_MAX bytes, as server/origin.c holds them. */
enum { MAX_ORIGINS = 32 };

struct serve_options {
    struct server_options so;
    int no_refresh;
    char *origins[MAX_ORIGINS]; /* owned; so.allow_origins points here */
    size_t norigins;
};

/* --allow-origin A[,B...]: each checked and kept as given (the server normalizes). */
static int add_origins(struct serve_options *o, const char *arg)
{
    const char *p = arg;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        char *one = xstrndup(p, n);
        char norm[SERVER_ORIGIN_MAX];
        if (server_origin_normalize(one, norm, sizeof norm) != 0) {
            cli_usage_error("serve",
                            "--allow-origin wants an origin like http://localhost:3000 or "
                            "https://sales.example.com (scheme, host and port; no path, no "
                            "wildcard, not null), not '%s'",
                            one);
            free(one);
            return -1;
        }
        if (o->norigins == MAX_ORIGINS) {
            cli_usage_error("serve", "--allow-origin: at most %d origins", MAX_ORIGINS);
            free(one);
            return -1;
        }
        o->origins[o->norigins++] = one;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static int number(const char *name, const char *arg, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || v < lo || v > hi) {
        cli_usage_error("serve", "--%s wants a number from %.0f to %.0f, not '%s'", name, lo, hi,
                        arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int own_option(void *ud, const char *name, const char *arg)
{
    struct serve_options *o = ud;
    double v;
    if (strcmp(name, "host") == 0) {
        o->so.host = arg;
    } else if (strcmp(name, "token") == 0) {
        if (!*arg) {
            cli_usage_error("serve", "--token wants a secret");
            return -1;
        }
        o->so.token = arg;
    } else if (strcmp(name, "allow-origin") == 0) {
        return add_origins(o, arg);
    } else if (strcmp(name, "client-connections") == 0) {
        if (number(name, arg, 1, 256, &v))
            return -1;
        o->so.client_connections = (size_t)v;
    } else if (strcmp(name, "idle-timeout") == 0) {
        if (number(name, arg, 1000, 3600000, &v))
            return -1;
        o->so.idle_timeout_ms = v;
    } else if (strcmp(name, "no-refresh") == 0) {
        o->no_refresh = 1;
    } else if (strcmp(name, "port") == 0) {
        if (number(name, arg, 0, 65535, &v))
            return -1;
        o->so.port = (unsigned)v;
    } else if (strcmp(name, "workers") == 0) {
        if (number(name, arg, 1, 64, &v))
            return -1;
        o->so.workers = (size_t)v;
    } else if (strcmp(name, "queue") == 0) {
        if (number(name, arg, 1, 100000, &v))
            return -1;
        o->so.queue = (size_t)v;
    } else if (strcmp(name, "timeout") == 0) {
        if (number(name, arg, 1, 86400000, &v))
            return -1;
        o->so.timeout_ms = v;
    } else if (strcmp(name, "max-rows") == 0) {
        if (number(name, arg, 1, 10000000, &v))
            return -1;
        o->so.max_rows = (size_t)v;
    } else if (strcmp(name, "heartbeat") == 0) {
        if (number(name, arg, 10, 3600000, &v))
            return -1;
        o->so.heartbeat_ms = v;
    } else {
        return -1;
    }
    return 0;
}

/* --no-refresh: the database as it is, opened for writing so that POST /api/ingest can
 * refresh it later (read-only when another process holds it). */
static int open_as_is(struct cli_common *c, struct cli_session *s, struct sq_error *err)
{
    memset(s, 0, sizeof *s);
    int rc = cli_load_playbook(c->data_dir, &s->playbook, err);
    if (rc)
        return rc;
    const char *slash = strrchr(c->db_path, '/');
    char *dir = slash ? xstrndup(c->db_path, (size_t)(slash - c->db_path)) : xstrdup(".");
    s->staging_dir = sq_path_join(dir, "staging");
    free(dir);
    s->data_dir_abs = sq_abspath(c->data_dir);
    struct store_options so = {
        .path = c->db_path, .memory_limit = c->memory_limit, .threads = c->threads};
    rc = store_open(&so, &s->store, err);
    if (rc == SQ_E_LOCKED) {
        so.read_only = 1;
        if (store_open(&so, &s->store, NULL) == 0) {
            sq_log_warn("another process is writing %s; serving the data as last loaded",
                        c->db_path);
            rc = 0;
        }
    }
    if (rc == 0)
        rc = schema_load(store_main(s->store), &s->schema, err);
    if (rc)
        cli_session_close(s);
    return rc;
}

/* The default: refresh first (progress on stderr), for writing; read-only as last loaded
 * when another process holds the database. */
static int open_refreshed(struct cli_common *c, struct cli_session *s, struct sq_error *err)
{
    int rc = cli_session_open(c, CLI_REFRESH_FORCE, s, err);
    if (rc == SQ_E_LOCKED && sq_is_file(c->db_path)) {
        sq_log_warn("another process is writing %s; serving the data as last loaded", c->db_path);
        sq_error_clear(err);
        return cli_session_open(c, CLI_REFRESH_NONE, s, err);
    }
    if (rc)
        return rc;
    cli_print_report(c, &s->report);
    rc = schema_load(store_main(s->store), &s->schema, err);
    if (rc)
        cli_session_close(s);
    return rc;
}

static void free_origins(struct serve_options *o)
{
    for (size_t i = 0; i < o->norigins; i++)
        free(o->origins[i]);
    o->norigins = 0;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"port", required_argument, 0, 0},
                                         {"host", required_argument, 0, 0},
                                         {"token", required_argument, 0, 0},
                                         {"workers", required_argument, 0, 0},
                                         {"queue", required_argument, 0, 0},
                                         {"timeout", required_argument, 0, 0},
                                         {"max-rows", required_argument, 0, 0},
                                         {"heartbeat", required_argument, 0, 0},
                                         {"allow-origin", required_argument, 0, 0},
                                         {"client-connections", required_argument, 0, 0},
                                         {"idle-timeout", required_argument, 0, 0},
                                         {"no-refresh", no_argument, 0, 0},
                                         CLI_COMMON_OPTIONS};
    struct cli_common c;
    cli_common_init(&c);
    struct serve_options o = {.so = {.host = "127.0.0.1", .port = 8080}};
    const char *env_token = getenv("SALESQL_TOKEN");
    if (env_token && *env_token)
        o.so.token = env_token;
    int first, status;
    if (cli_parse("serve", argc, argv, opts, &c, own_option, &o, usage, &first, &status)) {
        free_origins(&o);
        return status;
    }
    if (first != argc) {
        free_origins(&o);
        return cli_usage_error("serve", "unexpected argument '%s'", argv[first]);
    }
    o.so.allow_origins = (const char *const *)o.origins;
    o.so.nallow_origins = o.norigins;

    /* Every thread started from here on (DuckDB's, the workers, the connections) inherits
     * this mask, so the signals arrive only at sigwait below. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct cli_session s;
    struct sq_error err;
    sq_error_clear(&err);
    /* The model: the environment, then the playbook. Read once before the refresh, so that
     * a bad environment fails at once, and again with the playbook. */
    struct llm_config llm;
    int rc = llm_config_from_env(&llm, &err);
    if (rc == 0)
        rc = o.no_refresh ? open_as_is(&c, &s, &err) : open_refreshed(&c, &s, &err);
    if (rc) {
        free_origins(&o);
        return cli_fail(&err);
    }
    if ((rc = llm_config_load(&llm, s.playbook, NULL, 0, &err)) != 0 ||
        (rc = cli_session_lockdown(&s, &err)) != 0) {
        cli_session_close(&s);
        free_origins(&o);
        return cli_fail(&err);
    }
    if (llm_config_ready(&llm)) {
        o.so.llm = &llm;
        o.so.llm_deadline_ms = llm.deadline_ms;
    }
    if (c.verbose) {
        char settings[LLM_DESCRIBE_MAX];
        llm_config_describe(&llm, settings, sizeof settings);
        fprintf(stderr, "salesql: model settings (environment > playbook > default):\n%s",
                settings);
    }
    o.so.data_dir = c.data_dir;
    o.so.staging_dir = s.staging_dir;
    o.so.version = SALESQL_VERSION;
    struct server *srv = NULL;
    /* The server takes the snapshot and the playbook, whatever happens. */
    rc = server_new(&o.so, s.store, s.schema, s.playbook, s.refreshed ? &s.report : NULL, &srv,
                    &err);
    s.schema = NULL;
    s.playbook = NULL;
    free_origins(&o); /* copied by server_new */
    if (rc == 0 && (rc = server_start(srv, &err)) == 0) {
        const char *h = o.so.host;
        int v6 = strchr(h, ':') != NULL;
        printf("salesql: serving %s on http://%s%s%s:%u/ (Ctrl-C to stop)\n", c.data_dir,
               v6 ? "[" : "", h, v6 ? "]" : "", server_port(srv));
        fflush(stdout);
        int sig = 0;
        sigwait(&set, &sig);
        if (!c.quiet)
            fprintf(stderr, "salesql: %s, stopping\n",
                    sig == SIGINT ? "interrupted" : "terminated");
    }
    server_free(srv);
    cli_session_close(&s);
    return rc ? cli_fail(&err) : 0;
}
