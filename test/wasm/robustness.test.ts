// Damaged input: inspect() and prepare() answer with a WaftError or a result, never with a
// stray TypeError or RangeError, and a mutated module that V8 still accepts stays valid
// after prepare(). Deterministic: the mutations come from a seeded generator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from '../../src/wasm/inspect.ts';
import { prepare } from '../../src/wasm/prepare.ts';
import { WaftError } from '../../src/errors.ts';
import { cGuest } from '../support/guests.ts';
import { wat } from './load.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function attempt(f: () => unknown, what: string): 'ok' | 'refused' {
  try {
    f();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof WaftError, `${what}: threw ${err instanceof Error ? err.stack : String(err)}`);
    return 'refused';
  }
}

const guests = ['prep_memory', 'prep_globals', 'prep_ops_mvp', 'prep_ops_simd', 'prep_ops_control', 'prep_ops_multimem'];

test('every truncation of a module is either refused with a WaftError or handled', async () => {
  for (const name of guests) {
    const bytes = await wat(name);
    for (let cut = 0; cut < bytes.length; cut++) {
      const part = bytes.slice(0, cut);
      attempt(() => inspect(part), `${name} cut at ${cut}`);
      attempt(() => prepare(part), `${name} cut at ${cut}`);
    }
  }
});

test('mutated modules: never a stray exception; still-valid mutants stay valid once prepared', async () => {
  const next = rng(0x5eed);
  const sources: [string, Uint8Array<ArrayBuffer>][] = [];
  for (const name of guests) sources.push([name, await wat(name)]);
  const c = cGuest('prep_hello');
  if (c) sources.push(['prep_hello.c', new Uint8Array(readFileSync(c))]);
  let validMutants = 0;
  for (const [name, bytes] of sources) {
    const rounds = bytes.length > 10000 ? 60 : 400;
    for (let i = 0; i < rounds; i++) {
      const m = bytes.slice();
      const flips = 1 + Math.floor(next() * 3);
      for (let f = 0; f < flips; f++) m[8 + Math.floor(next() * (m.length - 8))] = Math.floor(next() * 256);
      const what = `${name} mutant ${i}`;
      attempt(() => inspect(m), what);
      let out: Uint8Array<ArrayBuffer> | undefined;
      const r = attempt(() => { out = prepare(m).bytes; }, what);
      if (r === 'ok' && WebAssembly.validate(m)) {
        validMutants++;
        assert.ok(WebAssembly.validate(out!), `${what}: V8 accepts the mutant but not its prepared form`);
      }
    }
  }
  assert.ok(validMutants > 20, `enough mutants stayed valid to mean something (${validMutants})`);
});
