import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkKeyValueStores,
  defaultOutbound,
  loadRuntimeConfig,
  parseRuntimeConfig,
  type RuntimeConfig,
} from '../../src/manifest/runtime-config.ts';
import { app, errorOf, lines, parse } from './support.ts';

const RC = '/etc/waft/runtime.toml';
const APP = '/srv/demo';
const MiB = 1024 ** 2;

const rc = (text: string) => parseRuntimeConfig(text, RC, APP);

function rcError(text: string, line: number, ...says: string[]) {
  const err = errorOf(() => rc(text));
  assert.equal(err.code, 'WAFT_E_RUNTIME_CONFIG', err.message);
  assert.equal(err.details?.line, line, err.message);
  assert.ok(err.message.startsWith(`${RC}:${line}:`), err.message);
  for (const s of says) assert.ok(err.message.includes(s), `message lacks ${JSON.stringify(s)}:\n${err.message}`);
  return err;
}

test('no file: store "default" is SQLite at APPDIR/.waft/kv, outbound defaults', async () => {
  const config = await loadRuntimeConfig(null, APP);
  assert.deepEqual(config, {
    keyValueStores: { default: { name: 'default', type: 'sqlite', path: '/srv/demo/.waft/kv', options: {} } },
    outbound: { maxRequestBody: 16 * MiB, maxResponseBody: 16 * MiB, timeoutMs: 30_000 },
    file: null,
  });
  assert.deepEqual(config.outbound, defaultOutbound);
});

test('redis, postgres and sqlite stores; backend options pass through', () => {
  const config = rc(lines(
    '[key_value_store.default]',
    'type = "redis"',
    'url = "redis://127.0.0.1:6379"',
    'prefix = "waft:"',
    '',
    '[key_value_store.users]',
    'type = "postgres"',
    'url = "postgres://waft@127.0.0.1:5432/waft"',
    'schema = "kv"',
    'max_value_bytes = "4MiB"',
    '',
    '[key_value_store.cache]',
    'type = "sqlite"',
    'path = "data/kv.db"',
    '',
    '[key_value_store.scratch]',
    'type = "sqlite"',
    '',
    '[key_value_store.tls]',
    'type = "redis"',
    'url = "rediss://cache.internal:6380/2"',
  ));
  assert.equal(config.file, RC);
  assert.deepEqual(config.keyValueStores, {
    default: { name: 'default', type: 'redis', url: 'redis://127.0.0.1:6379', options: { prefix: 'waft:' } },
    users: { name: 'users', type: 'postgres', url: 'postgres://waft@127.0.0.1:5432/waft', options: { schema: 'kv', max_value_bytes: '4MiB' } },
    // relative paths resolve from the runtime config's directory
    cache: { name: 'cache', type: 'sqlite', path: '/etc/waft/data/kv.db', options: {} },
    // no path: a file of its own under the app directory
    scratch: { name: 'scratch', type: 'sqlite', path: '/srv/demo/.waft/kv-scratch', options: {} },
    tls: { name: 'tls', type: 'redis', url: 'rediss://cache.internal:6380/2', options: {} },
  });
});

test('a config without [key_value_store.default] still has the default SQLite store', () => {
  const config = rc(lines('[key_value_store.other]', 'type = "sqlite"', 'path = "/var/lib/waft/other.db"'));
  assert.deepEqual(Object.keys(config.keyValueStores), ['default', 'other']);
  assert.equal(config.keyValueStores.default.path, '/srv/demo/.waft/kv');
  assert.equal(config.keyValueStores.other.path, '/var/lib/waft/other.db');
});

test('[outbound_http] sizes and timeout; keys left out keep their defaults', () => {
  assert.deepEqual(rc(lines('[outbound_http]', 'max_request_body = "1MiB"', 'timeout = "5s"')).outbound, { maxRequestBody: MiB, maxResponseBody: 16 * MiB, timeoutMs: 5000 });
  assert.deepEqual(rc(lines('[outbound_http]', 'max_response_body = 1000', 'timeout = 250')).outbound, { maxRequestBody: 16 * MiB, maxResponseBody: 1000, timeoutMs: 250 });
  assert.deepEqual(rc('').outbound, defaultOutbound);
});

test('runtime config errors, each at its line', () => {
  rcError('[key_value_store.default]\ntype = "redis"\nurl = redis://x\n', 3, 'invalid TOML');
  rcError(lines('[key_value_stores.default]', 'type = "sqlite"'), 1, 'unknown key "key_value_stores"', 'did you mean "key_value_store"?');
  rcError(lines('[app]', 'name = "x"'), 1, '[app] belongs in waft.toml');
  rcError(lines('key_value_store = "redis"'), 1, 'must be a table of stores');
  rcError(lines('[key_value_store]', 'default = "redis"'), 2, 'key_value_store.default must be a table');
  rcError(lines('[key_value_store.Cache]', 'type = "sqlite"'), 1, 'store name "Cache"');
  rcError(lines('[key_value_store.default]', 'path = "kv.db"'), 1, 'has no "type"', 'type = "sqlite", "redis" or "postgres"');
  rcError(lines('[key_value_store.default]', 'type = 1'), 2, 'must be a string, not an integer');
  rcError(lines('[key_value_store.default]', 'type = "postgresql"'), 2, '"postgresql", which is no key-value backend', 'did you mean "postgres"?');
  rcError(lines('[key_value_store.default]', 'type = "reddis"', 'url = "redis://x"'), 2, 'did you mean "redis"?');
  rcError(lines('[key_value_store.default]', 'type = "mongo"'), 2, 'use "sqlite", "redis" or "postgres"');
  rcError(lines('[key_value_store.default]', 'type = "sqlite"', 'url = "redis://x"'), 3, 'a sqlite store is a directory of files; write path');
  rcError(lines('[key_value_store.default]', 'type = "sqlite"', 'path = 1'), 3, 'must be a string');
  rcError(lines('[key_value_store.default]', 'type = "sqlite"', 'path = ""'), 3, 'is empty', '/srv/demo/.waft/kv');
  rcError(lines('', '[key_value_store.default]', 'type = "redis"'), 2, 'has no "url"', 'url = "redis://127.0.0.1:6379"');
  rcError(lines('[key_value_store.default]', 'type = "redis"', 'urll = "redis://x"'), 1, '"urll" looks like a misspelt url');
  rcError(lines('[key_value_store.default]', 'type = "redis"', 'url = 6379'), 3, 'must be a string');
  rcError(lines('[key_value_store.default]', 'type = "redis"', 'url = "127.0.0.1:6379"'), 3, '"redis://" or "rediss://"');
  rcError(lines('[key_value_store.default]', 'type = "postgres"', 'url = "mysql://db/x"'), 3, 'has the scheme "mysql"', '"postgres://" or "postgresql://"');
  rcError(lines('[key_value_store.default]', 'type = "postgres"', 'url = "postgres://u@h/db"', 'path = "x"'), 4, 'reached by url, not by path');
  rcError(lines('[outbound_http]', 'timout = "5s"'), 2, 'did you mean "timeout"?');
  rcError(lines('outbound_http = 5'), 1, 'must be a table');
  rcError(lines('[outbound_http]', 'timeout = "soon"'), 2, 'cannot read "soon" as a duration');
  rcError(lines('[outbound_http]', 'max_request_body = "huge"'), 2, 'cannot read "huge" as a size');
  rcError(lines('[outbound_http]', 'max_response_body = "5GiB"'), 2, 'choose a value from 0B to 4GiB');
  rcError(lines('[outbound_http]', 'timeout = 0'), 2, 'choose a value from 1ms');
  rcError(lines('[outbound_http]', 'timeout = true'), 2, 'not a boolean');
});

test('a password in a bad url is not repeated in the message', () => {
  const err = rcError(lines('[key_value_store.default]', 'type = "postgres"', 'url = "mysql://admin:hunter2@db/x"'), 3);
  assert.ok(!err.message.includes('hunter2'), err.message);
  assert.ok(err.message.includes('admin:***@'), err.message);
});

test('several runtime config problems are gathered', () => {
  const err = errorOf(() => rc(lines('[key_value_store.a]', 'type = "x"', '[outbound_http]', 'timeout = "x"')));
  assert.deepEqual((err.details?.errors as { line: number }[]).map((e) => e.line), [2, 4]);
});

test('loadRuntimeConfig reads a file; a missing file is WAFT_E_FILE_NOT_FOUND', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'waft-rc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'runtime.toml');
  await writeFile(file, lines('[key_value_store.default]', 'type = "sqlite"', 'path = "kv/data.db"'));
  const config = await loadRuntimeConfig(file, '/srv/demo');
  assert.equal(config.file, file);
  assert.equal(config.keyValueStores.default.path, join(dir, 'kv/data.db'));
  const missing = await loadRuntimeConfig(join(dir, 'nope.toml'), '/srv/demo').catch((e) => e);
  assert.equal(missing.code, 'WAFT_E_FILE_NOT_FOUND');
  assert.ok(missing.message.includes('nope.toml'));
});

test('checkKeyValueStores: a function using a store the runtime config lacks, at its position in waft.toml', () => {
  const m = parse(app(
    '[functions.a]', 'source = "a.wasm"', 'route = "/a"', 'key_value_stores = ["default", "cache"]', //  3-6
    '[functions.b]', 'source = "b.wasm"', 'route = "/b"', 'key_value_stores = ["sessions"]', //  7-10
  ));
  const defaults: RuntimeConfig = { keyValueStores: { default: { name: 'default', type: 'sqlite', path: '/x', options: {} } }, outbound: { ...defaultOutbound }, file: null };
  const err = errorOf(() => checkKeyValueStores(m, defaults));
  assert.equal(err.code, 'WAFT_E_MANIFEST_STORE');
  assert.equal(err.details?.line, 6);
  assert.equal(err.details?.column, 32);
  assert.ok(err.message.includes('function "a" uses key-value store "cache", but no runtime config is given, so only "default" exists'), err.message);
  assert.deepEqual((err.details?.errors as { line: number }[]).map((e) => e.line), [6, 10]);

  const configured = rc(lines('[key_value_store.caches]', 'type = "sqlite"', '[key_value_store.sessions]', 'type = "sqlite"'));
  const near = errorOf(() => checkKeyValueStores(m, configured));
  assert.ok(near.message.includes('/etc/waft/runtime.toml defines "default", "caches", "sessions"; did you mean "caches"?'), near.message);
  const all = rc(lines('[key_value_store.cache]', 'type = "sqlite"', '[key_value_store.sessions]', 'type = "sqlite"'));
  assert.doesNotThrow(() => checkKeyValueStores(m, all));
});

test('a store from the runtime config feeds the key-value capability as it is', async (t) => {
  const { kvBackendFrom } = await import('../../src/capabilities/kv/from-config.ts');
  const dir = await realpathTemp(t);
  const config = parseRuntimeConfig(
    lines('[key_value_store.default]', 'type = "sqlite"', 'path = "kv"', 'max_value_bytes = "16B"'),
    join(dir, 'runtime.toml'),
    dir,
  );
  const backend = kvBackendFrom(config.keyValueStores.default);
  t.after(() => backend.close());
  const store = await backend.open('default', 'demo');
  await store.set('k', new TextEncoder().encode('v'));
  assert.deepEqual(await store.get('k'), new TextEncoder().encode('v'));
  // the option reached the backend: 17 bytes are over the limit
  await assert.rejects(store.set('big', new Uint8Array(17)), { code: 'WAFT_E_KV_TOO_LARGE' });
  // and a misspelt option is the capability's error, with the option's name
  const bad = parseRuntimeConfig(lines('[key_value_store.default]', 'type = "sqlite"', 'max_valu_bytes = 1'), join(dir, 'runtime.toml'), dir);
  assert.throws(() => kvBackendFrom(bad.keyValueStores.default), { code: 'WAFT_E_KV_CONFIG', message: /max_valu_bytes/ });
});

async function realpathTemp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'waft-rc-kv-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
