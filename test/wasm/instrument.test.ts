// prepare() with interrupts (the default): loops poll a flag in a shared memory, added imports
// shift indices, and every instruction family survives the rewrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { inspect } from '../../src/wasm/inspect.ts';
import { prepare, SANDBOX_MODULE } from '../../src/wasm/prepare.ts';
import type { Prepared } from '../../src/wasm/prepare.ts';
import { readNameMaps, NAME_FUNCTION, NAME_GLOBAL } from '../../src/wasm/names.ts';
import { readSections } from '../../src/wasm/sections.ts';
import { WaftError } from '../../src/errors.ts';
import { cGuest, clangMissing } from '../support/guests.ts';
import { wat } from './load.ts';
import { runCommand } from '../support/run-wasi.ts';

type Exports = Record<string, any>;

function interruptMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
}

/** Imports for a prepared module: its memory (if any), the interrupt memory and slot. */
function sandboxImports(p: Prepared, interrupt = interruptMemory(), slot = 0, memory?: WebAssembly.Memory): WebAssembly.Imports {
  const ns: Record<string, WebAssembly.ExportValue> = {
    interrupt,
    interrupt_slot: new WebAssembly.Global({ value: 'i32', mutable: true }, slot),
  };
  if (p.memory) ns.memory = memory ?? new WebAssembly.Memory({ initial: p.memory.initial, ...(p.memory.maximum === null ? {} : { maximum: p.memory.maximum }) });
  return { [SANDBOX_MODULE]: ns };
}

function instantiate(bytes: Uint8Array<ArrayBuffer>, imports: WebAssembly.Imports): Exports {
  assert.ok(WebAssembly.validate(bytes), 'validates');
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
}

function outcome(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (err) {
    return { threw: err instanceof (WebAssembly as unknown as { Exception: typeof Error }).Exception ? 'wasm exception' : String(err) };
  }
}

/** Runs the same calls on the original and the prepared module and compares every result. */
async function sameBehaviour(name: string, calls: [string, ...unknown[]][], env: () => WebAssembly.Imports = () => ({})): Promise<Prepared> {
  const bytes = await wat(name);
  const prepared = prepare(bytes);
  assert.equal(prepared.interruptible, true);
  const original = instantiate(bytes, env());
  const rewritten = instantiate(prepared.bytes, { ...env(), ...sandboxImports(prepared) });
  for (const [fn, ...args] of calls) {
    const expected = outcome(() => original[fn](...args));
    const threw = (expected as { threw?: string }).threw;
    assert.equal(threw, undefined, `${name}: ${fn} runs in the original`);
    assert.deepEqual(outcome(() => rewritten[fn](...args)), expected, `${name}: ${fn}(${args.join(', ')})`);
  }
  return prepared;
}

/** Calls `fn` and sets the slot from a worker thread once the guest calls env.started(). */
async function interruptFromWorker(guest: string, fn: string): Promise<{ prepared: Prepared; interrupt: WebAssembly.Memory; slot: number }> {
  const prepared = prepare(await wat(guest));
  const interrupt = interruptMemory();
  const ready = new Int32Array(new SharedArrayBuffer(4));
  const slot = 8;
  const worker = new Worker(`
    const { workerData } = require('node:worker_threads');
    const ready = new Int32Array(workerData.ready);
    Atomics.wait(ready, 0, 0);
    Atomics.store(new Int32Array(workerData.flags), workerData.slot / 4, 1);
  `, { eval: true, workerData: { ready: ready.buffer, flags: interrupt.buffer, slot } });
  const started = () => {
    Atomics.store(ready, 0, 1);
    Atomics.notify(ready, 0);
  };
  const ex = instantiate(prepared.bytes, { env: { started }, ...sandboxImports(prepared, interrupt, slot) });
  assert.throws(() => ex[fn](), (err: unknown) => err instanceof WebAssembly.RuntimeError && /unreachable/.test(err.message));
  await once(worker, 'exit');
  assert.equal(new Int32Array(interrupt.buffer)[slot / 4], 1);
  return { prepared, interrupt, slot };
}

test('a loop that never ends is stopped from another thread through the interrupt slot', async () => {
  const { prepared, interrupt, slot } = await interruptFromWorker('prep_spin', 'spin');
  assert.equal(prepared.loops, 4);
  assert.equal(prepared.tailCalls, 0);
  // Another instance on the same interrupt memory, with its own slot, is not affected.
  const other = instantiate(prepared.bytes, { env: { started() {} }, ...sandboxImports(prepared, interrupt, slot + 4) });
  assert.equal(other.count(1000), 3000n + 499500n);
  // Once the host clears the flag, the interrupted slot runs again.
  Atomics.store(new Int32Array(interrupt.buffer), slot / 4, 0);
  const again = instantiate(prepared.bytes, { env: { started() {} }, ...sandboxImports(prepared, interrupt, slot) });
  assert.equal(again.halve_until_odd(96), 3);
});

test('endless mutual tail calls (no loop at all) are stopped from another thread', async () => {
  const { prepared } = await interruptFromWorker('prep_tailspin', 'forever');
  assert.equal(prepared.loops, 0);
  assert.equal(prepared.tailCalls, 2);
});

test('a guest importing from "waft:sandbox" is refused: it could reach other instances\' flags', async () => {
  const prepared = prepare(await wat('prep_spin'));
  assert.throws(() => prepare(prepared.bytes), (err: unknown) => {
    assert.ok(err instanceof WaftError);
    assert.equal(err.code, 'WAFT_E_MODULE_RESERVED_IMPORT');
    assert.match(err.message, /imports "waft:sandbox" "memory" \(import entry at byte \d+\).*prepared already/);
    return true;
  });
  const sneaky = await wat('prep_sandbox_import');
  assert.throws(() => prepare(sneaky, { interrupt: false }), /imports "waft:sandbox" "interrupt"/);
});

test('a flag already set stops the first loop iteration', async () => {
  const prepared = prepare(await wat('prep_spin'));
  const interrupt = interruptMemory();
  new Int32Array(interrupt.buffer)[0] = 1;
  const ex = instantiate(prepared.bytes, { env: { started() {} }, ...sandboxImports(prepared, interrupt, 0) });
  assert.throws(() => ex.count(1), /unreachable/);
  assert.throws(() => ex.halve_until_odd(8), /unreachable/);
});

test('counted and multi-value loops give the same results', async () => {
  await sameBehaviour('prep_spin', [['count', 0], ['count', 1], ['count', 2500], ['halve_until_odd', 96], ['halve_until_odd', 7]],
    () => ({ env: { started() {} } }));
});

test('globals defined and imported keep their values through the index shift', async () => {
  const env = () => ({
    env: {
      base: new WebAssembly.Global({ value: 'i32' }, 1),
      scale: new WebAssembly.Global({ value: 'i32', mutable: true }, 2),
      f: (x: number) => x * 10,
    },
  });
  const prepared = await sameBehaviour('prep_globals', [
    ['bump', 3], ['bump', 1], ['set_scale', 5], ['bump', 2], ['big_low'], ['pi_x4'], ['copy_plus_base'],
    ['via_table', 0, 21], ['via_table', 1, 21], ['via_global_ref', 8], ['byte_at_base'], ['call_f', 4],
  ], env);
  const imports = env();
  const ex = instantiate(prepared.bytes, { ...imports, ...sandboxImports(prepared) });
  assert.equal(ex.bump(3), 6);
  assert.equal(ex.last.value, 6);
  assert.equal(ex.big.value, 0x1122334455667788n);
  assert.equal(ex.copy.value, 1, 'initializer global.get of an imported global');
  assert.equal(ex.byte_at_base(), 'a'.charCodeAt(0), 'data segment at global.get offset');
  assert.equal(ex.via_table(1, 5), 15, 'element segment at global.get offset');
  ex.set_scale(7);
  assert.equal(imports.env.scale.value, 7, 'global.set of an imported global still hits the import');
});

test('the name section follows the shifted global indices; function names do not move', async () => {
  const bytes = await wat('prep_globals');
  const prepared = prepare(bytes);
  const names = (b: Uint8Array) => readNameMaps(b, readSections(b).find((s) => s.name === 'name')!);
  const before = names(bytes);
  const after = names(prepared.bytes);
  assert.deepEqual(after.get(NAME_FUNCTION), before.get(NAME_FUNCTION));
  const globals = before.get(NAME_GLOBAL);
  assert.ok(globals && globals.size >= 6, 'wabt writes global names');
  const expected = new Map([...globals].map(([i, n]) => [i >= 2 ? i + 1 : i, n]));
  assert.deepEqual(after.get(NAME_GLOBAL), expected);
  assert.equal(after.get(NAME_GLOBAL)!.get(2), undefined, 'index 2 is the unnamed interrupt slot');
});

test('MVP, sign extension, saturating truncation, bulk memory and reference types run the same', async () => {
  const p = await sameBehaviour('prep_ops_mvp', [
    ['control', 0], ['control', 1], ['control', 2], ['control', 3], ['control', 9], ['control', 77],
    ['numeric', 0x12345678, -0x123456789abn, 2.25, 1000.5], ['numeric', -1, 7n, -3.5, -0.25],
    ['memory_ops'], ['tables', 1],
  ], () => ({ env: { ext: new WebAssembly.Global({ value: 'externref' }, { any: 'thing' }) } }));
  assert.equal(p.loops, 3);
});

test('SIMD runs the same', async () => {
  await sameBehaviour('prep_ops_simd', [['simd', 1], ['simd', 17], ['splat_sum', 2.5]]);
});

test('atomics run the same', async () => {
  await sameBehaviour('prep_ops_atomics', [['atomics', 1], ['atomics', 50]]);
});

test('tail calls and try/catch/rethrow/delegate run the same', async () => {
  const p = await sameBehaviour('prep_ops_control', [['countdown', 0], ['countdown', 100001], ['exceptions', 3], ['exceptions', 500]]);
  assert.equal(p.memory, null);
  assert.equal(inspect(p.bytes).imports.filter((i) => i.module === SANDBOX_MODULE).length, 2);
});

test('try_table and throw_ref run the same', async () => {
  await sameBehaviour('prep_ops_exnref', [['try_table', 3], ['try_table', 200], ['throw_ref', 5]]);
});

test('three memories: the interrupt memory takes index 1 and the defined ones shift', async () => {
  const bytes = await wat('prep_ops_multimem');
  const prepared = await sameBehaviour('prep_ops_multimem', [['multimem']]);
  assert.deepEqual(inspect(prepared.bytes).imports.map((i) => `${i.module}.${i.name}:${i.kind}`),
    ['waft:sandbox.memory:memory', 'waft:sandbox.interrupt:memory', 'waft:sandbox.interrupt_slot:global']);
  const original = instantiate(bytes, {});
  const ex = instantiate(prepared.bytes, sandboxImports(prepared));
  original.multimem();
  ex.multimem();
  assert.ok(!(ex.b.buffer instanceof SharedArrayBuffer), 'export "b" is still memory $b, not the interrupt memory');
  assert.deepEqual(new Uint8Array(ex.b.buffer), new Uint8Array(original.b.buffer));
  assert.deepEqual(new Uint8Array(ex.c.buffer), new Uint8Array(original.c.buffer));
});

test('a defined memory with data segments gives identical memory with interrupts on', async () => {
  const bytes = await wat('prep_memory');
  const prepared = prepare(bytes);
  const supplied = new WebAssembly.Memory({ initial: 2, maximum: 8 });
  const ex = instantiate(prepared.bytes, sandboxImports(prepared, interruptMemory(), 0, supplied));
  const original = instantiate(bytes, {});
  for (const e of [ex, original]) {
    e.init_later(2000);
    e.store(3000, 7);
  }
  assert.equal(ex.sum(16, 11), original.sum(16, 11));
  assert.equal(ex.memory, supplied);
  assert.deepEqual(new Uint8Array(supplied.buffer), new Uint8Array(original.memory.buffer));
});

test('memory.grow returns -1 at the supplied maximum (interrupts on)', async () => {
  const prepared = prepare(await wat('prep_grow'));
  const supplied = new WebAssembly.Memory({ initial: 1, maximum: 3 });
  const ex = instantiate(prepared.bytes, sandboxImports(prepared, interruptMemory(), 0, supplied));
  assert.equal(ex.grow_all(), 3);
});

test('a clang-built WASI program runs the same, with its debug sections kept', async (t) => {
  const path = cGuest('prep_hello');
  if (!path) return t.skip(clangMissing()!);
  const bytes = new Uint8Array(readFileSync(path));
  const prepared = prepare(bytes);
  assert.ok(prepared.loops > 10, `clang code has loops (${prepared.loops})`);
  assert.deepEqual(inspect(prepared.bytes).customSections, inspect(bytes).customSections);
  const memory = new WebAssembly.Memory({ initial: prepared.memory!.initial, maximum: 256 });
  const after = runCommand(prepared.bytes, ['prog', 'x', 'y'], sandboxImports(prepared, interruptMemory(), 0, memory));
  assert.deepEqual(after, runCommand(bytes, ['prog', 'x', 'y']));
  assert.match(after.stdout, /arg 2: y\nchecksum/);
});

test('an unknown opcode is refused by name and offset; interrupt:false still prepares it', () => {
  // One function whose body is 0xfd 0x9a 0x01 (an unassigned SIMD opcode), then end.
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 7, 1, 5, 0, 0xfd, 0x9a, 0x01, 0x0b]);
  assert.throws(() => prepare(bytes), (err: unknown) => {
    assert.ok(err instanceof WaftError);
    assert.equal(err.code, 'WAFT_E_MODULE_UNSUPPORTED');
    assert.match(err.message, /code entry 0: unknown opcode 0xfd 154 at byte 23 .*interrupt: false/);
    assert.equal(err.details?.offset, 23);
    return true;
  });
  assert.deepEqual(prepare(bytes, { interrupt: false }).bytes, bytes);
  const gc = bytes.slice();
  gc[23] = 0xfb; // the GC prefix
  assert.throws(() => prepare(gc), /unknown opcode 0xfb at byte 23/);
});

test('malformed code is refused as invalid with the offset', () => {
  // The body declares 5 bytes but its instructions end (0x0b) after 2.
  const early = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 7, 1, 5, 0, 0x0b, 0x01, 0x01, 0x0b]);
  assert.throws(() => prepare(early), (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_MODULE_INVALID' && /ends before its declared size/.test(e.message));
  // An i32.const whose LEB128 runs past the body.
  const cut = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 5, 1, 3, 0, 0x41, 0x80]);
  assert.throws(() => prepare(cut), (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_MODULE_INVALID' && /code entry 0: unexpected end of i32 constant at byte 24/.test(e.message));
});
