import { WaftError } from '../errors.ts';

import type initWabt from 'wabt';

type Wabt = Awaited<ReturnType<typeof initWabt>>;
let wabt: Promise<Wabt> | undefined;

/** Compiles WebAssembly text to binary with every proposal that V8 ships enabled. */
export async function watToWasm(text: string, filename = 'module.wat'): Promise<Uint8Array> {
  wabt ??= import('wabt').then((m) => m.default());
  const w = await wabt;
  let parsed;
  try {
    // V8 validates the binary when it is compiled; wabt's own validate() ignores these features.
    const features = {
      multi_memory: true, bulk_memory: true, reference_types: true, simd: true,
      threads: true, mutable_globals: true, sat_float_to_int: true, sign_extension: true,
      multi_value: true, tail_call: true, exceptions: true,
    };
    parsed = w.parseWat(filename, text, features as Parameters<typeof w.parseWat>[2]);
    parsed.resolveNames();
    return new Uint8Array(parsed.toBinary({ log: false, write_debug_names: true }).buffer);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new WaftError('WAFT_E_WAT_INVALID', `${filename}: ${message.trim()}`, { file: filename });
  } finally {
    parsed?.destroy();
  }
}
