// A Redis outage seen from a guest: a private redis-server (no persistence) behind `waft up`
// is killed mid-test and started again on the same port. While it is down, kv calls return
// UNAVAILABLE at once and the C guest answers 503 with the host's message; once it is back,
// calls recover by themselves and every increment counts exactly once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { cGuest, clangMissing } from '../../support/guests.ts';
import { serveApp, writeApp } from '../../support/app.ts';
import { redisServerMissing, startRedisServer, type RedisServer } from '../../support/servers.ts';

async function count(url: string): Promise<{ status: number; text: string }> {
  const r = await request(`${url}/count`);
  return { status: r.statusCode, text: await r.body.text() };
}

test('redis outage: the guest answers 503 with a clear message while Redis is down, and counts again once it is back', { timeout: 60_000 }, async (t) => {
  const missing = clangMissing() ?? redisServerMissing();
  if (missing) return t.skip(missing);
  let server: RedisServer = await startRedisServer();
  const { port } = server;
  const dir = writeApp({
    'waft.toml': `[app]
name = "outage"

[functions.count]
source = "counter.wasm"
route = "/count"
key_value_stores = ["default"]
`,
    'counter.wasm': { copy: cGuest('cap_counter')! },
    'runtime.toml': `[key_value_store.default]\ntype = "redis"\nurl = "${server.url}"\n`,
  });
  const app = await serveApp(dir, { runtimeConfig: join(dir, 'runtime.toml'), sandbox: { minWorkers: 2 } });
  try {
    for (let i = 1; i <= 4; i++) assert.deepEqual(await count(app.url), { status: 200, text: `hits ${i}\n` });

    await server.kill();
    // Every worker: some have the store open, some would open it now. Both fail the same way.
    const down = await Promise.all(Array.from({ length: 6 }, () => count(app.url)));
    for (const r of down) {
      assert.equal(r.status, 503, r.text);
      assert.match(r.text, new RegExp(`^kv_(open|increment) failed with status 4: key-value store "default" \\(redis at 127\\.0\\.0\\.1:${port}\\) is unavailable: .+ \\[WAFT_E_KV_UNAVAILABLE\\]\\n$`));
    }
    assert.match(app.logs(), /Completed 503 Service Unavailable/);

    server = await startRedisServer({ port });
    // Each worker's backend reconnects by itself, each on its own schedule (the server kept
    // nothing). Send batches that spread over the workers until one batch gets through whole;
    // a request refused while its worker reconnects must not have counted.
    const deadline = Date.now() + 30_000;
    const hits: number[] = [];
    for (;;) {
      const batch = await Promise.all(Array.from({ length: 6 }, () => count(app.url)));
      for (const r of batch) {
        if (r.status === 200) hits.push(Number(/^hits (\d+)\n$/.exec(r.text)![1]));
        else assert.equal(r.status, 503, r.text);
      }
      if (batch.every((r) => r.status === 200)) break;
      assert.ok(Date.now() < deadline, 'every worker reconnected within 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 10; i++) {
      const r = await count(app.url);
      assert.equal(r.status, 200, r.text);
      hits.push(Number(/^hits (\d+)\n$/.exec(r.text)![1]));
    }
    hits.sort((a, b) => a - b);
    assert.deepEqual(hits, Array.from({ length: hits.length }, (_, i) => i + 1), 'every increment after recovery counted exactly once, and none that was refused');
  } finally {
    await app.close();
    await server.stop();
  }
});
