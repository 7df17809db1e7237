// The server commands of the CLI (login, deploy, apps, versions, invoke, logs, rollback, tokens)
// against a real `waft server` on a free port with a temp data dir. The CLI runs as a child
// process (node bin/waft.js) with WAFT_CONFIG in a temp dir; the guests are C built from source.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Logger } from '../../src/host/logger.ts';
import { startServer, type WaftServer } from '../../src/server/server.ts';
import { ApiClient } from '../../src/cli/client/api.ts';
import { ServerError } from '../../src/cli/client/server-error.ts';
import { until, writeApp } from '../support/app.ts';
import { cGuest, clangMissing, repoRoot, watGuest } from '../support/guests.ts';

const node = join(repoRoot, 'node_modules/.bin/node');
const bin = join(repoRoot, 'bin/waft.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Env {
  server: WaftServer;
  url: string;
  adminToken: string;
  home: string;
  config: string;
  /** Runs the CLI; the server keeps answering meanwhile (it lives in this process, so never spawnSync). */
  waft(args: string[], options?: RunOptions): Promise<Run>;
  admin: ApiClient;
}

interface RunOptions {
  input?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

function waftIn(home: string, config: string) {
  return (args: string[], options: RunOptions = {}): Promise<Run> => {
    const env: Record<string, string | undefined> = { ...process.env, HOME: home, WAFT_CONFIG: config, NO_COLOR: '1' };
    delete env.WAFT_SERVER;
    delete env.WAFT_TOKEN;
    delete env.XDG_CONFIG_HOME;
    Object.assign(env, options.env);
    const child = spawn(node, [bin, ...args], { cwd: options.cwd ?? home, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.stdin.end(options.input ?? '');
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  };
}

async function startEnv(t: TestContext): Promise<Env> {
  const root = mkdtempSync(join(tmpdir(), 'waft-cli-server-'));
  const adminToken = `waft_test_${randomBytes(24).toString('base64url')}`;
  const server = await startServer({
    dataDir: join(root, 'data'), host: '127.0.0.1', port: 0, domain: 'localhost',
    logger: new Logger('plain', new PassThrough().resume()), adminToken,
  });
  const home = join(root, 'home');
  mkdirSync(home);
  const config = join(home, 'cfg', 'waft.json');
  const admin = new ApiClient(server.url, adminToken);
  t.after(async () => {
    await admin.close();
    await server.stop(2000);
    rmSync(root, { recursive: true, force: true });
  });
  return { server, url: server.url, adminToken, home, config, waft: waftIn(home, config), admin };
}

/** Writes an app dir: wagi_reply as "hello" (GREETING from the manifest), wagi_echo as "echo", a trapping "boom". */
async function writeHelloApp(dir: string, greeting: string, extra = ''): Promise<void> {
  writeApp({
    'reply.wasm': { copy: cGuest('wagi_reply')! },
    'echo.wasm': { copy: cGuest('wagi_echo')! },
    'trap.wasm': { copy: await watGuest('trap') },
    'waft.toml': `[app]
name = "hello"

[functions.hello]
source = "reply.wasm"
route = "/hello"
environment = { GREETING = "${greeting}" }
${extra}
[functions.echo]
source = "echo.wasm"
route = "/echo"

[functions.boom]
source = "trap.wasm"
route = "/boom"
`,
  }, dir);
}

/** The error the server answers to call(), straight from the API. */
async function sentBy(call: () => Promise<unknown>): Promise<ServerError> {
  try {
    await call();
  } catch (err) {
    if (err instanceof ServerError) return err;
    throw err;
  }
  throw new Error('the server accepted the call');
}

/** The CLI's stderr holds the server's message, code and hint unchanged, and a request id. */
function assertShownAsSent(stderr: string, sent: ServerError): void {
  assert.ok(stderr.includes(`waft: error: ${sent.message} [${sent.code}]\n`), `message and code as sent:\n${stderr}`);
  assert.ok(sent.hint && stderr.includes(`  hint: ${sent.hint}\n`), `hint as sent:\n${stderr}`);
  assert.match(stderr, /^ {2}request id: \S+$/m);
}

const clangSkip = () => {
  const missing = clangMissing();
  return missing ? `${missing}: the deployed guests are C` : null;
};

test('waft login, deploy, apps, versions, invoke, logs, rollback and tokens against a real server', async (t) => {
  const skip = clangSkip();
  if (skip) return t.skip(skip);
  const env = await startEnv(t);
  const { waft, url } = env;
  const appDir = join(env.home, 'hello');
  await writeHelloApp(appDir, 'hello one');

  await t.test('a command before login says to log in', async () => {
    const r = await waft(['apps']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not logged in to a waft server; run `waft login --server URL` first/);
  });

  await t.test('a usage error is reported before the missing login, as deploy, invoke and tokens do', async () => {
    for (const [argv, says] of [
      [['versions'], /name the app, e\.g\. `waft versions hello`/],
      [['rollback', 'hello', 'latest'], /"latest" is not a version/],
      [['logs', 'hello', '-n', '0'], /--limit 0 must be a whole number/],
      [['apps', 'extra'], /waft apps: unexpected argument "extra"/],
    ] as const) {
      const r = await waft([...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, says);
      assert.doesNotMatch(r.stderr, /not logged in/);
    }
  });

  await t.test('login with a bad token is refused with the server\'s error, and saves nothing', async () => {
    const bad = `waft_${'A'.repeat(43)}`;
    const r = await waft(['login', '--server', url, '--token', bad]);
    assert.equal(r.code, 1);
    const client = new ApiClient(url, bad);
    const sent = await sentBy(() => client.me()).finally(() => client.close());
    assert.equal(sent.code, 'WAFT_E_AUTH_INVALID');
    assertShownAsSent(r.stderr, sent);
    assert.equal(existsSync(env.config), false);
  });

  await t.test('login to a server that is not there names the address', async () => {
    const r = await waft(['login', '--server', 'http://127.0.0.1:1', '--token', env.adminToken]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the waft server at http:\/\/127\.0\.0\.1:1: ECONNREFUSED \[WAFT_E_HTTP_UNREACHABLE\]/);
  });

  await t.test('login reads the token from stdin when it is not a terminal, and saves it 0600', async () => {
    const r = await waft(['login', '--server', `${url}/api/v1/`], { input: `${env.adminToken}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Logged in to ${url.replace(/\./g, '\\.')} as admin`));
    assert.equal(statSync(env.config).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(env.config, 'utf8')), { server: url, token: env.adminToken });
  });

  await t.test('login with --token', async () => {
    const r = await waft(['login', '--server', url, '--token', env.adminToken]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /scopes admin/);
    assert.equal(statSync(env.config).mode & 0o777, 0o600);
  });

  await t.test('apps before any deploy', async () => {
    const r = await waft(['apps']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No apps yet/);
  });

  await t.test('deploy validates locally, uploads, creates version 1, deploys it and prints the URL', async () => {
    const r = await waft(['deploy', appDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Validated .*waft\.toml: app hello, 3 functions \(hello, echo, boom\), 3 files/);
    assert.match(r.stdout, /Created app hello/);
    assert.match(r.stdout, /Uploaded 3 files/);
    assert.match(r.stdout, /Created version 1 of hello \(ver_/);
    assert.match(r.stdout, /Deployed hello version 1/);
    assert.ok(r.stdout.includes(`${url}/apps/hello/`), r.stdout);
    const res = await fetch(`${url}/apps/hello/hello`);
    assert.equal(await res.text(), 'hello one\n');
  });

  await t.test('deploy of a changed app sends only what changed, with a progress line when asked', async () => {
    mkdirSync(join(appDir, 'static'), { recursive: true });
    const big = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(appDir, 'static', 'big.bin'), big);
    writeFileSync(join(appDir, 'static', 'index.html'), '<p>hi</p>\n');
    await writeHelloApp(appDir, 'hello two', 'files = ["static"]\n');
    // DIR defaults to the current directory: HOME has no waft.toml, the app dir has one
    const none = await waft(['deploy', '--progress']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no such manifest; create waft\.toml there/);
    const ok = await waft(['deploy', '--progress'], { cwd: appDir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Uploaded 2 files \(3\.0 MiB\); 3 unchanged/);
    assert.match(ok.stdout, /Deployed hello version 2/);
    assert.match(ok.stderr, /^uploading: \d of 2 files, .* \(\d+%\)$/m);
    assert.match(ok.stderr, /^uploading: 2 of 2 files, 3\.0 MiB of 3\.0 MiB \(100%\)$/m);
    assert.equal(await (await fetch(`${url}/apps/hello/hello`)).text(), 'hello two\n');
    const v = await env.admin.version('hello', 2);
    assert.equal(v.files?.['static/big.bin'].size, big.length);
  });

  await t.test('apps and versions list what is deployed', async () => {
    const apps = await waft(['apps']);
    assert.equal(apps.code, 0, apps.stderr);
    assert.match(apps.stdout, /^NAME +VERSION +URL +CREATED \(UTC\)$/m);
    assert.match(apps.stdout, new RegExp(`^hello +2 +http://hello\\.localhost:\\d+/ +\\d{4}-`, 'm'));
    const json = JSON.parse((await waft(['apps', '--json'])).stdout);
    assert.equal(json[0].activeVersion.number, 2);

    const versions = await waft(['versions', 'hello']);
    assert.equal(versions.code, 0, versions.stderr);
    const lines = versions.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[1], /^\* 2 +ver_\S+ +\d{4}-\S+ \S+ +5 +3\.\d MiB +hello, echo, boom$/);
    assert.match(lines[2], /^  1 +ver_/);
  });

  await t.test('invoke prints what the function answered', async () => {
    const r = await waft(['invoke', 'hello', 'hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello two\n');

    const verbose = await waft(['invoke', 'hello', 'hello', '--path', '/hello?stderr', '-i', '-v']);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stdout, /^HTTP 200\ncontent-type: text\/plain\n/);
    assert.ok(verbose.stdout.endsWith('\n\nlogged\n'), verbose.stdout);
    assert.match(verbose.stderr, /request \S+: hello@2 answered 200 in [\d.]+ms/);
    assert.match(verbose.stderr, /stderr: first log line\n {2}stderr: second log line/);

    const data = randomBytes(70_000);
    writeFileSync(join(env.home, 'payload.bin'), data);
    const child = await new Promise<Buffer>((resolve, reject) => {
      const c = spawn(node, [bin, 'invoke', 'hello', 'echo', '--data', '@payload.bin', '-H', 'Content-Type: application/octet-stream'], {
        cwd: env.home, env: { ...process.env, HOME: env.home, WAFT_CONFIG: env.config },
      });
      const out: Buffer[] = [];
      c.stdout.on('data', (b: Buffer) => out.push(b));
      c.on('error', reject);
      c.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`invoke exited ${code}`))));
    });
    assert.ok(child.equals(data), 'the echo function returns the uploaded bytes unchanged');

    const text = await waft(['invoke', 'hello', 'echo', '-d', 'plain text', '-X', 'put', '--version', '1']);
    assert.equal(text.stdout, 'plain text');

    const trap = await waft(['invoke', 'hello', 'boom']);
    assert.equal(trap.code, 1);
    assert.match(trap.stderr, /waft: error: boom failed: .* \[WAFT_E_GUEST_TRAP\]/);
    assert.match(trap.stderr, /hint: The guest trapped/);

    const unknown = await waft(['invoke', 'hello', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /\[WAFT_E_FUNCTION_NOT_FOUND\]/);
  });

  await t.test('logs prints request lines and guest lines, filtered', async () => {
    await until(async () => (await env.admin.logs('hello', { source: 'guest' })).entries.length > 0);
    await until(async () => (await env.admin.logs('hello', { function: 'boom' })).entries.length > 0);
    const all = await waft(['logs', 'hello']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^\d{4}-\d\d-\d\dT\S+Z info {2}hello@2 \S+ first log line$/m);
    assert.match(all.stdout, /^\S+ info {2}hello@2 \S+ GET \/hello\?stderr 200 in /m);
    assert.match(all.stdout, /^\S+ error boom@2 \S+ GET \/boom 500 in .*WAFT_E_GUEST_TRAP/m);
    const guest = await waft(['logs', 'hello', '--source', 'guest', '--function', 'hello']);
    assert.ok(guest.stdout.trim().split('\n').every((l) => /hello@2 \S+ (first|second) log line$/.test(l)), guest.stdout);
    const errors = await waft(['logs', 'hello', '--level', 'error', '--json']);
    const entries = errors.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(entries.length > 0 && entries.every((e) => e.level === 'error'));
    const bad = await waft(['logs', 'hello', '--level', 'loud']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\[WAFT_E_REQUEST_INVALID\]/);
    assert.match(bad.stderr, /field: query\.level/);
  });

  await t.test('logs -f follows new entries live, and stops on SIGINT', async () => {
    const marker = `follow-${randomBytes(4).toString('hex')}`;
    const child = spawn(node, [bin, 'logs', 'hello', '-f', '--source', 'request'], {
      cwd: env.home, env: { ...process.env, HOME: env.home, WAFT_CONFIG: env.config },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // the backlog (the newest 100 entries) arrives first: the stream is open
    await until(async () => out.includes('GET /boom'));
    const res = await fetch(`${url}/apps/hello/hello?${marker}`);
    assert.equal(res.status, 200);
    await res.text();
    await until(async () => out.includes(`GET /hello?${marker} 200`));
    child.kill('SIGINT');
    assert.equal(await closed, 0);
  });

  await t.test('rollback to a version, then back to the previous one', async () => {
    const r = await waft(['rollback', 'hello', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Rolled back hello to version 1 \(was version 2\)$/m);
    assert.equal(await (await fetch(`${url}/apps/hello/hello`)).text(), 'hello one\n');
    const versions = await waft(['versions', 'hello']);
    assert.match(versions.stdout, /^\* 1 /m);

    const back = await waft(['rollback', 'hello']);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /to version 2 \(was version 1\)/);
    assert.equal(await (await fetch(`${url}/apps/hello/hello`)).text(), 'hello two\n');

    const missing = await waft(['rollback', 'hello', '9']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\[WAFT_E_VERSION_NOT_FOUND\]/);
    const usage = await waft(['rollback', 'hello', 'latest']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /"latest" is not a version/);
  });

  await t.test('tokens create, list and revoke; a revoked token is refused', async () => {
    const created = await waft(['tokens', 'create', 'ci', '--scope', 'apps:read,deploy', '--expires', '30d']);
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, /^waft_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /Created token (tok_\S+) "ci" with scopes apps:read deploy, expires \d{4}-/);
    const id = /Created token (tok_\S+)/.exec(created.stderr)![1];

    const list = await waft(['tokens', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^\* tok_\S+ +bootstrap|^\* tok_\S+ +WAFT_ADMIN_TOKEN/m);
    assert.match(list.stdout, new RegExp(`^  ${id} +ci +apps:read,deploy +active +`, 'm'));

    const asCi = { env: { WAFT_TOKEN: secret, WAFT_SERVER: url } };
    const apps = await waft(['apps'], asCi);
    assert.equal(apps.code, 0, apps.stderr);
    assert.match(apps.stdout, /^hello /m);

    // The ci token has no apps:write: the server's 403 reaches the user as it was sent.
    const denied = await waft(['deploy'], { cwd: appDir, env: asCi.env });
    assert.equal(denied.code, 1);
    const ci = new ApiClient(url, secret);
    t.after(() => ci.close());
    const refusal = await sentBy(() => ci.putBlob('hello', 'a'.repeat(64), 1, Buffer.from('x')));
    assert.equal(refusal.code, 'WAFT_E_SCOPE_MISSING');
    assertShownAsSent(denied.stderr, refusal);

    const revoked = await waft(['tokens', 'revoke', id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`Revoked token ${id} "ci"`));
    const again = await waft(['tokens', 'revoke', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\[WAFT_E_TOKEN_NOT_FOUND\]/);

    const after = await waft(['apps'], asCi);
    assert.equal(after.code, 1);
    const gone = await sentBy(() => ci.apps());
    assert.equal(gone.code, 'WAFT_E_AUTH_REVOKED');
    assertShownAsSent(after.stderr, gone);
    assert.match(after.stderr, new RegExp(`token ${id} \\(ci\\) was revoked`));
    assert.match((await waft(['tokens', 'list'])).stdout, new RegExp(`${id} +ci +apps:read,deploy +revoked`));

    const noScope = await waft(['tokens', 'create', 'x']);
    assert.equal(noScope.code, 2);
    assert.match(noScope.stderr, /at least one --scope/);
    const badScope = await waft(['tokens', 'create', 'x', '--scope', 'root']);
    assert.equal(badScope.code, 1);
    assert.match(badScope.stderr, /\[WAFT_E_(SCOPE_INVALID|REQUEST_INVALID)\]/);
  });

  await t.test('a version the server refuses is shown exactly as the server sent it', async () => {
    const dir = join(env.home, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'bad.wasm'), Buffer.from('\0asm\x01\0\0\0this is not wasm'));
    const manifest = '[app]\nname = "broken"\n\n[functions.bad]\nsource = "bad.wasm"\nroute = "/bad"\n';
    writeFileSync(join(dir, 'waft.toml'), manifest);
    const r = await waft(['deploy'], { cwd: dir });
    assert.equal(r.code, 1);
    // What the server answers to the very same version, straight from the API:
    const bytes = readFileSync(join(dir, 'bad.wasm'));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const sent = await sentBy(() => env.admin.createVersion('broken', manifest, { 'bad.wasm': { sha256, size: bytes.length } }));
    assert.ok(sent.code.startsWith('WAFT_E_MODULE'), sent.code);
    assertShownAsSent(r.stderr, sent);
    // nothing was deployed
    assert.equal((await env.admin.app('broken')).activeVersion, null);
  });

  await t.test('a manifest error is found locally, with its position, before anything is sent', async () => {
    const dir = join(env.home, 'typo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'waft.toml'), '[app]\nname = "typo"\n\n[functions.f]\nsource = "f.wasm"\nrout = "/f"\n');
    const r = await waft(['deploy'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /waft\.toml:6:1: .*rout.*\[WAFT_E_MANIFEST_UNKNOWN_KEY\]/);
    const missingModule = join(env.home, 'nomodule');
    mkdirSync(missingModule);
    writeFileSync(join(missingModule, 'waft.toml'), '[app]\nname = "nomodule"\n\n[functions.f]\nsource = "f.wasm"\nroute = "/f"\n');
    const m = await waft(['deploy'], { cwd: missingModule });
    assert.equal(m.code, 1);
    assert.match(m.stderr, /waft\.toml:5:\d+: functions\.f\.source f\.wasm does not exist; build the module first/);
    const apps = await env.admin.apps();
    assert.ok(!apps.some((a) => a.name === 'typo' || a.name === 'nomodule'), 'no app was created');
  });

  await t.test('usage errors exit 2', async () => {
    assert.equal((await waft(['versions'])).code, 2);
    assert.equal((await waft(['invoke', 'hello'])).code, 2);
    assert.equal((await waft(['tokens', 'frobnicate'])).code, 2);
    assert.equal((await waft(['logs', 'hello', '-n', '0'])).code, 2);
  });

  await t.test('logout forgets the login', async () => {
    const r = await waft(['logout']);
    assert.equal(r.code, 0);
    assert.equal(existsSync(env.config), false);
    assert.equal((await waft(['apps'])).code, 2);
  });
});
