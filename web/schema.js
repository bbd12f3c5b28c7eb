// The Data panel: what salesql loaded (marts with their columns, types, roles and sample
// values; the joins it found; every source file with its load status and error) and a
// Refresh button that reloads changed files through POST /api/ingest.

import { ApiError, getJSON, postJSON } from './api.js';
import { formatBytes, formatInt, formatMs, h, timeAgo } from './util.js';

// When the data was last refreshed: the server's own record, else the newest load time.
export function lastRefresh(schema) {
    if (schema?.refreshed_at) return schema.refreshed_at;
    const times = [...(schema?.files || []), ...(schema?.marts || [])].map((x) => x.loaded_at).filter(Boolean);
    return times.sort().at(-1) || '';
}

export function summary(schema) {
    const marts = schema?.marts || [];
    const rows = marts.reduce((n, m) => n + (m.rows || 0), 0);
    const failed = (schema?.files || []).filter((f) => f.status && f.status !== 'ok').length;
    const parts = [`${marts.length} table${marts.length === 1 ? '' : 's'}`, `${formatInt(rows)} rows`];
    const when = lastRefresh(schema);
    if (when) parts.push(`loaded ${timeAgo(when)}`);
    if (failed) parts.push(`${failed} file${failed === 1 ? '' : 's'} failed`);
    return parts.join(' · ');
}

// The file's header as a mart column name would spell it: shown only when the name is
// not simply that ("Row ID" is row_id, but "OrderQuantity" became order_quantity).
const snake = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

function samples(col) {
    if (Array.isArray(col.values) && col.values.length) {
        const shown = col.values.slice(0, 6).map((v) => (Array.isArray(v) ? v[0] : v));
        const more = col.distinct > shown.length ? `, … (${formatInt(col.distinct)} distinct)` : '';
        return shown.join(', ') + more;
    }
    if (col.min !== undefined && col.max !== undefined && col.min !== null) return `${col.min} … ${col.max}`;
    return '';
}

function martView(mart, onInsert) {
    const cols = mart.columns || [];
    return h(
        'details',
        { class: 'mart', open: true },
        h('summary', null, h('code', { class: 'mart-name' }, mart.name), h('span', { class: 'muted' }, ` ${formatInt(mart.rows || 0)} rows · ${cols.length} columns`)),
        h(
            'div',
            { class: 'table-scroll' },
            h(
                'table',
                { class: 'schema-cols' },
                h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Column'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Sample values'))),
                h(
                    'tbody',
                    null,
                    cols.map((c) =>
                        h(
                            'tr',
                            null,
                            h(
                                'td',
                                null,
                                h('button', { type: 'button', class: 'link col-name', title: `Add “${c.name.replace(/_/g, ' ')}” to the question`, onclick: () => onInsert(c.name.replace(/_/g, ' ')) }, c.name),
                                c.original && snake(c.original) !== c.name && h('span', { class: 'muted original' }, c.original),
                            ),
                            h('td', null, h('code', null, c.type || '')),
                            h('td', null, c.role && h('span', { class: `role role-${c.role}` }, c.role)),
                            h('td', { class: 'values' }, samples(c), c.note && h('span', { class: 'muted note' }, c.note)),
                        ),
                    ),
                ),
            ),
        ),
    );
}

function filesView(files) {
    if (!files?.length) return h('p', { class: 'muted' }, 'No files loaded yet. Put CSV or Parquet files in the data folder and refresh.');
    return h(
        'ul',
        { class: 'files' },
        files.map((f) =>
            h(
                'li',
                { class: `file file-${f.status === 'ok' ? 'ok' : 'error'}` },
                h('span', { class: `status status-${f.status === 'ok' ? 'ok' : 'error'}` }, f.status || '?'),
                h('code', { class: 'file-path' }, f.path),
                h(
                    'span',
                    { class: 'muted file-meta' },
                    [f.rows !== undefined && `${formatInt(f.rows)} rows`, f.bytes !== undefined && formatBytes(f.bytes), f.encoding, Number.isFinite(f.load_ms) && `loaded in ${formatMs(f.load_ms)}`, f.loaded_at && timeAgo(f.loaded_at)].filter(Boolean).join(' · '),
                ),
                f.error && h('p', { class: 'file-error' }, f.error),
            ),
        ),
    );
}

function joinsView(joins) {
    if (!joins?.length) return h('p', { class: 'muted' }, 'No joins: each table is answered on its own.');
    return h(
        'ul',
        { class: 'joins' },
        joins.map((j) => h('li', null, h('code', null, `${j.from}.${j.from_column}`), ' → ', h('code', null, `${j.to}.${j.to_column}`), j.rule && h('span', { class: 'muted' }, ` (${j.rule.replace(/_/g, ' ')})`))),
    );
}

function playbookView(pb) {
    if (!pb) return null;
    const rows = [];
    const entries = (o) => Object.entries(o || {});
    if (pb.default_date) rows.push(['default date', pb.default_date]);
    for (const [k, v] of entries(pb.synonyms)) rows.push([`synonyms of ${k}`, [].concat(v).join(', ')]);
    for (const [k, v] of entries(pb.metrics)) rows.push([`metric ${k}`, String(v)]);
    for (const [k, v] of entries(pb.glossary)) rows.push([`“${k}”`, String(v)]);
    if (pb.hidden?.length) rows.push(['hidden', pb.hidden.join(', ')]);
    if (!rows.length) return h('p', { class: 'muted' }, 'No playbook.yaml in the data folder: names and synonyms come from the data and the built-in sales glossary.');
    return h('dl', { class: 'playbook' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

// panel: the <aside>; onInsert(text) adds a column name to the question; onLoaded(schema)
// lets the page update its header summary and examples.
export function createSchemaPanel(panel, { onInsert, onLoaded }) {
    const body = panel.querySelector('.schema-body');
    const status = panel.querySelector('.refresh-status');
    const refreshBtn = panel.querySelector('.refresh');
    let current = null;

    function draw(schema) {
        current = schema;
        const marts = schema?.marts || [];
        body.replaceChildren(
            h('p', { class: 'schema-summary' }, summary(schema)),
            h('section', null, h('h3', null, 'Tables'), marts.length ? marts.map((m) => martView(m, onInsert)) : h('p', { class: 'muted' }, 'Nothing loaded yet.')),
            h('section', null, h('h3', null, 'Joins'), joinsView(schema?.joins)),
            h('section', null, h('h3', null, 'Files'), filesView(schema?.files)),
            h('section', null, h('h3', null, 'Playbook'), playbookView(schema?.playbook)),
        );
    }

    async function load() {
        try {
            const schema = await getJSON('/api/schema');
            draw(schema);
            onLoaded?.(schema);
            return schema;
        } catch (e) {
            body.replaceChildren(h('p', { class: 'notice-inline' }, `The schema could not be loaded: ${e.message}`));
            if (e instanceof ApiError && e.kind === 'auth') onLoaded?.(null, e);
            return null;
        }
    }

    // The ingest report may be a summary object or a job; either way reload the schema after.
    async function refresh() {
        refreshBtn.disabled = true;
        refreshBtn.setAttribute('aria-busy', 'true');
        status.className = 'refresh-status busy';
        status.textContent = 'Refreshing: loading new and changed files…';
        const t0 = performance.now();
        try {
            const report = await postJSON('/api/ingest', {});
            const ms = performance.now() - t0;
            status.className = 'refresh-status done';
            status.textContent = `Refreshed in ${formatMs(ms)}. ${describeReport(report)}`.trim();
        } catch (e) {
            status.className = 'refresh-status failed';
            status.textContent = e.kind === 'busy' ? `The server is busy; try again in ${e.retryAfter} s.` : `Refresh failed: ${e.message}`;
        } finally {
            refreshBtn.disabled = false;
            refreshBtn.removeAttribute('aria-busy');
        }
        await load();
    }

    refreshBtn.addEventListener('click', refresh);
    return { load, refresh, get schema() { return current; } };
}

// Turns the server's ingest report ({report: {files, changed, loaded, failed, dropped,
// rows, failures}}) into a sentence; other shapes fall back to their numeric fields.
function describeReport(r) {
    if (!r || typeof r !== 'object') return '';
    const rep = r.report || r;
    if (typeof rep.message === 'string' && rep.message) return rep.message;
    if (Number.isFinite(rep.files) && Number.isFinite(rep.changed)) {
        const n = (k, one, many = `${one}s`) => `${formatInt(rep[k] || 0)} ${rep[k] === 1 ? one : many}`;
        let text = rep.changed ? `${n('changed', 'file')} changed of ${formatInt(rep.files)}: ${formatInt(rep.loaded || 0)} loaded` : `Nothing changed in ${n('files', 'file')}.`;
        if (rep.changed) {
            if (rep.failed) text += `, ${formatInt(rep.failed)} failed`;
            if (rep.dropped) text += `, ${formatInt(rep.dropped)} dropped`;
            text += '.';
        }
        for (const f of rep.failures || []) text += ` ${f.path}: ${f.error}.`;
        return text;
    }
    const nums = Object.entries(rep).filter(([k, v]) => typeof v === 'number' && !/ms$|_ms|time/.test(k));
    if (!nums.length) return '';
    return nums.map(([k, v]) => `${k.replace(/_/g, ' ')}: ${formatInt(v)}`).join(', ') + '.';
}
