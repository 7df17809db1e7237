// Ready-made stdin/stdout/stderr streams for WasiHost.
import { readSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { WaftError } from '../errors.ts';
import { concatBytes } from '../util/bytes.ts';
import type { InputStream, OutputStream } from './types.ts';

// ── input ───────────────────────────────────────────────────────────────────

/** A stdin that serves a fixed byte string, then end of stream. */
export class BytesInput implements InputStream {
  readonly sync = true;
  #bytes: Uint8Array;
  #at = 0;

  constructor(bytes: Uint8Array | string) {
    this.#bytes = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  }

  read(max: number): Uint8Array | null {
    if (this.#at >= this.#bytes.length) return null;
    const n = Math.min(Math.max(max, 1), this.#bytes.length - this.#at);
    const chunk = this.#bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return chunk;
  }

  ready(): boolean { return true; }
  whenReady(): Promise<void> { return Promise.resolve(); }
}

export interface PushInputOptions {
  /** push() returns false once this many bytes wait unread (default 64 KiB). */
  highWaterMark?: number;
  /** Called when the buffered bytes fall below highWaterMark after push() returned false. */
  onDrain?: () => void;
  /** Called whenever the guest wants data and none is buffered: the producer may push now. */
  pull?: () => void;
}

/** A stdin fed by the host as data arrives (e.g. a request body being received). */
export class PushInput implements InputStream {
  readonly isTty = false;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #waiters: Array<() => void> = [];
  #needDrain = false;
  #hwm: number;
  #onDrain: (() => void) | undefined;
  #pull: (() => void) | undefined;

  constructor(options: PushInputOptions = {}) {
    this.#hwm = options.highWaterMark ?? 64 * 1024;
    this.#onDrain = options.onDrain;
    this.#pull = options.pull;
  }

  /** Buffers a chunk for the guest. Returns false when the producer should wait for onDrain. */
  push(chunk: Uint8Array): boolean {
    if (this.#ended) throw new Error('PushInput.push() after end()');
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#wake();
    }
    const ok = this.#buffered < this.#hwm;
    if (!ok) this.#needDrain = true;
    return ok;
  }

  /** No more data: reads return null once the buffer is empty. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  ready(): boolean {
    return this.#chunks.length > 0 || this.#ended;
  }

  whenReady(): Promise<void> {
    if (this.ready()) return Promise.resolve();
    const p = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#pull?.();
    return p;
  }

  read(max: number): Uint8Array | null | Promise<Uint8Array | null> {
    if (this.#chunks.length === 0) {
      if (this.#ended) return null;
      return this.whenReady().then(() => this.read(max));
    }
    const want = Math.max(max, 1);
    let chunk = this.#chunks[0];
    if (chunk.length <= want) {
      this.#chunks.shift();
    } else {
      this.#chunks[0] = chunk.subarray(want);
      chunk = chunk.subarray(0, want);
    }
    this.#buffered -= chunk.length;
    if (this.#needDrain && this.#buffered < this.#hwm) {
      this.#needDrain = false;
      this.#onDrain?.();
    }
    return chunk;
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (only ever used in worker threads or the CLI). */
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * A stdin read from a host fd with blocking reads (for `waft run`). When the fd is non-blocking
 * and has no data (EAGAIN), read() returns a Promise that retries, so a JSPI guest waits without
 * holding its thread. A blocking fd (a terminal, a file, a blocking pipe) reports ready() and
 * blocks the thread in read(): fine for one guest per process.
 */
export class FdInput implements InputStream {
  readonly isTty: boolean;
  #fd: number;
  #pending: Uint8Array | null = null;
  #eof = false;
  #nonblocking = false;
  #pollMs: number;
  #cancelled = false;
  #timers = new Set<NodeJS.Timeout>();

  constructor(fd: number, options: { pollMs?: number } = {}) {
    this.#fd = fd;
    this.isTty = isatty(fd);
    this.#pollMs = options.pollMs ?? 10;
  }

  #tryRead(max: number): Uint8Array | null | 'again' {
    const buf = new Uint8Array(Math.max(1, Math.min(max, 1 << 20)));
    try {
      const n = readSync(this.#fd, buf, 0, buf.length, null);
      if (n === 0) return null;
      return buf.subarray(0, n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        this.#nonblocking = true;
        return 'again';
      }
      if ((err as NodeJS.ErrnoException).code === 'EOF') return null;
      throw err;
    }
  }

  read(max: number): Uint8Array | null | Promise<Uint8Array | null> {
    if (this.#pending) {
      const p = this.#pending;
      if (p.length <= max) {
        this.#pending = null;
        return p;
      }
      this.#pending = p.subarray(max);
      return p.subarray(0, max);
    }
    if (this.#eof) return null;
    const r = this.#tryRead(max);
    if (r === 'again') return this.whenReady().then(() => this.read(max));
    if (r === null) this.#eof = true;
    return r;
  }

  ready(): boolean {
    if (this.#pending || this.#eof || !this.#nonblocking) return true;
    const r = this.#tryRead(64 * 1024);
    if (r === 'again') return false;
    if (r === null) this.#eof = true;
    else this.#pending = r;
    return true;
  }

  whenReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const poll = (): void => {
        try {
          if (this.ready()) resolve();
          else if (!this.#cancelled) this.#timers.add(setTimeout(() => { this.#timers.clear(); poll(); }, this.#pollMs));
        } catch (err) {
          reject(err);
        }
      };
      poll();
    });
  }

  /** Stops polling the fd; pending whenReady() promises stay unsettled. */
  cancel(): void {
    this.#cancelled = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

// ── output ──────────────────────────────────────────────────────────────────

/** One byte budget shared by the outputs of one guest (stdout + stderr). */
export class OutputBudget {
  readonly limit: number;
  used = 0;
  exceeded = false;
  #listeners: Array<(limit: number) => void> = [];

  constructor(limit: number, onLimit?: (limit: number) => void) {
    if (!(limit >= 0)) throw new RangeError(`output limit must be >= 0, got ${limit}`);
    this.limit = limit;
    if (onLimit) this.#listeners.push(onLimit);
  }

  /** Adds a callback run once, when the budget is first exceeded. */
  onLimit(listener: (limit: number) => void): void {
    this.#listeners.push(listener);
  }

  /** Reserves room for up to `n` bytes and returns how many fit. */
  take(n: number): number {
    const granted = Math.min(Math.max(0, this.limit - this.used), n);
    this.used += granted;
    return granted;
  }

  /** Marks the budget exceeded (running the callbacks once) and throws the output-limit error. */
  overflow(stream: string): never {
    if (!this.exceeded) {
      this.exceeded = true;
      for (const l of this.#listeners) l(this.limit);
    }
    throw new WaftError('WAFT_E_GUEST_OUTPUT_LIMIT', `the guest wrote more than ${this.limit} bytes to stdout and stderr (at ${stream})`, {
      limit: this.limit, stream,
    });
  }
}

export interface OutputOptions {
  /** A byte cap: a number for this stream alone, or an OutputBudget shared with other streams. */
  limit?: number | OutputBudget;
  /** Called once when the cap is first hit, before write() throws. */
  onLimit?: (limit: number) => void;
  /** Used in the error message, e.g. "stdout". */
  name?: string;
  isTty?: boolean;
}

/**
 * Counts bytes against an optional budget. A write that would pass the cap keeps the part that
 * fits, then throws WAFT_E_GUEST_OUTPUT_LIMIT (which ends the guest).
 */
abstract class LimitedOutput implements OutputStream {
  readonly isTty: boolean;
  readonly name: string;
  readonly budget: OutputBudget | undefined;

  constructor(options: OutputOptions) {
    this.name = options.name ?? 'output';
    this.isTty = options.isTty ?? false;
    if (options.limit instanceof OutputBudget) {
      this.budget = options.limit;
      if (options.onLimit) this.budget.onLimit(options.onLimit);
    } else if (options.limit !== undefined) {
      this.budget = new OutputBudget(options.limit, options.onLimit);
    }
  }

  write(bytes: Uint8Array): void {
    if (!this.budget) {
      this.accept(bytes);
      return;
    }
    if (this.budget.exceeded) this.budget.overflow(this.name);
    const granted = this.budget.take(bytes.length);
    if (granted > 0) this.accept(granted === bytes.length ? bytes : bytes.subarray(0, granted));
    if (granted < bytes.length) this.budget.overflow(this.name);
  }

  protected abstract accept(bytes: Uint8Array): void;
}

/** Keeps what the guest writes (copied, since guest memory is reused). */
export class CollectOutput extends LimitedOutput {
  readonly chunks: Uint8Array[] = [];
  size = 0;

  constructor(options: OutputOptions = {}) {
    super(options);
  }

  protected accept(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.size += bytes.length;
  }

  /** Everything written so far, as one buffer. */
  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

/** Writes straight to a host fd with fs.writeSync (for `waft run`). */
export class FdOutput extends LimitedOutput {
  #fd: number;

  constructor(fd: number, options: OutputOptions = {}) {
    super({ ...options, isTty: options.isTty ?? isatty(fd) });
    this.#fd = fd;
  }

  protected accept(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      try {
        at += writeSync(this.#fd, bytes, at, bytes.length - at);
      } catch (err) {
        // A non-blocking pipe that is full: wait a little for the reader.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') sleepSync(1);
        else throw err;
      }
    }
  }
}
