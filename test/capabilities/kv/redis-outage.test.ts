// A private redis-server that the test kills and restarts on the same port. It runs without
// persistence (--save "" --appendonly no): what was written before the crash is gone after
// the restart, by design of this test; what is written after recovery must be intact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WaftError } from '../../../src/errors.ts';
import { redisBackend, type KvStore } from '../../../src/capabilities/kv/index.ts';
import { freePort, redisServerMissing, startRedisServer } from '../../support/servers.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** Polls until attempt() resolves; the deadline only guards against a hang. */
async function eventually<T>(attempt: () => Promise<T>, what: string, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${deadlineMs}ms; last error: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function isUnavailable(port: number) {
  return (err: unknown) => {
    assert.ok(err instanceof WaftError, String(err));
    assert.equal(err.code, 'WAFT_E_KV_UNAVAILABLE', err.message);
    assert.ok(err.message.startsWith(`key-value store "default" (redis at 127.0.0.1:${port}) is unavailable: `), err.message);
    return true;
  };
}

// Each call must fail instead of waiting: the command timeout is set far above the test's own
// timeout, so a call that hung until its timeout would fail the test rather than pass it.
const hangGuard = { timeout: 45_000 };
const commandTimeoutMs = 600_000;

test('redis outage: calls fail fast with WAFT_E_KV_UNAVAILABLE while the server is down, and recover by themselves', hangGuard, async (t) => {
  const missing = redisServerMissing();
  if (missing) return t.skip(missing);
  let server = await startRedisServer();
  const { port } = server;
  const backend = redisBackend({ url: server.url, commandTimeoutMs });
  try {
    const kv: KvStore = await backend.open('default', 'outage');
    await kv.set('before', bytes('written before the crash'));
    assert.equal(await kv.increment('count', 5n), 5n);

    await server.kill();
    await assert.rejects(kv.get('before'), isUnavailable(port));
    await assert.rejects(kv.set('during', bytes('x')), isUnavailable(port));
    await assert.rejects(kv.delete('before'), isUnavailable(port));
    await assert.rejects(kv.exists('before'), isUnavailable(port));
    await assert.rejects(kv.list(''), isUnavailable(port));
    await assert.rejects(kv.increment('count', 1n), isUnavailable(port));
    await assert.rejects(backend.open('default', 'outage'), isUnavailable(port));
    // Argument errors still win over the outage: they do not depend on the server.
    await assert.rejects(kv.get(''), (err: unknown) => err instanceof WaftError && err.code === 'WAFT_E_KV_BAD_KEY');

    server = await startRedisServer({ port });
    await eventually(() => kv.set('after', bytes('written after recovery')), 'a write after the restart');
    const big = new Uint8Array(64 * 1024).map((_, i) => i % 251);
    await kv.set('big', big);
    assert.equal(await kv.increment('count', 1n), 1n, 'the counter starts over: the server kept nothing');
    assert.equal(await kv.get('before'), null, 'no persistence: data from before the crash is gone');
    assert.equal(text(await kv.get('after')), 'written after recovery');
    assert.deepEqual(await kv.get('big'), big);
    assert.deepEqual((await kv.list('')).keys, ['after', 'big', 'count']);
    const reopened = await backend.open('default', 'outage');
    assert.equal(text(await reopened.get('after')), 'written after recovery');
    await reopened.close();
  } finally {
    await backend.close();
    await server.stop();
  }
});

test('redis outage: a backend made while the server is down connects once it comes up', hangGuard, async (t) => {
  const missing = redisServerMissing();
  if (missing) return t.skip(missing);
  const port = await freePort();
  const backend = redisBackend({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs });
  let server: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  try {
    await assert.rejects(backend.open('default', 'cold'), isUnavailable(port));
    server = await startRedisServer({ port });
    const kv = await eventually(() => backend.open('default', 'cold'), 'opening the store once the server is up');
    await kv.set('k', bytes('v'));
    assert.equal(text(await kv.get('k')), 'v');
  } finally {
    await backend.close();
    await server?.stop();
  }
});
