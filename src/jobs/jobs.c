/*
 * The work queue and its workers (see jobs/jobs.h). One mutex guards the pool: the FIFO
 * queue, the table of jobs readable by id, and every job's state and events; each job
 * has a condition variable its waiters sleep on. A timer thread enforces time budgets
 * (through the pool's interrupt hook) and drops finished jobs after their TTL. Called by
 * server/; calls only base/ and pthreads.
 */
#include "jobs/jobs.h"

#include "base/error.h"
#include "base/fs.h"
#include "base/limits.h"
#include "base/mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum { TTL_SWEEP_MS = 1000 };

struct event {
    unsigned long seq;
    char name[JOBS_EVENT_NAME_MAX];
    char *data;
    size_t len;
};

struct job {
    struct jobs *js;
    char id[JOBS_ID_LEN + 1];
    int refs;
    enum jobs_state state;
    jobs_fn fn;
    void *arg;
    void (*free_arg)(void *);
    double budget_ms;
    double submitted, started, finished;
    int cancel, timed_out, forget, in_table;
    char *reason;
    char *result;
    size_t worker;
    struct event *ev;
    size_t nev;
    size_t ev_bytes;
    unsigned long seq;
    pthread_cond_t cv;
    struct job *qnext;       /* the queue, or the list of jobs to free */
    struct job *prev, *next; /* the table */
};

struct jobs {
    struct jobs_options o;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, timer_cv, init_cv;
    pthread_t *threads;
    size_t nthreads;
    pthread_t timer;
    int timer_started;
    void **ctx;
    struct job **running;
    size_t nrunning;
    struct job *qhead, *qtail;
    size_t qlen;
    struct job *thead, *ttail;
    size_t tlen, nfinished;
    struct job *grave; /* references dropped to zero under the lock; freed after it */
    int stopping, stopped;
    size_t inited, init_failed;
    struct sq_error init_err;
    double timer_next, next_sweep;
    unsigned long long counter;
    unsigned long long submitted, rejected, done, failed, cancelled, timed_out;
};

static void abs_timespec(double abs_ms, struct timespec *ts)
{
    /* sq_now_ms is CLOCK_MONOTONIC, the clock every condition variable here uses. */
    if (abs_ms < 0)
        abs_ms = 0;
    ts->tv_sec = (time_t)(abs_ms / 1000);
    ts->tv_nsec = (long)((abs_ms - (double)ts->tv_sec * 1000) * 1e6);
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    } else if (ts->tv_nsec < 0) {
        ts->tv_nsec = 0;
    }
}

static void cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
}

/* Waits on cv until abs_ms (monotonic); returns 1 when the time has passed. */
static int cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, double abs_ms)
{
    struct timespec ts;
    abs_timespec(abs_ms, &ts);
    return pthread_cond_timedwait(cv, mu, &ts) == ETIMEDOUT;
}

const char *jobs_state_name(enum jobs_state s)
{
    switch (s) {
    case JOBS_QUEUED:
        return "queued";
    case JOBS_RUNNING:
        return "running";
    case JOBS_DONE:
        return "done";
    case JOBS_FAILED:
        return "failed";
    case JOBS_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

int jobs_finished(enum jobs_state s)
{
    return s == JOBS_DONE || s == JOBS_FAILED || s == JOBS_CANCELLED;
}

static void job_destroy(struct job *j)
{
    for (size_t i = 0; i < j->nev; i++)
        free(j->ev[i].data);
    free(j->ev);
    free(j->reason);
    free(j->result);
    if (j->free_arg)
        j->free_arg(j->arg);
    pthread_cond_destroy(&j->cv);
    free(j);
}

/* Drops one reference; a job left with none goes to the grave, freed by unlock_bury. */
static void unref_locked(struct jobs *js, struct job *j)
{
    if (--j->refs == 0) {
        j->qnext = js->grave;
        js->grave = j;
    }
}

static void unlock_bury(struct jobs *js)
{
    struct job *g = js->grave;
    js->grave = NULL;
    pthread_mutex_unlock(&js->mu);
    while (g) {
        struct job *next = g->qnext;
        job_destroy(g);
        g = next;
    }
}

static void table_remove_locked(struct jobs *js, struct job *j)
{
    if (!j->in_table)
        return;
    if (j->prev)
        j->prev->next = j->next;
    else
        js->thead = j->next;
    if (j->next)
        j->next->prev = j->prev;
    else
        js->ttail = j->prev;
    j->prev = j->next = NULL;
    j->in_table = 0;
    js->tlen--;
    if (jobs_finished(j->state))
        js->nfinished--;
    unref_locked(js, j);
}

/* Keeps at most max_finished finished jobs: the oldest go first. */
static void trim_finished_locked(struct jobs *js)
{
    struct job *j = js->thead;
    while (j && js->nfinished > js->o.max_finished) {
        struct job *next = j->next;
        if (jobs_finished(j->state))
            table_remove_locked(js, j);
        j = next;
    }
}

/* Records the end of a job: its final state, counters, waiters woken. */
static void finish_locked(struct jobs *js, struct job *j, int rc)
{
    j->finished = sq_now_ms();
    if (j->cancel) {
        j->state = j->timed_out ? JOBS_FAILED : JOBS_CANCELLED;
    } else if (rc) {
        j->state = JOBS_FAILED;
        if (!j->reason)
            j->reason = xstrdup(sq_strerror(rc));
    } else {
        j->state = JOBS_DONE;
    }
    if (j->state == JOBS_DONE)
        js->done++;
    else if (j->state == JOBS_CANCELLED)
        js->cancelled++;
    else
        js->failed++;
    if (j->timed_out)
        js->timed_out++;
    pthread_cond_broadcast(&j->cv);
    if (j->in_table) {
        js->nfinished++;
        if (j->forget)
            table_remove_locked(js, j);
        else
            trim_finished_locked(js);
    }
}

/* Marks a running job cancelled and interrupts its worker (once). */
static void cancel_running_locked(struct jobs *js, struct job *j, const char *reason, int timeout)
{
    if (j->cancel)
        return;
    j->cancel = 1;
    j->timed_out = timeout;
    free(j->reason);
    j->reason = xstrdup(reason ? reason : "cancelled");
    if (js->o.interrupt)
        js->o.interrupt(js->o.ud, js->ctx[j->worker]);
    pthread_cond_broadcast(&j->cv);
}

/* Takes a queued job out of the queue and ends it cancelled. */
static void cancel_queued_locked(struct jobs *js, struct job *j, const char *reason)
{
    struct job **p = &js->qhead;
    struct job *prev = NULL;
    while (*p && *p != j) {
        prev = *p;
        p = &(*p)->qnext;
    }
    if (*p) {
        *p = j->qnext;
        if (js->qtail == j)
            js->qtail = prev;
        js->qlen--;
    }
    j->qnext = NULL;
    j->cancel = 1;
    free(j->reason);
    j->reason = xstrdup(reason ? reason : "cancelled");
    finish_locked(js, j, 0);
    unref_locked(js, j); /* the queue's reference */
}

struct worker_start {
    struct jobs *js;
    size_t index;
};

static void *worker_main(void *arg)
{
    struct worker_start ws = *(struct worker_start *)arg;
    free(arg);
    struct jobs *js = ws.js;
    void *ctx = NULL;
    struct sq_error err;
    sq_error_clear(&err);
    int rc = js->o.worker_init ? js->o.worker_init(js->o.ud, ws.index, &ctx, &err) : 0;
    pthread_mutex_lock(&js->mu);
    js->ctx[ws.index] = ctx;
    if (rc && js->init_failed++ == 0)
        js->init_err = err;
    js->inited++;
    pthread_cond_broadcast(&js->init_cv);
    if (rc) {
        pthread_mutex_unlock(&js->mu);
        return NULL;
    }
    for (;;) {
        while (!js->stopping && !js->qhead)
            pthread_cond_wait(&js->work_cv, &js->mu);
        if (js->stopping)
            break;
        struct job *j = js->qhead;
        js->qhead = j->qnext;
        if (!js->qhead)
            js->qtail = NULL;
        j->qnext = NULL;
        js->qlen--;
        j->state = JOBS_RUNNING;
        j->started = sq_now_ms();
        j->worker = ws.index;
        js->running[ws.index] = j;
        js->nrunning++;
        if (j->budget_ms > 0 && j->started + j->budget_ms < js->timer_next)
            pthread_cond_signal(&js->timer_cv);
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&js->mu);

        rc = j->fn(j, ctx, j->arg);

        pthread_mutex_lock(&js->mu);
        js->running[ws.index] = NULL;
        js->nrunning--;
        finish_locked(js, j, rc);
        unref_locked(js, j); /* the queue's reference */
        unlock_bury(js);
        pthread_mutex_lock(&js->mu);
    }
    pthread_mutex_unlock(&js->mu);
    if (js->o.worker_fini)
        js->o.worker_fini(js->o.ud, ctx);
    return NULL;
}

static void *timer_main(void *arg)
{
    struct jobs *js = arg;
    pthread_mutex_lock(&js->mu);
    while (!js->stopping) {
        double now = sq_now_ms();
        double next = now + TTL_SWEEP_MS;
        for (size_t i = 0; i < js->o.workers; i++) {
            struct job *j = js->running[i];
            if (!j || j->cancel || j->budget_ms <= 0)
                continue;
            double deadline = j->started + j->budget_ms;
            if (deadline <= now) {
                char reason[sizeof "ran out of its time budget of  ms" + SQ_NUM_TEXT_MAX];
                snprintf(reason, sizeof reason, "ran out of its time budget of %.0f ms",
                         j->budget_ms);
                cancel_running_locked(js, j, reason, 1);
            } else if (deadline < next) {
                next = deadline;
            }
        }
        if (now >= js->next_sweep) {
            js->next_sweep = now + TTL_SWEEP_MS;
            for (struct job *j = js->thead, *nx; j; j = nx) {
                nx = j->next;
                if (jobs_finished(j->state) && now - j->finished >= js->o.ttl_ms)
                    table_remove_locked(js, j);
            }
        }
        if (js->grave) {
            unlock_bury(js);
            pthread_mutex_lock(&js->mu);
            continue;
        }
        js->timer_next = next;
        cond_wait_until(&js->timer_cv, &js->mu, next);
    }
    pthread_mutex_unlock(&js->mu);
    return NULL;
}

int jobs_new(const struct jobs_options *o, struct jobs **out, struct sq_error *err)
{
    struct jobs *js = xcalloc(1, sizeof *js);
    js->o = *o;
    if (!js->o.workers)
        js->o.workers = 2;
    if (!js->o.capacity)
        js->o.capacity = 64;
    if (!js->o.max_events)
        js->o.max_events = 64;
    if (!js->o.max_event_bytes)
        js->o.max_event_bytes = 16u * 1024 * 1024;
    if (js->o.ttl_ms <= 0)
        js->o.ttl_ms = 10 * 60 * 1000;
    if (!js->o.max_finished)
        js->o.max_finished = 1024;
    pthread_mutex_init(&js->mu, NULL);
    cond_init(&js->work_cv);
    cond_init(&js->timer_cv);
    cond_init(&js->init_cv);
    js->threads = xcalloc(js->o.workers, sizeof *js->threads);
    js->ctx = xcalloc(js->o.workers, sizeof *js->ctx);
    js->running = xcalloc(js->o.workers, sizeof *js->running);
    js->next_sweep = sq_now_ms() + TTL_SWEEP_MS;
    js->timer_next = 1e300; /* until the timer has looked: wake it for any deadline */
    *out = NULL;

    int rc = 0;
    if (pthread_create(&js->timer, NULL, timer_main, js) != 0) {
        rc = sq_error_set(err, SQ_E_INTERNAL, -1, "cannot start the jobs timer thread");
        goto fail;
    }
    js->timer_started = 1;
    for (size_t i = 0; i < js->o.workers; i++) {
        struct worker_start *ws = xmalloc(sizeof *ws);
        ws->js = js;
        ws->index = i;
        if (pthread_create(&js->threads[i], NULL, worker_main, ws) != 0) {
            free(ws);
            rc = sq_error_set(err, SQ_E_INTERNAL, -1, "cannot start worker thread %zu", i);
            goto fail;
        }
        js->nthreads++;
    }
    pthread_mutex_lock(&js->mu);
    while (js->inited < js->nthreads)
        pthread_cond_wait(&js->init_cv, &js->mu);
    if (js->init_failed) {
        rc = js->init_err.code ? js->init_err.code : SQ_E_INTERNAL;
        if (err)
            *err = js->init_err;
    }
    pthread_mutex_unlock(&js->mu);
    if (rc)
        goto fail;
    *out = js;
    return 0;
fail:
    jobs_free(js);
    return rc;
}

void jobs_stop(struct jobs *js)
{
    if (!js)
        return;
    pthread_mutex_lock(&js->mu);
    if (js->stopped) {
        pthread_mutex_unlock(&js->mu);
        return;
    }
    js->stopping = 1;
    while (js->qhead)
        cancel_queued_locked(js, js->qhead, "the server is stopping");
    for (size_t i = 0; i < js->o.workers; i++)
        if (js->running[i])
            cancel_running_locked(js, js->running[i], "the server is stopping", 0);
    pthread_cond_broadcast(&js->work_cv);
    pthread_cond_broadcast(&js->timer_cv);
    unlock_bury(js);
    for (size_t i = 0; i < js->nthreads; i++)
        pthread_join(js->threads[i], NULL);
    if (js->timer_started)
        pthread_join(js->timer, NULL);
    pthread_mutex_lock(&js->mu);
    js->stopped = 1;
    pthread_mutex_unlock(&js->mu);
}

void jobs_free(struct jobs *js)
{
    if (!js)
        return;
    jobs_stop(js);
    pthread_mutex_lock(&js->mu);
    while (js->thead)
        table_remove_locked(js, js->thead);
    unlock_bury(js);
    pthread_cond_destroy(&js->work_cv);
    pthread_cond_destroy(&js->timer_cv);
    pthread_cond_destroy(&js->init_cv);
    pthread_mutex_destroy(&js->mu);
    free(js->threads);
    free(js->ctx);
    free(js->running);
    free(js);
}

static int find_locked(struct jobs *js, const char *id, struct job **out)
{
    for (struct job *j = js->thead; j; j = j->next) {
        if (strcmp(j->id, id) == 0) {
            *out = j;
            return 1;
        }
    }
    return 0;
}

/* Random ids, so that one client cannot guess another's job; a counter mixed in keeps
 * them distinct should the kernel's generator be unavailable. */
static void new_id_locked(struct jobs *js, char *id)
{
    struct job *dup;
    do {
        unsigned long long r = 0;
        if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
            r = (unsigned long long)(sq_now_ms() * 1000) * 6364136223846793005ULL;
        r ^= ++js->counter * 0x9e3779b97f4a7c15ULL;
        snprintf(id, JOBS_ID_LEN + 1, "%016llx", r);
    } while (find_locked(js, id, &dup));
}

int jobs_submit(struct jobs *js, jobs_fn fn, void *arg, void (*free_arg)(void *), double budget_ms,
                struct job **out)
{
    if (out)
        *out = NULL;
    pthread_mutex_lock(&js->mu);
    if (js->stopping) {
        pthread_mutex_unlock(&js->mu);
        return SQ_E_INTERRUPTED;
    }
    if (js->qlen >= js->o.capacity) {
        js->rejected++;
        pthread_mutex_unlock(&js->mu);
        return SQ_E_TOO_BIG;
    }
    struct job *j = xcalloc(1, sizeof *j);
    j->js = js;
    new_id_locked(js, j->id);
    j->refs = 2 + (out != NULL); /* the table, the queue (then the worker), the caller */
    j->state = JOBS_QUEUED;
    j->fn = fn;
    j->arg = arg;
    j->free_arg = free_arg;
    j->budget_ms = budget_ms == 0 ? js->o.budget_ms : budget_ms;
    j->submitted = sq_now_ms();
    cond_init(&j->cv);
    j->in_table = 1;
    j->prev = js->ttail;
    if (js->ttail)
        js->ttail->next = j;
    else
        js->thead = j;
    js->ttail = j;
    js->tlen++;
    if (js->qtail)
        js->qtail->qnext = j;
    else
        js->qhead = j;
    js->qtail = j;
    js->qlen++;
    js->submitted++;
    pthread_cond_signal(&js->work_cv);
    pthread_mutex_unlock(&js->mu);
    if (out)
        *out = j;
    return 0;
}

struct job *jobs_find(struct jobs *js, const char *id)
{
    struct job *j = NULL;
    pthread_mutex_lock(&js->mu);
    if (find_locked(js, id, &j))
        j->refs++;
    else
        j = NULL;
    pthread_mutex_unlock(&js->mu);
    return j;
}

void jobs_hold(struct job *j)
{
    pthread_mutex_lock(&j->js->mu);
    j->refs++;
    pthread_mutex_unlock(&j->js->mu);
}

void jobs_release(struct job *j)
{
    if (!j)
        return;
    struct jobs *js = j->js;
    pthread_mutex_lock(&js->mu);
    unref_locked(js, j);
    unlock_bury(js);
}

void jobs_forget(struct job *j)
{
    struct jobs *js = j->js;
    pthread_mutex_lock(&js->mu);
    j->forget = 1;
    if (jobs_finished(j->state))
        table_remove_locked(js, j);
    unlock_bury(js);
}

const char *jobs_id(const struct job *j)
{
    return j->id;
}

void *jobs_arg(const struct job *j)
{
    return j->arg;
}

int jobs_cancel(struct job *j, const char *reason)
{
    struct jobs *js = j->js;
    int rc = 0;
    pthread_mutex_lock(&js->mu);
    if (jobs_finished(j->state))
        rc = SQ_E_USAGE;
    else if (j->state == JOBS_QUEUED)
        cancel_queued_locked(js, j, reason);
    else
        cancel_running_locked(js, j, reason, 0);
    unlock_bury(js);
    return rc;
}

int jobs_cancelled(struct job *j)
{
    pthread_mutex_lock(&j->js->mu);
    int c = j->cancel;
    pthread_mutex_unlock(&j->js->mu);
    return c;
}

int jobs_emit(struct job *j, const char *name, const char *data)
{
    struct jobs *js = j->js;
    size_t len = data ? strlen(data) : 0;
    if (len > js->o.max_event_bytes)
        return SQ_E_TOO_BIG;
    char *copy = xstrndup(data ? data : "", len);
    pthread_mutex_lock(&js->mu);
    while (j->nev && (j->nev >= js->o.max_events || j->ev_bytes + len > js->o.max_event_bytes)) {
        j->ev_bytes -= j->ev[0].len;
        free(j->ev[0].data);
        memmove(&j->ev[0], &j->ev[1], (j->nev - 1) * sizeof j->ev[0]);
        j->nev--;
    }
    if (!j->ev)
        j->ev = xcalloc(js->o.max_events, sizeof *j->ev);
    struct event *e = &j->ev[j->nev++];
    e->seq = ++j->seq;
    snprintf(e->name, sizeof e->name, "%s", name);
    e->data = copy;
    e->len = len;
    j->ev_bytes += len;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&js->mu);
    return 0;
}

void jobs_set_result(struct job *j, char *result)
{
    pthread_mutex_lock(&j->js->mu);
    char *old = j->result;
    j->result = result;
    pthread_mutex_unlock(&j->js->mu);
    free(old);
}

enum jobs_state jobs_wait(struct job *j, double timeout_ms)
{
    struct jobs *js = j->js;
    double deadline = sq_now_ms() + timeout_ms;
    pthread_mutex_lock(&js->mu);
    while (!jobs_finished(j->state)) {
        if (timeout_ms < 0)
            pthread_cond_wait(&j->cv, &js->mu);
        else if (cond_wait_until(&j->cv, &js->mu, deadline) || sq_now_ms() >= deadline)
            break;
    }
    enum jobs_state s = j->state;
    pthread_mutex_unlock(&js->mu);
    return s;
}

void jobs_info(struct job *j, int with_result, struct jobs_info *out)
{
    struct jobs *js = j->js;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&js->mu);
    double now = sq_now_ms();
    memcpy(out->id, j->id, sizeof out->id);
    out->state = j->state;
    out->timed_out = j->timed_out;
    out->reason = j->reason ? xstrdup(j->reason) : NULL;
    out->result = with_result && j->result ? xstrdup(j->result) : NULL;
    double started = j->state == JOBS_QUEUED ? now : j->started;
    if (j->state == JOBS_CANCELLED && !j->started)
        started = j->finished;
    out->queued_ms = started - j->submitted;
    out->run_ms = j->started ? (jobs_finished(j->state) ? j->finished : now) - j->started : 0;
    out->age_ms = now - j->submitted;
    out->events = j->seq;
    pthread_mutex_unlock(&js->mu);
}

void jobs_info_fini(struct jobs_info *info)
{
    free(info->reason);
    free(info->result);
    info->reason = info->result = NULL;
}

enum jobs_wait_result jobs_next_event(struct job *j, unsigned long after, double timeout_ms,
                                      struct jobs_event *ev)
{
    struct jobs *js = j->js;
    double deadline = sq_now_ms() + timeout_ms;
    enum jobs_wait_result r;
    pthread_mutex_lock(&js->mu);
    for (;;) {
        size_t k = 0;
        while (k < j->nev && j->ev[k].seq <= after)
            k++;
        if (k < j->nev) {
            ev->seq = j->ev[k].seq;
            memcpy(ev->name, j->ev[k].name, sizeof ev->name);
            ev->data = xstrndup(j->ev[k].data, j->ev[k].len);
            r = JOBS_WAIT_EVENT;
            break;
        }
        if (jobs_finished(j->state)) {
            r = JOBS_WAIT_END;
            break;
        }
        if (timeout_ms <= 0 || sq_now_ms() >= deadline) {
            r = JOBS_WAIT_TIMEOUT;
            break;
        }
        cond_wait_until(&j->cv, &js->mu, deadline);
    }
    pthread_mutex_unlock(&js->mu);
    return r;
}

void jobs_event_fini(struct jobs_event *ev)
{
    free(ev->data);
    ev->data = NULL;
}

void jobs_stats(struct jobs *js, struct jobs_stats *out)
{
    pthread_mutex_lock(&js->mu);
    out->workers = js->o.workers;
    out->capacity = js->o.capacity;
    out->queued = js->qlen;
    out->running = js->nrunning;
    out->in_table = js->tlen;
    out->submitted = js->submitted;
    out->rejected = js->rejected;
    out->done = js->done;
    out->failed = js->failed;
    out->cancelled = js->cancelled;
    out->timed_out = js->timed_out;
    pthread_mutex_unlock(&js->mu);
}
