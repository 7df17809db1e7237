import { Worker } from 'node:worker_threads';
import { BytesInput, CollectOutput, OutputBudget } from '../wasi/streams.ts';
import { moduleImports, runGuest } from './guest.ts';
import { CONTROL_WORDS, RUN_SEQ, WATCHDOG_SLEEPING } from './inline-control.ts';
import { InstancePool } from './instance-pool.ts';
import { deliver, NO_BYTES } from './output-target.ts';
import type { RunOptions, RunProfile, RunResult } from './pool.ts';

export interface InlineOptions {
  /** How long a run may hold the caller's thread before it is stopped and run again on a worker. */
  budgetMs: number;
  /** How long the runs of a function that went over the budget go to workers first. */
  coolMs: number;
  /** Reset and lend again used instances (InstancePoolOptions.recycle). */
  recycle: boolean;
}

/** How one function fares on this thread. */
interface Standing {
  /** Its module and settings allow inline runs (decided on its first run). */
  eligible: boolean;
  /** Its last inline run was stopped, and slow on the worker too (a first run may be: V8 compiles lazily). */
  struck: boolean;
  /** Until when (performance.now()) its runs skip this thread; 0 when they do not. */
  coolUntil: number;
}

const WATCHDOG_URL = new URL('./watchdog.ts', import.meta.url);

/**
 * Runs short guests on the caller's thread, where the hop to a worker thread and back would cost
 * more than the guest. Only runs whose every effect stays in the run qualify: a WASI-only module
 * with no preopened directory, given its whole stdin, writing to collected output. Such a run can
 * be thrown away and done again, so a run that goes on past the budget (or sleeps) is stopped at
 * its next loop check, its output dropped, and the caller runs it again on a worker thread.
 */
export class InlineRunner {
  readonly #interrupt = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  readonly #flags = new Int32Array(this.#interrupt.buffer);
  readonly #control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  readonly #instances: InstancePool;
  readonly #watchdog: Worker;
  readonly #budgetMs: number;
  readonly #coolMs: number;
  readonly #standings = new WeakMap<RunProfile, Standing>();
  /** The current run reached its `_start`, and slept. */
  #begun = false;
  #slept = false;
  /** Runs tried on this thread, and how many of them were stopped and run again on a worker. */
  readonly stats = { runs: 0, stopped: 0 };

  constructor(options: InlineOptions) {
    this.#budgetMs = options.budgetMs;
    this.#coolMs = options.coolMs;
    this.#instances = new InstancePool({ recycle: options.recycle });
    this.#watchdog = new Worker(WATCHDOG_URL, { workerData: { control: this.#control, flags: this.#flags, budgetMs: options.budgetMs } });
    this.#watchdog.unref();
  }

  /** The run may be tried on this thread. */
  accepts(profile: RunProfile, opts: RunOptions): boolean {
    if (opts.stdin !== undefined && !(opts.stdin instanceof Uint8Array)) return false;
    if (typeof opts.stdout === 'object' || typeof opts.stderr === 'object') return false;
    if (opts.signal?.aborted) return false;
    const standing = this.#standing(profile);
    if (!standing.eligible) return false;
    if (standing.coolUntil === 0) return true;
    if (performance.now() < standing.coolUntil) return false;
    standing.coolUntil = 0;
    return true;
  }

  #standing(profile: RunProfile): Standing {
    let standing = this.#standings.get(profile);
    if (!standing) {
      const m = profile.module;
      // A deadline within reach of the budget is kept by the worker path, to the millisecond.
      const eligible = m.interruptible && profile.preopens.length === 0 && profile.limits.timeoutMs >= 4 * this.#budgetMs
        && !moduleImports(m.module).beyondWasi;
      this.#standings.set(profile, (standing = { eligible, struck: false, coolUntil: 0 }));
    }
    return standing;
  }

  /**
   * Runs the guest now. When it is stopped, `elsewhere` runs it again (on a worker), told how
   * much of the run's time this try took.
   */
  run(profile: RunProfile, opts: RunOptions, env: string, elsewhere: (spentMs: number) => Promise<RunResult>): Promise<RunResult> {
    const m = profile.module;
    const standing = this.#standing(profile);
    const budget = new OutputBudget(profile.limits.maxOutputBytes);
    const stdout = new CollectOutput({ limit: budget, name: 'stdout' });
    const stderr = new CollectOutput({ limit: budget, name: 'stderr' });
    const started = performance.now();
    Atomics.store(this.#flags, 0, 0);
    this.#begun = false;
    this.#slept = false;
    this.stats.runs++;
    let pending: ReturnType<typeof runGuest>;
    try {
      // Nothing in runGuest waits for a run like this one: the guest has run when it returns.
      pending = runGuest({
        module: m.module, memory: m.memory, reset: m.reset, args: opts.args ?? [m.source], env, preopens: [],
        memoryBytes: profile.limits.memoryBytes, stdin: new BytesInput((opts.stdin as Uint8Array | undefined) ?? NO_BYTES),
        stdout, stderr, interrupt: { memory: this.#interrupt, flags: this.#flags, slot: 0 }, sleep: this.#refuseSleep,
        starting: this.#starting,
      }, this.#instances);
    } finally {
      if (this.#begun) Atomics.add(this.#control, RUN_SEQ, 1);
    }
    const stopped = Atomics.load(this.#flags, 0) !== 0;
    const slept = this.#slept;
    const wallMs = performance.now() - started;
    return pending.then((outcome) => {
      if (stopped && outcome.error) {
        this.stats.stopped++;
        // A pause of the thread (a collection, the scheduler) can stop a short run too: only a
        // guest that sleeps, or takes its budget on the worker as well, counts against its function.
        return elsewhere(wallMs).then((result) => {
          if (slept || result.usage.cpuMs >= this.#budgetMs) this.#strike(standing);
          return result;
        });
      }
      standing.struck = false;
      return {
        exitCode: outcome.exitCode, error: outcome.error,
        stdout: deliver(stdout.chunks, opts.stdout), stderr: deliver(stderr.chunks, opts.stderr), logs: [],
        // The run held this thread throughout; reading the thread's CPU clock would cost a system call.
        usage: { wallMs, cpuMs: wallMs, peakMemoryBytes: outcome.peakMemoryBytes, outputBytes: budget.used, hostCalls: 0, hostWaitMs: 0 },
        inline: true,
      };
    });
  }

  close(): Promise<number> {
    return this.#watchdog.terminate();
  }

  /** Twice in a row: the function's runs skip this thread for a while. */
  #strike(standing: Standing): void {
    standing.struck = !standing.struck;
    if (!standing.struck) standing.coolUntil = performance.now() + this.#coolMs;
  }

  // The budget is the guest's own: linking, and compiling on a first instantiation, do not count.
  readonly #starting = (): void => {
    this.#begun = true;
    Atomics.add(this.#control, RUN_SEQ, 1);
    if (Atomics.load(this.#control, WATCHDOG_SLEEPING) === 1) Atomics.notify(this.#control, RUN_SEQ);
  };

  // A sleep would hold the thread: stop the run, to be run again on a worker where sleeping is fine.
  readonly #refuseSleep = (): void => {
    this.#slept = true;
    Atomics.store(this.#flags, 0, 1);
    throw new WebAssembly.RuntimeError('the guest sleeps: it runs on a worker thread');
  };
}
