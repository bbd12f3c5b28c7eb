// The page's entry point: wires the question box, the live progress, the answer view, the
// conversation history and the Data panel together. Each part lives in its own module;
// this file holds the page state (the conversation, the question in flight) and the
// keyboard shortcuts.

import { ApiError, ask as askApi, setToken } from './api.js';
import { renderFailure, renderResult } from './answer.js';
import { createHistory, hasSession, newSessionId, sessionId } from './history.js';
import { createSchemaPanel, summary } from './schema.js';
import { attachSuggest } from './suggest.js';
import { $, formatMs, h } from './util.js';

const STAGES = [
    ['understanding', 'Understanding'],
    ['validating', 'Validating'],
    ['running', 'Running'],
    ['writing insights', 'Writing insights'],
];

const els = {
    form: $('#ask-form'),
    q: $('#q'),
    button: $('#ask-button'),
    suggestions: $('#suggestions'),
    progress: $('#progress'),
    result: $('#result'),
    welcome: $('#welcome'),
    examples: $('#examples'),
    summary: $('#data-summary'),
    announce: $('#announce'),
    panel: $('#schema-panel'),
    panelToggle: $('#schema-toggle'),
    newConversation: $('#new-conversation'),
};

const resumed = hasSession();
const state = {
    session: sessionId(),
    inFlight: null, // AbortController of the question being answered
    cancelCountdown: () => {},
};

function announce(text) {
    // Clearing first makes screen readers repeat a message identical to the last one.
    els.announce.textContent = '';
    setTimeout(() => (els.announce.textContent = text), 30);
}

function mode() {
    return els.form.querySelector('input[name=mode]:checked')?.value || 'auto';
}

function setMode(value) {
    const radio = els.form.querySelector(`input[name=mode][value="${CSS.escape(value)}"]`);
    if (!radio) return;
    radio.checked = true;
    localStorage.setItem('salesql.mode', value);
}

// ---- progress -------------------------------------------------------------------------

const progress = {
    timer: 0,
    start: 0,
    show() {
        const list = els.progress.querySelector('.stages');
        list.replaceChildren(...STAGES.map(([key, label]) => h('li', { class: 'stage', dataset: { stage: key } }, h('span', { class: 'stage-icon', 'aria-hidden': 'true' }), label)));
        this.start = performance.now();
        const elapsed = els.progress.querySelector('.elapsed');
        elapsed.textContent = '';
        clearInterval(this.timer);
        this.timer = setInterval(() => (elapsed.textContent = formatMs(performance.now() - this.start)), 100);
        // Fast answers take milliseconds: show the stages only if this one does not.
        clearTimeout(this.showTimer);
        this.showTimer = setTimeout(() => (els.progress.hidden = false), 150);
        els.result.setAttribute('aria-busy', 'true');
    },
    stage(name) {
        const list = els.progress.querySelector('.stages');
        let li = list.querySelector(`[data-stage="${CSS.escape(name)}"]`);
        // Deep mode may report stages of its own (drafting, repairing): show them too.
        if (!li) {
            li = h('li', { class: 'stage', dataset: { stage: name } }, h('span', { class: 'stage-icon', 'aria-hidden': 'true' }), name[0].toUpperCase() + name.slice(1));
            const active = list.querySelector('.stage.active');
            if (active) active.after(li);
            else list.append(li);
        }
        let seen = true;
        for (const item of list.children) {
            if (item === li) {
                seen = false;
                item.className = 'stage active';
            } else item.className = seen ? 'stage done' : 'stage';
        }
    },
    hide() {
        clearInterval(this.timer);
        clearTimeout(this.showTimer);
        els.progress.hidden = true;
        els.result.removeAttribute('aria-busy');
    },
};

// ---- asking ---------------------------------------------------------------------------

const conversation = createHistory($('#history-list'), $('#history-empty'), openEntry);

function showResult(answer, note) {
    els.welcome.hidden = true;
    renderResult(els.result, answer, {
        onAsk: (q) => askQuestion(q),
        onRetry: () => askQuestion(answer.question),
        onFast: () => {
            setMode('auto');
            askQuestion(answer.question);
        },
        note,
    });
}

async function askQuestion(text) {
    const question = String(text ?? els.q.value).trim();
    if (!question) {
        els.q.focus();
        return;
    }
    els.q.value = question;
    suggest.close();
    state.inFlight?.abort();
    state.cancelCountdown();
    const controller = new AbortController();
    state.inFlight = controller;
    els.button.disabled = true;
    els.welcome.hidden = true;
    progress.show();
    announce('Working on it…');
    try {
        const answer = await askApi({ question, mode: mode(), session: state.session }, (s) => progress.stage(s), controller.signal);
        if (controller.signal.aborted) return;
        if (!answer || typeof answer !== 'object') throw new ApiError('http', 'The server sent no answer.');
        conversation.add(question, answer);
        showResult(answer);
        els.q.select();
        announce(answer.status === 'ok' ? `Answered: ${answer.interpretation || ''}` : answer.status === 'unsupported' ? 'Not understood. Suggestions are listed.' : `Failed: ${answer.error?.message || answer.status}`);
    } catch (e) {
        if (e?.name === 'AbortError' || controller.signal.aborted) return;
        const err = e instanceof ApiError ? e : new ApiError('http', String(e?.message || e));
        els.welcome.hidden = true;
        state.cancelCountdown = renderFailure(els.result, err, {
            question,
            onRetry: () => askQuestion(question),
            onToken: (t) => {
                setToken(t);
                askQuestion(question);
                schemaPanel.load();
            },
        });
        announce(`Could not answer: ${err.message}`);
    } finally {
        if (state.inFlight === controller) {
            state.inFlight = null;
            progress.hide();
            els.button.disabled = false;
        }
    }
}

// Re-opening an earlier answer draws what the page kept; it does not ask again (asking
// again would move the conversation). A follow-up still builds on the latest question.
function openEntry(entry, index) {
    conversation.select(index);
    if (entry.answer) {
        showResult(entry.answer, conversation.isLatest(index) ? null : 'An earlier answer. Follow-ups build on your latest question.');
    } else {
        els.welcome.hidden = true;
        els.result.replaceChildren(h('p', { class: 'muted' }, `The answer to “${entry.question}” was not kept; ask it again to see it.`));
    }
    // The focus stays on the list, so the keyboard can walk through the conversation.
    announce(`Earlier answer: ${entry.answer?.interpretation || entry.question}`);
}

function cancelQuestion() {
    const c = state.inFlight;
    if (!c) return;
    state.inFlight = null;
    c.abort();
    progress.hide();
    els.button.disabled = false;
    if (!els.result.childElementCount) els.welcome.hidden = false;
    els.q.focus();
    announce('Cancelled.');
}

function newConversation() {
    cancelQuestion();
    state.cancelCountdown();
    state.session = newSessionId();
    conversation.clear();
    els.result.replaceChildren();
    els.welcome.hidden = false;
    els.q.value = '';
    els.q.focus();
    announce('New conversation started.');
}

const suggest = attachSuggest(els.q, els.suggestions, (q) => askQuestion(q));

els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    askQuestion();
});
els.newConversation.addEventListener('click', newConversation);
els.progress.querySelector('.progress-cancel').addEventListener('click', cancelQuestion);

// The chosen mode survives reloads.
setMode(localStorage.getItem('salesql.mode') || 'auto');
els.form.addEventListener('change', (e) => {
    if (e.target.name === 'mode') localStorage.setItem('salesql.mode', e.target.value);
});

// ---- the Data panel -------------------------------------------------------------------

function examplesFrom(schema) {
    const out = [];
    for (const mart of schema?.marts || []) {
        const cols = mart.columns || [];
        const measures = cols.filter((c) => c.role === 'measure').map((c) => c.name.replace(/_/g, ' '));
        const dims = cols
            // Yes/No flags make dull examples: three or more values.
            .filter((c) => c.role === 'dimension' && !/_(year|quarter|month)$/.test(c.name) && c.distinct > 2 && c.distinct <= 60)
            .sort((a, b) => a.distinct - b.distinct);
        const date = cols.find((c) => c.role === 'date' && c.max);
        if (!measures.length) continue;
        const m = measures.includes('sales') ? 'sales' : measures[0];
        const m2 = measures.find((x) => x !== m && /profit|margin|revenue/.test(x)) || measures.find((x) => x !== m && !/discount|price|cost|quantity/.test(x)) || m;
        const year = date ? parseInt(String(date.max).slice(0, 4), 10) : NaN;
        const name = (c) => c.name.replace(/_/g, ' ');
        const big = dims.find((c) => c.distinct > 8) || dims.at(-1);
        if (big) out.push(`top 5 ${name(big)} by ${m}${year ? ` in ${year}` : ''}`);
        if (date && year) out.push(`monthly ${m2} in ${year}`);
        if (dims[0]) out.push(`${m} by ${name(dims[0])}`);
        const valued = dims.find((c) => Array.isArray(c.values) && c.values.length > 1 && c !== dims[0]);
        if (valued && dims[0]) out.push(`${m2} by ${name(dims[0])} for ${valued.values[0][0]}`);
        if (year) out.push(`${m} in ${year} vs ${year - 1}`);
        break;
    }
    return out.slice(0, 5);
}

const schemaPanel = createSchemaPanel(els.panel, {
    onInsert(text) {
        const v = els.q.value.trimEnd();
        els.q.value = v ? `${v} ${text}` : text;
        els.q.focus();
    },
    onLoaded(schema, err) {
        // A server started with --token: ask for it before the first question fails.
        if (err?.kind === 'auth' && !els.result.childElementCount) {
            els.welcome.hidden = true;
            renderFailure(els.result, err, {
                onToken: (t) => {
                    setToken(t);
                    els.result.replaceChildren();
                    els.welcome.hidden = false;
                    schemaPanel.load();
                },
            });
        }
        els.summary.textContent = schema ? summary(schema) : '';
        const examples = examplesFrom(schema);
        els.examples.replaceChildren(...examples.map((q) => h('li', null, h('button', { type: 'button', class: 'chip', onclick: () => askQuestion(q) }, q))));
        els.examples.hidden = !examples.length;
        els.welcome.querySelector('.examples-title').hidden = !examples.length;
    },
});

function setPanel(open) {
    els.panel.hidden = !open;
    els.panelToggle.setAttribute('aria-expanded', String(open));
    if (open) {
        schemaPanel.load();
        $('#schema-title').focus();
    } else if (els.panel.contains(document.activeElement) || document.activeElement === document.body) {
        els.panelToggle.focus();
    }
}
els.panelToggle.addEventListener('click', () => setPanel(els.panel.hidden));
els.panel.querySelector('.drawer-close').addEventListener('click', () => setPanel(false));

// ---- keyboard -------------------------------------------------------------------------

// Whether a key press is text for a field (then "/" is a slash, not a shortcut).
function typing(el) {
    if (!el) return false;
    if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
    return el.tagName === 'INPUT' && /^(text|search|password|email|number|url|tel)$/.test(el.type);
}

document.addEventListener('keydown', (e) => {
    if (e.key === '/' && !typing(document.activeElement) && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        els.q.focus();
        els.q.select();
    } else if (e.key === 'Escape' && !els.panel.hidden) {
        setPanel(false);
    } else if (e.altKey && !e.ctrlKey && !e.metaKey && (e.code === 'KeyN' || e.code === 'KeyD')) {
        e.preventDefault();
        if (e.code === 'KeyN') newConversation();
        else setPanel(els.panel.hidden);
    }
});

// ---- start ----------------------------------------------------------------------------

async function start() {
    schemaPanel.load();
    // Only a conversation this tab already had can have a history on the server.
    const entries = resumed ? await conversation.load(state.session) : [];
    const last = entries.at(-1);
    if (last?.answer) showResult(last.answer);
    // ?q=… asks at once: links from elsewhere can open an answer.
    const q = new URLSearchParams(location.search).get('q');
    if (q) askQuestion(q);
    else if (!last) els.q.focus();
}
start();
