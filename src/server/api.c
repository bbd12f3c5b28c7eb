/*
 * The JSON API of `salesql serve` (DESIGN.md, "HTTP API"): health, ask (waiting for the
 * answer, or handing back a job id), jobs and their cancellation, the schema with the
 * ingest status, refreshes, and sessions. Called by server.c's dispatcher on the
 * connection's thread; questions run on the jobs/ pool (work.c) unless the answer cache
 * already holds their answer (looked up here first), refreshes run here, one at a time,
 * beside the questions (DuckDB keeps their reads consistent) and end by swapping in a new
 * schema snapshot and dropping the cached answers of marts that changed.
 */
#include "server/internal.h"

#include "answer/cache.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "ingest/ingest.h"
#include "jobs/jobs.h"
#include "model/model.h"
#include "schema/playbook.h"
#include "schema/schema.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    WAIT_SLICE_MS = 100,   /* how often a waiting request checks its client is still there */
    CANCEL_WAIT_MS = 2000, /* how long a cancel waits to report the job's end */
    OUT_MAX = 256u << 20   /* the largest JSON response written (answers are row-capped) */
};

static void out_init(struct sq_buf *b, struct sq_jw *w)
{
    sq_buf_init(b, OUT_MAX);
    sq_jw_init(w, b, 0);
}

static void str_or_null(struct sq_jw *w, const char *key, const char *v)
{
    sq_jw_key(w, key);
    if (v && *v)
        sq_jw_str(w, v);
    else
        sq_jw_null(w);
}

/* Parses the body as a JSON object (an empty body is {} when empty_ok). On failure a 400
 * has been queued and *result holds MHD's verdict. */
static json_t *body_object(struct server__request *rq, int empty_ok, enum MHD_Result *result)
{
    const char *p = rq->body.data ? rq->body.data : "";
    size_t n = rq->body.len;
    while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        p++;
        n--;
    }
    if (n == 0) {
        if (empty_ok)
            return json_object();
        *result = server__reply_error(rq, 400, "bad_request",
                                      "the body must be a JSON object, e.g. "
                                      "{\"question\": \"sales by region\"}");
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        *result = server__reply_error(rq, 400, "bad_json",
                                      "the body is not valid JSON: %s (line %d, column %d)",
                                      je.text, je.line, je.column);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        *result = server__reply_error(rq, 400, "bad_request", "the body must be a JSON object");
        return NULL;
    }
    return v;
}

static int valid_session(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= SERVER__ID_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

void server__write_job(struct server *srv, struct job *j, int with_answer, struct sq_jw *w)
{
    (void)srv;
    struct jobs_info info;
    jobs_info(j, with_answer, &info);
    struct server__ask *a = jobs_arg(j);
    sq_jw_obj_begin(w);
    sq_jw_key(w, "id");
    sq_jw_str(w, info.id);
    sq_jw_key(w, "state");
    sq_jw_str(w, jobs_state_name(info.state));
    sq_jw_key(w, "question");
    sq_jw_str(w, a->question);
    sq_jw_key(w, "mode");
    sq_jw_str(w, a->mode);
    str_or_null(w, "session", a->session);
    int stage = atomic_load(&a->stage);
    str_or_null(w, "stage", stage ? server__stage_names[stage] : NULL);
    sq_jw_key(w, "queued_ms");
    sq_jw_double(w, info.queued_ms);
    sq_jw_key(w, "run_ms");
    sq_jw_double(w, info.run_ms);
    sq_jw_key(w, "events");
    sq_jw_int(w, (int64_t)info.events);
    sq_jw_key(w, "answer");
    if (info.result)
        sq_jw_raw(w, info.result);
    else
        sq_jw_null(w);
    sq_jw_key(w, "error");
    if (info.state == JOBS_CANCELLED || info.state == JOBS_FAILED) {
        sq_jw_obj_begin(w);
        sq_jw_key(w, "code");
        sq_jw_str(w, info.state == JOBS_CANCELLED ? "cancelled"
                     : info.timed_out             ? "timeout"
                                                  : "failed");
        sq_jw_key(w, "message");
        sq_jw_str(w, info.reason ? info.reason : jobs_state_name(info.state));
        sq_jw_obj_end(w);
    } else {
        sq_jw_null(w);
    }
    sq_jw_obj_end(w);
    jobs_info_fini(&info);
}

static enum MHD_Result reply_job(struct server__request *rq, unsigned status, struct job *j)
{
    struct sq_buf b;
    struct sq_jw w;
    out_init(&b, &w);
    server__write_job(rq->srv, j, 1, &w);
    return server__reply_json(rq, status, &b);
}

/* ---- health ---------------------------------------------------------------------- */

static long long total_rows(const struct schema *s)
{
    long long rows = 0;
    for (size_t i = 0; i < s->nmarts; i++)
        rows += s->marts[i].rows;
    return rows;
}

/* The newest of the server's own refresh time and the files' load times. */
static void last_refresh(struct server *srv, const struct schema *s, char *out, size_t n)
{
    pthread_mutex_lock(&srv->state_mu);
    snprintf(out, n, "%s", srv->ingest.refreshed_at);
    pthread_mutex_unlock(&srv->state_mu);
    if (out[0])
        return;
    for (size_t i = 0; i < s->nfiles; i++)
        if (s->files[i].loaded_at && strcmp(s->files[i].loaded_at, out) > 0)
            snprintf(out, n, "%s", s->files[i].loaded_at);
}

enum MHD_Result server__api_health(struct server__request *rq)
{
    struct server *srv = rq->srv;
    struct server__snapshot *snap = server__snapshot_get(srv);
    struct jobs_stats st;
    jobs_stats(srv->jobs, &st);
    char when[SERVER__TIME_TEXT_MAX];
    last_refresh(srv, snap->schema, when, sizeof when);
    size_t failed = 0, skipped = 0; /* skipped: symlinks out of the data folder */
    for (size_t i = 0; i < snap->schema->nfiles; i++) {
        const char *fs = snap->schema->files[i].status;
        skipped += fs && strcmp(fs, "skipped") == 0;
        failed += fs && strcmp(fs, "ok") != 0 && strcmp(fs, "skipped") != 0;
    }
    int stopping = atomic_load(&srv->stopping);
    struct sq_buf b;
    struct sq_jw w;
    out_init(&b, &w);
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "status");
    sq_jw_str(&w, stopping ? "stopping" : "ok");
    sq_jw_key(&w, "version");
    sq_jw_str(&w, srv->version);
    sq_jw_key(&w, "uptime_s");
    sq_jw_double(&w, (sq_now_ms() - srv->started_ms) / 1000);
    sq_jw_key(&w, "read_only");
    sq_jw_bool(&w, store_read_only(srv->store));
    sq_jw_key(&w, "auth");
    sq_jw_bool(&w, srv->token != NULL);
    sq_jw_key(&w, "deep");
    sq_jw_bool(&w, srv->o.llm != NULL);
    sq_jw_key(&w, "data");
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "marts");
    sq_jw_int(&w, (int64_t)snap->schema->nmarts);
    sq_jw_key(&w, "files");
    sq_jw_int(&w, (int64_t)snap->schema->nfiles);
    sq_jw_key(&w, "failed_files");
    sq_jw_int(&w, (int64_t)failed);
    sq_jw_key(&w, "skipped_files");
    sq_jw_int(&w, (int64_t)skipped);
    sq_jw_key(&w, "rows");
    sq_jw_int(&w, total_rows(snap->schema));
    str_or_null(&w, "last_refresh", when);
    sq_jw_key(&w, "generation");
    sq_jw_int(&w, (int64_t)snap->gen);
    sq_jw_obj_end(&w);
    sq_jw_key(&w, "queue");
    sq_jw_obj_begin(&w);
    sq_jw_key(&w, "depth");
    sq_jw_int(&w, (int64_t)st.queued);
    sq_jw_key(&w, "capacity");
    sq_jw_int(&w, (int64_t)st.capacity);
    sq_jw_key(&w, "running");
    sq_jw_int(&w, (int64_t)st.running);
    sq_jw_key(&w, "workers");
    sq_jw_int(&w, (int64_t)st.workers);
    sq_jw_obj_end(&w);
    sq_jw_obj_end(&w);
    server__snapshot_put(srv, snap);
    return server__reply_json(rq, stopping ? 503 : 200, &b);
}

/* ---- ask ------------------------------------------------------------------------- */

enum MHD_Result server__api_ask(struct server__request *rq)
{
    struct server *srv = rq->srv;
    enum MHD_Result result = MHD_NO;
    json_t *body = body_object(rq, 0, &result);
    if (!body)
        return result;
    const char *question = NULL, *mode = "auto", *session = "";
    int async = 0;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "question") == 0) {
            if (!json_is_string(v)) {
                result =
                    server__reply_error(rq, 400, "bad_request", "\"question\" must be a string");
                goto out;
            }
            question = json_string_value(v);
        } else if (strcmp(key, "mode") == 0) {
            mode = json_is_string(v) ? json_string_value(v) : "";
            if (strcmp(mode, "auto") && strcmp(mode, "fast") && strcmp(mode, "deep")) {
                result = server__reply_error(rq, 400, "bad_request",
                                             "\"mode\" must be \"auto\", \"fast\" or \"deep\"");
                goto out;
            }
        } else if (strcmp(key, "session") == 0) {
            if (json_is_null(v))
                continue;
            session = json_is_string(v) ? json_string_value(v) : "";
            if (!valid_session(session)) {
                result = server__reply_error(rq, 400, "bad_request",
                                             "\"session\" must be 1 to 64 letters, digits, '-' "
                                             "or '_'");
                goto out;
            }
        } else if (strcmp(key, "async") == 0) {
            if (!json_is_boolean(v)) {
                result =
                    server__reply_error(rq, 400, "bad_request", "\"async\" must be true or false");
                goto out;
            }
            async = json_is_true(v);
        } else {
            result = server__reply_error(rq, 400, "bad_request",
                                         "unknown field \"%.64s\" (the fields are question, mode, "
                                         "session and async)",
                                         key);
            goto out;
        }
    }
    if (!question) {
        result = server__reply_error(rq, 400, "bad_request",
                                     "the body needs a \"question\", e.g. {\"question\": \"sales "
                                     "by region\"}");
        goto out;
    }

    struct server__ask *a = xcalloc(1, sizeof *a);
    a->srv = srv;
    a->question = xstrdup(question);
    snprintf(a->mode, sizeof a->mode, "%s", mode);
    snprintf(a->session, sizeof a->session, "%s", session);
    a->async = async;
    /* A synchronous question whose answer is cached is answered here, at once, rather than
     * after whatever the workers have queued. */
    if (!async && !atomic_load(&srv->stopping)) {
        char *cached = server__ask_cached(srv, a);
        if (cached) {
            server__ask_free(a);
            result = server__reply(rq, 200, "application/json", cached, strlen(cached), NULL, NULL);
            goto out;
        }
    }
    /* A question a model may answer gets the model's deadline on top of the budget. */
    double budget = 0;
    if (srv->o.llm && strcmp(a->mode, "fast") != 0)
        budget = srv->o.timeout_ms + srv->o.llm_deadline_ms + 1000;
    struct job *j = NULL;
    int rc = jobs_submit(srv->jobs, server__run_ask, a, server__ask_free, budget, &j);
    if (rc == SQ_E_TOO_BIG) {
        server__ask_free(a);
        struct sq_buf b;
        struct sq_jw w;
        out_init(&b, &w);
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "error");
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "code");
        sq_jw_str(&w, "busy");
        sq_jw_key(&w, "message");
        sq_jw_str(&w, "the server is busy answering other questions; try again in a moment");
        sq_jw_obj_end(&w);
        sq_jw_obj_end(&w);
        size_t len = b.len;
        result =
            server__reply(rq, 429, "application/json", sq_buf_steal(&b), len, "Retry-After", "1");
        goto out;
    }
    if (rc) {
        server__ask_free(a);
        result = server__reply_error(rq, 503, "stopping", "the server is stopping");
        goto out;
    }
    if (async) {
        struct sq_buf b;
        struct sq_jw w;
        out_init(&b, &w);
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "job");
        sq_jw_str(&w, jobs_id(j));
        sq_jw_key(&w, "state");
        sq_jw_str(&w, "queued");
        str_or_null(&w, "session", session);
        char path[sizeof "/api/jobs//events" + JOBS_ID_LEN]; /* the longer of the two */
        snprintf(path, sizeof path, "/api/jobs/%s", jobs_id(j));
        sq_jw_key(&w, "href");
        sq_jw_str(&w, path);
        snprintf(path, sizeof path, "/api/jobs/%s/events", jobs_id(j));
        sq_jw_key(&w, "events");
        sq_jw_str(&w, path);
        sq_jw_obj_end(&w);
        jobs_release(j);
        result = server__reply_json(rq, 202, &b);
        goto out;
    }
    /* Synchronous: nobody will ask for this job by id, and a client that goes away
     * cancels it rather than leaving its query running. */
    jobs_forget(j);
    for (;;) {
        if (jobs_finished(jobs_wait(j, WAIT_SLICE_MS)))
            break;
        if (server__client_gone(rq->conn)) {
            jobs_cancel(j, "the client disconnected");
            jobs_release(j);
            result = MHD_NO;
            goto out;
        }
    }
    struct jobs_info info;
    jobs_info(j, 1, &info);
    if (info.result) {
        char *answer = info.result;
        info.result = NULL;
        result = server__reply(rq, 200, "application/json", answer, strlen(answer), NULL, NULL);
    } else if (info.state == JOBS_CANCELLED && atomic_load(&srv->stopping)) {
        result = server__reply_error(rq, 503, "stopping", "the server is stopping");
    } else if (info.state == JOBS_CANCELLED) {
        result = server__reply_error(rq, 409, "cancelled", "the question was cancelled: %s",
                                     info.reason ? info.reason : "");
    } else {
        result = server__reply_error(rq, 500, "failed", "the question could not be answered: %s",
                                     info.reason ? info.reason : "");
    }
    jobs_info_fini(&info);
    jobs_release(j);
out:
    json_decref(body);
    return result;
}

/* ---- jobs ------------------------------------------------------------------------ */

static enum MHD_Result no_job(struct server__request *rq)
{
    return server__reply_error(rq, 404, "not_found",
                               "no job %s (finished jobs are kept for 10 minutes)", rq->id);
}

enum MHD_Result server__api_job(struct server__request *rq)
{
    struct job *j = jobs_find(rq->srv->jobs, rq->id);
    if (!j)
        return no_job(rq);
    enum MHD_Result r = reply_job(rq, 200, j);
    jobs_release(j);
    return r;
}

enum MHD_Result server__api_job_cancel(struct server__request *rq)
{
    struct job *j = jobs_find(rq->srv->jobs, rq->id);
    if (!j)
        return no_job(rq);
    enum MHD_Result r;
    if (jobs_cancel(j, "cancelled by a client") != 0) {
        struct jobs_info info;
        jobs_info(j, 0, &info);
        r = server__reply_error(rq, 409, "finished", "job %s has already finished (%s)", rq->id,
                                jobs_state_name(info.state));
        jobs_info_fini(&info);
    } else {
        jobs_wait(j, CANCEL_WAIT_MS);
        r = reply_job(rq, 200, j);
    }
    jobs_release(j);
    return r;
}

/* ---- schema and ingest ----------------------------------------------------------- */

static void write_report(struct sq_jw *w, const struct server__ingest_state *st)
{
    sq_jw_obj_begin(w);
    static const char *const keys[] = {"files",  "changed", "loaded",
                                       "failed", "dropped", "sources"};
    const size_t vals[] = {st->files,  st->changed, st->loaded,
                           st->failed, st->dropped, st->sources};
    for (size_t i = 0; i < 6; i++) {
        sq_jw_key(w, keys[i]);
        sq_jw_int(w, (int64_t)vals[i]);
    }
    sq_jw_key(w, "rows");
    sq_jw_int(w, st->rows);
    sq_jw_key(w, "ms");
    sq_jw_double(w, st->ms);
    sq_jw_key(w, "failures");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < st->nfail; i++) {
        sq_jw_obj_begin(w);
        sq_jw_key(w, "path");
        sq_jw_str(w, st->fail_paths[i]);
        sq_jw_key(w, "error");
        sq_jw_str(w, st->fail_errors[i]);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_obj_end(w);
}

static void write_ingest_state(struct server *srv, const struct server__snapshot *snap,
                               struct sq_jw *w)
{
    const struct schema *s = snap->schema;
    char when[SERVER__TIME_TEXT_MAX];
    last_refresh(srv, s, when, sizeof when);
    sq_jw_obj_begin(w);
    pthread_mutex_lock(&srv->state_mu);
    sq_jw_key(w, "refreshing");
    sq_jw_bool(w, srv->ingest.refreshing);
    sq_jw_key(w, "last_report");
    if (srv->ingest.have_report)
        write_report(w, &srv->ingest);
    else
        sq_jw_null(w);
    pthread_mutex_unlock(&srv->state_mu);
    sq_jw_key(w, "read_only");
    sq_jw_bool(w, store_read_only(srv->store));
    sq_jw_key(w, "generation");
    sq_jw_int(w, (int64_t)snap->gen);
    str_or_null(w, "last_refresh", when);
    sq_jw_key(w, "marts");
    sq_jw_int(w, (int64_t)s->nmarts);
    sq_jw_key(w, "files");
    sq_jw_int(w, (int64_t)s->nfiles);
    sq_jw_key(w, "rows");
    sq_jw_int(w, total_rows(s));
    sq_jw_key(w, "errors");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < s->nfiles; i++) {
        const struct schema_file *f = &s->files[i];
        if (!f->status || strcmp(f->status, "ok") == 0)
            continue;
        sq_jw_obj_begin(w);
        sq_jw_key(w, "path");
        sq_jw_str(w, f->path);
        sq_jw_key(w, "error");
        sq_jw_str(w, f->error ? f->error : f->status);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_obj_end(w);
}

enum MHD_Result server__api_schema(struct server__request *rq)
{
    struct server *srv = rq->srv;
    struct server__snapshot *snap = server__snapshot_get(srv);
    struct sq_buf b;
    struct sq_jw w;
    out_init(&b, &w);
    char when[SERVER__TIME_TEXT_MAX];
    last_refresh(srv, snap->schema, when, sizeof when);
    /* The schema's members, its semantic model, and the ingest status. */
    struct sm_model *model = sm_model_build(snap->schema);
    sq_jw_obj_begin(&w);
    schema_write_json_members(snap->schema, snap->pb, &w);
    sq_jw_key(&w, "model");
    sm_model_write_json(model, &w);
    str_or_null(&w, "refreshed_at", when[0] ? when : NULL);
    sq_jw_key(&w, "ingest");
    write_ingest_state(srv, snap, &w);
    sq_jw_obj_end(&w);
    sm_model_free(model);
    server__snapshot_put(srv, snap);
    if (w.err) {
        sq_buf_fini(&b);
        return server__reply_error(rq, 500, "internal",
                                   w.err == SQ_E_TOO_BIG ? "the schema is too large to send"
                                                         : "cannot write the schema");
    }
    return server__reply_json(rq, 200, &b);
}

static void set_refreshing(struct server *srv, int on)
{
    pthread_mutex_lock(&srv->state_mu);
    srv->ingest.refreshing = on;
    pthread_mutex_unlock(&srv->state_mu);
}

enum MHD_Result server__api_ingest(struct server__request *rq)
{
    struct server *srv = rq->srv;
    enum MHD_Result result = MHD_NO;
    json_t *body = body_object(rq, 1, &result);
    if (!body)
        return result;
    int full = 0;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "full") == 0 && json_is_boolean(v)) {
            full = json_is_true(v);
        } else {
            json_decref(body);
            return server__reply_error(rq, 400, "bad_request",
                                       "the only field is \"full\" (true reloads every file)");
        }
    }
    json_decref(body);
    if (store_read_only(srv->store))
        return server__reply_error(rq, 409, "read_only",
                                   "the database was opened read-only because another process "
                                   "holds it; restart salesql serve when it is free");
    if (pthread_mutex_trylock(&srv->ingest_mu) != 0)
        return server__reply_error(rq, 409, "busy", "a refresh is already running");
    set_refreshing(srv, 1);
    struct sq_error err;
    sq_error_clear(&err);
    struct playbook *pb = NULL;
    struct schema *schema = NULL;
    struct ingest_report rep;
    memset(&rep, 0, sizeof rep);
    char *pb_path = sq_path_join(srv->data_dir, "playbook.yaml");
    int rc = playbook_load(pb_path, &pb, &err);
    free(pb_path);
    if (rc == 0) {
        struct ingest_options io = {.data_dir = srv->data_dir,
                                    .staging_dir = srv->staging_dir,
                                    .playbook = pb,
                                    .full = full};
        rc = ingest_refresh(srv->store, &io, &rep, &err);
    }
    if (rc == 0)
        rc = schema_load(store_main(srv->store), &schema, &err);
    unsigned long gen = 0;
    if (rc == 0) {
        struct server__snapshot *fresh = server__snapshot_new(srv, schema, pb);
        pthread_mutex_lock(&srv->snap_mu);
        struct server__snapshot *old = srv->snap;
        fresh->gen = gen = old->gen + 1;
        srv->snap = fresh;
        pthread_mutex_unlock(&srv->snap_mu);
        server__snapshot_put(srv, old);
        answer_cache_prune(srv->cache, schema);
        pb = NULL;
    }
    pthread_mutex_lock(&srv->state_mu);
    if (rc == 0)
        server__ingest_record(srv, &rep);
    srv->ingest.refreshing = 0;
    struct server__ingest_state copy = srv->ingest;
    struct sq_buf b;
    struct sq_jw w;
    out_init(&b, &w);
    if (rc == 0) {
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "report");
        write_report(&w, &copy);
        sq_jw_key(&w, "generation");
        sq_jw_int(&w, (int64_t)gen);
        sq_jw_key(&w, "refreshed_at");
        sq_jw_str(&w, copy.refreshed_at);
        sq_jw_obj_end(&w);
    }
    pthread_mutex_unlock(&srv->state_mu);
    pthread_mutex_unlock(&srv->ingest_mu);
    playbook_free(pb);
    ingest_report_fini(&rep);
    atomic_fetch_add(&srv->metrics.ingests, 1);
    if (rc) {
        atomic_fetch_add(&srv->metrics.ingest_failures, 1);
        sq_buf_fini(&b);
        return server__reply_error(rq, 500, sq_error_name(rc), "the refresh failed: %s",
                                   err.msg[0] ? err.msg : sq_strerror(rc));
    }
    return server__reply_json(rq, 200, &b);
}

/* ---- sessions -------------------------------------------------------------------- */

enum MHD_Result server__api_session(struct server__request *rq)
{
    struct server *srv = rq->srv;
    if (strcmp(rq->method, "DELETE") == 0) {
        if (server__sessions_delete(srv->sessions, rq->id) != 0)
            return server__reply_error(rq, 404, "not_found", "no session %s", rq->id);
        struct sq_buf b;
        struct sq_jw w;
        out_init(&b, &w);
        sq_jw_obj_begin(&w);
        sq_jw_key(&w, "deleted");
        sq_jw_str(&w, rq->id);
        sq_jw_obj_end(&w);
        return server__reply_json(rq, 200, &b);
    }
    struct sq_buf b;
    struct sq_jw w;
    out_init(&b, &w);
    if (server__sessions_write(srv->sessions, rq->id, &w) != 0) {
        sq_buf_fini(&b);
        return server__reply_error(rq, 404, "not_found",
                                   "no session %s (sessions live in the server's memory)", rq->id);
    }
    return server__reply_json(rq, 200, &b);
}
