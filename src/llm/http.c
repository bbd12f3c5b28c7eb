/*
 * The transport (see llm/llm.h): one libcurl easy handle per question's session, one POST
 * to <base URL>/chat/completions per attempt. Retries 408, 409, 429 and 5xx answers,
 * timeouts and cut-off replies with exponential backoff and full jitter, or after exactly
 * the wait a Retry-After header asks for; gives up when the question's deadline would
 * pass. A progress callback stops a transfer when the caller cancels or the deadline
 * passes. Reply bodies go into a bounded buffer; the API key is scrubbed from everything
 * read before it is kept. Called by agents/ through llm_session_chat.
 */
#include "llm/internal.h"
#include "llm/llm.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/mem.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

enum {
    MAX_BACKOFF_MS = 20000,
    MAX_RETRY_AFTER_MS = 120000,
    MIN_COMPLETION = 16,
};

struct llm_session {
    const struct llm_config *cfg;
    int (*cancelled)(void *ud);
    void *ud;
    double deadline; /* sq_now_ms() value */
    struct llm_usage usage;
    uint64_t rng;
    CURL *curl;
};

/* One attempt's state, shared with libcurl's callbacks. */
struct xfer {
    struct llm_session *s;
    struct sq_buf body;
    int overflow;
    int cancelled;
    int past_deadline;
    double retry_after_ms; /* -1: the server did not say */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

static void curl_setup(void)
{
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

struct llm_session *llm_session_new(const struct llm_config *c, int (*cancelled)(void *ud),
                                    void *ud)
{
    struct llm_session *s = xcalloc(1, sizeof *s);
    s->cfg = c;
    s->cancelled = cancelled;
    s->ud = ud;
    s->deadline = sq_now_ms() + c->deadline_ms;
    s->usage.cost_usd = 0;
    s->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)s;
    if (!s->rng)
        s->rng = 0x9e3779b97f4a7c15ULL;
    return s;
}

void llm_session_free(struct llm_session *s)
{
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    free(s);
}

void llm_session_usage(const struct llm_session *s, struct llm_usage *out)
{
    *out = s->usage;
}

double llm_session_remaining_ms(const struct llm_session *s)
{
    return s->deadline - sq_now_ms();
}

long llm_session_tokens_left(const struct llm_session *s)
{
    return s->cfg->token_budget - s->usage.prompt_tokens - s->usage.completion_tokens;
}

static int is_cancelled(const struct llm_session *s)
{
    return s->cancelled && s->cancelled(s->ud);
}

static uint64_t next_random(struct llm_session *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

/* Replaces the key wherever it occurs in len bytes (which may hold NULs). */
static void scrub_bytes(const struct llm_config *c, char *data, size_t len)
{
    size_t klen = strlen(c->api_key);
    if (!klen || !data)
        return;
    char *p = data;
    size_t left = len;
    char *hit;
    while (left >= klen && (hit = memmem(p, left, c->api_key, klen)) != NULL) {
        memset(hit, '*', klen);
        left -= (size_t)(hit - p) + klen;
        p = hit + klen;
    }
}

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    if (sq_buf_append(&x->body, data, size * n) != 0) {
        x->overflow = 1;
        return 0;
    }
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    enum { HEADER_LINE_MAX = 256 }; /* a Retry-After line whole; other headers are cut */
    char line[HEADER_LINE_MAX];
    size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, data, k);
    line[k] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    char *end;
    if (strncasecmp(line, "retry-after-ms:", 15) == 0) {
        double v = strtod(line + 15, &end);
        if (end != line + 15 && v >= 0)
            x->retry_after_ms = v;
    } else if (strncasecmp(line, "retry-after:", 12) == 0 && x->retry_after_ms < 0) {
        const char *v = line + 12;
        while (*v == ' ' || *v == '\t')
            v++;
        double secs = strtod(v, &end);
        if (end != v && *end == '\0' && secs >= 0) {
            x->retry_after_ms = secs * 1000;
        } else {
            time_t when = curl_getdate(v, NULL);
            if (when != -1)
                x->retry_after_ms = when > time(NULL) ? (double)(when - time(NULL)) * 1000 : 0;
        }
    }
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct xfer *x = ud;
    if (is_cancelled(x->s)) {
        x->cancelled = 1;
        return 1;
    }
    if (sq_now_ms() >= x->s->deadline) {
        x->past_deadline = 1;
        return 1;
    }
    return 0;
}

/* Sleeps ms, waking every 20 ms to see whether the caller cancelled; 1 if it did. */
static int wait_ms(struct llm_session *s, double ms)
{
    double end = sq_now_ms() + ms;
    for (;;) {
        if (is_cancelled(s))
            return 1;
        double left = end - sq_now_ms();
        if (left <= 0)
            return 0;
        double step = left < 20 ? left : 20;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(step * 1e6)};
        nanosleep(&ts, NULL);
    }
}

static struct curl_slist *make_headers(const struct llm_config *c)
{
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json");
    h = curl_slist_append(h, "Expect:");
    if (c->api_key[0]) {
        char *auth = xasprintf("Authorization: Bearer %s", c->api_key);
        h = curl_slist_append(h, auth);
        explicit_bzero(auth, strlen(auth));
        free(auth);
    }
    return h;
}

static void free_headers(struct curl_slist *h)
{
    for (struct curl_slist *p = h; p; p = p->next)
        explicit_bzero(p->data, strlen(p->data));
    curl_slist_free_all(h);
}

enum outcome { DONE, RETRY, FAIL };

/* Classifies a finished attempt into DONE (a 200 reply parsed into out), RETRY or FAIL,
 * with the reason in err for the last two. */
static enum outcome judge(struct llm_session *s, CURLcode res, long status, struct xfer *x,
                          const char *curl_msg, struct llm_reply *out, struct sq_error *err)
{
    const struct llm_config *c = s->cfg;
    char url[LLM_DISPLAY_URL_MAX];
    llm_config_display_url(c, url, sizeof url);
    if (x->cancelled) {
        sq_error_set(err, SQ_E_INTERRUPTED, -1, "cancelled while waiting for the model");
        return FAIL;
    }
    if (x->past_deadline) {
        sq_error_set(err, SQ_E_TIMEOUT, -1,
                     "the model did not answer within the question's "
                     "deadline of %.0f ms",
                     c->deadline_ms);
        return FAIL;
    }
    if (x->overflow) {
        sq_error_set(err, SQ_E_TOO_BIG, -1, "the model's reply is longer than %d bytes",
                     LLM_MAX_REPLY);
        return FAIL;
    }
    switch (res) {
    case CURLE_OK:
        break;
    case CURLE_OPERATION_TIMEDOUT:
        sq_error_set(err, SQ_E_TIMEOUT, -1, "the model did not answer within %.0f ms",
                     c->timeout_ms);
        return RETRY;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        sq_error_set(err, SQ_E_IO, -1, "the model's reply was cut off (%s)", curl_msg);
        return RETRY;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        sq_error_set(err, SQ_E_IO, -1, "cannot reach the model server at %s (%s)", url, curl_msg);
        return FAIL;
    default:
        sq_error_set(err, SQ_E_IO, -1, "cannot talk to the model server at %s (%s)", url, curl_msg);
        return FAIL;
    }
    if (status == 200) {
        int rc = llm_reply_parse(x->body.data, x->body.len, out, err);
        return rc == 0 ? DONE : FAIL;
    }
    char msg[LLM__SHOWN_TEXT_BUF];
    llm__error_message(x->body.data, x->body.len, msg, sizeof msg);
    const char *hint = "";
    if ((status == 401 || status == 403) && c->key_withheld)
        hint = " (OPENAI_API_KEY was not sent: the URL comes from the playbook and is not on "
               "this machine; give it in SALESQL_LLM_URL or --llm-url to send the key)";
    else if (status == 401 || status == 403)
        hint = " (check OPENAI_API_KEY)";
    else if (status == 404)
        hint = " (check the model URL and the model name)";
    sq_error_set(err, SQ_E_IO, -1, "the model server answered HTTP %ld%s%s%s", status,
                 msg[0] ? ": " : "", msg, hint);
    if (status == 408 || status == 409 || status == 429 || status >= 500)
        return RETRY;
    return FAIL;
}

/* One HTTP request. */
static CURLcode perform(struct llm_session *s, const char *url, const char *body,
                        struct curl_slist *headers, double timeout_ms, struct xfer *x, long *status,
                        char *errbuf)
{
    CURL *h = s->curl;
    curl_easy_reset(h);
    errbuf[0] = '\0';
    long t = timeout_ms < 1 ? 1 : (long)timeout_ms;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "salesql");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t < 10000 ? t : 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)LLM_MAX_REPLY);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    CURLcode res = curl_easy_perform(h);
    *status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    if (res == CURLE_FILESIZE_EXCEEDED)
        x->overflow = 1;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    return res;
}

static void account(struct llm_session *s, const char *model, struct llm_reply *r)
{
    if (!r->has_usage) {
        /* A server without usage: the documented stand-in, bytes / 4. */
        size_t done = r->content ? strlen(r->content) : 0;
        for (size_t i = 0; i < r->ncalls; i++)
            done += strlen(r->calls[i].arguments) + strlen(r->calls[i].name);
        r->prompt_tokens = (long)((r->req_bytes + 3) / 4);
        r->completion_tokens = (long)((done + 3) / 4);
        s->usage.estimated = 1;
    }
    s->usage.prompt_tokens += r->prompt_tokens;
    s->usage.completion_tokens += r->completion_tokens;
    double in, out;
    if (s->usage.cost_usd >= 0 && llm_price(model, &in, &out) == 0)
        s->usage.cost_usd +=
            (in * (double)r->prompt_tokens + out * (double)r->completion_tokens) / 1e6;
    else
        s->usage.cost_usd = -1;
}

static void scrub_reply(const struct llm_config *c, struct llm_reply *r)
{
    llm_scrub(c, r->content);
    for (size_t i = 0; i < r->ncalls; i++) {
        llm_scrub(c, r->calls[i].id);
        llm_scrub(c, r->calls[i].name);
        llm_scrub(c, r->calls[i].arguments);
    }
}

int llm_session_chat(struct llm_session *s, const struct llm_request *r, struct llm_reply *out,
                     struct sq_error *err)
{
    const struct llm_config *c = s->cfg;
    memset(out, 0, sizeof *out);
    double t0 = sq_now_ms();
    pthread_once(&curl_once, curl_setup);
    if (!curl_ready)
        return sq_error_set(err, SQ_E_INTERNAL, -1, "libcurl did not initialize");
    if (!s->curl && !(s->curl = curl_easy_init()))
        return sq_error_set(err, SQ_E_INTERNAL, -1, "libcurl did not initialize");
    /* The budget: the prompt is estimated at bytes / 4 before sending; the completion cap
     * shrinks to what is left. */
    int max_tokens = r->max_tokens > 0 ? r->max_tokens : c->max_tokens;
    char *body = llm_request_body(r, max_tokens, err);
    if (!body)
        return err ? err->code : SQ_E_PARSE;
    long left = llm_session_tokens_left(s);
    long need = (long)(strlen(body) / 4);
    if (need + MIN_COMPLETION > left) {
        free(body);
        return sq_error_set(err, SQ_E_TOO_BIG, -1,
                            "the token budget of %ld per question is spent (%ld used; the next "
                            "call needs about %ld)",
                            c->token_budget, c->token_budget - left, need + MIN_COMPLETION);
    }
    if (max_tokens > left - need) {
        free(body);
        body = llm_request_body(r, (int)(left - need), err);
        if (!body)
            return err ? err->code : SQ_E_PARSE;
    }
    out->req_bytes = strlen(body);
    char *url = xasprintf("%s/chat/completions", c->base_url);
    struct curl_slist *headers = make_headers(c);
    struct xfer x;
    memset(&x, 0, sizeof x);
    x.s = s;
    sq_buf_init(&x.body, LLM_MAX_REPLY);
    char errbuf[CURL_ERROR_SIZE];
    int rc = SQ_E_INTERNAL;
    struct llm_reply reply;
    memset(&reply, 0, sizeof reply);
    for (int attempt = 0;; attempt++) {
        if (is_cancelled(s)) {
            rc = sq_error_set(err, SQ_E_INTERRUPTED, -1, "cancelled before calling the model");
            break;
        }
        double remaining = llm_session_remaining_ms(s);
        if (remaining <= 0) {
            rc = sq_error_set(err, SQ_E_TIMEOUT, -1,
                              "the question's deadline of %.0f ms passed before the model "
                              "answered",
                              c->deadline_ms);
            break;
        }
        sq_buf_reset(&x.body);
        x.overflow = x.cancelled = x.past_deadline = 0;
        x.retry_after_ms = -1;
        long status = 0;
        CURLcode res =
            perform(s, url, body, headers, c->timeout_ms < remaining ? c->timeout_ms : remaining,
                    &x, &status, errbuf);
        s->usage.calls++;
        out->attempts++;
        out->http_status = (int)status;
        scrub_bytes(c, x.body.data, x.body.len);
        scrub_bytes(c, errbuf, strlen(errbuf));
        const char *cmsg = errbuf[0] ? errbuf : curl_easy_strerror(res);
        struct sq_error e;
        sq_error_clear(&e);
        enum outcome o = judge(s, res, status, &x, cmsg, &reply, &e);
        sq_log_debug("llm: attempt %d: curl %d, HTTP %ld, %zu bytes back", attempt + 1, (int)res,
                     status, x.body.len);
        if (o == DONE) {
            rc = 0;
            break;
        }
        if (err)
            *err = e;
        rc = e.code;
        if (o == FAIL || attempt >= c->max_retries)
            break;
        remaining = llm_session_remaining_ms(s);
        double wait;
        if (x.retry_after_ms >= 0) {
            wait = x.retry_after_ms;
            if (wait > MAX_RETRY_AFTER_MS || wait >= remaining) {
                rc = sq_error_set(err, SQ_E_TIMEOUT, -1,
                                  "the model server asked to wait %.1f s, longer than the %.1f "
                                  "s left for this question (%s)",
                                  wait / 1000, remaining > 0 ? remaining / 1000 : 0, e.msg);
                break;
            }
        } else {
            double d = c->retry_base_ms;
            for (int i = 0; i < attempt && d < MAX_BACKOFF_MS; i++)
                d *= 2;
            if (d > MAX_BACKOFF_MS)
                d = MAX_BACKOFF_MS;
            /* Full jitter over the upper half: spreads clients without ever waiting less
             * than half the backoff. */
            wait = d / 2 + (double)(next_random(s) % 1000) / 1000.0 * (d / 2);
            if (wait >= remaining) {
                rc =
                    sq_error_set(err, e.code, -1,
                                 "%s; no time left to retry before the question's deadline", e.msg);
                break;
            }
        }
        sq_log_debug("llm: retrying in %.0f ms", wait);
        if (wait_ms(s, wait)) {
            rc = sq_error_set(err, SQ_E_INTERRUPTED, -1, "cancelled while waiting to retry");
            break;
        }
    }
    if (rc == 0) {
        scrub_reply(c, &reply);
        reply.attempts = out->attempts;
        reply.http_status = out->http_status;
        reply.req_bytes = out->req_bytes;
        *out = reply;
        account(s, r->model, out);
    } else if (err) {
        llm_scrub(c, err->msg);
    }
    out->ms = sq_now_ms() - t0;
    free_headers(headers);
    free(body);
    free(url);
    sq_buf_fini(&x.body);
    return rc;
}
