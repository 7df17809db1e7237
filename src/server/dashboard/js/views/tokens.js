import { api } from '../api.js';
import { h, time } from '../dom.js';
import { announce, busy, errorBox, field, loading } from '../ui.js';

const SCOPES = ['apps:read', 'apps:write', 'deploy', 'logs:read', 'usage:read', 'tokens:write', 'admin'];

export async function tokensView(main, { me }) {
  const list = h('div', null, loading('tokens'));
  const errors = h('div');
  const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const expires = h('select', { name: 'expires' }, [['', 'never'], ['1d', '1 day'], ['30d', '30 days'], ['90d', '90 days'], ['365d', '1 year']]
    .map(([v, l]) => h('option', { value: v, selected: v === '30d' }, l)));
  const boxes = SCOPES.map((sc) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'scope', value: sc, checked: sc === 'deploy' }), sc));
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create token');
  const secret = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-token' },
    h('h2', { id: 'new-token' }, 'New token'),
    h('div', { class: 'row' }, field('Name', name), field('Expires', expires)),
    h('fieldset', null, h('legend', null, 'Scopes (a token can only grant scopes it holds itself)'), boxes),
    create, errors, secret);
  main.append(h('h1', null, 'API tokens'), list, form);

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(create, async () => {
      errors.replaceChildren();
      const scopes = boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value);
      const body = { name: name.value.trim(), scopes };
      if (expires.value) body.expiresIn = expires.value;
      try {
        const r = await api.createToken(body);
        secret.replaceChildren(h('div', { class: 'notice' },
          h('p', null, h('strong', null, `Token "${r.token.name}" created.`), ' Copy its secret now: it is not shown again.'),
          h('input', { readonly: true, value: r.secret, class: 'wide mono', 'aria-label': 'Secret of the new token' })));
        announce(`Created token ${r.token.name}`);
        await load();
      } catch (err) {
        errors.replaceChildren(errorBox(err));
      }
    });
  });

  async function load() {
    try {
      const tokens = await api.tokens();
      const now = Date.now();
      list.replaceChildren(h('table', { class: 'list' },
        h('caption', { class: 'sr-only' }, 'Your API tokens'),
        h('thead', null, h('tr', null, ['Name', 'Scopes', 'Created', 'Expires', 'Last used', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, tokens.map((t) => {
          const state = t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'active';
          let cell = state;
          if (state === 'active') {
            const b = h('button', { type: 'button' }, t.id === me.token.id ? 'Revoke (this session)' : 'Revoke');
            b.addEventListener('click', () => busy(b, async () => {
              try {
                await api.revokeToken(t.id);
                announce(`Revoked token ${t.name}`);
                await load();
              } catch (err) {
                errors.replaceChildren(errorBox(err));
              }
            }));
            cell = b;
          }
          return h('tr', null, h('th', { scope: 'row' }, t.name, h('br'), h('small', { class: 'muted mono' }, t.id)),
            h('td', null, t.scopes.join(', ')), h('td', null, time(t.createdAt)), h('td', null, time(t.expiresAt)),
            h('td', null, time(t.lastUsedAt)), h('td', null, cell));
        })),
      ));
    } catch (err) {
      list.replaceChildren(errorBox(err));
    }
  }
  await load();
}
