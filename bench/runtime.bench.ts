// Instantiate-and-run of a small C WASI program: waft's sandbox against node:wasi, same module,
// same run. waft is measured in-thread (the cost a worker pays per request), with a new V8 instance
// and with a recycled one, and through the pool (worker threads, pipelined); node:wasi in-thread.
// Then what JSPI costs a run: a WAGI guest that imports poll_oneoff, with a whole stdin (it may
// sleep by blocking, no JSPI) and with a streamed one (it must be able to suspend, so it runs
// through WebAssembly.promising).
import { openSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { compileModule } from '../src/wasm/cache.ts';
import { readModuleFile } from '../src/wasm/load.ts';
import { runGuest } from '../src/sandbox/guest.ts';
import { InstancePool } from '../src/sandbox/instance-pool.ts';
import { Sandbox } from '../src/sandbox/pool.ts';
import { BytesInput, CollectOutput, OutputBudget, PushInput } from '../src/wasi/streams.ts';
import type { InputStream } from '../src/wasi/types.ts';
import { cGuest, clangMissing } from '../test/support/guests.ts';
import { header, median, microsPerCall, table } from './support.ts';

const path = cGuest('hello');
const wagiPath = cGuest('wagi_reply');
if (!path || !wagiPath) {
  console.log(`skipped: ${clangMissing()}`);
  process.exit(0);
}
const bytes = await readModuleFile(path);
const compiled = await compileModule(bytes);
const plain = await WebAssembly.compile(bytes.bytes as Uint8Array<ArrayBuffer>);
const args = ['hello.wasm', 'x'];
const env = { GREETING: 'hi' };

const recycling = new InstancePool();
const newInstances = new InstancePool({ recycle: false });
const interruptMemory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
const interrupt = { memory: interruptMemory, flags: new Int32Array(interruptMemory.buffer), slot: 0 };
async function runIn(m: typeof compiled, stdin: InputStream, pool = recycling) {
  const budget = new OutputBudget(1 << 20);
  const out = new CollectOutput({ limit: budget });
  const r = await runGuest({
    module: m.module, memory: m.memory, reset: m.reset, args, env, preopens: [], memoryBytes: 128 << 20,
    stdin, stdout: out, stderr: new CollectOutput({ limit: budget }), interrupt,
  }, pool);
  if (r.exitCode !== 0 || out.size === 0) throw new Error(`waft run failed: ${r.error?.message}`);
}
const waftOnce = () => runIn(compiled, new BytesInput(new Uint8Array(0)));
const waftNewOnce = () => runIn(compiled, new BytesInput(new Uint8Array(0)), newInstances);

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
const waftNew = await microsPerCall(waftNewOnce);
const waft = await microsPerCall(waftOnce);
const batch = await microsPerCall(sandboxBatch, { rounds: 5, iterations: 50, warmup: 10 });
const pooled = batch.median / 64;
const workers = sandbox.workerCount;
await sandbox.close();
table([
  { runtime: 'node:wasi (baseline, in-thread)', 'µs/run': nodeWasi.median, 'vs node:wasi': 1 },
  { runtime: 'waft sandbox, in-thread, new V8 instance', 'µs/run': waftNew.median, 'vs node:wasi': waftNew.median / nodeWasi.median },
  { runtime: 'waft sandbox, in-thread, recycled instance', 'µs/run': waft.median, 'vs node:wasi': waft.median / nodeWasi.median },
  { runtime: `waft Sandbox pool (${workers} workers, 64 in flight)`, 'µs/run': pooled, 'vs node:wasi': pooled / nodeWasi.median },
]);
console.log(`\nrounds (µs/run): node:wasi ${nodeWasi.rounds.map((x) => x.toFixed(1)).join(' ')}; new instance ${waftNew.rounds.map((x) => x.toFixed(1)).join(' ')}; recycled ${waft.rounds.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`a recycled instance costs ${(waft.median / waftNew.median).toFixed(2)}× a new one`);
console.log(`goal: waft ≤ 0.5× node:wasi; measured ${(waft.median / nodeWasi.median).toFixed(2)}×`);

const wagi = await compileModule(await readModuleFile(wagiPath));
function endedStream(): InputStream {
  const s = new PushInput();
  s.end();
  return s;
}
header(`what JSPI costs a run: ${wagiPath.split('/').pop()} (imports poll_oneoff), in-thread, µs per run, 30 interleaved rounds × 1000`);
const variants = {
  streamed: () => runIn(wagi, endedStream()),
  whole: () => runIn(wagi, new BytesInput(new Uint8Array(0))),
};
const us: Record<keyof typeof variants, number[]> = { streamed: [], whole: [] };
for (let i = 0; i < 2000; i++) { await variants.streamed(); await variants.whole(); }
for (let round = 0; round < 30; round++) {
  for (const k of ['streamed', 'whole'] as const) {
    const t = performance.now();
    for (let i = 0; i < 1000; i++) await variants[k]();
    us[k].push(performance.now() - t);
  }
}
const streamed = median(us.streamed);
const whole = median(us.whole);
table([
  { stdin: 'streamed: may wait, so the run goes through JSPI (baseline)', 'µs/run': streamed, ratio: 1 },
  { stdin: 'whole body: a sleep blocks the thread, no JSPI', 'µs/run': whole, ratio: whole / streamed },
]);
console.log(`\nmedian of the per-round ratios whole/streamed: ${median(us.whole.map((w, i) => w / us.streamed[i])).toFixed(3)}`);
