import { api } from '../api.js';
import { h, time } from '../dom.js';
import { announce, busy, errorBox, field, loading } from '../ui.js';

export async function appsView(main) {
  const list = h('div', null, loading('apps'));
  const errors = h('div');
  const name = h('input', { name: 'name', required: true, pattern: '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?', autocomplete: 'off', spellcheck: 'false' });
  const create = h('button', { type: 'submit' }, 'Create app');
  const form = h('form', { class: 'inline', 'aria-label': 'New app' },
    field('New app name', name, 'Lower-case letters, digits and "-": it becomes the host name <app>.<domain>.'), create);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(create, async () => {
      try {
        const app = await api.createApp(name.value.trim());
        announce(`Created app ${app.name}`);
        location.hash = `#/apps/${app.name}`;
      } catch (err) {
        errors.replaceChildren(errorBox(err));
      }
    });
  });
  main.append(h('h1', null, 'Apps'), list, h('section', { 'aria-labelledby': 'new-app' }, h('h2', { id: 'new-app' }, 'New app'), form, errors));

  try {
    const apps = await api.apps();
    if (apps.length === 0) {
      list.replaceChildren(h('p', null, 'No apps yet. Deploy one with ', h('code', null, 'waft deploy'), ', or create an empty one below.'));
      return;
    }
    list.replaceChildren(h('table', { class: 'list' },
      h('caption', { class: 'sr-only' }, 'Your apps'),
      h('thead', null, h('tr', null, ['App', 'Active version', 'URL', 'Created'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, apps.map((a) => h('tr', null,
        h('th', { scope: 'row' }, h('a', { href: `#/apps/${a.name}` }, a.name)),
        h('td', null, a.activeVersion ? `v${a.activeVersion.number}` : h('span', { class: 'muted' }, 'not deployed')),
        h('td', null, a.activeVersion ? h('a', { href: a.urls.host, target: '_blank', rel: 'noopener' }, a.urls.host) : '–'),
        h('td', null, time(a.createdAt)),
      ))),
    ));
  } catch (err) {
    list.replaceChildren(errorBox(err));
  }
}
