import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { wagiInvocation, WAGI_RESERVED_ENV, SERVER_SOFTWARE, type WagiRequestInfo } from '../../src/executors/wagi/env.ts';
import { Router } from '../../src/triggers/http/router.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function request(over: Partial<WagiRequestInfo> = {}): WagiRequestInfo {
  return {
    method: 'GET', rawUrl: '/', headers: [], remoteAddress: '192.0.2.7', serverHost: 'example.com:3000',
    serverPort: 3000, protocol: 'HTTP/1.1', tls: false, contentLength: null, ...over,
  };
}

const routeOf = (pattern: string, path: string) => {
  const m = new Router([{ pattern, target: 0, name: 'f' }]).match(path);
  assert.ok(m, `${pattern} should match ${path}`);
  return m;
};

const rootMatch = { pattern: '/...', scriptName: '', pathInfo: '/', rawPathInfo: '/' };

describe('every WAGI variable', () => {
  test('a POST through a prefix route, as in deislabs/wagi\'s own test', () => {
    const match = routeOf('/path/...', '/path/test%3brun');
    const { args, env } = wagiInvocation(request({
      method: 'POST', rawUrl: '/path/test%3brun?foo=bar', tls: true, contentLength: 1234,
      headers: ['X-Test-Header', 'hello', 'Accept', 'text/html', 'User-agent', 'test', 'Host', 'example.com:3000',
        'Authorization', 'supersecret', 'Connection', 'sensitive', 'Content-Type', 'application/json'],
    }), match, {});
    assert.deepEqual(args, ['/path/test%3brun', 'foo=bar']);
    assert.deepEqual(env, {
      REQUEST_METHOD: 'POST',
      QUERY_STRING: 'foo=bar',
      PATH_INFO: '/test;run',
      PATH_TRANSLATED: '/test;run',
      X_RAW_PATH_INFO: '/test%3brun',
      SCRIPT_NAME: '/path',
      X_MATCHED_ROUTE: '/path/...',
      X_FULL_URL: 'https://example.com:3000/path/test%3brun?foo=bar',
      SERVER_NAME: 'example.com',
      SERVER_PORT: '3000',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_SOFTWARE: `WAFT/${pkg.version}`,
      GATEWAY_INTERFACE: 'CGI/1.1',
      REMOTE_ADDR: '192.0.2.7',
      REMOTE_HOST: '192.0.2.7',
      AUTH_TYPE: '',
      REMOTE_USER: '',
      CONTENT_LENGTH: '1234',
      CONTENT_TYPE: 'application/json',
      HTTP_X_TEST_HEADER: 'hello',
      HTTP_ACCEPT: 'text/html',
      HTTP_USER_AGENT: 'test',
      HTTP_HOST: 'example.com:3000',
      HTTP_CONTENT_TYPE: 'application/json',
    });
    assert.equal(SERVER_SOFTWARE, `WAFT/${pkg.version}`);
  });

  test('a bare GET: CONTENT_LENGTH "0", CONTENT_TYPE and QUERY_STRING empty, argv only the path', () => {
    const { args, env } = wagiInvocation(request({ rawUrl: '/' }), rootMatch, {});
    assert.deepEqual(args, ['/']);
    assert.equal(env.CONTENT_LENGTH, '0');
    assert.equal(env.CONTENT_TYPE, '');
    assert.equal(env.QUERY_STRING, '');
    assert.equal(env.X_FULL_URL, 'http://example.com:3000/');
    for (const name of WAGI_RESERVED_ENV) assert.equal(typeof env[name], 'string', name);
  });

  test('a streamed body of unknown length: CONTENT_LENGTH is empty', () => {
    const { env } = wagiInvocation(request({ method: 'POST', headers: ['Transfer-Encoding', 'chunked'] }), rootMatch, {});
    assert.equal(env.CONTENT_LENGTH, '');
    assert.equal(env.HTTP_TRANSFER_ENCODING, 'chunked');
  });

  test('exact and parameter routes', () => {
    const exact = wagiInvocation(request({ rawUrl: '/hello' }), routeOf('/hello', '/hello'), {}).env;
    assert.deepEqual([exact.SCRIPT_NAME, exact.PATH_INFO, exact.X_RAW_PATH_INFO, exact.X_MATCHED_ROUTE], ['/hello', '', '', '/hello']);
    const param = wagiInvocation(request({ rawUrl: '/users/a%20b' }), routeOf('/users/:id', '/users/a%20b'), {}).env;
    assert.deepEqual([param.SCRIPT_NAME, param.PATH_INFO, param.X_MATCHED_ROUTE], ['/users/a b', '', '/users/:id']);
  });

  test('the catch-all route: SCRIPT_NAME empty, PATH_INFO the whole path', () => {
    const { env } = wagiInvocation(request({ rawUrl: '/a/b?x' }), routeOf('/...', '/a/b'), {});
    assert.deepEqual([env.SCRIPT_NAME, env.PATH_INFO, env.X_MATCHED_ROUTE], ['', '/a/b', '/...']);
  });

  test('SERVER_PROTOCOL and REMOTE_ADDR are passed through', () => {
    const { env } = wagiInvocation(request({ protocol: 'HTTP/1.0', remoteAddress: '::1' }), rootMatch, {});
    assert.equal(env.SERVER_PROTOCOL, 'HTTP/1.0');
    assert.equal(env.REMOTE_ADDR, '::1');
    assert.equal(env.REMOTE_HOST, '::1');
  });
});

describe('argv', () => {
  const argv = (rawUrl: string) => wagiInvocation(request({ rawUrl }), rootMatch, {}).args;
  test('the path as sent, then the query split on "&", not decoded', () => {
    assert.deepEqual(argv('/a%20b/c?x=1&y=%41+b&z'), ['/a%20b/c', 'x=1', 'y=%41+b', 'z']);
  });
  test('empty pieces are kept; an empty query adds nothing', () => {
    assert.deepEqual(argv('/p?a&&b&'), ['/p', 'a', '', 'b', '']);
    assert.deepEqual(argv('/p?'), ['/p']);
    assert.deepEqual(argv('/p'), ['/p']);
  });
  test('only the first "?" splits path from query', () => {
    assert.deepEqual(argv('/p?a=?&b'), ['/p', 'a=?', 'b']);
    assert.equal(wagiInvocation(request({ rawUrl: '/p?a=?&b' }), rootMatch, {}).env.QUERY_STRING, 'a=?&b');
  });
});

describe('SERVER_NAME and SERVER_PORT', () => {
  const server = (serverHost: string, serverPort = 8080, tls = false) => {
    const { env } = wagiInvocation(request({ serverHost, serverPort, tls, rawUrl: '/x?q' }), rootMatch, {});
    return [env.SERVER_NAME, env.SERVER_PORT, env.X_FULL_URL];
  };
  test('from the Host header, with its port', () => {
    assert.deepEqual(server('wagi.net:31337'), ['wagi.net', '31337', 'http://wagi.net:31337/x?q']);
  });
  test('the listen port when Host has none', () => {
    assert.deepEqual(server('wagi.net'), ['wagi.net', '8080', 'http://wagi.net:8080/x?q']);
    assert.deepEqual(server('wagi.net', 443, true), ['wagi.net', '443', 'https://wagi.net:443/x?q']);
  });
  test('IPv6 literals keep their brackets; a bare IPv6 listen address gets them', () => {
    assert.deepEqual(server('[::1]:3000'), ['[::1]', '3000', 'http://[::1]:3000/x?q']);
    assert.deepEqual(server('[::1]'), ['[::1]', '8080', 'http://[::1]:8080/x?q']);
    assert.deepEqual(server('::1'), ['[::1]', '8080', 'http://[::1]:8080/x?q']);
  });
  test('a port that is not a port is not believed', () => {
    assert.deepEqual(server('wagi.net:http').slice(0, 2), ['wagi.net', '8080']);
    assert.deepEqual(server('wagi.net:99999').slice(0, 2), ['wagi.net', '8080']);
    assert.deepEqual(server('wagi.net:').slice(0, 2), ['wagi.net', '8080']);
    assert.deepEqual(server('wagi.net:0080').slice(0, 2), ['wagi.net', '80']);
  });
});

describe('request headers', () => {
  const envOf = (headers: string[], extra: Record<string, string> = {}) => wagiInvocation(request({ headers }), rootMatch, extra).env;
  const httpVars = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('HTTP_')));

  test('upper-cased, "-" → "_", whatever case they were sent in', () => {
    assert.deepEqual(httpVars(envOf(['x-lower', '1', 'X-MiXeD-Case', '2', 'ACCEPT-LANGUAGE', 'de', 'DNT', '1'])),
      { HTTP_X_LOWER: '1', HTTP_X_MIXED_CASE: '2', HTTP_ACCEPT_LANGUAGE: 'de', HTTP_DNT: '1' });
  });

  test('repeated headers: joined with ", ", Cookie with "; ", single-valued ones keep the first', () => {
    const env = envOf([
      'Accept', 'text/html', 'accept', 'application/json',
      'X-Forwarded-For', '10.0.0.1', 'X-Forwarded-For', '10.0.0.2',
      'Cookie', 'a=1', 'cookie', 'b=2',
      'Host', 'first.example', 'Host', 'second.example',
      'User-Agent', 'one', 'User-Agent', 'two',
      'Content-Type', 'text/plain', 'Content-Type', 'application/evil',
    ]);
    assert.equal(env.HTTP_ACCEPT, 'text/html, application/json');
    assert.equal(env.HTTP_X_FORWARDED_FOR, '10.0.0.1, 10.0.0.2');
    assert.equal(env.HTTP_COOKIE, 'a=1; b=2');
    assert.equal(env.HTTP_HOST, 'first.example');
    assert.equal(env.HTTP_USER_AGENT, 'one');
    assert.equal(env.HTTP_CONTENT_TYPE, 'text/plain');
    assert.equal(env.CONTENT_TYPE, 'text/plain');
  });

  test('credentials and hop-by-hop headers are not passed: Authorization, Proxy-Authorization, Connection', () => {
    const env = envOf(['Authorization', 'Bearer secret', 'proxy-authorization', 'Basic x', 'Connection', 'keep-alive', 'X-Ok', '1']);
    assert.deepEqual(httpVars(env), { HTTP_X_OK: '1' });
    assert.ok(!JSON.stringify(env).includes('secret'));
  });

  test('httpoxy: a "Proxy" header cannot set HTTP_PROXY', () => {
    const env = envOf(['Proxy', 'http://evil.example:8080']);
    assert.equal(env.HTTP_PROXY, undefined);
  });

  test('underscore spoofing: "X_Forwarded_For" cannot land on HTTP_X_FORWARDED_FOR', () => {
    const env = envOf(['X_Forwarded_For', '6.6.6.6', 'X-Forwarded-For', '10.0.0.1']);
    assert.equal(env.HTTP_X_FORWARDED_FOR, '10.0.0.1');
    const alone = envOf(['X_Forwarded_For', '6.6.6.6']);
    assert.equal(alone.HTTP_X_FORWARDED_FOR, undefined);
  });

  test('Unicode case folding: "hoſt" (long s) cannot become HTTP_HOST', () => {
    const env = envOf(['Host', 'real.example', 'hoſt', 'evil.example', 'ſerver', 'x', 'K\u212Aey', 'x']);
    assert.equal(env.HTTP_HOST, 'real.example');
    assert.deepEqual(Object.keys(httpVars(env)), ['HTTP_HOST']);
  });

  test('names that are not plain tokens are dropped: "=", spaces, HTTP/2 pseudo-headers, punctuation, empty', () => {
    const env = envOf([
      'X-A=B', 'x', 'REQUEST_METHOD=DELETE', 'x', 'Bad Name', 'x', ':path', '/admin', ':method', 'DELETE',
      'X.Dotted', 'x', 'X~Tilde', 'x', '', 'x', '-Leading', 'x', 'Good-1', 'ok',
    ]);
    assert.deepEqual(httpVars(env), { HTTP_GOOD_1: 'ok' });
    assert.equal(env.REQUEST_METHOD, 'GET');
    for (const key of Object.keys(env)) assert.match(key, /^[A-Z0-9_]+$/);
  });

  test('header names shaped like CGI variables stay under HTTP_', () => {
    const env = envOf(['Request-Method', 'DELETE', 'Script-Name', '/admin', 'Path-Info', '/../etc', 'Remote-Addr', '127.0.0.1', 'Content-Length', '999']);
    assert.equal(env.REQUEST_METHOD, 'GET');
    assert.equal(env.SCRIPT_NAME, '');
    assert.equal(env.PATH_INFO, '/');
    assert.equal(env.REMOTE_ADDR, '192.0.2.7');
    assert.equal(env.CONTENT_LENGTH, '0', 'CONTENT_LENGTH is the length waft vouches for, not a header');
    assert.equal(env.HTTP_REQUEST_METHOD, 'DELETE');
    assert.equal(env.HTTP_REMOTE_ADDR, '127.0.0.1');
  });

  test('a value with NUL is dropped (it would cut the environment string)', () => {
    assert.equal(envOf(['X-A', 'a\0b']).HTTP_X_A, undefined);
  });

  test('UTF-8 header bytes (read by Node as latin1) reach the guest as the text they spell', () => {
    const latin1 = Buffer.from('Jürgen ✓', 'utf8').toString('latin1');
    assert.equal(envOf(['X-Name', latin1]).HTTP_X_NAME, 'Jürgen ✓');
  });

  test('bytes that are not UTF-8 stay as Node read them', () => {
    assert.equal(envOf(['X-Name', 'caf\xe9']).HTTP_X_NAME, 'caf\xe9');
  });

  test('an odd-length header list ignores the dangling name', () => {
    assert.deepEqual(httpVars(envOf(['X-A', '1', 'X-B'])), { HTTP_X_A: '1' });
  });

  test('many distinct made-up header names are handled (and do not grow state without bound)', () => {
    const headers: string[] = [];
    for (let i = 0; i < 5000; i++) headers.push(`X-Junk-${i}`, String(i));
    const env = envOf(headers);
    assert.equal(env.HTTP_X_JUNK_4999, '4999');
    assert.equal(Object.keys(httpVars(env)).length, 5000);
  });
});

describe('the function\'s environment', () => {
  test('is merged in', () => {
    const { env } = wagiInvocation(request(), rootMatch, { DATABASE: 'main', GREETING: 'hi there' });
    assert.equal(env.DATABASE, 'main');
    assert.equal(env.GREETING, 'hi there');
  });

  test('cannot override a CGI variable (as in WAGI)', () => {
    const extra = Object.fromEntries(WAGI_RESERVED_ENV.map((k) => [k, 'from-manifest']));
    const { env } = wagiInvocation(request({ method: 'PUT' }), rootMatch, extra);
    for (const name of WAGI_RESERVED_ENV) assert.notEqual(env[name], 'from-manifest', name);
    assert.equal(env.REQUEST_METHOD, 'PUT');
  });

  test('wins over a request header of the same name: a client cannot override the operator', () => {
    const { env } = wagiInvocation(request({ headers: ['X-Tenant', 'evil'] }), rootMatch, { HTTP_X_TENANT: 'acme' });
    assert.equal(env.HTTP_X_TENANT, 'acme');
  });

  test('names that cannot be written into an environment are skipped; __proto__ is just a name', () => {
    const extra = JSON.parse('{"A=B":"x","":"y","N\\u0000UL":"z","__proto__":"p","OK":"1"}') as Record<string, string>;
    const { env } = wagiInvocation(request(), rootMatch, extra);
    assert.equal(env.OK, '1');
    assert.equal(Object.getPrototypeOf(env), Object.prototype);
    assert.ok(Object.hasOwn(env, '__proto__'));
    assert.equal(Object.getOwnPropertyDescriptor(env, '__proto__')?.value, 'p');
    for (const key of Object.keys(env)) assert.ok(key !== '' && !key.includes('=') && !key.includes('\0'), key);
  });

  test('is not modified', () => {
    const extra = { A: '1' };
    wagiInvocation(request({ headers: ['A', '2'] }), rootMatch, extra);
    assert.deepEqual(extra, { A: '1' });
  });
});

test('every value is a string', () => {
  const { args, env } = wagiInvocation(request({ contentLength: 0, headers: ['X', 'y'] }), rootMatch, { N: 5 as unknown as string });
  for (const a of args) assert.equal(typeof a, 'string');
  for (const [k, v] of Object.entries(env)) assert.equal(typeof v, 'string', k);
  assert.equal(env.N, '5');
  assert.equal(env.CONTENT_LENGTH, '0');
});
