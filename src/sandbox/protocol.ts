// Messages between the pool (main thread) and its worker threads.
import type { ErrorData } from '../errors.ts';
import type { Preopen } from '../wasi/types.ts';
import type { ResetPlan } from '../wasm/prepare.ts';

/** collect: returned whole in `done`; stream: sent in `out` chunks as written; fd: written to a host fd. */
export type OutputSpec = { kind: 'collect' } | { kind: 'stream' } | { kind: 'fd'; fd: number; isTty: boolean };

/** What the runs of one function share. A worker is sent it once, then runs name it by id. */
export interface ProfileData {
  id: number;
  hash: string;
  /** Sent the first time a worker sees a hash; compiled code is shared, not copied. */
  module?: WebAssembly.Module;
  memory: { initial: number; maximum: number | null } | null;
  reset: ResetPlan | null;
  preopens: Preopen[];
  memoryBytes: number;
  maxOutputBytes: number;
  /** Names the grant of host capabilities; the worker caches grants by this key. */
  grantKey?: string;
  /** Sent the first time a worker sees a grantKey: what the host extension may give the guest. */
  grant?: unknown;
}

/** How many profiles a worker keeps; the pool evicts in the same order, so both agree. */
export const PROFILE_CACHE = 512;

/**
 * One run. A tuple of primitives, because structured clone copies one about three times faster
 * than the equivalent object (measured: 4 µs against 11 µs a round trip), and this is the hot path.
 * - args: NUL-joined; env: "K=V" entries, NUL-joined (the layout environ_get wants).
 * - stdin: the whole body, a host fd to read, or null when it streams in `stdin` messages.
 * - outputs: for stdout and stderr, a number whose bit 1 (stdout) and bit 0 (stderr) mean
 *   "stream" rather than "collect", or the two specs when one writes to a host fd.
 */
export type RunTuple = [
  id: number, profile: number, slot: number, args: string, env: string,
  stdin: Uint8Array | number | null, outputs: number | [OutputSpec, OutputSpec], profileData?: ProfileData,
];

export type ToWorker =
  | RunTuple
  | { t: 'stdin'; id: number; chunk: Uint8Array | null }
  | { t: 'cancel'; id: number; error: ErrorData }
  | { t: 'forget'; hash: string }
  /** The pool is closing: release what the host extension holds, then answer `closed`. */
  | { t: 'close' };

export interface Usage {
  wallMs: number;
  cpuMs: number;
  peakMemoryBytes: number;
  /** Bytes written to stdout and stderr together (guest log lines included). */
  outputBytes: number;
  /** Calls the guest made to host capabilities (imports of the host extension). */
  hostCalls: number;
  /** Time the guest spent suspended in those calls, waiting for I/O. */
  hostWaitMs: number;
}

export const LOG_LEVEL_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/** One log entry of a run: a guest's log call, or the host's note that it denied the guest something. */
export interface LogEntry {
  /** 0 trace, 1 debug, 2 info, 3 warn, 4 error. */
  level: number;
  message: string;
  /** The host denied the guest a capability; the message names the manifest key that grants it. */
  denied: boolean;
}

/** The end of a run, as a tuple for the same reason as RunTuple. */
export type DoneTuple = [
  id: number, exitCode: number | null, error: ErrorData | null, stdout: Uint8Array[], stderr: Uint8Array[],
  wallMs: number, cpuMs: number, peakMemoryBytes: number, outputBytes: number, hostCalls: number, hostWaitMs: number,
];

export type FromWorker =
  | DoneTuple
  | { t: 'out'; id: number; fd: 1 | 2; chunk: Uint8Array }
  | { t: 'pull'; id: number }
  | ({ t: 'log'; id: number } & LogEntry)
  | { t: 'closed' }
  /** The worker has loaded its code and takes runs. */
  | { t: 'ready' }
  /** A job the pool took back before this worker started it; its slot is free again. */
  | { t: 'skipped'; slot: number };

/**
 * Host capabilities offered to guests, loaded in each worker from SandboxOptions.extension (a
 * module URL whose default export is a HostExtension). The sandbox knows nothing of what they
 * are: it passes each run's grant through, links the imports, and stops pending calls at the
 * deadline.
 */
export interface HostExtension {
  /** The import module name the guest links against (e.g. "waft"). */
  readonly module: string;
  /** A fresh instance of the capabilities for one run. `imports` lists the names the module imports from `module`. */
  instantiate(run: ExtensionRun): ExtensionInstance;
  /** Releases what the worker holds (connections, files) before the worker is stopped. */
  close(): Promise<void>;
}

export interface ExtensionRun {
  id: number;
  /** The run's grant, as the pool was given it; undefined when the run carries none (grant nothing). */
  grant: unknown;
  /** The names the guest imports from the extension's module. */
  imports: readonly string[];
  /** Sends a log entry to the owner of the run. */
  log(entry: LogEntry): void;
  /** Counts bytes against the run's output budget; throws WAFT_E_GUEST_OUTPUT_LIMIT past it. */
  charge(bytes: number, what: string): void;
}

export interface ExtensionInstance {
  imports: Record<string, Function>;
  /** Imports that may return a Promise: the sandbox wraps them in WebAssembly.Suspending. */
  asyncImports: ReadonlySet<string>;
  setMemory(memory: WebAssembly.Memory): void;
  /** Makes pending and later waits reject with `reason` (the deadline, a cancellation). */
  abort(reason: Error): void;
  /** The run is over: drop what it holds. */
  close(): void;
  usage(): { calls: number; waitMs: number };
}
