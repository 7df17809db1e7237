// `waft new`: every template makes an app that `waft build` builds and the dev server serves.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { buildApp } from '../../src/host/build.ts';
import { loadManifest } from '../../src/manifest/load.ts';
import { listTemplates, newApp } from '../../src/cli/new.ts';
import { clangMissing, repoRoot } from '../support/guests.ts';
import { serveApp } from '../support/app.ts';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'waft-new-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function waft(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/waft.js'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]).sort();
}

/** Why a template's toolchain cannot run here, or null. */
function toolchainMissing(template: string): string | null {
  if (template === 'c') return clangMissing() && 'clang for wasm32-wasi is not installed: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32';
  if (template === 'rust') {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir || !existsSync(join(dir, 'rustc'))) continue;
      const r = spawnSync(join(dir, 'rustc'), ['--print', 'sysroot'], { encoding: 'utf8' });
      if (r.status === 0 && ['wasm32-wasip1', 'wasm32-wasi'].some((target) => existsSync(join(r.stdout.trim(), 'lib/rustlib', target, 'lib')))) return null;
    }
    return 'rustc for wasm32-wasi is not installed: apt-get install rustc libstd-rust-dev-wasm32';
  }
  if (template === 'assemblyscript') return existsSync(join(repoRoot, 'node_modules/.bin/asc')) ? null : 'asc is not installed: npm ci (assemblyscript is a devDependency)';
  if (template === 'wat') return existsSync(join(repoRoot, 'node_modules/.bin/wat2wasm')) ? null : 'wat2wasm is not installed: npm ci (wabt is a devDependency)';
  return `no toolchain probe for template ${template}`;
}

const templates = ['c', 'rust', 'assemblyscript', 'wat'];
const language: Record<string, string> = { c: 'C', rust: 'Rust', assemblyscript: 'AssemblyScript', wat: 'WebAssembly text' };

test('the templates on disk are exactly c, rust, assemblyscript and wat, c first (the default)', async () => {
  const list = await listTemplates();
  assert.deepEqual(list.map((t) => t.name), ['c', 'assemblyscript', 'rust', 'wat']);
  for (const t of list) {
    assert.ok(t.description.length > 20, `${t.name} has a description`);
    assert.ok(t.needs.length > 5, `${t.name} says what it needs`);
  }
});

for (const template of templates) {
  test(`waft new --template ${template} writes a named app with waft.toml, source, .gitignore and README`, async (t) => {
    const cwd = tempDir(t);
    const r = waft(['new', 'my-app', '--template', template], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Created app "my-app" from the ${template} template in my-app`));
    assert.match(r.stdout, /cd my-app\n {2}waft build\n {2}waft up\n/);
    const dir = join(cwd, 'my-app');
    const files = filesUnder(dir);
    for (const f of ['waft.toml', '.gitignore', 'README.md']) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
    assert.ok(!files.includes('gitignore'), 'the template\'s gitignore is renamed to .gitignore');
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.ok(!text.includes('{{app-name}}'), `${f} still has the placeholder`);
    }
    assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\*\.wasm$/m);
    assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /^# my-app$/m);
    assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /waft build && waft up/);

    const toml = readFileSync(join(dir, 'waft.toml'), 'utf8');
    assert.match(toml, /^# \[functions\.my-app\.limits\]$/m, 'the limits table is there, commented');
    assert.match(toml, /^# memory = "128MiB"/m);
    const manifest = await loadManifest(dir);
    assert.equal(manifest.app.name, 'my-app');
    assert.equal(manifest.functions.length, 1);
    const [fn] = manifest.functions;
    assert.equal(fn.name, 'my-app');
    assert.deepEqual(fn.routes, ['/...']);
    assert.ok(fn.build && fn.build.command.length > 0, 'it has a build command');
    assert.equal(fn.source, join(dir, 'app.wasm'));
  });

  test(`an app from the ${template} template builds and answers HTTP with its greeting, path, query and body`, async (t) => {
    const missing = toolchainMissing(template);
    if (missing) return t.skip(missing);
    const cwd = tempDir(t);
    const { dir, files } = await newApp({ name: 'hello-there', template, dir: join(cwd, 'app') });
    assert.ok(files.includes('waft.toml'));
    const results = await buildApp(await loadManifest(dir));
    assert.equal(results.length, 1);
    assert.ok(statSync(join(dir, 'app.wasm')).size > 0);

    const app = await serveApp(dir);
    t.after(() => app.close());
    const get = await fetch(`${app.url}/some/where?x=1&y=two`);
    const text = await get.text();
    assert.equal(get.status, 200, text);
    assert.match(get.headers.get('content-type') ?? '', /^text\/plain/);
    assert.ok(text.startsWith(`Hello from hello-there! (${language[template]})\n`), text);

    const post = await fetch(`${app.url}/echo`, { method: 'POST', body: 'posted, with spaces & symbols' });
    const echoed = await post.text();
    assert.equal(post.status, 200, echoed);
    if (template === 'wat') {
      // the hand-written module copies stdin after its greeting; it reads no variables
      assert.equal(echoed, 'Hello from hello-there! (WebAssembly text)\nposted, with spaces & symbols');
      return;
    }
    assert.equal(text, `Hello from hello-there! (${language[template]})\nmethod: GET\npath: /some/where\nquery: x=1&y=two\n`);
    assert.equal(echoed, `Hello from hello-there! (${language[template]})\nmethod: POST\npath: /echo\nquery: \nbody: posted, with spaces & symbols\n`);
    assert.match(app.logs(), /served \/some\/where/, 'stderr reaches the log');
  });
}

test('waft new uses the c template and ./NAME when no --template or --dir is given', async (t) => {
  const cwd = tempDir(t);
  const r = waft(['new', 'plain'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(filesUnder(join(cwd, 'plain')), ['.gitignore', 'README.md', 'main.c', 'waft.toml', 'waft/waft.c', 'waft/waft.h']);
});

test('waft new --dir writes into an existing empty directory', async (t) => {
  const cwd = tempDir(t);
  mkdirSync(join(cwd, 'empty'));
  const r = waft(['new', 'inside', '--template', 'wat', '--dir', 'empty'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /cd empty\n/);
  assert.equal((await loadManifest(join(cwd, 'empty'))).app.name, 'inside');
});

test('waft new keeps the build script of the rust template executable', async (t) => {
  const cwd = tempDir(t);
  const { dir } = await newApp({ name: 'rusty', template: 'rust', dir: join(cwd, 'r') });
  assert.equal(statSync(join(dir, 'build.sh')).mode & 0o111, statSync(join(repoRoot, 'templates/rust/content/build.sh')).mode & 0o111);
});

test('overwrite attempt: waft new refuses a directory that holds a file, and leaves it as it was', async (t) => {
  const cwd = tempDir(t);
  mkdirSync(join(cwd, 'taken'));
  writeFileSync(join(cwd, 'taken', 'waft.toml'), 'mine\n');
  const r = waft(['new', 'taken', '--template', 'c'], cwd);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /taken is not empty \(it holds waft\.toml\); waft new does not overwrite files \[WAFT_E_NEW_DIR_NOT_EMPTY\]/);
  assert.deepEqual(readdirSync(join(cwd, 'taken')), ['waft.toml']);
  assert.equal(readFileSync(join(cwd, 'taken', 'waft.toml'), 'utf8'), 'mine\n');
});

test('overwrite attempt: waft new refuses a hidden file too, and a path that is a file', async (t) => {
  const cwd = tempDir(t);
  mkdirSync(join(cwd, 'hidden'));
  writeFileSync(join(cwd, 'hidden', '.git'), '');
  const hidden = waft(['new', 'hidden'], cwd);
  assert.equal(hidden.code, 1);
  assert.match(hidden.stderr, /WAFT_E_NEW_DIR_NOT_EMPTY/);
  writeFileSync(join(cwd, 'afile'), 'x');
  const file = waft(['new', 'afile'], cwd);
  assert.equal(file.code, 1);
  assert.match(file.stderr, /afile exists and is not a directory \[WAFT_E_NEW_DIR_NOT_EMPTY\]/);
  assert.equal(readFileSync(join(cwd, 'afile'), 'utf8'), 'x');
});

test('waft new refuses names that are not app names, with a suggestion, and creates nothing', async (t) => {
  const cwd = tempDir(t);
  const spaced = waft(['new', 'My App'], cwd);
  assert.equal(spaced.code, 1);
  assert.match(spaced.stderr, /app name "My App" must use lowercase letters, digits, "-" and "_" and start with a letter, e\.g\. "my-app" \[WAFT_E_MANIFEST_NAME\]/);
  for (const name of ['1st', 'Hello', 'a/b', '..', 'x'.repeat(64)]) {
    const r = waft(['new', name, '--dir', 'out'], cwd);
    assert.equal(r.code, 1, name);
    assert.match(r.stderr, /WAFT_E_MANIFEST_NAME/, name);
  }
  assert.deepEqual(readdirSync(cwd), []);
});

test('path escape through --template: only the templates listed are accepted', async (t) => {
  const cwd = tempDir(t);
  for (const template of ['go', '../templates/c', 'c/content', '']) {
    const r = waft(['new', 'x', '--template', template], cwd);
    assert.equal(r.code, 2, template);
    assert.match(r.stderr, /there is no template .*; choose c, assemblyscript, rust, wat \(waft new --list\) \[WAFT_E_USAGE\]/, template);
  }
  assert.deepEqual(readdirSync(cwd), []);
});

test('waft new without a NAME, or with two, is a usage error; --list and --help print', async (t) => {
  const cwd = tempDir(t);
  const none = waft(['new'], cwd);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /name the app, e\.g\. `waft new hello --template c`/);
  const two = waft(['new', 'a', 'b'], cwd);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /one NAME only/);
  const list = waft(['new', '--list'], cwd);
  assert.equal(list.code, 0);
  for (const template of templates) assert.match(list.stdout, new RegExp(`^${template} +\\S`, 'm'));
  assert.match(list.stdout, /apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32/);
  const help = waft(['new', '--help'], cwd);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: waft new NAME/);
  assert.deepEqual(readdirSync(cwd), []);
});
