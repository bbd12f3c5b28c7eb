/*
 * A bounded work queue served by a pool of worker threads. Generic: a job is a function
 * and an argument; each worker has a context of its own (the server's: a database
 * connection and an answerer). A job is queued, running, then done, failed or cancelled;
 * it has an id, a time budget, a bounded list of events (for live progress) and a text
 * result. Finished jobs stay readable for a while, then are dropped. Used by server/.
 *
 * Ownership: jobs_new returns a pool freed with jobs_free (NULL-safe). Every struct job *
 * handed out (by jobs_submit, jobs_find) is a reference the caller gives back with
 * jobs_release; the job's argument is freed with its free_arg when the last reference
 * goes. Strings in struct jobs_info and struct jobs_event are the caller's to free
 * (jobs_info_fini, jobs_event_fini).
 */
#ifndef SQ_JOBS_JOBS_H
#define SQ_JOBS_JOBS_H

#include <stddef.h>

struct sq_error;
struct jobs;
struct job;

enum jobs_state { JOBS_QUEUED, JOBS_RUNNING, JOBS_DONE, JOBS_FAILED, JOBS_CANCELLED };

enum { JOBS_ID_LEN = 16 }; /* lowercase hex characters */
/* An event's name with its NUL, as an SSE "event:" line carries it ("stage", "done"); a
 * longer name is cut. */
enum { JOBS_EVENT_NAME_MAX = 32 };

/* The work of one job, run on a worker thread with that worker's context. Returns 0 (the
 * job is done) or a negative SQ_E code (it failed). A job whose cancel was requested ends
 * cancelled (or failed, when its time budget ran out), whatever it returns. */
typedef int (*jobs_fn)(struct job *j, void *worker_ctx, void *arg);

struct jobs_options {
    size_t workers;         /* threads (default 2) */
    size_t capacity;        /* jobs waiting for a worker, at most (default 64) */
    double budget_ms;       /* default time budget of a job once it runs; 0: none */
    size_t max_events;      /* events kept per job (default 64); the oldest go first */
    size_t max_event_bytes; /* bytes of event data kept per job (default 16 MB) */
    double ttl_ms;          /* finished jobs stay readable this long (default 10 min) */
    size_t max_finished;    /* and at most this many of them (default 1024) */
    /* Called on each worker thread before it takes jobs, to make its context; a non-zero
     * return fails jobs_new. May be NULL (the context is then NULL). */
    int (*worker_init)(void *ud, size_t index, void **ctx, struct sq_error *err);
    /* Called on the worker thread when it stops; may be NULL. */
    void (*worker_fini)(void *ud, void *ctx);
    /* Asks the work running on a worker to stop, when its job is cancelled or out of
     * budget. Called from another thread with the pool locked: it must be quick and must
     * not call back into jobs_*. May be NULL (jobs then stop at their own checks). */
    void (*interrupt)(void *ud, void *ctx);
    void *ud;
};

/* Starts the workers (each runs worker_init first) and the timer thread. */
int jobs_new(const struct jobs_options *o, struct jobs **out, struct sq_error *err);
/* Stops taking jobs, cancels the queued ones, cancels and interrupts the running ones,
 * and waits for every thread to end. Jobs stay readable until jobs_free. Idempotent. */
void jobs_stop(struct jobs *js);
/* jobs_stop, then frees the pool and every job no caller still holds. */
void jobs_free(struct jobs *js);

/* Queues fn(arg) with a time budget (0: the pool's default; < 0: none). On success
 * ownership of arg moves to the job (free_arg, which may be NULL, frees it) and *out, when
 * out is not NULL, is a reference. Fails with SQ_E_TOO_BIG when the queue is full and
 * SQ_E_INTERRUPTED when the pool is stopping; arg then stays the caller's. */
int jobs_submit(struct jobs *js, jobs_fn fn, void *arg, void (*free_arg)(void *), double budget_ms,
                struct job **out);
/* A reference to the job with this id, or NULL when there is none (or no longer). */
struct job *jobs_find(struct jobs *js, const char *id);
void jobs_hold(struct job *j);
void jobs_release(struct job *j);
/* Drops the job from the pool's table as soon as it is finished (now, if it is), for
 * jobs nobody will ask about by id again. References stay valid. */
void jobs_forget(struct job *j);

const char *jobs_id(const struct job *j);
void *jobs_arg(const struct job *j);
const char *jobs_state_name(enum jobs_state s);
int jobs_finished(enum jobs_state s);

/* Requests a cancel: a queued job ends cancelled at once; a running one is interrupted
 * and ends cancelled when its function returns. reason (may be NULL) is kept. Returns 0,
 * or SQ_E_USAGE when the job had already finished. */
int jobs_cancel(struct job *j, const char *reason);

/* For job functions: 1 when the job should stop (cancelled or out of budget). */
int jobs_cancelled(struct job *j);
/* Appends an event (name cut to JOBS_EVENT_NAME_MAX - 1 bytes, data copied) and wakes its
 * readers. Old events are dropped to stay within the pool's bounds; data larger than
 * max_event_bytes is refused (SQ_E_TOO_BIG). */
int jobs_emit(struct job *j, const char *name, const char *data);
/* Sets the job's result text, taking ownership of result (a previous one is freed). */
void jobs_set_result(struct job *j, char *result);

/* Waits until the job has finished or timeout_ms passed (< 0: no limit); returns its
 * state. */
enum jobs_state jobs_wait(struct job *j, double timeout_ms);

struct jobs_info {
    char id[JOBS_ID_LEN + 1];
    enum jobs_state state;
    int timed_out;        /* it ran out of its time budget */
    char *reason;         /* why it was cancelled or failed, or NULL */
    char *result;         /* a copy of the result text, or NULL */
    double queued_ms;     /* time spent waiting for a worker (so far) */
    double run_ms;        /* time spent running (so far) */
    double age_ms;        /* since it was submitted */
    unsigned long events; /* events emitted so far (including dropped ones) */
};
void jobs_info(struct job *j, int with_result, struct jobs_info *out);
void jobs_info_fini(struct jobs_info *info);

struct jobs_event {
    unsigned long seq; /* 1, 2, ... in emission order */
    char name[JOBS_EVENT_NAME_MAX];
    char *data;
};
enum jobs_wait_result { JOBS_WAIT_EVENT, JOBS_WAIT_TIMEOUT, JOBS_WAIT_END };
/* The first event kept whose seq is above after, waiting up to timeout_ms for one:
 * JOBS_WAIT_EVENT (ev filled), JOBS_WAIT_TIMEOUT (nothing new yet), or JOBS_WAIT_END (the
 * job has finished and every kept event after `after` was read). */
enum jobs_wait_result jobs_next_event(struct job *j, unsigned long after, double timeout_ms,
                                      struct jobs_event *ev);
void jobs_event_fini(struct jobs_event *ev);

struct jobs_stats {
    size_t workers, capacity;
    size_t queued, running;       /* now */
    size_t in_table;              /* jobs readable by id now, finished ones included */
    unsigned long long submitted; /* since the start */
    unsigned long long rejected;  /* refused because the queue was full */
    unsigned long long done, failed, cancelled, timed_out;
};
void jobs_stats(struct jobs *js, struct jobs_stats *out);

#endif
