import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WaftError } from '../../../src/errors.ts';
import { findGrant, parseAllowedHosts } from '../../../src/capabilities/http/allowed-hosts.ts';

function allows(entries: string[], url: string): boolean {
  return findGrant(new URL(url), parseAllowedHosts(entries)) !== null;
}

function parseError(entries: string[]): WaftError {
  try {
    parseAllowedHosts(entries);
  } catch (err) {
    assert.ok(err instanceof WaftError);
    assert.equal(err.code, 'WAFT_E_HTTP_ALLOWED_HOST_INVALID');
    return err;
  }
  assert.fail(`parseAllowedHosts(${JSON.stringify(entries)}) should have thrown`);
}

describe('parseAllowedHosts', () => {
  test('an empty list allows nothing', () => {
    assert.deepEqual(parseAllowedHosts([]), []);
  });

  test('a missing port is the scheme\'s default port', () => {
    assert.deepEqual(parseAllowedHosts(['https://API.Example.com', 'http://example.com/']), [
      { scheme: 'https', host: 'api.example.com', port: 443, raw: 'https://API.Example.com' },
      { scheme: 'http', host: 'example.com', port: 80, raw: 'http://example.com/' },
    ]);
  });

  test('"*://host" without a port becomes http on 80 and https on 443', () => {
    assert.deepEqual(parseAllowedHosts(['*://example.com']), [
      { scheme: 'http', host: 'example.com', port: 80, raw: '*://example.com' },
      { scheme: 'https', host: 'example.com', port: 443, raw: '*://example.com' },
    ]);
  });

  test('wildcards: "*" host, "*." subdomains, "*" port and scheme', () => {
    assert.deepEqual(parseAllowedHosts(['*://*:*', 'https://*.example.org:8443']), [
      { scheme: '*', host: '*', port: '*', raw: '*://*:*' },
      { scheme: 'https', host: '*.example.org', port: 8443, raw: 'https://*.example.org:8443' },
    ]);
  });

  test('IP literals are written the way the URL parser writes them', () => {
    const hosts = parseAllowedHosts(['http://[::1]:8080', 'http://0x7f.1:3000', 'http://[0:0::1]']).map((g) => g.host);
    assert.deepEqual(hosts, ['[::1]', '127.0.0.1', '[::1]']);
  });

  test('a bad scheme is named with its index', () => {
    const err = parseError(['https://a.example', 'http://b.example', 'ftp://x']);
    assert.equal(err.message, 'allowed_outbound_hosts[2] = "ftp://x": scheme must be http, https or *');
    assert.deepEqual(err.details, { key: 'allowed_outbound_hosts', index: 2, entry: 'ftp://x' });
  });

  test('each kind of bad entry gets its own message', () => {
    const cases: [string, RegExp][] = [
      ['example.com', /the scheme is required/],
      ['*', /the scheme is required/],
      ['https://example.com/api', /remove the path/],
      ['https://example.com?x=1', /remove the path, query/],
      ['https://user:pw@example.com', /user name or password/],
      ['https://example.com:0', /port must be a number from 1 to 65535 or \*, not "0"/],
      ['https://example.com:65536', /port must be a number/],
      ['https://example.com:http', /port must be a number/],
      ['https://foo.*.example.com', /wildcard may only be the whole host/],
      ['https://*example.com', /wildcard may only be the whole host/],
      ['https://*.127.0.0.1', /wildcard applies to domain names/],
      ['http://::1', /IPv6 address in brackets/],
      ['http://[::1', /closing "\]"/],
      ['http://[::1]x', /only ":port" may follow/],
      ['http://exa mple.com', /not a valid host/],
      ['http://a..b', /not a valid host/],
      ['http://', /not a valid host/],
    ];
    for (const [entry, message] of cases) {
      const err = parseError([entry]);
      assert.match(err.message, message, entry);
      assert.ok(err.message.startsWith(`allowed_outbound_hosts[0] = ${JSON.stringify(entry)}: `), err.message);
    }
  });
});

describe('findGrant: the allowed/denied matrix', () => {
  const matrix: [entries: string[], url: string, allowed: boolean][] = [
    // nothing by default
    [[], 'https://example.com/', false],
    // scheme
    [['https://example.com'], 'https://example.com/', true],
    [['https://example.com'], 'http://example.com/', false],
    [['http://example.com'], 'https://example.com/', false],
    [['*://example.com'], 'http://example.com/', true],
    [['*://example.com'], 'https://example.com/', true],
    // port defaulting: unnamed port = the scheme's default
    [['https://example.com'], 'https://example.com:443/', true],
    [['https://example.com'], 'https://example.com:8443/', false],
    [['http://example.com'], 'http://example.com:8080/', false],
    [['*://example.com'], 'http://example.com:443/', false],
    [['*://example.com'], 'https://example.com:80/', false],
    [['https://example.com:8443'], 'https://example.com:8443/', true],
    [['https://example.com:8443'], 'https://example.com/', false],
    [['https://example.com:*'], 'https://example.com:1234/', true],
    [['http://example.com:443'], 'http://example.com:443/', true],
    // hosts
    [['https://example.com'], 'https://api.example.com/', false],
    [['https://example.com'], 'https://example.com.evil.test/', false],
    [['https://example.com'], 'https://EXAMPLE.com/', true],
    [['https://example.com'], 'https://example.com./', true],
    // wildcard subdomains: any depth, never the bare domain, never a look-alike
    [['https://*.example.com'], 'https://api.example.com/', true],
    [['https://*.example.com'], 'https://a.b.example.com/', true],
    [['https://*.example.com'], 'https://example.com/', false],
    [['https://*.example.com'], 'https://evilexample.com/', false],
    [['https://*.example.com'], 'https://example.com.evil.test/', false],
    // "*" host
    [['https://*'], 'https://anything.test/', true],
    [['https://*'], 'https://127.0.0.1/', true], // the grant matches; the address policy blocks it later
    [['https://*'], 'http://anything.test/', false],
    [['https://*'], 'https://anything.test:8443/', false],
    [['*://*:*'], 'http://anything.test:1/', true],
    // IP literals match however they were written
    [['http://127.0.0.1:8080'], 'http://2130706433:8080/', true],
    [['http://[::1]:8080'], 'http://[0:0:0:0:0:0:0:1]:8080/', true],
    // only http(s)
    [['*://*:*'], 'ftp://example.com/', false],
  ];
  for (const [entries, url, expected] of matrix) {
    test(`${JSON.stringify(entries)} ${expected ? 'allows' : 'denies'} ${url}`, () => {
      assert.equal(allows(entries, url), expected);
    });
  }

  test('an exact grant is preferred over a wildcard one', () => {
    const grants = parseAllowedHosts(['http://*:*', 'http://localhost:3000']);
    assert.equal(findGrant(new URL('http://localhost:3000/x'), grants)?.raw, 'http://localhost:3000');
    assert.equal(findGrant(new URL('http://other.test:3000/x'), grants)?.raw, 'http://*:*');
  });
});
