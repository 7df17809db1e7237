// The conformance suite every Store backend runs: test/server/store/sqlite.test.ts and
// postgres.test.ts call storeSuite() with a function that opens a fresh, empty store (or
// returns why it cannot, which the tests report with t.skip). Each test gets its own store.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { WaftError, type ErrorCode } from '../../errors.ts';
import { postgresMigrations, sqliteMigrations } from './migrations.ts';
import type { BundleFiles, LogEntry, Store, UsageRecord } from './types.ts';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof WaftError, `expected a WaftError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

function bundle(n: number, tag = ''): BundleFiles {
  const files: BundleFiles = {};
  for (let i = 0; i < n; i++) files[`dir${i % 7}/file-${i}.wasm`] = { sha256: sha(`${tag}${i}`), size: i * 3 };
  return files;
}

// A minute-aligned base time, so that bucket boundaries are known.
const T = 60_000 * 28_333_334;

export function storeSuite(name: string, open: () => Promise<Store | string>): void {
  function it(title: string, fn: (store: Store, t: TestContext) => Promise<void>): void {
    test(title, async (t) => {
      const store = await open();
      if (typeof store === 'string') {
        t.skip(store);
        return;
      }
      try {
        await store.migrate();
        await fn(store, t);
      } finally {
        await store.close();
      }
    });
  }

  async function owner(store: Store, name = 'alice') {
    return store.users.create(name, false);
  }

  describe(`store conformance: ${name}`, () => {
    // ── schema ────────────────────────────────────────────────────────────────
    it('migrate is idempotent and records the schema version', async (store) => {
      const latest = sqliteMigrations.at(-1)!.version;
      assert.equal(postgresMigrations.at(-1)!.version, latest, 'both backends must be at the same schema version');
      assert.deepEqual(postgresMigrations.map((m) => [m.version, m.name]), sqliteMigrations.map((m) => [m.version, m.name]));
      assert.equal(await store.schemaVersion(), latest);
      await store.migrate();
      await store.migrate();
      assert.equal(await store.schemaVersion(), latest);
      assert.equal(await store.users.count(), 0);
    });

    it('concurrent migrate calls on one database do not trip over each other', async (store) => {
      await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
      assert.equal(await store.schemaVersion(), sqliteMigrations.at(-1)!.version);
    });

    // ── users ─────────────────────────────────────────────────────────────────
    it('users: create, get, byName, list, count', async (store) => {
      const admin = await store.users.create('admin', true);
      const bob = await store.users.create('bob', false);
      assert.match(admin.id, /^usr_/);
      assert.equal(admin.isAdmin, true);
      assert.equal(bob.isAdmin, false);
      assert.equal(typeof admin.createdAt, 'number');
      assert.deepEqual(await store.users.get(admin.id), admin);
      assert.deepEqual(await store.users.byName('bob'), bob);
      assert.equal(await store.users.get('usr_nope'), null);
      assert.equal(await store.users.byName('nope'), null);
      assert.deepEqual((await store.users.list()).map((u) => u.name).sort(), ['admin', 'bob']);
      assert.equal(await store.users.count(), 2);
    });

    it('users: a second user with the same name is refused', async (store) => {
      await store.users.create('carol', false);
      await rejectsWith(store.users.create('carol', true), 'WAFT_E_USER_EXISTS');
      assert.equal(await store.users.count(), 1);
    });

    it('users: names that are not simple identifiers are refused', async (store) => {
      for (const bad of ['', 'Admin', '-x', 'a b', 'a/b', 'x'.repeat(65), 'ü']) {
        await rejectsWith(store.users.create(bad, false), 'WAFT_E_USER_NAME_INVALID');
      }
      assert.equal(await store.users.count(), 0);
    });

    // ── tokens ────────────────────────────────────────────────────────────────
    it('tokens: create, byHash with its user, list; the secret hash is never returned', async (store) => {
      const alice = await owner(store);
      const hash = sha('secret-1');
      const token = await store.tokens.create(alice.id, { name: 'ci', scopes: ['deploy', 'apps:read'], expiresAt: T + 1000 }, hash);
      assert.match(token.id, /^tok_/);
      assert.deepEqual(token.scopes, ['deploy', 'apps:read']);
      assert.equal(token.expiresAt, T + 1000);
      assert.equal(token.revokedAt, null);
      assert.equal(token.lastUsedAt, null);
      const found = await store.tokens.byHash(hash);
      assert.ok(found);
      assert.deepEqual(found.user, alice);
      const { user: _, ...plain } = found;
      assert.deepEqual(plain, token);
      assert.equal(await store.tokens.byHash(sha('other')), null);
      const listed = await store.tokens.list(alice.id);
      assert.deepEqual(listed, [token]);
      for (const record of [token, found, ...listed]) {
        assert.ok(!JSON.stringify(record).includes(hash), 'a token record carries its secret hash');
      }
    });

    it('tokens: a token for a user that does not exist is refused', async (store) => {
      await rejectsWith(store.tokens.create('usr_nope', { name: 'x', scopes: ['deploy'], expiresAt: null }, sha('s')), 'WAFT_E_USER_NOT_FOUND');
    });

    it('tokens: revoking another user\'s token does nothing; revoking one\'s own works once', async (store) => {
      const alice = await owner(store, 'alice');
      const mallory = await owner(store, 'mallory');
      const token = await store.tokens.create(alice.id, { name: 'ci', scopes: ['deploy'], expiresAt: null }, sha('s1'));
      assert.equal(await store.tokens.revoke(mallory.id, token.id), false);
      assert.equal((await store.tokens.byHash(sha('s1')))!.revokedAt, null);
      assert.equal(await store.tokens.revoke(alice.id, token.id), true);
      const revokedAt = (await store.tokens.byHash(sha('s1')))!.revokedAt;
      assert.equal(typeof revokedAt, 'number');
      assert.equal(await store.tokens.revoke(alice.id, token.id), false);
      assert.equal((await store.tokens.byHash(sha('s1')))!.revokedAt, revokedAt);
      assert.equal(await store.tokens.revoke(alice.id, 'tok_nope'), false);
    });

    it('tokens: touch records the latest use and never moves backwards', async (store) => {
      const alice = await owner(store);
      const token = await store.tokens.create(alice.id, { name: 'ci', scopes: ['deploy'], expiresAt: null }, sha('s'));
      await store.tokens.touch(token.id, T + 500);
      await store.tokens.touch(token.id, T + 100);
      assert.equal((await store.tokens.byHash(sha('s')))!.lastUsedAt, T + 500);
      await store.tokens.touch(token.id, T + 900);
      assert.equal((await store.tokens.list(alice.id))[0].lastUsedAt, T + 900);
    });

    // ── apps ──────────────────────────────────────────────────────────────────
    it('apps: create, get, byName, listByOwner', async (store) => {
      const alice = await owner(store, 'alice');
      const bob = await owner(store, 'bob');
      const a1 = await store.apps.create(alice.id, 'shop');
      const a2 = await store.apps.create(alice.id, 'blog-2');
      const b1 = await store.apps.create(bob.id, 'wiki');
      assert.match(a1.id, /^app_/);
      assert.equal(a1.activeVersionId, null);
      assert.deepEqual(await store.apps.get(a1.id), a1);
      assert.deepEqual(await store.apps.byName('wiki'), b1);
      assert.equal(await store.apps.get('app_nope'), null);
      assert.deepEqual((await store.apps.listByOwner(alice.id)).map((a) => a.id).sort(), [a1.id, a2.id].sort());
      assert.deepEqual(await store.apps.listByOwner(bob.id), [b1]);
    });

    it('apps: a name taken by another user is refused (names are global)', async (store) => {
      const alice = await owner(store, 'alice');
      const bob = await owner(store, 'bob');
      await store.apps.create(alice.id, 'shop');
      await rejectsWith(store.apps.create(bob.id, 'shop'), 'WAFT_E_APP_EXISTS');
      assert.deepEqual(await store.apps.listByOwner(bob.id), []);
    });

    it('apps: names that are not DNS labels are refused', async (store) => {
      const alice = await owner(store);
      for (const bad of ['', 'Shop', '-shop', 'shop-', 'sh_op', 'a.b', 'x'.repeat(64), 'shop\n', '../etc']) {
        await rejectsWith(store.apps.create(alice.id, bad), 'WAFT_E_APP_NAME_INVALID');
      }
      await store.apps.create(alice.id, 'x'.repeat(63));
      await store.apps.create(alice.id, '9');
    });

    it('apps: an owner that does not exist is refused', async (store) => {
      await rejectsWith(store.apps.create('usr_nope', 'shop'), 'WAFT_E_USER_NOT_FOUND');
    });

    it('apps: delete removes versions, deployments, logs and usage, and frees the name', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      const other = await store.apps.create(alice.id, 'other');
      const v = await store.versions.create(app.id, alice.id, 'm', bundle(3));
      await store.deployments.activate(app.id, v.id, alice.id, 'deploy');
      const log = { versionId: v.id, function: 'f', requestId: 'r', level: 'info', source: 'guest', message: 'hi', time: T } as const;
      await store.logs.append([{ appId: app.id, ...log }, { appId: other.id, ...log }]);
      await store.usage.record([usage(app.id, v.id, { startedAt: T }), usage(other.id, 'ver_x', { startedAt: T })]);

      assert.equal(await store.apps.delete(app.id), true);
      assert.equal(await store.apps.get(app.id), null);
      assert.equal(await store.versions.get(v.id), null);
      assert.deepEqual(await store.versions.list(app.id), []);
      assert.deepEqual(await store.deployments.list(app.id), []);
      assert.deepEqual(await store.logs.query({ appId: app.id, limit: 10 }), []);
      assert.deepEqual(await store.usage.aggregate({ appId: app.id, from: 0, to: T * 2, bucketMs: 60_000 }), []);
      assert.equal((await store.logs.query({ appId: other.id, limit: 10 })).length, 1);
      assert.equal((await store.usage.aggregate({ appId: other.id, from: 0, to: T * 2, bucketMs: 60_000 }))[0].count, 1);
      assert.equal(await store.apps.delete(app.id), false);

      const again = await store.apps.create(alice.id, 'shop');
      assert.notEqual(again.id, app.id);
      assert.equal((await store.versions.create(again.id, alice.id, 'm', {})).number, 1);
    });

    // ── versions ──────────────────────────────────────────────────────────────
    it('versions: numbered 1, 2, 3 per app; manifest and files round-trip', async (store) => {
      const alice = await owner(store);
      const a = await store.apps.create(alice.id, 'a');
      const b = await store.apps.create(alice.id, 'b');
      const files = bundle(5);
      const a1 = await store.versions.create(a.id, alice.id, 'name = "a"\n', files);
      const b1 = await store.versions.create(b.id, alice.id, 'name = "b"\n', {});
      const a2 = await store.versions.create(a.id, alice.id, 'name = "a2"\n', bundle(2, 'x'));
      const a3 = await store.versions.create(a.id, alice.id, '', {});
      assert.deepEqual([a1.number, a2.number, a3.number, b1.number], [1, 2, 3, 1]);
      assert.match(a1.id, /^ver_/);
      assert.deepEqual(a1.files, files);
      assert.equal(a1.createdBy, alice.id);
      assert.deepEqual(await store.versions.get(a1.id), a1);
      assert.deepEqual(await store.versions.byNumber(a.id, 2), a2);
      assert.equal(await store.versions.byNumber(a.id, 4), null);
      assert.equal(await store.versions.byNumber(b.id, 2), null);
      assert.deepEqual(await store.versions.list(a.id), [a3, a2, a1]);
      assert.deepEqual(await store.versions.list(b.id), [b1]);
      assert.equal(await store.versions.get('ver_nope'), null);
    });

    it('versions: concurrent creates for one app get distinct consecutive numbers', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'busy');
      const created = await Promise.all(Array.from({ length: 12 }, (_, i) => store.versions.create(app.id, alice.id, `v${i}`, bundle(20, `c${i}`))));
      assert.deepEqual(created.map((v) => v.number).sort((x, y) => x - y), Array.from({ length: 12 }, (_, i) => i + 1));
      for (const v of created) assert.deepEqual(await store.versions.get(v.id), v);
    });

    it('versions: a create that fails inside its transaction stores nothing and uses up no number', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      // The number is taken and the version row written before the unknown author fails it.
      await rejectsWith(store.versions.create(app.id, 'usr_ghost', 'm', bundle(50)), 'WAFT_E_USER_NOT_FOUND');
      assert.deepEqual(await store.versions.list(app.id), []);
      assert.equal(await store.versions.byNumber(app.id, 1), null);
      const v = await store.versions.create(app.id, alice.id, 'm', bundle(1));
      assert.equal(v.number, 1);
    });

    it('versions: bundle paths that escape or are malformed are refused before anything is stored', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      const ok = { sha256: sha('x'), size: 1 };
      const bads: BundleFiles[] = [
        { '../etc/passwd': ok }, { '/abs/path': ok }, { 'a//b': ok }, { 'a/./b': ok }, { 'a/../../b': ok }, { 'a\\b': ok },
        { '': ok }, { 'nul\0byte': ok }, { 'x.wasm': { sha256: 'ABC', size: 1 } }, { 'x.wasm': { sha256: sha('x').toUpperCase(), size: 1 } },
        { 'x.wasm': { sha256: sha('x'), size: -1 } }, { 'x.wasm': { sha256: sha('x'), size: 1.5 } },
        { 'x.wasm': null as unknown as { sha256: string; size: number } },
      ];
      for (const files of bads) {
        await rejectsWith(store.versions.create(app.id, alice.id, 'm', { 'good.wasm': ok, ...files }), 'WAFT_E_BUNDLE_INVALID');
      }
      assert.deepEqual(await store.versions.list(app.id), []);
      assert.equal((await store.versions.create(app.id, alice.id, 'm', { 'good.wasm': ok })).number, 1);
    });

    it('versions: an app that does not exist is refused', async (store) => {
      const alice = await owner(store);
      await rejectsWith(store.versions.create('app_nope', alice.id, 'm', {}), 'WAFT_E_APP_NOT_FOUND');
    });

    it('versions: a bundle of 12000 files is stored whole', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'big');
      const files = bundle(12_000);
      const v = await store.versions.create(app.id, alice.id, 'm', files);
      const back = await store.versions.get(v.id);
      assert.equal(Object.keys(back!.files).length, 12_000);
      assert.deepEqual(back!.files, files);
    });

    // ── deployments ───────────────────────────────────────────────────────────
    it('deployments: activate sets the active version and records deploys and rollbacks, newest first', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      const v1 = await store.versions.create(app.id, alice.id, 'm1', {});
      const v2 = await store.versions.create(app.id, alice.id, 'm2', {});
      assert.equal((await store.apps.get(app.id))!.activeVersionId, null);
      const d1 = await store.deployments.activate(app.id, v1.id, alice.id, 'deploy');
      assert.equal((await store.apps.get(app.id))!.activeVersionId, v1.id);
      const d2 = await store.deployments.activate(app.id, v2.id, alice.id, 'deploy');
      assert.equal((await store.apps.get(app.id))!.activeVersionId, v2.id);
      const d3 = await store.deployments.activate(app.id, v1.id, alice.id, 'rollback');
      assert.equal((await store.apps.get(app.id))!.activeVersionId, v1.id);
      assert.match(d1.id, /^dep_/);
      assert.deepEqual(d3, { id: d3.id, appId: app.id, versionId: v1.id, createdAt: d3.createdAt, createdBy: alice.id, kind: 'rollback' });
      assert.deepEqual(await store.deployments.list(app.id), [d3, d2, d1]);
    });

    it('deployments: a version of another app cannot be activated (cross-app activation)', async (store) => {
      const alice = await owner(store, 'alice');
      const mallory = await owner(store, 'mallory');
      const shop = await store.apps.create(alice.id, 'shop');
      const evil = await store.apps.create(mallory.id, 'evil');
      const good = await store.versions.create(shop.id, alice.id, 'm', {});
      const bad = await store.versions.create(evil.id, mallory.id, 'm', {});
      await store.deployments.activate(shop.id, good.id, alice.id, 'deploy');
      await rejectsWith(store.deployments.activate(shop.id, bad.id, mallory.id, 'deploy'), 'WAFT_E_VERSION_NOT_FOUND');
      await rejectsWith(store.deployments.activate(shop.id, 'ver_nope', alice.id, 'deploy'), 'WAFT_E_VERSION_NOT_FOUND');
      await rejectsWith(store.deployments.activate('app_nope', good.id, alice.id, 'deploy'), 'WAFT_E_APP_NOT_FOUND');
      await rejectsWith(store.deployments.activate(shop.id, good.id, 'usr_ghost', 'deploy'), 'WAFT_E_USER_NOT_FOUND');
      assert.equal((await store.apps.get(shop.id))!.activeVersionId, good.id);
      assert.equal((await store.deployments.list(shop.id)).length, 1);
    });

    it('deployments: after concurrent activations the active version is the newest deployment\'s', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      const versions = [];
      for (let i = 0; i < 6; i++) versions.push(await store.versions.create(app.id, alice.id, `m${i}`, {}));
      await Promise.all(versions.flatMap((v) => [store.deployments.activate(app.id, v.id, alice.id, 'deploy'), store.deployments.activate(app.id, v.id, alice.id, 'rollback')]));
      const history = await store.deployments.list(app.id);
      assert.equal(history.length, 12);
      assert.equal((await store.apps.get(app.id))!.activeVersionId, history[0].versionId);
    });

    // ── logs ──────────────────────────────────────────────────────────────────
    function entry(appId: string, i: number, over: Partial<Omit<LogEntry, 'id'>> = {}): Omit<LogEntry, 'id'> {
      return {
        appId, versionId: 'ver_1', function: 'api', requestId: `req-${i}`, level: 'info', source: 'guest', message: `line ${i}`, time: T + i, ...over,
      };
    }

    it('logs: entries come back in append order with growing ids', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      await store.logs.append([entry(app.id, 0), entry(app.id, 1)]);
      await store.logs.append([]);
      await store.logs.append([entry(app.id, 2, { versionId: null, function: null, requestId: null, source: 'system', level: 'error' })]);
      const got = await store.logs.query({ appId: app.id, limit: 100 });
      assert.deepEqual(got.map((e) => e.message), ['line 0', 'line 1', 'line 2']);
      assert.ok(got[0].id < got[1].id && got[1].id < got[2].id);
      assert.equal(typeof got[0].id, 'number');
      const { id: _, ...rest } = got[2];
      assert.deepEqual(rest, entry(app.id, 2, { versionId: null, function: null, requestId: null, source: 'system', level: 'error' }));
    });

    it('logs: filters by function, version, request, minimum level and time', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      await store.logs.append([
        entry(app.id, 0, { function: 'api', level: 'debug' }),
        entry(app.id, 1, { function: 'cron', level: 'info', versionId: 'ver_2' }),
        entry(app.id, 2, { function: 'api', level: 'warn', requestId: 'req-x' }),
        entry(app.id, 3, { function: 'api', level: 'error', requestId: 'req-x', versionId: 'ver_2' }),
      ]);
      const msgs = async (q: Partial<Parameters<Store['logs']['query']>[0]>) =>
        (await store.logs.query({ appId: app.id, limit: 100, ...q })).map((e) => e.message);
      assert.deepEqual(await msgs({ function: 'api' }), ['line 0', 'line 2', 'line 3']);
      assert.deepEqual(await msgs({ versionId: 'ver_2' }), ['line 1', 'line 3']);
      assert.deepEqual(await msgs({ requestId: 'req-x' }), ['line 2', 'line 3']);
      assert.deepEqual(await msgs({ level: 'warn' }), ['line 2', 'line 3']);
      assert.deepEqual(await msgs({ level: 'debug' }), ['line 0', 'line 1', 'line 2', 'line 3']);
      assert.deepEqual(await msgs({ since: T + 2 }), ['line 2', 'line 3']);
      assert.deepEqual(await msgs({ function: 'api', level: 'error', versionId: 'ver_2', requestId: 'req-x', since: T }), ['line 3']);
      assert.deepEqual(await msgs({ function: 'nope' }), []);
    });

    it('logs: without afterId the newest entries; with afterId the ones after it (follow)', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      await store.logs.append(Array.from({ length: 10 }, (_, i) => entry(app.id, i)));
      const tail = await store.logs.query({ appId: app.id, limit: 3 });
      assert.deepEqual(tail.map((e) => e.message), ['line 7', 'line 8', 'line 9']);
      const all = await store.logs.query({ appId: app.id, limit: 100 });
      const page1 = await store.logs.query({ appId: app.id, afterId: 0, limit: 4 });
      assert.deepEqual(page1.map((e) => e.message), ['line 0', 'line 1', 'line 2', 'line 3']);
      const page2 = await store.logs.query({ appId: app.id, afterId: page1.at(-1)!.id, limit: 4 });
      assert.deepEqual(page2.map((e) => e.message), ['line 4', 'line 5', 'line 6', 'line 7']);
      assert.deepEqual(await store.logs.query({ appId: app.id, afterId: all.at(-1)!.id, limit: 4 }), []);
      await store.logs.append([entry(app.id, 10)]);
      assert.deepEqual((await store.logs.query({ appId: app.id, afterId: all.at(-1)!.id, limit: 4 })).map((e) => e.message), ['line 10']);
    });

    it('logs: one app\'s query never returns another app\'s entries', async (store) => {
      const alice = await owner(store, 'alice');
      const mallory = await owner(store, 'mallory');
      const shop = await store.apps.create(alice.id, 'shop');
      const evil = await store.apps.create(mallory.id, 'evil');
      await store.logs.append([entry(shop.id, 0, { requestId: 'shared' }), entry(evil.id, 1, { requestId: 'shared' })]);
      const seen = await store.logs.query({ appId: evil.id, requestId: 'shared', afterId: 0, limit: 100 });
      assert.deepEqual(seen.map((e) => [e.appId, e.message]), [[evil.id, 'line 1']]);
    });

    it('logs: a batch with one bad entry stores nothing', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      await assert.rejects(store.logs.append([entry(app.id, 0), entry(app.id, 1, { level: 'loud' as 'info' })]));
      await assert.rejects(store.logs.append([entry(app.id, 0), entry(app.id, 1, { time: 1.5 })]));
      assert.deepEqual(await store.logs.query({ appId: app.id, limit: 10 }), []);
    });

    it('logs: prune keeps the newest maxPerApp per app and drops entries older than olderThan', async (store) => {
      const alice = await owner(store);
      const a = await store.apps.create(alice.id, 'a');
      const b = await store.apps.create(alice.id, 'b');
      await store.logs.append([
        ...Array.from({ length: 10 }, (_, i) => entry(a.id, i)),
        ...Array.from({ length: 3 }, (_, i) => entry(b.id, i)),
      ]);
      assert.equal(await store.logs.prune({ maxPerApp: 4 }), 6);
      assert.deepEqual((await store.logs.query({ appId: a.id, limit: 100 })).map((e) => e.message), ['line 6', 'line 7', 'line 8', 'line 9']);
      assert.equal((await store.logs.query({ appId: b.id, limit: 100 })).length, 3);
      assert.equal(await store.logs.prune({ olderThan: T + 2 }), 2); // b's lines 0 and 1
      assert.deepEqual((await store.logs.query({ appId: b.id, limit: 100 })).map((e) => e.message), ['line 2']);
      assert.equal(await store.logs.prune({ maxPerApp: 4, olderThan: 0 }), 0);
      const before = (await store.logs.query({ appId: a.id, limit: 100 })).at(-1)!.id;
      assert.equal(await store.logs.prune({ maxPerApp: 0 }), 5);
      // Ids are never reused, even after the newest entries were pruned.
      await store.logs.append([entry(a.id, 20)]);
      assert.ok((await store.logs.query({ appId: a.id, limit: 1 }))[0].id > before);
    });

    it('logs: prune removes more than one batch worth of old entries', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'chatty');
      await store.logs.append(Array.from({ length: 12_345 }, (_, i) => entry(app.id, i)));
      assert.equal(await store.logs.prune({ olderThan: T + 12_000 }), 12_000);
      assert.equal((await store.logs.query({ appId: app.id, afterId: 0, limit: 10_000 })).length, 345);
    });

    // ── usage ─────────────────────────────────────────────────────────────────
    function usage(appId: string, versionId: string, over: Partial<UsageRecord> = {}): UsageRecord {
      return {
        appId, versionId, function: 'api', requestId: 'r', startedAt: T, wallMs: 10, cpuMs: 5, peakMemoryBytes: 65536,
        bytesIn: 100, bytesOut: 200, status: 200, outcome: 'ok', ...over,
      };
    }

    it('usage: aggregate per bucket and function with sums, errors and nearest-rank percentiles', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      const walls = Array.from({ length: 100 }, (_, i) => i + 1).sort((x, y) => ((x * 37) % 101) - ((y * 37) % 101)); // 1..100 shuffled
      const records: UsageRecord[] = walls.map((wallMs, i) => usage(app.id, 'ver_1', {
        requestId: `r${i}`, startedAt: T + i * 100, wallMs, cpuMs: 0.5, peakMemoryBytes: wallMs * 1000, bytesIn: 1, bytesOut: 2,
        outcome: i % 10 === 0 ? 'timeout' : 'ok', status: i % 25 === 1 ? 503 : 200,
      }));
      records.push(usage(app.id, 'ver_1', { function: 'cron', startedAt: T + 60_000 + 5, wallMs: 7.25 }));
      records.push(usage(app.id, 'ver_1', { startedAt: T + 60_000 + 6, wallMs: 3 }));
      records.push(usage(app.id, 'ver_1', { startedAt: T + 120_000, wallMs: 999 })); // at `to`: excluded
      records.push(usage(app.id, 'ver_1', { startedAt: T - 1, wallMs: 999 })); // before `from`: excluded
      await store.usage.record(records);
      await store.usage.record([]);

      const rows = await store.usage.aggregate({ appId: app.id, from: T, to: T + 120_000, bucketMs: 60_000 });
      assert.deepEqual(rows.map((r) => [r.bucketStart, r.function, r.count]), [[T, 'api', 100], [T + 60_000, 'api', 1], [T + 60_000, 'cron', 1]]);
      const [first, second, cron] = rows;
      assert.equal(first.wallMsSum, 5050);
      assert.equal(first.wallMsP50, 50);
      assert.equal(first.wallMsP99, 99);
      assert.equal(first.cpuMsSum, 50);
      assert.equal(first.bytesIn, 100);
      assert.equal(first.bytesOut, 200);
      assert.equal(first.peakMemoryMax, 100_000);
      assert.equal(first.errors, 10 + 4); // 10 timeouts, 4 status 503 (i = 1, 26, 51, 76) all with outcome ok
      assert.deepEqual([second.wallMsP50, second.wallMsP99, second.errors], [3, 3, 0]);
      assert.deepEqual([cron.wallMsSum, cron.wallMsP50, cron.wallMsP99], [7.25, 7.25, 7.25]);

      const onlyCron = await store.usage.aggregate({ appId: app.id, function: 'cron', from: T, to: T + 120_000, bucketMs: 60_000 });
      assert.deepEqual(onlyCron, [cron]);
      const wide = await store.usage.aggregate({ appId: app.id, function: 'api', from: T - 1, to: T + 120_001, bucketMs: 3_600_000 });
      const hour = Math.floor((T - 1) / 3_600_000) * 3_600_000;
      assert.ok(wide.length >= 1 && wide[0].bucketStart === hour);
      assert.equal(wide.reduce((n, r) => n + r.count, 0), 103);
    });

    it('usage: one app\'s aggregate never counts another app\'s records', async (store) => {
      const alice = await owner(store, 'alice');
      const mallory = await owner(store, 'mallory');
      const shop = await store.apps.create(alice.id, 'shop');
      const evil = await store.apps.create(mallory.id, 'evil');
      await store.usage.record([usage(shop.id, 'v', { wallMs: 1 }), usage(evil.id, 'v', { wallMs: 1000 }), usage(evil.id, 'v', { wallMs: 1000 })]);
      const rows = await store.usage.aggregate({ appId: shop.id, from: T, to: T + 1, bucketMs: 1000 });
      assert.deepEqual(rows.map((r) => [r.count, r.wallMsSum]), [[1, 1]]);
    });

    it('usage: a batch with one bad record stores nothing; prune drops old records', async (store) => {
      const alice = await owner(store);
      const app = await store.apps.create(alice.id, 'shop');
      await assert.rejects(store.usage.record([usage(app.id, 'v'), usage(app.id, 'v', { outcome: 'fine' as 'ok' })]));
      await assert.rejects(store.usage.record([usage(app.id, 'v'), usage(app.id, 'v', { wallMs: Number.NaN })]));
      assert.deepEqual(await store.usage.aggregate({ appId: app.id, from: 0, to: T * 2, bucketMs: 1000 }), []);
      await store.usage.record([usage(app.id, 'v', { startedAt: T }), usage(app.id, 'v', { startedAt: T + 10 }), usage(app.id, 'v', { startedAt: T + 20 })]);
      assert.equal(await store.usage.prune({ olderThan: T + 15 }), 2);
      const rows = await store.usage.aggregate({ appId: app.id, from: 0, to: T * 2, bucketMs: 1000 });
      assert.equal(rows[0].count, 1);
    });
  });
}
