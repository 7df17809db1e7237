// A minimal WASI preview1 for running C guests in the wasm tests: args, stdout/stderr capture,
// exit. Everything else answers ENOSYS. (The real host lives in src/wasi.)
const ENOSYS = 52;
const EBADF = 8;

export class ProcExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`proc_exit(${code})`);
    this.code = code;
  }
}

export interface ShimRun {
  imports: WebAssembly.Imports;
  stdout: () => string;
  setMemory: (m: WebAssembly.Memory) => void;
}

export function wasiShim(module: WebAssembly.Module, args: string[]): ShimRun {
  let memory: WebAssembly.Memory | undefined;
  const out: number[][] = [];
  const enc = new TextEncoder();
  const argBytes = args.map((a) => enc.encode(`${a}\0`));
  const view = () => new DataView(memory!.buffer);
  const impl: Record<string, (...a: any[]) => number | void> = {
    args_sizes_get(argc: number, size: number) {
      view().setUint32(argc, args.length, true);
      view().setUint32(size, argBytes.reduce((n, b) => n + b.length, 0), true);
      return 0;
    },
    args_get(argv: number, buf: number) {
      const mem = new Uint8Array(memory!.buffer);
      for (let i = 0; i < argBytes.length; i++) {
        view().setUint32(argv + 4 * i, buf, true);
        mem.set(argBytes[i]!, buf);
        buf += argBytes[i]!.length;
      }
      return 0;
    },
    environ_sizes_get(count: number, size: number) {
      view().setUint32(count, 0, true);
      view().setUint32(size, 0, true);
      return 0;
    },
    environ_get() { return 0; },
    fd_write(fd: number, iovs: number, iovsLen: number, written: number) {
      if (fd !== 1 && fd !== 2) return EBADF;
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = view().getUint32(iovs + 8 * i, true);
        const len = view().getUint32(iovs + 8 * i + 4, true);
        if (fd === 1) out.push(Array.from(new Uint8Array(memory!.buffer, ptr, len)));
        n += len;
      }
      view().setUint32(written, n, true);
      return 0;
    },
    fd_fdstat_get(fd: number, stat: number) {
      if (fd > 2) return EBADF;
      new Uint8Array(memory!.buffer, stat, 24).fill(0);
      view().setUint8(stat, 2); // character device
      return 0;
    },
    fd_close() { return 0; },
    fd_seek() { return ENOSYS; },
    proc_exit(code: number) { throw new ProcExit(code); },
  };
  const wasi: Record<string, (...a: any[]) => number | void> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === 'wasi_snapshot_preview1' && imp.kind === 'function') {
      wasi[imp.name] = impl[imp.name] ?? (() => ENOSYS);
    }
  }
  return {
    imports: { wasi_snapshot_preview1: wasi },
    stdout: () => Buffer.from(out.flat()).toString('utf8'),
    setMemory: (m) => { memory = m; },
  };
}

/** Runs a WASI command to its exit code; `extra` adds imports (e.g. the sandbox memory). */
export function runCommand(bytes: Uint8Array<ArrayBuffer>, args: string[], extra: WebAssembly.Imports = {}): { code: number; stdout: string } {
  const module = new WebAssembly.Module(bytes);
  const shim = wasiShim(module, args);
  const instance = new WebAssembly.Instance(module, { ...shim.imports, ...extra });
  const supplied = Object.values(extra).flatMap((ns) => Object.values(ns)).find((v) => v instanceof WebAssembly.Memory && !(v.buffer instanceof SharedArrayBuffer));
  shim.setMemory((instance.exports.memory as WebAssembly.Memory | undefined) ?? (supplied as WebAssembly.Memory));
  let code = 0;
  try {
    (instance.exports._start as () => void)();
  } catch (err) {
    if (!(err instanceof ProcExit)) throw err;
    code = err.code;
  }
  return { code, stdout: shim.stdout() };
}
