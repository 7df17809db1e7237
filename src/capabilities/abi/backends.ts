// What one worker thread keeps open for every run it serves: key-value backends and stores, and
// outbound HTTP clients. Opened lazily, on a guest's first call, and kept per configuration, so
// a SQLite get runs on this thread without crossing to another, and Redis and Postgres keep
// their connections. A failed open is not kept: the next call tries again.
//
// The backends' modules (ioredis, postgres, undici) are imported on first use: a worker that
// never runs a guest using them does not pay for loading them.
import type { KvBackendConfig } from '../kv/from-config.ts';
import type { KvBackend, KvStore } from '../kv/contract.ts';
import type { Lookup, OutboundHttp } from '../http/client.ts';
import { stableJson, type CapabilityGrant } from './grant.ts';

let kvModule: typeof import('../kv/from-config.ts') | null = null;
let httpModule: typeof import('../http/client.ts') | null = null;

// A worker keeps each grant (and so its store configs) for all its runs: the cache key of a
// config or a grant is worked out on its first call, not on every kv_open and http_request.
const backendKeys = new WeakMap<KvBackendConfig, string>();
const httpKeys = new WeakMap<CapabilityGrant, string>();

function memo<K extends object>(keys: WeakMap<K, string>, of: K, make: () => unknown): string {
  let key = keys.get(of);
  if (key === undefined) keys.set(of, (key = stableJson(make())));
  return key;
}

export class WorkerBackends {
  readonly #kv = new Map<string, KvBackend>();
  readonly #stores = new Map<string, KvStore>();
  readonly #opening = new Map<string, Promise<KvStore>>();
  readonly #http = new Map<string, OutboundHttp>();

  /** The store `store` of app `app` on the backend `config` describes; a KvStore at once when it is open. */
  kvStore(config: KvBackendConfig, app: string, store: string): KvStore | Promise<KvStore> {
    const backendKey = memo(backendKeys, config, () => config);
    const key = `${backendKey}\0${app}\0${store}`;
    const open = this.#stores.get(key);
    if (open) return open;
    let opening = this.#opening.get(key);
    if (!opening) {
      opening = this.#backend(backendKey, config).then((backend) => backend.open(store, app)).then(
        (kv) => { this.#opening.delete(key); this.#stores.set(key, kv); return kv; },
        (err: unknown) => { this.#opening.delete(key); throw err; },
      );
      this.#opening.set(key, opening);
    }
    return opening;
  }

  async #backend(key: string, config: KvBackendConfig): Promise<KvBackend> {
    let backend = this.#kv.get(key);
    if (!backend) {
      kvModule ??= await import('../kv/from-config.ts');
      backend = this.#kv.get(key) ?? kvModule.kvBackendFrom(config);
      this.#kv.set(key, backend);
    }
    return backend;
  }

  /** The outbound HTTP client for a grant's allowed hosts and limits. */
  http(grant: CapabilityGrant): OutboundHttp | Promise<OutboundHttp> {
    if (!httpModule) {
      return import('../http/client.ts').then((m) => {
        httpModule = m;
        return this.http(grant);
      });
    }
    const key = memo(httpKeys, grant, () => [grant.allowedOutboundHosts, grant.outbound, grant.resolve ?? {}]);
    let client = this.#http.get(key);
    if (!client) {
      client = new httpModule.OutboundHttp({
        allowed: grant.allowedOutboundHosts, ...grant.outbound,
        lookup: grant.resolve && Object.keys(grant.resolve).length > 0 ? staticLookup(grant.resolve, httpModule.systemLookup) : undefined,
      });
      this.#http.set(key, client);
    }
    return client;
  }

  async close(): Promise<void> {
    const kv = [...this.#kv.values()];
    const http = [...this.#http.values()];
    this.#kv.clear();
    this.#stores.clear();
    this.#http.clear();
    await Promise.allSettled([...kv.map((b) => b.close()), ...http.map((c) => c.close())]);
  }
}

/** Answers the names in `table` (lower-case host → addresses) itself, and asks `fallback` for the rest. */
function staticLookup(table: Record<string, string[]>, fallback: Lookup): Lookup {
  const entries = new Map(Object.entries(table).map(([host, addresses]) => [host.toLowerCase(), addresses]));
  return async (hostname) => {
    const fixed = entries.get(hostname.toLowerCase());
    if (fixed) return fixed.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    return fallback(hostname);
  };
}
