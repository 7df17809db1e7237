// Runs tried on the caller's thread (SandboxOptions.inline): which qualify, what they return, and
// that a guest which goes on too long, or sleeps, is run again on a worker and holds the thread
// for no more than its budget.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModule, type CompiledModule } from '../../src/wasm/cache.ts';
import { readModuleFile } from '../../src/wasm/load.ts';
import { Sandbox } from '../../src/sandbox/pool.ts';
import { cGuest, clangMissing, watGuest } from '../support/guests.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function wat(name: string): Promise<CompiledModule> {
  return compileModule(await readModuleFile(await watGuest(name)));
}

describe('inline runs', () => {
  let sandbox: Sandbox;
  before(async () => {
    // A budget well above a thread's scheduling hiccups, and well below the busy guest's run.
    sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 4, inlineBudgetMs: 20 });
    await sandbox.ready();
  });
  after(() => sandbox.close());

  test('a short WASI guest runs on the caller\'s thread', async () => {
    const r = await sandbox.run({ module: await wat('exit') });
    assert.equal(r.inline, true);
    assert.equal(r.error, null);
    assert.equal(r.exitCode, 7);
    assert.equal(text(r.stdout), 'bye\n');
    assert.equal(r.usage.outputBytes, 4);
    assert.equal(r.usage.peakMemoryBytes, 65536);
  });

  test('stdin given whole is read, and output reaches callback targets', async (t) => {
    const path = cGuest('echo');
    if (!path) return t.skip(clangMissing()!);
    const m = await compileModule(await readModuleFile(path));
    // A first run may take longer than the budget, and go to a worker: V8 compiles functions on their first call.
    await sandbox.run({ module: m, stdin: new Uint8Array(10) });
    const body = new Uint8Array(200_000).map((_, i) => i % 251);
    const chunks: Uint8Array[] = [];
    let stderr = '';
    const r = await sandbox.run({
      module: m, stdin: body, stdout: (c) => chunks.push(c), stderr: (c) => { stderr += text(c); },
    });
    assert.equal(r.inline, true);
    assert.equal(r.exitCode, 0);
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(body));
    assert.equal(r.stdout.byteLength, 0, 'what went to the callback is not returned again');
    assert.equal(stderr, '200000\n');
  });

  test('traps and limits end an inline run as they end one on a worker', async () => {
    const trap = await sandbox.run({ module: await wat('trap') });
    assert.equal(trap.inline, true);
    assert.equal(trap.error?.code, 'WAFT_E_GUEST_TRAP');
    const grow = await sandbox.run({ module: await wat('grow'), limits: { memoryBytes: 4 * 1024 * 1024 } });
    assert.equal(grow.inline, true);
    assert.equal(grow.error?.code, 'WAFT_E_GUEST_MEMORY_LIMIT');
    const flood = await sandbox.run({ module: await wat('flood'), limits: { maxOutputBytes: 100_000 } });
    assert.equal(flood.inline, true);
    assert.equal(flood.error?.code, 'WAFT_E_GUEST_OUTPUT_LIMIT');
    // A failed run's instance is not lent again: the next run starts clean.
    const again = await sandbox.run({ module: await wat('exit') });
    assert.equal(again.exitCode, 7);
  });

  test('a guest that runs past its budget is run again on a worker; after twice, its runs go there first', async () => {
    const busy = await wat('busy');
    const before = { ...sandbox.inline! };
    for (let i = 0; i < 3; i++) {
      const r = await sandbox.run({ module: busy });
      assert.equal(r.error, null);
      assert.equal(text(r.stdout), 'done\n', 'the output of the stopped try is dropped, the rerun\'s kept');
      assert.equal(r.inline, false);
    }
    assert.equal(sandbox.inline!.runs - before.runs, 2, 'the third run was not tried on the thread');
    assert.equal(sandbox.inline!.stopped - before.stopped, 2);
  });

  test('a guest that sleeps is run on a worker, where it may', async () => {
    const before = sandbox.inline!.stopped;
    const r = await sandbox.run({ module: await wat('nap') });
    assert.equal(r.error, null);
    assert.equal(r.exitCode, 0);
    assert.equal(r.inline, false);
    assert.equal(sandbox.inline!.stopped, before + 1);
  });

  test('a runaway loop leaves the caller\'s thread to the others and meets its deadline on a worker', async () => {
    const order: string[] = [];
    const loop = sandbox.run({ module: await wat('loop'), limits: { timeoutMs: 1500 } }).then((r) => { order.push('loop'); return r; });
    // Were the loop still on this thread, neither this timer nor these runs could happen before it ends.
    const tick = new Promise<void>((resolve) => setTimeout(() => { order.push('timer'); resolve(); }, 20));
    const hello = await wat('exit');
    const others = await Promise.all(Array.from({ length: 20 }, () => sandbox.run({ module: hello })));
    await tick;
    for (const r of others) {
      assert.equal(r.exitCode, 7);
      assert.equal(r.inline, true);
    }
    const r = await loop;
    assert.equal(r.error?.code, 'WAFT_E_GUEST_TIMEOUT');
    assert.match(r.error!.message, /deadline of 1500ms/);
    assert.equal(r.inline, false);
    assert.deepEqual(order, ['timer', 'loop']);
  });

  test('runs that could have effects beyond their output, or that stream, run on a worker', async (t) => {
    const exit = await wat('exit');
    const dir = mkdtempSync(join(tmpdir(), 'waft-inline-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const preopened = await sandbox.run({ module: exit, preopens: [{ hostPath: dir, guestPath: '/data', readonly: true }] });
    assert.equal(preopened.exitCode, 7);
    assert.equal(preopened.inline, false);
    const streamed = await sandbox.run({ module: exit, stdin: (async function* () { yield new Uint8Array([1]); })() });
    assert.equal(streamed.exitCode, 7);
    assert.equal(streamed.inline, false);
    const shortDeadline = await sandbox.run({ module: exit, limits: { timeoutMs: 60 } });
    assert.equal(shortDeadline.inline, false, 'a deadline within reach of the budget is kept on a worker');
    const linked = await sandbox.run({ module: await wat('needs_import') });
    assert.equal(linked.inline, false, 'imports beyond WASI may reach outside the run');
    assert.equal(linked.error?.code, 'WAFT_E_GUEST_LINK');
  });

  test('inline: false runs every guest on a worker', async () => {
    const off = new Sandbox({ minWorkers: 1, maxWorkers: 1, inline: false });
    try {
      const r = await off.run({ module: await wat('exit') });
      assert.equal(r.exitCode, 7);
      assert.equal(r.inline, false);
      assert.equal(off.inline, null);
    } finally {
      await off.close();
    }
  });
});
