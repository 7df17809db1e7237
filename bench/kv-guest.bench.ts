// µs per key-value get made by a guest through the waft ABI (kv_get + buf_read + buf_drop) on
// the SQLite backend, against the same get done directly from Node with a node:sqlite prepared
// statement, in the same run. The guest times its own loop (clock_gettime inside the guest),
// so instantiation and the pool's messages are not counted. Each way is timed by its thread's
// CPU clock, which other processes on a busy machine do not disturb (the suspensions and
// microtasks of a guest's calls all run on its worker thread, so they are counted), and by the
// wall clock. Goal: at most 2× the direct get.
// Run: node bench/kv-guest.bench.ts
import { abiExtension, grantKey, type CapabilityGrant } from '../src/capabilities/abi/index.ts';
import { Sandbox } from '../src/sandbox/pool.ts';
import { compileModule } from '../src/wasm/cache.ts';
import { readModuleFile } from '../src/wasm/load.ts';
import { cGuest, clangMissing } from '../test/support/guests.ts';
import { APP, KEYS, sqliteKvFixture } from './kv-fixture.ts';
import { header, median, table } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);

const path = cGuest('cap_kvbench');
if (!path) {
  console.log(`skipped: ${clangMissing()}`);
  process.exit(0);
}

// The data, written through the backend the guest will read.
const { dir, kv, key, direct, close } = await sqliteKvFixture('kv-guest-bench');
const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, extension: abiExtension });
try {
  const module = await compileModule(await readModuleFile(path));
  const grant: CapabilityGrant = {
    app: APP, function: 'bench', stores: { default: { type: 'sqlite', path: dir } }, allowedOutboundHosts: [],
    outbound: { maxRequestBody: 0, maxResponseBody: 0, timeoutMs: 1000 }, variables: {}, secrets: [],
  };
  const runGrant = { key: grantKey(grant), value: grant };
  interface Timing { cpu: number; wall: number }
  async function guestPerGet(n: number): Promise<Timing> {
    const r = await sandbox.run({ module, args: ['kvbench', String(n), key], grant: runGrant, limits: { timeoutMs: 600_000 } });
    const out = new TextDecoder().decode(r.stdout);
    const m = /^ns=(\d+) cpu_ns=(\d+) n=(\d+) bytes=(\d+)$/m.exec(out);
    if (r.exitCode !== 0 || !m || Number(m[4]) !== n * 100) throw new Error(`the guest failed: exit ${r.exitCode} ${r.error?.message ?? ''} ${out}`);
    return { wall: Number(m[1]) / 1000 / n, cpu: Number(m[2]) / 1000 / n };
  }
  async function timed(n: number, loop: () => unknown): Promise<Timing> {
    const c0 = process.threadCpuUsage();
    const t0 = performance.now();
    await loop();
    const wall = ((performance.now() - t0) * 1000) / n;
    const c = process.threadCpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / n };
  }
  const directPerGet = (n: number) => timed(n, () => { for (let i = 0; i < n; i++) direct(); });
  const kvPerGet = (n: number) => timed(n, async () => { for (let i = 0; i < n; i++) await kv.get(key); });

  // Warm-up (JIT, the worker's backend and statements), then rounds that interleave the ways.
  await guestPerGet(ITERATIONS);
  await directPerGet(ITERATIONS);
  await kvPerGet(ITERATIONS);
  const per = { direct: [] as Timing[], kv: [] as Timing[], guest: [] as Timing[] };
  for (let r = 0; r < ROUNDS; r++) {
    per.direct.push(await directPerGet(ITERATIONS));
    per.kv.push(await kvPerGet(ITERATIONS));
    per.guest.push(await guestPerGet(ITERATIONS));
  }
  const med = (ts: Timing[]) => ({ cpu: median(ts.map((t) => t.cpu)), wall: median(ts.map((t) => t.wall)) });
  const base = med(per.direct);
  const viaKv = med(per.kv);
  const guest = med(per.guest);
  const row = (what: string, t: Timing) => ({
    what, 'µs/get (CPU)': t.cpu, 'ratio (CPU)': t.cpu / base.cpu, 'µs/get (wall)': t.wall, 'ratio (wall)': t.wall / base.wall,
  });

  header(`key-value get from a guest, SQLite backend (100-byte value, ${KEYS} keys; median of ${ROUNDS} rounds × ${ITERATIONS})`);
  table([
    row('node:sqlite prepared statement from Node (baseline)', base),
    row('kv.get() from Node through the sqlite backend', viaKv),
    row('guest: kv_get + buf_read + buf_drop (waft ABI, in a worker)', guest),
  ]);
  console.log(`\nratio guest kv_get / direct node:sqlite: ${(guest.cpu / base.cpu).toFixed(2)}× by CPU time, ${(guest.wall / base.wall).toFixed(2)}× by wall time (goal ≤ 2×)`);
} finally {
  await sandbox.close();
  await close();
}
