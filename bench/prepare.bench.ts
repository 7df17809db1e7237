// How long prepare() takes on real modules, and what the loop checks cost a CPU-bound guest.
// Baselines in the same run: V8's own compile of the same bytes, and the uninstrumented guest.
// Run: node bench/prepare.bench.ts
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { prepare, SANDBOX_MODULE } from '../src/wasm/prepare.ts';
import type { Prepared } from '../src/wasm/prepare.ts';
import { cGuest, repoRoot, watGuest } from '../test/support/guests.ts';
import { runCommand } from '../test/support/run-wasi.ts';
import { median } from './support.ts';

function time(runs: number, f: () => void): number {
  f(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** The Rust hello world (rustc 1.63, std, -O), built once into the guest cache. */
function rustHello(): Uint8Array<ArrayBuffer> | null {
  const dir = join(repoRoot, 'node_modules/.cache/waft-guests');
  const out = join(dir, 'bench-rust-hello.wasm');
  if (!existsSync(out)) {
    try {
      mkdirSync(dir, { recursive: true });
      const src = join(dir, 'bench-rust-hello.rs');
      writeFileSync(src, 'fn main() { println!("Hello, world!"); }\n');
      execFileSync('/usr/bin/rustc', ['--target', 'wasm32-wasi', '-O', src, '-o', out], { stdio: 'pipe' });
    } catch {
      return null;
    }
  }
  return new Uint8Array(readFileSync(out));
}

function sandboxImports(p: Prepared): WebAssembly.Imports {
  const ns: Record<string, WebAssembly.ExportValue> = {};
  if (p.interruptible) {
    ns.interrupt = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    ns.interrupt_slot = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  }
  if (p.memory) ns.memory = new WebAssembly.Memory({ initial: p.memory.initial, maximum: 1024 });
  return { [SANDBOX_MODULE]: ns };
}

function withNonce(bytes: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
  const tag = new TextEncoder().encode(`nonce${n}`);
  const out = new Uint8Array(bytes.length + 3 + tag.length);
  out.set(bytes);
  out.set([0, tag.length + 1, tag.length, ...tag], bytes.length);
  return out;
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

console.log('prepare() time (median), against V8 compiling the same bytes (new WebAssembly.Module, lazy)');
const modules: [string, Uint8Array<ArrayBuffer> | null, number][] = [];
const cPath = cGuest('prep_hello');
modules.push(['clang hello (C, -O2 -g)', cPath ? new Uint8Array(readFileSync(cPath)) : null, 30]);
modules.push(['rustc hello (Rust std, -O)', rustHello(), 8]);
for (const [name, bytes, runs] of modules) {
  if (!bytes) {
    console.log(`  ${name}: skipped (toolchain missing)`);
    continue;
  }
  // A fresh custom section each time, so V8's cache of compiled modules (keyed by the bytes)
  // does not answer instead of the compiler.
  let n = 0;
  const compile = time(runs, () => new WebAssembly.Module(withNonce(bytes, n++)));
  const memOnly = time(runs, () => prepare(bytes, { interrupt: false }));
  const full = time(runs, () => prepare(bytes));
  const p = prepare(bytes);
  const check = runCommand(p.bytes, ['hello'], sandboxImports(p));
  const base = runCommand(bytes, ['hello']);
  console.log(`  ${name}, ${kb(bytes.length)}: interrupt:false ${memOnly.toFixed(2)} ms, interrupt:true ${full.toFixed(2)} ms `
    + `(${(bytes.length / 1048576 / (full / 1000)).toFixed(0)} MB/s, ${p.loops} loops) | V8 compile ${compile.toFixed(2)} ms `
    + `| ratio prepare/compile ${(full / compile).toFixed(2)} | output ${check.stdout === base.stdout ? 'identical' : 'DIFFERENT'}`);
}

console.log('loop-check overhead on a CPU-bound C guest (sieve, Collatz, hash): variants interleaved, 2 warm-up rounds, median of 9');
const cpuPath = cGuest('prep_cpu');
if (!cpuPath) {
  console.log('  skipped: clang for wasm32-wasi is missing');
} else {
  const bytes = new Uint8Array(readFileSync(cpuPath));
  const plain = prepare(bytes, { interrupt: false });
  const checked = prepare(bytes);
  const args = ['cpu', '3'];
  let expected = '';
  const variants: [string, () => void][] = [
    ['original', () => check(runCommand(bytes, args).stdout)],
    ['memory import only', () => check(runCommand(plain.bytes, args, sandboxImports(plain)).stdout)],
    [`loop checks (${checked.loops} loops)`, () => check(runCommand(checked.bytes, args, sandboxImports(checked)).stdout)],
  ];
  function check(stdout: string): void {
    expected ||= stdout;
    if (stdout !== expected) throw new Error(`output differs: ${stdout}`);
  }
  const samples = variants.map(() => [] as number[]);
  for (let round = 0; round < 11; round++) {
    variants.forEach(([, f], i) => {
      const t0 = performance.now();
      f();
      if (round >= 2) samples[i]!.push(performance.now() - t0);
    });
  }
  const [tOriginal, tPlain, tChecked] = samples.map(median) as [number, number, number];
  variants.forEach(([name], i) => console.log(`  ${name}: ${median(samples[i]!).toFixed(1)} ms`));
  console.log(`  ratio loop checks / original ${(tChecked / tOriginal).toFixed(3)} | loop checks / memory import only ${(tChecked / tPlain).toFixed(3)} | ${expected.trim()}`);
}

console.log('worst case: test/guests/wat/prep_spin.wat count(3e7), nested loops doing 1-3 adds per iteration (interleaved, median of 9)');
{
  const bytes = new Uint8Array(readFileSync(await watGuest('prep_spin')));
  const env = { env: { started() {} } };
  const plain = prepare(bytes, { interrupt: false });
  const checked = prepare(bytes);
  const fns = [
    new WebAssembly.Instance(new WebAssembly.Module(bytes), env).exports.count,
    new WebAssembly.Instance(new WebAssembly.Module(plain.bytes), { ...env, ...sandboxImports(plain) }).exports.count,
    new WebAssembly.Instance(new WebAssembly.Module(checked.bytes), { ...env, ...sandboxImports(checked) }).exports.count,
  ] as ((n: number) => bigint)[];
  const n = 30_000_000;
  const expected = 3n * BigInt(n) + (BigInt(n) * BigInt(n - 1)) / 2n;
  const samples = fns.map(() => [] as number[]);
  for (let round = 0; round < 11; round++) {
    fns.forEach((f, i) => {
      const t0 = performance.now();
      if (f(n) !== expected) throw new Error('wrong result');
      if (round >= 2) samples[i]!.push(performance.now() - t0);
    });
  }
  const [a, b, c] = samples.map(median) as [number, number, number];
  console.log(`  original ${a.toFixed(1)} ms | memory import only ${b.toFixed(1)} ms | loop checks ${c.toFixed(1)} ms | ratio loop checks / original ${(c / a).toFixed(3)}`);
}
