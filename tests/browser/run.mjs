// Browser tests of salesql's page: drives Debian's Chromium through playwright-core
// against a running `salesql serve` over the Superstore data set, and checks what a user
// sees — the answer's table, SQL, chart and insights; follow-ups and history; a declined
// question; the Data panel; the CSV download; type-ahead; errors; dark mode; a phone.
// Screenshots of the main states go to $SALESQL_TESTS_OUT/browser/ for review.
//
// Usage: node tests/browser/run.mjs http://127.0.0.1:PORT   (tests/e2e/test_browser.sh)

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const base = (process.argv[2] || '').replace(/\/$/, '');
if (!base) {
    console.error('usage: node run.mjs BASE_URL');
    process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(process.env.SALESQL_TESTS_OUT || resolve(here, '../out'), 'browser');
mkdirSync(outDir, { recursive: true });
const only = process.env.BROWSER_ONLY ? new RegExp(process.env.BROWSER_ONLY) : null;

const QUESTION = 'top 5 regions by sales in Q3 2016';
const DECLINED = 'sales by zodiac sign in 2016';
const TIMEOUT = 20000;

const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
});

let passed = 0;
let failed = 0;
const external = [];

class Failure extends Error {}
function expect(cond, what) {
    if (!cond) throw new Failure(what);
}
function expectEq(got, want, what) {
    if (got !== want) throw new Failure(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

// A fresh browser context per scenario (its own sessionStorage, so its own conversation).
// Requests that leave the server are recorded and refused: the page must work offline.
async function scenario(name, opts, fn) {
    if (only && !only.test(name)) return;
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, ...opts });
    ctx.setDefaultTimeout(TIMEOUT);
    await ctx.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(base) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        external.push(url);
        return route.abort();
    });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
    });
    const t0 = Date.now();
    try {
        await fn(page, ctx, errors);
        expect(errors.length === 0, `errors in the page: ${errors.join(' | ')}`);
        passed++;
        console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
        failed++;
        console.log(`FAIL ${name}: ${e instanceof Failure ? e.message : e.stack || e}`);
        await page.screenshot({ path: join(outDir, `FAIL-${name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {});
    } finally {
        await ctx.close();
    }
}

async function shot(page, name) {
    await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
}

async function ask(page, question) {
    const before = await page.evaluate(() => document.querySelector('#answer-title')?.textContent ?? null);
    await page.fill('#q', question);
    await page.press('#q', 'Enter');
    // Done when the progress is gone and a new answer heading stands.
    await page.waitForFunction(
        ([prev, q]) => {
            const t = document.querySelector('#answer-title');
            const busy = document.querySelector('#result')?.getAttribute('aria-busy') === 'true';
            const asked = document.querySelector('.answer .asked, .declined-question')?.textContent || '';
            return t && !busy && (t.textContent !== prev || asked.includes(q));
        },
        [before, question],
    );
}

const cellTexts = (page, row) => page.locator(`table.result tbody tr:nth-child(${row}) td`).allTextContents();
const headerTexts = (page) => page.locator('table.result thead th').allTextContents();

async function waitForChart(page) {
    // Vega draws marks as paths inside groups named mark-<type>; canvas would also do.
    await page.waitForFunction(() => {
        const box = document.querySelector('#chart');
        return box && (box.querySelectorAll('svg g[class*="mark-"] path, svg g[class*="mark-"] line').length > 0 || box.querySelector('canvas'));
    });
}

// ---------------------------------------------------------------------------------------

await scenario('answer: table, SQL, chart, insights, CSV, sorting', {}, async (page) => {
    const streams = [];
    page.on('request', (r) => /\/api\/jobs\/[^/]+\/events/.test(r.url()) && streams.push(r.url()));
    await page.goto(base);
    expect(await page.locator('#welcome').isVisible(), 'the welcome text shows before the first question');
    await page.waitForSelector('#examples .chip');
    await shot(page, 'welcome');
    await ask(page, QUESTION);

    const interp = await page.locator('#answer-title').textContent();
    expect(interp.startsWith('Total sales by region, July–September 2016'), `interpretation: ${interp}`);
    expect(!(await page.locator('#welcome').isVisible()), 'the welcome text is gone');
    expectEq(await page.locator('table.result tbody tr').count(), 4, 'result rows');
    expectEq(JSON.stringify(await headerTexts(page)).replace(/[↕▲▼]/g, ''), JSON.stringify(['region', 'sales']), 'headers');
    const first = await cellTexts(page, 1);
    expectEq(first[0], 'West', 'first region');
    expectEq(first[1], '50,719.61', 'West sales, formatted');
    const align = await page.locator('table.result tbody tr:first-child td:nth-child(2)').evaluate((td) => getComputedStyle(td).textAlign);
    expectEq(align, 'right', 'numbers are right-aligned');
    expect((await page.locator('.table-card .count').textContent()).includes('4 rows'), 'row count shown');

    const sql = await page.locator('.sql-block').textContent();
    expect(sql.includes('SELECT region'), `SQL block: ${sql}`);
    expect(sql.includes('mart_dyn_sample_superstore'), 'SQL names the mart');
    expect((await page.locator('.sql-block .t-kw').count()) >= 4, 'SQL keywords are highlighted');
    expect((await page.locator('.sql-block .t-string').count()) >= 2, 'SQL strings are highlighted');

    await waitForChart(page);
    const marks = await page.locator('#chart svg g[class*="mark-"] path').count();
    expect(marks >= 4, `chart marks: ${marks}`);

    const insights = await page.locator('.insights li').allTextContents();
    expect(insights.length >= 2, `insights: ${insights.length}`);
    expect(insights[0].startsWith('West leads'), `first insight: ${insights[0]}`);
    expect((await page.locator('.answer .meta').textContent()).includes('fast mode'), 'mode in the small print');
    expect(streams.length >= 1, 'progress came over the job event stream');
    expectEq(await page.locator('#history-list li').count(), 1, 'history entries');
    await shot(page, 'answer');

    // CSV: built in the page from the raw values.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download CSV')]);
    expect(download.suggestedFilename().endsWith('.csv'), `file name ${download.suggestedFilename()}`);
    const csv = readFileSync(await download.path(), 'utf8').split(/\r?\n/);
    expectEq(csv[0], 'region,sales', 'CSV header');
    expect(/^West,50719\.61/.test(csv[1]), `CSV first row: ${csv[1]}`);
    expectEq(csv.filter(Boolean).length, 5, 'CSV lines');

    // Sorting: numbers first sort descending, then ascending; text ascending.
    await page.click('table.result thead th:nth-child(2) button');
    expectEq(await page.locator('table.result thead th:nth-child(2)').getAttribute('aria-sort'), 'descending', 'sales sorted');
    expectEq((await cellTexts(page, 1))[0], 'West', 'largest first');
    await page.click('table.result thead th:nth-child(2) button');
    expectEq((await cellTexts(page, 1))[0], 'South', 'smallest first');
    await page.click('table.result thead th:nth-child(1) button');
    expectEq((await cellTexts(page, 1))[0], 'Central', 'A to Z');
    expectEq(await page.locator('table.result thead th:nth-child(1)').getAttribute('aria-sort'), 'ascending', 'region sorted');
    await page.keyboard.press('Enter'); // the header button keeps the focus: Enter sorts again
    expectEq((await cellTexts(page, 1))[0], 'West', 'Z to A from the keyboard');
});

await scenario('conversation: follow-up, history, re-open, reload, new conversation', {}, async (page) => {
    await page.goto(base);
    await ask(page, QUESTION);
    const firstHeaders = await headerTexts(page);
    await ask(page, 'now by quarter');
    const interp = await page.locator('#answer-title').textContent();
    expect(/by quarter/.test(interp), `follow-up interpretation: ${interp}`);
    expect(interp.includes('2016'), `the follow-up keeps the period: ${interp}`);
    const headers = await headerTexts(page);
    expect(JSON.stringify(headers) !== JSON.stringify(firstHeaders), `the table changed: ${headers}`);
    expect(!headers[0].startsWith('region'), `first column is no longer region: ${headers}`);
    await shot(page, 'follow-up');

    const items = page.locator('#history-list li');
    expectEq(await items.count(), 2, 'history entries');
    expectEq((await items.nth(0).textContent()).trim(), QUESTION, 'first history entry');
    expectEq(await items.nth(1).locator('button').getAttribute('aria-current'), 'true', 'the latest is current');
    await items.nth(0).locator('button').click();
    expect((await page.locator('#answer-title').textContent()).startsWith('Total sales by region'), 're-opened the first answer');
    expectEq((await cellTexts(page, 1))[0], 'West', 're-opened table');
    expect(await page.locator('.answer-note').isVisible(), 'an earlier answer says so');
    await shot(page, 'history-reopened');

    // The conversation survives a reload (the server keeps it; the id is in sessionStorage).
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('#history-list li').length === 2);
    expectEq((await items.nth(1).textContent()).trim(), 'now by quarter', 'history after a reload');

    await page.click('#new-conversation');
    expectEq(await items.count(), 0, 'a new conversation has no history');
    expect(await page.locator('#welcome').isVisible(), 'a new conversation starts at the welcome text');
    expect(await page.evaluate(() => document.activeElement?.id === 'q'), 'the question box has the focus');
});

await scenario('declined: message, underlined words, suggestion chips', {}, async (page) => {
    await page.goto(base);
    await ask(page, DECLINED);
    expect(await page.locator('.answer.declined').isVisible(), 'declined view');
    expect((await page.locator('#answer-title').textContent()).includes('Not understood'), 'says it was not understood');
    expectEq(JSON.stringify(await page.locator('mark.unplaced').allTextContents()), JSON.stringify(['zodiac', 'sign']), 'underlined words');
    const deco = await page.locator('mark.unplaced').first().evaluate((m) => getComputedStyle(m).textDecorationLine);
    expect(deco.includes('underline'), `unplaced words are underlined (${deco})`);
    expect((await page.locator('.understood').textContent()).includes('sales'), 'says what was understood');
    const chips = page.locator('.declined .chip');
    expect((await chips.count()) >= 2, 'suggestion chips');
    await shot(page, 'declined');

    const suggestion = (await chips.first().textContent()).trim();
    await chips.first().click();
    await page.waitForFunction((q) => document.querySelector('.answer:not(.declined) .asked')?.textContent.includes(q), suggestion);
    expect((await page.locator('table.result tbody tr').count()) >= 1, 'the suggestion answered with rows');
    expectEq(await page.locator('#history-list li').count(), 2, 'both are in the history');
    expect((await page.locator('#history-list li:first-child button').getAttribute('class')).includes('hist-unsupported'), 'the declined one is marked');

    // Offsets are UTF-8 bytes: a word after "é" must still be marked exactly.
    await ask(page, 'sales by région zodiac');
    expectEq(JSON.stringify(await page.locator('mark.unplaced').allTextContents()), JSON.stringify(['zodiac']), 'underlined after a non-ASCII word');
    const conv = await page.evaluate(async () => {
        const { byteToIndex } = await import('/util.js');
        return [byteToIndex('sales by région zodiac', 17), byteToIndex('📈 zodiac', 5), byteToIndex('é', 1)];
    });
    expectEq(JSON.stringify(conv), JSON.stringify([16, 3, -1]), 'byte offsets to string indexes');
});

await scenario('data panel: marts, columns, files, refresh', {}, async (page) => {
    await page.goto(base);
    await page.click('#schema-toggle');
    const panel = page.locator('#schema-panel');
    await panel.locator('.mart').first().waitFor();
    expect(await panel.isVisible(), 'the panel opens');
    expectEq(await page.locator('#schema-toggle').getAttribute('aria-expanded'), 'true', 'the toggle says so');
    const text = await panel.textContent();
    expect(text.includes('mart_dyn_sample_superstore'), 'lists the mart');
    const cols = await panel.locator('.schema-cols tbody tr td:first-child .col-name').allTextContents();
    for (const c of ['order_date', 'region', 'category', 'sales', 'profit']) expect(cols.includes(c), `lists column ${c}`);
    const regionRow = panel.locator('.schema-cols tbody tr', { has: page.locator('.col-name', { hasText: /^region$/ }) });
    const regionText = await regionRow.textContent();
    expect(regionText.includes('VARCHAR') && regionText.includes('dimension') && regionText.includes('West'), `region row: ${regionText}`);
    expect((await panel.locator('.file').textContent()).includes('Sample - Superstore.csv'), 'lists the file');
    expectEq((await panel.locator('.file .status').first().textContent()).trim(), 'ok', 'file status');
    expect(/loaded/.test(await page.locator('#data-summary').textContent()), 'last refresh in the header');
    await shot(page, 'schema');
    await panel.locator('.files').scrollIntoViewIfNeeded();
    await panel.screenshot({ path: join(outDir, 'schema-files.png') });

    await panel.locator('button.refresh').click();
    await page.waitForFunction(() => /Refreshed|failed/.test(document.querySelector('.refresh-status')?.textContent || ''));
    expect((await panel.locator('.refresh-status').textContent()).startsWith('Refreshed'), `refresh: ${await panel.locator('.refresh-status').textContent()}`);
    await panel.locator('.mart').first().waitFor();

    // A column name goes into the question box.
    await panel.locator('.col-name', { hasText: /^category$/ }).click();
    expectEq(await page.inputValue('#q'), 'category', 'column inserted into the question');
    await panel.locator('.drawer-close').focus();
    await page.keyboard.press('Escape');
    expect(await panel.isHidden(), 'Escape closes the panel');
    expect(await page.evaluate(() => document.activeElement?.id === 'schema-toggle'), 'the focus returns to the toggle');
});

await scenario('type-ahead and keyboard', {}, async (page) => {
    await page.goto(base);
    await page.click('#welcome h1'); // the page focuses the box on load; start from outside it
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id === 'q'), '/ focuses the question box');
    await page.keyboard.type('sal', { delay: 40 });
    await page.waitForSelector('#suggestions:not([hidden]) [role=option]');
    const options = await page.locator('#suggestions [role=option]').allTextContents();
    expect(options.length >= 1, 'suggestions for "sal"');
    expect(options.some((o) => /sal/i.test(o)), `suggestions mention "sal": ${options}`);
    expectEq(await page.getAttribute('#q', 'aria-expanded'), 'true', 'the combobox says it is open');
    await shot(page, 'typeahead');
    await page.keyboard.press('ArrowDown');
    expectEq(await page.getAttribute('#q', 'aria-activedescendant'), 'sg-0', 'ArrowDown highlights the first');
    const picked = (await page.locator('#sg-0 .sg-text').textContent()).trim();
    expectEq(await page.inputValue('#q'), picked, 'the highlighted suggestion is in the box');
    await page.keyboard.press('Escape');
    expect(await page.locator('#suggestions').isHidden(), 'Escape closes the list');
    expectEq(await page.inputValue('#q'), 'sal', 'Escape restores what was typed');

    // Alt+D opens and closes the Data panel; Alt+N starts a new conversation.
    await page.keyboard.press('Alt+d');
    await page.locator('#schema-panel .mart').first().waitFor();
    await page.keyboard.press('Escape');
    expect(await page.locator('#schema-panel').isHidden(), 'Escape closes the Data panel');
    await page.focus('#q');
    await page.keyboard.press('End');

    // Enter asks the highlighted suggestion.
    await page.keyboard.type('es', { delay: 40 });
    await page.waitForSelector('#suggestions:not([hidden]) [role=option]');
    await page.keyboard.press('ArrowDown');
    const chosen = await page.inputValue('#q');
    await page.keyboard.press('Enter');
    await page.waitForFunction((q) => (document.querySelector('.answer .asked, .declined-question')?.textContent || '').includes(q), chosen);
    expect(await page.locator('#suggestions').isHidden(), 'asking closes the list');
});

await scenario('errors: network, busy (429), broken event stream', {}, async (page) => {
    await page.goto(base);
    await page.waitForSelector('#examples .chip');

    // The server is gone.
    await page.route('**/api/ask', (r) => r.abort('connectionrefused'));
    await ask(page, QUESTION);
    expect((await page.locator('#answer-title').textContent()).includes('cannot be reached'), 'network failure message');
    expect((await page.locator('.notice-error').textContent()).includes('salesql serve'), 'says what to do');
    await page.unroute('**/api/ask');

    // The queue is full: 429 with Retry-After, then an automatic retry.
    let shed = 0;
    await page.route('**/api/ask', (r) => {
        if (shed++ === 0) return r.fulfill({ status: 429, headers: { 'Retry-After': '1', 'Content-Type': 'application/json' }, body: '{"error":{"code":"busy","message":"the work queue is full"}}' });
        return r.continue();
    });
    await page.fill('#q', QUESTION);
    await page.press('#q', 'Enter');
    await page.waitForFunction(() => document.querySelector('#answer-title')?.textContent.includes('busy'));
    expect((await page.locator('.answer.failed .notice').textContent()).includes('Trying again in'), 'busy says when it retries');
    await shot(page, 'busy');
    await page.waitForFunction(() => document.querySelector('#answer-title')?.textContent.startsWith('Total sales by region'), null, { timeout: 8000 });
    await page.unroute('**/api/ask');

    // The event stream cannot be opened: the page polls the job instead of asking twice.
    await page.route('**/api/jobs/*/events', (r) => r.abort());
    let asks = 0;
    page.on('request', (r) => r.url().endsWith('/api/ask') && asks++);
    await ask(page, 'profit by segment in 2015');
    expect((await page.locator('#answer-title').textContent()).startsWith('Total profit by segment, 2015'), 'answered without the stream');
    expectEq(asks, 1, 'asked once');
});

await scenario('modes: deep without a model offers auto', {}, async (page) => {
    await page.goto(base);
    await page.click('.modes label:has-text("Deep")');
    expect(await page.isChecked('input[name=mode][value=deep]'), 'deep is picked');
    await ask(page, QUESTION);
    expectEq(await page.locator('#answer-title').textContent(), 'Deep mode needs a language model', 'deep mode says what it needs');
    expect((await page.locator('.notice-error').textContent()).includes('SALESQL_LLM_URL'), 'names the setting');
    await page.click('text=Ask in auto mode');
    await page.waitForFunction(() => document.querySelector('#answer-title')?.textContent.startsWith('Total sales by region'));
    expect(await page.isChecked('input[name=mode][value=auto]'), 'auto is picked now');
    expect((await page.locator('.answer .meta').textContent()).includes('fast mode'), 'answered by the fast parser');
    await page.reload();
    expect(await page.isChecked('input[name=mode][value=auto]'), 'the mode survives a reload');
});

await scenario('progress: live stages, cancel', {}, async (page) => {
    await page.goto(base);
    await page.waitForSelector('#examples .chip');
    // Hold the question mid-way: the stream delivers two stages and breaks, and the
    // fallback poll of the job is slow, so the page shows the stages it got.
    await page.route('**/api/jobs/*/events', (r) =>
        r.fulfill({
            status: 200,
            headers: { 'Content-Type': 'text/event-stream' },
            body: 'event: stage\ndata: {"stage":"understanding","ms":0.1}\n\nevent: stage\ndata: {"stage":"validating","ms":0.4}\n\n',
        }),
    );
    await page.route(/\/api\/jobs\/[^/]+$/, async (r) => {
        if (r.request().method() !== 'GET') return r.continue();
        await new Promise((res) => setTimeout(res, 4000));
        return r.continue().catch(() => {});
    });
    const deletes = [];
    page.on('request', (r) => r.method() === 'DELETE' && /\/api\/jobs\//.test(r.url()) && deletes.push(r.url()));
    await page.fill('#q', QUESTION);
    await page.press('#q', 'Enter');
    await page.waitForSelector('#progress:not([hidden]) .stage.active');
    expectEq(JSON.stringify(await page.locator('#progress .stage').allTextContents()), JSON.stringify(['Understanding', 'Validating', 'Running', 'Writing insights']), 'stages');
    expectEq(await page.locator('#progress .stage.done').count(), 1, 'stages done');
    expectEq((await page.locator('#progress .stage.active').textContent()).trim(), 'Validating', 'the active stage');
    expectEq(await page.locator('#progress').getAttribute('role'), 'status', 'progress is a live region');
    await shot(page, 'progress');
    await page.click('#progress .progress-cancel');
    expect(await page.locator('#progress').isHidden(), 'Cancel hides the progress');
    expect(await page.locator('#ask-button').isEnabled(), 'the Ask button is back');
    await page.waitForTimeout(300);
    expect(deletes.length === 1, `the job was cancelled on the server (${deletes.length} DELETE)`);
    await page.unroute('**/api/jobs/*/events');
    await page.unroute(/\/api\/jobs\/[^/]+$/);
    await ask(page, QUESTION);
    expect((await page.locator('#answer-title').textContent()).startsWith('Total sales by region'), 'answers after a cancel');
});

await scenario('dark mode', { colorScheme: 'dark' }, async (page) => {
    await page.goto(base);
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(dark !== light, `the background changes (${dark} vs ${light})`);
    const lum = (c) => c.match(/\d+/g).slice(0, 3).reduce((a, b) => a + +b, 0);
    expect(lum(dark) < lum(light), `dark is darker (${dark} vs ${light})`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await ask(page, QUESTION);
    await waitForChart(page);
    await shot(page, 'answer-dark');
    await ask(page, DECLINED);
    await shot(page, 'declined-dark');
});

await scenario('phone: 390x844, no horizontal scroll', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, async (page) => {
    const noHScroll = async (what) => {
        const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        expect(sw <= cw, `${what}: page is ${sw}px wide in a ${cw}px viewport`);
    };
    await page.goto(base);
    await page.waitForSelector('#examples .chip');
    await noHScroll('welcome');
    await shot(page, 'phone-welcome');
    await ask(page, 'top 10 states by sales in 2017');
    await waitForChart(page);
    await noHScroll('answer');
    await shot(page, 'phone-answer');
    await ask(page, DECLINED);
    await noHScroll('declined');
    await page.click('#schema-toggle');
    await page.locator('#schema-panel .mart').first().waitFor();
    await noHScroll('data panel');
    await shot(page, 'phone-schema');
});

await browser.close();
if (external.length) {
    failed++;
    console.log(`FAIL the page reached outside the server: ${[...new Set(external)].join(', ')}`);
}
console.log(`screenshots in ${outDir}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
