// Recycled instances: a used instance is put back into the state of a new one (memory from the
// image, mutable globals from their initial values) and serves the next run of its module.
// state_probe exits 1 when it finds anything an earlier run left.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileModule, type CompiledModule } from '../../src/wasm/cache.ts';
import { readModuleFile } from '../../src/wasm/load.ts';
import { runGuest, type GuestOutcome } from '../../src/sandbox/guest.ts';
import { InstancePool } from '../../src/sandbox/instance-pool.ts';
import { Sandbox } from '../../src/sandbox/pool.ts';
import { BytesInput, CollectOutput, PushInput } from '../../src/wasi/streams.ts';
import type { InputStream } from '../../src/wasi/types.ts';
import { cGuest, clangMissing, watGuest } from '../support/guests.ts';

const interrupt = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
const flags = new Int32Array(interrupt.buffer);

async function wat(name: string): Promise<CompiledModule> {
  return compileModule(await readModuleFile(await watGuest(name)));
}

async function run(m: CompiledModule, pool: InstancePool, stdin: InputStream | string = '', slot = 0): Promise<GuestOutcome & { stdout: string }> {
  const stdout = new CollectOutput();
  const outcome = await runGuest({
    module: m.module, memory: m.memory, reset: m.reset, args: ['probe'], env: {}, preopens: [], memoryBytes: 16 << 20,
    stdin: typeof stdin === 'string' ? new BytesInput(stdin) : stdin, stdout, stderr: new CollectOutput(),
    interrupt: { memory: interrupt, flags, slot },
  }, pool);
  return { ...outcome, stdout: new TextDecoder().decode(stdout.bytes()) };
}

function ended(): PushInput {
  const s = new PushInput();
  s.end();
  return s;
}

describe('recycled instances', () => {
  test('the probe module can be reset: its mutable globals are exported for the host', async () => {
    const m = await wat('state_probe');
    assert.equal(m.resetRefused, null);
    assert.deepEqual(m.reset?.globals.length, 4);
  });

  test('memory, data and every mutable global are back to their initial state for the next run', async () => {
    const m = await wat('state_probe');
    const pool = new InstancePool();
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await run(m, pool));
    assert.deepEqual(outcomes.map((o) => o.exitCode), [0, 0, 0, 0], 'a run found state an earlier run left');
    assert.deepEqual(outcomes.map((o) => o.recycled), [false, true, true, true]);
  });

  test('a run that ends with proc_exit(0) is clean: its instance is reset and lent again', async () => {
    const m = await wat('state_probe');
    const pool = new InstancePool();
    assert.equal((await run(m, pool, 'e')).exitCode, 0);
    const next = await run(m, pool);
    assert.equal(next.exitCode, 0);
    assert.equal(next.recycled, true);
  });

  test('an instance whose memory grew, or that trapped, is dropped: the next run gets a new one', async () => {
    const m = await wat('state_probe');
    const pool = new InstancePool();
    const grown = await run(m, pool, 'g');
    assert.equal(grown.exitCode, 0);
    assert.equal(grown.peakMemoryBytes, 2 * 65536);
    const afterGrow = await run(m, pool);
    assert.deepEqual([afterGrow.exitCode, afterGrow.recycled], [0, false]);

    const trapped = await run(m, pool, 't');
    assert.equal(trapped.error?.code, 'WAFT_E_GUEST_TRAP');
    const afterTrap = await run(m, pool);
    // The instance of afterGrow was lent to the trapping run and dropped; none is idle.
    assert.deepEqual([afterTrap.exitCode, afterTrap.recycled], [0, false]);
  });

  test('a recycled instance polls the interrupt flag of its current run, not of the run it was made for', async () => {
    const m = await wat('state_probe');
    const pool = new InstancePool();
    assert.equal((await run(m, pool, '', 1)).exitCode, 0);
    Atomics.store(flags, 1, 0);
    Atomics.store(flags, 2, 1);
    try {
      // Were the instance still polling slot 1, the loop would run 2^31 times and return cleanly.
      const r = await run(m, pool, 'l', 2);
      assert.equal(r.recycled, true);
      assert.equal(r.error?.code, 'WAFT_E_GUEST_TIMEOUT');
    } finally {
      Atomics.store(flags, 2, 0);
    }
  });

  test('runs that may suspend (JSPI) get recycled instances too, apart from blocking ones', async () => {
    const m = await wat('state_probe');
    const pool = new InstancePool();
    const first = await run(m, pool, ended());
    const second = await run(m, pool, ended());
    const blocking = await run(m, pool, '');
    assert.deepEqual([first, second, blocking].map((o) => o.exitCode), [0, 0, 0]);
    assert.deepEqual([first, second, blocking].map((o) => o.recycled), [false, true, false]);
  });

  test('recycle: false makes a new instance for every run', async () => {
    const m = await wat('state_probe');
    const pool = new InstancePool({ recycle: false });
    const outcomes = [await run(m, pool), await run(m, pool)];
    assert.deepEqual(outcomes.map((o) => [o.exitCode, o.recycled]), [[0, false], [0, false]]);
  });

  test('idle instances stay within their memory budget, and a forgotten module keeps none', async () => {
    const m = await wat('state_probe');
    const small = new InstancePool({ idleBytes: 65536 });
    await run(m, small);
    assert.equal(small.idleBytes, 0);
    assert.equal((await run(m, small)).recycled, false);

    const pool = new InstancePool();
    await run(m, pool);
    assert.ok(pool.idleBytes >= 65536);
    pool.forget(m.module);
    assert.equal(pool.idleBytes, 0);
    assert.equal((await run(m, pool)).recycled, false);
  });

  test('when idle instances are over budget, the module used least recently gives way', async () => {
    const [a, b, c] = [await wat('exit'), await wat('state_probe'), await wat('nap')];
    const probe = new InstancePool();
    await run(a, probe);
    const each = probe.idleBytes;
    const pool = new InstancePool({ idleBytes: 2 * each });
    for (const m of [a, b, a]) await run(m, pool, 'e');
    assert.equal(pool.idleBytes, 2 * each);
    await run(c, pool);
    assert.equal((await run(a, pool, 'e')).recycled, true, 'a was used after b, so b gave way');
    assert.equal((await run(b, pool, 'e')).recycled, false);
  });

  test('a C program sees no static, heap or data state of the runs before it', async (t) => {
    const path = cGuest('static_state');
    if (!path) return t.skip(clangMissing()!);
    const m = await compileModule(await readModuleFile(path));
    assert.equal(m.resetRefused, null);
    const pool = new InstancePool();
    const outs = [];
    for (let i = 0; i < 3; i++) outs.push(await run(m, pool));
    assert.deepEqual(outs.map((o) => o.recycled), [false, true, true]);
    assert.match(outs[0]!.stdout, /^Content-Type: text\/plain\n\ncalls=1 heap=0x[0-9a-f]+ trail=start\+\n$/);
    assert.deepEqual(outs.map((o) => o.stdout), [outs[0]!.stdout, outs[0]!.stdout, outs[0]!.stdout]);
  });

  test('through the worker pool, with and without recycling, no run sees another', async () => {
    const m = await wat('state_probe');
    for (const recycle of [true, false]) {
      const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, recycle });
      try {
        const results = await Promise.all(Array.from({ length: 20 }, () => sandbox.run({ module: m, stdin: new Uint8Array(0) })));
        assert.deepEqual(results.map((r) => r.exitCode), Array(20).fill(0), `recycle: ${recycle}`);
      } finally {
        await sandbox.close();
      }
    }
  });
});
