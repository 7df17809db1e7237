// Messages between the pool (main thread) and its worker threads.
import type { ErrorData } from '../errors.ts';
import type { Preopen } from '../wasi/types.ts';

export type StdinSpec = { kind: 'bytes'; data: Uint8Array } | { kind: 'stream' } | { kind: 'fd'; fd: number };
/** collect: returned whole in `done`; stream: sent in `out` chunks as written; fd: written to a host fd. */
export type OutputSpec = { kind: 'collect' } | { kind: 'stream' } | { kind: 'fd'; fd: number; isTty: boolean };

export interface RunMessage {
  t: 'run';
  id: number;
  hash: string;
  /** Sent the first time a worker sees a hash; compiled code is shared, not copied. */
  module?: WebAssembly.Module;
  memory: { initial: number; maximum: number | null } | null;
  interruptible: boolean;
  slot: number;
  args: string[];
  env: Record<string, string>;
  preopens: Preopen[];
  memoryBytes: number;
  maxOutputBytes: number;
  stdin: StdinSpec;
  stdout: OutputSpec;
  stderr: OutputSpec;
}

export type ToWorker =
  | RunMessage
  | { t: 'stdin'; id: number; chunk: Uint8Array | null }
  | { t: 'cancel'; id: number; error: ErrorData }
  | { t: 'forget'; hash: string };

export interface Usage {
  wallMs: number;
  cpuMs: number;
  peakMemoryBytes: number;
  /** Bytes written to stdout and stderr together. */
  outputBytes: number;
}

export interface DoneMessage {
  t: 'done';
  id: number;
  exitCode: number | null;
  error: ErrorData | null;
  stdout: Uint8Array[];
  stderr: Uint8Array[];
  usage: Usage;
}

export type FromWorker =
  | DoneMessage
  | { t: 'out'; id: number; fd: 1 | 2; chunk: Uint8Array }
  | { t: 'pull'; id: number }
  /** A job the pool took back before this worker started it; its slot is free again. */
  | { t: 'skipped'; slot: number };
