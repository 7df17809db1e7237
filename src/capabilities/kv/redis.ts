// The Redis backend (ioredis). A value lives at "waft:{namespace}:{store}:{key}". Redis cannot
// list keys in order, so each store also keeps a sorted set of its key names
// ("waft:{namespace}:{store}#keys", read with ZRANGEBYLEX) and a sorted set of the expiry times
// of keys that have a ttl ("…#ttl") so that index entries of expired keys are dropped even when
// nobody lists. Names contain no ":" and "#", so none of these can collide with another store's
// keys. Every write is one Lua script, so a key and its index entries change together.
//
// When the server is down, calls fail at once (no offline queue) with WAFT_E_KV_UNAVAILABLE,
// while ioredis keeps reconnecting in the background: the store recovers by itself.
import { Redis } from 'ioredis';
import { WaftError } from '../../errors.ts';
import type { KvBackend, KvLimits } from './contract.ts';
import { notInteger, prefixEnd, resolveLimits } from './rules.ts';
import { storeBackend, type RawStore, type StoreInfo } from './store.ts';

/** Most index entries one list call examines, beyond the page itself, before it returns early. */
const LIST_SCAN_SLACK = 1000;

const sweepLua = `
local function sweep(keys_idx, ttl_idx, prefix)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local due = redis.call('ZRANGEBYSCORE', ttl_idx, '-inf', now, 'LIMIT', 0, 16)
  for _, k in ipairs(due) do
    local pttl = redis.call('PTTL', prefix .. k)
    if pttl == -2 then
      redis.call('ZREM', keys_idx, k)
      redis.call('ZREM', ttl_idx, k)
    elseif pttl == -1 then
      redis.call('ZREM', ttl_idx, k)
    else
      redis.call('ZADD', ttl_idx, now + pttl, k)
    end
  end
  return now
end
`;

// KEYS: value, keys index, ttl index. ARGV: key, value, ttl ms or "", value prefix.
const setLua = `${sweepLua}
local now = sweep(KEYS[2], KEYS[3], ARGV[4])
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[1])
end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1
`;

// KEYS: value, keys index, ttl index. ARGV: key, delta, value prefix.
// INCRBY keeps the ttl and refuses what is not a canonical 64-bit decimal, as our contract does.
// GET returns the result as text: a Lua number would lose precision above 2^53.
const incrementLua = `${sweepLua}
sweep(KEYS[2], KEYS[3], ARGV[3])
redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return redis.call('GET', KEYS[1])
`;

// KEYS: value, keys index, ttl index. ARGV: key.
const deleteLua = `
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return n
`;

// KEYS: keys index, ttl index. ARGV: value prefix, min, max, count, most entries to examine.
// Returns { live keys…, [last examined key when it stopped early] } as { keys, resume }.
const listLua = `
local want = tonumber(ARGV[4])
local budget = tonumber(ARGV[5])
local out = {}
local min = ARGV[2]
local last = false
while #out < want do
  if budget <= 0 then return { out, last } end
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], min, ARGV[3], 'LIMIT', 0, math.min(want - #out, budget))
  if #batch == 0 then break end
  budget = budget - #batch
  for _, k in ipairs(batch) do
    if redis.call('EXISTS', ARGV[1] .. k) == 1 then
      out[#out + 1] = k
    else
      redis.call('ZREM', KEYS[1], k)
      redis.call('ZREM', KEYS[2], k)
    end
  end
  last = batch[#batch]
  min = '(' .. last
end
return { out }
`;

interface ScriptedRedis extends Redis {
  waftKvSet(value: string, keys: string, ttl: string, key: string, data: Buffer, ttlMs: string, prefix: string): Promise<unknown>;
  waftKvIncrement(value: string, keys: string, ttl: string, key: string, delta: string, prefix: string): Promise<string>;
  waftKvDelete(value: string, keys: string, ttl: string, key: string): Promise<number>;
  waftKvList(keys: string, ttl: string, prefix: string, min: string, max: string, count: string, budget: string): Promise<[string[], string?]>;
}

export interface RedisBackendOptions {
  url: string;
  limits?: Partial<KvLimits>;
  /** How long a call waits for a connection that is being made; default 2000. */
  connectTimeoutMs?: number;
  /** How long a call waits for its reply before failing; default 5000. */
  commandTimeoutMs?: number;
}

function positiveMs(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new WaftError('WAFT_E_KV_CONFIG', `redis key-value backend: ${name} must be a positive number of milliseconds, not ${JSON.stringify(value)}`, { option: name });
  }
  return Math.ceil(value);
}

/** "127.0.0.1:6379" from the url, without credentials. */
function redisAddress(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new WaftError('WAFT_E_KV_CONFIG', `redis key-value backend: cannot read url ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}; write redis://[user:password@]host[:port][/db]`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new WaftError('WAFT_E_KV_CONFIG', `redis key-value backend: the url must start with redis:// or rediss://, not ${u.protocol}//`);
  }
  return `${u.hostname || 'localhost'}:${u.port || '6379'}`;
}

export function redisBackend(options: RedisBackendOptions): KvBackend {
  if (typeof options?.url !== 'string' || options.url === '') {
    throw new WaftError('WAFT_E_KV_CONFIG', 'the redis key-value backend needs `url`, e.g. redis://127.0.0.1:6379');
  }
  const { url } = options;
  const address = redisAddress(url);
  const limits = resolveLimits(options.limits, 'redis key-value limits');
  const connectTimeoutMs = positiveMs(options.connectTimeoutMs, 'connectTimeoutMs', 2000);
  const commandTimeoutMs = positiveMs(options.commandTimeoutMs, 'commandTimeoutMs', 5000);

  let client: ScriptedRedis | undefined;
  let lastError: string | undefined;

  function getClient(): ScriptedRedis {
    if (client) return client;
    const c = new Redis(url, {
      connectTimeout: connectTimeoutMs,
      commandTimeout: commandTimeoutMs,
      // Fail calls at once while disconnected instead of queueing them, and fail the calls in
      // flight when the connection drops instead of resending them after a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // Reconnect forever, at most a second apart, so that the store recovers by itself.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    }) as ScriptedRedis;
    c.on('error', (err: Error) => { lastError = err.message; });
    c.on('ready', () => { lastError = undefined; });
    c.defineCommand('waftKvSet', { numberOfKeys: 3, lua: setLua });
    c.defineCommand('waftKvIncrement', { numberOfKeys: 3, lua: incrementLua });
    c.defineCommand('waftKvDelete', { numberOfKeys: 3, lua: deleteLua });
    c.defineCommand('waftKvList', { numberOfKeys: 2, lua: listLua });
    client = c;
    return c;
  }

  /** Resolves when the connection is usable; waits only while a connection is being made. */
  function ready(c: ScriptedRedis): Promise<void> {
    if (c.status === 'ready') {
      // The status stays "ready" for a moment after the server has gone away.
      if (c.stream?.writable) return Promise.resolve();
      return Promise.reject(new Error(lastError ?? 'the connection to the server was lost'));
    }
    if (c.status !== 'connecting' && c.status !== 'connect') {
      return Promise.reject(new Error(lastError ?? `not connected (${c.status})`));
    }
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        c.off('ready', onReady);
        c.off('close', onClose);
        c.off('end', onClose);
        if (err) reject(err); else resolve();
      };
      const onReady = () => done();
      const onClose = () => done(new Error(lastError ?? 'the connection closed'));
      const timer = setTimeout(() => done(new Error(lastError ?? `no connection within ${connectTimeoutMs}ms`)), connectTimeoutMs);
      c.once('ready', onReady);
      c.once('close', onClose);
      // A client disconnected before it ever connected ends without closing.
      c.once('end', onClose);
    });
  }

  /** ioredis's words for a lost connection, in ours. */
  function explain(err: unknown): unknown {
    const message = err instanceof Error ? err.message : '';
    if (message.includes('enableOfflineQueue') || message.includes('max retries per request')) {
      return new Error(`the connection to the server was lost${lastError ? ` (${lastError})` : ''}`);
    }
    return err;
  }

  function rawStore(info: StoreInfo): RawStore {
    const base = `waft:${info.namespace}:${info.store}`;
    const prefix = `${base}:`;
    const keysIndex = `${base}#keys`;
    const ttlIndex = `${base}#ttl`;
    const c = getClient();
    async function send<T>(command: () => Promise<T>): Promise<T> {
      await ready(c);
      try {
        return await command();
      } catch (err) {
        throw explain(err);
      }
    }
    return {
      async get(key) {
        const buf = await send(() => c.getBuffer(prefix + key));
        return buf === null ? null : new Uint8Array(buf);
      },
      async set(key, value, ttlMs) {
        const data = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        await send(() => c.waftKvSet(prefix + key, keysIndex, ttlIndex, key, data, ttlMs === null ? '' : String(ttlMs), prefix));
      },
      async delete(key) {
        return Number(await send(() => c.waftKvDelete(prefix + key, keysIndex, ttlIndex, key))) > 0;
      },
      async exists(key) {
        return Number(await send(() => c.exists(prefix + key))) > 0;
      },
      async list(keyPrefix, after, count) {
        const end = prefixEnd(keyPrefix);
        const min = after !== null && Buffer.compare(Buffer.from(after), Buffer.from(keyPrefix)) >= 0 ? `(${after}` : `[${keyPrefix}`;
        const max = end === null ? '+' : `(${end}`;
        const [keys, resume] = await send(() => c.waftKvList(keysIndex, ttlIndex, prefix, min, max, String(count), String(count + LIST_SCAN_SLACK)));
        return resume ? { keys, resumeAfter: resume } : { keys };
      },
      async increment(key, delta) {
        try {
          return BigInt(await send(() => c.waftKvIncrement(prefix + key, keysIndex, ttlIndex, key, delta.toString(), prefix)));
        } catch (err) {
          const message = err instanceof Error ? err.message : '';
          if (/not an integer|overflow/.test(message) && (err as { name?: string }).name === 'ReplyError') {
            throw notInteger(info, key, /overflow/.test(message)
              ? `adding ${delta} would leave signed 64 bits`
              : 'the stored value is not the decimal text of a signed 64-bit integer');
          }
          throw err;
        }
      },
    };
  }

  return storeBackend({
    backend: 'redis',
    limits,
    address: () => address,
    async open(info) {
      await ready(getClient());
      return rawStore(info);
    },
    close() {
      client?.disconnect();
      client = undefined;
    },
  });
}
