// The module cache: one compile per content hash, and modules another thread compiled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { compileModule, ModuleCache, type CompiledModule } from '../../src/wasm/cache.ts';
import { hashBytes } from '../../src/wasm/load.ts';
import { wat } from './load.ts';

test('a module compiled elsewhere and posted here is taken as it is, not compiled again', async () => {
  const bytes = await wat('exit');
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(await compileModule({ bytes, source: 'hello.wasm', hash: hashBytes(bytes) }));
  const [posted] = await once(port2, 'message') as [CompiledModule];
  port1.close();
  const cache = new ModuleCache();
  cache.add(posted);
  assert.equal(await cache.compile(bytes), posted);
  assert.equal(cache.size, 1);
  assert.ok(WebAssembly.Module.exports(posted.module).some((e) => e.name === '_start'), 'the posted module is the compiled one');
  const other = await cache.compile(await wat('busy'));
  assert.notEqual(other, posted, 'other bytes still compile');
  assert.equal(cache.size, 2);
});
