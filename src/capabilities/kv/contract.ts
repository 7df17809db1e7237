// The key-value capability's contract. Every backend (sqlite.ts, redis.ts, postgres.ts) returns
// a KvBackend with exactly these semantics; conformance.case.ts checks them against each one.
//
// Lifecycle: a backend is created once per host (one connection or pool), configured per app
// by the runtime config (kvBackendFrom), and opened once per store (open(store, namespace)).

export interface KvLimits {
  /** Longest key, in bytes of UTF-8. */
  maxKeyBytes: number;
  /** Largest value, in bytes. */
  maxValueBytes: number;
  /** Most keys one list call returns; larger limits are cut to this and the cursor goes on. */
  maxListPage: number;
}

export const defaultKvLimits: Readonly<KvLimits> = Object.freeze({
  maxKeyBytes: 1024,
  maxValueBytes: 1024 * 1024,
  maxListPage: 1000,
});

export interface ListPage {
  /** Live keys that start with the prefix, sorted by their UTF-8 bytes. */
  keys: string[];
  /**
   * Pass to the next list call with the same prefix; null when there are no more keys. A page
   * may hold fewer keys than asked (even none) while the cursor is not null: keep going until
   * it is null. Keys that exist during the whole listing are returned exactly once.
   */
  cursor: string | null;
}

export interface KvStore {
  /** The value, or null when the key is missing or expired. The array belongs to the caller. */
  get(key: string): Promise<Uint8Array | null>;
  /** Writes the value. Without ttlMs the key never expires (a previous ttl is dropped). */
  set(key: string, value: Uint8Array, options?: { ttlMs?: number }): Promise<void>;
  /** True when a live key was deleted. */
  delete(key: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** One page of keys that start with prefix, sorted by UTF-8 bytes; see ListPage. */
  list(prefix: string, options?: { cursor?: string | null; limit?: number }): Promise<ListPage>;
  /**
   * Adds delta atomically and returns the new value. A missing (or expired) key counts as 0.
   * The value is stored as its decimal text and keeps its ttl; a value that is not the decimal
   * text of a signed 64-bit integer, or a result outside that range, is WAFT_E_KV_NOT_INTEGER.
   */
  increment(key: string, delta: bigint): Promise<bigint>;
  close(): Promise<void>;
}

export interface KvBackend {
  /**
   * Opens the store `store` of the app `namespace`. Two namespaces never see each other's
   * keys, nor do two stores of one namespace.
   */
  open(store: string, namespace: string): Promise<KvStore>;
  /** Closes every store opened from this backend and its connections. */
  close(): Promise<void>;
}
