import { WaftError } from '../errors.ts';
import { SANDBOX_MODULE, type ResetPlan } from '../wasm/prepare.ts';
import { ProcExit, WasiHost } from '../wasi/host.ts';
import type { InputStream, OutputStream, Preopen, WasiOptions } from '../wasi/types.ts';
import type { HostFunctions, InstancePool, InstanceRequest, Lease } from './instance-pool.ts';
import { PAGE } from './limits.ts';
import type { ExtensionInstance } from './protocol.ts';

export interface GuestRun {
  module: WebAssembly.Module;
  memory: { initial: number; maximum: number | null } | null;
  args: string[];
  env: Record<string, string> | string;
  preopens: Preopen[];
  memoryBytes: number;
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  /** The shared interrupt memory and this run's slot in it, for modules whose loops check it. */
  interrupt: { memory: WebAssembly.Memory; flags: Int32Array; slot: number };
  /** Host capabilities for this run, linked as the import module `module`. */
  extension?: { module: string; instance: ExtensionInstance };
  /** The module's reset plan (CompiledModule.reset): its used instances may serve later runs. */
  reset?: ResetPlan | null;
  /** Blocks the thread for a WASI sleep (or throws to end the run); default: wait on the interrupt slot. */
  sleep?: (ms: number) => void;
  /** Called once the instance is ready, just before the guest's `_start`. */
  starting?: () => void;
}

export interface GuestOutcome {
  exitCode: number | null;
  error: WaftError | null;
  peakMemoryBytes: number;
  /** The run had a used instance, reset, rather than a new one. */
  recycled: boolean;
}

/** Lets the owner of a run stop a guest that is suspended in an async host call. */
export interface CancelHook {
  cancel?: (error: Error) => void;
}

/** Modules whose guests slept on this thread: they run with JSPI here from then on. */
const sleepers = new WeakSet<WebAssembly.Module>();

function sleepOnSlot(run: GuestRun, ms: number): void {
  sleepers.add(run.module);
  const { flags, slot } = run.interrupt;
  Atomics.wait(flags, slot, 0, ms);
  // The pool sets the slot (and wakes this wait) at the deadline or on cancel: classify() reports it.
  if (Atomics.load(flags, slot) !== 0) throw new WebAssembly.RuntimeError('interrupted while sleeping');
}

/** Hosts whose runs are over, by the module's WASI import list (moduleImports), for later runs on this thread. */
const idleHosts = new WeakMap<readonly string[], WasiHost[]>();
/** Most idle hosts kept per import list: more than the runs a thread usually has in flight. */
const IDLE_HOSTS = 16;

/** A host for a run: an idle one made ready again, or a new one. */
function takeHost(options: WasiOptions, wasi: readonly string[]): WasiHost {
  const host = idleHosts.get(wasi)?.pop();
  if (!host) return new WasiHost(options, wasi);
  host.reuse(options);
  return host;
}

/** Keeps the closed host of a finished run for a later one, while there is room. */
function keepHost(host: WasiHost, wasi: readonly string[]): void {
  const idle = idleHosts.get(wasi);
  if (!idle) idleHosts.set(wasi, [host]);
  else if (idle.length < IDLE_HOSTS) idle.push(host);
}

/** Runs a guest's `_start` on this thread, in an instance as a new instantiation leaves it. */
export async function runGuest(run: GuestRun, pool: InstancePool, hook: CancelHook = {}): Promise<GuestOutcome> {
  const capPages = Math.floor(run.memoryBytes / PAGE);
  let maximum = 0;
  if (run.memory) {
    maximum = Math.min(run.memory.maximum ?? 65536, capPages);
    if (run.memory.initial > maximum) {
      return {
        exitCode: null, peakMemoryBytes: 0, recycled: false,
        error: new WaftError('WAFT_E_GUEST_MEMORY_LIMIT',
          `the module needs ${run.memory.initial * PAGE} bytes of memory to start, over the cap of ${capPages * PAGE} bytes`,
          { initialBytes: run.memory.initial * PAGE, capBytes: capPages * PAGE }),
      };
    }
  }
  const ext = run.extension;
  // JSPI costs a fresh stack per run. WASI only waits on stdin and on poll_oneoff: with a stdin
  // that never waits, a sleep can block the thread instead, on the run's interrupt slot, so that
  // a deadline wakes it. A module that did sleep so runs with JSPI on this thread from then on,
  // and its later sleeps leave the thread to other guests.
  const blocking = run.sleep !== undefined || (run.stdin.sync === true && !ext && !sleepers.has(run.module));
  const wasi = moduleImports(run.module).wasi;
  const host = takeHost({
    args: run.args, env: run.env, stdin: run.stdin, stdout: run.stdout, stderr: run.stderr, preopens: run.preopens,
    sleep: run.sleep ?? (blocking ? (ms) => sleepOnSlot(run, ms) : undefined),
  }, wasi);
  hook.cancel = (error) => {
    host.abort(error);
    ext?.instance.abort(error);
  };
  const functions: HostFunctions = { wasi_snapshot_preview1: { functions: host.imports, waits: WasiHost.asyncImports } };
  if (ext) functions[ext.module] = { functions: ext.instance.imports, waits: ext.instance.asyncImports };
  const request: InstanceRequest = {
    module: run.module, memory: run.memory, maximum, reset: run.reset, suspending: !blocking,
    slot: run.interrupt.slot, interrupt: run.interrupt.memory, host: functions,
  };
  let exitCode: number | null = null;
  let error: WaftError | null = null;
  let lease: Lease | null = null;
  try {
    lease = pool.acquire(request);
    const start = lease.instance.exports._start;
    if (typeof start !== 'function') throw new WaftError('WAFT_E_GUEST_NO_ENTRY', 'the module exports no _start function');
    const guestMemory = lease.memory ?? (lease.instance.exports.memory as WebAssembly.Memory);
    host.setMemory(guestMemory);
    ext?.instance.setMemory(guestMemory);
    run.starting?.();
    if (lease.suspends) await WebAssembly.promising(start as () => unknown)();
    else (start as () => unknown)();
    exitCode = 0;
  } catch (err) {
    if (err instanceof ProcExit) exitCode = err.code;
    else error = classify(err, run, lease?.memory ?? null, capPages);
  } finally {
    host.close();
    ext?.instance.close();
    hook.cancel = undefined;
    keepHost(host, wasi);
  }
  const peakMemoryBytes = lease?.memory?.buffer.byteLength ?? 0;
  const recycled = lease?.recycled ?? false;
  if (lease) pool.release(lease, request, error === null);
  return { exitCode, error, peakMemoryBytes, recycled };
}

function classify(err: unknown, run: GuestRun, memory: WebAssembly.Memory | null, capPages: number): WaftError {
  if (err instanceof WaftError) return err;
  const interrupted = Atomics.load(run.interrupt.flags, run.interrupt.slot) !== 0;
  if (interrupted) return new WaftError('WAFT_E_GUEST_TIMEOUT', 'the guest was stopped at its deadline');
  if (err instanceof WebAssembly.RuntimeError || (err instanceof RangeError && /call stack/.test(err.message))) {
    const backtrace = wasmBacktrace(err);
    const size = memory?.buffer.byteLength ?? 0;
    const cap = capPages * PAGE;
    // A guest whose allocator hit the cap usually aborts with a trap right after memory.grow fails.
    if (memory && cap - size < Math.max(PAGE * 16, cap / 8)) {
      return new WaftError('WAFT_E_GUEST_MEMORY_LIMIT',
        `the guest trapped (${err.message}) with its memory at ${size} of ${cap} bytes: it ran out of memory`,
        { memoryBytes: size, capBytes: cap, trap: err.message, backtrace });
    }
    return new WaftError('WAFT_E_GUEST_TRAP', `the guest trapped: ${err.message}`, { trap: err.message, backtrace });
  }
  return WaftError.wrap(err);
}

/** What a module imports, as the sandbox links it. */
export interface ModuleImports {
  /** The WASI functions. */
  wasi: string[];
  /** Functions imported from each module other than WASI and the sandbox's own. */
  functions: Map<string, string[]>;
  /** Anything, of any kind, comes from a module the sandbox does not fill itself. */
  beyondWasi: boolean;
}

const importLists = new WeakMap<WebAssembly.Module, ModuleImports>();

/** What `module` imports, listed once per module. */
export function moduleImports(module: WebAssembly.Module): ModuleImports {
  let lists = importLists.get(module);
  if (!lists) {
    lists = { wasi: [], functions: new Map(), beyondWasi: false };
    for (const i of WebAssembly.Module.imports(module)) {
      if (i.module === 'wasi_snapshot_preview1') {
        if (i.kind === 'function') lists.wasi.push(i.name);
      } else if (i.module !== SANDBOX_MODULE) {
        lists.beyondWasi = true;
        if (i.kind !== 'function') continue;
        const names = lists.functions.get(i.module);
        if (names) names.push(i.name);
        else lists.functions.set(i.module, [i.name]);
      }
    }
    importLists.set(module, lists);
  }
  return lists;
}

function wasmBacktrace(err: Error): string[] {
  return (err.stack ?? '').split('\n')
    .filter((line) => line.includes('wasm://') || line.includes('wasm-function'))
    .map((line) => line.trim().replace(/^at /, ''));
}
