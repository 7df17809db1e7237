// Reads and writes on host files at explicit offsets (the guest's offset lives in the fd entry).
import { fstatSync, readSync, writeSync } from 'node:fs';
import { ERRNO, FDFLAGS } from './constants.ts';
import { fail } from './errno.ts';
import type { FileEntry } from './fd-table.ts';
import type { GuestMemory } from './memory.ts';

/** node:fs takes sizes and positions as JS numbers: larger files cannot be made here. */
export const MAX_FILE_SIZE = BigInt(Number.MAX_SAFE_INTEGER);

/** Fills the iovecs from the file at `position`; returns the bytes read (short at end of file). */
export function readFileAt(hostFd: number, mem: GuestMemory, vecs: Array<[number, number]>, position: bigint): number {
  let total = 0;
  for (const [ptr, len] of vecs) {
    let done = 0;
    while (done < len) {
      const n = readSync(hostFd, mem.bytes, ptr + done, len - done, position + BigInt(total + done));
      if (n === 0) return total + done;
      done += n;
    }
    total += done;
  }
  return total;
}

function writeAll(hostFd: number, mem: GuestMemory, vecs: Array<[number, number]>, position: bigint | null): number {
  if (position !== null) {
    let total = 0n;
    for (const [, len] of vecs) total += BigInt(len);
    // fs.writeSync ignores a bigint position (it writes at the kernel's offset): use numbers.
    if (position + total > MAX_FILE_SIZE) fail(ERRNO.FBIG);
  }
  const start = position === null ? null : Number(position);
  let written = 0;
  for (const [ptr, len] of vecs) {
    let done = 0;
    while (done < len) {
      done += writeSync(hostFd, mem.bytes, ptr + done, len - done, start === null ? null : start + written + done);
    }
    written += done;
  }
  return written;
}

/**
 * Writes the iovecs. `offset` null means "at the fd's position" (fd_write), which honours
 * APPEND; otherwise it is fd_pwrite's explicit offset.
 */
export function writeFileAt(e: FileEntry, mem: GuestMemory, vecs: Array<[number, number]>, offset: bigint | null): number {
  if (offset !== null) return writeAll(e.hostFd, mem, vecs, offset);
  if (e.fdflags & FDFLAGS.APPEND) {
    let n: number;
    if (e.hostAppend) {
      // The host fd has O_APPEND: the kernel places each write at the end, atomically.
      n = writeAll(e.hostFd, mem, vecs, null);
    } else {
      n = writeAll(e.hostFd, mem, vecs, fstatSync(e.hostFd, { bigint: true }).size);
    }
    e.position = fstatSync(e.hostFd, { bigint: true }).size;
    return n;
  }
  const n = writeAll(e.hostFd, mem, vecs, e.position);
  e.position += BigInt(n);
  return n;
}
