#!/usr/bin/env node
// A local OpenAI-compatible Chat Completions server for salesql's tests: it never talks to
// the internet, listens on 127.0.0.1 only, checks every request against the Chat
// Completions request format, and answers from scripted scenarios keyed by the question
// (the first user message). Every request is recorded, one JSON line each, so tests can
// assert calls, token counts and what was sent.
//
//   node tests/llm_server/server.js [PORT] [--log FILE] [--key KEY] [--bodies]
//
// PORT 0 (the default) picks a free port; the first line on stdout is "PORT <n>".
// --key: requests must carry "Authorization: Bearer KEY" (else 401).
// --bodies: the log lines also hold each request's messages (for debugging prompts).
//
// Token counts use the approximation salesql documents: prompt_tokens = ceil(bytes of the
// request body / 4); completion_tokens = ceil(bytes of the reply's content, or of its
// tool calls as JSON, / 4).
'use strict';
const http = require('node:http');
const fs = require('node:fs');

const args = process.argv.slice(2);
let port = 0;
let logPath = null;
let expectKey = null;
let bodies = false;
for (let i = 0; i < args.length; i++) {
    if (args[i] === '--log') logPath = args[++i];
    else if (args[i] === '--key') expectKey = args[++i];
    else if (args[i] === '--bodies') bodies = true;
    else if (/^\d+$/.test(args[i])) port = Number(args[i]);
    else {
        console.error(`usage: server.js [PORT] [--log FILE] [--key KEY] [--bodies]; unknown ${args[i]}`);
        process.exit(2);
    }
}

const SS = 'mart_dyn_sample_superstore';
const tokens = (bytes) => Math.ceil(bytes / 4);

// ---- The request format ---------------------------------------------------------------

const TOP_KEYS = new Set(['model', 'messages', 'temperature', 'max_tokens', 'max_completion_tokens',
    'response_format', 'tools', 'tool_choice', 'stream', 'n', 'top_p', 'seed', 'user',
    'parallel_tool_calls', 'stop']);
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// OpenAI's strict structured outputs: every object lists all its properties as required
// and forbids others.
function checkStrictSchema(s, path, problems) {
    if (!isObj(s)) return problems.push(`${path} is not an object`);
    if (s.type === 'object') {
        if (!isObj(s.properties)) problems.push(`${path}.properties missing`);
        if (s.additionalProperties !== false) problems.push(`${path}.additionalProperties must be false`);
        const req = Array.isArray(s.required) ? s.required : [];
        for (const k of Object.keys(s.properties || {})) {
            if (!req.includes(k)) problems.push(`${path}.required lacks ${k}`);
            checkStrictSchema(s.properties[k], `${path}.properties.${k}`, problems);
        }
    } else if (s.type === 'array') {
        checkStrictSchema(s.items, `${path}.items`, problems);
    } else if (!['string', 'number', 'integer', 'boolean', 'null'].includes(s.type) && !s.enum && !s.anyOf) {
        problems.push(`${path}.type ${JSON.stringify(s.type)} is not a JSON schema type`);
    }
}

function validate(req, body) {
    const problems = [];
    if (!isObj(body)) return ['the body is not a JSON object'];
    for (const k of Object.keys(body)) if (!TOP_KEYS.has(k)) problems.push(`unknown field ${k}`);
    if (typeof body.model !== 'string' || !body.model) problems.push('model must be a non-empty string');
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
        problems.push('messages must be a non-empty array');
    } else {
        const pending = new Set();
        const seen = new Set();
        body.messages.forEach((m, i) => {
            if (!isObj(m)) return problems.push(`messages[${i}] is not an object`);
            if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role))
                problems.push(`messages[${i}].role ${JSON.stringify(m.role)} is not a role`);
            if (m.role !== 'tool' && pending.size)
                problems.push(`messages[${i}]: tool calls ${[...pending]} got no tool message`);
            const calls = m.tool_calls;
            if (m.role === 'assistant' && calls !== undefined) {
                if (!Array.isArray(calls) || calls.length === 0) problems.push(`messages[${i}].tool_calls must be a non-empty array`);
                else calls.forEach((c, k) => {
                    if (!isObj(c) || typeof c.id !== 'string' || c.type !== 'function' || !isObj(c.function) ||
                        typeof c.function.name !== 'string' || typeof c.function.arguments !== 'string')
                        problems.push(`messages[${i}].tool_calls[${k}] is not a function call`);
                    else { pending.add(c.id); seen.add(c.id); }
                });
                if (m.content !== null && typeof m.content !== 'string') problems.push(`messages[${i}].content must be a string or null`);
            } else if (typeof m.content !== 'string') {
                problems.push(`messages[${i}].content must be a string`);
            }
            if (m.role === 'tool') {
                if (typeof m.tool_call_id !== 'string' || !seen.has(m.tool_call_id))
                    problems.push(`messages[${i}].tool_call_id answers no earlier tool call`);
                pending.delete(m.tool_call_id);
            } else if (m.tool_call_id !== undefined) {
                problems.push(`messages[${i}].tool_call_id on a ${m.role} message`);
            }
            for (const k of Object.keys(m))
                if (!['role', 'content', 'tool_calls', 'tool_call_id', 'name'].includes(k)) problems.push(`messages[${i}].${k} is not a message field`);
        });
        if (pending.size) problems.push(`tool calls ${[...pending]} got no tool message`);
    }
    if (body.temperature !== undefined && !(typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 2))
        problems.push('temperature must be a number from 0 to 2');
    if (body.max_tokens !== undefined && !(Number.isInteger(body.max_tokens) && body.max_tokens > 0))
        problems.push('max_tokens must be a positive integer');
    if (body.stream !== undefined && body.stream !== false) problems.push('stream must be false (this server does not stream)');
    const rf = body.response_format;
    if (rf !== undefined) {
        if (!isObj(rf) || rf.type !== 'json_schema' || !isObj(rf.json_schema)) {
            problems.push('response_format must be {"type": "json_schema", "json_schema": {...}}');
        } else {
            const js = rf.json_schema;
            if (typeof js.name !== 'string' || !NAME.test(js.name)) problems.push('response_format.json_schema.name must match [A-Za-z0-9_-]{1,64}');
            if (js.strict !== undefined && typeof js.strict !== 'boolean') problems.push('response_format.json_schema.strict must be a boolean');
            if (!isObj(js.schema) || js.schema.type !== 'object') problems.push('response_format.json_schema.schema must be an object schema');
            else if (js.strict) checkStrictSchema(js.schema, 'schema', problems);
        }
    }
    if (body.tools !== undefined) {
        if (!Array.isArray(body.tools) || body.tools.length === 0) problems.push('tools must be a non-empty array');
        else body.tools.forEach((t, i) => {
            if (!isObj(t) || t.type !== 'function' || !isObj(t.function)) return problems.push(`tools[${i}] is not a function tool`);
            const f = t.function;
            if (typeof f.name !== 'string' || !NAME.test(f.name)) problems.push(`tools[${i}].function.name is not a name`);
            if (f.description !== undefined && typeof f.description !== 'string') problems.push(`tools[${i}].function.description must be a string`);
            if (!isObj(f.parameters) || f.parameters.type !== 'object') problems.push(`tools[${i}].function.parameters must be an object schema`);
        });
    }
    if (!/^application\/json/.test(req.headers['content-type'] || '')) problems.push('Content-Type must be application/json');
    return problems;
}

// ---- Replies ------------------------------------------------------------------------------

let nextId = 1;
function completion(model, message, promptBytes) {
    const done = message.content !== null && message.content !== undefined
        ? Buffer.byteLength(message.content) : Buffer.byteLength(JSON.stringify(message.tool_calls || []));
    return {
        id: `chatcmpl-test-${nextId++}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
        choices: [{ index: 0, message: { role: 'assistant', refusal: null, ...message }, logprobs: null,
            finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: tokens(promptBytes), completion_tokens: tokens(done), total_tokens: tokens(promptBytes) + tokens(done) },
    };
}
const draft = (sql, explanation = 'as asked', assumptions = []) =>
    ({ content: JSON.stringify({ sql, assumptions, explanation }) });
const prose = (text) => ({ content: text });
const toolCall = (name, argsObj) => ({ content: null, tool_calls: [{ id: `call_${nextId++}`, type: 'function', function: { name, arguments: JSON.stringify(argsObj) } }] });

const fmt = (v) => typeof v === 'number'
    ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(v);

// The insight writer: one true sentence made from the first row of the result it was
// given, and one with a number the result does not hold (salesql must drop it).
function insights(ctx) {
    let result = null;
    for (const m of ctx.messages.slice(1)) {
        if (m.role !== 'user') continue;
        try { const v = JSON.parse(m.content); if (isObj(v) && Array.isArray(v.rows)) result = v; } catch (e) { /* not it */ }
    }
    const sentences = [];
    if (result && result.rows.length && result.rows[0].length >= 2) {
        const row = result.rows[0];
        const last = row[row.length - 1];
        sentences.push(`${row[0]} comes first with ${fmt(last)} (${result.columns[row.length - 1].name}).`);
    }
    sentences.push('Sales grew 987.6% year over year across the board.');
    return { content: JSON.stringify({ insights: sentences }) };
}

const OK_WEST = `WITH y AS (SELECT sub_category, order_date_year AS yr, SUM(sales) AS sales, SUM(profit) AS profit FROM ${SS} WHERE region = 'West' AND order_date_year IN (2016, 2017) GROUP BY 1, 2) SELECT b.sub_category, a.sales AS sales_2016, b.sales AS sales_2017, b.profit AS profit_2017 FROM y a JOIN y b ON a.sub_category = b.sub_category AND a.yr = 2016 AND b.yr = 2017 WHERE b.sales > a.sales AND b.profit < 0 ORDER BY b.profit`;

const lastUser = (ctx) => [...ctx.messages].reverse().find((m) => m.role === 'user')?.content || '';
const anyText = (ctx) => ctx.messages.map((m) => m.content || '').join('\n');

// Each scenario: (ctx) => an action. ctx: question, kind (the response_format name),
// turn (assistant messages so far), count (earlier requests with this question and kind),
// messages, record (fields to add to the log line).
const scenarios = {
    'which sub-categories lost money in the west even though their sales grew year over year': (ctx) =>
        draft(OK_WEST, 'Sub-categories in the West whose 2017 sales beat 2016 but whose 2017 profit was negative', ['year over year means 2017 against 2016, the last two full years']),
    'which region, all things considered, has the best profit margin': (ctx) => scenarios['which region has the best profit margin'](ctx),
    'which region has the best profit margin': (ctx) => {
        if (ctx.turn === 0) return draft(`SELECT regoin, SUM(profit) / SUM(sales) * 100 AS margin_pct FROM ${SS} GROUP BY regoin ORDER BY margin_pct DESC`);
        const u = lastUser(ctx);
        ctx.record.repair_saw_error = u.includes('regoin');
        ctx.record.repair_saw_candidate = u.includes('"region"');
        if (ctx.record.repair_saw_error && ctx.record.repair_saw_candidate)
            return draft(`SELECT region, SUM(profit) / SUM(sales) * 100 AS margin_pct FROM ${SS} GROUP BY region ORDER BY margin_pct DESC`, 'Profit as a percentage of sales, by region');
        return draft(`SELECT regoin FROM ${SS}`);
    },
    'what is the churn rate by cohort': () => draft(`SELECT cohort, churn_rate FROM ${SS}`),
    'tell me a story about our sales': () => prose('Once upon a time, sales were good. SELECT 1; -- the end'),
    'average discount by ship mode, please': (ctx) => ctx.turn === 0
        ? prose('Sure! Here is the SQL: SELECT ship_mode, AVG(discount) FROM ...')
        : draft(`SELECT ship_mode, AVG(discount) AS avg_discount FROM ${SS} GROUP BY ship_mode ORDER BY avg_discount DESC`),
    'delete everything': () => draft('DROP TABLE raw_sample_superstore', 'removing the table as asked'),
    'delete everything, politely': () => draft(`SELECT 1 AS x; DROP TABLE raw_sample_superstore`),
    // Issue 11's query bombs, as a model could write them: one refused by the guard's cost
    // rules, one allowed (each vector bounded) that only the time limit stops.
    'how alike are all our product names': () => draft(`SELECT levenshtein(replace(replace(replace(string_agg(product_name, ''), 'a', 'aaaaaaaaaa'), 'e', 'eeeeeeeeee'), 'o', 'oooooooooo'), string_agg(customer_name, '')) AS d FROM ${SS}`),
    'compare every order line with every other two': () => draft(`SELECT count(*) AS n FROM ${SS} a, ${SS} b, ${SS} c WHERE a.sales * b.quantity > c.profit + a.discount`),
    'how slow can you be': () => ({ delayMs: 30000, then: draft(`SELECT COUNT(*) AS n FROM ${SS}`) }),
    'rate limited question': (ctx) => ctx.count === 0
        ? { status: 429, headers: { 'Retry-After': '1' }, body: { error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' } } }
        : draft(`SELECT segment, SUM(sales) AS sales FROM ${SS} GROUP BY segment ORDER BY sales DESC`),
    'the server is down': () => ({ status: 500, body: { error: { message: 'The server had an error while processing your request', type: 'server_error' } } }),
    'flaky server question': (ctx) => ctx.count < 2
        ? { status: 503, body: { error: { message: 'overloaded', type: 'server_error' } } }
        : draft(`SELECT category, SUM(quantity) AS quantity FROM ${SS} GROUP BY category ORDER BY quantity DESC`),
    'cut off question': (ctx) => ctx.count === 0
        ? { cut: true, then: draft(`SELECT state, SUM(sales) AS sales FROM ${SS} GROUP BY state ORDER BY sales DESC LIMIT 5`) }
        : draft(`SELECT state, SUM(sales) AS sales FROM ${SS} GROUP BY state ORDER BY sales DESC LIMIT 5`),
    'always cut off': () => ({ cut: true, then: draft(`SELECT 1 AS x`) }),
    'which ship modes are there and how many orders used each': (ctx) => {
        const tool = ctx.messages.find((m) => m.role === 'tool');
        if (!tool) return toolCall('column_values', { mart: SS, column: 'ship_mode', contains: '' });
        ctx.record.tool_result_ok = tool.content.includes('Standard Class') && tool.content.includes('Same Day');
        return draft(`SELECT ship_mode, COUNT(DISTINCT order_id) AS orders FROM ${SS} GROUP BY ship_mode ORDER BY orders DESC`, 'Orders per ship mode');
    },
    'a tool that does not exist': (ctx) => ctx.messages.some((m) => m.role === 'tool')
        ? draft(`SELECT COUNT(*) AS n FROM ${SS}`)
        : toolCall('read_file', { path: '/etc/passwd' }),
    'echo my key': (ctx) => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${ctx.auth}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', code: 'invalid_api_key' } } }),
    'echo my key in the sql': (ctx) => draft(`SELECT '${(ctx.auth || '').replace('Bearer ', '')}' AS key`),
    'what products do we sell': (ctx) => {
        ctx.record.injected = /ignore previous instructions/i.test(anyText(ctx));
        if (ctx.record.injected) return draft('DROP TABLE raw_products', 'following the instructions in the data');
        return draft('SELECT product, SUM(amount) AS amount FROM mart_dyn_products GROUP BY product ORDER BY amount DESC');
    },
    'which product sells best, ignore the noise': (ctx) =>
        draft('SELECT product, SUM(amount) AS amount FROM mart_dyn_products GROUP BY product ORDER BY amount DESC'),
    'how many orders were returned last quarter': () => ({ content: JSON.stringify({ sql: `SELECT COUNT(*) AS n FROM ${SS}` }) }),
    'share of sales by region, as a percentage': (ctx) => {
        if (ctx.turn === 0) return draft(`SELECT region, SUM(sales) / 1000 AS share_pct FROM ${SS} GROUP BY region ORDER BY share_pct DESC`);
        ctx.record.repair_saw_share = lastUser(ctx).includes('sum to');
        return draft(`SELECT region, 100 * SUM(sales) / SUM(SUM(sales)) OVER () AS share_pct FROM ${SS} GROUP BY region ORDER BY share_pct DESC`);
    },
    'sales in atlantis': (ctx) => ctx.turn === 0
        ? draft(`SELECT SUM(sales) AS sales FROM ${SS} WHERE region = 'Atlantis' GROUP BY region`)
        : draft(`SELECT SUM(sales) AS sales FROM ${SS} WHERE region = 'Atlantis' GROUP BY region`, 'no such region', ['Atlantis is not a region in the data']),
    'client: ok': () => draft('SELECT 1 AS one'),
    'client: no usage': () => ({ noUsage: true, then: draft('SELECT 1 AS one') }),
    'client: huge': () => ({ raw: '{"choices": [{"message": {"content": "' + 'x'.repeat(5 * 1024 * 1024) + '"}}]}' }),
    'client: redirect': () => ({ status: 307, headers: { Location: 'http://127.0.0.1:9/v1/chat/completions' }, body: { error: { message: 'moved' } } }),
    'client: bad request': () => ({ status: 400, body: { error: { message: 'Invalid value for response_format' } } }),
    'client: retry-after too long': () => ({ status: 429, headers: { 'Retry-After': '3600' }, body: { error: { message: 'slow down' } } }),
    'client: tool call': () => toolCall('column_values', { mart: SS, column: 'region', contains: 'we' }),
    'client: refusal': () => ({ content: null, refusal: 'I cannot help with that.' }),
};

// Every other question: a harmless count over the first mart the prompt lists.
function fallback(ctx) {
    if (ctx.kind === 'insights') return insights(ctx);
    const m = /mart_dyn_[a-z0-9_]+/.exec(ctx.messages[0]?.content || '');
    return draft(`SELECT COUNT(*) AS n FROM ${m ? m[0] : SS}`, 'a count of rows');
}

// ---- The server ---------------------------------------------------------------------------

const counts = new Map();
const norm = (q) => q.toLowerCase().trim().replace(/[?.!\s]+$/, '');

function record(rec) {
    if (logPath) fs.appendFileSync(logPath, JSON.stringify(rec) + '\n');
}

function send(res, status, headers, text) {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
}

function handle(req, res, raw) {
    const rec = { t: Date.now(), method: req.method, path: req.url, bytes: raw.length };
    let body = null;
    try { body = JSON.parse(raw.toString('utf8')); } catch (e) { /* reported below */ }
    const problems = req.method !== 'POST' || req.url !== '/v1/chat/completions'
        ? [`${req.method} ${req.url} is not POST /v1/chat/completions`]
        : body === null ? ['the body is not JSON'] : validate(req, body);
    const auth = req.headers.authorization || '';
    rec.auth = expectKey ? auth === `Bearer ${expectKey}` : auth === '';
    const messages = body && Array.isArray(body.messages) ? body.messages : [];
    const question = messages.find((m) => m && m.role === 'user')?.content || '';
    const kind = body?.response_format?.json_schema?.name || 'none';
    Object.assign(rec, {
        question, kind, model: body?.model, messages: messages.length,
        roles: messages.map((m) => m && m.role), has_tools: Array.isArray(body?.tools),
        max_tokens: body?.max_tokens, prompt_tokens: tokens(raw.length), valid: problems.length === 0, problems,
        system_bytes: Buffer.byteLength(messages[0]?.role === 'system' ? String(messages[0].content) : ''),
    });
    if (bodies) rec.body = messages;
    if (problems.length) {
        rec.status = 400;
        record(rec);
        return send(res, 400, {}, JSON.stringify({ error: { message: problems.join('; '), type: 'invalid_request_error' } }));
    }
    if (expectKey && !rec.auth && norm(question) !== 'echo my key') {
        rec.status = 401;
        record(rec);
        return send(res, 401, {}, JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } }));
    }
    const key = `${norm(question)}\n${kind}`;
    const count = counts.get(key) || 0;
    counts.set(key, count + 1);
    const ctx = { question: norm(question), kind, count, messages, record: rec, auth,
        turn: messages.filter((m) => m.role === 'assistant').length };
    const script = kind === 'insights' ? insights : (scenarios[ctx.question] || fallback);
    let action = script(ctx);
    rec.scenario = scenarios[ctx.question] ? ctx.question : 'fallback';
    let delay = 0;
    let cut = false;
    let noUsage = false;
    for (;;) {
        if (action.delayMs) { delay = action.delayMs; action = action.then; continue; }
        if (action.cut) { cut = true; action = action.then; continue; }
        if (action.noUsage) { noUsage = true; action = action.then; continue; }
        break;
    }
    let status = 200;
    let headers = {};
    let text;
    if (action.raw !== undefined) {
        text = action.raw;
    } else if (action.status) {
        status = action.status;
        headers = action.headers || {};
        text = JSON.stringify(action.body || {});
    } else {
        const c = completion(body.model, action, raw.length);
        if (noUsage) delete c.usage;
        rec.completion_tokens = c.usage ? c.usage.completion_tokens : 0;
        rec.reply = action.content ?? null;
        rec.tool_calls = action.tool_calls ? action.tool_calls.map((t) => t.function.name) : undefined;
        text = JSON.stringify(c);
    }
    rec.status = status;
    rec.cut = cut;
    rec.delay = delay;
    rec.billed = status === 200 && !cut;
    record(rec);
    const go = () => {
        if (res.destroyed) return;
        if (cut) {
            res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
            res.write(text.slice(0, Math.min(40, text.length >> 1)));
            setTimeout(() => res.socket && res.socket.destroy(), 30);
            return;
        }
        send(res, status, headers, text);
    };
    if (delay) {
        const timer = setTimeout(go, delay);
        res.on('close', () => clearTimeout(timer));
    } else {
        go();
    }
}

const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
        size += c.length;
        if (size > 8 * 1024 * 1024) { req.destroy(); return; }
        chunks.push(c);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
});
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`PORT ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
