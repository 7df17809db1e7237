// The ceiling for the sandbox's own code on this machine: each worker thread parses HTTP and runs
// the guest (in a fresh instance, recycled as waft does) on its own thread (SO_REUSEPORT spreads
// the connections), with none of waft's safeguards: no hop to a sandbox thread, no deadline, no admission, no logs. It is a
// yardstick for http.bench.ts, not a way to serve: a guest that loops here stalls every
// connection of its thread.
//
//   node bench/in-thread-server.ts MODULE.wasm PORT [THREADS]
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { CgiParser } from '../src/executors/wagi/cgi.ts';
import { wagiInvocation } from '../src/executors/wagi/env.ts';
import { runGuest } from '../src/sandbox/guest.ts';
import { InstancePool } from '../src/sandbox/instance-pool.ts';
import { readModuleFile } from '../src/wasm/load.ts';
import { compileModule } from '../src/wasm/cache.ts';
import type { ResetPlan } from '../src/wasm/prepare.ts';
import { BytesInput, CollectOutput, OutputBudget } from '../src/wasi/streams.ts';

interface Shared {
  module: WebAssembly.Module;
  memory: { initial: number; maximum: number | null } | null;
  reset: ResetPlan | null;
  interrupt: WebAssembly.Memory;
  port: number;
}

if (isMainThread) {
  const [file, port, threads] = process.argv.slice(2);
  const compiled = await compileModule(await readModuleFile(file));
  const shared: Shared = {
    module: compiled.module, memory: compiled.memory, reset: compiled.reset, port: Number(port),
    interrupt: new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }),
  };
  const n = Number(threads ?? availableParallelism());
  for (let i = 0; i < n; i++) new Worker(new URL(import.meta.url), { workerData: shared });
} else {
  const { module, memory, reset, interrupt, port } = workerData as Shared;
  const flags = new Int32Array(interrupt.buffer);
  const instances = new InstancePool();
  const match = { pattern: '/hello', scriptName: '/hello', pathInfo: '', rawPathInfo: '' };
  const noBody = new Uint8Array(0);
  createServer(async (req, res) => {
    const { args, env } = wagiInvocation({
      method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.rawHeaders, remoteAddress: req.socket.remoteAddress ?? '',
      serverHost: req.headers.host ?? '', serverPort: port, protocol: `HTTP/${req.httpVersion}`, tls: false, contentLength: null,
    }, match, {});
    const budget = new OutputBudget(16 << 20);
    const stdout = new CollectOutput({ limit: budget, name: 'stdout' });
    const outcome = await runGuest({
      module, memory, reset, args, env, preopens: [], memoryBytes: 128 << 20, stdin: new BytesInput(noBody),
      stdout, stderr: new CollectOutput({ limit: budget, name: 'stderr' }), interrupt: { memory: interrupt, flags, slot: 0 },
    }, instances);
    if (outcome.error) {
      res.writeHead(500).end(outcome.error.message);
      return;
    }
    const parser = new CgiParser();
    const { head, body } = parser.push(stdout.bytes()) ?? parser.end();
    res.writeHead(head.status, [...head.headers.flat(), 'Content-Length', String(body.byteLength)]).end(body);
  }).listen({ port, host: '127.0.0.1', reusePort: true });
}
