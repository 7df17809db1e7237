// The state one WasiHost works on, shared by the files that implement the calls.
import { realpathSync, openSync, constants as fsc } from 'node:fs';
import { WaftError } from '../errors.ts';
import { DIR_RIGHTS, FILE_RIGHTS, STDIN_RIGHTS, STDOUT_RIGHTS } from './constants.ts';
import { FdTable } from './fd-table.ts';
import { GuestMemory } from './memory.ts';
import type { WasiOptions } from './types.ts';

const DEFAULT_MAX_FDS = 1024;

export class WasiContext {
  readonly memory = new GuestMemory();
  readonly fds = new FdTable(DEFAULT_MAX_FDS);
  /** The current run's options (see start()). */
  options: WasiOptions;
  #aborted: Error | undefined;
  readonly #pending = new Set<(reason: Error) => void>();

  constructor(options: WasiOptions) {
    this.options = options;
    this.start(options);
  }

  /**
   * Readies the context for a run as if it were new: its stdio and preopens in a table of its
   * own, nothing aborted. The previous run, if any, must be over and its fds closed (closeAll).
   */
  start(options: WasiOptions): void {
    this.options = options;
    this.#aborted = undefined;
    // Cleared only when it holds something: clearing gives a Set a new table, linked from the old.
    if (this.#pending.size > 0) this.#pending.clear();
    this.fds.max = options.maxOpenFds ?? DEFAULT_MAX_FDS;
    this.fds.add({ kind: 'stdin', stream: options.stdin, rights: STDIN_RIGHTS, inheriting: 0n, fdflags: 0 });
    this.fds.add({ kind: 'stdout', name: 'stdout', stream: options.stdout, rights: STDOUT_RIGHTS, inheriting: 0n, fdflags: 0 });
    this.fds.add({ kind: 'stdout', name: 'stderr', stream: options.stderr, rights: STDOUT_RIGHTS, inheriting: 0n, fdflags: 0 });
    try {
      for (const p of options.preopens) {
        // Room first: an fd opened for a preopen the table then refused would be left open.
        this.fds.ensureRoom();
        let hostPath: string;
        let hostFd: number;
        try {
          // This runs for every run: one realpath(3) call, and O_DIRECTORY refuses a non-directory.
          hostPath = realpathSync.native(p.hostPath);
          hostFd = openSync(hostPath, fsc.O_RDONLY | fsc.O_DIRECTORY);
        } catch (err) {
          throw new WaftError('WAFT_E_WASI_PREOPEN', `cannot preopen ${p.hostPath} as ${p.guestPath}: ${(err as Error).message}`, {
            hostPath: p.hostPath, guestPath: p.guestPath,
          });
        }
        this.fds.add({
          kind: 'dir', hostFd, hostPath, root: { readonly: p.readonly === true }, preopenName: p.guestPath,
          rights: DIR_RIGHTS, inheriting: DIR_RIGHTS | FILE_RIGHTS, fdflags: 0,
        });
      }
    } catch (err) {
      this.fds.closeAll();
      throw err;
    }
  }

  get aborted(): Error | undefined { return this.#aborted; }

  abort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = reason;
    for (const reject of this.#pending) reject(reason);
    this.#pending.clear();
    this.options.stdin.cancel?.();
  }

  /**
   * Awaits `p`, unless abort() comes first: then it rejects with the abort reason after running
   * `cancel` (which should stop whatever `p` waits on, e.g. clear a timer).
   */
  wait<T>(p: Promise<T>, cancel?: () => void): Promise<T> {
    if (this.#aborted) {
      cancel?.();
      return Promise.reject(this.#aborted);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (reason: Error): void => {
        cancel?.();
        reject(reason);
      };
      this.#pending.add(onAbort);
      p.then(
        (v) => { this.#pending.delete(onAbort); resolve(v); },
        (e) => { this.#pending.delete(onAbort); reject(e); },
      );
    });
  }
}
