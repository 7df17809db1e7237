// Sleeps without JSPI: a guest whose stdin never waits sleeps by blocking its thread on its
// interrupt slot (guest.ts); the deadline wakes it, and a module that slept suspends from then on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileModule, type CompiledModule } from '../../src/wasm/cache.ts';
import { readModuleFile } from '../../src/wasm/load.ts';
import { runGuest } from '../../src/sandbox/guest.ts';
import { InstancePool } from '../../src/sandbox/instance-pool.ts';
import { Sandbox } from '../../src/sandbox/pool.ts';
import { BytesInput, CollectOutput, PushInput } from '../../src/wasi/streams.ts';
import type { InputStream } from '../../src/wasi/types.ts';
import { watGuest } from '../support/guests.ts';

async function wat(name: string): Promise<CompiledModule> {
  return compileModule(await readModuleFile(await watGuest(name)));
}

/** Runs `m` on this thread; says whether a timer due in 1 ms fired before the run ended. */
async function timerFiredFirst(m: CompiledModule, stdin: InputStream = new BytesInput('')): Promise<boolean> {
  const interrupt = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const order: string[] = [];
  const timer = new Promise<void>((resolve) => setTimeout(() => { order.push('timer'); resolve(); }, 1));
  const outcome = await runGuest({
    module: m.module, memory: m.memory, args: ['nap'], env: {}, preopens: [], memoryBytes: 1 << 20, stdin,
    stdout: new CollectOutput(), stderr: new CollectOutput(), interrupt: { memory: interrupt, flags: new Int32Array(interrupt.buffer), slot: 0 },
  }, new InstancePool());
  order.push('run');
  await timer;
  assert.equal(outcome.error, null);
  assert.equal(outcome.exitCode, 0);
  return order[0] === 'timer';
}

describe('sleeping guests', () => {
  test('a module first sleeps by blocking its thread, then suspends (JSPI) so the thread serves others', async () => {
    const m = await wat('nap');
    assert.equal(await timerFiredFirst(m), false, 'the first sleep held the thread');
    assert.equal(await timerFiredFirst(m), true, 'the next run of the same module left the thread free while it slept');
  });

  test('a guest whose stdin may wait always suspends', async () => {
    const m = await wat('nap');
    const stdin = new PushInput();
    stdin.end();
    assert.equal(await timerFiredFirst(m, stdin), true);
  });

  test('the deadline wakes a blocked sleep at once: the worker is kept and runs the next guest', { timeout: 20_000 }, async () => {
    // One worker and a grace of a minute: were the sleep not woken, the run would wait out its 60 s
    // sleep (or the grace), and this test its timeout.
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, graceMs: 60_000 });
    try {
      const r = await sandbox.run({ module: await wat('sleep'), limits: { timeoutMs: 200 } });
      assert.equal(r.error?.code, 'WAFT_E_GUEST_TIMEOUT');
      const next = await sandbox.run({ module: await wat('nap') });
      assert.equal(next.error, null);
      assert.equal(next.exitCode, 0);
      assert.equal(sandbox.workerCount, 1);
    } finally {
      await sandbox.close();
    }
  });
});
