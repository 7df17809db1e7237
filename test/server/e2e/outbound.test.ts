// On a shared server, one user's app must not reach the server's own network, even when its
// waft.toml names a private address exactly; the operator can allow it (--allow-private-outbound).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cGuest, clangMissing } from '../../support/guests.ts';
import { ADMIN_TOKEN, call, file, hit, startTestServer, uploadVersion, type TestServer } from '../api/harness.ts';

describe('waft server: outbound HTTP to private addresses', { skip: clangMissing() ?? false }, () => {
  let echo: Server;
  let port = 0;
  let reached = 0;
  before(async () => {
    echo = createServer((req, res) => { reached++; res.end('inside'); });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    port = (echo.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => echo.close(() => resolve())));

  async function probe(t: TestServer): Promise<string> {
    const manifest = `[app]\nname = "probe"\n\n[functions.probe]\nsource = "probe.wasm"\nroute = "/probe"\nenvironment = { WAGI = "1" }\nallowed_outbound_hosts = ["http://127.0.0.1:${port}"]\n`;
    const created = await call(t.url, 'POST', '/api/v1/apps', { token: ADMIN_TOKEN, body: { name: 'probe' } });
    assert.equal(created.status, 201, created.text);
    const version = await uploadVersion(t.url, ADMIN_TOKEN, 'probe', manifest, [file('probe.wasm', cGuest('cap_script')!)]);
    assert.equal(version.status, 201, version.text);
    const deployed = await call(t.url, 'POST', '/api/v1/apps/probe/deployments', { token: ADMIN_TOKEN, body: { version: 1 } });
    assert.equal(deployed.status, 201, deployed.text);
    const r = await hit(t, 'probe', '/probe', 'host', { method: 'POST', body: `http GET http://127.0.0.1:${port}/\n` });
    assert.equal(r.status, 200, r.text);
    return r.text;
  }

  test('by default an exact grant of a loopback address is denied, and nothing reaches it', async () => {
    const t = await startTestServer('sqlite');
    if (typeof t === 'string') return;
    try {
      const out = await probe(t);
      assert.match(out, /^http -> 1\n {2}error: function \"probe\" was denied outbound request to http:\/\/127\.0\.0\.1:\d+\/: 127\.0\.0\.1 is a loopback address; this host does not let functions reach loopback addresses \(an operator can allow it: waft server --allow-private-outbound\)/m);
      assert.equal(reached, 0);
    } finally {
      await t.stop();
    }
  });

  test('with --allow-private-outbound the same app reaches it', async () => {
    const t = await startTestServer('sqlite', { allowPrivateOutbound: true });
    if (typeof t === 'string') return;
    try {
      const out = await probe(t);
      assert.match(out, /^http -> 0 status=200/m);
      assert.equal(reached, 1);
    } finally {
      await t.stop();
    }
  });
});

