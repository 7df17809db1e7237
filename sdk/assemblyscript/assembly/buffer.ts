// Host-side buffers: results of unknown size, paged into guest memory.
import * as abi from "./abi";
import { hostError, Result, WaftError } from "./errors";

/** How many bytes the SDK asks for per buf_read when it reads a buffer whole. */
export const CHUNK_SIZE: i32 = 64 * 1024;

const OUT_N = memory.data(4);
const OUT_BUF = memory.data(8);
const OUT_LEN = memory.data(8);

/** A buffer the host made: a value, a body, a message. */
export class HostBuffer {
  constructor(public handle: u32, public length: u64) {}

  /** Copies bytes from `offset` into dst; the count (0 at or past the end). */
  readAt(offset: u64, dst: Uint8Array): Result<u32> {
    const st = abi.buf_read(this.handle, offset, dst.dataStart, <usize>dst.length, OUT_N);
    if (st != 0) return Result.err<u32>(hostError(st));
    return Result.ok<u32>(load<u32>(OUT_N));
  }

  /** The whole buffer, read CHUNK_SIZE bytes at a time; then drops it. */
  readAll(): Result<Uint8Array> {
    if (this.length > <u64>i32.MAX_VALUE) {
      this.drop();
      return Result.err<Uint8Array>(new WaftError(3, "a host buffer of " + this.length.toString() + " bytes does not fit in memory"));
    }
    const len = <i32>this.length;
    const out = new Uint8Array(len);
    let at = 0;
    while (at < len) {
      const end = min(len, at + CHUNK_SIZE);
      const n = this.readAt(<u64>at, out.subarray(at, end));
      if (!n.ok) {
        const e = n.error!;
        this.drop();
        return Result.err<Uint8Array>(e);
      }
      if (n.value == 0) break;
      at += <i32>n.value;
    }
    this.drop();
    return Result.ok<Uint8Array>(at == len ? out : out.subarray(0, at));
  }

  /** The whole buffer as UTF-8 text (invalid bytes become U+FFFD); then drops it. */
  readString(): Result<string> {
    const bytes = this.readAll();
    if (!bytes.ok) return Result.err<string>(bytes.error!);
    return Result.ok<string>(decodeUtf8(bytes.value));
  }

  /** Asks the host for the length (buf_len). */
  hostLength(): Result<u64> {
    const st = abi.buf_len(this.handle, OUT_LEN);
    if (st != 0) return Result.err<u64>(hostError(st));
    return Result.ok<u64>(load<u64>(OUT_LEN));
  }

  /** Frees the buffer on the host. */
  drop(): WaftError | null {
    const st = abi.buf_drop(this.handle);
    return st != 0 ? hostError(st) : null;
  }
}

export function decodeUtf8(bytes: Uint8Array): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.length, false);
}

/** The result of an ABI call that makes a buffer: call(bufOut, lenOut) → status. */
export function takeBuffer(status: i32): Result<HostBuffer> {
  if (status != 0) return Result.err<HostBuffer>(hostError(status));
  return Result.ok<HostBuffer>(new HostBuffer(load<u32>(OUT_BUF), load<u64>(OUT_LEN)));
}

/** Out-pointers for takeBuffer. */
export function bufOut(): usize {
  return OUT_BUF;
}
export function lenOut(): usize {
  return OUT_LEN;
}

/** Encodes strings as the string list of docs/abi.md: u32 count, then u32 length + bytes each. */
export function encodeList(items: string[]): Uint8Array {
  const parts = new Array<ArrayBuffer>(items.length);
  let size = 4;
  for (let i = 0; i < items.length; i++) {
    parts[i] = String.UTF8.encode(items[i]);
    size += 4 + parts[i].byteLength;
  }
  const out = new Uint8Array(size);
  store<u32>(out.dataStart, <u32>items.length);
  let at = 4;
  for (let i = 0; i < parts.length; i++) {
    const n = parts[i].byteLength;
    store<u32>(out.dataStart + <usize>at, <u32>n);
    memory.copy(out.dataStart + <usize>at + 4, changetype<usize>(parts[i]), <usize>n);
    at += 4 + n;
  }
  return out;
}

/** Reads a string list from bytes. */
export class ListReader {
  pos: i32 = 0;
  failed: bool = false;
  constructor(public bytes: Uint8Array) {}

  u32(): u32 {
    if (this.bytes.length - this.pos < 4) {
      this.failed = true;
      return 0;
    }
    const v = load<u32>(this.bytes.dataStart + <usize>this.pos);
    this.pos += 4;
    return v;
  }

  string(): string {
    const n = <i32>this.u32();
    if (this.failed || n < 0 || this.bytes.length - this.pos < n) {
      this.failed = true;
      return "";
    }
    const s = String.UTF8.decodeUnsafe(this.bytes.dataStart + <usize>this.pos, <usize>n, false);
    this.pos += n;
    return s;
  }
}

export function malformed(): WaftError {
  return new WaftError(8, "the host sent a string list that could not be decoded");
}
