// Host file metadata in WASI's shapes.
import type { BigIntStats } from 'node:fs';
import { FILETYPE } from './constants.ts';
import type { GuestMemory } from './memory.ts';

export function filetypeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): number {
  if (st.isFile()) return FILETYPE.REGULAR_FILE;
  if (st.isDirectory()) return FILETYPE.DIRECTORY;
  if (st.isSymbolicLink()) return FILETYPE.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return FILETYPE.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return FILETYPE.BLOCK_DEVICE;
  if (st.isSocket()) return FILETYPE.SOCKET_STREAM;
  return FILETYPE.UNKNOWN; // fifos have no WASI file type
}

/** Writes a filestat (64 bytes) at ptr. Pass BigIntStats for exact nanosecond times. */
export function writeFilestat(mem: GuestMemory, ptr: number, st: BigIntStats): void {
  mem.check(ptr, 64);
  mem.setU64(ptr, st.dev);
  mem.setU64(ptr + 8, st.ino);
  mem.setU8(ptr + 16, filetypeOf(st));
  mem.setU64(ptr + 24, st.nlink);
  mem.setU64(ptr + 32, st.size);
  mem.setU64(ptr + 40, st.atimeNs);
  mem.setU64(ptr + 48, st.mtimeNs);
  mem.setU64(ptr + 56, st.ctimeNs);
}

/** A filestat for a stream (stdio): zeroes except the file type. */
export function writeStreamFilestat(mem: GuestMemory, ptr: number, filetype: number): void {
  mem.slice(ptr, 64).fill(0);
  mem.setU8(ptr + 16, filetype);
}
