/*
 * GET /metrics in the Prometheus text format: requests by route and status, a latency
 * histogram per route, the queue and jobs by state, answers by status, cache hits, LLM
 * calls and tokens, refreshes, sessions, open event streams and connections. Counters are
 * atomics bumped by server.c (requests, on completion), work.c (answers), api.c
 * (refreshes) and conns.c (connections); the gauges are read when scraped. Route labels
 * come from server.c's route table.
 */
#include "server/internal.h"

#include "answer/answer.h"
#include "base/limits.h"
#include "base/buf.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <string.h>

static const unsigned statuses[SERVER__NSTATUS] = {200, 202, 204, 304, 400, 401, 403, 404, 405,
                                                   409, 413, 415, 429, 500, 503, 504, 0};
static const double buckets[SERVER__NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
static const char *const answer_names[SERVER__NANSWER] = {"ok", "unsupported", "rejected", "error",
                                                          "other"};

void server__metrics_request(struct server__metrics *m, enum server__route r, unsigned status,
                             double ms)
{
    size_t si = SERVER__NSTATUS - 1; /* "other" */
    for (size_t i = 0; i + 1 < SERVER__NSTATUS; i++)
        if (statuses[i] == status)
            si = i;
    atomic_fetch_add(&m->requests[r][si], 1);
    double s = ms / 1000;
    size_t b = SERVER__NBUCKETS;
    for (size_t i = 0; i < SERVER__NBUCKETS; i++) {
        if (s <= buckets[i]) {
            b = i;
            break;
        }
    }
    atomic_fetch_add(&m->latency[r][b], 1);
    atomic_fetch_add(&m->latency_us[r], (unsigned long long)(ms * 1000));
}

void server__metrics_answer(struct server__metrics *m, const struct answer *a)
{
    size_t k = SERVER__NANSWER - 1;
    for (size_t i = 0; i + 1 < SERVER__NANSWER; i++)
        if (a->status && strcmp(a->status, answer_names[i]) == 0)
            k = i;
    atomic_fetch_add(&m->answers[k], 1);
    if (a->cached)
        atomic_fetch_add(&m->cache_hits, 1);
    if (a->llm_calls > 0)
        atomic_fetch_add(&m->llm_calls, (unsigned long long)a->llm_calls);
    if (a->llm_prompt_tokens > 0)
        atomic_fetch_add(&m->llm_prompt_tokens, (unsigned long long)a->llm_prompt_tokens);
    if (a->llm_completion_tokens > 0)
        atomic_fetch_add(&m->llm_completion_tokens, (unsigned long long)a->llm_completion_tokens);
}

static void head(struct sq_buf *b, const char *name, const char *type, const char *help)
{
    sq_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct sq_buf *b, const char *name, const char *type, const char *help,
                unsigned long long v)
{
    head(b, name, type, help);
    sq_buf_printf(b, "%s %llu\n", name, v);
}

enum MHD_Result server__metrics_reply(struct server__request *rq)
{
    struct server *srv = rq->srv;
    struct server__metrics *m = &srv->metrics;
    struct sq_buf b;
    sq_buf_init(&b, 1u << 20);

    head(&b, "salesql_http_requests_total", "counter", "HTTP requests by route and status.");
    for (size_t r = 0; r < ROUTE_COUNT; r++) {
        for (size_t s = 0; s < SERVER__NSTATUS; s++) {
            unsigned long long v = atomic_load(&m->requests[r][s]);
            if (!v)
                continue;
            char st[SQ_NUM_TEXT_MAX];
            if (statuses[s])
                snprintf(st, sizeof st, "%u", statuses[s]);
            else
                snprintf(st, sizeof st, "other");
            sq_buf_printf(&b, "salesql_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                          server__route_name(r), st, v);
        }
    }
    head(&b, "salesql_http_request_duration_seconds", "histogram",
         "Time from a request's headers to the end of its response, by route.");
    for (size_t r = 0; r < ROUTE_COUNT; r++) {
        unsigned long long cum = 0, counts[SERVER__NBUCKETS + 1];
        for (size_t i = 0; i <= SERVER__NBUCKETS; i++)
            counts[i] = atomic_load(&m->latency[r][i]);
        unsigned long long total = 0;
        for (size_t i = 0; i <= SERVER__NBUCKETS; i++)
            total += counts[i];
        if (!total)
            continue;
        for (size_t i = 0; i < SERVER__NBUCKETS; i++) {
            cum += counts[i];
            sq_buf_printf(&b,
                          "salesql_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                          "%llu\n",
                          server__route_name(r), buckets[i], cum);
        }
        sq_buf_printf(&b,
                      "salesql_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                      "%llu\n",
                      server__route_name(r), total);
        sq_buf_printf(&b, "salesql_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                      server__route_name(r), (double)atomic_load(&m->latency_us[r]) / 1e6);
        sq_buf_printf(&b, "salesql_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                      server__route_name(r), total);
    }

    struct jobs_stats st;
    jobs_stats(srv->jobs, &st);
    one(&b, "salesql_queue_depth", "gauge", "Questions waiting for a worker.", st.queued);
    one(&b, "salesql_queue_capacity", "gauge", "Most questions that may wait (--queue).",
        st.capacity);
    one(&b, "salesql_workers", "gauge", "Answering threads (--workers).", st.workers);
    head(&b, "salesql_jobs", "gauge", "Jobs now, by state.");
    sq_buf_printf(&b, "salesql_jobs{state=\"queued\"} %zu\nsalesql_jobs{state=\"running\"} %zu\n",
                  st.queued, st.running);
    head(&b, "salesql_jobs_total", "counter", "Jobs finished since the start, by final state.");
    sq_buf_printf(&b,
                  "salesql_jobs_total{state=\"done\"} %llu\nsalesql_jobs_total{state=\"failed\"} "
                  "%llu\nsalesql_jobs_total{state=\"cancelled\"} %llu\n",
                  st.done, st.failed, st.cancelled);
    one(&b, "salesql_jobs_timed_out_total", "counter", "Jobs stopped at their time budget.",
        st.timed_out);
    one(&b, "salesql_jobs_rejected_total", "counter",
        "Questions refused with 429 because the queue was full.", st.rejected);
    head(&b, "salesql_answers_total", "counter", "Answers by status.");
    for (size_t i = 0; i < SERVER__NANSWER; i++)
        sq_buf_printf(&b, "salesql_answers_total{status=\"%s\"} %llu\n", answer_names[i],
                      atomic_load(&m->answers[i]));
    one(&b, "salesql_cache_hits_total", "counter", "Answers served from the answer cache.",
        atomic_load(&m->cache_hits));
    one(&b, "salesql_llm_calls_total", "counter", "Language model calls.",
        atomic_load(&m->llm_calls));
    one(&b, "salesql_llm_prompt_tokens_total", "counter", "Prompt tokens sent to models.",
        atomic_load(&m->llm_prompt_tokens));
    one(&b, "salesql_llm_completion_tokens_total", "counter", "Completion tokens from models.",
        atomic_load(&m->llm_completion_tokens));
    one(&b, "salesql_ingests_total", "counter", "Refreshes through POST /api/ingest.",
        atomic_load(&m->ingests));
    one(&b, "salesql_ingest_failures_total", "counter", "Refreshes that failed.",
        atomic_load(&m->ingest_failures));
    one(&b, "salesql_sessions", "gauge", "Conversations kept in memory.",
        server__sessions_count(srv->sessions));
    long long streams = atomic_load(&m->streams);
    one(&b, "salesql_event_streams", "gauge", "Event streams open now.",
        (unsigned long long)(streams > 0 ? streams : 0));
    long long conns = atomic_load(&m->connections);
    one(&b, "salesql_http_connections", "gauge", "HTTP connections open now.",
        (unsigned long long)(conns > 0 ? conns : 0));
    one(&b, "salesql_http_connections_closed_for_room_total", "counter",
        "Idle or half-sent connections closed to make room for a new one from the same "
        "client address (--client-connections).",
        atomic_load(&m->conns_evicted));
    one(&b, "salesql_http_connections_refused_total", "counter",
        "Connections refused because their client address had --client-connections busy.",
        atomic_load(&m->conns_refused));
    size_t len = b.len;
    return server__reply(rq, 200, "text/plain; version=0.0.4; charset=utf-8", sq_buf_steal(&b), len,
                         NULL, NULL);
}
