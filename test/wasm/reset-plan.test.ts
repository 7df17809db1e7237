// prepare()'s reset plan: which modules' used instances the sandbox may reset and lend again,
// and the exports that let it restore their mutable globals.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { prepare } from '../../src/wasm/prepare.ts';
import { watToWasm } from '../../src/wasm/wat.ts';

async function prepared(text: string, interrupt = true) {
  return prepare(await watToWasm(text), { interrupt });
}

async function refusal(text: string): Promise<string | null> {
  const p = await prepared(`(module ${text})`);
  assert.equal(p.reset === null, p.resetRefused !== null);
  return p.resetRefused;
}

describe('reset plan', () => {
  test('mutable globals are exported at their shifted index, immutable ones are not', async () => {
    const p = await prepared(`(module
      (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
      (memory (export "memory") 1)
      (global $a (mut i32) (i32.const 7))
      (global $b i32 (i32.const 8))
      (global $c (mut i64) (i64.const 9))
      (func (export "_start")))`);
    assert.equal(p.resetRefused, null);
    assert.deepEqual(p.reset, { globals: ['waft:global:1', 'waft:global:3'] });
    const module = new WebAssembly.Module(p.bytes);
    assert.deepEqual(WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`),
      ['memory:memory', '_start:function', 'waft:global:1:global', 'waft:global:3:global']);
    const instance = new WebAssembly.Instance(module, {
      wasi_snapshot_preview1: { proc_exit() {} },
      'waft:sandbox': {
        memory: new WebAssembly.Memory({ initial: 1 }),
        interrupt: new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }),
        interrupt_slot: new WebAssembly.Global({ value: 'i32', mutable: true }, 0),
      },
    });
    assert.equal((instance.exports['waft:global:1'] as WebAssembly.Global).value, 7);
    assert.equal((instance.exports['waft:global:3'] as WebAssembly.Global).value, 9n);
  });

  test('a module without an export section gets one for its mutable globals', async () => {
    const p = await prepared('(module (global (mut f64) (f64.const 1.5)))');
    assert.deepEqual(p.reset, { globals: ['waft:global:1'] });
    assert.deepEqual(WebAssembly.Module.exports(new WebAssembly.Module(p.bytes)).map((e) => e.name), ['waft:global:1']);
  });

  test('a module with no mutable state but its memory can be reset with nothing exported', async () => {
    const p = await prepared('(module (memory 1) (func (export "_start")))');
    assert.deepEqual(p.reset, { globals: [] });
    assert.deepEqual(WebAssembly.Module.exports(new WebAssembly.Module(p.bytes)).map((e) => e.name), ['_start']);
  });

  const refused: [string, string, RegExp][] = [
    ['a start function that calls an import', '(import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32))) (func $s (drop (call $y))) (start $s)',
      /start function, which each new instance runs, calls the import "wasi_snapshot_preview1" "sched_yield"/],
    ['a start function that reaches an import through other functions', '(import "env" "f" (func $f)) (func $a (call $b)) (func $b (return_call $f)) (func $s (call $a)) (start $s)',
      /calls the import "env" "f"/],
    ['a start function that calls indirectly', '(type $t (func)) (table 1 funcref) (func $s (call_indirect (type $t) (i32.const 0))) (start $s)',
      /start function, which each new instance runs, makes an indirect call/],
    ['table.set', '(table 1 funcref) (func (table.set (i32.const 0) (ref.null func)))', /table\.set/],
    ['table.grow', '(table 1 funcref) (func (drop (table.grow (ref.null func) (i32.const 1))))', /table\.grow/],
    ['table.fill', '(table 1 funcref) (func (table.fill (i32.const 0) (ref.null func) (i32.const 1)))', /table\.fill/],
    ['table.copy', '(table 2 funcref) (func (table.copy (i32.const 0) (i32.const 1) (i32.const 1)))', /table\.copy/],
    ['table.init', '(table 1 funcref) (elem $e func $f) (func $f (table.init $e (i32.const 0) (i32.const 0) (i32.const 1)))', /table\.init/],
    ['elem.drop', '(elem $e func $f) (func $f (elem.drop $e))', /elem\.drop/],
    ['data.drop', '(memory 1) (data $d "x") (func (data.drop $d))', /data\.drop/],
    ['an imported global', '(import "env" "g" (global i32))', /imports "env" "g"/],
    ['an imported table', '(import "env" "t" (table 1 funcref))', /imports "env" "t"/],
    ['two memories', '(memory 1) (memory 1)', /more than one memory/],
    ['a mutable v128 global', '(global (mut v128) (v128.const i64x2 0 0))', /global 0 is mutable/],
    ['an export in the sandbox namespace', '(func (export "waft:global:9"))', /waft:global:/],
  ];
  for (const [what, body, reason] of refused) {
    test(`refused: ${what}`, async () => {
      assert.match((await refusal(body)) ?? 'accepted', reason);
    });
  }

  test('a start function that only computes (no host call, no indirect call) does not stop a reset', async () => {
    assert.equal(await refusal(`(memory 1) (global $g (mut i32) (i32.const 0))
      (func $inc (global.set $g (i32.add (global.get $g) (i32.const 1))))
      (func $s (call $inc) (call $inc) (i32.store (i32.const 8) (memory.size))) (start $s)`), null);
  });

  test('memory.init, table.get, table.size and immutable v128 globals do not stop a reset', async () => {
    assert.equal(await refusal(`(memory 1) (data $d "x") (table 1 funcref) (global v128 (v128.const i64x2 0 0))
      (func (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1)) (drop (table.get (i32.const 0))) (drop (table.size)))`), null);
  });

  test('a module prepared without interrupt checks has no plan: its code was not read', async () => {
    const p = await prepared('(module (memory 1))', false);
    assert.equal(p.reset, null);
    assert.match(p.resetRefused!, /not scanned/);
  });
});
