// prepare(): memory 0 becomes the ("waft:sandbox", "memory") import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileModule } from '../../src/wasm/cache.ts';
import { inspect } from '../../src/wasm/inspect.ts';
import { prepare, SANDBOX_MODULE } from '../../src/wasm/prepare.ts';
import { WaftError } from '../../src/errors.ts';
import { cGuest, clangMissing } from '../support/guests.ts';
import { wat } from './load.ts';
import { runCommand } from '../support/run-wasi.ts';

const load = wat;
const noInterrupt = { interrupt: false };

function instantiate(bytes: Uint8Array<ArrayBuffer>, imports: WebAssembly.Imports = {}): Record<string, any> {
  assert.ok(WebAssembly.validate(bytes), 'the prepared module validates');
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
}

test('a defined, exported memory with data segments becomes the sandbox import', async () => {
  const bytes = await load('prep_memory');
  const prepared = prepare(bytes, noInterrupt);
  assert.deepEqual(prepared.memory, { initial: 2, maximum: 8 });
  assert.equal(prepared.unsupportedMemory, null);
  const info = inspect(prepared.bytes);
  assert.deepEqual(info.memory, { initial: 2, maximum: 8, shared: false, memory64: false, imported: { module: SANDBOX_MODULE, name: 'memory' } });
  assert.deepEqual(info.exports, inspect(bytes).exports, 'exports unchanged');
  assert.deepEqual(info.customSections, inspect(bytes).customSections, 'custom sections kept');

  const original = instantiate(bytes);
  const supplied = new WebAssembly.Memory({ initial: 2, maximum: 8 });
  const rewritten = instantiate(prepared.bytes, { [SANDBOX_MODULE]: { memory: supplied } });
  assert.equal(rewritten.memory, supplied, 'the exported memory is the supplied one (index 0 unchanged)');
  for (const ex of [original, rewritten]) {
    ex.init_later(2000);
    ex.store(3000, 0xdeadbeef);
  }
  assert.equal(rewritten.sum(16, 11), original.sum(16, 11));
  assert.equal(rewritten.sum(1024, 8), 36);
  assert.equal(rewritten.sum(2000, 13), original.sum(2000, 13));
  assert.equal(rewritten.pages(), 2);
  assert.deepEqual(new Uint8Array(supplied.buffer), new Uint8Array(original.memory.buffer), 'identical memory contents');
  assert.equal(new TextDecoder().decode(new Uint8Array(supplied.buffer, 16, 11)), 'hello, waft');
});

test('the host caps memory below the module maximum: memory.grow returns -1 at the cap', async () => {
  const bytes = await load('prep_grow');
  const prepared = prepare(bytes, noInterrupt);
  assert.deepEqual(prepared.memory, { initial: 1, maximum: null });
  const supplied = new WebAssembly.Memory({ initial: 1, maximum: 5 });
  const ex = instantiate(prepared.bytes, { [SANDBOX_MODULE]: { memory: supplied } });
  assert.equal(ex.grow_all(), 5);
  assert.equal(supplied.buffer.byteLength, 5 * 65536);
  const defined = await load('prep_memory'); // declares maximum 8
  const ex2 = instantiate(prepare(defined, noInterrupt).bytes, { [SANDBOX_MODULE]: { memory: new WebAssembly.Memory({ initial: 2, maximum: 3 }) } });
  assert.equal(ex2.grow(1), 2);
  assert.equal(ex2.grow(1), -1, 'the supplied maximum (3) wins over the declared one (8)');
});

test('a memory imported as env.memory is renamed, other imports untouched', async () => {
  const bytes = await load('prep_import_memory');
  const prepared = prepare(bytes, noInterrupt);
  assert.deepEqual(prepared.memory, { initial: 1, maximum: 4 });
  assert.deepEqual(inspect(prepared.bytes).imports, [
    { module: 'env', name: 'log', kind: 'function' },
    { module: SANDBOX_MODULE, name: 'memory', kind: 'memory' },
  ]);
  const logged: number[] = [];
  const supplied = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const ex = instantiate(prepared.bytes, { env: { log: (v: number) => logged.push(v) }, [SANDBOX_MODULE]: { memory: supplied } });
  assert.equal(ex.first_byte(), 'i'.charCodeAt(0));
  ex.put(10, 99);
  assert.equal(new Uint8Array(supplied.buffer)[10], 99);
  assert.deepEqual(logged, [99]);
});

test('a module without memory passes through', async () => {
  const bytes = await load('prep_nomem');
  const prepared = prepare(bytes, noInterrupt);
  assert.equal(prepared.memory, null);
  assert.deepEqual(prepared.bytes, bytes);
  assert.equal(instantiate(prepared.bytes).add(2, 3), 5);
});

test('two memories: memory 1 keeps its index, data and instructions', async () => {
  const bytes = await load('prep_multimem');
  const prepared = prepare(bytes, noInterrupt);
  const info = inspect(prepared.bytes);
  assert.deepEqual(info.imports, [{ module: SANDBOX_MODULE, name: 'memory', kind: 'memory' }]);
  const supplied = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const ex = instantiate(prepared.bytes, { [SANDBOX_MODULE]: { memory: supplied } });
  assert.equal(ex.a, supplied);
  assert.notEqual(ex.b, supplied);
  assert.equal(ex.read_a(8), 'A'.charCodeAt(0));
  assert.equal(ex.read_b(8), 'B'.charCodeAt(0));
  ex.copy_b_to_a();
  assert.equal(new TextDecoder().decode(new Uint8Array(supplied.buffer, 100, 4)), 'BBBB');
  assert.equal(ex.size_b(), 1);
});

test('a shared memory is left as it is and reported', async () => {
  const bytes = await load('prep_shared');
  const prepared = prepare(bytes, noInterrupt);
  assert.equal(prepared.memory, null);
  assert.equal(prepared.unsupportedMemory?.reason, 'shared');
  assert.match(prepared.unsupportedMemory!.message, /shared memory/);
  assert.deepEqual(prepared.bytes, bytes);
});

test('a 64-bit memory is left as it is and reported', () => {
  // (module (memory i64 1)) written by hand: wabt here has no memory64 switch.
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0x04, 1]);
  const prepared = prepare(bytes, noInterrupt);
  assert.equal(prepared.memory, null);
  assert.equal(prepared.unsupportedMemory?.reason, 'memory64');
  assert.deepEqual(prepared.bytes, bytes);
});

test('compileModule refuses a module whose memory prepare() left alone: the sandbox could not cap it', async () => {
  const refused = (what: RegExp) => (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_MODULE_UNSUPPORTED' && what.test(e.message);
  await assert.rejects(compileModule({ source: 'shared.wasm', bytes: await load('prep_shared'), hash: 'shared' }), refused(/^shared\.wasm: .*shared memory/));
  const memory64 = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0x04, 1]);
  await assert.rejects(compileModule({ source: 'm64.wasm', bytes: memory64, hash: 'm64' }), refused(/^m64\.wasm: .*64-bit memory/));
});

test('a clang-built WASI command runs the same with a supplied memory', async (t) => {
  const path = cGuest('prep_hello');
  if (!path) return t.skip(clangMissing()!);
  const bytes = new Uint8Array(readFileSync(path));
  const prepared = prepare(bytes, noInterrupt);
  assert.ok(prepared.memory);
  assert.deepEqual(inspect(prepared.bytes).customSections, inspect(bytes).customSections, 'debug info kept');
  const before = runCommand(bytes, ['prog', 'x']);
  const supplied = new WebAssembly.Memory({ initial: prepared.memory.initial, maximum: 512 });
  assert.ok(WebAssembly.validate(prepared.bytes));
  const after = runCommand(prepared.bytes, ['prog', 'x'], { [SANDBOX_MODULE]: { memory: supplied } });
  assert.match(before.stdout, /^hello from waft, 2 args\narg 1: x\nchecksum [0-9a-f]{8}\n$/);
  assert.deepEqual(after, before);
  assert.equal(runCommand(prepared.bytes, ['prog', 'fail'], { [SANDBOX_MODULE]: { memory: new WebAssembly.Memory({ initial: prepared.memory.initial }) } }).code, 7);
});

test('components and garbage are refused with coded errors', () => {
  const component = new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
  assert.throws(() => prepare(component), (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_MODULE_UNSUPPORTED' && /component/.test(e.message));
  assert.throws(() => prepare(new Uint8Array([1, 2, 3])), (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_MODULE_INVALID');
});
