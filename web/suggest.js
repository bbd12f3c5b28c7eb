// Type-ahead for the question box, as an ARIA combobox: suggestions from /api/suggest as
// the user types; ↑/↓ move through them and put the highlighted one in the box (Escape
// puts back what was typed), Enter asks what is in the box. A click on a whole question
// asks it; a click on a word completion (a column, a value) puts it in the box to go on.

import { getJSON } from './api.js';
import { h } from './util.js';

const DEBOUNCE_MS = 120;
const MAX_ITEMS = 8;

// The server may send ["…"] or {suggestions: [...]}, items as strings or {text, kind}.
function normalize(data) {
    const list = Array.isArray(data) ? data : data?.suggestions || data?.items || [];
    return list
        .map((s) => (typeof s === 'string' ? { text: s } : { text: s?.text ?? s?.question ?? s?.value ?? s?.label, kind: s?.kind ?? s?.type, detail: s?.detail }))
        .filter((s) => typeof s.text === 'string' && s.text)
        .slice(0, MAX_ITEMS);
}

// Bold the part of a suggestion that continues what was typed, so the eye lands on the new
// words.
function label(text, typed) {
    const t = typed.trim().toLowerCase();
    const i = t ? text.toLowerCase().indexOf(t) : -1;
    if (i < 0) return [h('span', { class: 'sg-new' }, text)];
    return [text.slice(0, i), h('span', { class: 'sg-typed' }, text.slice(i, i + t.length)), h('span', { class: 'sg-new' }, text.slice(i + t.length))];
}

// "value · city" says where a value comes from; other kinds say what they are.
function hint(s) {
    if (s.kind === 'value' && s.detail) return `${s.detail} value`;
    if (s.kind === 'synonym' && s.detail) return `means ${s.detail}`;
    return s.kind;
}

// input: the <input role=combobox>; list: the <ul role=listbox>; onPick(text): a suggestion
// was clicked (the caller asks it). Returns {close, isOpen}.
export function attachSuggest(input, list, onPick) {
    let items = [];
    let active = -1;
    let typed = '';
    let timer = 0;
    let controller = null;
    let seq = 0;

    function open(state) {
        list.hidden = !state;
        input.setAttribute('aria-expanded', String(state));
        if (!state) {
            active = -1;
            input.removeAttribute('aria-activedescendant');
        }
    }

    function draw() {
        list.replaceChildren(
            ...items.map((s, i) =>
                h(
                    'li',
                    {
                        id: `sg-${i}`,
                        role: 'option',
                        class: 'sg-item',
                        'aria-selected': String(i === active),
                        // mousedown, not click: keep the focus in the box while picking.
                        onmousedown: (e) => {
                            e.preventDefault();
                            pick(i);
                        },
                    },
                    h('span', { class: 'sg-text' }, label(s.text, typed)),
                    s.kind && h('span', { class: 'sg-kind' }, hint(s)),
                ),
            ),
        );
        open(items.length > 0);
        if (active >= 0) input.setAttribute('aria-activedescendant', `sg-${active}`);
        else input.removeAttribute('aria-activedescendant');
    }

    function pick(i) {
        const text = items[i]?.text;
        const kind = items[i]?.kind;
        items = [];
        open(false);
        if (!text) return;
        if (kind && kind !== 'question') {
            input.value = `${text} `;
            typed = input.value;
            fetchFor(typed);
            return;
        }
        // A template ("top 5 … by …") needs finishing before it can be asked.
        if (/…|\.\.\./.test(text)) {
            input.value = text;
            const gap = text.search(/…|\.\.\./);
            input.setSelectionRange(gap, gap + (text[gap] === '…' ? 1 : 3));
            return;
        }
        input.value = text;
        onPick(text);
    }

    async function fetchFor(q) {
        controller?.abort();
        controller = new AbortController();
        const mine = ++seq;
        try {
            const data = await getJSON(`/api/suggest?q=${encodeURIComponent(q)}`, { signal: controller.signal });
            if (mine !== seq || input.value !== q) return; // the user typed on
            items = normalize(data).filter((s) => s.text.trim().toLowerCase() !== q.trim().toLowerCase());
            active = -1;
            draw();
        } catch {
            // Suggestions are a convenience: a failure just shows none.
            if (mine === seq) close();
        }
    }

    function move(delta) {
        if (!items.length) return;
        if (active < 0 && list.hidden) {
            open(true);
        }
        active = active + delta;
        if (active >= items.length) active = -1;
        if (active < -1) active = items.length - 1;
        input.value = active >= 0 ? items[active].text : typed;
        draw();
        list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
    }

    function close() {
        clearTimeout(timer);
        controller?.abort();
        seq++;
        items = [];
        open(false);
        list.replaceChildren();
    }

    input.addEventListener('input', () => {
        typed = input.value;
        clearTimeout(timer);
        if (typed.trim().length < 2) return close();
        timer = setTimeout(() => fetchFor(typed), DEBOUNCE_MS);
    });
    input.addEventListener('keydown', (e) => {
        if (e.isComposing) return;
        if (e.key === 'ArrowDown') {
            e.preventDefault();
            move(1);
        } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            move(-1);
        } else if (e.key === 'Escape' && !list.hidden) {
            e.preventDefault();
            e.stopPropagation();
            input.value = typed;
            close();
        } else if (e.key === 'Tab') {
            close();
        }
    });
    input.addEventListener('blur', () => setTimeout(close, 100));

    return { close, isOpen: () => !list.hidden };
}
