import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test, type TestContext } from 'node:test';
import postgres from 'postgres';
import { sqliteMigrations } from '../../../src/server/store/migrations.ts';
import { openStore } from '../../../src/server/store/index.ts';
import { openPostgresStore } from '../../../src/server/store/postgres.ts';
import { openSqliteStore } from '../../../src/server/store/sqlite.ts';
import { createTestDatabase } from './pg.ts';

const LATEST = sqliteMigrations.at(-1)!.version;

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'waft-open-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('openStore without a database URL opens and migrates SQLite at DATA/waft.db in WAL mode', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore({ dataDir: join(dir, 'data') });
  try {
    assert.equal(await store.schemaVersion(), LATEST);
    await store.users.create('admin', true);
  } finally {
    await store.close();
  }
  const raw = new DatabaseSync(join(dir, 'data', 'waft.db'), { readOnly: true });
  try {
    assert.equal((raw.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    const rows = raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    assert.deepEqual(rows.map((r) => ({ ...r })), sqliteMigrations.map((m) => ({ version: m.version, name: m.name })));
  } finally {
    raw.close();
  }
  // Reopening an existing store keeps its data and migrates nothing again.
  const again = await openStore({ dataDir: join(dir, 'data'), databaseUrl: '' });
  try {
    assert.equal(await again.users.count(), 1);
  } finally {
    await again.close();
  }
});

test('openStore with a postgres:// URL opens and migrates Postgres', async (t) => {
  const db = await createTestDatabase();
  if (typeof db === 'string') return t.skip(db);
  t.after(() => db.drop());
  const store = await openStore({ dataDir: '/nonexistent', databaseUrl: db.url.replace('postgres://', 'postgresql://') });
  try {
    assert.equal(await store.schemaVersion(), LATEST);
  } finally {
    await store.close();
  }
});

test('openStore refuses a database URL that is not postgres:// and hides its password', async () => {
  await assert.rejects(openStore({ dataDir: '/tmp', databaseUrl: 'mysql://root:hunter2@db/waft' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'WAFT_E_DATABASE_URL_INVALID');
    assert.ok(!err.message.includes('hunter2'), err.message);
    return true;
  });
});

test('an unreachable Postgres is WAFT_E_STORE_UNAVAILABLE, and the password is not in the message', async () => {
  await assert.rejects(openPostgresStore('postgres://waft:s3cret-pass@127.0.0.1:1/waft'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'WAFT_E_STORE_UNAVAILABLE');
    assert.ok(!err.message.includes('s3cret-pass'), err.message);
    return true;
  });
});

test('a SQLite path that cannot be created is WAFT_E_STORE_UNAVAILABLE', async (t) => {
  const dir = await tempDir(t);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'file'), 'not a directory');
  await assert.rejects(openSqliteStore(join(dir, 'file', 'waft.db')), { code: 'WAFT_E_STORE_UNAVAILABLE' });
});

test('a SQLite database migrated by a newer waft is refused (no downgrade)', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'waft.db');
  const store = await openSqliteStore(path);
  await store.migrate();
  const raw = new DatabaseSync(path);
  raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST + 1, 'from the future', 0);
  raw.close();
  try {
    await assert.rejects(store.migrate(), { code: 'WAFT_E_STORE_SCHEMA_NEWER' });
  } finally {
    await store.close();
  }
  await assert.rejects(openStore({ dataDir: dir }), { code: 'WAFT_E_STORE_SCHEMA_NEWER' });
});

test('a Postgres database migrated by a newer waft is refused (no downgrade)', async (t) => {
  const db = await createTestDatabase();
  if (typeof db === 'string') return t.skip(db);
  t.after(() => db.drop());
  const store = await openPostgresStore(db.url);
  try {
    await store.migrate();
    const raw = postgres(db.url, { max: 1 });
    await raw`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${LATEST + 1}, 'from the future', 0)`;
    await raw.end();
    await assert.rejects(store.migrate(), { code: 'WAFT_E_STORE_SCHEMA_NEWER' });
  } finally {
    await store.close();
  }
});

test('SQLite: every app-scoped query is served by an index, never a full table scan', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'waft.db');
  const store = await openSqliteStore(path);
  await store.migrate();
  await store.close();
  const raw = new DatabaseSync(path, { readOnly: true });
  t.after(() => raw.close());
  const queries = [
    'SELECT * FROM apps WHERE owner_id = ? ORDER BY created_at, id',
    'SELECT * FROM tokens WHERE user_id = ? ORDER BY created_at, id',
    'SELECT * FROM tokens WHERE secret_hash = ?',
    'SELECT * FROM versions WHERE app_id = ? ORDER BY number DESC',
    'SELECT * FROM versions WHERE app_id = ? AND number = ?',
    'SELECT f.version_id, f.path, f.sha256, f.size FROM version_files f JOIN versions v ON v.id = f.version_id WHERE v.app_id = ? ORDER BY f.version_id, f.path',
    'SELECT * FROM deployments WHERE app_id = ? ORDER BY seq DESC',
    'SELECT * FROM logs WHERE app_id = ? ORDER BY id DESC LIMIT ?',
    'SELECT * FROM logs WHERE app_id = ? AND id > ? ORDER BY id ASC LIMIT ?',
    'SELECT * FROM logs WHERE app_id = ? AND request_id = ? ORDER BY id DESC LIMIT ?',
    'SELECT id FROM logs WHERE logged_at < ? ORDER BY logged_at LIMIT ?',
    'SELECT * FROM usage_records WHERE app_id = ? AND started_at >= ? AND started_at < ?',
    'SELECT id FROM usage_records WHERE started_at < ? ORDER BY started_at LIMIT ?',
    'SELECT version_id FROM version_files WHERE sha256 = ?',
  ];
  for (const sql of queries) {
    const plan = raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => String((r as { detail: string }).detail));
    const scans = plan.filter((d) => /^SCAN \w+( AS \w+)?$/.test(d) || /^SCAN \w+ USING (?!.*INDEX)/.test(d));
    assert.deepEqual(scans, [], `${sql}\n${plan.join('\n')}`);
  }
});
