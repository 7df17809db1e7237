// µs per get on the SQLite key-value backend, against the same get done directly with a
// node:sqlite prepared statement on the same file, in the same run. The difference is the cost
// of the capability layer: argument checks, the async call, the closed/unavailable guard.
// Run: node bench/kv.bench.ts
import { KEYS, sqliteKvFixture } from './kv-fixture.ts';
import { header, median, table } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);

const { kv, key, direct, close } = await sqliteKvFixture('kv-bench');
try {
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
} finally {
  await close();
}
