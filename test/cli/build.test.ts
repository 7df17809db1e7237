// `waft build`: runs each function's build command, shows what it runs and how long it took, and
// names the package to install when a compiler is missing. Builds run the real tools.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { WaftError } from '../../src/errors.ts';
import { buildApp, buildFunction } from '../../src/host/build.ts';
import { loadManifest } from '../../src/manifest/load.ts';
import { newApp } from '../../src/cli/new.ts';
import { clangMissing, repoRoot } from '../support/guests.ts';

const hasWat2wasm = existsSync(join(repoRoot, 'node_modules/.bin/wat2wasm'));
const noWat2wasm = 'wat2wasm is not installed: npm ci (wabt is a devDependency)';
const clangInstall = 'apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32';

function writeTree(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'waft-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const wat = (text: string) => `(module (memory (export "memory") 1) (func (export "_start")) ;; ${text}\n)\n`;

/** Two functions built with wat2wasm; each build also writes a line to stdout and one to stderr. */
function twoFunctions(t: TestContext): string {
  return writeTree(t, {
    'waft.toml': `[app]
name = "two"

[functions.first]
source = "first.wasm"
route = "/first"
build = "wat2wasm first.wat -o first.wasm && echo 'made first' && echo 'note from first' >&2"

[functions.second]
source = "out/second.wasm"
route = "/second"
build = { command = "mkdir -p ../out && wat2wasm second.wat -o ../out/second.wasm && echo 'made second'", workdir = "src" }

[functions.prebuilt]
source = "prebuilt.wat"
route = "/prebuilt"
`,
    'first.wat': wat('first'),
    'src/second.wat': wat('second'),
    'prebuilt.wat': wat('prebuilt'),
  });
}

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the CLI in a child process (without blocking this one), optionally with another PATH. */
function waft(args: string[], opts: { cwd?: string; path?: string } = {}): Promise<Run> {
  const env = opts.path === undefined ? process.env : { ...process.env, PATH: opts.path };
  const child = spawn(process.execPath, [join(repoRoot, 'bin/waft.js'), ...args], { cwd: opts.cwd ?? repoRoot, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A PATH with a shell and none of the build tools on it. */
function emptyPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'waft-path-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  return dir;
}

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

test('waft build runs each build in order, prints each command and its time, and streams the tools\' output', async (t) => {
  if (!hasWat2wasm) return t.skip(noWat2wasm);
  const dir = twoFunctions(t);
  const r = await waft(['build'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'Building "first" in .: wat2wasm first.wat -o first.wasm && echo \'made first\' && echo \'note from first\' >&2');
  assert.equal(lines[1], 'made first');
  assert.match(lines[2], /^Built "first" in \d+(ms|\.\ds)$/);
  assert.equal(lines[3], 'Building "second" in src: mkdir -p ../out && wat2wasm second.wat -o ../out/second.wasm && echo \'made second\'');
  assert.equal(lines[4], 'made second');
  assert.match(lines[5], /^Built "second" in \d+(ms|\.\ds)$/);
  assert.match(lines[6], /^Finished: built 2 functions in \d+(ms|\.\ds)\. Run `waft up` to serve the app\.$/);
  assert.equal(lines.length, 7);
  assert.equal(r.stderr, 'note from first\n', 'the tools\' stderr goes to stderr');
  for (const module of ['first.wasm', 'out/second.wasm']) {
    assert.ok(WebAssembly.validate(readFileSync(join(dir, module))), `${module} is a valid module`);
  }
});

test('waft build takes a directory or a waft.toml path', async (t) => {
  if (!hasWat2wasm) return t.skip(noWat2wasm);
  const dir = twoFunctions(t);
  const byDir = await waft(['build', dir]);
  assert.equal(byDir.code, 0, byDir.stderr);
  assert.match(byDir.stdout, new RegExp(`Building "first" in ${dir}: `), 'a workdir outside the current directory is shown whole');
  rmSync(join(dir, 'first.wasm'));
  const byFile = await waft(['build', join(dir, 'waft.toml'), '--function', 'first']);
  assert.equal(byFile.code, 0, byFile.stderr);
  assert.ok(existsSync(join(dir, 'first.wasm')));
});

test('waft build --function builds only the functions named', async (t) => {
  if (!hasWat2wasm) return t.skip(noWat2wasm);
  const dir = twoFunctions(t);
  const r = await waft(['build', '--function', 'second'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /"first"/);
  assert.match(r.stdout, /Finished: built 1 function in /);
  assert.ok(existsSync(join(dir, 'out/second.wasm')));
  assert.ok(!existsSync(join(dir, 'first.wasm')));

  const nobuild = await waft(['build', '--function', 'prebuilt'], { cwd: dir });
  assert.equal(nobuild.code, 0, nobuild.stderr);
  assert.equal(nobuild.stdout, 'Function "prebuilt" has no build command; nothing to do for it.\n');

  const unknown = await waft(['build', '--function', 'third'], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /waft\.toml has no function "third"; its functions are "first", "second", "prebuilt" \[WAFT_E_USAGE\]/);
});

test('waft build with nothing to build says so and succeeds', async (t) => {
  const dir = writeTree(t, { 'waft.toml': '[app]\nname = "static"\n[functions.a]\nsource = "a.wat"\nroute = "/"\n', 'a.wat': wat('a') });
  const r = await waft(['build'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Nothing to build: no function of "static" has a build command.\n');
});

test('waft build stops at the first failing build, names it, and exits 1 with WAFT_E_BUILD_FAILED', async (t) => {
  if (!hasWat2wasm) return t.skip(noWat2wasm);
  const dir = twoFunctions(t);
  writeFileSync(join(dir, 'first.wat'), '(module (func (export "_start") (i32.add)))\n');
  const r = await waft(['build'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(plain(r.stderr), /first\.wat:1:\d+: error: type mismatch/, 'wat2wasm\'s own message is shown');
  assert.match(r.stderr, /waft: error: function "first": `wat2wasm first\.wat -o first\.wasm && .*` exited with code 1 \[WAFT_E_BUILD_FAILED\]\n$/);
  assert.doesNotMatch(r.stdout, /"second"/, 'the next function is not built');
  assert.ok(!existsSync(join(dir, 'out/second.wasm')));
});

test('a build that succeeds without making the module fails with WAFT_E_BUILD_FAILED', async (t) => {
  const dir = writeTree(t, { 'waft.toml': '[app]\nname = "forgetful"\n[functions.f]\nsource = "f.wasm"\nroute = "/"\nbuild = "echo compiled"\n' });
  const r = await waft(['build'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /function "f": `echo compiled` succeeded but did not make f\.wasm, the function's source; .* \[WAFT_E_BUILD_FAILED\]/);
});

test('missing toolchain: clang not on PATH names the Debian packages to install', async (t) => {
  const dir = writeTree(t, {
    'waft.toml': '[app]\nname = "c-app"\n[functions.hello]\nsource = "app.wasm"\nroute = "/..."\nbuild = "clang --target=wasm32-wasi -O2 -o app.wasm main.c"\n',
    'main.c': 'int main(void) { return 0; }\n',
  });
  const r = await waft(['build'], { cwd: dir, path: emptyPath(t) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /clang: not found/, 'the shell\'s own message is shown');
  assert.match(r.stderr, new RegExp(`waft: error: function "hello": the build \`clang --target=wasm32-wasi -O2 -o app\\.wasm main\\.c\` needs clang, which is not installed: ${clangInstall} \\[WAFT_E_TOOLCHAIN_MISSING\\]`));
});

test('missing toolchain: clang without a WASI sysroot names wasi-libc', async (t) => {
  if (clangMissing()) return t.skip(`clang for wasm32-wasi is not installed: ${clangInstall}`);
  const dir = writeTree(t, {
    'waft.toml': '[app]\nname = "c-app"\n[functions.hello]\nsource = "app.wasm"\nroute = "/"\nbuild = "clang --target=wasm32-wasi --sysroot=/nonexistent-sysroot -o app.wasm main.c"\n',
    'main.c': '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n',
  });
  const err = await buildApp(await loadManifest(dir)).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof WaftError);
  assert.equal(err.code, 'WAFT_E_TOOLCHAIN_MISSING');
  assert.match(err.message, /needs wasi-libc, which is not installed: apt-get install wasi-libc\n.*'stdio\.h' file not found/s);
});

test('missing toolchain: the rust template with no rustc on PATH names rustc and its WASI std', async (t) => {
  const cwd = writeTree(t, {});
  await newApp({ name: 'rusty', template: 'rust', dir: join(cwd, 'app') });
  const r = await waft(['build'], { cwd: join(cwd, 'app'), path: emptyPath(t) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /build\.sh: rustc: not found/);
  assert.match(r.stderr, /needs rustc, which is not installed: apt-get install rustc libstd-rust-dev-wasm32 \[WAFT_E_TOOLCHAIN_MISSING\]/);
});

test('missing toolchain: a rustc without the WASI standard library is named when it is the only one, and passed over for one that has it', async (t) => {
  // find a rustc on this machine that lacks the WASI std (e.g. rustup's stable without the target)
  let bare: string | null = null;
  let good: string | null = null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !existsSync(join(dir, 'rustc'))) continue;
    const r = spawnSync(join(dir, 'rustc'), ['--print', 'sysroot'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    if (['wasm32-wasip1', 'wasm32-wasi'].some((target) => existsSync(join(r.stdout.trim(), 'lib/rustlib', target, 'lib')))) good ??= dir;
    else bare ??= dir;
  }
  if (!bare) return t.skip('every rustc here has the WASI standard library, so there is none to test the message with');
  const cwd = writeTree(t, {});
  const app = join(cwd, 'app');
  await newApp({ name: 'rusty', template: 'rust', dir: app });
  const shell = emptyPath(t);
  const r = await waft(['build'], { cwd: app, path: `${bare}${delimiter}${shell}` });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /can't find crate for `std`/);
  assert.match(r.stderr, /needs the Rust standard library for WASI, which is not installed: apt-get install libstd-rust-dev-wasm32 \(with rustup: rustup target add wasm32-wasip1\) \[WAFT_E_TOOLCHAIN_MISSING\]/);

  if (!good) return t.skip('no rustc here has the WASI standard library: apt-get install rustc libstd-rust-dev-wasm32');
  const ok = await waft(['build'], { cwd: app, path: `${bare}${delimiter}${good}${delimiter}${shell}` });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`^${good}/rustc --target wasm32-wasi(p1)? -O -C strip=debuginfo -o app\\.wasm src/main\\.rs$`, 'm'), 'the rustc with the WASI std is the one used');
  assert.ok(WebAssembly.validate(readFileSync(join(app, 'app.wasm'))));
});

test('missing toolchain: asc and wat2wasm, when neither PATH nor waft has them, name their npm packages', async (t) => {
  const cwd = writeTree(t, {});
  const path = emptyPath(t);
  for (const [template, install] of [['assemblyscript', 'npm install --save-dev assemblyscript'], ['wat', 'npm install --save-dev wabt']]) {
    const { dir } = await newApp({ name: 'app', template, dir: join(cwd, template) });
    const [spec] = (await loadManifest(dir)).functions;
    let output = '';
    const err = await buildFunction(spec, { env: { PATH: path }, waftTools: false, onOutput: (text) => { output += text; } }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof WaftError, template);
    assert.equal(err.code, 'WAFT_E_TOOLCHAIN_MISSING', err.message);
    assert.match(output, /(asc|wat2wasm): not found/);
    assert.match(err.message, new RegExp(`which is not installed: ${install}\\n`), template);
    assert.equal(err.details?.install, install);
  }
});

test('the tools installed with waft are on the build\'s PATH: wat2wasm and asc (with node) run with an otherwise empty PATH', async (t) => {
  if (!hasWat2wasm) return t.skip(noWat2wasm);
  const dir = twoFunctions(t);
  const r = await waft(['build', '--function', 'first'], { cwd: dir, path: emptyPath(t) });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(dir, 'first.wasm')));

  if (!existsSync(join(repoRoot, 'node_modules/.bin/asc'))) return t.skip('asc is not installed: npm ci (assemblyscript is a devDependency)');
  const cwd = writeTree(t, {});
  const { dir: as } = await newApp({ name: 'asapp', template: 'assemblyscript', dir: join(cwd, 'as') });
  const built = await waft(['build'], { cwd: as, path: emptyPath(t) });
  assert.equal(built.code, 0, built.stderr);
  assert.ok(WebAssembly.validate(readFileSync(join(as, 'app.wasm'))));
});
