import { api } from '../api.js';
import { formatSize, h } from '../dom.js';
import { busy, errorBox, field, loading } from '../ui.js';
import { timeChart } from '../chart.js';

// Each range is drawn in about 60 buckets.
const RANGES = [
  ['15m', '15s', 'Last 15 minutes'],
  ['1h', '1m', 'Last hour'],
  ['24h', '30m', 'Last 24 hours'],
  ['7d', '3h', 'Last 7 days'],
];

const ms = (v) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v)));

export async function usageTab(body, app) {
  const range = h('select', { name: 'range' }, RANGES.map(([id, , label]) => h('option', { value: id, selected: id === '1h' }, label)));
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const out = h('div', null, loading('usage'));
  body.append(h('div', { class: 'toolbar' }, field('Range', range), refresh), out);

  async function load() {
    const [, bucket] = RANGES.find(([id]) => id === range.value);
    try {
      const u = await api.usage(app.name, { from: range.value, bucket });
      render(u);
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  }

  function render(u) {
    const t = u.total;
    const summary = h('dl', { class: 'totals' },
      h('div', null, h('dt', null, 'Requests'), h('dd', null, String(t.count))),
      h('div', null, h('dt', null, 'Errors'), h('dd', null, String(t.errors))),
      h('div', null, h('dt', null, 'Mean latency'), h('dd', null, t.count ? `${ms(t.wallMsSum / t.count)} ms` : '–')),
      h('div', null, h('dt', null, 'CPU'), h('dd', null, `${ms(t.cpuMsSum)} ms`)),
      h('div', null, h('dt', null, 'In / out'), h('dd', null, `${formatSize(t.bytesIn)} / ${formatSize(t.bytesOut)}`)),
      h('div', null, h('dt', null, 'Peak memory'), h('dd', null, formatSize(t.peakMemoryMax))));
    if (u.functions.length === 0) {
      out.replaceChildren(summary, h('p', { class: 'muted' }, 'No invocations in this range. Usage is written about once a second.'));
      return;
    }
    const first = Math.floor(u.from / u.bucketMs) * u.bucketMs;
    const sections = u.functions.map((f) => {
      const rows = u.buckets.filter((b) => b.function === f.function);
      const map = (key) => new Map(rows.map((b) => [b.bucketStart, b[key]]));
      const common = { from: first, to: u.to, bucketMs: u.bucketMs };
      return h('section', { class: 'fn-usage', 'aria-labelledby': `u-${f.function}` },
        h('h2', { id: `u-${f.function}` }, f.function, h('small', { class: 'muted' }, ` ${f.count} requests, ${f.errors} errors`)),
        h('div', { class: 'charts' },
          timeChart({ ...common, title: `${f.function}: requests`, unit: 'requests', kind: 'bars', series: [{ name: 'requests', cls: 's-req', values: map('count') }] }),
          timeChart({ ...common, title: `${f.function}: errors`, unit: 'errors', kind: 'bars', series: [{ name: 'errors', cls: 's-err', values: map('errors') }] }),
          timeChart({ ...common, title: `${f.function}: latency`, unit: 'ms', kind: 'lines', format: ms, series: [
            { name: 'p50', cls: 's-p50', values: map('wallMsP50') },
            { name: 'p99', cls: 's-p99', values: map('wallMsP99') },
          ] }),
        ));
    });
    out.replaceChildren(summary, ...sections);
  }

  range.addEventListener('change', load);
  refresh.addEventListener('click', () => busy(refresh, load));
  await load();
}
