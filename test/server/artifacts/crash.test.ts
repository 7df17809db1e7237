// Deploys killed with SIGKILL part-way (see crash-child.ts). After each kill the store and the
// blob directory are reopened and must hold: no version without all of its blobs and file
// rows, no blob whose name is not the sha256 of its bytes, version numbers without holes, and
// the active version of the last deploy that committed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { test, type TestContext } from 'node:test';
import postgres from 'postgres';
import { BlobStore } from '../../../src/server/artifacts/blobs.ts';
import { publishVersion } from '../../../src/server/artifacts/publish.ts';
import { openPostgresStore } from '../../../src/server/store/postgres.ts';
import { openSqliteStore } from '../../../src/server/store/sqlite.ts';
import type { App, Store, User, Version } from '../../../src/server/store/types.ts';
import { repoRoot } from '../../support/guests.ts';
import { createTestDatabase } from '../store/pg.ts';
import type { CrashChildConfig } from './crash-child.ts';

const CHILD = resolve(repoRoot, 'test/server/artifacts/crash-child.ts');

interface Setup {
  backend: 'sqlite' | 'postgres';
  target: string;
  open(): Promise<Store>;
  blobs: BlobStore;
  user: User;
  app: App;
  v1: Version;
}

/** A store with user alice and app "shop" whose version 1 (two blobs) is active. */
async function setUp(t: TestContext, backend: 'sqlite' | 'postgres'): Promise<Setup | null> {
  const dir = await mkdtemp(join(tmpdir(), 'waft-crash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let target: string;
  if (backend === 'sqlite') {
    target = join(dir, 'waft.db');
  } else {
    const db = await createTestDatabase();
    if (typeof db === 'string') {
      t.skip(db);
      return null;
    }
    t.after(() => db.drop());
    target = db.url;
  }
  const open = () => (backend === 'sqlite' ? openSqliteStore(target) : openPostgresStore(target));
  const blobs = new BlobStore(join(dir, 'blobs'));
  const store = await open();
  try {
    await store.migrate();
    const user = await store.users.create('alice', false);
    const app = await store.apps.create(user.id, 'shop');
    const a = await blobs.put(randomBytes(5000), { maxBytes: 1 << 20 });
    const b = await blobs.put(randomBytes(7000), { maxBytes: 1 << 20 });
    const v1 = await publishVersion(store, blobs, { appId: app.id, createdBy: user.id, manifest: 'v1', files: { 'api.wasm': a, 'index.html': b } });
    await store.deployments.activate(app.id, v1.id, user.id, 'deploy');
    return { backend, target, open, blobs, user, app, v1 };
  } finally {
    await store.close();
  }
}

interface Child {
  /** Resolves with the first stdout line matching; rejects if the child exits first. */
  waitFor(pattern: RegExp): Promise<string>;
  lines: string[];
  kill(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startChild(config: CrashChildConfig): Child {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) => {
    proc.on('exit', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`the child exited (${code ?? signal}) before printing ${w.pattern}; stderr:\n${stderr}`));
      res({ code, signal, stderr });
    });
  });
  return {
    lines,
    waitFor(pattern) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.reject(new Error(`the child has exited; stderr:\n${stderr}`));
      return new Promise((resolve, reject) => waiters.push({ pattern, resolve, reject }));
    },
    kill() {
      proc.kill('SIGKILL');
    },
    exited,
  };
}

/** Reopens everything and checks the crash invariants; returns the app's versions, oldest first. */
async function checkInvariants(s: Setup, filesPerVersion: Map<number, number>): Promise<{ versions: Version[]; active: Version; store: Store }> {
  const store = await s.open();
  const versions = (await store.versions.list(s.app.id)).reverse();
  assert.deepEqual(versions.map((v) => v.number), versions.map((_, i) => i + 1), 'version numbers have no holes');
  const checked = new Map<string, boolean>();
  for (const v of versions) {
    const expected = filesPerVersion.get(v.number) ?? filesPerVersion.get(0);
    assert.equal(Object.keys(v.files).length, expected, `version ${v.number} has all of its file rows`);
    for (const [path, f] of Object.entries(v.files)) {
      if (!checked.has(f.sha256)) {
        checked.set(f.sha256, true);
        assert.ok(await s.blobs.has(f.sha256), `version ${v.number} file ${path}: blob ${f.sha256} is stored`);
        assert.equal(await s.blobs.size(f.sha256), f.size, `version ${v.number} file ${path}: blob size`);
      }
    }
  }
  for await (const sha256 of s.blobs.list()) {
    assert.ok(await s.blobs.verify(sha256), `blob ${sha256} holds bytes whose sha256 is its name`);
  }
  const app = await store.apps.get(s.app.id);
  assert.ok(app?.activeVersionId, 'the app still has an active version');
  const active = versions.find((v) => v.id === app.activeVersionId);
  assert.ok(active, 'the active version exists');
  assert.equal((await store.deployments.list(s.app.id))[0].versionId, active.id, 'the newest deployment is the active version');
  return { versions, active, store };
}

/** After a kill inside the version transaction: only v1 exists and is active, and the next version is number 2 again. */
async function checkNoPartialVersion(s: Setup): Promise<void> {
  const { versions, active, store } = await checkInvariants(s, new Map([[0, 2]]));
  try {
    assert.deepEqual(versions.map((v) => v.id), [s.v1.id]);
    assert.equal(active.id, s.v1.id);
    // The number the dead transaction had taken was given back.
    const v2 = await store.versions.create(s.app.id, s.user.id, 'v2', {});
    assert.equal(v2.number, 2);
  } finally {
    await store.close();
  }
}

function sqliteIntegrity(path: string): void {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    assert.deepEqual(db.prepare('PRAGMA integrity_check').all().map((r) => (r as { integrity_check: string }).integrity_check), ['ok']);
    assert.deepEqual(db.prepare('PRAGMA foreign_key_check').all(), []);
  } finally {
    db.close();
  }
}

test('SIGKILL while a big blob of a deploy is being uploaded leaves the previous version active', async (t) => {
  const s = await setUp(t, 'sqlite');
  if (!s) return;
  const child = startChild({
    backend: s.backend, target: s.target, blobDir: s.blobs.dir, appId: s.app.id, userId: s.user.id, scenario: 'blob', files: 3,
  });
  await child.waitFor(/^streaming$/);
  child.kill();
  const { signal } = await child.exited;
  assert.equal(signal, 'SIGKILL');
  assert.ok(!child.lines.includes('deployed'));

  // The upload was cut inside put(): its partial bytes sit in a temp file, never under a blob name.
  const temps = await readdir(join(s.blobs.dir, 'tmp'));
  assert.equal(temps.length, 1);
  assert.ok((await stat(join(s.blobs.dir, 'tmp', temps[0]))).size >= 16 * 1024 * 1024);

  const { versions, active, store } = await checkInvariants(s, new Map([[0, 2]]));
  try {
    assert.deepEqual(versions.map((v) => v.id), [s.v1.id]);
    assert.equal(active.id, s.v1.id);
    // The two small blobs the child finished are complete (checked above), merely unreferenced.
    let count = 0;
    for await (const _ of s.blobs.list()) count++;
    assert.equal(count, 4);
    assert.equal(await s.blobs.removeStaleTemp(0), 1);
    const again = await s.blobs.put(randomBytes(100), { maxBytes: 1000 });
    const v2 = await publishVersion(store, s.blobs, { appId: s.app.id, createdBy: s.user.id, manifest: 'v2', files: { 'a': again } });
    assert.equal(v2.number, 2);
  } finally {
    await store.close();
  }
  sqliteIntegrity(s.target);
});

test('SIGKILL inside the version transaction (SQLite, after 3000 of 20000 file rows) stores no part of the version', async (t) => {
  const s = await setUp(t, 'sqlite');
  if (!s) return;
  const child = startChild({
    backend: s.backend, target: s.target, blobDir: s.blobs.dir, appId: s.app.id, userId: s.user.id, scenario: 'transaction',
    files: 20_000, selfKillAfterFiles: 3000,
  });
  const { signal, stderr } = await child.exited;
  assert.equal(signal, 'SIGKILL', stderr);
  assert.deepEqual(child.lines, ['ready', 'begin'], 'the child died inside publishVersion, before it returned');
  sqliteIntegrity(s.target);
  await checkNoPartialVersion(s);
});

test('SIGKILL inside the version transaction (Postgres, blocked after taking the number) stores no part of the version', async (t) => {
  const s = await setUp(t, 'postgres');
  if (!s) return;
  // Hold alice's row so that the child's transaction, once it has bumped the app's version
  // counter, waits at the foreign-key check of its INSERT INTO versions.
  const watcher = postgres(s.target, { max: 2, onnotice: () => {} });
  t.after(() => watcher.end({ timeout: 1 }));
  const reserved = await watcher.reserve();
  await reserved`BEGIN`;
  await reserved`SELECT id FROM users WHERE id = ${s.user.id} FOR UPDATE`;

  const child = startChild({
    backend: s.backend, target: s.target, blobDir: s.blobs.dir, appId: s.app.id, userId: s.user.id, scenario: 'transaction', files: 2000,
  });
  await child.waitFor(/^begin$/);
  // Wait (as long as it takes) until the child's session sits inside its transaction, blocked on our lock.
  for (;;) {
    const [row] = await watcher`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'waft' AND wait_event_type = 'Lock'
        AND xact_start IS NOT NULL AND query LIKE '%INSERT INTO versions (%'`;
    if (row.n > 0) break;
    assert.ok(!child.lines.some((l) => l.startsWith('created')), 'the child finished its version while it should be blocked');
    await new Promise((r) => setImmediate(r));
  }
  child.kill();
  const { signal } = await child.exited;
  assert.equal(signal, 'SIGKILL');
  await reserved`ROLLBACK`;
  reserved.release();

  await checkNoPartialVersion(s);
});

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`SIGKILL at an arbitrary point of back-to-back deploys of 20000-file versions (${backend})`, async (t) => {
    const s = await setUp(t, backend);
    if (!s) return;
    const child = startChild({
      backend: s.backend, target: s.target, blobDir: s.blobs.dir, appId: s.app.id, userId: s.user.id, scenario: 'loop', files: 20_000,
    });
    await child.waitFor(/^deployed 4$/);
    child.kill();
    const { signal } = await child.exited;
    assert.equal(signal, 'SIGKILL');
    const reported = Math.max(...child.lines.filter((l) => l.startsWith('deployed ')).map((l) => Number(l.split(' ')[1])));
    const { versions, active, store } = await checkInvariants(s, new Map([[0, 20_000], [1, 2]]));
    try {
      // Killed during deploy `reported + 1`: its version is absent or complete, and active only if its activation committed.
      assert.ok(versions.length === reported || versions.length === reported + 1, `versions: ${versions.length}, reported ${reported}`);
      assert.ok(active.number === reported || active.number === reported + 1);
      const where = versions.length === reported ? 'before its version committed' : active.number === reported ? 'between version and activation' : 'after activation';
      t.diagnostic(`the kill landed in deploy ${reported + 1}, ${where}`);
    } finally {
      await store.close();
    }
    if (backend === 'sqlite') sqliteIntegrity(s.target);
  });
}
