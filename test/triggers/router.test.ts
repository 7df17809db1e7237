import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Router, parseRoutePattern, type RouteDef } from '../../src/triggers/http/router.ts';
import { WaftError } from '../../src/errors.ts';

function router(...patterns: string[]): Router<string> {
  return new Router(patterns.map((pattern) => ({ pattern, target: pattern, name: `fn ${pattern}` })));
}

/** The pattern that wins for a path, or null. */
function winner(r: Router<string>, path: string): string | null {
  return r.match(path)?.target ?? null;
}

function throwsCode(fn: () => unknown, code: string, message?: RegExp): WaftError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof WaftError, `expected a WaftError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (message) assert.match(caught.message, message);
  return caught;
}

describe('parseRoutePattern', () => {
  test('exact, parameter and wildcard forms', () => {
    assert.deepEqual(parseRoutePattern('/'), { pattern: '/', segments: [], wildcard: false, prefix: '', shape: '/' });
    const exact = parseRoutePattern('/a/b');
    assert.deepEqual(exact.segments, [{ kind: 'literal', value: 'a' }, { kind: 'literal', value: 'b' }]);
    assert.equal(exact.wildcard, false);
    const param = parseRoutePattern('/users/:id/posts/:post_id');
    assert.deepEqual(param.segments, [
      { kind: 'literal', value: 'users' }, { kind: 'param', name: 'id' },
      { kind: 'literal', value: 'posts' }, { kind: 'param', name: 'post_id' },
    ]);
    const wild = parseRoutePattern('/static/...');
    assert.deepEqual(wild.segments, [{ kind: 'literal', value: 'static' }]);
    assert.equal(wild.wildcard, true);
    assert.equal(wild.prefix, '/static');
    const all = parseRoutePattern('/...');
    assert.deepEqual(all.segments, []);
    assert.equal(all.wildcard, true);
    assert.equal(all.prefix, '');
  });

  test('one trailing slash is ignored; literals are percent-decoded', () => {
    assert.equal(parseRoutePattern('/hello/').shape, parseRoutePattern('/hello').shape);
    assert.deepEqual(parseRoutePattern('/caf%C3%A9').segments, [{ kind: 'literal', value: 'café' }]);
    assert.equal(parseRoutePattern('/caf%C3%A9').shape, parseRoutePattern('/café').shape);
    assert.deepEqual(parseRoutePattern('/%3Aid').segments, [{ kind: 'literal', value: ':id' }]);
    assert.notEqual(parseRoutePattern('/%3Aid').shape, parseRoutePattern('/:id').shape);
    assert.deepEqual(parseRoutePattern('/a.../x:y').segments, [{ kind: 'literal', value: 'a...' }, { kind: 'literal', value: 'x:y' }]);
  });

  test('parameter names do not change the shape', () => {
    assert.equal(parseRoutePattern('/users/:id').shape, parseRoutePattern('/users/:name').shape);
    assert.notEqual(parseRoutePattern('/users/:id').shape, parseRoutePattern('/users/...').shape);
    assert.notEqual(parseRoutePattern('/users').shape, parseRoutePattern('/users/...').shape);
  });

  const invalid: [string, RegExp][] = [
    ['', /cannot be empty/],
    ['hello', /starts with "\/" \(did you mean "\/hello"\?\)/],
    ['/a?b=1', /never the query/],
    ['/a#top', /never the query or fragment/],
    ['/a b', /percent-encoded/],
    ['/a\tb', /percent-encoded/],
    ['/a//b', /empty segment/],
    ['/a/...//', /empty segment|can only be the last/],
    ['/.../a', /can only be the last segment/],
    ['/a/.../b', /can only be the last segment/],
    ['/a/*', /write "\/a\/\.\.\." to match a prefix/],
    ['/**', /write "\/\.\.\." to match a prefix/],
    ['/users/:', /needs a name/],
    ['/users/:1d', /needs a name/],
    ['/users/:id-x', /needs a name/],
    ['/a/:id/b/:id', /":id" appears twice/],
    ['/users/{id}', /write the parameter \{id\} as ":id"/],
    ['/a/%2Fb', /encodes "\/" or NUL/],
    ['/a/%00', /encodes "\/" or NUL/],
    ['/a/%zz', /broken percent-encoding/],
    ['/a/%C3', /broken percent-encoding/],
    ['/a/./b', /dot-segments/],
    ['/a/..', /dot-segments/],
    ['/a/%2e%2E', /dot-segments/],
  ];
  for (const [pattern, why] of invalid) {
    test(`refuses ${JSON.stringify(pattern)}`, () => {
      const e = throwsCode(() => parseRoutePattern(pattern), 'WAFT_E_ROUTE_INVALID', why);
      assert.equal(e.status, 400);
    });
  }

  test('the Router names the function and position of an invalid route', () => {
    throwsCode(
      () => new Router([{ pattern: '/ok', target: 1, name: 'a' }, { pattern: '/x/:', target: 2, name: 'b', source: { file: 'waft.toml', line: 7, column: 9 } }]),
      'WAFT_E_ROUTE_INVALID', /^route "\/x\/:" of function "b" \(waft\.toml:7:9\) is not valid: /,
    );
  });
});

describe('conflicts', () => {
  test('two parameter names at the same place: message names both routes, functions and positions', () => {
    const defs: RouteDef<string>[] = [
      { pattern: '/users/:id', target: 'a', name: 'a', source: { file: 'waft.toml', line: 9, column: 1 } },
      { pattern: '/users/:name', target: 'b', name: 'b', source: { file: 'waft.toml', line: 14, column: 1 } },
    ];
    const e = throwsCode(() => new Router(defs), 'WAFT_E_ROUTE_CONFLICT');
    assert.equal(e.message, 'route "/users/:name" of function "b" (waft.toml:14:1) conflicts with "/users/:id" of function "a" (waft.toml:9:1): both match the same paths; rename one');
    assert.equal(e.status, 400);
    assert.deepEqual(e.details, {
      pattern: '/users/:name', name: 'b', source: { file: 'waft.toml', line: 14, column: 1 },
      otherPattern: '/users/:id', otherName: 'a', otherSource: { file: 'waft.toml', line: 9, column: 1 },
    });
  });

  test('the same pattern twice, without positions', () => {
    const e = throwsCode(() => router('/x', '/x'), 'WAFT_E_ROUTE_CONFLICT');
    assert.equal(e.message, 'route "/x" of function "fn /x" conflicts with "/x" of function "fn /x": both match the same paths; rename one');
  });

  const pairs: [string, string][] = [
    ['/hello', '/hello/'],
    ['/static/...', '/static/.../'],
    ['/caf%C3%A9', '/café'],
    ['/a/:x/b/...', '/a/:y/b/...'],
    ['/', '/'],
    ['/...', '/...'],
  ];
  for (const [a, b] of pairs) {
    test(`${JSON.stringify(a)} and ${JSON.stringify(b)} conflict`, () => {
      throwsCode(() => router(a, b), 'WAFT_E_ROUTE_CONFLICT');
    });
  }

  test('overlapping but different routes do not conflict', () => {
    const r = router('/', '/...', '/a', '/a/...', '/:x', '/:x/...', '/a/:y', '/:x/b', '/%3Ax');
    assert.equal(r.routes.length, 9);
  });
});

describe('precedence', () => {
  // [paths → expected winner] for one set of routes
  const r = router(
    '/', '/...',
    '/users', '/users/:id', '/users/me', '/users/:id/posts', '/users/:id/...', '/users/...',
    '/:section', '/:section/about',
    '/static/...', '/static/img/...', '/static/img/logo.png',
    '/a/:x/c', '/a/b/:y', '/a/b/...',
  );
  const table: [string, string][] = [
    ['/', '/'],
    ['/users', '/users'],
    ['/users/me', '/users/me'], // literal beats parameter
    ['/users/42', '/users/:id'], // parameter beats wildcard
    ['/users/42/posts', '/users/:id/posts'],
    ['/users/me/posts', '/users/:id/posts'], // "me" is an exact route, not a prefix: falls back to the parameter
    ['/users/42/likes', '/users/:id/...'], // longer prefix wins among wildcards
    ['/users/42/posts/7', '/users/:id/...'],
    ['/users//x', '/users/...'], // an empty segment matches no parameter
    ['/about', '/:section'],
    ['/blog/about', '/:section/about'],
    ['/blog/other', '/...'],
    ['/static', '/static/...'],
    ['/static/css/x.css', '/static/...'],
    ['/static/img', '/static/img/...'],
    ['/static/img/logo.png', '/static/img/logo.png'],
    ['/static/img/other.png', '/static/img/...'],
    ['/static/img/logo.png/x', '/static/img/...'],
    ['/a/b/c', '/a/b/:y'], // segment 2: literal "b" beats parameter :x
    ['/a/z/c', '/a/:x/c'],
    ['/a/b/c/d', '/a/b/...'],
    ['/a/z/d', '/...'],
    ['/staticx', '/:section'], // a prefix is whole segments: "/static/..." does not match "/staticx"
    ['//', '/...'],
  ];
  for (const [path, want] of table) {
    test(`${path} → ${want}`, () => {
      assert.equal(winner(r, path), want);
    });
  }

  test('the order routes are declared in does not matter', () => {
    const patterns = ['/users/:id', '/users/me', '/users/...', '/...', '/:x/me'];
    const forward = router(...patterns);
    const backward = router(...patterns.slice().reverse());
    for (const path of ['/users/me', '/users/1', '/users/1/2', '/x/me', '/users', '/']) {
      assert.equal(winner(forward, path), winner(backward, path), path);
    }
  });

  test('no route → null', () => {
    const only = router('/a', '/b/:id', '/c/...');
    for (const path of ['/', '/x', '/a/b', '/b', '/b/', '/b/1/2', '/cc', '/b//']) assert.equal(only.match(path), null, path);
  });
});

describe('trailing slash', () => {
  const r = router('/hello', '/users/:id', '/static/...', '/');
  test('exact and parameter routes match with or without one trailing slash', () => {
    assert.equal(winner(r, '/hello'), '/hello');
    assert.equal(winner(r, '/hello/'), '/hello');
    assert.equal(winner(r, '/hello//'), null);
    assert.equal(winner(r, '/users/1/'), '/users/:id');
    assert.deepEqual(r.match('/users/1/')?.params, { id: '1' });
  });
  test('on a wildcard route a trailing slash is PATH_INFO', () => {
    const m = r.match('/static/')!;
    assert.equal(m.scriptName, '/static');
    assert.equal(m.pathInfo, '/');
  });
  test('an exact route beats a wildcard at the same place for "/x/"', () => {
    const both = router('/static', '/static/...');
    assert.equal(winner(both, '/static/'), '/static');
    assert.equal(winner(both, '/static'), '/static');
    assert.equal(winner(both, '/static/x'), '/static/...');
  });
});

describe('the CGI fields of a match', () => {
  const r = router('/hello', '/users/:id', '/files/:dir/...', '/static/...', '/...', '/caf%C3%A9/...');

  test('exact route: SCRIPT_NAME is the path, PATH_INFO is empty', () => {
    assert.deepEqual({ ...r.match('/hello')! }, {
      target: '/hello', name: 'fn /hello', pattern: '/hello', params: {}, scriptName: '/hello', pathInfo: '', rawPathInfo: '',
    });
    assert.equal(r.match('/hell%6F')?.scriptName, '/hello');
  });

  test('parameter route: decoded parameters, SCRIPT_NAME the decoded path', () => {
    const m = r.match('/users/J%C3%BCrgen%20K')!;
    assert.deepEqual(m.params, { id: 'Jürgen K' });
    assert.equal(m.scriptName, '/users/Jürgen K');
    assert.equal(m.pathInfo, '');
    assert.equal(m.rawPathInfo, '');
    assert.deepEqual(r.match('/users/a+b%3Fc')?.params, { id: 'a+b?c' }, '"+" is not a space in a path');
  });

  test('wildcard route: SCRIPT_NAME is the route without /..., PATH_INFO the rest', () => {
    const cases: [string, string, string, string][] = [
      // path, scriptName, pathInfo, rawPathInfo
      ['/static', '/static', '', ''],
      ['/static/', '/static', '/', '/'],
      ['/static/css/site.css', '/static', '/css/site.css', '/css/site.css'],
      ['/static/a%20b/c%3Bd', '/static', '/a b/c;d', '/a%20b/c%3Bd'],
      ['/st%61tic/x', '/static', '/x', '/x'],
      ['/caf%C3%A9/menu', '/café', '/menu', '/menu'],
      ['/', '', '/', '/'],
      ['/anything/else', '', '/anything/else', '/anything/else'],
      ['/any%20thing', '', '/any thing', '/any%20thing'],
      ['/static//x', '/static', '//x', '//x'],
    ];
    for (const [path, scriptName, pathInfo, rawPathInfo] of cases) {
      const m = r.match(path)!;
      assert.deepEqual([m.scriptName, m.pathInfo, m.rawPathInfo], [scriptName, pathInfo, rawPathInfo], path);
    }
  });

  test('SCRIPT_NAME + PATH_INFO is always the decoded request path', () => {
    const paths = ['/hello', '/hello/', '/hell%6F/', '/users/a%20b', '/users/x/', '/files/d/a%2Cb/c', '/files/%64/', '/static',
      '/static/', '/st%61tic/x%20y', '/caf%C3%A9', '/caf%C3%A9/m', '/', '//', '/a/b/c', '/%E2%9C%93'];
    for (const path of paths) {
      const m = r.match(path)!;
      assert.equal(m.scriptName + m.pathInfo, decodeURIComponent(path), path);
    }
  });

  test('wildcard route with a parameter: SCRIPT_NAME is the part of the path it matched', () => {
    const m = r.match('/files/my%20docs/a/b')!;
    assert.equal(m.pattern, '/files/:dir/...');
    assert.deepEqual(m.params, { dir: 'my docs' });
    assert.equal(m.scriptName, '/files/my docs');
    assert.equal(m.pathInfo, '/a/b');
    assert.equal(m.rawPathInfo, '/a/b');
  });

  test('X_MATCHED_ROUTE is the pattern exactly as written', () => {
    const w = router('/hello/');
    assert.equal(w.match('/hello')?.pattern, '/hello/');
  });

  test('matches are read-only where they are shared', () => {
    const m = r.match('/hello')!;
    assert.ok(Object.isFrozen(m.params));
    assert.equal(r.match('/hello'), r.match('/hello'), 'an all-literal route answers with one precomputed match');
  });

  test('routes is the list given, in order', () => {
    assert.deepEqual(r.routes.map((d) => d.pattern), ['/hello', '/users/:id', '/files/:dir/...', '/static/...', '/...', '/caf%C3%A9/...']);
  });
});

describe('hostile paths', () => {
  const r = router('/public/...', '/admin', '/admin/...', '/users/:id', '/...');

  test('dot-dot to climb from a public prefix into another route → 400', () => {
    for (const path of ['/public/../admin', '/public/%2e%2e/admin', '/public/.%2E/admin', '/public/%2E./admin', '/public/..', '/..', '/./admin', '/public/./x']) {
      throwsCode(() => r.match(path), 'WAFT_E_BAD_PATH', /"\." or "\.\." segment/);
    }
  });

  test('an encoded slash to hide a segment boundary → 400', () => {
    for (const path of ['/admin%2Fsecret', '/public/a%2fb', '/users/1%2F2', '/%2F']) {
      throwsCode(() => r.match(path), 'WAFT_E_BAD_PATH', /encoded "\/" \(%2F\)/);
    }
  });

  test('an encoded NUL → 400', () => {
    throwsCode(() => r.match('/users/a%00b'), 'WAFT_E_BAD_PATH', /NUL/);
  });

  test('broken percent-encoding → 400', () => {
    for (const path of ['/users/%', '/users/%4', '/users/%zz', '/users/%C3', '/users/%FF', '/public/%ED%A0%80']) {
      const e = throwsCode(() => r.match(path), 'WAFT_E_BAD_PATH', /broken percent-encoding/);
      assert.equal(e.status, 400);
    }
  });

  test('a path that does not start with "/" (absolute form, "*", empty) → 400', () => {
    for (const path of ['', '*', 'http://evil/admin', 'admin']) throwsCode(() => r.match(path), 'WAFT_E_BAD_PATH', /must start with "\/"/);
  });

  test('dots that are not dot-segments are ordinary', () => {
    assert.equal(r.match('/public/...')?.pathInfo, '/...');
    assert.equal(r.match('/public/.well-known/x')?.pathInfo, '/.well-known/x');
    assert.deepEqual(r.match('/users/..x')?.params, { id: '..x' });
  });

  test('case matters: /ADMIN is not /admin', () => {
    assert.equal(winner(r, '/ADMIN'), '/...');
  });

  test('a long refused path is cut in the message', () => {
    const e = throwsCode(() => r.match('/' + 'a'.repeat(1000) + '/..'), 'WAFT_E_BAD_PATH');
    assert.ok(e.message.length < 300);
  });

  test('a path with very many segments matches without trouble', () => {
    assert.equal(r.match('/public' + '/x'.repeat(5000))?.pattern, '/public/...');
    assert.equal(r.match('/users' + '/x'.repeat(5000))?.pattern, '/...');
  });

  test('a match after a refused path is not polluted by it', () => {
    throwsCode(() => r.match('/users/a/b/c/%zz'), 'WAFT_E_BAD_PATH');
    assert.deepEqual(r.match('/users/7')?.params, { id: '7' });
  });
});

test('literal segments whose hashes collide are still told apart', () => {
  // "7yzl" and "e6ap" have the same 32-bit FNV-1a hash, which the trie uses to find children.
  const r = router('/7yzl', '/e6ap', '/x/7yzl/...', '/x/e6ap/...', '/:any');
  assert.equal(winner(r, '/7yzl'), '/7yzl');
  assert.equal(winner(r, '/e6ap'), '/e6ap');
  assert.equal(winner(r, '/%37yzl'), '/7yzl');
  assert.equal(winner(r, '/e6a%70'), '/e6ap');
  assert.equal(winner(r, '/x/7yzl/1'), '/x/7yzl/...');
  assert.equal(winner(r, '/x/e6ap/1'), '/x/e6ap/...');
  assert.equal(winner(r, '/x/e6aq/1'), null);
  assert.equal(winner(r, '/7yzm'), '/:any');
});

test('an empty router matches nothing but still refuses bad paths', () => {
  const r = new Router<number>([]);
  assert.equal(r.match('/'), null);
  assert.equal(r.match('/a/b'), null);
  throwsCode(() => r.match('/a/../b'), 'WAFT_E_BAD_PATH');
});
