// Crash safety of `waft server`: a real child process is killed with SIGKILL in the middle of
// a deploy, then started again on the same data directory and database. Whatever the moment,
// the previous version must still serve, and no half-written version may exist.
//
// The kill lands at a known point without any timing: the test holds the database lock the
// server needs next (SQLite: the write lock; Postgres: the app's row lock), waits for the server
// to say it has reached that point, and kills it while it waits for the lock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { cGuest, clangMissing } from '../../support/guests.ts';
import { createTestDatabase, type TestDatabase } from '../store/pg.ts';
import { startServerChild, type ServerChild } from './child.ts';

const TOKEN = `waft_crash_test_${'c'.repeat(40)}`;
const skipC = clangMissing();

async function call(base: string, method: string, path: string, body?: unknown, raw?: Uint8Array | AsyncIterable<Uint8Array>) {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await request(`${base}/api/v1${path}`, { method: method as 'GET', headers, body: raw === undefined ? (body === undefined ? undefined : JSON.stringify(body)) : raw instanceof Uint8Array ? raw : Readable.from(raw) });
  const text = await r.body.text();
  return { status: r.statusCode, body: text ? JSON.parse(text) : null, text };
}

async function get(s: ServerChild, app: string, path: string): Promise<string> {
  const r = await request(`${s.url}/apps/${app}${path}`);
  return r.body.text();
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function manifest(who: string): string {
  return `[app]\nname = "crash"\n\n[functions.who]\nsource = "who.wasm"\nroute = "/who"\nenvironment = { WHO = "${who}" }\n`;
}

interface Lock {
  release(): Promise<void>;
}

describe('waft server survives SIGKILL mid-deploy', { skip: skipC ?? false }, () => {
  for (const backend of ['sqlite', 'postgres'] as const) {
    describe(backend, () => {
      let dataDir: string;
      let db: TestDatabase | null = null;
      let skip: string | null = null;
      let server: ServerChild | null = null;
      const wasm = new Uint8Array(readFileSync(cGuest('wagi_env') ?? '/dev/null'));

      before(async () => {
        dataDir = mkdtempSync(join(tmpdir(), 'waft-crash-'));
        if (backend === 'postgres') {
          const made = await createTestDatabase();
          if (typeof made === 'string') skip = made;
          else db = made;
        }
      });
      after(async () => {
        await server?.kill();
        rmSync(dataDir, { recursive: true, force: true });
        await db?.drop();
      });

      const args = () => ['--data', dataDir, ...(db ? ['--database', db.url] : [])];
      const start = () => startServerChild(args(), { WAFT_ADMIN_TOKEN: TOKEN });

      async function appId(): Promise<string> {
        return (await call(server!.url, 'GET', '/apps/crash')).body.app.id;
      }

      /** Takes the lock the server's next write of this app needs. */
      async function lock(id: string): Promise<Lock> {
        // A token use may write lastUsedAt (once a minute); make that happen now, not under the lock.
        await call(server!.url, 'GET', '/me');
        if (backend === 'sqlite') {
          const holder = new DatabaseSync(join(dataDir, 'waft.db'), { timeout: 10_000 });
          holder.exec('BEGIN IMMEDIATE');
          return {
            async release() {
              holder.exec('ROLLBACK');
              holder.close();
            },
          };
        }
        const sql = postgres(db!.url, { max: 1, onnotice: () => {} });
        let unlock!: () => void;
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => { locked = resolve; });
        const done = sql.begin(async (tx) => {
          await tx`SELECT id FROM apps WHERE id = ${id} FOR UPDATE`;
          locked();
          await new Promise<void>((resolve) => { unlock = resolve; });
        });
        await isLocked;
        return {
          async release() {
            unlock();
            await done;
            await sql.end({ timeout: 5 });
          },
        };
      }

      /** Postgres: wait until a waft connection is blocked on a lock (the server is where we want it). */
      async function serverWaitsForLock(): Promise<void> {
        if (backend !== 'postgres') return;
        const sql = postgres(db!.url, { max: 1, onnotice: () => {} });
        try {
          for (;;) {
            const rows = await sql`SELECT 1 FROM pg_stat_activity WHERE application_name = 'waft' AND datname = current_database() AND wait_event_type = 'Lock'`;
            if (rows.length > 0) return;
            await new Promise((r) => setImmediate(r));
          }
        } finally {
          await sql.end({ timeout: 5 });
        }
      }

      /** Every version the store lists is whole: all its blobs stored and intact, its directory complete when present. */
      async function checkInvariants(expectedNumbers: number[]): Promise<void> {
        const list = await call(server!.url, 'GET', '/apps/crash/versions');
        assert.deepEqual(list.body.versions.map((v: any) => v.number), expectedNumbers);
        for (const v of list.body.versions) {
          const full = (await call(server!.url, 'GET', `/apps/crash/versions/${v.number}`)).body.version;
          for (const [path, f] of Object.entries(full.files) as [string, { sha256: string; size: number }][]) {
            const blob = join(dataDir, 'blobs', 'sha256', f.sha256.slice(0, 2), f.sha256.slice(2));
            assert.equal(sha(new Uint8Array(readFileSync(blob))), f.sha256, `blob of ${path} in version ${v.number}`);
            const inDir = join(dataDir, 'versions', full.id, path);
            if (existsSync(join(dataDir, 'versions', full.id))) assert.equal(statSync(inDir).size, f.size);
          }
        }
        // Every version directory belongs to a stored version; no staging leftovers.
        const ids = new Set(list.body.versions.map((v: any) => v.id));
        for (const dir of readdirSync(join(dataDir, 'versions'))) assert.ok(ids.has(dir), `versions/${dir} belongs to no stored version`);
        assert.deepEqual(readdirSync(join(dataDir, 'staging')), []);
      }

      test('set up: version 1 deployed and serving', async (tc) => {
        if (skip) return tc.skip(skip);
        server = await start();
        assert.equal((await call(server.url, 'POST', '/apps', { name: 'crash' })).status, 201);
        assert.equal((await call(server.url, 'PUT', `/apps/crash/blobs/${sha(wasm)}`, undefined, wasm)).status, 201);
        const v1 = await call(server.url, 'POST', '/apps/crash/versions', { manifest: manifest('v1'), files: { 'who.wasm': { sha256: sha(wasm), size: wasm.byteLength } } });
        assert.equal(v1.status, 201, v1.text);
        assert.equal((await call(server.url, 'POST', '/apps/crash/deployments', { version: 1 })).status, 201);
        assert.match(await get(server, 'crash', '/who'), /^WHO=v1$/m);
      });

      test('killed while storing a new version: no version 2, version 1 serves', async (tc) => {
        if (skip) return tc.skip(skip);
        const held = await lock(await appId());
        const pending = call(server!.url, 'POST', '/apps/crash/versions', { manifest: manifest('v2'), files: { 'who.wasm': { sha256: sha(wasm), size: wasm.byteLength } } })
          .catch((err: Error) => ({ status: 0, text: err.message }));
        await server!.waitForLine(/^Storing a new version of app "crash"/);
        await serverWaitsForLock();
        await server!.kill();
        await held.release();
        assert.equal((await pending).status, 0, 'the client saw the connection drop');

        server = await start();
        assert.match(await get(server, 'crash', '/who'), /^WHO=v1$/m);
        await checkInvariants([1]);
        // The number was never used up: the next version is 2.
        const v2 = await call(server.url, 'POST', '/apps/crash/versions', { manifest: manifest('v2'), files: { 'who.wasm': { sha256: sha(wasm), size: wasm.byteLength } } });
        assert.equal(v2.body.version.number, 2);
      });

      test('killed while activating version 2: version 1 still serves after the restart', async (tc) => {
        if (skip) return tc.skip(skip);
        const held = await lock(await appId());
        const pending = call(server!.url, 'POST', '/apps/crash/deployments', { version: 2 }).catch((err: Error) => ({ status: 0, text: err.message }));
        await server!.waitForLine(/^Activating version 2 of app "crash"/);
        await serverWaitsForLock();
        await server!.kill();
        await held.release();
        assert.equal((await pending).status, 0);

        server = await start();
        assert.match(await get(server, 'crash', '/who'), /^WHO=v1$/m);
        const app = (await call(server.url, 'GET', '/apps/crash')).body.app;
        assert.equal(app.activeVersion.number, 1);
        const deployments = (await call(server.url, 'GET', '/apps/crash/deployments')).body.deployments;
        assert.deepEqual(deployments.map((d: any) => d.version), [1], 'the interrupted deployment left no record');
        await checkInvariants([2, 1]);
      });

      test('killed mid-upload of a blob: nothing of it is kept, version 1 serves', async (tc) => {
        if (skip) return tc.skip(skip);
        const big = new Uint8Array(4 * 1024 * 1024).fill(42);
        let stall!: () => void;
        const stalled = new Promise<void>((resolve) => { stall = resolve; });
        async function* body() {
          yield big.subarray(0, 1024 * 1024);
          await stalled;
        }
        const pending = call(server!.url, 'PUT', `/apps/crash/blobs/${sha(big)}`, undefined, body()).catch((err: Error) => ({ status: 0, text: err.message }));
        // The server is mid-upload once its temp file holds bytes.
        const tmp = join(dataDir, 'blobs', 'tmp');
        for (;;) {
          const parts = existsSync(tmp) ? readdirSync(tmp).filter((f) => f.endsWith('.part')) : [];
          if (parts.some((f) => statSync(join(tmp, f)).size > 0)) break;
          await new Promise((r) => setImmediate(r));
        }
        await server!.kill();
        stall();
        assert.equal((await pending).status, 0);

        server = await start();
        assert.match(await get(server, 'crash', '/who'), /^WHO=v1$/m);
        const head = await request(`${server.url}/api/v1/apps/crash/blobs/${sha(big)}`, { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}` } });
        await head.body.dump();
        assert.equal(head.statusCode, 404);
        assert.ok(!existsSync(join(dataDir, 'blobs', 'sha256', sha(big).slice(0, 2), sha(big).slice(2))));
        await checkInvariants([2, 1]);
      });

      test('a version whose directory is gone (a crash before its rename, a lost disk) is rebuilt from its blobs', async (tc) => {
        if (skip) return tc.skip(skip);
        const v2 = (await call(server!.url, 'GET', '/apps/crash/versions/2')).body.version;
        assert.equal(await server!.stop(), 0);
        rmSync(join(dataDir, 'versions', v2.id), { recursive: true, force: true });
        server = await start();
        assert.equal((await call(server.url, 'POST', '/apps/crash/deployments', { version: 2 })).status, 201);
        assert.match(await get(server, 'crash', '/who'), /^WHO=v2$/m);
        assert.ok(existsSync(join(dataDir, 'versions', v2.id, 'who.wasm')));
        // And after a restart the deployed version 2 is what serves.
        assert.equal(await server.stop(), 0);
        server = await start();
        assert.match(await get(server, 'crash', '/who'), /^WHO=v2$/m);
        await checkInvariants([2, 1]);
        assert.equal(await server.stop(), 0);
        server = null;
      });
    });
  }
});
