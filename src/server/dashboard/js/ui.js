// Pieces every view uses: error boxes that show what the server said, the polite status line,
// and buttons that show they are busy.
import { h } from './dom.js';

/** The server's error as sent: message and code, each listed problem, the hint and the request id. */
export function errorBox(err) {
  const problems = Array.isArray(err?.details?.errors) && err.details.errors.length > 1 ? err.details.errors : [];
  const missing = Array.isArray(err?.details?.missing) ? err.details.missing : [];
  return h('div', { class: 'error', role: 'alert' },
    h('p', null, h('strong', null, err?.message ?? String(err)), err?.code ? [' ', h('code', null, err.code)] : null),
    problems.length ? h('ul', null, problems.map((p) => h('li', null, `${p.message} `, h('code', null, p.code)))) : null,
    missing.length ? h('ul', null, missing.map((m) => h('li', null, `not uploaded: ${m.path}`))) : null,
    err?.details?.field ? h('p', null, 'Field: ', h('code', null, err.details.field)) : null,
    err?.hint ? h('p', { class: 'hint' }, err.hint) : null,
    err?.requestId ? h('p', { class: 'muted' }, `Request id ${err.requestId}`) : null,
  );
}

/** Says something to screen readers and shows it in the status line. */
export function announce(text) {
  const el = document.getElementById('status');
  el.textContent = '';
  // a fresh text node, so the same message twice is still announced
  requestAnimationFrame(() => { el.textContent = text; });
}

/** Runs fn with the button disabled and marked busy. */
export async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

export function loading(what) {
  return h('p', { class: 'muted', 'aria-busy': 'true' }, `Loading ${what}…`);
}

/** A labelled form control: label above, control below, optional help text tied to it. */
let fieldId = 0;
export function field(label, control, help) {
  const id = control.id || `f${++fieldId}`;
  control.id = id;
  const parts = [h('label', { for: id }, label), control];
  if (help) {
    const helpId = `${id}-help`;
    control.setAttribute('aria-describedby', helpId);
    parts.push(h('small', { id: helpId, class: 'muted' }, help));
  }
  return h('div', { class: 'field' }, parts);
}
