import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WaftError, type ErrorData } from '../errors.ts';
import { concatBytes } from '../util/bytes.ts';
import type { CompiledModule } from '../wasm/cache.ts';
import type { Preopen } from '../wasi/types.ts';
import { defaultSandboxLimits, type SandboxLimits } from './limits.ts';
import { PROFILE_CACHE, type DoneTuple, type FromWorker, type LogEntry, type OutputSpec, type ProfileData, type RunTuple, type ToWorker, type Usage } from './protocol.ts';
import { STARTED, STOLEN, UNCLAIMED } from './claims.ts';
import { InlineRunner } from './inline.ts';
import { deliver, NO_BYTES, type OutputTarget } from './output-target.ts';

export type { OutputTarget } from './output-target.ts';

/**
 * What the runs of one function share: module, preopens, limits and grant. Make one per function
 * with runProfile() and pass it with each run; a worker is sent it once.
 */
export interface RunProfile {
  readonly id: number;
  readonly module: CompiledModule;
  readonly preopens: Preopen[];
  readonly limits: SandboxLimits;
  readonly grant: { key: string; value: unknown } | undefined;
}

let nextProfileId = 1;

export function runProfile(o: { module: CompiledModule; preopens?: Preopen[]; limits?: Partial<SandboxLimits>; grant?: { key: string; value: unknown } }): RunProfile {
  return { id: nextProfileId++, module: o.module, preopens: o.preopens ?? [], limits: { ...defaultSandboxLimits, ...o.limits }, grant: o.grant };
}

export interface RunOptions {
  /** The function's shared settings; when given, module, preopens, limits and grant are ignored. */
  profile?: RunProfile;
  module?: CompiledModule;
  args?: string[];
  env?: Record<string, string>;
  preopens?: Preopen[];
  limits?: Partial<SandboxLimits>;
  /** Whole bytes, a stream pulled as the guest reads, or a host fd read synchronously. */
  stdin?: Uint8Array | AsyncIterable<Uint8Array> | { fd: number };
  stdout?: OutputTarget;
  stderr?: OutputTarget;
  /** Aborting stops the guest (as a cancellation, not a timeout). */
  signal?: AbortSignal;
  /**
   * What the host extension may give this guest (see SandboxOptions.extension). `key` names the
   * grant: a worker is sent each grant once and keeps it by key, so equal grants need equal keys.
   * Without a grant the guest is granted nothing.
   */
  grant?: { key: string; value: unknown };
  /** Each log entry of the run as it happens; without it they are collected in RunResult.logs. */
  onLog?: (entry: LogEntry) => void;
}

export interface RunResult {
  exitCode: number | null;
  error: WaftError | null;
  /** What was written, when the target was 'collect'. */
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** Log entries, when no onLog was given. */
  logs: LogEntry[];
  usage: Usage;
  /** The guest ran on the caller's thread (SandboxOptions.inline) rather than on a worker. */
  inline: boolean;
}

export interface SandboxOptions {
  /** Workers kept running; defaults to the number of cores. */
  minWorkers?: number;
  /** Extra workers are started when every worker holds a job older than spillAfterMs. */
  maxWorkers?: number;
  spillAfterMs?: number;
  /** After a deadline, how long an interruptible guest has to stop before its worker is terminated. */
  graceMs?: number;
  idleRetireMs?: number;
  /**
   * URL (or absolute path) of a module whose default export is a HostExtension: the capabilities
   * each worker offers guests as imports (src/capabilities/abi). Without it guests get WASI only.
   */
  extension?: string | URL;
  /**
   * Give runs used instances, reset to the state of a new one, for modules whose reset plan
   * allows it (default true). False makes a new V8 instance for every run.
   */
  recycle?: boolean;
  /**
   * Try short runs that cannot have lasting effects on the caller's thread first, for up to
   * inlineBudgetMs each (default true, 1 ms). A run that goes on longer, or sleeps, is stopped
   * and run again on a worker, and its function's runs go to workers for the next 10 s.
   * See InlineRunner.
   */
  inline?: boolean;
  inlineBudgetMs?: number;
}

interface Job {
  id: number;
  tuple: RunTuple;
  profile: RunProfile;
  opts: RunOptions;
  handle: WorkerHandle;
  slot: number;
  startedAt: number;
  deadline: NodeJS.Timeout | undefined;
  grace: NodeJS.Timeout | undefined;
  stopping: ErrorData | null;
  stdout: Uint8Array[];
  stderr: Uint8Array[];
  logs: LogEntry[];
  stdin: AsyncIterator<Uint8Array> | null;
  pulling: boolean;
  onAbort: (() => void) | null;
  resolve: (r: RunResult) => void;
}

const SLOTS = 16384;
/** Start times cross threads as ms since this moment (each thread's performance.now() has its own origin). */
const TIME_BASE = Date.now();

const WORKER_URL = new URL('./worker.ts', import.meta.url);

class WorkerHandle {
  readonly worker: Worker;
  readonly interrupt = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  readonly flags = new Int32Array(this.interrupt.buffer);
  readonly claims = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  /** When the worker started each slot's run, in ms since TIME_BASE (written by the worker). */
  readonly starts = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  booted = false;
  readonly jobs = new Map<number, Job>();
  readonly modules = new Set<string>();
  readonly grants = new Set<string>();
  /** Profiles this worker holds, oldest first (it evicts in the same order). */
  readonly profiles = new Set<number>();
  readonly freeSlots: number[] = [];
  /** Slots of stolen jobs, free again once the worker has seen and skipped them. */
  readonly stolenSlots = new Set<number>();
  nextSlot = 0;
  lost = false;
  idleSince = performance.now();

  #closed: (() => void) | null = null;
  #ready!: () => void;
  /** Settles when the worker has loaded its code. */
  readonly ready = new Promise<void>((resolve) => { this.#ready = resolve; });

  constructor(extension: string | undefined, recycle: boolean) {
    this.worker = new Worker(WORKER_URL, { workerData: { interrupt: this.interrupt, claims: this.claims, starts: this.starts, timeBase: TIME_BASE, extension, recycle } });
  }

  /** Lets the worker release what its extension holds (up to waitMs), then terminates it. */
  async retire(waitMs: number): Promise<void> {
    if (!this.lost) {
      const closed = new Promise<void>((resolve) => {
        this.#closed = resolve;
        setTimeout(resolve, waitMs).unref();
      });
      this.post({ t: 'close' });
      await closed;
    }
    await this.worker.terminate();
  }

  onClosed(): void {
    this.#closed?.();
  }

  onReady(): void {
    this.booted = true;
    this.#ready();
  }

  takeSlot(): number {
    const slot = this.freeSlots.pop() ?? this.nextSlot++;
    if (slot >= SLOTS) throw new WaftError('WAFT_E_INTERNAL', 'worker ran out of interrupt slots');
    Atomics.store(this.flags, slot, 0);
    Atomics.store(this.claims, slot, UNCLAIMED);
    return slot;
  }

  /**
   * Busy with one guest for longer than `ms`: it holds a started run that old. A worker whose runs
   * are all waiting to start (it is booting, or just got them) is not stuck.
   */
  stuck(ms: number): boolean {
    const now = Date.now() - TIME_BASE;
    for (const job of this.jobs.values()) {
      if (Atomics.load(this.claims, job.slot) === STARTED && now - Atomics.load(this.starts, job.slot) > ms) return true;
    }
    return false;
  }

  post(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }
}

/** Runs guests in worker threads, within limits, never on the caller's event loop. */
export class Sandbox {
  readonly #workers: WorkerHandle[] = [];
  readonly #jobs = new Map<number, Job>();
  readonly #min: number;
  readonly #max: number;
  readonly #spillAfterMs: number;
  readonly #graceMs: number;
  readonly #idleRetireMs: number;
  readonly #extension: string | undefined;
  readonly #recycle: boolean;
  readonly #inline: InlineRunner | null;
  #nextId = 1;
  #closed = false;
  #retireTimer: NodeJS.Timeout;
  #rescueTimer: NodeJS.Timeout;

  constructor(options: SandboxOptions = {}) {
    const cores = availableParallelism();
    this.#min = Math.max(1, options.minWorkers ?? cores);
    this.#max = Math.max(this.#min, options.maxWorkers ?? this.#min * 4);
    this.#spillAfterMs = options.spillAfterMs ?? 50;
    this.#graceMs = options.graceMs ?? 2000;
    this.#idleRetireMs = options.idleRetireMs ?? 30_000;
    this.#extension = options.extension === undefined ? undefined : extensionUrl(options.extension);
    this.#recycle = options.recycle ?? true;
    this.#inline = options.inline === false
      ? null
      : new InlineRunner({ budgetMs: options.inlineBudgetMs ?? 1, coolMs: 10_000, recycle: this.#recycle });
    for (let i = 0; i < this.#min; i++) this.#spawn();
    this.#retireTimer = setInterval(() => this.#retireIdle(), Math.min(this.#idleRetireMs, 10_000));
    this.#retireTimer.unref();
    this.#rescueTimer = setInterval(() => this.#rescue(), Math.max(5, this.#spillAfterMs / 2));
    this.#rescueTimer.unref();
  }

  /** Settles when the workers started with the pool have loaded their code and take runs. */
  ready(): Promise<void> {
    return Promise.all(this.#workers.map((h) => h.ready)).then(() => undefined);
  }

  get workerCount(): number {
    return this.#workers.length;
  }

  /** Runs tried on the caller's thread, and how many were stopped and run again on a worker; null when inline runs are off. */
  get inline(): { readonly runs: number; readonly stopped: number } | null {
    return this.#inline?.stats ?? null;
  }

  get running(): number {
    return this.#jobs.size;
  }

  run(opts: RunOptions): Promise<RunResult> {
    if (this.#closed) return Promise.reject(new WaftError('WAFT_E_SANDBOX_CLOSED', 'the sandbox is closed'));
    const profile = opts.profile ?? this.#adHocProfile(opts);
    const env = joinEnv(opts.env);
    if (this.#inline?.accepts(profile, opts)) return this.#inline.run(profile, opts, env, (spentMs) => this.#queue(profile, opts, env, spentMs));
    return this.#queue(profile, opts, env, 0);
  }

  /** Runs on a worker; `spentMs` of the run's time went to an inline try. */
  #queue(profile: RunProfile, opts: RunOptions, env: string, spentMs: number): Promise<RunResult> {
    if (this.#closed) return Promise.reject(new WaftError('WAFT_E_SANDBOX_CLOSED', 'the sandbox is closed'));
    const limits = profile.limits;
    const id = this.#nextId++;
    const tuple: RunTuple = [
      id, profile.id, 0, (opts.args ?? [profile.module.source]).join('\0'), env,
      stdinField(opts.stdin), outputsField(opts.stdout, opts.stderr),
    ];
    return new Promise<RunResult>((resolve) => {
      const job: Job = {
        id, tuple, profile, opts, handle: undefined as unknown as WorkerHandle, slot: 0, startedAt: performance.now() - spentMs,
        deadline: Number.isFinite(limits.timeoutMs)
          ? setTimeout(() => this.#stop(job, timeoutError(limits.timeoutMs)), Math.max(0, limits.timeoutMs - spentMs))
          : undefined,
        grace: undefined, stopping: null, stdout: [], stderr: [], logs: [],
        stdin: isAsyncIterable(opts.stdin) ? opts.stdin[Symbol.asyncIterator]() : null,
        pulling: false, onAbort: null, resolve,
      };
      if (opts.signal) {
        if (opts.signal.aborted) queueMicrotask(() => this.#stop(job, cancelError()));
        job.onAbort = () => this.#stop(job, cancelError());
        opts.signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#jobs.set(id, job);
      this.#dispatch(job, this.#pick());
    });
  }

  /** Stops one run, as if its signal had been aborted. */
  cancel(id: number): void {
    const job = this.#jobs.get(id);
    if (job) this.#stop(job, cancelError());
  }

  // Runs without a profile (tests, `waft run`) share one per module and settings.
  readonly #adHoc = new WeakMap<CompiledModule, Map<string, RunProfile>>();
  #adHocProfile(opts: RunOptions): RunProfile {
    if (!opts.module) throw new WaftError('WAFT_E_INTERNAL', 'Sandbox.run needs a profile or a module');
    const key = JSON.stringify([opts.preopens ?? [], opts.limits ?? {}, opts.grant?.key ?? null]);
    let byKey = this.#adHoc.get(opts.module);
    if (!byKey) this.#adHoc.set(opts.module, (byKey = new Map()));
    let profile = byKey.get(key);
    if (!profile || profile.grant?.value !== opts.grant?.value) {
      profile = runProfile({ module: opts.module, preopens: opts.preopens, limits: opts.limits, grant: opts.grant });
      byKey.set(key, profile);
    }
    return profile;
  }

  #dispatch(job: Job, handle: WorkerHandle): void {
    const { tuple, profile } = job;
    job.handle = handle;
    job.slot = tuple[2] = handle.takeSlot();
    if (handle.profiles.has(profile.id)) tuple.length = 7;
    else tuple[7] = this.#profileData(handle, profile);
    handle.jobs.set(job.id, job);
    handle.post(tuple);
  }

  #profileData(handle: WorkerHandle, profile: RunProfile): ProfileData {
    handle.profiles.add(profile.id);
    if (handle.profiles.size > PROFILE_CACHE) handle.profiles.delete(handle.profiles.values().next().value!);
    const m = profile.module;
    const data: ProfileData = {
      id: profile.id, hash: m.hash, memory: m.memory, reset: m.reset, preopens: profile.preopens,
      memoryBytes: profile.limits.memoryBytes, maxOutputBytes: profile.limits.maxOutputBytes,
    };
    if (!handle.modules.has(m.hash)) {
      data.module = m.module;
      handle.modules.add(m.hash);
    }
    if (profile.grant) {
      data.grantKey = profile.grant.key;
      if (!handle.grants.has(profile.grant.key)) {
        data.grant = profile.grant.value;
        handle.grants.add(profile.grant.key);
      }
    }
    return data;
  }

  // Jobs posted to a worker that then got stuck in one long guest would wait for its deadline.
  // Take back the ones it has not started and run them elsewhere.
  // (Not skipped when there are no more jobs than workers: they need not be spread one per worker.)
  #rescue(): void {
    for (const h of [...this.#workers]) {
      if (h.jobs.size < 2 || !h.stuck(this.#spillAfterMs)) continue;
      for (const job of [...h.jobs.values()]) {
        if (job.stopping || Atomics.compareExchange(h.claims, job.slot, UNCLAIMED, STOLEN) !== UNCLAIMED) continue;
        h.jobs.delete(job.id);
        h.stolenSlots.add(job.slot);
        this.#dispatch(job, this.#pick());
      }
    }
  }

  /** Stops accepting runs; lets running guests finish for up to graceMs, then stops them. */
  async close(graceMs = 0): Promise<void> {
    this.#closed = true;
    clearInterval(this.#retireTimer);
    clearInterval(this.#rescueTimer);
    void this.#inline?.close();
    if (this.#jobs.size > 0 && graceMs > 0) {
      await new Promise<void>((done) => {
        const timer = setTimeout(done, graceMs);
        const check = setInterval(() => {
          if (this.#jobs.size === 0) { clearTimeout(timer); clearInterval(check); done(); }
        }, 10);
        timer.unref();
      });
    }
    for (const job of [...this.#jobs.values()]) {
      interrupt(job);
      this.#finish(job, failed(job, new WaftError('WAFT_E_SANDBOX_CLOSED', 'the sandbox closed while the guest was running')));
    }
    await Promise.all(this.#workers.splice(0).map((h) => h.retire(this.#graceMs)));
  }

  #spawn(): WorkerHandle {
    const handle = new WorkerHandle(this.#extension, this.#recycle);
    handle.worker.on('message', (msg: FromWorker) => this.#onMessage(handle, msg));
    handle.worker.on('error', (err) => this.#lose(handle, `worker failed: ${err.message}`));
    handle.worker.on('exit', (code) => this.#lose(handle, `worker exited with code ${code}`));
    this.#workers.push(handle);
    return handle;
  }

  // Prefer an idle worker, then the least busy one that is not stuck. A worker that has run one
  // guest for longer than spillAfterMs may be held by a runaway, so new work goes elsewhere, to a
  // new worker if need be: a loop in one function never queues the others behind it.
  #pick(): WorkerHandle {
    let best: WorkerHandle | undefined;
    let stuck = 0;
    let booting = false;
    for (const h of this.#workers) {
      if (!h.booted) {
        booting = true;
        continue;
      }
      if (h.jobs.size === 0) return h;
      if (h.stuck(this.#spillAfterMs)) {
        stuck++;
        continue;
      }
      if (!best || h.jobs.size < best.jobs.size) best = h;
    }
    if (best) return best;
    // Every booted worker is held by a long guest. Start another, but do not queue work behind
    // its boot: the rescue moves waiting jobs to it once it is up.
    if (stuck > 0 && !booting && this.#workers.length < this.#max) this.#spawn();
    const ready = this.#workers.filter((h) => h.booted);
    const pool = ready.length > 0 ? ready : this.#workers;
    return pool.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  #retireIdle(): void {
    const now = performance.now();
    for (const h of [...this.#workers]) {
      if (this.#workers.length <= this.#min) return;
      if (h.jobs.size === 0 && now - h.idleSince > this.#idleRetireMs) {
        this.#workers.splice(this.#workers.indexOf(h), 1);
        void h.retire(this.#graceMs);
        h.lost = true;
      }
    }
  }

  #onMessage(handle: WorkerHandle, msg: FromWorker): void {
    if (Array.isArray(msg)) {
      this.#done(handle, msg);
      return;
    }
    if (msg.t === 'closed') {
      handle.onClosed();
      return;
    }
    if (msg.t === 'ready') {
      handle.onReady();
      return;
    }
    if (msg.t === 'skipped') {
      if (handle.stolenSlots.delete(msg.slot)) handle.freeSlots.push(msg.slot);
      return;
    }
    const job = handle.jobs.get(msg.id);
    if (!job) return;
    switch (msg.t) {
      case 'out': {
        const target = msg.fd === 1 ? job.opts.stdout : job.opts.stderr;
        if (typeof target === 'function') target(msg.chunk);
        else (msg.fd === 1 ? job.stdout : job.stderr).push(msg.chunk);
        return;
      }
      case 'pull':
        void this.#pull(job);
        return;
      case 'log': {
        const entry: LogEntry = { level: msg.level, message: msg.message, denied: msg.denied };
        if (job.opts.onLog) job.opts.onLog(entry);
        else job.logs.push(entry);
        return;
      }
    }
  }

  #done(handle: WorkerHandle, d: DoneTuple): void {
    const job = handle.jobs.get(d[0]);
    if (!job) return;
    // Chunks already streamed went to their callback as they came; a collected target kept them here.
    const out = (kept: Uint8Array[], target: OutputTarget | undefined, rest: Uint8Array[]) => deliver(kept.length ? kept.concat(rest) : rest, target);
    // A guest stopped on purpose reports why it was stopped, not the trap that stopped it.
    const data = d[2] && job.stopping ? job.stopping : d[2];
    this.#finish(job, {
      exitCode: d[1], error: data ? WaftError.fromData(data) : null,
      stdout: out(job.stdout, job.opts.stdout, d[3]),
      stderr: out(job.stderr, job.opts.stderr, d[4]),
      logs: job.logs,
      usage: { wallMs: d[5], cpuMs: d[6], peakMemoryBytes: d[7], outputBytes: d[8], hostCalls: d[9], hostWaitMs: d[10] },
      inline: false,
    });
  }

  async #pull(job: Job): Promise<void> {
    if (job.pulling || !job.stdin) return;
    job.pulling = true;
    let chunk: Uint8Array | null = null;
    try {
      const next = await job.stdin.next();
      chunk = next.done ? null : next.value;
    } catch {
      chunk = null;
    }
    job.pulling = false;
    if (this.#jobs.has(job.id)) job.handle.post({ t: 'stdin', id: job.id, chunk });
  }

  #stop(job: Job, error: ErrorData): void {
    if (job.stopping || !this.#jobs.has(job.id)) return;
    job.stopping = error;
    interrupt(job);
    job.handle.post({ t: 'cancel', id: job.id, error });
    const grace = job.profile.module.interruptible ? this.#graceMs : Math.min(this.#graceMs, 100);
    job.grace = setTimeout(() => {
      if (this.#jobs.has(job.id)) this.#lose(job.handle, `guest did not stop within ${grace}ms of its deadline`, job);
    }, grace);
  }

  // The worker is gone or must go: its jobs fail, and a fresh worker takes its place.
  #lose(handle: WorkerHandle, why: string, culprit?: Job): void {
    if (handle.lost) return;
    handle.lost = true;
    const i = this.#workers.indexOf(handle);
    if (i >= 0) this.#workers.splice(i, 1);
    for (const job of [...handle.jobs.values()]) {
      const error = job === culprit && job.stopping
        ? WaftError.fromData(job.stopping)
        : new WaftError('WAFT_E_WORKER_LOST', `the guest's worker thread was stopped: ${why}`);
      this.#finish(job, failed(job, error));
    }
    void handle.worker.terminate();
    if (!this.#closed && this.#workers.length < this.#min) this.#spawn();
  }

  #finish(job: Job, result: RunResult): void {
    if (!this.#jobs.delete(job.id)) return;
    clearTimeout(job.deadline);
    clearTimeout(job.grace);
    if (job.onAbort) job.opts.signal?.removeEventListener('abort', job.onAbort);
    job.handle.jobs.delete(job.id);
    if (job.handle.jobs.size === 0) job.handle.idleSince = performance.now();
    if (!job.handle.lost) job.handle.freeSlots.push(job.slot);
    void job.stdin?.return?.();
    job.resolve(result);
  }
}

/** Sets the job's interrupt slot: its guest traps at its next loop check, or wakes from a blocking sleep (guest.ts). */
function interrupt(job: Job): void {
  Atomics.store(job.handle.flags, job.slot, 1);
  Atomics.notify(job.handle.flags, job.slot);
}

function failed(job: Job, error: WaftError): RunResult {
  return {
    exitCode: null, error, stdout: concatBytes(job.stdout), stderr: concatBytes(job.stderr), logs: job.logs,
    usage: { wallMs: performance.now() - job.startedAt, cpuMs: 0, peakMemoryBytes: 0, outputBytes: 0, hostCalls: 0, hostWaitMs: 0 },
    inline: false,
  };
}

function timeoutError(ms: number): ErrorData {
  return { code: 'WAFT_E_GUEST_TIMEOUT', message: `the guest was stopped at its deadline of ${ms}ms`, details: { timeoutMs: ms } };
}

function cancelError(): ErrorData {
  return { code: 'WAFT_E_GUEST_CANCELLED', message: 'the run was cancelled before the guest finished' };
}

function stdinField(stdin: RunOptions['stdin']): Uint8Array | number | null {
  if (stdin === undefined) return NO_BYTES;
  if (stdin instanceof Uint8Array) return stdin;
  if (isAsyncIterable(stdin)) return null;
  return stdin.fd;
}

function outputSpec(target: OutputTarget | undefined): OutputSpec {
  if (target === undefined || target === 'collect') return { kind: 'collect' };
  if (typeof target === 'function') return { kind: 'stream' };
  return { kind: 'fd', fd: target.fd, isTty: target.isTty ?? false };
}

function outputsField(stdout: OutputTarget | undefined, stderr: OutputTarget | undefined): RunTuple[6] {
  const isFd = (t: OutputTarget | undefined) => typeof t === 'object';
  if (isFd(stdout) || isFd(stderr)) return [outputSpec(stdout), outputSpec(stderr)];
  return (typeof stdout === 'function' ? 2 : 0) | (typeof stderr === 'function' ? 1 : 0);
}

/** "K=V" entries joined by NUL; a NUL inside a value would split it, so the value is cut there. */
function joinEnv(env: Record<string, string> | undefined): string {
  if (!env) return '';
  let out = '';
  for (const k in env) {
    let v = env[k];
    if (v.includes('\0')) v = v.slice(0, v.indexOf('\0'));
    out += out ? `\0${k}=${v}` : `${k}=${v}`;
  }
  return out;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

function extensionUrl(extension: string | URL): string {
  if (extension instanceof URL) return extension.href;
  return /^[a-z][a-z0-9+.-]*:/i.test(extension) ? extension : pathToFileURL(extension).href;
}
