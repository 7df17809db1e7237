import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { defaultLimits } from '../../src/manifest/defaults.ts';
import { parseManifest } from '../../src/manifest/load.ts';
import { app, DIR, FILE, lines, parse } from './support.ts';

const MiB = 1024 ** 2;

const full = lines(
  '[app]', //                                                                                   1
  'name = "demo"',
  'version = "1.2.0"',
  'description = "A demo app"',
  '', //                                                                                          5
  '[variables]',
  'api_key = { required = true, secret = true }',
  'greeting = { default = "hello" }',
  '',
  '[functions.hello]', //                                                                         10
  'source = "hello.wasm"                      # relative to waft.toml',
  'route = "/hello"',
  'build = "clang --target=wasm32-wasi -O2 hello.c -o hello.wasm"',
  'environment = { GREETING = "hi" }',
  'files = [{ source = "static", destination = "/static" }, "assets/img"]', //                   15
  'key_value_stores = ["default"]',
  'allowed_outbound_hosts = ["https://api.example.com", "http://localhost:8080", "https://*.example.org"]',
  'variables = { key = "{{ api_key }}", msg = "{{ greeting }} world" }',
  '',
  '[functions.hello.limits]', //                                                                  20
  'memory = "64MiB"',
  'timeout = "10s"',
  'max_body = "8MiB"',
  'max_output = "4MiB"',
  'concurrency = 8', //                                                                           25
  'queue = 32',
  '',
  '[functions.api]',
  'source = "target/api.wasm"',
  'routes = ["/a", "/b/:id", "/static/..."]', //                                                  30
  'build = { command = "make api", workdir = "api", watch = ["*.c", "include/*.h"] }',
);

test('every key of the example manifest is read', () => {
  const m = parse(full);
  assert.equal(m.file, FILE);
  assert.equal(m.dir, DIR);
  assert.deepEqual(m.app, { name: 'demo', version: '1.2.0', description: 'A demo app' });
  assert.deepEqual(m.variables, {
    api_key: { name: 'api_key', default: null, required: true, secret: true, position: { file: FILE, line: 7, column: 1 } },
    greeting: { name: 'greeting', default: 'hello', required: false, secret: false, position: { file: FILE, line: 8, column: 1 } },
  });
  assert.equal(m.functions.length, 2);
  const [hello, api] = m.functions;
  assert.deepEqual(hello, {
    name: 'hello',
    source: '/srv/demo/hello.wasm',
    routes: ['/hello'],
    build: { command: 'clang --target=wasm32-wasi -O2 hello.c -o hello.wasm', workdir: DIR, watch: [] },
    environment: { GREETING: 'hi' },
    files: [
      { source: '/srv/demo/static', destination: '/static' },
      { source: '/srv/demo/assets/img', destination: '/assets/img' },
    ],
    limits: { memory: 64 * MiB, timeoutMs: 10_000, maxBody: 8 * MiB, maxOutput: 4 * MiB, concurrency: 8, queue: 32 },
    keyValueStores: ['default'],
    allowedOutboundHosts: ['https://api.example.com', 'http://localhost:8080', 'https://*.example.org'],
    variables: { key: '{{ api_key }}', msg: '{{ greeting }} world' },
    position: { file: FILE, line: 10, column: 1 },
  });
  assert.equal(api.name, 'api');
  assert.equal(api.source, '/srv/demo/target/api.wasm');
  assert.deepEqual(api.routes, ['/a', '/b/:id', '/static/...']);
  assert.deepEqual(api.build, { command: 'make api', workdir: '/srv/demo/api', watch: ['*.c', 'include/*.h'] });
  assert.deepEqual(api.position, { file: FILE, line: 28, column: 1 });
});

test('locate() finds keys, table headers and array elements', () => {
  const m = parse(full);
  const at = (...path: string[]) => {
    const p = m.locate(path);
    return [p.line, p.column];
  };
  // column of `needle` on line `n` of the example, counted from 1
  const col = (n: number, needle: string) => full.split('\n')[n - 1].indexOf(needle) + 1;
  assert.deepEqual(at('app', 'name'), [2, 1]);
  assert.deepEqual(at('functions', 'hello'), [10, 1]);
  assert.deepEqual(at('functions', 'hello', 'route'), [12, 1]);
  // `route = "/x"` is also reachable as routes[0], which is how the router asks
  assert.deepEqual(at('functions', 'hello', 'routes', '0'), [12, 1]);
  assert.deepEqual(at('functions', 'api', 'routes', '2'), [30, col(30, '"/static/..."')]);
  assert.deepEqual(at('functions', 'hello', 'environment', 'GREETING'), [14, col(14, 'GREETING')]);
  assert.deepEqual(at('functions', 'hello', 'files', '1'), [15, col(15, '"assets/img"')]);
  assert.deepEqual(at('functions', 'hello', 'files', '0'), [15, col(15, '{ source')]);
  assert.deepEqual(at('functions', 'hello', 'files', '0', 'destination'), [15, col(15, 'destination')]);
  assert.deepEqual(at('functions', 'hello', 'limits'), [20, 1]);
  assert.deepEqual(at('functions', 'hello', 'limits', 'queue'), [26, 1]);
  assert.deepEqual(at('functions', 'api', 'build', 'workdir'), [31, col(31, 'workdir')]);
  // a key that is not written falls back to its nearest table, then to line 1
  assert.deepEqual(at('functions', 'api', 'limits', 'memory'), [28, 1]);
  assert.deepEqual(at('nothing', 'here'), [1, 1]);
  assert.equal(m.locate(['app']).file, FILE);
});

test('the manifest is plain data: JSON and structuredClone keep everything but locate()', () => {
  const m = parse(full);
  const copy = structuredClone(m);
  assert.deepEqual(JSON.parse(JSON.stringify(m)), copy);
  assert.equal(typeof m.locate, 'function');
  assert.equal(Object.keys(m).includes('locate'), false);
});

test('defaults: limits, empty capabilities, optional app keys', () => {
  const m = parse(app('[functions.hello]', 'source = "hello.wasm"', 'route = "/hello"'));
  assert.deepEqual(m.app, { name: 'demo', version: null, description: null });
  assert.deepEqual(m.variables, {});
  const [fn] = m.functions;
  assert.deepEqual(fn.limits, defaultLimits);
  assert.equal(fn.build, null);
  assert.deepEqual(fn.environment, {});
  assert.deepEqual(fn.files, []);
  assert.deepEqual(fn.keyValueStores, []);
  assert.deepEqual(fn.allowedOutboundHosts, []);
  assert.deepEqual(fn.variables, {});
});

test('defaultLimits holds the documented values', () => {
  assert.deepEqual(defaultLimits, {
    memory: 128 * MiB,
    timeoutMs: 30_000,
    maxBody: 16 * MiB,
    maxOutput: 16 * MiB,
    concurrency: 2 * availableParallelism(),
    queue: 64,
  });
  assert.ok(Object.isFrozen(defaultLimits));
});

test('a limits table that sets some keys keeps the defaults for the others', () => {
  const m = parse(app('[functions.hello]', 'source = "a.wasm"', 'route = "/"', 'limits = { memory = "1GiB", queue = 0 }'));
  assert.deepEqual(m.functions[0].limits, { ...defaultLimits, memory: 1024 ** 3, queue: 0 });
});

test('limits accept whole numbers as bytes and milliseconds, and the range edges', () => {
  const m = parse(app(
    '[functions.hello]', 'source = "a.wasm"', 'route = "/"',
    '[functions.hello.limits]', 'memory = 65536', 'timeout = 1', 'max_body = 0', 'max_output = "4GiB"', 'concurrency = 1',
  ));
  assert.deepEqual(m.functions[0].limits, { memory: 65536, timeoutMs: 1, maxBody: 0, maxOutput: 4 * 1024 ** 3, concurrency: 1, queue: 64 });
  const top = parse(app('[functions.hello]', 'source = "a.wasm"', 'route = "/"', 'limits = { memory = "4GiB", timeout = "1h" }'));
  assert.equal(top.functions[0].limits.memory, 4 * 1024 ** 3);
  assert.equal(top.functions[0].limits.timeoutMs, 3_600_000);
});

test('relative paths resolve from the directory of waft.toml, not from the working directory', () => {
  const text = app(
    '[functions.hello]',
    'source = "../build/hello.wasm"',
    'route = "/"',
    'build = { command = "make", workdir = "src" }',
    'files = ["./static/", "data/../public", { source = "/srv/demo/abs", destination = "/x/" }]',
  );
  const m = parseManifest(text.replace('/srv/demo/abs', '/home/u/apps/demo/abs'), '/home/u/apps/demo/waft.toml');
  const [fn] = m.functions;
  assert.equal(m.dir, '/home/u/apps/demo');
  assert.equal(fn.source, '/home/u/apps/build/hello.wasm');
  assert.equal(fn.build?.workdir, '/home/u/apps/demo/src');
  assert.deepEqual(fn.files.map((f) => f.source), ['/home/u/apps/demo/static', '/home/u/apps/demo/public', '/home/u/apps/demo/abs']);
  const n = parseManifest(text, '/srv/demo/waft.toml');
  assert.deepEqual(n.functions[0].files, [
    { source: '/srv/demo/static', destination: '/static' },
    { source: '/srv/demo/public', destination: '/public' },
    { source: '/srv/demo/abs', destination: '/x' },
  ]);
});

test('a files string "." shares the whole app directory at "/"', () => {
  const m = parse(app('[functions.hello]', 'source = "a.wasm"', 'route = "/"', 'files = ["."]'));
  assert.deepEqual(m.functions[0].files, [{ source: DIR, destination: '/' }]);
});

test('a files table may leave out destination: the same path in the guest', () => {
  const m = parse(app('[functions.hello]', 'source = "a.wasm"', 'route = "/"', 'files = [{ source = "static" }]'));
  assert.deepEqual(m.functions[0].files, [{ source: '/srv/demo/static', destination: '/static' }]);
});

test('files written as an array of tables ([[functions.NAME.files]])', () => {
  const m = parse(app(
    '[functions.hello]', 'source = "a.wasm"', 'route = "/"', //  3-5
    '[[functions.hello.files]]', 'source = "a"', 'destination = "/data/a"', //  6-8
    '[[functions.hello.files]]', 'source = "b"', //  9-10
  ));
  assert.deepEqual(m.functions[0].files, [
    { source: '/srv/demo/a', destination: '/data/a' },
    { source: '/srv/demo/b', destination: '/b' },
  ]);
  assert.equal(m.locate(['functions', 'hello', 'files', '1']).line, 9);
  assert.equal(m.locate(['functions', 'hello', 'files', '1', 'source']).line, 10);
});

test('the same manifest written with dotted keys and inline tables', () => {
  const text = lines(
    'app.name = "demo"',
    'variables.greeting.default = "hi"',
    '[functions]',
    'hello = { source = "a.wasm", route = "/", limits = { memory = "1MiB" }, variables = { g = "{{greeting}}" } }',
    'other.source = "b.wasm"',
    'other.routes = ["/b"]',
  );
  const m = parse(text);
  assert.equal(m.app.name, 'demo');
  assert.deepEqual(m.functions.map((f) => [f.name, f.routes, f.limits.memory]), [['hello', ['/'], MiB], ['other', ['/b'], defaultLimits.memory]]);
  assert.deepEqual(m.functions[0].variables, { g: '{{greeting}}' });
  assert.deepEqual(m.functions[0].position, { file: FILE, line: 4, column: 1 });
  assert.deepEqual(m.functions[1].position, { file: FILE, line: 5, column: 1 });
  assert.equal(m.locate(['functions', 'hello', 'limits', 'memory']).column, text.split('\n')[3].indexOf('memory') + 1);
  assert.equal(m.locate(['functions', 'other', 'routes', '0']).line, 6);
});

test('manifest_version = 1 is accepted', () => {
  assert.equal(parse(lines('manifest_version = 1', '[app]', 'name = "demo"', '[functions.a]', 'source = "a.wasm"', 'route = "/"')).app.name, 'demo');
});

test('routes: parameters, a final "...", the root, one trailing "/" and percent-escapes are valid', () => {
  const routes = ['/', '/...', '/a/:id/b', '/static/...', '/users/:user_id/posts/:post', '/caf%C3%A9', '/a-b.c_d~e', '/hello/'];
  const m = parse(app('[functions.a]', 'source = "a.wasm"', `routes = ${JSON.stringify(routes)}`));
  assert.deepEqual(m.functions[0].routes, routes);
});

test('allowed_outbound_hosts: ports, wildcards, IP addresses, schemes', () => {
  const hosts = ['https://api.example.com', 'http://localhost:8080', 'https://*.example.org', '*://example.net', 'https://example.com:*', 'http://127.0.0.1:3000', 'http://[::1]:8080', '*://*:*', 'https://example.com/'];
  const m = parse(app('[functions.a]', 'source = "a.wasm"', 'route = "/"', `allowed_outbound_hosts = ${JSON.stringify(hosts)}`));
  assert.deepEqual(m.functions[0].allowedOutboundHosts, hosts);
});

test('environment keys may use upper and lower case; values stay as written', () => {
  const m = parse(app('[functions.a]', 'source = "a.wasm"', 'route = "/"', '[functions.a.environment]', 'GREETING = "hi"', 'path_extra = ""', '_X1 = "a=b"'));
  assert.deepEqual(m.functions[0].environment, { GREETING: 'hi', path_extra: '', _X1: 'a=b' });
});

test('variables: a binding may mix text and several references; secrets and defaults are kept', () => {
  const m = parse(app(
    '[variables]', 'user = { default = "me" }', 'host = { required = true }', 'token = { required = true, secret = true }', 'empty = { default = "" }',
    '[functions.a]', 'source = "a.wasm"', 'route = "/"',
    'variables = { url = "https://{{ user }}@{{host}}/x", raw = "no refs }} here", t = "{{ token }}", e = "{{ empty }}" }',
  ));
  assert.deepEqual(m.functions[0].variables, { url: 'https://{{ user }}@{{host}}/x', raw: 'no refs }} here', t: '{{ token }}', e: '{{ empty }}' });
  assert.equal(m.variables.empty.default, '');
  assert.equal(m.variables.token.secret, true);
});

test('names: app names are DNS labels; function names may also use "_"', () => {
  const m = parse(lines('[app]', 'name = "my-app-2"', '[functions.f-1_x]', 'source = "a.wasm"', 'route = "/"'));
  assert.equal(m.app.name, 'my-app-2');
  assert.equal(m.functions[0].name, 'f-1_x');
});

test('CRLF line endings, a BOM, and comments with brackets do not move positions', () => {
  const text = '\ufeff[app]\r\nname = "demo" # [not.a.table]\r\n# [functions.fake]\r\n[functions.hello]\r\nsource = "a.wasm"\r\nroute = "/x" # ]\r\n';
  const m = parse(text);
  assert.deepEqual(m.functions[0].position, { file: FILE, line: 4, column: 1 });
  assert.equal(m.locate(['functions', 'hello', 'route']).line, 6);
});
