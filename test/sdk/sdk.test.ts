// The guest SDKs (sdk/c, sdk/rust, sdk/assemblyscript) against the real host: each SDK's tour
// guest (test/sdk/guests/tour.*), built from source with its real toolchain, calls every SDK
// function through `waft up` over HTTP, with the default SQLite store, Redis, and outbound
// requests to node:http servers on 127.0.0.1. The three tours print the same lines, so the
// same expectations hold for each language.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { serveApp, writeApp, type TestApp } from '../support/app.ts';
import { freePort, redisUnreachable, REDIS_URL } from '../support/servers.ts';
import { watToWasm } from '../../src/wasm/wat.ts';
import { repoRoot } from '../support/guests.ts';
import { startServer } from '../capabilities/http/servers.ts';
import { ascMissing, asSdkGuest, asSdkPackageGuest, cMissing, cSdkGuest, guestsDir, rustMissing, rustSdkGuest, rustSdkModuleGuest } from './support.ts';

interface Sdk {
  name: string;
  /** What the X-Sdk header and the log lines call it. */
  tag: string;
  missing: () => string | null;
  build: () => string;
}

const sdks: Sdk[] = [
  { name: 'C', tag: 'c', missing: cMissing, build: () => cSdkGuest(join(guestsDir, 'tour.c')) },
  { name: 'Rust', tag: 'rust', missing: rustMissing, build: () => rustSdkGuest(join(guestsDir, 'tour.rs')) },
  { name: 'AssemblyScript', tag: 'assemblyscript', missing: ascMissing, build: () => asSdkGuest(join(guestsDir, 'tour.as.ts')) },
  // The SDK's own paging loop, 300 reads for the 300 KB value.
  { name: 'C (-DWAFT_CHUNK_SIZE=1000)', tag: 'c', missing: cMissing, build: () => cSdkGuest(join(guestsDir, 'tour.c'), ['-DWAFT_CHUNK_SIZE=1000']) },
  // The other build and runtime docs/sdk.md offers.
  { name: 'Rust (as a #[path] module)', tag: 'rust', missing: rustMissing, build: () => rustSdkModuleGuest(join(guestsDir, 'tour.rs')) },
  {
    name: 'AssemblyScript (--runtime stub)', tag: 'assemblyscript', missing: ascMissing,
    build: () => asSdkGuest(join(guestsDir, 'tour.as.ts'), ['--runtime', 'stub']),
  },
  {
    name: 'AssemblyScript (npm package waft-sdk)', tag: 'assemblyscript', missing: ascMissing,
    build: () => asSdkPackageGuest(join(guestsDir, 'tour.as.ts')),
  },
];

/** The `name=value` lines of a tour reply, in order. */
function lines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of text.split('\n')) {
    const eq = l.indexOf('=');
    if (eq > 0) out.set(l.slice(0, eq), l.slice(eq + 1));
  }
  return out;
}

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) % 251;
  return b;
}

/** The functions and signatures of docs/abi.md's table "All functions at a glance". */
function abiTable(): { name: string; params: string[]; result: string }[] {
  const doc = readFileSync(join(repoRoot, 'docs/abi.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## All functions at a glance'));
  const out = [];
  for (const m of table.matchAll(/^\| `(\w+)` \| `\((.*)\) -> (\w+)` \|$/gm)) {
    const params = m[2].trim() === '' ? [] : m[2].split(',').map((p) => p.trim().split(/\s+/)[1]);
    out.push({ name: m[1], params, result: m[3] });
  }
  return out;
}

// Awaited before the first describe: under --test-force-exit (npm test) the process exits once
// the suites registered so far are done, so suites registered after an await on I/O never run.
const redisSkip = await redisUnreachable();

describe('the SDKs import exactly the functions of docs/abi.md, with its signatures', () => {
  const table = abiTable();

  test('the table in docs/abi.md is read', () => {
    assert.equal(table.length, 20);
    assert.deepEqual(table.find((f) => f.name === 'buf_read'), { name: 'buf_read', params: ['i32', 'i64', 'i32', 'i32', 'i32'], result: 'i32' });
  });

  for (const sdk of sdks) {
    test(`${sdk.name}: the tour links against a module with exactly the documented signatures`, async (t) => {
      const missing = sdk.missing();
      if (missing) return t.skip(missing);
      const guest = new WebAssembly.Module(readFileSync(sdk.build()));
      const waftImports = WebAssembly.Module.imports(guest).filter((i) => i.module === 'waft').map((i) => i.name).sort();
      assert.deepEqual(waftImports, table.map((f) => f.name).sort(), 'the tour uses every ABI function and nothing else');
      // Wasm-to-wasm imports are type-checked at link time: a signature that differs from the
      // doc's is a LinkError.
      const wat = `(module ${table.map((f) => `(func (export "${f.name}") ${f.params.length ? `(param ${f.params.join(' ')})` : ''} (result ${f.result}) unreachable)`).join('\n')})`;
      const provider = new WebAssembly.Instance(new WebAssembly.Module((await watToWasm(wat, 'abi.wat')) as Uint8Array<ArrayBuffer>));
      const wasi = new Proxy({}, { get: () => () => 0 });
      assert.ok(new WebAssembly.Instance(guest, { waft: provider.exports, wasi_snapshot_preview1: wasi }));
    });
  }
});

/** node:http servers the tours call: an echo server (granted), another (not granted), a dead port. */
async function startUpstreams() {
  const echo = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '200000' });
        res.end(pattern(200_000));
      } else if (url !== '/slow') { // /slow is never answered: the outbound timeout ends it
        res.writeHead(200, { 'content-type': 'text/plain', 'x-echo-method': req.method ?? '', 'x-echo-a': String(req.headers['x-a'] ?? '') });
        res.end(`${req.method} ${url} ${Buffer.concat(chunks).toString()}`);
      }
    });
  });
  const other = await startServer((_req, res) => res.end('should never be reached'));
  return {
    echoPort: echo.port, otherPort: other.port, deadPort: await freePort(),
    otherConnections: () => other.connections,
    close: () => Promise.all([echo.close(), other.close()]),
  };
}

for (const [index, sdk] of sdks.entries()) {
  describe(`${sdk.name} SDK against the real host`, () => {
    const missing = sdk.missing();
    let app: TestApp;
    let upstreams: Awaited<ReturnType<typeof startUpstreams>>;
    const appName = `sdk${index}-${sdk.tag.slice(0, 4)}-${process.pid}-${Date.now() % 1e6}`;

    before(async () => {
      if (missing) return;
      upstreams = await startUpstreams();
      const stores = redisSkip ? '["default"]' : '["default", "redis"]';
      const dir = writeApp({
        'waft.toml': `[app]
name = "${appName}"

[variables]
greeting = { default = "hello" }

[functions.tour]
source = "tour.wasm"
route = "/..."
key_value_stores = ${stores}
allowed_outbound_hosts = ["http://127.0.0.1:${upstreams.echoPort}", "http://127.0.0.1:${upstreams.deadPort}"]
variables = { greeting = "{{ greeting }} from waft" }
environment = { ECHO_URL = "http://127.0.0.1:${upstreams.echoPort}", DENIED_URL = "http://127.0.0.1:${upstreams.otherPort}/", DEAD_URL = "http://127.0.0.1:${upstreams.deadPort}/" }
`,
        'runtime.toml': `[outbound_http]
timeout = "500ms"
${redisSkip ? '' : `
[key_value_store.redis]
type = "redis"
url = "${REDIS_URL}"
`}`,
        'tour.wasm': { copy: sdk.build() },
      });
      app = await serveApp(dir, { runtimeConfig: join(dir, 'runtime.toml') });
    });
    after(async () => {
      await app?.close();
      await upstreams?.close();
    });

    test('request: method, path, query, params, headers and body in; status, headers and body out', async (t) => {
      if (missing) return t.skip(missing);
      const r = await fetch(`${app.url}/request?a=h%C3%A9llo+world&b=2`, { method: 'POST', body: 'hello body', headers: { 'x-test': 'yes' } });
      const text = await r.text();
      assert.equal(r.status, 201, text);
      assert.equal(r.headers.get('x-sdk'), sdk.tag);
      assert.deepEqual(r.headers.getSetCookie(), ['a=1', 'b=2']);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(r.headers.get('injected'), null);
      assert.deepEqual(Object.fromEntries(lines(text)), {
        method: 'POST',
        path: '/request',
        query: 'a=h%C3%A9llo+world&b=2',
        'param.a': 'héllo world',
        'param.missing': '(none)',
        'header.x-test': 'yes',
        'header.missing': '(none)',
        'headers.x-test': 'yes',
        'env.X_MATCHED_ROUTE': '/...',
        'body.len': '10',
        body: 'hello body',
        'header.bad': 'INVALID',
      });
    });

    test('a response with only a status gets the default Content-Type', async (t) => {
      if (missing) return t.skip(missing);
      const r = await fetch(`${app.url}/bare`);
      assert.equal(r.status, 202);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await r.text(), '');
    });

    const kvExpected = {
      abi_version: '1', open: 'ok', set: 'ok', get: 'v1', exists: 'true', 'exists.missing': 'false', 'get.missing': 'NOT_FOUND',
      delete: 'true', 'delete.again': 'false', 'set.ttl': 'ok', 'exists.ttl': 'true', 'set.badttl': 'INVALID',
      'set.empty': 'ok', 'get.empty.len': '0', 'get.unicode': 'värde', 'set.toolarge': 'TOO_LARGE', 'get.emptykey': 'INVALID',
      incr: '5', 'incr.neg': '3', 'get.n': '3', 'incr.conflict': 'CONFLICT',
      'list.keys': '25', 'list.sorted': 'true', 'list.last': 'list/24',
      'big.set': 'ok', 'big.len': '300000', 'big.same': 'true', 'big.reads': '300', 'big.paged': 'true',
      'buf.drop': 'ok', 'buf.drop.again': 'BAD_HANDLE',
      // ttl, empty, clé, n, text, 25 list keys, big
      'cleanup.deleted': '31', close: 'ok', 'after.close': 'BAD_HANDLE',
    };

    async function kvTour(store: string) {
      const r = await fetch(`${app.url}/kv/${store}`);
      const text = await r.text();
      assert.equal(r.status, 200, text);
      const got = lines(text);
      assert.match(got.get('incr.conflict.error') ?? '', /"text"/, 'the CONFLICT message names the key');
      assert.ok(Number(got.get('list.pages')) >= 3, `25 keys in pages of at most 10 take 3 pages or more, got ${got.get('list.pages')}`);
      got.delete('incr.conflict.error');
      got.delete('list.pages');
      assert.deepEqual(Object.fromEntries(got), kvExpected, text);
    }

    test('kv on the default SQLite store: get, set with ttl, delete, exists, increment, list pages, a 300 KB value paged in 64 KiB and 1000-byte chunks, close', async (t) => {
      if (missing) return t.skip(missing);
      await kvTour('default');
      // The tour deletes what it wrote: a second run starts from the same empty store.
      await kvTour('default');
    });

    test('kv on a Redis store: the same tour', async (t) => {
      if (missing) return t.skip(missing);
      if (redisSkip) return t.skip(redisSkip);
      await kvTour('redis');
    });

    test('a store, a variable and a log level the function is not granted: DENIED/INVALID with the message from last_error', async (t) => {
      if (missing) return t.skip(missing);
      const r = await fetch(`${app.url}/denied`);
      const got = lines(await r.text());
      assert.equal(got.get('open.other'), 'DENIED');
      assert.equal(got.get('open.other.error'), 'function "tour" was denied key-value store "other": add it to key_value_stores in [functions.tour]');
      assert.equal(got.get('var.nope'), 'DENIED');
      assert.match(got.get('var.nope.error') ?? '', /^function "tour" was denied variable "nope": bind it in variables in \[functions\.tour\]/);
      assert.equal(got.get('log.badlevel'), 'INVALID');
      assert.match(app.logs(), /function "tour" was denied key-value store "other": add it to key_value_stores in \[functions\.tour\]/);
    });

    test('variables: a binding rendered from the app variable', async (t) => {
      if (missing) return t.skip(missing);
      const r = await fetch(`${app.url}/vars`);
      assert.equal(await r.text(), 'var.greeting=hello from waft\n');
    });

    test('log: one line per call at each level, attributed to the function', async (t) => {
      if (missing) return t.skip(missing);
      const r = await fetch(`${app.url}/log`);
      assert.deepEqual(Object.fromEntries(lines(await r.text())), {
        'log.trace': 'ok', 'log.debug': 'ok', 'log.info': 'ok', 'log.warn': 'ok', 'log.error': 'ok',
      });
      const logs = app.logs();
      for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']) {
        assert.match(logs, new RegExp(`tour: \\[${level}\\] ${sdk.tag} says ${level.toLowerCase()}`), logs);
      }
    });

    test('outbound HTTP: method, headers and body out; status, headers and a 200 KB body back; denied, unreachable, timeout and bad URL as statuses', async (t) => {
      if (missing) return t.skip(missing);
      const r = await fetch(`${app.url}/http`);
      const text = await r.text();
      assert.equal(r.status, 200, text);
      const got = lines(text);
      const { otherPort } = upstreams;
      assert.match(got.get('http.denied.error') ?? '', new RegExp(`^function "tour" was denied outbound request to http://127\\.0\\.0\\.1:${otherPort}/: add "http://127\\.0\\.0\\.1:${otherPort}" to allowed_outbound_hosts in \\[functions\\.tour\\]`));
      got.delete('http.denied.error');
      assert.deepEqual(Object.fromEntries(got), {
        http: 'ok',
        'http.status': '200',
        'http.header.x-echo-method': 'POST',
        'http.header.x-echo-a': '1',
        'http.body': 'POST /echo?x=1 ping',
        'http.big': 'ok',
        'http.big.content-length': '200000',
        'http.big.len': '200000',
        'http.big.same': 'true',
        'http.big.again': '200000',
        'http.drop': 'ok',
        'http.drop.again': 'BAD_HANDLE',
        'http.denied': 'DENIED',
        'http.dead': 'UNAVAILABLE',
        'http.slow': 'TIMEOUT',
        'http.badurl': 'INVALID',
      });
      assert.equal(upstreams.otherConnections(), 0, 'a denied request never reaches the server');
    });
  });
}
