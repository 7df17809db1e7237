// Log entries and usage records are written by a worker thread with its own SQLite connection
// (sqlite-writer-worker.ts). node:sqlite is synchronous, and with synchronous = FULL every
// commit waits for an fsync: on the event loop, that time would be taken from every request.
// WAL mode lets the API's connection and this one share the file; the busy timeout orders
// their writes.
import { Worker } from 'node:worker_threads';
import { WaftError, type ErrorData } from '../../errors.ts';
import type { LogEntry, UsageRecord } from '../store/types.ts';

/** Items travel as one JSON string: cloning a string is far cheaper than cloning thousands of objects. */
export type WriterRequest = { t: 'logs' | 'usage'; id: number; json: string };

export interface WriterReply {
  id: number;
  error: ErrorData | null;
}

export class SqliteWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  readonly #ready: Promise<void>;
  #nextId = 1;
  #dead: Error | null = null;

  constructor(path: string) {
    this.#worker = new Worker(new URL('./sqlite-writer-worker.ts', import.meta.url), { workerData: { path } });
    this.#worker.unref();
    let ready!: () => void;
    let failed!: (err: Error) => void;
    this.#ready = new Promise<void>((resolve, reject) => { ready = resolve; failed = reject; });
    this.#ready.catch(() => {});
    this.#worker.on('message', (reply: WriterReply) => {
      if (reply.id === 0) {
        ready();
        return;
      }
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if (reply.error) p.reject(WaftError.fromData(reply.error));
      else p.resolve();
    });
    const die = (err: Error) => {
      this.#dead = err;
      failed(err);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    this.#worker.on('error', (err) => die(err));
    this.#worker.on('exit', (code) => die(new WaftError('WAFT_E_STORE_UNAVAILABLE', `the log and usage writer thread exited (code ${code})`)));
  }

  /** Resolves once the worker has opened the database. */
  ready(): Promise<void> {
    return this.#ready;
  }

  #send(t: 'logs' | 'usage', items: unknown[]): Promise<void> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ t, id, json: JSON.stringify(items) } satisfies WriterRequest);
    });
  }

  appendLogs(items: Omit<LogEntry, 'id'>[]): Promise<void> {
    return this.#send('logs', items);
  }

  recordUsage(items: UsageRecord[]): Promise<void> {
    return this.#send('usage', items);
  }

  async close(): Promise<void> {
    if (this.#dead) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ t: 'close' });
    await exited;
  }
}
