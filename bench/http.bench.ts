// Requests per second and latency of a C hello world served by `waft up` (a fresh instance per
// request), against a plain node:http hello on the same machine in the same run. Each server runs
// in its own process; the load comes from wrk, a separate process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cGuest, clangMissing, repoRoot } from '../test/support/guests.ts';
import { freePort, header, median, table, waitFor, wrk, wrkMissing, type WrkResult } from './support.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

if (wrkMissing()) {
  console.log(`skipped: ${wrkMissing()}`);
  process.exit(0);
}
const guest = cGuest('wagi_reply');
if (!guest) {
  console.log(`skipped: ${clangMissing()}`);
  process.exit(0);
}




async function start(kind: 'node' | 'waft', port: number, dir: string): Promise<ChildProcess> {
  const child = kind === 'node'
    ? spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain' }); s.end('hello\\n'); }).listen(${port}, '127.0.0.1')`], { stdio: 'ignore' })
    : spawn(process.execPath, [join(repoRoot, 'bin/waft.js'), 'up', dir, '--listen', `127.0.0.1:${port}`, '--quiet'], { stdio: 'ignore' });
  await waitFor(`http://127.0.0.1:${port}/hello`);
  return child;
}

const dir = mkdtempSync(join(tmpdir(), 'waft-bench-'));
copyFileSync(guest, join(dir, 'hello.wasm'));
writeFileSync(join(dir, 'waft.toml'), '[app]\nname = "bench"\n\n[functions.hello]\nsource = "hello.wasm"\nroute = "/hello"\nlimits = { concurrency = 256, queue = 1024 }\n');

const results: Record<'node' | 'waft', WrkResult[]> = { node: [], waft: [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['node', 'waft'] as const) {
      const port = await freePort();
      const child = await start(kind, port, dir);
      try {
        spawnSync('wrk', ['-t1', '-c8', '-d1s', `http://127.0.0.1:${port}/hello`]); // warm-up
        results[kind].push(wrk(`http://127.0.0.1:${port}/hello`, { connections: CONNECTIONS, seconds: SECONDS }));
      } finally {
        child.kill('SIGKILL');
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const summary = (kind: 'node' | 'waft') => ({
  rps: median(results[kind].map((r) => r.rps)),
  p50: median(results[kind].map((r) => r.p50)),
  p99: median(results[kind].map((r) => r.p99)),
});
const node = summary('node');
const waft = summary('waft');
header(`HTTP hello, wrk ${CONNECTIONS} connections, ${SECONDS}s × ${ROUNDS} rounds (medians)`);
table([
  { server: 'node:http hello (baseline)', 'req/s': Math.round(node.rps), 'p50 ms': node.p50, 'p99 ms': node.p99, 'vs node:http': 1 },
  { server: 'waft up, C WAGI hello, fresh instance per request', 'req/s': Math.round(waft.rps), 'p50 ms': waft.p50, 'p99 ms': waft.p99, 'vs node:http': waft.rps / node.rps },
]);
console.log(`\nrounds (req/s): node ${results.node.map((r) => Math.round(r.rps)).join(' ')}; waft ${results.waft.map((r) => Math.round(r.rps)).join(' ')}`);
console.log(`goal: ≥ 0.5× node:http with p99 ≤ 5 ms; measured ${(waft.rps / node.rps).toFixed(2)}×, p99 ${waft.p99.toFixed(2)} ms`);
