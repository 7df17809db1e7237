import { WaftError } from '../../errors.ts';

/**
 * Bounded concurrency with a bounded FIFO queue for one function. Past both, admission fails
 * at once (the gateway answers 503 with Retry-After): there is never an unbounded queue.
 */
export class Admission {
  readonly concurrency: number;
  readonly queueLimit: number;
  #running = 0;
  readonly #queue: Array<() => void> = [];

  constructor(concurrency: number, queueLimit: number) {
    this.concurrency = concurrency;
    this.queueLimit = queueLimit;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves with a release function once a slot is free; throws when the queue is full. */
  acquire(name: string): Promise<() => void> | (() => void) {
    if (this.#running < this.concurrency) {
      this.#running++;
      return this.#release();
    }
    if (this.#queue.length >= this.queueLimit) {
      throw new WaftError('WAFT_E_OVERLOADED',
        `function "${name}" is at its limit: ${this.concurrency} running and ${this.queueLimit} waiting`,
        { function: name, concurrency: this.concurrency, queue: this.queueLimit });
    }
    return new Promise((resolve) => this.#queue.push(() => resolve(this.#release())));
  }

  #release(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    };
  }
}
