// One app: its header and the tabs (versions, logs, usage, invoke), each a page of its own.
import { api } from '../api.js';
import { h } from '../dom.js';
import { errorBox, loading } from '../ui.js';
import { versionsTab } from './versions.js';
import { logsTab } from './logs.js';
import { usageTab } from './usage.js';
import { invokeTab } from './invoke.js';

const TABS = [
  ['versions', 'Versions', versionsTab],
  ['logs', 'Logs', logsTab],
  ['usage', 'Usage', usageTab],
  ['invoke', 'Invoke', invokeTab],
];

export async function appView(main, { app: name, tab = 'versions' }) {
  const header = h('div', { class: 'app-head' }, h('h1', null, name));
  const nav = h('nav', { class: 'tabs', 'aria-label': `${name} sections` },
    TABS.map(([id, label]) => h('a', { href: `#/apps/${name}/${id}`, 'aria-current': id === tab ? 'page' : null }, label)));
  const body = h('div', { class: 'tab-body' }, loading(name));
  main.append(h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Apps'), ' / ', name), header, nav, body);

  let app;
  try {
    app = await api.app(name);
  } catch (err) {
    body.replaceChildren(errorBox(err));
    return undefined;
  }
  header.append(h('p', { class: 'urls' },
    app.activeVersion ? [`Serving version ${app.activeVersion.number} at `, h('a', { href: app.urls.host, target: '_blank', rel: 'noopener' }, app.urls.host),
      ' and ', h('a', { href: app.urls.path, target: '_blank', rel: 'noopener' }, app.urls.path)]
      : ['Not deployed yet: upload a version with ', h('code', null, 'waft deploy'), '.']));
  body.replaceChildren();
  const view = TABS.find(([id]) => id === tab)?.[2] ?? versionsTab;
  return view(body, app);
}

/** The functions of the app's active version (or of its newest one), for selects. */
export async function functionsOf(app) {
  const ref = app.activeVersion?.number;
  if (ref === undefined) {
    const versions = await api.versions(app.name);
    return versions[0]?.functions ?? [];
  }
  return (await api.version(app.name, ref)).functions;
}
