// µs per get on the SQLite key-value backend, against the same get done directly with a
// node:sqlite prepared statement on the same file, in the same run. The difference is the cost
// of the capability layer: argument checks, the async call, the closed/unavailable guard.
// Run: node bench/kv.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sqliteBackend } from '../src/capabilities/kv/index.ts';
import { header, median, table } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const KEYS = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'waft-kv-bench-'));
try {
  const backend = sqliteBackend({ path: dir });
  const kv = await backend.open('default', 'bench');
  const value = new Uint8Array(100).fill(7);
  for (let i = 0; i < KEYS; i++) await kv.set(`user:${i}`, value);
  const key = `user:${KEYS >> 1}`;

  // The statement the backend runs, on a second connection to the same file.
  const db = new DatabaseSync(join(dir, 'bench.sqlite'));
  const stmt = db.prepare(`SELECT value FROM waft_kv WHERE namespace = ? AND store = ? AND key = ?
    AND (expires_at IS NULL OR expires_at > ?)`);
  const direct = () => (stmt.get('bench', 'default', key, Date.now()) as { value: Uint8Array }).value;
  if ((await kv.get(key))?.byteLength !== 100 || direct().byteLength !== 100) throw new Error('the two gets disagree');

  // Rounds interleave the three ways, so that drift in the machine's speed hits all of them.
  async function perCall(fn: () => unknown, sync: boolean): Promise<number> {
    const t0 = performance.now();
    if (sync) for (let i = 0; i < ITERATIONS; i++) fn();
    else for (let i = 0; i < ITERATIONS; i++) await fn();
    return ((performance.now() - t0) * 1000) / ITERATIONS;
  }
  const ways = {
    sync: { fn: direct, sync: true, per: [] as number[] },
    awaited: { fn: async () => direct(), sync: false, per: [] as number[] },
    kv: { fn: () => kv.get(key), sync: false, per: [] as number[] },
  };
  for (const w of Object.values(ways)) await perCall(w.fn, w.sync); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const w of Object.values(ways)) w.per.push(await perCall(w.fn, w.sync));
  }
  const sync = median(ways.sync.per);
  const awaited = median(ways.awaited.per);
  const viaKv = median(ways.kv.per);

  header(`key-value get, SQLite backend (100-byte value, ${KEYS} keys; median of ${ROUNDS} rounds × ${ITERATIONS})`);
  table([
    { what: 'node:sqlite prepared statement, sync loop (baseline)', 'µs/get': sync, ratio: 1 },
    { what: 'same statement in an awaited async function', 'µs/get': awaited, ratio: awaited / sync },
    { what: 'kv.get() through the sqlite backend', 'µs/get': viaKv, ratio: viaKv / sync },
  ]);
  console.log(`\nratio kv.get / direct node:sqlite: ${(viaKv / sync).toFixed(2)}×`);
  db.close();
  await backend.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
