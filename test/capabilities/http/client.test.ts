import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { WaftError } from '../../../src/errors.ts';
import type { ErrorCode } from '../../../src/errors.ts';
import { OutboundHttp } from '../../../src/capabilities/http/client.ts';
import type { OutboundOptions, OutboundRequest } from '../../../src/capabilities/http/client.ts';
import { closedPort, readAll, startServer } from './servers.ts';
import type { TestServer } from './servers.ts';

const MiB = 1024 * 1024;

// Everything a test opens is closed after the file, even when an assertion failed half-way.
const opened: { close(): Promise<void> }[] = [];

function client(allowed: string[], extra: Partial<OutboundOptions> = {}): OutboundHttp {
  const http = new OutboundHttp({ allowed, maxRequestBody: MiB, maxResponseBody: 8 * MiB, timeoutMs: 5000, ...extra });
  opened.push(http);
  return http;
}

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  opened.push(s);
  return s;
}

function get(url: string, headers: [string, string][] = []): OutboundRequest {
  return { method: 'GET', url, headers, body: null };
}

/** Await the promise and check it fails with this WaftError code; returns the error. */
async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<WaftError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof WaftError, `expected a WaftError, got ${err instanceof Error ? err.stack : err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

/** Lookup that answers from a table and records what it was asked. */
function tableLookup(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup = async (hostname: string) => {
    asked.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return { lookup, asked };
}

/** Counts every outgoing TCP socket Node creates while `fn` runs. */
async function countClientSockets(fn: () => Promise<void>): Promise<number> {
  let n = 0;
  const onSocket = () => { n++; };
  subscribe('net.client.socket', onSocket);
  try {
    await fn();
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
  return n;
}

let echo: TestServer;
let seenHeaders: Record<string, string | string[] | undefined>[] = [];

before(async () => {
  echo = await startServer((req, res) => {
    seenHeaders.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.method} ${req.url} ${body.length} ${createHash('sha256').update(body).digest('hex')}`);
    });
  });
});

after(async () => {
  for (const thing of opened.reverse()) await thing.close();
  await echo.close();
});

describe('deny by default', () => {
  test('nothing is allowed when allowed_outbound_hosts is empty', async () => {
    const { lookup, asked } = tableLookup({});
    const http = client([], { lookup });
    const before = echo.connections;
    const err = await rejectsWith(http.fetch(get(`${echo.origin}/`)), 'WAFT_E_HTTP_DENIED');
    assert.equal(err.message, `outbound request to ${echo.origin}/ denied: add "${echo.origin}" to allowed_outbound_hosts`);
    assert.equal(echo.connections, before);
    assert.deepEqual(asked, []);
    await http.close();
  });

  test('the denial names the grant to add and the manifest key', async () => {
    const { lookup, asked } = tableLookup({});
    const http = client(['https://good.test'], { lookup });
    const err = await rejectsWith(http.fetch(get('https://evil.test/')), 'WAFT_E_HTTP_DENIED');
    assert.equal(err.message, 'outbound request to https://evil.test/ denied: add "https://evil.test" to allowed_outbound_hosts');
    assert.deepEqual(err.details, { url: 'https://evil.test/', key: 'allowed_outbound_hosts' });
    assert.deepEqual(asked, [], 'a URL without a grant is never even resolved');
    const withPort = await rejectsWith(http.fetch(get('http://evil.test:8080/a')), 'WAFT_E_HTTP_DENIED');
    assert.match(withPort.message, /add "http:\/\/evil\.test:8080" to allowed_outbound_hosts$/);
    await http.close();
  });

  test('a query string (which may hold a secret) never appears in the denial', async () => {
    const http = client([]);
    const err = await rejectsWith(http.fetch(get('https://evil.test/p?token=s3cr3t#frag')), 'WAFT_E_HTTP_DENIED');
    assert.doesNotMatch(err.message + JSON.stringify(err.details), /s3cr3t|frag/);
    await http.close();
  });

  test('the granted origin is reached; another port, scheme or path of the same host is not', async () => {
    const http = client([echo.origin]);
    const res = await http.fetch(get(`${echo.origin}/hello?x=1`));
    assert.equal(res.status, 200);
    assert.match((await readAll(res.body)).toString(), /^GET \/hello\?x=1 0 /);
    const other = await closedPort();
    await rejectsWith(http.fetch(get(`http://127.0.0.1:${other}/`)), 'WAFT_E_HTTP_DENIED');
    await rejectsWith(http.fetch(get(`https://127.0.0.1:${echo.port}/`)), 'WAFT_E_HTTP_DENIED');
    await http.close();
  });

  test('"http://localhost:PORT" is allowed by a grant that names localhost', async () => {
    // The system resolver answers localhost from /etc/hosts; it may give ::1 first, where nothing
    // listens, and the client then tries the next checked address.
    const http = client([`http://localhost:${echo.port}`]);
    const res = await http.fetch(get(`http://localhost:${echo.port}/via-localhost`));
    assert.equal(res.status, 200);
    assert.match((await readAll(res.body)).toString(), /^GET \/via-localhost /);
    await http.close();
  });

  test('an exact hostname grant reaches the address the lookup checked, not one the system resolver picks', async () => {
    // No DNS here: only the injected lookup knows svc.test, so a 200 proves the connection went
    // to the checked address.
    const { lookup, asked } = tableLookup({ 'svc.test': ['127.0.0.1'] });
    const http = client([`http://svc.test:${echo.port}`], { lookup });
    seenHeaders = [];
    const res = await http.fetch(get(`http://svc.test:${echo.port}/svc`));
    assert.equal(res.status, 200);
    await readAll(res.body);
    assert.equal(seenHeaders[0].host, `svc.test:${echo.port}`);
    assert.ok(asked.length >= 2, 'resolved before queuing and again at connect time');
    await http.close();
  });
});

describe('SSRF attempts through wildcard grants are denied', () => {
  const everything = ['*://*:*'];

  async function denied(url: string, lookupTable: Record<string, string[]> = {}, allowed = everything): Promise<WaftError> {
    const { lookup } = tableLookup(lookupTable);
    const http = client(allowed, { lookup });
    const before = echo.connections;
    let err!: WaftError;
    const sockets = await countClientSockets(async () => {
      err = await rejectsWith(http.fetch(get(url)), 'WAFT_E_HTTP_DENIED');
    });
    assert.equal(sockets, 0, 'no socket was opened');
    assert.equal(echo.connections, before, 'the server saw no connection');
    assert.equal(err.details?.key, 'allowed_outbound_hosts');
    await http.close();
    return err;
  }

  test('127.0.0.1', async () => {
    const err = await denied(`http://127.0.0.1:${echo.port}/`);
    assert.equal(err.details?.category, 'loopback');
    assert.match(err.message, /127\.0\.0\.1 is a loopback address; the matching entry "\*:\/\/\*:\*" is a wildcard/);
  });

  test('localhost (resolved by the system resolver)', async () => {
    const http = client(everything);
    const err = await rejectsWith(http.fetch(get(`http://localhost:${echo.port}/`)), 'WAFT_E_HTTP_DENIED');
    assert.match(err.message, /localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    await http.close();
  });

  test('169.254.169.254 (cloud metadata)', async () => {
    const err = await denied('http://169.254.169.254/latest/meta-data/');
    assert.equal(err.details?.category, 'link-local');
  });

  test('169.254.169.254 through a hostname, even when the grant names that hostname exactly', async () => {
    const err = await denied('http://metadata.test/computeMetadata/v1/', { 'metadata.test': ['169.254.169.254'] }, ['http://metadata.test']);
    assert.match(err.message, /names the IP address itself \(e\.g\. "http:\/\/169\.254\.169\.254"\)/);
  });

  test('internal.test resolving to 127.0.0.1', async () => {
    const err = await denied(`http://internal.test:${echo.port}/`, { 'internal.test': ['127.0.0.1'] });
    assert.match(err.message, /internal\.test resolves to 127\.0\.0\.1, a loopback address/);
  });

  test('internal.test resolving to 10.0.0.1 is refused before any connection', async () => {
    const err = await denied('http://internal.test/', { 'internal.test': ['10.0.0.1'] }, ['http://*.test']);
    assert.equal(err.details?.address, '10.0.0.1');
    assert.equal(err.details?.category, 'private');
    assert.match(err.message, /add|names the host exactly \(e\.g\. "http:\/\/internal\.test"\)/);
  });

  test('internal.test resolving to 192.168.1.10', async () => {
    const err = await denied('http://internal.test/', { 'internal.test': ['192.168.1.10'] }, ['http://*.test']);
    assert.equal(err.details?.category, 'private');
  });

  test('a name whose answers mix a public and a private address', async () => {
    const err = await denied('http://mixed.test/', { 'mixed.test': ['93.184.215.14', '10.1.2.3'] });
    assert.equal(err.details?.address, '10.1.2.3');
  });

  test('a name resolving to an IPv4-mapped IPv6 loopback', async () => {
    const err = await denied('http://mapped.test/', { 'mapped.test': ['::ffff:127.0.0.1'] });
    assert.equal(err.details?.category, 'loopback');
  });

  const literals: [string, string][] = [
    ['decimal', 'http://2130706433:PORT/'],
    ['hex', 'http://0x7f.1:PORT/'],
    ['hex dotted', 'http://0x7f.0x0.0x0.0x1:PORT/'],
    ['octal', 'http://0177.0.0.1:PORT/'],
    ['short form', 'http://127.1:PORT/'],
    ['zero', 'http://0:PORT/'],
    ['all zeros', 'http://0.0.0.0:PORT/'],
    ['IPv6 loopback', 'http://[::1]:PORT/'],
    ['long IPv6 loopback', 'http://[0:0:0:0:0:0:0:1]:PORT/'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]:PORT/'],
    ['IPv4-mapped IPv6 in hex', 'http://[::ffff:7f00:1]:PORT/'],
    ['IPv4-mapped metadata address', 'http://[::ffff:169.254.169.254]/'],
    ['NAT64 of loopback', 'http://[64:ff9b::127.0.0.1]:PORT/'],
    ['6to4 of loopback', 'http://[2002:7f00:1::1]:PORT/'],
    ['upper-case hex', 'http://0X7F000001:PORT/'],
    ['trailing dot', 'http://127.0.0.1.:PORT/'],
  ];
  for (const [name, template] of literals) {
    test(`IP literal in odd form: ${name} (${template.replace(':PORT', '')})`, async () => {
      const url = template.replace('PORT', String(echo.port));
      await denied(url);
    });
  }

  test('DNS rebinding: public when first checked, 127.0.0.1 at connect time', async () => {
    const answers = ['93.184.215.14', '127.0.0.1'];
    const asked: string[] = [];
    const http = client(everything, {
      lookup: async (hostname) => {
        asked.push(hostname);
        const address = answers[Math.min(asked.length - 1, answers.length - 1)];
        return [{ address, family: 4 }];
      },
    });
    const connectErrors: unknown[] = [];
    const onConnectError = (message: unknown) => connectErrors.push((message as { error: unknown }).error);
    subscribe('undici:client:connectError', onConnectError);
    const before = echo.connections;
    let err!: WaftError;
    const sockets = await countClientSockets(async () => {
      err = await rejectsWith(http.fetch(get(`http://rebind.test:${echo.port}/`)), 'WAFT_E_HTTP_DENIED');
    });
    unsubscribe('undici:client:connectError', onConnectError);
    assert.deepEqual(asked, ['rebind.test', 'rebind.test'], 'checked once before queuing, once at connect');
    assert.equal(connectErrors.length, 1, 'the refusal came from the connect step');
    assert.equal(connectErrors[0], err);
    assert.match(err.message, /rebind\.test resolves to 127\.0\.0\.1, a loopback address/);
    assert.equal(sockets, 0, 'no socket was opened');
    assert.equal(echo.connections, before);
    await http.close();
  });

  test('a wildcard subdomain grant does not unlock loopback, the exact grant does', async () => {
    const table = { 'api.internal.test': ['127.0.0.1'] };
    await denied(`http://api.internal.test:${echo.port}/`, table, [`http://*.internal.test:${echo.port}`]);
    const { lookup } = tableLookup(table);
    const http = client([`http://*.internal.test:${echo.port}`, `http://api.internal.test:${echo.port}`], { lookup });
    const res = await http.fetch(get(`http://api.internal.test:${echo.port}/ok`));
    assert.equal(res.status, 200);
    await readAll(res.body);
    await http.close();
  });
});

describe('a host that never lets functions reach private addresses (waft server)', () => {
  test('an exact grant of a loopback address is refused when privateAddresses is false', async () => {
    const http = client([echo.origin], { privateAddresses: false });
    const err = await rejectsWith(http.fetch(get(`${echo.origin}/`)), 'WAFT_E_HTTP_DENIED');
    assert.match(err.message, /127\.0\.0\.1 is a loopback address; this host does not let functions reach loopback addresses \(an operator can allow it: waft server --allow-private-outbound\)/);
    await http.close();
  });

  test('an exact hostname resolving to a private address is refused too', async () => {
    const { lookup } = tableLookup({ 'db.internal.test': ['10.0.0.5'] });
    const http = client(['http://db.internal.test:5432'], { privateAddresses: false, lookup });
    const err = await rejectsWith(http.fetch(get('http://db.internal.test:5432/')), 'WAFT_E_HTTP_DENIED');
    assert.match(err.message, /resolves to 10\.0\.0\.5, a private address; this host does not let functions reach private addresses/);
    await http.close();
  });
});

describe('request and response bodies', () => {
  test('a request body is sent and arrives whole', async () => {
    const http = client([echo.origin]);
    const body = new Uint8Array(300 * 1024).map((_, i) => i % 251);
    const res = await http.fetch({ method: 'POST', url: `${echo.origin}/up`, headers: [['content-type', 'application/octet-stream']], body });
    const text = (await readAll(res.body)).toString();
    assert.equal(text, `POST /up ${body.length} ${createHash('sha256').update(body).digest('hex')}`);
    await http.close();
  });

  test('a streamed request body is sent and arrives whole', async () => {
    const http = client([echo.origin]);
    const hash = createHash('sha256');
    async function* chunks() {
      for (let i = 0; i < 8; i++) {
        const chunk = new Uint8Array(64 * 1024).fill(i);
        hash.update(chunk);
        yield chunk;
      }
    }
    const res = await http.fetch({ method: 'PUT', url: `${echo.origin}/stream`, headers: [], body: chunks() });
    const text = (await readAll(res.body)).toString();
    assert.equal(text, `PUT /stream ${8 * 64 * 1024} ${hash.digest('hex')}`);
    await http.close();
  });

  test('a request body over the cap is refused before connecting', async () => {
    const http = client([echo.origin], { maxRequestBody: 1000 });
    const before = echo.connections;
    const err = await rejectsWith(http.fetch({ method: 'POST', url: `${echo.origin}/`, headers: [], body: new Uint8Array(1001) }), 'WAFT_E_HTTP_BODY_TOO_LARGE');
    assert.match(err.message, /the request body is larger than the 1000-byte limit/);
    assert.equal(echo.connections, before);
    await http.close();
  });

  test('a streamed request body over the cap stops before it is all sent', async () => {
    let received = 0;
    let requestEnded = false;
    const sink = await server((req, res) => {
      req.on('data', (c: Buffer) => { received += c.length; });
      req.on('end', () => { requestEnded = true; res.end('ok'); });
      req.on('error', () => {});
    });
    const http = client([sink.origin], { maxRequestBody: 100 * 1024 });
    let pulled = 0;
    async function* chunks() {
      for (let i = 0; i < 20; i++) {
        pulled++;
        yield new Uint8Array(64 * 1024);
      }
    }
    await rejectsWith(http.fetch({ method: 'POST', url: `${sink.origin}/`, headers: [], body: chunks() }), 'WAFT_E_HTTP_BODY_TOO_LARGE');
    assert.equal(pulled, 2, 'the second chunk crossed the cap; nothing after it was read');
    assert.ok(received <= 100 * 1024, `the server got ${received} bytes, no more than the cap`);
    assert.equal(requestEnded, false, 'the server never saw a complete request');
    await http.close();
    await sink.close();
  });

  test('a Content-Length over the cap is refused before the stream is read', async () => {
    const http = client([echo.origin], { maxRequestBody: 1000 });
    let pulled = 0;
    async function* chunks() { pulled++; yield new Uint8Array(10); }
    await rejectsWith(http.fetch({ method: 'POST', url: `${echo.origin}/`, headers: [['Content-Length', '5000']], body: chunks() }), 'WAFT_E_HTTP_BODY_TOO_LARGE');
    assert.equal(pulled, 0);
    await http.close();
  });

  async function bigServer(size: number, withLength: boolean): Promise<TestServer & { hash: string }> {
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7) % 256;
    const hash = createHash('sha256');
    for (let sent = 0; sent < size; sent += chunk.length) hash.update(chunk.subarray(0, Math.min(chunk.length, size - sent)));
    const srv = await server((_req, res) => {
      if (withLength) res.setHeader('content-length', size);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => {});
      pump();
    });
    return Object.assign(srv, { hash: hash.digest('hex') });
  }

  test('a streamed 5 MB response arrives whole, in pieces', async () => {
    const big = await bigServer(5 * MiB, false);
    const http = client([big.origin], { maxResponseBody: 8 * MiB });
    const res = await http.fetch(get(`${big.origin}/big`));
    assert.equal(res.status, 200);
    const hash = createHash('sha256');
    let total = 0;
    let pieces = 0;
    for await (const piece of res.body) {
      hash.update(piece);
      total += piece.byteLength;
      pieces++;
    }
    assert.equal(total, 5 * MiB);
    assert.equal(hash.digest('hex'), big.hash);
    assert.ok(pieces > 1, 'streamed, not buffered into one piece');
    await http.close();
    await big.close();
  });

  test('a response over the cap errors the stream after at most the cap', async () => {
    const big = await bigServer(5 * MiB, false);
    const http = client([big.origin], { maxResponseBody: MiB });
    const res = await http.fetch(get(`${big.origin}/big`));
    assert.equal(res.status, 200);
    let total = 0;
    const err = await rejectsWith((async () => { for await (const piece of res.body) total += piece.byteLength; })(), 'WAFT_E_HTTP_BODY_TOO_LARGE');
    assert.match(err.message, /outbound response from http:\/\/127\.0\.0\.1:\d+\/big is larger than the 1048576-byte limit/);
    assert.ok(total <= MiB, `got ${total} bytes`);
    await http.close();
    await big.close();
  });

  test('a response whose Content-Length is over the cap errors on the first read', async () => {
    const big = await bigServer(2 * MiB, true);
    const http = client([big.origin], { maxResponseBody: MiB });
    const res = await http.fetch(get(`${big.origin}/big`));
    let total = 0;
    await rejectsWith((async () => { for await (const piece of res.body) total += piece.byteLength; })(), 'WAFT_E_HTTP_BODY_TOO_LARGE');
    assert.equal(total, 0);
    await http.close();
    await big.close();
  });
});

describe('timeouts and failures', () => {
  test('a server that never answers: WAFT_E_HTTP_TIMEOUT', async () => {
    const silent = await server(() => { /* never answers */ });
    const http = client([silent.origin], { timeoutMs: 200 });
    const err = await rejectsWith(http.fetch(get(`${silent.origin}/`)), 'WAFT_E_HTTP_TIMEOUT');
    assert.match(err.message, /^outbound request to http:\/\/127\.0\.0\.1:\d+\/ timed out/);
    await http.close();
    await silent.close();
  });

  test('a server that stops in the middle of the body: the stream errors with WAFT_E_HTTP_TIMEOUT', async () => {
    const stalls = await server((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only the first part');
    });
    const http = client([stalls.origin], { timeoutMs: 200 });
    const res = await http.fetch(get(`${stalls.origin}/`));
    assert.equal(res.status, 200);
    await rejectsWith(readAll(res.body), 'WAFT_E_HTTP_TIMEOUT');
    await http.close();
    await stalls.close();
  });

  test('the caller\'s abort signal ends the request with its own reason', async () => {
    const silent = await server(() => {});
    const http = client([silent.origin]);
    const ac = new AbortController();
    const pending = http.fetch(get(`${silent.origin}/`), ac.signal);
    const reason = new Error('guest went away');
    silent.server.once('request', () => ac.abort(reason));
    await assert.rejects(pending, (err) => err === reason);
    await http.close();
    await silent.close();
  });

  test('connection refused: WAFT_E_HTTP_UNREACHABLE naming the host', async () => {
    const port = await closedPort();
    const http = client([`http://127.0.0.1:${port}`]);
    const err = await rejectsWith(http.fetch(get(`http://127.0.0.1:${port}/x`)), 'WAFT_E_HTTP_UNREACHABLE');
    assert.equal(err.message, `outbound request to http://127.0.0.1:${port}/x failed: cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`);
    assert.equal(err.details?.host, `127.0.0.1:${port}`);
    await http.close();
  });

  test('a name that does not resolve: WAFT_E_HTTP_UNREACHABLE naming the host', async () => {
    const { lookup } = tableLookup({});
    const http = client(['https://nowhere.test'], { lookup });
    const err = await rejectsWith(http.fetch(get('https://nowhere.test/')), 'WAFT_E_HTTP_UNREACHABLE');
    assert.equal(err.message, 'outbound request to https://nowhere.test/ failed: cannot resolve nowhere.test (ENOTFOUND)');
    await http.close();
  });

  test('bad requests: not http(s), user:password in the URL, CONNECT, a bad header', async () => {
    const http = client(['*://*:*']);
    await rejectsWith(http.fetch(get('ftp://example.test/')), 'WAFT_E_HTTP_INVALID_REQUEST');
    await rejectsWith(http.fetch(get('not a url')), 'WAFT_E_HTTP_INVALID_REQUEST');
    const creds = await rejectsWith(http.fetch(get(`http://user:hunter2@127.0.0.1:${echo.port}/`)), 'WAFT_E_HTTP_INVALID_REQUEST');
    assert.doesNotMatch(creds.message, /hunter2/);
    await rejectsWith(http.fetch({ method: 'CONNECT', url: `${echo.origin}/`, headers: [], body: null }), 'WAFT_E_HTTP_INVALID_REQUEST');
    await rejectsWith(http.fetch({ method: 'GE T', url: `${echo.origin}/`, headers: [], body: null }), 'WAFT_E_HTTP_INVALID_REQUEST');
    const granted = client([echo.origin]);
    await rejectsWith(granted.fetch(get(`${echo.origin}/`, [['bad header', 'x']])), 'WAFT_E_HTTP_INVALID_REQUEST');
    await rejectsWith(granted.fetch(get(`${echo.origin}/`, [['x-ok', 'line\r\nbreak']])), 'WAFT_E_HTTP_INVALID_REQUEST');
    await http.close();
    await granted.close();
  });

  test('after close(), fetch fails with WAFT_E_HTTP_CLOSED', async () => {
    const http = client([echo.origin]);
    await http.close();
    await rejectsWith(http.fetch(get(`${echo.origin}/`)), 'WAFT_E_HTTP_CLOSED');
  });
});

describe('headers, redirects and pooling', () => {
  test('hop-by-hop request headers and Host are not sent', async () => {
    const http = client([echo.origin]);
    seenHeaders = [];
    const res = await http.fetch(get(`${echo.origin}/h`, [
      ['Connection', 'x-conn-only'],
      ['X-Conn-Only', '1'],
      ['Keep-Alive', 'timeout=99'],
      ['Upgrade', 'websocket'],
      ['TE', 'trailers'],
      ['Trailer', 'x-t'],
      ['Transfer-Encoding', 'chunked'],
      ['Proxy-Authorization', 'Basic eDp5'],
      ['Proxy-Connection', 'keep-alive'],
      ['Host', 'internal.admin'],
      ['X-End-To-End', 'kept'],
    ]));
    await readAll(res.body);
    const seen = seenHeaders[0];
    for (const name of ['x-conn-only', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-connection', 'transfer-encoding']) {
      assert.equal(seen[name], undefined, name);
    }
    assert.notEqual(seen['keep-alive'], 'timeout=99');
    assert.equal(seen.host, `127.0.0.1:${echo.port}`);
    assert.equal(seen['x-end-to-end'], 'kept');
    await http.close();
  });

  test('hop-by-hop response headers are not passed to the guest; repeated headers are', async () => {
    const srv = await server((_req, res) => {
      res.setHeader('Connection', 'keep-alive, x-hop');
      res.setHeader('Keep-Alive', 'timeout=5');
      res.setHeader('X-Hop', 'secret-of-the-connection');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('Upgrade', 'h2c');
      res.end('body'); // chunked: Transfer-Encoding is set by node
    });
    const http = client([srv.origin]);
    const res = await http.fetch(get(`${srv.origin}/`));
    assert.equal((await readAll(res.body)).toString(), 'body');
    const names = res.headers.map(([n]) => n);
    for (const hop of ['connection', 'keep-alive', 'x-hop', 'transfer-encoding', 'upgrade']) assert.ok(!names.includes(hop), hop);
    assert.deepEqual(res.headers.filter(([n]) => n === 'set-cookie'), [['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
    await http.close();
    await srv.close();
  });

  test('redirects are returned to the guest, not followed', async () => {
    const target = await server((_req, res) => res.end('should not be reached'));
    const redirecting = await server((_req, res) => {
      res.writeHead(302, { location: `${target.origin}/` });
      res.end();
    });
    const http = client([redirecting.origin, target.origin]);
    const res = await http.fetch(get(`${redirecting.origin}/`));
    assert.equal(res.status, 302);
    assert.deepEqual(res.headers.find(([n]) => n === 'location'), ['location', `${target.origin}/`]);
    await readAll(res.body);
    assert.equal(target.connections, 0);
    await http.close();
    await redirecting.close();
    await target.close();
  });

  test('keep-alive: sequential requests reuse one pooled connection', async () => {
    const srv = await server((_req, res) => res.end('pooled'));
    const http = client([srv.origin]);
    for (let i = 0; i < 5; i++) {
      const res = await http.fetch(get(`${srv.origin}/${i}`));
      assert.equal((await readAll(res.body)).toString(), 'pooled');
    }
    assert.equal(srv.connections, 1);
    await http.close();
    await srv.close();
  });

  test('a response body the guest stops reading early does not poison the pool', async () => {
    const big = await server((req, res) => {
      if (req.url === '/big') res.end(Buffer.alloc(2 * MiB));
      else res.end('small');
    });
    const http = client([big.origin]);
    const res = await http.fetch(get(`${big.origin}/big`));
    for await (const _piece of res.body) break; // stops after the first piece
    const next = await http.fetch(get(`${big.origin}/small`));
    assert.equal((await readAll(next.body)).toString(), 'small');
    await http.close();
    await big.close();
  });

  test('close() closes the pooled connections', async () => {
    const srv = await server((_req, res) => res.end('done'));
    let socketClosed!: Promise<void>;
    srv.server.once('connection', (socket) => {
      socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    });
    const http = client([srv.origin]);
    const res = await http.fetch(get(`${srv.origin}/`));
    assert.equal((await readAll(res.body)).toString(), 'done');
    await http.close();
    await socketClosed; // the idle keep-alive connection is closed by close(), not left to time out
    await srv.close();
  });
});

describe('TLS', () => {
  test('https to a checked address sends the host name as SNI and verifies the certificate', async (t) => {
    let openssl = true;
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      openssl = false;
    }
    if (!openssl) return t.skip('openssl is missing: install it (Debian: apt-get install openssl) to make a test certificate');
    const dir = mkdtempSync(join(tmpdir(), 'waft-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=secure.test', '-addext', 'subjectAltName=DNS:secure.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const key = readFileSync(join(dir, 'key.pem'));
    const cert = readFileSync(join(dir, 'cert.pem'));
    const sniSeen: string[] = [];
    const server = createHttpsServer({
      key,
      cert,
      SNICallback: (servername, cb) => {
        sniSeen.push(servername);
        cb(null, createSecureContext({ key, cert }));
      },
    }, (_req, res) => res.end('secure'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;

    const { lookup } = tableLookup({ 'secure.test': ['127.0.0.1'] });
    const http = client([`https://secure.test:${port}`], { lookup });
    // The certificate is self-signed, so verification must refuse it: proof that it is checked
    // against the host name although the connection went to the checked IP.
    const err = await rejectsWith(http.fetch(get(`https://secure.test:${port}/`)), 'WAFT_E_HTTP_UNREACHABLE');
    assert.match(err.message, /self[- ]signed/i);
    assert.deepEqual(sniSeen, ['secure.test']);
  });
});
