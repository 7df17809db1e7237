import { followLogs } from '../api.js';
import { h } from '../dom.js';
import { errorBox, field } from '../ui.js';
import { functionsOf } from './app.js';

const MAX_LINES = 2000;

export async function logsTab(body, app) {
  const fnSelect = h('select', { name: 'function' }, h('option', { value: '' }, 'All functions'));
  const level = h('select', { name: 'level' }, ['debug', 'info', 'warn', 'error'].map((l) => h('option', { value: l, selected: l === 'debug' }, l === 'debug' ? 'All levels' : `${l} and above`)));
  const source = h('select', { name: 'source' }, h('option', { value: '' }, 'All sources'), ['request', 'guest', 'system'].map((s) => h('option', { value: s }, s)));
  const pause = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause');
  const clearButton = h('button', { type: 'button' }, 'Clear');
  const state = h('span', { class: 'live-state', 'aria-live': 'polite' }, 'connecting…');
  const errors = h('div');
  const list = h('ol', { class: 'log', role: 'log', 'aria-label': `Log of ${app.name}`, tabindex: '0' });
  const empty = h('p', { class: 'muted log-empty' }, 'No log entries yet. Requests, the lines functions write to stderr, and deploys show up here as they happen.');

  body.append(
    h('div', { class: 'toolbar' }, field('Function', fnSelect), field('Level', level), field('Source', source), pause, clearButton, state),
    errors, empty, list,
  );

  functionsOf(app).then((fns) => fnSelect.append(...fns.map((f) => h('option', { value: f.name }, f.name)))).catch(() => {});

  let paused = false;
  let held = [];
  let stop = new AbortController();

  const line = (e) => h('li', { class: `lvl-${e.level}`, 'data-id': e.id },
    h('time', { datetime: new Date(e.time).toISOString() }, new Date(e.time).toLocaleTimeString(undefined, { hour12: false }) + `.${String(e.time % 1000).padStart(3, '0')}`),
    h('span', { class: 'lvl' }, e.level),
    h('span', { class: 'where' }, e.function ? `${e.function}@v${e.version ?? '?'}` : e.source),
    e.requestId ? h('span', { class: 'rid', title: 'request id' }, e.requestId) : null,
    h('span', { class: 'msg' }, e.message));

  const add = (entries) => {
    if (entries.length === 0) return;
    empty.hidden = true;
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    list.append(...entries.map(line));
    while (list.childElementCount > MAX_LINES) list.firstElementChild.remove();
    if (atBottom) list.scrollTop = list.scrollHeight;
  };

  const start = () => {
    stop.abort();
    stop = new AbortController();
    list.replaceChildren();
    empty.hidden = false;
    errors.replaceChildren();
    state.textContent = 'connecting…';
    const query = { function: fnSelect.value || undefined, level: level.value === 'debug' ? undefined : level.value, source: source.value || undefined };
    followLogs(app.name, query, {
      signal: stop.signal,
      onEntry: (e) => (paused ? held.push(e) : add([e])),
      onState: (s) => { state.textContent = s === 'live' ? (paused ? 'paused' : 'live') : 'reconnecting…'; },
      onError: (err) => { state.textContent = 'stopped'; errors.replaceChildren(errorBox(err)); },
    });
  };

  for (const control of [fnSelect, level, source]) control.addEventListener('change', start);
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    state.textContent = paused ? 'paused' : 'live';
    if (!paused) {
      add(held);
      held = [];
    }
  });
  clearButton.addEventListener('click', () => { list.replaceChildren(); held = []; empty.hidden = false; });

  start();
  return () => stop.abort();
}
