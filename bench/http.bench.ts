// Requests per second and latency of a C hello world served by `waft up` (a fresh instance per
// request), against a plain node:http hello on the same machine in the same run. Each server runs
// in its own process; the load comes from wrk, a separate process. `waft up` runs four times: as
// it serves by default (one serving thread per core, short runs on the serving thread, a used
// instance reset to the state of a new one; docs/sandbox.md), with --threads 1, with
// --workers-only (every run on a worker thread), and with --new-instances (a new V8 instance per
// request). A ceiling server shows what the same sandbox
// code reaches on the thread that parsed the request, with none of waft's safeguards
// (bench/in-thread-server.ts).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/support/guests.ts';
import { freePort } from '../test/support/servers.ts';
import { header, helloAppOrSkip, load, medians, startProcess, startWaftUp, table, type WrkResult, wrk } from './support.ts';

const dir = helloAppOrSkip();

type Kind = 'node' | 'ceiling' | 'waft' | 'waftOne' | 'waftWorkers' | 'waftNew';
const KINDS: Kind[] = ['node', 'ceiling', 'waft', 'waftOne', 'waftWorkers', 'waftNew'];

function start(kind: Kind, port: number): Promise<ChildProcess> {
  if (kind === 'waft') return startWaftUp(port, dir);
  if (kind === 'waftOne') return startWaftUp(port, dir, ['--threads', '1']);
  if (kind === 'waftWorkers') return startWaftUp(port, dir, ['--workers-only']);
  if (kind === 'waftNew') return startWaftUp(port, dir, ['--new-instances']);
  const args = kind === 'node'
    ? ['-e', `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain' }); s.end('hello\\n'); }).listen(${port}, '127.0.0.1')`]
    : [join(repoRoot, 'bench/in-thread-server.ts'), join(dir, 'hello.wasm'), String(port)];
  return startProcess(args, `http://127.0.0.1:${port}/hello`);
}

const results: Record<Kind, WrkResult[]> = { node: [], ceiling: [], waft: [], waftOne: [], waftWorkers: [], waftNew: [] };
try {
  for (let round = 0; round < load.rounds; round++) {
    for (const kind of KINDS) {
      const port = await freePort();
      const child = await start(kind, port);
      try {
        spawnSync('wrk', ['-t1', '-c8', '-d1s', `http://127.0.0.1:${port}/hello`]); // warm-up
        results[kind].push(wrk(`http://127.0.0.1:${port}/hello`, load));
      } finally {
        child.kill('SIGKILL');
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const node = medians(results.node);
const ceiling = medians(results.ceiling);
const waft = medians(results.waft);
const waftOne = medians(results.waftOne);
const waftWorkers = medians(results.waftWorkers);
const waftNew = medians(results.waftNew);
header(`HTTP hello, wrk ${load.connections} connections, ${load.seconds}s × ${load.rounds} rounds (medians)`);
table([
  { server: 'node:http hello (baseline)', 'req/s': Math.round(node.rps), 'p50 ms': node.p50, 'p99 ms': node.p99, 'vs node:http': 1 },
  { server: 'ceiling: sandbox on the HTTP thread, no safeguards', 'req/s': Math.round(ceiling.rps), 'p50 ms': ceiling.p50, 'p99 ms': ceiling.p99, 'vs node:http': ceiling.rps / node.rps },
  { server: `waft up, C WAGI hello, fresh (recycled) instance per request, ${availableParallelism()} threads`, 'req/s': Math.round(waft.rps), 'p50 ms': waft.p50, 'p99 ms': waft.p99, 'vs node:http': waft.rps / node.rps },
  { server: 'waft up --threads 1: one thread serves HTTP', 'req/s': Math.round(waftOne.rps), 'p50 ms': waftOne.p50, 'p99 ms': waftOne.p99, 'vs node:http': waftOne.rps / node.rps },
  { server: 'waft up --workers-only: every run on a worker thread', 'req/s': Math.round(waftWorkers.rps), 'p50 ms': waftWorkers.p50, 'p99 ms': waftWorkers.p99, 'vs node:http': waftWorkers.rps / node.rps },
  { server: 'waft up --new-instances: new V8 instance per request (runs inline too)', 'req/s': Math.round(waftNew.rps), 'p50 ms': waftNew.p50, 'p99 ms': waftNew.p99, 'vs node:http': waftNew.rps / node.rps },
]);
console.log(`\nrounds (req/s): ${KINDS.map((k) => `${k} ${results[k].map((r) => Math.round(r.rps)).join(' ')}`).join('; ')}`);
console.log(`waft up reaches ${(waft.rps / ceiling.rps).toFixed(2)}× the ceiling`);
console.log(`goal: ≥ 0.5× node:http with p99 ≤ 5 ms; measured ${(waft.rps / node.rps).toFixed(2)}×, p99 ${waft.p99.toFixed(2)} ms`);
