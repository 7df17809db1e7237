// `waft up` end to end: real HTTP to real guests through the dev server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { cGuest, clangMissing, watGuest } from '../support/guests.ts';
import { serveApp, writeApp, type TestApp } from '../support/app.ts';

const skip = clangMissing();

describe('waft up: the WAGI contract', { skip: skip ?? false }, () => {
  let app: TestApp;
  before(async () => {
    app = await serveApp(writeApp({
      'waft.toml': `[app]
name = "wagi"

[functions.env]
source = "env.wasm"
routes = ["/env/...", "/users/:id"]
environment = { GREETING = "hi", PATH_INFO = "not-this" }

[functions.reply]
source = "reply.wasm"
route = "/reply"
environment = { GREETING = "configured greeting" }

[functions.state]
source = "state.wasm"
route = "/state"

[functions.echo]
source = "echo.wasm"
route = "/echo"
[functions.echo.limits]
max_body = "12MiB"
max_output = "12MiB"
`,
      'env.wasm': { copy: cGuest('wagi_env')! },
      'reply.wasm': { copy: cGuest('wagi_reply')! },
      'echo.wasm': { copy: cGuest('wagi_echo')! },
      'state.wasm': { copy: cGuest('static_state')! },
    }));
  });
  after(() => app.close());

  async function env(path: string, init: Parameters<typeof request>[1] = {}) {
    const r = await request(`${app.url}${path}`, init);
    const text = await r.body.text();
    assert.equal(r.statusCode, 200, text);
    const vars = new Map<string, string>();
    for (const line of text.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1));
    }
    return vars;
  }

  test('every WAGI variable is set', async () => {
    const v = await env('/env/a%20b/c?x=1&y=two', {
      method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain', 'x-custom-thing': 'v1', authorization: 'Bearer secret', 'user-agent': 'waft-test' },
    });
    assert.equal(v.get('REQUEST_METHOD'), 'POST');
    assert.equal(v.get('QUERY_STRING'), 'x=1&y=two');
    assert.equal(v.get('PATH_INFO'), '/a b/c');
    assert.equal(v.get('X_RAW_PATH_INFO'), '/a%20b/c');
    assert.equal(v.get('SCRIPT_NAME'), '/env');
    assert.equal(v.get('X_MATCHED_ROUTE'), '/env/...');
    assert.equal(v.get('X_FULL_URL'), `${app.url}/env/a%20b/c?x=1&y=two`);
    const port = new URL(app.url).port;
    assert.equal(v.get('SERVER_NAME'), '127.0.0.1');
    assert.equal(v.get('SERVER_PORT'), port);
    assert.equal(v.get('SERVER_PROTOCOL'), 'HTTP/1.1');
    assert.match(v.get('SERVER_SOFTWARE')!, /^WAFT\//);
    assert.equal(v.get('GATEWAY_INTERFACE'), 'CGI/1.1');
    assert.equal(v.get('REMOTE_ADDR'), '127.0.0.1');
    assert.equal(v.get('REMOTE_HOST'), '127.0.0.1');
    assert.equal(v.get('AUTH_TYPE'), '');
    assert.equal(v.get('REMOTE_USER'), '');
    assert.equal(v.get('CONTENT_LENGTH'), '5');
    assert.equal(v.get('CONTENT_TYPE'), 'text/plain');
    assert.equal(v.get('HTTP_X_CUSTOM_THING'), 'v1');
    assert.equal(v.get('HTTP_USER_AGENT'), 'waft-test');
    assert.equal(v.has('HTTP_AUTHORIZATION'), false, 'Authorization is never passed to the guest');
    assert.equal(v.has('HTTP_CONNECTION'), false);
    assert.equal(v.get('GREETING'), 'hi', 'the function environment is merged');
    assert.equal(v.get('argv[0]'), '/env/a%20b/c');
    assert.equal(v.get('argv[1]'), 'x=1');
    assert.equal(v.get('argv[2]'), 'y=two');
  });

  test('the function environment cannot override a CGI variable', async () => {
    const v = await env('/env/real');
    assert.equal(v.get('PATH_INFO'), '/real');
  });

  test('a :param route sets SCRIPT_NAME to the matched path', async () => {
    const v = await env('/users/42');
    assert.equal(v.get('X_MATCHED_ROUTE'), '/users/:id');
    assert.equal(v.get('SCRIPT_NAME'), '/users/42');
    assert.equal(v.get('PATH_INFO'), '');
  });

  test('each request starts from a fresh instance: nothing static, on the heap or in data is left by earlier ones', async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 5; i++) bodies.push(await (await request(`${app.url}/state`)).body.text());
    bodies.push(...await Promise.all(Array.from({ length: 20 }, async () => (await request(`${app.url}/state`)).body.text())));
    assert.match(bodies[0]!, /^calls=1 heap=0x[0-9a-f]+ trail=start\+\n$/);
    assert.deepEqual(new Set(bodies), new Set([bodies[0]]));
  });

  test('Status sets the status code', async () => {
    const r = await request(`${app.url}/reply?status`);
    assert.equal(r.statusCode, 404);
    assert.equal(await r.body.text(), 'nothing here\n');
    const c = await request(`${app.url}/reply?created`);
    assert.equal(c.statusCode, 201);
    assert.equal(c.headers['content-type'], 'application/json');
    assert.deepEqual(await c.body.json(), { ok: true });
  });

  test('Location alone is a 302', async () => {
    const r = await request(`${app.url}/reply?location`);
    assert.equal(r.statusCode, 302);
    assert.equal(r.headers.location, '/elsewhere');
    await r.body.dump();
  });

  test('other headers are passed on, repeated ones too', async () => {
    const r = await request(`${app.url}/reply?headers`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['x-custom'], 'one');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(await r.body.text(), '<p>hi</p>');
  });

  test('a reply without a header block is a 502 that says why', async () => {
    const r = await request(`${app.url}/reply?noheader`);
    assert.equal(r.statusCode, 502);
    const body = await r.body.text();
    assert.match(body, /WAFT_E_CGI_/);
    assert.match(body, /Content-Type/);
  });

  test('a reply with neither Content-Type nor Location is a 502', async () => {
    const r = await request(`${app.url}/reply?notype`);
    assert.equal(r.statusCode, 502);
    assert.match(await r.body.text(), /WAFT_E_CGI_NO_CONTENT_TYPE/);
  });

  test('an unparseable Status is a 502', async () => {
    const r = await request(`${app.url}/reply?badstatus`);
    assert.equal(r.statusCode, 502);
    assert.match(await r.body.text(), /WAFT_E_CGI_BAD_STATUS/);
  });

  test('stderr goes to the function log, attributed to the request', async () => {
    const r = await request(`${app.url}/reply?stderr`);
    assert.equal(await r.body.text(), 'logged\n');
    const logs = app.logs();
    const line = logs.split('\n').find((l) => l.includes('first log line'));
    assert.ok(line, logs);
    const id = /^\[(\w+)\]/.exec(line)![1];
    assert.ok(logs.includes(`[${id}] Processing by function "reply"`));
    assert.ok(logs.includes('second log line'));
  });

  test('a 10 MB body makes the round trip, streamed', async () => {
    const size = 10 * 1024 * 1024;
    const body = new Uint8Array(size);
    for (let i = 0; i < size; i++) body[i] = (i * 7) % 251;
    const r = await request(`${app.url}/echo`, { method: 'POST', body });
    assert.equal(r.statusCode, 200);
    const back = new Uint8Array(await r.body.arrayBuffer());
    assert.equal(back.byteLength, size);
    assert.ok(Buffer.compare(back, body) === 0, 'the body came back unchanged');
  });

  test('a body sent in chunks (no Content-Length) streams in too', async () => {
    async function* chunks() {
      for (let i = 0; i < 100; i++) yield new Uint8Array(10_000).fill(i);
    }
    const r = await request(`${app.url}/echo`, { method: 'POST', body: Readable.from(chunks()) });
    assert.equal(r.statusCode, 200);
    assert.equal((await r.body.arrayBuffer()).byteLength, 1_000_000);
  });

  test('a request without a body gives the guest an empty stdin at once', async () => {
    const get = await request(`${app.url}/echo`);
    assert.equal(get.statusCode, 200);
    assert.equal((await get.body.arrayBuffer()).byteLength, 0);
    const empty = await request(`${app.url}/echo`, { method: 'POST', body: '' });
    assert.equal(empty.statusCode, 200);
    assert.equal((await empty.body.arrayBuffer()).byteLength, 0);
  });

  test('a large reply streams out', async () => {
    const r = await request(`${app.url}/reply?big=3000000`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-length'], undefined, 'large replies are chunked, not held whole');
    assert.equal((await r.body.arrayBuffer()).byteLength, 3_000_000);
  });

  test('the health endpoint answers', async () => {
    const r = await request(`${app.url}/.well-known/waft/health`);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(await r.body.json(), { status: 'ok' });
  });
});

describe('waft up: limits', { skip: skip ?? false }, () => {
  let app: TestApp;
  before(async () => {
    app = await serveApp(writeApp({
      'waft.toml': `[app]
name = "limits"

[functions.loop]
source = "loop.wasm"
route = "/loop"
[functions.loop.limits]
timeout = "300ms"
concurrency = 1
queue = 1

[functions.spin]
source = "loop.wasm"
route = "/spin"
limits = { timeout = "60s", concurrency = 8 }

[functions.grow]
source = "grow.wasm"
route = "/grow"
limits = { memory = "4MiB" }

[functions.flood]
source = "flood.wasm"
route = "/flood"
limits = { max_output = "1MiB" }

[functions.trap]
source = "trap.wasm"
route = "/trap"

[functions.echo]
source = "echo.wasm"
route = "/echo"
limits = { max_body = "1KiB" }

[functions.hello]
source = "reply.wasm"
route = "/hello"
`,
      'loop.wasm': { copy: await watGuest('loop') },
      'grow.wasm': { copy: await watGuest('grow') },
      'flood.wasm': { copy: await watGuest('flood') },
      'trap.wasm': { copy: await watGuest('trap') },
      'echo.wasm': { copy: cGuest('wagi_echo')! },
      'reply.wasm': { copy: cGuest('wagi_reply')! },
    }));
  });
  after(() => app.close());

  test('a timeout is a 504', async () => {
    const r = await request(`${app.url}/loop`);
    assert.equal(r.statusCode, 504);
    assert.match(await r.body.text(), /WAFT_E_GUEST_TIMEOUT/);
  });

  test('going over the memory cap is a clear 5xx', async () => {
    const r = await request(`${app.url}/grow`);
    assert.equal(r.statusCode, 507);
    assert.match(await r.body.text(), /WAFT_E_GUEST_MEMORY_LIMIT/);
  });

  test('going over the output cap is a clear 5xx', async () => {
    const r = await request(`${app.url}/flood`);
    assert.equal(r.statusCode, 507);
    assert.match(await r.body.text(), /WAFT_E_GUEST_OUTPUT_LIMIT/);
  });

  test('a trap is a 500 whose error id is in the log', async () => {
    const r = await request(`${app.url}/trap`);
    assert.equal(r.statusCode, 500);
    const body = await r.body.text();
    const id = /error id: (\w+)/.exec(body)?.[1];
    assert.ok(id, body);
    assert.equal(r.headers['x-waft-error-id'], id);
    assert.match(app.logs(), new RegExp(`\\[${id}\\] WAFT_E_GUEST_TRAP: the guest trapped: divide by zero`));
  });

  test('a body over max_body is a 413, declared or streamed', async () => {
    const declared = await request(`${app.url}/echo`, { method: 'POST', body: 'x'.repeat(2048) });
    assert.equal(declared.statusCode, 413);
    await declared.body.dump();
    async function* chunks() { for (let i = 0; i < 4; i++) yield new Uint8Array(1000); }
    const streamed = await request(`${app.url}/echo`, { method: 'POST', body: Readable.from(chunks()) });
    assert.equal(streamed.statusCode, 413);
    await streamed.body.dump();
  });

  test('past concurrency and queue the answer is 503 with Retry-After', async () => {
    const results = await Promise.all([0, 1, 2, 3].map(() => request(`${app.url}/loop`).then(async (r) => {
      await r.body.dump();
      return r;
    })));
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [503, 503, 504, 504]);
    const rejected = results.find((r) => r.statusCode === 503)!;
    assert.equal(rejected.headers['retry-after'], '1');
  });

  test('a request whose client leaves while it waits in the queue is still completed in the log', async () => {
    const processing = () => (app.logs().match(/Processing by function "loop"/g) ?? []).length;
    const before = processing();
    const running = request(`${app.url}/loop`).then((r) => r.body.dump());
    await waitFor(() => processing() === before + 1);
    const client = new AbortController();
    const queued = request(`${app.url}/loop`, { signal: client.signal }).catch(() => undefined);
    await waitFor(() => processing() === before + 2);
    client.abort();
    await queued;
    await running;
    await waitFor(() => app.logs().includes('WAFT_E_GUEST_CANCELLED: the client went away while the request waited for a free slot'));
    const id = /\[(\w+)\] WAFT_E_GUEST_CANCELLED: the client went away/.exec(app.logs())![1];
    assert.match(app.logs(), new RegExp(`\\[${id}\\] Completed 499`));
  });

  test('a looping function does not delay the others', async () => {
    // As many spinning guests as there are cores, each with a long deadline; then 100 hello
    // requests, 20 at a time. Every hello must be answered while the spinners still spin.
    const clients = [new AbortController(), new AbortController()];
    let loopsEnded = 0;
    const loops = clients.map((c) => request(`${app.url}/spin`, { signal: c.signal }).then(
      (r) => r.body.dump(), () => undefined,
    ).finally(() => { loopsEnded++; }));
    for (let batch = 0; batch < 5; batch++) {
      const codes = await Promise.all(Array.from({ length: 20 }, () => request(`${app.url}/hello`).then(async (r) => {
        assert.equal(await r.body.text(), 'hello\n');
        return r.statusCode;
      })));
      assert.deepEqual(new Set(codes), new Set([200]));
    }
    assert.equal(loopsEnded, 0, 'the spinning guests were still running when every hello had been answered');
    // A client that goes away cancels its guest: the spinners stop now, not at their deadline.
    for (const c of clients) c.abort();
    await Promise.all(loops);
    await waitFor(() => (app.logs().match(/WAFT_E_GUEST_CANCELLED/g) ?? []).length >= 2);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
}
