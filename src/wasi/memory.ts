import { ERRNO } from './constants.ts';
import { fail } from './errno.ts';

/**
 * Like wasmtime, a pointer outside linear memory traps the guest instead of returning EFAULT
 * (the witx docs say such calls "shall trap").
 */
function outOfBounds(ptr: number, len: number): never {
  throw new WebAssembly.RuntimeError(`WASI call: guest pointer ${ptr}+${len} is outside linear memory`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

interface Views { buffer: ArrayBufferLike; view: DataView; bytes: Uint8Array }

/** The views of each memory's current buffer, kept across runs: the sandbox reuses memories. */
const viewsOf = new WeakMap<WebAssembly.Memory, Views>();

/**
 * Typed access to the guest's linear memory. The buffer is looked up again whenever the guest
 * may have grown its memory: growing detaches the old ArrayBuffer, whose views then have length
 * 0. A shared memory's buffer is never detached, so it is looked up on every access.
 */
export class GuestMemory {
  #memory: WebAssembly.Memory | undefined;
  #shared = false;
  #views: Views | undefined;

  set(memory: WebAssembly.Memory): void {
    this.#memory = memory;
    this.#shared = memory.buffer instanceof SharedArrayBuffer;
    this.#views = undefined;
  }

  #refresh(): Views {
    const current = this.#views;
    if (current && current.bytes.byteLength !== 0 && !this.#shared) return current;
    if (!this.#memory) throw new Error('WASI host used before setMemory()');
    const buffer = this.#memory.buffer;
    let views = viewsOf.get(this.#memory);
    if (!views || views.buffer !== buffer || views.bytes.byteLength !== buffer.byteLength) {
      views = { buffer, view: new DataView(buffer), bytes: new Uint8Array(buffer) };
      viewsOf.set(this.#memory, views);
    }
    return (this.#views = views);
  }

  get view(): DataView {
    return this.#refresh().view;
  }

  get bytes(): Uint8Array {
    return this.#refresh().bytes;
  }

  /** Traps unless the guest range [ptr, ptr+len) lies in memory; allocates nothing. */
  check(ptr: number, len: number): void {
    if (ptr < 0 || len < 0 || ptr + len > this.#refresh().bytes.length) outOfBounds(ptr, len);
  }

  /** The guest range [ptr, ptr+len) as a view; traps when it is out of bounds. */
  slice(ptr: number, len: number): Uint8Array {
    const bytes = this.bytes;
    if (ptr < 0 || len < 0 || ptr + len > bytes.length) outOfBounds(ptr, len);
    return bytes.subarray(ptr, ptr + len);
  }

  u8(ptr: number): number { return this.#at(ptr, 1).getUint8(ptr); }
  u16(ptr: number): number { return this.#at(ptr, 2).getUint16(ptr, true); }
  u32(ptr: number): number { return this.#at(ptr, 4).getUint32(ptr, true); }
  u64(ptr: number): bigint { return this.#at(ptr, 8).getBigUint64(ptr, true); }

  setU8(ptr: number, v: number): void { this.#at(ptr, 1).setUint8(ptr, v); }
  setU16(ptr: number, v: number): void { this.#at(ptr, 2).setUint16(ptr, v, true); }
  setU32(ptr: number, v: number): void { this.#at(ptr, 4).setUint32(ptr, v, true); }
  setU64(ptr: number, v: bigint): void { this.#at(ptr, 8).setBigUint64(ptr, BigInt.asUintN(64, v), true); }

  /** The view, once [ptr, ptr+size) is known to lie in it; traps otherwise. */
  #at(ptr: number, size: number): DataView {
    const view = this.#refresh().view;
    if (ptr < 0 || ptr + size > view.byteLength) outOfBounds(ptr, size);
    return view;
  }

  /** A UTF-8 string from guest memory; EILSEQ when it is not valid UTF-8. */
  string(ptr: number, len: number): string {
    const raw = this.slice(ptr, len);
    try {
      return utf8.decode(raw);
    } catch {
      fail(ERRNO.ILSEQ);
    }
  }

  /** Copies `data` into the guest at ptr. */
  write(ptr: number, data: Uint8Array): void {
    this.slice(ptr, data.length).set(data);
  }

  /** Traps unless an iovec array and every range it names lie in memory; returns their total length. */
  #checkVectors(ptr: number, count: number): number {
    this.check(ptr, count * 8);
    let total = 0;
    for (let i = 0; i < count; i++) {
      this.check(this.u32(ptr + i * 8), this.u32(ptr + i * 8 + 4));
      total += this.u32(ptr + i * 8 + 4);
      if (total > 0xffffffff) fail(ERRNO.INVAL);
    }
    return total;
  }

  /** The (ptr, len) pairs of an iovec array. */
  iovecs(ptr: number, count: number): Array<[number, number]> {
    this.#checkVectors(ptr, count);
    const out: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) out.push([this.u32(ptr + i * 8), this.u32(ptr + i * 8 + 4)]);
    return out;
  }

  /**
   * The bytes of a ciovec array: a view of guest memory when one vector holds them all (valid
   * until the guest runs again), else a copy into one buffer. A libc's stdout flush writes two
   * vectors, one of them often empty: this is the path of every guest's reply, so it builds no
   * pair list.
   */
  gather(ptr: number, count: number): Uint8Array {
    const total = this.#checkVectors(ptr, count);
    const bytes = this.bytes;
    let out: Uint8Array | null = null;
    for (let i = 0, at = 0; i < count; i++) {
      const p = this.u32(ptr + i * 8);
      const l = this.u32(ptr + i * 8 + 4);
      if (l === 0) continue;
      if (l === total) return bytes.subarray(p, p + l);
      out ??= new Uint8Array(total);
      out.set(bytes.subarray(p, p + l), at);
      at += l;
    }
    return out ?? bytes.subarray(0, 0);
  }

  /** Spreads `data` over an iovec list; returns how many bytes were placed. */
  scatter(vecs: Array<[number, number]>, data: Uint8Array): number {
    let at = 0;
    for (const [p, l] of vecs) {
      if (at >= data.length) break;
      const n = Math.min(l, data.length - at);
      this.slice(p, n).set(data.subarray(at, at + n));
      at += n;
    }
    return at;
  }
}

export function encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Writes `s` as UTF-8 into `target`, as much of it as fits. */
export function encodeInto(s: string, target: Uint8Array): void {
  encoder.encodeInto(s, target);
}
