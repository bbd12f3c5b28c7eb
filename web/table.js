// The result table: numbers right-aligned and formatted, headers that sort on click (or
// Enter/Space, since they are buttons), and the CSV download built in the page from the
// raw values, so the file holds exactly what the query returned, not the formatted text.

import { columnFormatter, formatInt, h, isNumericType, slug } from './util.js';

// Rendering ten thousand rows at once makes the page sluggish; show this many and offer
// the rest on request.
const FIRST_ROWS = 500;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a, b) {
    // NULLs sort last in both directions, like DuckDB's default.
    if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
    if (b === null || b === undefined) return -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return collator.compare(String(a), String(b));
}

// RFC 4180: quote fields holding a comma, quote or line break; double inner quotes.
function csvField(v) {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCSV(columns, rows) {
    const lines = [columns.map((c) => csvField(c.name)).join(',')];
    for (const r of rows) lines.push(r.map(csvField).join(','));
    return lines.join('\r\n') + '\r\n';
}

export function downloadCSV(answer) {
    const blob = new Blob([toCSV(answer.columns, answer.rows)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `salesql-${slug(answer.question)}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    // Revoke later: the download starts asynchronously and needs the URL until then.
    setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Returns the table's scroll container. Sorting is local to the view; the answer's rows
// keep the server's order (the CSV too).
export function renderTable(answer) {
    const columns = answer.columns || [];
    const numeric = columns.map((c, i) =>
        isNumericType(c.type) || (!c.type && (answer.rows || []).some((r) => typeof r[i] === 'number')),
    );
    const format = columns.map((c, i) => columnFormatter(c, (answer.rows || []).map((r) => r[i])));
    let order = (answer.rows || []).map((_, i) => i);
    let sort = { col: -1, dir: 0 };
    let limit = FIRST_ROWS;

    const thead = h('thead');
    const tbody = h('tbody');
    const table = h('table', { class: 'result' }, h('caption', { class: 'visually-hidden' }, 'Result of the query'), thead, tbody);
    const more = h('div', { class: 'more-rows' });
    const wrap = h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Result table' }, table, more);

    function header() {
        thead.replaceChildren(
            h(
                'tr',
                null,
                columns.map((c, i) => {
                    const dir = sort.col === i ? sort.dir : 0;
                    return h(
                        'th',
                        {
                            scope: 'col',
                            class: numeric[i] ? 'num' : null,
                            'aria-sort': dir > 0 ? 'ascending' : dir < 0 ? 'descending' : 'none',
                        },
                        h(
                            'button',
                            { type: 'button', class: 'sort', title: `Sort by ${c.name}`, onclick: () => sortBy(i) },
                            h('span', null, c.name),
                            h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, dir > 0 ? '▲' : dir < 0 ? '▼' : '↕'),
                        ),
                    );
                }),
            ),
        );
    }

    function body() {
        const rows = answer.rows || [];
        const shown = order.slice(0, limit);
        tbody.replaceChildren(
            ...shown.map((ri) =>
                h(
                    'tr',
                    null,
                    rows[ri].map((v, ci) =>
                        h('td', { class: [numeric[ci] && 'num', v === null && 'null'].filter(Boolean).join(' ') || null }, v === null ? '∅' : format[ci](v)),
                    ),
                ),
            ),
        );
        more.replaceChildren();
        if (order.length > limit) {
            more.append(
                h('span', null, `Showing ${formatInt(limit)} of ${formatInt(order.length)} rows. `),
                h('button', { type: 'button', class: 'link', onclick: () => { limit = order.length; body(); } }, 'Show all'),
            );
        }
    }

    // First click sorts descending for numbers (biggest first is what people look for),
    // ascending for text; the next click flips; the third restores the server's order.
    function sortBy(i) {
        const first = numeric[i] ? -1 : 1;
        if (sort.col !== i) sort = { col: i, dir: first };
        else if (sort.dir === first) sort = { col: i, dir: -first };
        else sort = { col: -1, dir: 0 };
        const rows = answer.rows || [];
        order = rows.map((_, k) => k);
        if (sort.col >= 0) order.sort((a, b) => compare(rows[a][i], rows[b][i]) * (rows[a][i] === null || rows[b][i] === null ? 1 : sort.dir) || a - b);
        header();
        body();
        wrap.querySelector(`th:nth-child(${i + 1}) button`)?.focus();
    }

    header();
    body();
    return wrap;
}
