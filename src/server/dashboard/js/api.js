// The waft API (docs/api.md) from the browser. The token lives in sessionStorage: it is gone
// when the tab closes, and it is sent only as an Authorization header, never in a URL.

const TOKEN_KEY = 'waft.token';
const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.hint = body.hint ?? null;
    this.details = body.details ?? null;
    this.requestId = body.requestId ?? null;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

function url(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

/** The ApiError of a non-2xx answer; a 401 also tells the app the sign-in is no longer good. */
async function errorFrom(res) {
  const text = await res.text();
  let e;
  try {
    const body = JSON.parse(text).error;
    if (body && typeof body.code === 'string') e = new ApiError(res.status, body);
  } catch { /* not JSON */ }
  e ??= new ApiError(res.status, { code: `HTTP_${res.status}`, message: `the server answered ${res.status} ${res.statusText}: ${text.slice(0, 200)}` });
  if (res.status === 401) window.dispatchEvent(new CustomEvent('waft:unauthorized', { detail: e }));
  return e;
}

/** A JSON call; throws ApiError with the server's code, message and hint on any non-2xx answer. */
export async function call(method, path, { query, json, signal, headers } = {}) {
  const h = { accept: 'application/json', ...headers };
  const token = session.token;
  if (token) h.authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    body = JSON.stringify(json);
    h['content-type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(url(path, query), { method, headers: h, body, signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, { code: 'NETWORK', message: `cannot reach the waft server: ${err.message}`, hint: 'Check that the server is running and reachable from this browser.' });
  }
  if (!res.ok) throw await errorFrom(res);
  return res.json();
}

const seg = encodeURIComponent;

export const api = {
  me: () => call('GET', '/me'),
  apps: async () => (await call('GET', '/apps')).apps,
  app: async (name) => (await call('GET', `/apps/${seg(name)}`)).app,
  createApp: async (name) => (await call('POST', '/apps', { json: { name } })).app,
  versions: async (app) => (await call('GET', `/apps/${seg(app)}/versions`)).versions,
  version: async (app, v) => (await call('GET', `/apps/${seg(app)}/versions/${seg(String(v))}`)).version,
  deployments: async (app) => (await call('GET', `/apps/${seg(app)}/deployments`)).deployments,
  deploy: (app, version) => call('POST', `/apps/${seg(app)}/deployments`, { json: { version } }),
  rollback: (app, version) => call('POST', `/apps/${seg(app)}/rollback`, { json: version === undefined ? {} : { version } }),
  invoke: (app, req) => call('POST', `/apps/${seg(app)}/invoke`, { json: req }),
  logs: (app, query) => call('GET', `/apps/${seg(app)}/logs`, { query }),
  usage: (app, query) => call('GET', `/apps/${seg(app)}/usage`, { query }),
  tokens: async () => (await call('GET', '/tokens')).tokens,
  createToken: (body) => call('POST', '/tokens', { json: body }),
  revokeToken: async (id) => (await call('DELETE', `/tokens/${seg(id)}`)).token,
};

/**
 * Follows an app's log over Server-Sent Events. EventSource cannot send an Authorization header,
 * so this reads the stream with fetch(). Reconnects with Last-Event-ID after a dropped
 * connection; stops when `signal` aborts or the server refuses (the error goes to onError).
 */
export async function followLogs(app, query, { signal, onEntry, onState, onError }) {
  let lastId = null;
  let delay = 500;
  while (!signal.aborted) {
    const headers = { accept: 'text/event-stream', authorization: `Bearer ${session.token}` };
    if (lastId !== null) headers['last-event-id'] = lastId;
    let res;
    try {
      res = await fetch(url(`/apps/${seg(app)}/logs/stream`, query), { headers, signal });
    } catch (err) {
      if (signal.aborted) return;
      onState?.('reconnecting');
      await wait(delay, signal);
      delay = Math.min(delay * 2, 10_000);
      continue;
    }
    if (!res.ok) {
      onError?.(await errorFrom(res));
      return;
    }
    onState?.('live');
    delay = 500;
    try {
      for await (const event of readSse(res.body)) {
        if (event.id !== undefined) lastId = event.id;
        if (event.event === 'log' && event.data) onEntry(JSON.parse(event.data));
      }
    } catch (err) {
      if (signal.aborted) return;
    }
    if (signal.aborted) return;
    onState?.('reconnecting');
    await wait(delay, signal);
  }
}

function wait(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

/** Parses text/event-stream from a ReadableStream of bytes. */
async function* readSse(stream) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let id;
  let event = '';
  let data = [];
  let any = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        if (buffer[nl] === '\r' && nl === buffer.length - 1) break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (any) yield { id, event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          any = false;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? '' : line.slice(colon + 1);
        if (v.startsWith(' ')) v = v.slice(1);
        any = true;
        if (field === 'data') data.push(v);
        else if (field === 'event') event = v;
        else if (field === 'id') id = v;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
