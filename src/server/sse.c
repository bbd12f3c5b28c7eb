/*
 * GET /api/jobs/ID/events: a job's progress as server-sent events. Each stage the
 * pipeline reports is `event: stage` with {"stage", "ms"}; the stream ends with
 * `event: done` carrying the job object (state, answer, error) — whatever the job's end.
 * Comment lines keep the connection alive every heartbeat_ms. Events have ids, so a
 * client reconnecting with Last-Event-ID resumes after the last one it saw.
 *
 * The content callback blocks on the job's events on the connection's own thread (the
 * daemon runs a thread per connection), writes at most what libmicrohttpd asks for per
 * call (about 32 KB) and keeps the rest for the next call. A client that goes away
 * cancels the job. The connection's idle timeout is stretched past the heartbeat for the
 * stream's life. Called by server.c's dispatcher.
 */
#include "server/internal.h"

#include "base/error.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/mem.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { POLL_MS = 250, BLOCK = 32 * 1024 };

struct stream {
    struct server *srv;
    struct job *job;
    struct MHD_Connection *conn;
    unsigned long after; /* id of the last event written */
    struct sq_buf out;   /* bytes written but not yet handed to libmicrohttpd */
    size_t off;
    double next_beat;
    int ended;     /* the done event is in out */
    int completed; /* the stream ended normally */
};

static void write_done(struct stream *s)
{
    struct sq_buf b;
    struct sq_jw w;
    sq_buf_init(&b, 256u << 20);
    sq_jw_init(&w, &b, 0);
    server__write_job(s->srv, s->job, 1, &w);
    struct jobs_info info;
    jobs_info(s->job, 0, &info);
    unsigned long id = (info.events > s->after ? info.events : s->after) + 1;
    jobs_info_fini(&info);
    sq_buf_printf(&s->out, "id: %lu\nevent: done\ndata: ", id);
    sq_buf_append(&s->out, b.data ? b.data : "{}", b.data ? b.len : 2);
    sq_buf_puts(&s->out, "\n\n");
    sq_buf_fini(&b);
    s->ended = 1;
}

static ssize_t on_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *s = cls;
    for (;;) {
        if (s->off < s->out.len) {
            size_t n = s->out.len - s->off;
            if (n > max)
                n = max;
            memcpy(buf, s->out.data + s->off, n);
            s->off += n;
            return (ssize_t)n;
        }
        sq_buf_reset(&s->out);
        s->off = 0;
        if (s->ended) {
            s->completed = 1;
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        double now = sq_now_ms();
        if (now >= s->next_beat) {
            sq_buf_puts(&s->out, ": heartbeat\n\n");
            s->next_beat = now + s->srv->o.heartbeat_ms;
            continue;
        }
        double wait = s->next_beat - now;
        struct jobs_event ev;
        switch (jobs_next_event(s->job, s->after, wait < POLL_MS ? wait : POLL_MS, &ev)) {
        case JOBS_WAIT_EVENT:
            sq_buf_printf(&s->out, "id: %lu\nevent: %s\ndata: %s\n\n", ev.seq, ev.name, ev.data);
            s->after = ev.seq;
            jobs_event_fini(&ev);
            break;
        case JOBS_WAIT_END:
            write_done(s);
            break;
        case JOBS_WAIT_TIMEOUT:
            if (server__client_gone(s->conn))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            break;
        }
    }
}

static void on_free(void *cls)
{
    struct stream *s = cls;
    /* A stream that did not reach its end lost its client: nobody waits for the job. */
    if (!s->completed)
        jobs_cancel(s->job, "the client closed the event stream");
    jobs_release(s->job);
    sq_buf_fini(&s->out);
    atomic_fetch_sub(&s->srv->metrics.streams, 1);
    free(s);
}

enum MHD_Result server__api_job_events(struct server__request *rq)
{
    struct server *srv = rq->srv;
    struct job *j = jobs_find(srv->jobs, rq->id);
    if (!j)
        return server__reply_error(rq, 404, "not_found",
                                   "no job %s (finished jobs are kept for 10 minutes)", rq->id);
    if (strcmp(rq->method, "HEAD") == 0) {
        jobs_release(j);
        return server__reply(rq, 200, "text/event-stream", NULL, 0, NULL, NULL);
    }
    struct stream *s = xcalloc(1, sizeof *s);
    s->srv = srv;
    s->job = j;
    s->conn = rq->conn;
    const char *last = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (last) {
        char *end;
        unsigned long v = strtoul(last, &end, 10);
        if (end != last && *end == '\0')
            s->after = v;
    }
    sq_buf_init(&s->out, 256u << 20);
    sq_buf_printf(&s->out, "retry: 3000\n: job %s\n\n", rq->id);
    s->next_beat = sq_now_ms() + srv->o.heartbeat_ms;
    atomic_fetch_add(&srv->metrics.streams, 1);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, BLOCK, on_read, s, on_free);
    if (!r) {
        s->completed = 1;
        on_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    server__origin_headers(rq, r);
    rq->status = 200;
    enum MHD_Result ret = MHD_queue_response(rq->conn, 200, r);
    MHD_destroy_response(r);
    /* The stream writes at least every heartbeat, and nothing in between: the idle timeout
     * must outlast a heartbeat, and still ends a stream whose client stopped reading. */
    server__conn_timeout(rq->conn, (unsigned)(srv->o.heartbeat_ms / 1000) + 1 + srv->idle_s);
    return ret;
}
