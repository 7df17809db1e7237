import { WaftError } from '../../errors.ts';

// The words of an admission's shared state. LOCK guards RUNNING, QUEUED and TAIL; HEAD is also
// written under it, and read and waited on without it.
const LOCK = 0;
const RUNNING = 1;
const QUEUED = 2;
/** The next ticket to give a request that has to wait. */
const TAIL = 3;
/** Tickets below HEAD have been handed a slot (compared with wrap-around). */
const HEAD = 4;
const WORDS = 5;
/** Tries at the lock before each short wait: it is only ever held for a few loads and stores. */
const SPINS = 64;

interface Waiter {
  ticket: number;
  grant: () => void;
}

/**
 * Bounded concurrency with a bounded FIFO queue for one function. Past both, admission fails
 * at once (the gateway answers 503 with Retry-After): there is never an unbounded queue.
 *
 * The counts live in a SharedArrayBuffer, so that the threads serving one app (`waft up
 * --threads`) share one limit: `new Admission(c, q, other.shared)` on another thread is the same
 * admission. A request that has to wait takes a ticket; a release hands its slot to the oldest
 * ticket, whichever thread holds it.
 */
export class Admission {
  readonly concurrency: number;
  readonly queueLimit: number;
  readonly shared: SharedArrayBuffer;
  readonly #words: Int32Array;
  /** This thread's waiting requests, oldest ticket first. */
  readonly #waiting: Waiter[] = [];
  #watching = false;

  constructor(concurrency: number, queueLimit: number, shared = new SharedArrayBuffer(WORDS * 4)) {
    this.concurrency = concurrency;
    this.queueLimit = queueLimit;
    this.shared = shared;
    this.#words = new Int32Array(shared);
  }

  get running(): number {
    return Atomics.load(this.#words, RUNNING);
  }

  get queued(): number {
    return Atomics.load(this.#words, QUEUED);
  }

  /** Resolves with a release function once a slot is free; throws when the queue is full. */
  acquire(name: string): Promise<() => void> | (() => void) {
    const w = this.#words;
    this.#lock();
    const running = w[RUNNING];
    const queued = w[QUEUED];
    if (queued === 0 && running < this.concurrency) {
      w[RUNNING] = running + 1;
      this.#unlock();
      return this.#release();
    }
    if (queued >= this.queueLimit) {
      this.#unlock();
      throw new WaftError('WAFT_E_OVERLOADED',
        `function "${name}" is at its limit: ${this.concurrency} running and ${this.queueLimit} waiting`,
        { function: name, concurrency: this.concurrency, queue: this.queueLimit });
    }
    w[QUEUED] = queued + 1;
    const ticket = w[TAIL];
    w[TAIL] = (ticket + 1) | 0;
    this.#unlock();
    return new Promise((resolve) => {
      this.#waiting.push({ ticket, grant: () => resolve(this.#release()) });
      this.#serve();
    });
  }

  #release(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const w = this.#words;
      this.#lock();
      if (w[QUEUED] > 0) {
        // The slot passes to the oldest ticket: RUNNING stays as it is.
        w[QUEUED]--;
        Atomics.store(w, HEAD, (w[HEAD] + 1) | 0);
        this.#unlock();
        Atomics.notify(w, HEAD);
        this.#serve();
      } else {
        w[RUNNING]--;
        this.#unlock();
      }
    };
  }

  /** Grants this thread's tickets that HEAD has passed, then waits for it to move while any are left. */
  #serve(): void {
    if (this.#watching) return;
    const w = this.#words;
    for (;;) {
      const head = Atomics.load(w, HEAD);
      while (this.#waiting.length > 0 && ((this.#waiting[0].ticket - head) | 0) < 0) this.#waiting.shift()!.grant();
      if (this.#waiting.length === 0) return;
      const wait = Atomics.waitAsync(w, HEAD, head);
      if (!wait.async) continue;
      this.#watching = true;
      wait.value.then(() => {
        this.#watching = false;
        this.#serve();
      });
      return;
    }
  }

  #lock(): void {
    const w = this.#words;
    for (;;) {
      for (let i = 0; i < SPINS; i++) if (Atomics.compareExchange(w, LOCK, 0, 1) === 0) return;
      // Its holder was descheduled mid-section: let it run.
      Atomics.wait(w, LOCK, 1, 0.05);
    }
  }

  #unlock(): void {
    Atomics.store(this.#words, LOCK, 0);
  }
}
