// The string list of docs/abi.md: u32 count, then for each string a u32 length and its bytes
// (little-endian, unaligned).
import { AbiFailure } from './context.ts';
import { STATUS } from './status.ts';

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Encodes strings as a string list, followed by `tail` (the list page's cursor) when given. */
export function encodeStrings(strings: readonly string[], tail?: string): Uint8Array {
  const parts = strings.map((s) => encoder.encode(s));
  if (tail !== undefined) parts.push(encoder.encode(tail));
  let size = 4;
  for (const p of parts) size += 4 + p.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, strings.length, true);
  let at = 4;
  for (const p of parts) {
    view.setUint32(at, p.byteLength, true);
    out.set(p, at + 4);
    at += 4 + p.byteLength;
  }
  return out;
}

/** Decodes a string list that must fill `bytes` exactly; INVALID when it is malformed. */
export function decodeStrings(bytes: Uint8Array, what: string): string[] {
  const bad = (why: string) => new AbiFailure(STATUS.INVALID, `the ${what} is not a string list (u32 count, then u32 length + bytes for each): ${why}`);
  if (bytes.byteLength === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw bad(`${bytes.byteLength} bytes is too short for the count`);
  const count = view.getUint32(0, true);
  const out: string[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.byteLength) throw bad(`it ends before string ${i} of ${count}`);
    const len = view.getUint32(at, true);
    at += 4;
    if (at + len > bytes.byteLength) throw bad(`string ${i} (${len} bytes) runs past its end`);
    try {
      out.push(utf8.decode(bytes.subarray(at, at + len)));
    } catch {
      throw bad(`string ${i} is not valid UTF-8`);
    }
    at += len;
  }
  if (at !== bytes.byteLength) throw bad(`${bytes.byteLength - at} bytes follow the last string`);
  return out;
}
