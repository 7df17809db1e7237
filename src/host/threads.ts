import { Worker } from 'node:worker_threads';
import { WaftError, type ErrorData } from '../errors.ts';
import type { SandboxOptions } from '../sandbox/pool.ts';
import type { AppCapabilities, AppShare } from './app.ts';
import type { Logger, LogFormat } from './logger.ts';

/** What a serving thread (./serving-thread.ts) starts from. */
export interface ThreadData {
  /** The waft.toml the main thread loaded; the thread loads it again on each reload. */
  manifest: string;
  capabilities: AppCapabilities;
  share: AppShare;
  host: string;
  port: number;
  /** Its extension, if any, as a URL string (a URL object cannot be posted). */
  sandbox: SandboxOptions;
  format: LogFormat;
  requests: boolean;
  /** Every thread's gateway counts, two words each (GatewayOptions.tally); this one's at `index`. */
  tally: SharedArrayBuffer;
  index: number;
}

export type ToThread =
  | { type: 'reload'; capabilities: AppCapabilities; share: AppShare }
  | { type: 'stop'; graceMs: number };

export type FromThread =
  | { type: 'log'; text: string }
  | { type: 'ready' }
  | { type: 'failed'; error: ErrorData }
  | { type: 'reloaded'; error: ErrorData | null }
  | { type: 'stopped'; clean: boolean };

type Reply = Exclude<FromThread, { type: 'log' }>;

const THREAD_URL = new URL('./serving-thread.ts', import.meta.url);

/** The main thread's handle on one serving thread. */
export class ServingThread {
  readonly index: number;
  readonly #worker: Worker;
  readonly #logger: Logger;
  /** Who waits for the thread's next reply of each kind. */
  readonly #replies = new Map<Reply['type'], (reply: Reply) => void>();
  #gone: string | null = null;

  private constructor(data: ThreadData, logger: Logger) {
    this.index = data.index;
    this.#logger = logger;
    this.#worker = new Worker(THREAD_URL, { workerData: data });
    this.#worker.on('message', (m: FromThread) => {
      if (m.type === 'log') logger.write(m.text);
      else this.#replies.get(m.type === 'failed' ? 'ready' : m.type)?.(m);
    });
    this.#worker.on('error', (err) => this.#lost(err.message));
    this.#worker.on('exit', (code) => this.#lost(`it exited with code ${code}`));
  }

  /** Resolves once the thread serves; rejects with what stopped it from starting. */
  static async start(data: ThreadData, logger: Logger): Promise<ServingThread> {
    const thread = new ServingThread(data, logger);
    const reply = await thread.#ask('ready', null);
    if (reply.type === 'failed') {
      await thread.#worker.terminate();
      throw WaftError.fromData(reply.error);
    }
    return thread;
  }

  /** Loads the app again on the thread; resolves with the error that kept its previous version. */
  async reload(capabilities: AppCapabilities, share: AppShare): Promise<WaftError | null> {
    const reply = await this.#ask('reloaded', { type: 'reload', capabilities, share });
    return reply.type === 'reloaded' && reply.error ? WaftError.fromData(reply.error) : null;
  }

  /** Lets the thread's in-flight requests finish for up to graceMs, then ends it. */
  async stop(graceMs: number): Promise<boolean> {
    const reply = await this.#ask('stopped', { type: 'stop', graceMs });
    this.#gone ??= 'it was stopped';
    await this.#worker.terminate();
    return reply.type === 'stopped' && reply.clean;
  }

  #ask(type: Reply['type'], message: ToThread | null): Promise<Reply> {
    if (this.#gone !== null) return Promise.resolve(this.#goneReply(type));
    return new Promise((resolve) => {
      this.#replies.set(type, (reply) => {
        this.#replies.delete(type);
        resolve(reply);
      });
      if (message) this.#worker.postMessage(message);
    });
  }

  /** The thread died: its listening socket went with it, so the other threads take its connections. */
  #lost(why: string): void {
    if (this.#gone !== null) return;
    this.#gone = why;
    if (!this.#replies.has('stopped')) this.#logger.warn(`Serving thread ${this.index} stopped (${why}); the other threads go on serving`);
    for (const [type, reply] of [...this.#replies]) reply(this.#goneReply(type));
  }

  #goneReply(type: Reply['type']): Reply {
    const error = new WaftError('WAFT_E_INTERNAL', `serving thread ${this.index} stopped: ${this.#gone}`).toJSON();
    if (type === 'ready') return { type: 'failed', error };
    if (type === 'reloaded') return { type: 'reloaded', error };
    return { type: 'stopped', clean: false };
  }
}
