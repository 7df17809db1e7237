// The dashboard in headless Chromium against a real `waft server`: sign in with a token, see a
// version deployed through the API, roll back with the button, follow the live log, read the
// usage charts, run the invoke console. Screenshots go to a temp dir (printed at the end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { chromium } from 'playwright-core';
import { Logger } from '../../src/host/logger.ts';
import { startServer } from '../../src/server/server.ts';
import { ApiClient } from '../../src/cli/client/api.ts';
import { collectBundle } from '../../src/cli/client/bundle.ts';
import { publishBundle } from '../../src/cli/client/upload.ts';
import { until, writeApp } from '../support/app.ts';
import { cGuest, clangMissing } from '../support/guests.ts';

const CHROMIUM = process.env.WAFT_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

function writeHelloApp(dir: string, greeting: string): void {
  writeApp({
    'reply.wasm': { copy: cGuest('wagi_reply')! },
    'echo.wasm': { copy: cGuest('wagi_echo')! },
    'waft.toml': `[app]
name = "hello"

[functions.hello]
source = "reply.wasm"
route = "/hello"
environment = { GREETING = "${greeting}" }

[functions.echo]
source = "echo.wasm"
route = "/echo"
`,
  }, dir);
}

test('dashboard: sign in, versions, deploy and rollback, live logs, usage charts, invoke', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set WAFT_CHROMIUM)`);
  const missing = clangMissing();
  if (missing) return t.skip(`${missing}: the deployed guests are C`);

  const root = mkdtempSync(join(tmpdir(), 'waft-dashboard-'));
  const shots = mkdtempSync(join(tmpdir(), 'waft-dashboard-shots-'));
  const adminToken = `waft_test_${randomBytes(24).toString('base64url')}`;
  const server = await startServer({
    dataDir: join(root, 'data'), host: '127.0.0.1', port: 0, domain: 'localhost',
    logger: new Logger('plain', new PassThrough().resume()), adminToken,
  });
  const api = new ApiClient(server.url, adminToken);
  const context = await chromium.launchPersistentContext(join(root, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 },
  });
  t.after(async () => {
    await context.close();
    await api.close();
    await server.stop(2000);
    rmSync(root, { recursive: true, force: true });
  });

  const page = context.pages()[0] ?? await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error' && !/status of 401/.test(msg.text())) problems.push(`console: ${msg.text()}`); });
  const shot = async (name: string) => {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  };

  await t.test('the root redirects to the dashboard, which asks for a token', async () => {
    await page.goto(`${server.url}/`);
    assert.match(page.url(), /\/dashboard\/$/);
    await page.getByRole('heading', { name: 'Sign in to waft' }).waitFor();
  });

  await t.test('a wrong token is refused with the server\'s code, message and hint', async () => {
    await page.getByLabel('API token').fill(`waft_${'B'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /the bearer token is not known to this server/);
    assert.match(text, /WAFT_E_AUTH_INVALID/);
    assert.match(text, /The token is malformed or unknown/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('waft.token')), null);
  });

  await t.test('signing in keeps the token in sessionStorage only', async () => {
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    await page.getByText('No apps yet').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('waft.token')), adminToken);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.match(await page.locator('#who').innerText(), /admin \(admin\)/);
  });

  const appDir = join(root, 'app');
  await t.test('a version deployed through the API is listed', async () => {
    writeHelloApp(appDir, 'hello one');
    const r = await publishBundle(api, 'hello', await collectBundle(appDir));
    assert.equal(r.version.number, 1);
    await page.reload();
    const link = page.getByRole('link', { name: 'hello', exact: true });
    await link.waitFor();
    assert.match(await page.getByRole('row', { name: /hello/ }).innerText(), /v1/);
    await link.click();
    await page.getByRole('heading', { name: 'hello', level: 1 }).waitFor();
    await page.locator('tr[data-version="1"] .badge', { hasText: 'active' }).waitFor();

    writeHelloApp(appDir, 'hello two');
    const r2 = await publishBundle(api, 'hello', await collectBundle(appDir));
    assert.equal(r2.version.number, 2);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('tr[data-version="2"] .badge', { hasText: 'active' }).waitFor();
    await page.getByRole('button', { name: 'Roll back to v1' }).waitFor();
    await shot('1-versions');
  });

  await t.test('the rollback button makes version 1 active, on the server too', async () => {
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.locator('tr[data-version="1"] .badge', { hasText: 'active' }).waitFor();
    await page.getByRole('status').getByText('Rolled back hello to version 1').waitFor();
    assert.equal((await api.app('hello')).activeVersion?.number, 1);
    assert.equal(await (await fetch(`${server.url}/apps/hello/hello`)).text(), 'hello one\n');
    // and the deploy button brings version 2 back
    await page.getByRole('button', { name: 'Deploy v2' }).click();
    await page.locator('tr[data-version="2"] .badge', { hasText: 'active' }).waitFor();
    assert.equal((await api.app('hello')).activeVersion?.number, 2);
    // the history shows all three switches, newest first
    const history = await page.locator('ol.history li').allInnerTexts();
    assert.match(history[0], /deployed to v2/);
    assert.match(history[1], /rolled back to v1/);
  });

  await t.test('the log follows new lines live', async () => {
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByText('live', { exact: true }).waitFor();
    const marker = `dash-${randomBytes(4).toString('hex')}`;
    for (const query of [marker, 'stderr']) {
      const res = await fetch(`${server.url}/apps/hello/hello?${query}`);
      assert.equal(res.status, 200);
      await res.text();
    }
    const log = page.getByRole('log');
    await log.getByText(`GET /hello?${marker} 200`, { exact: false }).waitFor();
    // a line the function wrote to stderr, attributed to its function and version
    const guest = log.locator('li', { hasText: 'first log line' });
    await guest.waitFor();
    assert.match(await guest.innerText(), /info\s+hello@v2\s+\S+\s+first log line/);
    await shot('2-logs');
  });

  await t.test('usage shows per-function charts of requests, errors and latency', async () => {
    for (let i = 0; i < 5; i++) await (await fetch(`${server.url}/apps/hello/hello`)).text();
    // usage is written in batches about once a second: wait until the API has it
    await until(async () => (await api.usage('hello', { from: '1h', bucket: '1m' })).total.count >= 6);
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: /^hello/, level: 2 }).waitFor();
    for (const what of ['requests', 'errors', 'latency']) {
      await page.getByRole('img', { name: `hello: ${what}` }).waitFor();
    }
    const bars = await page.locator('figure', { hasText: 'hello: requests' }).locator('rect.bar').count();
    assert.ok(bars >= 1, 'the requests chart draws at least one bar');
    const requests = Number(await page.locator('.totals div', { hasText: 'Requests' }).locator('dd').innerText());
    assert.ok(requests >= 6, `the totals count the requests (${requests})`);
    await shot('3-usage');
  });

  await t.test('the invoke console runs a function and shows its output', async () => {
    await page.getByRole('link', { name: 'Invoke' }).click();
    await page.getByLabel('Function', { exact: true }).selectOption('echo');
    await page.getByLabel('Body', { exact: true }).fill('echo <b>not html</b>');
    await page.getByRole('button', { name: 'Invoke' }).click();
    const body = page.locator('[data-testid="invoke-body"]');
    await body.waitFor();
    assert.equal(await body.innerText(), 'echo <b>not html</b>');
    assert.equal(await page.locator('.invoke-result b').count(), 0, 'output is shown as text, never as markup');
    await page.getByLabel('Function', { exact: true }).selectOption('hello');
    await page.getByLabel('Version', { exact: true }).selectOption('1');
    await page.getByRole('button', { name: 'Invoke' }).click();
    await page.locator('[data-testid="invoke-body"]', { hasText: 'hello one' }).waitFor();
    await shot('4-invoke');
  });

  await t.test('a revoked token ends the session with the server\'s reason', async () => {
    const me = await api.me();
    const { secret, token } = await api.createToken({ name: 'browser', scopes: ['apps:read'] });
    assert.notEqual(token.id, me.token.id);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // back on the page it was showing, now as the new token's user
    await page.getByRole('heading', { name: 'hello', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Apps', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    await api.revokeToken(token.id);
    await page.goto(`${server.url}/dashboard/#/apps/hello`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /was revoked[\s\S]*WAFT_E_AUTH_REVOKED/);
    await page.getByRole('heading', { name: 'Sign in to waft' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('waft.token')), null);
  });

  const last = await shot('5-signed-out');
  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
  t.diagnostic(`screenshots in ${shots} (last: ${last})`);
});
