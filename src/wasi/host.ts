// The wasi_snapshot_preview1 host: builds the import namespace a guest links against.
import { WasiContext } from './context.ts';
import { errnoFromHost } from './errno.ts';
import { fdCalls } from './fd-calls.ts';
import { pathCalls } from './path-calls.ts';
import { pollCalls } from './poll.ts';
import { sockCalls } from './sock.ts';
import { procCalls } from './proc-calls.ts';
import type { WasiOptions } from './types.ts';

export { ProcExit } from './proc-exit.ts';

/** Every function of wasi_snapshot_preview1, in witx order. */
export const PREVIEW1_FUNCTIONS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get',
  'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

type Call = (...args: any[]) => number | Promise<number>;

/**
 * Turns a call that throws into one that returns an errno. WASI errnos and failed host
 * syscalls become return values; anything else (ProcExit, a WaftError such as the output cap,
 * an abort reason, an out-of-bounds trap) propagates and ends the guest.
 */
function guard(call: Call): Call {
  const settle = (err: unknown): number => {
    const errno = errnoFromHost(err);
    if (errno === undefined) throw err;
    return errno;
  };
  // Fixed arity (no preview1 call takes more than 9 parameters): a rest parameter would allocate
  // an array on every host call.
  return (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown, h?: unknown, i?: unknown) => {
    try {
      const r = call(a, b, c, d, e, f, g, h, i);
      return r instanceof Promise ? r.catch(settle) : r;
    } catch (err) {
      return settle(err);
    }
  };
}

type Group = (ctx: WasiContext) => Record<string, Call>;
const groups: Group[] = [procCalls, fdCalls, pathCalls, pollCalls, sockCalls];
/** Which group defines each call; learnt from the first host built. */
let groupNames: Set<string>[] | undefined;
/** The groups a list of imports needs, per list (each module's list is made once and reused). */
const plans = new WeakMap<readonly string[], Group[]>();

export class WasiHost {
  /** Imports whose function may return a Promise: wrap them in WebAssembly.Suspending. */
  static readonly asyncImports: readonly string[] = ['fd_read', 'poll_oneoff'];

  readonly imports: Record<string, Function>;
  readonly #ctx: WasiContext;

  /**
   * `functions` limits the imports built to the ones a module uses (see WebAssembly.Module.imports):
   * a host is made per run, so building 46 closures where a module imports 7 is measurable.
   */
  constructor(options: WasiOptions, functions: readonly string[] = PREVIEW1_FUNCTIONS) {
    this.#ctx = new WasiContext(options);
    const calls: Record<string, Call> = {};
    let plan = plans.get(functions);
    if (!plan) {
      groupNames ??= groups.map((make) => new Set(Object.keys(make(this.#ctx))));
      plan = groups.filter((_, i) => functions.some((n) => groupNames![i].has(n)));
      plans.set(functions, plan);
    }
    for (const make of plan) Object.assign(calls, make(this.#ctx));
    const imports: Record<string, Function> = {};
    for (const name of functions) {
      if (calls[name]) imports[name] = guard(calls[name]);
    }
    this.imports = imports;
  }

  /**
   * Readies this host for another run, as a new host with `options` would be (the same imports):
   * building the imports costs more than many a short run. Call it only after close().
   */
  reuse(options: WasiOptions): void {
    this.#ctx.start(options);
  }

  /** The guest's memory; calls see it as it is after any memory.grow. */
  setMemory(memory: WebAssembly.Memory): void {
    this.#ctx.memory.set(memory);
  }

  /** Makes pending and later waits (stdin, clock sleeps) reject with `reason`. */
  abort(reason: Error): void {
    this.#ctx.abort(reason);
  }

  /** Closes every host fd this host opened. The guest must not run afterwards. */
  close(): void {
    this.#ctx.fds.closeAll();
  }
}
