// The runtime config: what differs between `waft up` on a laptop and a real deployment (which
// backend each key-value store uses, outbound HTTP limits). The app's waft.toml stays the same.

import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { WaftError } from '../errors.ts';
import { checkKeys, displayPath, formatKey, isTable, Issues, Locator, typeProblem, type Table } from './issues.ts';
import { readAmount } from './limits.ts';
import { parseToml } from './load.ts';
import { nameProblem } from './names.ts';
import { closest } from '../util/suggest.ts';
import type { AppManifest } from './types.ts';

export interface KvStoreConfig {
  name: string;
  type: 'sqlite' | 'redis' | 'postgres';
  /** sqlite: absolute path where the data lives (the sqlite backend keeps its files under it). */
  path?: string;
  /** redis, postgres: connection URL. */
  url?: string;
  /** Every other key of the store's table, as written; the backend checks them. */
  options: Record<string, unknown>;
}

export interface RuntimeConfig {
  keyValueStores: Record<string, KvStoreConfig>;
  /** privateAddresses: see OutboundOptions in src/capabilities/http/client.ts (the host sets it, not the file). */
  outbound: { maxRequestBody: number; maxResponseBody: number; timeoutMs: number; privateAddresses?: boolean };
  /** Absolute path of the file read, or null for the built-in defaults. */
  file: string | null;
}

const MiB = 1024 ** 2;

export const defaultOutbound: RuntimeConfig['outbound'] = Object.freeze({
  maxRequestBody: 16 * MiB,
  maxResponseBody: 16 * MiB,
  timeoutMs: 30_000,
});

const outboundRanges = {
  max_request_body: { min: 0, max: 4 * 1024 ** 3 },
  max_response_body: { min: 0, max: 4 * 1024 ** 3 },
  timeout: { min: 1, max: 3_600_000 },
} as const;

const storeTypes = ['sqlite', 'redis', 'postgres'] as const;
const typeAliases: Record<string, (typeof storeTypes)[number]> = { sqlite3: 'sqlite', postgresql: 'postgres', pg: 'postgres' };
const urlSchemes: Record<'redis' | 'postgres', string[]> = { redis: ['redis:', 'rediss:'], postgres: ['postgres:', 'postgresql:'] };

/** Where a store's SQLite file lives when its config names no path. */
export function defaultSqlitePath(appDir: string, store: string): string {
  return join(resolve(appDir), '.waft', store === 'default' ? 'kv' : `kv-${store}`);
}

function defaultStore(appDir: string): KvStoreConfig {
  return { name: 'default', type: 'sqlite', path: defaultSqlitePath(appDir, 'default'), options: {} };
}

/** The config used when no runtime config file is given. */
export function defaultRuntimeConfig(appDir: string): RuntimeConfig {
  return { keyValueStores: { default: defaultStore(appDir) }, outbound: { ...defaultOutbound }, file: null };
}

/** A URL with its password replaced, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/**
 * Parses runtime config text. Relative sqlite paths resolve from the directory of `file`;
 * `appDir` places the files of stores that name no path. The store "default" always exists.
 */
export function parseRuntimeConfig(text: string, file: string, appDir: string): RuntimeConfig {
  file = resolve(file);
  const base = dirname(file);
  const doc = parseToml(text, file, 'WAFT_E_RUNTIME_CONFIG');
  const issues = new Issues(new Locator(text, file), 'WAFT_E_RUNTIME_CONFIG');
  checkKeys(issues, 'WAFT_E_RUNTIME_CONFIG', doc, [], ['key_value_store', 'outbound_http'], (key) =>
    key === 'app' || key === 'functions' || key === 'variables' ? `[${key}] belongs in waft.toml, not in the runtime config` : null,
  );

  const stores: [string, KvStoreConfig][] = [];
  const rawStores = doc.key_value_store;
  if (rawStores !== undefined && !isTable(rawStores)) {
    issues.add('WAFT_E_RUNTIME_CONFIG', ['key_value_store'], typeProblem(['key_value_store'], 'a table of stores', rawStores, '[key_value_store.default] with type = "sqlite"'));
  } else if (rawStores !== undefined) {
    for (const [name, spec] of Object.entries(rawStores)) {
      const store = readStore(issues, base, appDir, name, spec);
      if (store) stores.push([name, store]);
    }
  }
  if (!stores.some(([name]) => name === 'default')) stores.unshift(['default', defaultStore(appDir)]);

  const outbound = { ...defaultOutbound };
  const rawOutbound = doc.outbound_http;
  if (rawOutbound !== undefined && !isTable(rawOutbound)) {
    issues.add('WAFT_E_RUNTIME_CONFIG', ['outbound_http'], typeProblem(['outbound_http'], 'a table ([outbound_http])', rawOutbound, '[outbound_http] with timeout = "30s"'));
  } else if (rawOutbound !== undefined) {
    readOutbound(issues, rawOutbound, outbound);
  }

  issues.throwIfAny();
  return { keyValueStores: Object.fromEntries(stores), outbound, file };
}

function readStore(issues: Issues, base: string, appDir: string, name: string, spec: unknown): KvStoreConfig | null {
  const path = ['key_value_store', name];
  const problem = nameProblem(name);
  if (problem !== null) issues.add('WAFT_E_RUNTIME_CONFIG', path, `key-value store name ${JSON.stringify(name)} ${problem}`);
  if (!isTable(spec)) {
    issues.add('WAFT_E_RUNTIME_CONFIG', path, typeProblem(path, `a table ([key_value_store.${name}])`, spec, `[key_value_store.${name}] with type = "sqlite"`));
    return null;
  }
  const { type, path: rawPath, url, ...options } = spec as Table;
  const at = (key: string) => [...path, key];
  if (type === undefined) {
    issues.add('WAFT_E_RUNTIME_CONFIG', path, `[key_value_store.${name}] has no "type"; add type = "sqlite", "redis" or "postgres"`);
    return null;
  }
  if (typeof type !== 'string') {
    issues.add('WAFT_E_RUNTIME_CONFIG', at('type'), typeProblem(at('type'), 'a string', type, 'type = "sqlite"'));
    return null;
  }
  const known = (storeTypes as readonly string[]).includes(type) ? (type as KvStoreConfig['type']) : null;
  if (known === null) {
    const match = typeAliases[type.toLowerCase()] ?? closest(type, storeTypes);
    const hint = match !== null ? `did you mean "${match}"?` : 'use "sqlite", "redis" or "postgres"';
    issues.add('WAFT_E_RUNTIME_CONFIG', at('type'), `${formatKey(at('type'))} is ${JSON.stringify(type)}, which is no key-value backend; ${hint}`);
    return null;
  }

  const store: KvStoreConfig = { name, type: known, options };
  if (known === 'sqlite') {
    if (url !== undefined) issues.add('WAFT_E_RUNTIME_CONFIG', at('url'), `${formatKey(at('url'))}: a sqlite store is a directory of files; write path = "data/kv" instead of url (or set type = "redis" or "postgres")`);
    if (rawPath === undefined) store.path = defaultSqlitePath(appDir, name);
    else if (typeof rawPath !== 'string') issues.add('WAFT_E_RUNTIME_CONFIG', at('path'), typeProblem(at('path'), 'a string', rawPath, 'path = "data/kv"'));
    else if (rawPath === '') issues.add('WAFT_E_RUNTIME_CONFIG', at('path'), `${formatKey(at('path'))} is empty; name a directory, e.g. path = "data/kv", or leave path out for ${defaultSqlitePath(appDir, name)}`);
    else store.path = resolve(base, rawPath);
    return store;
  }

  if (rawPath !== undefined) issues.add('WAFT_E_RUNTIME_CONFIG', at('path'), `${formatKey(at('path'))}: a ${known} store is reached by url, not by path; write url = "${known === 'redis' ? 'redis://127.0.0.1:6379' : 'postgres://user@127.0.0.1:5432/waft'}"`);
  const example = known === 'redis' ? 'url = "redis://127.0.0.1:6379"' : 'url = "postgres://user@127.0.0.1:5432/waft"';
  if (url === undefined) {
    const near = Object.keys(options).find((key) => closest(key, ['url']) !== null);
    const hint = near !== undefined ? ` ("${near}" looks like a misspelt url)` : '';
    issues.add('WAFT_E_RUNTIME_CONFIG', path, `[key_value_store.${name}] has no "url"${hint}; a ${known} store needs one, e.g. ${example}`);
    return null;
  }
  if (typeof url !== 'string') {
    issues.add('WAFT_E_RUNTIME_CONFIG', at('url'), typeProblem(at('url'), 'a string', url, example));
    return null;
  }
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  const schemes = urlSchemes[known];
  if (parsed === null || !schemes.includes(parsed.protocol)) {
    const why = parsed === null ? 'is not a URL' : `has the scheme "${parsed.protocol.slice(0, -1)}"`;
    issues.add('WAFT_E_RUNTIME_CONFIG', at('url'), `${formatKey(at('url'))} ${JSON.stringify(redact(url))} ${why}; a ${known} url starts with ${schemes.map((s) => `"${s}//"`).join(' or ')}, e.g. ${example}`);
    return null;
  }
  store.url = url;
  return store;
}

function readOutbound(issues: Issues, table: Table, out: RuntimeConfig['outbound']): void {
  const path = ['outbound_http'];
  checkKeys(issues, 'WAFT_E_RUNTIME_CONFIG', table, path, ['max_request_body', 'max_response_body', 'timeout']);
  const fields = { max_request_body: 'maxRequestBody', max_response_body: 'maxResponseBody', timeout: 'timeoutMs' } as const;
  for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
    const raw = table[key];
    if (raw === undefined) continue;
    const value = key === 'timeout'
      ? readAmount(issues, raw, [...path, key], 'duration', 'timeout = "30s"', outboundRanges[key])
      : readAmount(issues, raw, [...path, key], 'size', `${key} = "16MiB"`, outboundRanges[key]);
    if (value !== null) out[fields[key]] = value;
  }
}

/** Reads a runtime config file; null gives the defaults (store "default" = sqlite under APPDIR/.waft/kv). */
export async function loadRuntimeConfig(file: string | null, appDir: string): Promise<RuntimeConfig> {
  if (file === null) return defaultRuntimeConfig(appDir);
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
      throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${displayPath(absolute)}: no such runtime config file; check the path, or leave it out to use the defaults`, { file: absolute });
    }
    throw err;
  }
  return parseRuntimeConfig(text, absolute, appDir);
}

/**
 * Checks that every key-value store a function names exists in the runtime config. Throws
 * WAFT_E_MANIFEST_STORE at the store's position in waft.toml, with every such problem in details.errors.
 */
export function checkKeyValueStores(app: AppManifest, runtime: RuntimeConfig): void {
  const defined = Object.keys(runtime.keyValueStores);
  const issues = new Issues(app);
  for (const fn of app.functions) {
    fn.keyValueStores.forEach((store, index) => {
      if (store in runtime.keyValueStores) return;
      const match = closest(store, defined);
      const where = runtime.file === null ? 'no runtime config is given, so only "default" exists' : `${displayPath(runtime.file)} defines ${defined.map((d) => `"${d}"`).join(', ')}`;
      const fix = match !== null ? `did you mean "${match}"?` : `add [key_value_store.${store}] to the runtime config`;
      issues.add('WAFT_E_MANIFEST_STORE', ['functions', fn.name, 'key_value_stores', String(index)], `function "${fn.name}" uses key-value store "${store}", but ${where}; ${fix}`);
    });
  }
  issues.throwIfAny();
}
