// The waft dashboard: plain ES modules, no build step. Pages are addressed by the URL hash
// (#/, #/apps/NAME/logs, #/tokens), so the server only has to serve these static files.
import { api, session } from './api.js';
import { clear } from './dom.js';
import { errorBox } from './ui.js';
import { signIn } from './views/signin.js';
import { appsView } from './views/apps.js';
import { appView } from './views/app.js';
import { tokensView } from './views/tokens.js';

const main = document.getElementById('main');
const nav = document.getElementById('top-nav');
const who = document.getElementById('who');
let me = null;
let cleanup = null;
let renderSeq = 0;

function route(hash) {
  const path = hash.replace(/^#/, '') || '/';
  let m;
  if (path === '/' || path === '/apps') return { view: appsView, params: {} };
  if (path === '/tokens') return { view: tokensView, params: {} };
  if ((m = /^\/apps\/([a-z0-9-]{1,63})(?:\/(versions|logs|usage|invoke))?\/?$/.exec(path))) {
    return { view: appView, params: { app: m[1], tab: m[2] ?? 'versions' } };
  }
  return null;
}

function setSignedIn(value) {
  me = value;
  nav.hidden = !me;
  who.hidden = !me;
  document.getElementById('who-name').textContent = me ? `${me.user.name}${me.user.admin ? ' (admin)' : ''}` : '';
}

async function render(reason) {
  const seq = ++renderSeq;
  cleanup?.();
  cleanup = null;
  clear(main);
  document.getElementById('status').textContent = '';
  if (!me) {
    signIn(main, { reason, onSignedIn: (value) => { setSignedIn(value); render(); } });
    return;
  }
  const r = route(location.hash);
  for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.getAttribute('href') === (location.hash.startsWith('#/tokens') ? '#/tokens' : '#/'));
  if (!r) {
    main.append(errorBox({ message: `There is no page ${location.hash}.`, hint: 'Go back to the list of apps.' }));
    return;
  }
  const result = await r.view(main, { ...r.params, me });
  if (seq !== renderSeq) {
    // the user moved on while this page loaded
    if (typeof result === 'function') result();
    return;
  }
  if (typeof result === 'function') cleanup = result;
  const heading = main.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  document.title = `${heading?.textContent ?? 'waft'} · waft`;
}

window.addEventListener('hashchange', () => render());

// Any 401 (token revoked or expired while signed in) ends the session with the server's reason.
window.addEventListener('waft:unauthorized', (ev) => {
  if (!me) return;
  session.token = null;
  setSignedIn(null);
  render(ev.detail);
});

document.getElementById('sign-out').addEventListener('click', () => {
  session.token = null;
  setSignedIn(null);
  render();
});

async function start() {
  if (session.token) {
    try {
      setSignedIn(await api.me());
    } catch (err) {
      session.token = null;
      return render(err);
    }
  }
  return render();
}

start();
