// Every validation error of waft.toml, with the exact line it is reported at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { app, checkError, errorOf, expectError, FILE, lines, parse, type Expected } from './support.ts';

/** A valid function at lines 3–5; the given lines start at line 6. */
const fn = (...rest: string[]) => app('[functions.hello]', 'source = "hello.wasm"', 'route = "/hello"', ...rest);

type Case = [name: string, text: string, expected: Expected];

function run(cases: Case[]): void {
  for (const [name, text, expected] of cases) {
    test(name, () => {
      expectError(text, expected);
    });
  }
}

// ── TOML syntax ──────────────────────────────────────────────────────────────
run([
  ['syntax: an unquoted string is reported at the parser\'s line and column', app('[functions.hello]', 'source = "a.wasm"', 'route = /hello'),
    { code: 'WAFT_E_MANIFEST_SYNTAX', line: 5, column: 9, key: '', says: ['invalid TOML'] }],
  ['syntax: a key written twice', fn('route = "/again"'),
    { code: 'WAFT_E_MANIFEST_SYNTAX', line: 6, says: ['invalid TOML'] }],
  ['syntax: a table defined twice', lines('[app]', 'name = "a"', '[app]', 'name = "b"'),
    { code: 'WAFT_E_MANIFEST_SYNTAX', line: 3 }],
]);

// ── top level and [app] ──────────────────────────────────────────────────────
run([
  ['unknown top-level key with did-you-mean (and no extra "no functions" error)', app('[functons.hello]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 3, column: 1, key: 'functons', says: ['unknown key "functons" in the top level', 'did you mean "functions"?'] }],
  ['Spin\'s [component.NAME] points to [functions.NAME]', app('[component.hello]', 'source = "a.wasm"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 3, says: ['"component"', 'did you mean "functions"?'] }],
  ['an app key written above [app]', lines('version = "1.0"', '[app]', 'name = "a"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 1, says: ['version belongs under [app]: put it after the [app] line'] }],
  ['manifest_version other than 1', lines('manifest_version = 2', '[app]', 'name = "a"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_VERSION', line: 1, says: ['manifest_version = 1'] }],
  ['manifest_version as a string', lines('manifest_version = "1"', '[app]', 'name = "a"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 1 }],
  ['no [app] table is reported at line 1', lines('', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 1, says: ['no [app] table', 'name = "my-app"'] }],
  ['app is not a table', lines('app = "demo"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 1, says: ['app must be a table ([app]), not a string'] }],
  ['[app] without name', lines('# my app', '[app]', 'version = "1"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 2, says: ['[app] has no "name"', 'add name = "my-app"'] }],
  ['app.nmae: one error, the misspelling (not also "no name")', lines('[app]', 'nmae = "demo"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 2, key: 'app.nmae', says: ['did you mean "name"?'] }],
  ['app name of the wrong type', lines('[app]', 'name = 5', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 2, key: 'app.name', says: ['app.name must be a string, not an integer'] }],
  ['app name with capitals and a space', lines('[app]', 'name = "My App"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_NAME', line: 2, says: ['app name "My App"', 'lowercase letters', 'e.g. "my-app"'] }],
  ['app name starting with a digit', lines('[app]', 'name = "1app"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_NAME', line: 2, says: ['starting with a letter'] }],
  ['app name longer than 63 characters', lines('[app]', `name = "${'a'.repeat(64)}"`, '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_NAME', line: 2, says: ['longer than 63'] }],
  ['app.version as a number suggests the string', lines('[app]', 'name = "a"', 'version = 2', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 3, says: ['version = "2"'] }],
  ['app.description as a boolean', lines('[app]', 'name = "a"', 'description = true', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 3, says: ['app.description must be a string, not a boolean'] }],
  ['[app.functions] is pointed back to the top level', lines('[app]', 'name = "a"', '[app.functions.x]', 'source = "a.wasm"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 3, says: ['[functions] is a top-level table; move it out of [app]'] }],
  ['an app without functions', app('[variables]', 'x = { default = "1" }'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 1, says: ['no functions', '[functions.hello]'] }],
  ['an empty [functions] table', app('', '[functions]'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 4, says: ['no functions'] }],
  ['[[functions]] instead of [functions.NAME]', app('[[functions]]', 'source = "a.wasm"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 3, says: ['not [[functions]]'] }],
  ['a function that is not a table', app('[functions]', 'hello = "hello.wasm"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 4, key: 'functions.hello', says: ['functions.hello must be a table'] }],
  ['a function key written directly under [functions]', app('[functions]', 'route = "/x"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 4, says: ['"route" sits directly under [functions]', '[functions.NAME]'] }],
]);

// ── [functions.NAME] ─────────────────────────────────────────────────────────
run([
  ['function name with a capital letter, at its header', app('', '[functions.Hello]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_NAME', line: 4, column: 1, says: ['function name "Hello"', 'e.g. "hello"'] }],
  ['function name with a dot (quoted key)', app('[functions."a.b"]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_NAME', line: 3, says: ['function name "a.b"'] }],
  ['"rout": one error with did-you-mean, at the key\'s line', app('[functions.hello]', 'source = "hello.wasm"', '', 'rout = "/hello"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 6, column: 1, key: 'functions.hello.rout', says: ['unknown key "rout" in [functions.hello]; did you mean "route"?'] }],
  ['an unknown key far from every known key lists the allowed keys', fn('colour = "blue"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 6, says: ['the keys allowed here are "source", "route"'] }],
  ['a limit written directly under the function', fn('memory = "64MiB"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 6, says: ['"memory" is a limit; move it under [functions.hello.limits]'] }],
  ['"env" is pointed to "environment"', fn('env = { A = "b" }'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 6, says: ['did you mean "environment"?'] }],
  ['a misspelt key inside an inline table is found at its column', fn('build = { command = "make", wrokdir = "src" }'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 6, column: 29, key: 'functions.hello.build.wrokdir', says: ['in [functions.hello.build]; did you mean "workdir"?'] }],
  ['no source', app('[functions.hello]', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 3, says: ['[functions.hello] has no "source"', 'source = "hello.wasm"'] }],
  ['source of the wrong type', app('[functions.hello]', 'route = "/"', 'source = ["a.wasm"]'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 5, says: ['functions.hello.source must be a string, not an array'] }],
  ['an empty source', app('[functions.hello]', 'route = "/"', 'source = ""'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 5, says: ['functions.hello.source is empty'] }],
  ['no route', app('[functions.hello]', 'source = "hello.wasm"'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 3, says: ['[functions.hello] has no "route"', 'route = "/hello"'] }],
  ['both route and routes, at routes', fn('routes = ["/a"]'),
    { code: 'WAFT_E_MANIFEST_ROUTE', line: 6, says: ['sets both "route" and "routes"; keep one'] }],
  ['route of the wrong type', app('[functions.hello]', 'source = "a.wasm"', 'route = 8080'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 5, says: ['functions.hello.route must be a string, not an integer'] }],
  ['routes that is not an array', app('[functions.hello]', 'source = "a.wasm"', 'routes = "/a"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 5, says: ['functions.hello.routes must be an array of strings, not a string'] }],
  ['a routes element that is not a string, at its column', app('[functions.hello]', 'source = "a.wasm"', 'routes = ["/a", 2]'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 5, column: 17, key: 'functions.hello.routes[1]' }],
  ['an empty routes array', app('[functions.hello]', 'source = "a.wasm"', 'routes = []'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 5, says: ['functions.hello.routes is empty'] }],
]);

// ── route syntax ─────────────────────────────────────────────────────────────
const routeCase = (route: string, ...says: string[]): Case => [
  `route ${JSON.stringify(route)} is refused`,
  app('[functions.hello]', 'source = "a.wasm"', `routes = ["/ok", ${JSON.stringify(route)}]`),
  { code: 'WAFT_E_MANIFEST_ROUTE', line: 5, column: 18, key: 'functions.hello.routes[1]', says },
];
run([
  routeCase('hello', 'must start with "/"', 'write "/hello"'),
  routeCase('', 'is empty'),
  routeCase('/a//b', 'empty segment', 'write "/a/b"'),
  routeCase('/a/../b', '".." segment'),
  routeCase('/a/./b', '"." segment'),
  routeCase('/a/%2e%2e/b', '"%2e%2e" segment'),
  routeCase('/.../a', '"..." before the end'),
  routeCase('/static/*', 'to match everything under a path write "/static/..."'),
  routeCase('/a/:', 'parameter ":"'),
  routeCase('/a/:1x', 'parameter ":1x"'),
  routeCase('/a/:id/b/:id', 'uses the parameter ":id" twice'),
  routeCase('/a?x=1', 'never the query'),
  routeCase('/a#top', 'never the query or fragment'),
  routeCase('/a b', 'percent-encoded (%20)'),
  routeCase('/users/{id}', 'write the parameter as ":id"'),
  routeCase('/a%2Fb', 'encodes "/" or NUL'),
  routeCase('/a%zz', 'broken percent-encoding'),
  ['a route listed twice', app('[functions.hello]', 'source = "a.wasm"', 'routes = ["/a", "/b", "/a"]'),
    { code: 'WAFT_E_MANIFEST_DUPLICATE', line: 5, column: 23, says: ['route "/a" is listed twice'] }],
  ['a bad single route is reported at route', app('[functions.hello]', 'source = "a.wasm"', '', 'route = "hello"'),
    { code: 'WAFT_E_MANIFEST_ROUTE', line: 6, key: 'functions.hello.route', says: ['route "hello" must start with "/"'] }],
]);

// ── build ────────────────────────────────────────────────────────────────────
run([
  ['build of the wrong type', fn('build = 1'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, says: ['a string or a table'] }],
  ['an empty build command', fn('build = "  "'), { code: 'WAFT_E_MANIFEST_MISSING', line: 6, says: ['functions.hello.build is empty'] }],
  ['a build table without command', fn('', '[functions.hello.build]', 'workdir = "src"'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 7, says: ['functions.hello.build has no "command"'] }],
  ['a build command of the wrong type', fn('build = { command = ["make"] }'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, key: 'functions.hello.build.command' }],
  ['an empty build table command', fn('build = { command = "" }'), { code: 'WAFT_E_MANIFEST_MISSING', line: 6, says: ['build.command is empty'] }],
  ['a build workdir of the wrong type', fn('[functions.hello.build]', 'command = "make"', 'workdir = 1'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 8, key: 'functions.hello.build.workdir' }],
  ['build.watch that is not a list of strings', fn('[functions.hello.build]', 'command = "make"', 'watch = "*.c"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 8, says: ['watch = ["src/**/*.c"]'] }],
]);

// ── environment ──────────────────────────────────────────────────────────────
run([
  ['environment that is not a table', fn('environment = ["A=b"]'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, says: ['environment = { GREETING = "hi" }'] }],
  ['an environment value that is a number', fn('[functions.hello.environment]', 'A = "ok"', 'PORT = 8080'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 8, key: 'functions.hello.environment.PORT', says: ['PORT = "8080"', 'environment values are always strings'] }],
  ['an environment value that is a boolean, inline', fn('environment = { A = "x", DEBUG = true }'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 6, column: 26, says: ['DEBUG = "true"'] }],
  ['an environment name that is no variable name', fn('environment = { "MY-VAR" = "x" }'),
    { code: 'WAFT_E_MANIFEST_NAME', line: 6, says: ['environment variable name "MY-VAR"'] }],
]);

// ── files ────────────────────────────────────────────────────────────────────
run([
  ['files that is not an array', fn('files = "static"'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, says: ['files = ["static"]'] }],
  ['a files element that is a number', fn('files = ["a", 1]'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, column: 15, key: 'functions.hello.files[1]' }],
  ['a files table without source', fn('files = [{ destination = "/x" }]'),
    { code: 'WAFT_E_MANIFEST_MISSING', line: 6, says: ['functions.hello.files[0] has no "source"'] }],
  ['a files source of the wrong type', fn('files = [{ source = 1 }]'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, key: 'functions.hello.files[0].source' }],
  ['a files destination of the wrong type', fn('files = [{ source = "a", destination = 1 }]'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 6, key: 'functions.hello.files[0].destination' }],
  ['a files table with an unknown key', fn('files = [{ source = "a", dest = "/a" }]'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 6, says: ['did you mean "destination"?'] }],
  ['an empty files source', fn('files = [""]'), { code: 'WAFT_E_MANIFEST_FILES', line: 6, says: ['is empty'] }],
  ['path escape through ".." in a files source', fn('files = ["static", "../secrets"]'),
    { code: 'WAFT_E_MANIFEST_FILES', line: 6, column: 20, says: ['"../secrets", which leads outside the app directory /srv/demo'] }],
  ['path escape through a disguised "static/../../etc"', fn('[[functions.hello.files]]', 'source = "static/../../etc"', 'destination = "/etc"'),
    { code: 'WAFT_E_MANIFEST_FILES', line: 7, key: 'functions.hello.files[0].source', says: ['leads outside the app directory'] }],
  ['path escape through an absolute source', fn('files = [{ source = "/etc", destination = "/etc" }]'),
    { code: 'WAFT_E_MANIFEST_FILES', line: 6, says: ['"/etc", which leads outside'] }],
  ['a relative destination', fn('files = [{ source = "static", destination = "static" }]'),
    { code: 'WAFT_E_MANIFEST_FILES', line: 6, key: 'functions.hello.files[0].destination', says: ['must be absolute, write "/static"'] }],
  ['a destination with ".."', fn('files = [{ source = "static", destination = "/a/../.." }]'),
    { code: 'WAFT_E_MANIFEST_FILES', line: 6, says: ['may not hold ".." segments'] }],
  ['two entries with the same destination, reported at the second', fn('files = [', '  "static",', '  { source = "public", destination = "/static/" },', ']'),
    { code: 'WAFT_E_MANIFEST_DUPLICATE', line: 8, says: ['mounts a second directory at "/static"', 'functions.hello.files[0], line 7'] }],
]);

// ── key_value_stores and allowed_outbound_hosts ──────────────────────────────
run([
  ['key_value_stores that is not an array', fn('key_value_stores = "default"'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, says: ['key_value_stores = ["default"]'] }],
  ['a key_value_stores element that is not a string', fn('key_value_stores = [true]'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, key: 'functions.hello.key_value_stores[0]' }],
  ['a key-value store name with a slash', fn('key_value_stores = ["default", "a/b"]'),
    { code: 'WAFT_E_MANIFEST_NAME', line: 6, column: 32, says: ['key-value store name "a/b"'] }],
  ['a key-value store listed twice', fn('key_value_stores = ["default", "default"]'), { code: 'WAFT_E_MANIFEST_DUPLICATE', line: 6, column: 32 }],
  ['allowed_outbound_hosts that is not an array', fn('allowed_outbound_hosts = "https://a.com"'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6 }],
]);
const hostCase = (entry: string, ...says: string[]): Case => [
  `outbound host ${JSON.stringify(entry)} is refused`,
  fn('allowed_outbound_hosts = [', '  "https://ok.example.com",', `  ${JSON.stringify(entry)},`, ']'),
  { code: 'WAFT_E_MANIFEST_OUTBOUND_HOST', line: 8, column: 3, key: 'functions.hello.allowed_outbound_hosts[1]', says },
];
run([
  hostCase('api.example.com', 'has no scheme', 'write "https://api.example.com"'),
  hostCase('ftp://files.example.com', 'scheme "ftp"', '"http", "https" or "*"'),
  hostCase('https://api.example.com/v1/users', 'has a path or query ("/v1/users")', 'write "https://api.example.com"'),
  hostCase('https://api.example.com?x=1', 'path or query'),
  hostCase('https://user:pw@api.example.com', 'user name'),
  hostCase('https://api.example.com:99999', 'port'),
  hostCase('https://api.example.com:http', 'port'),
  hostCase('https://api.*.example.com', 'wildcard'),
  hostCase('https://*.1.2.3.4', 'wildcard applies to domain names'),
  hostCase('https://', 'has no host'),
  hostCase('https://exa mple.com', 'not a valid host name'),
  ['an outbound host listed twice', fn('allowed_outbound_hosts = ["https://a.com", "https://a.com"]'),
    { code: 'WAFT_E_MANIFEST_DUPLICATE', line: 6, says: ['listed twice'] }],
]);

// ── variables ────────────────────────────────────────────────────────────────
const withVars = (...vars: string[]) => (...fnLines: string[]) => lines('[app]', 'name = "demo"', '[variables]', ...vars, '[functions.hello]', 'source = "a.wasm"', 'route = "/"', ...fnLines);
const vars = withVars('api_key = { required = true }', 'greeting = { default = "hello" }'); // function lines start at 9
run([
  ['[variables] that is not a table', lines('variables = ["x"]', '[app]', 'name = "a"', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 1, says: ['variables must be a table ([variables]), not an array'] }],
  ['[variables] written inside [app]', lines('[app]', 'name = "a"', 'variables = { x = { default = "1" } }', '[functions.a]', 'source = "a.wasm"', 'route = "/"'),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 3, says: ['[variables] is a top-level table; move it out of [app]'] }],
  ['a variable name with capitals', withVars('ApiKey = { required = true }')(),
    { code: 'WAFT_E_MANIFEST_VARIABLE', line: 4, says: ['variable name "ApiKey"', 'e.g. "apikey"'] }],
  ['a variable name with a dash', withVars('api-key = { required = true }')(),
    { code: 'WAFT_E_MANIFEST_VARIABLE', line: 4, says: ['e.g. "api_key"'] }],
  ['a variable written as a plain string', withVars('greeting = "hello"')(),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 4, says: ['greeting = { default = "hello" }'] }],
  ['a misspelt default', withVars('greeting = { defualt = "hello" }')(),
    { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 4, says: ['did you mean "default"?'] }],
  ['required that is not a boolean', withVars('api_key = { required = "yes" }')(),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 4, key: 'variables.api_key.required', says: ['true or false'] }],
  ['secret that is not a boolean', withVars('api_key = { required = true, secret = 1 }')(),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 4, key: 'variables.api_key.secret' }],
  ['a default that is not a string', withVars('port = { default = 8080 }')(),
    { code: 'WAFT_E_MANIFEST_TYPE', line: 4, says: ['default = "8080"'] }],
  ['required with a default is contradictory', withVars('[variables.api_key]', 'default = "x"', 'required = true')(),
    { code: 'WAFT_E_MANIFEST_VARIABLE', line: 6, says: ['is required and has a default', 'drop required = true or drop the default'] }],
  ['neither required nor a default', withVars('api_key = { secret = true }')(),
    { code: 'WAFT_E_MANIFEST_VARIABLE', line: 4, says: ['has neither a default nor required = true'] }],
  ['bindings that are not a table', vars('variables = "{{ api_key }}"'), { code: 'WAFT_E_MANIFEST_TYPE', line: 9 }],
  ['a binding that is not a string', vars('variables = { key = 1 }'), { code: 'WAFT_E_MANIFEST_TYPE', line: 9, says: ['key = "{{ api_key }}"'] }],
  ['a binding name with capitals', vars('variables = { Key = "{{ api_key }}" }'), { code: 'WAFT_E_MANIFEST_VARIABLE', line: 9, says: ['binding name "Key"'] }],
  ['a binding to a variable [variables] does not declare', vars('[functions.hello.variables]', 'key = "{{ api_key }}"', 'token = "{{ token }}"'),
    { code: 'WAFT_E_MANIFEST_VARIABLE', line: 11, key: 'functions.hello.variables.token', says: ['binds app variable "token", which [variables] does not declare', 'token = { required = true }'] }],
  ['an unknown variable inside a template, with did-you-mean', vars('variables = { msg = "{{ greting }} world" }'),
    { code: 'WAFT_E_MANIFEST_VARIABLE', line: 9, column: 15, says: ['refers to "{{ greting }}"', 'did you mean "{{ greeting }}"?'] }],
  ['an unclosed "{{"', vars('variables = { msg = "{{ greeting world" }'), { code: 'WAFT_E_MANIFEST_VARIABLE', line: 9, says: ['without a closing "}}"'] }],
  ['a reference that is no variable name', vars('variables = { msg = "{{ Api-Key }}" }'), { code: 'WAFT_E_MANIFEST_VARIABLE', line: 9, says: ['one variable name'] }],
  ['a binding in an app without [variables]', fn('variables = { key = "{{ api_key }}" }'),
    { code: 'WAFT_E_MANIFEST_VARIABLE', line: 6, says: ['declare it under [variables]'] }],
]);

// ── limits ───────────────────────────────────────────────────────────────────
const limit = (line: string) => fn('', '[functions.hello.limits]', line); // the line is line 8
run([
  ['limits that is not a table', fn('limits = "64MiB"'), { code: 'WAFT_E_MANIFEST_TYPE', line: 6, says: ['limits = { memory = "64MiB"'] }],
  ['a misspelt limit', limit('memroy = "64MiB"'), { code: 'WAFT_E_MANIFEST_UNKNOWN_KEY', line: 8, says: ['in [functions.hello.limits]; did you mean "memory"?'] }],
  ['memory above 4GiB', limit('memory = "8GiB"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8, says: ['is 8GiB, above the most allowed, 4GiB'] }],
  ['memory below one page', limit('memory = "1KiB"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8, says: ['below the least allowed, 64KiB'] }],
  ['memory that is no size', limit('memory = "lots"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8, says: ['cannot read "lots" as a size', 'memory = "64MiB"'] }],
  ['memory with an unknown unit', limit('memory = "64 MB_"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8 }],
  ['memory as a float', limit('memory = 1.5'), { code: 'WAFT_E_MANIFEST_TYPE', line: 8, says: ['not a float'] }],
  ['timeout that is no duration', limit('timeout = "10 sec"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8, says: ['cannot read "10 sec" as a duration', 'ms, s, m or h'] }],
  ['timeout of zero', limit('timeout = "0s"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8, says: ['below the least allowed, 1ms'] }],
  ['timeout above an hour', limit('timeout = "2h"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8, says: ['above the most allowed, 3600000ms'] }],
  ['timeout as a boolean', limit('timeout = true'), { code: 'WAFT_E_MANIFEST_TYPE', line: 8 }],
  ['max_body above 4GiB', limit('max_body = "5GiB"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8 }],
  ['max_output that is no size', limit('max_output = "big"'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8 }],
  ['concurrency of zero', limit('concurrency = 0'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8, says: ['concurrency is 0, below the least allowed, 1'] }],
  ['concurrency as a string', limit('concurrency = "8"'), { code: 'WAFT_E_MANIFEST_TYPE', line: 8, says: ['a whole number, not a string', 'concurrency = 8'] }],
  ['a negative queue', limit('queue = -1'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8 }],
  ['a queue above the most allowed', limit('queue = 2_000_000'), { code: 'WAFT_E_MANIFEST_LIMIT', line: 8 }],
]);

// ── gathering ────────────────────────────────────────────────────────────────
test('every problem is gathered in details.errors, sorted by position; the first is the message', () => {
  const text = lines(
    '[app]',
    'name = "Demo"', //                        2: bad name
    '[functions.b]',
    'source = "b.wasm"',
    'route = "b"', //                          5: no leading /
    '[functions.a]',
    'source = "a.wasm"',
    'route = "/a"',
    'limits = { memory = "9GiB" }', //        9: too much memory
    'allowed_outbound_hosts = ["a.com"]', //  10: no scheme
  );
  const err = errorOf(() => parse(text));
  checkError(err, { code: 'WAFT_E_MANIFEST_NAME', line: 2, key: 'app.name', says: ['(and 3 more errors)'] });
  const errors = err.details?.errors as { code: string; line: number; column: number; key: string; file: string; message: string }[];
  assert.deepEqual(errors.map((e) => [e.code, e.line, e.key]), [
    ['WAFT_E_MANIFEST_NAME', 2, 'app.name'],
    ['WAFT_E_MANIFEST_ROUTE', 5, 'functions.b.route'],
    ['WAFT_E_MANIFEST_LIMIT', 9, 'functions.a.limits.memory'],
    ['WAFT_E_MANIFEST_OUTBOUND_HOST', 10, 'functions.a.allowed_outbound_hosts[0]'],
  ]);
  for (const e of errors) {
    assert.equal(e.file, FILE);
    assert.ok(e.message.startsWith(`${FILE}:${e.line}:${e.column}: `), e.message);
  }
});

test('the error survives a trip across a worker boundary with its positions', () => {
  const err = errorOf(() => parse(fn('rout = "/x"')));
  const copy = structuredClone(err.toJSON());
  assert.equal(copy.code, 'WAFT_E_MANIFEST_UNKNOWN_KEY');
  assert.equal((copy.details?.errors as unknown[]).length, 1);
  assert.equal(err.status, 422);
  assert.ok(err.hint.length > 20);
});

test('messages name the file relative to the working directory when it is inside it', async () => {
  const { parseManifest } = await import('../../src/manifest/load.ts');
  const err = errorOf(() => parseManifest(fn('rout = "/x"'), `${process.cwd()}/examples/demo/waft.toml`));
  assert.ok(err.message.startsWith('examples/demo/waft.toml:6:1: unknown key "rout"'), err.message);
  assert.equal(err.details?.file, `${process.cwd()}/examples/demo/waft.toml`);
});

test('positions stay right after an element of the wrong type', () => {
  const err = errorOf(() => parse(fn('key_value_stores = [1, "Bad"]', 'allowed_outbound_hosts = [true, "ftp://x"]')));
  const errors = err.details?.errors as { key: string; line: number; column: number }[];
  assert.deepEqual(errors.map((e) => [e.key, e.line, e.column]), [
    ['functions.hello.key_value_stores[0]', 6, 21],
    ['functions.hello.key_value_stores[1]', 6, 24],
    ['functions.hello.allowed_outbound_hosts[0]', 7, 27],
    ['functions.hello.allowed_outbound_hosts[1]', 7, 33],
  ]);
});
