// The server API suite. sqlite.test.ts and postgres.test.ts run it against each store: real
// HTTP (undici) to a real server, real guests built from test/guests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { appRoutes } from '../../../src/server/api/apps.ts';
import { invokeRoutes } from '../../../src/server/api/invoke.ts';
import { logRoutes } from '../../../src/server/api/logs.ts';
import { usageRoutes } from '../../../src/server/api/usage.ts';
import { identityRoutes } from '../../../src/server/api/identity.ts';
import { cGuest, clangMissing, watGuest } from '../../support/guests.ts';
import {
  ADMIN_TOKEN, call, file, hit, makeUser, sha256, startTestServer, uploadVersion, type Backend, type TestServer,
} from './harness.ts';

const skipC = clangMissing();

function manifest(name: string, fns: Record<string, { source: string; route: string; env?: Record<string, string>; extra?: string }>): string {
  let text = `[app]\nname = "${name}"\n`;
  for (const [fn, spec] of Object.entries(fns)) {
    text += `\n[functions.${fn}]\nsource = "${spec.source}"\nroute = "${spec.route}"\n`;
    if (spec.env) text += `environment = { ${Object.entries(spec.env).map(([k, v]) => `${k} = "${v}"`).join(', ')} }\n`;
    if (spec.extra) text += `${spec.extra}\n`;
  }
  return text;
}

/** Starts a server for a describe block; `t.skip`s the tests when the backend is missing. */
function serverFor(backend: Backend, options: Parameters<typeof startTestServer>[1] = {}) {
  const holder: { t: TestServer | null; skip: string | null } = { t: null, skip: null };
  before(async () => {
    const started = await startTestServer(backend, options);
    if (typeof started === 'string') holder.skip = started;
    else holder.t = started;
  });
  after(async () => { await holder.t?.stop(); });
  return holder;
}

async function waitForLog(t: TestServer, token: string, app: string, pred: (e: any) => boolean, query = ''): Promise<any[]> {
  // Logs are written in batches; flush rather than sleep.
  await t.server.ctx.accounting.flush();
  const r = await call(t.url, 'GET', `/api/v1/apps/${app}/logs${query}`, { token });
  assert.equal(r.status, 200, r.text);
  return r.body.entries.filter(pred);
}

export function apiSuite(backend: Backend): void {
  describe(`waft server API (${backend}): the whole lifecycle`, { skip: skipC ?? false }, () => {
    const h = serverFor(backend);

    test('admin creates a user; the user deploys, serves, invokes, reads logs and usage, redeploys, rolls back and deletes', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const info = await call(t.url, 'GET', '/api/v1/info');
      assert.equal(info.status, 200);
      assert.equal(info.body.store, backend);
      assert.equal(info.body.limits.maxBundleFiles, 1000);

      const alice = await makeUser(t.url, 'alice');
      const me = await call(t.url, 'GET', '/api/v1/me', { token: alice.token });
      assert.equal(me.body.user.name, 'alice');
      assert.equal(me.body.user.admin, false);
      assert.deepEqual(me.body.token.scopes, ['apps:write', 'deploy', 'logs:read', 'usage:read', 'tokens:write']);

      const created = await call(t.url, 'POST', '/api/v1/apps', { token: alice.token, body: { name: 'greeter' } });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.app.activeVersion, null);
      assert.equal(created.body.app.urls.host, `http://greeter.localhost:${t.port}/`);

      // Before any deploy the app answers 404 with its own code.
      const early = await hit(t, 'greeter', '/hi');
      assert.equal(early.status, 404);
      assert.match(early.text, /WAFT_E_APP_NOT_DEPLOYED/);

      const env = cGuest('wagi_env')!;
      const v1 = await uploadVersion(t.url, alice.token, 'greeter', manifest('greeter', { hi: { source: 'bin/env.wasm', route: '/hi', env: { WHO: 'v1' } } }), [file('bin/env.wasm', env)]);
      assert.equal(v1.status, 201, v1.text);
      assert.equal(v1.body.version.number, 1);
      assert.equal(v1.body.version.active, false);
      assert.deepEqual(v1.body.version.functions, [{ name: 'hi', routes: ['/hi'] }]);
      assert.ok(existsSync(join(t.dataDir, 'versions', v1.body.version.id, 'bin', 'env.wasm')));

      const dep1 = await call(t.url, 'POST', '/api/v1/apps/greeter/deployments', { token: alice.token, body: { version: 1 } });
      assert.equal(dep1.status, 201, dep1.text);
      assert.equal(dep1.body.deployment.kind, 'deploy');
      assert.equal(dep1.body.app.activeVersion.number, 1);

      const byHost = await hit(t, 'greeter', '/hi?x=1');
      assert.equal(byHost.status, 200);
      assert.match(byHost.text, /^WHO=v1$/m);
      const byPath = await hit(t, 'greeter', '/hi?x=1', 'path');
      assert.equal(byPath.status, 200);
      assert.match(byPath.text, /^WHO=v1$/m);
      // The function sees the same request either way: the /apps/<app> prefix is not part of it.
      assert.match(byPath.text, /^argv\[0\]=\/hi$/m);
      assert.match(byPath.text, /^SCRIPT_NAME=\/hi$/m);
      // Path-based pages share the dashboard's origin, so they get an opaque one.
      assert.match(String(byPath.headers['content-security-policy']), /^sandbox /);
      assert.equal(byHost.headers['content-security-policy'], undefined);

      const invoked = await call(t.url, 'POST', '/api/v1/apps/greeter/invoke', {
        token: alice.token, body: { function: 'hi', method: 'POST', headers: { 'x-probe': 'yes' }, body: 'payload' },
      });
      assert.equal(invoked.status, 200, invoked.text);
      assert.equal(invoked.body.status, 200);
      assert.equal(invoked.body.function, 'hi');
      assert.equal(invoked.body.version, 1);
      assert.equal(invoked.body.bodyEncoding, 'utf8');
      assert.match(invoked.body.body, /^HTTP_X_PROBE=yes$/m);
      assert.match(invoked.body.body, /^REQUEST_METHOD=POST$/m);
      assert.match(invoked.body.body, /^CONTENT_LENGTH=7$/m);
      assert.equal(invoked.body.error, null);
      assert.ok(invoked.body.usage.wallMs > 0);
      assert.equal(invoked.body.usage.bytesIn, 7);
      assert.ok(invoked.body.usage.bytesOut > 0);

      const v2 = await uploadVersion(t.url, alice.token, 'greeter', manifest('greeter', { hi: { source: 'env.wasm', route: '/hi', env: { WHO: 'v2' } } }), [file('env.wasm', env)]);
      assert.equal(v2.status, 201, v2.text);
      // Invoking a version that is not deployed.
      const tryV2 = await call(t.url, 'POST', '/api/v1/apps/greeter/invoke', { token: alice.token, body: { path: '/hi', version: 2 } });
      assert.match(tryV2.body.body, /^WHO=v2$/m);
      assert.match((await hit(t, 'greeter', '/hi')).text, /^WHO=v1$/m);

      const dep2 = await call(t.url, 'POST', '/api/v1/apps/greeter/deployments', { token: alice.token, body: { version: v2.body.version.id } });
      assert.equal(dep2.status, 201, dep2.text);
      assert.match((await hit(t, 'greeter', '/hi')).text, /^WHO=v2$/m);

      const back = await call(t.url, 'POST', '/api/v1/apps/greeter/rollback', { token: alice.token });
      assert.equal(back.status, 201, back.text);
      assert.equal(back.body.deployment.kind, 'rollback');
      assert.equal(back.body.deployment.version, 1);
      assert.match((await hit(t, 'greeter', '/hi')).text, /^WHO=v1$/m);
      const forward = await call(t.url, 'POST', '/api/v1/apps/greeter/deployments', { token: alice.token, body: { version: '2' } });
      assert.equal(forward.body.deployment.kind, 'deploy');
      const explicit = await call(t.url, 'POST', '/api/v1/apps/greeter/rollback', { token: alice.token, body: { version: 1 } });
      assert.equal(explicit.status, 201);
      assert.match((await hit(t, 'greeter', '/hi')).text, /^WHO=v1$/m);

      const deployments = await call(t.url, 'GET', '/api/v1/apps/greeter/deployments', { token: alice.token });
      assert.deepEqual(deployments.body.deployments.map((d: any) => [d.version, d.kind]), [[1, 'rollback'], [2, 'deploy'], [1, 'rollback'], [2, 'deploy'], [1, 'deploy']]);
      const versions = await call(t.url, 'GET', '/api/v1/apps/greeter/versions', { token: alice.token });
      assert.deepEqual(versions.body.versions.map((v: any) => [v.number, v.active]), [[2, false], [1, true]]);
      assert.equal(versions.body.versions[0].manifest, undefined);
      const one = await call(t.url, 'GET', '/api/v1/apps/greeter/versions/2', { token: alice.token });
      assert.match(one.body.version.manifest, /WHO = "v2"/);
      assert.deepEqual(Object.keys(one.body.version.files), ['env.wasm']);

      // Logs: request lines, guest lines and system lines, attributed.
      const requests = await waitForLog(t, alice.token, 'greeter', (e) => e.source === 'request');
      assert.ok(requests.length >= 6, JSON.stringify(requests));
      const invokedLine = requests.find((e) => e.requestId === invoked.body.requestId);
      assert.ok(invokedLine, 'the invocation has a request line');
      assert.equal(invokedLine.function, 'hi');
      assert.equal(invokedLine.version, 1);
      assert.match(invokedLine.message, /^POST \/hi 200 in /);
      const system = await waitForLog(t, alice.token, 'greeter', (e) => e.source === 'system');
      assert.ok(system.some((e) => /Rolled back to version 1 by alice/.test(e.message)));
      const filtered = await call(t.url, 'GET', `/api/v1/apps/greeter/logs?requestId=${invoked.body.requestId}`, { token: alice.token });
      assert.ok(filtered.body.entries.length >= 1);
      assert.ok(filtered.body.entries.every((e: any) => e.requestId === invoked.body.requestId));
      const v2only = await call(t.url, 'GET', '/api/v1/apps/greeter/logs?version=2&source=request', { token: alice.token });
      assert.ok(v2only.body.entries.length >= 1);
      assert.ok(v2only.body.entries.every((e: any) => e.version === 2 && e.source === 'request'));
      const paged = await call(t.url, 'GET', '/api/v1/apps/greeter/logs?after=0&limit=2', { token: alice.token });
      assert.equal(paged.body.entries.length, 2);
      const next = await call(t.url, 'GET', `/api/v1/apps/greeter/logs?after=${paged.body.lastId}&limit=2`, { token: alice.token });
      assert.ok(next.body.entries[0].id > paged.body.lastId);

      // Usage: every invocation, per function and bucket.
      await t.server.ctx.accounting.flush();
      const usage = await call(t.url, 'GET', '/api/v1/apps/greeter/usage?from=1h&bucket=1m', { token: alice.token });
      assert.equal(usage.status, 200, usage.text);
      assert.equal(usage.body.bucketMs, 60_000);
      assert.equal(usage.body.functions.length, 1);
      assert.equal(usage.body.functions[0].function, 'hi');
      assert.equal(usage.body.total.count, requests.filter((e) => e.function === 'hi').length);
      assert.equal(usage.body.total.errors, 0);
      assert.ok(usage.body.total.bytesIn >= 7);
      assert.ok(usage.body.total.cpuMsSum > 0 && usage.body.total.peakMemoryMax > 0);

      // Delete: the app stops answering, its name is free, its files are gone.
      const del = await call(t.url, 'DELETE', '/api/v1/apps/greeter', { token: alice.token });
      assert.deepEqual(del.body, { deleted: true });
      const gone = await hit(t, 'greeter', '/hi');
      assert.equal(gone.status, 404);
      assert.match(gone.text, /WAFT_E_APP_NOT_FOUND/);
      assert.equal((await call(t.url, 'GET', '/api/v1/apps/greeter', { token: alice.token })).status, 404);
      assert.ok(!existsSync(join(t.dataDir, 'versions', v1.body.version.id)));
      assert.equal((await call(t.url, 'POST', '/api/v1/apps', { token: alice.token, body: { name: 'greeter' } })).status, 201);
    });

    test('a deploy switches traffic atomically: a request in flight finishes on its version, the next gets the new one', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const user = await makeUser(t.url, 'flight');
      await call(t.url, 'POST', '/api/v1/apps', { token: user.token, body: { name: 'flight' } });
      const v1 = await uploadVersion(t.url, user.token, 'flight', manifest('flight', { io: { source: 'echo.wasm', route: '/io' } }), [file('echo.wasm', cGuest('wagi_echo')!)]);
      const v2 = await uploadVersion(t.url, user.token, 'flight', manifest('flight', { io: { source: 'env.wasm', route: '/io', env: { WHO: 'v2' } } }), [file('env.wasm', cGuest('wagi_env')!)]);
      assert.equal(v1.status, 201);
      assert.equal(v2.status, 201);
      await call(t.url, 'POST', '/api/v1/apps/flight/deployments', { token: user.token, body: { version: 1 } });

      // A request whose body is still arriving is in flight on version 1 until we end it.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      async function* slowBody() {
        yield Buffer.from('first half, ');
        await gate;
        yield Buffer.from('second half');
      }
      const pending = request(`${t.url}/io`, { method: 'POST', headers: { host: `flight.localhost:${t.port}` }, body: Readable.from(slowBody()) });
      while (t.server.ctx.gateway.inFlight === 0) await new Promise((r) => setImmediate(r));

      const deployed = await call(t.url, 'POST', '/api/v1/apps/flight/deployments', { token: user.token, body: { version: 2 } });
      assert.equal(deployed.status, 201);
      assert.equal(t.server.ctx.gateway.inFlight, 1, 'the old request is still in flight after the switch');
      const after = await hit(t, 'flight', '/io', 'host', { method: 'POST', body: 'x' });
      assert.match(after.text, /^WHO=v2$/m, 'a request that starts after the switch runs version 2');

      release();
      const old = await pending;
      assert.equal(await old.body.text(), 'first half, second half', 'the request in flight finished on version 1 (the echo)');

      // Binary in, binary out, through invoke, on the version that is no longer deployed.
      const bytes = Buffer.from([0, 255, 1, 2, 0xc3, 0x28]);
      const echoed = await call(t.url, 'POST', '/api/v1/apps/flight/invoke', {
        token: user.token, body: { path: '/io', version: 1, body: bytes.toString('base64'), bodyEncoding: 'base64' },
      });
      assert.equal(echoed.status, 200, echoed.text);
      assert.equal(echoed.body.version, 1);
      assert.equal(echoed.body.bodyEncoding, 'base64');
      assert.deepEqual(Buffer.from(echoed.body.body, 'base64'), bytes);
      const badB64 = await call(t.url, 'POST', '/api/v1/apps/flight/invoke', { token: user.token, body: { body: '@@@', bodyEncoding: 'base64' } });
      assert.equal(badB64.status, 400);
      assert.equal(badB64.body.error.details.field, 'body.body');
      const noFn = await call(t.url, 'POST', '/api/v1/apps/flight/invoke', { token: user.token, body: { function: 'nope' } });
      assert.equal(noFn.status, 404);
      assert.equal(noFn.body.error.code, 'WAFT_E_FUNCTION_NOT_FOUND');
      const mismatch = await call(t.url, 'POST', '/api/v1/apps/flight/invoke', { token: user.token, body: { function: 'io', path: '/elsewhere' } });
      assert.equal(mismatch.status, 200, 'a path no route matches runs nothing and says so');
      assert.equal(mismatch.body.status, 404);
      assert.equal(mismatch.body.error.code, 'WAFT_E_ROUTE_NOT_FOUND');
      assert.equal(mismatch.body.usage, null);
    });

    test('key-value data belongs to the app: it outlives versions and no other app sees it', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const u = await makeUser(t.url, 'counter');
      const counter = cGuest('cap_counter')!;
      const kv = (app: string, who: string) => manifest(app, { count: { source: 'c.wasm', route: '/count', env: { WHO: who }, extra: 'key_value_stores = ["default"]' } });
      for (const app of ['count-a', 'count-b']) {
        await call(t.url, 'POST', '/api/v1/apps', { token: u.token, body: { name: app } });
        const v = await uploadVersion(t.url, u.token, app, kv(app, 'v1'), [file('c.wasm', counter)]);
        assert.equal(v.status, 201, v.text);
        await call(t.url, 'POST', `/api/v1/apps/${app}/deployments`, { token: u.token, body: { version: 1 } });
      }
      assert.equal((await hit(t, 'count-a', '/count')).text, 'hits 1\n');
      assert.equal((await hit(t, 'count-a', '/count')).text, 'hits 2\n');
      const v2 = await uploadVersion(t.url, u.token, 'count-a', kv('count-a', 'v2'), [file('c.wasm', counter)]);
      await call(t.url, 'POST', '/api/v1/apps/count-a/deployments', { token: u.token, body: { version: v2.body.version.number } });
      assert.equal((await hit(t, 'count-a', '/count')).text, 'hits 3\n', 'version 2 sees what version 1 stored');
      assert.equal((await hit(t, 'count-b', '/count')).text, 'hits 1\n', 'another app has its own store');

      // What the server cannot provide is refused at upload, at the line that asks for it.
      const store = await uploadVersion(t.url, u.token, 'count-a', manifest('count-a', { count: { source: 'c.wasm', route: '/count', extra: 'key_value_stores = ["cache"]' } }), [file('c.wasm', counter)]);
      assert.equal(store.status, 422);
      assert.equal(store.body.error.code, 'WAFT_E_MANIFEST_STORE');
      assert.match(store.body.error.message, /^waft\.toml:\d+:\d+: function "count" uses key-value store "cache"/);
      const required = await uploadVersion(t.url, u.token, 'count-a', `${manifest('count-a', { count: { source: 'c.wasm', route: '/count' } })}\n[variables]\napi_key = { required = true }\n`, [file('c.wasm', counter)]);
      assert.equal(required.status, 422, required.text);
      assert.equal(required.body.error.code, 'WAFT_E_VARIABLE_MISSING');
    });

    test('tokens: create with scopes and expiry, list, revoke; expired and revoked tokens are refused', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const carol = await makeUser(t.url, 'carol');
      const ci = await call(t.url, 'POST', '/api/v1/tokens', { token: carol.token, body: { name: 'ci', scopes: ['apps:read', 'deploy'], expiresIn: '30d' } });
      assert.equal(ci.status, 201, ci.text);
      assert.match(ci.body.secret, /^waft_/);
      assert.ok(ci.body.token.expiresAt > Date.now() + 29 * 86_400_000);
      assert.equal(ci.body.token.secret, undefined);

      // Scopes are enforced.
      const denied = await call(t.url, 'POST', '/api/v1/apps', { token: ci.body.secret, body: { name: 'carol-app' } });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'WAFT_E_SCOPE_MISSING');
      assert.equal(denied.body.error.details.scope, 'apps:write');
      assert.equal((await call(t.url, 'GET', '/api/v1/apps', { token: ci.body.secret })).status, 200);
      assert.equal((await call(t.url, 'GET', '/api/v1/tokens', { token: ci.body.secret })).status, 403);

      // No escalation: a token cannot grant what it does not hold; a non-admin gets no admin scope.
      const limited = await call(t.url, 'POST', '/api/v1/tokens', { token: carol.token, body: { name: 'limited', scopes: ['tokens:write', 'logs:read'] } });
      const escalate = await call(t.url, 'POST', '/api/v1/tokens', { token: limited.body.secret, body: { name: 'x', scopes: ['deploy'] } });
      assert.equal(escalate.status, 403);
      assert.equal(escalate.body.error.code, 'WAFT_E_SCOPE_MISSING');
      const admin = await call(t.url, 'POST', '/api/v1/tokens', { token: carol.token, body: { name: 'x', scopes: ['admin'] } });
      assert.equal(admin.status, 403);
      assert.equal((await call(t.url, 'GET', '/api/v1/users', { token: carol.token })).status, 403);

      // Expiry: a token that expires in 1ms is refused once that moment has passed.
      const brief = await call(t.url, 'POST', '/api/v1/tokens', { token: carol.token, body: { name: 'brief', scopes: ['apps:read'], expiresIn: '1ms' } });
      assert.equal(brief.status, 201, brief.text);
      while (Date.now() <= brief.body.token.expiresAt) await new Promise((r) => setImmediate(r));
      const expired = await call(t.url, 'GET', '/api/v1/apps', { token: brief.body.secret });
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error.code, 'WAFT_E_AUTH_EXPIRED');
      assert.equal(expired.headers['www-authenticate'], 'Bearer realm="waft"');
      const past = await call(t.url, 'POST', '/api/v1/tokens', { token: carol.token, body: { name: 'past', scopes: ['apps:read'], expiresAt: Date.now() - 1000 } });
      assert.equal(past.status, 400);
      assert.equal(past.body.error.details.field, 'body.expiresAt');

      // Revocation.
      const list = await call(t.url, 'GET', '/api/v1/tokens', { token: carol.token });
      assert.deepEqual(list.body.tokens.map((x: any) => x.name), ['initial', 'ci', 'limited', 'brief']);
      const revoked = await call(t.url, 'DELETE', `/api/v1/tokens/${ci.body.token.id}`, { token: carol.token });
      assert.equal(revoked.status, 200, revoked.text);
      assert.ok(revoked.body.token.revokedAt > 0);
      const refused = await call(t.url, 'GET', '/api/v1/apps', { token: ci.body.secret });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error.code, 'WAFT_E_AUTH_REVOKED');
      assert.doesNotMatch(refused.text, new RegExp(ci.body.secret));
      const again = await call(t.url, 'DELETE', `/api/v1/tokens/${ci.body.token.id}`, { token: carol.token });
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'WAFT_E_TOKEN_NOT_FOUND');
      // A token may revoke itself, and is refused right after.
      const self = await call(t.url, 'DELETE', `/api/v1/tokens/${limited.body.token.id}`, { token: limited.body.secret });
      assert.equal(self.status, 200);
      assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: limited.body.secret })).status, 401);

      // Missing and malformed credentials.
      const none = await call(t.url, 'GET', '/api/v1/apps');
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, 'WAFT_E_AUTH_MISSING');
      const basic = await call(t.url, 'GET', '/api/v1/apps', { headers: { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' } });
      assert.equal(basic.body.error.code, 'WAFT_E_AUTH_INVALID');
      const unknown = await call(t.url, 'GET', '/api/v1/apps', { token: `waft_${'z'.repeat(43)}` });
      assert.equal(unknown.body.error.code, 'WAFT_E_AUTH_INVALID');
    });

    test('admins manage users: list, get, mint a token for a user; names are checked', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const dave = await makeUser(t.url, 'dave', { scopes: ['apps:read'] });
      const users = await call(t.url, 'GET', '/api/v1/users', { token: ADMIN_TOKEN });
      assert.ok(users.body.users.some((u: any) => u.name === 'admin' && u.admin));
      assert.equal((await call(t.url, 'GET', '/api/v1/users/dave', { token: ADMIN_TOKEN })).body.user.id, dave.id);
      assert.equal((await call(t.url, 'GET', `/api/v1/users/${dave.id}`, { token: ADMIN_TOKEN })).body.user.name, 'dave');
      assert.equal((await call(t.url, 'GET', '/api/v1/users/nobody', { token: ADMIN_TOKEN })).body.error.code, 'WAFT_E_USER_NOT_FOUND');
      const minted = await call(t.url, 'POST', '/api/v1/users/dave/tokens', { token: ADMIN_TOKEN, body: { name: 'recovery', scopes: ['apps:write'] } });
      assert.equal(minted.status, 201);
      assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: minted.body.secret })).body.user.name, 'dave');
      const adminForDave = await call(t.url, 'POST', '/api/v1/users/dave/tokens', { token: ADMIN_TOKEN, body: { name: 'x', scopes: ['admin'] } });
      assert.equal(adminForDave.body.error.code, 'WAFT_E_SCOPE_INVALID');
      const dup = await call(t.url, 'POST', '/api/v1/users', { token: ADMIN_TOKEN, body: { name: 'dave' } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, 'WAFT_E_USER_EXISTS');
      const bad = await call(t.url, 'POST', '/api/v1/users', { token: ADMIN_TOKEN, body: { name: 'Dave Smith' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.field, 'body.name');
      const newAdmin = await call(t.url, 'POST', '/api/v1/users', { token: ADMIN_TOKEN, body: { name: 'ops', admin: true } });
      assert.ok(newAdmin.body.token.scopes.includes('admin'));
    });
  });

  describe(`waft server API (${backend}): tenant isolation`, { skip: skipC ?? false }, () => {
    const h = serverFor(backend);
    const state: { alice: { token: string; id: string }; bob: { token: string; id: string }; blob: string; aliceTokenId: string } = {} as never;

    before(async () => {
      if (!h.t) return;
      const t = h.t;
      state.alice = await makeUser(t.url, 'alice');
      state.bob = await makeUser(t.url, 'bob');
      await call(t.url, 'POST', '/api/v1/apps', { token: state.alice.token, body: { name: 'secret-app' } });
      await call(t.url, 'POST', '/api/v1/apps', { token: state.bob.token, body: { name: 'bob-app' } });
      const env = cGuest('wagi_env')!;
      const v = await uploadVersion(t.url, state.alice.token, 'secret-app', manifest('secret-app', { s: { source: 'env.wasm', route: '/s', env: { SECRET: 'alice-only' } } }), [file('env.wasm', env)]);
      assert.equal(v.status, 201, v.text);
      await call(t.url, 'POST', '/api/v1/apps/secret-app/deployments', { token: state.alice.token, body: { version: 1 } });
      await hit(t, 'secret-app', '/s');
      state.blob = sha256(new Uint8Array((await import('node:fs')).readFileSync(env)));
      state.aliceTokenId = (await call(t.url, 'GET', '/api/v1/me', { token: state.alice.token })).body.token.id;
      await t.server.ctx.accounting.flush();
    });

    const appScoped = [...appRoutes, ...invokeRoutes, ...logRoutes, ...usageRoutes].filter((r) => r.pattern.includes(':app'));

    test('every endpoint that names an app answers another user exactly as for an app that does not exist', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      assert.ok(appScoped.length >= 12, 'the route table is where the endpoints come from');
      const fill = (pattern: string, app: string) => pattern.replace(':app', app).replace(':sha256', state.blob).replace(':version', '1');
      const bodies: Record<string, unknown> = {
        'POST /api/v1/apps/:app/versions': { manifest: '[app]\nname = "x"\n', files: { 'env.wasm': { sha256: state.blob, size: 1 } } },
        'POST /api/v1/apps/:app/deployments': { version: 1 },
        'POST /api/v1/apps/:app/rollback': { version: 1 },
        'POST /api/v1/apps/:app/invoke': { path: '/s' },
      };
      for (const route of appScoped) {
        const key = `${route.method} ${route.pattern}`;
        const body = route.method === 'PUT' ? new Uint8Array([1, 2, 3]) : bodies[key];
        const theirs = await call(t.url, route.method, fill(route.pattern, 'secret-app'), { token: state.bob.token, body });
        const nobody = await call(t.url, route.method, fill(route.pattern, 'no-such-app'), { token: state.bob.token, body });
        assert.equal(theirs.status, 404, `${key} as bob on alice's app: ${theirs.text}`);
        assert.equal(theirs.status, nobody.status, key);
        if (route.method === 'HEAD') {
          assert.equal(theirs.headers['x-waft-error'], 'WAFT_E_APP_NOT_FOUND', key);
          continue;
        }
        assert.equal(theirs.body.error.code, 'WAFT_E_APP_NOT_FOUND', key);
        assert.equal(theirs.body.error.message.replace('secret-app', 'X'), nobody.body.error.message.replace('no-such-app', 'X'), key);
        assert.doesNotMatch(theirs.text, /alice-only|usr_|ver_|app_/, `${key} leaks nothing`);
      }
      // Nothing bob did changed alice's app.
      const still = await hit(t, 'secret-app', '/s');
      assert.match(still.text, /SECRET=alice-only/);
      const versions = await call(t.url, 'GET', '/api/v1/apps/secret-app/versions', { token: state.alice.token });
      assert.equal(versions.body.versions.length, 1);
      const deployments = await call(t.url, 'GET', '/api/v1/apps/secret-app/deployments', { token: state.alice.token });
      assert.equal(deployments.body.deployments.length, 1);
    });

    test('lists, logs and usage show only the caller\'s own', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const bobApps = await call(t.url, 'GET', '/api/v1/apps', { token: state.bob.token });
      assert.deepEqual(bobApps.body.apps.map((a: any) => a.name), ['bob-app']);
      const bobLogs = await call(t.url, 'GET', '/api/v1/apps/bob-app/logs', { token: state.bob.token });
      assert.deepEqual(bobLogs.body.entries, []);
      const bobUsage = await call(t.url, 'GET', '/api/v1/apps/bob-app/usage', { token: state.bob.token });
      assert.equal(bobUsage.body.total.count, 0);
      const aliceLogs = await call(t.url, 'GET', '/api/v1/apps/secret-app/logs', { token: state.alice.token });
      assert.ok(aliceLogs.body.entries.length > 0);
      // Admins manage users, not other users' apps.
      const asAdmin = await call(t.url, 'GET', '/api/v1/apps/secret-app/logs', { token: ADMIN_TOKEN });
      assert.equal(asAdmin.status, 404);
      assert.deepEqual((await call(t.url, 'GET', '/api/v1/apps', { token: ADMIN_TOKEN })).body.apps, []);
    });

    test('a blob another user uploaded cannot be used, or even seen, without uploading it', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const head = await request(`${t.url}/api/v1/apps/bob-app/blobs/${state.blob}`, { method: 'HEAD', headers: { authorization: `Bearer ${state.bob.token}` } });
      await head.body.dump();
      assert.equal(head.statusCode, 404);
      const mine = await request(`${t.url}/api/v1/apps/secret-app/blobs/${state.blob}`, { method: 'HEAD', headers: { authorization: `Bearer ${state.alice.token}` } });
      await mine.body.dump();
      assert.equal(mine.statusCode, 200);
      const size = Number(mine.headers['content-length']);
      const steal = await call(t.url, 'POST', '/api/v1/apps/bob-app/versions', {
        token: state.bob.token, body: { manifest: manifest('bob-app', { s: { source: 'env.wasm', route: '/s' } }), files: { 'env.wasm': { sha256: state.blob, size } } },
      });
      assert.equal(steal.status, 422);
      assert.equal(steal.body.error.code, 'WAFT_E_BLOB_MISSING');
      assert.equal(steal.body.error.details.missing[0].path, 'env.wasm');
    });

    test('tokens and users: another user\'s token cannot be revoked or listed', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const r = await call(t.url, 'DELETE', `/api/v1/tokens/${state.aliceTokenId}`, { token: state.bob.token });
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, 'WAFT_E_TOKEN_NOT_FOUND');
      assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: state.alice.token })).status, 200);
      const list = await call(t.url, 'GET', '/api/v1/tokens', { token: state.bob.token });
      assert.ok(list.body.tokens.every((x: any) => x.userId === state.bob.id));
      for (const route of identityRoutes.filter((x) => x.scope === 'admin')) {
        const res = await call(t.url, route.method, route.pattern.replace(':user', 'alice'), { token: state.bob.token, body: route.method === 'POST' ? { name: 'x', scopes: ['apps:read'] } : undefined });
        assert.equal(res.status, 403, `${route.method} ${route.pattern}`);
      }
    });

    test('metrics need the admin scope', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      assert.equal((await call(t.url, 'GET', '/metrics')).status, 401);
      assert.equal((await call(t.url, 'GET', '/metrics', { token: state.bob.token })).status, 403);
      const m = await call(t.url, 'GET', '/metrics', { token: ADMIN_TOKEN });
      assert.equal(m.status, 200);
      assert.match(m.text, /^waft_requests_total\{app="secret-app",function="s",status="200",outcome="ok"\} \d+$/m);
      assert.match(m.text, /^waft_request_duration_seconds_bucket\{app="secret-app",function="s",le="\+Inf"\} \d+$/m);
      assert.match(m.text, /^waft_apps_deployed 1$/m);
      assert.match(m.text, /^waft_api_requests_total\{method="GET",route="\/api\/v1\/apps",status="200"\} \d+$/m);
      const health = await call(t.url, 'GET', '/healthz');
      assert.deepEqual(health.body, { status: 'ok', store: backend });
    });
  });

  describe(`waft server API (${backend}): malformed and oversized input`, { skip: skipC ?? false }, () => {
    const h = serverFor(backend, { limits: { maxBundleBytes: 512 * 1024, maxBundleFiles: 5 } });
    let user: { token: string; id: string };
    let hello: Uint8Array;
    let helloSha: string;

    before(async () => {
      if (!h.t) return;
      user = await makeUser(h.t.url, 'mallory');
      await call(h.t.url, 'POST', '/api/v1/apps', { token: user.token, body: { name: 'target' } });
      hello = new Uint8Array((await import('node:fs')).readFileSync(cGuest('wagi_reply')!));
      helloSha = sha256(hello);
      const put = await call(h.t.url, 'PUT', `/api/v1/apps/target/blobs/${helloSha}`, { token: user.token, body: hello });
      assert.equal(put.status, 201);
    });

    const good = () => manifest('target', { hi: { source: 'hi.wasm', route: '/hi' } });
    const version = (body: unknown) => call(h.t!.url, 'POST', '/api/v1/apps/target/versions', { token: user.token, body });
    const files = (extra: Record<string, { sha256: string; size: number }> = {}) => ({ 'hi.wasm': { sha256: helloSha, size: hello.byteLength }, ...extra });

    async function assertNothingStored() {
      const t = h.t!;
      const list = await call(t.url, 'GET', '/api/v1/apps/target/versions', { token: user.token });
      assert.deepEqual(list.body.versions, [], 'no version was stored');
      assert.deepEqual(readdirSync(join(t.dataDir, 'staging')), [], 'no staging directory is left behind');
    }

    test('path escapes and bad names in the file list are refused, naming the file', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const cases: [string, RegExp][] = [
        ['../escape.wasm', /"\.\." segment/],
        ['/etc/passwd', /must be relative/],
        ['a\\b.wasm', /must be relative/],
        ['a/./b', /"\." or "\.\." segment/],
        ['a//b', /empty/],
        ['bad\u0001name', /control character/],
        [`${'x'.repeat(256)}.wasm`, /segment is 261 bytes/],
        [`${'d/'.repeat(520)}f`, /at most 1024/],
        ['waft.toml', /sent as "manifest"/],
      ];
      for (const [path, why] of cases) {
        const r = await version({ manifest: good(), files: files({ [path]: { sha256: helloSha, size: hello.byteLength } }) });
        assert.equal(r.status, 400, `${JSON.stringify(path)}: ${r.text}`);
        assert.equal(r.body.error.code, 'WAFT_E_BUNDLE_INVALID', path);
        assert.match(r.body.error.message, why, path);
      }
      const both = await version({ manifest: good(), files: files({ lib: { sha256: helloSha, size: hello.byteLength }, 'lib/x': { sha256: helloSha, size: hello.byteLength } }) });
      assert.equal(both.body.error.code, 'WAFT_E_BUNDLE_INVALID');
      assert.match(both.body.error.message, /is a file, and also a directory/);
      const badSha = await version({ manifest: good(), files: { 'hi.wasm': { sha256: 'ABC', size: 1 } } });
      assert.equal(badSha.status, 400);
      assert.equal(badSha.body.error.details.field, 'body.files["hi.wasm"].sha256');
      await assertNothingStored();
    });

    test('too many files, too many bytes, too large a body or blob: 413 before anything is kept', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const many: Record<string, { sha256: string; size: number }> = {};
      for (let i = 0; i < 6; i++) many[`f${i}`] = { sha256: helloSha, size: hello.byteLength };
      const tooMany = await version({ manifest: good(), files: many });
      assert.equal(tooMany.status, 413);
      assert.equal(tooMany.body.error.code, 'WAFT_E_BUNDLE_TOO_LARGE');
      assert.match(tooMany.body.error.message, /6 files; this server takes at most 5/);
      const tooBig = await version({ manifest: good(), files: files({ big: { sha256: helloSha, size: 600 * 1024 } }) });
      assert.equal(tooBig.status, 413);
      assert.match(tooBig.body.error.message, /at most 524288/);

      // A declared Content-Length over the limit is refused before reading; a chunked body as soon as it passes.
      const big = new Uint8Array(600 * 1024).fill(7);
      const declared = await call(t.url, 'PUT', `/api/v1/apps/target/blobs/${sha256(big)}`, { token: user.token, body: big });
      assert.equal(declared.status, 413);
      assert.equal(declared.body.error.code, 'WAFT_E_BUNDLE_TOO_LARGE');
      async function* chunks() {
        for (let i = 0; i < 10; i++) yield big.subarray(i * 61440, (i + 1) * 61440);
      }
      const streamed = await request(`${t.url}/api/v1/apps/target/blobs/${sha256(big)}`, { method: 'PUT', headers: { authorization: `Bearer ${user.token}` }, body: Readable.from(chunks()) })
        .then(async (r) => ({ status: r.statusCode, body: await r.body.json() as any }), (err: Error) => ({ status: 0, body: err.message }));
      assert.equal(streamed.status, 413, JSON.stringify(streamed.body));
      assert.equal(streamed.body.error.code, 'WAFT_E_BUNDLE_TOO_LARGE');
      assert.equal(await t.server.ctx.blobs.has(sha256(big)), false, 'nothing of the oversized blob is kept');
      assert.deepEqual(readdirSync(join(t.server.ctx.blobs.dir, 'tmp')), [], 'no temp file is left');

      const hugeJson = await call(t.url, 'POST', '/api/v1/apps', { token: user.token, body: { name: 'x'.repeat(70 * 1024) } });
      assert.equal(hugeJson.status, 413);
      assert.equal(hugeJson.body.error.code, 'WAFT_E_REQUEST_TOO_LARGE');
      await assertNothingStored();
    });

    test('a blob whose bytes do not match its name is refused and not kept', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const wrong = 'ab'.repeat(32);
      const r = await call(t.url, 'PUT', `/api/v1/apps/target/blobs/${wrong}`, { token: user.token, body: new Uint8Array([1, 2, 3]) });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'WAFT_E_BLOB_HASH_MISMATCH');
      assert.equal(await t.server.ctx.blobs.has(wrong), false);
      const badName = await call(t.url, 'PUT', '/api/v1/apps/target/blobs/not-a-hash', { token: user.token, body: new Uint8Array([1]) });
      assert.equal(badName.body.error.code, 'WAFT_E_BLOB_HASH_INVALID');
    });

    test('bad requests get a 4xx naming what is wrong: JSON, media type, unknown keys, methods, paths', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const syntax = await call(t.url, 'POST', '/api/v1/apps', { token: user.token, body: '{"name": ', headers: { 'content-type': 'application/json' } });
      assert.equal(syntax.status, 400);
      assert.match(syntax.body.error.message, /^body: is not valid JSON/);
      const type = await call(t.url, 'POST', '/api/v1/apps', { token: user.token, body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(type.status, 415);
      assert.equal(type.body.error.code, 'WAFT_E_UNSUPPORTED_MEDIA_TYPE');
      const extra = await call(t.url, 'POST', '/api/v1/apps', { token: user.token, body: { name: 'ok-name', nmae: 'typo' } });
      assert.equal(extra.status, 400);
      assert.equal(extra.body.error.details.field, 'body.nmae');
      const typed = await call(t.url, 'POST', '/api/v1/tokens', { token: user.token, body: { name: 'x', scopes: ['apps:read', 'apps:delete'] } });
      assert.equal(typed.body.error.details.field, 'body.scopes[1]');
      const appName = await call(t.url, 'POST', '/api/v1/apps', { token: user.token, body: { name: 'Not_A_Label' } });
      assert.equal(appName.body.error.code, 'WAFT_E_APP_NAME_INVALID');
      const taken = await call(t.url, 'POST', '/api/v1/apps', { token: user.token, body: { name: 'target' } });
      assert.equal(taken.status, 409);
      const query = await call(t.url, 'GET', '/api/v1/apps/target/logs?limit=0', { token: user.token });
      assert.equal(query.body.error.details.field, 'query.limit');
      const unknownQuery = await call(t.url, 'GET', '/api/v1/apps/target/logs?lvl=warn', { token: user.token });
      assert.equal(unknownQuery.body.error.details.field, 'query.lvl');
      const range = await call(t.url, 'GET', '/api/v1/apps/target/usage?bucket=1ms&from=7d', { token: user.token });
      assert.equal(range.status, 400);
      assert.equal(range.body.error.details.field, 'query.bucket');
      const method = await call(t.url, 'PATCH', '/api/v1/apps', { token: user.token, body: {} });
      assert.equal(method.status, 405);
      assert.equal(method.headers.allow, 'GET, POST');
      const nowhere = await call(t.url, 'GET', '/api/v1/nothing', { token: user.token });
      assert.equal(nowhere.status, 404);
      assert.equal(nowhere.body.error.code, 'WAFT_E_API_NOT_FOUND');
      const noVersion = await call(t.url, 'POST', '/api/v1/apps/target/deployments', { token: user.token, body: { version: 99 } });
      assert.equal(noVersion.body.error.code, 'WAFT_E_VERSION_NOT_FOUND');
      const noTarget = await call(t.url, 'POST', '/api/v1/apps/target/rollback', { token: user.token });
      assert.equal(noTarget.status, 409);
      assert.equal(noTarget.body.error.code, 'WAFT_E_ROLLBACK_NO_TARGET');
      const notDeployed = await call(t.url, 'POST', '/api/v1/apps/target/invoke', { token: user.token, body: {} });
      assert.equal(notDeployed.body.error.code, 'WAFT_E_APP_NOT_DEPLOYED');
      await assertNothingStored();
    });

    test('a bundle that does not validate is refused whole: manifest errors at their line, modules that do not compile, route conflicts, missing files', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const syntax = await version({ manifest: '[app]\nname = "target"\n[functions.hi\nsource = "hi.wasm"\n', files: files() });
      assert.equal(syntax.status, 400);
      assert.equal(syntax.body.error.code, 'WAFT_E_MANIFEST_SYNTAX');
      assert.match(syntax.body.error.message, /^waft\.toml:3:\d+: invalid TOML/);
      assert.doesNotMatch(syntax.text, /staging/);

      const unknownKey = await version({ manifest: `${good()}sourc = "x"\n`, files: files() });
      assert.equal(unknownKey.status, 422);
      assert.equal(unknownKey.body.error.code, 'WAFT_E_MANIFEST_UNKNOWN_KEY');
      assert.match(unknownKey.body.error.message, /^waft\.toml:\d+:\d+/);

      const junk = new TextEncoder().encode('this is not wasm');
      const junkSha = sha256(junk);
      await call(h.t!.url, 'PUT', `/api/v1/apps/target/blobs/${junkSha}`, { token: user.token, body: junk });
      const notWasm = await version({ manifest: good(), files: { 'hi.wasm': { sha256: junkSha, size: junk.byteLength } } });
      assert.equal(notWasm.status, 422, notWasm.text);
      assert.equal(notWasm.body.error.code, 'WAFT_E_MODULE_INVALID');
      assert.match(notWasm.body.error.message, /^waft\.toml:\d+:\d+: function "hi": hi\.wasm/);
      assert.doesNotMatch(notWasm.text, /staging/);

      const conflict = await version({
        manifest: manifest('target', { a: { source: 'hi.wasm', route: '/same' }, b: { source: 'hi.wasm', route: '/same/' } }), files: files(),
      });
      assert.equal(conflict.status, 400);
      assert.equal(conflict.body.error.code, 'WAFT_E_ROUTE_CONFLICT');

      const missingModule = await version({ manifest: manifest('target', { hi: { source: 'other.wasm', route: '/hi' } }), files: files() });
      assert.equal(missingModule.status, 422);
      assert.equal(missingModule.body.error.code, 'WAFT_E_BUNDLE_INCOMPLETE');
      assert.match(missingModule.body.error.message, /^waft\.toml:5:\d+: function "hi": its module "other\.wasm" is not in the bundle/);
      const missingFiles = await version({ manifest: manifest('target', { hi: { source: 'hi.wasm', route: '/hi', extra: 'files = ["static"]' } }), files: files() });
      assert.equal(missingFiles.body.error.code, 'WAFT_E_BUNDLE_INCOMPLETE');

      const notUploaded = await version({ manifest: good(), files: { 'hi.wasm': { sha256: 'cd'.repeat(32), size: 10 } } });
      assert.equal(notUploaded.status, 422);
      assert.equal(notUploaded.body.error.code, 'WAFT_E_BLOB_MISSING');
      const wrongSize = await version({ manifest: good(), files: { 'hi.wasm': { sha256: helloSha, size: 10 } } });
      assert.equal(wrongSize.body.error.code, 'WAFT_E_BLOB_MISSING');
      await assertNothingStored();

      // And the same bundle, fixed, is accepted: the failures above left nothing in the way.
      const ok = await version({ manifest: good(), files: files() });
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.body.version.number, 1);
    });

    test('a version with static files gets them in its directory, next to its modules', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const page = new TextEncoder().encode('<p>static page</p>\n');
      const m = manifest('target', { fs: { source: 'fs.wasm', route: '/fs', extra: 'files = [{ source = "static", destination = "/static" }]' } });
      const up = await uploadVersion(t.url, user.token, 'target', m, [file('fs.wasm', cGuest('wagi_env')!), { path: 'static/index.html', bytes: page }]);
      assert.equal(up.status, 201, up.text);
      assert.ok(statSync(join(t.dataDir, 'versions', up.body.version.id, 'static', 'index.html')).isFile());
    });
  });

  describe(`waft server API (${backend}): logs follow live over SSE`, { skip: skipC ?? false }, () => {
    const h = serverFor(backend, { retention: { logMaxPerApp: 5 } });

    test('a follower gets the backlog, then each new entry once; Last-Event-ID resumes exactly', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const u = await makeUser(t.url, 'follower');
      await call(t.url, 'POST', '/api/v1/apps', { token: u.token, body: { name: 'chatty' } });
      const up = await uploadVersion(t.url, u.token, 'chatty', manifest('chatty', { talk: { source: 'r.wasm', route: '/talk' } }), [file('r.wasm', cGuest('wagi_reply')!)]);
      assert.equal(up.status, 201);
      await call(t.url, 'POST', '/api/v1/apps/chatty/deployments', { token: u.token, body: { version: 1 } });
      await hit(t, 'chatty', '/talk?stderr');
      await t.server.ctx.accounting.flush();

      const res = await request(`${t.url}/api/v1/apps/chatty/logs/stream?source=guest`, { headers: { authorization: `Bearer ${u.token}` } });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      const events: any[] = [];
      let buffer = '';
      const reader = res.body[Symbol.asyncIterator]();
      async function nextEvents(n: number) {
        while (events.length < n) {
          const { value, done } = await reader.next();
          if (done) throw new Error('stream ended');
          buffer += value.toString();
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (block.startsWith(':')) continue;
            const id = /^id: (\d+)$/m.exec(block)![1];
            const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]);
            assert.equal(String(data.id), id);
            events.push(data);
          }
        }
      }
      await nextEvents(2);
      assert.deepEqual(events.map((e) => e.message), ['first log line', 'second log line']);
      await hit(t, 'chatty', '/talk?stderr');
      await nextEvents(4);
      assert.deepEqual(events.slice(2).map((e) => e.message), ['first log line', 'second log line']);
      assert.ok(events.every((e) => e.source === 'guest' && e.function === 'talk' && e.version === 1));
      assert.notEqual(events[2].requestId, events[0].requestId);
      res.body.destroy();

      // Resume after the third event: exactly the fourth comes next.
      const again = await request(`${t.url}/api/v1/apps/chatty/logs/stream?source=guest`, { headers: { authorization: `Bearer ${u.token}`, 'last-event-id': String(events[2].id) } });
      let text = '';
      for await (const chunk of again.body) {
        text += chunk.toString();
        if (text.includes('\n\n')) break;
      }
      again.body.destroy();
      assert.match(text, new RegExp(`^id: ${events[3].id}\\n`));
    });

    test('retention keeps the newest entries of each app, and usage within its age', async (tc) => {
      if (h.skip) return tc.skip(h.skip);
      const t = h.t!;
      const u = await makeUser(t.url, 'retained');
      await call(t.url, 'POST', '/api/v1/apps', { token: u.token, body: { name: 'retained' } });
      await uploadVersion(t.url, u.token, 'retained', manifest('retained', { r: { source: 'r.wasm', route: '/r' } }), [file('r.wasm', cGuest('wagi_reply')!)]);
      await call(t.url, 'POST', '/api/v1/apps/retained/deployments', { token: u.token, body: { version: 1 } });
      for (let i = 0; i < 8; i++) await hit(t, 'retained', `/r?created&n=${i}`);
      const pruned = await t.server.prune();
      assert.ok(pruned.logs >= 5, `pruned ${pruned.logs}`);
      const logs = await call(t.url, 'GET', '/api/v1/apps/retained/logs', { token: u.token });
      assert.equal(logs.body.entries.length, 5);
      assert.match(logs.body.entries[4].message, /^GET \/r\?created&n=7 200 in /);
      const usage = await call(t.url, 'GET', '/api/v1/apps/retained/usage', { token: u.token });
      assert.equal(usage.body.total.count, 8, 'usage is kept by age, not by count');
    });
  });
}
