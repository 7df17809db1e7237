// A sandbox worker thread: runs guests for the pool in ./pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { WaftError } from '../errors.ts';
import { concatBytes } from '../util/bytes.ts';
import type { InputStream } from '../wasi/types.ts';
import { runGuest, type CancelHook } from './guest.ts';
import { MemoryPool } from './memory-pool.ts';
import { BytesInput, CollectOutput, FdInput, FdOutput, OutputBudget, PushInput } from '../wasi/streams.ts';
import type { ExtensionInstance, FromWorker, HostExtension, OutputSpec, RunMessage, ToWorker } from './protocol.ts';
import { STARTED, UNCLAIMED } from './claims.ts';
import { SANDBOX_MODULE } from '../wasm/prepare.ts';

const port = parentPort!;
const interrupt: WebAssembly.Memory = workerData.interrupt;
const flags = new Int32Array(interrupt.buffer);
const claims: Int32Array = workerData.claims;
const modules = new Map<string, WebAssembly.Module>();
const grants = new Map<string, unknown>();
/** Per module hash: the names it imports from the extension's module (empty: it imports none). */
const extensionImports = new Map<string, string[]>();
const memories = new MemoryPool();
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

port.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'run':
      if (msg.module) modules.set(msg.hash, msg.module);
      if (msg.grantKey !== undefined && 'grant' in msg) grants.set(msg.grantKey, msg.grant);
      if (Atomics.compareExchange(claims, msg.slot, UNCLAIMED, STARTED) !== UNCLAIMED) post({ t: 'skipped', slot: msg.slot });
      else void run(msg);
      return;
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
    case 'forget':
      modules.delete(msg.hash);
      extensionImports.delete(msg.hash);
      needsExtension.delete(msg.hash);
      return;
    case 'close':
      void closeExtension();
  }
});

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

const builtinModules = new Set(['wasi_snapshot_preview1', SANDBOX_MODULE]);
/** Per module hash: whether it imports from a module the sandbox does not fill itself. */
const needsExtension = new Map<string, boolean>();

function importsFrom(hash: string, module: WebAssembly.Module, name: string): string[] {
  let names = extensionImports.get(hash);
  if (!names) {
    names = WebAssembly.Module.imports(module).filter((i) => i.module === name && i.kind === 'function').map((i) => i.name);
    extensionImports.set(hash, names);
  }
  return names;
}

function importsBeyondWasi(hash: string, module: WebAssembly.Module): boolean {
  let needs = needsExtension.get(hash);
  if (needs === undefined) {
    needs = WebAssembly.Module.imports(module).some((i) => !builtinModules.has(i.module));
    needsExtension.set(hash, needs);
  }
  return needs;
}

async function run(msg: RunMessage): Promise<void> {
  const started = performance.now();
  const cpu0 = process.threadCpuUsage();
  const module = modules.get(msg.hash);
  const budget = new OutputBudget(msg.maxOutputBytes);
  const out = output(msg.id, 1, msg.stdout, budget);
  const err = output(msg.id, 2, msg.stderr, budget);
  let stdin: InputStream;
  let push: PushInput | null = null;
  if (msg.stdin.kind === 'bytes') stdin = new BytesInput(msg.stdin.data);
  else if (msg.stdin.kind === 'fd') stdin = new FdInput(msg.stdin.fd);
  else stdin = push = new PushInput({ pull: () => post({ t: 'pull', id: msg.id }) });
  const state: Running = { hook: {}, stdin: push, cancelled: null };
  running.set(msg.id, state);
  let exitCode: number | null = null;
  let error: WaftError | null = null;
  let peakMemoryBytes = 0;
  let ext: ExtensionInstance | null = null;
  try {
    if (!module) throw new WaftError('WAFT_E_INTERNAL', `worker has no module for ${msg.hash}`);
    let linked: { module: string; instance: ExtensionInstance } | undefined;
    if (workerData.extension && importsBeyondWasi(msg.hash, module)) {
      if (extension === null) await loadExtension();
      if (extension instanceof Error) throw extension;
    }
    if (extension && !(extension instanceof Error)) {
      const names = importsFrom(msg.hash, module, extension.module);
      if (names.length > 0) {
        if (msg.grantKey !== undefined && !grants.has(msg.grantKey)) {
          throw new WaftError('WAFT_E_INTERNAL', `worker has no capability grant ${msg.grantKey}`);
        }
        ext = extension.instantiate({
          id: msg.id, grant: msg.grantKey === undefined ? undefined : grants.get(msg.grantKey), imports: names,
          log: (entry) => {
            // Keep log entries in order with what the guest wrote to stderr before them.
            if (err instanceof Sink) err.flush();
            post({ t: 'log', id: msg.id, ...entry });
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
      module, memory: msg.memory, args: msg.args, env: msg.env, preopens: msg.preopens,
      memoryBytes: msg.memoryBytes, stdin,
      stdout: out, stderr: err,
      interrupt: { memory: interrupt, flags, slot: msg.slot },
      extension: linked,
    }, memories, state.hook);
    ({ exitCode, error, peakMemoryBytes } = outcome);
  } catch (e) {
    error = WaftError.wrap(e);
  }
  running.delete(msg.id);
  if (state.cancelled && error) error = state.cancelled;
  const cpu = process.threadCpuUsage(cpu0);
  const stdout = out instanceof Sink ? out.rest() : [];
  const stderr = err instanceof Sink ? err.rest() : [];
  const host = ext ? ext.usage() : { calls: 0, waitMs: 0 };
  post({
    t: 'done', id: msg.id, exitCode, error: error ? error.toJSON() : null, stdout, stderr,
    usage: {
      wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, peakMemoryBytes,
      outputBytes: budget.used, hostCalls: host.calls, hostWaitMs: host.waitMs,
    },
  });
}
