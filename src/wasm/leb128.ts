// LEB128 and the other primitive encodings of the WebAssembly binary format: a bounds-checked
// reader that reports byte offsets, and a growable writer.
import { WaftError } from '../errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Reads primitives from `bytes` starting at `pos`; every read is bounds-checked. */
export class Reader {
  readonly bytes: Uint8Array;
  pos: number;
  /** Reads never pass this offset. */
  end: number;
  /** Names the input in error messages, e.g. "module" or "function 12". */
  what: string;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length, what = 'module') {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
    this.what = what;
  }

  fail(message: string, offset = this.pos): never {
    throw new WaftError('WAFT_E_MODULE_INVALID', `${this.what}: ${message} at byte ${offset} (0x${offset.toString(16)})`, { offset });
  }

  truncated(what: string, offset = this.pos): never {
    return this.fail(`unexpected end of ${what}`, offset);
  }

  u8(what = 'byte'): number {
    if (this.pos >= this.end) this.truncated(what);
    return this.bytes[this.pos++]!;
  }

  /** An unsigned LEB128 of at most 32 bits. */
  u32(what = 'integer'): number {
    const start = this.pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.truncated(what, start);
      const b = this.bytes[this.pos++]!;
      if (shift === 28 && (b & 0x70) !== 0) this.fail(`${what} does not fit in 32 bits`, start);
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) this.fail(`${what} is longer than 5 bytes`, start);
    }
  }

  /** An unsigned LEB128 of at most 64 bits, as a Number (exact below 2^53). */
  u64(what = 'integer'): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) this.truncated(what, start);
      if (i === 10) this.fail(`${what} is longer than 10 bytes`, start);
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  }

  /** A signed LEB128 of at most 33 bits (block types), as a Number. */
  s33(what = 'integer'): number {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) this.truncated(what, start);
      if (i === 5) this.fail(`${what} is longer than 5 bytes`, start);
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return (b & 0x40) !== 0 ? result - mul : result;
    }
  }

  /** Skips any LEB128 (signed or unsigned) of at most `maxBytes` bytes. */
  skipLeb(maxBytes: number, what = 'integer'): void {
    const start = this.pos;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) this.truncated(what, start);
      if (i === maxBytes) this.fail(`${what} is longer than ${maxBytes} bytes`, start);
      if ((this.bytes[this.pos++]! & 0x80) === 0) return;
    }
  }

  skip(n: number, what = 'bytes'): void {
    if (n > this.end - this.pos) this.truncated(what);
    this.pos += n;
  }

  take(n: number, what = 'bytes'): Uint8Array {
    if (n > this.end - this.pos) this.truncated(what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(what = 'name'): string {
    const start = this.pos;
    const len = this.u32(`${what} length`);
    const raw = this.take(len, what);
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail(`${what} is not valid UTF-8`, start);
    }
  }
}

/** A growable byte buffer. */
export class Writer {
  buf: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(b: number): void {
    if (this.length >= this.buf.length) this.reserve(1);
    this.buf[this.length++] = b;
  }

  u32(value: number): void {
    this.reserve(5);
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.buf[this.length++] = b;
    } while (v !== 0);
  }

  /** Unsigned LEB128 of a non-negative Number up to 2^53. */
  u64(value: number): void {
    this.reserve(10);
    let v = value;
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.buf[this.length++] = b;
    } while (v !== 0);
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Copies bytes[start, end). */
  copy(bytes: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.reserve(n);
    if (n < 32) {
      const buf = this.buf;
      let at = this.length;
      for (let i = start; i < end; i++) buf[at++] = bytes[i]!;
    } else {
      this.buf.set(bytes.subarray(start, end), this.length);
    }
    this.length += n;
  }

  name(s: string): void {
    const data = utf8Encoder.encode(s);
    this.u32(data.length);
    this.bytes(data);
  }

  /** Writes a u32 size prefix followed by the contents of another writer. */
  sized(inner: Writer): void {
    this.u32(inner.length);
    this.copy(inner.buf, 0, inner.length);
  }

  /** The bytes written; the buffer itself when it is exactly full (no copy). */
  result(): Uint8Array<ArrayBuffer> {
    if (this.length === this.buf.length && this.buf.byteOffset === 0 && this.buf.buffer.byteLength === this.length) {
      return this.buf as Uint8Array<ArrayBuffer>;
    }
    return this.buf.slice(0, this.length) as Uint8Array<ArrayBuffer>;
  }
}

/** Size in bytes of the LEB128 encoding of an unsigned 32-bit value. */
export function u32Size(value: number): number {
  let v = value >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}
