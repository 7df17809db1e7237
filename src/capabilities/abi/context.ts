// The state of one run's capabilities: its grant, its guest memory, its handles, the last error,
// pending waits (stopped at the deadline) and its usage counters. The import functions of each
// capability (kv.ts, http.ts, variables.ts, log.ts, core.ts) work on it.
import { WaftError } from '../../errors.ts';
import { GuestMemory } from '../../wasi/memory.ts';
import type { LogEntry } from '../../sandbox/protocol.ts';
import { Redactor } from '../variables/redact.ts';
import { HandleTable, MAX_OPEN_HANDLES, type Entry } from './buffers.ts';
import type { WorkerBackends } from './backends.ts';
import type { CapabilityGrant } from './grant.ts';
import { STATUS, statusOf, type Status } from './status.ts';

/** Ends an import call with a status (and a last_error message); never leaves the host. */
export class AbiFailure extends Error {
  readonly status: Status;

  constructor(status: Status, message: string) {
    super(message);
    this.status = status;
  }
}

export interface AbiHost {
  log(entry: LogEntry): void;
  /** Counts bytes against the run's output budget; throws WAFT_E_GUEST_OUTPUT_LIMIT past it. */
  charge(bytes: number, what: string): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What a BAD_HANDLE says, by the kind of handle the call wanted. */
const notOpen: { [K in Entry['kind']]: (handle: number) => string } = {
  store: (h) => `key-value store handle ${h} is not open (never opened, closed, or not a store)`,
  buffer: (h) => `buffer handle ${h} is not open (never made, already dropped, or not a buffer)`,
  response: (h) => `HTTP response handle ${h} is not open (never made, dropped, or not a response)`,
};

export class AbiContext {
  readonly memory = new GuestMemory();
  readonly handles = new HandleTable();
  readonly grant: CapabilityGrant;
  readonly backends: WorkerBackends;
  readonly host: AbiHost;
  /** Aborted at the deadline and when the run ends: stops in-flight outbound requests. */
  readonly #abort = new AbortController();
  #aborted: Error | null = null;
  /** Rejects the one call the guest is suspended in (a guest waits on one call at a time). */
  #pending: ((reason: Error) => void) | null = null;
  #closed = false;
  readonly #redactor: Redactor;
  lastError: string | null = null;
  calls = 0;
  waitMs = 0;

  constructor(grant: CapabilityGrant, backends: WorkerBackends, host: AbiHost, redactor = new Redactor(grant.secrets)) {
    this.grant = grant;
    this.#redactor = redactor;
    this.backends = backends;
    this.host = host;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get aborted(): Error | null {
    return this.#aborted;
  }

  /** The deadline passed or the run was cancelled: pending and later waits reject with `reason`. */
  abort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = reason;
    const pending = this.#pending;
    this.#pending = null;
    pending?.(reason);
    this.#abort.abort(reason);
  }

  /** The run is over: abandon what it holds. The stores stay open for the worker's next runs. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#aborted) this.abort(new WaftError('WAFT_E_GUEST_CANCELLED', 'the run ended'));
    for (const entry of this.handles.clear()) abandon(entry);
  }

  /** Awaits p, unless the run is aborted first; counts the time the guest was suspended. */
  wait<T>(p: Promise<T> | T): Promise<T> {
    return this.#settleWith(p, identity as (v: T) => T, false) as Promise<T>;
  }

  /**
   * The status a call ends with once p settles: `done(value)`, or the status of its failure.
   * One promise per call, which matters on the hot path (a SQLite get).
   */
  finish<T>(p: Promise<T> | T, done: (value: T) => number): Promise<number> {
    return this.#settleWith(p, done, true) as Promise<number>;
  }

  #settleWith<T, R>(p: Promise<T> | T, done: (value: T) => R, settle: boolean): Promise<R | number> {
    if (this.#aborted) return Promise.reject(this.#aborted);
    const t0 = performance.now();
    return new Promise<R | number>((resolve, reject) => {
      this.#pending = reject;
      const end = (): boolean => {
        this.waitMs += performance.now() - t0;
        if (this.#pending !== reject) return false; // aborted meanwhile: already rejected
        this.#pending = null;
        return true;
      };
      const fail = (err: unknown) => {
        if (!settle) return reject(err);
        try {
          resolve(this.settle(err));
        } catch (fatal) {
          reject(fatal);
        }
      };
      Promise.resolve(p).then((value) => {
        if (!end()) return;
        try {
          resolve(done(value));
        } catch (err) {
          fail(err);
        }
      }, (err: unknown) => {
        if (end()) fail(err);
      });
    });
  }

  /** Removes secrets from text that leaves the worker (log lines, error messages). */
  redact(text: string): string {
    return this.#redactor.redact(text);
  }

  /** Records the failure for last_error and returns its status. */
  fail(status: Status, message: string): Status {
    this.lastError = this.redact(message);
    return status;
  }

  /**
   * A denial: DENIED to the guest, and exactly one log line that names the function, what was
   * denied and the manifest key that would grant it.
   */
  deny(what: string, fix: string): Status {
    const message = this.redact(`function "${this.grant.function}" was denied ${what}: ${fix}`);
    this.lastError = message;
    this.host.log({ level: 3, message, denied: true });
    return STATUS.DENIED;
  }

  /** The status for a thrown value; rethrows what must end the guest (deadline, traps, output cap). */
  settle(err: unknown): Status {
    if (this.#aborted) throw this.#aborted;
    if (err instanceof AbiFailure) return this.fail(err.status, err.message);
    if (err instanceof WebAssembly.RuntimeError) throw err;
    if (err instanceof WaftError) {
      if (err.code.startsWith('WAFT_E_GUEST_')) throw err;
      return this.fail(statusOf(err.code), `${err.message} [${err.code}]`);
    }
    return this.fail(STATUS.INTERNAL, `internal error in a waft host call: ${(err as Error)?.message ?? String(err)}`);
  }

  /** A UTF-8 string argument; INVALID when it is not valid UTF-8. */
  string(ptr: number, len: number, what: string): string {
    const bytes = this.memory.slice(ptr, len);
    try {
      return utf8.decode(bytes);
    } catch {
      throw new AbiFailure(STATUS.INVALID, `the ${what} is not valid UTF-8`);
    }
  }

  /** The live entry of `kind` behind a handle; BAD_HANDLE when there is none. */
  entry<K extends Entry['kind']>(handle: number, kind: K): Extract<Entry, { kind: K }> {
    const entry = this.handles.get(handle, kind);
    if (!entry) throw new AbiFailure(STATUS.BAD_HANDLE, notOpen[kind](handle));
    return entry;
  }

  /** Removes the entry of `kind` behind a handle and returns it; BAD_HANDLE when there is none. */
  release<K extends Entry['kind']>(handle: number, kind: K): Extract<Entry, { kind: K }> {
    const entry = this.handles.drop(handle, kind);
    if (!entry) throw new AbiFailure(STATUS.BAD_HANDLE, notOpen[kind](handle));
    return entry;
  }

  /** Throws TOO_LARGE when no handle can be made. */
  reserve(): void {
    if (this.handles.full) {
      throw new AbiFailure(STATUS.TOO_LARGE, `the guest holds ${MAX_OPEN_HANDLES} handles, the most a run may hold at once; drop buffers it has read (buf_drop)`);
    }
  }

  /** A new buffer handle for bytes, with its handle and length written to the out-pointers. */
  giveBuffer(bytes: Uint8Array, bufOut: number, lenOut: number): Status {
    this.reserve();
    const handle = this.handles.add({ kind: 'buffer', bytes });
    this.memory.setU32(bufOut, handle);
    this.memory.setU64(lenOut, BigInt(bytes.byteLength));
    return STATUS.OK;
  }
}

function identity<T>(v: T): T {
  return v;
}

function abandon(entry: Entry): void {
  if (entry.kind !== 'response' || entry.body !== null) return;
  dropBody(entry.response.body);
}

/**
 * Abandons an unread response body so that its connection is closed instead of kept busy. A
 * generator that never started skips its `finally` on return(), so it is started first.
 */
export function dropBody(body: AsyncIterable<Uint8Array>): void {
  const it = body[Symbol.asyncIterator]();
  const pending = it.next();
  void it.return?.().catch(() => {});
  pending.catch(() => {});
}
