import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WaftError } from '../../../src/errors.ts';
import { kvBackendFrom } from '../../../src/capabilities/kv/index.ts';
import { dropPostgresSchemas, POSTGRES_URL, postgresUnreachable, REDIS_URL, redisUnreachable } from '../../support/servers.ts';

function configError(call: () => unknown, message: RegExp): void {
  assert.throws(call, (err: unknown) => {
    assert.ok(err instanceof WaftError, String(err));
    assert.equal(err.code, 'WAFT_E_KV_CONFIG', err.message);
    assert.match(err.message, message);
    return true;
  });
}

test('kvBackendFrom: sqlite with path and limits (sizes may carry units, names may be snake_case)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'waft-kv-config-'));
  try {
    const backend = kvBackendFrom({ type: 'sqlite', path: dir, options: { max_value_bytes: '1KiB', maxKeyBytes: 16 } });
    const kv = await backend.open('default', 'app');
    await kv.set('k', new Uint8Array(1024));
    await assert.rejects(kv.set('k', new Uint8Array(1025)), /value is 1025 bytes, over the limit of 1024 bytes \(maxValueBytes\)/);
    await assert.rejects(kv.get('x'.repeat(17)), /key is 17 bytes, over the limit of 16 bytes \(maxKeyBytes\)/);
    await backend.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kvBackendFrom: redis and postgres from a url', async (t) => {
  const redisDown = await redisUnreachable(REDIS_URL);
  const postgresDown = await postgresUnreachable(POSTGRES_URL);
  if (redisDown || postgresDown) return t.skip([redisDown, postgresDown].filter(Boolean).join('; '));
  const redis = kvBackendFrom({ type: 'redis', url: REDIS_URL, options: { connect_timeout_ms: '2s', commandTimeoutMs: 3000 } });
  const schema = `waft_kv_t_config_${process.pid}`;
  const pg = kvBackendFrom({ type: 'postgres', url: POSTGRES_URL, options: { schema } });
  try {
    for (const backend of [redis, pg]) {
      const kv = await backend.open('default', `kvt-config-${process.pid}`);
      assert.equal(await kv.increment('n', 2n), 2n);
      assert.equal(await kv.delete('n'), true);
    }
  } finally {
    await redis.close();
    await pg.close();
    await dropPostgresSchemas([schema]);
  }
});

test('kvBackendFrom: a config it cannot use is WAFT_E_KV_CONFIG saying what to change', () => {
  configError(() => kvBackendFrom({ type: 'mongodb' as 'redis', url: 'x' }), /unknown type "mongodb"; use "sqlite", "redis" or "postgres"/);
  configError(() => kvBackendFrom({ type: 'sqlite' }), /needs `path`/);
  configError(() => kvBackendFrom({ type: 'sqlite', path: '/tmp/x', url: 'redis://h' }), /takes `path`, not `url`/);
  configError(() => kvBackendFrom({ type: 'redis' }), /needs `url`/);
  configError(() => kvBackendFrom({ type: 'postgres', url: POSTGRES_URL, path: '/tmp' }), /takes `url`, not `path`/);
  configError(() => kvBackendFrom({ type: 'redis', url: REDIS_URL, options: { schema: 'x' } }), /unknown option "schema" for type "redis"/);
  configError(() => kvBackendFrom({ type: 'sqlite', path: '/tmp/x', options: { maxValueBytes: 'lots' } }), /maxValueBytes/);
  configError(() => kvBackendFrom({ type: 'sqlite', path: '/tmp/x', options: { max_list_page: 0 } }), /maxListPage must be a positive whole number/);
  configError(() => kvBackendFrom({ type: 'redis', url: REDIS_URL, options: { commandTimeoutMs: 'soon' } }), /commandTimeoutMs/);
  configError(() => kvBackendFrom({ type: 'redis', url: 'postgres://x' }), /redis:\/\/ or rediss:\/\//);
  configError(() => kvBackendFrom({ type: 'postgres', url: POSTGRES_URL, options: { schema: 'Robert\'); DROP TABLE students;--' } }), /plain lower-case identifier/);
});
