// The conversation: its id (kept in sessionStorage, so a reload continues it and another tab
// starts its own), the list of questions asked in it, and re-opening an earlier answer.
// The server keeps the conversation's frame, which is what makes "now by month" work; the
// page keeps the answers it has seen, and asks GET /api/sessions/ID after a reload.

import { getJSON } from './api.js';
import { h, randomId } from './util.js';

const KEY = 'salesql.session';

export function hasSession() {
    return Boolean(sessionStorage.getItem(KEY));
}

export function sessionId() {
    let id = sessionStorage.getItem(KEY);
    if (!id) {
        id = randomId();
        sessionStorage.setItem(KEY, id);
    }
    return id;
}

export function newSessionId() {
    const id = randomId();
    sessionStorage.setItem(KEY, id);
    return id;
}

// The server sends {id, history: [{question, status, at, job, answer}]} (answer is null
// when it was too large to keep); a bare list, or entries that are answer objects, are
// read too.
function normalize(data) {
    const list = Array.isArray(data) ? data : data?.history || data?.entries || data?.questions || data?.turns || [];
    return list
        .map((e) => {
            if (typeof e === 'string') return { question: e, answer: null };
            const answer = e?.answer && typeof e.answer === 'object' ? e.answer : typeof e?.status === 'string' && 'sql' in e ? e : null;
            return { question: e?.question ?? answer?.question ?? '', answer, status: e?.status, at: e?.at ?? e?.asked_at ?? e?.time ?? null };
        })
        .filter((e) => e.question);
}

// list: the <ol>; onOpen(entry, index) re-opens an entry.
export function createHistory(list, empty, onOpen) {
    let entries = [];
    let current = -1;

    function draw() {
        empty.hidden = entries.length > 0;
        list.replaceChildren(
            ...entries.map((e, i) => {
                const status = e.answer?.status || e.status || 'unknown';
                return h(
                    'li',
                    null,
                    h(
                        'button',
                        {
                            type: 'button',
                            class: `hist-item hist-${status}`,
                            'aria-current': i === current ? 'true' : null,
                            title: e.answer?.interpretation || e.question,
                            onclick: () => onOpen(e, i),
                        },
                        h('span', { class: 'hist-dot', 'aria-hidden': 'true' }),
                        h('span', { class: 'hist-q' }, e.question),
                        status !== 'ok' && h('span', { class: 'visually-hidden' }, ` (${status === 'unsupported' ? 'not understood' : status})`),
                    ),
                );
            }),
        );
    }

    return {
        get entries() {
            return entries;
        },
        add(question, answer) {
            entries.push({ question, answer, at: new Date().toISOString() });
            current = entries.length - 1;
            draw();
            return current;
        },
        select(i) {
            current = i;
            draw();
        },
        isLatest: (i) => i === entries.length - 1,
        clear() {
            entries = [];
            current = -1;
            draw();
        },
        // Restores the list after a reload; keeps the page's own list if the server has
        // none (an older server, or a conversation it has forgotten).
        async load(id) {
            try {
                const got = normalize(await getJSON(`/api/sessions/${encodeURIComponent(id)}`));
                if (got.length) {
                    entries = got;
                    current = entries.length - 1;
                }
            } catch {
                // No history is not an error worth showing: the conversation starts fresh.
            }
            draw();
            return entries;
        },
    };
}
