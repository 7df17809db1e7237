// The handle table of one run: stores, buffers and HTTP responses share one numbering, so a
// handle of the wrong kind is caught (BAD_HANDLE) instead of being taken for another.
import type { KvStore } from '../kv/contract.ts';
import type { OutboundResponse } from '../http/client.ts';

export interface StoreEntry { kind: 'store'; name: string; store: KvStore }
export interface BufferEntry { kind: 'buffer'; bytes: Uint8Array }
export interface ResponseEntry {
  kind: 'response';
  response: OutboundResponse;
  /** The whole body, once http_response_body has started reading it. */
  body: Promise<Uint8Array> | null;
}
export type Entry = StoreEntry | BufferEntry | ResponseEntry;

export const MAX_OPEN_HANDLES = 4096;

export class HandleTable {
  readonly #entries = new Map<number, Entry>();
  // Handles are not reused within a run: a stale handle is BAD_HANDLE, never someone else's entry.
  #next = 1;

  get full(): boolean {
    return this.#entries.size >= MAX_OPEN_HANDLES;
  }

  /** The new handle, or 0 when the table is full. */
  add(entry: Entry): number {
    if (this.full || this.#next > 0xffffffff) return 0;
    const handle = this.#next++;
    this.#entries.set(handle, entry);
    return handle;
  }

  get<K extends Entry['kind']>(handle: number, kind: K): Extract<Entry, { kind: K }> | undefined {
    const entry = this.#entries.get(handle);
    return entry?.kind === kind ? (entry as Extract<Entry, { kind: K }>) : undefined;
  }

  /** Removes the entry when it is of `kind`; returns it. */
  drop<K extends Entry['kind']>(handle: number, kind: K): Extract<Entry, { kind: K }> | undefined {
    const entry = this.get(handle, kind);
    if (entry) this.#entries.delete(handle);
    return entry;
  }

  /** Every entry, emptying the table (at the end of the run). */
  clear(): Entry[] {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    return all;
  }
}
