import { api, session } from '../api.js';
import { h } from '../dom.js';
import { busy, errorBox, field } from '../ui.js';

/** The sign-in form. Calls onSignedIn(me) once the token is accepted by the server. */
export function signIn(main, { reason, onSignedIn }) {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true, class: 'wide' });
  const errors = h('div', null, reason ? errorBox(reason) : null);
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to waft'),
    field('API token', input, ['A token such as waft_3q0f…: the admin token the server printed at first start, or one from ',
      h('code', null, 'waft tokens create'), '. It is kept in this tab only.']),
    errors,
    button,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(button, async () => {
      session.token = input.value.trim();
      try {
        const me = await api.me();
        onSignedIn(me);
      } catch (err) {
        session.token = null;
        errors.replaceChildren(errorBox(err));
        input.focus();
      }
    });
  });
  main.append(form);
  input.focus();
}
