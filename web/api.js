// The page's only door to the server: the JSON API of DESIGN.md over fetch, and the live
// progress of a question over server-sent events. Every failure comes out as an ApiError
// whose kind says what the user can do about it (wait, restart the server, give a token).

const TOKEN_KEY = 'salesql.token';

export class ApiError extends Error {
    // kind: 'network' | 'busy' | 'auth' | 'http'; retryAfter in seconds for 'busy'.
    constructor(kind, message, { status = 0, code = '', retryAfter = 0 } = {}) {
        super(message);
        this.kind = kind;
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }
}

export function setToken(token) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(json) {
    const hd = {};
    if (json) hd['Content-Type'] = 'application/json';
    const t = sessionStorage.getItem(TOKEN_KEY);
    if (t) hd.Authorization = `Bearer ${t}`;
    return hd;
}

// Answer objects come back with 200, but a server may also send them with an error status
// (a declined question as 422, a timeout as 504): those are answers, not failures.
const isAnswer = (d) => d && typeof d === 'object' && typeof d.status === 'string' && 'question' in d;

// One request. Resolves to {status, data} for 2xx and for answer objects; throws ApiError
// otherwise.
export async function request(method, path, body, { signal } = {}) {
    let res;
    try {
        res = await fetch(path, {
            method,
            headers: headers(body !== undefined),
            body: body === undefined ? undefined : JSON.stringify(body),
            signal,
            cache: 'no-store',
        });
    } catch (e) {
        if (e.name === 'AbortError') throw e;
        throw new ApiError('network', 'The salesql server cannot be reached.');
    }
    const text = await res.text().catch(() => '');
    let data = null;
    try {
        data = text ? JSON.parse(text) : null;
    } catch {
        data = null;
    }
    if (res.ok || isAnswer(data)) return { status: res.status, data };
    const err = data?.error && typeof data.error === 'object' ? data.error : {};
    const message = err.message || (typeof data?.error === 'string' ? data.error : '') || text.slice(0, 200) || res.statusText;
    if (res.status === 429 || res.status === 503) {
        const ra = parseInt(res.headers.get('Retry-After') || '', 10);
        throw new ApiError('busy', message, { status: res.status, code: err.code, retryAfter: Number.isFinite(ra) ? ra : 5 });
    }
    if (res.status === 401 || res.status === 403) throw new ApiError('auth', message, { status: res.status, code: err.code });
    throw new ApiError('http', message, { status: res.status, code: err.code });
}

export const getJSON = async (path, opts) => (await request('GET', path, undefined, opts)).data;
export const postJSON = async (path, body, opts) => (await request('POST', path, body ?? {}, opts)).data;

const sleep = (ms, signal) =>
    new Promise((resolve, reject) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(new DOMException('aborted', 'AbortError'));
        });
    });

// Terminal job states: the answer (or the reason there is none) is final.
const FINAL = new Set(['done', 'finished', 'complete', 'completed', 'failed', 'error', 'cancelled', 'canceled', 'timeout']);

function answerOfJob(job) {
    if (isAnswer(job?.answer)) return job.answer;
    if (isAnswer(job)) return job;
    return null;
}

function jobFailure(job) {
    const e = job?.error;
    const message = (e && (e.message || (typeof e === 'string' ? e : ''))) || `The job ended (${job?.state || 'unknown state'}) without an answer.`;
    return new ApiError('http', message, { code: e?.code || job?.state || '' });
}

// Polls GET /api/jobs/ID until it has an answer: the path when the event stream is not
// available (a proxy that buffers it, a token the stream cannot carry).
async function pollJob(id, onStage, signal) {
    let delay = 150;
    for (;;) {
        const job = await getJSON(`/api/jobs/${encodeURIComponent(id)}`, { signal });
        const stage = job?.stage || job?.progress?.stage;
        if (stage) onStage(stage);
        const a = answerOfJob(job);
        if (a) return a;
        if (FINAL.has(String(job?.state || '').toLowerCase())) throw jobFailure(job);
        await sleep(delay, signal);
        delay = Math.min(delay * 1.5, 1000);
    }
}

// Follows a job's event stream: each pipeline stage as it starts, then `done` with the
// answer. Stages may arrive as `event: stage` with {"stage": …}, or as unnamed messages;
// both are accepted. Rejects with {streamFailed: true} if the stream breaks before `done`,
// so the caller can fall back to polling.
function streamJob(id, onStage, signal) {
    return new Promise((resolve, reject) => {
        const es = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
        let finished = false;
        const finish = (fn, v) => {
            if (finished) return;
            finished = true;
            es.close();
            fn(v);
        };
        signal?.addEventListener('abort', () => finish(reject, new DOMException('aborted', 'AbortError')));
        const parse = (e) => {
            try {
                return JSON.parse(e.data);
            } catch {
                return e.data;
            }
        };
        const onProgress = (e) => {
            const d = parse(e);
            if (isAnswer(d) || isAnswer(d?.answer)) return onDone(e);
            const stage = typeof d === 'string' ? d : d?.stage || d?.name;
            if (stage && stage !== 'heartbeat') onStage(String(stage));
        };
        const onDone = (e) => {
            const d = parse(e);
            const a = answerOfJob(d);
            if (a) finish(resolve, a);
            else if (FINAL.has(String(d?.state || '').toLowerCase())) finish(reject, jobFailure(d));
            // A `done` without the job in it: fetch the job for it.
            else finish(reject, { streamFailed: true });
        };
        es.addEventListener('stage', onProgress);
        es.addEventListener('progress', onProgress);
        es.addEventListener('message', onProgress);
        es.addEventListener('done', onDone);
        es.addEventListener('answer', onDone);
        es.addEventListener('error', (e) => {
            // A server-sent `event: error` carries data; a broken connection does not.
            if (e.data) {
                const d = parse(e);
                const a = answerOfJob(d);
                if (a) return finish(resolve, a);
                return finish(reject, jobFailure(typeof d === 'object' ? d : { error: { message: String(d) } }));
            }
            finish(reject, { streamFailed: true });
        });
    });
}

// Asks one question and resolves to its answer object. Submits it as a job and follows
// the job's events (onStage(stage) for each stage); when the stream fails, polls the job
// instead of asking again, because asking twice would apply a follow-up ("now by month")
// twice to the conversation. Only when jobs are unavailable altogether does it fall back
// to a plain synchronous POST.
export async function ask(body, onStage, signal) {
    if (typeof EventSource !== 'function') return (await request('POST', '/api/ask', { ...body, async: false }, { signal })).data;
    let submitted;
    try {
        submitted = await request('POST', '/api/ask', { ...body, async: true }, { signal });
    } catch (e) {
        if (e instanceof ApiError && e.kind === 'http' && (e.status === 400 || e.status === 404 || e.status === 501)) {
            return (await request('POST', '/api/ask', { ...body, async: false }, { signal })).data;
        }
        throw e;
    }
    const d = submitted.data;
    if (isAnswer(d)) return d; // the server answered at once (a cached answer, say)
    const id = d?.job ?? d?.id;
    if (id === undefined || id === null) throw new ApiError('http', 'The server accepted the question but returned no job.');
    // Closing the event stream cancels the job on the server; a poll has no stream to
    // close, so a cancelled question also says so explicitly (best effort).
    signal?.addEventListener('abort', () => {
        fetch(`/api/jobs/${encodeURIComponent(id)}`, { method: 'DELETE', headers: headers(false) }).catch(() => {});
    });
    try {
        return await streamJob(String(id), onStage, signal);
    } catch (e) {
        if (!e?.streamFailed) throw e;
    }
    try {
        return await pollJob(String(id), onStage, signal);
    } catch (e) {
        if (e instanceof ApiError && e.kind === 'http' && e.status === 404) {
            return (await request('POST', '/api/ask', { ...body, async: false }, { signal })).data;
        }
        throw e;
    }
}
