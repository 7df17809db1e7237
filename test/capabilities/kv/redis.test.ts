import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { WaftError } from '../../../src/errors.ts';
import { kvConformance } from '../../../src/capabilities/kv/conformance.case.ts';
import { redisBackend } from '../../../src/capabilities/kv/index.ts';
import { deleteRedisNamespaces, freePort, REDIS_URL, redisUnreachable } from '../../support/servers.ts';
import { recording } from './recording.ts';

const namespaces = new Set<string>();

after(() => deleteRedisNamespaces(namespaces));

kvConformance('redis', async () => (await redisUnreachable(REDIS_URL)) ?? recording(redisBackend({ url: REDIS_URL }), namespaces));

test('redis: values live at waft:{namespace}:{store}:{key}, next to the store\'s two index keys', async (t) => {
  const why = await redisUnreachable(REDIS_URL);
  if (why) return t.skip(why);
  const ns = `kvt-layout-${process.pid}-${Date.now()}`;
  namespaces.add(ns);
  const backend = redisBackend({ url: REDIS_URL });
  const raw = new Redis(REDIS_URL);
  try {
    const kv = await backend.open('default', ns);
    await kv.set('a:b', new Uint8Array([0, 1, 2]));
    await kv.set('t', new Uint8Array([3]), { ttlMs: 3_600_000 });
    assert.deepEqual([...(await raw.getBuffer(`waft:${ns}:default:a:b`))!], [0, 1, 2]);
    const all = (await raw.keys(`waft:${ns}:*`)).sort();
    assert.deepEqual(all, [`waft:${ns}:default#keys`, `waft:${ns}:default#ttl`, `waft:${ns}:default:a:b`, `waft:${ns}:default:t`]);
    assert.deepEqual(await raw.zrange(`waft:${ns}:default#keys`, '0', '-1'), ['a:b', 't']);
  } finally {
    raw.disconnect();
    await backend.close();
  }
});

test('redis: expired keys leave no index entries behind once the store is written again', async (t) => {
  const why = await redisUnreachable(REDIS_URL);
  if (why) return t.skip(why);
  const ns = `kvt-sweep-${process.pid}-${Date.now()}`;
  namespaces.add(ns);
  const backend = redisBackend({ url: REDIS_URL });
  const raw = new Redis(REDIS_URL);
  try {
    const kv = await backend.open('default', ns);
    for (let i = 0; i < 20; i++) await kv.set(`temp${i}`, new Uint8Array([i]), { ttlMs: 50 });
    await kv.set('stays', new Uint8Array([1]));
    const gone = async () => (await raw.exists(...Array.from({ length: 20 }, (_, i) => `waft:${ns}:default:temp${i}`))) === 0;
    const deadline = Date.now() + 30_000;
    while (!(await gone())) {
      assert.ok(Date.now() < deadline, 'the temporary keys never expired');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Nobody lists: writes alone must clear the index (16 entries per write).
    await kv.set('w1', new Uint8Array([1]));
    await kv.increment('w2', 1n);
    assert.deepEqual(await raw.zrange(`waft:${ns}:default#keys`, '0', '-1'), ['stays', 'w1', 'w2']);
    assert.equal(await raw.zcard(`waft:${ns}:default#ttl`), 0);
  } finally {
    raw.disconnect();
    await backend.close();
  }
});

test('redis: a server that is not there fails at once with WAFT_E_KV_UNAVAILABLE naming it', async () => {
  const port = await freePort();
  const backend = redisBackend({ url: `redis://127.0.0.1:${port}` });
  try {
    await assert.rejects(backend.open('default', 'app'), (err: unknown) => {
      assert.ok(err instanceof WaftError);
      assert.equal(err.code, 'WAFT_E_KV_UNAVAILABLE');
      assert.match(err.message, new RegExp(`^key-value store "default" \\(redis at 127\\.0\\.0\\.1:${port}\\) is unavailable: .*ECONNREFUSED`));
      assert.equal(err.status, 503);
      return true;
    });
  } finally {
    await backend.close();
  }
});

test('redis: a url that is not redis:// is WAFT_E_KV_CONFIG, and the message hides the password', () => {
  for (const url of ['http://127.0.0.1:6379', 'not a url', '']) {
    assert.throws(() => redisBackend({ url }), (err: unknown) => err instanceof WaftError && err.code === 'WAFT_E_KV_CONFIG');
  }
  assert.throws(() => redisBackend({ url: 'redis://user:s3cret@host:6379', connectTimeoutMs: 0 }), (err: unknown) =>
    err instanceof WaftError && err.code === 'WAFT_E_KV_CONFIG' && !err.message.includes('s3cret'));
});

test('redis: a backend closed while an open waits for its connection refuses the store and leaves no client behind', async (t) => {
  const why = await redisUnreachable(REDIS_URL);
  if (why) return t.skip(why);
  const raw = new Redis(REDIS_URL);
  const clients = async () => Number(/connected_clients:(\d+)/.exec(await raw.info('clients'))![1]);
  try {
    const before = await clients();
    const backend = redisBackend({ url: REDIS_URL });
    const opening = backend.open('default', `kvt-closing-${process.pid}`);
    await backend.close();
    await assert.rejects(opening, (err: WaftError) => err.code === 'WAFT_E_KV_CLOSED');
    let now = await clients();
    for (let i = 0; i < 100 && now > before; i++) {
      await new Promise((r) => setTimeout(r, 20));
      now = await clients();
    }
    assert.equal(now, before, 'the connection the open made was closed');
  } finally {
    raw.disconnect();
  }
});
