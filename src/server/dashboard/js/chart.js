// A small time-series chart in SVG: bars for per-bucket counts, lines for latencies. Each chart
// comes with a text summary and its data as a table, for screen readers and for copying.
import { h, s } from './dom.js';

const W = 400;
const H = 180;
const M = { left: 44, right: 10, top: 10, bottom: 26 };

let uid = 0;

/** 0, 1, 2, 5, 10, 20, 50… above max, so the axis has round numbers. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function tickLabel(ms, spanMs) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (spanMs <= 2 * 3600_000) return `${hm}:${pad(d.getSeconds())}`.slice(0, spanMs <= 900_000 ? 8 : 5);
  if (spanMs <= 36 * 3600_000) return hm;
  return `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
}

/**
 * @param {object} o
 * @param {string} o.title
 * @param {string} o.unit           shown on the y axis and in the table header ("requests", "ms")
 * @param {number} o.from           first bucket start (aligned)
 * @param {number} o.to             end, exclusive
 * @param {number} o.bucketMs
 * @param {'bars'|'lines'} o.kind
 * @param {{name: string, cls: string, values: Map<number, number>}[]} o.series
 * @param {(v: number) => string} [o.format]
 */
export function timeChart(o) {
  const id = `chart-${++uid}`;
  const format = o.format ?? ((v) => String(Math.round(v * 100) / 100));
  const buckets = [];
  for (let t = o.from; t < o.to; t += o.bucketMs) buckets.push(t);
  const n = Math.max(buckets.length, 1);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  let max = 0;
  for (const series of o.series) for (const v of series.values.values()) max = Math.max(max, v);
  const top = niceMax(max);
  const x = (i) => M.left + (i / n) * plotW;
  const y = (v) => M.top + plotH - (v / top) * plotH;

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, class: 'chart' });
  const total = o.series.map((se) => {
    const vals = [...se.values.values()];
    return o.kind === 'bars'
      ? `${se.name}: ${format(vals.reduce((a, b) => a + b, 0))} in all`
      : `${se.name}: highest ${vals.length ? format(Math.max(...vals)) : 'none'}`;
  }).join('; ');
  svg.append(s('title', { id: `${id}-t` }, o.title), s('desc', { id: `${id}-d` }, `${total}. ${buckets.length} buckets of ${Math.round(o.bucketMs / 1000)} s.`));

  // grid and y axis
  for (const f of [0, 0.5, 1]) {
    const v = top * f;
    svg.append(
      s('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, format(v)),
    );
  }
  // x axis: about five labels
  const span = o.to - o.from;
  const every = Math.max(1, Math.ceil(n / 5));
  for (let i = 0; i < buckets.length; i += every) {
    svg.append(s('text', { x: x(i), y: H - 8, 'text-anchor': 'start', class: 'axis' }, tickLabel(buckets[i], span)));
  }

  if (o.kind === 'bars') {
    const groupW = plotW / n;
    const barW = Math.max(1, (groupW * 0.8) / o.series.length);
    o.series.forEach((se, k) => {
      buckets.forEach((t, i) => {
        const v = se.values.get(t) ?? 0;
        if (v <= 0) return;
        svg.append(s('rect', { x: x(i) + groupW * 0.1 + k * barW, y: y(v), width: barW, height: y(0) - y(v), class: `bar ${se.cls}` },
          s('title', null, `${tickLabel(t, span)}: ${format(v)} ${se.name}`)));
      });
    });
  } else {
    const groupW = plotW / n;
    for (const se of o.series) {
      let d = '';
      let pen = false;
      buckets.forEach((t, i) => {
        const v = se.values.get(t);
        if (v === undefined) { pen = false; return; }
        const px = x(i) + groupW / 2;
        d += `${pen ? 'L' : 'M'}${px.toFixed(1)} ${y(v).toFixed(1)} `;
        pen = true;
        svg.append(s('circle', { cx: px, cy: y(v), r: 2.5, class: `dot ${se.cls}` }, s('title', null, `${tickLabel(t, span)}: ${se.name} ${format(v)} ${o.unit}`)));
      });
      if (d) svg.prepend(s('path', { d, class: `line ${se.cls}` }));
    }
    // keep the title and desc first, for the accessible name
    svg.prepend(svg.querySelector('desc'));
    svg.prepend(svg.querySelector('title'));
  }

  const legend = h('ul', { class: 'legend' }, o.series.map((se) => h('li', null, h('span', { class: `swatch ${se.cls}`, 'aria-hidden': 'true' }), se.name)));
  const rows = buckets.filter((t) => o.series.some((se) => se.values.has(t)));
  const table = h('details', { class: 'chart-data' },
    h('summary', null, 'Data'),
    rows.length === 0 ? h('p', null, 'No data in this range.') : h('table', null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Bucket start'), o.series.map((se) => h('th', { scope: 'col' }, `${se.name} (${o.unit})`)))),
      h('tbody', null, rows.map((t) => h('tr', null, h('th', { scope: 'row' }, new Date(t).toLocaleString()),
        o.series.map((se) => h('td', null, se.values.has(t) ? format(se.values.get(t)) : '–'))))),
    ));
  return h('figure', { class: 'chart-box' }, h('figcaption', null, o.title), svg, legend, table);
}
