// Runs a WASI command module in this thread with WasiHost, the way the sandbox does (JSPI).
import { readFileSync } from 'node:fs';
import { SANDBOX_MODULE } from '../../src/wasm/prepare.ts';
import { suspendingImports } from '../../src/wasm/suspending.ts';
import { WasiHost, ProcExit } from '../../src/wasi/host.ts';
import { BytesInput, CollectOutput, OutputBudget } from '../../src/wasi/streams.ts';
import type { InputStream, OutputStream, Preopen } from '../../src/wasi/types.ts';

export interface RunWasiOptions {
  args?: string[];
  env?: Record<string, string> | string;
  stdin?: InputStream | Uint8Array | string;
  stdout?: OutputStream;
  stderr?: OutputStream;
  preopens?: Preopen[];
  /** One cap over stdout + stderr when they are collected here. */
  maxOutput?: number;
  maxOpenFds?: number;
  /** Sees the host before the guest starts (e.g. to abort it later). */
  onHost?: (host: WasiHost) => void;
  /**
   * More import modules, e.g. the sandbox's for a module that prepare() rewrote. The guest's
   * memory is its "memory" export, else the sandbox's "memory" import.
   */
  imports?: WebAssembly.Imports;
}

export interface RunWasiResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
  stderrBytes: Uint8Array;
}

const modules = new Map<string, WebAssembly.Module>();

function compile(wasm: string | Uint8Array): WebAssembly.Module {
  if (typeof wasm !== 'string') return new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  let m = modules.get(wasm);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(wasm));
    modules.set(wasm, m);
  }
  return m;
}

interface Guest {
  host: WasiHost;
  start: () => unknown;
  result(code: number): RunWasiResult;
}

/** `wasm` instantiated with a fresh WasiHost; `jspi` wraps the WASI calls that may wait in WebAssembly.Suspending. */
function instantiate(wasm: string | Uint8Array, options: RunWasiOptions, jspi: boolean): Guest {
  const budget = options.maxOutput === undefined ? undefined : new OutputBudget(options.maxOutput);
  const stdout = new CollectOutput({ limit: budget, name: 'stdout' });
  const stderr = new CollectOutput({ limit: budget, name: 'stderr' });
  const stdin = options.stdin === undefined ? new BytesInput(new Uint8Array(0))
    : typeof options.stdin === 'string' || options.stdin instanceof Uint8Array ? new BytesInput(options.stdin)
      : options.stdin;
  const host = new WasiHost({
    args: options.args ?? ['guest.wasm'],
    env: options.env ?? {},
    stdin,
    stdout: options.stdout ?? stdout,
    stderr: options.stderr ?? stderr,
    preopens: options.preopens ?? [],
    maxOpenFds: options.maxOpenFds,
  });
  try {
    options.onHost?.(host);
    const wasi = jspi ? suspendingImports(host.imports, WasiHost.asyncImports).imports : host.imports as WebAssembly.ModuleImports;
    const imports = options.imports ?? {};
    const instance = new WebAssembly.Instance(compile(wasm), { ...imports, wasi_snapshot_preview1: wasi });
    host.setMemory((instance.exports.memory ?? imports[SANDBOX_MODULE]?.memory) as WebAssembly.Memory);
    return {
      host,
      start: instance.exports._start as () => unknown,
      result: (code) => ({ code, stdout: stdout.text(), stderr: stderr.text(), stdoutBytes: stdout.bytes(), stderrBytes: stderr.bytes() }),
    };
  } catch (err) {
    host.close();
    throw err;
  }
}

/** The exit code of a guest that ended in proc_exit; anything else is rethrown. */
function exitCode(err: unknown): number {
  if (!(err instanceof ProcExit)) throw err;
  return err.code;
}

/**
 * Instantiates `wasm` (a path or bytes) with a fresh WasiHost, runs `_start` through JSPI and
 * returns the exit code with what the guest wrote. A trap or a WaftError rejects.
 */
export async function runWasi(wasm: string | Uint8Array, options: RunWasiOptions = {}): Promise<RunWasiResult> {
  const guest = instantiate(wasm, options, true);
  try {
    let code = 0;
    try {
      await WebAssembly.promising(guest.start)();
    } catch (err) {
      code = exitCode(err);
    }
    return guest.result(code);
  } finally {
    guest.host.close();
  }
}

/**
 * Runs a WASI command on this stack, without JSPI (so none of its WASI calls may wait), to its
 * exit code and stdout. `imports` adds import modules, e.g. the sandbox's for a prepared module.
 */
export function runCommand(bytes: Uint8Array, args: string[], imports: WebAssembly.Imports = {}): { code: number; stdout: string } {
  const guest = instantiate(bytes, { args, imports }, false);
  try {
    let code = 0;
    try {
      guest.start();
    } catch (err) {
      code = exitCode(err);
    }
    return { code, stdout: guest.result(code).stdout };
  } finally {
    guest.host.close();
  }
}
