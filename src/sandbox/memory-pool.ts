import { PAGE } from './limits.ts';

/**
 * Reuses linear memories between runs on one thread. Instantiating against a pooled memory is
 * about twice as fast as letting each instance allocate its own (DESIGN.md). A memory comes back
 * only if the guest did not grow it, and it is zeroed first, so no state leaks between runs.
 */
export class MemoryPool {
  readonly #free = new Map<string, WebAssembly.Memory[]>();
  readonly #perKey: number;

  constructor(perKey = 8) {
    this.#perKey = perKey;
  }

  take(initial: number, maximum: number): WebAssembly.Memory {
    const list = this.#free.get(`${initial}:${maximum}`);
    return list?.pop() ?? new WebAssembly.Memory({ initial, maximum });
  }

  give(memory: WebAssembly.Memory, initial: number, maximum: number): void {
    const buffer = memory.buffer;
    if (buffer.byteLength !== initial * PAGE) return;
    const key = `${initial}:${maximum}`;
    let list = this.#free.get(key);
    if (!list) this.#free.set(key, (list = []));
    if (list.length >= this.#perKey) return;
    new Uint8Array(buffer).fill(0);
    list.push(memory);
  }
}
