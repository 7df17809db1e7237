import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { WaftError } from '../../../src/errors.ts';
import { kvConformance } from '../../../src/capabilities/kv/conformance.case.ts';
import { sqliteBackend } from '../../../src/capabilities/kv/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'waft-kv-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

kvConformance('sqlite', async () => sqliteBackend({ path: join(dir, 'conformance') }));

test('sqlite: one WAL-mode file per app under path, and the data outlives the backend', async () => {
  const path = join(dir, 'files');
  const first = sqliteBackend({ path });
  const a = await first.open('default', 'app-one');
  const b = await first.open('default', 'app-two');
  await a.set('k', new TextEncoder().encode('one'));
  await b.set('k', new TextEncoder().encode('two'));
  await first.close();
  for (const app of ['app-one', 'app-two']) {
    const file = join(path, `${app}.sqlite`);
    assert.ok(existsSync(file), `${file} exists`);
    const db = new DatabaseSync(file);
    try {
      assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
      const rows = db.prepare('SELECT namespace, store, key FROM waft_kv').all();
      assert.deepEqual(rows.map((r) => ({ ...r })), [{ namespace: app, store: 'default', key: 'k' }]);
    } finally {
      db.close();
    }
  }
  const second = sqliteBackend({ path });
  const again = await second.open('default', 'app-one');
  assert.equal(new TextDecoder().decode((await again.get('k'))!), 'one');
  await second.close();
});

test('sqlite: a path that cannot be a directory is WAFT_E_KV_UNAVAILABLE naming the file', async () => {
  const blocker = join(dir, 'not-a-directory');
  writeFileSync(blocker, 'x');
  const backend = sqliteBackend({ path: blocker });
  await assert.rejects(backend.open('default', 'app'), (err: unknown) => {
    assert.ok(err instanceof WaftError);
    assert.equal(err.code, 'WAFT_E_KV_UNAVAILABLE');
    assert.ok(err.message.startsWith(`key-value store "default" (sqlite at ${join(blocker, 'app.sqlite')}) is unavailable: `), err.message);
    return true;
  });
  await backend.close();
});

test('sqlite: limits from the options apply', async () => {
  const backend = sqliteBackend({ path: join(dir, 'limits'), limits: { maxKeyBytes: 8, maxValueBytes: 4, maxListPage: 2 } });
  const kv = await backend.open('default', 'app');
  await kv.set('12345678', new Uint8Array(4));
  await assert.rejects(kv.set('123456789', new Uint8Array(1)), /key is 9 bytes, over the limit of 8 bytes \(maxKeyBytes\)/);
  await assert.rejects(kv.set('k', new Uint8Array(5)), /value is 5 bytes, over the limit of 4 bytes \(maxValueBytes\)/);
  await kv.set('a', new Uint8Array(1));
  await kv.set('b', new Uint8Array(1));
  const page = await kv.list('', { limit: 10 });
  assert.equal(page.keys.length, 2);
  assert.notEqual(page.cursor, null);
  await backend.close();
  assert.throws(() => sqliteBackend({ path: dir, limits: { maxKeyBytes: 0 } }), /WAFT_E_KV_CONFIG|positive whole number/);
  assert.throws(() => sqliteBackend({ path: '' }), (err: unknown) => err instanceof WaftError && err.code === 'WAFT_E_KV_CONFIG');
});
