// `waft up` as a dev server: routing, manifest errors at load time, watch reload, logs, shutdown.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { cGuest, clangMissing, repoRoot } from '../support/guests.ts';
import { serveApp, writeApp } from '../support/app.ts';

const skip = clangMissing() ?? false;

function manifest(functions: Record<string, { route: string; greeting?: string }>): string {
  let text = '[app]\nname = "routes"\n';
  for (const [name, f] of Object.entries(functions)) {
    text += `\n[functions.${name}]\nsource = "reply.wasm"\nroute = "${f.route}"\nenvironment = { GREETING = "${f.greeting ?? name}" }\n`;
  }
  return text;
}

/** An app of functions that all run the wagi_reply guest. */
function replyApp(functions: Parameters<typeof manifest>[0]): string {
  return writeApp({ 'waft.toml': manifest(functions), 'reply.wasm': { copy: cGuest('wagi_reply')! } });
}

/** `waft up DIR OPTIONS` in its own process, once it says it serves app `name`. */
async function spawnUp(dir: string, name: string, options: string[]) {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/waft.js'), 'up', dir, '--listen', '127.0.0.1:0', ...options], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { text: '' };
  child.stdout.on('data', (c: Buffer) => { output.text += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { output.text += c.toString(); });
  // The plain line, or the JSON one (--log-format json), that says where the app is served.
  const serving = new RegExp(`serving "${name}" at (http://\\S+)|"url":"(http://[^"]+)","app":"${name}"`);
  try {
    while (!serving.test(output.text)) await once(child.stdout, 'data');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const found = serving.exec(output.text)!;
  return { child, url: (found[1] ?? found[2])!, output };
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const r = await request(url);
  return { status: r.statusCode, text: await r.body.text() };
}

describe('waft up: routes', { skip }, () => {
  test('the most specific route wins', async () => {
    const app = await serveApp(replyApp({
      everything: { route: '/...' }, static: { route: '/static/...' }, user: { route: '/users/:id' },
      exact: { route: '/users/me' }, hello: { route: '/hello' },
    }));
    try {
      const cases: [string, string][] = [
        ['/hello', 'hello'], ['/hello/', 'hello'], ['/users/me', 'exact'], ['/users/42', 'user'],
        ['/users/42/posts', 'everything'], ['/static', 'static'], ['/static/css/site.css', 'static'],
        ['/', 'everything'], ['/nope', 'everything'],
      ];
      for (const [path, fn] of cases) {
        const r = await get(`${app.url}${path}`);
        assert.equal(r.status, 200, path);
        assert.equal(r.text, `${fn}\n`, `${path} should reach ${fn}`);
      }
    } finally {
      await app.close();
    }
  });

  test('a path no route matches is a 404 that names the path', async () => {
    const app = await serveApp(replyApp({ hello: { route: '/hello' } }));
    try {
      const r = await get(`${app.url}/missing`);
      assert.equal(r.status, 404);
      assert.match(r.text, /no route matches \/missing \[WAFT_E_ROUTE_NOT_FOUND\]/);
      const bad = await get(`${app.url}/hello%2F..%2Fsecret`);
      assert.equal(bad.status, 400);
      assert.match(bad.text, /WAFT_E_BAD_PATH/);
    } finally {
      await app.close();
    }
  });

  test('conflicting routes fail at load time, naming both and where they are written', async () => {
    const dir = writeApp({
      'waft.toml': '[app]\nname = "clash"\n\n[functions.a]\nsource = "reply.wasm"\nroute = "/users/:id"\n\n[functions.b]\nsource = "reply.wasm"\nroute = "/users/:name"\n',
      'reply.wasm': { copy: cGuest('wagi_reply')! },
    });
    await assert.rejects(serveApp(dir), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'WAFT_E_ROUTE_CONFLICT');
      assert.match(err.message, /"\/users\/:name"/);
      assert.match(err.message, /"\/users\/:id"/);
      assert.match(err.message, /waft\.toml:6/);
      assert.match(err.message, /waft\.toml:10/);
      return true;
    });
  });
});

describe('waft up: manifest errors', () => {
  test('an unknown key is reported with its file, line and a suggestion', async () => {
    const dir = writeApp({ 'waft.toml': '[app]\nname = "typo"\n\n[functions.hello]\nsource = "hello.wasm"\nrout = "/hello"\n' });
    await assert.rejects(serveApp(dir), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'WAFT_E_MANIFEST_UNKNOWN_KEY');
      assert.match(err.message, /waft\.toml:6:1/);
      assert.match(err.message, /did you mean "route"/);
      return true;
    });
  });

  test('a module that is not built yet points at `waft build`', async () => {
    const dir = writeApp({ 'waft.toml': '[app]\nname = "unbuilt"\n\n[functions.hello]\nsource = "hello.wasm"\nroute = "/hello"\nbuild = "clang --target=wasm32-wasi hello.c -o hello.wasm"\n' });
    await assert.rejects(serveApp(dir), /does not exist yet; run `waft build`/);
  });

  test('a module that is not WebAssembly is refused at load time', async () => {
    const dir = writeApp({ 'waft.toml': '[app]\nname = "garbage"\n\n[functions.hello]\nsource = "hello.wasm"\nroute = "/hello"\n', 'hello.wasm': 'not wasm at all' });
    await assert.rejects(serveApp(dir), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'WAFT_E_MODULE_INVALID');
      assert.match(err.message, /waft\.toml:5:1: function "hello"/);
      return true;
    });
  });
});

describe('waft up: logs', { skip }, () => {
  test('request logs read like Rails', async () => {
    const app = await serveApp(replyApp({ hello: { route: '/hello' } }));
    try {
      await get(`${app.url}/hello?x=1`);
      const lines = app.logs().split('\n').filter((l) => l.startsWith('['));
      assert.match(lines[0], /^\[\w+\] Started GET "\/hello\?x=1" for 127\.0\.0\.1 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/);
      assert.match(lines[1], /^\[\w+\] Processing by function "hello"$/);
      assert.match(lines[2], /^\[\w+\] Completed 200 OK in \d+(\.\d+)?ms$/);
    } finally {
      await app.close();
    }
  });

  test('--log-format json writes one object per request', async () => {
    const app = await serveApp(replyApp({ hello: { route: '/hello' } }), { format: 'json' });
    try {
      await get(`${app.url}/hello`);
      const records = app.logs().trim().split('\n').map((l) => JSON.parse(l));
      const req = records.find((r) => r.type === 'request');
      assert.equal(req.method, 'GET');
      assert.equal(req.url, '/hello');
      assert.equal(req.function, 'hello');
      assert.equal(req.status, 200);
      assert.equal(typeof req.duration_ms, 'number');
      assert.match(req.request_id, /^\w+$/);
    } finally {
      await app.close();
    }
  });
});

describe('waft up --watch', { skip }, () => {
  test('a change to waft.toml reloads without dropping the request in flight', async () => {
    const app = await serveApp(replyApp({ hello: { route: '/hello', greeting: 'before' } }), { watch: true });
    try {
      assert.equal((await get(`${app.url}/hello`)).text, 'before\n');
      const slow = get(`${app.url}/hello?sleep=400`);
      const reloaded = new Promise<Error | null>((resolve) => app.dev.onReload(resolve));
      writeFileSync(join(app.dir, 'waft.toml'), manifest({ hello: { route: '/hello', greeting: 'after' }, extra: { route: '/extra' } }));
      assert.equal(await reloaded, null);
      assert.equal((await get(`${app.url}/hello`)).text, 'after\n');
      assert.equal((await get(`${app.url}/extra`)).text, 'extra\n');
      const inFlight = await slow;
      assert.equal(inFlight.status, 200);
      assert.equal(inFlight.text, 'slept 400 ms\n');
    } finally {
      await app.close();
    }
  });

  test('a broken change keeps the previous version serving', async () => {
    const app = await serveApp(replyApp({ hello: { route: '/hello', greeting: 'kept' } }), { watch: true });
    try {
      const reloaded = new Promise<Error | null>((resolve) => app.dev.onReload(resolve));
      writeFileSync(join(app.dir, 'waft.toml'), '[app]\nname = "routes"\n[functions.hello]\nsource = "reply.wasm"\nroute = 12\n');
      const err = await reloaded;
      assert.equal((err as { code?: string } | null)?.code, 'WAFT_E_MANIFEST_TYPE');
      assert.equal((await get(`${app.url}/hello`)).text, 'kept\n');
      assert.match(app.logs(), /Reload failed, still serving the previous version/);
    } finally {
      await app.close();
    }
  });
});

describe('waft up --new-instances', { skip }, () => {
  test('serves with a new V8 instance per request: each request still sees a fresh state', async () => {
    const dir = writeApp({
      'waft.toml': '[app]\nname = "state"\n\n[functions.state]\nsource = "state.wasm"\nroute = "/state"\n',
      'state.wasm': { copy: cGuest('static_state')! },
    });
    const { child, url } = await spawnUp(dir, 'state', ['--quiet', '--new-instances']);
    try {
      const bodies = [(await get(`${url}/state`)).text, (await get(`${url}/state`)).text];
      assert.match(bodies[0]!, /^calls=1 heap=0x[0-9a-f]+ trail=start\+\n$/);
      assert.equal(bodies[1], bodies[0]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('waft up: where guests run', { skip }, () => {
  /** The `thread` of each request line of a JSON log, once `count` are there. */
  async function threads(child: ChildProcess, output: { text: string }, count: number): Promise<string[]> {
    const lines = () => output.text.split('\n').filter((l) => l.includes('"type":"request"'));
    while (lines().length < count) await once(child.stdout!, 'data');
    return lines().map((l) => JSON.parse(l).thread);
  }

  test('a short WASI function runs on the serving thread; --workers-only sends every run to a worker', async () => {
    const dir = replyApp({ hello: { route: '/hello' } });
    for (const [options, expect] of [[[], 'serving'], [['--workers-only'], 'worker']] as const) {
      const { child, url, output } = await spawnUp(dir, 'routes', ['--log-format', 'json', ...options]);
      try {
        for (let i = 0; i < 10; i++) assert.equal((await get(`${url}/hello`)).status, 200);
        const seen = await threads(child, output, 10);
        if (expect === 'worker') assert.deepEqual(seen, Array(10).fill('worker'));
        // A first run may go to a worker (V8 compiles on first call), as may one the OS paused.
        else assert.ok(seen.includes('serving'), `no request ran on the serving thread: ${seen.join(', ')}`);
      } finally {
        child.kill('SIGKILL');
      }
    }
  });
});

describe('waft up: shutdown', { skip }, () => {
  test('Ctrl-C lets the request in flight finish', async () => {
    const dir = replyApp({ hello: { route: '/hello' } });
    const { child, url, output } = await spawnUp(dir, 'routes', ['--log-format', 'plain']);
    try {
      const slow = get(`${url}/hello?sleep=500`);
      while (!output.text.includes('Processing by function')) await once(child.stdout, 'data');
      child.kill('SIGINT');
      const r = await slow;
      assert.equal(r.status, 200);
      assert.equal(r.text, 'slept 500 ms\n');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
      assert.match(output.text, /SIGINT: finishing 1 in-flight request\(s\)/);
      assert.match(output.text, /Stopped\./);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
