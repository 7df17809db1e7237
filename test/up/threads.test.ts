// `waft up --threads N`: several threads serve one port, sharing the app's limits, its reloads,
// its log and its shutdown.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'undici';
import { startDevServer } from '../../src/host/dev-server.ts';
import { Logger } from '../../src/host/logger.ts';
import { cGuest, clangMissing } from '../support/guests.ts';
import { serveApp, until, writeApp } from '../support/app.ts';

const skip = clangMissing() ?? false;

function manifest(greeting: string, limits = ''): string {
  return `[app]\nname = "threads"\n\n[functions.hello]\nsource = "reply.wasm"\nroute = "/hello"\nenvironment = { GREETING = "${greeting}" }\n${limits}`;
}

function replyApp(greeting: string, limits = ''): string {
  return writeApp({ 'waft.toml': manifest(greeting, limits), 'reply.wasm': { copy: cGuest('wagi_reply')! } });
}

/** One request on a connection of its own, so that the kernel picks a thread for each. */
async function fresh(url: string, path: string): Promise<{ status: number; text: string }> {
  const client = new Client(url);
  try {
    const r = await client.request({ method: 'GET', path });
    return { status: r.statusCode, text: await r.body.text() };
  } finally {
    await client.close();
  }
}

function spread(url: string, path: string, n: number) {
  return Promise.all(Array.from({ length: n }, () => fresh(url, path)));
}

describe('waft up --threads', { skip }, () => {
  test('the threads share the port, and the log has every thread\'s requests', async () => {
    const app = await serveApp(replyApp('hi'), { threads: 2 });
    try {
      assert.match(app.logs(), /serving "threads" at http:\/\/127\.0\.0\.1:\d+ on 2 threads/);
      const replies = await spread(app.url, '/hello', 24);
      assert.deepEqual(new Set(replies.map((r) => `${r.status} ${r.text}`)), new Set(['200 hi\n']));
      const served = app.dev.served();
      assert.equal(served.length, 2);
      assert.equal(served[0]! + served[1]!, 24);
      assert.ok(served.every((n) => n > 0), `a thread served nothing: ${served.join(', ')}`);
      await until(async () => (app.logs().match(/Completed 200 OK/g) ?? []).length === 24);
      const ids = new Set([...app.logs().matchAll(/\[(\w+)\] Completed 200/g)].map((m) => m[1]));
      assert.equal(ids.size, 24, 'each request has its own id, whichever thread served it');
    } finally {
      await app.close();
    }
  });

  test('a function\'s concurrency and queue limits hold across the threads', async () => {
    const app = await serveApp(replyApp('hi', '[functions.hello.limits]\nconcurrency = 1\nqueue = 1\n'), { threads: 2 });
    try {
      const held = fresh(app.url, '/hello?sleep=700');
      await until(async () => app.dev.inFlight === 1);
      const others = await spread(app.url, '/hello', 8);
      const codes = others.map((r) => r.status).sort();
      assert.deepEqual(codes, [200, 503, 503, 503, 503, 503, 503, 503], 'one waits in the queue and then runs; the rest are refused');
      assert.equal((await held).text, 'slept 700 ms\n');
      for (let i = 0; i < 6; i++) assert.equal((await fresh(app.url, '/hello')).status, 200, 'the slot came back');
    } finally {
      await app.close();
    }
  });

  test('a reload reaches every thread', async () => {
    const app = await serveApp(replyApp('before'), { threads: 2, watch: true });
    try {
      assert.deepEqual(new Set((await spread(app.url, '/hello', 8)).map((r) => r.text)), new Set(['before\n']));
      const reloaded = new Promise<Error | null>((resolve) => app.dev.onReload(resolve));
      writeFileSync(join(app.dir, 'waft.toml'), manifest('after'));
      assert.equal(await reloaded, null);
      const before = app.dev.served();
      assert.deepEqual(new Set((await spread(app.url, '/hello', 24)).map((r) => r.text)), new Set(['after\n']));
      const after = app.dev.served();
      assert.ok(after.every((n, i) => n > before[i]!), `a thread served nothing after the reload: ${before} → ${after}`);
    } finally {
      await app.close();
    }
  });

  test('stopping lets the requests in flight on every thread finish', async () => {
    const app = await serveApp(replyApp('hi'), { threads: 2 });
    const slow = spread(app.url, '/hello?sleep=400', 12);
    await until(async () => app.dev.inFlight === 12);
    assert.equal(await app.dev.stop(5000), true);
    const replies = await slow;
    assert.deepEqual(new Set(replies.map((r) => `${r.status} ${r.text}`)), new Set(['200 slept 400 ms\n']));
    assert.equal(app.dev.inFlight, 0);
    await app.close();
  });

  test('a port another server listens on is refused, even though the threads share theirs', async () => {
    const other = createServer();
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    const port = (other.address() as { port: number }).port;
    try {
      await assert.rejects(
        startDevServer({ manifest: replyApp('hi'), host: '127.0.0.1', port, logger: new Logger('plain', { write() {} }), threads: 2 }),
        (err: { code: string; message: string }) => err.code === 'WAFT_E_USAGE' && err.message.includes(`cannot listen on 127.0.0.1:${port}: the address is in use`),
      );
    } finally {
      other.close();
    }
  });
});
