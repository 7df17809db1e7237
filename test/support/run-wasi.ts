// Runs a WASI command module in this thread with WasiHost, the way the sandbox does (JSPI).
import { readFileSync } from 'node:fs';
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

/**
 * Instantiates `wasm` (a path or bytes) with a fresh WasiHost, runs `_start` through JSPI and
 * returns the exit code with what the guest wrote. A trap or a WaftError rejects.
 */
export async function runWasi(wasm: string | Uint8Array, options: RunWasiOptions = {}): Promise<RunWasiResult> {
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
    const wasi: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(host.imports)) {
      wasi[name] = WasiHost.asyncImports.includes(name) ? new WebAssembly.Suspending(fn as (...a: never[]) => unknown) : fn;
    }
    const instance = new WebAssembly.Instance(compile(wasm), { wasi_snapshot_preview1: wasi as WebAssembly.ModuleImports });
    host.setMemory(instance.exports.memory as WebAssembly.Memory);
    const start = WebAssembly.promising(instance.exports._start as (...a: never[]) => unknown);
    let code = 0;
    try {
      await start();
    } catch (err) {
      if (!(err instanceof ProcExit)) throw err;
      code = err.code;
    }
    return {
      code,
      stdout: stdout.text(),
      stderr: stderr.text(),
      stdoutBytes: stdout.bytes(),
      stderrBytes: stderr.bytes(),
    };
  } finally {
    host.close();
  }
}
