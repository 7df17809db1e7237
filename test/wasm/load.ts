// Loads the wasm tests' guests. WAT goes through watGuest(); src/wasm/wat.ts currently calls
// wabt's validate() without the feature flags it parsed with, so modules that use
// multi-memory, threads, exceptions or tail calls fail there. Those are compiled here with the
// same flags for both steps until wat.ts passes them on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WaftError } from '../../src/errors.ts';
import { repoRoot, watGuest } from '../support/guests.ts';

const features = {
  multi_memory: true, bulk_memory: true, reference_types: true, simd: true,
  threads: true, mutable_globals: true, sat_float_to_int: true, sign_extension: true,
  multi_value: true, tail_call: true, exceptions: true,
};

export async function wat(name: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(readFileSync(await watGuest(name)));
  } catch (err) {
    if (!(err instanceof WaftError && err.code === 'WAFT_E_WAT_INVALID' && /validate failed/.test(err.message))) throw err;
  }
  const file = join(repoRoot, 'test/guests/wat', `${name}.wat`);
  const w = await (await import('wabt')).default();
  const parsed = w.parseWat(file, readFileSync(file, 'utf8'), features);
  try {
    parsed.resolveNames();
    (parsed.validate as (f: typeof features) => void)(features);
    return new Uint8Array(parsed.toBinary({ log: false, write_debug_names: true }).buffer);
  } finally {
    parsed.destroy();
  }
}
