import { concatBytes } from '../util/bytes.ts';

/** Where a run's stdout or stderr goes: kept and returned, a host fd, or a callback per chunk. */
export type OutputTarget = 'collect' | { fd: number; isTty?: boolean } | ((chunk: Uint8Array) => void);

export const NO_BYTES = new Uint8Array(0);

/** What a run wrote: handed to a callback target now (and not returned again), or returned whole. */
export function deliver(chunks: Uint8Array[], target: OutputTarget | undefined): Uint8Array {
  if (typeof target !== 'function') return concatBytes(chunks);
  for (const c of chunks) target(c);
  return NO_BYTES;
}
