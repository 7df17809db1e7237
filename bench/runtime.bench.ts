// Instantiate-and-run of a small C WASI program: waft's sandbox against node:wasi, same module,
// same run. waft is measured in-thread (the cost a worker pays per request) and through the pool
// (worker threads, pipelined), node:wasi in-thread.
import { openSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { compileModule } from '../src/wasm/cache.ts';
import { readModuleFile } from '../src/wasm/load.ts';
import { runGuest } from '../src/sandbox/guest.ts';
import { MemoryPool } from '../src/sandbox/memory-pool.ts';
import { Sandbox } from '../src/sandbox/pool.ts';
import { BytesInput, CollectOutput, OutputBudget } from '../src/wasi/streams.ts';
import { cGuest, clangMissing } from '../test/support/guests.ts';
import { header, microsPerCall, table } from './support.ts';

const path = cGuest('hello');
if (!path) {
  console.log(`skipped: ${clangMissing()}`);
  process.exit(0);
}
const bytes = await readModuleFile(path);
const compiled = await compileModule(bytes);
const plain = await WebAssembly.compile(bytes.bytes as Uint8Array<ArrayBuffer>);
const args = ['hello.wasm', 'x'];
const env = { GREETING: 'hi' };

const pool = new MemoryPool();
const interruptMemory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
const interrupt = { memory: interruptMemory, flags: new Int32Array(interruptMemory.buffer), slot: 0 };
async function waftOnce() {
  const budget = new OutputBudget(1 << 20);
  const out = new CollectOutput({ limit: budget });
  const r = await runGuest({
    module: compiled.module, memory: compiled.memory, args, env, preopens: [], memoryBytes: 128 << 20,
    stdin: new BytesInput(new Uint8Array(0)), stdout: out, stderr: new CollectOutput({ limit: budget }), interrupt,
  }, pool);
  if (r.exitCode !== 0 || out.size === 0) throw new Error(`waft run failed: ${r.error?.message}`);
}

const devnull = openSync('/dev/null', 'w');
function nodeWasiOnce() {
  const wasi = new WASI({ version: 'preview1', args, env, stdout: devnull, stderr: devnull, returnOnExit: true });
  const instance = new WebAssembly.Instance(plain, wasi.getImportObject() as WebAssembly.Imports);
  const code = wasi.start(instance);
  if (code !== 0) throw new Error(`node:wasi exit ${code}`);
}

const sandbox = new Sandbox();
async function sandboxBatch() {
  await Promise.all(Array.from({ length: 64 }, () => sandbox.run({ module: compiled, args, env })));
}

header(`instantiate + run ${bytes.source.split('/').pop()} (${bytes.bytes.byteLength} bytes), µs per run, median of 5 rounds`);
const nodeWasi = await microsPerCall(nodeWasiOnce);
const waft = await microsPerCall(waftOnce);
const batch = await microsPerCall(sandboxBatch, { rounds: 5, iterations: 50, warmup: 10 });
const pooled = batch.median / 64;
await sandbox.close();
table([
  { runtime: 'node:wasi (baseline, in-thread)', 'µs/run': nodeWasi.median, 'vs node:wasi': 1 },
  { runtime: 'waft sandbox, in-thread', 'µs/run': waft.median, 'vs node:wasi': waft.median / nodeWasi.median },
  { runtime: `waft Sandbox pool (${sandbox.workerCount || 'n'} workers, 64 in flight)`, 'µs/run': pooled, 'vs node:wasi': pooled / nodeWasi.median },
]);
console.log(`\nrounds (µs/run): node:wasi ${nodeWasi.rounds.map((x) => x.toFixed(1)).join(' ')}; waft ${waft.rounds.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`goal: waft ≤ 0.5× node:wasi; measured ${(waft.median / nodeWasi.median).toFixed(2)}×`);
