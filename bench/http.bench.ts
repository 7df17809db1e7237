// Requests per second and latency of a C hello world served by `waft up` (a fresh instance per
// request), against a plain node:http hello on the same machine in the same run. Each server runs
// in its own process; the load comes from wrk, a separate process. A third server shows the
// ceiling of a fresh V8 instance per request here: the guest run on the thread that parsed the
// request, with none of waft's safeguards (bench/in-thread-server.ts).
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

type Kind = 'node' | 'ceiling' | 'waft';
const KINDS: Kind[] = ['node', 'ceiling', 'waft'];

async function start(kind: Kind, port: number, dir: string): Promise<ChildProcess> {
  const args = {
    node: ['-e', `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain' }); s.end('hello\\n'); }).listen(${port}, '127.0.0.1')`],
    ceiling: [join(repoRoot, 'bench/in-thread-server.ts'), join(dir, 'hello.wasm'), String(port)],
    waft: [join(repoRoot, 'bin/waft.js'), 'up', dir, '--listen', `127.0.0.1:${port}`, '--quiet'],
  }[kind];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  await waitFor(`http://127.0.0.1:${port}/hello`);
  return child;
}

const dir = mkdtempSync(join(tmpdir(), 'waft-bench-'));
copyFileSync(guest, join(dir, 'hello.wasm'));
writeFileSync(join(dir, 'waft.toml'), '[app]\nname = "bench"\n\n[functions.hello]\nsource = "hello.wasm"\nroute = "/hello"\nlimits = { concurrency = 256, queue = 1024 }\n');

const results: Record<Kind, WrkResult[]> = { node: [], ceiling: [], waft: [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of KINDS) {
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

const summary = (kind: Kind) => ({
  rps: median(results[kind].map((r) => r.rps)),
  p50: median(results[kind].map((r) => r.p50)),
  p99: median(results[kind].map((r) => r.p99)),
});
const node = summary('node');
const ceiling = summary('ceiling');
const waft = summary('waft');
header(`HTTP hello, wrk ${CONNECTIONS} connections, ${SECONDS}s × ${ROUNDS} rounds (medians)`);
table([
  { server: 'node:http hello (baseline)', 'req/s': Math.round(node.rps), 'p50 ms': node.p50, 'p99 ms': node.p99, 'vs node:http': 1 },
  { server: 'ceiling: fresh instance on the HTTP thread, no safeguards', 'req/s': Math.round(ceiling.rps), 'p50 ms': ceiling.p50, 'p99 ms': ceiling.p99, 'vs node:http': ceiling.rps / node.rps },
  { server: 'waft up, C WAGI hello, fresh instance per request', 'req/s': Math.round(waft.rps), 'p50 ms': waft.p50, 'p99 ms': waft.p99, 'vs node:http': waft.rps / node.rps },
]);
console.log(`\nrounds (req/s): ${KINDS.map((k) => `${k} ${results[k].map((r) => Math.round(r.rps)).join(' ')}`).join('; ')}`);
console.log(`waft up reaches ${(waft.rps / ceiling.rps).toFixed(2)}× the ceiling`);
console.log(`goal: ≥ 0.5× node:http with p99 ≤ 5 ms; measured ${(waft.rps / node.rps).toFixed(2)}×, p99 ${waft.p99.toFixed(2)} ms`);
