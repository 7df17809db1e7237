// `waft server` from the command line: first-start bootstrap, WAFT_ADMIN_TOKEN, restarts,
// flags, graceful stop.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { repoRoot } from '../../support/guests.ts';
import { startServerChild } from './child.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'waft-server-cli-'));
  dirs.push(d);
  return d;
};

async function me(url: string, token: string): Promise<number> {
  const r = await request(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  await r.body.dump();
  return r.statusCode;
}

test('first start on an empty store prints a one-time admin token; later starts print none', async () => {
  const data = tempDir();
  const first = await startServerChild(['--data', data], { WAFT_ADMIN_TOKEN: undefined });
  const line = await first.waitForLine(/^\s+waft_[A-Za-z0-9_-]{43}$/);
  const token = line.trim();
  assert.equal(await me(first.url, token), 200);
  assert.equal(await first.stop(), 0);
  assert.match(first.output(), /Stopped\./);

  const second = await startServerChild(['--data', data], { WAFT_ADMIN_TOKEN: undefined });
  assert.doesNotMatch(second.output(), /Admin token/);
  assert.equal(await me(second.url, token), 200, 'the first token still works');
  await second.stop();
});

test('WAFT_ADMIN_TOKEN sets the admin token, and is never printed', async () => {
  const data = tempDir();
  const token = `waft_automation_${'t'.repeat(40)}`;
  const s = await startServerChild(['--data', data], { WAFT_ADMIN_TOKEN: token });
  await s.waitForLine(/WAFT_ADMIN_TOKEN/);
  assert.doesNotMatch(s.output(), new RegExp(token));
  assert.equal(await me(s.url, token), 200);
  const health = await request(`${s.url}/healthz`);
  assert.deepEqual(await health.body.json(), { status: 'ok', store: 'sqlite' });
  await s.stop();
});

test('bad flags and a bad WAFT_ADMIN_TOKEN are refused with a usage error', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(repoRoot, 'bin/waft.js'), 'server', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const domain = run(['--domain', 'not a domain']);
  assert.equal(domain.status, 2);
  assert.match(domain.stderr, /--domain/);
  const db = run(['--data', tempDir(), '--database', 'mysql://x@y/z']);
  assert.equal(db.status, 1);
  assert.match(db.stderr, /WAFT_E_DATABASE_URL_INVALID/);
  const weak = run(['--data', tempDir()], { WAFT_ADMIN_TOKEN: 'short' });
  assert.equal(weak.status, 1);
  assert.match(weak.stderr, /WAFT_E_ADMIN_TOKEN_INVALID/);
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--database URL/);
});
