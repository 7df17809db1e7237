import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { WaftError, type ErrorCode } from '../../../src/errors.ts';
import {
  authenticate, bootstrapAdmin, hashToken, hasScope, issueToken, newTokenSecret, SCOPES, TOUCH_INTERVAL_MS,
} from '../../../src/server/auth/tokens.ts';
import { openSqliteStore } from '../../../src/server/store/sqlite.ts';
import type { Store } from '../../../src/server/store/types.ts';

async function freshStore(t: TestContext): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), 'waft-auth-'));
  const store = await openSqliteStore(join(dir, 'waft.db'));
  await store.migrate();
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}

/** Asserts the code, and that the message and details never contain the secret that was sent. */
async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, secret?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof WaftError, String(err));
    assert.equal(err.code, code, err.message);
    if (code.startsWith('WAFT_E_AUTH_')) assert.equal(err.status, 401);
    if (secret) {
      const shown = JSON.stringify({ message: err.message, details: err.details, stack: err.stack });
      assert.ok(!shown.includes(secret), `the error echoes the token: ${err.message}`);
      assert.ok(!shown.includes(secret.slice(5, 25)), `the error echoes part of the token: ${err.message}`);
    }
    return true;
  });
}

const NOW = 1_750_000_000_000;

test('newTokenSecret: "waft_" and 32 random bytes in base64url; never repeats', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s = newTokenSecret();
    assert.match(s, /^waft_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(s.slice(5), 'base64url').length, 32);
    seen.add(s);
  }
  assert.equal(seen.size, 200);
});

test('hashToken is the sha256 of the secret in hex', () => {
  const s = newTokenSecret();
  assert.equal(hashToken(s), createHash('sha256').update(s).digest('hex'));
  assert.match(hashToken(s), /^[0-9a-f]{64}$/);
  assert.notEqual(hashToken(s), hashToken(`${s}x`));
});

test('hasScope: exact scopes, admin implies all, apps:write implies apps:read', () => {
  assert.ok(hasScope({ scopes: ['deploy'] }, 'deploy'));
  assert.ok(!hasScope({ scopes: ['deploy'] }, 'logs:read'));
  assert.ok(!hasScope({ scopes: ['apps:read'] }, 'apps:write'));
  assert.ok(hasScope({ scopes: ['apps:write'] }, 'apps:read'));
  for (const s of SCOPES) assert.ok(hasScope({ scopes: ['admin'] }, s));
  assert.ok(!hasScope({ scopes: [] }, 'apps:read'));
});

test('authenticate: a valid bearer token yields its user and token and records the use', async (t) => {
  const store = await freshStore(t);
  const alice = await store.users.create('alice', false);
  const { token, secret } = await issueToken(store, alice.id, { name: 'laptop', scopes: ['deploy', 'logs:read'] });
  const got = await authenticate(store, `Bearer ${secret}`, NOW);
  assert.deepEqual(got.user, alice);
  assert.equal(got.token.id, token.id);
  assert.deepEqual(got.token.scopes, ['deploy', 'logs:read']);
  assert.equal(got.token.lastUsedAt, NOW);
  assert.ok(!('user' in got.token));
  assert.ok(!JSON.stringify(got).includes(hashToken(secret)));
  assert.equal((await store.tokens.list(alice.id))[0].lastUsedAt, NOW);
  // The scheme is case-insensitive and surrounding blanks do not matter.
  await authenticate(store, `bearer   ${secret}  `, NOW + 1);
  // Uses within the touch interval do not write; a later one does.
  assert.equal((await store.tokens.list(alice.id))[0].lastUsedAt, NOW);
  await authenticate(store, `Bearer ${secret}`, NOW + TOUCH_INTERVAL_MS);
  assert.equal((await store.tokens.list(alice.id))[0].lastUsedAt, NOW + TOUCH_INTERVAL_MS);
});

test('authenticate: no header, an empty header or a bare scheme is WAFT_E_AUTH_MISSING or _INVALID', async (t) => {
  const store = await freshStore(t);
  await rejectsWith(authenticate(store, undefined), 'WAFT_E_AUTH_MISSING');
  await rejectsWith(authenticate(store, ''), 'WAFT_E_AUTH_MISSING');
  await rejectsWith(authenticate(store, '   '), 'WAFT_E_AUTH_MISSING');
  await rejectsWith(authenticate(store, 'Bearer'), 'WAFT_E_AUTH_INVALID');
  await rejectsWith(authenticate(store, 'Bearer '), 'WAFT_E_AUTH_INVALID');
});

test('authenticate: a valid secret sent with the Basic scheme is refused and not echoed', async (t) => {
  const store = await freshStore(t);
  const alice = await store.users.create('alice', false);
  const { secret } = await issueToken(store, alice.id, { name: 'laptop', scopes: ['deploy'] });
  const basic = Buffer.from(`alice:${secret}`).toString('base64');
  await rejectsWith(authenticate(store, `Basic ${basic}`), 'WAFT_E_AUTH_INVALID', basic);
  await rejectsWith(authenticate(store, `Token ${secret}`), 'WAFT_E_AUTH_INVALID', secret);
  await rejectsWith(authenticate(store, secret), 'WAFT_E_AUTH_INVALID', secret);
});

test('authenticate: a guessed, truncated or extended token is WAFT_E_AUTH_INVALID and not echoed', async (t) => {
  const store = await freshStore(t);
  const alice = await store.users.create('alice', false);
  const { secret } = await issueToken(store, alice.id, { name: 'laptop', scopes: ['deploy'] });
  for (const wrong of [newTokenSecret(), secret.slice(0, -1), `${secret}A`, secret.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))]) {
    await rejectsWith(authenticate(store, `Bearer ${wrong}`), 'WAFT_E_AUTH_INVALID', wrong);
  }
  for (const malformed of ['short', 'waft_ has spaces in it and is long enough', `${secret}\u0000`, 'x'.repeat(600), 'Bearer\tx']) {
    await rejectsWith(authenticate(store, `Bearer ${malformed}`), 'WAFT_E_AUTH_INVALID');
  }
  assert.equal((await store.tokens.list(alice.id))[0].lastUsedAt, null);
});

test('authenticate: an expired token is WAFT_E_AUTH_EXPIRED from its expiry instant on', async (t) => {
  const store = await freshStore(t);
  const alice = await store.users.create('alice', false);
  const { secret } = await issueToken(store, alice.id, { name: 'ci', scopes: ['deploy'], expiresAt: NOW + 1000 });
  await authenticate(store, `Bearer ${secret}`, NOW + 999);
  await rejectsWith(authenticate(store, `Bearer ${secret}`, NOW + 1000), 'WAFT_E_AUTH_EXPIRED', secret);
  await rejectsWith(authenticate(store, `Bearer ${secret}`, NOW + 10_000_000), 'WAFT_E_AUTH_EXPIRED', secret);
});

test('authenticate: a revoked token is WAFT_E_AUTH_REVOKED, even before it would expire', async (t) => {
  const store = await freshStore(t);
  const alice = await store.users.create('alice', false);
  const { token, secret } = await issueToken(store, alice.id, { name: 'ci', scopes: ['deploy'], expiresAt: NOW + 1000 });
  const other = await issueToken(store, alice.id, { name: 'laptop', scopes: ['deploy'] });
  await authenticate(store, `Bearer ${secret}`, NOW);
  assert.equal(await store.tokens.revoke(alice.id, token.id), true);
  await rejectsWith(authenticate(store, `Bearer ${secret}`, NOW), 'WAFT_E_AUTH_REVOKED', secret);
  await rejectsWith(authenticate(store, `Bearer ${secret}`, NOW + 5000), 'WAFT_E_AUTH_REVOKED', secret);
  // Revoking one token leaves the user's other tokens working.
  await authenticate(store, `Bearer ${other.secret}`, NOW);
});

test('issueToken: unknown scopes, no scopes, and admin for a non-admin are refused', async (t) => {
  const store = await freshStore(t);
  const alice = await store.users.create('alice', false);
  const root = await store.users.create('root', true);
  await assert.rejects(issueToken(store, alice.id, { name: 'x', scopes: ['deploy', 'everything'] }), { code: 'WAFT_E_SCOPE_INVALID' });
  await assert.rejects(issueToken(store, alice.id, { name: 'x', scopes: [] }), { code: 'WAFT_E_SCOPE_INVALID' });
  await assert.rejects(issueToken(store, alice.id, { name: 'x', scopes: ['admin'] }), { code: 'WAFT_E_SCOPE_INVALID' });
  await assert.rejects(issueToken(store, 'usr_nope', { name: 'x', scopes: ['deploy'] }), { code: 'WAFT_E_USER_NOT_FOUND' });
  assert.deepEqual(await store.tokens.list(alice.id), []);
  const { token } = await issueToken(store, root.id, { name: 'ops', scopes: ['admin', 'admin'] });
  assert.deepEqual(token.scopes, ['admin']);
});

test('bootstrapAdmin: an empty store gets user "admin" and an admin token; a second run does nothing', async (t) => {
  const store = await freshStore(t);
  const first = await bootstrapAdmin(store);
  assert.equal(first.user.name, 'admin');
  assert.equal(first.user.isAdmin, true);
  assert.ok(first.secret);
  assert.match(first.secret, /^waft_/);
  const { user, token } = await authenticate(store, `Bearer ${first.secret}`);
  assert.deepEqual(user, first.user);
  assert.deepEqual(token.scopes, ['admin']);
  assert.ok(hasScope(token, 'tokens:write'));

  const second = await bootstrapAdmin(store);
  assert.equal(second.secret, null);
  assert.equal(second.user.id, first.user.id);
  assert.equal(await store.users.count(), 1);
  assert.equal((await store.tokens.list(first.user.id)).length, 1);
});

test('bootstrapAdmin: WAFT_ADMIN_TOKEN becomes the first admin token of an empty store', async (t) => {
  const store = await freshStore(t);
  const envToken = 'operator-chosen-token-0123456789abcdef';
  const first = await bootstrapAdmin(store, envToken);
  assert.equal(first.secret, envToken);
  assert.equal((await authenticate(store, `Bearer ${envToken}`)).user.name, 'admin');
  // Restarting with the same variable changes nothing.
  assert.deepEqual(await bootstrapAdmin(store, envToken), { user: first.user, secret: null });
  assert.equal((await store.tokens.list(first.user.id)).length, 1);
});

test('bootstrapAdmin: a new WAFT_ADMIN_TOKEN on a store with users is added for the oldest admin', async (t) => {
  const store = await freshStore(t);
  const first = await bootstrapAdmin(store);
  await store.users.create('alice', false);
  const envToken = newTokenSecret();
  const again = await bootstrapAdmin(store, envToken);
  assert.equal(again.user.id, first.user.id);
  assert.equal(again.secret, envToken);
  const { user, token } = await authenticate(store, `Bearer ${envToken}`);
  assert.equal(user.id, first.user.id);
  assert.equal(token.name, 'WAFT_ADMIN_TOKEN');
  assert.deepEqual(token.scopes, ['admin']);
  // The generated bootstrap token keeps working too.
  await authenticate(store, `Bearer ${first.secret}`);
});

test('bootstrapAdmin: a revoked WAFT_ADMIN_TOKEN stays revoked across restarts', async (t) => {
  const store = await freshStore(t);
  const envToken = newTokenSecret();
  const first = await bootstrapAdmin(store, envToken);
  const [token] = await store.tokens.list(first.user.id);
  assert.equal(await store.tokens.revoke(first.user.id, token.id), true);
  assert.deepEqual(await bootstrapAdmin(store, envToken), { user: first.user, secret: null });
  await rejectsWith(authenticate(store, `Bearer ${envToken}`), 'WAFT_E_AUTH_REVOKED', envToken);
});

test('bootstrapAdmin: users but no admin at all: WAFT_ADMIN_TOKEN creates user "admin"', async (t) => {
  const store = await freshStore(t);
  await store.users.create('alice', false);
  const envToken = newTokenSecret();
  const got = await bootstrapAdmin(store, envToken);
  assert.equal(got.user.name, 'admin');
  assert.equal(got.user.isAdmin, true);
  assert.equal((await authenticate(store, `Bearer ${envToken}`)).user.id, got.user.id);
});

test('bootstrapAdmin: a weak WAFT_ADMIN_TOKEN is refused before anything is created', async (t) => {
  const store = await freshStore(t);
  for (const weak of ['hunter2', 'x'.repeat(31), 'has spaces but is long enough to pass length', 'x'.repeat(513)]) {
    await assert.rejects(bootstrapAdmin(store, weak), { code: 'WAFT_E_ADMIN_TOKEN_INVALID' });
  }
  assert.equal(await store.users.count(), 0);
});

test('bootstrapAdmin: two servers bootstrapping one empty database at once make one admin', async (t) => {
  const store = await freshStore(t);
  const results = await Promise.all([bootstrapAdmin(store), bootstrapAdmin(store), bootstrapAdmin(store)]);
  assert.equal(await store.users.count(), 1);
  assert.equal(results.filter((r) => r.secret !== null).length, 1);
  assert.equal(new Set(results.map((r) => r.user.id)).size, 1);
});
