// Small helpers every other module uses: building DOM nodes without innerHTML (so text from
// the data can never become markup), number and time formatting, and mapping the server's
// UTF-8 byte offsets to JavaScript string indexes.

// h('p', {class: 'x', onclick: f}, 'text', child…) → element. Strings become text nodes;
// null, undefined and false children are skipped so callers can write `cond && node`.
export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === null || v === undefined || v === false) continue;
        if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'class') el.className = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, String(v));
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const c of children) {
        if (c === null || c === undefined || c === false) continue;
        if (Array.isArray(c)) append(el, c);
        else el.append(c instanceof Node ? c : String(c));
    }
}

export const $ = (sel, root = document) => root.querySelector(sel);

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC)/i;
// Columns whose numbers are labels, not amounts: 2016 must not print as "2,016".
const LABEL_NUMBER = /(^|_)(year|id|key|code|number|no|zip|postal_code|phone)$/i;

export function isNumericType(type) {
    return NUMERIC.test(type || '');
}

const grouped = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const plain = new Intl.NumberFormat(undefined, { maximumFractionDigits: 4, useGrouping: false });
const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const cents = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const fraction = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 });

function formatOther(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00(\.0+)?Z?$/.test(value)) return value.slice(0, 10);
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
}

// A formatter for one result column, chosen from all its values so the column reads
// consistently: amounts grouped, with two decimals when any value has a fraction; small
// fractions (shares, margins) with up to four; label-like numbers (years, ids) bare.
export function columnFormatter(column, values) {
    const nums = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
    if (!nums.length) return formatOther;
    let nf;
    if (LABEL_NUMBER.test(column?.name || '')) nf = plain;
    else if (nums.every(Number.isInteger)) nf = whole;
    else nf = nums.reduce((m, v) => Math.max(m, Math.abs(v)), 0) >= 1 ? cents : fraction;
    return (v) => (typeof v === 'number' && Number.isFinite(v) ? nf.format(v) : formatOther(v));
}

export function formatCell(value, column) {
    return columnFormatter(column, [value])(value);
}

export function formatInt(n) {
    return Number.isFinite(n) ? grouped.format(Math.round(n)) : '';
}

export function formatMs(ms) {
    if (!Number.isFinite(ms)) return '';
    if (ms < 1) return `${ms.toFixed(2)} ms`;
    if (ms < 100) return `${ms.toFixed(1)} ms`;
    if (ms < 1000) return `${Math.round(ms)} ms`;
    return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

export function formatBytes(n) {
    if (!Number.isFinite(n)) return '';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${i ? n.toFixed(n < 10 ? 1 : 0) : n} ${units[i]}`;
}

// "2026-11-24 00:58:55.5" (DuckDB's timestamp text, no zone) → "3 min ago" style text.
// The server and the page run on the same machine in the common case, so local time is
// the right reading of a zone-less timestamp.
export function timeAgo(text) {
    if (!text) return '';
    const t = Date.parse(String(text).replace(' ', 'T'));
    if (!Number.isFinite(t)) return String(text);
    const s = Math.round((Date.now() - t) / 1000);
    if (s < 0) return new Date(t).toLocaleString();
    if (s < 45) return 'just now';
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return new Date(t).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

// The server reports where a word starts as a byte offset into the UTF-8 question (the C
// parser works on bytes); JavaScript strings index UTF-16 code units. Returns the string
// index of that byte, or -1 when the offset falls inside a character or past the end.
export function byteToIndex(text, byteOffset) {
    let bytes = 0;
    let i = 0;
    while (i < text.length) {
        if (bytes === byteOffset) return i;
        if (bytes > byteOffset) return -1;
        const cp = text.codePointAt(i);
        bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        i += cp > 0xffff ? 2 : 1;
    }
    return bytes === byteOffset ? i : -1;
}

// Spans [start, end) of the unplaced words in the question, in string indexes. Trusts the
// byte offset when the word is really there; otherwise looks the word up, so a server that
// normalised the question (case, spacing) still gets its words marked.
export function unplacedSpans(question, unplaced) {
    const spans = [];
    const lower = question.toLowerCase();
    for (const u of unplaced || []) {
        const word = String(u?.word ?? '');
        if (!word) continue;
        let start = Number.isInteger(u.offset) ? byteToIndex(question, u.offset) : -1;
        if (start < 0 || lower.slice(start, start + word.length) !== word.toLowerCase()) {
            start = lower.indexOf(word.toLowerCase());
        }
        if (start >= 0) spans.push([start, start + word.length]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    return spans.filter((s, i) => i === 0 || s[0] >= spans[i - 1][1]);
}

// A random id for the conversation. crypto.randomUUID exists only in secure contexts, and
// the page may be served over plain http on a LAN address; getRandomValues works anywhere.
export function randomId() {
    const b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return 'w' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Copies text even where navigator.clipboard is missing (insecure contexts).
export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' }, text);
        document.body.append(ta);
        ta.select();
        const ok = document.execCommand('copy');
        ta.remove();
        return ok;
    }
}

export function slug(text, max = 48) {
    return String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, max) || 'answer';
}
