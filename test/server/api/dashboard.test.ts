// The server hands out the dashboard's static files, and nothing else, under /dashboard/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startTestServer, type TestServer } from './harness.ts';

let t: TestServer;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'waft-dashboard-'));
  mkdirSync(join(dir, 'site', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'site', 'index.html'), '<!doctype html><title>waft</title>');
  writeFileSync(join(dir, 'site', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  symlinkSync(join(dir, 'secret.txt'), join(dir, 'site', 'link.txt'));
  const started = await startTestServer('sqlite', { dashboardDir: join(dir, 'site') });
  if (typeof started === 'string') throw new Error(started);
  t = started;
});
after(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string) {
  const r = await request(`${t.url}${path}`);
  return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
}

test('index, assets with their types, and client-side routes', async () => {
  const root = await get('/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/dashboard/');
  const index = await get('/dashboard/');
  assert.equal(index.status, 200);
  assert.match(String(index.headers['content-type']), /^text\/html/);
  assert.match(index.text, /<title>waft<\/title>/);
  assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
  const js = await get('/dashboard/assets/app.js');
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  const route = await get('/dashboard/apps/hello');
  assert.equal(route.status, 200, 'a path without an extension is a client-side route');
  assert.match(route.text, /<title>waft<\/title>/);
  assert.equal((await get('/dashboard/missing.js')).status, 404);
});

test('dashboard path escapes: dot segments, encoded dots and slashes, symlinks out', async () => {
  for (const path of ['/dashboard/../secret.txt', '/dashboard/%2e%2e/secret.txt', '/dashboard/..%2fsecret.txt', '/dashboard/link.txt', '/dashboard/assets/%5c..%5c..%5csecret.txt']) {
    const r = await get(path);
    assert.notEqual(r.status, 200, path);
    assert.doesNotMatch(r.text, /outside/, path);
  }
});
