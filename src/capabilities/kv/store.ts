// What every backend shares: a backend implements the small RawStore over arguments that are
// already checked, and guardStore turns it into a KvStore that checks arguments, refuses calls
// after close, and reports backend failures as WAFT_E_KV_UNAVAILABLE naming the backend.
// storeBackend is the KvBackend around a backend's connections: names, open, close.
import { WaftError } from '../../errors.ts';
import type { KvBackend, KvLimits, KvStore, ListPage } from './contract.ts';
import {
  checkDelta, checkKey, checkListLimit, checkName, checkTtl, checkValue, decodeCursor, encodeCursor, type Where,
} from './rules.ts';

export interface StoreInfo extends Where {
  /** 'sqlite', 'redis' or 'postgres'. */
  backend: string;
  /** Where the backend is, without credentials: "127.0.0.1:6379", a file path. */
  address: string;
  limits: KvLimits;
}

export interface RawStore {
  get(key: string): Promise<Uint8Array | null>;
  set(key: string, value: Uint8Array, ttlMs: number | null): Promise<void>;
  delete(key: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /**
   * Up to `count` live keys that start with prefix and sort after `after`, in UTF-8 byte order.
   * A backend that stops early (to bound the work of one call) says where to go on from.
   */
  list(prefix: string, after: string | null, count: number): Promise<{ keys: string[]; resumeAfter?: string }>;
  increment(key: string, delta: bigint): Promise<bigint>;
}

function unavailable(info: StoreInfo, err: unknown, operation: string): WaftError {
  const e = err as { message?: unknown; code?: unknown; errcode?: unknown };
  const cause = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  const details: Record<string, unknown> = {
    store: info.store, namespace: info.namespace, backend: info.backend, address: info.address, operation,
  };
  if (typeof e?.code === 'string' || typeof e?.code === 'number') details.cause = e.code;
  return new WaftError(
    'WAFT_E_KV_UNAVAILABLE',
    `key-value store ${JSON.stringify(info.store)} (${info.backend} at ${info.address}) is unavailable: ${cause}`,
    details,
  );
}

function closedError(info: Where, what = 'store'): WaftError {
  return new WaftError('WAFT_E_KV_CLOSED', what === 'store'
    ? `key-value store ${JSON.stringify(info.store)} is closed`
    : `the key-value backend is closed; cannot open store ${JSON.stringify(info.store)}`, { store: info.store, namespace: info.namespace });
}

function guardStore(info: StoreInfo, raw: RawStore, onClose?: () => void): KvStore {
  const { limits } = info;
  let closed = false;

  async function run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    if (closed) throw closedError(info);
    try {
      return await call();
    } catch (err) {
      if (err instanceof WaftError) throw err;
      throw unavailable(info, err, operation);
    }
  }

  return {
    get(key) {
      return run('get', () => raw.get(checkKey(info, limits, key)));
    },
    set(key, value, options) {
      return run('set', () => {
        checkKey(info, limits, key);
        checkValue(info, limits, value);
        return raw.set(key, value, checkTtl(info, options));
      });
    },
    delete(key) {
      return run('delete', () => raw.delete(checkKey(info, limits, key)));
    },
    exists(key) {
      return run('exists', () => raw.exists(checkKey(info, limits, key)));
    },
    list(prefix, options) {
      return run('list', async (): Promise<ListPage> => {
        checkKey(info, limits, prefix, true);
        const limit = checkListLimit(info, limits, options?.limit);
        const after = decodeCursor(info, limits, options?.cursor);
        const { keys, resumeAfter } = await raw.list(prefix, after, limit + 1);
        if (keys.length > limit) {
          keys.length = limit;
          return { keys, cursor: encodeCursor(keys[limit - 1]) };
        }
        return { keys, cursor: resumeAfter === undefined ? null : encodeCursor(resumeAfter) };
      });
    },
    increment(key, delta) {
      return run('increment', () => raw.increment(checkKey(info, limits, key), checkDelta(info, delta)));
    },
    async close() {
      if (closed) return;
      closed = true;
      onClose?.();
    },
  };
}

export interface BackendParts {
  /** 'sqlite', 'redis' or 'postgres'. */
  backend: string;
  limits: KvLimits;
  /** Where the namespace's data is, for messages (StoreInfo.address). */
  address(namespace: string): string;
  /**
   * Connects when needed and makes the store's RawStore. A failure that is not a WaftError is
   * reported as WAFT_E_KV_UNAVAILABLE. A backend that opens synchronously (SQLite) returns the
   * RawStore itself, and its store is made in the same turn as the call.
   */
  open(info: StoreInfo): RawStore | Promise<RawStore>;
  /** Releases the connections; called once, after every store is closed. */
  close(): void | Promise<void>;
}

/** The KvBackend of a backend: checks names, keeps its stores, and closes them before its connections. */
export function storeBackend(parts: BackendParts): KvBackend {
  const stores = new Set<KvStore>();
  let closed = false;

  return {
    async open(store, namespace) {
      checkName('store', store);
      checkName('namespace', namespace);
      const info: StoreInfo = { store, namespace, backend: parts.backend, address: parts.address(namespace), limits: parts.limits };
      if (closed) throw closedError(info, 'backend');
      let raw: RawStore;
      try {
        const opened = parts.open(info);
        raw = opened instanceof Promise ? await opened : opened;
      } catch (err) {
        if (closed) throw closedError(info, 'backend');
        if (err instanceof WaftError) throw err;
        throw unavailable(info, err, 'open');
      }
      // close() ran while this open waited for its connection: release what the open made
      // (the backends' close is idempotent) rather than hand out a store of a closed backend.
      if (closed) {
        await parts.close();
        throw closedError(info, 'backend');
      }
      const kv = guardStore(info, raw, () => stores.delete(kv));
      stores.add(kv);
      return kv;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...stores].map((s) => s.close()));
      await parts.close();
    },
  };
}
