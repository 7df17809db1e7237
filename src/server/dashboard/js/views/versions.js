import { api } from '../api.js';
import { formatSize, h, time } from '../dom.js';
import { announce, busy, errorBox, loading } from '../ui.js';

export async function versionsTab(body, app) {
  const errors = h('div');
  const table = h('div', null, loading('versions'));
  const history = h('div');
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const back = h('button', { type: 'button' }, 'Roll back to the previous version');
  body.append(
    h('div', { class: 'toolbar' }, back, refresh),
    errors,
    h('section', { 'aria-labelledby': 'versions-h' }, h('h2', { id: 'versions-h' }, 'Versions'), table),
    h('section', { 'aria-labelledby': 'deploys-h' }, h('h2', { id: 'deploys-h' }, 'Deployments'), history),
  );

  let active = app.activeVersion?.number ?? null;

  const act = (button, run, done) => busy(button, async () => {
    errors.replaceChildren();
    try {
      const r = await run();
      active = r.app.activeVersion?.number ?? null;
      announce(done(r));
      await load();
    } catch (err) {
      errors.replaceChildren(errorBox(err));
    }
  });

  back.addEventListener('click', () => act(back, () => api.rollback(app.name),
    (r) => `Rolled back ${app.name} to version ${r.deployment.version}`));
  refresh.addEventListener('click', () => busy(refresh, load));

  async function load() {
    try {
      const [versions, deployments] = await Promise.all([api.versions(app.name), api.deployments(app.name)]);
      const current = versions.find((v) => v.active);
      active = current ? current.number : null;
      back.disabled = deployments.length < 2;
      if (versions.length === 0) {
        table.replaceChildren(h('p', null, 'No versions yet. Upload one with ', h('code', null, 'waft deploy'), '.'));
      } else {
        table.replaceChildren(h('table', { class: 'list' },
          h('caption', { class: 'sr-only' }, `Versions of ${app.name}, newest first`),
          h('thead', null, h('tr', null, ['Version', 'Created', 'Functions', 'Files', 'Size', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, versions.map((v) => h('tr', { 'data-version': v.number, class: v.active ? 'active' : null },
            h('th', { scope: 'row' }, `v${v.number}`, h('br'), h('small', { class: 'muted mono' }, v.id)),
            h('td', null, time(v.createdAt)),
            h('td', null, v.functions.map((f) => h('div', null, h('strong', null, f.name), ' ', h('span', { class: 'muted mono' }, f.routes.join(' '))))),
            h('td', null, String(v.fileCount)),
            h('td', null, formatSize(v.size)),
            h('td', null, v.active ? h('span', { class: 'badge' }, 'active') : actionButton(v)),
          ))),
        ));
      }
      history.replaceChildren(deployments.length === 0 ? h('p', { class: 'muted' }, 'Never deployed.') : h('ol', { class: 'history' },
        deployments.slice(0, 20).map((d, i) => h('li', null, time(d.createdAt), ' — ', h('strong', null, d.kind === 'rollback' ? 'rolled back' : 'deployed'),
          ` to v${d.version}`, i === 0 ? h('span', { class: 'badge' }, 'current') : null))));
    } catch (err) {
      table.replaceChildren(errorBox(err));
    }
  }

  function actionButton(v) {
    const older = active !== null && v.number < active;
    const label = older ? `Roll back to v${v.number}` : `Deploy v${v.number}`;
    const b = h('button', { type: 'button', class: older ? null : 'primary' }, label);
    b.addEventListener('click', () => act(b,
      () => (older ? api.rollback(app.name, v.number) : api.deploy(app.name, v.number)),
      (r) => `${r.deployment.kind === 'rollback' ? 'Rolled back' : 'Deployed'} ${app.name} to version ${r.deployment.version}`));
    return b;
  }

  await load();
}
