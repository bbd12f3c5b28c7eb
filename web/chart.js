// Renders an answer's Vega-Lite spec with vega-embed. The libraries (about 800 KB) load on
// the first chart, from the copies the server embeds at /vendor/ — never from a CDN — so
// the page opens fast and works offline. Colours come from the page's CSS variables, so the
// chart follows light and dark mode.

import { h } from './util.js';

const LIBS = ['/vendor/vega.min.js', '/vendor/vega-lite.min.js', '/vendor/vega-embed.min.js'];
let loading = null;

function loadScript(src) {
    return new Promise((resolve, reject) => {
        const s = h('script', { src });
        s.onload = resolve;
        s.onerror = () => reject(new Error(`could not load ${src}`));
        document.head.append(s);
    });
}

// vega-lite's UMD build needs the global `vega`, and vega-embed needs both: load in order.
function loadVega() {
    if (window.vegaEmbed) return Promise.resolve(window.vegaEmbed);
    loading ??= LIBS.reduce((p, src) => p.then(() => loadScript(src)), Promise.resolve()).then(
        () => window.vegaEmbed,
        (e) => {
            loading = null; // let a later chart try again
            throw e;
        },
    );
    return loading;
}

function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function theme() {
    const text = css('--text');
    const muted = css('--muted');
    const grid = css('--border');
    const font = css('--font');
    const palette = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => css(`--chart-${i}`));
    return {
        background: null,
        font,
        // Room on the right for the last axis label, which is centred on the plot's edge.
        padding: { left: 4, top: 4, right: 18, bottom: 4 },
        view: { stroke: null, continuousHeight: 260 },
        title: { color: text, fontSize: 14, fontWeight: 600, anchor: 'start', offset: 12 },
        axis: {
            labelColor: muted,
            titleColor: muted,
            gridColor: grid,
            domainColor: grid,
            tickColor: grid,
            labelFontSize: 12,
            titleFontSize: 12,
            titleFontWeight: 500,
            labelLimit: 160,
        },
        axisDiscrete: { grid: false },
        // Drop labels that would touch ("100,000150,000" on a phone).
        axisQuantitative: { labelOverlap: true, labelSeparation: 8 },
        legend: { labelColor: muted, titleColor: muted, labelFontSize: 12, titleFontSize: 12 },
        range: { category: palette },
        mark: { color: palette[0] },
        bar: { color: palette[0], cornerRadiusEnd: 3 },
        line: { color: palette[0], strokeWidth: 2 },
        point: { color: palette[0], filled: true },
        area: { color: palette[0], opacity: 0.25 },
        arc: { stroke: css('--surface') },
    };
}

// Category labels read best level; tilt them only when they would not fit side by side.
// Applies only when the spec leaves the angle open.
function levelLabels(spec, width) {
    const x = spec?.encoding?.x;
    const values = spec?.data?.values;
    if (!x || !Array.isArray(values) || !['nominal', 'ordinal'].includes(x.type) || x.axis === null) return spec;
    if (x.axis?.labelAngle !== undefined) return spec;
    const labels = new Set(values.map((v) => String(v?.[x.field] ?? '')));
    const longest = Math.max(1, ...[...labels].map((l) => l.length));
    const legend = spec.encoding.color ? 120 : 0; // a colour legend takes the right side
    const fits = longest * 7 + 8 <= (width - 80 - legend) / Math.max(1, labels.size);
    spec.encoding.x = { ...x, axis: { ...(x.axis || {}), labelAngle: fits ? 0 : -40, labelAlign: fits ? 'center' : 'right' } };
    return spec;
}

// Draws spec into container (replacing what was there). Resolves to the vega View, or
// null when drawing failed; a failure leaves a short note instead of the chart.
export async function renderChart(container, spec) {
    container.replaceChildren(h('p', { class: 'chart-note' }, 'Drawing the chart…'));
    try {
        const embed = await loadVega();
        const target = h('div', { class: 'chart-target' });
        container.replaceChildren(target);
        const sized = levelLabels(structuredClone(spec), container.clientWidth || 600);
        // Axis labels and titles count inside the container's width, so nothing spills out
        // of the card on a narrow screen.
        sized.autosize ??= { type: 'fit-x', contains: 'padding' };
        const result = await embed(target, sized, {
            renderer: 'svg',
            // The editor and source links would leave the page (and need the internet).
            actions: { export: true, source: false, compiled: false, editor: false },
            config: theme(),
            tooltip: { theme: matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light' },
        });
        return result.view;
    } catch (e) {
        container.replaceChildren(h('p', { class: 'chart-note' }, `The chart could not be drawn: ${e.message || e}`));
        return null;
    }
}
