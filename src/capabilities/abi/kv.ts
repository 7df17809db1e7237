// The key-value imports: kv_open … kv_increment (docs/abi.md). Stores come from the worker's
// cache; only the stores the grant names can be opened.
import { MAX_TTL_MS } from '../kv/rules.ts';
import type { KvStore } from '../kv/contract.ts';
import type { AbiContext } from './context.ts';
import { AbiFailure } from './context.ts';
import { encodeStrings } from './encoding.ts';
import { STATUS } from './status.ts';

const ok = (): number => STATUS.OK;

export function kvImports(ctx: AbiContext) {
  const store = (handle: number): KvStore => ctx.entry(handle, 'store').store;
  const key = (ptr: number, len: number) => ctx.string(ptr, len, 'key');

  return {
    async kv_open(namePtr: number, nameLen: number, storeOut: number): Promise<number> {
      const name = ctx.string(namePtr, nameLen, 'store name');
      const config = Object.hasOwn(ctx.grant.stores, name) ? ctx.grant.stores[name] : undefined;
      if (!config) {
        return ctx.deny(`key-value store ${JSON.stringify(name)}`, `add it to key_value_stores in [functions.${ctx.grant.function}]`);
      }
      ctx.reserve();
      const kv = await ctx.wait(ctx.backends.kvStore(config, ctx.grant.app, name));
      ctx.memory.setU32(storeOut, ctx.handles.add({ kind: 'store', name, store: kv }));
      return STATUS.OK;
    },

    kv_close(handle: number): number {
      ctx.release(handle, 'store');
      return STATUS.OK;
    },

    kv_get(handle: number, keyPtr: number, keyLen: number, bufOut: number, lenOut: number): Promise<number> {
      const { store: kv, name } = ctx.entry(handle, 'store');
      const k = key(keyPtr, keyLen);
      ctx.reserve();
      return ctx.finish(kv.get(k), (value) => value === null
        ? ctx.fail(STATUS.NOT_FOUND, `key ${JSON.stringify(k)} is not in key-value store ${JSON.stringify(name)}`)
        : ctx.giveBuffer(value, bufOut, lenOut));
    },

    kv_set(handle: number, keyPtr: number, keyLen: number, valuePtr: number, valueLen: number, ttlMs: bigint): Promise<number> {
      const kv = store(handle);
      const k = key(keyPtr, keyLen);
      if (ttlMs < 0n || ttlMs > BigInt(MAX_TTL_MS)) {
        throw new AbiFailure(STATUS.INVALID, `ttl_ms ${ttlMs} is out of range: 0 for no expiry, or 1 to ${MAX_TTL_MS} (100 years)`);
      }
      // A copy: the backend may still hold the value after a deadline ends the guest and its
      // memory goes back to the pool.
      const value = ctx.memory.slice(valuePtr, valueLen >>> 0).slice();
      return ctx.finish(kv.set(k, value, ttlMs === 0n ? undefined : { ttlMs: Number(ttlMs) }), ok);
    },

    kv_delete(handle: number, keyPtr: number, keyLen: number, existedOut: number): Promise<number> {
      const kv = store(handle);
      return ctx.finish(kv.delete(key(keyPtr, keyLen)), (existed) => {
        ctx.memory.setU32(existedOut, existed ? 1 : 0);
        return STATUS.OK;
      });
    },

    kv_exists(handle: number, keyPtr: number, keyLen: number, existsOut: number): Promise<number> {
      const kv = store(handle);
      return ctx.finish(kv.exists(key(keyPtr, keyLen)), (exists) => {
        ctx.memory.setU32(existsOut, exists ? 1 : 0);
        return STATUS.OK;
      });
    },

    async kv_list(
      handle: number, prefixPtr: number, prefixLen: number, cursorPtr: number, cursorLen: number, limit: number,
      bufOut: number, lenOut: number,
    ): Promise<number> {
      const kv = store(handle);
      const prefix = ctx.string(prefixPtr, prefixLen, 'prefix');
      const cursor = cursorLen === 0 ? null : ctx.string(cursorPtr, cursorLen, 'cursor');
      ctx.reserve();
      const page = await ctx.wait(kv.list(prefix, { cursor, limit: limit === 0 ? undefined : limit >>> 0 }));
      return ctx.giveBuffer(encodeStrings(page.keys, page.cursor ?? ''), bufOut, lenOut);
    },

    kv_increment(handle: number, keyPtr: number, keyLen: number, delta: bigint, valueOut: number): Promise<number> {
      const kv = store(handle);
      return ctx.finish(kv.increment(key(keyPtr, keyLen), delta), (value) => {
        ctx.memory.setU64(valueOut, value);
        return STATUS.OK;
      });
    },
  };
}

export const kvAsyncImports = ['kv_open', 'kv_get', 'kv_set', 'kv_delete', 'kv_exists', 'kv_list', 'kv_increment'];
/** Calls whose promise settles to a status by itself (ctx.finish): it rejects only to end the guest. */
export const kvSettledImports = ['kv_get', 'kv_set', 'kv_delete', 'kv_exists', 'kv_increment'];
