// Writes records to the store in batches, off the request path: requests push, a timer (or a
// full batch) flushes. When the store falls behind, the queue is bounded: the oldest unwritten
// records are dropped and counted, so a slow database can never grow the server's memory
// without bound or slow the requests themselves.
export interface BatchOptions<T> {
  write: (items: T[]) => Promise<void>;
  /** Flush at least this often. */
  intervalMs: number;
  /** Flush as soon as this many are waiting. */
  batchSize: number;
  /** Keep at most this many waiting; beyond it, drop the oldest. */
  maxQueued: number;
  onError: (err: unknown, lost: number) => void;
  /** After each successful write. */
  onWritten?: (items: T[]) => void;
}

export class BatchWriter<T> {
  readonly #opts: BatchOptions<T>;
  #queue: T[] = [];
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;
  #closed = false;
  dropped = 0;

  constructor(opts: BatchOptions<T>) {
    this.#opts = opts;
  }

  push(item: T): void {
    if (this.#closed) {
      this.dropped++;
      return;
    }
    this.#queue.push(item);
    if (this.#queue.length > this.#opts.maxQueued) {
      const excess = this.#queue.length - this.#opts.maxQueued;
      this.#queue.splice(0, excess);
      this.dropped += excess;
    }
    if (this.#queue.length >= this.#opts.batchSize && !this.#writing) void this.flush();
    else if (!this.#timer) this.#timer = setTimeout(() => void this.flush(), this.#opts.intervalMs);
  }

  /** Writes everything queued so far (and waits for a write already running). */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    while (this.#writing) await this.#writing;
    if (this.#queue.length === 0) return;
    const items = this.#queue.splice(0, this.#opts.batchSize);
    this.#writing = (async () => {
      try {
        await this.#opts.write(items);
        this.#opts.onWritten?.(items);
      } catch (err) {
        this.dropped += items.length;
        this.#opts.onError(err, items.length);
      } finally {
        this.#writing = null;
      }
    })();
    await this.#writing;
    if (this.#queue.length > 0) {
      if (this.#queue.length >= this.#opts.batchSize || this.#closed) await this.flush();
      else if (!this.#timer) this.#timer = setTimeout(() => void this.flush(), this.#opts.intervalMs);
    }
  }

  /** Flushes what is queued and takes no more. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}
