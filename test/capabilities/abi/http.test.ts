// Outbound HTTP from a real C guest through the guest ABI: granted requests reach a real
// node:http server on loopback; ungranted ones and SSRF attempts are DENIED with one log line.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Sandbox } from '../../../src/sandbox/pool.ts';
import type { CompiledModule } from '../../../src/wasm/cache.ts';
import { clangMissing } from '../../support/guests.ts';
import { startServer, type TestServer } from '../http/servers.ts';
import { capabilitySandbox, cModule, makeGrant, runScript } from './support.ts';

const skip = clangMissing();

describe('guest ABI outbound HTTP', { skip: skip ?? false }, () => {
  let sandbox: Sandbox;
  let script: CompiledModule;
  let server: TestServer;
  const held: ServerResponse[] = [];
  let arrivals = 0;
  let releaseAt = Infinity;

  before(async () => {
    sandbox = capabilitySandbox({ minWorkers: 1, maxWorkers: 1 });
    script = (await cModule('cap_script'))!;
    server = await startServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname === '/never') return; // no answer at all
        if (url.pathname === '/big') return void res.end('x'.repeat(5000));
        if (url.pathname === '/gather') {
          // Answers no one until `releaseAt` requests are waiting at once.
          held.push(res);
          if (++arrivals >= releaseAt) for (const r of held.splice(0)) r.end('released');
          return;
        }
        res.setHeader('x-reply', `${req.method} ${req.headers['x-test']} ${req.headers.host}`);
        res.end(`echo:${Buffer.concat(chunks).toString()}`);
      });
    });
  });
  after(async () => {
    await sandbox.close();
    await server.close();
  });

  const grantFor = (allowed: string[], extra: Parameters<typeof makeGrant>[0] = {}) => makeGrant({ function: 'fetcher', allowedOutboundHosts: allowed, ...extra });
  const deniedLines = (logs: { denied: boolean; message: string }[]) => logs.filter((l) => l.denied).map((l) => l.message);

  test('a granted request: method, headers and body go out; status, headers and body come back through buffers', async () => {
    const { lines, result } = await runScript(sandbox, script, grantFor([server.origin]), [`http POST ${server.origin}/echo hello-body`]);
    assert.equal(result.error, null);
    const body = 'echo:hello-body';
    assert.match(lines[0], new RegExp(`^http -> 0 status=200 x-reply=POST waft 127\\.0\\.0\\.1:${server.port} len=${body.length} fnv=\\w+ value=${body}$`));
    assert.deepEqual(result.logs, []);
  });

  test('127.0.0.1 not listed: DENIED, with one log line naming allowed_outbound_hosts', async () => {
    const before = server.connections;
    const { lines, result } = await runScript(sandbox, script, grantFor(['https://api.example.com']), [`http GET ${server.origin}/x`]);
    const line = `function "fetcher" was denied outbound request to ${server.origin}/x: add "${server.origin}" to allowed_outbound_hosts in [functions.fetcher]`;
    assert.equal(lines[0], `http -> 1\n  error: ${line}`);
    assert.deepEqual(deniedLines(result.logs), [line]);
    assert.equal(server.connections, before, 'no connection was made');
  });

  test('SSRF: the cloud metadata address 169.254.169.254 is denied even under a grant of every host', async () => {
    const { lines, result } = await runScript(sandbox, script, grantFor(['*://*:*']), ['http GET http://169.254.169.254/latest/meta-data/']);
    assert.match(lines[0], /^http -> 1\n {2}error: function "fetcher" was denied outbound request to http:\/\/169\.254\.169\.254\/latest\/meta-data\/: 169\.254\.169\.254 is a link-local address; .*\(allowed_outbound_hosts in \[functions\.fetcher\]\)$/);
    assert.equal(deniedLines(result.logs).length, 1);
  });

  test('SSRF: a host name that resolves to a private address is denied under a wildcard grant', async () => {
    const grant = grantFor(['http://*.example:*'], { resolve: { 'internal.example': ['10.1.2.3'] } });
    const { lines, result } = await runScript(sandbox, script, grant, ['http GET http://internal.example/admin']);
    assert.match(lines[0], /^http -> 1\n {2}error: function "fetcher" was denied outbound request to http:\/\/internal\.example\/admin: internal\.example resolves to 10\.1\.2\.3, a private address; the matching entry "http:\/\/\*\.example:\*" is a wildcard/);
    assert.equal(deniedLines(result.logs).length, 1);
  });

  test('SSRF: a name that resolves to loopback is denied through a wildcard, allowed through an exact grant', async () => {
    const resolve = { 'svc.test': ['127.0.0.1'] };
    const url = `http://svc.test:${server.port}/echo`;
    const wildcard = await runScript(sandbox, script, grantFor([`http://*.test:${server.port}`], { resolve }), [`http GET ${url}`]);
    assert.match(wildcard.lines[0], /^http -> 1\n {2}error: .*svc\.test resolves to 127\.0\.0\.1, a loopback address/);
    const exact = await runScript(sandbox, script, grantFor([`http://svc.test:${server.port}`], { resolve }), [`http GET ${url}`]);
    assert.match(exact.lines[0], new RegExp(`^http -> 0 status=200 x-reply=GET waft svc\\.test:${server.port} `));
  });

  test('bodies over the outbound limits are TOO_LARGE; a silent server is TIMEOUT', async () => {
    const grant = grantFor([server.origin], { outbound: { maxRequestBody: 10, maxResponseBody: 1000, timeoutMs: 300 } });
    const { lines, result } = await runScript(sandbox, script, grant, [
      `http POST ${server.origin}/echo ${'x'.repeat(20)}`, `http GET ${server.origin}/big`, `http GET ${server.origin}/never`,
    ]);
    assert.equal(result.error, null);
    assert.match(lines[0], /^http -> 3\n {2}error: outbound request to .*larger than the 10-byte limit \[WAFT_E_HTTP_BODY_TOO_LARGE\]$/);
    assert.match(lines[1], /^http -> 0 status=200 body -> 3\n {2}error: outbound response from .* is larger than the 1000-byte limit \[WAFT_E_HTTP_BODY_TOO_LARGE\]$/);
    assert.match(lines[2], /^http -> 6\n {2}error: outbound request to .* timed out.* \[WAFT_E_HTTP_TIMEOUT\]$/);
  });

  test('a guest waiting on a request is stopped at its deadline; the wait is counted in usage', async () => {
    const grant = grantFor([server.origin], { outbound: { maxRequestBody: 10, maxResponseBody: 1000, timeoutMs: 600_000 } });
    const { result } = await runScript(sandbox, script, grant, [`http GET ${server.origin}/never`], { timeoutMs: 300 });
    assert.equal(result.error?.code, 'WAFT_E_GUEST_TIMEOUT');
    assert.equal(result.usage.hostCalls, 1);
    assert.ok(result.usage.hostWaitMs > 0);
  });

  test('one worker serves many guests waiting on I/O at once (JSPI suspends them, not the thread)', async () => {
    assert.equal(sandbox.workerCount, 1);
    const n = 8;
    arrivals = 0;
    releaseAt = n;
    // The server answers only once all n requests wait together: with one worker this finishes
    // only if each suspended guest leaves the thread free for the next.
    const runs = await Promise.all(Array.from({ length: n }, () => runScript(sandbox, script, grantFor([server.origin]), [`http GET ${server.origin}/gather`])));
    for (const r of runs) assert.match(r.lines[0], /^http -> 0 status=200 len=8 fnv=\w+ value=released$/);
    assert.equal(sandbox.workerCount, 1);
  });
});
