// A small SQL highlighter for the SQL block: one left-to-right scan into tokens (strings,
// quoted names, comments, numbers, keywords, functions, operators), rendered as spans with
// classes the stylesheet colours. Lines are broken before the main clauses at the top level
// only, so the layout changes whitespace and nothing else; the copy button copies the
// statement exactly as it ran.

import { h } from './util.js';

const KEYWORDS = new Set(
    `select from where group by order having limit offset as and or not in is null like ilike
    between case when then else end join left right inner outer full cross on using with union
    all distinct asc desc nulls first last over partition rows range preceding following
    unbounded current row interval date timestamp time true false exists any qualify filter
    within cast try_cast values except intersect lateral natural window recursive materialized
    escape collate similar glob int integer bigint hugeint smallint double float real decimal
    numeric varchar text boolean`.split(/\s+/),
);

// Keywords that may stand before "(" and still be keywords ("IN (…)", "OVER (…)"); any
// other word before "(" is a function call, even one spelled like a keyword (left, right).
const PAREN_KEYWORDS = new Set(
    `in as exists any all over values filter using on and or not cast try_cast within from join
    where when then else union except intersect select by with lateral window partition case
    is between interval`.split(/\s+/),
);

// Clause starters that begin a new line when they are not inside parentheses.
const BREAK_BEFORE = new Set(['select', 'from', 'where', 'group', 'order', 'having', 'limit', 'qualify', 'window', 'union', 'except', 'intersect', 'join', 'left', 'right', 'inner', 'full', 'cross']);
// The second word of a clause that must stay on the first word's line ("LEFT JOIN").
const JOIN_WORDS = new Set(['left', 'right', 'inner', 'full', 'cross', 'natural']);

const TOKEN = new RegExp(
    [
        /(?<ws>\s+)/,
        /(?<comment>--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))/,
        /(?<string>'(?:[^']|'')*'?)/,
        /(?<ident>"(?:[^"]|"")*"?)/,
        /(?<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/,
        /(?<word>[A-Za-z_][A-Za-z0-9_$]*)/,
        /(?<op><>|!=|<=|>=|::|\|\||[-+*/%<>=~!^&|])/,
        /(?<punct>[(),;.[\]{}])/,
        /(?<other>[\s\S])/,
    ]
        .map((r) => r.source)
        .join('|'),
    'gy',
);

export function tokenize(sql) {
    const out = [];
    TOKEN.lastIndex = 0;
    let m;
    while (TOKEN.lastIndex < sql.length && (m = TOKEN.exec(sql))) {
        const kind = Object.keys(m.groups).find((k) => m.groups[k] !== undefined);
        out.push({ kind, text: m[0] });
    }
    // Classify words: keywords, functions (a word followed by "("), plain names.
    for (let i = 0; i < out.length; i++) {
        const t = out[i];
        if (t.kind !== 'word') continue;
        let j = i + 1;
        while (out[j]?.kind === 'ws') j++;
        const lower = t.text.toLowerCase();
        if (out[j]?.text === '(' && !PAREN_KEYWORDS.has(lower)) t.kind = 'fn';
        else if (KEYWORDS.has(lower)) t.kind = 'kw';
        else t.kind = 'name';
    }
    return out;
}

// Replaces the whitespace before top-level clause keywords with a line break.
function layout(tokens) {
    let depth = 0;
    let prevKw = '';
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (t.text === '(') depth++;
        else if (t.text === ')') depth = Math.max(0, depth - 1);
        if (t.kind !== 'kw') {
            if (t.kind !== 'ws') prevKw = '';
            continue;
        }
        const lower = t.text.toLowerCase();
        const afterJoinWord = lower === 'join' && JOIN_WORDS.has(prevKw);
        const afterWord = lower === 'outer' || (lower === 'join' && prevKw === 'outer');
        let j = i + 1;
        while (tokens[j]?.kind === 'ws') j++;
        const isCall = tokens[j]?.text === '('; // left(name, 3) is a function, not a join
        if (depth === 0 && BREAK_BEFORE.has(lower) && !afterJoinWord && !afterWord && !isCall && tokens[i - 1]?.kind === 'ws') {
            tokens[i - 1] = { kind: 'ws', text: '\n' };
        }
        prevKw = lower;
    }
    return tokens;
}

// A <code> element holding the highlighted statement.
export function highlight(sql) {
    const code = h('code', { class: 'sql' });
    for (const t of layout(tokenize(sql))) {
        if (t.kind === 'ws' || t.kind === 'other' || t.kind === 'name') code.append(t.text);
        else code.append(h('span', { class: `t-${t.kind}` }, t.text));
    }
    return code;
}
