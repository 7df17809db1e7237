import { api } from '../api.js';
import { formatSize, h } from '../dom.js';
import { busy, errorBox, field } from '../ui.js';
import { functionsOf } from './app.js';

const ms = (v) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v)));

export async function invokeTab(body, app) {
  const fn = h('select', { name: 'function' }, h('option', { value: '' }, '(route by path)'));
  const version = h('select', { name: 'version' }, h('option', { value: '' }, 'active version'));
  const method = h('select', { name: 'method' }, h('option', { value: '' }, 'auto (GET, or POST with a body)'),
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => h('option', { value: m }, m)));
  const path = h('input', { name: 'path', placeholder: 'the function\'s first route', autocomplete: 'off', spellcheck: 'false', class: 'wide mono' });
  const headers = h('textarea', { name: 'headers', rows: 3, spellcheck: 'false', class: 'wide mono', placeholder: 'content-type: text/plain' });
  const data = h('textarea', { name: 'body', rows: 5, spellcheck: 'false', class: 'wide mono' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Invoke');
  const result = h('div', { class: 'invoke-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-label': `Invoke a function of ${app.name}` },
    h('div', { class: 'row' }, field('Function', fn), field('Version', version), field('Method', method)),
    field('Path and query', path, 'Routed like an HTTP request, e.g. /hello?name=ann. Empty: the function\'s first route.'),
    field('Headers', headers, 'One "Name: value" per line.'),
    field('Body', data),
    submit);
  body.append(form, result);

  functionsOf(app).then((fns) => {
    fn.append(...fns.map((f) => h('option', { value: f.name }, `${f.name} (${f.routes.join(' ')})`)));
    if (fns.length > 0) fn.value = fns[0].name;
  }).catch(() => {});
  api.versions(app.name).then((vs) => version.append(...vs.map((v) => h('option', { value: String(v.number) }, `v${v.number}${v.active ? ' (active)' : ''}`)))).catch(() => {});

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(submit, async () => {
      const req = {};
      if (fn.value) req.function = fn.value;
      if (path.value.trim()) req.path = path.value.trim();
      if (method.value) req.method = method.value;
      if (version.value) req.version = Number(version.value);
      const hs = {};
      for (const raw of headers.value.split('\n')) {
        const line = raw.trim();
        if (!line) continue;
        const colon = line.indexOf(':');
        if (colon <= 0) {
          result.replaceChildren(errorBox({ message: `header line "${line}" is not "Name: value"` }));
          return;
        }
        hs[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      if (Object.keys(hs).length) req.headers = hs;
      if (data.value) req.body = data.value;
      try {
        show(await api.invoke(app.name, req));
      } catch (err) {
        result.replaceChildren(errorBox(err));
      }
    });
  });

  function show(r) {
    const text = r.bodyEncoding === 'base64' ? `(${formatSize(atob(r.body).length)} of binary output, base64)\n${r.body}` : r.body;
    const u = r.usage;
    result.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'inv-h' },
      h('h2', { id: 'inv-h' }, `${r.status}`, ' ', h('small', { class: 'muted' }, `${r.function ?? 'no function'} @ v${r.version} · request ${r.requestId}`)),
      r.error ? errorBox({ message: r.error.message, code: r.error.code }) : null,
      u ? h('p', { class: 'muted' }, `${ms(u.wallMs)} ms wall, ${ms(u.cpuMs)} ms CPU, peak memory ${formatSize(u.peakMemoryBytes)}, ${u.bytesIn} bytes in, ${u.bytesOut} out`) : null,
      h('h3', null, 'Headers'),
      h('pre', { class: 'out' }, Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n') || '(none)'),
      h('h3', null, 'Body'),
      h('pre', { class: 'out', 'data-testid': 'invoke-body' }, text || '(empty)'),
      r.logs.length ? [h('h3', null, 'stderr'), h('pre', { class: 'out' }, r.logs.join('\n'))] : null,
    ));
  }
}
