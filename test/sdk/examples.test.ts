// The SDK examples (examples/kv-counter, http-proxy, kv-assemblyscript) built with their own
// build commands and served by the dev server, end to end over HTTP. Each runs in a temporary
// copy of examples/NAME next to a copy of sdk/ (the examples reach the SDK at ../../sdk), so no
// build output lands in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/host/build.ts';
import { startDevServer } from '../../src/host/dev-server.ts';
import { Logger } from '../../src/host/logger.ts';
import { loadManifest } from '../../src/manifest/load.ts';
import { repoRoot } from '../support/guests.ts';
import { ascMissing, cMissing, rustMissing } from './support.ts';
import { startServer } from '../capabilities/http/servers.ts';

/** A copy of examples/NAME and sdk/ under one temporary root; returns the example's directory. */
function copyExample(name: string): { dir: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), `waft-${name}-`));
  const skip = (src: string) => !/\.wasm$|\/target(\/|$)|\/\.waft(\/|$)/.test(src);
  cpSync(join(repoRoot, 'examples', name), join(root, 'examples', name), { recursive: true, filter: skip });
  cpSync(join(repoRoot, 'sdk'), join(root, 'sdk'), { recursive: true, filter: skip });
  return { dir: join(root, 'examples', name), root };
}

async function build(dir: string, fn: string): Promise<void> {
  const results = await buildApp(await loadManifest(dir));
  assert.deepEqual(results.map((r) => r.function), [fn]);
}

/** The dev server on dir, without removing dir when it stops (the data must outlive it). */
async function serve(dir: string) {
  const out = new PassThrough();
  let logs = '';
  out.on('data', (c: Buffer) => { logs += c.toString(); });
  const dev = await startDevServer({ manifest: dir, host: '127.0.0.1', port: 0, logger: new Logger('plain', out) });
  return { url: dev.url, logs: () => logs, stop: () => dev.stop(1000) };
}

test('examples/kv-counter (C SDK): each GET counts 1, 2, 3; concurrent GETs never lose a count; the count outlives a restart', async (t) => {
  const missing = cMissing();
  if (missing) return t.skip(missing);
  const { dir, root } = copyExample('kv-counter');
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await build(dir, 'counter');

  let server = await serve(dir);
  t.after(() => server.stop());
  const get = async () => {
    const r = await fetch(`${server.url}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    return r.text();
  };
  assert.equal(await get(), '1\n');
  assert.equal(await get(), '2\n');
  assert.equal(await get(), '3\n');

  const counts = await Promise.all(Array.from({ length: 12 }, get));
  assert.deepEqual(counts.map((c) => Number(c)).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 4));

  const post = await fetch(`${server.url}/`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET');
  assert.equal(await post.text(), 'only GET counts\n');
  assert.match(server.logs(), /counter: \[INFO\] count is now 15/);

  await server.stop();
  server = await serve(dir);
  assert.equal(await get(), '16\n', 'the count is kept in .waft/kv, not in the instance');
});

test('examples/http-proxy (Rust SDK): fetches from a granted local server; an unlisted one is DENIED with the host message', async (t) => {
  const missing = rustMissing();
  if (missing) return t.skip(missing);
  const { dir, root } = copyExample('http-proxy');
  t.after(() => rmSync(root, { recursive: true, force: true }));

  const upstream = await startServer((req, res) => {
    if (req.url === '/missing') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not here\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream-accept': String(req.headers.accept ?? '') });
    res.end(JSON.stringify({ hello: 'from upstream', path: req.url }));
  });
  const unlisted = await startServer((_req, res) => res.end('should never be reached'));
  t.after(() => Promise.all([upstream.close(), unlisted.close()]));
  const { port } = upstream;
  const otherPort = unlisted.port;
  // The example grants http://127.0.0.1:8080 (its README starts a server there); the test's
  // server listens on a free port instead.
  const manifest = join(dir, 'waft.toml');
  const text = readFileSync(manifest, 'utf8');
  assert.match(text, /"http:\/\/127\.0\.0\.1:8080"/);
  writeFileSync(manifest, text.replace('http://127.0.0.1:8080', `http://127.0.0.1:${port}`));
  await build(dir, 'proxy');

  const server = await serve(dir);
  t.after(() => server.stop());
  const proxied = (url: string, init?: RequestInit) => fetch(`${server.url}/?url=${encodeURIComponent(url)}`, init);

  const ok = await proxied(`http://127.0.0.1:${port}/data?x=1`, { headers: { accept: 'application/json' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('content-type'), 'application/json');
  assert.equal(ok.headers.get('x-proxied-from'), `http://127.0.0.1:${port}/data?x=1`);
  assert.deepEqual(await ok.json(), { hello: 'from upstream', path: '/data?x=1' });

  const notFound = await proxied(`http://127.0.0.1:${port}/missing`);
  assert.equal(notFound.status, 404, 'the upstream status is passed on');
  assert.equal(await notFound.text(), 'not here\n');

  const denied = await proxied(`http://127.0.0.1:${otherPort}/secret`);
  assert.equal(denied.status, 403);
  assert.equal(await denied.text(),
    `DENIED: function "proxy" was denied outbound request to http://127.0.0.1:${otherPort}/secret: add "http://127.0.0.1:${otherPort}" to allowed_outbound_hosts in [functions.proxy]\n`);
  assert.equal(unlisted.connections, 0, 'a denied request never reaches the server');
  assert.match(server.logs(), new RegExp(`function "proxy" was denied outbound request to http://127\\.0\\.0\\.1:${otherPort}/secret`));

  const metadata = await proxied('http://169.254.169.254/latest/meta-data/');
  assert.equal(metadata.status, 403, 'cloud metadata is not granted');
  assert.match(await metadata.text(), /^DENIED: /);

  const usage = await fetch(`${server.url}/`);
  assert.equal(usage.status, 400);
  assert.match(await usage.text(), /^usage: GET \/\?url=/);

  const bad = await proxied('not a url');
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /^INVALID: /);
});

test('examples/kv-assemblyscript (AssemblyScript SDK): PUT, GET, list, DELETE, a ttl, and a 500 KB value', async (t) => {
  const missing = ascMissing();
  if (missing) return t.skip(missing);
  const { dir, root } = copyExample('kv-assemblyscript');
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await build(dir, 'kv');

  const server = await serve(dir);
  t.after(() => server.stop());
  const call = async (method: string, path: string, body?: string | Uint8Array<ArrayBuffer>) => {
    const r = await fetch(`${server.url}${path}`, { method, body });
    return { status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()) };
  };

  assert.equal((await call('GET', '/')).body.toString(), '', 'no keys yet');
  const put = await call('PUT', '/greeting', 'hello');
  assert.equal(put.status, 201);
  assert.equal(put.body.toString(), 'stored greeting\n');
  assert.equal((await call('PUT', '/session?ttl=60000', 'soon gone')).status, 201);
  const got = await call('GET', '/greeting');
  assert.equal(got.status, 200);
  assert.equal(got.type, 'application/octet-stream');
  assert.equal(got.body.toString(), 'hello');
  assert.equal((await call('GET', '/')).body.toString(), 'greeting\nsession\n');

  const big = Buffer.alloc(500_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 13 + 5) % 256;
  assert.equal((await call('PUT', '/big', big)).status, 201);
  assert.ok((await call('GET', '/big')).body.equals(big), 'a value larger than the SDK chunk comes back byte for byte');

  assert.equal((await call('DELETE', '/greeting')).body.toString(), 'deleted greeting\n');
  const gone = await call('GET', '/greeting');
  assert.equal(gone.status, 404);
  assert.equal(gone.body.toString(), 'no key greeting\n');
  assert.equal((await call('DELETE', '/greeting')).status, 404);

  const badTtl = await call('PUT', '/x?ttl=-5', 'v');
  assert.equal(badTtl.status, 400);
  assert.match(badTtl.body.toString(), /^storing x failed: INVALID: ttl_ms -5/);
  assert.equal((await call('POST', '/x')).status, 405);
  assert.match(server.logs(), /kv: \[INFO\] stored greeting \(5 bytes\)/);
});
