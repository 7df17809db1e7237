// A sandbox worker thread: runs guests for the pool in ./pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { WaftError } from '../errors.ts';
import { concatBytes } from '../util/bytes.ts';
import type { InputStream } from '../wasi/types.ts';
import { moduleImports, runGuest, type CancelHook } from './guest.ts';
import { InstancePool } from './instance-pool.ts';
import { BytesInput, CollectOutput, FdInput, FdOutput, OutputBudget, PushInput } from '../wasi/streams.ts';
import { PROFILE_CACHE, type DoneTuple, type ExtensionInstance, type FromWorker, type HostExtension, type OutputSpec, type ProfileData, type RunTuple, type ToWorker } from './protocol.ts';
import { STARTED, UNCLAIMED } from './claims.ts';

const port = parentPort!;
const interrupt: WebAssembly.Memory = workerData.interrupt;
const flags = new Int32Array(interrupt.buffer);
const claims: Int32Array = workerData.claims;
const starts: Int32Array = workerData.starts;
const timeBase: number = workerData.timeBase;
const modules = new Map<string, WebAssembly.Module>();
const grants = new Map<string, unknown>();
/** Profiles by id, oldest first; evicted in the order the pool evicts them. */
const profiles = new Map<number, ProfileData>();
const instances = new InstancePool({ recycle: workerData.recycle !== false });
const STREAM_FLUSH = 16 * 1024;

interface Running {
  hook: CancelHook;
  stdin: PushInput | null;
  cancelled: WaftError | null;
}
const running = new Map<number, Running>();

// The host extension (capabilities for guests), when the pool names one. It is loaded on the
// first run of a module that imports more than WASI, so that workers start as fast without it;
// a module that fails to load fails the runs that need it instead of the worker.
let extension: HostExtension | Error | null = null;
let extensionLoading: Promise<void> | null = null;

function loadExtension(): Promise<void> {
  extensionLoading ??= import(workerData.extension).then(
    (m: { default: HostExtension }) => { extension = m.default; },
    (err: Error) => { extension = new WaftError('WAFT_E_INTERNAL', `cannot load the host extension ${workerData.extension}: ${err.message}`); },
  );
  return extensionLoading;
}

function post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer ?? []);
}

port.on('message', receive);

function receive(msg: ToWorker): void {
  if (Array.isArray(msg)) {
    const data = msg[7];
    if (data) {
      if (data.module) modules.set(data.hash, data.module);
      if (data.grantKey !== undefined && 'grant' in data) grants.set(data.grantKey, data.grant);
      delete data.module;
      profiles.set(data.id, data);
      if (profiles.size > PROFILE_CACHE) profiles.delete(profiles.keys().next().value!);
    }
    const slot = msg[2];
    if (Atomics.compareExchange(claims, slot, UNCLAIMED, STARTED) !== UNCLAIMED) {
      post({ t: 'skipped', slot });
      return;
    }
    Atomics.store(starts, slot, Date.now() - timeBase);
    void run(msg);
    return;
  }
  switch (msg.t) {
    case 'stdin': {
      const r = running.get(msg.id);
      if (!r?.stdin) return;
      if (msg.chunk) r.stdin.push(msg.chunk);
      else r.stdin.end();
      return;
    }
    case 'cancel': {
      const r = running.get(msg.id);
      if (!r) return;
      r.cancelled = WaftError.fromData(msg.error);
      r.hook.cancel?.(r.cancelled);
      return;
    }
    case 'forget': {
      const module = modules.get(msg.hash);
      if (module) instances.forget(module);
      modules.delete(msg.hash);
      return;
    }
    case 'close':
      void closeExtension();
  }
}

/** stdout or stderr of one run: kept whole, or posted in chunks while the guest runs. */
class Sink extends CollectOutput {
  readonly #id: number;
  readonly #fd: 1 | 2;
  readonly #stream: boolean;
  #pending = 0;

  constructor(id: number, fd: 1 | 2, stream: boolean, budget: OutputBudget) {
    super({ limit: budget, name: fd === 1 ? 'stdout' : 'stderr' });
    this.#id = id;
    this.#fd = fd;
    this.#stream = stream;
  }

  protected override accept(bytes: Uint8Array): void {
    super.accept(bytes);
    this.#pending += bytes.byteLength;
    if (this.#stream && this.#pending >= STREAM_FLUSH) this.flush();
  }

  flush(): void {
    if (this.#pending === 0) return;
    const chunk = concatBytes(this.chunks.splice(0));
    this.#pending = 0;
    post({ t: 'out', id: this.#id, fd: this.#fd, chunk }, [chunk.buffer as ArrayBuffer]);
  }

  /** What is left, to ride on the `done` message. */
  rest(): Uint8Array[] {
    return this.chunks.length > 1 ? [concatBytes(this.chunks)] : this.chunks;
  }
}

function output(id: number, fd: 1 | 2, spec: OutputSpec, budget: OutputBudget): Sink | FdOutput {
  const name = fd === 1 ? 'stdout' : 'stderr';
  if (spec.kind === 'fd') return new FdOutput(spec.fd, { limit: budget, name, isTty: spec.isTty });
  return new Sink(id, fd, spec.kind === 'stream', budget);
}

async function closeExtension(): Promise<void> {
  try {
    if (extensionLoading) await extensionLoading;
    if (extension && !(extension instanceof Error)) await extension.close();
  } catch {
    // The pool terminates this worker next; nothing is left to report to.
  }
  post({ t: 'closed' });
}

const STREAM: OutputSpec = { kind: 'stream' };
const COLLECT: OutputSpec = { kind: 'collect' };

async function run(msg: RunTuple): Promise<void> {
  const started = performance.now();
  const cpu0 = process.threadCpuUsage();
  const [id, profileId, slot, args, env, input, outputs] = msg;
  const p = profiles.get(profileId);
  const module = p && modules.get(p.hash);
  const budget = new OutputBudget(p?.maxOutputBytes ?? 0);
  const [outSpec, errSpec] = typeof outputs === 'number' ? [outputs & 2 ? STREAM : COLLECT, outputs & 1 ? STREAM : COLLECT] : outputs;
  const out = output(id, 1, outSpec, budget);
  const err = output(id, 2, errSpec, budget);
  let stdin: InputStream;
  let push: PushInput | null = null;
  if (input instanceof Uint8Array) stdin = new BytesInput(input);
  else if (typeof input === 'number') stdin = new FdInput(input);
  else stdin = push = new PushInput({ pull: () => post({ t: 'pull', id }) });
  const state: Running = { hook: {}, stdin: push, cancelled: null };
  running.set(id, state);
  let exitCode: number | null = null;
  let error: WaftError | null = null;
  let peakMemoryBytes = 0;
  let ext: ExtensionInstance | null = null;
  try {
    if (!p || !module) throw new WaftError('WAFT_E_INTERNAL', `worker has no profile ${profileId} or its module`);
    let linked: { module: string; instance: ExtensionInstance } | undefined;
    const imports = moduleImports(module);
    if (workerData.extension && imports.beyondWasi) {
      if (extension === null) await loadExtension();
      if (extension instanceof Error) throw extension;
    }
    if (extension && !(extension instanceof Error)) {
      const names = imports.functions.get(extension.module);
      if (names) {
        if (p.grantKey !== undefined && !grants.has(p.grantKey)) {
          throw new WaftError('WAFT_E_INTERNAL', `worker has no capability grant ${p.grantKey}`);
        }
        ext = extension.instantiate({
          id, grant: p.grantKey === undefined ? undefined : grants.get(p.grantKey), imports: names,
          log: (entry) => {
            // Keep log entries in order with what the guest wrote to stderr before them.
            if (err instanceof Sink) err.flush();
            post({ t: 'log', id, ...entry });
          },
          charge: (bytes, what) => {
            if (budget.take(bytes) < bytes) budget.overflow(what);
          },
        });
        linked = { module: extension.module, instance: ext };
        if (state.cancelled) ext.abort(state.cancelled);
      }
    }
    const outcome = await runGuest({
      module, memory: p.memory, reset: p.reset, args: args.split('\0'), env, preopens: p.preopens,
      memoryBytes: p.memoryBytes, stdin,
      stdout: out, stderr: err,
      interrupt: { memory: interrupt, flags, slot },
      extension: linked,
    }, instances, state.hook);
    ({ exitCode, error, peakMemoryBytes } = outcome);
  } catch (e) {
    error = WaftError.wrap(e);
  }
  running.delete(id);
  if (state.cancelled && error) error = state.cancelled;
  const cpu = process.threadCpuUsage(cpu0);
  const stdout = out instanceof Sink ? out.rest() : [];
  const stderr = err instanceof Sink ? err.rest() : [];
  const host = ext ? ext.usage() : { calls: 0, waitMs: 0 };
  post([
    id, exitCode, error ? error.toJSON() : null, stdout, stderr,
    performance.now() - started, (cpu.user + cpu.system) / 1000, peakMemoryBytes, budget.used, host.calls, host.waitMs,
  ]);
}

post({ t: 'ready' });
