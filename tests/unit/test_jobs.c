/*
 * Unit tests for jobs/: the queue's bound and order, workers running at once, cancelling
 * a queued and a running job, time budgets, events (order, bounds, a reader waiting on a
 * writer), the TTL and table bounds of finished jobs, and stopping with jobs in flight.
 * Job functions here wait on condition variables, never on sleeps, so the tests are
 * exact rather than timing-dependent (the budget tests bound times generously).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/fs.h"
#include "base/mem.h"
#include "jobs/jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A worker's context: interrupt() sets the flag and wakes the job waiting on it. */
struct wctx {
    size_t index;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int interrupted;
};

static int inits, finis;
static pthread_mutex_t count_mu = PTHREAD_MUTEX_INITIALIZER;

static int w_init(void *ud, size_t index, void **ctx, struct sq_error *err)
{
    int fail_at = ud ? *(int *)ud : -1;
    if ((int)index == fail_at)
        return sq_error_set(err, SQ_E_DB, -1, "worker %zu cannot connect", index);
    struct wctx *w = xcalloc(1, sizeof *w);
    w->index = index;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    *ctx = w;
    pthread_mutex_lock(&count_mu);
    inits++;
    pthread_mutex_unlock(&count_mu);
    return 0;
}

static void w_fini(void *ud, void *ctx)
{
    (void)ud;
    struct wctx *w = ctx;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    pthread_mutex_lock(&count_mu);
    finis++;
    pthread_mutex_unlock(&count_mu);
}

static void w_interrupt(void *ud, void *ctx)
{
    (void)ud;
    struct wctx *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->interrupted = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* A gate that blocking jobs wait on until the test opens it. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open;
    int waiting; /* jobs inside wait_job */
    int order[64];
    int norder;
} g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, {0}, 0};

static void gate_reset(void)
{
    pthread_mutex_lock(&g.mu);
    g.open = 0;
    g.waiting = 0;
    g.norder = 0;
    pthread_mutex_unlock(&g.mu);
}

static void gate_open(void)
{
    pthread_mutex_lock(&g.mu);
    g.open = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
}

/* Waits until n jobs are inside wait_job (at most 10 s). */
static void gate_wait_for(int n)
{
    double end = sq_now_ms() + 10000;
    pthread_mutex_lock(&g.mu);
    while (g.waiting < n && sq_now_ms() < end) {
        pthread_mutex_unlock(&g.mu);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&g.mu);
    }
    int got = g.waiting;
    pthread_mutex_unlock(&g.mu);
    assert_int_equal(got, n);
}

/* Waits for the gate to open or for an interrupt, whichever comes first. */
static int wait_job(struct job *j, void *ctx, void *arg)
{
    (void)j;
    (void)arg;
    struct wctx *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->interrupted = 0;
    pthread_mutex_unlock(&w->mu);
    pthread_mutex_lock(&g.mu);
    g.waiting++;
    pthread_mutex_unlock(&g.mu);
    for (;;) {
        pthread_mutex_lock(&g.mu);
        int open = g.open;
        pthread_mutex_unlock(&g.mu);
        if (open)
            return 0;
        pthread_mutex_lock(&w->mu);
        if (w->interrupted) {
            pthread_mutex_unlock(&w->mu);
            return SQ_E_INTERRUPTED;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 2000000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        pthread_mutex_unlock(&w->mu);
    }
}

/* Records its number (arg) in the order list. */
static int order_job(struct job *j, void *ctx, void *arg)
{
    (void)j;
    (void)ctx;
    pthread_mutex_lock(&g.mu);
    g.order[g.norder++] = *(int *)arg;
    pthread_mutex_unlock(&g.mu);
    return 0;
}

static int ran;
static int count_job(struct job *j, void *ctx, void *arg)
{
    (void)j;
    (void)ctx;
    (void)arg;
    pthread_mutex_lock(&count_mu);
    ran++;
    pthread_mutex_unlock(&count_mu);
    return 0;
}

static int fail_job(struct job *j, void *ctx, void *arg)
{
    (void)j;
    (void)ctx;
    (void)arg;
    return SQ_E_QUERY;
}

static struct jobs *pool(size_t workers, size_t capacity, double budget)
{
    struct jobs_options o = {.workers = workers,
                             .capacity = capacity,
                             .budget_ms = budget,
                             .worker_init = w_init,
                             .worker_fini = w_fini,
                             .interrupt = w_interrupt};
    struct jobs *js = NULL;
    struct sq_error err;
    assert_int_equal(jobs_new(&o, &js, &err), 0);
    gate_reset();
    return js;
}

static int *intp(int v)
{
    int *p = xmalloc(sizeof *p);
    *p = v;
    return p;
}

static void test_queue_bound(void **state)
{
    (void)state;
    struct jobs *js = pool(1, 2, 0);
    struct job *blocker, *a, *b, *c;
    assert_int_equal(jobs_submit(js, wait_job, NULL, NULL, 0, &blocker), 0);
    gate_wait_for(1); /* the worker is busy: further jobs wait in the queue */
    assert_int_equal(jobs_submit(js, count_job, NULL, NULL, 0, &a), 0);
    assert_int_equal(jobs_submit(js, count_job, NULL, NULL, 0, &b), 0);
    int *arg = intp(7);
    assert_int_equal(jobs_submit(js, count_job, arg, free, 0, &c), SQ_E_TOO_BIG);
    assert_null(c);
    free(arg); /* a refused job leaves its argument with the caller */
    struct jobs_stats st;
    jobs_stats(js, &st);
    assert_int_equal(st.queued, 2);
    assert_int_equal(st.running, 1);
    assert_int_equal(st.capacity, 2);
    assert_int_equal(st.rejected, 1);
    assert_int_equal(st.submitted, 3);
    struct jobs_info info;
    jobs_info(a, 0, &info);
    assert_string_equal(jobs_state_name(info.state), "queued");
    assert_string_equal(info.id, jobs_id(a));
    assert_int_equal(strlen(info.id), JOBS_ID_LEN);
    jobs_info_fini(&info);
    gate_open();
    assert_int_equal(jobs_wait(blocker, -1), JOBS_DONE);
    assert_int_equal(jobs_wait(a, -1), JOBS_DONE);
    assert_int_equal(jobs_wait(b, -1), JOBS_DONE);
    /* Room again. */
    assert_int_equal(jobs_submit(js, count_job, NULL, NULL, 0, &c), 0);
    assert_int_equal(jobs_wait(c, 5000), JOBS_DONE);
    jobs_stats(js, &st);
    assert_int_equal(st.done, 4);
    assert_int_equal(st.queued, 0);
    jobs_release(blocker);
    jobs_release(a);
    jobs_release(b);
    jobs_release(c);
    jobs_free(js);
}

static void test_fifo(void **state)
{
    (void)state;
    struct jobs *js = pool(1, 16, 0);
    struct job *blocker, *jobs[10];
    assert_int_equal(jobs_submit(js, wait_job, NULL, NULL, 0, &blocker), 0);
    gate_wait_for(1);
    for (int i = 0; i < 10; i++)
        assert_int_equal(jobs_submit(js, order_job, intp(i), free, 0, &jobs[i]), 0);
    gate_open();
    for (int i = 0; i < 10; i++) {
        assert_int_equal(jobs_wait(jobs[i], -1), JOBS_DONE);
        jobs_release(jobs[i]);
    }
    assert_int_equal(g.norder, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(g.order[i], i);
    jobs_release(blocker);
    jobs_free(js);
}

static void test_concurrent(void **state)
{
    (void)state;
    struct jobs *js = pool(3, 8, 0);
    struct job *j[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(jobs_submit(js, wait_job, NULL, NULL, 0, &j[i]), 0);
    /* All three are inside their function at the same time: three workers. */
    gate_wait_for(3);
    struct jobs_stats st;
    jobs_stats(js, &st);
    assert_int_equal(st.running, 3);
    assert_int_equal(st.workers, 3);
    gate_open();
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jobs_wait(j[i], -1), JOBS_DONE);
        jobs_release(j[i]);
    }
    jobs_free(js);
}

static void test_cancel_queued(void **state)
{
    (void)state;
    struct jobs *js = pool(1, 8, 0);
    struct job *blocker, *victim;
    assert_int_equal(jobs_submit(js, wait_job, NULL, NULL, 0, &blocker), 0);
    gate_wait_for(1);
    ran = 0;
    assert_int_equal(jobs_submit(js, count_job, intp(1), free, 0, &victim), 0);
    assert_int_equal(jobs_cancel(victim, "not wanted"), 0);
    /* Cancelled at once, without waiting for a worker. */
    assert_int_equal(jobs_wait(victim, 0), JOBS_CANCELLED);
    struct jobs_info info;
    jobs_info(victim, 0, &info);
    assert_string_equal(info.reason, "not wanted");
    assert_int_equal(info.run_ms, 0);
    jobs_info_fini(&info);
    assert_int_equal(jobs_cancel(victim, NULL), SQ_E_USAGE);
    gate_open();
    assert_int_equal(jobs_wait(blocker, -1), JOBS_DONE);
    assert_int_equal(ran, 0);
    struct jobs_stats st;
    jobs_stats(js, &st);
    assert_int_equal(st.cancelled, 1);
    assert_int_equal(st.queued, 0);
    jobs_release(blocker);
    jobs_release(victim);
    jobs_free(js);
}

static void test_cancel_running(void **state)
{
    (void)state;
    struct jobs *js = pool(1, 8, 0);
    struct job *j;
    assert_int_equal(jobs_submit(js, wait_job, NULL, NULL, 0, &j), 0);
    gate_wait_for(1);
    assert_int_equal(jobs_wait(j, 0), JOBS_RUNNING);
    /* The interrupt hook wakes the job; it ends cancelled, not failed. */
    assert_int_equal(jobs_cancel(j, "client went away"), 0);
    assert_int_equal(jobs_cancelled(j), 1);
    assert_int_equal(jobs_wait(j, 10000), JOBS_CANCELLED);
    struct jobs_info info;
    jobs_info(j, 0, &info);
    assert_string_equal(info.reason, "client went away");
    assert_int_equal(info.timed_out, 0);
    jobs_info_fini(&info);
    /* The worker is free again. */
    struct job *next;
    assert_int_equal(jobs_submit(js, count_job, NULL, NULL, 0, &next), 0);
    assert_int_equal(jobs_wait(next, 10000), JOBS_DONE);
    jobs_release(next);
    jobs_release(j);
    jobs_free(js);
}

static void test_budget(void **state)
{
    (void)state;
    struct jobs *js = pool(1, 8, 60000);
    struct job *j, *k;
    double t0 = sq_now_ms();
    /* Its own budget of 50 ms overrides the pool's minute. */
    assert_int_equal(jobs_submit(js, wait_job, NULL, NULL, 50, &j), 0);
    assert_int_equal(jobs_wait(j, 10000), JOBS_FAILED);
    double took = sq_now_ms() - t0;
    assert_true(took >= 50);
    assert_true(took < 5000);
    struct jobs_info info;
    jobs_info(j, 0, &info);
    assert_int_equal(info.timed_out, 1);
    assert_non_null(strstr(info.reason, "time budget of 50 ms"));
    jobs_info_fini(&info);
    /* A failing function fails the job with its error's message. */
    assert_int_equal(jobs_submit(js, fail_job, NULL, NULL, 0, &k), 0);
    assert_int_equal(jobs_wait(k, 10000), JOBS_FAILED);
    jobs_info(k, 0, &info);
    assert_int_equal(info.timed_out, 0);
    assert_string_equal(info.reason, sq_strerror(SQ_E_QUERY));
    jobs_info_fini(&info);
    struct jobs_stats st;
    jobs_stats(js, &st);
    assert_int_equal(st.failed, 2);
    assert_int_equal(st.timed_out, 1);
    jobs_release(j);
    jobs_release(k);
    jobs_free(js);
}

/* Emits ten events, each after the gate's reader asked for it (arg: how many). */
static int emit_job(struct job *j, void *ctx, void *arg)
{
    (void)ctx;
    int n = *(int *)arg;
    for (int i = 1; i <= n; i++) {
        char data[32];
        snprintf(data, sizeof data, "{\"n\":%d}", i);
        jobs_emit(j, i == n ? "last" : "stage", data);
    }
    jobs_set_result(j, xstrdup("{\"ok\":true}"));
    return 0;
}

static void test_events_bounded(void **state)
{
    (void)state;
    struct jobs_options o = {.workers = 1, .capacity = 4, .max_events = 4, .max_event_bytes = 64};
    struct jobs *js;
    struct sq_error err;
    assert_int_equal(jobs_new(&o, &js, &err), 0);
    struct job *j;
    assert_int_equal(jobs_submit(js, emit_job, intp(10), free, 0, &j), 0);
    assert_int_equal(jobs_wait(j, 10000), JOBS_DONE);
    /* Only the last four are kept; they come in order, then the end. */
    struct jobs_event ev;
    unsigned long after = 0;
    for (int want = 7; want <= 10; want++) {
        assert_int_equal(jobs_next_event(j, after, 0, &ev), JOBS_WAIT_EVENT);
        assert_int_equal(ev.seq, (unsigned long)want);
        char data[32];
        snprintf(data, sizeof data, "{\"n\":%d}", want);
        assert_string_equal(ev.data, data);
        assert_string_equal(ev.name, want == 10 ? "last" : "stage");
        after = ev.seq;
        jobs_event_fini(&ev);
    }
    assert_int_equal(jobs_next_event(j, after, 1000, &ev), JOBS_WAIT_END);
    struct jobs_info info;
    jobs_info(j, 1, &info);
    assert_string_equal(info.result, "{\"ok\":true}");
    assert_int_equal(info.events, 10);
    jobs_info_fini(&info);
    /* Over the byte bound: refused outright, or older events make room. */
    char big[80];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(jobs_emit(j, "big", big), SQ_E_TOO_BIG);
    big[60] = '\0';
    assert_int_equal(jobs_emit(j, "big", big), 0);
    assert_int_equal(jobs_next_event(j, 0, 0, &ev), JOBS_WAIT_EVENT);
    assert_int_equal(ev.seq, 11);
    assert_int_equal(strlen(ev.data), 60);
    jobs_event_fini(&ev);
    jobs_release(j);
    jobs_free(js);
}

/* A reader on another thread sees every event in order while the job emits them. */
struct reader {
    struct job *j;
    unsigned long seen[16];
    int n;
    int ended;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    unsigned long after = 0;
    for (;;) {
        struct jobs_event ev;
        enum jobs_wait_result w = jobs_next_event(r->j, after, 50, &ev);
        if (w == JOBS_WAIT_END) {
            r->ended = 1;
            break;
        }
        if (w == JOBS_WAIT_EVENT) {
            if (r->n < 16)
                r->seen[r->n++] = ev.seq;
            after = ev.seq;
            jobs_event_fini(&ev);
        }
    }
    return NULL;
}

static int slow_emit_job(struct job *j, void *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    for (int i = 0; i < 5; i++) {
        struct timespec ts = {0, 3000000};
        nanosleep(&ts, NULL);
        jobs_emit(j, "stage", "{}");
    }
    return 0;
}

static void test_events_reader(void **state)
{
    (void)state;
    struct jobs *js = pool(1, 4, 0);
    struct job *blocker, *j;
    assert_int_equal(jobs_submit(js, wait_job, NULL, NULL, 0, &blocker), 0);
    gate_wait_for(1);
    assert_int_equal(jobs_submit(js, slow_emit_job, NULL, NULL, 0, &j), 0);
    struct reader r = {.j = j};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
    gate_open(); /* the reader was already waiting before the job started */
    pthread_join(t, NULL);
    assert_int_equal(r.ended, 1);
    assert_int_equal(r.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(r.seen[i], (unsigned long)i + 1);
    jobs_release(blocker);
    jobs_release(j);
    jobs_free(js);
}

static void test_ttl_and_table(void **state)
{
    (void)state;
    struct jobs_options o = {.workers = 1, .capacity = 16, .ttl_ms = 100, .max_finished = 3};
    struct jobs *js;
    struct sq_error err;
    assert_int_equal(jobs_new(&o, &js, &err), 0);
    char ids[6][JOBS_ID_LEN + 1];
    for (int i = 0; i < 6; i++) {
        struct job *j;
        assert_int_equal(jobs_submit(js, count_job, NULL, NULL, 0, &j), 0);
        assert_int_equal(jobs_wait(j, 10000), JOBS_DONE);
        memcpy(ids[i], jobs_id(j), sizeof ids[i]);
        jobs_release(j);
    }
    /* Only the three newest finished jobs are kept. */
    struct job *f = jobs_find(js, ids[0]);
    assert_null(f);
    f = jobs_find(js, ids[5]);
    assert_non_null(f);
    jobs_release(f);
    assert_null(jobs_find(js, "no-such-job"));
    /* After the TTL (swept every second) none are. */
    double end = sq_now_ms() + 5000;
    while ((f = jobs_find(js, ids[5])) && sq_now_ms() < end) {
        jobs_release(f);
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    assert_null(f);
    struct jobs_stats st;
    jobs_stats(js, &st);
    assert_int_equal(st.in_table, 0);
    /* A forgotten job leaves the table as soon as it ends; the reference stays valid. */
    struct job *j;
    assert_int_equal(jobs_submit(js, count_job, NULL, NULL, 0, &j), 0);
    jobs_forget(j);
    assert_int_equal(jobs_wait(j, 10000), JOBS_DONE);
    assert_null(jobs_find(js, jobs_id(j)));
    jobs_release(j);
    jobs_free(js);
}

static void test_stop_in_flight(void **state)
{
    (void)state;
    inits = finis = 0;
    struct jobs *js = pool(2, 8, 0);
    assert_int_equal(inits, 2);
    struct job *running[2], *queued[5];
    for (int i = 0; i < 2; i++)
        assert_int_equal(jobs_submit(js, wait_job, intp(i), free, 0, &running[i]), 0);
    gate_wait_for(2);
    for (int i = 0; i < 5; i++)
        assert_int_equal(jobs_submit(js, count_job, intp(i), free, 0, &queued[i]), 0);
    /* Two jobs nobody holds: freed with the pool. */
    assert_int_equal(jobs_submit(js, count_job, intp(9), free, 0, NULL), 0);
    assert_int_equal(jobs_submit(js, wait_job, NULL, NULL, 0, NULL), 0);
    jobs_stop(js);
    assert_int_equal(finis, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(jobs_wait(running[i], 0), JOBS_CANCELLED);
        jobs_release(running[i]);
    }
    for (int i = 0; i < 5; i++) {
        assert_int_equal(jobs_wait(queued[i], 0), JOBS_CANCELLED);
        struct jobs_info info;
        jobs_info(queued[i], 0, &info);
        assert_string_equal(info.reason, "the server is stopping");
        jobs_info_fini(&info);
        jobs_release(queued[i]);
    }
    int *arg = intp(1);
    assert_int_equal(jobs_submit(js, count_job, arg, free, 0, NULL), SQ_E_INTERRUPTED);
    free(arg);
    jobs_stop(js); /* idempotent */
    jobs_free(js);
}

static void test_init_failure(void **state)
{
    (void)state;
    int fail_at = 1;
    struct jobs_options o = {
        .workers = 3, .worker_init = w_init, .worker_fini = w_fini, .ud = &fail_at};
    struct jobs *js = (struct jobs *)1;
    struct sq_error err;
    sq_error_clear(&err);
    assert_int_equal(jobs_new(&o, &js, &err), SQ_E_DB);
    assert_null(js);
    assert_string_equal(err.msg, "worker 1 cannot connect");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_bound),    cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_concurrent),     cmocka_unit_test(test_cancel_queued),
        cmocka_unit_test(test_cancel_running), cmocka_unit_test(test_budget),
        cmocka_unit_test(test_events_bounded), cmocka_unit_test(test_events_reader),
        cmocka_unit_test(test_ttl_and_table),  cmocka_unit_test(test_stop_in_flight),
        cmocka_unit_test(test_init_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
