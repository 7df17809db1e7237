// What both key-value benchmarks read: KEYS 100-byte values written through the SQLite backend
// under app APP, and `direct`, the get that backend runs, done with a node:sqlite prepared
// statement on a second connection to the same file (the baseline).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sqliteBackend, type KvStore } from '../src/capabilities/kv/index.ts';

export const KEYS = 10_000;
export const APP = 'bench';

export interface SqliteKvFixture {
  /** The backend's directory: one file per app. */
  dir: string;
  /** The store "default" of APP, open on the backend. */
  kv: KvStore;
  /** The key every get reads. */
  key: string;
  direct(): Uint8Array;
  /** Closes both connections and removes the directory. */
  close(): Promise<void>;
}

export async function sqliteKvFixture(name: string): Promise<SqliteKvFixture> {
  const dir = mkdtempSync(join(tmpdir(), `waft-${name}-`));
  const backend = sqliteBackend({ path: dir });
  let db: DatabaseSync | undefined;
  const close = async () => {
    db?.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const kv = await backend.open('default', APP);
    const value = new Uint8Array(100).fill(7);
    for (let i = 0; i < KEYS; i++) await kv.set(`user:${i}`, value);
    const key = `user:${KEYS >> 1}`;
    db = new DatabaseSync(join(dir, `${APP}.sqlite`));
    const stmt = db.prepare(`SELECT value FROM waft_kv WHERE namespace = ? AND store = ? AND key = ?
      AND (expires_at IS NULL OR expires_at > ?)`);
    const direct = () => (stmt.get(APP, 'default', key, Date.now()) as { value: Uint8Array }).value;
    if ((await kv.get(key))?.byteLength !== 100 || direct().byteLength !== 100) throw new Error('the two gets disagree');
    return { dir, kv, key, direct, close };
  } catch (err) {
    await close();
    throw err;
  }
}
