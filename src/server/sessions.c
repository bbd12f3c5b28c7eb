/*
 * Conversations kept by the server (see server/internal.h): for each session id the
 * frame of its last answer, which a follow-up ("now by quarter") edits, and the history
 * of its questions and answers, which the page shows and re-opens. Bounded three ways:
 * the number of sessions (least recently used out), entries per session, and bytes of
 * answers per session (oldest out; an answer larger than the whole budget is kept
 * without its body). Written by work.c on the workers, read by api.c.
 */
#include "server/internal.h"

#include "base/error.h"
#include "base/json.h"
#include "base/mem.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_ENTRIES = 50,                   /* questions remembered per session */
    MAX_SESSION_BYTES = 2 * 1024 * 1024 /* answer text remembered per session */
};

struct entry {
    char *question;
    char job[JOBS_ID_LEN + 1];
    char status[sizeof "unsupported"]; /* the answer's status, the longest of which */
    char at[SERVER__TIME_TEXT_MAX];
    char *answer; /* JSON, or NULL when it was too large to keep */
};

struct session {
    char id[SERVER__ID_MAX + 1];
    char created[SERVER__TIME_TEXT_MAX], updated[SERVER__TIME_TEXT_MAX];
    char *frame;
    struct entry entries[MAX_ENTRIES]; /* a ring: first is the oldest */
    size_t first, n;
    size_t bytes;
    unsigned long used; /* LRU clock */
};

struct server__sessions {
    pthread_mutex_t mu;
    struct session **s;
    size_t n, max;
    unsigned long clock;
};

struct server__sessions *server__sessions_new(size_t max_sessions)
{
    struct server__sessions *ss = xcalloc(1, sizeof *ss);
    pthread_mutex_init(&ss->mu, NULL);
    ss->max = max_sessions ? max_sessions : 1;
    ss->s = xcalloc(ss->max, sizeof *ss->s);
    return ss;
}

static void entry_fini(struct entry *e)
{
    free(e->question);
    free(e->answer);
    memset(e, 0, sizeof *e);
}

static void session_free(struct session *s)
{
    for (size_t i = 0; i < s->n; i++)
        entry_fini(&s->entries[(s->first + i) % MAX_ENTRIES]);
    free(s->frame);
    free(s);
}

void server__sessions_free(struct server__sessions *ss)
{
    if (!ss)
        return;
    for (size_t i = 0; i < ss->n; i++)
        session_free(ss->s[i]);
    free(ss->s);
    pthread_mutex_destroy(&ss->mu);
    free(ss);
}

static struct session *find_locked(struct server__sessions *ss, const char *id, size_t *index)
{
    for (size_t i = 0; i < ss->n; i++) {
        if (strcmp(ss->s[i]->id, id) == 0) {
            if (index)
                *index = i;
            ss->s[i]->used = ++ss->clock;
            return ss->s[i];
        }
    }
    return NULL;
}

char *server__sessions_frame(struct server__sessions *ss, const char *id)
{
    pthread_mutex_lock(&ss->mu);
    struct session *s = find_locked(ss, id, NULL);
    char *frame = s && s->frame ? xstrdup(s->frame) : NULL;
    pthread_mutex_unlock(&ss->mu);
    return frame;
}

static void drop_oldest(struct session *s)
{
    struct entry *e = &s->entries[s->first];
    s->bytes -= e->answer ? strlen(e->answer) : 0;
    entry_fini(e);
    s->first = (s->first + 1) % MAX_ENTRIES;
    s->n--;
}

void server__sessions_record(struct server__sessions *ss, const char *id, const char *question,
                             const char *job_id, const char *status, const char *answer_json,
                             const char *frame_json)
{
    char now[SERVER__TIME_TEXT_MAX];
    server__now_iso(now, sizeof now);
    pthread_mutex_lock(&ss->mu);
    struct session *s = find_locked(ss, id, NULL);
    if (!s) {
        if (ss->n == ss->max) {
            size_t lru = 0;
            for (size_t i = 1; i < ss->n; i++)
                if (ss->s[i]->used < ss->s[lru]->used)
                    lru = i;
            session_free(ss->s[lru]);
            ss->s[lru] = ss->s[--ss->n];
        }
        s = xcalloc(1, sizeof *s);
        snprintf(s->id, sizeof s->id, "%s", id);
        snprintf(s->created, sizeof s->created, "%s", now);
        s->used = ++ss->clock;
        ss->s[ss->n++] = s;
    }
    snprintf(s->updated, sizeof s->updated, "%s", now);
    if (frame_json) {
        free(s->frame);
        s->frame = xstrdup(frame_json);
    }
    size_t len = answer_json ? strlen(answer_json) : 0;
    int keep = len <= MAX_SESSION_BYTES;
    while (s->n && (s->n == MAX_ENTRIES || (keep && s->bytes + len > MAX_SESSION_BYTES)))
        drop_oldest(s);
    struct entry *e = &s->entries[(s->first + s->n) % MAX_ENTRIES];
    e->question = xstrdup(question);
    snprintf(e->job, sizeof e->job, "%s", job_id ? job_id : "");
    snprintf(e->status, sizeof e->status, "%s", status ? status : "");
    snprintf(e->at, sizeof e->at, "%s", now);
    e->answer = keep && answer_json ? xstrdup(answer_json) : NULL;
    s->bytes += e->answer ? len : 0;
    s->n++;
    pthread_mutex_unlock(&ss->mu);
}

int server__sessions_write(struct server__sessions *ss, const char *id, struct sq_jw *w)
{
    pthread_mutex_lock(&ss->mu);
    struct session *s = find_locked(ss, id, NULL);
    if (!s) {
        pthread_mutex_unlock(&ss->mu);
        return SQ_E_NOT_FOUND;
    }
    sq_jw_obj_begin(w);
    sq_jw_key(w, "id");
    sq_jw_str(w, s->id);
    sq_jw_key(w, "created");
    sq_jw_str(w, s->created);
    sq_jw_key(w, "updated");
    sq_jw_str(w, s->updated);
    sq_jw_key(w, "follow_up");
    sq_jw_bool(w, s->frame != NULL);
    sq_jw_key(w, "history");
    sq_jw_arr_begin(w);
    for (size_t i = 0; i < s->n; i++) {
        const struct entry *e = &s->entries[(s->first + i) % MAX_ENTRIES];
        sq_jw_obj_begin(w);
        sq_jw_key(w, "question");
        sq_jw_str(w, e->question);
        sq_jw_key(w, "status");
        sq_jw_str(w, e->status);
        sq_jw_key(w, "at");
        sq_jw_str(w, e->at);
        sq_jw_key(w, "job");
        sq_jw_str(w, e->job);
        sq_jw_key(w, "answer");
        if (e->answer)
            sq_jw_raw(w, e->answer);
        else
            sq_jw_null(w);
        sq_jw_obj_end(w);
    }
    sq_jw_arr_end(w);
    sq_jw_obj_end(w);
    pthread_mutex_unlock(&ss->mu);
    return 0;
}

int server__sessions_delete(struct server__sessions *ss, const char *id)
{
    pthread_mutex_lock(&ss->mu);
    size_t i;
    struct session *s = find_locked(ss, id, &i);
    if (s) {
        session_free(s);
        ss->s[i] = ss->s[--ss->n];
    }
    pthread_mutex_unlock(&ss->mu);
    return s ? 0 : SQ_E_NOT_FOUND;
}

size_t server__sessions_count(struct server__sessions *ss)
{
    pthread_mutex_lock(&ss->mu);
    size_t n = ss->n;
    pthread_mutex_unlock(&ss->mu);
    return n;
}
