// An upload the server refuses before reading its body (here: a token without apps:write) must
// still let the client send the whole body and read the refusal. Closing the connection right
// after the reply made the client's next write fail with EPIPE, and `waft deploy` then said it
// could not reach the server. The client below writes the rest of its body only after the
// refusal has arrived, so the test does not depend on timing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ADMIN_TOKEN, call, startTestServer, type TestServer } from '../api/harness.ts';

describe('a refused upload', () => {
  let server: TestServer;
  let secret: string;
  before(async () => {
    server = await startTestServer('sqlite', { limits: { maxBundleBytes: 4 * 1024 * 1024 } }) as TestServer;
    assert.equal((await call(server.url, 'POST', '/api/v1/apps', { token: ADMIN_TOKEN, body: { name: 'hello' } })).status, 201);
    const token = await call(server.url, 'POST', '/api/v1/tokens', { token: ADMIN_TOKEN, body: { name: 'reader', scopes: ['apps:read'] } });
    assert.equal(token.status, 201, token.text);
    secret = token.body.secret;
  });
  after(() => server.stop());

  async function refusedPut(total: number): Promise<{ head: string; writeError: Error | null; closedEarly: boolean }> {
    const socket: Socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let received = '';
    let writeError: Error | null = null;
    let ended = false;
    socket.on('data', (c: Buffer) => { received += c.toString('latin1'); });
    socket.on('error', (err) => { writeError = err; });
    socket.on('end', () => { ended = true; });
    const chunk = Buffer.alloc(64 * 1024, 7);
    socket.write(`PUT /api/v1/apps/hello/blobs/${'a'.repeat(64)} HTTP/1.1\r\nHost: localhost\r\n`
      + `Authorization: Bearer ${secret}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${total}\r\n\r\n`);
    socket.write(chunk);
    while (!received.includes('\r\n\r\n') && !ended && !writeError) await new Promise((r) => setTimeout(r, 5));
    const head = received.slice(0, received.indexOf('\r\n'));
    let closedEarly = false;
    for (let sent = chunk.length; sent < total && !writeError; sent += chunk.length) {
      if (ended || socket.destroyed) {
        closedEarly = true;
        break;
      }
      const ok = socket.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
      if (!ok) await new Promise((r) => socket.once('drain', r).once('close', r));
      await new Promise((r) => setImmediate(r));
    }
    // Let a reset from the server, if any, arrive before judging.
    await new Promise<void>((resolve) => socket.end(() => resolve()));
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    return { head, writeError, closedEarly };
  }

  test('the client sends its whole body and reads the 403', async () => {
    const r = await refusedPut(2 * 1024 * 1024);
    assert.equal(r.head, 'HTTP/1.1 403 Forbidden');
    assert.equal(r.writeError, null, 'a write of the rest of the body failed');
    assert.equal(r.closedEarly, false, 'the server closed the connection before the body was sent');
  });

  test('past the largest body the API takes (--max-bundle-size), the server stops reading and closes', async () => {
    const r = await refusedPut(16 * 1024 * 1024);
    assert.equal(r.head, 'HTTP/1.1 403 Forbidden');
    assert.ok(r.closedEarly || r.writeError !== null, 'the server read a 16 MiB body past its 4 MiB limit');
  });
});
