// Draws what came back for a question: an answer (interpretation, chart, insights, table,
// SQL, timings), a declined question (the words it could not place, underlined, and
// suggestions to click), or a failure with what the user can do about it.

import { renderChart } from './chart.js';
import { highlight } from './sql.js';
import { downloadCSV, renderTable } from './table.js';
import { copyText, formatCell, formatInt, formatMs, h, isNumericType, unplacedSpans } from './util.js';

// ctx: { onAsk(question) — ask a suggestion; onRetry() — ask again; onFast() — ask again in
// auto mode; note — a line shown above the answer }.
export function renderResult(container, answer, ctx = {}) {
    if (answer.status === 'ok') return renderAnswer(container, answer, ctx);
    if (answer.status === 'unsupported') return renderDeclined(container, answer, ctx);
    return renderFailedAnswer(container, answer, ctx);
}

function card(cls, title, actions, ...body) {
    return h(
        'section',
        { class: `card ${cls}`, 'aria-label': title },
        h('div', { class: 'card-head' }, h('h3', null, title), actions && h('div', { class: 'card-actions' }, actions)),
        ...body,
    );
}

function meta(answer) {
    const t = answer.timings_ms || {};
    const parts = [];
    if (answer.mode) parts.push(h('span', { class: 'pill' }, `${answer.mode} mode`));
    if (answer.cached) parts.push(h('span', { class: 'pill pill-cached' }, 'cached'));
    if (Number.isFinite(t.total)) {
        const detail = [
            Number.isFinite(t.understand) && `understand ${formatMs(t.understand)}`,
            Number.isFinite(t.guard) && `validate ${formatMs(t.guard)}`,
            Number.isFinite(t.execute) && `run ${formatMs(t.execute)}`,
        ].filter(Boolean);
        parts.push(h('span', { class: 'timing', title: detail.join(' · ') }, `${formatMs(t.total)}`, detail.length ? h('span', { class: 'timing-detail' }, ` (${detail.join(' · ')})`) : null));
    }
    const llm = answer.llm || {};
    if (llm.calls > 0) {
        const tokens = (llm.prompt_tokens || 0) + (llm.completion_tokens || 0);
        parts.push(h('span', null, `${llm.calls} model call${llm.calls === 1 ? '' : 's'}, ${formatInt(tokens)} tokens`));
    }
    return h('p', { class: 'meta' }, parts);
}

function head(answer, ctx, title) {
    return h(
        'header',
        { class: 'answer-head' },
        ctx.note && h('p', { class: 'answer-note' }, ctx.note),
        h('p', { class: 'asked' }, h('span', { class: 'visually-hidden' }, 'You asked: '), answer.question),
        h('h2', { class: 'interpretation', id: 'answer-title' }, title),
        meta(answer),
    );
}

function sqlCard(sql) {
    const copy = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Copy the SQL' }, 'Copy');
    copy.addEventListener('click', async () => {
        const ok = await copyText(sql);
        copy.textContent = ok ? 'Copied' : 'Copy failed';
        setTimeout(() => (copy.textContent = 'Copy'), 1500);
    });
    return card('sql-card', 'SQL', copy, h('pre', { class: 'sql-block' }, highlight(sql)));
}

// A single number (a total, a count) reads best big.
function kpi(answer) {
    const cols = answer.columns || [];
    if (answer.rows?.length !== 1 || cols.length !== 1 || !isNumericType(cols[0].type)) return null;
    return h('p', { class: 'kpi' }, h('span', { class: 'kpi-value' }, formatCell(answer.rows[0][0], cols[0])), h('span', { class: 'kpi-label' }, cols[0].name.replace(/_/g, ' ')));
}

function renderAnswer(container, answer, ctx) {
    const rows = answer.rows || [];
    const count = answer.row_count ?? rows.length;
    const chartBox = h('div', { class: 'chart', id: 'chart' });
    const insights = (answer.insights || []).filter(Boolean);
    const hasChart = answer.chart && typeof answer.chart === 'object';

    const side = [];
    if (hasChart) side.push(card('chart-card', 'Chart', null, chartBox));
    if (insights.length) side.push(card('insights-card', 'Insights', null, h('ul', { class: 'insights' }, insights.map((s) => h('li', null, s)))));

    const download = h('button', { type: 'button', class: 'btn btn-small', onclick: () => downloadCSV(answer), disabled: !(answer.columns || []).length }, 'Download CSV');
    const countText = `${formatInt(count)} row${count === 1 ? '' : 's'}`;
    const tableCard = card(
        'table-card',
        'Result',
        [h('span', { class: 'count' }, countText), download],
        rows.length ? renderTable(answer) : h('p', { class: 'empty-result' }, 'No rows matched. Try a wider time period or fewer filters.'),
        answer.truncated && h('p', { class: 'small-print' }, `Only the first ${formatInt(rows.length)} rows are shown: the row cap stopped the query there.`),
    );

    container.replaceChildren(
        h(
            'article',
            { class: 'answer', 'aria-labelledby': 'answer-title' },
            head(answer, ctx, answer.interpretation || 'Answer'),
            kpi(answer),
            side.length > 0 && h('div', { class: `answer-grid${side.length === 1 ? ' single' : ''}` }, side),
            tableCard,
            answer.sql && sqlCard(answer.sql),
        ),
    );
    if (hasChart) renderChart(chartBox, answer.chart);
}

function markedQuestion(question, unplaced) {
    const spans = unplacedSpans(question, unplaced);
    const out = [];
    let at = 0;
    for (const [s, e] of spans) {
        if (s > at) out.push(question.slice(at, s));
        out.push(h('mark', { class: 'unplaced', title: 'not matched to anything in the data' }, question.slice(s, e)));
        at = e;
    }
    out.push(question.slice(at));
    return h('p', { class: 'declined-question' }, out);
}

function chips(list, onAsk) {
    return h(
        'ul',
        { class: 'chips' },
        list.map((s) => h('li', null, h('button', { type: 'button', class: 'chip', onclick: () => onAsk?.(s) }, s))),
    );
}

function renderDeclined(container, answer, ctx) {
    const words = (answer.unplaced || []).map((u) => u.word).filter(Boolean);
    const suggestions = (answer.suggestions || []).filter((s) => typeof s === 'string' && s);
    const quoted = words.map((w) => `“${w}”`);
    const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}` : quoted[0];
    container.replaceChildren(
        h(
            'article',
            { class: 'answer declined', 'aria-labelledby': 'answer-title' },
            h(
                'header',
                { class: 'answer-head' },
                ctx.note && h('p', { class: 'answer-note' }, ctx.note),
                h('h2', { class: 'interpretation', id: 'answer-title' }, 'Not understood — salesql would rather ask than guess'),
            ),
            h(
                'section',
                { class: 'card notice notice-warn' },
                markedQuestion(answer.question || '', answer.unplaced),
                h(
                    'p',
                    null,
                    words.length
                        ? `${words.length === 1 ? 'The word' : 'The words'} ${list} ${words.length === 1 ? 'does' : 'do'} not match any column, value or known phrase in the data.`
                        : answer.error?.message || 'The question could not be turned into a query.',
                ),
                answer.understood && h('p', { class: 'understood' }, h('strong', null, 'Understood: '), answer.understood),
                suggestions.length > 0 && h('div', { class: 'suggest-block' }, h('h3', null, 'Questions it can answer'), chips(suggestions, ctx.onAsk)),
                h('p', { class: 'small-print' }, 'Rephrase with the names in the Data panel, or use deep mode when a language model is configured.'),
            ),
        ),
    );
}

function renderFailedAnswer(container, answer, ctx) {
    const code = String(answer.error?.code || answer.status || '');
    const message = answer.error?.message || '';
    let title;
    let advice;
    let action = ctx.onRetry && h('button', { type: 'button', class: 'btn', onclick: ctx.onRetry }, 'Try again');
    if (answer.mode === 'deep' && (code === 'usage' || /language model/i.test(message))) {
        title = 'Deep mode needs a language model';
        advice = 'Auto mode answers with the fast parser, and turns to a model only when one is configured.';
        action = ctx.onFast && h('button', { type: 'button', class: 'btn btn-primary', onclick: ctx.onFast }, 'Ask in auto mode');
    } else if (answer.status === 'rejected') {
        title = 'That query was not allowed to run';
        advice = 'salesql runs only a single read-only query over the loaded data. Rephrase the question and ask again.';
    } else if (/timeout|timed_out|interrupt/i.test(code) || answer.status === 'timeout') {
        title = 'The query took too long';
        advice = 'Narrow it down — a time period (“in 2017”), a filter (“only West”) or a top N — and ask again.';
    } else {
        title = 'The query failed';
        advice = 'Try rephrasing the question. If it keeps failing, the message above says what went wrong.';
    }
    container.replaceChildren(
        h(
            'article',
            { class: 'answer failed', 'aria-labelledby': 'answer-title' },
            h(
                'header',
                { class: 'answer-head' },
                ctx.note && h('p', { class: 'answer-note' }, ctx.note),
                h('p', { class: 'asked' }, answer.question),
                h('h2', { class: 'interpretation', id: 'answer-title' }, title),
            ),
            h('section', { class: 'card notice notice-error', role: 'alert' }, message && h('p', { class: 'error-message' }, message), h('p', null, advice), action),
            answer.sql && sqlCard(answer.sql),
        ),
    );
}

// A failure before any answer: network, a busy server, a token, an HTTP error.
// ctx: { onRetry, onToken(token), question }. Returns a function that cancels a countdown.
export function renderFailure(container, err, ctx = {}) {
    let title;
    let advice;
    let extra = null;
    let timer = 0;
    const retry = ctx.onRetry && h('button', { type: 'button', class: 'btn', onclick: () => { clearInterval(timer); ctx.onRetry(); } }, err.kind === 'busy' ? 'Try now' : 'Try again');
    if (err.kind === 'network') {
        title = 'salesql cannot be reached';
        advice = 'Check that `salesql serve` is still running (and that this address is the one it serves), then try again.';
    } else if (err.kind === 'busy') {
        title = 'salesql is busy';
        let left = Math.max(1, err.retryAfter || 5);
        const countdown = h('span', null, String(left));
        advice = h('span', { 'aria-live': 'polite' }, 'Too many questions are being answered right now. Trying again in ', countdown, ' s.');
        timer = setInterval(() => {
            left -= 1;
            countdown.textContent = String(left);
            if (left <= 0) {
                clearInterval(timer);
                ctx.onRetry?.();
            }
        }, 1000);
    } else if (err.kind === 'auth') {
        title = 'This server needs a token';
        advice = 'It was started with --token. Enter the token to continue (it is kept for this tab only).';
        const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', required: true });
        extra = h(
            'form',
            { class: 'token-form', onsubmit: (e) => { e.preventDefault(); ctx.onToken?.(input.value.trim()); } },
            h('label', { for: 'token' }, 'Token'),
            input,
            h('button', { type: 'submit', class: 'btn btn-primary' }, 'Continue'),
        );
    } else if (err.code === 'timeout') {
        title = 'The question ran out of time';
        advice = 'Narrow it down — a time period (“in 2017”), a filter (“only West”) or a top N — and ask again.';
    } else if (err.code === 'cancelled') {
        title = 'The question was cancelled';
        advice = 'Ask it again when you are ready.';
    } else if (err.code === 'stopping') {
        title = 'salesql is shutting down';
        advice = 'Start `salesql serve` again, then reload this page.';
    } else {
        title = err.status ? `The server answered with an error (HTTP ${err.status})` : 'Something went wrong';
        advice = 'Try again in a moment; if it keeps happening, the server log says more.';
    }
    container.replaceChildren(
        h(
            'article',
            { class: 'answer failed', 'aria-labelledby': 'answer-title' },
            h('header', { class: 'answer-head' }, ctx.question && h('p', { class: 'asked' }, ctx.question), h('h2', { class: 'interpretation', id: 'answer-title' }, title)),
            h(
                'section',
                { class: `card notice ${err.kind === 'busy' ? 'notice-warn' : 'notice-error'}`, role: 'alert' },
                err.message && err.kind !== 'network' && h('p', { class: 'error-message' }, err.message),
                h('p', null, advice),
                extra,
                err.kind !== 'auth' && retry,
            ),
        ),
    );
    return () => clearInterval(timer);
}
