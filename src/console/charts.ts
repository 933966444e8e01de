// Inline SVG charts for the report, read at a glance: horizontal bars (grouped or against a marker line) and
// a step line over time. Each is an image with a title and a description, and its figures follow as a table
// for screen readers and for anyone who wants the numbers. No script, no stylesheet of its own: classes only.
import { html, type SafeHtml } from './html';

export interface BarSeries {
  name: string;
  /** CSS class of the bars (colour), e.g. `s1`. */
  cls: string;
}

export interface BarRow {
  label: string;
  values: number[];
}

const LABEL_W = 130;
const CHART_W = 560;
const ROW_GAP = 10;
const BAR_H = 14;

/** Grouped horizontal bars, one group per row, one bar per series; `marker` draws a dashed line (e.g. a cap). */
export function barChart(options: {
  /** Unique on the page: names the chart's title and description. */
  id: string;
  title: string;
  description: string;
  series: BarSeries[];
  rows: BarRow[];
  max: number;
  format: (value: number) => string;
  marker?: { value: number; label: string };
}): SafeHtml {
  const id = `chart-${options.id}`;
  const { series, rows } = options;
  const groupH = series.length * BAR_H + ROW_GAP;
  const legendH = 22;
  const height = legendH + rows.length * groupH + 20;
  const plotW = CHART_W - LABEL_W - 70;
  const x = (v: number) => LABEL_W + (options.max <= 0 ? 0 : Math.max(0, Math.min(1, v / options.max)) * plotW);
  return html`<figure class="chart">
<svg viewBox="0 0 ${CHART_W} ${height}" role="img" aria-labelledby="${id}-t ${id}-d" preserveAspectRatio="xMinYMin meet">
<title id="${id}-t">${options.title}</title><desc id="${id}-d">${options.description}</desc>
${series.map((s, i) => html`<rect class="${s.cls}" x="${LABEL_W + i * 150}" y="4" width="12" height="12"/><text x="${LABEL_W + i * 150 + 16}" y="14" class="legend">${s.name}</text>`)}
${rows.map((row, r) => {
  const top = legendH + r * groupH;
  return html`<text x="${LABEL_W - 6}" y="${top + (series.length * BAR_H) / 2 + 4}" text-anchor="end" class="label">${row.label}</text>
${row.values.map((v, i) => html`<rect class="${series[i]!.cls}" x="${LABEL_W}" y="${top + i * BAR_H}" width="${(x(v) - LABEL_W).toFixed(1)}" height="${BAR_H - 2}"/><text x="${(x(v) + 4).toFixed(1)}" y="${top + i * BAR_H + BAR_H - 4}" class="value">${options.format(v)}</text>`)}`;
})}
${options.marker ? html`<line class="marker" x1="${x(options.marker.value).toFixed(1)}" x2="${x(options.marker.value).toFixed(1)}" y1="${legendH - 4}" y2="${height - 16}"/><text class="marker-label" x="${x(options.marker.value).toFixed(1)}" y="${height - 4}" text-anchor="middle">${options.marker.label}</text>` : ''}
</svg>
<figcaption>${options.title}</figcaption>
${dataTable(options.title, ['', ...series.map((s) => s.name)], rows.map((r) => [r.label, ...r.values.map(options.format)]))}
</figure>`;
}

/** A step line of a quantity over time (e.g. open backorders): it holds until the next point. */
export function stepChart(options: { id: string; title: string; description: string; points: { at: string; value: number }[]; format: (v: number) => string }): SafeHtml {
  const id = `chart-${options.id}`;
  const { points } = options;
  const W = CHART_W;
  const H = 220;
  const pad = { l: 60, r: 20, t: 12, b: 40 };
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const max = Math.max(1, ...points.map((p) => p.value));
  const x = (t: number) => pad.l + ((t - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / max) * (H - pad.t - pad.b);
  const sameDay = points[0]?.at.slice(0, 10) === points.at(-1)?.at.slice(0, 10);
  let d = '';
  points.forEach((p, i) => {
    const px = x(times[i]!).toFixed(1);
    const py = y(p.value).toFixed(1);
    d += i === 0 ? `M${px},${py}` : `H${px}V${py}`;
  });
  return html`<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-t ${id}-d" preserveAspectRatio="xMinYMin meet">
<title id="${id}-t">${options.title}</title><desc id="${id}-d">${options.description}</desc>
<line class="axis" x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${H - pad.b}"/><line class="axis" x1="${pad.l}" x2="${W - pad.r}" y1="${H - pad.b}" y2="${H - pad.b}"/>
<text class="label" x="${pad.l - 6}" y="${pad.t + 8}" text-anchor="end">${options.format(max)}</text><text class="label" x="${pad.l - 6}" y="${H - pad.b}" text-anchor="end">0</text>
<text class="label" x="${pad.l}" y="${H - pad.b + 16}">${axisTime(points[0]?.at, sameDay)}</text><text class="label" x="${W - pad.r}" y="${H - pad.b + 16}" text-anchor="end">${axisTime(points.at(-1)?.at, sameDay)}</text>
<path class="line" d="${d}"/>
${points.map((p, i) => html`<circle class="dot" cx="${x(times[i]!).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3"/>`)}
</svg>
<figcaption>${options.title}</figcaption>
${dataTable(options.title, ['When', 'Open units'], points.map((p) => [`${p.at.slice(0, 10)} ${p.at.slice(11, 16)}`, options.format(p.value)]))}
</figure>`;
}

/** A day, or within one day the time of day. */
const axisTime = (iso: string | undefined, sameDay: boolean) => (iso ? (sameDay ? `${iso.slice(11, 16)} UTC` : iso.slice(0, 10)) : '');

function dataTable(title: string, head: string[], rows: string[][]): SafeHtml {
  return html`<details class="figures-table"><summary>Figures</summary><table><caption class="sr-only">${title}</caption>
<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td class="num">${c}</td>`))}</tr>`)}</tbody></table></details>`;
}
