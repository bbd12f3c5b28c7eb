/*
 * What the server's workers do: each has its own database connection and its own
 * answerer (answerers are not thread-safe) over the current schema snapshot, rebuilt when
 * an ingest has swapped in a new one, all sharing the server's answer cache. An ask job
 * answers one question with answer/, reports each stage as a job event, keeps the
 * session's frame and history, and leaves the answer object as the job's result. Called
 * by the jobs/ pool (server.c sets it up), and by api.c for server__ask_cached, which
 * answers a synchronous question from the cache on its connection's thread, ending it
 * as a worker ends its answers.
 */
#include "server/internal.h"

#include "answer/answer.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "jobs/jobs.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const server__stage_names[] = {"",        "understanding",    "validating",
                                           "running", "writing insights", "working"};

struct worker {
    struct server *srv;
    struct store_conn *conn;
    struct server__snapshot *snap;
    struct answerer *ans;
};

int server__worker_init(void *ud, size_t index, void **ctx, struct sq_error *err)
{
    (void)index;
    struct server *srv = ud;
    struct store_conn *conn = store_conn_open(srv->store, err);
    if (!conn)
        return err && err->code ? err->code : SQ_E_DB;
    struct worker *w = xcalloc(1, sizeof *w);
    w->srv = srv;
    w->conn = conn;
    w->snap = server__snapshot_get(srv);
    w->ans = answerer_new(conn, w->snap->schema, w->snap->pb);
    answerer_use_cache(w->ans, srv->cache);
    *ctx = w;
    return 0;
}

void server__worker_fini(void *ud, void *ctx)
{
    (void)ud;
    struct worker *w = ctx;
    if (!w)
        return;
    answerer_free(w->ans);
    server__snapshot_put(w->srv, w->snap);
    store_conn_close(w->conn);
    free(w);
}

void server__worker_interrupt(void *ud, void *ctx)
{
    (void)ud;
    struct worker *w = ctx;
    store_interrupt(w->conn);
}

void server__ask_free(void *arg)
{
    struct server__ask *a = arg;
    if (!a)
        return;
    free(a->question);
    free(a);
}

/* After an ingest, the worker's answerer moves to the new snapshot (the cache is the
 * server's: its keys carry mart versions, so what did not change is still found). */
static void follow_snapshot(struct worker *w)
{
    struct server__snapshot *cur = server__snapshot_get(w->srv);
    if (cur == w->snap) {
        server__snapshot_put(w->srv, cur);
        return;
    }
    answerer_free(w->ans);
    server__snapshot_put(w->srv, w->snap);
    w->snap = cur;
    w->ans = answerer_new(w->conn, cur->schema, cur->pb);
    answerer_use_cache(w->ans, w->srv->cache);
}

struct stage_ctx {
    struct job *job;
    struct server__ask *ask;
    double t0;
};

/* Polled by deep mode while a model works: a cancel or the budget stops it. */
static int stage_cancelled(void *ud)
{
    struct stage_ctx *c = ud;
    return jobs_cancelled(c->job);
}

static void on_stage(void *ud, const char *stage)
{
    struct stage_ctx *c = ud;
    int idx = 5;
    for (int i = 1; i < 5; i++)
        if (strcmp(stage, server__stage_names[i]) == 0)
            idx = i;
    atomic_store(&c->ask->stage, idx);
    char data[160]; /* a stage event's JSON, {"stage": ..., "ms": ...}: the first allocation */
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, sizeof data);
    sq_jw_init(&w, &b, 0);
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "stage");
    sq_jw_str(&w, idx == 5 ? stage : server__stage_names[idx]);
    sq_jw_key(&w, "ms");
    sq_jw_double(&w, sq_now_ms() - c->t0);
    sq_jw_obj_end(&w);
    if (!w.err)
        jobs_emit(c->job, "stage", b.data);
    sq_buf_fini(&b);
}

/* The session's last frame read against schema into *out: 1, or 0 when there is none
 * (or a name in it is gone). */
static int session_frame(struct server *srv, const char *session, const struct schema *schema,
                         struct nl_frame *out)
{
    if (!session[0])
        return 0;
    char *fj = server__sessions_frame(srv->sessions, session);
    int ok = fj && answer_frame_from_json(fj, schema, out) == 0;
    free(fj);
    return ok;
}

/* How every answer ends, a worker's or a cached one: counted in the metrics, written as
 * the answer object, and, when record is set, added to the session's history with its
 * frame (follow-ups edit it). Returns the JSON, or NULL when it is too large to send.
 * job_id is NULL for an answer that had no job. */
static char *finish(struct server *srv, const struct server__ask *a, const char *job_id,
                    const struct answer *ans, int rc, int record)
{
    server__metrics_answer(&srv->metrics, ans);
    struct sq_buf b;
    struct sq_jw jw;
    sq_buf_init(&b, 256u << 20);
    sq_jw_init(&jw, &b, 0);
    answer_write_json(ans, &jw);
    char *json = jw.err ? NULL : sq_buf_steal(&b);
    sq_buf_fini(&b);
    if (json && record && a->session[0]) {
        char *frame = rc == 0 && ans->has_frame ? answer_frame_to_json(&ans->frame) : NULL;
        server__sessions_record(srv->sessions, a->session, a->question, job_id, ans->status, json,
                                frame);
        free(frame);
    }
    return json;
}

char *server__ask_cached(struct server *srv, const struct server__ask *a)
{
    struct server__snapshot *snap = server__snapshot_get(srv);
    struct nl_frame prev;
    int have_prev = session_frame(srv, a->session, snap->schema, &prev);
    struct answer_options o = {.mode = a->mode,
                               .max_rows = srv->o.max_rows,
                               .timeout_ms = srv->o.timeout_ms,
                               .previous = have_prev ? &prev : NULL,
                               .llm = srv->o.llm};
    struct answer ans;
    char *json = NULL;
    if (answer_lookup(snap->lookup, a->question, &o, &ans)) {
        json = finish(srv, a, NULL, &ans, 0, 1);
        answer_fini(&ans);
    }
    server__snapshot_put(srv, snap);
    return json;
}

int server__run_ask(struct job *j, void *ctx, void *arg)
{
    struct worker *w = ctx;
    struct server__ask *a = arg;
    struct server *srv = a->srv;
    if (jobs_cancelled(j))
        return SQ_E_INTERRUPTED;
    follow_snapshot(w);

    struct nl_frame prev;
    int have_prev = session_frame(srv, a->session, w->snap->schema, &prev);
    struct stage_ctx sc = {.job = j, .ask = a, .t0 = sq_now_ms()};
    struct answer_options o = {.mode = a->mode,
                               .max_rows = srv->o.max_rows,
                               .timeout_ms = srv->o.timeout_ms,
                               .previous = have_prev ? &prev : NULL,
                               .on_stage = on_stage,
                               .ud = &sc,
                               .llm = srv->o.llm,
                               .cancelled = stage_cancelled};
    struct answer ans;
    int rc = answer_ask(w->ans, a->question, &o, &ans);
    int cancelled = jobs_cancelled(j);
    if (cancelled && (rc == SQ_E_INTERRUPTED || rc == SQ_E_TIMEOUT)) {
        /* Interrupted by the pool: say why in the answer, not DuckDB's "Interrupted!". */
        struct jobs_info info;
        jobs_info(j, 0, &info);
        ans.status = "error";
        if (info.timed_out)
            sq_error_set(&ans.error, SQ_E_TIMEOUT, -1, "the question %s", info.reason);
        else
            sq_error_set(&ans.error, SQ_E_INTERRUPTED, -1, "the question was cancelled (%s)",
                         info.reason ? info.reason : "no reason given");
        jobs_info_fini(&info);
    }
    char *json = finish(srv, a, jobs_id(j), &ans, rc, !cancelled);
    answer_fini(&ans);
    if (!json)
        return SQ_E_TOO_BIG;
    jobs_set_result(j, json);
    return 0;
}
