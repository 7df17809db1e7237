// The atim/mtim/fst_flags triple of the *_set_times calls, as seconds for node:fs.
import type { BigIntStats } from 'node:fs';
import { ERRNO, FSTFLAGS } from './constants.ts';
import { realtimeNs } from './clocks.ts';
import { fail } from './errno.ts';

const NS = 1_000_000_000n;

function seconds(ns: bigint): number {
  return Number(ns / NS) + Number(ns % NS) / 1e9;
}

/** EINVAL for unknown bits or for a time that is both given and "now". */
export function checkFstFlags(fst: number): void {
  if (fst & ~0xf) fail(ERRNO.INVAL);
  if ((fst & FSTFLAGS.ATIM) && (fst & FSTFLAGS.ATIM_NOW)) fail(ERRNO.INVAL);
  if ((fst & FSTFLAGS.MTIM) && (fst & FSTFLAGS.MTIM_NOW)) fail(ERRNO.INVAL);
}

/**
 * The access and modification times to set, in seconds. node:fs sets both at once, so a time
 * the guest leaves alone is written back from `current`.
 */
export function newTimes(current: BigIntStats, atim: bigint, mtim: bigint, fst: number): { atime: number; mtime: number } {
  const now = realtimeNs();
  const a = fst & FSTFLAGS.ATIM ? BigInt.asUintN(64, atim) : fst & FSTFLAGS.ATIM_NOW ? now : current.atimeNs;
  const m = fst & FSTFLAGS.MTIM ? BigInt.asUintN(64, mtim) : fst & FSTFLAGS.MTIM_NOW ? now : current.mtimeNs;
  return { atime: seconds(a), mtime: seconds(m) };
}
