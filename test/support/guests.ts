// Builds the test guests from the sources in test/guests, once per source hash.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watToWasm } from '../../src/wasm/wat.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = join(repoRoot, 'node_modules/.cache/waft-guests');

const cachePath = (key: string) => join(cacheDir, `${key}.wasm`);

/** Builds into a temporary file renamed into place, so a test process running at once never reads half a module. */
export function cached(key: string, build: (out: string) => void): string {
  const out = cachePath(key);
  if (!existsSync(out)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    build(tmp);
    renameSync(tmp, out);
  }
  return out;
}

/** A short content hash of strings and file contents, for cache keys. */
export function hash(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 24);
}

/** Path of the compiled test/guests/wat/NAME.wat (or an absolute .wat path). */
export async function watGuest(name: string): Promise<string> {
  const src = name.endsWith('.wat') ? resolve(name) : join(repoRoot, 'test/guests/wat', `${name}.wat`);
  const text = readFileSync(src, 'utf8');
  const key = `wat-${hash(text)}`;
  if (existsSync(cachePath(key))) return cachePath(key);
  const wasm = await watToWasm(text, src);
  return cached(key, (out) => writeFileSync(out, wasm));
}

let clangProbe: string | null | undefined;

/** Why C guests cannot be built here, or null when clang with wasi-libc works. */
export function clangMissing(): string | null {
  if (clangProbe !== undefined) return clangProbe;
  const r = spawnSync('clang', ['--target=wasm32-wasi', '-x', 'c', '-', '-o', '/dev/null'], {
    input: 'int main(void){return 0;}', encoding: 'utf8',
  });
  clangProbe = r.status === 0 ? null
    : 'clang for wasm32-wasi is not installed (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)';
  return clangProbe;
}

/** Path of the compiled test/guests/c/NAME.c, or null when clang is missing. */
export function cGuest(name: string, flags: string[] = []): string | null {
  if (clangMissing()) return null;
  const src = join(repoRoot, 'test/guests/c', `${name}.c`);
  const key = `c-${name}-${hash(readFileSync(src), flags.join(' '))}`;
  return cached(key, (out) => {
    execFileSync('clang', ['--target=wasm32-wasi', '-O2', '-g', ...flags, src, '-o', out], { stdio: 'pipe' });
  });
}
