// Capabilities end to end through `waft up`: waft.toml grants, the runtime config, variables
// from --var, WAFT_VAR_* and .env, denial lines with their request id, secrets kept out of logs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { WaftError } from '../../../src/errors.ts';
import { cGuest, clangMissing, repoRoot } from '../../support/guests.ts';
import { serveApp, writeApp } from '../../support/app.ts';
import { startServer } from '../http/servers.ts';

const skip = clangMissing();

async function post(url: string, body: string) {
  const r = await request(url, { method: 'POST', body });
  return { status: r.statusCode, text: await r.body.text(), id: r.headers['x-waft-error-id'] };
}

function counterApp(extra = ''): string {
  return writeApp({
    'waft.toml': `[app]
name = "counter"

[functions.count]
source = "counter.wasm"
route = "/count"
key_value_stores = ["default"]
${extra}`,
    'counter.wasm': { copy: cGuest('cap_counter')! },
  });
}

describe('waft up: capabilities', { skip: skip ?? false }, () => {
  test('a C guest counts its requests in the default (SQLite) store, one after another and all at once', async () => {
    const app = await serveApp(counterApp());
    try {
      for (let i = 1; i <= 3; i++) {
        const r = await request(`${app.url}/count`);
        assert.equal(r.statusCode, 200);
        assert.equal(await r.body.text(), `hits ${i}\n`);
      }
      const texts = await Promise.all(Array.from({ length: 20 }, async () => (await request(`${app.url}/count`)).body.text()));
      const counts = texts.map((t) => Number(/^hits (\d+)\n$/.exec(t)![1])).sort((a, b) => a - b);
      assert.deepEqual(counts, Array.from({ length: 20 }, (_, i) => i + 4), 'every increment counted once');
    } finally {
      await app.close();
    }
  });

  test('each denial is DENIED to the guest and one log line with the request id and the key that grants it', async () => {
    const upstream = await startServer((_req, res) => res.end('not reached'));
    const dir = writeApp({
      'waft.toml': `[app]
name = "denials"

[variables]
greeting = { default = "hello" }

[functions.script]
source = "script.wasm"
route = "/script"
environment = { WAGI = "1" }
key_value_stores = ["default"]
variables = { greeting = "{{ greeting }}" }
`,
      'script.wasm': { copy: cGuest('cap_script')! },
    });
    const app = await serveApp(dir);
    try {
      const r = await post(`${app.url}/script`, ['open other', 'var nope', `http GET ${upstream.origin}/`, 'var greeting', 'open default'].join('\n'));
      assert.equal(r.status, 200);
      assert.match(r.text, /^open -> 1\n {2}error: function "script" was denied key-value store "other"/m);
      assert.match(r.text, /^var -> 1\n/m);
      assert.match(r.text, /^http -> 1\n/m);
      assert.match(r.text, /^var -> 0 value=hello$/m);
      assert.match(r.text, /^open -> 0 handle=nonzero$/m);
      const logs = app.logs();
      const id = /\[(\w+)\] Processing by function "script"/.exec(logs)![1];
      const denials = [
        'function "script" was denied key-value store "other": add it to key_value_stores in [functions.script]',
        'function "script" was denied variable "nope": bind it in variables in [functions.script], e.g. variables = { nope = "{{ nope }}" }',
        `function "script" was denied outbound request to ${upstream.origin}/: add "${upstream.origin}" to allowed_outbound_hosts in [functions.script]`,
      ];
      for (const line of denials) {
        assert.equal(logs.split(line).length - 1, 1, `exactly one log line for: ${line}\n${logs}`);
        assert.ok(logs.includes(`[${id}]   script: [DENIED] ${line}\n`), logs);
      }
      assert.equal(upstream.connections, 0);
    } finally {
      await app.close();
      await upstream.close();
    }
  });

  test('secrets never reach a log line or an error message; guest logs carry function and request id', async () => {
    const secret = 's3cr3t-Tok3n';
    const dir = writeApp({
      'waft.toml': `[app]
name = "secrets"

[variables]
api_token = { required = true, secret = true }

[functions.script]
source = "script.wasm"
route = "/script"
environment = { WAGI = "1" }
key_value_stores = ["default"]
variables = { token = "Bearer {{ api_token }}" }
`,
      'script.wasm': { copy: cGuest('cap_script')! },
    });
    const app = await serveApp(dir, { variables: { vars: { api_token: secret } } });
    try {
      const r = await post(`${app.url}/script`, [
        'var token', `log 2 calling with ${secret}`, `stderr the token is ${secret}`, 'open default', `get ${secret}`, `open ${secret}`,
      ].join('\n'));
      assert.equal(r.status, 200);
      // The guest may read its own secret; what the host says about it is redacted.
      assert.match(r.text, new RegExp(`^var -> 0 value=Bearer ${secret}$`, 'm'));
      assert.match(r.text, /^get -> 2\n {2}error: key "\[redacted\]" is not in key-value store "default"$/m);
      assert.match(r.text, /^open -> 1\n {2}error: function "script" was denied key-value store "\[redacted\]"/m);
      const logs = app.logs();
      assert.ok(!logs.includes(secret), logs);
      assert.match(logs, /\[\w+\] {3}script: \[INFO\] calling with \[redacted\]\n/);
      assert.match(logs, /\[\w+\] {3}script: the token is \[redacted\]\n/);
      assert.match(logs, /\[\w+\] {3}script: \[DENIED\] function "script" was denied key-value store "\[redacted\]"/);
    } finally {
      await app.close();
    }
  });

  test('variables come from --var, then WAFT_VAR_*, then .env, then the default; a missing required one fails at load', async () => {
    const toml = `[app]
name = "vars"

[variables]
a = { default = "default-a" }
b = { default = "default-b" }
c = { default = "default-c" }
d = { default = "default-d" }
needed = { required = true }

[functions.script]
source = "script.wasm"
route = "/script"
environment = { WAGI = "1" }
variables = { a = "{{ a }}", b = "{{ b }}", c = "{{ c }}", d = "{{ d }}", all = "{{a}}/{{ needed }}" }
`;
    const dir = writeApp({ 'waft.toml': toml, 'script.wasm': { copy: cGuest('cap_script')! }, '.env': 'a=dotenv-a\nb=dotenv-b\nc=dotenv-c\nneeded=from-dotenv\n' });
    const app = await serveApp(dir, { variables: { vars: { a: 'cli-a' }, env: { WAFT_VAR_A: 'env-a', WAFT_VAR_B: 'env-b' } } });
    try {
      const r = await post(`${app.url}/script`, 'var a\nvar b\nvar c\nvar d\nvar all');
      assert.deepEqual(r.text.trim().split('\n'), [
        'var -> 0 value=cli-a', 'var -> 0 value=env-b', 'var -> 0 value=dotenv-c', 'var -> 0 value=default-d', 'var -> 0 value=cli-a/from-dotenv',
      ]);
    } finally {
      await app.close();
    }
    const bare = writeApp({ 'waft.toml': toml, 'script.wasm': { copy: cGuest('cap_script')! } });
    await assert.rejects(serveApp(bare, { variables: { env: {} } }), (err: unknown) => {
      assert.ok(err instanceof WaftError);
      assert.equal(err.code, 'WAFT_E_VARIABLE_MISSING');
      assert.match(err.message, /waft\.toml:9:\d+: variable "needed" is required: set WAFT_VAR_NEEDED/);
      return true;
    });
    await assert.rejects(serveApp(bare, { variables: { env: {}, vars: { needed: 'x', neded: 'y' } } }), (err: unknown) => err instanceof WaftError && err.code === 'WAFT_E_VARIABLE_UNKNOWN');
  });

  test('the runtime config gives each store its backend; a function reaches only the stores it names', async () => {
    const dir = writeApp({
      'waft.toml': `[app]
name = "stores"

[functions.count]
source = "counter.wasm"
route = "/count"
environment = { STORE = "cache" }
key_value_stores = ["cache"]

[functions.other]
source = "counter.wasm"
route = "/other"
environment = { STORE = "cache" }
key_value_stores = ["default"]
`,
      'counter.wasm': { copy: cGuest('cap_counter')! },
      'runtime.toml': '[key_value_store.cache]\ntype = "sqlite"\npath = "data/cache"\n',
    });
    const app = await serveApp(dir, { runtimeConfig: join(dir, 'runtime.toml') });
    try {
      assert.equal((await post(`${app.url}/count`, '')).text, 'hits 1\n');
      const denied = await post(`${app.url}/other`, '');
      assert.equal(denied.status, 503);
      assert.match(denied.text, /kv_open failed with status 1: function "other" was denied key-value store "cache": add it to key_value_stores in \[functions\.other\]/);
    } finally {
      await app.close();
    }
    const missing = writeApp({ 'waft.toml': `[app]\nname = "x"\n[functions.f]\nsource = "c.wasm"\nroute = "/"\nkey_value_stores = ["cache"]\n`, 'c.wasm': { copy: cGuest('cap_counter')! } });
    await assert.rejects(serveApp(missing), (err: unknown) => err instanceof WaftError && err.code === 'WAFT_E_MANIFEST_STORE');
  });

  test('the waft CLI: `waft up --runtime-config --var --env-file` serves a counting guest', async () => {
    const dir = counterApp(`variables = { who = "{{ who }}" }\n[variables]\nwho = { required = true }\nother = { required = true }\n`);
    writeFileSync(join(dir, 'runtime.toml'), '[key_value_store.default]\ntype = "sqlite"\npath = "state"\n');
    writeFileSync(join(dir, 'vars.env'), 'other=from-env-file\n');
    const child = spawn(process.execPath, [
      join(repoRoot, 'bin/waft.js'), 'up', dir, '--listen', '127.0.0.1:0', '--log-format', 'plain',
      '--runtime-config', join(dir, 'runtime.toml'), '--var', 'who=cli', '--env-file', join(dir, 'vars.env'),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = once(child, 'exit');
    try {
      while (!/serving "counter" at (http:\/\/\S+)/.test(out)) {
        await Promise.race([once(child.stdout, 'data'), exited.then(() => { throw new Error(`waft up exited:\n${out}`); })]);
      }
      const url = /serving "counter" at (http:\/\/\S+)/.exec(out)![1];
      for (let i = 1; i <= 3; i++) assert.equal((await post(`${url}/count`, '')).text, `hits ${i}\n`);
      child.kill('SIGINT');
      const [code] = await exited;
      assert.equal(code, 0, out);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
