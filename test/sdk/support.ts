// Builds the SDK tour guests and the examples' sources with the real toolchains, once per
// source hash, into node_modules/.cache/waft-guests (like test/support/guests.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cached, clangMissing, hash, repoRoot } from '../support/guests.ts';

export const sdkDir = join(repoRoot, 'sdk');
export const guestsDir = join(repoRoot, 'test/sdk/guests');


function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, ext));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

/** A guest built from `inputs` (paths), rebuilt when any of them changes. */
function cachedFrom(key: string, inputs: string[], build: (out: string) => void): string {
  return cached(`${key}-${hash(...inputs.flatMap((f) => [f, readFileSync(f)]))}`, build);
}

/** Runs build in a new temporary directory, removed afterwards whatever happens. */
function inTempDir(prefix: string, build: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    build(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const cMissing = clangMissing;

/** clang with the C SDK: the source, sdk/c/waft.c and the include path. */
export function cSdkGuest(source: string, flags: string[] = []): string {
  const inputs = [source, join(sdkDir, 'c/waft.c'), join(sdkDir, 'c/waft.h')];
  return cachedFrom(`sdk-c-${flags.join('_').replace(/\W/g, '')}`, inputs, (out) => {
    execFileSync('clang', ['--target=wasm32-wasi', '-O2', '-Wall', '-Wextra', '-Werror', ...flags, '-I', join(sdkDir, 'c'), source, join(sdkDir, 'c/waft.c'), '-o', out], { stdio: 'pipe' });
  });
}

let rustc: { path: string; target: string } | null | undefined;

/** Debian's rustc 1.63 first (the SDK's floor), else a rustc on PATH with a WASI std. */
export function findRustc(): { path: string; target: string } | null {
  if (rustc !== undefined) return rustc;
  rustc = null;
  const candidates = ['/usr/bin/rustc', ...(process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, 'rustc'))];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const r = spawnSync(path, ['--print', 'sysroot'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const target = ['wasm32-wasi', 'wasm32-wasip1'].find((t) => existsSync(join(r.stdout.trim(), 'lib/rustlib', t, 'lib')));
    if (target) return (rustc = { path, target });
  }
  return rustc;
}

export function rustMissing(): string | null {
  return findRustc() ? null : 'rustc for wasm32-wasi is not installed (apt-get install rustc libstd-rust-dev-wasm32)';
}

/**
 * The Rust SDK as an rlib (`rustc --crate-type rlib`), then the program linked against it with
 * `--extern waft=…`: the build docs/sdk.md describes.
 */
export function rustSdkGuest(source: string): string {
  const sdk = filesUnder(join(sdkDir, 'rust/src'), '.rs');
  const { path, target } = findRustc()!;
  return cachedFrom('sdk-rust', [source, ...sdk], (out) => inTempDir('waft-rust-sdk-', (dir) => {
    const rlib = join(dir, 'libwaft.rlib');
    execFileSync(path, ['--edition', '2021', '--crate-type', 'rlib', '--crate-name', 'waft', '--target', target, '-O', '-D', 'warnings', join(sdkDir, 'rust/src/lib.rs'), '-o', rlib], { stdio: 'pipe' });
    execFileSync(path, ['--edition', '2021', '--target', target, '-O', '-C', 'strip=debuginfo', '-D', 'warnings', '--extern', `waft=${rlib}`, source, '-o', out], { stdio: 'pipe' });
  }));
}

/**
 * The AssemblyScript SDK as an npm package: node_modules/waft-sdk (a copy of
 * sdk/assemblyscript), imported as "waft-sdk/assembly" instead of by its path.
 */
export function asSdkPackageGuest(source: string): string {
  const sdk = filesUnder(join(sdkDir, 'assemblyscript'), '');
  return cachedFrom('sdk-as-pkg', [source, ...sdk], (out) => inTempDir('waft-as-pkg-', (dir) => {
    cpSync(join(sdkDir, 'assemblyscript'), join(dir, 'node_modules/waft-sdk'), { recursive: true });
    const text = readFileSync(source, 'utf8');
    const patched = text.replace('"../../../sdk/assemblyscript/assembly/index"', '"waft-sdk/assembly"');
    if (patched === text) throw new Error(`${source} does not import the SDK by its repository path`);
    mkdirSync(join(dir, 'assembly'));
    writeFileSync(join(dir, 'assembly/index.ts'), patched);
    execFileSync(asc, ['assembly/index.ts', '-o', out, '-O', '--use', 'abort=waft_abort'], { stdio: 'pipe', cwd: dir });
  }));
}

/**
 * The other way docs/sdk.md gives: the SDK's source included as a module
 * (`#[path = ".../sdk/rust/src/lib.rs"] mod waft;`) and one rustc call — without --edition,
 * as the rust template's build.sh runs it, so the SDK must compile as edition 2015 too.
 */
export function rustSdkModuleGuest(source: string): string {
  const sdk = filesUnder(join(sdkDir, 'rust/src'), '.rs');
  const { path, target } = findRustc()!;
  return cachedFrom('sdk-rust-mod', [source, ...sdk], (out) => inTempDir('waft-rust-mod-', (dir) => {
    const main = join(dir, 'main.rs');
    writeFileSync(main, `#[allow(dead_code)]\n#[path = ${JSON.stringify(join(sdkDir, 'rust/src/lib.rs'))}]\nmod waft;\ninclude!(${JSON.stringify(source)});\n`);
    execFileSync(path, ['--target', target, '-O', '-C', 'strip=debuginfo', '-D', 'warnings', main, '-o', out], { stdio: 'pipe' });
  }));
}

export const asc = join(repoRoot, 'node_modules/.bin/asc');

export function ascMissing(): string | null {
  return existsSync(asc) ? null : 'asc is not installed: npm ci (assemblyscript is a devDependency)';
}

/** asc with the AssemblyScript SDK (imported by the source), abort routed through WASI. */
export function asSdkGuest(source: string, flags: string[] = []): string {
  const sdk = filesUnder(join(sdkDir, 'assemblyscript/assembly'), '.ts');
  return cachedFrom(`sdk-as${flags.join('').replace(/\W/g, '')}`, [source, ...sdk], (out) => {
    execFileSync(asc, [source, '-o', out, '-O', '--use', 'abort=waft_abort', ...flags], { stdio: 'pipe', cwd: repoRoot });
  });
}
