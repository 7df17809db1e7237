import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from '../../src/wasm/inspect.ts';
import { WaftError } from '../../src/errors.ts';
import { cGuest, clangMissing } from '../support/guests.ts';
import { wat } from './load.ts';

const load = wat;

function invalid(bytes: Uint8Array, pattern: RegExp, offset?: number): void {
  assert.throws(() => inspect(bytes), (err: unknown) => {
    assert.ok(err instanceof WaftError, `expected a WaftError, got ${String(err)}`);
    assert.equal(err.code, 'WAFT_E_MODULE_INVALID');
    assert.match(err.message, pattern);
    if (offset !== undefined) assert.equal(err.details?.offset, offset, err.message);
    return true;
  });
}

test('a core module with a defined, exported memory', async () => {
  const bytes = await load('prep_memory');
  assert.ok(WebAssembly.validate(bytes));
  const info = inspect(bytes);
  assert.equal(info.kind, 'core');
  assert.equal(info.wasi, 'none');
  assert.deepEqual(info.imports, []);
  assert.deepEqual(info.exports.map((e) => `${e.kind}:${e.name}`),
    ['memory:memory', 'function:sum', 'function:init_later', 'function:store', 'function:pages', 'function:grow']);
  assert.deepEqual(info.memory, { initial: 2, maximum: 8, shared: false, memory64: false, imported: null });
  assert.equal(info.size, bytes.length);
  assert.ok(info.customSections.includes('name'), 'wabt writes a name section');
});

test('imports and exports match what V8 reports', async () => {
  for (const name of ['prep_memory', 'prep_import_memory', 'prep_nomem', 'prep_reactor', 'prep_command']) {
    const bytes = await load(name);
    const module = new WebAssembly.Module(bytes);
    const info = inspect(bytes);
    assert.deepEqual(info.imports, WebAssembly.Module.imports(module).map(({ module, name, kind }) => ({ module, name, kind })), name);
    assert.deepEqual(info.exports, WebAssembly.Module.exports(module).map(({ name, kind }) => ({ name, kind })), name);
  }
});

test('command, reactor and none', async () => {
  const name = new TextEncoder().encode('waft.test');
  const custom = [0, name.length + 4, name.length, ...name, 1, 2, 3];
  const bytes = new Uint8Array([...await load('prep_command'), ...custom]);
  assert.ok(WebAssembly.validate(bytes));
  const command = inspect(bytes);
  assert.equal(command.wasi, 'command');
  assert.deepEqual(command.memory, { initial: 3, maximum: 300, shared: false, memory64: false, imported: { module: 'env', name: 'mem' } });
  assert.deepEqual(command.customSections.filter((n) => n !== 'name'), ['waft.test']);
  assert.equal(inspect(await load('prep_reactor')).wasi, 'reactor');
  assert.equal(inspect(await load('prep_nomem')).wasi, 'none');
  assert.equal(inspect(await load('prep_nomem')).memory, null);
});

test('a clang-built WASI command', async (t) => {
  const path = cGuest('prep_hello');
  if (!path) return t.skip(clangMissing()!);
  const info = inspect(new Uint8Array(readFileSync(path)));
  assert.equal(info.kind, 'core');
  assert.equal(info.wasi, 'command');
  assert.ok(info.imports.some((i) => i.module === 'wasi_snapshot_preview1' && i.name === 'fd_write'));
  assert.equal(info.memory?.imported, null);
  assert.ok((info.memory?.initial ?? 0) >= 2);
  assert.ok(info.customSections.includes('.debug_info'), 'built with -g');
});

test('a component is recognised by its header only', () => {
  const name = new TextEncoder().encode('component-name');
  const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x00, name.length + 1, name.length, ...name]);
  assert.equal(WebAssembly.validate(bytes), false, 'V8 does not run components directly');
  const info = inspect(bytes);
  assert.equal(info.kind, 'component');
  assert.equal(info.wasi, 'none');
  assert.deepEqual(info.imports, []);
  assert.deepEqual(info.customSections, ['component-name']);
  assert.equal(info.size, bytes.length);
});

test('garbage, empty files and wrong magic are refused at byte 0', () => {
  invalid(new Uint8Array(0), /magic bytes .* at byte 0, found an empty file/, 0);
  invalid(new TextEncoder().encode('#!/bin/sh\necho hi\n'), /found bytes 23 21 2f 62/, 0);
  invalid(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), /not a WebAssembly binary/, 0);
});

test('a truncated header and an unknown version', () => {
  invalid(new Uint8Array([0, 0x61, 0x73, 0x6d, 1]), /truncated header/);
  invalid(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), /unknown WebAssembly version 02 00 00 00 at byte 4/, 4);
});

test('a module cut short inside a section says which section and where', async () => {
  const bytes = await load('prep_memory');
  for (let cut = 9; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 40))) {
    assert.throws(() => inspect(bytes.subarray(0, cut)), (err: unknown) => {
      assert.ok(err instanceof WaftError && err.code === 'WAFT_E_MODULE_INVALID', String(err));
      assert.match(err.message, /(truncated section \d+ \(\w+\).*|unexpected end of .*) at byte \d+/);
      assert.equal(typeof err.details?.offset, 'number');
      return true;
    }, `cut at ${cut}`);
  }
  // The type section (id 1) declares more bytes than the file holds.
  invalid(bytes.subarray(0, 12), /truncated section 1 \(type\): it declares \d+ bytes but only 2 remain at byte 8/, 8);
});

test('a section out of order, a duplicate and an unknown id', async () => {
  const header = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  invalid(new Uint8Array([...header, 5, 1, 0, 1, 1, 0]), /type section after the memory section at byte 11/, 11);
  invalid(new Uint8Array([...header, 1, 1, 0, 1, 1, 0]), /duplicate type section at byte 11/, 11);
  invalid(new Uint8Array([...header, 42, 0]), /unknown section id 42 at byte 8/, 8);
});

test('malformed entries inside the import section', () => {
  const header = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  // One import "a" "b" of kind 7.
  invalid(new Uint8Array([...header, 2, 6, 1, 1, 0x61, 1, 0x62, 7]), /import 0 \("a" "b"\) has unknown kind 0x7 at byte 15/, 15);
  // A name length running past the section end.
  invalid(new Uint8Array([...header, 2, 3, 1, 9, 0x61]), /unexpected end of import module name at byte 12/, 12);
  // A LEB128 that never ends.
  invalid(new Uint8Array([...header, 2, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]), /import count (does not fit in 32 bits|is longer than 5 bytes) at byte 10/, 10);
});
